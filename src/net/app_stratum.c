/*
 * app_stratum.c — Stratum mining protocols: line-delimited JSON-RPC over
 * TCP, each line parsed with jansson.
 *
 * Dialects recognised by their methods:
 *   stratum   v1: mining.subscribe / authorize / submit / notify /
 *             set_difficulty / set_target / extranonce.subscribe ...
 *   xmrig     XMRig / xmr-stak (CryptoNote): login (params.login = wallet,
 *             pass, agent, algo), job, submit, keepalived
 *   ethereum  eth_submitLogin / eth_getWork / eth_submitWork /
 *             eth_submitHashrate
 * Probe (content, not port): the first line of a direction is a JSON object
 * whose "method" is one of those names, or a JSON-RPC response ("id" and
 * "result") whose result holds a "job" (the reply to an XMRig login).
 *
 * The session is reported once to the mining detector
 * (mining_stratum_report()): as soon as the login/authorize line is seen,
 * or, for sessions picked up without it, after STRATUM_CONFIRM mining
 * lines or at the end of the flow. --log stratum writes one record per
 * method call.
 *
 * Limits: lines up to STRATUM_LINE_MAX bytes (longer ones are skipped to
 * the next newline and counted); the strings kept (user, agent, algo, pool
 * host) are capped at STRATUM_STR_MAX bytes; a flow whose lines stop being
 * JSON objects STRATUM_BAD_MAX times in a row is given up. Performance:
 * a line not starting with '{' is rejected without jansson; once the
 * session is reported, later data is not parsed at all unless --log stratum
 * wants per-call records (the counts reported are those up to the report).
 *
 * Threading: one session per flow, one thread.
 */
#include "core/compat.h"
#include "net/internal.h"
#include "net/mining.h"

#include <jansson.h>

#define STRATUM_LINE_MAX (64 * 1024)
#define STRATUM_STR_MAX 256
#define STRATUM_CONFIRM 3
#define STRATUM_BAD_MAX 8
#define STRATUM_METHODS_MAX 256

struct stratum_side {
	char *line;		/* STRATUM_LINE_MAX bytes, allocated on first use */
	size_t len;
	bool skipping;		/* inside a line over the limit */
};

struct stratum_sess {
	struct stratum_side side[2];
	char dialect[16];
	char login_method[32];
	char user[STRATUM_STR_MAX];
	char agent[STRATUM_STR_MAX];
	char algo[STRATUM_STR_MAX];
	char pool_host[STRATUM_STR_MAX];
	char methods[STRATUM_METHODS_MAX];
	uint64_t login_frame, first_frame;
	uint64_t submits, jobs, accepted, rejected;
	uint64_t mining_lines;
	uint64_t lines_cut;
	uint64_t lines_skipped_after_report;	/* data calls not parsed */
	unsigned bad_in_row;
	bool reported;
	bool log_checked, log_wanted;
};

enum m_kind { M_NONE, M_V1, M_XMR, M_ETH };

static const struct {
	const char *name;
	enum m_kind kind;
} known_methods[] = {
	{ "mining.subscribe", M_V1 },
	{ "mining.authorize", M_V1 },
	{ "mining.submit", M_V1 },
	{ "mining.notify", M_V1 },
	{ "mining.set_difficulty", M_V1 },
	{ "mining.set_target", M_V1 },
	{ "mining.set_extranonce", M_V1 },
	{ "mining.extranonce.subscribe", M_V1 },
	{ "mining.configure", M_V1 },
	{ "mining.suggest_difficulty", M_V1 },
	{ "mining.multi_version", M_V1 },
	{ "login", M_XMR },
	{ "job", M_XMR },
	{ "submit", M_XMR },
	{ "keepalived", M_XMR },
	{ "getjob", M_XMR },
	{ "eth_submitLogin", M_ETH },
	{ "eth_getWork", M_ETH },
	{ "eth_submitWork", M_ETH },
	{ "eth_submitHashrate", M_ETH },
	{ "eth_login", M_ETH },
	{ "mining.hashrate", M_ETH },
};

static enum m_kind method_kind(const char *m, size_t len)
{
	for (size_t i = 0; i < MM_ARRAY_SIZE(known_methods); i++)
		if (strlen(known_methods[i].name) == len && !memcmp(known_methods[i].name, m, len))
			return known_methods[i].kind;
	return M_NONE;
}

/* ---- probe: a small scanner over the first line, no allocation ---- */

