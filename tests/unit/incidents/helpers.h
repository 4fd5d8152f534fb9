/*
 * helpers.h — shared by the incidents unit tests: a temporary store and a
 * way to add alerts to it as the pipeline would (mm_alert_to_json +
 * mm_store_add_alert).
 */
#ifndef MM_TEST_INCIDENTS_HELPERS_H
#define MM_TEST_INCIDENTS_HELPERS_H

#include "core/core.h"

struct th_alert {
	int64_t ts_s;		/* seconds */
	const char *module, *host, *src, *dst, *category, *tactic, *rule, *protocol;
	enum mm_level level;
	const char *evidence;
	const char *sha256;
};

/* A fresh store in a temporary directory; path gets the file name. */
struct mm_store *th_store(char *path, size_t cap, int64_t *run_id);
/* Removes the store (and its WAL files) and its directory. */
void th_remove(const char *path);
/* The alert's JSON as the pipeline writes it (no event.ingested). */
int th_json(const struct th_alert *t, struct mm_buf *out);
/* Adds one alert; returns 0. */
int th_add(struct mm_store *st, int64_t run_id, const struct th_alert *t);

#endif
