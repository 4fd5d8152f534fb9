/*
 * records.c — the honeypot's lifecycle, its rules, and what it writes:
 * Cowrie-compatible JSON records (eventid, timestamp, session, src_ip,
 * src_port, dst_ip, dst_port, protocol, sensor, message, then the event's
 * own keys; docs/honeypot.md) and alerts in the common format through the
 * borrowed struct mm_output.
 *
 * Ids (sessions, containers, execs, images) come from SHA-256 over a
 * per-process secret and a counter: unpredictable to the peer, and fixed
 * (secret of zeros) with --deterministic so replays give the same output.
 * Threading: one thread.
 */
#include "core/compat.h"
#include "honeypot/internal.h"

#include <fcntl.h>
#include <unistd.h>

struct rule_def {
	const char *id, *name, *category;
	enum mm_level level;
	const char *description;
	const char *technique, *tactic, *reference;
};

static const struct rule_def rule_defs[HP_RULE_COUNT] = {
	[HP_RULE_HOSTMOUNT] = { "mamori.honeypot.docker.create-hostmount",
		"Docker API: container created with a host path mounted", "exploit",
		MM_LEVEL_CRITICAL,
		"A client of the exposed Docker API created a container that bind-mounts "
		"a host path (the root, /etc, the Docker socket...), the usual way to "
		"escape to the host and plant a cron job or a miner.",
		"T1611", "privilege-escalation", NULL },
	[HP_RULE_PRIVILEGED] = { "mamori.honeypot.docker.privileged",
		"Docker API: privileged container or host namespaces", "exploit",
		MM_LEVEL_HIGH,
		"A container was created privileged, with added capabilities or in the "
		"host's PID, network, IPC or user namespace.",
		"T1611", "privilege-escalation", NULL },
	[HP_RULE_CREATE] = { "mamori.honeypot.docker.create",
		"Docker API: container deployed by a remote client", "execution",
		MM_LEVEL_MEDIUM,
		"A container was created through the exposed Docker API (no host mount, "
		"not privileged): typically a miner image or a command run in a stock image.",
		"T1610", "execution", NULL },
	[HP_RULE_EXEC] = { "mamori.honeypot.docker.exec",
		"Docker API: command executed in a container", "execution", MM_LEVEL_HIGH,
		"A command was run in a container through the exec endpoint.",
		"T1609", "execution", NULL },
	[HP_RULE_PULL] = { "mamori.honeypot.docker.pull",
		"Docker API: image pulled by a remote client", "execution", MM_LEVEL_MEDIUM,
		"An image was pulled through the exposed Docker API, the first step of "
		"most deployments.", "T1610", "execution", NULL },
	[HP_RULE_RECON] = { "mamori.honeypot.docker.recon",
		"Docker API: reconnaissance of an exposed daemon", "recon", MM_LEVEL_LOW,
		"A client asked the exposed Docker API for its version, info, containers "
		"or images (once per session).", "T1613", "discovery", NULL },
	[HP_RULE_BUILD] = { "mamori.honeypot.docker.build",
		"Docker API: image build requested by a remote client", "execution",
		MM_LEVEL_HIGH, "A build context was posted to the exposed Docker API.",
		"T1612", "defense-evasion", NULL },
	[HP_RULE_CONFLUENCE] = { "mamori.honeypot.confluence.cve-2019-3396",
		"Confluence Widget Connector template injection (CVE-2019-3396)", "exploit",
		MM_LEVEL_CRITICAL,
		"A request to /rest/tinymce/1/macro/preview set the widget macro's "
		"_template parameter: path traversal or remote Velocity template (RCE).",
		"T1190", "initial-access", "CVE-2019-3396" },
};

int honeypot_register_rules(struct mm_catalogue *cat)
{
	for (size_t i = 0; i < HP_RULE_COUNT; i++) {
		const struct rule_def *d = &rule_defs[i];
		struct mm_rule_meta m;
		memset(&m, 0, sizeof(m));
		m.id = d->id;
		m.name = d->name;
		m.engine = "honeypot";
		m.ruleset = "builtin";
		m.category = d->category;
		m.level = d->level;
		m.description = d->description;
		m.source_line = -1;
		m.techniques[0] = d->technique;
		m.tactics[0] = d->tactic;
		m.references[0] = d->reference;
		int rc = mm_catalogue_add(cat, &m, NULL);
		if (rc && rc != MM_EEXIST)
			return rc;
	}
	return 0;
}

