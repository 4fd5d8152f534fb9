/*
 * yara.c — the file engine's YARA adapter (libyara 4.2.x).
 *
 * Rule files: the bundled ones (env->bundled_rules_dir/yara/, when
 * env->bundled_rules) and the user's (-r FILE|DIR: files ending .yar,
 * .yara or .rule, folders searched for them, bounded). Each file is
 * compiled alone first, so that one broken file cannot kill the set: its
 * errors go to the rule report with file and line (a rule needing a module
 * Debian's libyara lacks is one such error), then the final rule set is
 * built from the files that compiled, each file in its own namespace (its
 * name without extension), so rule names never clash across files.
 * Includes resolve relative to the including file (libyara's default).
 *
 * External variables filename, filepath, extension, filetype and owner are
 * declared before compiling (public rule sets use them) and set per scan on
 * the worker's scanner.
 *
 * Cache: the compiled set is saved in env->cache_dir as
 * yara-<sha256>.yarc, where the digest covers libyara's version, every
 * file's path and contents; a sidecar yara-<sha256>.tsv keeps the rejected
 * files' diagnostics so that a cached load reports the same problems.
 *
 * Alerts: rule id "yara:<namespace>:<rule>", name from the meta
 * description/name, level from meta severity/score/level (default
 * medium); evidence: tags, metadata, the first matched strings with
 * offsets and an escaped excerpt.
 *
 * Threading: files_yara is read-only after open(); each worker has its own
 * YR_SCANNER. Limits: at most FILES_YARA_MAX_FILES rule files, folder depth
 * 8, per-scan timeout from the scan context.
 */
#include "core/compat.h"
#include "files/internal.h"

#include <dirent.h>
#include <strings.h>
#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>
#include <openssl/crypto.h>
#include <yara.h>

#define FILES_YARA_MAX_FILES 20000
#define FILES_YARA_DIR_DEPTH 8
#define FILES_YARA_MAX_FILE_SIZE (64u << 20)
#define FILES_YARA_MAX_META 16
#define FILES_YARA_EXCERPT 64

struct yfile {
	char *path;
	char *ns;
	bool ok;
};

struct files_yara {
	YR_RULES *rules;
	char hash[65];
	size_t n_rules;
	int max_strings;
	const struct mm_rule_meta **metas;	/* by rule index */
	struct yfile *files;
	size_t n_files;
};

struct files_yara_scanner {
	struct files_yara *y;
	YR_SCANNER *scanner;
	struct mm_buf ev;
};

static const char *const ext_vars[] = { "filename", "filepath", "extension", "filetype",
					"owner" };

/* ---- collecting rule files ------------------------------------------ */

struct yfiles {
	struct yfile *v;
	size_t n, cap;
	size_t dropped;
};

static bool yara_ext(const char *name)
{
	const char *dot = strrchr(name, '.');

	if (!dot)
		return false;
	return !strcasecmp(dot, ".yar") || !strcasecmp(dot, ".yara") || !strcasecmp(dot, ".rule");
}

static int yfiles_add(struct yfiles *fs, const char *path)
{
	if (fs->n >= FILES_YARA_MAX_FILES) {
		fs->dropped++;
		return 0;
	}
	struct yfile *nv = mm_grow(fs->v, fs->n, &fs->cap, sizeof(*nv), 64);

	if (!nv)
		return MM_ENOMEM;
	fs->v = nv;
	memset(&fs->v[fs->n], 0, sizeof(fs->v[fs->n]));
	fs->v[fs->n].path = strdup(path);
	if (!fs->v[fs->n].path)
		return MM_ENOMEM;
	fs->n++;
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int yfiles_walk(struct yfiles *fs, const char *dir, int depth)
{
	DIR *d = NULL;
	struct dirent *e;
	char **names = NULL;
	size_t n = 0, cap = 0;
	int rc = 0;

	if (depth > FILES_YARA_DIR_DEPTH)
		return 0;
	d = opendir(dir);
	if (!d)
		return 0;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 64;
			char **nn;

			if (ncap > FILES_YARA_MAX_FILES)
				break;
			nn = realloc(names, ncap * sizeof(*nn));
			if (!nn) {
				rc = MM_ENOMEM;
				goto out;
			}
			names = nn;
			cap = ncap;
		}
		names[n] = strdup(e->d_name);
		if (!names[n]) {
			rc = MM_ENOMEM;
			goto out;
		}
		n++;
	}
	if (n)
		qsort(names, n, sizeof(*names), cmp_str);
	for (size_t i = 0; i < n && rc == 0; i++) {
		char p[4096];
		struct stat st;
		int k = snprintf(p, sizeof(p), "%s/%s", dir, names[i]);

		if (k < 0 || (size_t)k >= sizeof(p) || stat(p, &st) != 0)
			continue;
		if (S_ISDIR(st.st_mode))
			rc = yfiles_walk(fs, p, depth + 1);
		else if (S_ISREG(st.st_mode) && yara_ext(names[i]))
			rc = yfiles_add(fs, p);
	}
