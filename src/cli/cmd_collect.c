/*
 * cmd_collect.c — `mamori collect`: the central side of the fleet stream.
 * Reads the Redis stream as a consumer group into a store (deduplicated by
 * stable id, acknowledged after commit), then brings the incidents up to
 * date, so `incidents` and `report` cover every sensor.
 *
 * Runs until SIGINT/SIGTERM, or with --idle SECONDS until the stream has
 * been quiet that long. Exit 0 on a clean stop, 2 on a Redis or store
 * error, 64 on bad usage.
 */
#include "core/compat.h"
#include "cli/cli_common.h"
#include "incidents/incidents.h"

#include <getopt.h>
#include <signal.h>
#include <unistd.h>

static const char collect_usage[] =
	"usage: mamori collect --redis URL [--db FILE] [--stream KEY] [--group G]\n"
	"                      [--consumer C] [--idle SECONDS] [-c FILE] [--set KEY=VALUE]...\n"
	"\n"
	"Reads alerts that sensors (`mamori scan --redis URL`) appended to a Redis\n"
	"stream into this store, as a consumer group: each batch is committed,\n"
	"then acknowledged; an alert already stored (same stable id) is not added\n"
	"again. The sensors' incident updates are kept (table inc_remote, the\n"
	"latest version of each); this store's incidents are updated from the\n"
	"alerts when it stops.\n"
	"\n"
	"      --redis URL        redis://HOST[:PORT][/STREAM]\n"
	"      --db FILE          the central store (default: store.path)\n"
	"      --stream KEY       the stream (default from the URL, else mamori:alerts)\n"
	"      --group G          consumer group (default mamori)\n"
	"      --consumer C       consumer name (default: this host's name)\n"
	"      --idle SECONDS     stop after SECONDS without new entries (default: run until a signal)\n"
	"  -c, --config FILE      configuration file (mamori.yaml)\n"
	"      --set KEY=VALUE    override one configuration key (repeatable)\n";

enum {
	OPT_REDIS = CLI_OPT_FIRST_FREE,
	OPT_DB,
	OPT_STREAM,
	OPT_GROUP,
	OPT_CONSUMER,
	OPT_IDLE,
	OPT_HELP,
};

static const struct option collect_opts[] = {
	{ "redis", required_argument, NULL, OPT_REDIS },
	{ "db", required_argument, NULL, OPT_DB },
	{ "stream", required_argument, NULL, OPT_STREAM },
	{ "group", required_argument, NULL, OPT_GROUP },
	{ "consumer", required_argument, NULL, OPT_CONSUMER },
	{ "idle", required_argument, NULL, OPT_IDLE },
	{ "config", required_argument, NULL, 'c' },
	{ "set", required_argument, NULL, CLI_OPT_SET },
	{ "help", no_argument, NULL, OPT_HELP },
	{ NULL, 0, NULL, 0 },
};

static volatile int collect_stop;

static void on_signal(int sig)
{
	(void)sig;
	collect_stop = 1;
}

static int collect_run(int argc, char **argv)
{
	struct cli_common common;
	struct cli_env env;
	struct incidents_collect_opts o;
	struct incidents_collect_stats st;
	struct sigaction sa;
	struct mm_diag d;
	const char *url = NULL, *dbarg = NULL;
	char db_path[4096], consumer[256];
	uint64_t v;
	int opt, rc;

	memset(&common, 0, sizeof(common));
	memset(&env, 0, sizeof(env));
	memset(&o, 0, sizeof(o));
	o.idle_ms = -1;
	o.stop = &collect_stop;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "c:", collect_opts, NULL)) != -1) {
		int c = cli_common_option(&common, opt, optarg);

		if (c < 0)
			return CLI_EXIT_USAGE;
		if (c > 0)
			continue;
		switch (opt) {
		case OPT_REDIS:
			url = optarg;
			break;
		case OPT_DB:
			dbarg = optarg;
			break;
		case OPT_STREAM:
			o.stream = optarg;
			break;
		case OPT_GROUP:
			o.group = optarg;
			break;
		case OPT_CONSUMER:
			o.consumer = optarg;
			break;
		case OPT_IDLE:
			if (!cli_parse_uint(optarg, 86400 * 365, &v)) {
				fprintf(stderr, "mamori collect: --idle wants a number of seconds\n");
				return CLI_EXIT_USAGE;
			}
			o.idle_ms = (int)(v * 1000);
			break;
		case OPT_HELP:
			fputs(collect_usage, stdout);
			return 0;
		default:
			fputs(collect_usage, stderr);
			return CLI_EXIT_USAGE;
		}
	}
	if (optind < argc || !url) {
		fprintf(stderr, "mamori collect: --redis URL is required\n\n%s", collect_usage);
		return CLI_EXIT_USAGE;
	}
	rc = cli_config_load(&env, &common);
	if (rc) {
		cli_env_release(&env);
		return rc;
	}
	if (!o.consumer) {
		snprintf(consumer, sizeof(consumer), "%s", env.host[0] ? env.host : "collector");
		o.consumer = consumer;
	}
	if (!dbarg) {
		const char *cfg = mm_config_get(env.config, "store.path", "");

		if ((cfg && *cfg) ? cli_expand_home(cfg, db_path, sizeof(db_path)) :
				    cli_default_db(db_path, sizeof(db_path))) {
			fprintf(stderr, "mamori collect: no HOME for the store; use --db FILE\n");
			cli_env_release(&env);
			return CLI_EXIT_USAGE;
		}
		dbarg = db_path;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	mm_diag_init(&d);
	rc = incidents_collect(url, dbarg, &o, &st, &d);
	fprintf(stderr, "mamori collect: %" PRIu64 " alerts stored, %" PRIu64 " duplicates, %" PRIu64
		" acknowledged, %" PRIu64 " unreadable, %" PRIu64 " other records\n",
		st.stored, st.duplicates, st.acked, st.bad, st.other);
	fprintf(stderr, "mamori collect: %" PRIu64 " incident updates stored, %" PRIu64 " duplicates, %"
		PRIu64 " older than the version stored\n", st.incidents, st.incident_dups,
		st.incident_stale);
	if (rc) {
		fprintf(stderr, "mamori collect: %s\n", d.reason[0] ? d.reason : mm_strerror(rc));
		cli_env_release(&env);
		return CLI_EXIT_ERROR;
	}
	mm_diag_init(&d);
	rc = incidents_update(dbarg, env.config, &d);
	cli_env_release(&env);
	if (rc) {
		fprintf(stderr, "mamori collect: incidents: %s\n", d.reason[0] ? d.reason : mm_strerror(rc));
		return CLI_EXIT_ERROR;
	}
	return 0;
}

const struct cli_command cli_command_collect = {
	.name = "collect",
	.synopsis = "read the fleet's Redis stream into the central store",
	.usage = collect_usage,
	.run = collect_run,
};
