/*
 * correlate.c — alerts into incidents, incrementally, in the store.
 *
 * incident_db_correlate() takes the alerts added since its last call
 * (ids above inc_state.last_alert_id, up to the max id when it started),
 * in passes of at most INC_PASS_MAX alerts, each pass in time order
 * (ts, then id), extracts each one (entities.c) and puts it into an
 * incident: the incidents reachable through its correlation keys
 * (inc_keys: the latest incident of each key) whose span
 * [first - window, last + window] holds the alert's time are candidates;
 * none gives a new incident, one is joined, several are merged into the
 * oldest (lowest id). An alert is inserted once in inc_alerts (its primary
 * key), and a merge moves rows, so an alert is in exactly one incident.
 * Summaries, scores and chains are recomputed for the incidents touched,
 * at the end, in (ts, alert id) order, so a timeline is never inverted.
 *
 * Everything happens in one transaction: an interrupted update leaves the
 * previous state. The grouping runs in memory (see "one correlation pass"
 * below); the store is read sequentially and written in sorted batches.
 *
 * Score (0..100): points for the highest level (informational 1, low 5,
 * medium 15, high 30, critical 45), 10 per kill-chain stage reached (at
 * most 5), 5 more for 10 alerts or more.
 *
 * Threading: one struct incident_db per thread.
 */
#include "core/compat.h"
#include "incidents/internal.h"

#include <math.h>

#define INC_MMAP_SIZE "4294967296"	/* bytes of the store mapped for reading */

static const char schema[] =
	"CREATE TABLE IF NOT EXISTS inc_state(name TEXT PRIMARY KEY, value INTEGER);"
	"CREATE TABLE IF NOT EXISTS inc_entities(id INTEGER PRIMARY KEY, role INTEGER,"
	" kind TEXT, value TEXT, first_ts INTEGER, last_ts INTEGER, alerts INTEGER,"
	" UNIQUE(role, kind, value));"
	"CREATE TABLE IF NOT EXISTS inc_incidents(id INTEGER PRIMARY KEY AUTOINCREMENT,"
	" first_ts INTEGER,"
	" last_ts INTEGER, alerts INTEGER, level INTEGER, score INTEGER, stages INTEGER,"
	" label TEXT, summary TEXT, updated INTEGER);"
	"CREATE INDEX IF NOT EXISTS inc_incidents_last ON inc_incidents(last_ts);"
	"CREATE TABLE IF NOT EXISTS inc_alerts(alert_id INTEGER PRIMARY KEY,"
	" incident_id INTEGER, ts INTEGER, level INTEGER, stage INTEGER, step TEXT,"
	" label TEXT);"
	"CREATE INDEX IF NOT EXISTS inc_alerts_incident ON inc_alerts(incident_id, ts);"
	"CREATE TABLE IF NOT EXISTS inc_links(incident_id INTEGER, entity_id INTEGER,"
	" PRIMARY KEY(incident_id, entity_id)) WITHOUT ROWID;"
	"CREATE TABLE IF NOT EXISTS inc_keys(key TEXT PRIMARY KEY, incident_id INTEGER,"
	" last_ts INTEGER);"
	"CREATE INDEX IF NOT EXISTS inc_keys_incident ON inc_keys(incident_id);"
	"CREATE TABLE IF NOT EXISTS inc_aliases(ip TEXT PRIMARY KEY, host TEXT);";

const struct mm_config_default incidents_config_defaults[] = {
	{ INCIDENTS_WINDOW_KEY, "86400",
	  "seconds: alerts sharing a host, victim address, file hash or image this close are one incident" },
	{ NULL, NULL, NULL },
};

int inc_exec(struct incident_db *db, const char *sql)
{
	return sqlite3_exec(db->db, sql, NULL, NULL, NULL) == SQLITE_OK ? 0 : MM_EIO;
}

int inc_prepare(struct incident_db *db, const char *sql, sqlite3_stmt **st)
{
	return sqlite3_prepare_v2(db->db, sql, -1, st, NULL) == SQLITE_OK ? 0 : MM_EIO;
}

const char *inc_col_text(sqlite3_stmt *st, int col)
{
	return (const char *)sqlite3_column_text(st, col);
}

int incident_db_open(struct incident_db **out, const char *path, struct mm_diag *diag)
{
	struct incident_db *db = NULL;
	struct mm_store *store = NULL;
	int rc;

	*out = NULL;
	/* the store's own tables, created and migrated by their owner */
	rc = mm_store_open(&store, path, diag);
	if (rc)
		return rc;
	mm_store_close(store);
	db = calloc(1, sizeof(*db));
	if (!db)
		return MM_ENOMEM;
	snprintf(db->path, sizeof(db->path), "%s", path);
	/* one connection per thread (see the header): no per-call mutex */
	if (sqlite3_open_v2(path, &db->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) !=
	    SQLITE_OK) {
		rc = mm_diag_set(diag, MM_EIO, path, -1, -1, "cannot open the store: %s",
				 db->db ? sqlite3_errmsg(db->db) : "no memory");
		goto out;
	}
	sqlite3_busy_timeout(db->db, MM_STORE_BUSY_MS);
	/* correlation writes several tables: a larger page cache; listings
	 * and reports read alerts at random (by id): a mapped file (set aside
	 * while correlating, which reads in order; see incident_db_correlate) */
	inc_exec(db, "PRAGMA cache_size=-131072");
	inc_exec(db, "PRAGMA mmap_size=" INC_MMAP_SIZE);
	if (inc_exec(db, "PRAGMA journal_mode=WAL") || inc_exec(db, "PRAGMA synchronous=NORMAL") ||
	    inc_exec(db, schema)) {
		rc = mm_diag_set(diag, MM_EIO, path, -1, -1, "cannot create the incident tables: %s",
				 sqlite3_errmsg(db->db));
		goto out;
	}
	*out = db;
	db = NULL;
	rc = 0;
out:
	incident_db_close(db);
	return rc;
}

void incident_db_close(struct incident_db *db)
{
	if (!db)
		return;
	sqlite3_close(db->db);
	free(db);
}

/* ---- one correlation pass -----------------------------------------------
 *
 * A pass works on the alerts of one id range (at most INC_PASS_MAX) in
 * four steps, so that the per-alert work is memory work and the writes
 * are few large sorted batches:
 *   1. read the range in id order (sequential), extract each alert from
 *      columns of SQLite's JSON functions (entities.c), intern its step and
 *      label and its values (entities, looked up once in inc_entities);
 *   2. sort the alerts by (ts, id) and assign each one to an incident as
 *      described at the top of the file; incidents are found through the
 *      keys (looked up once in inc_keys) and joined by union-find (a
 *      merged incident points at the one it went into);
 *   3. write the alerts' rows in id order (the incident index is dropped
 *      and rebuilt when the range is large against the table), the new
 *      entities in the order they were first used, the links (sorted,
 *      deduplicated), the keys;
 *   4. recompute the touched incidents: from memory when all their alerts
 *      are in this pass, from inc_alerts otherwise.
 */

#define INC_PASS_MAX 2000000	/* alerts per pass (memory: ~100 bytes each) */
#define INC_REINDEX_MIN 65536	/* rebuild the incident index past this */
#define VAL_KEY 0x80000000u

struct live {
	int64_t id, first, last;
	long parent;		/* index of the incident it was merged into; itself */
	bool touched;
	bool old;		/* has rows in the store (alerts, links, keys) */
};

struct ent {
	int64_t id;		/* in inc_entities; 0 until written */
	int64_t first, last, count;
	int64_t order;		/* when first used in time order; -1 not yet */
	long linked;		/* incident (live index) last linked to */
	long key[2];		/* its correlation keys (indices), nkeys of them */
	int nkeys;		/* -1: not computed yet */
	int role;
	const char *kind;	/* static */
	char *value;
};

