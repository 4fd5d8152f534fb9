/*
 * test_decode.c — link layers, IPv4/IPv6, fragments, TCP options, bad and
 * cut frames; and whole captures of every supported link type and capture
 * corner (tests/gen/gen_net_core.py), checked through the HTTP request each
 * carries (--log http).
 */
#include "core/compat.h"
#include <setjmp.h>
#include <cmocka.h>
#include "net/internal.h"
#include "nethelp.h"

static struct net_frag_limits lim = { 1 << 20, 16, 16, 30000000 };

static void test_tcp_frame(void **st)
{
	(void)st;
	uint8_t f[256];
	struct net_decoder d;
	struct net_pkt p;
	memset(&p, 0, sizeof(p));
	net_decoder_init(&d, &lim);
	size_t n = nt_tcp4(f, sizeof(f), 0x0a000001, 0x0a000002, 1234, 80, 7, 9, TCP_ACK | TCP_PSH,
			   "GET /", 5);
	assert_int_equal(net_decode(&d, NET_DLT_EN10MB, f, n, 5, &p), NET_DEC_OK);
	assert_int_equal(p.ip_version, 4);
	assert_int_equal(p.proto, NET_PROTO_TCP);
	assert_int_equal(p.sport, 1234);
	assert_int_equal(p.dport, 80);
	assert_int_equal(p.seq, 7);
	assert_int_equal(p.ack, 9);
	assert_int_equal(p.payload_len, 5);
	assert_memory_equal(p.payload, "GET /", 5);
	assert_false(p.truncated);
	/* ethernet padding after the IP datagram is not payload */
	uint8_t padded[256];
	memcpy(padded, f, n);
	memset(padded + n, 0, 20);
	assert_int_equal(net_decode(&d, NET_DLT_EN10MB, padded, n + 20, 5, &p), NET_DEC_OK);
	assert_int_equal(p.payload_len, 5);
	/* cut by the snaplen: decoded as far as it goes */
	assert_int_equal(net_decode(&d, NET_DLT_EN10MB, f, n - 3, 5, &p), NET_DEC_OK);
	assert_int_equal(p.payload_len, 2);
	assert_int_equal(p.payload_wire_len, 5);
	assert_true(p.truncated);
	/* cut inside the TCP header: no L4 */
	assert_int_equal(net_decode(&d, NET_DLT_EN10MB, f, 14 + 20 + 10, 5, &p), NET_DEC_OK);
	assert_false(p.l4_ok);
	/* every prefix decodes without reading past it */
	for (size_t k = 0; k < n; k++) {
		uint8_t *c = malloc(k ? k : 1);
		memcpy(c, f, k);
		net_decode(&d, NET_DLT_EN10MB, c, k, 5, &p);
		free(c);
	}
	/* bad IHL */
	f[14] = 0x43;
	assert_int_equal(net_decode(&d, NET_DLT_EN10MB, f, n, 5, &p), NET_DEC_SKIP);
	assert_true(d.st.bad >= 1);
	net_decoder_release(&d);
}

static void test_arp_and_unknown(void **st)
{
	(void)st;
	uint8_t f[60] = { 0 };
	struct net_decoder d;
	struct net_pkt p;
	net_decoder_init(&d, &lim);
	f[12] = 0x08;
	f[13] = 0x06;
	assert_int_equal(net_decode(&d, NET_DLT_EN10MB, f, sizeof(f), 0, &p), NET_DEC_SKIP);
	assert_int_equal(d.st.not_ip, 1);
	assert_false(net_linktype_supported(147));
	assert_true(net_linktype_supported(NET_DLT_LINUX_SLL2));
	net_decoder_release(&d);
}

/* Builds IPv4 fragments by hand: overlapping bytes keep the first copy. */
static size_t frag4(uint8_t *o, uint16_t off8, bool more, const char *data)
{
	size_t dl = strlen(data);
	memset(o, 0, 20);
	o[0] = 0x45;
	o[2] = (uint8_t)((20 + dl) >> 8);
	o[3] = (uint8_t)(20 + dl);
	o[4] = 0x12;
	o[5] = 0x34;
	uint16_t fw = (uint16_t)(off8 | (more ? 0x2000 : 0));
	o[6] = (uint8_t)(fw >> 8);
	o[7] = (uint8_t)fw;
	o[8] = 64;
	o[9] = 17;
	o[12] = 10;
	o[15] = 1;
	o[16] = 10;
	o[19] = 2;
	memcpy(o + 20, data, dl);
	return 20 + dl;
}

