/*
 * sigma_cond.c — the Sigma condition grammar into a node array.
 *
 *   expr    := and ( "or" and )*
 *   and     := unary ( "and" unary )*
 *   unary   := "not" unary | primary
 *   primary := "(" expr ")" | quant "of" target | NAME
 *   quant   := "1" | "any" | "all" | N
 *   target  := "them" | NAME-with-wildcards
 *
 * Precedence not > and > or. NAME is a selection of the rule; `x*` and `?`
 * wildcards select several; `them` means every selection whose name does
 * not start with "_". A pipe (Sigma v1 aggregation) and `near` are
 * rejected as unsupported with their own reason key.
 *
 * Input is the rule's text: the tree is capped at SIGMA_MAX_COND_NODES
 * nodes and the recursion depth at 64. Threading: pure.
 */
#include "core/compat.h"

#include "logs/sigma_int.h"

#include <ctype.h>
#include <strings.h>

#define MAX_DEPTH 64

enum tok { T_END, T_NAME, T_LP, T_RP, T_AND, T_OR, T_NOT, T_OF, T_PIPE, T_ERR };

struct cp {
	const char *s;
	size_t pos;
	enum tok t;
	char name[256];
	struct sigma_cond *c;
	const struct sigma_sel *sels;
	size_t n_sels;
	char *why;
	size_t why_len;
	int depth;
	int err;
};

static bool name_char(int ch)
{
	return isalnum(ch) || ch == '_' || ch == '*' || ch == '?' || ch == '-' || ch == '.' ||
	       ch == '$' || ch == '@' || ch == '#';
}

static void next(struct cp *p)
{
	const char *s = p->s;
	size_t b, n;

	while (s[p->pos] && isspace((unsigned char)s[p->pos]))
		p->pos++;
	switch (s[p->pos]) {
	case '\0':
		p->t = T_END;
		return;
	case '(':
		p->pos++;
		p->t = T_LP;
		return;
	case ')':
		p->pos++;
		p->t = T_RP;
		return;
	case '|':
		p->pos++;
		p->t = T_PIPE;
		return;
	default:
		break;
	}
	b = p->pos;
	while (s[p->pos] && name_char((unsigned char)s[p->pos]))
		p->pos++;
	n = p->pos - b;
	if (n == 0) {
		p->t = T_ERR;
		snprintf(p->name, sizeof(p->name), "%c", s[b]);
		return;
	}
	if (n >= sizeof(p->name)) {
		p->t = T_ERR;
		snprintf(p->name, sizeof(p->name), "<long name>");
		return;
	}
	memcpy(p->name, s + b, n);
	p->name[n] = '\0';
	if (strcasecmp(p->name, "and") == 0)
		p->t = T_AND;
	else if (strcasecmp(p->name, "or") == 0)
		p->t = T_OR;
	else if (strcasecmp(p->name, "not") == 0)
		p->t = T_NOT;
	else if (strcasecmp(p->name, "of") == 0)
		p->t = T_OF;
	else
		p->t = T_NAME;
}

static int perr(struct cp *p, int err, const char *fmt, ...) MM_PRINTF(3, 4);
static int perr(struct cp *p, int err, const char *fmt, ...)
{
	va_list ap;

	if (!p->err) {
		va_start(ap, fmt);
		vsnprintf(p->why, p->why_len, fmt, ap);
		va_end(ap);
		p->err = err;
	}
	return -1;
}

static int node(struct cp *p, enum sigma_cop op, int a, int b)
{
	struct sigma_cond *c = p->c;
	struct sigma_cnode *nn;

	if (c->n_nodes >= SIGMA_MAX_COND_NODES)
		return perr(p, MM_ESYNTAX, "condition has more than %d terms", SIGMA_MAX_COND_NODES);
	nn = realloc(c->nodes, (c->n_nodes + 1) * sizeof(*nn));
	if (!nn)
		return perr(p, MM_ENOMEM, "out of memory");
	c->nodes = nn;
	memset(&nn[c->n_nodes], 0, sizeof(*nn));
	nn[c->n_nodes].op = op;
	nn[c->n_nodes].a = a;
	nn[c->n_nodes].b = b;
	nn[c->n_nodes].sel = -1;
	return (int)c->n_nodes++;
}

