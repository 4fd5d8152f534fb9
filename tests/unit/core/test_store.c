/*
 * test_store.c — the SQLite store (src/core/store.h): schema creation and
 * reopening, runs, alert and skip inserts, every query filter (time, level,
 * rule exact and prefix, engine, host, run, latest run, limit), the
 * file_state behind --changed (asked in SQLite, or loaded into memory),
 * batching across more rows than one batch,
 * what a second connection sees after a commit (an interrupted scan's
 * rows), and refusal of a database from a newer mamori.
 */
#include "core/compat.h"

#include <setjmp.h>
#include <cmocka.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/core.h"

static char dir[256];
static char db[512];

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/mm-test-store-XXXXXX");
	assert_non_null(mkdtemp(dir));
	/* a folder that does not exist yet: the store makes it */
	snprintf(db, sizeof(db), "%s/sub/dir/mamori.db", dir);
	return 0;
}

static int teardown(void **state)
{
	char cmd[600];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == -1;
}

static int64_t begin(struct mm_store *st)
{
	struct mm_store_run r;
	int64_t id = 0;

	memset(&r, 0, sizeof(r));
	r.started_us = 1000000;
	r.command = "scan";
	r.args = "scan /x";
	r.host = "h";
	r.version = MM_VERSION;
	assert_int_equal(mm_store_run_begin(st, &r, &id), 0);
	assert_true(id > 0);
	return id;
}

static void add(struct mm_store *st, int64_t run, const char *rule, enum mm_level l,
		int64_t ts, const char *engine, const char *host)
{
	struct mm_alert a;
	char json[256];

	mm_alert_init(&a);
	a.rule_id = rule;
	a.has_level = 1;
	a.level = l;
	a.timestamp_us = ts;
	a.module = engine;
	a.host_name = host;
	a.file_path = "/evidence/x";
	snprintf(json, sizeof(json), "{\"rule\":{\"id\":\"%s\"}}", rule);
	assert_int_equal(mm_store_add_alert(st, run, &a, json, strlen(json), 5, "default-host"),
			 0);
}

struct rows {
	size_t n;
	char ids[32][96];
};

static int collect(void *arg, const struct mm_store_row *r)
{
	struct rows *rows = arg;

	if (rows->n < 32)
		snprintf(rows->ids[rows->n], sizeof(rows->ids[0]), "%s", r->rule_id);
	rows->n++;
	return 0;
}

static struct mm_store_query any(void)
{
	struct mm_store_query q;

	memset(&q, 0, sizeof(q));
	q.min_level = -1;
	return q;
}

static size_t run_query(struct mm_store *st, const struct mm_store_query *q, struct rows *rows)
{
	memset(rows, 0, sizeof(*rows));
	assert_int_equal(mm_store_query_alerts(st, q, collect, rows), 0);
	return rows->n;
}

