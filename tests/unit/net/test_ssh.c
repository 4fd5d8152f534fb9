/*
 * test_ssh.c — the SSH parser: banners split into proto/software, KEXINIT
 * fingerprints (HASSH, checked against an MD5 computed here of the name
 * lists the generator wrote), and the authentication outcome inferred from
 * encrypted packet sizes: a dictionary attack of 12 connections is one
 * alert; a session with one failure then a success stays silent.
 */
#include "core/compat.h"
#include <setjmp.h>
#include <cmocka.h>
#include "netbhelp.h"

static void test_brute(void **st)
{
	(void)st;
	struct nt_out o;
	assert_int_equal(nb_scan(nt_gen("net_b_auth/ssh_brute.pcap"), NULL, "ssh", &o), 0);
	assert_int_equal(o.nrecords, 12);
	/* the "none" probe is not a failure: 2 per connection */
	assert_int_equal(nt_count(o.records.ptr, "\"failures_inferred\":2"), 12);
	assert_int_equal(o.nalerts, 1);
	assert_non_null(strstr(o.alerts.ptr, "mamori.net.bruteforce.ssh"));
	assert_non_null(strstr(o.alerts.ptr, "\"failures\":24"));
	assert_non_null(strstr(o.alerts.ptr, "\"confidence\":"));
	nt_out_release(&o);
}

static void test_normal(void **st)
{
	(void)st;
	struct nt_out o;
	char want[64];
	uint8_t md[16];
	const char *in = "curve25519-sha256;aes128-ctr;hmac-sha2-256;none";
	assert_int_equal(nb_scan(nt_gen("net_b_auth/ssh_normal.pcap"), NULL, "ssh", &o), 0);
	assert_int_equal(o.nalerts, 0);
	assert_int_equal(o.nrecords, 1);
	assert_non_null(strstr(o.records.ptr, "\"client\":\"SSH-2.0-libssh_0.9.6\""));
	assert_non_null(strstr(o.records.ptr, "\"server\":\"SSH-2.0-OpenSSH_9.2p1 Debian-2\""));
	assert_non_null(strstr(o.records.ptr, "\"auth\":\"success (inferred)\""));
	assert_non_null(strstr(o.records.ptr, "\"failures_inferred\":1"));
	mm_md5(in, strlen(in), md);
	char hex[33];
	mm_hex(md, 16, hex);
	snprintf(want, sizeof(want), "\"hassh\":\"%s\"", hex);
	assert_non_null(strstr(o.records.ptr, want));
	nt_out_release(&o);
}

static void test_keys_then_login(void **st)
{
	(void)st;
	struct nt_out o;
	/* 12 refused keys over 4 connections, each ending in a login: not a
	 * guessing attack (the failures of a connection that logs in are
	 * dropped) */
	assert_int_equal(nb_scan(nt_gen("net_b_auth/ssh_keys.pcap"), NULL, "ssh", &o), 0);
	assert_int_equal(nt_count(o.records.ptr, "\"auth\":\"success (inferred)\""), 4);
	assert_int_equal(nt_count(o.records.ptr, "\"failures_inferred\":3"), 4);
	assert_int_equal(o.nalerts, 0);
	nt_out_release(&o);
}

static void test_probe(void **st)
{
	(void)st;
	extern const struct app_parser app_parser_ssh;
	struct net_flow_info f;
	memset(&f, 0, sizeof(f));
	assert_int_equal(app_parser_ssh.probe((const uint8_t *)"SSH-2.0-x\r\n", 11, APP_TO_CLIENT, &f),
			 APP_PROBE_YES);
	assert_int_equal(app_parser_ssh.probe((const uint8_t *)"SS", 2, APP_TO_CLIENT, &f),
			 APP_PROBE_MAYBE);
	assert_int_equal(app_parser_ssh.probe((const uint8_t *)"GET /", 5, APP_TO_SERVER, &f),
			 APP_PROBE_NO);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_brute),
		cmocka_unit_test(test_normal),
		cmocka_unit_test(test_keys_then_login),
		cmocka_unit_test(test_probe),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
