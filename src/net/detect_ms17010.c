/*
 * detect_ms17010.c — MS17-010 (EternalBlue, EternalRomance/Champion-style
 * anomalies) and the DoublePulsar implant, from parsed SMB1 fields.
 *
 * What a flow must show (protocol facts, not byte strings):
 *   eternalblue  an NT_TRANSACT request whose function is not one Windows
 *                implements (0, or NT_RENAME 5) or whose TotalDataCount is
 *                oversized (>= 64 KiB: the FEA list), followed by
 *                TRANS2_SECONDARY messages on the same MID (a secondary of
 *                the wrong type: the CVE-2017-0144 type confusion); or
 *                TRANS2_SECONDARY with no Trans2 primary pending on its MID
 *                (on a flow picked up midstream, only beside another sign).
 *                Evidence adds the Trans2 SESSION_SETUP probes, the length
 *                of the secondary train, and SMB ECHO requests whose data is
 *                a short token rather than the usual pattern.
 *   probe        a TRANS2 SESSION_SETUP (subcommand 0x000e) request: never
 *                sent by Windows clients; the EternalBlue/DoublePulsar
 *                "ping". Raised only when no eternalblue alert covers the
 *                flow.
 *   doublepulsar a Trans2 response with STATUS_NOT_IMPLEMENTED whose MID is
 *                the request's MID + 16 (81..83 for the usual 65): the
 *                implant answering its ping; critical.
 *   eternalromance  secondaries whose displacement + count run past the
 *                primary's total, WriteAndX / Trans with parameter or data
 *                offsets outside the message, or an unusually long train
 *                of Trans secondaries on one MID.
 * DoublePulsar is raised at the reply; the others at the end of the flow,
 * once each, with all the evidence (frames, MIDs, commands, statuses).
 *
 * Limits: PENDING_MAX outstanding requests per flow, EVID_MAX frames kept
 * per kind (the rest counted). Threading: per flow state, one thread.
 */
#include "core/compat.h"
#include "net/smb.h"

#define PENDING_MAX 32
#define EVID_MAX 8
#define ROMANCE_TRAIN 256

static const struct mm_rule_meta meta_eternalblue = {
	.id = "mamori.net.smb.ms17-010.eternalblue",
	.name = "MS17-010 EternalBlue exploitation attempt (SMBv1 NT Trans / Trans2 secondary type confusion)",
	.engine = "net",
	.ruleset = "builtin",
	.category = "exploit",
	.level = MM_LEVEL_HIGH,
	.description = "An NT_TRANSACT request with an unimplemented function or an oversized "
		       "data count followed by TRANS2_SECONDARY messages on the same MID, or "
		       "orphan TRANS2_SECONDARY messages: the SMBv1 transaction type confusion "
		       "exploited by EternalBlue (CVE-2017-0144).",
	.references = { "CVE-2017-0144", "CVE-2017-0143", "MS17-010" },
	.techniques = { "T1210" },
	.tactics = { "lateral-movement" },
};

static const struct mm_rule_meta meta_probe = {
	.id = "mamori.net.smb.ms17-010.probe",
	.name = "SMBv1 TRANS2 SESSION_SETUP probe (EternalBlue / DoublePulsar check)",
	.engine = "net",
	.ruleset = "builtin",
	.category = "exploit",
	.level = MM_LEVEL_MEDIUM,
	.description = "A TRANS2 request with the unimplemented SESSION_SETUP subcommand "
		       "(0x000e), used by MS17-010 exploits and scanners to check a target "
		       "and to ping the DoublePulsar implant.",
	.references = { "CVE-2017-0144", "MS17-010" },
	.techniques = { "T1210" },
	.tactics = { "lateral-movement" },
};

static const struct mm_rule_meta meta_doublepulsar = {
	.id = "mamori.net.smb.doublepulsar",
	.name = "DoublePulsar SMB implant reply",
	.engine = "net",
	.ruleset = "builtin",
	.category = "exploit",
	.level = MM_LEVEL_CRITICAL,
	.description = "A Trans2 response with STATUS_NOT_IMPLEMENTED whose multiplex id "
		       "moved by 16 from its request's (81..83): the DoublePulsar kernel "
		       "implant answering its ping; the host is compromised.",
	.references = { "CVE-2017-0144", "CVE-2017-0143", "CVE-2017-0145", "CVE-2017-0146",
			"CVE-2017-0148" },
	.techniques = { "T1210" },
	.tactics = { "lateral-movement" },
};

