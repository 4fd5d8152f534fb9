/*
 * cli_common.c — configuration, engine set-up and small helpers shared by
 * the subcommands (see cli_common.h).
 */
#include "core/compat.h"
#include "cli/cli_common.h"
#include "incidents/incidents.h"

#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>

static const struct mm_config_default cli_defaults[] = {
	{ "host.name", "", "host.name of alerts that have none (empty: this machine's name)" },
	{ NULL, NULL, NULL },
};

int cli_common_option(struct cli_common *c, int opt, const char *arg)
{
	switch (opt) {
	case 'c':
		c->config_file = arg;
		return 1;
	case 'r':
		if (c->n_rules == CLI_MAX_LIST) {
			fprintf(stderr, "mamori: too many -r options (at most %d)\n", CLI_MAX_LIST);
			return -1;
		}
		c->rule_paths[c->n_rules++] = arg;
		c->rule_paths[c->n_rules] = NULL;
		return 1;
	case CLI_OPT_SET:
		if (!strchr(arg, '=') || arg[0] == '=') {
			fprintf(stderr, "mamori: --set wants key=value, not '%s'\n", arg);
			return -1;
		}
		if (c->n_sets == CLI_MAX_LIST) {
			fprintf(stderr, "mamori: too many --set options\n");
			return -1;
		}
		c->sets[c->n_sets++] = arg;
		return 1;
	case CLI_OPT_NO_BUNDLED:
		c->no_bundled_rules = true;
		return 1;
	case CLI_OPT_DETERMINISTIC:
		c->deterministic = true;
		return 1;
	default:
		return 0;
	}
}

static void print_diag(const char *what, int rc, const struct mm_diag *d)
{
	fprintf(stderr, "mamori: %s", what);
	if (d->file[0]) {
		fprintf(stderr, ": %s", d->file);
		if (d->line > 0)
			fprintf(stderr, ":%ld", d->line);
	}
	fprintf(stderr, ": %s\n", d->reason[0] ? d->reason : mm_strerror(rc));
}

int cli_config_load(struct cli_env *env, const struct cli_common *c)
{
	struct mm_diag d;
	int rc;

	env->config = mm_config_new();
	if (!env->config) {
		fprintf(stderr, "mamori: out of memory\n");
		return CLI_EXIT_ERROR;
	}
	if (mm_config_declare(env->config, mm_core_config_defaults) ||
	    mm_config_declare(env->config, cli_defaults) ||
	    mm_config_declare(env->config, incidents_config_defaults)) {
		fprintf(stderr, "mamori: cannot declare configuration keys\n");
		return CLI_EXIT_ERROR;
	}
	for (size_t i = 0; cli_engines[i]; i++) {
		const struct mm_engine *e = cli_engines[i];

		rc = e->config_defaults ? mm_config_declare(env->config, e->config_defaults) : 0;
		for (size_t t = 0; rc == 0 && e->config_tables && e->config_tables[t]; t++)
			rc = mm_config_declare(env->config, e->config_tables[t]);
		if (rc) {
			fprintf(stderr, "mamori: engine %s: cannot declare its configuration: %s\n",
				e->name, mm_strerror(rc));
			return CLI_EXIT_ERROR;
		}
	}
	if (c->config_file) {
		mm_diag_init(&d);
		rc = mm_config_load_file(env->config, c->config_file, &d);
		if (rc) {
			print_diag("configuration", rc, &d);
			return CLI_EXIT_ERROR;
		}
	}
	for (size_t i = 0; i < c->n_sets; i++) {
		const char *eq = strchr(c->sets[i], '=');
		char key[256];
		size_t n = (size_t)(eq - c->sets[i]);

		if (n >= sizeof(key)) {
			fprintf(stderr, "mamori: --set: key too long\n");
			return CLI_EXIT_USAGE;
		}
		memcpy(key, c->sets[i], n);
		key[n] = '\0';
		rc = mm_config_set(env->config, key, eq + 1);
		if (rc) {
			fprintf(stderr, "mamori: --set %s: %s\n", c->sets[i],
				rc == MM_ENOTFOUND || rc == MM_EINVAL ?
					"unknown key or bad value (see `mamori config show`)" :
					mm_strerror(rc));
			return CLI_EXIT_USAGE;
		}
	}
	return 0;
}

static bool is_dir(const char *p)
{
	struct stat s;

	return p && stat(p, &s) == 0 && S_ISDIR(s.st_mode);
}

static void find_rules_dir(char *out, size_t n)
{
	const char *env = getenv("MAMORI_RULES_DIR");

	if (env && *env)
		snprintf(out, n, "%s", env);
	else if (is_dir(MAMORI_SOURCE_RULES_DIR))
		snprintf(out, n, "%s", MAMORI_SOURCE_RULES_DIR);
	else
		snprintf(out, n, "%s", MAMORI_INSTALL_RULES_DIR);
}

