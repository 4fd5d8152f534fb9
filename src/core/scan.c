/*
 * scan.c — the scan pipeline (see scan.h) and the ctx functions engines
 * call (engine.h): mm_emit_alert, mm_scan_skip, mm_scan_partial,
 * mm_scan_count, mm_scan_expired, mm_scan_seconds_left, mm_scan_config,
 * mm_scan_deterministic. The same functions serve live-mode ctxs made by
 * output.c, where ctx->scan is NULL.
 *
 * The walker runs on the caller's thread and submits one item per regular
 * file (path copy + open fd) to the pool; the queue holds at most
 * 16 * threads items (64..512), which bounds both memory and open
 * descriptors. Each
 * worker keeps its own engine worker states, head buffer and counters;
 * shared totals are atomics, and the few shared tables (skips by reason,
 * deferred records) sit behind one mutex.
 *
 * Limits: deferred records (deterministic mode) are capped at
 * SCAN_MAX_DEFERRED; past it (or when memory runs out) a record is written
 * straight away instead, out of order but never lost.
 */
#include "core/compat.h"
#include "core/scan.h"
#include "core/scan_ctx.h"
#include "core/sinks.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <unistd.h>

#include "core/pool.h"
#include "core/time.h"

#define SCAN_MAX_DEFERRED 1000000u
#define SCAN_MAX_ENGINES 16

static const char *const skip_names[] = {
#define MM_SKIP_NAME(name, text) text,
	MM_SKIP_MAP(MM_SKIP_NAME)
#undef MM_SKIP_NAME
};

const char *mm_skip_name(enum mm_skip s)
{
	if ((unsigned)s >= MM_SKIP_COUNT)
		return "error";
	return skip_names[s];
}

struct scan_item {
	char *path;
	int fd;
	uint64_t size, dev, ino;
	int64_t mtime_us;
	uint64_t seq;
};

/* A record held back in deterministic mode. */
struct deferred {
	char *path;
	uint64_t seq;
	uint32_t idx;
	bool is_alert;
	struct mm_alert *alert;	/* one block with its strings */
	enum mm_skip why;
	bool partial;
	char *detail;
};

struct scan_worker {
	void *states[SCAN_MAX_ENGINES];
	bool opened[SCAN_MAX_ENGINES];
	int open_err[SCAN_MAX_ENGINES];
	uint8_t head[MM_CLASSIFY_HEAD];
	struct mm_scan_counter counters[MM_SCAN_MAX_COUNTERS];
	size_t n_counters;
	uint64_t dropped;
};

struct mm_scan {
	struct mm_scan_opts o;
	size_t n_engines;
	unsigned threads;
	struct scan_worker *workers;
	volatile sig_atomic_t stop;
	int64_t started_us;

	_Atomic uint64_t walked_files, walked_bytes;
	atomic_bool walk_done;
	_Atomic uint64_t inputs, bytes, alerts, examined, empty, unchanged;
	_Atomic uint64_t by_engine[SCAN_MAX_ENGINES];
	_Atomic uint64_t sink_errors;

	pthread_mutex_t lock;	/* guards everything below */
	struct mm_scan_summary *sum;
	struct deferred *def;
	size_t n_def, cap_def;
	uint64_t seq;		/* walker only */
	struct mm_pool *pool;
};

/* ---- records: straight to the output, or held back ---- */

static char *xstrdup(const char *s)
{
	return s ? strdup(s) : NULL;
}

