/*
 * test_correlate.c — grouping by shared keys within the window, merges,
 * ordering along the chain, scoring, aliases, incremental updates, and a
 * property test: random alert streams, correlated in random batches, never
 * put an alert in two incidents (or none), and every incident's span is
 * exactly its alerts' first and last times.
 */
#include "core/compat.h"
#include "incidents/internal.h"
#include "helpers.h"

#include <setjmp.h>
#include <cmocka.h>
#include <jansson.h>

struct collect {
	json_t *arr;
};

static int collect_fn(void *arg, const char *json, size_t len)
{
	struct collect *c = arg;
	json_error_t e;
	json_t *o = json_loadb(json, len, 0, &e);

	assert_non_null(o);
	json_array_append_new(c->arr, o);
	return 0;
}

static json_t *list(struct incident_db *db)
{
	struct collect c = { json_array() };

	assert_int_equal(incident_db_each(db, 0, 0, collect_fn, &c), 0);
	return c.arr;
}

static json_t *incident_with(json_t *arr, int64_t alert_id)
{
	size_t i, k;
	json_t *inc, *a;

	json_array_foreach(arr, i, inc) {
		json_array_foreach(json_object_get(inc, "alerts"), k, a)
			if (json_integer_value(json_object_get(a, "id")) == alert_id)
				return inc;
	}
	return NULL;
}

static void test_window_and_keys(void **state)
{
	char path[256];
	int64_t run;
	struct mm_store *st = th_store(path, sizeof(path), &run);
	struct incident_db *db = NULL;
	struct incidents_stats s;
	json_t *arr, *inc;
	const int64_t t0 = 1700000000;

	(void)state;
	assert_non_null(st);
	/* 1: exploit against 192.0.2.5; 2: its miner traffic 10 min later;
	 * 3: another victim at the same time; 4: 192.0.2.5 again 3 days later */
	assert_int_equal(th_add(st, run, &(struct th_alert){ .ts_s = t0, .src = "198.51.100.9",
		.dst = "192.0.2.5", .category = "exploit", .level = MM_LEVEL_HIGH, .rule = "exploit" }), 0);
	assert_int_equal(th_add(st, run, &(struct th_alert){ .ts_s = t0 + 600, .src = "192.0.2.5",
		.dst = "203.0.113.20", .category = "miner", .level = MM_LEVEL_HIGH, .rule = "stratum" }), 0);
	assert_int_equal(th_add(st, run, &(struct th_alert){ .ts_s = t0 + 10, .src = "198.51.100.9",
		.dst = "192.0.2.6", .category = "exploit", .level = MM_LEVEL_MEDIUM, .rule = "exploit" }), 0);
	assert_int_equal(th_add(st, run, &(struct th_alert){ .ts_s = t0 + 3 * 86400, .src = "192.0.2.5",
		.dst = "203.0.113.20", .category = "miner", .level = MM_LEVEL_LOW, .rule = "stratum" }), 0);
	mm_store_close(st);

	assert_int_equal(incident_db_open(&db, path, NULL), 0);
	assert_int_equal(incident_db_correlate(db, 3600 * 1000000LL, &s, NULL), 0);
	assert_int_equal(s.alerts, 4);
	assert_int_equal(s.incidents_new, 3);
	arr = list(db);
	assert_int_equal(json_array_size(arr), 3);
	inc = incident_with(arr, 1);
	assert_ptr_equal(inc, incident_with(arr, 2));
	assert_ptr_not_equal(inc, incident_with(arr, 3));
	assert_ptr_not_equal(inc, incident_with(arr, 4));
	assert_ptr_not_equal(incident_with(arr, 3), incident_with(arr, 4));
	/* chain and score: high (30) + 2 stages (20) */
	assert_int_equal(json_integer_value(json_object_get(inc, "score")), 50);
	assert_string_equal(json_string_value(json_array_get(json_object_get(inc, "chain"), 0)),
			    "initial-access");
	assert_string_equal(json_string_value(json_array_get(json_object_get(inc, "chain"), 1)),
			    "impact");
	assert_non_null(strstr(json_string_value(json_object_get(inc, "summary")),
			       "192.0.2.5: exploit from 198.51.100.9, stratum"));
	/* highest score first */
	assert_ptr_equal(json_array_get(arr, 0), inc);
	json_decref(arr);

	/* incremental: nothing new, nothing done */
	assert_int_equal(incident_db_correlate(db, 3600 * 1000000LL, &s, NULL), 0);
	assert_int_equal(s.alerts, 0);
	incident_db_close(db);
	th_remove(path);
}

