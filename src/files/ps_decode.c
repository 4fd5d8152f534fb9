/*
 * ps_decode.c — PowerShell layer decoder and indicators (see ps_decode.h).
 *
 * Layers are found breadth-first: each new layer is appended to r->text
 * and scanned in turn, until PS_MAX_DEPTH, PS_MAX_LAYERS or PS_MAX_OUTPUT.
 * Scanning works on offsets, since appending may move r->text. All input
 * is hostile: every literal, number and stream is bounded, zlib output is
 * capped by size and ratio, and nothing here loops without consuming input.
 */
#include "core/compat.h"
#include "files/ps_decode.h"

#include <strings.h>
#include <zlib.h>

#include "files/internal.h"

#define PS_LIT_MAX (1u << 20)	/* a string literal we join or replace in */

void ps_result_init(struct ps_result *r)
{
	memset(r, 0, sizeof *r);
	/* the input (up to PS_MAX_INPUT, 1.5 times that once transcoded from
	 * UTF-16) plus PS_MAX_OUTPUT of decoded layers */
	mm_buf_init(&r->text, PS_MAX_INPUT / 2 * 3 + PS_MAX_OUTPUT + 64);
}

void ps_result_release(struct ps_result *r)
{
	mm_buf_release(&r->text);
	r->nlayers = 0;
}

const char *ps_how_name(enum ps_how how)
{
	switch (how) {
	case PS_HOW_INPUT: return "input";
	case PS_HOW_ENCODED_COMMAND: return "encodedcommand";
	case PS_HOW_FROM_BASE64: return "frombase64string";
	case PS_HOW_FROM_BASE64_GZIP: return "frombase64string+gzip";
	case PS_HOW_FROM_BASE64_DEFLATE: return "frombase64string+deflate";
	case PS_HOW_DEOBFUSCATE: return "deobfuscate";
	}
	return "?";
}

static inline uint8_t lc(uint8_t c)
{
	return (c >= 'A' && c <= 'Z') ? (uint8_t)(c + 32) : c;
}

static bool ci_prefix(const char *s, size_t n, const char *p)
{
	size_t k = strlen(p);

	if (n < k)
		return false;
	for (size_t i = 0; i < k; i++)
		if (lc((uint8_t)s[i]) != (uint8_t)p[i])
			return false;
	return true;
}

static bool is_alnum(uint8_t c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       c == '_';
}

static bool is_b64(uint8_t c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       c == '+' || c == '/' || c == '=';
}

/* --- text encodings ---------------------------------------------------- */

bool ps_looks_utf16le(const uint8_t *in, size_t len)
{
	size_t n, zeros = 0, pairs = 0;

	if (len >= 2 && in[0] == 0xff && in[1] == 0xfe)
		return true;
	if (len < 4)
		return false;
	n = MM_MIN(len, (size_t)512) & ~(size_t)1;
	for (size_t i = 0; i + 1 < n; i += 2) {
		pairs++;
		if (in[i + 1] == 0 && in[i] != 0)
			zeros++;
	}
	return zeros * 10 >= pairs * 7;
}

static int put_utf8(struct mm_buf *out, uint32_t cp)
{
	uint8_t b[4];
	size_t k;

	if (cp < 0x80) {
		b[0] = (uint8_t)cp;
		k = 1;
	} else if (cp < 0x800) {
		b[0] = (uint8_t)(0xc0 | (cp >> 6));
		b[1] = (uint8_t)(0x80 | (cp & 0x3f));
		k = 2;
	} else if (cp < 0x10000) {
		b[0] = (uint8_t)(0xe0 | (cp >> 12));
		b[1] = (uint8_t)(0x80 | ((cp >> 6) & 0x3f));
		b[2] = (uint8_t)(0x80 | (cp & 0x3f));
		k = 3;
	} else {
		b[0] = (uint8_t)(0xf0 | (cp >> 18));
		b[1] = (uint8_t)(0x80 | ((cp >> 12) & 0x3f));
		b[2] = (uint8_t)(0x80 | ((cp >> 6) & 0x3f));
		b[3] = (uint8_t)(0x80 | (cp & 0x3f));
		k = 4;
	}
	return mm_buf_append(out, b, k);
}

int ps_utf16le_to_utf8(struct mm_buf *out, const uint8_t *in, size_t len, bool *bad)
{
	size_t i = 0;
	int rc = 0;

	if (len >= 2 && in[0] == 0xff && in[1] == 0xfe)
		i = 2;
	for (; i + 1 < len && rc == 0; i += 2) {
		uint32_t u = (uint32_t)in[i] | ((uint32_t)in[i + 1] << 8);

		if (u >= 0xd800 && u <= 0xdbff && i + 3 < len) {
			uint32_t u2 = (uint32_t)in[i + 2] | ((uint32_t)in[i + 3] << 8);
			if (u2 >= 0xdc00 && u2 <= 0xdfff) {
				rc = put_utf8(out, 0x10000 + ((u - 0xd800) << 10) + (u2 - 0xdc00));
				i += 2;
				continue;
			}
		}
		if (u >= 0xd800 && u <= 0xdfff) {
			*bad = true;
			u = 0xfffd;
		}
		rc = put_utf8(out, u);
	}
	if (len & 1)
		*bad = true;
	return rc;
}

/* An -EncodedCommand payload is UTF-16LE text: mostly ASCII code units
 * (a "-e" in a changelog followed by a word decodes to noise). */
static bool utf16_command_text(const uint8_t *d, size_t n)
{
	size_t units = 0, good = 0;

	if (n >= 2 && d[0] == 0xff && d[1] == 0xfe) {
		d += 2;
		n -= 2;
	}
	if (n < 4 || (n & 1))
		return false;
	for (size_t i = 0; i + 1 < n && units < 4096; i += 2, units++)
		if (d[i + 1] == 0 && (d[i] == '\t' || d[i] == '\n' || d[i] == '\r' ||
				      (d[i] >= 0x20 && d[i] < 0x7f)))
			good++;
	return good * 10 >= units * 8;
}