out:
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	if (d)
		closedir(d);
	return rc;
}

static int yfiles_collect(struct yfiles *fs, const struct mm_engine_env *env)
{
	struct stat st;
	int rc = 0;

	if (env->bundled_rules && env->bundled_rules_dir && env->bundled_rules_dir[0]) {
		char p[4096];
		int k = snprintf(p, sizeof(p), "%s/yara", env->bundled_rules_dir);

		if (k > 0 && (size_t)k < sizeof(p))
			rc = yfiles_walk(fs, p, 0);
	}
	for (size_t i = 0; rc == 0 && env->rule_paths && env->rule_paths[i]; i++) {
		const char *p = env->rule_paths[i];

		if (stat(p, &st) != 0)
			continue;	/* the CLI reports paths that do not exist */
		if (S_ISDIR(st.st_mode))
			rc = yfiles_walk(fs, p, 0);
		else if (S_ISREG(st.st_mode) && yara_ext(p))
			rc = yfiles_add(fs, p);
	}
	return rc;
}

/* Namespace: the file name without extension, made unique with a suffix. */
static int yfiles_namespaces(struct yfiles *fs)
{
	for (size_t i = 0; i < fs->n; i++) {
		const char *b = files_basename(fs->v[i].path);
		const char *dot = strrchr(b, '.');
		size_t len = dot && dot > b ? (size_t)(dot - b) : strlen(b);
		char ns[256];
		int dup = 0;

		if (len > 200)
			len = 200;
		for (;;) {
			bool clash = false;

			if (dup)
				snprintf(ns, sizeof(ns), "%.*s_%d", (int)len, b, dup);
			else
				snprintf(ns, sizeof(ns), "%.*s", (int)len, b);
			for (size_t k = 0; k < i && !clash; k++)
				clash = !strcmp(fs->v[k].ns, ns);
			if (!clash)
				break;
			dup++;
		}
		fs->v[i].ns = strdup(ns);
		if (!fs->v[i].ns)
			return MM_ENOMEM;
	}
	return 0;
}

static int hash_files(struct yfiles *fs, char out[65])
{
	struct mm_sha256 h;
	uint8_t digest[32];
	uint8_t *buf = NULL;
	int rc;

	rc = mm_sha256_init(&h);
	if (rc < 0)
		return rc;
	buf = malloc(1 << 16);
	if (!buf) {
		rc = MM_ENOMEM;
		goto out;
	}
	mm_sha256_update(&h, "libyara " YR_VERSION "\nexternals filename filepath extension "
			     "filetype owner\n", strlen("libyara " YR_VERSION "\nexternals filename "
							"filepath extension filetype owner\n"));
	for (size_t i = 0; i < fs->n; i++) {
		FILE *f = fopen(fs->v[i].path, "rb");
		size_t n;

		mm_sha256_update(&h, fs->v[i].path, strlen(fs->v[i].path) + 1);
		if (!f)
			continue;
		while ((n = fread(buf, 1, 1 << 16, f)) > 0)
			mm_sha256_update(&h, buf, n);
		fclose(f);
		mm_sha256_update(&h, "\n--\n", 4);
	}
	rc = mm_sha256_final(&h, digest);
	if (rc == 0)
		mm_hex(digest, 32, out);
out:
	mm_sha256_release(&h);
	free(buf);
	return rc;
}

/* ---- compiling ------------------------------------------------------- */

#define MAX_PROBLEMS 64

struct cproblem {
	int level;	/* YARA_ERROR_LEVEL_ERROR / _WARNING */
	char file[512];
	int line;
	char rule[128];
	char msg[512];
};

