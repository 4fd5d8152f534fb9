/*
 * sigma_corr.c — Sigma correlation rules: event_count, value_count,
 * temporal and temporal_ordered, with group-by, timespan, aliases, count
 * conditions (gt gte lt lte eq neq, and ranges) and chaining (a
 * correlation may refer to another correlation).
 *
 * Semantics over a stream (documented in docs/rules.md):
 *  - a condition with only lower bounds (gt/gte) uses a sliding window: it
 *    fires as soon as the events (or distinct values) of one group inside
 *    the last `timespan` reach the bound; the group then stays quiet for
 *    one `timespan` (one alert per group and timespan) and starts afresh;
 *  - a condition with an upper bound (lt/lte/eq/neq or a range) can only be
 *    decided once a window is over: windows are then fixed, opened by a
 *    group's first event and closed by the first event past `timespan` or
 *    by sigma_flush();
 *  - temporal fires when every referred rule (or `condition` many of them)
 *    matched in one group within `timespan`; temporal_ordered in addition
 *    requires the order of the `rules` list.
 * Group keys are "Field=value,..." from the event that matched (through
 * `aliases` when the rule has one for the referred rule's name).
 *
 * Bounds: at most CORR_MAX_WINDOWS groups per state (least recently used
 * evicted and counted), CORR_MAX_TRACK timestamps or distinct values per
 * group (the oldest dropped and counted); a long key is truncated.
 *
 * Threading: definitions are read-only; windows live in the state.
 */
#include "core/compat.h"

#include "logs/sigma_int.h"

#include <strings.h>

#define CORR_MAX_WINDOWS 65536
#define CORR_MAX_TRACK 4096
#define CORR_MAX_CHAIN 8
#define KEY_MAX 512

/* ---- parsing ---- */

static int perr(char *key, size_t key_len, char *why, size_t why_len, const char *k,
		const char *fmt, ...) MM_PRINTF(6, 7);
static int perr(char *key, size_t key_len, char *why, size_t why_len, const char *k,
		const char *fmt, ...)
{
	va_list ap;

	snprintf(key, key_len, "%s", k);
	va_start(ap, fmt);
	vsnprintf(why, why_len, fmt, ap);
	va_end(ap);
	return MM_EUNSUPPORTED;
}

static int parse_span(const char *s, int64_t *out)
{
	char *end;
	long long v;
	int64_t mul;

	if (!s || !*s)
		return -1;
	v = strtoll(s, &end, 10);
	if (v <= 0 || v > 1000000000LL)
		return -1;
	switch (*end) {
	case 's':
		mul = 1000000;
		break;
	case 'm':
		mul = 60LL * 1000000;
		break;
	case 'h':
		mul = 3600LL * 1000000;
		break;
	case 'd':
		mul = 86400LL * 1000000;
		break;
	case 'w':
		mul = 7LL * 86400 * 1000000;
		break;
	default:
		return -1;
	}
	if (end[1] != '\0')
		return -1;
	*out = v * mul;
	return 0;
}

static int str_list(yaml_document_t *d, yaml_node_t *n, char **out, size_t max, size_t *count)
{
	yaml_node_item_t *e;

	*count = 0;
	if (!n)
		return 0;
	if (n->type == YAML_SCALAR_NODE) {
		if (!(out[0] = strdup(sigma_ystr(n))))
			return MM_ENOMEM;
		*count = 1;
		return 0;
	}
	if (n->type != YAML_SEQUENCE_NODE)
		return MM_EINVAL;
	for (e = n->data.sequence.items.start; e < n->data.sequence.items.top; e++) {
		const char *t = sigma_ystr(yaml_document_get_node(d, *e));

		if (!t)
			return MM_EINVAL;
		if (*count >= max)
			return MM_ELIMIT;
		if (!(out[*count] = strdup(t)))
			return MM_ENOMEM;
		(*count)++;
	}
	return 0;
}