static bool looks_text(const uint8_t *d, size_t n)
{
	size_t k = MM_MIN(n, (size_t)4096), good = 0;

	if (k == 0)
		return true;
	for (size_t i = 0; i < k; i++)
		if (d[i] == '\t' || d[i] == '\n' || d[i] == '\r' || (d[i] >= 0x20 && d[i] != 0x7f))
			good++;
	return good * 100 >= k * 95;
}

/* --- layers ------------------------------------------------------------ */

/* What decoded layers may still add (the input layer does not count). */
static size_t ps_output_room(const struct ps_result *r)
{
	size_t input = r->nlayers ? r->layers[0].len + 1 : 0;
	size_t used = r->text.len > input ? r->text.len - input : 0;

	return used < PS_MAX_OUTPUT ? PS_MAX_OUTPUT - used : 0;
}

/*
 * Appends decoded bytes as a new layer: UTF-16LE is transcoded (when
 * utf16 is 1, or -1 and it looks so), text is kept as is, anything else
 * is a binary layer. Decoded output (all layers but the input) beyond
 * PS_MAX_OUTPUT is cut and flagged.
 */
static int add_layer(struct ps_result *r, int parent, enum ps_how how, size_t src_off,
		     const uint8_t *d, size_t n, int utf16)
{
	struct ps_layer *L;
	size_t room, start = r->text.len;
	bool bad = false;
	int rc;

	if (r->nlayers >= PS_MAX_LAYERS) {
		r->flags |= PS_F_LAYER_LIMIT;
		return 0;
	}
	room = parent < 0 ? PS_MAX_INPUT / 2 * 3 : ps_output_room(r);
	if (room < 16) {
		r->flags |= PS_F_OUTPUT_LIMIT;
		return 0;
	}
	if (utf16 < 0)
		utf16 = ps_looks_utf16le(d, n) ? 1 : 0;
	if (utf16) {
		/* at most 3 UTF-8 bytes per unit: keep the result under room */
		size_t take = MM_MIN(n, (room / 3) * 2);
		if (take < n)
			r->flags |= PS_F_OUTPUT_LIMIT;
		rc = ps_utf16le_to_utf8(&r->text, d, take, &bad);
		if (bad)
			r->flags |= PS_F_BAD_UTF16;
	} else {
		size_t take = MM_MIN(n, room);
		if (take < n)
			r->flags |= PS_F_OUTPUT_LIMIT;
		if (take >= 3 && d[0] == 0xef && d[1] == 0xbb && d[2] == 0xbf) {
			d += 3;
			take -= 3;
		}
		rc = mm_buf_append(&r->text, d, take);
	}
	if (rc == 0)
		rc = mm_buf_append_byte(&r->text, 0);
	if (rc < 0)
		return rc;
	L = &r->layers[r->nlayers++];
	L->off = start;
	L->len = r->text.len - start - 1;
	L->how = how;
	L->parent = parent;
	L->depth = parent < 0 ? 0 : r->layers[parent].depth + 1;
	L->src_off = src_off;
	L->binary = !utf16 && !looks_text((const uint8_t *)r->text.ptr + start, L->len);
	return 0;
}

/* zlib inflate (gzip when gzip, else raw deflate), bounded by cap. */
static int inflate_bounded(const uint8_t *in, size_t n, bool gzip, size_t cap, uint8_t **out,
			   size_t *out_len, unsigned *flags)
{
	z_stream z;
	uint8_t *buf = NULL;
	size_t size = 0, alloc = 0;
	int zr, rc = 0;

	*out = NULL;
	*out_len = 0;
	memset(&z, 0, sizeof z);
	if (inflateInit2(&z, gzip ? 15 + 32 : -15) != Z_OK)
		return MM_ENOMEM;
	z.next_in = (Bytef *)(uintptr_t)in;
	z.avail_in = (uInt)MM_MIN(n, (size_t)UINT_MAX);
	for (;;) {
		if (size == alloc) {
			size_t na = alloc ? alloc * 2 : 64 * 1024;
			uint8_t *nb;
			if (na > cap)
				na = cap;
			if (na <= alloc) {
				*flags |= PS_F_RATIO_LIMIT;
				break;
			}
			nb = realloc(buf, na);
			if (!nb) {
				rc = MM_ENOMEM;
				goto out;
			}
			buf = nb;
			alloc = na;
		}
		z.next_out = buf + size;
		z.avail_out = (uInt)(alloc - size);
		zr = inflate(&z, Z_NO_FLUSH);
		size = alloc - z.avail_out;
		if (zr == Z_STREAM_END)
			break;
		if (zr != Z_OK) {
			if (zr != Z_BUF_ERROR || z.avail_in == 0)
				*flags |= PS_F_INFLATE_ERROR;
			break;
		}
	}
	*out = buf;
	*out_len = size;
	buf = NULL;
out:
	inflateEnd(&z);
	free(buf);
	return rc;
}

/* Base64 of [s, s+n) into a fresh buffer; NULL with *dn 0 on failure. */
static uint8_t *b64(const char *s, size_t n, size_t *dn)
{
	uint8_t *out = malloc(n / 4 * 3 + 4);
	long k;

	*dn = 0;
	if (!out)
		return NULL;
	k = mm_base64_decode(s, n, out, n / 4 * 3 + 4);
	if (k <= 0) {
		free(out);
		return NULL;
	}
	*dn = (size_t)k;
	return out;
}

/*
 * The next index at or after i that holds one of up to three bytes, or n:
 * memchr() for each byte, each answer kept until the scan passes it, so a
 * text costs one pass per byte value instead of a test per position.
 */
struct next_of {
	uint8_t c[3];
	unsigned nc;
	bool known[3];
	size_t at[3];
};

static size_t next_of(struct next_of *x, const char *t, size_t n, size_t i)
{
	size_t best = n;

	for (unsigned k = 0; k < x->nc; k++) {
		if (!x->known[k] || (x->at[k] < i && x->at[k] != n)) {
			const char *p = i < n ? memchr(t + i, x->c[k], n - i) : NULL;

			x->at[k] = p ? (size_t)(p - t) : n;
			x->known[k] = true;
		}
		if (x->at[k] < best)
			best = x->at[k];
	}
	return best;
}

