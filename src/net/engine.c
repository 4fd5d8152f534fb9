/*
 * engine.c — the network engine: mm_engine_net and the per-input pipeline.
 *
 * scan() reads a pcap or pcapng input with libpcap (from a dup of the
 * pipeline's fd), and runs every frame through net_ctx_packet(): decode ->
 * flow -> TCP reassembly -> application parser -> detectors. Application
 * protocols are detected by content: each parser's probe() looks at the
 * first bytes of each direction (buffered up to NET_PROBE_MAX while some
 * parser still says "maybe"); the first YES attaches that parser to the
 * flow for good.
 *
 * Bad input: a link type we do not decode is an UNSUPPORTED skip; a file
 * libpcap cannot open is CORRUPT; a file that stops mid-record or has a
 * bogus record length is a TRUNCATED partial with libpcap's own text, and
 * every frame before it is processed. Frames cut by the snaplen are decoded
 * as far as they go.
 *
 * When a TCP flow closes (FIN both ways, or a RST) its application layer
 * ends at once: reassembly is flushed (holes become gaps), the parser is
 * closed (detectors that report at the end of a flow do it then) and its
 * memory freed; bytes after a RST are not parsed. The flow entry stays
 * until its timeout for the late packets. Timeouts and the brute-force
 * detector's clock are swept every SWEEP_INTERVAL_US of capture time.
 *
 * Rule engine hooks (rules.h) are marked "RULES HOOK": the rule engine's
 * author wires net_rules_packet/stream/tx there.
 *
 * Ownership: struct net_engine (open state) is read-only during scans;
 * struct net_ctx is made per input and used by one thread.
 */
#include "core/compat.h"
#include "net/net.h"
#include "net/internal.h"
#include "net/rules.h"
#include "net/bruteforce.h"
#include "net/mining.h"

#include <pcap/pcap.h>
#include <unistd.h>
#include <sys/socket.h>
#include <arpa/inet.h>

#define MAX_HOME_CIDRS 64
/* timeouts are 30 s and more: sweeping every 5 s of capture time is enough */
#define SWEEP_INTERVAL_US 5000000
#define UDP_PROBE_MAX 8

struct net_engine {
	struct flow_limits flim;
	struct net_frag_limits frag;
	uint64_t reasm_depth;
	size_t reasm_memcap, reasm_flow_memcap;
	uint32_t reasm_window;
	uint64_t http_body_limit;
	struct net_cidr home[MAX_HOME_CIDRS];
	size_t nhome;
	struct net_rules *rules;	/* NULL: no Suricata-syntax rules loaded */
	char *rules_dir;	/* bundled rules folder, NULL when they are off */
};

struct net_ctx {
	const struct net_engine *eng;
	struct mm_scan_ctx *scan;
	const struct mm_config *cfg;
	int dlt;
	struct net_decoder dec;
	struct flow_table flows;
	struct reasm_global rg;
	struct net_pkt pkt;
	int64_t now_us;
	int64_t last_sweep_us;
	uint64_t frame;
	uint64_t bytes;
	uint64_t ip_packets;
	uint64_t txs;
	uint64_t alerts;
	uint64_t parser_errors;
	uint64_t flows_unknown;
	void *slot[NET_CTX_COUNT];
	void (*slot_free[NET_CTX_COUNT])(void *);
	struct net_rules_state *rules_state;
};

/* What the reassembly callbacks need to reach the app layer. */
struct deliver_arg {
	struct net_ctx *n;
	struct net_flow *f;
	enum app_dir dir;
};

static const struct mm_config_default net_defaults[] = {
	{ "net.home_net", "10.0.0.0/8,172.16.0.0/12,192.168.0.0/16,127.0.0.0/8,::1/128,fc00::/7,fe80::/10",
	  "addresses considered inside (CIDR list); Docker API use from elsewhere is flagged" },
	{ "net.flow.max", "262144", "flows tracked at once per input; the oldest is evicted past it" },
	{ "net.flow.timeout.new", "30", "seconds an unanswered TCP SYN flow is kept" },
	{ "net.flow.timeout.established", "3600", "seconds an idle established TCP flow is kept" },
	{ "net.flow.timeout.closed", "30", "seconds a closed TCP flow is kept" },
	{ "net.flow.timeout.udp", "60", "seconds an idle UDP/other flow is kept" },
	{ "net.reasm.depth", "16M", "bytes reassembled per TCP direction (0 = no limit)" },
	{ "net.reasm.memcap", "256M", "bytes of out-of-order TCP data held over all flows" },
	{ "net.reasm.flow_memcap", "2M", "bytes of out-of-order TCP data held per direction" },
	{ "net.reasm.window", "4M", "segments further than this past the next byte are ignored" },
	{ "net.frag.memcap", "32M", "bytes held by IP fragment reassembly" },
	{ "net.frag.max_datagrams", "256", "IP datagrams in reassembly at once" },
	{ "net.frag.max_fragments", "128", "fragments per IP datagram" },
	{ "net.frag.timeout", "30", "seconds a partial IP datagram is kept" },
	{ "net.http.body_limit", "1M", "bytes of each HTTP body kept for detectors and rules" },
	{ NULL, NULL, NULL },
};

