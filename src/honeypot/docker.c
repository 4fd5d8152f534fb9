/*
 * docker.c — one believable dockerd 20.10.24 (API 1.41, accepting /vX.Y/
 * prefixes down to 1.12 and none): ping, version, info, containers (create,
 * start, wait, kill, stop, inspect, logs, attach, exec, delete), images
 * (pull with a streamed progress, list, inspect), volumes, networks, build;
 * unknown paths get dockerd's 404 {"message":"page not found"}.
 *
 * State: containers, images and execs live in fixed tables in struct
 * honeypot (HP_MAX_*; the oldest is evicted and counted when full), so
 * listing and inspecting agree with what a client created. Commands are
 * never run: attach, logs and exec start answer with a made-up output
 * (fake_reply) in dockerd's 8-byte stream frames.
 *
 * Alerts: create (host mounts, privileged/namespaces, or plain), exec,
 * pull, build and recon (once per session), with indicators from the
 * command, entrypoint, environment and image. A create retried after a
 * pull (same body, same source) is not alerted twice.
 * Input: hostile JSON (jansson, bounded by max_body). Threading: one thread.
 */
#include "core/compat.h"
#include "honeypot/internal.h"

#include <jansson.h>
#include <time.h>

#define JSON_CT "application/json"

static void reply_json(struct hp_session *s, const struct hp_req *q, struct hp_reply_info *ri,
		       int status, const char *body, size_t len)
{
	ri->status = status;
	hp_reply(s, status, JSON_CT, NULL, body, len, HP_R_DOCKER | (q->head ? HP_R_NOBODY : 0));
}

#define reply_lit(s, q, ri, st, lit) reply_json(s, q, ri, st, lit, sizeof(lit) - 1)

static void jraw(struct mm_json *j, const char *key, const char *text)
{
	mm_json_raw(j, key, text, strlen(text));
}

static void reply_buf(struct hp_session *s, const struct hp_req *q, struct hp_reply_info *ri,
		      int status, struct mm_buf *b)
{
	reply_json(s, q, ri, status, b->ptr ? b->ptr : "", b->len);
}

static void reply_message(struct hp_session *s, const struct hp_req *q,
			  struct hp_reply_info *ri, int status, const char *fmt, ...)
	MM_PRINTF(5, 6);

static void reply_message(struct hp_session *s, const struct hp_req *q,
			  struct hp_reply_info *ri, int status, const char *fmt, ...)
{
	char msg[512];
	struct mm_buf b;
	struct mm_json j;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	mm_buf_init(&b, 4096);
	mm_json_init(&j, &b);
	mm_json_object_begin(&j, NULL);
	mm_json_str(&j, "message", msg);
	mm_json_object_end(&j);
	mm_json_finish(&j);
	mm_buf_append_byte(&b, '\n');
	reply_buf(s, q, ri, status, &b);
	mm_buf_release(&b);
}

static void fmt_time(int64_t us, char out[48])
{
	time_t t = (time_t)(us / 1000000);
	struct tm tm;

	gmtime_r(&t, &tm);
	snprintf(out, 48, "%04d-%02d-%02dT%02d:%02d:%02d.%09ldZ", (tm.tm_year + 1900) % 10000,
		 (tm.tm_mon + 1) % 100, tm.tm_mday % 100, tm.tm_hour % 100, tm.tm_min % 100,
		 tm.tm_sec % 100, (long)((us % 1000000 + 1000000) % 1000000) * 1000);
}

/* ---- state ---- */

static void container_clear(struct hp_container *c)
{
	free(c->cmd_json);
	free(c->entrypoint_json);
	free(c->binds_json);
	free(c->reply);
	memset(c, 0, sizeof(*c));
}

void docker_state_release(struct honeypot *hp)
{
	for (size_t i = 0; i < hp->n_containers; i++)
		container_clear(&hp->containers[i]);
	for (size_t i = 0; i < hp->n_execs; i++)
		free(hp->execs[i].reply);
	hp->n_containers = hp->n_execs = 0;
}

static struct hp_container *container_find(struct honeypot *hp, const char *ref, size_t len)
{
	if (!len)
		return NULL;
	for (size_t i = 0; i < hp->n_containers; i++) {
		struct hp_container *c = &hp->containers[i];
		if (len <= 64 && !strncmp(c->id, ref, len) && len >= 3)
			return c;
		if (strlen(c->name) == len && !strncmp(c->name, ref, len))
			return c;
		if (ref[0] == '/' && strlen(c->name) == len - 1 && !strncmp(c->name, ref + 1, len - 1))
			return c;
	}
	return NULL;
}

static struct hp_container *container_new(struct honeypot *hp)
{
	struct hp_container *c;

	if (hp->n_containers == HP_MAX_CONTAINERS) {
		size_t old = 0;
		for (size_t i = 1; i < hp->n_containers; i++) {
			if (hp->containers[i].seq < hp->containers[old].seq)
				old = i;
		}
		container_clear(&hp->containers[old]);
		hp->stats.containers_evicted++;
		c = &hp->containers[old];
	} else {
		c = &hp->containers[hp->n_containers++];
		memset(c, 0, sizeof(*c));
	}
	c->seq = ++hp->next_object;
	return c;
}

static struct hp_image *image_find(struct honeypot *hp, const char *name)
{
	char norm[256];

	hp_image_normalise(name, norm, sizeof(norm));
	for (size_t i = 0; i < hp->n_images; i++) {
		if (!strcmp(hp->images[i].name, norm) || !strcmp(hp->images[i].id, name) ||
		    (strlen(name) >= 12 && strstr(hp->images[i].id, name)))
			return &hp->images[i];
	}
	return NULL;
}

static struct hp_image *image_add(struct honeypot *hp, const char *name)
{
	struct hp_image *im = image_find(hp, name);
	char hex[65];

	if (im)
		return im;
	if (hp->n_images == HP_MAX_IMAGES) {
		size_t old = 0;
		for (size_t i = 1; i < hp->n_images; i++) {
			if (hp->images[i].seq < hp->images[old].seq)
				old = i;
		}
		im = &hp->images[old];
		hp->stats.images_evicted++;
	} else {
		im = &hp->images[hp->n_images++];
	}
	memset(im, 0, sizeof(*im));
	hp_image_normalise(name, im->name, sizeof(im->name));
	hp_new_id(hp, "image", hex);
	snprintf(im->id, sizeof(im->id), "sha256:%s", hex);
	im->created_us = hp_now(hp) - 86400ll * 1000000 * 30;
	im->seq = ++hp->next_object;
	return im;
}

static const char *const adjectives[] = { "amazing", "brave", "clever", "dreamy", "eager",
	"festive", "gallant", "happy", "inspiring", "jolly", "keen", "loving", "modest",
	"nifty", "optimistic", "pensive", "quirky", "relaxed", "serene", "tender",
	"upbeat", "vibrant", "wizardly", "youthful", "zealous" };
static const char *const surnames[] = { "archimedes", "babbage", "curie", "darwin",
	"euclid", "fermat", "galileo", "hopper", "hypatia", "jennings", "kepler",
	"lovelace", "meitner", "newton", "noether", "pascal", "ramanujan", "shannon",
	"tesla", "turing", "volta", "wozniak", "yalow", "zhukovsky" };

static void make_name(struct honeypot *hp, const char *id, char out[48])
{
	unsigned a = (unsigned)strtoul((char[9]){ id[0], id[1], id[2], id[3], id[4], id[5], 0, 0, 0 },
				       NULL, 16);
	(void)hp;
	snprintf(out, 48, "%s_%s", adjectives[a % MM_ARRAY_SIZE(adjectives)],
		 surnames[(a / 64) % MM_ARRAY_SIZE(surnames)]);
}

/* ---- the fake shell ---- */

static bool word_in(const char *s, const char *w)
{
	size_t n = strlen(w);
	for (const char *p = strstr(s, w); p; p = strstr(p + 1, w)) {
		bool lb = p == s || !((p[-1] >= 'a' && p[-1] <= 'z') || p[-1] == '-' || p[-1] == '_');
		bool rb = !((p[n] >= 'a' && p[n] <= 'z') || p[n] == '-' || p[n] == '_');
		if (lb && rb)
			return true;
	}
	return false;
}