int sigma_corr_parse(struct sigma_rule *r, yaml_document_t *d, yaml_node_t *node, char *key,
		     size_t key_len, char *why, size_t why_len)
{
	struct sigma_corr *c;
	const char *type, *s;
	yaml_node_t *cond, *al, *gen;
	int rc;

	if (!node || node->type != YAML_MAPPING_NODE)
		return perr(key, key_len, why, why_len, "invalid correlation", "correlation must be a map");
	c = calloc(1, sizeof(*c));
	if (!c)
		return MM_ENOMEM;
	r->corr = c;
	type = sigma_ystr(sigma_yget(d, node, "type"));
	if (!type)
		return perr(key, key_len, why, why_len, "invalid correlation", "correlation has no type");
	if (!strcmp(type, "event_count"))
		c->type = SIGMA_CORR_EVENT_COUNT;
	else if (!strcmp(type, "value_count"))
		c->type = SIGMA_CORR_VALUE_COUNT;
	else if (!strcmp(type, "temporal"))
		c->type = SIGMA_CORR_TEMPORAL;
	else if (!strcmp(type, "temporal_ordered"))
		c->type = SIGMA_CORR_TEMPORAL_ORDERED;
	else {
		char k[96];

		snprintf(k, sizeof(k), "unsupported correlation type: %.60s", type);
		return perr(key, key_len, why, why_len, k, "correlation type %s is not supported", type);
	}
	rc = str_list(d, sigma_yget(d, node, "rules"), c->refs, SIGMA_MAX_CORR_RULES, &c->n_refs);
	if (rc == MM_ENOMEM)
		return rc;
	if (rc || c->n_refs == 0)
		return perr(key, key_len, why, why_len, "invalid correlation",
			    "correlation needs a list of rules (at most %d)", SIGMA_MAX_CORR_RULES);
	rc = str_list(d, sigma_yget(d, node, "group-by"), c->group_by, SIGMA_MAX_GROUP_BY,
		      &c->n_group_by);
	if (rc == MM_ENOMEM)
		return rc;
	if (rc)
		return perr(key, key_len, why, why_len, "invalid correlation",
			    "group-by must be a list of at most %d fields", SIGMA_MAX_GROUP_BY);
	s = sigma_ystr(sigma_yget(d, node, "timespan"));
	if (!s)
		s = sigma_ystr(sigma_yget(d, node, "timeframe"));
	if (parse_span(s, &c->timespan_us) != 0)
		return perr(key, key_len, why, why_len, "invalid correlation",
			    "timespan '%s' is not <number><s|m|h|d>", s ? s : "");
	cond = sigma_yget(d, node, "condition");
	if (cond && cond->type == YAML_MAPPING_NODE) {
		yaml_node_pair_t *p;

		for (p = cond->data.mapping.pairs.start; p < cond->data.mapping.pairs.top; p++) {
			const char *k = sigma_ystr(yaml_document_get_node(d, p->key));
			const char *v = sigma_ystr(yaml_document_get_node(d, p->value));
			char *end = NULL;
			long long x = v ? strtoll(v, &end, 10) : 0;
			bool num = v && end && *end == '\0' && end != v;

			if (!k || !v)
				return perr(key, key_len, why, why_len, "invalid correlation",
					    "bad correlation condition");
			if (!strcmp(k, "field")) {
				free(c->field);
				if (!(c->field = strdup(v)))
					return MM_ENOMEM;
				continue;
			}
			if (!num)
				return perr(key, key_len, why, why_len, "invalid correlation",
					    "condition %s needs an integer, not '%s'", k, v);
			if (!strcmp(k, "gt"))
				c->cond.has_gt = true, c->cond.gt = x;
			else if (!strcmp(k, "gte"))
				c->cond.has_gte = true, c->cond.gte = x;
			else if (!strcmp(k, "lt"))
				c->cond.has_lt = true, c->cond.lt = x;
			else if (!strcmp(k, "lte"))
				c->cond.has_lte = true, c->cond.lte = x;
			else if (!strcmp(k, "eq"))
				c->cond.has_eq = true, c->cond.eq = x;
			else if (!strcmp(k, "neq"))
				c->cond.has_neq = true, c->cond.neq = x;
			else
				return perr(key, key_len, why, why_len, "invalid correlation",
					    "unknown correlation condition '%s'", k);
			c->has_cond = true;
		}
	} else if (cond) {
		return perr(key, key_len, why, why_len, "invalid correlation",
			    "correlation condition must be a map");
	}
	if ((c->type == SIGMA_CORR_EVENT_COUNT || c->type == SIGMA_CORR_VALUE_COUNT) && !c->has_cond)
		return perr(key, key_len, why, why_len, "invalid correlation",
			    "%s needs a condition", type);
	if (c->type == SIGMA_CORR_VALUE_COUNT && !c->field)
		return perr(key, key_len, why, why_len, "invalid correlation",
			    "value_count needs condition.field");
	al = sigma_yget(d, node, "aliases");
	if (al && al->type == YAML_MAPPING_NODE) {
		yaml_node_pair_t *p, *q;

		for (p = al->data.mapping.pairs.start; p < al->data.mapping.pairs.top; p++) {
			const char *alias = sigma_ystr(yaml_document_get_node(d, p->key));
			yaml_node_t *m = yaml_document_get_node(d, p->value);

			if (!alias || !m || m->type != YAML_MAPPING_NODE)
				return perr(key, key_len, why, why_len, "invalid correlation",
					    "aliases must map alias -> rule name -> field");
			for (q = m->data.mapping.pairs.start; q < m->data.mapping.pairs.top; q++) {
				const char *rn = sigma_ystr(yaml_document_get_node(d, q->key));
				const char *fd = sigma_ystr(yaml_document_get_node(d, q->value));
				struct sigma_alias *na;

				if (!rn || !fd)
					return perr(key, key_len, why, why_len, "invalid correlation",
						    "bad alias entry");
				if (c->n_aliases >= 64)
					return perr(key, key_len, why, why_len, "limit", "too many aliases");
				na = realloc(c->aliases, (c->n_aliases + 1) * sizeof(*na));
				if (!na)
					return MM_ENOMEM;
				c->aliases = na;
				na[c->n_aliases].alias = strdup(alias);
				na[c->n_aliases].rule_name = strdup(rn);
				na[c->n_aliases].field = strdup(fd);
				c->n_aliases++;
				if (!na[c->n_aliases - 1].alias || !na[c->n_aliases - 1].rule_name ||
				    !na[c->n_aliases - 1].field)
					return MM_ENOMEM;
			}
		}
	}
	gen = sigma_yget(d, node, "generate");
	if (!gen)
		gen = sigma_yget(d, node, "generate");
	s = sigma_ystr(gen);
	c->generate = s && strcasecmp(s, "true") == 0;
	return 0;
}

