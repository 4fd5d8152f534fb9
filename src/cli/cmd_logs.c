/*
 * cmd_logs.c — `mamori logs dump|stats FILE...`: the log engine's readers
 * without rules, for users (what did mamori read from this EVTX?) and for
 * tests (golden dumps of generated logs).
 *
 * dump prints one JSON object per record (the normalised event: format,
 * record id, offset, time, logsource, System values, every field), or a
 * short text line per record with --format text. stats prints what the
 * reader met: records, chunks, damaged parts, the first problems. The kind
 * is guessed from the content unless --kind says it (evtx, jsonl, syslog,
 * auditd, journal-export).
 *
 * Exit: 0 when every file was read without damage, 2 when a file could
 * not be opened or had damaged parts, 64 on a bad command line.
 */
#include "core/compat.h"
#include "cli/cli.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <unistd.h>

#include "logs/logs.h"

static const struct option logs_opts[] = {
	{ "format", required_argument, NULL, 'f' },
	{ "kind", required_argument, NULL, 'k' },
	{ "limit", required_argument, NULL, 'n' },
	{ "threads", required_argument, NULL, 'j' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 }
};

static const char logs_usage[] =
	"usage: mamori logs dump [--format jsonl|text] [--kind KIND] [--limit N] [-j N] FILE...\n"
	"       mamori logs stats [--kind KIND] [-j N] FILE...\n"
	"\n"
	"Reads event logs with mamori's own readers (EVTX, Windows JSON lines,\n"
	"syslog/auth.log, auditd, journald export) and prints the normalised\n"
	"records (dump) or what the reader met (stats).\n"
	"\n"
	"  -f, --format F   jsonl (default) or text\n"
	"  -k, --kind K     evtx, jsonl, syslog, auditd or journal-export\n"
	"                   (default: guessed from the content)\n"
	"  -n, --limit N    stop after N records per file\n"
	"  -j, --threads N  parse EVTX chunks with N threads (default 1)\n";

static void print_text(const struct log_event *ev, FILE *out)
{
	char t[MM_TIME_STR] = "-";

	if (ev->ts_us)
		mm_time_format(ev->ts_us, t);
	fprintf(out, "%s %s #%" PRIu64, t, ev->format ? ev->format : "?", ev->record_id);
	if (ev->event_id)
		fprintf(out, " %s/%u", ev->channel ? ev->channel : "-", ev->event_id);
	for (size_t i = 0; i < ev->n_fields; i++) {
		const struct log_field *f = &ev->fields[i];

		fprintf(out, " %.*s=", (int)f->name_len, f->name);
		for (uint32_t k = 0; k < f->value_len && k < 200; k++) {
			unsigned char c = (unsigned char)f->value[k];

			fputc(c < 0x20 || c == 0x7f ? '.' : c, out);
		}
	}
	fputc('\n', out);
}

static void print_stats(const char *path, const struct log_reader_stats *st, FILE *out)
{
	fprintf(out, "%s:\n", path);
	fprintf(out, "  records:              %" PRIu64 "\n", st->events);
	if (st->lines)
		fprintf(out, "  lines:                %" PRIu64 " (%" PRIu64 " not understood, %"
			PRIu64 " too long)\n", st->lines, st->lines_skipped, st->lines_too_long);
	if (st->chunks || st->chunks_bad_magic || st->chunks_empty) {
		fprintf(out, "  chunks:               %" PRIu64 " read, %" PRIu64 " bad magic "
			"(skipped), %" PRIu64 " empty, %" PRIu64 " bad CRC (read), %" PRIu64
			" truncated\n", st->chunks, st->chunks_bad_magic, st->chunks_empty,
			st->chunks_bad_crc, st->chunks_truncated);
		fprintf(out, "  records damaged:      %" PRIu64 " bad header (resynced), %" PRIu64
			" zero size, %" PRIu64 " damaged XML\n", st->records_bad,
			st->records_zero_size, st->records_incomplete);
		fprintf(out, "  templates:            %" PRIu64 " compiled, %" PRIu64
			" incomplete\n", st->templates, st->templates_incomplete);
		fprintf(out, "  file header:          %s%s%s\n",
			st->header_bad_crc ? "bad CRC " : "CRC ok ",
			st->header_dirty ? "dirty " : "",
			st->header_stale_count ? "stale chunk count" : "");
	}
	if (st->values_bad)
		fprintf(out, "  values undecodable:   %" PRIu64 "\n", st->values_bad);
	if (st->fields_dropped)
		fprintf(out, "  fields dropped:       %" PRIu64 "\n", st->fields_dropped);
	for (uint64_t i = 0; i < st->n_problems && i < LOG_MAX_PROBLEMS; i++)
		fprintf(out, "  problem: %s\n", st->problems[i]);
	if (st->n_problems > LOG_MAX_PROBLEMS)
		fprintf(out, "  ... and %" PRIu64 " more problems\n",
			st->n_problems - LOG_MAX_PROBLEMS);
}

static bool damaged(const struct log_reader_stats *st)
{
	return st->chunks_bad_magic || st->chunks_truncated || st->records_bad ||
	       st->records_incomplete || st->lines_too_long;
}