static const struct mm_rule_meta meta_romance = {
	.id = "mamori.net.smb.ms17-010.eternalromance",
	.name = "MS17-010 EternalRomance/EternalChampion-style SMBv1 transaction anomaly",
	.engine = "net",
	.ruleset = "builtin",
	.category = "exploit",
	.level = MM_LEVEL_HIGH,
	.description = "SMBv1 transaction secondaries whose displacement and count run past "
		       "the announced totals, Trans/WriteAndX offsets outside the message, or "
		       "very long secondary trains: the malformed transactions of the "
		       "EternalRomance / EternalChampion exploits.",
	.references = { "CVE-2017-0145", "CVE-2017-0146", "CVE-2017-0143", "MS17-010" },
	.techniques = { "T1210" },
	.tactics = { "lateral-movement" },
};

int detect_ms17010_register(struct mm_catalogue *cat)
{
	const struct mm_rule_meta *all[] = { &meta_eternalblue, &meta_probe, &meta_doublepulsar,
					     &meta_romance };
	for (size_t i = 0; i < MM_ARRAY_SIZE(all); i++) {
		int rc = mm_catalogue_add(cat, all[i], NULL);
		if (rc && rc != MM_EEXIST)
			return rc;
	}
	return 0;
}

struct pend {
	uint16_t mid;
	uint8_t cmd;		/* primary command */
	uint16_t subcmd;
	uint32_t total_param, total_data;
	uint32_t timeout;
	uint32_t secondaries;
	uint64_t frame;
};

struct evid {
	uint64_t frame[EVID_MAX];
	uint32_t n;		/* total seen */
};

struct ms17010_flow {
	struct pend pend[PENDING_MAX];
	size_t npend;
	/* eternalblue */
	bool nt_bad;
	uint64_t nt_frame;
	uint16_t nt_mid;
	uint16_t nt_function;
	uint32_t nt_total_data;
	int64_t eb_ts;
	struct evid confusion;		/* TRANS2_SECONDARY after NT_TRANS on its MID */
	struct evid orphan;		/* TRANS2_SECONDARY with nothing pending */
	struct evid probe_req, probe_resp;
	uint16_t probe_mid;
	uint32_t probe_timeout;
	uint32_t probe_status;
	int64_t probe_ts;
	struct evid echo, echo_resp;
	char echo_data[32];
	/* romance */
	struct evid romance;
	const char *romance_reason;
	int64_t romance_ts;
	uint16_t romance_mid;
	uint8_t romance_cmd;
	/* doublepulsar */
	uint32_t dp_count;
};

void ms17010_free(struct ms17010_flow *st)
{
	free(st);
}

static void evid_add(struct evid *e, uint64_t frame)
{
	if (e->n < EVID_MAX)
		e->frame[e->n] = frame;
	e->n++;
}

static void evid_json(struct mm_json *j, const char *key, const struct evid *e)
{
	if (!e->n)
		return;
	mm_json_array_begin(j, key);
	for (uint32_t i = 0; i < MM_MIN(e->n, (uint32_t)EVID_MAX); i++)
		mm_json_uint(j, NULL, e->frame[i]);
	mm_json_array_end(j);
}

static struct pend *pend_find(struct ms17010_flow *st, uint16_t mid, uint8_t cmd)
{
	for (size_t i = 0; i < st->npend; i++) {
		if (st->pend[i].mid == mid && (cmd == 0 || st->pend[i].cmd == cmd))
			return &st->pend[i];
	}
	return NULL;
}

