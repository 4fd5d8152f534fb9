/*
 * internal.h — private declarations of the network engine (src/net/).
 *
 * Layers, bottom up, each in its own file:
 *   decode.c  link layer -> IPv4/IPv6 (+ fragment reassembly) -> TCP/UDP/ICMP
 *             into a struct net_pkt of slices into the capture buffer;
 *   flow.c    the flow table (5-tuple, both directions), timeouts by state,
 *             a count cap with counted evictions;
 *   reasm.c   TCP reassembly per direction, in-order delivery through
 *             callbacks, gaps reported, limits per flow and global;
 *   engine.c  the struct mm_engine glue: reads captures with libpcap, runs
 *             the layers above, attaches one app parser per flow (probe by
 *             content) and hosts net_inspect_tx(), net_log_record() and
 *             the slot functions of app.h.
 * Parsers (app_*.c) and detectors (detect_*.c) see flows only through
 * app.h; the HTTP and SMB views that detectors consume are declared here
 * and in smb.h.
 *
 * Ownership: a struct net_pkt borrows the capture buffer (or the fragment
 * table's reassembled datagram) until the next net_decode() call. Threading:
 * everything here belongs to one struct net_ctx, used by one thread.
 */
#ifndef NET_INTERNAL_H
#define NET_INTERNAL_H

#include "net/app.h"

/* ---- bounded byte readers: never cast packet bytes to structs ---- */

struct rd {
	const uint8_t *p;
	const uint8_t *end;
};

static inline struct rd rd_make(const uint8_t *p, size_t len)
{
	struct rd r = { p, p + len };
	return r;
}
static inline size_t rd_left(const struct rd *r)
{
	return (size_t)(r->end - r->p);
}
static inline bool rd_skip(struct rd *r, size_t n)
{
	if (rd_left(r) < n)
		return false;
	r->p += n;
	return true;
}
static inline bool rd_u8(struct rd *r, uint8_t *v)
{
	if (r->p >= r->end)
		return false;
	*v = *r->p++;
	return true;
}
static inline bool rd_be16(struct rd *r, uint16_t *v)
{
	if (rd_left(r) < 2)
		return false;
	*v = (uint16_t)((r->p[0] << 8) | r->p[1]);
	r->p += 2;
	return true;
}
static inline bool rd_be32(struct rd *r, uint32_t *v)
{
	if (rd_left(r) < 4)
		return false;
	*v = ((uint32_t)r->p[0] << 24) | ((uint32_t)r->p[1] << 16) |
	     ((uint32_t)r->p[2] << 8) | r->p[3];
	r->p += 4;
	return true;
}
static inline bool rd_le16(struct rd *r, uint16_t *v)
{
	if (rd_left(r) < 2)
		return false;
	*v = (uint16_t)(r->p[0] | (r->p[1] << 8));
	r->p += 2;
	return true;
}
static inline bool rd_le32(struct rd *r, uint32_t *v)
{
	if (rd_left(r) < 4)
		return false;
	*v = r->p[0] | ((uint32_t)r->p[1] << 8) | ((uint32_t)r->p[2] << 16) |
	     ((uint32_t)r->p[3] << 24);
	r->p += 4;
	return true;
}
static inline bool rd_le64(struct rd *r, uint64_t *v)
{
	uint32_t lo, hi;
	if (rd_left(r) < 8)
		return false;
	rd_le32(r, &lo);
	rd_le32(r, &hi);
	*v = ((uint64_t)hi << 32) | lo;
	return true;
}
/* Little-endian reads at an offset of a slice; 0 when out of bounds (for
 * fields whose absence and zero mean the same to the caller). */
static inline uint16_t get_le16(const uint8_t *p, size_t len, size_t off)
{
	return off + 2 <= len ? (uint16_t)(p[off] | (p[off + 1] << 8)) : 0;
}
static inline uint32_t get_le32(const uint8_t *p, size_t len, size_t off)
{
	return off + 4 <= len ? (p[off] | ((uint32_t)p[off + 1] << 8) |
				 ((uint32_t)p[off + 2] << 16) | ((uint32_t)p[off + 3] << 24))
			      : 0;
}

/* ---- decode.c ---- */

/* Link types we decode (values of pcap_datalink()/LINKTYPE_*). */
#define NET_DLT_NULL 0
#define NET_DLT_EN10MB 1
#define NET_DLT_RAW 12		/* DLT_RAW on Linux; also LINKTYPE_RAW 101 */
#define NET_DLT_RAW_BSD 14
#define NET_DLT_LINKTYPE_RAW 101
#define NET_DLT_LOOP 108
#define NET_DLT_LINUX_SLL 113
#define NET_DLT_IPV4 228
#define NET_DLT_IPV6 229
#define NET_DLT_LINUX_SLL2 276

