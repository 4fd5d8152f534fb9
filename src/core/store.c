/*
 * store.c — the SQLite alert store (see store.h).
 *
 * One connection, one mutex, prepared statements kept for the hot inserts.
 * Migrations are an ordered list of SQL scripts; schema_version holds how
 * many have been applied. A database newer than this program is refused
 * rather than guessed at.
 *
 * `scan --changed` on a large tree asks about every file: after
 * mm_store_file_state_load() the rows of file_state examined under the
 * current rule sets sit in an open-addressing hash table keyed by
 * (dev, ino), read without the mutex and without SQLite (the table is
 * never written after the load; the examined() updates go to SQLite only).
 * At most STATE_MAX_ROWS rows are loaded; past that the table is dropped
 * and every lookup asks SQLite, as without a load.
 *
 * A deferred run (mm_store_run_defer) keeps its row in memory, with copies
 * of its strings, until a write names it (run_id_locked() inserts the row
 * first, inside the same batch), so that a run with nothing to write can
 * be dropped without ever opening a write transaction.
 */
#include "core/compat.h"
#include "core/store.h"

#include <errno.h>
#include <pthread.h>
#include <sqlite3.h>
#include <sys/stat.h>

#include "core/time.h"

static const char *const migrations[] = {
	/* 1 */
	"CREATE TABLE runs(id INTEGER PRIMARY KEY, started INTEGER, finished INTEGER,"
	" command TEXT, args TEXT, host TEXT, version TEXT, status TEXT,"
	" inputs INTEGER, examined INTEGER, skipped INTEGER, partial INTEGER,"
	" alerts INTEGER, bytes INTEGER);"
	"CREATE TABLE alerts(id INTEGER PRIMARY KEY, run_id INTEGER REFERENCES runs(id),"
	" ts INTEGER, ingested INTEGER, level INTEGER, severity INTEGER, rule_id TEXT,"
	" engine TEXT, host TEXT, path TEXT, src_ip TEXT, dst_ip TEXT, json TEXT NOT NULL);"
	"CREATE INDEX alerts_ts ON alerts(ts);"
	"CREATE INDEX alerts_rule ON alerts(rule_id);"
	"CREATE INDEX alerts_level ON alerts(level);"
	"CREATE INDEX alerts_host ON alerts(host);"
	"CREATE INDEX alerts_run ON alerts(run_id);"
	"CREATE TABLE skips(id INTEGER PRIMARY KEY, run_id INTEGER REFERENCES runs(id),"
	" path TEXT, reason TEXT, detail TEXT, partial INTEGER);"
	"CREATE INDEX skips_run ON skips(run_id);"
	"CREATE TABLE file_state(dev INTEGER, ino INTEGER, size INTEGER, mtime_us INTEGER,"
	" ruleset_id TEXT, last_run INTEGER, PRIMARY KEY(dev, ino)) WITHOUT ROWID;",
};

struct mm_store {
	sqlite3 *db;
	pthread_mutex_t lock;
	bool in_tx;
	unsigned pending;
	int64_t tx_started_us;
	sqlite3_stmt *ins_alert, *ins_skip, *sel_state, *put_state;
	struct state_table *state;	/* file_state in memory, after a load */
	/* the deferred run (mm_store_run_defer): its start fields with
	 * owned copies of the strings, and its row id once written (0
	 * before) */
	bool deferred;
	int64_t deferred_id;
	struct mm_store_run def;
	char *def_str[4];
};

static void deferred_clear(struct mm_store *st);

static void state_free(struct state_table *t);

static int db_err(sqlite3 *db, struct mm_diag *d, const char *path, const char *what)
{
	return mm_diag_set(d, MM_EDEP, path, -1, -1, "%s: %s", what,
			   db ? sqlite3_errmsg(db) : "cannot allocate");
}

/* mkdir -p of the parent directory of path. */
static int make_parents(const char *path)
{
	char buf[4096];
	size_t n = strlen(path);

	if (n >= sizeof(buf))
		return MM_ELIMIT;
	memcpy(buf, path, n + 1);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0700) != 0 && errno != EEXIST)
			return mm_from_errno(errno);
		*p = '/';
	}
	return 0;
}

