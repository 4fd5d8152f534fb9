/*
 * redis.c — fleet output and collection on a Redis stream (hiredis).
 *
 * The sink (incidents_redis_sink_open) appends every alert to a local
 * spool file first (append-only, one record per line: "A <stable id>
 * <json>"; JSON never holds a raw newline), then sends what the spool holds
 * past its acknowledged offset to Redis in order, in pipelined batches.
 * The acknowledged offset lives in "<spool>.ack" (written and fsync'ed
 * after each batch Redis confirmed), so records survive a crash or an
 * unreachable Redis and are sent, in order, when it is back. Each record is
 * added by a small Lua script that sets a marker key "<stream>:seen:<id>"
 * (SET NX with a TTL) and XADDs (MAXLEN ~ N) only if the marker was not
 * there: a record re-sent after a lost reply is not added twice. The
 * stable id is the SHA-256 of the alert JSON without event.ingested.
 *
 * While Redis is unreachable the sink tries to reconnect at most once per
 * INC_REDIS_RETRY_MS; alerts keep going to the spool. The spool is
 * truncated when everything in it is acknowledged and it passed
 * INC_REDIS_SPOOL_TRIM bytes (ack reset to 0 first: a crash in between
 * resends, and the markers drop the duplicates).
 *
 * incidents_collect() reads the stream as a consumer group (XREADGROUP),
 * first its own pending entries (after a crash), then new ones; each batch
 * is committed to the central store in one transaction (alerts deduplicated
 * by stable id in inc_collected) and only then acknowledged (XACK).
 *
 * Threading: the sink is called under the output's lock (output.h); the
 * collector runs on the caller's thread. All Redis input is untrusted:
 * reply shapes are checked, entries without the expected fields are
 * acknowledged and counted as bad.
 */
#include "core/compat.h"
#include "incidents/internal.h"

#include <errno.h>
#include <fcntl.h>
#include <hiredis/hiredis.h>
#include <jansson.h>
#include <sys/stat.h>
#include <unistd.h>

#define INC_REDIS_BATCH 256
#define INC_REDIS_RETRY_MS 1000
#define INC_REDIS_SPOOL_TRIM (4u << 20)
#define INC_REDIS_MAXLEN "1000000"
#define INC_REDIS_SEEN_TTL "604800"
#define INC_REDIS_LINE_MAX (4u << 20)

static const char add_script[] =
	"if redis.call('SET', KEYS[2], '1', 'NX', 'EX', ARGV[5]) then "
	"return redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*', "
	"'type', ARGV[2], 'id', ARGV[3], 'json', ARGV[4]) else return false end";

int incidents_redis_url(const char *url, char *host, size_t host_cap, int *port, char *key,
			size_t key_cap)
{
	const char *p = url, *end, *colon;
	size_t n;

	if (!strncmp(p, "redis://", 8))
		p += 8;
	end = p + strcspn(p, "/");
	*port = 6379;
	snprintf(key, key_cap, "%s", *end == '/' && end[1] ? end + 1 : "mamori:alerts");
	if (*p == '[') {
		const char *rb = memchr(p, ']', (size_t)(end - p));

		if (!rb)
			return MM_EINVAL;
		n = (size_t)(rb - p - 1);
		if (n == 0 || n >= host_cap)
			return MM_EINVAL;
		memcpy(host, p + 1, n);
		host[n] = '\0';
		colon = rb + 1 < end && rb[1] == ':' ? rb + 1 : NULL;
	} else {
		colon = memchr(p, ':', (size_t)(end - p));
		n = (size_t)((colon ? colon : end) - p);
		if (n == 0 || n >= host_cap)
			return MM_EINVAL;
		memcpy(host, p, n);
		host[n] = '\0';
	}
	if (colon) {
		char *e = NULL;
		long v = strtol(colon + 1, &e, 10);

		if (e != end || v <= 0 || v > 65535)
			return MM_EINVAL;
		*port = (int)v;
	}
	return 0;
}

static redisContext *connect_to(const char *host, int port)
{
	struct timeval tv = { 1, 0 }, cmd = { 5, 0 };
	redisContext *c = redisConnectWithTimeout(host, port, tv);

	if (!c || c->err) {
		if (c)
			redisFree(c);
		return NULL;
	}
	redisSetTimeout(c, cmd);
	return c;
}

