/*
 * cmd_honeypot.c — `mamori honeypot`: listens as an exposed Docker Engine
 * API (--docker) and a vulnerable Confluence (--confluence), drops root
 * after binding, writes every connection and request as a Cowrie-style
 * JSON line to --log FILE (reopened on SIGHUP, for rotation) and alerts to
 * standard output / -o FILE and the store, like scan. --replay FILE.jsonl
 * runs recorded requests through the same emulation offline.
 *
 * Inline Base64/gzip payloads the honeypot decodes (as inert text) are
 * handed to the file engine, opened here through its public table (engines
 * do not depend on each other), one in-memory file (memfd) per payload, so
 * its analysers' alerts (a miner command line, a script) reach the same
 * sinks. --no-file-analysis turns that off; if the engine cannot be opened,
 * one line on standard error and the honeypot goes on without it.
 *
 * Exit status: 1 if an alert was raised, 0 if not, 2 on an error, 64 on a
 * bad command line.
 */
#define _GNU_SOURCE	/* memfd_create */
#include "core/compat.h"
#include "cli/cli.h"
#include "cli/cli_common.h"
#include "core/sinks.h"
#include "core/store.h"
#include "honeypot/honeypot.h"

#include <errno.h>
#include <getopt.h>
#include <pwd.h>
#include <sys/mman.h>
#include <unistd.h>

static const char honeypot_usage[] =
	"usage: mamori honeypot [--docker ADDR:PORT] [--confluence ADDR:PORT] [--user USER]\n"
	"                       [--log FILE] [--sensor NAME] [--max-conns N] [--max-per-ip N]\n"
	"                       [--idle-timeout S] [--request-timeout S] [--mem-cap SIZE]\n"
	"                       [--duration S] [-o FILE] [--format text|jsonl]\n"
	"                       [--db FILE | --no-db] [--deterministic] [--no-file-analysis]\n"
	"                       [-c FILE] [--set K=V]\n"
	"       mamori honeypot --replay FILE.jsonl [--log FILE] [options]\n"
	"\n"
	"Plays an exposed Docker Engine API (dockerd 20.10, API 1.41) and a Confluence\n"
	"Server vulnerable to CVE-2019-3396; records who deploys what; never connects,\n"
	"resolves, fetches or runs anything.\n"
	"\n"
	"      --docker ADDR:PORT     Docker API listener (default 0.0.0.0:2375 when no\n"
	"                             listener is given; numeric addresses only)\n"
	"      --confluence ADDR:PORT Confluence listener (e.g. 0.0.0.0:8090)\n"
	"      --user USER            drop root to USER after binding (default nobody)\n"
	"      --log FILE             records, one JSON object per line (SIGHUP reopens)\n"
	"      --replay FILE          feed recorded requests (JSON lines) offline\n"
	"      --sensor NAME          sensor name in records and /info (default: host name)\n"
	"      --max-conns N          open connections in total (default 20000)\n"
	"      --max-per-ip N         open connections per source address (default 64)\n"
	"      --idle-timeout S       keep-alive idle time (default 120)\n"
	"      --request-timeout S    time to send one request (default 20)\n"
	"      --mem-cap SIZE         request bytes buffered in total (default 48M)\n"
	"      --duration S           stop after S seconds\n"
	"  -o, --output FILE          alerts to FILE instead of standard output\n"
	"      --format FMT           text (default on a terminal) or jsonl\n"
	"      --db FILE              the alert store (default ~/.local/share/mamori/mamori.db)\n"
	"      --no-db                do not write the store\n"
	"      --deterministic        no wall-clock values or random ids (replays)\n"
	"      --no-file-analysis     do not scan decoded payloads with the file engine\n"
	"  -c, --config FILE          configuration file\n"
	"      --set KEY=VALUE        override one configuration key\n";

enum {
	OPT_DOCKER = CLI_OPT_FIRST_FREE,
	OPT_CONFLUENCE,
	OPT_USER,
	OPT_LOG,
	OPT_REPLAY,
	OPT_SENSOR,
	OPT_MAX_CONNS,
	OPT_MAX_PER_IP,
	OPT_IDLE,
	OPT_REQUEST,
	OPT_MEM_CAP,
	OPT_DURATION,
	OPT_FORMAT,
	OPT_DB,
	OPT_NO_DB,
	OPT_NO_FILES,
	OPT_HELP,
};

