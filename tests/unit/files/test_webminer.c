/*
 * test_webminer.c — the web and mobile miner analyser
 * (src/files/an_webminer.c) through the driver: HTML loaders, miner
 * domains (registrable-domain aware), WASM exports, APK DEX strings and
 * native libraries, and the negatives.
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

static json_t *ev(json_t *a)
{
	return json_object_get(json_object_get(a, "mamori"), "evidence");
}

static void test_html(void **state)
{
	json_t *a;

	(void)state;
	fa_scan(&H, "web/coinhive.html");
	a = fa_find(&H, "mamori.files.webminer.loader", NULL);
	assert_non_null(a);
	assert_string_equal(fa_level(a), "high");
	assert_string_equal(json_string_value(json_object_get(ev(a), "site_key")),
			    "kZ3pQ8rT1vW6xY9aB2cD4eF7gH0jK5mN");
	assert_string_equal(json_string_value(json_array_get(json_object_get(ev(a), "domains"), 0)),
			    "coinhive.com");
	assert_non_null(fa_find(&H, "yara:webminers:webminer_coinhive_loader", NULL));

	fa_scan(&H, "web/domain.html");
	a = fa_find(&H, "mamori.files.webminer.domain", NULL);
	assert_non_null(a);
	assert_string_equal(fa_level(a), "medium");
	assert_string_equal(json_string_value(json_array_get(json_object_get(ev(a), "domains"), 0)),
			    "crypto-loot.com");

	/* coinhive.com.example.net and notcoinhive.com are not coinhive.com */
	fa_scan(&H, "web/normal.html");
	assert_int_equal(H.n_alerts, 0);
}

static void test_wasm(void **state)
{
	json_t *a;

	(void)state;
	fa_scan(&H, "web/miner.wasm");
	a = fa_find(&H, "mamori.files.webminer.wasm", NULL);
	assert_non_null(a);
	assert_int_equal(json_array_size(json_object_get(ev(a), "names")), 2);
	fa_scan(&H, "web/normal.wasm");
	assert_int_equal(H.n_alerts, 0);
}

static void test_apk(void **state)
{
	json_t *a;

	(void)state;
	fa_scan(&H, "web/miner.apk");
	a = fa_find(&H, "mamori.files.webminer.android-dex", "miner.apk!classes.dex");
	assert_non_null(a);
	assert_string_equal(fa_level(a), "high");
	assert_true(json_is_true(json_object_get(ev(a), "pool_url")));
	assert_non_null(fa_find(&H, "mamori.files.webminer.android-native",
				"miner.apk!lib/arm64-v8a/libx.so"));

	fa_scan(&H, "web/normal.apk");
	assert_int_equal(H.n_alerts, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_html),
		cmocka_unit_test(test_wasm),
		cmocka_unit_test(test_apk),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
