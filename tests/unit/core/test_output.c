/*
 * test_output.c — struct mm_output and the sinks (src/core/output.c,
 * sink_jsonl.c, sink_sqlite.c): every line the JSON lines sink writes is
 * one valid JSON object (parsed back with jansson), skip records have the
 * documented shape, hostile paths (invalid UTF-8, control bytes, quotes)
 * survive as escaped text, the text sink neutralises terminal escapes,
 * --level filtering, records by type, and the store sink.
 */
#include "core/compat.h"

#include <setjmp.h>
#include <cmocka.h>
#include <jansson.h>
#include <unistd.h>

#include "core/core.h"

static char *slurp(FILE *f)
{
	long n;
	char *s;

	fflush(f);
	n = ftell(f);
	assert_true(n >= 0);
	s = calloc(1, (size_t)n + 1);
	assert_non_null(s);
	rewind(f);
	assert_int_equal(fread(s, 1, (size_t)n, f), (size_t)n);
	return s;
}

static const char hostile[] = "/ev/bad\xff\xfe name \"q\" \x1b[31mred\n.txt";

static void test_jsonl_lines(void **state)
{
	struct mm_alert_json_opts jo = { 0, "9.9.9", NULL };
	struct mm_output *o = mm_output_new(&jo);
	struct mm_sink s;
	struct mm_alert a;
	FILE *f = tmpfile();
	char *text, *line, *save = NULL;
	int n = 0;

	(void)state;
	assert_non_null(o);
	assert_non_null(f);
	assert_int_equal(mm_sink_jsonl(&s, f, false, MM_LEVEL_MEDIUM, &jo), 0);
	assert_int_equal(mm_output_add(o, &s), 0);
	mm_alert_init(&a);
	a.rule_id = "mamori.files.test.one";
	a.has_level = 1;
	a.level = MM_LEVEL_HIGH;
	a.module = "files";
	a.file_path = hostile;
	assert_int_equal(mm_output_alert(o, &a), 0);
	a.level = MM_LEVEL_LOW;	/* below --level medium: not written */
	assert_int_equal(mm_output_alert(o, &a), 0);
	assert_int_equal(mm_output_skip(o, hostile, MM_SKIP_UNREADABLE, false,
					"unreadable: Permission denied"), 0);
	assert_int_equal(mm_output_skip(o, "/ev/x.evtx", MM_SKIP_CORRUPT, true, "chunk 3"), 0);
	assert_int_equal(mm_output_record(o, "flow", "{\"event\":{\"kind\":\"flow\"}}", 25), 0);
	assert_int_equal(mm_output_flush(o), 0);
	assert_int_equal(mm_output_alert_count(o), 2);
	text = slurp(f);
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		json_error_t err;
		json_t *j = json_loads(line, 0, &err);

		assert_non_null(j);
		if (n == 0) {
			assert_string_equal(json_string_value(json_object_get(
					    json_object_get(j, "rule"), "id")), "mamori.files.test.one");
			/* invalid bytes as the text \xNN, the rest kept */
			assert_string_equal(json_string_value(json_object_get(
					    json_object_get(j, "file"), "path")),
					    "/ev/bad\\xff\\xfe name \"q\" \x1b[31mred\n.txt");
		} else if (n == 1) {
			json_t *sk = json_object_get(json_object_get(j, "mamori"), "skip");

			assert_string_equal(json_string_value(json_object_get(
					    json_object_get(j, "event"), "kind")), "skip");
			assert_string_equal(json_string_value(json_object_get(sk, "reason")),
					    "unreadable");
			assert_true(json_is_false(json_object_get(sk, "partial")));
			assert_string_equal(json_string_value(json_object_get(sk, "detail")),
					    "unreadable: Permission denied");
			assert_string_equal(json_string_value(json_object_get(
					    json_object_get(j, "observer"), "version")), "9.9.9");
			/* deterministic output (ingested 0): no event.ingested */
			assert_null(json_object_get(json_object_get(j, "event"), "ingested"));
		} else if (n == 2) {
			json_t *sk = json_object_get(json_object_get(j, "mamori"), "skip");

			assert_true(json_is_true(json_object_get(sk, "partial")));
			assert_string_equal(json_string_value(json_object_get(sk, "reason")),
					    "corrupt");
		} else if (n == 3) {
			assert_string_equal(json_string_value(json_object_get(
					    json_object_get(j, "event"), "kind")), "flow");
		}
		json_decref(j);
		n++;
	}
	assert_int_equal(n, 4);
	free(text);
	mm_output_free(o);
	fclose(f);
}

