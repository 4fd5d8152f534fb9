/*
 * lnk.c — bounded MS-SHLLINK parser and worm path checks (see lnk.h).
 *
 * Every integer is read through rd16()/rd32() with a bounds check; every
 * offset and size from the file is checked against the structure that
 * holds it before use. Strings are transcoded into fixed buffers. No
 * allocation; safe on any bytes.
 */
#include "core/compat.h"
#include "files/lnk.h"

#include <strings.h>

static const uint8_t lnk_clsid[16] = {
	0x01, 0x14, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00,
	0xc0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x46,
};

static bool rd16(const uint8_t *d, size_t len, size_t off, uint16_t *v)
{
	if (off > len || len - off < 2)
		return false;
	*v = (uint16_t)(d[off] | (d[off + 1] << 8));
	return true;
}

static bool rd32(const uint8_t *d, size_t len, size_t off, uint32_t *v)
{
	if (off > len || len - off < 4)
		return false;
	*v = (uint32_t)d[off] | ((uint32_t)d[off + 1] << 8) |
	     ((uint32_t)d[off + 2] << 16) | ((uint32_t)d[off + 3] << 24);
	return true;
}

/* Appends code point cp as UTF-8 to out (cap bytes incl. NUL); false when
 * it does not fit. */
static bool put_cp(char *out, size_t cap, size_t *n, uint32_t cp)
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
	if (*n + k + 1 > cap)
		return false;
	memcpy(out + *n, b, k);
	*n += k;
	out[*n] = '\0';
	return true;
}

/*
 * Copies a string into out as UTF-8: UTF-16LE (units code units, or up to
 * a NUL when units is SIZE_MAX) or Latin-1 bytes. Returns the bytes of
 * input consumed (including a NUL terminator when one was read), or 0 with
 * *trunc set when the input ends first. *cut is set when out was too small.
 */
static size_t copy_str(const uint8_t *d, size_t len, size_t off, size_t units, bool wide,
		       char *out, size_t cap, bool *trunc, bool *cut)
{
	size_t n = 0, i = 0, pos = off;

	if (cap)
		out[0] = '\0';
	for (;; i++) {
		uint32_t cp;

		if (units != SIZE_MAX && i >= units)
			break;
		if (wide) {
			uint16_t u, u2;
			if (!rd16(d, len, pos, &u)) {
				*trunc = true;
				return 0;
			}
			pos += 2;
			if (units == SIZE_MAX && u == 0)
				break;
			cp = u;
			if (u >= 0xd800 && u <= 0xdbff && (units == SIZE_MAX || i + 1 < units) &&
			    rd16(d, len, pos, &u2) && u2 >= 0xdc00 && u2 <= 0xdfff) {
				cp = 0x10000 + (((uint32_t)u - 0xd800) << 10) + (u2 - 0xdc00);
				pos += 2;
				i++;
			} else if (u >= 0xd800 && u <= 0xdfff) {
				cp = 0xfffd;
			}
		} else {
			if (pos >= len) {
				*trunc = true;
				return 0;
			}
			cp = d[pos++];
			if (units == SIZE_MAX && cp == 0)
				break;
		}
		if (cap && !put_cp(out, cap, &n, cp))
			*cut = true;
	}
	return pos - off;
}

