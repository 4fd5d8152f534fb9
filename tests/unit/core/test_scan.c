/*
 * test_scan.c — the scan pipeline (src/core/scan.h) with a fake engine
 * registered by the test: routing by kind, "no engine yet" for kinds
 * nobody owns, empty files, skips and partials from the engine, engine
 * errors, max size, the per-input timeout, interruption, --changed
 * callbacks, per-engine counters, and the deterministic order of records
 * across thread counts.
 */
#include "core/compat.h"

#include <setjmp.h>
#include <cmocka.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/core.h"

static char root[256];

/* ---- a fake engine owning text inputs ---- */

static int fake_open(void **state, const struct mm_engine_env *env, struct mm_diag *d)
{
	(void)env;
	(void)d;
	*state = NULL;
	return 0;
}

static int fake_worker_open(void *state, void **worker)
{
	(void)state;
	*worker = calloc(1, 16);	/* freed by worker_close: ASan checks pairing */
	return *worker ? 0 : MM_ENOMEM;
}

static void fake_worker_close(void *worker)
{
	free(worker);
}

static struct mm_scan *current_scan;

static int fake_scan(void *state, void *worker, const struct mm_input *in,
		     struct mm_scan_ctx *ctx)
{
	char buf[256];
	ssize_t n;

	(void)state;
	assert_non_null(worker);
	n = pread(in->fd, buf, sizeof(buf) - 1, 0);
	if (n < 0)
		return MM_EIO;
	buf[n] = '\0';
	/* the head the pipeline classified is the start of the file */
	assert_true(in->head_len > 0 && !memcmp(in->head, buf, MM_MIN(in->head_len, (size_t)n)));
	mm_scan_count(ctx, "fake.inputs", 1);
	mm_scan_count(ctx, "fake.bytes", (uint64_t)n);
	if (strstr(buf, "EVIL")) {
		struct mm_alert a;

		mm_alert_init(&a);
		a.rule_id = "mamori.test.evil";
		a.rule_name = "evil marker";
		a.has_level = 1;
		a.level = MM_LEVEL_HIGH;
		a.reason = "the file says EVIL";
		mm_emit_alert(ctx, &a);
		a.rule_id = "mamori.test.second";
		a.level = MM_LEVEL_LOW;
		mm_emit_alert(ctx, &a);
	}
	if (strstr(buf, "PART")) {
		for (int i = 0; i < 5; i++)
			mm_scan_partial(ctx, MM_SKIP_CORRUPT, "corrupt chunk %d", i);
	}
	/* a part left out at a limit (stable) or by a stall (not) */
	if (strstr(buf, "CUTOFF"))
		mm_scan_partial(ctx, MM_SKIP_LIMIT, "cut off at a limit");
	if (strstr(buf, "STALL"))
		mm_scan_partial(ctx, MM_SKIP_TIMEOUT, "a part timed out");
	if (strstr(buf, "REFUSE"))
		mm_scan_skip(ctx, MM_SKIP_UNSUPPORTED, "unsupported: the fake refuses it");
	if (strstr(buf, "FAIL"))
		return MM_ECORRUPT;
	if (strstr(buf, "STOP") && current_scan)
		mm_scan_interrupt(current_scan);
	if (strstr(buf, "SLOW")) {
		while (!mm_scan_expired(ctx))
			usleep(10000);
		mm_scan_skip(ctx, MM_SKIP_TIMEOUT, "timed out after %d s", 1);
	}
	return 0;
}

static const struct mm_engine fake_engine = {
	.name = "fake",
	.description = "test engine",
	.kinds = MM_KIND_BIT(MM_KIND_TEXT),
	.open = fake_open,
	.worker_open = fake_worker_open,
	.worker_close = fake_worker_close,
	.scan = fake_scan,
};

/* ---- a sink that records lines "A level rule path" / "S reason partial path" ---- */

struct capture {
	struct mm_buf text;
	size_t alerts, skips;
};

