/*
 * test_json.c — the JSON writer: the escaping table (every control byte,
 * every class of invalid UTF-8), structure (commas, nesting, sticky errors),
 * numbers, and validation of the output with jansson.
 */
#include "core/compat.h"
#include "core/json.h"
#include "core/error.h"

#include <math.h>
#include <setjmp.h>
#include <cmocka.h>
#include <jansson.h>

/* Escapes len bytes of s and compares with the expected escaped text. */
static void check_escape(const char *s, size_t len, const char *want)
{
	struct mm_buf b;
	json_t *v;
	json_error_t err;
	struct mm_buf doc;

	mm_buf_init(&b, 0);
	assert_int_equal(mm_json_escape(&b, s, len), 0);
	if (strcmp(b.ptr ? b.ptr : "", want) != 0)
		fail_msg("escape of %zu bytes: got '%s' want '%s'", len, b.ptr ? b.ptr : "", want);
	/* the quoted form must always be valid JSON */
	mm_buf_init(&doc, 0);
	assert_int_equal(mm_buf_appendf(&doc, "\"%s\"", b.ptr ? b.ptr : ""), 0);
	v = json_loadb(doc.ptr, doc.len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &err);
	if (!v)
		fail_msg("jansson rejects %s: %s", doc.ptr, err.text);
	json_decref(v);
	mm_buf_release(&doc);
	mm_buf_release(&b);
}

#define ESC(lit, want) check_escape(lit, sizeof(lit) - 1, want)

static void test_escape_plain(void **state)
{
	(void)state;
	ESC("", "");
	ESC("hello world", "hello world");
	ESC("a\"b", "a\\\"b");
	ESC("a\\b", "a\\\\b");
	ESC("/slash/", "/slash/");
	ESC("\x7f", "\x7f");	/* DEL is copied raw */
	ESC("\n\r\t\b\f", "\\n\\r\\t\\b\\f");
	ESC("nul\0byte", "nul\\u0000byte");
}

static void test_escape_controls(void **state)
{
	char in[2], want[8];

	(void)state;
	for (int c = 0; c < 0x20; c++) {
		in[0] = (char)c;
		switch (c) {
		case '\n': strcpy(want, "\\n"); break;
		case '\r': strcpy(want, "\\r"); break;
		case '\t': strcpy(want, "\\t"); break;
		case '\b': strcpy(want, "\\b"); break;
		case '\f': strcpy(want, "\\f"); break;
		default: snprintf(want, sizeof want, "\\u%04x", c); break;
		}
		check_escape(in, 1, want);
	}
}

static void test_escape_utf8_valid(void **state)
{
	(void)state;
	ESC("\xc2\xa9", "\xc2\xa9");			/* U+00A9 */
	ESC("\xdf\xbf", "\xdf\xbf");			/* U+07FF */
	ESC("\xe0\xa0\x80", "\xe0\xa0\x80");		/* U+0800 */
	ESC("\xe6\x97\xa5\xe6\x9c\xac", "\xe6\x97\xa5\xe6\x9c\xac");
	ESC("\xed\x9f\xbf", "\xed\x9f\xbf");		/* U+D7FF */
	ESC("\xee\x80\x80", "\xee\x80\x80");		/* U+E000 */
	ESC("\xef\xbf\xbf", "\xef\xbf\xbf");		/* U+FFFF */
	ESC("\xf0\x90\x80\x80", "\xf0\x90\x80\x80");	/* U+10000 */
	ESC("\xf4\x8f\xbf\xbf", "\xf4\x8f\xbf\xbf");	/* U+10FFFF */
	ESC("\xe2\x80\xa8", "\\u2028");
	ESC("\xe2\x80\xa9", "\\u2029");
	ESC("\xe2\x80\xa7", "\xe2\x80\xa7");		/* U+2027 stays */
}