static void test_text_sink(void **state)
{
	struct mm_output *o = mm_output_new(NULL);
	struct mm_sink s;
	struct mm_alert a;
	FILE *f = tmpfile();
	char *text;

	(void)state;
	assert_int_equal(mm_sink_text(&s, f, false, MM_LEVEL_INFORMATIONAL), 0);
	assert_int_equal(mm_output_add(o, &s), 0);
	mm_alert_init(&a);
	a.rule_id = "mamori.net.stratum.login";
	a.has_level = 1;
	a.level = MM_LEVEL_HIGH;
	a.src_ip = "192.0.2.1";
	a.src_port = 40000;
	a.dst_ip = "198.51.100.7";
	a.dst_port = 3333;
	a.reason = "stratum login with a wallet";
	mm_output_alert(o, &a);
	mm_alert_init(&a);
	a.rule_id = "mamori.files.x";
	a.file_path = hostile;
	mm_output_alert(o, &a);
	mm_output_skip(o, "/ev/f", MM_SKIP_NO_ENGINE, false, "no engine yet for pcap input");
	mm_output_skip(o, "/ev/fifo", MM_SKIP_NOT_REGULAR, false, "not a regular file: fifo");
	mm_output_flush(o);
	text = slurp(f);
	assert_non_null(strstr(text, "HIGH     mamori.net.stratum.login  192.0.2.1:40000 -> "
				     "198.51.100.7:3333 \xe2\x80\x94 stratum login with a wallet\n"));
	/* no raw ESC or newline from the path reaches the terminal */
	assert_null(strchr(text, '\x1b'));
	assert_non_null(strstr(text, "bad\\xff\\xfe"));
	assert_non_null(strstr(text, "\\u001b[31mred\\n.txt"));
	/* "no engine yet" is left to the summary; other skips are shown */
	assert_null(strstr(text, "/ev/f \xe2"));
	assert_non_null(strstr(text, "SKIP     not a regular file  /ev/fifo"));
	free(text);
	mm_output_free(o);
	fclose(f);
}

static int count_row(void *arg, const struct mm_store_row *r)
{
	int *n = arg;

	assert_int_equal(r->ingested_us, 42);
	assert_string_equal(r->rule_id, "mamori.files.y");
	(*n)++;
	return 0;
}

static void test_store_sink(void **state)
{
	char dir[] = "/tmp/mm-test-output-XXXXXX";
	char path[128];
	struct mm_alert_json_opts jo = { 42, "1.0", "box" };
	struct mm_output *o;
	struct mm_store *st = NULL;
	struct mm_store_run r;
	struct mm_sink s;
	struct mm_alert a;
	struct mm_diag d;
	int64_t run = 0;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/m.db", dir);
	assert_int_equal(mm_store_open(&st, path, &d), 0);
	memset(&r, 0, sizeof(r));
	assert_int_equal(mm_store_run_begin(st, &r, &run), 0);
	o = mm_output_new(&jo);
	assert_int_equal(mm_sink_store(&s, st, run, &jo), 0);
	assert_int_equal(mm_output_add(o, &s), 0);
	mm_alert_init(&a);
	a.rule_id = "mamori.files.y";
	mm_output_alert(o, &a);
	mm_output_skip(o, "/ev/z", MM_SKIP_TOO_LARGE, false, "too large");
	mm_output_free(o);
	assert_int_equal(mm_store_count(st, "alerts"), 1);
	assert_int_equal(mm_store_count(st, "skips"), 1);
	{
		struct mm_store_query q;
		int found = 0;

		memset(&q, 0, sizeof(q));
		q.min_level = -1;
		q.host = "box";	/* the output's default host reached the store */
		assert_int_equal(mm_store_query_alerts(st, &q, count_row, &found), 0);
		assert_int_equal(found, 1);
	}
	mm_store_close(st);
	snprintf(path, sizeof(path), "rm -rf '%s'", dir);
	assert_int_not_equal(system(path), -1);
}

static void test_record_types(void **state)
{
	struct mm_output *o = mm_output_new(NULL);

	(void)state;
	assert_false(mm_output_wants_record(o, "http"));
	assert_int_equal(mm_output_want_records(o, "http,,dns"), 0);
	assert_true(mm_output_wants_record(o, "http"));
	assert_true(mm_output_wants_record(o, "dns"));
	assert_false(mm_output_wants_record(o, "flow"));
	assert_int_equal(mm_output_want_records(o, "all"), 0);
	assert_true(mm_output_wants_record(o, "flow"));
	assert_int_equal(mm_output_want_records(o, ""), 0);
	assert_false(mm_output_wants_record(o, "flow"));
	mm_output_free(o);
	mm_output_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_jsonl_lines),
		cmocka_unit_test(test_text_sink),
		cmocka_unit_test(test_store_sink),
		cmocka_unit_test(test_record_types),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
