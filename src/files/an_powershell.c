/*
 * an_powershell.c — analyser: malicious PowerShell (download cradles,
 * scheduled-task persistence, encoded and obfuscated commands) in scripts,
 * batch files and any text that invokes PowerShell.
 *
 * ps_decode() peels the layers (-EncodedCommand, FromBase64String with
 * gzip/deflate, string-building obfuscation); ps_indicators() says what
 * the layers do. Each finding is a rule of its own; the evidence carries
 * the decoding chain and an excerpt of the decoded command. Decoded
 * layers go back to the driver (files_examine_nested, named
 * "ps-decoded-<n>") so that YARA and the other analysers see them;
 * this analyser skips those nested views, whose layers it already read.
 *
 * Input: a borrowed view of any text kind, chosen by wants() (PowerShell
 * markers in the first 64 KiB, UTF-8 or UTF-16LE). A benign script with
 * none of the indicators stays silent.
 *
 * Speed: the markers of wants() and the words of ps_indicators() are also
 * compiled into two Hyperscan literal databases at open() (cached on disk
 * like the wallet list), so each text is read once per database instead of
 * once per word; the answers are the same as the plain searches, which
 * remain the path without a database (tests, or a compile failure).
 *
 * Threading: the databases are shared read-only; each worker has its own
 * scratch; one heap ps_result per call.
 */
#include "core/compat.h"
#include "files/analyser.h"

#include <strings.h>

#include "files/internal.h"
#include "files/ps_decode.h"

#include <hs/hs.h>

#define PS_EVIDENCE_MAX (32 * 1024)
#define PS_EXCERPT 2048
#define PS_WANTS_SPAN (64 * 1024)

static const struct mm_rule_meta rule_cradle = {
	.id = "mamori.files.powershell.download-cradle",
	.name = "PowerShell download cradle (download and execute)",
	.engine = "files",
	.ruleset = "builtin",
	.category = "powershell",
	.level = MM_LEVEL_HIGH,
	.description = "PowerShell that downloads code and runs it: Invoke-Expression/IEX "
		       "with Net.WebClient DownloadString/DownloadData, Invoke-WebRequest or "
		       "BITS, possibly hidden in -EncodedCommand, FromBase64String or string "
		       "obfuscation. The fileless first stage of many coin-miner campaigns.",
	.references = { "https://attack.mitre.org/techniques/T1059/001/",
			"https://attack.mitre.org/techniques/T1105/", NULL },
	.techniques = { "T1059.001", "T1105", "T1027", NULL },
	.tactics = { "execution", "command-and-control", "defense-evasion", NULL },
};

static const struct mm_rule_meta rule_schtask = {
	.id = "mamori.files.powershell.scheduled-task",
	.name = "PowerShell or schtasks registers a scheduled task",
	.engine = "files",
	.ruleset = "builtin",
	.category = "persistence",
	.level = MM_LEVEL_MEDIUM,
	.description = "Register-ScheduledTask, New-ScheduledTaskAction/Trigger or "
		       "schtasks /create in a script; high when the task's action is encoded "
		       "or hidden PowerShell, a download, or a miner: the fileless persistence "
		       "that restarts coin miners.",
	.references = { "https://attack.mitre.org/techniques/T1053/005/", NULL },
	.techniques = { "T1053.005", "T1059.001", NULL },
	.tactics = { "persistence", "execution", NULL },
};

static const struct mm_rule_meta rule_encoded = {
	.id = "mamori.files.powershell.encoded-command",
	.name = "Encoded PowerShell command",
	.engine = "files",
	.ruleset = "builtin",
	.category = "powershell",
	.level = MM_LEVEL_MEDIUM,
	.description = "PowerShell started with -EncodedCommand (or a prefix of it), or a "
		       "script that decodes its code with FromBase64String (with gzip/deflate), "
		       "with hidden-window or policy-bypass flags raising the level.",
	.references = { "https://attack.mitre.org/techniques/T1027/010/", NULL },
	.techniques = { "T1027.010", "T1140", "T1059.001", NULL },
	.tactics = { "defense-evasion", "execution", NULL },
};