/* A plausible output for a command line; never executes anything. */
static char *fake_reply(struct honeypot *hp, const char *cmd)
{
	char out[HP_MAX_REPLY];
	size_t o = 0;
	const char *e;

	out[0] = 0;
	if (!cmd)
		return strdup("");
	e = strstr(cmd, "echo ");
	if (e && (e == cmd || e[-1] == ' ' || e[-1] == '\'' || e[-1] == '"' || e[-1] == ';')) {
		e += 5;
		while (*e == ' ')
			e++;
		for (; *e && o + 2 < sizeof(out); e++) {
			if (*e == ';' || *e == '&' || *e == '|' || *e == '>' || *e == '\n')
				break;
			if (*e == '\'' || *e == '"')
				continue;
			out[o++] = *e;
		}
		while (o && out[o - 1] == ' ')
			o--;
		out[o++] = '\n';
		out[o] = 0;
	} else if (word_in(cmd, "id")) {
		snprintf(out, sizeof(out), "uid=0(root) gid=0(root) groups=0(root),1(bin),2(daemon),"
					   "3(sys),4(adm),6(disk),10(wheel),11(floppy),20(dialout),"
					   "26(tape),27(video)\n");
	} else if (word_in(cmd, "whoami")) {
		snprintf(out, sizeof(out), "root\n");
	} else if (word_in(cmd, "uname")) {
		snprintf(out, sizeof(out), "%s\n", strstr(cmd, "-a") ?
			 "Linux 5.10.0-21-amd64 #1 SMP Debian 5.10.162-1 (2023-01-21) x86_64 Linux" :
			 "Linux");
	} else if (word_in(cmd, "hostname")) {
		snprintf(out, sizeof(out), "%s\n", hp->hostname);
	} else if (word_in(cmd, "nproc")) {
		snprintf(out, sizeof(out), "4\n");
	} else if (word_in(cmd, "pwd")) {
		snprintf(out, sizeof(out), "/\n");
	}
	return strdup(out);
}

/* Joins a JSON array of strings (or a string) with spaces into b. */
static void join_strings(const json_t *v, struct mm_buf *b)
{
	if (json_is_string(v)) {
		mm_buf_append(b, json_string_value(v), json_string_length(v));
		return;
	}
	if (!json_is_array(v))
		return;
	for (size_t i = 0; i < json_array_size(v); i++) {
		const json_t *e = json_array_get(v, i);
		if (!json_is_string(e))
			continue;
		if (b->len)
			mm_buf_append_byte(b, ' ');
		mm_buf_append(b, json_string_value(e), json_string_length(e));
	}
}

static char *dump(const json_t *v)
{
	if (!v || json_is_null(v))
		return strdup("null");
	return json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
}

static void frames(struct mm_buf *b, const char *text, bool tty)
{
	size_t n = strlen(text);

	if (!n)
		return;
	if (!tty) {
		uint8_t h[8] = { 1, 0, 0, 0, (uint8_t)(n >> 24), (uint8_t)(n >> 16), (uint8_t)(n >> 8),
				 (uint8_t)n };
		mm_buf_append(b, h, 8);
	}
	mm_buf_append(b, text, n);
}

/* Attach and exec start: 101 UPGRADED, frames, then close. */
static void reply_stream(struct hp_session *s, const struct hp_req *q, struct hp_reply_info *ri,
			 const char *text, bool tty)
{
	struct mm_buf b;

	mm_buf_init(&b, 2 * HP_MAX_REPLY);
	if (q->upgrade) {
		mm_buf_append_str(&b, "HTTP/1.1 101 UPGRADED\r\n"
				      "Content-Type: application/vnd.docker.raw-stream\r\n"
				      "Connection: Upgrade\r\nUpgrade: tcp\r\n\r\n");
		ri->status = 101;
	} else {
		mm_buf_append_str(&b, "HTTP/1.1 200 OK\r\n"
				      "Content-Type: application/vnd.docker.raw-stream\r\n"
				      "Connection: close\r\n\r\n");
		ri->status = 200;
	}
	frames(&b, text ? text : "", tty);
	if (b.len)
		s->write(s->warg, b.ptr, b.len);
	mm_buf_release(&b);
	s->closing = true;
}

/* ---- evidence and alerts ---- */

struct create_facts {
	const char *image;
	struct mm_buf cmd;	/* Entrypoint + Cmd, joined */
	struct mm_buf binds;	/* host sources, joined */
	bool privileged, root_bind, sock_bind;
	const char *ns[6];
	size_t n_ns;
	json_t *caps;
};

static const char *const sensitive_paths[] = { "/", "/etc", "/root", "/var/run/docker.sock",
	"/run/docker.sock", "/proc", "/sys", "/dev", "/boot", "/var/spool/cron", "/home",
	"/usr", "/var", "/bin", "/lib", NULL };

static void note_bind(struct create_facts *f, const char *src)
{
	size_t n = strlen(src);

	while (n > 1 && src[n - 1] == '/')
		n--;
	if (f->binds.len)
		mm_buf_append_byte(&f->binds, ' ');
	mm_buf_append(&f->binds, src, n);
	if (n == 1 && src[0] == '/')
		f->root_bind = true;
	if (strstr(src, "docker.sock"))
		f->sock_bind = true;
}

static void collect_binds(const json_t *hc, struct create_facts *f)
{
	const json_t *binds = json_object_get(hc, "Binds");
	const json_t *mounts = json_object_get(hc, "Mounts");

	for (size_t i = 0; json_is_array(binds) && i < json_array_size(binds) && i < 64; i++) {
		const char *b = json_string_value(json_array_get(binds, i));
		char src[1024];
		if (!b || b[0] != '/')
			continue;
		const char *colon = strchr(b, ':');
		size_t n = colon ? (size_t)(colon - b) : strlen(b);
		snprintf(src, sizeof(src), "%.*s", (int)MM_MIN(n, sizeof(src) - 1), b);
		note_bind(f, src);
	}
	for (size_t i = 0; json_is_array(mounts) && i < json_array_size(mounts) && i < 64; i++) {
		const json_t *m = json_array_get(mounts, i);
		const char *type = json_string_value(json_object_get(m, "Type"));
		const char *src = json_string_value(json_object_get(m, "Source"));
		if (type && !strcmp(type, "bind") && src && src[0] == '/')
			note_bind(f, src);
	}
}

static void collect_ns(const json_t *hc, struct create_facts *f)
{
	static const char *const keys[] = { "PidMode", "NetworkMode", "IpcMode", "UsernsMode",
					    "UTSMode", "CgroupnsMode" };
	for (size_t i = 0; i < MM_ARRAY_SIZE(keys); i++) {
		const char *v = json_string_value(json_object_get(hc, keys[i]));
		if (v && !strcmp(v, "host"))
			f->ns[f->n_ns++] = keys[i];
	}
}

static bool dangerous_caps(const json_t *caps)
{
	for (size_t i = 0; json_is_array(caps) && i < json_array_size(caps); i++) {
		const char *c = json_string_value(json_array_get(caps, i));
		if (!c)
			continue;
		if (!strncasecmp(c, "CAP_", 4))
			c += 4;
		if (!strcasecmp(c, "ALL") || !strcasecmp(c, "SYS_ADMIN") ||
		    !strcasecmp(c, "SYS_PTRACE") || !strcasecmp(c, "SYS_MODULE") ||
		    !strcasecmp(c, "DAC_READ_SEARCH"))
			return true;
	}
	return false;
}

static bool bind_is_sensitive(const struct create_facts *f)
{
	const char *p = f->binds.ptr;

	if (f->root_bind || f->sock_bind)
		return true;
	while (p && *p) {
		const char *sp = strchr(p, ' ');
		size_t n = sp ? (size_t)(sp - p) : strlen(p);
		for (size_t k = 0; sensitive_paths[k]; k++) {
			size_t m = strlen(sensitive_paths[k]);
			if (n >= m && !strncmp(p, sensitive_paths[k], m) && (n == m || p[m] == '/'))
				return true;
		}
		p = sp ? sp + 1 : NULL;
	}
	return false;
}

static void evidence_begin(struct mm_json *j, struct mm_buf *b, struct hp_session *s,
			   const struct hp_req *q)
{
	mm_buf_reset(b);
	mm_json_init(j, b);
	mm_json_object_begin(j, NULL);
	mm_json_str(j, "session", s->id);
	mm_json_object_begin(j, "request");
	hp_json_request(s->hp, j, q);
	mm_json_object_end(j);
}

