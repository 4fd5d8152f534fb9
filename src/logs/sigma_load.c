/*
 * sigma_load.c — Sigma YAML (libyaml) into the rule AST of sigma_int.h.
 *
 * Reads one file or a folder tree of .yml/.yaml files. Each YAML document
 * is a detection rule, a correlation rule or a filter (Sigma v2); a file
 * may hold several (correlations with their base rules). Every rule that
 * does not load is recorded with its file, line, rule id and a reason (and
 * a reason key for summaries) in the ruleset's problem list and in the
 * caller's struct mm_rule_report; nothing is dropped silently.
 *
 * Input is hostile: files are capped at SIGMA_MAX_FILE_BYTES, the YAML
 * tree walk is bounded in depth and in visited nodes (alias bombs), and
 * every list is capped (SIGMA_MAX_*).
 *
 * Threading: loading mutates the ruleset; one thread at a time.
 */
#include "core/compat.h"

#include "logs/sigma_int.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <strings.h>
#include <sys/stat.h>


#define KEY_LEN 128
#define WHY_LEN 400

yaml_node_t *sigma_yget(yaml_document_t *d, yaml_node_t *map, const char *key)
{
	yaml_node_pair_t *p;

	if (!map || map->type != YAML_MAPPING_NODE)
		return NULL;
	for (p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
		yaml_node_t *k = yaml_document_get_node(d, p->key);

		if (k && k->type == YAML_SCALAR_NODE && strcmp((const char *)k->data.scalar.value, key) == 0)
			return yaml_document_get_node(d, p->value);
	}
	return NULL;
}

const char *sigma_ystr(yaml_node_t *n)
{
	if (!n || n->type != YAML_SCALAR_NODE)
		return NULL;
	return (const char *)n->data.scalar.value;
}

long sigma_yline(const yaml_node_t *n)
{
	return n ? (long)n->start_mark.line + 1 : -1;
}

char *sigma_strdup_lower(const char *s)
{
	char *d;
	size_t i;

	if (!s)
		return NULL;
	d = strdup(s);
	if (!d)
		return NULL;
	for (i = 0; d[i]; i++)
		d[i] = (char)tolower((unsigned char)d[i]);
	return d;
}

