/*
 * test_rules_match.c — each keyword family of the rule engine against
 * crafted buffers: rules are loaded from text, run on fake packets, stream
 * chunks and transactions (no capture, no flow table: flowbits use the
 * state's fallback flow), and the sids that fired are compared.
 */
#include "core/compat.h"
#include "net/rules.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

struct fired {
	char sids[1024];
	size_t n;
	char excerpt[128];
};

static void hook(void *arg, const struct rule *r, const char *buf, const uint8_t *ex, size_t exl)
{
	struct fired *f = arg;
	size_t l = strlen(f->sids);
	snprintf(f->sids + l, sizeof(f->sids) - l, "%s%u", l ? "," : "", r->sid);
	f->n++;
	snprintf(f->excerpt, sizeof(f->excerpt), "%s:%.*s", buf, (int)exl, ex ? (const char *)ex : "");
}

struct env {
	struct net_rules *r;
	struct net_rules_state *s;
	struct fired f;
	struct net_flow_info info;
	struct app_ctx ctx;
};

static void env_open(struct env *e, const char *rules)
{
	memset(e, 0, sizeof(*e));
	struct mm_rule_report *rep = mm_rule_report_new();
	assert_int_equal(net_rules_load_text(&e->r, rules, strlen(rules), NULL, rep), 0);
	if (mm_rule_report_rejected_count(rep, NULL))
		fail_msg("rejected: %s", mm_rule_report_problem(rep, 0)->reason);
	mm_rule_report_free(rep);
	e->s = net_rules_state_new(e->r);
	assert_non_null(e->s);
	net_rules_state_set_hook(e->s, hook, &e->f);
	e->info.ip_version = 4;
	e->info.proto = 6;
	uint8_t cli[4] = { 192, 168, 1, 10 }, srv[4] = { 203, 0, 113, 5 };
	memcpy(e->info.src_addr, cli, 4);
	memcpy(e->info.dst_addr, srv, 4);
	strcpy(e->info.src_ip, "192.168.1.10");
	strcpy(e->info.dst_ip, "203.0.113.5");
	e->info.src_port = 40000;
	e->info.dst_port = 80;
	e->ctx.info = &e->info;
	e->ctx.frame = 1;
}

static void env_close(struct env *e)
{
	net_rules_state_free(e->s);
	net_rules_free(e->r);
}

static void stream(struct env *e, enum app_dir d, const char *s)
{
	net_rules_stream(e->r, e->s, &e->ctx, d, (const uint8_t *)s, strlen(s));
}

static void stream_n(struct env *e, enum app_dir d, const void *s, size_t n)
{
	net_rules_stream(e->r, e->s, &e->ctx, d, s, n);
}

static void reset(struct env *e)
{
	memset(&e->f, 0, sizeof(e->f));
}

/* Streams one to-server chunk and checks which sids it fired (in order),
 * then forgets them. */
static void fires(struct env *e, const char *chunk, const char *want)
{
	stream(e, APP_TO_SERVER, chunk);
	if (strcmp(e->f.sids, want))
		fail_msg("chunk \"%s\": fired \"%s\", expected \"%s\"", chunk, e->f.sids, want);
	reset(e);
}

/* A to-server packet (TTL 64) with this payload, other fields zero. */
static struct net_packet_view pkt(const void *payload, size_t len)
{
	struct net_packet_view p;
	memset(&p, 0, sizeof(p));
	p.dir = APP_TO_SERVER;
	p.ttl = 64;
	p.payload = payload;
	p.payload_len = len;
	return p;
}

/* A to-server TCP segment (PSH ACK) of an established flow. */
static struct net_packet_view tcp_seg(const void *payload, size_t len)
{
	struct net_packet_view p = pkt(payload, len);
	p.tcp_flags = 0x18;
	p.ip_proto = 6;
	p.established = true;
	return p;
}