/* ---- CIDR lists ---- */

int net_cidr_parse_list(const char *s, struct net_cidr *out, size_t cap, size_t *n)
{
	*n = 0;
	while (s && *s) {
		char tok[80];
		size_t len = strcspn(s, ", ");
		if (len == 0) {
			s++;
			continue;
		}
		if (len >= sizeof(tok))
			return MM_EINVAL;
		memcpy(tok, s, len);
		tok[len] = 0;
		s += len;
		if (*n >= cap)
			return MM_ELIMIT;
		struct net_cidr *c = &out[*n];
		memset(c, 0, sizeof(*c));
		char *slash = strchr(tok, '/');
		long bits = -1;
		if (slash) {
			char *end;
			*slash = 0;
			bits = strtol(slash + 1, &end, 10);
			if (*end || bits < 0)
				return MM_EINVAL;
		}
		if (inet_pton(AF_INET, tok, c->addr) == 1) {
			c->ver = 4;
			if (bits < 0)
				bits = 32;
			if (bits > 32)
				return MM_EINVAL;
		} else if (inet_pton(AF_INET6, tok, c->addr) == 1) {
			c->ver = 6;
			if (bits < 0)
				bits = 128;
			if (bits > 128)
				return MM_EINVAL;
		} else {
			return MM_EINVAL;
		}
		c->bits = (uint8_t)bits;
		(*n)++;
	}
	return 0;
}

bool net_cidr_match(const struct net_cidr *list, size_t n, uint8_t ver, const uint8_t *addr)
{
	for (size_t i = 0; i < n; i++) {
		const struct net_cidr *c = &list[i];
		if (c->ver != ver)
			continue;
		unsigned full = c->bits / 8, rest = c->bits % 8;
		if (memcmp(c->addr, addr, full))
			continue;
		if (rest) {
			uint8_t m = (uint8_t)(0xff << (8 - rest));
			if ((c->addr[full] & m) != (addr[full] & m))
				continue;
		}
		return true;
	}
	return false;
}

/* ---- slots and helpers of app.h ---- */

void *net_flow_slot(struct net_flow *f, enum net_flow_slot slot)
{
	return f->slot[slot];
}

void net_flow_slot_set(struct net_flow *f, enum net_flow_slot slot, void *p,
		       void (*free_fn)(void *))
{
	if (f->slot[slot] && f->slot[slot] != p && f->slot_free[slot])
		f->slot_free[slot](f->slot[slot]);
	f->slot[slot] = p;
	f->slot_free[slot] = free_fn;
}

void *net_ctx_slot(struct net_ctx *n, enum net_ctx_slot slot)
{
	return n->slot[slot];
}

void net_ctx_slot_set(struct net_ctx *n, enum net_ctx_slot slot, void *p,
		      void (*free_fn)(void *))
{
	if (n->slot[slot] && n->slot[slot] != p && n->slot_free[slot])
		n->slot_free[slot](n->slot[slot]);
	n->slot[slot] = p;
	n->slot_free[slot] = free_fn;
}

const struct mm_config *net_ctx_config(const struct net_ctx *n)
{
	return n->cfg;
}

uint64_t net_ctx_http_body_limit(const struct net_ctx *n)
{
	return n->eng->http_body_limit;
}

void net_inspect_tx(struct app_ctx *ctx, const struct net_tx *tx)
{
	ctx->net->txs++;
	if (ctx->net->rules_state)
		net_rules_tx(ctx->net->eng->rules, ctx->net->rules_state, ctx, tx);
}

