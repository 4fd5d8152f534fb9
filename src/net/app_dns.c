/*
 * app_dns.c — DNS over UDP (one message per datagram) and over TCP
 * (messages framed by a two-byte length, RFC 1035 4.2.2).
 *
 * Each message: header (id, flags, rcode, counts), the questions, and the
 * answer section's A, AAAA, CNAME, TXT, MX, NS and PTR records (other types
 * are skipped by their length). Names are decoded with compression
 * pointers that must point backwards (so they cannot loop), at most
 * DNS_MAX_JUMPS of them per name and DNS_NAME_MAX bytes of name. A record
 * that runs past the message ends the parse of that message; what was
 * decoded before is kept (counted as a malformed message).
 *
 * Outputs: the dns.query buffer to rules (net_inspect_tx, one tx per
 * question of a query), --log dns records (one per message), and to the
 * mining detector every question name (pool lookups) and every A/AAAA
 * answer (address -> name, so a later Stratum session can name its pool).
 *
 * Probe: a plausible header (opcode 0-5, 1-4 questions, bounded counts)
 * followed by a question that decodes, with class IN, CH, HS or ANY.
 *
 * Limits: DNS_MAX_QUESTIONS questions and DNS_MAX_ANSWERS answers decoded
 * per message (the rest counted); TCP messages up to 65535 bytes.
 * Threading: one session per flow, one thread.
 */
#include "core/compat.h"
#include "net/internal.h"
#include "net/mining.h"

#include <arpa/inet.h>
#include <sys/socket.h>

#define DNS_NAME_MAX 255
#define DNS_MAX_JUMPS 32
#define DNS_MAX_QUESTIONS 8
#define DNS_MAX_ANSWERS 64
#define DNS_TXT_MAX 512

#define T_A 1
#define T_NS 2
#define T_CNAME 5
#define T_PTR 12
#define T_MX 15
#define T_TXT 16
#define T_AAAA 28

struct dns_sess {
	bool tcp;
	uint8_t *buf[2];	/* TCP: a message being assembled, 2 + 65535 bytes */
	size_t len[2];
	bool lost[2];		/* a gap: the framing is unknown until close */
	uint64_t messages, malformed;
};

/* Decodes the name at *off in msg into out (dotted, no final dot, "" for
 * the root); advances *off past it in the record. false when malformed. */
static bool read_name(const uint8_t *msg, size_t len, size_t *off, char *out, size_t *out_len)
{
	size_t p = *off, n = 0;
	size_t end_after = 0;
	int jumps = 0;
	bool jumped = false;
	size_t lowest = *off;	/* pointers must go below every place visited */
	for (;;) {
		if (p >= len)
			return false;
		uint8_t l = msg[p];
		if ((l & 0xc0) == 0xc0) {
			if (p + 1 >= len || ++jumps > DNS_MAX_JUMPS)
				return false;
			size_t to = ((size_t)(l & 0x3f) << 8) | msg[p + 1];
			if (!jumped) {
				end_after = p + 2;
				jumped = true;
			}
			if (to >= lowest)
				return false;
			lowest = to;
			p = to;
			continue;
		}
		if (l & 0xc0)
			return false;	/* extended label types: unsupported */
		p++;
		if (l == 0)
			break;
		if (p + l > len || n + l + 1 > DNS_NAME_MAX)
			return false;
		if (n)
			out[n++] = '.';
		memcpy(out + n, msg + p, l);
		n += l;
		p += l;
	}
	out[n] = 0;
	*out_len = n;
	*off = jumped ? end_after : p;
	return true;
}

static const char *type_name(uint16_t t)
{
	switch (t) {
	case T_A:
		return "A";
	case T_NS:
		return "NS";
	case T_CNAME:
		return "CNAME";
	case T_PTR:
		return "PTR";
	case T_MX:
		return "MX";
	case T_TXT:
		return "TXT";
	case T_AAAA:
		return "AAAA";
	default:
		return NULL;
	}
}

static const char *rcode_name(unsigned r)
{
	static const char *const names[] = { "NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN",
					     "NOTIMP",	"REFUSED", "YXDOMAIN", "YXRRSET",
					     "NXRRSET", "NOTAUTH", "NOTZONE" };
	return r < MM_ARRAY_SIZE(names) ? names[r] : "OTHER";
}

static bool class_ok(uint16_t c)
{
	c &= 0x7fff;		/* mDNS unicast-response bit */
	return c == 1 || c == 3 || c == 4 || c == 255;
}

