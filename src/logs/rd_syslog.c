/*
 * rd_syslog.c — syslog and auth.log lines (RFC 3164 with or without year,
 * ISO 8601 stamped lines as rsyslog writes them, RFC 5424 with structured
 * data) into normalised events, with the messages of sshd, sudo, pam_unix
 * and cron parsed into fields (docs/logs.md lists them).
 *
 * "message repeated N times: [ msg ]" (rsyslog's reduction) is expanded:
 * the inner message is returned N times (at most 1000), each with the
 * field repeated=N, so that counting rules see every attempt.
 *
 * Input is one line at a time from the reader's bounded splitter; nothing
 * here reads outside the line. Lines that are not syslog are counted as
 * skipped. Threading: one parser per reader.
 */
#include "core/compat.h"
#include "logs/internal.h"

#include <ctype.h>

#define REPEAT_MAX 1000
#define SD_MAX_PARAMS 32

struct text_parser {
	int year;
	/* repeat expansion: a copy of the line and how many more to return */
	char *rep_line;
	size_t rep_len;
	uint64_t rep_lineno, rep_offset;
	uint64_t rep_left;
};

static struct text_parser *sl_create(const struct log_reader_opts *opts)
{
	struct text_parser *p = calloc(1, sizeof(*p));

	if (p)
		p->year = opts && opts->year > 0 ? opts->year : 1970;
	return p;
}

static void sl_destroy(struct text_parser *p)
{
	if (!p)
		return;
	free(p->rep_line);
	free(p);
}

/* ---- small cursor helpers over one line ---- */

struct cur {
	const char *s;
	size_t n, i;
};

static bool at_end(const struct cur *c)
{
	return c->i >= c->n;
}

static void skip_sp(struct cur *c)
{
	while (c->i < c->n && c->s[c->i] == ' ')
		c->i++;
}

static bool digits(struct cur *c, unsigned min, unsigned max, unsigned *v)
{
	unsigned k = 0, x = 0;

	while (c->i < c->n && k < max && isdigit((unsigned char)c->s[c->i])) {
		x = x * 10 + (unsigned)(c->s[c->i] - '0');
		c->i++;
		k++;
	}
	*v = x;
	return k >= min;
}

static bool lit(struct cur *c, char ch)
{
	if (c->i < c->n && c->s[c->i] == ch) {
		c->i++;
		return true;
	}
	return false;
}

/* A token up to the next space. */
static void token(struct cur *c, const char **t, size_t *tl)
{
	size_t st = c->i;

	while (c->i < c->n && c->s[c->i] != ' ')
		c->i++;
	*t = c->s + st;
	*tl = c->i - st;
}

static int64_t days_from_civil(int y, unsigned m, unsigned d)
{
	int64_t yy = y - (m <= 2);
	int64_t era = (yy >= 0 ? yy : yy - 399) / 400;
	unsigned yoe = (unsigned)(yy - era * 400);
	unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

	return era * 146097 + (int64_t)doe - 719468;
}

static int64_t mk_us(int y, unsigned mo, unsigned d, unsigned h, unsigned mi, unsigned s,
		     unsigned us)
{
	return (days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s) * 1000000 + us;
}

static const char months[12][4] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
				    "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };

static bool hms(struct cur *c, unsigned *h, unsigned *mi, unsigned *s, unsigned *us)
{
	*us = 0;
	if (!digits(c, 1, 2, h) || !lit(c, ':') || !digits(c, 2, 2, mi) || !lit(c, ':') ||
	    !digits(c, 2, 2, s))
		return false;
	if (lit(c, '.')) {
		unsigned k = 0, f = 0;

		while (c->i < c->n && isdigit((unsigned char)c->s[c->i])) {
			if (k < 6) {
				f = f * 10 + (unsigned)(c->s[c->i] - '0');
				k++;
			}
			c->i++;
		}
		while (k++ < 6)
			f *= 10;
		*us = f;
	}
	return *h < 24 && *mi < 60 && *s < 61;
}