static void test_insert_and_query(void **state)
{
	struct mm_store *st = NULL;
	struct mm_store_query q;
	struct mm_store_run end;
	struct mm_diag d;
	struct rows rows;
	int64_t run1, run2;

	(void)state;
	mm_diag_init(&d);
	assert_int_equal(mm_store_open(&st, db, &d), 0);
	run1 = begin(st);
	add(st, run1, "mamori.net.smb.eternalblue", MM_LEVEL_CRITICAL, 3000, "net", "a");
	add(st, run1, "mamori.net.stratum.login", MM_LEVEL_HIGH, 1000, "net", NULL);
	add(st, run1, "yara:miners:xmrig", MM_LEVEL_MEDIUM, 2000, "files", "b");
	assert_int_equal(mm_store_add_skip(st, run1, "/evidence/fifo", MM_SKIP_NOT_REGULAR, false,
					   "not a regular file: fifo"), 0);
	memset(&end, 0, sizeof(end));
	end.finished_us = 2000000;
	end.status = "done";
	end.alerts = 3;
	assert_int_equal(mm_store_run_end(st, run1, &end), 0);
	run2 = begin(st);
	add(st, run2, "sigma:0001", MM_LEVEL_LOW, 0, "logs", "a");
	assert_int_equal(mm_store_count(st, "alerts"), 4);
	assert_int_equal(mm_store_count(st, "skips"), 1);
	assert_int_equal(mm_store_count(st, "runs"), 2);
	assert_int_equal(mm_store_count(st, "no such table; drop"), -1);

	q = any();
	assert_int_equal(run_query(st, &q, &rows), 4);
	/* oldest activity first; alerts without a time last */
	assert_string_equal(rows.ids[0], "mamori.net.stratum.login");
	assert_string_equal(rows.ids[1], "yara:miners:xmrig");
	assert_string_equal(rows.ids[2], "mamori.net.smb.eternalblue");
	assert_string_equal(rows.ids[3], "sigma:0001");
	q = any();
	q.min_level = MM_LEVEL_HIGH;
	assert_int_equal(run_query(st, &q, &rows), 2);
	q = any();
	q.since_us = 2000;
	q.until_us = 3000;
	assert_int_equal(run_query(st, &q, &rows), 1);
	assert_string_equal(rows.ids[0], "yara:miners:xmrig");
	q = any();
	q.rule = "mamori.net.*";
	assert_int_equal(run_query(st, &q, &rows), 2);
	q.rule = "mamori.net.smb.eternalblue";
	assert_int_equal(run_query(st, &q, &rows), 1);
	q.rule = "mamori.net.smb";
	assert_int_equal(run_query(st, &q, &rows), 0);
	/* GLOB metacharacters in a prefix are taken literally */
	q.rule = "[m]*";
	assert_int_equal(run_query(st, &q, &rows), 0);
	q = any();
	q.engine = "files";
	assert_int_equal(run_query(st, &q, &rows), 1);
	q = any();
	q.host = "default-host";	/* the alert without host.name got the default */
	assert_int_equal(run_query(st, &q, &rows), 1);
	assert_string_equal(rows.ids[0], "mamori.net.stratum.login");
	q = any();
	q.run_id = run1;
	assert_int_equal(run_query(st, &q, &rows), 3);
	q.run_id = -1;
	assert_int_equal(run_query(st, &q, &rows), 1);
	assert_string_equal(rows.ids[0], "sigma:0001");
	q = any();
	q.limit = 2;
	assert_int_equal(run_query(st, &q, &rows), 2);
	q.rule = "x' OR 1=1 --";	/* parameters, not SQL text */
	assert_int_equal(run_query(st, &q, &rows), 0);
	mm_store_close(st);

	/* reopening keeps everything and does not migrate twice */
	assert_int_equal(mm_store_open(&st, db, &d), 0);
	assert_int_equal(mm_store_count(st, "alerts"), 4);
	mm_store_close(st);
	mm_store_close(NULL);
}