struct ccollect {
	struct cproblem p[MAX_PROBLEMS];
	size_t n, dropped;
};

static void compiler_cb(int level, const char *file, int line, const YR_RULE *rule,
			const char *msg, void *arg)
{
	struct ccollect *c = arg;
	struct cproblem *p;

	if (c->n >= MAX_PROBLEMS) {
		c->dropped++;
		return;
	}
	p = &c->p[c->n++];
	p->level = level;
	snprintf(p->file, sizeof(p->file), "%s", file ? file : "");
	p->line = line;
	snprintf(p->rule, sizeof(p->rule), "%s", rule && rule->identifier ? rule->identifier : "");
	snprintf(p->msg, sizeof(p->msg), "%s", msg ? msg : "");
}

static int compiler_new(YR_COMPILER **out, struct ccollect *cc)
{
	YR_COMPILER *c = NULL;

	*out = NULL;
	if (yr_compiler_create(&c) != ERROR_SUCCESS)
		return MM_ENOMEM;
	yr_compiler_set_callback(c, compiler_cb, cc);
	for (size_t i = 0; i < MM_ARRAY_SIZE(ext_vars); i++) {
		if (yr_compiler_define_string_variable(c, ext_vars[i], "") != ERROR_SUCCESS) {
			yr_compiler_destroy(c);
			return MM_EDEP;
		}
	}
	*out = c;
	return 0;
}

static int add_file(YR_COMPILER *c, const struct yfile *yf)
{
	FILE *f = fopen(yf->path, "r");
	int errors;

	if (!f)
		return -1;
	errors = yr_compiler_add_file(c, f, yf->ns, yf->path);
	fclose(f);
	return errors;
}

static const char *reason_key(const char *msg)
{
	if (strstr(msg, "unknown module") || strstr(msg, "undefined identifier"))
		return "unknown module or identifier";
	if (strstr(msg, "syntax error"))
		return "syntax error";
	if (strstr(msg, "duplicated"))
		return "duplicated identifier";
	if (strstr(msg, "can't open include") || strstr(msg, "include"))
		return "include";
	return "compile error";
}

static void report_problems(const struct mm_engine_env *env, const struct ccollect *cc,
			    const char *path, FILE *sidecar)
{
	for (size_t i = 0; i < cc->n; i++) {
		const struct cproblem *p = &cc->p[i];
		const char *file = p->file[0] ? p->file : path;

		if (p->level == YARA_ERROR_LEVEL_WARNING) {
			if (env->rule_report)
				mm_rule_report_warning(env->rule_report, "files", file, p->line,
						       p->rule[0] ? p->rule : NULL, p->msg);
		} else if (env->rule_report) {
			mm_rule_report_rejected(env->rule_report, "files", file, p->line,
						p->rule[0] ? p->rule : NULL, reason_key(p->msg),
						p->msg);
		}
		if (sidecar)
			fprintf(sidecar, "%c\t%s\t%d\t%s\t%s\n",
				p->level == YARA_ERROR_LEVEL_WARNING ? 'W' : 'E', file, p->line,
				p->rule, p->msg);
	}
}

/* Replays a cached sidecar of problems into the rule report. */
static void replay_sidecar(const struct mm_engine_env *env, const char *path)
{
	FILE *f = fopen(path, "r");
	char line[2048];

	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		char *fields[5] = { 0 };
		char *s = line;
		size_t n = 0;

		line[strcspn(line, "\n")] = '\0';
		while (n < 5) {
			fields[n++] = s;
			s = strchr(s, '\t');
			if (!s || n == 5)
				break;
			*s++ = '\0';
		}
		if (n < 5 || !env->rule_report)
			continue;
		if (fields[0][0] == 'W')
			mm_rule_report_warning(env->rule_report, "files", fields[1],
					       strtol(fields[2], NULL, 10),
					       fields[3][0] ? fields[3] : NULL, fields[4]);
		else
			mm_rule_report_rejected(env->rule_report, "files", fields[1],
						strtol(fields[2], NULL, 10),
						fields[3][0] ? fields[3] : NULL, reason_key(fields[4]),
						fields[4]);
	}
	fclose(f);
}

