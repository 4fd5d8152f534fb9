/*
 * report_html.c — `mamori report --html`: one self-contained HTML file.
 *
 * Inline CSS and inline SVG only: no script, no external resource of any
 * kind (no src=/href= to another document except in-page anchors), so the
 * file works offline and as an e-mail attachment. Every value from the
 * store came from hostile input and is HTML-escaped (inc_html_escape);
 * numbers are formatted by us.
 *
 * Sections: summary, alerts over time by level (stacked bars), by level,
 * by sensor, by technique, incidents (top INC_HTML_INCIDENTS by score,
 * each with a timeline and its alerts), indicators, what was not examined
 * and why (the store's skips), and the rule sets that produced alerts.
 *
 * Cost: a few aggregate queries and one pass over (ts, level) of the
 * alerts in range; output is bounded by the caps below.
 */
#include "core/compat.h"
#include "incidents/internal.h"

#define INC_HTML_INCIDENTS 50
#define INC_HTML_INCIDENT_ALERTS 40
#define INC_HTML_INDICATORS 500
#define INC_HTML_BUCKETS 48

static const char *const level_color[MM_LEVEL_COUNT] = {
	"#8da0cb", "#66c2a5", "#e6ab02", "#fc8d62", "#d7191c",
};

int inc_html_escape(struct mm_buf *b, const char *s)
{
	const char *run;
	int rc = 0;

	if (!s)
		return 0;
	run = s;
	for (; *s && rc == 0; s++) {
		const char *rep = NULL;
		unsigned char c = (unsigned char)*s;

		switch (c) {
		case '&': rep = "&amp;"; break;
		case '<': rep = "&lt;"; break;
		case '>': rep = "&gt;"; break;
		case '"': rep = "&quot;"; break;
		case '\'': rep = "&#39;"; break;
		default:
			if (c < 0x20 && c != '\t' && c != '\n')
				rep = "\xef\xbf\xbd";
			break;
		}
		if (!rep)
			continue;
		if (s > run)
			rc = mm_buf_append(b, run, (size_t)(s - run));
		if (rc == 0)
			rc = mm_buf_append_str(b, rep);
		run = s + 1;
	}
	if (rc == 0 && s > run)
		rc = mm_buf_append(b, run, (size_t)(s - run));
	return rc;
}

static void ts_html(struct mm_buf *b, int64_t us)
{
	char t[MM_TIME_STR];

	if (!us) {
		mm_buf_append_str(b, "-");
		return;
	}
	mm_time_format(us, t);
	/* "2017-05-12T07:03:31.123456Z" -> "2017-05-12 07:03:31" */
	t[10] = ' ';
	t[19] = '\0';
	mm_buf_append_str(b, t);
}

static const char css[] =
	"body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#222;background:#fafafa}"
	"h1{font-size:22px}h2{font-size:18px;border-bottom:1px solid #ccc;padding-bottom:4px;margin-top:32px}"
	"table{border-collapse:collapse;margin:8px 0;background:#fff}"
	"td,th{border:1px solid #ddd;padding:3px 8px;text-align:left;vertical-align:top;font-size:13px}"
	"th{background:#eee}.num{text-align:right}.mono{font-family:monospace;word-break:break-all}"
	".cards{display:flex;gap:12px;flex-wrap:wrap}.card{background:#fff;border:1px solid #ddd;"
	"padding:8px 16px;border-radius:6px}.card b{display:block;font-size:22px}"
	".incident{background:#fff;border:1px solid #ccc;border-radius:6px;padding:8px 16px;margin:12px 0}"
	".chain span{display:inline-block;background:#eef;border:1px solid #99c;border-radius:10px;"
	"padding:0 8px;margin-right:4px;font-size:12px}"
	".lv{display:inline-block;width:10px;height:10px;border-radius:5px;margin-right:4px}"
	"svg{background:#fff;border:1px solid #ddd}svg text{font-size:11px;fill:#333}";

