/*
 * sigma_match.c — Sigma values and modifiers: compiled once at load time,
 * matched against one event's fields at evaluation time.
 *
 * Compilation turns a value and its modifier chain into a matcher: string
 * values become one or more byte patterns (variants from windash and
 * base64offset), lowercased unless `cased`, classified as equal / prefix /
 * suffix / contains / glob so that most compare with one memcmp-like pass;
 * `re` becomes a PCRE2 code with JIT; numbers, CIDRs, exists, null and
 * fieldref get their own kinds. Wildcards are `*` and `?`; a backslash
 * escapes `*`, `?` and itself, and is literal before anything else.
 *
 * Evaluation never allocates: PCRE2 match data lives in the caller's
 * struct sigma_state (one per stream). Field values are untrusted bytes of
 * any length; comparisons are bounded by their lengths.
 *
 * Threading: compiled values are read-only; evaluation uses only the state.
 */
#include "core/compat.h"

#include "logs/sigma_int.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <math.h>
#include <strings.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

static const uint8_t *lower_tab(void);

/* ---- modifiers ---- */

int sigma_mods_parse(struct sigma_mods *m, const char *spec, char *key, size_t key_len,
		     char *why, size_t why_len)
{
	const char *p = spec;

	while (*p) {
		const char *e = strchr(p, '|');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		char w[32];

		if (n == 0 || n >= sizeof(w)) {
			snprintf(key, key_len, "unsupported modifier");
			snprintf(why, why_len, "bad modifier list '|%s'", spec);
			return MM_EUNSUPPORTED;
		}
		memcpy(w, p, n);
		w[n] = '\0';
		if (!strcmp(w, "contains"))
			m->contains = true;
		else if (!strcmp(w, "startswith"))
			m->startswith = true;
		else if (!strcmp(w, "endswith"))
			m->endswith = true;
		else if (!strcmp(w, "all"))
			m->all = true;
		else if (!strcmp(w, "re"))
			m->re = true;
		else if (!strcmp(w, "i") && m->re)
			m->re_i = true;
		else if (!strcmp(w, "m") && m->re)
			m->re_m = true;
		else if (!strcmp(w, "s") && m->re)
			m->re_s = true;
		else if (!strcmp(w, "cidr"))
			m->cidr = true;
		else if (!strcmp(w, "exists"))
			m->exists = true;
		else if (!strcmp(w, "cased"))
			m->cased = true;
		else if (!strcmp(w, "fieldref"))
			m->fieldref = true;
		else if (!strcmp(w, "expand"))
			m->expand = true;
		else if (!strcmp(w, "neq"))
			m->neq = true;
		else if (!strcmp(w, "windash"))
			m->windash = true;
		else if (!strcmp(w, "gt"))
			m->gt = true;
		else if (!strcmp(w, "gte"))
			m->gte = true;
		else if (!strcmp(w, "lt"))
			m->lt = true;
		else if (!strcmp(w, "lte"))
			m->lte = true;
		else if (!strcmp(w, "base64") || !strcmp(w, "base64offset") || !strcmp(w, "wide") ||
			 !strcmp(w, "utf16le") || !strcmp(w, "utf16be") || !strcmp(w, "utf16")) {
			char c = w[0] == 'b' ? (w[6] ? 'O' : '6')
				 : !strcmp(w, "utf16be") ? 'B' : !strcmp(w, "utf16") ? 'U' : 'L';

			if (m->n_enc >= (int)sizeof(m->enc)) {
				snprintf(key, key_len, "unsupported modifier");
				snprintf(why, why_len, "too many encoding modifiers");
				return MM_EUNSUPPORTED;
			}
			m->enc[m->n_enc++] = c;
			if (c == '6')
				m->base64 = true;
			else if (c == 'O')
				m->base64offset = true;
		} else {
			snprintf(key, key_len, "unsupported modifier: |%s", w);
			snprintf(why, why_len, "unsupported modifier |%s", w);
			return MM_EUNSUPPORTED;
		}
		p += n;
		if (*p == '|')
			p++;
	}
	if ((m->re_i || m->re_m || m->re_s) && !m->re) {
		snprintf(key, key_len, "unsupported modifier");
		snprintf(why, why_len, "regex flags without |re");
		return MM_EUNSUPPORTED;
	}
	return 0;
}

/* ---- string building ---- */

struct vb {			/* one variant under construction */
	uint8_t *b;
	uint8_t *w;
	size_t n, cap;
};

struct vset {
	struct vb v[SIGMA_MAX_VARIANTS];
	size_t n;
};

static int vb_put(struct vb *x, uint8_t c, uint8_t wild)
{
	if (x->n == x->cap) {
		size_t nc = x->cap ? x->cap * 2 : 32;
		uint8_t *nb, *nw;

		if (nc > (1u << 20))
			return MM_ELIMIT;
		nb = realloc(x->b, nc);
		if (!nb)
			return MM_ENOMEM;
		x->b = nb;
		nw = realloc(x->w, nc);
		if (!nw)
			return MM_ENOMEM;
		x->w = nw;
		x->cap = nc;
	}
	x->b[x->n] = c;
	x->w[x->n] = wild;
	x->n++;
	return 0;
}

static void vset_free(struct vset *s)
{
	size_t i;

	for (i = 0; i < s->n; i++) {
		free(s->v[i].b);
		free(s->v[i].w);
	}
	s->n = 0;
}

static bool is_word(uint8_t c)
{
	return isalnum(c) || c == '_';
}