static int compile_set(struct yfiles *fs, const struct mm_engine_env *env, YR_RULES **rules,
		       FILE *sidecar)
{
	YR_COMPILER *c = NULL;
	struct ccollect *cc = NULL;
	size_t n_ok = 0;
	int rc = 0;

	*rules = NULL;
	cc = calloc(1, sizeof(*cc));
	if (!cc)
		return MM_ENOMEM;
	/* pass 1: each file alone */
	for (size_t i = 0; i < fs->n; i++) {
		struct stat st;
		int errors;

		memset(cc, 0, sizeof(*cc));
		if (stat(fs->v[i].path, &st) != 0 || st.st_size > (off_t)FILES_YARA_MAX_FILE_SIZE) {
			cc->n = 1;
			cc->p[0].level = YARA_ERROR_LEVEL_ERROR;
			snprintf(cc->p[0].file, sizeof(cc->p[0].file), "%s", fs->v[i].path);
			snprintf(cc->p[0].msg, sizeof(cc->p[0].msg), "unreadable or too large");
			report_problems(env, cc, fs->v[i].path, sidecar);
			continue;
		}
		rc = compiler_new(&c, cc);
		if (rc < 0)
			goto out;
		errors = add_file(c, &fs->v[i]);
		yr_compiler_destroy(c);
		c = NULL;
		if (errors < 0) {
			cc->n = 1;
			cc->p[0].level = YARA_ERROR_LEVEL_ERROR;
			snprintf(cc->p[0].file, sizeof(cc->p[0].file), "%s", fs->v[i].path);
			snprintf(cc->p[0].msg, sizeof(cc->p[0].msg), "cannot open: %s",
				 strerror(errno));
		}
		fs->v[i].ok = errors == 0;
		report_problems(env, cc, fs->v[i].path, sidecar);
		if (fs->v[i].ok)
			n_ok++;
	}
	if (!n_ok)
		goto out;
	/* pass 2: the files that compiled, together; a file that fails only
	 * here (a clash through includes) is dropped and the set rebuilt */
	for (int attempt = 0; attempt < 8; attempt++) {
		size_t bad = SIZE_MAX;

		memset(cc, 0, sizeof(*cc));
		rc = compiler_new(&c, cc);
		if (rc < 0)
			goto out;
		for (size_t i = 0; i < fs->n; i++) {
			if (!fs->v[i].ok)
				continue;
			if (add_file(c, &fs->v[i]) != 0) {
				bad = i;
				break;
			}
		}
		if (bad == SIZE_MAX) {
			if (yr_compiler_get_rules(c, rules) != ERROR_SUCCESS)
				rc = MM_ENOMEM;
			goto out;
		}
		fs->v[bad].ok = false;
		report_problems(env, cc, fs->v[bad].path, sidecar);
		yr_compiler_destroy(c);
		c = NULL;
	}
	rc = MM_ELIMIT;
out:
	if (c)
		yr_compiler_destroy(c);
	free(cc);
	return rc;
}

/* ---- catalogue ------------------------------------------------------- */

static enum mm_level level_from_int(const char *id, int64_t v)
{
	if (!strcasecmp(id, "score")) {
		if (v >= 75)
			return MM_LEVEL_HIGH;
		if (v >= 50)
			return MM_LEVEL_MEDIUM;
		if (v >= 20)
			return MM_LEVEL_LOW;
		return MM_LEVEL_INFORMATIONAL;
	}
	if (v > 10) {	/* 0..100 scales */
		if (v >= 90)
			return MM_LEVEL_CRITICAL;
		if (v >= 70)
			return MM_LEVEL_HIGH;
		if (v >= 40)
			return MM_LEVEL_MEDIUM;
		return MM_LEVEL_LOW;
	}
	if (v >= 9)
		return MM_LEVEL_CRITICAL;
	if (v >= 7)
		return MM_LEVEL_HIGH;
	if (v >= 4)
		return MM_LEVEL_MEDIUM;
	if (v >= 2)
		return MM_LEVEL_LOW;
	return MM_LEVEL_INFORMATIONAL;
}

static bool meta_is(const YR_META *m, const char *name)
{
	return m->identifier && !strcasecmp(m->identifier, name);
}

