/*
 * test_sigma_load.c — the Sigma YAML loader: catalogue entries (id, name,
 * level, ATT&CK tags, references), multi-document files, rules without an
 * id, and every rejection with file, line, rule id and reason key; a
 * folder load; hostile YAML (syntax errors, alias bombs, wrong types).
 */
#include "core/compat.h"

#include <setjmp.h>
#include <cmocka.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sigma_helpers.h"

static const char good[] =
	"title: PowerShell registers a scheduled task\n"
	"id: 4d1b2c3a-0000-4000-8000-00000000aaaa\n"
	"status: test\n"
	"description: Register-ScheduledTask from a script block\n"
	"references:\n"
	"  - https://example.org/a\n"
	"  - https://example.org/b\n"
	"tags:\n"
	"  - attack.persistence\n"
	"  - attack.t1053.005\n"
	"  - attack.defense_evasion\n"
	"  - attack.g0032\n"
	"logsource:\n"
	"  product: windows\n"
	"  category: ps_script\n"
	"detection:\n"
	"  sel:\n"
	"    ScriptBlockText|contains: 'Register-ScheduledTask'\n"
	"  condition: sel\n"
	"level: high\n";

static void sigma_load_catalogue(void **state)
{
	struct sigma_ruleset *rs = sigma_ruleset_new();
	struct mm_catalogue *cat = mm_catalogue_new();
	struct mm_rule_report *rep = mm_rule_report_new();
	const struct mm_rule_meta *m;

	(void)state;
	assert_int_equal(sigma_ruleset_load_text(rs, "good.yml", good, strlen(good), cat, rep), 0);
	assert_int_equal(sigma_ruleset_count(rs), 1);
	assert_int_equal(sigma_ruleset_problem_count(rs), 0);
	m = mm_catalogue_find(cat, "sigma:4d1b2c3a-0000-4000-8000-00000000aaaa");
	assert_non_null(m);
	assert_string_equal(m->name, "PowerShell registers a scheduled task");
	assert_string_equal(m->engine, "logs");
	assert_int_equal(m->level, MM_LEVEL_HIGH);
	assert_string_equal(m->techniques[0], "T1053.005");
	assert_null(m->techniques[1]);
	assert_string_equal(m->tactics[0], "persistence");
	assert_string_equal(m->tactics[1], "defense-evasion");
	assert_null(m->tactics[2]);
	assert_string_equal(m->references[1], "https://example.org/b");
	assert_string_equal(m->description, "Register-ScheduledTask from a script block");
	assert_string_equal(m->source_file, "good.yml");
	assert_int_equal(m->source_line, 1);
	assert_int_equal(mm_rule_report_loaded_count(rep, "logs"), 1);
	assert_int_equal(mm_rule_report_rejected_count(rep, "logs"), 0);
	/* the same id again is a duplicate */
	assert_int_equal(sigma_ruleset_load_text(rs, "again.yml", good, strlen(good), cat, rep), 0);
	assert_int_equal(sigma_ruleset_count(rs), 1);
	assert_int_equal(mm_rule_report_rejected_count(rep, "logs"), 1);
	assert_string_equal(mm_rule_report_problem(rep, 0)->reason_key, "duplicate id");
	assert_string_equal(mm_rule_report_problem(rep, 0)->file, "again.yml");
	sigma_ruleset_free(rs);
	mm_rule_report_free(rep);
	mm_catalogue_free(cat);
}

