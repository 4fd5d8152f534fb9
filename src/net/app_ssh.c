/*
 * app_ssh.c — SSH-2: identification banners, the cleartext key exchange
 * (KEXINIT name lists -> HASSH fingerprints), then the sizes of the
 * encrypted packets, from which authentication outcomes are inferred.
 *
 * Banners: "SSH-protoversion-softwareversion [comments]" (RFC 4253 4.2),
 * other lines before it are allowed (up to SSH_PRE_LINES); each banner is
 * a tx with ssh.proto and ssh.software. Binary packets are parsed in the
 * clear until each side's NEWKEYS; packet lengths over SSH_PACKET_MAX end
 * the parse of that side.
 *
 * Authentication inference (the payload is encrypted, so this is a
 * heuristic and is labelled as one in the alert): after NEWKEYS the client's
 * first packet is the service request and the server's first the accept.
 * Each later client packet is an authentication request; the server's
 * first reply to one sets the size F of a USERAUTH_FAILURE (it carries the
 * list of methods, so every failure of the connection has that size). A
 * reply of size F is a failure; a shorter reply is USERAUTH_SUCCESS. A
 * first request clearly smaller than the second is the "none" method probe
 * most clients send, and its failure is not counted. A connection that
 * goes on past SSH_SESSION_PKTS encrypted packets or SSH_SESSION_BYTES
 * from the server without a recognised success is taken as a successful
 * login (an interactive session). Outcomes go to net_auth_report(ctx,
 * "ssh", ...) with no user name (it is encrypted): a success at once, the
 * failures (with their own times and frames) when the connection ends
 * without a success, so that a user who mistypes and then logs in, or a
 * client offering several keys, is not counted as guessing.
 *
 * Threading: one session per flow, one thread.
 */
#include "core/compat.h"
#include "net/internal.h"

#define SSH_LINE_MAX 256
#define SSH_PRE_LINES 16
#define SSH_PACKET_MAX 35000
#define SSH_KEX_MAX 4096
#define SSH_SESSION_PKTS 40
#define SSH_SESSION_BYTES 4096
#define SSH_MAX_FAILS 16

enum ssh_phase { PH_BANNER, PH_CLEAR, PH_ENCRYPTED, PH_DEAD };

struct ssh_side {
	enum ssh_phase phase;
	char line[SSH_LINE_MAX];
	size_t line_len;
	unsigned pre_lines;
	char banner[SSH_LINE_MAX];
	uint8_t *pkt;		/* cleartext packet being assembled */
	size_t pkt_len, pkt_need;
	char hassh_in[SSH_KEX_MAX];
	char hassh[33];
	uint64_t enc_pkts, enc_bytes;
};

struct ssh_sess {
	struct ssh_side side[2];
	/* inference */
	uint32_t fail_size;		/* F: size of a failure reply, 0 unknown */
	uint32_t first_req, second_req;
	uint32_t last_req;
	bool first_fail_pending;	/* decided when the second request comes */
	bool success;
	unsigned fails;
	int64_t fail_ts[SSH_MAX_FAILS];
	uint64_t fail_frame[SSH_MAX_FAILS];
	int64_t last_us;	/* last data seen, to date a failure decided at close */
	uint64_t last_frame;
};

static int ssh_probe(const uint8_t *d, size_t len, enum app_dir dir, const struct net_flow_info *f)
{
	(void)dir;
	(void)f;
	static const char m[] = "SSH-";
	size_t n = MM_MIN(len, (size_t)4);
	if (memcmp(d, m, n))
		return APP_PROBE_NO;
	return len >= 4 ? APP_PROBE_YES : APP_PROBE_MAYBE;
}

static void *ssh_new(const struct app_ctx *ctx)
{
	(void)ctx;
	return calloc(1, sizeof(struct ssh_sess));
}

static void ssh_free(void *sv)
{
	struct ssh_sess *s = sv;
	if (!s)
		return;
	free(s->side[0].pkt);
	free(s->side[1].pkt);
	free(s);
}