static int catalogue_rule(const struct mm_engine_env *env, struct files_yara *y,
			  const YR_RULE *r, const char *source, const struct mm_rule_meta **out)
{
	struct mm_rule_meta m;
	const YR_META *meta;
	char id[512], techs[MM_ALERT_MAX_LIST - 1][16];
	const char *refs[MM_ALERT_MAX_LIST] = { 0 };
	size_t nt = 0, nr = 0;
	int rc;

	memset(&m, 0, sizeof(m));
	snprintf(id, sizeof(id), "yara:%s:%s", r->ns && r->ns->name ? r->ns->name : "default",
		 r->identifier ? r->identifier : "?");
	m.id = id;
	m.name = r->identifier;
	m.engine = "files";
	m.ruleset = "yara";
	m.category = "yara";
	m.level = MM_LEVEL_MEDIUM;
	m.source_file = source;
	m.source_line = -1;
	yr_rule_metas_foreach(r, meta) {
		if (meta->type == META_TYPE_STRING && meta->string) {
			if (meta_is(meta, "description"))
				m.description = meta->string;
			else if (meta_is(meta, "name") && m.name == r->identifier)
				m.name = meta->string;
			else if (meta_is(meta, "category"))
				m.category = meta->string;
			else if (meta_is(meta, "severity") || meta_is(meta, "level") ||
				 meta_is(meta, "threat_level")) {
				int l = mm_level_parse(meta->string);

				if (l >= 0)
					m.level = (enum mm_level)l;
				else if (meta->string[0] >= '0' && meta->string[0] <= '9')
					m.level = level_from_int(meta->identifier,
								 strtol(meta->string, NULL, 10));
			} else if (meta_is(meta, "score")) {
				m.level = level_from_int("score", strtol(meta->string, NULL, 10));
			} else if ((meta_is(meta, "reference") || meta_is(meta, "ref") ||
				    meta_is(meta, "url")) && nr < MM_ALERT_MAX_LIST - 1) {
				refs[nr++] = meta->string;
			} else if ((meta_is(meta, "mitre_att") || meta_is(meta, "technique") ||
				    meta_is(meta, "attack") || meta_is(meta, "mitre_attack")) &&
				   nt < MM_ALERT_MAX_LIST - 1 && meta->string[0] == 'T' &&
				   strlen(meta->string) < sizeof(techs[0])) {
				snprintf(techs[nt], sizeof(techs[nt]), "%s", meta->string);
				m.techniques[nt] = techs[nt];
				nt++;
			}
		} else if (meta->type == META_TYPE_INTEGER) {
			if (meta_is(meta, "severity") || meta_is(meta, "score") ||
			    meta_is(meta, "level") || meta_is(meta, "threat_level"))
				m.level = level_from_int(meta->identifier, meta->integer);
		}
	}
	/* the alert's name: meta name, else the description, else the rule */
	if (m.name == r->identifier && m.description)
		m.name = m.description;
	if (m.description == NULL && m.name != r->identifier)
		m.description = m.name;
	if (!m.name)
		m.name = "yara rule";
	memcpy(m.references, refs, sizeof(refs));
	(void)y;
	rc = mm_catalogue_add(env->catalogue, &m, out);
	if (rc == MM_EEXIST)
		rc = 0;
	return rc;
}

static const char *source_of(const struct files_yara *y, const char *ns)
{
	for (size_t i = 0; ns && i < y->n_files; i++) {
		if (!strcmp(y->files[i].ns, ns))
			return y->files[i].path;
	}
	return NULL;
}

/* ---- open / close ---------------------------------------------------- */

static void yfiles_free(struct yfile *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].path);
		free(v[i].ns);
	}
	free(v);
}

void files_yara_close(struct files_yara *y)
{
	if (!y)
		return;
	if (y->rules)
		yr_rules_destroy(y->rules);
	free(y->metas);
	yfiles_free(y->files, y->n_files);
	free(y);
	yr_finalize();
}

static int ensure_dir(const char *p)
{
	char tmp[4096];
	size_t len = strlen(p);

	if (len >= sizeof(tmp))
		return MM_ELIMIT;
	memcpy(tmp, p, len + 1);
	for (size_t i = 1; i <= len; i++) {
		if (tmp[i] == '/' || tmp[i] == '\0') {
			char c = tmp[i];

			tmp[i] = '\0';
			if (mkdir(tmp, 0700) != 0 && errno != EEXIST)
				return mm_from_errno(errno);
			tmp[i] = c;
		}
	}
	return 0;
}

