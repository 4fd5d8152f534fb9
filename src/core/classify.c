/*
 * classify.c — what an input is, from its first bytes (see classify.h).
 *
 * Purpose: `mamori scan` routes every input by content, never by name, so
 * this runs once per input on up to MM_CLASSIFY_HEAD bytes the pipeline has
 * already read. It is pure: it reads only head[0..head_len) (never past it;
 * head_len above MM_CLASSIFY_HEAD is cut to MM_CLASSIFY_HEAD so results do
 * not depend on how much a caller read), allocates nothing except in the
 * JSON-lines confirmation (jansson, only for text starting with '{'), and
 * keeps no state. Safe on any bytes.
 *
 * Order: fixed-offset magic numbers first (the most specific; a container
 * or executable is never re-read as text), then the journald export format
 * (it may hold binary fields), then UTF-16 text (transcoded into a stack
 * buffer and examined as UTF-8), then the text kinds from the most
 * structured to the least, once the head is known to be mostly printable:
 * JSON lines, JSON, HTML, script with "#!", e-mail, auditd, syslog, script
 * by markers (one strong marker such as "$env:" or "@echo off", or two
 * lines opening like code), INI, plain text. Anything else non-empty is
 * binary; an empty head of a non-empty input is "unknown".
 *
 * "complete" below means the head is the whole input (total_size <=
 * head_len): only then does a last line without a newline count as a line.
 *
 * Threading: pure and thread-safe.
 */
#include "core/compat.h"
#include "core/classify.h"

#include <jansson.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

static const char *const kind_names[MM_KIND_COUNT] = {
#define MM_KIND_NAME(name, text) text,
	MM_KIND_MAP(MM_KIND_NAME)
#undef MM_KIND_NAME
};

const char *mm_kind_name(enum mm_kind k)
{
	if ((unsigned)k >= MM_KIND_COUNT)
		return "unknown";
	return kind_names[k];
}

int mm_kind_parse(const char *name)
{
	if (!name)
		return -1;
	for (int i = 0; i < MM_KIND_COUNT; i++)
		if (strcmp(name, kind_names[i]) == 0)
			return i;
	return -1;
}

/* ---- bounded readers ---- */

static bool has(const uint8_t *h, size_t n, size_t off, const void *magic, size_t len)
{
	return off <= n && len <= n - off && memcmp(h + off, magic, len) == 0;
}

static uint32_t rd_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint32_t rd_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

static uint8_t lower(uint8_t c)
{
	return c >= 'A' && c <= 'Z' ? (uint8_t)(c + 32) : c;
}

static bool is_digit(uint8_t c)
{
	return c >= '0' && c <= '9';
}

static bool is_hex(uint8_t c)
{
	return is_digit(c) || (lower(c) >= 'a' && lower(c) <= 'f');
}

static bool is_space(uint8_t c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v';
}

/* Case-insensitive: does p[0..n) start with the lowercase literal s? */
static bool ci_prefix(const uint8_t *p, size_t n, const char *s)
{
	size_t len = strlen(s);

	if (len > n)
		return false;
	for (size_t i = 0; i < len; i++)
		if (lower(p[i]) != (uint8_t)s[i])
			return false;
	return true;
}

/* Case-insensitive search of the lowercase literal s in p[0..n). */
static bool ci_find(const uint8_t *p, size_t n, const char *s)
{
	size_t len = strlen(s);
	uint8_t first = (uint8_t)s[0];

	if (len > n)
		return false;
	for (size_t i = 0; i + len <= n; i++)
		if (lower(p[i]) == first && ci_prefix(p + i, n - i, s))
			return true;
	return false;
}

/* ---- lines ---- */

struct lines {
	const uint8_t *p;
	size_t n, pos;
	bool complete;
};

/* Next line without its "\n" or "\r\n"; false at the end. An unterminated
 * last line counts only when the head is the whole input. */
static bool next_line(struct lines *l, const uint8_t **line, size_t *len)
{
	const uint8_t *nl;
	size_t rest;

	if (l->pos >= l->n)
		return false;
	rest = l->n - l->pos;
	nl = memchr(l->p + l->pos, '\n', rest);
	if (!nl) {
		if (!l->complete)
			return false;
		*line = l->p + l->pos;
		*len = rest;
		l->pos = l->n;
	} else {
		*line = l->p + l->pos;
		*len = (size_t)(nl - *line);
		l->pos += *len + 1;
	}
	if (*len && (*line)[*len - 1] == '\r')
		(*len)--;
	return true;
}

static size_t skip_ws(const uint8_t *p, size_t n, size_t i)
{
	while (i < n && is_space(p[i]))
		i++;
	return i;
}

/* ---- binary formats ---- */

static bool is_pe(const uint8_t *h, size_t n)
{
	uint32_t lfanew;

	if (!has(h, n, 0, "MZ", 2) || n < 0x40)
		return false;
	lfanew = rd_le32(h + 0x3c);
	return lfanew >= 0x40 && lfanew <= n - 4 && memcmp(h + lfanew, "PE\0\0", 4) == 0;
}

static bool is_macho(const uint8_t *h, size_t n)
{
	uint32_t m, nfat;

	if (n < 8)
		return false;
	m = rd_be32(h);
	if (m == 0xfeedface || m == 0xfeedfacf || m == 0xcefaedfe || m == 0xcffaedfe)
		return true;
	if (m == 0xcafebabe || m == 0xcafebabf) {
		/* Java class files share CAFEBABE: their version (>= 45) sits
		 * where a fat header has its small architecture count */
		nfat = rd_be32(h + 4);
		return nfat >= 1 && nfat < 20;
	}
	if (m == 0xbebafeca || m == 0xbfbafeca) {
		nfat = rd_le32(h + 4);
		return nfat >= 1 && nfat < 20;
	}
	return false;
}