void net_log_record(struct app_ctx *ctx, const char *type, const char *json, size_t len)
{
	if (ctx->scan && mm_scan_wants_record(ctx->scan, type))
		mm_scan_record(ctx->scan, type, json, len);
}

static const char *transport_name(uint8_t proto)
{
	switch (proto) {
	case NET_PROTO_TCP:
		return "tcp";
	case NET_PROTO_UDP:
		return "udp";
	case NET_PROTO_ICMP:
		return "icmp";
	case NET_PROTO_ICMPV6:
		return "ipv6-icmp";
	default:
		return NULL;
	}
}

void net_alert_fill(struct mm_alert *a, const struct app_ctx *ctx, const char *protocol)
{
	const struct net_flow_info *in = ctx->info;
	mm_alert_init(a);
	a->module = "net";
	a->timestamp_us = ctx->ts_us;
	a->src_ip = in->src_ip;
	a->dst_ip = in->dst_ip;
	a->src_port = in->src_port;
	a->dst_port = in->dst_port;
	a->transport = transport_name(in->proto);
	a->protocol = protocol;
	a->community_id = in->community_id[0] ? in->community_id : NULL;
}

void net_alert_emit(struct app_ctx *ctx, const struct mm_alert *a)
{
	ctx->net->alerts++;
	mm_emit_alert(ctx->scan, a);
}

/* ---- app layer ---- */

static struct app_ctx make_actx(struct net_ctx *n, struct net_flow *f)
{
	struct app_ctx c = { n, f, &f->info, n->scan, n->pkt.ts_us, n->pkt.frame };
	return c;
}

static void parser_detach(struct net_ctx *n, struct net_flow *f)
{
	if (f->session && f->parser->session_free)
		f->parser->session_free(f->session);
	f->session = NULL;
	f->parser = NULL;
	f->app_done = true;
	n->parser_errors++;
}

static void parser_feed(struct net_ctx *n, struct net_flow *f, enum app_dir dir,
			const uint8_t *data, size_t len)
{
	if (!f->parser || !len)
		return;
	struct app_ctx c = make_actx(n, f);
	if (f->parser->data(f->session, &c, dir, data, len) < 0)
		parser_detach(n, f);
}

static void probe_free(struct net_flow *f)
{
	for (int d = 0; d < 2; d++) {
		free(f->probe_buf[d]);
		f->probe_buf[d] = NULL;
		f->probe_len[d] = 0;
		f->probe_lost[d] = 0;
	}
}

static bool parser_fits(const struct app_parser *p, uint8_t proto)
{
	return p->proto == proto || (proto == NET_PROTO_UDP && p->udp_too);
}

/* Runs the probes; returns the parser that said YES, or NULL and sets
 * *maybe when some parser wants more bytes. */
static const struct app_parser *probe_all(const struct net_flow *f, enum app_dir dir,
					  const uint8_t *data, size_t len, bool *maybe)
{
	*maybe = false;
	if (len > NET_PROBE_MAX)
		len = NET_PROBE_MAX;
	for (size_t i = 0; app_parsers[i]; i++) {
		const struct app_parser *p = app_parsers[i];
		if (!parser_fits(p, f->key_proto))
			continue;
		int r = p->probe(data, len, dir, &f->info);
		if (r == APP_PROBE_YES)
			return p;
		if (r == APP_PROBE_MAYBE)
			*maybe = true;
	}
	return NULL;
}

static bool attach(struct net_ctx *n, struct net_flow *f, const struct app_parser *p)
{
	struct app_ctx c = make_actx(n, f);
	f->parser = p;
	f->app_done = true;
	f->session = p->session_new ? p->session_new(&c) : NULL;
	if (p->session_new && !f->session) {
		f->parser = NULL;
		return false;
	}
	return true;
}

/* Feeds what a direction said before its parser was known. */
static void feed_buffered(struct net_ctx *n, struct net_flow *f, enum app_dir d)
{
	if (f->probe_len[d])
		parser_feed(n, f, d, f->probe_buf[d], f->probe_len[d]);
	if (f->parser && f->probe_lost[d]) {
		struct app_ctx c = make_actx(n, f);
		if (!f->parser->gap || f->parser->gap(f->session, &c, d, f->probe_lost[d]) < 0)
			parser_detach(n, f);
	}
}

/* Keeps bytes of a direction while its protocol is not known. Returns how
 * many of data were kept. */
