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

/* The correlation reads alerts through SQLite's JSON functions
 * (inc_extract_row); it must extract exactly what the jansson reading
 * does, for ordinary and for odd alerts (values of the wrong type, string
 * evidence, tactics as a string, unreadable JSON). */
static const char *const same_cases[] = {
	("{\"rule\":{\"id\":\"r\",\"name\":\"MS17-010\",\"category\":\"exploit\"},"
	"\"event\":{\"module\":\"net\"},\"source\":{\"ip\":\"198.51.100.9\"},"
	"\"destination\":{\"ip\":\"192.0.2.5\",\"port\":445},\"host\":{\"name\":\"S1\"}}"),
	("{\"rule\":{\"id\":\"m\",\"category\":\"miner\"},\"network\":{\"protocol\":\"stratum\"},"
	"\"event\":{\"module\":\"net\"},\"source\":{\"ip\":\"10.0.0.5\"},"
	"\"destination\":{\"ip\":\"203.0.113.7\",\"port\":3333},"
	"\"mamori\":{\"family\":\"xmrig\",\"evidence\":{\"pools\":[\"stratum+tcp://Pool.Example.net:443\"],"
	"\"login\":\"44AFFq5kSiGBoZ4NMDwYtN18obc8AemS33DBLWs3H7otXft3XjrpDtQGv7SqSsaBYBb98uNbr2VBBEt7f2wfn3RVGQBEP3A\"}}}"),
	("{\"rule\":{\"name\":\"task\"},\"threat\":{\"tactic\":{\"name\":[\"execution\",\"persistence\"]}},"
	"\"host\":{\"name\":\"WS05\"},\"user\":{\"name\":\"Bob\"},\"process\":{\"name\":\"PowerShell.exe\"},"
	"\"file\":{\"hash\":{\"sha256\":\"AB12\"}},\"url\":{\"full\":\"http://evil.example.org:8080/x?y\"},"
	"\"mamori\":{\"level\":\"high\",\"evidence\":{\"url\":\"https://a.example.com/p\",\"sni\":\"b.example.com.\","
	"\"image\":\"alpine:latest\",\"deep\":[[{\"query\":\"c.example.net\"}]]}}}"),
	("{\"rule\":{\"name\":{\"x\":1},\"id\":\"fallback\",\"category\":[\"exploit\"]},"
	"\"host\":{\"name\":[\"h\"]},\"source\":{\"ip\":7},\"destination\":{\"ip\":null,\"port\":\"3333\"},"
	"\"threat\":{\"tactic\":{\"name\":\"impact\"}},\"mamori\":{\"evidence\":\"wallet 44AFFq5kSiGBoZ4NMDwYtN18obc8AemS33DBLWs3H7otXft3XjrpDtQGv7SqSsaBYBb98uNbr2VBBEt7f2wfn3RVGQBEP3A\"}}"),
	("{\"event\":{\"module\":\"honeypot\"},\"source\":{\"ip\":\"198.51.100.1\"},\"host\":{\"name\":\"  \"},"
	"\"mamori\":{\"evidence\":[1,true,null,{\"domain\":\"d.example.com\"}]}}"),
	"[1,2]",
	"\"text\"",
	"{\"rule\":",
	"",
};

static void test_columns_same(void **state)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *ins = NULL, *sel = NULL;
	struct mm_buf sql;
	size_t i, k;
	int n = 0;

	(void)state;
	assert_int_equal(sqlite3_open(":memory:", &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "CREATE TABLE t(id INTEGER PRIMARY KEY, json TEXT)",
				      NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "INSERT INTO t(json) VALUES(?)", -1, &ins, NULL),
			 SQLITE_OK);
	for (i = 0; i < MM_ARRAY_SIZE(same_cases); i++) {
		sqlite3_reset(ins);
		sqlite3_bind_text(ins, 1, same_cases[i], -1, SQLITE_STATIC);
		assert_int_equal(sqlite3_step(ins), SQLITE_DONE);
	}
	mm_buf_init(&sql, 1u << 16);
	/* malformed JSON is an error in SQLite: one row per query, as the
	 * correlation steps over such rows */
	mm_buf_appendf(&sql, "SELECT %s FROM t WHERE id=?", inc_columns_sql);
	assert_int_equal(sqlite3_prepare_v2(db, sql.ptr, -1, &sel, NULL), SQLITE_OK);
	for (i = 0; i < MM_ARRAY_SIZE(same_cases); i++) {
		struct inc_extract a, b;
		int ra, rb, step;

		memset(&a, 0, sizeof(a));
		memset(&b, 0, sizeof(b));
		a.level = b.level = MM_LEVEL_HIGH;
		ra = inc_extract_alert(&a, same_cases[i], strlen(same_cases[i]), "store-host");
		sqlite3_reset(sel);
		sqlite3_bind_int64(sel, 1, (int64_t)i + 1);
		step = sqlite3_step(sel);
		if (step == SQLITE_ROW) {
			rb = inc_extract_row(&b, sel, 0, "store-host");
		} else {
			/* what the correlation does with the row SQLite refused */
			struct inc_column none[INC_COL_COUNT];

			memset(none, 0, sizeof(none));
			rb = inc_extract_columns(&b, none, "store-host");
		}
		assert_int_equal(ra, rb);
		assert_int_equal(a.stage, b.stage);
		assert_string_equal(a.step, b.step);
		assert_string_equal(a.label, b.label);
		assert_int_equal(a.n_values, b.n_values);
		for (k = 0; k < a.n_values; k++) {
			assert_int_equal(a.values[k].role, b.values[k].role);
			assert_string_equal(a.values[k].kind, b.values[k].kind);
			assert_string_equal(a.values[k].value, b.values[k].value);
			assert_int_equal(a.values[k].key, b.values[k].key);
		}
		n += (int)a.n_values;
	}
	/* the cases do carry values */
	assert_true(n > 20);
	sqlite3_finalize(ins);
	sqlite3_finalize(sel);
	mm_buf_release(&sql);
	sqlite3_close(db);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exploit),
		cmocka_unit_test(test_miner),
		cmocka_unit_test(test_tactics_and_hosts),
		cmocka_unit_test(test_hostile),
		cmocka_unit_test(test_map),
		cmocka_unit_test(test_columns_same),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