static bool is_pcap(const uint8_t *h, size_t n)
{
	uint32_t m;

	if (n < 4)
		return false;
	m = rd_be32(h);
	if (m == 0xa1b2c3d4 || m == 0xa1b23c4d)
		return n < 6 || (h[4] == 0 && h[5] == 2);
	if (m == 0xd4c3b2a1 || m == 0x4d3cb2a1)
		return n < 6 || (h[4] == 2 && h[5] == 0);
	return false;
}

static bool is_pcapng(const uint8_t *h, size_t n)
{
	return has(h, n, 0, "\x0a\x0d\x0d\x0a", 4) &&
	       (has(h, n, 8, "\x1a\x2b\x3c\x4d", 4) || has(h, n, 8, "\x4d\x3c\x2b\x1a", 4));
}

static bool is_pow2_page(uint32_t v)
{
	return v >= 512 && v <= 65536 && (v & (v - 1)) == 0;
}

/* Berkeley DB metadata page: magic at 12, version at 16, page size at 20. */
static bool is_bdb(const uint8_t *h, size_t n)
{
	static const uint8_t le_btree[4] = { 0x62, 0x31, 0x05, 0x00 };
	static const uint8_t be_btree[4] = { 0x00, 0x05, 0x31, 0x62 };
	static const uint8_t le_hash[4] = { 0x61, 0x15, 0x06, 0x00 };
	static const uint8_t be_hash[4] = { 0x00, 0x06, 0x15, 0x61 };
	uint32_t version, page;

	if (n < 24)
		return false;
	if (has(h, n, 12, le_btree, 4) || has(h, n, 12, le_hash, 4)) {
		version = rd_le32(h + 16);
		page = rd_le32(h + 20);
	} else if (has(h, n, 12, be_btree, 4) || has(h, n, 12, be_hash, 4)) {
		version = rd_be32(h + 16);
		page = rd_be32(h + 20);
	} else {
		return false;
	}
	return version >= 1 && version <= 20 && is_pow2_page(page);
}

static bool is_tar(const uint8_t *h, size_t n)
{
	uint64_t want = 0, sum = 0;
	size_t i;
	bool digit = false;

	if (has(h, n, 257, "ustar", 5))
		return true;
	/* old (v7) tar: the header checksum must hold */
	if (n < 512 || h[0] == 0)
		return false;
	for (i = 148; i < 156 && h[i] == ' '; i++)
		;
	for (; i < 156 && h[i] >= '0' && h[i] <= '7'; i++) {
		want = want * 8 + (uint64_t)(h[i] - '0');
		digit = true;
	}
	if (!digit || (i < 156 && h[i] != ' ' && h[i] != 0))
		return false;
	for (i = 0; i < 512; i++)
		sum += (i >= 148 && i < 156) ? ' ' : h[i];
	return sum == want;
}

static bool is_pdf(const uint8_t *h, size_t n)
{
	size_t lim = MM_MIN(n, (size_t)1024);
	const uint8_t *p = h, *end = h + lim;

	/* readers accept the header anywhere in the first 1024 bytes; memchr
	 * finds the candidates (this runs on every input) */
	while (end - p >= 7 && (p = memchr(p, '%', (size_t)(end - p))) != NULL && end - p >= 7) {
		if (memcmp(p, "%PDF-", 5) == 0 && is_digit(p[5]) && p[6] == '.')
			return true;
		p++;
	}
	return false;
}

static enum mm_kind magic_kind(const uint8_t *h, size_t n)
{
	static const uint8_t lnk[20] = { 0x4c, 0, 0, 0, 0x01, 0x14, 0x02, 0, 0, 0, 0, 0,
					 0xc0, 0, 0, 0, 0, 0, 0, 0x46 };

	if (is_pcap(h, n))
		return MM_KIND_PCAP;
	if (is_pcapng(h, n))
		return MM_KIND_PCAPNG;
	if (has(h, n, 0, "ElfFile\0", 8))
		return MM_KIND_EVTX;
	if (is_pe(h, n))
		return MM_KIND_PE;
	/* a DOS/MZ executable without a PE header in the head, or a PE whose
	 * header lies further than the head: a binary, never text */
	if (has(h, n, 0, "MZ", 2))
		return MM_KIND_BINARY;
	if (has(h, n, 0, "\x7f" "ELF", 4) && (n < 5 || h[4] == 1 || h[4] == 2))
		return MM_KIND_ELF;
	if (is_macho(h, n))
		return MM_KIND_MACHO;
	if (has(h, n, 0, "PK\x03\x04", 4) || has(h, n, 0, "PK\x05\x06", 4) ||
	    has(h, n, 0, "PK\x07\x08PK\x03\x04", 8))
		return MM_KIND_ZIP;
	if (has(h, n, 0, "\x1f\x8b\x08", 3))
		return MM_KIND_GZIP;
	if (has(h, n, 0, "BZh", 3) && n > 3 && h[3] >= '1' && h[3] <= '9')
		return MM_KIND_BZIP2;
	if (has(h, n, 0, "\xfd" "7zXZ\0", 6))
		return MM_KIND_XZ;
	if (has(h, n, 0, "\x28\xb5\x2f\xfd", 4))
		return MM_KIND_ZSTD;
	if (has(h, n, 0, "7z\xbc\xaf\x27\x1c", 6))
		return MM_KIND_SEVENZ;
	if (has(h, n, 0, "Rar!\x1a\x07\x00", 7) || has(h, n, 0, "Rar!\x1a\x07\x01\x00", 8))
		return MM_KIND_RAR;
	if (has(h, n, 0, "MSCF\0\0\0\0", 8))
		return MM_KIND_CAB;
	if (has(h, n, 0, "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", 8))
		return MM_KIND_OLE;
	if (has(h, n, 0, lnk, sizeof lnk))
		return MM_KIND_LNK;
	if (has(h, n, 0, "SQLite format 3\0", 16))
		return MM_KIND_SQLITE;
	if (has(h, n, 0, "dex\n", 4) && n >= 8 && is_digit(h[4]) && is_digit(h[5]) &&
	    is_digit(h[6]) && h[7] == 0)
		return MM_KIND_DEX;
	if (has(h, n, 0, "\0asm\x01\0\0\0", 8))
		return MM_KIND_WASM;
	if (is_bdb(h, n))
		return MM_KIND_BDB;
	if (is_tar(h, n))
		return MM_KIND_TAR;
	if (is_pdf(h, n))
		return MM_KIND_PDF;
	return MM_KIND_UNKNOWN;
}

