/*
 * indicators.c — what an analyst wants out of an attacker's request: URLs,
 * IPv4 addresses, domain names (from URLs and "host:port" tokens), wallet
 * addresses that validate (core/wallet.h), image names, and the text of
 * inline Base64 payloads (also gzip inside Base64), decoded as inert text
 * and scanned again one level deeper. Nothing is fetched, resolved or run.
 *
 * Limits: HP_IND_MAX values per kind (the rest counted as dropped), 8
 * decodes per request, 48 KiB decoded and 64 KiB inflated per payload, all
 * of it kept for the payload hook (hp_payloads) but 4 KiB of each written
 * into records, two levels of nesting. Input: hostile text.
 * Threading: pure, per-call state.
 */
#include "core/compat.h"
#include "honeypot/internal.h"

#include <zlib.h>

#define DECODE_MAX (48 * 1024)
#define INFLATE_MAX (64 * 1024)
#define DECODED_KEEP 4096
#define B64_MIN 20

void hp_ind_init(struct hp_ind *in)
{
	memset(in, 0, sizeof(*in));
	in->decode_budget = 8;
}

static void set_release(struct hp_strset *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i]);
	s->n = 0;
}

void hp_ind_release(struct hp_ind *in)
{
	set_release(&in->urls);
	set_release(&in->ips);
	set_release(&in->domains);
	set_release(&in->wallets);
	set_release(&in->images);
	set_release(&in->decoded);
}

void hp_ind_add(struct hp_strset *s, const char *v, size_t len, const char *tag)
{
	char *c;

	if (!len)
		return;
	for (size_t i = 0; i < s->n; i++) {
		if (strlen(s->v[i]) == len && !memcmp(s->v[i], v, len))
			return;
	}
	if (s->n >= HP_IND_MAX) {
		s->dropped++;
		return;
	}
	c = malloc(len + 1);
	if (!c) {
		s->dropped++;
		return;
	}
	memcpy(c, v, len);
	c[len] = 0;
	s->tag[s->n] = tag;
	s->v[s->n++] = c;
}

bool hp_ind_empty(const struct hp_ind *in)
{
	return !in->urls.n && !in->ips.n && !in->domains.n && !in->wallets.n && !in->images.n &&
	       !in->decoded.n;
}

