/*
 * test_alert.c — levels, resolved getters and the exact JSON of an alert
 * (golden strings: key order, omitted keys, meta fallbacks and overrides).
 */
#include "core/compat.h"
#include "core/alert.h"
#include "core/catalogue.h"
#include "core/error.h"

#include <setjmp.h>
#include <cmocka.h>
#include <jansson.h>

static void test_levels(void **state)
{
	(void)state;
	assert_string_equal(mm_level_name(MM_LEVEL_INFORMATIONAL), "informational");
	assert_string_equal(mm_level_name(MM_LEVEL_CRITICAL), "critical");
	assert_string_equal(mm_level_name((enum mm_level)42), "unknown");
	assert_int_equal(mm_level_parse("HIGH"), MM_LEVEL_HIGH);
	assert_int_equal(mm_level_parse("info"), MM_LEVEL_INFORMATIONAL);
	assert_int_equal(mm_level_parse("Crit"), MM_LEVEL_CRITICAL);
	assert_int_equal(mm_level_parse("low"), MM_LEVEL_LOW);
	assert_int_equal(mm_level_parse("medium"), MM_LEVEL_MEDIUM);
	assert_int_equal(mm_level_parse("severe"), -1);
	assert_int_equal(mm_level_parse(""), -1);
	assert_int_equal(mm_level_parse(NULL), -1);
	assert_int_equal(mm_level_severity(MM_LEVEL_INFORMATIONAL), 21);
	assert_int_equal(mm_level_severity(MM_LEVEL_LOW), 47);
	assert_int_equal(mm_level_severity(MM_LEVEL_MEDIUM), 63);
	assert_int_equal(mm_level_severity(MM_LEVEL_HIGH), 73);
	assert_int_equal(mm_level_severity(MM_LEVEL_CRITICAL), 99);
}

static void to_json(const struct mm_alert *a, const struct mm_alert_json_opts *o,
		    struct mm_buf *b)
{
	json_t *v;

	mm_buf_init(b, 0);
	assert_int_equal(mm_alert_to_json(a, o, b), 0);
	v = json_loadb(b->ptr, b->len, 0, NULL);
	assert_non_null(v);
	json_decref(v);
}

static void test_minimal(void **state)
{
	struct mm_alert a;
	struct mm_buf b;

	(void)state;
	mm_alert_init(&a);
	assert_int_equal(a.file_size, -1);
	assert_null(a.meta);
	assert_string_equal(mm_alert_rule_id(&a), "unknown");
	assert_int_equal(mm_alert_level(&a), MM_LEVEL_MEDIUM);
	a.rule_id = "mamori.test.x";
	to_json(&a, NULL, &b);
	assert_string_equal(b.ptr,
		"{\"event\":{\"kind\":\"alert\",\"severity\":63},"
		"\"rule\":{\"id\":\"mamori.test.x\",\"name\":\"mamori.test.x\"},"
		"\"mamori\":{\"level\":\"medium\"},"
		"\"observer\":{\"product\":\"mamori\",\"version\":\"0.1.0\"}}");
	mm_buf_release(&b);
}