static int cap_alert(void *st, const struct mm_alert *a, const char *json, size_t len)
{
	struct capture *c = st;

	assert_true(len > 0 && json[0] == '{' && json[len - 1] == '}');
	c->alerts++;
	return mm_buf_appendf(&c->text, "A %s %s %s %s\n", mm_level_name(mm_alert_level(a)),
			      mm_alert_rule_id(a), a->file_path ? a->file_path : "-",
			      a->module ? a->module : "-");
}

static int cap_skip(void *st, const char *path, enum mm_skip why, bool partial,
		    const char *detail)
{
	struct capture *c = st;

	c->skips++;
	return mm_buf_appendf(&c->text, "S %s %d %s | %s\n", mm_skip_name(why), partial, path,
			      detail);
}

static struct mm_output *capture_output(struct capture *c)
{
	struct mm_alert_json_opts jo = { 0, "0.0-test", NULL };
	struct mm_output *o = mm_output_new(&jo);
	struct mm_sink s;

	memset(c, 0, sizeof(*c));
	mm_buf_init(&c->text, 1u << 20);
	memset(&s, 0, sizeof(s));
	s.name = "capture";
	s.state = c;
	s.alert = cap_alert;
	s.skip = cap_skip;
	assert_non_null(o);
	assert_int_equal(mm_output_add(o, &s), 0);
	return o;
}

/* One scan's summary and captured output, made and released by each test
 * that runs a scan. */
struct run {
	struct mm_scan_summary *sum;
	struct capture c;
	struct mm_output *out;
};

static void run_begin(struct run *rn)
{
	rn->sum = calloc(1, sizeof(*rn->sum));
	assert_non_null(rn->sum);
	rn->out = capture_output(&rn->c);
}

static void run_end(struct run *rn)
{
	mm_output_free(rn->out);
	mm_buf_release(&rn->c.text);
	free(rn->sum);
}

static void put(const char *rel, const void *content, size_t len)
{
	char p[512];
	int fd;

	snprintf(p, sizeof(p), "%s/%s", root, rel);
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, content, len), (ssize_t)len);
	close(fd);
}

static void puts_file(const char *rel, const char *s)
{
	put(rel, s, strlen(s));
}

static int setup(void **state)
{
	char p[512];

	(void)state;
	snprintf(root, sizeof(root), "/tmp/mm-test-scan-XXXXXX");
	assert_non_null(mkdtemp(root));
	snprintf(p, sizeof(p), "%s/t", root);
	assert_int_equal(mkdir(p, 0755), 0);
	puts_file("t/a-evil.txt", "this text is EVIL indeed\n");
	puts_file("t/b-clean.txt", "nothing to see here\n");
	puts_file("t/c-part.txt", "a PART of this was corrupt\n");
	puts_file("t/d-refuse.txt", "please REFUSE this one\n");
	puts_file("t/e-fail.txt", "this one will FAIL\n");
	put("t/f-empty", "", 0);
	put("t/g-binary", "\x00\x01\x02\x03\xff\xfe\x00\x00\x10\x20", 10);
	snprintf(p, sizeof(p), "%s/t/h-fifo", root);
	assert_int_equal(mkfifo(p, 0644), 0);
	return 0;
}

static int teardown(void **state)
{
	char cmd[600];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	return system(cmd) == -1;
}

static const struct mm_engine *const engines[] = { &fake_engine, NULL };
static void *const states[] = { NULL };

static void base_opts(struct mm_scan_opts *o, const char **paths, struct mm_output *out)
{
	memset(o, 0, sizeof(*o));
	o->paths = paths;
	o->n_paths = 1;
	o->threads = 3;
	o->engines = engines;
	o->engine_states = states;
	o->out = out;
	o->deterministic = true;
}