static void test_content(void **state)
{
	(void)state;
	struct env e;
	env_open(&e,
		 "alert tcp any any -> any any (msg:\"plain\"; content:\"mining.subscribe\"; sid:1;)\n"
		 "alert tcp any any -> any any (msg:\"nocase depth\"; content:\"GET \"; nocase; depth:4; sid:2;)\n"
		 "alert tcp any any -> any any (msg:\"rel\"; content:\"AA\"; content:\"BB\"; distance:2; within:4; sid:3;)\n"
		 "alert tcp any any -> any any (msg:\"neg\"; content:\"login\"; content:!\"secret\"; sid:4;)\n"
		 "alert tcp any any -> any any (msg:\"offset\"; content:\"ZZ\"; offset:5; depth:2; sid:5;)\n"
		 "alert tcp any any -> any any (msg:\"hex\"; content:\"|de ad|be|ef|\"; sid:6;)\n"
		 "alert tcp any any -> any any (msg:\"ends\"; content:\"tail\"; endswith; sid:7;)\n"
		 "alert tcp any any -> any any (msg:\"backtrack\"; content:\"x=\"; content:\"1\"; within:1; sid:8;)\n"
		 "alert tcp any any -> any 80 (msg:\"port\"; content:\"port-test\"; sid:9;)\n"
		 "alert tcp any any -> any 81 (msg:\"port2\"; content:\"port-test\"; sid:10;)\n"
		 "alert tcp any any -> any any (msg:\"split\"; content:\"user=\"; content:\"token=\"; distance:0; sid:11;)\n"
		 "alert tcp any any -> any any (msg:\"nocase any\"; content:\"MiNer-X\"; nocase; sid:12;)\n"
		 "alert tcp any any -> any any (msg:\"nocase digit\"; content:\"7zIP\"; nocase; sid:13;)\n");
	stream(&e, APP_TO_SERVER, "{\"method\":\"mining.subscribe\"}");
	assert_string_equal(e.f.sids, "1");
	assert_string_equal(e.f.excerpt, "pkt_data:mining.subscribe");
	reset(&e);
	stream(&e, APP_TO_SERVER, "get /index");
	assert_string_equal(e.f.sids, "2");
	reset(&e);
	stream(&e, APP_TO_SERVER, " get /index");
	assert_string_equal(e.f.sids, "");
	stream(&e, APP_TO_SERVER, "AAxxBB");
	assert_string_equal(e.f.sids, "3");
	reset(&e);
	stream(&e, APP_TO_SERVER, "AAxBB");	/* distance 2 not met */
	stream(&e, APP_TO_SERVER, "AAxxxxxBB");	/* outside within */
	assert_string_equal(e.f.sids, "");
	stream(&e, APP_TO_SERVER, "login user");
	stream(&e, APP_TO_SERVER, "login secret");
	assert_string_equal(e.f.sids, "4");
	reset(&e);
	stream(&e, APP_TO_SERVER, "01234ZZ");
	stream(&e, APP_TO_SERVER, "0123456ZZ");
	assert_string_equal(e.f.sids, "5");
	reset(&e);
	stream_n(&e, APP_TO_SERVER, "\x00\xde\xad" "be\xef", 6);
	assert_string_equal(e.f.sids, "6");
	reset(&e);
	stream(&e, APP_TO_SERVER, "tail head");
	stream(&e, APP_TO_SERVER, "head tail");
	assert_string_equal(e.f.sids, "7");
	reset(&e);
	/* the first x= is followed by 2; only the second occurrence fits */
	stream(&e, APP_TO_SERVER, "x=2&x=1");
	assert_string_equal(e.f.sids, "8");
	reset(&e);
	stream(&e, APP_TO_SERVER, "port-test");
	assert_string_equal(e.f.sids, "9");
	reset(&e);
	/* a match cut between two chunks is seen once, and not again when
	 * the next chunk comes */
	stream(&e, APP_TO_SERVER, "LOGIN user=al");
	stream(&e, APP_TO_SERVER, "ice tok");
	stream(&e, APP_TO_SERVER, "en=1 ");
	stream(&e, APP_TO_SERVER, "more data");
	assert_string_equal(e.f.sids, "11");
	reset(&e);
	/* nocase anywhere: candidates of both cases of the first byte, the
	 * ones that fail before the one that fits */
	stream(&e, APP_TO_SERVER, "mINEr-y Miner-Q mM MINER-x!");
	assert_string_equal(e.f.sids, "12");
	assert_string_equal(e.f.excerpt, "pkt_data:MINER-x");
	reset(&e);
	stream(&e, APP_TO_SERVER, "...................................................miner-");
	stream(&e, APP_TO_SERVER, "7zi 7z1P 7ZiP");
	assert_string_equal(e.f.sids, "13");
	env_close(&e);
}

static void test_pcre_bytes(void **state)
{
	(void)state;
	struct env e;
	env_open(&e,
		 "alert tcp any any -> any any (msg:\"pcre\"; content:\"id=\"; pcre:\"/^[0-9]{4}&/R\"; sid:1;)\n"
		 "alert tcp any any -> any any (msg:\"pcre i\"; pcre:\"/xmrig\\/[0-9]/i\"; sid:2;)\n"
		 "alert tcp any any -> any any (msg:\"byte_test\"; content:\"|ff 53 4d 42|\"; byte_test:1,=,0x72,0,relative; sid:3;)\n"
		 "alert tcp any any -> any any (msg:\"extract jump\"; content:\"LEN\"; byte_jump:1,0,relative; content:\"END\"; within:3; sid:4;)\n"
		 "alert tcp any any -> any any (msg:\"extract\"; content:\"V\"; byte_extract:1,0,n,relative; content:\"x\"; distance:n; within:1; sid:7;)\n"
		 "alert tcp any any -> any any (msg:\"isdataat\"; content:\"HDR\"; isdataat:!4,relative; sid:5;)\n"
		 "alert tcp any any -> any any (msg:\"string\"; content:\"Len: \"; byte_test:3,>,100,0,relative,string,dec; sid:6;)\n");
	stream(&e, APP_TO_SERVER, "GET /?id=1234&x");
	stream(&e, APP_TO_SERVER, "GET /?id=12x4&x");
	assert_string_equal(e.f.sids, "1");
	reset(&e);
	stream(&e, APP_TO_SERVER, "User-Agent: XMRig/6.2");
	assert_string_equal(e.f.sids, "2");
	reset(&e);
	stream_n(&e, APP_TO_SERVER, "\x00\x00\x00\x10\xffSMB\x72", 9);
	stream_n(&e, APP_TO_SERVER, "\x00\x00\x00\x10\xffSMB\x73", 9);
	assert_string_equal(e.f.sids, "3");
	reset(&e);
	stream_n(&e, APP_TO_SERVER, "LEN\x02xxEND", 9);
	stream_n(&e, APP_TO_SERVER, "LEN\x03xxEND", 9);
	assert_string_equal(e.f.sids, "4");
	reset(&e);
	stream_n(&e, APP_TO_SERVER, "V\x02" "abx", 5);
	stream_n(&e, APP_TO_SERVER, "V\x01" "abx", 5);
	assert_string_equal(e.f.sids, "7");
	reset(&e);
	stream(&e, APP_TO_SERVER, "HDRabc");
	stream(&e, APP_TO_SERVER, "HDRabcdef");
	assert_string_equal(e.f.sids, "5");
	reset(&e);
	stream(&e, APP_TO_SERVER, "Len: 250");
	stream(&e, APP_TO_SERVER, "Len: 050");
	assert_string_equal(e.f.sids, "6");
	env_close(&e);
}

