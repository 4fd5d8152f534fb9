/*
 * catalogue.h — every detector and every loaded rule, with its metadata.
 *
 * Engines add an entry for each built-in detector and each rule they load
 * (`mamori rules list|show` read it back; alerts point at entries). The
 * catalogue copies every string it is given and owns the copies; entries
 * never move once added (stable pointers, stored in chunks), so alerts may
 * keep a pointer for the life of the catalogue.
 *
 * Threading: adding is serialised by an internal mutex (engines load rules
 * in parallel); lookups are safe once loading is over.
 */
#ifndef MM_CATALOGUE_H
#define MM_CATALOGUE_H

#include "core/alert.h"

struct mm_rule_meta {
	const char *id;		/* "mamori.net.smb.ms17-010.eternalblue", "sid:2024218" */
	const char *name;
	const char *engine;	/* "files", "net", "logs", "honeypot" */
	const char *ruleset;	/* "builtin", or the rule file's path */
	const char *category;
	enum mm_level level;
	const char *description;
	const char *source_file;	/* NULL for built-ins */
	long source_line;
	const char *references[MM_ALERT_MAX_LIST];
	const char *techniques[MM_ALERT_MAX_LIST];
	const char *tactics[MM_ALERT_MAX_LIST];
};

struct mm_catalogue;

struct mm_catalogue *mm_catalogue_new(void);
void mm_catalogue_free(struct mm_catalogue *c);

/* Copies m; returns the stored entry through out (may be NULL).
 * MM_EEXIST if the id is already there (the existing entry is returned). */
int mm_catalogue_add(struct mm_catalogue *c, const struct mm_rule_meta *m,
		     const struct mm_rule_meta **out);
const struct mm_rule_meta *mm_catalogue_find(const struct mm_catalogue *c, const char *id);
size_t mm_catalogue_count(const struct mm_catalogue *c);
/* Entries in insertion order; NULL past the end. */
const struct mm_rule_meta *mm_catalogue_at(const struct mm_catalogue *c, size_t i);

/*
 * Rule-loading results: every rule that did not load is recorded with file,
 * line and reason (never silently dropped); `mamori rules check` prints them.
 */
struct mm_rule_report;
struct mm_rule_report *mm_rule_report_new(void);
void mm_rule_report_free(struct mm_rule_report *r);
void mm_rule_report_loaded(struct mm_rule_report *r, const char *engine, size_t n);
/* reason_key groups rejections for summaries ("unsupported keyword: tls.fingerprint"). */
void mm_rule_report_rejected(struct mm_rule_report *r, const char *engine,
			     const char *file, long line, const char *rule_id,
			     const char *reason_key, const char *reason);
void mm_rule_report_warning(struct mm_rule_report *r, const char *engine,
			    const char *file, long line, const char *rule_id,
			    const char *reason);

struct mm_rule_problem {
	const char *engine;
	const char *file;
	long line;
	const char *rule_id;
	const char *reason_key;
	const char *reason;
	int is_warning;
};
size_t mm_rule_report_loaded_count(const struct mm_rule_report *r, const char *engine);
size_t mm_rule_report_rejected_count(const struct mm_rule_report *r, const char *engine);
size_t mm_rule_report_problem_count(const struct mm_rule_report *r);
const struct mm_rule_problem *mm_rule_report_problem(const struct mm_rule_report *r, size_t i);

/* Problems counted but not stored (past the report's cap of 100,000 or on
 * out of memory); `rules check` should say "and N more". Passing a NULL
 * engine to the *_count functions above sums over every engine. */
size_t mm_rule_report_dropped_count(const struct mm_rule_report *r);

#endif
