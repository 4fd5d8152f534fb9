/*
 * internal.h — private to src/files/: the driver's state (engine, worker,
 * per-input scan), the YARA adapter (yara.c), the archive walker
 * (archive.c) and small helpers shared by the analysers written by the
 * driver's owner (text search, bundled list files).
 *
 * Ownership: struct files_engine is made by open() and read-only after it;
 * struct files_worker belongs to one worker thread; struct files_scan lives
 * on the stack of scan() for one input and is reachable from every view
 * through file_view.driver.
 *
 * Threading: everything reachable from files_engine is shared read-only
 * between workers; per-worker mutable state (YARA scanner, analyser
 * scratch) lives in files_worker.
 */
#ifndef FILES_INTERNAL_H
#define FILES_INTERNAL_H

#include "files/analyser.h"

#include <hs/hs.h>

/* Limits, read from the configuration at open(). */
struct files_limits {
	uint64_t max_size;	/* scan.max_size: files over it are skipped */
	int depth;		/* limits.archive_depth: nesting of members */
	uint64_t member_max;	/* files.archive.member_max: one member's size */
	uint64_t expanded_max;	/* files.archive.expanded_max: per input */
	uint64_t ratio_max;	/* files.archive.ratio_max: expanded/compressed */
	uint64_t members_max;	/* files.archive.members_max: per input */
};

struct files_yara;
struct files_yara_scanner;

extern const struct mm_engine mm_engine_files;

struct files_engine {
	const struct mm_config *cfg;
	struct files_limits lim;
	struct files_yara *yara;	/* NULL when no rule loaded */
	size_t n_analysers;
	void **an_shared;		/* per analyser, from its open() */
	char ruleset_id[65];
};

struct files_worker {
	struct files_engine *eng;
	struct files_yara_scanner *yscan;	/* NULL without rules */
	void **an_state;			/* per analyser */
	uint8_t *readbuf;	/* small files are read, not mapped */
	size_t readcap;
};

#define FILES_SCAN_MAGIC 0x6d6d6673u

/* One input being scanned (on scan()'s stack). */
struct files_scan {
	uint32_t magic;
	struct files_engine *eng;
	struct files_worker *w;
	struct mm_scan_ctx *ctx;
	const char *disk_path;
	uint64_t expanded;	/* bytes produced from archives/nesting so far */
	uint64_t members;	/* members examined so far */
	bool mapped;		/* the input is mapped, not read */
	bool limit_reported;
};

/*
 * Examines one in-memory content as a file view at parent->depth + 1:
 * classify, YARA, analysers (the hash waits for an alert), and (for
 * archives) its own members. name is appended to parent's path after
 * '!'. Called by the archive walker and by files_examine_nested().
 */
int files_examine_child(struct files_scan *scan, const struct file_view *parent,
			const char *name, const uint8_t *data, size_t len, int64_t mtime_us);
/* Runs YARA, the analysers and the archive walker on a ready view. */
int files_examine_view(struct files_scan *scan, struct file_view *v);

/* --- yara.c ---------------------------------------------------------- */

/* Compiles (or loads from the cache) the bundled and user YARA rules, adds
 * every rule to the catalogue and every rejected file to the rule report.
 * *out is NULL when there is no rule at all (not an error). */
int files_yara_open(struct files_yara **out, const struct mm_engine_env *env,
		    struct mm_diag *diag);
void files_yara_close(struct files_yara *y);
/* Lowercase hex SHA-256 of the rule set's contents and libyara's version. */
const char *files_yara_hash(const struct files_yara *y);
size_t files_yara_rule_count(const struct files_yara *y);
int files_yara_scanner_new(struct files_yara *y, struct files_yara_scanner **out);
void files_yara_scanner_free(struct files_yara_scanner *s);
/* mapped: v->data may lie in a file mapping (a shrinking file faults). */
int files_yara_scan(struct files_yara_scanner *s, const struct file_view *v, bool mapped,
		    struct mm_scan_ctx *ctx);

/* --- archive.c ------------------------------------------------------- */

bool files_archive_kind(enum mm_kind k);
/* Walks the members of an archive (or the single stream of a compressed
 * file) with libarchive and examines each through files_examine_child(),
 * under the limits; reports what it could not examine as partial. */
int files_archive_examine(struct files_scan *scan, const struct file_view *v);

/* --- util.c: helpers for analysers ----------------------------------- */

/* Case-insensitive (ASCII) search; NULL when absent. */
const uint8_t *files_memcasemem(const uint8_t *hay, size_t hlen, const char *needle, size_t nlen);
/* Exact byte search (memmem is a GNU extension). */
const uint8_t *files_memmem(const uint8_t *hay, size_t hlen, const void *needle, size_t nlen);
/* Counts (non-overlapping, case-insensitive) occurrences, up to max. */
size_t files_count_ci(const uint8_t *hay, size_t hlen, const char *needle, size_t max);
/* The last path component of a display or disk path (after '/', '\\', '!'). */
const char *files_basename(const char *path);

/*
 * A bundled list file (rules/lists/NAME): one entry per line, '#' starts a
 * comment, blank lines skipped, surrounding blanks trimmed. Lines are
 * copied; at most max entries (more are counted in dropped).
 */
struct files_list {
	char **items;
	size_t n;
	size_t dropped;
};
int files_list_load(struct files_list *l, const char *path, size_t max, struct mm_diag *diag);
void files_list_release(struct files_list *l);
/* Joins env->bundled_rules_dir and "lists/NAME" into out (NULL if none). */
int files_list_path(const struct mm_engine_env *env, const char *name, char *out, size_t cap);

/*
 * Emits an alert for a built-in detector described by m (a static table
 * entry that register_rules() also added to the catalogue): rule fields
 * are copied from m, level overrides m->level when >= 0, file fields come
 * from v. evidence_json may be NULL.
 */
int files_alert(struct mm_scan_ctx *ctx, const struct file_view *v,
		const struct mm_rule_meta *m, int level, const char *family,
		const char *reason, const char *evidence_json);
/* Adds every entry of a {NULL}-terminated table to the catalogue. */
int files_register(struct mm_catalogue *cat, const struct mm_rule_meta *table);

/*
 * hs_compile_lit_multi() in block mode through a cache: the database is
 * loaded from env->cache_dir/hs-TAG-<key>.db when present (key: SHA-256 of
 * Hyperscan's version and the literals with their ids and flags), else
 * compiled and saved there. MM_EDEP with *cerr set when compiling fails.
 */
int files_hs_compile_lits(const struct mm_engine_env *env, const char *tag,
			  const char *const *lits, const unsigned *flags, const unsigned *ids,
			  const size_t *lens, unsigned n, hs_database_t **db,
			  hs_compile_error_t **cerr);

/* Writes an escaped excerpt of data (at most max bytes) as a JSON string. */
void files_json_excerpt(struct mm_json *j, const char *key, const uint8_t *data, size_t len,
			size_t max);

#endif
