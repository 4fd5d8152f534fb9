/*
 * cmd_watch.c — `mamori watch FILE...`: follow logs like `tail -F` and run
 * the log engine (Sigma rules, correlations) on every new record.
 *
 * Each FILE is polled (default every 250 ms): new bytes of a text log
 * (syslog, auditd, journald export, JSON lines) are fed to its reader and
 * complete records are evaluated; a growing EVTX file is re-read and the
 * records past the last id seen are evaluated. Rotation is followed: when
 * the path names another inode the rest of the old file is read first,
 * then the new one from its start; a file that shrinks (truncation) is
 * read again from its start. A file that does not exist yet is waited
 * for. By default reading starts at the current end (like tail -F);
 * --from-start reads what is already there first. SIGINT/SIGTERM end the
 * watch: pending records and correlations are decided, a summary goes to
 * standard error.
 *
 * Alerts go to standard output (text on a terminal, else JSON lines), to
 * the store (committed every poll period, so that `mamori incidents` sees
 * them while the watch runs) and with --redis to the fleet stream.
 * Exit: 0 no alert, 1 alerts, 2 a file could not be read, 64 usage.
 */
#include "core/compat.h"
#include "cli/cli.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli_common.h"
#include "core/sinks.h"
#include "logs/logs.h"

#define WATCH_MAX_FILES 64
#define WATCH_BLOCK (64 * 1024)

enum {
	OPT_FORMAT = CLI_OPT_FIRST_FREE,
	OPT_FROM_START,
	OPT_INTERVAL,
	OPT_KIND,
	OPT_DB,
	OPT_NO_DB,
	OPT_REDIS,
	OPT_HELP,
};

static const struct option watch_opts[] = {
	{ "rules", required_argument, NULL, 'r' },
	{ "no-bundled-rules", no_argument, NULL, CLI_OPT_NO_BUNDLED },
	{ "config", required_argument, NULL, 'c' },
	{ "set", required_argument, NULL, CLI_OPT_SET },
	{ "deterministic", no_argument, NULL, CLI_OPT_DETERMINISTIC },
	{ "format", required_argument, NULL, OPT_FORMAT },
	{ "from-start", no_argument, NULL, OPT_FROM_START },
	{ "interval", required_argument, NULL, OPT_INTERVAL },
	{ "kind", required_argument, NULL, OPT_KIND },
	{ "db", required_argument, NULL, OPT_DB },
	{ "no-db", no_argument, NULL, OPT_NO_DB },
	{ "redis", required_argument, NULL, OPT_REDIS },
	{ "help", no_argument, NULL, OPT_HELP },
	{ NULL, 0, NULL, 0 },
};

static const char watch_usage[] =
	"usage: mamori watch [-r RULES]... [--no-bundled-rules] [-c FILE] [--set KEY=VALUE]...\n"
	"                    [--format text|jsonl] [--from-start] [--interval MS]\n"
	"                    [--kind KIND] [--deterministic] [--db FILE | --no-db]\n"
	"                    [--redis URL] FILE...\n"
	"\n"
	"Follows each FILE like tail -F (rotation and truncation included) and runs\n"
	"the log engine's Sigma rules on every new record; stops on SIGINT.\n"
	"\n"
	"  -r, --rules FILE|DIR   extra Sigma rules (.yml/.yaml or folders)\n"
	"      --no-bundled-rules do not load the rules shipped with mamori\n"
	"      --format FMT       text (default on a terminal) or jsonl\n"
	"      --from-start       read what the files already hold first\n"
	"      --interval MS      poll period (default 250)\n"
	"      --kind KIND        evtx, jsonl, syslog, auditd or journal-export\n"
	"                         (default: guessed from each file's content)\n"
	"      --deterministic    no wall-clock values in alerts\n"
	"      --db FILE          the alert store (default ~/.local/share/mamori/mamori.db)\n"
	"      --no-db            do not write the store\n"
	"      --redis URL        also append every alert to a Redis stream (fleet output)\n"
	"\n"
	"Exit status: 0 no alert, 1 alerts, 2 a file could not be read, 64 bad usage.\n";

static volatile sig_atomic_t g_stop;

static void on_signal(int sig)
{
	(void)sig;
	g_stop = 1;
}

struct watched {
	const char *path;
	int fd;
	dev_t dev;
	ino_t ino;
	off_t off;		/* text: bytes consumed; EVTX: size last read */
	time_t mtime;
	enum mm_kind kind;	/* MM_KIND_UNKNOWN until known */
	struct log_follow *follow;
	bool reported;		/* "cannot read" said once */
};

static void close_file(struct watched *w)
{
	if (w->fd >= 0)
		close(w->fd);
	w->fd = -1;
}