static void parse_header_strings(struct lnk_file *l, const uint8_t *d, size_t len, size_t *pos)
{
	static const uint32_t flags[] = { LNK_HAS_NAME, LNK_HAS_RELPATH, LNK_HAS_WORKDIR,
					  LNK_HAS_ARGS, LNK_HAS_ICON };
	bool wide = (l->link_flags & LNK_IS_UNICODE) != 0;

	for (size_t k = 0; k < MM_ARRAY_SIZE(flags); k++) {
		char *out;
		size_t cap, used;
		uint16_t count;
		bool trunc = false, cut = false;

		if (!(l->link_flags & flags[k]))
			continue;
		switch (k) {
		case 0: out = l->name; cap = sizeof l->name; break;
		case 1: out = l->rel_path; cap = sizeof l->rel_path; break;
		case 2: out = l->work_dir; cap = sizeof l->work_dir; break;
		case 3: out = l->args; cap = sizeof l->args; break;
		default: out = l->icon; cap = sizeof l->icon; break;
		}
		if (!rd16(d, len, *pos, &count)) {
			l->problems |= LNK_PROB_TRUNCATED;
			return;
		}
		*pos += 2;
		/* Windows reads at most MAX_PATH (260) characters of every string
		 * but the arguments; shortcuts that pad a field past that (to push
		 * the arguments out of the properties dialog) are read the same
		 * way, so the next count is where Windows finds it */
		if (k != 3 && count > 260) {
			count = 260;
			l->problems |= LNK_PROB_LIMIT;
		}
		used = copy_str(d, len, *pos, count, wide, out, cap, &trunc, &cut);
		if (trunc) {
			l->problems |= LNK_PROB_TRUNCATED;
			return;
		}
		if (cut)
			l->problems |= LNK_PROB_LIMIT;
		*pos += used;
	}
}

static void path_add(char *path, size_t cap, const char *part, bool *cut)
{
	size_t n = strlen(path), p = strlen(part);

	if (n && path[n - 1] != '\\' && p) {
		if (n + 2 > cap) {
			*cut = true;
			return;
		}
		path[n++] = '\\';
		path[n] = '\0';
	}
	if (n + p + 1 > cap) {
		*cut = true;
		p = cap - n - 1;
	}
	memcpy(path + n, part, p);
	path[n + p] = '\0';
}

/* One file-entry shell item (class 0x30-0x3f): name and attributes. */
static void parse_file_item(struct lnk_file *l, const uint8_t *it, size_t n, bool *cut)
{
	char nm[LNK_STR_MAX / 2];
	bool wide = (it[0] & 0x04) != 0, trunc = false, c2 = false;
	uint16_t attrs = 0, ext_off = 0;
	size_t used;

	/* class(1) pad(1) size(4) mtime(4) attrs(2) name... */
	if (n < 12)
		return;
	rd16(it, n, 10, &attrs);
	used = copy_str(it, n, 12, SIZE_MAX, wide, nm, sizeof nm, &trunc, &c2);
	if (trunc)
		return;
	/* the long name lives in the 0xBEEF0004 extension block, whose offset
	 * (from the item's start, size field included) is the item's last two
	 * bytes */
	if (rd16(it, n, n - 2, &ext_off) && ext_off >= 2 && (ext_off -= 2) >= 12 + used &&
	    ext_off + 8u <= n) {
		uint32_t sig = 0;
		uint16_t ver = 0, bsize = 0;
		rd16(it, n, ext_off, &bsize);
		rd16(it, n, ext_off + 2, &ver);
		rd32(it, n, ext_off + 4, &sig);
		if (sig == 0xbeef0004u && bsize >= 8 && ext_off + (size_t)bsize <= n) {
			size_t noff = ver >= 9 ? 46 : ver >= 8 ? 42 : ver >= 7 ? 38 : ver >= 3 ? 20 : 0;
			char longn[LNK_STR_MAX / 2];
			bool t2 = false, c3 = false;
			if (noff && noff < bsize) {
				copy_str(it + ext_off, bsize, noff, SIZE_MAX, true, longn,
					 sizeof longn, &t2, &c3);
				if (!t2 && longn[0])
					memcpy(nm, longn, sizeof nm);
			}
		}
	}
	if ((attrs & 0x10) && (attrs & 0x02))
		l->idlist_hidden_dir = true;
	if ((it[0] & 0x01) && (attrs & 0x02))
		l->idlist_hidden_dir = true;
	path_add(l->idlist_path, sizeof l->idlist_path, nm, cut);
}

