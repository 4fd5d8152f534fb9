/*
 * app_tls.c — TLS (and SSL 3.0) handshakes: record layer, ClientHello,
 * ServerHello and, up to TLS 1.2, the server certificate.
 *
 * Records are reassembled across segments (header + up to TLS_RECORD_MAX
 * bytes); handshake messages across records (up to TLS_HS_MAX bytes, a
 * longer message is skipped and counted). After a direction's
 * ChangeCipherSpec its handshake is encrypted and only record sizes are
 * counted.
 *
 * ClientHello gives the server name (SNI), ALPN, supported versions,
 * ciphers, extensions, groups, point formats and signature algorithms, and
 * from them two fingerprints:
 *   JA3  "version,ciphers,extensions,groups,point_formats" (decimal, '-'
 *        separated, GREASE values removed) and its MD5;
 *   JA4  "t" + version ("13", "12", ...) + "d"/"i" (SNI or not) + the
 *        cipher and extension counts (two digits, GREASE removed) + first
 *        and last character of the first ALPN value ("00" if none), then
 *        "_" + the first 12 hex digits of SHA-256 over the sorted cipher
 *        list ("%04x" joined by ','), then "_" + the same over the sorted
 *        extensions without SNI and ALPN, "_", and the signature
 *        algorithms in their order.
 * ServerHello gives JA3S "version,cipher,extensions" and its MD5. The
 * first certificate's subject, issuer, serial number and SHA-1
 * fingerprint come from a bounded DER walk (tls_cert_parse(), formats in
 * internal.h), written as Suricata does.
 *
 * Outputs: txs with tls.sni, ja3.hash, ja3.string (ClientHello), ja3s.hash
 * (ServerHello), tls.cert_subject, tls.cert_issuer, tls.cert_serial,
 * tls.cert_fingerprint and tls.certs (Certificate: the first certificate's
 * fields and DER; then one tx per further certificate of the chain, up to
 * TLS_CERTS_MAX, with only tls.certs);
 * --log tls records; the SNI to the mining detector.
 *
 * Threading: one session per flow, one thread.
 */
#include "core/compat.h"
#include "net/internal.h"
#include "net/mining.h"

#define TLS_RECORD_MAX (16384 + 2048)
#define TLS_HS_MAX (64 * 1024)
#define TLS_LIST_MAX 128
#define TLS_NAME_MAX 256
#define TLS_CERTS_MAX 16	/* certificates of one chain given to rules */

struct tls_side {
	uint8_t *rec;		/* a record split over segments, 5 + TLS_RECORD_MAX */
	size_t rec_len;
	uint8_t *hs;		/* handshake bytes not yet parsed, TLS_HS_MAX */
	size_t hs_len;
	size_t hs_skip;		/* bytes of an oversized message still to drop */
	bool encrypted;
	bool dead;		/* not TLS any more (bad record) */
	uint64_t app_records, app_bytes;
};

struct tls_sess {
	struct tls_side side[2];
	bool client_hello_seen, server_hello_seen, cert_seen;
	uint16_t version;	/* negotiated (ServerHello) */
	uint64_t oversized;
};

static bool grease(uint16_t v)
{
	return (v & 0x0f0f) == 0x0a0a && (v >> 8) == (v & 0xff);
}

static int tls_probe(const uint8_t *d, size_t len, enum app_dir dir, const struct net_flow_info *f)
{
	(void)f;
	if (len < 1)
		return APP_PROBE_MAYBE;
	if (d[0] != 0x16)
		return APP_PROBE_NO;
	if (len < 6)
		return APP_PROBE_MAYBE;
	if (d[1] != 3 || d[2] > 4)
		return APP_PROBE_NO;
	size_t rl = ((size_t)d[3] << 8) | d[4];
	if (rl < 4 || rl > TLS_RECORD_MAX)
		return APP_PROBE_NO;
	uint8_t want = dir == APP_TO_SERVER ? 1 : 2;
	return d[5] == want ? APP_PROBE_YES : APP_PROBE_NO;
}

static void *tls_new(const struct app_ctx *ctx)
{
	(void)ctx;
	return calloc(1, sizeof(struct tls_sess));
}

static void tls_free(void *sv)
{
	struct tls_sess *s = sv;
	if (!s)
		return;
	for (int d = 0; d < 2; d++) {
		free(s->side[d].hs);
		free(s->side[d].rec);
	}
	free(s);
}