/* -EncodedCommand and its prefixes and aliases, after a blank or quote. */
static int scan_encoded(struct ps_result *r, unsigned li)
{
	size_t off = r->layers[li].off, n = r->layers[li].len;
	struct next_of opt = { { '-', '/', 0xe2 }, 3, { false, false, false }, { 0, 0, 0 } };

	for (size_t i = 0; i < n; i++) {
		const char *t = r->text.ptr + off;
		size_t w, j, bs, be, dl;
		uint8_t *dec;
		int rc;

		/* the option's own first byte is tested before its left
		 * neighbour: most bytes are neither (next_of keeps offsets
		 * into the layer, which stay valid when appending a layer
		 * moves r->text) */
		i = next_of(&opt, t, n, i);
		if (i >= n)
			break;
		if (t[i] != '-' && t[i] != '/' && (uint8_t)t[i] != 0xe2)
			continue;
		if (i > 0 && !strchr(" \t\r\n\"'(;|&,", t[i - 1]))
			continue;
		if (t[i] == '-' || t[i] == '/') {
			j = i + 1;
		} else if ((uint8_t)t[i] == 0xe2 && i + 2 < n && (uint8_t)t[i + 1] == 0x80 &&
			   (uint8_t)t[i + 2] >= 0x93 && (uint8_t)t[i + 2] <= 0x95) {
			j = i + 3;
		} else {
			continue;
		}
		w = 0;
		while (j + w < n && w < 16 && ((t[j + w] | 0x20) >= 'a' && (t[j + w] | 0x20) <= 'z'))
			w++;
		if (w == 0 || (j + w < n && is_alnum((uint8_t)t[j + w])))
			continue;
		if (!(w <= 14 && (strncasecmp(t + j, "encodedcommand", w) == 0 ||
				  (w == 2 && strncasecmp(t + j, "ec", 2) == 0))))
			continue;
		bs = j + w;
		while (bs < n && (t[bs] == ' ' || t[bs] == '\t' || t[bs] == '"' || t[bs] == '\''))
			bs++;
		be = bs;
		while (be < n && is_b64((uint8_t)t[be]))
			be++;
		if (be - bs < 8)
			continue;
		dec = b64(t + bs, be - bs, &dl);
		if (!dec) {
			r->flags |= PS_F_BAD_BASE64;
			continue;
		}
		if (!utf16_command_text(dec, dl)) {
			free(dec);
			continue;
		}
		if (r->layers[li].depth + 1 > PS_MAX_DEPTH) {
			r->flags |= PS_F_DEPTH_LIMIT;
			free(dec);
			return 0;
		}
		rc = add_layer(r, (int)li, PS_HOW_ENCODED_COMMAND, i, dec, dl,
			       ps_looks_utf16le(dec, dl) ? 1 : 0);
		free(dec);
		if (rc < 0)
			return rc;
		i = be - 1;
	}
	return 0;
}

/* FromBase64String('...') literals, inflated when compressed. */
static int scan_b64(struct ps_result *r, unsigned li)
{
	size_t off = r->layers[li].off, n = r->layers[li].len;
	const char *t = r->text.ptr + off;
	bool gz_hint = files_memcasemem((const uint8_t *)t, n, "gzipstream", 10) != NULL;
	bool df_hint = files_memcasemem((const uint8_t *)t, n, "deflatestream", 13) != NULL;
	bool u16_hint = files_memcasemem((const uint8_t *)t, n, "unicode.getstring", 17) != NULL;
	size_t i = 0;

	for (;;) {
		const uint8_t *p;
		size_t s, e, dl, il = 0;
		uint8_t *dec = NULL, *inf = NULL;
		enum ps_how how = PS_HOW_FROM_BASE64;
		char q;
		int rc = 0;

		t = r->text.ptr + off;
		p = files_memcasemem((const uint8_t *)t + i, n - i, "frombase64string", 16);
		if (!p)
			break;
		s = (size_t)(p - (const uint8_t *)t) + 16;
		i = s;
		while (s < n && (t[s] == ' ' || t[s] == '(' || t[s] == '\t'))
			s++;
		if (s >= n || (t[s] != '\'' && t[s] != '"'))
			continue;
		q = t[s++];
		e = s;
		while (e < n && t[e] != q)
			e++;
		if (e - s < 4)
			continue;
		dec = b64(t + s, e - s, &dl);
		if (!dec) {
			r->flags |= PS_F_BAD_BASE64;
			continue;
		}
		if (r->layers[li].depth + 1 > PS_MAX_DEPTH) {
			r->flags |= PS_F_DEPTH_LIMIT;
			free(dec);
			return 0;
		}
		if ((dl >= 2 && dec[0] == 0x1f && dec[1] == 0x8b) || gz_hint || df_hint) {
			bool gz = dl >= 2 && dec[0] == 0x1f && dec[1] == 0x8b;
			size_t room = ps_output_room(r);
			size_t cap = MM_MIN(room, dl * (size_t)PS_INFLATE_RATIO);

			rc = inflate_bounded(dec, dl, gz, cap, &inf, &il, &r->flags);
			if (rc == 0 && il > 0)
				how = gz ? PS_HOW_FROM_BASE64_GZIP : PS_HOW_FROM_BASE64_DEFLATE;
		}
		if (rc == 0) {
			if (how != PS_HOW_FROM_BASE64)
				rc = add_layer(r, (int)li, how, s, inf, il, u16_hint ? 1 : -1);
			else
				rc = add_layer(r, (int)li, how, s, dec, dl, u16_hint ? 1 : -1);
		}
		free(inf);
		free(dec);
		if (rc < 0)
			return rc;
		i = e;
	}
	return 0;
}

/* --- deobfuscation ----------------------------------------------------- */

/* Reads a literal at t[*i] (a quote); appends its value to lit. */
static bool read_literal(const char *t, size_t n, size_t *i, struct mm_buf *lit)
{
	char q = t[*i];
	size_t j = *i + 1;

	while (j < n) {
		if (t[j] == q) {
			if (j + 1 < n && t[j + 1] == q) {	/* '' or "" */
				if (mm_buf_append_byte(lit, (uint8_t)q) < 0)
					return false;
				j += 2;
				continue;
			}
			*i = j + 1;
			return true;
		}
		if (q == '"' && t[j] == '`' && j + 1 < n) {
			j++;
			if (mm_buf_append_byte(lit, (uint8_t)(t[j] == 'n' ? '\n' : t[j] == 't' ? '\t' :
							      t[j])) < 0)
				return false;
			j++;
			continue;
		}
		{
			/* a run of plain bytes, up to the next quote or escape,
			 * appended at once (a buffer over its cap is emptied
			 * either way) */
			size_t k = j + 1;

			while (k < n && t[k] != q && (q != '"' || t[k] != '`'))
				k++;
			if (mm_buf_append(lit, t + j, k - j) < 0)
				return false;
			j = k;
		}
	}
	return false;	/* unterminated */
}

