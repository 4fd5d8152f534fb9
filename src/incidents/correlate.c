/*
 * correlate.c — alerts into incidents, incrementally, in the store.
 *
 * incident_db_correlate() reads the alerts added since its last call
 * (ids above inc_state.last_alert_id, up to the max id when it started) in
 * time order, extracts each one (entities.c) and puts it into an incident:
 * the incidents reachable through its correlation keys (inc_keys: the
 * latest incident of each key) whose span [first - window, last + window]
 * holds the alert's time are candidates; none gives a new incident, one is
 * joined, several are merged into the oldest (lowest id). An alert is
 * inserted once in inc_alerts (its primary key), and a merge moves rows, so
 * an alert is in exactly one incident. Summaries, scores and chains are
 * recomputed from inc_alerts for the incidents touched, at the end, in
 * (ts, alert id) order, so a timeline is never inverted.
 *
 * Everything happens in one transaction: an interrupted update leaves the
 * previous state. In-memory caches (keys, entities, incidents, links) make
 * the per-alert cost a few hash lookups and one INSERT.
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
	if (sqlite3_open_v2(path, &db->db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
		rc = mm_diag_set(diag, MM_EIO, path, -1, -1, "cannot open the store: %s",
				 db->db ? sqlite3_errmsg(db->db) : "no memory");
		goto out;
	}
	sqlite3_busy_timeout(db->db, MM_STORE_BUSY_MS);
	/* correlation reads the alerts in time order (random pages) and
	 * writes several tables: a larger page cache and a mapped file keep
	 * that from being I/O bound */
	inc_exec(db, "PRAGMA cache_size=-131072");
	inc_exec(db, "PRAGMA mmap_size=4294967296");
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

/* ---- one correlation pass ----------------------------------------------- */

struct live {
	int64_t id, first, last, parent;
	bool touched;
};

struct ent {
	int64_t id, first, last, count;
	int64_t linked;		/* the incident it was last linked to */
	bool dirty;
};

struct pass {
	struct incident_db *db;
	int64_t window;
	struct incidents_stats *st;
	struct inc_map incs;	/* "id" -> index in live */
	struct live *live;
	size_t n_live, cap_live;
	struct inc_map keys;	/* key -> incident id (0: none) */
	struct inc_map ents;	/* role|kind|value -> index in ent */
	struct ent *ent;
	size_t n_ent, cap_ent;
	struct inc_map alias;	/* "ip:ADDR" -> index in alias_host */
	char **alias_host;
	size_t n_alias;
	sqlite3_stmt *sel_key, *sel_inc, *ins_inc, *ins_alert, *sel_ent, *ins_ent,
		*ins_link, *del_inc, *mv_alerts, *mv_links, *del_links, *mv_keys;
};

static int64_t *live_slot(struct pass *p, int64_t id, bool create, int64_t first, int64_t last)
{
	char k[24];
	bool found;
	int64_t *ix;

	snprintf(k, sizeof(k), "%" PRId64, id);
	ix = inc_map_get(&p->incs, k);
	if (ix || !create)
		return ix;
	if (p->n_live == p->cap_live) {
		size_t nc = p->cap_live ? p->cap_live * 2 : 256;
		struct live *nl = realloc(p->live, nc * sizeof(*nl));

		if (!nl)
			return NULL;
		p->live = nl;
		p->cap_live = nc;
	}
	ix = inc_map_put(&p->incs, k, (int64_t)p->n_live, &found);
	if (!ix)
		return NULL;
	p->live[p->n_live].id = id;
	p->live[p->n_live].first = first;
	p->live[p->n_live].last = last;
	p->live[p->n_live].parent = id;
	p->live[p->n_live].touched = false;
	p->n_live++;
	return ix;
}

/* The index in p->live of incident id (loaded from the store on first
 * use, following merges); -1 when it does not exist. An index, not a
 * pointer: loading another incident may move the array. */