/* ISO 8601 / RFC 3339 timestamp; offsets are applied. */
static bool iso_time(struct cur *c, int64_t *ts)
{
	unsigned y, mo, d, h, mi, s, us;
	struct cur save = *c;

	if (!digits(c, 4, 4, &y) || !lit(c, '-') || !digits(c, 2, 2, &mo) || !lit(c, '-') ||
	    !digits(c, 2, 2, &d) || !(lit(c, 'T') || lit(c, ' ')) || !hms(c, &h, &mi, &s, &us) ||
	    mo < 1 || mo > 12 || d < 1 || d > 31) {
		*c = save;
		return false;
	}
	*ts = mk_us((int)y, mo, d, h, mi, s, us);
	if (lit(c, 'Z') || lit(c, 'z'))
		return true;
	if (c->i < c->n && (c->s[c->i] == '+' || c->s[c->i] == '-')) {
		int sign = c->s[c->i] == '-' ? -1 : 1;
		unsigned oh, om = 0;

		c->i++;
		if (!digits(c, 2, 2, &oh))
			return false;
		lit(c, ':');
		digits(c, 2, 2, &om);
		*ts -= (int64_t)sign * (oh * 3600 + om * 60) * 1000000;
	}
	return true;
}

/* "Mmm dd [yyyy] hh:mm:ss" */
static bool bsd_time(struct cur *c, int year, int64_t *ts)
{
	struct cur save = *c;
	unsigned mo = 0, d, h, mi, s, us, y = (unsigned)year;

	if (c->n - c->i < 15)
		return false;
	for (unsigned k = 0; k < 12; k++) {
		if (!memcmp(c->s + c->i, months[k], 3)) {
			mo = k + 1;
			break;
		}
	}
	if (!mo)
		return false;
	c->i += 3;
	skip_sp(c);
	if (!digits(c, 1, 2, &d) || !lit(c, ' '))
		goto fail;
	skip_sp(c);
	{
		struct cur t = *c;
		unsigned yy;

		if (digits(&t, 4, 4, &yy) && lit(&t, ' ')) {
			y = yy;
			*c = t;
		}
	}
	if (!hms(c, &h, &mi, &s, &us) || d < 1 || d > 31)
		goto fail;
	*ts = mk_us((int)y, mo, d, h, mi, s, us);
	return true;
fail:
	*c = save;
	return false;
}

/* ---- message parsers ---- */

/* True if the literal occurs in [s, s+n). */
static bool has(const char *s, size_t n, const char *lit_s)
{
	size_t l = strlen(lit_s);

	for (size_t i = 0; i + l <= n; i++) {
		if (s[i] == lit_s[0] && !memcmp(s + i, lit_s, l))
			return true;
	}
	return false;
}

static bool starts(const char *s, size_t n, const char *lit_s)
{
	size_t l = strlen(lit_s);

	return n >= l && !memcmp(s, lit_s, l);
}

/* Finds " WORD " style tokens: returns the token after `key` (a word
 * followed by a space), or NULL. */
static const char *word_after(const char *s, size_t n, const char *key, size_t *wl)
{
	size_t kl = strlen(key);

	for (size_t i = 0; i + kl <= n; i++) {
		if (memcmp(s + i, key, kl) == 0 && (i == 0 || s[i - 1] == ' ')) {
			size_t j = i + kl, st;

			st = j;
			while (j < n && s[j] != ' ' && s[j] != ';')
				j++;
			*wl = j - st;
			return s + st;
		}
	}
	return NULL;
}

static int add_word(struct log_fields *f, const char *name, const char *s, size_t n,
		    const char *key)
{
	size_t wl;
	const char *w = word_after(s, n, key, &wl);

	if (!w || wl == 0)
		return 0;
	return log_fields_add(f, name, -1, w, wl);
}