static const char *evidence_end(struct mm_json *j)
{
	mm_json_object_end(j);
	if (mm_json_finish(j))
		return NULL;
	return j->out->ptr;
}

static void alert_create(struct hp_session *s, const struct hp_req *q, struct create_facts *f,
			 const json_t *env, const char *id)
{
	struct honeypot *hp = s->hp;
	struct hp_ind ind;
	struct mm_json j;
	struct mm_buf envb;
	char reason[512];
	enum hp_rule rule;
	int level = -1;
	char key[600];

	/* the same body from the same source: a retry after the pull */
	snprintf(key, sizeof(key), "create:%s", q->body_sha256);
	if (hp_dedupe_seen(hp, s->src_ip, key, strlen(key)))
		return;
	hp_ind_init(&ind);
	mm_buf_init(&envb, 64 * 1024);
	join_strings(env, &envb);
	if (f->image)
		hp_ind_add(&ind.images, f->image, strlen(f->image), NULL);
	hp_ind_scan(&ind, f->cmd.ptr, f->cmd.len);
	hp_ind_scan(&ind, envb.ptr, envb.len);
	if (f->binds.len && bind_is_sensitive(f)) {
		rule = HP_RULE_HOSTMOUNT;
		if (!f->root_bind && !f->sock_bind)
			level = MM_LEVEL_HIGH;
	} else if (f->privileged || f->n_ns || dangerous_caps(f->caps)) {
		rule = HP_RULE_PRIVILEGED;
	} else {
		rule = HP_RULE_CREATE;
	}
	snprintf(reason, sizeof(reason), "container of %.100s created%s%s%s%s: %.200s",
		 f->image ? f->image : "(no image)", f->binds.len ? " with host mount " : "",
		 f->binds.len ? f->binds.ptr : "", f->privileged ? ", privileged" : "",
		 f->n_ns ? ", host namespaces" : "", f->cmd.len ? f->cmd.ptr : "(default command)");
	evidence_begin(&j, &hp->scratch, s, q);
	if (id)
		mm_json_str(&j, "container_id", id);
	else
		mm_json_str(&j, "outcome", "no such image");
	if (f->image)
		mm_json_str(&j, "image", f->image);
	if (f->cmd.len)
		mm_json_strn(&j, "command", f->cmd.ptr, f->cmd.len);
	if (f->binds.len)
		mm_json_strn(&j, "host_binds", f->binds.ptr, f->binds.len);
	mm_json_bool(&j, "privileged", f->privileged);
	if (f->n_ns) {
		mm_json_array_begin(&j, "host_namespaces");
		for (size_t i = 0; i < f->n_ns; i++)
			mm_json_str(&j, NULL, f->ns[i]);
		mm_json_array_end(&j);
	}
	if (json_is_array(f->caps) && json_array_size(f->caps)) {
		char *c = dump(f->caps);
		if (c)
			mm_json_raw(&j, "cap_add", c, strlen(c));
		free(c);
	}
	hp_ind_json(&ind, &j);
	const char *ev = evidence_end(&j);
	hp_alert(s, rule, level, reason, ev, ind.urls.n ? ind.urls.v[0] : NULL);
	hp_payloads(s, &ind);
	hp_ind_release(&ind);
	mm_buf_release(&envb);
}

static void record_event(struct hp_session *s, const struct hp_req *q, const char *eventid,
			 const char *message, const char *k1, const char *v1, const char *k2,
			 const char *v2)
{
	struct mm_json j;

	hp_record_begin(s, &j, eventid, message);
	hp_json_request_brief(s->hp, &j, q);
	if (k1 && v1)
		mm_json_str(&j, k1, v1);
	if (k2 && v2)
		mm_json_str(&j, k2, v2);
	hp_record_end(s, &j);
}

/* ---- endpoints ---- */

/* dockerd's ping, header for header: Go writes the handler's headers
 * sorted, then Date, and for GET the Content-Length and sniffed
 * Content-Type it computed itself; for HEAD the handler sets both (length
 * 0) so they sort in with the others. */
static void ping(struct hp_session *s, const struct hp_req *q, struct hp_reply_info *ri)
{
	char date[40];
	struct mm_buf *b = &s->hp->resp;

	hp_http_date(hp_now(s->hp), date);
	mm_buf_reset(b);
	if (q->head)
		mm_buf_appendf(b, "HTTP/1.1 200 OK\r\nApi-Version: 1.41\r\n"
				  "Cache-Control: no-cache, no-store, must-revalidate\r\n"
				  "Content-Length: 0\r\nContent-Type: text/plain; charset=utf-8\r\n"
				  "Docker-Experimental: false\r\nOstype: linux\r\nPragma: no-cache\r\n"
				  "Server: Docker/20.10.24 (linux)\r\nDate: %s\r\n\r\n", date);
	else
		mm_buf_appendf(b, "HTTP/1.1 200 OK\r\nApi-Version: 1.41\r\n"
				  "Cache-Control: no-cache, no-store, must-revalidate\r\n"
				  "Docker-Experimental: false\r\nOstype: linux\r\nPragma: no-cache\r\n"
				  "Server: Docker/20.10.24 (linux)\r\nDate: %s\r\nContent-Length: 2\r\n"
				  "Content-Type: text/plain; charset=utf-8\r\n\r\nOK", date);
	ri->status = 200;
	if (b->len)
		s->write(s->warg, b->ptr, b->len);
}

static void version(struct hp_session *s, const struct hp_req *q, struct hp_reply_info *ri)
{
	static const char body[] =
		"{\"Platform\":{\"Name\":\"Docker Engine - Community\"},\"Components\":["
		"{\"Name\":\"Engine\",\"Version\":\"20.10.24\",\"Details\":{\"ApiVersion\":\"1.41\","
		"\"Arch\":\"amd64\",\"BuildTime\":\"2023-04-04T08:28:51.000000000+00:00\","
		"\"Experimental\":\"false\",\"GitCommit\":\"5d6db84\",\"GoVersion\":\"go1.19.7\","
		"\"KernelVersion\":\"5.10.0-21-amd64\",\"MinAPIVersion\":\"1.12\",\"Os\":\"linux\"}},"
		"{\"Name\":\"containerd\",\"Version\":\"1.6.20\",\"Details\":{\"GitCommit\":"
		"\"2806fc1057397dbaeefbea0e4e17bddfbd388f38\"}},"
		"{\"Name\":\"runc\",\"Version\":\"1.1.5\",\"Details\":{\"GitCommit\":\"v1.1.5-0-gf19387a\"}},"
		"{\"Name\":\"docker-init\",\"Version\":\"0.19.0\",\"Details\":{\"GitCommit\":\"de40ad0\"}}],"
		"\"Version\":\"20.10.24\",\"ApiVersion\":\"1.41\",\"MinAPIVersion\":\"1.12\","
		"\"GitCommit\":\"5d6db84\",\"GoVersion\":\"go1.19.7\",\"Os\":\"linux\",\"Arch\":\"amd64\","
		"\"KernelVersion\":\"5.10.0-21-amd64\",\"BuildTime\":\"2023-04-04T08:28:51.000000000+00:00\"}\n";
	reply_json(s, q, ri, 200, body, sizeof(body) - 1);
}

