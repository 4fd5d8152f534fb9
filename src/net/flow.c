/*
 * flow.c — the flow table: one struct net_flow per 5-tuple, both
 * directions.
 *
 * The key is ordered (lower address/port first) so that both directions of
 * a connection find the same entry; which side is the client is decided
 * once, at creation: the sender of a SYN, the receiver of a SYN-ACK, else
 * the side with the higher port (the lower port is taken for the server).
 * ICMP and other protocols without ports are keyed by addresses only.
 *
 * Buckets are chained, their count a power of two sized from the flow cap.
 * Each flow also sits on the timeout list of its class (TCP new, TCP
 * established, TCP closed, UDP/other), ordered by last activity, so expiry
 * only looks at list heads: O(1) per expired flow. Time is capture time.
 * When the table is full, the least recently active flow among the list
 * heads is ended early and counted as evicted. Freed entries go to a small
 * free list so that steady-state traffic does not call malloc per flow.
 *
 * The table calls on_end(flow) before a flow leaves (the engine flushes
 * reassembly and closes the parser there) and then frees the entry.
 *
 * Threading: one table per net_ctx.
 */
#include "core/compat.h"
#include "net/internal.h"

#define FREE_LIST_MAX 4096

int flow_table_init(struct flow_table *t, const struct flow_limits *lim,
		    flow_end_fn *on_end, void *arg)
{
	memset(t, 0, sizeof(*t));
	t->max = lim->max_flows ? lim->max_flows : 65536;
	uint32_t nb = 1024;
	while (nb < t->max && nb < (1u << 24))
		nb <<= 1;
	t->buckets = calloc(nb, sizeof(*t->buckets));
	if (!t->buckets)
		return MM_ENOMEM;
	t->mask = nb - 1;
	t->timeout_us[FLOW_CLASS_NEW] = lim->timeout_new_us;
	t->timeout_us[FLOW_CLASS_EST] = lim->timeout_est_us;
	t->timeout_us[FLOW_CLASS_CLOSED] = lim->timeout_closed_us;
	t->timeout_us[FLOW_CLASS_UDP] = lim->timeout_udp_us;
	t->on_end = on_end;
	t->on_end_arg = arg;
	t->next_id = 1;
	return 0;
}

static uint32_t mix32(uint32_t h)
{
	h ^= h >> 16;
	h *= 0x7feb352dU;
	h ^= h >> 15;
	h *= 0x846ca68bU;
	h ^= h >> 16;
	return h;
}

static uint32_t key_hash(uint8_t ver, uint8_t proto, const uint8_t *a, const uint8_t *b,
			 uint16_t pa, uint16_t pb)
{
	uint32_t h = 0x9e3779b9U ^ ((uint32_t)ver << 8) ^ proto;
	size_t n = ver == 4 ? 4 : 16;
	for (size_t i = 0; i < n; i += 4) {
		h = mix32(h ^ get_le32(a, n, i));
		h = mix32(h ^ get_le32(b, n, i));
	}
	return mix32(h ^ (((uint32_t)pa << 16) | pb));
}

static void list_unlink(struct flow_table *t, struct net_flow *f)
{
	if (f->lprev)
		f->lprev->lnext = f->lnext;
	else
		t->head[f->klass] = f->lnext;
	if (f->lnext)
		f->lnext->lprev = f->lprev;
	else
		t->tail[f->klass] = f->lprev;
	f->lprev = f->lnext = NULL;
}

static void list_append(struct flow_table *t, struct net_flow *f)
{
	f->lnext = NULL;
	f->lprev = t->tail[f->klass];
	if (t->tail[f->klass])
		t->tail[f->klass]->lnext = f;
	else
		t->head[f->klass] = f;
	t->tail[f->klass] = f;
}

static uint8_t class_of(const struct net_flow *f)
{
	if (f->key_proto != NET_PROTO_TCP)
		return FLOW_CLASS_UDP;
	switch (f->state) {
	case FLOW_STATE_NEW:
		return FLOW_CLASS_NEW;
	case FLOW_STATE_ESTABLISHED:
		return FLOW_CLASS_EST;
	default:
		return FLOW_CLASS_CLOSED;
	}
}

