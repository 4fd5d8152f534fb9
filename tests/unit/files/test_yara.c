/*
 * test_yara.c — the YARA adapter (src/files/yara.c): user rule files and
 * folders, one broken file not killing the set (rejections reported with
 * file and line), rules needing absent modules, external variables,
 * metadata to level/name mapping, evidence, and the compiled-rule cache.
 */
#include "core/compat.h"

#include <setjmp.h>
#include <cmocka.h>
#include <sys/stat.h>
#include <unistd.h>
#include <dirent.h>

#include "fa_harness.h"

static char dir[256];

static void put(const char *name, const char *text)
{
	char p[512];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	f = fopen(p, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/mamori-yara-test-%ld", (long)getpid());
	mkdir(dir, 0700);
	put("good.yar",
	    "rule pool_marker : miner test\n"
	    "{\n"
	    "  meta:\n"
	    "    description = \"pool marker in a config\"\n"
	    "    score = 80\n"
	    "  strings:\n"
	    "    $a = \"pool.example.net\"\n"
	    "  condition:\n"
	    "    $a\n"
	    "}\n"
	    "rule by_name\n"
	    "{\n"
	    "  meta:\n"
	    "    severity = \"critical\"\n"
	    "  condition:\n"
	    "    filename == \"config.json\" and extension == \".json\" and filetype == \"json\"\n"
	    "}\n");
	put("broken.yar",
	    "rule ok_before { condition: true and false }\n"
	    "rule broken {\n"
	    "  condition: $nothing\n"
	    "}\n");
	put("needs_module.yar",
	    "import \"string\"\n"
	    "rule uses_string { condition: string.length(\"x\") == 1 }\n");
	put("notes.txt", "not a rule file\n");
	{
		char sub[300];

		snprintf(sub, sizeof(sub), "%s/parts", dir);
		mkdir(sub, 0700);
	}
	put("parts/part.yara", "rule part_rule { strings: $p = \"part-marker\" condition: $p }\n");
	put("with_include.yar", "include \"parts/part.yara\"\n"
				"rule includer { condition: part_rule }\n");
	return 0;
}

static int teardown(void **state)
{
	char cmd[512];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static bool rejected(const struct fa *h, const char *file_suffix, long line)
{
	for (size_t i = 0; i < mm_rule_report_problem_count(h->rep); i++) {
		const struct mm_rule_problem *p = mm_rule_report_problem(h->rep, i);
		size_t fl = p->file ? strlen(p->file) : 0, sl = strlen(file_suffix);

		if (!p->is_warning && fl >= sl && !strcmp(p->file + fl - sl, file_suffix) &&
		    (line < 0 || p->line == line))
			return true;
	}
	return false;
}

static void test_user_rules(void **state)
{
	const char *paths[] = { dir, NULL };
	const struct mm_rule_meta *m;
	struct fa h;
	json_t *a, *ev, *s0;

	(void)state;
	fa_open(&h, paths, false, NULL);
	/* good.yar loads, the two bad files are reported, with lines */
	/* good.yar: 2; with_include.yar: includer + part_rule (relative
	 * include); parts/part.yara on its own: part_rule */
	assert_int_equal(mm_rule_report_loaded_count(h.rep, "files"), 5);
	assert_non_null(mm_catalogue_find(h.cat, "yara:with_include:part_rule"));
	assert_non_null(mm_catalogue_find(h.cat, "yara:with_include:includer"));
	assert_non_null(mm_catalogue_find(h.cat, "yara:part:part_rule"));
	assert_true(rejected(&h, "broken.yar", 4));	/* libyara reports the rule's end */
	assert_true(rejected(&h, "needs_module.yar", -1));
	m = mm_catalogue_find(h.cat, "yara:good:pool_marker");
	assert_non_null(m);
	assert_int_equal(m->level, MM_LEVEL_HIGH);
	assert_string_equal(m->description, "pool marker in a config");
	m = mm_catalogue_find(h.cat, "yara:good:by_name");
	assert_non_null(m);
	assert_int_equal(m->level, MM_LEVEL_CRITICAL);

	fa_scan(&h, "miner/config.json");
	a = fa_find(&h, "yara:good:pool_marker", NULL);
	assert_non_null(a);
	assert_string_equal(fa_level(a), "high");
	ev = json_object_get(json_object_get(a, "mamori"), "evidence");
	assert_string_equal(json_string_value(json_array_get(json_object_get(ev, "tags"), 1)),
			    "test");
	s0 = json_array_get(json_object_get(ev, "strings"), 0);
	assert_string_equal(json_string_value(json_object_get(s0, "id")), "$a");
	assert_string_equal(json_string_value(json_object_get(s0, "data")), "pool.example.net");
	assert_true(json_integer_value(json_object_get(s0, "offset")) > 0);
	/* external variables are set per file */
	assert_non_null(fa_find(&h, "yara:good:by_name", NULL));
	fa_scan(&h, "miner/normal-config.json");
	assert_null(fa_find(&h, "yara:good:by_name", NULL));
	fa_close(&h);
}

static void test_cache(void **state)
{
	const char *paths[] = { dir, NULL };
	struct fa h;
	DIR *d;
	struct dirent *e;
	int cached = 0;

	(void)state;
	fa_open(&h, paths, false, NULL);
	d = opendir(h.cache);
	assert_non_null(d);
	while ((e = readdir(d)) != NULL)
		cached += strstr(e->d_name, ".yarc") != NULL;
	closedir(d);
	assert_int_equal(cached, 1);
	/* a second engine in the same cache dir loads the cached set and
	 * still reports the rejected files */
	{
		struct mm_engine_env env;
		struct mm_diag diag;
		struct mm_rule_report *rep = mm_rule_report_new();
		struct mm_catalogue *cat = mm_catalogue_new();
		extern const struct mm_engine mm_engine_files;
		void *eng = NULL;
		char id1[65];

		snprintf(id1, sizeof(id1), "%s", mm_engine_files.ruleset_id(h.eng));
		memset(&env, 0, sizeof(env));
		env.config = h.cfg;
		env.catalogue = cat;
		env.rule_report = rep;
		env.rule_paths = paths;
		env.cache_dir = h.cache;
		env.bundled_rules_dir = getenv("MAMORI_RULES_DIR");
		mm_diag_init(&diag);
		assert_int_equal(mm_engine_files.open(&eng, &env, &diag), 0);
		assert_int_equal(mm_rule_report_loaded_count(rep, "files"), 5);
		assert_int_equal(mm_rule_report_rejected_count(rep, "files"),
				 mm_rule_report_rejected_count(h.rep, "files"));
		assert_non_null(mm_catalogue_find(cat, "yara:good:pool_marker"));
		assert_string_equal(mm_engine_files.ruleset_id(eng), id1);
		mm_engine_files.close(eng);
		mm_catalogue_free(cat);
		mm_rule_report_free(rep);
	}
	fa_close(&h);
}

static void test_ruleset_id_changes(void **state)
{
	const char *paths[] = { dir, NULL };
	extern const struct mm_engine mm_engine_files;
	struct fa h;
	char id1[65];

	(void)state;
	fa_open(&h, paths, false, NULL);
	snprintf(id1, sizeof(id1), "%s", mm_engine_files.ruleset_id(h.eng));
	assert_int_equal(strlen(id1), 64);
	fa_close(&h);
	put("good2.yar", "rule another { strings: $x = \"zzz-marker\" condition: $x }\n");
	fa_open(&h, paths, false, NULL);
	assert_string_not_equal(mm_engine_files.ruleset_id(h.eng), id1);
	fa_close(&h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_user_rules),
		cmocka_unit_test(test_cache),
		cmocka_unit_test(test_ruleset_id_changes),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