static void info(struct hp_session *s, const struct hp_req *q, struct hp_reply_info *ri)
{
	struct honeypot *hp = s->hp;
	struct mm_buf b;
	struct mm_json j;
	char now[48];
	size_t running = 0, stopped = 0;

	for (size_t i = 0; i < hp->n_containers; i++) {
		if (hp->containers[i].state == HP_RUNNING)
			running++;
		else
			stopped++;
	}
	fmt_time(hp_now(hp), now);
	mm_buf_init(&b, 64 * 1024);
	mm_json_init(&j, &b);
	mm_json_object_begin(&j, NULL);
	mm_json_str(&j, "ID", hp->daemon_id);
	mm_json_uint(&j, "Containers", hp->n_containers);
	mm_json_uint(&j, "ContainersRunning", running);
	mm_json_uint(&j, "ContainersPaused", 0);
	mm_json_uint(&j, "ContainersStopped", stopped);
	mm_json_uint(&j, "Images", hp->n_images);
	mm_json_str(&j, "Driver", "overlay2");
	jraw(&j, "DriverStatus", "[[\"Backing Filesystem\",\"extfs\"],[\"Supports d_type\","
			"\"true\"],[\"Native Overlay Diff\",\"true\"],[\"userxattr\",\"false\"]]");
	jraw(&j, "Plugins", "{\"Volume\":[\"local\"],\"Network\":[\"bridge\",\"host\","
			"\"ipvlan\",\"macvlan\",\"null\",\"overlay\"],\"Authorization\":null,\"Log\":["
			"\"awslogs\",\"fluentd\",\"gcplogs\",\"gelf\",\"journald\",\"json-file\","
			"\"local\",\"logentries\",\"splunk\",\"syslog\"]}");
	mm_json_bool(&j, "MemoryLimit", true);
	mm_json_bool(&j, "SwapLimit", false);
	mm_json_bool(&j, "KernelMemory", true);
	mm_json_bool(&j, "KernelMemoryTCP", true);
	mm_json_bool(&j, "CpuCfsPeriod", true);
	mm_json_bool(&j, "CpuCfsQuota", true);
	mm_json_bool(&j, "CPUShares", true);
	mm_json_bool(&j, "CPUSet", true);
	mm_json_bool(&j, "PidsLimit", true);
	mm_json_bool(&j, "IPv4Forwarding", true);
	mm_json_bool(&j, "BridgeNfIptables", true);
	mm_json_bool(&j, "BridgeNfIp6tables", true);
	mm_json_bool(&j, "Debug", false);
	mm_json_int(&j, "NFd", 24 + (int64_t)running * 6);
	mm_json_bool(&j, "OomKillDisable", true);
	mm_json_int(&j, "NGoroutines", 34 + (int64_t)running * 4);
	mm_json_str(&j, "SystemTime", now);
	mm_json_str(&j, "LoggingDriver", "json-file");
	mm_json_str(&j, "CgroupDriver", "cgroupfs");
	mm_json_str(&j, "CgroupVersion", "1");
	mm_json_int(&j, "NEventsListener", 0);
	mm_json_str(&j, "KernelVersion", "5.10.0-21-amd64");
	mm_json_str(&j, "OperatingSystem", "Debian GNU/Linux 11 (bullseye)");
	mm_json_str(&j, "OSVersion", "11");
	mm_json_str(&j, "OSType", "linux");
	mm_json_str(&j, "Architecture", "x86_64");
	mm_json_str(&j, "IndexServerAddress", "https://index.docker.io/v1/");
	jraw(&j, "RegistryConfig", "{\"AllowNondistributableArtifactsCIDRs\":[],"
			"\"AllowNondistributableArtifactsHostnames\":[],\"InsecureRegistryCIDRs\":"
			"[\"127.0.0.0/8\"],\"IndexConfigs\":{\"docker.io\":{\"Name\":\"docker.io\","
			"\"Mirrors\":[],\"Secure\":true,\"Official\":true}},\"Mirrors\":[]}");
	mm_json_int(&j, "NCPU", 4);
	mm_json_int(&j, "MemTotal", 8341651456);
	jraw(&j, "GenericResources", "null");
	mm_json_str(&j, "DockerRootDir", "/var/lib/docker");
	mm_json_str(&j, "HttpProxy", "");
	mm_json_str(&j, "HttpsProxy", "");
	mm_json_str(&j, "NoProxy", "");
	mm_json_str(&j, "Name", hp->hostname);
	jraw(&j, "Labels", "[]");
	mm_json_bool(&j, "ExperimentalBuild", false);
	mm_json_str(&j, "ServerVersion", "20.10.24");
	jraw(&j, "Runtimes", "{\"io.containerd.runc.v2\":{\"path\":\"runc\"},"
			"\"io.containerd.runtime.v1.linux\":{\"path\":\"runc\"},\"runc\":{\"path\":"
			"\"runc\"}}");
	mm_json_str(&j, "DefaultRuntime", "runc");
	jraw(&j, "Swarm", "{\"NodeID\":\"\",\"NodeAddr\":\"\",\"LocalNodeState\":\"inactive\","
			"\"ControlAvailable\":false,\"Error\":\"\",\"RemoteManagers\":null}");
	mm_json_bool(&j, "LiveRestoreEnabled", false);
	mm_json_str(&j, "Isolation", "");
	mm_json_str(&j, "InitBinary", "docker-init");
	jraw(&j, "SecurityOptions", "[\"name=apparmor\",\"name=seccomp,profile=default\"]");
	jraw(&j, "Warnings", "[\"WARNING: API is accessible on http://0.0.0.0:2375 without "
			"encryption.\\n         Access to the remote API is equivalent to root access "
			"on the host. Refer\\n         to the 'Docker daemon attack surface' section in "
			"the documentation for\\n         more information: https://docs.docker.com/go/"
			"attack-surface/\",\"WARNING: No swap limit support\"]");
	mm_json_object_end(&j);
	if (mm_json_finish(&j) == 0)
		mm_buf_append_byte(&b, '\n');
	reply_buf(s, q, ri, 200, &b);
	mm_buf_release(&b);
}

static void human_since(int64_t us, char *out, size_t n)
{
	int64_t sec = us / 1000000;

	if (sec < 1)
		snprintf(out, n, "Less than a second");
	else if (sec < 60)
		snprintf(out, n, "%" PRId64 " seconds", sec);
	else if (sec < 120)
		snprintf(out, n, "About a minute");
	else if (sec < 3600)
		snprintf(out, n, "%" PRId64 " minutes", sec / 60);
	else if (sec < 7200)
		snprintf(out, n, "About an hour");
	else
		snprintf(out, n, "%" PRId64 " hours", sec / 3600);
}

static void container_summary(struct honeypot *hp, struct mm_json *j, const struct hp_container *c)
{
	char status[96], since[48];
	int64_t now = hp_now(hp);
	struct hp_image *im = image_find(hp, c->image);
	struct mm_buf cmd;
	json_error_t err;
	json_t *ep = c->entrypoint_json ? json_loads(c->entrypoint_json, JSON_DECODE_ANY, &err) : NULL;
	json_t *cm = c->cmd_json ? json_loads(c->cmd_json, JSON_DECODE_ANY, &err) : NULL;

	mm_buf_init(&cmd, 64 * 1024);
	join_strings(ep, &cmd);
	join_strings(cm, &cmd);
	json_decref(ep);
	json_decref(cm);
	human_since(now - c->started_us, since, sizeof(since));
	if (c->state == HP_RUNNING)
		snprintf(status, sizeof(status), "Up %s", since);
	else if (c->state == HP_EXITED)
		snprintf(status, sizeof(status), "Exited (0) %s ago", since);
	else
		snprintf(status, sizeof(status), "Created");
	mm_json_object_begin(j, NULL);
	mm_json_str(j, "Id", c->id);
	mm_json_array_begin(j, "Names");
	{
		char n[64];
		snprintf(n, sizeof(n), "/%s", c->name);
		mm_json_str(j, NULL, n);
	}
	mm_json_array_end(j);
	mm_json_str(j, "Image", c->image);
	mm_json_str(j, "ImageID", im ? im->id : c->image_id);
	mm_json_strn(j, "Command", cmd.ptr ? cmd.ptr : "", cmd.len);
	mm_json_int(j, "Created", c->created_us / 1000000);
	jraw(j, "Ports", "[]");
	jraw(j, "Labels", "{}");
	mm_json_str(j, "State", c->state == HP_RUNNING ? "running" :
				c->state == HP_EXITED ? "exited" : "created");
	mm_json_str(j, "Status", status);
	jraw(j, "HostConfig", "{\"NetworkMode\":\"default\"}");
	jraw(j, "NetworkSettings", "{\"Networks\":{\"bridge\":{\"IPAMConfig\":null,"
		    "\"Links\":null,\"Aliases\":null,\"NetworkID\":\"\",\"EndpointID\":\"\","
		    "\"Gateway\":\"172.17.0.1\",\"IPAddress\":\"172.17.0.2\",\"IPPrefixLen\":16,"
		    "\"IPv6Gateway\":\"\",\"GlobalIPv6Address\":\"\",\"GlobalIPv6PrefixLen\":0,"
		    "\"MacAddress\":\"02:42:ac:11:00:02\",\"DriverOpts\":null}}}");
	jraw(j, "Mounts", "[]");
	mm_json_object_end(j);
	mm_buf_release(&cmd);
}