void honeypot_config_defaults(struct honeypot_config *c)
{
	memset(c, 0, sizeof(*c));
	c->sensor = NULL;
	c->max_conns = 20000;
	c->max_per_ip = 64;
	c->max_headers = 100;
	c->max_header_bytes = 32 * 1024;
	c->max_body = 64 * 1024;
	c->max_body_total = 256ull << 20;
	c->idle_ms = 120000;
	c->request_ms = 20000;
	c->lifetime_ms = 600000;
	c->mem_cap = 48ull << 20;
	c->record_body_max = 8 * 1024;
}

int64_t hp_now(const struct honeypot *hp)
{
	return hp->cfg.deterministic ? 0 : mm_now_us();
}

static void derive(struct honeypot *hp, const char *kind, uint64_t n, uint8_t out[32])
{
	uint8_t in[32 + 32 + 8];
	size_t klen = MM_MIN(strlen(kind), (size_t)32);

	memset(in, 0, sizeof(in));
	memcpy(in, hp->secret, 32);
	memcpy(in + 32, kind, klen);
	for (int i = 0; i < 8; i++)
		in[64 + i] = (uint8_t)(n >> (8 * i));
	mm_sha256(in, sizeof(in), out);
}

void hp_new_id(struct honeypot *hp, const char *kind, char out[65])
{
	uint8_t d[32];

	derive(hp, kind, ++hp->next_object, d);
	mm_hex(d, 32, out);
}

void hp_session_id(struct honeypot *hp, char out[17])
{
	uint8_t d[32];
	char hex[65];

	derive(hp, "session", ++hp->next_session, d);
	mm_hex(d, 32, hex);
	memcpy(out, hex, 12);
	out[12] = 0;
}

bool hp_dedupe_seen(struct honeypot *hp, const char *src_ip, const void *key, size_t len)
{
	uint8_t d[32];

	mm_sha256(key, len, d);
	for (size_t i = 0; i < HP_DEDUPE; i++) {
		if (!memcmp(hp->dedupe[i].key, d, 32) && !strcmp(hp->dedupe[i].src_ip, src_ip))
			return true;
	}
	struct hp_dedupe *e = &hp->dedupe[hp->dedupe_next++ % HP_DEDUPE];
	memcpy(e->key, d, 32);
	snprintf(e->src_ip, sizeof(e->src_ip), "%s", src_ip);
	return false;
}

