/*
 * test_entities.c — what is extracted from one alert: entities and
 * indicators (normalised, deduplicated, validated wallets only), which
 * are correlation keys (the victim side), the stage and the step phrase.
 */
#include "core/compat.h"
#include "incidents/internal.h"

#include <setjmp.h>
#include <cmocka.h>

static const struct inc_value *find(const struct inc_extract *x, int role, const char *kind,
				    const char *value)
{
	size_t i;

	for (i = 0; i < x->n_values; i++)
		if (x->values[i].role == role && !strcmp(x->values[i].kind, kind) &&
		    !strcmp(x->values[i].value, value))
			return &x->values[i];
	return NULL;
}

static void extract(struct inc_extract *x, const char *json, const char *host, int level)
{
	memset(x, 0, sizeof(*x));
	x->level = level;
	assert_int_equal(inc_extract_alert(x, json, strlen(json), host), 0);
}

static void test_exploit(void **state)
{
	struct inc_extract x;
	const struct inc_value *v;

	(void)state;
	extract(&x, "{\"rule\":{\"id\":\"r\",\"name\":\"MS17-010 exploitation\",\"category\":\"exploit\"},"
		    "\"threat\":{\"tactic\":{\"name\":[\"lateral-movement\"]}},"
		    "\"event\":{\"module\":\"net\"},"
		    "\"source\":{\"ip\":\"198.51.100.9\"},\"destination\":{\"ip\":\"192.0.2.5\"},"
		    "\"host\":{\"name\":\"Sensor1\"}}", "Sensor1", MM_LEVEL_HIGH);
	/* the attacker is an indicator, not a key; the victim is a key */
	v = find(&x, INC_ROLE_ENTITY, "ip", "198.51.100.9");
	assert_non_null(v);
	assert_false(v->key);
	assert_non_null(find(&x, INC_ROLE_INDICATOR, "ip", "198.51.100.9"));
	v = find(&x, INC_ROLE_ENTITY, "ip", "192.0.2.5");
	assert_non_null(v);
	assert_true(v->key);
	assert_null(find(&x, INC_ROLE_INDICATOR, "ip", "192.0.2.5"));
	/* a network sensor's host name is not a key; normalised lower case */
	v = find(&x, INC_ROLE_ENTITY, "host", "sensor1");
	assert_non_null(v);
	assert_false(v->key);
	/* the category wins over the ATT&CK tactic for the victim's chain */
	assert_int_equal(x.stage, INC_STAGE_INITIAL_ACCESS);
	assert_string_equal(x.step, "MS17-010 exploitation from 198.51.100.9");
	assert_string_equal(x.label, "192.0.2.5");
}

static void test_miner(void **state)
{
	struct inc_extract x;
	const char *wallet = "44AFFq5kSiGBoZ4NMDwYtN18obc8AemS33DBLWs3H7otXft3XjrpDtQGv7SqSsaBYBb98uNbr2VBBEt7f2wfn3RVGQBEP3A";
	char json[2048];
	size_t i, n_wallets = 0;

	(void)state;
	snprintf(json, sizeof(json),
		 "{\"rule\":{\"id\":\"r\",\"name\":\"Stratum session\",\"category\":\"miner\"},"
		 "\"event\":{\"module\":\"net\"},\"mamori\":{\"family\":\"xmrig\",\"evidence\":{"
		 "\"pool\":\"stratum+tcp://POOL.SupportXMR.com:443\",\"login\":\"%s.rig1\","
		 "\"fake\":\"44AFFq5kSiGBoZ4NMDwYtN18obc8AemS33DBLWs3H7otXft3XjrpDtQGv7SqSsaBYBb98uNbr2VBBEt7f2wfn3RVGQBEP3B\","
		 "\"query\":\"Pool.SupportXMR.com.\",\"url\":\"http://dl.example.org/x?y\"}},"
		 "\"source\":{\"ip\":\"192.0.2.5\"},\"destination\":{\"ip\":\"203.0.113.20\",\"port\":443},"
		 "\"network\":{\"protocol\":\"stratum\"},\"file\":{\"hash\":{\"sha256\":\"ABCDEF\"}}}",
		 wallet);
	extract(&x, json, NULL, MM_LEVEL_HIGH);
	assert_non_null(find(&x, INC_ROLE_INDICATOR, "pool", "pool.supportxmr.com:443"));
	assert_non_null(find(&x, INC_ROLE_INDICATOR, "pool", "203.0.113.20:443"));
	assert_non_null(find(&x, INC_ROLE_INDICATOR, "domain", "pool.supportxmr.com"));
	assert_non_null(find(&x, INC_ROLE_INDICATOR, "domain", "dl.example.org"));
	assert_non_null(find(&x, INC_ROLE_INDICATOR, "url", "http://dl.example.org/x?y"));
	assert_non_null(find(&x, INC_ROLE_INDICATOR, "wallet", wallet));
	for (i = 0; i < x.n_values; i++)
		if (!strcmp(x.values[i].kind, "wallet"))
			n_wallets++;
	/* the address with a broken checksum is not reported */
	assert_int_equal(n_wallets, 1);
	/* the pool address is an indicator, the miner host the key */
	assert_false(find(&x, INC_ROLE_ENTITY, "ip", "203.0.113.20")->key);
	assert_true(find(&x, INC_ROLE_ENTITY, "ip", "192.0.2.5")->key);
	assert_true(find(&x, INC_ROLE_ENTITY, "hash", "abcdef")->key);
	assert_non_null(find(&x, INC_ROLE_INDICATOR, "hash", "abcdef"));
	assert_int_equal(x.stage, INC_STAGE_IMPACT);
	assert_non_null(strstr(x.step, "to pool.supportxmr.com:443"));
	assert_non_null(strstr(x.step, "wallet 44AF"));
}