static void containers_list(struct hp_session *s, const struct hp_req *q,
			    struct hp_reply_info *ri)
{
	struct honeypot *hp = s->hp;
	struct mm_buf b;
	struct mm_json j;
	char all[8] = "";

	hp_query_get(q->query, "all", all, sizeof(all));
	bool show_all = all[0] == '1' || all[0] == 't';
	mm_buf_init(&b, 1024 * 1024);
	mm_json_init(&j, &b);
	mm_json_array_begin(&j, NULL);
	for (size_t i = hp->n_containers; i-- > 0;) {
		if (show_all || hp->containers[i].state == HP_RUNNING)
			container_summary(hp, &j, &hp->containers[i]);
	}
	mm_json_array_end(&j);
	if (mm_json_finish(&j) == 0)
		mm_buf_append_byte(&b, '\n');
	reply_buf(s, q, ri, 200, &b);
	mm_buf_release(&b);
}

static void container_inspect(struct hp_session *s, const struct hp_req *q,
			      struct hp_reply_info *ri, struct hp_container *c)
{
	struct honeypot *hp = s->hp;
	struct mm_buf b;
	struct mm_json j;
	char created[48], started[48], path[64];
	struct hp_image *im = image_find(hp, c->image);

	fmt_time(c->created_us, created);
	fmt_time(c->started_us ? c->started_us : 0, started);
	mm_buf_init(&b, 256 * 1024);
	mm_json_init(&j, &b);
	mm_json_object_begin(&j, NULL);
	mm_json_str(&j, "Id", c->id);
	mm_json_str(&j, "Created", created);
	jraw(&j, "Path", "\"sh\"");
	jraw(&j, "Args", "[]");
	mm_json_object_begin(&j, "State");
	mm_json_str(&j, "Status", c->state == HP_RUNNING ? "running" :
				  c->state == HP_EXITED ? "exited" : "created");
	mm_json_bool(&j, "Running", c->state == HP_RUNNING);
	mm_json_bool(&j, "Paused", false);
	mm_json_bool(&j, "Restarting", false);
	mm_json_bool(&j, "OOMKilled", false);
	mm_json_bool(&j, "Dead", false);
	mm_json_int(&j, "Pid", c->state == HP_RUNNING ? 2000 + (int64_t)(c->seq % 30000) : 0);
	mm_json_int(&j, "ExitCode", 0);
	mm_json_str(&j, "Error", "");
	mm_json_str(&j, "StartedAt", c->started_us ? started : "0001-01-01T00:00:00Z");
	mm_json_str(&j, "FinishedAt", "0001-01-01T00:00:00Z");
	mm_json_object_end(&j);
	mm_json_str(&j, "Image", im ? im->id : c->image_id);
	snprintf(path, sizeof(path), "/var/lib/docker/containers/%.12s", c->id);
	mm_json_str(&j, "ResolvConfPath", path);
	mm_json_str(&j, "HostnamePath", path);
	mm_json_str(&j, "HostsPath", path);
	mm_json_str(&j, "LogPath", path);
	{
		char n[64];
		snprintf(n, sizeof(n), "/%s", c->name);
		mm_json_str(&j, "Name", n);
	}
	mm_json_int(&j, "RestartCount", 0);
	mm_json_str(&j, "Driver", "overlay2");
	mm_json_str(&j, "Platform", "linux");
	mm_json_str(&j, "MountLabel", "");
	mm_json_str(&j, "ProcessLabel", "");
	mm_json_str(&j, "AppArmorProfile", "docker-default");
	jraw(&j, "ExecIDs", "null");
	mm_json_object_begin(&j, "HostConfig");
	jraw(&j, "Binds", c->binds_json ? c->binds_json : "null");
	mm_json_str(&j, "ContainerIDFile", "");
	jraw(&j, "LogConfig", "{\"Type\":\"json-file\",\"Config\":{}}");
	mm_json_str(&j, "NetworkMode", "default");
	jraw(&j, "PortBindings", "{}");
	jraw(&j, "RestartPolicy", "{\"Name\":\"no\",\"MaximumRetryCount\":0}");
	mm_json_bool(&j, "AutoRemove", false);
	mm_json_bool(&j, "Privileged", c->privileged);
	mm_json_object_end(&j);
	jraw(&j, "Mounts", "[]");
	mm_json_object_begin(&j, "Config");
	mm_json_strn(&j, "Hostname", c->id, 12);
	mm_json_str(&j, "Domainname", "");
	mm_json_str(&j, "User", "");
	mm_json_bool(&j, "AttachStdin", false);
	mm_json_bool(&j, "AttachStdout", true);
	mm_json_bool(&j, "AttachStderr", true);
	mm_json_bool(&j, "Tty", c->tty);
	mm_json_bool(&j, "OpenStdin", false);
	mm_json_bool(&j, "StdinOnce", false);
	jraw(&j, "Env", "[\"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\"]");
	jraw(&j, "Cmd", c->cmd_json ? c->cmd_json : "null");
	mm_json_str(&j, "Image", c->image);
	jraw(&j, "Volumes", "null");
	mm_json_str(&j, "WorkingDir", "");
	jraw(&j, "Entrypoint", c->entrypoint_json ? c->entrypoint_json : "null");
	jraw(&j, "OnBuild", "null");
	jraw(&j, "Labels", "{}");
	mm_json_object_end(&j);
	jraw(&j, "NetworkSettings", "{\"Bridge\":\"\",\"SandboxID\":\"\",\"HairpinMode\":false,"
		    "\"Ports\":{},\"Gateway\":\"172.17.0.1\",\"IPAddress\":\"172.17.0.2\","
		    "\"IPPrefixLen\":16,\"MacAddress\":\"02:42:ac:11:00:02\",\"Networks\":{}}");
	mm_json_object_end(&j);
	if (mm_json_finish(&j) == 0)
		mm_buf_append_byte(&b, '\n');
	reply_buf(s, q, ri, 200, &b);
	mm_buf_release(&b);
}

static void container_create(struct hp_session *s, const struct hp_req *q,
			     struct hp_reply_info *ri)
{
	struct honeypot *hp = s->hp;
	json_t *root = NULL;
	json_error_t err;
	struct create_facts f;
	char norm[256], id[65], msg[600];
	struct hp_container *c;