/* ---- the sink --------------------------------------------------------- */

struct redis_sink {
	char host[256];
	int port;
	char key[256];
	char seen_prefix[300];
	char spool_path[1024], ack_path[1040];
	int fd;			/* spool, O_APPEND */
	FILE *rd;		/* spool, for sending */
	uint64_t acked;		/* offset of the first unsent record */
	uint64_t size;		/* bytes written to the spool */
	uint64_t pending;	/* records past acked */
	redisContext *c;
	int64_t next_try_us;
	uint64_t sent, resent_dups, errors;
	struct mm_buf line;
};

static int ack_write(struct redis_sink *s, uint64_t off)
{
	char tmp[1100], num[32];
	int fd, n, rc = 0;

	snprintf(tmp, sizeof(tmp), "%s.tmp", s->ack_path);
	n = snprintf(num, sizeof(num), "%" PRIu64 "\n", off);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return mm_from_errno(errno);
	if (write(fd, num, (size_t)n) != n || fsync(fd) != 0)
		rc = MM_EIO;
	close(fd);
	if (rc == 0 && rename(tmp, s->ack_path) != 0)
		rc = mm_from_errno(errno);
	if (rc == 0)
		s->acked = off;
	return rc;
}

static uint64_t ack_read(const char *path)
{
	FILE *f = fopen(path, "r");
	unsigned long long v = 0;

	if (!f)
		return 0;
	if (fscanf(f, "%llu", &v) != 1)
		v = 0;
	fclose(f);
	return (uint64_t)v;
}

static void drop_conn(struct redis_sink *s)
{
	if (s->c)
		redisFree(s->c);
	s->c = NULL;
	s->next_try_us = mm_monotonic_us() + INC_REDIS_RETRY_MS * 1000;
}

/* Reads one spool line at the read position into s->line (without the
 * newline); 1 = a line, 0 = end, <0 = error. */
static int spool_line(struct redis_sink *s)
{
	int ch;

	mm_buf_reset(&s->line);
	while ((ch = fgetc(s->rd)) != EOF) {
		if (ch == '\n')
			return 1;
		if (mm_buf_append_byte(&s->line, (uint8_t)ch))
			return MM_ELIMIT;
	}
	return 0;	/* a partial last line (crash mid-write) waits */
}

/* Sends records from the acknowledged offset, INC_REDIS_BATCH at a time. */
static int drain(struct redis_sink *s, bool force)
{
	int rc = 0;

	if (s->acked >= s->size) {
		s->pending = 0;
		return 0;
	}
	if (!s->c) {
		if (!force && mm_monotonic_us() < s->next_try_us)
			return MM_EAGAIN;
		s->c = connect_to(s->host, s->port);
		if (!s->c) {
			s->next_try_us = mm_monotonic_us() + INC_REDIS_RETRY_MS * 1000;
			return MM_EAGAIN;
		}
	}
	if (fdatasync(s->fd) != 0)
		return MM_EIO;
	while (s->acked < s->size) {
		uint64_t offs[INC_REDIS_BATCH + 1];
		int n = 0, i, r;

		if (fseeko(s->rd, (off_t)s->acked, SEEK_SET) != 0)
			return MM_EIO;
		offs[0] = s->acked;
		while (n < INC_REDIS_BATCH && (r = spool_line(s)) == 1) {
			/* "A <64 hex> <json>" */
			char seen[400];
			const char *argv[10];
			size_t lens[10];
			const char *l = s->line.ptr;

			offs[n + 1] = (uint64_t)ftello(s->rd);
			if (s->line.len < 68 || l[0] != 'A' || l[1] != ' ' || l[66] != ' ') {
				/* a torn or foreign line: skip it, counted */
				s->errors++;
				continue;
			}
			snprintf(seen, sizeof(seen), "%s%.64s", s->seen_prefix, l + 2);
			argv[0] = "EVAL"; lens[0] = 4;
			argv[1] = add_script; lens[1] = sizeof(add_script) - 1;
			argv[2] = "2"; lens[2] = 1;
			argv[3] = s->key; lens[3] = strlen(s->key);
			argv[4] = seen; lens[4] = strlen(seen);
			argv[5] = INC_REDIS_MAXLEN; lens[5] = strlen(INC_REDIS_MAXLEN);
			argv[6] = "alert"; lens[6] = 5;
			argv[7] = l + 2; lens[7] = 64;
			argv[8] = l + 67; lens[8] = s->line.len - 67;
			argv[9] = INC_REDIS_SEEN_TTL; lens[9] = strlen(INC_REDIS_SEEN_TTL);
			if (redisAppendCommandArgv(s->c, 10, argv, lens) != REDIS_OK) {
				drop_conn(s);
				return MM_EAGAIN;
			}
			n++;
		}
		if (n == 0)
			break;
		for (i = 0; i < n; i++) {
			redisReply *rep = NULL;

			if (redisGetReply(s->c, (void **)&rep) != REDIS_OK || !rep) {
				/* what was confirmed stays confirmed */
				if (i > 0)
					ack_write(s, offs[i]);
				drop_conn(s);
				return MM_EAGAIN;
			}
			if (rep->type == REDIS_REPLY_ERROR) {
				s->errors++;
				freeReplyObject(rep);
				if (i > 0)
					ack_write(s, offs[i]);
				drop_conn(s);
				return MM_EAGAIN;
			}
			if (rep->type == REDIS_REPLY_NIL)
				s->resent_dups++;
			else
				s->sent++;
			freeReplyObject(rep);
		}
		rc = ack_write(s, offs[n]);
		if (rc)
			return rc;
	}
	s->pending = 0;
	if (s->acked >= s->size && s->size > INC_REDIS_SPOOL_TRIM) {
		if (ack_write(s, 0) == 0 && ftruncate(s->fd, 0) == 0)
			s->size = 0;
	}
	return 0;
}