/* ---- text ---- */

/* True when the 8 bytes at p are all ASCII (< 0x80). */
static bool swar_ascii(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return (v & UINT64_C(0x8080808080808080)) == 0;
}

/* ASCII byte classes for looks_text: 1 = a control that text does not
 * hold, 2 = NUL; whitespace, ESC and printable bytes are 0. */
static const uint8_t ascii_class[256] = {
	[0x00] = 2, [0x01] = 1, [0x02] = 1, [0x03] = 1, [0x04] = 1, [0x05] = 1,
	[0x06] = 1, [0x07] = 1, [0x08] = 1, [0x0e] = 1, [0x0f] = 1, [0x10] = 1,
	[0x11] = 1, [0x12] = 1, [0x13] = 1, [0x14] = 1, [0x15] = 1, [0x16] = 1,
	[0x17] = 1, [0x18] = 1, [0x19] = 1, [0x1a] = 1, [0x1c] = 1, [0x1d] = 1,
	[0x1e] = 1, [0x1f] = 1,
};

/* Length of a valid UTF-8 sequence at p (p[0] >= 0x80), 0 if invalid,
 * -1 if it is a valid start cut by the end of the buffer. */
static int utf8_seq(const uint8_t *p, size_t n)
{
	uint8_t c = p[0], lo = 0x80, hi = 0xbf;
	int len;

	if (c >= 0xc2 && c <= 0xdf) {
		len = 2;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		lo = c == 0xe0 ? 0xa0 : 0x80;
		hi = c == 0xed ? 0x9f : 0xbf;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		lo = c == 0xf0 ? 0x90 : 0x80;
		hi = c == 0xf4 ? 0x8f : 0xbf;
	} else {
		return 0;
	}
	for (int i = 1; i < len; i++) {
		if ((size_t)i >= n)
			return -1;
		if (p[i] < (i == 1 ? lo : 0x80) || p[i] > (i == 1 ? hi : 0xbf))
			return 0;
	}
	return len;
}

/*
 * Mostly printable: no NUL, and control characters (other than whitespace
 * and ESC) plus bytes that are not valid UTF-8 make up at most 1 in 20
 * (old logs in Latin-1 still count as text).
 */
static bool looks_text(const uint8_t *p, size_t n, bool complete)
{
	size_t bad = 0;

	if (n == 0)
		return false;
	for (size_t i = 0; i < n;) {
		uint8_t c = p[i];
		/* eight ASCII bytes at a time: count the bad controls without
		 * branching (tab, CR and LF are common in text) */
		if (n - i >= 8 && swar_ascii(p + i)) {
			unsigned flags = 0;
			for (int k = 0; k < 8; k++)
				flags |= ascii_class[p[i + k]];
			if (flags & 2)
				return false;	/* NUL */
			if (flags & 1)
				for (int k = 0; k < 8; k++)
					bad += ascii_class[p[i + k]] & 1;
			i += 8;
			continue;
		}
		if (c >= 0x20 && c < 0x80) {
			i++;
			continue;
		}
		if (c == 0)
			return false;
		if (c < 0x20) {
			if (!is_space(c) && c != 0x1b)
				bad++;
			i++;
			continue;
		}
		int len = utf8_seq(p + i, n - i);
		if (len > 0) {
			i += (size_t)len;
		} else if (len < 0 && !complete) {
			break;	/* a character cut by the end of the head */
		} else {
			bad++;
			i++;
		}
	}
	return bad * 20 <= n;
}

/* JSON: a bounded recursive-descent check that the text is one JSON value,
 * or a prefix of one. */
enum { JP_OK, JP_EOF, JP_BAD };
#define JP_MAX_DEPTH 64

struct jp {
	const uint8_t *p;
	size_t n, i;
	int depth;
};

static int jp_value(struct jp *j);

static void jp_ws(struct jp *j)
{
	j->i = skip_ws(j->p, j->n, j->i);
}

static int jp_lit(struct jp *j, const char *lit)
{
	for (; *lit; lit++, j->i++) {
		if (j->i >= j->n)
			return JP_EOF;
		if (j->p[j->i] != (uint8_t)*lit)
			return JP_BAD;
	}
	return JP_OK;
}

static int jp_digits(struct jp *j)
{
	if (j->i >= j->n)
		return JP_EOF;
	if (!is_digit(j->p[j->i]))
		return JP_BAD;
	while (j->i < j->n && is_digit(j->p[j->i]))
		j->i++;
	return j->i >= j->n ? JP_EOF : JP_OK;
}

