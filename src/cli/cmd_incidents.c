/*
 * cmd_incidents.c — `mamori incidents`: correlates the alerts stored since
 * the last update into incidents (src/incidents/), then lists them.
 *
 * Exit 0 when the update and the listing ran, 2 when the store cannot be
 * read or written, 64 on bad usage.
 */
#include "core/compat.h"
#include "cli/cli_common.h"
#include "incidents/incidents.h"

#include <getopt.h>
#include <unistd.h>

static const char incidents_usage[] =
	"usage: mamori incidents [--since T] [--min-score N] [--format text|jsonl]\n"
	"                        [--db FILE] [--window SECONDS] [--alias HOST=ADDR]...\n"
	"                        [--no-update] [-c FILE] [--set KEY=VALUE]...\n"
	"\n"
	"Groups the alerts of the store that share a host, a victim address, a file\n"
	"hash or a container image within a time window into incidents (updated\n"
	"with the alerts added since the last run), then lists them, highest score\n"
	"first.\n"
	"\n"
	"      --since T          incidents last seen at or after T (RFC 3339, or 15m, 24h, 7d ago)\n"
	"      --min-score N      only incidents scoring at least N (0..100)\n"
	"      --format FMT       text (default on a terminal) or jsonl\n"
	"      --db FILE          the store (default: store.path, ~/.local/share/mamori/mamori.db)\n"
	"      --window SECONDS   grouping window (default 86400; incidents.window)\n"
	"      --alias HOST=ADDR  ADDR is the host named HOST (kept in the store; repeatable):\n"
	"                         network alerts about ADDR then join HOST's incidents\n"
	"      --no-update        list only; do not correlate new alerts\n"
	"  -c, --config FILE      configuration file (mamori.yaml)\n"
	"      --set KEY=VALUE    override one configuration key (repeatable)\n";

enum {
	OPT_SINCE = CLI_OPT_FIRST_FREE,
	OPT_MIN_SCORE,
	OPT_FORMAT,
	OPT_DB,
	OPT_WINDOW,
	OPT_NO_UPDATE,
	OPT_ALIAS,
	OPT_HELP,
};

static const struct option incidents_opts[] = {
	{ "since", required_argument, NULL, OPT_SINCE },
	{ "min-score", required_argument, NULL, OPT_MIN_SCORE },
	{ "format", required_argument, NULL, OPT_FORMAT },
	{ "db", required_argument, NULL, OPT_DB },
	{ "window", required_argument, NULL, OPT_WINDOW },
	{ "no-update", no_argument, NULL, OPT_NO_UPDATE },
	{ "alias", required_argument, NULL, OPT_ALIAS },
	{ "config", required_argument, NULL, 'c' },
	{ "set", required_argument, NULL, CLI_OPT_SET },
	{ "help", no_argument, NULL, OPT_HELP },
	{ NULL, 0, NULL, 0 },
};

static int print_json(void *arg, const char *json, size_t len)
{
	(void)arg;
	fwrite(json, 1, len, stdout);
	fputc('\n', stdout);
	return 0;
}

