/*
 * app_http.c — HTTP/1.x over TCP, parsed with libhttp-parser.
 *
 * One http_parser per direction (requests to the server, responses to the
 * client), fed the in-order stream in any split. Pipelined requests queue
 * up (PENDING_MAX, oldest dropped and counted) and are paired with their
 * responses in order, which tells HEAD responses apart (no body) and turns
 * "Authorization: Basic/Digest" followed by 401 into a failed login and by
 * 2xx/3xx into a successful one (net_auth_report, service "http").
 *
 * Every finished message becomes a struct net_tx with the HTTP buffers of
 * app.h (normalised and raw URI, headers, host, user agent, cookie, body,
 * status...) for the rule engine, and requests go to the HTTP detectors
 * (Confluence, Docker API) as a struct http_msg. Bodies are kept
 * de-chunked up to net.http.body_limit; the rest is counted, not kept.
 * Header bytes are capped by http-parser itself (80 KiB) and by
 * HDR_BYTES_MAX here; at most HTTP_MAX_HEADERS headers are kept.
 *
 * Gaps: the direction's parser restarts and skips bytes until a line that
 * starts a message (a method and a space, or "HTTP/1."). An upgraded
 * connection (101, CONNECT) is raw from then on and not parsed. A parser
 * error gives up on the flow.
 *
 * Ownership: the session owns its buffers; the slices handed to detectors
 * and rules are valid only during the call. Threading: one flow, one thread.
 */
#include "core/compat.h"
#include "net/internal.h"
#include "net/mining.h"

#include <http_parser.h>

#define HDR_BYTES_MAX (96 * 1024)
#define PENDING_MAX 32
#define SMALL_STR 256

struct hdr_off {
	uint32_t name_off, name_len, value_off, value_len;
};

struct pending_req {
	bool head;
	bool connect;
	uint8_t auth;		/* 0 none, 1 basic, 2 digest */
	char user[128];
	size_t user_len;
	char method[16];
	char uri[SMALL_STR];
	char host[SMALL_STR];
	char ua[SMALL_STR];
	uint64_t req_body;
};

struct http_side;

struct http_sess {
	struct http_side *side[2];
	struct app_ctx *ctx;		/* during data() */
	uint64_t body_limit;
	struct pending_req pending[PENDING_MAX];
	size_t npending;
	uint64_t pending_dropped;
	struct mm_arena arena;		/* derived buffers of one tx */
};

struct http_side {
	struct http_sess *sess;
	enum app_dir dir;
	http_parser p;
	bool raw;			/* upgraded / tunnelled: not HTTP any more */
	bool resync;			/* after a gap: looking for a message start */
	int last;			/* 0 none, 1 field, 2 value */
	struct mm_buf raw_hdr;		/* url, reason, header names and values */
	uint32_t url_off, url_len;
	uint32_t reason_off, reason_len;
	struct hdr_off hdr[HTTP_MAX_HEADERS];
	size_t nhdr;
	size_t hdr_dropped;
	bool hdr_over;
	struct mm_buf body;
	uint64_t body_total;
	uint64_t frame_first;
};

static const char *const methods[] = {
	"GET", "POST", "PUT", "DELETE", "HEAD", "OPTIONS", "PATCH", "CONNECT", "TRACE",
	"PROPFIND", "PROPPATCH", "MKCOL", "COPY", "MOVE", "LOCK", "UNLOCK", "SEARCH",
	"REPORT", "NOTIFY", "SUBSCRIBE", "UNSUBSCRIBE", "M-SEARCH", "PURGE", "SOURCE", NULL
};

/* APP_PROBE_YES/MAYBE/NO for "METHOD SP" at the start of data. */
static int probe_request(const uint8_t *d, size_t len)
{
	for (size_t i = 0; methods[i]; i++) {
		size_t ml = strlen(methods[i]);
		size_t n = MM_MIN(len, ml + 1);
		if (len <= ml) {
			if (!memcmp(d, methods[i], n))
				return APP_PROBE_MAYBE;
			continue;
		}
		if (!memcmp(d, methods[i], ml) && d[ml] == ' ')
			return APP_PROBE_YES;
	}
	return APP_PROBE_NO;
}

