/*
 * sigma_index.c — compiling a loaded ruleset for fast evaluation, the
 * per-stream state, and sigma_eval().
 *
 * Compilation (sigma_ruleset_compile):
 *  - filters are attached to their rules, correlations resolved;
 *  - every field name a rule uses gets a small integer id, so that an event
 *    is scanned once per evaluation into a field table and each rule item
 *    finds its value in O(1);
 *  - rules are grouped by logsource (product, service, category) and,
 *    inside a group, by the EventIDs their condition pins (every branch of
 *    the condition requires EventID to be one of a set of numbers); a rule
 *    that pins nothing is checked for every event of its logsource;
 *  - the literal prefilter (sigma_prefilter.c) is built last.
 *
 * Evaluation (sigma_eval): the candidate rules of an event depend only on
 * its channel, EventID and log_source, so they are computed once per
 * distinct combination and cached in the state. Nothing is allocated per
 * event once the caches are warm.
 *
 * Threading: the compiled ruleset is read-only and shared; a state belongs
 * to one thread (one stream) at a time.
 */
#include "core/compat.h"

#include "logs/sigma_int.h"

#include <strings.h>

#define CACHE_SLOTS 64
#define CACHE_KEY 160
#define MAX_PINS 64

struct sigma_cand_slot {
	bool used;
	uint32_t hash;
	char key[CACHE_KEY];
	int *rules;		/* candidate rules, then the matching groups */
	size_t n;
	size_t n_groups;	/* at rules + n */
};

/* ---- field ids ---- */

static int fid_get(struct sigma_ruleset *rs, const char *name)
{
	size_t n = strlen(name), i;
	uint32_t h = sigma_name_hash(name, n);

	if (rs->fslot_cap == 0 || (rs->n_fnames + 1) * 2 > rs->fslot_cap) {
		size_t nc = rs->fslot_cap ? rs->fslot_cap * 2 : 256;
		int *ns = malloc(nc * sizeof(*ns));

		if (!ns)
			return -1;
		for (i = 0; i < nc; i++)
			ns[i] = -1;
		for (i = 0; i < rs->n_fnames; i++) {
			size_t s = rs->fhash[i] & (nc - 1);

			while (ns[s] >= 0)
				s = (s + 1) & (nc - 1);
			ns[s] = (int)i;
		}
		free(rs->fslot);
		rs->fslot = ns;
		rs->fslot_cap = nc;
	}
	for (i = h & (rs->fslot_cap - 1); rs->fslot[i] >= 0; i = (i + 1) & (rs->fslot_cap - 1)) {
		int f = rs->fslot[i];

		if (rs->fhash[f] == h && strcasecmp(rs->fnames[f], name) == 0)
			return f;
	}
	{
		char **nn = realloc(rs->fnames, (rs->n_fnames + 1) * sizeof(*nn));
		uint32_t *nh;

		if (!nn)
			return -1;
		rs->fnames = nn;
		nh = realloc(rs->fhash, (rs->n_fnames + 1) * sizeof(*nh));
		if (!nh)
			return -1;
		rs->fhash = nh;
		rs->fnames[rs->n_fnames] = strdup(name);
		if (!rs->fnames[rs->n_fnames])
			return -1;
		rs->fhash[rs->n_fnames] = h;
		rs->fslot[i] = (int)rs->n_fnames;
		return (int)rs->n_fnames++;
	}
}

static int fid_find(const struct sigma_ruleset *rs, const char *name, size_t n)
{
	uint32_t h;
	size_t i;

	if (!rs->fslot_cap)
		return -1;
	h = sigma_name_hash(name, n);
	for (i = h & (rs->fslot_cap - 1); rs->fslot[i] >= 0; i = (i + 1) & (rs->fslot_cap - 1)) {
		int f = rs->fslot[i];

		if (rs->fhash[f] == h && strncasecmp(rs->fnames[f], name, n) == 0 &&
		    rs->fnames[f][n] == '\0')
			return f;
	}
	return -1;
}

static void assign_fids(struct sigma_ruleset *rs, struct sigma_rule *r)
{
	size_t s, a, i, v;

	for (s = 0; s < r->n_sels; s++)
		for (a = 0; a < r->sels[s].n_alts; a++)
			for (i = 0; i < r->sels[s].alts[a].n_items; i++) {
				struct sigma_item *it = &r->sels[s].alts[a].items[i];

				it->fid = it->field ? fid_get(rs, it->field) : -1;
				for (v = 0; v < it->n_vals; v++)
					if (it->vals[v].kind == SIGMA_V_FIELDREF)
						it->vals[v].ref_fid = fid_get(rs, it->vals[v].ref);
			}
}

