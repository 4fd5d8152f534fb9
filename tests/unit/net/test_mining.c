/*
 * test_mining.c — the mining detector: Stratum alerts name the pool (and
 * the DNS name that resolved to it earlier), agent, algorithm and the
 * wallet validated by checksum (Monero, Bitcoin, Ethereum from the
 * generator's wallets.txt; a corrupted one is reported as a login, not a
 * wallet); the pool list file is configurable; getwork bodies alert once.
 */
#include "core/compat.h"
#include <setjmp.h>
#include <cmocka.h>
#include "netbhelp.h"
#include "net/mining.h"

#include <sys/stat.h>
#include <unistd.h>

static void test_xmrig(void **st)
{
	(void)st;
	struct nt_out o;
	char xmr[128], want[256];
	nb_gen_value("net_b_mining/wallets.txt", "xmr", xmr, sizeof(xmr));
	assert_int_equal(nb_scan(nt_gen("net_b_mining/xmr_dns_login.pcap"), NULL, NULL, &o), 0);
	assert_int_equal(nt_count(o.alerts.ptr, "mamori.net.mining.stratum"), 1);
	assert_int_equal(nt_count(o.alerts.ptr, "mamori.net.mining.pool-dns"), 1);
	snprintf(want, sizeof(want), "\"wallet\":{\"address\":\"%s\",\"coin\":\"monero\"", xmr);
	assert_non_null(strstr(o.alerts.ptr, want));
	assert_non_null(strstr(o.alerts.ptr, "\"pool\":\"198.51.100.7:3333\",\"pool_dns\":\"pool.supportxmr.com\""));
	assert_non_null(strstr(o.alerts.ptr, "\"agent\":\"XMRig/6.21.0"));
	assert_non_null(strstr(o.alerts.ptr, "\"algo\":\"rx/0,cn/r\""));
	assert_non_null(strstr(o.alerts.ptr, "\"T1496\""));
	nt_out_release(&o);
}

static void test_btc_eth(void **st)
{
	(void)st;
	struct nt_out o;
	char w[128], want[256];
	nb_gen_value("net_b_mining/wallets.txt", "btc", w, sizeof(w));
	assert_int_equal(nb_scan(nt_gen("net_b_mining/stratum_v1.pcap"), NULL, NULL, &o), 0);
	snprintf(want, sizeof(want), "\"address\":\"%s\",\"coin\":\"bitcoin\"", w);
	assert_non_null(strstr(o.alerts.ptr, want));
	nt_out_release(&o);
	nb_gen_value("net_b_mining/wallets.txt", "eth", w, sizeof(w));
	assert_int_equal(nb_scan(nt_gen("net_b_mining/eth_login.pcap"), NULL, NULL, &o), 0);
	snprintf(want, sizeof(want), "\"address\":\"%s\",\"coin\":\"ethereum\",\"type\":\"eip55\"", w);
	assert_non_null(strstr(o.alerts.ptr, want));
	nt_out_release(&o);
}

static void test_pools_file(void **st)
{
	(void)st;
	struct nt_out o;
	const char list[] = "# test list\nexample.org\n";
	char set[200];
	snprintf(set, sizeof(set), "net.mining.pools_file=%s", nt_tmpfile(list, strlen(list)));
	const char *sets[] = { set, NULL };
	assert_int_equal(nb_scan(nt_gen("net_b_mining/dns_benign.pcap"), sets, NULL, &o), 0);
	/* www.example.org and nothing.example.org, one alert each */
	assert_int_equal(nt_count(o.alerts.ptr, "mamori.net.mining.pool-dns"), 2);
	nt_out_release(&o);
	/* and the bundled list does not hold supportxmr any more */
	assert_int_equal(nb_scan(nt_gen("net_b_mining/xmr_dns_login.pcap"), sets, NULL, &o), 0);
	assert_int_equal(nt_count(o.alerts.ptr, "mamori.net.mining.pool-dns"), 0);
	nt_out_release(&o);
}

