/*
 * decode.c — from a captured frame to a struct net_pkt.
 *
 * Link layers: Ethernet (with 802.1Q / 802.1ad / QinQ tags, up to two kept
 * and more skipped up to a bound), Linux cooked capture v1 and v2, raw IP
 * (DLT_RAW, LINKTYPE_RAW, LINKTYPE_IPV4/IPV6) and BSD null/loopback (the
 * 4-byte family in either byte order). Network: IPv4 (options skipped) and
 * IPv6 with a bounded chain of extension headers. Transport: TCP (MSS,
 * window scale, SACK-permitted), UDP, ICMP, ICMPv6.
 *
 * Every field is read with the bounded readers of internal.h; a frame cut by
 * the snaplen is decoded as far as it goes (p->truncated), a malformed one
 * is counted and skipped. Nothing is copied except fragments, which are
 * reassembled here with limits: per datagram 65535 bytes and max_frags
 * fragments, max_dgrams datagrams and memcap bytes in total, a timeout in
 * capture time. Overlapping fragments: the bytes that arrived first win
 * (later copies of the same offsets are dropped and counted).
 *
 * Threading: one decoder per net_ctx.
 */
#include "core/compat.h"
#include "net/internal.h"

#define MAX_VLAN_TAGS 4
#define MAX_IPV6_EXT 8
#define FRAG_MAX_SIZE 65535

struct frag_range {
	uint32_t start, end;	/* [start, end) */
};

struct frag_dgram {
	struct frag_dgram *next;
	uint8_t ver, proto;
	uint8_t src[16], dst[16];
	uint32_t id;
	int64_t first_ts_us;
	uint32_t total;		/* known once the last fragment came; 0 before */
	uint32_t nranges;
	uint32_t nfrags;
	struct frag_range *ranges;	/* sorted, merged */
	uint8_t *data;		/* FRAG_MAX_SIZE bytes */
	/* IPv4: header fields of the first fragment for the packet view */
	uint8_t ttl;
	uint16_t ip_id;
	/* IPv6: next header after the fragment header of the first fragment */
	uint8_t nh;
};

bool net_linktype_supported(int dlt)
{
	switch (dlt) {
	case NET_DLT_NULL:
	case NET_DLT_EN10MB:
	case NET_DLT_RAW:
	case NET_DLT_RAW_BSD:
	case NET_DLT_LINKTYPE_RAW:
	case NET_DLT_LOOP:
	case NET_DLT_LINUX_SLL:
	case NET_DLT_IPV4:
	case NET_DLT_IPV6:
	case NET_DLT_LINUX_SLL2:
		return true;
	default:
		return false;
	}
}

void net_decoder_init(struct net_decoder *d, const struct net_frag_limits *lim)
{
	memset(d, 0, sizeof(*d));
	d->lim = *lim;
	if (d->lim.max_frags == 0)
		d->lim.max_frags = 64;
	if (d->lim.max_dgrams == 0)
		d->lim.max_dgrams = 256;
}

/* What one datagram in reassembly costs against the memcap. */
static size_t dgram_cost(const struct net_decoder *d)
{
	return FRAG_MAX_SIZE + sizeof(struct frag_dgram) +
	       d->lim.max_frags * sizeof(struct frag_range);
}

static void dgram_free(struct net_decoder *d, struct frag_dgram *g)
{
	d->mem -= MM_MIN(d->mem, dgram_cost(d));
	free(g->ranges);
	free(g->data);
	free(g);
	d->ndgrams--;
}

void net_decoder_release(struct net_decoder *d)
{
	struct frag_dgram *g = d->dgrams;
	while (g) {
		struct frag_dgram *n = g->next;
		dgram_free(d, g);
		g = n;
	}
	d->dgrams = NULL;
	free(d->done);
	d->done = NULL;
}

/* Drops datagrams older than the timeout (capture time). */
static void frag_expire(struct net_decoder *d, int64_t now_us)
{
	struct frag_dgram **pp = &d->dgrams;
	while (*pp) {
		struct frag_dgram *g = *pp;
		if (now_us - g->first_ts_us > d->lim.timeout_us) {
			*pp = g->next;
			d->st.frags_dropped += g->nfrags;
			dgram_free(d, g);
		} else {
			pp = &g->next;
		}
	}
}

