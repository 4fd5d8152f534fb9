/*
 * test_cli_common.c — the helpers every subcommand shares
 * (src/cli/cli_common.c, compiled into this test): option-value parsers
 * (sizes, numbers, formats), shared option handling, the store's default
 * path and ~ expansion, configuration loading (declared keys, -c FILE,
 * --set and its errors), and opening engines with one environment (a fake
 * engine checks what it is given, and a failing one stops the command).
 */
#include "core/compat.h"

#include <setjmp.h>
#include <cmocka.h>
#include <unistd.h>

/* the program's build defines these; the test needs only their shape */
#define MAMORI_SOURCE_RULES_DIR "/nonexistent/mamori-source/rules"
#define MAMORI_INSTALL_RULES_DIR "/nonexistent/mamori-install/rules"
#include "cli/cli_common.c"

static int fake_opened;
static const char *fake_seen_rules_dir;
static bool fake_seen_bundled;
static size_t fake_seen_rule_paths;

static const struct mm_config_default fake_defaults[] = {
	{ "fake.threshold", "5", "a number the fake engine reads" },
	{ NULL, NULL, NULL },
};

static int fake_open(void **state, const struct mm_engine_env *env, struct mm_diag *d)
{
	(void)d;
	fake_opened++;
	fake_seen_rules_dir = env->bundled_rules_dir;
	fake_seen_bundled = env->bundled_rules;
	fake_seen_rule_paths = 0;
	while (env->rule_paths[fake_seen_rule_paths])
		fake_seen_rule_paths++;
	assert_non_null(env->catalogue);
	assert_non_null(env->rule_report);
	assert_int_equal(mm_config_get_int(env->config, "fake.threshold", -1),
			 fake_opened == 2 ? 9 : 5);
	*state = &fake_opened;
	return 0;
}

static void fake_close(void *state)
{
	assert_ptr_equal(state, &fake_opened);
}

static int broken_open(void **state, const struct mm_engine_env *env, struct mm_diag *d)
{
	(void)state;
	(void)env;
	return mm_diag_set(d, MM_ESYNTAX, "/rules/x.yar", 3, -1, "broken on purpose");
}

static const struct mm_engine fake = {
	.name = "fake",
	.kinds = MM_KIND_BIT(MM_KIND_TEXT),
	.config_defaults = fake_defaults,
	.open = fake_open,
	.close = fake_close,
};

static const struct mm_engine broken = {
	.name = "broken",
	.kinds = MM_KIND_BIT(MM_KIND_PCAP),
	.open = broken_open,
};

const struct mm_engine *const cli_engines[] = { &fake, &broken, NULL };

static void test_parsers(void **state)
{
	uint64_t v;

	(void)state;
	assert_true(cli_parse_size("0", &v) && v == 0);
	assert_true(cli_parse_size("512", &v) && v == 512);
	assert_true(cli_parse_size("64k", &v) && v == 65536);
	assert_true(cli_parse_size("16M", &v) && v == 16u << 20);
	assert_true(cli_parse_size("2G", &v) && v == UINT64_C(2) << 30);
	assert_true(cli_parse_size("1T", &v) && v == UINT64_C(1) << 40);
	assert_true(cli_parse_size("3MB", &v) && v == 3u << 20);
	assert_false(cli_parse_size("", &v));
	assert_false(cli_parse_size("M", &v));
	assert_false(cli_parse_size("-1", &v));
	assert_false(cli_parse_size("12Q", &v));
	assert_false(cli_parse_size("99999999999999999999", &v));
	assert_false(cli_parse_size("20000000000000000T", &v));	/* overflows */
	assert_true(cli_parse_uint("256", 256, &v) && v == 256);
	assert_false(cli_parse_uint("257", 256, &v));
	assert_false(cli_parse_uint("1x", 256, &v));
	assert_false(cli_parse_uint(NULL, 256, &v));
	assert_int_equal(cli_parse_format("text"), 0);
	assert_int_equal(cli_parse_format("jsonl"), 1);
	assert_int_equal(cli_parse_format("json"), 1);
	assert_int_equal(cli_parse_format("xml"), -1);
}