static void test_merge_and_alias(void **state)
{
	char path[256];
	int64_t run;
	struct mm_store *st = th_store(path, sizeof(path), &run);
	struct incident_db *db = NULL;
	struct incidents_stats s;
	json_t *arr, *inc, *alerts;
	const int64_t t0 = 1700000000;

	(void)state;
	assert_non_null(st);
	/* a log of ws05 and an exploit against 192.0.2.5: apart until the
	 * alias says they are one host */
	assert_int_equal(th_add(st, run, &(struct th_alert){ .ts_s = t0 + 60, .module = "logs",
		.host = "WS05", .tactic = "persistence", .level = MM_LEVEL_HIGH, .rule = "schtask" }), 0);
	assert_int_equal(th_add(st, run, &(struct th_alert){ .ts_s = t0, .src = "198.51.100.9",
		.dst = "192.0.2.5", .category = "exploit", .level = MM_LEVEL_HIGH, .rule = "exploit" }), 0);
	mm_store_close(st);
	assert_int_equal(incident_db_open(&db, path, NULL), 0);
	assert_int_equal(incident_db_correlate(db, 0, &s, NULL), 0);
	assert_int_equal(s.incidents_new, 2);
	incident_db_close(db);

	/* a stratum alert of host ws05 from 192.0.2.5 shares a key with each:
	 * the two incidents merge */
	st = NULL;
	{
		struct mm_diag d;

		assert_int_equal(mm_store_open(&st, path, &d), 0);
	}
	assert_int_equal(th_add(st, run, &(struct th_alert){ .ts_s = t0 + 120, .module = "logs",
		.host = "ws05", .src = "192.0.2.5", .dst = "203.0.113.20", .category = "miner",
		.level = MM_LEVEL_CRITICAL, .rule = "stratum" }), 0);
	mm_store_close(st);
	assert_int_equal(incident_db_open(&db, path, NULL), 0);
	assert_int_equal(incident_db_correlate(db, 0, &s, NULL), 0);
	assert_int_equal(s.incidents_merged, 1);
	arr = list(db);
	assert_int_equal(json_array_size(arr), 1);
	inc = json_array_get(arr, 0);
	alerts = json_object_get(inc, "alerts");
	assert_int_equal(json_array_size(alerts), 3);
	/* time order: exploit (t0), schtask (t0+60), stratum (t0+120) */
	assert_int_equal(json_integer_value(json_object_get(json_array_get(alerts, 0), "id")), 2);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(alerts, 1), "id")), 1);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(alerts, 2), "id")), 3);
	/* critical 45 + three stages 30 */
	assert_int_equal(json_integer_value(json_object_get(inc, "score")), 75);
	assert_int_equal(json_array_size(json_object_get(inc, "chain")), 3);
	json_decref(arr);
	incident_db_close(db);
	th_remove(path);
}

/* An alias named after the alerts were correlated (a scan updates the
 * incidents before anyone tells mamori that 192.0.2.5 is ws05) regroups
 * them: the two incidents become one, and naming the same alias again
 * changes nothing. */