static int parse_sshd(struct log_fields *f, const char *m, size_t n)
{
	const char *type = NULL, *outcome = NULL;
	int err = 0;

	if (starts(m, n, "Failed ") || starts(m, n, "Accepted ")) {
		/* (Failed|Accepted) METHOD for [invalid user ]USER from IP port N ssh2 */
		bool ok = m[0] == 'A';
		struct cur c = { m, n, ok ? 9 : 7 };
		const char *meth, *user = NULL;
		size_t ml, ul = 0;
		size_t from = 0;

		token(&c, &meth, &ml);
		err = log_fields_add(f, "auth_method", -1, meth, ml);
		skip_sp(&c);
		if (c.n - c.i >= 4 && !memcmp(c.s + c.i, "for ", 4)) {
			c.i += 4;
			if (starts(c.s + c.i, c.n - c.i, "invalid user ")) {
				c.i += 13;
				err = err ? err : log_fields_add(f, "invalid_user", -1, "true", 4);
			}
			/* the user name may hold spaces: it ends at the last " from " */
			for (size_t i = c.i; i + 6 <= n; i++) {
				if (!memcmp(m + i, " from ", 6))
					from = i;
			}
			if (from > c.i) {
				user = m + c.i;
				ul = from - c.i;
			}
		}
		if (user)
			err = err ? err : log_fields_add(f, "user", -1, user, ul);
		if (from) {
			err = err ? err : add_word(f, "source_ip", m + from + 1, n - from - 1, "from ");
			err = err ? err : add_word(f, "source_port", m + from + 1, n - from - 1, "port ");
		}
		type = ok ? "accepted" : "failed";
		outcome = ok ? "success" : "failure";
	} else if (starts(m, n, "Invalid user ")) {
		struct cur c = { m, n, 13 };
		const char *u;
		size_t ul;
		size_t from = 0;

		for (size_t i = 13; i + 6 <= n; i++) {
			if (!memcmp(m + i, " from ", 6))
				from = i;
		}
		if (from) {
			err = log_fields_add(f, "user", -1, m + 13, from - 13);
			err = err ? err : add_word(f, "source_ip", m + from + 1, n - from - 1, "from ");
			err = err ? err : add_word(f, "source_port", m + from + 1, n - from - 1, "port ");
		} else {
			token(&c, &u, &ul);
			err = log_fields_add(f, "user", -1, u, ul);
		}
		err = err ? err : log_fields_add(f, "invalid_user", -1, "true", 4);
		type = "invalid_user";
		outcome = "failure";
	} else if (starts(m, n, "Connection closed by ") ||
		   starts(m, n, "Disconnected from ")) {
		struct cur c = { m, n, m[0] == 'C' ? 21 : 18 };
		const char *t;
		size_t tl;

		if (starts(m + c.i, n - c.i, "authenticating user ")) {
			c.i += 20;
			token(&c, &t, &tl);
			err = log_fields_add(f, "user", -1, t, tl);
			skip_sp(&c);
		} else if (starts(m + c.i, n - c.i, "invalid user ")) {
			c.i += 13;
			token(&c, &t, &tl);
			err = log_fields_add(f, "user", -1, t, tl);
			err = err ? err : log_fields_add(f, "invalid_user", -1, "true", 4);
			skip_sp(&c);
		} else if (starts(m + c.i, n - c.i, "user ")) {
			c.i += 5;
			token(&c, &t, &tl);
			err = log_fields_add(f, "user", -1, t, tl);
			skip_sp(&c);
		}
		token(&c, &t, &tl);
		err = err ? err : log_fields_add(f, "source_ip", -1, t, tl);
		err = err ? err : add_word(f, "source_port", m, n, "port ");
		type = m[0] == 'C' ? "connection_closed" : "disconnected";
		if (has(m, n, "[preauth]"))
			outcome = "failure";
	} else if (starts(m, n, "Received disconnect from ")) {
		struct cur c = { m, n, 25 };
		const char *t;
		size_t tl;

		while (c.i < c.n && c.s[c.i] != ' ' && c.s[c.i] != ':')
			c.i++;
		t = m + 25;
		tl = c.i - 25;
		err = log_fields_add(f, "source_ip", -1, t, tl);
		err = err ? err : add_word(f, "source_port", m, n, "port ");
		type = "disconnect_received";
	} else if (starts(m, n, "Did not receive identification string from ")) {
		struct cur c = { m, n, 44 };
		const char *t;
		size_t tl;

		token(&c, &t, &tl);
		err = log_fields_add(f, "source_ip", -1, t, tl);
		type = "no_identification";
	} else if (starts(m, n, "PAM ") && has(m, n, "more authentication failure")) {
		struct cur c = { m, n, 4 };
		unsigned cnt;

		if (digits(&c, 1, 6, &cnt))
			err = log_fields_addf(f, "count", "%u", cnt);
		err = err ? err : add_word(f, "source_ip", m, n, "rhost=");
		err = err ? err : add_word(f, "user", m, n, "user=");
		type = "pam_auth_failures";
		outcome = "failure";
	} else if (starts(m, n, "reverse mapping checking ")) {
		const char *lb = memchr(m, '[', n);

		if (lb) {
			const char *rb = memchr(lb, ']', n - (size_t)(lb - m));

			if (rb)
				err = log_fields_add(f, "source_ip", -1, lb + 1, (size_t)(rb - lb - 1));
		}
		type = "reverse_mapping_failed";
	}
	if (!err && type)
		err = log_fields_add(f, "event_type", -1, type, strlen(type));
	if (!err && outcome)
		err = log_fields_add(f, "outcome", -1, outcome, strlen(outcome));
	return err;
}