static int sink_alert(void *state, const struct mm_alert *a, const char *json, size_t len)
{
	struct redis_sink *s = state;
	char id[65];
	struct mm_buf rec;
	int rc;

	(void)a;
	rc = incidents_stable_id(json, len, id);
	if (rc)
		return rc;
	mm_buf_init(&rec, len + 128);
	mm_buf_appendf(&rec, "A %s ", id);
	mm_buf_append(&rec, json, len);
	mm_buf_append_byte(&rec, '\n');
	if (!rec.ptr)
		return MM_ENOMEM;
	if (write(s->fd, rec.ptr, rec.len) != (ssize_t)rec.len) {
		mm_buf_release(&rec);
		return MM_EIO;
	}
	s->size += rec.len;
	s->pending++;
	mm_buf_release(&rec);
	if (s->pending >= INC_REDIS_BATCH)
		drain(s, false);
	return 0;
}

static int sink_flush(void *state)
{
	struct redis_sink *s = state;
	int rc;

	if (fsync(s->fd) != 0)
		return MM_EIO;
	rc = drain(s, false);
	/* Redis away: the spool holds the records; not an error of the scan */
	return rc == MM_EAGAIN ? 0 : rc;
}

static void sink_close(void *state)
{
	struct redis_sink *s = state;

	if (!s)
		return;
	if (s->fd >= 0) {
		fsync(s->fd);
		drain(s, true);
		close(s->fd);
	}
	if (s->rd)
		fclose(s->rd);
	if (s->c)
		redisFree(s->c);
	mm_buf_release(&s->line);
	free(s);
}

int incidents_redis_sink_open(const char *url, const char *spool_path, struct mm_sink *out,
			      struct mm_diag *diag)
{
	struct redis_sink *s = NULL;
	struct stat stt;
	int rc;