/* ---- EventID pins ---- */

struct pins {
	bool any;		/* true: not pinned */
	uint32_t v[MAX_PINS];
	size_t n;
};

static void pins_add(struct pins *p, uint32_t x)
{
	size_t i;

	for (i = 0; i < p->n; i++)
		if (p->v[i] == x)
			return;
	if (p->n == MAX_PINS) {
		p->any = true;
		return;
	}
	p->v[p->n++] = x;
}

static void pins_union(struct pins *a, const struct pins *b)
{
	size_t i;

	if (b->any) {
		a->any = true;
		return;
	}
	for (i = 0; i < b->n && !a->any; i++)
		pins_add(a, b->v[i]);
}

static void sel_pins(const struct sigma_sel *s, struct pins *out)
{
	size_t a, i, v;

	memset(out, 0, sizeof(*out));
	for (a = 0; a < s->n_alts && !out->any; a++) {
		struct pins ap;
		bool found = false;

		memset(&ap, 0, sizeof(ap));
		for (i = 0; i < s->alts[a].n_items && !found; i++) {
			const struct sigma_item *it = &s->alts[a].items[i];
			bool ok = it->field && strcasecmp(it->field, "EventID") == 0 && !it->neq &&
				  (!it->all || it->n_vals == 1) && it->n_vals > 0;

			for (v = 0; ok && v < it->n_vals; v++) {
				const struct sigma_val *x = &it->vals[v];

				ok = x->kind == SIGMA_V_NUM && x->num >= 1 && x->num < 4294967296.0 &&
				     (double)(uint32_t)x->num == x->num;
			}
			if (!ok)
				continue;
			for (v = 0; v < it->n_vals; v++)
				pins_add(&ap, (uint32_t)it->vals[v].num);
			found = true;
		}
		if (!found)
			out->any = true;
		else
			pins_union(out, &ap);
	}
	if (s->n_alts == 0)
		out->any = true;
}

static void node_pins(const struct sigma_rule *r, int ni, struct pins *out)
{
	const struct sigma_cnode *x = &r->cond.nodes[ni];
	struct pins a, b;
	size_t i;

	memset(out, 0, sizeof(*out));
	switch (x->op) {
	case SIGMA_C_SEL:
		sel_pins(&r->sels[x->sel], out);
		return;
	case SIGMA_C_AND:
		node_pins(r, x->a, &a);
		node_pins(r, x->b, &b);
		*out = a.any ? b : a;
		return;
	case SIGMA_C_OR:
		node_pins(r, x->a, out);
		node_pins(r, x->b, &b);
		pins_union(out, &b);
		return;
	case SIGMA_C_OF:
		if (x->need == 0) {
			out->any = true;
			for (i = 0; i < x->n_sels; i++) {
				sel_pins(&r->sels[x->sels[i]], &a);
				if (!a.any) {
					*out = a;
					return;
				}
			}
			return;
		}
		for (i = 0; i < x->n_sels; i++) {
			sel_pins(&r->sels[x->sels[i]], &a);
			pins_union(out, &a);
		}
		return;
	default:
		out->any = true;
		return;
	}
}

/* ---- logsource groups ---- */

