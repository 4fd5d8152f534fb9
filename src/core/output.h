/*
 * output.h — where alerts and records go: a set of sinks behind one lock.
 *
 * A sink is a table of callbacks (JSON lines file, SQLite store, terminal
 * text, later Redis). struct mm_output serialises each alert once with the
 * JSON writer and hands the same text to every sink, under one mutex, so
 * sinks need no locking of their own and lines never interleave.
 *
 * Live modes (sniff, watch, honeypot) use an output directly through a
 * struct mm_scan_ctx made by mm_scan_ctx_new(); `mamori scan` builds one ctx
 * per input (src/core/scan.h).
 *
 * Ownership: mm_output_add() takes the sink's state; mm_output_free() calls
 * each sink's close().
 */
#ifndef MM_OUTPUT_H
#define MM_OUTPUT_H

#include "core/engine.h"

struct mm_sink {
	const char *name;
	void *state;
	/* json: the serialised alert, no newline */
	int (*alert)(void *state, const struct mm_alert *a, const char *json, size_t len);
	/* an input, or part of one, that was not fully examined */
	int (*skip)(void *state, const char *path, enum mm_skip why, bool partial,
		    const char *detail);
	/* any other record: type is "flow", "http", "dns", "honeypot", ...;
	 * json is one object, no newline */
	int (*record)(void *state, const char *type, const char *json, size_t len);
	int (*flush)(void *state);
	void (*close)(void *state);
};

struct mm_output;

struct mm_output *mm_output_new(const struct mm_alert_json_opts *opts);
void mm_output_free(struct mm_output *o);
int mm_output_add(struct mm_output *o, const struct mm_sink *sink);
/* Thread-safe. */
int mm_output_alert(struct mm_output *o, const struct mm_alert *a);
int mm_output_skip(struct mm_output *o, const char *path, enum mm_skip why, bool partial,
		   const char *detail);
int mm_output_record(struct mm_output *o, const char *type, const char *json, size_t len);
int mm_output_flush(struct mm_output *o);
uint64_t mm_output_alert_count(const struct mm_output *o);

/*
 * A ctx for live modes: alerts go to out, skips/partials too (with
 * input_name as the path). The ctx never expires unless
 * mm_scan_ctx_interrupt() is called.
 */
struct mm_scan_ctx *mm_scan_ctx_new(struct mm_output *out, const struct mm_config *cfg,
				    bool deterministic, const char *input_name);
void mm_scan_ctx_free(struct mm_scan_ctx *ctx);
void mm_scan_ctx_interrupt(struct mm_scan_ctx *ctx);

/* Engines may write transaction records (--log http,dns,...) through the
 * ctx; a no-op when no sink wants records of that type. */
int mm_scan_record(struct mm_scan_ctx *ctx, const char *type, const char *json, size_t len);
bool mm_scan_wants_record(const struct mm_scan_ctx *ctx, const char *type);

#endif