static void banner_tx(struct app_ctx *ctx, enum app_dir dir, const char *b, size_t n)
{
	/* "SSH-" proto "-" software [" " comments] */
	const char *p = b + 4;
	const char *end = b + n;
	const char *dash = memchr(p, '-', (size_t)(end - p));
	struct net_tx tx;
	memset(&tx, 0, sizeof(tx));
	tx.app_proto = "ssh";
	tx.dir = dir;
	tx.frame = ctx->frame;
	if (dash) {
		const char *sw = dash + 1;
		const char *sp = memchr(sw, ' ', (size_t)(end - sw));
		tx.buf[NET_BUF_SSH_PROTO].ptr = (const uint8_t *)p;
		tx.buf[NET_BUF_SSH_PROTO].len = (size_t)(dash - p);
		tx.buf[NET_BUF_SSH_SOFTWARE].ptr = (const uint8_t *)sw;
		tx.buf[NET_BUF_SSH_SOFTWARE].len = (size_t)((sp ? sp : end) - sw);
	}
	net_inspect_tx(ctx, &tx);
}

/* A name-list of a KEXINIT: appends it to out (with sep first). */
static bool namelist(struct rd *r, char *out, size_t cap, size_t *n, const char *sep, bool keep)
{
	uint32_t l;
	if (!rd_be32(r, &l) || rd_left(r) < l)
		return false;
	if (keep) {
		size_t add = strlen(sep) + l;
		if (*n + add + 1 < cap) {
			memcpy(out + *n, sep, strlen(sep));
			*n += strlen(sep);
			memcpy(out + *n, r->p, l);
			*n += l;
			out[*n] = 0;
		}
	}
	r->p += l;
	return true;
}

/* KEXINIT payload (after the message code): HASSH input is
 * kex;enc;mac;comp of the sender's direction. */
static void kexinit(struct ssh_side *sd, enum app_dir dir, const uint8_t *p, size_t len)
{
	struct rd r = rd_make(p, len);
	char tmp[SSH_KEX_MAX];
	size_t n = 0;
	bool c2s = dir == APP_TO_SERVER;
	tmp[0] = 0;
	if (!rd_skip(&r, 16))
		return;
	/* kex, hostkey, enc c2s, enc s2c, mac c2s, mac s2c, comp c2s, comp s2c */
	bool ok = namelist(&r, tmp, sizeof(tmp), &n, "", true) &&
		  namelist(&r, tmp, sizeof(tmp), &n, "", false) &&
		  namelist(&r, tmp, sizeof(tmp), &n, ";", c2s) &&
		  namelist(&r, tmp, sizeof(tmp), &n, ";", !c2s) &&
		  namelist(&r, tmp, sizeof(tmp), &n, ";", c2s) &&
		  namelist(&r, tmp, sizeof(tmp), &n, ";", !c2s) &&
		  namelist(&r, tmp, sizeof(tmp), &n, ";", c2s) &&
		  namelist(&r, tmp, sizeof(tmp), &n, ";", !c2s);
	if (!ok)
		return;
	uint8_t md[16];
	snprintf(sd->hassh_in, sizeof(sd->hassh_in), "%s", tmp);
	mm_md5(tmp, n, md);
	mm_hex(md, 16, sd->hassh);
}

/* Failures are held until the connection ends: a connection that logs in
 * after them (a typo, keys offered one by one) reports only its success. */
static void report_fail(struct ssh_sess *s, struct app_ctx *ctx)
{
	if (s->fails >= SSH_MAX_FAILS)
		return;
	s->fail_ts[s->fails] = ctx->ts_us;
	s->fail_frame[s->fails] = ctx->frame;
	s->fails++;
}

