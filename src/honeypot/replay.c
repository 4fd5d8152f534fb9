/*
 * replay.c — `mamori honeypot --replay FILE.jsonl`: recorded requests fed
 * through the emulation offline, one session per request, answers
 * discarded. Accepted line shapes (see honeypot.h): the corpus attack
 * format (record.method/url/headers/source, data in Base64), the client
 * capture format (method/target/headers/body), the request-shape format
 * (method/path/headers/body), and the honeypot's own request records
 * (mamori.docker.request, mamori.confluence.request: a body cut at the
 * record's cap is replayed as far as it goes; the other events are
 * skipped). Lines of another shape are skipped and counted; lines longer
 * than 4 MiB are skipped.
 *
 * The service is chosen by the path: Confluence paths (/rest/tinymce/...,
 * *.action) go to the Confluence emulation, the rest to Docker.
 * Input: a hostile file (jansson, bounded lines). Threading: one thread.
 */
#include "core/compat.h"
#include "honeypot/internal.h"

#include <errno.h>
#include <jansson.h>

#define LINE_MAX_BYTES (4u << 20)

static void discard(void *arg, const void *data, size_t len)
{
	(void)arg;
	(void)data;
	(void)len;
}

static bool is_confluence(const char *path)
{
	return strstr(path, "/rest/tinymce/") || strstr(path, ".action") ||
	       strstr(path, "/confluence/");
}

/* "http://host:port/path?q" -> host, port, "/path?q" */
static const char *split_url(const char *url, char *host, size_t hcap, int *port)
{
	const char *p = url, *slash, *colon;

	host[0] = 0;
	*port = 0;
	if (strncmp(p, "http://", 7) && strncmp(p, "https://", 8))
		return url;
	p = strstr(p, "://") + 3;
	slash = strchr(p, '/');
	size_t hl = slash ? (size_t)(slash - p) : strlen(p);
	colon = memchr(p, ':', hl);
	if (colon) {
		*port = atoi(colon + 1);
		hl = (size_t)(colon - p);
	}
	snprintf(host, hcap, "%.*s", (int)MM_MIN(hl, hcap - 1), p);
	return slash ? slash : "/";
}