static int probe_response(const uint8_t *d, size_t len)
{
	static const char pre[] = "HTTP/1.";
	size_t n = MM_MIN(len, sizeof(pre) - 1);
	if (memcmp(d, pre, n))
		return APP_PROBE_NO;
	return len < sizeof(pre) - 1 ? APP_PROBE_MAYBE : APP_PROBE_YES;
}

static int http_probe(const uint8_t *data, size_t len, enum app_dir dir,
		      const struct net_flow_info *f)
{
	(void)f;
	if (len == 0)
		return APP_PROBE_MAYBE;
	return dir == APP_TO_SERVER ? probe_request(data, len) : probe_response(data, len);
}

/* ---- callbacks ---- */

static struct http_side *side_of(http_parser *p)
{
	return p->data;
}

static int hdr_append(struct http_side *s, const char *at, size_t len)
{
	if (s->hdr_over)
		return 0;
	if (s->raw_hdr.len + len > HDR_BYTES_MAX || mm_buf_append(&s->raw_hdr, at, len)) {
		s->hdr_over = true;
		mm_buf_init(&s->raw_hdr, HDR_BYTES_MAX + 1);
		return 0;
	}
	return 1;
}

static void side_reset(struct http_side *s)
{
	mm_buf_reset(&s->raw_hdr);
	/* a large body buffer goes back to the allocator between messages */
	if (s->body.cap > 65536) {
		size_t max = s->body.max;
		mm_buf_release(&s->body);
		mm_buf_init(&s->body, max);
	} else {
		mm_buf_reset(&s->body);
	}
	s->url_off = s->url_len = s->reason_off = s->reason_len = 0;
	s->nhdr = 0;
	s->hdr_dropped = 0;
	s->hdr_over = false;
	s->last = 0;
	s->body_total = 0;
	s->frame_first = 0;
}

static int on_message_begin(http_parser *p)
{
	struct http_side *s = side_of(p);
	side_reset(s);
	s->frame_first = s->sess->ctx ? s->sess->ctx->frame : 0;
	return 0;
}

static int on_url(http_parser *p, const char *at, size_t len)
{
	struct http_side *s = side_of(p);
	if (s->url_len == 0)
		s->url_off = (uint32_t)s->raw_hdr.len;
	if (hdr_append(s, at, len))
		s->url_len += (uint32_t)len;
	return 0;
}

static int on_status(http_parser *p, const char *at, size_t len)
{
	struct http_side *s = side_of(p);
	if (s->reason_len == 0)
		s->reason_off = (uint32_t)s->raw_hdr.len;
	if (hdr_append(s, at, len))
		s->reason_len += (uint32_t)len;
	return 0;
}

static int on_header_field(http_parser *p, const char *at, size_t len)
{
	struct http_side *s = side_of(p);
	if (s->last != 1) {
		if (s->nhdr >= HTTP_MAX_HEADERS) {
			s->hdr_dropped++;
			s->last = 1;
			return 0;
		}
		struct hdr_off *h = &s->hdr[s->nhdr++];
		memset(h, 0, sizeof(*h));
		h->name_off = (uint32_t)s->raw_hdr.len;
	}
	s->last = 1;
	if (s->hdr_dropped)
		return 0;
	if (hdr_append(s, at, len))
		s->hdr[s->nhdr - 1].name_len += (uint32_t)len;
	return 0;
}

static int on_header_value(http_parser *p, const char *at, size_t len)
{
	struct http_side *s = side_of(p);
	if (s->nhdr == 0 || s->hdr_dropped) {
		s->last = 2;
		return 0;
	}
	struct hdr_off *h = &s->hdr[s->nhdr - 1];
	if (s->last != 2)
		h->value_off = (uint32_t)s->raw_hdr.len;
	s->last = 2;
	if (hdr_append(s, at, len))
		h->value_len += (uint32_t)len;
	return 0;
}

static int on_headers_complete(http_parser *p)
{
	struct http_side *s = side_of(p);
	struct http_sess *ss = s->sess;
	if (s->dir == APP_TO_CLIENT && ss->npending > 0 && ss->pending[0].head)
		return 1;	/* a HEAD response has no body */
	return 0;
}

