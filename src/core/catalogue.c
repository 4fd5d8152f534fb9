/*
 * catalogue.c — the rule catalogue and the rule-loading report (catalogue.h).
 *
 * Storage: entries live in fixed-size chunks of CHUNK entries that are never
 * moved or freed before mm_catalogue_free(), so a pointer to an entry stays
 * valid for the catalogue's life (alerts keep them). Every string is copied
 * into a bump arena owned by the catalogue. Lookup by id is an open-
 * addressing hash table (FNV-1a, linear probing, kept at most half full),
 * so find is O(1) with 10,000+ rules.
 *
 * Limits: at most CAT_MAX_ENTRIES entries (MM_ELIMIT past it); ids and
 * other strings are copied whole (they come from rule files the user
 * chose, already bounded by the rule parsers).
 *
 * The report keeps per-engine loaded/rejected counts (up to REPORT_MAX_ENGINES
 * engine names) and every problem with copies of its strings, up to
 * REPORT_MAX_PROBLEMS; past that, problems are counted (and still counted as
 * rejected) but not stored.
 *
 * Threading: every function takes the object's mutex, so engines may add
 * and look up from several threads at once; returned entries are immutable.
 */
#include "core/compat.h"
#include "core/catalogue.h"
#include "core/error.h"
#include "core/buf.h"

#include <pthread.h>

#define CHUNK 256
#define CAT_MAX_ENTRIES (1u << 20)
#define REPORT_MAX_ENGINES 32
#define REPORT_MAX_PROBLEMS 100000
#define ARENA_BLOCK (64 * 1024)
#define ARENA_MAX ((size_t)1 << 30)

/* A growable table of chunk pointers: entries never move. */
struct chunks {
	void **chunk;
	size_t nchunks;
	size_t count;
	size_t elem;
};

static void *chunks_push(struct chunks *c)
{
	size_t ci = c->count / CHUNK;

	if (ci == c->nchunks) {
		void **t = realloc(c->chunk, (c->nchunks + 1) * sizeof *t);
		if (!t)
			return NULL;
		c->chunk = t;
		t[ci] = calloc(CHUNK, c->elem);
		if (!t[ci])
			return NULL;
		c->nchunks++;
	}
	return (char *)c->chunk[ci] + (c->count++ % CHUNK) * c->elem;
}

static void *chunks_at(const struct chunks *c, size_t i)
{
	if (i >= c->count)
		return NULL;
	return (char *)c->chunk[i / CHUNK] + (i % CHUNK) * c->elem;
}

static void chunks_release(struct chunks *c)
{
	for (size_t i = 0; i < c->nchunks; i++)
		free(c->chunk[i]);
	free(c->chunk);
	c->chunk = NULL;
	c->nchunks = 0;
	c->count = 0;
}

struct mm_catalogue {
	pthread_mutex_t *lock;
	struct chunks entries;	/* struct mm_rule_meta */
	struct mm_arena strings;
	/* hash index: entry index + 1, 0 = empty slot */
	uint32_t *slots;
	size_t nslots;		/* power of two */
};

static uint64_t fnv1a(const char *s)
{
	uint64_t h = UINT64_C(0xcbf29ce484222325);

	for (; *s; s++) {
		h ^= (uint8_t)*s;
		h *= UINT64_C(0x100000001b3);
	}
	return h;
}

/* Copies s into the arena; NULL stays NULL. Sets *err on failure. */
static const char *dup_str(struct mm_arena *a, const char *s, int *err)
{
	const char *p;

	if (!s)
		return NULL;
	p = mm_arena_strndup(a, s, strlen(s));
	if (!p)
		*err = MM_ENOMEM;
	return p;
}

static pthread_mutex_t *lock_new(void)
{
	pthread_mutex_t *m = malloc(sizeof *m);

	if (m && pthread_mutex_init(m, NULL) != 0) {
		free(m);
		m = NULL;
	}
	return m;
}

static void lock_free(pthread_mutex_t *m)
{
	if (m) {
		pthread_mutex_destroy(m);
		free(m);
	}
}

struct mm_catalogue *mm_catalogue_new(void)
{
	struct mm_catalogue *c = calloc(1, sizeof *c);

	if (!c)
		return NULL;
	c->lock = lock_new();
	c->nslots = 1024;
	c->slots = calloc(c->nslots, sizeof *c->slots);
	if (!c->lock || !c->slots) {
		lock_free(c->lock);
		free(c->slots);
		free(c);
		return NULL;
	}
	c->entries.elem = sizeof(struct mm_rule_meta);
	mm_arena_init(&c->strings, ARENA_BLOCK, ARENA_MAX);
	return c;
}

void mm_catalogue_free(struct mm_catalogue *c)
{
	if (!c)
		return;
	chunks_release(&c->entries);
	mm_arena_release(&c->strings);
	free(c->slots);
	lock_free(c->lock);
	free(c);
}