static void test_tx_buffers(void **state)
{
	(void)state;
	struct env e;
	env_open(&e,
		 "alert http any any -> any any (msg:\"uri ua\"; flow:established,to_server; http.method; content:\"POST\"; http.uri; content:\"/gate.php\"; startswith; http.user_agent; content:\"bot\"; sid:1;)\n"
		 "alert http any any -> any any (msg:\"legacy\"; content:\"/gate\"; http_uri; sid:2;)\n"
		 "alert http any any -> any any (msg:\"resp\"; flow:to_client; file.data; content:\"stratum+tcp\"; sid:3;)\n"
		 "alert dns any any -> any any (msg:\"dns\"; dns.query; dotprefix; content:\".pool.example\"; endswith; sid:4;)\n"
		 "alert tls any any -> any any (msg:\"sni\"; tls.sni; content:\"miner\"; bsize:<20; sid:5;)\n"
		 "alert http any any -> any any (msg:\"hdr names\"; http.header_names; content:\"|0d 0a|X-Bot|0d 0a|\"; sid:6;)\n"
		 "alert http any any -> any any (msg:\"referer\"; http.referer; content:\"evil\"; sid:7;)\n"
		 "alert http any any -> any any (msg:\"mix\"; content:\"POST /gate\"; http.user_agent; content:\"bot\"; sid:8;)\n"
		 "alert http any any -> any any (msg:\"urilen\"; urilen:>100; sid:9;)\n");
	struct net_tx tx;
	memset(&tx, 0, sizeof(tx));
	tx.app_proto = "http";
	tx.dir = APP_TO_SERVER;
	tx.frame = 7;
	const char *hdr = "Host: a\r\nUser-Agent: bot/1\r\nX-Bot: 1\r\nReferer: http://evil/\r\n";
#define SL(b, s) tx.buf[b] = (struct mm_slice){ (const uint8_t *)(s), strlen(s) }
	SL(NET_BUF_HTTP_METHOD, "POST");
	SL(NET_BUF_HTTP_URI, "/gate.php?id=1");
	SL(NET_BUF_HTTP_USER_AGENT, "bot/1");
	SL(NET_BUF_HTTP_HEADER, hdr);
	SL(NET_BUF_HTTP_REQUEST_LINE, "POST /gate.php?id=1 HTTP/1.1");
	net_rules_tx(e.r, e.s, &e.ctx, &tx);
	assert_string_equal(e.f.sids, "1,2,6,7,8");
	reset(&e);
	/* wrong direction for sid 1; no buffers for the others */
	memset(&tx, 0, sizeof(tx));
	tx.app_proto = "http";
	tx.dir = APP_TO_CLIENT;
	SL(NET_BUF_HTTP_RESPONSE_BODY, "{\"url\":\"stratum+tcp://p:3333\"}");
	net_rules_tx(e.r, e.s, &e.ctx, &tx);
	assert_string_equal(e.f.sids, "3");
	reset(&e);
	memset(&tx, 0, sizeof(tx));
	tx.app_proto = "dns";
	SL(NET_BUF_DNS_QUERY, "pool.example");
	net_rules_tx(e.r, e.s, &e.ctx, &tx);
	SL(NET_BUF_DNS_QUERY, "xpool.example");
	net_rules_tx(e.r, e.s, &e.ctx, &tx);
	SL(NET_BUF_DNS_QUERY, "a.pool.example");
	net_rules_tx(e.r, e.s, &e.ctx, &tx);
	assert_string_equal(e.f.sids, "4,4");
	reset(&e);
	memset(&tx, 0, sizeof(tx));
	tx.app_proto = "tls";
	SL(NET_BUF_TLS_SNI, "miner.example");
	net_rules_tx(e.r, e.s, &e.ctx, &tx);
	SL(NET_BUF_TLS_SNI, "miner.example.very-long-name");
	net_rules_tx(e.r, e.s, &e.ctx, &tx);
	tx.app_proto = "http";	/* app proto must match the rule's */
	SL(NET_BUF_TLS_SNI, "miner.example");
	net_rules_tx(e.r, e.s, &e.ctx, &tx);
	assert_string_equal(e.f.sids, "5");
#undef SL
	env_close(&e);
}