/* Finds "key" followed by ':' and a string value; returns the value. */
static bool find_str_value(const uint8_t *d, size_t len, const char *key, const uint8_t **v,
			   size_t *vlen)
{
	size_t kl = strlen(key);
	for (size_t i = 0; i + kl + 2 < len; i++) {
		if (d[i] != '"' || memcmp(d + i + 1, key, kl) || d[i + 1 + kl] != '"')
			continue;
		size_t j = i + kl + 2;
		while (j < len && (d[j] == ' ' || d[j] == '\t'))
			j++;
		if (j >= len || d[j] != ':')
			continue;
		j++;
		while (j < len && (d[j] == ' ' || d[j] == '\t'))
			j++;
		if (j >= len || d[j] != '"')
			return false;
		size_t s = ++j;
		while (j < len && d[j] != '"' && d[j] != '\\')
			j++;
		if (j >= len || d[j] != '"')
			return false;
		*v = d + s;
		*vlen = j - s;
		return true;
	}
	return false;
}

static bool has_key(const uint8_t *d, size_t len, const char *key)
{
	size_t kl = strlen(key);
	for (size_t i = 0; i + kl + 2 <= len; i++)
		if (d[i] == '"' && !memcmp(d + i + 1, key, kl) && d[i + 1 + kl] == '"')
			return true;
	return false;
}

static int stratum_probe(const uint8_t *d, size_t len, enum app_dir dir,
			 const struct net_flow_info *f)
{
	(void)f;
	(void)dir;
	size_t i = 0;
	while (i < len && (d[i] == ' ' || d[i] == '\t' || d[i] == '\r' || d[i] == '\n'))
		i++;
	if (i == len)
		return APP_PROBE_MAYBE;
	if (d[i] != '{')
		return APP_PROBE_NO;
	const uint8_t *nl = memchr(d + i, '\n', len - i);
	size_t ll = nl ? (size_t)(nl - (d + i)) : len - i;
	const uint8_t *v;
	size_t vl;
	if (find_str_value(d + i, ll, "method", &v, &vl) && method_kind((const char *)v, vl) != M_NONE)
		return APP_PROBE_YES;
	if (has_key(d + i, ll, "id") && has_key(d + i, ll, "result") && has_key(d + i, ll, "job"))
		return APP_PROBE_YES;
	if (!nl && len < NET_PROBE_MAX)
		return APP_PROBE_MAYBE;
	return APP_PROBE_NO;
}

/* ---- session ---- */

static void *stratum_new(const struct app_ctx *ctx)
{
	(void)ctx;
	return calloc(1, sizeof(struct stratum_sess));
}

static void stratum_free(void *sv)
{
	struct stratum_sess *s = sv;
	if (!s)
		return;
	free(s->side[0].line);
	free(s->side[1].line);
	free(s);
}

static void keep(char *dst, size_t cap, const char *src)
{
	if (!src || dst[0])
		return;
	snprintf(dst, cap, "%s", src);
}

static void keep_json(char *dst, size_t cap, json_t *v)
{
	if (json_is_string(v)) {
		keep(dst, cap, json_string_value(v));
	} else if (json_is_array(v)) {
		/* e.g. "algo": ["cn/r", "rx/0"]: keep them comma-separated */
		size_t n = 0;
		size_t i;
		json_t *e;
		if (dst[0])
			return;
		json_array_foreach(v, i, e)
		{
			if (!json_is_string(e))
				continue;
			int w = snprintf(dst + n, cap - n, "%s%s", n ? "," : "", json_string_value(e));
			if (w < 0 || (size_t)w >= cap - n) {
				dst[n] = 0;
				break;
			}
			n += (size_t)w;
		}
	}
}

static void add_method(struct stratum_sess *s, const char *m)
{
	size_t ml = strlen(m);
	const char *p = s->methods;
	while (*p) {
		const char *c = strchr(p, ',');
		size_t l = c ? (size_t)(c - p) : strlen(p);
		if (l == ml && !memcmp(p, m, l))
			return;
		p = c ? c + 1 : p + l;
	}
	size_t n = strlen(s->methods);
	if (n + ml + 2 < sizeof(s->methods))
		snprintf(s->methods + n, sizeof(s->methods) - n, "%s%s", n ? "," : "", m);
}