/* windash: each '-' or '/' that starts a word becomes every dash form. */
static int do_windash(struct vset *s)
{
	static const char *const forms[] = { "-", "/", "\xe2\x80\x93", "\xe2\x80\x94", "\xe2\x80\x95" };
	struct vset out;
	size_t i, k;
	int rc = 0;

	memset(&out, 0, sizeof(out));
	for (i = 0; i < s->n; i++) {
		struct vb *src = &s->v[i];
		size_t pos[8], np = 0, combos = 1, c;

		for (k = 0; k < src->n; k++) {
			bool dash = src->w[k] == SIGMA_W_LIT && (src->b[k] == '-' || src->b[k] == '/');

			if (dash && (k == 0 || !is_word(src->b[k - 1]) || src->w[k - 1]) &&
			    k + 1 < src->n && src->w[k + 1] == SIGMA_W_LIT && is_word(src->b[k + 1])) {
				if (np == MM_ARRAY_SIZE(pos))
					return MM_ELIMIT;
				pos[np++] = k;
				combos *= MM_ARRAY_SIZE(forms);
			}
		}
		if (out.n + combos > SIGMA_MAX_VARIANTS) {
			rc = MM_ELIMIT;
			goto fail;
		}
		for (c = 0; c < combos; c++) {
			struct vb *d = &out.v[out.n++];
			size_t sel = c, p = 0;

			for (k = 0; k < src->n; k++) {
				if (p < np && pos[p] == k) {
					const char *f = forms[sel % MM_ARRAY_SIZE(forms)];

					sel /= MM_ARRAY_SIZE(forms);
					p++;
					for (; *f; f++)
						if ((rc = vb_put(d, (uint8_t)*f, SIGMA_W_LIT)))
							goto fail;
				} else if ((rc = vb_put(d, src->b[k], src->w[k]))) {
					goto fail;
				}
			}
		}
	}
	vset_free(s);
	*s = out;
	return 0;
fail:
	vset_free(&out);
	return rc;
}

/* UTF-8 into UTF-16 (le, be, or le with a BOM). Invalid bytes pass as
 * single code units. */
static int do_utf16(struct vset *s, char mode)
{
	size_t i, k;

	for (i = 0; i < s->n; i++) {
		struct vb o;
		struct vb *src = &s->v[i];
		int rc = 0;

		memset(&o, 0, sizeof(o));
		if (mode == 'U') {
			rc = vb_put(&o, 0xff, 0);
			if (!rc)
				rc = vb_put(&o, 0xfe, 0);
		}
		for (k = 0; k < src->n && !rc;) {
			uint32_t cp = src->b[k];
			size_t len = 1;

			if (cp >= 0xc0 && cp < 0xe0 && k + 1 < src->n) {
				cp = ((cp & 0x1f) << 6) | (src->b[k + 1] & 0x3f);
				len = 2;
			} else if (cp >= 0xe0 && cp < 0xf0 && k + 2 < src->n) {
				cp = ((cp & 0x0f) << 12) | ((uint32_t)(src->b[k + 1] & 0x3f) << 6) |
				     (src->b[k + 2] & 0x3f);
				len = 3;
			} else if (cp >= 0xf0 && k + 3 < src->n) {
				cp = ((cp & 0x07) << 18) | ((uint32_t)(src->b[k + 1] & 0x3f) << 12) |
				     ((uint32_t)(src->b[k + 2] & 0x3f) << 6) | (src->b[k + 3] & 0x3f);
				len = 4;
			}
			if (cp >= 0x10000) {
				uint32_t v = cp - 0x10000;
				uint16_t hi = (uint16_t)(0xd800 + (v >> 10)), lo = (uint16_t)(0xdc00 + (v & 0x3ff));

				if (mode == 'B')
					rc = vb_put(&o, (uint8_t)(hi >> 8), 0) || vb_put(&o, (uint8_t)hi, 0) ||
					     vb_put(&o, (uint8_t)(lo >> 8), 0) || vb_put(&o, (uint8_t)lo, 0);
				else
					rc = vb_put(&o, (uint8_t)hi, 0) || vb_put(&o, (uint8_t)(hi >> 8), 0) ||
					     vb_put(&o, (uint8_t)lo, 0) || vb_put(&o, (uint8_t)(lo >> 8), 0);
			} else if (mode == 'B') {
				rc = vb_put(&o, (uint8_t)(cp >> 8), 0) || vb_put(&o, (uint8_t)cp, 0);
			} else {
				rc = vb_put(&o, (uint8_t)cp, 0) || vb_put(&o, (uint8_t)(cp >> 8), 0);
			}
			k += len;
		}
		if (rc) {
			free(o.b);
			free(o.w);
			return MM_ENOMEM;
		}
		free(src->b);
		free(src->w);
		*src = o;
	}
	return 0;
}

static const char b64tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static int b64_into(struct vb *o, const uint8_t *in, size_t n)
{
	size_t i;
	int rc = 0;

	for (i = 0; i + 2 < n && !rc; i += 3) {
		uint32_t v = ((uint32_t)in[i] << 16) | ((uint32_t)in[i + 1] << 8) | in[i + 2];

		rc = vb_put(o, (uint8_t)b64tab[(v >> 18) & 63], 0) ||
		     vb_put(o, (uint8_t)b64tab[(v >> 12) & 63], 0) ||
		     vb_put(o, (uint8_t)b64tab[(v >> 6) & 63], 0) || vb_put(o, (uint8_t)b64tab[v & 63], 0);
	}
	if (!rc && n - i == 1) {
		uint32_t v = (uint32_t)in[i] << 16;

		rc = vb_put(o, (uint8_t)b64tab[(v >> 18) & 63], 0) ||
		     vb_put(o, (uint8_t)b64tab[(v >> 12) & 63], 0) || vb_put(o, '=', 0) ||
		     vb_put(o, '=', 0);
	} else if (!rc && n - i == 2) {
		uint32_t v = ((uint32_t)in[i] << 16) | ((uint32_t)in[i + 1] << 8);

		rc = vb_put(o, (uint8_t)b64tab[(v >> 18) & 63], 0) ||
		     vb_put(o, (uint8_t)b64tab[(v >> 12) & 63], 0) ||
		     vb_put(o, (uint8_t)b64tab[(v >> 6) & 63], 0) || vb_put(o, '=', 0);
	}
	return rc ? MM_ENOMEM : 0;
}