static bool seq(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static int lsrc_add(struct sigma_ruleset *rs, size_t ri)
{
	struct sigma_rule *r = rs->rules[ri];
	struct sigma_lsrc *g = NULL;
	struct pins p;
	size_t i;

	for (i = 0; i < rs->n_lsrc; i++) {
		g = &rs->lsrc[i];
		if (seq(g->product, r->product) && seq(g->service, r->service) &&
		    seq(g->category, r->category))
			break;
	}
	if (i == rs->n_lsrc) {
		struct sigma_lsrc *ng = realloc(rs->lsrc, (rs->n_lsrc + 1) * sizeof(*ng));

		if (!ng)
			return MM_ENOMEM;
		rs->lsrc = ng;
		g = &rs->lsrc[rs->n_lsrc++];
		memset(g, 0, sizeof(*g));
		g->product = r->product;
		g->service = r->service;
		g->category = r->category;
	}
	r->lsrc = (int)i;
	node_pins(r, r->cond.root, &p);
	if (p.any || p.n == 0) {
		int *nr = realloc(g->rules, (g->n_rules + 1) * sizeof(*nr));

		if (!nr)
			return MM_ENOMEM;
		g->rules = nr;
		g->rules[g->n_rules++] = (int)ri;
		return 0;
	}
	{
		uint64_t *np = realloc(g->pinned, (g->n_pinned + p.n) * sizeof(*np));

		if (!np)
			return MM_ENOMEM;
		g->pinned = np;
		r->eids = malloc(p.n * sizeof(*r->eids));
		if (!r->eids)
			return MM_ENOMEM;
		for (i = 0; i < p.n; i++) {
			g->pinned[g->n_pinned++] = ((uint64_t)p.v[i] << 32) | (uint32_t)ri;
			r->eids[i] = p.v[i];
		}
		r->n_eids = p.n;
	}
	return 0;
}

int sigma_ruleset_compile(struct sigma_ruleset *rs, struct mm_diag *diag)
{
	size_t i;
	int rc;

	if (!rs)
		return MM_EINVAL;
	if (rs->compiled)
		return 0;
	sigma_filters_apply(rs);
	rc = sigma_corr_resolve(rs);
	if (rc)
		return mm_diag_set(diag, rc, "", -1, -1, "cannot resolve correlation rules");
	for (i = 0; i < rs->n_rules; i++) {
		struct sigma_rule *r = rs->rules[i];

		assign_fids(rs, r);
		if (r->kind != SIGMA_RULE_DETECTION)
			continue;
		rc = lsrc_add(rs, i);
		if (rc)
			return mm_diag_set(diag, rc, "", -1, -1, "out of memory indexing rules");
	}
	for (i = 0; i < rs->n_lsrc; i++)
		if (rs->lsrc[i].n_pinned > 1)
			qsort(rs->lsrc[i].pinned, rs->lsrc[i].n_pinned, sizeof(uint64_t), cmp_u64);
	rc = sigma_prefilter_build(rs, diag);
	if (rc)
		return rc;
	if (rs->digest) {
		uint8_t d[32];

		if (mm_sha256_final(rs->digest, d) == 0)
			mm_hex(d, sizeof(d), rs->id_hex);
		free(rs->digest);
		rs->digest = NULL;
	}
	rs->compiled = true;
	return 0;
}

void sigma_ruleset_free(struct sigma_ruleset *rs)
{
	size_t i, k;

	if (!rs)
		return;
	sigma_prefilter_free(rs);	/* first: it walks the logsource groups */
	for (i = 0; i < rs->n_rules; i++)
		sigma_rule_free(rs->rules[i]);
	free(rs->rules);
	for (i = 0; i < rs->n_problems; i++) {
		free(rs->problems[i].file);
		free(rs->problems[i].rule_id);
		free(rs->problems[i].key);
		free(rs->problems[i].reason);
	}
	free(rs->problems);
	for (i = 0; i < rs->n_ph; i++) {
		for (k = 0; k < rs->ph[i].n_values; k++)
			free(rs->ph[i].values[k]);
		free(rs->ph[i].values);
		free(rs->ph[i].name);
	}
	free(rs->ph);
	for (i = 0; i < rs->n_lsrc; i++) {
		free(rs->lsrc[i].rules);
		free(rs->lsrc[i].pinned);
	}
	free(rs->lsrc);
	for (i = 0; i < rs->n_fnames; i++)
		free(rs->fnames[i]);
	free(rs->fnames);
	free(rs->fhash);
	free(rs->fslot);
	if (rs->digest) {
		mm_sha256_release(rs->digest);
		free(rs->digest);
	}
	free(rs);
}

size_t sigma_ruleset_count(const struct sigma_ruleset *rs)
{
	size_t i, n = 0;

	if (!rs)
		return 0;
	for (i = 0; i < rs->n_rules; i++)
		if (rs->rules[i]->kind != SIGMA_RULE_FILTER)
			n++;
	return n;
}

const char *sigma_ruleset_id(const struct sigma_ruleset *rs)
{
	return rs && rs->id_hex[0] ? rs->id_hex : "";
}

/* ---- state ---- */

struct sigma_state *sigma_state_new(const struct sigma_ruleset *rs)
{
	struct sigma_state *st;

	if (!rs || !rs->compiled)
		return NULL;	/* the state is sized from the compiled ruleset */
	st = calloc(1, sizeof(*st));
	if (!st)
		return NULL;
	st->rs = rs;
	st->md = sigma_match_data_new();
	st->mctx = sigma_match_context_new();
	st->cache = calloc(CACHE_SLOTS, sizeof(*st->cache));
	st->cache_cap = CACHE_SLOTS;
	st->n_f = rs->n_fnames;
	st->fv = calloc(st->n_f ? st->n_f : 1, sizeof(*st->fv));
	st->flen = calloc(st->n_f ? st->n_f : 1, sizeof(*st->flen));
	st->fgen = calloc(st->n_f ? st->n_f : 1, sizeof(*st->fgen));
	st->rule_mark = calloc(rs->n_rules ? rs->n_rules : 1, sizeof(uint32_t));
	st->item_mark = calloc(rs->n_items ? rs->n_items : 1, sizeof(uint32_t));
	st->n_pbytes = (rs->n_lits + 7) / 8;
	st->pbits = calloc(st->n_pbytes ? st->n_pbytes : 1, 1);

	st->corr = sigma_corr_state_new(rs);
	if (!st->md || !st->mctx || !st->cache || !st->fv || !st->flen || !st->fgen ||
	    !st->corr || !st->pbits || !st->rule_mark || !st->item_mark) {
		sigma_state_free(st);
		return NULL;
	}
	return st;
}

void sigma_state_free(struct sigma_state *st)
{
	size_t i;

	if (!st)
		return;
	sigma_match_data_free(st->md);
	sigma_match_context_free(st->mctx);
	if (st->cache)
		for (i = 0; i < st->cache_cap; i++)
			free(st->cache[i].rules);
	free(st->cache);
	free(st->fv);
	free(st->flen);
	free(st->fgen);
	free(st->pbits);
	free(st->rule_mark);
	free(st->item_mark);
	free(st->cand);
	sigma_corr_state_free(st->corr);
	sigma_prefilter_scratch_free(st->hs_scratch);
	free(st);
}

static size_t put_key(char *k, size_t at, const char *s)
{
	size_t n = s ? strlen(s) : 0;

	if (at + n + 1 >= CACHE_KEY)
		return CACHE_KEY;
	if (n)
		memcpy(k + at, s, n);
	k[at + n] = '\x1f';
	return at + n + 1;
}

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return (x > y) - (x < y);
}