struct arec {
	int64_t id, ts;
	uint32_t step, label;	/* interned strings */
	uint32_t vals, n_vals;	/* in pass.vals */
	long inc;		/* live index when assigned */
	int8_t level, stage;
};

/* A sort key and an index: alerts by time (ts_key()), links by
 * (incident, entity). */
struct ord {
	uint64_t key;
	uint32_t ix;		/* index in pass.a (id order) */
};

/* ts as an unsigned key in the same order; 0 and UINT64_MAX are left for
 * "no time" (NULL, first) and "not a number" (last), as SQLite sorts the
 * column. */
static uint64_t ts_key(int64_t ts)
{
	uint64_t k = (uint64_t)ts ^ 0x8000000000000000ULL;

	return k == 0 ? 1 : k == UINT64_MAX ? UINT64_MAX - 1 : k;
}

/* Sorts a by key, stably (LSD radix sort, 16-bit digits; a digit that is
 * the same in every key is skipped). */
static int ord_sort(struct ord *a, size_t n)
{
	struct ord *tmp = NULL, *src = a, *dst, *t;
	size_t *cnt = NULL, i;
	int shift;

	if (n < 2)
		return 0;
	tmp = malloc(n * sizeof(*tmp));
	cnt = malloc(65536 * sizeof(*cnt));
	if (!tmp || !cnt) {
		free(tmp);
		free(cnt);
		return MM_ENOMEM;
	}
	dst = tmp;
	for (shift = 0; shift < 64; shift += 16) {
		size_t sum = 0;

		memset(cnt, 0, 65536 * sizeof(*cnt));
		for (i = 0; i < n; i++)
			cnt[(src[i].key >> shift) & 0xffff]++;
		if (cnt[(src[0].key >> shift) & 0xffff] == n)
			continue;
		for (i = 0; i < 65536; i++) {
			size_t c = cnt[i];

			cnt[i] = sum;
			sum += c;
		}
		for (i = 0; i < n; i++)
			dst[cnt[(src[i].key >> shift) & 0xffff]++] = src[i];
		t = src;
		src = dst;
		dst = t;
	}
	if (src != a)
		memcpy(a, src, n * sizeof(*a));
	free(tmp);
	free(cnt);
	return 0;
}

/* int64 (> 0) -> long, open addressing */
struct imap {
	int64_t *k;
	long *v;
	size_t cap, n;
};

struct strs {
	struct inc_map map;	/* string -> index */
	char **s;
	size_t n, cap;
};

struct pass {
	struct incident_db *db;
	int64_t window;
	struct incidents_stats *st;
	bool has_keys, has_ents;	/* the tables held rows when it began */
	struct imap incs;	/* incident id -> live index */
	struct live *live;
	size_t n_live, cap_live;
	struct inc_map keys;	/* key -> index in key_inc/key_str */
	int64_t *key_inc;	/* the key's latest incident (0: none) */
	char **key_str;
	size_t n_keys, cap_keys;
	struct inc_map ents;	/* role|kind|value -> index in ent */
	struct ent *ent;
	size_t n_ent, cap_ent;
	int64_t ent_order;
	struct inc_map alias;	/* "ip:ADDR" -> index in alias_host */
	char **alias_host;
	size_t n_alias;
	struct strs strs;	/* steps and labels */
	struct arec *a;
	size_t n_a, cap_a;
	uint32_t *vals;
	size_t n_vals, cap_vals;
	struct ord *links;	/* key: live index << 32 | entity index */
	size_t n_links, cap_links;
	sqlite3_stmt *sel_key, *sel_inc, *ins_inc, *sel_ent, *del_inc, *mv_alerts, *mv_links,
		*del_links, *mv_keys;
};

/* Grows *arr (of elem bytes, *cap elements) to hold one more. */
static int grow(void *arr, size_t *cap, size_t n, size_t elem)
{
	void **p = arr;
	size_t nc;
	void *np;

	if (n < *cap)
		return 0;
	nc = *cap ? *cap * 2 : 1024;
	if (nc > SIZE_MAX / elem)
		return MM_ENOMEM;
	np = realloc(*p, nc * elem);
	if (!np)
		return MM_ENOMEM;
	*p = np;
	*cap = nc;
	return 0;
}

static uint64_t mix64(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	return x;
}

static long *imap_get(const struct imap *m, int64_t key)
{
	size_t j;

	if (!m->cap)
		return NULL;
	j = (size_t)mix64((uint64_t)key) & (m->cap - 1);
	while (m->k[j]) {
		if (m->k[j] == key)
			return &m->v[j];
		j = (j + 1) & (m->cap - 1);
	}
	return NULL;
}

static int imap_put(struct imap *m, int64_t key, long v)
{
	size_t j, i;

	if ((m->n + 1) * 2 > m->cap) {
		struct imap g;

		g.cap = m->cap ? m->cap * 2 : 1024;
		g.n = m->n;
		g.k = calloc(g.cap, sizeof(*g.k));
		g.v = calloc(g.cap, sizeof(*g.v));
		if (!g.k || !g.v) {
			free(g.k);
			free(g.v);
			return MM_ENOMEM;
		}
		for (i = 0; i < m->cap; i++) {
			if (!m->k[i])
				continue;
			j = (size_t)mix64((uint64_t)m->k[i]) & (g.cap - 1);
			while (g.k[j])
				j = (j + 1) & (g.cap - 1);
			g.k[j] = m->k[i];
			g.v[j] = m->v[i];
		}
		free(m->k);
		free(m->v);
		*m = g;
	}
	j = (size_t)mix64((uint64_t)key) & (m->cap - 1);
	while (m->k[j] && m->k[j] != key)
		j = (j + 1) & (m->cap - 1);
	if (!m->k[j])
		m->n++;
	m->k[j] = key;
	m->v[j] = v;
	return 0;
}

static void imap_release(struct imap *m)
{
	free(m->k);
	free(m->v);
	memset(m, 0, sizeof(*m));
}

/* Interns s; index 0 is "". Returns UINT32_MAX on ENOMEM. */
static uint32_t str_id(struct strs *t, const char *s)
{
	bool found;
	int64_t *ix;

	if (t->n == 0) {
		if (grow(&t->s, &t->cap, 0, sizeof(*t->s)) || !(t->s[0] = strdup("")))
			return UINT32_MAX;
		t->n = 1;
	}
	if (!*s)
		return 0;
	ix = inc_map_put(&t->map, s, 0, &found);
	if (!ix)
		return UINT32_MAX;
	if (found)
		return (uint32_t)*ix;
	if (t->n >= UINT32_MAX - 1 || grow(&t->s, &t->cap, t->n, sizeof(*t->s)) ||
	    !(t->s[t->n] = strdup(s)))
		return UINT32_MAX;
	*ix = (int64_t)t->n;
	return (uint32_t)t->n++;
}

static void strs_release(struct strs *t)
{
	while (t->n)
		free(t->s[--t->n]);
	free(t->s);
	inc_map_release(&t->map);
}

static long live_new(struct pass *p, int64_t id, int64_t first, int64_t last, bool old)
{
	struct live *l;

	if (p->n_live >= UINT32_MAX ||
	    grow(&p->live, &p->cap_live, p->n_live, sizeof(*p->live)) ||
	    imap_put(&p->incs, id, (long)p->n_live))
		return -1;
	l = &p->live[p->n_live];
	l->id = id;
	l->first = first;
	l->last = last;
	l->parent = (long)p->n_live;
	l->touched = false;
	l->old = old;
	return (long)p->n_live++;
}