static int jp_number(struct jp *j)
{
	int r;

	if (j->p[j->i] == '-')
		j->i++;
	if ((r = jp_digits(j)) != JP_OK)
		return r;
	if (j->p[j->i] == '.') {
		j->i++;
		if ((r = jp_digits(j)) != JP_OK)
			return r;
	}
	if (j->p[j->i] == 'e' || j->p[j->i] == 'E') {
		j->i++;
		if (j->i < j->n && (j->p[j->i] == '+' || j->p[j->i] == '-'))
			j->i++;
		if ((r = jp_digits(j)) != JP_OK)
			return r;
	}
	return JP_OK;
}

static int jp_string(struct jp *j)
{
	j->i++;	/* the opening quote */
	while (j->i < j->n) {
		uint8_t c = j->p[j->i++];
		if (c == '"')
			return JP_OK;
		if (c < 0x20)
			return JP_BAD;
		if (c != '\\')
			continue;
		if (j->i >= j->n)
			return JP_EOF;
		c = j->p[j->i++];
		if (c == 'u') {
			for (int k = 0; k < 4; k++, j->i++) {
				if (j->i >= j->n)
					return JP_EOF;
				if (!is_hex(j->p[j->i]))
					return JP_BAD;
			}
		} else if (c == 0 || !strchr("\"\\/bfnrt", c)) {
			return JP_BAD;
		}
	}
	return JP_EOF;
}

static int jp_container(struct jp *j, uint8_t close)
{
	int r;

	if (++j->depth > JP_MAX_DEPTH)
		return JP_BAD;
	j->i++;
	jp_ws(j);
	if (j->i >= j->n)
		return JP_EOF;
	if (j->p[j->i] == close) {
		j->i++;
		j->depth--;
		return JP_OK;
	}
	for (;;) {
		jp_ws(j);
		if (j->i >= j->n)
			return JP_EOF;
		if (close == '}') {
			if (j->p[j->i] != '"')
				return JP_BAD;
			if ((r = jp_string(j)) != JP_OK)
				return r;
			jp_ws(j);
			if (j->i >= j->n)
				return JP_EOF;
			if (j->p[j->i++] != ':')
				return JP_BAD;
		}
		if ((r = jp_value(j)) != JP_OK)
			return r;
		jp_ws(j);
		if (j->i >= j->n)
			return JP_EOF;
		if (j->p[j->i] == close) {
			j->i++;
			j->depth--;
			return JP_OK;
		}
		if (j->p[j->i++] != ',')
			return JP_BAD;
	}
}

static int jp_value(struct jp *j)
{
	jp_ws(j);
	if (j->i >= j->n)
		return JP_EOF;
	switch (j->p[j->i]) {
	case '{': return jp_container(j, '}');
	case '[': return jp_container(j, ']');
	case '"': return jp_string(j);
	case 't': return jp_lit(j, "true");
	case 'f': return jp_lit(j, "false");
	case 'n': return jp_lit(j, "null");
	default:
		if (j->p[j->i] == '-' || is_digit(j->p[j->i]))
			return jp_number(j);
		return JP_BAD;
	}
}

enum { JSON_NOT, JSON_PREFIX, JSON_WHOLE, JSON_TRAILING };

static int json_check(const uint8_t *p, size_t n)
{
	struct jp j = { p, n, 0, 0 };
	int r = jp_value(&j);

	if (r == JP_EOF)
		return JSON_PREFIX;
	if (r == JP_BAD)
		return JSON_NOT;
	jp_ws(&j);
	return j.i >= n ? JSON_WHOLE : JSON_TRAILING;
}

/* Concatenated documents ("{...}\n{...}", as some exporters write
 * pretty-printed events): every value in the head is an object or an
 * array, all complete except perhaps the last. */
static bool json_stream(const uint8_t *p, size_t n)
{
	struct jp j = { p, n, 0, 0 };
	int values = 0, r;

	for (;;) {
		jp_ws(&j);
		if (j.i >= n)
			return values >= 2;
		if (p[j.i] != '{' && p[j.i] != '[')
			return false;
		r = jp_value(&j);
		if (r == JP_BAD)
			return false;
		values++;
		if (r == JP_EOF)
			return values >= 2;
	}
}

/* At least two complete lines, each one JSON object (confirmed by jansson
 * for the first few), and no line that is something else. */
static bool is_jsonl(const uint8_t *p, size_t n, bool complete)
{
	struct lines l = { p, n, 0, complete };
	const uint8_t *line;
	size_t len, objects = 0;

	while (next_line(&l, &line, &len) && objects < 16) {
		size_t s = skip_ws(line, len, 0);
		json_t *v;
		if (s == len)
			continue;
		if (line[s] != '{' || json_check(line + s, len - s) != JSON_WHOLE)
			return false;
		if (objects < 4) {
			v = json_loadb((const char *)line + s, len - s, 0, NULL);
			if (!json_is_object(v)) {
				json_decref(v);
				return false;
			}
			json_decref(v);
		}
		objects++;
	}
	return objects >= 2;
}

static bool is_html(const uint8_t *p, size_t n)
{
	static const char *const tags[] = {
		"<!doctype html", "<html", "<head", "<body", "<script", "<iframe",
		"<meta", "<title", "<style", "<div", "<form", "<!--",
	};
	size_t i = skip_ws(p, n, 0);

	for (size_t t = 0; t < MM_ARRAY_SIZE(tags); t++) {
		size_t len = strlen(tags[t]);
		if (!ci_prefix(p + i, n - i, tags[t]))
			continue;
		if (t == MM_ARRAY_SIZE(tags) - 1)
			/* a leading comment: HTML only if a tag follows */
			return ci_find(p + i, n - i, "<html") || ci_find(p + i, n - i, "<head") ||
			       ci_find(p + i, n - i, "<body") || ci_find(p + i, n - i, "<script");
		/* the tag name must end there: "<html>" but not "<htmlfoo" */
		if (t == 0 || len == n - i || !((p[i + len] | 0x20) >= 'a' && (p[i + len] | 0x20) <= 'z'))
			return true;
	}
	return false;
}

