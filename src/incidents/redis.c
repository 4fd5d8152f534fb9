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
 * incidents_redis_push_incidents() puts incident updates ("I <stable id>
 * <json>") in the same spool after a scan's alerts, so they travel in the
 * same order with the same guarantees (see "incident updates" below).
 *
 * incidents_collect() reads the stream as a consumer group (XREADGROUP),
 * first its own pending entries (after a crash), then new ones; each batch
 * is committed to the central store in one transaction (alerts and
 * incident updates deduplicated by stable id in inc_collected; incident
 * updates kept per sensor store and incident in inc_remote, the highest
 * version winning) and only then acknowledged (XACK).
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
			/* "A <64 hex> <json>" (an alert) or "I ..." (an
			 * incident update) */
			char seen[400];
			const char *argv[10];
			size_t lens[10];
			const char *l = s->line.ptr;

			offs[n + 1] = (uint64_t)ftello(s->rd);
			if (s->line.len < 68 || (l[0] != 'A' && l[0] != 'I') || l[1] != ' ' ||
			    l[66] != ' ') {
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
			argv[6] = l[0] == 'A' ? "alert" : "incident";
			lens[6] = strlen(argv[6]);
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

/* Appends one record to the spool ("<type> <id> <json>\n"); sends when a
 * batch is full. */
static int spool_add(struct redis_sink *s, char type, const char id[65], const char *json,
		     size_t len)
{
	struct mm_buf rec;

	if (memchr(json, '\n', len))
		return MM_EINVAL;	/* JSON writers never put one there */
	mm_buf_init(&rec, len + 128);
	mm_buf_appendf(&rec, "%c %s ", type, id);
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

static int sink_alert(void *state, const struct mm_alert *a, const char *json, size_t len)
{
	struct redis_sink *s = state;
	char id[65];
	int rc;

	(void)a;
	rc = incidents_stable_id(json, len, id);
	if (rc)
		return rc;
	return spool_add(s, 'A', id, json, len);
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

/* ---- incident updates (sensor side) -----------------------------------
 *
 * After a scan's alerts are correlated, every incident whose content
 * changed since the last push goes on the stream as one record of type
 * "incident" (docs/incidents.md has its fields). Its content leaves out
 * what a re-scan of the same evidence changes without changing the story
 * (the stored alert count, the update time): alert_count counts distinct
 * alerts (the same JSON without event.ingested is one alert), and the
 * score is computed on that count. inc_fleet keeps, per incident, the
 * version and the SHA-256 of the content last pushed: an unchanged
 * incident is not pushed again. An incident that disappeared (merged
 * into another, or regrouped after an alias) is pushed once as deleted.
 *
 * version is the incident's update time (microseconds), at least one more
 * than the last version pushed, so a later update always has a higher
 * version. The record goes into the spool (fsync'ed) before inc_fleet is
 * committed: a crash in between pushes the same record again (same
 * content, same version, same stable id: a duplicate the stream's markers
 * and the collector drop).
 */

#define INC_FLEET_VALUES 200

static const char fleet_schema[] =
	"CREATE TABLE IF NOT EXISTS inc_fleet(incident_id INTEGER PRIMARY KEY, version INTEGER,"
	" digest TEXT)";

/* This store's id on the stream (16 hex digits), made once. */
static int fleet_store_id(struct incident_db *db, char out[17])
{
	sqlite3_stmt *s = NULL;
	uint64_t v = 0;
	int rc = MM_EIO;

	if (inc_prepare(db, "SELECT value FROM inc_state WHERE name='fleet_store_id'", &s))
		goto out;
	if (sqlite3_step(s) == SQLITE_ROW)
		v = (uint64_t)sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	s = NULL;
	if (!v) {
		uint8_t r[8];
		int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
		size_t i;

		if (fd < 0 || read(fd, r, sizeof(r)) != (ssize_t)sizeof(r)) {
			if (fd >= 0)
				close(fd);
			goto out;
		}
		close(fd);
		for (i = 0; i < sizeof(r); i++)
			v = v << 8 | r[i];
		v = (v & 0x3fffffffffffffffULL) | 1;
		if (inc_prepare(db, "INSERT INTO inc_state(name, value) VALUES('fleet_store_id', ?)",
				&s))
			goto out;
		sqlite3_bind_int64(s, 1, (int64_t)v);
		if (sqlite3_step(s) != SQLITE_DONE)
			goto out;
	}
	snprintf(out, 17, "%016" PRIx64, v);
	rc = 0;
out:
	sqlite3_finalize(s);
	return rc;
}

struct fleet {
	struct incident_db *db;
	const char *sensor;
	char store[17];
	sqlite3_stmt *distinct, *ents, *get, *put;
	struct mm_buf rec;
	struct incidents_push_stats *st;
};

static void fleet_time(struct mm_json *j, const char *key, int64_t us)
{
	char t[MM_TIME_STR];

	if (!us) {
		mm_json_null(j, key);
		return;
	}
	mm_time_format(us, t);
	mm_json_str(j, key, t);
}

/* The record of the incident in the current row of inc (id, first_ts,
 * last_ts, alerts, level, score, stages, label, summary), or of a deleted
 * one (inc NULL), into f->rec. */
static int fleet_record(struct fleet *f, sqlite3_stmt *inc, int64_t id, int64_t version)
{
	struct mm_json j;
	int k, role;

	mm_buf_reset(&f->rec);
	mm_json_init(&j, &f->rec);
	mm_json_object_begin(&j, NULL);
	mm_json_str(&j, "type", "incident");
	mm_json_str(&j, "sensor", f->sensor ? f->sensor : "");
	mm_json_str(&j, "store", f->store);
	mm_json_int(&j, "incident", id);
	mm_json_int(&j, "version", version);
	mm_json_bool(&j, "deleted", inc == NULL);
	if (inc) {
		int64_t n = inc_col64(inc, 3), distinct = n;
		int lv = sqlite3_column_int(inc, 4), score = sqlite3_column_int(inc, 5);
		uint32_t stages = (uint32_t)inc_col64(inc, 6);
		int64_t listed;

		sqlite3_reset(f->distinct);
		sqlite3_bind_int64(f->distinct, 1, id);
		if (sqlite3_step(f->distinct) != SQLITE_ROW)
			return MM_EIO;
		distinct = sqlite3_column_int64(f->distinct, 0);
		/* the score's "10 alerts or more" on distinct alerts */
		score += (distinct >= 10 ? 5 : 0) - (n >= 10 ? 5 : 0);
		score = MM_MAX(0, MM_MIN(score, 100));
		fleet_time(&j, "first_seen", inc_col64(inc, 1));
		fleet_time(&j, "last_seen", inc_col64(inc, 2));
		mm_json_int(&j, "score", score);
		mm_json_str(&j, "level", mm_level_name((enum mm_level)(lv >= 0 && lv < MM_LEVEL_COUNT ?
									lv : 2)));
		mm_json_str(&j, "label", inc_col_text(inc, 7) ? inc_col_text(inc, 7) : "");
		mm_json_str(&j, "summary", inc_col_text(inc, 8) ? inc_col_text(inc, 8) : "");
		mm_json_array_begin(&j, "chain");
		for (k = 0; k < INC_STAGE_COUNT; k++)
			if (stages & (1u << k))
				mm_json_str(&j, NULL, inc_stage_name(k));
		mm_json_array_end(&j);
		mm_json_int(&j, "alert_count", distinct);
		for (role = 0; role < 2; role++) {
			mm_json_array_begin(&j, role == INC_ROLE_ENTITY ? "entities" : "indicators");
			sqlite3_reset(f->ents);
			sqlite3_bind_int64(f->ents, 1, id);
			sqlite3_bind_int(f->ents, 2, role);
			listed = 0;
			while (sqlite3_step(f->ents) == SQLITE_ROW && listed++ < INC_FLEET_VALUES) {
				mm_json_object_begin(&j, NULL);
				mm_json_str(&j, "type", inc_col_text(f->ents, 0));
				mm_json_str(&j, "value", inc_col_text(f->ents, 1));
				mm_json_object_end(&j);
			}
			mm_json_array_end(&j);
		}
	}
	mm_json_object_end(&j);
	return mm_json_finish(&j);
}

/* Pushes incident id if its content changed (inc NULL: it is gone).
 * updated: its update time. */
static int fleet_one(struct fleet *f, struct redis_sink *s, sqlite3_stmt *inc, int64_t id,
		     int64_t updated)
{
	uint8_t h[32];
	char digest[65], sid[65];
	int64_t last = 0, version;
	bool known = false;
	int rc;

	sqlite3_reset(f->get);
	sqlite3_bind_int64(f->get, 1, id);
	if (sqlite3_step(f->get) == SQLITE_ROW) {
		known = true;
		last = sqlite3_column_int64(f->get, 0);
	}
	/* the content: the record with version 0 */
	rc = fleet_record(f, inc, id, 0);
	if (rc)
		return rc;
	mm_sha256(f->rec.ptr, f->rec.len, h);
	mm_hex(h, 32, digest);
	if (known) {
		const char *was = inc_col_text(f->get, 1);

		if (was && !strcmp(was, digest)) {
			f->st->unchanged++;
			return 0;
		}
	} else if (!inc) {
		return 0;	/* never pushed, gone: nothing to say */
	}
	version = MM_MAX(updated, last + 1);
	rc = fleet_record(f, inc, id, version);
	if (rc)
		return rc;
	mm_sha256(f->rec.ptr, f->rec.len, h);
	mm_hex(h, 32, sid);
	rc = spool_add(s, 'I', sid, f->rec.ptr, f->rec.len);
	if (rc)
		return rc;
	sqlite3_reset(f->put);
	sqlite3_bind_int64(f->put, 1, id);
	sqlite3_bind_int64(f->put, 2, version);
	/* a deleted incident is marked so, and not looked at again */
	sqlite3_bind_text(f->put, 3, inc ? digest : "deleted", -1, SQLITE_STATIC);
	if (sqlite3_step(f->put) != SQLITE_DONE)
		return MM_EIO;
	if (inc)
		f->st->updates++;
	else
		f->st->deleted++;
	return 0;
}

int incidents_redis_push_incidents(const char *url, const char *spool_path, const char *db_path,
				   const char *sensor, struct incidents_push_stats *st,
				   struct mm_diag *diag)
{
	struct incidents_push_stats local;
	struct incident_db *db = NULL;
	struct mm_sink sink;
	struct redis_sink *s = NULL;
	struct fleet f;
	sqlite3_stmt *sel = NULL, *gone = NULL, *mark = NULL;
	int64_t since = 0, max_updated = 0;
	bool in_tx = false;
	int rc;

	if (!st)
		st = &local;
	memset(st, 0, sizeof(*st));
	memset(&f, 0, sizeof(f));
	memset(&sink, 0, sizeof(sink));
	f.st = st;
	f.sensor = sensor;
	mm_buf_init(&f.rec, 16u << 20);
	rc = incident_db_open(&db, db_path, diag);
	if (rc)
		goto out;
	f.db = db;
	rc = incidents_redis_sink_open(url, spool_path, &sink, diag);
	if (rc)
		goto out;
	s = sink.state;
	rc = MM_EIO;
	if (inc_exec(db, "BEGIN IMMEDIATE"))
		goto out;
	in_tx = true;
	if (inc_exec(db, fleet_schema) || fleet_store_id(db, f.store) ||
	    inc_prepare(db, "SELECT value FROM inc_state WHERE name='fleet_updated'", &mark))
		goto out;
	if (sqlite3_step(mark) == SQLITE_ROW)
		since = sqlite3_column_int64(mark, 0);
	sqlite3_finalize(mark);
	mark = NULL;
	max_updated = since;
	if (inc_prepare(db, "SELECT id, first_ts, last_ts, alerts, level, score, stages, label,"
			" summary, updated FROM inc_incidents WHERE updated>? AND alerts>0"
			" ORDER BY id", &sel) ||
	    inc_prepare(db, "SELECT f.incident_id, f.version FROM inc_fleet f LEFT JOIN inc_incidents i"
			" ON i.id=f.incident_id WHERE f.digest<>'deleted'"
			" AND (i.id IS NULL OR i.alerts=0) ORDER BY f.incident_id", &gone) ||
	    inc_prepare(db, "SELECT count(DISTINCT CASE WHEN json_valid(s.json)"
			" THEN json_remove(s.json, '$.event.ingested') ELSE s.json END)"
			" FROM inc_alerts a JOIN alerts s ON s.id=a.alert_id WHERE a.incident_id=?",
			&f.distinct) ||
	    inc_prepare(db, "SELECT e.kind, e.value FROM inc_links l CROSS JOIN inc_entities e"
			" ON e.id=l.entity_id WHERE l.incident_id=? AND e.role=?"
			" ORDER BY e.kind, e.value", &f.ents) ||
	    inc_prepare(db, "SELECT version, digest FROM inc_fleet WHERE incident_id=?", &f.get) ||
	    inc_prepare(db, "INSERT OR REPLACE INTO inc_fleet(incident_id, version, digest)"
			" VALUES(?,?,?)", &f.put))
		goto out;
	sqlite3_bind_int64(sel, 1, since);
	while (sqlite3_step(sel) == SQLITE_ROW) {
		int64_t upd = inc_col64(sel, 9);

		rc = fleet_one(&f, s, sel, inc_col64(sel, 0), upd);
		if (rc)
			goto out;
		max_updated = MM_MAX(max_updated, upd);
	}
	while (sqlite3_step(gone) == SQLITE_ROW) {
		rc = fleet_one(&f, s, NULL, inc_col64(gone, 0), mm_now_us());
		if (rc)
			goto out;
	}
	rc = MM_EIO;
	if (inc_prepare(db, "INSERT OR REPLACE INTO inc_state(name, value) VALUES('fleet_updated', ?)",
			&mark))
		goto out;
	sqlite3_bind_int64(mark, 1, max_updated);
	if (sqlite3_step(mark) != SQLITE_DONE)
		goto out;
	/* durable in the spool before inc_fleet says it was pushed */
	if (fsync(s->fd) != 0 || inc_exec(db, "COMMIT"))
		goto out;
	in_tx = false;
	rc = 0;
out:
	/* an error of the open calls is already described */
	if (rc && s)
		mm_diag_set(diag, rc, db_path, -1, -1, "incident updates for the stream: %s",
			    rc == MM_EIO ? sqlite3_errmsg(db->db) : mm_strerror(rc));
	if (in_tx)
		inc_exec(db, "ROLLBACK");
	sqlite3_finalize(sel);
	sqlite3_finalize(gone);
	sqlite3_finalize(mark);
	sqlite3_finalize(f.distinct);
	sqlite3_finalize(f.ents);
	sqlite3_finalize(f.get);
	sqlite3_finalize(f.put);
	mm_buf_release(&f.rec);
	if (s) {
		/* sends what is spooled (Redis away: it waits in the spool) */
		drain(s, true);
		st->pending = s->acked < s->size;
		sink_close(s);
	}
	incident_db_close(db);
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
	sqlite3_stmt *seen, *ins, *remote;
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

/* One incident update from a sensor: checked, deduplicated by stable id,
 * then kept in inc_remote if its version is newer than the one there. */
static int store_incident(struct collector *c, const char *id, size_t id_len, const char *json,
			  size_t len)
{
	json_t *root;
	json_error_t e;
	const char *store, *sensor;
	json_int_t incident, version;
	int rc = 0;

	root = json_loadb(json, len, 0, &e);
	store = json_string_value(json_object_get(root, "store"));
	sensor = json_string_value(json_object_get(root, "sensor"));
	incident = json_integer_value(json_object_get(root, "incident"));
	version = json_integer_value(json_object_get(root, "version"));
	if (!json_is_object(root) || !store || !*store || strlen(store) > 64 || incident <= 0 ||
	    version <= 0 || (sensor && strlen(sensor) > 255) ||
	    !json_is_boolean(json_object_get(root, "deleted"))) {
		c->st->bad++;
		goto out;
	}
	sqlite3_reset(c->seen);
	sqlite3_bind_text(c->seen, 1, id, (int)id_len, SQLITE_STATIC);
	sqlite3_bind_int64(c->seen, 2, mm_now_us());
	if (sqlite3_step(c->seen) != SQLITE_DONE) {
		rc = MM_EIO;
		goto out;
	}
	if (sqlite3_changes(c->db) == 0) {
		c->st->incident_dups++;
		goto out;
	}
	sqlite3_reset(c->remote);
	sqlite3_bind_text(c->remote, 1, store, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(c->remote, 2, (int64_t)incident);
	sqlite3_bind_int64(c->remote, 3, (int64_t)version);
	sqlite3_bind_text(c->remote, 4, sensor, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(c->remote, 5, json_is_true(json_object_get(root, "deleted")));
	sqlite3_bind_int64(c->remote, 6, mm_now_us());
	sqlite3_bind_text(c->remote, 7, json, (int)len, SQLITE_STATIC);
	if (sqlite3_step(c->remote) != SQLITE_DONE) {
		rc = MM_EIO;
		goto out;
	}
	if (sqlite3_changes(c->db) > 0)
		c->st->incidents++;
	else
		c->st->incident_stale++;
out:
	json_decref(root);
	return rc;
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
		if (type_len == 8 && !memcmp(type, "incident", 8)) {
			if (store_incident(c, id, id_len, json, json_len)) {
				sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
				out = MM_EIO;
				goto done;
			}
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
			 " received INTEGER);"
			 "CREATE TABLE IF NOT EXISTS inc_remote(store TEXT, incident_id INTEGER,"
			 " version INTEGER, sensor TEXT, deleted INTEGER, received INTEGER, json TEXT,"
			 " PRIMARY KEY(store, incident_id))", NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(c.db, "INSERT INTO inc_remote(store, incident_id, version, sensor,"
			       " deleted, received, json) VALUES(?,?,?,?,?,?,?)"
			       " ON CONFLICT(store, incident_id) DO UPDATE SET version=excluded.version,"
			       " sensor=excluded.sensor, deleted=excluded.deleted,"
			       " received=excluded.received, json=excluded.json"
			       " WHERE excluded.version > inc_remote.version", -1, &c.remote,
			       NULL) != SQLITE_OK ||
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
	sqlite3_finalize(c.remote);
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
