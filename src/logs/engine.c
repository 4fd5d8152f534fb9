/*
 * engine.c — the log engine's glue: `const struct mm_engine mm_engine_logs`.
 *
 * open() loads the Sigma rules (the bundled ones from
 * <rules>/sigma, and every -r path that ends in .yml/.yaml or is a folder)
 * into one struct sigma_ruleset shared read-only by all workers. scan()
 * reads an input with the reader for its kind (EVTX, JSON lines, syslog,
 * auditd, journald export), evaluates every event, flushes the
 * correlations at the end, and turns each match into an alert: rule id
 * sigma:<id>, @timestamp the event's time, the file path, and evidence an
 * analyst can check by hand (record id, offset, channel, event id, the
 * fields that matched, and the decoded command when a command line holds a
 * PowerShell -EncodedCommand). Damage the reader met becomes
 * mm_scan_partial() (bad chunk magic, truncated chunk, damaged records,
 * over-long lines); warnings that cost nothing (bad CRC, dirty header)
 * become counters.
 *
 * The engine claims EVTX, JSONL, SYSLOG, AUDITD and JOURNAL_EXPORT. It
 * does not claim JSON (a single document): the files engine owns it, and a
 * JSON array of events is rare in practice (documented in docs/logs.md).
 *
 * log_engine_run() is the same loop for `mamori watch`, on a reader the
 * caller feeds.
 *
 * Threading: the ruleset is read-only after open(); each scan() has its
 * own reader and Sigma state.
 */
#include "core/compat.h"
#include "logs/internal.h"
#include "logs/sigma.h"
#include "logs/logs.h"

#include <strings.h>
#include <sys/stat.h>
#include <time.h>

#define EVIDENCE_MAX (64 * 1024)
#define DECODED_MAX 4096

static const struct mm_config_default logs_defaults[] = {
	{ "logs.syslog.year", "",
	  "year of syslog lines that carry none (empty: the year of the file's mtime)" },
	{ "logs.evtx.threads", "1",
	  "threads parsing the chunks of one EVTX file (the scan already runs files in parallel)" },
	{ "logs.decode_powershell", "true",
	  "decode PowerShell -EncodedCommand arguments into alert evidence" },
	{ NULL, NULL, NULL }
};

struct logs_engine {
	struct sigma_ruleset *rs;
	int year;
	unsigned evtx_threads;
	bool decode_ps;
};

static bool ends_with(const char *s, const char *suf)
{
	size_t n = strlen(s), m = strlen(suf);

	return n >= m && strcasecmp(s + n - m, suf) == 0;
}

static int load_path(struct logs_engine *e, const char *path, const struct mm_engine_env *env)
{
	return sigma_ruleset_load(e->rs, path, env->catalogue, env->rule_report);
}

static int logs_open(void **state, const struct mm_engine_env *env, struct mm_diag *diag)
{
	struct logs_engine *e = NULL;
	const char *y;
	int err = 0;

	*state = NULL;
	e = calloc(1, sizeof(*e));
	if (!e)
		return MM_ENOMEM;
	e->decode_ps = mm_config_get_bool(env->config, "logs.decode_powershell", true);
	y = mm_config_get(env->config, "logs.syslog.year", "");
	e->year = y && *y ? atoi(y) : 0;
	{
		int64_t t = mm_config_get_int(env->config, "logs.evtx.threads", 1);

		e->evtx_threads = (unsigned)(t < 1 ? 1 : t > 64 ? 64 : t);
	}
	e->rs = sigma_ruleset_new();
	if (!e->rs) {
		err = MM_ENOMEM;
		goto out;
	}
	if (env->bundled_rules && env->bundled_rules_dir) {
		char p[4096];
		struct stat sb;

		snprintf(p, sizeof(p), "%s/sigma", env->bundled_rules_dir);
		if (stat(p, &sb) == 0 && S_ISDIR(sb.st_mode))
			load_path(e, p, env);
	}
	for (size_t i = 0; env->rule_paths && env->rule_paths[i]; i++) {
		const char *p = env->rule_paths[i];
		struct stat sb;

		if (stat(p, &sb) != 0)
			continue;
		if (S_ISDIR(sb.st_mode) || ends_with(p, ".yml") || ends_with(p, ".yaml"))
			load_path(e, p, env);
	}
	err = sigma_ruleset_compile(e->rs, diag);
out:
	if (err) {
		if (e)
			sigma_ruleset_free(e->rs);
		free(e);
		return err;
	}
	*state = e;
	return 0;
}

