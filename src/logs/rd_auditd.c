/*
 * rd_auditd.c — Linux audit logs (audit.log, ausearch --raw) into events.
 *
 * One audit event is several records (SYSCALL, EXECVE, CWD, PATH,
 * PROCTITLE, EOE...) that share the msg=audit(SECONDS.MILLIS:SERIAL)
 * stamp. Consecutive lines with one serial are grouped into one event; the
 * group ends at EOE, at a line with another serial, or at the end of input.
 *
 * Fields: every key=value of every record, first one wins, records taken
 * in the order EXECVE, SYSCALL, then as they came (so a0..aN are EXECVE's
 * arguments when there is one); the record types each as a field "type"
 * (EXECVE first; a rule's `type: SYSCALL` matches any of them if the Sigma
 * engine looks at repeated fields, else the first) and all of them in
 * "types"; values auditd hex-encodes (proctitle, EXECVE arguments, exe,
 * comm, cwd, name, cmd, ...) decoded when they are unquoted hex; the
 * contents of msg='...' parsed as more key=value pairs; CommandLine =
 * EXECVE a0..aN joined by spaces (else the decoded proctitle).
 *
 * Bounds: a group holds at most 128 lines / 256 KiB (the rest of a longer
 * group is counted and dropped); values and fields are capped by the
 * reader. Threading: one parser per reader.
 */
#include "core/compat.h"
#include "logs/internal.h"

#include <ctype.h>

#define GROUP_MAX_LINES 128
#define GROUP_MAX_BYTES (256 * 1024)
#define CMDLINE_MAX (64 * 1024)

struct text_parser {
	struct mm_buf group;		/* the group's lines, '\n'-separated */
	size_t n_lines;
	uint64_t serial;
	int64_t ts_us;
	uint64_t lineno, offset;	/* of the group's first line */
	bool have;
	bool dropped;
};

static struct text_parser *au_create(const struct log_reader_opts *opts)
{
	struct text_parser *p = calloc(1, sizeof(*p));

	(void)opts;
	if (p)
		mm_buf_init(&p->group, GROUP_MAX_BYTES);
	return p;
}

static void au_destroy(struct text_parser *p)
{
	if (!p)
		return;
	mm_buf_release(&p->group);
	free(p);
}

/* Finds "msg=audit(S.M:SERIAL):" and the record type. */
static bool header(const char *s, size_t n, const char **type, size_t *tl, int64_t *ts,
		   uint64_t *serial, size_t *rest)
{
	const char *t = NULL, *a = NULL;
	size_t i;
	uint64_t sec = 0, ms = 0, ser = 0;
	unsigned k;

	for (i = 0; i + 5 <= n; i++) {
		if ((i == 0 || s[i - 1] == ' ') && !memcmp(s + i, "type=", 5)) {
			t = s + i + 5;
			break;
		}
	}
	for (i = 0; i + 10 <= n; i++) {
		if (!memcmp(s + i, "msg=audit(", 10)) {
			a = s + i + 10;
			break;
		}
	}
	if (!t || !a)
		return false;
	*tl = 0;
	while (t + *tl < s + n && t[*tl] != ' ')
		(*tl)++;
	*type = t;
	i = (size_t)(a - s);
	for (k = 0; i < n && isdigit((unsigned char)s[i]) && k < 12; i++, k++)
		sec = sec * 10 + (uint64_t)(s[i] - '0');
	if (k == 0 || i >= n || s[i] != '.')
		return false;
	i++;
	for (k = 0; i < n && isdigit((unsigned char)s[i]) && k < 6; i++, k++)
		ms = ms * 10 + (uint64_t)(s[i] - '0');
	for (; k < 3; k++)
		ms *= 10;
	if (i >= n || s[i] != ':')
		return false;
	i++;
	for (k = 0; i < n && isdigit((unsigned char)s[i]) && k < 19; i++, k++)
		ser = ser * 10 + (uint64_t)(s[i] - '0');
	if (k == 0 || i + 1 >= n || s[i] != ')' || s[i + 1] != ':')
		return false;
	*ts = (int64_t)sec * 1000000 + (int64_t)ms * 1000;
	*serial = ser;
	*rest = i + 2;
	return true;
}

