/*
 * app_rdp.c — RDP connection setup: TPKT (RFC 1006) + X.224 Connection
 * Request / Confirm ([MS-RDPBCGR] 2.2.1.1-2.2.1.2), the "Cookie:
 * mstshash=" user name, the routing token, and the negotiation request
 * (requested protocols) and response (selected protocol) or failure.
 *
 * Everything after the Connection Confirm is TLS / CredSSP or encrypted
 * RDP, so the outcome of a login is not visible. What is: how long the
 * connection lasted and how much the server sent. A connection the server
 * ends within RDP_SHORT_US having sent under RDP_SESSION_BYTES is reported
 * as an attempt (NET_AUTH_ATTEMPT, with the cookie's user name); a longer
 * or bigger one as a session (NET_AUTH_SUCCESS). Many short connections
 * from one source is what RDP password guessing looks like.
 *
 * Probe: a TPKT header (version 3) carrying an X.224 CR (client) or CC
 * (server) whose length indicator matches and whose variable part is
 * empty, a cookie, a routing token or an RDP negotiation structure (so the
 * TSAP parameters of other ISO-on-TCP protocols do not match).
 *
 * Threading: one session per flow, one thread.
 */
#include "core/compat.h"
#include "net/internal.h"

#define RDP_PDU_MAX 1024
#define RDP_USER_MAX 64
#define RDP_SHORT_US (30 * 1000000LL)
#define RDP_SESSION_BYTES (64 * 1024)

struct rdp_sess {
	uint8_t pdu[2][RDP_PDU_MAX];
	size_t len[2];
	bool done[2];		/* the first PDU of that direction was parsed */
	char cookie[RDP_USER_MAX];
	size_t cookie_len;
	bool has_req, has_rsp, neg_failure;
	uint32_t requested, selected, failure_code;
	int64_t start_us, last_us;	/* first and last data seen */
	uint64_t last_frame;
	uint64_t bytes[2];
	uint64_t cr_frame;
};

static bool x224_plausible(const uint8_t *d, size_t len, uint8_t code)
{
	/* TPKT 03 00 len16, X.224 LI code dst(2) src(2) class */
	if (len < 11 || d[0] != 3 || d[1] != 0)
		return false;
	size_t tl = ((size_t)d[2] << 8) | d[3];
	if (tl < 11 || tl > RDP_PDU_MAX || d[4] != tl - 5 || (d[5] & 0xf0) != code)
		return false;
	if (len < tl)
		return true;	/* judged on the fixed part */
	const uint8_t *v = d + 11;
	size_t vl = tl - 11;
	if (!vl)
		return true;
	if (vl >= 8 && (!memcmp(v, "Cookie: ", 8)))
		return true;
	/* negotiation structure: type 1/2/3, length 8 */
	return vl >= 8 && v[0] >= 1 && v[0] <= 3 && v[2] == 8 && v[3] == 0;
}

static int rdp_probe(const uint8_t *d, size_t len, enum app_dir dir, const struct net_flow_info *f)
{
	(void)f;
	if (len < 11) {
		static const uint8_t pre[2] = { 3, 0 };
		return memcmp(d, pre, MM_MIN(len, (size_t)2)) ? APP_PROBE_NO : APP_PROBE_MAYBE;
	}
	return x224_plausible(d, len, dir == APP_TO_SERVER ? 0xe0 : 0xd0) ? APP_PROBE_YES
									 : APP_PROBE_NO;
}

static void *rdp_new(const struct app_ctx *ctx)
{
	struct rdp_sess *s = calloc(1, sizeof(*s));
	if (s)
		s->start_us = ctx->ts_us;
	return s;
}

static void rdp_free(void *s)
{
	free(s);
}

static void parse_cr(struct rdp_sess *s, const uint8_t *v, size_t vl)
{
	if (vl >= 17 && !memcmp(v, "Cookie: mstshash=", 17)) {
		size_t i = 17;
		while (i < vl && v[i] != '\r' && v[i] != '\n')
			i++;
		s->cookie_len = MM_MIN(i - 17, (size_t)RDP_USER_MAX - 1);
		memcpy(s->cookie, v + 17, s->cookie_len);
		s->cookie[s->cookie_len] = 0;
	}
	/* the cookie or routing token ends with CR LF */
	size_t off = 0;
	if (vl >= 8 && !memcmp(v, "Cookie: ", 8)) {
		const uint8_t *e = NULL;
		for (size_t i = 0; i + 1 < vl; i++)
			if (v[i] == '\r' && v[i + 1] == '\n') {
				e = v + i + 2;
				break;
			}
		if (!e)
			return;
		off = (size_t)(e - v);
	}
	if (vl - off >= 8 && v[off] == 1 && v[off + 2] == 8) {
		s->has_req = true;
		s->requested = get_le32(v, vl, off + 4);
	}
}

