/*
 * test_sigma_corr.c — correlation rules over a stream of hand-built
 * events: event_count (sliding window, group-by, reset after firing),
 * value_count, temporal, temporal_ordered, conditions with upper bounds
 * decided at the end of a window or at sigma_flush(), chaining, base
 * rules silent unless `generate`, references by name and by id, and
 * unresolved references reported.
 */
#include "core/compat.h"

#include <setjmp.h>
#include <cmocka.h>

#include "sigma_helpers.h"

#define SEC 1000000LL

static const char base[] =
	"title: failed logon\n"
	"id: 22222222-0000-4000-8000-000000000001\n"
	"name: failed_logon\n"
	"logsource:\n  product: test\n"
	"detection:\n  sel:\n    EventID: 4625\n  condition: sel\n"
	"---\n"
	"title: good logon\n"
	"name: good_logon\n"
	"logsource:\n  product: test\n"
	"detection:\n  sel:\n    EventID: 4624\n  condition: sel\n";

static struct sigma_ruleset *load2(const char *corr)
{
	char buf[8192];

	snprintf(buf, sizeof(buf), "%s---\n%s", base, corr);
	return sigma_t_load(buf);
}

struct feed {
	uint32_t eid;
	int64_t t;		/* seconds */
	const char *ip;
	const char *user;
};

static void run(const struct sigma_ruleset *rs, const struct feed *f, size_t n,
		struct sigma_t_hits *h, bool flush)
{
	struct sigma_state *st = sigma_state_new(rs);
	size_t i;

	assert_non_null(st);
	memset(h, 0, sizeof(*h));
	for (i = 0; i < n; i++) {
		struct sigma_t_event t;

		sigma_t_event_init(&t, "Security", f[i].eid);
		t.e.ts_us = 1600000000LL * SEC + f[i].t * SEC;
		t.e.record_id = i + 1;
		sigma_t_event_set(&t, "IpAddress", f[i].ip);
		sigma_t_event_set(&t, "TargetUserName", f[i].user);
		assert_int_equal(sigma_eval(rs, st, &t.e, sigma_t_collect, h), 0);
	}
	if (flush)
		assert_int_equal(sigma_flush(rs, st, sigma_t_collect, h), 0);
	sigma_state_free(st);
}

static void sigma_corr_event_count(void **state)
{
	struct sigma_ruleset *rs = load2(
		"title: logon storm\nid: 22222222-0000-4000-8000-0000000000c1\n"
		"correlation:\n  type: event_count\n  rules:\n    - failed_logon\n"
		"  group-by:\n    - IpAddress\n  timespan: 1m\n  condition:\n    gte: 3\nlevel: high\n");
	struct feed f[] = {
		{ 4625, 0, "10.0.0.1", "a" },
		{ 4625, 10, "10.0.0.2", "a" },	/* other group */
		{ 4625, 20, "10.0.0.1", "b" },
		{ 4624, 25, "10.0.0.1", "b" },	/* other rule */
		{ 4625, 30, "10.0.0.1", "c" },	/* third in 30 s: fires */
		{ 4625, 31, "10.0.0.1", "c" },	/* window restarted: 1 */
		{ 4625, 200, "10.0.0.2", "a" },	/* 10.0.0.2: 2, but 190 s apart */
	};
	struct sigma_t_hits h;

	(void)state;
	assert_non_null(rs);
	assert_int_equal(sigma_ruleset_count(rs), 3);
	run(rs, f, MM_ARRAY_SIZE(f), &h, true);
	assert_int_equal(h.n_corr, 1);
	assert_int_equal(h.n, 1);	/* good_logon is not referred: it alerts alone */
	/* the base rule is silent (no generate): h.n is good_logon's one match */
	sigma_ruleset_free(rs);

	/* the details of the correlation match */
	rs = load2("title: logon storm\ncorrelation:\n  type: event_count\n  rules: failed_logon\n"
		   "  group-by: IpAddress\n  timespan: 1m\n  condition:\n    gte: 3\n");
	assert_non_null(rs);
	run(rs, f, 5, &h, false);
	assert_int_equal(h.n_corr, 1);
	assert_string_equal(h.last_title, "logon storm");
	assert_string_equal(h.last_group, "IpAddress=10.0.0.1");
	assert_int_equal(h.last_count, 3);
	assert_int_equal(h.last_first_record, 1);
	assert_int_equal(h.last_last_record, 5);
	sigma_ruleset_free(rs);
}

static void sigma_corr_generate(void **state)
{
	struct sigma_ruleset *rs = load2(
		"title: storm\ncorrelation:\n  type: event_count\n  rules:\n"
		"    - 22222222-0000-4000-8000-000000000001\n  generate: true\n"
		"  group-by:\n    - IpAddress\n  timespan: 1m\n  condition:\n    gt: 1\n");
	struct feed f[] = { { 4625, 0, "1.1.1.1", "a" }, { 4625, 1, "1.1.1.1", "b" } };
	struct sigma_t_hits h;

	(void)state;
	assert_non_null(rs);
	run(rs, f, MM_ARRAY_SIZE(f), &h, true);
	assert_int_equal(h.n, 2);	/* generate: the base rule alerts too */
	assert_int_equal(h.n_corr, 1);
	sigma_ruleset_free(rs);
}

