/*
 * alert.c — levels, alert defaults and the alert's one JSON form (alert.h).
 *
 * mm_alert_to_json() is the single place that decides the alert's shape:
 * the key order of DESIGN.md and docs/alerts.md, absent keys and empty
 * objects omitted. Explicit alert fields win over the catalogue entry
 * (meta); for the reference/technique/tactic lists the alert's list is used
 * when its first element is set, else meta's. Lists are read up to
 * MM_ALERT_MAX_LIST entries even when not NULL-terminated.
 *
 * Trust: every string may hold attacker bytes; the JSON writer escapes
 * them. evidence_json is trusted to be one valid JSON value (engines build
 * it with the JSON writer) and is copied raw.
 *
 * Threading: pure; writes only the caller's buffer.
 */
#include "core/compat.h"
#include "core/alert.h"
#include "core/catalogue.h"
#include "core/json.h"
#include "core/time.h"

#include <strings.h>

#define ALERT_DEFAULT_VERSION "0.1.0"

static const char *const level_names[MM_LEVEL_COUNT] = {
	"informational", "low", "medium", "high", "critical",
};

static const int level_severity[MM_LEVEL_COUNT] = { 21, 47, 63, 73, 99 };

const char *mm_level_name(enum mm_level l)
{
	if ((unsigned)l >= MM_LEVEL_COUNT)
		return "unknown";
	return level_names[l];
}

int mm_level_parse(const char *s)
{
	if (!s)
		return -1;
	for (int i = 0; i < MM_LEVEL_COUNT; i++)
		if (strcasecmp(s, level_names[i]) == 0)
			return i;
	if (strcasecmp(s, "info") == 0)
		return MM_LEVEL_INFORMATIONAL;
	if (strcasecmp(s, "crit") == 0)
		return MM_LEVEL_CRITICAL;
	if (strcasecmp(s, "med") == 0)
		return MM_LEVEL_MEDIUM;
	return -1;
}

int mm_level_severity(enum mm_level l)
{
	if ((unsigned)l >= MM_LEVEL_COUNT)
		return 0;
	return level_severity[l];
}

void mm_alert_init(struct mm_alert *a)
{
	memset(a, 0, sizeof *a);
	a->level = MM_LEVEL_MEDIUM;
	a->src_port = 0;
	a->dst_port = 0;
	a->file_size = -1;
}

const char *mm_alert_rule_id(const struct mm_alert *a)
{
	if (a->rule_id)
		return a->rule_id;
	if (a->meta && a->meta->id)
		return a->meta->id;
	return "unknown";
}

const char *mm_alert_rule_name(const struct mm_alert *a)
{
	if (a->rule_name)
		return a->rule_name;
	if (a->meta && a->meta->name)
		return a->meta->name;
	return mm_alert_rule_id(a);
}

enum mm_level mm_alert_level(const struct mm_alert *a)
{
	if (a->has_level && (unsigned)a->level < MM_LEVEL_COUNT)
		return a->level;
	if (a->meta && (unsigned)a->meta->level < MM_LEVEL_COUNT)
		return a->meta->level;
	return MM_LEVEL_MEDIUM;
}

/* The alert's own value, else the catalogue entry's (either may be NULL). */
static const char *pick(const char *own, const char *meta)
{
	return own ? own : meta;
}

/* The alert's list if it has one, else meta's (both may be NULL). */
static const char *const *pick_list(const char *const *own, const char *const *meta)
{
	if (own[0])
		return own;
	return meta;
}

static bool list_empty(const char *const *l)
{
	return !l || !l[0];
}

static void write_list(struct mm_json *j, const char *key, const char *const *l)
{
	mm_json_array_begin(j, key);
	for (size_t i = 0; l && i < MM_ALERT_MAX_LIST && l[i]; i++)
		mm_json_str(j, NULL, l[i]);
	mm_json_array_end(j);
}

static void opt_str(struct mm_json *j, const char *key, const char *v)
{
	if (v)
		mm_json_str(j, key, v);
}

static void write_time(struct mm_json *j, const char *key, int64_t us)
{
	char ts[MM_TIME_STR];

	mm_time_format(us, ts);
	mm_json_str(j, key, ts);
}

static void endpoint(struct mm_json *j, const char *key, const char *ip, int port)
{
	if (!ip && port <= 0)
		return;
	mm_json_object_begin(j, key);
	opt_str(j, "ip", ip);
	if (port > 0)
		mm_json_int(j, "port", port);
	mm_json_object_end(j);
}

