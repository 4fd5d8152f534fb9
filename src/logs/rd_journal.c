/*
 * rd_journal.c — systemd journal export format (`journalctl -o export`)
 * into events.
 *
 * An entry is lines of KEY=value, or, for values that are binary or hold
 * newlines, a line KEY followed by a 64-bit little-endian length, that many
 * bytes and a newline; a blank line ends the entry. Every field is kept
 * under its journal name (MESSAGE, _SYSTEMD_UNIT, SYSLOG_IDENTIFIER, _PID,
 * _COMM, _EXE, _CMDLINE, _HOSTNAME...), plus the syslog vocabulary
 * (program, pid, message, host) and the fields rd_syslog.c parses out of
 * sshd/sudo/pam/cron messages. @timestamp is __REALTIME_TIMESTAMP.
 *
 * The line splitter hands us lines; a binary value is rebuilt from the
 * lines that follow its key (their newlines put back) and checked against
 * its length. Bounds: an entry holds at most 1 MiB and LOG_MAX_FIELDS
 * fields; a binary value at most 1 MiB; over that the entry is dropped and
 * counted. Threading: one parser per reader.
 */
#include "core/compat.h"
#include "logs/internal.h"

#define ENTRY_MAX (1u << 20)

struct text_parser {
	struct mm_buf entry;		/* records: u32 klen, key, u32 vlen, value */
	size_t n_fields;
	struct mm_buf bin;		/* a binary value being rebuilt */
	char key[256];
	size_t key_len;
	bool in_bin;
	bool broken;			/* the entry went over a limit */
	uint64_t lineno, offset, n_entries;
	bool have;
};

static struct text_parser *jr_create(const struct log_reader_opts *opts)
{
	struct text_parser *p = calloc(1, sizeof(*p));

	(void)opts;
	if (!p)
		return NULL;
	mm_buf_init(&p->entry, ENTRY_MAX);
	mm_buf_init(&p->bin, ENTRY_MAX);
	return p;
}

static void jr_destroy(struct text_parser *p)
{
	if (!p)
		return;
	mm_buf_release(&p->entry);
	mm_buf_release(&p->bin);
	free(p);
}

static int put(struct text_parser *p, const char *k, size_t kl, const char *v, size_t vl)
{
	uint32_t a = (uint32_t)kl, b = (uint32_t)vl;
	int err;

	if (p->n_fields >= LOG_MAX_FIELDS)
		return MM_ELIMIT;
	err = mm_buf_append(&p->entry, &a, 4);
	err = err ? err : mm_buf_append(&p->entry, k, kl);
	err = err ? err : mm_buf_append(&p->entry, &b, 4);
	err = err ? err : mm_buf_append(&p->entry, v, vl);
	if (!err)
		p->n_fields++;
	return err;
}

static void reset(struct text_parser *p)
{
	mm_buf_reset(&p->entry);
	mm_buf_reset(&p->bin);
	p->n_fields = 0;
	p->in_bin = false;
	p->broken = false;
	p->have = false;
}

static int build(struct text_parser *p, struct mm_arena *a, struct log_event *ev,
		 struct log_reader_stats *st)
{
	struct log_fields f;
	const char *e = p->entry.ptr;
	size_t n = p->entry.len, i = 0;
	const char *prog = NULL, *msg = NULL;
	size_t pl = 0, ml = 0;
	uint64_t rt = 0;
	int err;

	err = log_fields_init(&f, a, LOG_MAX_FIELDS + 8, st);
	if (err)
		return err;
	while (!err && i + 4 <= n) {
		uint32_t kl, vl;
		const char *k, *v;

		memcpy(&kl, e + i, 4);
		k = e + i + 4;
		memcpy(&vl, k + kl, 4);
		v = k + kl + 4;
		i += 8 + kl + vl;
		err = log_fields_add(&f, k, (long)kl, v, vl);
		if (err)
			break;
		if (kl == 17 && !memcmp(k, "SYSLOG_IDENTIFIER", 17)) {
			prog = f.v[f.n - 1].value;
			pl = vl;
		} else if (kl == 7 && !memcmp(k, "MESSAGE", 7)) {
			msg = f.v[f.n - 1].value;
			ml = vl;
		} else if (kl == 5 && !memcmp(k, "_COMM", 5) && !prog) {
			prog = f.v[f.n - 1].value;
			pl = vl;
		} else if (kl == 20 && !memcmp(k, "__REALTIME_TIMESTAMP", 20)) {
			log_parse_u64(v, vl, &rt);
		} else if (kl == 9 && !memcmp(k, "_HOSTNAME", 9)) {
			ev->host = f.v[f.n - 1].value;
		}
	}
	if (err)
		return err;
	ev->format = "journal";
	ev->src.product = "linux";
	ev->src.service = prog ? log_syslog_service(prog, pl) : "syslog";
	ev->ts_us = rt <= (uint64_t)INT64_MAX ? (int64_t)rt : 0;
	ev->record_id = ++p->n_entries;
	ev->offset = p->offset;
	if (prog)
		err = log_fields_add_ref(&f, "program", 7, prog, pl);
	{
		size_t len;
		const char *pid = log_event_get(&(struct log_event){ .fields = f.v, .n_fields = f.n },
						"_PID", &len);

		if (!pid)
			pid = log_event_get(&(struct log_event){ .fields = f.v, .n_fields = f.n },
					    "SYSLOG_PID", &len);
		if (!err && pid)
			err = log_fields_add_ref(&f, "pid", 3, pid, len);
	}
	if (!err && ev->host)
		err = log_fields_add_ref(&f, "host", 4, ev->host, strlen(ev->host));
	if (!err && msg) {
		err = log_fields_add_ref(&f, "message", 7, msg, ml);
		if (!err && prog)
			err = log_syslog_message_fields(&f, ev->src.service, msg, ml);
	}
	if (err)
		return err;
	ev->fields = f.v;
	ev->n_fields = f.n;
	return 1;
}

