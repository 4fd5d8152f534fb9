/*
 * app_ftp.c — FTP control connections (RFC 959): commands, reply codes and
 * login outcomes for the brute-force detector.
 *
 * Probe: a server greeting "220 " / "220-" that names FTP, or a client that
 * opens with USER. Commands are lines up to LINE_MAX bytes (longer ones are
 * cut and counted); replies are "ddd text" lines, multi-line replies
 * "ddd-..." continue until the line "ddd " with the same code. A 530 after
 * USER/PASS is a failed login, 230 a successful one (reported with the user
 * name to net_auth_report(ctx, "ftp", ...)). Passwords are never kept: the
 * PASS argument is masked in transaction logs (--log ftp).
 *
 * Threading: one session per flow, one thread.
 */
#include "core/compat.h"
#include "net/internal.h"

#define FTP_LINE_MAX 1024
#define FTP_USER_MAX 64

struct ftp_side {
	char line[FTP_LINE_MAX];
	size_t len;
	bool cut;
};

struct ftp_sess {
	struct ftp_side side[2];
	char user[FTP_USER_MAX];
	size_t user_len;
	char cmd[8];		/* last command verb, upper case */
	bool pass_sent;		/* a PASS (or USER) awaits its reply */
	int multi_code;		/* inside a multi-line reply: its code, else 0 */
	uint64_t lines_cut;
};

static bool ieq_prefix(const uint8_t *d, size_t len, const char *p)
{
	size_t n = strlen(p);
	if (len < n)
		return false;
	for (size_t i = 0; i < n; i++) {
		uint8_t c = d[i];
		if (c >= 'a' && c <= 'z')
			c = (uint8_t)(c - 32);
		if (c != (uint8_t)p[i])
			return false;
	}
	return true;
}

static bool has_ftp_word(const uint8_t *d, size_t len)
{
	for (size_t i = 0; i + 3 <= len && d[i] != '\n'; i++)
		if (ieq_prefix(d + i, len - i, "FTP"))
			return true;
	return false;
}

static int ftp_probe(const uint8_t *d, size_t len, enum app_dir dir, const struct net_flow_info *f)
{
	(void)f;
	if (dir == APP_TO_CLIENT) {
		if (len < 4)
			return memcmp(d, "220", MM_MIN(len, (size_t)3)) ? APP_PROBE_NO : APP_PROBE_MAYBE;
		if (memcmp(d, "220", 3) || (d[3] != ' ' && d[3] != '-'))
			return APP_PROBE_NO;
		if (has_ftp_word(d, len))
			return APP_PROBE_YES;
		/* a greeting without the word: wait for the whole line */
		return memchr(d, '\n', len) ? APP_PROBE_NO : APP_PROBE_MAYBE;
	}
	if (len < 5) {
		/* a prefix of "USER ": wait for more */
		static const char user[] = "USER ";
		for (size_t i = 0; i < len; i++) {
			uint8_t c = d[i];
			if (c >= 'a' && c <= 'z')
				c = (uint8_t)(c - 32);
			if (c != (uint8_t)user[i])
				return APP_PROBE_NO;
		}
		return APP_PROBE_MAYBE;
	}
	return ieq_prefix(d, len, "USER ") ? APP_PROBE_YES : APP_PROBE_NO;
}

static void *ftp_new(const struct app_ctx *ctx)
{
	(void)ctx;
	return calloc(1, sizeof(struct ftp_sess));
}

static void ftp_free(void *s)
{
	free(s);
}

static void log_line(struct app_ctx *ctx, const struct ftp_sess *s, int code, const char *msg,
		     size_t msg_len)
{
	struct mm_buf b;
	struct mm_json j;
	mm_buf_init(&b, 8192);
	mm_json_init(&j, &b);
	mm_json_object_begin(&j, NULL);
	mm_json_str(&j, "command", s->cmd);
	if (s->user_len)
		mm_json_strn(&j, "user", s->user, s->user_len);
	mm_json_int(&j, "reply_code", code);
	mm_json_strn(&j, "reply_msg", msg, msg_len);
	mm_json_uint(&j, "frame", ctx->frame);
	mm_json_object_end(&j);
	if (mm_json_finish(&j) == 0)
		net_log_record(ctx, "ftp", b.ptr, b.len);
	mm_buf_release(&b);
}

