/*
 * app_telnet.c — Telnet (RFC 854): option negotiation stripped, login
 * prompts, typed user names and login outcomes.
 *
 * IAC sequences are removed from both directions by a small state machine
 * (IAC IAC is a literal 0xff; WILL/WONT/DO/DONT take one option byte;
 * subnegotiation SB ... IAC SE is skipped, at most TELNET_SB_MAX bytes, past
 * which the parser leaves SB mode and counts it). What remains is text.
 *
 * Server text: a line (or the unfinished last line, since prompts do not
 * end with a newline) ending in "login:" / "username:" asks for a user
 * name, one ending in "password:" for a password. "Login incorrect",
 * "Login failed", "Access denied", "Authentication failed" and "incorrect
 * password" after something was typed are failures; "Last login", or a
 * prompt ending in "$ ", "# ", "> " or "% " after a password, a success.
 * Client text typed at the user prompt (character by character or in one
 * segment, with backspace editing) up to CR/LF is the user name, kept up to
 * TELNET_USER_MAX bytes; what is typed at the password prompt is dropped
 * unread. Outcomes go to net_auth_report(ctx, "telnet", ...).
 *
 * Probe: a direction that opens with IAC followed by a negotiation command.
 * Threading: one session per flow, one thread.
 */
#include "core/compat.h"
#include "net/internal.h"

#define TELNET_LINE_MAX 256
#define TELNET_USER_MAX 64
#define TELNET_SB_MAX 1024

#define IAC 255
#define SB 250
#define SE 240

enum iac_state { ST_DATA, ST_IAC, ST_OPT, ST_SB, ST_SB_IAC };
enum login_state { LG_NONE, LG_WANT_USER, LG_WANT_PASS, LG_PASS_SENT, LG_DONE };

struct telnet_side {
	enum iac_state st;
	size_t sb_len;
	char line[TELNET_LINE_MAX];
	size_t len;
};

struct telnet_sess {
	struct telnet_side side[2];
	enum login_state lg;
	char user[TELNET_USER_MAX];
	size_t user_len;
	char typing[TELNET_USER_MAX];
	size_t typing_len;
	bool typed;		/* something typed since the last outcome */
	bool pass_typed;
	uint64_t sb_overflows;
	unsigned failures;
};

static int telnet_probe(const uint8_t *d, size_t len, enum app_dir dir,
			const struct net_flow_info *f)
{
	(void)dir;
	(void)f;
	if (d[0] != IAC)
		return APP_PROBE_NO;
	if (len < 2)
		return APP_PROBE_MAYBE;
	return d[1] >= SB && d[1] <= 254 ? APP_PROBE_YES : APP_PROBE_NO;
}

static void *telnet_new(const struct app_ctx *ctx)
{
	(void)ctx;
	return calloc(1, sizeof(struct telnet_sess));
}

static void telnet_free(void *s)
{
	free(s);
}

/* Case-insensitive: does s[0..n) contain w? */
static bool icontains(const char *s, size_t n, const char *w)
{
	size_t wl = strlen(w);
	for (size_t i = 0; i + wl <= n; i++) {
		size_t k = 0;
		while (k < wl) {
			char c = s[i + k];
			if (c >= 'A' && c <= 'Z')
				c = (char)(c + 32);
			if (c != w[k])
				break;
			k++;
		}
		if (k == wl)
			return true;
	}
	return false;
}

/* s without trailing blanks ends with w (case-insensitive)? */
static bool iends(const char *s, size_t n, const char *w)
{
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
		n--;
	size_t wl = strlen(w);
	return n >= wl && icontains(s + n - wl, wl, w);
}

static void outcome(struct telnet_sess *s, struct app_ctx *ctx, bool ok)
{
	if (ok) {
		net_auth_report(ctx, "telnet", NET_AUTH_SUCCESS, s->user, s->user_len);
		s->lg = LG_DONE;
	} else {
		s->failures++;
		net_auth_report(ctx, "telnet", NET_AUTH_FAILURE, s->user, s->user_len);
		s->lg = LG_NONE;
	}
	s->typed = false;
	s->pass_typed = false;
}