static void test_routing_and_summary(void **state)
{
	struct run rn;
	struct mm_scan_opts o;
	struct mm_scan *s;
	char p[512];
	const char *paths[] = { p };

	(void)state;
	run_begin(&rn);
	snprintf(p, sizeof(p), "%s/t", root);
	base_opts(&o, paths, rn.out);
	s = mm_scan_new(&o);
	assert_non_null(s);
	assert_int_equal(mm_scan_run(s, rn.sum), 0);
	mm_scan_free(s);

	assert_int_equal(rn.sum->inputs, 8);	/* 7 regular files and the FIFO */
	assert_int_equal(rn.sum->empty, 1);
	/* clean, evil and empty are fully examined; part is partial */
	assert_int_equal(rn.sum->examined, 3);
	assert_int_equal(rn.sum->alerts, 2);
	assert_int_equal(rn.sum->alerts_by_level[MM_LEVEL_HIGH], 1);
	assert_int_equal(rn.sum->alerts_by_level[MM_LEVEL_LOW], 1);
	assert_int_equal(rn.sum->partial, 1);
	assert_int_equal(rn.sum->partial_by_reason[MM_SKIP_CORRUPT], 1);
	assert_int_equal(rn.sum->skipped_by_reason[MM_SKIP_UNSUPPORTED], 1);
	assert_int_equal(rn.sum->skipped_by_reason[MM_SKIP_ERROR], 1);
	assert_int_equal(rn.sum->skipped_by_reason[MM_SKIP_NO_ENGINE], 1);
	assert_int_equal(rn.sum->skipped_by_reason[MM_SKIP_NOT_REGULAR], 1);
	assert_int_equal(rn.sum->skipped, 4);
	/* every input is accounted for exactly once */
	assert_int_equal(rn.sum->inputs, rn.sum->examined + rn.sum->skipped + rn.sum->partial + rn.sum->unchanged);
	assert_int_equal(rn.sum->no_engine_by_kind[MM_KIND_BINARY], 1);
	assert_int_equal(rn.sum->by_engine[0], 5);
	assert_int_equal(rn.sum->n_counters, 2);
	assert_string_equal(rn.sum->counters[0].name, "fake.bytes");
	assert_string_equal(rn.sum->counters[1].name, "fake.inputs");
	assert_int_equal(rn.sum->counters[1].value, 5);
	assert_false(rn.sum->interrupted);
	assert_non_null(strstr(rn.sum->first_skipped[MM_SKIP_NO_ENGINE][0], "g-binary"));

	/* deterministic: sorted by path, then emission order; the pipeline
	 * filled file.path and the module; partials beyond 3 are summed up */
	{
		static const char *const lines[] = {
			"A high mamori.test.evil @/t/a-evil.txt fake",
			"A low mamori.test.second @/t/a-evil.txt fake",
			"S corrupt 1 @/t/c-part.txt | corrupt chunk 0",
			"S corrupt 1 @/t/c-part.txt | corrupt chunk 1",
			"S corrupt 1 @/t/c-part.txt | corrupt chunk 2",
			"S corrupt 1 @/t/c-part.txt | and 2 more parts not examined",
			"S unsupported 0 @/t/d-refuse.txt | unsupported: the fake refuses it",
			"S error 0 @/t/e-fail.txt | fake engine: input is corrupt",
			"S no engine yet 0 @/t/g-binary | no engine yet for binary input",
			"S not a regular file 0 @/t/h-fifo | not a regular file: fifo",
		};
		struct mm_buf want;

		mm_buf_init(&want, 1u << 16);
		for (size_t i = 0; i < MM_ARRAY_SIZE(lines); i++) {
			const char *at = strchr(lines[i], '@');

			mm_buf_append(&want, lines[i], (size_t)(at - lines[i]));
			mm_buf_appendf(&want, "%s%s\n", root, at + 1);
		}
		assert_string_equal(rn.c.text.ptr, want.ptr);
		mm_buf_release(&want);
	}
	run_end(&rn);
}

