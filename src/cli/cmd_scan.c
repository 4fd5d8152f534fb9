/*
 * cmd_scan.c — `mamori scan PATH...`, the main job: walk, classify, route
 * to the engines, report (text or JSON lines, the store), summarise, and
 * exit 0 (nothing found), 1 (alerts), 2 (some input not fully examined,
 * which wins over 1), 64 (bad command line).
 *
 * The pipeline itself is core's (src/core/scan.h); this file turns options
 * into struct mm_scan_opts, sets up the sinks and the store, draws the
 * progress line, handles SIGINT/SIGTERM (the first one stops the walk and
 * lets the workers finish or abandon their inputs, which are recorded as
 * interrupted; the store is committed either way) and prints the summary.
 */
#include "core/compat.h"
#include "cli/cli_common.h"
#include "incidents/incidents.h"

#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>

static const char scan_usage[] =
	"usage: mamori scan [-j N] [-r RULES]... [--no-bundled-rules] [--format text|jsonl|eve]\n"
	"                   [-o FILE] [-q] [--deterministic] [-x] [--exclude GLOB]...\n"
	"                   [--max-size SIZE] [--timeout SEC] [--changed] [--db FILE | --no-db]\n"
	"                   [-c FILE] [--set KEY=VALUE]... [--log TYPES] [--level LEVEL]\n"
	"                   [--summary-json FILE] PATH...\n"
	"\n"
	"Walks every PATH, classifies each file by content and hands it to the engine\n"
	"that owns its kind. Inputs no engine owns are reported as \"no engine yet\".\n"
	"\n"
	"  -j, --threads N        worker threads (default: one per CPU)\n"
	"  -r, --rules FILE|DIR   extra rule files for the engines (repeatable)\n"
	"      --no-bundled-rules do not load the rules shipped with mamori\n"
	"      --format FMT       text (default on a terminal), jsonl, or eve (jsonl plus\n"
	"                         Suricata-EVE alert records of the network rules)\n"
	"  -o, --output FILE      write alerts to FILE instead of standard output\n"
	"  -q, --quiet            no progress line, no summary\n"
	"      --deterministic    stable order, no wall-clock values (golden tests)\n"
	"  -x, --one-file-system  do not enter other file systems\n"
	"      --exclude GLOB     skip paths or names matching GLOB (repeatable)\n"
	"      --max-size SIZE    skip files larger than SIZE (e.g. 512M)\n"
	"      --timeout SEC      time allowed per input\n"
	"      --changed          only inputs changed since they were last examined\n"
	"      --db FILE          the alert store (default ~/.local/share/mamori/mamori.db)\n"
	"      --no-db            do not write the store\n"
	"  -c, --config FILE      configuration file (mamori.yaml)\n"
	"      --set KEY=VALUE    override one configuration key (repeatable)\n"
	"      --log TYPES        also write transaction records (http,dns,... or all)\n"
	"      --level LEVEL      print alerts of at least LEVEL (informational..critical)\n"
	"      --summary-json FILE  also write the summary as one JSON object to FILE\n"
	"      --redis URL        also append every alert to a Redis stream (fleet output;\n"
	"                         spooled while Redis is unreachable)\n"
	"      --no-incidents     do not update the store's incidents after the scan\n"
	"\n"
	"Exit status: 0 nothing found, 1 alerts, 2 some input was not fully examined\n"
	"(2 wins over 1), 64 bad usage.\n";

enum {
	OPT_FORMAT = CLI_OPT_FIRST_FREE,
	OPT_EXCLUDE,
	OPT_MAX_SIZE,
	OPT_TIMEOUT,
	OPT_CHANGED,
	OPT_DB,
	OPT_NO_DB,
	OPT_LOG,
	OPT_LEVEL,
	OPT_SUMMARY_JSON,
	OPT_REDIS,
	OPT_NO_INCIDENTS,
	OPT_HELP,
};

