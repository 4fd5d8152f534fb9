/*
 * test_engine.c — the log engine's glue end to end on generated inputs:
 * Sigma rules loaded from -r paths, a scan of a generated EVTX raising the
 * alert with rule id sigma:<id>, the record id, channel, event id, matched
 * fields and the decoded PowerShell command in its evidence; a damaged
 * EVTX reported as partial; the follow API (watch) raising alerts only
 * for complete lines fed piece by piece.
 */
#include "core/compat.h"
#include "logs/logs.h"
#include "logs_test_util.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <setjmp.h>
#include <cmocka.h>

extern const struct mm_engine mm_engine_logs;

static const char rule_proc[] =
	"title: Test schtasks create\n"
	"id: 6f0c9a1e-1b7e-4c7d-9a55-2d1f7c0e0001\n"
	"logsource:\n  product: windows\n  category: process_creation\n"
	"detection:\n  selection:\n    Image|endswith: '\\schtasks.exe'\n"
	"    CommandLine|contains: '/create'\n  condition: selection\n"
	"level: high\n";

static const char rule_ssh[] =
	"title: Test sshd failed password\n"
	"id: 6f0c9a1e-1b7e-4c7d-9a55-2d1f7c0e0002\n"
	"logsource:\n  product: linux\n  service: sshd\n"
	"detection:\n  selection:\n    event_type: failed\n  condition: selection\n"
	"level: low\n";

struct capture {
	char alerts[16][8192];
	size_t n_alerts;
	char skips[16][512];
	size_t n_skips;
};

static int cap_alert(void *st, const struct mm_alert *a, const char *json, size_t len)
{
	struct capture *c = st;

	(void)a;
	if (c->n_alerts < 16)
		snprintf(c->alerts[c->n_alerts], sizeof(c->alerts[0]), "%.*s", (int)len, json);
	c->n_alerts++;
	return 0;
}

static int cap_skip(void *st, const char *path, enum mm_skip why, bool partial, const char *d)
{
	struct capture *c = st;

	(void)path;
	if (c->n_skips < 16)
		snprintf(c->skips[c->n_skips], sizeof(c->skips[0]), "%s %d %s", mm_skip_name(why),
			 partial, d ? d : "");
	c->n_skips++;
	return 0;
}

struct fx {
	char dir[64];
	char rule1[128], rule2[128];
	struct mm_config *cfg;
	struct mm_catalogue *cat;
	struct mm_rule_report *rep;
	struct mm_output *out;
	struct capture cap;
	void *state;
};

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static int setup(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));
	struct mm_engine_env env;
	const char *paths[3];
	struct mm_alert_json_opts jo;
	struct mm_sink sink;
	struct mm_diag diag;

	assert_non_null(fx);
	strcpy(fx->dir, "/tmp/mamori-logs-test-XXXXXX");
	assert_non_null(mkdtemp(fx->dir));
	snprintf(fx->rule1, sizeof(fx->rule1), "%s/proc.yml", fx->dir);
	snprintf(fx->rule2, sizeof(fx->rule2), "%s/ssh.yaml", fx->dir);
	write_file(fx->rule1, rule_proc);
	write_file(fx->rule2, rule_ssh);
	fx->cfg = mm_config_new();
	fx->cat = mm_catalogue_new();
	fx->rep = mm_rule_report_new();
	assert_non_null(fx->cfg);
	assert_int_equal(mm_config_declare(fx->cfg, mm_engine_logs.config_defaults), 0);
	paths[0] = fx->rule1;
	paths[1] = fx->rule2;
	paths[2] = NULL;
	memset(&env, 0, sizeof(env));
	env.config = fx->cfg;
	env.catalogue = fx->cat;
	env.rule_report = fx->rep;
	env.rule_paths = paths;
	env.deterministic = true;
	mm_diag_init(&diag);
	assert_int_equal(mm_engine_logs.open(&fx->state, &env, &diag), 0);
	memset(&jo, 0, sizeof(jo));
	jo.observer_version = "test";
	fx->out = mm_output_new(&jo);
	assert_non_null(fx->out);
	memset(&sink, 0, sizeof(sink));
	sink.name = "capture";
	sink.state = &fx->cap;
	sink.alert = cap_alert;
	sink.skip = cap_skip;
	assert_int_equal(mm_output_add(fx->out, &sink), 0);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fx *fx = *state;

	mm_engine_logs.close(fx->state);
	mm_output_free(fx->out);
	mm_rule_report_free(fx->rep);
	mm_catalogue_free(fx->cat);
	mm_config_free(fx->cfg);
	unlink(fx->rule1);
	unlink(fx->rule2);
	rmdir(fx->dir);
	free(fx);
	return 0;
}

