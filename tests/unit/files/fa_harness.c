/*
 * fa_harness.c — see fa_harness.h.
 */
#include "core/compat.h"
#include "fa_harness.h"

#include <setjmp.h>
#include <cmocka.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

extern const struct mm_engine mm_engine_files;

static int cap_alert(void *state, const struct mm_alert *a, const char *json, size_t len)
{
	struct fa *h = state;
	json_error_t err;

	(void)a;
	if (h->n_alerts < FA_MAX_ALERTS) {
		json_t *o = json_loadb(json, len, 0, &err);

		if (!o)
			fail_msg("alert is not JSON: %s (%.*s)", err.text, (int)len, json);
		h->alerts[h->n_alerts++] = o;
	}
	return 0;
}

static int cap_skip(void *state, const char *path, enum mm_skip why, bool partial,
		    const char *detail)
{
	struct fa *h = state;

	(void)path;
	if (h->n_skips < FA_MAX_SKIPS) {
		snprintf(h->skips[h->n_skips], sizeof(h->skips[0]), "%s", detail ? detail : "");
		h->skip_why[h->n_skips] = (int)why;
		h->skip_partial[h->n_skips] = partial;
		h->n_skips++;
	}
	return 0;
}

void fa_gen_path(const char *rel, char *out, size_t cap)
{
	const char *gen = getenv("MAMORI_GEN_DIR");

	if (rel[0] == '/') {
		snprintf(out, cap, "%s", rel);
		return;
	}
	assert_non_null(gen);
	snprintf(out, cap, "%s/files/%s", gen, rel);
}

void fa_open(struct fa *h, const char *const *rule_paths, bool bundled, const char *const *sets)
{
	static const char *const none[] = { NULL };
	struct mm_engine_env env;
	struct mm_diag diag;
	const char *rules = getenv("MAMORI_RULES_DIR");
	int rc;

	memset(h, 0, sizeof(*h));
	h->cfg = mm_config_new();
	h->cat = mm_catalogue_new();
	h->rep = mm_rule_report_new();
	assert_non_null(h->cfg);
	assert_non_null(h->cat);
	assert_non_null(h->rep);
	assert_int_equal(mm_config_declare(h->cfg, mm_core_config_defaults), 0);
	assert_int_equal(mm_config_declare(h->cfg, mm_engine_files.config_defaults), 0);
	for (size_t i = 0; sets && sets[i]; i++) {
		char key[128];
		const char *eq = strchr(sets[i], '=');

		assert_non_null(eq);
		snprintf(key, sizeof(key), "%.*s", (int)(eq - sets[i]), sets[i]);
		assert_int_equal(mm_config_set(h->cfg, key, eq + 1), 0);
	}
	snprintf(h->cache, sizeof(h->cache), "/tmp/mamori-test-cache-%ld", (long)getpid());
	memset(&env, 0, sizeof(env));
	env.config = h->cfg;
	env.catalogue = h->cat;
	env.rule_report = h->rep;
	env.rule_paths = rule_paths ? rule_paths : none;
	env.bundled_rules = bundled;
	env.bundled_rules_dir = rules;
	env.cache_dir = h->cache;
	env.deterministic = true;
	mm_diag_init(&diag);
	rc = mm_engine_files.open(&h->eng, &env, &diag);
	if (rc != 0)
		fail_msg("open: %s: %s", mm_strerror(rc), diag.reason);
	assert_int_equal(mm_engine_files.worker_open(h->eng, &h->worker), 0);
}

static void clear(struct fa *h)
{
	for (size_t i = 0; i < h->n_alerts; i++)
		json_decref(h->alerts[i]);
	h->n_alerts = 0;
	h->n_skips = 0;
}

void fa_close(struct fa *h)
{
	char cmd[512];

	clear(h);
	mm_engine_files.worker_close(h->worker);
	mm_engine_files.close(h->eng);
	mm_rule_report_free(h->rep);
	mm_catalogue_free(h->cat);
	mm_config_free(h->cfg);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", h->cache);
	if (system(cmd) != 0)
		print_message("could not remove %s\n", h->cache);
}

void fa_scan(struct fa *h, const char *rel)
{
	struct mm_alert_json_opts opts = { 0, "0.1.0", "test" };
	struct mm_output *out;
	struct mm_sink sink = { "cap", h, cap_alert, cap_skip, NULL, NULL, NULL };
	struct mm_scan_ctx *ctx;
	struct mm_input in;
	struct stat st;
	uint8_t head[MM_CLASSIFY_HEAD];
	char path[4096];
	ssize_t got;
	int fd;

	clear(h);
	fa_gen_path(rel, path, sizeof(path));
	fd = open(path, O_RDONLY);
	if (fd < 0)
		fail_msg("cannot open %s", path);
	assert_int_equal(fstat(fd, &st), 0);
	got = pread(fd, head, sizeof(head), 0);
	assert_true(got >= 0);
	memset(&in, 0, sizeof(in));
	in.path = path;
	in.fd = fd;
	in.size = (uint64_t)st.st_size;
	in.mtime_us = (int64_t)st.st_mtime * 1000000;
	in.head = head;
	in.head_len = (size_t)got;
	in.kind = mm_classify(head, (size_t)got, in.size);
	out = mm_output_new(&opts);
	assert_non_null(out);
	assert_int_equal(mm_output_add(out, &sink), 0);
	ctx = mm_scan_ctx_new(out, h->cfg, true, path);
	assert_non_null(ctx);
	h->rc = mm_engine_files.scan(h->eng, h->worker, &in, ctx);
	mm_scan_ctx_free(ctx);
	mm_output_free(out);
	close(fd);
	if (getenv("FA_DEBUG")) {
		for (size_t i = 0; i < h->n_alerts; i++) {
			char *s = json_dumps(h->alerts[i], JSON_COMPACT);

			print_message("alert: %s\n", s ? s : "?");
			free(s);
		}
		for (size_t i = 0; i < h->n_skips; i++)
			print_message("skip(%d,%d): %s\n", h->skip_why[i], h->skip_partial[i],
				      h->skips[i]);
	}
}

static const char *str_at(json_t *o, const char *a, const char *b)
{
	json_t *x = json_object_get(o, a);

	return json_string_value(json_object_get(x, b));
}

json_t *fa_find(const struct fa *h, const char *rule_id, const char *path_suffix)
{
	for (size_t i = 0; i < h->n_alerts; i++) {
		const char *id = str_at(h->alerts[i], "rule", "id");
		const char *p = str_at(h->alerts[i], "file", "path");

		if (!id || strcmp(id, rule_id))
			continue;
		if (path_suffix) {
			size_t pl = p ? strlen(p) : 0, sl = strlen(path_suffix);

			if (!p || pl < sl || strcmp(p + pl - sl, path_suffix))
				continue;
		}
		return h->alerts[i];
	}
	return NULL;
}

size_t fa_count(const struct fa *h, const char *rule_id)
{
	size_t n = 0;

	for (size_t i = 0; i < h->n_alerts; i++) {
		const char *id = str_at(h->alerts[i], "rule", "id");

		if (id && !strcmp(id, rule_id))
			n++;
	}
	return n;
}

const char *fa_level(json_t *alert)
{
	const char *l = str_at(alert, "mamori", "level");

	return l ? l : "";
}

bool fa_skipped(const struct fa *h, int why, const char *text)
{
	for (size_t i = 0; i < h->n_skips; i++) {
		if ((why < 0 || h->skip_why[i] == why) && strstr(h->skips[i], text))
			return true;
	}
	return false;
}