static void test_flowbits_threshold(void **state)
{
	(void)state;
	struct env e;
	env_open(&e,
		 "alert tcp any any -> any any (msg:\"set\"; content:\"LOGIN\"; flowbits:set,auth; flowbits:noalert; sid:1;)\n"
		 "alert tcp any any -> any any (msg:\"isset\"; content:\"CMD\"; flowbits:isset,auth; sid:2;)\n"
		 "alert tcp any any -> any any (msg:\"isnotset\"; content:\"CMD\"; flowbits:isnotset,auth&other; sid:3;)\n"
		 "alert tcp any any -> any any (msg:\"limit\"; content:\"PING\"; threshold:type limit, track by_src, count 2, seconds 60; sid:4;)\n"
		 "alert tcp any any -> any any (msg:\"threshold\"; content:\"PONG\"; threshold:type threshold, track by_dst, count 3, seconds 60; sid:5;)\n"
		 "alert tcp any any -> any any (msg:\"df\"; content:\"AUTHFAIL\"; detection_filter:track by_src, count 2, seconds 60; sid:6;)\n");
	stream(&e, APP_TO_SERVER, "CMD x");
	assert_string_equal(e.f.sids, "3");
	reset(&e);
	stream(&e, APP_TO_SERVER, "LOGIN bob");
	assert_string_equal(e.f.sids, "");
	stream(&e, APP_TO_SERVER, "CMD y");
	assert_string_equal(e.f.sids, "2");
	reset(&e);
	for (int i = 0; i < 5; i++) {
		e.ctx.ts_us = 1000000LL * i;
		stream(&e, APP_TO_SERVER, "PING");
	}
	assert_string_equal(e.f.sids, "4,4");
	reset(&e);
	for (int i = 0; i < 7; i++)
		stream(&e, APP_TO_SERVER, "PONG");
	assert_string_equal(e.f.sids, "5,5");
	reset(&e);
	for (int i = 0; i < 4; i++)
		stream(&e, APP_TO_SERVER, "AUTHFAIL");
	assert_string_equal(e.f.sids, "6,6");
	/* a new window after 60 s */
	reset(&e);
	e.ctx.ts_us = 100000000LL;
	stream(&e, APP_TO_SERVER, "PING");
	assert_string_equal(e.f.sids, "4");
	env_close(&e);
}

static void test_packet(void **state)
{
	(void)state;
	struct env e;
	env_open(&e,
		 "alert tcp any any -> any any (msg:\"syn\"; flags:S,12; sid:1;)\n"
		 "alert tcp any any -> any any (msg:\"dsize\"; dsize:>4; content:\"abc\"; sid:2;)\n"
		 "alert icmp any any -> any any (msg:\"echo\"; itype:8; icode:0; sid:3;)\n"
		 "alert tcp any any -> any any (msg:\"ttl\"; ttl:<3; sid:4;)\n"
		 "alert udp any any -> any any (msg:\"udp\"; content:\"hello\"; sid:5;)\n"
		 "alert tcp-pkt any any -> any any (msg:\"pkt\"; content:\"SYNDATA\"; sid:6;)\n"
		 "alert tcp any any -> any any (msg:\"est\"; flow:established; dsize:0; flags:A; sid:7;)\n");
	struct net_packet_view p = pkt("stale bytes that are not payload", 0);
	p.tcp_flags = 0x02 | 0x80;	/* SYN + CWR: CWR masked by 12 */
	net_rules_packet(e.r, e.s, &e.ctx, &p);
	assert_string_equal(e.f.sids, "1");
	/* no content: no excerpt (never bytes past the payload) */
	assert_string_equal(e.f.excerpt, "pkt_data:");
	reset(&e);
	p.tcp_flags = 0x10;
	p.payload = (const uint8_t *)"xxabcx";
	p.payload_len = 6;
	p.ttl = 2;
	net_rules_packet(e.r, e.s, &e.ctx, &p);
	assert_string_equal(e.f.sids, "2,4");
	reset(&e);
	p.payload_len = 0;
	p.established = true;
	p.ttl = 64;
	net_rules_packet(e.r, e.s, &e.ctx, &p);
	assert_string_equal(e.f.sids, "7");
	reset(&e);
	p.payload = (const uint8_t *)"SYNDATA";
	p.payload_len = 7;
	net_rules_packet(e.r, e.s, &e.ctx, &p);
	assert_string_equal(e.f.sids, "6");
	reset(&e);
	e.info.proto = 1;
	memset(&p, 0, sizeof(p));
	p.is_icmp = true;
	p.icmp_type = 8;
	p.ttl = 64;
	net_rules_packet(e.r, e.s, &e.ctx, &p);
	assert_string_equal(e.f.sids, "3");
	reset(&e);
	e.info.proto = 17;
	p.is_icmp = false;
	p.payload = (const uint8_t *)"say hello";
	p.payload_len = 9;
	net_rules_packet(e.r, e.s, &e.ctx, &p);
	assert_string_equal(e.f.sids, "5");
	env_close(&e);
}

static void test_addresses(void **state)
{
	(void)state;
	struct env e;
	env_open(&e,
		 "alert tcp $HOME_NET any -> $EXTERNAL_NET $HTTP_PORTS (msg:\"out\"; content:\"q\"; sid:1;)\n"
		 "alert tcp $EXTERNAL_NET any -> $HOME_NET any (msg:\"in\"; content:\"q\"; sid:2;)\n"
		 "alert tcp 10.0.0.0/8 any <> 203.0.113.0/24 any (msg:\"bidir\"; content:\"q\"; sid:3;)\n"
		 "alert tcp 192.168.1.0/24 any <> 203.0.113.0/24 any (msg:\"bidir2\"; content:\"q\"; sid:4;)\n");
	stream(&e, APP_TO_SERVER, "q");
	assert_string_equal(e.f.sids, "1,4");
	reset(&e);
	stream(&e, APP_TO_CLIENT, "q");	/* from 203.0.113.5 to the home client */
	assert_string_equal(e.f.sids, "2,4");
	env_close(&e);
}