/* Header and first question look like DNS. */
static bool plausible(const uint8_t *m, size_t len)
{
	char name[DNS_NAME_MAX + 1];
	size_t nl;
	if (len < 17)
		return false;
	uint16_t flags = (uint16_t)((m[2] << 8) | m[3]);
	unsigned opcode = (flags >> 11) & 0xf;
	uint16_t qd = (uint16_t)((m[4] << 8) | m[5]);
	uint16_t an = (uint16_t)((m[6] << 8) | m[7]);
	uint16_t ns = (uint16_t)((m[8] << 8) | m[9]);
	uint16_t ar = (uint16_t)((m[10] << 8) | m[11]);
	if (opcode > 5 || qd < 1 || qd > 4)
		return false;
	/* every record takes at least 11 bytes */
	if (((size_t)an + ns + ar) * 11 > len)
		return false;
	size_t off = 12;
	if (!read_name(m, len, &off, name, &nl) || off + 4 > len)
		return false;
	uint16_t qclass = (uint16_t)((m[off + 2] << 8) | m[off + 3]);
	return class_ok(qclass);
}

static int dns_probe(const uint8_t *d, size_t len, enum app_dir dir, const struct net_flow_info *f)
{
	(void)dir;
	if (f->proto == NET_PROTO_UDP)
		return plausible(d, len) ? APP_PROBE_YES : APP_PROBE_NO;
	if (len < 2)
		return APP_PROBE_MAYBE;
	size_t ml = ((size_t)d[0] << 8) | d[1];
	if (ml < 17)
		return APP_PROBE_NO;
	if (len < 2 + 17)
		return APP_PROBE_MAYBE;
	/* judge on what we have of the message (the question comes early) */
	size_t have = MM_MIN(len - 2, ml);
	if (plausible(d + 2, have))
		return APP_PROBE_YES;
	return have < ml && have < 300 ? APP_PROBE_MAYBE : APP_PROBE_NO;
}

static void *dns_new(const struct app_ctx *ctx)
{
	struct dns_sess *s = calloc(1, sizeof(*s));
	if (s)
		s->tcp = ctx->info->proto == NET_PROTO_TCP;
	return s;
}

static void dns_free(void *sv)
{
	struct dns_sess *s = sv;
	if (!s)
		return;
	free(s->buf[0]);
	free(s->buf[1]);
	free(s);
}

static void rdata_json(struct mm_json *j, struct app_ctx *ctx, const uint8_t *m, size_t len,
		       size_t rd, uint16_t rdlen, uint16_t type, const char *qname, size_t qlen)
{
	char name[DNS_NAME_MAX + 1];
	size_t nl;
	size_t off = rd;
	switch (type) {
	case T_A:
	case T_AAAA: {
		size_t alen = type == T_A ? 4 : 16;
		char ip[64];
		if (rdlen != alen)
			return;
		if (!inet_ntop(type == T_A ? AF_INET : AF_INET6, m + rd, ip, sizeof(ip)))
			return;
		mm_json_str(j, "rdata", ip);
		if (qlen)
			mining_dns_answer(ctx, qname, qlen, type == T_A ? 4 : 6, m + rd);
		return;
	}
	case T_MX:
		off += 2;
		if (rdlen < 3)
			return;
		MM_FALLTHROUGH;
	case T_NS:
	case T_CNAME:
	case T_PTR:
		if (read_name(m, len, &off, name, &nl))
			mm_json_strn(j, "rdata", name, nl);
		return;
	case T_TXT: {
		char txt[DNS_TXT_MAX];
		size_t n = 0, p = rd, e = rd + rdlen;
		while (p < e) {
			uint8_t l = m[p++];
			size_t take = MM_MIN((size_t)l, e - p);
			take = MM_MIN(take, sizeof(txt) - n);
			memcpy(txt + n, m + p, take);
			n += take;
			p += l;
		}
		mm_json_strn(j, "rdata", txt, n);
		return;
	}
	default:
		return;
	}
}

