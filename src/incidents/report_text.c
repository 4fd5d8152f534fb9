/*
 * report_text.c — incident records as JSON and as text, and the terminal
 * summary of `mamori report --format text`.
 *
 * Reads only the module's tables and the store's (never writes). Every
 * string printed came from hostile input: JSON output goes through the JSON
 * writer, text output through mm_json_escape (control bytes shown escaped).
 * Lists in a record are capped (INC_JSON_MAX_ALERTS alerts,
 * INC_JSON_MAX_VALUES entities/indicators) and say how many there were.
 */
#include "core/compat.h"
#include "incidents/internal.h"

#define INC_JSON_MAX_ALERTS 1000
#define INC_JSON_MAX_VALUES 200

static void time_str(int64_t us, char out[MM_TIME_STR])
{
	if (us)
		mm_time_format(us, out);
	else
		snprintf(out, MM_TIME_STR, "-");
}

static void put_time(struct mm_json *j, const char *key, int64_t us)
{
	char t[MM_TIME_STR];

	if (!us) {
		mm_json_null(j, key);
		return;
	}
	mm_time_format(us, t);
	mm_json_str(j, key, t);
}

static int incident_json(struct incident_db *db, sqlite3_stmt *inc, sqlite3_stmt *al,
			 sqlite3_stmt *ents, struct mm_buf *out)
{
	struct mm_json j;
	int64_t id = inc_col64(inc, 0);
	int64_t n_alerts = inc_col64(inc, 3);
	uint32_t stages = (uint32_t)inc_col64(inc, 6);
	int lv = sqlite3_column_int(inc, 4), role, k;
	int64_t listed;

	(void)db;
	mm_json_init(&j, out);
	mm_json_object_begin(&j, NULL);
	mm_json_int(&j, "id", id);
	put_time(&j, "first_seen", inc_col64(inc, 1));
	put_time(&j, "last_seen", inc_col64(inc, 2));
	mm_json_int(&j, "score", sqlite3_column_int(inc, 5));
	mm_json_str(&j, "level", mm_level_name((enum mm_level)(lv >= 0 && lv < MM_LEVEL_COUNT ? lv : 2)));
	mm_json_str(&j, "label", inc_col_text(inc, 7) ? inc_col_text(inc, 7) : "");
	mm_json_str(&j, "summary", inc_col_text(inc, 8) ? inc_col_text(inc, 8) : "");
	mm_json_array_begin(&j, "chain");
	for (k = 0; k < INC_STAGE_COUNT; k++)
		if (stages & (1u << k))
			mm_json_str(&j, NULL, inc_stage_name(k));
	mm_json_array_end(&j);
	mm_json_int(&j, "alert_count", n_alerts);
	mm_json_array_begin(&j, "alerts");
	sqlite3_reset(al);
	sqlite3_bind_int64(al, 1, id);
	listed = 0;
	while (sqlite3_step(al) == SQLITE_ROW && listed < INC_JSON_MAX_ALERTS) {
		int alv = sqlite3_column_int(al, 2);

		listed++;
		mm_json_object_begin(&j, NULL);
		mm_json_int(&j, "id", inc_col64(al, 0));
		put_time(&j, "@timestamp", inc_col64(al, 1));
		mm_json_str(&j, "level", mm_level_name((enum mm_level)(alv >= 0 && alv < MM_LEVEL_COUNT ? alv : 2)));
		mm_json_str(&j, "stage", inc_stage_name(sqlite3_column_int(al, 3)));
		mm_json_str(&j, "rule", inc_col_text(al, 5) ? inc_col_text(al, 5) : "unknown");
		mm_json_str(&j, "step", inc_col_text(al, 4) ? inc_col_text(al, 4) : "");
		mm_json_object_end(&j);
	}
	mm_json_array_end(&j);
	for (role = 0; role < 2; role++) {
		mm_json_array_begin(&j, role == INC_ROLE_ENTITY ? "entities" : "indicators");
		sqlite3_reset(ents);
		sqlite3_bind_int64(ents, 1, id);
		sqlite3_bind_int(ents, 2, role);
		listed = 0;
		while (sqlite3_step(ents) == SQLITE_ROW && listed++ < INC_JSON_MAX_VALUES) {
			mm_json_object_begin(&j, NULL);
			mm_json_str(&j, "type", inc_col_text(ents, 0));
			mm_json_str(&j, "value", inc_col_text(ents, 1));
			mm_json_object_end(&j);
		}
		mm_json_array_end(&j);
	}
	mm_json_object_end(&j);
	return mm_json_finish(&j);
}