static int incidents_run(int argc, char **argv)
{
	struct cli_common common;
	struct incident_db *db = NULL;
	struct incidents_stats stats;
	struct mm_diag d;
	struct mm_buf text;
	const char *dbarg = NULL, *format = NULL;
	int64_t since = 0, window = -1;
	uint64_t v;
	int min_score = 0, opt, rc, status = CLI_EXIT_ERROR;
	bool update = true, jsonl;
	char *aliases[CLI_MAX_LIST];
	size_t n_aliases = 0, i;

	memset(&common, 0, sizeof(common));
	mm_buf_init(&text, 256u << 20);
	optind = 1;
	while ((opt = getopt_long(argc, argv, "c:", incidents_opts, NULL)) != -1) {
		int c = cli_common_option(&common, opt, optarg);

		if (c < 0)
			return CLI_EXIT_USAGE;
		if (c > 0)
			continue;
		switch (opt) {
		case OPT_SINCE:
			if (mm_time_parse(optarg, mm_now_us(), &since) != 0) {
				fprintf(stderr, "mamori incidents: --since: cannot read the time '%s'\n", optarg);
				return CLI_EXIT_USAGE;
			}
			break;
		case OPT_MIN_SCORE:
			if (!cli_parse_uint(optarg, 100, &v)) {
				fprintf(stderr, "mamori incidents: --min-score wants 0..100\n");
				return CLI_EXIT_USAGE;
			}
			min_score = (int)v;
			break;
		case OPT_FORMAT:
			if (cli_parse_format(optarg) < 0) {
				fprintf(stderr, "mamori incidents: --format is text or jsonl\n");
				return CLI_EXIT_USAGE;
			}
			format = optarg;
			break;
		case OPT_DB:
			dbarg = optarg;
			break;
		case OPT_WINDOW:
			if (!cli_parse_uint(optarg, 100ull * 365 * 86400, &v) || v == 0) {
				fprintf(stderr, "mamori incidents: --window wants a number of seconds\n");
				return CLI_EXIT_USAGE;
			}
			window = (int64_t)v;
			break;
		case OPT_ALIAS:
			if (!strchr(optarg, '=') || optarg[0] == '=' || !strchr(optarg, '=')[1] ||
			    n_aliases >= CLI_MAX_LIST) {
				fprintf(stderr, "mamori incidents: --alias wants HOST=ADDR\n");
				return CLI_EXIT_USAGE;
			}
			aliases[n_aliases++] = optarg;
			break;
		case OPT_NO_UPDATE:
			update = false;
			break;
		case OPT_HELP:
			fputs(incidents_usage, stdout);
			return 0;
		default:
			fputs(incidents_usage, stderr);
			return CLI_EXIT_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "mamori incidents: unexpected argument '%s'\n\n%s", argv[optind],
			incidents_usage);
		return CLI_EXIT_USAGE;
	}
	rc = cli_incident_db("incidents", &common, dbarg, &window, &db);
	if (rc)
		return rc;
	mm_diag_init(&d);
	for (i = 0; i < n_aliases; i++) {
		char *eq = strchr(aliases[i], '=');

		*eq = '\0';
		rc = incident_db_alias(db, aliases[i], eq + 1, &d);
		*eq = '=';
		if (rc) {
			fprintf(stderr, "mamori incidents: %s\n", d.reason[0] ? d.reason : mm_strerror(rc));
			goto out;
		}
	}
	if (update) {
		rc = incident_db_correlate(db, window * 1000000, &stats, &d);
		if (rc) {
			fprintf(stderr, "mamori incidents: %s\n", d.reason[0] ? d.reason : mm_strerror(rc));
			goto out;
		}
		if (stats.bad_json)
			fprintf(stderr, "mamori incidents: %" PRIu64 " stored alerts did not parse "
					"(kept, with what their columns say)\n", stats.bad_json);
	}
	jsonl = format ? cli_parse_format(format) == 1 : !isatty(STDOUT_FILENO);
	if (jsonl) {
		rc = incident_db_each(db, since, min_score, print_json, NULL);
	} else {
		rc = incident_db_text(db, since, min_score, &text);
		if (rc == 0 && text.len)
			fwrite(text.ptr, 1, text.len, stdout);
	}
	if (rc) {
		fprintf(stderr, "mamori incidents: listing failed: %s\n", mm_strerror(rc));
		goto out;
	}
	status = 0;
out:
	mm_buf_release(&text);
	incident_db_close(db);
	if (fflush(stdout) != 0)
		status = CLI_EXIT_ERROR;
	return status;
}

const struct cli_command cli_command_incidents = {
	.name = "incidents",
	.synopsis = "group stored alerts into incidents and list them",
	.usage = incidents_usage,
	.run = incidents_run,
};