static void test_getwork_and_wallets(void **st)
{
	(void)st;
	struct nt_out o;
	struct app_ctx ctx;
	char eth[128], body[512];
	nb_gen_value("net_b_mining/wallets.txt", "eth", eth, sizeof(eth));
	struct nb_env *e = nb_open(&ctx, &o);
	snprintf(body, sizeof(body),
		 "{\"jsonrpc\":\"2.0\",\"method\":\"eth_submitLogin\",\"params\":[\"%s\"],\"id\":1}",
		 eth);
	net_mining_http_body(&ctx, (const uint8_t *)body, strlen(body));
	net_mining_http_body(&ctx, (const uint8_t *)body, strlen(body));
	const char *other = "{\"jsonrpc\":\"2.0\",\"method\":\"eth_blockNumber\",\"id\":1}";
	net_mining_http_body(&ctx, (const uint8_t *)other, strlen(other));
	assert_int_equal(o.nalerts, 1);
	assert_non_null(strstr(o.alerts.ptr, "mamori.net.mining.getwork"));
	assert_non_null(strstr(o.alerts.ptr, eth));
	/* a login that fails its checksum is not called a wallet */
	char bad[128];
	snprintf(bad, sizeof(bad), "%s", eth);
	bad[5] = bad[5] == 'a' ? 'b' : 'a';
	bad[6] = bad[6] == 'A' ? 'B' : 'A';
	struct mining_stratum m;
	memset(&m, 0, sizeof(m));
	m.dialect = "ethereum";
	m.user = bad;
	m.user_len = strlen(bad);
	mining_stratum_report(&ctx, &m);
	assert_int_equal(o.nalerts, 2);
	const char *second = strrchr(o.alerts.ptr, '\n');
	assert_non_null(second);
	const char *start = o.alerts.ptr;
	for (const char *p = o.alerts.ptr; p < second; p++)
		if (*p == '\n')
			start = p + 1;
	assert_null(strstr(start, "\"wallet\""));
	assert_non_null(strstr(start, "\"login\":"));
	assert_true(mining_pool_domain(ctx.net, "XMR.SupportXMR.com.", 19));
	assert_false(mining_pool_domain(ctx.net, "notsupportxmr.com", 17));
	nb_close(e);
	nt_out_release(&o);
}

static void test_rules_dir(void **st)
{
	(void)st;
	struct nt_out o;
	struct app_ctx ctx;
	char dir[] = "/tmp/mamori-netb-rules-XXXXXX";
	char path[256];
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/lists", dir);
	assert_int_equal(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/lists/mining-pools.txt", dir);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs("# only one\n  Example.COM  \n", f);
	fclose(f);
	struct nb_env *e = nb_open(&ctx, &o);
	/* the engine's rules dir wins over $MAMORI_RULES_DIR */
	assert_int_equal(net_mining_ctx_init(ctx.net, dir), 0);
	assert_int_equal(net_mining_ctx_init(ctx.net, "/nonexistent"), 0);
	assert_true(mining_pool_domain(ctx.net, "pool.example.com", 16));
	assert_false(mining_pool_domain(ctx.net, "supportxmr.com", 14));
	nb_close(e);
	nt_out_release(&o);
	remove(path);
	snprintf(path, sizeof(path), "%s/lists", dir);
	rmdir(path);
	rmdir(dir);
}

static void test_corpus_free_negatives(void **st)
{
	(void)st;
	struct nt_out o;
	assert_int_equal(nb_scan(nt_gen("net_b_mining/jsonrpc_benign.pcap"), NULL, NULL, &o), 0);
	assert_int_equal(o.nalerts, 0);
	nt_out_release(&o);
	assert_int_equal(nb_scan(nt_gen("net_b_mining/tls_benign.pcap"), NULL, NULL, &o), 0);
	assert_int_equal(o.nalerts, 0);
	nt_out_release(&o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_xmrig),
		cmocka_unit_test(test_btc_eth),
		cmocka_unit_test(test_pools_file),
		cmocka_unit_test(test_getwork_and_wallets),
		cmocka_unit_test(test_rules_dir),
		cmocka_unit_test(test_corpus_free_negatives),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