/* Copies an alert and every string it points to into one heap block. */
static struct mm_alert *clone_alert(const struct mm_alert *a)
{
	struct mm_alert tmp = *a;
	const char **f[64];
	size_t nf = 0, total = sizeof(struct mm_alert);
	struct mm_alert *c;
	char *p;

#define FIELD(x) f[nf++] = &tmp.x
	FIELD(module);
	FIELD(rule_id);
	FIELD(rule_name);
	FIELD(ruleset);
	FIELD(category);
	FIELD(family);
	FIELD(reason);
	FIELD(evidence_json);
	FIELD(src_ip);
	FIELD(dst_ip);
	FIELD(transport);
	FIELD(protocol);
	FIELD(community_id);
	FIELD(file_path);
	FIELD(file_sha256);
	FIELD(host_name);
	FIELD(user_name);
	FIELD(process_name);
	FIELD(url);
#undef FIELD
	for (size_t i = 0; i < MM_ALERT_MAX_LIST; i++) {
		f[nf++] = &tmp.references[i];
		f[nf++] = &tmp.techniques[i];
		f[nf++] = &tmp.tactics[i];
	}
	for (size_t i = 0; i < nf; i++) {
		if (*f[i])
			total += strlen(*f[i]) + 1;
	}
	c = malloc(total);
	if (!c)
		return NULL;
	p = (char *)(c + 1);
	for (size_t i = 0; i < nf; i++) {
		if (*f[i]) {
			size_t n = strlen(*f[i]) + 1;

			memcpy(p, *f[i], n);
			*f[i] = p;
			p += n;
		}
	}
	*c = tmp;
	return c;
}

static void sink_error(struct mm_scan *s, int rc)
{
	if (rc && s)
		atomic_fetch_add(&s->sink_errors, 1);
}

/* Adds a record to the deferred list; false if it could not (the caller
 * then writes it straight away). Called with s->lock held. */
static bool defer_push(struct mm_scan *s, const struct deferred *d)
{
	if (s->n_def == s->cap_def) {
		size_t cap = s->cap_def ? s->cap_def * 2 : 256;
		struct deferred *n;

		if (cap > SCAN_MAX_DEFERRED)
			return false;
		n = realloc(s->def, cap * sizeof(*n));
		if (!n)
			return false;
		s->def = n;
		s->cap_def = cap;
	}
	s->def[s->n_def++] = *d;
	return true;
}

static void deferred_release(struct deferred *d)
{
	free(d->path);
	free(d->alert);
	free(d->detail);
}

static int deferred_cmp(const void *pa, const void *pb)
{
	const struct deferred *a = pa, *b = pb;
	int c = strcmp(a->path, b->path);

	if (c)
		return c;
	if (a->seq != b->seq)
		return a->seq < b->seq ? -1 : 1;
	if (a->idx != b->idx)
		return a->idx < b->idx ? -1 : 1;
	return 0;
}

static void defer_flush(struct mm_scan *s)
{
	if (s->n_def > 1)
		qsort(s->def, s->n_def, sizeof(*s->def), deferred_cmp);
	for (size_t i = 0; i < s->n_def; i++) {
		struct deferred *d = &s->def[i];

		if (d->is_alert)
			sink_error(s, mm_output_alert(s->o.out, d->alert));
		else
			sink_error(s, mm_output_skip(s->o.out, d->path, d->why, d->partial,
						     d->detail));
		deferred_release(d);
	}
	free(s->def);
	s->def = NULL;
	s->n_def = s->cap_def = 0;
}

static void put_skip(struct mm_scan *s, const char *path, uint64_t seq, uint32_t idx,
		     enum mm_skip why, bool partial, const char *detail, struct mm_output *out)
{
	if (s && s->o.deterministic) {
		struct deferred d;
		bool ok;

		memset(&d, 0, sizeof(d));
		d.path = xstrdup(path);
		d.detail = xstrdup(detail);
		d.seq = seq;
		d.idx = idx;
		d.why = why;
		d.partial = partial;
		if (d.path && d.detail) {
			pthread_mutex_lock(&s->lock);
			ok = defer_push(s, &d);
			pthread_mutex_unlock(&s->lock);
			if (ok)
				return;
		}
		deferred_release(&d);
	}
	if (s)
		sink_error(s, mm_output_skip(out, path, why, partial, detail));
	else
		mm_output_skip(out, path, why, partial, detail);
}