/* Address-only rules: checked on the first packet of each direction,
 * found through the address index (IPv4 exact, IPv4 blocks, IPv6). */
static void test_ip_only(void **state)
{
	(void)state;
	struct env e;
	env_open(&e,
		 "alert ip [198.51.100.7,203.0.113.5,192.0.2.1] any -> $HOME_NET any (msg:\"rep v4\"; sid:1;)\n"
		 "alert ip $HOME_NET any -> [203.0.113.0/24,10.99.0.0/16] any (msg:\"rep block\"; sid:2;)\n"
		 "alert ip [2001:db8::5,198.51.100.9] any -> any any (msg:\"rep v6\"; sid:3;)\n"
		 "alert tcp [198.51.100.7,192.0.2.1] any -> $HOME_NET any (msg:\"rep miss\"; sid:4;)\n"
		 "alert ip ![203.0.113.5] any -> any any (msg:\"negated\"; sid:5;)\n");
	struct net_packet_view p;
	memset(&p, 0, sizeof(p));
	p.dir = APP_TO_SERVER;	/* 192.168.1.10 -> 203.0.113.5 */
	net_rules_packet(e.r, e.s, &e.ctx, &p);
	assert_string_equal(e.f.sids, "2,5");
	net_rules_packet(e.r, e.s, &e.ctx, &p);	/* not again in that direction */
	assert_string_equal(e.f.sids, "2,5");
	reset(&e);
	p.dir = APP_TO_CLIENT;	/* 203.0.113.5 -> 192.168.1.10 */
	net_rules_packet(e.r, e.s, &e.ctx, &p);
	assert_string_equal(e.f.sids, "1");
	net_rules_state_free(e.s);
	/* IPv6 */
	e.s = net_rules_state_new(e.r);
	net_rules_state_set_hook(e.s, hook, &e.f);
	reset(&e);
	e.info.ip_version = 6;
	memset(e.info.src_addr, 0, 16);
	uint8_t v6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 5 };
	memcpy(e.info.src_addr, v6, 16);
	p.dir = APP_TO_SERVER;
	net_rules_packet(e.r, e.s, &e.ctx, &p);
	assert_string_equal(e.f.sids, "3,5");
	env_close(&e);
}

/* Short contents bound to the start of the buffer are looked for by hand
 * (not by Hyperscan): at a stream chunk's start behind the previous
 * chunk's tail, case-folded, inside their offset/depth window only. A TCP
 * packet deferred until its stream delivery gets its packet rules from
 * the one combined scan, or from its own scan at the flush when
 * reassembly delivered something else; ip_proto is checked. */
static void test_anchored_deferred(void **state)
{
	(void)state;
	struct env e;
	env_open(&e,
		 "alert tcp any any -> any any (msg:\"sw\"; content:\"|05 00|\"; startswith; sid:1;)\n"
		 "alert tcp any any -> any any (msg:\"nocase\"; content:\"get\"; nocase; depth:3; sid:2;)\n"
		 "alert tcp any any -> any any (msg:\"window\"; content:\"AB\"; offset:3; depth:4; sid:3;)\n"
		 "alert tcp any any -> any any (msg:\"pkt\"; dsize:>3; content:\"PKT1\"; sid:4;)\n"
		 "alert tcp any any -> any any (msg:\"strm\"; content:\"STREAMX\"; sid:5;)\n"
		 "alert ip any any -> any any (msg:\"6in4\"; ip_proto:41; sid:6;)\n"
		 "alert tcp any any -> any any (msg:\"start\"; content:\"|07 00|\"; startswith; fast_pattern; content:\"ZZZ\"; distance:0; sid:7;)\n");
	stream(&e, APP_TO_SERVER, "aaaaaaaa");
	stream_n(&e, APP_TO_SERVER, "\x05\x00rest", 6);
	assert_string_equal(e.f.sids, "1");
	reset(&e);
	stream_n(&e, APP_TO_SERVER, "x\x05\x00", 3);
	assert_string_equal(e.f.sids, "");
	stream(&e, APP_TO_SERVER, "gEt /");
	assert_string_equal(e.f.sids, "2");
	reset(&e);
	stream(&e, APP_TO_SERVER, "xgEt /");
	stream(&e, APP_TO_SERVER, "xxxxxxAB");	/* ends past offset + depth */
	stream(&e, APP_TO_SERVER, "xxAB");	/* starts before offset */
	assert_string_equal(e.f.sids, "");
	stream(&e, APP_TO_SERVER, "xxxxAB");
	assert_string_equal(e.f.sids, "3");
	reset(&e);
	/* anchored at the stream's start, the rest in the next chunk: the
	 * window still begins with the stream's first byte */
	net_rules_state_free(e.s);
	e.s = net_rules_state_new(e.r);
	net_rules_state_set_hook(e.s, hook, &e.f);
	stream_n(&e, APP_TO_SERVER, "\x07\x00" "abc", 5);
	stream(&e, APP_TO_SERVER, "ZZZ");
	assert_string_equal(e.f.sids, "7");
	reset(&e);

	static const uint8_t pl[] = "PKT1 STREAMX";
	struct net_packet_view p = tcp_seg(pl, sizeof(pl) - 1);
	/* delivered as is: one scan, packet rules first */
	net_rules_packet_defer(e.r, e.s, &e.ctx, &p);
	assert_string_equal(e.f.sids, "");
	net_rules_stream(e.r, e.s, &e.ctx, APP_TO_SERVER, pl, sizeof(pl) - 1);
	net_rules_packet_flush(e.r, e.s);
	assert_string_equal(e.f.sids, "4,5");
	assert_int_equal(e.s->combined, 1);
	assert_int_equal(e.s->deferred_plain, 0);
	reset(&e);
	/* reassembly gave other bytes (a copy): the flush runs them */
	net_rules_packet_defer(e.r, e.s, &e.ctx, &p);
	stream(&e, APP_TO_SERVER, "PKT1 STREAMX");
	assert_string_equal(e.f.sids, "5");
	net_rules_packet_flush(e.r, e.s);
	assert_string_equal(e.f.sids, "5,4");
	assert_int_equal(e.s->combined, 1);
	assert_int_equal(e.s->deferred_plain, 1);
	net_rules_packet_flush(e.r, e.s);	/* nothing pending: no-op */
	assert_string_equal(e.f.sids, "5,4");
	reset(&e);
	/* ip_proto: not a rule of TCP packets at all; on a protocol-41
	 * packet only when the header says 41 */
	p.ip_proto = 6;
	p.payload_len = 0;
	net_rules_packet(e.r, e.s, &e.ctx, &p);
	assert_string_equal(e.f.sids, "");
	e.info.proto = 41;
	p.ip_proto = 41;
	net_rules_packet(e.r, e.s, &e.ctx, &p);
	p.ip_proto = 4;
	net_rules_packet(e.r, e.s, &e.ctx, &p);
	assert_string_equal(e.f.sids, "6");
	env_close(&e);
}