/* A horizontal bar chart of (label, count) rows from a query. */
static int bar_chart(struct incident_db *db, struct mm_buf *b, const char *id, const char *title,
		     const char *sql, int64_t since, bool level_colors)
{
	sqlite3_stmt *s = NULL;
	char labels[20][96];
	int64_t counts[20], max = 1;
	int lv[20];
	size_t n = 0, i;
	int rc = MM_EIO;

	if (inc_prepare(db, sql, &s))
		goto out;
	sqlite3_bind_int64(s, 1, since);
	while (n < 20 && sqlite3_step(s) == SQLITE_ROW) {
		const char *l = inc_col_text(s, 0);

		snprintf(labels[n], sizeof(labels[n]), "%s", l ? l : "?");
		counts[n] = inc_col64(s, 1);
		lv[n] = sqlite3_column_count(s) > 2 ? sqlite3_column_int(s, 2) : -1;
		if (counts[n] > max)
			max = counts[n];
		n++;
	}
	mm_buf_appendf(b, "<h3>%s</h3>\n<svg class=\"chart\" id=\"%s\" role=\"img\" width=\"640\" height=\"%zu\""
		       " viewBox=\"0 0 640 %zu\">\n",
		       title, id, n * 22 + 10, n * 22 + 10);
	for (i = 0; i < n; i++) {
		int w = (int)(counts[i] * 380 / max);
		const char *color = level_colors && lv[i] >= 0 && lv[i] < MM_LEVEL_COUNT ?
			level_color[lv[i]] : "#5b8bd0";

		mm_buf_appendf(b, "<text x=\"4\" y=\"%zu\">", i * 22 + 20);
		inc_html_escape(b, labels[i]);
		mm_buf_appendf(b, "</text><rect class=\"bar\" x=\"200\" y=\"%zu\" width=\"%d\" height=\"16\""
			       " fill=\"%s\"><title>%" PRId64 "</title></rect><text x=\"%d\" y=\"%zu\">%" PRId64
			       "</text>\n", i * 22 + 7, w > 0 ? w : 1, color, counts[i], 206 + w,
			       i * 22 + 20, counts[i]);
	}
	mm_buf_append_str(b, "</svg>\n");
	rc = 0;
out:
	sqlite3_finalize(s);
	return rc;
}

