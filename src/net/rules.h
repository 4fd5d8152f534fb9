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

#include <stdatomic.h>

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
	uint8_t ip_proto;	/* the IP header's protocol (IPv6: the last next header) */
	uint32_t tcp_seq, tcp_ack;
	uint16_t tcp_window;
	uint16_t ip_id;
	const uint8_t *payload;
	size_t payload_len;
	const char *app_proto;	/* NULL until detected */
};

void net_rules_packet(const struct net_rules *r, struct net_rules_state *s,
		      struct app_ctx *ctx, const struct net_packet_view *p);
/* The same for a TCP packet whose payload reassembly may deliver right
 * away: the packet and its ctx are copied and kept until
 * net_rules_stream() gets exactly that payload (the same pointer and
 * length: reassembly's no-copy path), which then runs the packet rules
 * and the stream rules from one prefilter scan; net_rules_packet_flush(),
 * called once the packet is through reassembly, runs them the plain way
 * if that did not happen. The payload must stay valid until the flush. */
void net_rules_packet_defer(const struct net_rules *r, struct net_rules_state *s,
			    struct app_ctx *ctx, const struct net_packet_view *p);
void net_rules_packet_flush(const struct net_rules *r, struct net_rules_state *s);
/* In-order reassembled bytes of one TCP direction (called in chunks). */
void net_rules_stream(const struct net_rules *r, struct net_rules_state *s,
		      struct app_ctx *ctx, enum app_dir dir, const uint8_t *data, size_t len);
void net_rules_tx(const struct net_rules *r, struct net_rules_state *s,
		  struct app_ctx *ctx, const struct net_tx *tx);

/*
 * Everything below is internal to rules_*.c (and their unit tests): the
 * parsed form of a rule, shared by the parser (rules_parse.c), the keyword
 * matchers (rules_kw_*.c), the engine (rules_engine.c) and the per-input
 * state (rules_state.c).
 */

/* Variables ($HOME_NET, $HTTP_PORTS...) as configuration keys
 * net.vars.<NAME>; declared here for the engine's config table. */
extern const struct mm_config_default net_rules_config_defaults[];

/* Buffers a rule may inspect: the transaction buffers of app.h, then the
 * packet/stream payload, then buffers derived from http.header. */
enum {
	RB_PAYLOAD = NET_BUF_COUNT,
	RB_HTTP_HEADER_NAMES,
	RB_HTTP_REFERER,
	RB_HTTP_LOCATION,
	RB_HTTP_ACCEPT,
	RB_HTTP_ACCEPT_ENC,
	RB_HTTP_ACCEPT_LANG,
	RB_HTTP_SERVER,
	RB_HTTP_CONTENT_LEN,
	RB_HTTP_CONNECTION,
	RB_HTTP_START,
	RB_COUNT
};
const char *rule_buf_name(unsigned b);

/* Limits of one rule. */
#define RULE_MAX_MATCH 64	/* content/pcre/byte_* items */
#define RULE_MAX_VARS 8		/* byte_extract/byte_math variables */
#define RULE_MAX_FLOWBITS 8	/* flowbits keywords */
#define RULE_MAX_FB_NAMES 8	/* names in one a|b or a&b group */
#define RULE_MAX_REFS 8
#define RULE_MAX_TEXT 65536	/* bytes of one rule (after joining lines) */

enum rule_match_type {
	RM_CONTENT, RM_PCRE, RM_BYTE_TEST, RM_BYTE_JUMP, RM_BYTE_EXTRACT,
	RM_BYTE_MATH, RM_ISDATAAT, RM_BSIZE
};

/* Comparison of a number with a range (dsize, bsize, urilen, ttl...). */
enum rule_cmp { RC_EQ, RC_LT, RC_GT, RC_LE, RC_GE, RC_RANGE, RC_NE };
struct rule_range {
	bool set;
	uint8_t cmp;
	int64_t lo, hi;
};
bool rule_range_match(const struct rule_range *r, int64_t v);

/* A value that is a number or a byte_extract variable (var >= 0). */
struct rule_num {
	int64_t v;
	int8_t var;
};

