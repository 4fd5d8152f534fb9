/*
 * output.c — struct mm_output (output.h): a few sinks behind one mutex,
 * each alert serialised once; and the ctx of live modes.
 *
 * Limits: MM_OUTPUT_MAX_SINKS sinks; one serialised alert at most
 * OUTPUT_MAX_JSON bytes (an alert past it fails with MM_ELIMIT and is
 * counted as dropped, never cut in half).
 */
#include "core/compat.h"
#include "core/output.h"
#include "core/sinks.h"

#include <pthread.h>
#include <stdatomic.h>

#include "core/scan_ctx.h"

#define MM_OUTPUT_MAX_SINKS 8
#define OUTPUT_MAX_JSON (16u << 20)
#define OUTPUT_MAX_TYPES 32

struct mm_output {
	pthread_mutex_t lock;
	struct mm_alert_json_opts opts;
	char *version, *host;
	struct mm_sink sinks[MM_OUTPUT_MAX_SINKS];
	size_t n_sinks;
	struct mm_buf buf;
	_Atomic uint64_t alerts;
	uint64_t dropped;
	bool all_records;
	char *types[OUTPUT_MAX_TYPES];
	size_t n_types;
};

struct mm_output *mm_output_new(const struct mm_alert_json_opts *opts)
{
	struct mm_output *o = calloc(1, sizeof(*o));

	if (!o)
		return NULL;
	if (opts) {
		o->opts = *opts;
		o->version = opts->observer_version ? strdup(opts->observer_version) : NULL;
		o->host = opts->default_host ? strdup(opts->default_host) : NULL;
		if ((opts->observer_version && !o->version) || (opts->default_host && !o->host)) {
			free(o->version);
			free(o->host);
			free(o);
			return NULL;
		}
		o->opts.observer_version = o->version;
		o->opts.default_host = o->host;
	}
	mm_buf_init(&o->buf, OUTPUT_MAX_JSON);
	pthread_mutex_init(&o->lock, NULL);
	return o;
}

static void clear_types(struct mm_output *o)
{
	for (size_t i = 0; i < o->n_types; i++)
		free(o->types[i]);
	o->n_types = 0;
	o->all_records = false;
}

void mm_output_free(struct mm_output *o)
{
	if (!o)
		return;
	mm_output_flush(o);
	for (size_t i = 0; i < o->n_sinks; i++) {
		if (o->sinks[i].close)
			o->sinks[i].close(o->sinks[i].state);
	}
	clear_types(o);
	mm_buf_release(&o->buf);
	pthread_mutex_destroy(&o->lock);
	free(o->version);
	free(o->host);
	free(o);
}

int mm_output_add(struct mm_output *o, const struct mm_sink *sink)
{
	int rc = 0;

	pthread_mutex_lock(&o->lock);
	if (o->n_sinks == MM_OUTPUT_MAX_SINKS)
		rc = MM_ELIMIT;
	else
		o->sinks[o->n_sinks++] = *sink;
	pthread_mutex_unlock(&o->lock);
	if (rc && sink->close)
		sink->close(sink->state);
	return rc;
}

int mm_output_alert(struct mm_output *o, const struct mm_alert *a)
{
	int rc, first = 0;

	pthread_mutex_lock(&o->lock);
	mm_buf_reset(&o->buf);
	rc = mm_alert_to_json(a, &o->opts, &o->buf);
	if (rc) {
		o->dropped++;
		goto out;
	}
	o->alerts++;
	for (size_t i = 0; i < o->n_sinks; i++) {
		if (!o->sinks[i].alert)
			continue;
		rc = o->sinks[i].alert(o->sinks[i].state, a, o->buf.ptr ? o->buf.ptr : "",
				       o->buf.len);
		if (rc && !first)
			first = rc;
	}
	rc = first;
out:
	pthread_mutex_unlock(&o->lock);
	return rc;
}