/* Alerts over time, stacked by level. */
static int time_chart(struct incident_db *db, struct mm_buf *b, int64_t since)
{
	sqlite3_stmt *s = NULL;
	int64_t lo = 0, hi = 0, span, max = 1;
	int64_t (*cnt)[MM_LEVEL_COUNT] = NULL;
	size_t i;
	int k, rc = MM_EIO;

	if (inc_prepare(db, "SELECT min(ts), max(ts) FROM alerts WHERE ts>=? AND ts>0", &s))
		goto out;
	sqlite3_bind_int64(s, 1, since);
	if (sqlite3_step(s) == SQLITE_ROW) {
		lo = inc_col64(s, 0);
		hi = inc_col64(s, 1);
	}
	sqlite3_finalize(s);
	s = NULL;
	cnt = calloc(INC_HTML_BUCKETS, sizeof(*cnt));
	if (!cnt) {
		rc = MM_ENOMEM;
		goto out;
	}
	span = hi - lo + 1;
	if (inc_prepare(db, "SELECT ts, level FROM alerts WHERE ts>=? AND ts>0", &s))
		goto out;
	sqlite3_bind_int64(s, 1, since);
	while (sqlite3_step(s) == SQLITE_ROW) {
		int64_t t = inc_col64(s, 0);
		int l = sqlite3_column_int(s, 1);
		size_t bk = (size_t)((double)(t - lo) / (double)span * INC_HTML_BUCKETS);

		if (bk >= INC_HTML_BUCKETS)
			bk = INC_HTML_BUCKETS - 1;
		if (l < 0 || l >= MM_LEVEL_COUNT)
			l = MM_LEVEL_MEDIUM;
		cnt[bk][l]++;
	}
	for (i = 0; i < INC_HTML_BUCKETS; i++) {
		int64_t t = 0;

		for (k = 0; k < MM_LEVEL_COUNT; k++)
			t += cnt[i][k];
		if (t > max)
			max = t;
	}
	mm_buf_append_str(b, "<h3>Alerts over time, by level</h3>\n<svg class=\"chart\" id=\"chart-time\""
			     " role=\"img\" width=\"800\" height=\"230\" viewBox=\"0 0 800 230\""
			     ">\n");
	for (i = 0; i < INC_HTML_BUCKETS; i++) {
		double y = 190;

		for (k = 0; k < MM_LEVEL_COUNT; k++) {
			double h = (double)cnt[i][k] * 170.0 / (double)max;

			if (!cnt[i][k])
				continue;
			y -= h;
			mm_buf_appendf(b, "<rect class=\"bar\" x=\"%zu\" y=\"%.1f\" width=\"14\" height=\"%.1f\""
				       " fill=\"%s\"><title>%s: %" PRId64 "</title></rect>\n",
				       40 + i * 15, y, h < 0.5 ? 0.5 : h, level_color[k],
				       mm_level_name((enum mm_level)k), cnt[i][k]);
		}
	}
	mm_buf_appendf(b, "<line x1=\"38\" y1=\"190\" x2=\"764\" y2=\"190\" stroke=\"#888\"/>"
		       "<text x=\"4\" y=\"24\">%" PRId64 "</text><text x=\"40\" y=\"208\">", max);
	ts_html(b, lo);
	mm_buf_append_str(b, "</text><text x=\"600\" y=\"208\">");
	ts_html(b, hi);
	mm_buf_append_str(b, "</text>");
	for (k = 0; k < MM_LEVEL_COUNT; k++)
		mm_buf_appendf(b, "<rect x=\"%d\" y=\"216\" width=\"10\" height=\"10\" fill=\"%s\"/>"
			       "<text x=\"%d\" y=\"225\">%s</text>", 40 + k * 110, level_color[k],
			       54 + k * 110, mm_level_name((enum mm_level)k));
	mm_buf_append_str(b, "</svg>\n");
	rc = 0;
out:
	free(cnt);
	sqlite3_finalize(s);
	return rc;
}

static void incident_timeline(struct mm_buf *b, int64_t id, sqlite3_stmt *al, int64_t first,
			      int64_t last)
{
	double span = (double)(last - first);
	int shown = 0;

	mm_buf_appendf(b, "<svg class=\"timeline\" id=\"timeline-%" PRId64 "\" role=\"img\" width=\"760\""
		       " height=\"%d\" viewBox=\"0 0 760 %d\">\n",
		       id, INC_STAGE_COUNT * 0 + 120, 120);
	mm_buf_append_str(b, "<line x1=\"150\" y1=\"100\" x2=\"740\" y2=\"100\" stroke=\"#888\"/>\n");
	sqlite3_reset(al);
	sqlite3_bind_int64(al, 1, id);
	while (sqlite3_step(al) == SQLITE_ROW && shown < 400) {
		int64_t ts = inc_col64(al, 1);
		int lv = sqlite3_column_int(al, 2), stage = sqlite3_column_int(al, 3);
		double x = span > 0 ? 150 + (double)(ts - first) / span * 590 : 445;
		/* stage rows: 4 bands top to bottom along the chain */
		int row = stage < 0 ? 3 : stage <= INC_STAGE_EXECUTION ? 0 :
			  stage <= INC_STAGE_DEFENSE_EVASION ? 1 : stage < INC_STAGE_IMPACT ? 2 : 3;

		if (lv < 0 || lv >= MM_LEVEL_COUNT)
			lv = MM_LEVEL_MEDIUM;
		mm_buf_appendf(b, "<circle cx=\"%.1f\" cy=\"%d\" r=\"5\" fill=\"%s\"><title>", x,
			       14 + row * 22, level_color[lv]);
		ts_html(b, ts);
		mm_buf_append_str(b, " ");
		inc_html_escape(b, inc_col_text(al, 4));
		mm_buf_append_str(b, "</title></circle>\n");
		shown++;
	}
	mm_buf_append_str(b, "<text x=\"4\" y=\"18\">access/execution</text><text x=\"4\" y=\"40\">persistence</text>"
			     "<text x=\"4\" y=\"62\">credentials/movement</text><text x=\"4\" y=\"84\">impact/other</text>"
			     "<text x=\"150\" y=\"115\">");
	ts_html(b, first);
	mm_buf_append_str(b, "</text><text x=\"600\" y=\"115\">");
	ts_html(b, last);
	mm_buf_append_str(b, "</text></svg>\n");
}