/* base64 (offset == false) or the three base64offset variants: the value
 * shifted by 0, 1 and 2 bytes, with the characters that depend on the
 * unknown neighbours cut off. */
static int do_base64(struct vset *s, bool offset)
{
	struct vset out;
	size_t i;
	int rc = 0;

	memset(&out, 0, sizeof(out));
	for (i = 0; i < s->n; i++) {
		struct vb *src = &s->v[i];
		int sh;

		for (sh = 0; sh < (offset ? 3 : 1); sh++) {
			static const size_t start_cut[3] = { 0, 2, 3 };
			static const size_t end_cut[3] = { 0, 3, 2 };
			struct vb full, *d;
			uint8_t *buf;
			size_t n = src->n + (size_t)sh, a, z;

			if (out.n >= SIGMA_MAX_VARIANTS) {
				rc = MM_ELIMIT;
				goto fail;
			}
			buf = calloc(n ? n : 1, 1);
			if (!buf) {
				rc = MM_ENOMEM;
				goto fail;
			}
			if (src->n)
				memcpy(buf + sh, src->b, src->n);
			memset(&full, 0, sizeof(full));
			rc = b64_into(&full, buf, n);
			free(buf);
			if (rc) {
				free(full.b);
				free(full.w);
				goto fail;
			}
			d = &out.v[out.n++];
			if (!offset) {
				*d = full;
				continue;
			}
			a = start_cut[sh];
			z = end_cut[n % 3];
			if (full.n < a + z) {
				free(full.b);
				free(full.w);
				out.n--;
				continue;
			}
			for (size_t k = a; k < full.n - z && !rc; k++)
				rc = vb_put(d, full.b[k], 0);
			free(full.b);
			free(full.w);
			if (rc)
				goto fail;
		}
	}
	vset_free(s);
	*s = out;
	return 0;
fail:
	vset_free(&out);
	return rc;
}

static bool parse_num(const char *s, size_t n, double *out)
{
	char buf[64];
	char *end;
	size_t i = 0;

	while (i < n && (s[i] == ' ' || s[i] == '\t'))
		i++;
	s += i;
	n -= i;
	if (n == 0 || n >= sizeof(buf))
		return false;
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (buf[0] == '0' && (buf[1] == 'x' || buf[1] == 'X')) {
		unsigned long long v;

		if (!isxdigit((unsigned char)buf[2]))
			return false;
		v = strtoull(buf + 2, &end, 16);
		if (*end)
			return false;
		*out = (double)v;
		return true;
	}
	if (!(isdigit((unsigned char)buf[0]) || ((buf[0] == '-' || buf[0] == '+' || buf[0] == '.') &&
						  (isdigit((unsigned char)buf[1]) || buf[1] == '.'))))
		return false;
	*out = strtod(buf, &end);
	return *end == '\0' && isfinite(*out);
}

static int parse_cidr(struct sigma_val *v, const char *text)
{
	char buf[64];
	char *slash;
	long pfx;

	if (strlen(text) >= sizeof(buf))
		return -1;
	snprintf(buf, sizeof(buf), "%s", text);
	slash = strchr(buf, '/');
	if (slash)
		*slash++ = '\0';
	if (inet_pton(AF_INET, buf, v->net) == 1) {
		v->af = 4;
		pfx = 32;
	} else if (inet_pton(AF_INET6, buf, v->net) == 1) {
		v->af = 6;
		pfx = 128;
	} else {
		return -1;
	}
	if (slash) {
		char *end;
		long p = strtol(slash, &end, 10);

		if (*end || p < 0 || p > pfx)
			return -1;
		pfx = p;
	}
	v->prefix = (int)pfx;
	return 0;
}

static int classify(struct sigma_pat *p, struct vb *src, bool cased)
{
	size_t a = 0, z = src->n, k;
	bool inner = false, lead, trail;
	const uint8_t *lt = lower_tab();

	while (a < z && src->w[a] == SIGMA_W_STAR)
		a++;
	while (z > a && src->w[z - 1] == SIGMA_W_STAR)
		z--;
	lead = a > 0;
	trail = z < src->n;
	for (k = a; k < z; k++)
		if (src->w[k] != SIGMA_W_LIT)
			inner = true;
	if (!cased)
		for (k = 0; k < src->n; k++)
			src->b[k] = lt[src->b[k]];
	memset(p, 0, sizeof(*p));
	p->lid = -1;
	if (a == z && (lead || trail)) {
		p->mode = SIGMA_P_ANY;
		return 0;
	}
	if (inner) {
		p->mode = SIGMA_P_GLOB;
		p->lit = malloc(src->n ? src->n : 1);
		p->wild = malloc(src->n ? src->n : 1);
		if (!p->lit || !p->wild) {
			free(p->lit);
			free(p->wild);
			p->lit = p->wild = NULL;
			return MM_ENOMEM;
		}
		memcpy(p->lit, src->b, src->n);
		memcpy(p->wild, src->w, src->n);
		p->len = src->n;
		return 0;
	}
	p->mode = lead && trail ? SIGMA_P_CONTAINS : lead ? SIGMA_P_SUFFIX : trail ? SIGMA_P_PREFIX
									 : SIGMA_P_EQ;
	p->lit = malloc(z - a ? z - a : 1);
	if (!p->lit)
		return MM_ENOMEM;
	if (z > a)
		memcpy(p->lit, src->b + a, z - a);
	p->len = z - a;
	return 0;
}