static void test_full(void **state)
{
	struct mm_alert a;
	struct mm_alert_json_opts o = { 0 };
	struct mm_buf b;

	(void)state;
	mm_alert_init(&a);
	a.timestamp_us = INT64_C(1494572611123456);
	a.module = "net";
	a.rule_id = "mamori.net.smb.ms17-010.eternalblue";
	a.rule_name = "MS17-010 EternalBlue exploitation attempt";
	a.ruleset = "builtin";
	a.category = "exploit";
	a.references[0] = "CVE-2017-0144";
	a.references[1] = "CVE-2017-0145";
	a.techniques[0] = "T1210";
	a.tactics[0] = "lateral-movement";
	a.has_level = 1;
	a.level = MM_LEVEL_HIGH;
	a.family = "eternalblue";
	a.reason = "Trans2 SESSION_SETUP with \"odd\" timeout";
	a.evidence_json = "{\"frames\":[12,13]}";
	a.src_ip = "192.0.2.1";
	a.src_port = 49157;
	a.dst_ip = "192.0.2.5";
	a.dst_port = 445;
	a.transport = "tcp";
	a.protocol = "smb";
	a.community_id = "1:abc=";
	a.file_path = "cap\xff.pcap";
	a.file_size = 1234;
	a.file_sha256 = "00ff";
	a.host_name = "sensor1";
	a.user_name = "bob";
	a.process_name = "smbd";
	a.url = "http://x/";
	o.ingested_us = INT64_C(1600000000000000);
	o.observer_version = "9.9";
	o.default_host = "ignored";
	to_json(&a, &o, &b);
	assert_string_equal(b.ptr,
		"{\"@timestamp\":\"2017-05-12T07:03:31.123456Z\","
		"\"event\":{\"kind\":\"alert\",\"module\":\"net\",\"severity\":73,"
		"\"ingested\":\"2020-09-13T12:26:40.000000Z\"},"
		"\"rule\":{\"id\":\"mamori.net.smb.ms17-010.eternalblue\","
		"\"name\":\"MS17-010 EternalBlue exploitation attempt\",\"ruleset\":\"builtin\","
		"\"category\":\"exploit\",\"reference\":[\"CVE-2017-0144\",\"CVE-2017-0145\"]},"
		"\"threat\":{\"technique\":{\"id\":[\"T1210\"]},\"tactic\":{\"name\":[\"lateral-movement\"]}},"
		"\"mamori\":{\"level\":\"high\",\"family\":\"eternalblue\","
		"\"reason\":\"Trans2 SESSION_SETUP with \\\"odd\\\" timeout\","
		"\"evidence\":{\"frames\":[12,13]}},"
		"\"source\":{\"ip\":\"192.0.2.1\",\"port\":49157},"
		"\"destination\":{\"ip\":\"192.0.2.5\",\"port\":445},"
		"\"network\":{\"transport\":\"tcp\",\"protocol\":\"smb\",\"community_id\":\"1:abc=\"},"
		"\"file\":{\"path\":\"cap\\\\xff.pcap\",\"size\":1234,\"hash\":{\"sha256\":\"00ff\"}},"
		"\"host\":{\"name\":\"sensor1\"},\"user\":{\"name\":\"bob\"},"
		"\"process\":{\"name\":\"smbd\"},\"url\":{\"full\":\"http://x/\"},"
		"\"observer\":{\"product\":\"mamori\",\"version\":\"9.9\"}}");
	mm_buf_release(&b);
}