static int on_body(http_parser *p, const char *at, size_t len)
{
	struct http_side *s = side_of(p);
	uint64_t limit = s->sess->body_limit;
	s->body_total += len;
	if (s->body.len < limit) {
		size_t take = (size_t)MM_MIN((uint64_t)len, limit - s->body.len);
		if (mm_buf_append(&s->body, at, take))
			mm_buf_init(&s->body, (size_t)limit + 1);
	}
	return 0;
}

/* ---- message views ---- */

static struct mm_slice sl(const struct http_side *s, uint32_t off, uint32_t len)
{
	struct mm_slice r = { NULL, 0 };
	if (len && !s->hdr_over && (size_t)off + len <= s->raw_hdr.len) {
		r.ptr = (const uint8_t *)s->raw_hdr.ptr + off;
		r.len = len;
	}
	return r;
}

bool net_slice_ieq(struct mm_slice s, const char *str)
{
	size_t n = strlen(str);
	if (s.len != n)
		return false;
	for (size_t i = 0; i < n; i++) {
		uint8_t a = s.ptr[i], b = (uint8_t)str[i];
		if (a >= 'A' && a <= 'Z')
			a = (uint8_t)(a + 32);
		if (b >= 'A' && b <= 'Z')
			b = (uint8_t)(b + 32);
		if (a != b)
			return false;
	}
	return true;
}

bool net_slice_icontains(struct mm_slice s, const char *needle)
{
	size_t n = strlen(needle);
	if (n == 0)
		return true;
	for (size_t i = 0; i + n <= s.len; i++) {
		struct mm_slice w = { s.ptr + i, n };
		if (net_slice_ieq(w, needle))
			return true;
	}
	return false;
}

struct mm_slice http_msg_header(const struct http_msg *m, const char *name)
{
	for (size_t i = 0; i < m->nhdr; i++) {
		if (net_slice_ieq(m->hdr[i].name, name))
			return m->hdr[i].value;
	}
	return MM_SLICE_EMPTY;
}

static void build_msg(struct http_side *s, struct http_msg *m)
{
	memset(m, 0, sizeof(*m));
	m->is_request = s->dir == APP_TO_SERVER;
	m->http_major = (uint8_t)s->p.http_major;
	m->http_minor = (uint8_t)s->p.http_minor;
	if (m->is_request) {
		const char *ms = http_method_str((enum http_method)s->p.method);
		m->method.ptr = (const uint8_t *)ms;
		m->method.len = strlen(ms);
		m->uri = sl(s, s->url_off, s->url_len);
		m->path = m->uri;
		const uint8_t *q = m->uri.len ? memchr(m->uri.ptr, '?', m->uri.len) : NULL;
		if (q) {
			m->path.len = (size_t)(q - m->uri.ptr);
			m->query.ptr = q + 1;
			m->query.len = m->uri.len - m->path.len - 1;
		}
	} else {
		m->status = (int)s->p.status_code;
		m->reason = sl(s, s->reason_off, s->reason_len);
	}
	for (size_t i = 0; i < s->nhdr; i++) {
		m->hdr[m->nhdr].name = sl(s, s->hdr[i].name_off, s->hdr[i].name_len);
		m->hdr[m->nhdr].value = sl(s, s->hdr[i].value_off, s->hdr[i].value_len);
		if (m->hdr[m->nhdr].name.len)
			m->nhdr++;
	}
	m->hdr_dropped = s->hdr_dropped;
	m->body.ptr = (const uint8_t *)s->body.ptr;
	m->body.len = s->body.len;
	m->body_total = s->body_total;
	m->body_truncated = s->body_total > s->body.len;
	m->frame_first = s->frame_first;
	m->frame_last = s->sess->ctx ? s->sess->ctx->frame : 0;
}