/* The longest run of plain characters that every match of a simple
 * regex must contain (no alternation, no groups before it matter: a group
 * or class just ends the run). Only for the prefilter. */
static int re_literal(struct sigma_val *v, const char *re, size_t n)
{
	uint8_t run[256], bestbuf[256];
	size_t i, rl = 0, best = 0;
	int depth = 0;

	if (memchr(re, '|', n) || (n >= 2 && re[0] == '(' && re[1] == '?'))
		return 0;
	for (i = 0; i <= n; i++) {
		int c = i < n ? (unsigned char)re[i] : -1;
		bool lit = false;
		uint8_t ch = 0;
		size_t adv = 0;

		if (c == '\\' && i + 1 < n) {
			if (strchr(".\\/-:'\"$^*+?()[]{}|#@%&=,;<> ", re[i + 1])) {
				lit = true;
				ch = (uint8_t)re[i + 1];
				adv = 1;
			} else if (!strchr("sSdDwWbBtnrAzZ", re[i + 1])) {
				return 0;	/* \x41, \p{..}, backreferences: give up */
			}
		} else if (c >= 0 && c != '\\' && !strchr(".[](){}*+?^$|", c)) {
			lit = depth == 0;
			ch = (uint8_t)c;
		}
		if (lit) {
			/* a quantifier allowing zero makes this character optional */
			size_t nx = i + adv + 1;

			if (!(nx < n && (re[nx] == '*' || re[nx] == '?' || re[nx] == '{')) &&
			    rl < sizeof(run)) {
				run[rl++] = ch;
				i += adv;
				continue;
			}
		}
		if (rl > best) {
			best = rl;
			memcpy(bestbuf, run, rl);
		}
		rl = 0;
		if (c == '(')
			depth++;
		else if (c == ')' && depth > 0)
			depth--;
		else if (c == '[') {
			/* skip the class: its members are not literals */
			for (i++; i < n && re[i] != ']'; i++)
				if (re[i] == '\\')
					i++;
		} else if (c == '{') {
			while (i < n && re[i] != '}')	/* a quantifier's bounds */
				i++;
		} else if (c == '\\' && i + 1 < n)
			i++;	/* the escape's letter (or the literal already taken) */
	}
	if (best < 3)
		return 0;
	v->re_lit = malloc(best);
	if (!v->re_lit)
		return MM_ENOMEM;
	memcpy(v->re_lit, bestbuf, best);
	v->re_lit_len = best;
	return 0;
}