static long live_get(struct pass *p, int64_t id)
{
	int64_t *ix;
	int hops = 0;

	for (;;) {
		ix = live_slot(p, id, false, 0, 0);
		if (!ix) {
			int64_t first, last;

			sqlite3_reset(p->sel_inc);
			sqlite3_bind_int64(p->sel_inc, 1, id);
			if (sqlite3_step(p->sel_inc) != SQLITE_ROW)
				return -1;
			first = sqlite3_column_int64(p->sel_inc, 0);
			last = sqlite3_column_int64(p->sel_inc, 1);
			ix = live_slot(p, id, true, first, last);
			if (!ix)
				return -1;
		}
		if (p->live[*ix].parent == id || ++hops > 64)
			return (long)*ix;
		id = p->live[*ix].parent;
	}
}

static int key_lookup(struct pass *p, const char *key, int64_t *incident)
{
	bool found;
	int64_t *v = inc_map_put(&p->keys, key, 0, &found);

	if (!v)
		return MM_ENOMEM;
	if (!found) {
		sqlite3_reset(p->sel_key);
		sqlite3_bind_text(p->sel_key, 1, key, -1, SQLITE_STATIC);
		if (sqlite3_step(p->sel_key) == SQLITE_ROW)
			*v = sqlite3_column_int64(p->sel_key, 0);
	}
	*incident = *v;
	return 0;
}

static int merge(struct pass *p, struct live *into, struct live *from)
{
	sqlite3_stmt *s[4] = { p->mv_alerts, p->mv_links, p->del_links, p->mv_keys };
	size_t i;

	for (i = 0; i < MM_ARRAY_SIZE(s); i++) {
		sqlite3_reset(s[i]);
		if (s[i] == p->del_links) {
			sqlite3_bind_int64(s[i], 1, from->id);
		} else {
			sqlite3_bind_int64(s[i], 1, into->id);
			sqlite3_bind_int64(s[i], 2, from->id);
		}
		if (sqlite3_step(s[i]) != SQLITE_DONE)
			return MM_EIO;
	}
	sqlite3_reset(p->del_inc);
	sqlite3_bind_int64(p->del_inc, 1, from->id);
	if (sqlite3_step(p->del_inc) != SQLITE_DONE)
		return MM_EIO;
	from->parent = into->id;
	from->touched = false;
	into->first = MM_MIN(into->first, from->first);
	into->last = MM_MAX(into->last, from->last);
	into->touched = true;
	p->st->incidents_merged++;
	return 0;
}

static int entity_id(struct pass *p, const struct inc_value *v, int64_t ts, size_t *ix_out)
{
	char k[INC_VALUE_MAX + 32];
	bool found;
	int64_t *ix;
	struct ent *e;

	snprintf(k, sizeof(k), "%d|%s|%s", v->role, v->kind, v->value);
	ix = inc_map_put(&p->ents, k, -1, &found);
	if (!ix)
		return MM_ENOMEM;
	if (!found) {
		if (p->n_ent == p->cap_ent) {
			size_t nc = p->cap_ent ? p->cap_ent * 2 : 1024;
			struct ent *ne = realloc(p->ent, nc * sizeof(*ne));

			if (!ne)
				return MM_ENOMEM;
			p->ent = ne;
			p->cap_ent = nc;
		}
		e = &p->ent[p->n_ent];
		*ix = (int64_t)p->n_ent++;
		memset(e, 0, sizeof(*e));
		sqlite3_reset(p->sel_ent);
		sqlite3_bind_int(p->sel_ent, 1, v->role);
		sqlite3_bind_text(p->sel_ent, 2, v->kind, -1, SQLITE_STATIC);
		sqlite3_bind_text(p->sel_ent, 3, v->value, -1, SQLITE_STATIC);
		if (sqlite3_step(p->sel_ent) == SQLITE_ROW) {
			e->id = sqlite3_column_int64(p->sel_ent, 0);
			e->first = sqlite3_column_int64(p->sel_ent, 1);
			e->last = sqlite3_column_int64(p->sel_ent, 2);
			e->count = sqlite3_column_int64(p->sel_ent, 3);
		} else {
			sqlite3_reset(p->ins_ent);
			sqlite3_bind_int(p->ins_ent, 1, v->role);
			sqlite3_bind_text(p->ins_ent, 2, v->kind, -1, SQLITE_STATIC);
			sqlite3_bind_text(p->ins_ent, 3, v->value, -1, SQLITE_STATIC);
			sqlite3_bind_int64(p->ins_ent, 4, ts);
			if (sqlite3_step(p->ins_ent) != SQLITE_DONE)
				return MM_EIO;
			e->id = sqlite3_last_insert_rowid(p->db->db);
			e->first = e->last = ts;
			p->st->entities++;
		}
	}
	e = &p->ent[*ix];
	if (e->count == 0 || ts < e->first)
		e->first = ts;
	if (e->count == 0 || ts > e->last)
		e->last = ts;
	e->count++;
	e->dirty = true;
	*ix_out = (size_t)*ix;
	return 0;
}