/* Ends f: callback, unlink from bucket and list, recycle. */
static void flow_end(struct flow_table *t, struct net_flow *f)
{
	if (t->on_end)
		t->on_end(t->on_end_arg, f);
	struct net_flow **pp = &t->buckets[f->hash & t->mask];
	while (*pp && *pp != f)
		pp = &(*pp)->hnext;
	if (*pp)
		*pp = f->hnext;
	list_unlink(t, f);
	t->count--;
	if (t->free_count < FREE_LIST_MAX) {
		f->hnext = t->free_list;
		t->free_list = f;
		t->free_count++;
	} else {
		free(f);
	}
}

void flow_table_end_all(struct flow_table *t)
{
	for (int c = 0; c < FLOW_CLASS_COUNT; c++) {
		while (t->head[c])
			flow_end(t, t->head[c]);
	}
}

void flow_table_release(struct flow_table *t)
{
	if (!t->buckets)
		return;
	flow_table_end_all(t);
	while (t->free_list) {
		struct net_flow *n = t->free_list->hnext;
		free(t->free_list);
		t->free_list = n;
	}
	free(t->buckets);
	t->buckets = NULL;
}

size_t flow_table_expire(struct flow_table *t, int64_t now_us)
{
	size_t n = 0;
	for (int c = 0; c < FLOW_CLASS_COUNT; c++) {
		while (t->head[c] && now_us - t->head[c]->last_ts_us > t->timeout_us[c]) {
			flow_end(t, t->head[c]);
			t->st.expired++;
			n++;
		}
	}
	return n;
}

static void evict_one(struct flow_table *t)
{
	struct net_flow *oldest = NULL;
	for (int c = 0; c < FLOW_CLASS_COUNT; c++) {
		/* closed and new flows go first: they are the cheapest to lose */
		struct net_flow *h = t->head[c];
		if (h && (!oldest || h->last_ts_us < oldest->last_ts_us))
			oldest = h;
	}
	if (t->head[FLOW_CLASS_CLOSED])
		oldest = t->head[FLOW_CLASS_CLOSED];
	if (oldest) {
		flow_end(t, oldest);
		t->st.evicted++;
	}
}

static void fill_ip(char *out, size_t cap, uint8_t ver, const uint8_t *a)
{
	if (ver == 4) {
		snprintf(out, cap, "%u.%u.%u.%u", a[0], a[1], a[2], a[3]);
		return;
	}
	/* RFC 5952: lowercase, longest run of zero groups as "::" */
	uint16_t g[8];
	for (int i = 0; i < 8; i++)
		g[i] = (uint16_t)((a[2 * i] << 8) | a[2 * i + 1]);
	int best = -1, best_len = 0;
	for (int i = 0; i < 8;) {
		int j = i;
		while (j < 8 && g[j] == 0)
			j++;
		if (j - i > best_len && j - i >= 2) {
			best = i;
			best_len = j - i;
		}
		i = j > i ? j : i + 1;
	}
	size_t o = 0;
	out[0] = 0;
	for (int i = 0; i < 8 && o < cap; i++) {
		if (i == best) {
			o += (size_t)snprintf(out + o, cap - o, "::");
			i += best_len - 1;
			continue;
		}
		o += (size_t)snprintf(out + o, cap - o, "%s%x",
				      (i && i != best + best_len) ? ":" : "", g[i]);
	}
}

struct net_flow *flow_table_get(struct flow_table *t, const struct net_pkt *p,
				enum app_dir *dir, bool *created)
{
	size_t alen = p->ip_version == 4 ? 4 : 16;
	bool ports = p->proto == NET_PROTO_TCP || p->proto == NET_PROTO_UDP;
	uint16_t sp = ports ? p->sport : 0, dp = ports ? p->dport : 0;
	int c = memcmp(p->src, p->dst, alen);
	bool src_is_a = c < 0 || (c == 0 && sp <= dp);
	const uint8_t *a = src_is_a ? p->src : p->dst;
	const uint8_t *b = src_is_a ? p->dst : p->src;
	uint16_t pa = src_is_a ? sp : dp, pb = src_is_a ? dp : sp;
	uint32_t h = key_hash(p->ip_version, p->proto, a, b, pa, pb);
	*created = false;

