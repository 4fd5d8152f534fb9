/*
 * mail.c — MIME walking with GMime 3 and a bounded HTML tag scanner (see
 * mail.h).
 *
 * GMime does the MIME work (header parsing, multipart boundaries, base64
 * and quoted-printable, charset conversion through iconv); we bound what
 * we ask of it (parts, depth, bytes handed on). The HTML scanner is ours:
 * one forward pass, every tag and attribute bounded, no tree.
 */
#include "core/compat.h"
#include "files/mail.h"

#include <pthread.h>
#include <strings.h>
#include <gmime/gmime.h>

static pthread_once_t mail_once = PTHREAD_ONCE_INIT;

static void mail_init_once(void)
{
	g_mime_init();
}

void mail_global_init(void)
{
	pthread_once(&mail_once, mail_init_once);
}

struct mail_walker {
	struct mail_summary *s;
	mail_part_fn *fn;
	void *arg;
};

static void lower_copy(char *out, size_t cap, const char *s)
{
	size_t i = 0;

	for (; s && s[i] && i + 1 < cap; i++)
		out[i] = (char)((s[i] >= 'A' && s[i] <= 'Z') ? s[i] + 32 : s[i]);
	out[i] = '\0';
}

static int emit_part(struct mail_walker *w, GMimePart *part, int depth)
{
	GMimeObject *obj = GMIME_OBJECT(part);
	GMimeContentType *ct = g_mime_object_get_content_type(obj);
	GMimeDataWrapper *content = g_mime_part_get_content(part);
	GMimeStream *mem = NULL, *filtered = NULL, *target;
	GByteArray *ba;
	struct mail_part_info pi;
	char *mime = NULL;
	char type[128];
	const char *charset = NULL;
	size_t len;
	int rc = 0;

	memset(&pi, 0, sizeof pi);
	if (w->s->parts >= MAIL_MAX_PARTS) {
		w->s->parts_dropped++;
		return 0;
	}
	if (ct)
		mime = g_mime_content_type_get_mime_type(ct);
	lower_copy(type, sizeof type, mime ? mime : "text/plain");
	g_free(mime);
	pi.content_type = type;
	pi.filename = g_mime_part_get_filename(part);
	pi.text = strncmp(type, "text/", 5) == 0;
	pi.attachment = g_mime_part_is_attachment(part) || (pi.filename && !pi.text);
	pi.depth = depth;
	pi.index = w->s->parts++;
	if (!content)
		return 0;
	mem = g_mime_stream_mem_new();
	if (!mem)
		return MM_ENOMEM;
	target = mem;
	if (pi.text && ct)
		charset = g_mime_content_type_get_parameter(ct, "charset");
	if (charset && g_ascii_strcasecmp(charset, "utf-8") != 0 &&
	    g_ascii_strcasecmp(charset, "us-ascii") != 0) {
		GMimeFilter *f = g_mime_filter_charset_new(charset, "utf-8");
		if (f) {
			filtered = g_mime_stream_filter_new(mem);
			g_mime_stream_filter_add(GMIME_STREAM_FILTER(filtered), f);
			g_object_unref(f);
			target = filtered;
		}
	}
	if (g_mime_data_wrapper_write_to_stream(content, target) < 0)
		goto out;	/* undecodable: hand on nothing */
	if (filtered)
		g_mime_stream_flush(filtered);
	ba = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(mem));
	if (!ba)
		goto out;
	len = ba->len;
	if (len > MAIL_PART_MAX) {
		len = MAIL_PART_MAX;
		w->s->parts_cut++;
	}
	rc = w->fn(w->arg, &pi, ba->data, len);
out:
	if (filtered)
		g_object_unref(filtered);
	g_object_unref(mem);
	return rc;
}

static int walk_obj(struct mail_walker *w, GMimeObject *obj, int depth)
{
	if (!obj)
		return 0;
	if (depth > MAIL_MAX_DEPTH) {
		w->s->parts_dropped++;
		return 0;
	}
	if (GMIME_IS_MULTIPART(obj)) {
		GMimeMultipart *mp = GMIME_MULTIPART(obj);
		int n = g_mime_multipart_get_count(mp);

		for (int i = 0; i < n; i++) {
			int rc = walk_obj(w, g_mime_multipart_get_part(mp, i), depth + 1);
			if (rc < 0)
				return rc;
		}
		return 0;
	}
	if (GMIME_IS_MESSAGE_PART(obj)) {
		GMimeMessage *m = g_mime_message_part_get_message(GMIME_MESSAGE_PART(obj));
		return m ? walk_obj(w, g_mime_message_get_mime_part(m), depth + 1) : 0;
	}
	if (GMIME_IS_PART(obj))
		return emit_part(w, GMIME_PART(obj), depth);
	return 0;
}

