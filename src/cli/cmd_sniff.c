/*
 * cmd_sniff.c — `mamori sniff`: live capture with libpcap through the
 * network engine's pipeline (the same decode, flows, reassembly, parsers
 * and detectors as `mamori scan` on a pcap), alerts to standard output
 * (or -o FILE) as text or JSON lines, to the store (committed at least
 * once a second, so that `mamori incidents` sees them while the capture
 * runs) and with --redis to the fleet stream; transaction records with
 * --log.
 *
 * Stops after --count packets, --duration seconds, or on SIGINT/SIGTERM;
 * then every open flow is ended so that detections pending at flow end are
 * raised. Exit status: 1 if anything was found, 0 if not, 2 on an error.
 */
#include "core/compat.h"
#include "cli/cli.h"
#include "cli/cli_common.h"
#include "core/sinks.h"
#include "net/net.h"

#include <errno.h>
#include <getopt.h>
#include <pcap/pcap.h>
#include <poll.h>
#include <signal.h>
#include <unistd.h>

static const char sniff_usage[] =
	"usage: mamori sniff -i IFACE [-f BPF] [--snaplen N] [--count N] [--duration S]\n"
	"                    [--format text|jsonl] [-o FILE] [--log TYPES] [--deterministic]\n"
	"                    [--db FILE | --no-db] [--redis URL]\n"
	"                    [-c FILE] [--set KEY=VALUE]...\n"
	"\n"
	"Captures live traffic on IFACE and runs it through the network engine.\n"
	"\n"
	"  -i, --interface IFACE  interface to capture on (\"lo\", \"eth0\", \"any\")\n"
	"  -f, --filter BPF       capture filter (tcpdump syntax)\n"
	"      --snaplen N        bytes kept per packet (default 262144)\n"
	"      --count N          stop after N packets\n"
	"      --duration S       stop after S seconds\n"
	"      --format FMT       text (default on a terminal) or jsonl\n"
	"  -o, --output FILE      write alerts to FILE instead of standard output\n"
	"      --log TYPES        also write transaction records (http,smb,... or all)\n"
	"      --deterministic    no wall-clock values in the output\n"
	"      --db FILE          the alert store (default ~/.local/share/mamori/mamori.db)\n"
	"      --no-db            do not write the store\n"
	"      --redis URL        also append every alert to a Redis stream (fleet output)\n"
	"  -c, --config FILE      configuration file\n"
	"      --set KEY=VALUE    override one configuration key\n";

enum {
	OPT_SNAPLEN = CLI_OPT_FIRST_FREE,
	OPT_COUNT,
	OPT_DURATION,
	OPT_FORMAT,
	OPT_LOG,
	OPT_DB,
	OPT_NO_DB,
	OPT_REDIS,
	OPT_HELP,
};

static const struct option sniff_opts[] = {
	{ "interface", required_argument, NULL, 'i' },
	{ "filter", required_argument, NULL, 'f' },
	{ "snaplen", required_argument, NULL, OPT_SNAPLEN },
	{ "count", required_argument, NULL, OPT_COUNT },
	{ "duration", required_argument, NULL, OPT_DURATION },
	{ "format", required_argument, NULL, OPT_FORMAT },
	{ "output", required_argument, NULL, 'o' },
	{ "log", required_argument, NULL, OPT_LOG },
	{ "db", required_argument, NULL, OPT_DB },
	{ "no-db", no_argument, NULL, OPT_NO_DB },
	{ "redis", required_argument, NULL, OPT_REDIS },
	{ "deterministic", no_argument, NULL, CLI_OPT_DETERMINISTIC },
	{ "config", required_argument, NULL, 'c' },
	{ "set", required_argument, NULL, CLI_OPT_SET },
	{ "help", no_argument, NULL, OPT_HELP },
	{ NULL, 0, NULL, 0 },
};

static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

