/*
 * logs_test_util.h — helpers shared by the log engine's unit tests: read a
 * generated fixture, run a reader over bytes and keep what it returned.
 */
#ifndef LOGS_TEST_UTIL_H
#define LOGS_TEST_UTIL_H

#include "logs/logs.h"

/* $MAMORI_GEN_DIR/<gen>/<name> into a heap buffer (fails the test if
 * missing). */
uint8_t *lt_read_fixture(const char *gen, const char *name, size_t *len);

/* A copy of one event (strings owned), for assertions after the reader
 * moved on. */
struct lt_event {
	uint64_t record_id;
	uint32_t event_id;
	int64_t ts_us;
	char *channel, *host, *product, *service, *category;
	size_t n;
	char **names, **values;
};

struct lt_run {
	struct lt_event *ev;
	size_t n;
	struct log_reader_stats st;
	int rc;			/* last next() result */
};

/* Reads everything from a memory reader of the given kind. */
void lt_run_mem(struct lt_run *run, enum mm_kind kind, const uint8_t *data, size_t len);
void lt_run_str(struct lt_run *run, enum mm_kind kind, const char *text);
/* The same with `workers` chunk-parallel threads (EVTX). */
void lt_run_mem_workers(struct lt_run *run, enum mm_kind kind, const uint8_t *data, size_t len,
			unsigned workers);
void lt_run_free(struct lt_run *run);
/* Value of a field of event i (NULL if absent). */
const char *lt_get(const struct lt_run *run, size_t i, const char *name);

#endif