static void find_cache_dir(char *out, size_t n)
{
	const char *xdg = getenv("XDG_CACHE_HOME");
	const char *home = getenv("HOME");

	if (xdg && *xdg == '/')
		snprintf(out, n, "%s/mamori", xdg);
	else if (home && *home)
		snprintf(out, n, "%s/.cache/mamori", home);
	else
		snprintf(out, n, "/tmp/mamori-cache-%ld", (long)getuid());
}

int cli_engines_open(struct cli_env *env, const struct cli_common *c, const char *only)
{
	static const char *const no_rules[] = { NULL };
	struct mm_engine_env ee;
	const char *host;

	find_rules_dir(env->rules_dir, sizeof(env->rules_dir));
	find_cache_dir(env->cache_dir, sizeof(env->cache_dir));
	host = mm_config_get(env->config, "host.name", "");
	if (host && *host)
		snprintf(env->host, sizeof(env->host), "%s", host);
	else if (gethostname(env->host, sizeof(env->host) - 1) != 0)
		snprintf(env->host, sizeof(env->host), "unknown");
	env->host[sizeof(env->host) - 1] = '\0';
	env->catalogue = mm_catalogue_new();
	env->report = mm_rule_report_new();
	if (!env->catalogue || !env->report) {
		fprintf(stderr, "mamori: out of memory\n");
		return MM_ENOMEM;
	}
	memset(&ee, 0, sizeof(ee));
	ee.config = env->config;
	ee.catalogue = env->catalogue;
	ee.rule_report = env->report;
	ee.rule_paths = c->n_rules ? c->rule_paths : no_rules;
	ee.bundled_rules = !c->no_bundled_rules;
	ee.bundled_rules_dir = env->rules_dir;
	ee.cache_dir = env->cache_dir;
	ee.deterministic = c->deterministic;
	for (size_t i = 0; cli_engines[i] && env->n_engines < CLI_MAX_ENGINES; i++) {
		const struct mm_engine *e = cli_engines[i];
		struct mm_diag d;
		void *state = NULL;
		int rc;

		if (only && strcmp(only, e->name))
			continue;
		mm_diag_init(&d);
		rc = e->open ? e->open(&state, &ee, &d) : 0;
		if (rc) {
			char what[128];

			snprintf(what, sizeof(what), "engine %s cannot start", e->name);
			print_diag(what, rc, &d);
			return rc;
		}
		env->engines[env->n_engines] = e;
		env->states[env->n_engines] = state;
		env->n_engines++;
	}
	env->engines[env->n_engines] = NULL;
	return 0;
}

void cli_env_release(struct cli_env *env)
{
	for (size_t i = 0; i < env->n_engines; i++) {
		if (env->engines[i]->close)
			env->engines[i]->close(env->states[i]);
	}
	env->n_engines = 0;
	mm_rule_report_free(env->report);
	mm_catalogue_free(env->catalogue);
	mm_config_free(env->config);
	env->report = NULL;
	env->catalogue = NULL;
	env->config = NULL;
}

size_t cli_print_rule_problems(FILE *f, const struct mm_rule_report *r, bool warnings)
{
	size_t n = r ? mm_rule_report_problem_count(r) : 0, rejected = 0;

	for (size_t i = 0; i < n; i++) {
		const struct mm_rule_problem *p = mm_rule_report_problem(r, i);

		if (p->is_warning && !warnings)
			continue;
		if (!p->is_warning)
			rejected++;
		fprintf(f, "%s", p->file ? p->file : "(built-in)");
		if (p->line > 0)
			fprintf(f, ":%ld", p->line);
		fprintf(f, ": %s: %s", p->engine ? p->engine : "?",
			p->is_warning ? "warning" : "rejected");
		if (p->rule_id)
			fprintf(f, " %s", p->rule_id);
		fprintf(f, ": %s\n", p->reason ? p->reason : (p->reason_key ? p->reason_key : "?"));
	}
	return rejected;
}

int cli_existing_store(const char *cmd, const struct mm_config *cfg, const char *dbarg,
		       char *buf, size_t n, const char **out)
{
	if (!dbarg) {
		const char *sp = mm_config_get(cfg, "store.path", "");

		if ((sp && *sp) ? cli_expand_home(sp, buf, n) : cli_default_db(buf, n)) {
			fprintf(stderr, "mamori %s: no HOME for the store; use --db FILE\n", cmd);
			return CLI_EXIT_USAGE;
		}
		dbarg = buf;
	}
	*out = dbarg;
	if (access(dbarg, F_OK) != 0) {
		fprintf(stderr, "mamori %s: no store at %s yet (run `mamori scan` first, "
				"or give --db FILE)\n", cmd, dbarg);
		return CLI_EXIT_ERROR;
	}
	return 0;
}