/* Candidate rules for the event into *out, followed by the indexes of the
 * logsource groups it belongs to (*n_groups of them); owned by the state. */
static int candidates(const struct sigma_ruleset *rs, struct sigma_state *st,
		      const struct log_event *e, const int **out, size_t *n_out, size_t *n_groups)
{
	char key[CACHE_KEY];
	size_t at = 0, i, n = 0, cap = 0, k2;
	uint32_t h;
	struct sigma_cand_slot *slot = NULL;
	int *list = NULL;

	at = put_key(key, at, e->channel);
	at = at < CACHE_KEY ? put_key(key, at, e->src.product) : at;
	at = at < CACHE_KEY ? put_key(key, at, e->src.service) : at;
	at = at < CACHE_KEY ? put_key(key, at, e->src.category) : at;
	if (at + 12 < CACHE_KEY) {
		at += (size_t)snprintf(key + at, CACHE_KEY - at, "%" PRIu32, e->event_id);
		h = sigma_name_hash(key, at);
		slot = &st->cache[h & (st->cache_cap - 1)];
		if (slot->used && slot->hash == h && strncmp(slot->key, key, at) == 0 &&
		    slot->key[at] == '\0') {
			*out = slot->rules;
			*n_out = slot->n;
			*n_groups = slot->n_groups;
			return 0;
		}
	} else {
		h = 0;
		at = CACHE_KEY;
	}
	uint8_t *match = calloc(rs->n_lsrc ? rs->n_lsrc : 1, 1);
	size_t ng = 0;

	if (!match)
		return MM_ENOMEM;
	for (i = 0; i < rs->n_lsrc; i++) {
		const struct sigma_lsrc *g = &rs->lsrc[i];
		size_t lo = 0, hi = g->n_pinned, k;

		if (!sigma_lsrc_matches(g, e))
			continue;
		match[i] = 1;
		ng++;
		if (n + g->n_rules + g->n_pinned + rs->n_lsrc > cap) {
			size_t nc = (n + g->n_rules + g->n_pinned + rs->n_lsrc) * 2 + 16;
			int *nl = realloc(list, nc * sizeof(*nl));

			if (!nl) {
				free(list);
				free(match);
				return MM_ENOMEM;
			}
			list = nl;
			cap = nc;
		}
		for (k = 0; k < g->n_rules; k++)
			list[n++] = g->rules[k];
		/* pinned: binary search the first entry of this EventID */
		while (lo < hi) {
			size_t mid = (lo + hi) / 2;

			if ((g->pinned[mid] >> 32) < e->event_id)
				lo = mid + 1;
			else
				hi = mid;
		}
		for (k = lo; k < g->n_pinned && (g->pinned[k] >> 32) == e->event_id; k++)
			list[n++] = (int)(uint32_t)g->pinned[k];
	}
	if (n > 1)
		qsort(list, n, sizeof(int), cmp_int);
	if (!list && ng) {
		list = malloc(ng * sizeof(int));
		if (!list) {
			free(match);
			return MM_ENOMEM;
		}
	}
	/* the groups after the rules (room was reserved above) */
	for (i = 0, k2 = 0; i < rs->n_lsrc; i++)
		if (match[i])
			list[n + k2++] = (int)i;
	free(match);
	*n_groups = ng;
	if (slot) {
		free(slot->rules);
		slot->used = true;
		slot->hash = h;
		memcpy(slot->key, key, at);
		slot->key[at] = '\0';
		slot->rules = list;
		slot->n = n;
		slot->n_groups = ng;
		*out = list;
		*n_out = n;
		return 0;
	}
	/* not cacheable (long names): keep in the state's scratch list */
	free(st->cand);
	st->cand = list;
	st->n_cand = n;
	*out = list;
	*n_out = n;
	return 0;
}