static const char sel_incidents[] =
	"SELECT id, first_ts, last_ts, alerts, level, score, stages, label, summary"
	" FROM inc_incidents WHERE last_ts>=? AND score>=? AND alerts>0"
	" ORDER BY score DESC, last_ts DESC, id";

int incident_db_each(struct incident_db *db, int64_t since_us, int min_score,
		     incidents_json_fn *fn, void *arg)
{
	sqlite3_stmt *inc = NULL, *al = NULL, *ents = NULL;
	struct mm_buf b;
	int rc = MM_EIO;

	mm_buf_init(&b, 64u << 20);
	if (inc_prepare(db, sel_incidents, &inc) ||
	    inc_prepare(db, "SELECT a.alert_id, a.ts, a.level, a.stage, a.step, s.rule_id"
			" FROM inc_alerts a LEFT JOIN alerts s ON s.id=a.alert_id"
			" WHERE a.incident_id=? ORDER BY a.ts, a.alert_id", &al) ||
	    inc_prepare(db, "SELECT e.kind, e.value FROM inc_links l CROSS JOIN inc_entities e"
			" ON e.id=l.entity_id WHERE l.incident_id=? AND e.role=?"
			" ORDER BY e.kind, e.value", &ents))
		goto out;
	sqlite3_bind_int64(inc, 1, since_us);
	sqlite3_bind_int(inc, 2, min_score);
	rc = 0;
	while (rc == 0 && sqlite3_step(inc) == SQLITE_ROW) {
		mm_buf_reset(&b);
		rc = incident_json(db, inc, al, ents, &b);
		if (rc == 0)
			rc = fn(arg, b.ptr, b.len);
	}
out:
	mm_buf_release(&b);
	sqlite3_finalize(inc);
	sqlite3_finalize(al);
	sqlite3_finalize(ents);
	return rc;
}

static void text_str(struct mm_buf *b, const char *s)
{
	if (s)
		mm_json_escape(b, s, strlen(s));
}

int incident_db_text(struct incident_db *db, int64_t since_us, int min_score,
		     struct mm_buf *out)
{
	sqlite3_stmt *inc = NULL;
	int rc = MM_EIO;

	if (inc_prepare(db, sel_incidents, &inc))
		goto out;
	sqlite3_bind_int64(inc, 1, since_us);
	sqlite3_bind_int(inc, 2, min_score);
	rc = 0;
	while (rc == 0 && sqlite3_step(inc) == SQLITE_ROW) {
		char a[MM_TIME_STR], z[MM_TIME_STR];
		int lv = sqlite3_column_int(inc, 4);

		time_str(inc_col64(inc, 1), a);
		time_str(inc_col64(inc, 2), z);
		rc = mm_buf_appendf(out, "#%" PRId64 "  score %3d  %-8s %s .. %s  %" PRId64 " alerts\n    ",
				    inc_col64(inc, 0), sqlite3_column_int(inc, 5),
				    mm_level_name((enum mm_level)(lv >= 0 && lv < MM_LEVEL_COUNT ? lv : 2)),
				    a, z, inc_col64(inc, 3));
		text_str(out, inc_col_text(inc, 8));
		if (rc == 0)
			rc = mm_buf_append_str(out, "\n");
	}
out:
	sqlite3_finalize(inc);
	return rc;
}