static struct frag_dgram *frag_find(struct net_decoder *d, uint8_t ver, uint8_t proto,
				    const uint8_t *src, const uint8_t *dst, uint32_t id,
				    int64_t ts_us)
{
	size_t alen = ver == 4 ? 4 : 16;
	for (struct frag_dgram *g = d->dgrams; g; g = g->next) {
		if (g->ver == ver && g->id == id && g->proto == proto &&
		    !memcmp(g->src, src, alen) && !memcmp(g->dst, dst, alen))
			return g;
	}
	size_t need = dgram_cost(d);
	if (d->ndgrams >= d->lim.max_dgrams || d->mem + need > d->lim.memcap)
		return NULL;
	struct frag_dgram *g = calloc(1, sizeof(*g));
	if (!g)
		return NULL;
	g->data = malloc(FRAG_MAX_SIZE);
	g->ranges = calloc(d->lim.max_frags, sizeof(*g->ranges));
	if (!g->data || !g->ranges) {
		free(g->data);
		free(g->ranges);
		free(g);
		return NULL;
	}
	g->ver = ver;
	g->proto = proto;
	memcpy(g->src, src, alen);
	memcpy(g->dst, dst, alen);
	g->id = id;
	g->first_ts_us = ts_us;
	g->next = d->dgrams;
	d->dgrams = g;
	d->ndgrams++;
	d->mem += need;
	return g;
}

static void frag_unlink(struct net_decoder *d, struct frag_dgram *g)
{
	for (struct frag_dgram **pp = &d->dgrams; *pp; pp = &(*pp)->next) {
		if (*pp == g) {
			*pp = g->next;
			return;
		}
	}
	(void)d;
}

/*
 * Adds [off, off+len) to g, copying only bytes no earlier fragment gave
 * (first wins). Returns false when the datagram must be dropped.
 */
static bool frag_add(struct net_decoder *d, struct frag_dgram *g, uint32_t off,
		     const uint8_t *data, size_t len, bool last)
{
	uint32_t end = off + (uint32_t)len;
	if (end > FRAG_MAX_SIZE || g->nfrags >= d->lim.max_frags)
		return false;
	if (last) {
		if (g->total && g->total != end)
			return false;	/* two different ends: corrupt */
		g->total = end;
	}
	if (g->total && end > g->total)
		return false;
	g->nfrags++;
	/* copy the parts not yet covered */
	uint32_t pos = off;
	bool overlap = false;
	for (uint32_t i = 0; i < g->nranges && pos < end; i++) {
		struct frag_range *r = &g->ranges[i];
		if (r->end <= pos)
			continue;
		if (r->start >= end)
			break;
		if (r->start > pos)
			memcpy(g->data + pos, data + (pos - off), r->start - pos);
		overlap = true;
		pos = MM_MAX(pos, r->end);
	}
	if (pos < end)
		memcpy(g->data + pos, data + (pos - off), end - pos);
	if (overlap)
		d->st.frags_overlap++;
	/* insert [off,end) and merge */
	uint32_t i = 0;
	while (i < g->nranges && g->ranges[i].end < off)
		i++;
	uint32_t s = off, e = end, j = i;
	while (j < g->nranges && g->ranges[j].start <= end) {
		s = MM_MIN(s, g->ranges[j].start);
		e = MM_MAX(e, g->ranges[j].end);
		j++;
	}
	/* replace ranges[i..j) with one */
	if (j == i) {
		if (g->nranges >= d->lim.max_frags)
			return false;
		memmove(&g->ranges[i + 1], &g->ranges[i], (g->nranges - i) * sizeof(*g->ranges));
		g->nranges++;
	} else if (j > i + 1) {
		memmove(&g->ranges[i + 1], &g->ranges[j], (g->nranges - j) * sizeof(*g->ranges));
		g->nranges -= j - i - 1;
	}
	g->ranges[i].start = s;
	g->ranges[i].end = e;
	return true;
}