int cli_incident_db(const char *cmd, const struct cli_common *common, const char *dbarg,
		    int64_t *window, struct incident_db **out)
{
	struct cli_env env;
	struct mm_diag d;
	char path[4096];
	int rc;

	*out = NULL;
	memset(&env, 0, sizeof(env));
	rc = cli_config_load(&env, common);
	if (rc == 0) {
		if (*window < 0)
			*window = mm_config_get_int(env.config, INCIDENTS_WINDOW_KEY,
						    INCIDENTS_WINDOW_DEFAULT);
		rc = cli_existing_store(cmd, env.config, dbarg, path, sizeof(path), &dbarg);
	}
	cli_env_release(&env);
	if (rc)
		return rc;
	mm_diag_init(&d);
	rc = incident_db_open(out, dbarg, &d);
	if (rc) {
		fprintf(stderr, "mamori %s: %s: %s\n", cmd, dbarg,
			d.reason[0] ? d.reason : mm_strerror(rc));
		return CLI_EXIT_ERROR;
	}
	return 0;
}

int cli_default_db(char *buf, size_t n)
{
	const char *xdg = getenv("XDG_DATA_HOME");
	const char *home = getenv("HOME");
	const char *base, *tail;
	size_t lb, lt;

	if (xdg && *xdg == '/') {
		base = xdg;
		tail = "/mamori/mamori.db";
	} else if (home && *home) {
		base = home;
		tail = "/.local/share/mamori/mamori.db";
	} else {
		return MM_ENOENT;
	}
	/* lengths checked by hand: snprintf here makes gcc -O3 warn about a
	 * truncation the check below already handles */
	lb = strlen(base);
	lt = strlen(tail);
	if (lb + lt >= n)
		return MM_ELIMIT;
	memcpy(buf, base, lb);
	memcpy(buf + lb, tail, lt + 1);
	return 0;
}

int cli_expand_home(const char *in, char *buf, size_t n)
{
	const char *home = getenv("HOME");
	int w;

	if (in[0] == '~' && in[1] == '/') {
		if (!home || !*home)
			return MM_ENOENT;
		w = snprintf(buf, n, "%s%s", home, in + 1);
	} else {
		w = snprintf(buf, n, "%s", in);
	}
	return w < 0 || (size_t)w >= n ? MM_ELIMIT : 0;
}

bool cli_parse_uint(const char *s, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;

	if (!s || !*s)
		return false;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return false;
		if (v > (UINT64_MAX - (uint64_t)(*s - '0')) / 10)
			return false;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	if (v > max)
		return false;
	*out = v;
	return true;
}

bool cli_parse_size(const char *s, uint64_t *out)
{
	char num[32];
	size_t n = s ? strlen(s) : 0;
	unsigned shift = 0;
	uint64_t v;

	if (n == 0 || n >= sizeof(num))
		return false;
	memcpy(num, s, n + 1);
	if (n > 1 && (num[n - 1] == 'B' || num[n - 1] == 'b') &&
	    !(num[n - 2] >= '0' && num[n - 2] <= '9'))
		num[--n] = '\0';
	switch (num[n - 1]) {
	case 'k': case 'K': shift = 10; break;
	case 'm': case 'M': shift = 20; break;
	case 'g': case 'G': shift = 30; break;
	case 't': case 'T': shift = 40; break;
	default: break;
	}
	if (shift)
		num[--n] = '\0';
	if (!cli_parse_uint(num, UINT64_MAX >> shift, &v))
		return false;
	*out = v << shift;
	return true;
}

bool cli_use_color(FILE *f)
{
	const char *nc = getenv("NO_COLOR");
	const char *term = getenv("TERM");

	if (nc && *nc)
		return false;
	if (term && !strcmp(term, "dumb"))
		return false;
	return isatty(fileno(f));
}

int cli_parse_format(const char *s)
{
	if (!strcmp(s, "text"))
		return 0;
	if (!strcmp(s, "jsonl") || !strcmp(s, "json"))
		return 1;
	return -1;
}

void cli_human_bytes(uint64_t n, char *buf, size_t len)
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	double v = (double)n;
	size_t u = 0;

	while (v >= 1024 && u + 1 < MM_ARRAY_SIZE(units)) {
		v /= 1024;
		u++;
	}
	if (u == 0)
		snprintf(buf, len, "%" PRIu64 " B", n);
	else
		snprintf(buf, len, "%.1f %s", v, units[u]);
}

