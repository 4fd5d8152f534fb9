/*
 * test_engine.c — the file engine's driver (src/files/engine.c): engine
 * table, catalogue entries of the analysers, bundled YARA rules, size
 * limit, single compressed streams, files_examine_nested() contract,
 * ruleset id stability and its dependence on the configuration.
 */
#include "core/compat.h"

#include <setjmp.h>
#include <cmocka.h>

#include "fa_harness.h"
#include "files/analyser.h"

extern const struct mm_engine mm_engine_files;

static void test_table(void **state)
{
	(void)state;
	assert_string_equal(mm_engine_files.name, "files");
	assert_true(mm_engine_files.kinds & MM_KIND_BIT(MM_KIND_PE));
	assert_true(mm_engine_files.kinds & MM_KIND_BIT(MM_KIND_ZIP));
	assert_true(mm_engine_files.kinds & MM_KIND_BIT(MM_KIND_TEXT));
	assert_false(mm_engine_files.kinds & MM_KIND_BIT(MM_KIND_PCAP));
	assert_false(mm_engine_files.kinds & MM_KIND_BIT(MM_KIND_EVTX));
	assert_false(mm_engine_files.kinds & MM_KIND_BIT(MM_KIND_JSONL));
	assert_false(mm_engine_files.kinds & MM_KIND_BIT(MM_KIND_SYSLOG));
	/* the generated analyser table holds ours */
	{
		bool miner = false, wallet = false, web = false;

		for (size_t i = 0; file_analysers[i]; i++) {
			miner |= !strcmp(file_analysers[i]->name, "miner");
			wallet |= !strcmp(file_analysers[i]->name, "wallet");
			web |= !strcmp(file_analysers[i]->name, "webminer");
		}
		assert_true(miner && wallet && web);
	}
}

static void test_catalogue_and_eicar(void **state)
{
	struct fa h;
	json_t *a, *s0;

	(void)state;
	fa_open(&h, NULL, true, NULL);
	assert_non_null(mm_catalogue_find(h.cat, "mamori.files.miner.config"));
	assert_non_null(mm_catalogue_find(h.cat, "mamori.files.wallet.stealer"));
	assert_non_null(mm_catalogue_find(h.cat, "mamori.files.webminer.wasm"));
	assert_non_null(mm_catalogue_find(h.cat, "yara:eicar:eicar_test_file"));
	assert_int_equal(mm_rule_report_rejected_count(h.rep, "files"), 0);

	fa_scan(&h, "eicar/eicar.com");
	a = fa_find(&h, "yara:eicar:eicar_test_file", NULL);
	assert_non_null(a);
	assert_string_equal(fa_level(a), "low");
	s0 = json_array_get(json_object_get(json_object_get(json_object_get(a, "mamori"),
							    "evidence"), "strings"), 0);
	assert_int_equal(json_integer_value(json_object_get(s0, "offset")), 0);
	assert_int_equal(strlen(json_string_value(json_object_get(json_object_get(json_object_get(
				    a, "file"), "hash"), "sha256"))), 64);

	/* a single gzip stream: the member is named after the outer file */
	fa_scan(&h, "archive/config.json.gz");
	assert_non_null(fa_find(&h, "mamori.files.miner.config", "config.json.gz!config.json"));
	fa_close(&h);
}

static void test_too_large(void **state)
{
	static const char *const sets[] = { "scan.max_size=100", NULL };
	struct fa h;

	(void)state;
	fa_open(&h, NULL, true, sets);
	fa_scan(&h, "miner/config.json");
	assert_int_equal(h.n_alerts, 0);
	assert_true(fa_skipped(&h, MM_SKIP_TOO_LARGE, "over scan.max_size"));
	fa_close(&h);
}

static void test_nested_contract(void **state)
{
	struct file_view v;

	(void)state;
	memset(&v, 0, sizeof(v));
	v.path = "x.ps1";
	/* a view not made by the driver cannot nest */
	assert_int_equal(files_examine_nested(NULL, &v, "decoded", (const uint8_t *)"abc", 3),
			 MM_EINVAL);
	assert_int_equal(files_examine_nested(NULL, NULL, "decoded", NULL, 0), MM_EINVAL);
}

static void test_ruleset_id(void **state)
{
	static const char *const sets[] = { "files.archive.ratio_max=100", NULL };
	struct fa h;
	char id1[65], id2[65];

	(void)state;
	fa_open(&h, NULL, true, NULL);
	snprintf(id1, sizeof(id1), "%s", mm_engine_files.ruleset_id(h.eng));
	fa_close(&h);
	fa_open(&h, NULL, true, NULL);
	snprintf(id2, sizeof(id2), "%s", mm_engine_files.ruleset_id(h.eng));
	fa_close(&h);
	assert_string_equal(id1, id2);
	fa_open(&h, NULL, true, sets);
	assert_string_not_equal(mm_engine_files.ruleset_id(h.eng), id1);
	fa_close(&h);
	fa_open(&h, NULL, false, NULL);
	assert_string_not_equal(mm_engine_files.ruleset_id(h.eng), id1);
	fa_close(&h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_catalogue_and_eicar),
		cmocka_unit_test(test_too_large),
		cmocka_unit_test(test_nested_contract),
		cmocka_unit_test(test_ruleset_id),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