static const struct option honeypot_opts[] = {
	{ "docker", required_argument, NULL, OPT_DOCKER },
	{ "confluence", required_argument, NULL, OPT_CONFLUENCE },
	{ "user", required_argument, NULL, OPT_USER },
	{ "log", required_argument, NULL, OPT_LOG },
	{ "replay", required_argument, NULL, OPT_REPLAY },
	{ "sensor", required_argument, NULL, OPT_SENSOR },
	{ "max-conns", required_argument, NULL, OPT_MAX_CONNS },
	{ "max-per-ip", required_argument, NULL, OPT_MAX_PER_IP },
	{ "idle-timeout", required_argument, NULL, OPT_IDLE },
	{ "request-timeout", required_argument, NULL, OPT_REQUEST },
	{ "mem-cap", required_argument, NULL, OPT_MEM_CAP },
	{ "duration", required_argument, NULL, OPT_DURATION },
	{ "output", required_argument, NULL, 'o' },
	{ "format", required_argument, NULL, OPT_FORMAT },
	{ "db", required_argument, NULL, OPT_DB },
	{ "no-db", no_argument, NULL, OPT_NO_DB },
	{ "no-file-analysis", no_argument, NULL, OPT_NO_FILES },
	{ "deterministic", no_argument, NULL, CLI_OPT_DETERMINISTIC },
	{ "config", required_argument, NULL, 'c' },
	{ "set", required_argument, NULL, CLI_OPT_SET },
	{ "help", no_argument, NULL, OPT_HELP },
	{ NULL, 0, NULL, 0 },
};

#define MAX_ADDRS 4

/* The record log: reopened on SIGHUP (called from the loop, not from a
 * signal handler). */
struct record_log {
	const char *path;
	FILE *f;
	uint64_t failed;
	struct mm_output *out;	/* flushed at most once a second (the store's batch) */
	int64_t flushed_us;
};

static int log_record(void *arg, const char *json, size_t len)
{
	struct record_log *l = arg;

	if (!l->f)
		return 0;
	if (fwrite(json, 1, len, l->f) != len || fputc('\n', l->f) == EOF) {
		l->failed++;
		return -1;
	}
	return 0;
}

/* Once per turn of the loop (honeypot_set_flush_fn): records reach the
 * file before the loop waits again. */
static void log_flush(void *arg)
{
	struct record_log *l = arg;

	int64_t now = mm_monotonic_us();

	if (l->f && fflush(l->f))
		l->failed++;
	/* alerts reach the store (and so `mamori incidents`) within a second
	 * even when no further alert comes to close the batch */
	if (l->out && now - l->flushed_us >= 1000000) {
		mm_output_flush(l->out);
		l->flushed_us = now;
	}
}

static void log_reopen(void *arg)
{
	struct record_log *l = arg;
	FILE *f = fopen(l->path, "a");

	if (!f) {
		fprintf(stderr, "mamori honeypot: cannot reopen %s: %s (still writing the old file)\n",
			l->path, strerror(errno));
		return;
	}
	if (l->f)
		fclose(l->f);
	l->f = f;
	setvbuf(l->f, NULL, _IOFBF, 256 * 1024);
}

/* The file engine, opened for decoded payloads (honeypot_set_payload_fn). */
struct payload_scan {
	const struct mm_engine *engine;
	void *state, *worker;
	struct mm_output *out;
	const struct mm_config *config;
	bool deterministic;
	uint64_t scanned, failed;
};

