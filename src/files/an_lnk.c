/*
 * an_lnk.c — analyser: USB-worm shortcuts (.lnk).
 *
 * The classic removable-drive worm hides the user's files in a folder
 * with a blank name (U+00A0, U+3000, "_", spaces) or with the hidden
 * attribute, and leaves a shortcut that looks like the drive or the folder
 * but starts the worm (an executable in the hidden folder, or cmd.exe /
 * wscript / rundll32 with arguments that launch it). This analyser parses
 * the shortcut (lnk.c) and alerts when an executable or interpreter target
 * meets a concealment mark; normal shortcuts stay silent.
 *
 * Input: the whole .lnk as a borrowed view (MM_KIND_LNK). One heap
 * struct lnk_file per call (about 12 KiB). Threading: stateless.
 */
#include "core/compat.h"
#include "files/analyser.h"
#include "files/lnk.h"

#define LNK_EVIDENCE_MAX (16 * 1024)

static const struct mm_rule_meta rule_worm = {
	.id = "mamori.files.lnk.usb-worm",
	.name = "Shortcut starts a program hidden in a blank-named or hidden folder (USB worm)",
	.engine = "files",
	.ruleset = "builtin",
	.category = "worm",
	.level = MM_LEVEL_HIGH,
	.description = "A Windows shortcut whose target is an executable or a command "
		       "interpreter and that points into a hidden or blank-named folder "
		       "(no-break space, ideographic space, underscore), often on a removable "
		       "drive with a borrowed drive icon: the 'hide the files, show a "
		       "shortcut' trick of USB worms that spread coin miners.",
	.references = { "https://attack.mitre.org/techniques/T1091/",
			"https://attack.mitre.org/techniques/T1547/009/", NULL },
	.techniques = { "T1091", "T1547.009", "T1564.001", NULL },
	.tactics = { "lateral-movement", "initial-access", "persistence", "defense-evasion", NULL },
};

static const struct mm_rule_meta rule_launcher = {
	.id = "mamori.files.lnk.interpreter-launcher",
	.name = "Shortcut runs a command interpreter that launches another file",
	.engine = "files",
	.ruleset = "builtin",
	.category = "worm",
	.level = MM_LEVEL_LOW,
	.description = "A shortcut whose target is cmd, PowerShell, wscript, mshta or "
		       "rundll32 with arguments that start a script, program or DLL. Common in "
		       "malicious shortcuts; also used by some administrators.",
	.references = { "https://attack.mitre.org/techniques/T1204/002/", NULL },
	.techniques = { "T1204.002", "T1059", NULL },
	.tactics = { "execution", NULL },
};

static int lnk_register(struct mm_catalogue *cat, const struct mm_config *cfg)
{
	int rc;

	(void)cfg;
	rc = mm_catalogue_add(cat, &rule_worm, NULL);
	if (rc < 0 && rc != MM_EEXIST)
		return rc;
	rc = mm_catalogue_add(cat, &rule_launcher, NULL);
	return rc == MM_EEXIST ? 0 : rc;
}

static const char *drive_name(uint32_t t)
{
	switch (t) {
	case 0: return "unknown";
	case 1: return "no_root_dir";
	case LNK_DRIVE_REMOVABLE: return "removable";
	case LNK_DRIVE_FIXED: return "fixed";
	case LNK_DRIVE_REMOTE: return "remote";
	case LNK_DRIVE_CDROM: return "cdrom";
	case 6: return "ramdisk";
	default: return "invalid";
	}
}

static void opt_str(struct mm_json *j, const char *key, const char *s)
{
	if (s[0])
		mm_json_strn(j, key, s, strlen(s));
}

static bool lnk_verdict(unsigned p, const struct mm_rule_meta **rule, enum mm_level *level)
{
	bool launch = p & (LNK_W_EXEC_TARGET | LNK_W_INTERPRETER);
	bool conceal = p & (LNK_W_BLANK_FOLDER | LNK_W_HIDDEN | LNK_W_HIDDEN_NAME |
			    LNK_W_ARGS_BLANK | LNK_W_DOUBLE_EXT);

	if (launch && conceal) {
		*rule = &rule_worm;
		*level = (p & (LNK_W_REMOVABLE | LNK_W_SYSTEM_ICON | LNK_W_ARGS_LAUNCH))
				 ? MM_LEVEL_HIGH : MM_LEVEL_MEDIUM;
		return true;
	}
	if ((p & LNK_W_INTERPRETER) && (p & LNK_W_ARGS_LAUNCH)) {
		*rule = &rule_launcher;
		*level = (p & (LNK_W_SYSTEM_ICON | LNK_W_REMOVABLE)) ? MM_LEVEL_MEDIUM : MM_LEVEL_LOW;
		return true;
	}
	return false;
}

