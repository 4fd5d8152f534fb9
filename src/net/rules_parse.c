/*
 * rules_parse.c — the Suricata/Snort rule language: header (action,
 * protocol, addresses, ports, direction) and options (keyword table).
 *
 * Input is one logical rule (continuation lines already joined by the
 * loader) of at most RULE_MAX_TEXT bytes, from a file we do not trust: every
 * list, number and string is bounded. A rule that uses anything we do not
 * implement is rejected as a whole with reason_key "unsupported keyword: X"
 * (or "unsupported protocol: X", "syntax: ..."), never half-loaded.
 *
 * Options: `name;` or `name:value;`. A value ends at the first `;` that is
 * not escaped (`\;`), as in Suricata (quotes do not protect it); quoted values
 * are unquoted here with `\"` and `\;` resolved (`\\` is left for the
 * keyword: content turns it into one backslash, pcre keeps it).
 *
 * Variables ($HOME_NET...) are configuration keys net.vars.<NAME> and may
 * refer to other variables (depth 8); $HOME_NET falls back to the engine's
 * net.home_net, then to the default below. Threading: parsing uses only its
 * arguments.
 */
#include "core/compat.h"
#include "net/rules.h"

#include <ctype.h>
#include <stdarg.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <pthread.h>
#include <string.h>
#include <arpa/inet.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#define VAR_DEPTH 8
#define ADDR_MAX_KIDS 512

const struct mm_config_default net_rules_config_defaults[] = {
	{ "net.vars.HOME_NET", "", "rule variable $HOME_NET (empty: net.home_net)" },
	{ "net.vars.EXTERNAL_NET", "any", "rule variable $EXTERNAL_NET (Suricata's default config uses !$HOME_NET)" },
	{ "net.vars.HTTP_SERVERS", "$HOME_NET", "rule variable $HTTP_SERVERS" },
	{ "net.vars.SMTP_SERVERS", "$HOME_NET", "rule variable $SMTP_SERVERS" },
	{ "net.vars.SQL_SERVERS", "$HOME_NET", "rule variable $SQL_SERVERS" },
	{ "net.vars.DNS_SERVERS", "$HOME_NET", "rule variable $DNS_SERVERS" },
	{ "net.vars.TELNET_SERVERS", "$HOME_NET", "rule variable $TELNET_SERVERS" },
	{ "net.vars.AIM_SERVERS", "$EXTERNAL_NET", "rule variable $AIM_SERVERS" },
	{ "net.vars.DC_SERVERS", "$HOME_NET", "rule variable $DC_SERVERS" },
	{ "net.vars.DNP3_SERVER", "$HOME_NET", "rule variable $DNP3_SERVER" },
	{ "net.vars.DNP3_CLIENT", "$HOME_NET", "rule variable $DNP3_CLIENT" },
	{ "net.vars.MODBUS_CLIENT", "$HOME_NET", "rule variable $MODBUS_CLIENT" },
	{ "net.vars.MODBUS_SERVER", "$HOME_NET", "rule variable $MODBUS_SERVER" },
	{ "net.vars.ENIP_CLIENT", "$HOME_NET", "rule variable $ENIP_CLIENT" },
	{ "net.vars.ENIP_SERVER", "$HOME_NET", "rule variable $ENIP_SERVER" },
	{ "net.vars.HTTP_PORTS", "[80]", "rule variable $HTTP_PORTS" },
	{ "net.vars.SHELLCODE_PORTS", "!80", "rule variable $SHELLCODE_PORTS" },
	{ "net.vars.ORACLE_PORTS", "[1521]", "rule variable $ORACLE_PORTS" },
	{ "net.vars.SSH_PORTS", "[22]", "rule variable $SSH_PORTS" },
	{ "net.vars.DNP3_PORTS", "[20000]", "rule variable $DNP3_PORTS" },
	{ "net.vars.MODBUS_PORTS", "[502]", "rule variable $MODBUS_PORTS" },
	{ "net.vars.FILE_DATA_PORTS", "[$HTTP_PORTS,110,143]", "rule variable $FILE_DATA_PORTS" },
	{ "net.vars.FTP_PORTS", "[21]", "rule variable $FTP_PORTS" },
	{ "net.vars.GENEVE_PORTS", "[6081]", "rule variable $GENEVE_PORTS" },
	{ "net.vars.VXLAN_PORTS", "[4789]", "rule variable $VXLAN_PORTS" },
	{ "net.vars.TEREDO_PORTS", "[3544]", "rule variable $TEREDO_PORTS" },
	{ NULL, NULL, NULL }
};

static const char *const rb_names[RB_COUNT - NET_BUF_COUNT] = {
	"pkt_data", "http.header_names", "http.referer", "http.location", "http.accept",
	"http.accept_enc", "http.accept_lang", "http.server", "http.content_len",
	"http.connection", "http.start",
};

const char *rule_buf_name(unsigned b)
{
	static const char *const app[NET_BUF_COUNT] = {
#define NAME(n, t) t,
		NET_BUF_MAP(NAME)
#undef NAME
	};
	if (b < NET_BUF_COUNT)
		return app[b];
	if (b < RB_COUNT)
		return rb_names[b - NET_BUF_COUNT];
	return "?";
}

/* Sticky buffers and legacy modifier names. */
struct buf_alias {
	const char *name;
	unsigned buf;
};
static const struct buf_alias sticky[] = {
	{ "http.method", NET_BUF_HTTP_METHOD }, { "http.uri", NET_BUF_HTTP_URI },
	{ "http.uri.raw", NET_BUF_HTTP_URI_RAW }, { "http.header", NET_BUF_HTTP_HEADER },
	{ "http.header.raw", NET_BUF_HTTP_HEADER_RAW }, { "http.host", NET_BUF_HTTP_HOST },
	{ "http.host.raw", NET_BUF_HTTP_HOST }, { "http.user_agent", NET_BUF_HTTP_USER_AGENT },
	{ "http.cookie", NET_BUF_HTTP_COOKIE }, { "http.request_body", NET_BUF_HTTP_REQUEST_BODY },
	{ "http.stat_code", NET_BUF_HTTP_STAT_CODE }, { "http.stat_msg", NET_BUF_HTTP_STAT_MSG },
	{ "http.response_body", NET_BUF_HTTP_RESPONSE_BODY },
	{ "http.content_type", NET_BUF_HTTP_CONTENT_TYPE }, { "http.protocol", NET_BUF_HTTP_PROTOCOL },
	{ "http.request_line", NET_BUF_HTTP_REQUEST_LINE },
	{ "http.response_line", NET_BUF_HTTP_RESPONSE_LINE }, { "file.data", NET_BUF_FILE_DATA },
	{ "file_data", NET_BUF_FILE_DATA }, { "dns.query", NET_BUF_DNS_QUERY },
	{ "dns_query", NET_BUF_DNS_QUERY }, { "tls.sni", NET_BUF_TLS_SNI },
	{ "tls_sni", NET_BUF_TLS_SNI }, { "tls.cert_subject", NET_BUF_TLS_CERT_SUBJECT },
	{ "tls_cert_subject", NET_BUF_TLS_CERT_SUBJECT },
	{ "tls.cert_issuer", NET_BUF_TLS_CERT_ISSUER }, { "tls_cert_issuer", NET_BUF_TLS_CERT_ISSUER },
	{ "tls.cert_serial", NET_BUF_TLS_CERT_SERIAL }, { "tls_cert_serial", NET_BUF_TLS_CERT_SERIAL },
	{ "tls.cert_fingerprint", NET_BUF_TLS_CERT_FINGERPRINT },
	{ "tls_cert_fingerprint", NET_BUF_TLS_CERT_FINGERPRINT }, { "tls.certs", NET_BUF_TLS_CERTS },
	{ "ja3.hash", NET_BUF_JA3_HASH }, { "ja3_hash", NET_BUF_JA3_HASH },
	{ "ja3.string", NET_BUF_JA3_STRING }, { "ja3_string", NET_BUF_JA3_STRING },
	{ "ja3s.hash", NET_BUF_JA3S_HASH }, { "ja3s_hash", NET_BUF_JA3S_HASH },
	{ "ssh.proto", NET_BUF_SSH_PROTO }, { "ssh_proto", NET_BUF_SSH_PROTO },
	{ "ssh.software", NET_BUF_SSH_SOFTWARE }, { "ssh_software", NET_BUF_SSH_SOFTWARE },
	{ "http.header_names", RB_HTTP_HEADER_NAMES }, { "http.referer", RB_HTTP_REFERER },
	{ "http.location", RB_HTTP_LOCATION }, { "http.accept", RB_HTTP_ACCEPT },
	{ "http.accept_enc", RB_HTTP_ACCEPT_ENC }, { "http.accept_lang", RB_HTTP_ACCEPT_LANG },
	{ "http.server", RB_HTTP_SERVER }, { "http.content_len", RB_HTTP_CONTENT_LEN },
	{ "http.connection", RB_HTTP_CONNECTION }, { "http.start", RB_HTTP_START },
	{ "pkt_data", RB_PAYLOAD },
	{ NULL, 0 }
};
static const struct buf_alias legacy[] = {
	{ "http_method", NET_BUF_HTTP_METHOD }, { "http_uri", NET_BUF_HTTP_URI },
	{ "http_raw_uri", NET_BUF_HTTP_URI_RAW }, { "http_header", NET_BUF_HTTP_HEADER },
	{ "http_raw_header", NET_BUF_HTTP_HEADER_RAW }, { "http_host", NET_BUF_HTTP_HOST },
	{ "http_raw_host", NET_BUF_HTTP_HOST }, { "http_user_agent", NET_BUF_HTTP_USER_AGENT },
	{ "http_cookie", NET_BUF_HTTP_COOKIE }, { "http_client_body", NET_BUF_HTTP_REQUEST_BODY },
	{ "http_stat_code", NET_BUF_HTTP_STAT_CODE }, { "http_stat_msg", NET_BUF_HTTP_STAT_MSG },
	{ "http_server_body", NET_BUF_HTTP_RESPONSE_BODY },
	{ "http_content_type", NET_BUF_HTTP_CONTENT_TYPE },
	{ NULL, 0 }
};