	memset(&f, 0, sizeof(f));
	mm_buf_init(&f.cmd, 64 * 1024);
	mm_buf_init(&f.binds, 16 * 1024);
	root = q->body_len ? json_loadb((const char *)q->body, q->body_len,
					JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &err) : NULL;
	if (!json_is_object(root)) {
		if (!q->body_len)
			reply_message(s, q, ri, 400, "config cannot be empty in order to create a container");
		else
			reply_message(s, q, ri, 400, "invalid character '%c' looking for beginning of value",
				      q->body[0] >= 0x20 && q->body[0] < 0x7f ? q->body[0] : '?');
		/* a body we could not parse is still an attempt: look inside */
		if (q->body_len) {
			struct hp_ind ind;
			struct mm_json j;
			hp_ind_init(&ind);
			hp_ind_scan(&ind, (const char *)q->body, q->body_len);
			evidence_begin(&j, &hp->scratch, s, q);
			mm_json_str(&j, "outcome", "unparsable create body");
			hp_ind_json(&ind, &j);
			hp_alert(s, HP_RULE_CREATE, MM_LEVEL_LOW, "unparsable container create request",
				 evidence_end(&j), NULL);
			hp_payloads(s, &ind);
			hp_ind_release(&ind);
		}
		goto out;
	}
	f.image = json_string_value(json_object_get(root, "Image"));
	const json_t *hc = json_object_get(root, "HostConfig");
	const json_t *cmd = json_object_get(root, "Cmd");
	const json_t *ep = json_object_get(root, "Entrypoint");
	join_strings(ep, &f.cmd);
	join_strings(cmd, &f.cmd);
	if (json_is_object(hc)) {
		f.privileged = json_is_true(json_object_get(hc, "Privileged"));
		collect_binds(hc, &f);
		collect_ns(hc, &f);
		f.caps = json_object_get(hc, "CapAdd");
	}
	if (!f.image || !*f.image) {
		alert_create(s, q, &f, json_object_get(root, "Env"), NULL);
		reply_message(s, q, ri, 400, "No command specified");
		goto out;
	}
	hp_image_normalise(f.image, norm, sizeof(norm));
	if (!image_find(hp, f.image)) {
		alert_create(s, q, &f, json_object_get(root, "Env"), NULL);
		snprintf(msg, sizeof(msg), "container create: no such image %s", norm);
		record_event(s, q, "mamori.docker.container.create", msg, "image", norm, "outcome",
			     "no such image");
		reply_message(s, q, ri, 404, "No such image: %s", norm);
		goto out;
	}
	c = container_new(hp);
	hp_new_id(hp, "container", id);
	memcpy(c->id, id, 65);
	{
		char qname[64] = "";
		if (hp_query_get(q->query, "name", qname, sizeof(qname)) && qname[0] &&
		    !container_find(hp, qname, strlen(qname)))
			snprintf(c->name, sizeof(c->name), "%.47s", qname);
		else
			make_name(hp, id, c->name);
	}
	snprintf(c->image, sizeof(c->image), "%s", f.image);
	snprintf(c->image_id, sizeof(c->image_id), "%s", image_find(hp, f.image)->id);
	c->cmd_json = dump(cmd);
	c->entrypoint_json = dump(ep);
	if (json_is_object(hc))
		c->binds_json = dump(json_object_get(hc, "Binds"));
	c->privileged = f.privileged;
	c->tty = json_is_true(json_object_get(root, "Tty"));
	c->created_us = hp_now(hp);
	c->state = HP_CREATED;
	c->reply = fake_reply(hp, f.cmd.ptr);
	alert_create(s, q, &f, json_object_get(root, "Env"), id);
	snprintf(msg, sizeof(msg), "container create: %s (%s)", id, norm);
	record_event(s, q, "mamori.docker.container.create", msg, "image", norm, "container_id", id);
	ri->eventid = "mamori.docker.container.create";
	{
		char body[160];
		int n = snprintf(body, sizeof(body), "{\"Id\":\"%s\",\"Warnings\":[]}\n", id);
		reply_json(s, q, ri, 201, body, (size_t)n);
	}
out:
	json_decref(root);
	mm_buf_release(&f.cmd);
	mm_buf_release(&f.binds);
}

static void image_pull(struct hp_session *s, const struct hp_req *q, struct hp_reply_info *ri)
{
	struct honeypot *hp = s->hp;
	char from[256] = "", tag[128] = "", full[400], norm[256], msg[400];
	struct mm_buf b;
	struct mm_json j;
	struct hp_ind ind;
	char layer[65];

	if (!hp_query_get(q->query, "fromImage", from, sizeof(from)) || !from[0]) {
		if (hp_query_get(q->query, "fromSrc", from, sizeof(from))) {
			reply_message(s, q, ri, 500, "import from source is not supported");
			return;
		}
		reply_message(s, q, ri, 400, "invalid reference format");
		return;
	}
	hp_query_get(q->query, "tag", tag, sizeof(tag));
	if (tag[0] && !strchr(from, '@'))
		snprintf(full, sizeof(full), "%s:%s", from, tag);
	else
		snprintf(full, sizeof(full), "%s", from);
	hp_image_normalise(full, norm, sizeof(norm));
	image_add(hp, norm);

	snprintf(msg, sizeof(msg), "image pull: %s", norm);
	record_event(s, q, "mamori.docker.image.pull", msg, "image", norm, NULL, NULL);
	ri->eventid = "mamori.docker.image.pull";
	hp_ind_init(&ind);
	hp_ind_add(&ind.images, norm, strlen(norm), NULL);
	hp_ind_scan(&ind, full, strlen(full));
	evidence_begin(&j, &hp->scratch, s, q);
	mm_json_str(&j, "image", norm);
	hp_ind_json(&ind, &j);
	{
		char reason[400];
		snprintf(reason, sizeof(reason), "image %s pulled through the exposed Docker API",
			 norm);
		hp_alert(s, HP_RULE_PULL, -1, reason, evidence_end(&j), NULL);
	}
	hp_ind_release(&ind);

	/* the progress stream a real pull writes, shortened; what goes back
	 * into its JSON keeps reference characters only */
	for (char *p = norm; *p; p++) {
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		      strchr("._-/:@", *p)))
			*p = '_';
	}
	hp_new_id(hp, "layer", layer);
	const char *colon = strrchr(norm, ':');
	const char *shown_tag = colon ? colon + 1 : "latest";
	size_t repo_len = colon ? (size_t)(colon - norm) : strlen(norm);
	mm_buf_init(&b, 64 * 1024);
	mm_buf_appendf(&b, "{\"status\":\"Pulling from %s%.*s\",\"id\":\"%s\"}\r\n",
		       strchr(norm, '/') ? "" : "library/", (int)repo_len, norm, shown_tag);
	mm_buf_appendf(&b, "{\"status\":\"Pulling fs layer\",\"progressDetail\":{},\"id\":\"%.12s\"}\r\n",
		       layer);
	mm_buf_appendf(&b, "{\"status\":\"Downloading\",\"progressDetail\":{\"current\":1048576,"
			   "\"total\":3374563},\"progress\":\"[===============>                 "
			   "                  ]  1.049MB/3.375MB\",\"id\":\"%.12s\"}\r\n", layer);
	mm_buf_appendf(&b, "{\"status\":\"Verifying Checksum\",\"progressDetail\":{},\"id\":\"%.12s\"}\r\n",
		       layer);
	mm_buf_appendf(&b, "{\"status\":\"Download complete\",\"progressDetail\":{},\"id\":\"%.12s\"}\r\n",
		       layer);
	mm_buf_appendf(&b, "{\"status\":\"Extracting\",\"progressDetail\":{\"current\":3374563,"
			   "\"total\":3374563},\"progress\":\"[==================================="
			   "===============>]  3.375MB/3.375MB\",\"id\":\"%.12s\"}\r\n", layer);
	mm_buf_appendf(&b, "{\"status\":\"Pull complete\",\"progressDetail\":{},\"id\":\"%.12s\"}\r\n",
		       layer);
	mm_buf_appendf(&b, "{\"status\":\"Digest: sha256:%s\"}\r\n", layer);
	mm_buf_appendf(&b, "{\"status\":\"Status: Downloaded newer image for %s\"}\r\n", norm);
	reply_buf(s, q, ri, 200, &b);
	mm_buf_release(&b);
}

static void image_json(struct honeypot *hp, struct mm_json *j, const struct hp_image *im,
		       bool inspect)
{
	char created[48];

	fmt_time(im->created_us, created);
	mm_json_object_begin(j, NULL);
	mm_json_str(j, "Id", im->id);
	if (!inspect)
		mm_json_str(j, "ParentId", "");
	mm_json_array_begin(j, "RepoTags");
	mm_json_str(j, NULL, im->name);
	mm_json_array_end(j);
	mm_json_array_begin(j, "RepoDigests");
	{
		char d[400];
		const char *colon = strrchr(im->name, ':');
		snprintf(d, sizeof(d), "%.*s@sha256:%s", (int)(colon ? colon - im->name :
							       (ptrdiff_t)strlen(im->name)),
			 im->name, im->id + 7);
		mm_json_str(j, NULL, d);
	}
	mm_json_array_end(j);
	if (inspect) {
		mm_json_str(j, "Parent", "");
		mm_json_str(j, "Created", created);
		mm_json_str(j, "Architecture", "amd64");
		mm_json_str(j, "Os", "linux");
		mm_json_object_begin(j, "Config");
		jraw(j, "Cmd", "[\"/bin/sh\"]");
		jraw(j, "Env", "[\"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:"
			    "/sbin:/bin\"]");
		jraw(j, "Entrypoint", "null");
		mm_json_object_end(j);
		jraw(j, "RootFS", "{\"Type\":\"layers\"}");
	} else {
		mm_json_int(j, "Created", im->created_us / 1000000);
		mm_json_int(j, "SharedSize", -1);
		mm_json_int(j, "VirtualSize", 7049701);
		jraw(j, "Labels", "null");
		mm_json_int(j, "Containers", -1);
	}
	mm_json_int(j, "Size", 7049701);
	mm_json_object_end(j);
	(void)hp;
}

