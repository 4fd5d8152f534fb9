/*
 * cmd_alerts.c — `mamori alerts`: queries the store (src/core/store.h).
 *
 * Filters become parameters of one SELECT (never SQL text). Output is the
 * stored alert JSON, one per line (jsonl), or one line per alert for
 * people (text). Exit 0 when the query ran (whether or not it matched),
 * 2 when the store cannot be read, 64 on bad usage.
 */
#include "core/compat.h"
#include "cli/cli_common.h"

#include <getopt.h>
#include <unistd.h>

static const char alerts_usage[] =
	"usage: mamori alerts [--since T] [--until T] [--level LEVEL] [--rule ID]\n"
	"                     [--engine E] [--host H] [--run ID|last] [--limit N]\n"
	"                     [--format text|jsonl] [--db FILE] [-c FILE] [--set KEY=VALUE]...\n"
	"\n"
	"Lists alerts kept in the store, oldest activity first.\n"
	"\n"
	"      --since T          activity at or after T (2024-05-01, RFC 3339, or 15m, 24h, 7d ago)\n"
	"      --until T          activity before T\n"
	"      --level LEVEL      at least LEVEL (informational, low, medium, high, critical)\n"
	"      --rule ID          this rule id, or ids starting with a prefix ending in *\n"
	"      --engine E         files, net, logs, honeypot\n"
	"      --host H           host.name\n"
	"      --run ID|last      alerts of one run (`last`: the latest)\n"
	"      --limit N          at most N alerts\n"
	"      --format FMT       text (default on a terminal) or jsonl\n"
	"      --db FILE          the store (default: store.path, ~/.local/share/mamori/mamori.db)\n"
	"  -c, --config FILE      configuration file (mamori.yaml)\n"
	"      --set KEY=VALUE    override one configuration key (repeatable)\n";

enum {
	OPT_SINCE = CLI_OPT_FIRST_FREE,
	OPT_UNTIL,
	OPT_LEVEL,
	OPT_RULE,
	OPT_ENGINE,
	OPT_HOST,
	OPT_RUN,
	OPT_LIMIT,
	OPT_FORMAT,
	OPT_DB,
	OPT_HELP,
};

static const struct option alerts_opts[] = {
	{ "since", required_argument, NULL, OPT_SINCE },
	{ "until", required_argument, NULL, OPT_UNTIL },
	{ "level", required_argument, NULL, OPT_LEVEL },
	{ "rule", required_argument, NULL, OPT_RULE },
	{ "engine", required_argument, NULL, OPT_ENGINE },
	{ "host", required_argument, NULL, OPT_HOST },
	{ "run", required_argument, NULL, OPT_RUN },
	{ "limit", required_argument, NULL, OPT_LIMIT },
	{ "format", required_argument, NULL, OPT_FORMAT },
	{ "db", required_argument, NULL, OPT_DB },
	{ "config", required_argument, NULL, 'c' },
	{ "set", required_argument, NULL, CLI_OPT_SET },
	{ "help", no_argument, NULL, OPT_HELP },
	{ NULL, 0, NULL, 0 },
};

struct printer {
	bool jsonl;
	bool color;
	uint64_t n;
	struct mm_buf buf;
};

static int print_row(void *arg, const struct mm_store_row *r)
{
	struct printer *p = arg;
	char ts[MM_TIME_STR];
	const char *name = r->level >= 0 && r->level < MM_LEVEL_COUNT ?
		mm_level_name((enum mm_level)r->level) : "?";

	p->n++;
	if (p->jsonl) {
		fputs(r->json, stdout);
		fputc('\n', stdout);
		return 0;
	}
	if (r->ts_us)
		mm_time_format(r->ts_us, ts);
	else
		snprintf(ts, sizeof(ts), "-");
	mm_buf_reset(&p->buf);
	/* stored values came from hostile input: escape before printing */
	mm_json_escape(&p->buf, r->rule_id ? r->rule_id : "?", strlen(r->rule_id ? r->rule_id : "?"));
	mm_buf_append_str(&p->buf, "  ");
	if (r->path) {
		mm_json_escape(&p->buf, r->path, strlen(r->path));
	} else if (r->src_ip || r->dst_ip) {
		mm_json_escape(&p->buf, r->src_ip ? r->src_ip : "?", strlen(r->src_ip ? r->src_ip : "?"));
		mm_buf_append_str(&p->buf, " -> ");
		mm_json_escape(&p->buf, r->dst_ip ? r->dst_ip : "?", strlen(r->dst_ip ? r->dst_ip : "?"));
	}
	if (r->host) {
		mm_buf_append_str(&p->buf, "  host=");
		mm_json_escape(&p->buf, r->host, strlen(r->host));
	}
	{
		char upper[16];
		size_t i;

		for (i = 0; name[i] && i < sizeof(upper) - 1; i++)
			upper[i] = (char)(name[i] >= 'a' && name[i] <= 'z' ? name[i] - 32 : name[i]);
		upper[i] = '\0';
		printf("%s  %s%-8s%s %s  run %" PRId64 "\n", ts, p->color ? "\033[1m" : "", upper,
		       p->color ? "\033[0m" : "", p->buf.ptr ? p->buf.ptr : "", r->run_id);
	}
	return 0;
}