/* Rejections: key, line and rule id for each. */
static void sigma_load_rejections(void **state)
{
	static const char text[] =
		"title: no detection\n"			/* 1 */
		"id: 11111111-0000-4000-8000-000000000001\n"
		"logsource:\n  product: windows\n"
		"---\n"					/* 5 */
		"title: bad modifier\n"
		"id: 11111111-0000-4000-8000-000000000002\n"
		"logsource:\n  product: windows\n"
		"detection:\n"				/* 10 */
		"  sel:\n"
		"    Image|sha512: 'x'\n"		/* 12 */
		"  condition: sel\n"
		"---\n"
		"title: no condition\n"			/* 15 */
		"logsource:\n  product: windows\n"
		"detection:\n"
		"  sel:\n"
		"    Image: 'x'\n"			/* 20 */
		"---\n"
		"id: 11111111-0000-4000-8000-000000000004\n"
		"logsource:\n  product: windows\n"
		"detection:\n  sel:\n    A: 1\n  condition: sel\n"
		"---\n"
		"title: aggregation\n"
		"logsource:\n  product: windows\n"
		"detection:\n  sel:\n    A: 1\n  condition: sel | count() > 3\n"
		"---\n"
		"- just a list\n"
		"---\n"
		"title: ok\n"
		"logsource:\n  product: windows\n"
		"detection:\n  sel:\n    A: 1\n  condition: sel\n";
	static const struct {
		const char *key;
		const char *rule;
		long line;
	} want[] = {
		{ "missing detection", "11111111-0000-4000-8000-000000000001", 1 },
		{ "unsupported modifier: |sha512", "11111111-0000-4000-8000-000000000002", 12 },
		{ "missing condition", "no condition", 19 },
		{ "missing title", "11111111-0000-4000-8000-000000000004", 22 },
		{ "deprecated aggregation", "aggregation", 0 },
		{ "invalid rule", "?", 0 },
	};
	struct sigma_ruleset *rs = sigma_ruleset_new();
	size_t i;

	(void)state;
	assert_int_equal(sigma_ruleset_load_text(rs, "mixed.yml", text, strlen(text), NULL, NULL), 0);
	assert_int_equal(sigma_ruleset_count(rs), 1);	/* only "ok" */
	assert_int_equal(sigma_ruleset_problem_count(rs), MM_ARRAY_SIZE(want));
	for (i = 0; i < MM_ARRAY_SIZE(want); i++) {
		const char *file, *id, *key, *reason;
		long line;

		assert_int_equal(sigma_ruleset_problem(rs, i, &file, &line, &id, &key, &reason), 0);
		assert_string_equal(file, "mixed.yml");
		if (strcmp(key, want[i].key) != 0 || (want[i].line && line != want[i].line) ||
		    strcmp(id ? id : "?", want[i].rule) != 0) {
			print_error("problem %zu: %s:%ld %s [%s] %s; want %s line %ld rule %s\n", i, file,
				    line, id ? id : "-", key, reason, want[i].key, want[i].line,
				    want[i].rule);
			fail();
		}
		assert_true(strlen(reason) > 0);
	}
	sigma_ruleset_free(rs);
}

static void sigma_load_yaml_errors(void **state)
{
	static const char *const bad[] = {
		"title: x\ndetection: [unclosed\n",
		"title: 'x\n",
		"\t- tab\n:",
		/* an alias bomb: visits are capped */
		"a: &a [x, x, x, x, x, x, x, x, x, x]\n"
		"b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
		"c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
		"d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
		"e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\n"
		"f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\n"
		"title: bomb\nlogsource:\n  product: x\n"
		"detection:\n  sel:\n    - A: *f\n  condition: sel\n",
		"title: t\nlogsource: x\ndetection:\n  sel:\n    A:\n      B: c\n  condition: sel\n",
		"title: t\nlogsource:\n  product: x\ndetection:\n  sel: []\n  condition: sel\n",
		"title: t\nlogsource:\n  product: x\ndetection: 5\n",
		"title: t\nlogsource:\n  product: x\ndetection:\n  sel:\n    - [a, b]\n  condition: sel\n",
	};
	size_t i;

	(void)state;
	for (i = 0; i < MM_ARRAY_SIZE(bad); i++) {
		struct sigma_ruleset *rs = sigma_ruleset_new();
		struct mm_diag d;

		assert_int_equal(sigma_ruleset_load_text(rs, "bad.yml", bad[i], strlen(bad[i]), NULL, NULL),
				 0);
		assert_int_equal(sigma_ruleset_count(rs), 0);
		if (sigma_ruleset_problem_count(rs) < 1) {
			print_error("case %zu: no problem recorded\n", i);
			fail();
		}
		assert_int_equal(sigma_ruleset_compile(rs, &d), 0);
		sigma_ruleset_free(rs);
	}
}