bool net_linktype_supported(int dlt);

#define TCP_FIN 0x01
#define TCP_SYN 0x02
#define TCP_RST 0x04
#define TCP_PSH 0x08
#define TCP_ACK 0x10
#define TCP_URG 0x20

#define NET_PROTO_ICMP 1
#define NET_PROTO_TCP 6
#define NET_PROTO_UDP 17
#define NET_PROTO_ICMPV6 58

/* One decoded packet; every pointer borrows the capture buffer (or the
 * fragment table's datagram) until the next net_decode(). */
struct net_pkt {
	int64_t ts_us;
	uint64_t frame;
	uint8_t ip_version;	/* 0: not IP */
	uint8_t proto;		/* L4 protocol number */
	uint8_t ttl;
	uint8_t vlan_count;
	uint16_t ip_id;
	uint16_t vlan[2];
	uint8_t src[16], dst[16];
	bool l4_ok;		/* the L4 header was complete */
	bool truncated;		/* snaplen cut: payload shorter than on the wire */
	bool defragmented;
	uint16_t sport, dport;
	uint8_t tcp_flags;
	uint8_t tcp_wscale;	/* 0xff: no window-scale option */
	uint16_t tcp_mss;	/* 0: absent */
	bool tcp_sack_ok;
	uint32_t seq, ack;
	uint16_t window;
	uint8_t icmp_type, icmp_code;
	const uint8_t *payload;	/* captured L4 payload */
	size_t payload_len;
	size_t payload_wire_len;	/* its length per the IP/UDP lengths */
};

struct net_decode_stats {
	uint64_t not_ip;	/* ARP, LLDP, ... */
	uint64_t bad;		/* malformed headers */
	uint64_t truncated;	/* cut by the snaplen */
	uint64_t frags;
	uint64_t frags_reassembled;
	uint64_t frags_dropped;	/* over a limit, or timed out */
	uint64_t frags_overlap;
	uint64_t ipv6_ext_limit;
};

struct frag_dgram;

struct net_frag_limits {
	size_t memcap;		/* bytes held across all datagrams */
	size_t max_dgrams;
	size_t max_frags;	/* fragments per datagram */
	int64_t timeout_us;
};

struct net_decoder {
	struct net_frag_limits lim;
	struct frag_dgram *dgrams;	/* list, most recent first */
	size_t ndgrams;
	size_t mem;
	uint8_t *done;		/* last reassembled datagram, freed at the next call */
	struct net_decode_stats st;
};

void net_decoder_init(struct net_decoder *d, const struct net_frag_limits *lim);
void net_decoder_release(struct net_decoder *d);

#define NET_DEC_OK 0		/* an IP packet in *p */
#define NET_DEC_HELD 1		/* a fragment was kept; nothing to process yet */
#define NET_DEC_SKIP 2		/* not IP, or too broken to use (counted) */
/* Decodes one frame of link type dlt. */
int net_decode(struct net_decoder *d, int dlt, const uint8_t *data, size_t caplen,
	       int64_t ts_us, struct net_pkt *p);

/* ---- reasm.c ---- */

struct reasm_seg;
struct reasm_global;

/* One direction of a TCP connection. */
struct reasm_stream {
	uint32_t next_seq;	/* next byte to deliver */
	uint32_t fin_seq;
	bool started;
	bool fin_seen;
	bool closed;		/* no more delivery (depth reached, FIN done) */
	bool depth_hit;
	struct reasm_seg *segs;	/* out-of-order segments, ascending seq */
	size_t queued;		/* bytes held in segs */
	uint64_t delivered;	/* bytes delivered so far */
};

struct reasm_stats {
	uint64_t retransmitted;	/* bytes seen again and dropped */
	uint64_t overlaps;	/* segments overlapping queued/delivered data */
	uint64_t overlap_diff;	/* overlaps whose bytes differed (first kept) */
	uint64_t out_of_window;
	uint64_t gaps;
	uint64_t gap_bytes;
	uint64_t memcap_drops;
	uint64_t depth_reached;
};

struct reasm_global {
	size_t memcap;		/* bytes queued over all flows */
	size_t flow_memcap;	/* bytes queued per direction */
	uint64_t depth;		/* bytes delivered per direction; 0 = no limit */
	uint32_t window;	/* accept segments up to this far past next_seq */
	size_t mem;
	struct reasm_stats st;
};

