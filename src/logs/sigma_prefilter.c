/*
 * sigma_prefilter.c — one Hyperscan database of the literal substrings of
 * all rules, used to skip rules that cannot match an event.
 *
 * For each detection rule we derive a set of literals such that the rule
 * can only match an event in which at least one of them occurs somewhere
 * in the event's values (a necessary condition, computed over the
 * condition tree: a selection needs a literal from every alternative, AND
 * needs one child's set, OR needs every child's set, NOT gives nothing).
 * A rule with such a set belongs to a "literal group"; at evaluation the
 * event's values are scanned once (vectored, caseless) and a rule whose
 * group saw no literal is skipped. Rules without a set (numbers, regexes,
 * negations only) are always evaluated. Since the scan runs over all
 * values together, a literal spanning two values is a harmless false hit.
 *
 * Threading: the database is read-only; scratch is per state.
 */
#include "core/compat.h"

#include "logs/sigma_int.h"

#include <hs/hs.h>

#define MAX_RULE_LITS 512
#define MIN_LIT 3

struct litset {
	bool none;		/* no necessary literal set */
	const struct sigma_pat **p;
	size_t n, cap;
};

static void ls_free(struct litset *s)
{
	free(s->p);
	memset(s, 0, sizeof(*s));
}

static void ls_none(struct litset *s)
{
	ls_free(s);
	s->none = true;
}

static void ls_add(struct litset *s, const struct sigma_pat *p)
{
	if (s->none)
		return;
	if (s->n == MAX_RULE_LITS) {
		ls_none(s);
		return;
	}
	if (s->n == s->cap) {
		size_t nc = s->cap ? s->cap * 2 : 8;
		const struct sigma_pat **np = realloc(s->p, nc * sizeof(*np));

		if (!np) {
			ls_none(s);
			return;
		}
		s->p = np;
		s->cap = nc;
	}
	s->p[s->n++] = p;
}

static void ls_union(struct litset *a, struct litset *b)
{
	size_t i;

	if (b->none) {
		ls_none(a);
	} else {
		for (i = 0; i < b->n && !a->none; i++)
			ls_add(a, b->p[i]);
	}
	ls_free(b);
}

/* The literal core a pattern needs (GLOB: its longest literal run). */
static size_t pat_lit(const struct sigma_pat *p, const uint8_t **out)
{
	size_t i, best = 0, start = 0, run = 0;

	if (p->mode == SIGMA_P_ANY)
		return 0;
	if (p->mode != SIGMA_P_GLOB) {
		*out = p->lit;
		return p->len;
	}
	for (i = 0; i <= p->len; i++) {
		if (i < p->len && p->wild[i] == SIGMA_W_LIT) {
			run++;
			continue;
		}
		if (run > best) {
			best = run;
			start = i - run;
		}
		run = 0;
	}
	*out = p->lit + start;
	return best;
}

/* Literals of one item, or none; *minlen gets the shortest. */
static void item_lits(const struct sigma_item *it, struct litset *s, size_t *minlen)
{
	size_t v, k;

	memset(s, 0, sizeof(*s));
	*minlen = SIZE_MAX;
	if (it->neq || it->n_vals == 0) {
		s->none = true;
		return;
	}
	for (v = 0; v < it->n_vals && !s->none; v++) {
		const struct sigma_val *x = &it->vals[v];

		if (x->kind != SIGMA_V_STR || x->n_pats == 0) {
			ls_none(s);
			return;
		}
		for (k = 0; k < x->n_pats; k++) {
			const uint8_t *l = NULL;
			size_t n = pat_lit(&x->pats[k], &l);

			if (n < MIN_LIT) {
				ls_none(s);
				return;
			}
			if (n < *minlen)
				*minlen = n;
			ls_add(s, &x->pats[k]);
		}
	}
}

static void sel_lits(const struct sigma_sel *sel, struct litset *out)
{
	size_t a, i;

	memset(out, 0, sizeof(*out));
	for (a = 0; a < sel->n_alts && !out->none; a++) {
		struct litset best;
		size_t best_len = 0;

		memset(&best, 0, sizeof(best));
		best.none = true;
		for (i = 0; i < sel->alts[a].n_items; i++) {
			struct litset s;
			size_t ml;

			item_lits(&sel->alts[a].items[i], &s, &ml);
			if (!s.none && (best.none || ml > best_len)) {
				ls_free(&best);
				best = s;
				best_len = ml;
			} else {
				ls_free(&s);
			}
		}
		ls_union(out, &best);
	}
	if (sel->n_alts == 0)
		ls_none(out);
}

static void node_lits(const struct sigma_rule *r, int ni, struct litset *out)
{
	const struct sigma_cnode *x = &r->cond.nodes[ni];
	struct litset a, b;
	size_t i;

	memset(out, 0, sizeof(*out));
	switch (x->op) {
	case SIGMA_C_SEL:
		sel_lits(&r->sels[x->sel], out);
		return;
	case SIGMA_C_AND:
		node_lits(r, x->a, &a);
		node_lits(r, x->b, &b);
		if (a.none) {
			ls_free(&a);
			*out = b;
		} else if (b.none || a.n <= b.n) {
			ls_free(&b);
			*out = a;
		} else {
			ls_free(&a);
			*out = b;
		}
		return;
	case SIGMA_C_OR:
		node_lits(r, x->a, out);
		node_lits(r, x->b, &b);
		ls_union(out, &b);
		return;
	case SIGMA_C_OF:
		if (x->need == 0) {
			out->none = true;
			for (i = 0; i < x->n_sels; i++) {
				sel_lits(&r->sels[x->sels[i]], &a);
				if (!a.none && (out->none || a.n < out->n)) {
					ls_free(out);
					*out = a;
				} else {
					ls_free(&a);
				}
			}
			return;
		}
		for (i = 0; i < x->n_sels && !out->none; i++) {
			sel_lits(&r->sels[x->sels[i]], &a);
			ls_union(out, &a);
		}
		return;
	default:
		out->none = true;
		return;
	}
}

