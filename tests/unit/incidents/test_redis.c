/*
 * test_redis.c — the fleet stream on a real redis-server on loopback
 * (random port, temporary directory, append-only file so that a restart
 * keeps the stream, as a production Redis would): two sensors push
 * through their sinks, `collect` builds the central store with every alert
 * once; Redis stopped in the middle of a run and restarted: the alerts
 * pushed meanwhile wait in the spool and arrive, in order, exactly once; a
 * lost acknowledgement (the .ack file removed) resends, and the stream's
 * markers keep the stream free of duplicates. Skipped without redis-server.
 */
#include "core/compat.h"
#include "incidents/internal.h"
#include "helpers.h"

#include <setjmp.h>
#include <cmocka.h>
#include <hiredis/hiredis.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct server {
	pid_t pid;
	int port;
	char dir[64];
};

static int server_start(struct server *s)
{
	char port[16];
	int i;

	s->pid = fork();
	if (s->pid < 0)
		return -1;
	snprintf(port, sizeof(port), "%d", s->port);
	if (s->pid == 0) {
		freopen("/dev/null", "w", stdout);
		execlp("redis-server", "redis-server", "--port", port, "--bind", "127.0.0.1",
		       "--save", "", "--appendonly", "yes", "--appendfsync", "always",
		       "--dir", s->dir, (char *)NULL);
		_exit(127);
	}
	for (i = 0; i < 100; i++) {
		struct timeval tv = { 0, 200000 };
		redisContext *c = redisConnectWithTimeout("127.0.0.1", s->port, tv);
		int ok = c && !c->err;
		int status;

		if (c)
			redisFree(c);
		if (ok)
			return 0;
		if (waitpid(s->pid, &status, WNOHANG) == s->pid)
			return -1;
		usleep(50000);
	}
	return -1;
}

static void server_stop(struct server *s)
{
	if (s->pid > 0) {
		kill(s->pid, SIGTERM);
		waitpid(s->pid, NULL, 0);
	}
	s->pid = 0;
}

static bool have_redis(void)
{
	return system("command -v redis-server >/dev/null 2>&1") == 0;
}

static long long xlen(struct server *s, const char *key)
{
	struct timeval tv = { 1, 0 };
	redisContext *c = redisConnectWithTimeout("127.0.0.1", s->port, tv);
	redisReply *r;
	long long n = -1;

	if (!c || c->err)
		return -1;
	r = redisCommand(c, "XLEN %s", key);
	if (r && r->type == REDIS_REPLY_INTEGER)
		n = r->integer;
	if (r)
		freeReplyObject(r);
	redisFree(c);
	return n;
}

static void push(struct mm_sink *k, const char *host, const char *victim, int from, int n)
{
	int i;
	char rule[64];
	struct mm_buf b;

	mm_buf_init(&b, 1u << 20);
	for (i = from; i < from + n; i++) {
		struct th_alert t;

		memset(&t, 0, sizeof(t));
		snprintf(rule, sizeof(rule), "mamori.test.r%d", i);
		t.ts_s = 1700000000 + i;
		t.module = "logs";
		t.host = host;
		t.src = victim;
		t.dst = "203.0.113.20";
		t.category = "miner";
		t.level = MM_LEVEL_HIGH;
		t.rule = rule;
		mm_buf_reset(&b);
		assert_int_equal(th_json(&t, &b), 0);
		assert_int_equal(k->alert(k->state, NULL, b.ptr, b.len), 0);
	}
	mm_buf_release(&b);
}

static int64_t count(const char *db, const char *sql)
{
	sqlite3 *h = NULL;
	sqlite3_stmt *s = NULL;
	int64_t n = -1;

	if (sqlite3_open(db, &h) == SQLITE_OK && sqlite3_prepare_v2(h, sql, -1, &s, NULL) == SQLITE_OK &&
	    sqlite3_step(s) == SQLITE_ROW)
		n = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	sqlite3_close(h);
	return n;
}

static struct server srv;

/* an assertion longjmps out of the test: never leave the server behind */
static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	server_stop(&srv);
	if (srv.dir[0]) {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", srv.dir);
		if (system(cmd) != 0)
			return -1;
	}
	return 0;
}

