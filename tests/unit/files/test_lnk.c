/*
 * test_lnk.c — the MS-SHLLINK parser (src/files/lnk.c) and the USB-worm
 * shortcut analyser (an_lnk.c) on shortcuts made by tests/gen/gen_lnk.py.
 */
#include "core/compat.h"

#include <setjmp.h>
#include <cmocka.h>

#include "core/core.h"
#include "files/analyser.h"
#include "fb_harness.h"
#include "files/lnk.h"

extern const struct file_analyser file_analyser_lnk;

static struct lnk_file lf;

static void parse_gen(const char *name, uint8_t **buf, size_t *len)
{
	char rel[256];

	snprintf(rel, sizeof rel, "lnk/%s", name);
	*buf = fb_load_gen(rel, len);
	assert_int_equal(lnk_parse(&lf, *buf, *len), 0);
}

static void test_parse_normal(void **state)
{
	uint8_t *buf;
	size_t len;
	char t[2048];

	(void)state;
	parse_gen("normal.lnk", &buf, &len);
	assert_int_equal(lf.problems, 0);
	assert_string_equal(lf.idlist_path, "C:\\Program Files\\app.exe");
	assert_string_equal(lf.local_base_path, "C:\\Program Files\\app.exe");
	assert_string_equal(lf.work_dir, "C:\\Program Files");
	assert_int_equal(lf.drive_type, LNK_DRIVE_FIXED);
	assert_int_equal(lf.drive_serial, 0x16ADD728);
	assert_string_equal(lnk_target(&lf, t, sizeof t), "C:\\Program Files\\app.exe");
	assert_int_equal(lnk_worm_assess(&lf, t, sizeof t), LNK_W_EXEC_TARGET);
	free(buf);

	parse_gen("normal_ansi.lnk", &buf, &len);
	assert_false(lf.link_flags & LNK_IS_UNICODE);
	assert_string_equal(lf.work_dir, "C:\\Program Files");
	free(buf);
}

static void test_parse_worm(void **state)
{
	uint8_t *buf;
	size_t len;
	char t[2048];
	unsigned p;

	(void)state;
	parse_gen("worm_nbsp.lnk", &buf, &len);
	assert_int_equal(lf.problems, 0);
	assert_string_equal(lf.local_base_path, "E:\\\xc2\xa0\\\xc2\xa0.exe");
	assert_string_equal(lf.idlist_path, "E:\\\xc2\xa0\\\xc2\xa0.exe");
	assert_true(lf.idlist_hidden_dir);
	assert_int_equal(lf.drive_type, LNK_DRIVE_REMOVABLE);
	assert_string_equal(lf.args, "/b");
	assert_int_equal(lf.icon_index, 7);
	p = lnk_worm_assess(&lf, t, sizeof t);
	assert_true(p & LNK_W_EXEC_TARGET);
	assert_true(p & LNK_W_BLANK_FOLDER);
	assert_true(p & LNK_W_HIDDEN);
	assert_true(p & LNK_W_REMOVABLE);
	assert_true(p & LNK_W_SYSTEM_ICON);
	free(buf);

	parse_gen("worm_cmd.lnk", &buf, &len);
	p = lnk_worm_assess(&lf, t, sizeof t);
	assert_true(p & LNK_W_INTERPRETER);
	assert_true(p & LNK_W_ARGS_LAUNCH);
	assert_true(p & LNK_W_ARGS_BLANK);
	assert_false(p & LNK_W_BLANK_FOLDER);
	free(buf);

	parse_gen("worm_ideo.lnk", &buf, &len);
	assert_string_equal(lf.args, "\"\xe3\x80\x80\\x.dll\",Start");
	p = lnk_worm_assess(&lf, t, sizeof t);
	assert_true(p & LNK_W_INTERPRETER);
	assert_true(p & LNK_W_ARGS_BLANK);
	free(buf);
}

static void test_truncated(void **state)
{
	uint8_t *buf;
	size_t len;

	(void)state;
	parse_gen("truncated.lnk", &buf, &len);
	assert_true(lf.problems & LNK_PROB_TRUNCATED);
	/* the ID list survived the cut */
	assert_string_equal(lf.idlist_path, "E:\\\xc2\xa0\\\xc2\xa0.exe");
	for (size_t n = 0; n < len; n++) {
		int rc = lnk_parse(&lf, buf, n);
		assert_true(rc == 0 || rc == MM_ETRUNC || rc == MM_EUNSUPPORTED);
	}
	free(buf);
	assert_int_equal(lnk_parse(&lf, (const uint8_t *)"not a shortcut at all", 21),
			 MM_EUNSUPPORTED);
}