int sigma_val_compile(struct sigma_val *v, const struct sigma_mods *m, const char *text,
		      int kind_hint, char *key, size_t key_len, char *why, size_t why_len)
{
	struct vset *vs = NULL;
	size_t i, n = strlen(text);
	int rc = 0, e;

	memset(v, 0, sizeof(*v));
	v->cased = m->cased;
	v->ref_fid = -1;
	v->re_lid = -1;
	v->text = strdup(text);
	if (!v->text)
		return MM_ENOMEM;
	if (m->exists) {
		v->kind = SIGMA_V_EXISTS;
		if (kind_hint != 3) {
			snprintf(key, key_len, "invalid value");
			snprintf(why, why_len, "|exists needs true or false, not '%s'", text);
			return MM_EUNSUPPORTED;
		}
		v->exists = strcasecmp(text, "true") == 0;
		return 0;
	}
	if (kind_hint == 2) {
		v->kind = SIGMA_V_NULL;
		return 0;
	}
	if (m->gt || m->gte || m->lt || m->lte) {
		v->kind = SIGMA_V_CMP;
		v->cmp = m->gt ? SIGMA_CMP_GT : m->gte ? SIGMA_CMP_GTE : m->lt ? SIGMA_CMP_LT : SIGMA_CMP_LTE;
		if (!parse_num(text, n, &v->num)) {
			snprintf(key, key_len, "invalid value");
			snprintf(why, why_len, "comparison needs a number, not '%s'", text);
			return MM_EUNSUPPORTED;
		}
		return 0;
	}
	if (m->cidr) {
		v->kind = SIGMA_V_CIDR;
		if (parse_cidr(v, text) != 0) {
			snprintf(key, key_len, "invalid value");
			snprintf(why, why_len, "bad CIDR '%s'", text);
			return MM_EUNSUPPORTED;
		}
		return 0;
	}
	if (m->re) {
		uint32_t opts = (m->re_i ? PCRE2_CASELESS : 0) | (m->re_m ? PCRE2_MULTILINE : 0) |
				(m->re_s ? PCRE2_DOTALL : 0);
		PCRE2_SIZE off;
		pcre2_code *re;

		v->kind = SIGMA_V_RE;
		re = pcre2_compile((PCRE2_SPTR)text, n, opts, &e, &off, NULL);
		if (!re) {
			PCRE2_UCHAR msg[160];

			pcre2_get_error_message(e, msg, sizeof(msg));
			snprintf(key, key_len, "invalid regex");
			snprintf(why, why_len, "regex '%.100s': %s at offset %zu", text, (const char *)msg,
				 (size_t)off);
			return MM_EUNSUPPORTED;
		}
		(void)pcre2_jit_compile(re, PCRE2_JIT_COMPLETE);	/* falls back to the interpreter */
		v->re = re;
		v->re_lid = -1;
		return re_literal(v, text, n);
	}
	if (m->fieldref) {
		v->kind = SIGMA_V_FIELDREF;
		v->ref = strdup(text);
		if (!v->ref)
			return MM_ENOMEM;
		v->ref_mode = m->contains ? SIGMA_P_CONTAINS : m->startswith ? SIGMA_P_PREFIX
			      : m->endswith ? SIGMA_P_SUFFIX : SIGMA_P_EQ;
		return 0;
	}
	if (kind_hint == 1 && !m->contains && !m->startswith && !m->endswith && !m->n_enc &&
	    !m->windash && parse_num(text, n, &v->num)) {
		v->kind = SIGMA_V_NUM;
		return 0;
	}

	/* a string: wildcards, windash, encodings, position */
	v->kind = SIGMA_V_STR;
	vs = calloc(1, sizeof(*vs));
	if (!vs)
		return MM_ENOMEM;
	vs->n = 1;
	for (i = 0; i < n && !rc; i++) {
		uint8_t c = (uint8_t)text[i];

		if (m->n_enc) {
			rc = vb_put(&vs->v[0], c, SIGMA_W_LIT);	/* encoded values have no wildcards */
		} else if (c == '\\' && i + 1 < n &&
			   (text[i + 1] == '*' || text[i + 1] == '?' || text[i + 1] == '\\')) {
			rc = vb_put(&vs->v[0], (uint8_t)text[++i], SIGMA_W_LIT);
		} else if (c == '*') {
			rc = vb_put(&vs->v[0], c, SIGMA_W_STAR);
		} else if (c == '?') {
			rc = vb_put(&vs->v[0], c, SIGMA_W_ONE);
		} else {
			rc = vb_put(&vs->v[0], c, SIGMA_W_LIT);
		}
	}
	if (!rc && m->windash)
		rc = do_windash(vs);
	for (e = 0; e < m->n_enc && !rc; e++) {
		char c = m->enc[e];

		if (c == 'L' || c == 'B' || c == 'U')
			rc = do_utf16(vs, c);
		else
			rc = do_base64(vs, c == 'O');
	}
	if (rc == MM_ELIMIT) {
		snprintf(key, key_len, "limit");
		snprintf(why, why_len, "value '%.100s' expands to more than %d variants", text,
			 SIGMA_MAX_VARIANTS);
		rc = MM_EUNSUPPORTED;
		goto out;
	}
	if (rc)
		goto out;
	v->pats = calloc(vs->n ? vs->n : 1, sizeof(*v->pats));
	if (!v->pats) {
		rc = MM_ENOMEM;
		goto out;
	}
	for (i = 0; i < vs->n; i++) {
		struct vb *x = &vs->v[i];

		/* the position modifiers: wildcards around the (encoded) value */
		if (m->contains || m->endswith) {
			rc = vb_put(x, '*', SIGMA_W_STAR);
			if (rc)
				goto out;
			memmove(x->b + 1, x->b, x->n - 1);
			memmove(x->w + 1, x->w, x->n - 1);
			x->b[0] = '*';
			x->w[0] = SIGMA_W_STAR;
		}
		if (m->contains || m->startswith) {
			rc = vb_put(x, '*', SIGMA_W_STAR);
			if (rc)
				goto out;
		}
		rc = classify(&v->pats[v->n_pats], x, m->cased);
		if (rc)
			goto out;
		v->n_pats++;
	}
out:
	if (vs) {
		vset_free(vs);
		free(vs);
	}
	return rc;
}

void sigma_val_release(struct sigma_val *v)
{
	size_t i;

	for (i = 0; i < v->n_pats; i++) {
		free(v->pats[i].lit);
		free(v->pats[i].wild);
	}
	free(v->pats);
	if (v->re)
		pcre2_code_free(v->re);
	free(v->re_lit);
	free(v->ref);
	free(v->text);
	memset(v, 0, sizeof(*v));
}

/* ---- matching ---- */

/* ASCII lowercase of every byte, as a constant table (no init, no state) */
#define LC(c) (uint8_t)(((c) >= 'A' && (c) <= 'Z') ? (c) + 32 : (c))
#define L4(i) LC(i), LC((i) + 1), LC((i) + 2), LC((i) + 3)
#define L16(i) L4(i), L4((i) + 4), L4((i) + 8), L4((i) + 12)
#define L64(i) L16(i), L16((i) + 16), L16((i) + 32), L16((i) + 48)
static const uint8_t ltab[256] = { L64(0), L64(64), L64(128), L64(192) };

static const uint8_t *lower_tab(void)
{
	return ltab;
}

static bool eq_ci(const uint8_t *a, const uint8_t *lit, size_t n, bool cased)
{
	size_t i;

	if (cased)
		return memcmp(a, lit, n) == 0;
	for (i = 0; i < n; i++)
		if (ltab[a[i]] != lit[i])
			return false;
	return true;
}

static bool find_ci(const uint8_t *h, size_t hn, const uint8_t *lit, size_t n, bool cased)
{
	size_t i;
	uint8_t f, fu;

	if (n == 0)
		return true;
	if (hn < n)
		return false;
	f = lit[0];
	if (cased) {
		const uint8_t *q = h, *end = h + hn - n + 1;

		while (q < end && (q = memchr(q, f, (size_t)(end - q))) != NULL) {
			if (memcmp(q + 1, lit + 1, n - 1) == 0)
				return true;
			q++;
		}
		return false;
	}
	fu = (uint8_t)((f >= 'a' && f <= 'z') ? f - 32 : f);
	if (f == fu) {
		/* first byte has no case: let memchr find the candidates */
		const uint8_t *q = h, *end = h + hn - n + 1;

		while (q < end && (q = memchr(q, f, (size_t)(end - q))) != NULL) {
			if (eq_ci(q + 1, lit + 1, n - 1, false))
				return true;
			q++;
		}
		return false;
	}
	for (i = 0; i + n <= hn; i++) {
		if ((h[i] == f || h[i] == fu) && eq_ci(h + i + 1, lit + 1, n - 1, false))
			return true;
	}
	return false;
}