static void test_tactics_and_hosts(void **state)
{
	struct inc_extract x;

	(void)state;
	extract(&x, "{\"rule\":{\"name\":\"Scheduled task\"},\"event\":{\"module\":\"logs\"},"
		    "\"threat\":{\"tactic\":{\"name\":[\"execution\",\"Persistence\"]}},"
		    "\"host\":{\"name\":\"WS05\"},\"user\":{\"name\":\"Bob\"},"
		    "\"process\":{\"name\":\"PowerShell.exe\"}}", "other", MM_LEVEL_HIGH);
	assert_int_equal(x.stage, INC_STAGE_PERSISTENCE);
	assert_true(find(&x, INC_ROLE_ENTITY, "host", "ws05")->key);
	/* the store's column is only a fallback for alerts without host.name */
	assert_null(find(&x, INC_ROLE_ENTITY, "host", "other"));
	assert_false(find(&x, INC_ROLE_ENTITY, "user", "Bob")->key);
	assert_non_null(find(&x, INC_ROLE_ENTITY, "process", "powershell.exe"));
	assert_string_equal(x.label, "WS05");
	assert_int_equal(inc_stage_parse("TA0040"), INC_STAGE_IMPACT);
	assert_int_equal(inc_stage_parse("Command and Control"), INC_STAGE_C2);
	assert_int_equal(inc_stage_parse("nope"), INC_STAGE_NONE);
}

static void test_hostile(void **state)
{
	struct inc_extract x;
	struct mm_buf b;
	size_t i;

	(void)state;
	memset(&x, 0, sizeof(x));
	assert_int_equal(inc_extract_alert(&x, "{\"rule\":", 8, "h1"), MM_ECORRUPT);
	assert_non_null(find(&x, INC_ROLE_ENTITY, "host", "h1"));
	/* many values: capped and counted */
	mm_buf_init(&b, 1u << 20);
	mm_buf_append_str(&b, "{\"event\":{\"module\":\"net\"},\"mamori\":{\"evidence\":{\"q\":[");
	for (i = 0; i < 100; i++)
		mm_buf_appendf(&b, "%s{\"query\":\"h%zu.example.com\"}", i ? "," : "", i);
	mm_buf_append_str(&b, "]}}}");
	memset(&x, 0, sizeof(x));
	assert_int_equal(inc_extract_alert(&x, b.ptr, b.len, NULL), 0);
	assert_int_equal(x.n_values, INC_MAX_VALUES);
	assert_true(x.dropped > 0);
	mm_buf_release(&b);
	/* not domains */
	memset(&x, 0, sizeof(x));
	extract(&x, "{\"mamori\":{\"evidence\":{\"query\":\"1.2.3.4\",\"sni\":\"a..b\","
		    "\"domain\":\"<script>.x\"}}}", NULL, 2);
	assert_int_equal(x.n_values, 0);
}

static void test_map(void **state)
{
	struct inc_map m;
	bool found;
	char k[32];
	int i;

	(void)state;
	inc_map_init(&m);
	for (i = 0; i < 5000; i++) {
		snprintf(k, sizeof(k), "key%d", i);
		*inc_map_put(&m, k, 0, &found) = i;
		assert_false(found);
	}
	for (i = 0; i < 5000; i++) {
		snprintf(k, sizeof(k), "key%d", i);
		assert_int_equal(*inc_map_get(&m, k), i);
	}
	assert_null(inc_map_get(&m, "nope"));
	inc_map_put(&m, "key7", 0, &found);
	assert_true(found);
	inc_map_release(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exploit),
		cmocka_unit_test(test_miner),
		cmocka_unit_test(test_tactics_and_hosts),
		cmocka_unit_test(test_hostile),
		cmocka_unit_test(test_map),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