static void logs_close(void *state)
{
	struct logs_engine *e = state;

	if (!e)
		return;
	sigma_ruleset_free(e->rs);
	free(e);
}

static int logs_worker_open(void *state, void **worker)
{
	(void)state;
	*worker = NULL;
	return 0;
}

static void logs_worker_close(void *worker)
{
	(void)worker;
}

static const char *first_of(const struct log_event *ev, const char *const *names, size_t *len)
{
	for (size_t i = 0; names[i]; i++) {
		const char *v = log_event_get(ev, names[i], len);

		if (v && *len > 0 && !(*len == 1 && v[0] == '-'))
			return v;
	}
	return NULL;
}

/* Finds a PowerShell -EncodedCommand in the usual command fields and
 * decodes it into out. */
static bool decode_ps(const struct log_event *ev, char *out, size_t cap)
{
	static const char *const names[] = { "CommandLine", "ParentCommandLine",
					     "ScriptBlockText", "Payload", "HostApplication",
					     "TaskContent", "Command", "CommandLineTemplate",
					     "Data", "COMMAND", "command", "ImagePath",
					     "ServiceFileName", NULL };

	for (size_t i = 0; names[i]; i++) {
		size_t len, vl;
		const char *v = log_event_get(ev, names[i], &len), *b64;

		if (!v || !log_find_ps_encoded(v, len, &b64, &vl))
			continue;
		if (log_decode_ps_encoded(b64, vl, out, cap) > 0)
			return true;
	}
	return false;
}

static void log_engine_evidence(struct mm_json *j, const struct log_event *ev,
			 const struct sigma_match *m, bool want_decode)
{
	mm_json_object_begin(j, NULL);
	if (ev) {
		mm_json_str(j, "format", ev->format);
		mm_json_uint(j, ev->format && !strcmp(ev->format, "evtx") ? "record_id" : "record",
			     ev->record_id);
		mm_json_uint(j, "offset", ev->offset);
		if (ev->channel)
			mm_json_str(j, "channel", ev->channel);
		if (ev->event_id)
			mm_json_uint(j, "event_id", ev->event_id);
		if (ev->provider)
			mm_json_str(j, "provider", ev->provider);
		if (ev->host)
			mm_json_str(j, "computer", ev->host);
	}
	if (m && m->n_matched) {
		mm_json_array_begin(j, "matched");
		for (size_t i = 0; i < m->n_matched && i < MM_ARRAY_SIZE(m->matched); i++)
			mm_json_str(j, NULL, m->matched[i]);
		mm_json_array_end(j);
	}
	if (m && m->correlation) {
		char t[MM_TIME_STR];

		if (m->group)
			mm_json_str(j, "group", m->group);
		mm_json_uint(j, "count", m->count);
		mm_json_uint(j, "first_record", m->first_record);
		mm_json_uint(j, "last_record", m->last_record);
		if (m->first_ts_us) {
			mm_time_format(m->first_ts_us, t);
			mm_json_str(j, "first_time", t);
		}
		if (m->last_ts_us) {
			mm_time_format(m->last_ts_us, t);
			mm_json_str(j, "last_time", t);
		}
	}
	if (ev && want_decode) {
		char dec[DECODED_MAX];

		if (decode_ps(ev, dec, sizeof(dec)))
			mm_json_str(j, "decoded_command", dec);
	}
	mm_json_object_end(j);
}

struct match_job {
	struct mm_scan_ctx *ctx;
	const struct logs_engine *e;
	const char *path;
	uint64_t alerts;
	int err;
};