static int exec(sqlite3 *db, const char *sql)
{
	return sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK ? 0 : MM_EDEP;
}

static int migrate(struct mm_store *st, const char *path, struct mm_diag *d)
{
	sqlite3_stmt *q = NULL;
	int64_t have = 0;
	int rc = 0;

	if (exec(st->db, "BEGIN IMMEDIATE") != 0)
		return db_err(st->db, d, path, "cannot lock the database");
	if (exec(st->db, "CREATE TABLE IF NOT EXISTS schema_version(version INTEGER NOT NULL)")) {
		rc = db_err(st->db, d, path, "cannot create schema_version");
		goto out;
	}
	if (sqlite3_prepare_v2(st->db, "SELECT MAX(version) FROM schema_version", -1, &q,
			       NULL) != SQLITE_OK) {
		rc = db_err(st->db, d, path, "cannot read schema_version");
		goto out;
	}
	if (sqlite3_step(q) == SQLITE_ROW)
		have = sqlite3_column_int64(q, 0);
	sqlite3_finalize(q);
	q = NULL;
	if (have > (int64_t)MM_ARRAY_SIZE(migrations)) {
		rc = mm_diag_set(d, MM_EUNSUPPORTED, path, -1, -1,
				 "database schema %" PRId64 " is newer than this mamori (%zu)",
				 have, MM_ARRAY_SIZE(migrations));
		goto out;
	}
	for (size_t i = (size_t)have; i < MM_ARRAY_SIZE(migrations); i++) {
		char sql[64];

		if (exec(st->db, migrations[i])) {
			rc = db_err(st->db, d, path, "migration failed");
			goto out;
		}
		snprintf(sql, sizeof(sql), "INSERT INTO schema_version VALUES(%zu)", i + 1);
		if (exec(st->db, sql)) {
			rc = db_err(st->db, d, path, "migration failed");
			goto out;
		}
	}
out:
	if (exec(st->db, rc ? "ROLLBACK" : "COMMIT") && !rc)
		rc = db_err(st->db, d, path, "cannot commit the schema");
	return rc;
}

static int prepare(struct mm_store *st, const char *sql, sqlite3_stmt **s)
{
	return sqlite3_prepare_v3(st->db, sql, -1, SQLITE_PREPARE_PERSISTENT, s, NULL) ==
			       SQLITE_OK ?
		       0 :
		       MM_EDEP;
}

int mm_store_open(struct mm_store **out, const char *path, struct mm_diag *d)
{
	struct mm_store *st = NULL;
	int rc;

	*out = NULL;
	st = calloc(1, sizeof(*st));
	if (!st)
		return MM_ENOMEM;
	pthread_mutex_init(&st->lock, NULL);
	rc = make_parents(path);
	if (rc) {
		rc = mm_diag_set(d, rc, path, -1, -1, "cannot create the database's folder: %s",
				 mm_strerror(rc));
		goto fail;
	}
	/* NOMUTEX: every use of the connection is under st->lock already, so
	 * SQLite's own mutex on each call (bind, step, column) is not needed */
	if (sqlite3_open_v2(path, &st->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
						   SQLITE_OPEN_NOMUTEX,
			    NULL) != SQLITE_OK) {
		rc = db_err(st->db, d, path, "cannot open the database");
		goto fail;
	}
	sqlite3_busy_timeout(st->db, MM_STORE_BUSY_MS);
	sqlite3_extended_result_codes(st->db, 1);
	/* WAL lets readers (`mamori alerts`) run during a scan */
	if (exec(st->db, "PRAGMA journal_mode=WAL") || exec(st->db, "PRAGMA synchronous=NORMAL") ||
	    exec(st->db, "PRAGMA foreign_keys=ON")) {
		rc = db_err(st->db, d, path, "cannot configure the database");
		goto fail;
	}
	rc = migrate(st, path, d);
	if (rc)
		goto fail;
	if (prepare(st, "INSERT INTO alerts(run_id, ts, ingested, level, severity, rule_id,"
			" engine, host, path, src_ip, dst_ip, json)"
			" VALUES(?,?,?,?,?,?,?,?,?,?,?,?)", &st->ins_alert) ||
	    prepare(st, "INSERT INTO skips(run_id, path, reason, detail, partial)"
			" VALUES(?,?,?,?,?)", &st->ins_skip) ||
	    prepare(st, "SELECT 1 FROM file_state WHERE dev=? AND ino=? AND size=?"
			" AND mtime_us=? AND ruleset_id=?", &st->sel_state) ||
	    prepare(st, "INSERT OR REPLACE INTO file_state(dev, ino, size, mtime_us,"
			" ruleset_id, last_run) VALUES(?,?,?,?,?,?)", &st->put_state)) {
		rc = db_err(st->db, d, path, "cannot prepare statements");
		goto fail;
	}
	*out = st;
	return 0;
fail:
	mm_store_close(st);
	return rc;
}