static const struct option scan_opts[] = {
	{ "threads", required_argument, NULL, 'j' },
	{ "rules", required_argument, NULL, 'r' },
	{ "no-bundled-rules", no_argument, NULL, CLI_OPT_NO_BUNDLED },
	{ "format", required_argument, NULL, OPT_FORMAT },
	{ "output", required_argument, NULL, 'o' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "deterministic", no_argument, NULL, CLI_OPT_DETERMINISTIC },
	{ "one-file-system", no_argument, NULL, 'x' },
	{ "exclude", required_argument, NULL, OPT_EXCLUDE },
	{ "max-size", required_argument, NULL, OPT_MAX_SIZE },
	{ "timeout", required_argument, NULL, OPT_TIMEOUT },
	{ "changed", no_argument, NULL, OPT_CHANGED },
	{ "db", required_argument, NULL, OPT_DB },
	{ "no-db", no_argument, NULL, OPT_NO_DB },
	{ "config", required_argument, NULL, 'c' },
	{ "set", required_argument, NULL, CLI_OPT_SET },
	{ "log", required_argument, NULL, OPT_LOG },
	{ "level", required_argument, NULL, OPT_LEVEL },
	{ "summary-json", required_argument, NULL, OPT_SUMMARY_JSON },
	{ "redis", required_argument, NULL, OPT_REDIS },
	{ "no-incidents", no_argument, NULL, OPT_NO_INCIDENTS },
	{ "help", no_argument, NULL, OPT_HELP },
	{ NULL, 0, NULL, 0 },
};

/* The scan being run, for the signal handler (the CLI may hold globals). */
static struct mm_scan *volatile g_scan;

static void on_signal(int sig)
{
	struct mm_scan *s = g_scan;

	if (s)
		mm_scan_interrupt(s);
	/* a second signal ends the program the default way */
	signal(sig, SIG_DFL);
}

struct progress {
	struct mm_scan *scan;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool done;
};

static void *progress_main(void *p)
{
	struct progress *pr = p;
	char b1[32], line[256];
	int n;

	pthread_mutex_lock(&pr->lock);
	while (!pr->done) {
		struct mm_scan_progress sp;
		struct timespec ts;
		double secs, rate;

		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 250 * 1000 * 1000;	/* at most 4 updates a second */
		if (ts.tv_nsec >= 1000000000) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000;
		}
		pthread_cond_timedwait(&pr->cond, &pr->lock, &ts);
		if (pr->done)
			break;
		mm_scan_get_progress(pr->scan, &sp);
		secs = (double)sp.elapsed_us / 1e6;
		rate = secs > 0 ? (double)sp.inputs / secs : 0;
		cli_human_bytes(sp.bytes, b1, sizeof(b1));
		/* one write per update, so lines of alerts never land inside it */
		n = snprintf(line, sizeof(line), "\r\033[K%" PRIu64, sp.inputs);
		if (sp.walk_done)
			n += snprintf(line + n, sizeof(line) - (size_t)n, "/%" PRIu64, sp.walked_files);
		n += snprintf(line + n, sizeof(line) - (size_t)n,
			      " inputs, %s, %" PRIu64 " alerts, %.0f inputs/s", b1, sp.alerts, rate);
		if (sp.walk_done && secs > 1 && sp.bytes > 0 && sp.walked_bytes > sp.bytes) {
			double bps = (double)sp.bytes / secs;
			double eta = (double)(sp.walked_bytes - sp.bytes) / bps;

			snprintf(line + n, sizeof(line) - (size_t)n, ", ETA %.0fs", eta);
		}
		fputs(line, stderr);
		fflush(stderr);
	}
	pthread_mutex_unlock(&pr->lock);
	fprintf(stderr, "\r\033[K");
	fflush(stderr);
	return NULL;
}

struct changed_state {
	struct mm_store *store;
	int64_t run_id;
	/* per engine: digest of mamori's version, the engine and its rules;
	 * empty when the engine cannot say (then it always rescans) */
	char ruleset[CLI_MAX_ENGINES][65];
};

static bool is_unchanged(void *arg, const struct mm_input *in, size_t engine)
{
	struct changed_state *c = arg;

	if (engine >= CLI_MAX_ENGINES || !c->ruleset[engine][0])
		return false;
	return mm_store_file_unchanged(c->store, in, c->ruleset[engine]);
}

/* before the file is opened: unchanged under the current rules of
 * whichever engine examined it last (same content, same engine) */
static bool is_unchanged_stat(void *arg, const struct mm_input *in)
{
	struct changed_state *c = arg;

	return mm_store_file_unchanged_any(c->store, in);
}

static void was_examined(void *arg, const struct mm_input *in, size_t engine)
{
	struct changed_state *c = arg;

	if (engine < CLI_MAX_ENGINES && c->ruleset[engine][0])
		mm_store_file_examined(c->store, in, c->ruleset[engine], c->run_id);
}