int honeypot_new(struct honeypot **out, const struct honeypot_config *cfg,
		 struct mm_output *o, struct mm_catalogue *cat)
{
	struct honeypot *hp = NULL;
	int rc = MM_ENOMEM;
	uint8_t d[32];
	static const char b32[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

	*out = NULL;
	hp = calloc(1, sizeof(*hp));
	if (!hp)
		goto out;
	hp->cfg = *cfg;
	snprintf(hp->sensor, sizeof(hp->sensor), "%s", cfg->sensor && *cfg->sensor ? cfg->sensor
											: "mamori");
	hp->cfg.sensor = hp->sensor;
	hp->out = o;
	if (!cat) {
		cat = mm_catalogue_new();
		if (!cat)
			goto out;
		hp->own_cat = true;
	}
	hp->cat = cat;
	rc = honeypot_register_rules(cat);
	if (rc)
		goto out;
	for (size_t i = 0; i < HP_RULE_COUNT; i++)
		hp->rules[i] = mm_catalogue_find(cat, rule_defs[i].id);
	if (!cfg->deterministic) {
		int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
		ssize_t n = fd >= 0 ? read(fd, hp->secret, sizeof(hp->secret)) : -1;
		if (fd >= 0)
			close(fd);
		if (n != (ssize_t)sizeof(hp->secret)) {
			rc = MM_EIO;
			goto out;
		}
	}
	/* the daemon's ID and host name are stable per sensor name */
	mm_sha256(hp->sensor, strlen(hp->sensor), d);
	for (int g = 0, o2 = 0; g < 12; g++) {
		for (int k = 0; k < 4; k++)
			hp->daemon_id[o2++] = b32[d[(g * 4 + k) % 32] % 32];
		if (g < 11)
			hp->daemon_id[o2++] = ':';
		hp->daemon_id[o2] = 0;
	}
	{
		char hex[65];
		mm_hex(d, 32, hex);
		snprintf(hp->hostname, sizeof(hp->hostname), "docker-%.6s", hex + 20);
	}
	hp->req_scratch = calloc(1, sizeof(*hp->req_scratch));
	if (!hp->req_scratch) {
		rc = MM_ENOMEM;
		goto out;
	}
	mm_buf_init(&hp->rec, 512 * 1024);
	mm_buf_init(&hp->resp, 2 * 1024 * 1024);
	mm_buf_init(&hp->scratch, 512 * 1024);
	*out = hp;
	hp = NULL;
	rc = 0;
out:
	honeypot_free(hp);
	return rc;
}

void honeypot_free(struct honeypot *hp)
{
	if (!hp)
		return;
	hp_server_free(hp->srv);
	docker_state_release(hp);
	mm_buf_release(&hp->rec);
	mm_buf_release(&hp->resp);
	mm_buf_release(&hp->scratch);
	free(hp->req_scratch);
	if (hp->own_cat)
		mm_catalogue_free(hp->cat);
	free(hp);
}

void honeypot_set_record_fn(struct honeypot *hp, honeypot_record_fn *fn, void *arg)
{
	hp->record_fn = fn;
	hp->record_arg = arg;
}

void honeypot_set_flush_fn(struct honeypot *hp, void (*fn)(void *arg), void *arg)
{
	hp->flush_fn = fn;
	hp->flush_arg = arg;
}

void honeypot_set_payload_fn(struct honeypot *hp, honeypot_payload_fn *fn, void *arg)
{
	hp->payload_fn = fn;
	hp->payload_arg = arg;
}

void hp_payloads(struct hp_session *s, const struct hp_ind *in)
{
	struct honeypot *hp = s->hp;
	char name[128];

	if (!hp->payload_fn)
		return;
	for (size_t i = 0; i < in->decoded.n && i < HP_PAYLOADS_MAX; i++) {
		snprintf(name, sizeof(name), "honeypot:%s:%" PRIu64 "!decoded-%zu", s->id, s->requests,
			 i + 1);
		hp->payload_fn(hp->payload_arg, name, (const uint8_t *)in->decoded.v[i],
			       strlen(in->decoded.v[i]), hp_now(hp));
	}
}

void hp_payload_text(struct hp_session *s, const char *what, const char *text, size_t len)
{
	struct honeypot *hp = s->hp;
	char name[128];

	if (!hp->payload_fn || !len)
		return;
	snprintf(name, sizeof(name), "honeypot:%s:%" PRIu64 "!%s", s->id, s->requests, what);
	hp->payload_fn(hp->payload_arg, name, (const uint8_t *)text, len, hp_now(hp));
}

const struct honeypot_stats *honeypot_stats(const struct honeypot *hp)
{
	return &hp->stats;
}

void hp_record_begin(struct hp_session *s, struct mm_json *j, const char *eventid,
		     const char *message)
{
	char ts[MM_TIME_STR];
	char msg[320];

	mm_buf_reset(&s->hp->rec);
	mm_json_init(j, &s->hp->rec);
	mm_time_format(hp_now(s->hp), ts);
	if (!message) {
		snprintf(msg, sizeof(msg), "New connection: %s:%d (%s:%d) [session: %s]",
			 s->src_ip, s->src_port, s->dst_ip, s->dst_port, s->id);
		message = msg;
	}
	mm_json_object_begin(j, NULL);
	mm_json_str(j, "eventid", eventid);
	mm_json_str(j, "timestamp", ts);
	mm_json_str(j, "session", s->id);
	mm_json_str(j, "src_ip", s->src_ip);
	mm_json_int(j, "src_port", s->src_port);
	mm_json_str(j, "dst_ip", s->dst_ip);
	mm_json_int(j, "dst_port", s->dst_port);
	mm_json_str(j, "protocol", s->svc == HONEYPOT_DOCKER ? "docker" : "confluence");
	mm_json_str(j, "sensor", s->hp->sensor);
	mm_json_str(j, "message", message);
}

void hp_record_end(struct hp_session *s, struct mm_json *j)
{
	struct honeypot *hp = s->hp;

	mm_json_object_end(j);
	if (mm_json_finish(j)) {
		hp->stats.records_failed++;
		return;
	}
	hp->stats.records++;
	if (hp->record_fn && hp->record_fn(hp->record_arg, hp->rec.ptr, hp->rec.len))
		hp->stats.records_failed++;
	if (hp->flush_fn)
		hp_records_written(hp);
}

void hp_json_request_brief(struct honeypot *hp, struct mm_json *j, const struct hp_req *q)
{
	(void)hp;
	mm_json_str(j, "method", q->method ? q->method : "");
	mm_json_str(j, "path", q->target ? q->target : "");
	if (q->api_version[0])
		mm_json_str(j, "api_version", q->api_version);
	if (q->user_agent)
		mm_json_str(j, "user_agent", q->user_agent);
	mm_json_uint(j, "body_size", q->body_total);
	if (q->body_sha256[0])
		mm_json_str(j, "body_sha256", q->body_sha256);
}

void hp_json_request(struct honeypot *hp, struct mm_json *j, const struct hp_req *q)
{
	mm_json_str(j, "method", q->method ? q->method : "");
	mm_json_str(j, "path", q->target ? q->target : "");
	if (q->api_version[0])
		mm_json_str(j, "api_version", q->api_version);
	if (q->user_agent)
		mm_json_str(j, "user_agent", q->user_agent);
	mm_json_uint(j, "body_size", q->body_total);
	if (q->body_sha256[0])
		mm_json_str(j, "body_sha256", q->body_sha256);
	if (q->body_len) {
		size_t n = MM_MIN(q->body_len, (size_t)hp->cfg.record_body_max);
		mm_json_strn(j, "body", q->body, n);
		if (n < q->body_total)
			mm_json_bool(j, "body_truncated", true);
	} else if (q->body_total) {
		mm_json_bool(j, "body_truncated", true);
	}
}

void hp_record_request(struct hp_session *s, const struct hp_req *q,
		       const struct hp_reply_info *ri)
{
	struct mm_json j;
	char msg[200];
	const struct hp_request *r = &s->req;

	snprintf(msg, sizeof(msg), "%s %.150s", q->method ? q->method : "?",
		 q->target ? q->target : "");
	hp_record_begin(s, &j, s->svc == HONEYPOT_DOCKER ? "mamori.docker.request"
							 : "mamori.confluence.request", msg);
	hp_json_request(s->hp, &j, q);
	mm_json_int(&j, "status", ri->status);
	if (r->hdrs.ptr) {
		const char *p = r->hdrs.ptr, *end = r->hdrs.ptr + r->hdrs.len;
		mm_json_array_begin(&j, "headers");
		while (p < end) {
			const char *v = memchr(p, 0, (size_t)(end - p));
			if (!v || v + 1 >= end)
				break;
			const char *nx = memchr(v + 1, 0, (size_t)(end - v - 1));
			if (!nx)
				break;
			mm_json_array_begin(&j, NULL);
			mm_json_strn(&j, NULL, p, (size_t)(v - p));
			mm_json_strn(&j, NULL, v + 1, (size_t)(nx - v - 1));
			mm_json_array_end(&j);
			p = nx + 1;
		}
		mm_json_array_end(&j);
	}
	hp_record_end(s, &j);
}

int hp_alert(struct hp_session *s, enum hp_rule rule, int level, const char *reason,
	     const char *evidence, const char *url)
{
	struct mm_alert a;

	s->hp->stats.alerts++;
	if (!s->hp->out)
		return 0;
	mm_alert_init(&a);
	a.timestamp_us = hp_now(s->hp);
	a.module = "honeypot";
	a.meta = s->hp->rules[rule];
	if (level >= 0) {
		a.has_level = 1;
		a.level = (enum mm_level)level;
	}
	a.reason = reason;
	a.evidence_json = evidence;
	a.src_ip = s->src_ip[0] ? s->src_ip : NULL;
	a.src_port = s->src_port;
	a.dst_ip = s->dst_ip[0] ? s->dst_ip : NULL;
	a.dst_port = s->dst_port;
	a.transport = "tcp";
	a.protocol = "http";
	a.host_name = s->hp->sensor;
	a.url = url;
	return mm_output_alert(s->hp->out, &a);
}