/* An RFC 5322 header name: printable ASCII other than ':' and space. */
static size_t header_name(const uint8_t *line, size_t len)
{
	size_t i = 0;

	while (i < len && line[i] > ' ' && line[i] < 0x7f && line[i] != ':')
		i++;
	if (i == 0 || i >= len || line[i] != ':')
		return 0;
	return i;
}

static bool is_email(const uint8_t *p, size_t n, bool complete)
{
	static const char *const known[] = {
		"from", "to", "subject", "date", "received", "message-id",
		"mime-version", "return-path",
	};
	struct lines l = { p, n, 0, complete };
	const uint8_t *line;
	size_t len, count = 0, distinct = 0, bad = 0;
	unsigned seen = 0;
	bool first = true;

	while (next_line(&l, &line, &len)) {
		size_t name;
		if (first && len >= 5 && memcmp(line, "From ", 5) == 0) {
			first = false;	/* mbox separator */
			continue;
		}
		if (len == 0)
			break;	/* end of the header block */
		if ((line[0] == ' ' || line[0] == '\t') && !first)
			continue;	/* folded header */
		name = header_name(line, len);
		if (!name) {
			/* the first line must be a header; later, a few stray
			 * lines are tolerated (samples that lost their folding
			 * whitespace) */
			if (first || ++bad * 3 > count + 8)
				return false;
			continue;
		}
		first = false;
		count++;
		for (size_t k = 0; k < MM_ARRAY_SIZE(known); k++)
			if (strlen(known[k]) == name && ci_prefix(line, name, known[k]))
				seen |= 1u << k;
	}
	for (size_t k = 0; k < MM_ARRAY_SIZE(known); k++)
		distinct += (seen >> k) & 1;
	return count >= 2 && distinct >= 2 && bad * 3 <= count;
}

static bool is_auditd(const uint8_t *p, size_t n)
{
	size_t i = 0;

	if (has(p, n, 0, "node=", 5)) {
		while (i < n && p[i] != ' ' && p[i] != '\n')
			i++;
		if (i >= n || p[i] != ' ')
			return false;
		i++;
	}
	if (!has(p, n, i, "type=", 5))
		return false;
	i += 5;
	while (i < n && ((p[i] >= 'A' && p[i] <= 'Z') || p[i] == '_' || is_digit(p[i])))
		i++;
	return has(p, n, i, " msg=audit(", 11);
}

static bool is_journal_export(const uint8_t *p, size_t n)
{
	return has(p, n, 0, "__CURSOR=", 9) || has(p, n, 0, "__REALTIME_TIMESTAMP=", 21) ||
	       has(p, n, 0, "__MONOTONIC_TIMESTAMP=", 22);
}

/* "hh:mm:ss" */
static bool clock_at(const uint8_t *p, size_t len, size_t i)
{
	return i + 8 <= len && is_digit(p[i]) && is_digit(p[i + 1]) && p[i + 2] == ':' &&
	       is_digit(p[i + 3]) && is_digit(p[i + 4]) && p[i + 5] == ':' &&
	       is_digit(p[i + 6]) && is_digit(p[i + 7]);
}

/* " host prog[pid]: " or " host prog: " after the timestamp, at i. */
static bool host_tag_at(const uint8_t *p, size_t len, size_t i)
{
	size_t start;

	if (i >= len || p[i] != ' ')
		return false;
	start = ++i;
	while (i < len && p[i] > ' ' && p[i] < 0x7f)
		i++;
	if (i == start || i >= len || p[i] != ' ')
		return false;
	start = ++i;
	while (i < len && p[i] > ' ' && p[i] != ':' && p[i] != '[')
		i++;
	if (i == start || i >= len)
		return false;
	if (p[i] == '[') {
		size_t d = ++i;
		while (i < len && is_digit(p[i]))
			i++;
		if (i == d || i >= len || p[i] != ']')
			return false;
		i++;
	}
	return i < len && p[i] == ':';
}

static bool syslog_line(const uint8_t *p, size_t len)
{
	static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
	size_t i = 0;

	if (len && p[0] == '<') {
		/* <pri> */
		size_t d = 1;
		while (d < len && d < 4 && is_digit(p[d]))
			d++;
		if (d == 1 || d >= len || p[d] != '>')
			return false;
		i = d + 1;
		/* RFC 5424: "<pri>1 " */
		if (i + 2 <= len && p[i] == '1' && p[i + 1] == ' ')
			return true;
	}
	/* BSD: "Mmm dd hh:mm:ss host prog[pid]: msg" */
	if (i + 15 <= len) {
		for (size_t m = 0; m < 36; m += 3)
			if (memcmp(p + i, months + m, 3) == 0 && p[i + 3] == ' ' &&
			    (is_digit(p[i + 4]) || p[i + 4] == ' ') && is_digit(p[i + 5]) &&
			    p[i + 6] == ' ' && clock_at(p, len, i + 7))
				return host_tag_at(p, len, i + 15);
	}
	/* ISO: "2024-01-02T03:04:05[.frac][Z|+hh:mm] host prog: msg" */
	if (i + 19 <= len && is_digit(p[i]) && is_digit(p[i + 3]) && p[i + 4] == '-' &&
	    p[i + 7] == '-' && p[i + 10] == 'T' && clock_at(p, len, i + 11)) {
		i += 19;
		if (i < len && p[i] == '.') {
			i++;
			while (i < len && is_digit(p[i]))
				i++;
		}
		if (i < len && p[i] == 'Z') {
			i++;
		} else if (i + 6 <= len && (p[i] == '+' || p[i] == '-') && p[i + 3] == ':') {
			i += 6;
		}
		return host_tag_at(p, len, i);
	}
	return false;
}

