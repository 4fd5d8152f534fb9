/*
 * test_archive.c — the archive walker (src/files/archive.c) through the
 * driver: member paths of nested archives, tar.gz streams, and the limits
 * (depth, bomb ratio, member size, encrypted and corrupt archives), which
 * must give partial results, never a crash or silence.
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

static void test_nested_paths(void **state)
{
	(void)state;
	fa_scan(&H, "archive/nested.zip");
	assert_non_null(fa_find(&H, "mamori.files.miner.config", "nested.zip!inner.zip!config.json"));
	assert_int_equal(H.n_skips, 0);

	/* a gzip stream holding a tar is walked as one archive */
	fa_scan(&H, "archive/scripts.tar.gz");
	assert_non_null(fa_find(&H, "mamori.files.miner.cmdline",
				"scripts.tar.gz!scripts/start.sh"));
}

static void test_depth_limit(void **state)
{
	(void)state;
	fa_scan(&H, "archive/deep.zip");
	assert_true(fa_skipped(&H, MM_SKIP_LIMIT, "deeper than 5 levels"));
	assert_int_equal(H.rc, 0);
}

static void test_bomb(void **state)
{
	(void)state;
	fa_scan(&H, "archive/bomb.zip");
	assert_true(fa_skipped(&H, MM_SKIP_LIMIT, "archive bomb"));
	assert_int_equal(H.rc, 0);
}

static void test_member_limit(void **state)
{
	struct fa h2;
	static const char *const sets[] = { "files.archive.member_max=100", NULL };

	(void)state;
	fa_open(&h2, NULL, true, sets);
	fa_scan(&h2, "archive/nested.zip");
	assert_true(fa_skipped(&h2, MM_SKIP_LIMIT, "member limit"));
	/* inner.zip is cut at 100 bytes, so config.json in it cannot be read */
	assert_null(fa_find(&h2, "mamori.files.miner.config", NULL));
	fa_close(&h2);
}

static void test_encrypted_and_corrupt(void **state)
{
	(void)state;
	fa_scan(&H, "archive/encrypted.zip");
	assert_true(fa_skipped(&H, -1, "encrypted"));
	assert_int_equal(H.rc, 0);

	fa_scan(&H, "archive/corrupt.zip");
	assert_true(H.n_skips >= 1);
	assert_int_equal(H.rc, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nested_paths),
		cmocka_unit_test(test_depth_limit),
		cmocka_unit_test(test_bomb),
		cmocka_unit_test(test_member_limit),
		cmocka_unit_test(test_encrypted_and_corrupt),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