int mm_output_skip(struct mm_output *o, const char *path, enum mm_skip why, bool partial,
		   const char *detail)
{
	int rc, first = 0;

	pthread_mutex_lock(&o->lock);
	for (size_t i = 0; i < o->n_sinks; i++) {
		if (!o->sinks[i].skip)
			continue;
		rc = o->sinks[i].skip(o->sinks[i].state, path ? path : "", why, partial,
				      detail ? detail : "");
		if (rc && !first)
			first = rc;
	}
	pthread_mutex_unlock(&o->lock);
	return first;
}

int mm_output_record(struct mm_output *o, const char *type, const char *json, size_t len)
{
	int rc, first = 0;

	pthread_mutex_lock(&o->lock);
	for (size_t i = 0; i < o->n_sinks; i++) {
		if (!o->sinks[i].record)
			continue;
		rc = o->sinks[i].record(o->sinks[i].state, type, json, len);
		if (rc && !first)
			first = rc;
	}
	pthread_mutex_unlock(&o->lock);
	return first;
}

int mm_output_flush(struct mm_output *o)
{
	int rc, first = 0;

	pthread_mutex_lock(&o->lock);
	for (size_t i = 0; i < o->n_sinks; i++) {
		if (!o->sinks[i].flush)
			continue;
		rc = o->sinks[i].flush(o->sinks[i].state);
		if (rc && !first)
			first = rc;
	}
	pthread_mutex_unlock(&o->lock);
	return first;
}

uint64_t mm_output_alert_count(const struct mm_output *o)
{
	return atomic_load(&o->alerts);
}

const struct mm_alert_json_opts *mm_output_json_opts(const struct mm_output *o)
{
	return &o->opts;
}

int mm_output_want_records(struct mm_output *o, const char *types)
{
	const char *p = types ? types : "";
	int rc = 0;

	pthread_mutex_lock(&o->lock);
	clear_types(o);
	while (*p) {
		const char *e = strchr(p, ',');
		size_t n = e ? (size_t)(e - p) : strlen(p);

		if (n == 3 && !strncmp(p, "all", 3)) {
			o->all_records = true;
		} else if (n > 0) {
			if (o->n_types == OUTPUT_MAX_TYPES) {
				rc = MM_ELIMIT;
				break;
			}
			o->types[o->n_types] = strndup(p, n);
			if (!o->types[o->n_types]) {
				rc = MM_ENOMEM;
				break;
			}
			o->n_types++;
		}
		p += n;
		if (*p == ',')
			p++;
	}
	pthread_mutex_unlock(&o->lock);
	return rc;
}

bool mm_output_wants_record(const struct mm_output *o, const char *type)
{
	/* set before the scan starts and read-only during it: no lock */
	if (o->all_records)
		return true;
	for (size_t i = 0; i < o->n_types; i++) {
		if (!strcmp(o->types[i], type))
			return true;
	}
	return false;
}

/* ---- the ctx of live modes ---- */

struct mm_scan_ctx *mm_scan_ctx_new(struct mm_output *out, const struct mm_config *cfg,
				    bool deterministic, const char *input_name)
{
	struct mm_scan_ctx *ctx = calloc(1, sizeof(*ctx));

	if (!ctx)
		return NULL;
	ctx->out = out;
	ctx->cfg = cfg;
	ctx->deterministic = deterministic;
	if (input_name) {
		ctx->owned_name = strdup(input_name);
		if (!ctx->owned_name) {
			free(ctx);
			return NULL;
		}
	}
	ctx->path = ctx->owned_name;
	return ctx;
}

void mm_scan_ctx_free(struct mm_scan_ctx *ctx)
{
	if (!ctx)
		return;
	free(ctx->owned_name);
	free(ctx);
}

void mm_scan_ctx_interrupt(struct mm_scan_ctx *ctx)
{
	ctx->interrupted = 1;
}

int mm_scan_record(struct mm_scan_ctx *ctx, const char *type, const char *json, size_t len)
{
	if (!ctx->out || !mm_output_wants_record(ctx->out, type))
		return 0;
	return mm_output_record(ctx->out, type, json, len);
}

bool mm_scan_wants_record(const struct mm_scan_ctx *ctx, const char *type)
{
	return ctx->out && mm_output_wants_record(ctx->out, type);
}
