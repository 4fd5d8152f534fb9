/*
 * engine.h — how a sensor plugs into the scan pipeline.
 *
 * An engine is a struct mm_engine (a table of functions) that its module
 * exports as `const struct mm_engine mm_engine_<name>`; the build collects
 * every engine module into the program's engine list (src/cli/ generates
 * it), so adding an engine touches no shared file. For each input the
 * pipeline classifies, the first engine whose `kinds` mask has that kind
 * owns it; an input no engine owns is reported as "no engine yet", never
 * as clean.
 *
 * Lifecycle: open() once (load rules, add catalogue entries), then
 * worker_open() once per worker thread, then scan() from that worker for
 * each input, concurrently across workers; worker_close() and close() at the
 * end. scan() must be safe to call in parallel with different workers.
 *
 * What scan() reports goes through struct mm_scan_ctx: alerts, and any
 * reason the input was not fully examined (mm_scan_skip: nothing useful was
 * examined; mm_scan_partial: some was, the rest was not). An input with
 * neither is counted as fully examined. Engines never print.
 */
#ifndef MM_ENGINE_H
#define MM_ENGINE_H

#include "core/error.h"
#include "core/alert.h"
#include "core/classify.h"
#include "core/config.h"
#include "core/catalogue.h"

/* Why an input was not (fully) examined. */
#define MM_SKIP_MAP(X)                                         \
	X(UNREADABLE, "unreadable")                            \
	X(TOO_LARGE, "too large")                              \
	X(TRUNCATED, "truncated")                              \
	X(CORRUPT, "corrupt")                                  \
	X(UNSUPPORTED, "unsupported")                          \
	X(NO_ENGINE, "no engine yet")                          \
	X(TIMEOUT, "timed out")                                \
	X(LIMIT, "limit reached")                              \
	X(NOT_REGULAR, "not a regular file")                   \
	X(VANISHED, "vanished")                                \
	X(ERROR, "error")                                      \
	X(INTERRUPTED, "interrupted")

enum mm_skip {
#define MM_SKIP_ENUM(name, text) MM_SKIP_##name,
	MM_SKIP_MAP(MM_SKIP_ENUM)
#undef MM_SKIP_ENUM
	MM_SKIP_COUNT
};
const char *mm_skip_name(enum mm_skip s);

/* One input as the pipeline hands it to an engine. All fields are owned by
 * the pipeline and valid for the duration of scan(). */
struct mm_input {
	const char *path;	/* as walked (may hold invalid UTF-8) */
	int fd;			/* open read-only at offset 0; do not close */
	uint64_t size;
	uint64_t dev, ino;
	int64_t mtime_us;
	enum mm_kind kind;
	const uint8_t *head;	/* first bytes, as classified */
	size_t head_len;
};

struct mm_scan_ctx;

/* Sends an alert to the sinks (serialised before return). The pipeline
 * fills module, timestamp (file mtime) and file.path/size when the engine
 * left them absent. Returns 0 or an error from a sink. */
int mm_emit_alert(struct mm_scan_ctx *ctx, const struct mm_alert *a);
/* The input could not be examined; reason is a short sentence. */
void mm_scan_skip(struct mm_scan_ctx *ctx, enum mm_skip why, const char *fmt, ...)
	MM_PRINTF(3, 4);
/* Part of the input was not examined (a corrupt chunk, a truncated record,
 * an archive member over the limit); the rest was. May be called often; the
 * pipeline keeps the first few reasons and a count. */
void mm_scan_partial(struct mm_scan_ctx *ctx, enum mm_skip why, const char *fmt, ...)
	MM_PRINTF(3, 4);
/* Informational counters shown in the summary ("net.packets", 1234). */
void mm_scan_count(struct mm_scan_ctx *ctx, const char *name, uint64_t n);
/* True when the per-input time limit has passed or the scan was
 * interrupted; long loops check it and stop with MM_SKIP_TIMEOUT. */
bool mm_scan_expired(const struct mm_scan_ctx *ctx);
/* Seconds left for this input (for libraries that take a timeout). */
int mm_scan_seconds_left(const struct mm_scan_ctx *ctx);
const struct mm_config *mm_scan_config(const struct mm_scan_ctx *ctx);
/* True when --deterministic: engines must not put wall-clock time,
 * random ids or thread-dependent order into alerts. */
bool mm_scan_deterministic(const struct mm_scan_ctx *ctx);

/* What open() gets. */
struct mm_engine_env {
	const struct mm_config *config;
	struct mm_catalogue *catalogue;
	struct mm_rule_report *rule_report;
	/* user rule files/dirs given with -r, for this engine to pick its own
	 * (by extension or content); NULL-terminated; never NULL itself */
	const char *const *rule_paths;
	/* load the bundled rules in rules/ (from MAMORI_RULES_DIR or the
	 * install path) */
	bool bundled_rules;
	const char *bundled_rules_dir;
	/* where engines may cache compiled rules ("~/.cache/mamori") */
	const char *cache_dir;
	bool deterministic;
};

struct mm_engine {
	const char *name;	/* "files", "net", "logs" */
	const char *description;
	uint64_t kinds;		/* MM_KIND_BIT()s it owns */
	/* keys this engine reads, with defaults; {NULL}-terminated, or NULL */
	const struct mm_config_default *config_defaults;

	int (*open)(void **state, const struct mm_engine_env *env, struct mm_diag *diag);
	void (*close)(void *state);
	int (*worker_open)(void *state, void **worker);
	void (*worker_close)(void *worker);
	int (*scan)(void *state, void *worker, const struct mm_input *in,
		    struct mm_scan_ctx *ctx);
	/* Optional: a hex digest of everything that decides this engine's
	 * results (rule contents, analyser versions), for `scan --changed`:
	 * a file is skipped only when it and every engine's ruleset_id are
	 * unchanged since it was last examined. NULL means "always rescan". */
	const char *(*ruleset_id)(void *state);
	/* Optional: more tables of keys, for engines whose parts each declare
	 * their own (NULL-terminated list of {NULL}-terminated tables);
	 * declared after config_defaults. */
	const struct mm_config_default *const *config_tables;
};

#endif