static struct pend *pend_add(struct ms17010_flow *st, const struct smb1_msg *m)
{
	if (st->npend == PENDING_MAX) {
		memmove(&st->pend[0], &st->pend[1], (PENDING_MAX - 1) * sizeof(st->pend[0]));
		st->npend--;
	}
	struct pend *p = &st->pend[st->npend++];
	memset(p, 0, sizeof(*p));
	p->mid = m->mid;
	p->cmd = m->cmd;
	p->subcmd = m->trans.setup0;
	p->total_param = m->trans.total_param;
	p->total_data = m->trans.total_data;
	p->timeout = m->trans.timeout;
	p->frame = m->frame;
	return p;
}

static void pend_del(struct ms17010_flow *st, struct pend *p)
{
	size_t i = (size_t)(p - st->pend);
	memmove(&st->pend[i], &st->pend[i + 1], (st->npend - i - 1) * sizeof(st->pend[0]));
	st->npend--;
}

static const char *cmd_name(uint8_t cmd)
{
	switch (cmd) {
	case SMB1_TRANS:
		return "TRANSACTION";
	case SMB1_TRANS_SECONDARY:
		return "TRANSACTION_SECONDARY";
	case SMB1_TRANS2:
		return "TRANSACTION2";
	case SMB1_TRANS2_SECONDARY:
		return "TRANSACTION2_SECONDARY";
	case SMB1_NT_TRANS:
		return "NT_TRANSACT";
	case SMB1_NT_TRANS_SECONDARY:
		return "NT_TRANSACT_SECONDARY";
	case SMB1_WRITE_ANDX:
		return "WRITE_ANDX";
	default:
		return "other";
	}
}

static void hex32(char *out, size_t cap, uint32_t v)
{
	snprintf(out, cap, "0x%08x", v);
}

static void emit(struct app_ctx *ctx, const struct mm_rule_meta *meta, const char *family,
		 const char *reason, int64_t ts, struct mm_buf *ev)
{
	struct mm_alert a;
	net_alert_fill(&a, ctx, "smb");
	a.meta = meta;
	a.family = family;
	a.reason = reason;
	if (ts)
		a.timestamp_us = ts;
	a.evidence_json = ev->ptr;
	net_alert_emit(ctx, &a);
}

static void romance(struct ms17010_flow *st, const struct smb1_msg *m, const char *why)
{
	if (!st->romance.n) {
		st->romance_reason = why;
		st->romance_ts = m->ts_us;
		st->romance_mid = m->mid;
		st->romance_cmd = m->cmd;
	}
	evid_add(&st->romance, m->frame);
}

static bool nt_function_known(uint16_t f)
{
	/* NT_TRANSACT_CREATE .. NT_TRANSACT_SET_USER_QUOTA, minus RENAME (5),
	 * which Windows does not implement */
	return f >= 1 && f <= 8 && f != 5;
}

/* Echo data that is a short alphanumeric token (EternalBlue's marker)
 * rather than what clients send (a fill pattern or nothing). */
