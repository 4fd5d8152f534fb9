/*
 * test_bruteforce.c — the brute-force detector over generated captures:
 * one alert per (source, target, service) burst with the user names,
 * failure count and frames; a success after the failures raises the level;
 * one user mistyping stays silent; spraying over three servers gives the
 * per-source alert; thresholds and window come from the configuration.
 */
#include "core/compat.h"
#include <setjmp.h>
#include <cmocka.h>
#include "netbhelp.h"

static void test_ftp_dictionary(void **st)
{
	(void)st;
	struct nt_out o;
	assert_int_equal(nb_scan(nt_gen("net_b_auth/ftp_brute.pcap"), NULL, NULL, &o), 0);
	assert_int_equal(o.nalerts, 1);
	assert_non_null(strstr(o.alerts.ptr, "\"id\":\"mamori.net.bruteforce.ftp\""));
	assert_non_null(strstr(o.alerts.ptr, "\"failures\":11"));
	/* the 12th connection logs in: possible compromise */
	assert_non_null(strstr(o.alerts.ptr, "\"level\":\"high\""));
	assert_non_null(strstr(o.alerts.ptr, "\"success_user\":\"user\""));
	assert_non_null(strstr(o.alerts.ptr,
			       "\"users\":[\"admin\",\"root\",\"test\",\"oracle\",\"guest\",\"user\"]"));
	assert_non_null(strstr(o.alerts.ptr, "\"T1110.001\""));
	assert_non_null(strstr(o.alerts.ptr, "\"destination\":{\"ip\":\"10.2.0.9\",\"port\":21}"));
	/* passwords are never reported */
	assert_null(strstr(o.alerts.ptr, "secret"));
	nt_out_release(&o);
}

static void test_mistype_silent(void **st)
{
	(void)st;
	struct nt_out o;
	assert_int_equal(nb_scan(nt_gen("net_b_auth/ftp_mistype.pcap"), NULL, NULL, &o), 0);
	assert_int_equal(o.nalerts, 0);
	nt_out_release(&o);
}

static void test_spray(void **st)
{
	(void)st;
	struct nt_out o;
	assert_int_equal(nb_scan(nt_gen("net_b_auth/spray.pcap"), NULL, NULL, &o), 0);
	assert_int_equal(nt_count(o.alerts.ptr, "mamori.net.bruteforce.spray"), 1);
	assert_non_null(strstr(o.alerts.ptr, "\"T1110.003\""));
	assert_non_null(strstr(o.alerts.ptr, "24 failed logins from 10.2.0.5 on 3 targets"));
	nt_out_release(&o);
	/* over one target only, no spraying */
	assert_int_equal(nb_scan(nt_gen("net_b_auth/ftp_brute.pcap"), NULL, NULL, &o), 0);
	assert_int_equal(nt_count(o.alerts.ptr, "mamori.net.bruteforce.spray"), 0);
	nt_out_release(&o);
}

static void test_config(void **st)
{
	(void)st;
	struct nt_out o;
	const char *high[] = { "net.bruteforce.threshold=100", "net.bruteforce.min_failures=50",
			       "net.bruteforce.source_threshold=100", NULL };
	assert_int_equal(nb_scan(nt_gen("net_b_auth/ftp_brute.pcap"), high, NULL, &o), 0);
	assert_int_equal(o.nalerts, 0);
	nt_out_release(&o);
	/* failures 1.5 s apart never fill a 1 s window */
	const char *narrow[] = { "net.bruteforce.window=1", NULL };
	assert_int_equal(nb_scan(nt_gen("net_b_auth/ftp_brute.pcap"), narrow, NULL, &o), 0);
	assert_int_equal(o.nalerts, 0);
	nt_out_release(&o);
	/* a low threshold turns the mistyping user into an alert */
	const char *low[] = { "net.bruteforce.threshold=2", NULL };
	assert_int_equal(nb_scan(nt_gen("net_b_auth/ftp_mistype.pcap"), low, NULL, &o), 0);
	assert_int_equal(o.nalerts, 1);
	nt_out_release(&o);
}

static void test_http_basic(void **st)
{
	(void)st;
	struct nt_out o;
	assert_int_equal(nb_scan(nt_gen("net_b_auth/http_401.pcap"), NULL, NULL, &o), 0);
	assert_int_equal(o.nalerts, 1);
	assert_non_null(strstr(o.alerts.ptr, "mamori.net.bruteforce.http"));
	assert_non_null(strstr(o.alerts.ptr, "\"failures\":12"));
	nt_out_release(&o);
}

static void test_direct_reports(void **st)
{
	(void)st;
	struct nt_out o;
	struct app_ctx ctx;
	struct nb_env *e = nb_open(&ctx, &o);
	/* 4 failures at machine speed: under every trigger (min_failures 5) */
	for (int i = 0; i < 4; i++) {
		ctx.ts_us += 100000;
		ctx.frame++;
		net_auth_report(&ctx, "ssh", NET_AUTH_FAILURE, NULL, 0);
	}
	ctx.ts_us += 120 * 1000000LL;
	net_bruteforce_flush(ctx.net, ctx.scan, ctx.ts_us);
	assert_int_equal(o.nalerts, 0);
	/* 5 fast ones: a machine */
	for (int i = 0; i < 5; i++) {
		ctx.ts_us += 100000;
		ctx.frame++;
		net_auth_report(&ctx, "ssh", NET_AUTH_FAILURE, NULL, 0);
	}
	/* still inside the window: nothing yet (one alert per burst, at its end) */
	net_bruteforce_flush(ctx.net, ctx.scan, ctx.ts_us + 1000000);
	assert_int_equal(o.nalerts, 0);
	net_bruteforce_flush(ctx.net, ctx.scan, ctx.ts_us + 61 * 1000000LL);
	assert_int_equal(o.nalerts, 1);
	assert_non_null(strstr(o.alerts.ptr, "\"failures\":5"));
	assert_non_null(strstr(o.alerts.ptr, "encrypted packet sizes"));
	/* 5 slow failures of one user: a person */
	for (int i = 0; i < 5; i++) {
		ctx.ts_us += 8000000;
		net_auth_report(&ctx, "ftp", NET_AUTH_FAILURE, "bob", 3);
	}
	nb_close(e);
	assert_int_equal(o.nalerts, 1);
	nt_out_release(&o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ftp_dictionary), cmocka_unit_test(test_mistype_silent),
		cmocka_unit_test(test_spray),	       cmocka_unit_test(test_config),
		cmocka_unit_test(test_http_basic),     cmocka_unit_test(test_direct_reports),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