static int one_file(const char *path, bool dump, bool text, int kind_opt, uint64_t limit,
		    unsigned threads)
{
	struct log_reader *r = NULL;
	struct log_reader_opts opts;
	struct mm_diag diag;
	struct log_event ev;
	struct mm_buf line;
	uint8_t head[MM_CLASSIFY_HEAD];
	enum mm_kind kind;
	ssize_t hn;
	uint64_t n = 0;
	int fd, rc, ret = CLI_EXIT_CLEAN;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "mamori logs: %s: %s\n", path, strerror(errno));
		return CLI_EXIT_ERROR;
	}
	hn = pread(fd, head, sizeof(head), 0);
	if (hn < 0)
		hn = 0;
	kind = kind_opt >= 0 ? (enum mm_kind)kind_opt : log_guess_kind(head, (size_t)hn);
	if (!log_reader_kind_ok(kind)) {
		fprintf(stderr, "mamori logs: %s: not a log mamori reads (%s); use --kind\n", path,
			mm_kind_name(kind));
		close(fd);
		return CLI_EXIT_ERROR;
	}
	memset(&opts, 0, sizeof(opts));
	opts.origin = path;
	opts.year = 1970;
	opts.workers = threads;
	mm_diag_init(&diag);
	rc = log_reader_open_fd(&r, kind, fd, &opts, &diag);
	if (rc) {
		fprintf(stderr, "mamori logs: %s: %s\n", path,
			diag.reason[0] ? diag.reason : mm_strerror(rc));
		close(fd);
		return CLI_EXIT_ERROR;
	}
	mm_buf_init(&line, 16u << 20);
	while ((!limit || n < limit) && (rc = log_reader_next(r, &ev)) == 1) {
		n++;
		if (!dump)
			continue;
		if (text) {
			print_text(&ev, stdout);
			continue;
		}
		mm_buf_reset(&line);
		if (log_event_to_json(&ev, &line) == 0) {
			fwrite(line.ptr, 1, line.len, stdout);
			fputc('\n', stdout);
		} else {
			mm_buf_init(&line, 16u << 20);
		}
	}
	if (rc < 0) {
		fprintf(stderr, "mamori logs: %s: reading stopped: %s\n", path, mm_strerror(rc));
		ret = CLI_EXIT_ERROR;
	}
	if (!dump)
		print_stats(path, log_reader_stats(r), stdout);
	else if (log_reader_stats(r)->n_problems)
		fprintf(stderr, "mamori logs: %s: %" PRIu64 " problem(s), first: %s\n", path,
			log_reader_stats(r)->n_problems, log_reader_stats(r)->problems[0]);
	if (damaged(log_reader_stats(r)))
		ret = CLI_EXIT_ERROR;
	mm_buf_release(&line);
	log_reader_free(r);
	close(fd);
	return ret;
}

static int logs_run(int argc, char **argv)
{
	const char *format = NULL;
	int kind = -1, opt, ret = CLI_EXIT_CLEAN;
	uint64_t limit = 0, threads = 1;
	bool dump, text = false;

	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		fputs(logs_usage, argc < 2 ? stderr : stdout);
		return argc < 2 ? CLI_EXIT_USAGE : 0;
	}
	if (!strcmp(argv[1], "dump"))
		dump = true;
	else if (!strcmp(argv[1], "stats"))
		dump = false;
	else {
		fprintf(stderr, "mamori logs: unknown action '%s'\n%s", argv[1], logs_usage);
		return CLI_EXIT_USAGE;
	}
	argc--;
	argv++;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "f:k:n:j:h", logs_opts, NULL)) != -1) {
		switch (opt) {
		case 'f':
			format = optarg;
			break;
		case 'k':
			kind = !strcmp(optarg, "journal") ? MM_KIND_JOURNAL_EXPORT : mm_kind_parse(optarg);
			if (kind < 0 || !log_reader_kind_ok((enum mm_kind)kind)) {
				fprintf(stderr, "mamori logs: unknown kind '%s'\n", optarg);
				return CLI_EXIT_USAGE;
			}
			break;
		case 'n': {
			char *end;

			errno = 0;
			limit = strtoull(optarg, &end, 10);
			if (errno || *end || end == optarg) {
				fprintf(stderr, "mamori logs: bad --limit '%s'\n", optarg);
				return CLI_EXIT_USAGE;
			}
			break;
		}
		case 'j': {
			char *end;

			errno = 0;
			threads = strtoull(optarg, &end, 10);
			if (errno || *end || end == optarg || threads < 1 || threads > 64) {
				fprintf(stderr, "mamori logs: -j wants 1..64\n");
				return CLI_EXIT_USAGE;
			}
			break;
		}
		case 'h':
			fputs(logs_usage, stdout);
			return 0;
		default:
			fputs(logs_usage, stderr);
			return CLI_EXIT_USAGE;
		}
	}
	if (format) {
		if (!strcmp(format, "text"))
			text = true;
		else if (strcmp(format, "jsonl") != 0) {
			fprintf(stderr, "mamori logs: unknown format '%s'\n", format);
			return CLI_EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		fputs(logs_usage, stderr);
		return CLI_EXIT_USAGE;
	}
	for (int i = optind; i < argc; i++) {
		int r = one_file(argv[i], dump, text, kind, limit, (unsigned)threads);

		if (r > ret)
			ret = r;
	}
	fflush(stdout);
	return ret;
}

const struct cli_command cli_command_logs = {
	.name = "logs",
	.synopsis = "print what mamori reads from event logs (dump, stats)",
	.usage = logs_usage,
	.run = logs_run,
};