static int on_match(void *arg, const struct log_event *ev, const struct sigma_match *m)
{
	static const char *const users[] = { "TargetUserName", "SubjectUserName", "User",
					     "user", "acct", "AccountName", NULL };
	static const char *const procs[] = { "Image", "NewProcessName", "exe", "comm",
					     "ProcessName", "program", NULL };
	static const char *const ips[] = { "IpAddress", "SourceIp", "source_ip", "SourceAddress",
					   "addr", NULL };
	struct match_job *job = arg;
	struct mm_alert a;
	struct mm_buf evb, reason;
	struct mm_json j;
	char *user = NULL, *proc = NULL, *ip = NULL;
	size_t len;
	const char *v;
	int err;

	mm_buf_init(&evb, EVIDENCE_MAX);
	mm_buf_init(&reason, 1024);
	mm_alert_init(&a);
	a.module = "logs";
	a.meta = m->meta;
	a.ruleset = "sigma";
	a.file_path = job->path;
	a.timestamp_us = m->correlation && m->last_ts_us ? m->last_ts_us : (ev ? ev->ts_us : 0);
	if (ev) {
		a.host_name = ev->host;
		if ((v = first_of(ev, users, &len)))
			user = strndup(v, len);
		if ((v = first_of(ev, procs, &len)))
			proc = strndup(v, len);
		if ((v = first_of(ev, ips, &len)))
			ip = strndup(v, len);
		a.user_name = user;
		a.process_name = proc;
		/* only a real address goes to source.ip */
		if (ip && strspn(ip, "0123456789abcdefABCDEF.:") == strlen(ip) &&
		    (strchr(ip, '.') || strchr(ip, ':')))
			a.src_ip = ip;
	}
	if (m->correlation)
		mm_buf_appendf(&reason, "Sigma correlation '%s': %" PRIu64 " events%s%s",
			       m->rule_title ? m->rule_title : "?", m->count, m->group ? " for " : "",
			       m->group ? m->group : "");
	else if (ev && ev->event_id)
		mm_buf_appendf(&reason, "Sigma rule '%s' matched record %" PRIu64 " (%s %u)",
			       m->rule_title ? m->rule_title : "?", ev->record_id,
			       ev->channel ? ev->channel : "event", ev->event_id);
	else if (ev)
		mm_buf_appendf(&reason, "Sigma rule '%s' matched %s %" PRIu64,
			       m->rule_title ? m->rule_title : "?",
			       ev->format && !strcmp(ev->format, "evtx") ? "record" : "line",
			       ev->record_id);
	a.reason = reason.ptr;
	mm_json_init(&j, &evb);
	log_engine_evidence(&j, ev, m, job->e->decode_ps);
	if (mm_json_finish(&j) == 0)
		a.evidence_json = evb.ptr;
	err = mm_emit_alert(job->ctx, &a);
	job->alerts++;
	free(user);
	free(proc);
	free(ip);
	mm_buf_release(&evb);
	mm_buf_release(&reason);
	return err;
}