/* Glob of selection names (* and ?), case-sensitive as YAML keys are. */
static bool name_glob(const char *pat, const char *s)
{
	const char *star = NULL, *ss = NULL;

	while (*s) {
		if (*pat == '?' || *pat == *s) {
			pat++;
			s++;
		} else if (*pat == '*') {
			star = pat++;
			ss = s;
		} else if (star) {
			pat = star + 1;
			s = ++ss;
		} else {
			return false;
		}
	}
	while (*pat == '*')
		pat++;
	return *pat == '\0';
}

static int expr(struct cp *p);

static int primary(struct cp *p)
{
	int n;

	if (++p->depth > MAX_DEPTH)
		return perr(p, MM_ESYNTAX, "condition nested too deeply");
	switch (p->t) {
	case T_LP:
		next(p);
		n = expr(p);
		if (n < 0)
			return -1;
		if (p->t != T_RP)
			return perr(p, MM_ESYNTAX, "missing ')'");
		next(p);
		p->depth--;
		return n;
	case T_NAME: {
		char word[256];
		size_t i;

		snprintf(word, sizeof(word), "%s", p->name);
		next(p);
		if (p->t == T_OF) {
			int need;
			struct sigma_cnode *x;
			bool them;

			if (strcasecmp(word, "all") == 0) {
				need = 0;
			} else if (strcasecmp(word, "any") == 0) {
				need = 1;
			} else {
				char *end;
				long v = strtol(word, &end, 10);

				if (*end || v < 1 || v > SIGMA_MAX_SELECTIONS)
					return perr(p, MM_ESYNTAX, "bad quantifier '%s' before 'of'", word);
				need = (int)v;
			}
			next(p);
			if (p->t != T_NAME)
				return perr(p, MM_ESYNTAX, "'of' must be followed by a name or 'them'");
			them = strcmp(p->name, "them") == 0;
			n = node(p, SIGMA_C_OF, -1, -1);
			if (n < 0)
				return -1;
			x = &p->c->nodes[n];
			x->need = need;
			x->sels = calloc(p->n_sels ? p->n_sels : 1, sizeof(int));
			if (!x->sels)
				return perr(p, MM_ENOMEM, "out of memory");
			for (i = 0; i < p->n_sels; i++) {
				const char *sn = p->sels[i].name;

				if (them ? sn[0] != '_' : name_glob(p->name, sn))
					x->sels[x->n_sels++] = (int)i;
			}
			if (x->n_sels == 0)
				return perr(p, MM_ESYNTAX, "'%s of %s' matches no selection", word, p->name);
			next(p);
			p->depth--;
			return n;
		}
		for (i = 0; i < p->n_sels; i++) {
			if (strcmp(p->sels[i].name, word) == 0)
				break;
		}
		if (i == p->n_sels)
			return perr(p, MM_ESYNTAX, "unknown selection '%s' in condition", word);
		n = node(p, SIGMA_C_SEL, -1, -1);
		if (n < 0)
			return -1;
		p->c->nodes[n].sel = (int)i;
		p->depth--;
		return n;
	}
	case T_PIPE:
		return perr(p, MM_EUNSUPPORTED,
			    "aggregation in condition (Sigma v1 '|'): use a correlation rule");
	case T_END:
		return perr(p, MM_ESYNTAX, "condition ends too early");
	default:
		return perr(p, MM_ESYNTAX, "unexpected '%s' in condition",
			    p->t == T_RP ? ")" : p->t == T_ERR ? p->name : "operator");
	}
}