static int incidents_section(struct incident_db *db, struct mm_buf *b, int64_t since)
{
	sqlite3_stmt *inc = NULL, *al = NULL;
	int rc = MM_EIO, n = 0;

	if (inc_prepare(db, "SELECT id, first_ts, last_ts, alerts, level, score, stages, label, summary"
			" FROM inc_incidents WHERE last_ts>=? AND alerts>0"
			" ORDER BY score DESC, last_ts DESC, id LIMIT ?", &inc) ||
	    inc_prepare(db, "SELECT a.alert_id, a.ts, a.level, a.stage, a.step, s.rule_id, s.engine"
			" FROM inc_alerts a LEFT JOIN alerts s ON s.id=a.alert_id"
			" WHERE a.incident_id=? ORDER BY a.ts, a.alert_id", &al))
		goto out;
	sqlite3_bind_int64(inc, 1, since);
	sqlite3_bind_int(inc, 2, INC_HTML_INCIDENTS);
	mm_buf_append_str(b, "<h2 id=\"incidents\">Incidents</h2>\n");
	while (sqlite3_step(inc) == SQLITE_ROW) {
		int64_t id = inc_col64(inc, 0);
		uint32_t stages = (uint32_t)inc_col64(inc, 6);
		int lv = sqlite3_column_int(inc, 4), k, shown = 0;

		if (lv < 0 || lv >= MM_LEVEL_COUNT)
			lv = MM_LEVEL_MEDIUM;
		n++;
		mm_buf_appendf(b, "<section class=\"incident\" id=\"incident-%" PRId64 "\">\n"
			       "<h3><span class=\"lv\" style=\"background:%s\"></span>#%" PRId64
			       " score %d, %s, %" PRId64 " alerts</h3>\n<p class=\"summary\">",
			       id, level_color[lv], id, sqlite3_column_int(inc, 5),
			       mm_level_name((enum mm_level)lv), inc_col64(inc, 3));
		inc_html_escape(b, inc_col_text(inc, 8));
		mm_buf_append_str(b, "</p>\n<p>");
		ts_html(b, inc_col64(inc, 1));
		mm_buf_append_str(b, " &ndash; ");
		ts_html(b, inc_col64(inc, 2));
		mm_buf_append_str(b, "</p>\n<p class=\"chain\">");
		for (k = 0; k < INC_STAGE_COUNT; k++)
			if (stages & (1u << k))
				mm_buf_appendf(b, "<span>%s</span>", inc_stage_name(k));
		mm_buf_append_str(b, "</p>\n");
		incident_timeline(b, id, al, inc_col64(inc, 1), inc_col64(inc, 2));
		mm_buf_append_str(b, "<table class=\"alerts\"><tr><th>time</th><th>level</th><th>stage</th>"
				     "<th>sensor</th><th>rule</th><th>step</th></tr>\n");
		sqlite3_reset(al);
		sqlite3_bind_int64(al, 1, id);
		while (sqlite3_step(al) == SQLITE_ROW && shown < INC_HTML_INCIDENT_ALERTS) {
			int alv = sqlite3_column_int(al, 2);

			if (alv < 0 || alv >= MM_LEVEL_COUNT)
				alv = MM_LEVEL_MEDIUM;
			shown++;
			mm_buf_append_str(b, "<tr><td>");
			ts_html(b, inc_col64(al, 1));
			mm_buf_appendf(b, "</td><td><span class=\"lv\" style=\"background:%s\"></span>%s</td><td>%s</td><td>",
				       level_color[alv], mm_level_name((enum mm_level)alv),
				       inc_stage_name(sqlite3_column_int(al, 3)));
			inc_html_escape(b, inc_col_text(al, 6));
			mm_buf_append_str(b, "</td><td class=\"mono\">");
			inc_html_escape(b, inc_col_text(al, 5));
			mm_buf_append_str(b, "</td><td>");
			inc_html_escape(b, inc_col_text(al, 4));
			mm_buf_append_str(b, "</td></tr>\n");
		}
		if (inc_col64(inc, 3) > shown)
			mm_buf_appendf(b, "<tr><td colspan=\"6\">&hellip; %" PRId64 " more (mamori incidents"
				       " --format jsonl)</td></tr>\n", inc_col64(inc, 3) - shown);
		mm_buf_append_str(b, "</table>\n</section>\n");
	}
	if (!n)
		mm_buf_append_str(b, "<p>No incident.</p>\n");
	rc = 0;
out:
	sqlite3_finalize(inc);
	sqlite3_finalize(al);
	return rc;
}