int sigma_corr_resolve(struct sigma_ruleset *rs)
{
	size_t i, k;

	for (i = 0; i < rs->n_rules; i++) {
		struct sigma_rule *r = rs->rules[i];
		struct sigma_corr *c = r->corr;

		if (r->kind != SIGMA_RULE_CORRELATION)
			continue;
		for (k = 0; k < c->n_refs; k++) {
			int t = sigma_rule_lookup(rs, c->refs[k], r->file);
			struct sigma_rule *b;
			int *np;

			c->ref_idx[k] = t;
			if (t < 0 || (size_t)t == i) {
				c->ref_idx[k] = -1;
				sigma_problem_add(rs, r->file, r->line, r->id ? r->id : r->title, true,
						  "correlation target not found",
						  "correlation refers to rule %s, which is not loaded",
						  c->refs[k]);
				continue;
			}
			b = rs->rules[t];
			np = realloc(b->parents, (b->n_parents + 1) * sizeof(*np));
			if (!np)
				return MM_ENOMEM;
			b->parents = np;
			b->parents[b->n_parents++] = (int)i;
			if (!c->generate)
				b->silent = true;
		}
	}
	return 0;
}

/* ---- state ---- */

struct cwin {
	int used;		/* 0 empty, 1 live, 2 tombstone */
	uint32_t hash;
	int corr;		/* rule index of the correlation */
	char *key;
	int64_t first_ts, last_ts;
	uint64_t first_rec, last_rec;
	uint64_t count;		/* tumbling event_count */
	int64_t quiet_until;	/* sliding: fired; silent until then */
	bool fired;
	/* sliding event_count: ring of timestamps/records */
	int64_t *ts;
	uint64_t *rec;
	size_t ring, head, n;
	/* value_count: distinct value hashes with last-seen time */
	uint64_t *vh;
	int64_t *vts;
	size_t nv, capv;
	/* temporal: last time each referred rule matched */
	int64_t seen[SIGMA_MAX_CORR_RULES];
	uint64_t seen_rec[SIGMA_MAX_CORR_RULES];
	bool has[SIGMA_MAX_CORR_RULES];
	int lru_prev, lru_next;
};