static bool is_hex(const char *v, size_t n)
{
	if (n == 0 || n % 2)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (!isxdigit((unsigned char)v[i]))
			return false;
	}
	return true;
}

static bool hexish_field(const char *k, size_t kl)
{
	static const char *const names[] = { "proctitle", "exe", "comm", "cwd", "name",
					     "cmd", "path", "old-path", "new-path", "data",
					     "acct", "ocomm", "key", "vm", "watch" };

	if (kl >= 2 && k[0] == 'a' && isdigit((unsigned char)k[1])) {
		for (size_t i = 1; i < kl; i++) {
			if (!isdigit((unsigned char)k[i]))
				return kl >= 2 && k[kl - 1] == ']';	/* a1[0] */
		}
		return true;
	}
	for (size_t i = 0; i < MM_ARRAY_SIZE(names); i++) {
		if (strlen(names[i]) == kl && !memcmp(names[i], k, kl))
			return true;
	}
	return false;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	return (tolower((unsigned char)c) - 'a') + 10;
}

struct au_build {
	struct log_fields f;
	struct mm_arena *a;
	bool execve;			/* EXECVE record present */
	bool is_execve_rec;
	bool is_syscall_rec;
};

static bool present(const struct log_fields *f, const char *k, size_t kl)
{
	for (size_t i = 0; i < f->n; i++) {
		if (f->v[i].name_len == kl && !memcmp(f->v[i].name, k, kl))
			return true;
	}
	return false;
}

static int add_kv(struct au_build *b, const char *k, size_t kl, const char *v, size_t vl,
		  bool quoted)
{
	char *dv;

	if (kl == 0 || present(&b->f, k, kl))
		return 0;
	/* a SYSCALL's a0..a3 are syscall arguments, not argv */
	if (b->is_syscall_rec && b->execve && kl == 2 && k[0] == 'a')
		return 0;
	if (!quoted && hexish_field(k, kl) && is_hex(v, vl)) {
		dv = mm_arena_alloc(b->a, vl / 2 + 1);
		if (!dv)
			return MM_ENOMEM;
		for (size_t i = 0; i < vl / 2; i++) {
			char c = (char)(hexval(v[2 * i]) * 16 + hexval(v[2 * i + 1]));

			/* proctitle separates argv with NULs */
			dv[i] = c == '\0' ? ' ' : c;
		}
		vl /= 2;
		while (vl > 0 && dv[vl - 1] == ' ')
			vl--;
		dv[vl] = '\0';
		return log_fields_add(&b->f, k, (long)kl, dv, vl);
	}
	return log_fields_add(&b->f, k, (long)kl, v, vl);
}

/* key=value pairs; msg='...' is parsed as more pairs. */
static int parse_kvs(struct au_build *b, const char *s, size_t n, int depth)
{
	size_t i = 0;
	int err = 0;

	while (!err && i < n) {
		size_t ks, ke, vs, ve;
		bool quoted = false;

		while (i < n && (s[i] == ' ' || s[i] == '\x1d'))
			i++;
		ks = i;
		while (i < n && s[i] != '=' && s[i] != ' ')
			i++;
		ke = i;
		if (i >= n || s[i] != '=') {
			i++;
			continue;
		}
		i++;
		if (i < n && (s[i] == '"' || s[i] == '\'')) {
			char q = s[i++];

			vs = i;
			while (i < n && s[i] != q)
				i++;
			ve = i;
			if (i < n)
				i++;
			quoted = true;
			if (q == '\'' && ke - ks == 3 && !memcmp(s + ks, "msg", 3) && depth == 0) {
				err = parse_kvs(b, s + vs, ve - vs, 1);
				continue;
			}
		} else {
			vs = i;
			while (i < n && s[i] != ' ' && s[i] != '\x1d')
				i++;
			ve = i;
		}
		if (ke - ks == 4 && !memcmp(s + ks, "type", 4))
			continue;
		err = add_kv(b, s + ks, ke - ks, s + vs, ve - vs, quoted);
	}
	return err;
}

