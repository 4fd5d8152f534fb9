/*
 * rules_kw_payload.c — the match half of the buffer keywords: content (with
 * depth/offset/distance/within, startswith/endswith, negation, nocase),
 * pcre (PCRE2, JIT when available), byte_test, byte_jump, byte_extract,
 * byte_math, isdataat and bsize. Setup (parsing) is in rules_parse.c.
 *
 * The items of one buffer are checked in rule order with a detection
 * pointer: relative items start after the end of the previous match. A
 * positive content that matches at more than one place is retried at its
 * next occurrence when a later item fails (Suricata's semantics), within a
 * budget of MATCH_BUDGET steps per buffer so that hostile buffers cannot
 * make matching quadratic without bound (over budget counts as no match).
 * A positive content or pcre that is not relative, in a rule without
 * byte_extract variables, gives the same result (with the items after
 * it) from any detection pointer: once it failed it is not tried again
 * when an earlier content moves to its next occurrence (without this a
 * rule of two absolute contents retried every pair of occurrences). Nor
 * is a content retried at all when what follows it does not depend on
 * where it matched (rest_moves()): `content:"a"; content:"b";` with "b"
 * absent fails after one search for each.
 *
 * The buffer is borrowed for the call. The rule set stays read-only and
 * shareable across threads: the pcre match context (the match limit) is
 * made once and only read; the match data is one per thread (a
 * thread-specific value freed when the thread ends); a pcre is
 * JIT-compiled on its first use, under a lock (pcre_jit()).
 */
#define _GNU_SOURCE	/* memmem */
#include "core/compat.h"
#include "net/rules.h"

#include <pthread.h>
#include <string.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#define MATCH_BUDGET 4096
#define PCRE_MATCH_LIMIT 20000

struct mctx {
	const struct rule *r;
	unsigned buf;
	const uint8_t *data;
	size_t len;
	int64_t *vars;
	int budget;
	size_t first_off, first_len;
	bool have_first;
	uint64_t failed;	/* items (< 64) known to fail from any position */
	bool over;		/* the budget ran out */
};

static int64_t num(const struct mctx *c, const struct rule_num *n)
{
	return n->var >= 0 ? c->vars[n->var] : n->v;
}

static uint8_t lower(uint8_t b)
{
	return b >= 'A' && b <= 'Z' ? (uint8_t)(b + 32) : b;
}

/* Ignoring ASCII case: candidates are the next occurrences of either case
 * of the first byte (each found once by memchr, so linear in hl), then
 * the rest is compared folded. */
static const uint8_t *find_nocase(const uint8_t *h, size_t hl, const uint8_t *n, size_t nl)
{
	uint8_t a = lower(n[0]), b = a >= 'a' && a <= 'z' ? (uint8_t)(a - 32) : a;
	const uint8_t *p = h, *end = h + hl - nl + 1, *x = NULL, *y = NULL;
	bool xd = false, yd = a == b;
	while (p < end) {
		if (!xd && (!x || x < p) && !(x = memchr(p, a, (size_t)(end - p))))
			xd = true;
		if (!yd && (!y || y < p) && !(y = memchr(p, b, (size_t)(end - p))))
			yd = true;
		const uint8_t *c = xd ? (yd ? NULL : y) : (yd ? x : (x < y ? x : y));
		if (!c)
			return NULL;
		size_t k = 1;
		while (k < nl && lower(c[k]) == lower(n[k]))
			k++;
		if (k == nl)
			return c;
		p = c + 1;
	}
	return NULL;
}

static const uint8_t *find(const uint8_t *h, size_t hl, const uint8_t *n, size_t nl, bool nocase)
{
	if (nl == 0 || nl > hl)
		return NULL;
	return nocase ? find_nocase(h, hl, n, nl) : memmem(h, hl, n, nl);
}

/* Reads nbytes at off as a number (binary or string); false if out of
 * bounds or not a number. */
