/*
 * evtx.c — EVTX files and chunks: headers, checksums, the record walk and
 * its resynchronisation; the binary XML of each record is rendered by
 * binxml.c. The layout and the robustness rules are described in evtx.h.
 *
 * Input: a whole file in memory (mapped by the reader). Nothing is read
 * outside [data, data+len); inside a chunk nothing outside the chunk.
 *
 * Threading: see evtx.h (one object per thread; chunks are independent).
 */
#include "core/compat.h"
#include "logs/evtx.h"

#include <errno.h>
#include <pthread.h>
#include <unistd.h>
#include <zlib.h>

static const uint8_t file_magic[8] = { 'E', 'l', 'f', 'F', 'i', 'l', 'e', 0 };
static const uint8_t chunk_magic[8] = { 'E', 'l', 'f', 'C', 'h', 'n', 'k', 0 };
static const uint8_t rec_magic[4] = { 0x2a, 0x2a, 0, 0 };

static inline uint16_t le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | (p[1] << 8));
}

static inline uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) |
	       ((uint32_t)p[3] << 24);
}

static inline uint64_t le64(const uint8_t *p)
{
	return (uint64_t)le32(p) | ((uint64_t)le32(p + 4) << 32);
}

uint32_t evtx_crc32(const uint8_t *p, size_t len)
{
	uLong c = crc32(0L, Z_NULL, 0);

	while (len > 0) {
		uInt n = (uInt)MM_MIN(len, (size_t)1 << 30);

		c = crc32(c, p, n);
		p += n;
		len -= n;
	}
	return (uint32_t)c;
}

static int64_t filetime_us(uint64_t ft)
{
	/* 100 ns ticks since 1601 -> microseconds since 1970 */
	return (int64_t)(ft / 10) - INT64_C(11644473600000000);
}

/* ---- chunk ---- */

struct evtx_chunk {
	struct log_reader_stats *st;
	struct bx_chunk *bx;
	const uint8_t *d;
	size_t len;
	size_t free_off;	/* header's free space offset, clamped */
	size_t pos;
	uint64_t file_off, index;
	uint64_t first_id, last_id;	/* header's record id range */
	uint64_t prev_id;		/* last record returned, 0 = none */
};

struct evtx_chunk *evtx_chunk_new(struct log_reader_stats *st)
{
	struct evtx_chunk *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->st = st;
	c->bx = bx_chunk_new(st);
	if (!c->bx) {
		free(c);
		return NULL;
	}
	return c;
}

void evtx_chunk_free(struct evtx_chunk *c)
{
	if (!c)
		return;
	bx_chunk_free(c->bx);
	free(c);
}

static bool all_zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (p[i])
			return false;
	}
	return true;
}

int evtx_chunk_load(struct evtx_chunk *c, const uint8_t *data, size_t len, uint64_t file_offset,
		    uint64_t chunk_index)
{
	uint32_t crc, free_off;

	c->d = data;
	c->len = MM_MIN(len, (size_t)EVTX_CHUNK_SIZE);
	c->pos = c->len;	/* nothing to read until the header is good */
	c->file_off = file_offset;
	c->index = chunk_index;
	if (c->len < EVTX_CHUNK_HEADER) {
		if (!all_zero(data, c->len)) {
			c->st->chunks_truncated++;
			log_stats_problem(c->st, "chunk %" PRIu64 " at offset %" PRIu64
					  ": truncated to %zu bytes (no header)",
					  chunk_index, file_offset, c->len);
		}
		return MM_ETRUNC;
	}
	if (memcmp(data, chunk_magic, 8) != 0) {
		if (all_zero(data, EVTX_CHUNK_HEADER)) {
			c->st->chunks_empty++;
			return MM_ENOTFOUND;
		}
		c->st->chunks_bad_magic++;
		log_stats_problem(c->st, "chunk %" PRIu64 " at offset %" PRIu64
				  ": bad chunk magic, chunk skipped", chunk_index, file_offset);
		return MM_ECORRUPT;
	}
	c->st->chunks++;
	if (c->len < EVTX_CHUNK_SIZE) {
		c->st->chunks_truncated++;
		log_stats_problem(c->st, "chunk %" PRIu64 " at offset %" PRIu64
				  ": truncated to %zu bytes, records read up to the cut",
				  chunk_index, file_offset, c->len);
	}
	free_off = le32(data + 48);
	c->free_off = (free_off >= EVTX_CHUNK_HEADER && free_off <= c->len) ? free_off : c->len;
	crc = (uint32_t)crc32(crc32(0L, Z_NULL, 0), data, 120);
	crc = (uint32_t)crc32(crc, data + 128, EVTX_CHUNK_HEADER - 128);
	if (crc != le32(data + 124)) {
		c->st->chunks_bad_crc++;
		log_stats_problem(c->st, "chunk %" PRIu64 " at offset %" PRIu64
				  ": header checksum mismatch, parsed anyway", chunk_index,
				  file_offset);
	} else if (free_off >= EVTX_CHUNK_HEADER && free_off <= c->len &&
		   evtx_crc32(data + EVTX_CHUNK_HEADER, free_off - EVTX_CHUNK_HEADER) !=
			   le32(data + 52)) {
		c->st->chunks_bad_crc++;
		log_stats_problem(c->st, "chunk %" PRIu64 " at offset %" PRIu64
				  ": records checksum mismatch, parsed anyway", chunk_index,
				  file_offset);
	}
	c->first_id = le64(data + 24);
	c->last_id = le64(data + 32);
	c->prev_id = 0;
	bx_chunk_reset(c->bx, data, c->len);
	c->pos = EVTX_CHUNK_HEADER;
	return 0;
}