static void test_alias_later(void **state)
{
	char path[256];
	int64_t run;
	struct mm_store *st = th_store(path, sizeof(path), &run);
	struct incident_db *db = NULL;
	struct incidents_stats s;
	json_t *arr;
	const int64_t t0 = 1700000000;

	(void)state;
	assert_non_null(st);
	assert_int_equal(th_add(st, run, &(struct th_alert){ .ts_s = t0 + 60, .module = "logs",
		.host = "WS05", .tactic = "persistence", .level = MM_LEVEL_HIGH, .rule = "schtask" }), 0);
	assert_int_equal(th_add(st, run, &(struct th_alert){ .ts_s = t0, .src = "198.51.100.9",
		.dst = "192.0.2.5", .category = "exploit", .level = MM_LEVEL_HIGH, .rule = "exploit" }), 0);
	mm_store_close(st);
	assert_int_equal(incident_db_open(&db, path, NULL), 0);
	assert_int_equal(incident_db_correlate(db, 0, &s, NULL), 0);
	arr = list(db);
	assert_int_equal(json_array_size(arr), 2);
	json_decref(arr);
	assert_int_equal(incident_db_alias(db, "ws05", "192.0.2.5", NULL), 0);
	assert_int_equal(incident_db_correlate(db, 0, &s, NULL), 0);
	arr = list(db);
	assert_int_equal(json_array_size(arr), 1);
	assert_int_equal(json_array_size(json_object_get(json_array_get(arr, 0), "alerts")), 2);
	json_decref(arr);
	/* the same alias again: nothing to redo */
	assert_int_equal(incident_db_alias(db, "WS05", "192.0.2.5", NULL), 0);
	assert_int_equal(incident_db_correlate(db, 0, &s, NULL), 0);
	assert_int_equal(s.incidents_new, 0);
	arr = list(db);
	assert_int_equal(json_array_size(arr), 1);
	json_decref(arr);
	incident_db_close(db);
	th_remove(path);
}

static uint64_t rnd_state = 0x9e3779b97f4a7c15ULL;

static uint64_t rnd(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return rnd_state;
}

static void check_invariants(const char *path, int64_t n_alerts)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *s = NULL;

	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	/* every alert in exactly one incident (alert_id is the primary key) */
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT (SELECT count(*) FROM inc_alerts),"
		" (SELECT count(*) FROM alerts),"
		" (SELECT count(*) FROM alerts WHERE id NOT IN (SELECT alert_id FROM inc_alerts)),"
		" (SELECT count(*) FROM inc_alerts WHERE incident_id NOT IN (SELECT id FROM inc_incidents)),"
		" (SELECT count(*) FROM inc_incidents i WHERE first_ts != (SELECT min(ts) FROM inc_alerts"
		"   WHERE incident_id=i.id) OR last_ts != (SELECT max(ts) FROM inc_alerts WHERE incident_id=i.id)"
		"   OR alerts != (SELECT count(*) FROM inc_alerts WHERE incident_id=i.id))",
		-1, &s, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int64(s, 0), n_alerts);
	assert_int_equal(sqlite3_column_int64(s, 1), n_alerts);
	assert_int_equal(sqlite3_column_int64(s, 2), 0);
	assert_int_equal(sqlite3_column_int64(s, 3), 0);
	assert_int_equal(sqlite3_column_int64(s, 4), 0);
	sqlite3_finalize(s);
	sqlite3_close(db);
}

static void test_property_random_streams(void **state)
{
	static const char *const hosts[] = { "a", "b", "c", NULL };
	static const char *const ips[] = { "10.0.0.1", "10.0.0.2", "10.0.0.3", "198.51.100.1",
					   "203.0.113.5", NULL };
	static const char *const cats[] = { "exploit", "miner", "bruteforce", NULL, "persistence" };
	static const char *const mods[] = { "net", "logs", "files", "honeypot" };
	int round;

	(void)state;
	for (round = 0; round < 12; round++) {
		char path[256];
		int64_t run, n = 0;
		struct mm_store *st = th_store(path, sizeof(path), &run);
		struct incident_db *db = NULL;
		int batch;

		assert_non_null(st);
		mm_store_close(st);
		for (batch = 0; batch < 6; batch++) {
			int k, count = (int)(rnd() % 60);
			struct mm_diag d;
			json_t *arr, *inc;
			size_t i, j;

			assert_int_equal(mm_store_open(&st, path, &d), 0);
			for (k = 0; k < count; k++) {
				struct th_alert t;

				memset(&t, 0, sizeof(t));
				/* out of order, some far apart, some unknown (0) */
				t.ts_s = rnd() % 10 == 0 ? 0 : 1700000000 + (int64_t)(rnd() % 400000);
				t.module = mods[rnd() % 4];
				t.host = hosts[rnd() % 4];
				t.src = ips[rnd() % 6];
				t.dst = ips[rnd() % 6];
				t.category = cats[rnd() % 5];
				t.level = (enum mm_level)(rnd() % MM_LEVEL_COUNT);
				t.sha256 = rnd() % 7 == 0 ? "00ff" : NULL;
				assert_int_equal(th_add(st, run, &t), 0);
				n++;
			}
			mm_store_close(st);
			assert_int_equal(incident_db_open(&db, path, NULL), 0);
			assert_int_equal(incident_db_correlate(db, (int64_t)(rnd() % 7200 + 1) * 1000000,
							       NULL, NULL), 0);
			arr = list(db);
			/* listed timelines never go back in time */
			json_array_foreach(arr, i, inc) {
				json_t *al = json_object_get(inc, "alerts"), *a;
				const char *prev = "";

				json_array_foreach(al, j, a) {
					const char *t = json_is_string(json_object_get(a, "@timestamp")) ?
						json_string_value(json_object_get(a, "@timestamp")) : "";

					assert_true(strcmp(prev, t) <= 0);
					prev = t;
				}
			}
			json_decref(arr);
			incident_db_close(db);
			check_invariants(path, n);
		}
		th_remove(path);
	}
}

