/*
 * http.c — the request path of a honeypot session: bytes from the peer go
 * through libhttp-parser (the network engine's parser), are collected into
 * one struct hp_request with hard caps (header lines, header bytes, body
 * kept; the rest of a body is hashed and counted, never stored), and each
 * complete request is dispatched to the Docker or Confluence emulation,
 * recorded, and answered. Keep-alive and pipelining work as in dockerd:
 * requests are answered in order; an upgrade (attach, exec start) ends the
 * HTTP part of the connection.
 *
 * Limits hit: too many or too large headers give 431 and close; a body past
 * max_body_total, or memory past mem_cap, gives a close after the record.
 * Input: hostile bytes. Threading: one thread.
 */
#include "core/compat.h"
#include "honeypot/internal.h"

#include <strings.h>
#include <time.h>

static const char *const weekday[] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
static const char *const month[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
				     "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };

void hp_http_date(int64_t us, char out[40])
{
	time_t t = (time_t)(us / 1000000);
	struct tm tm;

	gmtime_r(&t, &tm);
	snprintf(out, 40, "%s, %02d %s %04d %02d:%02d:%02d GMT", weekday[tm.tm_wday % 7],
		 tm.tm_mday, month[tm.tm_mon % 12], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
		 tm.tm_sec);
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

void hp_url_decode(const char *src, size_t len, char *dst, size_t cap)
{
	size_t o = 0;

	if (!cap)
		return;
	for (size_t i = 0; i < len && o + 1 < cap; i++) {
		int c = (unsigned char)src[i];
		if (c == '%' && i + 2 < len + 0 && hexval(src[i + 1]) >= 0 && hexval(src[i + 2]) >= 0) {
			c = hexval(src[i + 1]) * 16 + hexval(src[i + 2]);
			i += 2;
		} else if (c == '+') {
			c = ' ';
		}
		/* a decoded NUL would cut the C string: keep it visible */
		dst[o++] = c ? (char)c : '?';
	}
	dst[o] = 0;
}

bool hp_query_get(const char *query, const char *key, char *out, size_t cap)
{
	size_t klen = strlen(key);
	const char *p = query;

	while (p && *p) {
		const char *amp = strchr(p, '&');
		size_t n = amp ? (size_t)(amp - p) : strlen(p);
		if (n > klen && !strncmp(p, key, klen) && p[klen] == '=') {
			hp_url_decode(p + klen + 1, n - klen - 1, out, cap);
			return true;
		}
		if (n == klen && !strncmp(p, key, klen)) {
			if (cap)
				out[0] = 0;
			return true;
		}
		p = amp ? amp + 1 : NULL;
	}
	return false;
}

const char *hp_header(const struct hp_request *r, const char *name)
{
	const char *p = r->hdrs.ptr;
	const char *end = p ? p + r->hdrs.len : NULL;

	while (p && p < end) {
		const char *v = memchr(p, 0, (size_t)(end - p));
		if (!v || v + 1 >= end)
			return NULL;
		v++;
		const char *next = memchr(v, 0, (size_t)(end - v));
		if (!next)
			return NULL;
		if (!strcasecmp(p, name))
			return v;
		p = next + 1;
	}
	return NULL;
}

/* Memory accounting: what a request holds is charged to the honeypot. */
static int charge(struct hp_session *s)
{
	struct hp_request *r = &s->req;
	size_t now = r->url.cap + r->hdrs.cap + r->body.cap;

	if (now > r->accounted) {
		size_t add = now - r->accounted;
		if (s->hp->mem_used + add > s->hp->cfg.mem_cap) {
			s->hp->stats.mem_refused++;
			return -1;
		}
		s->hp->mem_used += add;
	} else {
		s->hp->mem_used -= r->accounted - now;
	}
	r->accounted = now;
	return 0;
}

/* Between requests of a keep-alive session, small buffers are kept (no
 * allocation per request); large ones are given back. */
#define KEEP_SMALL 4096

static void buf_recycle(struct mm_buf *b, size_t max)
{
	if (b->cap > KEEP_SMALL) {
		mm_buf_release(b);
		mm_buf_init(b, max);
	} else {
		mm_buf_reset(b);
	}
}

static void request_release(struct hp_session *s)
{
	struct hp_request *r = &s->req;

	buf_recycle(&r->url, HP_MAX_URL);
	buf_recycle(&r->hdrs, s->hp->cfg.max_header_bytes);
	buf_recycle(&r->body, s->hp->cfg.max_body);
	if (r->sha_open)
		mm_sha256_release(&r->sha);
	r->sha_open = false;
	r->n_headers = 0;
	r->last_cb = 0;
	r->body_total = 0;
	r->started = false;
	r->started_us = 0;
	charge(s);
}

static void request_free(struct hp_session *s)
{
	struct hp_request *r = &s->req;

	mm_buf_release(&r->url);
	mm_buf_release(&r->hdrs);
	mm_buf_release(&r->body);
	if (r->sha_open)
		mm_sha256_release(&r->sha);
	r->sha_open = false;
	s->hp->mem_used -= MM_MIN(r->accounted, s->hp->mem_used);
	r->accounted = 0;
}

static struct hp_session *sess(http_parser *p)
{
	return p->data;
}

static int on_message_begin(http_parser *p)
{
	struct hp_session *s = sess(p);

	request_release(s);
	s->req.started = true;
	s->req.started_us = mm_monotonic_us();
	return 0;
}

static int refuse(struct hp_session *s, int status)
{
	if (!s->error_status)
		s->error_status = status;
	return -1;
}

static int on_url(http_parser *p, const char *at, size_t len)
{
	struct hp_session *s = sess(p);

	if (mm_buf_append(&s->req.url, at, len) || charge(s))
		return refuse(s, 414);
	return 0;
}

static int header_bytes(struct hp_session *s, const char *at, size_t len, int which)
{
	struct hp_request *r = &s->req;

	if (which == 1 && r->last_cb != 1) {
		if (r->last_cb == 2 && mm_buf_append_byte(&r->hdrs, 0))
			return refuse(s, 431);
		if (++r->n_headers > s->hp->cfg.max_headers) {
			s->hp->stats.oversized_headers++;
			return refuse(s, 431);
		}
	} else if (which == 2 && r->last_cb == 1) {
		if (mm_buf_append_byte(&r->hdrs, 0))
			return refuse(s, 431);
	}
	r->last_cb = which;
	/* NUL inside a header would split our pairs; http-parser rejects it,
	 * but never trust that */
	if (memchr(at, 0, len))
		return refuse(s, 400);
	if (mm_buf_append(&r->hdrs, at, len) || charge(s)) {
		s->hp->stats.oversized_headers++;
		return refuse(s, 431);
	}
	return 0;
}

static int on_header_field(http_parser *p, const char *at, size_t len)
{
	return header_bytes(sess(p), at, len, 1);
}

static int on_header_value(http_parser *p, const char *at, size_t len)
{
	return header_bytes(sess(p), at, len, 2);
}

static int on_headers_complete(http_parser *p)
{
	struct hp_session *s = sess(p);
	struct hp_request *r = &s->req;

	if (r->last_cb == 1 && mm_buf_append_byte(&r->hdrs, 0))
		return refuse(s, 431);
	if (r->last_cb && mm_buf_append_byte(&r->hdrs, 0))
		return refuse(s, 431);
	return 0;
}

static int on_body(http_parser *p, const char *at, size_t len)
{
	struct hp_session *s = sess(p);
	struct hp_request *r = &s->req;
	size_t room;

	/* hashing starts with the first body byte: most requests have none */
	if (!r->body_total && !r->sha_open && mm_sha256_init(&r->sha) == 0)
		r->sha_open = true;
	r->body_total += len;
	if (r->sha_open)
		mm_sha256_update(&r->sha, at, len);
	room = s->hp->cfg.max_body > r->body.len ? s->hp->cfg.max_body - r->body.len : 0;
	if (room && mm_buf_append(&r->body, at, MM_MIN(room, len)) == 0 && charge(s)) {
		mm_buf_release(&r->body);
		return refuse(s, 503);
	}
	if (r->body_total > s->hp->cfg.max_body_total)
		return refuse(s, 413);
	return 0;
}

static void dispatch(struct hp_session *s);

static int on_message_complete(http_parser *p)
{
	struct hp_session *s = sess(p);

	dispatch(s);
	request_release(s);
	if (p->upgrade)
		s->closing = true;
	if (s->closing)
		http_parser_pause(p, 1);
	return 0;
}

static http_parser_settings parser_settings = {
	.on_message_begin = on_message_begin,
	.on_url = on_url,
	.on_header_field = on_header_field,
	.on_header_value = on_header_value,
	.on_headers_complete = on_headers_complete,
	.on_body = on_body,
	.on_message_complete = on_message_complete,
};

static const char *status_text(int status)
{
	switch (status) {
	case 101: return "UPGRADED";
	case 200: return "OK";
	case 201: return "Created";
	case 204: return "No Content";
	case 302: return "Found";
	case 304: return "Not Modified";
	case 400: return "Bad Request";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 409: return "Conflict";
	case 413: return "Request Entity Too Large";
	case 414: return "Request-URI Too Long";
	case 431: return "Request Header Fields Too Large";
	case 500: return "Internal Server Error";
	case 503: return "Service Unavailable";
	default: return "OK";
	}
}

void hp_reply(struct hp_session *s, int status, const char *ctype, const char *extra,
	      const void *body, size_t len, unsigned flags)
{
	struct mm_buf *b = &s->hp->resp;
	char date[40];

	mm_buf_reset(b);
	{
		int64_t now = hp_now(s->hp);
		if (now / 1000000 != s->hp->date_sec || !s->hp->date[0]) {
			s->hp->date_sec = now / 1000000;
			hp_http_date(now, s->hp->date);
		}
		memcpy(date, s->hp->date, sizeof(date));
	}
	mm_buf_appendf(b, "HTTP/1.1 %d %s\r\n", status, status_text(status));
	if (flags & HP_R_DOCKER)
		mm_buf_append_str(b, "Api-Version: 1.41\r\n");
	if (extra)
		mm_buf_append_str(b, extra);
	if (ctype)
		mm_buf_appendf(b, "Content-Type: %s\r\n", ctype);
	if (flags & HP_R_DOCKER)
		mm_buf_append_str(b, "Docker-Experimental: false\r\n"
				     "Ostype: linux\r\n"
				     "Server: Docker/20.10.24 (linux)\r\n");
	mm_buf_appendf(b, "Date: %s\r\n", date);
	if (status != 204 && status != 304 && status != 101)
		mm_buf_appendf(b, "Content-Length: %zu\r\n", len);
	if (flags & HP_R_CLOSE)
		mm_buf_append_str(b, "Connection: close\r\n");
	mm_buf_append_str(b, "\r\n");
	if (len && !(flags & HP_R_NOBODY) && status != 204 && status != 304)
		mm_buf_append(b, body, len);
	if (b->len)
		s->write(s->warg, b->ptr, b->len);
	if (flags & HP_R_CLOSE)
		s->closing = true;
}

/* Splits the target into path, query and the /vX.Y/ prefix. */
static void parse_target(struct hp_req *q, const char *target, size_t len)
{
	const char *qm = memchr(target, '?', len);
	size_t plen = qm ? (size_t)(qm - target) : len;
	const char *p;

	q->query = qm ? qm + 1 : "";
	/* absolute-form targets ("http://host:2375/version") as proxies send */
	if (plen > 7 && !strncasecmp(target, "http://", 7)) {
		const char *slash = memchr(target + 7, '/', plen - 7);
		size_t skip = slash ? (size_t)(slash - target) : plen;
		target += skip;
		plen -= skip;
	}
	hp_url_decode(target, plen, q->path, sizeof(q->path));
	q->rest = q->path;
	q->api_version[0] = 0;
	p = q->path;
	if (p[0] == '/' && p[1] == 'v' && p[2] >= '0' && p[2] <= '9') {
		size_t i = 2;
		while (i < 12 && ((p[i] >= '0' && p[i] <= '9') || p[i] == '.'))
			i++;
		if ((p[i] == '/' || p[i] == 0) && i - 2 < sizeof(q->api_version)) {
			memcpy(q->api_version, p + 2, i - 2);
			q->api_version[i - 2] = 0;
			q->rest = p[i] ? p + i : "/";
		}
	}
}

static bool ci_contains(const char *hay, const char *needle)
{
	size_t n = strlen(needle);

	for (; *hay; hay++) {
		if (!strncasecmp(hay, needle, n))
			return true;
	}
	return false;
}

#define EMPTY_SHA256 "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

static void dispatch(struct hp_session *s)
{
	struct hp_request *r = &s->req;
	struct hp_req *q = NULL;
	struct hp_reply_info ri = { 0, NULL };
	uint8_t digest[32];
	const char *conn;

	/* one request at a time in the whole honeypot: a shared scratch */
	q = s->hp->req_scratch;
	memset(q, 0, sizeof(*q));
	s->requests++;
	s->hp->stats.requests++;
	q->method = http_method_str((enum http_method)s->parser.method);
	q->target = r->url.ptr ? r->url.ptr : "";
	parse_target(q, q->target, r->url.len);
	q->user_agent = hp_header(r, "User-Agent");
	q->content_type = hp_header(r, "Content-Type");
	q->host = hp_header(r, "Host");
	q->head = s->parser.method == HTTP_HEAD;
	{
		const char *up = hp_header(r, "Upgrade");
		conn = hp_header(r, "Connection");
		q->upgrade = up && conn && ci_contains(conn, "upgrade");
	}
	q->body = (const uint8_t *)r->body.ptr;
	q->body_len = r->body.len;
	q->body_total = r->body_total;
	q->body_truncated = r->body_total > r->body.len;
	if (q->body_truncated)
		s->hp->stats.truncated_bodies++;
	if (r->sha_open) {
		mm_sha256_final(&r->sha, digest);
		r->sha_open = false;
		mm_hex(digest, 32, q->body_sha256);
	} else {
		strcpy(q->body_sha256, EMPTY_SHA256);
	}
	if (!http_should_keep_alive(&s->parser))
		s->closing = true;

	if (s->svc == HONEYPOT_DOCKER)
		docker_handle(s, q, &ri);
	else
		confluence_handle(s, q, &ri);
	hp_record_request(s, q, &ri);
}

/* A request refused while it was being received: answer, record, close. */
static void refused(struct hp_session *s, int status)
{
	static const char body431[] = "431 Request Header Fields Too Large";
	struct hp_req *q = s->hp->req_scratch;
	struct hp_reply_info ri = { status, NULL };
	const char *msg = status == 431 ? body431 : status_text(status);

	s->hp->stats.bad_requests++;
	if (status == 431 || status == 400)
		hp_reply(s, status, "text/plain; charset=utf-8", NULL, msg, strlen(msg), HP_R_CLOSE);
	else
		hp_reply(s, status, "application/json", NULL, "{\"message\":\"request refused\"}",
			 29, HP_R_CLOSE | (s->svc == HONEYPOT_DOCKER ? HP_R_DOCKER : 0));
	memset(q, 0, sizeof(*q));
	{
		struct hp_request *r = &s->req;
		q->method = http_method_str((enum http_method)s->parser.method);
		q->target = r->url.ptr ? r->url.ptr : "";
		parse_target(q, q->target, r->url.len);
		q->user_agent = hp_header(r, "User-Agent");
		q->body = (const uint8_t *)r->body.ptr;
		q->body_len = r->body.len;
		q->body_total = r->body_total;
		q->body_truncated = true;
		strcpy(q->body_sha256, "");
		s->requests++;
		hp_record_request(s, q, &ri);
	}
	s->closing = true;
}

int honeypot_session_open(struct honeypot *hp, enum honeypot_service svc,
			  const char *src_ip, int src_port, const char *dst_ip, int dst_port,
			  honeypot_write_fn *write, void *warg, struct honeypot_session **out)
{
	struct hp_session *s;
	struct mm_json j;

	*out = NULL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return MM_ENOMEM;
	s->hp = hp;
	s->svc = svc;
	snprintf(s->src_ip, sizeof(s->src_ip), "%s", src_ip ? src_ip : "");
	snprintf(s->dst_ip, sizeof(s->dst_ip), "%s", dst_ip ? dst_ip : "");
	s->src_port = src_port;
	s->dst_port = dst_port;
	s->write = write;
	s->warg = warg;
	s->opened_us = mm_monotonic_us();
	hp_session_id(hp, s->id);
	http_parser_init(&s->parser, HTTP_REQUEST);
	s->parser.data = s;
	s->settings = &parser_settings;
	mm_buf_init(&s->req.url, HP_MAX_URL);
	mm_buf_init(&s->req.hdrs, hp->cfg.max_header_bytes);
	mm_buf_init(&s->req.body, hp->cfg.max_body);
	hp->stats.connections++;

	hp_record_begin(s, &j, "mamori.session.connect", NULL);
	hp_record_end(s, &j);
	*out = (struct honeypot_session *)s;
	return 0;
}

int honeypot_session_feed(struct honeypot_session *hs, const uint8_t *data, size_t len)
{
	struct hp_session *s = (struct hp_session *)hs;
	size_t n;

	if (s->closing)
		return 1;
	if (!len)
		return 0;
	n = http_parser_execute(&s->parser, s->settings, (const char *)data, len);
	enum http_errno e = HTTP_PARSER_ERRNO(&s->parser);
	if (e == HPE_PAUSED) {
		s->closing = true;
		return 1;
	}
	if (e != HPE_OK) {
		int status = s->error_status ? s->error_status : 400;
		if (e == HPE_HEADER_OVERFLOW)
			status = 431;
		refused(s, status);
		request_release(s);
		return 1;
	}
	/* http-parser stops early only after a complete upgrade request (whose
	 * answer ended the HTTP part) or on a pause; the upgrade flag alone is
	 * set as soon as the headers are read, before the body arrives */
	if (n < len)
		s->closing = true;
	return s->closing ? 1 : 0;
}

void honeypot_session_close(struct honeypot_session *hs, const char *reason)
{
	struct hp_session *s = (struct hp_session *)hs;
	struct mm_json j;

	if (!s)
		return;
	hp_record_begin(s, &j, "mamori.session.closed", reason);
	mm_json_str(&j, "reason", reason ? reason : "closed");
	mm_json_uint(&j, "requests", s->requests);
	if (!s->hp->cfg.deterministic)
		mm_json_double(&j, "duration",
			       (double)(mm_monotonic_us() - s->opened_us) / 1e6);
	if (s->req.started && s->req.url.len)
		mm_json_strn(&j, "incomplete_request", s->req.url.ptr, s->req.url.len);
	hp_record_end(s, &j);
	request_free(s);
	free(s);
}