static void test_escape_utf8_invalid(void **state)
{
	(void)state;
	/* lone continuation bytes */
	ESC("\x80", "\\\\x80");
	ESC("\xbf", "\\\\xbf");
	ESC("a\x80\x80z", "a\\\\x80\\\\x80z");
	/* truncated sequences, at the end and before ASCII */
	ESC("\xc2", "\\\\xc2");
	ESC("\xe6\x97", "\\\\xe6\\\\x97");
	ESC("\xf0\x90\x80", "\\\\xf0\\\\x90\\\\x80");
	ESC("\xe6\x97" "A", "\\\\xe6\\\\x97A");
	/* overlong 2-, 3- and 4-byte forms */
	ESC("\xc0\xaf", "\\\\xc0\\\\xaf");
	ESC("\xc1\xbf", "\\\\xc1\\\\xbf");
	ESC("\xe0\x80\xaf", "\\\\xe0\\\\x80\\\\xaf");
	ESC("\xe0\x9f\xbf", "\\\\xe0\\\\x9f\\\\xbf");
	ESC("\xf0\x80\x80\xaf", "\\\\xf0\\\\x80\\\\x80\\\\xaf");
	ESC("\xf0\x8f\xbf\xbf", "\\\\xf0\\\\x8f\\\\xbf\\\\xbf");
	/* UTF-16 surrogates encoded in UTF-8 */
	ESC("\xed\xa0\x80", "\\\\xed\\\\xa0\\\\x80");
	ESC("\xed\xbf\xbf", "\\\\xed\\\\xbf\\\\xbf");
	/* past U+10FFFF */
	ESC("\xf4\x90\x80\x80", "\\\\xf4\\\\x90\\\\x80\\\\x80");
	ESC("\xf5\x80\x80\x80", "\\\\xf5\\\\x80\\\\x80\\\\x80");
	ESC("\xf8", "\\\\xf8");
	ESC("\xfe\xff", "\\\\xfe\\\\xff");
	/* a valid character after an invalid byte is kept */
	ESC("\xff\xc2\xa9", "\\\\xff\xc2\xa9");
}

/* Every byte F5..FF and C0/C1 is invalid wherever it appears. */
static void test_escape_never_valid_bytes(void **state)
{
	char in[3], want[32];

	(void)state;
	for (int c = 0xc0; c <= 0xff; c++) {
		if (c == 0xc2)
			c = 0xf5;
		in[0] = (char)c;
		in[1] = (char)0x80;
		in[2] = 'x';
		snprintf(want, sizeof want, "\\\\x%02x\\\\x80x", c);
		check_escape(in, 3, want);
	}
}

