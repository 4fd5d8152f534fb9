/*
 * scan_ctx.h — private to core: the layout of struct mm_scan_ctx, shared by
 * scan.c (one ctx per input of `mamori scan`) and output.c (the ctx of live
 * modes, mm_scan_ctx_new()). Engines see the ctx only through engine.h.
 *
 * A ctx belongs to one thread at a time (the worker scanning its input, or
 * the live mode's thread); `interrupted` may be set from another thread or a
 * signal handler.
 */
#ifndef MM_SCAN_CTX_H
#define MM_SCAN_CTX_H

#include "core/engine.h"
#include "core/output.h"

#include <signal.h>

struct mm_scan;
struct scan_worker;

/* partial reasons written as records per input; more are only counted */
#define MM_SCAN_PARTIAL_RECORDS 3

struct mm_scan_ctx {
	struct mm_output *out;
	const struct mm_config *cfg;
	bool deterministic;
	const char *path;		/* input name for records */
	const char *module;		/* engine name, for alerts without one */
	const struct mm_input *in;	/* NULL in live modes */
	struct mm_scan *scan;		/* NULL in live modes */
	struct scan_worker *worker;	/* NULL in live modes */
	int64_t deadline_us;		/* monotonic; 0: none */
	volatile sig_atomic_t interrupted;	/* live modes */
	uint64_t seq;			/* walk order of the input */
	uint32_t emitted;		/* records so far for this input */
	bool skipped;
	uint32_t partials;
	enum mm_skip first_partial;
	/* some part was left for a reason a rescan of the same bytes under
	 * the same rules might not meet (timeout, error, interrupt) */
	bool partial_unstable;
	uint64_t alerts;
	char *owned_name;		/* live modes: copy of input_name */
};

#endif
