/*
 * test_rdp.c — the RDP parser: X.224 Connection Request with the
 * mstshash cookie and negotiation request, Connection Confirm with the
 * selected protocol; 12 short connections from one source become one low
 * alert naming the user; ISO-TSAP connection requests are not RDP.
 */
#include "core/compat.h"
#include <setjmp.h>
#include <cmocka.h>
#include "netbhelp.h"

static void test_cookies(void **st)
{
	(void)st;
	struct nt_out o;
	assert_int_equal(nb_scan(nt_gen("net_b_auth/rdp_cookies.pcap"), NULL, "rdp", &o), 0);
	assert_int_equal(o.nrecords, 12);
	assert_int_equal(nt_count(o.records.ptr, "\"cookie\":\"administrator\""), 12);
	assert_int_equal(nt_count(o.records.ptr, "\"requested_protocols\":3"), 12);
	assert_int_equal(nt_count(o.records.ptr, "\"selected_protocol\":\"hybrid\""), 12);
	assert_int_equal(o.nalerts, 1);
	assert_non_null(strstr(o.alerts.ptr, "mamori.net.bruteforce.rdp"));
	assert_non_null(strstr(o.alerts.ptr, "\"level\":\"low\""));
	assert_non_null(strstr(o.alerts.ptr, "\"user\":{\"name\":\"administrator\"}"));
	assert_non_null(strstr(o.alerts.ptr, "\"attempts_outcome_unseen\":12"));
	nt_out_release(&o);
}

static void test_probe(void **st)
{
	(void)st;
	extern const struct app_parser app_parser_rdp;
	struct net_flow_info f;
	memset(&f, 0, sizeof(f));
	/* CR with a negotiation request only */
	const uint8_t cr[] = { 3, 0, 0, 19, 14, 0xe0, 0, 0, 0, 0, 0, 1, 0, 8, 0, 3, 0, 0, 0 };
	/* S7/ISO-TSAP CR: parameters 0xc1/0xc2 */
	const uint8_t tsap[] = { 3, 0, 0, 22, 17, 0xe0, 0, 0, 0, 1, 0, 0xc1, 2, 1, 0, 0xc2, 2, 1, 2,
				 0xc0, 1, 9 };
	assert_int_equal(app_parser_rdp.probe(cr, sizeof(cr), APP_TO_SERVER, &f), APP_PROBE_YES);
	assert_int_equal(app_parser_rdp.probe(cr, 2, APP_TO_SERVER, &f), APP_PROBE_MAYBE);
	assert_int_equal(app_parser_rdp.probe(tsap, sizeof(tsap), APP_TO_SERVER, &f), APP_PROBE_NO);
	/* a CR is not a confirm */
	assert_int_equal(app_parser_rdp.probe(cr, sizeof(cr), APP_TO_CLIENT, &f), APP_PROBE_NO);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cookies),
		cmocka_unit_test(test_probe),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