static void images_list(struct hp_session *s, const struct hp_req *q, struct hp_reply_info *ri)
{
	struct mm_buf b;
	struct mm_json j;

	mm_buf_init(&b, 1024 * 1024);
	mm_json_init(&j, &b);
	mm_json_array_begin(&j, NULL);
	for (size_t i = 0; i < s->hp->n_images; i++)
		image_json(s->hp, &j, &s->hp->images[i], false);
	mm_json_array_end(&j);
	if (mm_json_finish(&j) == 0)
		mm_buf_append_byte(&b, '\n');
	reply_buf(s, q, ri, 200, &b);
	mm_buf_release(&b);
}

static void exec_create(struct hp_session *s, const struct hp_req *q, struct hp_reply_info *ri,
			struct hp_container *c)
{
	struct honeypot *hp = s->hp;
	json_t *root;
	json_error_t err;
	struct mm_buf cmd;
	struct hp_exec *e;
	struct hp_ind ind;
	struct mm_json j;
	char reason[400], body[120];

	root = q->body_len ? json_loadb((const char *)q->body, q->body_len, JSON_DECODE_ANY, &err)
			   : NULL;
	if (!json_is_object(root)) {
		json_decref(root);
		reply_message(s, q, ri, 400, "No exec command specified");
		return;
	}
	mm_buf_init(&cmd, 64 * 1024);
	join_strings(json_object_get(root, "Cmd"), &cmd);
	if (hp->n_execs == HP_MAX_EXECS) {
		free(hp->execs[0].reply);
		memmove(hp->execs, hp->execs + 1, sizeof(hp->execs[0]) * (HP_MAX_EXECS - 1));
		hp->n_execs--;
		hp->stats.execs_evicted++;
	}
	e = &hp->execs[hp->n_execs++];
	memset(e, 0, sizeof(*e));
	hp_new_id(hp, "exec", e->id);
	memcpy(e->container, c->id, 65);
	e->tty = json_is_true(json_object_get(root, "Tty"));
	e->reply = fake_reply(hp, cmd.ptr);

	hp_record_begin(s, &j, "mamori.docker.exec", "exec create");
	hp_json_request_brief(hp, &j, q);
	mm_json_str(&j, "container_id", c->id);
	mm_json_str(&j, "exec_id", e->id);
	mm_json_strn(&j, "command", cmd.ptr ? cmd.ptr : "", cmd.len);
	hp_record_end(s, &j);
	ri->eventid = "mamori.docker.exec";

	hp_ind_init(&ind);
	hp_ind_scan(&ind, cmd.ptr, cmd.len);
	evidence_begin(&j, &hp->scratch, s, q);
	mm_json_str(&j, "container_id", c->id);
	mm_json_str(&j, "image", c->image);
	mm_json_strn(&j, "command", cmd.ptr ? cmd.ptr : "", cmd.len);
	mm_json_bool(&j, "privileged", json_is_true(json_object_get(root, "Privileged")));
	hp_ind_json(&ind, &j);
	snprintf(reason, sizeof(reason), "command run in container %.12s: %.300s", c->id,
		 cmd.len ? cmd.ptr : "");
	hp_alert(s, HP_RULE_EXEC, -1, reason, evidence_end(&j), ind.urls.n ? ind.urls.v[0] : NULL);
	/* the command line itself and what it decodes to go to the file
	 * engine: an exec is how miners get started in a running container */
	if (cmd.len)
		hp_payload_text(s, "cmd", cmd.ptr, cmd.len);
	hp_payloads(s, &ind);
	hp_ind_release(&ind);

	int n = snprintf(body, sizeof(body), "{\"Id\":\"%s\"}\n", e->id);
	reply_json(s, q, ri, 201, body, (size_t)n);
	mm_buf_release(&cmd);
	json_decref(root);
}

static struct hp_exec *exec_find(struct honeypot *hp, const char *id, size_t len)
{
	for (size_t i = 0; i < hp->n_execs; i++) {
		if (len >= 3 && len <= 64 && !strncmp(hp->execs[i].id, id, len))
			return &hp->execs[i];
	}
	return NULL;
}

static void exec_routes(struct hp_session *s, const struct hp_req *q, struct hp_reply_info *ri,
			const char *rest)
{
	const char *slash = strchr(rest, '/');
	size_t idlen = slash ? (size_t)(slash - rest) : strlen(rest);
	struct hp_exec *e = exec_find(s->hp, rest, idlen);
	const char *op = slash ? slash + 1 : "";

	if (!e) {
		reply_message(s, q, ri, 404, "No such exec instance: %.*s", (int)MM_MIN(idlen, 80),
			      rest);
		return;
	}
	if (!strcmp(op, "start") && !strcmp(q->method, "POST")) {
		e->ran = true;
		reply_stream(s, q, ri, e->reply, e->tty);
	} else if (!strcmp(op, "json") && !strcmp(q->method, "GET")) {
		char body[600];
		int n = snprintf(body, sizeof(body),
				 "{\"CanRemove\":false,\"ContainerID\":\"%s\",\"DetachKeys\":\"\","
				 "\"ExitCode\":%s,\"ID\":\"%s\",\"OpenStderr\":true,\"OpenStdin\":false,"
				 "\"OpenStdout\":true,\"ProcessConfig\":{\"arguments\":[],\"entrypoint\":"
				 "\"sh\",\"privileged\":false,\"tty\":%s},\"Running\":false,\"Pid\":0}\n",
				 e->container, e->ran ? "0" : "null", e->id, e->tty ? "true" : "false");
		reply_json(s, q, ri, 200, body, (size_t)n);
	} else if (!strcmp(op, "resize")) {
		reply_lit(s, q, ri, 201, "");
	} else {
		reply_message(s, q, ri, 404, "page not found");
	}
}

static void container_routes(struct hp_session *s, const struct hp_req *q,
			     struct hp_reply_info *ri, const char *rest)
{
	struct honeypot *hp = s->hp;
	const char *slash = strchr(rest, '/');
	size_t idlen = slash ? (size_t)(slash - rest) : strlen(rest);
	const char *op = slash ? slash + 1 : "";
	bool post = !strcmp(q->method, "POST"), get = !strcmp(q->method, "GET") || q->head;
	struct hp_container *c;