/* ---- a reference model of the grouping ----------------------------------
 *
 * The grouping rule written the plain way (docs/incidents.md): alerts in
 * (ts, id) order per correlation call; candidates are the incidents that
 * the alert's keys point at (the latest incident of each key) whose span
 * widened by the window holds its time; none: a new incident; else the
 * oldest candidate takes the alert and the others; each key then points at
 * the alert's incident unless it points at a later one. Incident ids count
 * up from 1 as in the store, so the model's ids are the store's. */

#define REF_MAX 2048

struct ref {
	int64_t parent[REF_MAX + 1], first[REF_MAX + 1], last[REF_MAX + 1];
	int64_t next_id;
	char *keys[4 * REF_MAX];
	int64_t key_inc[4 * REF_MAX];
	size_t n_keys;
	int64_t alert_inc[REF_MAX + 1];	/* by alert id */
};

static int64_t ref_root(struct ref *r, int64_t id)
{
	while (r->parent[id] != id)
		id = r->parent[id];
	return id;
}

static int64_t *ref_key(struct ref *r, const char *k)
{
	size_t i;

	for (i = 0; i < r->n_keys; i++)
		if (!strcmp(r->keys[i], k))
			return &r->key_inc[i];
	assert_true(r->n_keys < MM_ARRAY_SIZE(r->keys));
	r->keys[r->n_keys] = strdup(k);
	r->key_inc[r->n_keys] = 0;
	return &r->key_inc[r->n_keys++];
}

static void ref_alert(struct ref *r, int64_t alert_id, int64_t ts, const struct inc_extract *x,
		      int64_t window)
{
	int64_t cand[2 * INC_MAX_VALUES], target;
	size_t n = 0, i, j;
	char k[INC_VALUE_MAX + 16];

	for (i = 0; i < x->n_values; i++) {
		int64_t iid, c;

		if (!x->values[i].key)
			continue;
		snprintf(k, sizeof(k), "%s:%s", x->values[i].kind, x->values[i].value);
		iid = *ref_key(r, k);
		if (!iid)
			continue;
		c = ref_root(r, iid);
		if (ts < r->first[c] - window || ts > r->last[c] + window)
			continue;
		for (j = 0; j < n && cand[j] != c; j++)
			;
		if (j == n)
			cand[n++] = c;
	}
	if (n == 0) {
		target = ++r->next_id;
		assert_true(target <= REF_MAX);
		r->parent[target] = target;
		r->first[target] = r->last[target] = ts;
	} else {
		target = cand[0];
		for (j = 1; j < n; j++)
			target = MM_MIN(target, cand[j]);
		for (j = 0; j < n; j++) {
			if (cand[j] == target)
				continue;
			r->parent[cand[j]] = target;
			r->first[target] = MM_MIN(r->first[target], r->first[cand[j]]);
			r->last[target] = MM_MAX(r->last[target], r->last[cand[j]]);
		}
	}
	r->first[target] = MM_MIN(r->first[target], ts);
	r->last[target] = MM_MAX(r->last[target], ts);
	r->alert_inc[alert_id] = target;
	for (i = 0; i < x->n_values; i++) {
		int64_t *slot;

		if (!x->values[i].key)
			continue;
		snprintf(k, sizeof(k), "%s:%s", x->values[i].kind, x->values[i].value);
		slot = ref_key(r, k);
		if (*slot) {
			int64_t cur = ref_root(r, *slot);

			if (cur != target && r->last[cur] > r->last[target])
				continue;
		}
		*slot = target;
	}
}