static int find_alias(const struct buf_alias *t, const char *name)
{
	for (size_t i = 0; t[i].name; i++)
		if (!strcmp(t[i].name, name))
			return (int)t[i].buf;
	return -1;
}

/* ---- small parse helpers ---- */

struct perr {
	char *key, *reason;
	size_t key_cap, reason_cap;
};

static int fail(struct perr *e, int err, const char *key, const char *fmt, ...) MM_PRINTF(4, 5);
static int fail(struct perr *e, int err, const char *key, const char *fmt, ...)
{
	va_list ap;
	snprintf(e->key, e->key_cap, "%s", key);
	va_start(ap, fmt);
	vsnprintf(e->reason, e->reason_cap, fmt, ap);
	va_end(ap);
	return err;
}

static int unsupported(struct perr *e, const char *what, const char *name)
{
	char k[160];
	snprintf(k, sizeof(k), "unsupported %s: %.100s", what, name);
	snprintf(e->key, e->key_cap, "%s", k);
	snprintf(e->reason, e->reason_cap, "%s", k);
	return MM_EUNSUPPORTED;
}

static const char *skip_ws(const char *p, const char *end)
{
	while (p < end && isspace((unsigned char)*p))
		p++;
	return p;
}

static char *trim(char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	size_t n = strlen(s);
	while (n && isspace((unsigned char)s[n - 1]))
		s[--n] = '\0';
	return s;
}

/* Strict integer in [lo, hi]. */
static bool parse_i64(const char *s, int64_t lo, int64_t hi, int64_t *out)
{
	char *end;
	s = (const char *)skip_ws(s, s + strlen(s));
	if (!*s)
		return false;
	errno = 0;
	long long v;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		v = (long long)strtoull(s + 2, &end, 16);
	else
		v = strtoll(s, &end, 10);
	if (errno || end == s)
		return false;
	while (isspace((unsigned char)*end))
		end++;
	if (*end || v < lo || v > hi)
		return false;
	*out = v;
	return true;
}

/* Splits s at commas (in place) into at most cap trimmed parts. */
static size_t split_commas(char *s, char **parts, size_t cap)
{
	size_t n = 0;
	char *p = s;
	while (n < cap) {
		char *c = strchr(p, ',');
		if (c)
			*c = '\0';
		parts[n++] = trim(p);
		if (!c)
			break;
		p = c + 1;
	}
	return n;
}

/* ---- addresses and ports ---- */

struct expr_ctx {
	const struct mm_config *cfg;
	bool ports;
	int depth;
	size_t nodes;
	struct perr *e;
};

static int parse_expr(struct expr_ctx *x, const char *s, size_t len, struct rule_addr *out);

void rule_addr_release(struct rule_addr *a)
{
	if (!a)
		return;
	for (size_t i = 0; i < a->nkids; i++)
		rule_addr_release(&a->kids[i]);
	free(a->kids);
	free(a->v4lo);
	free(a->v4hi);
	a->kids = NULL;
	a->nkids = 0;
	a->v4lo = a->v4hi = NULL;
	a->nv4 = 0;
}

static int cmp_range(const void *x, const void *y)
{
	const uint32_t *a = x, *b = y;
	return (a[0] > b[0]) - (a[0] < b[0]);
}

/* Lists of plain address blocks (reputation lists, $HOME_NET) get a
 * table of their IPv4 blocks as sorted ranges; IPv6 members are still
 * checked one by one. */
static int index_v4(struct rule_addr *a)
{
	size_t nv4 = 0;
	if (a->nkids < 1)
		return 0;
	for (size_t i = 0; i < a->nkids; i++) {
		const struct rule_addr *k = &a->kids[i];
		if (k->kind != 1 || k->neg)
			return 0;
		if (k->ver == 4)
			nv4++;
	}
	a->leaves = true;
	if (!nv4)
		return 0;
	uint32_t *pairs = malloc(a->nkids * 2 * sizeof(*pairs));
	if (!pairs)
		return MM_ENOMEM;
	size_t np = 0;
	for (size_t i = 0; i < a->nkids; i++) {
		const struct rule_addr *k = &a->kids[i];
		if (k->ver != 4)
			continue;
		uint32_t v = ((uint32_t)k->addr[0] << 24) | ((uint32_t)k->addr[1] << 16) |
			     ((uint32_t)k->addr[2] << 8) | k->addr[3];
		uint32_t mask = k->prefix ? 0xffffffffu << (32 - k->prefix) : 0;
		pairs[2 * np] = v & mask;
		pairs[2 * np + 1] = (v & mask) | ~mask;
		np++;
	}
	qsort(pairs, np, 2 * sizeof(*pairs), cmp_range);
	a->v4lo = malloc(a->nkids * sizeof(uint32_t));
	a->v4hi = malloc(a->nkids * sizeof(uint32_t));
	if (!a->v4lo || !a->v4hi) {
		free(pairs);
		return MM_ENOMEM;
	}
	size_t n = 0;
	for (size_t i = 0; i < np; i++) {
		uint32_t lo = pairs[2 * i], hi = pairs[2 * i + 1];
		if (n && lo <= a->v4hi[n - 1] + 1ull) {
			if (hi > a->v4hi[n - 1])
				a->v4hi[n - 1] = hi;
			continue;
		}
		a->v4lo[n] = lo;
		a->v4hi[n] = hi;
		n++;
	}
	a->nv4 = n;
	a->v4only = np == a->nkids;
	free(pairs);
	return 0;
}

static int parse_leaf(struct expr_ctx *x, const char *s, size_t len, struct rule_addr *out)
{
	char buf[128];
	if (len == 0 || len >= sizeof(buf))
		return fail(x->e, MM_ESYNTAX, "syntax: address or port", "bad element '%s'", "");
	memcpy(buf, s, len);
	buf[len] = '\0';
	if (!strcmp(buf, "any")) {
		out->kind = 0;
		return 0;
	}
	if (buf[0] == '$') {
		char key[160];
		if (x->depth >= VAR_DEPTH)
			return fail(x->e, MM_ESYNTAX, "syntax: variable loop", "variable %s nests too deep", buf);
		snprintf(key, sizeof(key), "net.vars.%s", buf + 1);
		const char *v = mm_config_get(x->cfg, key, NULL);
		char home[2048];
		if (v && !*v)
			v = NULL;
		if (!v && !strcmp(buf, "$HOME_NET")) {
			/* the engine's own home network, unless the variable is set */
			const char *h = mm_config_get(x->cfg, "net.home_net", NULL);
			if (h && strlen(h) + 3 < sizeof(home)) {
				snprintf(home, sizeof(home), h[0] == '[' ? "%s" : "[%s]", h);
				v = home;
			}
		}
		if (!v) {
			for (size_t i = 0; net_rules_config_defaults[i].key; i++)
				if (!strcmp(net_rules_config_defaults[i].key, key))
					v = net_rules_config_defaults[i].value;
			if (v && !*v)	/* HOME_NET without any configuration */
				v = "[10.0.0.0/8,172.16.0.0/12,192.168.0.0/16,127.0.0.0/8,::1/128,fc00::/7,fe80::/10]";
		}
		if (!v)
			return fail(x->e, MM_ENOTFOUND, "undefined variable", "undefined variable %s", buf);
		x->depth++;
		int rc = parse_expr(x, v, strlen(v), out);
		x->depth--;
		return rc;
	}
	if (x->ports) {
		int64_t lo = 0, hi = 65535;
		char *colon = strchr(buf, ':');
		if (colon) {
			*colon = '\0';
			if (buf[0] && !parse_i64(buf, 0, 65535, &lo))
				return fail(x->e, MM_ESYNTAX, "syntax: port", "bad port '%s'", buf);
			if (colon[1] && !parse_i64(colon + 1, 0, 65535, &hi))
				return fail(x->e, MM_ESYNTAX, "syntax: port", "bad port '%s'", colon + 1);
		} else {
			if (!parse_i64(buf, 0, 65535, &lo))
				return fail(x->e, MM_ESYNTAX, "syntax: port", "bad port '%s'", buf);
			hi = lo;
		}
		if (lo > hi)
			return fail(x->e, MM_ESYNTAX, "syntax: port", "empty port range %s", buf);
		out->kind = 1;
		out->lo = (uint16_t)lo;
		out->hi = (uint16_t)hi;
		return 0;
	}
	int64_t prefix = -1;
	char *slash = strchr(buf, '/');
	if (slash) {
		*slash = '\0';
		if (!parse_i64(slash + 1, 0, 128, &prefix))
			return fail(x->e, MM_ESYNTAX, "syntax: address", "bad prefix in '%s'", buf);
	}
	out->kind = 1;
	memset(out->addr, 0, sizeof(out->addr));
	if (inet_pton(AF_INET, buf, out->addr) == 1) {
		out->ver = 4;
		if (prefix < 0)
			prefix = 32;
		if (prefix > 32)
			return fail(x->e, MM_ESYNTAX, "syntax: address", "bad prefix in '%s'", buf);
	} else if (inet_pton(AF_INET6, buf, out->addr) == 1) {
		out->ver = 6;
		if (prefix < 0)
			prefix = 128;
	} else {
		return fail(x->e, MM_ESYNTAX, "syntax: address", "bad address '%s'", buf);
	}
	out->prefix = (uint8_t)prefix;
	return 0;
}