static void test_deterministic_across_threads(void **state)
{
	char *first = NULL;
	char p[512];
	const char *paths[] = { p };

	(void)state;
	snprintf(p, sizeof(p), "%s/t", root);
	for (unsigned t = 1; t <= 8; t *= 2) {
		struct run rn;
		struct mm_scan_opts o;
		struct mm_scan *s;

		run_begin(&rn);
		base_opts(&o, paths, rn.out);
		o.threads = t;
		s = mm_scan_new(&o);
		assert_int_equal(mm_scan_run(s, rn.sum), 0);
		mm_scan_free(s);
		if (!first)
			first = strdup(rn.c.text.ptr);
		else
			assert_string_equal(first, rn.c.text.ptr);
		run_end(&rn);
	}
	free(first);
}

static void test_max_size_and_timeout(void **state)
{
	struct run rn;
	struct mm_scan_opts o;
	struct mm_scan *s;
	char p[512];
	const char *paths[] = { p };

	(void)state;
	run_begin(&rn);
	snprintf(p, sizeof(p), "%s/m", root);
	assert_int_equal(mkdir(p, 0755), 0);
	puts_file("m/big.txt", "this text file is longer than thirty-two bytes\n");
	puts_file("m/slow.txt", "SLOW\n");
	base_opts(&o, paths, rn.out);
	o.max_size = 32;
	o.timeout_s = 1;
	s = mm_scan_new(&o);
	assert_int_equal(mm_scan_run(s, rn.sum), 0);
	mm_scan_free(s);
	assert_int_equal(rn.sum->skipped_by_reason[MM_SKIP_TOO_LARGE], 1);
	assert_int_equal(rn.sum->skipped_by_reason[MM_SKIP_TIMEOUT], 1);
	assert_non_null(strstr(rn.c.text.ptr, "S too large 0"));
	assert_non_null(strstr(rn.c.text.ptr, "S timed out 0"));
	run_end(&rn);
}

static void test_interrupt(void **state)
{
	struct run rn;
	struct mm_scan_opts o;
	struct mm_scan *s;
	char p[512];
	const char *paths[] = { p };

	(void)state;
	run_begin(&rn);
	snprintf(p, sizeof(p), "%s/i", root);
	assert_int_equal(mkdir(p, 0755), 0);
	/* the STOP input interrupts the scan, then waits like a slow engine:
	 * its "timed out" must be recorded as interrupted */
	puts_file("i/0-stop.txt", "STOP SLOW\n");
	for (int i = 0; i < 40; i++) {
		char name[64];

		snprintf(name, sizeof(name), "i/f%02d.txt", i);
		puts_file(name, "plain\n");
	}
	base_opts(&o, paths, rn.out);
	o.threads = 1;
	s = mm_scan_new(&o);
	current_scan = s;
	assert_int_equal(mm_scan_run(s, rn.sum), MM_EINTR);
	current_scan = NULL;
	mm_scan_free(s);
	assert_true(rn.sum->interrupted);
	/* whatever was not examined is said so: nothing is silently clean */
	assert_int_equal(rn.sum->examined + rn.sum->skipped_by_reason[MM_SKIP_INTERRUPTED], rn.sum->inputs);
	assert_true(rn.sum->skipped_by_reason[MM_SKIP_INTERRUPTED] >= 1);
	assert_int_equal(rn.sum->skipped_by_reason[MM_SKIP_TIMEOUT], 0);
	run_end(&rn);
}

struct changed {
	int unchanged_calls, examined_calls;
	char examined[8][64];	/* base names, in order */
};

static bool is_unchanged(void *arg, const struct mm_input *in, size_t engine)
{
	struct changed *ch = arg;

	assert_int_equal(engine, 0);
	ch->unchanged_calls++;
	return strstr(in->path, "b-clean") != NULL;
}

