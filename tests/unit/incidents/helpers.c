/*
 * helpers.c — see helpers.h.
 */
#include "core/compat.h"
#include "helpers.h"

#include <stdlib.h>
#include <unistd.h>

struct mm_store *th_store(char *path, size_t cap, int64_t *run_id)
{
	char dir[] = "/tmp/mm-inc-test-XXXXXX";
	struct mm_store *st = NULL;
	struct mm_store_run r;
	struct mm_diag d;

	if (!mkdtemp(dir))
		return NULL;
	snprintf(path, cap, "%s/store.db", dir);
	mm_diag_init(&d);
	if (mm_store_open(&st, path, &d))
		return NULL;
	memset(&r, 0, sizeof(r));
	r.started_us = 1;
	r.command = "test";
	r.status = "running";
	if (mm_store_run_begin(st, &r, run_id)) {
		mm_store_close(st);
		return NULL;
	}
	return st;
}

static void fill(struct mm_alert *a, const struct th_alert *t);

int th_json(const struct th_alert *t, struct mm_buf *out)
{
	struct mm_alert a;
	struct mm_alert_json_opts o;

	fill(&a, t);
	memset(&o, 0, sizeof(o));
	return mm_alert_to_json(&a, &o, out);
}

static void fill(struct mm_alert *a, const struct th_alert *t)
{
	mm_alert_init(a);
	a->timestamp_us = t->ts_s * 1000000;
	a->module = t->module ? t->module : "net";
	a->rule_id = t->rule ? t->rule : "mamori.test.rule";
	a->rule_name = t->rule ? t->rule : "Test rule";
	a->category = t->category;
	a->tactics[0] = t->tactic;
	a->techniques[0] = "T1210";
	a->has_level = 1;
	a->level = t->level;
	a->src_ip = t->src;
	a->dst_ip = t->dst;
	a->protocol = t->protocol;
	a->host_name = t->host;
	a->evidence_json = t->evidence;
	a->file_sha256 = t->sha256;
}

int th_add(struct mm_store *st, int64_t run_id, const struct th_alert *t)
{
	struct mm_alert a;
	struct mm_alert_json_opts o;
	struct mm_buf b;
	int rc;

	fill(&a, t);
	memset(&o, 0, sizeof(o));
	o.ingested_us = 0;
	mm_buf_init(&b, 1u << 20);
	rc = mm_alert_to_json(&a, &o, &b);
	if (rc == 0)
		rc = mm_store_add_alert(st, run_id, &a, b.ptr, b.len, 0, t->host ? t->host : "sensor");
	mm_buf_release(&b);
	if (rc == 0)
		rc = mm_store_commit(st);
	return rc;
}

void th_remove(const char *path)
{
	char p[300];
	const char *suffix[] = { "", "-wal", "-shm", "-journal" };
	size_t i;
	char *slash;

	for (i = 0; i < MM_ARRAY_SIZE(suffix); i++) {
		snprintf(p, sizeof(p), "%s%s", path, suffix[i]);
		unlink(p);
	}
	snprintf(p, sizeof(p), "%s", path);
	slash = strrchr(p, '/');
	if (slash) {
		*slash = '\0';
		rmdir(p);
	}
}