/* Counts a skip or partial in the summary. */
static void note_skip(struct mm_scan *s, const char *path, enum mm_skip why, bool partial)
{
	struct mm_scan_summary *sum = s->sum;

	if ((unsigned)why >= MM_SKIP_COUNT)
		why = MM_SKIP_ERROR;
	pthread_mutex_lock(&s->lock);
	if (partial) {
		sum->partial_by_reason[why]++;
	} else {
		uint64_t n = sum->skipped_by_reason[why]++;

		sum->skipped++;
		if (n < MM_SCAN_FIRST_PATHS)
			snprintf(sum->first_skipped[why][n], MM_SCAN_PATH_SHOWN, "%s", path);
	}
	pthread_mutex_unlock(&s->lock);
}

/* ---- the ctx API of engine.h ---- */

int mm_emit_alert(struct mm_scan_ctx *ctx, const struct mm_alert *a)
{
	struct mm_alert full = *a;
	struct mm_scan *s = ctx->scan;
	int rc = 0;

	if (!full.module)
		full.module = ctx->module;
	if (ctx->in) {
		if (!full.timestamp_us)
			full.timestamp_us = ctx->in->mtime_us;
		if (!full.file_path) {
			full.file_path = ctx->in->path;
			if (full.file_size < 0)
				full.file_size = (int64_t)ctx->in->size;
		}
	}
	ctx->alerts++;
	if (s) {
		enum mm_level l = mm_alert_level(&full);

		atomic_fetch_add(&s->alerts, 1);
		pthread_mutex_lock(&s->lock);
		s->sum->alerts++;
		if ((unsigned)l < MM_LEVEL_COUNT)
			s->sum->alerts_by_level[l]++;
		pthread_mutex_unlock(&s->lock);
	}
	if (s && s->o.deterministic) {
		struct deferred d;
		bool ok = false;

		memset(&d, 0, sizeof(d));
		d.is_alert = true;
		d.path = xstrdup(ctx->path ? ctx->path : "");
		d.seq = ctx->seq;
		d.idx = ctx->emitted++;
		d.alert = clone_alert(&full);
		if (d.path && d.alert) {
			pthread_mutex_lock(&s->lock);
			ok = defer_push(s, &d);
			pthread_mutex_unlock(&s->lock);
		}
		if (ok)
			return 0;
		deferred_release(&d);
	}
	rc = mm_output_alert(ctx->out, &full);
	sink_error(s, rc);
	return rc;
}

/* A part left out for one of these reasons is left out again by every
 * rescan of the same bytes under the same rules and configuration (the
 * engines' ruleset_id covers their limits): the input counts as examined
 * for --changed. Timeouts, errors, interrupts and unreadable parts may go
 * differently next time. */
static bool stable_partial(enum mm_skip why)
{
	switch (why) {
	case MM_SKIP_TRUNCATED:
	case MM_SKIP_CORRUPT:
	case MM_SKIP_UNSUPPORTED:
	case MM_SKIP_LIMIT:
	case MM_SKIP_TOO_LARGE:
		return true;
	default:
		return false;
	}
}

static void ctx_report(struct mm_scan_ctx *ctx, enum mm_skip why, bool partial,
		       const char *fmt, va_list ap) MM_PRINTF(4, 0);

static void ctx_report(struct mm_scan_ctx *ctx, enum mm_skip why, bool partial,
		       const char *fmt, va_list ap)
{
	char detail[512];
	const char *path = ctx->path ? ctx->path : "";

	if ((unsigned)why >= MM_SKIP_COUNT)
		why = MM_SKIP_ERROR;
	/* an engine stopped by the interrupt says "timed out": say why */
	if (why == MM_SKIP_TIMEOUT && ctx->scan && ctx->scan->stop)
		why = MM_SKIP_INTERRUPTED;
	vsnprintf(detail, sizeof(detail), fmt, ap);
	if (partial) {
		if (ctx->partials == 0)
			ctx->first_partial = why;
		if (!stable_partial(why))
			ctx->partial_unstable = true;
		ctx->partials++;
		if (ctx->partials > MM_SCAN_PARTIAL_RECORDS)
			return;
	} else {
		if (ctx->skipped)
			return;	/* one skip record per input */
		ctx->skipped = true;
		if (ctx->scan)
			note_skip(ctx->scan, path, why, false);
	}
	put_skip(ctx->scan, path, ctx->seq, ctx->emitted++, why, partial, detail, ctx->out);
}