static int lnk_analyse(void *w, const struct file_view *v, struct mm_scan_ctx *ctx)
{
	struct lnk_file *l = NULL;
	char *target = NULL;
	const struct mm_rule_meta *rule = NULL;
	enum mm_level level = MM_LEVEL_LOW;
	struct mm_buf ev;
	struct mm_json j;
	struct mm_alert a;
	char reason[512];
	unsigned props;
	int rc;

	(void)w;
	mm_buf_init(&ev, LNK_EVIDENCE_MAX);
	l = malloc(sizeof *l);
	target = malloc(LNK_STR_MAX * 2);
	if (!l || !target) {
		rc = MM_ENOMEM;
		goto out;
	}
	rc = lnk_parse(l, v->data, v->len);
	if (rc == MM_EUNSUPPORTED) {
		rc = 0;
		goto out;
	}
	if (rc == MM_ETRUNC) {
		mm_scan_partial(ctx, MM_SKIP_TRUNCATED, "shortcut header truncated");
		rc = 0;
		goto out;
	}
	if (l->problems & LNK_PROB_TRUNCATED)
		mm_scan_partial(ctx, MM_SKIP_TRUNCATED, "shortcut truncated after %zu bytes",
				l->parsed_len);
	if (l->problems & LNK_PROB_CORRUPT)
		mm_scan_partial(ctx, MM_SKIP_CORRUPT, "shortcut has inconsistent sizes or offsets");
	props = lnk_worm_assess(l, target, LNK_STR_MAX * 2);
	if (!lnk_verdict(props, &rule, &level))
		goto out;

	mm_json_init(&j, &ev);
	mm_json_object_begin(&j, NULL);
	mm_json_array_begin(&j, "properties");
	for (unsigned bit = 1; bit <= LNK_W_DOUBLE_EXT; bit <<= 1)
		if ((props & bit) && lnk_worm_name(bit))
			mm_json_str(&j, NULL, lnk_worm_name(bit));
	mm_json_array_end(&j);
	mm_json_strn(&j, "target", target, strlen(target));
	opt_str(&j, "arguments", l->args);
	opt_str(&j, "working_dir", l->work_dir);
	opt_str(&j, "relative_path", l->rel_path);
	opt_str(&j, "idlist_path", l->idlist_path);
	opt_str(&j, "icon_location", l->icon[0] ? l->icon : l->env_icon);
	mm_json_int(&j, "icon_index", l->icon_index);
	if (l->has_volume) {
		char serial[16];
		snprintf(serial, sizeof serial, "%08" PRIx32, l->drive_serial);
		mm_json_object_begin(&j, "volume");
		mm_json_str(&j, "drive_type", drive_name(l->drive_type));
		mm_json_str(&j, "serial", serial);
		opt_str(&j, "label", l->volume_label);
		mm_json_object_end(&j);
	}
	{
		char attrs[16];
		snprintf(attrs, sizeof attrs, "0x%" PRIx32, l->file_attrs);
		mm_json_str(&j, "target_attributes", attrs);
	}
	mm_json_object_end(&j);
	rc = mm_json_finish(&j);
	if (rc < 0)
		goto out;

	snprintf(reason, sizeof reason, "shortcut %s %.300s%s%.120s",
		 rule == &rule_worm ? "starts a hidden target" : "runs an interpreter:",
		 target, l->args[0] ? " " : "", l->args);
	mm_alert_init(&a);
	a.module = "files";
	a.meta = rule;
	a.has_level = 1;
	a.level = level;
	a.family = rule == &rule_worm ? "usb-worm" : NULL;
	a.reason = reason;
	a.evidence_json = ev.ptr;
	a.file_path = v->path;
	a.file_size = (int64_t)v->len;
	a.file_sha256 = files_view_sha256(v);
	a.timestamp_us = v->mtime_us;
	rc = mm_emit_alert(ctx, &a);
out:
	mm_buf_release(&ev);
	free(target);
	free(l);
	return rc;
}

const struct file_analyser file_analyser_lnk = {
	.name = "lnk",
	.kinds = MM_KIND_BIT(MM_KIND_LNK),
	.register_rules = lnk_register,
	.analyse = lnk_analyse,
};