static void test_paths(void **state)
{
	char buf[256];

	(void)state;
	setenv("HOME", "/home/someone", 1);
	unsetenv("XDG_DATA_HOME");
	assert_int_equal(cli_default_db(buf, sizeof(buf)), 0);
	assert_string_equal(buf, "/home/someone/.local/share/mamori/mamori.db");
	setenv("XDG_DATA_HOME", "/data", 1);
	assert_int_equal(cli_default_db(buf, sizeof(buf)), 0);
	assert_string_equal(buf, "/data/mamori/mamori.db");
	setenv("XDG_DATA_HOME", "relative", 1);	/* ignored: not absolute */
	assert_int_equal(cli_default_db(buf, sizeof(buf)), 0);
	assert_string_equal(buf, "/home/someone/.local/share/mamori/mamori.db");
	assert_int_equal(cli_default_db(buf, 8), MM_ELIMIT);
	assert_int_equal(cli_expand_home("~/x/y.db", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "/home/someone/x/y.db");
	assert_int_equal(cli_expand_home("/abs.db", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "/abs.db");
	unsetenv("HOME");
	assert_int_equal(cli_expand_home("~/x", buf, sizeof(buf)), MM_ENOENT);
	setenv("HOME", "/home/someone", 1);
}

static void test_common_options(void **state)
{
	struct cli_common c;

	(void)state;
	memset(&c, 0, sizeof(c));
	assert_int_equal(cli_common_option(&c, 'r', "a.yar"), 1);
	assert_int_equal(cli_common_option(&c, 'r', "dir/"), 1);
	assert_int_equal(c.n_rules, 2);
	assert_null(c.rule_paths[2]);
	assert_int_equal(cli_common_option(&c, CLI_OPT_SET, "a.b=1"), 1);
	assert_int_equal(cli_common_option(&c, CLI_OPT_SET, "noequals"), -1);
	assert_int_equal(cli_common_option(&c, CLI_OPT_SET, "=value"), -1);
	assert_int_equal(cli_common_option(&c, CLI_OPT_NO_BUNDLED, NULL), 1);
	assert_true(c.no_bundled_rules);
	assert_int_equal(cli_common_option(&c, 'x', NULL), 0);
}

static void test_config_and_engines(void **state)
{
	struct cli_common c;
	struct cli_env env;
	char path[] = "/tmp/mm-test-cli-XXXXXX";
	int fd;

	(void)state;
	/* --set of an undeclared key is a usage error */
	memset(&c, 0, sizeof(c));
	memset(&env, 0, sizeof(env));
	c.sets[c.n_sets++] = "no.such.key=1";
	assert_int_equal(cli_config_load(&env, &c), CLI_EXIT_USAGE);
	cli_env_release(&env);

	/* a file that does not parse is an error (2), with the file named */
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "scan: [unclosed\n", 16), 16);
	close(fd);
	memset(&c, 0, sizeof(c));
	memset(&env, 0, sizeof(env));
	c.config_file = path;
	assert_int_equal(cli_config_load(&env, &c), CLI_EXIT_ERROR);
	cli_env_release(&env);

	/* engine keys are declared; --set reaches the engine; only= opens one */
	memset(&c, 0, sizeof(c));
	memset(&env, 0, sizeof(env));
	assert_int_equal(cli_config_load(&env, &c), 0);
	assert_string_equal(mm_config_get(env.config, "fake.threshold", "?"), "5");
	assert_string_equal(mm_config_get(env.config, "scan.max_size", "?"), "256M");
	setenv("MAMORI_RULES_DIR", "/somewhere/rules", 1);
	fake_opened = 0;
	assert_int_equal(cli_engines_open(&env, &c, "fake"), 0);
	assert_int_equal(env.n_engines, 1);
	assert_ptr_equal(env.engines[0], &fake);
	assert_null(env.engines[1]);
	assert_string_equal(fake_seen_rules_dir, "/somewhere/rules");
	assert_true(fake_seen_bundled);
	assert_int_equal(fake_seen_rule_paths, 0);
	assert_true(env.host[0] != '\0');
	cli_env_release(&env);

	memset(&c, 0, sizeof(c));
	memset(&env, 0, sizeof(env));
	c.sets[c.n_sets++] = "fake.threshold=9";
	c.rule_paths[c.n_rules++] = "extra.yar";
	c.no_bundled_rules = true;
	assert_int_equal(cli_config_load(&env, &c), 0);
	assert_int_equal(cli_engines_open(&env, &c, "fake"), 0);
	assert_false(fake_seen_bundled);
	assert_int_equal(fake_seen_rule_paths, 1);
	cli_env_release(&env);

	/* an engine that cannot start stops the command */
	memset(&c, 0, sizeof(c));
	memset(&env, 0, sizeof(env));
	assert_int_equal(cli_config_load(&env, &c), 0);
	assert_int_not_equal(cli_engines_open(&env, &c, NULL), 0);
	cli_env_release(&env);	/* closes the one that did open */
	unlink(path);
}

static void test_human_bytes(void **state)
{
	char b[32];

	(void)state;
	cli_human_bytes(0, b, sizeof(b));
	assert_string_equal(b, "0 B");
	cli_human_bytes(1536, b, sizeof(b));
	assert_string_equal(b, "1.5 KiB");
	cli_human_bytes(UINT64_C(5) << 30, b, sizeof(b));
	assert_string_equal(b, "5.0 GiB");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parsers),
		cmocka_unit_test(test_paths),
		cmocka_unit_test(test_common_options),
		cmocka_unit_test(test_config_and_engines),
		cmocka_unit_test(test_human_bytes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