/* The first line is syslog and so are most of the first few. */
static bool is_syslog(const uint8_t *p, size_t n, bool complete)
{
	struct lines l = { p, n, 0, complete };
	const uint8_t *line;
	size_t len, total = 0, good = 0;

	while (total < 8 && next_line(&l, &line, &len)) {
		if (len == 0)
			continue;
		bool ok = syslog_line(line, len);
		if (total == 0 && !ok)
			return false;
		total++;
		good += ok;
	}
	/* a single long first line cut by the head still counts */
	if (total == 0 && !complete)
		return syslog_line(p, n);
	return total > 0 && good * 2 > total;
}

#define ONES UINT64_C(0x0101010101010101)
#define HIGHS UINT64_C(0x8080808080808080)

/* Nonzero when some byte of x is zero. */
static uint64_t has_zero(uint64_t x)
{
	return (x - ONES) & ~x & HIGHS;
}

/* Does one of the 8 bytes at p equal '$', '-', '.', '(', '[' or '='? */
static bool swar_any_anchor(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return has_zero(v ^ (ONES * '$')) | has_zero(v ^ (ONES * '-')) |
	       has_zero(v ^ (ONES * '.')) | has_zero(v ^ (ONES * '(')) |
	       has_zero(v ^ (ONES * '[')) | has_zero(v ^ (ONES * '='));
}

/* The first index at or after i whose byte may be an anchor ('$', '-',
 * '.', '(', '[' or '='), or where fewer than 16 (SSE2) or 8 bytes are left
 * to look at; the caller tests the bytes from there one by one. */
static size_t skip_to_anchor(const uint8_t *p, size_t n, size_t i)
{
#if defined(__SSE2__)
	const __m128i c1 = _mm_set1_epi8('$'), c2 = _mm_set1_epi8('-'), c3 = _mm_set1_epi8('.');
	const __m128i c4 = _mm_set1_epi8('('), c5 = _mm_set1_epi8('['), c6 = _mm_set1_epi8('=');

	while (n - i >= 16) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)(p + i));
		__m128i m = _mm_or_si128(
			_mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, c1), _mm_cmpeq_epi8(v, c2)),
				     _mm_or_si128(_mm_cmpeq_epi8(v, c3), _mm_cmpeq_epi8(v, c4))),
			_mm_or_si128(_mm_cmpeq_epi8(v, c5), _mm_cmpeq_epi8(v, c6)));
		unsigned mask = (unsigned)_mm_movemask_epi8(m);

		if (mask)
			return i + (size_t)__builtin_ctz(mask);
		i += 16;
	}
#endif
	while (n - i >= 8 && !swar_any_anchor(p + i))
		i += 8;
	return i;
}

struct marker {
	const char *text;	/* lowercase */
	uint8_t len;
	uint8_t anchor;		/* index in text of a rare byte to look for;
				 * for line markers: 1 if strong */
};

#define MARKER(s, a) { s, sizeof(s) - 1, a }

/* Case-insensitive comparison of p[0..len) with a lowercase literal. */
static bool ci_eq(const uint8_t *p, const char *lit, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (lower(p[i]) != (uint8_t)lit[i])
			return false;
	return true;
}

/*
 * Detection-rule sources (YARA, Sigma) quote script markers in their
 * strings ("$s1 = ...", "Invoke-Expression"): a head that has a YARA rule
 * line with its meta:/strings:/condition: sections, or Sigma's title: with
 * logsource:/detection:, is text, not a script.
 */
static bool is_rule_source(const uint8_t *p, size_t n, bool complete)
{
	struct lines l = { p, n, 0, complete };
	const uint8_t *line;
	size_t len;
	bool yara_rule = false, yara_section = false, sigma_title = false, sigma_body = false;

	while (next_line(&l, &line, &len)) {
		size_t s = skip_ws(line, len, 0);
		const uint8_t *t = line + s;
		size_t tl = len - s;
		if (has(line, len, 0, "rule ", 5) || has(line, len, 0, "private rule ", 13) ||
		    has(line, len, 0, "global rule ", 12) || has(line, len, 0, "import \"", 8))
			yara_rule = true;
		else if (has(t, tl, 0, "meta:", 5) || has(t, tl, 0, "strings:", 8) ||
			 has(t, tl, 0, "condition:", 10))
			yara_section = true;
		else if (has(line, len, 0, "title:", 6))
			sigma_title = true;
		else if (has(line, len, 0, "logsource:", 10) || has(line, len, 0, "detection:", 10))
			sigma_body = true;
		if ((yara_rule && yara_section) || (sigma_title && sigma_body))
			return true;
	}
	return false;
}