/* Slot holding id, or the empty slot where it would go. Caller holds lock. */
static size_t find_slot(const struct mm_catalogue *c, const char *id)
{
	size_t mask = c->nslots - 1;
	size_t i = (size_t)fnv1a(id) & mask;

	while (c->slots[i]) {
		const struct mm_rule_meta *e = chunks_at(&c->entries, c->slots[i] - 1);
		if (strcmp(e->id, id) == 0)
			break;
		i = (i + 1) & mask;
	}
	return i;
}

static int grow_index(struct mm_catalogue *c)
{
	size_t n = c->nslots * 2, mask = n - 1;
	uint32_t *s = calloc(n, sizeof *s);

	if (!s)
		return MM_ENOMEM;
	for (size_t i = 0; i < c->nslots; i++) {
		const struct mm_rule_meta *e;
		size_t k;
		if (!c->slots[i])
			continue;
		e = chunks_at(&c->entries, c->slots[i] - 1);
		k = (size_t)fnv1a(e->id) & mask;
		while (s[k])
			k = (k + 1) & mask;
		s[k] = c->slots[i];
	}
	free(c->slots);
	c->slots = s;
	c->nslots = n;
	return 0;
}

static int copy_list(struct mm_arena *a, const char *dst[MM_ALERT_MAX_LIST],
		     const char *const src[MM_ALERT_MAX_LIST])
{
	int err = 0;

	for (size_t i = 0; i < MM_ALERT_MAX_LIST && src[i]; i++)
		dst[i] = dup_str(a, src[i], &err);
	return err;
}

int mm_catalogue_add(struct mm_catalogue *c, const struct mm_rule_meta *m,
		     const struct mm_rule_meta **out)
{
	struct mm_rule_meta copy, *e;
	size_t slot;
	int err = 0;

	if (out)
		*out = NULL;
	if (!c || !m || !m->id || !m->id[0])
		return MM_EINVAL;
	pthread_mutex_lock(c->lock);
	slot = find_slot(c, m->id);
	if (c->slots[slot]) {
		if (out)
			*out = chunks_at(&c->entries, c->slots[slot] - 1);
		err = MM_EEXIST;
		goto out;
	}
	if (c->entries.count >= CAT_MAX_ENTRIES) {
		err = MM_ELIMIT;
		goto out;
	}
	/* build the copy first, so a failure leaves no half entry behind */
	memset(&copy, 0, sizeof copy);
	copy.id = dup_str(&c->strings, m->id, &err);
	copy.name = dup_str(&c->strings, m->name, &err);
	copy.engine = dup_str(&c->strings, m->engine, &err);
	copy.ruleset = dup_str(&c->strings, m->ruleset, &err);
	copy.category = dup_str(&c->strings, m->category, &err);
	copy.level = m->level;
	copy.description = dup_str(&c->strings, m->description, &err);
	copy.source_file = dup_str(&c->strings, m->source_file, &err);
	copy.source_line = m->source_line;
	if (!err)
		err = copy_list(&c->strings, copy.references, m->references);
	if (!err)
		err = copy_list(&c->strings, copy.techniques, m->techniques);
	if (!err)
		err = copy_list(&c->strings, copy.tactics, m->tactics);
	if (err)
		goto out;
	e = chunks_push(&c->entries);
	if (!e) {
		err = MM_ENOMEM;
		goto out;
	}
	*e = copy;
	c->slots[slot] = (uint32_t)c->entries.count;
	if (c->entries.count * 2 > c->nslots) {
		/* the entry is stored; a failed grow only keeps the table fuller */
		(void)grow_index(c);
	}
	if (out)
		*out = e;
out:
	pthread_mutex_unlock(c->lock);
	return err;
}

const struct mm_rule_meta *mm_catalogue_find(const struct mm_catalogue *c, const char *id)
{
	const struct mm_rule_meta *e = NULL;
	size_t slot;

	if (!c || !id)
		return NULL;
	pthread_mutex_lock(c->lock);
	slot = find_slot(c, id);
	if (c->slots[slot])
		e = chunks_at(&c->entries, c->slots[slot] - 1);
	pthread_mutex_unlock(c->lock);
	return e;
}

size_t mm_catalogue_count(const struct mm_catalogue *c)
{
	size_t n;

	if (!c)
		return 0;
	pthread_mutex_lock(c->lock);
	n = c->entries.count;
	pthread_mutex_unlock(c->lock);
	return n;
}

const struct mm_rule_meta *mm_catalogue_at(const struct mm_catalogue *c, size_t i)
{
	const struct mm_rule_meta *e;

	if (!c)
		return NULL;
	pthread_mutex_lock(c->lock);
	e = chunks_at(&c->entries, i);
	pthread_mutex_unlock(c->lock);
	return e;
}

/* ---- rule report ---- */

struct engine_count {
	const char *engine;	/* in the arena */
	size_t loaded;
	size_t rejected;
};

struct mm_rule_report {
	pthread_mutex_t *lock;
	struct engine_count engines[REPORT_MAX_ENGINES];
	size_t nengines;
	/* counts for engine names past REPORT_MAX_ENGINES (or NULL) */
	struct engine_count other;
	struct chunks problems;	/* struct mm_rule_problem */
	size_t dropped;
	struct mm_arena strings;
};