static size_t skip_ws(const char *t, size_t n, size_t i)
{
	while (i < n && (t[i] == ' ' || t[i] == '\t'))
		i++;
	return i;
}

/* A number: decimal or 0x hex; false when none. */
static bool read_num(const char *t, size_t n, size_t *i, uint32_t *v)
{
	size_t j = *i;
	uint64_t x = 0;
	int base = 10, digits = 0;

	if (j + 1 < n && t[j] == '0' && (t[j + 1] == 'x' || t[j + 1] == 'X')) {
		base = 16;
		j += 2;
	}
	while (j < n && digits < 10) {
		int d;
		char c = t[j];
		if (c >= '0' && c <= '9')
			d = c - '0';
		else if (base == 16 && (c | 0x20) >= 'a' && (c | 0x20) <= 'f')
			d = (c | 0x20) - 'a' + 10;
		else
			break;
		x = x * (uint64_t)base + (uint64_t)d;
		digits++;
		j++;
	}
	if (digits == 0 || x > 0x10ffff)
		return false;
	*v = (uint32_t)x;
	*i = j;
	return true;
}

/* [char]NN (+ [char]NN | + 'lit')* -> literal text in lit */
static bool read_char_chain(const char *t, size_t n, size_t *i, struct mm_buf *lit)
{
	size_t j = *i;
	int parts = 0;

	for (;;) {
		uint32_t v;
		size_t k = skip_ws(t, n, j);
		bool paren = false;

		/* "([char]73)" as one term */
		if (k < n && t[k] == '(' && ci_prefix(t + k + 1, n - k - 1, "[char]")) {
			k++;
			paren = true;
		}
		if (ci_prefix(t + k, n - k, "[char]")) {
			k = skip_ws(t, n, k + 6);
			if (!read_num(t, n, &k, &v))
				break;
			if (paren) {
				k = skip_ws(t, n, k);
				if (k >= n || t[k] != ')')
					break;
				k++;
			}
			if (put_utf8(lit, v) < 0)
				return false;
		} else if (parts > 0 && k < n && (t[k] == '\'' || t[k] == '"')) {
			if (!read_literal(t, n, &k, lit))
				break;
		} else {
			break;
		}
		parts++;
		j = k;
		k = skip_ws(t, n, j);
		if (k < n && t[k] == '+')
			j = k + 1;
		else
			break;
	}
	if (parts == 0)
		return false;
	*i = j;
	return true;
}

/* [char[]](73,69,88) [-join ''] -> literal */
static bool read_char_array(const char *t, size_t n, size_t *i, struct mm_buf *lit)
{
	size_t j = skip_ws(t, n, *i + 8);
	int count = 0;

	if (j < n && t[j] == '@')
		j++;
	if (j >= n || t[j] != '(')
		return false;
	j++;
	for (;;) {
		uint32_t v;
		j = skip_ws(t, n, j);
		if (!read_num(t, n, &j, &v))
			break;
		if (put_utf8(lit, v) < 0)
			return false;
		count++;
		j = skip_ws(t, n, j);
		if (j < n && t[j] == ',')
			j++;
		else
			break;
	}
	if (count == 0 || j >= n || t[j] != ')')
		return false;
	j++;
	{
		size_t k = skip_ws(t, n, j);
		if (ci_prefix(t + k, n - k, "-join")) {
			k = skip_ws(t, n, k + 5);
			if (k + 1 < n && (t[k] == '\'' || t[k] == '"') && t[k + 1] == t[k])
				j = k + 2;
		}
	}
	*i = j;
	return true;
}

static bool has_regex_meta(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strchr("\\^$.|?*+()[]{}", s[i]))
			return true;
	return false;
}

/* lit := lit with every pat replaced by rep (ASCII case-insensitive if ci) */
static int replace_all(struct mm_buf *lit, const char *pat, size_t pn, const char *rep,
		       size_t rn, bool ci)
{
	struct mm_buf o;
	size_t i = 0;
	int rc = 0;

	if (pn == 0)
		return 0;
	mm_buf_init(&o, PS_LIT_MAX);
	while (i < lit->len && rc == 0) {
		bool m = i + pn <= lit->len &&
			 (ci ? strncasecmp(lit->ptr + i, pat, pn) == 0 :
			       memcmp(lit->ptr + i, pat, pn) == 0);
		if (m) {
			rc = mm_buf_append(&o, rep, rn);
			i += pn;
		} else {
			rc = mm_buf_append_byte(&o, (uint8_t)lit->ptr[i]);
			i++;
		}
	}
	if (rc == 0) {
		mm_buf_reset(lit);
		rc = o.len ? mm_buf_append(lit, o.ptr, o.len) : 0;
	}
	mm_buf_release(&o);
	return rc;
}