static bool frag_complete(const struct frag_dgram *g)
{
	return g->total && g->nranges == 1 && g->ranges[0].start == 0 &&
	       g->ranges[0].end == g->total;
}

/* Hands the reassembled bytes of g over as d->done and frees g. */
static uint8_t *frag_take(struct net_decoder *d, struct frag_dgram *g, size_t *len)
{
	frag_unlink(d, g);
	uint8_t *data = g->data;
	*len = g->total;
	g->data = NULL;
	dgram_free(d, g);
	free(d->done);
	d->done = data;
	d->st.frags_reassembled++;
	return data;
}

static void decode_tcp_options(struct net_pkt *p, const uint8_t *o, size_t len)
{
	struct rd r = rd_make(o, len);
	uint8_t kind, olen;
	while (rd_u8(&r, &kind)) {
		if (kind == 0)
			break;
		if (kind == 1)
			continue;
		if (!rd_u8(&r, &olen) || olen < 2 || rd_left(&r) < (size_t)(olen - 2))
			break;
		const uint8_t *v = r.p;
		if (kind == 2 && olen == 4)
			p->tcp_mss = (uint16_t)((v[0] << 8) | v[1]);
		else if (kind == 3 && olen == 3)
			p->tcp_wscale = v[0] > 14 ? 14 : v[0];
		else if (kind == 4 && olen == 2)
			p->tcp_sack_ok = true;
		r.p += olen - 2;
	}
}

/* L4 over [data, data+caplen), wire_len being the IP payload length. */
static void decode_l4(struct net_decoder *d, struct net_pkt *p, const uint8_t *data,
		      size_t caplen, size_t wire_len)
{
	struct rd r = rd_make(data, caplen);
	p->l4_ok = false;
	p->tcp_wscale = 0xff;
	switch (p->proto) {
	case NET_PROTO_TCP: {
		uint8_t off, flags;
		uint16_t urg, csum;
		if (!rd_be16(&r, &p->sport) || !rd_be16(&r, &p->dport) || !rd_be32(&r, &p->seq) ||
		    !rd_be32(&r, &p->ack) || !rd_u8(&r, &off) || !rd_u8(&r, &flags) ||
		    !rd_be16(&r, &p->window) || !rd_be16(&r, &csum) || !rd_be16(&r, &urg)) {
			d->st.truncated++;
			p->truncated = true;
			return;
		}
		size_t hlen = (size_t)(off >> 4) * 4;
		if (hlen < 20 || hlen > wire_len) {
			d->st.bad++;
			return;
		}
		if (caplen < hlen) {
			d->st.truncated++;
			p->truncated = true;
			return;
		}
		p->tcp_flags = flags;
		if (hlen > 20)
			decode_tcp_options(p, data + 20, hlen - 20);
		p->payload = data + hlen;
		p->payload_len = caplen - hlen;
		p->payload_wire_len = wire_len - hlen;
		p->l4_ok = true;
		break;
	}
	case NET_PROTO_UDP: {
		uint16_t ulen, csum;
		if (!rd_be16(&r, &p->sport) || !rd_be16(&r, &p->dport) || !rd_be16(&r, &ulen) ||
		    !rd_be16(&r, &csum)) {
			d->st.truncated++;
			p->truncated = true;
			return;
		}
		size_t plen = wire_len - 8;
		if (ulen >= 8 && ulen <= wire_len)
			plen = ulen - 8u;
		else if (ulen != 0) {
			d->st.bad++;
			return;
		}
		p->payload = data + 8;
		p->payload_wire_len = plen;
		p->payload_len = MM_MIN(plen, caplen - 8);
		p->l4_ok = true;
		break;
	}
	case NET_PROTO_ICMP:
	case NET_PROTO_ICMPV6:
		if (!rd_u8(&r, &p->icmp_type) || !rd_u8(&r, &p->icmp_code) || !rd_skip(&r, 2)) {
			d->st.truncated++;
			p->truncated = true;
			return;
		}
		p->payload = data + 4;
		p->payload_len = caplen - 4;
		p->payload_wire_len = wire_len - 4;
		p->l4_ok = true;
		break;
	default:
		p->payload = data;
		p->payload_len = caplen;
		p->payload_wire_len = wire_len;
		p->l4_ok = true;
		break;
	}
	if (p->payload_len < p->payload_wire_len)
		p->truncated = true;
}

