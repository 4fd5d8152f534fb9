/*
 * test_time.c — RFC 3339 formatting and parsing (leap years, offsets,
 * fractions, spans, out-of-range and malformed input), FILETIME, clocks.
 * Expected values were computed independently (date -u -d ... +%s).
 */
#include "core/compat.h"
#include "core/time.h"

#include <setjmp.h>
#include <cmocka.h>

static void check_format(int64_t us, const char *want)
{
	char out[MM_TIME_STR];

	mm_time_format(us, out);
	assert_string_equal(out, want);
}

static void test_format(void **state)
{
	(void)state;
	check_format(0, "1970-01-01T00:00:00.000000Z");
	check_format(INT64_C(1494572611123456), "2017-05-12T07:03:31.123456Z");
	/* leap days */
	check_format(INT64_C(951782400) * 1000000, "2000-02-29T00:00:00.000000Z");
	check_format(INT64_C(1709164800) * 1000000, "2024-02-29T00:00:00.000000Z");
	check_format(INT64_C(4107542400) * 1000000, "2100-03-01T00:00:00.000000Z");
	check_format(INT64_C(4107542399) * 1000000, "2100-02-28T23:59:59.000000Z");
	/* before 1970: floor, not truncation */
	check_format(-1, "1969-12-31T23:59:59.999999Z");
	check_format(INT64_C(-86400000000), "1969-12-31T00:00:00.000000Z");
	check_format(INT64_C(-11644473600) * 1000000, "1601-01-01T00:00:00.000000Z");
	/* clamped to four-digit years */
	check_format(INT64_MAX, "9999-12-31T23:59:59.999999Z");
	check_format(INT64_MIN, "0000-01-01T00:00:00.000000Z");
	check_format(INT64_C(253402300799999999), "9999-12-31T23:59:59.999999Z");
}

static void check_parse(const char *s, int64_t want)
{
	int64_t got = -42;
	int rc = mm_time_parse(s, INT64_C(1700000000000000), &got);

	if (rc != 0)
		fail_msg("'%s' did not parse (%d)", s, rc);
	if (got != want)
		fail_msg("'%s': got %" PRId64 " want %" PRId64, s, got, want);
}

static void check_bad(const char *s)
{
	int64_t got = 7;

	if (mm_time_parse(s, INT64_C(1700000000000000), &got) != MM_EINVAL)
		fail_msg("'%s' parsed, it should not", s);
	assert_int_equal(got, 7);
}

static void test_parse(void **state)
{
	const int64_t M = 1000000;

	(void)state;
	check_parse("2017-05-12T07:03:31Z", INT64_C(1494572611) * M);
	check_parse("2017-05-12T07:03:31.123456Z", INT64_C(1494572611123456));
	check_parse("2017-05-12T07:03:31.1Z", INT64_C(1494572611100000));
	check_parse("2017-05-12T07:03:31.123456789Z", INT64_C(1494572611123456));
	check_parse("2017-05-12t07:03:31z", INT64_C(1494572611) * M);
	check_parse("2017-05-12T16:03:31+09:00", INT64_C(1494572611) * M);
	check_parse("2017-05-12T16:03:31+0900", INT64_C(1494572611) * M);
	check_parse("2017-05-11T23:33:31-07:30", INT64_C(1494572611) * M);
	check_parse("2017-05-12T07:03:31", INT64_C(1494572611) * M);
	check_parse("2017-05-12 07:03:31", INT64_C(1494572611) * M);
	check_parse("2017-05-12T07:03", INT64_C(1494572580) * M);
	check_parse("2017-05-12", INT64_C(1494547200) * M);
	check_parse("2024-02-29", INT64_C(1709164800) * M);
	check_parse("2000-02-29T12:00:00Z", INT64_C(951825600) * M);
	check_parse("1969-12-31T23:59:59Z", -M);
	check_parse("1601-01-01", INT64_C(-11644473600) * M);
	check_parse("2016-12-31T23:59:60Z", INT64_C(1483228800) * M);	/* leap second */
	/* spans back from now */
	check_parse("90s", INT64_C(1700000000000000) - 90 * M);
	check_parse("15m", INT64_C(1700000000000000) - 900 * M);
	check_parse("24h", INT64_C(1700000000000000) - 86400 * M);
	check_parse("7d", INT64_C(1700000000000000) - 7 * 86400 * M);
	check_parse("2w", INT64_C(1700000000000000) - 14 * 86400 * M);
	check_parse("0s", INT64_C(1700000000000000));
	check_parse("now", INT64_C(1700000000000000));
}

static void test_parse_bad(void **state)
{
	(void)state;
	check_bad("");
	check_bad("yesterday");
	check_bad("2023-02-29");	/* not a leap year */
	check_bad("1900-02-29");	/* century, not a leap year */
	check_bad("2017-13-01");
	check_bad("2017-00-10");
	check_bad("2017-04-31");
	check_bad("2017-05-00");
	check_bad("2017-05-12T24:00:00Z");
	check_bad("2017-05-12T07:60:00Z");
	check_bad("2017-05-12T07:03:61Z");
	check_bad("2017-05-12T07:03:31+24:00");
	check_bad("2017-05-12T07:03:31+09:60");
	check_bad("2017-05-12T07:03:31+9");
	check_bad("2017-05-12T07:03:31.Z");
	check_bad("2017-05-12T07:03:31Zjunk");
	check_bad("2017-05-12T");
	check_bad("2017-5-12");
	check_bad("17-05-12");
	check_bad("2017-05-12 ");
	check_bad("-5d");
	check_bad("5");
	check_bad("5y");
	check_bad("5dd");
	check_bad("d");
	check_bad("99999999999999999999s");
	check_bad("999999999999999w");
	assert_int_equal(mm_time_parse(NULL, 0, NULL), MM_EINVAL);
}

static void test_roundtrip(void **state)
{
	char s[MM_TIME_STR];
	int64_t back;

	(void)state;
	/* every day across several leap cycles, with a fraction */
	for (int64_t day = -200000; day < 200000; day += 7) {
		int64_t us = day * INT64_C(86400000000) + INT64_C(45296789012);
		mm_time_format(us, s);
		assert_int_equal(mm_time_parse(s, 0, &back), 0);
		assert_int_equal(back, us);
	}
}

static void test_filetime(void **state)
{
	(void)state;
	/* 1970-01-01 is 116444736000000000 in FILETIME */
	assert_int_equal(mm_time_from_filetime(UINT64_C(116444736000000000)), 0 + 0);
	assert_int_equal(mm_time_from_filetime(UINT64_C(116444736000000010)), 1);
	/* 2017-05-12T07:03:31.123456Z */
	assert_int_equal(mm_time_from_filetime(UINT64_C(131390462111234560)),
			 INT64_C(1494572611123456));
	/* unset stays unknown; 1601 and the far future stay in range */
	assert_int_equal(mm_time_from_filetime(0), 0);
	assert_int_equal(mm_time_from_filetime(1), INT64_C(-11644473600000000));
	assert_true(mm_time_from_filetime(UINT64_MAX) > 0);
}

static void test_clocks(void **state)
{
	int64_t a = mm_monotonic_us(), b = mm_monotonic_us();

	(void)state;
	assert_true(b >= a);
	/* after 2020 and before 2200 */
	assert_true(mm_now_us() > INT64_C(1577836800000000));
	assert_true(mm_now_us() < INT64_C(7258118400000000));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_parse_bad),
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_filetime),
		cmocka_unit_test(test_clocks),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