static void client_line(struct ftp_sess *s, const char *l, size_t n)
{
	size_t v = 0;
	while (v < n && v < sizeof(s->cmd) - 1 && l[v] != ' ') {
		char c = l[v];
		s->cmd[v] = (char)(c >= 'a' && c <= 'z' ? c - 32 : c);
		v++;
	}
	s->cmd[v] = 0;
	const char *arg = v < n ? l + v + 1 : l + n;
	size_t alen = (size_t)(l + n - arg);
	if (!strcmp(s->cmd, "USER")) {
		s->user_len = MM_MIN(alen, (size_t)FTP_USER_MAX);
		memcpy(s->user, arg, s->user_len);
		s->pass_sent = true;
	} else if (!strcmp(s->cmd, "PASS")) {
		s->pass_sent = true;
	}
}

static void server_line(struct ftp_sess *s, struct app_ctx *ctx, const char *l, size_t n)
{
	int code = -1;
	if (n >= 3 && l[0] >= '1' && l[0] <= '5' && l[1] >= '0' && l[1] <= '9' && l[2] >= '0' &&
	    l[2] <= '9')
		code = (l[0] - '0') * 100 + (l[1] - '0') * 10 + (l[2] - '0');
	if (s->multi_code) {
		/* only "ddd " with the same code ends a multi-line reply */
		if (code != s->multi_code || n < 4 || l[3] != ' ')
			return;
		s->multi_code = 0;
	} else if (code >= 0 && n >= 4 && l[3] == '-') {
		s->multi_code = code;
		return;
	}
	if (code < 0)
		return;
	const char *msg = n > 4 ? l + 4 : l + n;
	size_t msg_len = (size_t)(l + n - msg);
	if (s->cmd[0])
		log_line(ctx, s, code, msg, msg_len);
	if (code == 530 && s->pass_sent) {
		net_auth_report(ctx, "ftp", NET_AUTH_FAILURE, s->user, s->user_len);
		s->pass_sent = false;
	} else if (code == 230) {
		net_auth_report(ctx, "ftp", NET_AUTH_SUCCESS, s->user, s->user_len);
		s->pass_sent = false;
	} else if (code != 331 && code != 332 && code / 100 != 1) {
		s->pass_sent = false;
	}
	s->cmd[0] = 0;
}

static int ftp_data(void *sv, struct app_ctx *ctx, enum app_dir dir, const uint8_t *data,
		    size_t len)
{
	struct ftp_sess *s = sv;
	struct ftp_side *sd = &s->side[dir];
	for (size_t i = 0; i < len; i++) {
		uint8_t c = data[i];
		if (c != '\n') {
			if (sd->len < FTP_LINE_MAX - 1)
				sd->line[sd->len++] = (char)c;
			else if (!sd->cut) {
				sd->cut = true;
				s->lines_cut++;
			}
			continue;
		}
		size_t n = sd->len;
		if (n && sd->line[n - 1] == '\r')
			n--;
		sd->line[n] = 0;
		if (dir == APP_TO_SERVER)
			client_line(s, sd->line, n);
		else
			server_line(s, ctx, sd->line, n);
		sd->len = 0;
		sd->cut = false;
	}
	return 0;
}

static int ftp_gap(void *sv, struct app_ctx *ctx, enum app_dir dir, uint64_t len)
{
	struct ftp_sess *s = sv;
	(void)ctx;
	(void)len;
	/* resynchronise at the next line; the pending line is unreliable */
	s->side[dir].len = 0;
	s->side[dir].cut = true;
	if (dir == APP_TO_CLIENT)
		s->multi_code = 0;
	return 0;
}

static void ftp_close(void *s, struct app_ctx *ctx)
{
	(void)s;
	(void)ctx;
}

const struct app_parser app_parser_ftp = {
	.name = "ftp",
	.proto = NET_PROTO_TCP,
	.udp_too = false,
	.probe = ftp_probe,
	.session_new = ftp_new,
	.session_free = ftp_free,
	.data = ftp_data,
	.gap = ftp_gap,
	.close = ftp_close,
};