static int hexval(uint8_t c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Percent-decodes the path, folds "//", resolves "." and ".."; the query
 * is decoded but not folded. Into the arena; empty slice on failure. */
static struct mm_slice normalise_uri(struct mm_arena *a, struct mm_slice uri)
{
	struct mm_slice r = { NULL, 0 };
	if (!uri.len)
		return r;
	uint8_t *o = mm_arena_alloc(a, uri.len + 1);
	if (!o)
		return r;
	size_t n = 0;
	bool in_query = false;
	for (size_t i = 0; i < uri.len; i++) {
		uint8_t c = uri.ptr[i];
		if (c == '?')
			in_query = true;
		if (c == '%' && i + 2 < uri.len && hexval(uri.ptr[i + 1]) >= 0 &&
		    hexval(uri.ptr[i + 2]) >= 0) {
			c = (uint8_t)(hexval(uri.ptr[i + 1]) * 16 + hexval(uri.ptr[i + 2]));
			i += 2;
		}
		if (!in_query && c == '/' && n > 0 && o[n - 1] == '/')
			continue;
		o[n++] = c;
		if (in_query)
			continue;
		/* "/./" and "/../" just completed? */
		if (c == '/' || i + 1 == uri.len || uri.ptr[i + 1] == '?') {
			size_t end = c == '/' ? n - 1 : n;
			if (end >= 2 && o[end - 1] == '.' && o[end - 2] == '/') {
				n = end - 1;
			} else if (end >= 3 && o[end - 1] == '.' && o[end - 2] == '.' &&
				   o[end - 3] == '/') {
				size_t k = end - 3;
				while (k > 0 && o[k - 1] != '/')
					k--;
				n = k > 0 ? k : 1;
				o[0] = '/';
			}
		}
	}
	r.ptr = o;
	r.len = n;
	return r;
}

static struct mm_slice arena_join_headers(struct mm_arena *a, const struct http_msg *m)
{
	struct mm_slice r = { NULL, 0 };
	size_t total = 0;
	for (size_t i = 0; i < m->nhdr; i++)
		total += m->hdr[i].name.len + m->hdr[i].value.len + 4;
	if (!total)
		return r;
	uint8_t *o = mm_arena_alloc(a, total);
	if (!o)
		return r;
	size_t n = 0;
	for (size_t i = 0; i < m->nhdr; i++) {
		memcpy(o + n, m->hdr[i].name.ptr, m->hdr[i].name.len);
		n += m->hdr[i].name.len;
		o[n++] = ':';
		o[n++] = ' ';
		if (m->hdr[i].value.len)
			memcpy(o + n, m->hdr[i].value.ptr, m->hdr[i].value.len);
		n += m->hdr[i].value.len;
		o[n++] = '\r';
		o[n++] = '\n';
	}
	r.ptr = o;
	r.len = n;
	return r;
}

static struct mm_slice arena_printf(struct mm_arena *a, const char *fmt, ...) MM_PRINTF(2, 3);
static struct mm_slice arena_printf(struct mm_arena *a, const char *fmt, ...)
{
	struct mm_slice r = { NULL, 0 };
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n <= 0)
		return r;
	char *o = mm_arena_alloc(a, (size_t)n + 1);
	if (!o)
		return r;
	va_start(ap, fmt);
	vsnprintf(o, (size_t)n + 1, fmt, ap);
	va_end(ap);
	r.ptr = (const uint8_t *)o;
	r.len = (size_t)n;
	return r;
}

/* Host without port, lowercased. */
static struct mm_slice norm_host(struct mm_arena *a, struct mm_slice h)
{
	struct mm_slice r = { NULL, 0 };
	if (!h.len)
		return r;
	size_t n = h.len;
	if (h.ptr[0] != '[') {
		const uint8_t *c = memchr(h.ptr, ':', h.len);
		if (c)
			n = (size_t)(c - h.ptr);
	}
	uint8_t *o = mm_arena_alloc(a, n + 1);
	if (!o)
		return r;
	for (size_t i = 0; i < n; i++)
		o[i] = (h.ptr[i] >= 'A' && h.ptr[i] <= 'Z') ? (uint8_t)(h.ptr[i] + 32) : h.ptr[i];
	r.ptr = o;
	r.len = n;
	return r;
}