int sigma_prefilter_build(struct sigma_ruleset *rs, struct mm_diag *diag)
{
	const char **exprs = NULL;
	unsigned *ids = NULL, *flags = NULL;
	size_t *lens = NULL, n = 0, cap = 0, i, k;
	hs_database_t *db = NULL;
	hs_compile_error_t *cerr = NULL;
	int rc = 0;

	for (i = 0; i < rs->n_rules; i++) {
		struct sigma_rule *r = rs->rules[i];
		struct litset s;

		if (r->kind != SIGMA_RULE_DETECTION || !r->cond.nodes)
			continue;
		node_lits(r, r->cond.root, &s);
		if (s.none || s.n == 0) {
			ls_free(&s);
			continue;
		}
		if (n + s.n > cap) {
			size_t nc = (n + s.n) * 2;
			const char **ne = realloc(exprs, nc * sizeof(*ne));
			unsigned *ni, *nf;
			size_t *nl;

			if (ne)
				exprs = ne;
			ni = realloc(ids, nc * sizeof(*ni));
			if (ni)
				ids = ni;
			nf = realloc(flags, nc * sizeof(*nf));
			if (nf)
				flags = nf;
			nl = realloc(lens, nc * sizeof(*nl));
			if (nl)
				lens = nl;
			if (!ne || !ni || !nf || !nl) {
				ls_free(&s);
				rc = MM_ENOMEM;
				goto out;
			}
			cap = nc;
		}
		r->lit_group = (int)rs->n_lit_groups++;
		for (k = 0; k < s.n; k++) {
			const uint8_t *l = NULL;
			size_t len = pat_lit(s.p[k], &l);

			exprs[n] = (const char *)l;
			lens[n] = len;
			ids[n] = (unsigned)r->lit_group;
			flags[n] = HS_FLAG_CASELESS | HS_FLAG_SINGLEMATCH;
			n++;
		}
		rs->n_prefiltered++;
		ls_free(&s);
	}
	if (n == 0)
		goto out;
	if (hs_compile_lit_multi(exprs, flags, ids, lens, (unsigned)n, HS_MODE_VECTORED, NULL, &db,
				 &cerr) != HS_SUCCESS) {
		/* without the prefilter every rule is evaluated: slower, same results */
		for (i = 0; i < rs->n_rules; i++)
			rs->rules[i]->lit_group = -1;
		rs->n_lit_groups = 0;
		rs->n_prefiltered = 0;
		sigma_problem_add(rs, "", -1, NULL, true, "prefilter disabled",
				  "Hyperscan could not compile the literal prefilter: %s",
				  cerr && cerr->message ? cerr->message : "unknown error");
		if (cerr)
			hs_free_compile_error(cerr);
		goto out;
	}
	rs->hs_db = db;
	rs->n_lits = n;
out:
	free(exprs);
	free(ids);
	free(flags);
	free(lens);
	if (rc)
		return mm_diag_set(diag, rc, "", -1, -1, "out of memory building the prefilter");
	return 0;
}

void sigma_prefilter_free(struct sigma_ruleset *rs)
{
	if (rs->hs_db)
		hs_free_database(rs->hs_db);
	rs->hs_db = NULL;
}

void sigma_prefilter_scratch_free(void *scratch)
{
	if (scratch)
		hs_free_scratch(scratch);
}

static int on_match(unsigned int id, unsigned long long from, unsigned long long to,
		    unsigned int fl, void *ctx)
{
	struct sigma_state *st = ctx;

	(void)from;
	(void)to;
	(void)fl;
	if (id < st->n_lit_groups)
		st->lit_hit[id] = 1;
	return 0;
}

#define MAX_VEC 512

int sigma_prefilter_scan(const struct sigma_ruleset *rs, struct sigma_state *st,
			 const struct log_event *e)
{
	const char *data[MAX_VEC];
	unsigned int lens[MAX_VEC];
	size_t n = 0, i;

	if (!rs->hs_db) {
		memset(st->lit_hit, 1, st->n_lit_groups);
		return 0;
	}
	memset(st->lit_hit, 0, st->n_lit_groups);
	if (!st->hs_scratch && hs_alloc_scratch(rs->hs_db, (hs_scratch_t **)&st->hs_scratch) !=
				       HS_SUCCESS) {
		memset(st->lit_hit, 1, st->n_lit_groups);
		return 0;
	}
	if (e->channel)
		data[n] = e->channel, lens[n++] = (unsigned)strlen(e->channel);
	if (e->provider)
		data[n] = e->provider, lens[n++] = (unsigned)strlen(e->provider);
	if (e->host)
		data[n] = e->host, lens[n++] = (unsigned)strlen(e->host);
	for (i = 0; i < e->n_fields; i++) {
		if (n == MAX_VEC) {
			/* too many values to scan at once: evaluate everything */
			memset(st->lit_hit, 1, st->n_lit_groups);
			return 0;
		}
		if (!e->fields[i].value || !e->fields[i].value_len)
			continue;
		data[n] = e->fields[i].value;
		lens[n++] = e->fields[i].value_len;
	}
	if (n == 0)
		return 0;
	if (hs_scan_vector(rs->hs_db, data, lens, (unsigned)n, 0, st->hs_scratch, on_match, st) !=
	    HS_SUCCESS)
		memset(st->lit_hit, 1, st->n_lit_groups);
	return 0;
}