static const struct mm_rule_meta rule_obfuscated = {
	.id = "mamori.files.powershell.obfuscation",
	.name = "Obfuscated PowerShell hides Invoke-Expression or a download",
	.engine = "files",
	.ruleset = "builtin",
	.category = "powershell",
	.level = MM_LEVEL_MEDIUM,
	.description = "String building (concatenation, [char] codes, -join, -replace, "
		       "backticks) that only spells Invoke-Expression, a downloader or a "
		       "scheduled task once undone, or code spelled almost without letters "
		       "(special-character and whitespace encodings) that still invokes "
		       "something.",
	.references = { "https://attack.mitre.org/techniques/T1027/", NULL },
	.techniques = { "T1027", "T1059.001", NULL },
	.tactics = { "defense-evasion", NULL },
};

static int ps_register(struct mm_catalogue *cat, const struct mm_config *cfg)
{
	const struct mm_rule_meta *all[] = { &rule_cradle, &rule_schtask, &rule_encoded,
					     &rule_obfuscated };

	(void)cfg;
	for (size_t i = 0; i < MM_ARRAY_SIZE(all); i++) {
		int rc = mm_catalogue_add(cat, all[i], NULL);
		if (rc < 0 && rc != MM_EEXIST)
			return rc;
	}
	return 0;
}

static const char *const markers[] = {
	"powershell", "pwsh", "invoke-expression", "iex", "frombase64string", "-enc",
	"new-object", "[char]", "downloadstring", "scheduledtask", "schtasks",
	"invoke-webrequest", "-join", "[convert]::", "[system.", "$env:", "${", "|%",
};

/* markers in ASCII text, or in UTF-16LE text read as every other byte */
static bool has_marker(const uint8_t *d, size_t n)
{
	for (size_t i = 0; i < MM_ARRAY_SIZE(markers); i++)
		if (files_memcasemem(d, n, markers[i], strlen(markers[i])))
			return true;
	return false;
}

/* ---- Hyperscan: every marker or word in one pass -------------------- */

struct ps_shared {
	hs_database_t *markers;	/* ids: index into markers[] */
	hs_database_t *words;	/* ids: index into ps_words[] */
};

struct ps_worker {
	const struct ps_shared *sh;
	hs_scratch_t *scratch;	/* NULL: the plain searches */
};

static int compile_set(const struct mm_engine_env *env, const char *tag,
		       const char *const *lits, unsigned n, hs_database_t **db)
{
	unsigned flags[PS_N_WORDS], ids[PS_N_WORDS];
	size_t lens[PS_N_WORDS];
	hs_compile_error_t *cerr = NULL;
	int rc;

	if (n > PS_N_WORDS)
		return MM_EINVAL;
	for (unsigned i = 0; i < n; i++) {
		flags[i] = HS_FLAG_CASELESS | HS_FLAG_SINGLEMATCH;
		ids[i] = i;
		lens[i] = strlen(lits[i]);
	}
	rc = files_hs_compile_lits(env, tag, lits, flags, ids, lens, n, db, &cerr);
	if (cerr)
		hs_free_compile_error(cerr);
	return rc;
}

static void ps_close(void *shared)
{
	struct ps_shared *sh = shared;

	if (!sh)
		return;
	hs_free_database(sh->markers);
	hs_free_database(sh->words);
	free(sh);
}

/* A database that does not compile leaves the plain searches in use: the
 * results are the same, only slower. */
static int ps_open(void **out, const struct mm_engine_env *env, struct mm_diag *diag)
{
	struct ps_shared *sh = calloc(1, sizeof(*sh));

	(void)diag;
	*out = NULL;
	if (!sh)
		return MM_ENOMEM;
	if (compile_set(env, "ps-markers", markers, (unsigned)MM_ARRAY_SIZE(markers),
			&sh->markers) < 0 ||
	    compile_set(env, "ps-words", ps_words, PS_N_WORDS, &sh->words) < 0) {
		hs_free_database(sh->markers);
		hs_free_database(sh->words);
		sh->markers = sh->words = NULL;
	}
	*out = sh;
	return 0;
}

