/*
 * test_sigma_cond.c — the condition grammar: and/or/not, precedence
 * (not > and > or), parentheses, `1 of`, `all of`, `any of`, `them`,
 * wildcards in selection names, and the errors (unknown names, dangling
 * operators, v1 aggregations) with their reason keys.
 */
#include "core/compat.h"

#include <setjmp.h>
#include <cmocka.h>

#include "sigma_helpers.h"

/* Four selections a..d (a on field A = "1", ...), and _x (field X = "1");
 * each case sets some of the fields to "1". */
static const char sels[] =
	"  sel_a:\n    A: '1'\n  sel_b:\n    B: '1'\n  sel_c:\n    C: '1'\n"
	"  other_d:\n    D: '1'\n  _x:\n    X: '1'\n";

struct ccase {
	const char *cond;
	const char *set;	/* letters of the fields set to 1 */
	bool want;
};

static const struct ccase cases[] = {
	{ "sel_a", "A", true },
	{ "sel_a", "B", false },
	{ "sel_a and sel_b", "AB", true },
	{ "sel_a and sel_b", "A", false },
	{ "sel_a or sel_b", "B", true },
	{ "not sel_a", "", true },
	{ "not sel_a", "A", false },
	/* precedence: and binds tighter than or, not tighter than and */
	{ "sel_a or sel_b and sel_c", "A", true },
	{ "sel_a or sel_b and sel_c", "B", false },
	{ "(sel_a or sel_b) and sel_c", "A", false },
	{ "(sel_a or sel_b) and sel_c", "AC", true },
	{ "not sel_a and sel_b", "B", true },
	{ "not sel_a and sel_b", "AB", false },
	{ "not (sel_a and sel_b)", "A", true },
	{ "not not sel_a", "A", true },
	{ "((sel_a))", "A", true },
	/* quantifiers */
	{ "1 of sel_*", "C", true },
	{ "1 of sel_*", "D", false },
	{ "any of sel_*", "B", true },
	{ "all of sel_*", "ABC", true },
	{ "all of sel_*", "AB", false },
	{ "2 of sel_*", "AC", true },
	{ "2 of sel_*", "A", false },
	{ "1 of them", "D", true },
	{ "1 of them", "X", false },	/* them excludes names starting with _ */
	{ "all of them", "ABCD", true },
	{ "all of them", "ABC", false },
	{ "1 of sel_? or other_d", "D", true },
	{ "sel_a and not 1 of other_*", "AD", false },
	{ "sel_a and not 1 of other_*", "A", true },
	{ "_x", "X", true },
	{ "SEL_A", "A", false },	/* names are case-sensitive: unknown */
};

static void sigma_cond_table(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < MM_ARRAY_SIZE(cases); i++) {
		char det[2048];
		struct sigma_ruleset *rs;
		struct sigma_t_event t;
		const char *p;
		bool loads = strcmp(cases[i].cond, "SEL_A") != 0;

		snprintf(det, sizeof(det), "%s  condition: %s", sels, cases[i].cond);
		rs = sigma_t_rule(det);
		assert_non_null(rs);
		if (!loads) {
			assert_int_equal(sigma_ruleset_count(rs), 0);
			assert_string_equal(sigma_t_problem_key(rs), "condition syntax");
			sigma_ruleset_free(rs);
			continue;
		}
		if (sigma_ruleset_count(rs) != 1) {
			print_error("case %zu '%s' did not load: %s\n", i, cases[i].cond,
				    sigma_t_problem_key(rs));
			fail();
		}
		sigma_t_event_init(&t, "Test", 1);
		for (p = cases[i].set; *p; p++) {
			static const char *const names[] = { "A", "B", "C", "D" };

			sigma_t_event_set(&t, *p == 'X' ? "X" : names[*p - 'A'], "1");
		}
		if (sigma_t_count(rs, &t) != (cases[i].want ? 1u : 0u)) {
			print_error("case %zu '%s' with {%s}: want %d\n", i, cases[i].cond, cases[i].set,
				    cases[i].want);
			fail();
		}
		sigma_ruleset_free(rs);
	}
}

static void sigma_cond_errors(void **state)
{
	static const struct {
		const char *cond;
		const char *key;
	} bad[] = {
		{ "sel_a and", "condition syntax" },
		{ "sel_a or or sel_b", "condition syntax" },
		{ "(sel_a", "condition syntax" },
		{ "sel_a)", "condition syntax" },
		{ "nosuch", "condition syntax" },
		{ "1 of nosuch*", "condition syntax" },
		{ "0 of sel_*", "condition syntax" },
		{ "sel_a sel_b", "condition syntax" },
		{ "sel_a | count() > 5", "deprecated aggregation" },
		{ "sel_a | count(User) by Computer > 3", "deprecated aggregation" },
		{ "sel_a near sel_b", "deprecated aggregation" },
		{ "", "condition syntax" },
		{ "sel_a & sel_b", "condition syntax" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < MM_ARRAY_SIZE(bad); i++) {
		char det[2048];
		struct sigma_ruleset *rs;

		snprintf(det, sizeof(det), "%s  condition: '%s'", sels, bad[i].cond);
		rs = sigma_t_rule(det);
		assert_non_null(rs);
		assert_int_equal(sigma_ruleset_count(rs), 0);
		if (strcmp(sigma_t_problem_key(rs), bad[i].key) != 0) {
			print_error("case %zu '%s': key %s, want %s\n", i, bad[i].cond,
				    sigma_t_problem_key(rs), bad[i].key);
			fail();
		}
		sigma_ruleset_free(rs);
	}
}

/* A list of conditions is their OR (Sigma v1 form still seen). */
static void sigma_cond_list(void **state)
{
	char det[2048];
	struct sigma_ruleset *rs;
	struct sigma_t_event t;

	(void)state;
	snprintf(det, sizeof(det), "%s  condition:\n    - sel_a and sel_b\n    - sel_c", sels);
	rs = sigma_t_rule(det);
	assert_non_null(rs);
	assert_int_equal(sigma_ruleset_count(rs), 1);
	sigma_t_event_init(&t, "Test", 1);
	sigma_t_event_set(&t, "C", "1");
	assert_int_equal(sigma_t_count(rs, &t), 1);
	sigma_t_event_init(&t, "Test", 1);
	sigma_t_event_set(&t, "A", "1");
	assert_int_equal(sigma_t_count(rs, &t), 0);
	sigma_ruleset_free(rs);
}

/* Deep nesting is bounded, not a stack overflow. */
static void sigma_cond_deep(void **state)
{
	char det[8192];
	size_t at;
	int i;
	struct sigma_ruleset *rs;

	(void)state;
	at = (size_t)snprintf(det, sizeof(det), "%s  condition: '", sels);
	for (i = 0; i < 1000 && at < sizeof(det) - 1100; i++)
		det[at++] = '(';
	at += (size_t)snprintf(det + at, sizeof(det) - at, "sel_a");
	for (i = 0; i < 1000 && at < sizeof(det) - 10; i++)
		det[at++] = ')';
	det[at++] = '\'';
	det[at] = '\0';
	rs = sigma_t_rule(det);
	assert_non_null(rs);
	assert_int_equal(sigma_ruleset_count(rs), 0);
	assert_string_equal(sigma_t_problem_key(rs), "condition syntax");
	sigma_ruleset_free(rs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(sigma_cond_table),
		cmocka_unit_test(sigma_cond_errors),
		cmocka_unit_test(sigma_cond_list),
		cmocka_unit_test(sigma_cond_deep),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