static void parse_idlist(struct lnk_file *l, const uint8_t *d, size_t len, size_t *pos)
{
	uint16_t total = 0;
	size_t p, end;
	bool cut = false;

	if (!rd16(d, len, *pos, &total)) {
		l->problems |= LNK_PROB_TRUNCATED;
		return;
	}
	p = *pos + 2;
	end = p + total;
	*pos = end;
	if (end > len) {
		l->problems |= LNK_PROB_TRUNCATED;
		end = len;
	}
	while (p + 2 <= end) {
		uint16_t isz = 0;
		const uint8_t *it;
		size_t n;

		rd16(d, end, p, &isz);
		if (isz == 0)
			break;
		if (isz < 3 || p + isz > end) {
			l->problems |= LNK_PROB_CORRUPT;
			break;
		}
		if (l->id_items >= LNK_MAX_ITEMS) {
			l->problems |= LNK_PROB_LIMIT;
			break;
		}
		l->id_items++;
		it = d + p + 2;
		n = isz - 2u;
		if (it[0] >= 0x20 && it[0] <= 0x2f && it[0] != 0x2e && n >= 4) {
			/* volume item: "E:\" */
			char vol[8];
			size_t k = 0;
			while (k + 1 < n && k < sizeof vol - 1 && it[1 + k] >= 0x20 && it[1 + k] < 0x7f) {
				vol[k] = (char)it[1 + k];
				k++;
			}
			vol[k] = '\0';
			if (k >= 2 && vol[1] == ':')
				path_add(l->idlist_path, sizeof l->idlist_path, vol, &cut);
		} else if (it[0] >= 0x30 && it[0] <= 0x3f) {
			parse_file_item(l, it, n, &cut);
		}
		p += isz;
	}
	if (cut)
		l->problems |= LNK_PROB_LIMIT;
}

/* A NUL-terminated string at base + off inside [base, base + size). */
static void linkinfo_str(struct lnk_file *l, const uint8_t *d, size_t size, uint32_t off,
			 bool wide, char *out, size_t cap)
{
	bool trunc = false, cut = false;

	if (off == 0 || off >= size) {
		if (off)
			l->problems |= LNK_PROB_CORRUPT;
		return;
	}
	copy_str(d, size, off, SIZE_MAX, wide, out, cap, &trunc, &cut);
	if (trunc)
		l->problems |= LNK_PROB_CORRUPT;
	if (cut)
		l->problems |= LNK_PROB_LIMIT;
}

static void parse_linkinfo(struct lnk_file *l, const uint8_t *d, size_t len, size_t *pos)
{
	uint32_t size = 0, hsize = 0, flags = 0, vol_off = 0, base_off = 0, net_off = 0;
	uint32_t suffix_off = 0, base_u = 0, suffix_u = 0;
	const uint8_t *li;

	if (!rd32(d, len, *pos, &size)) {
		l->problems |= LNK_PROB_TRUNCATED;
		return;
	}
	if (size < 0x1c || size > len - *pos) {
		l->problems |= size < 0x1c ? LNK_PROB_CORRUPT : LNK_PROB_TRUNCATED;
		*pos = len;
		return;
	}
	li = d + *pos;
	*pos += size;
	rd32(li, size, 4, &hsize);
	rd32(li, size, 8, &flags);
	rd32(li, size, 12, &vol_off);
	rd32(li, size, 16, &base_off);
	rd32(li, size, 20, &net_off);
	rd32(li, size, 24, &suffix_off);
	if (hsize >= 0x24) {
		rd32(li, size, 28, &base_u);
		rd32(li, size, 32, &suffix_u);
	}
	if ((flags & 1) && vol_off && vol_off < size) {
		uint32_t vsize = 0, label_off = 0, label_u = 0;
		const uint8_t *v = li + vol_off;
		size_t vmax = size - vol_off;

		if (rd32(v, vmax, 0, &vsize) && vsize >= 0x10 && vsize <= vmax) {
			l->has_volume = true;
			rd32(v, vsize, 4, &l->drive_type);
			rd32(v, vsize, 8, &l->drive_serial);
			rd32(v, vsize, 12, &label_off);
			if (label_off == 0x14 && rd32(v, vsize, 16, &label_u))
				linkinfo_str(l, v, vsize, label_u, true, l->volume_label,
					     sizeof l->volume_label);
			else
				linkinfo_str(l, v, vsize, label_off, false, l->volume_label,
					     sizeof l->volume_label);
		} else {
			l->problems |= LNK_PROB_CORRUPT;
		}
	}
	if (flags & 1) {
		if (base_u)
			linkinfo_str(l, li, size, base_u, true, l->local_base_path,
				     sizeof l->local_base_path);
		else
			linkinfo_str(l, li, size, base_off, false, l->local_base_path,
				     sizeof l->local_base_path);
	}
	if ((flags & 2) && net_off && net_off < size) {
		uint32_t nsize = 0, name_off = 0;
		const uint8_t *nr = li + net_off;
		size_t nmax = size - net_off;
		if (rd32(nr, nmax, 0, &nsize) && nsize >= 0x14 && nsize <= nmax &&
		    rd32(nr, nsize, 8, &name_off))
			linkinfo_str(l, nr, nsize, name_off, false, l->net_name, sizeof l->net_name);
	}
	if (suffix_u)
		linkinfo_str(l, li, size, suffix_u, true, l->common_suffix, sizeof l->common_suffix);
	else
		linkinfo_str(l, li, size, suffix_off, false, l->common_suffix,
			     sizeof l->common_suffix);
}