/* The root of live index l (path halving). */
static long live_root(struct pass *p, long l)
{
	while (p->live[l].parent != l) {
		p->live[l].parent = p->live[p->live[l].parent].parent;
		l = p->live[l].parent;
	}
	return l;
}

/* The index in p->live of incident id (loaded from the store on first
 * use, following merges); -1 when it does not exist (or no memory). An
 * index, not a pointer: loading another incident may move the array. */
static long live_get(struct pass *p, int64_t id)
{
	long *ix = imap_get(&p->incs, id), l;

	if (ix)
		return live_root(p, *ix);
	sqlite3_reset(p->sel_inc);
	sqlite3_bind_int64(p->sel_inc, 1, id);
	if (sqlite3_step(p->sel_inc) != SQLITE_ROW)
		return -1;
	l = live_new(p, id, sqlite3_column_int64(p->sel_inc, 0),
		     sqlite3_column_int64(p->sel_inc, 1), true);
	return l;
}

/* The index of correlation key `key` (its incident loaded from inc_keys
 * on first use); -1 on ENOMEM. */
static long key_index(struct pass *p, const char *key)
{
	bool found;
	int64_t *v = inc_map_put(&p->keys, key, 0, &found);

	if (!v)
		return -1;
	if (found)
		return (long)*v;
	if (grow(&p->key_inc, &p->cap_keys, p->n_keys, sizeof(*p->key_inc)))
		return -1;
	{
		/* key_str grows with key_inc: same capacity */
		char **ns = realloc(p->key_str, p->cap_keys * sizeof(*ns));

		if (!ns)
			return -1;
		p->key_str = ns;
	}
	p->key_str[p->n_keys] = strdup(key);
	if (!p->key_str[p->n_keys])
		return -1;
	p->key_inc[p->n_keys] = 0;
	if (p->has_keys) {
		sqlite3_reset(p->sel_key);
		sqlite3_bind_text(p->sel_key, 1, key, -1, SQLITE_STATIC);
		if (sqlite3_step(p->sel_key) == SQLITE_ROW)
			p->key_inc[p->n_keys] = sqlite3_column_int64(p->sel_key, 0);
	}
	*v = (int64_t)p->n_keys;
	return (long)p->n_keys++;
}

#define KEY_MAX (INC_VALUE_MAX + 16)

/* The correlation keys of an entity: "kind:value", and for an aliased
 * address also its host's key (incidents made before the alias still hold
 * the address key). */
static int ent_keys(struct pass *p, struct ent *e)
{
	char k[KEY_MAX];
	int64_t *ix;

	if (e->nkeys >= 0)
		return 0;
	snprintf(k, sizeof(k), "%s:%s", e->kind, e->value);
	e->key[0] = key_index(p, k);
	if (e->key[0] < 0)
		return MM_ENOMEM;
	e->nkeys = 1;
	if (p->n_alias && !strcmp(e->kind, "ip") && (ix = inc_map_get(&p->alias, k))) {
		snprintf(k, sizeof(k), "host:%s", p->alias_host[*ix]);
		e->key[1] = key_index(p, k);
		if (e->key[1] < 0)
			return MM_ENOMEM;
		e->nkeys = 2;
	}
	return 0;
}

/* The index in p->ent of a value (looked up in inc_entities when first
 * seen); -1 on ENOMEM. */
static long ent_index(struct pass *p, const struct inc_value *v)
{
	char k[INC_VALUE_MAX + 32];
	bool found;
	int64_t *ix;
	struct ent *e;

	{
		/* "role|kind|value", without printf: this runs for every value */
		size_t kl = strlen(v->kind), vl = strnlen(v->value, INC_VALUE_MAX - 1);

		k[0] = (char)('0' + (v->role & 7));
		k[1] = '|';
		memcpy(k + 2, v->kind, kl);
		k[2 + kl] = '|';
		memcpy(k + 3 + kl, v->value, vl);
		k[3 + kl + vl] = '\0';
	}
	ix = inc_map_put(&p->ents, k, -1, &found);
	if (!ix)
		return -1;
	if (found)
		return (long)*ix;
	if (p->n_ent >= VAL_KEY || grow(&p->ent, &p->cap_ent, p->n_ent, sizeof(*p->ent)))
		return -1;
	e = &p->ent[p->n_ent];
	memset(e, 0, sizeof(*e));
	e->order = -1;
	e->linked = -1;
	e->nkeys = -1;
	e->role = v->role;
	e->kind = v->kind;
	e->value = strdup(v->value);
	if (!e->value)
		return -1;
	if (p->has_ents) {
		sqlite3_reset(p->sel_ent);
		sqlite3_bind_int(p->sel_ent, 1, v->role);
		sqlite3_bind_text(p->sel_ent, 2, v->kind, -1, SQLITE_STATIC);
		sqlite3_bind_text(p->sel_ent, 3, v->value, -1, SQLITE_STATIC);
		if (sqlite3_step(p->sel_ent) == SQLITE_ROW) {
			e->id = sqlite3_column_int64(p->sel_ent, 0);
			e->first = sqlite3_column_int64(p->sel_ent, 1);
			e->last = sqlite3_column_int64(p->sel_ent, 2);
			e->count = sqlite3_column_int64(p->sel_ent, 3);
		}
	}
	*ix = (int64_t)p->n_ent;
	return (long)p->n_ent++;
}

static int merge(struct pass *p, long into, long from)
{
	struct live *in = &p->live[into], *fr = &p->live[from];

	if (fr->old) {
		/* rows stored under from's id before this pass (or moved to
		 * it by an earlier merge) */
		sqlite3_stmt *s[4] = { p->mv_alerts, p->mv_links, p->del_links, p->mv_keys };
		size_t i;

		for (i = 0; i < MM_ARRAY_SIZE(s); i++) {
			sqlite3_reset(s[i]);
			if (s[i] == p->del_links) {
				sqlite3_bind_int64(s[i], 1, fr->id);
			} else {
				sqlite3_bind_int64(s[i], 1, in->id);
				sqlite3_bind_int64(s[i], 2, fr->id);
			}
			if (sqlite3_step(s[i]) != SQLITE_DONE)
				return MM_EIO;
		}
		in->old = true;
	}
	sqlite3_reset(p->del_inc);
	sqlite3_bind_int64(p->del_inc, 1, fr->id);
	if (sqlite3_step(p->del_inc) != SQLITE_DONE)
		return MM_EIO;
	fr->parent = into;
	fr->touched = false;
	in->first = MM_MIN(in->first, fr->first);
	in->last = MM_MAX(in->last, fr->last);
	in->touched = true;
	p->st->incidents_merged++;
	return 0;
}

static int load_aliases(struct pass *p)
{
	sqlite3_stmt *s = NULL;
	int rc = MM_EIO, step;

	if (inc_prepare(p->db, "SELECT ip, lower(host) FROM inc_aliases", &s))
		goto out;
	while ((step = sqlite3_step(s)) == SQLITE_ROW) {
		char key[INC_VALUE_MAX + 8];
		const char *ip = inc_col_text(s, 0), *host = inc_col_text(s, 1);
		char **nh;
		bool found;
		int64_t *ix;

		if (!ip || !host)
			continue;
		snprintf(key, sizeof(key), "ip:%s", ip);
		nh = realloc(p->alias_host, (p->n_alias + 1) * sizeof(*nh));
		if (!nh) {
			rc = MM_ENOMEM;
			goto out;
		}
		p->alias_host = nh;
		nh[p->n_alias] = strdup(host);
		ix = inc_map_put(&p->alias, key, (int64_t)p->n_alias, &found);
		if (!nh[p->n_alias] || !ix) {
			free(nh[p->n_alias]);
			rc = MM_ENOMEM;
			goto out;
		}
		*ix = (int64_t)p->n_alias++;
	}
	rc = step == SQLITE_DONE ? 0 : MM_EIO;
out:
	sqlite3_finalize(s);
	return rc;
}