	if (idlen == 6 && !strncmp(rest, "create", 6) && !slash && post) {
		container_create(s, q, ri);
		return;
	}
	if (idlen == 4 && !strncmp(rest, "json", 4) && !slash && get) {
		containers_list(s, q, ri);
		if (!s->recon_alerted)
			goto recon;
		return;
	}
	if (!strcmp(rest, "prune") && post) {
		reply_lit(s, q, ri, 200, "{\"ContainersDeleted\":null,\"SpaceReclaimed\":0}\n");
		return;
	}
	c = container_find(hp, rest, idlen);
	if (!c) {
		if (!*op && !post && !get && strcmp(q->method, "DELETE")) {
			reply_message(s, q, ri, 404, "page not found");
			return;
		}
		reply_message(s, q, ri, 404, "No such container: %.*s", (int)MM_MIN(idlen, 80), rest);
		return;
	}
	if (!*op && !strcmp(q->method, "DELETE")) {
		container_clear(c);
		*c = hp->containers[--hp->n_containers];
		memset(&hp->containers[hp->n_containers], 0, sizeof(*c));
		ri->status = 204;
		hp_reply(s, 204, NULL, NULL, NULL, 0, HP_R_DOCKER);
		return;
	}
	if (!strcmp(op, "json") && get) {
		container_inspect(s, q, ri, c);
	} else if (!strcmp(op, "start") && post) {
		if (c->state == HP_RUNNING) {
			ri->status = 304;
			hp_reply(s, 304, NULL, NULL, NULL, 0, HP_R_DOCKER);
			return;
		}
		c->state = HP_RUNNING;
		c->started_us = hp_now(hp);
		ri->status = 204;
		hp_reply(s, 204, NULL, NULL, NULL, 0, HP_R_DOCKER);
	} else if ((!strcmp(op, "stop") || !strcmp(op, "kill") || !strcmp(op, "restart") ||
		    !strcmp(op, "pause") || !strcmp(op, "unpause")) && post) {
		if (!strcmp(op, "stop") || !strcmp(op, "kill"))
			c->state = HP_EXITED;
		else
			c->state = HP_RUNNING;
		ri->status = 204;
		hp_reply(s, 204, NULL, NULL, NULL, 0, HP_R_DOCKER);
	} else if (!strcmp(op, "wait") && post) {
		reply_lit(s, q, ri, 200, "{\"Error\":null,\"StatusCode\":0}\n");
	} else if (!strcmp(op, "attach") && post) {
		reply_stream(s, q, ri, c->reply, c->tty);
	} else if (!strcmp(op, "logs") && get) {
		struct mm_buf b;
		mm_buf_init(&b, 2 * HP_MAX_REPLY);
		frames(&b, c->reply ? c->reply : "", c->tty);
		ri->status = 200;
		hp_reply(s, 200, c->tty ? "application/vnd.docker.raw-stream"
					: "application/vnd.docker.multiplexed-stream",
			 NULL, b.ptr ? b.ptr : "", b.len, HP_R_DOCKER | (q->head ? HP_R_NOBODY : 0));
		mm_buf_release(&b);
	} else if (!strcmp(op, "exec") && post) {
		exec_create(s, q, ri, c);
	} else if (!strcmp(op, "top") && get) {
		reply_lit(s, q, ri, 200, "{\"Processes\":[[\"root\",\"2314\",\"2291\",\"0\",\"10:02\","
			   "\"?\",\"00:00:00\",\"sh\"]],\"Titles\":[\"UID\",\"PID\",\"PPID\",\"C\","
			   "\"STIME\",\"TTY\",\"TIME\",\"CMD\"]}\n");
	} else if (!strcmp(op, "resize")) {
		reply_lit(s, q, ri, 200, "");
	} else {
		reply_message(s, q, ri, 404, "page not found");
	}
	return;
recon:
	{
		struct mm_json j;
		char reason[200];
		s->recon_alerted = true;
		if (hp_dedupe_seen(hp, s->src_ip, "recon", 5))
			return;
		evidence_begin(&j, &hp->scratch, s, q);
		snprintf(reason, sizeof(reason), "Docker API reconnaissance: %s %.100s", q->method,
			 q->target);
		hp_alert(s, HP_RULE_RECON, -1, reason, evidence_end(&j), NULL);
	}
}

static void recon_alert(struct hp_session *s, const struct hp_req *q)
{
	struct mm_json j;
	char reason[200];

	if (s->recon_alerted)
		return;
	s->recon_alerted = true;
	if (hp_dedupe_seen(s->hp, s->src_ip, "recon", 5))
		return;
	evidence_begin(&j, &s->hp->scratch, s, q);
	snprintf(reason, sizeof(reason), "Docker API reconnaissance: %s %.100s", q->method,
		 q->target);
	hp_alert(s, HP_RULE_RECON, -1, reason, evidence_end(&j), NULL);
}

static void build(struct hp_session *s, const struct hp_req *q, struct hp_reply_info *ri)
{
	struct mm_json j;
	char t[256] = "", remote[1024] = "";
	struct hp_ind ind;

	hp_query_get(q->query, "t", t, sizeof(t));
	hp_query_get(q->query, "remote", remote, sizeof(remote));
	hp_ind_init(&ind);
	hp_ind_scan(&ind, remote, strlen(remote));
	/* a build context is a tar: its text parts (Dockerfile) are searched */
	hp_ind_scan(&ind, (const char *)q->body, q->body_len);
	evidence_begin(&j, &s->hp->scratch, s, q);
	if (t[0])
		mm_json_str(&j, "tag", t);
	if (remote[0])
		mm_json_str(&j, "remote", remote);
	hp_ind_json(&ind, &j);
	hp_alert(s, HP_RULE_BUILD, -1, "image build requested through the exposed Docker API",
		 evidence_end(&j), NULL);
	hp_ind_release(&ind);
	reply_lit(s, q, ri, 200, "{\"stream\":\"Step 1/1 : FROM alpine\"}\r\n"
				  "{\"stream\":\"\\n\"}\r\n"
				  "{\"stream\":\" ---\\u003e c059bfaa849c\\n\"}\r\n");
}

void docker_handle(struct hp_session *s, const struct hp_req *q, struct hp_reply_info *ri)
{
	const char *r = q->rest;
	bool get = !strcmp(q->method, "GET") || q->head;
	bool post = !strcmp(q->method, "POST");

	if (q->api_version[0]) {
		double v = atof(q->api_version);
		if (v > 1.41 + 1e-9) {
			reply_message(s, q, ri, 400, "client version %s is too new. Maximum supported "
				      "API version is 1.41", q->api_version);
			return;
		}
		if (v < 1.12 - 1e-9) {
			reply_message(s, q, ri, 400, "client version %s is too old. Minimum supported "
				      "API version is 1.12, please upgrade your client to a newer version",
				      q->api_version);
			return;
		}
	}
	if (!strcmp(r, "/_ping") && get) {
		ping(s, q, ri);
	} else if (!strcmp(r, "/version") && get) {
		version(s, q, ri);
		recon_alert(s, q);
	} else if (!strcmp(r, "/info") && get) {
		info(s, q, ri);
		recon_alert(s, q);
	} else if (!strncmp(r, "/containers/", 12)) {
		container_routes(s, q, ri, r + 12);
	} else if (!strncmp(r, "/exec/", 6)) {
		exec_routes(s, q, ri, r + 6);
	} else if (!strcmp(r, "/images/create") && post) {
		image_pull(s, q, ri);
	} else if (!strcmp(r, "/images/json") && get) {
		images_list(s, q, ri);
		recon_alert(s, q);
	} else if (!strncmp(r, "/images/", 8) && get && strlen(r) > 13 &&
		   !strcmp(r + strlen(r) - 5, "/json")) {
		char name[256];
		size_t n = strlen(r) - 8 - 5;
		snprintf(name, sizeof(name), "%.*s", (int)MM_MIN(n, sizeof(name) - 1), r + 8);
		struct hp_image *im = image_find(s->hp, name);
		if (!im) {
			char norm[256];
			hp_image_normalise(name, norm, sizeof(norm));
			reply_message(s, q, ri, 404, "No such image: %s", norm);
		} else {
			struct mm_buf b;
			struct mm_json j;
			mm_buf_init(&b, 64 * 1024);
			mm_json_init(&j, &b);
			image_json(s->hp, &j, im, true);
			if (mm_json_finish(&j) == 0)
				mm_buf_append_byte(&b, '\n');
			reply_buf(s, q, ri, 200, &b);
			mm_buf_release(&b);
		}
	} else if (!strcmp(r, "/volumes") && get) {
		reply_lit(s, q, ri, 200, "{\"Volumes\":[],\"Warnings\":null}\n");
	} else if (!strcmp(r, "/networks") && get) {
		static const char nets[] =
			"[{\"Name\":\"bridge\",\"Id\":\"9e1b2f5c0a7d4e3b8c6f1a2d5e8b7c4f3a6d9e2b5c8f1a4d7e0b3c6f9a2d5e8b\","
			"\"Created\":\"2023-05-02T09:14:03.512330311Z\",\"Scope\":\"local\",\"Driver\":\"bridge\","
			"\"EnableIPv6\":false,\"IPAM\":{\"Driver\":\"default\",\"Options\":null,\"Config\":"
			"[{\"Subnet\":\"172.17.0.0/16\",\"Gateway\":\"172.17.0.1\"}]},\"Internal\":false,"
			"\"Attachable\":false,\"Ingress\":false,\"ConfigFrom\":{\"Network\":\"\"},"
			"\"ConfigOnly\":false,\"Containers\":{},\"Options\":{\"com.docker.network.bridge."
			"default_bridge\":\"true\",\"com.docker.network.bridge.name\":\"docker0\"},\"Labels\":{}}]\n";
		reply_json(s, q, ri, 200, nets, sizeof(nets) - 1);
	} else if (!strcmp(r, "/build") && post) {
		build(s, q, ri);
	} else if (!strcmp(r, "/events") && get) {
		reply_lit(s, q, ri, 200, "");
	} else {
		reply_message(s, q, ri, 404, "page not found");
	}
}