/* Fills the per-engine digests; returns how many engines cannot tell. */
static size_t ruleset_digests(const struct cli_env *env, struct changed_state *c)
{
	size_t unstable = 0;

	for (size_t i = 0; i < env->n_engines && i < CLI_MAX_ENGINES; i++) {
		const char *id = env->engines[i]->ruleset_id ?
			env->engines[i]->ruleset_id(env->states[i]) : NULL;
		struct mm_buf b;
		uint8_t d[32];

		c->ruleset[i][0] = '\0';
		if (!id) {
			unstable++;
			continue;
		}
		mm_buf_init(&b, 1u << 16);
		if (mm_buf_appendf(&b, "%s|%s|%s", MM_VERSION, env->engines[i]->name, id) == 0) {
			mm_sha256(b.ptr, b.len, d);
			mm_hex(d, sizeof(d), c->ruleset[i]);
		}
		mm_buf_release(&b);
	}
	return unstable;
}

static void put_escaped(FILE *f, const char *s)
{
	struct mm_buf b;

	mm_buf_init(&b, 1u << 16);
	if (mm_json_escape(&b, s, strlen(s)) == 0 && b.ptr)
		fputs(b.ptr, f);
	mm_buf_release(&b);
}

static void print_summary(FILE *f, const struct mm_scan_summary *s, const struct cli_env *env,
			  bool deterministic)
{
	char b[32];
	bool any;

	cli_human_bytes(s->bytes, b, sizeof(b));
	fprintf(f, "\nmamori scan: %" PRIu64 " inputs, %" PRIu64 " fully examined (%" PRIu64
		   " empty), %s\n", s->inputs, s->examined, s->empty, b);
	if (s->unchanged)
		fprintf(f, "  unchanged since last examined (--changed): %" PRIu64 "\n", s->unchanged);
	fprintf(f, "  alerts: %" PRIu64, s->alerts);
	any = false;
	for (int l = MM_LEVEL_COUNT - 1; l >= 0; l--) {
		if (!s->alerts_by_level[l])
			continue;
		fprintf(f, "%s%" PRIu64 " %s", any ? ", " : " (", s->alerts_by_level[l],
			mm_level_name((enum mm_level)l));
		any = true;
	}
	fprintf(f, "%s\n", any ? ")" : "");
	if (s->skipped) {
		fprintf(f, "  not examined: %" PRIu64 "\n", s->skipped);
		for (int r = 0; r < MM_SKIP_COUNT; r++) {
			uint64_t n = s->skipped_by_reason[r];

			if (!n)
				continue;
			fprintf(f, "    %-20s %" PRIu64, mm_skip_name((enum mm_skip)r), n);
			if (r == MM_SKIP_NO_ENGINE) {
				bool first = true;

				for (int k = 0; k < MM_KIND_COUNT; k++) {
					if (!s->no_engine_by_kind[k])
						continue;
					fprintf(f, "%s%s %" PRIu64, first ? " (" : ", ",
						mm_kind_name((enum mm_kind)k), s->no_engine_by_kind[k]);
					first = false;
				}
				if (!first)
					fputc(')', f);
			}
			fputc('\n', f);
			for (uint64_t k = 0; k < n && k < MM_SCAN_FIRST_PATHS; k++) {
				fputs("      ", f);
				put_escaped(f, s->first_skipped[r][k]);
				fputc('\n', f);
			}
			if (n > MM_SCAN_FIRST_PATHS)
				fprintf(f, "      ...\n");
		}
	}
	if (s->partial) {
		fprintf(f, "  examined in part: %" PRIu64 " (", s->partial);
		any = false;
		for (int r = 0; r < MM_SKIP_COUNT; r++) {
			if (!s->partial_by_reason[r])
				continue;
			fprintf(f, "%s%s %" PRIu64, any ? ", " : "", mm_skip_name((enum mm_skip)r),
				s->partial_by_reason[r]);
			any = true;
		}
		fprintf(f, ")\n");
	}
	fprintf(f, "  walked: %" PRIu64 " directories", s->walk.dirs);
	if (s->walk.excluded)
		fprintf(f, ", %" PRIu64 " excluded", s->walk.excluded);
	if (s->walk.symlinks_skipped)
		fprintf(f, ", %" PRIu64 " symlinks not followed", s->walk.symlinks_skipped);
	if (s->walk.other_fs)
		fprintf(f, ", %" PRIu64 " other file systems not entered", s->walk.other_fs);
	fputc('\n', f);
	if (env->n_engines) {
		fprintf(f, "  engines:");
		for (size_t i = 0; i < env->n_engines && i < MM_ARRAY_SIZE(s->by_engine); i++)
			fprintf(f, "%s %s %" PRIu64, i ? "," : "", env->engines[i]->name,
				s->by_engine[i]);
		fputc('\n', f);
	} else {
		fprintf(f, "  engines: none built yet\n");
	}
	for (size_t i = 0; i < s->n_counters; i++)
		fprintf(f, "    %-32s %" PRIu64 "\n", s->counters[i].name, s->counters[i].value);
	if (s->counters_dropped)
		fprintf(f, "    (%" PRIu64 " counters not kept)\n", s->counters_dropped);
	if (s->sink_errors)
		fprintf(f, "  output errors: %" PRIu64 "\n", s->sink_errors);
	if (s->interrupted)
		fprintf(f, "  interrupted: inputs not reached were not examined\n");
	if (!deterministic) {
		double secs = (double)s->duration_us / 1e6;

		fprintf(f, "  duration: %.2f s", secs);
		if (secs > 0)
			fprintf(f, " (%.0f inputs/s)", (double)s->inputs / secs);
		fputc('\n', f);
	}
}