static bool size_ok(const struct evtx_chunk *c, size_t pos)
{
	uint32_t size = le32(c->d + pos + 4);

	return size >= 28 && size <= c->len - pos && le32(c->d + pos + size - 4) == size;
}

/* Next plausible record (signature, size and its copy agree) at or after
 * from; len if none. */
static size_t resync(const struct evtx_chunk *c, size_t from)
{
	for (size_t i = from; i + 28 <= c->len; i++) {
		if (c->d[i] == 0x2a && c->d[i + 1] == 0x2a && c->d[i + 2] == 0 &&
		    c->d[i + 3] == 0 && size_ok(c, i))
			return i;
	}
	return c->len;
}

int evtx_chunk_next(struct evtx_chunk *c, struct log_event *ev)
{
	while (c->pos + 28 <= c->len) {
		size_t pos = c->pos;
		uint32_t size;
		int err;

		if (memcmp(c->d + pos, rec_magic, 4) != 0) {
			/* free space: zeros from here on */
			if (pos >= c->free_off || all_zero(c->d + pos, 4)) {
				if (pos >= c->free_off) {
					c->pos = c->len;
					return 0;
				}
			}
			c->st->records_bad++;
			log_stats_problem(c->st, "chunk %" PRIu64 " offset %zu: no record "
					  "signature, resynchronised", c->index, pos);
			c->pos = resync(c, pos + 1);
			continue;
		}
		size = le32(c->d + pos + 4);
		if (size == 0) {
			c->st->records_zero_size++;
			log_stats_problem(c->st, "chunk %" PRIu64 " offset %zu: zero-size record "
					  "skipped", c->index, pos);
			c->pos = resync(c, pos + 4);
			continue;
		}
		if (size < 28 || size > c->len - pos || le32(c->d + pos + size - 4) != size) {
			c->st->records_bad++;
			log_stats_problem(c->st, "chunk %" PRIu64 " offset %zu: record size %" PRIu32
					  " is wrong, resynchronised", c->index, pos, size);
			c->pos = resync(c, pos + 4);
			continue;
		}
		if (pos >= c->free_off) {
			/* past the free space offset: a stale header (dirty file)
			 * is followed, slack left by an older log is not */
			uint64_t id = le64(c->d + pos + 8);

			if (!(c->prev_id ? id == c->prev_id + 1 : id == c->first_id)) {
				c->pos = c->len;
				return 0;
			}
		}
		memset(ev, 0, sizeof(*ev));
		ev->format = "evtx";
		ev->record_id = le64(c->d + pos + 8);
		c->prev_id = ev->record_id;
		ev->ts_us = filetime_us(le64(c->d + pos + 16));
		ev->offset = c->file_off + pos;
		err = bx_render_record(c->bx, pos + 24, pos + size - 4, ev);
		if (err == MM_ENOMEM)
			return err;
		if (err) {
			c->st->records_incomplete++;
			log_stats_problem(c->st, "record %" PRIu64 " (chunk %" PRIu64 "): binary XML "
					  "damaged, %zu fields kept", ev->record_id, c->index,
					  ev->n_fields);
		}
		log_event_fill_windows(ev);
		c->pos = pos + size;
		c->st->events++;
		return 1;
	}
	c->pos = c->len;
	return 0;
}

/* ---- file ---- */