struct mm_output *cli_output_open(const char *cmd, const struct cli_env *env, bool deterministic,
				  const char *output, const char *format,
				  struct mm_alert_json_opts *jo)
{
	struct mm_output *out;
	struct mm_sink sink;
	FILE *f = stdout;
	bool jsonl;
	int rc;

	if (output) {
		f = fopen(output, "w");
		if (!f) {
			fprintf(stderr, "mamori %s: cannot write %s: %s\n", cmd, output,
				strerror(errno));
			return NULL;
		}
	}
	memset(jo, 0, sizeof(*jo));
	jo->ingested_us = deterministic ? 0 : mm_now_us();
	jo->observer_version = MM_VERSION;
	jo->default_host = deterministic ? NULL : env->host;
	out = mm_output_new(jo);
	if (!out) {
		if (f != stdout)
			fclose(f);
		fprintf(stderr, "mamori: out of memory\n");
		return NULL;
	}
	jsonl = format ? cli_parse_format(format) == 1 : !isatty(fileno(f));
	rc = jsonl ? mm_sink_jsonl(&sink, f, f != stdout, MM_LEVEL_INFORMATIONAL, jo)
		   : mm_sink_text(&sink, f, cli_use_color(f), MM_LEVEL_INFORMATIONAL);
	if (rc) {
		if (f != stdout)
			fclose(f);
	} else {
		rc = mm_output_add(out, &sink);	/* the sink owns f now, added or not */
	}
	if (rc) {
		fprintf(stderr, "mamori: out of memory\n");
		mm_output_free(out);
		return NULL;
	}
	return out;
}

int cli_store_out_open(struct cli_store_out *so, const char *cmd, const struct cli_env *env,
		       const char *dbarg, bool no_db, const char *args, const char *redis_url,
		       struct mm_output *out, const struct mm_alert_json_opts *jo)
{
	struct mm_store_run run;
	struct mm_sink sink;
	struct mm_diag d;
	int rc;

	memset(so, 0, sizeof(*so));
	so->run_id = -1;
	if (!dbarg && !mm_config_get_bool(env->config, "store.enabled", true))
		no_db = true;
	if (!dbarg) {
		const char *sp = mm_config_get(env->config, "store.path", "");

		if ((sp && *sp) ? cli_expand_home(sp, so->db_buf, sizeof(so->db_buf))
				: cli_default_db(so->db_buf, sizeof(so->db_buf))) {
			if (!no_db || redis_url) {
				fprintf(stderr, "mamori %s: no HOME for the store; use --db FILE%s\n",
					cmd, no_db ? "" : " or --no-db");
				return CLI_EXIT_USAGE;
			}
		} else {
			dbarg = so->db_buf;
		}
	}
	if (!no_db) {
		so->db = dbarg;
		mm_diag_init(&d);
		rc = mm_store_open(&so->store, so->db, &d);
		if (rc) {
			fprintf(stderr, "mamori %s: store %s: %s\n", cmd, so->db,
				d.reason[0] ? d.reason : mm_strerror(rc));
			return CLI_EXIT_ERROR;
		}
		memset(&run, 0, sizeof(run));
		run.started_us = mm_now_us();
		run.command = cmd;
		run.args = args ? args : "";
		run.host = env->host;
		run.version = MM_VERSION;
		run.status = "running";
		if (mm_store_run_begin(so->store, &run, &so->run_id) ||
		    mm_sink_store(&sink, so->store, so->run_id, jo) || mm_output_add(out, &sink)) {
			fprintf(stderr, "mamori %s: store %s: cannot record the run\n", cmd, so->db);
			return CLI_EXIT_ERROR;
		}
	}
	if (redis_url) {
		int w = snprintf(so->spool, sizeof(so->spool), "%s.redis-spool", dbarg);

		if (w < 0 || (size_t)w >= sizeof(so->spool)) {
			fprintf(stderr, "mamori %s: the store path is too long\n", cmd);
			return CLI_EXIT_USAGE;
		}
		mm_diag_init(&d);
		rc = incidents_redis_sink_open(redis_url, so->spool, &sink, &d);
		if (rc || mm_output_add(out, &sink)) {
			fprintf(stderr, "mamori %s: --redis %s: %s\n", cmd, redis_url,
				d.reason[0] ? d.reason : mm_strerror(rc ? rc : MM_ENOMEM));
			return CLI_EXIT_ERROR;
		}
	}
	return 0;
}

void cli_store_out_close(struct cli_store_out *so, int rc)
{
	struct mm_store_run run;

	if (!so->store)
		return;
	memset(&run, 0, sizeof(run));
	run.finished_us = mm_now_us();
	run.status = rc == CLI_EXIT_ERROR ? "error" : "done";
	mm_store_run_end(so->store, so->run_id, &run);
	mm_store_close(so->store);
	so->store = NULL;
}