static void parse_cc(struct rdp_sess *s, const uint8_t *v, size_t vl)
{
	if (vl < 8 || v[2] != 8)
		return;
	if (v[0] == 2) {
		s->has_rsp = true;
		s->selected = get_le32(v, vl, 4);
	} else if (v[0] == 3) {
		s->neg_failure = true;
		s->failure_code = get_le32(v, vl, 4);
	}
}

static int rdp_data(void *sv, struct app_ctx *ctx, enum app_dir dir, const uint8_t *d, size_t len)
{
	struct rdp_sess *s = sv;
	s->bytes[dir] += len;
	s->last_us = ctx->ts_us;
	s->last_frame = ctx->frame;
	if (s->done[dir])
		return 0;
	size_t take = MM_MIN(len, RDP_PDU_MAX - s->len[dir]);
	memcpy(s->pdu[dir] + s->len[dir], d, take);
	s->len[dir] += take;
	const uint8_t *p = s->pdu[dir];
	if (s->len[dir] < 4)
		return 0;
	size_t tl = ((size_t)p[2] << 8) | p[3];
	if (p[0] != 3 || tl < 11 || tl > RDP_PDU_MAX) {
		s->done[dir] = true;
		return 0;
	}
	if (s->len[dir] < tl)
		return 0;
	s->done[dir] = true;
	if (dir == APP_TO_SERVER && (p[5] & 0xf0) == 0xe0) {
		s->cr_frame = ctx->frame;
		parse_cr(s, p + 11, tl - 11);
	} else if (dir == APP_TO_CLIENT && (p[5] & 0xf0) == 0xd0) {
		parse_cc(s, p + 11, tl - 11);
	}
	return 0;
}

static int rdp_gap(void *sv, struct app_ctx *ctx, enum app_dir dir, uint64_t len)
{
	struct rdp_sess *s = sv;
	(void)ctx;
	s->done[dir] = true;
	s->bytes[dir] += len;
	return 0;
}

static const char *proto_name(uint32_t p)
{
	switch (p) {
	case 0:
		return "rdp";
	case 1:
		return "ssl";
	case 2:
		return "hybrid";
	case 4:
		return "rdstls";
	case 8:
		return "hybrid_ex";
	default:
		return "other";
	}
}

static void rdp_close(void *sv, struct app_ctx *ctx)
{
	struct rdp_sess *s = sv;
	if (!s->cr_frame)
		return;
	bool session = s->last_us - s->start_us > RDP_SHORT_US ||
		       s->bytes[APP_TO_CLIENT] > RDP_SESSION_BYTES;
	/* the outcome is dated by the connection's last data, not by when
	 * the flow table let it go */
	struct app_ctx at = *ctx;
	at.ts_us = s->last_us;
	at.frame = s->last_frame;
	net_auth_report(&at, "rdp", session ? NET_AUTH_SUCCESS : NET_AUTH_ATTEMPT,
			s->cookie_len ? s->cookie : NULL, s->cookie_len);
	struct mm_buf b;
	struct mm_json j;
	mm_buf_init(&b, 8192);
	mm_json_init(&j, &b);
	mm_json_object_begin(&j, NULL);
	if (s->cookie_len)
		mm_json_strn(&j, "cookie", s->cookie, s->cookie_len);
	if (s->has_req)
		mm_json_uint(&j, "requested_protocols", s->requested);
	if (s->has_rsp)
		mm_json_str(&j, "selected_protocol", proto_name(s->selected));
	if (s->neg_failure)
		mm_json_uint(&j, "negotiation_failure", s->failure_code);
	mm_json_str(&j, "outcome", session ? "session" : "short connection");
	mm_json_uint(&j, "server_bytes", s->bytes[APP_TO_CLIENT]);
	mm_json_uint(&j, "frame", s->cr_frame);
	mm_json_object_end(&j);
	if (mm_json_finish(&j) == 0)
		net_log_record(ctx, "rdp", b.ptr, b.len);
	mm_buf_release(&b);
}

const struct app_parser app_parser_rdp = {
	.name = "rdp",
	.proto = NET_PROTO_TCP,
	.udp_too = false,
	.probe = rdp_probe,
	.session_new = rdp_new,
	.session_free = rdp_free,
	.data = rdp_data,
	.gap = rdp_gap,
	.close = rdp_close,
};
