/*
 * logs_test_util.c — see logs_test_util.h.
 */
#include "core/compat.h"
#include "logs_test_util.h"

#include <setjmp.h>
#include <cmocka.h>

uint8_t *lt_read_fixture(const char *gen, const char *name, size_t *len)
{
	const char *dir = getenv("MAMORI_GEN_DIR");
	char path[4096];
	FILE *f;
	uint8_t *buf;
	long n;

	assert_non_null(dir);
	snprintf(path, sizeof(path), "%s/%s/%s", dir, gen, name);
	f = fopen(path, "rb");
	if (!f)
		fail_msg("fixture %s missing", path);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	assert_true(n >= 0);
	assert_int_equal(fseek(f, 0, SEEK_SET), 0);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return buf;
}

static char *dupn(const char *s, size_t n)
{
	char *d = malloc(n + 1);

	assert_non_null(d);
	if (n)
		memcpy(d, s, n);
	d[n] = '\0';
	return d;
}

static char *dup0(const char *s)
{
	return s ? dupn(s, strlen(s)) : NULL;
}

void lt_run_mem(struct lt_run *run, enum mm_kind kind, const uint8_t *data, size_t len)
{
	lt_run_mem_workers(run, kind, data, len, 0);
}

void lt_run_mem_workers(struct lt_run *run, enum mm_kind kind, const uint8_t *data, size_t len,
			unsigned workers)
{
	struct log_reader *r = NULL;
	struct log_reader_opts opts;
	struct log_event ev;
	size_t cap = 0;
	int rc;

	memset(run, 0, sizeof(*run));
	memset(&opts, 0, sizeof(opts));
	opts.origin = "test";
	opts.year = 2024;
	opts.workers = workers;
	rc = log_reader_open_mem(&r, kind, data, len, &opts, NULL);
	run->rc = rc;
	if (rc)
		return;
	while ((rc = log_reader_next(r, &ev)) == 1) {
		struct lt_event *e;

		if (run->n == cap) {
			cap = cap ? cap * 2 : 16;
			run->ev = realloc(run->ev, cap * sizeof(*run->ev));
			assert_non_null(run->ev);
		}
		e = &run->ev[run->n++];
		memset(e, 0, sizeof(*e));
		e->record_id = ev.record_id;
		e->event_id = ev.event_id;
		e->ts_us = ev.ts_us;
		e->channel = dup0(ev.channel);
		e->host = dup0(ev.host);
		e->product = dup0(ev.src.product);
		e->service = dup0(ev.src.service);
		e->category = dup0(ev.src.category);
		e->n = ev.n_fields;
		e->names = calloc(ev.n_fields + 1, sizeof(char *));
		e->values = calloc(ev.n_fields + 1, sizeof(char *));
		assert_non_null(e->names);
		assert_non_null(e->values);
		for (size_t i = 0; i < ev.n_fields; i++) {
			e->names[i] = dupn(ev.fields[i].name, ev.fields[i].name_len);
			e->values[i] = dupn(ev.fields[i].value, ev.fields[i].value_len);
		}
	}
	run->rc = rc;
	run->st = *log_reader_stats(r);
	log_reader_free(r);
}

void lt_run_str(struct lt_run *run, enum mm_kind kind, const char *text)
{
	lt_run_mem(run, kind, (const uint8_t *)text, strlen(text));
}

void lt_run_free(struct lt_run *run)
{
	for (size_t i = 0; i < run->n; i++) {
		struct lt_event *e = &run->ev[i];

		for (size_t k = 0; k < e->n; k++) {
			free(e->names[k]);
			free(e->values[k]);
		}
		free(e->names);
		free(e->values);
		free(e->channel);
		free(e->host);
		free(e->product);
		free(e->service);
		free(e->category);
	}
	free(run->ev);
	memset(run, 0, sizeof(*run));
}

const char *lt_get(const struct lt_run *run, size_t i, const char *name)
{
	if (i >= run->n)
		return NULL;
	for (size_t k = 0; k < run->ev[i].n; k++) {
		if (!strcmp(run->ev[i].names[k], name))
			return run->ev[i].values[k];
	}
	return NULL;
}