static bool echo_token(const uint8_t *d, size_t n)
{
	while (n > 0 && d[n - 1] == 0)
		n--;
	if (n < 6 || n > 24)
		return false;
	for (size_t i = 0; i < n; i++) {
		uint8_t c = d[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')))
			return false;
	}
	return true;
}

static void doublepulsar_reply(struct app_ctx *ctx, struct ms17010_flow *st,
			       const struct smb1_msg *m, const struct pend *req)
{
	struct mm_buf ev;
	struct mm_json j;
	char hs[16];
	char reason[160];
	st->dp_count++;
	if (st->dp_count > 1)
		return;
	mm_buf_init(&ev, 8192);
	mm_json_init(&j, &ev);
	mm_json_object_begin(&j, NULL);
	mm_json_uint(&j, "frame", m->frame);
	mm_json_str(&j, "command", "TRANS2 response");
	mm_json_uint(&j, "mid", m->mid);
	hex32(hs, sizeof(hs), m->status);
	mm_json_str(&j, "status", hs);
	if (req) {
		mm_json_uint(&j, "request_frame", req->frame);
		mm_json_uint(&j, "request_mid", req->mid);
		hex32(hs, sizeof(hs), req->subcmd);
		mm_json_str(&j, "request_subcommand", hs);
		hex32(hs, sizeof(hs), req->timeout);
		mm_json_str(&j, "request_timeout", hs);
	}
	mm_json_uint(&j, "mid_delta", (uint64_t)(m->mid - (req ? req->mid : 65)));
	mm_json_object_end(&j);
	if (mm_json_finish(&j) == 0) {
		snprintf(reason, sizeof(reason),
			 "Trans2 reply with STATUS_NOT_IMPLEMENTED and MID %u (request MID %u): "
			 "DoublePulsar implant present",
			 m->mid, req ? req->mid : 65u);
		emit(ctx, &meta_doublepulsar, "doublepulsar", reason, m->ts_us, &ev);
	}
	mm_buf_release(&ev);
}

static void on_request(struct ms17010_flow *st, const struct smb1_msg *m)
{
	const struct smb_trans *t = &m->trans;
	switch (m->cmd) {
	case SMB1_TRANS2:
	case SMB1_TRANS:
		if (!t->valid)
			break;
		if (m->cmd == SMB1_TRANS2 && t->setup_count >= 1 && t->setup0 == TRANS2_SESSION_SETUP) {
			if (!st->probe_req.n) {
				st->probe_mid = m->mid;
				st->probe_timeout = t->timeout;
				st->probe_ts = m->ts_us;
			}
			evid_add(&st->probe_req, m->frame);
		}
		if (m->len == m->wire_len &&
		    (((size_t)t->param_off + t->param_count > m->len && t->param_count) ||
		     ((size_t)t->data_off + t->data_count > m->len && t->data_count)))
			romance(st, m, "Trans/Trans2 parameter or data offset outside the message");
		pend_add(st, m);
		break;
	case SMB1_NT_TRANS:
		if (!t->valid)
			break;
		if (!nt_function_known(t->function) || t->total_data >= 0x10000) {
			if (!st->nt_bad) {
				st->nt_bad = true;
				st->nt_frame = m->frame;
				st->nt_mid = m->mid;
				st->nt_function = t->function;
				st->nt_total_data = t->total_data;
				st->eb_ts = m->ts_us;
			}
		}
		pend_add(st, m);
		break;
	case SMB1_TRANS2_SECONDARY:
	case SMB1_TRANS_SECONDARY:
	case SMB1_NT_TRANS_SECONDARY: {
		uint8_t primary = m->cmd == SMB1_TRANS2_SECONDARY ? SMB1_TRANS2
				  : m->cmd == SMB1_TRANS_SECONDARY ? SMB1_TRANS
								    : SMB1_NT_TRANS;
		struct pend *same = pend_find(st, m->mid, primary);
		struct pend *any = same ? same : pend_find(st, m->mid, 0);
		if (m->cmd == SMB1_TRANS2_SECONDARY && !same) {
			if (any && any->cmd == SMB1_NT_TRANS) {
				evid_add(&st->confusion, m->frame);
				if (!st->eb_ts)
					st->eb_ts = m->ts_us;
			} else {
				evid_add(&st->orphan, m->frame);
			}
		}
		if (any) {
			any->secondaries++;
			if (any->secondaries == ROMANCE_TRAIN && any->cmd != SMB1_NT_TRANS)
				romance(st, m, "very long train of transaction secondaries on one MID");
		}
		if (same && t->valid &&
		    ((uint64_t)t->data_disp + t->data_count > same->total_data ||
		     (uint64_t)t->param_disp + t->param_count > same->total_param))
			romance(st, m, "secondary displacement + count past the primary's totals");
		break;
	}
	case SMB1_ECHO:
		if (echo_token(m->bytes, m->bytes_len) && (st->nt_bad || st->confusion.n ||
							   st->orphan.n || st->probe_req.n)) {
			if (!st->echo.n) {
				size_t n = MM_MIN(m->bytes_len, sizeof(st->echo_data) - 1);
				memcpy(st->echo_data, m->bytes, n);
				st->echo_data[n] = 0;	/* stops at the token's NUL */
			}
			evid_add(&st->echo, m->frame);
		}
		break;
	case SMB1_WRITE_ANDX:
		if (m->wct >= 12 && m->len == m->wire_len) {
			uint16_t dlen = get_le16(m->words, m->words_len, 20);
			uint16_t doff = get_le16(m->words, m->words_len, 22);
			if (dlen && (size_t)doff + dlen > m->len)
				romance(st, m, "WriteAndX data offset outside the message");
		}
		break;
	default:
		break;
	}
}

static void on_response(struct app_ctx *ctx, struct ms17010_flow *st, const struct smb1_msg *m)
{
	switch (m->cmd) {
	case SMB1_ECHO:
		if (st->echo.n && echo_token(m->bytes, m->bytes_len))
			evid_add(&st->echo_resp, m->frame);
		break;
	case SMB1_TRANS2: {
		struct pend *req = pend_find(st, m->mid, SMB1_TRANS2);
		struct pend *moved = NULL;
		if (!req && m->mid >= 16)
			moved = pend_find(st, (uint16_t)(m->mid - 16), SMB1_TRANS2);
		if (m->status == SMB_STATUS_NOT_IMPLEMENTED &&
		    ((moved && moved->subcmd == TRANS2_SESSION_SETUP) ||
		     (!req && m->mid >= 0x51 && m->mid <= 0x53)))
			doublepulsar_reply(ctx, st, m, moved);
		if (req && req->subcmd == TRANS2_SESSION_SETUP) {
			evid_add(&st->probe_resp, m->frame);
			st->probe_status = m->status;
		}
		if (req)
			pend_del(st, req);
		else if (moved)
			pend_del(st, moved);
		break;
	}
	case SMB1_TRANS:
	case SMB1_NT_TRANS: {
		/* interim responses keep the request pending */
		struct pend *req = pend_find(st, m->mid, m->cmd);
		if (req && (m->status != SMB_STATUS_SUCCESS || m->wct > 0) &&
		    !(m->cmd == SMB1_NT_TRANS && m->wct == 0))
			pend_del(st, req);
		break;
	}
	default:
		break;
	}
}

void ms17010_smb1(struct app_ctx *ctx, struct ms17010_flow **stp, const struct smb1_msg *m)
{
	struct ms17010_flow *st = *stp;
	if (!st) {
		switch (m->cmd) {
		case SMB1_TRANS:
		case SMB1_TRANS_SECONDARY:
		case SMB1_TRANS2:
		case SMB1_TRANS2_SECONDARY:
		case SMB1_NT_TRANS:
		case SMB1_NT_TRANS_SECONDARY:
		case SMB1_WRITE_ANDX:
			break;
		default:
			return;
		}
		st = calloc(1, sizeof(*st));
		if (!st)
			return;
		*stp = st;
	}
	if (m->dir == APP_TO_SERVER && !m->response)
		on_request(st, m);
	else if (m->dir == APP_TO_CLIENT && m->response)
		on_response(ctx, st, m);
}

static void emit_eternalblue(struct app_ctx *ctx, struct ms17010_flow *st)
{
	struct mm_buf ev;
	struct mm_json j;
	char hs[16];
	char reason[256];
	mm_buf_init(&ev, 16384);
	mm_json_init(&j, &ev);
	mm_json_object_begin(&j, NULL);
	if (st->nt_bad) {
		mm_json_object_begin(&j, "nt_trans");
		mm_json_uint(&j, "frame", st->nt_frame);
		mm_json_uint(&j, "mid", st->nt_mid);
		mm_json_uint(&j, "function", st->nt_function);
		mm_json_uint(&j, "total_data_count", st->nt_total_data);
		mm_json_object_end(&j);
	}
	if (st->confusion.n) {
		mm_json_object_begin(&j, "trans2_secondary_after_nt_trans");
		mm_json_uint(&j, "count", st->confusion.n);
		evid_json(&j, "frames", &st->confusion);
		mm_json_object_end(&j);
	}
	if (st->orphan.n) {
		mm_json_object_begin(&j, "trans2_secondary_without_primary");
		mm_json_uint(&j, "count", st->orphan.n);
		evid_json(&j, "frames", &st->orphan);
		mm_json_object_end(&j);
	}
	if (st->probe_req.n) {
		mm_json_object_begin(&j, "trans2_session_setup");
		evid_json(&j, "request_frames", &st->probe_req);
		evid_json(&j, "response_frames", &st->probe_resp);
		mm_json_uint(&j, "mid", st->probe_mid);
		if (st->probe_resp.n) {
			hex32(hs, sizeof(hs), st->probe_status);
			mm_json_str(&j, "status", hs);
		}
		mm_json_object_end(&j);
	}
	if (st->echo.n) {
		mm_json_object_begin(&j, "echo");
		evid_json(&j, "frames", &st->echo);
		evid_json(&j, "response_frames", &st->echo_resp);
		mm_json_str(&j, "data", st->echo_data);
		mm_json_object_end(&j);
	}
	mm_json_object_end(&j);
	if (mm_json_finish(&j) == 0) {
		if (st->confusion.n)
			snprintf(reason, sizeof(reason),
				 "NT_TRANSACT (function %u, total data %u) followed by %u "
				 "TRANS2_SECONDARY on MID %u",
				 st->nt_function, st->nt_total_data, st->confusion.n, st->nt_mid);
		else
			snprintf(reason, sizeof(reason),
				 "%u TRANS2_SECONDARY without a pending TRANS2 request%s",
				 st->orphan.n, st->nt_bad ? ", after an anomalous NT_TRANSACT" : "");
		emit(ctx, &meta_eternalblue, "eternalblue", reason, st->eb_ts, &ev);
	}
	mm_buf_release(&ev);
}

static void emit_probe(struct app_ctx *ctx, struct ms17010_flow *st)
{
	struct mm_buf ev;
	struct mm_json j;
	char hs[16];
	char reason[160];
	mm_buf_init(&ev, 4096);
	mm_json_init(&j, &ev);
	mm_json_object_begin(&j, NULL);
	evid_json(&j, "request_frames", &st->probe_req);
	evid_json(&j, "response_frames", &st->probe_resp);
	mm_json_uint(&j, "mid", st->probe_mid);
	hex32(hs, sizeof(hs), st->probe_timeout);
	mm_json_str(&j, "timeout", hs);
	if (st->probe_resp.n) {
		hex32(hs, sizeof(hs), st->probe_status);
		mm_json_str(&j, "status", hs);
	}
	mm_json_object_end(&j);
	if (mm_json_finish(&j) == 0) {
		snprintf(reason, sizeof(reason), "%u TRANS2 SESSION_SETUP request(s), MID %u",
			 st->probe_req.n, st->probe_mid);
		emit(ctx, &meta_probe, "eternalblue", reason, st->probe_ts, &ev);
	}
	mm_buf_release(&ev);
}

static void emit_romance(struct app_ctx *ctx, struct ms17010_flow *st)
{
	struct mm_buf ev;
	struct mm_json j;
	mm_buf_init(&ev, 4096);
	mm_json_init(&j, &ev);
	mm_json_object_begin(&j, NULL);
	mm_json_str(&j, "anomaly", st->romance_reason);
	mm_json_str(&j, "command", cmd_name(st->romance_cmd));
	mm_json_uint(&j, "mid", st->romance_mid);
	mm_json_uint(&j, "count", st->romance.n);
	evid_json(&j, "frames", &st->romance);
	mm_json_object_end(&j);
	if (mm_json_finish(&j) == 0)
		emit(ctx, &meta_romance, "eternalromance", st->romance_reason, st->romance_ts, &ev);
	mm_buf_release(&ev);
}

void ms17010_close(struct app_ctx *ctx, struct ms17010_flow *st)
{
	if (!st)
		return;
	/* an orphan secondary on a flow picked up midstream may just follow a
	 * primary sent before the capture began: it counts only with another
	 * sign */
	bool orphan_ok = st->orphan.n > 0 &&
			 (!ctx->info->midstream || st->probe_req.n || st->nt_bad);
	bool eb = st->confusion.n > 0 || orphan_ok;
	if (eb)
		emit_eternalblue(ctx, st);
	else if (st->probe_req.n && !st->dp_count)
		emit_probe(ctx, st);
	if (st->romance.n && !eb)
		emit_romance(ctx, st);
	ms17010_free(st);
}