static void test_ipv4_fragments(void **st)
{
	(void)st;
	uint8_t f[128];
	struct net_decoder d;
	struct net_pkt p;
	memset(&p, 0, sizeof(p));
	net_decoder_init(&d, &lim);
	/* UDP header (8 bytes: ports 1000 -> 53, length 8+16) + 16 bytes */
	static const uint8_t first[16] = { 0x03, 0xe8, 0x00, 0x35, 0x00, 0x18, 0x00, 0x00,
					   'A', 'A', 'A', 'A', 'A', 'A', 'A', 'A' };
	size_t n = frag4(f, 0, true, "");
	memcpy(f + 20, first, 16);
	f[3] = 36;
	n = 36;
	assert_int_equal(net_decode(&d, NET_DLT_IPV4, f, n, 0, &p), NET_DEC_HELD);
	/* overlapping copy of bytes 8..15 with other content: must lose */
	n = frag4(f, 1, true, "ZZZZZZZZ");
	assert_int_equal(net_decode(&d, NET_DLT_IPV4, f, n, 0, &p), NET_DEC_HELD);
	n = frag4(f, 2, false, "BBBBBBBB");
	assert_int_equal(net_decode(&d, NET_DLT_IPV4, f, n, 0, &p), NET_DEC_OK);
	assert_true(p.defragmented);
	assert_int_equal(p.proto, NET_PROTO_UDP);
	assert_int_equal(p.dport, 53);
	assert_int_equal(p.payload_len, 16);
	assert_memory_equal(p.payload, "AAAAAAAABBBBBBBB", 16);
	assert_int_equal(d.st.frags_overlap, 1);
	/* a datagram that never completes times out (capture time) */
	n = frag4(f, 0, true, "xxxxxxxx");
	assert_int_equal(net_decode(&d, NET_DLT_IPV4, f, n, 0, &p), NET_DEC_HELD);
	assert_int_equal(d.ndgrams, 1);
	n = frag4(f, 100, true, "yyyyyyyy");
	f[5] = 0x99;	/* another datagram, 60 s later */
	net_decode(&d, NET_DLT_IPV4, f, n, 60000000, &p);
	assert_int_equal(d.ndgrams, 1);
	assert_true(d.st.frags_dropped >= 1);
	/* past 65535 bytes: dropped */
	n = frag4(f, 8190, false, "0123456789abcdef");
	assert_int_equal(net_decode(&d, NET_DLT_IPV4, f, n, 60000000, &p), NET_DEC_SKIP);
	net_decoder_release(&d);
}

static void scan_has_uri(const char *file, const char *uri)
{
	struct nt_out o;
	char need[256];
	int rc = nt_scan(nt_gen(file), NULL, "http", &o);
	assert_int_equal(rc, 0);
	/* a prefix match for long paths ending in '*' */
	size_t ul = strlen(uri);
	if (ul && uri[ul - 1] == '*')
		snprintf(need, sizeof(need), "\"uri\":\"%.*s", (int)(ul - 1), uri);
	else
		snprintf(need, sizeof(need), "\"uri\":\"%s\"", uri);
	if (!nt_count(o.records.ptr, need))
		fail_msg("%s: no %s in records:\n%s\nskips:%s", file, need,
			 o.records.ptr ? o.records.ptr : "", o.skips.ptr ? o.skips.ptr : "");
	assert_int_equal(o.nskips, 0);
	nt_out_release(&o);
}

static void test_link_types(void **st)
{
	(void)st;
	scan_has_uri("net_core/eth.pcap", "/eth");
	scan_has_uri("net_core/vlan.pcap", "/vlan");
	scan_has_uri("net_core/qinq.pcap", "/qinq");
	scan_has_uri("net_core/sll.pcap", "/sll");
	scan_has_uri("net_core/sll2.pcap", "/sll2");
	scan_has_uri("net_core/raw.pcap", "/raw");
	scan_has_uri("net_core/ipv4lt.pcap", "/ipv4lt");
	scan_has_uri("net_core/null_le.pcap", "/null");
	scan_has_uri("net_core/loop_be.pcap", "/loop");
	scan_has_uri("net_core/pcapng.pcapng", "/pcapng");
}

static void test_ip_layers(void **st)
{
	(void)st;
	scan_has_uri("net_core/ipv6.pcap", "/ipv6");
	scan_has_uri("net_core/frag4.pcap", "/frag4aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa*");
	scan_has_uri("net_core/frag6.pcap", "/frag6bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb*");
}

static void test_bad_files(void **st)
{
	(void)st;
	struct nt_out o;
	/* stops mid-record: what came before is processed, one partial */
	assert_int_equal(nt_scan(nt_gen("net_core/truncated.pcap"), NULL, "http", &o), 0);
	assert_int_equal(o.nskips, 1);
	assert_non_null(strstr(o.skips.ptr, "partial|truncated|after frame 4"));
	assert_int_equal(nt_count(o.records.ptr, "\"uri\":\"/truncated\""), 1);
	nt_out_release(&o);
	/* bogus record length */
	assert_int_equal(nt_scan(nt_gen("net_core/bogus.pcap"), NULL, "http", &o), 0);
	assert_int_equal(o.nskips, 1);
	assert_non_null(strstr(o.skips.ptr, "partial|truncated"));
	assert_non_null(strstr(o.skips.ptr, "capture length"));
	nt_out_release(&o);
	/* unsupported link type */
	assert_int_equal(nt_scan(nt_gen("net_core/badlink.pcap"), NULL, "http", &o), 0);
	assert_int_equal(o.nskips, 1);
	assert_non_null(strstr(o.skips.ptr, "skip|unsupported|link type 147"));
	nt_out_release(&o);
	/* not a capture at all */
	const char junk[] = "this is not a pcap file at all, just text";
	assert_int_equal(nt_scan(nt_tmpfile(junk, sizeof(junk)), NULL, NULL, &o), 0);
	assert_int_equal(o.nskips, 1);
	assert_non_null(strstr(o.skips.ptr, "skip|corrupt|libpcap"));
	nt_out_release(&o);
	/* snaplen-cut request: no crash, the cut request is not invented */
	assert_int_equal(nt_scan(nt_gen("net_core/snaplen.pcap"), NULL, "http", &o), 0);
	assert_int_equal(nt_count(o.records.ptr, "/snap"), 0);
	nt_out_release(&o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tcp_frame),
		cmocka_unit_test(test_arp_and_unknown),
		cmocka_unit_test(test_ipv4_fragments),
		cmocka_unit_test(test_link_types),
		cmocka_unit_test(test_ip_layers),
		cmocka_unit_test(test_bad_files),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