static size_t probe_keep(struct net_flow *f, enum app_dir dir, const uint8_t *data, size_t len)
{
	if (!f->probe_buf[dir]) {
		f->probe_buf[dir] = malloc(NET_PROBE_MAX);
		if (!f->probe_buf[dir]) {
			f->probe_lost[dir] += len;
			return 0;
		}
	}
	size_t add = MM_MIN((size_t)(NET_PROBE_MAX - f->probe_len[dir]), len);
	memcpy(f->probe_buf[dir] + f->probe_len[dir], data, add);
	f->probe_len[dir] = (uint16_t)(f->probe_len[dir] + add);
	f->probe_lost[dir] += len - add;
	return add;
}

static void app_stream(struct net_ctx *n, struct net_flow *f, enum app_dir dir,
		       const uint8_t *data, size_t len)
{
	if (n->rules_state) {
		struct app_ctx rc = make_actx(n, f);
		net_rules_stream(n->eng->rules, n->rules_state, &rc, dir, data, len);
	}
	if (f->parser) {
		parser_feed(n, f, dir, data, len);
		return;
	}
	if (f->app_done)
		return;
	const struct app_parser *p = NULL;
	bool maybe = false;
	bool buffered = f->probe_len[dir] > 0 || f->probe_lost[dir] > 0;
	if (buffered)
		probe_keep(f, dir, data, len);
	if (!f->probe_no[dir]) {
		const uint8_t *pd = buffered ? f->probe_buf[dir] : data;
		size_t pl = buffered ? f->probe_len[dir] : len;
		if (pd)
			p = probe_all(f, dir, pd, pl, &maybe);
		if (!p && (!maybe || pl >= NET_PROBE_MAX))
			f->probe_no[dir] = true;
	}
	if (p) {
		enum app_dir other = dir == APP_TO_SERVER ? APP_TO_CLIENT : APP_TO_SERVER;
		if (!attach(n, f, p)) {
			probe_free(f);
			return;
		}
		/* what each side said before, client side first */
		if (other == APP_TO_SERVER)
			feed_buffered(n, f, other);
		if (buffered)
			feed_buffered(n, f, dir);
		else
			parser_feed(n, f, dir, data, len);
		if (other == APP_TO_CLIENT)
			feed_buffered(n, f, other);
		probe_free(f);
		return;
	}
	if (f->probe_no[0] && f->probe_no[1]) {
		f->app_done = true;
		n->flows_unknown++;
		probe_free(f);
		return;
	}
	/* keep the bytes for the parser that may say yes later */
	if (!buffered)
		probe_keep(f, dir, data, len);
}

static void app_gap(struct net_ctx *n, struct net_flow *f, enum app_dir dir, uint64_t len)
{
	if (f->parser) {
		struct app_ctx c = make_actx(n, f);
		if (!f->parser->gap || f->parser->gap(f->session, &c, dir, len) < 0)
			parser_detach(n, f);
		return;
	}
	if (f->app_done)
		return;
	/* bytes lost before the protocol was known: start over after the gap */
	free(f->probe_buf[dir]);
	f->probe_buf[dir] = NULL;
	f->probe_len[dir] = 0;
	f->probe_lost[dir] = 0;
	f->probe_no[dir] = false;
}

static void cb_data(void *arg, const uint8_t *data, size_t len)
{
	struct deliver_arg *a = arg;
	app_stream(a->n, a->f, a->dir, data, len);
}

static void cb_gap(void *arg, uint64_t len)
{
	struct deliver_arg *a = arg;
	app_gap(a->n, a->f, a->dir, len);
}

static void app_datagram(struct net_ctx *n, struct net_flow *f, enum app_dir dir,
			 const uint8_t *data, size_t len)
{
	if (!len)
		return;
	if (!f->parser) {
		if (f->app_done)
			return;
		bool maybe;
		const struct app_parser *p = probe_all(f, dir, data, len, &maybe);
		if (!p) {
			if (f->pkts[0] + f->pkts[1] >= UDP_PROBE_MAX) {
				f->app_done = true;
				n->flows_unknown++;
			}
			return;
		}
		if (!attach(n, f, p))
			return;
	}
	parser_feed(n, f, dir, data, len);
}

/* Ends the application layer of a flow: delivers what reassembly still
 * holds (holes as gaps), closes the parser. Idempotent; the flow entry
 * itself stays for its timeout (late retransmissions, the final ACK). */
