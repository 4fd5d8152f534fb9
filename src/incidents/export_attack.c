/*
 * export_attack.c — `mamori export --attack-layer`: an ATT&CK Navigator
 * layer (format 4.5, enterprise domain) of the techniques the stored alerts
 * name, each scored by its number of alerts, with the rules that named it
 * in the comment.
 *
 * Technique ids come from alert JSON (hostile): only ids of the form
 * T1234 or T1234.567 are exported; the others are counted in the layer's
 * metadata ("invalid technique ids").
 */
#include "core/compat.h"
#include "incidents/internal.h"

#include <ctype.h>

static bool technique_ok(const char *t)
{
	size_t i;

	if (!t || t[0] != 'T')
		return false;
	for (i = 1; i <= 4; i++)
		if (!isdigit((unsigned char)t[i]))
			return false;
	if (t[5] == '\0')
		return true;
	if (t[5] != '.')
		return false;
	for (i = 6; i <= 8; i++)
		if (!isdigit((unsigned char)t[i]))
			return false;
	return t[9] == '\0';
}

int incidents_export_attack(struct incident_db *db, int64_t since_us, struct mm_buf *out)
{
	sqlite3_stmt *s = NULL;
	struct mm_json j;
	int64_t max = 1, bad = 0;
	int rc = MM_EIO;

	if (inc_prepare(db, "SELECT max(n) FROM (SELECT count(*) AS n FROM alerts,"
			" json_each(alerts.json, '$.threat.technique.id') t"
			" WHERE alerts.ts>=? AND json_valid(alerts.json) GROUP BY t.value)", &s))
		goto out;
	sqlite3_bind_int64(s, 1, since_us);
	if (sqlite3_step(s) == SQLITE_ROW && inc_col64(s, 0) > 0)
		max = inc_col64(s, 0);
	sqlite3_finalize(s);
	s = NULL;
	if (inc_prepare(db, "SELECT t.value, count(*), group_concat(DISTINCT alerts.rule_id)"
			" FROM alerts, json_each(alerts.json, '$.threat.technique.id') t"
			" WHERE alerts.ts>=? AND json_valid(alerts.json) AND t.type='text'"
			" GROUP BY t.value ORDER BY t.value", &s))
		goto out;
	sqlite3_bind_int64(s, 1, since_us);
	mm_json_init(&j, out);
	mm_json_object_begin(&j, NULL);
	mm_json_str(&j, "name", "mamori: techniques seen");
	mm_json_object_begin(&j, "versions");
	mm_json_str(&j, "attack", "14");
	mm_json_str(&j, "navigator", "4.9.1");
	mm_json_str(&j, "layer", "4.5");
	mm_json_object_end(&j);
	mm_json_str(&j, "domain", "enterprise-attack");
	mm_json_str(&j, "description", "ATT&CK techniques named by mamori alerts; score = number of alerts");
	mm_json_int(&j, "sorting", 3);
	mm_json_bool(&j, "hideDisabled", false);
	mm_json_array_begin(&j, "techniques");
	while (sqlite3_step(s) == SQLITE_ROW) {
		const char *t = inc_col_text(s, 0), *rules = inc_col_text(s, 2);
		char comment[512];

		if (!technique_ok(t)) {
			bad++;
			continue;
		}
		snprintf(comment, sizeof(comment), "%" PRId64 " alert(s); rules: %s", inc_col64(s, 1),
			 rules ? rules : "");
		mm_json_object_begin(&j, NULL);
		mm_json_str(&j, "techniqueID", t);
		mm_json_int(&j, "score", inc_col64(s, 1));
		mm_json_str(&j, "color", "");
		mm_json_str(&j, "comment", comment);
		mm_json_bool(&j, "enabled", true);
		mm_json_bool(&j, "showSubtechniques", strchr(t, '.') != NULL);
		mm_json_object_end(&j);
	}
	mm_json_array_end(&j);
	mm_json_object_begin(&j, "gradient");
	mm_json_array_begin(&j, "colors");
	mm_json_str(&j, NULL, "#fff3b0");
	mm_json_str(&j, NULL, "#e63946");
	mm_json_array_end(&j);
	mm_json_int(&j, "minValue", 0);
	mm_json_int(&j, "maxValue", max);
	mm_json_object_end(&j);
	mm_json_array_begin(&j, "legendItems");
	mm_json_array_end(&j);
	mm_json_array_begin(&j, "metadata");
	mm_json_object_begin(&j, NULL);
	mm_json_str(&j, "name", "generated_by");
	mm_json_str(&j, "value", "mamori");
	mm_json_object_end(&j);
	if (bad) {
		char n[32];

		snprintf(n, sizeof(n), "%" PRId64, bad);
		mm_json_object_begin(&j, NULL);
		mm_json_str(&j, "name", "invalid technique ids");
		mm_json_str(&j, "value", n);
		mm_json_object_end(&j);
	}
	mm_json_array_end(&j);
	mm_json_object_end(&j);
	rc = mm_json_finish(&j);
out:
	sqlite3_finalize(s);
	return rc;
}