struct sigma_corr_state {
	struct cwin *w;
	size_t cap, live;
	int lru_head, lru_tail;	/* head = most recent */
	char keybuf[KEY_MAX];
	int depth;
};

struct sigma_corr_state *sigma_corr_state_new(const struct sigma_ruleset *rs)
{
	struct sigma_corr_state *cs = calloc(1, sizeof(*cs));

	(void)rs;
	if (!cs)
		return NULL;
	cs->lru_head = cs->lru_tail = -1;
	return cs;
}

static void win_clear(struct cwin *w)
{
	free(w->key);
	free(w->ts);
	free(w->rec);
	free(w->vh);
	free(w->vts);
	memset(w, 0, sizeof(*w));
}

void sigma_corr_state_free(struct sigma_corr_state *cs)
{
	size_t i;

	if (!cs)
		return;
	for (i = 0; i < cs->cap; i++)
		if (cs->w[i].used == 1)
			win_clear(&cs->w[i]);
	free(cs->w);
	free(cs);
}

static void lru_unlink(struct sigma_corr_state *cs, int i)
{
	struct cwin *w = &cs->w[i];

	if (w->lru_prev >= 0)
		cs->w[w->lru_prev].lru_next = w->lru_next;
	else
		cs->lru_head = w->lru_next;
	if (w->lru_next >= 0)
		cs->w[w->lru_next].lru_prev = w->lru_prev;
	else
		cs->lru_tail = w->lru_prev;
	w->lru_prev = w->lru_next = -1;
}

static void lru_front(struct sigma_corr_state *cs, int i)
{
	struct cwin *w = &cs->w[i];

	w->lru_prev = -1;
	w->lru_next = cs->lru_head;
	if (cs->lru_head >= 0)
		cs->w[cs->lru_head].lru_prev = i;
	cs->lru_head = i;
	if (cs->lru_tail < 0)
		cs->lru_tail = i;
}

static void win_drop(struct sigma_corr_state *cs, int i)
{
	lru_unlink(cs, i);
	win_clear(&cs->w[i]);
	cs->w[i].used = 2;
	cs->live--;
}

static int grow(struct sigma_corr_state *cs)
{
	size_t nc = cs->cap ? cs->cap * 2 : 256, i;
	struct cwin *old = cs->w, *nw = calloc(nc, sizeof(*nw));
	size_t oc = cs->cap;
	int idx, *order = NULL;
	size_t no = 0;

	if (!nw)
		return MM_ENOMEM;
	/* rehash in LRU order (tail first) so the list can be rebuilt */
	order = malloc((cs->live ? cs->live : 1) * sizeof(int));
	if (!order) {
		free(nw);
		return MM_ENOMEM;
	}
	for (idx = cs->lru_tail; idx >= 0; idx = old[idx].lru_prev)
		order[no++] = idx;
	cs->w = nw;
	cs->cap = nc;
	cs->lru_head = cs->lru_tail = -1;
	for (i = 0; i < no; i++) {
		struct cwin *o = &old[order[i]];
		size_t s = o->hash & (nc - 1);

		while (nw[s].used)
			s = (s + 1) & (nc - 1);
		nw[s] = *o;
		lru_front(cs, (int)s);
	}
	(void)oc;
	free(order);
	free(old);
	return 0;
}