struct mm_rule_report *mm_rule_report_new(void)
{
	struct mm_rule_report *r = calloc(1, sizeof *r);

	if (!r)
		return NULL;
	r->lock = lock_new();
	if (!r->lock) {
		free(r);
		return NULL;
	}
	r->problems.elem = sizeof(struct mm_rule_problem);
	mm_arena_init(&r->strings, ARENA_BLOCK, ARENA_MAX);
	return r;
}

void mm_rule_report_free(struct mm_rule_report *r)
{
	if (!r)
		return;
	chunks_release(&r->problems);
	mm_arena_release(&r->strings);
	lock_free(r->lock);
	free(r);
}

/* The counters of an engine, added on first use. Caller holds lock. */
static struct engine_count *engine_slot(struct mm_rule_report *r, const char *engine)
{
	int err = 0;
	const char *copy;

	if (!engine)
		return &r->other;
	for (size_t i = 0; i < r->nengines; i++)
		if (strcmp(r->engines[i].engine, engine) == 0)
			return &r->engines[i];
	if (r->nengines == REPORT_MAX_ENGINES)
		return &r->other;
	copy = dup_str(&r->strings, engine, &err);
	if (!copy)
		return &r->other;
	r->engines[r->nengines].engine = copy;
	return &r->engines[r->nengines++];
}

void mm_rule_report_loaded(struct mm_rule_report *r, const char *engine, size_t n)
{
	if (!r)
		return;
	pthread_mutex_lock(r->lock);
	engine_slot(r, engine)->loaded += n;
	pthread_mutex_unlock(r->lock);
}

/* Stores one problem; counts it as dropped when it cannot. Caller holds lock. */
static void add_problem(struct mm_rule_report *r, const char *engine, const char *file,
			long line, const char *rule_id, const char *reason_key,
			const char *reason, int is_warning)
{
	struct mm_rule_problem p, *slot;
	int err = 0;

	if (r->problems.count >= REPORT_MAX_PROBLEMS) {
		r->dropped++;
		return;
	}
	memset(&p, 0, sizeof p);
	p.engine = dup_str(&r->strings, engine, &err);
	p.file = dup_str(&r->strings, file, &err);
	p.line = line;
	p.rule_id = dup_str(&r->strings, rule_id, &err);
	p.reason_key = dup_str(&r->strings, reason_key, &err);
	p.reason = dup_str(&r->strings, reason, &err);
	p.is_warning = is_warning;
	slot = err ? NULL : chunks_push(&r->problems);
	if (!slot) {
		r->dropped++;
		return;
	}
	*slot = p;
}

void mm_rule_report_rejected(struct mm_rule_report *r, const char *engine,
			     const char *file, long line, const char *rule_id,
			     const char *reason_key, const char *reason)
{
	if (!r)
		return;
	pthread_mutex_lock(r->lock);
	engine_slot(r, engine)->rejected++;
	add_problem(r, engine, file, line, rule_id, reason_key, reason, 0);
	pthread_mutex_unlock(r->lock);
}

void mm_rule_report_warning(struct mm_rule_report *r, const char *engine,
			    const char *file, long line, const char *rule_id,
			    const char *reason)
{
	if (!r)
		return;
	pthread_mutex_lock(r->lock);
	add_problem(r, engine, file, line, rule_id, NULL, reason, 1);
	pthread_mutex_unlock(r->lock);
}

/* Sums a counter over one engine, or over all when engine is NULL. */
static size_t count_of(const struct mm_rule_report *r, const char *engine, bool loaded)
{
	size_t n = 0;

	if (!r)
		return 0;
	pthread_mutex_lock(r->lock);
	for (size_t i = 0; i < r->nengines; i++)
		if (!engine || strcmp(r->engines[i].engine, engine) == 0)
			n += loaded ? r->engines[i].loaded : r->engines[i].rejected;
	if (!engine)
		n += loaded ? r->other.loaded : r->other.rejected;
	pthread_mutex_unlock(r->lock);
	return n;
}

size_t mm_rule_report_loaded_count(const struct mm_rule_report *r, const char *engine)
{
	return count_of(r, engine, true);
}

size_t mm_rule_report_rejected_count(const struct mm_rule_report *r, const char *engine)
{
	return count_of(r, engine, false);
}

size_t mm_rule_report_problem_count(const struct mm_rule_report *r)
{
	size_t n;

	if (!r)
		return 0;
	pthread_mutex_lock(r->lock);
	n = r->problems.count;
	pthread_mutex_unlock(r->lock);
	return n;
}

const struct mm_rule_problem *mm_rule_report_problem(const struct mm_rule_report *r, size_t i)
{
	const struct mm_rule_problem *p;

	if (!r)
		return NULL;
	pthread_mutex_lock(r->lock);
	p = chunks_at(&r->problems, i);
	pthread_mutex_unlock(r->lock);
	return p;
}

size_t mm_rule_report_dropped_count(const struct mm_rule_report *r)
{
	size_t n;

	if (!r)
		return 0;
	pthread_mutex_lock(r->lock);
	n = r->dropped;
	pthread_mutex_unlock(r->lock);
	return n;
}