void mm_scan_skip(struct mm_scan_ctx *ctx, enum mm_skip why, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ctx_report(ctx, why, false, fmt, ap);
	va_end(ap);
}

void mm_scan_partial(struct mm_scan_ctx *ctx, enum mm_skip why, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ctx_report(ctx, why, true, fmt, ap);
	va_end(ap);
}

static void counter_add(struct scan_worker *w, const char *name, uint64_t n)
{
	size_t i;

	for (i = 0; i < w->n_counters; i++) {
		if (!strcmp(w->counters[i].name, name)) {
			w->counters[i].value += n;
			return;
		}
	}
	if (w->n_counters == MM_SCAN_MAX_COUNTERS || strlen(name) >= MM_SCAN_COUNTER_NAME) {
		w->dropped++;
		return;
	}
	snprintf(w->counters[i].name, MM_SCAN_COUNTER_NAME, "%s", name);
	w->counters[i].value = n;
	w->n_counters++;
}

void mm_scan_count(struct mm_scan_ctx *ctx, const char *name, uint64_t n)
{
	if (ctx->worker && name)
		counter_add(ctx->worker, name, n);
}

bool mm_scan_expired(const struct mm_scan_ctx *ctx)
{
	if (ctx->interrupted)
		return true;
	if (ctx->scan && ctx->scan->stop)
		return true;
	return ctx->deadline_us && mm_monotonic_us() >= ctx->deadline_us;
}

int mm_scan_seconds_left(const struct mm_scan_ctx *ctx)
{
	int64_t left;

	if (!ctx->deadline_us)
		return 1000000;
	left = (ctx->deadline_us - mm_monotonic_us()) / 1000000;
	return left < 1 ? 1 : (left > 1000000 ? 1000000 : (int)left);
}

const struct mm_config *mm_scan_config(const struct mm_scan_ctx *ctx)
{
	return ctx->cfg;
}

bool mm_scan_deterministic(const struct mm_scan_ctx *ctx)
{
	return ctx->deterministic;
}

/* ---- the pipeline ---- */

static void item_free(struct scan_item *it)
{
	if (!it)
		return;
	if (it->fd >= 0)
		close(it->fd);
	free(it->path);
	free(it);
}