int sigma_problem_add(struct sigma_ruleset *rs, const char *file, long line, const char *rule_id,
		      bool warning, const char *key, const char *fmt, ...)
{
	struct sigma_problem *p;
	char reason[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	struct sigma_problem *np = mm_grow(rs->problems, rs->n_problems, &rs->cap_problems, sizeof(*np), 64);
	if (!np)
		return MM_ENOMEM;
	rs->problems = np;
	p = &rs->problems[rs->n_problems];
	memset(p, 0, sizeof(*p));
	p->file = strdup(file ? file : "");
	p->line = line;
	p->rule_id = rule_id ? strdup(rule_id) : NULL;
	p->key = strdup(key ? key : "error");
	p->reason = strdup(reason);
	p->warning = warning;
	if (!p->file || !p->key || !p->reason) {
		free(p->file);
		free(p->rule_id);
		free(p->key);
		free(p->reason);
		return MM_ENOMEM;
	}
	rs->n_problems++;
	return 0;
}

/* ---- rule objects ---- */

static void sel_release(struct sigma_sel *s)
{
	size_t i, j, k;

	for (i = 0; i < s->n_alts; i++) {
		struct sigma_alt *a = &s->alts[i];

		for (j = 0; j < a->n_items; j++) {
			struct sigma_item *it = &a->items[j];

			for (k = 0; k < it->n_vals; k++)
				sigma_val_release(&it->vals[k]);
			free(it->vals);
			free(it->field);
		}
		free(a->items);
	}
	free(s->alts);
	free(s->name);
}

void sigma_rule_free(struct sigma_rule *r)
{
	size_t i;

	if (!r)
		return;
	for (i = 0; i < r->n_sels; i++)
		sel_release(&r->sels[i]);
	free(r->sels);
	sigma_cond_release(&r->cond);
	free(r->filters);
	for (i = 0; i < r->n_filter_refs; i++)
		free(r->filter_refs[i]);
	free(r->filter_refs);
	if (r->corr) {
		for (i = 0; i < r->corr->n_refs; i++)
			free(r->corr->refs[i]);
		for (i = 0; i < r->corr->n_group_by; i++)
			free(r->corr->group_by[i]);
		for (i = 0; i < r->corr->n_aliases; i++) {
			free(r->corr->aliases[i].alias);
			free(r->corr->aliases[i].rule_name);
			free(r->corr->aliases[i].field);
		}
		free(r->corr->aliases);
		free(r->corr->field);
		free(r->corr);
	}
	free(r->parents);
	free(r->req);
	free(r->eids);
	free(r->id);
	free(r->cat_id);
	free(r->title);
	free(r->name);
	free(r->file);
	free(r->product);
	free(r->service);
	free(r->category);
	for (i = 0; i < MM_ALERT_MAX_LIST; i++) {
		free((char *)(uintptr_t)r->own_meta.references[i]);
		free((char *)(uintptr_t)r->own_meta.techniques[i]);
		free((char *)(uintptr_t)r->own_meta.tactics[i]);
	}
	free((char *)(uintptr_t)r->own_meta.description);
	free(r);
}

/* ---- detection ---- */

struct ld {
	struct sigma_ruleset *rs;
	yaml_document_t *doc;
	const char *file;
	size_t doc_no;		/* 1-based document number in the file */
	size_t visits;
	long err_line;
	char key[KEY_LEN];
	char why[WHY_LEN];
};

static int fail(struct ld *L, const yaml_node_t *n, const char *key, const char *fmt, ...)
	MM_PRINTF(4, 5);
static int fail(struct ld *L, const yaml_node_t *n, const char *key, const char *fmt, ...)
{
	va_list ap;

	if (n)
		L->err_line = sigma_yline(n);
	snprintf(L->key, sizeof(L->key), "%s", key);
	va_start(ap, fmt);
	vsnprintf(L->why, sizeof(L->why), fmt, ap);
	va_end(ap);
	return MM_EUNSUPPORTED;
}

static bool visit(struct ld *L)
{
	return ++L->visits <= SIGMA_MAX_YAML_VISITS;
}

/* 0 string, 1 plain (maybe number), 2 null, 3 bool */
static int scalar_hint(const yaml_node_t *n)
{
	const char *v = (const char *)n->data.scalar.value;

	if (n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return 0;
	if (n->data.scalar.length == 0 || strcmp(v, "~") == 0 || strcmp(v, "null") == 0 ||
	    strcmp(v, "Null") == 0 || strcmp(v, "NULL") == 0)
		return 2;
	if (!strcasecmp(v, "true") || !strcasecmp(v, "false"))
		return 3;
	return 1;
}

/* Expands %placeholders% of an expand value into out (configured values). */
static int expand_value(struct ld *L, const yaml_node_t *n, const char *text, char ***out,
			size_t *n_out)
{
	const char *p = strchr(text, '%'), *q;
	const struct sigma_placeholder *ph = NULL;
	char name[128];
	size_t i;

	*out = NULL;
	*n_out = 0;
	if (!p || !(q = strchr(p + 1, '%')))
		return 0;
	if ((size_t)(q - p - 1) >= sizeof(name))
		return fail(L, n, "unresolved placeholder", "placeholder name too long");
	memcpy(name, p + 1, (size_t)(q - p - 1));
	name[q - p - 1] = '\0';
	for (i = 0; i < L->rs->n_ph; i++)
		if (strcasecmp(L->rs->ph[i].name, name) == 0)
			ph = &L->rs->ph[i];
	if (!ph)
		return fail(L, n, "unresolved placeholder",
			    "unresolved placeholder %%%s%%: no value is configured for it",
			    name);
	*out = calloc(ph->n_values ? ph->n_values : 1, sizeof(char *));
	if (!*out)
		return MM_ENOMEM;
	for (i = 0; i < ph->n_values; i++) {
		size_t a = (size_t)(p - text), b = strlen(ph->values[i]), c = strlen(q + 1);
		char *s = malloc(a + b + c + 1);

		if (!s)
			return MM_ENOMEM;
		memcpy(s, text, a);
		memcpy(s + a, ph->values[i], b);
		memcpy(s + a + b, q + 1, c + 1);
		(*out)[(*n_out)++] = s;
	}
	return 0;
}

static int add_val(struct ld *L, struct sigma_item *it, const struct sigma_mods *m,
		   const yaml_node_t *vn)
{
	const char *text = (const char *)vn->data.scalar.value;
	int hint = scalar_hint(vn);
	char **exp = NULL;
	size_t n_exp = 0, i;
	int rc;

	if (m->expand) {
		rc = expand_value(L, vn, text, &exp, &n_exp);
		if (rc)
			goto out;
	}
	for (i = 0; i < (exp ? n_exp : 1); i++) {
		struct sigma_val *nv;

		if (it->n_vals >= SIGMA_MAX_VALUES) {
			rc = fail(L, vn, "limit", "more than %d values in one item", SIGMA_MAX_VALUES);
			goto out;
		}
		nv = realloc(it->vals, (it->n_vals + 1) * sizeof(*nv));
		if (!nv) {
			rc = MM_ENOMEM;
			goto out;
		}
		it->vals = nv;
		rc = sigma_val_compile(&it->vals[it->n_vals], m, exp ? exp[i] : text, exp ? 0 : hint,
				       L->key, sizeof(L->key), L->why, sizeof(L->why));
		if (rc) {
			/* a half-compiled value frees what it holds */
			sigma_val_release(&it->vals[it->n_vals]);
			L->err_line = sigma_yline(vn);
			goto out;
		}
		it->n_vals++;
	}
	rc = 0;
out:
	for (i = 0; i < n_exp; i++)
		free(exp[i]);
	free(exp);
	return rc;
}

/* One "Field|mods: value(s)" pair (field NULL for keywords). */
static int parse_item(struct ld *L, struct sigma_item *it, const char *keytext,
		      yaml_node_t *kn, yaml_node_t *vn)
{
	struct sigma_mods m;
	const char *bar = keytext ? strchr(keytext, '|') : NULL;
	yaml_node_item_t *e;
	int rc;

	memset(it, 0, sizeof(*it));
	it->iid = -1;
	memset(&m, 0, sizeof(m));
	if (keytext) {
		size_t flen = bar ? (size_t)(bar - keytext) : strlen(keytext);

		if (flen > 0) {
			it->field = strndup(keytext, flen);
			if (!it->field)
				return MM_ENOMEM;
		}
		if (bar) {
			rc = sigma_mods_parse(&m, bar + 1, L->key, sizeof(L->key), L->why,
					      sizeof(L->why));
			if (rc) {
				L->err_line = sigma_yline(kn);
				return rc;
			}
		}
	}
	it->all = m.all;
	it->neq = m.neq;
	if (!vn)
		return fail(L, kn, "invalid detection", "missing value");
	if (vn->type == YAML_SCALAR_NODE)
		return add_val(L, it, &m, vn);
	if (vn->type == YAML_MAPPING_NODE)
		return fail(L, vn, "invalid detection", "a field value cannot be a map");
	if (vn->data.sequence.items.top == vn->data.sequence.items.start) {
		/* An empty list matches nothing: never true. */
		return fail(L, vn, "invalid detection", "empty value list");
	}
	for (e = vn->data.sequence.items.start; e < vn->data.sequence.items.top; e++) {
		yaml_node_t *x = yaml_document_get_node(L->doc, *e);

		if (!visit(L))
			return fail(L, vn, "limit", "YAML document too large (aliases?)");
		if (!x || x->type != YAML_SCALAR_NODE)
			return fail(L, x ? x : vn, "invalid detection",
				    "values of a field must be scalars");
		rc = add_val(L, it, &m, x);
		if (rc)
			return rc;
	}
	if (m.all && it->n_vals == 1 && !m.re) {
		/* `|all` on one value is harmless; the spec discourages it. */
	}
	return 0;
}

static int alt_from_map(struct ld *L, struct sigma_alt *a, yaml_node_t *map)
{
	yaml_node_pair_t *p;
	size_t n = (size_t)(map->data.mapping.pairs.top - map->data.mapping.pairs.start);

	memset(a, 0, sizeof(*a));
	if (n == 0)
		return fail(L, map, "invalid detection", "empty selection map");
	a->items = calloc(n, sizeof(*a->items));
	if (!a->items)
		return MM_ENOMEM;
	for (p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
		yaml_node_t *k = yaml_document_get_node(L->doc, p->key);
		yaml_node_t *v = yaml_document_get_node(L->doc, p->value);
		int rc;

		if (!visit(L))
			return fail(L, map, "limit", "YAML document too large (aliases?)");
		if (!k || k->type != YAML_SCALAR_NODE)
			return fail(L, k ? k : map, "invalid detection", "field name must be a string");
		rc = parse_item(L, &a->items[a->n_items], (const char *)k->data.scalar.value, k, v);
		a->n_items++;
		if (rc)
			return rc;
	}
	return 0;
}

static int parse_selection(struct ld *L, struct sigma_sel *s, yaml_node_t *n)
{
	yaml_node_item_t *e;
	struct sigma_item *kw = NULL;
	size_t cap;

	if (n->type == YAML_MAPPING_NODE) {
		s->alts = calloc(1, sizeof(*s->alts));
		if (!s->alts)
			return MM_ENOMEM;
		s->n_alts = 1;
		return alt_from_map(L, &s->alts[0], n);
	}
	if (n->type == YAML_SCALAR_NODE) {
		/* a single keyword */
		s->alts = calloc(1, sizeof(*s->alts));
		if (!s->alts)
			return MM_ENOMEM;
		s->n_alts = 1;
		s->alts[0].items = calloc(1, sizeof(struct sigma_item));
		if (!s->alts[0].items)
			return MM_ENOMEM;
		s->alts[0].n_items = 1;
		return parse_item(L, &s->alts[0].items[0], NULL, n, n);
	}
	cap = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start) + 1;
	if (cap == 1)
		return fail(L, n, "invalid detection", "empty selection list");
	s->alts = calloc(cap, sizeof(*s->alts));
	if (!s->alts)
		return MM_ENOMEM;
	for (e = n->data.sequence.items.start; e < n->data.sequence.items.top; e++) {
		yaml_node_t *x = yaml_document_get_node(L->doc, *e);
		int rc;

		if (!visit(L))
			return fail(L, n, "limit", "YAML document too large (aliases?)");
		if (!x)
			return fail(L, n, "invalid detection", "bad list entry");
		if (x->type == YAML_MAPPING_NODE) {
			rc = alt_from_map(L, &s->alts[s->n_alts], x);
			s->n_alts++;
			if (rc)
				return rc;
		} else if (x->type == YAML_SCALAR_NODE) {
			/* keywords: all scalars of the list in one item, ORed */
			if (!kw) {
				struct sigma_alt *a = &s->alts[s->n_alts++];
				struct sigma_mods m;

				a->items = calloc(1, sizeof(*a->items));
				if (!a->items)
					return MM_ENOMEM;
				a->n_items = 1;
				kw = &a->items[0];
				kw->iid = -1;
				memset(&m, 0, sizeof(m));
			}
			{
				struct sigma_mods m;

				memset(&m, 0, sizeof(m));
				rc = add_val(L, kw, &m, x);
				if (rc)
					return rc;
			}
		} else {
			return fail(L, x, "invalid detection", "nested lists in a selection");
		}
	}
	return 0;
}

static int parse_detection(struct ld *L, struct sigma_rule *r, yaml_node_t *det, bool filter)
{
	yaml_node_pair_t *p;
	yaml_node_t *cond = NULL;
	size_t n;
	int rc;

	if (!det || det->type != YAML_MAPPING_NODE)
		return fail(L, det, "invalid detection", "detection must be a map");
	n = (size_t)(det->data.mapping.pairs.top - det->data.mapping.pairs.start);
	if (n > SIGMA_MAX_SELECTIONS)
		return fail(L, det, "limit", "more than %d selections", SIGMA_MAX_SELECTIONS);
	r->sels = calloc(n ? n : 1, sizeof(*r->sels));
	if (!r->sels)
		return MM_ENOMEM;
	for (p = det->data.mapping.pairs.start; p < det->data.mapping.pairs.top; p++) {
		yaml_node_t *k = yaml_document_get_node(L->doc, p->key);
		yaml_node_t *v = yaml_document_get_node(L->doc, p->value);
		const char *name = sigma_ystr(k);
		struct sigma_sel *s;

		if (!name)
			return fail(L, k ? k : det, "invalid detection", "selection name must be a string");
		if (strcmp(name, "condition") == 0) {
			cond = v;
			continue;
		}
		if (strcmp(name, "timeframe") == 0)
			return fail(L, k, "deprecated aggregation",
				    "timeframe (Sigma v1 aggregation): use a correlation rule");
		if (filter && strcmp(name, "rules") == 0)
			continue;
		if (!v)
			return fail(L, k, "invalid detection", "selection %s has no value", name);
		s = &r->sels[r->n_sels++];
		s->name = strdup(name);
		if (!s->name)
			return MM_ENOMEM;
		rc = parse_selection(L, s, v);
		if (rc)
			return rc;
	}
	if (!cond)
		return fail(L, det, "missing condition", "detection has no condition");
	if (cond->type == YAML_SCALAR_NODE) {
		rc = sigma_cond_parse(&r->cond, (const char *)cond->data.scalar.value, r->sels,
				      r->n_sels, L->why, sizeof(L->why));
		if (rc) {
			L->err_line = sigma_yline(cond);
			snprintf(L->key, sizeof(L->key), "%s",
				 rc == MM_EUNSUPPORTED ? "deprecated aggregation" : "condition syntax");
			return rc;
		}
	} else if (cond->type == YAML_SEQUENCE_NODE) {
		yaml_node_item_t *e;
		bool first = true;

		for (e = cond->data.sequence.items.start; e < cond->data.sequence.items.top; e++) {
			const char *t = sigma_ystr(yaml_document_get_node(L->doc, *e));
			struct sigma_cond c2;

			if (!t)
				return fail(L, cond, "condition syntax", "condition list entries must be strings");
			memset(&c2, 0, sizeof(c2));
			rc = sigma_cond_parse(first ? &r->cond : &c2, t, r->sels, r->n_sels, L->why,
					      sizeof(L->why));
			if (rc) {
				sigma_cond_release(&c2);
				L->err_line = sigma_yline(cond);
				snprintf(L->key, sizeof(L->key), "%s",
					 rc == MM_EUNSUPPORTED ? "deprecated aggregation" : "condition syntax");
				return rc;
			}
			if (!first) {
				rc = sigma_cond_or(&r->cond, &c2);
				if (rc)
					return rc;
			}
			first = false;
		}
		if (first)
			return fail(L, cond, "missing condition", "empty condition list");
	} else {
		return fail(L, cond, "condition syntax", "condition must be a string or a list");
	}
	return 0;
}

/* ---- metadata ---- */

static const char *const tactics[] = {
	"reconnaissance", "resource-development", "initial-access", "execution", "persistence",
	"privilege-escalation", "defense-evasion", "credential-access", "discovery",
	"lateral-movement", "collection", "command-and-control", "exfiltration", "impact",
};

static void meta_tags(struct sigma_rule *r, yaml_document_t *d, yaml_node_t *tags)
{
	yaml_node_item_t *e;
	size_t nt = 0, na = 0;

	if (!tags || tags->type != YAML_SEQUENCE_NODE)
		return;
	for (e = tags->data.sequence.items.start; e < tags->data.sequence.items.top; e++) {
		const char *t = sigma_ystr(yaml_document_get_node(d, *e));
		char buf[64];
		size_t i;

		if (!t || strncasecmp(t, "attack.", 7) != 0 || strlen(t + 7) >= sizeof(buf))
			continue;
		snprintf(buf, sizeof(buf), "%s", t + 7);
		for (i = 0; buf[i]; i++)
			buf[i] = buf[i] == '_' ? '-' : (char)tolower((unsigned char)buf[i]);
		if (buf[0] == 't' && isdigit((unsigned char)buf[1])) {
			if (nt + 1 >= MM_ALERT_MAX_LIST)
				continue;
			for (i = 0; buf[i]; i++)
				buf[i] = (char)toupper((unsigned char)buf[i]);
			r->own_meta.techniques[nt++] = strdup(buf);
			continue;
		}
		for (i = 0; i < MM_ARRAY_SIZE(tactics); i++) {
			if (strcmp(buf, tactics[i]) == 0 && na + 1 < MM_ALERT_MAX_LIST) {
				r->own_meta.tactics[na++] = strdup(buf);
				break;
			}
		}
	}
}

static void meta_refs(struct sigma_rule *r, yaml_document_t *d, yaml_node_t *refs)
{
	yaml_node_item_t *e;
	size_t n = 0;

	if (!refs)
		return;
	if (refs->type == YAML_SCALAR_NODE) {
		if (refs->data.scalar.length)
			r->own_meta.references[0] = strdup(sigma_ystr(refs));
		return;
	}
	if (refs->type != YAML_SEQUENCE_NODE)
		return;
	for (e = refs->data.sequence.items.start; e < refs->data.sequence.items.top; e++) {
		const char *t = sigma_ystr(yaml_document_get_node(d, *e));

		if (t && n + 1 < MM_ALERT_MAX_LIST)
			r->own_meta.references[n++] = strdup(t);
	}
}

static char *file_stem(const char *path)
{
	const char *b = strrchr(path, '/');
	const char *dot;

	b = b ? b + 1 : path;
	dot = strrchr(b, '.');
	return strndup(b, dot ? (size_t)(dot - b) : strlen(b));
}

static int rule_add(struct sigma_ruleset *rs, struct sigma_rule *r)
{
	if (rs->n_rules >= SIGMA_MAX_RULES)
		return MM_ELIMIT;
	struct sigma_rule **nr = mm_grow(rs->rules, rs->n_rules, &rs->cap_rules, sizeof(*nr), 256);

	if (!nr)
		return MM_ENOMEM;
	rs->rules = nr;
	rs->rules[rs->n_rules++] = r;
	return 0;
}

static void reject(struct ld *L, struct mm_rule_report *report, long line, const char *rule_id)
{
	sigma_problem_add(L->rs, L->file, line, rule_id, false, L->key, "%s", L->why);
	if (report)
		mm_rule_report_rejected(report, "logs", L->file, line, rule_id, L->key, L->why);
}

/* One YAML document into one rule (or a rejection). */
static int load_doc(struct ld *L, yaml_node_t *root, struct mm_catalogue *cat,
		    struct mm_rule_report *report, size_t *loaded)
{
	yaml_document_t *d = L->doc;
	struct sigma_rule *r = NULL;
	yaml_node_t *det, *corr, *filt, *ls, *n;
	const char *title, *id, *s;
	char shown[300];
	int rc = 0;

	snprintf(shown, sizeof(shown), "?");
	L->visits = 0;
	L->err_line = sigma_yline(root);
	L->key[0] = L->why[0] = '\0';
	if (root->type != YAML_MAPPING_NODE) {
		fail(L, root, "invalid rule", "a rule document must be a map");
		goto reject;
	}
	title = sigma_ystr(sigma_yget(d, root, "title"));
	id = sigma_ystr(sigma_yget(d, root, "id"));
	snprintf(shown, sizeof(shown), "%s", id ? id : title ? title : "?");
	s = sigma_ystr(sigma_yget(d, root, "action"));
	if (s) {
		fail(L, root, "legacy action", "Sigma v1 multi-document action: %s", s);
		goto reject;
	}
	det = sigma_yget(d, root, "detection");
	corr = sigma_yget(d, root, "correlation");
	filt = sigma_yget(d, root, "filter");
	if (!title) {
		fail(L, root, "missing title", "rule has no title");
		goto reject;
	}
	r = calloc(1, sizeof(*r));
	if (!r)
		return MM_ENOMEM;
	r->lit_group = -1;
	r->file = strdup(L->file);
	r->title = strdup(title);
	r->line = sigma_yline(root);
	if (id)
		r->id = strdup(id);
	if ((s = sigma_ystr(sigma_yget(d, root, "name"))))
		r->name = strdup(s);
	r->level = MM_LEVEL_MEDIUM;
	if ((s = sigma_ystr(sigma_yget(d, root, "level")))) {
		int lv = mm_level_parse(s);

		if (lv >= 0)
			r->level = (enum mm_level)lv;
	}
	ls = sigma_yget(d, root, "logsource");
	if (ls) {
		r->product = sigma_strdup_lower(sigma_ystr(sigma_yget(d, ls, "product")));
		r->service = sigma_strdup_lower(sigma_ystr(sigma_yget(d, ls, "service")));
		r->category = sigma_strdup_lower(sigma_ystr(sigma_yget(d, ls, "category")));
	}
	if (!r->file || !r->title)
		goto nomem;
	if (corr) {
		r->kind = SIGMA_RULE_CORRELATION;
		rc = sigma_corr_parse(r, d, corr, L->key, sizeof(L->key), L->why, sizeof(L->why));
		if (rc == MM_ENOMEM)
			goto nomem;
		if (rc) {
			L->err_line = sigma_yline(corr);
			goto reject;
		}
	} else if (filt) {
		yaml_node_t *rules = sigma_yget(d, filt, "rules");
		yaml_node_item_t *e;

		r->kind = SIGMA_RULE_FILTER;
		if (!rules || (rules->type != YAML_SEQUENCE_NODE && rules->type != YAML_SCALAR_NODE)) {
			fail(L, filt, "invalid filter", "filter has no rules list");
			goto reject;
		}
		if (rules->type == YAML_SCALAR_NODE) {
			r->filter_refs = calloc(1, sizeof(char *));
			if (!r->filter_refs || !(r->filter_refs[0] = strdup(sigma_ystr(rules))))
				goto nomem;
			r->n_filter_refs = 1;
		} else {
			size_t cnt = (size_t)(rules->data.sequence.items.top -
					      rules->data.sequence.items.start);

			r->filter_refs = calloc(cnt ? cnt : 1, sizeof(char *));
			if (!r->filter_refs)
				goto nomem;
			for (e = rules->data.sequence.items.start; e < rules->data.sequence.items.top; e++) {
				const char *t = sigma_ystr(yaml_document_get_node(d, *e));

				if (t && !(r->filter_refs[r->n_filter_refs++] = strdup(t)))
					goto nomem;
			}
		}
		rc = parse_detection(L, r, filt, true);
		if (rc == MM_ENOMEM)
			goto nomem;
		if (rc)
			goto reject;
	} else if (det) {
		r->kind = SIGMA_RULE_DETECTION;
		rc = parse_detection(L, r, det, false);
		if (rc == MM_ENOMEM)
			goto nomem;
		if (rc)
			goto reject;
		if (!ls) {
			fail(L, root, "missing logsource", "rule has no logsource");
			goto reject;
		}
	} else {
		fail(L, root, "missing detection", "document has no detection, correlation or filter");
		goto reject;
	}

	/* catalogue entry */
	if (r->id) {
		size_t need = strlen(r->id) + 7;

		r->cat_id = malloc(need);
		if (!r->cat_id)
			goto nomem;
		snprintf(r->cat_id, need, "sigma:%s", r->id);
	} else {
		char *stem = file_stem(L->file);
		size_t need;

		if (!stem)
			goto nomem;
		need = strlen(stem) + 32;
		r->cat_id = malloc(need);
		if (!r->cat_id) {
			free(stem);
			goto nomem;
		}
		if (r->name)
			snprintf(r->cat_id, need, "sigma:%s", r->name);
		else if (L->doc_no > 1)	/* several rules without id in one file */
			snprintf(r->cat_id, need, "sigma:%s#%zu", stem, L->doc_no);
		else
			snprintf(r->cat_id, need, "sigma:%s", stem);
		free(stem);
	}
	r->own_meta.id = r->cat_id;
	r->own_meta.name = r->title;
	r->own_meta.engine = "logs";
	r->own_meta.ruleset = r->file;
	r->own_meta.category = r->category ? r->category : r->service;
	r->own_meta.level = r->level;
	r->own_meta.source_file = r->file;
	r->own_meta.source_line = r->line;
	if ((s = sigma_ystr(sigma_yget(d, root, "description"))))
		r->own_meta.description = strdup(s);
	meta_tags(r, d, sigma_yget(d, root, "tags"));
	meta_refs(r, d, sigma_yget(d, root, "references"));
	n = NULL;
	(void)n;
	r->meta = &r->own_meta;
	if (r->kind != SIGMA_RULE_FILTER) {
		size_t i;

		for (i = 0; i < L->rs->n_rules; i++) {
			if (strcmp(L->rs->rules[i]->cat_id, r->cat_id) == 0) {
				fail(L, root, "duplicate id", "duplicate rule id %s (first in %s:%ld)",
				     r->cat_id, L->rs->rules[i]->file, L->rs->rules[i]->line);
				goto reject;
			}
		}
		if (cat) {
			const struct mm_rule_meta *stored = NULL;

			rc = mm_catalogue_add(cat, &r->own_meta, &stored);
			if (rc == MM_EEXIST) {
				fail(L, root, "duplicate id", "rule id %s already in the catalogue",
				     r->cat_id);
				goto reject;
			}
			if (rc)
				goto nomem;
			r->meta = stored;
		}
	}
	rc = rule_add(L->rs, r);
	if (rc) {
		fail(L, root, "limit", "more than %d rules", SIGMA_MAX_RULES);
		goto reject;
	}
	if (r->kind == SIGMA_RULE_CORRELATION)
		r->corr->slot = (int)L->rs->n_corr++;
	(*loaded)++;
	return 0;
nomem:
	sigma_rule_free(r);
	return MM_ENOMEM;
reject:
	reject(L, report, L->err_line, shown);
	sigma_rule_free(r);
	return 0;
}

int sigma_load_text(struct sigma_ruleset *rs, const char *file, const char *text, size_t len,
		    struct mm_catalogue *cat, struct mm_rule_report *report)
{
	yaml_parser_t parser;
	struct ld L;
	size_t loaded = 0;
	int rc = 0;

	memset(&L, 0, sizeof(L));
	L.rs = rs;
	L.file = file;
	if (!yaml_parser_initialize(&parser))
		return MM_ENOMEM;
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	for (;;) {
		yaml_document_t doc;
		yaml_node_t *root;

		if (!yaml_parser_load(&parser, &doc)) {
			long line = (long)parser.problem_mark.line + 1;

			snprintf(L.key, sizeof(L.key), "yaml syntax error");
			snprintf(L.why, sizeof(L.why), "YAML: %s%s%s",
				 parser.problem ? parser.problem : "parse error",
				 parser.context ? " " : "", parser.context ? parser.context : "");
			reject(&L, report, line, NULL);
			break;
		}
		root = yaml_document_get_root_node(&doc);
		if (!root) {
			yaml_document_delete(&doc);
			break;
		}
		L.doc = &doc;
		L.doc_no++;
		rc = load_doc(&L, root, cat, report, &loaded);
		yaml_document_delete(&doc);
		L.doc = NULL;
		if (rc)
			break;
	}
	yaml_parser_delete(&parser);
	if (report && loaded)
		mm_rule_report_loaded(report, "logs", loaded);
	return rc;
}

/* ---- files and folders ---- */

static bool yaml_name(const char *name)
{
	size_t n = strlen(name);

	return (n > 4 && strcmp(name + n - 4, ".yml") == 0) ||
	       (n > 5 && strcmp(name + n - 5, ".yaml") == 0);
}

static int load_file(struct sigma_ruleset *rs, const char *path, struct mm_catalogue *cat,
		     struct mm_rule_report *report)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t n;
	int rc;

	if (!f) {
		sigma_problem_add(rs, path, -1, NULL, false, "unreadable", "cannot open: %s",
				  strerror(errno));
		if (report)
			mm_rule_report_rejected(report, "logs", path, -1, NULL, "unreadable",
						"cannot open the rule file");
		return mm_from_errno(errno);
	}
	buf = malloc(SIGMA_MAX_FILE_BYTES + 1);
	if (!buf) {
		fclose(f);
		return MM_ENOMEM;
	}
	n = fread(buf, 1, SIGMA_MAX_FILE_BYTES + 1, f);
	fclose(f);
	if (n > SIGMA_MAX_FILE_BYTES) {
		free(buf);
		sigma_problem_add(rs, path, -1, NULL, false, "limit", "rule file larger than %u bytes",
				  SIGMA_MAX_FILE_BYTES);
		if (report)
			mm_rule_report_rejected(report, "logs", path, -1, NULL, "limit",
						"rule file too large");
		return 0;
	}
	buf[n] = '\0';
	if (rs->digest) {
		mm_sha256_update(rs->digest, path, strlen(path) + 1);
		mm_sha256_update(rs->digest, buf, n);
	}
	rc = sigma_load_text(rs, path, buf, n, cat, report);
	free(buf);
	return rc;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int load_dir(struct sigma_ruleset *rs, const char *path, int depth,
		    struct mm_catalogue *cat, struct mm_rule_report *report)
{
	DIR *dir;
	struct dirent *de;
	char **names = NULL;
	size_t n = 0, cap = 0, i;
	int rc = 0;

	if (depth > 32)
		return 0;
	dir = opendir(path);
	if (!dir)
		return mm_from_errno(errno);
	while ((de = readdir(dir)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if (n == cap) {
			size_t nc = cap ? cap * 2 : 64;
			char **nn = realloc(names, nc * sizeof(*nn));

			if (!nn) {
				rc = MM_ENOMEM;
				goto out;
			}
			names = nn;
			cap = nc;
		}
		names[n] = strdup(de->d_name);
		if (!names[n]) {
			rc = MM_ENOMEM;
			goto out;
		}
		n++;
	}
	/* sorted: the load order (and the problem list) is deterministic */
	qsort(names, n, sizeof(*names), cmp_str);
	for (i = 0; i < n && rc != MM_ENOMEM; i++) {
		size_t plen = strlen(path) + strlen(names[i]) + 2;
		char *full = malloc(plen);
		struct stat st;

		if (!full) {
			rc = MM_ENOMEM;
			break;
		}
		snprintf(full, plen, "%s/%s", path, names[i]);
		if (stat(full, &st) == 0) {
			if (S_ISDIR(st.st_mode))
				rc = load_dir(rs, full, depth + 1, cat, report);
			else if (S_ISREG(st.st_mode) && yaml_name(names[i]))
				rc = load_file(rs, full, cat, report);
			if (rc != MM_ENOMEM)
				rc = 0;
		}
		free(full);
	}
out:
	closedir(dir);
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return rc;
}

struct sigma_ruleset *sigma_ruleset_new(void)
{
	struct sigma_ruleset *rs = calloc(1, sizeof(*rs));
	struct mm_sha256 *h;

	if (!rs)
		return NULL;
	h = calloc(1, sizeof(*h));
	if (h && mm_sha256_init(h) == 0)
		rs->digest = h;
	else
		free(h);
	return rs;
}

int sigma_ruleset_load(struct sigma_ruleset *rs, const char *path, struct mm_catalogue *cat,
		       struct mm_rule_report *report)
{
	struct stat st;

	if (!rs || !path)
		return MM_EINVAL;
	if (rs->compiled)
		return MM_ESTATE;
	if (stat(path, &st) != 0) {
		sigma_problem_add(rs, path, -1, NULL, false, "unreadable", "cannot read: %s",
				  strerror(errno));
		if (report)
			mm_rule_report_rejected(report, "logs", path, -1, NULL, "unreadable",
						"no such rule file or folder");
		return mm_from_errno(errno);
	}
	if (S_ISDIR(st.st_mode))
		return load_dir(rs, path, 0, cat, report);
	return load_file(rs, path, cat, report);
}

int sigma_ruleset_load_text(struct sigma_ruleset *rs, const char *name, const char *text,
			    size_t len, struct mm_catalogue *cat, struct mm_rule_report *report)
{
	if (!rs || !text)
		return MM_EINVAL;
	if (rs->compiled)
		return MM_ESTATE;
	if (rs->digest)
		mm_sha256_update(rs->digest, text, len);
	return sigma_load_text(rs, name ? name : "<text>", text, len, cat, report);
}

size_t sigma_ruleset_problem_count(const struct sigma_ruleset *rs)
{
	return rs ? rs->n_problems : 0;
}

int sigma_ruleset_problem(const struct sigma_ruleset *rs, size_t i, const char **file, long *line,
			  const char **rule_id, const char **key, const char **reason)
{
	const struct sigma_problem *p;

	if (!rs || i >= rs->n_problems)
		return MM_ENOTFOUND;
	p = &rs->problems[i];
	if (file)
		*file = p->file;
	if (line)
		*line = p->line;
	if (rule_id)
		*rule_id = p->rule_id;
	if (key)
		*key = p->key;
	if (reason)
		*reason = p->reason;
	return 0;
}

int sigma_ruleset_set_placeholder(struct sigma_ruleset *rs, const char *name,
				  const char *const *values, size_t n)
{
	struct sigma_placeholder *np, *ph;
	size_t i;

	if (!rs || !name || (n && !values))
		return MM_EINVAL;
	np = realloc(rs->ph, (rs->n_ph + 1) * sizeof(*np));
	if (!np)
		return MM_ENOMEM;
	rs->ph = np;
	ph = &rs->ph[rs->n_ph];
	memset(ph, 0, sizeof(*ph));
	ph->name = strdup(name);
	ph->values = calloc(n ? n : 1, sizeof(char *));
	if (!ph->name || !ph->values)
		goto nomem;
	for (i = 0; i < n; i++) {
		ph->values[i] = strdup(values[i]);
		if (!ph->values[i])
			goto nomem;
		ph->n_values++;
	}
	rs->n_ph++;
	return 0;
nomem:
	for (i = 0; i < ph->n_values; i++)
		free(ph->values[i]);
	free(ph->values);
	free(ph->name);
	return MM_ENOMEM;
}