static bool read_value(const struct rule_match *m, const uint8_t *d, size_t len, int64_t off,
		       uint64_t *out)
{
	if (off < 0 || (uint64_t)off + m->nbytes > len)
		return false;
	const uint8_t *p = d + off;
	uint64_t v = 0;
	if (m->string) {
		char tmp[24];
		size_t n = m->nbytes ? m->nbytes : MM_MIN(len - (size_t)off, (size_t)20);
		if (n > sizeof(tmp) - 1)
			n = sizeof(tmp) - 1;
		memcpy(tmp, p, n);
		tmp[n] = '\0';
		char *e;
		if (!n)
			return false;
		v = strtoull(tmp, &e, m->base);
		if (e == tmp)
			return false;
	} else {
		for (unsigned i = 0; i < m->nbytes; i++) {
			unsigned b = m->big_endian ? p[i] : p[m->nbytes - 1 - i];
			v = (v << 8) | b;
		}
	}
	if (m->bitmask) {
		v &= m->bitmask;
		uint64_t bm = m->bitmask;
		while (bm && !(bm & 1)) {
			bm >>= 1;
			v >>= 1;
		}
	}
	*out = v;
	return true;
}

static bool match_from(struct mctx *c, unsigned i, size_t pos);

static bool next_item(struct mctx *c, unsigned i, size_t pos)
{
	for (unsigned k = i + 1; k < c->r->nm; k++)
		if (c->r->m[k].buf == c->buf)
			return match_from(c, k, pos);
	return true;
}

/* Whether what follows item i in its buffer depends on where i matched:
 * a relative item does; isdataat, byte_test, byte_math, bsize and negated
 * items pass the position on unchanged, so the one after them decides;
 * a positive absolute item starts over from a position of its own. When
 * it does not, a later occurrence of i cannot make the rest match. */
static bool rest_moves(const struct mctx *c, unsigned i)
{
	for (unsigned k = i + 1; k < c->r->nm; k++) {
		const struct rule_match *m = &c->r->m[k];
		if (m->buf != c->buf)
			continue;
		if (m->relative)
			return true;
		bool passes = m->negated || m->type == RM_ISDATAAT || m->type == RM_BYTE_TEST ||
			      m->type == RM_BYTE_MATH || m->type == RM_BSIZE;
		if (!passes)
			return false;
	}
	return false;
}

static bool match_content(struct mctx *c, unsigned i, size_t pos)
{
	const struct rule_match *m = &c->r->m[i];
	int64_t start, end;
	int64_t len = (int64_t)c->len;
	if (m->relative) {
		start = (int64_t)pos + (m->has_distance ? num(c, &m->distance) : 0);
		end = m->has_within ? start + num(c, &m->within) : len;
		if (m->has_depth)
			end = MM_MIN(end, start + num(c, &m->depth));
	} else {
		start = m->has_offset ? num(c, &m->offset) : 0;
		end = m->has_depth ? start + num(c, &m->depth) : len;
	}
	if (m->startswith) {
		start = 0;
		end = (int64_t)m->patlen;
	}
	if (start < 0)
		start = 0;
	if (end > len)
		end = len;
	if (m->endswith && end < len)
		end = -1;	/* cannot end at the end of the buffer */
	const uint8_t *hit = NULL;
	int64_t from = start;
	int moves = -1;		/* rest_moves(), once it is needed */
	for (;;) {
		if (--c->budget <= 0) {
			c->over = true;
			return false;
		}
		hit = (end > from) ? find(c->data + from, (size_t)(end - from), m->pat, m->patlen, m->nocase) : NULL;
		if (hit && m->endswith) {
			/* the occurrence must end exactly at the end */
			size_t want = c->len - m->patlen;
			if ((int64_t)want >= from && (int64_t)(want + m->patlen) <= end &&
			    find(c->data + want, m->patlen, m->pat, m->patlen, m->nocase))
				hit = c->data + want;
			else
				hit = NULL;
		}
		if (m->negated)
			return hit ? false : next_item(c, i, pos);
		if (!hit)
			return false;
		size_t off = (size_t)(hit - c->data);
		if (next_item(c, i, off + m->patlen)) {
			if (!c->have_first || (int)i == c->r->fp) {
				c->first_off = off;
				c->first_len = m->patlen;
				c->have_first = true;
			}
			return true;
		}
		if (m->endswith || m->startswith)
			return false;
		if (moves < 0)
			moves = rest_moves(c, i);
		if (!moves)
			return false;
		from = (int64_t)off + 1;
	}
}