/* Reads up to cap bytes from offset 0; returns bytes read or -errno. */
static long read_head(int fd, uint8_t *buf, size_t cap)
{
	size_t got = 0;

	while (got < cap) {
		ssize_t n = pread(fd, buf + got, cap - got, (off_t)got);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				break;
			return -errno;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	return (long)got;
}

static void scan_one(void *arg, unsigned widx, void *p)
{
	struct mm_scan *s = arg;
	struct scan_item *it = p;
	struct scan_worker *w = &s->workers[widx];
	struct mm_scan_ctx ctx;
	struct mm_input in;
	size_t ei;
	long n;
	int rc;

	memset(&ctx, 0, sizeof(ctx));
	ctx.out = s->o.out;
	ctx.cfg = s->o.config;
	ctx.deterministic = s->o.deterministic;
	ctx.path = it->path;
	ctx.scan = s;
	ctx.worker = w;
	ctx.seq = it->seq;
	memset(&in, 0, sizeof(in));
	in.path = it->path;
	in.fd = it->fd;
	in.size = it->size;
	in.dev = it->dev;
	in.ino = it->ino;
	in.mtime_us = it->mtime_us;
	ctx.in = &in;

	atomic_fetch_add(&s->inputs, 1);
	if (s->stop) {
		mm_scan_skip(&ctx, MM_SKIP_INTERRUPTED, "interrupted before it was examined");
		goto out;
	}
	if (s->o.max_size && it->size > s->o.max_size) {
		mm_scan_skip(&ctx, MM_SKIP_TOO_LARGE, "too large: %" PRIu64 " bytes, limit %" PRIu64,
			     it->size, s->o.max_size);
		goto out;
	}
	n = read_head(it->fd, w->head, sizeof(w->head));
	if (n < 0) {
		mm_scan_skip(&ctx, MM_SKIP_UNREADABLE, "unreadable: %s", strerror((int)-n));
		goto out;
	}
	if (n == 0) {
		if (it->size > 0) {
			mm_scan_skip(&ctx, MM_SKIP_VANISHED, "vanished: truncated to 0 bytes while scanned");
			goto out;
		}
		atomic_fetch_add(&s->empty, 1);
		atomic_fetch_add(&s->examined, 1);
		goto out;
	}
	in.head = w->head;
	in.head_len = (size_t)n;
	in.kind = mm_classify(w->head, (size_t)n, it->size);
	for (ei = 0; ei < s->n_engines; ei++) {
		if (s->o.engines[ei]->kinds & MM_KIND_BIT(in.kind))
			break;
	}
	if (ei < s->n_engines && s->o.unchanged && s->o.unchanged(s->o.changed_arg, &in, ei)) {
		atomic_fetch_add(&s->unchanged, 1);
		goto out;
	}
	atomic_fetch_add(&s->bytes, it->size);
	if (ei == s->n_engines) {
		pthread_mutex_lock(&s->lock);
		s->sum->no_engine_by_kind[in.kind]++;
		pthread_mutex_unlock(&s->lock);
		mm_scan_skip(&ctx, MM_SKIP_NO_ENGINE, "no engine yet for %s input",
			     mm_kind_name(in.kind));
		goto out;
	}
	if (!w->opened[ei]) {
		const struct mm_engine *e = s->o.engines[ei];

		w->opened[ei] = true;
		w->open_err[ei] = e->worker_open ?
			e->worker_open(s->o.engine_states[ei], &w->states[ei]) : 0;
	}
	if (w->open_err[ei]) {
		mm_scan_skip(&ctx, MM_SKIP_ERROR, "error: %s engine: %s", s->o.engines[ei]->name,
			     mm_strerror(w->open_err[ei]));
		goto out;
	}
	atomic_fetch_add(&s->by_engine[ei], 1);
	ctx.module = s->o.engines[ei]->name;
	if (s->o.timeout_s > 0)
		ctx.deadline_us = mm_monotonic_us() + (int64_t)s->o.timeout_s * 1000000;
	rc = s->o.engines[ei]->scan(s->o.engine_states[ei], w->states[ei], &in, &ctx);
	if (rc < 0 && !ctx.skipped && !ctx.partials)
		mm_scan_skip(&ctx, rc == MM_ETIMEDOUT ? MM_SKIP_TIMEOUT : MM_SKIP_ERROR,
			     "%s engine: %s", s->o.engines[ei]->name, mm_strerror(rc));
	if (ctx.partials > MM_SCAN_PARTIAL_RECORDS && !ctx.skipped) {
		char more[96];

		snprintf(more, sizeof(more), "and %" PRIu32 " more parts not examined",
			 ctx.partials - MM_SCAN_PARTIAL_RECORDS);
		put_skip(s, it->path, ctx.seq, ctx.emitted++, ctx.first_partial, true, more,
			 s->o.out);
	}
	if (ctx.partials && !ctx.skipped) {
		note_skip(s, it->path, ctx.first_partial, true);
		pthread_mutex_lock(&s->lock);
		s->sum->partial++;
		pthread_mutex_unlock(&s->lock);
	}
	if (!ctx.skipped && !ctx.partials)
		atomic_fetch_add(&s->examined, 1);
	/* --changed: examined in part for stable reasons only is as good as
	 * examined: a rescan would report the same (see stable_partial) */
	if (!ctx.skipped && !ctx.partial_unstable && s->o.examined)
		s->o.examined(s->o.changed_arg, &in, ei);
out:
	item_free(it);
}

/* The walker asks before it opens a file: --changed leaves out what the
 * store knows as examined and unchanged. */
static bool pre_open(void *arg, const struct mm_walk_entry *e)
{
	struct mm_scan *s = arg;
	struct mm_input in;

	memset(&in, 0, sizeof(in));
	in.path = e->path;
	in.fd = -1;
	in.size = e->size;
	in.dev = e->dev;
	in.ino = e->ino;
	in.mtime_us = e->mtime_us;
	in.kind = MM_KIND_UNKNOWN;
	if (!s->o.unchanged_stat(s->o.changed_arg, &in))
		return false;
	s->seq++;	/* walk order stays the order of every file met */
	atomic_fetch_add(&s->walked_files, 1);
	atomic_fetch_add(&s->walked_bytes, e->size);
	atomic_fetch_add(&s->inputs, 1);
	atomic_fetch_add(&s->unchanged, 1);
	return true;
}

static int on_walk(void *arg, const struct mm_walk_entry *e)
{
	struct mm_scan *s = arg;
	struct scan_item *it;
	uint64_t seq = s->seq++;

	if (e->skipped) {
		note_skip(s, e->path, e->why, false);
		put_skip(s, e->path, seq, 0, e->why, false, e->detail, s->o.out);
		return 0;
	}
	atomic_fetch_add(&s->walked_files, 1);
	atomic_fetch_add(&s->walked_bytes, e->size);
	it = calloc(1, sizeof(*it));
	if (it)
		it->path = strdup(e->path);
	if (!it || !it->path) {
		free(it);
		close(e->fd);
		note_skip(s, e->path, MM_SKIP_ERROR, false);
		put_skip(s, e->path, seq, 0, MM_SKIP_ERROR, false, "error: out of memory",
			 s->o.out);
		return 0;
	}
	it->fd = e->fd;
	it->size = e->size;
	it->dev = e->dev;
	it->ino = e->ino;
	it->mtime_us = e->mtime_us;
	it->seq = seq;
	if (mm_pool_submit(s->pool, it) != 0) {
		note_skip(s, it->path, MM_SKIP_ERROR, false);
		put_skip(s, it->path, seq, 0, MM_SKIP_ERROR, false, "error: worker pool closed",
			 s->o.out);
		item_free(it);
	}
	return 0;
}

struct mm_scan *mm_scan_new(const struct mm_scan_opts *opts)
{
	struct mm_scan *s = calloc(1, sizeof(*s));
	long ncpu;

	if (!s)
		return NULL;
	s->o = *opts;
	while (s->o.engines && s->o.engines[s->n_engines])
		s->n_engines++;
	if (s->n_engines > SCAN_MAX_ENGINES)
		s->n_engines = SCAN_MAX_ENGINES;
	s->threads = opts->threads;
	if (!s->threads) {
		ncpu = sysconf(_SC_NPROCESSORS_ONLN);
		s->threads = ncpu > 0 ? (unsigned)ncpu : 1;
	}
	if (s->threads > 256)
		s->threads = 256;
	s->workers = calloc(s->threads, sizeof(*s->workers));
	if (!s->workers) {
		free(s);
		return NULL;
	}
	pthread_mutex_init(&s->lock, NULL);
	return s;
}

void mm_scan_free(struct mm_scan *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n_def; i++)
		deferred_release(&s->def[i]);
	free(s->def);
	pthread_mutex_destroy(&s->lock);
	free(s->workers);
	free(s);
}

