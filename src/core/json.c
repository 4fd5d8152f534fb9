/*
 * json.c — mamori's JSON writer (see json.h for the contract).
 *
 * Purpose: every alert and record leaves mamori through this file, and most
 * of the strings in them (paths, URLs, user names, matched bytes) are chosen
 * by an attacker. The escaper therefore validates UTF-8 itself, byte by
 * byte, to RFC 3629: overlongs, surrogates (ED A0..BF), code points past
 * U+10FFFF (F4 90.., F5..FF) and truncated or lone continuation bytes are
 * never copied; each such byte becomes the text "\xNN" (lowercase hex), so
 * the output is always valid UTF-8 JSON and the original byte value is
 * still readable. Control characters and NUL use the JSON escapes; DEL is
 * copied raw; U+2028/U+2029 are written \u2028/\u2029 so the output can be
 * pasted into JavaScript.
 *
 * Speed: runs of bytes that need no escaping are copied with one append;
 * no allocation happens beyond the growth of the caller's (reused) buffer.
 *
 * Ownership: the writer borrows the caller's struct mm_buf. Errors are
 * sticky (the first one is kept; the buffer is then empty, as mm_buf frees
 * itself on a failed append). Threading: one writer per thread.
 */
#include "core/compat.h"
#include "core/json.h"
#include "core/error.h"

#include <math.h>

static const char hexdig[] = "0123456789abcdef";

/* 1: the ASCII byte is copied as is; 0: it needs an escape or it is the
 * start of a multi-byte sequence (>= 0x80). */
static const uint8_t plain[256] = {
	/* 0x00..0x1f: controls */
	[0x20] = 1, [0x21] = 1, [0x23] = 1, [0x24] = 1, [0x25] = 1, [0x26] = 1,
	[0x27] = 1, [0x28] = 1, [0x29] = 1, [0x2a] = 1, [0x2b] = 1, [0x2c] = 1,
	[0x2d] = 1, [0x2e] = 1, [0x2f] = 1, [0x30] = 1, [0x31] = 1, [0x32] = 1,
	[0x33] = 1, [0x34] = 1, [0x35] = 1, [0x36] = 1, [0x37] = 1, [0x38] = 1,
	[0x39] = 1, [0x3a] = 1, [0x3b] = 1, [0x3c] = 1, [0x3d] = 1, [0x3e] = 1,
	[0x3f] = 1, [0x40] = 1, [0x41] = 1, [0x42] = 1, [0x43] = 1, [0x44] = 1,
	[0x45] = 1, [0x46] = 1, [0x47] = 1, [0x48] = 1, [0x49] = 1, [0x4a] = 1,
	[0x4b] = 1, [0x4c] = 1, [0x4d] = 1, [0x4e] = 1, [0x4f] = 1, [0x50] = 1,
	[0x51] = 1, [0x52] = 1, [0x53] = 1, [0x54] = 1, [0x55] = 1, [0x56] = 1,
	[0x57] = 1, [0x58] = 1, [0x59] = 1, [0x5a] = 1, [0x5b] = 1,
	/* 0x5c backslash */
	[0x5d] = 1, [0x5e] = 1, [0x5f] = 1, [0x60] = 1, [0x61] = 1, [0x62] = 1,
	[0x63] = 1, [0x64] = 1, [0x65] = 1, [0x66] = 1, [0x67] = 1, [0x68] = 1,
	[0x69] = 1, [0x6a] = 1, [0x6b] = 1, [0x6c] = 1, [0x6d] = 1, [0x6e] = 1,
	[0x6f] = 1, [0x70] = 1, [0x71] = 1, [0x72] = 1, [0x73] = 1, [0x74] = 1,
	[0x75] = 1, [0x76] = 1, [0x77] = 1, [0x78] = 1, [0x79] = 1, [0x7a] = 1,
	[0x7b] = 1, [0x7c] = 1, [0x7d] = 1, [0x7e] = 1, [0x7f] = 1,
};