static pthread_once_t pcre_once = PTHREAD_ONCE_INIT;
static pthread_key_t pcre_key;
static bool pcre_key_ok;
static pcre2_match_context *pcre_mc;

static void pcre_md_free(void *md)
{
	pcre2_match_data_free(md);
}

static void pcre_init(void)
{
	pcre_key_ok = pthread_key_create(&pcre_key, pcre_md_free) == 0;
	pcre_mc = pcre2_match_context_create(NULL);
	if (pcre_mc)
		pcre2_set_match_limit(pcre_mc, PCRE_MATCH_LIMIT);
}

/* This thread's match data, or NULL (out of memory). */
static pcre2_match_data *pcre_md(void)
{
	pthread_once(&pcre_once, pcre_init);
	if (!pcre_key_ok || !pcre_mc)
		return NULL;
	pcre2_match_data *md = pthread_getspecific(pcre_key);
	if (!md) {
		md = pcre2_match_data_create(3, NULL);
		if (md && pthread_setspecific(pcre_key, md)) {
			pcre2_match_data_free(md);
			md = NULL;
		}
	}
	return md;
}

/* JIT-compiles m's pcre on its first use (once for all threads: the
 * flag is set after the compile, under jit_lock); a pcre that JIT cannot
 * take runs in the interpreter, as PCRE2 does by itself. */
static pthread_mutex_t jit_lock = PTHREAD_MUTEX_INITIALIZER;
static void pcre_jit(const struct rule_match *m)
{
	if (!m->re_jit || atomic_load_explicit(m->re_jit, memory_order_acquire))
		return;
	pthread_mutex_lock(&jit_lock);
	if (!atomic_load_explicit(m->re_jit, memory_order_relaxed)) {
		pcre2_jit_compile(m->re, PCRE2_JIT_COMPLETE);
		atomic_store_explicit(m->re_jit, 1, memory_order_release);
	}
	pthread_mutex_unlock(&jit_lock);
}

static bool match_pcre(struct mctx *c, unsigned i, size_t pos)
{
	const struct rule_match *m = &c->r->m[i];
	size_t start = m->relative ? pos : 0;
	if (start > c->len)
		return m->negated ? next_item(c, i, pos) : false;
	pcre2_match_data *md = pcre_md();
	if (!md)
		return false;
	/* a relative pcre sees the buffer from the detection pointer on, so
	 * that ^ anchors there (as in Suricata) */
	pcre_jit(m);
	int rc = pcre2_match(m->re, c->data + start, c->len - start, 0, 0, md, pcre_mc);
	size_t end = pos, off = 0;
	if (rc > 0) {
		PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
		off = start + ov[0];
		end = start + ov[1];
	}
	if (m->negated)
		return rc > 0 ? false : next_item(c, i, pos);
	if (rc <= 0)
		return false;
	if (!c->have_first) {
		c->first_off = off;
		c->first_len = end - off;
		c->have_first = true;
	}
	return next_item(c, i, end);
}