/* After a literal: ('+' literal | '+' [char]N | -replace 'a','b')* */
static int extend_literal(const char *t, size_t n, size_t *i, struct mm_buf *lit, bool *changed)
{
	/* each -replace rewrites the whole literal: bound the chain so that a
	 * hostile script cannot make the work quadratic */
	unsigned replaces = 0;

	for (;;) {
		size_t k = skip_ws(t, n, *i);

		if (k < n && t[k] == '+') {
			size_t k2 = skip_ws(t, n, k + 1);
			if (k2 < n && (t[k2] == '\'' || t[k2] == '"')) {
				if (!read_literal(t, n, &k2, lit))
					return 0;
				*i = k2;
				*changed = true;
				continue;
			}
			if (ci_prefix(t + k2, n - k2, "[char]") ||
			    (k2 < n && t[k2] == '(' && ci_prefix(t + k2 + 1, n - k2 - 1, "[char]"))) {
				if (!read_char_chain(t, n, &k2, lit))
					return 0;
				*i = k2;
				*changed = true;
				continue;
			}
			return 0;
		}
		if (k < n && t[k] == '-' && (ci_prefix(t + k, n - k, "-replace") ||
					     ci_prefix(t + k, n - k, "-ireplace") ||
					     ci_prefix(t + k, n - k, "-creplace"))) {
			bool ci = (t[k + 1] | 0x20) != 'c';
			size_t k2 = skip_ws(t, n, k + (ci && (t[k + 1] | 0x20) == 'r' ? 8 : 9));
			struct mm_buf a, b;
			int rc = 0;

			if (k2 >= n || (t[k2] != '\'' && t[k2] != '"') || ++replaces > 64)
				return 0;
			mm_buf_init(&a, PS_LIT_MAX);
			mm_buf_init(&b, PS_LIT_MAX);
			if (!read_literal(t, n, &k2, &a)) {
				mm_buf_release(&a);
				return 0;
			}
			k2 = skip_ws(t, n, k2);
			if (k2 < n && t[k2] == ',') {
				k2 = skip_ws(t, n, k2 + 1);
				if (k2 < n && (t[k2] == '\'' || t[k2] == '"') &&
				    !read_literal(t, n, &k2, &b)) {
					mm_buf_release(&a);
					mm_buf_release(&b);
					return 0;
				}
			}
			if (has_regex_meta(a.ptr ? a.ptr : "", a.len)) {
				mm_buf_release(&a);
				mm_buf_release(&b);
				return 0;
			}
			rc = replace_all(lit, a.ptr ? a.ptr : "", a.len, b.ptr ? b.ptr : "", b.len, ci);
			mm_buf_release(&a);
			mm_buf_release(&b);
			if (rc < 0)
				return rc;
			*i = k2;
			*changed = true;
			continue;
		}
		return 0;
	}
}

static int emit_literal(struct mm_buf *o, const struct mm_buf *lit)
{
	int rc = mm_buf_append_byte(o, '\'');

	if (rc == 0 && lit->len)
		rc = mm_buf_append(o, lit->ptr, lit->len);
	if (rc == 0)
		rc = mm_buf_append_byte(o, '\'');
	return rc;
}

/* deobfuscate(): a change at t + at; the first one copies t[0, at) to o,
 * the unchanged text before it. */
static int first_change(struct mm_buf *o, bool *changed, const char *t, size_t at)
{
	if (*changed)
		return 0;
	*changed = true;
	return mm_buf_append(o, t, at);
}

static int deobfuscate(struct ps_result *r, unsigned li)
{
	size_t off = r->layers[li].off, n = r->layers[li].len;
	const char *t = r->text.ptr + off;
	struct mm_buf o, lit;
	bool changed = false;
	size_t i = 0;
	int rc = 0;

	/* cheap test first: nothing to do in most scripts */
	if (!memchr(t, '`', n) && !memchr(t, '+', n) &&
	    !files_memcasemem((const uint8_t *)t, n, "[char", 5) &&
	    !files_memcasemem((const uint8_t *)t, n, "replace", 7))
		return 0;
	if (r->layers[li].depth + 1 > PS_MAX_DEPTH) {
		r->flags |= PS_F_DEPTH_LIMIT;
		return 0;
	}
	/* the cleaned copy must fit the output budget: a big text is cleaned
	 * up to it, and that is a limit only when the rest had backticks,
	 * [char] codes or -replace left to undo */
	{
		size_t room = ps_output_room(r);
		if (room < 64)
			return 0;
		if (n > room - 32) {
			const uint8_t *rest = (const uint8_t *)t + (room - 32);
			size_t rn = n - (room - 32);
			if (memchr(rest, '`', rn) || files_memcasemem(rest, rn, "[char", 5) ||
			    files_memcasemem(rest, rn, "-replace", 8))
				r->flags |= PS_F_OUTPUT_LIMIT;
			n = room - 32;
		}
	}
	mm_buf_init(&o, PS_MAX_OUTPUT);
	mm_buf_init(&lit, PS_LIT_MAX);
	/* Nothing is copied to o until the first change: most texts (rule
	 * files, documentation) have none, and then o is never built. At the
	 * first change, everything before it goes to o at once
	 * (first_change()); from then on plain runs are copied as they come. */
	while (i < n && rc == 0) {
		char c = t[i];

		if (c == '`' && i + 1 < n) {
			char nx = t[i + 1];
			rc = first_change(&o, &changed, t, i);
			i += 2;
			if (rc || nx == '\n' || nx == '\r' || nx == '0')
				continue;	/* line continuation, NUL */
			rc = mm_buf_append_byte(&o, (uint8_t)(nx == 'n' ? '\n' : nx == 't' ? '\t' : nx));
		} else if (c == '\'' || c == '"') {
			size_t j = i;
			bool lch = false;

			mm_buf_reset(&lit);
			if (!read_literal(t, n, &j, &lit)) {
				/* unterminated (an apostrophe in a comment): keep going */
				if (changed)
					rc = mm_buf_append_byte(&o, (uint8_t)c);
				i++;
				continue;
			}
			rc = extend_literal(t, n, &j, &lit, &lch);
			if (rc == 0 && lch) {
				rc = first_change(&o, &changed, t, i);
				if (rc == 0)
					rc = emit_literal(&o, &lit);
			} else if (rc == 0 && changed) {
				rc = mm_buf_append(&o, t + i, j - i);
			}
			i = j;
		} else if (c == '[' && ci_prefix(t + i, n - i, "[char[]]")) {
			size_t j = i;
			mm_buf_reset(&lit);
			if (read_char_array(t, n, &j, &lit)) {
				rc = first_change(&o, &changed, t, i);
				if (rc == 0)
					rc = emit_literal(&o, &lit);
				i = j;
			} else {
				if (changed)
					rc = mm_buf_append(&o, t + i, 8);
				i += 8;
			}
		} else if (c == '[' && ci_prefix(t + i, n - i, "[char]")) {
			size_t j = i;
			bool lch = false;
			mm_buf_reset(&lit);
			if (read_char_chain(t, n, &j, &lit)) {
				rc = extend_literal(t, n, &j, &lit, &lch);
				if (rc == 0)
					rc = first_change(&o, &changed, t, i);
				else
					changed = true;
				if (rc == 0)
					rc = emit_literal(&o, &lit);
				i = j;
			} else {
				if (changed)
					rc = mm_buf_append(&o, t + i, 6);
				i += 6;
			}
		} else {
			/* a run of plain bytes up to the next one that may start
			 * something to undo, copied at once (once o is built) */
			size_t j = i + 1;

			while (j < n && t[j] != '`' && t[j] != '\'' && t[j] != '"' && t[j] != '[')
				j++;
			if (changed)
				rc = mm_buf_append(&o, t + i, j - i);
			i = j;
		}
	}
	if (rc == MM_ELIMIT) {
		r->flags |= PS_F_OUTPUT_LIMIT;
		rc = 0;
	} else if (rc == 0 && changed && o.len > 0) {
		rc = add_layer(r, (int)li, PS_HOW_DEOBFUSCATE, 0, (const uint8_t *)o.ptr, o.len, 0);
	}
	mm_buf_release(&lit);
	mm_buf_release(&o);
	return rc;
}