static int scan_payload(void *arg, const char *name, const uint8_t *data, size_t len,
			int64_t ts_us)
{
	struct payload_scan *ps = arg;
	struct mm_scan_ctx *ctx = NULL;
	struct mm_input in;
	size_t off = 0;
	int fd, rc = MM_EIO;

	fd = memfd_create("mamori-payload", MFD_CLOEXEC);
	if (fd < 0)
		goto out;
	while (off < len) {
		ssize_t w = write(fd, data + off, len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			goto out;
		off += (size_t)w;
	}
	if (lseek(fd, 0, SEEK_SET) != 0)
		goto out;
	ctx = mm_scan_ctx_new(ps->out, ps->config, ps->deterministic, name);
	if (!ctx) {
		rc = MM_ENOMEM;
		goto out;
	}
	memset(&in, 0, sizeof(in));
	in.path = name;
	in.fd = fd;
	in.size = len;
	in.mtime_us = ts_us;
	in.head = data;
	in.head_len = MM_MIN(len, (size_t)MM_CLASSIFY_HEAD);
	in.kind = mm_classify(in.head, in.head_len, len);
	rc = ps->engine->scan(ps->state, ps->worker, &in, ctx);
out:
	if (rc)
		ps->failed++;
	else
		ps->scanned++;
	mm_scan_ctx_free(ctx);
	if (fd >= 0)
		close(fd);
	return rc;
}

/* Opens the engine named "files"; on failure says so once and leaves ps
 * without an engine. */
static void payload_scan_open(struct payload_scan *ps, struct cli_env *env,
			      const struct cli_common *c)
{
	static const char *const no_rules[] = { NULL };
	const struct mm_engine *e = NULL;
	struct mm_engine_env ee;
	struct mm_diag d;
	int rc;

	for (size_t i = 0; cli_engines[i]; i++) {
		if (!strcmp(cli_engines[i]->name, "files"))
			e = cli_engines[i];
	}
	if (!e || !e->scan) {
		fprintf(stderr, "mamori honeypot: no file engine in this build; decoded payloads "
			"are only recorded\n");
		return;
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
	mm_diag_init(&d);
	rc = e->open ? e->open(&ps->state, &ee, &d) : 0;
	if (rc) {
		fprintf(stderr, "mamori honeypot: file engine cannot start (%s%s%s); decoded payloads "
			"are only recorded\n", mm_strerror(rc), d.reason[0] ? ": " : "", d.reason);
		ps->state = NULL;
		return;
	}
	if (e->worker_open && (rc = e->worker_open(ps->state, &ps->worker)) != 0) {
		fprintf(stderr, "mamori honeypot: file engine cannot start a worker (%s); decoded "
			"payloads are only recorded\n", mm_strerror(rc));
		if (e->close)
			e->close(ps->state);
		ps->state = NULL;
		ps->worker = NULL;
		return;
	}
	ps->engine = e;
	ps->config = env->config;
	ps->deterministic = c->deterministic;
}

static void payload_scan_close(struct payload_scan *ps)
{
	if (!ps->engine)
		return;
	if (ps->engine->worker_close && ps->worker)
		ps->engine->worker_close(ps->worker);
	if (ps->engine->close)
		ps->engine->close(ps->state);
	ps->engine = NULL;
}

static bool parse_secs(const char *s, uint32_t *ms)
{
	uint64_t v;

	if (!cli_parse_uint(s, 86400 * 30, &v) || v == 0)
		return false;
	*ms = (uint32_t)(v * 1000);
	return true;
}

static void chown_to(const char *path, const char *user)
{
	struct passwd *pw;
	char p[4200];

	if (geteuid() != 0 || !path)
		return;
	pw = getpwnam(user ? user : "nobody");
	if (!pw)
		return;
	if (chown(path, pw->pw_uid, pw->pw_gid) != 0)
		return;
	snprintf(p, sizeof(p), "%s-wal", path);
	if (chown(p, pw->pw_uid, pw->pw_gid) != 0 && errno != ENOENT)
		return;
	snprintf(p, sizeof(p), "%s-shm", path);
	if (chown(p, pw->pw_uid, pw->pw_gid) != 0 && errno != ENOENT)
		return;
}

static int honeypot_cmd(int argc, char **argv)
{
	struct cli_common common;
	struct cli_env env;
	struct honeypot_config cfg;
	struct honeypot *hp = NULL;
	struct mm_output *out = NULL;
	struct cli_store_out so;
	struct mm_alert_json_opts jo;
	struct record_log rlog = { NULL, NULL, 0, NULL, 0 };
	const char *docker[MAX_ADDRS], *confl[MAX_ADDRS];
	size_t n_docker = 0, n_confl = 0;
	const char *user = "nobody", *replay = NULL, *sensor = NULL, *output = NULL;
	const char *format = NULL, *db = NULL;
	bool no_db = false, no_files = false;
	struct payload_scan ps;
	uint32_t duration_ms = 0;
	int rc = CLI_EXIT_ERROR;
	int opt;
	uint64_t v;

	memset(&common, 0, sizeof(common));
	memset(&env, 0, sizeof(env));
	memset(&so, 0, sizeof(so));
	memset(&ps, 0, sizeof(ps));
	honeypot_config_defaults(&cfg);
	optind = 1;
	while ((opt = getopt_long(argc, argv, "o:c:r:", honeypot_opts, NULL)) != -1) {
		int c = cli_common_option(&common, opt, optarg);
		if (c < 0)
			return CLI_EXIT_USAGE;
		if (c > 0)
			continue;
		switch (opt) {
		case OPT_DOCKER:
		case OPT_CONFLUENCE:
			if ((opt == OPT_DOCKER ? n_docker : n_confl) >= MAX_ADDRS) {
				fprintf(stderr, "mamori honeypot: at most %d listeners per service\n",
					MAX_ADDRS);
				return CLI_EXIT_USAGE;
			}
			if (opt == OPT_DOCKER)
				docker[n_docker++] = optarg;
			else
				confl[n_confl++] = optarg;
			break;
		case OPT_USER:
			user = optarg;
			break;
		case OPT_LOG:
			rlog.path = optarg;
			break;
		case OPT_REPLAY:
			replay = optarg;
			break;
		case OPT_SENSOR:
			sensor = optarg;
			break;
		case OPT_MAX_CONNS:
		case OPT_MAX_PER_IP:
			if (!cli_parse_uint(optarg, 1000000, &v) || v == 0) {
				fprintf(stderr, "mamori honeypot: bad %s\n", argv[optind - 1]);
				return CLI_EXIT_USAGE;
			}
			if (opt == OPT_MAX_CONNS)
				cfg.max_conns = (uint32_t)v;
			else
				cfg.max_per_ip = (uint32_t)v;
			break;
		case OPT_IDLE:
		case OPT_REQUEST:
		case OPT_DURATION:
			if (!parse_secs(optarg, opt == OPT_IDLE ? &cfg.idle_ms :
						opt == OPT_REQUEST ? &cfg.request_ms : &duration_ms)) {
				fprintf(stderr, "mamori honeypot: bad number of seconds: %s\n", optarg);
				return CLI_EXIT_USAGE;
			}
			break;
		case OPT_MEM_CAP:
			if (!cli_parse_size(optarg, &v) || v < 1024 * 1024) {
				fprintf(stderr, "mamori honeypot: --mem-cap is at least 1M\n");
				return CLI_EXIT_USAGE;
			}
			cfg.mem_cap = v;
			break;
		case 'o':
			output = optarg;
			break;
		case OPT_FORMAT:
			if (cli_parse_format(optarg) < 0) {
				fprintf(stderr, "mamori honeypot: --format is text or jsonl\n");
				return CLI_EXIT_USAGE;
			}
			format = optarg;
			break;
		case OPT_DB:
			db = optarg;
			break;
		case OPT_NO_DB:
			no_db = true;
			break;
		case OPT_NO_FILES:
			no_files = true;
			break;
		case OPT_HELP:
			fputs(honeypot_usage, stdout);
			return 0;
		default:
			fputs(honeypot_usage, stderr);
			return CLI_EXIT_USAGE;
		}
	}
	if (optind != argc || (db && no_db) || (replay && (n_docker || n_confl))) {
		if (replay && (n_docker || n_confl))
			fprintf(stderr, "mamori honeypot: --replay runs offline; drop the listeners\n");
		else if (db && no_db)
			fprintf(stderr, "mamori honeypot: --db and --no-db contradict each other\n");
		else
			fputs(honeypot_usage, stderr);
		return CLI_EXIT_USAGE;
	}
	if (!replay && !n_docker && !n_confl)
		docker[n_docker++] = "0.0.0.0:2375";

	if (cli_config_load(&env, &common))
		goto out;
	/* no engine is opened: this sets the host name and the catalogue */
	if (cli_engines_open(&env, &common, "honeypot"))
		goto out;
	cfg.sensor = sensor ? sensor : common.deterministic ? "mamori-sensor" : env.host;
	cfg.deterministic = common.deterministic;

	out = cli_output_open("honeypot", &env, common.deterministic, output, format, &jo);
	if (!out)
		goto out;

	if (cli_store_out_open(&so, "honeypot", &env, db, no_db, replay, NULL, out, &jo))
		goto out;
	if (rlog.path) {
		rlog.f = fopen(rlog.path, "a");
		if (!rlog.f) {
			fprintf(stderr, "mamori honeypot: cannot write %s: %s\n", rlog.path,
				strerror(errno));
			goto out;
		}
		setvbuf(rlog.f, NULL, _IOFBF, 256 * 1024);
	}
	{
		int r = honeypot_new(&hp, &cfg, out, env.catalogue);
		if (r) {
			fprintf(stderr, "mamori honeypot: %s\n", mm_strerror(r));
			goto out;
		}
	}
	honeypot_set_record_fn(hp, log_record, &rlog);
	rlog.out = out;
	honeypot_set_flush_fn(hp, log_flush, &rlog);
	if (!no_files) {
		ps.out = out;
		payload_scan_open(&ps, &env, &common);
		if (ps.engine)
			honeypot_set_payload_fn(hp, scan_payload, &ps);
	}

	if (replay) {
		struct mm_diag d;
		uint64_t nreq = 0, nskip = 0;
		mm_diag_init(&d);
		int r = honeypot_replay(hp, replay, &nreq, &nskip, &d);
		if (r) {
			fprintf(stderr, "mamori honeypot: %s: %s\n", replay, d.reason);
			goto out;
		}
		fprintf(stderr, "mamori honeypot: replayed %" PRIu64 " requests (%" PRIu64
			" lines skipped)\n", nreq, nskip);
	} else {
		struct mm_diag d;
		char bound[64];
		mm_diag_init(&d);
		for (size_t i = 0; i < n_docker + n_confl; i++) {
			bool dk = i < n_docker;
			const char *a = dk ? docker[i] : confl[i - n_docker];
			int r = honeypot_listen(hp, dk ? HONEYPOT_DOCKER : HONEYPOT_CONFLUENCE, a, bound, &d);
			if (r) {
				fprintf(stderr, "mamori honeypot: %s\n", d.reason);
				goto out;
			}
			fprintf(stderr, "mamori honeypot: %s on %s\n", dk ? "docker" : "confluence", bound);
		}
		if (geteuid() == 0) {
			chown_to(rlog.path, user);
			chown_to(so.db, user);
		}
		if (honeypot_drop_privileges(user, &d)) {
			fprintf(stderr, "mamori honeypot: %s; refusing to run\n", d.reason);
			goto out;
		}
		honeypot_set_hup_fn(hp, log_reopen, &rlog);
		int r = honeypot_run(hp, duration_ms);
		if (r) {
			fprintf(stderr, "mamori honeypot: event loop: %s\n", mm_strerror(r));
			goto out;
		}
	}
	{
		const struct honeypot_stats *st = honeypot_stats(hp);
		fprintf(stderr, "mamori honeypot: %" PRIu64 " connections, %" PRIu64 " requests, %"
			PRIu64 " records (%" PRIu64 " failed), %" PRIu64 " alerts; refused %" PRIu64
			" (total cap) %" PRIu64 " (per address), %" PRIu64 " timed out, %" PRIu64
			" bad requests, %" PRIu64 " truncated bodies, %" PRIu64 " over memory cap\n",
			st->connections, st->requests, st->records, st->records_failed + rlog.failed, st->alerts,
			st->refused_total, st->refused_per_ip, st->closed_timeout, st->bad_requests,
			st->truncated_bodies, st->mem_refused);
		if (ps.engine)
			fprintf(stderr, "mamori honeypot: %" PRIu64 " decoded payloads scanned by the "
				"file engine (%" PRIu64 " failed)\n", ps.scanned, ps.failed);
	}
	mm_output_flush(out);
	rc = mm_output_alert_count(out) ? CLI_EXIT_FOUND : CLI_EXIT_CLEAN;
out:
	honeypot_free(hp);
	payload_scan_close(&ps);
	mm_output_free(out);
	cli_store_out_close(&so, rc);
	if (rlog.f)
		fclose(rlog.f);
	cli_env_release(&env);
	return rc;
}

const struct cli_command cli_command_honeypot = {
	.name = "honeypot",
	.synopsis = "play an exposed Docker API and a vulnerable Confluence; record and alert",
	.usage = honeypot_usage,
	.run = honeypot_cmd,
};