int mail_walk(const uint8_t *data, size_t len, struct mail_summary *s, mail_part_fn *fn,
	      void *arg)
{
	GMimeStream *stream = NULL;
	GMimeParser *parser = NULL;
	GMimeMessage *msg = NULL;
	struct mail_walker w = { s, fn, arg };
	int rc = 0;

	memset(s, 0, sizeof *s);
	mail_global_init();
	stream = g_mime_stream_mem_new_with_buffer((const char *)data, len);
	if (!stream)
		return MM_ENOMEM;
	parser = g_mime_parser_new_with_stream(stream);
	if (!parser) {
		rc = MM_ENOMEM;
		goto out;
	}
	msg = g_mime_parser_construct_message(parser, NULL);
	if (!msg) {
		s->no_message = true;
		rc = MM_ECORRUPT;
		goto out;
	}
	{
		const char *subj = g_mime_message_get_subject(msg);
		InternetAddressList *from = g_mime_message_get_from(msg);
		char *fs = from ? internet_address_list_to_string(from, NULL, FALSE) : NULL;

		snprintf(s->subject, sizeof s->subject, "%s", subj ? subj : "");
		snprintf(s->from, sizeof s->from, "%s", fs ? fs : "");
		g_free(fs);
	}
	rc = walk_obj(&w, g_mime_message_get_mime_part(msg), 0);
out:
	if (msg)
		g_object_unref(msg);
	if (parser)
		g_object_unref(parser);
	g_object_unref(stream);
	return rc;
}

/* --- HTML ----------------------------------------------------------- */

void html_doc_init(struct html_doc *d)
{
	memset(d, 0, sizeof *d);
	mm_buf_init(&d->pool, 4u << 20);
	mm_buf_init(&d->text, HTML_TEXT_MAX);
}

void html_doc_release(struct html_doc *d)
{
	mm_buf_release(&d->pool);
	mm_buf_release(&d->text);
}

static inline char lc(char c)
{
	return (c >= 'A' && c <= 'Z') ? (char)(c + 32) : c;
}

