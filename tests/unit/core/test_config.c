/*
 * test_config.c — configuration: declared defaults, typed values (sizes,
 * booleans, integers), YAML loading (nesting, lists, unknown keys and type
 * errors with file and line, syntax errors, alias bombs), origins and
 * sorted iteration. YAML files are written to a temporary directory.
 */
#include "core/compat.h"
#include "core/config.h"
#include "core/error.h"
#include "core/buf.h"

#include <setjmp.h>
#include <unistd.h>
#include <cmocka.h>

static const struct mm_config_default engine_keys[] = {
	{ "logs.bruteforce.threshold", "10", "failed logins before an alert" },
	{ "logs.bruteforce.window", "5m", "a string (not a size: 'm' alone)" },
	{ "files.yara.fast", "no", "fast scan mode" },
	{ "net.ports", "", "list of ports" },
	{ NULL, NULL, NULL },
};

static struct mm_config *make(void)
{
	struct mm_config *c = mm_config_new();

	assert_non_null(c);
	assert_int_equal(mm_config_declare(c, mm_core_config_defaults), 0);
	assert_int_equal(mm_config_declare(c, engine_keys), 0);
	return c;
}

static size_t core_count(void)
{
	size_t n = 0;

	while (mm_core_config_defaults[n].key)
		n++;
	return n;
}

static char tmpdir[256];

static int setup(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof tmpdir, "/tmp/mm_test_config.XXXXXX");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[300];

	(void)state;
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