static void fill_tx(struct http_sess *ss, const struct http_msg *m, struct net_tx *tx)
{
	struct mm_arena *a = &ss->arena;
	memset(tx, 0, sizeof(*tx));
	tx->app_proto = "http";
	tx->dir = m->is_request ? APP_TO_SERVER : APP_TO_CLIENT;
	tx->frame = m->frame_last;
	struct mm_slice hdrs = arena_join_headers(a, m);
	tx->buf[NET_BUF_HTTP_HEADER] = hdrs;
	tx->buf[NET_BUF_HTTP_HEADER_RAW] = hdrs;
	tx->buf[NET_BUF_HTTP_COOKIE] = http_msg_header(m, m->is_request ? "Cookie" : "Set-Cookie");
	tx->buf[NET_BUF_HTTP_CONTENT_TYPE] = http_msg_header(m, "Content-Type");
	tx->buf[NET_BUF_HTTP_PROTOCOL] = arena_printf(a, "HTTP/%u.%u", m->http_major, m->http_minor);
	tx->buf[NET_BUF_FILE_DATA] = m->body;
	if (m->is_request) {
		tx->buf[NET_BUF_HTTP_METHOD] = m->method;
		tx->buf[NET_BUF_HTTP_URI_RAW] = m->uri;
		tx->buf[NET_BUF_HTTP_URI] = normalise_uri(a, m->uri);
		tx->buf[NET_BUF_HTTP_HOST] = norm_host(a, http_msg_header(m, "Host"));
		tx->buf[NET_BUF_HTTP_USER_AGENT] = http_msg_header(m, "User-Agent");
		tx->buf[NET_BUF_HTTP_REQUEST_BODY] = m->body;
		tx->buf[NET_BUF_HTTP_REQUEST_LINE] =
			arena_printf(a, "%.*s %.*s HTTP/%u.%u", (int)m->method.len,
				     (const char *)m->method.ptr, (int)m->uri.len,
				     m->uri.ptr ? (const char *)m->uri.ptr : "", m->http_major,
				     m->http_minor);
	} else {
		tx->buf[NET_BUF_HTTP_STAT_CODE] = arena_printf(a, "%d", m->status);
		tx->buf[NET_BUF_HTTP_STAT_MSG] = m->reason;
		tx->buf[NET_BUF_HTTP_RESPONSE_BODY] = m->body;
		tx->buf[NET_BUF_HTTP_RESPONSE_LINE] =
			arena_printf(a, "HTTP/%u.%u %d %.*s", m->http_major, m->http_minor,
				     m->status, (int)m->reason.len,
				     m->reason.ptr ? (const char *)m->reason.ptr : "");
	}
}

static void copy_small(char *dst, size_t cap, struct mm_slice s)
{
	size_t n = MM_MIN(s.len, cap - 1);
	if (n)
		memcpy(dst, s.ptr, n);
	dst[n] = 0;
}

/* The user of an Authorization header (Basic: decoded; Digest: username). */
static void parse_auth(struct pending_req *pr, struct mm_slice v)
{
	pr->auth = 0;
	pr->user_len = 0;
	if (v.len > 6 && net_slice_ieq((struct mm_slice){ v.ptr, 6 }, "Basic ")) {
		uint8_t dec[384];
		size_t n = MM_MIN(v.len - 6, (size_t)500);
		long d = mm_base64_decode((const char *)v.ptr + 6, n, dec, sizeof(dec));
		pr->auth = 1;
		if (d > 0) {
			const uint8_t *colon = memchr(dec, ':', (size_t)d);
			size_t ul = colon ? (size_t)(colon - dec) : (size_t)d;
			ul = MM_MIN(ul, sizeof(pr->user) - 1);
			memcpy(pr->user, dec, ul);
			pr->user_len = ul;
		}
	} else if (v.len > 7 && net_slice_ieq((struct mm_slice){ v.ptr, 7 }, "Digest ")) {
		pr->auth = 2;
		for (size_t i = 7; i + 9 < v.len; i++) {
			if (!net_slice_ieq((struct mm_slice){ v.ptr + i, 9 }, "username="))
				continue;
			size_t j = i + 9;
			bool q = j < v.len && v.ptr[j] == '"';
			if (q)
				j++;
			size_t k = j;
			while (k < v.len && v.ptr[k] != (q ? '"' : ','))
				k++;
			size_t ul = MM_MIN(k - j, sizeof(pr->user) - 1);
			memcpy(pr->user, v.ptr + j, ul);
			pr->user_len = ul;
			break;
		}
	}
}

