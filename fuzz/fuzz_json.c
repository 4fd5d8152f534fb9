/*
 * fuzz_json.c — libFuzzer target for the JSON writer: a round trip through
 * jansson.
 *
 * Input format: byte 0 chooses options (bit 0: write into a small capped
 * buffer to exercise the sticky-error path); then records of one length
 * byte and that many bytes, each used both as an object key and as a
 * string. The writer's output must always be valid JSON (jansson parses
 * it); every string that is valid UTF-8 (jansson's own check, json_stringn)
 * must decode to exactly the input bytes; every other string must decode
 * to something holding the "\xNN" text. Keys are C strings: they are
 * compared up to their first NUL.
 */
#include "core/compat.h"
#include "core/json.h"
#include "core/error.h"

#include <jansson.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_FIELDS 64

/* Does the decoded string hold the text "\x"? */
static bool has_hex_escape(const char *s, size_t n)
{
	for (size_t i = 0; i + 1 < n; i++)
		if (s[i] == '\\' && s[i + 1] == 'x')
			return true;
	return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *str[MAX_FIELDS];
	size_t len[MAX_FIELDS], n = 0, pos = 1;
	char key[300];
	struct mm_buf b;
	struct mm_json j;
	json_t *root = NULL, *arr, *obj;
	json_error_t err;
	int rc;

	if (size == 0)
		return 0;
	while (pos < size && n < MAX_FIELDS) {
		size_t l = data[pos++];
		if (l > size - pos)
			l = size - pos;
		str[n] = data + pos;
		len[n++] = l;
		pos += l;
	}
	mm_buf_init(&b, (data[0] & 1) ? 64 : 0);
	mm_json_init(&j, &b);
	mm_json_object_begin(&j, NULL);
	mm_json_array_begin(&j, "a");
	for (size_t i = 0; i < n; i++)
		mm_json_strn(&j, NULL, str[i], len[i]);
	mm_json_array_end(&j);
	mm_json_object_begin(&j, "o");
	for (size_t i = 0; i < n; i++) {
		memcpy(key, "k", 1);
		snprintf(key + 1, sizeof key - 1, "%zu_", i);
		size_t kl = strlen(key);
		memcpy(key + kl, str[i], len[i]);
		key[kl + len[i]] = '\0';
		mm_json_strn(&j, key, str[i], len[i]);
	}
	mm_json_object_end(&j);
	mm_json_double(&j, "d", (double)size / 3.0);
	mm_json_int(&j, "i", -(int64_t)size);
	mm_json_hex(&j, "h", data, MM_MIN(size, (size_t)16));
	mm_json_object_end(&j);
	rc = mm_json_finish(&j);
	if (rc) {
		/* only the cap may fail, and then the buffer is empty */
		if (rc != MM_ELIMIT || !(data[0] & 1) || b.len != 0)
			abort();
		goto out;
	}
	root = json_loadb(b.ptr, b.len, JSON_ALLOW_NUL, &err);
	if (!root)
		abort();
	arr = json_object_get(root, "a");
	obj = json_object_get(root, "o");
	if (json_array_size(arr) != n || !obj)
		abort();
	for (size_t i = 0; i < n; i++) {
		json_t *got = json_array_get(arr, i);
		json_t *ref = json_stringn((const char *)str[i], len[i]);
		const char *gs = json_string_value(got);
		if (!gs)
			abort();
		if (ref) {
			if (json_string_length(got) != len[i] ||
			    memcmp(gs, str[i], len[i]) != 0)
				abort();
		} else if (!has_hex_escape(gs, json_string_length(got))) {
			abort();
		}
		json_decref(ref);
	}
	if (json_object_size(obj) != n)
		abort();
out:
	json_decref(root);
	mm_buf_release(&b);
	return 0;
}