static int simple_table(struct incident_db *db, struct mm_buf *b, const char *sql, int64_t since,
			const char *cls, const char *const *heads, size_t ncol, const char *empty)
{
	sqlite3_stmt *s = NULL;
	size_t i, rows = 0;

	if (inc_prepare(db, sql, &s))
		return MM_EIO;
	if (sqlite3_bind_parameter_count(s) >= 1)
		sqlite3_bind_int64(s, 1, since);
	mm_buf_appendf(b, "<table class=\"%s\"><tr>", cls);
	for (i = 0; i < ncol; i++)
		mm_buf_appendf(b, "<th>%s</th>", heads[i]);
	mm_buf_append_str(b, "</tr>\n");
	while (sqlite3_step(s) == SQLITE_ROW) {
		rows++;
		mm_buf_append_str(b, "<tr>");
		for (i = 0; i < ncol; i++) {
			int type = sqlite3_column_type(s, (int)i);
			const char *name = sqlite3_column_name(s, (int)i);

			if (name && !strncmp(name, "ts_", 3)) {
				mm_buf_append_str(b, "<td>");
				ts_html(b, inc_col64(s, (int)i));
				mm_buf_append_str(b, "</td>");
			} else if (type == SQLITE_INTEGER) {
				mm_buf_appendf(b, "<td class=\"num\">%" PRId64 "</td>", inc_col64(s, (int)i));
			} else {
				mm_buf_append_str(b, "<td class=\"mono\">");
				inc_html_escape(b, inc_col_text(s, (int)i));
				mm_buf_append_str(b, "</td>");
			}
		}
		mm_buf_append_str(b, "</tr>\n");
	}
	mm_buf_append_str(b, "</table>\n");
	if (!rows)
		mm_buf_appendf(b, "<p>%s</p>\n", empty);
	sqlite3_finalize(s);
	return 0;
}