static bool glob_ci(const uint8_t *s, size_t sn, const struct sigma_pat *p, bool cased)
{
	size_t pi = 0, si = 0, star_p = SIZE_MAX, star_s = 0;

	while (si < sn) {
		if (pi < p->len && p->wild[pi] == SIGMA_W_ONE) {
			pi++;
			si++;
		} else if (pi < p->len && p->wild[pi] == SIGMA_W_LIT &&
			   (cased ? s[si] == p->lit[pi] : ltab[s[si]] == p->lit[pi])) {
			pi++;
			si++;
		} else if (pi < p->len && p->wild[pi] == SIGMA_W_STAR) {
			star_p = pi++;
			star_s = si;
		} else if (star_p != SIZE_MAX) {
			pi = star_p + 1;
			si = ++star_s;
		} else {
			return false;
		}
	}
	while (pi < p->len && p->wild[pi] == SIGMA_W_STAR)
		pi++;
	return pi == p->len;
}

static bool pat_match(const struct sigma_pat *p, const struct sigma_state *st, const uint8_t *s,
		      size_t n, bool cased)
{
	/* the prefilter saw none of this pattern's literal anywhere in the event */
	if (p->lid >= 0 && st && st->scanned && !(st->pbits[p->lid >> 3] & (1u << (p->lid & 7))))
		return false;
	switch (p->mode) {
	case SIGMA_P_ANY:
		return true;
	case SIGMA_P_EQ:
		return n == p->len && eq_ci(s, p->lit, n, cased);
	case SIGMA_P_PREFIX:
		return n >= p->len && eq_ci(s, p->lit, p->len, cased);
	case SIGMA_P_SUFFIX:
		return n >= p->len && eq_ci(s + n - p->len, p->lit, p->len, cased);
	case SIGMA_P_CONTAINS:
		return find_ci(s, n, p->lit, p->len, cased);
	case SIGMA_P_GLOB:
		return glob_ci(s, n, p, cased);
	}
	return false;
}

static bool ip_in(const struct sigma_val *v, const char *s, size_t n)
{
	char buf[64];
	uint8_t a[16];
	int bytes, bits, i;

	if (n == 0 || n >= sizeof(buf))
		return false;
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (v->af == 4) {
		if (inet_pton(AF_INET, buf, a) != 1)
			return false;
	} else if (inet_pton(AF_INET6, buf, a) != 1) {
		return false;
	}
	bytes = v->prefix / 8;
	bits = v->prefix % 8;
	for (i = 0; i < bytes; i++)
		if (a[i] != v->net[i])
			return false;
	if (bits) {
		uint8_t mask = (uint8_t)(0xff << (8 - bits));

		if ((a[bytes] & mask) != (v->net[bytes] & mask))
			return false;
	}
	return true;
}

static bool ref_match(const struct sigma_val *v, const char *s, size_t n, const char *r, size_t rn)
{
	const uint8_t *a = (const uint8_t *)s, *b = (const uint8_t *)r;
	size_t i;

	switch (v->ref_mode) {
	case SIGMA_P_EQ:
		if (n != rn)
			return false;
		break;
	case SIGMA_P_PREFIX:
		if (n < rn)
			return false;
		break;
	case SIGMA_P_SUFFIX:
		if (n < rn)
			return false;
		a += n - rn;
		break;
	default: {
		size_t k;

		if (rn == 0)
			return true;
		for (k = 0; k + rn <= n; k++) {
			for (i = 0; i < rn; i++)
				if (v->cased ? a[k + i] != b[i] : ltab[a[k + i]] != ltab[b[i]])
					break;
			if (i == rn)
				return true;
		}
		return false;
	}
	}
	for (i = 0; i < rn; i++)
		if (v->cased ? a[i] != b[i] : ltab[a[i]] != ltab[b[i]])
			return false;
	return true;
}

/* One value against one present field value. */
static bool val_match(const struct sigma_val *v, struct sigma_state *st, const struct log_event *e,
		      const char *s, size_t n)
{
	size_t i;
	double d;

	switch (v->kind) {
	case SIGMA_V_STR:
		for (i = 0; i < v->n_pats; i++)
			if (pat_match(&v->pats[i], st, (const uint8_t *)s, n, v->cased))
				return true;
		return false;
	case SIGMA_V_NUM:
		if (parse_num(s, n, &d) && d == v->num)
			return true;
		return strlen(v->text) == n && strncasecmp(s, v->text, n) == 0;
	case SIGMA_V_CMP:
		if (!parse_num(s, n, &d))
			return false;
		switch (v->cmp) {
		case SIGMA_CMP_GT:
			return d > v->num;
		case SIGMA_CMP_GTE:
			return d >= v->num;
		case SIGMA_CMP_LT:
			return d < v->num;
		case SIGMA_CMP_LTE:
			return d <= v->num;
		}
		return false;
	case SIGMA_V_RE: {
		int rc;

		if (v->re_lid >= 0 && st->scanned &&
		    !(st->pbits[v->re_lid >> 3] & (1u << (v->re_lid & 7))))
			return false;
		/* over the match limit counts as no match */
		rc = pcre2_match(v->re, (PCRE2_SPTR)s, n, 0, 0, st->md, st->mctx);

		return rc >= 0;
	}
	case SIGMA_V_CIDR:
		return ip_in(v, s, n);
	case SIGMA_V_EXISTS:
		return v->exists;
	case SIGMA_V_NULL:
		return n == 0;
	case SIGMA_V_FIELDREF: {
		size_t rn;
		const char *r = sigma_field_id(st, e, v->ref_fid, v->ref, &rn);

		return r && ref_match(v, s, n, r, rn);
	}
	}
	return false;
}