/* One encrypted packet (as delivered) of size sz in dir. */
static void encrypted(struct ssh_sess *s, struct app_ctx *ctx, enum app_dir dir, size_t sz)
{
	struct ssh_side *sd = &s->side[dir];
	sd->enc_pkts++;
	sd->enc_bytes += sz;
	if (s->success)
		return;
	if (dir == APP_TO_SERVER) {
		if (sd->enc_pkts == 1)
			return;	/* service request */
		s->last_req = (uint32_t)sz;
		if (!s->first_req) {
			s->first_req = (uint32_t)sz;
		} else if (!s->second_req) {
			s->second_req = (uint32_t)sz;
			if (s->first_fail_pending) {
				s->first_fail_pending = false;
				/* the "none" probe is clearly shorter than a real try */
				if (s->first_req + 16 > s->second_req)
					report_fail(s, ctx);
			}
		}
	} else {
		if (sd->enc_pkts == 1 || !s->last_req)
			goto session;	/* service accept, or a reply to nothing */
		if (!s->fail_size) {
			s->fail_size = (uint32_t)sz;
			s->first_fail_pending = true;
		} else if (sz == s->fail_size) {
			report_fail(s, ctx);
		} else if (sz < s->fail_size) {
			s->success = true;
			net_auth_report(ctx, "ssh", NET_AUTH_SUCCESS, NULL, 0);
			return;
		}
		s->last_req = 0;
	}
session:
	if (!s->success && (s->side[0].enc_pkts + s->side[1].enc_pkts > SSH_SESSION_PKTS ||
			    s->side[1].enc_bytes > SSH_SESSION_BYTES)) {
		s->success = true;
		s->first_fail_pending = false;
		net_auth_report(ctx, "ssh", NET_AUTH_SUCCESS, NULL, 0);
	}
}

/* Cleartext binary packets; returns bytes consumed. */
static size_t clear_bytes(struct ssh_sess *s, struct app_ctx *ctx, enum app_dir dir,
			  const uint8_t *d, size_t len)
{
	struct ssh_side *sd = &s->side[dir];
	size_t used = 0;
	(void)ctx;
	while (used < len && sd->phase == PH_CLEAR) {
		if (!sd->pkt) {
			sd->pkt = malloc(4 + SSH_PACKET_MAX);
			if (!sd->pkt) {
				sd->phase = PH_DEAD;
				return len;
			}
		}
		size_t need = sd->pkt_len < 4 ? 4 - sd->pkt_len : sd->pkt_need - sd->pkt_len;
		size_t take = MM_MIN(need, len - used);
		memcpy(sd->pkt + sd->pkt_len, d + used, take);
		sd->pkt_len += take;
		used += take;
		if (sd->pkt_len == 4) {
			uint32_t pl = ((uint32_t)sd->pkt[0] << 24) | ((uint32_t)sd->pkt[1] << 16) |
				      ((uint32_t)sd->pkt[2] << 8) | sd->pkt[3];
			if (pl < 5 || pl > SSH_PACKET_MAX) {
				sd->phase = PH_DEAD;
				return len;
			}
			sd->pkt_need = 4 + pl;
			continue;
		}
		if (sd->pkt_len < 4 || sd->pkt_len < sd->pkt_need)
			continue;
		uint8_t pad = sd->pkt[4];
		size_t plen = sd->pkt_need - 5;
		uint8_t code = sd->pkt[5];
		if (pad < plen) {
			if (code == 20)
				kexinit(sd, dir, sd->pkt + 6, plen - pad - 1);
			else if (code == 21)
				sd->phase = PH_ENCRYPTED;
		}
		sd->pkt_len = 0;
		sd->pkt_need = 0;
	}
	return used;
}

static void banner_line(struct ssh_sess *s, struct app_ctx *ctx, enum app_dir dir)
{
	struct ssh_side *sd = &s->side[dir];
	size_t n = sd->line_len;
	if (n && sd->line[n - 1] == '\r')
		n--;
	sd->line[n] = 0;
	if (n >= 4 && !memcmp(sd->line, "SSH-", 4)) {
		memcpy(sd->banner, sd->line, n + 1);
		banner_tx(ctx, dir, sd->line, n);
		sd->phase = PH_CLEAR;
	} else if (++sd->pre_lines > SSH_PRE_LINES) {
		sd->phase = PH_DEAD;
	}
	sd->line_len = 0;
}