static bool is_alpha(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static bool is_host_char(int c)
{
	return is_alpha(c) || is_digit(c) || c == '-' || c == '.';
}

/* A dotted quad exactly; fills the normalised text. */
static bool parse_ipv4(const char *s, size_t len, char out[16])
{
	unsigned oct[4];
	size_t i = 0;

	for (int k = 0; k < 4; k++) {
		size_t d = 0;
		unsigned v = 0;
		while (i < len && is_digit(s[i]) && d < 4) {
			v = v * 10 + (unsigned)(s[i] - '0');
			i++;
			d++;
		}
		if (d == 0 || d > 3 || v > 255)
			return false;
		oct[k] = v;
		if (k < 3) {
			if (i >= len || s[i] != '.')
				return false;
			i++;
		}
	}
	if (i != len)
		return false;
	snprintf(out, 16, "%u.%u.%u.%u", oct[0], oct[1], oct[2], oct[3]);
	return true;
}

/* A host name with at least one dot and an alphabetic TLD of 2+ letters. */
static bool is_domain(const char *s, size_t len)
{
	size_t dot = 0, tld = 0;
	bool has_dot = false;

	if (len < 4 || len > 253 || s[0] == '.' || s[0] == '-' || s[len - 1] == '.')
		return false;
	for (size_t i = 0; i < len; i++) {
		if (!is_host_char(s[i]))
			return false;
		if (s[i] == '.') {
			if (i > 0 && s[i - 1] == '.')
				return false;
			has_dot = true;
			dot = i;
		}
	}
	if (!has_dot)
		return false;
	tld = len - dot - 1;
	if (tld < 2 || tld > 24)
		return false;
	for (size_t i = dot + 1; i < len; i++) {
		if (!is_alpha(s[i]))
			return false;
	}
	return true;
}

static void add_host(struct hp_ind *in, const char *h, size_t len)
{
	char ip[16];
	char low[256];

	if (parse_ipv4(h, len, ip)) {
		hp_ind_add(&in->ips, ip, strlen(ip), NULL);
		return;
	}
	if (len >= sizeof(low) || !is_domain(h, len))
		return;
	for (size_t i = 0; i < len; i++)
		low[i] = (char)((h[i] >= 'A' && h[i] <= 'Z') ? h[i] + 32 : h[i]);
	hp_ind_add(&in->domains, low, len, NULL);
}

static bool url_end(int c)
{
	return c <= ' ' || c == '"' || c == '\'' || c == '|' || c == ';' || c == '<' || c == '>' ||
	       c == '`' || c == '(' || c == ')' || c == '\\' || c == '{' || c == '}' || c == ',' ||
	       c == 127;
}

static const char *const schemes[] = { "http", "https", "ftp", "tftp", "tcp", "ws", "wss",
				       "ssl", "stratum+tcp", "stratum+ssl", "stratum+tls",
				       "stratum2+tcp", NULL };

static void scan_urls(struct hp_ind *in, const char *t, size_t len)
{
	for (size_t i = 0; i + 3 <= len; i++) {
		if (t[i] != ':' || t[i + 1] != '/' || t[i + 2] != '/')
			continue;
		size_t b = i;
		while (b > 0 && (is_alpha(t[b - 1]) || is_digit(t[b - 1]) || t[b - 1] == '+'))
			b--;
		size_t slen = i - b;
		bool known = false;
		for (size_t k = 0; schemes[k]; k++) {
			if (strlen(schemes[k]) == slen && !strncasecmp(t + b, schemes[k], slen))
				known = true;
		}
		if (!known)
			continue;
		size_t e = i + 3;
		while (e < len && !url_end((unsigned char)t[e]) && e - b < 2048)
			e++;
		if (e <= i + 3)
			continue;
		hp_ind_add(&in->urls, t + b, e - b, NULL);
		/* host: after userinfo, up to port, path, query */
		size_t h = i + 3, he = h;
		while (he < e && t[he] != '/' && t[he] != '?' && t[he] != '#')
			he++;
		const char *at = memchr(t + h, '@', he - h);
		if (at)
			h = (size_t)(at - t) + 1;
		size_t hh = h;
		while (hh < he && t[hh] != ':')
			hh++;
		add_host(in, t + h, hh - h);
		i = e - 1;
	}
}

/* Bare IPv4 and "domain:port" tokens. */
static void scan_hosts(struct hp_ind *in, const char *t, size_t len)
{
	size_t i = 0;

	while (i < len) {
		if (!is_host_char((unsigned char)t[i])) {
			i++;
			continue;
		}
		size_t b = i;
		while (i < len && is_host_char((unsigned char)t[i]))
			i++;
		size_t e = i;
		/* not the middle of a longer token such as a path or a URL */
		bool after_slash = b > 0 && t[b - 1] == '/';
		char ip[16];
		if (e - b <= 15 && parse_ipv4(t + b, e - b, ip)) {
			hp_ind_add(&in->ips, ip, strlen(ip), NULL);
			continue;
		}
		if (!after_slash && i + 1 < len && t[i] == ':' && is_digit((unsigned char)t[i + 1]) &&
		    is_domain(t + b, e - b))
			add_host(in, t + b, e - b);
	}
}

static bool is_b64(int c)
{
	return is_alpha(c) || is_digit(c) || c == '+' || c == '/' || c == '=';
}

static bool printable(const uint8_t *p, size_t n)
{
	size_t bad = 0;

	if (!n)
		return false;
	for (size_t i = 0; i < n; i++) {
		if ((p[i] < 0x20 && p[i] != '\n' && p[i] != '\r' && p[i] != '\t') || p[i] >= 0x7f)
			bad++;
	}
	return bad * 20 <= n;
}

static size_t gunzip(const uint8_t *in, size_t len, uint8_t *out, size_t cap)
{
	z_stream z;
	size_t n = 0;

	memset(&z, 0, sizeof(z));
	if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK)
		return 0;
	z.next_in = (Bytef *)(uintptr_t)in;
	z.avail_in = (uInt)len;
	z.next_out = out;
	z.avail_out = (uInt)cap;
	int rc = inflate(&z, Z_FINISH);
	if (rc == Z_STREAM_END || rc == Z_BUF_ERROR || rc == Z_OK)
		n = cap - z.avail_out;
	inflateEnd(&z);
	return n;
}

static void scan_depth(struct hp_ind *in, const char *text, size_t len, int depth);