static int decode_ipv4(struct net_decoder *d, struct net_pkt *p, const uint8_t *data,
		       size_t len)
{
	struct rd r = rd_make(data, len);
	uint8_t vihl, tos, ttl, proto;
	uint16_t total, id, fragw, csum;
	if (!rd_u8(&r, &vihl) || !rd_u8(&r, &tos) || !rd_be16(&r, &total) || !rd_be16(&r, &id) ||
	    !rd_be16(&r, &fragw) || !rd_u8(&r, &ttl) || !rd_u8(&r, &proto) ||
	    !rd_be16(&r, &csum) || rd_left(&r) < 8) {
		d->st.truncated++;
		return NET_DEC_SKIP;
	}
	size_t hlen = (size_t)(vihl & 0x0f) * 4;
	if ((vihl >> 4) != 4 || hlen < 20 || total < hlen) {
		d->st.bad++;
		return NET_DEC_SKIP;
	}
	if (len < hlen) {
		d->st.truncated++;
		return NET_DEC_SKIP;
	}
	p->ip_version = 4;
	memset(p->src, 0, sizeof(p->src));
	memset(p->dst, 0, sizeof(p->dst));
	memcpy(p->src, data + 12, 4);
	memcpy(p->dst, data + 16, 4);
	p->ttl = ttl;
	p->proto = proto;
	p->ip_id = id;
	/* trailing link padding is not ours; a short capture is a snaplen cut */
	size_t avail = MM_MIN(len, (size_t)total);
	size_t wire = (size_t)total - hlen;
	const uint8_t *pl = data + hlen;
	size_t plen = avail - hlen;

	uint16_t foff = (uint16_t)((fragw & 0x1fff) * 8);
	bool more = (fragw & 0x2000) != 0;
	if (foff || more) {
		d->st.frags++;
		if (plen < wire) {
			/* a cut fragment cannot be reassembled */
			d->st.frags_dropped++;
			return NET_DEC_SKIP;
		}
		frag_expire(d, p->ts_us);
		uint8_t key_src[16] = { 0 }, key_dst[16] = { 0 };
		memcpy(key_src, data + 12, 4);
		memcpy(key_dst, data + 16, 4);
		struct frag_dgram *g = frag_find(d, 4, proto, key_src, key_dst, id, p->ts_us);
		if (!g) {
			d->st.frags_dropped++;
			return NET_DEC_SKIP;
		}
		if (foff == 0) {
			g->ttl = ttl;
			g->ip_id = id;
		}
		if (!frag_add(d, g, foff, pl, plen, !more)) {
			d->st.frags_dropped += g->nfrags + 1;
			frag_unlink(d, g);
			dgram_free(d, g);
			return NET_DEC_SKIP;
		}
		if (!frag_complete(g))
			return NET_DEC_HELD;
		p->ttl = g->ttl;
		size_t dlen;
		const uint8_t *dg = frag_take(d, g, &dlen);
		p->defragmented = true;
		decode_l4(d, p, dg, dlen, dlen);
		return NET_DEC_OK;
	}
	decode_l4(d, p, pl, plen, wire);
	if (plen < wire)
		d->st.truncated++;
	return NET_DEC_OK;
}

static bool ipv6_is_ext(uint8_t nh)
{
	return nh == 0 || nh == 43 || nh == 44 || nh == 60 || nh == 51;
}

/* Walks extension headers from nh over [*pp, *pp+*plen); stops at the
 * first non-extension header or at a fragment header (returned in *frag). */