static bool is_script(const uint8_t *p, size_t n, bool complete)
{
	/* markers anywhere (PowerShell, VBScript, WSH, JavaScript), grouped by
	 * their anchor byte: one pass looks only at anchor bytes. A strong
	 * marker makes a script; two weak ones (or weak line markers) do. */
	static const struct marker anywhere[] = {
		MARKER("$env:", 0), MARKER("${", 0),
		MARKER("invoke-expression", 6), MARKER("invoke-webrequest", 6),
		MARKER("invoke-command", 6), MARKER("new-object ", 3),
		MARKER("-encodedcommand", 0), MARKER("start-process ", 5),
		MARKER("set-itemproperty", 3), MARKER("new-itemproperty", 3),
		MARKER("register-scheduledtask", 8), MARKER("set-executionpolicy", 3),
		MARKER("-join", 0), MARKER("-bxor", 0),
		MARKER("wscript.", 7), MARKER("document.write(", 8),
		MARKER(".fromcharcode(", 0), MARKER("window.location", 6),
		MARKER("createobject(", 12), MARKER("frombase64string(", 16),
		MARKER("iex(", 3), MARKER("iex (", 4), MARKER("eval(", 4),
		MARKER("function(", 8), MARKER("function (", 9),
		MARKER("[system.convert]::", 0), MARKER("[char]", 0),
		MARKER("[scriptblock]::", 0),
		MARKER("=>", 0),
	};
	/* anchor byte -> 1 + index of its first marker above */
	static const uint8_t anchors[256] = {
		['$'] = 1, ['-'] = 3, ['.'] = 15, ['('] = 19, ['['] = 26, ['='] = 29,
	};
	/* weak markers: "function(", "function (", "=>" */
#define WEAK_ANYWHERE(k) ((k) == 23 || (k) == 24 || (k) == 28)
	/* markers that count at the start of a line, sorted by first byte;
	 * the third field marks those that open a script on their own */
	static const struct marker at_line[] = {
		MARKER("#requires", 0), MARKER("$", 0), MARKER("::", 0), MARKER("@echo off", 1),
		MARKER("cd /d ", 0), MARKER("const ", 0), MARKER("dim ", 0), MARKER("def ", 0),
		MARKER("end sub", 0), MARKER("end function", 0), MARKER("elif ", 0),
		MARKER("export ", 0), MARKER("function ", 0), MARKER("goto ", 0),
		MARKER("if exist ", 0), MARKER("import ", 0), MARKER("let ", 0),
		MARKER("on error resume next", 0), MARKER("param(", 1), MARKER("param (", 1),
		MARKER("rem ", 0), MARKER("set-", 0), MARKER("sub ", 0), MARKER("setlocal", 0),
		MARKER("var ", 0),
	};
	/* first byte -> 1 + index of its first marker in at_line */
	static const uint8_t line_first[256] = {
		['#'] = 1, ['$'] = 2, [':'] = 3, ['@'] = 4, ['c'] = 5, ['d'] = 7, ['e'] = 9,
		['f'] = 13, ['g'] = 14, ['i'] = 15, ['l'] = 17, ['o'] = 18, ['p'] = 19,
		['r'] = 21, ['s'] = 22, ['v'] = 25,
	};
	struct lines l = { p, n, 0, complete };
	const uint8_t *line;
	size_t len, weak = 0;

	if (has(p, n, 0, "#!", 2))
		return true;
	for (size_t i = 0; i < n; i++) {
		/* skip 16 (or 8) bytes at a time while none is an anchor */
		i = skip_to_anchor(p, n, i);
		if (i >= n)
			break;
		if (!anchors[p[i]])
			continue;
		for (size_t k = anchors[p[i]] - 1u; k < MM_ARRAY_SIZE(anywhere); k++) {
			const struct marker *m = &anywhere[k];
			if ((uint8_t)m->text[m->anchor] != p[i])
				break;
			if (i < m->anchor || n - (i - m->anchor) < m->len ||
			    !ci_eq(p + i - m->anchor, m->text, m->len))
				continue;
			if (!WEAK_ANYWHERE(k) || ++weak >= 2)
				return !is_rule_source(p, n, complete);
			break;
		}
	}
	while (next_line(&l, &line, &len)) {
		size_t s = skip_ws(line, len, 0);
		uint8_t c;
		if (s == len)
			continue;
		c = lower(line[s]);
		if (!line_first[c])
			continue;
		for (size_t k = line_first[c] - 1u; k < MM_ARRAY_SIZE(at_line) &&
		     (uint8_t)at_line[k].text[0] == c; k++) {
			const struct marker *m = &at_line[k];
			if (len - s < m->len || !ci_eq(line + s, m->text, m->len))
				continue;
			if (m->anchor)
				return !is_rule_source(p, n, complete);
			weak++;
			break;
		}
		if (weak >= 2)
			return !is_rule_source(p, n, complete);
	}
	return false;
#undef WEAK_ANYWHERE
}

/* autorun.inf style: the first meaningful line is "[section]", and the
 * lines are sections, key=value pairs, comments or blank. */
static bool is_ini(const uint8_t *p, size_t n, bool complete)
{
	struct lines l = { p, n, 0, complete };
	const uint8_t *line;
	size_t len, pairs = 0, other = 0, total = 0;
	bool section = false;

	while (next_line(&l, &line, &len)) {
		size_t s = skip_ws(line, len, 0), e = len;
		while (e > s && is_space(line[e - 1]))
			e--;
		if (s == e || line[s] == ';' || line[s] == '#')
			continue;
		total++;
		if (line[s] == '[' && line[e - 1] == ']' && e - s > 2) {
			section = true;
			continue;
		}
		if (!section)
			return false;
		const uint8_t *eq = memchr(line + s, '=', e - s);
		if (eq && eq > line + s)
			pairs++;
		else
			other++;
	}
	return section && pairs >= 1 && other * 10 <= total;
}

static enum mm_kind text_kind(const uint8_t *p, size_t n, bool complete)
{
	size_t s = skip_ws(p, n, 0);