struct rule_match {
	uint8_t type;		/* enum rule_match_type */
	uint8_t buf;		/* RB_* or NET_BUF_* */
	bool negated, nocase, relative;
	bool startswith, endswith, fast_pattern, fp_only, fp_chop;
	bool has_depth, has_offset, has_distance, has_within;
	struct rule_num depth, offset, distance, within;
	uint32_t fp_off, fp_len;
	uint8_t *pat;		/* content bytes (owned) */
	size_t patlen;
	void *re;		/* pcre2_code (owned) */
	atomic_int *re_jit;	/* pcre: 1 once JIT-compiled (owned; done on first
				 * use, most of a rule set's pcre never run) */
	/* byte_test / byte_jump / byte_extract / byte_math */
	uint8_t nbytes;
	bool big_endian, string, dce, align, from_beginning, from_end;
	uint8_t base;		/* 10, 16, 8 for string */
	char op;		/* byte_test: < > = & ^ (and <= >= as L G); byte_math: + - * / < > */
	bool op_neg;
	struct rule_num value;	/* byte_test value / byte_math rvalue */
	struct rule_num boff;	/* offset */
	int64_t multiplier, post_offset;
	uint64_t bitmask;
	int8_t result_var;	/* byte_extract / byte_math */
	struct rule_range size;	/* bsize */
};

enum rule_point { RP_PACKET, RP_STREAM, RP_TX };

/* Address/port expressions: a tree of lists with negation. */
struct rule_addr {
	uint8_t kind;		/* 0 any, 1 cidr, 2 list */
	bool neg;
	uint8_t ver;
	uint8_t prefix;
	uint8_t addr[16];
	uint16_t lo, hi;	/* ports */
	struct rule_addr *kids;
	size_t nkids;
	/* a list of only positive IPv4 leaves: also as sorted, merged ranges
	 * for a binary search (built at parse, owned) */
	uint32_t *v4lo, *v4hi;
	size_t nv4;
	bool v4only;		/* every member is an IPv4 block */
	bool leaves;		/* every member is a plain (not negated) block */
};
bool rule_addr_match(const struct rule_addr *a, uint8_t ver, const uint8_t *addr);
bool rule_port_match(const struct rule_addr *a, uint16_t port);
void rule_addr_release(struct rule_addr *a);

enum fb_cmd { FB_SET, FB_UNSET, FB_TOGGLE, FB_ISSET, FB_ISNOTSET, FB_NOALERT };
struct rule_flowbit {
	uint8_t cmd;
	bool any;		/* a|b: any; a&b or single: all */
	uint8_t n;
	uint32_t id[RULE_MAX_FB_NAMES];
};

#define RF_TO_SERVER 0x01
#define RF_TO_CLIENT 0x02
#define RF_ESTABLISHED 0x04
#define RF_NOT_ESTABLISHED 0x08
#define RF_STATELESS 0x10
#define RF_ONLY_STREAM 0x20
#define RF_NO_STREAM 0x40

enum thr_type { THR_NONE, THR_LIMIT, THR_THRESHOLD, THR_BOTH, THR_DETECTION };
enum thr_track { TRK_SRC, TRK_DST, TRK_RULE, TRK_BOTH, TRK_FLOW };

struct rule {
	char *file;
	long line;
	uint32_t sid, rev, gid;
	char *msg, *classtype, *metadata, *action;
	char *refs[RULE_MAX_REFS];
	uint8_t nrefs;
	int priority;		/* 0: from classtype */
	uint8_t ipproto;	/* 0 any (ip), 6, 17, 1 */
	const char *app_proto;	/* "http", ... or NULL */
	bool pkt_only;		/* tcp-pkt */
	bool stream_only;	/* tcp-stream */
	bool bidir;
	struct rule_addr src, dst, sp, dp;
	uint8_t flow;
	uint8_t point;		/* enum rule_point */
	struct rule_match *m;	/* nm items (owned) */
	uint8_t nm;
	uint8_t nvars;
	char *var_names[RULE_MAX_VARS];
	int fp;			/* index in m of the fast pattern, -1 none */
	/* header keywords */
	struct rule_range dsize, ttl, itype, icode, ipid, seq, ack, window, ip_proto, urilen;
	bool sameip;
	uint8_t dotprefix_buf;	/* buffer that gets a leading '.', 0xff none */
	uint8_t flags_set, flags_mask;	/* flags: bits required / bits looked at */
	uint8_t flags_mode;	/* 0 exact, '+' all of, '*' any of, '!' none of */
	bool has_flags;
	struct rule_flowbit fb[RULE_MAX_FLOWBITS];
	uint8_t nfb;
	bool noalert;
	bool ip_only;		/* addresses/ports only: first packet of each direction */
	uint8_t thr_type, thr_track;
	uint32_t thr_count, thr_seconds;
	uint32_t index;		/* position in the rule set */
	const struct mm_rule_meta *meta;
};

