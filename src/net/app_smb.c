/*
 * app_smb.c — SMB1 and SMB2/3 over NetBIOS session framing (TCP 139/445,
 * found by content: a session message whose payload starts with
 * 0xFF/0xFE/0xFD 'SMB', or a NetBIOS session request).
 *
 * Framing: 4-byte NetBIOS header (type, 24-bit length), several messages
 * per segment and messages split over segments. A message is handed over
 * straight from the stream when it arrives whole in one chunk; otherwise
 * it is collected, up to SMB_MSG_KEEP bytes (the rest is counted and
 * skipped, the message is handed over truncated). After a gap the parser
 * looks for the next frame that starts with an SMB signature.
 *
 * SMB1: header fields (command, status, flags, TID/PID/UID/MID), the
 * parameter words and bytes, Trans / Trans2 / NT Trans requests and their
 * secondaries (counts, offsets, displacements, subcommand/function,
 * timeout) -> the MS17-010 detector; SESSION_SETUP_ANDX with NTLMSSP (or
 * the plain account name) paired with its response by MID -> logins.
 * SMB2/3: every message of a compound, negotiate, SESSION_SETUP with
 * NTLMSSP AUTHENTICATE paired with its response by MessageId; failures
 * (STATUS_LOGON_FAILURE and the STATUS_ACCOUNT_* family) and successes go
 * to net_auth_report(ctx, "smb", ...); TREE_CONNECT paths go to the log.
 *
 * Threading: one session per flow, one thread.
 */
#include "core/compat.h"
#include "net/smb.h"

#define AUTH_PENDING_MAX 16
#define BAD_FRAMES_MAX 8

struct auth_pending {
	uint64_t id;		/* SMB1 MID or SMB2 MessageId */
	uint8_t ver;
	char user[128];
	size_t user_len;
	char domain[64];
};

struct smb_dir {
	uint8_t hdr[4];
	uint8_t hdr_have;
	bool in_msg;
	bool parse;		/* a session message (type 0) */
	uint32_t msg_len;
	uint32_t need;		/* bytes of the current message still to come */
	struct mm_buf keep;
	bool resync;
	uint32_t bad;
	uint64_t frame_first;
};

struct smb_sess {
	struct smb_dir d[2];
	struct auth_pending auth[AUTH_PENDING_MAX];
	size_t nauth;
	struct ms17010_flow *ms;
	uint64_t msgs;
	uint64_t truncated;
	uint8_t dialect_seen;	/* 1 or 2 */
};

static bool smb_magic(const uint8_t *p, size_t len)
{
	return len >= 4 && (p[0] == 0xff || p[0] == 0xfe || p[0] == 0xfd) && p[1] == 'S' &&
	       p[2] == 'M' && p[3] == 'B';
}

static int smb_probe(const uint8_t *data, size_t len, enum app_dir dir,
		     const struct net_flow_info *f)
{
	(void)dir;
	(void)f;
	if (len == 0)
		return APP_PROBE_MAYBE;
	if (data[0] == 0x00) {
		if (len < 8)
			return APP_PROBE_MAYBE;
		return smb_magic(data + 4, len - 4) ? APP_PROBE_YES : APP_PROBE_NO;
	}
	/* NetBIOS session request / positive response (port 139) */
	if (data[0] == 0x81 || data[0] == 0x82) {
		if (len < 4)
			return APP_PROBE_MAYBE;
		uint32_t l = ((uint32_t)data[1] << 16) | ((uint32_t)data[2] << 8) | data[3];
		if (data[0] == 0x82)
			return l == 0 ? APP_PROBE_YES : APP_PROBE_NO;
		return (l >= 68 && l <= 80) ? APP_PROBE_YES : APP_PROBE_NO;
	}
	return APP_PROBE_NO;
}

static void *smb_session_new(const struct app_ctx *ctx)
{
	(void)ctx;
	struct smb_sess *s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	for (int i = 0; i < 2; i++)
		mm_buf_init(&s->d[i].keep, SMB_MSG_KEEP + 1);
	return s;
}

static void smb_session_free(void *v)
{
	struct smb_sess *s = v;
	if (!s)
		return;
	for (int i = 0; i < 2; i++)
		mm_buf_release(&s->d[i].keep);
	ms17010_free(s->ms);
	free(s);
}

/* ---- NTLMSSP ---- */