/*
 * Chunk-parallel reading: a batch of EVTX_BATCH_PER_WORKER chunks per
 * worker is parsed by `workers` threads (the caller's thread is one of
 * them), each chunk into its slot: its own chunk parser, stats and a copy
 * of its events; then the events are returned slot by slot, so the order
 * is the file's.
 */
#define EVTX_BATCH_PER_WORKER 4
#define EVTX_MAX_WORKERS 64

struct evtx_slot {
	struct evtx_chunk *c;
	struct log_reader_stats st;
	struct mm_arena arena;		/* copies of the events' values */
	struct log_event *ev;
	size_t n, cap, next;
	uint8_t *buf;			/* fd mode */
	uint64_t index;
	int err;
};

struct evtx_file {
	const uint8_t *d;	/* the whole file in memory, or NULL (fd) */
	size_t len;
	int fd;			/* read chunk by chunk when d is NULL */
	uint8_t *buf;		/* one chunk (fd mode) */
	struct log_reader_stats *st;
	struct evtx_chunk *c;
	uint64_t next_chunk, n_chunks;
	bool in_chunk;
	/* parallel mode */
	unsigned workers;
	struct evtx_slot *slots;
	size_t n_slots, used_slots, cur_slot;
};

/* Reads exactly n bytes at off (fewer only at the end of the file). */
static ssize_t pread_full(int fd, uint8_t *p, size_t n, uint64_t off)
{
	size_t got = 0;

	while (got < n) {
		ssize_t k = pread(fd, p + got, n - got, (off_t)(off + got));

		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return -1;
		if (k == 0)
			break;
		got += (size_t)k;
	}
	return (ssize_t)got;
}

int evtx_file_open_fd(struct evtx_file **out, int fd, uint64_t size,
		      struct log_reader_stats *st, unsigned workers, struct mm_diag *diag)
{
	uint8_t *head = NULL;
	ssize_t n;
	int err;

	*out = NULL;
	head = calloc(1, EVTX_FILE_HEADER + EVTX_CHUNK_HEADER);
	if (!head)
		return MM_ENOMEM;
	n = pread_full(fd, head, EVTX_FILE_HEADER + EVTX_CHUNK_HEADER, 0);
	if (n < 0) {
		free(head);
		return mm_diag_set(diag, mm_from_errno(errno), NULL, -1, 0, "cannot read: %s",
				   strerror(errno));
	}
	/* the header checks see the real size through len */
	err = evtx_file_open(out, head, (size_t)MM_MIN(size, (uint64_t)SIZE_MAX), st, workers,
			     diag);
	if (!err) {
		(*out)->d = NULL;
		(*out)->fd = fd;
		(*out)->buf = malloc(EVTX_CHUNK_SIZE);
		if (!(*out)->buf || evtx_file_set_workers(*out, workers) != 0) {
			evtx_file_free(*out);
			*out = NULL;
			err = MM_ENOMEM;
		}
	}
	free(head);
	return err;
}

int evtx_file_open(struct evtx_file **out, const uint8_t *data, size_t len,
		   struct log_reader_stats *st, unsigned workers, struct mm_diag *diag)
{
	struct evtx_file *f = NULL;
	uint64_t present;
	int err = 0;

	*out = NULL;
	if (len < 8 || memcmp(data, file_magic, 8) != 0) {
		/* a damaged header over good chunks is still worth reading */
		if (!(len >= EVTX_FILE_HEADER + EVTX_CHUNK_HEADER &&
		      memcmp(data + EVTX_FILE_HEADER, chunk_magic, 8) == 0))
			return mm_diag_set(diag, MM_ECORRUPT, NULL, -1, 0,
					   "not an EVTX file (no ElfFile signature)");
		log_stats_problem(st, "file header signature damaged; chunks read anyway");
	}
	f = calloc(1, sizeof(*f));
	if (!f)
		return MM_ENOMEM;
	f->d = data;
	f->len = len;
	f->fd = -1;
	f->st = st;
	f->c = evtx_chunk_new(st);
	if (!f->c) {
		err = MM_ENOMEM;
		goto out;
	}
	if (len < EVTX_FILE_HEADER) {
		st->chunks_truncated++;
		log_stats_problem(st, "file is %zu bytes, shorter than its header", len);
		present = 0;
	} else {
		uint32_t flags = le32(data + 120);
		uint16_t hdr_count = le16(data + 42);

		if (evtx_crc32(data, 120) != le32(data + 124)) {
			st->header_bad_crc = true;
			log_stats_problem(st, "file header checksum mismatch, read anyway");
		}
		if (flags & 1)
			st->header_dirty = true;
		present = (len - EVTX_FILE_HEADER + EVTX_CHUNK_SIZE - 1) / EVTX_CHUNK_SIZE;
		if (hdr_count < present && (len - EVTX_FILE_HEADER) / EVTX_CHUNK_SIZE > hdr_count)
			st->header_stale_count = true;
	}
	f->n_chunks = present;
	(void)workers;	/* evtx_file_set_workers(), once the source is final */
out:
	if (err) {
		evtx_file_free(f);
		return err;
	}
	*out = f;
	return 0;
}

