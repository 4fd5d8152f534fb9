/*
 * test_pe.c — the bounded PE parser and the infector checks (src/files/pe.c)
 * on images made by tests/gen/gen_pe.py.
 */
#include "core/compat.h"

#include <setjmp.h>
#include <cmocka.h>

#include "files/pe.h"

static uint8_t *load(const char *name, size_t *len)
{
	char path[4096];
	const char *gen = getenv("MAMORI_GEN_DIR");
	FILE *f;
	uint8_t *buf;
	long n;

	assert_non_null(gen);
	snprintf(path, sizeof path, "%s/pe/%s", gen, name);
	f = fopen(path, "rb");
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

static void parse_file(const char *name, struct pe_file *pe, struct pe_assessment *as,
		       uint8_t **buf)
{
	size_t len;

	*buf = load(name, &len);
	assert_int_equal(pe_parse(pe, *buf, len), 0);
	pe_assess(pe, as);
}

static void test_normal(void **state)
{
	static struct pe_file pe;
	struct pe_assessment as;
	uint8_t *buf;

	(void)state;
	parse_file("normal32.exe", &pe, &as, &buf);
	assert_false(pe.is64);
	assert_int_equal(pe.nsections, 3);
	assert_string_equal(pe.sec[0].name, ".text");
	assert_int_equal(pe.entry_rva, 0x1000);
	assert_int_equal(pe.image_base, 0x400000);
	assert_int_equal(pe.problems, 0);
	assert_int_equal(pe.overlay_len, 0);
	assert_int_equal(as.ep_section, 0);
	assert_int_equal(as.props, 0);
	free(buf);

	parse_file("normal64.exe", &pe, &as, &buf);
	assert_true(pe.is64);
	assert_int_equal(pe.image_base, UINT64_C(0x140000000));
	assert_int_equal(pe.ndirs, 16);
	assert_int_equal(as.props, 0);
	free(buf);
}

static void test_infected(void **state)
{
	static struct pe_file pe;
	struct pe_assessment as;
	uint8_t *buf;
	const char *names[] = { "infected32.exe", "infected64.exe", "pushret32.exe",
				"longstub32.exe" };

	(void)state;
	for (size_t i = 0; i < MM_ARRAY_SIZE(names); i++) {
		parse_file(names[i], &pe, &as, &buf);
		assert_int_equal(pe.nsections, 4);
		assert_int_equal(as.ep_section, 3);
		assert_true(as.props & PE_INF_EP_LAST_SECTION);
		assert_true(as.props & PE_INF_LAST_SECTION_WX);
		assert_true(as.props & PE_INF_JUMP_TO_OEP);
		assert_true(as.props & PE_INF_ODD_NAME);
		assert_true(as.props & PE_INF_EP_AT_TAIL);
		assert_int_equal(as.oep_rva, 0x1000);
		assert_int_equal(as.first_code, 0);
		assert_false(as.packer_like);
		free(buf);
	}
	/* the long stub is found from the section's end, not the EP window */
	parse_file("longstub32.exe", &pe, &as, &buf);
	assert_int_equal(as.stub_off, 402);
	free(buf);
}

static void test_ep_anomalies(void **state)
{
	static struct pe_file pe;
	struct pe_assessment as;
	uint8_t *buf;

	(void)state;
	parse_file("ep_outside.exe", &pe, &as, &buf);
	assert_int_equal(as.ep_section, -1);
	assert_true(as.props & PE_INF_EP_OUTSIDE_RAW);
	free(buf);

	parse_file("ep_slack.exe", &pe, &as, &buf);
	assert_int_equal(as.ep_section, 0);
	assert_true(as.props & PE_INF_EP_IN_SLACK);
	assert_false(as.props & PE_INF_JUMP_TO_OEP);	/* same section: not a jump back */
	free(buf);

	parse_file("odd_sections.exe", &pe, &as, &buf);
	assert_true(as.props & PE_INF_ODD_NAME);
	assert_true(as.props & PE_INF_RAW_GT_VIRTUAL);
	assert_int_equal(as.odd_section, 3);
	assert_false(as.props & PE_INF_EP_LAST_SECTION);
	free(buf);
}

static void test_packer_is_not_infector(void **state)
{
	static struct pe_file pe;
	struct pe_assessment as;
	uint8_t *buf;

	(void)state;
	parse_file("upx_like.exe", &pe, &as, &buf);
	assert_true(as.packer_like);
	assert_int_equal(as.ep_section, 1);
	assert_false(as.props & PE_INF_EP_LAST_SECTION);
	assert_false(as.props & PE_INF_JUMP_TO_OEP);
	assert_false(as.props & PE_INF_ODD_NAME);
	free(buf);
}

static void test_bad_input(void **state)
{
	static struct pe_file pe;
	struct pe_assessment as;
	uint8_t *buf;
	size_t len;

	(void)state;
	buf = load("trunc_headers.exe", &len);
	assert_int_equal(pe_parse(&pe, buf, len), 0);
	assert_true(pe.problems & PE_PROB_TRUNC_HEADERS);
	assert_false(pe.has_optional);
	pe_assess(&pe, &as);
	assert_int_equal(as.props, 0);
	/* every prefix parses without reading out of bounds */
	for (size_t n = 0; n < len; n++) {
		int rc = pe_parse(&pe, buf, n);
		assert_true(rc == 0 || rc == MM_ETRUNC || rc == MM_EUNSUPPORTED);
	}
	free(buf);

	parse_file("past_eof.exe", &pe, &as, &buf);
	assert_true(pe.problems & PE_PROB_SECTIONS_PAST_EOF);
	free(buf);

	parse_file("many_sections.exe", &pe, &as, &buf);
	assert_int_equal(pe.nsections, PE_MAX_SECTIONS);
	assert_int_equal(pe.sections_dropped, 200 - PE_MAX_SECTIONS);
	assert_true(pe.problems & PE_PROB_TOO_MANY_SECTIONS);
	free(buf);

	assert_int_equal(pe_parse(&pe, (const uint8_t *)"MZ", 2), MM_ETRUNC);
	assert_int_equal(pe_parse(&pe, (const uint8_t *)"hello world", 11), MM_EUNSUPPORTED);
}

static void test_overlay_and_rva(void **state)
{
	static struct pe_file pe;
	struct pe_assessment as;
	uint8_t *buf;
	size_t off = 0;

	(void)state;
	parse_file("overlay.exe", &pe, &as, &buf);
	assert_int_equal(pe.overlay_len, 4096);
	assert_true(pe_rva_to_off(&pe, 0x1004, &off));
	assert_int_equal(off, pe.sec[0].raw_ptr + 4);
	assert_false(pe_rva_to_off(&pe, 0x9000, &off));
	assert_int_equal(pe_section_of_rva(&pe, 0x2000), 1);
	assert_int_equal(pe_section_of_rva(&pe, 0x8000), -1);
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_normal),
		cmocka_unit_test(test_infected),
		cmocka_unit_test(test_ep_anomalies),
		cmocka_unit_test(test_packer_is_not_infector),
		cmocka_unit_test(test_bad_input),
		cmocka_unit_test(test_overlay_and_rva),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
