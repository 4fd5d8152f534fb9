/*
 * sigma_helpers.h — test helpers for the Sigma engine tests: hand-built
 * log events and one-call rule loading. Linked into every logs test.
 */
#ifndef TEST_SIGMA_HELPERS_H
#define TEST_SIGMA_HELPERS_H

#include "logs/sigma.h"

#define SIGMA_T_MAX_FIELDS 32

struct sigma_t_event {
	struct log_event e;
	struct log_field f[SIGMA_T_MAX_FIELDS];
};

/* An event of product "test" (service/category NULL), no fields. */
void sigma_t_event_init(struct sigma_t_event *t, const char *channel, uint32_t eid);
/* Adds a field (strings borrowed; must outlive the event). */
void sigma_t_event_set(struct sigma_t_event *t, const char *name, const char *value);

/* Loads YAML text and compiles; NULL when compile fails. */
struct sigma_ruleset *sigma_t_load(const char *yaml);
/* A rule "title: t / logsource: product: test / detection: <det>". */
struct sigma_ruleset *sigma_t_rule(const char *detection);

/* Matches collected by sigma_t_eval/sigma_t_flush. */
struct sigma_t_hits {
	size_t n;
	size_t n_corr;
	char last_title[128];
	char last_group[256];
	uint64_t last_count;
	uint64_t last_first_record, last_last_record;
	char last_matched[8][128];
	size_t last_n_matched;
};
int sigma_t_collect(void *arg, const struct log_event *e, const struct sigma_match *m);
/* Number of plain-rule matches of one event against rs (fresh state). */
size_t sigma_t_count(const struct sigma_ruleset *rs, const struct sigma_t_event *t);
/* First problem's reason key, or "" */
const char *sigma_t_problem_key(const struct sigma_ruleset *rs);

#endif