	/* most inputs that are not text fail here at their first NUL */
	if (!looks_text(p, n, complete))
		return MM_KIND_BINARY;
	if (s < n && (p[s] == '{' || p[s] == '[')) {
		if (p[s] == '{' && is_jsonl(p + s, n - s, complete))
			return MM_KIND_JSONL;
		int r = json_check(p + s, n - s);
		/* a prefix: a long document cut by the head (or a truncated
		 * file, which the engine will report); several documents one
		 * after the other are JSON too */
		if (r == JSON_WHOLE || r == JSON_PREFIX ||
		    (r == JSON_TRAILING && json_stream(p + s, n - s)))
			return MM_KIND_JSON;
	}
	if (s < n && p[s] == '<' && is_html(p, n))
		return MM_KIND_HTML;
	if (has(p, n, 0, "#!", 2))
		return MM_KIND_SCRIPT;
	if (is_email(p, n, complete))
		return MM_KIND_EMAIL;
	if (is_auditd(p, n))
		return MM_KIND_AUDITD;
	if (is_syslog(p, n, complete))
		return MM_KIND_SYSLOG;
	if (is_script(p, n, complete))
		return MM_KIND_SCRIPT;
	if (is_ini(p, n, complete))
		return MM_KIND_INI;
	return MM_KIND_TEXT;
}

/* ---- UTF-16 ---- */

/* 0: not UTF-16; 1: little-endian; 2: big-endian. *skip: BOM length. */
static int utf16_order(const uint8_t *h, size_t n, size_t *skip)
{
	size_t pairs = 0, le = 0, be = 0;

	*skip = 0;
	if (has(h, n, 0, "\xff\xfe", 2)) {
		*skip = 2;
		return 1;
	}
	if (has(h, n, 0, "\xfe\xff", 2)) {
		*skip = 2;
		return 2;
	}
	/* no BOM: ASCII text in UTF-16 has a NUL in every other byte */
	for (size_t i = 0; i + 1 < MM_MIN(n, (size_t)256); i += 2) {
		pairs++;
		if (h[i + 1] == 0 && h[i] >= 0x09 && h[i] < 0x7f)
			le++;
		else if (h[i] == 0 && h[i + 1] >= 0x09 && h[i + 1] < 0x7f)
			be++;
	}
	if (pairs < 4)
		return 0;
	if (le * 10 >= pairs * 9)
		return 1;
	if (be * 10 >= pairs * 9)
		return 2;
	return 0;
}

/* Transcodes UTF-16 to UTF-8 (bad surrogates become U+FFFD); out must hold
 * 3 bytes per input code unit. Returns the length written. */
static size_t utf16_to_utf8(const uint8_t *h, size_t n, int order, uint8_t *out)
{
	size_t o = 0;

	for (size_t i = 0; i + 1 < n; i += 2) {
		uint32_t u = order == 1 ? (uint32_t)(h[i] | h[i + 1] << 8)
					: (uint32_t)(h[i] << 8 | h[i + 1]);
		if (u >= 0xd800 && u <= 0xdbff && i + 3 < n) {
			uint32_t lo = order == 1 ? (uint32_t)(h[i + 2] | h[i + 3] << 8)
						 : (uint32_t)(h[i + 2] << 8 | h[i + 3]);
			if (lo >= 0xdc00 && lo <= 0xdfff) {
				u = 0x10000 + ((u - 0xd800) << 10) + (lo - 0xdc00);
				i += 2;
			}
		}
		if (u >= 0xd800 && u <= 0xdfff)
			u = 0xfffd;
		if (u < 0x80) {
			out[o++] = (uint8_t)u;
		} else if (u < 0x800) {
			out[o++] = (uint8_t)(0xc0 | u >> 6);
			out[o++] = (uint8_t)(0x80 | (u & 0x3f));
		} else if (u < 0x10000) {
			out[o++] = (uint8_t)(0xe0 | u >> 12);
			out[o++] = (uint8_t)(0x80 | (u >> 6 & 0x3f));
			out[o++] = (uint8_t)(0x80 | (u & 0x3f));
		} else {
			/* 4 bytes from 2 units: still within 3 bytes per unit */
			out[o++] = (uint8_t)(0xf0 | u >> 18);
			out[o++] = (uint8_t)(0x80 | (u >> 12 & 0x3f));
			out[o++] = (uint8_t)(0x80 | (u >> 6 & 0x3f));
			out[o++] = (uint8_t)(0x80 | (u & 0x3f));
		}
	}
	return o;
}

enum mm_kind mm_classify(const uint8_t *head, size_t head_len, uint64_t total_size)
{
	uint8_t utf8[MM_CLASSIFY_HEAD / 2 * 3];
	const uint8_t *p = head;
	size_t n = MM_MIN(head_len, (size_t)MM_CLASSIFY_HEAD), skip;
	bool complete = total_size <= n;
	enum mm_kind k;
	int order;

	if (!head || n == 0)
		return total_size == 0 ? MM_KIND_EMPTY : MM_KIND_UNKNOWN;
	k = magic_kind(p, n);
	if (k != MM_KIND_UNKNOWN)
		return k;
	if (is_journal_export(p, n))
		return MM_KIND_JOURNAL_EXPORT;
	order = utf16_order(p, n, &skip);
	if (order) {
		size_t len = utf16_to_utf8(p + skip, n - skip, order, utf8);
		/* the transcoded head is whole only if the input was */
		k = text_kind(utf8, len, complete);
		return k;
	}
	if (has(p, n, 0, "\xef\xbb\xbf", 3)) {
		p += 3;
		n -= 3;
		if (n == 0)
			return MM_KIND_TEXT;
	}
	return text_kind(p, n, complete);
}