static void log_engine_report(struct mm_scan_ctx *ctx, const struct log_reader_stats *st)
{
	const char *first = st->n_problems ? st->problems[0] : "";

	/* the first problem that is about a record, for the resync message */
	for (uint64_t i = 0; i < st->n_problems && i < LOG_MAX_PROBLEMS; i++) {
		if (strstr(st->problems[i], "resynchronised")) {
			first = st->problems[i];
			break;
		}
	}

	if (st->chunks_bad_magic)
		mm_scan_partial(ctx, MM_SKIP_CORRUPT, "%" PRIu64 " EVTX chunk(s) with a bad magic "
				"skipped", st->chunks_bad_magic);
	if (st->chunks_truncated)
		mm_scan_partial(ctx, MM_SKIP_TRUNCATED, "%" PRIu64 " EVTX chunk(s) truncated",
				st->chunks_truncated);
	if (st->records_bad)
		mm_scan_partial(ctx, MM_SKIP_CORRUPT, "%" PRIu64 " damaged EVTX record header(s), "
				"resynchronised (%s)", st->records_bad, first);
	if (st->records_incomplete)
		mm_scan_partial(ctx, MM_SKIP_CORRUPT, "%" PRIu64 " EVTX record(s) with damaged "
				"binary XML, System fields kept", st->records_incomplete);
	if (st->lines_too_long)
		mm_scan_partial(ctx, MM_SKIP_LIMIT, "%" PRIu64 " line(s) over %u bytes skipped",
				st->lines_too_long, LOG_MAX_LINE);
	if (st->fields_dropped)
		mm_scan_partial(ctx, MM_SKIP_LIMIT, "%" PRIu64 " field(s) over %d per event dropped",
				st->fields_dropped, LOG_MAX_FIELDS);
	mm_scan_count(ctx, "logs.events", st->events);
	if (st->chunks)
		mm_scan_count(ctx, "logs.evtx.chunks", st->chunks);
	if (st->chunks_bad_crc)
		mm_scan_count(ctx, "logs.evtx.bad_crc_chunks", st->chunks_bad_crc);
	if (st->records_zero_size)
		mm_scan_count(ctx, "logs.evtx.zero_size_records", st->records_zero_size);
	if (st->header_bad_crc)
		mm_scan_count(ctx, "logs.evtx.bad_header_crc", 1);
	if (st->header_dirty)
		mm_scan_count(ctx, "logs.evtx.dirty_header", 1);
	if (st->values_bad)
		mm_scan_count(ctx, "logs.evtx.bad_values", st->values_bad);
	if (st->lines_skipped)
		mm_scan_count(ctx, "logs.lines_not_understood", st->lines_skipped);
}

static int log_engine_run(const struct sigma_ruleset *rs, struct sigma_state *sst,
		   struct log_reader *r, struct mm_scan_ctx *ctx, const char *path,
		   bool decode, bool flush, uint64_t *n_events)
{
	struct logs_engine shim = { .rs = NULL, .year = 0, .decode_ps = decode };

	/* the shim only carries the decode switch to on_match() */
	struct match_job job = { .ctx = ctx, .e = &shim, .path = path };
	struct log_event ev;
	bool use_rules = rs && sigma_ruleset_count(rs) > 0 && sst;
	uint64_t n = 0;
	int rc;

	while ((rc = log_reader_next(r, &ev)) == 1) {
		n++;
		if (use_rules) {
			int err = sigma_eval(rs, sst, &ev, on_match, &job);

			if (err < 0)
				return err;
		}
		if ((n & 1023) == 0 && mm_scan_expired(ctx)) {
			mm_scan_partial(ctx, MM_SKIP_TIMEOUT, "time limit reached after %" PRIu64
					" events", n);
			rc = 0;
			break;
		}
	}
	if (use_rules && flush && rc >= 0) {
		int err = sigma_flush(rs, sst, on_match, &job);

		if (err < 0)
			rc = err;
	}
	if (n_events)
		*n_events += n;
	return rc;
}

static int year_of(int64_t us)
{
	time_t t = (time_t)(us / 1000000);
	struct tm tm;

	if (us <= 0 || !gmtime_r(&t, &tm))
		return 1970;
	return tm.tm_year + 1900;
}

static int logs_scan(void *state, void *worker, const struct mm_input *in,
		     struct mm_scan_ctx *ctx)
{
	struct logs_engine *e = state;
	struct log_reader *r = NULL;
	struct sigma_state *sst = NULL;
	struct log_reader_opts opts;
	struct mm_diag diag;
	uint64_t n = 0;
	int rc;