static void sigma_corr_value_count(void **state)
{
	struct sigma_ruleset *rs = load2(
		"title: spray\ncorrelation:\n  type: value_count\n  rules:\n    - failed_logon\n"
		"  group-by:\n    - IpAddress\n  timespan: 5m\n  condition:\n    field: TargetUserName\n    gte: 3\n");
	struct feed f[] = {
		{ 4625, 0, "10.0.0.9", "admin" },
		{ 4625, 1, "10.0.0.9", "admin" },
		{ 4625, 2, "10.0.0.9", "ADMIN2" },
		{ 4625, 3, "10.0.0.8", "root" },
		{ 4625, 4, "10.0.0.9", "admin" },
		{ 4625, 5, "10.0.0.9", "guest" },	/* third distinct user: fires */
	};
	struct sigma_t_hits h;

	(void)state;
	assert_non_null(rs);
	run(rs, f, MM_ARRAY_SIZE(f), &h, true);
	assert_int_equal(h.n_corr, 1);
	assert_int_equal(h.last_count, 3);
	assert_string_equal(h.last_group, "IpAddress=10.0.0.9");
	/* too slow: the first user falls out of the window */
	{
		struct feed g[] = {
			{ 4625, 0, "10.0.0.9", "u1" },
			{ 4625, 200, "10.0.0.9", "u2" },
			{ 4625, 400, "10.0.0.9", "u3" },
		};

		run(rs, g, MM_ARRAY_SIZE(g), &h, true);
		assert_int_equal(h.n_corr, 0);
	}
	sigma_ruleset_free(rs);
}

static void sigma_corr_upper_bound(void **state)
{
	/* "at most 2 failures in a minute": decided when the window closes */
	struct sigma_ruleset *rs = load2(
		"title: few\ncorrelation:\n  type: event_count\n  rules:\n    - failed_logon\n"
		"  group-by:\n    - IpAddress\n  timespan: 1m\n  condition:\n    gte: 2\n    lte: 3\n");
	struct feed f[] = {
		{ 4625, 0, "1.1.1.1", "a" },
		{ 4625, 10, "1.1.1.1", "a" },	/* 2 in window 1 */
		{ 4625, 100, "1.1.1.1", "a" },	/* closes window 1 (fires), opens window 2 */
		{ 4625, 101, "1.1.1.1", "a" },
		{ 4625, 102, "1.1.1.1", "a" },
		{ 4625, 103, "1.1.1.1", "a" },	/* 4 in window 2: no */
		{ 4625, 0, "2.2.2.2", "a" },
		{ 4625, 1, "2.2.2.2", "a" },	/* 2: decided at flush */
	};
	struct sigma_t_hits h;

	(void)state;
	assert_non_null(rs);
	run(rs, f, MM_ARRAY_SIZE(f), &h, false);
	assert_int_equal(h.n_corr, 1);
	assert_int_equal(h.last_count, 2);
	run(rs, f, MM_ARRAY_SIZE(f), &h, true);
	assert_int_equal(h.n_corr, 2);
	assert_string_equal(h.last_group, "IpAddress=2.2.2.2");
	sigma_ruleset_free(rs);
}

static void sigma_corr_temporal(void **state)
{
	struct sigma_ruleset *rs = load2(
		"title: both\ncorrelation:\n  type: temporal\n  rules:\n    - failed_logon\n    - good_logon\n"
		"  group-by:\n    - TargetUserName\n  timespan: 10s\n");
	struct feed f[] = {
		{ 4624, 0, "1.1.1.1", "bob" },
		{ 4625, 5, "1.1.1.1", "bob" },	/* both within 10 s: fires (any order) */
		{ 4625, 30, "1.1.1.1", "eve" },
		{ 4624, 45, "1.1.1.1", "eve" },	/* 15 s apart: no */
	};
	struct sigma_t_hits h;

	(void)state;
	assert_non_null(rs);
	run(rs, f, MM_ARRAY_SIZE(f), &h, true);
	assert_int_equal(h.n_corr, 1);
	assert_string_equal(h.last_group, "TargetUserName=bob");
	assert_int_equal(h.last_count, 2);
	sigma_ruleset_free(rs);
}