static bool keyword_match(const struct sigma_item *it, struct sigma_state *st,
			  const struct log_event *e, int *hit_field)
{
	size_t f, k;
	bool any = false;

	for (k = 0; k < it->n_vals; k++) {
		const struct sigma_val *v = &it->vals[k];
		bool m = false;

		for (f = 0; f < e->n_fields && !m; f++) {
			const struct log_field *x = &e->fields[f];
			size_t i;

			if (v->kind == SIGMA_V_STR) {
				/* keywords are full-text: an exact keyword matches inside a value */
				for (i = 0; i < v->n_pats && !m; i++) {
					const struct sigma_pat *p = &v->pats[i];

					if (p->lid >= 0 && st->scanned &&
					    !(st->pbits[p->lid >> 3] & (1u << (p->lid & 7))))
						m = false;
					else if (p->mode == SIGMA_P_EQ)
						m = find_ci((const uint8_t *)x->value, x->value_len, p->lit,
							    p->len, v->cased);
					else
						m = pat_match(p, st, (const uint8_t *)x->value,
							      x->value_len, v->cased);
				}
			} else {
				m = val_match(v, st, e, x->value, x->value_len);
			}
			if (m && hit_field)
				*hit_field = (int)f;
		}
		if (it->all && !m)
			return false;
		if (m) {
			any = true;
			if (!it->all)
				break;
		}
	}
	return any;
}

static bool item_match(const struct sigma_item *it, struct sigma_state *st,
		       const struct log_event *e)
{
	const char *s;
	size_t n, k;
	bool any = false;

	/* none of the item's literals occurs anywhere in the event */
	if (it->iid >= 0 && st->scanned && st->item_mark[it->iid] != st->scan_gen)
		return false;
	if (!it->field)
		return keyword_match(it, st, e, NULL);
	s = sigma_field_id(st, e, it->fid, it->field, &n);
	if (!s) {
		for (k = 0; k < it->n_vals; k++) {
			const struct sigma_val *v = &it->vals[k];
			bool m = v->kind == SIGMA_V_NULL || (v->kind == SIGMA_V_EXISTS && !v->exists);

			if (it->all && !m && !it->neq)
				return false;
			if (m)
				any = true;
		}
		return it->neq ? !any : any;
	}
	for (k = 0; k < it->n_vals; k++) {
		const struct sigma_val *v = &it->vals[k];
		bool m = v->kind == SIGMA_V_EXISTS ? v->exists : val_match(v, st, e, s, n);

		if (it->all && !m && !it->neq)
			return false;
		if (m) {
			any = true;
			if (!it->all || it->neq)
				break;
		}
	}
	return it->neq ? !any : any;
}

static bool alt_match(const struct sigma_alt *a, struct sigma_state *st, const struct log_event *e)
{
	size_t i;

	for (i = 0; i < a->n_items; i++)
		if (!item_match(&a->items[i], st, e))
			return false;
	return true;
}

static int sel_match(const struct sigma_sel *s, struct sigma_state *st, const struct log_event *e)
{
	size_t i;

	for (i = 0; i < s->n_alts; i++)
		if (alt_match(&s->alts[i], st, e))
			return (int)i;
	return -1;
}

static bool node_eval(const struct sigma_rule *r, const struct sigma_cond *c, int ni,
		      struct sigma_state *st, const struct log_event *e)
{
	const struct sigma_cnode *x = &c->nodes[ni];
	size_t i, hits = 0;

	switch (x->op) {
	case SIGMA_C_SEL:
		return sel_match(&r->sels[x->sel], st, e) >= 0;
	case SIGMA_C_AND:
		return node_eval(r, c, x->a, st, e) && node_eval(r, c, x->b, st, e);
	case SIGMA_C_OR:
		return node_eval(r, c, x->a, st, e) || node_eval(r, c, x->b, st, e);
	case SIGMA_C_NOT:
		return !node_eval(r, c, x->a, st, e);
	case SIGMA_C_TRUE:
		return true;
	case SIGMA_C_OF:
		for (i = 0; i < x->n_sels; i++) {
			if (sel_match(&r->sels[x->sels[i]], st, e) >= 0) {
				hits++;
				if (x->need > 0 && hits >= (size_t)x->need)
					return true;
			} else if (x->need == 0) {
				return false;
			}
		}
		return x->need == 0;
	}
	return false;
}

bool sigma_cond_eval_rule(const struct sigma_rule *r, const struct sigma_cond *c,
			  struct sigma_state *st, const struct log_event *e)
{
	if (!c->nodes)
		return false;
	return node_eval(r, c, c->root, st, e);
}

/* Which selections count as evidence: reached without a NOT above them. */
static void positive_sels(const struct sigma_cond *c, int ni, bool neg, uint8_t *mark)
{
	const struct sigma_cnode *x = &c->nodes[ni];
	size_t i;

	switch (x->op) {
	case SIGMA_C_SEL:
		if (!neg)
			mark[x->sel] = 1;
		break;
	case SIGMA_C_AND:
	case SIGMA_C_OR:
		positive_sels(c, x->a, neg, mark);
		positive_sels(c, x->b, neg, mark);
		break;
	case SIGMA_C_NOT:
		positive_sels(c, x->a, !neg, mark);
		break;
	case SIGMA_C_OF:
		if (!neg)
			for (i = 0; i < x->n_sels; i++)
				mark[x->sels[i]] = 1;
		break;
	case SIGMA_C_TRUE:
		break;
	}
}