static uint32_t key_hash(int corr, const char *key)
{
	return sigma_name_hash(key, strlen(key)) ^ ((uint32_t)corr * 2654435761u);
}

static int win_get(struct sigma_corr_state *cs, struct sigma_state *st, int corr, const char *key)
{
	uint32_t h = key_hash(corr, key);
	size_t s, tomb = SIZE_MAX;
	struct cwin *w;

	if (cs->cap) {
		for (s = h & (cs->cap - 1); cs->w[s].used; s = (s + 1) & (cs->cap - 1)) {
			w = &cs->w[s];
			if (w->used == 2) {
				if (tomb == SIZE_MAX)
					tomb = s;
				continue;
			}
			if (w->hash == h && w->corr == corr && strcmp(w->key, key) == 0) {
				lru_unlink(cs, (int)s);
				lru_front(cs, (int)s);
				return (int)s;
			}
		}
	}
	if (cs->live >= CORR_MAX_WINDOWS && cs->lru_tail >= 0) {
		win_drop(cs, cs->lru_tail);
		st->evicted++;
	}
	if ((cs->live + 1) * 2 > cs->cap) {
		if (grow(cs))
			return -1;
		tomb = SIZE_MAX;
	}
	if (tomb == SIZE_MAX)
		for (tomb = h & (cs->cap - 1); cs->w[tomb].used == 1; tomb = (tomb + 1) & (cs->cap - 1))
			;
	w = &cs->w[tomb];
	memset(w, 0, sizeof(*w));
	w->key = strdup(key);
	if (!w->key)
		return -1;
	w->used = 1;
	w->hash = h;
	w->corr = corr;
	w->lru_prev = w->lru_next = -1;
	lru_front(cs, (int)tomb);
	cs->live++;
	return (int)tomb;
}

/* ---- feeding ---- */

static const char *group_field(const struct sigma_ruleset *rs, const struct sigma_corr *c,
			       int src_rule, const char *name)
{
	const struct sigma_rule *src = rs->rules[src_rule];
	size_t i;

	for (i = 0; i < c->n_aliases; i++)
		if (strcmp(c->aliases[i].alias, name) == 0 && src->name &&
		    strcmp(c->aliases[i].rule_name, src->name) == 0)
			return c->aliases[i].field;
	return name;
}

static void make_key(const struct sigma_ruleset *rs, const struct sigma_corr *c, int src_rule,
		     const struct log_event *e, char *out, size_t cap)
{
	size_t i, at = 0;
	char eid[24];

	out[0] = '\0';
	for (i = 0; i < c->n_group_by; i++) {
		size_t n = 0;
		const char *v = e ? sigma_field(e, group_field(rs, c, src_rule, c->group_by[i]), &n, eid)
				  : NULL;
		int w = snprintf(out + at, cap - at, "%s%s=%.*s", i ? "," : "", c->group_by[i],
				 (int)MM_MIN(n, 200), v ? v : "");

		if (w < 0 || (size_t)w >= cap - at) {
			out[cap - 1] = '\0';
			return;
		}
		at += (size_t)w;
	}
}

static bool lower_only(const struct sigma_range *r)
{
	return !r->has_lt && !r->has_lte && !r->has_eq && !r->has_neq;
}

static bool range_ok(const struct sigma_range *r, int64_t v)
{
	if (r->has_gt && !(v > r->gt))
		return false;
	if (r->has_gte && !(v >= r->gte))
		return false;
	if (r->has_lt && !(v < r->lt))
		return false;
	if (r->has_lte && !(v <= r->lte))
		return false;
	if (r->has_eq && v != r->eq)
		return false;
	if (r->has_neq && v == r->neq)
		return false;
	return true;
}

static int feed(const struct sigma_ruleset *rs, struct sigma_state *st, int corr_rule,
		int src_rule, const struct log_event *e, sigma_match_fn *fn, void *arg);

