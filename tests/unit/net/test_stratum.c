/*
 * test_stratum.c — the Stratum parser: v1 subscribe/authorize/notify/
 * submit, XMRig login split over segments and its job reply, Ethereum
 * eth_submitLogin/eth_getWork, one record per method call; a JSON-RPC
 * service with other methods is not taken for mining.
 */
#include "core/compat.h"
#include <setjmp.h>
#include <cmocka.h>
#include "netbhelp.h"

static void test_v1(void **st)
{
	(void)st;
	struct nt_out o;
	assert_int_equal(nb_scan(nt_gen("net_b_mining/stratum_v1.pcap"), NULL, "stratum", &o), 0);
	assert_int_equal(o.nrecords, 5);
	assert_non_null(strstr(o.records.ptr, "\"method\":\"mining.subscribe\""));
	assert_non_null(strstr(o.records.ptr, "\"direction\":\"to_client\",\"method\":\"mining.notify\""));
	assert_non_null(strstr(o.records.ptr, "\"agent\":\"cgminer/4.12.0\""));
	assert_int_equal(o.nalerts, 1);
	nt_out_release(&o);
}

static void test_xmrig_eth(void **st)
{
	(void)st;
	struct nt_out o;
	assert_int_equal(nb_scan(nt_gen("net_b_mining/xmr_dns_login.pcap"), NULL, "stratum", &o), 0);
	assert_int_equal(nt_count(o.records.ptr, "\"method\":\"submit\""), 2);
	assert_int_equal(nt_count(o.records.ptr, "\"dialect\":\"xmrig\""), 3);
	nt_out_release(&o);
	assert_int_equal(nb_scan(nt_gen("net_b_mining/eth_login.pcap"), NULL, "stratum", &o), 0);
	assert_int_equal(o.nrecords, 2);
	assert_non_null(strstr(o.records.ptr, "\"method\":\"eth_submitLogin\""));
	assert_non_null(strstr(o.records.ptr, "\"method\":\"eth_getWork\""));
	nt_out_release(&o);
}

static void test_not_mining(void **st)
{
	(void)st;
	struct nt_out o;
	assert_int_equal(nb_scan(nt_gen("net_b_mining/jsonrpc_benign.pcap"), NULL, "stratum", &o), 0);
	assert_int_equal(o.nrecords, 0);
	assert_int_equal(o.nalerts, 0);
	nt_out_release(&o);
	extern const struct app_parser app_parser_stratum;
	struct net_flow_info f;
	memset(&f, 0, sizeof(f));
	const char *a = "{\"id\":1,\"method\":\"mining.subscribe\",\"params\":[]}\n";
	const char *b = "{\"id\":1,\"method\":\"getinfo\"}\n";
	const char *c = "{\"id\":1,\"meth";
	assert_int_equal(app_parser_stratum.probe((const uint8_t *)a, strlen(a), APP_TO_SERVER, &f),
			 APP_PROBE_YES);
	assert_int_equal(app_parser_stratum.probe((const uint8_t *)b, strlen(b), APP_TO_SERVER, &f),
			 APP_PROBE_NO);
	assert_int_equal(app_parser_stratum.probe((const uint8_t *)c, strlen(c), APP_TO_SERVER, &f),
			 APP_PROBE_MAYBE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_v1),
		cmocka_unit_test(test_xmrig_eth),
		cmocka_unit_test(test_not_mining),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