static int build(struct text_parser *p, struct mm_arena *a, struct log_event *ev,
		 struct log_reader_stats *st)
{
	struct au_build b;
	const char *g = p->group.ptr;
	size_t gl = p->group.len;
	struct mm_buf types;
	int err;
	int pass;

	memset(&b, 0, sizeof(b));
	b.a = a;
	err = log_fields_init(&b.f, a, LOG_MAX_FIELDS, st);
	if (err)
		return err;
	mm_buf_init(&types, 4096);
	/* which record types are there */
	for (size_t i = 0; i < gl;) {
		const char *ln = g + i, *nl = memchr(ln, '\n', gl - i);
		size_t n = nl ? (size_t)(nl - ln) : gl - i;
		const char *t;
		size_t tl, rest;
		int64_t ts;
		uint64_t ser;

		if (header(ln, n, &t, &tl, &ts, &ser, &rest)) {
			if (tl == 6 && !memcmp(t, "EXECVE", 6))
				b.execve = true;
		}
		i += n + 1;
	}
	/* pass 0: EXECVE; 1: SYSCALL; 2: the rest */
	for (pass = 0; pass < 3 && !err; pass++) {
		for (size_t i = 0; i < gl && !err;) {
			const char *ln = g + i, *nl = memchr(ln, '\n', gl - i);
			size_t n = nl ? (size_t)(nl - ln) : gl - i;
			const char *t;
			size_t tl, rest;
			int64_t ts;
			uint64_t ser;
			bool ex, sc;

			i += n + 1;
			if (!header(ln, n, &t, &tl, &ts, &ser, &rest))
				continue;
			ex = tl == 6 && !memcmp(t, "EXECVE", 6);
			sc = tl == 7 && !memcmp(t, "SYSCALL", 7);
			if ((pass == 0 && !ex) || (pass == 1 && !sc) || (pass == 2 && (ex || sc)))
				continue;
			if (tl == 3 && !memcmp(t, "EOE", 3))
				continue;
			b.is_execve_rec = ex;
			b.is_syscall_rec = sc;
			err = log_fields_add(&b.f, "type", 4, t, tl);
			if (!err && types.len)
				err = mm_buf_append_byte(&types, ',');
			if (!err)
				err = mm_buf_append(&types, t, tl);
			/* node=HOST before type= */
			if (!err && n > 5 && !memcmp(ln, "node=", 5)) {
				size_t e = 5;

				while (e < n && ln[e] != ' ')
					e++;
				if (!present(&b.f, "node", 4))
					err = log_fields_add(&b.f, "node", 4, ln + 5, e - 5);
			}
			if (!err)
				err = parse_kvs(&b, ln + rest, n - rest, 0);
		}
	}
	if (!err && types.len)
		err = log_fields_add(&b.f, "types", 5, types.ptr, types.len);
	mm_buf_release(&types);
	/* CommandLine */
	if (!err) {
		struct mm_buf cl;
		size_t len;
		const char *argc_s = NULL;

		mm_buf_init(&cl, CMDLINE_MAX);
		for (size_t i = 0; i < b.f.n; i++) {
			if (b.f.v[i].name_len == 4 && !memcmp(b.f.v[i].name, "argc", 4))
				argc_s = b.f.v[i].value;
		}
		if (b.execve) {
			uint64_t argc = 0;

			if (argc_s)
				log_parse_u64(argc_s, strlen(argc_s), &argc);
			for (uint64_t k = 0; k < MM_MIN(argc ? argc : 1024, (uint64_t)1024); k++) {
				char nm[24];
				int nl = snprintf(nm, sizeof(nm), "a%" PRIu64, k);
				const char *v = NULL;

				for (size_t i = 0; i < b.f.n; i++) {
					if (b.f.v[i].name_len == (uint32_t)nl &&
					    !memcmp(b.f.v[i].name, nm, (size_t)nl)) {
						v = b.f.v[i].value;
						len = b.f.v[i].value_len;
						break;
					}
				}
				if (!v)
					break;
				if (cl.len)
					mm_buf_append_byte(&cl, ' ');
				mm_buf_append(&cl, v, len);
			}
		} else {
			const char *v = log_event_get(&(struct log_event){ .fields = b.f.v,
									   .n_fields = b.f.n },
						      "proctitle", &len);

			if (v)
				mm_buf_append(&cl, v, len);
		}
		if (cl.len)
			err = log_fields_add(&b.f, "CommandLine", -1, cl.ptr, cl.len);
		mm_buf_release(&cl);
	}
	if (err)
		return err;
	if (b.f.n == 0)
		return 0;	/* only EOE */
	ev->format = "auditd";
	ev->src.product = "linux";
	ev->src.service = "auditd";
	ev->record_id = p->serial;
	ev->ts_us = p->ts_us;
	ev->offset = p->offset;
	ev->host = log_event_get(&(struct log_event){ .fields = b.f.v, .n_fields = b.f.n },
				 "node", NULL);
	ev->fields = b.f.v;
	ev->n_fields = b.f.n;
	return 1;
}