/*
 * Length of the valid UTF-8 sequence starting at p[0] (>= 0x80), or 0 when
 * p[0] does not start one within the n bytes available (RFC 3629 table 3-7).
 */
static size_t utf8_len(const uint8_t *p, size_t n)
{
	uint8_t c = p[0];
	uint8_t lo = 0x80, hi = 0xbf;
	size_t len;

	if (c >= 0xc2 && c <= 0xdf) {
		len = 2;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		if (c == 0xe0)
			lo = 0xa0;
		else if (c == 0xed)
			hi = 0x9f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		if (c == 0xf0)
			lo = 0x90;
		else if (c == 0xf4)
			hi = 0x8f;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	if (p[1] < lo || p[1] > hi)
		return 0;
	for (size_t i = 2; i < len; i++)
		if (p[i] < 0x80 || p[i] > 0xbf)
			return 0;
	return len;
}

#define ONES UINT64_C(0x0101010101010101)
#define HIGHS UINT64_C(0x8080808080808080)

/* Nonzero when some byte of x is zero. */
static uint64_t has_zero(uint64_t x)
{
	return (x - ONES) & ~x & HIGHS;
}

/* True when the 8 bytes at p are all copied as they are: 0x20..0x7f, and
 * neither '"' nor '\\'. */
static bool swar_plain(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	if ((v | (v - ONES * 0x20)) & HIGHS)
		return false;
	return !has_zero(v ^ (ONES * '"')) && !has_zero(v ^ (ONES * '\\'));
}

/*
 * Output is staged in a small stack buffer and appended to the caller's
 * mm_buf in large pieces: one value (comma, key, escaped string) usually
 * costs one append. After the first failed append the stage stops writing
 * (the mm_buf has freed itself), so no partial text can follow an error.
 */
#define STAGE_SIZE 2048

struct stage {
	struct mm_buf *out;
	int err;
	size_t n;
	char buf[STAGE_SIZE];
};

static void st_init(struct stage *st, struct mm_buf *out, int err)
{
	st->out = out;
	st->err = err;
	st->n = 0;
}

static void st_flush(struct stage *st)
{
	if (st->n && !st->err)
		st->err = mm_buf_append(st->out, st->buf, st->n);
	st->n = 0;
}

static void st_put(struct stage *st, const void *p, size_t n)
{
	if (st->err)
		return;
	if (n > STAGE_SIZE - st->n) {
		st_flush(st);
		if (n > STAGE_SIZE / 2) {
			/* big runs go straight to the buffer */
			if (!st->err)
				st->err = mm_buf_append(st->out, p, n);
			return;
		}
	}
	memcpy(st->buf + st->n, p, n);
	st->n += n;
}

static void st_byte(struct stage *st, char c)
{
	if (st->n == STAGE_SIZE)
		st_flush(st);
	if (!st->err)
		st->buf[st->n++] = c;
}

/* The escaping of json.h, into the stage. */
static void escape(struct stage *st, const uint8_t *p, size_t len)
{
	size_t i = 0, run = 0;
	char esc[8];
	size_t esc_len;

	while (i < len) {
		uint8_t c = p[i];

		if (len - i >= 8 && swar_plain(p + i)) {
			i += 8;
			continue;
		}
		if (plain[c]) {
			i++;
			continue;
		}
		if (c >= 0x80) {
			size_t n = utf8_len(p + i, len - i);
			/* U+2028/U+2029 (E2 80 A8/A9) are escaped for JS */
			if (n && !(n == 3 && c == 0xe2 && p[i + 1] == 0x80 &&
				   (p[i + 2] == 0xa8 || p[i + 2] == 0xa9))) {
				i += n;
				continue;
			}
			if (n) {
				memcpy(esc, p[i + 2] == 0xa8 ? "\\u2028" : "\\u2029", 6);
				esc_len = 6;
				n = 3;
			} else {
				esc[0] = '\\';
				esc[1] = '\\';
				esc[2] = 'x';
				esc[3] = hexdig[c >> 4];
				esc[4] = hexdig[c & 15];
				esc_len = 5;
				n = 1;
			}
			st_put(st, p + run, i - run);
			st_put(st, esc, esc_len);
			i += n;
			run = i;
			continue;
		}
		esc[0] = '\\';
		esc_len = 2;
		switch (c) {
		case '"': esc[1] = '"'; break;
		case '\\': esc[1] = '\\'; break;
		case '\n': esc[1] = 'n'; break;
		case '\r': esc[1] = 'r'; break;
		case '\t': esc[1] = 't'; break;
		case '\b': esc[1] = 'b'; break;
		case '\f': esc[1] = 'f'; break;
		default:
			esc[1] = 'u';
			esc[2] = '0';
			esc[3] = '0';
			esc[4] = hexdig[c >> 4];
			esc[5] = hexdig[c & 15];
			esc_len = 6;
			break;
		}
		st_put(st, p + run, i - run);
		st_put(st, esc, esc_len);
		i++;
		run = i;
	}
	st_put(st, p + run, i - run);
}

int mm_json_escape(struct mm_buf *b, const void *s, size_t len)
{
	struct stage st;

	if (len == 0)
		return 0;
	if (!s)
		return MM_EINVAL;
	st_init(&st, b, 0);
	escape(&st, s, len);
	st_flush(&st);
	return st.err;
}

void mm_json_init(struct mm_json *j, struct mm_buf *out)
{
	j->out = out;
	j->err = 0;
	j->depth = 0;
	memset(j->need_comma, 0, sizeof j->need_comma);
	memset(j->in_object, 0, sizeof j->in_object);
}

int mm_json_finish(struct mm_json *j)
{
	if (j->err)
		return j->err;
	if (j->depth != 0)
		return MM_ESTATE;
	return 0;
}

static void fail(struct mm_json *j, int err)
{
	if (!j->err)
		j->err = err;
}

static void quoted(struct stage *st, const void *s, size_t len)
{
	st_byte(st, '"');
	escape(st, s, len);
	st_byte(st, '"');
}

/*
 * Starts a value: checks that it may go here, then stages the comma and,
 * inside objects, the key. Returns false (and sets the sticky error) when
 * the value may not go here; the caller then writes nothing.
 */
static bool begin_value(struct mm_json *j, const char *key, struct stage *st)
{
	int d = j->depth;

	st_init(st, j->out, j->err);
	if (j->err)
		return false;
	if (d == 0) {
		/* one value at top level; a key there is a caller bug */
		if (j->need_comma[0] || key) {
			fail(j, MM_ESTATE);
			return false;
		}
		j->need_comma[0] = 1;
		return true;
	}
	if (j->in_object[d] != (key != NULL)) {
		fail(j, MM_ESTATE);
		return false;
	}
	if (j->need_comma[d])
		st_byte(st, ',');
	j->need_comma[d] = 1;
	if (key) {
		quoted(st, key, strlen(key));
		st_byte(st, ':');
	}
	return true;
}

/* Ends a value: writes what is staged; a failure becomes sticky. */
static void end_value(struct mm_json *j, struct stage *st)
{
	st_flush(st);
	if (st->err)
		fail(j, st->err);
}

static void open_level(struct mm_json *j, const char *key, bool object)
{
	struct stage st;

	if (!begin_value(j, key, &st))
		return;
	if (j->depth + 1 >= MM_JSON_MAX_DEPTH) {
		fail(j, MM_ELIMIT);
		return;
	}
	st_byte(&st, object ? '{' : '[');
	end_value(j, &st);
	if (j->err)
		return;
	j->depth++;
	j->need_comma[j->depth] = 0;
	j->in_object[j->depth] = object;
}

static void close_level(struct mm_json *j, bool object)
{
	int rc;

	if (j->err)
		return;
	if (j->depth == 0 || j->in_object[j->depth] != object) {
		fail(j, MM_ESTATE);
		return;
	}
	rc = mm_buf_append_byte(j->out, object ? '}' : ']');
	if (rc) {
		fail(j, rc);
		return;
	}
	j->depth--;
}

void mm_json_object_begin(struct mm_json *j, const char *key)
{
	open_level(j, key, true);
}

void mm_json_object_end(struct mm_json *j)
{
	close_level(j, true);
}

void mm_json_array_begin(struct mm_json *j, const char *key)
{
	open_level(j, key, false);
}

void mm_json_array_end(struct mm_json *j)
{
	close_level(j, false);
}

void mm_json_strn(struct mm_json *j, const char *key, const void *s, size_t len)
{
	struct stage st;

	if (!s && len) {
		if (!j->err)
			fail(j, MM_EINVAL);
		return;
	}
	if (!begin_value(j, key, &st))
		return;
	quoted(&st, s ? s : "", len);
	end_value(j, &st);
}

void mm_json_str(struct mm_json *j, const char *key, const char *s)
{
	if (!s) {
		mm_json_null(j, key);
		return;
	}
	mm_json_strn(j, key, s, strlen(s));
}

/* A value made of plain text (numbers, literals). */
static void literal(struct mm_json *j, const char *key, const char *text, size_t len)
{
	struct stage st;

	if (!begin_value(j, key, &st))
		return;
	st_put(&st, text, len);
	end_value(j, &st);
}

/* Decimal digits of v into the end of buf; returns the start. */
static char *utoa_end(uint64_t v, char *end)
{
	do {
		*--end = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	return end;
}

void mm_json_uint(struct mm_json *j, const char *key, uint64_t v)
{
	char buf[24];
	char *p = utoa_end(v, buf + sizeof buf);

	literal(j, key, p, (size_t)(buf + sizeof buf - p));
}

void mm_json_int(struct mm_json *j, const char *key, int64_t v)
{
	char buf[24];
	char *p;
	uint64_t u;

	/* negate in unsigned arithmetic: INT64_MIN has no positive twin */
	u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
	p = utoa_end(u, buf + sizeof buf);
	if (v < 0)
		*--p = '-';
	literal(j, key, p, (size_t)(buf + sizeof buf - p));
}

void mm_json_double(struct mm_json *j, const char *key, double v)
{
	char buf[40];
	int n;

	if (!isfinite(v)) {
		literal(j, key, "null", 4);
		return;
	}
	/* shortest of %.15g/%.17g that reads back as the same double */
	n = snprintf(buf, sizeof buf, "%.15g", v);
	if (n > 0 && (size_t)n < sizeof buf && strtod(buf, NULL) != v)
		n = snprintf(buf, sizeof buf, "%.17g", v);
	if (n <= 0 || (size_t)n >= sizeof buf) {
		fail(j, MM_EINVAL);
		return;
	}
	/* a locale with a decimal comma must not break the JSON */
	for (int i = 0; i < n; i++)
		if (buf[i] == ',')
			buf[i] = '.';
	literal(j, key, buf, (size_t)n);
}

void mm_json_bool(struct mm_json *j, const char *key, bool v)
{
	if (v)
		literal(j, key, "true", 4);
	else
		literal(j, key, "false", 5);
}

void mm_json_null(struct mm_json *j, const char *key)
{
	literal(j, key, "null", 4);
}

void mm_json_raw(struct mm_json *j, const char *key, const char *json, size_t len)
{
	if (!json || len == 0)
		literal(j, key, "null", 4);
	else
		literal(j, key, json, len);
}

void mm_json_hex(struct mm_json *j, const char *key, const void *data, size_t len)
{
	const uint8_t *p = data;
	struct stage st;

	if (!p && len) {
		if (!j->err)
			fail(j, MM_EINVAL);
		return;
	}
	if (!begin_value(j, key, &st))
		return;
	st_byte(&st, '"');
	for (size_t i = 0; i < len; i++) {
		st_byte(&st, hexdig[p[i] >> 4]);
		st_byte(&st, hexdig[p[i] & 15]);
	}
	st_byte(&st, '"');
	end_value(j, &st);
}