/* expr := ['!'] (leaf | '[' expr (',' expr)* ']') */
static int parse_expr(struct expr_ctx *x, const char *s, size_t len, struct rule_addr *out)
{
	const char *end = s + len;
	memset(out, 0, sizeof(*out));
	s = skip_ws(s, end);
	while (end > s && isspace((unsigned char)end[-1]))
		end--;
	if (++x->nodes > 4096)
		return fail(x->e, MM_ELIMIT, "syntax: address list too large", "address list too large%s", "");
	if (s < end && *s == '!') {
		int rc = parse_expr(x, s + 1, (size_t)(end - s - 1), out);
		if (rc)
			return rc;
		out->neg = !out->neg;
		return 0;
	}
	if (s >= end || *s != '[')
		return parse_leaf(x, s, (size_t)(end - s), out);
	if (end[-1] != ']')
		return fail(x->e, MM_ESYNTAX, "syntax: unbalanced brackets", "unbalanced brackets%s", "");
	s++;
	end--;
	out->kind = 2;
	const char *p = s;
	int rc = 0;
	while (p <= end) {
		int nest = 0;
		const char *q = p;
		while (q < end && (nest > 0 || *q != ',')) {
			if (*q == '[')
				nest++;
			else if (*q == ']')
				nest--;
			q++;
		}
		if (nest)
			return fail(x->e, MM_ESYNTAX, "syntax: unbalanced brackets", "unbalanced brackets%s", "");
		if (out->nkids >= ADDR_MAX_KIDS)
			return fail(x->e, MM_ELIMIT, "syntax: address list too large", "address list too large%s", "");
		struct rule_addr *k = realloc(out->kids, (out->nkids + 1) * sizeof(*k));
		if (!k)
			return MM_ENOMEM;
		out->kids = k;
		rc = parse_expr(x, p, (size_t)(q - p), &out->kids[out->nkids]);
		out->nkids++;
		if (rc)
			return rc;
		p = q + 1;
	}
	return x->ports ? 0 : index_v4(out);
}

static bool cidr_match(const struct rule_addr *a, uint8_t ver, const uint8_t *addr)
{
	if (a->ver != ver)
		return false;
	unsigned full = a->prefix / 8u, rest = a->prefix % 8u;
	if (memcmp(a->addr, addr, full))
		return false;
	if (rest) {
		uint8_t m = (uint8_t)(0xffu << (8 - rest));
		if ((a->addr[full] & m) != (addr[full] & m))
			return false;
	}
	return true;
}

/* A list matches when one of its positive members matches (or it has
 * none) and none of its negated members does. */
static bool node_match(const struct rule_addr *a, bool ports, uint8_t ver, const uint8_t *addr,
		       uint16_t port)
{
	bool m;
	if (a->kind == 0) {
		m = true;
	} else if (a->kind == 1) {
		m = ports ? (port >= a->lo && port <= a->hi) : cidr_match(a, ver, addr);
	} else if (a->nv4 && (ports || ver == 4)) {
		m = false;
		if (!ports) {
			uint32_t v = ((uint32_t)addr[0] << 24) | ((uint32_t)addr[1] << 16) |
				     ((uint32_t)addr[2] << 8) | addr[3];
			size_t lo = 0, hi = a->nv4;
			while (lo < hi) {
				size_t mid = lo + (hi - lo) / 2;
				if (a->v4hi[mid] < v)
					lo = mid + 1;
				else
					hi = mid;
			}
			m = lo < a->nv4 && a->v4lo[lo] <= v;
		}
	} else {
		bool any_pos = false, pos_hit = false;
		m = true;
		for (size_t i = 0; i < a->nkids; i++) {
			const struct rule_addr *k = &a->kids[i];
			if (k->neg) {
				struct rule_addr t = *k;
				t.neg = false;
				if (node_match(&t, ports, ver, addr, port)) {
					m = false;
					break;
				}
			} else {
				any_pos = true;
				if (!pos_hit && node_match(k, ports, ver, addr, port))
					pos_hit = true;
			}
		}
		if (m && any_pos && !pos_hit)
			m = false;
	}
	return a->neg ? !m : m;
}

bool rule_addr_match(const struct rule_addr *a, uint8_t ver, const uint8_t *addr)
{
	return node_match(a, false, ver, addr, 0);
}

bool rule_port_match(const struct rule_addr *a, uint16_t port)
{
	return node_match(a, true, 0, NULL, port);
}

bool rule_range_match(const struct rule_range *r, int64_t v)
{
	if (!r->set)
		return true;
	switch (r->cmp) {
	case RC_EQ: return v == r->lo;
	case RC_NE: return v != r->lo;
	case RC_LT: return v < r->lo;
	case RC_GT: return v > r->lo;
	case RC_LE: return v <= r->lo;
	case RC_GE: return v >= r->lo;
	case RC_RANGE: return v > r->lo && v < r->hi;
	default: return false;
	}
}

/* "N", "<N", ">N", "<=N", ">=N", "!N", "N<>M", "N-M" */
static bool parse_range(const char *s, int64_t max, struct rule_range *r)
{
	char buf[64];
	snprintf(buf, sizeof(buf), "%s", s);
	char *p = trim(buf);
	memset(r, 0, sizeof(*r));
	r->set = true;
	char *rr = strstr(p, "<>");
	if (!rr)
		rr = strchr(p + (*p == '-' ? 1 : 0), '-');
	if (rr && rr != p) {
		size_t w = (rr[0] == '<') ? 2 : 1;
		*rr = '\0';
		r->cmp = RC_RANGE;
		return parse_i64(p, 0, max, &r->lo) && parse_i64(rr + w, 0, max, &r->hi) &&
		       r->lo < r->hi;
	}
	if (p[0] == '<' && p[1] == '=') {
		r->cmp = RC_LE;
		p += 2;
	} else if (p[0] == '>' && p[1] == '=') {
		r->cmp = RC_GE;
		p += 2;
	} else if (p[0] == '<') {
		r->cmp = RC_LT;
		p++;
	} else if (p[0] == '>') {
		r->cmp = RC_GT;
		p++;
	} else if (p[0] == '!') {
		r->cmp = RC_NE;
		p++;
	} else if (p[0] == '=') {
		p++;
	}
	return parse_i64(p, 0, max, &r->lo);
}

/* ---- option values ---- */

/* Removes surrounding quotes and resolves \" and \; (in place). */
static char *unquote(char *v, bool *was_quoted)
{
	v = trim(v);
	size_t n = strlen(v);
	*was_quoted = false;
	if (n >= 2 && v[0] == '"' && v[n - 1] == '"') {
		v[n - 1] = '\0';
		v++;
		*was_quoted = true;
	}
	char *o = v;
	for (char *p = v; *p; p++) {
		if (p[0] == '\\' && (p[1] == '"' || p[1] == ';')) {
			*o++ = p[1];
			p++;
		} else {
			*o++ = *p;
		}
	}
	*o = '\0';
	return v;
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* content string: |hex| runs, \\ escapes. */
static int parse_content_bytes(const char *s, uint8_t **out, size_t *outlen, struct perr *e)
{
	size_t n = strlen(s);
	uint8_t *b = malloc(n + 1);
	size_t o = 0;
	bool hex = false;
	if (!b)
		return MM_ENOMEM;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '|') {
			hex = !hex;
			continue;
		}
		if (hex) {
			if (isspace(c))
				continue;
			int h = hexval(c), l = i + 1 < n ? hexval((unsigned char)s[i + 1]) : -1;
			if (h < 0 || l < 0) {
				free(b);
				return fail(e, MM_ESYNTAX, "syntax: content hex", "bad hex in content \"%.80s\"", s);
			}
			b[o++] = (uint8_t)(h * 16 + l);
			i++;
			continue;
		}
		if (c == '\\' && i + 1 < n) {
			b[o++] = (uint8_t)s[++i];
			continue;
		}
		b[o++] = c;
	}
	if (hex || o == 0) {
		free(b);
		return fail(e, MM_ESYNTAX, "syntax: content", "bad content \"%.80s\"", s);
	}
	*out = b;
	*outlen = o;
	return 0;
}

/* ---- the keyword table ---- */

struct pstate {
	struct rule *r;
	const struct rule_parse_env *pe;
	struct perr *e;
	int cur_buf;		/* sticky buffer, -1: payload */
	int last_content;	/* index of the last content item */
	int last_item;
	bool any_payload, any_app, pkt_kw;
	bool has_sid;
	const char *kw;		/* the keyword being set up */
};

typedef int kw_setup_fn(struct pstate *ps, char *value, bool has_value);
struct kw_entry {
	const char *name;
	kw_setup_fn *setup;
	bool needs_value;
};

static struct rule_match *new_item(struct pstate *ps, uint8_t type)
{
	struct rule *r = ps->r;
	if (r->nm >= RULE_MAX_MATCH || !r->m)
		return NULL;
	struct rule_match *m = &r->m[r->nm];
	memset(m, 0, sizeof(*m));
	m->type = type;
	m->buf = (uint8_t)(ps->cur_buf < 0 ? RB_PAYLOAD : ps->cur_buf);
	m->depth.var = m->offset.var = m->distance.var = m->within.var = -1;
	m->value.var = m->boff.var = -1;
	m->result_var = -1;
	m->multiplier = 1;
	ps->last_item = r->nm;
	if (type == RM_CONTENT)
		ps->last_content = r->nm;
	r->nm++;
	return m;
}

static int too_many(struct pstate *ps)
{
	return fail(ps->e, MM_ELIMIT, "limit: too many content/pcre/byte keywords",
		    "more than %s match keywords", "64");
}

static int var_index(const struct rule *r, const char *name)
{
	for (int i = 0; i < r->nvars; i++)
		if (!strcmp(r->var_names[i], name))
			return i;
	return -1;
}

/* A number or a byte_extract variable name. */
static bool parse_num(struct pstate *ps, const char *s, int64_t lo, int64_t hi, struct rule_num *n)
{
	n->var = -1;
	if (parse_i64(s, lo, hi, &n->v))
		return true;
	int vi = var_index(ps->r, s);
	if (vi < 0)
		return false;
	n->var = (int8_t)vi;
	n->v = 0;
	return true;
}

static int kw_msg(struct pstate *ps, char *v, bool hv)
{
	bool q;
	(void)hv;
	free(ps->r->msg);
	ps->r->msg = strdup(unquote(v, &q));
	return ps->r->msg ? 0 : MM_ENOMEM;
}