static void app_end(struct net_ctx *n, struct net_flow *f)
{
	if (f->key_proto == NET_PROTO_TCP) {
		for (int d = 0; d < 2; d++) {
			struct deliver_arg da = { n, f, (enum app_dir)d };
			struct reasm_out out = { cb_data, cb_gap, &da };
			reasm_flush(&n->rg, &f->rs[d], &out);
			f->rs[d].closed = true;
		}
	}
	if (f->parser) {
		struct app_ctx c = make_actx(n, f);
		if (f->parser->close)
			f->parser->close(f->session, &c);
		if (f->parser->session_free)
			f->parser->session_free(f->session);
		f->parser = NULL;
		f->session = NULL;
	}
	f->app_done = true;
	probe_free(f);
}

/* flow.c calls this before a flow leaves the table. */
static void on_flow_end(void *arg, struct net_flow *f)
{
	struct net_ctx *n = arg;
	app_end(n, f);
	for (int s = 0; s < NET_SLOT_COUNT; s++) {
		if (f->slot[s] && f->slot_free[s])
			f->slot_free[s](f->slot[s]);
		f->slot[s] = NULL;
	}
}

/* ---- per packet ---- */

static void tcp_packet(struct net_ctx *n, struct net_flow *f, enum app_dir dir,
		       const struct net_pkt *p)
{
	struct reasm_stream *s = &f->rs[dir];
	enum app_dir other = dir == APP_TO_SERVER ? APP_TO_CLIENT : APP_TO_SERVER;
	uint8_t fl = p->tcp_flags;
	struct deliver_arg da = { n, f, dir };
	struct reasm_out out = { cb_data, cb_gap, &da };

	if (fl & TCP_SYN) {
		f->syn_seen[dir] = true;
		if (!s->started)
			reasm_stream_start(s, p->seq + 1);
		if ((fl & TCP_ACK) && f->state == FLOW_STATE_NEW)
			flow_set_state(&n->flows, f, FLOW_STATE_ESTABLISHED);
		if (p->payload_len)
			reasm_segment(&n->rg, s, p->seq + 1, p->payload, p->payload_len,
				      (fl & TCP_FIN) != 0, &out);
	} else if (p->payload_len || (fl & TCP_FIN)) {
		/* a snaplen-cut segment is delivered as far as it goes; the
		 * missing tail becomes a gap once later data arrives */
		reasm_segment(&n->rg, s, p->seq, p->payload, p->payload_len, (fl & TCP_FIN) != 0,
			      &out);
		if (p->payload_wire_len > p->payload_len)
			reasm_lost(&n->rg, s, p->seq + (uint32_t)p->payload_wire_len, &out);
		if (f->state == FLOW_STATE_NEW && p->payload_len)
			flow_set_state(&n->flows, f, FLOW_STATE_ESTABLISHED);
	}
	if ((fl & TCP_ACK) && !(fl & TCP_RST) && f->rs[other].started) {
		struct deliver_arg db = { n, f, other };
		struct reasm_out oo = { cb_data, cb_gap, &db };
		reasm_acked(&n->rg, &f->rs[other], p->ack, &oo);
	}
	if (fl & TCP_FIN)
		f->fin_seen[dir] = true;
	if ((fl & TCP_RST) || (f->fin_seen[0] && f->fin_seen[1])) {
		if (fl & TCP_RST)
			f->rst_seen = true;
		if (f->state != FLOW_STATE_CLOSED) {
			flow_set_state(&n->flows, f, FLOW_STATE_CLOSED);
			/* the conversation is over: free the parser's memory now
			 * rather than at the timeout */
			app_end(n, f);
		}
	}
}

static void sweep(struct net_ctx *n)
{
	flow_table_expire(&n->flows, n->now_us);
	n->last_sweep_us = n->now_us;
	net_bruteforce_flush(n, n->scan, n->now_us);
}