static void parse_extra(struct lnk_file *l, const uint8_t *d, size_t len, size_t *pos)
{
	while (*pos < len) {
		uint32_t bsize = 0, sig = 0;
		bool trunc = false, cut = false;

		if (!rd32(d, len, *pos, &bsize))
			break;
		if (bsize < 4)
			break;	/* terminal block */
		if (bsize < 8 || bsize > len - *pos) {
			l->problems |= LNK_PROB_TRUNCATED;
			*pos = len;
			return;
		}
		if (l->extra_blocks >= LNK_MAX_BLOCKS) {
			l->problems |= LNK_PROB_LIMIT;
			return;
		}
		l->extra_blocks++;
		rd32(d, len, *pos + 4, &sig);
		if ((sig == 0xa0000001u || sig == 0xa0000007u) && bsize >= 0x314) {
			/* 260 ANSI bytes then 520 bytes of UTF-16 */
			char *out = sig == 0xa0000001u ? l->env_target : l->env_icon;
			size_t cap = sig == 0xa0000001u ? sizeof l->env_target : sizeof l->env_icon;
			copy_str(d + *pos + 8 + 260, 520, 0, SIZE_MAX, true, out, cap, &trunc, &cut);
			if (trunc || !out[0])
				copy_str(d + *pos + 8, 260, 0, SIZE_MAX, false, out, cap, &trunc, &cut);
		}
		*pos += bsize;
	}
	l->parsed_len = *pos;
}

int lnk_parse(struct lnk_file *l, const uint8_t *d, size_t len)
{
	uint32_t hsize = 0;
	size_t pos;

	memset(l, 0, sizeof *l);
	if (len < 20)
		return MM_EUNSUPPORTED;
	rd32(d, len, 0, &hsize);
	if (hsize != 0x4c || memcmp(d + 4, lnk_clsid, 16) != 0)
		return MM_EUNSUPPORTED;
	if (len < 0x4c)
		return MM_ETRUNC;
	rd32(d, len, 0x14, &l->link_flags);
	rd32(d, len, 0x18, &l->file_attrs);
	rd32(d, len, 0x34, &l->target_size);
	rd32(d, len, 0x38, (uint32_t *)&l->icon_index);
	rd32(d, len, 0x3c, &l->show_cmd);
	pos = 0x4c;
	if (l->link_flags & LNK_HAS_IDLIST)
		parse_idlist(l, d, len, &pos);
	if ((l->link_flags & LNK_HAS_LINKINFO) && pos < len)
		parse_linkinfo(l, d, len, &pos);
	else if (l->link_flags & LNK_HAS_LINKINFO)
		l->problems |= LNK_PROB_TRUNCATED;
	if (pos <= len)
		parse_header_strings(l, d, len, &pos);
	if (pos < len && !(l->problems & LNK_PROB_TRUNCATED))
		parse_extra(l, d, len, &pos);
	l->parsed_len = MM_MIN(pos, len);
	return 0;
}