/* Looks at the server's current text (complete == a newline ended it). */
static void server_text(struct telnet_sess *s, struct app_ctx *ctx, const char *l, size_t n,
			bool complete)
{
	if (s->lg == LG_DONE)
		return;
	if (s->typed && (icontains(l, n, "login incorrect") || icontains(l, n, "login failed") ||
			 icontains(l, n, "access denied") ||
			 icontains(l, n, "authentication failed") ||
			 icontains(l, n, "incorrect password"))) {
		outcome(s, ctx, false);
		return;
	}
	if (s->pass_typed && (icontains(l, n, "last login") ||
			      (!complete && n >= 2 && l[n - 1] == ' ' &&
			       (l[n - 2] == '$' || l[n - 2] == '#' || l[n - 2] == '>' ||
				l[n - 2] == '%')))) {
		outcome(s, ctx, true);
		return;
	}
	if (complete)
		return;
	if (iends(l, n, "login:") || iends(l, n, "username:") || iends(l, n, "user name:")) {
		if (s->lg != LG_WANT_USER)
			s->typing_len = 0;
		s->lg = LG_WANT_USER;
	} else if (iends(l, n, "password:")) {
		s->lg = LG_WANT_PASS;
	}
}

static void client_char(struct telnet_sess *s, uint8_t c)
{
	if (s->lg == LG_WANT_USER) {
		if (c == '\r' || c == '\n') {
			if (s->typing_len) {
				memcpy(s->user, s->typing, s->typing_len);
				s->user_len = s->typing_len;
				s->typing_len = 0;
				s->typed = true;
			}
			return;
		}
		if (c == 8 || c == 127) {
			if (s->typing_len)
				s->typing_len--;
			return;
		}
		if (c >= 0x20 && s->typing_len < TELNET_USER_MAX)
			s->typing[s->typing_len++] = (char)c;
	} else if (s->lg == LG_WANT_PASS) {
		/* the password itself is never looked at */
		if (c == '\r' || c == '\n') {
			s->lg = LG_PASS_SENT;
			s->typed = true;
			s->pass_typed = true;
		}
	}
}

static void server_char(struct telnet_sess *s, struct app_ctx *ctx, uint8_t c)
{
	struct telnet_side *sd = &s->side[APP_TO_CLIENT];
	if (c == '\n') {
		server_text(s, ctx, sd->line, sd->len, true);
		sd->len = 0;
		return;
	}
	if (c == 0)
		return;
	if (sd->len < TELNET_LINE_MAX)
		sd->line[sd->len++] = (char)c;
}

static int telnet_data(void *sv, struct app_ctx *ctx, enum app_dir dir, const uint8_t *d,
		       size_t len)
{
	struct telnet_sess *s = sv;
	struct telnet_side *sd = &s->side[dir];
	for (size_t i = 0; i < len; i++) {
		uint8_t c = d[i];
		switch (sd->st) {
		case ST_DATA:
			if (c == IAC) {
				sd->st = ST_IAC;
				continue;
			}
			break;
		case ST_IAC:
			if (c == IAC) {
				sd->st = ST_DATA;
				break;	/* a literal 0xff */
			}
			if (c == SB) {
				sd->st = ST_SB;
				sd->sb_len = 0;
			} else if (c >= 251) {
				sd->st = ST_OPT;
			} else {
				sd->st = ST_DATA;
			}
			continue;
		case ST_OPT:
			sd->st = ST_DATA;
			continue;
		case ST_SB:
			if (c == IAC)
				sd->st = ST_SB_IAC;
			else if (++sd->sb_len > TELNET_SB_MAX) {
				s->sb_overflows++;
				sd->st = ST_DATA;
			}
			continue;
		case ST_SB_IAC:
			sd->st = c == SE ? ST_DATA : ST_SB;
			continue;
		}
		if (dir == APP_TO_SERVER)
			client_char(s, c);
		else
			server_char(s, ctx, c);
	}
	/* prompts end without a newline: look at the unfinished line */
	if (dir == APP_TO_CLIENT && s->side[1].len)
		server_text(s, ctx, s->side[1].line, s->side[1].len, false);
	return 0;
}

static int telnet_gap(void *sv, struct app_ctx *ctx, enum app_dir dir, uint64_t len)
{
	struct telnet_sess *s = sv;
	(void)ctx;
	(void)len;
	s->side[dir].st = ST_DATA;
	s->side[dir].len = 0;
	return 0;
}

static void telnet_close(void *s, struct app_ctx *ctx)
{
	(void)s;
	(void)ctx;
}

const struct app_parser app_parser_telnet = {
	.name = "telnet",
	.proto = NET_PROTO_TCP,
	.udp_too = false,
	.probe = telnet_probe,
	.session_new = telnet_new,
	.session_free = telnet_free,
	.data = telnet_data,
	.gap = telnet_gap,
	.close = telnet_close,
};