	(void)worker;
	memset(&opts, 0, sizeof(opts));
	opts.origin = in->path;
	opts.year = e->year ? e->year : year_of(in->mtime_us);
	opts.workers = e->evtx_threads;
	mm_diag_init(&diag);
	rc = log_reader_open_fd(&r, in->kind, in->fd, &opts, &diag);
	if (rc) {
		mm_scan_skip(ctx, rc == MM_EUNSUPPORTED ? MM_SKIP_UNSUPPORTED : MM_SKIP_CORRUPT,
			     "%s", diag.reason[0] ? diag.reason : mm_strerror(rc));
		return 0;
	}
	if (sigma_ruleset_count(e->rs) > 0) {
		sst = sigma_state_new(e->rs);
		if (!sst) {
			log_reader_free(r);
			return MM_ENOMEM;
		}
	}
	rc = log_engine_run(e->rs, sst, r, ctx, in->path, e->decode_ps, true, &n);
	if (rc < 0 && rc != MM_ENOMEM)
		mm_scan_partial(ctx, MM_SKIP_ERROR, "reading stopped: %s", mm_strerror(rc));
	log_engine_report(ctx, log_reader_stats(r));
	if (n == 0 && in->kind == MM_KIND_EVTX && log_reader_stats(r)->n_problems)
		mm_scan_skip(ctx, MM_SKIP_CORRUPT, "no EVTX record could be read (%s)",
			     log_reader_stats(r)->problems[0]);
	sigma_state_free(sst);
	log_reader_free(r);
	return rc == MM_ENOMEM ? rc : 0;
}

/* ---- events as JSON (`mamori logs dump`) ---- */

int log_event_to_json(const struct log_event *ev, struct mm_buf *out)
{
	struct mm_json j;

	mm_json_init(&j, out);
	mm_json_object_begin(&j, NULL);
	mm_json_str(&j, "format", ev->format ? ev->format : "");
	if (ev->format && !strcmp(ev->format, "evtx"))
		mm_json_uint(&j, "record_id", ev->record_id);
	else
		mm_json_uint(&j, "record", ev->record_id);
	mm_json_uint(&j, "offset", ev->offset);
	if (ev->ts_us) {
		char t[MM_TIME_STR];

		mm_time_format(ev->ts_us, t);
		mm_json_str(&j, "@timestamp", t);
	}
	if (ev->src.product || ev->src.service || ev->src.category) {
		mm_json_object_begin(&j, "logsource");
		if (ev->src.product)
			mm_json_str(&j, "product", ev->src.product);
		if (ev->src.service)
			mm_json_str(&j, "service", ev->src.service);
		if (ev->src.category)
			mm_json_str(&j, "category", ev->src.category);
		mm_json_object_end(&j);
	}
	if (ev->event_id)
		mm_json_uint(&j, "event_id", ev->event_id);
	if (ev->channel)
		mm_json_str(&j, "channel", ev->channel);
	if (ev->provider)
		mm_json_str(&j, "provider", ev->provider);
	if (ev->host)
		mm_json_str(&j, "host", ev->host);
	mm_json_object_begin(&j, "fields");
	for (size_t i = 0; i < ev->n_fields; i++) {
		char name[256];
		size_t nl = MM_MIN((size_t)ev->fields[i].name_len, sizeof(name) - 1);

		memcpy(name, ev->fields[i].name, nl);
		name[nl] = '\0';
		mm_json_strn(&j, name, ev->fields[i].value, ev->fields[i].value_len);
	}
	mm_json_object_end(&j);
	mm_json_object_end(&j);
	return mm_json_finish(&j);
}

/* ---- following a file (`mamori watch`) ---- */

struct log_follow {
	struct logs_engine *e;
	enum mm_kind kind;
	char *path;
	struct log_reader *r;		/* text: a stream reader */
	struct sigma_state *sst;
	uint64_t last_record;		/* EVTX: highest record id seen */
	uint64_t events;
};

int log_follow_new(struct log_follow **out, void *engine_state, enum mm_kind kind,
		   const char *path)
{
	struct log_follow *f = calloc(1, sizeof(*f));
	int err = 0;

	*out = NULL;
	if (!f)
		return MM_ENOMEM;
	f->e = engine_state;
	f->kind = kind;
	f->path = strdup(path ? path : "");
	if (!f->path) {
		err = MM_ENOMEM;
		goto out;
	}
	if (f->e && sigma_ruleset_count(f->e->rs) > 0) {
		f->sst = sigma_state_new(f->e->rs);
		if (!f->sst) {
			err = MM_ENOMEM;
			goto out;
		}
	}
	if (kind != MM_KIND_EVTX)
		err = log_follow_restart(f);
out:
	if (err) {
		log_follow_free(f);
		return err;
	}
	*out = f;
	return 0;
}