void mm_scan_interrupt(struct mm_scan *s)
{
	s->stop = 1;
}

void mm_scan_get_progress(struct mm_scan *s, struct mm_scan_progress *p)
{
	p->walked_files = atomic_load(&s->walked_files);
	p->walked_bytes = atomic_load(&s->walked_bytes);
	p->walk_done = atomic_load(&s->walk_done);
	p->inputs = atomic_load(&s->inputs);
	p->bytes = atomic_load(&s->bytes);
	p->alerts = atomic_load(&s->alerts);
	p->elapsed_us = s->started_us ? mm_monotonic_us() - s->started_us : 0;
}

static int counter_cmp(const void *a, const void *b)
{
	return strcmp(((const struct mm_scan_counter *)a)->name,
		      ((const struct mm_scan_counter *)b)->name);
}

static void merge_counters(struct mm_scan *s, struct mm_scan_summary *sum)
{
	for (unsigned t = 0; t < s->threads; t++) {
		struct scan_worker *w = &s->workers[t];

		sum->counters_dropped += w->dropped;
		for (size_t i = 0; i < w->n_counters; i++) {
			size_t j;

			for (j = 0; j < sum->n_counters; j++) {
				if (!strcmp(sum->counters[j].name, w->counters[i].name))
					break;
			}
			if (j == sum->n_counters) {
				if (j == MM_SCAN_MAX_COUNTERS) {
					sum->counters_dropped++;
					continue;
				}
				sum->counters[j] = w->counters[i];
				sum->counters[j].value = 0;
				sum->n_counters++;
			}
			sum->counters[j].value += w->counters[i].value;
		}
	}
	if (sum->n_counters > 1)
		qsort(sum->counters, sum->n_counters, sizeof(sum->counters[0]), counter_cmp);
}

