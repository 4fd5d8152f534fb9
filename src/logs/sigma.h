/*
 * sigma.h — private to src/logs/: the Sigma engine as the log engine's glue
 * (engine.c) sees it. Implemented in sigma_*.c.
 *
 * A struct sigma_ruleset is loaded once (rules from YAML via libyaml,
 * compiled, indexed by logsource and event id) and shared read-only by all
 * workers. Correlation rules (event_count, value_count, temporal,
 * temporal_ordered) keep their windows in a struct sigma_state, one per
 * input stream (one per file, or per live source).
 */
#ifndef LOGS_SIGMA_H
#define LOGS_SIGMA_H

#include "logs/event.h"

struct sigma_ruleset;
struct sigma_state;

struct sigma_ruleset *sigma_ruleset_new(void);
void sigma_ruleset_free(struct sigma_ruleset *rs);
/* Loads one .yml/.yaml file or every such file under a folder (recursively).
 * Each rule is added to cat (id "sigma:<uuid>"); each rule that does not
 * load goes to report with file, line and reason. Returns 0 unless nothing
 * could be read at all. */
int sigma_ruleset_load(struct sigma_ruleset *rs, const char *path, struct mm_catalogue *cat,
		       struct mm_rule_report *report);
/* Builds the indexes (and the literal prefilter); call after loading. */
int sigma_ruleset_compile(struct sigma_ruleset *rs, struct mm_diag *diag);
size_t sigma_ruleset_count(const struct sigma_ruleset *rs);
/* Hex digest of the loaded rule texts. */
const char *sigma_ruleset_id(const struct sigma_ruleset *rs);

struct sigma_match {
	const struct mm_rule_meta *meta;	/* the rule's catalogue entry */
	const char *rule_title;
	bool correlation;		/* raised by a correlation rule */
	/* for correlations: the group-by values and the count, and the
	 * events that made it (first/last record ids, times) */
	const char *group;		/* "TargetUserName=admin,IpAddress=..." or NULL */
	uint64_t count;
	int64_t first_ts_us, last_ts_us;
	uint64_t first_record, last_record;
	/* for plain rules: the fields that matched (name=value, up to 8) */
	const char *matched[8];
	size_t n_matched;
};

typedef int sigma_match_fn(void *arg, const struct log_event *e, const struct sigma_match *m);

struct sigma_state *sigma_state_new(const struct sigma_ruleset *rs);
void sigma_state_free(struct sigma_state *st);
/* Evaluates one event against the rules that can match it, calling fn for
 * each match (and for each correlation that fires). */
int sigma_eval(const struct sigma_ruleset *rs, struct sigma_state *st, const struct log_event *e,
	       sigma_match_fn *fn, void *arg);
/* End of a stream: correlations still pending are decided. */
int sigma_flush(const struct sigma_ruleset *rs, struct sigma_state *st, sigma_match_fn *fn,
		void *arg);

/*
 * Extensions (sigma engineer): loading from memory, the problem list of
 * the ruleset (what mm_rule_report also receives), placeholders for the
 * `expand` modifier, and the eviction counter of correlation windows.
 * In sigma_match_fn, e is NULL for correlations decided by sigma_flush().
 */
int sigma_ruleset_load_text(struct sigma_ruleset *rs, const char *name, const char *text,
			    size_t len, struct mm_catalogue *cat, struct mm_rule_report *report);
size_t sigma_ruleset_problem_count(const struct sigma_ruleset *rs);
/* Problem i (rejection or warning); any out-pointer may be NULL. */
int sigma_ruleset_problem(const struct sigma_ruleset *rs, size_t i, const char **file, long *line,
			  const char **rule_id, const char **key, const char **reason);
/* Values for %name% in `|expand` values; call before loading. */
int sigma_ruleset_set_placeholder(struct sigma_ruleset *rs, const char *name,
				  const char *const *values, size_t n);
/* Correlation windows and tracked values dropped because of the caps. */
uint64_t sigma_state_evicted(const struct sigma_state *st);
/* Events seen and rules evaluated on them (after the index and prefilter). */
void sigma_state_stats(const struct sigma_state *st, uint64_t *events, uint64_t *evaluated);

#endif