/* Anchored contents are looked up by their first two bytes: entries of
 * one byte, nocase entries met with an upper-case second byte, entries of
 * up to eight bytes, and two entries whose byte pairs share a bucket
 * ("aa" and "rt") only fire on their own bytes. */
static void test_anchored_buckets(void **state)
{
	(void)state;
	struct env e;
	env_open(&e,
		 "alert tcp any any -> any any (msg:\"one\"; content:\"Q\"; depth:1; sid:1;)\n"
		 "alert tcp any any -> any any (msg:\"eight\"; content:\"aBcDeFgH\"; startswith; sid:2;)\n"
		 "alert tcp any any -> any any (msg:\"nocase\"; content:\"kEy\"; nocase; offset:2; depth:5; sid:3;)\n"
		 "alert tcp any any -> any any (msg:\"aa\"; content:\"aaX\"; startswith; sid:4;)\n"
		 "alert tcp any any -> any any (msg:\"rt\"; content:\"rtX\"; startswith; sid:5;)\n");
	fires(&e, "Qxx", "1");
	fires(&e, "xQx", "");
	fires(&e, "xaBcDeFgH", "");
	fires(&e, "aBcDeFgh", "");
	fires(&e, "aBcDeFgH and more", "2");
	fires(&e, "..KEY", "3");
	fires(&e, "...kEY", "3");
	fires(&e, ".KEY.", "");
	fires(&e, "..kex", "");
	fires(&e, "rtX", "5");
	fires(&e, "aaX", "4");
	fires(&e, "raX", "");
	fires(&e, "atX", "");
	env_close(&e);
}

/* A content is tried at its next occurrence when what follows it depends
 * on where it matched, also through items that pass the position on
 * (byte_test, negated content) and relative isdataat; a content followed
 * by an absolute one is not, but that one still is. */
static void test_retry(void **state)
{
	(void)state;
	struct env e;
	env_open(&e,
		 "alert tcp any any -> any any (msg:\"bt\"; content:\"a=\"; byte_test:1,=,0x41,0; content:\"1\"; distance:0; within:1; sid:1;)\n"
		 "alert tcp any any -> any any (msg:\"ida\"; content:\"k=\"; isdataat:1,relative; content:\"9\"; distance:0; within:1; sid:2;)\n"
		 "alert tcp any any -> any any (msg:\"neg\"; content:\"p=\"; content:!\"zz\"; content:\"5\"; distance:0; within:1; sid:3;)\n"
		 "alert tcp any any -> any any (msg:\"abs\"; content:\"q=\"; content:\"r\"; content:\"s\"; distance:0; within:1; sid:4;)\n");
	fires(&e, "Ax a=2 a=1", "1");
	fires(&e, "Bx a=2 a=1", "");	/* byte_test fails */
	fires(&e, "k=0 k=9;", "2");
	fires(&e, "p=4 p=5", "3");
	fires(&e, "p=4 p=5 zz", "");
	fires(&e, "q=1 rx q=2 rs", "4");
	fires(&e, "q=1 rx q=2 ry", "");
	/* 4500 "q=" then "rx" x10: "r" fails everywhere (no "s" after it), and
	 * moving "q=" on cannot change that; trying each "q=" would take 4500
	 * steps, past the 4096-step budget (over budget, not a clean miss) */
	static char buf[9100];
	size_t n = 0;
	for (int i = 0; i < 4500; i++)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "q=");
	for (int i = 0; i < 10; i++)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "rx");
	int64_t vars[RULE_MAX_VARS] = { 0 };
	bool over = false;
	assert_false(rule_match_buffer(net_rules_rule(e.r, 3), RB_PAYLOAD, (const uint8_t *)buf, n, vars,
				       NULL, NULL, &over));
	assert_false(over);
	env_close(&e);
}

/* A stream rule is tried on the window (previous tail + chunk) first only
 * when a match on the chunk implies one on the window: rules with a
 * negated content, a content counted from the start or a pcre anchored
 * at the buffer's start still fire on a chunk whose window fails. */