/* The summary as one JSON object (for scripts and CI), same counts as the
 * text summary; no duration in deterministic mode. */
static int write_summary_json(const char *path, const struct mm_scan_summary *s,
			      const struct cli_env *env, bool deterministic)
{
	struct mm_buf b;
	struct mm_json j;
	FILE *f = NULL;
	int rc;

	mm_buf_init(&b, 1u << 20);
	mm_json_init(&j, &b);
	mm_json_object_begin(&j, NULL);
	mm_json_uint(&j, "inputs", s->inputs);
	mm_json_uint(&j, "examined", s->examined);
	mm_json_uint(&j, "empty", s->empty);
	mm_json_uint(&j, "unchanged", s->unchanged);
	mm_json_uint(&j, "bytes", s->bytes);
	mm_json_object_begin(&j, "alerts");
	mm_json_uint(&j, "total", s->alerts);
	for (int l = 0; l < MM_LEVEL_COUNT; l++)
		mm_json_uint(&j, mm_level_name((enum mm_level)l), s->alerts_by_level[l]);
	mm_json_object_end(&j);
	mm_json_object_begin(&j, "skipped");
	mm_json_uint(&j, "total", s->skipped);
	for (int r = 0; r < MM_SKIP_COUNT; r++) {
		if (s->skipped_by_reason[r])
			mm_json_uint(&j, mm_skip_name((enum mm_skip)r), s->skipped_by_reason[r]);
	}
	mm_json_object_end(&j);
	mm_json_object_begin(&j, "partial");
	mm_json_uint(&j, "total", s->partial);
	for (int r = 0; r < MM_SKIP_COUNT; r++) {
		if (s->partial_by_reason[r])
			mm_json_uint(&j, mm_skip_name((enum mm_skip)r), s->partial_by_reason[r]);
	}
	mm_json_object_end(&j);
	mm_json_object_begin(&j, "no_engine");
	for (int k = 0; k < MM_KIND_COUNT; k++) {
		if (s->no_engine_by_kind[k])
			mm_json_uint(&j, mm_kind_name((enum mm_kind)k), s->no_engine_by_kind[k]);
	}
	mm_json_object_end(&j);
	mm_json_object_begin(&j, "engines");
	for (size_t i = 0; i < env->n_engines && i < MM_ARRAY_SIZE(s->by_engine); i++)
		mm_json_uint(&j, env->engines[i]->name, s->by_engine[i]);
	mm_json_object_end(&j);
	mm_json_object_begin(&j, "counters");
	for (size_t i = 0; i < s->n_counters; i++)
		mm_json_uint(&j, s->counters[i].name, s->counters[i].value);
	mm_json_object_end(&j);
	mm_json_object_begin(&j, "walk");
	mm_json_uint(&j, "directories", s->walk.dirs);
	mm_json_uint(&j, "excluded", s->walk.excluded);
	mm_json_uint(&j, "symlinks_not_followed", s->walk.symlinks_skipped);
	mm_json_uint(&j, "other_fs", s->walk.other_fs);
	mm_json_object_end(&j);
	mm_json_uint(&j, "output_errors", s->sink_errors);
	mm_json_bool(&j, "interrupted", s->interrupted);
	if (!deterministic)
		mm_json_double(&j, "duration_s", (double)s->duration_us / 1e6);
	mm_json_object_end(&j);
	rc = mm_json_finish(&j);
	if (rc == 0) {
		f = fopen(path, "w");
		if (!f || fprintf(f, "%s\n", b.ptr) < 0)
			rc = MM_EIO;
		if (f && fclose(f) != 0)
			rc = MM_EIO;
	}
	mm_buf_release(&b);
	return rc;
}