int files_yara_open(struct files_yara **out, const struct mm_engine_env *env,
		    struct mm_diag *diag)
{
	struct files_yara *y = NULL;
	struct yfiles fs = { 0 };
	char cpath[4096] = "", spath[4096] = "", tpath[4200];
	FILE *sidecar = NULL;
	bool cached = false, inited = false;
	int rc = 0;

	*out = NULL;
	rc = yfiles_collect(&fs, env);
	if (rc < 0)
		goto out;
	if (fs.dropped && env->rule_report)
		mm_rule_report_warning(env->rule_report, "files", "", -1, NULL,
				       "too many YARA rule files: some were not loaded");
	if (fs.n == 0)
		goto out;
	rc = yfiles_namespaces(&fs);
	if (rc < 0)
		goto out;
	/* libyara's pe module registers OIDs with OpenSSL in yr_initialize(),
	 * which starts OpenSSL: it would read openssl.cnf (~1.7 million
	 * instructions, a third of a `scan --changed` rerun's rule loading)
	 * and clean up at exit (0.7 million). Neither matters to digests and
	 * PE signatures (the default provider loads itself), so OpenSSL
	 * starts without them; no effect when it has started already. */
	OPENSSL_init_crypto(OPENSSL_INIT_NO_LOAD_CONFIG | OPENSSL_INIT_NO_ATEXIT, NULL);
	if (yr_initialize() != ERROR_SUCCESS) {
		rc = mm_diag_set(diag, MM_EDEP, "", -1, -1, "libyara failed to initialise");
		goto out;
	}
	inited = true;
	y = calloc(1, sizeof(*y));
	if (!y) {
		rc = MM_ENOMEM;
		goto out;
	}
	y->max_strings = (int)mm_config_get_int(env->config, "files.yara.max_strings", 8);
	if (y->max_strings < 0)
		y->max_strings = 0;
	if (y->max_strings > 64)
		y->max_strings = 64;
	rc = hash_files(&fs, y->hash);
	if (rc < 0)
		goto out;

	if (env->cache_dir && env->cache_dir[0]) {
		snprintf(cpath, sizeof(cpath), "%s/yara-%s.yarc", env->cache_dir, y->hash);
		snprintf(spath, sizeof(spath), "%s/yara-%s.tsv", env->cache_dir, y->hash);
		if (access(cpath, R_OK) == 0 && access(spath, R_OK) == 0 &&
		    yr_rules_load(cpath, &y->rules) == ERROR_SUCCESS) {
			cached = true;
			replay_sidecar(env, spath);
		}
	}
	if (!cached) {
		if (spath[0] && ensure_dir(env->cache_dir) == 0) {
			snprintf(tpath, sizeof(tpath), "%s.%ld.tmp", spath, (long)getpid());
			sidecar = fopen(tpath, "w");
		}
		rc = compile_set(&fs, env, &y->rules, sidecar);
		if (rc < 0) {
			mm_diag_set(diag, rc, "", -1, -1, "YARA rules could not be compiled: %s",
				    mm_strerror(rc));
			goto out;
		}
		if (sidecar) {
			bool ok = fclose(sidecar) == 0;

			sidecar = NULL;
			/* the set is cached only when both files are complete */
			if (ok && y->rules) {
				char ctmp[4200];

				snprintf(ctmp, sizeof(ctmp), "%s.%ld.tmp", cpath, (long)getpid());
				if (yr_rules_save(y->rules, ctmp) == ERROR_SUCCESS &&
				    rename(ctmp, cpath) == 0)
					(void)rename(tpath, spath);
				else
					(void)unlink(ctmp);
			}
			(void)unlink(tpath);
		}
	}
	if (!y->rules)
		goto out;