static int fire(const struct sigma_ruleset *rs, struct sigma_state *st, int corr_rule,
		struct cwin *w, uint64_t count, const struct log_event *e, sigma_match_fn *fn,
		void *arg)
{
	const struct sigma_rule *r = rs->rules[corr_rule];
	struct sigma_match m;
	size_t i;
	int rc = 0;

	memset(&m, 0, sizeof(m));
	m.meta = r->meta;
	m.rule_title = r->title;
	m.correlation = true;
	snprintf(st->group_buf, sizeof(st->group_buf), "%s", w->key);
	m.group = st->group_buf[0] ? st->group_buf : NULL;
	m.count = count;
	m.first_ts_us = w->first_ts;
	m.last_ts_us = w->last_ts;
	m.first_record = w->first_rec;
	m.last_record = w->last_rec;
	if (!r->silent && fn)
		rc = fn(arg, e, &m);
	/* chained correlations see this one as a match of rule corr_rule */
	for (i = 0; !rc && e && i < r->n_parents; i++)
		rc = feed(rs, st, r->parents[i], corr_rule, e, fn, arg);
	return rc;
}

static void value_add(struct cwin *w, struct sigma_state *st, uint64_t h, int64_t now)
{
	size_t i;

	for (i = 0; i < w->nv; i++) {
		if (w->vh[i] == h) {
			w->vts[i] = now;
			return;
		}
	}
	if (w->nv == w->capv) {
		size_t nc = w->capv ? w->capv * 2 : 8;
		uint64_t *a;
		int64_t *b;

		if (nc > CORR_MAX_TRACK) {
			/* full: forget the oldest value */
			size_t old = 0;

			for (i = 1; i < w->nv; i++)
				if (w->vts[i] < w->vts[old])
					old = i;
			w->vh[old] = h;
			w->vts[old] = now;
			st->evicted++;
			return;
		}
		a = realloc(w->vh, nc * sizeof(*a));
		if (!a)
			return;
		w->vh = a;
		b = realloc(w->vts, nc * sizeof(*b));
		if (!b)
			return;
		w->vts = b;
		w->capv = nc;
	}
	w->vh[w->nv] = h;
	w->vts[w->nv] = now;
	w->nv++;
}

static void value_expire(struct cwin *w, int64_t cutoff)
{
	size_t i = 0;

	while (i < w->nv) {
		if (w->vts[i] < cutoff) {
			w->vh[i] = w->vh[w->nv - 1];
			w->vts[i] = w->vts[w->nv - 1];
			w->nv--;
		} else {
			i++;
		}
	}
}

/* After a sliding window fired, the group stays quiet for one timespan:
 * one alert per group and timespan, not one per `gte` events. */
static void win_quiet(struct cwin *w, int64_t now, int64_t span)
{
	w->fired = true;
	w->quiet_until = now + span;
}

static void win_reset(struct cwin *w)
{
	w->n = w->head = 0;
	w->nv = 0;
	w->count = 0;
	w->first_ts = 0;
	w->first_rec = 0;
	memset(w->has, 0, sizeof(w->has));
}

