/*
 * test_tls.c — the TLS parser: a ClientHello split over segments (GREASE
 * cipher and extension) gives the JA3 string, its MD5 and JA4 that the
 * generator computed independently (ja3.txt); the ServerHello gives JA3S
 * and the TLS 1.3 version from supported_versions; a pool SNI raises
 * mamori.net.mining.pool-tls and a benign one nothing; a TLS 1.2
 * certificate split over records gives its subject and issuer.
 */
#include "core/compat.h"
#include <setjmp.h>
#include <cmocka.h>
#include "netbhelp.h"

static void read_lines(char lines[3][256])
{
	FILE *f = fopen(nt_gen("net_b_mining/ja3.txt"), "r");
	assert_non_null(f);
	for (int i = 0; i < 3; i++) {
		assert_non_null(fgets(lines[i], 256, f));
		lines[i][strcspn(lines[i], "\n")] = 0;
	}
	fclose(f);
}

static void test_fingerprints(void **st)
{
	(void)st;
	struct nt_out o;
	char l[3][256], want[900];
	read_lines(l);
	assert_int_equal(nb_scan(nt_gen("net_b_mining/tls_pool.pcap"), NULL, "tls", &o), 0);
	snprintf(want, sizeof(want), "\"ja3\":\"%s\",\"ja3_hash\":\"%s\",\"ja4\":\"%s\"", l[0], l[1],
		 l[2]);
	assert_non_null(strstr(o.records.ptr, want));
	/* a hash computed by hand from the known string */
	assert_string_equal(l[1], "160f3e2cb9909c938a919f8d5f04edfa");
	assert_non_null(strstr(o.records.ptr, "\"sni\":\"xmr.hashvault.pro\""));
	assert_non_null(strstr(o.records.ptr, "\"alpn\":\"h2,http/1.1\""));
	assert_non_null(strstr(o.records.ptr, "\"version\":772"));
	assert_non_null(strstr(o.records.ptr, "\"ja3s\":\"771,4865,43\""));
	assert_int_equal(o.nalerts, 1);
	assert_non_null(strstr(o.alerts.ptr, "mamori.net.mining.pool-tls"));
	nt_out_release(&o);
}

static void test_benign(void **st)
{
	(void)st;
	struct nt_out o;
	assert_int_equal(nb_scan(nt_gen("net_b_mining/tls_benign.pcap"), NULL, "tls", &o), 0);
	assert_int_equal(o.nalerts, 0);
	/* no GREASE here: same JA3 as the GREASE hello (GREASE is removed) */
	assert_non_null(strstr(o.records.ptr, "\"ja3_hash\":\"160f3e2cb9909c938a919f8d5f04edfa\""));
	nt_out_release(&o);
}

static void test_certificate(void **st)
{
	(void)st;
	struct nt_out o;
	/* a TLS 1.2 flight whose Certificate message spans two records, each
	 * cut over several segments */
	assert_int_equal(nb_scan(nt_gen("net_b_mining/tls12_cert.pcap"), NULL, "tls", &o), 0);
	assert_non_null(strstr(o.records.ptr, "\"type\":\"certificate\",\"subject\":"
					      "\"CN=pool.example.net, O=Mamori Test\",\"issuer\":"
					      "\"CN=Mamori Test CA, C=ZZ\""));
	assert_non_null(strstr(o.records.ptr, "\"ja3s\":\"771,49199,\""));
	assert_int_equal(o.nalerts, 0);
	nt_out_release(&o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fingerprints),
		cmocka_unit_test(test_benign),
		cmocka_unit_test(test_certificate),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