static void scan_base64(struct hp_ind *in, const char *t, size_t len, int depth)
{
	uint8_t *dec = NULL, *inf = NULL;

	if (depth >= 2)
		return;
	for (size_t i = 0; i < len && in->decode_budget;) {
		if (!is_b64((unsigned char)t[i])) {
			i++;
			continue;
		}
		size_t b = i;
		while (i < len && is_b64((unsigned char)t[i]) && i - b < 4 * DECODE_MAX / 3)
			i++;
		size_t n = i - b;
		if (n < B64_MIN)
			continue;
		/* a run of letters only is a word or a wallet, not a payload */
		bool mixed = false;
		for (size_t k = b; k < i && !mixed; k++)
			mixed = is_digit(t[k]) || t[k] == '+' || t[k] == '/' || t[k] == '=';
		if (!mixed)
			continue;
		/* hex (hashes, 0x addresses) is not Base64 text */
		bool hex = true;
		for (size_t k = b; k < i && hex; k++)
			hex = is_digit(t[k]) || (t[k] >= 'a' && t[k] <= 'f') || (t[k] >= 'A' && t[k] <= 'F');
		if (hex)
			continue;
		if (!dec && !(dec = malloc(DECODE_MAX)))
			break;
		long d = mm_base64_decode(t + b, n - (n % 4 == 1 ? 1 : 0), dec, DECODE_MAX);
		if (d <= 0)
			continue;
		in->decode_budget--;
		const uint8_t *text = dec;
		size_t tlen = (size_t)d;
		const char *how = "base64";
		if (tlen > 2 && dec[0] == 0x1f && dec[1] == 0x8b) {
			if (!inf && !(inf = malloc(INFLATE_MAX)))
				break;
			tlen = gunzip(dec, (size_t)d, inf, INFLATE_MAX);
			text = inf;
			how = "base64+gzip";
		}
		if (!printable(text, tlen))
			continue;
		hp_ind_add(&in->decoded, (const char *)text, tlen, how);
		scan_depth(in, (const char *)text, tlen, depth + 1);
	}
	free(dec);
	free(inf);
}

static int on_wallet(void *arg, const char *addr, size_t len, size_t offset,
		     const struct mm_wallet *w)
{
	(void)offset;
	hp_ind_add(&((struct hp_ind *)arg)->wallets, addr, len, w->coin_name);
	return 0;
}

static void scan_depth(struct hp_ind *in, const char *text, size_t len, int depth)
{
	if (!text || !len)
		return;
	scan_urls(in, text, len);
	scan_hosts(in, text, len);
	mm_wallet_scan(text, len, on_wallet, in);
	scan_base64(in, text, len, depth);
}

void hp_ind_scan(struct hp_ind *in, const char *text, size_t len)
{
	scan_depth(in, text, len, 0);
}

static void set_json(struct mm_json *j, const char *key, const struct hp_strset *s)
{
	if (!s->n)
		return;
	mm_json_array_begin(j, key);
	for (size_t i = 0; i < s->n; i++)
		mm_json_str(j, NULL, s->v[i]);
	mm_json_array_end(j);
}

void hp_ind_json(const struct hp_ind *in, struct mm_json *j)
{
	size_t dropped = in->urls.dropped + in->ips.dropped + in->domains.dropped +
			 in->wallets.dropped + in->images.dropped + in->decoded.dropped;

	if (hp_ind_empty(in))
		return;
	mm_json_object_begin(j, "indicators");
	set_json(j, "urls", &in->urls);
	set_json(j, "ips", &in->ips);
	set_json(j, "domains", &in->domains);
	if (in->wallets.n) {
		mm_json_array_begin(j, "wallets");
		for (size_t i = 0; i < in->wallets.n; i++) {
			mm_json_object_begin(j, NULL);
			mm_json_str(j, "address", in->wallets.v[i]);
			mm_json_str(j, "coin", in->wallets.tag[i] ? in->wallets.tag[i] : "");
			mm_json_object_end(j);
		}
		mm_json_array_end(j);
	}
	set_json(j, "images", &in->images);
	if (in->decoded.n) {
		mm_json_array_begin(j, "decoded");
		for (size_t i = 0; i < in->decoded.n; i++) {
			mm_json_object_begin(j, NULL);
			mm_json_str(j, "encoding", in->decoded.tag[i]);
			mm_json_strn(j, "text", in->decoded.v[i],
				     MM_MIN(strlen(in->decoded.v[i]), (size_t)DECODED_KEEP));
			mm_json_object_end(j);
		}
		mm_json_array_end(j);
	}
	if (dropped)
		mm_json_uint(j, "dropped", dropped);
	mm_json_object_end(j);
}

void hp_image_normalise(const char *in, char *out, size_t cap)
{
	const char *p = in;
	const char *slash, *colon;
	bool has_tag;

	if (!strncmp(p, "docker.io/", 10))
		p += 10;
	else if (!strncmp(p, "index.docker.io/", 16))
		p += 16;
	if (!strncmp(p, "library/", 8) && !strchr(p + 8, '/'))
		p += 8;
	slash = strrchr(p, '/');
	colon = strrchr(slash ? slash : p, ':');
	has_tag = colon != NULL || strchr(p, '@') != NULL;
	snprintf(out, cap, "%s%s", p, has_tag ? "" : ":latest");
}