/* UTF-16LE to UTF-8 (BMP only; others become '?'). */
static size_t utf16_to_utf8(const uint8_t *in, size_t len, char *out, size_t cap)
{
	size_t o = 0;
	for (size_t i = 0; i + 1 < len && o + 4 < cap; i += 2) {
		unsigned c = in[i] | (in[i + 1] << 8);
		if (c >= 0xd800 && c <= 0xdfff)
			c = '?';
		if (c < 0x80) {
			out[o++] = (char)c;
		} else if (c < 0x800) {
			out[o++] = (char)(0xc0 | (c >> 6));
			out[o++] = (char)(0x80 | (c & 0x3f));
		} else {
			out[o++] = (char)(0xe0 | (c >> 12));
			out[o++] = (char)(0x80 | ((c >> 6) & 0x3f));
			out[o++] = (char)(0x80 | (c & 0x3f));
		}
	}
	out[o] = 0;
	return o;
}

/* Finds an NTLMSSP AUTHENTICATE message in a security blob; fills the
 * user and domain. Returns true if one was found. */
static bool ntlmssp_auth_user(const uint8_t *blob, size_t len, struct auth_pending *a)
{
	static const uint8_t sig[8] = { 'N', 'T', 'L', 'M', 'S', 'S', 'P', 0 };
	for (size_t i = 0; i + 64 <= len; i++) {
		if (blob[i] != 'N' || memcmp(blob + i, sig, 8))
			continue;
		const uint8_t *m = blob + i;
		size_t ml = len - i;
		if (get_le32(m, ml, 8) != 3)
			return false;
		uint32_t flags = get_le32(m, ml, 60);
		bool unicode = (flags & 1) != 0;
		uint16_t ulen = get_le16(m, ml, 36);
		uint32_t uoff = get_le32(m, ml, 40);
		uint16_t dlen = get_le16(m, ml, 28);
		uint32_t doff = get_le32(m, ml, 32);
		a->user_len = 0;
		a->user[0] = 0;
		a->domain[0] = 0;
		if (ulen && (size_t)uoff + ulen <= ml) {
			if (unicode) {
				a->user_len = utf16_to_utf8(m + uoff, ulen, a->user, sizeof(a->user));
			} else {
				a->user_len = MM_MIN((size_t)ulen, sizeof(a->user) - 1);
				memcpy(a->user, m + uoff, a->user_len);
				a->user[a->user_len] = 0;
			}
		}
		if (dlen && (size_t)doff + dlen <= ml) {
			if (unicode)
				utf16_to_utf8(m + doff, dlen, a->domain, sizeof(a->domain));
			else {
				size_t n = MM_MIN((size_t)dlen, sizeof(a->domain) - 1);
				memcpy(a->domain, m + doff, n);
				a->domain[n] = 0;
			}
		}
		return true;
	}
	return false;
}

static void auth_push(struct smb_sess *s, const struct auth_pending *a)
{
	if (s->nauth == AUTH_PENDING_MAX) {
		memmove(&s->auth[0], &s->auth[1], (AUTH_PENDING_MAX - 1) * sizeof(s->auth[0]));
		s->nauth--;
	}
	s->auth[s->nauth++] = *a;
}

static bool is_logon_failure(uint32_t st)
{
	switch (st) {
	case 0xc000006d: /* LOGON_FAILURE */
	case 0xc000006a: /* WRONG_PASSWORD */
	case 0xc0000064: /* NO_SUCH_USER */
	case 0xc000006e: /* ACCOUNT_RESTRICTION */
	case 0xc000006f: /* INVALID_LOGON_HOURS */
	case 0xc0000070: /* INVALID_WORKSTATION */
	case 0xc0000071: /* PASSWORD_EXPIRED */
	case 0xc0000072: /* ACCOUNT_DISABLED */
	case 0xc0000193: /* ACCOUNT_EXPIRED */
	case 0xc0000224: /* PASSWORD_MUST_CHANGE */
	case 0xc0000234: /* ACCOUNT_LOCKED_OUT */
	case 0xc000015b: /* LOGON_TYPE_NOT_GRANTED */
		return true;
	default:
		return false;
	}
}