static void reset_group(struct text_parser *p)
{
	mm_buf_reset(&p->group);
	p->n_lines = 0;
	p->have = false;
	p->dropped = false;
}

static int start_group(struct text_parser *p, const struct log_line *ln, uint64_t serial,
		       int64_t ts, struct log_reader_stats *st)
{
	int err;

	reset_group(p);
	p->have = true;
	p->serial = serial;
	p->ts_us = ts;
	p->lineno = ln->lineno;
	p->offset = ln->offset;
	err = mm_buf_append(&p->group, ln->s, ln->len);
	if (err == MM_ELIMIT) {
		st->lines_too_long++;
		p->dropped = true;
		return 0;
	}
	p->n_lines = 1;
	return err;
}

static int au_line(struct text_parser *p, const struct log_line *ln, struct mm_arena *a,
		   struct log_event *ev, struct log_reader_stats *st)
{
	const char *t;
	size_t tl, rest;
	int64_t ts;
	uint64_t serial;
	int r = 0, err;

	if (!header(ln->s, ln->len, &t, &tl, &ts, &serial, &rest)) {
		st->lines_skipped++;
		return 0;
	}
	if (p->have && serial != p->serial) {
		r = build(p, a, ev, st);
		if (r < 0)
			return r;
		err = start_group(p, ln, serial, ts, st);
		if (err)
			return err;
	} else if (!p->have) {
		err = start_group(p, ln, serial, ts, st);
		if (err)
			return err;
	} else if (p->n_lines >= GROUP_MAX_LINES || p->dropped) {
		st->lines_skipped++;
		if (!p->dropped)
			log_stats_problem(st, "audit event %" PRIu64 ": more than %d records, rest "
					  "dropped", serial, GROUP_MAX_LINES);
		p->dropped = true;
	} else if (p->group.len + 1 + ln->len >= GROUP_MAX_BYTES) {
		p->dropped = true;
		st->lines_skipped++;
		log_stats_problem(st, "audit event %" PRIu64 ": over %d bytes, rest dropped",
				  serial, GROUP_MAX_BYTES);
	} else {
		err = mm_buf_append_byte(&p->group, '\n');
		if (!err)
			err = mm_buf_append(&p->group, ln->s, ln->len);
		if (err)
			return err;
		p->n_lines++;
	}
	if (r == 1)
		return 1;
	if (tl == 3 && !memcmp(t, "EOE", 3)) {
		r = build(p, a, ev, st);
		reset_group(p);
		return r;
	}
	return 0;
}

static int au_pending(struct text_parser *p, bool at_end_, struct mm_arena *a,
		      struct log_event *ev, struct log_reader_stats *st)
{
	int r;

	if (!at_end_ || !p->have)
		return 0;
	r = build(p, a, ev, st);
	reset_group(p);
	return r;
}

const struct text_parser_ops log_auditd_ops = {
	.name = "auditd",
	.create = au_create,
	.destroy = au_destroy,
	.line = au_line,
	.pending = au_pending,
};