static int state_set(struct incident_db *db, const char *name, int64_t v);

int incident_db_alias(struct incident_db *db, const char *host, const char *ip,
		      struct mm_diag *diag)
{
	sqlite3_stmt *s = NULL;
	int rc = 0;

	if (!host || !*host || !ip || !*ip)
		return mm_diag_set(diag, MM_EINVAL, NULL, -1, -1, "an alias needs a host name and an address");
	/* INSERT OR IGNORE + UPDATE ... WHERE host differs: the change count
	 * says whether the alias is new or changed */
	if (inc_exec(db, "BEGIN IMMEDIATE") ||
	    inc_prepare(db, "INSERT INTO inc_aliases(ip, host) VALUES(?1, lower(?2))"
			" ON CONFLICT(ip) DO UPDATE SET host=excluded.host"
			" WHERE host IS NOT excluded.host", &s)) {
		rc = MM_EIO;
	} else {
		sqlite3_bind_text(s, 1, ip, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 2, host, -1, SQLITE_STATIC);
		if (sqlite3_step(s) != SQLITE_DONE)
			rc = MM_EIO;
		/* A new alias changes which alerts belong together, also for
		 * alerts already correlated (a scan updates incidents before
		 * anyone names the host): start the grouping again from the
		 * first alert. Incident ids are never reused (AUTOINCREMENT). */
		else if (sqlite3_changes(db->db) > 0 &&
			 (inc_exec(db, "DELETE FROM inc_links; DELETE FROM inc_keys;"
				       " DELETE FROM inc_alerts; DELETE FROM inc_incidents;"
				       " DELETE FROM inc_entities;") ||
			  state_set(db, "last_alert_id", 0)))
			rc = MM_EIO;
	}
	if (rc)
		mm_diag_set(diag, rc, db->path, -1, -1, "cannot store the alias: %s",
			    sqlite3_errmsg(db->db));
	sqlite3_finalize(s);
	if (inc_exec(db, rc ? "ROLLBACK" : "COMMIT") && !rc)
		rc = mm_diag_set(diag, MM_EIO, db->path, -1, -1, "cannot store the alias: %s",
				 sqlite3_errmsg(db->db));
	return rc;
}

/* Step 1 for one row of the query (columns: id, ts, ingested, level, host,
 * then inc_columns_sql). */
static int read_alert(struct pass *p, sqlite3_stmt *rows, struct inc_extract *x,
		      struct ord *o)
{
	struct arec *a;
	size_t i;
	int t;

	x->alert_id = sqlite3_column_int64(rows, 0);
	x->ts = sqlite3_column_int64(rows, 1);
	if (!x->ts)
		x->ts = sqlite3_column_int64(rows, 2);
	x->level = sqlite3_column_int(rows, 3);
	if (x->level < 0 || x->level >= MM_LEVEL_COUNT)
		x->level = MM_LEVEL_MEDIUM;
	if (inc_extract_row(x, rows, 5, inc_col_text(rows, 4)))
		p->st->bad_json++;
	p->st->dropped += x->dropped;

	if (p->n_a >= UINT32_MAX || grow(&p->a, &p->cap_a, p->n_a, sizeof(*p->a)))
		return MM_ENOMEM;
	a = &p->a[p->n_a];
	a->id = x->alert_id;
	a->ts = x->ts;
	a->level = (int8_t)x->level;
	a->stage = (int8_t)x->stage;
	a->inc = -1;
	a->step = str_id(&p->strs, x->step);
	a->label = str_id(&p->strs, x->label);
	if (a->step == UINT32_MAX || a->label == UINT32_MAX)
		return MM_ENOMEM;
	a->vals = (uint32_t)p->n_vals;
	a->n_vals = (uint32_t)x->n_values;
	for (i = 0; i < x->n_values; i++) {
		long e = ent_index(p, &x->values[i]);

		if (e < 0 || p->n_vals >= UINT32_MAX ||
		    grow(&p->vals, &p->cap_vals, p->n_vals, sizeof(*p->vals)))
			return MM_ENOMEM;
		p->vals[p->n_vals++] = (uint32_t)e | (x->values[i].key ? VAL_KEY : 0);
	}
	/* ORDER BY ts, id as SQLite sorts the column: NULL, numbers, text */
	t = sqlite3_column_type(rows, 1);
	o->key = t == SQLITE_NULL ? 0 : (t == SQLITE_INTEGER || t == SQLITE_FLOAT) ?
		 ts_key(sqlite3_column_int64(rows, 1)) : UINT64_MAX;
	o->ix = (uint32_t)p->n_a++;
	return 0;
}

/* Step 2 for one alert, in time order. */
static int assign(struct pass *p, struct arec *a)
{
	long cand[2 * INC_MAX_VALUES], target = -1;
	size_t n_cand = 0, i, j;
	int k, rc;

	for (i = 0; i < a->n_vals; i++) {
		uint32_t v = p->vals[a->vals + i];
		struct ent *e = &p->ent[v & ~VAL_KEY];

		if (!(v & VAL_KEY))
			continue;
		rc = ent_keys(p, e);
		if (rc)
			return rc;
		for (k = 0; k < e->nkeys; k++) {
			int64_t iid = p->key_inc[e->key[k]];
			long l;

			if (!iid)
				continue;
			l = live_get(p, iid);
			if (l < 0 || a->ts < p->live[l].first - p->window ||
			    a->ts > p->live[l].last + p->window)
				continue;
			for (j = 0; j < n_cand && cand[j] != l; j++)
				;
			if (j == n_cand)
				cand[n_cand++] = l;
		}
	}
	if (n_cand == 0) {
		sqlite3_reset(p->ins_inc);
		sqlite3_bind_int64(p->ins_inc, 1, a->ts);
		sqlite3_bind_int64(p->ins_inc, 2, a->ts);
		if (sqlite3_step(p->ins_inc) != SQLITE_DONE)
			return MM_EIO;
		target = live_new(p, sqlite3_last_insert_rowid(p->db->db), a->ts, a->ts, false);
		if (target < 0)
			return MM_ENOMEM;
		p->st->incidents_new++;
	} else {
		target = cand[0];
		for (j = 1; j < n_cand; j++)
			if (p->live[cand[j]].id < p->live[target].id)
				target = cand[j];
		for (j = 0; j < n_cand; j++) {
			if (cand[j] == target)
				continue;
			rc = merge(p, target, cand[j]);
			if (rc)
				return rc;
		}
	}
	p->live[target].first = MM_MIN(p->live[target].first, a->ts);
	p->live[target].last = MM_MAX(p->live[target].last, a->ts);
	p->live[target].touched = true;
	a->inc = target;

	for (i = 0; i < a->n_vals; i++) {
		uint32_t v = p->vals[a->vals + i];
		struct ent *e = &p->ent[v & ~VAL_KEY];

		if (e->order < 0)
			e->order = p->ent_order++;
		if (e->count == 0 || a->ts < e->first)
			e->first = a->ts;
		if (e->count == 0 || a->ts > e->last)
			e->last = a->ts;
		e->count++;
		/* linked once per incident it meets; repeats after a merge
		 * are removed when the links are written */
		if (e->linked != target) {
			e->linked = target;
			if (grow(&p->links, &p->cap_links, p->n_links, sizeof(*p->links)))
				return MM_ENOMEM;
			p->links[p->n_links].key = (uint64_t)target << 32 | (v & ~VAL_KEY);
			p->links[p->n_links].ix = 0;
			p->n_links++;
		}
		if (!(v & VAL_KEY))
			continue;
		for (k = 0; k < e->nkeys; k++) {
			int64_t *slot = &p->key_inc[e->key[k]];

			/* keep the key on the latest incident */
			if (*slot) {
				long cur = live_get(p, *slot);

				if (cur >= 0 && cur != target && p->live[cur].last > p->live[target].last)
					continue;
			}
			*slot = p->live[target].id;
		}
	}
	p->st->alerts++;
	return 0;
}