static void log_auth(struct app_ctx *ctx, const struct auth_pending *a, uint32_t status)
{
	if (!ctx->scan || !mm_scan_wants_record(ctx->scan, "smb"))
		return;
	struct mm_buf b;
	struct mm_json j;
	char ts[MM_TIME_STR];
	char st[16];
	mm_buf_init(&b, 4096);
	mm_json_init(&j, &b);
	mm_json_object_begin(&j, NULL);
	mm_time_format(ctx->ts_us, ts);
	mm_json_str(&j, "@timestamp", ts);
	mm_json_str(&j, "community_id", ctx->info->community_id);
	mm_json_str(&j, "src_ip", ctx->info->src_ip);
	mm_json_str(&j, "dest_ip", ctx->info->dst_ip);
	mm_json_int(&j, "smb_version", a->ver);
	mm_json_str(&j, "command", "session_setup");
	mm_json_strn(&j, "user", a->user, a->user_len);
	if (a->domain[0])
		mm_json_str(&j, "domain", a->domain);
	snprintf(st, sizeof(st), "0x%08x", status);
	mm_json_str(&j, "status", st);
	mm_json_uint(&j, "frame", ctx->frame);
	mm_json_object_end(&j);
	if (mm_json_finish(&j) == 0)
		net_log_record(ctx, "smb", b.ptr, b.len);
	mm_buf_release(&b);
}

static void log_tree(struct app_ctx *ctx, uint8_t ver, const char *path)
{
	if (!ctx->scan || !mm_scan_wants_record(ctx->scan, "smb"))
		return;
	struct mm_buf b;
	struct mm_json j;
	char ts[MM_TIME_STR];
	mm_buf_init(&b, 4096);
	mm_json_init(&j, &b);
	mm_json_object_begin(&j, NULL);
	mm_time_format(ctx->ts_us, ts);
	mm_json_str(&j, "@timestamp", ts);
	mm_json_str(&j, "community_id", ctx->info->community_id);
	mm_json_str(&j, "src_ip", ctx->info->src_ip);
	mm_json_str(&j, "dest_ip", ctx->info->dst_ip);
	mm_json_int(&j, "smb_version", ver);
	mm_json_str(&j, "command", "tree_connect");
	mm_json_str(&j, "path", path);
	mm_json_uint(&j, "frame", ctx->frame);
	mm_json_object_end(&j);
	if (mm_json_finish(&j) == 0)
		net_log_record(ctx, "smb", b.ptr, b.len);
	mm_buf_release(&b);
}

/* A SESSION_SETUP response for request id: report the outcome. */
static void auth_outcome(struct smb_sess *s, struct app_ctx *ctx, uint8_t ver, uint64_t id,
			 uint32_t status)
{
	if (status == SMB_STATUS_MORE_PROCESSING)
		return;
	for (size_t i = 0; i < s->nauth; i++) {
		struct auth_pending *a = &s->auth[i];
		if (a->id != id || a->ver != ver)
			continue;
		log_auth(ctx, a, status);
		if (status == SMB_STATUS_SUCCESS) {
			if (a->user_len)
				net_auth_report(ctx, "smb", NET_AUTH_SUCCESS, a->user, a->user_len);
		} else if (is_logon_failure(status)) {
			net_auth_report(ctx, "smb", NET_AUTH_FAILURE, a->user, a->user_len);
		}
		memmove(&s->auth[i], &s->auth[i + 1], (s->nauth - i - 1) * sizeof(s->auth[0]));
		s->nauth--;
		return;
	}
}

/* ---- SMB1 ---- */