const char *lnk_target(const struct lnk_file *l, char *buf, size_t cap)
{
	if (cap == 0)
		return "";
	buf[0] = '\0';
	if (l->local_base_path[0]) {
		snprintf(buf, cap, "%s%s", l->local_base_path, l->common_suffix);
	} else if (l->net_name[0]) {
		snprintf(buf, cap, "%s%s%s", l->net_name, l->common_suffix[0] ? "\\" : "",
			 l->common_suffix);
	} else if (l->idlist_path[0]) {
		snprintf(buf, cap, "%s", l->idlist_path);
	} else if (l->env_target[0]) {
		snprintf(buf, cap, "%s", l->env_target);
	} else {
		snprintf(buf, cap, "%s", l->rel_path);
	}
	return buf;
}

/* --- path checks ------------------------------------------------------- */

/* Length of a blank character at s (UTF-8), or 0. */
static size_t blank_char(const uint8_t *s, size_t n)
{
	if (n >= 1 && (s[0] == ' ' || s[0] == '_' || s[0] == '\t'))
		return 1;
	if (n >= 2 && s[0] == 0xc2 && s[1] == 0xa0)
		return 2;
	if (n >= 3 && s[0] == 0xe2 && s[1] == 0x80 && (s[2] <= 0x8b || s[2] == 0xaf))
		return 3;
	if (n >= 3 && s[0] == 0xe2 && s[1] == 0x81 && s[2] == 0x9f)
		return 3;
	if (n >= 3 && s[0] == 0xe3 && s[1] == 0x80 && s[2] == 0x80)
		return 3;
	if (n >= 3 && s[0] == 0xe3 && s[1] == 0x85 && s[2] == 0xa4)
		return 3;
	if (n >= 3 && s[0] == 0xef && s[1] == 0xbb && s[2] == 0xbf)
		return 3;
	return 0;
}

static bool component_blank(const uint8_t *c, size_t n)
{
	size_t i = 0, dots = 0, blanks = 0;
	const uint8_t *ext;

	if (n == 0)
		return false;
	/* a trailing extension does not count: "<nbsp>.exe" is blank */
	ext = NULL;
	for (size_t k = n; k > 0; k--)
		if (c[k - 1] == '.') {
			ext = c + k - 1;
			break;
		}
	if (ext && ext > c && (size_t)(c + n - ext) <= 5 && (size_t)(c + n - ext) >= 2)
		n = (size_t)(ext - c);
	while (i < n) {
		size_t k = blank_char(c + i, n - i);
		if (k) {
			blanks++;
			i += k;
		} else if (c[i] == '.') {
			dots++;
			i++;
		} else {
			return false;
		}
	}
	/* "." and ".." are path syntax, not names */
	if (blanks == 0 && dots <= 2)
		return false;
	return true;
}

int lnk_blank_component(const char *path, size_t len)
{
	const uint8_t *p = (const uint8_t *)path;
	size_t start = 0;
	int idx = 0;

	for (size_t i = 0; i <= len && idx < 32; i++) {
		if (i == len || p[i] == '\\' || p[i] == '/') {
			size_t n = i - start;
			/* skip "E:" */
			if (!(n == 2 && p[start + 1] == ':') && component_blank(p + start, n))
				return idx;
			if (n)
				idx++;
			start = i + 1;
		}
	}
	return -1;
}

static const char *base_of(const char *path, size_t len, size_t *blen)
{
	size_t i = len;

	while (i > 0 && path[i - 1] != '\\' && path[i - 1] != '/')
		i--;
	*blen = len - i;
	return path + i;
}

