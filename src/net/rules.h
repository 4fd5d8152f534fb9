/*
 * rules.h — private to src/net/: the Suricata/Snort-syntax rule engine as
 * the rest of the network engine sees it (implemented in rules_*.c).
 *
 * engine.c loads one struct net_rules at open() (shared read-only by all
 * workers) and, for each input, calls net_rules_packet() for every decoded
 * packet, net_rules_stream() for reassembled TCP stream data, and
 * net_rules_tx() (through net_inspect_tx) for every app-layer transaction.
 * Matches become alerts through ctx->scan. Per-flow state (flowbits,
 * thresholds keyed by flow) lives in the flow's NET_SLOT_RULES slot;
 * per-input state (threshold / detection_filter counters by address) in a
 * struct net_rules_state made per input.
 */
#ifndef NET_RULES_H
#define NET_RULES_H

#include "net/app.h"

struct net_rules;
struct net_rules_state;

/* Loads rule files (.rules) named in env->rule_paths (files or folders)
 * and, if env->bundled_rules, env->bundled_rules_dir/net/. Every rule that
 * does not load goes to env->rule_report with file, line, sid and reason.
 * *out is NULL when there are no rules at all (then the calls below are
 * never made). */
int net_rules_load(struct net_rules **out, const struct mm_engine_env *env,
		   struct mm_diag *diag);
void net_rules_free(struct net_rules *r);
/* Hex digest of the loaded rule texts (for --changed and cache keys). */
const char *net_rules_id(const struct net_rules *r);

struct net_rules_state *net_rules_state_new(const struct net_rules *r);
void net_rules_state_free(struct net_rules_state *s);

/* One decoded packet. payload is the L4 payload (may be empty). */
struct net_packet_view {
	enum app_dir dir;
	bool established;	/* TCP handshake seen or flow picked up midstream with data both ways */
	bool stateless;		/* no flow (e.g. ICMP error, non-TCP/UDP) */
	uint8_t ttl;
	uint8_t tcp_flags;
	uint8_t icmp_type, icmp_code;
	bool is_icmp;
	uint32_t tcp_seq, tcp_ack;
	uint16_t tcp_window;
	uint16_t ip_id;
	const uint8_t *payload;
	size_t payload_len;
	const char *app_proto;	/* NULL until detected */
};

void net_rules_packet(const struct net_rules *r, struct net_rules_state *s,
		      struct app_ctx *ctx, const struct net_packet_view *p);
/* In-order reassembled bytes of one TCP direction (called in chunks). */
void net_rules_stream(const struct net_rules *r, struct net_rules_state *s,
		      struct app_ctx *ctx, enum app_dir dir, const uint8_t *data, size_t len);
void net_rules_tx(const struct net_rules *r, struct net_rules_state *s,
		  struct app_ctx *ctx, const struct net_tx *tx);

#endif