/* A rule without an id: sigma:<name> or sigma:<file stem>. */
static void sigma_load_ids(void **state)
{
	static const char text[] =
		"title: a\nlogsource:\n  product: x\ndetection:\n  s:\n    A: 1\n  condition: s\n"
		"---\n"
		"title: b\nname: rule_b\nlogsource:\n  product: x\ndetection:\n  s:\n    A: 1\n  condition: s\n";
	struct sigma_ruleset *rs = sigma_ruleset_new();
	struct mm_catalogue *cat = mm_catalogue_new();

	(void)state;
	assert_int_equal(sigma_ruleset_load_text(rs, "/x/my_rules.yml", text, strlen(text), cat, NULL),
			 0);
	assert_int_equal(sigma_ruleset_count(rs), 2);
	assert_non_null(mm_catalogue_find(cat, "sigma:my_rules"));
	assert_non_null(mm_catalogue_find(cat, "sigma:rule_b"));
	sigma_ruleset_free(rs);
	mm_catalogue_free(cat);
}

/* Folders load recursively; only .yml/.yaml; a missing path is an error. */
static void sigma_load_folder(void **state)
{
	char dir[] = "/tmp/mamori-sigma-XXXXXX";
	char path[512];
	FILE *f;
	struct sigma_ruleset *rs = sigma_ruleset_new();
	struct mm_diag d;
	const char *id1, *id2;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/sub", dir);
	assert_int_equal(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/sub/a.yml", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(good, f);
	fclose(f);
	snprintf(path, sizeof(path), "%s/b.yaml", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("title: b\nlogsource:\n  product: x\ndetection:\n  s:\n    A: 1\n  condition: s\n", f);
	fclose(f);
	snprintf(path, sizeof(path), "%s/notes.txt", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("not: a rule\n", f);
	fclose(f);
	assert_int_equal(sigma_ruleset_load(rs, dir, NULL, NULL), 0);
	assert_int_equal(sigma_ruleset_count(rs), 2);
	assert_int_equal(sigma_ruleset_problem_count(rs), 0);
	assert_true(sigma_ruleset_load(rs, "/nonexistent/mamori", NULL, NULL) < 0);
	assert_int_equal(sigma_ruleset_problem_count(rs), 1);
	assert_int_equal(sigma_ruleset_compile(rs, &d), 0);
	id1 = sigma_ruleset_id(rs);
	assert_int_equal(strlen(id1), 64);
	/* the digest depends on the rule texts */
	{
		struct sigma_ruleset *rs2 = sigma_t_load(good);

		assert_non_null(rs2);
		id2 = sigma_ruleset_id(rs2);
		assert_int_equal(strlen(id2), 64);
		assert_string_not_equal(id1, id2);
		sigma_ruleset_free(rs2);
	}
	sigma_ruleset_free(rs);
	snprintf(path, sizeof(path), "%s/sub/a.yml", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/sub", dir);
	rmdir(path);
	snprintf(path, sizeof(path), "%s/b.yaml", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/notes.txt", dir);
	unlink(path);
	rmdir(dir);
}

/* The bundled rules all load. */
static void sigma_load_bundled(void **state)
{
	const char *dir = getenv("MAMORI_RULES_DIR");
	char path[1024];
	struct sigma_ruleset *rs;
	struct mm_diag d;
	size_t i;

	(void)state;
	if (!dir)
		skip();
	snprintf(path, sizeof(path), "%s/sigma", dir);
	rs = sigma_ruleset_new();
	assert_int_equal(sigma_ruleset_load(rs, path, NULL, NULL), 0);
	for (i = 0; i < sigma_ruleset_problem_count(rs); i++) {
		const char *file, *reason;
		long line;

		sigma_ruleset_problem(rs, i, &file, &line, NULL, NULL, &reason);
		print_error("%s:%ld: %s\n", file, line, reason);
	}
	assert_int_equal(sigma_ruleset_problem_count(rs), 0);
	assert_true(sigma_ruleset_count(rs) >= 15);
	assert_int_equal(sigma_ruleset_compile(rs, &d), 0);
	assert_int_equal(sigma_ruleset_problem_count(rs), 0);
	sigma_ruleset_free(rs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(sigma_load_catalogue),
		cmocka_unit_test(sigma_load_rejections),
		cmocka_unit_test(sigma_load_yaml_errors),
		cmocka_unit_test(sigma_load_ids),
		cmocka_unit_test(sigma_load_folder),
		cmocka_unit_test(sigma_load_bundled),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