static int finish_entry(struct text_parser *p, struct mm_arena *a, struct log_event *ev,
			struct log_reader_stats *st)
{
	int r = 0;

	if (p->in_bin) {
		st->lines_skipped++;
		log_stats_problem(st, "journal entry at line %" PRIu64 ": binary field %.*s cut "
				  "short", p->lineno, (int)p->key_len, p->key);
	}
	if (p->have && !p->broken && p->n_fields > 0)
		r = build(p, a, ev, st);
	reset(p);
	return r;
}

static int jr_line(struct text_parser *p, const struct log_line *ln, struct mm_arena *a,
		   struct log_event *ev, struct log_reader_stats *st)
{
	const char *eq;
	int err;

	if (p->in_bin) {
		uint64_t want;

		err = mm_buf_append(&p->bin, ln->s, ln->len);
		err = err ? err : mm_buf_append_byte(&p->bin, '\n');
		if (err) {
			/* over the cap: the entry is dropped */
			p->in_bin = false;
			p->broken = true;
			st->lines_skipped++;
			log_stats_problem(st, "journal entry at line %" PRIu64 ": binary field over "
					  "%u bytes, entry dropped", p->lineno, ENTRY_MAX);
			return 0;
		}
		if (p->bin.len < 8)
			return 0;
		memcpy(&want, p->bin.ptr, 8);	/* little-endian hosts only (x86, arm) */
		if (want > ENTRY_MAX) {
			p->in_bin = false;
			p->broken = true;
			log_stats_problem(st, "journal entry at line %" PRIu64 ": binary field "
					  "length %" PRIu64 " too large", p->lineno, want);
			return 0;
		}
		if (p->bin.len < 8 + want + 1)
			return 0;
		p->in_bin = false;
		if (p->bin.len > 8 + want + 1) {
			p->broken = true;
			st->lines_skipped++;
			log_stats_problem(st, "journal entry at line %" PRIu64 ": binary field "
					  "length does not match", p->lineno);
			return 0;
		}
		if (!p->broken && put(p, p->key, p->key_len, p->bin.ptr + 8, (size_t)want))
			p->broken = true;
		mm_buf_reset(&p->bin);
		return 0;
	}
	if (ln->len == 0)
		return finish_entry(p, a, ev, st);
	if (!p->have) {
		p->have = true;
		p->lineno = ln->lineno;
		p->offset = ln->offset;
	}
	eq = memchr(ln->s, '=', ln->len);
	if (!eq) {
		/* KEY alone: a binary value follows */
		if (ln->len >= sizeof(p->key)) {
			p->broken = true;
			return 0;
		}
		memcpy(p->key, ln->s, ln->len);
		p->key_len = ln->len;
		p->in_bin = true;
		mm_buf_reset(&p->bin);
		return 0;
	}
	if (eq == ln->s) {
		st->lines_skipped++;
		return 0;
	}
	if (!p->broken && put(p, ln->s, (size_t)(eq - ln->s), eq + 1,
			      ln->len - (size_t)(eq - ln->s) - 1)) {
		p->broken = true;
		log_stats_problem(st, "journal entry at line %" PRIu64 ": over the size or field "
				  "limit, entry dropped", p->lineno);
	}
	return 0;
}

static int jr_pending(struct text_parser *p, bool at_end_, struct mm_arena *a,
		      struct log_event *ev, struct log_reader_stats *st)
{
	if (!at_end_ || !p->have)
		return 0;
	return finish_entry(p, a, ev, st);
}

const struct text_parser_ops log_journal_ops = {
	.name = "journal",
	.create = jr_create,
	.destroy = jr_destroy,
	.line = jr_line,
	.pending = jr_pending,
};