static int kw_sid(struct pstate *ps, char *v, bool hv)
{
	int64_t n;
	(void)hv;
	if (!parse_i64(v, 1, UINT32_MAX, &n))
		return fail(ps->e, MM_ESYNTAX, "syntax: sid", "bad sid '%.40s'", v);
	ps->r->sid = (uint32_t)n;
	ps->has_sid = true;
	return 0;
}

static int kw_rev(struct pstate *ps, char *v, bool hv)
{
	int64_t n;
	(void)hv;
	if (!parse_i64(v, 0, UINT32_MAX, &n))
		return fail(ps->e, MM_ESYNTAX, "syntax: rev", "bad rev '%.40s'", v);
	ps->r->rev = (uint32_t)n;
	return 0;
}

static int kw_gid(struct pstate *ps, char *v, bool hv)
{
	int64_t n;
	(void)hv;
	if (!parse_i64(v, 0, UINT32_MAX, &n))
		return fail(ps->e, MM_ESYNTAX, "syntax: gid", "bad gid '%.40s'", v);
	ps->r->gid = (uint32_t)n;
	return 0;
}

static int kw_priority(struct pstate *ps, char *v, bool hv)
{
	int64_t n;
	(void)hv;
	if (!parse_i64(v, 1, 255, &n))
		return fail(ps->e, MM_ESYNTAX, "syntax: priority", "bad priority '%.40s'", v);
	ps->r->priority = (int)n;
	return 0;
}

static int kw_classtype(struct pstate *ps, char *v, bool hv)
{
	(void)hv;
	free(ps->r->classtype);
	ps->r->classtype = strdup(trim(v));
	return ps->r->classtype ? 0 : MM_ENOMEM;
}

static int kw_reference(struct pstate *ps, char *v, bool hv)
{
	(void)hv;
	struct rule *r = ps->r;
	if (r->nrefs >= RULE_MAX_REFS - 1)
		return 0;	/* alerts carry at most this many; the rest is ignored */
	char *c = strchr(v, ',');
	char buf[512];
	if (!c)
		return fail(ps->e, MM_ESYNTAX, "syntax: reference", "bad reference '%.80s'", v);
	*c = '\0';
	char *type = trim(v), *val = trim(c + 1);
	if (!strcmp(type, "url"))
		snprintf(buf, sizeof(buf), "%s%s", strncmp(val, "http", 4) ? "http://" : "", val);
	else if (!strcmp(type, "cve"))
		snprintf(buf, sizeof(buf), "CVE-%s", val);
	else
		snprintf(buf, sizeof(buf), "%s:%s", type, val);
	r->refs[r->nrefs] = strdup(buf);
	if (!r->refs[r->nrefs])
		return MM_ENOMEM;
	r->nrefs++;
	return 0;
}

static int kw_metadata(struct pstate *ps, char *v, bool hv)
{
	(void)hv;
	char *t = trim(v);
	if (ps->r->metadata) {
		size_t a = strlen(ps->r->metadata), b = strlen(t);
		char *n = realloc(ps->r->metadata, a + b + 3);
		if (!n)
			return MM_ENOMEM;
		memcpy(n + a, ", ", 2);
		memcpy(n + a + 2, t, b + 1);
		ps->r->metadata = n;
		return 0;
	}
	ps->r->metadata = strdup(t);
	return ps->r->metadata ? 0 : MM_ENOMEM;
}

static int kw_ignore(struct pstate *ps, char *v, bool hv)
{
	(void)ps;
	(void)v;
	(void)hv;
	return 0;
}

static int kw_dotprefix(struct pstate *ps, char *v, bool hv)
{
	(void)v;
	(void)hv;
	if (ps->cur_buf < 0)
		return fail(ps->e, MM_ESYNTAX, "syntax: dotprefix", "dotprefix without a sticky buffer%s", "");
	ps->r->dotprefix_buf = (uint8_t)ps->cur_buf;
	return 0;
}

static int kw_noalert(struct pstate *ps, char *v, bool hv)
{
	(void)v;
	(void)hv;
	ps->r->noalert = true;
	return 0;
}

static int kw_flow(struct pstate *ps, char *v, bool hv)
{
	char *parts[8];
	(void)hv;
	size_t n = split_commas(v, parts, 8);
	for (size_t i = 0; i < n; i++) {
		const char *p = parts[i];
		if (!strcmp(p, "to_server") || !strcmp(p, "from_client"))
			ps->r->flow |= RF_TO_SERVER;
		else if (!strcmp(p, "to_client") || !strcmp(p, "from_server"))
			ps->r->flow |= RF_TO_CLIENT;
		else if (!strcmp(p, "established"))
			ps->r->flow |= RF_ESTABLISHED;
		else if (!strcmp(p, "not_established"))
			ps->r->flow |= RF_NOT_ESTABLISHED;
		else if (!strcmp(p, "stateless"))
			ps->r->flow |= RF_STATELESS;
		else if (!strcmp(p, "only_stream"))
			ps->r->flow |= RF_ONLY_STREAM;
		else if (!strcmp(p, "no_stream"))
			ps->r->flow |= RF_NO_STREAM;
		else
			return unsupported(ps->e, "flow option", p);
	}
	if ((ps->r->flow & (RF_TO_SERVER | RF_TO_CLIENT)) == (RF_TO_SERVER | RF_TO_CLIENT))
		return fail(ps->e, MM_ESYNTAX, "syntax: flow", "flow both to_server and to_client%s", "");
	return 0;
}

static int kw_content(struct pstate *ps, char *v, bool hv)
{
	(void)hv;
	char *s = trim(v);
	bool neg = false, q;
	if (*s == '!') {
		neg = true;
		s = trim(s + 1);
	}
	s = unquote(s, &q);
	if (!q)
		return fail(ps->e, MM_ESYNTAX, "syntax: content", "content not quoted: %.80s", s);
	struct rule_match *m = new_item(ps, RM_CONTENT);
	if (!m)
		return too_many(ps);
	m->negated = neg;
	return parse_content_bytes(s, &m->pat, &m->patlen, ps->e);
}

static struct rule_match *last_content(struct pstate *ps, const char *kw)
{
	if (ps->last_content < 0) {
		fail(ps->e, MM_ESYNTAX, "syntax: modifier without content", "%s without a content", kw);
		return NULL;
	}
	return &ps->r->m[ps->last_content];
}

static int kw_nocase(struct pstate *ps, char *v, bool hv)
{
	(void)v;
	(void)hv;
	struct rule_match *m = last_content(ps, "nocase");
	if (!m)
		return MM_ESYNTAX;
	m->nocase = true;
	return 0;
}

static int content_num(struct pstate *ps, const char *kw, char *v, struct rule_num *n, bool *has,
		       bool rel, int64_t lo)
{
	struct rule_match *m = last_content(ps, kw);
	if (!m)
		return MM_ESYNTAX;
	if (!parse_num(ps, trim(v), lo, 1 << 30, n))
		return fail(ps->e, MM_ESYNTAX, "syntax: content modifier", "bad value for %s", kw);
	*has = true;
	if (rel)
		m->relative = true;
	return 0;
}

static int kw_depth(struct pstate *ps, char *v, bool hv)
{
	(void)hv;
	if (ps->last_content < 0)
		return last_content(ps, "depth") ? 0 : MM_ESYNTAX;
	struct rule_match *m = &ps->r->m[ps->last_content];
	return content_num(ps, "depth", v, &m->depth, &m->has_depth, false, 1);
}

static int kw_offset(struct pstate *ps, char *v, bool hv)
{
	(void)hv;
	if (ps->last_content < 0)
		return last_content(ps, "offset") ? 0 : MM_ESYNTAX;
	struct rule_match *m = &ps->r->m[ps->last_content];
	return content_num(ps, "offset", v, &m->offset, &m->has_offset, false, 0);
}

static int kw_distance(struct pstate *ps, char *v, bool hv)
{
	(void)hv;
	if (ps->last_content < 0)
		return last_content(ps, "distance") ? 0 : MM_ESYNTAX;
	struct rule_match *m = &ps->r->m[ps->last_content];
	return content_num(ps, "distance", v, &m->distance, &m->has_distance, true, -(1 << 30));
}

static int kw_within(struct pstate *ps, char *v, bool hv)
{
	(void)hv;
	if (ps->last_content < 0)
		return last_content(ps, "within") ? 0 : MM_ESYNTAX;
	struct rule_match *m = &ps->r->m[ps->last_content];
	return content_num(ps, "within", v, &m->within, &m->has_within, true, 1);
}

static int kw_startswith(struct pstate *ps, char *v, bool hv)
{
	(void)v;
	(void)hv;
	struct rule_match *m = last_content(ps, "startswith");
	if (!m)
		return MM_ESYNTAX;
	m->startswith = true;
	return 0;
}

static int kw_endswith(struct pstate *ps, char *v, bool hv)
{
	(void)v;
	(void)hv;
	struct rule_match *m = last_content(ps, "endswith");
	if (!m)
		return MM_ESYNTAX;
	m->endswith = true;
	return 0;
}

static int kw_fast_pattern(struct pstate *ps, char *v, bool hv)
{
	struct rule_match *m = last_content(ps, "fast_pattern");
	if (!m)
		return MM_ESYNTAX;
	m->fast_pattern = true;
	if (!hv)
		return 0;
	char *t = trim(v);
	if (!strcmp(t, "only")) {
		m->fp_only = true;
		return 0;
	}
	char *parts[2];
	int64_t o, l;
	if (split_commas(t, parts, 2) != 2 || !parse_i64(parts[0], 0, 65535, &o) ||
	    !parse_i64(parts[1], 1, 65535, &l) || (size_t)(o + l) > m->patlen)
		return fail(ps->e, MM_ESYNTAX, "syntax: fast_pattern", "bad fast_pattern '%.40s'", v);
	m->fp_chop = true;
	m->fp_off = (uint32_t)o;
	m->fp_len = (uint32_t)l;
	return 0;
}

