/*
 * test_dns.c — the DNS parser: UDP queries and responses (A, AAAA, CNAME,
 * TXT, MX, rcodes, compressed names), DNS over TCP with the length prefix
 * split over segments, pool lookups raising mamori.net.mining.pool-dns
 * once, and hostile names (pointer loops, forward pointers, overlong
 * labels) rejected by the probe without a crash.
 */
#include "core/compat.h"
#include <setjmp.h>
#include <cmocka.h>
#include "netbhelp.h"

static void test_answers(void **st)
{
	(void)st;
	struct nt_out o;
	assert_int_equal(nb_scan(nt_gen("net_b_mining/dns_benign.pcap"), NULL, "dns", &o), 0);
	assert_int_equal(o.nrecords, 4);
	assert_non_null(strstr(o.records.ptr, "\"rrtype\":\"CNAME\",\"ttl\":300,\"rdata\":\"edge.example.net\""));
	assert_non_null(strstr(o.records.ptr, "\"rrtype\":\"AAAA\",\"ttl\":300,\"rdata\":\"::1\""));
	assert_non_null(strstr(o.records.ptr, "\"rdata\":\"v=spf1 -all\""));
	assert_non_null(strstr(o.records.ptr, "\"rrtype\":\"MX\",\"ttl\":300,\"rdata\":\"mx.example.org\""));
	assert_non_null(strstr(o.records.ptr, "\"rcode\":\"NXDOMAIN\""));
	assert_int_equal(o.nalerts, 0);
	nt_out_release(&o);
}

static void test_tcp_and_pool(void **st)
{
	(void)st;
	struct nt_out o;
	assert_int_equal(nb_scan(nt_gen("net_b_mining/dns_tcp_pool.pcap"), NULL, "dns", &o), 0);
	assert_int_equal(o.nrecords, 2);
	assert_non_null(strstr(o.records.ptr, "\"rdata\":\"203.0.113.99\""));
	/* the query and its response name the pool: one alert */
	assert_int_equal(o.nalerts, 1);
	assert_non_null(strstr(o.alerts.ptr, "mamori.net.mining.pool-dns"));
	assert_non_null(strstr(o.alerts.ptr, "\"query\":\"eu1.ethermine.org\""));
	assert_non_null(strstr(o.alerts.ptr, "\"transport\":\"tcp\""));
	nt_out_release(&o);
}

static void test_probe_hostile(void **st)
{
	(void)st;
	extern const struct app_parser app_parser_dns;
	struct net_flow_info f;
	memset(&f, 0, sizeof(f));
	f.proto = 17;
	/* question name is a pointer to itself */
	const uint8_t loop[] = { 0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 12, 0, 1, 0, 1 };
	/* forward pointer */
	const uint8_t fwd[] = { 0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 14, 0, 0, 1, 0, 1 };
	/* label running past the end */
	const uint8_t cut[] = { 0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 60, 'a', 'b', 0, 1, 0, 1 };
	const uint8_t ok[] = { 0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, 'a', 0, 0, 1, 0, 1 };
	assert_int_equal(app_parser_dns.probe(loop, sizeof(loop), APP_TO_SERVER, &f), APP_PROBE_NO);
	assert_int_equal(app_parser_dns.probe(fwd, sizeof(fwd), APP_TO_SERVER, &f), APP_PROBE_NO);
	assert_int_equal(app_parser_dns.probe(cut, sizeof(cut), APP_TO_SERVER, &f), APP_PROBE_NO);
	assert_int_equal(app_parser_dns.probe(ok, sizeof(ok), APP_TO_SERVER, &f), APP_PROBE_YES);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_answers),
		cmocka_unit_test(test_tcp_and_pool),
		cmocka_unit_test(test_probe_hostile),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
