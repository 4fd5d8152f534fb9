/*
 * test_catalogue.c — the rule catalogue (copies, stable pointers, duplicate
 * ids, 20,000 entries, parallel adds) and the rule-loading report.
 */
#include "core/compat.h"
#include "core/catalogue.h"
#include "core/error.h"

#include <pthread.h>
#include <setjmp.h>
#include <cmocka.h>

static void test_add_copies(void **state)
{
	struct mm_catalogue *c = mm_catalogue_new();
	struct mm_rule_meta m = { 0 };
	const struct mm_rule_meta *e, *e2;
	char id[32], name[32];

	(void)state;
	assert_non_null(c);
	strcpy(id, "mamori.net.x");
	strcpy(name, "X detector");
	m.id = id;
	m.name = name;
	m.engine = "net";
	m.level = MM_LEVEL_CRITICAL;
	m.source_line = 7;
	m.references[0] = "CVE-1";
	m.references[1] = "CVE-2";
	m.techniques[0] = "T1210";
	assert_int_equal(mm_catalogue_add(c, &m, &e), 0);
	assert_non_null(e);
	/* the caller's strings may change: the entry keeps its copies */
	strcpy(id, "changed");
	strcpy(name, "changed");
	assert_string_equal(e->id, "mamori.net.x");
	assert_string_equal(e->name, "X detector");
	assert_ptr_not_equal(e->id, id);
	assert_string_equal(e->references[1], "CVE-2");
	assert_null(e->references[2]);
	assert_null(e->tactics[0]);
	assert_null(e->description);
	assert_int_equal(e->level, MM_LEVEL_CRITICAL);
	assert_int_equal(e->source_line, 7);
	assert_ptr_equal(mm_catalogue_find(c, "mamori.net.x"), e);
	assert_null(mm_catalogue_find(c, "changed"));
	assert_null(mm_catalogue_find(c, "mamori.net"));

	/* duplicate id: MM_EEXIST and the existing entry */
	m.id = "mamori.net.x";
	m.name = "other";
	assert_int_equal(mm_catalogue_add(c, &m, &e2), MM_EEXIST);
	assert_ptr_equal(e2, e);
	assert_string_equal(e2->name, "X detector");
	assert_int_equal(mm_catalogue_count(c), 1);

	/* bad input */
	m.id = NULL;
	assert_int_equal(mm_catalogue_add(c, &m, NULL), MM_EINVAL);
	m.id = "";
	assert_int_equal(mm_catalogue_add(c, &m, NULL), MM_EINVAL);
	assert_ptr_equal(mm_catalogue_at(c, 0), e);
	assert_null(mm_catalogue_at(c, 1));
	mm_catalogue_free(c);
	mm_catalogue_free(NULL);
}

static void test_many_stable(void **state)
{
	enum { N = 20000 };
	struct mm_catalogue *c = mm_catalogue_new();
	const struct mm_rule_meta **ptrs = calloc(N, sizeof *ptrs);
	struct mm_rule_meta m = { 0 };
	char id[64];

	(void)state;
	assert_non_null(ptrs);
	for (int i = 0; i < N; i++) {
		snprintf(id, sizeof id, "sid:%d", i);
		m.id = id;
		m.name = id;
		assert_int_equal(mm_catalogue_add(c, &m, &ptrs[i]), 0);
	}
	assert_int_equal(mm_catalogue_count(c), N);
	for (int i = 0; i < N; i++) {
		snprintf(id, sizeof id, "sid:%d", i);
		/* pointers taken at add time are still the entries */
		assert_ptr_equal(mm_catalogue_find(c, id), ptrs[i]);
		assert_ptr_equal(mm_catalogue_at(c, (size_t)i), ptrs[i]);
		assert_string_equal(ptrs[i]->id, id);
	}
	assert_null(mm_catalogue_find(c, "sid:20000"));
	free(ptrs);
	mm_catalogue_free(c);
}