void net_ctx_packet(struct net_ctx *n, int64_t ts_us, const uint8_t *data, size_t caplen,
		    size_t wire_len)
{
	struct net_pkt *p = &n->pkt;
	n->frame++;
	n->bytes += wire_len;
	p->frame = n->frame;
	if (ts_us > n->now_us)
		n->now_us = ts_us;
	if (n->now_us - n->last_sweep_us >= SWEEP_INTERVAL_US)
		sweep(n);
	if (net_decode(&n->dec, n->dlt, data, caplen, ts_us, p) != NET_DEC_OK)
		return;
	n->ip_packets++;
	if (!p->l4_ok)
		return;
	enum app_dir dir;
	bool created;
	struct net_flow *f = flow_table_get(&n->flows, p, &dir, &created);
	if (!f)
		return;
	if (created) {
		f->info.src_in_home_net = net_cidr_match(n->eng->home, n->eng->nhome,
							 f->info.ip_version, f->info.src_addr);
		f->info.dst_in_home_net = net_cidr_match(n->eng->home, n->eng->nhome,
							 f->info.ip_version, f->info.dst_addr);
	}
	f->pkts[dir]++;
	f->bytes[dir] += p->payload_wire_len;
	flow_touch(&n->flows, f, ts_us);
	if (n->rules_state) {
		struct app_ctx rc = make_actx(n, f);
		struct net_packet_view v = {
			.dir = dir,
			/* UDP and others: once both sides have sent (as Suricata) */
			.established = f->state == FLOW_STATE_ESTABLISHED ||
				       (p->proto != NET_PROTO_TCP && f->pkts[0] && f->pkts[1]),
			.ttl = p->ttl, .tcp_flags = p->tcp_flags, .icmp_type = p->icmp_type,
			.icmp_code = p->icmp_code,
			.is_icmp = p->proto == NET_PROTO_ICMP || p->proto == NET_PROTO_ICMPV6,
			.tcp_seq = p->seq, .tcp_ack = p->ack, .tcp_window = p->window,
			.ip_id = p->ip_id, .ip_proto = p->proto,
			.payload = p->payload, .payload_len = p->payload_len,
			.app_proto = f->parser ? f->parser->name : NULL,
		};
		/* TCP data: the packet rules wait for the stream delivery of
		 * this payload (one prefilter scan for both); flushed below
		 * if reassembly does not deliver it as is */
		if (p->proto == NET_PROTO_TCP && p->payload_len)
			net_rules_packet_defer(n->eng->rules, n->rules_state, &rc, &v);
		else
			net_rules_packet(n->eng->rules, n->rules_state, &rc, &v);
	}
	if (p->proto == NET_PROTO_TCP)
		tcp_packet(n, f, dir, p);
	else if (p->proto == NET_PROTO_UDP)
		app_datagram(n, f, dir, p->payload, p->payload_len);
	if (n->rules_state)
		net_rules_packet_flush(n->eng->rules, n->rules_state);
}

const char *net_ctx_rules_dir(const struct net_ctx *n)
{
	return n->eng ? n->eng->rules_dir : NULL;
}

int net_ctx_new(struct net_ctx **out, void *engine_state, struct mm_scan_ctx *scan, int dlt)
{
	const struct net_engine *e = engine_state;
	*out = NULL;
	if (!net_linktype_supported(dlt))
		return MM_EUNSUPPORTED;
	struct net_ctx *n = calloc(1, sizeof(*n));
	if (!n)
		return MM_ENOMEM;
	n->eng = e;
	n->scan = scan;
	n->cfg = scan ? mm_scan_config(scan) : NULL;
	n->dlt = dlt;
	net_decoder_init(&n->dec, &e->frag);
	n->rg.memcap = e->reasm_memcap;
	n->rg.flow_memcap = e->reasm_flow_memcap;
	n->rg.depth = e->reasm_depth;
	n->rg.window = e->reasm_window;
	n->last_sweep_us = INT64_MIN / 2;
	int rc = flow_table_init(&n->flows, &e->flim, on_flow_end, n);
	if (!rc && e->rules && !(n->rules_state = net_rules_state_new(e->rules))) {
		flow_table_release(&n->flows);
		rc = MM_ENOMEM;
	}
	if (rc) {
		net_decoder_release(&n->dec);
		free(n);
		return rc;
	}
	*out = n;
	return 0;
}

