/*
 * json.h — mamori's own JSON writer.
 *
 * Writes compact JSON into a struct mm_buf, in the order the caller gives
 * (the alert's key order is part of its format). Strings may hold any bytes
 * an attacker controls: valid UTF-8 is copied, control characters and
 * quote/backslash are escaped (\n \r \t \b \f, else \u00XX; NUL is
 * \u0000), U+2028/U+2029 are written \u2028/\u2029 (safe to paste into
 * JavaScript), DEL is copied, and every byte that is not part of valid
 * UTF-8 (lone continuation bytes, truncated sequences, overlongs,
 * surrogates, code points past U+10FFFF, C0/C1/F5..FF) is written as the
 * four-character text "\xNN" (lowercase hex; "\\xNN" in the JSON source),
 * so the original byte value survives and the output is always valid UTF-8
 * JSON.
 *
 * The writer tracks nesting (up to MM_JSON_MAX_DEPTH) and inserts commas
 * itself. Errors are sticky: after the first failure every call is a no-op
 * and mm_json_finish() returns the error. Failures: the buffer's cap
 * (MM_ELIMIT; the buffer is then empty, as mm_buf frees itself), nesting
 * too deep (MM_ELIMIT), and misuse (MM_ESTATE): a key missing inside an
 * object or given inside an array, a second value at top level, a closer
 * that does not match. mm_json_double() writes null for NaN and infinities.
 *
 * Speed: output is staged on the stack and appended in large pieces (about
 * one append per value); nothing is allocated beyond the growth of the
 * caller's buffer, which should be reused (mm_buf_reset) between records.
 *
 * Threading: one writer per thread.
 */
#ifndef MM_JSON_H
#define MM_JSON_H

#include "core/buf.h"

#define MM_JSON_MAX_DEPTH 32

struct mm_json {
	struct mm_buf *out;
	int err;
	int depth;
	/* per level: 1 when the next value needs a comma before it */
	uint8_t need_comma[MM_JSON_MAX_DEPTH];
	uint8_t in_object[MM_JSON_MAX_DEPTH];
};

void mm_json_init(struct mm_json *j, struct mm_buf *out);
/* 0, or the first error met; also fails if objects are left open. */
int mm_json_finish(struct mm_json *j);

/* key may be NULL inside arrays (and at top level). */
void mm_json_object_begin(struct mm_json *j, const char *key);
void mm_json_object_end(struct mm_json *j);
void mm_json_array_begin(struct mm_json *j, const char *key);
void mm_json_array_end(struct mm_json *j);

void mm_json_str(struct mm_json *j, const char *key, const char *s);
void mm_json_strn(struct mm_json *j, const char *key, const void *s, size_t len);
void mm_json_int(struct mm_json *j, const char *key, int64_t v);
void mm_json_uint(struct mm_json *j, const char *key, uint64_t v);
void mm_json_double(struct mm_json *j, const char *key, double v);
void mm_json_bool(struct mm_json *j, const char *key, bool v);
void mm_json_null(struct mm_json *j, const char *key);
/* Inserts already-valid JSON text as the value (caller guarantees it). */
void mm_json_raw(struct mm_json *j, const char *key, const char *json, size_t len);
/* A string value made of data written as lowercase hex. */
void mm_json_hex(struct mm_json *j, const char *key, const void *data, size_t len);

/* Appends the escaped form of s (without quotes) to b; the escaping of
 * mm_json_strn. Returns 0 or an MM_E* code. */
int mm_json_escape(struct mm_buf *b, const void *s, size_t len);

#endif