static char *join_args(int argc, char **argv)
{
	struct mm_buf b;

	mm_buf_init(&b, 1u << 16);
	for (int i = 0; i < argc; i++) {
		if (i)
			mm_buf_append_byte(&b, ' ');
		mm_buf_append_str(&b, argv[i]);
	}
	return mm_buf_detach(&b, NULL);
}

static int split_globs(const char *csv, const char **list, size_t *n, char **owned)
{
	char *copy, *save = NULL;

	if (!csv || !*csv)
		return 0;
	copy = strdup(csv);
	if (!copy)
		return MM_ENOMEM;
	*owned = copy;
	for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		if (*n == CLI_MAX_LIST)
			return MM_ELIMIT;
		list[(*n)++] = t;
	}
	return 0;
}

static int scan_run(int argc, char **argv)
{
	struct cli_common common;
	struct cli_env env;
	struct mm_scan_opts so;
	struct mm_scan_summary *sum = NULL;
	struct mm_alert_json_opts jo;
	struct mm_output *out = NULL;
	struct mm_store *store = NULL;
	struct mm_scan *scan = NULL;
	struct changed_state changed;
	struct mm_sink sink;
	struct progress pr;
	pthread_t progress_thread;
	bool progress_on = false;
	const char *excludes[CLI_MAX_LIST];
	size_t n_excludes = 0;
	char *exclude_csv = NULL, *args = NULL;
	const char *format = NULL, *output = NULL, *db = NULL, *log_types = NULL;
	bool eve = false;
	char eve_types[512];
	const char *summary_json = NULL, *redis_url = NULL;
	bool no_incidents = false;
	char spool[4200];
	bool quiet = false, one_fs = false, no_db = false, want_changed = false;
	bool threads_set = false, max_set = false, timeout_set = false;
	uint64_t threads = 0, max_size = 0, timeout = 0;
	int min_level = MM_LEVEL_INFORMATIONAL, as_jsonl, opt, rc, status = CLI_EXIT_ERROR;
	char db_path[4096];
	int64_t run_id = 0;
	FILE *fout = stdout;

	memset(&common, 0, sizeof(common));
	memset(&env, 0, sizeof(env));
	memset(&changed, 0, sizeof(changed));
	optind = 1;
	opterr = 1;
	while ((opt = getopt_long(argc, argv, "j:r:o:qxc:", scan_opts, NULL)) != -1) {
		int c = cli_common_option(&common, opt, optarg);

		if (c < 0)
			return CLI_EXIT_USAGE;
		if (c > 0)
			continue;
		switch (opt) {
		case 'j':
			if (!cli_parse_uint(optarg, 256, &threads) || threads == 0) {
				fprintf(stderr, "mamori scan: -j wants a number from 1 to 256\n");
				return CLI_EXIT_USAGE;
			}
			threads_set = true;
			break;
		case OPT_FORMAT:
			/* eve: JSON lines plus Suricata-EVE alert records of
			 * the network rules (record type "eve") */
			eve = !strcmp(optarg, "eve");
			if (!eve && cli_parse_format(optarg) < 0) {
				fprintf(stderr, "mamori scan: --format is text, jsonl or eve\n");
				return CLI_EXIT_USAGE;
			}
			format = eve ? "jsonl" : optarg;
			break;
		case 'o':
			output = optarg;
			break;
		case 'q':
			quiet = true;
			break;
		case 'x':
			one_fs = true;
			break;
		case OPT_EXCLUDE:
			if (n_excludes == CLI_MAX_LIST) {
				fprintf(stderr, "mamori scan: too many --exclude\n");
				return CLI_EXIT_USAGE;
			}
			excludes[n_excludes++] = optarg;
			break;
		case OPT_MAX_SIZE:
			if (!cli_parse_size(optarg, &max_size)) {
				fprintf(stderr, "mamori scan: --max-size wants a size like 512M\n");
				return CLI_EXIT_USAGE;
			}
			max_set = true;
			break;
		case OPT_TIMEOUT:
			if (!cli_parse_uint(optarg, 86400 * 7, &timeout)) {
				fprintf(stderr, "mamori scan: --timeout wants seconds\n");
				return CLI_EXIT_USAGE;
			}
			timeout_set = true;
			break;
		case OPT_CHANGED:
			want_changed = true;
			break;
		case OPT_DB:
			db = optarg;
			break;
		case OPT_NO_DB:
			no_db = true;
			break;
		case OPT_LOG:
			log_types = optarg;
			break;
		case OPT_REDIS:
			redis_url = optarg;
			break;
		case OPT_NO_INCIDENTS:
			no_incidents = true;
			break;
		case OPT_LEVEL:
			min_level = mm_level_parse(optarg);
			if (min_level < 0) {
				fprintf(stderr, "mamori scan: unknown level '%s'\n", optarg);
				return CLI_EXIT_USAGE;
			}
			break;
		case OPT_SUMMARY_JSON:
			summary_json = optarg;
			break;
		case OPT_HELP:
			fputs(scan_usage, stdout);
			return 0;
		default:
			fputs(scan_usage, stderr);
			return CLI_EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "mamori scan: no PATH given\n\n%s", scan_usage);
		return CLI_EXIT_USAGE;
	}
	if (want_changed && no_db) {
		fprintf(stderr, "mamori scan: --changed needs the store (drop --no-db)\n");
		return CLI_EXIT_USAGE;
	}
	if (db && no_db) {
		fprintf(stderr, "mamori scan: --db and --no-db contradict each other\n");
		return CLI_EXIT_USAGE;
	}

	sum = calloc(1, sizeof(*sum));
	if (!sum) {
		fprintf(stderr, "mamori: out of memory\n");
		goto out;
	}
	rc = cli_config_load(&env, &common);
	if (rc) {
		status = rc;
		goto out;
	}
	/* command-line values go through the configuration, so that engines
	 * reading the same keys (scan.max_size, scan.timeout) agree */
	if (max_set || timeout_set || threads_set) {
		char v[32];

		snprintf(v, sizeof(v), "%" PRIu64, max_size);
		if (max_set && mm_config_set(env.config, "scan.max_size", v))
			goto out;
		snprintf(v, sizeof(v), "%" PRIu64, timeout);
		if (timeout_set && mm_config_set(env.config, "scan.timeout", v))
			goto out;
		snprintf(v, sizeof(v), "%" PRIu64, threads);
		if (threads_set && mm_config_set(env.config, "scan.threads", v))
			goto out;
	}
	threads = (uint64_t)MM_MAX(0, MM_MIN(256, mm_config_get_int(env.config, "scan.threads", 0)));
	max_size = mm_config_get_size(env.config, "scan.max_size", 0);
	timeout = (uint64_t)MM_MAX(0, MM_MIN(86400 * 7, mm_config_get_int(env.config, "scan.timeout", 0)));
	if (!one_fs)
		one_fs = mm_config_get_bool(env.config, "scan.one_filesystem", false);
	if (!format) {
		const char *f = mm_config_get(env.config, "output.format", "auto");

		if (f && cli_parse_format(f) >= 0)
			format = f;
	}
	if (!db && !want_changed && !mm_config_get_bool(env.config, "store.enabled", true))
		no_db = true;
	if (split_globs(mm_config_get(env.config, "scan.exclude", ""), excludes, &n_excludes,
			&exclude_csv)) {
		fprintf(stderr, "mamori scan: too many exclude globs\n");
		goto out;
	}
	if (cli_engines_open(&env, &common, NULL))
		goto out;
	if (!quiet) {
		size_t rejected = mm_rule_report_problem_count(env.report) ?
			cli_print_rule_problems(stderr, env.report, false) : 0;

		if (rejected)
			fprintf(stderr, "mamori scan: %zu rules were rejected (above); "
					"`mamori rules check` shows them again\n", rejected);
	}

	/* outputs */
	if (output) {
		fout = fopen(output, "w");
		if (!fout) {
			fprintf(stderr, "mamori scan: cannot write %s: %s\n", output, strerror(errno));
			fout = stdout;
			goto out;
		}
	}
	as_jsonl = format ? cli_parse_format(format) : !isatty(fileno(fout));
	memset(&jo, 0, sizeof(jo));
	jo.ingested_us = common.deterministic ? 0 : mm_now_us();
	jo.observer_version = MM_VERSION;
	jo.default_host = common.deterministic ? NULL : env.host;
	out = mm_output_new(&jo);
	if (!out) {
		fprintf(stderr, "mamori: out of memory\n");
		goto out;
	}
	if (as_jsonl)
		rc = mm_sink_jsonl(&sink, fout, fout != stdout, (enum mm_level)min_level, &jo);
	else
		rc = mm_sink_text_ex(&sink, fout, cli_use_color(fout),
				     !quiet && isatty(fileno(fout)) && isatty(STDERR_FILENO),
				     (enum mm_level)min_level);
	if (rc) {
		fprintf(stderr, "mamori: out of memory\n");
		goto out;
	}
	rc = mm_output_add(out, &sink);
	fout = NULL;	/* the sink owns it now (closed even if add failed) */
	if (rc) {
		fprintf(stderr, "mamori: out of memory\n");
		goto out;
	}
	if (eve) {
		snprintf(eve_types, sizeof(eve_types), "%s%seve", log_types ? log_types : "",
			 log_types ? "," : "");
		log_types = eve_types;
	}
	if (log_types && mm_output_want_records(out, log_types)) {
		fprintf(stderr, "mamori scan: bad --log list\n");
		goto out;
	}
	args = join_args(argc, argv);
	if (!no_db) {
		struct mm_store_run run;
		struct mm_diag d;
		const char *cfg_db = mm_config_get(env.config, "store.path", "");

		if (!db && cfg_db && *cfg_db) {
			if (cli_expand_home(cfg_db, db_path, sizeof(db_path))) {
				fprintf(stderr, "mamori scan: store.path %s: no HOME to expand ~; "
						"use --db or --no-db\n", cfg_db);
				goto out;
			}
			db = db_path;
		}
		if (!db) {
			if (cli_default_db(db_path, sizeof(db_path))) {
				fprintf(stderr, "mamori scan: no HOME for the store; use --db or --no-db\n");
				goto out;
			}
			db = db_path;
		}
		mm_diag_init(&d);
		rc = mm_store_open(&store, db, &d);
		if (rc) {
			fprintf(stderr, "mamori scan: store %s: %s\n", db,
				d.reason[0] ? d.reason : mm_strerror(rc));
			goto out;
		}
		memset(&run, 0, sizeof(run));
		run.started_us = mm_now_us();
		run.command = "scan";
		run.args = args;
		run.host = env.host;
		run.version = MM_VERSION;
		run.status = "running";
		/* --changed: the run's row waits for the run's first write, so
		 * that an unchanged tree writes nothing (see below) */
		if ((want_changed ? mm_store_run_defer(store, &run, &run_id)
				  : mm_store_run_begin(store, &run, &run_id)) ||
		    mm_sink_store(&sink, store, run_id, &jo) || mm_output_add(out, &sink)) {
			fprintf(stderr, "mamori scan: store %s: cannot record the run\n", db);
			goto out;
		}
	}

	if (redis_url) {
		struct mm_sink rs;
		struct mm_diag d;
		char dflt[4096];

		/* the spool sits beside the store, so that a later scan resends
		 * what Redis has not taken yet */
		if (!db && cli_default_db(dflt, sizeof(dflt))) {
			fprintf(stderr, "mamori scan: no HOME for the Redis spool; use --db\n");
			goto out;
		}
		snprintf(spool, sizeof(spool), "%s.redis-spool", db ? db : dflt);
		mm_diag_init(&d);
		rc = incidents_redis_sink_open(redis_url, spool, &rs, &d);
		if (rc || mm_output_add(out, &rs)) {
			fprintf(stderr, "mamori scan: --redis %s: %s\n", redis_url,
				d.reason[0] ? d.reason : mm_strerror(rc ? rc : MM_ENOMEM));
			goto out;
		}
	}

	memset(&so, 0, sizeof(so));
	so.paths = (const char *const *)(argv + optind);
	so.n_paths = (size_t)(argc - optind);
	so.threads = (unsigned)threads;
	so.one_filesystem = one_fs;
	so.excludes = excludes;
	so.n_excludes = n_excludes;
	so.max_size = max_size;
	so.timeout_s = (int)timeout;
	so.deterministic = common.deterministic;
	so.engines = env.engines;
	so.engine_states = env.states;
	so.config = env.config;
	so.out = out;
	if (want_changed && store) {
		size_t unstable;

		changed.store = store;
		changed.run_id = run_id;
		unstable = ruleset_digests(&env, &changed);
		if (unstable && !quiet)
			fprintf(stderr, "mamori scan: --changed: %zu engine(s) cannot tell whether "
					"their rules changed; they examine everything they own\n",
				unstable);
		so.unchanged = is_unchanged;
		so.examined = was_examined;
		so.changed_arg = &changed;
		{
			const char *ids[CLI_MAX_ENGINES];
			size_t n = 0;

			for (size_t i = 0; i < env.n_engines && i < CLI_MAX_ENGINES; i++)
				if (changed.ruleset[i][0])
					ids[n++] = changed.ruleset[i];
			/* without the table in memory every file is asked after
			 * it is read and classified, one SQLite query each */
			if (mm_store_file_state_load(store, ids, n) == 0 &&
			    mm_store_file_state_loaded(store) > 0)
				so.unchanged_stat = is_unchanged_stat;
		}
	}
	scan = mm_scan_new(&so);
	if (!scan) {
		fprintf(stderr, "mamori: out of memory\n");
		goto out;
	}
	g_scan = scan;
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGPIPE, SIG_IGN);
	if (!quiet && isatty(STDERR_FILENO)) {
		memset(&pr, 0, sizeof(pr));
		pr.scan = scan;
		pthread_mutex_init(&pr.lock, NULL);
		pthread_cond_init(&pr.cond, NULL);
		progress_on = pthread_create(&progress_thread, NULL, progress_main, &pr) == 0;
	}
	rc = mm_scan_run(scan, sum);
	if (progress_on) {
		pthread_mutex_lock(&pr.lock);
		pr.done = true;
		pthread_cond_signal(&pr.cond);
		pthread_mutex_unlock(&pr.lock);
		pthread_join(progress_thread, NULL);
	}
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	g_scan = NULL;
	if (mm_output_flush(out))
		sum->sink_errors++;
	if (rc && rc != MM_EINTR)
		fprintf(stderr, "mamori scan: %s\n", mm_strerror(rc));
	if (store) {
		struct mm_store_run run;

		memset(&run, 0, sizeof(run));
		run.finished_us = mm_now_us();
		run.status = rc == MM_EINTR ? "interrupted" : rc ? "error" : "done";
		run.inputs = sum->inputs;
		run.examined = sum->examined;
		run.skipped = sum->skipped;
		run.partial = sum->partial;
		run.alerts = sum->alerts;
		run.bytes = sum->bytes;
		/* a --changed run that found nothing to write leaves no row:
		 * no transaction at all, so no checkpoint and no fdatasync */
		if ((!want_changed || rc || sum->interrupted ||
		     mm_store_run_drop(store, run_id) != 0) &&
		    mm_store_run_end(store, run_id, &run))
			fprintf(stderr, "mamori scan: store %s: cannot record the end of the run\n", db);
	}
	if (!quiet)
		print_summary(as_jsonl ? stderr : stdout, sum, &env, common.deterministic);
	if (summary_json && write_summary_json(summary_json, sum, &env, common.deterministic)) {
		fprintf(stderr, "mamori scan: cannot write %s: %s\n", summary_json, strerror(errno));
		sum->sink_errors++;
	}
	/* incidents follow the store scan after scan: correlate what this
	 * run added (its own connection, once the store is closed) */
	if (store && sum->alerts && !no_incidents) {
		struct mm_diag d;

		mm_output_free(out);
		out = NULL;
		mm_store_close(store);
		store = NULL;
		mm_diag_init(&d);
		if (incidents_update(db, env.config, &d))
			fprintf(stderr, "mamori scan: incidents in %s not updated: %s\n", db,
				d.reason[0] ? d.reason : "error");
		/* the changed incidents follow the alerts on the stream */
		else if (redis_url && incidents_redis_push_incidents(redis_url, spool, db, env.host,
								     NULL, &d))
			fprintf(stderr, "mamori scan: --redis %s: incident updates: %s\n", redis_url,
				d.reason[0] ? d.reason : "error");
	}
	{
		uint64_t shown = 0;

		for (int l = min_level; l < MM_LEVEL_COUNT; l++)
			shown += sum->alerts_by_level[l];
		if (rc || sum->skipped || sum->partial || sum->sink_errors || sum->interrupted)
			status = CLI_EXIT_ERROR;
		else if (shown)
			status = CLI_EXIT_FOUND;
		else
			status = CLI_EXIT_CLEAN;
	}
out:
	mm_scan_free(scan);
	mm_output_free(out);	/* flushes and closes the sinks */
	mm_store_close(store);
	if (fout && fout != stdout)
		fclose(fout);
	cli_env_release(&env);
	free(exclude_csv);
	free(args);
	free(sum);
	if (fflush(stdout) != 0 && status != CLI_EXIT_USAGE)
		status = CLI_EXIT_ERROR;
	return status;
}

const struct cli_command cli_command_scan = {
	.name = "scan",
	.synopsis = "examine files, captures and logs for threats (the main job)",
	.usage = scan_usage,
	.run = scan_run,
};
