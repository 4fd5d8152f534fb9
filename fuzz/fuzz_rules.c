/*
 * fuzz_rules.c — libFuzzer target for the Suricata-syntax rule parser and
 * matcher (rules_parse.c, rules_kw_payload.c, rules_engine.c).
 *
 * Input: rule text, then optionally a NUL byte and a payload. The text is
 * loaded as a rule set (every line a rule); if anything loads, the payload
 * is run through the stream, packet (plain and deferred to the stream
 * delivery) and transaction paths (every buffer of the transaction points
 * at the payload).
 */
#include "core/compat.h"
#include "net/rules.h"

#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nul = memchr(data, 0, size);
	size_t tlen = nul ? (size_t)(nul - data) : size;
	const uint8_t *payload = nul ? nul + 1 : (const uint8_t *)"";
	size_t plen = nul ? size - tlen - 1 : 0;
	struct net_rules *r = NULL;
	if (net_rules_load_text(&r, (const char *)data, tlen, NULL, NULL) || !r)
		return 0;
	struct net_rules_state *s = net_rules_state_new(r);
	if (s) {
		struct net_flow_info info;
		memset(&info, 0, sizeof(info));
		info.ip_version = 4;
		info.proto = 6;
		info.dst_port = 80;
		struct app_ctx ctx = { NULL, NULL, &info, NULL, 0, 1 };
		net_rules_stream(r, s, &ctx, APP_TO_SERVER, payload, plen);
		struct net_packet_view p;
		memset(&p, 0, sizeof(p));
		p.payload = payload;
		p.payload_len = plen;
		p.dir = APP_TO_CLIENT;
		p.app_proto = "http";
		net_rules_packet(r, s, &ctx, &p);
		/* a TCP packet deferred to its stream delivery (one scan for
		 * both), then one whose delivery differs (flushed on its own) */
		p.dir = APP_TO_SERVER;
		p.tcp_flags = 0x18;
		p.ip_proto = 6;
		net_rules_packet_defer(r, s, &ctx, &p);
		net_rules_stream(r, s, &ctx, APP_TO_SERVER, payload, plen);
		net_rules_packet_flush(r, s);
		net_rules_packet_defer(r, s, &ctx, &p);
		if (plen > 1)
			net_rules_stream(r, s, &ctx, APP_TO_SERVER, payload + 1, plen - 1);
		net_rules_packet_flush(r, s);
		struct net_tx tx;
		memset(&tx, 0, sizeof(tx));
		tx.app_proto = "http";
		for (unsigned b = 0; b < NET_BUF_COUNT; b++) {
			tx.buf[b].ptr = payload;
			tx.buf[b].len = plen;
		}
		net_rules_tx(r, s, &ctx, &tx);
		tx.dir = APP_TO_CLIENT;
		net_rules_tx(r, s, &ctx, &tx);
		net_rules_state_free(s);
	}
	net_rules_free(r);
	return 0;
}