static void load_fields(const struct sigma_ruleset *rs, struct sigma_state *st,
			const struct log_event *e)
{
	size_t i;

	if (++st->gen == 0) {
		memset(st->fgen, 0, st->n_f * sizeof(*st->fgen));
		st->gen = 1;
	}
	for (i = 0; i < e->n_fields; i++) {
		const struct log_field *f = &e->fields[i];
		int id;

		if (!f->name)
			continue;
		id = fid_find(rs, f->name, f->name_len);
		if (id < 0 || (size_t)id >= st->n_f || st->fgen[id] == st->gen)
			continue;
		st->fgen[id] = st->gen;
		st->fv[id] = f->value ? f->value : "";
		st->flen[id] = f->value ? f->value_len : 0;
	}
}

int sigma_eval(const struct sigma_ruleset *rs, struct sigma_state *st, const struct log_event *e,
	       sigma_match_fn *fn, void *arg)
{
	const int *cand;
	size_t n, i, n_groups = 0;
	int rc;

	if (!rs || !st || !e || !rs->compiled)
		return MM_EINVAL;
	st->events++;
	rc = candidates(rs, st, e, &cand, &n, &n_groups);
	if (rc)
		return rc;
	if (n == 0)
		return 0;
	load_fields(rs, st, e);
	rc = sigma_prefilter_scan(rs, st, e, cand + n, n_groups);
	if (rc)
		return rc;
	for (i = 0; i < n; i++) {
		const struct sigma_rule *r;
		struct sigma_match m;
		int ri = cand[i];

		/* the prefilter saw none of the rule's necessary literals */
		if (st->scanned && rs->gated && rs->gated[ri] && st->rule_mark[ri] != st->scan_gen)
			continue;
		r = rs->rules[ri];
		st->evaluated++;
		memset(&m, 0, sizeof(m));
		if (!sigma_rule_match(r, st, e, r->silent ? NULL : &m))
			continue;
		if (!r->silent) {
			m.meta = r->meta;
			m.rule_title = r->title;
			m.count = 1;
			m.first_ts_us = m.last_ts_us = e->ts_us;
			m.first_record = m.last_record = e->record_id;
			if (fn) {
				rc = fn(arg, e, &m);
				if (rc)
					return rc;
			}
		}
		if (r->n_parents) {
			rc = sigma_corr_feed(rs, st, cand[i], e, fn, arg);
			if (rc)
				return rc;
		}
	}
	return 0;
}

int sigma_flush(const struct sigma_ruleset *rs, struct sigma_state *st, sigma_match_fn *fn,
		void *arg)
{
	if (!rs || !st)
		return MM_EINVAL;
	st->scanned = false;	/* no event: patterns check for real */
	return sigma_corr_flush(rs, st, fn, arg);
}

uint64_t sigma_state_evicted(const struct sigma_state *st)
{
	return st ? st->evicted : 0;
}

void sigma_state_stats(const struct sigma_state *st, uint64_t *events, uint64_t *evaluated)
{
	if (events)
		*events = st ? st->events : 0;
	if (evaluated)
		*evaluated = st ? st->evaluated : 0;
}