static void log_tx(struct http_sess *ss, const struct pending_req *pr, const struct http_msg *resp)
{
	struct app_ctx *ctx = ss->ctx;
	if (!ctx || !ctx->scan || !mm_scan_wants_record(ctx->scan, "http"))
		return;
	struct mm_buf b;
	struct mm_json j;
	char ts[MM_TIME_STR];
	mm_buf_init(&b, 16384);
	mm_json_init(&j, &b);
	mm_json_object_begin(&j, NULL);
	mm_time_format(ctx->ts_us, ts);
	mm_json_str(&j, "@timestamp", ts);
	mm_json_str(&j, "community_id", ctx->info->community_id);
	mm_json_str(&j, "src_ip", ctx->info->src_ip);
	mm_json_int(&j, "src_port", ctx->info->src_port);
	mm_json_str(&j, "dest_ip", ctx->info->dst_ip);
	mm_json_int(&j, "dest_port", ctx->info->dst_port);
	mm_json_str(&j, "method", pr->method);
	mm_json_str(&j, "host", pr->host);
	mm_json_str(&j, "uri", pr->uri);
	if (pr->ua[0])
		mm_json_str(&j, "user_agent", pr->ua);
	if (pr->user_len)
		mm_json_strn(&j, "user", pr->user, pr->user_len);
	mm_json_uint(&j, "request_body_len", pr->req_body);
	if (resp) {
		mm_json_int(&j, "status", resp->status);
		mm_json_uint(&j, "response_body_len", resp->body_total);
	}
	mm_json_uint(&j, "frame", ctx->frame);
	mm_json_object_end(&j);
	if (mm_json_finish(&j) == 0)
		net_log_record(ctx, "http", b.ptr, b.len);
	mm_buf_release(&b);
}

static void pending_pop(struct http_sess *ss)
{
	if (!ss->npending)
		return;
	memmove(&ss->pending[0], &ss->pending[1], (ss->npending - 1) * sizeof(ss->pending[0]));
	ss->npending--;
}

static int on_message_complete(http_parser *p)
{
	struct http_side *s = side_of(p);
	struct http_sess *ss = s->sess;
	struct app_ctx *ctx = ss->ctx;
	struct http_msg m;
	struct net_tx tx;
	if (!ctx)
		return 0;
	build_msg(s, &m);
	fill_tx(ss, &m, &tx);
	net_inspect_tx(ctx, &tx);
	if (m.is_request) {
		if (ss->npending == PENDING_MAX) {
			pending_pop(ss);
			ss->pending_dropped++;
		}
		struct pending_req *pr = &ss->pending[ss->npending++];
		memset(pr, 0, sizeof(*pr));
		pr->head = p->method == HTTP_HEAD;
		pr->connect = p->method == HTTP_CONNECT;
		copy_small(pr->method, sizeof(pr->method), m.method);
		copy_small(pr->uri, sizeof(pr->uri), m.uri);
		copy_small(pr->host, sizeof(pr->host), http_msg_header(&m, "Host"));
		copy_small(pr->ua, sizeof(pr->ua), http_msg_header(&m, "User-Agent"));
		pr->req_body = m.body_total;
		parse_auth(pr, http_msg_header(&m, "Authorization"));
		detect_confluence_http(ctx, &m, NULL);
		detect_docker_http(ctx, &m, NULL);
		if (m.body.len)	/* getwork: mining over plain HTTP JSON-RPC */
			net_mining_http_body(ctx, m.body.ptr, m.body.len);
	} else if (m.status >= 200 || m.status == 101 || m.status < 100) {
		if (ss->npending) {
			struct pending_req *pr = &ss->pending[0];
			if (pr->auth) {
				if (m.status == 401)
					net_auth_report(ctx, "http", NET_AUTH_FAILURE, pr->user,
							pr->user_len);
				else if (m.status >= 200 && m.status < 400)
					net_auth_report(ctx, "http", NET_AUTH_SUCCESS, pr->user,
							pr->user_len);
			}
			log_tx(ss, pr, &m);
			pending_pop(ss);
		}
	}
	mm_arena_reset(&ss->arena);
	side_reset(s);
	return 0;
}

static const http_parser_settings settings = {
	.on_message_begin = on_message_begin,
	.on_url = on_url,
	.on_status = on_status,
	.on_header_field = on_header_field,
	.on_header_value = on_header_value,
	.on_headers_complete = on_headers_complete,
	.on_body = on_body,
	.on_message_complete = on_message_complete,
};

/* ---- session ---- */