static void ps_worker_free(void *p)
{
	struct ps_worker *w = p;

	if (!w)
		return;
	if (w->scratch)
		hs_free_scratch(w->scratch);
	free(w);
}

static void *ps_worker_new_shared(void *shared, const struct mm_config *cfg)
{
	struct ps_worker *w = calloc(1, sizeof(*w));

	(void)cfg;
	if (!w)
		return NULL;
	w->sh = shared;
	if (w->sh && w->sh->markers && w->sh->words &&
	    (hs_alloc_scratch(w->sh->markers, &w->scratch) != HS_SUCCESS ||
	     hs_alloc_scratch(w->sh->words, &w->scratch) != HS_SUCCESS)) {
		if (w->scratch)
			hs_free_scratch(w->scratch);
		w->scratch = NULL;
	}
	return w;
}

static int stop_at_first(unsigned id, unsigned long long from, unsigned long long to,
			 unsigned flags, void *arg)
{
	(void)id;
	(void)from;
	(void)to;
	(void)flags;
	(void)arg;
	return 1;
}

static int note_word(unsigned id, unsigned long long from, unsigned long long to,
		     unsigned flags, void *arg)
{
	uint64_t *mask = arg;

	(void)from;
	(void)to;
	(void)flags;
	if (id < 64)
		*mask |= UINT64_C(1) << id;
	return 0;
}

/* ps_words_fn for ps_indicators_with(): one scan of the layer */
static uint64_t layer_words(void *arg, const uint8_t *t, size_t n)
{
	struct ps_worker *w = arg;
	uint64_t mask = 0;

	if (n == 0)
		return 0;
	if (n > UINT_MAX || hs_scan(w->sh->words, (const char *)t, (unsigned)n, 0, w->scratch,
				     note_word, &mask) != HS_SUCCESS)
		return ~UINT64_C(0);	/* unknown: search for every word */
	return mask;
}

/* has_marker(), in one scan when the worker has a scratch */
static bool any_marker(const struct ps_worker *w, const uint8_t *d, size_t n)
{
	if (w && w->scratch && n > 0 && n <= UINT_MAX) {
		hs_error_t e = hs_scan(w->sh->markers, (const char *)d, (unsigned)n, 0, w->scratch,
				       stop_at_first, NULL);

		if (e == HS_SCAN_TERMINATED)
			return true;
		if (e == HS_SUCCESS)
			return false;
	}
	return has_marker(d, n);
}

static bool nested_from_us(const char *path)
{
	const char *bang = path ? strrchr(path, '!') : NULL;

	return bang && strncmp(bang + 1, "ps-decoded", 10) == 0;
}

/*
 * Would Windows run this file as a script or program? The name only ever
 * lowers a level: a plain cradle in README.md or config.yaml documents a
 * command, a .ps1/.bat/.cmd/.js/.vbs/.hta (or a name without extension,
 * or an e-mail attachment handed on) would run it.
 */
static bool runnable_name(const char *path)
{
	static const char *const ext[] = {
		"ps1", "psm1", "psd1", "bat", "cmd", "vbs", "vbe", "js", "jse", "wsf", "wsh",
		"hta", "sct", "lnk", "inf", "reg", "scr", "exe", "com", "pif",
	};
	const char *base = files_basename(path ? path : "");
	const char *dot = strrchr(base, '.');

	if (!dot || strncmp(base, "ps-decoded", 10) == 0)
		return true;
	for (size_t i = 0; i < MM_ARRAY_SIZE(ext); i++)
		if (strcasecmp(dot + 1, ext[i]) == 0)
			return true;
	return false;
}