static void scan_fixture(struct fx *fx, const char *name)
{
	char path[4096];
	struct mm_input in;
	struct mm_scan_ctx *ctx;
	struct stat sb;
	void *worker = NULL;
	int fd;

	snprintf(path, sizeof(path), "%s/evtx/%s", getenv("MAMORI_GEN_DIR"), name);
	fd = open(path, O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &sb), 0);
	memset(&in, 0, sizeof(in));
	in.path = path;
	in.fd = fd;
	in.size = (uint64_t)sb.st_size;
	in.kind = MM_KIND_EVTX;
	in.mtime_us = (int64_t)sb.st_mtime * 1000000;
	ctx = mm_scan_ctx_new(fx->out, fx->cfg, true, path);
	assert_non_null(ctx);
	assert_int_equal(mm_engine_logs.worker_open(fx->state, &worker), 0);
	assert_int_equal(mm_engine_logs.scan(fx->state, worker, &in, ctx), 0);
	mm_engine_logs.worker_close(worker);
	mm_scan_ctx_free(ctx);
	close(fd);
}

static void test_rules_loaded(void **state)
{
	struct fx *fx = *state;

	assert_non_null(mm_catalogue_find(fx->cat, "sigma:6f0c9a1e-1b7e-4c7d-9a55-2d1f7c0e0001"));
	assert_non_null(mm_catalogue_find(fx->cat, "sigma:6f0c9a1e-1b7e-4c7d-9a55-2d1f7c0e0002"));
	assert_non_null(mm_engine_logs.ruleset_id(fx->state));
}

static void test_scan_alert(void **state)
{
	struct fx *fx = *state;
	const char *a;

	memset(&fx->cap, 0, sizeof(fx->cap));
	scan_fixture(fx, "basic.evtx");
	assert_int_equal(fx->cap.n_alerts, 1);
	a = fx->cap.alerts[0];
	assert_non_null(strstr(a, "\"id\":\"sigma:6f0c9a1e-1b7e-4c7d-9a55-2d1f7c0e0001\""));
	assert_non_null(strstr(a, "\"record_id\":6"));
	assert_non_null(strstr(a, "\"event_id\":1"));
	assert_non_null(strstr(a, "\"channel\":\"Microsoft-Windows-Sysmon/Operational\""));
	assert_non_null(strstr(a, "\"decoded_command\":\"echo hi\""));
	assert_non_null(strstr(a, "\"matched\":["));
	assert_non_null(strstr(a, "\"@timestamp\":\"2020-09-13T12:26:46"));
	assert_non_null(strstr(a, "basic.evtx"));
	assert_int_equal(fx->cap.n_skips, 0);
}

static void test_scan_partial(void **state)
{
	struct fx *fx = *state;

	memset(&fx->cap, 0, sizeof(fx->cap));
	scan_fixture(fx, "bad_chunk_magic.evtx");
	assert_int_equal(fx->cap.n_alerts, 0);
	assert_true(fx->cap.n_skips >= 1);
	assert_non_null(strstr(fx->cap.skips[0], "bad magic"));
	assert_non_null(strstr(fx->cap.skips[0], " 1 "));	/* partial */
}

