/*
 * sink_jsonl.c — the JSON lines sink, the skip record, and the terminal
 * text sink (sinks.h).
 *
 * Both write to a stdio FILE the caller opened; they are called under the
 * output's mutex. A write error is returned (MM_EIO) and remembered, so the
 * caller can report it once at the end.
 */
#include "core/compat.h"
#include "core/sinks.h"

#include "core/core.h"

struct file_sink {
	FILE *f;
	bool close_file;
	bool color;
	bool clear_line;
	enum mm_level min_level;
	struct mm_alert_json_opts opts;
	struct mm_buf buf;
	int err;
};

int mm_skip_to_json(const char *path, enum mm_skip why, bool partial, const char *detail,
		    const struct mm_alert_json_opts *opts, struct mm_buf *out)
{
	struct mm_json j;

	mm_json_init(&j, out);
	mm_json_object_begin(&j, NULL);
	mm_json_object_begin(&j, "event");
	mm_json_str(&j, "kind", "skip");
	if (opts && opts->ingested_us) {
		char ts[MM_TIME_STR];

		mm_time_format(opts->ingested_us, ts);
		mm_json_str(&j, "ingested", ts);
	}
	mm_json_object_end(&j);
	mm_json_object_begin(&j, "file");
	mm_json_str(&j, "path", path ? path : "");
	mm_json_object_end(&j);
	mm_json_object_begin(&j, "mamori");
	mm_json_object_begin(&j, "skip");
	mm_json_str(&j, "reason", mm_skip_name(why));
	mm_json_bool(&j, "partial", partial);
	if (detail && *detail)
		mm_json_str(&j, "detail", detail);
	mm_json_object_end(&j);
	mm_json_object_end(&j);
	mm_json_object_begin(&j, "observer");
	mm_json_str(&j, "product", "mamori");
	mm_json_str(&j, "version",
		    opts && opts->observer_version ? opts->observer_version : MM_VERSION);
	mm_json_object_end(&j);
	mm_json_object_end(&j);
	return mm_json_finish(&j);
}

static int put_line(struct file_sink *s, const char *p, size_t n)
{
	if (fwrite(p, 1, n, s->f) != n || putc('\n', s->f) == EOF) {
		s->err = MM_EIO;
		return MM_EIO;
	}
	return 0;
}

static int jsonl_alert(void *state, const struct mm_alert *a, const char *json, size_t len)
{
	struct file_sink *s = state;

	if (mm_alert_level(a) < s->min_level)
		return 0;
	return put_line(s, json, len);
}

static int jsonl_skip(void *state, const char *path, enum mm_skip why, bool partial,
		      const char *detail)
{
	struct file_sink *s = state;
	int rc;

	mm_buf_reset(&s->buf);
	rc = mm_skip_to_json(path, why, partial, detail, &s->opts, &s->buf);
	if (rc)
		return rc;
	return put_line(s, s->buf.ptr, s->buf.len);
}

static int jsonl_record(void *state, const char *type, const char *json, size_t len)
{
	(void)type;
	return put_line(state, json, len);
}

static int file_flush(void *state)
{
	struct file_sink *s = state;

	if (fflush(s->f) != 0)
		s->err = MM_EIO;
	return s->err;
}

static void file_close(void *state)
{
	struct file_sink *s = state;

	if (!s)
		return;
	if (s->close_file)
		fclose(s->f);
	else
		fflush(s->f);
	mm_buf_release(&s->buf);
	free(s);
}

int mm_sink_jsonl(struct mm_sink *sink, FILE *f, bool close_file, enum mm_level min_level,
		  const struct mm_alert_json_opts *opts)
{
	struct file_sink *s = calloc(1, sizeof(*s));

	if (!s)
		return MM_ENOMEM;
	s->f = f;
	s->close_file = close_file;
	s->min_level = min_level;
	if (opts)
		s->opts = *opts;
	mm_buf_init(&s->buf, 1u << 20);
	memset(sink, 0, sizeof(*sink));
	sink->name = "jsonl";
	sink->state = s;
	sink->alert = jsonl_alert;
	sink->skip = jsonl_skip;
	sink->record = jsonl_record;
	sink->flush = file_flush;
	sink->close = file_close;
	return 0;
}

/* ---- text ---- */

static const char *level_color(enum mm_level l)
{
	switch (l) {
	case MM_LEVEL_CRITICAL:
		return "\033[1;31m";
	case MM_LEVEL_HIGH:
		return "\033[31m";
	case MM_LEVEL_MEDIUM:
		return "\033[33m";
	case MM_LEVEL_LOW:
		return "\033[36m";
	default:
		return "\033[2m";
	}
}