static void test_window_first(void **state)
{
	(void)state;
	struct env e;
	env_open(&e,
		 "alert tcp any any -> any any (msg:\"neg\"; content:\"AB1\"; content:!\"ZZ\"; sid:1;)\n"
		 "alert tcp any any -> any any (msg:\"depth\"; content:\"CD2\"; depth:3; sid:2;)\n"
		 "alert tcp any any -> any any (msg:\"pcre\"; content:\"EF3\"; pcre:\"/^EF3/\"; sid:3;)\n"
		 "alert tcp any any -> any any (msg:\"safe\"; content:\"GH4\"; content:\"IJ\"; distance:0; sid:4;)\n");
	fires(&e, "xxZZ", "");
	fires(&e, "AB1", "1");
	fires(&e, "CD2", "2");
	fires(&e, "EF3", "3");
	/* the three rules above are tried on the chunk first: nothing was
	 * dropped after the window alone */
	assert_int_equal(e.s->window_first_drops, 0);
	/* safe: across the boundary, and not again from the tail alone; its
	 * candidate without "IJ" is dropped after one try on the window */
	fires(&e, "GH4 ", "");
	assert_int_equal(e.s->window_first_drops, 1);
	fires(&e, "IJ", "4");
	fires(&e, "..", "");
	env_close(&e);
}

/* A pcre is JIT-compiled on its first use, not at load: after a stream
 * that runs only the first rule's, only that one is marked. */
static void test_pcre_lazy_jit(void **state)
{
	(void)state;
	struct env e;
	env_open(&e,
		 "alert tcp any any -> any any (msg:\"used\"; content:\"zz\"; pcre:\"/ab+c/\"; sid:1;)\n"
		 "alert tcp any any -> any any (msg:\"unused\"; content:\"yy\"; pcre:\"/q+r/\"; sid:2;)\n");
	const struct rule *r1 = net_rules_rule(e.r, 0), *r2 = net_rules_rule(e.r, 1);
	assert_non_null(r1);
	assert_non_null(r2);
	assert_null(net_rules_rule(e.r, 2));
	assert_int_equal(r1->sid, 1);
	assert_int_equal(r1->m[1].type, RM_PCRE);
	assert_int_equal(r2->m[1].type, RM_PCRE);
	assert_int_equal(atomic_load(r1->m[1].re_jit), 0);
	assert_int_equal(atomic_load(r2->m[1].re_jit), 0);
	stream(&e, APP_TO_SERVER, "zz abbbc");
	assert_string_equal(e.f.sids, "1");
	assert_int_equal(atomic_load(r1->m[1].re_jit), 1);
	assert_int_equal(atomic_load(r2->m[1].re_jit), 0);
	env_close(&e);
}

/* Address-only rules keyed by overlapping address blocks (found by a
 * binary search over the blocks sorted by start, then back while a block
 * may still reach the address). */
static void test_ip_wide(void **state)
{
	(void)state;
	struct env e;
	env_open(&e,
		 "alert ip any any -> [203.0.0.0/8] any (msg:\"wide\"; sid:7;)\n"
		 "alert ip any any -> [203.0.113.128/25,203.0.114.0/24] any (msg:\"after\"; sid:8;)\n"
		 "alert ip any any -> [203.0.112.0/22] any (msg:\"inside\"; sid:9;)\n"
		 "alert ip any any -> [100.0.0.0/8,203.0.113.0/30] any (msg:\"before\"; sid:10;)\n"
		 "alert ip any any -> [203.0.113.4/31,1.0.0.0/8] any (msg:\"pair\"; sid:11;)\n");
	struct net_packet_view p;
	memset(&p, 0, sizeof(p));
	p.dir = APP_TO_SERVER;	/* 192.168.1.10 -> 203.0.113.5 */
	net_rules_packet(e.r, e.s, &e.ctx, &p);
	assert_string_equal(e.f.sids, "7,9,11");
	env_close(&e);
}

/* The port hull and dsize bounds checked before the full verification
 * reject only what the rule could not match: a list with a hole, a
 * bidirectional rule seen from the other side, a dsize range. */
static void test_quick_bounds(void **state)
{
	(void)state;
	struct env e;
	env_open(&e,
		 "alert tcp any any -> any [8000:8100,!8050] (msg:\"hull\"; dsize:<10; sid:1;)\n"
		 "alert tcp any any <> any 8080 (msg:\"bidir\"; dsize:3<>6; sid:2;)\n");
	struct net_packet_view p = pkt("abcdefghijklmnopqrstuvwxyz", 5);
	e.info.dst_port = 8001;
	net_rules_packet(e.r, e.s, &e.ctx, &p);
	assert_string_equal(e.f.sids, "1");
	reset(&e);
	e.info.dst_port = 8050;	/* the hole */
	net_rules_packet(e.r, e.s, &e.ctx, &p);
	e.info.dst_port = 9000;	/* outside */
	net_rules_packet(e.r, e.s, &e.ctx, &p);
	e.info.dst_port = 8001;
	p.payload_len = 10;	/* dsize:<10 */
	net_rules_packet(e.r, e.s, &e.ctx, &p);
	assert_string_equal(e.f.sids, "");
	/* 8080 is the client's port here: the <> rule still matches */
	e.info.src_port = 8080;
	e.info.dst_port = 443;
	p.payload_len = 4;
	net_rules_packet(e.r, e.s, &e.ctx, &p);
	p.payload_len = 6;	/* 3<>6 is exclusive */
	net_rules_packet(e.r, e.s, &e.ctx, &p);
	assert_string_equal(e.f.sids, "2");
	env_close(&e);
}