/* Callbacks: data in order, or len bytes lost. */
struct reasm_out {
	void (*data)(void *arg, const uint8_t *data, size_t len);
	void (*gap)(void *arg, uint64_t len);
	void *arg;
};

void reasm_stream_init(struct reasm_stream *s);
/* Starts the stream so that seq is the next byte expected. */
void reasm_stream_start(struct reasm_stream *s, uint32_t seq);
/* One segment (payload may be empty; fin for a FIN). */
void reasm_segment(struct reasm_global *g, struct reasm_stream *s, uint32_t seq,
		   const uint8_t *data, size_t len, bool fin, const struct reasm_out *out);
/* The peer acknowledged ack: bytes before it that we never saw are lost. */
void reasm_acked(struct reasm_global *g, struct reasm_stream *s, uint32_t ack,
		 const struct reasm_out *out);
/* Bytes up to `upto` existed but were not captured (snaplen cut): a gap,
 * when they follow what was delivered and nothing is queued. */
void reasm_lost(struct reasm_global *g, struct reasm_stream *s, uint32_t upto,
		const struct reasm_out *out);
/* Delivers what is queued, reporting holes as gaps (end of flow). */
void reasm_flush(struct reasm_global *g, struct reasm_stream *s, const struct reasm_out *out);
void reasm_stream_release(struct reasm_global *g, struct reasm_stream *s);

/* ---- flow.c ---- */

enum flow_state {
	FLOW_STATE_NEW = 0,	/* TCP: SYN seen; UDP: one direction */
	FLOW_STATE_ESTABLISHED,
	FLOW_STATE_CLOSED,	/* FIN both ways or RST */
};

enum flow_class { FLOW_CLASS_NEW, FLOW_CLASS_EST, FLOW_CLASS_CLOSED, FLOW_CLASS_UDP,
		  FLOW_CLASS_COUNT };

#define NET_PROBE_MAX 1024

struct net_flow {
	struct net_flow *hnext;		/* hash chain */
	struct net_flow *lprev, *lnext;	/* timeout list of its class */
	uint32_t hash;
	uint8_t klass;
	uint8_t state;
	uint8_t key_ver, key_proto;
	uint8_t key_a[16], key_b[16];	/* ordered so that (a,pa) <= (b,pb) */
	uint16_t key_pa, key_pb;
	bool a_is_client;
	int64_t last_ts_us;
	uint64_t pkts[2], bytes[2];
	struct net_flow_info info;
	/* TCP */
	bool syn_seen[2];
	bool fin_seen[2];
	bool rst_seen;
	struct reasm_stream rs[2];
	/* app layer */
	const struct app_parser *parser;
	void *session;
	bool app_done;			/* detection over (found or given up) */
	bool probe_no[2];
	uint16_t probe_len[2];
	uint64_t probe_lost[2];		/* bytes past the probe buffer */
	uint8_t *probe_buf[2];		/* NULL until needed */
	void *slot[NET_SLOT_COUNT];
	void (*slot_free[NET_SLOT_COUNT])(void *);
	uint32_t detect_flags;		/* NET_DETECT_*: once-per-flow alerts raised */
};

#define NET_DETECT_DOCKER_EXTERNAL 0x01
#define NET_DETECT_CONFLUENCE 0x02

struct flow_stats {
	uint64_t created;
	uint64_t expired;
	uint64_t evicted;	/* dropped for the count cap */
	uint64_t active_max;
};

typedef void flow_end_fn(void *arg, struct net_flow *f);

struct flow_table {
	struct net_flow **buckets;
	uint32_t mask;
	size_t count;
	size_t max;
	uint64_t next_id;
	int64_t timeout_us[FLOW_CLASS_COUNT];
	struct net_flow *head[FLOW_CLASS_COUNT], *tail[FLOW_CLASS_COUNT];
	struct net_flow *free_list;
	size_t free_count;
	flow_end_fn *on_end;	/* called before a flow is freed */
	void *on_end_arg;
	struct flow_stats st;
};

struct flow_limits {
	size_t max_flows;
	int64_t timeout_new_us, timeout_est_us, timeout_closed_us, timeout_udp_us;
};

int flow_table_init(struct flow_table *t, const struct flow_limits *lim,
		    flow_end_fn *on_end, void *arg);
/* Ends every flow (on_end is called) and frees the table. */
void flow_table_release(struct flow_table *t);
/* Finds or creates the flow of p; *dir is p's direction in it. NULL only
 * when out of memory. A new flow takes the client from the packet (SYN
 * sender, SYN-ACK receiver, else the higher port). */