static void report_counters(struct net_ctx *n)
{
	struct mm_scan_ctx *c = n->scan;
	if (!c)
		return;
	mm_scan_count(c, "net.packets", n->frame);
	mm_scan_count(c, "net.bytes", n->bytes);
	mm_scan_count(c, "net.flows", n->flows.st.created);
	if (n->flows.st.evicted)
		mm_scan_count(c, "net.flows.evicted", n->flows.st.evicted);
	if (n->txs)
		mm_scan_count(c, "net.transactions", n->txs);
	if (n->dec.st.truncated)
		mm_scan_count(c, "net.decode.truncated", n->dec.st.truncated);
	if (n->dec.st.bad)
		mm_scan_count(c, "net.decode.malformed", n->dec.st.bad);
	if (n->dec.st.frags_reassembled)
		mm_scan_count(c, "net.ip.defragmented", n->dec.st.frags_reassembled);
	if (n->dec.st.frags_dropped)
		mm_scan_count(c, "net.ip.fragments_dropped", n->dec.st.frags_dropped);
	if (n->rg.st.gaps)
		mm_scan_count(c, "net.tcp.gaps", n->rg.st.gaps);
	if (n->rg.st.overlap_diff)
		mm_scan_count(c, "net.tcp.overlaps_differing", n->rg.st.overlap_diff);
	if (n->rg.st.out_of_window)
		mm_scan_count(c, "net.tcp.out_of_window", n->rg.st.out_of_window);
	if (n->rg.st.memcap_drops)
		mm_scan_count(c, "net.tcp.memcap_drops", n->rg.st.memcap_drops);
	if (n->rg.st.depth_reached)
		mm_scan_count(c, "net.tcp.depth_reached", n->rg.st.depth_reached);
	if (n->parser_errors)
		mm_scan_count(c, "net.app.parser_errors", n->parser_errors);
}

void net_ctx_free(struct net_ctx *n)
{
	if (!n)
		return;
	flow_table_release(&n->flows);
	net_bruteforce_flush(n, n->scan, INT64_MAX / 2);
	report_counters(n);
	for (int s = 0; s < NET_CTX_COUNT; s++) {
		if (n->slot[s] && n->slot_free[s])
			n->slot_free[s](n->slot[s]);
	}
	net_rules_state_free(n->rules_state);
	net_decoder_release(&n->dec);
	free(n);
}

/* ---- mm_engine ---- */

static int net_open(void **state, const struct mm_engine_env *env, struct mm_diag *diag)
{
	const struct mm_config *c = env->config;
	struct net_engine *e = calloc(1, sizeof(*e));
	if (!e)
		return MM_ENOMEM;
	e->flim.max_flows = (size_t)mm_config_get_int(c, "net.flow.max", 262144);
	e->flim.timeout_new_us = mm_config_get_int(c, "net.flow.timeout.new", 30) * 1000000;
	e->flim.timeout_est_us = mm_config_get_int(c, "net.flow.timeout.established", 3600) * 1000000;
	e->flim.timeout_closed_us = mm_config_get_int(c, "net.flow.timeout.closed", 30) * 1000000;
	e->flim.timeout_udp_us = mm_config_get_int(c, "net.flow.timeout.udp", 60) * 1000000;
	e->reasm_depth = mm_config_get_size(c, "net.reasm.depth", 16u << 20);
	e->reasm_memcap = (size_t)mm_config_get_size(c, "net.reasm.memcap", 256u << 20);
	e->reasm_flow_memcap = (size_t)mm_config_get_size(c, "net.reasm.flow_memcap", 2u << 20);
	e->reasm_window = (uint32_t)MM_MIN(mm_config_get_size(c, "net.reasm.window", 4u << 20),
					   (uint64_t)1 << 30);
	e->frag.memcap = (size_t)mm_config_get_size(c, "net.frag.memcap", 32u << 20);
	e->frag.max_dgrams = (size_t)mm_config_get_int(c, "net.frag.max_datagrams", 256);
	e->frag.max_frags = (size_t)mm_config_get_int(c, "net.frag.max_fragments", 128);
	e->frag.timeout_us = mm_config_get_int(c, "net.frag.timeout", 30) * 1000000;
	e->http_body_limit = mm_config_get_size(c, "net.http.body_limit", 1u << 20);
	const char *home = mm_config_get(c, "net.home_net", net_defaults[0].value);
	int rc = net_cidr_parse_list(home, e->home, MAX_HOME_CIDRS, &e->nhome);
	if (rc) {
		free(e);
		return mm_diag_set(diag, rc, "", -1, -1,
				   "net.home_net: not a list of CIDR blocks: %s", home);
	}
	if (env->catalogue) {
		detect_ms17010_register(env->catalogue);
		detect_confluence_register(env->catalogue);
		detect_docker_register(env->catalogue);
		detect_bruteforce_register(env->catalogue);
		detect_mining_register(env->catalogue);
	}
	if (env->bundled_rules && env->bundled_rules_dir) {
		e->rules_dir = strdup(env->bundled_rules_dir);
		if (!e->rules_dir) {
			free(e);
			return MM_ENOMEM;
		}
	}
	rc = net_rules_load(&e->rules, env, diag);
	if (rc) {
		free(e->rules_dir);
		free(e);
		return rc;
	}
	*state = e;
	return 0;
}

