/*
 * test_miner.c — the miner analyser (src/files/an_miner.c) through the
 * driver, on fixtures from tests/gen/gen_files.py: configs, command lines,
 * persistence, killers, binaries, and the negatives that must stay silent.
 */
#include "core/compat.h"

#include <setjmp.h>
#include <cmocka.h>

#include "fa_harness.h"

static struct fa H;

static int setup(void **state)
{
	(void)state;
	fa_open(&H, NULL, true, NULL);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	fa_close(&H);
	return 0;
}

static void test_config(void **state)
{
	json_t *a, *ev;

	(void)state;
	fa_scan(&H, "miner/config.json");
	a = fa_find(&H, "mamori.files.miner.config", NULL);
	assert_non_null(a);
	assert_string_equal(fa_level(a), "high");
	ev = json_object_get(json_object_get(a, "mamori"), "evidence");
	assert_string_equal(json_string_value(json_array_get(json_object_get(ev, "pools"), 0)),
			    "stratum+tcp://pool.example.net:3333");
	assert_string_equal(json_string_value(json_object_get(json_object_get(ev, "wallet"),
							      "coin")), "monero");
	assert_int_equal(json_integer_value(json_object_get(ev, "donate_level")), 1);
	ev = json_object_get(json_object_get(json_object_get(a, "threat"), "technique"), "id");
	assert_string_equal(json_string_value(json_array_get(ev, 0)), "T1496");

	/* a look-alike wallet does not raise the level, and is not reported */
	fa_scan(&H, "miner/config_lookalike.json");
	a = fa_find(&H, "mamori.files.miner.config", NULL);
	assert_non_null(a);
	assert_string_equal(fa_level(a), "medium");
	ev = json_object_get(json_object_get(a, "mamori"), "evidence");
	assert_null(json_object_get(ev, "wallet"));

	fa_scan(&H, "miner/normal-config.json");
	assert_int_equal(H.n_alerts, 0);
}

static void test_cmdlines(void **state)
{
	json_t *a, *ev;

	(void)state;
	fa_scan(&H, "miner/start.sh");
	a = fa_find(&H, "mamori.files.miner.cmdline", NULL);
	assert_non_null(a);
	assert_string_equal(fa_level(a), "high");
	ev = json_object_get(json_object_get(a, "mamori"), "evidence");
	assert_string_equal(json_string_value(json_object_get(ev, "pool")), "pool.example.org:5555");
	assert_int_equal(json_integer_value(json_object_get(ev, "line")), 3);
	assert_non_null(json_object_get(ev, "wallet"));

	fa_scan(&H, "miner/crontab");
	a = fa_find(&H, "mamori.files.miner.persistence", NULL);
	assert_non_null(a);
	ev = json_object_get(json_object_get(a, "mamori"), "evidence");
	assert_string_equal(json_string_value(json_object_get(ev, "persistence")), "cron");
	assert_string_equal(json_string_value(json_object_get(ev, "miner")), "xmrig");
	assert_int_equal(json_integer_value(json_object_get(ev, "line")), 3);

	fa_scan(&H, "miner/miner.service");
	a = fa_find(&H, "mamori.files.miner.persistence", NULL);
	assert_non_null(a);
	ev = json_object_get(json_object_get(a, "mamori"), "evidence");
	assert_string_equal(json_string_value(json_object_get(ev, "persistence")), "systemd");
	assert_string_equal(json_string_value(json_object_get(ev, "pool")),
			    "stratum+ssl://pool.example.net:443");

	fa_scan(&H, "miner/lookalike.txt");
	assert_int_equal(H.n_alerts, 0);
}

static void test_killer(void **state)
{
	json_t *a, *ev;

	(void)state;
	fa_scan(&H, "miner/killer.sh");
	a = fa_find(&H, "mamori.files.miner.killer", NULL);
	assert_non_null(a);
	assert_string_equal(fa_level(a), "high");
	ev = json_object_get(json_object_get(a, "mamori"), "evidence");
	assert_true(json_array_size(json_object_get(ev, "targets")) >= 5);
	assert_true(json_integer_value(json_object_get(ev, "block_lines")) >= 1);

	fa_scan(&H, "miner/normal.sh");
	assert_null(fa_find(&H, "mamori.files.miner.killer", NULL));
	assert_int_equal(H.n_alerts, 0);
}

static void test_binary(void **state)
{
	json_t *a;

	(void)state;
	fa_scan(&H, "miner/fake-xmrig.elf");
	a = fa_find(&H, "mamori.files.miner.binary", NULL);
	assert_non_null(a);
	assert_string_equal(fa_level(a), "high");
	assert_string_equal(json_string_value(json_object_get(json_object_get(a, "mamori"),
							      "family")), "xmrig");
	/* the bundled YARA rule agrees */
	assert_non_null(fa_find(&H, "yara:miners:miner_xmrig_binary", NULL));

	/* only "XMRig" (no lower-case name, no pool URL): still let in */
	fa_scan(&H, "miner/renamed-xmrig.elf");
	a = fa_find(&H, "mamori.files.miner.binary", NULL);
	assert_non_null(a);
	assert_string_equal(fa_level(a), "medium");

	fa_scan(&H, "miner/normal.elf");
	assert_int_equal(H.n_alerts, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_config),
		cmocka_unit_test(test_cmdlines),
		cmocka_unit_test(test_killer),
		cmocka_unit_test(test_binary),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