static int commit_locked(struct mm_store *st)
{
	if (!st->in_tx)
		return 0;
	st->in_tx = false;
	st->pending = 0;
	return exec(st->db, "COMMIT");
}

/* Opens the batch transaction if needed; commits when the batch is full
 * or old. Called with the lock held, before a write. */
static int batch_locked(struct mm_store *st)
{
	if (st->in_tx && (st->pending >= MM_STORE_BATCH ||
			  mm_monotonic_us() - st->tx_started_us >= MM_STORE_BATCH_MS * 1000)) {
		if (commit_locked(st))
			return MM_EDEP;
	}
	if (!st->in_tx) {
		if (exec(st->db, "BEGIN"))
			return MM_EDEP;
		st->in_tx = true;
		st->tx_started_us = mm_monotonic_us();
	}
	st->pending++;
	return 0;
}

int mm_store_commit(struct mm_store *st)
{
	int rc;

	pthread_mutex_lock(&st->lock);
	rc = commit_locked(st);
	pthread_mutex_unlock(&st->lock);
	return rc;
}

void mm_store_close(struct mm_store *st)
{
	if (!st)
		return;
	if (st->db) {
		commit_locked(st);
		sqlite3_finalize(st->ins_alert);
		sqlite3_finalize(st->ins_skip);
		sqlite3_finalize(st->sel_state);
		sqlite3_finalize(st->put_state);
		sqlite3_close(st->db);
	}
	state_free(st->state);
	deferred_clear(st);
	pthread_mutex_destroy(&st->lock);
	free(st);
}