static bool ends_ci(const char *s, size_t n, const char *suf)
{
	size_t k = strlen(suf);

	if (n < k)
		return false;
	for (size_t i = 0; i < k; i++) {
		char a = s[n - k + i], b = suf[i];
		if (a >= 'A' && a <= 'Z')
			a = (char)(a + 32);
		if (a != b)
			return false;
	}
	return true;
}

static const char *const exec_ext[] = { ".exe", ".scr", ".com", ".pif", ".cpl", ".msi" };
static const char *const script_ext[] = { ".bat", ".cmd", ".vbs", ".vbe", ".js", ".jse",
					  ".wsf", ".wsh", ".hta", ".ps1", ".lnk" };
static const char *const lib_ext[] = { ".dll", ".ocx", ".sys" };

enum lnk_ext lnk_ext_class(const char *path, size_t len)
{
	size_t bl;
	const char *b = base_of(path, len, &bl);

	/* trailing blanks and quotes do not hide the extension */
	while (bl > 0 && (b[bl - 1] == ' ' || b[bl - 1] == '"' || b[bl - 1] == '\''))
		bl--;
	for (size_t i = 0; i < MM_ARRAY_SIZE(exec_ext); i++)
		if (ends_ci(b, bl, exec_ext[i]))
			return LNK_EXT_EXEC;
	for (size_t i = 0; i < MM_ARRAY_SIZE(script_ext); i++)
		if (ends_ci(b, bl, script_ext[i]))
			return LNK_EXT_SCRIPT;
	for (size_t i = 0; i < MM_ARRAY_SIZE(lib_ext); i++)
		if (ends_ci(b, bl, lib_ext[i]))
			return LNK_EXT_LIB;
	return LNK_EXT_OTHER;
}

bool lnk_is_interpreter(const char *path, size_t len)
{
	static const char *const names[] = {
		"cmd", "powershell", "pwsh", "wscript", "cscript", "rundll32", "mshta",
		"regsvr32", "msiexec", "conhost",
	};
	size_t bl;
	const char *b = base_of(path, len, &bl);

	if (bl >= 4 && ends_ci(b, bl, ".exe"))
		bl -= 4;
	for (size_t i = 0; i < MM_ARRAY_SIZE(names); i++) {
		size_t k = strlen(names[i]);
		if (bl == k && ends_ci(b, bl, names[i]))
			return true;
	}
	return false;
}

bool lnk_double_ext(const char *path, size_t len)
{
	static const char *const doc_ext[] = {
		".pdf", ".doc", ".docx", ".xls", ".xlsx", ".ppt", ".txt", ".jpg", ".jpeg",
		".png", ".gif", ".mp3", ".mp4", ".avi", ".zip", ".rar", ".rtf",
	};
	size_t bl, stem;
	const char *b = base_of(path, len, &bl);

	if (lnk_ext_class(b, bl) == LNK_EXT_OTHER)
		return false;
	stem = bl;
	while (stem > 0 && b[stem - 1] != '.')
		stem--;
	if (stem == 0)
		return false;
	stem--;	/* drop the final '.' */
	/* allow blanks between the two extensions ("x.pdf   .exe") */
	while (stem > 0 && b[stem - 1] == ' ')
		stem--;
	for (size_t i = 0; i < MM_ARRAY_SIZE(doc_ext); i++)
		if (ends_ci(b, stem, doc_ext[i]))
			return true;
	return false;
}

bool lnk_hidden_folder_name(const char *path, size_t len)
{
	size_t start = 0;

	for (size_t i = 0; i <= len; i++) {
		if (i == len || path[i] == '\\' || path[i] == '/') {
			const char *c = path + start;
			size_t n = i - start;
			bool last = i == len;
			if (!last && n > 0) {
				if ((n > 1 && c[0] == '.' && !(n == 2 && c[1] == '.')) || c[0] == '~' ||
				    (n == 8 && strncasecmp(c, "RECYCLER", 8) == 0) ||
				    (n == 12 && strncasecmp(c, "$RECYCLE.BIN", 12) == 0) ||
				    (n == 25 && strncasecmp(c, "System Volume Information", 25) == 0))
					return true;
			}
			start = i + 1;
		}
	}
	return false;
}