/* Random bytes: output always parses; valid UTF-8 input round-trips. */
static void test_escape_random(void **state)
{
	uint8_t in[64];
	uint32_t seed = 12345;

	(void)state;
	for (int round = 0; round < 20000; round++) {
		struct mm_buf b;
		json_t *v;
		size_t n = (size_t)(round % 64);
		mm_buf_init(&b, 0);
		for (size_t i = 0; i < n; i++) {
			seed = seed * 1103515245u + 12345u;
			in[i] = (uint8_t)(seed >> 16);
		}
		assert_int_equal(mm_buf_append_byte(&b, '"'), 0);
		assert_int_equal(mm_json_escape(&b, in, n), 0);
		assert_int_equal(mm_buf_append_byte(&b, '"'), 0);
		v = json_loadb(b.ptr, b.len, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
		assert_non_null(v);
		json_decref(v);
		mm_buf_release(&b);
	}
}

/*
 * An independent, slow reference escaper: decodes code points and checks
 * their ranges (rather than the writer's byte table), one byte at a time.
 */
static void ref_escape(struct mm_buf *b, const uint8_t *p, size_t n)
{
	size_t i = 0;

	while (i < n) {
		uint8_t c = p[i];
		size_t len = c < 0x80 ? 1 : (c & 0xe0) == 0xc0 ? 2 : (c & 0xf0) == 0xe0 ? 3 :
			     (c & 0xf8) == 0xf0 ? 4 : 0;
		uint32_t cp = len == 1 ? c : len == 2 ? c & 0x1fu : len == 3 ? c & 0x0fu : c & 0x07u;
		bool ok = len > 0 && i + len <= n;
		for (size_t k = 1; ok && k < len; k++) {
			ok = (p[i + k] & 0xc0) == 0x80;
			cp = cp << 6 | (p[i + k] & 0x3fu);
		}
		if (ok && len > 1) {
			static const uint32_t min[5] = { 0, 0, 0x80, 0x800, 0x10000 };
			ok = cp >= min[len] && cp <= 0x10ffff && !(cp >= 0xd800 && cp <= 0xdfff);
		}
		if (!ok) {
			assert_int_equal(mm_buf_appendf(b, "\\\\x%02x", c), 0);
			i++;
			continue;
		}
		if (cp == 0x2028 || cp == 0x2029)
			assert_int_equal(mm_buf_appendf(b, "\\u%04x", (unsigned)cp), 0);
		else if (cp == '"' || cp == '\\')
			assert_int_equal(mm_buf_appendf(b, "\\%c", (char)cp), 0);
		else if (cp == '\n')
			assert_int_equal(mm_buf_append_str(b, "\\n"), 0);
		else if (cp == '\r')
			assert_int_equal(mm_buf_append_str(b, "\\r"), 0);
		else if (cp == '\t')
			assert_int_equal(mm_buf_append_str(b, "\\t"), 0);
		else if (cp == '\b')
			assert_int_equal(mm_buf_append_str(b, "\\b"), 0);
		else if (cp == '\f')
			assert_int_equal(mm_buf_append_str(b, "\\f"), 0);
		else if (cp < 0x20)
			assert_int_equal(mm_buf_appendf(b, "\\u%04x", (unsigned)cp), 0);
		else
			assert_int_equal(mm_buf_append(b, p + i, len), 0);
		i += len;
	}
}

/* Long inputs (past the writer's staging buffer) of mixed content give
 * exactly the reference escaping. */
static void test_escape_matches_reference(void **state)
{
	static const char *const pieces[] = {
		"plain ascii text ", "\xe6\x97\xa5", "\xff", "\"", "\\", "\n", "\x01",
		"\xe2\x80\xa8", "\xed\xa0\x80", "\xf0\x9f\x98\x80", "\xc3", "\x7f",
		"0123456789abcdef0123456789abcdef",
	};
	uint32_t seed = 99;

	(void)state;
	for (int round = 0; round < 200; round++) {
		struct mm_buf in, got, want;
		size_t target = (size_t)(round * 97 % 20000);
		mm_buf_init(&in, 0);
		mm_buf_init(&got, 0);
		mm_buf_init(&want, 0);
		while (in.len < target) {
			seed = seed * 1103515245u + 12345u;
			if (seed >> 28 == 0) {
				/* a random byte now and then */
				assert_int_equal(mm_buf_append_byte(&in, (uint8_t)(seed >> 16)), 0);
				continue;
			}
			assert_int_equal(mm_buf_append_str(&in,
				pieces[(seed >> 16) % MM_ARRAY_SIZE(pieces)]), 0);
		}
		assert_int_equal(mm_json_escape(&got, in.ptr, in.len), 0);
		ref_escape(&want, (const uint8_t *)in.ptr, in.len);
		assert_int_equal(got.len, want.len);
		if (got.len)
			assert_memory_equal(got.ptr, want.ptr, got.len);
		mm_buf_release(&in);
		mm_buf_release(&got);
		mm_buf_release(&want);
	}
}

static void test_roundtrip_valid(void **state)
{
	static const char s[] = "tab\there \"q\" back\\ nul\0 \xe6\x97\xa5 \xf0\x9f\x98\x80 \x7f";
	struct mm_buf b;
	struct mm_json j;
	json_t *v, *x;

	(void)state;
	mm_buf_init(&b, 0);
	mm_json_init(&j, &b);
	mm_json_object_begin(&j, NULL);
	mm_json_strn(&j, "k\x01", s, sizeof s - 1);
	mm_json_object_end(&j);
	assert_int_equal(mm_json_finish(&j), 0);
	v = json_loadb(b.ptr, b.len, JSON_ALLOW_NUL, NULL);
	assert_non_null(v);
	x = json_object_get(v, "k\x01");
	assert_non_null(x);
	assert_int_equal(json_string_length(x), sizeof s - 1);
	assert_memory_equal(json_string_value(x), s, sizeof s - 1);
	json_decref(v);
	mm_buf_release(&b);
}

static void test_structure(void **state)
{
	struct mm_buf b;
	struct mm_json j;

	(void)state;
	mm_buf_init(&b, 0);
	mm_json_init(&j, &b);
	mm_json_object_begin(&j, NULL);
	mm_json_str(&j, "a", "x");
	mm_json_int(&j, "b", -42);
	mm_json_array_begin(&j, "c");
	mm_json_uint(&j, NULL, UINT64_MAX);
	mm_json_int(&j, NULL, INT64_MIN);
	mm_json_bool(&j, NULL, true);
	mm_json_bool(&j, NULL, false);
	mm_json_null(&j, NULL);
	mm_json_object_begin(&j, NULL);
	mm_json_object_end(&j);
	mm_json_array_begin(&j, NULL);
	mm_json_array_end(&j);
	mm_json_array_end(&j);
	mm_json_raw(&j, "r", "{\"x\":[1,2]}", 11);
	mm_json_hex(&j, "h", "\x00\xff\x10", 3);
	mm_json_str(&j, "n", NULL);
	mm_json_object_end(&j);
	assert_int_equal(mm_json_finish(&j), 0);
	assert_string_equal(b.ptr,
		"{\"a\":\"x\",\"b\":-42,\"c\":[18446744073709551615,-9223372036854775808,"
		"true,false,null,{},[]],\"r\":{\"x\":[1,2]},\"h\":\"00ff10\",\"n\":null}");
	mm_buf_release(&b);
}

static void test_doubles(void **state)
{
	struct mm_buf b;
	struct mm_json j;
	json_t *v;

	(void)state;
	mm_buf_init(&b, 0);
	mm_json_init(&j, &b);
	mm_json_array_begin(&j, NULL);
	mm_json_double(&j, NULL, 0.5);
	mm_json_double(&j, NULL, 0.1);
	mm_json_double(&j, NULL, NAN);
	mm_json_double(&j, NULL, INFINITY);
	mm_json_double(&j, NULL, -INFINITY);
	mm_json_double(&j, NULL, 1e300);
	mm_json_double(&j, NULL, -3.0);
	mm_json_array_end(&j);
	assert_int_equal(mm_json_finish(&j), 0);
	assert_string_equal(b.ptr, "[0.5,0.1,null,null,null,1e+300,-3]");
	v = json_loadb(b.ptr, b.len, 0, NULL);
	assert_non_null(v);
	json_decref(v);
	mm_buf_release(&b);
}

static void test_sticky_errors(void **state)
{
	struct mm_buf b;
	struct mm_json j;

	(void)state;
	/* a value without a key inside an object */
	mm_buf_init(&b, 0);
	mm_json_init(&j, &b);
	mm_json_object_begin(&j, NULL);
	mm_json_int(&j, NULL, 1);
	mm_json_str(&j, "ok", "later calls are no-ops");
	mm_json_object_end(&j);
	assert_int_equal(mm_json_finish(&j), MM_ESTATE);
	assert_string_equal(b.ptr, "{");
	mm_buf_release(&b);

	/* a key inside an array */
	mm_buf_init(&b, 0);
	mm_json_init(&j, &b);
	mm_json_array_begin(&j, NULL);
	mm_json_int(&j, "k", 1);
	assert_int_equal(mm_json_finish(&j), MM_ESTATE);
	mm_buf_release(&b);

	/* unbalanced: left open, closed twice, wrong closer */
	mm_buf_init(&b, 0);
	mm_json_init(&j, &b);
	mm_json_object_begin(&j, NULL);
	assert_int_equal(mm_json_finish(&j), MM_ESTATE);
	mm_json_array_end(&j);
	assert_int_equal(mm_json_finish(&j), MM_ESTATE);
	mm_buf_release(&b);

	/* two top-level values */
	mm_buf_init(&b, 0);
	mm_json_init(&j, &b);
	mm_json_int(&j, NULL, 1);
	mm_json_int(&j, NULL, 2);
	assert_int_equal(mm_json_finish(&j), MM_ESTATE);
	mm_buf_release(&b);

	/* nesting past the limit */
	mm_buf_init(&b, 0);
	mm_json_init(&j, &b);
	for (int i = 0; i < MM_JSON_MAX_DEPTH + 2; i++)
		mm_json_array_begin(&j, NULL);
	assert_int_equal(mm_json_finish(&j), MM_ELIMIT);
	mm_buf_release(&b);

	/* the buffer cap: the error sticks and the buffer is left empty */
	mm_buf_init(&b, 16);
	mm_json_init(&j, &b);
	mm_json_object_begin(&j, NULL);
	mm_json_str(&j, "key", "a value longer than sixteen bytes");
	mm_json_int(&j, "x", 1);
	mm_json_object_end(&j);
	assert_int_equal(mm_json_finish(&j), MM_ELIMIT);
	assert_int_equal(b.len, 0);
	mm_buf_release(&b);
}

/* The writer appends to a reused buffer without allocating per call once
 * the buffer is large enough. */
static void test_reuse(void **state)
{
	struct mm_buf b;
	struct mm_json j;
	char *first;

	(void)state;
	mm_buf_init(&b, 0);
	for (int i = 0; i < 1000; i++) {
		mm_buf_reset(&b);
		mm_json_init(&j, &b);
		mm_json_object_begin(&j, NULL);
		mm_json_int(&j, "i", i);
		mm_json_str(&j, "path", "/tmp/some/path/\xff.exe");
		mm_json_object_end(&j);
		assert_int_equal(mm_json_finish(&j), 0);
		if (i == 0)
			first = b.ptr;
		else
			assert_ptr_equal(b.ptr, first);
	}
	assert_string_equal(b.ptr, "{\"i\":999,\"path\":\"/tmp/some/path/\\\\xff.exe\"}");
	mm_buf_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escape_plain),
		cmocka_unit_test(test_escape_controls),
		cmocka_unit_test(test_escape_utf8_valid),
		cmocka_unit_test(test_escape_utf8_invalid),
		cmocka_unit_test(test_escape_never_valid_bytes),
		cmocka_unit_test(test_escape_random),
		cmocka_unit_test(test_escape_matches_reference),
		cmocka_unit_test(test_roundtrip_valid),
		cmocka_unit_test(test_structure),
		cmocka_unit_test(test_doubles),
		cmocka_unit_test(test_sticky_errors),
		cmocka_unit_test(test_reuse),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
