/*
 * test_telnet.c — the Telnet parser: option negotiation (WILL/DO and
 * subnegotiation) stripped, user names typed one character per segment
 * recovered, "Login incorrect" counted, a shell prompt after the password
 * taken as success; the password never appears anywhere.
 */
#include "core/compat.h"
#include <setjmp.h>
#include <cmocka.h>
#include "netbhelp.h"

static void test_brute(void **st)
{
	(void)st;
	struct nt_out o;
	assert_int_equal(nb_scan(nt_gen("net_b_auth/telnet_brute.pcap"), NULL, NULL, &o), 0);
	assert_int_equal(o.nalerts, 1);
	assert_non_null(strstr(o.alerts.ptr, "mamori.net.bruteforce.telnet"));
	assert_non_null(strstr(o.alerts.ptr, "\"failures\":11"));
	assert_non_null(strstr(o.alerts.ptr, "\"users\":[\"admin\",\"root\",\"test\""));
	assert_null(strstr(o.alerts.ptr, "hunter2"));
	nt_out_release(&o);
}

static void test_ok_silent(void **st)
{
	(void)st;
	struct nt_out o;
	const char *low[] = { "net.bruteforce.threshold=2", NULL };
	/* even with a threshold of 2, a single success gives nothing */
	assert_int_equal(nb_scan(nt_gen("net_b_auth/telnet_ok.pcap"), low, NULL, &o), 0);
	assert_int_equal(o.nalerts, 0);
	nt_out_release(&o);
}

static void test_probe(void **st)
{
	(void)st;
	extern const struct app_parser app_parser_telnet;
	struct net_flow_info f;
	memset(&f, 0, sizeof(f));
	const uint8_t iac[] = { 0xff, 0xfd, 0x18 };
	const uint8_t bad[] = { 0xff, 0x01 };
	assert_int_equal(app_parser_telnet.probe(iac, 3, APP_TO_CLIENT, &f), APP_PROBE_YES);
	assert_int_equal(app_parser_telnet.probe(iac, 1, APP_TO_CLIENT, &f), APP_PROBE_MAYBE);
	assert_int_equal(app_parser_telnet.probe(bad, 2, APP_TO_CLIENT, &f), APP_PROBE_NO);
	assert_int_equal(app_parser_telnet.probe((const uint8_t *)"login:", 6, APP_TO_CLIENT, &f),
			 APP_PROBE_NO);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_brute),
		cmocka_unit_test(test_ok_silent),
		cmocka_unit_test(test_probe),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