static int kw_bsize(struct pstate *ps, char *v, bool hv)
{
	(void)hv;
	struct rule_match *m = new_item(ps, RM_BSIZE);
	if (!m)
		return too_many(ps);
	if (!parse_range(v, 1 << 30, &m->size))
		return fail(ps->e, MM_ESYNTAX, "syntax: bsize", "bad bsize '%.40s'", v);
	return 0;
}

static int set_sticky(struct pstate *ps, int buf)
{
	ps->cur_buf = buf;
	ps->last_content = -1;
	return 0;
}

/* Legacy modifiers move the previous content to a buffer. */
static int apply_legacy(struct pstate *ps, const char *kw, int buf)
{
	struct rule_match *m = last_content(ps, kw);
	if (!m)
		return MM_ESYNTAX;
	m->buf = (uint8_t)buf;
	return 0;
}

static uint32_t pcre_flag_buf(char f, int *buf)
{
	switch (f) {
	case 'U': *buf = NET_BUF_HTTP_URI; return 1;
	case 'I': *buf = NET_BUF_HTTP_URI_RAW; return 1;
	case 'P': *buf = NET_BUF_HTTP_REQUEST_BODY; return 1;
	case 'Q': *buf = NET_BUF_FILE_DATA; return 1;
	case 'H': *buf = NET_BUF_HTTP_HEADER; return 1;
	case 'D': *buf = NET_BUF_HTTP_HEADER_RAW; return 1;
	case 'M': *buf = NET_BUF_HTTP_METHOD; return 1;
	case 'C': *buf = NET_BUF_HTTP_COOKIE; return 1;
	case 'S': *buf = NET_BUF_HTTP_STAT_CODE; return 1;
	case 'Y': *buf = NET_BUF_HTTP_STAT_MSG; return 1;
	case 'V': *buf = NET_BUF_HTTP_USER_AGENT; return 1;
	case 'W': *buf = NET_BUF_HTTP_HOST; return 1;
	case 'Z': *buf = NET_BUF_HTTP_HOST; return 1;
	default: return 0;
	}
}

static int kw_pcre(struct pstate *ps, char *v, bool hv)
{
	(void)hv;
	char *s = trim(v);
	bool neg = false, q;
	if (*s == '!') {
		neg = true;
		s = trim(s + 1);
	}
	s = unquote(s, &q);
	size_t n = strlen(s);
	if (n < 2 || s[0] != '/')
		return fail(ps->e, MM_ESYNTAX, "syntax: pcre", "pcre must be /re/flags: %.80s", s);
	char *close = strrchr(s, '/');
	if (close == s)
		return fail(ps->e, MM_ESYNTAX, "syntax: pcre", "pcre must be /re/flags: %.80s", s);
	*close = '\0';
	const char *re = s + 1, *flags = close + 1;
	uint32_t opts = 0;
	int buf = -1;
	bool rel = false;
	for (const char *f = flags; *f; f++) {
		switch (*f) {
		case 'i': opts |= PCRE2_CASELESS; break;
		case 's': opts |= PCRE2_DOTALL; break;
		case 'm': opts |= PCRE2_MULTILINE; break;
		case 'x': opts |= PCRE2_EXTENDED; break;
		case 'A': opts |= PCRE2_ANCHORED; break;
		case 'E': opts |= PCRE2_DOLLAR_ENDONLY; break;
		case 'G': opts |= PCRE2_UNGREEDY; break;
		case 'R': rel = true; break;
		case 'B': case 'O': break;	/* rawbytes; match-limit override */
		default:
			if (!pcre_flag_buf(*f, &buf)) {
				char fl[2] = { *f, 0 };
				return unsupported(ps->e, "pcre flag", fl);
			}
		}
	}
	struct rule_match *m = new_item(ps, RM_PCRE);
	if (!m)
		return too_many(ps);
	if (buf >= 0)
		m->buf = (uint8_t)buf;
	m->negated = neg;
	m->relative = rel;
	int err;
	PCRE2_SIZE eoff;
	pcre2_code *code = pcre2_compile((PCRE2_SPTR)re, PCRE2_ZERO_TERMINATED, opts, &err, &eoff, NULL);
	if (!code) {
		PCRE2_UCHAR msg[160];
		pcre2_get_error_message(err, msg, sizeof(msg));
		return fail(ps->e, MM_ESYNTAX, "syntax: pcre does not compile", "pcre does not compile: %s",
			    (const char *)msg);
	}
	m->re = code;
	m->re_jit = malloc(sizeof(*m->re_jit));
	if (!m->re_jit)
		return MM_ENOMEM;
	atomic_init(m->re_jit, 0);
	return 0;
}

/* Common tail options of byte_test/byte_jump/byte_extract. */
static int byte_opts(struct pstate *ps, struct rule_match *m, char **parts, size_t n, const char *kw)
{
	m->big_endian = true;
	for (size_t i = 0; i < n; i++) {
		char *p = parts[i];
		if (!strcmp(p, "relative"))
			m->relative = true;
		else if (!strcmp(p, "big"))
			m->big_endian = true;
		else if (!strcmp(p, "little"))
			m->big_endian = false;
		else if (!strcmp(p, "string"))
			m->string = true;
		else if (!strcmp(p, "hex"))
			m->base = 16;
		else if (!strcmp(p, "dec"))
			m->base = 10;
		else if (!strcmp(p, "oct"))
			m->base = 8;
		else if (!strcmp(p, "dce")) {
			m->dce = true;
			m->big_endian = false;
		} else if (!strcmp(p, "align"))
			m->align = true;
		else if (!strcmp(p, "from_beginning"))
			m->from_beginning = true;
		else if (!strcmp(p, "from_end"))
			m->from_end = true;
		else if (!strncmp(p, "multiplier", 10)) {
			if (!parse_i64(p + 10, 1, 65535, &m->multiplier))
				return fail(ps->e, MM_ESYNTAX, "syntax: byte keyword", "bad multiplier in %s", kw);
		} else if (!strncmp(p, "post_offset", 11)) {
			if (!parse_i64(p + 11, -65535, 65535, &m->post_offset))
				return fail(ps->e, MM_ESYNTAX, "syntax: byte keyword", "bad post_offset in %s", kw);
		} else if (!strncmp(p, "bitmask", 7)) {
			int64_t bm;
			if (!parse_i64(p + 7, 0, INT64_MAX, &bm))
				return fail(ps->e, MM_ESYNTAX, "syntax: byte keyword", "bad bitmask in %s", kw);
			m->bitmask = (uint64_t)bm;
		} else {
			char k[96];
			snprintf(k, sizeof(k), "%s option %.40s", kw, p);
			return unsupported(ps->e, "keyword", k);
		}
	}
	if (m->string && !m->base)
		m->base = 10;
	if (!m->string && m->nbytes > 8)
		return fail(ps->e, MM_ESYNTAX, "syntax: byte keyword", "%s: more than 8 bytes without string", kw);
	return 0;
}

static int kw_byte_test(struct pstate *ps, char *v, bool hv)
{
	(void)hv;
	char *parts[16];
	size_t n = split_commas(v, parts, 16);
	int64_t nb;
	if (n < 4 || !parse_i64(parts[0], 0, 10, &nb))
		return fail(ps->e, MM_ESYNTAX, "syntax: byte_test", "bad byte_test '%.60s'", parts[0]);
	struct rule_match *m = new_item(ps, RM_BYTE_TEST);
	if (!m)
		return too_many(ps);
	m->nbytes = (uint8_t)nb;
	char *op = parts[1];
	if (*op == '!') {
		m->op_neg = true;
		op++;
	}
	if (!strcmp(op, "<=")) m->op = 'L';
	else if (!strcmp(op, ">=")) m->op = 'G';
	else if (strlen(op) == 1 && strchr("<>=&^", *op)) m->op = *op;
	else
		return fail(ps->e, MM_ESYNTAX, "syntax: byte_test", "bad operator '%.10s'", op);
	if (!parse_num(ps, parts[2], 0, INT64_MAX, &m->value) ||
	    !parse_num(ps, parts[3], -65535, 65535, &m->boff))
		return fail(ps->e, MM_ESYNTAX, "syntax: byte_test", "bad value/offset '%.40s'", parts[2]);
	return byte_opts(ps, m, parts + 4, n - 4, "byte_test");
}

static int kw_byte_jump(struct pstate *ps, char *v, bool hv)
{
	(void)hv;
	char *parts[16];
	size_t n = split_commas(v, parts, 16);
	int64_t nb;
	if (n < 2 || !parse_i64(parts[0], 0, 10, &nb))
		return fail(ps->e, MM_ESYNTAX, "syntax: byte_jump", "bad byte_jump '%.60s'", parts[0]);
	struct rule_match *m = new_item(ps, RM_BYTE_JUMP);
	if (!m)
		return too_many(ps);
	m->nbytes = (uint8_t)nb;
	if (!parse_num(ps, parts[1], -65535, 65535, &m->boff))
		return fail(ps->e, MM_ESYNTAX, "syntax: byte_jump", "bad offset '%.40s'", parts[1]);
	return byte_opts(ps, m, parts + 2, n - 2, "byte_jump");
}

static int add_var(struct pstate *ps, const char *name)
{
	struct rule *r = ps->r;
	if (r->nvars >= RULE_MAX_VARS)
		return fail(ps->e, MM_ELIMIT, "limit: too many byte_extract variables", "more than %s variables", "8");
	r->var_names[r->nvars] = strdup(name);
	if (!r->var_names[r->nvars])
		return MM_ENOMEM;
	return r->nvars++;
}

static int kw_byte_extract(struct pstate *ps, char *v, bool hv)
{
	(void)hv;
	char *parts[16];
	size_t n = split_commas(v, parts, 16);
	int64_t nb;
	if (n < 3 || !parse_i64(parts[0], 1, 10, &nb))
		return fail(ps->e, MM_ESYNTAX, "syntax: byte_extract", "bad byte_extract '%.60s'", parts[0]);
	struct rule_match *m = new_item(ps, RM_BYTE_EXTRACT);
	if (!m)
		return too_many(ps);
	m->nbytes = (uint8_t)nb;
	if (!parse_num(ps, parts[1], -65535, 65535, &m->boff))
		return fail(ps->e, MM_ESYNTAX, "syntax: byte_extract", "bad offset '%.40s'", parts[1]);
	int rc = byte_opts(ps, m, parts + 3, n - 3, "byte_extract");
	if (rc)
		return rc;
	int vi = add_var(ps, parts[2]);
	if (vi < 0)
		return vi;
	m->result_var = (int8_t)vi;
	return 0;
}