	memset(out, 0, sizeof(*out));
	s = calloc(1, sizeof(*s));
	if (!s)
		return MM_ENOMEM;
	s->fd = -1;
	mm_buf_init(&s->line, INC_REDIS_LINE_MAX);
	if (incidents_redis_url(url, s->host, sizeof(s->host), &s->port, s->key, sizeof(s->key))) {
		rc = mm_diag_set(diag, MM_EINVAL, NULL, -1, -1,
				 "bad Redis URL '%s' (redis://HOST[:PORT][/STREAM])", url);
		goto fail;
	}
	snprintf(s->seen_prefix, sizeof(s->seen_prefix), "%s:seen:", s->key);
	snprintf(s->spool_path, sizeof(s->spool_path), "%s", spool_path);
	snprintf(s->ack_path, sizeof(s->ack_path), "%s.ack", spool_path);
	s->fd = open(spool_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (s->fd < 0 || fstat(s->fd, &stt) != 0) {
		rc = mm_diag_set(diag, mm_from_errno(errno), spool_path, -1, -1,
				 "cannot open the spool: %s", strerror(errno));
		goto fail;
	}
	s->rd = fopen(spool_path, "rb");
	if (!s->rd) {
		rc = mm_diag_set(diag, mm_from_errno(errno), spool_path, -1, -1,
				 "cannot read the spool: %s", strerror(errno));
		goto fail;
	}
	s->size = (uint64_t)stt.st_size;
	s->acked = ack_read(s->ack_path);
	if (s->acked > s->size)
		s->acked = 0;	/* the spool was trimmed: resend, markers dedupe */
	/* what an earlier run left is sent now, before anything new */
	drain(s, true);
	out->name = "redis";
	out->state = s;
	out->alert = sink_alert;
	out->flush = sink_flush;
	out->close = sink_close;
	return 0;
fail:
	sink_close(s);
	return rc;
}

/* ---- the collector ----------------------------------------------------- */

static const char *field(const redisReply *fields, const char *name, size_t *len)
{
	size_t i;

	if (!fields || fields->type != REDIS_REPLY_ARRAY)
		return NULL;
	for (i = 0; i + 1 < fields->elements; i += 2) {
		const redisReply *k = fields->element[i], *v = fields->element[i + 1];

		if (k->type == REDIS_REPLY_STRING && v->type == REDIS_REPLY_STRING &&
		    k->len == strlen(name) && !memcmp(k->str, name, k->len)) {
			*len = v->len;
			return v->str;
		}
	}
	return NULL;
}

struct collector {
	sqlite3 *db;
	sqlite3_stmt *seen, *ins;
	int64_t run_id;
	struct incidents_collect_stats *st;
};

static const char *js(json_t *o, const char *a, const char *b)
{
	json_t *v = json_object_get(json_object_get(o, a), b);

	return json_is_string(v) ? json_string_value(v) : NULL;
}

static int store_one(struct collector *c, const char *id, size_t id_len, const char *json,
		     size_t len)
{
	json_t *root;
	json_error_t e;
	int64_t ts = 0;
	int level = MM_LEVEL_MEDIUM, sev;
	const char *t, *lv;

	sqlite3_reset(c->seen);
	sqlite3_bind_text(c->seen, 1, id, (int)id_len, SQLITE_STATIC);
	sqlite3_bind_int64(c->seen, 2, mm_now_us());
	if (sqlite3_step(c->seen) != SQLITE_DONE)
		return MM_EIO;
	if (sqlite3_changes(c->db) == 0) {
		c->st->duplicates++;
		return 0;
	}
	root = json_loadb(json, len, 0, &e);
	if (!json_is_object(root)) {
		json_decref(root);
		c->st->bad++;
		return 0;
	}
	t = json_string_value(json_object_get(root, "@timestamp"));
	if (t && mm_time_parse(t, 0, &ts) != 0)
		ts = 0;
	lv = js(root, "mamori", "level");
	if (lv && mm_level_parse(lv) >= 0)
		level = mm_level_parse(lv);
	sev = json_is_integer(json_object_get(json_object_get(root, "event"), "severity")) ?
		(int)json_integer_value(json_object_get(json_object_get(root, "event"), "severity")) :
		mm_level_severity((enum mm_level)level);
	sqlite3_reset(c->ins);
	sqlite3_bind_int64(c->ins, 1, c->run_id);
	if (ts)
		sqlite3_bind_int64(c->ins, 2, ts);
	else
		sqlite3_bind_null(c->ins, 2);
	sqlite3_bind_int64(c->ins, 3, mm_now_us());
	sqlite3_bind_int(c->ins, 4, level);
	sqlite3_bind_int(c->ins, 5, sev);
	sqlite3_bind_text(c->ins, 6, js(root, "rule", "id") ? js(root, "rule", "id") : "unknown", -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(c->ins, 7, js(root, "event", "module"), -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(c->ins, 8, js(root, "host", "name"), -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(c->ins, 9, js(root, "file", "path"), -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(c->ins, 10, js(root, "source", "ip"), -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(c->ins, 11, js(root, "destination", "ip"), -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(c->ins, 12, json, (int)len, SQLITE_STATIC);
	json_decref(root);
	if (sqlite3_step(c->ins) != SQLITE_DONE)
		return MM_EIO;
	c->st->stored++;
	return 0;
}

/* Stores one XREADGROUP reply's entries in one transaction, then XACKs
 * them. Returns the number of entries, or an error. */
static long handle_batch(struct collector *c, redisContext *rc, const char *key,
			 const char *group, redisReply *r)
{
	redisReply *entries;
	const char **argv = NULL;
	size_t *lens = NULL, i, n;
	long out = 0;

	if (!r || r->type != REDIS_REPLY_ARRAY || r->elements < 1)
		return 0;
	if (r->element[0]->type != REDIS_REPLY_ARRAY || r->element[0]->elements < 2)
		return 0;
	entries = r->element[0]->element[1];
	if (entries->type != REDIS_REPLY_ARRAY || entries->elements == 0)
		return 0;
	n = entries->elements;
	argv = calloc(n + 3, sizeof(*argv));
	lens = calloc(n + 3, sizeof(*lens));
	if (!argv || !lens) {
		out = MM_ENOMEM;
		goto done;
	}
	if (sqlite3_exec(c->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK) {
		out = MM_EIO;
		goto done;
	}
	for (i = 0; i < n; i++) {
		redisReply *e = entries->element[i];
		const char *id, *json, *type;
		size_t id_len = 0, json_len = 0, type_len = 0;

		if (e->type != REDIS_REPLY_ARRAY || e->elements < 2 ||
		    e->element[0]->type != REDIS_REPLY_STRING) {
			c->st->bad++;
			continue;
		}
		argv[3 + out] = e->element[0]->str;
		lens[3 + out] = e->element[0]->len;
		out++;
		type = field(e->element[1], "type", &type_len);
		id = field(e->element[1], "id", &id_len);
		json = field(e->element[1], "json", &json_len);
		/* a deleted entry (trimmed) has no fields: ack it */
		if (!type || !id || !json || id_len != 64) {
			c->st->bad++;
			continue;
		}
		if (type_len != 5 || memcmp(type, "alert", 5)) {
			c->st->other++;
			continue;
		}
		if (store_one(c, id, id_len, json, json_len)) {
			sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
			out = MM_EIO;
			goto done;
		}
	}
	if (sqlite3_exec(c->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
		out = MM_EIO;
		goto done;
	}
	/* committed: now the stream may forget them */
	if (out > 0) {
		redisReply *ack;

		argv[0] = "XACK"; lens[0] = 4;
		argv[1] = key; lens[1] = strlen(key);
		argv[2] = group; lens[2] = strlen(group);
		ack = redisCommandArgv(rc, (int)(3 + out), argv, lens);
		if (!ack || ack->type == REDIS_REPLY_ERROR)
			out = MM_EIO;
		else
			c->st->acked += (uint64_t)out;
		if (ack)
			freeReplyObject(ack);
	}
done:
	free(argv);
	free(lens);
	return out;
}

int incidents_collect(const char *url, const char *db_path, const struct incidents_collect_opts *o,
		      struct incidents_collect_stats *st, struct mm_diag *diag)
{
	struct incidents_collect_stats local;
	struct collector c;
	struct mm_store *store = NULL;
	struct mm_store_run run;
	redisContext *rc = NULL;
	redisReply *r = NULL;
	char host[256], key[256], block[32];
	const char *group = o && o->group ? o->group : "mamori";
	const char *consumer = o && o->consumer ? o->consumer : "collector";
	int port, ret = 0;
	bool pending = true;
	int64_t idle_since = mm_monotonic_us();

	if (!st)
		st = &local;
	memset(st, 0, sizeof(*st));
	memset(&c, 0, sizeof(c));
	c.st = st;
	if (incidents_redis_url(url, host, sizeof(host), &port, key, sizeof(key)))
		return mm_diag_set(diag, MM_EINVAL, NULL, -1, -1,
				   "bad Redis URL '%s' (redis://HOST[:PORT][/STREAM])", url);
	if (o && o->stream)
		snprintf(key, sizeof(key), "%s", o->stream);
	ret = mm_store_open(&store, db_path, diag);
	if (ret)
		return ret;
	memset(&run, 0, sizeof(run));
	run.started_us = mm_now_us();
	run.command = "collect";
	run.args = url;
	run.status = "running";
	run.version = "0.1.0";
	ret = mm_store_run_begin(store, &run, &c.run_id);
	mm_store_close(store);
	if (ret)
		return mm_diag_set(diag, ret, db_path, -1, -1, "cannot record the collect run");
	if (sqlite3_open_v2(db_path, &c.db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
		ret = mm_diag_set(diag, MM_EIO, db_path, -1, -1, "cannot open the store");
		goto out;
	}
	sqlite3_busy_timeout(c.db, MM_STORE_BUSY_MS);
	if (sqlite3_exec(c.db, "PRAGMA journal_mode=WAL;"
			 "CREATE TABLE IF NOT EXISTS inc_collected(stable_id TEXT PRIMARY KEY,"
			 " received INTEGER)", NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(c.db, "INSERT OR IGNORE INTO inc_collected(stable_id, received)"
			       " VALUES(?,?)", -1, &c.seen, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(c.db, "INSERT INTO alerts(run_id, ts, ingested, level, severity,"
			       " rule_id, engine, host, path, src_ip, dst_ip, json)"
			       " VALUES(?,?,?,?,?,?,?,?,?,?,?,?)", -1, &c.ins, NULL) != SQLITE_OK) {
		ret = mm_diag_set(diag, MM_EIO, db_path, -1, -1, "store: %s", sqlite3_errmsg(c.db));
		goto out;
	}
	rc = connect_to(host, port);
	if (!rc) {
		ret = mm_diag_set(diag, MM_EIO, NULL, -1, -1, "cannot connect to Redis at %s:%d", host, port);
		goto out;
	}
	r = redisCommand(rc, "XGROUP CREATE %s %s 0 MKSTREAM", key, group);
	if (!r || (r->type == REDIS_REPLY_ERROR && strncmp(r->str, "BUSYGROUP", 9))) {
		ret = mm_diag_set(diag, MM_EIO, NULL, -1, -1, "XGROUP CREATE: %s",
				  r ? r->str : rc->errstr);
		goto out;
	}
	freeReplyObject(r);
	r = NULL;
	snprintf(block, sizeof(block), "%d", o && o->block_ms > 0 ? o->block_ms : 1000);
	for (;;) {
		long n;

		if (o && o->stop && *o->stop)
			break;
		/* first what this consumer read and did not acknowledge */
		r = redisCommand(rc, "XREADGROUP GROUP %s %s COUNT 512 BLOCK %s STREAMS %s %s",
				 group, consumer, block, key, pending ? "0" : ">");
		if (!r) {
			ret = mm_diag_set(diag, MM_EIO, NULL, -1, -1, "Redis: %s", rc->errstr);
			goto out;
		}
		if (r->type == REDIS_REPLY_ERROR) {
			ret = mm_diag_set(diag, MM_EIO, NULL, -1, -1, "XREADGROUP: %s", r->str);
			goto out;
		}
		n = handle_batch(&c, rc, key, group, r);
		freeReplyObject(r);
		r = NULL;
		if (n < 0) {
			ret = mm_diag_set(diag, (int)n, db_path, -1, -1, "storing a batch: %s",
					  sqlite3_errmsg(c.db));
			goto out;
		}
		if (n == 0 && pending) {
			pending = false;
			continue;
		}
		if (n > 0) {
			idle_since = mm_monotonic_us();
			continue;
		}
		if (o && o->idle_ms >= 0 &&
		    mm_monotonic_us() - idle_since >= (int64_t)o->idle_ms * 1000)
			break;
	}
out:
	if (r)
		freeReplyObject(r);
	if (rc)
		redisFree(rc);
	sqlite3_finalize(c.seen);
	sqlite3_finalize(c.ins);
	if (c.db) {
		sqlite3_stmt *s = NULL;

		if (sqlite3_prepare_v2(c.db, "UPDATE runs SET finished=?, status=?, alerts=? WHERE id=?",
				       -1, &s, NULL) == SQLITE_OK) {
			sqlite3_bind_int64(s, 1, mm_now_us());
			sqlite3_bind_text(s, 2, ret ? "error" : "done", -1, SQLITE_STATIC);
			sqlite3_bind_int64(s, 3, (int64_t)st->stored);
			sqlite3_bind_int64(s, 4, c.run_id);
			sqlite3_step(s);
		}
		sqlite3_finalize(s);
		sqlite3_close(c.db);
	}
	return ret;
}