/* Links an entity to an incident once; the entity remembers the last
 * incident it was linked to, which catches nearly every repeat without a
 * lookup (a repeat it misses is an INSERT OR IGNORE). */
static int link(struct pass *p, int64_t incident, size_t ent_ix)
{
	struct ent *e = &p->ent[ent_ix];

	if (e->linked == incident)
		return 0;
	e->linked = incident;
	sqlite3_reset(p->ins_link);
	sqlite3_bind_int64(p->ins_link, 1, incident);
	sqlite3_bind_int64(p->ins_link, 2, e->id);
	return sqlite3_step(p->ins_link) == SQLITE_DONE ? 0 : MM_EIO;
}

#define KEY_MAX (INC_VALUE_MAX + 16)

/* The correlation keys of a value: "kind:value", and for an aliased
 * address also its host's key (incidents made before the alias still hold
 * the address key). Returns how many (0..2). */
static size_t make_keys(const struct pass *p, const struct inc_value *v, char keys[2][KEY_MAX])
{
	int64_t *ix;

	snprintf(keys[0], KEY_MAX, "%s:%s", v->kind, v->value);
	if (p->n_alias && !strcmp(v->kind, "ip") && (ix = inc_map_get(&p->alias, keys[0]))) {
		snprintf(keys[1], KEY_MAX, "host:%s", p->alias_host[*ix]);
		return 2;
	}
	return 1;
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

static int assign(struct pass *p, const struct inc_extract *x)
{
	long cand[2 * INC_MAX_VALUES], target = -1;
	size_t n_cand = 0, i, j, k, nk;
	char keys[2][KEY_MAX];
	int rc;

	for (i = 0; i < x->n_values; i++) {
		const struct inc_value *v = &x->values[i];

		if (!v->key)
			continue;
		nk = make_keys(p, v, keys);
		for (k = 0; k < nk; k++) {
			int64_t iid;
			long l;

			rc = key_lookup(p, keys[k], &iid);
			if (rc)
				return rc;
			if (!iid)
				continue;
			l = live_get(p, iid);
			if (l < 0 || x->ts < p->live[l].first - p->window ||
			    x->ts > p->live[l].last + p->window)
				continue;
			for (j = 0; j < n_cand && cand[j] != l; j++)
				;
			if (j == n_cand)
				cand[n_cand++] = l;
		}
	}
	if (n_cand == 0) {
		int64_t id, *ix;

		sqlite3_reset(p->ins_inc);
		sqlite3_bind_int64(p->ins_inc, 1, x->ts);
		sqlite3_bind_int64(p->ins_inc, 2, x->ts);
		if (sqlite3_step(p->ins_inc) != SQLITE_DONE)
			return MM_EIO;
		id = sqlite3_last_insert_rowid(p->db->db);
		ix = live_slot(p, id, true, x->ts, x->ts);
		if (!ix)
			return MM_ENOMEM;
		target = (long)*ix;
		p->st->incidents_new++;
	} else {
		target = cand[0];
		for (j = 1; j < n_cand; j++)
			if (p->live[cand[j]].id < p->live[target].id)
				target = cand[j];
		for (j = 0; j < n_cand; j++) {
			if (cand[j] == target)
				continue;
			rc = merge(p, &p->live[target], &p->live[cand[j]]);
			if (rc)
				return rc;
		}
	}
	p->live[target].first = MM_MIN(p->live[target].first, x->ts);
	p->live[target].last = MM_MAX(p->live[target].last, x->ts);
	p->live[target].touched = true;

	sqlite3_reset(p->ins_alert);
	sqlite3_bind_int64(p->ins_alert, 1, x->alert_id);
	sqlite3_bind_int64(p->ins_alert, 2, p->live[target].id);
	sqlite3_bind_int64(p->ins_alert, 3, x->ts);
	sqlite3_bind_int(p->ins_alert, 4, x->level);
	sqlite3_bind_int(p->ins_alert, 5, x->stage);
	sqlite3_bind_text(p->ins_alert, 6, x->step, -1, SQLITE_STATIC);
	sqlite3_bind_text(p->ins_alert, 7, x->label, -1, SQLITE_STATIC);
	if (sqlite3_step(p->ins_alert) != SQLITE_DONE)
		return MM_EIO;

	for (i = 0; i < x->n_values; i++) {
		const struct inc_value *v = &x->values[i];
		size_t eix;

		rc = entity_id(p, v, x->ts, &eix);
		if (!rc)
			rc = link(p, p->live[target].id, eix);
		if (rc)
			return rc;
		if (!v->key)
			continue;
		nk = make_keys(p, v, keys);
		for (k = 0; k < nk; k++) {
			bool found;
			int64_t *slot = inc_map_put(&p->keys, keys[k], 0, &found);
			long cur;

			if (!slot)
				return MM_ENOMEM;
			/* keep the key on the latest incident */
			if (*slot) {
				int64_t was = *slot;

				cur = live_get(p, was);
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

/* Recomputes one incident's record from its alerts. */
static int finish_incident(struct pass *p, sqlite3_stmt *sel, sqlite3_stmt *upd, int64_t id)
{
	struct phrase ph[MAX_PHRASES];
	char labels[MAX_LABELS][INC_LABEL_MAX];
	int64_t label_n[MAX_LABELS];
	size_t n_ph = 0, n_lab = 0, i, best = 0;
	int64_t n = 0, first = 0, last = 0;
	int level = 0, per_stage[INC_STAGE_COUNT + 1];
	uint32_t stages = 0;
	int score, n_stages = 0;
	char summary[INC_SUMMARY_MAX + 8];
	size_t len;

	memset(per_stage, 0, sizeof(per_stage));
	sqlite3_reset(sel);
	sqlite3_bind_int64(sel, 1, id);
	while (sqlite3_step(sel) == SQLITE_ROW) {
		int64_t ts = sqlite3_column_int64(sel, 0);
		int lv = sqlite3_column_int(sel, 1);
		int stg = sqlite3_column_int(sel, 2);
		const char *step = inc_col_text(sel, 3), *lab = inc_col_text(sel, 4);

		if (n == 0)
			first = ts;
		last = ts;
		n++;
		if (lv > level && lv < MM_LEVEL_COUNT)
			level = lv;
		if (stg >= 0 && stg < INC_STAGE_COUNT)
			stages |= 1u << stg;
		if (step && *step && n_ph < MAX_PHRASES) {
			for (i = 0; i < n_ph && strcmp(ph[i].text, step); i++)
				;
			if (i == n_ph) {
				ph[n_ph].stage = stg;
				ph[n_ph].level = lv;
				ph[n_ph].order = n;
				snprintf(ph[n_ph].text, sizeof(ph[n_ph].text), "%s", step);
				n_ph++;
			}
		}
		if (lab && *lab) {
			for (i = 0; i < n_lab && strcmp(labels[i], lab); i++)
				;
			if (i < n_lab) {
				label_n[i]++;
			} else if (n_lab < MAX_LABELS) {
				snprintf(labels[n_lab], sizeof(labels[n_lab]), "%s", lab);
				label_n[n_lab++] = 1;
			}
		}
	}
	for (i = 1; i < n_lab; i++)
		if (label_n[i] > label_n[best])
			best = i;
	/* keep the most severe phrases of each stage, then tell them in
	 * chain order, and in time order within a stage */
	qsort(ph, n_ph, sizeof(ph[0]), rank_cmp);
	{
		size_t kept = 0;

		for (i = 0; i < n_ph && kept < SUMMARY_PHRASES; i++) {
			int si = ph[i].stage >= 0 && ph[i].stage < INC_STAGE_COUNT ?
				ph[i].stage : INC_STAGE_COUNT;

			if (per_stage[si] >= STAGE_PHRASES)
				continue;
			per_stage[si]++;
			ph[kept++] = ph[i];
		}
		n_ph = kept;
	}
	qsort(ph, n_ph, sizeof(ph[0]), phrase_cmp);
	len = (size_t)snprintf(summary, INC_SUMMARY_MAX, "%s: ", n_lab ? labels[best] : "?");
	for (i = 0; i < n_ph && len < INC_SUMMARY_MAX; i++)
		len += (size_t)snprintf(summary + len, INC_SUMMARY_MAX - len, "%s%s",
					i ? ", " : "", ph[i].text);
	if (len >= INC_SUMMARY_MAX - 1)
		memcpy(summary + INC_SUMMARY_MAX - 4, "\xe2\x80\xa6", 4);
	for (i = 0; i < INC_STAGE_COUNT; i++)
		if (stages & (1u << i))
			n_stages++;
	score = level_points[level] + 10 * MM_MIN(n_stages, 5) + (n >= 10 ? 5 : 0);
	score = MM_MIN(score, 100);

	sqlite3_reset(upd);
	sqlite3_bind_int64(upd, 1, first);
	sqlite3_bind_int64(upd, 2, last);
	sqlite3_bind_int64(upd, 3, n);
	sqlite3_bind_int(upd, 4, level);
	sqlite3_bind_int(upd, 5, score);
	sqlite3_bind_int64(upd, 6, stages);
	sqlite3_bind_text(upd, 7, n_lab ? labels[best] : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(upd, 8, summary, -1, SQLITE_STATIC);
	sqlite3_bind_int64(upd, 9, mm_now_us());
	sqlite3_bind_int64(upd, 10, id);
	(void)p;
	return sqlite3_step(upd) == SQLITE_DONE ? 0 : MM_EIO;
}

static int finish(struct pass *p)
{
	sqlite3_stmt *sel = NULL, *upd = NULL, *put_key = NULL, *upd_ent = NULL;
	size_t i;
	int rc = MM_EIO;

	if (inc_prepare(p->db, "SELECT ts, level, stage, step, label FROM inc_alerts"
			" WHERE incident_id=? ORDER BY ts, alert_id", &sel) ||
	    inc_prepare(p->db, "UPDATE inc_incidents SET first_ts=?, last_ts=?, alerts=?, level=?,"
			" score=?, stages=?, label=?, summary=?, updated=? WHERE id=?", &upd) ||
	    inc_prepare(p->db, "INSERT OR REPLACE INTO inc_keys(key, incident_id, last_ts)"
			" VALUES(?,?,?)", &put_key) ||
	    inc_prepare(p->db, "UPDATE inc_entities SET first_ts=?, last_ts=?, alerts=?"
			" WHERE id=?", &upd_ent))
		goto out;
	for (i = 0; i < p->n_live; i++) {
		struct live *l = &p->live[i];

		if (!l->touched || l->parent != l->id)
			continue;
		if (finish_incident(p, sel, upd, l->id))
			goto out;
		p->st->incidents_touched++;
	}
	for (i = 0; i < p->keys.cap; i++) {
		long l;

		if (!p->keys.keys[i] || !p->keys.vals[i])
			continue;
		l = live_get(p, p->keys.vals[i]);
		if (l < 0)
			continue;
		sqlite3_reset(put_key);
		sqlite3_bind_text(put_key, 1, p->keys.keys[i], -1, SQLITE_STATIC);
		sqlite3_bind_int64(put_key, 2, p->live[l].id);
		sqlite3_bind_int64(put_key, 3, p->live[l].last);
		if (sqlite3_step(put_key) != SQLITE_DONE)
			goto out;
	}
	for (i = 0; i < p->n_ent; i++) {
		struct ent *e = &p->ent[i];

		if (!e->dirty)
			continue;
		sqlite3_reset(upd_ent);
		sqlite3_bind_int64(upd_ent, 1, e->first);
		sqlite3_bind_int64(upd_ent, 2, e->last);
		sqlite3_bind_int64(upd_ent, 3, e->count);
		sqlite3_bind_int64(upd_ent, 4, e->id);
		if (sqlite3_step(upd_ent) != SQLITE_DONE)
			goto out;
	}
	rc = 0;
out:
	sqlite3_finalize(sel);
	sqlite3_finalize(upd);
	sqlite3_finalize(put_key);
	sqlite3_finalize(upd_ent);
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

int incident_db_correlate(struct incident_db *db, int64_t window_us,
			  struct incidents_stats *stats, struct mm_diag *diag)
{
	struct incidents_stats local;
	struct pass p;
	struct inc_extract *x = NULL;
	sqlite3_stmt *rows = NULL;
	int64_t last_id, max_id = 0;
	int rc = MM_EIO, step;
	bool in_tx = false;

	if (!stats)
		stats = &local;
	memset(stats, 0, sizeof(*stats));
	memset(&p, 0, sizeof(p));
	p.db = db;
	p.st = stats;
	p.window = window_us > 0 ? window_us : (int64_t)INCIDENTS_WINDOW_DEFAULT * 1000000;
	inc_map_init(&p.incs);
	inc_map_init(&p.keys);
	inc_map_init(&p.ents);
	inc_map_init(&p.alias);
	x = malloc(sizeof(*x));
	if (!x) {
		rc = MM_ENOMEM;
		goto out;
	}
	if (inc_exec(db, "BEGIN IMMEDIATE"))
		goto sqlerr;
	in_tx = true;
	rc = load_aliases(&p);
	if (rc)
		goto sqlerr;
	last_id = state_get(db, "last_alert_id");
	if (inc_prepare(db, "SELECT max(id) FROM alerts", &rows))
		goto sqlerr;
	if (sqlite3_step(rows) == SQLITE_ROW)
		max_id = sqlite3_column_int64(rows, 0);
	sqlite3_finalize(rows);
	rows = NULL;
	if (max_id <= last_id) {
		rc = 0;
		goto out;
	}
	if (inc_prepare(db, "SELECT incident_id FROM inc_keys WHERE key=?", &p.sel_key) ||
	    inc_prepare(db, "SELECT first_ts, last_ts FROM inc_incidents WHERE id=?", &p.sel_inc) ||
	    inc_prepare(db, "INSERT INTO inc_incidents(first_ts, last_ts, alerts, level, score,"
			" stages) VALUES(?,?,0,0,0,0)", &p.ins_inc) ||
	    inc_prepare(db, "INSERT INTO inc_alerts(alert_id, incident_id, ts, level, stage, step,"
			" label) VALUES(?,?,?,?,?,?,?)", &p.ins_alert) ||
	    inc_prepare(db, "SELECT id, first_ts, last_ts, alerts FROM inc_entities WHERE role=?"
			" AND kind=? AND value=?", &p.sel_ent) ||
	    inc_prepare(db, "INSERT INTO inc_entities(role, kind, value, first_ts, last_ts, alerts)"
			" VALUES(?,?,?,?4,?4,0)", &p.ins_ent) ||
	    inc_prepare(db, "INSERT OR IGNORE INTO inc_links(incident_id, entity_id) VALUES(?,?)",
			&p.ins_link) ||
	    inc_prepare(db, "DELETE FROM inc_incidents WHERE id=?", &p.del_inc) ||
	    inc_prepare(db, "UPDATE inc_alerts SET incident_id=? WHERE incident_id=?", &p.mv_alerts) ||
	    inc_prepare(db, "INSERT OR IGNORE INTO inc_links(incident_id, entity_id)"
			" SELECT ?, entity_id FROM inc_links WHERE incident_id=?", &p.mv_links) ||
	    inc_prepare(db, "DELETE FROM inc_links WHERE incident_id=?", &p.del_links) ||
	    inc_prepare(db, "UPDATE inc_keys SET incident_id=? WHERE incident_id=?", &p.mv_keys) ||
	    /* in the order of the ts index (no sort of whole rows); alerts of
	     * unknown time come first and are placed by their ingestion time */
	    inc_prepare(db, "SELECT id, ts, ingested, level, host, json FROM alerts"
			" WHERE id>? AND id<=? ORDER BY ts, id", &rows))
		goto sqlerr;
	sqlite3_bind_int64(rows, 1, last_id);
	sqlite3_bind_int64(rows, 2, max_id);
	while ((step = sqlite3_step(rows)) == SQLITE_ROW) {
		const char *json = inc_col_text(rows, 5);

		x->alert_id = sqlite3_column_int64(rows, 0);
		x->ts = sqlite3_column_int64(rows, 1);
		if (!x->ts)
			x->ts = sqlite3_column_int64(rows, 2);
		x->level = sqlite3_column_int(rows, 3);
		if (x->level < 0 || x->level >= MM_LEVEL_COUNT)
			x->level = MM_LEVEL_MEDIUM;
		if (inc_extract_alert(x, json, json ? (size_t)sqlite3_column_bytes(rows, 5) : 0,
				      inc_col_text(rows, 4)))
			stats->bad_json++;
		stats->dropped += x->dropped;
		rc = assign(&p, x);
		if (rc)
			goto sqlerr;
	}
	if (step != SQLITE_DONE)
		goto sqlerr;
	if (finish(&p) || state_set(db, "last_alert_id", max_id))
		goto sqlerr;
	if (inc_exec(db, "COMMIT"))
		goto sqlerr;
	in_tx = false;
	rc = 0;
	goto out;
sqlerr:
	if (rc != MM_ENOMEM)
		rc = MM_EIO;
	mm_diag_set(diag, rc, db->path, -1, -1, "correlating incidents: %s",
		    rc == MM_ENOMEM ? "out of memory" : sqlite3_errmsg(db->db));
out:
	sqlite3_finalize(rows);
	sqlite3_finalize(p.sel_key);
	sqlite3_finalize(p.sel_inc);
	sqlite3_finalize(p.ins_inc);
	sqlite3_finalize(p.ins_alert);
	sqlite3_finalize(p.sel_ent);
	sqlite3_finalize(p.ins_ent);
	sqlite3_finalize(p.ins_link);
	sqlite3_finalize(p.del_inc);
	sqlite3_finalize(p.mv_alerts);
	sqlite3_finalize(p.mv_links);
	sqlite3_finalize(p.del_links);
	sqlite3_finalize(p.mv_keys);
	if (in_tx)
		inc_exec(db, rc ? "ROLLBACK" : "COMMIT");
	inc_map_release(&p.incs);
	inc_map_release(&p.keys);
	inc_map_release(&p.ents);
	inc_map_release(&p.alias);
	while (p.n_alias)
		free(p.alias_host[--p.n_alias]);
	free(p.alias_host);
	free(p.live);
	free(p.ent);
	free(x);
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