static const int level_points[MM_LEVEL_COUNT] = { 1, 5, 15, 30, 45 };

struct phrase {
	int stage;
	int level;
	int64_t order;
	char text[INC_STEP_MAX];
};

static int phrase_cmp(const void *a, const void *b)
{
	const struct phrase *x = a, *y = b;
	int sx = x->stage < 0 ? INC_STAGE_COUNT : x->stage;
	int sy = y->stage < 0 ? INC_STAGE_COUNT : y->stage;

	if (sx != sy)
		return sx < sy ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

#define MAX_PHRASES 24	/* candidates */
#define SUMMARY_PHRASES 8
#define STAGE_PHRASES 2

/* stage, then the most severe first, then the earliest */
static int rank_cmp(const void *a, const void *b)
{
	const struct phrase *x = a, *y = b;
	int sx = x->stage < 0 ? INC_STAGE_COUNT : x->stage;
	int sy = y->stage < 0 ? INC_STAGE_COUNT : y->stage;

	if (sx != sy)
		return sx < sy ? -1 : 1;
	if (x->level != y->level)
		return x->level > y->level ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}
#define MAX_LABELS 16

/* One incident's record, built from its alerts in (ts, alert id) order. */
struct fin {
	struct phrase ph[MAX_PHRASES];
	char labels[MAX_LABELS][INC_LABEL_MAX];
	int64_t label_n[MAX_LABELS];
	size_t n_ph, n_lab;
	int64_t n, first, last;
	int level;
	uint32_t stages;
};

static void fin_init(struct fin *f)
{
	f->n_ph = f->n_lab = 0;
	f->n = f->first = f->last = 0;
	f->level = 0;
	f->stages = 0;
}

static void fin_add(struct fin *f, int64_t ts, int lv, int stg, const char *step, const char *lab)
{
	size_t i;

	if (f->n == 0)
		f->first = ts;
	f->last = ts;
	f->n++;
	if (lv > f->level && lv < MM_LEVEL_COUNT)
		f->level = lv;
	if (stg >= 0 && stg < INC_STAGE_COUNT)
		f->stages |= 1u << stg;
	if (step && *step && f->n_ph < MAX_PHRASES) {
		for (i = 0; i < f->n_ph && strcmp(f->ph[i].text, step); i++)
			;
		if (i == f->n_ph) {
			f->ph[f->n_ph].stage = stg;
			f->ph[f->n_ph].level = lv;
			f->ph[f->n_ph].order = f->n;
			snprintf(f->ph[f->n_ph].text, sizeof(f->ph[f->n_ph].text), "%s", step);
			f->n_ph++;
		}
	}
	if (lab && *lab) {
		for (i = 0; i < f->n_lab && strcmp(f->labels[i], lab); i++)
			;
		if (i < f->n_lab) {
			f->label_n[i]++;
		} else if (f->n_lab < MAX_LABELS) {
			snprintf(f->labels[f->n_lab], sizeof(f->labels[f->n_lab]), "%s", lab);
			f->label_n[f->n_lab++] = 1;
		}
	}
}

/* Writes the record of incident id (level, score, summary...). */
static int fin_write(struct fin *f, sqlite3_stmt *upd, int64_t id)
{
	int per_stage[INC_STAGE_COUNT + 1];
	size_t i, best = 0;
	int score, n_stages = 0;
	char summary[INC_SUMMARY_MAX + 8];
	size_t len;

	memset(per_stage, 0, sizeof(per_stage));
	for (i = 1; i < f->n_lab; i++)
		if (f->label_n[i] > f->label_n[best])
			best = i;
	/* keep the most severe phrases of each stage, then tell them in
	 * chain order, and in time order within a stage */
	qsort(f->ph, f->n_ph, sizeof(f->ph[0]), rank_cmp);
	{
		size_t kept = 0;

		for (i = 0; i < f->n_ph && kept < SUMMARY_PHRASES; i++) {
			int si = f->ph[i].stage >= 0 && f->ph[i].stage < INC_STAGE_COUNT ?
				f->ph[i].stage : INC_STAGE_COUNT;

			if (per_stage[si] >= STAGE_PHRASES)
				continue;
			per_stage[si]++;
			f->ph[kept++] = f->ph[i];
		}
		f->n_ph = kept;
	}
	qsort(f->ph, f->n_ph, sizeof(f->ph[0]), phrase_cmp);
	len = (size_t)snprintf(summary, INC_SUMMARY_MAX, "%s: ", f->n_lab ? f->labels[best] : "?");
	for (i = 0; i < f->n_ph && len < INC_SUMMARY_MAX; i++)
		len += (size_t)snprintf(summary + len, INC_SUMMARY_MAX - len, "%s%s",
					i ? ", " : "", f->ph[i].text);
	if (len >= INC_SUMMARY_MAX - 1)
		memcpy(summary + INC_SUMMARY_MAX - 4, "\xe2\x80\xa6", 4);
	for (i = 0; i < INC_STAGE_COUNT; i++)
		if (f->stages & (1u << i))
			n_stages++;
	score = level_points[f->level] + 10 * MM_MIN(n_stages, 5) + (f->n >= 10 ? 5 : 0);
	score = MM_MIN(score, 100);

	sqlite3_reset(upd);
	sqlite3_bind_int64(upd, 1, f->first);
	sqlite3_bind_int64(upd, 2, f->last);
	sqlite3_bind_int64(upd, 3, f->n);
	sqlite3_bind_int(upd, 4, f->level);
	sqlite3_bind_int(upd, 5, score);
	sqlite3_bind_int64(upd, 6, f->stages);
	sqlite3_bind_text(upd, 7, f->n_lab ? f->labels[best] : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(upd, 8, summary, -1, SQLITE_STATIC);
	sqlite3_bind_int64(upd, 9, mm_now_us());
	sqlite3_bind_int64(upd, 10, id);
	return sqlite3_step(upd) == SQLITE_DONE ? 0 : MM_EIO;
}

static int ent_order_cmp(const void *x, const void *y)
{
	const struct ent *const *a = x, *const *b = y;

	return (*a)->order < (*b)->order ? -1 : (*a)->order > (*b)->order;
}

#define ROWS_PER_INSERT 64	/* rows bound per INSERT statement in bulk writes */

/* Prepares "<head> VALUES(?,...),(?,...)..." with rows rows of cols
 * parameters each. */
static int prepare_rows(struct incident_db *db, const char *head, int cols, int rows,
			sqlite3_stmt **st)
{
	struct mm_buf b;
	int r, c, rc;

	mm_buf_init(&b, 1u << 20);
	mm_buf_append_str(&b, head);
	mm_buf_append_str(&b, " VALUES");
	for (r = 0; r < rows; r++) {
		mm_buf_append_str(&b, r ? ",(" : "(");
		for (c = 0; c < cols; c++)
			mm_buf_append_str(&b, c ? ",?" : "?");
		mm_buf_append_str(&b, ")");
	}
	rc = b.ptr ? inc_prepare(db, b.ptr, st) : MM_ENOMEM;
	mm_buf_release(&b);
	return rc;
}

/* Binds row i (0-based in the statement) of an alert's row. */
static void bind_alert_row(struct pass *p, sqlite3_stmt *st, int row, const struct arec *a)
{
	int o = row * 7;

	sqlite3_bind_int64(st, o + 1, a->id);
	sqlite3_bind_int64(st, o + 2, p->live[live_root(p, a->inc)].id);
	sqlite3_bind_int64(st, o + 3, a->ts);
	sqlite3_bind_int(st, o + 4, a->level);
	sqlite3_bind_int(st, o + 5, a->stage);
	sqlite3_bind_text(st, o + 6, p->strs.s[a->step], -1, SQLITE_STATIC);
	sqlite3_bind_text(st, o + 7, p->strs.s[a->label], -1, SQLITE_STATIC);
}

/* Step 3: the alerts' rows, entities, links and keys. */
static int write_rows(struct pass *p)
{
	sqlite3_stmt *ins_alert = NULL, *ins_ent = NULL, *upd_ent = NULL, *ins_link = NULL,
		*put_key = NULL, *cnt = NULL, *ins_alerts = NULL, *ins_links = NULL;
	struct ent **fresh = NULL;
	size_t i, n_fresh = 0, n_uniq;
	int row;
	bool reindex = false;
	int rc = MM_EIO;

	if (inc_prepare(p->db, "INSERT INTO inc_alerts(alert_id, incident_id, ts, level, stage,"
			" step, label) VALUES(?,?,?,?,?,?,?)", &ins_alert) ||
	    inc_prepare(p->db, "INSERT INTO inc_entities(role, kind, value, first_ts, last_ts,"
			" alerts) VALUES(?,?,?,?,?,?)", &ins_ent) ||
	    inc_prepare(p->db, "UPDATE inc_entities SET first_ts=?, last_ts=?, alerts=?"
			" WHERE id=?", &upd_ent) ||
	    inc_prepare(p->db, "INSERT OR IGNORE INTO inc_links(incident_id, entity_id)"
			" VALUES(?,?)", &ins_link) ||
	    inc_prepare(p->db, "INSERT OR REPLACE INTO inc_keys(key, incident_id, last_ts)"
			" VALUES(?,?,?)", &put_key) ||
	    prepare_rows(p->db, "INSERT INTO inc_alerts(alert_id, incident_id, ts, level, stage,"
			 " step, label)", 7, ROWS_PER_INSERT, &ins_alerts) ||
	    prepare_rows(p->db, "INSERT OR IGNORE INTO inc_links(incident_id, entity_id)", 2,
			 ROWS_PER_INSERT, &ins_links))
		goto out;
	/* a large batch: one sorted index build instead of a random insert
	 * per row */
	if (p->n_a >= INC_REINDEX_MIN) {
		if (inc_prepare(p->db, "SELECT count(*) FROM inc_alerts", &cnt))
			goto out;
		reindex = sqlite3_step(cnt) == SQLITE_ROW &&
			  (uint64_t)sqlite3_column_int64(cnt, 0) < 2 * (uint64_t)p->n_a;
		sqlite3_finalize(cnt);
		cnt = NULL;
		if (reindex && inc_exec(p->db, "DROP INDEX IF EXISTS inc_alerts_incident"))
			goto out;
	}
	/* ROWS_PER_INSERT rows per statement, the rest one by one */
	for (i = 0; i + ROWS_PER_INSERT <= p->n_a; i += ROWS_PER_INSERT) {
		sqlite3_reset(ins_alerts);
		for (row = 0; row < ROWS_PER_INSERT; row++)
			bind_alert_row(p, ins_alerts, row, &p->a[i + (size_t)row]);
		if (sqlite3_step(ins_alerts) != SQLITE_DONE)
			goto out;
	}
	for (; i < p->n_a; i++) {
		sqlite3_reset(ins_alert);
		bind_alert_row(p, ins_alert, 0, &p->a[i]);
		if (sqlite3_step(ins_alert) != SQLITE_DONE)
			goto out;
	}
	if (reindex && inc_exec(p->db, "CREATE INDEX IF NOT EXISTS inc_alerts_incident"
				" ON inc_alerts(incident_id, ts)"))
		goto out;

	/* new entities get their ids in the order they were first used */
	fresh = malloc((p->n_ent ? p->n_ent : 1) * sizeof(*fresh));
	if (!fresh) {
		rc = MM_ENOMEM;
		goto out;
	}
	for (i = 0; i < p->n_ent; i++) {
		struct ent *e = &p->ent[i];

		if (e->order < 0)
			continue;
		if (!e->id) {
			fresh[n_fresh++] = e;
			continue;
		}
		sqlite3_reset(upd_ent);
		sqlite3_bind_int64(upd_ent, 1, e->first);
		sqlite3_bind_int64(upd_ent, 2, e->last);
		sqlite3_bind_int64(upd_ent, 3, e->count);
		sqlite3_bind_int64(upd_ent, 4, e->id);
		if (sqlite3_step(upd_ent) != SQLITE_DONE)
			goto out;
	}
	qsort(fresh, n_fresh, sizeof(*fresh), ent_order_cmp);
	for (i = 0; i < n_fresh; i++) {
		struct ent *e = fresh[i];

		sqlite3_reset(ins_ent);
		sqlite3_bind_int(ins_ent, 1, e->role);
		sqlite3_bind_text(ins_ent, 2, e->kind, -1, SQLITE_STATIC);
		sqlite3_bind_text(ins_ent, 3, e->value, -1, SQLITE_STATIC);
		sqlite3_bind_int64(ins_ent, 4, e->first);
		sqlite3_bind_int64(ins_ent, 5, e->last);
		sqlite3_bind_int64(ins_ent, 6, e->count);
		if (sqlite3_step(ins_ent) != SQLITE_DONE)
			goto out;
		e->id = sqlite3_last_insert_rowid(p->db->db);
		p->st->entities++;
	}

	/* links: resolved to the incidents that remain, in key order */
	for (i = 0; i < p->n_links; i++) {
		uint64_t k = p->links[i].key;

		p->links[i].key = (uint64_t)live_root(p, (long)(k >> 32)) << 32 | (k & 0xffffffffu);
	}
	if (ord_sort(p->links, p->n_links)) {
		rc = MM_ENOMEM;
		goto out;
	}
	for (i = 0, n_uniq = 0; i < p->n_links; i++)
		if (!i || p->links[i].key != p->links[n_uniq - 1].key)
			p->links[n_uniq++] = p->links[i];
	for (i = 0; i + ROWS_PER_INSERT <= n_uniq; i += ROWS_PER_INSERT) {
		sqlite3_reset(ins_links);
		for (row = 0; row < ROWS_PER_INSERT; row++) {
			uint64_t k = p->links[i + (size_t)row].key;

			sqlite3_bind_int64(ins_links, 2 * row + 1, p->live[k >> 32].id);
			sqlite3_bind_int64(ins_links, 2 * row + 2, p->ent[k & 0xffffffffu].id);
		}
		if (sqlite3_step(ins_links) != SQLITE_DONE)
			goto out;
	}
	for (; i < n_uniq; i++) {
		sqlite3_reset(ins_link);
		sqlite3_bind_int64(ins_link, 1, p->live[p->links[i].key >> 32].id);
		sqlite3_bind_int64(ins_link, 2, p->ent[p->links[i].key & 0xffffffffu].id);
		if (sqlite3_step(ins_link) != SQLITE_DONE)
			goto out;
	}

	for (i = 0; i < p->n_keys; i++) {
		long l;

		if (!p->key_inc[i])
			continue;
		l = live_get(p, p->key_inc[i]);
		if (l < 0)
			continue;
		sqlite3_reset(put_key);
		sqlite3_bind_text(put_key, 1, p->key_str[i], -1, SQLITE_STATIC);
		sqlite3_bind_int64(put_key, 2, p->live[l].id);
		sqlite3_bind_int64(put_key, 3, p->live[l].last);
		if (sqlite3_step(put_key) != SQLITE_DONE)
			goto out;
	}
	rc = 0;
out:
	free(fresh);
	sqlite3_finalize(cnt);
	sqlite3_finalize(ins_alert);
	sqlite3_finalize(ins_alerts);
	sqlite3_finalize(ins_links);
	sqlite3_finalize(ins_ent);
	sqlite3_finalize(upd_ent);
	sqlite3_finalize(ins_link);
	sqlite3_finalize(put_key);
	return rc;
}

/* Step 4: the touched incidents' records. ord: the alerts in (ts, id)
 * order, ts as stored in inc_alerts. */
static int finish(struct pass *p, const struct ord *ord)
{
	sqlite3_stmt *sel = NULL, *upd = NULL;
	size_t *start = NULL, *fill = NULL;
	uint32_t *members = NULL;
	struct fin *f = NULL;
	size_t i, n = 0;
	int rc = MM_EIO;

	f = malloc(sizeof(*f));
	start = calloc(p->n_live + 1, sizeof(*start));
	fill = calloc(p->n_live + 1, sizeof(*fill));
	members = malloc((p->n_a ? p->n_a : 1) * sizeof(*members));
	if (!f || !start || !fill || !members) {
		rc = MM_ENOMEM;
		goto out;
	}
	if (inc_prepare(p->db, "SELECT ts, level, stage, step, label FROM inc_alerts"
			" WHERE incident_id=? ORDER BY ts, alert_id", &sel) ||
	    inc_prepare(p->db, "UPDATE inc_incidents SET first_ts=?, last_ts=?, alerts=?, level=?,"
			" score=?, stages=?, label=?, summary=?, updated=? WHERE id=?", &upd))
		goto out;
	/* the alerts of each incident made in this pass, in time order */
	for (i = 0; i < p->n_a; i++)
		start[live_root(p, p->a[i].inc) + 1]++;
	for (i = 0; i < p->n_live; i++)
		start[i + 1] += start[i];
	for (i = 0; i < p->n_a; i++) {
		uint32_t ix = ord[i].ix;
		long r = live_root(p, p->a[ix].inc);

		members[start[r] + fill[r]++] = ix;
	}
	for (i = 0; i < p->n_live; i++) {
		struct live *l = &p->live[i];
		size_t k;

		if (!l->touched || l->parent != (long)i)
			continue;
		fin_init(f);
		if (l->old) {
			/* alerts from earlier passes too: read them all */
			sqlite3_reset(sel);
			sqlite3_bind_int64(sel, 1, l->id);
			while (sqlite3_step(sel) == SQLITE_ROW)
				fin_add(f, sqlite3_column_int64(sel, 0), sqlite3_column_int(sel, 1),
					sqlite3_column_int(sel, 2), inc_col_text(sel, 3),
					inc_col_text(sel, 4));
		} else {
			for (k = start[i]; k < start[i + 1]; k++) {
				const struct arec *a = &p->a[members[k]];

				fin_add(f, a->ts, a->level, a->stage, p->strs.s[a->step],
					p->strs.s[a->label]);
			}
		}
		if (fin_write(f, upd, l->id))
			goto out;
		n++;
	}
	p->st->incidents_touched += n;
	rc = 0;
out:
	sqlite3_finalize(sel);
	sqlite3_finalize(upd);
	free(f);
	free(start);
	free(fill);
	free(members);
	return rc;
}

static int64_t state_get(struct incident_db *db, const char *name)
{
	sqlite3_stmt *s = NULL;
	int64_t v = 0;

	if (inc_prepare(db, "SELECT value FROM inc_state WHERE name=?", &s) == 0) {
		sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
		if (sqlite3_step(s) == SQLITE_ROW)
			v = sqlite3_column_int64(s, 0);
	}
	sqlite3_finalize(s);
	return v;
}

static int state_set(struct incident_db *db, const char *name, int64_t v)
{
	sqlite3_stmt *s = NULL;
	int rc = MM_EIO;

	if (inc_prepare(db, "INSERT OR REPLACE INTO inc_state(name, value) VALUES(?,?)", &s) == 0) {
		sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
		sqlite3_bind_int64(s, 2, v);
		if (sqlite3_step(s) == SQLITE_DONE)
			rc = 0;
	}
	sqlite3_finalize(s);
	return rc;
}

static bool table_has_rows(struct incident_db *db, const char *sql)
{
	sqlite3_stmt *s = NULL;
	bool yes = true;	/* when in doubt, look things up */

	if (inc_prepare(db, sql, &s) == 0)
		yes = sqlite3_step(s) == SQLITE_ROW;
	sqlite3_finalize(s);
	return yes;
}

static void pass_release(struct pass *p)
{
	size_t i;

	sqlite3_finalize(p->sel_key);
	sqlite3_finalize(p->sel_inc);
	sqlite3_finalize(p->ins_inc);
	sqlite3_finalize(p->sel_ent);
	sqlite3_finalize(p->del_inc);
	sqlite3_finalize(p->mv_alerts);
	sqlite3_finalize(p->mv_links);
	sqlite3_finalize(p->del_links);
	sqlite3_finalize(p->mv_keys);
	imap_release(&p->incs);
	inc_map_release(&p->keys);
	inc_map_release(&p->ents);
	inc_map_release(&p->alias);
	while (p->n_alias)
		free(p->alias_host[--p->n_alias]);
	free(p->alias_host);
	for (i = 0; i < p->n_keys; i++)
		free(p->key_str[i]);
	free(p->key_str);
	free(p->key_inc);
	for (i = 0; i < p->n_ent; i++)
		free(p->ent[i].value);
	free(p->ent);
	strs_release(&p->strs);
	free(p->live);
	free(p->a);
	free(p->vals);
	free(p->links);
	memset(p, 0, sizeof(*p));
}

/* Step 1 for one row (of the query, or of the one for an unreadable row,
 * which has only the first five columns). */
static int add_row(struct pass *p, sqlite3_stmt *rows, struct inc_extract *x, struct ord **ord,
		   size_t *cap_ord, bool *substituted)
{
	struct ord *o;
	int rc;

	if (grow(ord, cap_ord, p->n_a, sizeof(**ord)))
		return MM_ENOMEM;
	o = &(*ord)[p->n_a];
	rc = read_alert(p, rows, x, o);
	if (rc == 0 && (o->key == 0 || o->key == UINT64_MAX || o->key == ts_key(0)))
		*substituted = true;
	return rc;
}

/* One pass over the alerts with ids in (lo, hi]. */
static int pass_run(struct incident_db *db, int64_t window, int64_t lo, int64_t hi,
		    struct incidents_stats *stats)
{
	struct pass p;
	struct inc_extract *x = NULL;
	struct ord *ord = NULL;
	size_t cap_ord = 0, i;
	sqlite3_stmt *rows = NULL, *next = NULL;
	struct mm_buf sql;
	bool substituted = false;
	int64_t cur;
	int rc = MM_EIO, step;

	memset(&p, 0, sizeof(p));
	p.db = db;
	p.st = stats;
	p.window = window;
	mm_buf_init(&sql, 1u << 16);
	x = malloc(sizeof(*x));
	if (!x) {
		rc = MM_ENOMEM;
		goto out;
	}
	rc = load_aliases(&p);
	if (rc)
		goto out;
	rc = MM_EIO;
	p.has_keys = table_has_rows(db, "SELECT 1 FROM inc_keys LIMIT 1");
	p.has_ents = table_has_rows(db, "SELECT 1 FROM inc_entities LIMIT 1");
	mm_buf_appendf(&sql, "SELECT id, ts, ingested, level, host, %s FROM alerts"
		       " WHERE id>? AND id<=? ORDER BY id", inc_columns_sql);
	if (!sql.ptr) {
		rc = MM_ENOMEM;
		goto out;
	}
	if (inc_prepare(db, "SELECT incident_id FROM inc_keys WHERE key=?", &p.sel_key) ||
	    inc_prepare(db, "SELECT first_ts, last_ts FROM inc_incidents WHERE id=?", &p.sel_inc) ||
	    inc_prepare(db, "INSERT INTO inc_incidents(first_ts, last_ts, alerts, level, score,"
			" stages) VALUES(?,?,0,0,0,0)", &p.ins_inc) ||
	    inc_prepare(db, "SELECT id, first_ts, last_ts, alerts FROM inc_entities WHERE role=?"
			" AND kind=? AND value=?", &p.sel_ent) ||
	    inc_prepare(db, "DELETE FROM inc_incidents WHERE id=?", &p.del_inc) ||
	    inc_prepare(db, "UPDATE inc_alerts SET incident_id=? WHERE incident_id=?", &p.mv_alerts) ||
	    inc_prepare(db, "INSERT OR IGNORE INTO inc_links(incident_id, entity_id)"
			" SELECT ?, entity_id FROM inc_links WHERE incident_id=?", &p.mv_links) ||
	    inc_prepare(db, "DELETE FROM inc_links WHERE incident_id=?", &p.del_links) ||
	    inc_prepare(db, "UPDATE inc_keys SET incident_id=? WHERE incident_id=?", &p.mv_keys) ||
	    inc_prepare(db, sql.ptr, &rows) ||
	    inc_prepare(db, "SELECT id, ts, ingested, level, host FROM alerts"
			" WHERE id>? AND id<=? ORDER BY id LIMIT 1", &next))
		goto out;
	/* 1: read in id order; a row whose JSON SQLite cannot read ends
	 * the query with an error: that row (the next id) is taken as
	 * unreadable and the query goes on after it */
	for (cur = lo;;) {
		sqlite3_reset(rows);
		sqlite3_bind_int64(rows, 1, cur);
		sqlite3_bind_int64(rows, 2, hi);
		while ((step = sqlite3_step(rows)) == SQLITE_ROW) {
			rc = add_row(&p, rows, x, &ord, &cap_ord, &substituted);
			if (rc)
				goto out;
			cur = p.a[p.n_a - 1].id;
		}
		if (step == SQLITE_DONE)
			break;
		rc = MM_EIO;
		if (sqlite3_errcode(db->db) != SQLITE_ERROR || !strstr(sqlite3_errmsg(db->db), "JSON"))
			goto out;
		sqlite3_reset(rows);
		sqlite3_reset(next);
		sqlite3_bind_int64(next, 1, cur);
		sqlite3_bind_int64(next, 2, hi);
		if (sqlite3_step(next) != SQLITE_ROW)
			goto out;
		rc = add_row(&p, next, x, &ord, &cap_ord, &substituted);
		if (rc)
			goto out;
		cur = p.a[p.n_a - 1].id;
	}
	sqlite3_finalize(rows);
	rows = NULL;
	/* 2: assign in time order */
	if (ord_sort(ord, p.n_a)) {
		rc = MM_ENOMEM;
		goto out;
	}
	for (i = 0; i < p.n_a; i++) {
		rc = assign(&p, &p.a[ord[i].ix]);
		if (rc)
			goto out;
	}
	/* 3 and 4; summaries read alerts in the order of the stored ts
	 * (the ingestion time stands for a missing one) */
	rc = write_rows(&p);
	if (rc)
		goto out;
	if (substituted) {
		for (i = 0; i < p.n_a; i++) {
			ord[i].key = ts_key(p.a[i].ts);
			ord[i].ix = (uint32_t)i;
		}
		if (ord_sort(ord, p.n_a)) {
			rc = MM_ENOMEM;
			goto out;
		}
	}
	rc = finish(&p, ord);
out:
	sqlite3_finalize(rows);
	sqlite3_finalize(next);
	pass_release(&p);
	mm_buf_release(&sql);
	free(ord);
	free(x);
	return rc;
}

int incident_db_correlate(struct incident_db *db, int64_t window_us,
			  struct incidents_stats *stats, struct mm_diag *diag)
{
	return inc_correlate(db, window_us, INC_PASS_MAX, stats, diag);
}

int inc_correlate(struct incident_db *db, int64_t window_us, int64_t pass_max,
		  struct incidents_stats *stats, struct mm_diag *diag)
{
	struct incidents_stats local;
	sqlite3_stmt *s = NULL;
	int64_t last_id, max_id = 0, window;
	int rc = MM_EIO;
	bool in_tx = false;

	if (!stats)
		stats = &local;
	memset(stats, 0, sizeof(*stats));
	window = window_us > 0 ? window_us : (int64_t)INCIDENTS_WINDOW_DEFAULT * 1000000;
	/* the pass reads the alerts once, in order, and writes through the
	 * page cache: mapping the file brings no speed here, only a resident
	 * size of the whole store (1M alerts: 0.93 GB against 0.31 GB) */
	inc_exec(db, "PRAGMA mmap_size=0");
	if (inc_exec(db, "BEGIN IMMEDIATE"))
		goto out;
	in_tx = true;
	last_id = state_get(db, "last_alert_id");
	if (inc_prepare(db, "SELECT max(id) FROM alerts", &s))
		goto out;
	if (sqlite3_step(s) == SQLITE_ROW)
		max_id = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	s = NULL;
	/* passes of at most pass_max alerts, each in its time order */
	pass_max = MM_MAX(pass_max, 1);
	if (last_id < max_id &&
	    inc_prepare(db, "SELECT id FROM alerts WHERE id>? AND id<=? ORDER BY id"
			" LIMIT 1 OFFSET ?3", &s))
		goto out;
	while (last_id < max_id) {
		int64_t hi = max_id;

		sqlite3_reset(s);
		sqlite3_bind_int64(s, 1, last_id);
		sqlite3_bind_int64(s, 2, max_id);
		sqlite3_bind_int64(s, 3, pass_max - 1);
		if (sqlite3_step(s) == SQLITE_ROW)
			hi = sqlite3_column_int64(s, 0);
		rc = pass_run(db, window, last_id, hi, stats);
		if (rc)
			goto out;
		rc = MM_EIO;
		last_id = hi;
	}
	if (state_set(db, "last_alert_id", MM_MAX(last_id, max_id)) || inc_exec(db, "COMMIT"))
		goto out;
	in_tx = false;
	rc = 0;
out:
	sqlite3_finalize(s);
	if (rc)
		mm_diag_set(diag, rc, db->path, -1, -1, "correlating incidents: %s",
			    rc == MM_ENOMEM ? "out of memory" : sqlite3_errmsg(db->db));
	if (in_tx)
		inc_exec(db, "ROLLBACK");
	inc_exec(db, "PRAGMA mmap_size=" INC_MMAP_SIZE);
	return rc;
}

int incidents_update(const char *db_path, const struct mm_config *cfg, struct mm_diag *diag)
{
	struct incident_db *db = NULL;
	int64_t window = INCIDENTS_WINDOW_DEFAULT;
	int rc;

	if (cfg)
		window = mm_config_get_int(cfg, INCIDENTS_WINDOW_KEY, INCIDENTS_WINDOW_DEFAULT);
	rc = incident_db_open(&db, db_path, diag);
	if (rc)
		return rc;
	rc = incident_db_correlate(db, window * 1000000, NULL, diag);
	incident_db_close(db);
	return rc;
}
