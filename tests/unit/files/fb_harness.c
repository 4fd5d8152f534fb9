/*
 * fb_harness.c — see fb_harness.h.
 */
#include "core/compat.h"

#include <setjmp.h>
#include <cmocka.h>

#include "fb_harness.h"

int fb_cap_alert(void *st, const struct mm_alert *a, const char *json, size_t len)
{
	struct fb_cap *c = st;

	(void)a;
	if (c->n < FB_CAP_ALERTS) {
		snprintf(c->alerts[c->n], sizeof c->alerts[0], "%.*s", (int)len, json);
		c->n++;
	}
	return 0;
}

int fb_cap_skip(void *st, const char *path, enum mm_skip why, bool partial,
		    const char *detail)
{
	struct fb_cap *c = st;

	(void)path;
	(void)why;
	(void)detail;
	if (partial)
		c->partials++;
	return 0;
}

uint8_t *fb_load_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf;
	long n;

	if (!f)
		fail_msg("cannot open %s", path);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	assert_true(n >= 0);
	rewind(f);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return buf;
}

uint8_t *fb_load_gen(const char *rel, size_t *len)
{
	char path[4096];
	const char *gen = getenv("MAMORI_GEN_DIR");

	assert_non_null(gen);
	snprintf(path, sizeof path, "%s/%s", gen, rel);
	return fb_load_file(path, len);
}

void fb_run_analyser(const struct file_analyser *an, const char *name, const uint8_t *d,
			 size_t n, enum mm_kind kind, struct fb_cap *c)
{
	struct mm_alert_json_opts opts = { 0, "0.1.0", "test" };
	struct mm_output *out = mm_output_new(&opts);
	/* no configuration: analysers must work with their defaults */
	const struct mm_config *cfg = NULL;
	struct mm_sink sink = { "cap", c, fb_cap_alert, fb_cap_skip, NULL, NULL, NULL };
	struct mm_scan_ctx *ctx;
	struct file_view v;
	void *w = NULL;

	memset(c, 0, sizeof *c);
	assert_non_null(out);
	assert_int_equal(mm_output_add(out, &sink), 0);
	ctx = mm_scan_ctx_new(out, cfg, true, name);
	assert_non_null(ctx);
	memset(&v, 0, sizeof v);
	v.path = name;
	v.data = d;
	v.len = n;
	v.kind = kind;
	v.sha256 = "00";
	v.disk_path = name;
	if (an->worker_new)
		w = an->worker_new(cfg);
	assert_int_equal(an->analyse(w, &v, ctx), 0);
	if (an->worker_free)
		an->worker_free(w);
	mm_scan_ctx_free(ctx);
	mm_output_free(out);
}