static const char *write_file(const char *name, const char *text)
{
	static char path[512];
	FILE *f;

	snprintf(path, sizeof path, "%s/%s", tmpdir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	return path;
}

static void test_defaults(void **state)
{
	struct mm_config *c = make();

	(void)state;
	assert_string_equal(mm_config_get(c, "output.format", NULL), "auto");
	assert_int_equal(mm_config_get_size(c, "scan.max_size", 0), 256ull << 20);
	assert_int_equal(mm_config_get_int(c, "scan.timeout", 0), 60);
	assert_int_equal(mm_config_get_int(c, "scan.threads", -1), 0);
	assert_false(mm_config_get_bool(c, "scan.one_filesystem", true));
	assert_true(mm_config_get_bool(c, "store.enabled", false));
	assert_int_equal(mm_config_get_int(c, "limits.archive_depth", 0), 5);
	assert_string_equal(mm_config_get(c, "store.path", NULL), "~/.local/share/mamori/mamori.db");
	assert_non_null(strstr(mm_config_get(c, "net.home_net", ""), "192.168.0.0/16"));
	/* unknown keys give the caller's default */
	assert_string_equal(mm_config_get(c, "no.such", "dflt"), "dflt");
	assert_int_equal(mm_config_get_int(c, "no.such", 42), 42);
	/* a second declaration of a key keeps the first */
	static const struct mm_config_default again[] = {
		{ "output.format", "jsonl", "x" }, { NULL, NULL, NULL } };
	assert_int_equal(mm_config_declare(c, again), 0);
	assert_string_equal(mm_config_get(c, "output.format", NULL), "auto");
	assert_string_equal(mm_config_default_value(c, "scan.max_size"), "256M");
	mm_config_free(c);
	mm_config_free(NULL);
}

static void test_set_types(void **state)
{
	struct mm_config *c = make();
	const char *origin;

	(void)state;
	assert_int_equal(mm_config_set(c, "scan.max_size", "64k"), 0);
	assert_int_equal(mm_config_get_size(c, "scan.max_size", 0), 65536);
	assert_int_equal(mm_config_set(c, "scan.max_size", "2G"), 0);
	assert_int_equal(mm_config_get_size(c, "scan.max_size", 0), 2ull << 30);
	assert_int_equal(mm_config_set(c, "scan.max_size", "16MiB"), 0);
	assert_int_equal(mm_config_get_size(c, "scan.max_size", 0), 16ull << 20);
	assert_int_equal(mm_config_set(c, "scan.max_size", "1000"), 0);
	assert_int_equal(mm_config_get_size(c, "scan.max_size", 0), 1000);
	assert_int_equal(mm_config_set(c, "scan.max_size", "12Q"), MM_EINVAL);
	assert_int_equal(mm_config_set(c, "scan.max_size", "5m"), MM_EINVAL);
	assert_int_equal(mm_config_set(c, "scan.max_size", "99999999999999999999"), MM_EINVAL);
	assert_int_equal(mm_config_set(c, "scan.max_size", "17179869184G"), MM_EINVAL);
	assert_int_equal(mm_config_get_size(c, "scan.max_size", 0), 1000);
	assert_int_equal(mm_config_set(c, "scan.max_size", "64K"), 0);
	assert_int_equal(mm_config_get_size(c, "scan.max_size", 0), 65536);

	static const char *const yes[] = { "yes", "true", "on", "1", "YES", "On" };
	static const char *const no[] = { "no", "false", "off", "0", "False" };
	for (size_t i = 0; i < MM_ARRAY_SIZE(yes); i++) {
		assert_int_equal(mm_config_set(c, "scan.one_filesystem", yes[i]), 0);
		assert_true(mm_config_get_bool(c, "scan.one_filesystem", false));
	}
	for (size_t i = 0; i < MM_ARRAY_SIZE(no); i++) {
		assert_int_equal(mm_config_set(c, "scan.one_filesystem", no[i]), 0);
		assert_false(mm_config_get_bool(c, "scan.one_filesystem", true));
	}
	assert_int_equal(mm_config_set(c, "scan.one_filesystem", "maybe"), MM_EINVAL);
	assert_int_equal(mm_config_set(c, "files.yara.fast", "on"), 0);
	assert_true(mm_config_get_bool(c, "files.yara.fast", false));

	assert_int_equal(mm_config_set(c, "scan.threads", "8"), 0);
	assert_int_equal(mm_config_get_int(c, "scan.threads", 0), 8);
	assert_int_equal(mm_config_set(c, "scan.threads", "-3"), 0);
	assert_int_equal(mm_config_get_int(c, "scan.threads", 0), -3);
	assert_int_equal(mm_config_set(c, "scan.threads", "many"), MM_EINVAL);
	assert_int_equal(mm_config_set(c, "scan.threads", "8x"), MM_EINVAL);
	assert_int_equal(mm_config_set(c, "scan.threads", ""), MM_EINVAL);
	/* strings take anything */
	assert_int_equal(mm_config_set(c, "logs.bruteforce.window", "anything"), 0);
	assert_int_equal(mm_config_set(c, "undeclared.key", "1"), MM_ENOTFOUND);
	assert_int_equal(mm_config_set(c, "output.format", NULL), MM_EINVAL);

	assert_true(mm_config_iter(c, 0, NULL, NULL, NULL, &origin));
	for (size_t i = 0;; i++) {
		const char *k, *v, *d, *o;
		if (!mm_config_iter(c, i, &k, &v, &d, &o))
			break;
		if (strcmp(k, "scan.threads") == 0)
			assert_string_equal(o, "command line");
		if (strcmp(k, "store.path") == 0)
			assert_string_equal(o, "default");
	}
	assert_int_equal(mm_config_set_from(c, "store.path", "/x.db", "environment"), 0);
	mm_config_free(c);
}

static void test_iter_sorted(void **state)
{
	struct mm_config *c = make();
	const char *prev = "", *k;
	size_t n = 0;

	(void)state;
	while (mm_config_iter(c, n, &k, NULL, NULL, NULL)) {
		assert_true(strcmp(prev, k) < 0);
		prev = k;
		n++;
	}
	assert_int_equal(n, MM_ARRAY_SIZE(engine_keys) - 1 + core_count());
	assert_false(mm_config_iter(c, n, &k, NULL, NULL, NULL));
	mm_config_free(c);
}

static void test_yaml_ok(void **state)
{
	struct mm_config *c = make();
	struct mm_diag d;
	const char *path, *k, *v, *o;

	(void)state;
	path = write_file("ok.yaml",
		"# mamori configuration\n"
		"scan:\n"
		"  max_size: 1G\n"
		"  one_filesystem: yes\n"
		"  threads: 4\n"
		"net:\n"
		"  home_net: [10.1.0.0/16, \"192.0.2.0/24\"]\n"
		"  ports:\n"
		"    - 80\n"
		"    - 443\n"
		"logs:\n"
		"  bruteforce: { threshold: 25 }\n"
		"output.format: jsonl\n"
		"files:\n");
	mm_diag_init(&d);
	assert_int_equal(mm_config_load_file(c, path, &d), 0);
	assert_int_equal(mm_config_get_size(c, "scan.max_size", 0), 1ull << 30);
	assert_true(mm_config_get_bool(c, "scan.one_filesystem", false));
	assert_int_equal(mm_config_get_int(c, "scan.threads", 0), 4);
	assert_string_equal(mm_config_get(c, "net.home_net", NULL), "10.1.0.0/16,192.0.2.0/24");
	assert_string_equal(mm_config_get(c, "net.ports", NULL), "80,443");
	assert_int_equal(mm_config_get_int(c, "logs.bruteforce.threshold", 0), 25);
	assert_string_equal(mm_config_get(c, "output.format", NULL), "jsonl");
	for (size_t i = 0; mm_config_iter(c, i, &k, &v, NULL, &o); i++) {
		if (strcmp(k, "scan.threads") == 0)
			assert_string_equal(o, path);
		if (strcmp(k, "scan.timeout") == 0)
			assert_string_equal(o, "default");
	}
	/* the command line comes after the file and wins */
	assert_int_equal(mm_config_set(c, "scan.threads", "2"), 0);
	assert_int_equal(mm_config_get_int(c, "scan.threads", 0), 2);

	/* an empty file changes nothing */
	path = write_file("empty.yaml", "# nothing\n");
	assert_int_equal(mm_config_load_file(c, path, &d), 0);
	assert_int_equal(mm_config_get_int(c, "scan.threads", 0), 2);
	mm_config_free(c);
}

static void test_yaml_errors(void **state)
{
	struct mm_config *c = make();
	struct mm_diag d;
	const char *path;

	(void)state;
	/* an unknown key: file, line, and the other keys still applied */
	path = write_file("unknown.yaml",
		"scan:\n"
		"  threads: 3\n"
		"  thraeds: 4\n"
		"output:\n"
		"  format: text\n");
	mm_diag_init(&d);
	assert_int_equal(mm_config_load_file(c, path, &d), MM_EINVAL);
	assert_string_equal(d.file, path);
	assert_int_equal(d.line, 3);
	assert_non_null(strstr(d.reason, "scan.thraeds"));
	assert_int_equal(mm_config_get_int(c, "scan.threads", 0), 3);
	assert_string_equal(mm_config_get(c, "output.format", NULL), "text");

	/* a type error, then a second problem counted */
	path = write_file("type.yaml",
		"scan:\n"
		"  timeout: soon\n"
		"  max_size: 12 parsecs\n");
	mm_diag_init(&d);
	assert_int_equal(mm_config_load_file(c, path, &d), MM_EINVAL);
	assert_int_equal(d.line, 2);
	assert_non_null(strstr(d.reason, "scan.timeout"));
	assert_non_null(strstr(d.reason, "integer"));
	assert_non_null(strstr(d.reason, "1 more problem"));
	assert_int_equal(mm_config_get_int(c, "scan.timeout", 0), 60);

	/* YAML syntax error with its line */
	path = write_file("syntax.yaml", "scan:\n  threads: 3\n bad: [1, 2\n");
	mm_diag_init(&d);
	assert_int_equal(mm_config_load_file(c, path, &d), MM_ESYNTAX);
	assert_true(d.line >= 3);
	assert_non_null(strstr(d.reason, "YAML"));

	/* top level not a mapping */
	path = write_file("list.yaml", "- a\n- b\n");
	assert_int_equal(mm_config_load_file(c, path, &d), MM_EINVAL);
	assert_int_equal(d.line, 1);

	/* a list where a nested list is given */
	path = write_file("nested.yaml", "net:\n  home_net: [[1], 2]\n");
	assert_int_equal(mm_config_load_file(c, path, &d), MM_EINVAL);

	/* a mapping where a value goes, and an unknown section */
	path = write_file("map.yaml", "scan:\n  timeout:\n    seconds: 5\nfoo:\n  bar: 1\n");
	mm_diag_init(&d);
	assert_int_equal(mm_config_load_file(c, path, &d), MM_EINVAL);
	assert_int_equal(d.line, 2);
	assert_non_null(strstr(d.reason, "'scan.timeout' takes a value"));
	assert_non_null(strstr(d.reason, "1 more problem"));
	path = write_file("section.yaml", "foo:\n  bar: 1\n  baz: 2\n");
	mm_diag_init(&d);
	assert_int_equal(mm_config_load_file(c, path, &d), MM_EINVAL);
	assert_int_equal(d.line, 1);
	assert_non_null(strstr(d.reason, "unknown configuration section 'foo'"));
	assert_null(strstr(d.reason, "more problem"));

	/* two documents */
	path = write_file("two.yaml", "scan:\n  threads: 1\n---\nscan:\n  threads: 2\n");
	assert_int_equal(mm_config_load_file(c, path, &d), MM_EINVAL);
	assert_non_null(strstr(d.reason, "more than one"));

	/* missing file */
	snprintf(d.file, sizeof d.file, "x");
	assert_int_equal(mm_config_load_file(c, "/nonexistent/mamori.yaml", &d), MM_ENOENT);
	assert_non_null(strstr(d.file, "nonexistent"));

	/* a directory */
	assert_int_equal(mm_config_load_file(c, tmpdir, &d), MM_EINVAL);
	mm_config_free(c);
}

/* Aliases: a "billion laughs" document must not blow up the walk. */
static void test_yaml_alias_bomb(void **state)
{
	struct mm_config *c = make();
	struct mm_diag d;
	struct mm_buf b;
	const char *path;

	(void)state;
	mm_buf_init(&b, 0);
	assert_int_equal(mm_buf_append_str(&b, "a0: &a0 {x: 1, y: 2}\n"), 0);
	for (int i = 1; i < 30; i++)
		assert_int_equal(mm_buf_appendf(&b, "a%d: &a%d {x: *a%d, y: *a%d}\n", i, i,
						i - 1, i - 1), 0);
	path = write_file("bomb.yaml", b.ptr);
	mm_buf_release(&b);
	mm_diag_init(&d);
	assert_int_not_equal(mm_config_load_file(c, path, &d), 0);
	assert_string_equal(d.file, path);
	mm_config_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_set_types),
		cmocka_unit_test(test_iter_sorted),
		cmocka_unit_test(test_yaml_ok),
		cmocka_unit_test(test_yaml_errors),
		cmocka_unit_test(test_yaml_alias_bomb),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