static int ipv6_walk(struct net_decoder *d, uint8_t *nh, const uint8_t **pp, size_t *plen,
		     size_t *wire, const uint8_t **frag)
{
	*frag = NULL;
	for (int n = 0; ipv6_is_ext(*nh); n++) {
		if (n >= MAX_IPV6_EXT) {
			d->st.ipv6_ext_limit++;
			return NET_DEC_SKIP;
		}
		if (*plen < 8) {
			d->st.truncated++;
			return NET_DEC_SKIP;
		}
		const uint8_t *h = *pp;
		size_t hl;
		if (*nh == 44)
			hl = 8;
		else if (*nh == 51)
			hl = ((size_t)h[1] + 2) * 4;
		else
			hl = ((size_t)h[1] + 1) * 8;
		if (hl > *plen || hl > *wire) {
			d->st.truncated++;
			return NET_DEC_SKIP;
		}
		if (*nh == 44) {
			*frag = h;
			*nh = h[0];
			*pp += hl;
			*plen -= hl;
			*wire -= hl;
			return NET_DEC_OK;
		}
		*nh = h[0];
		*pp += hl;
		*plen -= hl;
		*wire -= hl;
	}
	return NET_DEC_OK;
}

static int decode_ipv6(struct net_decoder *d, struct net_pkt *p, const uint8_t *data,
		       size_t len)
{
	if (len < 40) {
		d->st.truncated++;
		return NET_DEC_SKIP;
	}
	if ((data[0] >> 4) != 6) {
		d->st.bad++;
		return NET_DEC_SKIP;
	}
	size_t paylen = (size_t)((data[4] << 8) | data[5]);
	uint8_t nh = data[6];
	p->ip_version = 6;
	p->ttl = data[7];
	memcpy(p->src, data + 8, 16);
	memcpy(p->dst, data + 24, 16);
	const uint8_t *pl = data + 40;
	size_t plen = len - 40;
	if (paylen == 0)
		paylen = plen;	/* jumbogram or bogus: take what is there */
	size_t wire = paylen;
	if (plen > wire)
		plen = wire;
	const uint8_t *frag;
	int rc = ipv6_walk(d, &nh, &pl, &plen, &wire, &frag);
	if (rc != NET_DEC_OK)
		return rc;
	if (frag) {
		uint16_t offw = (uint16_t)((frag[2] << 8) | frag[3]);
		uint32_t id = ((uint32_t)frag[4] << 24) | ((uint32_t)frag[5] << 16) |
			      ((uint32_t)frag[6] << 8) | frag[7];
		uint32_t foff = (uint32_t)(offw & 0xfff8);
		bool more = (offw & 1) != 0;
		if (foff == 0 && !more) {
			/* atomic fragment: just go on */
		} else {
			d->st.frags++;
			if (plen < wire) {
				d->st.frags_dropped++;
				return NET_DEC_SKIP;
			}
			frag_expire(d, p->ts_us);
			/* the key's proto is 0: the next header is only known
			 * reliably from the first fragment */
			struct frag_dgram *g = frag_find(d, 6, 0, p->src, p->dst, id, p->ts_us);
			if (!g) {
				d->st.frags_dropped++;
				return NET_DEC_SKIP;
			}
			if (foff == 0)
				g->nh = nh;
			if (!frag_add(d, g, foff, pl, plen, !more)) {
				d->st.frags_dropped += g->nfrags + 1;
				frag_unlink(d, g);
				dgram_free(d, g);
				return NET_DEC_SKIP;
			}
			if (!frag_complete(g))
				return NET_DEC_HELD;
			nh = g->nh;
			size_t dlen;
			pl = frag_take(d, g, &dlen);
			plen = wire = dlen;
			p->defragmented = true;
			rc = ipv6_walk(d, &nh, &pl, &plen, &wire, &frag);
			if (rc != NET_DEC_OK)
				return rc;
			if (frag) {
				d->st.bad++;	/* nested fragment header */
				return NET_DEC_SKIP;
			}
		}
	}
	p->proto = nh;
	decode_l4(d, p, pl, plen, wire);
	if (plen < wire)
		d->st.truncated++;
	return NET_DEC_OK;
}