static void parse_trans(struct smb1_msg *m)
{
	struct smb_trans *t = &m->trans;
	const uint8_t *w = m->words;
	size_t wl = m->words_len;
	memset(t, 0, sizeof(*t));
	switch (m->cmd) {
	case SMB1_TRANS:
	case SMB1_TRANS2:
		if (m->response) {
			if (wl < 20)
				return;
			t->total_param = get_le16(w, wl, 0);
			t->total_data = get_le16(w, wl, 2);
			t->param_count = get_le16(w, wl, 6);
			t->param_off = get_le16(w, wl, 8);
			t->param_disp = get_le16(w, wl, 10);
			t->data_count = get_le16(w, wl, 12);
			t->data_off = get_le16(w, wl, 14);
			t->data_disp = get_le16(w, wl, 16);
			t->setup_count = w[18];
			t->valid = true;
			return;
		}
		if (wl < 28)
			return;
		t->total_param = get_le16(w, wl, 0);
		t->total_data = get_le16(w, wl, 2);
		t->max_data = get_le16(w, wl, 6);
		t->timeout = get_le32(w, wl, 12);
		t->param_count = get_le16(w, wl, 18);
		t->param_off = get_le16(w, wl, 20);
		t->data_count = get_le16(w, wl, 22);
		t->data_off = get_le16(w, wl, 24);
		t->setup_count = w[26];
		t->setup0 = t->setup_count ? get_le16(w, wl, 28) : 0xffff;
		t->valid = true;
		return;
	case SMB1_TRANS_SECONDARY:
	case SMB1_TRANS2_SECONDARY:
		if (wl < 16)
			return;
		t->total_param = get_le16(w, wl, 0);
		t->total_data = get_le16(w, wl, 2);
		t->param_count = get_le16(w, wl, 4);
		t->param_off = get_le16(w, wl, 6);
		t->param_disp = get_le16(w, wl, 8);
		t->data_count = get_le16(w, wl, 10);
		t->data_off = get_le16(w, wl, 12);
		t->data_disp = get_le16(w, wl, 14);
		t->valid = true;
		return;
	case SMB1_NT_TRANS:
		if (m->response || wl < 38)
			return;
		t->total_param = get_le32(w, wl, 3);
		t->total_data = get_le32(w, wl, 7);
		t->max_data = get_le32(w, wl, 15);
		t->param_count = get_le32(w, wl, 19);
		t->param_off = get_le32(w, wl, 23);
		t->data_count = get_le32(w, wl, 27);
		t->data_off = get_le32(w, wl, 31);
		t->setup_count = w[35];
		t->function = get_le16(w, wl, 36);
		t->valid = true;
		return;
	case SMB1_NT_TRANS_SECONDARY:
		if (wl < 35)
			return;
		t->total_param = get_le32(w, wl, 3);
		t->total_data = get_le32(w, wl, 7);
		t->param_count = get_le32(w, wl, 11);
		t->param_off = get_le32(w, wl, 15);
		t->param_disp = get_le32(w, wl, 19);
		t->data_count = get_le32(w, wl, 23);
		t->data_off = get_le32(w, wl, 27);
		t->data_disp = get_le32(w, wl, 31);
		t->valid = true;
		return;
	default:
		return;
	}
}

static void smb1_session_setup(struct smb_sess *s, struct app_ctx *ctx, const struct smb1_msg *m)
{
	if (m->response) {
		auth_outcome(s, ctx, 1, m->mid, m->status);
		return;
	}
	struct auth_pending a;
	memset(&a, 0, sizeof(a));
	a.ver = 1;
	a.id = m->mid;
	if (m->wct == 12) {
		/* extended security: NTLMSSP in the blob */
		uint16_t blen = get_le16(m->words, m->words_len, 14);
		size_t n = MM_MIN((size_t)blen, m->bytes_len);
		if (!ntlmssp_auth_user(m->bytes, n, &a))
			return;
	} else if (m->wct == 13) {
		uint16_t oem = get_le16(m->words, m->words_len, 14);
		uint16_t uni = get_le16(m->words, m->words_len, 16);
		size_t off = (size_t)oem + uni;
		if (off > m->bytes_len)
			return;
		bool unicode = (m->flags2 & 0x8000) != 0;
		const uint8_t *p = m->bytes + off;
		size_t left = m->bytes_len - off;
		if (unicode) {
			/* strings are 2-aligned from the header start */
			if (((size_t)(p - m->raw)) & 1) {
				if (!left)
					return;
				p++;
				left--;
			}
			size_t k = 0;
			while (k + 1 < left && (p[k] || p[k + 1]))
				k += 2;
			a.user_len = utf16_to_utf8(p, k, a.user, sizeof(a.user));
		} else {
			size_t k = 0;
			while (k < left && p[k])
				k++;
			a.user_len = MM_MIN(k, sizeof(a.user) - 1);
			memcpy(a.user, p, a.user_len);
		}
	} else {
		return;
	}
	auth_push(s, &a);
}

static void smb1_tree_connect(struct app_ctx *ctx, const struct smb1_msg *m)
{
	char path[256];
	uint16_t plen = get_le16(m->words, m->words_len, 6);
	if (plen > m->bytes_len)
		return;
	const uint8_t *p = m->bytes + plen;
	size_t left = m->bytes_len - plen;
	if (m->flags2 & 0x8000) {
		if (((size_t)(p - m->raw)) & 1) {
			if (!left)
				return;
			p++;
			left--;
		}
		size_t k = 0;
		while (k + 1 < left && (p[k] || p[k + 1]))
			k += 2;
		utf16_to_utf8(p, k, path, sizeof(path));
	} else {
		size_t k = 0;
		while (k < left && p[k] && k + 1 < sizeof(path)) {
			path[k] = (char)p[k];
			k++;
		}
		path[k] = 0;
	}
	log_tree(ctx, 1, path);
}

