/*
 * scan.h — the scan pipeline: walk -> classify -> route -> worker pool.
 *
 * mm_scan_run() walks every path (walk.h), reads the first
 * MM_CLASSIFY_HEAD bytes of each regular file, classifies it by content
 * and hands it to the first engine in opts.engines whose kinds mask has the
 * kind, on a pool of worker threads fed by a bounded queue (pool.h). What
 * happens to each input:
 *
 *  - 0 bytes: counted as examined and empty (a file without bytes cannot
 *    hide anything); no engine is called; no record.
 *  - larger than max_size: skipped, MM_SKIP_TOO_LARGE.
 *  - no engine owns its kind: skipped, MM_SKIP_NO_ENGINE (never clean), and
 *    counted per kind.
 *  - otherwise the engine's scan(); an engine error that the engine did not
 *    report itself becomes MM_SKIP_ERROR.
 *  - inputs still queued when the scan is interrupted: MM_SKIP_INTERRUPTED;
 *    an engine stopped by the interrupt that reports MM_SKIP_TIMEOUT is
 *    recorded as MM_SKIP_INTERRUPTED instead.
 *
 * Deterministic mode: every alert and skip record is held back and written
 * at the end sorted by path, then walk order, then emission order within an
 * input; the opts.out output must then have been made with ingested_us 0.
 * Otherwise records go to the output as they are produced.
 *
 * The engines are opened by the caller (src/cli/ does that once for every
 * command); the pipeline calls worker_open() lazily on each worker thread
 * and worker_close() at the end. Ownership: opts and everything it points
 * to are borrowed for the life of the struct mm_scan.
 *
 * Threading: mm_scan_run() blocks the calling thread (which walks);
 * mm_scan_interrupt() is async-signal-safe; mm_scan_get_progress() may be
 * called from any thread during the run.
 */
#ifndef MM_SCAN_H
#define MM_SCAN_H

#include "core/engine.h"
#include "core/output.h"
#include "core/walk.h"

struct mm_scan_opts {
	const char *const *paths;
	size_t n_paths;
	unsigned threads;	/* 0: one per online CPU */
	bool one_filesystem;
	const char *const *excludes;
	size_t n_excludes;
	uint64_t max_size;	/* bytes; 0: no limit */
	int timeout_s;		/* per input; 0: none */
	bool deterministic;
	/* NULL-terminated engines and their opened states (same index) */
	const struct mm_engine *const *engines;
	void *const *engine_states;
	const struct mm_config *config;
	struct mm_output *out;
	/* --changed: after an input is classified and routed, unchanged()
	 * true skips it (counted as unchanged; engine is the index of the
	 * owning engine in engines); examined() is called for every input its
	 * engine examined fully, or in part only for reasons a rescan of the
	 * same bytes under the same rules meets again (truncated, corrupt,
	 * unsupported, limit reached, too large; not a timeout, error or
	 * interrupt). May be NULL. Called from worker threads. */
	bool (*unchanged)(void *arg, const struct mm_input *in, size_t engine);
	void (*examined)(void *arg, const struct mm_input *in, size_t engine);
	void *changed_arg;
	/* test hook, passed to the walker */
	void (*before_open)(void *arg, const char *path);
	void *hook_arg;
	/* --changed, before a file met inside a walked directory is even
	 * opened: in has only path, size, dev, ino and mtime_us (fd -1, no
	 * head, kind unknown); true leaves it out, counted as unchanged like
	 * unchanged() (changed_arg is passed). For a store whose rows say the
	 * file was examined unchanged under the current rules of the engine
	 * that owned it (same content, so the same kind and engine). May be
	 * NULL. Called from the walking thread. */
	bool (*unchanged_stat)(void *arg, const struct mm_input *in);
};

#define MM_SCAN_FIRST_PATHS 3
#define MM_SCAN_PATH_SHOWN 256
#define MM_SCAN_MAX_COUNTERS 128
#define MM_SCAN_COUNTER_NAME 64

struct mm_scan_counter {
	char name[MM_SCAN_COUNTER_NAME];
	uint64_t value;
};

struct mm_scan_summary {
	uint64_t inputs;	/* regular files met, plus entries the walk skipped */
	uint64_t examined;	/* fully examined, empty ones included */
	uint64_t empty;
	uint64_t unchanged;	/* left out by --changed */
	uint64_t bytes;		/* size of the inputs examined (fully or in part) */
	uint64_t alerts;
	uint64_t alerts_by_level[MM_LEVEL_COUNT];
	uint64_t skipped;	/* skip records (inputs not examined) */
	uint64_t skipped_by_reason[MM_SKIP_COUNT];
	/* the first few paths per reason, truncated to fit */
	char first_skipped[MM_SKIP_COUNT][MM_SCAN_FIRST_PATHS][MM_SCAN_PATH_SHOWN];
	uint64_t partial;	/* inputs examined in part */
	uint64_t partial_by_reason[MM_SKIP_COUNT];
	uint64_t no_engine_by_kind[MM_KIND_COUNT];
	uint64_t by_engine[16];	/* inputs handed to opts.engines[i] */
	struct mm_scan_counter counters[MM_SCAN_MAX_COUNTERS];	/* sorted by name */
	size_t n_counters;
	uint64_t counters_dropped;
	struct mm_walk_stats walk;
	uint64_t sink_errors;
	bool interrupted;
	int64_t duration_us;
};

struct mm_scan_progress {
	uint64_t walked_files, walked_bytes;	/* found so far by the walker */
	bool walk_done;
	uint64_t inputs, bytes, alerts;	/* done by the workers */
	int64_t elapsed_us;
};

struct mm_scan;

struct mm_scan *mm_scan_new(const struct mm_scan_opts *opts);
void mm_scan_free(struct mm_scan *s);
/* Runs the whole scan; fills sum (also on error). Returns 0 or an error
 * that stopped the pipeline itself (not errors about inputs, which are
 * skips). MM_EINTR when interrupted. */
int mm_scan_run(struct mm_scan *s, struct mm_scan_summary *sum);
void mm_scan_interrupt(struct mm_scan *s);
void mm_scan_get_progress(struct mm_scan *s, struct mm_scan_progress *p);

#endif
