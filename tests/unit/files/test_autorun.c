/*
 * test_autorun.c — the autorun.inf analyser (src/files/an_autorun.c) on
 * files made by tests/gen/gen_lnk.py.
 */
#include "core/compat.h"

#include <setjmp.h>
#include <cmocka.h>

#include "core/core.h"
#include "files/analyser.h"
#include "fb_harness.h"
#include "files/lnk.h"

extern const struct file_analyser file_analyser_autorun;

static struct fb_cap c;

static void run_gen(const char *rel, enum mm_kind kind)
{
	uint8_t *buf;
	size_t len;

	buf = fb_load_gen(rel, &len);
	fb_run_analyser(&file_analyser_autorun, rel, buf, len, kind, &c);
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
	fb_run_analyser(&file_analyser_autorun, "x.ini", (const uint8_t *)other, sizeof other - 1,
		     MM_KIND_INI, &c);
	assert_int_equal(c.n, 0);
	fb_run_analyser(&file_analyser_autorun, "y.ini", (const uint8_t *)empty, sizeof empty - 1,
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
