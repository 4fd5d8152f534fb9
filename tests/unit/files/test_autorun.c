/*
 * test_autorun.c — the autorun.inf analyser (src/files/an_autorun.c) on
 * files made by tests/gen/gen_lnk.py.
 */
#include "core/compat.h"

#include <setjmp.h>
#include <cmocka.h>

#include "core/core.h"
#include "files/analyser.h"
#include "files/lnk.h"

extern const struct file_analyser file_analyser_autorun;

/* --- harness: runs an analyser through a real output and scan ctx ------ */
#define CAP_ALERTS 16
struct cap {
	char alerts[CAP_ALERTS][16384];
	int n;
	int partials;
};

static int cap_alert(void *st, const struct mm_alert *a, const char *json, size_t len)
{
	struct cap *c = st;

	(void)a;
	if (c->n < CAP_ALERTS) {
		snprintf(c->alerts[c->n], sizeof c->alerts[0], "%.*s", (int)len, json);
		c->n++;
	}
	return 0;
}

static int cap_skip(void *st, const char *path, enum mm_skip why, bool partial,
		    const char *detail)
{
	struct cap *c = st;

	(void)path;
	(void)why;
	(void)detail;
	if (partial)
		c->partials++;
	return 0;
}

static uint8_t *load_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf;
	long n;

	if (!f)
		fail_msg("cannot open %s", path);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	assert_true(n >= 0);
	rewind(f);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return buf;
}

static uint8_t *load_gen(const char *rel, size_t *len)
{
	char path[4096];
	const char *gen = getenv("MAMORI_GEN_DIR");

	assert_non_null(gen);
	snprintf(path, sizeof path, "%s/%s", gen, rel);
	return load_file(path, len);
}

static void run_analyser(const struct file_analyser *an, const char *name, const uint8_t *d,
			 size_t n, enum mm_kind kind, struct cap *c)
{
	struct mm_alert_json_opts opts = { 0, "0.1.0", "test" };
	struct mm_output *out = mm_output_new(&opts);
	/* no configuration: analysers must work with their defaults */
	const struct mm_config *cfg = NULL;
	struct mm_sink sink = { "cap", c, cap_alert, cap_skip, NULL, NULL, NULL };
	struct mm_scan_ctx *ctx;
	struct file_view v;
	void *w = NULL;

	memset(c, 0, sizeof *c);
	assert_non_null(out);
	assert_int_equal(mm_output_add(out, &sink), 0);
	ctx = mm_scan_ctx_new(out, cfg, true, name);
	assert_non_null(ctx);
	memset(&v, 0, sizeof v);
	v.path = name;
	v.data = d;
	v.len = n;
	v.kind = kind;
	v.sha256 = "00";
	v.disk_path = name;
	if (an->worker_new)
		w = an->worker_new(cfg);
	assert_int_equal(an->analyse(w, &v, ctx), 0);
	if (an->worker_free)
		an->worker_free(w);
	mm_scan_ctx_free(ctx);
	mm_output_free(out);
}

static struct cap c;

static void run_gen(const char *rel, enum mm_kind kind)
{
	uint8_t *buf;
	size_t len;

	buf = load_gen(rel, &len);
	run_analyser(&file_analyser_autorun, rel, buf, len, kind, &c);
	free(buf);
}

static void test_double_ext_in_recycler(void **state)
{
	(void)state;
	run_gen("lnk/autorun/autorun.inf", MM_KIND_INI);
	assert_int_equal(c.n, 1);
	assert_non_null(strstr(c.alerts[0], "\"mamori.files.autorun.launch\""));
	assert_non_null(strstr(c.alerts[0], "\"level\":\"high\""));
	assert_non_null(strstr(c.alerts[0], "double_extension"));
	assert_non_null(strstr(c.alerts[0], "hidden_folder_name"));
	assert_non_null(strstr(c.alerts[0], "photo.jpg.exe"));
}

static void test_shell_command_blank_folder(void **state)
{
	(void)state;
	/* an ANSI file: 0xA0 is read as U+00A0 */
	run_gen("lnk/autorun_shell/autorun.inf", MM_KIND_INI);
	assert_int_equal(c.n, 1);
	assert_non_null(strstr(c.alerts[0], "\"level\":\"high\""));
	assert_non_null(strstr(c.alerts[0], "blank_named_folder"));
	assert_non_null(strstr(c.alerts[0], "shell\\\\open\\\\command"));
	/* also found when classified as plain text */
	run_gen("lnk/autorun_shell/autorun.inf", MM_KIND_TEXT);
	assert_int_equal(c.n, 1);
}

static void test_plain_exec_is_medium(void **state)
{
	(void)state;
	run_gen("lnk/autorun_exec/autorun.inf", MM_KIND_INI);
	assert_int_equal(c.n, 1);
	assert_non_null(strstr(c.alerts[0], "\"level\":\"medium\""));
	assert_non_null(strstr(c.alerts[0], "setup.exe"));
}

static void test_benign_is_silent(void **state)
{
	static const char other[] = "[Settings]\nopen=evil.exe\n";
	static const char empty[] = "[autorun]\nopen=\n";

	(void)state;
	run_gen("lnk/autorun_benign/autorun.inf", MM_KIND_INI);
	assert_int_equal(c.n, 0);
	/* open= outside the [autorun] section means nothing */
	run_analyser(&file_analyser_autorun, "x.ini", (const uint8_t *)other, sizeof other - 1,
		     MM_KIND_INI, &c);
	assert_int_equal(c.n, 0);
	run_analyser(&file_analyser_autorun, "y.ini", (const uint8_t *)empty, sizeof empty - 1,
		     MM_KIND_INI, &c);
	assert_int_equal(c.n, 0);
}

static void test_wants(void **state)
{
	struct file_view v;
	static const char t[] = "; x\r\n[AutoRun]\r\nopen=a.exe\r\n";

	(void)state;
	memset(&v, 0, sizeof v);
	v.data = (const uint8_t *)t;
	v.len = sizeof t - 1;
	v.kind = MM_KIND_TEXT;
	assert_true(file_analyser_autorun.wants(&v));
	v.kind = MM_KIND_PE;
	assert_false(file_analyser_autorun.wants(&v));
	v.kind = MM_KIND_TEXT;
	v.data = (const uint8_t *)"hello";
	v.len = 5;
	assert_false(file_analyser_autorun.wants(&v));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_double_ext_in_recycler),
		cmocka_unit_test(test_shell_command_blank_folder),
		cmocka_unit_test(test_plain_exec_is_medium),
		cmocka_unit_test(test_benign_is_silent),
		cmocka_unit_test(test_wants),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