struct net_flow *flow_table_get(struct flow_table *t, const struct net_pkt *p,
				enum app_dir *dir, bool *created);
/* Moves f to the back of its timeout list after activity at ts. */
void flow_touch(struct flow_table *t, struct net_flow *f, int64_t ts_us);
void flow_set_state(struct flow_table *t, struct net_flow *f, enum flow_state s);
/* Ends flows idle past their timeout at now. Returns how many. */
size_t flow_table_expire(struct flow_table *t, int64_t now_us);
/* Ends every flow. */
void flow_table_end_all(struct flow_table *t);

/* ---- engine.c: helpers for parsers and detectors ---- */

/* Home network (CIDR list from net.home_net). */
struct net_cidr {
	uint8_t ver;
	uint8_t bits;
	uint8_t addr[16];
};
/* Parses "10.0.0.0/8,fd00::/8"; n is set to the count. */
int net_cidr_parse_list(const char *s, struct net_cidr *out, size_t cap, size_t *n);
bool net_cidr_match(const struct net_cidr *list, size_t n, uint8_t ver, const uint8_t *addr);

/* Fills the flow and time fields of an alert (module, timestamp, source,
 * destination, transport, protocol, community id); the strings borrow
 * ctx->info. */
void net_alert_fill(struct mm_alert *a, const struct app_ctx *ctx, const char *protocol);
/* Emits an alert through ctx->scan and counts it. */
void net_alert_emit(struct app_ctx *ctx, const struct mm_alert *a);
/* Engine settings read once at open(). */
uint64_t net_ctx_http_body_limit(const struct net_ctx *n);

/* ---- HTTP transactions as detectors see them (app_http.c) ---- */

struct http_header {
	struct mm_slice name, value;
};

#define HTTP_MAX_HEADERS 64

struct http_msg {
	bool is_request;
	struct mm_slice method;
	struct mm_slice uri;		/* raw */
	struct mm_slice path;		/* raw uri without query */
	struct mm_slice query;
	int status;
	struct mm_slice reason;
	uint8_t http_major, http_minor;
	struct http_header hdr[HTTP_MAX_HEADERS];
	size_t nhdr;
	size_t hdr_dropped;
	struct mm_slice body;		/* up to the body limit, de-chunked */
	uint64_t body_total;		/* bytes of body seen */
	bool body_truncated;
	uint64_t frame_first, frame_last;
};

/* Header value by name (case-insensitive), or an empty slice. */
struct mm_slice http_msg_header(const struct http_msg *m, const char *name);
/* Case-insensitive search for a token in a slice. */
bool net_slice_icontains(struct mm_slice s, const char *needle);
bool net_slice_ieq(struct mm_slice s, const char *str);

/* Detectors fed by the HTTP parser: req is the finished request; resp is
 * NULL for the request call and set (with req) when its response ends. */
void detect_confluence_http(struct app_ctx *ctx, const struct http_msg *req,
			    const struct http_msg *resp);
void detect_docker_http(struct app_ctx *ctx, const struct http_msg *req,
			const struct http_msg *resp);

/* Catalogue entries of the built-in detectors (engine open()). */
int detect_ms17010_register(struct mm_catalogue *cat);
int detect_confluence_register(struct mm_catalogue *cat);
int detect_docker_register(struct mm_catalogue *cat);

/* The fields of an X.509 certificate that rules see (app_tls.c), from a
 * bounded DER walk of one certificate (the outer SEQUENCE and nothing
 * after it): subject and issuer as Suricata writes them ("C=.., O=..,
 * CN=..", attributes in certificate order), the serial number's INTEGER
 * content bytes as upper-case hex pairs joined by ':' (leading 00 kept,
 * at most TLS_SERIAL_MAX bytes, longer ones cut and flagged), the SHA-1
 * of the whole DER as lower-case hex pairs joined by ':'. */
#define TLS_DN_MAX 512
#define TLS_SERIAL_MAX 64
struct tls_cert_fields {
	char subject[TLS_DN_MAX], issuer[TLS_DN_MAX];
	char serial[TLS_SERIAL_MAX * 3];
	char fingerprint[20 * 3];
	bool serial_cut;
	size_t der_len;		/* bytes of the certificate (outer TLV) */
};
/* Returns 0, or MM_ECORRUPT when der does not start with a certificate
 * whose tbsCertificate has a serial, issuer and subject. */
int tls_cert_parse(const uint8_t *der, size_t len, struct tls_cert_fields *out);

#endif
