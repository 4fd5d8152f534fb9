/*
 * cmd_report.c — `mamori report`: brings the incidents up to date, then
 * writes the self-contained HTML report (--html FILE) or prints the
 * summary for a terminal (--format text).
 *
 * Exit 0 when the report was written, 2 when the store cannot be read or
 * the file written, 64 on bad usage.
 */
#include "core/compat.h"
#include "cli/cli_common.h"
#include "incidents/incidents.h"

#include <getopt.h>
#include <unistd.h>

static const char report_usage[] =
	"usage: mamori report [--since T] (--html FILE | --format text) [--db FILE]\n"
	"                     [--window SECONDS] [-c FILE] [--set KEY=VALUE]...\n"
	"\n"
	"Summarises the store: alerts by level, sensor and technique over time,\n"
	"incidents with their timelines, indicators, what was not examined and why,\n"
	"and the rule sets used. The HTML file is self-contained (inline CSS and SVG,\n"
	"no script, no external resource).\n"
	"\n"
	"      --since T          alerts at or after T (RFC 3339, or 15m, 24h, 7d ago)\n"
	"      --html FILE        write the HTML report to FILE\n"
	"      --format text      print the summary (the default without --html)\n"
	"      --db FILE          the store (default: store.path, ~/.local/share/mamori/mamori.db)\n"
	"      --window SECONDS   incident grouping window (default 86400)\n"
	"  -c, --config FILE      configuration file (mamori.yaml)\n"
	"      --set KEY=VALUE    override one configuration key (repeatable)\n";

enum {
	OPT_SINCE = CLI_OPT_FIRST_FREE,
	OPT_HTML,
	OPT_FORMAT,
	OPT_DB,
	OPT_WINDOW,
	OPT_HELP,
};

static const struct option report_opts[] = {
	{ "since", required_argument, NULL, OPT_SINCE },
	{ "html", required_argument, NULL, OPT_HTML },
	{ "format", required_argument, NULL, OPT_FORMAT },
	{ "db", required_argument, NULL, OPT_DB },
	{ "window", required_argument, NULL, OPT_WINDOW },
	{ "config", required_argument, NULL, 'c' },
	{ "set", required_argument, NULL, CLI_OPT_SET },
	{ "help", no_argument, NULL, OPT_HELP },
	{ NULL, 0, NULL, 0 },
};

static int write_file(const char *path, const char *data, size_t len)
{
	FILE *f = fopen(path, "wb");
	int ok;

	if (!f)
		return -1;
	ok = fwrite(data, 1, len, f) == len;
	ok = (fclose(f) == 0) && ok;
	return ok ? 0 : -1;
}

static int report_run(int argc, char **argv)
{
	struct cli_common common;
	struct incident_db *db = NULL;
	struct mm_diag d;
	struct mm_buf out;
	const char *dbarg = NULL, *html = NULL;
	int64_t since = 0, window = -1;
	uint64_t v;
	int opt, rc, status = CLI_EXIT_ERROR;

	memset(&common, 0, sizeof(common));
	optind = 1;
	while ((opt = getopt_long(argc, argv, "c:", report_opts, NULL)) != -1) {
		int c = cli_common_option(&common, opt, optarg);

		if (c < 0)
			return CLI_EXIT_USAGE;
		if (c > 0)
			continue;
		switch (opt) {
		case OPT_SINCE:
			if (mm_time_parse(optarg, mm_now_us(), &since) != 0) {
				fprintf(stderr, "mamori report: --since: cannot read the time '%s'\n", optarg);
				return CLI_EXIT_USAGE;
			}
			break;
		case OPT_HTML:
			html = optarg;
			break;
		case OPT_FORMAT:
			if (strcmp(optarg, "text") != 0) {
				fprintf(stderr, "mamori report: --format is text (use --html FILE for HTML)\n");
				return CLI_EXIT_USAGE;
			}
			break;
		case OPT_DB:
			dbarg = optarg;
			break;
		case OPT_WINDOW:
			if (!cli_parse_uint(optarg, 100ull * 365 * 86400, &v) || v == 0) {
				fprintf(stderr, "mamori report: --window wants a number of seconds\n");
				return CLI_EXIT_USAGE;
			}
			window = (int64_t)v;
			break;
		case OPT_HELP:
			fputs(report_usage, stdout);
			return 0;
		default:
			fputs(report_usage, stderr);
			return CLI_EXIT_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "mamori report: unexpected argument '%s'\n\n%s", argv[optind], report_usage);
		return CLI_EXIT_USAGE;
	}
	rc = cli_incident_db("report", &common, dbarg, &window, &db);
	if (rc)
		return rc;
	mm_buf_init(&out, 512u << 20);
	mm_diag_init(&d);
	rc = incident_db_correlate(db, window * 1000000, NULL, &d);
	if (rc) {
		fprintf(stderr, "mamori report: %s: %s\n", dbarg, d.reason[0] ? d.reason : mm_strerror(rc));
		goto out;
	}
	rc = html ? incidents_report_html(db, since, &out) : incidents_report_text(db, since, &out);
	if (rc) {
		fprintf(stderr, "mamori report: %s\n", mm_strerror(rc));
		goto out;
	}
	if (html) {
		if (write_file(html, out.ptr ? out.ptr : "", out.len)) {
			fprintf(stderr, "mamori report: cannot write %s\n", html);
			goto out;
		}
	} else if (out.len) {
		fwrite(out.ptr, 1, out.len, stdout);
	}
	status = 0;
out:
	mm_buf_release(&out);
	incident_db_close(db);
	if (fflush(stdout) != 0)
		status = CLI_EXIT_ERROR;
	return status;
}

const struct cli_command cli_command_report = {
	.name = "report",
	.synopsis = "summarise the store: HTML report or text",
	.usage = report_usage,
	.run = report_run,
};