static int load_index(struct evtx_file *f, struct evtx_chunk *c, uint8_t *buf, uint64_t index)
{
	uint64_t off = EVTX_FILE_HEADER + index * EVTX_CHUNK_SIZE;

	if (f->d)
		return evtx_chunk_load(c, f->d + off, MM_MIN((size_t)EVTX_CHUNK_SIZE, f->len - off),
				       off, index);
	{
		ssize_t n = pread_full(f->fd, buf, EVTX_CHUNK_SIZE, off);

		if (n < 0)
			return mm_from_errno(errno);
		return evtx_chunk_load(c, buf, (size_t)n, off, index);
	}
}

/* Parses one slot's chunk, copying each event (values, fields) into the
 * slot's arena. Names stay in the slot's chunk parser (kept until the
 * next batch). */
static void parse_slot(struct evtx_file *f, struct evtx_slot *s)
{
	struct log_event ev;
	int r;

	s->n = 0;
	s->next = 0;
	s->err = 0;
	mm_arena_reset(&s->arena);
	r = load_index(f, s->c, s->buf, s->index);
	if (r)
		return;
	while ((r = evtx_chunk_next(s->c, &ev)) == 1) {
		struct log_event *d;
		struct log_field *fl;

		if (s->n == s->cap) {
			size_t nc = s->cap ? s->cap * 2 : 256;
			struct log_event *ne = realloc(s->ev, nc * sizeof(*ne));

			if (!ne) {
				s->err = MM_ENOMEM;
				return;
			}
			s->ev = ne;
			s->cap = nc;
		}
		fl = mm_arena_alloc(&s->arena, (ev.n_fields ? ev.n_fields : 1) * sizeof(*fl));
		if (!fl) {
			s->err = MM_ENOMEM;
			return;
		}
		for (size_t i = 0; i < ev.n_fields; i++) {
			fl[i] = ev.fields[i];
			fl[i].value = mm_arena_strndup(&s->arena, ev.fields[i].value,
						       ev.fields[i].value_len);
			if (!fl[i].value) {
				s->err = MM_ENOMEM;
				return;
			}
		}
		d = &s->ev[s->n++];
		*d = ev;
		d->fields = fl;
		d->channel = d->provider = d->host = NULL;
		d->event_id = 0;
		log_event_fill_windows(d);
	}
	if (r < 0)
		s->err = r;
}

struct batch_job {
	struct evtx_file *f;
	unsigned wid;
};

static void *batch_worker(void *arg)
{
	struct batch_job *j = arg;
	struct evtx_file *f = j->f;

	for (size_t i = j->wid; i < f->used_slots; i += f->workers)
		parse_slot(f, &f->slots[i]);
	return NULL;
}

static void merge_stats(struct log_reader_stats *to, const struct log_reader_stats *from)
{
	to->events += from->events;
	to->chunks += from->chunks;
	to->chunks_bad_magic += from->chunks_bad_magic;
	to->chunks_empty += from->chunks_empty;
	to->chunks_bad_crc += from->chunks_bad_crc;
	to->chunks_truncated += from->chunks_truncated;
	to->records_bad += from->records_bad;
	to->records_zero_size += from->records_zero_size;
	to->records_incomplete += from->records_incomplete;
	to->templates += from->templates;
	to->templates_incomplete += from->templates_incomplete;
	to->values_bad += from->values_bad;
	to->fields_dropped += from->fields_dropped;
	for (uint64_t i = 0; i < from->n_problems; i++) {
		if (i < LOG_MAX_PROBLEMS && to->n_problems < LOG_MAX_PROBLEMS)
			memcpy(to->problems[to->n_problems], from->problems[i], LOG_PROBLEM_LEN);
		to->n_problems++;
	}
}