	/* catalogue: one entry per rule */
	{
		const YR_RULE *r;
		size_t n = 0;

		yr_rules_foreach(y->rules, r)
			n++;
		y->metas = calloc(n + 1, sizeof(*y->metas));
		if (!y->metas) {
			rc = MM_ENOMEM;
			goto out;
		}
		y->files = fs.v;
		y->n_files = fs.n;
		fs.v = NULL;
		fs.n = 0;
		n = 0;
		yr_rules_foreach(y->rules, r) {
			rc = catalogue_rule(env, y, r, source_of(y, r->ns ? r->ns->name : NULL),
					    &y->metas[n]);
			if (rc < 0)
				goto out;
			n++;
		}
		y->n_rules = n;
		if (env->rule_report)
			mm_rule_report_loaded(env->rule_report, "files", n);
	}
	*out = y;
	y = NULL;
	inited = false;
out:
	if (sidecar) {
		fclose(sidecar);
		(void)unlink(tpath);
	}
	yfiles_free(fs.v, fs.n);
	if (y) {
		files_yara_close(y);	/* also finalises */
		inited = false;
	}
	if (inited)
		yr_finalize();
	return rc;
}

const char *files_yara_hash(const struct files_yara *y)
{
	return y ? y->hash : "";
}

size_t files_yara_rule_count(const struct files_yara *y)
{
	return y ? y->n_rules : 0;
}

/* ---- scanning -------------------------------------------------------- */

int files_yara_scanner_new(struct files_yara *y, struct files_yara_scanner **out)
{
	struct files_yara_scanner *s;

	*out = NULL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return MM_ENOMEM;
	s->y = y;
	if (yr_scanner_create(y->rules, &s->scanner) != ERROR_SUCCESS) {
		free(s);
		return MM_ENOMEM;
	}
	mm_buf_init(&s->ev, 1 << 20);
	*out = s;
	return 0;
}

void files_yara_scanner_free(struct files_yara_scanner *s)
{
	if (!s)
		return;
	if (s->scanner)
		yr_scanner_destroy(s->scanner);
	mm_buf_release(&s->ev);
	free(s);
}

struct scan_call {
	struct files_yara_scanner *s;
	const struct file_view *v;
	struct mm_scan_ctx *ctx;
	int err;
};

static void meta_json(struct mm_json *j, const YR_RULE *r)
{
	const YR_META *meta;
	size_t n = 0;

	mm_json_object_begin(j, "meta");
	yr_rule_metas_foreach(r, meta) {
		if (n++ >= FILES_YARA_MAX_META || !meta->identifier)
			break;
		if (meta->type == META_TYPE_STRING)
			mm_json_strn(j, meta->identifier, meta->string ? meta->string : "",
				     meta->string ? MM_MIN(strlen(meta->string), 256) : 0);
		else if (meta->type == META_TYPE_INTEGER)
			mm_json_int(j, meta->identifier, meta->integer);
		else if (meta->type == META_TYPE_BOOLEAN)
			mm_json_bool(j, meta->identifier, meta->integer != 0);
	}
	mm_json_object_end(j);
}

static int on_match(YR_SCAN_CONTEXT *yctx, const YR_RULE *r, struct scan_call *call)
{
	struct files_yara_scanner *s = call->s;
	const struct file_view *v = call->v;
	size_t idx = (size_t)(r - s->y->rules->rules_table);
	const struct mm_rule_meta *meta = idx < s->y->n_rules ? s->y->metas[idx] : NULL;
	const YR_STRING *str;
	const char *tag;
	struct mm_alert a;
	struct mm_json j;
	int shown = 0, rc;
	uint64_t total = 0;

	mm_buf_reset(&s->ev);
	mm_json_init(&j, &s->ev);
	mm_json_object_begin(&j, NULL);
	mm_json_str(&j, "rule", r->identifier);
	mm_json_str(&j, "namespace", r->ns ? r->ns->name : "default");
	mm_json_array_begin(&j, "tags");
	yr_rule_tags_foreach(r, tag)
		mm_json_str(&j, NULL, tag);
	mm_json_array_end(&j);
	meta_json(&j, r);
	mm_json_array_begin(&j, "strings");
	yr_rule_strings_foreach(r, str) {
		const YR_MATCH *mp = yctx->matches[str->idx].head;

		/* libyara 4.2 keeps matches in its notebook at addresses that
		 * are not always aligned for YR_MATCH: copy each one out before
		 * reading it (its own foreach macro reads in place) */
		while (mp) {
			YR_MATCH m;

			memcpy(&m, mp, sizeof(m));
			mp = m.next;
			if (m.is_private)
				continue;
			total++;
			if (shown >= s->y->max_strings)
				continue;
			shown++;
			mm_json_object_begin(&j, NULL);
			mm_json_str(&j, "id", str->identifier);
			mm_json_int(&j, "offset", m.base + m.offset);
			mm_json_int(&j, "length", m.match_length);
			if (m.data && m.data_length > 0)
				files_json_excerpt(&j, "data", m.data, (size_t)m.data_length,
						   FILES_YARA_EXCERPT);
			mm_json_object_end(&j);
		}
	}
	mm_json_array_end(&j);
	mm_json_uint(&j, "matches", total);
	mm_json_object_end(&j);
	rc = mm_json_finish(&j);

	mm_alert_init(&a);
	a.module = "files";
	a.meta = meta;
	if (!meta) {
		a.rule_id = r->identifier;
		a.rule_name = r->identifier;
	}
	a.ruleset = "yara";
	a.reason = "YARA rule matched";
	a.evidence_json = rc == 0 ? s->ev.ptr : NULL;
	a.file_path = v->path;
	a.file_size = (int64_t)v->len;
	a.file_sha256 = files_view_sha256(v);
	a.timestamp_us = v->mtime_us;
	return mm_emit_alert(call->ctx, &a);
}

