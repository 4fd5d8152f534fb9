/*
 * rd_winjson.c — JSON lines into events: Windows events as Winlogbeat/ECS,
 * NXLog (flattened, as in the OTRF Security-Datasets), evtx-to-JSON
 * ({"Event":{"System":..,"EventData":..}}, Sysmon included), and any
 * other JSON object (flattened with dotted names).
 *
 * Mapping onto the event.h vocabulary (docs/logs.md has the table):
 *  - ECS: winlog.event_id -> EventID, winlog.channel -> Channel,
 *    winlog.provider_name -> Provider_Name, winlog.computer_name ->
 *    Computer, winlog.record_id -> EventRecordID, winlog.process.pid ->
 *    ProcessID, winlog.process.thread.id -> ThreadID, winlog.user.identifier
 *    -> UserID, winlog.event_data.X / winlog.user_data.X -> X; the rest
 *    of the document under dotted names (host.name, process.command_line).
 *  - NXLog: top-level keys as they are (EventID, Channel, EventData
 *    fields), with SourceName/ProviderName -> Provider_Name, Hostname ->
 *    Computer, RecordNumber -> EventRecordID added.
 *  - evtx JSON: System children by name, Provider/#attributes/Name ->
 *    Provider_Name etc., EventData keys by name.
 * A record with an EventID is a Windows event (logsource from channel and
 * event id); others have no product. @timestamp: "@timestamp",
 * TimeCreated/SystemTime, EventTime or "timestamp".
 *
 * jansson parses each line (bounded by the reader's line cap; jansson's own
 * depth limit applies); flattening stops at depth 8 and LOG_MAX_FIELDS.
 * Threading: one parser per reader.
 */
#include "core/compat.h"
#include "logs/internal.h"

#include <jansson.h>

#define FLAT_DEPTH 8
#define NAME_MAX_LEN 256

struct text_parser {
	int unused;
};

static struct text_parser *wj_create(const struct log_reader_opts *opts)
{
	(void)opts;
	return calloc(1, sizeof(struct text_parser));
}

static void wj_destroy(struct text_parser *p)
{
	free(p);
}