int incidents_report_html(struct incident_db *db, int64_t since_us, struct mm_buf *b)
{
	static const char *const ind_heads[] = { "type", "value", "first seen", "last seen", "alerts" };
	static const char *const skip_heads[] = { "reason", "in part", "inputs", "example", "detail" };
	static const char *const rs_heads[] = { "rule set", "rules", "alerts" };
	sqlite3_stmt *s = NULL;
	int64_t n_alerts = 0, n_inc = 0, n_ind = 0, n_skip = 0, n_hosts = 0;
	int rc = MM_EIO;
	char now[MM_TIME_STR];

	if (inc_prepare(db, "SELECT (SELECT count(*) FROM alerts WHERE ts>=?1),"
			" (SELECT count(*) FROM inc_incidents WHERE last_ts>=?1 AND alerts>0),"
			" (SELECT count(*) FROM inc_entities WHERE role=1 AND last_ts>=?1),"
			" (SELECT count(*) FROM skips),"
			" (SELECT count(DISTINCT host) FROM alerts WHERE ts>=?1)", &s))
		goto out;
	sqlite3_bind_int64(s, 1, since_us);
	if (sqlite3_step(s) == SQLITE_ROW) {
		n_alerts = inc_col64(s, 0);
		n_inc = inc_col64(s, 1);
		n_ind = inc_col64(s, 2);
		n_skip = inc_col64(s, 3);
		n_hosts = inc_col64(s, 4);
	}
	sqlite3_finalize(s);
	s = NULL;
	mm_time_format(mm_now_us(), now);
	mm_buf_appendf(b, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
		       "<meta name=\"viewport\" content=\"width=device-width\">"
		       "<title>mamori report</title><style>%s</style></head><body>\n"
		       "<h1>mamori report</h1>\n<p>Generated %s.</p>\n"
		       "<h2 id=\"summary\">Summary</h2>\n<div class=\"cards\" id=\"summary-cards\">"
		       "<div class=\"card\"><b>%" PRId64 "</b>alerts</div>"
		       "<div class=\"card\"><b>%" PRId64 "</b>incidents</div>"
		       "<div class=\"card\"><b>%" PRId64 "</b>hosts</div>"
		       "<div class=\"card\"><b>%" PRId64 "</b>indicators</div>"
		       "<div class=\"card\"><b>%" PRId64 "</b>inputs not fully examined</div></div>\n",
		       css, now, n_alerts, n_inc, n_hosts, n_ind, n_skip);
	mm_buf_append_str(b, "<h2 id=\"charts\">Alerts</h2>\n");
	if (time_chart(db, b, since_us) ||
	    bar_chart(db, b, "chart-level", "By level",
		      "SELECT CASE level WHEN 0 THEN 'informational' WHEN 1 THEN 'low' WHEN 2 THEN 'medium'"
		      " WHEN 3 THEN 'high' WHEN 4 THEN 'critical' ELSE '?' END, count(*), level"
		      " FROM alerts WHERE ts>=? GROUP BY level ORDER BY level DESC", since_us, true) ||
	    bar_chart(db, b, "chart-sensor", "By sensor",
		      "SELECT coalesce(engine,'?'), count(*) FROM alerts WHERE ts>=?"
		      " GROUP BY 1 ORDER BY 2 DESC", since_us, false) ||
	    bar_chart(db, b, "chart-technique", "By ATT&amp;CK technique",
		      "SELECT t.value, count(*) FROM alerts,"
		      " json_each(alerts.json, '$.threat.technique.id') t"
		      " WHERE alerts.ts>=? AND json_valid(alerts.json) GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 20",
		      since_us, false))
		goto out;
	if (incidents_section(db, b, since_us))
		goto out;
	mm_buf_append_str(b, "<h2 id=\"indicators\">Indicators</h2>\n");
	{
		char sql[256];

		snprintf(sql, sizeof(sql), "SELECT kind, value, first_ts AS ts_a, last_ts AS ts_b, alerts"
			 " FROM inc_entities WHERE role=1 AND last_ts>=? ORDER BY alerts DESC, kind, value"
			 " LIMIT %d", INC_HTML_INDICATORS);
		if (simple_table(db, b, sql, since_us, "indicators", ind_heads, 5, "No indicator."))
			goto out;
	}
	mm_buf_append_str(b, "<h2 id=\"skipped\">Not examined, and why</h2>\n");
	if (simple_table(db, b, "SELECT coalesce(reason,'?'), CASE partial WHEN 1 THEN 'yes' ELSE 'no' END,"
			 " count(*), min(path), min(detail) FROM skips GROUP BY 1, 2 ORDER BY 3 DESC",
			 since_us, "skips", skip_heads, 5, "Every input was examined in full."))
		goto out;
	mm_buf_append_str(b, "<h2 id=\"rulesets\">Rule sets</h2>\n");
	if (simple_table(db, b, "SELECT coalesce(json_extract(json, '$.rule.ruleset'), '?'),"
			 " count(DISTINCT rule_id), count(*) FROM alerts WHERE ts>=? AND json_valid(json)"
			 " GROUP BY 1 ORDER BY 3 DESC", since_us, "rulesets", rs_heads, 3,
			 "No alert."))
		goto out;
	mm_buf_append_str(b, "</body></html>\n");
	rc = b->ptr ? 0 : MM_ENOMEM;
out:
	sqlite3_finalize(s);
	return rc;
}
