/*
 * test_phish.c — the exchange-phishing analyser (src/files/an_phish.c)
 * with its MIME walker and HTML scanner (mail.c) on mails and pages made
 * by tests/gen/gen_phish.py, with the bundled brand list.
 */
#include "core/compat.h"

#include <setjmp.h>
#include <cmocka.h>

#include "core/core.h"
#include "files/analyser.h"
#include "fb_harness.h"
#include "files/mail.h"

extern const struct file_analyser file_analyser_phish;

static void *shared;

static void run_phish(const char *rel, enum mm_kind kind, struct fb_cap *c)
{
	struct mm_alert_json_opts opts = { 0, "0.1.0", "test" };
	struct mm_output *out = mm_output_new(&opts);
	struct mm_sink sink = { "cap", c, fb_cap_alert, fb_cap_skip, NULL, NULL, NULL };
	struct mm_scan_ctx *ctx;
	struct file_view v;
	uint8_t *buf;
	size_t len;
	void *w;

	memset(c, 0, sizeof *c);
	assert_non_null(out);
	assert_int_equal(mm_output_add(out, &sink), 0);
	ctx = mm_scan_ctx_new(out, NULL, true, rel);
	assert_non_null(ctx);
	buf = fb_load_gen(rel, &len);
	memset(&v, 0, sizeof v);
	v.path = rel;
	v.data = buf;
	v.len = len;
	v.kind = kind;
	v.sha256 = "00";
	v.disk_path = rel;
	w = file_analyser_phish.worker_new_shared(shared, NULL);
	assert_non_null(w);
	assert_int_equal(file_analyser_phish.analyse(w, &v, ctx), 0);
	mm_scan_ctx_free(ctx);
	mm_output_free(out);
	free(buf);
}

static int setup(void **state)
{
	struct mm_engine_env env;
	struct mm_diag diag;
	const char *rules = getenv("MAMORI_RULES_DIR");

	(void)state;
	memset(&env, 0, sizeof env);
	env.bundled_rules = true;
	env.bundled_rules_dir = rules;
	mm_diag_init(&diag);
	if (!rules)
		return -1;
	return file_analyser_phish.open(&shared, &env, &diag);
}

static int teardown(void **state)
{
	(void)state;
	file_analyser_phish.close(shared);
	return 0;
}

static struct fb_cap c;

static const char *alert_with(const char *rule)
{
	for (int i = 0; i < c.n; i++)
		if (strstr(c.alerts[i], rule))
			return c.alerts[i];
	return NULL;
}

static void test_display_mismatch_and_seed_form(void **state)
{
	const char *a;

	(void)state;
	run_phish("phish/coinbase_mismatch.eml", MM_KIND_EMAIL, &c);
	a = alert_with("\"mamori.files.phish.display-mismatch\"");
	assert_non_null(a);
	assert_non_null(strstr(a, "\"display_text\":\"https://www.coinbase.com/signin\""));
	assert_non_null(strstr(a, "\"registrable_domain\":\"coinbase-secure-login.com\""));
	assert_non_null(strstr(a, "\"level\":\"high\""));
	a = alert_with("\"mamori.files.phish.lookalike-domain\"");
	assert_non_null(a);
	assert_non_null(strstr(a, "brand_in_other_domain"));
	assert_non_null(strstr(a, "\"brand\":\"Coinbase\""));
	a = alert_with("\"mamori.files.phish.credential-form\"");
	assert_non_null(a);
	assert_non_null(strstr(a, "seed_phrase"));
	assert_non_null(strstr(a, "\"subject\":\"Unusual sign-in activity\""));
}

static void test_idn_homoglyph(void **state)
{
	const char *a;

	(void)state;
	run_phish("phish/binance_idn.eml", MM_KIND_EMAIL, &c);
	assert_int_equal(c.n, 1);
	a = alert_with("\"mamori.files.phish.lookalike-domain\"");
	assert_non_null(a);
	assert_non_null(strstr(a, "idn_homoglyph"));
	assert_non_null(strstr(a, "mixed_scripts"));
	assert_non_null(strstr(a, "\"host_unicode\":\"www.b\xd1\x96nance.com\""));
	assert_non_null(strstr(a, "\"level\":\"high\""));
}