static int unary(struct cp *p)
{
	int a;

	if (p->t == T_NOT) {
		if (++p->depth > MAX_DEPTH)
			return perr(p, MM_ESYNTAX, "condition nested too deeply");
		next(p);
		a = unary(p);
		if (a < 0)
			return -1;
		p->depth--;
		return node(p, SIGMA_C_NOT, a, -1);
	}
	return primary(p);
}

static int and_expr(struct cp *p)
{
	int a = unary(p);

	while (a >= 0 && p->t == T_AND) {
		int b;

		next(p);
		b = unary(p);
		if (b < 0)
			return -1;
		a = node(p, SIGMA_C_AND, a, b);
	}
	return a;
}

static int expr(struct cp *p)
{
	int a = and_expr(p);

	while (a >= 0 && p->t == T_OR) {
		int b;

		next(p);
		b = and_expr(p);
		if (b < 0)
			return -1;
		a = node(p, SIGMA_C_OR, a, b);
	}
	return a;
}

int sigma_cond_parse(struct sigma_cond *c, const char *text, const struct sigma_sel *sels,
		     size_t n_sels, char *why, size_t why_len)
{
	struct cp p;
	int root;

	memset(&p, 0, sizeof(p));
	memset(c, 0, sizeof(*c));
	p.s = text;
	p.c = c;
	p.sels = sels;
	p.n_sels = n_sels;
	p.why = why;
	p.why_len = why_len;
	if (strstr(text, " near ")) {
		snprintf(why, why_len, "'near' (Sigma v1 aggregation): use a correlation rule");
		return MM_EUNSUPPORTED;
	}
	next(&p);
	root = expr(&p);
	if (root >= 0 && p.t == T_PIPE)
		perr(&p, MM_EUNSUPPORTED,
		     "aggregation in condition (Sigma v1 '|'): use a correlation rule");
	else if (root >= 0 && p.t != T_END)
		perr(&p, MM_ESYNTAX, "unexpected '%s' after the condition",
		     p.t == T_RP ? ")" : p.t == T_NAME ? p.name : "token");
	if (root < 0 || p.err) {
		sigma_cond_release(c);
		return p.err ? p.err : MM_ESYNTAX;
	}
	c->root = root;
	return 0;
}

int sigma_cond_or(struct sigma_cond *a, struct sigma_cond *b)
{
	size_t off = a->n_nodes, i;
	struct sigma_cnode *nn;

	if (a->n_nodes + b->n_nodes + 1 > SIGMA_MAX_COND_NODES) {
		sigma_cond_release(b);
		return MM_ELIMIT;
	}
	nn = realloc(a->nodes, (a->n_nodes + b->n_nodes + 1) * sizeof(*nn));
	if (!nn) {
		sigma_cond_release(b);
		return MM_ENOMEM;
	}
	a->nodes = nn;
	for (i = 0; i < b->n_nodes; i++) {
		struct sigma_cnode x = b->nodes[i];

		if (x.op == SIGMA_C_AND || x.op == SIGMA_C_OR || x.op == SIGMA_C_NOT) {
			x.a += (int)off;
			if (x.op != SIGMA_C_NOT)
				x.b += (int)off;
		}
		nn[off + i] = x;
	}
	a->n_nodes += b->n_nodes;
	memset(&nn[a->n_nodes], 0, sizeof(nn[0]));
	nn[a->n_nodes].op = SIGMA_C_OR;
	nn[a->n_nodes].a = a->root;
	nn[a->n_nodes].b = b->root + (int)off;
	nn[a->n_nodes].sel = -1;
	a->root = (int)a->n_nodes++;
	free(b->nodes);	/* the OF arrays moved into a */
	memset(b, 0, sizeof(*b));
	return 0;
}

void sigma_cond_release(struct sigma_cond *c)
{
	size_t i;

	if (!c)
		return;
	for (i = 0; i < c->n_nodes; i++)
		free(c->nodes[i].sels);
	free(c->nodes);
	memset(c, 0, sizeof(*c));
}
