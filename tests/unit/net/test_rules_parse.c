/*
 * test_rules_parse.c — the rule parser on a table of hand-written rules in
 * the style of ET Open: each valid rule with what it must parse to, each
 * invalid one with the exact rejection key (never half-loaded).
 */
#include "core/compat.h"
#include "net/rules.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

struct pcase {
	const char *text;
	const char *key;	/* NULL: must parse */
};

static const struct pcase cases[] = {
	{ "alert tcp $HOME_NET any -> $EXTERNAL_NET 3333 (msg:\"T stratum login\"; flow:established,to_server; content:\"mining.subscribe\"; fast_pattern; classtype:coin-mining; sid:9000001; rev:2;)", NULL },
	{ "alert http any any -> any any (msg:\"T uri\"; flow:to_server; http.uri; content:\"/x.php?a=\"; startswith; http.user_agent; content:\"curl\"; nocase; sid:9000002; rev:1;)", NULL },
	{ "alert http any any -> any any (msg:\"T legacy\"; content:\"GET\"; http_method; content:\"/a\"; http_uri; depth:2; sid:9000003;)", NULL },
	{ "alert tcp any any -> any any (msg:\"esc \\\"q\\\" \\; semi\"; content:\"a\\;b\\\\c|41 42|\"; sid:9000004;)", NULL },
	{ "alert udp any any -> any 53 (msg:\"T dns\"; dns.query; dotprefix; content:\".pool.example\"; endswith; sid:9000005;)", NULL },
	{ "alert tcp [10.0.0.0/8,!10.1.0.0/16,[192.168.1.1,192.168.1.2]] [1024:,!3389] <> any ![80,443] (msg:\"T lists\"; sid:9000006;)", NULL },
	{ "alert http any any -> any any (msg:\"T pcre\"; content:\"abc\"; pcre:\"/^d+e/Ri\"; pcre:!\"/zz/U\"; sid:9000007;)", NULL },
	{ "alert tcp any any -> any any (msg:\"T bytes\"; content:\"|00 01|\"; byte_extract:2,0,len,relative; byte_test:2,>,len,0,relative; byte_jump:2,0,relative,little,post_offset 1; isdataat:!10,relative; sid:9000008;)", NULL },
	{ "alert tcp any any -> any any (msg:\"T flowbits\"; flowbits:isset,a|b; flowbits:set,c; flowbits:noalert; sid:9000009;)", NULL },
	{ "alert tcp any any -> any any (msg:\"T thr\"; flags:S,12; threshold:type limit, track by_src, count 1, seconds 60; sid:9000010;)", NULL },
	{ "alert icmp any any -> any any (msg:\"T icmp\"; itype:8; icode:0; dsize:>100; ttl:<5; sid:9000011;)", NULL },
	{ "alert tls any any -> any any (msg:\"T sni\"; tls.sni; content:\"xmr\"; bsize:<40; sid:9000012;)", NULL },
	{ "alert http any any -> any any (msg:\"T fp chop\"; http.uri; content:\"abcdefgh\"; fast_pattern:2,3; urilen:>5; sid:9000013;)", NULL },
	{ "alert tcp any any -> any any (msg:\"T df\"; detection_filter:track by_dst, count 5, seconds 10; sid:9000014;)", NULL },
	{ "alert tcp any any -> any any (msg:\"T math\"; content:\"x\"; byte_math:bytes 2, offset 0, oper +, rvalue 4, result r, relative; byte_test:1,=,r,0; sid:9000015;)", NULL },
	{ "alert tls any any -> any any (msg:\"T serial\"; flow:established,from_server; tls.cert_serial; content:\"0A:E1:E6:BD\"; tls_cert_fingerprint; content:\"4a:a3\"; tls.certs; content:\"|30 82|\"; depth:2; sid:9000016;)", NULL },
	/* rejections */
	{ "alert tls any any -> any any (msg:\"x\"; tls.version:1.2; content:\"a\"; sid:1;)", "unsupported keyword: tls.version" },
	{ "alert smtp any any -> any any (msg:\"x\"; sid:2;)", "unsupported protocol: smtp" },
	{ "alert tcp any any -> any any (msg:\"x\"; xbits:set,a,track ip_src; sid:3;)", "unsupported keyword: xbits" },
	{ "alert tcp any any -> any any (msg:\"x\"; flow:to_server,weird; sid:4;)", "unsupported flow option: weird" },
	{ "alert tcp any any -> any any (msg:\"x\"; content:\"a\"; pcre:\"/a/K\"; sid:5;)", "unsupported pcre flag: K" },
	{ "alert tcp any any -> any any (msg:\"x\"; content:\"a\"; sid:6)", "syntax: missing ;" },
	{ "alert tcp any any -> any any (msg:\"x\"; content:\"|4|\"; sid:7;)", "syntax: content hex" },
	{ "alert tcp any any -> any any (msg:\"x\"; content:\"a\";)", "syntax: no sid" },
	{ "alert tcp $NOPE any -> any any (msg:\"x\"; sid:8;)", "undefined variable" },
	{ "alert tcp any 70000 -> any any (msg:\"x\"; sid:9;)", "syntax: port" },
	{ "alert tcp [1.2.3.4 any -> any any (msg:\"x\"; sid:10;)", "syntax: unbalanced brackets" },
	{ "alert tcp any any -> any any (msg:\"x\"; dsize:abc; sid:31;)", "syntax: header keyword" },
	{ "alert ip any any -> any any (msg:\"x\"; ttl:256; sid:32;)", "syntax: header keyword" },
	{ "alert tcp any any -> any any (msg:\"x\"; window:65536; sid:33;)", "syntax: header keyword" },
	{ "alert tcp any any -> any any (msg:\"x\"; seq:4294967295; ack:0; id:7; sid:34;)", NULL },
	{ "alert tcp any any -> any any (msg:\"x\"; nocase; sid:11;)", "syntax: modifier without content" },
	{ "alert tcp any any -> any any (msg:\"x\"; pcre:\"/(/\"; sid:12;)", "syntax: pcre does not compile" },
	{ "log tcp any any -> any any (msg:\"x\"; sid:13;)", "unsupported action: log" },
	{ "alert tcp any any -> any any (msg:\"x\"; threshold:type limit, count 1; sid:14;)", "syntax: threshold" },
	{ "alert tls any any -> any any (msg:\"x\"; content:\"a\"; tls.sni; content:\"b\"; sid:15;)", "unsupported keyword: payload and app-layer buffers in one non-http rule" },
	{ "alert tcp any any -> any any (msg:\"x\"; byte_test:2,~,1,0; sid:16;)", "syntax: byte_test" },
	{ "alert tcp any any => any any (msg:\"x\"; sid:17;)", "syntax: header" },
};