static int replay_one(struct honeypot *hp, json_t *line)
{
	json_t *rec = json_object_get(line, "record");
	const json_t *o = json_is_object(rec) ? rec : line;
	const char *method = json_string_value(json_object_get(o, "method"));
	const char *target = json_string_value(json_object_get(o, "url"));
	const json_t *hdrs = json_object_get(o, "headers");
	const char *src = json_string_value(json_object_get(o, "source"));
	const json_t *peer = json_object_get(o, "peer");
	const char *body = NULL;
	size_t body_len = 0;
	uint8_t *decoded = NULL;
	char host[256] = "";
	int dport = 0;
	struct mm_buf req;
	struct honeypot_session *s = NULL;
	bool has_cl = false;
	int rc = 0;

	/* our own records: only the request events carry a request */
	const char *eventid = json_string_value(json_object_get(o, "eventid"));
	int svc = -1;
	if (eventid) {
		if (!strcmp(eventid, "mamori.docker.request"))
			svc = HONEYPOT_DOCKER;
		else if (!strcmp(eventid, "mamori.confluence.request"))
			svc = HONEYPOT_CONFLUENCE;
		else
			return MM_ENOTFOUND;
		if (!src)
			src = json_string_value(json_object_get(o, "src_ip"));
		if (!json_is_integer(peer))
			peer = json_object_get(o, "src_port");
	}
	if (!target)
		target = json_string_value(json_object_get(o, "target"));
	if (!target)
		target = json_string_value(json_object_get(o, "path"));
	if (!method || !target || strpbrk(method, " \r\n") || strpbrk(target, " \r\n"))
		return MM_ENOTFOUND;
	target = split_url(target, host, sizeof(host), &dport);
	if (json_is_string(json_object_get(o, "data"))) {
		const char *d = json_string_value(json_object_get(o, "data"));
		size_t dl = json_string_length(json_object_get(o, "data"));
		decoded = malloc(dl / 4 * 3 + 4);
		long n = decoded ? mm_base64_decode(d, dl, decoded, dl / 4 * 3 + 4) : -1;
		if (n >= 0) {
			body = (const char *)decoded;
			body_len = (size_t)n;
		} else {
			body = d;
			body_len = dl;
		}
	} else if (json_is_string(json_object_get(o, "body"))) {
		body = json_string_value(json_object_get(o, "body"));
		body_len = json_string_length(json_object_get(o, "body"));
	}
	mm_buf_init(&req, LINE_MAX_BYTES + 65536);
	mm_buf_appendf(&req, "%s %s HTTP/1.1\r\n", method, target);
	for (size_t i = 0; json_is_array(hdrs) && i < json_array_size(hdrs); i++) {
		const json_t *h = json_array_get(hdrs, i);
		const char *k = json_string_value(json_array_get(h, 0));
		const char *v = json_string_value(json_array_get(h, 1));
		if (!k || !v || strpbrk(k, "\r\n:") || strpbrk(v, "\r\n"))
			continue;
		if (!strcasecmp(k, "Content-Length")) {
			if (has_cl)
				continue;
			has_cl = true;
			mm_buf_appendf(&req, "Content-Length: %zu\r\n", body_len);
			continue;
		}
		if (!strcasecmp(k, "Transfer-Encoding"))
			continue;
		mm_buf_appendf(&req, "%s: %s\r\n", k, v);
	}
	if (!has_cl && body_len)
		mm_buf_appendf(&req, "Content-Length: %zu\r\n", body_len);
	mm_buf_append_str(&req, "\r\n");
	if (body_len)
		mm_buf_append(&req, body, body_len);
	if (!req.len) {
		rc = MM_ENOMEM;
		goto out;
	}
	if (eventid) {
		const char *dip = json_string_value(json_object_get(o, "dst_ip"));
		const json_t *dp = json_object_get(o, "dst_port");
		if (dip && !host[0])
			snprintf(host, sizeof(host), "%s", dip);
		if (json_is_integer(dp) && !dport)
			dport = (int)json_integer_value(dp);
	}
	if (svc < 0)
		svc = is_confluence(target) ? HONEYPOT_CONFLUENCE : HONEYPOT_DOCKER;
	rc = honeypot_session_open(hp, (enum honeypot_service)svc,
				   src ? src : "127.0.0.1", json_is_integer(peer) ?
				   (int)json_integer_value(peer) : 0, host[0] ? host : "127.0.0.1",
				   dport ? dport : (is_confluence(target) ? 8090 : 2375), discard,
				   NULL, &s);
	if (rc)
		goto out;
	honeypot_session_feed(s, (const uint8_t *)req.ptr, req.len);
	honeypot_session_close(s, "replay");
out:
	mm_buf_release(&req);
	free(decoded);
	return rc;
}

int honeypot_replay(struct honeypot *hp, const char *path, uint64_t *requests,
		    uint64_t *skipped, struct mm_diag *diag)
{
	FILE *f = NULL;
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	long lineno = 0;
	int rc = 0;

	*requests = *skipped = 0;
	f = fopen(path, "r");
	if (!f)
		return mm_diag_set(diag, mm_from_errno(errno), path, -1, -1, "cannot open: %s",
				   strerror(errno));
	while ((n = getline(&line, &cap, f)) >= 0) {
		json_error_t err;
		json_t *j;
		lineno++;
		if (n == 0 || (size_t)n > LINE_MAX_BYTES) {
			(*skipped)++;
			continue;
		}
		j = json_loadb(line, (size_t)n, 0, &err);
		if (!json_is_object(j)) {
			json_decref(j);
			if (strspn(line, " \t\r\n") != (size_t)n)
				(*skipped)++;
			continue;
		}
		int r = replay_one(hp, j);
		json_decref(j);
		if (r == 0)
			(*requests)++;
		else if (r == MM_ENOMEM) {
			rc = mm_diag_set(diag, r, path, lineno, -1, "out of memory");
			break;
		} else
			(*skipped)++;
	}
	if (!rc && ferror(f))
		rc = mm_diag_set(diag, MM_EIO, path, lineno, -1, "read error");
	free(line);
	fclose(f);
	return rc;
}
