/*
 * test_wallet.c — the wallet analyser (src/files/an_wallet.c) through the
 * driver: wallet stores judged by where they sit, loot staging (folder and
 * archive), stealer code over the bundled wallet-path list, negatives.
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

static const char *ev_str(json_t *a, const char *key)
{
	return json_string_value(json_object_get(
		json_object_get(json_object_get(a, "mamori"), "evidence"), key));
}

static void test_store_location(void **state)
{
	json_t *a;

	(void)state;
	fa_scan(&H, "wallet/tmp/wallet.dat");
	a = fa_find(&H, "mamori.files.wallet.store", NULL);
	assert_non_null(a);
	assert_string_equal(fa_level(a), "high");
	assert_string_equal(ev_str(a, "wallet"), "bitcoin-core");

	fa_scan(&H, "wallet/tmp/wallet-sqlite.dat");
	a = fa_find(&H, "mamori.files.wallet.store", NULL);
	assert_non_null(a);
	assert_string_equal(fa_level(a), "high");
	assert_string_equal(ev_str(a, "coin"), "bitcoin");

	fa_scan(&H, "wallet/appdata/.bitcoin/wallet.dat");
	a = fa_find(&H, "mamori.files.wallet.store", NULL);
	assert_non_null(a);
	assert_string_equal(fa_level(a), "informational");
	assert_null(fa_find(&H, "mamori.files.wallet.loot", NULL));

	fa_scan(&H, "wallet/appdata/.electrum/wallets/default_wallet");
	a = fa_find(&H, "mamori.files.wallet.store", NULL);
	assert_non_null(a);
	assert_string_equal(ev_str(a, "wallet"), "electrum");
	assert_string_equal(fa_level(a), "informational");

	fa_scan(&H, "wallet/home/keystore-backup.json");
	a = fa_find(&H, "mamori.files.wallet.store", NULL);
	assert_non_null(a);
	assert_string_equal(ev_str(a, "wallet"), "ethereum-keystore");
	assert_string_equal(fa_level(a), "low");
}

static void test_loot(void **state)
{
	json_t *a;

	(void)state;
	fa_scan(&H, "wallet/loot/vault.json");
	a = fa_find(&H, "mamori.files.wallet.store", NULL);
	assert_non_null(a);
	assert_string_equal(ev_str(a, "wallet"), "metamask");
	/* one loot alert per folder: on the store whose name sorts first */
	assert_null(fa_find(&H, "mamori.files.wallet.loot", NULL));
	fa_scan(&H, "wallet/loot/UTC--2024-01-01T00-00-00.000Z--008aeeda4d805471df9b2a5b0f38a0c3bcba786b");
	a = fa_find(&H, "mamori.files.wallet.loot", NULL);
	assert_non_null(a);
	assert_string_equal(fa_level(a), "high");
	assert_true(json_integer_value(json_object_get(
			    json_object_get(json_object_get(a, "mamori"), "evidence"),
			    "applications")) >= 4);

	fa_scan(&H, "wallet/loot/seed.seco");
	assert_non_null(fa_find(&H, "mamori.files.wallet.store", NULL));

	/* in an archive: each store is high, and the set is loot (once) */
	fa_scan(&H, "archive/loot.zip");
	assert_int_equal(fa_count(&H, "mamori.files.wallet.store"), 3);
	a = fa_find(&H, "mamori.files.wallet.store", "loot.zip!wallets/wallet.dat");
	assert_non_null(a);
	assert_string_equal(fa_level(a), "high");
	assert_string_equal(ev_str(a, "location"), "archive");
	assert_int_equal(fa_count(&H, "mamori.files.wallet.loot"), 1);
}

static void test_stealer(void **state)
{
	json_t *a, *names;

	(void)state;
	fa_scan(&H, "wallet/stealer.ps1");
	a = fa_find(&H, "mamori.files.wallet.stealer", NULL);
	assert_non_null(a);
	assert_string_equal(fa_level(a), "high");
	names = json_object_get(json_object_get(json_object_get(a, "mamori"), "evidence"),
				"names");
	assert_true(json_array_size(names) >= 12);

	fa_scan(&H, "wallet/normal-notes.txt");
	assert_int_equal(H.n_alerts, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_store_location),
		cmocka_unit_test(test_loot),
		cmocka_unit_test(test_stealer),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