static int scan_cb(YR_SCAN_CONTEXT *yctx, int message, void *data, void *arg)
{
	struct scan_call *call = arg;

	if (message == CALLBACK_MSG_RULE_MATCHING) {
		int rc = on_match(yctx, data, call);

		if (rc < 0 && call->err == 0)
			call->err = rc;
	}
	return CALLBACK_CONTINUE;
}

static const char *filetype_of(enum mm_kind k)
{
	switch (k) {
	case MM_KIND_PE:
		return "EXE";
	case MM_KIND_ELF:
		return "ELF";
	case MM_KIND_MACHO:
		return "MACH-O";
	case MM_KIND_ZIP:
		return "ZIP";
	case MM_KIND_PDF:
		return "PDF";
	case MM_KIND_LNK:
		return "LNK";
	case MM_KIND_OLE:
		return "OLE";
	case MM_KIND_HTML:
		return "HTML";
	case MM_KIND_SCRIPT:
		return "SCRIPT";
	case MM_KIND_EMAIL:
		return "EMAIL";
	default:
		return mm_kind_name(k);
	}
}

int files_yara_scan(struct files_yara_scanner *s, const struct file_view *v, bool mapped,
		    struct mm_scan_ctx *ctx)
{
	struct scan_call call = { s, v, ctx, 0 };
	const char *base = files_basename(v->path);
	const char *dot = strrchr(base, '.');
	char ext[32] = "";
	int left = mm_scan_seconds_left(ctx);
	int yr;

	if (dot && strlen(dot) < sizeof(ext)) {
		for (size_t i = 0; dot[i]; i++)
			ext[i] = (char)(dot[i] >= 'A' && dot[i] <= 'Z' ? dot[i] + 32 : dot[i]);
		ext[strlen(dot)] = '\0';
	}
	yr_scanner_define_string_variable(s->scanner, "filename", base);
	yr_scanner_define_string_variable(s->scanner, "filepath", v->path);
	yr_scanner_define_string_variable(s->scanner, "extension", ext);
	yr_scanner_define_string_variable(s->scanner, "filetype", filetype_of(v->kind));
	yr_scanner_set_timeout(s->scanner, left > 0 ? left : 1);
	yr_scanner_set_callback(s->scanner, scan_cb, &call);
	/* only matching rules call back; the fault guard (a signal handler
	 * installed per scan) is needed only when a mapped file could shrink.
	 * No SCAN_FLAGS_FAST_MODE: it saves nothing measurable here and would
	 * change which strings the evidence lists. */
	yr_scanner_set_flags(s->scanner, SCAN_FLAGS_REPORT_RULES_MATCHING |
				 (mapped ? 0 : SCAN_FLAGS_NO_TRYCATCH));
	yr = yr_scanner_scan_mem(s->scanner, v->data, v->len);
	if (yr == ERROR_SCAN_TIMEOUT)
		return MM_ETIMEDOUT;
	if (yr == ERROR_INSUFFICIENT_MEMORY)
		return MM_ENOMEM;
	if (yr != ERROR_SUCCESS)
		return MM_EDEP;
	return call.err;
}