static void smb1_message(struct smb_sess *s, struct app_ctx *ctx, enum app_dir dir,
			 const uint8_t *p, size_t len, size_t wire_len)
{
	struct smb1_msg m;
	memset(&m, 0, sizeof(m));
	if (len < 33)
		return;
	m.dir = dir;
	m.raw = p;
	m.len = len;
	m.wire_len = wire_len;
	m.cmd = p[4];
	m.status = get_le32(p, len, 5);
	m.flags = p[9];
	m.flags2 = get_le16(p, len, 10);
	m.tid = get_le16(p, len, 24);
	m.pid = get_le16(p, len, 26);
	m.uid = get_le16(p, len, 28);
	m.mid = get_le16(p, len, 30);
	m.response = (m.flags & 0x80) != 0;
	m.wct = p[32];
	m.words = p + 33;
	m.words_len = MM_MIN((size_t)m.wct * 2, len - 33);
	size_t boff = 33 + (size_t)m.wct * 2;
	if (boff + 2 <= len) {
		m.bcc = get_le16(p, len, boff);
		m.bytes = p + boff + 2;
		m.bytes_len = MM_MIN((size_t)m.bcc, len - boff - 2);
	}
	m.frame = ctx->frame;
	m.ts_us = ctx->ts_us;
	parse_trans(&m);
	if (m.cmd == SMB1_SESSION_SETUP_ANDX)
		smb1_session_setup(s, ctx, &m);
	else if (m.cmd == SMB1_TREE_CONNECT_ANDX && !m.response && m.wct == 4)
		smb1_tree_connect(ctx, &m);
	ms17010_smb1(ctx, &s->ms, &m);
}

/* ---- SMB2 ---- */

static void smb2_message(struct smb_sess *s, struct app_ctx *ctx, enum app_dir dir,
			 const uint8_t *p, size_t len)
{
	/* each message of a compound */
	for (int n = 0; n < 64 && len >= 64; n++) {
		if (!smb_magic(p, len) || p[0] != 0xfe)
			return;
		uint32_t status = get_le32(p, len, 8);
		uint16_t cmd = get_le16(p, len, 12);
		uint32_t flags = get_le32(p, len, 16);
		uint32_t next = get_le32(p, len, 20);
		uint64_t msgid = (uint64_t)get_le32(p, len, 24) | ((uint64_t)get_le32(p, len, 28) << 32);
		bool response = (flags & 1) != 0;
		size_t mlen = next && next <= len ? next : len;
		(void)dir;
		if (cmd == 1) {
			if (response) {
				auth_outcome(s, ctx, 2, msgid, status);
			} else if (mlen >= 64 + 24) {
				uint16_t boff = get_le16(p, mlen, 64 + 12);
				uint16_t blen = get_le16(p, mlen, 64 + 14);
				struct auth_pending a;
				memset(&a, 0, sizeof(a));
				a.ver = 2;
				a.id = msgid;
				if (boff >= 64 && (size_t)boff + blen <= mlen &&
				    ntlmssp_auth_user(p + boff, blen, &a))
					auth_push(s, &a);
			}
		}
		if (cmd == 3 && !response && mlen >= 64 + 8) {
			uint16_t poff = get_le16(p, mlen, 64 + 4);
			uint16_t plen = get_le16(p, mlen, 64 + 6);
			char path[256];
			if (poff >= 64 && (size_t)poff + plen <= mlen) {
				utf16_to_utf8(p + poff, plen, path, sizeof(path));
				log_tree(ctx, 2, path);
			}
		}
		if (!next || next > len || next < 64)
			return;
		p += next;
		len -= next;
	}
}

static void dispatch(struct smb_sess *s, struct app_ctx *ctx, enum app_dir dir,
		     const uint8_t *p, size_t len, size_t wire_len)
{
	s->msgs++;
	if (len < wire_len)
		s->truncated++;
	if (len >= 4 && p[0] == 0xff)
		smb1_message(s, ctx, dir, p, len, wire_len);
	else if (len >= 4 && p[0] == 0xfe)
		smb2_message(s, ctx, dir, p, len);
}

/* ---- framing ---- */