static int ssh_data(void *sv, struct app_ctx *ctx, enum app_dir dir, const uint8_t *d,
		    size_t len)
{
	struct ssh_sess *s = sv;
	struct ssh_side *sd = &s->side[dir];
	s->last_us = ctx->ts_us;
	s->last_frame = ctx->frame;
	while (len) {
		switch (sd->phase) {
		case PH_BANNER: {
			const uint8_t *nl = memchr(d, '\n', len);
			size_t take = nl ? (size_t)(nl - d) + 1 : len;
			size_t keep = MM_MIN(take, SSH_LINE_MAX - 1 - sd->line_len);
			memcpy(sd->line + sd->line_len, d, keep);
			sd->line_len += keep;
			if (nl) {
				if (keep == take)
					sd->line_len--;	/* the '\n' */
				banner_line(s, ctx, dir);
			}
			d += take;
			len -= take;
			break;
		}
		case PH_CLEAR: {
			size_t u = clear_bytes(s, ctx, dir, d, len);
			d += u;
			len -= u;
			break;
		}
		case PH_ENCRYPTED:
			encrypted(s, ctx, dir, len);
			return 0;
		case PH_DEAD:
		default:
			return 0;
		}
	}
	return 0;
}

static int ssh_gap(void *sv, struct app_ctx *ctx, enum app_dir dir, uint64_t len)
{
	struct ssh_sess *s = sv;
	(void)ctx;
	(void)len;
	/* sizes after a hole mean nothing; keep what was inferred */
	s->side[dir].phase = PH_DEAD;
	return 0;
}

static void ssh_close(void *sv, struct app_ctx *ctx)
{
	struct ssh_sess *s = sv;
	struct app_ctx at = *ctx;
	if (s->first_fail_pending && !s->success) {
		at.ts_us = s->last_us;
		at.frame = s->last_frame;
		s->first_fail_pending = false;
		report_fail(s, &at);
	}
	for (unsigned i = 0; i < s->fails && !s->success; i++) {
		at.ts_us = s->fail_ts[i];
		at.frame = s->fail_frame[i];
		net_auth_report(&at, "ssh", NET_AUTH_FAILURE, NULL, 0);
	}
	struct mm_buf b;
	struct mm_json j;
	mm_buf_init(&b, 32768);
	mm_json_init(&j, &b);
	mm_json_object_begin(&j, NULL);
	if (s->side[0].banner[0])
		mm_json_str(&j, "client", s->side[0].banner);
	if (s->side[1].banner[0])
		mm_json_str(&j, "server", s->side[1].banner);
	if (s->side[0].hassh[0])
		mm_json_str(&j, "hassh", s->side[0].hassh);
	if (s->side[1].hassh[0])
		mm_json_str(&j, "hassh_server", s->side[1].hassh);
	mm_json_str(&j, "auth", s->success ? "success (inferred)" :
				 s->fails ? "failure (inferred)" : "unknown");
	mm_json_uint(&j, "failures_inferred", s->fails);
	mm_json_uint(&j, "client_encrypted_packets", s->side[0].enc_pkts);
	mm_json_uint(&j, "server_encrypted_packets", s->side[1].enc_pkts);
	mm_json_uint(&j, "frame", ctx->frame);
	mm_json_object_end(&j);
	if (mm_json_finish(&j) == 0)
		net_log_record(ctx, "ssh", b.ptr, b.len);
	mm_buf_release(&b);
}

const struct app_parser app_parser_ssh = {
	.name = "ssh",
	.proto = NET_PROTO_TCP,
	.udp_too = false,
	.probe = ssh_probe,
	.session_new = ssh_new,
	.session_free = ssh_free,
	.data = ssh_data,
	.gap = ssh_gap,
	.close = ssh_close,
};