static int sniff_run(int argc, char **argv)
{
	struct cli_common common;
	struct cli_env env;
	const char *iface = NULL, *filter = NULL, *format = NULL, *output = NULL, *log_types = NULL;
	const char *db = NULL, *redis_url = NULL;
	bool no_db = false;
	struct cli_store_out so;
	uint64_t snaplen = 262144, count = 0, duration = 0;
	char errbuf[PCAP_ERRBUF_SIZE];
	pcap_t *pc = NULL;
	struct mm_output *out = NULL;
	struct mm_scan_ctx *ctx = NULL;
	struct net_ctx *n = NULL;
	struct mm_alert_json_opts jo;
	void *state = NULL;
	int rc = CLI_EXIT_ERROR;
	int opt;

	memset(&common, 0, sizeof(common));
	memset(&env, 0, sizeof(env));
	memset(&so, 0, sizeof(so));
	optind = 1;
	while ((opt = getopt_long(argc, argv, "i:f:o:c:", sniff_opts, NULL)) != -1) {
		int c = cli_common_option(&common, opt, optarg);
		if (c < 0)
			return CLI_EXIT_USAGE;
		if (c > 0)
			continue;
		switch (opt) {
		case 'i':
			iface = optarg;
			break;
		case 'f':
			filter = optarg;
			break;
		case 'o':
			output = optarg;
			break;
		case OPT_SNAPLEN:
			if (!cli_parse_uint(optarg, 262144, &snaplen) || snaplen < 64) {
				fprintf(stderr, "mamori sniff: --snaplen is 64..262144\n");
				return CLI_EXIT_USAGE;
			}
			break;
		case OPT_COUNT:
			if (!cli_parse_uint(optarg, UINT64_MAX, &count)) {
				fprintf(stderr, "mamori sniff: bad --count\n");
				return CLI_EXIT_USAGE;
			}
			break;
		case OPT_DURATION:
			if (!cli_parse_uint(optarg, 86400 * 365, &duration)) {
				fprintf(stderr, "mamori sniff: bad --duration\n");
				return CLI_EXIT_USAGE;
			}
			break;
		case OPT_FORMAT:
			if (cli_parse_format(optarg) < 0) {
				fprintf(stderr, "mamori sniff: --format is text or jsonl\n");
				return CLI_EXIT_USAGE;
			}
			format = optarg;
			break;
		case OPT_LOG:
			log_types = optarg;
			break;
		case OPT_DB:
			db = optarg;
			break;
		case OPT_NO_DB:
			no_db = true;
			break;
		case OPT_REDIS:
			redis_url = optarg;
			break;
		case OPT_HELP:
			fputs(sniff_usage, stdout);
			return 0;
		default:
			fputs(sniff_usage, stderr);
			return CLI_EXIT_USAGE;
		}
	}
	if (!iface || optind != argc || (db && no_db)) {
		if (db && no_db)
			fprintf(stderr, "mamori sniff: --db and --no-db exclude each other\n");
		fputs(sniff_usage, stderr);
		return CLI_EXIT_USAGE;
	}

	if (cli_config_load(&env, &common))
		goto out;
	if (cli_engines_open(&env, &common, "net"))
		goto out;
	for (size_t i = 0; i < env.n_engines; i++) {
		if (!strcmp(env.engines[i]->name, "net"))
			state = env.states[i];
	}
	if (!state) {
		fprintf(stderr, "mamori sniff: the network engine is not available\n");
		goto out;
	}

	errbuf[0] = 0;
	pc = pcap_create(iface, errbuf);
	if (!pc) {
		fprintf(stderr, "mamori sniff: %s: %s\n", iface, errbuf);
		goto out;
	}
	pcap_set_snaplen(pc, (int)snaplen);
	pcap_set_promisc(pc, 1);
	pcap_set_timeout(pc, 200);
	pcap_set_immediate_mode(pc, 1);
	int act = pcap_activate(pc);
	if (act < 0) {
		fprintf(stderr, "mamori sniff: %s: %s\n", iface, pcap_geterr(pc));
		goto out;
	}
	if (act > 0)
		fprintf(stderr, "mamori sniff: %s: warning: %s\n", iface, pcap_geterr(pc));
	if (filter) {
		struct bpf_program prog;
		if (pcap_compile(pc, &prog, filter, 1, PCAP_NETMASK_UNKNOWN) < 0) {
			fprintf(stderr, "mamori sniff: filter: %s\n", pcap_geterr(pc));
			goto out;
		}
		int sf = pcap_setfilter(pc, &prog);
		pcap_freecode(&prog);
		if (sf < 0) {
			fprintf(stderr, "mamori sniff: filter: %s\n", pcap_geterr(pc));
			goto out;
		}
	}

	out = cli_output_open("sniff", &env, common.deterministic, output, format, &jo);
	if (!out)
		goto out;
	if (log_types && mm_output_want_records(out, log_types)) {
		fprintf(stderr, "mamori sniff: bad --log list\n");
		goto out;
	}
	if (cli_store_out_open(&so, "sniff", &env, db, no_db, iface, redis_url, out, &jo))
		goto out;
	ctx = mm_scan_ctx_new(out, env.config, common.deterministic, iface);
	if (!ctx)
		goto out;
	int nr = net_ctx_new(&n, state, ctx, pcap_datalink(pc));
	if (nr) {
		fprintf(stderr, "mamori sniff: %s: link type %d: %s\n", iface, pcap_datalink(pc),
			mm_strerror(nr));
		goto out;
	}

	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	int64_t t_end = duration ? mm_monotonic_us() + (int64_t)duration * 1000000 : 0;
	uint64_t seen = 0;
	int64_t flushed = mm_monotonic_us();
	/* non-blocking reads and a poll with a timeout, so that --duration and
	 * signals are honoured even when no packet comes */
	if (pcap_setnonblock(pc, 1, errbuf) < 0) {
		fprintf(stderr, "mamori sniff: %s: %s\n", iface, errbuf);
		goto out;
	}
	int pfd = pcap_get_selectable_fd(pc);
	rc = 0;
	while (!stop_flag) {
		struct pcap_pkthdr *h;
		const u_char *data;
		int64_t now = mm_monotonic_us();

		if (t_end && now >= t_end)
			break;
		if (now - flushed >= 1000000) {
			mm_output_flush(out);
			flushed = now;
		}
		int r = pcap_next_ex(pc, &h, &data);
		if (r == 1) {
			int64_t ts = (int64_t)h->ts.tv_sec * 1000000 + h->ts.tv_usec;
			net_ctx_packet(n, ts, data, h->caplen, h->len);
			if (count && ++seen >= count)
				break;
			continue;
		}
		if (r == PCAP_ERROR) {
			fprintf(stderr, "mamori sniff: %s: %s\n", iface, pcap_geterr(pc));
			rc = CLI_EXIT_ERROR;
			break;
		}
		if (r == PCAP_ERROR_BREAK)
			break;
		if (pfd >= 0) {
			struct pollfd p = { pfd, POLLIN, 0 };
			poll(&p, 1, 200);
		} else {
			usleep(20000);
		}
	}
	net_ctx_free(n);
	n = NULL;
	mm_output_flush(out);
	if (rc == 0 && mm_output_alert_count(out) > 0)
		rc = CLI_EXIT_FOUND;
out:
	net_ctx_free(n);
	mm_scan_ctx_free(ctx);
	mm_output_free(out);
	cli_store_out_close(&so, rc);
	if (pc)
		pcap_close(pc);
	cli_env_release(&env);
	return rc;
}

const struct cli_command cli_command_sniff = {
	.name = "sniff",
	.synopsis = "watch a live interface (libpcap) with the network engine",
	.usage = sniff_usage,
	.run = sniff_run,
};