int log_follow_restart(struct log_follow *f)
{
	struct log_reader_opts opts;

	if (f->kind == MM_KIND_EVTX) {
		f->last_record = 0;
		return 0;
	}
	log_reader_free(f->r);
	f->r = NULL;
	memset(&opts, 0, sizeof(opts));
	opts.origin = f->path;
	opts.year = f->e && f->e->year ? f->e->year : year_of(mm_now_us());
	return log_reader_open_stream(&f->r, f->kind, &opts);
}

int log_follow_feed(struct log_follow *f, const uint8_t *data, size_t len,
		    struct mm_scan_ctx *ctx)
{
	int err;

	if (!f->r)
		return MM_ESTATE;
	err = log_reader_feed(f->r, data, len);
	if (err)
		return err;
	err = log_engine_run(f->e ? f->e->rs : NULL, f->sst, f->r, ctx, f->path,
			     f->e ? f->e->decode_ps : true, false, &f->events);
	return err < 0 ? err : 0;
}

/* Yields only EVTX records past the last one seen. */
int log_follow_evtx(struct log_follow *f, int fd, struct mm_scan_ctx *ctx)
{
	struct log_reader *r = NULL;
	struct log_reader_opts opts;
	struct mm_diag diag;
	struct log_event ev;
	uint64_t max = f->last_record;
	int rc;

	memset(&opts, 0, sizeof(opts));
	opts.origin = f->path;
	mm_diag_init(&diag);
	rc = log_reader_open_fd(&r, MM_KIND_EVTX, fd, &opts, &diag);
	if (rc)
		return rc;
	while ((rc = log_reader_next(r, &ev)) == 1) {
		struct match_job job = { .ctx = ctx, .e = f->e, .path = f->path };

		if (ev.record_id <= f->last_record)
			continue;
		max = MM_MAX(max, ev.record_id);
		f->events++;
		if (f->sst) {
			rc = sigma_eval(f->e->rs, f->sst, &ev, on_match, &job);
			if (rc < 0)
				break;
		}
	}
	f->last_record = max;
	log_reader_free(r);
	return rc < 0 ? rc : 0;
}

int log_follow_finish(struct log_follow *f, struct mm_scan_ctx *ctx)
{
	int rc = 0;

	if (f->r) {
		log_reader_finish(f->r);
		rc = log_engine_run(f->e ? f->e->rs : NULL, f->sst, f->r, ctx, f->path,
				    f->e ? f->e->decode_ps : true, false, &f->events);
	}
	if (f->sst && rc >= 0) {
		struct match_job job = { .ctx = ctx, .e = f->e, .path = f->path };

		rc = sigma_flush(f->e->rs, f->sst, on_match, &job);
	}
	return rc < 0 ? rc : 0;
}

uint64_t log_follow_events(const struct log_follow *f)
{
	return f->events;
}

void log_follow_free(struct log_follow *f)
{
	if (!f)
		return;
	log_reader_free(f->r);
	sigma_state_free(f->sst);
	free(f->path);
	free(f);
}

static const char *logs_ruleset_id(void *state)
{
	struct logs_engine *e = state;

	return e && e->rs ? sigma_ruleset_id(e->rs) : NULL;
}

const struct mm_engine mm_engine_logs = {
	.name = "logs",
	.description = "event logs: own EVTX parser, Windows JSON, syslog, auditd, journald; "
		       "Sigma rules and correlations",
	.kinds = MM_KIND_BIT(MM_KIND_EVTX) | MM_KIND_BIT(MM_KIND_JSONL) |
		 MM_KIND_BIT(MM_KIND_SYSLOG) | MM_KIND_BIT(MM_KIND_AUDITD) |
		 MM_KIND_BIT(MM_KIND_JOURNAL_EXPORT),
	.config_defaults = logs_defaults,
	.open = logs_open,
	.close = logs_close,
	.worker_open = logs_worker_open,
	.worker_close = logs_worker_close,
	.scan = logs_scan,
	.ruleset_id = logs_ruleset_id,
};