/* Rules for one server or client port have a prefilter database of their
 * own, scanned only on flows with that port: found there, in both stream
 * directions, and not elsewhere. */
static void test_port_groups(void **state)
{
	(void)state;
	struct env e;
	env_open(&e,
		 "alert tcp any any -> any 445 (msg:\"dp\"; content:\"|00 00 00 01 ff|SMB\"; sid:1;)\n"
		 "alert tcp any 445 -> any any (msg:\"sp\"; flow:to_client; content:\"|00 00 02|REPLY\"; sid:2;)\n"
		 "alert tcp any any -> any any (msg:\"any\"; content:\"|00 00 00 01 ff|SMB\"; sid:3;)\n");
	e.info.dst_port = 445;
	stream_n(&e, APP_TO_SERVER, "xx\x00\x00\x00\x01\xffSMBr", 11);
	stream_n(&e, APP_TO_CLIENT, "\x00\x00\x02REPLY", 8);
	assert_string_equal(e.f.sids, "1,3,2");
	env_close(&e);
	env_open(&e,
		 "alert tcp any any -> any 445 (msg:\"dp\"; content:\"|00 00 00 01 ff|SMB\"; sid:1;)\n"
		 "alert tcp any 445 -> any any (msg:\"sp\"; flow:to_client; content:\"|00 00 02|REPLY\"; sid:2;)\n"
		 "alert tcp any any -> any any (msg:\"any\"; content:\"|00 00 00 01 ff|SMB\"; sid:3;)\n");
	e.info.dst_port = 139;
	stream_n(&e, APP_TO_SERVER, "xx\x00\x00\x00\x01\xffSMBr", 11);
	stream_n(&e, APP_TO_CLIENT, "\x00\x00\x02REPLY", 8);
	assert_string_equal(e.f.sids, "3");
	env_close(&e);
}

/* Payload rules of an application protocol have a prefilter database of
 * their own, scanned only on flows of that protocol: a stream rule once a
 * packet names the flow's protocol, a packet rule by its packet's protocol
 * (also in the combined stream + packet scan, where the flow's protocol
 * and the packet's differ), and never on other flows. */
static void test_app_groups(void **state)
{
	(void)state;
	struct env e;
	env_open(&e,
		 "alert smb any any -> any any (msg:\"smb\"; content:\"|ff|SMBr\"; sid:1;)\n"
		 "alert dns any any -> any any (msg:\"dns\"; content:\"QUERYX\"; sid:2;)\n"
		 "alert tcp any any -> any any (msg:\"tcp\"; content:\"SMBr\"; sid:3;)\n"
		 "alert ftp any any -> any any (msg:\"ftp\"; content:\"ftpcmd\"; sid:4;)\n");
	e.info.dst_port = 445;
	stream_n(&e, APP_TO_SERVER, "xx\xffSMBr", 7);
	assert_string_equal(e.f.sids, "3");
	reset(&e);
	struct net_packet_view p = tcp_seg(NULL, 0);
	p.app_proto = "smb";
	net_rules_packet(e.r, e.s, &e.ctx, &p);
	stream_n(&e, APP_TO_SERVER, "yy\xffSMBr", 7);
	assert_string_equal(e.f.sids, "1,3");
	reset(&e);
	/* combined scan: packet of protocol dns on a flow marked smb */
	static const uint8_t pl[] = "QUERYX ftpcmd";
	p.app_proto = "dns";
	p.payload = pl;
	p.payload_len = sizeof(pl) - 1;
	net_rules_packet_defer(e.r, e.s, &e.ctx, &p);
	net_rules_stream(e.r, e.s, &e.ctx, APP_TO_SERVER, pl, sizeof(pl) - 1);
	net_rules_packet_flush(e.r, e.s);
	assert_int_equal(e.s->combined, 1);
	assert_string_equal(e.f.sids, "2");
	reset(&e);
	/* UDP packets: by the packet's protocol only */
	e.info.proto = 17;
	p.ip_proto = 17;
	p.app_proto = NULL;
	net_rules_packet(e.r, e.s, &e.ctx, &p);
	p.app_proto = "ftp";
	net_rules_packet(e.r, e.s, &e.ctx, &p);
	assert_string_equal(e.f.sids, "");
	p.app_proto = "dns";
	net_rules_packet(e.r, e.s, &e.ctx, &p);
	assert_string_equal(e.f.sids, "2");
	env_close(&e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_content),
		cmocka_unit_test(test_pcre_bytes),
		cmocka_unit_test(test_tx_buffers),
		cmocka_unit_test(test_flowbits_threshold),
		cmocka_unit_test(test_packet),
		cmocka_unit_test(test_addresses),
		cmocka_unit_test(test_ip_only),
		cmocka_unit_test(test_anchored_deferred),
		cmocka_unit_test(test_anchored_buckets),
		cmocka_unit_test(test_retry),
		cmocka_unit_test(test_window_first),
		cmocka_unit_test(test_pcre_lazy_jit),
		cmocka_unit_test(test_ip_wide),
		cmocka_unit_test(test_quick_bounds),
		cmocka_unit_test(test_port_groups),
		cmocka_unit_test(test_app_groups),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