static void test_table(void **state)
{
	(void)state;
	struct rule_names fb = { NULL, 0, 0 };
	struct rule_parse_env pe = { NULL, &fb };
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct rule r;
		char key[200], reason[512];
		int rc = rule_parse(&r, cases[i].text, strlen(cases[i].text), &pe, key, sizeof(key),
				    reason, sizeof(reason));
		if (!cases[i].key) {
			if (rc)
				fail_msg("case %zu should parse: %s (%s)", i, key, reason);
			rule_release(&r);
		} else {
			if (!rc)
				fail_msg("case %zu should be rejected with %s", i, cases[i].key);
			if (strcmp(key, cases[i].key))
				fail_msg("case %zu: key '%s', want '%s'", i, key, cases[i].key);
		}
	}
	for (size_t i = 0; i < fb.n; i++)
		free(fb.v[i]);
	free(fb.v);
}

static struct rule parse_ok(const char *text, struct rule_names *fb)
{
	struct rule_parse_env pe = { NULL, fb };
	struct rule r;
	char key[200], reason[512];
	int rc = rule_parse(&r, text, strlen(text), &pe, key, sizeof(key), reason, sizeof(reason));
	if (rc)
		fail_msg("parse failed: %s", reason);
	return r;
}

static void test_fields(void **state)
{
	(void)state;
	struct rule_names fb = { NULL, 0, 0 };
	struct rule r = parse_ok(cases[3].text, &fb);
	assert_string_equal(r.msg, "esc \"q\" ; semi");
	assert_int_equal(r.nm, 1);
	assert_int_equal(r.m[0].patlen, 7);
	assert_memory_equal(r.m[0].pat, "a;b\\cAB", 7);
	assert_int_equal(r.sid, 9000004);
	assert_int_equal(r.point, RP_STREAM);
	rule_release(&r);

	r = parse_ok(cases[1].text, &fb);
	assert_int_equal(r.point, RP_TX);
	assert_int_equal(r.m[0].buf, NET_BUF_HTTP_URI);
	assert_true(r.m[0].startswith);
	assert_int_equal(r.m[1].buf, NET_BUF_HTTP_USER_AGENT);
	assert_true(r.m[1].nocase);
	assert_int_equal(r.flow, RF_TO_SERVER);
	rule_release(&r);

	/* legacy modifiers move the previous content */
	r = parse_ok(cases[2].text, &fb);
	assert_int_equal(r.m[0].buf, NET_BUF_HTTP_METHOD);
	assert_int_equal(r.m[1].buf, NET_BUF_HTTP_URI);
	assert_true(r.m[1].has_depth);
	assert_int_equal(r.point, RP_TX);
	rule_release(&r);

	/* address lists, negation, nested groups, bidirectional */
	r = parse_ok(cases[5].text, &fb);
	uint8_t a1[16] = { 10, 2, 3, 4 }, a2[16] = { 10, 1, 3, 4 }, a3[16] = { 192, 168, 1, 2 },
		a4[16] = { 192, 168, 1, 3 };
	assert_true(rule_addr_match(&r.src, 4, a1));
	assert_false(rule_addr_match(&r.src, 4, a2));
	assert_true(rule_addr_match(&r.src, 4, a3));
	assert_false(rule_addr_match(&r.src, 4, a4));
	assert_true(rule_port_match(&r.sp, 1024));
	assert_false(rule_port_match(&r.sp, 3389));
	assert_false(rule_port_match(&r.sp, 80));
	assert_false(rule_port_match(&r.dp, 443));
	assert_true(rule_port_match(&r.dp, 8080));
	assert_true(r.bidir);
	rule_release(&r);

	/* flowbits groups share name ids */
	r = parse_ok(cases[8].text, &fb);
	assert_int_equal(r.nfb, 2);
	assert_true(r.fb[0].any);
	assert_int_equal(r.fb[0].n, 2);
	assert_true(r.noalert);
	rule_release(&r);

	r = parse_ok(cases[9].text, &fb);
	assert_int_equal(r.thr_type, THR_LIMIT);
	assert_int_equal(r.thr_track, TRK_SRC);
	assert_int_equal(r.thr_count, 1);
	assert_int_equal(r.thr_seconds, 60);
	assert_int_equal(r.flags_set, 0x02);
	assert_int_equal(r.point, RP_PACKET);
	rule_release(&r);

	/* pcre buffer flag moves it to http.uri */
	r = parse_ok(cases[6].text, &fb);
	assert_int_equal(r.m[1].buf, RB_PAYLOAD);
	assert_true(r.m[1].relative);
	assert_int_equal(r.m[2].buf, NET_BUF_HTTP_URI);
	assert_true(r.m[2].negated);
	rule_release(&r);

	for (size_t i = 0; i < fb.n; i++)
		free(fb.v[i]);
	free(fb.v);
}