static void report(struct stratum_sess *s, struct app_ctx *ctx)
{
	struct mining_stratum m;
	if (s->reported)
		return;
	s->reported = true;
	memset(&m, 0, sizeof(m));
	m.dialect = s->dialect[0] ? s->dialect : "stratum";
	m.login_method = s->login_method[0] ? s->login_method : NULL;
	m.user = s->user[0] ? s->user : NULL;
	m.user_len = strlen(s->user);
	m.agent = s->agent[0] ? s->agent : NULL;
	m.agent_len = strlen(s->agent);
	m.algo = s->algo[0] ? s->algo : NULL;
	m.algo_len = strlen(s->algo);
	m.pool_host = s->pool_host[0] ? s->pool_host : NULL;
	m.pool_host_len = strlen(s->pool_host);
	m.login_frame = s->login_frame;
	m.first_frame = s->first_frame;
	m.submits = s->submits;
	m.jobs = s->jobs;
	m.accepted = s->accepted;
	m.rejected = s->rejected;
	m.methods = s->methods;
	mining_stratum_report(ctx, &m);
}

static void log_call(struct app_ctx *ctx, enum app_dir dir, const char *method, json_t *id,
		     const struct stratum_sess *s)
{
	struct mm_buf b;
	struct mm_json j;
	mm_buf_init(&b, 8192);
	mm_json_init(&j, &b);
	mm_json_object_begin(&j, NULL);
	mm_json_str(&j, "direction", dir == APP_TO_SERVER ? "to_server" : "to_client");
	mm_json_str(&j, "method", method);
	if (json_is_integer(id))
		mm_json_int(&j, "id", (int64_t)json_integer_value(id));
	if (s->dialect[0])
		mm_json_str(&j, "dialect", s->dialect);
	if (s->user[0] && !strcmp(method, s->login_method))
		mm_json_str(&j, "user", s->user);
	if (s->agent[0])
		mm_json_str(&j, "agent", s->agent);
	mm_json_uint(&j, "frame", ctx->frame);
	mm_json_object_end(&j);
	if (mm_json_finish(&j) == 0)
		net_log_record(ctx, "stratum", b.ptr, b.len);
	mm_buf_release(&b);
}

static void set_dialect(struct stratum_sess *s, enum m_kind k)
{
	if (s->dialect[0])
		return;
	snprintf(s->dialect, sizeof(s->dialect), "%s",
		 k == M_XMR ? "xmrig" : k == M_ETH ? "ethereum" : "stratum");
}

static void on_request(struct stratum_sess *s, struct app_ctx *ctx, enum app_dir dir,
		       const char *method, enum m_kind k, json_t *root)
{
	json_t *params = json_object_get(root, "params");
	bool login = false;
	set_dialect(s, k);
	add_method(s, method);
	if (!s->first_frame)
		s->first_frame = ctx->frame;
	s->mining_lines++;
	if (!strcmp(method, "login") || !strcmp(method, "eth_login")) {
		if (json_is_object(params)) {
			keep(s->user, sizeof(s->user), json_string_value(json_object_get(params, "login")));
			keep(s->agent, sizeof(s->agent), json_string_value(json_object_get(params, "agent")));
			keep_json(s->algo, sizeof(s->algo), json_object_get(params, "algo"));
		} else if (json_is_array(params)) {
			keep(s->user, sizeof(s->user), json_string_value(json_array_get(params, 0)));
		}
		login = true;
	} else if (!strcmp(method, "mining.authorize") || !strcmp(method, "eth_submitLogin")) {
		if (json_is_array(params))
			keep(s->user, sizeof(s->user), json_string_value(json_array_get(params, 0)));
		login = true;
	} else if (!strcmp(method, "mining.subscribe")) {
		if (json_is_array(params)) {
			keep(s->agent, sizeof(s->agent), json_string_value(json_array_get(params, 0)));
			keep(s->pool_host, sizeof(s->pool_host),
			     json_string_value(json_array_get(params, 2)));
		}
	} else if (!strcmp(method, "submit") || !strcmp(method, "mining.submit") ||
		   !strcmp(method, "eth_submitWork")) {
		s->submits++;
	} else if (!strcmp(method, "job") || !strcmp(method, "mining.notify")) {
		s->jobs++;
		if (!strcmp(method, "job") && json_is_object(params))
			keep(s->algo, sizeof(s->algo), json_string_value(json_object_get(params, "algo")));
	}
	if (login && !s->login_method[0]) {
		snprintf(s->login_method, sizeof(s->login_method), "%s", method);
		s->login_frame = ctx->frame;
	}
	log_call(ctx, dir, method, json_object_get(root, "id"), s);
	if (login && s->user[0])
		report(s, ctx);
	else if (s->mining_lines >= STRATUM_CONFIRM && !s->login_method[0])
		report(s, ctx);
}

