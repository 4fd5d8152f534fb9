/*
 * an_autorun.c — analyser: autorun.inf files that launch a program (USB
 * worms).
 *
 * Reads the [autorun] section of an INI-like text (open=, shellexecute=,
 * shell\<verb>\command=) and weighs the command with the worm path checks
 * of lnk.c: an executable in a blank-named or hidden folder (RECYCLER,
 * U+00A0), a double extension, an interpreter launching a script. icon=,
 * label= and action= alone stay silent. ANSI text that is not valid UTF-8
 * is read as Latin-1 (the no-break space 0xA0 is the common blank).
 *
 * Input: a borrowed view; only the first AUTORUN_MAX bytes are read (an
 * autorun.inf is a few hundred bytes; more is reported as partial), lines
 * are cut at AUTORUN_LINE_MAX. Threading: stateless.
 */
#include "core/compat.h"
#include "files/analyser.h"

#include <strings.h>

#include "files/internal.h"
#include "files/lnk.h"

#define AUTORUN_MAX (64 * 1024)
#define AUTORUN_LINE_MAX 1024
#define AUTORUN_CMDS_MAX 8
#define AUTORUN_EVIDENCE_MAX (16 * 1024)

static const struct mm_rule_meta rule_autorun = {
	.id = "mamori.files.autorun.launch",
	.name = "autorun.inf launches a program",
	.engine = "files",
	.ruleset = "builtin",
	.category = "worm",
	.level = MM_LEVEL_MEDIUM,
	.description = "An autorun.inf whose open=, shellexecute= or shell\\...\\command= "
		       "starts a program; high when the program sits in a hidden or blank-named "
		       "folder (RECYCLER, no-break space), has a double extension or is an "
		       "interpreter launching a script: the way USB worms restart themselves.",
	.references = { "https://attack.mitre.org/techniques/T1091/", NULL },
	.techniques = { "T1091", "T1564.001", NULL },
	.tactics = { "lateral-movement", "initial-access", NULL },
};

static int autorun_register(struct mm_catalogue *cat, const struct mm_config *cfg)
{
	int rc;

	(void)cfg;
	rc = mm_catalogue_add(cat, &rule_autorun, NULL);
	return rc == MM_EEXIST ? 0 : rc;
}

static bool autorun_wants(const struct file_view *v)
{
	size_t n = MM_MIN(v->len, (size_t)4096);

	if (v->kind != MM_KIND_TEXT && v->kind != MM_KIND_UNKNOWN && v->kind != MM_KIND_SCRIPT)
		return false;
	return files_memcasemem(v->data, n, "[autorun]", 9) != NULL;
}

static bool valid_utf8(const uint8_t *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		uint8_t c = s[i];
		size_t k = c < 0x80 ? 1 : (c & 0xe0) == 0xc0 ? 2 : (c & 0xf0) == 0xe0 ? 3 :
			   (c & 0xf8) == 0xf0 ? 4 : 0;
		if (k == 0 || i + k > n || (k == 2 && c < 0xc2))
			return false;
		for (size_t j = 1; j < k; j++)
			if ((s[i + j] & 0xc0) != 0x80)
				return false;
		i += k;
	}
	return true;
}

/* Copies a line into out as UTF-8 (Latin-1 when not valid UTF-8). */
static void line_utf8(const uint8_t *s, size_t n, char *out, size_t cap)
{
	size_t o = 0;
	bool utf8 = valid_utf8(s, n);

	for (size_t i = 0; i < n && o + 3 < cap; i++) {
		if (utf8 || s[i] < 0x80) {
			out[o++] = (char)s[i];
		} else {
			out[o++] = (char)(0xc0 | (s[i] >> 6));
			out[o++] = (char)(0x80 | (s[i] & 0x3f));
		}
	}
	out[o] = '\0';
}

static char *trim(char *s)
{
	size_t n;

	while (*s == ' ' || *s == '\t')
		s++;
	n = strlen(s);
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
		s[--n] = '\0';
	return s;
}

struct autorun_cmd {
	char key[64];
	char value[AUTORUN_LINE_MAX];
	char program[AUTORUN_LINE_MAX];
	unsigned props;
};

/* Splits the program from its arguments and weighs both. */
static void assess_cmd(struct autorun_cmd *c)
{
	const char *v = c->value, *args;
	size_t pl;

	if (*v == '"') {
		const char *e = strchr(v + 1, '"');
		pl = e ? (size_t)(e - v - 1) : strlen(v + 1);
		memcpy(c->program, v + 1, pl);
		args = e ? e + 1 : v + 1 + pl;
	} else {
		/* the program ends at the first blank after its extension */
		const char *sp = v;
		const char *best = NULL;
		while ((sp = strchr(sp, ' ')) != NULL) {
			if (lnk_ext_class(v, (size_t)(sp - v)) != LNK_EXT_OTHER) {
				best = sp;
				break;
			}
			sp++;
		}
		pl = best ? (size_t)(best - v) : strlen(v);
		memcpy(c->program, v, pl);
		args = v + pl;
	}
	c->program[pl] = '\0';
	if (lnk_is_interpreter(c->program, pl))
		c->props |= LNK_W_INTERPRETER;
	else if (lnk_ext_class(c->program, pl) != LNK_EXT_OTHER || !strchr(c->program, '.'))
		c->props |= LNK_W_EXEC_TARGET;	/* Windows runs an extension-less name as .exe */
	if (lnk_blank_component(c->program, pl) >= 0)
		c->props |= LNK_W_BLANK_FOLDER;
	if (lnk_hidden_folder_name(c->program, pl))
		c->props |= LNK_W_HIDDEN_NAME;
	if (lnk_double_ext(c->program, pl))
		c->props |= LNK_W_DOUBLE_EXT;
	c->props |= lnk_args_assess(args, strlen(args));
}