static int decode_ethertype(struct net_decoder *d, struct net_pkt *p, uint16_t type,
			    const uint8_t *data, size_t len)
{
	struct rd r = rd_make(data, len);
	for (int tags = 0; type == 0x8100 || type == 0x88a8 || type == 0x9100; tags++) {
		uint16_t tci;
		if (tags >= MAX_VLAN_TAGS) {
			d->st.bad++;
			return NET_DEC_SKIP;
		}
		if (!rd_be16(&r, &tci) || !rd_be16(&r, &type)) {
			d->st.truncated++;
			return NET_DEC_SKIP;
		}
		if (p->vlan_count < 2)
			p->vlan[p->vlan_count++] = tci & 0x0fff;
	}
	if (type == 0x0800)
		return decode_ipv4(d, p, r.p, rd_left(&r));
	if (type == 0x86dd)
		return decode_ipv6(d, p, r.p, rd_left(&r));
	d->st.not_ip++;
	return NET_DEC_SKIP;
}

static int decode_raw_ip(struct net_decoder *d, struct net_pkt *p, const uint8_t *data,
			 size_t len)
{
	if (len < 1) {
		d->st.truncated++;
		return NET_DEC_SKIP;
	}
	if ((data[0] >> 4) == 4)
		return decode_ipv4(d, p, data, len);
	if ((data[0] >> 4) == 6)
		return decode_ipv6(d, p, data, len);
	d->st.bad++;
	return NET_DEC_SKIP;
}

int net_decode(struct net_decoder *d, int dlt, const uint8_t *data, size_t caplen,
	       int64_t ts_us, struct net_pkt *p)
{
	uint64_t frame = p->frame;
	memset(p, 0, sizeof(*p));
	p->ts_us = ts_us;
	p->frame = frame;
	p->tcp_wscale = 0xff;
	if (d->done) {
		free(d->done);
		d->done = NULL;
	}
	struct rd r = rd_make(data, caplen);
	switch (dlt) {
	case NET_DLT_EN10MB: {
		uint16_t type;
		if (!rd_skip(&r, 12) || !rd_be16(&r, &type)) {
			d->st.truncated++;
			return NET_DEC_SKIP;
		}
		if (type < 0x0600) {
			d->st.not_ip++;	/* 802.3 length: LLC, STP... */
			return NET_DEC_SKIP;
		}
		return decode_ethertype(d, p, type, r.p, rd_left(&r));
	}
	case NET_DLT_LINUX_SLL: {
		uint16_t type;
		if (!rd_skip(&r, 14) || !rd_be16(&r, &type)) {
			d->st.truncated++;
			return NET_DEC_SKIP;
		}
		return decode_ethertype(d, p, type, r.p, rd_left(&r));
	}
	case NET_DLT_LINUX_SLL2: {
		uint16_t type;
		if (!rd_be16(&r, &type) || !rd_skip(&r, 18)) {
			d->st.truncated++;
			return NET_DEC_SKIP;
		}
		return decode_ethertype(d, p, type, r.p, rd_left(&r));
	}
	case NET_DLT_NULL:
	case NET_DLT_LOOP: {
		uint32_t fam;
		if (rd_left(&r) < 4) {
			d->st.truncated++;
			return NET_DEC_SKIP;
		}
		/* the family is in the writer's byte order: take the
		 * reading that gives a small number */
		fam = get_le32(r.p, 4, 0);
		if (fam > 0xffff)
			fam = ((uint32_t)r.p[0] << 24) | ((uint32_t)r.p[1] << 16) |
			      ((uint32_t)r.p[2] << 8) | r.p[3];
		rd_skip(&r, 4);
		if (fam == 2)
			return decode_ipv4(d, p, r.p, rd_left(&r));
		if (fam == 10 || fam == 24 || fam == 28 || fam == 30)
			return decode_ipv6(d, p, r.p, rd_left(&r));
		d->st.not_ip++;
		return NET_DEC_SKIP;
	}
	case NET_DLT_RAW:
	case NET_DLT_RAW_BSD:
	case NET_DLT_LINKTYPE_RAW:
		return decode_raw_ip(d, p, data, caplen);
	case NET_DLT_IPV4:
		return decode_ipv4(d, p, data, caplen);
	case NET_DLT_IPV6:
		return decode_ipv6(d, p, data, caplen);
	default:
		d->st.not_ip++;
		return NET_DEC_SKIP;
	}
}