int mm_scan_run(struct mm_scan *s, struct mm_scan_summary *sum)
{
	struct mm_walk_opts wo;
	int rc = 0;

	memset(sum, 0, sizeof(*sum));
	s->sum = sum;
	s->started_us = mm_monotonic_us();
	memset(&wo, 0, sizeof(wo));
	wo.one_filesystem = s->o.one_filesystem;
	wo.excludes = s->o.excludes;
	wo.n_excludes = s->o.n_excludes;
	wo.stop = &s->stop;
	wo.before_open = s->o.before_open;
	wo.hook_arg = s->o.hook_arg;
	if (s->o.unchanged_stat) {
		wo.pre_open = pre_open;
		wo.pre_open_arg = s;
	}

	/* each queued item holds an open descriptor: keep the queue well
	 * under the usual 1024-descriptor limit */
	s->pool = mm_pool_new(s->threads, MM_MIN((size_t)512, MM_MAX((size_t)64, (size_t)s->threads * 16)),
			      scan_one, s);
	if (!s->pool) {
		rc = MM_ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < s->o.n_paths && !s->stop; i++) {
		int wrc = mm_walk(s->o.paths[i], &wo, on_walk, s, &sum->walk);

		if (wrc == MM_ENOMEM) {
			rc = wrc;
			break;
		}
	}
	atomic_store(&s->walk_done, true);
	/* workers drain the queue; items left after an interrupt are
	 * reported as interrupted by scan_one() */
	mm_pool_free(s->pool);
	s->pool = NULL;
	for (unsigned t = 0; t < s->threads; t++) {
		for (size_t e = 0; e < s->n_engines; e++) {
			struct scan_worker *w = &s->workers[t];

			if (w->opened[e] && !w->open_err[e] && s->o.engines[e]->worker_close)
				s->o.engines[e]->worker_close(w->states[e]);
			w->opened[e] = false;
		}
	}
	if (s->o.deterministic)
		defer_flush(s);
	merge_counters(s, sum);
out:
	/* inputs: every regular file handed over, and every other entry the
	 * walk reported (FIFOs, dangling links, unreadable names) */
	sum->inputs = atomic_load(&s->inputs) + sum->walk.skipped;
	sum->examined = atomic_load(&s->examined);
	sum->empty = atomic_load(&s->empty);
	sum->unchanged = atomic_load(&s->unchanged);
	sum->bytes = atomic_load(&s->bytes);
	for (size_t e = 0; e < s->n_engines && e < MM_ARRAY_SIZE(sum->by_engine); e++)
		sum->by_engine[e] = atomic_load(&s->by_engine[e]);
	sum->sink_errors = atomic_load(&s->sink_errors);
	sum->interrupted = s->stop != 0;
	sum->duration_us = mm_monotonic_us() - s->started_us;
	if (!rc && s->stop)
		rc = MM_EINTR;
	s->sum = NULL;
	return rc;
}