static int smb_data(void *v, struct app_ctx *ctx, enum app_dir dir, const uint8_t *data,
		    size_t len)
{
	struct smb_sess *s = v;
	struct smb_dir *d = &s->d[dir];
	if (d->resync) {
		/* look for "\0 len len len \xffSMB" or "\xfeSMB" */
		size_t i;
		for (i = 0; i + 8 <= len; i++) {
			if (data[i] == 0 && smb_magic(data + i + 4, len - i - 4) && data[i + 4] != 0xfd)
				break;
		}
		if (i + 8 > len)
			return 0;
		d->resync = false;
		d->hdr_have = 0;
		d->in_msg = false;
		data += i;
		len -= i;
	}
	while (len > 0) {
		if (!d->in_msg) {
			/* fast path: a whole frame in this chunk */
			if (d->hdr_have == 0 && len >= 4) {
				memcpy(d->hdr, data, 4);
				d->hdr_have = 4;
				data += 4;
				len -= 4;
			} else {
				while (d->hdr_have < 4 && len > 0) {
					d->hdr[d->hdr_have++] = *data++;
					len--;
				}
				if (d->hdr_have < 4)
					return 0;
			}
			d->msg_len = ((uint32_t)d->hdr[1] << 16) | ((uint32_t)d->hdr[2] << 8) | d->hdr[3];
			d->parse = d->hdr[0] == 0x00;
			if (!d->parse && d->hdr[0] != 0x81 && d->hdr[0] != 0x82 && d->hdr[0] != 0x83 &&
			    d->hdr[0] != 0x84 && d->hdr[0] != 0x85) {
				/* not NetBIOS session framing: lost sync */
				if (++d->bad > BAD_FRAMES_MAX)
					return MM_ECORRUPT;
				d->resync = true;
				d->hdr_have = 0;
				return 0;
			}
			d->need = d->msg_len;
			d->in_msg = true;
			d->frame_first = ctx->frame;
			mm_buf_reset(&d->keep);
			if (d->need == 0) {
				d->in_msg = false;
				d->hdr_have = 0;
				continue;
			}
			if (d->parse && d->keep.len == 0 && len >= d->need) {
				/* zero copy */
				if (len >= 4 && !smb_magic(data, len) && ++d->bad > BAD_FRAMES_MAX)
					return MM_ECORRUPT;
				dispatch(s, ctx, dir, data, d->need, d->msg_len);
				data += d->need;
				len -= d->need;
				d->need = 0;
				d->in_msg = false;
				d->hdr_have = 0;
				continue;
			}
		}
		size_t take = MM_MIN((size_t)d->need, len);
		if (d->parse && d->keep.len < SMB_MSG_KEEP) {
			size_t k = MM_MIN(take, SMB_MSG_KEEP - d->keep.len);
			if (mm_buf_append(&d->keep, data, k))
				mm_buf_init(&d->keep, SMB_MSG_KEEP + 1);
		}
		d->need -= (uint32_t)take;
		data += take;
		len -= take;
		if (d->need == 0) {
			if (d->parse)
				dispatch(s, ctx, dir, (const uint8_t *)d->keep.ptr, d->keep.len,
					 d->msg_len);
			mm_buf_reset(&d->keep);
			d->in_msg = false;
			d->hdr_have = 0;
		}
	}
	return 0;
}

static int smb_gap(void *v, struct app_ctx *ctx, enum app_dir dir, uint64_t len)
{
	struct smb_sess *s = v;
	struct smb_dir *d = &s->d[dir];
	(void)ctx;
	if (d->in_msg && len < d->need) {
		/* the gap falls inside the current message: skip on */
		d->need -= (uint32_t)len;
		mm_buf_reset(&d->keep);
		d->parse = false;
		return 0;
	}
	d->in_msg = false;
	d->hdr_have = 0;
	mm_buf_reset(&d->keep);
	d->resync = true;
	return 0;
}

static void smb_close(void *v, struct app_ctx *ctx)
{
	struct smb_sess *s = v;
	ms17010_close(ctx, s->ms);
	s->ms = NULL;
}

const struct app_parser app_parser_smb = {
	.name = "smb",
	.proto = NET_PROTO_TCP,
	.udp_too = false,
	.probe = smb_probe,
	.session_new = smb_session_new,
	.session_free = smb_session_free,
	.data = smb_data,
	.gap = smb_gap,
	.close = smb_close,
};
