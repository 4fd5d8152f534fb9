/*
 * sink_sqlite.c — the store as an output sink (sinks.h): alerts and skip
 * records of one run go into the store (store.h). The store is borrowed;
 * flush commits the open batch.
 */
#include "core/compat.h"
#include "core/sinks.h"

#include "core/store.h"

struct store_sink {
	struct mm_store *st;
	int64_t run_id;
	int64_t ingested_us;
	char *host;
};

static int store_alert(void *state, const struct mm_alert *a, const char *json, size_t len)
{
	struct store_sink *s = state;

	return mm_store_add_alert(s->st, s->run_id, a, json, len, s->ingested_us, s->host);
}

static int store_skip(void *state, const char *path, enum mm_skip why, bool partial,
		      const char *detail)
{
	struct store_sink *s = state;

	return mm_store_add_skip(s->st, s->run_id, path, why, partial, detail);
}

static int store_flush(void *state)
{
	struct store_sink *s = state;

	return mm_store_commit(s->st);
}

static void store_close(void *state)
{
	struct store_sink *s = state;

	if (!s)
		return;
	mm_store_commit(s->st);
	free(s->host);
	free(s);
}

int mm_sink_store(struct mm_sink *sink, struct mm_store *st, int64_t run_id,
		  const struct mm_alert_json_opts *opts)
{
	struct store_sink *s = calloc(1, sizeof(*s));

	if (!s)
		return MM_ENOMEM;
	s->st = st;
	s->run_id = run_id;
	if (opts) {
		s->ingested_us = opts->ingested_us;
		if (opts->default_host && !(s->host = strdup(opts->default_host))) {
			free(s);
			return MM_ENOMEM;
		}
	}
	memset(sink, 0, sizeof(*sink));
	sink->name = "sqlite";
	sink->state = s;
	sink->alert = store_alert;
	sink->skip = store_skip;
	sink->flush = store_flush;
	sink->close = store_close;
	return 0;
}