static void net_close(void *state)
{
	struct net_engine *e = state;

	if (e) {
		free(e->rules_dir);
		net_rules_free(e->rules);
	}
	free(e);
}

static int net_worker_open(void *state, void **worker)
{
	(void)state;
	*worker = NULL;
	return 0;
}

static void net_worker_close(void *worker)
{
	(void)worker;
}

static int net_scan(void *state, void *worker, const struct mm_input *in,
		    struct mm_scan_ctx *ctx)
{
	char errbuf[PCAP_ERRBUF_SIZE];
	struct net_ctx *n = NULL;
	pcap_t *pc = NULL;
	FILE *fp = NULL;
	int rc = 0;
	(void)worker;

	errbuf[0] = 0;
	int fd = dup(in->fd);
	if (fd < 0) {
		mm_scan_skip(ctx, MM_SKIP_UNREADABLE, "cannot duplicate the input descriptor");
		goto out;
	}
	fp = fdopen(fd, "rb");
	if (!fp) {
		close(fd);
		mm_scan_skip(ctx, MM_SKIP_UNREADABLE, "cannot open the input as a stream");
		goto out;
	}
	/* libpcap reads record by record: a large stdio buffer saves syscalls */
	setvbuf(fp, NULL, _IOFBF, 1u << 20);
	pc = pcap_fopen_offline_with_tstamp_precision(fp, PCAP_TSTAMP_PRECISION_MICRO, errbuf);
	if (!pc) {
		fclose(fp);
		mm_scan_skip(ctx, MM_SKIP_CORRUPT, "libpcap: %s", errbuf);
		goto out;
	}
	/* pcap_close() closes fp from now on */
	int dlt = pcap_datalink(pc);
	rc = net_ctx_new(&n, state, ctx, dlt);
	if (rc == MM_EUNSUPPORTED) {
		const char *name = pcap_datalink_val_to_name(dlt);
		mm_scan_skip(ctx, MM_SKIP_UNSUPPORTED, "link type %d (%s)", dlt,
			     name ? name : "unknown");
		rc = 0;
		goto out;
	}
	if (rc)
		goto out;
	for (;;) {
		struct pcap_pkthdr *h;
		const u_char *data;
		int r = pcap_next_ex(pc, &h, &data);
		if (r == 1) {
			int64_t ts = (int64_t)h->ts.tv_sec * 1000000 + h->ts.tv_usec;
			net_ctx_packet(n, ts, data, h->caplen, h->len);
			if ((n->frame & 4095) == 0 && mm_scan_expired(ctx)) {
				mm_scan_partial(ctx, MM_SKIP_TIMEOUT, "stopped after frame %" PRIu64,
						n->frame);
				break;
			}
			continue;
		}
		if (r == PCAP_ERROR_BREAK)
			break;
		if (r == PCAP_ERROR) {
			mm_scan_partial(ctx, MM_SKIP_TRUNCATED, "after frame %" PRIu64 ": %s",
					n->frame, pcap_geterr(pc));
			break;
		}
		/* r == 0 only happens on live captures */
		break;
	}
out:
	net_ctx_free(n);
	if (pc)
		pcap_close(pc);
	return rc;
}

/* the keys of the engine's parts that declare their own */
static const struct mm_config_default *const net_config_tables[] = {
	net_bruteforce_config_defaults,
	net_mining_config_defaults,
	net_rules_config_defaults,
	NULL,
};

const struct mm_engine mm_engine_net = {
	.name = "net",
	.description = "packet captures (pcap, pcapng) and live interfaces: flows, TCP "
		       "reassembly, HTTP/SMB/... parsers, exploit and abuse detectors",
	.kinds = MM_KIND_BIT(MM_KIND_PCAP) | MM_KIND_BIT(MM_KIND_PCAPNG),
	.config_defaults = net_defaults,
	.config_tables = net_config_tables,
	.open = net_open,
	.close = net_close,
	.worker_open = net_worker_open,
	.worker_close = net_worker_close,
	.scan = net_scan,
	.ruleset_id = NULL,
};