/* Parse context: variables from the configuration, flowbit name table. */
struct rule_names {
	char **v;
	size_t n, cap;
};
struct rule_parse_env {
	const struct mm_config *config;
	struct rule_names *flowbits;	/* names get ids in order of appearance */
};

/* Parses one rule (one logical line, continuation lines already joined).
 * Returns 0 and fills *r (caller releases with rule_release), or an MM_E*
 * with reason_key ("unsupported keyword: X") and reason set. */
int rule_parse(struct rule *r, const char *text, size_t len, const struct rule_parse_env *pe,
	       char *reason_key, size_t key_cap, char *reason, size_t reason_cap);
void rule_release(struct rule *r);

/* Verifies one rule's match list on one buffer (rules_kw_payload.c).
 * vars holds byte_extract values (RULE_MAX_VARS). *over_budget (may be
 * NULL) is set when the step budget ran out (the result is then false
 * without the buffer having been fully tried). */
bool rule_match_buffer(const struct rule *r, unsigned buf, const uint8_t *data, size_t len,
		       int64_t *vars, size_t *match_off, size_t *match_len, bool *over_budget);
/* Loads a list of rule texts without files (unit tests, fuzzing): one
 * rule per line. Rejections go to report (may be NULL). */
int net_rules_load_text(struct net_rules **out, const char *text, size_t len,
			const struct mm_config *config, struct mm_rule_report *report);
size_t net_rules_count(const struct net_rules *r);
/* Rule i of the set in load order (NULL past the end). */
const struct rule *net_rules_rule(const struct net_rules *r, size_t i);

/* Test hook: every alert also goes to fn (scan may then be NULL). */
typedef void net_rules_alert_fn(void *arg, const struct rule *r, const char *buf_name,
				const uint8_t *excerpt, size_t excerpt_len);
void net_rules_state_set_hook(struct net_rules_state *s, net_rules_alert_fn *fn, void *arg);

/* Per-input state (one thread). */
struct rules_thr_table;
struct rules_flow;
struct net_rules_state {
	const struct net_rules *r;
	void *scratch;		/* hs_scratch_t */
	uint8_t *cand;		/* candidate marks, one per rule */
	uint32_t *cand_list;
	size_t ncand;
	uint32_t *cand_other;	/* stream candidates while packet ones run */
	uint8_t *win;		/* stream window buffer (tail + chunk) */
	size_t win_cap;
	bool pending;		/* a deferred packet (net_rules_packet_defer) */
	struct net_packet_view pend_pv;
	struct app_ctx pend_ctx;
	uint64_t combined, deferred_plain;	/* deferred packets: one scan / own scan */
	uint64_t window_first_drops;	/* stream candidates dropped after the window alone */
	struct rules_thr_table *thr;
	size_t nflowbits;
	struct rules_flow *fallback;	/* flow state when ctx->flow is NULL */
	net_rules_alert_fn *hook;
	void *hook_arg;
	uint64_t alerts, thr_dropped;
};

/* rules_state.c: per-flow flowbits and per-input thresholds. The flow
 * storage is reached through ctx->flow's NET_SLOT_RULES slot; when
 * ctx->flow is NULL (tests), a per-state fallback slot is used. */
struct rules_flow;
struct rules_flow *rules_flow_get(struct net_rules_state *s, struct app_ctx *ctx, bool create);
bool rules_flowbits_check(const struct rule *r, const struct rules_flow *f);
void rules_flowbits_apply(const struct rule *r, struct rules_flow *f);
const char *rules_flow_app_proto(const struct rules_flow *f);
/* The last bytes of stream data seen in a direction (at most
 * RULES_STREAM_TAIL), to put in front of the next chunk. */
#define RULES_STREAM_TAIL 256
const uint8_t *rules_flow_tail(const struct rules_flow *f, enum app_dir dir, size_t *len);
void rules_flow_set_tail(struct rules_flow *f, enum app_dir dir, const uint8_t *data, size_t len);
void rules_flow_set_app_proto(struct rules_flow *f, const char *app_proto);
/* True the first time it is called for a direction of the flow. */
bool rules_flow_first(struct rules_flow *f, enum app_dir dir);
/* True when an alert should be raised now (threshold/detection_filter). */
bool rules_threshold_pass(struct net_rules_state *s, const struct rule *r,
			  const uint8_t *src, const uint8_t *dst, uint64_t flow_id, int64_t ts_us);

#endif