/* An object with one string member, omitted when the value is absent. */
static void single(struct mm_json *j, const char *obj, const char *key, const char *v)
{
	if (!v)
		return;
	mm_json_object_begin(j, obj);
	mm_json_str(j, key, v);
	mm_json_object_end(j);
}

int mm_alert_to_json(const struct mm_alert *a, const struct mm_alert_json_opts *o,
		     struct mm_buf *out)
{
	static const struct mm_alert_json_opts no_opts;
	const struct mm_rule_meta *m = a->meta;
	const char *const *refs, *const *techs, *const *tacts;
	const char *ruleset, *category, *module;
	enum mm_level level = mm_alert_level(a);
	struct mm_json j;
	size_t start = out->len;
	int rc;

	if (!o)
		o = &no_opts;
	refs = pick_list(a->references, m ? m->references : NULL);
	techs = pick_list(a->techniques, m ? m->techniques : NULL);
	tacts = pick_list(a->tactics, m ? m->tactics : NULL);
	ruleset = pick(a->ruleset, m ? m->ruleset : NULL);
	category = pick(a->category, m ? m->category : NULL);
	module = pick(a->module, m ? m->engine : NULL);

	mm_json_init(&j, out);
	mm_json_object_begin(&j, NULL);
	if (a->timestamp_us != 0)
		write_time(&j, "@timestamp", a->timestamp_us);

	mm_json_object_begin(&j, "event");
	mm_json_str(&j, "kind", "alert");
	opt_str(&j, "module", module);
	mm_json_int(&j, "severity", a->severity > 0 ? a->severity : mm_level_severity(level));
	if (o->ingested_us)
		write_time(&j, "ingested", o->ingested_us);
	mm_json_object_end(&j);

	mm_json_object_begin(&j, "rule");
	mm_json_str(&j, "id", mm_alert_rule_id(a));
	mm_json_str(&j, "name", mm_alert_rule_name(a));
	opt_str(&j, "ruleset", ruleset);
	opt_str(&j, "category", category);
	if (!list_empty(refs))
		write_list(&j, "reference", refs);
	mm_json_object_end(&j);

	if (!list_empty(techs) || !list_empty(tacts)) {
		mm_json_object_begin(&j, "threat");
		if (!list_empty(techs)) {
			mm_json_object_begin(&j, "technique");
			write_list(&j, "id", techs);
			mm_json_object_end(&j);
		}
		if (!list_empty(tacts)) {
			mm_json_object_begin(&j, "tactic");
			write_list(&j, "name", tacts);
			mm_json_object_end(&j);
		}
		mm_json_object_end(&j);
	}

	mm_json_object_begin(&j, "mamori");
	mm_json_str(&j, "level", mm_level_name(level));
	opt_str(&j, "family", a->family);
	opt_str(&j, "reason", a->reason);
	if (a->evidence_json && a->evidence_json[0])
		mm_json_raw(&j, "evidence", a->evidence_json, strlen(a->evidence_json));
	mm_json_object_end(&j);

	endpoint(&j, "source", a->src_ip, a->src_port);
	endpoint(&j, "destination", a->dst_ip, a->dst_port);

	if (a->transport || a->protocol || a->community_id) {
		mm_json_object_begin(&j, "network");
		opt_str(&j, "transport", a->transport);
		opt_str(&j, "protocol", a->protocol);
		opt_str(&j, "community_id", a->community_id);
		mm_json_object_end(&j);
	}

	if (a->file_path || a->file_size >= 0 || a->file_sha256) {
		mm_json_object_begin(&j, "file");
		opt_str(&j, "path", a->file_path);
		if (a->file_size >= 0)
			mm_json_int(&j, "size", a->file_size);
		if (a->file_sha256) {
			mm_json_object_begin(&j, "hash");
			mm_json_str(&j, "sha256", a->file_sha256);
			mm_json_object_end(&j);
		}
		mm_json_object_end(&j);
	}

	single(&j, "host", "name", a->host_name ? a->host_name : o->default_host);
	single(&j, "user", "name", a->user_name);
	single(&j, "process", "name", a->process_name);
	single(&j, "url", "full", a->url);

	mm_json_object_begin(&j, "observer");
	mm_json_str(&j, "product", "mamori");
	mm_json_str(&j, "version", o->observer_version ? o->observer_version :
		    ALERT_DEFAULT_VERSION);
	mm_json_object_end(&j);

	mm_json_object_end(&j);
	rc = mm_json_finish(&j);
	if (rc == 0)
		return 0;
	/* never leave half an alert behind in a buffer that survived */
	if (out->ptr && out->len >= start) {
		out->len = start;
		out->ptr[start] = '\0';
	}
	return rc;
}
