/*
 * test_ftp.c — the FTP parser: commands paired with their reply codes
 * (multi-line replies included), user names kept, passwords never logged,
 * 530/230 reported as login outcomes; a non-FTP greeting is not taken.
 */
#include "core/compat.h"
#include <setjmp.h>
#include <cmocka.h>
#include "netbhelp.h"

static void test_records(void **st)
{
	(void)st;
	struct nt_out o;
	assert_int_equal(nb_scan(nt_gen("net_b_auth/ftp_mistype.pcap"), NULL, "ftp", &o), 0);
	/* USER, PASS x3 (two 530 then 230), USER x2 again, QUIT */
	assert_int_equal(nt_count(o.records.ptr, "\"command\":\"PASS\""), 3);
	assert_int_equal(nt_count(o.records.ptr, "\"reply_code\":530"), 2);
	assert_int_equal(nt_count(o.records.ptr, "\"reply_code\":230"), 1);
	assert_int_equal(nt_count(o.records.ptr, "\"user\":\"alice\""), o.nrecords);
	/* the multi-line 221 reply is one reply, ended by "221 " */
	assert_int_equal(nt_count(o.records.ptr, "\"reply_code\":221"), 1);
	assert_non_null(strstr(o.records.ptr, "\"reply_msg\":\"See you.\""));
	assert_null(strstr(o.records.ptr, "secret"));
	nt_out_release(&o);
}

static void test_brute_records(void **st)
{
	(void)st;
	struct nt_out o;
	assert_int_equal(nb_scan(nt_gen("net_b_auth/ftp_brute.pcap"), NULL, "ftp", &o), 0);
	assert_int_equal(nt_count(o.records.ptr, "\"reply_code\":530"), 11);
	assert_int_equal(nt_count(o.records.ptr, "\"reply_code\":331"), 12);
	nt_out_release(&o);
}

static void test_not_ftp(void **st)
{
	(void)st;
	extern const struct app_parser app_parser_ftp;
	struct net_flow_info f;
	memset(&f, 0, sizeof(f));
	const char *smtp = "220 mail.example.org ESMTP Postfix\r\n";
	const char *ftp = "220 ProFTPD Server ready.\r\n";
	const char *bare = "220 Welcome\r\n";
	assert_int_equal(app_parser_ftp.probe((const uint8_t *)smtp, strlen(smtp), APP_TO_CLIENT, &f),
			 APP_PROBE_NO);
	assert_int_equal(app_parser_ftp.probe((const uint8_t *)ftp, strlen(ftp), APP_TO_CLIENT, &f),
			 APP_PROBE_YES);
	assert_int_equal(app_parser_ftp.probe((const uint8_t *)bare, 5, APP_TO_CLIENT, &f),
			 APP_PROBE_MAYBE);
	assert_int_equal(app_parser_ftp.probe((const uint8_t *)"user x\r\n", 8, APP_TO_SERVER, &f),
			 APP_PROBE_YES);
	assert_int_equal(app_parser_ftp.probe((const uint8_t *)"EHLO x\r\n", 8, APP_TO_SERVER, &f),
			 APP_PROBE_NO);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_records),
		cmocka_unit_test(test_brute_records),
		cmocka_unit_test(test_not_ftp),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