static void test_subdomain_in_iso2022jp(void **state)
{
	const char *a;

	(void)state;
	run_phish("phish/bitflyer_subdomain.eml", MM_KIND_EMAIL, &c);
	a = alert_with("\"mamori.files.phish.lookalike-domain\"");
	assert_non_null(a);
	assert_non_null(strstr(a, "brand_in_subdomain"));
	assert_non_null(strstr(a, "\"registrable_domain\":\"login-verify.xyz\""));
	assert_non_null(strstr(a, "\"brand\":\"bitFlyer\""));
}

static void test_typos(void **state)
{
	const char *a;

	(void)state;
	run_phish("phish/typo.eml", MM_KIND_EMAIL, &c);
	a = alert_with("\"mamori.files.phish.lookalike-domain\"");
	assert_non_null(a);
	assert_non_null(strstr(a, "\"edit_distance\":1"));
	assert_non_null(strstr(a, "coinbasse.com"));
	assert_non_null(strstr(a, "kraken-login.com"));
}

static void test_legit_is_silent(void **state)
{
	(void)state;
	run_phish("phish/legit_notice.eml", MM_KIND_EMAIL, &c);
	assert_int_equal(c.n, 0);
	run_phish("phish/legit_page.html", MM_KIND_HTML, &c);
	assert_int_equal(c.n, 0);
	/* gemini.google.com, kraken.readthedocs.io, ledger-accounting...: a
	 * page that never names the brand is not a look-alike */
	run_phish("phish/common_words.html", MM_KIND_HTML, &c);
	assert_int_equal(c.n, 0);
}

static void test_pages(void **state)
{
	const char *a;

	(void)state;
	run_phish("phish/binance_login.html", MM_KIND_HTML, &c);
	a = alert_with("\"mamori.files.phish.credential-form\"");
	assert_non_null(a);
	assert_non_null(strstr(a, "\"level\":\"high\""));
	assert_non_null(strstr(a, "password"));
	assert_non_null(alert_with("brand_in_subdomain"));

	run_phish("phish/metamask_seed.html", MM_KIND_HTML, &c);
	a = alert_with("\"mamori.files.phish.credential-form\"");
	assert_non_null(a);
	assert_non_null(strstr(a, "seed_phrase"));
	assert_non_null(strstr(a, "\"brand_mentioned\":\"MetaMask\""));
}

static void test_robustness(void **state)
{
	(void)state;
	run_phish("phish/broken.eml", MM_KIND_EMAIL, &c);
	assert_int_equal(c.n, 0);
	run_phish("phish/attachment.eml", MM_KIND_EMAIL, &c);
	assert_int_equal(c.n, 0);	/* the page is an attachment: the driver's job */
}

static void test_html_scan(void **state)
{
	static struct html_doc d;
	static const char h[] =
		"<TITLE>T&amp;C</TITLE><a href = 'https&#58;//x.example/a' >A &lt;b&gt;</a>"
		"<a href=\"//cdn.example/rel\">r<b>old</b></a><a href=\"page.html\">rel</a><script>var a='<a href=\"https://no\">'</script>"
		"<form action=\"https://f.example/p\"><input type=password name=p>"
		"<input name=\"mnemonic\"><input type=hidden name=seed></form><a href=x";

	(void)state;
	html_doc_init(&d);
	assert_int_equal(html_scan(&d, h, sizeof h - 1), 0);
	assert_string_equal(d.title, "T&amp;C");
	assert_int_equal(d.nlinks, 2);	/* the relative link is not kept */
	assert_string_equal(html_str(&d, d.links[0].href), "https://x.example/a");
	assert_string_equal(html_str(&d, d.links[0].text), "A <b>");
	assert_string_equal(html_str(&d, d.links[1].text), "rold");
	assert_int_equal(d.nforms, 1);
	assert_string_equal(html_str(&d, d.forms[0].action), "https://f.example/p");
	assert_int_equal(d.forms[0].kinds, HTML_IN_PASSWORD | HTML_IN_SEED);
	assert_int_equal(d.forms[0].inputs, 2);
	html_doc_release(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_display_mismatch_and_seed_form),
		cmocka_unit_test(test_idn_homoglyph),
		cmocka_unit_test(test_subdomain_in_iso2022jp),
		cmocka_unit_test(test_typos),
		cmocka_unit_test(test_legit_is_silent),
		cmocka_unit_test(test_pages),
		cmocka_unit_test(test_robustness),
		cmocka_unit_test(test_html_scan),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