/* Runs the model on the alerts with ids in (lo, hi] in passes of at most
 * pass_max alerts, then checks that every alert so far is in the incident
 * the model says. */
static void ref_check(struct ref *r, const char *path, int64_t lo, int64_t hi, int64_t window,
		      int64_t pass_max)
{
	sqlite3 *h = NULL;
	sqlite3_stmt *s = NULL;
	struct inc_extract *x = malloc(sizeof(*x));
	int64_t checked = 0;

	assert_non_null(x);
	assert_int_equal(sqlite3_open(path, &h), SQLITE_OK);
	/* the order of the correlation: ts as stored (unknown first), id */
	assert_int_equal(sqlite3_prepare_v2(h, "SELECT id, ts, ingested, level, host, json FROM alerts"
					    " WHERE id>? AND id<=? ORDER BY ts, id", -1, &s, NULL),
			 SQLITE_OK);
	/* alert ids are dense here (one store, no deletes) */
	while (lo < hi) {
		int64_t to = MM_MIN(hi, lo + pass_max);

		sqlite3_reset(s);
		sqlite3_bind_int64(s, 1, lo);
		sqlite3_bind_int64(s, 2, to);
		while (sqlite3_step(s) == SQLITE_ROW) {
			int64_t id = sqlite3_column_int64(s, 0), ts = sqlite3_column_int64(s, 1);

			assert_true(id <= REF_MAX);
			if (!ts)
				ts = sqlite3_column_int64(s, 2);
			memset(x, 0, sizeof(*x));
			x->alert_id = id;
			x->ts = ts;
			x->level = sqlite3_column_int(s, 3);
			inc_extract_alert(x, (const char *)sqlite3_column_text(s, 5),
					  (size_t)sqlite3_column_bytes(s, 5),
					  (const char *)sqlite3_column_text(s, 4));
			ref_alert(r, id, ts, x, window);
		}
		lo = to;
	}
	sqlite3_finalize(s);
	assert_int_equal(sqlite3_prepare_v2(h, "SELECT alert_id, incident_id FROM inc_alerts", -1, &s,
					    NULL), SQLITE_OK);
	while (sqlite3_step(s) == SQLITE_ROW) {
		int64_t id = sqlite3_column_int64(s, 0);

		assert_int_equal(sqlite3_column_int64(s, 1), ref_root(r, r->alert_inc[id]));
		checked++;
	}
	assert_int_equal(checked, hi);
	sqlite3_finalize(s);
	sqlite3_close(h);
	free(x);
}

/* Random streams in random batches: every alert ends in the incident the
 * reference model puts it in (same ids), so the grouping is the rule and
 * not only consistent. Few keys and wide windows make many merges, also
 * of incidents made by earlier calls and earlier passes (some calls run
 * in passes of a few alerts, as a huge batch does past INC_PASS_MAX). */
static void test_property_reference(void **state)
{
	static const char *const hosts[] = { "a", "b", "c", "d", NULL };
	static const char *const ips[] = { "10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4",
					   "198.51.100.1", "203.0.113.5", NULL };
	static const char *const cats[] = { "exploit", "miner", "bruteforce", NULL, "persistence" };
	static const char *const mods[] = { "net", "logs", "files", "honeypot" };
	int round;

	(void)state;
	for (round = 0; round < 10; round++) {
		char path[256];
		int64_t run, n = 0, done = 0;
		struct mm_store *st = th_store(path, sizeof(path), &run);
		struct ref *r = calloc(1, sizeof(*r));
		int batch;
		size_t i;

		assert_non_null(st);
		assert_non_null(r);
		mm_store_close(st);
		for (batch = 0; batch < 5; batch++) {
			int k, count = (int)(rnd() % 120);
			int64_t window = (int64_t)(rnd() % 20000 + 1) * 1000000, pass_max;
			struct incident_db *db = NULL;
			struct mm_diag d;

			assert_int_equal(mm_store_open(&st, path, &d), 0);
			for (k = 0; k < count; k++) {
				struct th_alert t;

				memset(&t, 0, sizeof(t));
				t.ts_s = rnd() % 12 == 0 ? 0 : 1700000000 + (int64_t)(rnd() % 300000);
				t.module = mods[rnd() % 4];
				t.host = hosts[rnd() % 5];
				t.src = ips[rnd() % 7];
				t.dst = ips[rnd() % 7];
				t.category = cats[rnd() % 5];
				t.level = (enum mm_level)(rnd() % MM_LEVEL_COUNT);
				t.sha256 = rnd() % 9 == 0 ? "00ff" : NULL;
				assert_int_equal(th_add(st, run, &t), 0);
				n++;
			}
			mm_store_close(st);
			/* one pass per call, or several small ones */
			pass_max = rnd() % 2 ? INT64_MAX / 2 : (int64_t)(rnd() % 40 + 1);
			assert_int_equal(incident_db_open(&db, path, NULL), 0);
			assert_int_equal(inc_correlate(db, window, pass_max, NULL, NULL), 0);
			incident_db_close(db);
			ref_check(r, path, done, n, window, pass_max);
			done = n;
		}
		for (i = 0; i < r->n_keys; i++)
			free(r->keys[i]);
		free(r);
		th_remove(path);
	}
}