static void test_uncommitted_batch_is_committed_on_close(void **state)
{
	struct mm_store *st = NULL;
	struct mm_diag d;
	sqlite3 *other = NULL;
	sqlite3_stmt *s = NULL;
	char path[600];
	int64_t run;

	(void)state;
	snprintf(path, sizeof(path), "%s/batch.db", dir);
	assert_int_equal(mm_store_open(&st, path, &d), 0);
	run = begin(st);
	/* more rows than one batch, then close without an explicit commit
	 * (what an interrupted scan does) */
	for (int i = 0; i < MM_STORE_BATCH + 10; i++)
		add(st, run, "mamori.test.many", MM_LEVEL_LOW, i + 1, "files", NULL);
	mm_store_close(st);
	assert_int_equal(sqlite3_open_v2(path, &other, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(other, "SELECT COUNT(*) FROM alerts", -1, &s, NULL),
			 SQLITE_OK);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(s, 0), MM_STORE_BATCH + 10);
	sqlite3_finalize(s);
	/* WAL mode */
	assert_int_equal(sqlite3_prepare_v2(other, "PRAGMA journal_mode", -1, &s, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	assert_string_equal((const char *)sqlite3_column_text(s, 0), "wal");
	sqlite3_finalize(s);
	sqlite3_close(other);
}

static void test_file_state(void **state)
{
	struct mm_store *st = NULL;
	struct mm_input in;
	struct mm_diag d;
	char path[600];

	(void)state;
	snprintf(path, sizeof(path), "%s/state.db", dir);
	assert_int_equal(mm_store_open(&st, path, &d), 0);
	memset(&in, 0, sizeof(in));
	in.dev = 0xfd01;
	in.ino = UINT64_C(0xffffffffffff0001);	/* above INT64_MAX must still work */
	in.size = 100;
	in.mtime_us = 1234;
	assert_false(mm_store_file_unchanged(st, &in, "rs1"));
	assert_int_equal(mm_store_file_examined(st, &in, "rs1", 1), 0);
	assert_true(mm_store_file_unchanged(st, &in, "rs1"));
	assert_false(mm_store_file_unchanged(st, &in, "rs2"));	/* rules changed */
	in.mtime_us = 1235;
	assert_false(mm_store_file_unchanged(st, &in, "rs1"));	/* file changed */
	in.mtime_us = 1234;
	in.size = 101;
	assert_false(mm_store_file_unchanged(st, &in, "rs1"));
	in.size = 100;
	mm_store_close(st);
	assert_int_equal(mm_store_open(&st, path, &d), 0);
	assert_true(mm_store_file_unchanged(st, &in, "rs1"));
	mm_store_close(st);
}

/* A deferred run: dropped when it wrote nothing (the store file is then
 * never written: no WAL is left to checkpoint); written with its first
 * row otherwise, under the id every later row gets */
static void test_deferred_run(void **state)
{
	struct mm_store *st = NULL;
	struct mm_store_run r, end;
	struct mm_input in;
	struct mm_diag d;
	struct stat sb;
	char path[600], wal[620];
	int64_t id = 0, first;
	off_t size;

	(void)state;
	snprintf(path, sizeof(path), "%s/defer.db", dir);
	snprintf(wal, sizeof(wal), "%s-wal", path);
	memset(&r, 0, sizeof(r));
	r.started_us = 7000000;
	r.command = "scan";
	r.args = "scan --changed /x";
	r.host = "h";
	r.version = MM_VERSION;
	memset(&end, 0, sizeof(end));
	end.finished_us = 8000000;
	end.status = "done";
	assert_int_equal(mm_store_open(&st, path, &d), 0);
	first = begin(st);
	mm_store_close(st);
	assert_int_equal(stat(path, &sb), 0);
	size = sb.st_size;

	/* nothing written: no row, the file untouched, no WAL left */
	assert_int_equal(mm_store_open(&st, path, &d), 0);
	assert_int_equal(mm_store_run_defer(st, &r, &id), 0);
	assert_int_equal(id, MM_STORE_RUN_DEFERRED);
	assert_int_equal(mm_store_run_defer(st, &r, &id), MM_ESTATE);	/* one at a time */
	assert_int_equal(mm_store_run_drop(st, 5), MM_EINVAL);
	assert_int_equal(mm_store_run_drop(st, id), 0);
	assert_int_equal(mm_store_count(st, "runs"), 1);
	mm_store_close(st);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_size, size);
	assert_int_equal(stat(wal, &sb), -1);

	/* the first write makes the row; later rows and the end use its id */
	assert_int_equal(mm_store_open(&st, path, &d), 0);
	assert_int_equal(mm_store_run_defer(st, &r, &id), 0);
	memset(&in, 0, sizeof(in));
	in.dev = 1;
	in.ino = 2;
	in.size = 3;
	assert_int_equal(mm_store_file_examined(st, &in, "rs", id), 0);
	add(st, id, "yara:x:y", MM_LEVEL_HIGH, 1, "files", "a");
	assert_int_equal(mm_store_add_skip(st, id, "/x/fifo", MM_SKIP_NOT_REGULAR, false, "fifo"),
			 0);
	assert_int_equal(mm_store_run_drop(st, id), MM_ESTATE);
	assert_int_equal(mm_store_run_end(st, id, &end), 0);
	assert_int_equal(mm_store_count(st, "runs"), 2);
	mm_store_close(st);
	{
		sqlite3 *db3 = NULL;
		sqlite3_stmt *q = NULL;

		assert_int_equal(sqlite3_open(path, &db3), SQLITE_OK);
		assert_int_equal(sqlite3_prepare_v2(db3,
				 "SELECT (SELECT MAX(id) FROM runs), (SELECT status FROM runs"
				 " ORDER BY id DESC LIMIT 1), (SELECT started FROM runs ORDER BY id"
				 " DESC LIMIT 1), (SELECT args FROM runs ORDER BY id DESC LIMIT 1),"
				 " (SELECT run_id FROM alerts), (SELECT run_id FROM skips),"
				 " (SELECT last_run FROM file_state)", -1, &q, NULL), SQLITE_OK);
		assert_int_equal(sqlite3_step(q), SQLITE_ROW);
		assert_int_equal(sqlite3_column_int64(q, 0), first + 1);
		assert_string_equal((const char *)sqlite3_column_text(q, 1), "done");
		assert_int_equal(sqlite3_column_int64(q, 2), 7000000);
		assert_string_equal((const char *)sqlite3_column_text(q, 3), "scan --changed /x");
		for (int c = 4; c <= 6; c++)
			assert_int_equal(sqlite3_column_int64(q, c), first + 1);
		sqlite3_finalize(q);
		sqlite3_close(db3);
	}
}

/* --changed on many files: the rows of the current rule sets in memory */
static void test_file_state_loaded(void **state)
{
	const char *const ids[] = { "rs1", "rs2" };
	struct mm_store *st = NULL;
	struct mm_input in;
	struct mm_diag d;
	char path[600];

	(void)state;
	snprintf(path, sizeof(path), "%s/state-mem.db", dir);
	assert_int_equal(mm_store_open(&st, path, &d), 0);
	memset(&in, 0, sizeof(in));
	/* without a load nothing is known from memory */
	assert_int_equal(mm_store_file_state_loaded(st), 0);
	assert_false(mm_store_file_unchanged_any(st, &in));
	in.dev = 0xfd01;
	for (uint64_t i = 0; i < 3000; i++) {
		in.ino = UINT64_C(0xffffffffffff0000) + i;
		in.size = 100 + i;
		in.mtime_us = 5000 + (int64_t)i;
		assert_int_equal(mm_store_file_examined(st, &in, "rs1", 1), 0);
	}
	in.ino = 7;
	in.size = 7;
	in.mtime_us = 7;
	assert_int_equal(mm_store_file_examined(st, &in, "rs2", 1), 0);
	in.ino = 8;
	assert_int_equal(mm_store_file_examined(st, &in, "old-rules", 1), 0);
	assert_int_equal(mm_store_commit(st), 0);
	mm_store_close(st);

	assert_int_equal(mm_store_open(&st, path, &d), 0);
	assert_int_equal(mm_store_file_state_load(st, ids, 2), 0);
	assert_int_equal(mm_store_file_state_loaded(st), 3001);	/* not "old-rules" */
	for (uint64_t i = 0; i < 3000; i++) {
		in.ino = UINT64_C(0xffffffffffff0000) + i;
		in.size = 100 + i;
		in.mtime_us = 5000 + (int64_t)i;
		assert_true(mm_store_file_unchanged_any(st, &in));
		assert_true(mm_store_file_unchanged(st, &in, "rs1"));
		assert_false(mm_store_file_unchanged(st, &in, "rs2"));
	}
	in.ino = UINT64_C(0xffffffffffff0000);
	in.size = 100;
	in.mtime_us = 5001;	/* touched */
	assert_false(mm_store_file_unchanged_any(st, &in));
	in.mtime_us = 5000;
	in.size = 99;		/* shrank */
	assert_false(mm_store_file_unchanged_any(st, &in));
	in.dev = 0xfd02;	/* another device */
	in.size = 100;
	assert_false(mm_store_file_unchanged_any(st, &in));
	in.dev = 0xfd01;
	in.ino = 7;
	in.size = 7;
	in.mtime_us = 7;
	assert_true(mm_store_file_unchanged_any(st, &in));
	assert_true(mm_store_file_unchanged(st, &in, "rs2"));
	/* examined under rules that are not current: changed for the
	 * in-memory check, still answered by SQLite for its own id */
	in.ino = 8;
	assert_false(mm_store_file_unchanged_any(st, &in));
	assert_true(mm_store_file_unchanged(st, &in, "old-rules"));
	in.ino = 9;
	assert_false(mm_store_file_unchanged_any(st, &in));
	mm_store_close(st);
}

static void test_newer_schema_refused(void **state)
{
	struct mm_store *st = NULL;
	struct mm_diag d;
	sqlite3 *h = NULL;
	char path[600];

	(void)state;
	snprintf(path, sizeof(path), "%s/newer.db", dir);
	assert_int_equal(sqlite3_open(path, &h), SQLITE_OK);
	assert_int_equal(sqlite3_exec(h, "CREATE TABLE schema_version(version INTEGER NOT NULL);"
				      "INSERT INTO schema_version VALUES(99);", NULL, NULL, NULL),
			 SQLITE_OK);
	sqlite3_close(h);
	mm_diag_init(&d);
	assert_int_equal(mm_store_open(&st, path, &d), MM_EUNSUPPORTED);
	assert_null(st);
	assert_non_null(strstr(d.reason, "newer"));
	/* not a database at all */
	snprintf(path, sizeof(path), "%s/garbage.db", dir);
	{
		FILE *f = fopen(path, "w");

		assert_non_null(f);
		fputs("this is not an SQLite database, just some text that is long enough\n", f);
		fclose(f);
	}
	assert_true(mm_store_open(&st, path, &d) < 0);
	assert_null(st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_insert_and_query),
		cmocka_unit_test(test_uncommitted_batch_is_committed_on_close),
		cmocka_unit_test(test_file_state),
		cmocka_unit_test(test_file_state_loaded),
		cmocka_unit_test(test_deferred_run),
		cmocka_unit_test(test_newer_schema_refused),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