int ps_decode(struct ps_result *r, const uint8_t *in, size_t len)
{
	int rc;

	if (len > PS_MAX_INPUT) {
		len = PS_MAX_INPUT;
		r->flags |= PS_F_INPUT_LIMIT;
	}
	rc = add_layer(r, -1, PS_HOW_INPUT, 0, in, len, ps_looks_utf16le(in, len) ? 1 : 0);
	if (rc < 0)
		return rc;
	if (r->nlayers == 0)
		return 0;
	/* the input is text even when it holds odd bytes */
	r->layers[0].binary = false;
	for (unsigned i = 0; i < r->nlayers; i++) {
		if (r->layers[i].binary)
			continue;
		rc = scan_encoded(r, i);
		if (rc == 0)
			rc = scan_b64(r, i);
		if (rc == 0 && r->layers[i].how != PS_HOW_DEOBFUSCATE)
			rc = deobfuscate(r, i);
		if (rc == MM_ELIMIT) {
			r->flags |= PS_F_OUTPUT_LIMIT;
			rc = 0;
		}
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* --- indicators -------------------------------------------------------- */

/* Whole-word, case-insensitive search. */
static const uint8_t *find_word(const uint8_t *t, size_t n, const char *w)
{
	size_t wl = strlen(w), i = 0;

	while (i < n) {
		const uint8_t *p = files_memcasemem(t + i, n - i, w, wl);
		size_t at;
		if (!p)
			return NULL;
		at = (size_t)(p - t);
		if ((at == 0 || !is_alnum(t[at - 1])) && (at + wl >= n || !is_alnum(t[at + wl])) &&
		    (at == 0 || t[at - 1] != '-' || w[0] == '-'))
			return p;
		i = at + 1;
	}
	return NULL;
}

/*
 * Is the word at t[at..at+wl) code rather than an element of a quoted list
 * ('Invoke-Expression', 'Invoke-History', ... in a syntax highlighter)?
 * A quoted word is code only after an invocation operator (& 'iex',
 * .('iex')) or as the argument of New-Object.
 */
static bool code_occurrence(const uint8_t *t, size_t n, size_t at, size_t wl)
{
	size_t b = at + wl, k;

	if (at == 0 || b >= n || (t[at - 1] != '\'' && t[at - 1] != '"') || t[b] != t[at - 1])
		return true;
	k = at - 1;
	while (k > 0 && (t[k - 1] == ' ' || t[k - 1] == '(' || t[k - 1] == '\t'))
		k--;
	if (k > 0 && (t[k - 1] == '&' || t[k - 1] == '.'))
		return true;
	if (k >= 10 && files_memcasemem(t + (k > 24 ? k - 24 : 0), MM_MIN(k, (size_t)24),
					"new-object", 10))
		return true;
	return false;
}

static const char *const iex_words[] = { "iex", "invoke-expression" };

/* IEX used as a command: piped into, given an argument, or invoked. */
static bool iex_call(const uint8_t *t, size_t n, size_t at, size_t wl)
{
	size_t a = at, b = at + wl;
	bool quoted = at > 0 && b < n && (t[at - 1] == '\'' || t[at - 1] == '"') &&
		      t[b] == t[at - 1];

	if (!code_occurrence(t, n, at, wl))
		return false;
	if (quoted)
		return true;
	while (a > 0 && (t[a - 1] == ' ' || t[a - 1] == '\t' || t[a - 1] == '('))
		a--;
	if (a > 0 && (t[a - 1] == '|' || t[a - 1] == '&' || t[a - 1] == ';'))
		return true;
	while (b < n && (t[b] == ' ' || t[b] == '\t'))
		b++;
	return b < n && strchr("($\"'-[", t[b]) && t[b] != '\0';
}

static const char *const download_words[] = {
	"net.webclient", "downloadstring", "downloaddata", "downloadfile", "invoke-webrequest",
	"iwr", "invoke-restmethod", "irm", "start-bitstransfer", "bitsadmin", "xmlhttp",
	"net.http.httpclient", "wget", "curl",
};

/* A download word used as code within span bytes of [lo, hi). */
static bool download_near(const uint8_t *t, size_t n, size_t lo, size_t hi, size_t span)
{
	size_t s = lo > span ? lo - span : 0, e = MM_MIN(n, hi + span);

	for (size_t k = 0; k < MM_ARRAY_SIZE(download_words); k++) {
		const char *w = download_words[k];
		size_t wl = strlen(w), i = s;
		while (i < e) {
			const uint8_t *p = find_word(t + i, e - i, w);
			size_t at;
			if (!p)
				break;
			at = (size_t)(p - t);
			if (code_occurrence(t, n, at, wl))
				return true;
			i = at + 1;
		}
	}
	return false;
}

/* An IEX call with a download next to it (the classic cradle). */
static bool cradle_in(const uint8_t *t, size_t n)
{
	for (size_t k = 0; k < MM_ARRAY_SIZE(iex_words); k++) {
		size_t wl = strlen(iex_words[k]), i = 0;
		unsigned seen = 0;
		while (i < n && seen < 256) {
			const uint8_t *p = find_word(t + i, n - i, iex_words[k]);
			size_t at;
			if (!p)
				break;
			at = (size_t)(p - t);
			seen++;
			if (iex_call(t, n, at, wl) && download_near(t, n, at, at + wl, 512))
				return true;
			i = at + 1;
		}
	}
	return false;
}

unsigned ps_flags_of(const char *text, size_t len)
{
	struct next_of sw = { { '-', '/', 0 }, 2, { false, false, false }, { 0, 0, 0 } };
	unsigned f = 0;

	for (size_t i = 0; i + 1 < len; i++) {
		size_t j, w = 0, k;
		const char *word;

		i = next_of(&sw, text, len, i);
		if (i + 1 >= len)
			break;
		if (!(text[i] == '-' || text[i] == '/') || (i > 0 && !strchr(" \t\"'", text[i - 1])))
			continue;
		j = i + 1;
		while (j + w < len && w < 20 && ((text[j + w] | 0x20) >= 'a' && (text[j + w] | 0x20) <= 'z'))
			w++;
		if (w == 0)
			continue;
		word = text + j;
		k = skip_ws(text, len, j + w);
		if (w >= 1 && w <= 11 && strncasecmp(word, "windowstyle", w) == 0 &&
		    (ci_prefix(text + k, len - k, "hidden") || ci_prefix(text + k, len - k, "1")))
			f |= PS_I_HIDDEN;
		else if (w >= 3 && w <= 9 && strncasecmp(word, "noprofile", w) == 0)
			f |= PS_I_NOPROFILE;
		else if (w >= 4 && w <= 14 && strncasecmp(word, "noninteractive", w) == 0)
			f |= PS_I_NONINTERACTIVE;
		else if (((w >= 2 && w <= 15 && strncasecmp(word, "executionpolicy", w) == 0) ||
			  (w == 2 && strncasecmp(word, "ep", 2) == 0)) &&
			 (ci_prefix(text + k, len - k, "bypass") ||
			  ci_prefix(text + k, len - k, "unrestricted")))
			f |= PS_I_BYPASS;
		i = j + w - 1;
	}
	return f;
}


static const char *const miner_words[] = {
	"stratum+tcp://", "stratum+ssl://", "stratum+tls://", "xmrig", "--donate-level",
	"minerd", "cryptonight", "nicehash", "nanopool.org", "supportxmr", "moneroocean",
	"xmr-stak", "randomx",
};

/*
 * The words looked for in every layer, in the order of their bits in the
 * ps_words_fn mask. A word whose bit is clear is absent from the layer, so
 * its search is skipped: the answer is the same, only cheaper.
 */
enum {
	W_IEX, W_INVOKE_EXPRESSION,
	W_DL_FIRST,	/* download_words[], in order */
	W_START_PROCESS = W_DL_FIRST + 14, W_INVOKE_ITEM, W_SAPS,
	W_POWERSHELL, W_POWERSHELL_EXE, W_PWSH,
	W_REGISTER_TASK, W_NEW_TASK_ACTION, W_NEW_TASK_TRIGGER, W_SCHTASKS, W_SCHTASKS_EXE,
	W_MINER_FIRST,	/* miner_words[], in order */
	W_COUNT = W_MINER_FIRST + 13
};

const char *const ps_words[PS_N_WORDS] = {
	"iex", "invoke-expression",
	"net.webclient", "downloadstring", "downloaddata", "downloadfile", "invoke-webrequest",
	"iwr", "invoke-restmethod", "irm", "start-bitstransfer", "bitsadmin", "xmlhttp",
	"net.http.httpclient", "wget", "curl",
	"start-process", "invoke-item", "saps",
	"powershell", "powershell.exe", "pwsh",
	"register-scheduledtask", "new-scheduledtaskaction", "new-scheduledtasktrigger",
	"schtasks", "schtasks.exe",
	"stratum+tcp://", "stratum+ssl://", "stratum+tls://", "xmrig", "--donate-level",
	"minerd", "cryptonight", "nicehash", "nanopool.org", "supportxmr", "moneroocean",
	"xmr-stak", "randomx",
};

_Static_assert(W_COUNT == PS_N_WORDS, "ps_words[] and its enum differ");
_Static_assert(sizeof(download_words) / sizeof(download_words[0]) == W_START_PROCESS - W_DL_FIRST,
	       "download_words[] is a slice of ps_words[]");
_Static_assert(sizeof(miner_words) / sizeof(miner_words[0]) == W_COUNT - W_MINER_FIRST,
	       "miner_words[] is a slice of ps_words[]");
_Static_assert(PS_N_WORDS <= 64, "one bit per word");

/* find_word() of word k, skipped when the mask says it is absent */
static const uint8_t *fw(const uint8_t *t, size_t n, uint64_t have, unsigned k)
{
	if (!(have & (UINT64_C(1) << k)))
		return NULL;
	return find_word(t, n, ps_words[k]);
}

void ps_indicators(const struct ps_result *r, struct ps_findings *f)
{
	ps_indicators_with(r, f, NULL, NULL);
}

void ps_indicators_with(const struct ps_result *r, struct ps_findings *f, ps_words_fn *words,
			void *arg)
{
	unsigned here_of[PS_MAX_LAYERS];

	memset(here_of, 0, sizeof here_of);
	memset(f, 0, sizeof *f);
	f->cradle_layer = -1;
	f->schtask_layer = -1;
	for (unsigned li = 0; li < r->nlayers; li++) {
		const struct ps_layer *L = &r->layers[li];
		const uint8_t *t = (const uint8_t *)r->text.ptr + L->off;
		size_t n = L->len;
		unsigned here = 0;
		uint64_t have;

		if (L->binary)
			continue;
		if (L->how == PS_HOW_ENCODED_COMMAND || L->how == PS_HOW_FROM_BASE64 ||
		    L->how == PS_HOW_FROM_BASE64_GZIP || L->how == PS_HOW_FROM_BASE64_DEFLATE)
			f->ind |= PS_I_ENCODED;
		if (L->how == PS_HOW_FROM_BASE64_GZIP || L->how == PS_HOW_FROM_BASE64_DEFLATE)
			f->ind |= PS_I_COMPRESSED;
		have = words ? words(arg, t, n) : ~UINT64_C(0);
		if (fw(t, n, have, W_IEX) || fw(t, n, have, W_INVOKE_EXPRESSION))
			here |= PS_I_IEX;
		for (unsigned k = 0; k < MM_ARRAY_SIZE(download_words); k++)
			if (fw(t, n, have, W_DL_FIRST + k)) {
				here |= PS_I_DOWNLOAD;
				break;
			}
		if (fw(t, n, have, W_START_PROCESS) || fw(t, n, have, W_INVOKE_ITEM) ||
		    fw(t, n, have, W_SAPS))
			here |= PS_I_START;
		if (fw(t, n, have, W_POWERSHELL) || fw(t, n, have, W_POWERSHELL_EXE) ||
		    fw(t, n, have, W_PWSH))
			here |= PS_I_POWERSHELL;
		if (fw(t, n, have, W_REGISTER_TASK) || fw(t, n, have, W_NEW_TASK_ACTION) ||
		    fw(t, n, have, W_NEW_TASK_TRIGGER)) {
			here |= PS_I_SCHTASK;
		} else {
			const uint8_t *s = fw(t, n, have, W_SCHTASKS);
			if (!s)
				s = fw(t, n, have, W_SCHTASKS_EXE);
			if (s) {
				size_t at = (size_t)(s - t), span = MM_MIN(n - at, (size_t)200);
				if (files_memcasemem(s, span, "/create", 7) ||
				    files_memcasemem(s, span, "-create", 7))
					here |= PS_I_SCHTASK;
			}
		}
		for (unsigned k = 0; k < MM_ARRAY_SIZE(miner_words); k++)
			if ((have & (UINT64_C(1) << (W_MINER_FIRST + k))) &&
			    files_memcasemem(t, n, miner_words[k], strlen(miner_words[k]))) {
				here |= PS_I_MINER;
				break;
			}
		here |= ps_flags_of((const char *)t, n);
		/* special-character and whitespace encodings leave almost no
		 * letters: a script of symbols that still invokes something */
		if (n >= 256) {
			size_t k = MM_MIN(n, (size_t)65536), al = 0;
			/* counted in blocks, until the letters are a fifth:
			 * ordinary text is decided in its first lines */
			for (size_t x = 0; x < k && al * 5 < k;) {
				size_t e = MM_MIN(k, x + 256);
				for (; x < e; x++)
					al += is_alnum(t[x]) && t[x] != '_';
			}
			if (al * 5 < k && (files_memcasemem(t, k, "${", 2) || (here & PS_I_IEX) ||
					   files_memcasemem(t, k, "|&", 2) || files_memcasemem(t, k, "| &", 3) ||
					   files_memcasemem(t, k, "|  &", 4)))
				here |= PS_I_SYMBOLS;
		}
		/* a cradle: IEX called next to a download in this layer; or a
		 * decoded layer that downloads under an IEX of its parent; or a
		 * DownloadFile next to Start-Process */
		if ((here & PS_I_DOWNLOAD) &&
		    (cradle_in(t, n) ||
		     (L->parent >= 0 && (f->ind & PS_I_IEX) && L->how != PS_HOW_DEOBFUSCATE) ||
		     ((here & PS_I_START) && find_word(t, n, "downloadfile")))) {
			here |= PS_I_CRADLE;
			if (f->cradle_layer < 0)
				f->cradle_layer = (int)li;
		}
		/* string building that only changed cosmetics (markdown backticks,
		 * 'a' + 'b' in a report) is no obfuscation; one that spells a
		 * command the parent did not show is */
		if (L->how == PS_HOW_DEOBFUSCATE && L->parent >= 0 &&
		    (here & ~here_of[L->parent] & (PS_I_IEX | PS_I_DOWNLOAD | PS_I_SCHTASK |
						   PS_I_START | PS_I_CRADLE)))
			here |= PS_I_OBFUSCATED;
		here_of[li] = here;
		if (li == 0)
			f->ind_input = here;
		if ((here & PS_I_SCHTASK) && f->schtask_layer < 0)
			f->schtask_layer = (int)li;
		if (!f->url && li > 0) {
			const uint8_t *u = files_memcasemem(t, n, "http", 4);
			while (u && !(ci_prefix((const char *)u, n - (size_t)(u - t), "http://") ||
				      ci_prefix((const char *)u, n - (size_t)(u - t), "https://")))
				u = files_memcasemem(u + 4, n - (size_t)(u + 4 - t), "http", 4);
			if (u) {
				size_t ul = 0, rem = n - (size_t)(u - t);
				while (ul < rem && ul < 512 && u[ul] > 0x20 && !strchr("'\")", u[ul]))
					ul++;
				f->url = (const char *)u;
				f->url_len = ul;
			}
		}
		f->ind |= here;
	}
	/* a cradle split across layers: IEX outside, the download inside */
	if ((f->ind & PS_I_IEX) && (f->ind & PS_I_DOWNLOAD) && !(f->ind & PS_I_CRADLE) &&
	    (f->ind & PS_I_ENCODED)) {
		f->ind |= PS_I_CRADLE;
		f->cradle_layer = (int)r->nlayers - 1;
	}
}

const char *ps_indicator_name(unsigned bit)
{
	switch (bit) {
	case PS_I_IEX: return "invoke_expression";
	case PS_I_DOWNLOAD: return "download";
	case PS_I_CRADLE: return "download_cradle";
	case PS_I_SCHTASK: return "scheduled_task";
	case PS_I_HIDDEN: return "hidden_window";
	case PS_I_NOPROFILE: return "no_profile";
	case PS_I_BYPASS: return "execution_policy_bypass";
	case PS_I_NONINTERACTIVE: return "non_interactive";
	case PS_I_ENCODED: return "encoded_payload";
	case PS_I_OBFUSCATED: return "obfuscated_strings";
	case PS_I_MINER: return "miner_strings";
	case PS_I_POWERSHELL: return "invokes_powershell";
	case PS_I_COMPRESSED: return "compressed_payload";
	case PS_I_START: return "starts_process";
	case PS_I_SYMBOLS: return "symbol_or_whitespace_encoding";
	default: return NULL;
	}
}