/* Reads new bytes of a text log from the current fd. */
static int drain_text(struct watched *w, struct mm_scan_ctx *ctx)
{
	static uint8_t buf[WATCH_BLOCK];

	for (;;) {
		ssize_t n = pread(w->fd, buf, sizeof(buf), w->off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? mm_from_errno(errno) : 0;
		w->off += n;
		if (log_follow_feed(w->follow, buf, (size_t)n, ctx) < 0)
			return MM_ENOMEM;
		if (g_stop)
			return 0;
	}
}

static int ensure_kind(struct watched *w, int kind_opt, void *state)
{
	uint8_t head[MM_CLASSIFY_HEAD];
	ssize_t n;
	int err;

	if (w->follow)
		return 0;
	if (kind_opt >= 0) {
		w->kind = (enum mm_kind)kind_opt;
	} else {
		n = pread(w->fd, head, sizeof(head), 0);
		if (n <= 0)
			return MM_EAGAIN;	/* empty for now */
		w->kind = log_guess_kind(head, (size_t)n);
		if (!log_reader_kind_ok(w->kind)) {
			/* not enough to tell yet? wait for a full line */
			if (!memchr(head, '\n', (size_t)n) && n < (ssize_t)sizeof(head))
				return MM_EAGAIN;
			return MM_EUNSUPPORTED;
		}
	}
	err = log_follow_new(&w->follow, state, w->kind, w->path);
	return err;
}

static int open_file(struct watched *w, bool from_start, int kind_opt, void *state)
{
	struct stat sb;
	int err;

	w->fd = open(w->path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (w->fd < 0)
		return mm_from_errno(errno);
	if (fstat(w->fd, &sb) != 0) {
		close_file(w);
		return mm_from_errno(errno);
	}
	w->dev = sb.st_dev;
	w->ino = sb.st_ino;
	w->mtime = 0;
	w->off = from_start ? 0 : sb.st_size;
	err = ensure_kind(w, kind_opt, state);
	if (err == MM_EAGAIN)
		return 0;
	return err;
}

static int poll_file(struct watched *w, struct mm_scan_ctx *ctx, int kind_opt, void *state)
{
	struct stat sb, fsb;
	int err;

	if (stat(w->path, &sb) != 0) {
		/* gone (rotated away, not yet re-created): finish the old fd */
		if (w->fd >= 0 && w->follow && w->kind != MM_KIND_EVTX)
			drain_text(w, ctx);
		close_file(w);
		return 0;
	}
	if (w->fd >= 0 && (sb.st_dev != w->dev || sb.st_ino != w->ino)) {
		/* rotated: the rest of the old file, then the new one */
		if (w->follow && w->kind != MM_KIND_EVTX)
			drain_text(w, ctx);
		close_file(w);
		if (w->follow)
			log_follow_restart(w->follow);
		err = open_file(w, true, kind_opt, state);
		if (err)
			return err;
	}
	if (w->fd < 0) {
		err = open_file(w, true, kind_opt, state);
		if (err)
			return err;
		if (w->follow)
			log_follow_restart(w->follow);
	}
	if (!w->follow) {
		err = ensure_kind(w, kind_opt, state);
		if (err == MM_EAGAIN)
			return 0;
		if (err)
			return err;
	}
	if (fstat(w->fd, &fsb) != 0)
		return mm_from_errno(errno);
	if (w->kind == MM_KIND_EVTX) {
		if (fsb.st_size != w->off || fsb.st_mtime != w->mtime) {
			w->off = fsb.st_size;
			w->mtime = fsb.st_mtime;
			return log_follow_evtx(w->follow, w->fd, ctx);
		}
		return 0;
	}
	if (fsb.st_size < w->off) {
		/* truncated: read it again from the start */
		w->off = 0;
		log_follow_restart(w->follow);
	}
	if (fsb.st_size > w->off)
		return drain_text(w, ctx);
	return 0;
}

static int watch_run(int argc, char **argv)
{
	struct cli_common common;
	struct cli_env env;
	struct watched files[WATCH_MAX_FILES];
	size_t n_files = 0;
	struct mm_alert_json_opts jo;
	struct mm_output *out = NULL;
	struct mm_scan_ctx *ctx = NULL;
	const char *format = NULL, *db = NULL, *redis_url = NULL;
	bool from_start = false, no_db = false;
	struct cli_store_out so;
	uint64_t interval = 250;
	int kind_opt = -1, opt, status = CLI_EXIT_ERROR;
	void *state = NULL;
	struct sigaction sa;

	memset(&common, 0, sizeof(common));
	memset(&env, 0, sizeof(env));
	memset(&so, 0, sizeof(so));
	optind = 1;
	opterr = 1;
	while ((opt = getopt_long(argc, argv, "r:c:", watch_opts, NULL)) != -1) {
		int c = cli_common_option(&common, opt, optarg);

		if (c < 0)
			return CLI_EXIT_USAGE;
		if (c > 0)
			continue;
		switch (opt) {
		case OPT_FORMAT:
			if (cli_parse_format(optarg) < 0) {
				fprintf(stderr, "mamori watch: --format is text or jsonl\n");
				return CLI_EXIT_USAGE;
			}
			format = optarg;
			break;
		case OPT_FROM_START:
			from_start = true;
			break;
		case OPT_INTERVAL:
			if (!cli_parse_uint(optarg, 60000, &interval) || interval == 0) {
				fprintf(stderr, "mamori watch: --interval wants 1..60000 ms\n");
				return CLI_EXIT_USAGE;
			}
			break;
		case OPT_KIND:
			kind_opt = !strcmp(optarg, "journal") ? MM_KIND_JOURNAL_EXPORT
							      : mm_kind_parse(optarg);
			if (kind_opt < 0 || !log_reader_kind_ok((enum mm_kind)kind_opt)) {
				fprintf(stderr, "mamori watch: unknown kind '%s'\n", optarg);
				return CLI_EXIT_USAGE;
			}
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
			fputs(watch_usage, stdout);
			return 0;
		default:
			fputs(watch_usage, stderr);
			return CLI_EXIT_USAGE;
		}
	}
	if (optind >= argc || (db && no_db)) {
		if (db && no_db)
			fprintf(stderr, "mamori watch: --db and --no-db exclude each other\n");
		fputs(watch_usage, stderr);
		return CLI_EXIT_USAGE;
	}
	if (argc - optind > WATCH_MAX_FILES) {
		fprintf(stderr, "mamori watch: at most %d files\n", WATCH_MAX_FILES);
		return CLI_EXIT_USAGE;
	}
	if (cli_config_load(&env, &common))
		goto out;
	if (cli_engines_open(&env, &common, "logs"))
		goto out;
	for (size_t i = 0; i < env.n_engines; i++) {
		if (!strcmp(env.engines[i]->name, "logs"))
			state = env.states[i];
	}
	if (!state) {
		fprintf(stderr, "mamori watch: the log engine is not built in\n");
		goto out;
	}
	if (mm_rule_report_problem_count(env.report))
		cli_print_rule_problems(stderr, env.report, false);
	out = cli_output_open("watch", &env, common.deterministic, NULL, format, &jo);
	if (!out)
		goto out;
	if (cli_store_out_open(&so, "watch", &env, db, no_db, argv[optind], redis_url, out, &jo))
		goto out;
	ctx = mm_scan_ctx_new(out, env.config, common.deterministic, "watch");
	if (!ctx)
		goto out;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	for (int i = optind; i < argc; i++) {
		struct watched *w = &files[n_files++];
		int err;

		memset(w, 0, sizeof(*w));
		w->path = argv[i];
		w->fd = -1;
		w->kind = MM_KIND_UNKNOWN;
		err = open_file(w, from_start, kind_opt, state);
		if (err == MM_ENOENT) {
			fprintf(stderr, "mamori watch: %s does not exist yet; waiting for it\n",
				w->path);
		} else if (err) {
			fprintf(stderr, "mamori watch: %s: %s\n", w->path, mm_strerror(err));
			w->reported = true;
			status = CLI_EXIT_ERROR;
		} else if (w->kind == MM_KIND_EVTX && !from_start && w->follow) {
			/* skip the records already there, without evaluating them */
			struct mm_output *quiet = mm_output_new(&jo);
			struct mm_scan_ctx *qctx = quiet ? mm_scan_ctx_new(quiet, env.config, true,
									   "watch") : NULL;

			if (qctx)
				log_follow_evtx(w->follow, w->fd, qctx);
			mm_scan_ctx_free(qctx);
			mm_output_free(quiet);
		}
	}
	status = CLI_EXIT_CLEAN;
	while (!g_stop) {
		struct timespec ts;

		for (size_t i = 0; i < n_files && !g_stop; i++) {
			int err = poll_file(&files[i], ctx, kind_opt, state);

			if (err && !files[i].reported) {
				fprintf(stderr, "mamori watch: %s: %s\n", files[i].path,
					err == MM_EUNSUPPORTED ? "not a log mamori reads"
							       : mm_strerror(err));
				files[i].reported = true;
				status = CLI_EXIT_ERROR;
			}
		}
		mm_output_flush(out);
		fflush(stdout);
		ts.tv_sec = (time_t)(interval / 1000);
		ts.tv_nsec = (long)(interval % 1000) * 1000000L;
		nanosleep(&ts, NULL);
	}
	{
		uint64_t events = 0;

		for (size_t i = 0; i < n_files; i++) {
			if (files[i].follow) {
				log_follow_finish(files[i].follow, ctx);
				events += log_follow_events(files[i].follow);
			}
		}
		mm_output_flush(out);
		fprintf(stderr, "mamori watch: %zu file(s), %" PRIu64 " records, %" PRIu64
				" alerts\n", n_files, events, mm_output_alert_count(out));
		if (mm_output_alert_count(out) && status == CLI_EXIT_CLEAN)
			status = CLI_EXIT_FOUND;
	}
out:
	for (size_t i = 0; i < n_files; i++) {
		log_follow_free(files[i].follow);
		close_file(&files[i]);
	}
	mm_scan_ctx_free(ctx);
	mm_output_free(out);
	cli_store_out_close(&so, status);
	cli_env_release(&env);
	return status;
}

const struct cli_command cli_command_watch = {
	.name = "watch",
	.synopsis = "follow logs (tail -F) and run the Sigma rules on new records",
	.usage = watch_usage,
	.run = watch_run,
};