	for (struct net_flow *f = t->buckets[h & t->mask]; f; f = f->hnext) {
		if (f->hash == h && f->key_pa == pa && f->key_pb == pb &&
		    f->key_proto == p->proto && f->key_ver == p->ip_version &&
		    !memcmp(f->key_a, a, alen) && !memcmp(f->key_b, b, alen)) {
			bool sender_is_client = src_is_a == f->a_is_client;
			*dir = sender_is_client ? APP_TO_SERVER : APP_TO_CLIENT;
			return f;
		}
	}

	if (t->count >= t->max)
		evict_one(t);
	struct net_flow *f = t->free_list;
	if (f) {
		t->free_list = f->hnext;
		t->free_count--;
	} else {
		f = malloc(sizeof(*f));
		if (!f)
			return NULL;
	}
	memset(f, 0, sizeof(*f));
	f->hash = h;
	f->key_ver = p->ip_version;
	f->key_proto = p->proto;
	memcpy(f->key_a, a, alen);
	memcpy(f->key_b, b, alen);
	f->key_pa = pa;
	f->key_pb = pb;

	bool sender_client;
	if (p->proto == NET_PROTO_TCP && (p->tcp_flags & (TCP_SYN | TCP_ACK)) == TCP_SYN)
		sender_client = true;
	else if (p->proto == NET_PROTO_TCP && (p->tcp_flags & (TCP_SYN | TCP_ACK)) == (TCP_SYN | TCP_ACK))
		sender_client = false;
	else if (ports && sp != dp)
		sender_client = sp > dp;
	else
		sender_client = true;
	f->a_is_client = sender_client == src_is_a;
	*dir = sender_client ? APP_TO_SERVER : APP_TO_CLIENT;

	struct net_flow_info *in = &f->info;
	in->id = t->next_id++;
	in->ip_version = p->ip_version;
	in->proto = p->proto;
	const uint8_t *cs = sender_client ? p->src : p->dst;
	const uint8_t *sv = sender_client ? p->dst : p->src;
	memcpy(in->src_addr, cs, alen);
	memcpy(in->dst_addr, sv, alen);
	in->src_port = sender_client ? sp : dp;
	in->dst_port = sender_client ? dp : sp;
	fill_ip(in->src_ip, sizeof(in->src_ip), p->ip_version, in->src_addr);
	fill_ip(in->dst_ip, sizeof(in->dst_ip), p->ip_version, in->dst_addr);
	uint16_t cp = in->src_port, sp2 = in->dst_port;
	if (!ports) {
		cp = p->icmp_type;
		sp2 = p->icmp_code;
	}
	if (mm_community_id(p->ip_version, in->src_addr, in->dst_addr, p->proto, cp, sp2,
			    in->community_id) != 0)
		in->community_id[0] = 0;
	in->first_ts_us = p->ts_us;
	in->midstream = p->proto == NET_PROTO_TCP && !(p->tcp_flags & TCP_SYN);
	f->state = (p->proto == NET_PROTO_TCP && in->midstream) ? FLOW_STATE_ESTABLISHED
								  : FLOW_STATE_NEW;
	reasm_stream_init(&f->rs[0]);
	reasm_stream_init(&f->rs[1]);
	f->last_ts_us = p->ts_us;
	f->klass = class_of(f);
	f->hnext = t->buckets[h & t->mask];
	t->buckets[h & t->mask] = f;
	list_append(t, f);
	t->count++;
	t->st.created++;
	if (t->count > t->st.active_max)
		t->st.active_max = t->count;
	*created = true;
	return f;
}

void flow_touch(struct flow_table *t, struct net_flow *f, int64_t ts_us)
{
	if (ts_us > f->last_ts_us)
		f->last_ts_us = ts_us;
	if (t->tail[f->klass] != f) {
		list_unlink(t, f);
		list_append(t, f);
	}
}

void flow_set_state(struct flow_table *t, struct net_flow *f, enum flow_state s)
{
	f->state = (uint8_t)s;
	uint8_t k = class_of(f);
	if (k != f->klass) {
		list_unlink(t, f);
		f->klass = k;
		list_append(t, f);
	}
}