static void on_response(struct stratum_sess *s, struct app_ctx *ctx, json_t *root)
{
	json_t *res = json_object_get(root, "result");
	json_t *err = json_object_get(root, "error");
	if (err && !json_is_null(err))
		s->rejected++;
	else if (json_is_true(res) ||
		 (json_is_object(res) && json_is_string(json_object_get(res, "status"))))
		s->accepted++;
	if (json_is_object(res)) {
		json_t *job = json_object_get(res, "job");
		if (json_is_object(job)) {
			s->jobs++;
			keep(s->algo, sizeof(s->algo), json_string_value(json_object_get(job, "algo")));
			set_dialect(s, M_XMR);
			if (!s->first_frame)
				s->first_frame = ctx->frame;
			s->mining_lines++;
		}
	}
}

static void on_line(struct stratum_sess *s, struct app_ctx *ctx, enum app_dir dir, const char *l,
		    size_t n)
{
	while (n && (l[n - 1] == '\r' || l[n - 1] == ' '))
		n--;
	while (n && (*l == ' ' || *l == '\t')) {
		l++;
		n--;
	}
	if (!n)
		return;
	if (*l != '{') {
		/* cannot be a JSON object: no need to ask jansson */
		s->bad_in_row++;
		return;
	}
	json_error_t e;
	json_t *root = json_loadb(l, n, JSON_REJECT_DUPLICATES, &e);
	if (!json_is_object(root)) {
		s->bad_in_row++;
		json_decref(root);
		return;
	}
	s->bad_in_row = 0;
	json_t *m = json_object_get(root, "method");
	if (json_is_string(m)) {
		const char *ms = json_string_value(m);
		enum m_kind k = method_kind(ms, json_string_length(m));
		if (k != M_NONE)
			on_request(s, ctx, dir, ms, k, root);
	} else if (json_object_get(root, "id")) {
		on_response(s, ctx, root);
	}
	json_decref(root);
	if (s->mining_lines >= STRATUM_CONFIRM)
		report(s, ctx);
}

static int stratum_data(void *sv, struct app_ctx *ctx, enum app_dir dir, const uint8_t *data,
			size_t len)
{
	struct stratum_sess *s = sv;
	struct stratum_side *sd = &s->side[dir];
	if (s->reported) {
		/* Once reported, the later lines only feed --log stratum: without
		 * it, skip them instead of parsing every share and job (the bulk
		 * of a mining session). Decided once per session. */
		if (!s->log_checked) {
			s->log_wanted = ctx->scan && mm_scan_wants_record(ctx->scan, "stratum");
			s->log_checked = true;
		}
		if (!s->log_wanted) {
			s->lines_skipped_after_report++;
			return 0;
		}
	}
	while (len) {
		const uint8_t *nl = memchr(data, '\n', len);
		size_t take = nl ? (size_t)(nl - data) : len;
		if (!sd->skipping) {
			if (sd->len + take > STRATUM_LINE_MAX) {
				sd->skipping = true;
				sd->len = 0;
				s->lines_cut++;
			} else if (take) {
				if (!sd->line) {
					sd->line = malloc(STRATUM_LINE_MAX);
					if (!sd->line)
						return MM_ENOMEM;
				}
				memcpy(sd->line + sd->len, data, take);
				sd->len += take;
			}
		}
		if (!nl)
			break;
		if (!sd->skipping)
			on_line(s, ctx, dir, sd->line ? sd->line : "", sd->len);
		sd->len = 0;
		sd->skipping = false;
		data += take + 1;
		len -= take + 1;
		if (s->bad_in_row >= STRATUM_BAD_MAX)
			return s->reported ? 0 : MM_ECORRUPT;
	}
	return 0;
}

static int stratum_gap(void *sv, struct app_ctx *ctx, enum app_dir dir, uint64_t len)
{
	struct stratum_sess *s = sv;
	(void)ctx;
	(void)len;
	/* drop the broken line; the next newline resynchronises */
	s->side[dir].len = 0;
	s->side[dir].skipping = true;
	return 0;
}

static void stratum_close(void *sv, struct app_ctx *ctx)
{
	struct stratum_sess *s = sv;
	/* a final line without its newline */
	if (s->reported && s->log_checked && !s->log_wanted)
		return;
	for (int d = 0; d < 2; d++) {
		struct stratum_side *sd = &s->side[d];
		if (!sd->skipping && sd->len && sd->line)
			on_line(s, ctx, (enum app_dir)d, sd->line, sd->len);
		sd->len = 0;
	}
	if (s->mining_lines)
		report(s, ctx);
}

const struct app_parser app_parser_stratum = {
	.name = "stratum",
	.proto = NET_PROTO_TCP,
	.udp_too = false,
	.probe = stratum_probe,
	.session_new = stratum_new,
	.session_free = stratum_free,
	.data = stratum_data,
	.gap = stratum_gap,
	.close = stratum_close,
};