/* The terminal summary: counts by level and engine, top rules, incidents,
 * skips. */
int incidents_report_text(struct incident_db *db, int64_t since_us, struct mm_buf *out)
{
	sqlite3_stmt *s = NULL;
	int rc = MM_EIO;

	if (inc_prepare(db, "SELECT count(*), min(ts), max(ts) FROM alerts WHERE ts>=?", &s))
		goto out;
	sqlite3_bind_int64(s, 1, since_us);
	if (sqlite3_step(s) == SQLITE_ROW) {
		char a[MM_TIME_STR], z[MM_TIME_STR];

		time_str(inc_col64(s, 1), a);
		time_str(inc_col64(s, 2), z);
		mm_buf_appendf(out, "mamori report\n\nalerts: %" PRId64 "  (%s .. %s)\n",
			       inc_col64(s, 0), a, z);
	}
	sqlite3_finalize(s);
	s = NULL;
	mm_buf_append_str(out, "\nby level:\n");
	if (inc_prepare(db, "SELECT level, count(*) FROM alerts WHERE ts>=? GROUP BY level"
			" ORDER BY level DESC", &s))
		goto out;
	sqlite3_bind_int64(s, 1, since_us);
	while (sqlite3_step(s) == SQLITE_ROW) {
		int lv = sqlite3_column_int(s, 0);

		mm_buf_appendf(out, "  %-14s %" PRId64 "\n",
			       lv >= 0 && lv < MM_LEVEL_COUNT ? mm_level_name((enum mm_level)lv) : "?",
			       inc_col64(s, 1));
	}
	sqlite3_finalize(s);
	s = NULL;
	mm_buf_append_str(out, "\nby sensor:\n");
	if (inc_prepare(db, "SELECT coalesce(engine,'?'), count(*) FROM alerts WHERE ts>=?"
			" GROUP BY 1 ORDER BY 2 DESC", &s))
		goto out;
	sqlite3_bind_int64(s, 1, since_us);
	while (sqlite3_step(s) == SQLITE_ROW) {
		mm_buf_append_str(out, "  ");
		text_str(out, inc_col_text(s, 0));
		mm_buf_appendf(out, "  %" PRId64 "\n", inc_col64(s, 1));
	}
	sqlite3_finalize(s);
	s = NULL;
	mm_buf_append_str(out, "\ntop rules:\n");
	if (inc_prepare(db, "SELECT coalesce(rule_id,'?'), count(*) FROM alerts WHERE ts>=?"
			" GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 10", &s))
		goto out;
	sqlite3_bind_int64(s, 1, since_us);
	while (sqlite3_step(s) == SQLITE_ROW) {
		mm_buf_appendf(out, "  %8" PRId64 "  ", inc_col64(s, 1));
		text_str(out, inc_col_text(s, 0));
		mm_buf_append_str(out, "\n");
	}
	sqlite3_finalize(s);
	s = NULL;
	mm_buf_append_str(out, "\nincidents:\n");
	rc = incident_db_text(db, since_us, 0, out);
	if (rc)
		goto out;
	mm_buf_append_str(out, "\nnot examined (skips):\n");
	rc = MM_EIO;
	if (inc_prepare(db, "SELECT coalesce(reason,'?'), partial, count(*) FROM skips"
			" GROUP BY 1, 2 ORDER BY 3 DESC", &s))
		goto out;
	while (sqlite3_step(s) == SQLITE_ROW) {
		mm_buf_append_str(out, "  ");
		text_str(out, inc_col_text(s, 0));
		mm_buf_appendf(out, "%s  %" PRId64 "\n", sqlite3_column_int(s, 1) ? " (in part)" : "",
			       inc_col64(s, 2));
	}
	rc = out->ptr || out->max == 0 ? 0 : MM_ENOMEM;
out:
	sqlite3_finalize(s);
	return rc;
}