static int count_feed(const struct sigma_ruleset *rs, struct sigma_state *st, int corr_rule,
		      int src_rule, struct cwin *w, const struct log_event *e, int64_t now,
		      sigma_match_fn *fn, void *arg)
{
	const struct sigma_corr *c = rs->rules[corr_rule]->corr;
	bool sliding = lower_only(&c->cond);
	uint64_t vh = 0;
	int rc = 0;

	if (c->type == SIGMA_CORR_VALUE_COUNT) {
		size_t n = 0;
		char eid[24];
		const char *v = sigma_field(e, group_field(rs, c, src_rule, c->field), &n, eid);

		if (!v)
			return 0;	/* no value: nothing to count */
		vh = ((uint64_t)sigma_name_hash(v, n) << 32) | (uint32_t)n;
		vh ^= (uint64_t)sigma_name_hash(v, n / 2) << 16;
	}
	if (!sliding) {
		/* fixed window: close it when this event lies past its end */
		if ((w->count || w->nv) && now - w->first_ts > c->timespan_us) {
			uint64_t cnt = c->type == SIGMA_CORR_VALUE_COUNT ? w->nv : w->count;

			if (cnt && range_ok(&c->cond, (int64_t)cnt))
				rc = fire(rs, st, corr_rule, w, cnt, e, fn, arg);
			win_reset(w);
			if (rc)
				return rc;
		}
		if (!w->count && !w->nv) {
			w->first_ts = now;
			w->first_rec = e->record_id;
		}
		w->last_ts = now;
		w->last_rec = e->record_id;
		if (c->type == SIGMA_CORR_VALUE_COUNT)
			value_add(w, st, vh, now);
		else
			w->count++;
		return 0;
	}
	if (w->fired && now <= w->quiet_until) {
		w->last_ts = now;
		w->last_rec = e->record_id;
		return 0;
	}
	w->fired = false;
	if (c->type == SIGMA_CORR_VALUE_COUNT) {
		value_expire(w, now - c->timespan_us);
		if (w->nv == 0) {
			w->first_ts = now;
			w->first_rec = e->record_id;
		}
		value_add(w, st, vh, now);
		w->last_ts = now;
		w->last_rec = e->record_id;
		if (range_ok(&c->cond, (int64_t)w->nv)) {
			rc = fire(rs, st, corr_rule, w, w->nv, e, fn, arg);
			win_reset(w);
			win_quiet(w, now, c->timespan_us);
		}
		return rc;
	}
	/* sliding event_count: a ring of the last `need` events */
	{
		int64_t need = c->cond.has_gte ? c->cond.gte : c->cond.gt + 1;
		size_t ring = (size_t)MM_MAX(1, MM_MIN(need, (int64_t)CORR_MAX_TRACK));
		size_t oldest;

		if (c->cond.has_gt && c->cond.has_gte)
			need = MM_MAX(c->cond.gte, c->cond.gt + 1);
		ring = (size_t)MM_MAX(1, MM_MIN(need, (int64_t)CORR_MAX_TRACK));
		if (!w->ts) {
			w->ts = calloc(ring, sizeof(*w->ts));
			w->rec = calloc(ring, sizeof(*w->rec));
			if (!w->ts || !w->rec)
				return MM_ENOMEM;
			w->ring = ring;
		}
		/* drop what fell out of the window */
		while (w->n) {
			oldest = (w->head + w->ring - w->n) % w->ring;
			if (now - w->ts[oldest] <= c->timespan_us)
				break;
			w->n--;
		}
		if (w->n == w->ring)
			w->n--;	/* full: the oldest is overwritten */
		w->ts[w->head] = now;
		w->rec[w->head] = e->record_id;
		w->head = (w->head + 1) % w->ring;
		w->n++;
		if ((int64_t)w->n >= need || (need > (int64_t)CORR_MAX_TRACK && w->n == w->ring)) {
			oldest = (w->head + w->ring - w->n) % w->ring;
			w->first_ts = w->ts[oldest];
			w->first_rec = w->rec[oldest];
			w->last_ts = now;
			w->last_rec = e->record_id;
			rc = fire(rs, st, corr_rule, w, w->n, e, fn, arg);
			win_reset(w);
			win_quiet(w, now, c->timespan_us);
		}
		return rc;
	}
}