static int kw_byte_math(struct pstate *ps, char *v, bool hv)
{
	(void)hv;
	char *parts[16];
	size_t n = split_commas(v, parts, 16);
	struct rule_match *m = new_item(ps, RM_BYTE_MATH);
	const char *result = NULL;
	if (!m)
		return too_many(ps);
	m->big_endian = true;
	for (size_t i = 0; i < n; i++) {
		char *p = parts[i];
		char *sp = p + strcspn(p, " \t");
		char *val = *sp ? trim(sp + 1) : sp;
		*sp = '\0';
		int64_t x;
		if (!strcmp(p, "bytes") && parse_i64(val, 1, 4, &x))
			m->nbytes = (uint8_t)x;
		else if (!strcmp(p, "offset") && parse_num(ps, val, -65535, 65535, &m->boff))
			;
		else if (!strcmp(p, "oper") && strlen(val) == 1 && strchr("+-*/", *val))
			m->op = *val;
		else if (!strcmp(p, "oper") && (!strcmp(val, "<<") || !strcmp(val, ">>")))
			m->op = val[0];
		else if (!strcmp(p, "rvalue") && parse_num(ps, val, 0, UINT32_MAX, &m->value))
			;
		else if (!strcmp(p, "result") && *val)
			result = val;
		else if (!strcmp(p, "relative"))
			m->relative = true;
		else if (!strcmp(p, "endian") && !strcmp(val, "big"))
			m->big_endian = true;
		else if (!strcmp(p, "endian") && !strcmp(val, "little"))
			m->big_endian = false;
		else if (!strcmp(p, "string")) {
			m->string = true;
			m->base = !strcmp(val, "hex") ? 16 : !strcmp(val, "oct") ? 8 : 10;
		} else if (!strcmp(p, "bitmask") && parse_i64(val, 0, INT64_MAX, &x))
			m->bitmask = (uint64_t)x;
		else if (!strcmp(p, "dce"))
			m->big_endian = false;
		else
			return fail(ps->e, MM_ESYNTAX, "syntax: byte_math", "bad byte_math option '%.40s'", p);
	}
	if (!m->nbytes || !m->op || !result)
		return fail(ps->e, MM_ESYNTAX, "syntax: byte_math", "byte_math needs bytes, oper, rvalue, result%s", "");
	int vi = add_var(ps, result);
	if (vi < 0)
		return vi;
	m->result_var = (int8_t)vi;
	return 0;
}

static int kw_isdataat(struct pstate *ps, char *v, bool hv)
{
	(void)hv;
	char *parts[3];
	char *s = trim(v);
	bool neg = false;
	if (*s == '!') {
		neg = true;
		s++;
	}
	size_t n = split_commas(s, parts, 3);
	struct rule_match *m = new_item(ps, RM_ISDATAAT);
	if (!m)
		return too_many(ps);
	m->negated = neg;
	if (!parse_num(ps, parts[0], 0, 1 << 30, &m->boff))
		return fail(ps->e, MM_ESYNTAX, "syntax: isdataat", "bad isdataat '%.40s'", parts[0]);
	for (size_t i = 1; i < n; i++) {
		if (!strcmp(parts[i], "relative"))
			m->relative = true;
		else if (strcmp(parts[i], "rawbytes"))
			return unsupported(ps->e, "keyword", "isdataat option");
	}
	return 0;
}

static int hdr_range(struct pstate *ps, struct rule_range *r, const char *kw, char *v, int64_t max)
{
	ps->pkt_kw = true;
	if (!parse_range(v, max, r)) {
		return fail(ps->e, MM_ESYNTAX, "syntax: header keyword", "bad value for %s", kw);
	}
	return 0;
}

/* Header keywords that are a number or range of one field of the rule:
 * the field and the largest value. */
static const struct {
	const char *name;
	size_t off;
	int64_t max;
} hdr_fields[] = {
	{ "dsize", offsetof(struct rule, dsize), 65535 },
	{ "ttl", offsetof(struct rule, ttl), 255 },
	{ "itype", offsetof(struct rule, itype), 255 },
	{ "icode", offsetof(struct rule, icode), 255 },
	{ "id", offsetof(struct rule, ipid), 65535 },
	{ "seq", offsetof(struct rule, seq), UINT32_MAX },
	{ "ack", offsetof(struct rule, ack), UINT32_MAX },
	{ "window", offsetof(struct rule, window), 65535 },
};

static int kw_hdr(struct pstate *ps, char *v, bool hv)
{
	(void)hv;
	for (size_t i = 0; i < MM_ARRAY_SIZE(hdr_fields); i++)
		if (!strcmp(hdr_fields[i].name, ps->kw)) {
			void *field = (char *)ps->r + hdr_fields[i].off;
			return hdr_range(ps, field, ps->kw, v, hdr_fields[i].max);
		}
	return unsupported(ps->e, "keyword", ps->kw);
}

static int kw_ip_proto(struct pstate *ps, char *v, bool hv)
{
	(void)hv;
	char *t = trim(v);
	if (!strcmp(t, "tcp"))
		t = "6";
	else if (!strcmp(t, "udp"))
		t = "17";
	else if (!strcmp(t, "icmp"))
		t = "1";
	else if (!strcmp(t, "igmp"))
		t = "2";
	else if (!strcmp(t, "gre"))
		t = "47";
	return hdr_range(ps, &ps->r->ip_proto, "ip_proto", t, 255);
}

static int kw_sameip(struct pstate *ps, char *v, bool hv)
{
	(void)v;
	(void)hv;
	ps->r->sameip = true;
	ps->pkt_kw = true;
	return 0;
}

static int kw_urilen(struct pstate *ps, char *v, bool hv)
{
	(void)hv;
	char *parts[2];
	size_t n = split_commas(v, parts, 2);
	if (n == 2 && strcmp(parts[1], "norm") && strcmp(parts[1], "raw"))
		return fail(ps->e, MM_ESYNTAX, "syntax: urilen", "bad urilen option '%.20s'", parts[1]);
	if (!parse_range(parts[0], 65535, &ps->r->urilen))
		return fail(ps->e, MM_ESYNTAX, "syntax: urilen", "bad urilen '%.40s'", parts[0]);
	ps->any_app = true;
	return 0;
}

static uint8_t flag_bit(char c)
{
	switch (c) {
	case 'F': return 0x01;
	case 'S': return 0x02;
	case 'R': return 0x04;
	case 'P': return 0x08;
	case 'A': return 0x10;
	case 'U': return 0x20;
	case 'E': case '2': return 0x40;
	case 'C': case '1': return 0x80;
	case '0': return 0;
	default: return 0xff;
	}
}

static int kw_flags(struct pstate *ps, char *v, bool hv)
{
	(void)hv;
	struct rule *r = ps->r;
	char *parts[2];
	size_t n = split_commas(v, parts, 2);
	r->flags_mask = 0xff;
	for (char *p = parts[0]; *p; p++) {
		if (*p == '+' || *p == '*' || *p == '!') {
			r->flags_mode = (uint8_t)*p;
			continue;
		}
		uint8_t b = flag_bit(*p);
		if (b == 0xff)
			return fail(ps->e, MM_ESYNTAX, "syntax: flags", "bad flags '%.20s'", parts[0]);
		r->flags_set |= b;
	}
	if (n == 2) {
		for (char *p = parts[1]; *p; p++) {
			uint8_t b = flag_bit(*p);
			if (b == 0xff)
				return fail(ps->e, MM_ESYNTAX, "syntax: flags", "bad flags mask '%.20s'", parts[1]);
			r->flags_mask = (uint8_t)(r->flags_mask & ~b);
		}
	}
	r->has_flags = true;
	ps->pkt_kw = true;
	return 0;
}

static int flowbit_id(struct pstate *ps, const char *name, uint32_t *id)
{
	struct rule_names *t = ps->pe->flowbits;
	if (!*name || strlen(name) > 200)
		return fail(ps->e, MM_ESYNTAX, "syntax: flowbits", "bad flowbit name '%.40s'", name);
	for (size_t i = 0; i < t->n; i++)
		if (!strcmp(t->v[i], name)) {
			*id = (uint32_t)i;
			return 0;
		}
	if (t->n >= 65536)
		return fail(ps->e, MM_ELIMIT, "limit: too many flowbits", "more than %s flowbit names", "65536");
	if (t->n == t->cap) {
		size_t nc = t->cap ? t->cap * 2 : 64;
		char **nv = realloc(t->v, nc * sizeof(*nv));
		if (!nv)
			return MM_ENOMEM;
		t->v = nv;
		t->cap = nc;
	}
	t->v[t->n] = strdup(name);
	if (!t->v[t->n])
		return MM_ENOMEM;
	*id = (uint32_t)t->n++;
	return 0;
}