struct adder {
	struct mm_catalogue *c;
	struct mm_rule_report *r;
	int base;
};

static void *add_thread(void *arg)
{
	struct adder *a = arg;
	struct mm_rule_meta m = { 0 };
	char id[64];

	for (int i = 0; i < 2000; i++) {
		/* half the ids are shared by all threads */
		snprintf(id, sizeof id, "r%d", i % 2 ? i : a->base + i);
		m.id = id;
		(void)mm_catalogue_add(a->c, &m, NULL);
		mm_rule_report_loaded(a->r, "logs", 1);
		if (i % 100 == 0)
			mm_rule_report_rejected(a->r, "logs", "f.yml", i, id, "k", "reason");
	}
	return NULL;
}

static void test_parallel(void **state)
{
	struct mm_catalogue *c = mm_catalogue_new();
	struct mm_rule_report *r = mm_rule_report_new();
	pthread_t t[4];
	struct adder a[4];

	(void)state;
	for (int i = 0; i < 4; i++) {
		a[i].c = c;
		a[i].r = r;
		a[i].base = (i + 1) * 100000;
		assert_int_equal(pthread_create(&t[i], NULL, add_thread, &a[i]), 0);
	}
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	/* 1000 shared odd ids + 4 x 1000 distinct even ids */
	assert_int_equal(mm_catalogue_count(c), 5000);
	assert_int_equal(mm_rule_report_loaded_count(r, "logs"), 8000);
	assert_int_equal(mm_rule_report_rejected_count(r, "logs"), 80);
	assert_int_equal(mm_rule_report_problem_count(r), 80);
	mm_rule_report_free(r);
	mm_catalogue_free(c);
}

static void test_report(void **state)
{
	struct mm_rule_report *r = mm_rule_report_new();
	const struct mm_rule_problem *p;
	char reason[32];

	(void)state;
	mm_rule_report_loaded(r, "net", 10);
	mm_rule_report_loaded(r, "files", 3);
	mm_rule_report_loaded(r, "net", 5);
	strcpy(reason, "unsupported keyword");
	mm_rule_report_rejected(r, "net", "a.rules", 12, "sid:1", "unsupported keyword: tls.fingerprint",
				reason);
	strcpy(reason, "overwritten");
	mm_rule_report_warning(r, "files", "b.yar", 3, NULL, "slow rule");
	assert_int_equal(mm_rule_report_loaded_count(r, "net"), 15);
	assert_int_equal(mm_rule_report_loaded_count(r, "files"), 3);
	assert_int_equal(mm_rule_report_loaded_count(r, "logs"), 0);
	assert_int_equal(mm_rule_report_loaded_count(r, NULL), 18);
	assert_int_equal(mm_rule_report_rejected_count(r, "net"), 1);
	assert_int_equal(mm_rule_report_rejected_count(r, "files"), 0);
	assert_int_equal(mm_rule_report_rejected_count(r, NULL), 1);
	assert_int_equal(mm_rule_report_problem_count(r), 2);
	p = mm_rule_report_problem(r, 0);
	assert_string_equal(p->engine, "net");
	assert_string_equal(p->file, "a.rules");
	assert_int_equal(p->line, 12);
	assert_string_equal(p->rule_id, "sid:1");
	assert_string_equal(p->reason_key, "unsupported keyword: tls.fingerprint");
	assert_string_equal(p->reason, "unsupported keyword");
	assert_int_equal(p->is_warning, 0);
	p = mm_rule_report_problem(r, 1);
	assert_int_equal(p->is_warning, 1);
	assert_null(p->rule_id);
	assert_null(p->reason_key);
	assert_string_equal(p->reason, "slow rule");
	assert_null(mm_rule_report_problem(r, 2));
	assert_int_equal(mm_rule_report_dropped_count(r), 0);
	mm_rule_report_free(r);
	mm_rule_report_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_add_copies),
		cmocka_unit_test(test_many_stable),
		cmocka_unit_test(test_parallel),
		cmocka_unit_test(test_report),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