static bool match_byte(struct mctx *c, unsigned i, size_t pos)
{
	const struct rule_match *m = &c->r->m[i];
	int64_t base = m->relative ? (int64_t)pos : 0;
	int64_t off = base + num(c, &m->boff);
	uint64_t v = 0;
	switch (m->type) {
	case RM_BYTE_TEST: {
		if (!read_value(m, c->data, c->len, off, &v))
			return false;
		uint64_t want = (uint64_t)num(c, &m->value);
		bool ok;
		switch (m->op) {
		case '<': ok = v < want; break;
		case '>': ok = v > want; break;
		case '=': ok = v == want; break;
		case '&': ok = (v & want) != 0; break;
		case '^': ok = (v ^ want) != 0; break;
		case 'L': ok = v <= want; break;
		case 'G': ok = v >= want; break;
		default: ok = false;
		}
		if (m->op_neg)
			ok = !ok;
		return ok && next_item(c, i, pos);
	}
	case RM_BYTE_JUMP: {
		if (m->nbytes && !read_value(m, c->data, c->len, off, &v))
			return false;
		int64_t j = (int64_t)(v * (uint64_t)m->multiplier);
		if (m->align && (j % 4))
			j += 4 - j % 4;
		int64_t np;
		if (m->from_beginning)
			np = j;
		else if (m->from_end)
			np = (int64_t)c->len + j;
		else
			np = off + m->nbytes + j;
		np += m->post_offset;
		if (np < 0 || np > (int64_t)c->len)
			return false;
		return next_item(c, i, (size_t)np);
	}
	case RM_BYTE_EXTRACT: {
		if (!read_value(m, c->data, c->len, off, &v))
			return false;
		v *= (uint64_t)m->multiplier;
		if (m->align && (v % 4))
			v += 4 - v % 4;
		c->vars[m->result_var] = (int64_t)(v & 0x7fffffffffffffffULL);
		return next_item(c, i, (size_t)(off + m->nbytes));
	}
	case RM_BYTE_MATH: {
		if (!read_value(m, c->data, c->len, off, &v))
			return false;
		uint64_t rv = (uint64_t)num(c, &m->value);
		switch (m->op) {
		case '+': v += rv; break;
		case '-': v -= rv; break;
		case '*': v *= rv; break;
		case '/': if (!rv) return false; v /= rv; break;
		case '<': v = rv < 64 ? v << rv : 0; break;
		case '>': v = rv < 64 ? v >> rv : 0; break;
		default: return false;
		}
		c->vars[m->result_var] = (int64_t)(v & 0x7fffffffffffffffULL);
		return next_item(c, i, pos);
	}
	default:
		return false;
	}
}

static bool match_from(struct mctx *c, unsigned i, size_t pos)
{
	const struct rule_match *m = &c->r->m[i];
	switch (m->type) {
	case RM_CONTENT:
	case RM_PCRE: {
		bool memo = i < 64 && !m->relative && !m->negated && c->r->nvars == 0;
		if (memo && (c->failed >> i & 1))
			return false;
		bool ok = m->type == RM_CONTENT ? match_content(c, i, pos) : match_pcre(c, i, pos);
		if (!ok && memo)
			c->failed |= 1ull << i;
		return ok;
	}
	case RM_ISDATAAT: {
		int64_t at = (m->relative ? (int64_t)pos : 0) + num(c, &m->boff);
		bool ok = at < (int64_t)c->len;
		if (m->negated)
			ok = !ok;
		return ok && next_item(c, i, pos);
	}
	case RM_BSIZE:
		return rule_range_match(&m->size, (int64_t)c->len) && next_item(c, i, pos);
	default:
		return match_byte(c, i, pos);
	}
}

bool rule_match_buffer(const struct rule *r, unsigned buf, const uint8_t *data, size_t len,
		       int64_t *vars, size_t *match_off, size_t *match_len, bool *over_budget)
{
	struct mctx c = { r, buf, data, len, vars, MATCH_BUDGET, 0, 0, false, 0, false };
	unsigned first = r->nm;
	for (unsigned k = 0; k < r->nm; k++)
		if (r->m[k].buf == buf) {
			first = k;
			break;
		}
	if (first == r->nm)
		return true;
	if (!data)
		c.data = (const uint8_t *)"";
	bool ok = match_from(&c, first, 0);
	if (over_budget && c.over)
		*over_budget = true;
	if (ok && match_off) {
		*match_off = c.have_first ? c.first_off : 0;
		*match_len = c.have_first ? c.first_len : 0;
	}
	return ok;
}