/* pam_unix(SERVICE:TYPE): text */
static int parse_pam(struct log_fields *f, const char *m, size_t n)
{
	const char *lp = memchr(m, '(', n), *colon, *rp;
	int err = 0;

	if (!lp)
		return 0;
	rp = memchr(lp, ')', n - (size_t)(lp - m));
	if (!rp)
		return 0;
	err = log_fields_add(f, "pam_module", -1, m, (size_t)(lp - m));
	colon = memchr(lp, ':', (size_t)(rp - lp));
	if (colon) {
		err = err ? err : log_fields_add(f, "pam_service", -1, lp + 1, (size_t)(colon - lp - 1));
		err = err ? err : log_fields_add(f, "pam_type", -1, colon + 1,
						 (size_t)(rp - colon - 1));
	}
	if (has(m, n, "authentication failure")) {
		err = err ? err : add_word(f, "source_ip", m, n, "rhost=");
		err = err ? err : add_word(f, "user", m, n, "user=");
		err = err ? err : log_fields_add(f, "event_type", -1, "pam_auth_failure", 16);
		err = err ? err : log_fields_add(f, "outcome", -1, "failure", 7);
	} else if (has(m, n, "session opened for user ")) {
		err = err ? err : add_word(f, "user", m, n, "user ");
		err = err ? err : log_fields_add(f, "event_type", -1, "session_opened", 14);
	} else if (has(m, n, "session closed for user ")) {
		err = err ? err : add_word(f, "user", m, n, "user ");
		err = err ? err : log_fields_add(f, "event_type", -1, "session_closed", 14);
	}
	return err;
}