static void on_examined(void *arg, const struct mm_input *in, size_t engine)
{
	struct changed *ch = arg;

	assert_int_equal(engine, 0);
	if (ch->examined_calls < 8) {
		const char *b = strrchr(in->path, '/');

		snprintf(ch->examined[ch->examined_calls], sizeof(ch->examined[0]), "%s",
			 b ? b + 1 : in->path);
	}
	ch->examined_calls++;
}

/* One single-threaded scan of root/dir with the --changed callbacks
 * above recording into ch (zeroed first). */
static void changed_scan(struct run *rn, struct changed *ch, const char *dir)
{
	struct mm_scan_opts o;
	struct mm_scan *s;
	char p[512];
	const char *paths[] = { p };

	memset(ch, 0, sizeof(*ch));
	snprintf(p, sizeof(p), "%s/%s", root, dir);
	base_opts(&o, paths, rn->out);
	o.threads = 1;	/* the callbacks above are not thread-safe */
	o.unchanged = is_unchanged;
	o.examined = on_examined;
	o.changed_arg = ch;
	s = mm_scan_new(&o);
	assert_int_equal(mm_scan_run(s, rn->sum), 0);
	mm_scan_free(s);
}

static void test_changed_callbacks(void **state)
{
	struct run rn;
	struct changed ch;

	(void)state;
	run_begin(&rn);
	changed_scan(&rn, &ch, "t");
	/* asked for the five text inputs the fake engine owns (not the empty
	 * file, not the binary nobody owns) */
	assert_int_equal(ch.unchanged_calls, 5);
	assert_int_equal(rn.sum->unchanged, 1);
	/* evil is examined fully by the engine (and the empty file counted);
	 * clean was left out; part lost corrupt chunks, which a rescan loses
	 * again, so it is recorded as examined too (but not counted so) */
	assert_int_equal(ch.examined_calls, 2);
	/* in the walk's (directory) order */
	assert_true((!strcmp(ch.examined[0], "a-evil.txt") && !strcmp(ch.examined[1], "c-part.txt")) ||
		    (!strcmp(ch.examined[0], "c-part.txt") && !strcmp(ch.examined[1], "a-evil.txt")));
	assert_int_equal(rn.sum->examined, 2);
	assert_int_equal(rn.sum->partial, 1);
	run_end(&rn);
}

/* --changed and inputs examined in part: a part left out at a limit is
 * left out again next time (recorded as examined); a part that timed out
 * may not be (not recorded), also next to a stable one */
static void test_changed_partial(void **state)
{
	struct run rn;
	struct changed ch;
	char p[512];

	(void)state;
	run_begin(&rn);
	snprintf(p, sizeof(p), "%s/u", root);
	assert_int_equal(mkdir(p, 0755), 0);
	puts_file("u/x-limit.txt", "this one was CUTOFF\n");
	puts_file("u/y-stall.txt", "this one had a STALL\n");
	puts_file("u/z-both.txt", "this one was CUTOFF and had a STALL\n");
	changed_scan(&rn, &ch, "u");
	assert_int_equal(ch.unchanged_calls, 3);
	assert_int_equal(ch.examined_calls, 1);
	assert_string_equal(ch.examined[0], "x-limit.txt");
	assert_int_equal(rn.sum->examined, 0);
	assert_int_equal(rn.sum->partial, 3);
	/* counted by the first reason of each input */
	assert_int_equal(rn.sum->partial_by_reason[MM_SKIP_LIMIT], 2);
	assert_int_equal(rn.sum->partial_by_reason[MM_SKIP_TIMEOUT], 1);
	run_end(&rn);
}

/* --changed before open: the walker asks from a stat, the file is never
 * opened (the before_open hook does not see it) nor given to the engine */
struct stat_changed {
	int asked, opened_left_out;
	bool bad;
};

static bool is_unchanged_stat(void *arg, const struct mm_input *in)
{
	struct stat_changed *ch = arg;

	ch->asked++;
	/* no descriptor, no head; a size from the stat (only the empty file
	 * has none) */
	if (in->fd != -1 || in->head || (in->size == 0 && !strstr(in->path, "f-empty")))
		ch->bad = true;
	return strstr(in->path, "a-evil") || strstr(in->path, "c-part");
}