static void test_meta_fallback_and_override(void **state)
{
	struct mm_catalogue *c = mm_catalogue_new();
	struct mm_rule_meta m = { 0 };
	const struct mm_rule_meta *e;
	struct mm_alert a;
	struct mm_alert_json_opts o = { 0 };
	struct mm_buf b;

	(void)state;
	m.id = "mamori.files.miner.config";
	m.name = "Miner configuration file";
	m.engine = "files";
	m.ruleset = "builtin";
	m.category = "miner";
	m.level = MM_LEVEL_HIGH;
	m.references[0] = "https://example.org/ref";
	m.techniques[0] = "T1496";
	m.tactics[0] = "impact";
	assert_int_equal(mm_catalogue_add(c, &m, &e), 0);

	mm_alert_init(&a);
	a.meta = e;
	o.default_host = "h1";
	o.observer_version = "0.1.0";
	to_json(&a, &o, &b);
	assert_string_equal(b.ptr,
		"{\"event\":{\"kind\":\"alert\",\"module\":\"files\",\"severity\":73},"
		"\"rule\":{\"id\":\"mamori.files.miner.config\",\"name\":\"Miner configuration file\","
		"\"ruleset\":\"builtin\",\"category\":\"miner\",\"reference\":[\"https://example.org/ref\"]},"
		"\"threat\":{\"technique\":{\"id\":[\"T1496\"]},\"tactic\":{\"name\":[\"impact\"]}},"
		"\"mamori\":{\"level\":\"high\"},"
		"\"host\":{\"name\":\"h1\"},"
		"\"observer\":{\"product\":\"mamori\",\"version\":\"0.1.0\"}}");
	mm_buf_release(&b);

	/* explicit fields and lists win; severity explicit; tactics only */
	a.rule_name = "renamed";
	a.category = "stealer";
	a.has_level = 1;
	a.level = MM_LEVEL_LOW;
	a.severity = 50;
	a.references[0] = "r1";
	a.tactics[0] = "collection";
	a.file_size = 0;
	a.src_port = -1;
	a.dst_port = 8080;
	assert_string_equal(mm_alert_rule_name(&a), "renamed");
	assert_int_equal(mm_alert_level(&a), MM_LEVEL_LOW);
	to_json(&a, &o, &b);
	assert_string_equal(b.ptr,
		"{\"event\":{\"kind\":\"alert\",\"module\":\"files\",\"severity\":50},"
		"\"rule\":{\"id\":\"mamori.files.miner.config\",\"name\":\"renamed\","
		"\"ruleset\":\"builtin\",\"category\":\"stealer\",\"reference\":[\"r1\"]},"
		"\"threat\":{\"technique\":{\"id\":[\"T1496\"]},\"tactic\":{\"name\":[\"collection\"]}},"
		"\"mamori\":{\"level\":\"low\"},"
		"\"destination\":{\"port\":8080},"
		"\"file\":{\"size\":0},"
		"\"host\":{\"name\":\"h1\"},"
		"\"observer\":{\"product\":\"mamori\",\"version\":\"0.1.0\"}}");
	mm_buf_release(&b);
	mm_catalogue_free(c);
}

/* A full list (no NULL terminator) is read up to MM_ALERT_MAX_LIST. */
static void test_full_list(void **state)
{
	struct mm_alert a;
	struct mm_buf b;
	json_t *v, *refs;

	(void)state;
	mm_alert_init(&a);
	a.rule_id = "x";
	for (int i = 0; i < MM_ALERT_MAX_LIST; i++)
		a.references[i] = "r";
	mm_buf_init(&b, 0);
	assert_int_equal(mm_alert_to_json(&a, NULL, &b), 0);
	v = json_loadb(b.ptr, b.len, 0, NULL);
	assert_non_null(v);
	refs = json_object_get(json_object_get(v, "rule"), "reference");
	assert_int_equal(json_array_size(refs), MM_ALERT_MAX_LIST);
	json_decref(v);
	mm_buf_release(&b);
}

/* Appends to a buffer holding text already; a failure leaves the buffer as
 * it was or empty (when the buffer freed itself), never half an alert. */
static void test_append_and_limit(void **state)
{
	struct mm_alert a;
	struct mm_buf b;

	(void)state;
	mm_alert_init(&a);
	a.rule_id = "x";
	mm_buf_init(&b, 0);
	assert_int_equal(mm_buf_append_str(&b, "prefix\n"), 0);
	assert_int_equal(mm_alert_to_json(&a, NULL, &b), 0);
	assert_true(strncmp(b.ptr, "prefix\n{\"event\"", 15) == 0);
	mm_buf_release(&b);

	mm_buf_init(&b, 40);
	assert_int_equal(mm_alert_to_json(&a, NULL, &b), MM_ELIMIT);
	assert_int_equal(b.len, 0);
	mm_buf_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_levels),
		cmocka_unit_test(test_minimal),
		cmocka_unit_test(test_full),
		cmocka_unit_test(test_meta_fallback_and_override),
		cmocka_unit_test(test_full_list),
		cmocka_unit_test(test_append_and_limit),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
