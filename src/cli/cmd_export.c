/*
 * cmd_export.c — `mamori export`: the store's indicators as a STIX 2.1
 * bundle (--stix FILE) and its techniques as an ATT&CK Navigator layer
 * (--attack-layer FILE); both after bringing the incidents up to date.
 *
 * "-" as FILE writes to standard output. Exit 0 when every file was
 * written, 2 on a store or file error, 64 on bad usage.
 */
#include "core/compat.h"
#include "cli/cli_common.h"
#include "incidents/incidents.h"

#include <getopt.h>
#include <unistd.h>

static const char export_usage[] =
	"usage: mamori export [--since T] [--stix FILE] [--attack-layer FILE] [--db FILE]\n"
	"                     [-c FILE] [--set KEY=VALUE]...\n"
	"\n"
	"Exports what the store knows: indicators (addresses, domains, URLs, pools,\n"
	"validated wallets, file hashes, images) as a STIX 2.1 bundle with\n"
	"deterministic ids, and the ATT&CK techniques seen as a Navigator layer\n"
	"scored by number of alerts. FILE may be - for standard output.\n"
	"\n"
	"      --since T            only what was seen at or after T\n"
	"      --stix FILE          write the STIX 2.1 bundle\n"
	"      --attack-layer FILE  write the ATT&CK Navigator layer\n"
	"      --db FILE            the store (default: store.path, ~/.local/share/mamori/mamori.db)\n"
	"  -c, --config FILE        configuration file (mamori.yaml)\n"
	"      --set KEY=VALUE      override one configuration key (repeatable)\n";

enum {
	OPT_SINCE = CLI_OPT_FIRST_FREE,
	OPT_STIX,
	OPT_ATTACK,
	OPT_DB,
	OPT_HELP,
};

static const struct option export_opts[] = {
	{ "since", required_argument, NULL, OPT_SINCE },
	{ "stix", required_argument, NULL, OPT_STIX },
	{ "attack-layer", required_argument, NULL, OPT_ATTACK },
	{ "db", required_argument, NULL, OPT_DB },
	{ "config", required_argument, NULL, 'c' },
	{ "set", required_argument, NULL, CLI_OPT_SET },
	{ "help", no_argument, NULL, OPT_HELP },
	{ NULL, 0, NULL, 0 },
};

static int put(const char *path, const struct mm_buf *b)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "wb") : stdout;
	int ok;

	if (!f)
		return -1;
	ok = fwrite(b->ptr ? b->ptr : "", 1, b->len, f) == b->len && fputc('\n', f) != EOF;
	if (f != stdout)
		ok = (fclose(f) == 0) && ok;
	return ok ? 0 : -1;
}

static int export_run(int argc, char **argv)
{
	struct cli_common common;
	struct incident_db *db = NULL;
	struct mm_diag d;
	struct mm_buf out;
	const char *dbarg = NULL, *stix = NULL, *layer = NULL;
	int64_t since = 0, window = -1;
	int opt, rc, status = CLI_EXIT_ERROR;

	memset(&common, 0, sizeof(common));
	optind = 1;
	while ((opt = getopt_long(argc, argv, "c:", export_opts, NULL)) != -1) {
		int c = cli_common_option(&common, opt, optarg);

		if (c < 0)
			return CLI_EXIT_USAGE;
		if (c > 0)
			continue;
		switch (opt) {
		case OPT_SINCE:
			if (mm_time_parse(optarg, mm_now_us(), &since) != 0) {
				fprintf(stderr, "mamori export: --since: cannot read the time '%s'\n", optarg);
				return CLI_EXIT_USAGE;
			}
			break;
		case OPT_STIX:
			stix = optarg;
			break;
		case OPT_ATTACK:
			layer = optarg;
			break;
		case OPT_DB:
			dbarg = optarg;
			break;
		case OPT_HELP:
			fputs(export_usage, stdout);
			return 0;
		default:
			fputs(export_usage, stderr);
			return CLI_EXIT_USAGE;
		}
	}
	if (optind < argc || (!stix && !layer)) {
		fprintf(stderr, "mamori export: give --stix FILE and/or --attack-layer FILE\n\n%s",
			export_usage);
		return CLI_EXIT_USAGE;
	}
	rc = cli_incident_db("export", &common, dbarg, &window, &db);
	if (rc)
		return rc;
	mm_buf_init(&out, 512u << 20);
	mm_diag_init(&d);
	rc = incident_db_correlate(db, window * 1000000, NULL, &d);
	if (rc) {
		fprintf(stderr, "mamori export: %s: %s\n", dbarg, d.reason[0] ? d.reason : mm_strerror(rc));
		goto out;
	}
	if (stix) {
		rc = incidents_export_stix(db, since, &out);
		if (rc || put(stix, &out)) {
			fprintf(stderr, "mamori export: cannot write %s: %s\n", stix,
				rc ? mm_strerror(rc) : "write failed");
			goto out;
		}
	}
	if (layer) {
		mm_buf_reset(&out);
		rc = incidents_export_attack(db, since, &out);
		if (rc || put(layer, &out)) {
			fprintf(stderr, "mamori export: cannot write %s: %s\n", layer,
				rc ? mm_strerror(rc) : "write failed");
			goto out;
		}
	}
	status = 0;
out:
	mm_buf_release(&out);
	incident_db_close(db);
	if (fflush(stdout) != 0)
		status = CLI_EXIT_ERROR;
	return status;
}

const struct cli_command cli_command_export = {
	.name = "export",
	.synopsis = "export indicators (STIX 2.1) and techniques (ATT&CK layer)",
	.usage = export_usage,
	.run = export_run,
};