/* ---- fingerprints ---- */

struct u16list {
	uint16_t v[TLS_LIST_MAX];
	size_t n;
	size_t dropped;
};

static void list_add(struct u16list *l, uint16_t v)
{
	if (grease(v))
		return;
	if (l->n < TLS_LIST_MAX)
		l->v[l->n++] = v;
	else
		l->dropped++;
}

static void list_dec(struct mm_buf *b, const struct u16list *l)
{
	for (size_t i = 0; i < l->n; i++)
		mm_buf_appendf(b, "%s%u", i ? "-" : "", l->v[i]);
}

static int cmp_u16(const void *a, const void *b)
{
	uint16_t x = *(const uint16_t *)a, y = *(const uint16_t *)b;
	return x < y ? -1 : x > y;
}

/* First 12 hex digits of SHA-256 of the "%04x" list joined by ','. */
static void hash12(const uint16_t *v, size_t n, const uint16_t *tail, size_t tn, char out[13])
{
	struct mm_buf b;
	uint8_t h[32];
	char hex[65];
	if (!n) {
		memcpy(out, "000000000000", 13);
		return;
	}
	mm_buf_init(&b, 8192);
	for (size_t i = 0; i < n; i++)
		mm_buf_appendf(&b, "%s%04x", i ? "," : "", v[i]);
	if (tn) {
		mm_buf_append_byte(&b, '_');
		for (size_t i = 0; i < tn; i++)
			mm_buf_appendf(&b, "%s%04x", i ? "," : "", tail[i]);
	}
	mm_sha256(b.ptr ? b.ptr : "", b.len, h);
	mm_hex(h, 32, hex);
	memcpy(out, hex, 12);
	out[12] = 0;
	mm_buf_release(&b);
}