static void sigma_corr_ordered_chain(void **state)
{
	/* three failures then a success, same user, within 1 minute */
	struct sigma_ruleset *rs = load2(
		"title: brute force then success\nid: 22222222-0000-4000-8000-0000000000c9\n"
		"correlation:\n  type: temporal_ordered\n  rules:\n    - many_failed\n    - good_logon\n"
		"  group-by:\n    - TargetUserName\n  timespan: 1m\nlevel: critical\n"
		"---\n"
		"title: many failed\nname: many_failed\n"
		"correlation:\n  type: event_count\n  rules:\n    - failed_logon\n"
		"  group-by:\n    - TargetUserName\n  timespan: 1m\n  condition:\n    gte: 3\n");
	struct feed ok[] = {
		{ 4625, 0, "9.9.9.9", "bob" },
		{ 4625, 1, "9.9.9.9", "bob" },
		{ 4625, 2, "9.9.9.9", "bob" },
		{ 4624, 3, "9.9.9.9", "bob" },
	};
	struct feed wrong_order[] = {
		{ 4624, 0, "9.9.9.9", "bob" },
		{ 4625, 1, "9.9.9.9", "bob" },
		{ 4625, 2, "9.9.9.9", "bob" },
		{ 4625, 3, "9.9.9.9", "bob" },
	};
	struct sigma_t_hits h;

	(void)state;
	assert_non_null(rs);
	run(rs, ok, MM_ARRAY_SIZE(ok), &h, true);
	assert_int_equal(h.n_corr, 1);	/* the inner correlation is silent */
	assert_string_equal(h.last_title, "brute force then success");
	assert_string_equal(h.last_group, "TargetUserName=bob");
	assert_int_equal(h.n, 0);	/* good_logon is referred: silent */
	run(rs, wrong_order, MM_ARRAY_SIZE(wrong_order), &h, true);
	assert_int_equal(h.n_corr, 0);
	sigma_ruleset_free(rs);
}

static void sigma_corr_problems(void **state)
{
	static const struct {
		const char *corr;
		const char *key;
	} bad[] = {
		{ "title: c\ncorrelation:\n  type: value_sum\n  rules: [failed_logon]\n  timespan: 1m\n"
		  "  condition:\n    gt: 1\n    field: x\n", "unsupported correlation type: value_sum" },
		{ "title: c\ncorrelation:\n  type: event_count\n  rules: [failed_logon]\n  timespan: 1x\n"
		  "  condition:\n    gt: 1\n", "invalid correlation" },
		{ "title: c\ncorrelation:\n  type: event_count\n  rules: [failed_logon]\n  timespan: 1m\n",
		  "invalid correlation" },
		{ "title: c\ncorrelation:\n  type: value_count\n  rules: [failed_logon]\n  timespan: 1m\n"
		  "  condition:\n    gt: 1\n", "invalid correlation" },
		{ "title: c\ncorrelation:\n  type: event_count\n  rules: [nosuch]\n  timespan: 1m\n"
		  "  condition:\n    gt: 1\n", "correlation target not found" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < MM_ARRAY_SIZE(bad); i++) {
		struct sigma_ruleset *rs = load2(bad[i].corr);
		const char *key = NULL;
		size_t n;

		assert_non_null(rs);
		n = sigma_ruleset_problem_count(rs);
		assert_true(n >= 1);
		sigma_ruleset_problem(rs, n - 1, NULL, NULL, NULL, &key, NULL);
		if (strcmp(key, bad[i].key) != 0) {
			print_error("case %zu: key %s, want %s\n", i, key, bad[i].key);
			fail();
		}
		sigma_ruleset_free(rs);
	}
}

/* Many groups: the window table is bounded and evictions are counted. */
static void sigma_corr_bounded(void **state)
{
	struct sigma_ruleset *rs = load2(
		"title: storm\ncorrelation:\n  type: event_count\n  rules: [failed_logon]\n"
		"  group-by: [IpAddress]\n  timespan: 1h\n  condition:\n    gte: 5\n");
	struct sigma_state *st;
	char ip[32];
	uint32_t i;

	(void)state;
	assert_non_null(rs);
	st = sigma_state_new(rs);
	for (i = 0; i < 70000; i++) {
		struct sigma_t_event t;

		snprintf(ip, sizeof(ip), "10.%u.%u.%u", (i >> 16) & 255, (i >> 8) & 255, i & 255);
		sigma_t_event_init(&t, "Security", 4625);
		t.e.ts_us = 1600000000LL * SEC + i;
		sigma_t_event_set(&t, "IpAddress", ip);
		assert_int_equal(sigma_eval(rs, st, &t.e, NULL, NULL), 0);
	}
	assert_true(sigma_state_evicted(st) >= 70000 - 65536);
	sigma_state_free(st);
	sigma_ruleset_free(rs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(sigma_corr_event_count),
		cmocka_unit_test(sigma_corr_generate),
		cmocka_unit_test(sigma_corr_value_count),
		cmocka_unit_test(sigma_corr_upper_bound),
		cmocka_unit_test(sigma_corr_temporal),
		cmocka_unit_test(sigma_corr_ordered_chain),
		cmocka_unit_test(sigma_corr_problems),
		cmocka_unit_test(sigma_corr_bounded),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