static int parse_time(const char *opt, const char *s, int64_t *out)
{
	if (mm_time_parse(s, mm_now_us(), out) != 0) {
		fprintf(stderr, "mamori alerts: %s: cannot read the time '%s'\n", opt, s);
		return -1;
	}
	return 0;
}

static int alerts_run(int argc, char **argv)
{
	struct mm_store_query q;
	struct cli_common common;
	struct cli_env env;
	struct printer p;
	struct mm_store *st = NULL;
	struct mm_diag d;
	const char *db = NULL, *format = NULL;
	char db_path[4096];
	uint64_t v;
	int opt, rc, status = CLI_EXIT_ERROR;

	memset(&q, 0, sizeof(q));
	memset(&p, 0, sizeof(p));
	memset(&common, 0, sizeof(common));
	memset(&env, 0, sizeof(env));
	q.min_level = -1;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "c:", alerts_opts, NULL)) != -1) {
		int c = cli_common_option(&common, opt, optarg);

		if (c < 0)
			return CLI_EXIT_USAGE;
		if (c > 0)
			continue;
		switch (opt) {
		case OPT_SINCE:
			if (parse_time("--since", optarg, &q.since_us))
				return CLI_EXIT_USAGE;
			break;
		case OPT_UNTIL:
			if (parse_time("--until", optarg, &q.until_us))
				return CLI_EXIT_USAGE;
			break;
		case OPT_LEVEL:
			q.min_level = mm_level_parse(optarg);
			if (q.min_level < 0) {
				fprintf(stderr, "mamori alerts: unknown level '%s'\n", optarg);
				return CLI_EXIT_USAGE;
			}
			break;
		case OPT_RULE:
			q.rule = optarg;
			break;
		case OPT_ENGINE:
			q.engine = optarg;
			break;
		case OPT_HOST:
			q.host = optarg;
			break;
		case OPT_RUN:
			if (!strcmp(optarg, "last")) {
				q.run_id = -1;
			} else if (cli_parse_uint(optarg, INT64_MAX, &v) && v > 0) {
				q.run_id = (int64_t)v;
			} else {
				fprintf(stderr, "mamori alerts: --run wants a run id or 'last'\n");
				return CLI_EXIT_USAGE;
			}
			break;
		case OPT_LIMIT:
			if (!cli_parse_uint(optarg, INT64_MAX, &v)) {
				fprintf(stderr, "mamori alerts: --limit wants a number\n");
				return CLI_EXIT_USAGE;
			}
			q.limit = (int64_t)v;
			break;
		case OPT_FORMAT:
			if (cli_parse_format(optarg) < 0) {
				fprintf(stderr, "mamori alerts: --format is text or jsonl\n");
				return CLI_EXIT_USAGE;
			}
			format = optarg;
			break;
		case OPT_DB:
			db = optarg;
			break;
		case OPT_HELP:
			fputs(alerts_usage, stdout);
			return 0;
		default:
			fputs(alerts_usage, stderr);
			return CLI_EXIT_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "mamori alerts: unexpected argument '%s'\n\n%s", argv[optind],
			alerts_usage);
		return CLI_EXIT_USAGE;
	}
	rc = cli_config_load(&env, &common);
	if (rc) {
		cli_env_release(&env);
		return rc;
	}
	rc = cli_existing_store("alerts", env.config, db, db_path, sizeof(db_path), &db);
	cli_env_release(&env);
	if (rc)
		return rc;
	mm_diag_init(&d);
	rc = mm_store_open(&st, db, &d);
	if (rc) {
		fprintf(stderr, "mamori alerts: %s: %s\n", db, d.reason[0] ? d.reason : mm_strerror(rc));
		return CLI_EXIT_ERROR;
	}
	p.jsonl = format ? cli_parse_format(format) == 1 : !isatty(STDOUT_FILENO);
	p.color = !p.jsonl && cli_use_color(stdout);
	mm_buf_init(&p.buf, 1u << 20);
	rc = mm_store_query_alerts(st, &q, print_row, &p);
	if (rc) {
		fprintf(stderr, "mamori alerts: query failed: %s\n", mm_strerror(rc));
		goto out;
	}
	if (!p.jsonl && isatty(STDOUT_FILENO))
		fprintf(stderr, "%" PRIu64 " alerts\n", p.n);
	status = 0;
out:
	mm_buf_release(&p.buf);
	mm_store_close(st);
	if (fflush(stdout) != 0)
		status = CLI_EXIT_ERROR;
	return status;
}

const struct cli_command cli_command_alerts = {
	.name = "alerts",
	.synopsis = "list alerts kept in the store",
	.usage = alerts_usage,
	.run = alerts_run,
};