static void add_evidence(struct sigma_state *st, struct sigma_match *m, const char *name,
			 size_t nlen, const char *val, size_t vlen)
{
	char *b;
	size_t i;

	if (m->n_matched >= MM_ARRAY_SIZE(m->matched))
		return;
	for (i = 0; i < m->n_matched; i++)
		if (strncmp(m->matched[i], name, nlen) == 0 && m->matched[i][nlen] == '=')
			return;
	b = st->matched_buf[m->n_matched];
	snprintf(b, sizeof(st->matched_buf[0]), "%.*s=%.*s", (int)MM_MIN(nlen, 100), name,
		 (int)MM_MIN(vlen, 200), val);
	m->matched[m->n_matched++] = b;
}

static void collect(const struct sigma_rule *r, struct sigma_state *st, const struct log_event *e,
		    struct sigma_match *m)
{
	uint8_t mark[SIGMA_MAX_SELECTIONS];
	size_t i, j;

	memset(mark, 0, sizeof(mark));
	positive_sels(&r->cond, r->cond.root, false, mark);
	for (i = 0; i < r->n_sels; i++) {
		int a;

		if (!mark[i] || (a = sel_match(&r->sels[i], st, e)) < 0)
			continue;
		for (j = 0; j < r->sels[i].alts[a].n_items; j++) {
			const struct sigma_item *it = &r->sels[i].alts[a].items[j];
			const char *s;
			size_t n;

			if (!it->field) {
				int f = -1;

				if (keyword_match(it, st, e, &f) && f >= 0)
					add_evidence(st, m, e->fields[f].name, e->fields[f].name_len,
						     e->fields[f].value, e->fields[f].value_len);
				continue;
			}
			if (it->neq)
				continue;
			s = sigma_field_id(st, e, it->fid, it->field, &n);
			if (s)
				add_evidence(st, m, it->field, strlen(it->field), s, n);
		}
	}
}

bool sigma_rule_match(const struct sigma_rule *r, struct sigma_state *st,
		      const struct log_event *e, struct sigma_match *m)
{
	size_t i;

	if (!sigma_cond_eval_rule(r, &r->cond, st, e))
		return false;
	for (i = 0; i < r->n_filters; i++) {
		const struct sigma_rule *f = st->rs->rules[r->filters[i]];

		if (sigma_cond_eval_rule(f, &f->cond, st, e))
			return false;
	}
	if (m)
		collect(r, st, e, m);
	return true;
}

/* ---- fields ---- */

uint32_t sigma_name_hash(const char *s, size_t n)
{
	uint32_t h = 2166136261u;
	size_t i;

	for (i = 0; i < n; i++) {
		uint8_t c = (uint8_t)s[i];

		h ^= (c >= 'A' && c <= 'Z') ? (uint8_t)(c + 32) : c;
		h *= 16777619u;
	}
	return h;
}

static const char *raw_field(const struct log_event *e, const char *name, size_t *len)
{
	size_t i, n = strlen(name);

	for (i = 0; i < e->n_fields; i++) {
		const struct log_field *f = &e->fields[i];

		if (f->name_len == n && strncasecmp(f->name, name, n) == 0) {
			*len = f->value_len;
			return f->value ? f->value : "";
		}
	}
	return NULL;
}

static const char *virtual_field(const struct log_event *e, const char *name, size_t *len,
				 char *buf)
{
	const char *s = NULL;

	if (!strcasecmp(name, "EventID")) {
		if (!e->event_id)
			return NULL;
		snprintf(buf, 24, "%" PRIu32, e->event_id);
		*len = strlen(buf);
		return buf;
	}
	if (!strcasecmp(name, "Channel"))
		s = e->channel;
	else if (!strcasecmp(name, "Provider_Name"))
		s = e->provider;
	else if (!strcasecmp(name, "Computer"))
		s = e->host;
	else if (e->event_id == 4688 && e->channel && !strcasecmp(e->channel, "Security")) {
		/* Security 4688 names what process_creation rules call Image */
		if (!strcasecmp(name, "Image"))
			return raw_field(e, "NewProcessName", len);
		if (!strcasecmp(name, "ParentImage"))
			return raw_field(e, "ParentProcessName", len);
	}
	if (s)
		*len = strlen(s);
	return s;
}

const char *sigma_field(const struct log_event *e, const char *name, size_t *len, char *buf)
{
	const char *s = raw_field(e, name, len);

	return s ? s : virtual_field(e, name, len, buf);
}

const char *sigma_field_id(struct sigma_state *st, const struct log_event *e, int fid,
			   const char *name, size_t *len)
{
	if (fid >= 0 && (size_t)fid < st->n_f) {
		if (st->fgen[fid] == st->gen) {
			*len = st->flen[fid];
			return st->fv[fid];
		}
		return virtual_field(e, name, len, st->eid_buf);
	}
	return sigma_field(e, name, len, st->eid_buf);
}

void *sigma_match_data_new(void)
{
	return pcre2_match_data_create(1, NULL);
}

void sigma_match_data_free(void *md)
{
	if (md)
		pcre2_match_data_free(md);
}

void *sigma_match_context_new(void)
{
	pcre2_match_context *c = pcre2_match_context_create(NULL);

	if (c) {
		pcre2_set_match_limit(c, SIGMA_RE_MATCH_LIMIT);
		pcre2_set_depth_limit(c, SIGMA_RE_MATCH_LIMIT / 10);
	}
	return c;
}

void sigma_match_context_free(void *mctx)
{
	if (mctx)
		pcre2_match_context_free(mctx);
}
