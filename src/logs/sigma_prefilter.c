/*
 * sigma_prefilter.c — one Hyperscan database of the literal substrings of
 * all rules, used to skip rules that cannot match an event.
 *
 * For each detection rule we derive a set of literals such that the rule
 * can only match an event in which at least one of them occurs somewhere
 * in the event's values (a necessary condition, computed over the
 * condition tree: a selection needs a literal from every alternative, AND
 * needs one child's set, OR needs every child's set, NOT gives nothing).
 * Each distinct literal gets an id; at evaluation the event's values are
 * scanned once (vectored, caseless) into a bitmap of the ids seen, a rule
 * none of whose necessary literals was seen is skipped, and a string
 * pattern whose literal was not seen fails without touching the value. Rules without a set (numbers, regexes,
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
	int32_t *p;		/* literal ids */
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

static void ls_add(struct litset *s, int32_t p)
{
	if (s->none)
		return;
	if (s->n == MAX_RULE_LITS) {
		ls_none(s);
		return;
	}
	if (s->n == s->cap) {
		size_t nc = s->cap ? s->cap * 2 : 8;
		int32_t *np = realloc(s->p, nc * sizeof(*np));

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

/* Literal ids of one item (after ids are assigned), or none; *minlen
 * gets the shortest literal. */
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

		if (x->kind == SIGMA_V_RE && x->re_lid >= 0) {
			*minlen = MM_MIN(*minlen, x->re_lit_len);
			ls_add(s, x->re_lid);
			continue;
		}
		if (x->kind != SIGMA_V_STR || x->n_pats == 0) {
			ls_none(s);
			return;
		}
		for (k = 0; k < x->n_pats; k++) {
			const uint8_t *l = NULL;
			size_t n = pat_lit(&x->pats[k], &l);

			if (x->pats[k].lid < 0) {
				ls_none(s);
				return;
			}
			*minlen = MM_MIN(*minlen, n);
			ls_add(s, x->pats[k].lid);
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

static int lits_grow(const char ***exprs, unsigned **ids, unsigned **flags, size_t **lens,
		     size_t *cap, size_t need)
{
	size_t nc = need * 2 + 64;
	const char **ne;
	unsigned *ni, *nf;
	size_t *nl;

	if (need <= *cap)
		return 0;
	ne = realloc(*exprs, nc * sizeof(*ne));
	if (ne)
		*exprs = ne;
	ni = realloc(*ids, nc * sizeof(*ni));
	if (ni)
		*ids = ni;
	nf = realloc(*flags, nc * sizeof(*nf));
	if (nf)
		*flags = nf;
	nl = realloc(*lens, nc * sizeof(*nl));
	if (nl)
		*lens = nl;
	if (!ne || !ni || !nf || !nl)
		return MM_ENOMEM;
	*cap = nc;
	return 0;
}

/* Distinct literals (caseless): a small open-addressing table over the
 * lowercase bytes, so rules sharing "\\powershell.exe" share one id. */
struct ltab {
	int32_t *slot;
	size_t cap;
};

static uint64_t lit_hash(const uint8_t *p, size_t n)
{
	uint64_t h = 1469598103934665603ull;
	size_t i;

	for (i = 0; i < n; i++) {
		uint8_t c = p[i];

		h ^= (c >= 'A' && c <= 'Z') ? (uint8_t)(c + 32) : c;
		h *= 1099511628211ull;
	}
	return h;
}

static bool lit_eq(const uint8_t *a, const uint8_t *b, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		uint8_t x = a[i], y = b[i];

		x = (x >= 'A' && x <= 'Z') ? (uint8_t)(x + 32) : x;
		y = (y >= 'A' && y <= 'Z') ? (uint8_t)(y + 32) : y;
		if (x != y)
			return false;
	}
	return true;
}

static void mark_positive(const struct sigma_cond *c, int ni, bool neg, uint8_t *pos)
{
	const struct sigma_cnode *x = &c->nodes[ni];
	size_t i;

	switch (x->op) {
	case SIGMA_C_SEL:
		if (!neg)
			pos[x->sel] = 1;
		break;
	case SIGMA_C_AND:
	case SIGMA_C_OR:
		mark_positive(c, x->a, neg, pos);
		mark_positive(c, x->b, neg, pos);
		break;
	case SIGMA_C_NOT:
		mark_positive(c, x->a, !neg, pos);
		break;
	case SIGMA_C_OF:
		for (i = 0; i < x->n_sels && !neg; i++)
			pos[x->sels[i]] = 1;
		break;
	default:
		break;
	}
}

/* Gated items: every value a string pattern with a literal id. */
static bool item_gated(const struct sigma_item *x)
{
	size_t v, k;

	if (x->neq || x->n_vals == 0 || !x->field)
		return false;
	for (v = 0; v < x->n_vals; v++) {
		if (x->vals[v].kind == SIGMA_V_RE && x->vals[v].re_lid >= 0)
			continue;
		if (x->vals[v].kind != SIGMA_V_STR || !x->vals[v].n_pats)
			return false;
		for (k = 0; k < x->vals[v].n_pats; k++)
			if (x->vals[v].pats[k].lid < 0)
				return false;
	}
	return true;
}

/* literal id -> rules requiring it, and -> gated items using it (CSR). */
static int build_maps(struct sigma_ruleset *rs, size_t n)
{
	size_t i, k, s, a, it, v, nr = 0, ni = 0;
	uint32_t *rc_cnt = calloc(n + 1, sizeof(uint32_t)), *ic_cnt = calloc(n + 1, sizeof(uint32_t));
	int rc = MM_ENOMEM;

	if (!rc_cnt || !ic_cnt)
		goto out;
	for (i = 0; i < rs->n_rules; i++) {
		struct sigma_rule *r = rs->rules[i];

		for (k = 0; k < r->n_req; k++)
			rc_cnt[r->req[k]]++, nr++;
		for (s = 0; s < r->n_sels; s++)
			for (a = 0; a < r->sels[s].n_alts; a++)
				for (it = 0; it < r->sels[s].alts[a].n_items; it++) {
					struct sigma_item *x = &r->sels[s].alts[a].items[it];

					x->iid = -1;
					if (!item_gated(x))
						continue;
					x->iid = (int32_t)rs->n_items++;
					for (v = 0; v < x->n_vals; v++) {
						if (x->vals[v].kind == SIGMA_V_RE)
							ic_cnt[x->vals[v].re_lid]++, ni++;
						for (k = 0; k < x->vals[v].n_pats; k++)
							ic_cnt[x->vals[v].pats[k].lid]++, ni++;
					}
				}
	}
	rs->lit_rules_off = calloc(n + 1, sizeof(uint32_t));
	rs->lit_items_off = calloc(n + 1, sizeof(uint32_t));
	rs->lit_rules = malloc((nr ? nr : 1) * sizeof(uint32_t));
	rs->lit_items = malloc((ni ? ni : 1) * sizeof(uint32_t));
	if (!rs->lit_rules_off || !rs->lit_items_off || !rs->lit_rules || !rs->lit_items)
		goto out;
	for (i = 0; i < n; i++) {
		rs->lit_rules_off[i + 1] = rs->lit_rules_off[i] + rc_cnt[i];
		rs->lit_items_off[i + 1] = rs->lit_items_off[i] + ic_cnt[i];
		rc_cnt[i] = rs->lit_rules_off[i];
		ic_cnt[i] = rs->lit_items_off[i];
	}
	for (i = 0; i < rs->n_rules; i++) {
		struct sigma_rule *r = rs->rules[i];

		for (k = 0; k < r->n_req; k++)
			rs->lit_rules[rc_cnt[r->req[k]]++] = (uint32_t)i;
		for (s = 0; s < r->n_sels; s++)
			for (a = 0; a < r->sels[s].n_alts; a++)
				for (it = 0; it < r->sels[s].alts[a].n_items; it++) {
					struct sigma_item *x = &r->sels[s].alts[a].items[it];

					if (x->iid < 0)
						continue;
					for (v = 0; v < x->n_vals; v++) {
						if (x->vals[v].kind == SIGMA_V_RE)
							rs->lit_items[ic_cnt[x->vals[v].re_lid]++] = (uint32_t)x->iid;
						for (k = 0; k < x->vals[v].n_pats; k++)
							rs->lit_items[ic_cnt[x->vals[v].pats[k].lid]++] = (uint32_t)x->iid;
					}
				}
	}
	rc = 0;
out:
	free(rc_cnt);
	free(ic_cnt);
	return rc;
}

static void maps_free(struct sigma_ruleset *rs, bool reset_items)
{
	size_t i, s, a, it;

	free(rs->lit_rules_off);
	free(rs->lit_items_off);
	free(rs->lit_rules);
	free(rs->lit_items);
	rs->lit_rules_off = rs->lit_items_off = rs->lit_rules = rs->lit_items = NULL;
	for (i = 0; reset_items && i < rs->n_rules; i++) {
		struct sigma_rule *r = rs->rules[i];

		for (s = 0; s < r->n_sels; s++)
			for (a = 0; a < r->sels[s].n_alts; a++)
				for (it = 0; it < r->sels[s].alts[a].n_items; it++)
					r->sels[s].alts[a].items[it].iid = -1;
	}
	rs->n_items = 0;
}

/* Frees the per-logsource databases (the literal maps stay). */
static void sigma_prefilter_free_dbs(struct sigma_ruleset *rs)
{
	size_t g;

	if (rs->hs_proto)
		hs_free_scratch(rs->hs_proto);
	rs->hs_proto = NULL;
	for (g = 0; g < rs->n_lsrc; g++) {
		if (rs->lsrc[g].hs_db)
			hs_free_database(rs->lsrc[g].hs_db);
		rs->lsrc[g].hs_db = NULL;
	}
}

/* One database per logsource group, of the literals its rules use: an
 * event is scanned only for the literals of the groups it belongs to. */
static int compile_groups(struct sigma_ruleset *rs, const char **exprs, const size_t *lens,
			  size_t n, char *why, size_t why_len)
{
	uint8_t *seen = calloc(n, 1);
	const char **ge = malloc(n * sizeof(*ge));
	unsigned *gi = malloc(n * sizeof(*gi)), *gf = malloc(n * sizeof(*gf));
	size_t *gl = malloc(n * sizeof(*gl));
	size_t g, i, s, a, it, v, k;
	int rc = 0;

	if (!seen || !ge || !gi || !gf || !gl) {
		snprintf(why, why_len, "out of memory");
		rc = MM_ENOMEM;
		goto out;
	}
	for (g = 0; g < rs->n_lsrc && !rc; g++) {
		hs_compile_error_t *cerr = NULL;
		hs_database_t *db = NULL;
		size_t m = 0;

		memset(seen, 0, n);
		for (i = 0; i < rs->n_rules; i++) {
			const struct sigma_rule *r = rs->rules[i];

			if (r->kind != SIGMA_RULE_DETECTION || r->lsrc != (int)g)
				continue;
			for (s = 0; s < r->n_sels; s++)
				for (a = 0; a < r->sels[s].n_alts; a++)
					for (it = 0; it < r->sels[s].alts[a].n_items; it++) {
						const struct sigma_item *x = &r->sels[s].alts[a].items[it];

						for (v = 0; v < x->n_vals; v++) {
							const struct sigma_val *val = &x->vals[v];

							for (k = 0; k <= val->n_pats; k++) {
								int32_t l = k < val->n_pats ? val->pats[k].lid
									    : val->re_lid;

								if (l < 0 || (size_t)l >= n || seen[l])
									continue;
								seen[l] = 1;
								ge[m] = exprs[l];
								gl[m] = lens[l];
								gi[m] = (unsigned)l;
								gf[m] = HS_FLAG_CASELESS | HS_FLAG_SINGLEMATCH;
								m++;
							}
						}
					}
		}
		if (m == 0)
			continue;
		if (hs_compile_lit_multi(ge, gf, gi, gl, (unsigned)m, HS_MODE_VECTORED, NULL, &db,
					 &cerr) != HS_SUCCESS) {
			snprintf(why, why_len, "%s", cerr && cerr->message ? cerr->message : "unknown error");
			if (cerr)
				hs_free_compile_error(cerr);
			rc = MM_EDEP;
			break;
		}
		rs->lsrc[g].hs_db = db;
	}
out:
	free(seen);
	free(ge);
	free(gi);
	free(gf);
	free(gl);
	return rc;
}

int sigma_prefilter_build(struct sigma_ruleset *rs, struct mm_diag *diag)
{
	const char **exprs = NULL;
	unsigned *ids = NULL, *flags = NULL;
	size_t *lens = NULL, n = 0, cap = 0, i, k, s, a, it, v;
	struct ltab lt = { NULL, 0 };
	char why[256];
	int rc = 0;

	/* every string pattern with a literal of MIN_LIT bytes in a positive
	 * selection gets the id of its distinct literal; selections only used
	 * under `not` (filters, typically common paths) stay out of the
	 * database: they are checked only when the rest already matched */
	for (i = 0; i < rs->n_rules; i++) {
		struct sigma_rule *r = rs->rules[i];
		uint8_t pos[SIGMA_MAX_SELECTIONS];

		memset(pos, 0, sizeof(pos));
		if (r->kind == SIGMA_RULE_DETECTION && r->cond.nodes)
			mark_positive(&r->cond, r->cond.root, false, pos);
		for (s = 0; s < r->n_sels; s++)
			for (a = 0; a < r->sels[s].n_alts && pos[s]; a++)
				for (it = 0; it < r->sels[s].alts[a].n_items; it++) {
					struct sigma_item *x = &r->sels[s].alts[a].items[it];

					for (v = 0; v < x->n_vals; v++) {
						struct sigma_val *val = &x->vals[v];

						if (val->kind != SIGMA_V_STR && !(val->kind == SIGMA_V_RE && val->re_lit))
							continue;
						for (k = 0; k < (val->kind == SIGMA_V_RE ? 1 : val->n_pats); k++) {
							struct sigma_pat rp, *p;
							const uint8_t *l = NULL;
							size_t len, h;
							int32_t *lidp;

							if (val->kind == SIGMA_V_RE) {
								memset(&rp, 0, sizeof(rp));
								rp.mode = SIGMA_P_CONTAINS;
								rp.lit = val->re_lit;
								rp.len = val->re_lit_len;
								p = &rp;
								lidp = &val->re_lid;
							} else {
								p = &val->pats[k];
								lidp = &p->lid;
							}
							len = pat_lit(p, &l);

							if (len < MIN_LIT || n >= INT32_MAX / 2)
								continue;
							if ((n + 1) * 2 > lt.cap) {
								size_t nc = lt.cap ? lt.cap * 2 : 1024, j;
								int32_t *ns = malloc(nc * sizeof(*ns));

								if (!ns) {
									rc = MM_ENOMEM;
									goto out;
								}
								for (j = 0; j < nc; j++)
									ns[j] = -1;
								for (j = 0; j < n; j++) {
									size_t q = lit_hash((const uint8_t *)exprs[j], lens[j]) & (nc - 1);

									while (ns[q] >= 0)
										q = (q + 1) & (nc - 1);
									ns[q] = (int32_t)j;
								}
								free(lt.slot);
								lt.slot = ns;
								lt.cap = nc;
							}
							for (h = lit_hash(l, len) & (lt.cap - 1); lt.slot[h] >= 0;
							     h = (h + 1) & (lt.cap - 1)) {
								int32_t j = lt.slot[h];

								if (lens[j] == len && lit_eq((const uint8_t *)exprs[j], l, len))
									break;
							}
							if (lt.slot[h] >= 0) {
								*lidp = lt.slot[h];
								continue;
							}
							rc = lits_grow(&exprs, &ids, &flags, &lens, &cap, n + 1);
							if (rc)
								goto out;
							lt.slot[h] = (int32_t)n;
							*lidp = (int32_t)n;
							exprs[n] = (const char *)l;
							lens[n] = len;
							ids[n] = (unsigned)n;
							flags[n] = HS_FLAG_CASELESS | HS_FLAG_SINGLEMATCH;
							n++;
						}
					}
				}
	}
	if (n == 0)
		goto out;
	/* rules with a necessary literal set: the ids to look for */
	for (i = 0; i < rs->n_rules; i++) {
		struct sigma_rule *r = rs->rules[i];
		struct litset ls;

		if (r->kind != SIGMA_RULE_DETECTION || !r->cond.nodes)
			continue;
		node_lits(r, r->cond.root, &ls);
		if (!ls.none && ls.n > 0) {
			r->req = malloc(ls.n * sizeof(*r->req));
			if (!r->req) {
				ls_free(&ls);
				rc = MM_ENOMEM;
				goto out;
			}
			for (k = 0; k < ls.n; k++)
				r->req[r->n_req++] = ls.p[k];
			r->lit_group = 0;
			rs->n_prefiltered++;
		}
		ls_free(&ls);
	}
	rc = build_maps(rs, n);
	if (rc)
		goto out;
	rs->gated = calloc(rs->n_rules ? rs->n_rules : 1, 1);
	if (!rs->gated) {
		rc = MM_ENOMEM;
		goto out;
	}
	for (i = 0; i < rs->n_rules; i++)
		rs->gated[i] = rs->rules[i]->lit_group >= 0;
	rs->n_lits = n;
	snprintf(why, sizeof(why), "no database");
	if (compile_groups(rs, exprs, lens, n, why, sizeof(why)) == 0) {
		for (i = 0; i < rs->n_lsrc; i++) {
			if (rs->lsrc[i].hs_db &&
			    hs_alloc_scratch(rs->lsrc[i].hs_db, (hs_scratch_t **)&rs->hs_proto) !=
				    HS_SUCCESS) {
				snprintf(why, sizeof(why), "cannot allocate Hyperscan scratch");
				if (rs->hs_proto)
					hs_free_scratch(rs->hs_proto);
				rs->hs_proto = NULL;
				break;
			}
		}
	}
	if (!rs->hs_proto) {
		/* without the prefilter every rule is evaluated: slower, same results */
		sigma_prefilter_free_dbs(rs);
		rs->n_lits = 0;
		sigma_problem_add(rs, "", -1, NULL, true, "prefilter disabled",
				  "Hyperscan could not compile the literal prefilter: %s", why);
	}
out:
	free(lt.slot);
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
	sigma_prefilter_free_dbs(rs);
	maps_free(rs, false);	/* the ruleset is going away: no need to reset items */
	free(rs->gated);
	rs->gated = NULL;

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
	const struct sigma_ruleset *rs = st->rs;
	uint32_t k;

	if ((size_t)id / 8 >= st->n_pbytes)
		return 0;
	st->pbits[id >> 3] |= (uint8_t)(1u << (id & 7));
	for (k = rs->lit_rules_off[id]; k < rs->lit_rules_off[id + 1]; k++)
		st->rule_mark[rs->lit_rules[k]] = st->scan_gen;
	for (k = rs->lit_items_off[id]; k < rs->lit_items_off[id + 1]; k++)
		st->item_mark[rs->lit_items[k]] = st->scan_gen;
	return 0;
}

#define MAX_VEC 512

int sigma_prefilter_scan(const struct sigma_ruleset *rs, struct sigma_state *st,
			 const struct log_event *e, const int *groups, size_t n_groups)
{
	const char *data[MAX_VEC];
	unsigned int lens[MAX_VEC];
	size_t n = 0, i;

	st->scanned = false;
	if (!rs->n_lits || st->n_pbytes * 8 < rs->n_lits)
		return 0;
	/* this stream's scratch: a clone of the ruleset's prototype */
	if (!st->hs_scratch &&
	    (!rs->hs_proto ||
	     hs_clone_scratch(rs->hs_proto, (hs_scratch_t **)&st->hs_scratch) != HS_SUCCESS))
		return 0;
	memset(st->pbits, 0, st->n_pbytes);
	if (++st->scan_gen == 0) {
		memset(st->rule_mark, 0, rs->n_rules * sizeof(*st->rule_mark));
		memset(st->item_mark, 0, rs->n_items * sizeof(*st->item_mark));
		st->scan_gen = 1;
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
			return 0;	/* scanned stays false: patterns check for real */
		}
		if (!e->fields[i].value || !e->fields[i].value_len)
			continue;
		data[n] = e->fields[i].value;
		lens[n++] = e->fields[i].value_len;
	}
	for (i = 0; i < n_groups && n > 0; i++) {
		hs_database_t *db = rs->lsrc[groups[i]].hs_db;

		if (db && hs_scan_vector(db, data, lens, (unsigned)n, 0, st->hs_scratch, on_match, st) !=
				  HS_SUCCESS)
			return 0;
	}
	st->scanned = true;
	return 0;
}