/* sudo: USER : [reason ; ]TTY=.. ; PWD=.. ; USER=.. ; COMMAND=.. */
static int parse_sudo(struct log_fields *f, const char *m, size_t n)
{
	size_t i = 0, colon;
	int err;

	while (i < n && m[i] == ' ')
		i++;
	colon = i;
	while (colon < n && m[colon] != ':')
		colon++;
	if (colon >= n || colon == i)
		return 0;
	{
		size_t e = colon;

		while (e > i && m[e - 1] == ' ')
			e--;
		err = log_fields_add(f, "user", -1, m + i, e - i);
	}
	i = colon + 1;
	while (!err && i < n) {
		size_t st, eq, end;

		while (i < n && m[i] == ' ')
			i++;
		st = i;
		/* COMMAND= runs to the end of the line */
		if (starts(m + st, n - st, "COMMAND=")) {
			err = log_fields_add(f, "COMMAND", -1, m + st + 8, n - st - 8);
			break;
		}
		end = st;
		while (end + 2 < n && !(m[end] == ' ' && m[end + 1] == ';' && m[end + 2] == ' '))
			end++;
		if (end + 2 >= n)
			end = n;
		eq = st;
		while (eq < end && m[eq] != '=')
			eq++;
		if (eq < end && eq > st) {
			err = log_fields_add(f, m + st, (long)(eq - st), m + eq + 1,
					     end - eq - 1);
		} else if (end > st) {
			err = log_fields_add(f, "reason", -1, m + st, end - st);
		}
		i = end + 3;
	}
	if (!err)
		err = log_fields_add(f, "event_type", -1, "sudo", 4);
	return err;
}

/* cron: (USER) CMD (command) */
static int parse_cron(struct log_fields *f, const char *m, size_t n)
{
	const char *rp;
	int err = 0;

	if (n < 2 || m[0] != '(')
		return 0;
	rp = memchr(m, ')', n);
	if (!rp)
		return 0;
	err = log_fields_add(f, "user", -1, m + 1, (size_t)(rp - m - 1));
	if (!err && starts(rp, n - (size_t)(rp - m), ") CMD (")) {
		const char *c = rp + 7;
		size_t cl = n - (size_t)(c - m);

		if (cl > 0 && c[cl - 1] == ')')
			cl--;
		err = log_fields_add(f, "command", -1, c, cl);
		err = err ? err : log_fields_add(f, "event_type", -1, "cron_command", 12);
	}
	return err;
}

const char *log_syslog_service(const char *prog, size_t pl)
{
	if (pl == 4 && !memcmp(prog, "sshd", 4))
		return "sshd";
	if (pl == 4 && !memcmp(prog, "sudo", 4))
		return "sudo";
	if ((pl == 4 && (!memcmp(prog, "CRON", 4) || !memcmp(prog, "cron", 4))) ||
	    (pl == 5 && !memcmp(prog, "crond", 5)))
		return "cron";
	if ((pl == 2 && !memcmp(prog, "su", 2)) || (pl == 5 && !memcmp(prog, "login", 5)) ||
	    (pl == 7 && !memcmp(prog, "useradd", 7)) || (pl == 8 && !memcmp(prog, "groupadd", 8)) ||
	    (pl == 6 && !memcmp(prog, "passwd", 6)) || (pl == 14 && !memcmp(prog, "systemd-logind", 14)))
		return "auth";
	if (pl == 7 && !memcmp(prog, "systemd", 7))
		return "systemd";
	return "syslog";
}

int log_syslog_message_fields(struct log_fields *f, const char *svc, const char *msg, size_t ml)
{
	if (starts(msg, ml, "pam_"))
		return parse_pam(f, msg, ml);
	if (!strcmp(svc, "sshd"))
		return parse_sshd(f, msg, ml);
	if (!strcmp(svc, "sudo"))
		return parse_sudo(f, msg, ml);
	if (!strcmp(svc, "cron"))
		return parse_cron(f, msg, ml);
	return 0;
}

/* RFC 5424 structured data: [id k="v" ...][...]; params become fields
 * named k (the SD-ID is kept in sd_id). Returns false if malformed. */