static bool is_launch_key(const char *k)
{
	size_t n = strlen(k);

	if (strcasecmp(k, "open") == 0 || strcasecmp(k, "shellexecute") == 0)
		return true;
	/* shell\<verb>\command */
	return n > 14 && strncasecmp(k, "shell\\", 6) == 0 &&
	       strcasecmp(k + n - 8, "\\command") == 0;
}

static int autorun_analyse(void *w, const struct file_view *v, struct mm_scan_ctx *ctx)
{
	struct autorun_cmd *cmds = NULL;
	size_t ncmds = 0, dropped = 0, len = MM_MIN(v->len, (size_t)AUTORUN_MAX);
	char *line = NULL;
	bool in_section = false, any_autorun = false;
	unsigned props = 0;
	enum mm_level level;
	struct mm_buf ev;
	struct mm_json j;
	struct mm_alert a;
	char reason[512];
	size_t pos = 0;
	int rc = 0;

	(void)w;
	mm_buf_init(&ev, AUTORUN_EVIDENCE_MAX);
	cmds = calloc(AUTORUN_CMDS_MAX, sizeof *cmds);
	line = malloc(AUTORUN_LINE_MAX * 2 + 4);
	if (!cmds || !line) {
		rc = MM_ENOMEM;
		goto out;
	}
	if (v->len > AUTORUN_MAX)
		mm_scan_partial(ctx, MM_SKIP_LIMIT, "autorun: only the first %d bytes read",
				AUTORUN_MAX);
	while (pos < len) {
		const uint8_t *s = v->data + pos, *nl = memchr(s, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - s) : len - pos;
		char *t, *eq;

		pos += n + 1;
		line_utf8(s, MM_MIN(n, (size_t)AUTORUN_LINE_MAX), line, AUTORUN_LINE_MAX * 2 + 4);
		t = trim(line);
		if (t[0] == ';' || t[0] == '\0')
			continue;
		if (t[0] == '[') {
			in_section = strncasecmp(t, "[autorun", 8) == 0;
			any_autorun |= in_section;
			continue;
		}
		if (!in_section || !(eq = strchr(t, '=')))
			continue;
		*eq = '\0';
		if (!is_launch_key(trim(t)))
			continue;
		if (ncmds == AUTORUN_CMDS_MAX) {
			dropped++;
			continue;
		}
		snprintf(cmds[ncmds].key, sizeof cmds[ncmds].key, "%s", trim(t));
		snprintf(cmds[ncmds].value, sizeof cmds[ncmds].value, "%s", trim(eq + 1));
		if (cmds[ncmds].value[0] == '\0')
			continue;
		assess_cmd(&cmds[ncmds]);
		props |= cmds[ncmds].props;
		ncmds++;
	}
	if (!any_autorun || ncmds == 0)
		goto out;
	if (!(props & (LNK_W_EXEC_TARGET | LNK_W_INTERPRETER | LNK_W_ARGS_LAUNCH)))
		goto out;
	level = (props & (LNK_W_BLANK_FOLDER | LNK_W_HIDDEN_NAME | LNK_W_DOUBLE_EXT |
			  LNK_W_ARGS_BLANK | LNK_W_INTERPRETER)) ? MM_LEVEL_HIGH : MM_LEVEL_MEDIUM;

	mm_json_init(&j, &ev);
	mm_json_object_begin(&j, NULL);
	mm_json_array_begin(&j, "properties");
	for (unsigned bit = 1; bit <= LNK_W_DOUBLE_EXT; bit <<= 1)
		if ((props & bit) && lnk_worm_name(bit))
			mm_json_str(&j, NULL, lnk_worm_name(bit));
	mm_json_array_end(&j);
	mm_json_array_begin(&j, "commands");
	for (size_t i = 0; i < ncmds; i++) {
		mm_json_object_begin(&j, NULL);
		mm_json_str(&j, "key", cmds[i].key);
		mm_json_str(&j, "command", cmds[i].value);
		mm_json_str(&j, "program", cmds[i].program);
		mm_json_object_end(&j);
	}
	mm_json_array_end(&j);
	if (dropped)
		mm_json_uint(&j, "commands_not_listed", dropped);
	mm_json_object_end(&j);
	rc = mm_json_finish(&j);
	if (rc < 0)
		goto out;
	snprintf(reason, sizeof reason, "autorun.inf %s= starts %.400s", cmds[0].key,
		 cmds[0].program);
	mm_alert_init(&a);
	a.module = "files";
	a.meta = &rule_autorun;
	a.has_level = 1;
	a.level = level;
	a.family = "usb-worm";
	a.reason = reason;
	a.evidence_json = ev.ptr;
	a.file_path = v->path;
	a.file_size = (int64_t)v->len;
	a.file_sha256 = files_view_sha256(v);
	a.timestamp_us = v->mtime_us;
	rc = mm_emit_alert(ctx, &a);
out:
	mm_buf_release(&ev);
	free(line);
	free(cmds);
	return rc;
}

const struct file_analyser file_analyser_autorun = {
	.name = "autorun",
	.kinds = MM_KIND_BIT(MM_KIND_INI),
	.wants = autorun_wants,
	.register_rules = autorun_register,
	.analyse = autorun_analyse,
};
