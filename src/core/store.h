/*
 * store.h — the embedded alert store (SQLite): every run, alert and skip
 * record, and the per-file state behind `scan --changed`.
 *
 * Tables (schema version 1; docs/alerts.md describes them for users):
 *   runs(id, started, finished, command, args, host, version, status,
 *        inputs, examined, skipped, partial, alerts, bytes)
 *   alerts(id, run_id, ts, ingested, level, severity, rule_id, engine,
 *          host, path, src_ip, dst_ip, json)   -- indexes on ts, rule_id,
 *                                                level, host, run_id
 *   skips(id, run_id, path, reason, detail, partial)
 *   file_state(dev, ino, size, mtime_us, ruleset_id, last_run)
 *   schema_version(version)
 * Times are microseconds since the epoch (UTC); levels 0..4 as enum
 * mm_level.
 *
 * Writes are batched: one transaction is kept open and committed every
 * MM_STORE_BATCH rows or MM_STORE_BATCH_MS milliseconds, and by
 * mm_store_commit()/mm_store_close(), so an interrupted scan keeps what it
 * found. The database runs in WAL mode with a bounded busy timeout, so
 * `mamori alerts` can read while a scan writes.
 *
 * Threading: every function may be called from any thread; one internal
 * mutex serialises them. All SQL is parameterised.
 */
#ifndef MM_STORE_H
#define MM_STORE_H

#include "core/alert.h"
#include "core/engine.h"

#define MM_STORE_BATCH 2000
#define MM_STORE_BATCH_MS 500
#define MM_STORE_BUSY_MS 5000
#define MM_STORE_SCHEMA 1

struct mm_store;

/* Opens or creates the database (and its parent directories). */
int mm_store_open(struct mm_store **out, const char *path, struct mm_diag *diag);
/* Commits and closes. NULL is a no-op. */
void mm_store_close(struct mm_store *st);
int mm_store_commit(struct mm_store *st);

struct mm_store_run {
	int64_t started_us, finished_us;
	const char *command, *args, *host, *version;
	const char *status;	/* "running", "done", "interrupted", "error" */
	uint64_t inputs, examined, skipped, partial, alerts, bytes;
};

int mm_store_run_begin(struct mm_store *st, const struct mm_store_run *r, int64_t *run_id);
/* Updates the run's end fields (finished, status, counts) and commits. */
int mm_store_run_end(struct mm_store *st, int64_t run_id, const struct mm_store_run *r);

/* json is the alert as serialised for the sinks; host is used when the
 * alert has none. */
int mm_store_add_alert(struct mm_store *st, int64_t run_id, const struct mm_alert *a,
		       const char *json, size_t json_len, int64_t ingested_us,
		       const char *host);
int mm_store_add_skip(struct mm_store *st, int64_t run_id, const char *path,
		      enum mm_skip why, bool partial, const char *detail);

/* --changed: true when (dev, ino) was examined before with the same size,
 * mtime and ruleset id. */
bool mm_store_file_unchanged(struct mm_store *st, const struct mm_input *in,
			     const char *ruleset_id);
int mm_store_file_examined(struct mm_store *st, const struct mm_input *in,
			   const char *ruleset_id, int64_t run_id);

struct mm_store_query {
	int64_t since_us, until_us;	/* on @timestamp; 0: unbounded */
	int min_level;			/* -1: any */
	const char *rule;		/* exact id, or a prefix ending in '*' */
	const char *engine;
	const char *host;
	int64_t run_id;			/* 0: any; -1: the latest run */
	int64_t limit;			/* 0: no limit */
};

struct mm_store_row {
	int64_t id, run_id, ts_us, ingested_us;
	int level;
	const char *rule_id, *engine, *host, *path, *src_ip, *dst_ip;
	const char *json;	/* the alert as it was written */
};

/* Calls fn for each matching alert, oldest first (by @timestamp, then
 * insertion); fn returning non-zero stops. Row strings are valid during
 * the call only. */
int mm_store_query_alerts(struct mm_store *st, const struct mm_store_query *q,
			  int (*fn)(void *arg, const struct mm_store_row *row), void *arg);
int64_t mm_store_count(struct mm_store *st, const char *table);

/*
 * --changed on many files: loads the file_state rows examined under one of
 * ids[0..n_ids) (the current rule sets; at most 16 are kept) into memory,
 * once, before the scan. Afterwards mm_store_file_unchanged() answers for
 * those ids from memory, and mm_store_file_unchanged_any() works. Rows
 * written later (mm_store_file_examined) are not added. MM_ELIMIT when the
 * table has too many rows to hold (lookups then stay in SQLite).
 */
int mm_store_file_state_load(struct mm_store *st, const char *const *ids, size_t n_ids);
/* Rows loaded by mm_store_file_state_load() (0 when none or not loaded). */
size_t mm_store_file_state_loaded(const struct mm_store *st);
/* True when (dev, ino) was examined with the same size and mtime under one
 * of the loaded ids; needs only in->dev, ino, size and mtime_us (for a check
 * before the file is opened). False without a load. Any thread; no lock. */
bool mm_store_file_unchanged_any(struct mm_store *st, const struct mm_input *in);

/* A run whose row waits for its first write. `scan --changed` of an
 * unchanged tree writes nothing else, and with its run row dropped it
 * writes nothing at all: no transaction, so no WAL checkpoint and no
 * fdatasync when the store closes. *run_id is MM_STORE_RUN_DEFERRED, which
 * mm_store_add_alert(), mm_store_add_skip(), mm_store_file_examined() and
 * mm_store_run_end() accept: the first of them writes the run's row (r's
 * start fields; its strings are copied). One deferred run per store at a
 * time. */
#define MM_STORE_RUN_DEFERRED (-2)
int mm_store_run_defer(struct mm_store *st, const struct mm_store_run *r, int64_t *run_id);
/* Forgets a deferred run that wrote nothing, so that it leaves no row.
 * 0, or MM_ESTATE when its row exists already (then end it with
 * mm_store_run_end()), MM_EINVAL when run_id is not the deferred run. */
int mm_store_run_drop(struct mm_store *st, int64_t run_id);

#endif
