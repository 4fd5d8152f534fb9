/*
 * test_flow.c — the flow table: both directions map to one flow, the
 * client is chosen from the handshake (or the higher port), Community ID,
 * timeouts by state in capture time, the count cap with evictions.
 */
#include "core/compat.h"
#include <setjmp.h>
#include <cmocka.h>
#include "net/internal.h"
#include "nethelp.h"

static size_t ended;

static void on_end(void *arg, struct net_flow *f)
{
	(void)arg;
	(void)f;
	ended++;
}

static void pkt(struct net_pkt *p, uint32_t src, uint32_t dst, uint16_t sp, uint16_t dp,
		uint8_t flags, int64_t ts)
{
	memset(p, 0, sizeof(*p));
	p->ip_version = 4;
	p->proto = NET_PROTO_TCP;
	for (int i = 0; i < 4; i++) {
		p->src[i] = (uint8_t)(src >> (24 - 8 * i));
		p->dst[i] = (uint8_t)(dst >> (24 - 8 * i));
	}
	p->sport = sp;
	p->dport = dp;
	p->tcp_flags = flags;
	p->ts_us = ts;
	p->l4_ok = true;
}

static void test_directions(void **st)
{
	(void)st;
	struct flow_table t;
	struct flow_limits lim = { 16, 30000000, 3600000000LL, 30000000, 60000000 };
	struct net_pkt p;
	enum app_dir dir;
	bool created;
	ended = 0;
	assert_int_equal(flow_table_init(&t, &lim, on_end, NULL), 0);
	/* SYN from the high port side of 10.0.0.9 -> 10.0.0.1:80 */
	pkt(&p, 0x0a000009, 0x0a000001, 50000, 80, TCP_SYN, 1);
	struct net_flow *f = flow_table_get(&t, &p, &dir, &created);
	assert_non_null(f);
	assert_true(created);
	assert_int_equal(dir, APP_TO_SERVER);
	assert_string_equal(f->info.src_ip, "10.0.0.9");
	assert_string_equal(f->info.dst_ip, "10.0.0.1");
	assert_int_equal(f->info.src_port, 50000);
	assert_int_equal(f->info.dst_port, 80);
	assert_false(f->info.midstream);
	assert_int_equal(strncmp(f->info.community_id, "1:", 2), 0);
	/* the reply finds the same flow */
	pkt(&p, 0x0a000001, 0x0a000009, 80, 50000, TCP_SYN | TCP_ACK, 2);
	assert_ptr_equal(flow_table_get(&t, &p, &dir, &created), f);
	assert_false(created);
	assert_int_equal(dir, APP_TO_CLIENT);
	/* midstream, server sends first: the lower port is the server */
	pkt(&p, 0x0a000002, 0x0a000003, 445, 49000, TCP_ACK, 3);
	struct net_flow *g = flow_table_get(&t, &p, &dir, &created);
	assert_int_equal(dir, APP_TO_CLIENT);
	assert_true(g->info.midstream);
	assert_string_equal(g->info.src_ip, "10.0.0.3");
	assert_int_equal(g->info.dst_port, 445);
	assert_true(g->info.id != f->info.id);
	flow_table_release(&t);
	assert_int_equal(ended, 2);
}

static void test_timeouts_and_cap(void **st)
{
	(void)st;
	struct flow_table t;
	struct flow_limits lim = { 4, 30000000, 3600000000LL, 30000000, 60000000 };
	struct net_pkt p;
	enum app_dir dir;
	bool created;
	ended = 0;
	assert_int_equal(flow_table_init(&t, &lim, on_end, NULL), 0);
	pkt(&p, 0x0a000001, 0x0a000002, 40000, 80, TCP_ACK, 0);
	struct net_flow *est = flow_table_get(&t, &p, &dir, &created);
	assert_int_equal(est->state, FLOW_STATE_ESTABLISHED);
	pkt(&p, 0x0a000001, 0x0a000002, 40001, 80, TCP_SYN, 0);
	flow_table_get(&t, &p, &dir, &created);
	p.proto = NET_PROTO_UDP;
	p.sport = 5353;
	flow_table_get(&t, &p, &dir, &created);
	assert_int_equal(t.count, 3);
	/* 31 s later the SYN-only flow is gone, 61 s later the UDP one */
	assert_int_equal(flow_table_expire(&t, 31000000), 1);
	assert_int_equal(flow_table_expire(&t, 61000000), 1);
	assert_int_equal(t.count, 1);
	/* the established one lives for an hour... unless touched */
	flow_touch(&t, est, 3000000000LL);
	assert_int_equal(flow_table_expire(&t, 3500000000LL), 0);
	flow_set_state(&t, est, FLOW_STATE_CLOSED);
	assert_int_equal(flow_table_expire(&t, 3500000000LL), 1);
	assert_int_equal(t.st.expired, 3);
	/* the cap: a 5th flow evicts the least recently active */
	for (uint16_t i = 0; i < 6; i++) {
		pkt(&p, 0x0a000001, 0x0a000002, (uint16_t)(41000 + i), 80, TCP_ACK, 4000000000LL + i);
		flow_table_get(&t, &p, &dir, &created);
		assert_true(created);
	}
	assert_int_equal(t.count, 4);
	assert_int_equal(t.st.evicted, 2);
	flow_table_release(&t);
	assert_int_equal(ended, 9);
}

static void test_many_flows(void **st)
{
	(void)st;
	struct flow_table t;
	struct flow_limits lim = { 100000, 30000000, 3600000000LL, 30000000, 60000000 };
	struct net_pkt p;
	enum app_dir dir;
	bool created;
	ended = 0;
	assert_int_equal(flow_table_init(&t, &lim, on_end, NULL), 0);
	for (uint32_t i = 0; i < 50000; i++) {
		pkt(&p, 0x0a000000 + i, 0x0b000001, (uint16_t)(1024 + i % 60000), 443, TCP_SYN, i);
		assert_non_null(flow_table_get(&t, &p, &dir, &created));
		assert_true(created);
	}
	for (uint32_t i = 0; i < 50000; i += 997) {
		pkt(&p, 0x0b000001, 0x0a000000 + i, 443, (uint16_t)(1024 + i % 60000), TCP_ACK, i);
		flow_table_get(&t, &p, &dir, &created);
		assert_false(created);
		assert_int_equal(dir, APP_TO_CLIENT);
	}
	assert_int_equal(t.count, 50000);
	flow_table_release(&t);
	assert_int_equal(ended, 50000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_directions),
		cmocka_unit_test(test_timeouts_and_cap),
		cmocka_unit_test(test_many_flows),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