static void count_open(void *arg, const char *path)
{
	struct stat_changed *ch = arg;

	if (strstr(path, "a-evil") || strstr(path, "c-part"))
		ch->opened_left_out++;
}

static void test_changed_before_open(void **state)
{
	struct run rn;
	struct mm_scan_opts o;
	struct mm_scan *s;
	struct stat_changed ch;
	char p[512];
	const char *paths[] = { p };

	(void)state;
	run_begin(&rn);
	memset(&ch, 0, sizeof(ch));
	snprintf(p, sizeof(p), "%s/t", root);
	base_opts(&o, paths, rn.out);
	o.unchanged_stat = is_unchanged_stat;
	o.changed_arg = &ch;
	o.before_open = count_open;
	o.hook_arg = &ch;
	s = mm_scan_new(&o);
	assert_int_equal(mm_scan_run(s, rn.sum), 0);
	mm_scan_free(s);
	/* every regular file is asked (not the FIFO), from its stat alone */
	assert_int_equal(ch.asked, 7);
	assert_false(ch.bad);
	/* ... and on the walking thread: these counters need no lock */
	assert_int_equal(ch.opened_left_out, 0);
	assert_int_equal(rn.sum->unchanged, 2);
	assert_int_equal(rn.sum->walk.left_out, 2);
	/* the evil file was left out: no alert, and its PART neighbour gave
	 * no partial */
	assert_int_equal(rn.sum->alerts, 0);
	assert_int_equal(rn.sum->partial, 0);
	assert_null(strstr(rn.c.text.ptr ? rn.c.text.ptr : "", "a-evil"));
	assert_int_equal(rn.sum->inputs, rn.sum->examined + rn.sum->skipped + rn.sum->partial + rn.sum->unchanged);
	assert_int_equal(rn.sum->inputs, 8);	/* 7 files and the FIFO */
	run_end(&rn);
}

static void test_live_ctx(void **state)
{
	struct capture c;
	struct mm_output *out = capture_output(&c);
	struct mm_scan_ctx *ctx;
	struct mm_alert a;

	(void)state;
	ctx = mm_scan_ctx_new(out, NULL, false, "eth0");
	assert_non_null(ctx);
	assert_false(mm_scan_expired(ctx));
	mm_alert_init(&a);
	a.rule_id = "mamori.test.live";
	a.module = "net";
	a.has_level = 1;
	a.level = MM_LEVEL_CRITICAL;
	assert_int_equal(mm_emit_alert(ctx, &a), 0);
	mm_scan_partial(ctx, MM_SKIP_LIMIT, "flow table full: %d dropped", 3);
	assert_false(mm_scan_wants_record(ctx, "http"));
	assert_int_equal(mm_output_want_records(out, "dns,http"), 0);
	assert_true(mm_scan_wants_record(ctx, "http"));
	assert_false(mm_scan_wants_record(ctx, "flow"));
	mm_scan_ctx_interrupt(ctx);
	assert_true(mm_scan_expired(ctx));
	assert_string_equal(c.text.ptr, "A critical mamori.test.live - net\n"
					"S limit reached 1 eth0 | flow table full: 3 dropped\n");
	assert_int_equal(mm_output_alert_count(out), 1);
	mm_scan_ctx_free(ctx);
	mm_output_free(out);
	mm_buf_release(&c.text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_routing_and_summary),
		cmocka_unit_test(test_deterministic_across_threads),
		cmocka_unit_test(test_max_size_and_timeout),
		cmocka_unit_test(test_interrupt),
		cmocka_unit_test(test_changed_callbacks),
		cmocka_unit_test(test_changed_partial),
		cmocka_unit_test(test_changed_before_open),
		cmocka_unit_test(test_live_ctx),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