static void test_multiline_and_report(void **state)
{
	(void)state;
	const char *text =
		"# a comment\n"
		"\n"
		"alert tcp any any -> any any (msg:\"one\"; \\\n"
		"  content:\"abc\"; sid:1;)\n"
		"alert tcp any any -> any any (msg:\"bad\"; weird_kw; sid:2;)\n"
		"   # indented comment\n"
		"alert http any any -> any any (msg:\"two\"; http.host; content:\"h\"; sid:3;)\n"
		"alert tcp any any -> any any (msg:\"dup\"; content:\"x\"; sid:1;)\n"
		"alert tcp any any -> any any (msg:\"other gid\"; content:\"x\"; sid:1; gid:3;)\n";
	struct mm_rule_report *rep = mm_rule_report_new();
	struct net_rules *r = NULL;
	assert_int_equal(net_rules_load_text(&r, text, strlen(text), NULL, rep), 0);
	assert_non_null(r);
	assert_int_equal(net_rules_count(r), 3);
	assert_int_equal(mm_rule_report_rejected_count(rep, "net"), 2);
	const struct mm_rule_problem *p = mm_rule_report_problem(rep, 0);
	assert_int_equal(p->line, 5);
	assert_string_equal(p->rule_id, "sid:2");
	assert_string_equal(p->reason_key, "unsupported keyword: weird_kw");
	p = mm_rule_report_problem(rep, 1);
	assert_int_equal(p->line, 8);
	assert_string_equal(p->reason_key, "duplicate sid");
	assert_int_equal(strlen(net_rules_id(r)), 64);
	net_rules_free(r);
	mm_rule_report_free(rep);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_fields),
		cmocka_unit_test(test_multiline_and_report),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