/* --- worm assessment ---------------------------------------------------- */

unsigned lnk_args_assess(const char *args, size_t len)
{
	unsigned props = 0;
	size_t i = 0;
	int tokens = 0;

	/* tokens split on ASCII blanks, quotes and command separators; a
	 * rundll32 "file.dll,Entry" splits at the comma too */
	while (i < len && tokens < 64) {
		size_t s, n;

		while (i < len && strchr(" \t\"'&|;,()=", args[i]) && args[i] != '\0')
			i++;
		s = i;
		while (i < len && !strchr(" \t\"'&|;,()=", args[i]))
			i++;
		n = i - s;
		if (n == 0)
			break;
		tokens++;
		if (lnk_ext_class(args + s, n) != LNK_EXT_OTHER || lnk_is_interpreter(args + s, n))
			props |= LNK_W_ARGS_LAUNCH;
		if (lnk_blank_component(args + s, n) >= 0 ||
		    (memchr(args + s, '\\', n) && lnk_hidden_folder_name(args + s, n)))
			props |= LNK_W_ARGS_BLANK;
	}
	return props;
}

unsigned lnk_worm_assess(const struct lnk_file *l, char *target, size_t cap)
{
	unsigned props = 0;
	size_t tl;
	enum lnk_ext ext;

	lnk_target(l, target, cap);
	tl = strlen(target);
	ext = lnk_ext_class(target, tl);
	if (lnk_is_interpreter(target, tl))
		props |= LNK_W_INTERPRETER;
	else if (ext == LNK_EXT_EXEC || ext == LNK_EXT_SCRIPT)
		props |= LNK_W_EXEC_TARGET;
	if (lnk_blank_component(target, tl) >= 0 ||
	    lnk_blank_component(l->idlist_path, strlen(l->idlist_path)) >= 0 ||
	    lnk_blank_component(l->rel_path, strlen(l->rel_path)) >= 0)
		props |= LNK_W_BLANK_FOLDER;
	if ((l->file_attrs & 0x02) || l->idlist_hidden_dir)
		props |= LNK_W_HIDDEN;
	if (l->has_volume && l->drive_type == LNK_DRIVE_REMOVABLE)
		props |= LNK_W_REMOVABLE;
	if (lnk_hidden_folder_name(target, tl))
		props |= LNK_W_HIDDEN_NAME;
	if (lnk_double_ext(target, tl))
		props |= LNK_W_DOUBLE_EXT;
	props |= lnk_args_assess(l->args, strlen(l->args));
	if (l->icon[0] || l->env_icon[0]) {
		const char *ic = l->icon[0] ? l->icon : l->env_icon;
		size_t il = strlen(ic);
		while (il > 0 && (ic[il - 1] == ' ' || ic[il - 1] == '"'))
			il--;
		if (ends_ci(ic, il, "shell32.dll") || ends_ci(ic, il, "imageres.dll") ||
		    ends_ci(ic, il, "explorer.exe"))
			props |= LNK_W_SYSTEM_ICON;
	}
	return props;
}

const char *lnk_worm_name(unsigned bit)
{
	switch (bit) {
	case LNK_W_EXEC_TARGET: return "target_is_executable";
	case LNK_W_INTERPRETER: return "target_is_command_interpreter";
	case LNK_W_BLANK_FOLDER: return "blank_named_folder";
	case LNK_W_HIDDEN: return "hidden_target_or_folder";
	case LNK_W_REMOVABLE: return "removable_drive";
	case LNK_W_ARGS_LAUNCH: return "arguments_launch_a_file";
	case LNK_W_ARGS_BLANK: return "arguments_point_into_blank_or_hidden_folder";
	case LNK_W_SYSTEM_ICON: return "icon_borrowed_from_system";
	case LNK_W_HIDDEN_NAME: return "hidden_folder_name";
	case LNK_W_DOUBLE_EXT: return "double_extension";
	default: return NULL;
	}
}