static int kw_flowbits(struct pstate *ps, char *v, bool hv)
{
	(void)hv;
	struct rule *r = ps->r;
	char *parts[2];
	size_t n = split_commas(v, parts, 2);
	static const char *const cmds[] = { "set", "unset", "toggle", "isset", "isnotset", "noalert" };
	int cmd = -1;
	for (int i = 0; i < 6; i++)
		if (!strcmp(parts[0], cmds[i]))
			cmd = i;
	if (cmd < 0)
		return unsupported(ps->e, "flowbits command", parts[0]);
	if (cmd == FB_NOALERT) {
		r->noalert = true;
		return 0;
	}
	if (n != 2)
		return fail(ps->e, MM_ESYNTAX, "syntax: flowbits", "flowbits %s needs a name", parts[0]);
	if (r->nfb >= RULE_MAX_FLOWBITS)
		return fail(ps->e, MM_ELIMIT, "limit: too many flowbits", "more than %s flowbits keywords", "8");
	struct rule_flowbit *fb = &r->fb[r->nfb];
	memset(fb, 0, sizeof(*fb));
	fb->cmd = (uint8_t)cmd;
	char *names = parts[1];
	char sep = strchr(names, '|') ? '|' : '&';
	if (strchr(names, '|') && strchr(names, '&'))
		return fail(ps->e, MM_ESYNTAX, "syntax: flowbits", "flowbits mixes | and &%s", "");
	fb->any = sep == '|';
	char *p = names;
	for (;;) {
		char *c = strchr(p, sep);
		if (c)
			*c = '\0';
		if (fb->n >= RULE_MAX_FB_NAMES)
			return fail(ps->e, MM_ELIMIT, "limit: too many flowbits", "more than %s names in a group", "8");
		int rc = flowbit_id(ps, trim(p), &fb->id[fb->n]);
		if (rc)
			return rc;
		fb->n++;
		if (!c)
			break;
		p = c + 1;
	}
	if (fb->n > 1 && cmd != FB_ISSET && cmd != FB_ISNOTSET && cmd != FB_SET && cmd != FB_UNSET)
		return fail(ps->e, MM_ESYNTAX, "syntax: flowbits", "groups only with set/unset/isset/isnotset%s", "");
	r->nfb++;
	return 0;
}

static int threshold_common(struct pstate *ps, char *v, bool detection)
{
	struct rule *r = ps->r;
	char *parts[6];
	size_t n = split_commas(v, parts, 6);
	bool has_type = detection, has_track = false, has_count = false, has_sec = false;
	if (detection)
		r->thr_type = THR_DETECTION;
	for (size_t i = 0; i < n; i++) {
		char *p = parts[i];
		char *sp = p + strcspn(p, " \t");
		char *val = *sp ? trim(sp + 1) : sp;
		*sp = '\0';
		int64_t x;
		if (!strcmp(p, "type") && !detection) {
			has_type = true;
			if (!strcmp(val, "limit")) r->thr_type = THR_LIMIT;
			else if (!strcmp(val, "threshold")) r->thr_type = THR_THRESHOLD;
			else if (!strcmp(val, "both")) r->thr_type = THR_BOTH;
			else
				return unsupported(ps->e, "threshold type", val);
		} else if (!strcmp(p, "track")) {
			has_track = true;
			if (!strcmp(val, "by_src")) r->thr_track = TRK_SRC;
			else if (!strcmp(val, "by_dst")) r->thr_track = TRK_DST;
			else if (!strcmp(val, "by_rule")) r->thr_track = TRK_RULE;
			else if (!strcmp(val, "by_both")) r->thr_track = TRK_BOTH;
			else if (!strcmp(val, "by_flow")) r->thr_track = TRK_FLOW;
			else
				return unsupported(ps->e, "threshold track", val);
		} else if (!strcmp(p, "count") && parse_i64(val, 1, UINT32_MAX, &x)) {
			has_count = true;
			r->thr_count = (uint32_t)x;
		} else if (!strcmp(p, "seconds") && parse_i64(val, 1, UINT32_MAX, &x)) {
			has_sec = true;
			r->thr_seconds = (uint32_t)x;
		} else {
			return fail(ps->e, MM_ESYNTAX, "syntax: threshold", "bad threshold option '%.40s'", p);
		}
	}
	if (!has_type || !has_track || !has_count || !has_sec)
		return fail(ps->e, MM_ESYNTAX, "syntax: threshold", "threshold needs type, track, count and seconds%s", "");
	return 0;
}

static int kw_threshold(struct pstate *ps, char *v, bool hv)
{
	(void)hv;
	return threshold_common(ps, v, false);
}

static int kw_detection_filter(struct pstate *ps, char *v, bool hv)
{
	(void)hv;
	return threshold_common(ps, v, true);
}

static int kw_app_layer_protocol(struct pstate *ps, char *v, bool hv)
{
	(void)hv;
	char *t = trim(v);
	if (*t == '!')
		return unsupported(ps->e, "keyword", "app-layer-protocol negation");
	static const char *const known[] = { "http", "dns", "tls", "ssh", "smb", "ftp", "rdp", "telnet",
					     "stratum", NULL };
	for (size_t i = 0; known[i]; i++)
		if (!strcmp(known[i], t)) {
			ps->r->app_proto = known[i];
			return 0;
		}
	return unsupported(ps->e, "protocol", t);
}

static const struct kw_entry keywords[] = {
	{ "msg", kw_msg, true }, { "sid", kw_sid, true }, { "rev", kw_rev, true },
	{ "gid", kw_gid, true }, { "classtype", kw_classtype, true },
	{ "reference", kw_reference, true }, { "metadata", kw_metadata, true },
	{ "priority", kw_priority, true }, { "target", kw_ignore, true },
	{ "flow", kw_flow, true }, { "content", kw_content, true }, { "nocase", kw_nocase, false },
	{ "depth", kw_depth, true }, { "offset", kw_offset, true },
	{ "distance", kw_distance, true }, { "within", kw_within, true },
	{ "fast_pattern", kw_fast_pattern, false }, { "startswith", kw_startswith, false },
	{ "endswith", kw_endswith, false }, { "rawbytes", kw_ignore, false },
	{ "bsize", kw_bsize, true }, { "pcre", kw_pcre, true },
	{ "byte_test", kw_byte_test, true }, { "byte_jump", kw_byte_jump, true },
	{ "byte_extract", kw_byte_extract, true }, { "byte_math", kw_byte_math, true },
	{ "isdataat", kw_isdataat, true }, { "dsize", kw_hdr, true },
	{ "ttl", kw_hdr, true }, { "itype", kw_hdr, true }, { "icode", kw_hdr, true },
	{ "id", kw_hdr, true }, { "seq", kw_hdr, true }, { "ack", kw_hdr, true },
	{ "window", kw_hdr, true }, { "ip_proto", kw_ip_proto, true },
	{ "sameip", kw_sameip, false }, { "urilen", kw_urilen, true },
	{ "flags", kw_flags, true }, { "flowbits", kw_flowbits, true },
	{ "threshold", kw_threshold, true }, { "detection_filter", kw_detection_filter, true },
	{ "app-layer-protocol", kw_app_layer_protocol, true },
	{ "noalert", kw_noalert, false }, { "dotprefix", kw_dotprefix, false }, { "prefilter", kw_ignore, false },
	{ NULL, NULL, false }
};

/* Keyword lookup: an index of the table sorted by name, made once
 * (ET Open: about 300,000 options; a linear scan of the table was a
 * quarter of the load time). */
static const struct kw_entry *kw_sorted[MM_ARRAY_SIZE(keywords)];
static size_t kw_nsorted;
static pthread_once_t kw_once = PTHREAD_ONCE_INIT;

static int cmp_kw(const void *a, const void *b)
{
	const struct kw_entry *const *x = a, *const *y = b;
	return strcmp((*x)->name, (*y)->name);
}

static void kw_index(void)
{
	for (size_t i = 0; keywords[i].name; i++)
		kw_sorted[kw_nsorted++] = &keywords[i];
	qsort(kw_sorted, kw_nsorted, sizeof(*kw_sorted), cmp_kw);
}

static const struct kw_entry *kw_find(const char *name)
{
	pthread_once(&kw_once, kw_index);
	struct kw_entry key = { name, NULL, false };
	const struct kw_entry *kp = &key;
	const struct kw_entry *const *hit = bsearch(&kp, kw_sorted, kw_nsorted, sizeof(*kw_sorted), cmp_kw);
	return hit ? *hit : NULL;
}

/* ---- header ---- */

struct proto_entry {
	const char *name;
	uint8_t ipproto;
	const char *app;
};
static const struct proto_entry protos[] = {
	{ "ip", 0, NULL }, { "tcp", 6, NULL }, { "udp", 17, NULL }, { "icmp", 1, NULL },
	{ "tcp-pkt", 6, NULL }, { "tcp-stream", 6, NULL },
	{ "http", 6, "http" }, { "http1", 6, "http" }, { "dns", 0, "dns" }, { "tls", 6, "tls" },
	{ "ssh", 6, "ssh" }, { "smb", 6, "smb" }, { "ftp", 6, "ftp" }, { "rdp", 6, "rdp" },
	{ "telnet", 6, "telnet" },
	{ NULL, 0, NULL }
};

static int next_token(const char **p, const char *end, char *out, size_t cap)
{
	const char *s = skip_ws(*p, end);
	const char *q = s;
	int nest = 0;
	while (q < end && (nest > 0 || !isspace((unsigned char)*q))) {
		if (*q == '[')
			nest++;
		else if (*q == ']')
			nest--;
		if (*q == '(' && nest == 0)
			break;
		q++;
	}
	if (q == s || (size_t)(q - s) >= cap)
		return -1;
	memcpy(out, s, (size_t)(q - s));
	out[q - s] = '\0';
	*p = q;
	return 0;
}