static int temporal_feed(const struct sigma_ruleset *rs, struct sigma_state *st, int corr_rule,
			 int src_rule, struct cwin *w, const struct log_event *e, int64_t now,
			 sigma_match_fn *fn, void *arg)
{
	const struct sigma_corr *c = rs->rules[corr_rule]->corr;
	size_t i, k, seen = 0;
	int64_t first = now;
	uint64_t first_rec = e->record_id;

	for (k = 0; k < c->n_refs; k++) {
		if (c->ref_idx[k] != src_rule)
			continue;
		if (c->type == SIGMA_CORR_TEMPORAL_ORDERED) {
			bool prev_ok = true;

			/* step k counts only after steps 0..k-1, all within timespan */
			for (i = 0; i < k; i++)
				if (!w->has[i] || now - w->seen[i] > c->timespan_us)
					prev_ok = false;
			if (k > 0 && !prev_ok)
				continue;
			if (k == 0)
				for (i = 1; i < c->n_refs; i++)
					w->has[i] = false;
		}
		w->has[k] = true;
		w->seen[k] = now;
		w->seen_rec[k] = e->record_id;
	}
	for (k = 0; k < c->n_refs; k++) {
		if (!w->has[k] || now - w->seen[k] > c->timespan_us)
			continue;
		seen++;
		if (w->seen[k] < first) {
			first = w->seen[k];
			first_rec = w->seen_rec[k];
		}
	}
	if (c->has_cond ? range_ok(&c->cond, (int64_t)seen) : seen == c->n_refs) {
		if (c->type == SIGMA_CORR_TEMPORAL_ORDERED && !(w->has[c->n_refs - 1] &&
								w->seen[c->n_refs - 1] == now))
			return 0;
		w->first_ts = first;
		w->first_rec = first_rec;
		w->last_ts = now;
		w->last_rec = e->record_id;
		{
			int rc = fire(rs, st, corr_rule, w, seen, e, fn, arg);

			win_reset(w);
			return rc;
		}
	}
	return 0;
}

static int feed(const struct sigma_ruleset *rs, struct sigma_state *st, int corr_rule,
		int src_rule, const struct log_event *e, sigma_match_fn *fn, void *arg)
{
	struct sigma_corr_state *cs = st->corr;
	const struct sigma_corr *c = rs->rules[corr_rule]->corr;
	struct cwin *w;
	char key[KEY_MAX];
	int64_t now;
	int wi, rc;

	if (cs->depth >= CORR_MAX_CHAIN)
		return 0;
	make_key(rs, c, src_rule, e, key, sizeof(key));
	wi = win_get(cs, st, corr_rule, key);
	if (wi < 0)
		return MM_ENOMEM;
	w = &cs->w[wi];
	now = e->ts_us;
	if (now < w->last_ts)
		now = w->last_ts;	/* out of order: never move a window back */
	cs->depth++;
	if (c->type == SIGMA_CORR_EVENT_COUNT || c->type == SIGMA_CORR_VALUE_COUNT)
		rc = count_feed(rs, st, corr_rule, src_rule, w, e, now, fn, arg);
	else
		rc = temporal_feed(rs, st, corr_rule, src_rule, w, e, now, fn, arg);
	cs->depth--;
	return rc;
}

int sigma_corr_feed(const struct sigma_ruleset *rs, struct sigma_state *st, int rule_idx,
		    const struct log_event *e, sigma_match_fn *fn, void *arg)
{
	const struct sigma_rule *r = rs->rules[rule_idx];
	size_t i;
	int rc;

	for (i = 0; i < r->n_parents; i++) {
		rc = feed(rs, st, r->parents[i], rule_idx, e, fn, arg);
		if (rc)
			return rc;
	}
	return 0;
}

int sigma_corr_flush(const struct sigma_ruleset *rs, struct sigma_state *st, sigma_match_fn *fn,
		     void *arg)
{
	struct sigma_corr_state *cs = st->corr;
	int idx, rc = 0;

	/* oldest first, so the order of the alerts follows the stream */
	for (idx = cs->lru_tail; idx >= 0 && !rc; idx = cs->w[idx].lru_prev) {
		struct cwin *w = &cs->w[idx];
		const struct sigma_corr *c = rs->rules[w->corr]->corr;
		uint64_t cnt;

		if (c->type != SIGMA_CORR_EVENT_COUNT && c->type != SIGMA_CORR_VALUE_COUNT)
			continue;
		if (lower_only(&c->cond) || !(w->count || w->nv))
			continue;
		cnt = c->type == SIGMA_CORR_VALUE_COUNT ? w->nv : w->count;
		if (cnt && range_ok(&c->cond, (int64_t)cnt))
			rc = fire(rs, st, w->corr, w, cnt, NULL, fn, arg);
		win_reset(w);
	}
	return rc;
}