static bool wants_with(const struct ps_worker *w, const struct file_view *v)
{
	size_t n = MM_MIN(v->len, (size_t)PS_WANTS_SPAN);

	switch (v->kind) {
	case MM_KIND_SCRIPT:
	case MM_KIND_TEXT:
	case MM_KIND_UNKNOWN:
	case MM_KIND_HTML:
	case MM_KIND_INI:
	case MM_KIND_JSON:
		break;
	default:
		return false;
	}
	if (nested_from_us(v->path))
		return false;
	if (ps_looks_utf16le(v->data, n)) {
		uint8_t narrow[4096];
		size_t k = 0;
		for (size_t i = 0; i + 1 < n && k < sizeof narrow; i += 2)
			narrow[k++] = v->data[i + 1] == 0 ? v->data[i] : '?';
		return any_marker(w, narrow, k);
	}
	return any_marker(w, v->data, n);
}

static bool ps_wants(const struct file_view *v)
{
	return wants_with(NULL, v);
}

static bool ps_wants_w(void *w, const struct file_view *v)
{
	return wants_with(w, v);
}

static void excerpt(struct mm_json *j, const char *key, const char *s, size_t n)
{
	files_json_excerpt(j, key, (const uint8_t *)s, n, PS_EXCERPT);
}

/* The layer to show: where the finding is, else the deepest decoded. */
static int show_layer(const struct ps_result *r, int preferred)
{
	int best = 0;

	if (preferred >= 0)
		return preferred;
	for (unsigned i = 1; i < r->nlayers; i++)
		if (!r->layers[i].binary)
			best = (int)i;
	return best;
}

static int emit(struct mm_scan_ctx *ctx, const struct file_view *v, const struct ps_result *r,
		const struct ps_findings *f, const struct mm_rule_meta *rule, enum mm_level level,
		int layer, const char *what)
{
	struct mm_buf ev;
	struct mm_json j;
	struct mm_alert a;
	char reason[384];
	const struct ps_layer *L;
	const char *lt;
	size_t k = 0, shown;
	int rc;

	mm_buf_init(&ev, PS_EVIDENCE_MAX);
	layer = show_layer(r, layer);
	L = &r->layers[layer];
	lt = ps_layer_text(r, (unsigned)layer);
	mm_json_init(&j, &ev);
	mm_json_object_begin(&j, NULL);
	mm_json_array_begin(&j, "indicators");
	for (unsigned bit = 1; bit <= PS_I_SYMBOLS; bit <<= 1)
		if ((f->ind & bit) && ps_indicator_name(bit))
			mm_json_str(&j, NULL, ps_indicator_name(bit));
	mm_json_array_end(&j);
	mm_json_array_begin(&j, "chain");
	/* the path from the input to the shown layer, outermost first */
	{
		int path[PS_MAX_LAYERS];
		int np = 0;
		for (int x = layer; x > 0 && np < PS_MAX_LAYERS; x = r->layers[x].parent)
			path[np++] = x;
		while (np-- > 0) {
			const struct ps_layer *P = &r->layers[path[np]];
			mm_json_object_begin(&j, NULL);
			mm_json_str(&j, "decoder", ps_how_name(P->how));
			mm_json_int(&j, "layer", path[np]);
			mm_json_uint(&j, "offset", P->src_off);
			mm_json_uint(&j, "bytes", P->len);
			mm_json_object_end(&j);
		}
	}
	mm_json_array_end(&j);
	mm_json_uint(&j, "layers", r->nlayers);
	mm_json_int(&j, "decoded_layer", layer);
	excerpt(&j, "decoded", lt, L->len);
	if (f->url)
		mm_json_strn(&j, "url", f->url, f->url_len);
	if (r->flags) {
		mm_json_array_begin(&j, "limits");
		if (r->flags & PS_F_OUTPUT_LIMIT) mm_json_str(&j, NULL, "output_limit");
		if (r->flags & PS_F_LAYER_LIMIT) mm_json_str(&j, NULL, "layer_limit");
		if (r->flags & PS_F_DEPTH_LIMIT) mm_json_str(&j, NULL, "depth_limit");
		if (r->flags & PS_F_RATIO_LIMIT) mm_json_str(&j, NULL, "ratio_limit");
		if (r->flags & PS_F_BAD_UTF16) mm_json_str(&j, NULL, "invalid_utf16");
		if (r->flags & PS_F_BAD_BASE64) mm_json_str(&j, NULL, "invalid_base64");
		if (r->flags & PS_F_INFLATE_ERROR) mm_json_str(&j, NULL, "corrupt_compressed_stream");
		if (r->flags & PS_F_INPUT_LIMIT) mm_json_str(&j, NULL, "input_limit");
		mm_json_array_end(&j);
	}
	mm_json_object_end(&j);
	rc = mm_json_finish(&j);
	if (rc < 0)
		goto out;

	k = (size_t)snprintf(reason, sizeof reason, "%s%s%s%s: ", what,
			     layer > 0 ? " (decoded: " : "",
			     layer > 0 ? ps_how_name(L->how) : "", layer > 0 ? ")" : "");
	/* one line of the command, control bytes blanked */
	shown = 0;
	for (size_t i = 0; i < L->len && k + 1 < sizeof reason && shown < 200; i++) {
		unsigned char c = (unsigned char)lt[i];
		if (c == '\r' || c == '\n' || c == '\t')
			c = ' ';
		if (c < 0x20)
			continue;
		if (c == ' ' && k > 0 && reason[k - 1] == ' ')
			continue;
		reason[k++] = (char)c;
		shown++;
	}
	/* do not cut a UTF-8 sequence in half */
	while (k > 0 && ((unsigned char)reason[k - 1] & 0xc0) == 0x80)
		k--;
	if (k > 0 && ((unsigned char)reason[k - 1] & 0xc0) == 0xc0)
		k--;
	reason[k] = '\0';

	mm_alert_init(&a);
	a.module = "files";
	a.meta = rule;
	a.has_level = 1;
	a.level = level;
	a.family = (f->ind & PS_I_MINER) ? "coinminer-dropper" : NULL;
	a.reason = reason;
	a.evidence_json = ev.ptr;
	a.file_path = v->path;
	a.file_size = (int64_t)v->len;
	a.file_sha256 = files_view_sha256(v);
	a.timestamp_us = v->mtime_us;
	rc = mm_emit_alert(ctx, &a);
out:
	mm_buf_release(&ev);
	return rc;
}