static void test_follow(void **state)
{
	struct fx *fx = *state;
	struct log_follow *f = NULL;
	struct mm_scan_ctx *ctx;
	static const char lines[] =
		"Feb 20 08:35:22 h sshd[1]: Failed password for root from 192.0.2.1 port 1 ssh2\n"
		"Feb 20 08:35:23 h sshd[1]: Invalid user x from 192.0.2.1\n"
		"Feb 20 08:35:24 h sshd[1]: Failed password for bob from 192.0.2.1 port 1 ssh2";

	memset(&fx->cap, 0, sizeof(fx->cap));
	ctx = mm_scan_ctx_new(fx->out, fx->cfg, true, "watch");
	assert_non_null(ctx);
	assert_int_equal(log_follow_new(&f, fx->state, MM_KIND_SYSLOG, "auth.log"), 0);
	assert_int_equal(log_follow_feed(f, (const uint8_t *)lines, 30, ctx), 0);
	assert_int_equal(fx->cap.n_alerts, 0);
	assert_int_equal(log_follow_feed(f, (const uint8_t *)lines + 30, sizeof(lines) - 31, ctx), 0);
	assert_int_equal(fx->cap.n_alerts, 1);	/* the last line is not complete */
	assert_int_equal(log_follow_finish(f, ctx), 0);
	assert_int_equal(fx->cap.n_alerts, 2);
	assert_int_equal(log_follow_events(f), 3);
	assert_non_null(strstr(fx->cap.alerts[1], "auth.log"));
	log_follow_free(f);
	mm_scan_ctx_free(ctx);
}

static void test_guess_kind(void **state)
{
	static const struct {
		const char *text;
		enum mm_kind kind;
	} cases[] = {
		{ "{\"EventID\":4688}\n", MM_KIND_JSONL },
		{ "type=SYSCALL msg=audit(1.000:1): comm=\"a\"\n", MM_KIND_AUDITD },
		{ "__CURSOR=s=1\n__REALTIME_TIMESTAMP=1\n\n", MM_KIND_JOURNAL_EXPORT },
		{ "<13>Feb  5 17:32:18 h app: x\n", MM_KIND_SYSLOG },
		{ "Feb  5 17:32:18 host sshd[1]: Invalid user a from 192.0.2.1\n", MM_KIND_SYSLOG },
		{ "2024-03-01T12:00:01.5+01:00 h sshd[1]: z\n", MM_KIND_SYSLOG },
	};
	static const uint8_t evtx[8] = { 'E', 'l', 'f', 'F', 'i', 'l', 'e', 0 };

	(void)state;
	for (size_t i = 0; i < MM_ARRAY_SIZE(cases); i++) {
		enum mm_kind k = log_guess_kind((const uint8_t *)cases[i].text, strlen(cases[i].text));

		if (k != cases[i].kind)
			fail_msg("case %zu: %s, want %s", i, mm_kind_name(k), mm_kind_name(cases[i].kind));
	}
	assert_int_equal(log_guess_kind(evtx, sizeof(evtx)), MM_KIND_EVTX);
	assert_false(log_reader_kind_ok(log_guess_kind((const uint8_t *)"hello", 5)));
}

static void test_event_json(void **state)
{
	struct log_field f[2] = {
		{ "User", "a\"b", 4, 3 },
		{ "Bin", "x\001y", 3, 3 },
	};
	struct log_event ev;
	struct mm_buf b;

	(void)state;
	memset(&ev, 0, sizeof(ev));
	ev.format = "evtx";
	ev.record_id = 9;
	ev.ts_us = INT64_C(1600000000000000);
	ev.event_id = 4625;
	ev.channel = "Security";
	ev.src.product = "windows";
	ev.src.service = "security";
	ev.fields = f;
	ev.n_fields = 2;
	mm_buf_init(&b, 4096);
	assert_int_equal(log_event_to_json(&ev, &b), 0);
	assert_string_equal(b.ptr,
			    "{\"format\":\"evtx\",\"record_id\":9,\"offset\":0,"
			    "\"@timestamp\":\"2020-09-13T12:26:40.000000Z\","
			    "\"logsource\":{\"product\":\"windows\",\"service\":\"security\"},"
			    "\"event_id\":4625,\"channel\":\"Security\","
			    "\"fields\":{\"User\":\"a\\\"b\",\"Bin\":\"x\\u0001y\"}}");
	mm_buf_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rules_loaded),
		cmocka_unit_test(test_scan_alert),
		cmocka_unit_test(test_scan_partial),
		cmocka_unit_test(test_follow),
		cmocka_unit_test(test_guess_kind),
		cmocka_unit_test(test_event_json),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