static void test_fleet(void **state)
{
	struct mm_sink s1, s2;
	struct incidents_collect_opts o;
	struct incidents_collect_stats st;
	char url[128], spool1[128], spool2[128], central[128], cmd[256];
	struct mm_diag d;

	(void)state;
	if (!have_redis())
		skip();
	memset(&srv, 0, sizeof(srv));
	snprintf(srv.dir, sizeof(srv.dir), "/tmp/mm-redis-XXXXXX");
	assert_non_null(mkdtemp(srv.dir));
	srand((unsigned)time(NULL) ^ (unsigned)getpid());
	/* below Linux's ephemeral range (32768+), which tests running in
	 * parallel (10,000 client connections in honeypot_abuse) may fill;
	 * a port still taken makes redis-server exit: try another */
	{
		int tries = 0, rc;

		do {
			srv.port = 20000 + rand() % 12000;
			rc = server_start(&srv);
		} while (rc != 0 && ++tries < 10);
		assert_int_equal(rc, 0);
	}
	snprintf(url, sizeof(url), "redis://127.0.0.1:%d/mm:test", srv.port);
	snprintf(spool1, sizeof(spool1), "%s/s1.spool", srv.dir);
	snprintf(spool2, sizeof(spool2), "%s/s2.spool", srv.dir);
	snprintf(central, sizeof(central), "%s/central.db", srv.dir);
	memset(&o, 0, sizeof(o));
	o.block_ms = 100;
	o.idle_ms = 300;

	/* two sensors */
	assert_int_equal(incidents_redis_sink_open(url, spool1, &s1, &d), 0);
	assert_int_equal(incidents_redis_sink_open(url, spool2, &s2, &d), 0);
	push(&s1, "sensor-a", "192.0.2.5", 0, 300);
	push(&s2, "sensor-b", "192.0.2.6", 0, 200);
	assert_int_equal(s1.flush(s1.state), 0);
	assert_int_equal(s2.flush(s2.state), 0);
	assert_int_equal(xlen(&srv, "mm:test"), 500);
	assert_int_equal(incidents_collect(url, central, &o, &st, &d), 0);
	assert_int_equal(st.stored, 500);
	assert_int_equal(count(central, "SELECT count(*) FROM alerts"), 500);

	/* fault: Redis goes away in the middle of sensor a's run */
	push(&s1, "sensor-a", "192.0.2.5", 300, 100);
	assert_int_equal(s1.flush(s1.state), 0);
	server_stop(&srv);
	push(&s1, "sensor-a", "192.0.2.5", 400, 700);	/* spooled, batches fail */
	assert_int_equal(s1.flush(s1.state), 0);	/* not an error: spooled */
	assert_int_equal(server_start(&srv), 0);	/* the stream survives (AOF) */
	usleep(1100 * 1000);	/* past the reconnect back-off */
	push(&s1, "sensor-a", "192.0.2.5", 1100, 50);
	assert_int_equal(s1.flush(s1.state), 0);
	/* everything arrived once: what was confirmed before the stop is not
	 * sent again, the rest came from the spool */
	assert_int_equal(xlen(&srv, "mm:test"), 500 + 100 + 700 + 50);
	s1.close(s1.state);
	s2.close(s2.state);
	assert_int_equal(incidents_collect(url, central, &o, &st, &d), 0);
	assert_int_equal(st.stored, 100 + 700 + 50);
	assert_int_equal(st.duplicates, 0);

	/* a lost acknowledgement: the sink resends, the markers drop them */
	snprintf(cmd, sizeof(cmd), "%s.ack", spool1);
	unlink(cmd);
	assert_int_equal(incidents_redis_sink_open(url, spool1, &s1, &d), 0);
	s1.close(s1.state);
	assert_int_equal(xlen(&srv, "mm:test"), 1350);
	assert_int_equal(incidents_collect(url, central, &o, &st, &d), 0);
	assert_int_equal(st.stored, 0);
	assert_int_equal(count(central, "SELECT count(*) FROM alerts"), 1350);
	assert_int_equal(count(central, "SELECT count(DISTINCT json) FROM alerts"), 1350);
	/* in order: sensor a's alerts were added in the order it made them */
	assert_int_equal(count(central, "SELECT count(*) FROM alerts a JOIN alerts b ON a.host=b.host"
			       " AND a.id < b.id AND a.ts > b.ts"), 0);
	/* incidents across sensors: one per victim */
	assert_int_equal(incidents_update(central, NULL, &d), 0);
	assert_int_equal(count(central, "SELECT count(*) FROM inc_incidents WHERE alerts>0"), 2);
}

/* Starts srv on a free port below the ephemeral range (see test_fleet). */
static void start_any(void)
{
	int tries = 0, rc;

	memset(&srv, 0, sizeof(srv));
	snprintf(srv.dir, sizeof(srv.dir), "/tmp/mm-redis-XXXXXX");
	assert_non_null(mkdtemp(srv.dir));
	srand((unsigned)time(NULL) ^ (unsigned)getpid());
	do {
		srv.port = 20000 + rand() % 12000;
		rc = server_start(&srv);
	} while (rc != 0 && ++tries < 10);
	assert_int_equal(rc, 0);
}