/* Parses the next batch of chunks in parallel. 0 if none is left. */
static int next_batch(struct evtx_file *f)
{
	pthread_t th[EVTX_MAX_WORKERS];
	struct batch_job jobs[EVTX_MAX_WORKERS];
	unsigned started = 0;

	f->used_slots = 0;
	f->cur_slot = 0;
	while (f->used_slots < f->n_slots && f->next_chunk < f->n_chunks) {
		struct evtx_slot *s = &f->slots[f->used_slots++];

		s->index = f->next_chunk++;
		memset(&s->st, 0, sizeof(s->st));
	}
	if (f->used_slots == 0)
		return 0;
	for (unsigned w = 1; w < f->workers; w++) {
		jobs[w].f = f;
		jobs[w].wid = w;
		if (pthread_create(&th[w], NULL, batch_worker, &jobs[w]) != 0)
			break;
		started = w;
	}
	jobs[0].f = f;
	jobs[0].wid = 0;
	batch_worker(&jobs[0]);
	for (unsigned w = 1; w <= started; w++)
		pthread_join(th[w], NULL);
	/* a worker that could not start: its slots, here */
	for (unsigned w = started + 1; w < f->workers; w++) {
		jobs[w].f = f;
		jobs[w].wid = w;
		batch_worker(&jobs[w]);
	}
	for (size_t i = 0; i < f->used_slots; i++) {
		merge_stats(f->st, &f->slots[i].st);
		if (f->slots[i].err == MM_ENOMEM)
			return MM_ENOMEM;
	}
	return 1;
}

static int next_parallel(struct evtx_file *f, struct log_event *ev)
{
	for (;;) {
		while (f->cur_slot < f->used_slots) {
			struct evtx_slot *s = &f->slots[f->cur_slot];

			if (s->next < s->n) {
				*ev = s->ev[s->next++];
				return 1;
			}
			f->cur_slot++;
		}
		{
			int r = next_batch(f);

			if (r <= 0)
				return r;
		}
	}
}

int evtx_file_set_workers(struct evtx_file *f, unsigned workers)
{
	if (workers <= 1 || f->slots)
		return 0;
	if (workers > EVTX_MAX_WORKERS)
		workers = EVTX_MAX_WORKERS;
	/* one chunk: nothing to share */
	if (f->n_chunks < 2)
		return 0;
	f->n_slots = (size_t)workers * EVTX_BATCH_PER_WORKER;
	f->slots = calloc(f->n_slots, sizeof(*f->slots));
	if (!f->slots)
		return MM_ENOMEM;
	for (size_t i = 0; i < f->n_slots; i++) {
		struct evtx_slot *s = &f->slots[i];

		s->c = evtx_chunk_new(&s->st);
		mm_arena_init(&s->arena, 256 * 1024, 64u << 20);
		if (!f->d)
			s->buf = malloc(EVTX_CHUNK_SIZE);
		if (!s->c || (!f->d && !s->buf))
			return MM_ENOMEM;
	}
	f->workers = workers;
	return 0;
}

int evtx_file_next(struct evtx_file *f, struct log_event *ev)
{
	if (f->slots)
		return next_parallel(f, ev);
	for (;;) {
		int r;

		if (!f->in_chunk) {
			uint64_t off;

			if (f->next_chunk >= f->n_chunks)
				return 0;
			off = EVTX_FILE_HEADER + f->next_chunk * EVTX_CHUNK_SIZE;
			if (f->d) {
				r = evtx_chunk_load(f->c, f->d + off,
						    MM_MIN((size_t)EVTX_CHUNK_SIZE, f->len - off), off,
						    f->next_chunk);
			} else {
				ssize_t n = pread_full(f->fd, f->buf, EVTX_CHUNK_SIZE, off);

				if (n < 0)
					return mm_from_errno(errno);
				r = evtx_chunk_load(f->c, f->buf, (size_t)n, off, f->next_chunk);
			}
			f->next_chunk++;
			if (r)
				continue;
			f->in_chunk = true;
		}
		r = evtx_chunk_next(f->c, ev);
		if (r != 0)
			return r;
		f->in_chunk = false;
	}
}

void evtx_file_free(struct evtx_file *f)
{
	if (!f)
		return;
	evtx_chunk_free(f->c);
	free(f->buf);
	for (size_t i = 0; f->slots && i < f->n_slots; i++) {
		evtx_chunk_free(f->slots[i].c);
		mm_arena_release(&f->slots[i].arena);
		free(f->slots[i].ev);
		free(f->slots[i].buf);
	}
	free(f->slots);
	free(f);
}