static bool is_alnum(uint8_t c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

struct hello {
	uint16_t legacy_version;
	struct u16list ciphers, exts, groups, sigalgs, versions;
	uint8_t pf[TLS_LIST_MAX];
	size_t npf;
	char sni[TLS_NAME_MAX];
	size_t sni_len;
	bool has_sni;
	char alpn[TLS_NAME_MAX];	/* first ALPN value */
	size_t alpn_len;
	char alpn_all[TLS_NAME_MAX];	/* all values, ',' separated */
	bool truncated;
};

static void ja4_version(uint16_t v, char out[3])
{
	switch (v) {
	case 0x0304:
		memcpy(out, "13", 3);
		return;
	case 0x0303:
		memcpy(out, "12", 3);
		return;
	case 0x0302:
		memcpy(out, "11", 3);
		return;
	case 0x0301:
		memcpy(out, "10", 3);
		return;
	case 0x0300:
		memcpy(out, "s3", 3);
		return;
	case 0x0002:
		memcpy(out, "s2", 3);
		return;
	default:
		memcpy(out, "00", 3);
		return;
	}
}

static void make_ja4(const struct hello *h, char *out, size_t cap)
{
	char ver[3];
	uint16_t best = h->legacy_version;
	if (h->versions.n) {
		best = 0;
		for (size_t i = 0; i < h->versions.n; i++)
			if (h->versions.v[i] > best)
				best = h->versions.v[i];
	}
	ja4_version(best, ver);
	char alpn[3] = "00";
	if (h->alpn_len) {
		uint8_t a = (uint8_t)h->alpn[0], z = (uint8_t)h->alpn[h->alpn_len - 1];
		if (is_alnum(a) && is_alnum(z)) {
			alpn[0] = (char)a;
			alpn[1] = (char)z;
		} else {
			char hx[3];
			snprintf(hx, sizeof(hx), "%02x", a);
			alpn[0] = hx[0];
			snprintf(hx, sizeof(hx), "%02x", z);
			alpn[1] = hx[1];
		}
	}
	uint16_t sorted[TLS_LIST_MAX];
	char hc[13], he[13];
	memcpy(sorted, h->ciphers.v, h->ciphers.n * sizeof(uint16_t));
	qsort(sorted, h->ciphers.n, sizeof(uint16_t), cmp_u16);
	hash12(sorted, h->ciphers.n, NULL, 0, hc);
	size_t ne = 0;
	for (size_t i = 0; i < h->exts.n; i++)
		if (h->exts.v[i] != 0x0000 && h->exts.v[i] != 0x0010)
			sorted[ne++] = h->exts.v[i];
	qsort(sorted, ne, sizeof(uint16_t), cmp_u16);
	hash12(sorted, ne, h->sigalgs.v, h->sigalgs.n, he);
	snprintf(out, cap, "t%s%c%02zu%02zu%s_%s_%s", ver, h->has_sni ? 'd' : 'i',
		 MM_MIN(h->ciphers.n, (size_t)99), MM_MIN(h->exts.n, (size_t)99), alpn, hc, he);
}

/* ---- ClientHello ---- */

static void parse_ext(struct hello *h, uint16_t type, struct rd e)
{
	uint16_t l16;
	uint8_t l8;
	switch (type) {
	case 0x0000: {	/* server_name */
		if (!rd_be16(&e, &l16))
			return;
		while (rd_left(&e) >= 3) {
			uint8_t nt = 0;
			uint16_t nl = 0;
			rd_u8(&e, &nt);
			rd_be16(&e, &nl);
			if (rd_left(&e) < nl)
				return;
			if (nt == 0 && !h->has_sni) {
				h->has_sni = true;
				h->sni_len = MM_MIN((size_t)nl, sizeof(h->sni) - 1);
				memcpy(h->sni, e.p, h->sni_len);
				h->sni[h->sni_len] = 0;
			}
			rd_skip(&e, nl);
		}
		return;
	}
	case 0x000a:	/* supported_groups */
		if (!rd_be16(&e, &l16))
			return;
		while (rd_be16(&e, &l16))
			list_add(&h->groups, l16);
		return;
	case 0x000b:	/* ec_point_formats */
		if (!rd_u8(&e, &l8))
			return;
		while (rd_u8(&e, &l8))
			if (h->npf < TLS_LIST_MAX)
				h->pf[h->npf++] = l8;
		return;
	case 0x000d:	/* signature_algorithms */
		if (!rd_be16(&e, &l16))
			return;
		while (rd_be16(&e, &l16))
			list_add(&h->sigalgs, l16);
		return;
	case 0x0010: {	/* ALPN */
		size_t n = 0;
		if (!rd_be16(&e, &l16))
			return;
		while (rd_u8(&e, &l8) && rd_left(&e) >= l8) {
			if (!h->alpn_len && l8) {
				h->alpn_len = MM_MIN((size_t)l8, sizeof(h->alpn) - 1);
				memcpy(h->alpn, e.p, h->alpn_len);
			}
			if (n + l8 + 2 < sizeof(h->alpn_all)) {
				if (n)
					h->alpn_all[n++] = ',';
				memcpy(h->alpn_all + n, e.p, l8);
				n += l8;
				h->alpn_all[n] = 0;
			}
			rd_skip(&e, l8);
		}
		return;
	}
	case 0x002b:	/* supported_versions (ClientHello form) */
		if (!rd_u8(&e, &l8))
			return;
		while (rd_be16(&e, &l16))
			list_add(&h->versions, l16);
		return;
	default:
		return;
	}
}

static bool parse_client_hello(struct rd r, struct hello *h)
{
	uint8_t l8;
	uint16_t l16;
	memset(h, 0, sizeof(*h));
	if (!rd_be16(&r, &h->legacy_version) || !rd_skip(&r, 32) || !rd_u8(&r, &l8) ||
	    !rd_skip(&r, l8) || !rd_be16(&r, &l16) || rd_left(&r) < l16)
		return false;
	struct rd c = rd_make(r.p, l16);
	rd_skip(&r, l16);
	uint16_t v;
	while (rd_be16(&c, &v))
		list_add(&h->ciphers, v);
	if (!rd_u8(&r, &l8) || !rd_skip(&r, l8))
		return true;	/* no extensions (SSL 3.0 style) */
	if (!rd_be16(&r, &l16))
		return true;
	if (rd_left(&r) < l16)
		h->truncated = true;
	struct rd ex = rd_make(r.p, MM_MIN((size_t)l16, rd_left(&r)));
	while (rd_left(&ex) >= 4) {
		uint16_t t = 0, el = 0;
		rd_be16(&ex, &t);
		rd_be16(&ex, &el);
		if (rd_left(&ex) < el) {
			h->truncated = true;
			break;
		}
		list_add(&h->exts, t);
		if (!grease(t))
			parse_ext(h, t, rd_make(ex.p, el));
		rd_skip(&ex, el);
	}
	return true;
}

static void client_hello(struct tls_sess *s, struct app_ctx *ctx, struct rd body)
{
	struct hello *h = malloc(sizeof(*h));
	struct mm_buf ja3;
	char md5hex[33], ja4[64];
	uint8_t md[16];
	if (!h)
		return;
	if (!parse_client_hello(body, h))
		goto out;
	s->client_hello_seen = true;
	mm_buf_init(&ja3, 16384);
	mm_buf_appendf(&ja3, "%u,", h->legacy_version);
	list_dec(&ja3, &h->ciphers);
	mm_buf_append_byte(&ja3, ',');
	list_dec(&ja3, &h->exts);
	mm_buf_append_byte(&ja3, ',');
	list_dec(&ja3, &h->groups);
	mm_buf_append_byte(&ja3, ',');
	for (size_t i = 0; i < h->npf; i++)
		mm_buf_appendf(&ja3, "%s%u", i ? "-" : "", h->pf[i]);
	mm_md5(ja3.ptr ? ja3.ptr : "", ja3.len, md);
	mm_hex(md, 16, md5hex);
	make_ja4(h, ja4, sizeof(ja4));

	struct net_tx tx;
	memset(&tx, 0, sizeof(tx));
	tx.app_proto = "tls";
	tx.dir = APP_TO_SERVER;
	tx.frame = ctx->frame;
	if (h->has_sni) {
		tx.buf[NET_BUF_TLS_SNI].ptr = (const uint8_t *)h->sni;
		tx.buf[NET_BUF_TLS_SNI].len = h->sni_len;
	}
	tx.buf[NET_BUF_JA3_HASH].ptr = (const uint8_t *)md5hex;
	tx.buf[NET_BUF_JA3_HASH].len = 32;
	tx.buf[NET_BUF_JA3_STRING].ptr = (const uint8_t *)(ja3.ptr ? ja3.ptr : "");
	tx.buf[NET_BUF_JA3_STRING].len = ja3.len;
	net_inspect_tx(ctx, &tx);

	struct mm_buf b;
	struct mm_json j;
	mm_buf_init(&b, 64 * 1024);
	mm_json_init(&j, &b);
	mm_json_object_begin(&j, NULL);
	mm_json_str(&j, "type", "client_hello");
	if (h->has_sni)
		mm_json_strn(&j, "sni", h->sni, h->sni_len);
	if (h->alpn_all[0])
		mm_json_str(&j, "alpn", h->alpn_all);
	mm_json_strn(&j, "ja3", ja3.ptr ? ja3.ptr : "", ja3.len);
	mm_json_str(&j, "ja3_hash", md5hex);
	mm_json_str(&j, "ja4", ja4);
	if (h->truncated)
		mm_json_bool(&j, "truncated", true);
	mm_json_uint(&j, "frame", ctx->frame);
	mm_json_object_end(&j);
	if (mm_json_finish(&j) == 0)
		net_log_record(ctx, "tls", b.ptr, b.len);
	mm_buf_release(&b);
	mm_buf_release(&ja3);
	if (h->has_sni)
		mining_tls_sni(ctx, h->sni, h->sni_len);
out:
	free(h);
}

/* ---- ServerHello ---- */

static void server_hello(struct tls_sess *s, struct app_ctx *ctx, struct rd r)
{
	uint16_t ver, cipher, l16;
	uint8_t l8;
	struct u16list exts;
	struct mm_buf ja3s;
	char md5hex[33];
	uint8_t md[16];
	uint16_t selected = 0;
	memset(&exts, 0, sizeof(exts));
	if (!rd_be16(&r, &ver) || !rd_skip(&r, 32) || !rd_u8(&r, &l8) || !rd_skip(&r, l8) ||
	    !rd_be16(&r, &cipher) || !rd_u8(&r, &l8))
		return;
	s->server_hello_seen = true;
	if (rd_be16(&r, &l16)) {
		struct rd ex = rd_make(r.p, MM_MIN((size_t)l16, rd_left(&r)));
		while (rd_left(&ex) >= 4) {
			uint16_t t = 0, el = 0;
			rd_be16(&ex, &t);
			rd_be16(&ex, &el);
			if (rd_left(&ex) < el)
				break;
			list_add(&exts, t);
			if (t == 0x002b && el == 2)
				selected = (uint16_t)((ex.p[0] << 8) | ex.p[1]);
			rd_skip(&ex, el);
		}
	}
	s->version = selected ? selected : ver;
	mm_buf_init(&ja3s, 4096);
	mm_buf_appendf(&ja3s, "%u,%u,", ver, cipher);
	list_dec(&ja3s, &exts);
	mm_md5(ja3s.ptr ? ja3s.ptr : "", ja3s.len, md);
	mm_hex(md, 16, md5hex);
	struct net_tx tx;
	memset(&tx, 0, sizeof(tx));
	tx.app_proto = "tls";
	tx.dir = APP_TO_CLIENT;
	tx.frame = ctx->frame;
	tx.buf[NET_BUF_JA3S_HASH].ptr = (const uint8_t *)md5hex;
	tx.buf[NET_BUF_JA3S_HASH].len = 32;
	net_inspect_tx(ctx, &tx);

	struct mm_buf b;
	struct mm_json j;
	mm_buf_init(&b, 16384);
	mm_json_init(&j, &b);
	mm_json_object_begin(&j, NULL);
	mm_json_str(&j, "type", "server_hello");
	mm_json_uint(&j, "version", s->version);
	mm_json_uint(&j, "cipher", cipher);
	mm_json_strn(&j, "ja3s", ja3s.ptr ? ja3s.ptr : "", ja3s.len);
	mm_json_str(&j, "ja3s_hash", md5hex);
	mm_json_uint(&j, "frame", ctx->frame);
	mm_json_object_end(&j);
	if (mm_json_finish(&j) == 0)
		net_log_record(ctx, "tls", b.ptr, b.len);
	mm_buf_release(&b);
	mm_buf_release(&ja3s);
}

/* ---- certificates (bounded DER) ---- */

/* Reads one DER TLV; value in *v. */
static bool der_tlv(struct rd *r, uint8_t *tag, struct rd *v)
{
	uint8_t l0;
	size_t len = 0;
	if (!rd_u8(r, tag) || !rd_u8(r, &l0))
		return false;
	if (l0 < 0x80) {
		len = l0;
	} else {
		unsigned nb = l0 & 0x7f;
		if (nb == 0 || nb > 4)
			return false;
		for (unsigned i = 0; i < nb; i++) {
			uint8_t b;
			if (!rd_u8(r, &b))
				return false;
			len = (len << 8) | b;
		}
	}
	if (rd_left(r) < len)
		return false;
	*v = rd_make(r->p, len);
	r->p += len;
	return true;
}

static const char *oid_name(struct rd oid)
{
	static const struct {
		uint8_t last;
		const char *name;
	} at[] = { { 3, "CN" }, { 6, "C" }, { 7, "L" }, { 8, "ST" }, { 10, "O" }, { 11, "OU" } };
	/* 2.5.4.x is 55 04 xx */
	if (rd_left(&oid) != 3 || oid.p[0] != 0x55 || oid.p[1] != 0x04)
		return NULL;
	for (size_t i = 0; i < MM_ARRAY_SIZE(at); i++)
		if (oid.p[2] == at[i].last)
			return at[i].name;
	return NULL;
}

/* Name (SEQUENCE OF SET OF AttributeTypeAndValue) -> "CN=x,O=y". */
static void der_name(struct rd name, char *out, size_t cap)
{
	size_t n = 0;
	out[0] = 0;
	uint8_t tag;
	struct rd set;
	while (der_tlv(&name, &tag, &set)) {
		struct rd atv;
		while (der_tlv(&set, &tag, &atv)) {
			struct rd oid, val;
			uint8_t t1, t2;
			if (!der_tlv(&atv, &t1, &oid) || t1 != 0x06 || !der_tlv(&atv, &t2, &val))
				continue;
			const char *nm = oid_name(oid);
			if (!nm)
				continue;
			int w = snprintf(out + n, cap - n, "%s%s=%.*s", n ? ", " : "", nm,
					 (int)MM_MIN(rd_left(&val), (size_t)200), (const char *)val.p);
			if (w < 0 || (size_t)w >= cap - n) {
				out[n] = 0;
				return;
			}
			n += (size_t)w;
		}
	}
}

/* Appends the bytes of v as hex pairs joined by ':'; stops at max bytes
 * (returns false when cut). out has room for 3 * max chars. */
static bool hex_pairs(const uint8_t *v, size_t n, size_t max, bool upper, char *out)
{
	static const char lo[] = "0123456789abcdef", up[] = "0123456789ABCDEF";
	const char *dg = upper ? up : lo;
	size_t k = MM_MIN(n, max), o = 0;
	for (size_t i = 0; i < k; i++) {
		if (i)
			out[o++] = ':';
		out[o++] = dg[v[i] >> 4];
		out[o++] = dg[v[i] & 15];
	}
	out[o] = 0;
	return k == n;
}

int tls_cert_parse(const uint8_t *der, size_t len, struct tls_cert_fields *out)
{
	struct rd all = rd_make(der, len), cert, tbs, f, serial, issuer_rd, subject_rd;
	uint8_t tag;
	uint8_t sha[20];
	memset(out, 0, sizeof(*out));
	if (!der_tlv(&all, &tag, &cert) || tag != 0x30 || !der_tlv(&cert, &tag, &tbs) || tag != 0x30)
		return MM_ECORRUPT;
	out->der_len = (size_t)(all.p - der);
	/* version is [0] EXPLICIT and optional (absent means v1) */
	if (!der_tlv(&tbs, &tag, &serial))
		return MM_ECORRUPT;
	if (tag == 0xa0 && !der_tlv(&tbs, &tag, &serial))
		return MM_ECORRUPT;
	if (tag != 0x02 || !rd_left(&serial))
		return MM_ECORRUPT;
	if (!der_tlv(&tbs, &tag, &f) ||		/* signature algorithm */
	    !der_tlv(&tbs, &tag, &issuer_rd) || tag != 0x30 || !der_tlv(&tbs, &tag, &f) ||
	    !der_tlv(&tbs, &tag, &subject_rd) || tag != 0x30)
		return MM_ECORRUPT;
	der_name(subject_rd, out->subject, sizeof(out->subject));
	der_name(issuer_rd, out->issuer, sizeof(out->issuer));
	out->serial_cut = !hex_pairs(serial.p, rd_left(&serial), TLS_SERIAL_MAX, true, out->serial);
	mm_sha1(der, out->der_len, sha);
	hex_pairs(sha, 20, 20, false, out->fingerprint);
	return 0;
}

/* Each certificate of the chain after the first: a tx with only
 * tls.certs (a multi-buffer in Suricata: a rule matches if one
 * certificate matches). */
static void more_certs(struct app_ctx *ctx, struct rd r)
{
	uint8_t a = 0, b = 0, c = 0;
	for (unsigned i = 1; i < TLS_CERTS_MAX; i++) {
		if (!rd_u8(&r, &a) || !rd_u8(&r, &b) || !rd_u8(&r, &c))
			return;
		size_t cl = ((size_t)a << 16) | ((size_t)b << 8) | c;
		if (!cl || rd_left(&r) < cl)
			return;
		struct net_tx tx;
		memset(&tx, 0, sizeof(tx));
		tx.app_proto = "tls";
		tx.dir = APP_TO_CLIENT;
		tx.frame = ctx->frame;
		tx.buf[NET_BUF_TLS_CERTS].ptr = r.p;
		tx.buf[NET_BUF_TLS_CERTS].len = cl;
		net_inspect_tx(ctx, &tx);
		rd_skip(&r, cl);
	}
}

static void certificate(struct tls_sess *s, struct app_ctx *ctx, struct rd r)
{
	uint8_t a, b, c, l0, l1, l2;
	struct tls_cert_fields *cf = NULL;
	if (s->cert_seen || s->version == 0x0304)
		return;
	/* certificate_list length (3), first cert length (3) */
	if (!rd_u8(&r, &l0) || !rd_u8(&r, &l1) || !rd_u8(&r, &l2))
		return;
	size_t ll = ((size_t)l0 << 16) | ((size_t)l1 << 8) | l2;
	r = rd_make(r.p, MM_MIN(ll, rd_left(&r)));
	if (!rd_u8(&r, &a) || !rd_u8(&r, &b) || !rd_u8(&r, &c))
		return;
	size_t cl = ((size_t)a << 16) | ((size_t)b << 8) | c;
	if (rd_left(&r) < cl)
		return;
	cf = malloc(sizeof(*cf));
	if (!cf)
		return;
	if (tls_cert_parse(r.p, cl, cf) != 0)
		goto out;
	s->cert_seen = true;
	struct net_tx tx;
	memset(&tx, 0, sizeof(tx));
	tx.app_proto = "tls";
	tx.dir = APP_TO_CLIENT;
	tx.frame = ctx->frame;
	tx.buf[NET_BUF_TLS_CERT_SUBJECT].ptr = (const uint8_t *)cf->subject;
	tx.buf[NET_BUF_TLS_CERT_SUBJECT].len = strlen(cf->subject);
	tx.buf[NET_BUF_TLS_CERT_ISSUER].ptr = (const uint8_t *)cf->issuer;
	tx.buf[NET_BUF_TLS_CERT_ISSUER].len = strlen(cf->issuer);
	tx.buf[NET_BUF_TLS_CERT_SERIAL].ptr = (const uint8_t *)cf->serial;
	tx.buf[NET_BUF_TLS_CERT_SERIAL].len = strlen(cf->serial);
	tx.buf[NET_BUF_TLS_CERT_FINGERPRINT].ptr = (const uint8_t *)cf->fingerprint;
	tx.buf[NET_BUF_TLS_CERT_FINGERPRINT].len = strlen(cf->fingerprint);
	tx.buf[NET_BUF_TLS_CERTS].ptr = r.p;
	tx.buf[NET_BUF_TLS_CERTS].len = cl;
	net_inspect_tx(ctx, &tx);
	rd_skip(&r, cl);
	more_certs(ctx, r);
	struct mm_buf bb;
	struct mm_json j;
	mm_buf_init(&bb, 16384);
	mm_json_init(&j, &bb);
	mm_json_object_begin(&j, NULL);
	mm_json_str(&j, "type", "certificate");
	mm_json_str(&j, "subject", cf->subject);
	mm_json_str(&j, "issuer", cf->issuer);
	mm_json_str(&j, "serial", cf->serial);
	if (cf->serial_cut)
		mm_json_bool(&j, "serial_truncated", true);
	mm_json_str(&j, "fingerprint", cf->fingerprint);
	mm_json_uint(&j, "frame", ctx->frame);
	mm_json_object_end(&j);
	if (mm_json_finish(&j) == 0)
		net_log_record(ctx, "tls", bb.ptr, bb.len);
	mm_buf_release(&bb);
out:
	free(cf);
}

/* ---- handshake and record layers ---- */

static int handshake_bytes(struct tls_sess *s, struct app_ctx *ctx, enum app_dir dir,
			   const uint8_t *d, size_t len)
{
	struct tls_side *sd = &s->side[dir];
	if (sd->hs_skip) {
		size_t k = MM_MIN(sd->hs_skip, len);
		sd->hs_skip -= k;
		d += k;
		len -= k;
	}
	if (!len)
		return 0;
	if (!sd->hs) {
		sd->hs = malloc(TLS_HS_MAX);
		if (!sd->hs)
			return MM_ENOMEM;
	}
	while (len) {
		size_t take = MM_MIN(len, TLS_HS_MAX - sd->hs_len);
		memcpy(sd->hs + sd->hs_len, d, take);
		sd->hs_len += take;
		d += take;
		len -= take;
		size_t off = 0;
		while (sd->hs_len - off >= 4) {
			const uint8_t *m = sd->hs + off;
			size_t ml = ((size_t)m[1] << 16) | ((size_t)m[2] << 8) | m[3];
			if (4 + ml > TLS_HS_MAX) {
				/* oversized: drop it, counting */
				s->oversized++;
				size_t have = sd->hs_len - off - 4;
				sd->hs_skip = ml - have;
				off = sd->hs_len;
				break;
			}
			if (sd->hs_len - off < 4 + ml)
				break;
			struct rd body = rd_make(m + 4, ml);
			if (m[0] == 1 && dir == APP_TO_SERVER && !s->client_hello_seen)
				client_hello(s, ctx, body);
			else if (m[0] == 2 && dir == APP_TO_CLIENT && !s->server_hello_seen)
				server_hello(s, ctx, body);
			else if (m[0] == 11 && dir == APP_TO_CLIENT)
				certificate(s, ctx, body);
			off += 4 + ml;
		}
		memmove(sd->hs, sd->hs + off, sd->hs_len - off);
		sd->hs_len -= off;
		if (sd->hs_skip && len) {
			size_t k = MM_MIN(sd->hs_skip, len);
			sd->hs_skip -= k;
			d += k;
			len -= k;
		}
	}
	return 0;
}

static int record(struct tls_sess *s, struct app_ctx *ctx, enum app_dir dir, const uint8_t *rec,
		  size_t len)
{
	struct tls_side *sd = &s->side[dir];
	uint8_t type = rec[0];
	const uint8_t *body = rec + 5;
	switch (type) {
	case 20:	/* change_cipher_spec */
		if (s->version != 0x0304)
			sd->encrypted = true;
		return 0;
	case 22:
		if (sd->encrypted)
			return 0;
		return handshake_bytes(s, ctx, dir, body, len);
	case 23:
		/* TLS 1.3 keeps a fake CCS; application data means encryption */
		sd->encrypted = true;
		sd->app_records++;
		sd->app_bytes += len;
		return 0;
	case 21:
	case 24:
		return 0;
	default:
		return MM_ECORRUPT;
	}
}

static int finish_record(struct tls_sess *s, struct app_ctx *ctx, enum app_dir dir,
			 const uint8_t *rec, size_t rl)
{
	struct tls_side *sd = &s->side[dir];
	int rc = record(s, ctx, dir, rec, rl);
	if (rc) {
		sd->dead = true;
		return s->client_hello_seen || s->server_hello_seen ? 0 : rc;
	}
	return 0;
}

static bool header_ok(const uint8_t *h, size_t *rl)
{
	*rl = ((size_t)h[3] << 8) | h[4];
	return h[1] == 3 && *rl <= TLS_RECORD_MAX;
}

static int tls_data(void *sv, struct app_ctx *ctx, enum app_dir dir, const uint8_t *data,
		    size_t len)
{
	struct tls_sess *s = sv;
	struct tls_side *sd = &s->side[dir];
	size_t rl;
	while (len && !sd->dead) {
		if (sd->rec_len == 0 && len >= 5) {
			/* whole records straight from the segment, no copy */
			if (!header_ok(data, &rl)) {
				sd->dead = true;
				return s->client_hello_seen || s->server_hello_seen ? 0 : MM_ECORRUPT;
			}
			if (len >= 5 + rl) {
				int rc = finish_record(s, ctx, dir, data, rl);
				if (rc)
					return rc;
				data += 5 + rl;
				len -= 5 + rl;
				continue;
			}
		}
		if (!sd->rec) {
			sd->rec = malloc(5 + TLS_RECORD_MAX);
			if (!sd->rec)
				return MM_ENOMEM;
		}
		size_t need = sd->rec_len < 5 ? 5 - sd->rec_len : 0;
		if (!need) {
			header_ok(sd->rec, &rl);
			need = 5 + rl - sd->rec_len;
		}
		size_t take = MM_MIN(need, len);
		memcpy(sd->rec + sd->rec_len, data, take);
		sd->rec_len += take;
		data += take;
		len -= take;
		if (sd->rec_len < 5)
			continue;
		if (!header_ok(sd->rec, &rl)) {
			sd->dead = true;
			return s->client_hello_seen || s->server_hello_seen ? 0 : MM_ECORRUPT;
		}
		if (sd->rec_len == 5 + rl) {
			sd->rec_len = 0;
			int rc = finish_record(s, ctx, dir, sd->rec, rl);
			if (rc)
				return rc;
		}
	}
	return 0;
}

static int tls_gap(void *sv, struct app_ctx *ctx, enum app_dir dir, uint64_t len)
{
	struct tls_sess *s = sv;
	(void)ctx;
	(void)len;
	/* record boundaries are lost: that direction is done */
	s->side[dir].dead = true;
	return 0;
}

static void tls_close(void *s, struct app_ctx *ctx)
{
	(void)s;
	(void)ctx;
}

const struct app_parser app_parser_tls = {
	.name = "tls",
	.proto = NET_PROTO_TCP,
	.udp_too = false,
	.probe = tls_probe,
	.session_new = tls_new,
	.session_free = tls_free,
	.data = tls_data,
	.gap = tls_gap,
	.close = tls_close,
};