static void add_alerts(const char *db, const char *host, int from, int n)
{
	struct mm_store *st = NULL;
	struct mm_diag d;
	int64_t run;
	struct mm_store_run r;
	int i;

	assert_int_equal(mm_store_open(&st, db, &d), 0);
	memset(&r, 0, sizeof(r));
	r.started_us = 1;
	r.command = "test";
	r.status = "running";
	assert_int_equal(mm_store_run_begin(st, &r, &run), 0);
	for (i = from; i < from + n; i++) {
		char rule[32];

		snprintf(rule, sizeof(rule), "mamori.test.r%d", i);
		assert_int_equal(th_add(st, run, &(struct th_alert){ .ts_s = 1700000000 + i,
			.module = "logs", .host = host, .tactic = "execution",
			.level = MM_LEVEL_HIGH, .rule = rule }), 0);
	}
	mm_store_close(st);
}

/* The records of type t on the stream. */
static long long xcount(const char *key, const char *t)
{
	struct timeval tv = { 1, 0 };
	redisContext *c = redisConnectWithTimeout("127.0.0.1", srv.port, tv);
	redisReply *r;
	long long n = -1;
	size_t i, k;

	if (!c || c->err)
		return -1;
	r = redisCommand(c, "XRANGE %s - +", key);
	if (r && r->type == REDIS_REPLY_ARRAY) {
		n = 0;
		for (i = 0; i < r->elements; i++) {
			redisReply *f = r->element[i]->element[1];

			for (k = 0; k + 1 < f->elements; k += 2)
				if (!strcmp(f->element[k]->str, "type") && !strcmp(f->element[k + 1]->str, t))
					n++;
		}
	}
	if (r)
		freeReplyObject(r);
	redisFree(c);
	return n;
}

/* Incident updates: pushed when an incident is new or changed, not when a
 * re-scan of the same evidence adds the same alerts again; spooled while
 * Redis is away and sent exactly once when it is back, also after a lost
 * acknowledgement; the collector keeps the latest version of each and
 * recognises a duplicate; an incident regrouped away is pushed as
 * deleted. */