static void test_path_checks(void **state)
{
	static const struct {
		const char *path;
		int blank;
	} cases[] = {
		{ "E:\\\xc2\xa0\\x.exe", 1 },
		{ "E:\\_\\x.exe", 1 },
		{ "E:\\\xe3\x80\x80\\x.exe", 1 },
		{ "E:\\...\\x.exe", 1 },
		{ "E:\\ \\x.exe", 1 },
		{ "E:\\dir\\\xc2\xa0.exe", 2 },
		{ "C:\\Program Files\\app.exe", -1 },
		{ "..\\a\\.\\b.exe", -1 },
		{ "E:\\my_dir\\x.exe", -1 },
	};

	(void)state;
	for (size_t i = 0; i < MM_ARRAY_SIZE(cases); i++)
		assert_int_equal(lnk_blank_component(cases[i].path, strlen(cases[i].path)),
				 cases[i].blank);
	assert_true(lnk_is_interpreter("C:\\Windows\\System32\\CMD.EXE", 27));
	assert_true(lnk_is_interpreter("rundll32", 8));
	assert_false(lnk_is_interpreter("C:\\cmdx.exe", 11));
	assert_true(lnk_double_ext("photo.jpg.exe", 13));
	assert_true(lnk_double_ext("report.pdf   .scr", 17));
	assert_false(lnk_double_ext("setup.exe", 9));
	assert_false(lnk_double_ext("archive.tar.gz", 14));
	assert_true(lnk_hidden_folder_name("RECYCLER\\S-1-5\\x.exe", 20));
	assert_false(lnk_hidden_folder_name("Program Files\\x.exe", 19));
	assert_int_equal(lnk_ext_class("a.VBS", 5), LNK_EXT_SCRIPT);
	assert_int_equal(lnk_ext_class("a.dll", 5), LNK_EXT_LIB);
	assert_int_equal(lnk_ext_class("a.txt", 5), LNK_EXT_OTHER);
}

static void test_analyser(void **state)
{
	static struct fb_cap c;
	uint8_t *buf;
	size_t len;

	(void)state;
	buf = fb_load_gen("lnk/worm_nbsp.lnk", &len);
	fb_run_analyser(&file_analyser_lnk, "worm_nbsp.lnk", buf, len, MM_KIND_LNK, &c);
	assert_int_equal(c.n, 1);
	assert_non_null(strstr(c.alerts[0], "\"mamori.files.lnk.usb-worm\""));
	assert_non_null(strstr(c.alerts[0], "\"level\":\"high\""));
	assert_non_null(strstr(c.alerts[0], "\"drive_type\":\"removable\""));
	assert_non_null(strstr(c.alerts[0], "blank_named_folder"));
	free(buf);

	buf = fb_load_gen("lnk/worm_cmd.lnk", &len);
	fb_run_analyser(&file_analyser_lnk, "worm_cmd.lnk", buf, len, MM_KIND_LNK, &c);
	assert_int_equal(c.n, 1);
	assert_non_null(strstr(c.alerts[0], "\"mamori.files.lnk.usb-worm\""));
	assert_non_null(strstr(c.alerts[0], "DeviceConfig.vbs"));
	free(buf);

	buf = fb_load_gen("lnk/worm_ideo.lnk", &len);
	fb_run_analyser(&file_analyser_lnk, "worm_ideo.lnk", buf, len, MM_KIND_LNK, &c);
	assert_int_equal(c.n, 1);
	free(buf);

	/* normal shortcuts stay silent */
	buf = fb_load_gen("lnk/normal.lnk", &len);
	fb_run_analyser(&file_analyser_lnk, "normal.lnk", buf, len, MM_KIND_LNK, &c);
	assert_int_equal(c.n, 0);
	free(buf);
	buf = fb_load_gen("lnk/cmd_plain.lnk", &len);
	fb_run_analyser(&file_analyser_lnk, "cmd_plain.lnk", buf, len, MM_KIND_LNK, &c);
	assert_int_equal(c.n, 0);
	free(buf);

	/* a cut shortcut: partial, and still judged on what was read */
	buf = fb_load_gen("lnk/truncated.lnk", &len);
	fb_run_analyser(&file_analyser_lnk, "truncated.lnk", buf, len, MM_KIND_LNK, &c);
	assert_true(c.partials >= 1);
	assert_int_equal(c.n, 1);
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_normal),
		cmocka_unit_test(test_parse_worm),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_path_checks),
		cmocka_unit_test(test_analyser),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