/* One whole message. */
static void dns_message(struct dns_sess *s, struct app_ctx *ctx, const uint8_t *m, size_t len)
{
	char qname[DNS_NAME_MAX + 1];
	size_t qlen = 0;
	char name[DNS_NAME_MAX + 1];
	size_t nl;
	struct mm_buf b;
	struct mm_json j;
	bool bad = false;
	uint16_t qtype = 0;

	s->messages++;
	if (len < 12) {
		s->malformed++;
		return;
	}
	uint16_t id = (uint16_t)((m[0] << 8) | m[1]);
	uint16_t flags = (uint16_t)((m[2] << 8) | m[3]);
	bool resp = (flags & 0x8000) != 0;
	uint16_t qd = (uint16_t)((m[4] << 8) | m[5]);
	uint16_t an = (uint16_t)((m[6] << 8) | m[7]);
	mm_buf_init(&b, 256 * 1024);
	mm_json_init(&j, &b);
	mm_json_object_begin(&j, NULL);
	mm_json_str(&j, "type", resp ? "response" : "query");
	mm_json_int(&j, "id", id);
	if (resp)
		mm_json_str(&j, "rcode", rcode_name(flags & 0xf));
	size_t off = 12;
	mm_json_array_begin(&j, "questions");
	for (uint16_t i = 0; i < qd; i++) {
		if (!read_name(m, len, &off, name, &nl) || off + 4 > len) {
			bad = true;
			break;
		}
		uint16_t t = (uint16_t)((m[off] << 8) | m[off + 1]);
		off += 4;
		if (i >= DNS_MAX_QUESTIONS)
			continue;
		if (i == 0) {
			memcpy(qname, name, nl + 1);
			qlen = nl;
			qtype = t;
		}
		mm_json_object_begin(&j, NULL);
		mm_json_strn(&j, "rrname", name, nl);
		const char *tn = type_name(t);
		if (tn)
			mm_json_str(&j, "rrtype", tn);
		else
			mm_json_int(&j, "rrtype", t);
		mm_json_object_end(&j);
		if (!resp) {
			struct net_tx tx;
			memset(&tx, 0, sizeof(tx));
			tx.app_proto = "dns";
			tx.dir = APP_TO_SERVER;
			tx.frame = ctx->frame;
			tx.buf[NET_BUF_DNS_QUERY].ptr = (const uint8_t *)name;
			tx.buf[NET_BUF_DNS_QUERY].len = nl;
			net_inspect_tx(ctx, &tx);
		}
		mining_dns_query(ctx, name, nl);
	}
	mm_json_array_end(&j);
	if (resp && !bad && an) {
		mm_json_array_begin(&j, "answers");
		for (uint16_t i = 0; i < an; i++) {
			if (!read_name(m, len, &off, name, &nl) || off + 10 > len) {
				bad = true;
				break;
			}
			uint16_t t = (uint16_t)((m[off] << 8) | m[off + 1]);
			uint32_t ttl = ((uint32_t)m[off + 4] << 24) | ((uint32_t)m[off + 5] << 16) |
				       ((uint32_t)m[off + 6] << 8) | m[off + 7];
			uint16_t rdlen = (uint16_t)((m[off + 8] << 8) | m[off + 9]);
			off += 10;
			if (off + rdlen > len) {
				bad = true;
				break;
			}
			const char *tn = type_name(t);
			if (tn && i < DNS_MAX_ANSWERS) {
				mm_json_object_begin(&j, NULL);
				mm_json_strn(&j, "rrname", name, nl);
				mm_json_str(&j, "rrtype", tn);
				mm_json_uint(&j, "ttl", ttl);
				rdata_json(&j, ctx, m, len, off, rdlen, t, qname, qlen);
				mm_json_object_end(&j);
			}
			off += rdlen;
		}
		mm_json_array_end(&j);
	}
	(void)qtype;
	if (bad) {
		s->malformed++;
		mm_json_bool(&j, "malformed", true);
	}
	mm_json_uint(&j, "frame", ctx->frame);
	mm_json_object_end(&j);
	if (mm_json_finish(&j) == 0)
		net_log_record(ctx, "dns", b.ptr, b.len);
	mm_buf_release(&b);
}

static int dns_data(void *sv, struct app_ctx *ctx, enum app_dir dir, const uint8_t *data,
		    size_t len)
{
	struct dns_sess *s = sv;
	if (!s->tcp) {
		dns_message(s, ctx, data, len);
		return 0;
	}
	if (s->lost[dir])
		return 0;
	if (!s->buf[dir]) {
		s->buf[dir] = malloc(2 + 65535);
		if (!s->buf[dir])
			return MM_ENOMEM;
	}
	uint8_t *b = s->buf[dir];
	while (len) {
		size_t need;
		if (s->len[dir] < 2) {
			need = 2 - s->len[dir];
		} else {
			size_t ml = ((size_t)b[0] << 8) | b[1];
			need = 2 + ml - s->len[dir];
		}
		size_t take = MM_MIN(need, len);
		memcpy(b + s->len[dir], data, take);
		s->len[dir] += take;
		data += take;
		len -= take;
		if (s->len[dir] >= 2) {
			size_t ml = ((size_t)b[0] << 8) | b[1];
			if (s->len[dir] == 2 + ml) {
				dns_message(s, ctx, b + 2, ml);
				s->len[dir] = 0;
			}
		}
	}
	return 0;
}

static int dns_gap(void *sv, struct app_ctx *ctx, enum app_dir dir, uint64_t len)
{
	struct dns_sess *s = sv;
	(void)ctx;
	(void)len;
	/* TCP framing cannot be recovered after a hole: stop that direction */
	s->lost[dir] = true;
	s->len[dir] = 0;
	return 0;
}

static void dns_close(void *s, struct app_ctx *ctx)
{
	(void)s;
	(void)ctx;
}

const struct app_parser app_parser_dns = {
	.name = "dns",
	.proto = NET_PROTO_TCP,
	.udp_too = true,
	.probe = dns_probe,
	.session_new = dns_new,
	.session_free = dns_free,
	.data = dns_data,
	.gap = dns_gap,
	.close = dns_close,
};