/* Appends s with control bytes and invalid UTF-8 shown as \xNN or \uNNNN
 * (the JSON escaping, minus the escaping of quote and backslash), so a
 * hostile name cannot drive the terminal. */
static void put_safe(struct mm_buf *b, const char *s)
{
	struct mm_buf e;

	mm_buf_init(&e, b->max);
	if (s && mm_json_escape(&e, s, strlen(s)) == 0 && e.ptr) {
		for (const char *p = e.ptr; *p; p++) {
			if (p[0] == '\\' && (p[1] == '\\' || p[1] == '"'))
				p++;
			mm_buf_append_byte(b, (uint8_t)*p);
		}
	}
	mm_buf_release(&e);
}

static int text_alert(void *state, const struct mm_alert *a, const char *json, size_t len)
{
	struct file_sink *s = state;
	enum mm_level l = mm_alert_level(a);
	char upper[16];
	const char *name = mm_level_name(l);
	size_t i;

	(void)json;
	(void)len;
	if (l < s->min_level)
		return 0;
	for (i = 0; name[i] && i < sizeof(upper) - 1; i++)
		upper[i] = (char)(name[i] >= 'a' && name[i] <= 'z' ? name[i] - 32 : name[i]);
	upper[i] = '\0';
	mm_buf_reset(&s->buf);
	if (s->clear_line)
		mm_buf_append_str(&s->buf, "\r\033[K");
	if (s->color)
		mm_buf_append_str(&s->buf, level_color(l));
	mm_buf_appendf(&s->buf, "%-8s", upper);
	if (s->color)
		mm_buf_append_str(&s->buf, "\033[0m");
	mm_buf_append_byte(&s->buf, ' ');
	put_safe(&s->buf, mm_alert_rule_id(a));
	mm_buf_append_str(&s->buf, "  ");
	if (a->file_path) {
		put_safe(&s->buf, a->file_path);
	} else if (a->src_ip || a->dst_ip) {
		put_safe(&s->buf, a->src_ip ? a->src_ip : "?");
		if (a->src_port > 0)
			mm_buf_appendf(&s->buf, ":%d", a->src_port);
		mm_buf_append_str(&s->buf, " -> ");
		put_safe(&s->buf, a->dst_ip ? a->dst_ip : "?");
		if (a->dst_port > 0)
			mm_buf_appendf(&s->buf, ":%d", a->dst_port);
	} else if (a->host_name) {
		put_safe(&s->buf, a->host_name);
	}
	if (a->reason || mm_alert_rule_name(a)) {
		mm_buf_append_str(&s->buf, " \xe2\x80\x94 ");
		put_safe(&s->buf, a->reason ? a->reason : mm_alert_rule_name(a));
	}
	if (!s->buf.ptr)
		return MM_ENOMEM;
	return put_line(s, s->buf.ptr, s->buf.len);
}

static int text_skip(void *state, const char *path, enum mm_skip why, bool partial,
		     const char *detail)
{
	struct file_sink *s = state;

	if (why == MM_SKIP_NO_ENGINE)
		return 0;	/* counted by kind in the summary */
	mm_buf_reset(&s->buf);
	if (s->clear_line)
		mm_buf_append_str(&s->buf, "\r\033[K");
	if (s->color)
		mm_buf_append_str(&s->buf, "\033[35m");
	mm_buf_appendf(&s->buf, "%-8s", partial ? "PARTIAL" : "SKIP");
	if (s->color)
		mm_buf_append_str(&s->buf, "\033[0m");
	mm_buf_appendf(&s->buf, " %s  ", mm_skip_name(why));
	put_safe(&s->buf, path);
	if (detail && *detail) {
		mm_buf_append_str(&s->buf, " \xe2\x80\x94 ");
		put_safe(&s->buf, detail);
	}
	if (!s->buf.ptr)
		return MM_ENOMEM;
	return put_line(s, s->buf.ptr, s->buf.len);
}

int mm_sink_text(struct mm_sink *sink, FILE *f, bool color, enum mm_level min_level)
{
	return mm_sink_text_ex(sink, f, color, false, min_level);
}

int mm_sink_text_ex(struct mm_sink *sink, FILE *f, bool color, bool clear_line,
		    enum mm_level min_level)
{
	struct file_sink *s = calloc(1, sizeof(*s));

	if (!s)
		return MM_ENOMEM;
	s->f = f;
	s->color = color;
	s->clear_line = clear_line;
	s->min_level = min_level;
	mm_buf_init(&s->buf, 1u << 20);
	memset(sink, 0, sizeof(*sink));
	sink->name = "text";
	sink->state = s;
	sink->alert = text_alert;
	sink->skip = text_skip;
	sink->flush = file_flush;
	sink->close = file_close;
	return 0;
}