static bool parse_sd(struct cur *c, struct log_fields *f, int *err)
{
	if (lit(c, '-'))
		return true;
	while (c->i < c->n && c->s[c->i] == '[') {
		const char *id;
		size_t il, params = 0;

		c->i++;
		id = c->s + c->i;
		while (c->i < c->n && c->s[c->i] != ' ' && c->s[c->i] != ']')
			c->i++;
		il = (size_t)(c->s + c->i - id);
		if (!*err)
			*err = log_fields_add(f, "sd_id", -1, id, il);
		for (;;) {
			const char *k;
			size_t kl;
			char *v;
			size_t vl = 0;

			skip_sp(c);
			if (at_end(c))
				return false;
			if (c->s[c->i] == ']') {
				c->i++;
				break;
			}
			k = c->s + c->i;
			while (c->i < c->n && c->s[c->i] != '=' && c->s[c->i] != ' ' &&
			       c->s[c->i] != ']')
				c->i++;
			kl = (size_t)(c->s + c->i - k);
			if (!lit(c, '=') || !lit(c, '"'))
				return false;
			v = malloc(c->n - c->i + 1);
			if (!v) {
				*err = MM_ENOMEM;
				return false;
			}
			while (c->i < c->n && c->s[c->i] != '"') {
				if (c->s[c->i] == '\\' && c->i + 1 < c->n)
					c->i++;
				v[vl++] = c->s[c->i++];
			}
			if (!lit(c, '"')) {
				free(v);
				return false;
			}
			if (!*err && ++params <= SD_MAX_PARAMS)
				*err = log_fields_add(f, k, (long)kl, v, vl);
			free(v);
		}
	}
	return true;
}

/* Parses one line; repeat: set when the line is a "message repeated". */
static int parse_line(struct text_parser *p, const char *s, size_t n, uint64_t lineno,
		      uint64_t offset, struct mm_arena *a, struct log_event *ev,
		      struct log_reader_stats *st, uint64_t *repeat)
{
	struct cur c = { s, n, 0 };
	struct log_fields f;
	const char *host = NULL, *prog = NULL, *pid = NULL, *msg;
	size_t hl = 0, pl = 0, pidl = 0, ml;
	unsigned pri = 0;
	bool has_pri = false, rfc5424 = false;
	int64_t ts = 0;
	int err;

	*repeat = 0;
	if (lit(&c, '<')) {
		if (!digits(&c, 1, 3, &pri) || !lit(&c, '>') || pri > 191)
			return 0;
		has_pri = true;
		if (c.n - c.i >= 2 && c.s[c.i] == '1' && c.s[c.i + 1] == ' ') {
			rfc5424 = true;
			c.i += 2;
		}
	}
	if (rfc5424) {
		if (!lit(&c, '-') && !iso_time(&c, &ts))
			return 0;
	} else if (!iso_time(&c, &ts) && !bsd_time(&c, p->year, &ts)) {
		return 0;
	}
	if (!lit(&c, ' '))
		return 0;
	err = log_fields_init(&f, a, LOG_MAX_FIELDS, st);
	if (err)
		return err;
	skip_sp(&c);
	token(&c, &host, &hl);
	skip_sp(&c);
	if (rfc5424) {
		const char *msgid;
		size_t idl;

		token(&c, &prog, &pl);
		skip_sp(&c);
		token(&c, &pid, &pidl);
		skip_sp(&c);
		token(&c, &msgid, &idl);
		skip_sp(&c);
		if (pl == 1 && prog[0] == '-')
			pl = 0;
		if (pidl == 1 && pid[0] == '-')
			pidl = 0;
		if (idl && !(idl == 1 && msgid[0] == '-'))
			err = log_fields_add(&f, "msgid", -1, msgid, idl);
		if (!parse_sd(&c, &f, &err)) {
			st->lines_skipped++;
			return err ? err : 0;
		}
		skip_sp(&c);
		/* a BOM may start the message */
		if (c.n - c.i >= 3 && !memcmp(c.s + c.i, "\xef\xbb\xbf", 3))
			c.i += 3;
	} else {
		/* TAG: program[pid]: or program: */
		size_t st0 = c.i;

		while (c.i < c.n && c.s[c.i] != ':' && c.s[c.i] != '[' && c.s[c.i] != ' ')
			c.i++;
		prog = s + st0;
		pl = c.i - st0;
		if (lit(&c, '[')) {
			pid = c.s + c.i;
			while (c.i < c.n && c.s[c.i] != ']')
				c.i++;
			pidl = (size_t)(c.s + c.i - pid);
			lit(&c, ']');
		}
		if (!lit(&c, ':')) {
			/* no tag: the whole rest is the message */
			c.i = st0;
			prog = NULL;
			pl = 0;
			pid = NULL;
			pidl = 0;
		}
		skip_sp(&c);
	}
	msg = s + c.i;
	ml = n - c.i;