static int parse_header(struct pstate *ps, const char **pp, const char *end)
{
	struct rule *r = ps->r;
	char tok[4096];
	struct expr_ctx x = { ps->pe->config, false, 0, 0, ps->e };
	int rc;

	if (next_token(pp, end, tok, sizeof(tok)))
		return fail(ps->e, MM_ESYNTAX, "syntax: header", "missing action%s", "");
	if (strcmp(tok, "alert") && strcmp(tok, "drop") && strcmp(tok, "pass") &&
	    strcmp(tok, "reject") && strcmp(tok, "rejectsrc") && strcmp(tok, "rejectdst") &&
	    strcmp(tok, "rejectboth"))
		return unsupported(ps->e, "action", tok);
	r->action = strdup(tok);
	if (!r->action)
		return MM_ENOMEM;
	if (next_token(pp, end, tok, sizeof(tok)))
		return fail(ps->e, MM_ESYNTAX, "syntax: header", "missing protocol%s", "");
	const struct proto_entry *pr = NULL;
	for (size_t i = 0; protos[i].name; i++)
		if (!strcmp(protos[i].name, tok))
			pr = &protos[i];
	if (!pr)
		return unsupported(ps->e, "protocol", tok);
	r->ipproto = pr->ipproto;
	r->app_proto = pr->app;
	r->pkt_only = !strcmp(tok, "tcp-pkt");
	r->stream_only = !strcmp(tok, "tcp-stream");

	struct rule_addr *slots[4] = { &r->src, &r->sp, &r->dst, &r->dp };
	for (int i = 0; i < 4; i++) {
		if (next_token(pp, end, tok, sizeof(tok)))
			return fail(ps->e, MM_ESYNTAX, "syntax: header", "missing address or port%s", "");
		x.ports = (i % 2) == 1;
		x.nodes = 0;
		rc = parse_expr(&x, tok, strlen(tok), slots[i]);
		if (rc)
			return rc;
		if (i == 1) {
			if (next_token(pp, end, tok, sizeof(tok)))
				return fail(ps->e, MM_ESYNTAX, "syntax: header", "missing direction%s", "");
			if (!strcmp(tok, "<>"))
				r->bidir = true;
			else if (strcmp(tok, "->"))
				return fail(ps->e, MM_ESYNTAX, "syntax: header", "bad direction '%.10s'", tok);
		}
	}
	return 0;
}

/* Chooses the fast pattern and the inspection point; checks the mix. */
static int finish(struct pstate *ps)
{
	struct rule *r = ps->r;
	if (!ps->has_sid)
		return fail(ps->e, MM_ESYNTAX, "syntax: no sid", "rule has no sid%s", "");
	bool payload = false, app = ps->any_app;
	for (unsigned i = 0; i < r->nm; i++) {
		const struct rule_match *m = &r->m[i];
		if (m->buf == RB_PAYLOAD)
			payload = true;
		else
			app = true;
		if (m->type == RM_CONTENT && m->startswith && (m->has_depth || m->has_offset || m->relative))
			return fail(ps->e, MM_ESYNTAX, "syntax: startswith", "startswith with depth/offset/distance%s", "");
	}
	/* file.data of a to_server rule is the request body. */
	if (r->flow & RF_TO_SERVER)
		for (unsigned i = 0; i < r->nm; i++)
			if (r->m[i].buf == NET_BUF_FILE_DATA)
				r->m[i].buf = NET_BUF_HTTP_REQUEST_BODY;
	/* payload with app-layer buffers: only for HTTP, where the payload of
	 * a transaction is rebuilt as start line + headers + body */
	if (payload && app && (!r->app_proto || strcmp(r->app_proto, "http")))
		return unsupported(ps->e, "keyword", "payload and app-layer buffers in one non-http rule");
	if (app && ps->pkt_kw)
		return unsupported(ps->e, "keyword", "packet header keyword with app-layer buffers");
	if (app)
		r->point = RP_TX;
	else if (payload && r->ipproto == 6 && !r->pkt_only && !ps->pkt_kw &&
		 !(r->flow & RF_NO_STREAM))
		r->point = RP_STREAM;
	else if (!payload && r->app_proto && !ps->pkt_kw)
		r->point = RP_TX;
	else
		r->point = RP_PACKET;
	if (r->point == RP_STREAM && (r->flow & RF_STATELESS))
		r->point = RP_PACKET;
	/* address-only rules (reputation lists): checked once per flow
	 * direction; flowbits they set stay on the flow */
	bool fb_checks = false;
	for (unsigned i = 0; i < r->nfb; i++)
		if (r->fb[i].cmd == FB_ISSET || r->fb[i].cmd == FB_ISNOTSET)
			fb_checks = true;
	r->ip_only = r->point == RP_PACKET && r->nm == 0 && !ps->pkt_kw && !r->flow && !fb_checks &&
		     !r->app_proto && !r->pkt_only;
	/* fast pattern: the explicit one, else the longest positive content */
	r->fp = -1;
	size_t best = 0;
	for (unsigned i = 0; i < r->nm; i++) {
		const struct rule_match *m = &r->m[i];
		if (m->type != RM_CONTENT || m->negated)
			continue;
		if (m->fast_pattern) {
			r->fp = (int)i;
			break;
		}
		if (m->patlen > best) {
			best = m->patlen;
			r->fp = (int)i;
		}
	}
	/* a transaction rule's prefilter runs on app-layer buffers only */
	if (r->point == RP_TX && r->fp >= 0 && r->m[r->fp].buf == RB_PAYLOAD) {
		r->fp = -1;
		best = 0;
		for (unsigned i = 0; i < r->nm; i++) {
			const struct rule_match *m = &r->m[i];
			if (m->type == RM_CONTENT && !m->negated && m->buf != RB_PAYLOAD && m->patlen > best) {
				best = m->patlen;
				r->fp = (int)i;
			}
		}
	}
	/* a dotprefix buffer gets a leading '.', which the prefilter does not see */
	if (r->fp >= 0 && r->m[r->fp].buf == r->dotprefix_buf && r->m[r->fp].pat[0] == '.' &&
	    r->m[r->fp].patlen > 1 && !r->m[r->fp].fp_chop) {
		r->m[r->fp].fp_chop = true;
		r->m[r->fp].fp_off = 1;
		r->m[r->fp].fp_len = (uint32_t)r->m[r->fp].patlen - 1;
	}
	if (!r->gid)
		r->gid = 1;
	return 0;
}

void rule_release(struct rule *r)
{
	if (!r)
		return;
	free(r->file);
	free(r->msg);
	free(r->classtype);
	free(r->metadata);
	free(r->action);
	for (unsigned i = 0; i < r->nrefs; i++)
		free(r->refs[i]);
	for (unsigned i = 0; i < r->nvars; i++)
		free(r->var_names[i]);
	for (unsigned i = 0; i < r->nm; i++) {
		free(r->m[i].pat);
		if (r->m[i].re)
			pcre2_code_free(r->m[i].re);
		free(r->m[i].re_jit);
	}
	free(r->m);
	rule_addr_release(&r->src);
	rule_addr_release(&r->dst);
	rule_addr_release(&r->sp);
	rule_addr_release(&r->dp);
	memset(r, 0, sizeof(*r));
}

int rule_parse(struct rule *r, const char *text, size_t len, const struct rule_parse_env *pe,
	       char *reason_key, size_t key_cap, char *reason, size_t reason_cap)
{
	struct perr e = { reason_key, reason, key_cap, reason_cap };
	struct pstate ps;
	char *val = NULL;
	int rc = 0;
	const char *p = text, *end = text + len;

	memset(r, 0, sizeof(*r));
	memset(&ps, 0, sizeof(ps));
	ps.r = r;
	ps.pe = pe;
	ps.e = &e;
	ps.cur_buf = -1;
	ps.last_content = -1;
	ps.last_item = -1;
	r->dotprefix_buf = 0xff;
	reason_key[0] = reason[0] = '\0';
	r->m = calloc(RULE_MAX_MATCH, sizeof(*r->m));
	if (!r->m) {
		rc = MM_ENOMEM;
		goto out;
	}
	if (len > RULE_MAX_TEXT) {
		rc = fail(&e, MM_ELIMIT, "limit: rule too long", "rule longer than %s bytes", "65536");
		goto out;
	}
	rc = parse_header(&ps, &p, end);
	if (rc)
		goto out;
	p = skip_ws(p, end);
	while (end > p && isspace((unsigned char)end[-1]))
		end--;
	if (p >= end || *p != '(' || end[-1] != ')') {
		rc = fail(&e, MM_ESYNTAX, "syntax: options", "options must be in ( )%s", "");
		goto out;
	}
	p++;
	end--;
	val = malloc(len + 1);
	if (!val) {
		rc = MM_ENOMEM;
		goto out;
	}
	while (p < end) {
		p = skip_ws(p, end);
		if (p >= end)
			break;
		char name[64];
		size_t nl = 0;
		while (p < end && *p != ':' && *p != ';' && nl + 1 < sizeof(name)) {
			name[nl++] = *p;
			p++;
		}
		while (nl && isspace((unsigned char)name[nl - 1]))
			nl--;
		name[nl] = '\0';
		bool hv = false;
		size_t vl = 0;
		if (p < end && *p == ':') {
			hv = true;
			p++;
			while (p < end) {
				if (*p == '\\' && p + 1 < end) {
					val[vl++] = p[0];
					val[vl++] = p[1];
					p += 2;
					continue;
				}
				if (*p == ';')
					break;
				val[vl++] = *p++;
			}
		}
		val[vl] = '\0';
		if (p >= end || *p != ';') {
			rc = fail(&e, MM_ESYNTAX, "syntax: missing ;", "option %s not ended by ;", name);
			goto out;
		}
		p++;
		if (!nl) {
			rc = fail(&e, MM_ESYNTAX, "syntax: empty option", "empty option%s", "");
			goto out;
		}
		const struct kw_entry *kw = kw_find(name);
		if (kw) {
			if (kw->needs_value && !hv) {
				rc = fail(&e, MM_ESYNTAX, "syntax: missing value", "%s needs a value", name);
				goto out;
			}
			ps.kw = kw->name;
			rc = kw->setup(&ps, val, hv);
			if (rc)
				goto out;
			continue;
		}
		int b = find_alias(sticky, name);
		if (b >= 0 && !hv) {
			if (b != RB_PAYLOAD)
				ps.any_app = true;
			set_sticky(&ps, b == RB_PAYLOAD ? -1 : b);
			continue;
		}
		b = find_alias(legacy, name);
		if (b >= 0 && !hv) {
			ps.any_app = true;
			rc = apply_legacy(&ps, name, b);
			if (rc)
				goto out;
			continue;
		}
		rc = unsupported(&e, "keyword", name);
		goto out;
	}
	rc = finish(&ps);
	if (!rc) {
		struct rule_match *shrunk = realloc(r->m, (r->nm ? r->nm : 1) * sizeof(*r->m));
		if (shrunk)
			r->m = shrunk;
	}
out:
	free(val);
	if (rc)
		rule_release(r);
	return rc;
}