/* Alerts whose JSON SQLite cannot read (malformed, empty) are correlated
 * by the store's host column and counted; the alerts after them are read
 * as usual. */
static void test_unreadable_rows(void **state)
{
	char path[256];
	int64_t run;
	struct mm_store *st = th_store(path, sizeof(path), &run);
	struct incident_db *db = NULL;
	struct incidents_stats s;
	sqlite3 *h = NULL;
	json_t *arr, *inc;
	const int64_t t0 = 1700000000;

	(void)state;
	assert_non_null(st);
	assert_int_equal(th_add(st, run, &(struct th_alert){ .ts_s = t0, .module = "logs",
		.host = "ws07", .tactic = "execution", .level = MM_LEVEL_HIGH, .rule = "first" }), 0);
	mm_store_close(st);
	assert_int_equal(sqlite3_open(path, &h), SQLITE_OK);
	assert_int_equal(sqlite3_exec(h,
		"INSERT INTO alerts(run_id, ts, ingested, level, severity, rule_id, engine, host, json)"
		" VALUES(1, 1700000010000000, 0, 3, 73, 'x', 'logs', 'ws07', '{\"rule\":');"
		"INSERT INTO alerts(run_id, ts, ingested, level, severity, rule_id, engine, host, json)"
		" VALUES(1, 1700000020000000, 0, 3, 73, 'x', 'logs', 'ws07', '');"
		"INSERT INTO alerts(run_id, ts, ingested, level, severity, rule_id, engine, host, json)"
		" VALUES(1, 1700000030000000, 0, 3, 73, 'x', 'logs', 'ws07', '[1,');",
		NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(h);
	st = NULL;
	{
		struct mm_diag d;

		assert_int_equal(mm_store_open(&st, path, &d), 0);
	}
	assert_int_equal(th_add(st, run, &(struct th_alert){ .ts_s = t0 + 40, .module = "logs",
		.host = "ws07", .tactic = "impact", .category = "miner", .level = MM_LEVEL_HIGH,
		.rule = "last" }), 0);
	mm_store_close(st);

	assert_int_equal(incident_db_open(&db, path, NULL), 0);
	assert_int_equal(incident_db_correlate(db, 0, &s, NULL), 0);
	assert_int_equal(s.alerts, 5);
	assert_int_equal(s.bad_json, 3);
	assert_int_equal(s.incidents_new, 1);
	arr = list(db);
	assert_int_equal(json_array_size(arr), 1);
	inc = json_array_get(arr, 0);
	assert_int_equal(json_integer_value(json_object_get(inc, "alert_count")), 5);
	assert_non_null(strstr(json_string_value(json_object_get(inc, "summary")), "unreadable alert"));
	assert_non_null(strstr(json_string_value(json_object_get(inc, "summary")), "last"));
	json_decref(arr);
	incident_db_close(db);
	th_remove(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_window_and_keys),
		cmocka_unit_test(test_merge_and_alias),
		cmocka_unit_test(test_alias_later),
		cmocka_unit_test(test_property_random_streams),
		cmocka_unit_test(test_property_reference),
		cmocka_unit_test(test_unreadable_rows),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