static void bind_text(sqlite3_stmt *s, int i, const char *v)
{
	if (v)
		sqlite3_bind_text(s, i, v, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(s, i);
}

static void bind_time(sqlite3_stmt *s, int i, int64_t us)
{
	if (us)
		sqlite3_bind_int64(s, i, us);
	else
		sqlite3_bind_null(s, i);
}

/* Steps a write statement and resets it. */
static int step_done(sqlite3_stmt *s)
{
	int rc = sqlite3_step(s);

	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	return rc == SQLITE_DONE ? 0 : MM_EDEP;
}

static void bind_run(sqlite3_stmt *s, const struct mm_store_run *r, int first)
{
	sqlite3_bind_int64(s, first + 0, (sqlite3_int64)r->inputs);
	sqlite3_bind_int64(s, first + 1, (sqlite3_int64)r->examined);
	sqlite3_bind_int64(s, first + 2, (sqlite3_int64)r->skipped);
	sqlite3_bind_int64(s, first + 3, (sqlite3_int64)r->partial);
	sqlite3_bind_int64(s, first + 4, (sqlite3_int64)r->alerts);
	sqlite3_bind_int64(s, first + 5, (sqlite3_int64)r->bytes);
}

/* Inserts a run's row; with the lock held. */
static int insert_run_locked(struct mm_store *st, const struct mm_store_run *r, int64_t *run_id)
{
	sqlite3_stmt *s = NULL;
	int rc = MM_EDEP;

	if (sqlite3_prepare_v2(st->db, "INSERT INTO runs(started, finished, command, args, host,"
			       " version, status, inputs, examined, skipped, partial, alerts, bytes)"
			       " VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?)", -1, &s, NULL) != SQLITE_OK)
		goto out;
	bind_time(s, 1, r->started_us);
	bind_time(s, 2, r->finished_us);
	bind_text(s, 3, r->command);
	bind_text(s, 4, r->args);
	bind_text(s, 5, r->host);
	bind_text(s, 6, r->version);
	bind_text(s, 7, r->status ? r->status : "running");
	bind_run(s, r, 8);
	rc = step_done(s);
	if (!rc)
		*run_id = sqlite3_last_insert_rowid(st->db);
out:
	sqlite3_finalize(s);
	return rc;
}

int mm_store_run_begin(struct mm_store *st, const struct mm_store_run *r, int64_t *run_id)
{
	int rc = MM_EDEP;

	pthread_mutex_lock(&st->lock);
	if (commit_locked(st))
		goto out;
	rc = insert_run_locked(st, r, run_id);
out:
	pthread_mutex_unlock(&st->lock);
	return rc;
}

static void deferred_clear(struct mm_store *st)
{
	for (size_t i = 0; i < MM_ARRAY_SIZE(st->def_str); i++) {
		free(st->def_str[i]);
		st->def_str[i] = NULL;
	}
	memset(&st->def, 0, sizeof(st->def));
	st->deferred = false;
	st->deferred_id = 0;
}

int mm_store_run_defer(struct mm_store *st, const struct mm_store_run *r, int64_t *run_id)
{
	const char *src[4] = { r->command, r->args, r->host, r->version };
	int rc = 0;

	pthread_mutex_lock(&st->lock);
	if (st->deferred) {
		rc = MM_ESTATE;
		goto out;
	}
	st->def = *r;
	for (size_t i = 0; i < MM_ARRAY_SIZE(src); i++) {
		if (src[i] && !(st->def_str[i] = strdup(src[i]))) {
			deferred_clear(st);
			rc = MM_ENOMEM;
			goto out;
		}
	}
	st->def.command = st->def_str[0];
	st->def.args = st->def_str[1];
	st->def.host = st->def_str[2];
	st->def.version = st->def_str[3];
	st->def.status = "running";
	st->deferred = true;
	*run_id = MM_STORE_RUN_DEFERRED;
out:
	pthread_mutex_unlock(&st->lock);
	return rc;
}

int mm_store_run_drop(struct mm_store *st, int64_t run_id)
{
	int rc = 0;

	pthread_mutex_lock(&st->lock);
	if (run_id != MM_STORE_RUN_DEFERRED || !st->deferred)
		rc = MM_EINVAL;
	else if (st->deferred_id)
		rc = MM_ESTATE;
	else
		deferred_clear(st);
	pthread_mutex_unlock(&st->lock);
	return rc;
}

/* run_id as stored: the deferred run's row is written on first need
 * (inside the open batch, before the row that names it). With the lock
 * held. */
static int run_id_locked(struct mm_store *st, int64_t *run_id)
{
	int rc;

	if (*run_id != MM_STORE_RUN_DEFERRED)
		return 0;
	if (!st->deferred)
		return MM_EINVAL;
	if (!st->deferred_id) {
		rc = insert_run_locked(st, &st->def, &st->deferred_id);
		if (rc)
			return rc;
	}
	*run_id = st->deferred_id;
	return 0;
}

int mm_store_run_end(struct mm_store *st, int64_t run_id, const struct mm_store_run *r)
{
	sqlite3_stmt *s = NULL;
	int rc = MM_EDEP;

	pthread_mutex_lock(&st->lock);
	if (batch_locked(st) || run_id_locked(st, &run_id))
		goto out;
	if (sqlite3_prepare_v2(st->db, "UPDATE runs SET finished=?, status=?, inputs=?,"
			       " examined=?, skipped=?, partial=?, alerts=?, bytes=? WHERE id=?",
			       -1, &s, NULL) != SQLITE_OK)
		goto out;
	bind_time(s, 1, r->finished_us);
	bind_text(s, 2, r->status ? r->status : "done");
	bind_run(s, r, 3);
	sqlite3_bind_int64(s, 9, run_id);
	rc = step_done(s);
	if (commit_locked(st) && !rc)
		rc = MM_EDEP;
	if (!rc && st->deferred && run_id == st->deferred_id)
		deferred_clear(st);
out:
	sqlite3_finalize(s);
	pthread_mutex_unlock(&st->lock);
	return rc;
}

int mm_store_add_alert(struct mm_store *st, int64_t run_id, const struct mm_alert *a,
		       const char *json, size_t json_len, int64_t ingested_us, const char *host)
{
	sqlite3_stmt *s = st->ins_alert;
	enum mm_level l = mm_alert_level(a);
	int rc;

	pthread_mutex_lock(&st->lock);
	rc = batch_locked(st);
	if (!rc)
		rc = run_id_locked(st, &run_id);
	if (rc)
		goto out;
	sqlite3_bind_int64(s, 1, run_id);
	bind_time(s, 2, a->timestamp_us);
	bind_time(s, 3, ingested_us);
	sqlite3_bind_int(s, 4, (int)l);
	sqlite3_bind_int(s, 5, a->severity ? a->severity : mm_level_severity(l));
	bind_text(s, 6, mm_alert_rule_id(a));
	bind_text(s, 7, a->module);
	bind_text(s, 8, a->host_name ? a->host_name : host);
	bind_text(s, 9, a->file_path);
	bind_text(s, 10, a->src_ip);
	bind_text(s, 11, a->dst_ip);
	sqlite3_bind_text(s, 12, json, (int)MM_MIN(json_len, (size_t)INT_MAX), SQLITE_TRANSIENT);
	rc = step_done(s);
out:
	pthread_mutex_unlock(&st->lock);
	return rc;
}

int mm_store_add_skip(struct mm_store *st, int64_t run_id, const char *path, enum mm_skip why,
		      bool partial, const char *detail)
{
	sqlite3_stmt *s = st->ins_skip;
	int rc;

	pthread_mutex_lock(&st->lock);
	rc = batch_locked(st);
	if (!rc)
		rc = run_id_locked(st, &run_id);
	if (rc)
		goto out;
	sqlite3_bind_int64(s, 1, run_id);
	bind_text(s, 2, path);
	bind_text(s, 3, mm_skip_name(why));
	bind_text(s, 4, detail);
	sqlite3_bind_int(s, 5, partial ? 1 : 0);
	rc = step_done(s);
out:
	pthread_mutex_unlock(&st->lock);
	return rc;
}

/* ---- file_state in memory (scan --changed) ---- */

#define STATE_MAX_ROWS (1u << 20)
#define STATE_MAX_IDS 16

struct state_entry {
	uint64_t dev, ino, size;
	int64_t mtime_us;
	uint8_t rs;	/* 1 + index into ids; 0: empty slot */
};

struct state_table {
	struct state_entry *slots;
	size_t mask;	/* slots - 1, a power of two minus one */
	size_t n;
	char ids[STATE_MAX_IDS][65];
	size_t n_ids;
};

static size_t state_hash(uint64_t dev, uint64_t ino)
{
	uint64_t h = ino * UINT64_C(0x9e3779b97f4a7c15) ^ (dev + UINT64_C(0x632be59bd9b4e019));

	h ^= h >> 29;
	h *= UINT64_C(0xbf58476d1ce4e5b9);
	h ^= h >> 32;
	return (size_t)h;
}

static void state_free(struct state_table *t)
{
	if (!t)
		return;
	free(t->slots);
	free(t);
}

/* (dev, ino) is a key of file_state: no duplicates to handle. */
static void state_put(struct state_table *t, const struct state_entry *e)
{
	size_t i = state_hash(e->dev, e->ino) & t->mask;

	while (t->slots[i].rs)
		i = (i + 1) & t->mask;
	t->slots[i] = *e;
	t->n++;
}

static const struct state_entry *state_get(const struct state_table *t, uint64_t dev,
					   uint64_t ino)
{
	size_t i = state_hash(dev, ino) & t->mask;

	while (t->slots[i].rs) {
		if (t->slots[i].dev == dev && t->slots[i].ino == ino)
			return &t->slots[i];
		i = (i + 1) & t->mask;
	}
	return NULL;
}

/* Index + 1 of id among the loaded ids, 0 when it is not one of them. */
static unsigned state_id(const struct state_table *t, const char *id, size_t len)
{
	for (size_t k = 0; k < t->n_ids; k++)
		if (strlen(t->ids[k]) == len && memcmp(t->ids[k], id, len) == 0)
			return (unsigned)k + 1;
	return 0;
}

int mm_store_file_state_load(struct mm_store *st, const char *const *ids, size_t n_ids)
{
	struct state_table *t = NULL;
	sqlite3_stmt *q = NULL;
	int64_t rows = 0;
	size_t cap = 16;
	int rc = 0, step;

	pthread_mutex_lock(&st->lock);
	state_free(st->state);
	st->state = NULL;
	t = calloc(1, sizeof(*t));
	if (!t) {
		rc = MM_ENOMEM;
		goto out;
	}
	for (size_t k = 0; k < n_ids && t->n_ids < STATE_MAX_IDS; k++) {
		if (ids[k] && ids[k][0] && strlen(ids[k]) < sizeof(t->ids[0]))
			snprintf(t->ids[t->n_ids++], sizeof(t->ids[0]), "%s", ids[k]);
	}
	if (sqlite3_prepare_v2(st->db, "SELECT COUNT(*) FROM file_state", -1, &q, NULL) !=
	    SQLITE_OK) {
		rc = MM_EDEP;
		goto out;
	}
	if (sqlite3_step(q) == SQLITE_ROW)
		rows = sqlite3_column_int64(q, 0);
	sqlite3_finalize(q);
	q = NULL;
	if (rows > (int64_t)STATE_MAX_ROWS) {
		rc = MM_ELIMIT;	/* lookups stay in SQLite */
		goto out;
	}
	/* load factor at most 3/4 */
	while (cap * 3 < (size_t)rows * 4)
		cap *= 2;
	t->slots = calloc(cap, sizeof(*t->slots));
	if (!t->slots) {
		rc = MM_ENOMEM;
		goto out;
	}
	t->mask = cap - 1;
	if (sqlite3_prepare_v2(st->db, "SELECT dev, ino, size, mtime_us, ruleset_id"
			       " FROM file_state", -1, &q, NULL) != SQLITE_OK) {
		rc = MM_EDEP;
		goto out;
	}
	while ((step = sqlite3_step(q)) == SQLITE_ROW) {
		const char *id = (const char *)sqlite3_column_text(q, 4);
		size_t idlen = (size_t)sqlite3_column_bytes(q, 4);
		struct state_entry e;

		/* rows written while the count was taken (another scan) */
		if (t->n + 1 > (t->mask + 1) / 4 * 3) {
			rc = MM_ELIMIT;
			goto out;
		}
		memset(&e, 0, sizeof(e));
		e.rs = (uint8_t)(id ? state_id(t, id, idlen) : 0);
		if (!e.rs)
			continue;	/* examined under other rules: changed */
		e.dev = (uint64_t)sqlite3_column_int64(q, 0);
		e.ino = (uint64_t)sqlite3_column_int64(q, 1);
		e.size = (uint64_t)sqlite3_column_int64(q, 2);
		e.mtime_us = sqlite3_column_int64(q, 3);
		state_put(t, &e);
	}
	if (step != SQLITE_DONE)
		rc = MM_EDEP;
out:
	sqlite3_finalize(q);
	if (rc == 0) {
		st->state = t;
		t = NULL;
	}
	state_free(t);
	pthread_mutex_unlock(&st->lock);
	return rc;
}

size_t mm_store_file_state_loaded(const struct mm_store *st)
{
	return st && st->state ? st->state->n : 0;
}

bool mm_store_file_unchanged_any(struct mm_store *st, const struct mm_input *in)
{
	const struct state_table *t = st->state;
	const struct state_entry *e;

	if (!t)
		return false;
	e = state_get(t, in->dev, in->ino);
	return e && e->size == in->size && e->mtime_us == in->mtime_us;
}

bool mm_store_file_unchanged(struct mm_store *st, const struct mm_input *in,
			     const char *ruleset_id)
{
	sqlite3_stmt *s = st->sel_state;
	bool same;

	if (st->state && ruleset_id) {
		const struct state_entry *e;
		unsigned k = state_id(st->state, ruleset_id, strlen(ruleset_id));

		/* a loaded id has every row of its own in the table */
		if (k) {
			e = state_get(st->state, in->dev, in->ino);
			return e && e->rs == k && e->size == in->size &&
			       e->mtime_us == in->mtime_us;
		}
	}
	pthread_mutex_lock(&st->lock);
	sqlite3_bind_int64(s, 1, (sqlite3_int64)in->dev);
	sqlite3_bind_int64(s, 2, (sqlite3_int64)in->ino);
	sqlite3_bind_int64(s, 3, (sqlite3_int64)in->size);
	sqlite3_bind_int64(s, 4, in->mtime_us);
	bind_text(s, 5, ruleset_id ? ruleset_id : "");
	same = sqlite3_step(s) == SQLITE_ROW;
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	pthread_mutex_unlock(&st->lock);
	return same;
}

int mm_store_file_examined(struct mm_store *st, const struct mm_input *in,
			   const char *ruleset_id, int64_t run_id)
{
	sqlite3_stmt *s = st->put_state;
	int rc;

	pthread_mutex_lock(&st->lock);
	rc = batch_locked(st);
	if (!rc)
		rc = run_id_locked(st, &run_id);
	if (rc)
		goto out;
	sqlite3_bind_int64(s, 1, (sqlite3_int64)in->dev);
	sqlite3_bind_int64(s, 2, (sqlite3_int64)in->ino);
	sqlite3_bind_int64(s, 3, (sqlite3_int64)in->size);
	sqlite3_bind_int64(s, 4, in->mtime_us);
	bind_text(s, 5, ruleset_id ? ruleset_id : "");
	sqlite3_bind_int64(s, 6, run_id);
	rc = step_done(s);
out:
	pthread_mutex_unlock(&st->lock);
	return rc;
}

int mm_store_query_alerts(struct mm_store *st, const struct mm_store_query *q,
			  int (*fn)(void *arg, const struct mm_store_row *row), void *arg)
{
	char sql[1024];
	size_t n = 0;
	sqlite3_stmt *s = NULL;
	int i = 1, rc = 0, step;
	char *like = NULL;

#define ADD(...) (n += (size_t)snprintf(sql + n, sizeof(sql) - n, __VA_ARGS__))
	ADD("SELECT id, run_id, ts, ingested, level, rule_id, engine, host, path, src_ip,"
	    " dst_ip, json FROM alerts WHERE 1");
	if (q->since_us)
		ADD(" AND ts >= ?");
	if (q->until_us)
		ADD(" AND ts < ?");
	if (q->min_level >= 0)
		ADD(" AND level >= ?");
	if (q->rule)
		ADD(" AND rule_id %s ?", q->rule[0] && q->rule[strlen(q->rule) - 1] == '*' ?
						 "GLOB" : "=");
	if (q->engine)
		ADD(" AND engine = ?");
	if (q->host)
		ADD(" AND host = ?");
	if (q->run_id > 0)
		ADD(" AND run_id = ?");
	else if (q->run_id < 0)
		ADD(" AND run_id = (SELECT MAX(id) FROM runs)");
	ADD(" ORDER BY ts IS NULL, ts, id");
	if (q->limit > 0)
		ADD(" LIMIT ?");
#undef ADD
	pthread_mutex_lock(&st->lock);
	if (commit_locked(st) ||
	    sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK) {
		rc = MM_EDEP;
		goto out;
	}
	if (q->since_us)
		sqlite3_bind_int64(s, i++, q->since_us);
	if (q->until_us)
		sqlite3_bind_int64(s, i++, q->until_us);
	if (q->min_level >= 0)
		sqlite3_bind_int(s, i++, q->min_level);
	if (q->rule) {
		size_t len = strlen(q->rule);

		if (len && q->rule[len - 1] == '*') {
			/* prefix match: escape GLOB's own metacharacters in the prefix */
			struct mm_buf b;

			mm_buf_init(&b, 4096);
			for (size_t k = 0; k + 1 < len; k++) {
				char c = q->rule[k];

				if (c == '*' || c == '?' || c == '[')
					mm_buf_appendf(&b, "[%c]", c);
				else
					mm_buf_append_byte(&b, (uint8_t)c);
			}
			mm_buf_append_byte(&b, '*');
			like = mm_buf_detach(&b, NULL);
			if (!like) {
				rc = MM_ENOMEM;
				goto out;
			}
			sqlite3_bind_text(s, i++, like, -1, SQLITE_TRANSIENT);
		} else {
			sqlite3_bind_text(s, i++, q->rule, -1, SQLITE_TRANSIENT);
		}
	}
	if (q->engine)
		sqlite3_bind_text(s, i++, q->engine, -1, SQLITE_TRANSIENT);
	if (q->host)
		sqlite3_bind_text(s, i++, q->host, -1, SQLITE_TRANSIENT);
	if (q->run_id > 0)
		sqlite3_bind_int64(s, i++, q->run_id);
	if (q->limit > 0)
		sqlite3_bind_int64(s, i++, q->limit);
	while ((step = sqlite3_step(s)) == SQLITE_ROW) {
		struct mm_store_row r;

		memset(&r, 0, sizeof(r));
		r.id = sqlite3_column_int64(s, 0);
		r.run_id = sqlite3_column_int64(s, 1);
		r.ts_us = sqlite3_column_int64(s, 2);
		r.ingested_us = sqlite3_column_int64(s, 3);
		r.level = sqlite3_column_int(s, 4);
		r.rule_id = (const char *)sqlite3_column_text(s, 5);
		r.engine = (const char *)sqlite3_column_text(s, 6);
		r.host = (const char *)sqlite3_column_text(s, 7);
		r.path = (const char *)sqlite3_column_text(s, 8);
		r.src_ip = (const char *)sqlite3_column_text(s, 9);
		r.dst_ip = (const char *)sqlite3_column_text(s, 10);
		r.json = (const char *)sqlite3_column_text(s, 11);
		if (!r.json)
			r.json = "{}";
		if (fn(arg, &r))
			break;
	}
	if (step != SQLITE_ROW && step != SQLITE_DONE)
		rc = MM_EDEP;
out:
	free(like);
	sqlite3_finalize(s);
	pthread_mutex_unlock(&st->lock);
	return rc;
}

int64_t mm_store_count(struct mm_store *st, const char *table)
{
	static const char *const known[] = { "runs", "alerts", "skips", "file_state" };
	sqlite3_stmt *s = NULL;
	char sql[64];
	int64_t n = -1;
	size_t i;

	for (i = 0; i < MM_ARRAY_SIZE(known); i++) {
		if (!strcmp(table, known[i]))
			break;
	}
	if (i == MM_ARRAY_SIZE(known))
		return -1;
	snprintf(sql, sizeof(sql), "SELECT COUNT(*) FROM %s", known[i]);
	pthread_mutex_lock(&st->lock);
	commit_locked(st);
	if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) == SQLITE_OK && sqlite3_step(s) == SQLITE_ROW)
		n = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	pthread_mutex_unlock(&st->lock);
	return n;
}