/* A scalar (or array of scalars) as text; false for objects/null. */
static bool scalar_text(const json_t *v, char *tmp, size_t cap, const char **s, size_t *len)
{
	switch (json_typeof(v)) {
	case JSON_STRING:
		*s = json_string_value(v);
		*len = json_string_length(v);
		return true;
	case JSON_INTEGER:
		*len = (size_t)snprintf(tmp, cap, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		*s = tmp;
		return true;
	case JSON_REAL:
		*len = (size_t)snprintf(tmp, cap, "%.17g", json_real_value(v));
		*s = tmp;
		return true;
	case JSON_TRUE:
		*s = "true";
		*len = 4;
		return true;
	case JSON_FALSE:
		*s = "false";
		*len = 5;
		return true;
	default:
		return false;
	}
}

static int add_value(struct log_fields *f, const char *name, size_t nl, const json_t *v)
{
	char tmp[64];
	const char *s;
	size_t len;

	if (json_is_array(v)) {
		struct mm_buf b;
		size_t i;
		const json_t *e;
		int err = 0;

		mm_buf_init(&b, LOG_MAX_LINE);
		json_array_foreach(v, i, e) {
			if (!scalar_text(e, tmp, sizeof(tmp), &s, &len))
				continue;
			if (b.len)
				err = err ? err : mm_buf_append_byte(&b, ',');
			err = err ? err : mm_buf_append(&b, s, len);
		}
		if (!err)
			err = log_fields_add(f, name, (long)nl, b.ptr ? b.ptr : "", b.len);
		mm_buf_release(&b);
		return err;
	}
	if (!scalar_text(v, tmp, sizeof(tmp), &s, &len))
		return 0;
	return log_fields_add(f, name, (long)nl, s, len);
}

/* Adds every leaf of obj, names prefixed with prefix (dotted). */
static int flatten(struct log_fields *f, const json_t *obj, const char *prefix, size_t pl,
		   int depth)
{
	const char *k;
	json_t *v;
	int err = 0;

	if (depth > FLAT_DEPTH)
		return 0;
	json_object_foreach((json_t *)(uintptr_t)obj, k, v) {
		char name[NAME_MAX_LEN];
		size_t kl = strlen(k), nl;

		if (pl + 1 + kl >= sizeof(name))
			continue;
		if (pl) {
			memcpy(name, prefix, pl);
			name[pl] = '.';
			memcpy(name + pl + 1, k, kl);
			nl = pl + 1 + kl;
		} else {
			memcpy(name, k, kl);
			nl = kl;
		}
		name[nl] = '\0';
		if (json_is_object(v))
			err = flatten(f, v, name, nl, depth + 1);
		else
			err = add_value(f, name, nl, v);
		if (err)
			return err;
	}
	return 0;
}

static const json_t *path(const json_t *o, const char *a, const char *b, const char *c)
{
	o = json_object_get(o, a);
	if (o && b)
		o = json_object_get(o, b);
	if (o && c)
		o = json_object_get(o, c);
	return o;
}

static int alias(struct log_fields *f, const char *name, const json_t *v)
{
	if (!v || json_is_object(v) || json_is_null(v))
		return 0;
	return add_value(f, name, strlen(name), v);
}

/* Element text in evtx JSON: a scalar, or {"#text": ...}. */
static const json_t *text_of(const json_t *v)
{
	if (json_is_object(v))
		return json_object_get(v, "#text");
	return v;
}

static int evtx_json(struct log_fields *f, const json_t *ev)
{
	const json_t *sys = json_object_get(ev, "System"), *ed;
	const char *k;
	json_t *v;
	int err = 0;

	if (json_is_object(sys)) {
		json_object_foreach((json_t *)(uintptr_t)sys, k, v) {
			const json_t *attrs = json_is_object(v) ? json_object_get(v, "#attributes")
							       : NULL;

			if (!strcmp(k, "Provider") && attrs) {
				err = err ? err : alias(f, "Provider_Name", json_object_get(attrs, "Name"));
				err = err ? err : alias(f, "Provider_Guid", json_object_get(attrs, "Guid"));
			} else if (!strcmp(k, "TimeCreated") && attrs) {
				err = err ? err : alias(f, "TimeCreated", json_object_get(attrs, "SystemTime"));
			} else if (!strcmp(k, "Execution") && attrs) {
				err = err ? err : alias(f, "ProcessID", json_object_get(attrs, "ProcessID"));
				err = err ? err : alias(f, "ThreadID", json_object_get(attrs, "ThreadID"));
			} else if (!strcmp(k, "Security") && attrs) {
				err = err ? err : alias(f, "UserID", json_object_get(attrs, "UserID"));
			} else if (!strcmp(k, "Correlation") && attrs) {
				err = err ? err : alias(f, "ActivityID", json_object_get(attrs, "ActivityID"));
			} else {
				err = err ? err : alias(f, k, text_of(v));
			}
		}
	}
	ed = json_object_get(ev, "EventData");
	if (!json_is_object(ed))
		ed = json_object_get(ev, "UserData");
	if (json_is_object(ed)) {
		json_object_foreach((json_t *)(uintptr_t)ed, k, v) {
			if (!strcmp(k, "#attributes"))
				continue;
			if (json_is_object(v))
				err = err ? err : flatten(f, v, "", 0, 1);
			else
				err = err ? err : alias(f, k, v);
		}
	}
	return err;
}

static int64_t parse_ts(const json_t *v)
{
	int64_t us = 0;

	if (json_is_string(v) && mm_time_parse(json_string_value(v), 0, &us) == 0)
		return us;
	return 0;
}

static int wj_line(struct text_parser *p, const struct log_line *ln, struct mm_arena *a,
		   struct log_event *ev, struct log_reader_stats *st)
{
	json_t *root;
	json_error_t jerr;
	struct log_fields f;
	const json_t *winlog, *evt;
	int err;
	size_t i = 0;

	(void)p;
	/* a UTF-8 byte order mark (first line of files from Windows tools) */
	if (ln->len >= 3 && !memcmp(ln->s, "\xef\xbb\xbf", 3))
		i = 3;
	while (i < ln->len && (ln->s[i] == ' ' || ln->s[i] == '\t'))
		i++;
	if (i == ln->len)
		return 0;
	root = json_loadb(ln->s + i, ln->len - i, 0, &jerr);
	if (!root || !json_is_object(root)) {
		st->lines_skipped++;
		if (st->lines_skipped <= 3)
			log_stats_problem(st, "line %" PRIu64 ": not a JSON object (%s)", ln->lineno,
					  root ? "not an object" : jerr.text);
		json_decref(root);
		return 0;
	}
	err = log_fields_init(&f, a, LOG_MAX_FIELDS, st);
	if (err)
		goto out;
	winlog = json_object_get(root, "winlog");
	evt = json_object_get(root, "Event");
	if (json_is_object(winlog)) {
		const json_t *ed = json_object_get(winlog, "event_data");
		const json_t *ud = json_object_get(winlog, "user_data");

		err = err ? err : alias(&f, "EventID", json_object_get(winlog, "event_id"));
		err = err ? err : alias(&f, "Channel", json_object_get(winlog, "channel"));
		err = err ? err : alias(&f, "Provider_Name", json_object_get(winlog, "provider_name"));
		err = err ? err : alias(&f, "Computer", json_object_get(winlog, "computer_name"));
		err = err ? err : alias(&f, "EventRecordID", json_object_get(winlog, "record_id"));
		err = err ? err : alias(&f, "UserID", path(winlog, "user", "identifier", NULL));
		err = err ? err : alias(&f, "Task", json_object_get(winlog, "task"));
		err = err ? err : alias(&f, "Opcode", json_object_get(winlog, "opcode"));
		if (json_is_object(ed))
			err = err ? err : flatten(&f, ed, "", 0, 1);
		if (json_is_object(ud))
			err = err ? err : flatten(&f, ud, "", 0, 1);
		/* after the event data: EventData's ProcessId wins lookups */
		err = err ? err : alias(&f, "ProcessID", path(winlog, "process", "pid", NULL));
		err = err ? err : alias(&f, "ThreadID", path(winlog, "process", "thread", "id"));
		{
			const char *k;
			json_t *v;

			json_object_foreach(root, k, v) {
				if (!strcmp(k, "winlog"))
					continue;
				if (json_is_object(v))
					err = err ? err : flatten(&f, v, k, strlen(k), 1);
				else
					err = err ? err : add_value(&f, k, strlen(k), v);
			}
		}
		ev->ts_us = parse_ts(json_object_get(root, "@timestamp"));
	} else if (json_is_object(evt) && json_is_object(json_object_get(evt, "System"))) {
		err = evtx_json(&f, evt);
		ev->ts_us = parse_ts(path(evt, "System", "TimeCreated", "#attributes") ?
				     json_object_get(path(evt, "System", "TimeCreated",
							  "#attributes"), "SystemTime") : NULL);
	} else {
		err = flatten(&f, root, "", 0, 0);
		if (!json_object_get(root, "Provider_Name")) {
			const json_t *sn = json_object_get(root, "SourceName");

			if (!sn)
				sn = json_object_get(root, "ProviderName");
			err = err ? err : alias(&f, "Provider_Name", sn);
		}
		if (!json_object_get(root, "Computer"))
			err = err ? err : alias(&f, "Computer", json_object_get(root, "Hostname"));
		if (!json_object_get(root, "EventRecordID"))
			err = err ? err : alias(&f, "EventRecordID", json_object_get(root, "RecordNumber"));
		ev->ts_us = parse_ts(json_object_get(root, "@timestamp"));
		if (!ev->ts_us)
			ev->ts_us = parse_ts(json_object_get(root, "TimeCreated"));
		if (!ev->ts_us)
			ev->ts_us = parse_ts(json_object_get(root, "EventTime"));
		if (!ev->ts_us)
			ev->ts_us = parse_ts(json_object_get(root, "timestamp"));
	}
	if (err)
		goto out;
	ev->format = "winjson";
	ev->fields = f.v;
	ev->n_fields = f.n;
	log_event_fill_windows(ev);
	if (!log_event_get(ev, "EventID", NULL)) {
		/* not a Windows event: no logsource product */
		ev->src.product = NULL;
		ev->src.service = NULL;
		ev->src.category = NULL;
		ev->format = "jsonl";
	}
	if (!ev->record_id)
		ev->record_id = ln->lineno;
	ev->offset = ln->offset;
	err = 1;
out:
	json_decref(root);
	return err;
}

static int wj_pending(struct text_parser *p, bool at_end_, struct mm_arena *a,
		      struct log_event *ev, struct log_reader_stats *st)
{
	(void)p;
	(void)at_end_;
	(void)a;
	(void)ev;
	(void)st;
	return 0;
}

const struct text_parser_ops log_winjson_ops = {
	.name = "winjson",
	.create = wj_create,
	.destroy = wj_destroy,
	.line = wj_line,
	.pending = wj_pending,
};
