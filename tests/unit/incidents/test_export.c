/*
 * test_export.c — deterministic ids (UUIDv5 against RFC 4122's example
 * namespace, stable alert ids that ignore event.ingested), the STIX 2.1
 * bundle's shape and pattern escaping, and the ATT&CK layer.
 */
#include "core/compat.h"
#include "incidents/internal.h"
#include "helpers.h"

#include <setjmp.h>
#include <cmocka.h>
#include <jansson.h>

static void test_uuid5(void **state)
{
	/* the DNS namespace 6ba7b810-9dad-11d1-80b4-00c04fd430c8 */
	static const uint8_t dns[16] = { 0x6b, 0xa7, 0xb8, 0x10, 0x9d, 0xad, 0x11, 0xd1,
					 0x80, 0xb4, 0x00, 0xc0, 0x4f, 0xd4, 0x30, 0xc8 };
	char out[37];

	(void)state;
	incidents_uuid5(dns, "python.org", 10, out);
	assert_string_equal(out, "886313e1-3b8a-5372-9b90-0c9aee199e5d");
}

static void test_stable_id(void **state)
{
	const char *a = "{\"@timestamp\":\"2023-01-01T00:00:00Z\",\"event\":{\"kind\":\"alert\","
			"\"ingested\":\"2026-11-25T20:00:00Z\"},\"rule\":{\"id\":\"x\"}}";
	const char *b = "{\"@timestamp\":\"2023-01-01T00:00:00Z\",\"event\":{\"kind\":\"alert\","
			"\"ingested\":\"2026-11-26T21:00:00Z\"},\"rule\":{\"id\":\"x\"}}";
	const char *c = "{\"@timestamp\":\"2023-01-01T00:00:00Z\",\"event\":{\"kind\":\"alert\"},"
			"\"rule\":{\"id\":\"y\"}}";
	char ia[65], ib[65], ic[65], in[65];

	(void)state;
	assert_int_equal(incidents_stable_id(a, strlen(a), ia), 0);
	assert_int_equal(incidents_stable_id(b, strlen(b), ib), 0);
	assert_int_equal(incidents_stable_id(c, strlen(c), ic), 0);
	assert_int_equal(incidents_stable_id("not json", 8, in), 0);
	assert_string_equal(ia, ib);
	assert_string_not_equal(ia, ic);
	assert_int_equal(strlen(ia), 64);
	assert_int_equal(strlen(in), 64);
}

static void test_stix_and_layer(void **state)
{
	char path[256];
	int64_t run;
	struct mm_store *st = th_store(path, sizeof(path), &run);
	struct incident_db *db = NULL;
	struct mm_buf b, b2;
	json_t *root, *objs, *o;
	json_error_t e;
	size_t i;
	int indicators = 0, saw_quote = 0, saw_pool = 0;

	(void)state;
	assert_non_null(st);
	assert_int_equal(th_add(st, run, &(struct th_alert){ .ts_s = 1700000000, .src = "192.0.2.5",
		.dst = "203.0.113.20", .category = "miner", .protocol = "stratum", .level = MM_LEVEL_HIGH,
		.evidence = "{\"pool\":\"pool.example.net:3333\",\"url\":\"http://x.example/it's\\\\\"}" }), 0);
	mm_store_close(st);
	assert_int_equal(incident_db_open(&db, path, NULL), 0);
	assert_int_equal(incident_db_correlate(db, 0, NULL, NULL), 0);
	mm_buf_init(&b, 1u << 24);
	mm_buf_init(&b2, 1u << 24);
	assert_int_equal(incidents_export_stix(db, 0, &b), 0);
	assert_int_equal(incidents_export_stix(db, 0, &b2), 0);
	/* deterministic: the same store gives the same bytes */
	assert_int_equal(b.len, b2.len);
	assert_memory_equal(b.ptr, b2.ptr, b.len);
	root = json_loadb(b.ptr, b.len, 0, &e);
	assert_non_null(root);
	assert_string_equal(json_string_value(json_object_get(root, "type")), "bundle");
	assert_int_equal(strncmp(json_string_value(json_object_get(root, "id")), "bundle--", 8), 0);
	assert_string_not_equal(json_string_value(json_object_get(root, "id")),
				"bundle--00000000-0000-5000-8000-000000000000");
	objs = json_object_get(root, "objects");
	json_array_foreach(objs, i, o) {
		const char *type = json_string_value(json_object_get(o, "type"));
		const char *id = json_string_value(json_object_get(o, "id"));
		const char *pat;

		assert_string_equal(json_string_value(json_object_get(o, "spec_version")), "2.1");
		assert_non_null(id);
		assert_int_equal(strlen(id), strlen(type) + 2 + 36);
		assert_int_equal(id[strlen(type) + 2 + 14], '5');	/* version 5 */
		if (strcmp(type, "indicator"))
			continue;
		indicators++;
		pat = json_string_value(json_object_get(o, "pattern"));
		assert_non_null(pat);
		assert_int_equal(pat[0], '[');
		assert_int_equal(pat[strlen(pat) - 1], ']');
		assert_string_equal(json_string_value(json_object_get(o, "pattern_type")), "stix");
		assert_non_null(json_object_get(o, "valid_from"));
		assert_non_null(json_object_get(o, "created"));
		if (strstr(pat, "it\\'s\\\\"))
			saw_quote = 1;
		if (strstr(pat, "network-traffic:dst_ref.value = 'pool.example.net' AND network-traffic:dst_port = 3333"))
			saw_pool = 1;
	}
	assert_int_equal(indicators, 4);	/* ip, pool, domain, url */
	assert_true(saw_quote);
	assert_true(saw_pool);
	json_decref(root);

	mm_buf_reset(&b);
	assert_int_equal(incidents_export_attack(db, 0, &b), 0);
	root = json_loadb(b.ptr, b.len, 0, &e);
	assert_non_null(root);
	assert_string_equal(json_string_value(json_object_get(root, "domain")), "enterprise-attack");
	o = json_array_get(json_object_get(root, "techniques"), 0);
	assert_string_equal(json_string_value(json_object_get(o, "techniqueID")), "T1210");
	assert_int_equal(json_integer_value(json_object_get(o, "score")), 1);
	json_decref(root);
	mm_buf_release(&b);
	mm_buf_release(&b2);
	incident_db_close(db);
	th_remove(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_uuid5),
		cmocka_unit_test(test_stable_id),
		cmocka_unit_test(test_stix_and_layer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