static void *http_session_new(const struct app_ctx *ctx)
{
	struct http_sess *ss = calloc(1, sizeof(*ss));
	if (!ss)
		return NULL;
	ss->body_limit = net_ctx_http_body_limit(ctx->net);
	mm_arena_init(&ss->arena, 16384, 4u << 20);
	for (int d = 0; d < 2; d++) {
		struct http_side *s = calloc(1, sizeof(*s));
		if (!s) {
			for (int k = 0; k < d; k++)
				free(ss->side[k]);
			mm_arena_release(&ss->arena);
			free(ss);
			return NULL;
		}
		s->sess = ss;
		s->dir = (enum app_dir)d;
		http_parser_init(&s->p, d == APP_TO_SERVER ? HTTP_REQUEST : HTTP_RESPONSE);
		s->p.data = s;
		mm_buf_init(&s->raw_hdr, HDR_BYTES_MAX + 1);
		mm_buf_init(&s->body, (size_t)ss->body_limit + 1);
		ss->side[d] = s;
	}
	return ss;
}

static void http_session_free(void *v)
{
	struct http_sess *ss = v;
	if (!ss)
		return;
	for (int d = 0; d < 2; d++) {
		mm_buf_release(&ss->side[d]->raw_hdr);
		mm_buf_release(&ss->side[d]->body);
		free(ss->side[d]);
	}
	mm_arena_release(&ss->arena);
	free(ss);
}

/* After a gap: the offset of the first line that starts a message, or len. */
static size_t find_message_start(const uint8_t *d, size_t len, enum app_dir dir)
{
	for (size_t i = 0; i < len; i++) {
		if (i > 0 && d[i - 1] != '\n')
			continue;
		int r = dir == APP_TO_SERVER ? probe_request(d + i, len - i)
					     : probe_response(d + i, len - i);
		if (r == APP_PROBE_YES)
			return i;
	}
	return len;
}

static int http_data(void *v, struct app_ctx *ctx, enum app_dir dir, const uint8_t *data,
		     size_t len)
{
	struct http_sess *ss = v;
	struct http_side *s = ss->side[dir];
	if (s->raw)
		return 0;
	ss->ctx = ctx;
	if (s->resync) {
		size_t off = find_message_start(data, len, dir);
		if (off == len) {
			ss->ctx = NULL;
			return 0;
		}
		s->resync = false;
		data += off;
		len -= off;
	}
	size_t n = http_parser_execute(&s->p, &settings, (const char *)data, len);
	ss->ctx = NULL;
	if (s->p.upgrade) {
		/* 101 / CONNECT: the rest is not HTTP */
		s->raw = true;
		return 0;
	}
	if (HTTP_PARSER_ERRNO(&s->p) != HPE_OK || n != len)
		return MM_ECORRUPT;
	return 0;
}

static int http_gap(void *v, struct app_ctx *ctx, enum app_dir dir, uint64_t len)
{
	struct http_sess *ss = v;
	struct http_side *s = ss->side[dir];
	(void)ctx;
	(void)len;
	if (s->raw)
		return 0;
	/* a message cut by the gap is lost; requests waiting for responses
	 * can no longer be paired reliably */
	http_parser_init(&s->p, dir == APP_TO_SERVER ? HTTP_REQUEST : HTTP_RESPONSE);
	s->p.data = s;
	side_reset(s);
	s->resync = true;
	ss->npending = 0;
	return 0;
}

static void http_close(void *v, struct app_ctx *ctx)
{
	struct http_sess *ss = v;
	/* a response delimited by the connection's end completes now */
	struct http_side *s = ss->side[APP_TO_CLIENT];
	if (!s->raw && !s->resync) {
		ss->ctx = ctx;
		http_parser_execute(&s->p, &settings, NULL, 0);
	}
	/* requests never answered still go to the log */
	ss->ctx = ctx;
	for (size_t i = 0; i < ss->npending; i++)
		log_tx(ss, &ss->pending[i], NULL);
	ss->npending = 0;
	ss->ctx = NULL;
}

const struct app_parser app_parser_http = {
	.name = "http",
	.proto = NET_PROTO_TCP,
	.udp_too = false,
	.probe = http_probe,
	.session_new = http_session_new,
	.session_free = http_session_free,
	.data = http_data,
	.gap = http_gap,
	.close = http_close,
};