static void test_incident_updates(void **state)
{
	struct incidents_push_stats ps;
	struct incidents_collect_opts o;
	struct incidents_collect_stats st;
	struct incident_db *db = NULL;
	char url[128], spool[200], sensor[160], central[160], ack[220];
	struct mm_diag d;

	(void)state;
	if (!have_redis())
		skip();
	start_any();
	snprintf(url, sizeof(url), "redis://127.0.0.1:%d/mm:inc", srv.port);
	snprintf(sensor, sizeof(sensor), "%s/sensor.db", srv.dir);
	snprintf(spool, sizeof(spool), "%s.redis-spool", sensor);
	snprintf(ack, sizeof(ack), "%s.ack", spool);
	snprintf(central, sizeof(central), "%s/central.db", srv.dir);
	memset(&o, 0, sizeof(o));
	o.block_ms = 100;
	o.idle_ms = 300;

	/* a scan: two hosts, two incidents, two updates */
	add_alerts(sensor, "ws-a", 0, 3);
	add_alerts(sensor, "ws-b", 100, 2);
	assert_int_equal(incidents_update(sensor, NULL, &d), 0);
	assert_int_equal(incidents_redis_push_incidents(url, spool, sensor, "s1", &ps, &d), 0);
	assert_int_equal(ps.updates, 2);
	assert_false(ps.pending);
	assert_int_equal(xcount("mm:inc", "incident"), 2);
	/* nothing changed: nothing sent */
	assert_int_equal(incidents_redis_push_incidents(url, spool, sensor, "s1", &ps, &d), 0);
	assert_int_equal(ps.updates + ps.unchanged, 0);
	/* the same evidence scanned again: the store holds the alerts twice,
	 * the incidents are recomputed, their content is the same */
	add_alerts(sensor, "ws-a", 0, 3);
	add_alerts(sensor, "ws-b", 100, 2);
	assert_int_equal(incidents_update(sensor, NULL, &d), 0);
	assert_int_equal(incidents_redis_push_incidents(url, spool, sensor, "s1", &ps, &d), 0);
	assert_int_equal(ps.updates, 0);
	assert_int_equal(ps.unchanged, 2);
	assert_int_equal(xcount("mm:inc", "incident"), 2);

	/* Redis away during the next scan: the update waits in the spool */
	server_stop(&srv);
	add_alerts(sensor, "ws-a", 3, 1);
	assert_int_equal(incidents_update(sensor, NULL, &d), 0);
	assert_int_equal(incidents_redis_push_incidents(url, spool, sensor, "s1", &ps, &d), 0);
	assert_int_equal(ps.updates, 1);
	assert_true(ps.pending);
	assert_int_equal(server_start(&srv), 0);
	/* the next run sends it first, once */
	assert_int_equal(incidents_redis_push_incidents(url, spool, sensor, "s1", &ps, &d), 0);
	assert_int_equal(ps.updates, 0);
	assert_false(ps.pending);
	assert_int_equal(xcount("mm:inc", "incident"), 3);
	/* a lost acknowledgement: all resent, the markers drop them */
	unlink(ack);
	assert_int_equal(incidents_redis_push_incidents(url, spool, sensor, "s1", &ps, &d), 0);
	assert_int_equal(xcount("mm:inc", "incident"), 3);

	/* the central side: the latest version of each incident */
	assert_int_equal(incidents_collect(url, central, &o, &st, &d), 0);
	assert_int_equal(st.incidents, 3);
	assert_int_equal(st.incident_dups + st.incident_stale + st.bad, 0);
	assert_int_equal(count(central, "SELECT count(*) FROM inc_remote"), 2);
	/* ws-a: 4 distinct alerts (7 rows in the sensor's store) */
	assert_int_equal(count(central, "SELECT json_extract(json, '$.alert_count') FROM inc_remote"
			       " WHERE json_extract(json, '$.label')='ws-a'"), 4);
	assert_int_equal(count(central, "SELECT count(*) FROM inc_remote WHERE sensor='s1'"
			       " AND version>0 AND deleted=0"), 2);
	/* the same record once more on the stream (past the markers) */
	{
		struct timeval tv = { 1, 0 };
		redisContext *c = redisConnectWithTimeout("127.0.0.1", srv.port, tv);
		redisReply *r;

		assert_non_null(c);
		r = redisCommand(c, "XRANGE mm:inc - + COUNT 1");
		assert_non_null(r);
		assert_int_equal(r->type, REDIS_REPLY_ARRAY);
		{
			redisReply *f = r->element[0]->element[1], *a;

			a = redisCommand(c, "XADD mm:inc * type %s id %s json %s", f->element[1]->str,
					 f->element[3]->str, f->element[5]->str);
			assert_non_null(a);
			freeReplyObject(a);
		}
		freeReplyObject(r);
		redisFree(c);
	}
	assert_int_equal(incidents_collect(url, central, &o, &st, &d), 0);
	assert_int_equal(st.incidents, 0);
	assert_int_equal(st.incident_dups, 1);

	/* an alias regroups everything: the two incidents are gone (new ids) */
	assert_int_equal(incident_db_open(&db, sensor, &d), 0);
	assert_int_equal(incident_db_alias(db, "ws-a", "192.0.2.77", &d), 0);
	incident_db_close(db);
	assert_int_equal(incidents_update(sensor, NULL, &d), 0);
	assert_int_equal(incidents_redis_push_incidents(url, spool, sensor, "s1", &ps, &d), 0);
	assert_int_equal(ps.deleted, 2);
	assert_int_equal(ps.updates, 2);
	/* said once */
	assert_int_equal(incidents_redis_push_incidents(url, spool, sensor, "s1", &ps, &d), 0);
	assert_int_equal(ps.deleted + ps.updates + ps.unchanged, 0);
	assert_int_equal(incidents_collect(url, central, &o, &st, &d), 0);
	assert_int_equal(st.incidents, 4);
	assert_int_equal(count(central, "SELECT count(*) FROM inc_remote WHERE deleted=1"), 2);
	assert_int_equal(count(central, "SELECT count(*) FROM inc_remote WHERE deleted=0"), 2);
}

static void test_url(void **state)
{
	char host[64], key[64];
	int port;

	(void)state;
	assert_int_equal(incidents_redis_url("redis://10.0.0.1:6380/s:k", host, sizeof(host), &port,
					     key, sizeof(key)), 0);
	assert_string_equal(host, "10.0.0.1");
	assert_int_equal(port, 6380);
	assert_string_equal(key, "s:k");
	assert_int_equal(incidents_redis_url("[::1]:7000", host, sizeof(host), &port, key, sizeof(key)), 0);
	assert_string_equal(host, "::1");
	assert_int_equal(port, 7000);
	assert_string_equal(key, "mamori:alerts");
	assert_int_equal(incidents_redis_url("redis://h:0", host, sizeof(host), &port, key, sizeof(key)),
			 MM_EINVAL);
	assert_int_equal(incidents_redis_url("redis://:1", host, sizeof(host), &port, key, sizeof(key)),
			 MM_EINVAL);
	assert_int_equal(incidents_redis_url("h:12x", host, sizeof(host), &port, key, sizeof(key)),
			 MM_EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_url),
		cmocka_unit_test_teardown(test_fleet, teardown),
		cmocka_unit_test_teardown(test_incident_updates, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