static int ps_analyse(void *w, const struct file_view *v, struct mm_scan_ctx *ctx)
{
	struct ps_result *r = NULL;
	struct ps_findings f;
	unsigned flags_any, ind0 = 0;
	bool alerted = false;
	const struct ps_worker *pw = w;
	int rc = 0;

	if (nested_from_us(v->path))
		return 0;
	r = malloc(sizeof *r);
	if (!r)
		return MM_ENOMEM;
	ps_result_init(r);
	rc = ps_decode(r, v->data, v->len);
	if (rc < 0)
		goto out;
	if (r->flags & (PS_F_OUTPUT_LIMIT | PS_F_LAYER_LIMIT | PS_F_DEPTH_LIMIT | PS_F_RATIO_LIMIT |
			PS_F_INPUT_LIMIT))
		mm_scan_partial(ctx, MM_SKIP_LIMIT, "PowerShell decoding stopped at a limit "
				"(%u layers, %zu bytes)", r->nlayers, r->text.len);
	if (r->flags & PS_F_INFLATE_ERROR)
		mm_scan_partial(ctx, MM_SKIP_CORRUPT, "PowerShell: a compressed payload is corrupt");
	if (pw && pw->scratch)
		ps_indicators_with(r, &f, layer_words, w);
	else
		ps_indicators(r, &f);
	flags_any = f.ind & (PS_I_HIDDEN | PS_I_NOPROFILE | PS_I_BYPASS | PS_I_NONINTERACTIVE);

	/* what the undecoded input says by itself (the same as the whole
	 * when nothing was decoded) */
	ind0 = f.ind_input;

	if (f.ind & PS_I_CRADLE) {
		enum mm_level lv = (f.ind & (PS_I_ENCODED | PS_I_OBFUSCATED | PS_I_MINER)) &&
				   flags_any ? MM_LEVEL_CRITICAL : MM_LEVEL_HIGH;
		/* a plain cradle in a file Windows does not run (README, YAML,
		 * changelog) is an install instruction more often than an attack:
		 * low, unless the text hides it or runs it hidden */
		if (f.cradle_layer == 0 && !runnable_name(v->path) &&
		    !(f.ind & (PS_I_ENCODED | PS_I_OBFUSCATED | PS_I_MINER | PS_I_SCHTASK |
			       PS_I_HIDDEN | PS_I_SYMBOLS)))
			lv = MM_LEVEL_LOW;
		rc = emit(ctx, v, r, &f, &rule_cradle, lv,
			  f.cradle_layer, "PowerShell downloads and runs code");
		if (rc < 0)
			goto out;
		alerted = true;
	}
	if (f.ind & PS_I_SCHTASK) {
		enum mm_level lv;
		if (f.ind & (PS_I_ENCODED | PS_I_MINER | PS_I_CRADLE | PS_I_HIDDEN | PS_I_OBFUSCATED))
			lv = MM_LEVEL_HIGH;
		else if ((f.ind & PS_I_POWERSHELL) && flags_any)
			lv = MM_LEVEL_MEDIUM;
		else
			lv = MM_LEVEL_LOW;
		rc = emit(ctx, v, r, &f, &rule_schtask, lv, f.schtask_layer,
			  "scheduled task registered");
		if (rc < 0)
			goto out;
		alerted = true;
	}
	if (!alerted && (f.ind & PS_I_ENCODED)) {
		bool ps_layer = false;
		for (unsigned i = 1; i < r->nlayers; i++)
			ps_layer |= !r->layers[i].binary && r->layers[i].how != PS_HOW_DEOBFUSCATE;
		if (ps_layer) {
			enum mm_level lv = (f.ind & PS_I_MINER) ? MM_LEVEL_HIGH :
					   (flags_any || (f.ind & (PS_I_COMPRESSED | PS_I_IEX |
								   PS_I_DOWNLOAD)))
					   ? MM_LEVEL_MEDIUM : MM_LEVEL_LOW;
			rc = emit(ctx, v, r, &f, &rule_encoded, lv, -1, "encoded PowerShell");
			if (rc < 0)
				goto out;
			alerted = true;
		}
	}
	if (!alerted && (((f.ind & PS_I_OBFUSCATED) &&
			  (f.ind & ~ind0 & (PS_I_IEX | PS_I_DOWNLOAD | PS_I_SCHTASK | PS_I_START))) ||
			 (f.ind & PS_I_SYMBOLS))) {
		rc = emit(ctx, v, r, &f, &rule_obfuscated, MM_LEVEL_MEDIUM, -1,
			  "obfuscated PowerShell");
		if (rc < 0)
			goto out;
	}

	/* decoded payloads go back to the driver for YARA and the others */
	for (unsigned i = 1; i < r->nlayers; i++) {
		char name[32];
		int nrc;
		if (r->layers[i].how == PS_HOW_DEOBFUSCATE || r->layers[i].len == 0)
			continue;
		snprintf(name, sizeof name, "ps-decoded-%u", i);
		nrc = files_examine_nested(ctx, v, name,
					   (const uint8_t *)ps_layer_text(r, i), r->layers[i].len);
		if (nrc == MM_ENOMEM) {
			rc = nrc;
			goto out;
		}
	}
out:
	ps_result_release(r);
	free(r);
	return rc;
}

const struct file_analyser file_analyser_powershell = {
	.name = "powershell",
	.kinds = 0,
	.wants = ps_wants,
	.register_rules = ps_register,
	.worker_free = ps_worker_free,
	.analyse = ps_analyse,
	.open = ps_open,
	.close = ps_close,
	.worker_new_shared = ps_worker_new_shared,
	.wants_w = ps_wants_w,
};