static size_t put_cp(char *out, size_t o, size_t cap, uint32_t cp)
{
	if (cp == 0 || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		cp = 0xfffd;
	if (cp < 0x80 && o + 1 < cap) {
		out[o++] = (char)cp;
	} else if (cp < 0x800 && o + 2 < cap) {
		out[o++] = (char)(0xc0 | (cp >> 6));
		out[o++] = (char)(0x80 | (cp & 0x3f));
	} else if (cp >= 0x800 && cp < 0x10000 && o + 3 < cap) {
		out[o++] = (char)(0xe0 | (cp >> 12));
		out[o++] = (char)(0x80 | ((cp >> 6) & 0x3f));
		out[o++] = (char)(0x80 | (cp & 0x3f));
	} else if (cp >= 0x10000 && o + 4 < cap) {
		out[o++] = (char)(0xf0 | (cp >> 18));
		out[o++] = (char)(0x80 | ((cp >> 12) & 0x3f));
		out[o++] = (char)(0x80 | ((cp >> 6) & 0x3f));
		out[o++] = (char)(0x80 | (cp & 0x3f));
	}
	return o;
}

/* Decodes entities of s[0..n) into out (cap bytes incl. NUL). */
static size_t ent_decode(const char *s, size_t n, char *out, size_t cap)
{
	static const struct {
		const char *name;
		uint32_t cp;
	} named[] = {
		{ "amp", '&' }, { "lt", '<' }, { "gt", '>' }, { "quot", '"' }, { "apos", '\'' },
		{ "nbsp", 0xa0 }, { "colon", ':' }, { "sol", '/' }, { "period", '.' },
		{ "commat", '@' },
	};
	size_t o = 0;

	for (size_t i = 0; i < n && o + 1 < cap; i++) {
		if (s[i] == '&' && i + 2 < n) {
			size_t j = i + 1, k;
			uint32_t cp = 0;
			bool ok = false;

			if (s[j] == '#') {
				int base = 10, digits = 0;
				j++;
				if (j < n && (s[j] == 'x' || s[j] == 'X')) {
					base = 16;
					j++;
				}
				while (j < n && digits < 8) {
					char c = lc(s[j]);
					int dv = (c >= '0' && c <= '9') ? c - '0' :
						 (base == 16 && c >= 'a' && c <= 'f') ? c - 'a' + 10 : -1;
					if (dv < 0)
						break;
					cp = cp * (uint32_t)base + (uint32_t)dv;
					digits++;
					j++;
				}
				ok = digits > 0;
			} else {
				for (k = 0; k < MM_ARRAY_SIZE(named); k++) {
					size_t l = strlen(named[k].name);
					if (j + l <= n && strncasecmp(s + j, named[k].name, l) == 0) {
						cp = named[k].cp;
						j += l;
						ok = true;
						break;
					}
				}
			}
			if (ok) {
				if (j < n && s[j] == ';')
					j++;
				o = put_cp(out, o, cap, cp);
				i = j - 1;
				continue;
			}
		}
		out[o++] = s[i];
	}
	out[o] = '\0';
	return o;
}

static size_t pool_add(struct html_doc *d, const char *s, size_t n)
{
	size_t off;

	/* never let an append fail: a failed append empties the buffer and
	 * every offset handed out so far would dangle */
	if (d->pool.len + n + 2 > d->pool.max)
		return 0;
	if (d->pool.len == 0 && mm_buf_append_byte(&d->pool, 0) < 0)
		return 0;
	off = d->pool.len;
	if ((n && mm_buf_append(&d->pool, s, n) < 0) || mm_buf_append_byte(&d->pool, 0) < 0) {
		/* the pool is full (it freed itself): keep the empty string */
		return 0;
	}
	return off;
}

/* Value of attribute name in the tag body tag[0..n) (after the tag name),
 * entity-decoded into out; false when absent. */
static bool get_attr(const char *tag, size_t n, const char *name, char *out, size_t cap)
{
	size_t nl = strlen(name), i = 0;

	out[0] = '\0';
	while (i < n) {
		size_t a, al, vs, ve;

		while (i < n && (tag[i] == ' ' || tag[i] == '\t' || tag[i] == '\n' ||
				 tag[i] == '\r' || tag[i] == '/'))
			i++;
		a = i;
		while (i < n && tag[i] != '=' && tag[i] != ' ' && tag[i] != '\t' && tag[i] != '\n' &&
		       tag[i] != '\r' && tag[i] != '>')
			i++;
		al = i - a;
		while (i < n && (tag[i] == ' ' || tag[i] == '\t' || tag[i] == '\n' || tag[i] == '\r'))
			i++;
		if (i >= n || tag[i] != '=') {
			if (al == 0)
				i++;
			continue;
		}
		i++;
		while (i < n && (tag[i] == ' ' || tag[i] == '\t' || tag[i] == '\n' || tag[i] == '\r'))
			i++;
		if (i < n && (tag[i] == '"' || tag[i] == '\'')) {
			char q = tag[i++];
			vs = i;
			while (i < n && tag[i] != q)
				i++;
			ve = i;
			if (i < n)
				i++;
		} else {
			vs = i;
			while (i < n && tag[i] != ' ' && tag[i] != '\t' && tag[i] != '\n' &&
			       tag[i] != '\r' && tag[i] != '>')
				i++;
			ve = i;
		}
		if (al == nl && strncasecmp(tag + a, name, nl) == 0) {
			size_t k = ent_decode(tag + vs, MM_MIN(ve - vs, (size_t)HTML_ATTR_MAX), out, cap);
			/* trim blanks that hide a URL's start */
			size_t s = 0;
			while (s < k && (out[s] == ' ' || out[s] == '\t' || out[s] == '\n'))
				s++;
			if (s)
				memmove(out, out + s, k - s + 1);
			return true;
		}
	}
	return false;
}

static bool has_ci(const char *s, const char *needle)
{
	size_t n = strlen(s), k = strlen(needle);

	for (size_t i = 0; i + k <= n; i++)
		if (strncasecmp(s + i, needle, k) == 0)
			return true;
	return false;
}

/* word1..word24, w1..w24, seed_3, phrase[5] */
static bool word_input(const char *name)
{
	size_t n = strlen(name);
	size_t d = n;

	while (d > 0 && ((name[d - 1] >= '0' && name[d - 1] <= '9') || name[d - 1] == ']' ||
			 name[d - 1] == '['))
		d--;
	if (d == n)
		return false;
	return (d >= 4 && strncasecmp(name + d - 4, "word", 4) == 0) ||
	       (d == 1 && lc(name[0]) == 'w') ||
	       (d >= 5 && (strncasecmp(name + d - 5, "seed_", 5) == 0 ||
			   strncasecmp(name + d - 5, "word_", 5) == 0 ||
			   strncasecmp(name + d - 5, "word-", 5) == 0));
}

static void classify_input(struct html_form *f, const char *body, size_t n, bool textarea)
{
	char type[64], name[256], id[256], ph[512], aria[256], ac[64], all[1400];

	get_attr(body, n, "type", type, sizeof type);
	get_attr(body, n, "name", name, sizeof name);
	get_attr(body, n, "id", id, sizeof id);
	get_attr(body, n, "placeholder", ph, sizeof ph);
	get_attr(body, n, "aria-label", aria, sizeof aria);
	get_attr(body, n, "autocomplete", ac, sizeof ac);
	if (!textarea && (strcasecmp(type, "hidden") == 0 || strcasecmp(type, "submit") == 0 ||
			  strcasecmp(type, "button") == 0 || strcasecmp(type, "checkbox") == 0))
		return;
	snprintf(all, sizeof all, "%s %s %s %s %s", name, id, ph, aria, ac);
	f->inputs++;
	if (strcasecmp(type, "password") == 0 || has_ci(all, "password") || has_ci(all, "passwd"))
		f->kinds |= HTML_IN_PASSWORD;
	if (strcasecmp(type, "email") == 0 || has_ci(all, "email"))
		f->kinds |= HTML_IN_EMAIL;
	if (has_ci(all, "seed") || has_ci(all, "mnemonic") || has_ci(all, "recovery") ||
	    has_ci(all, "phrase") || has_ci(all, "12 word") || has_ci(all, "24 word") ||
	    has_ci(all, "secret words"))
		f->kinds |= HTML_IN_SEED;
	if ((has_ci(all, "private") && has_ci(all, "key")) || has_ci(all, "privkey") ||
	    has_ci(all, "keystore"))
		f->kinds |= HTML_IN_PRIVKEY;
	if (word_input(name) || word_input(id))
		f->word_inputs++;
}

static void text_add(struct html_doc *d, const char *s, size_t n)
{
	char tmp[1024];

	while (n > 0 && d->text.len + 1 < HTML_TEXT_MAX) {
		size_t take = MM_MIN(n, (size_t)256), k;
		k = ent_decode(s, take, tmp, sizeof tmp);
		for (size_t i = 0; i < k; i++) {
			char c = tmp[i];
			if (c == '\n' || c == '\r' || c == '\t')
				c = ' ';
			if (c == ' ' && d->text.len > 0 && d->text.ptr[d->text.len - 1] == ' ')
				continue;
			if (d->text.len + 2 >= HTML_TEXT_MAX ||
			    mm_buf_append_byte(&d->text, (uint8_t)c) < 0)
				return;
		}
		s += take;
		n -= take;
	}
}

/* Position of the closing tag "</name" from i (case-insensitive), or n. */
static size_t find_close(const char *h, size_t n, size_t i, const char *name)
{
	size_t k = strlen(name);

	for (; i + 2 + k <= n; i++)
		if (h[i] == '<' && h[i + 1] == '/' && strncasecmp(h + i + 2, name, k) == 0)
			return i;
	return n;
}

int html_scan(struct html_doc *d, const char *h, size_t n)
{
	char *val = NULL, *atext = NULL;
	size_t alen = 0;
	int in_a = -1, cur_form = -1;
	bool in_title = false;
	size_t tlen = strlen(d->title);
	size_t i = 0;
	int rc = 0;

	val = malloc(HTML_ATTR_MAX * 4 + 8);
	atext = malloc(1024);
	if (!val || !atext) {
		rc = MM_ENOMEM;
		goto out;
	}
	while (i < n) {
		size_t j, name_s, name_len, body_s, tag_end;
		bool closing;
		char nm[16];

		if (h[i] != '<') {
			const char *lt = memchr(h + i, '<', n - i);
			size_t seg = lt ? (size_t)(lt - (h + i)) : n - i;
			text_add(d, h + i, seg);
			if (in_a >= 0 && alen < 512) {
				size_t take = MM_MIN(seg, 512 - alen);
				memcpy(atext + alen, h + i, take);
				alen += take;
			}
			if (in_title && tlen + 1 < sizeof d->title) {
				size_t take = MM_MIN(seg, sizeof d->title - 1 - tlen);
				memcpy(d->title + tlen, h + i, take);
				tlen += take;
				d->title[tlen] = '\0';
			}
			i += seg;
			continue;
		}
		if (i + 4 <= n && memcmp(h + i, "<!--", 4) == 0) {
			size_t k = i + 4;
			while (k + 3 <= n && memcmp(h + k, "-->", 3) != 0)
				k++;
			i = k + 3 <= n ? k + 3 : n;
			continue;
		}
		j = i + 1;
		closing = j < n && h[j] == '/';
		if (closing)
			j++;
		name_s = j;
		while (j < n && j - name_s < 15 && ((h[j] | 0x20) >= 'a' && (h[j] | 0x20) <= 'z'))
			j++;
		while (j < n && j - name_s < 15 && h[j] >= '0' && h[j] <= '9')
			j++;
		name_len = j - name_s;
		if (name_len == 0 && !(j < n && (h[j] == '!' || h[j] == '?'))) {
			text_add(d, "<", 1);	/* a lone '<' is text */
			i++;
			continue;
		}
		body_s = j;
		/* the tag ends at the first '>' outside quotes, within 64 KiB */
		{
			char q = 0;
			size_t lim = MM_MIN(n, body_s + 65536);
			tag_end = body_s;
			while (tag_end < lim) {
				char c = h[tag_end];
				if (q) {
					if (c == q)
						q = 0;
				} else if (c == '"' || c == '\'') {
					q = c;
				} else if (c == '>') {
					break;
				}
				tag_end++;
			}
			if (tag_end >= lim) {
				i = lim;	/* unterminated tag: give up on it */
				continue;
			}
		}
		for (size_t k = 0; k < name_len && k < sizeof nm - 1; k++)
			nm[k] = lc(h[name_s + k]);
		nm[MM_MIN(name_len, sizeof nm - 1)] = '\0';
		i = tag_end + 1;

		if (strcmp(nm, "a") == 0) {
			if (in_a >= 0) {
				char tx[1024];
				ent_decode(atext, alen, tx, sizeof tx);
				d->links[in_a].text = pool_add(d, tx, strlen(tx));
				in_a = -1;
			}
			if (!closing) {
				/* relative links stay on the page's own site: only
				 * absolute ones (scheme or //host) are kept */
				if (get_attr(h + body_s, tag_end - body_s, "href", val, HTML_ATTR_MAX * 4) &&
				    (strstr(val, "://") || (val[0] == '/' && val[1] == '/'))) {
					if (d->nlinks < HTML_MAX_LINKS) {
						in_a = (int)d->nlinks++;
						d->links[in_a].href = pool_add(d, val, strlen(val));
						d->links[in_a].text = 0;
						alen = 0;
					} else {
						d->links_dropped++;
					}
				}
			}
		} else if (strcmp(nm, "form") == 0) {
			if (closing) {
				cur_form = -1;
			} else if (d->nforms < HTML_MAX_FORMS) {
				cur_form = (int)d->nforms++;
				memset(&d->forms[cur_form], 0, sizeof d->forms[0]);
				get_attr(h + body_s, tag_end - body_s, "action", val, HTML_ATTR_MAX * 4);
				d->forms[cur_form].action = pool_add(d, val, strlen(val));
			} else {
				d->forms_dropped++;
				cur_form = -1;
			}
		} else if (!closing && (strcmp(nm, "input") == 0 || strcmp(nm, "textarea") == 0)) {
			struct html_form *f = cur_form >= 0 ? &d->forms[cur_form] :
					      &d->forms[HTML_MAX_FORMS];
			if (cur_form < 0)
				d->loose_inputs++;
			classify_input(f, h + body_s, tag_end - body_s, nm[0] == 't');
		} else if (strcmp(nm, "title") == 0) {
			in_title = !closing;
		} else if (!closing && (strcmp(nm, "script") == 0 || strcmp(nm, "style") == 0)) {
			size_t c = find_close(h, n, i, nm);
			i = c;
		} else if (strcmp(nm, "br") == 0 || strcmp(nm, "p") == 0 || strcmp(nm, "div") == 0 ||
			   strcmp(nm, "td") == 0 || strcmp(nm, "li") == 0 || strcmp(nm, "tr") == 0) {
			text_add(d, " ", 1);
		}
	}
	if (in_a >= 0) {
		char tx[1024];
		ent_decode(atext, alen, tx, sizeof tx);
		d->links[in_a].text = pool_add(d, tx, strlen(tx));
	}
out:
	free(val);
	free(atext);
	return rc;
}