	/* rsyslog reduction */
	if (starts(msg, ml, "message repeated ")) {
		struct cur r = { msg, ml, 17 };
		unsigned cnt;

		if (digits(&r, 1, 9, &cnt) && starts(r.s + r.i, r.n - r.i, " times: [")) {
			r.i += 9;
			skip_sp(&r);
			msg = r.s + r.i;
			ml = r.n - r.i;
			while (ml > 0 && (msg[ml - 1] == ']' || msg[ml - 1] == ' '))
				ml--;
			*repeat = cnt ? cnt : 1;
		}
	}

	ev->format = "syslog";
	ev->src.product = "linux";
	ev->src.service = prog ? log_syslog_service(prog, pl) : "syslog";
	ev->record_id = lineno;
	ev->offset = offset;
	ev->ts_us = ts;
	if (hl) {
		char *h = mm_arena_strndup(a, host, hl);

		if (!h)
			return MM_ENOMEM;
		ev->host = h;
		err = err ? err : log_fields_add_ref(&f, "host", 4, h, hl);
	}
	if (pl)
		err = err ? err : log_fields_add(&f, "program", -1, prog, pl);
	if (pidl)
		err = err ? err : log_fields_add(&f, "pid", -1, pid, pidl);
	if (has_pri) {
		err = err ? err : log_fields_addf(&f, "facility", "%u", pri / 8);
		err = err ? err : log_fields_addf(&f, "severity", "%u", pri % 8);
	}
	err = err ? err : log_fields_add(&f, "message", -1, msg, ml);
	if (*repeat)
		err = err ? err : log_fields_addf(&f, "repeated", "%" PRIu64, *repeat);
	if (!err && prog)
		err = log_syslog_message_fields(&f, ev->src.service, msg, ml);
	if (err)
		return err;
	ev->fields = f.v;
	ev->n_fields = f.n;
	return 1;
}

static int sl_line(struct text_parser *p, const struct log_line *ln, struct mm_arena *a,
		   struct log_event *ev, struct log_reader_stats *st)
{
	uint64_t repeat;
	int r = parse_line(p, ln->s, ln->len, ln->lineno, ln->offset, a, ev, st, &repeat);

	if (r == 0) {
		st->lines_skipped++;
		return 0;
	}
	if (r == 1 && repeat > 1) {
		char *copy = malloc(ln->len ? ln->len : 1);

		if (!copy)
			return MM_ENOMEM;
		memcpy(copy, ln->s, ln->len);
		free(p->rep_line);
		p->rep_line = copy;
		p->rep_len = ln->len;
		p->rep_lineno = ln->lineno;
		p->rep_offset = ln->offset;
		p->rep_left = MM_MIN(repeat, (uint64_t)REPEAT_MAX) - 1;
	}
	return r;
}

static int sl_pending(struct text_parser *p, bool at_end_, struct mm_arena *a,
		      struct log_event *ev, struct log_reader_stats *st)
{
	uint64_t repeat;
	int r;

	(void)at_end_;
	if (p->rep_left == 0)
		return 0;
	p->rep_left--;
	r = parse_line(p, p->rep_line, p->rep_len, p->rep_lineno, p->rep_offset, a, ev, st,
		       &repeat);
	if (p->rep_left == 0) {
		free(p->rep_line);
		p->rep_line = NULL;
	}
	return r;
}

const struct text_parser_ops log_syslog_ops = {
	.name = "syslog",
	.create = sl_create,
	.destroy = sl_destroy,
	.line = sl_line,
	.pending = sl_pending,
};
