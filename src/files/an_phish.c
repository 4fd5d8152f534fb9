/*
 * an_phish.c — analyser: phishing against cryptocurrency exchanges and
 * wallets, in e-mails (.eml, through GMime) and HTML pages.
 *
 * For every link (<a href> and its display text, bare URLs in text parts)
 * and every form action, the host is put into ASCII and Unicode form
 * (libidn2), cut to its registrable domain (libpsl) and compared with the
 * bundled brand list (rules/lists/exchange-brands.txt): a homoglyph of a
 * brand (Cyrillic 'а' in binance, mixed scripts), a brand's domain or
 * name in the subdomain (binance.com.secure-login.xyz), a brand name
 * inside another registrable name (coinbase-secure-login.com), a small
 * Damerau-Levenshtein distance (coinbasse.com), or display text that shows
 * a brand's domain while the link goes elsewhere. A link whose registrable
 * domain is one of the brand's real domains never alerts. Forms asking
 * for a password, a seed/recovery phrase (or word 1..24 inputs) or a
 * private key that post anywhere but the brand raise their own rule.
 * Attachments go back to the driver (files_examine_nested).
 *
 * Shared state (brand list, PSL context) is built once in open() and read
 * only afterwards; each call allocates one struct html_doc. Threading:
 * analyse() is safe on many workers.
 */
#include "core/compat.h"
#include "files/analyser.h"

#include <strings.h>
#include <idn2.h>
#include <libpsl.h>

#include "files/internal.h"
#include "files/mail.h"

#define PHISH_MAX_BRANDS 128
#define PHISH_MAX_DOMAINS 6
#define PHISH_MAX_KW 4
#define PHISH_HOST_MAX 256
#define PHISH_EVIDENCE_MAX (32 * 1024)
#define PHISH_EVIDENCE_LINKS 8

struct phish_brand {
	char name[64];
	char domains[PHISH_MAX_DOMAINS][64];
	int ndomains;
	char kw[PHISH_MAX_KW][32];
	int nkw;
};

struct phish_shared {
	struct phish_brand *brands;
	size_t nbrands;
	psl_ctx_t *psl;
	bool psl_owned;
};

/* --- rules ------------------------------------------------------------- */

static const struct mm_rule_meta rule_lookalike = {
	.id = "mamori.files.phish.lookalike-domain",
	.name = "Link or form to a look-alike domain of a cryptocurrency exchange or wallet",
	.engine = "files",
	.ruleset = "builtin",
	.category = "phishing",
	.level = MM_LEVEL_HIGH,
	.description = "A link or form target whose domain imitates an exchange or wallet "
		       "brand: IDN homoglyphs or mixed scripts, the brand's domain in a "
		       "subdomain, the brand's name inside another registrable domain, or a "
		       "Damerau-Levenshtein distance of one or two from the brand's name.",
	.references = { "https://attack.mitre.org/techniques/T1566/002/",
			"https://attack.mitre.org/techniques/T1583/001/", NULL },
	.techniques = { "T1566.002", "T1583.001", NULL },
	.tactics = { "initial-access", "resource-development", NULL },
};

static const struct mm_rule_meta rule_mismatch = {
	.id = "mamori.files.phish.display-mismatch",
	.name = "Link text shows an exchange's domain but the link goes elsewhere",
	.engine = "files",
	.ruleset = "builtin",
	.category = "phishing",
	.level = MM_LEVEL_HIGH,
	.description = "The visible text of a link names a cryptocurrency exchange or "
		       "wallet domain (https://www.coinbase.com) while its href points to a "
		       "different registrable domain.",
	.references = { "https://attack.mitre.org/techniques/T1566/002/", NULL },
	.techniques = { "T1566.002", "T1036", NULL },
	.tactics = { "initial-access", "defense-evasion", NULL },
};

static const struct mm_rule_meta rule_form = {
	.id = "mamori.files.phish.credential-form",
	.name = "Form collects exchange credentials, a seed phrase or a private key",
	.engine = "files",
	.ruleset = "builtin",
	.category = "phishing",
	.level = MM_LEVEL_HIGH,
	.description = "An HTML page or mail with a form asking for a password next to an "
		       "exchange brand, or for a wallet seed/recovery phrase (word 1..24) or "
		       "private key, posting to a domain that is not the brand's.",
	.references = { "https://attack.mitre.org/techniques/T1056/003/",
			"https://attack.mitre.org/techniques/T1566/", NULL },
	.techniques = { "T1056.003", "T1566", NULL },
	.tactics = { "credential-access", "initial-access", NULL },
};

static int phish_register(struct mm_catalogue *cat, const struct mm_config *cfg)
{
	const struct mm_rule_meta *all[] = { &rule_lookalike, &rule_mismatch, &rule_form };

	(void)cfg;
	for (size_t i = 0; i < MM_ARRAY_SIZE(all); i++) {
		int rc = mm_catalogue_add(cat, all[i], NULL);
		if (rc < 0 && rc != MM_EEXIST)
			return rc;
	}
	return 0;
}

/* --- brand list -------------------------------------------------------- */

static void trim_copy(char *out, size_t cap, const char *s, size_t n)
{
	while (n > 0 && (*s == ' ' || *s == '\t')) {
		s++;
		n--;
	}
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	if (n >= cap)
		n = cap - 1;
	for (size_t i = 0; i < n; i++)
		out[i] = (char)((s[i] >= 'A' && s[i] <= 'Z') ? s[i] + 32 : s[i]);
	out[n] = '\0';
}

/* "a, b, c" into up to max fields of width w */
static int split_list(const char *s, size_t n, char *fields, size_t w, int max)
{
	int k = 0;
	size_t st = 0;

	for (size_t i = 0; i <= n && k < max; i++) {
		if (i == n || s[i] == ',') {
			trim_copy(fields + (size_t)k * w, w, s + st, i - st);
			if (fields[(size_t)k * w])
				k++;
			st = i + 1;
		}
	}
	return k;
}

static bool parse_brand(const char *line, struct phish_brand *b)
{
	const char *p1 = strchr(line, '|'), *p2 = p1 ? strchr(p1 + 1, '|') : NULL;

	memset(b, 0, sizeof *b);
	if (!p1 || !p2)
		return false;
	{
		size_t n = (size_t)(p1 - line);
		while (n > 0 && (line[n - 1] == ' '))
			n--;
		snprintf(b->name, sizeof b->name, "%.*s", (int)n, line);
	}
	b->ndomains = split_list(p1 + 1, (size_t)(p2 - p1 - 1), &b->domains[0][0],
				 sizeof b->domains[0], PHISH_MAX_DOMAINS);
	b->nkw = split_list(p2 + 1, strlen(p2 + 1), &b->kw[0][0], sizeof b->kw[0], PHISH_MAX_KW);
	return b->ndomains > 0 && b->nkw > 0;
}

static void phish_close(void *shared)
{
	struct phish_shared *s = shared;

	if (!s)
		return;
	if (s->psl_owned)
		psl_free(s->psl);
	free(s->brands);
	free(s);
}

static int phish_open(void **out, const struct mm_engine_env *env, struct mm_diag *diag)
{
	struct phish_shared *s = NULL;
	struct files_list list;
	char path[4096];
	int rc = 0;

	memset(&list, 0, sizeof list);
	*out = NULL;
	/* GMime starts with the first e-mail (mail_walk()), not here */
	s = calloc(1, sizeof *s);
	if (!s)
		return MM_ENOMEM;
	s->psl = psl_latest(NULL);
	s->psl_owned = s->psl != NULL;
	if (!s->psl)
		s->psl = (psl_ctx_t *)(uintptr_t)psl_builtin();
	s->brands = calloc(PHISH_MAX_BRANDS, sizeof *s->brands);
	if (!s->brands) {
		rc = MM_ENOMEM;
		goto out;
	}
	/* without the bundled list, only brand-free checks (seed forms) run */
	if (env && env->bundled_rules_dir &&
	    files_list_path(env, "exchange-brands.txt", path, sizeof path) == 0) {
		rc = files_list_load(&list, path, PHISH_MAX_BRANDS, diag);
		if (rc < 0) {
			rc = 0;	/* reported by the loader's diag; keep going without brands */
		} else {
			for (size_t i = 0; i < list.n && s->nbrands < PHISH_MAX_BRANDS; i++)
				if (parse_brand(list.items[i], &s->brands[s->nbrands]))
					s->nbrands++;
		}
	}
	*out = s;
	s = NULL;
out:
	files_list_release(&list);
	phish_close(s);
	return rc;
}

static void *phish_worker_new_shared(void *shared, const struct mm_config *cfg)
{
	(void)cfg;
	/* the worker state is the shared read-only state itself (open() always
	 * makes one, brands or not) */
	return shared;
}

/* --- domains ----------------------------------------------------------- */

#define PH_LEGIT 0x001u
#define PH_HOMOGLYPH 0x002u
#define PH_MIXED_SCRIPT 0x004u
#define PH_BRAND_SUBDOMAIN 0x008u
#define PH_BRAND_IN_NAME 0x010u
#define PH_EDIT_DISTANCE 0x020u
#define PH_IP_HOST 0x040u
#define PH_PUNYCODE 0x080u
#define PH_DISPLAY_MISMATCH 0x100u
#define PH_BRAND_DOMAIN_SUB 0x200u	/* a brand's whole domain in the subdomain */

static const char *ph_name(unsigned bit)
{
	switch (bit) {
	case PH_HOMOGLYPH: return "idn_homoglyph";
	case PH_MIXED_SCRIPT: return "mixed_scripts";
	case PH_BRAND_SUBDOMAIN: return "brand_in_subdomain";
	case PH_BRAND_IN_NAME: return "brand_in_other_domain";
	case PH_EDIT_DISTANCE: return "edit_distance";
	case PH_IP_HOST: return "ip_address_host";
	case PH_PUNYCODE: return "punycode";
	case PH_DISPLAY_MISMATCH: return "display_text_mismatch";
	case PH_BRAND_DOMAIN_SUB: return "brand_domain_in_subdomain";
	default: return NULL;
	}
}

struct host_info {
	char ascii[PHISH_HOST_MAX];	/* lower case, punycode */
	char uni[PHISH_HOST_MAX];	/* Unicode form */
	char reg[PHISH_HOST_MAX];	/* registrable domain (ascii) */
	char label[PHISH_HOST_MAX];	/* registrable label (ascii) */
	char ulabel[PHISH_HOST_MAX];	/* the same label, Unicode */
	char skel[PHISH_HOST_MAX];	/* ulabel with confusables folded to ASCII */
	unsigned props;
	int brand;			/* index, or -1 */
	int distance;
};

/* Host of an absolute URL (http, https, scheme-relative); false for
 * relative links, mailto:, javascript: and the like. */
static bool url_host(const char *url, char *host, size_t cap)
{
	const char *p = url, *h, *e;
	size_t n = 0;

	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
		p++;
	if (strncasecmp(p, "http://", 7) == 0)
		h = p + 7;
	else if (strncasecmp(p, "https://", 8) == 0)
		h = p + 8;
	else if (strncasecmp(p, "hxxp://", 7) == 0 || strncasecmp(p, "hxxps://", 8) == 0)
		h = strstr(p, "://") + 3;
	else if (p[0] == '/' && p[1] == '/')
		h = p + 2;
	else
		return false;
	while (*h == '/' || *h == '\\')
		h++;
	e = h;
	while (*e && !strchr("/\\?#", *e))
		e++;
	/* userinfo: "https://www.coinbase.com@evil.example/" */
	for (const char *a = h; a < e; a++)
		if (*a == '@')
			h = a + 1;
	for (const char *c = h; c < e && *c != ':' && n + 1 < cap; c++)
		host[n++] = (char)((*c >= 'A' && *c <= 'Z') ? *c + 32 : *c);
	while (n > 0 && host[n - 1] == '.')
		n--;
	host[n] = '\0';
	return n > 0;
}

/* Host shown in link text: a URL, or a bare domain ("www.coinbase.com"). */
static bool text_host(const char *text, char *host, size_t cap)
{
	const char *p = text;
	size_t n = 0, dots = 0;

	while (*p == ' ')
		p++;
	{
		const char *sep = strstr(p, "://"), *st;
		if (sep) {
			st = sep;
			while (st > p && ((st[-1] | 0x20) >= 'a' && (st[-1] | 0x20) <= 'z'))
				st--;
			return url_host(st, host, cap);
		}
	}
	for (; *p && *p != ' ' && *p != '/' && n + 1 < cap; p++) {
		char c = *p;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '.' || (unsigned char)c >= 0x80))
			return false;
		dots += c == '.';
		host[n++] = (char)((c >= 'A' && c <= 'Z') ? c + 32 : c);
	}
	while (n > 0 && host[n - 1] == '.') {
		n--;
		dots--;
	}
	host[n] = '\0';
	return dots > 0 && n > 3 && host[0] != '.';
}

static bool is_ip(const char *h)
{
	int dots = 0;

	if (h[0] == '[')
		return true;
	for (const char *p = h; *p; p++) {
		if (*p == '.')
			dots++;
		else if (*p < '0' || *p > '9')
			return false;
	}
	return dots == 3;
}

static uint32_t next_cp(const char **s)
{
	const uint8_t *p = (const uint8_t *)*s;
	uint32_t cp;
	int k;

	if (p[0] < 0x80) {
		*s += 1;
		return p[0];
	}
	if ((p[0] & 0xe0) == 0xc0) {
		cp = p[0] & 0x1f;
		k = 1;
	} else if ((p[0] & 0xf0) == 0xe0) {
		cp = p[0] & 0x0f;
		k = 2;
	} else if ((p[0] & 0xf8) == 0xf0) {
		cp = p[0] & 0x07;
		k = 3;
	} else {
		*s += 1;
		return 0xfffd;
	}
	for (int i = 1; i <= k; i++) {
		if ((p[i] & 0xc0) != 0x80) {
			*s += (size_t)i;
			return 0xfffd;
		}
		cp = (cp << 6) | (p[i] & 0x3f);
	}
	*s += (size_t)k + 1;
	return cp;
}

/* Folds a confusable code point to the ASCII letter it imitates (0: none). */
static char fold_cp(uint32_t c, int *script)
{
	static const struct {
		uint32_t cp;
		char to;
	} tab[] = {
		/* Cyrillic */
		{ 0x430, 'a' }, { 0x435, 'e' }, { 0x455, 's' }, { 0x456, 'i' }, { 0x457, 'i' },
		{ 0x458, 'j' }, { 0x43e, 'o' }, { 0x440, 'p' }, { 0x441, 'c' }, { 0x443, 'y' },
		{ 0x445, 'x' }, { 0x4bb, 'h' }, { 0x501, 'd' }, { 0x51b, 'q' }, { 0x51d, 'w' },
		{ 0x4cf, 'l' }, { 0x43a, 'k' }, { 0x44c, 'b' }, { 0x432, 'b' }, { 0x43d, 'h' },
		{ 0x442, 't' }, { 0x43c, 'm' }, { 0x433, 'r' },
		/* Greek */
		{ 0x3b1, 'a' }, { 0x3bf, 'o' }, { 0x3c1, 'p' }, { 0x3bd, 'v' }, { 0x3b9, 'i' },
		{ 0x3ba, 'k' }, { 0x3c4, 't' }, { 0x3c5, 'u' }, { 0x3c7, 'x' }, { 0x3f2, 'c' },
		{ 0x3b5, 'e' }, { 0x3b2, 'b' }, { 0x3b7, 'n' },
		/* Armenian */
		{ 0x578, 'n' }, { 0x57d, 'u' }, { 0x585, 'o' }, { 0x570, 'h' },
		/* Latin look-alikes */
		{ 0x131, 'i' }, { 0x237, 'j' }, { 0x269, 'i' }, { 0x261, 'g' }, { 0x28f, 'y' },
		{ 0x1e9, 'k' }, { 0x1ce, 'a' }, { 0x1d0, 'i' }, { 0x1d2, 'o' }, { 0x1d4, 'u' },
	};
	static const struct {
		uint32_t lo, hi;
		char to;
	} ranges[] = {
		{ 0xe0, 0xe5, 'a' }, { 0xe7, 0xe7, 'c' }, { 0xe8, 0xeb, 'e' }, { 0xec, 0xef, 'i' },
		{ 0xf1, 0xf1, 'n' }, { 0xf2, 0xf6, 'o' }, { 0xf8, 0xf8, 'o' }, { 0xf9, 0xfc, 'u' },
		{ 0xfd, 0xfd, 'y' }, { 0xff, 0xff, 'y' },
		{ 0x100, 0x105, 'a' }, { 0x106, 0x10d, 'c' }, { 0x10e, 0x111, 'd' },
		{ 0x112, 0x11b, 'e' }, { 0x11c, 0x123, 'g' }, { 0x124, 0x127, 'h' },
		{ 0x128, 0x130, 'i' }, { 0x134, 0x135, 'j' }, { 0x136, 0x138, 'k' },
		{ 0x139, 0x142, 'l' }, { 0x143, 0x14b, 'n' }, { 0x14c, 0x153, 'o' },
		{ 0x154, 0x159, 'r' }, { 0x15a, 0x161, 's' }, { 0x162, 0x167, 't' },
		{ 0x168, 0x173, 'u' }, { 0x174, 0x175, 'w' }, { 0x176, 0x178, 'y' },
		{ 0x179, 0x17e, 'z' },
	};

	*script = 0;
	if (c >= 0xff01 && c <= 0xff5e) {	/* fullwidth ASCII */
		c -= 0xfee0;
		return (char)((c >= 'A' && c <= 'Z') ? c + 32 : c);
	}
	if (c >= 0x400 && c <= 0x52f)
		*script = 2;
	else if (c >= 0x370 && c <= 0x3ff)
		*script = 3;
	else if (c >= 0x530 && c <= 0x58f)
		*script = 4;
	else
		*script = 1;	/* Latin extended and others */
	for (size_t i = 0; i < MM_ARRAY_SIZE(tab); i++)
		if (tab[i].cp == c)
			return tab[i].to;
	for (size_t i = 0; i < MM_ARRAY_SIZE(ranges); i++)
		if (c >= ranges[i].lo && c <= ranges[i].hi)
			return ranges[i].to;
	return 0;
}

/* skeleton of a Unicode label; returns whether it mixes scripts */
static bool skeleton(const char *ulabel, char *out, size_t cap, bool *non_ascii)
{
	const char *p = ulabel;
	size_t n = 0;
	bool latin = false, other = false;

	*non_ascii = false;
	while (*p && n + 1 < cap) {
		uint32_t c = next_cp(&p);
		int script;
		char f;

		if (c < 0x80) {
			if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
				latin = true;
			out[n++] = (char)((c >= 'A' && c <= 'Z') ? c + 32 : c);
			continue;
		}
		*non_ascii = true;
		f = fold_cp(c, &script);
		if (script >= 2)
			other = true;
		else
			latin = true;
		out[n++] = f ? f : '?';
	}
	out[n] = '\0';
	return latin && other;
}

/* Damerau-Levenshtein (optimal string alignment), capped inputs. */
static int dl_distance(const char *a, const char *b)
{
	size_t n = strlen(a), m = strlen(b);
	int d[3][65];
	int *prev2 = d[0], *prev = d[1], *cur = d[2];

	if (n > 64 || m > 64)
		return 99;
	for (size_t j = 0; j <= m; j++)
		prev[j] = (int)j;
	for (size_t i = 1; i <= n; i++) {
		cur[0] = (int)i;
		for (size_t j = 1; j <= m; j++) {
			int cost = a[i - 1] == b[j - 1] ? 0 : 1;
			int v = MM_MIN(prev[j] + 1, cur[j - 1] + 1);
			v = MM_MIN(v, prev[j - 1] + cost);
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
				v = MM_MIN(v, prev2[j - 2] + 1);
			cur[j] = v;
		}
		{
			int *t = prev2;
			prev2 = prev;
			prev = cur;
			cur = t;
		}
	}
	return prev[m];
}

static bool host_is_brand(const struct phish_brand *b, const char *ascii, const char *reg)
{
	for (int i = 0; i < b->ndomains; i++) {
		const char *d = b->domains[i];
		size_t hl = strlen(ascii), dl = strlen(d);
		if (strcmp(reg, d) == 0 || strcmp(ascii, d) == 0)
			return true;
		if (hl > dl && strcmp(ascii + hl - dl, d) == 0 && ascii[hl - dl - 1] == '.')
			return true;
	}
	return false;
}

static int kw_threshold(const char *kw)
{
	size_t n = strlen(kw);

	return n >= 7 ? 2 : n >= 5 ? 1 : 0;
}

/* Does label contain kw as a '-'/digit-separated token, or (long kw) at all? */
static bool kw_in_label(const char *label, const char *kw)
{
	size_t kl = strlen(kw);
	const char *p = label;

	while ((p = strstr(p, kw)) != NULL) {
		bool left = p == label || p[-1] == '-' || p[-1] == '.' || (p[-1] >= '0' && p[-1] <= '9');
		bool right = p[kl] == '\0' || p[kl] == '-' || p[kl] == '.' ||
			     (p[kl] >= '0' && p[kl] <= '9');
		if ((left && right) || kl >= 6)
			return true;
		p++;
	}
	return false;
}

static void analyse_host(const struct phish_shared *sh, const char *raw, struct host_info *hi)
{
	char *tmp = NULL;
	const char *reg;
	bool non_ascii_raw = false;

	memset(hi, 0, sizeof *hi);
	hi->brand = -1;
	snprintf(hi->ascii, sizeof hi->ascii, "%s", raw);
	snprintf(hi->uni, sizeof hi->uni, "%s", raw);
	for (const char *p = raw; *p; p++)
		non_ascii_raw |= (unsigned char)*p >= 0x80;
	if (non_ascii_raw) {
		if (idn2_to_ascii_8z(raw, &tmp, IDN2_NONTRANSITIONAL) == IDN2_OK && tmp) {
			snprintf(hi->ascii, sizeof hi->ascii, "%s", tmp);
			for (char *c = hi->ascii; *c; c++)
				*c = (char)((*c >= 'A' && *c <= 'Z') ? *c + 32 : *c);
		}
		idn2_free(tmp);
		tmp = NULL;
	} else if (strstr(raw, "xn--")) {
		hi->props |= PH_PUNYCODE;
		if (idn2_to_unicode_8z8z(raw, &tmp, 0) == IDN2_OK && tmp)
			snprintf(hi->uni, sizeof hi->uni, "%s", tmp);
		idn2_free(tmp);
		tmp = NULL;
	}
	if (is_ip(hi->ascii)) {
		hi->props |= PH_IP_HOST;
		snprintf(hi->reg, sizeof hi->reg, "%s", hi->ascii);
		return;
	}
	reg = sh->psl ? psl_registrable_domain(sh->psl, hi->ascii) : NULL;
	snprintf(hi->reg, sizeof hi->reg, "%s", reg ? reg : hi->ascii);
	{
		const char *dot = strchr(hi->reg, '.');
		size_t ll = dot ? (size_t)(dot - hi->reg) : strlen(hi->reg);
		snprintf(hi->label, sizeof hi->label, "%.*s", (int)ll, hi->reg);
	}
	/* the Unicode label at the same position from the right */
	{
		int labels_a = 0, labels_reg = 0, idx;
		const char *p;
		for (p = hi->ascii; *p; p++)
			labels_a += *p == '.';
		for (p = hi->reg; *p; p++)
			labels_reg += *p == '.';
		idx = labels_a - labels_reg;	/* label index of the registrable label */
		p = hi->uni;
		for (int k = 0; k < idx && p; k++) {
			p = strchr(p, '.');
			if (p)
				p++;
		}
		if (p) {
			const char *e = strchr(p, '.');
			size_t ll = e ? (size_t)(e - p) : strlen(p);
			snprintf(hi->ulabel, sizeof hi->ulabel, "%.*s", (int)ll, p);
		} else {
			snprintf(hi->ulabel, sizeof hi->ulabel, "%s", hi->label);
		}
	}
	{
		bool non_ascii = false;
		if (skeleton(hi->ulabel, hi->skel, sizeof hi->skel, &non_ascii))
			hi->props |= PH_MIXED_SCRIPT;
		if (!non_ascii)
			snprintf(hi->skel, sizeof hi->skel, "%s", hi->label);
	}

	for (size_t bi = 0; bi < sh->nbrands; bi++)
		if (host_is_brand(&sh->brands[bi], hi->ascii, hi->reg)) {
			hi->props |= PH_LEGIT;
			hi->brand = (int)bi;
			return;
		}
	for (size_t bi = 0; bi < sh->nbrands && hi->brand < 0; bi++) {
		const struct phish_brand *b = &sh->brands[bi];
		size_t sublen = strlen(hi->ascii) > strlen(hi->reg) ?
				strlen(hi->ascii) - strlen(hi->reg) : 0;
		char sub[PHISH_HOST_MAX];

		snprintf(sub, sizeof sub, "%.*s", (int)sublen, hi->ascii);
		for (int d = 0; d < b->ndomains && sublen; d++)
			if (strstr(sub, b->domains[d])) {
				hi->props |= PH_BRAND_SUBDOMAIN | PH_BRAND_DOMAIN_SUB;
				hi->brand = (int)bi;
			}
		for (int k = 0; k < b->nkw; k++) {
			const char *kw = b->kw[k];
			int thr = kw_threshold(kw);
			bool non_ascii_label = strcmp(hi->skel, hi->label) != 0;

			if (non_ascii_label && (strcmp(hi->skel, kw) == 0 ||
						(thr && dl_distance(hi->skel, kw) <= thr) ||
						kw_in_label(hi->skel, kw))) {
				hi->props |= PH_HOMOGLYPH;
				hi->brand = (int)bi;
			}
			if (sublen && kw_in_label(sub, kw) && strlen(kw) >= 4) {
				hi->props |= PH_BRAND_SUBDOMAIN;
				hi->brand = (int)bi;
			}
			if (kw_in_label(hi->label, kw) && strcmp(hi->label, kw) != 0) {
				hi->props |= PH_BRAND_IN_NAME;
				hi->brand = (int)bi;
			} else if (thr && !non_ascii_label) {
				char flat[PHISH_HOST_MAX];
				size_t fn = 0;
				int dist;
				for (const char *c = hi->label; *c && fn + 1 < sizeof flat; c++)
					if (*c != '-')
						flat[fn++] = *c;
				flat[fn] = '\0';
				/* a length gap over the threshold cannot be within it */
				if (strlen(flat) > strlen(kw) + (size_t)thr + 4 &&
				    strlen(hi->label) > strlen(kw) + (size_t)thr)
					continue;
				dist = MM_MIN(dl_distance(hi->label, kw), dl_distance(flat, kw));
				if (dist > 0 && dist <= thr) {
					hi->props |= PH_EDIT_DISTANCE;
					hi->brand = (int)bi;
					hi->distance = dist;
				}
			} else if (strcmp(hi->label, kw) == 0) {
				/* the brand's name under another suffix (binance.xyz) */
				hi->props |= PH_BRAND_IN_NAME;
				hi->brand = (int)bi;
			}
		}
	}
}

/* --- document analysis ------------------------------------------------- */

struct finding {
	char where[16];		/* "link", "form" */
	char target[512];
	char display[256];
	char host[PHISH_HOST_MAX];
	char uni[PHISH_HOST_MAX];
	char reg[PHISH_HOST_MAX];
	unsigned props;
	int brand;
	unsigned kinds;		/* form input kinds */
	int distance;
};

struct phish_doc {
	const struct phish_shared *sh;
	struct html_doc html;
	struct mail_summary mail;
	bool is_mail;
	struct finding *look;	/* PHISH_EVIDENCE_LINKS each */
	unsigned nlook, look_total;
	struct finding *mism;
	unsigned nmism, mism_total;
	struct finding *forms;
	unsigned nforms, forms_total;
	unsigned attachments;
	const struct file_view *v;
	struct mm_scan_ctx *ctx;
};

static void add_finding(struct finding *arr, unsigned *n, unsigned *total, const char *where,
			const char *target, const char *display, const struct host_info *hi,
			unsigned kinds)
{
	struct finding *f;

	(*total)++;
	if (*n >= PHISH_EVIDENCE_LINKS)
		return;
	f = &arr[(*n)++];
	memset(f, 0, sizeof *f);
	snprintf(f->where, sizeof f->where, "%s", where);
	snprintf(f->target, sizeof f->target, "%s", target);
	snprintf(f->display, sizeof f->display, "%s", display ? display : "");
	if (hi) {
		snprintf(f->host, sizeof f->host, "%s", hi->ascii);
		snprintf(f->uni, sizeof f->uni, "%s", hi->uni);
		snprintf(f->reg, sizeof f->reg, "%s", hi->reg);
		f->props = hi->props;
		f->brand = hi->brand;
		f->distance = hi->distance;
	} else {
		f->brand = -1;
	}
	f->kinds = kinds;
}

static const unsigned PH_LOOKALIKE = PH_HOMOGLYPH | PH_BRAND_SUBDOMAIN | PH_BRAND_IN_NAME |
				     PH_EDIT_DISTANCE;

static void check_link(struct phish_doc *pd, const char *href, const char *text)
{
	struct host_info *hi = NULL, *di = NULL;
	char host[PHISH_HOST_MAX], dhost[PHISH_HOST_MAX];

	if (!url_host(href, host, sizeof host))
		return;
	hi = malloc(sizeof *hi);
	di = malloc(sizeof *di);
	if (!hi || !di)
		goto out;
	analyse_host(pd->sh, host, hi);
	if (hi->props & PH_LEGIT)
		goto out;
	if (hi->props & PH_LOOKALIKE)
		add_finding(pd->look, &pd->nlook, &pd->look_total, "link", href, text, hi, 0);
	if (text && text_host(text, dhost, sizeof dhost)) {
		analyse_host(pd->sh, dhost, di);
		if ((di->props & PH_LEGIT) && strcmp(di->reg, hi->reg) != 0) {
			hi->props |= PH_DISPLAY_MISMATCH;
			hi->brand = di->brand;
			add_finding(pd->mism, &pd->nmism, &pd->mism_total, "link", href, text, hi, 0);
		}
	}
out:
	free(hi);
	free(di);
}

static void check_form(struct phish_doc *pd, const struct html_form *f, const char *action)
{
	struct host_info *hi;
	char host[PHISH_HOST_MAX];
	unsigned kinds = f->kinds;

	if (f->word_inputs >= 12)
		kinds |= HTML_IN_SEED;
	if (!(kinds & (HTML_IN_PASSWORD | HTML_IN_SEED | HTML_IN_PRIVKEY)))
		return;
	hi = malloc(sizeof *hi);
	if (!hi)
		return;
	if (url_host(action, host, sizeof host)) {
		analyse_host(pd->sh, host, hi);
		if (!(hi->props & PH_LEGIT)) {
			add_finding(pd->forms, &pd->nforms, &pd->forms_total, "form", action, NULL,
				    hi, kinds);
			if (hi->props & PH_LOOKALIKE)
				add_finding(pd->look, &pd->nlook, &pd->look_total, "form", action,
					    NULL, hi, kinds);
		}
	} else {
		/* relative or empty action: the page's own site, unknown here */
		add_finding(pd->forms, &pd->nforms, &pd->forms_total, "form", action, NULL, NULL,
			    kinds);
	}
	free(hi);
}

/* bare URLs in plain text */
static void scan_text_urls(struct phish_doc *pd, const char *t, size_t n)
{
	size_t i = 0;
	unsigned count = 0;

	while (i < n && count < HTML_MAX_LINKS) {
		const uint8_t *p = files_memcasemem((const uint8_t *)t + i, n - i, "http", 4);
		char url[1024];
		size_t s, e;

		if (!p)
			break;
		s = (size_t)(p - (const uint8_t *)t);
		e = s;
		while (e < n && e - s < sizeof url - 1 && (unsigned char)t[e] > 0x20 &&
		       !strchr("<>\"'()[]", t[e]))
			e++;
		memcpy(url, t + s, e - s);
		url[e - s] = '\0';
		if (strstr(url, "://")) {
			check_link(pd, url, NULL);
			count++;
		}
		i = e > s ? e : s + 4;
	}
}

static void sanitize_name(char *out, size_t cap, const char *name, unsigned index)
{
	size_t n = 0;

	if (!name || !*name) {
		snprintf(out, cap, "part-%u", index);
		return;
	}
	for (const char *p = name; *p && n + 1 < cap && n < 100; p++) {
		unsigned char c = (unsigned char)*p;
		out[n++] = (c < 0x20 || c == '!' || c == '/' || c == '\\' || c == 0x7f) ? '_' : (char)c;
	}
	out[n] = '\0';
}

static int mail_part(void *arg, const struct mail_part_info *pi, const uint8_t *data, size_t len)
{
	struct phish_doc *pd = arg;

	if (pi->attachment) {
		char name[128];
		int rc;
		pd->attachments++;
		sanitize_name(name, sizeof name, pi->filename, pi->index);
		rc = files_examine_nested(pd->ctx, pd->v, name, data, len);
		return rc == MM_ENOMEM ? rc : 0;
	}
	if (strcmp(pi->content_type, "text/html") == 0)
		return html_scan(&pd->html, (const char *)data, len);
	if (pi->text) {
		scan_text_urls(pd, (const char *)data, len);
		/* keep the text for brand mentions */
		if (pd->html.text.len + 1 < HTML_TEXT_MAX) {
			size_t take = MM_MIN(len, HTML_TEXT_MAX - 1 - pd->html.text.len);
			if (mm_buf_append(&pd->html.text, data, take) < 0)
				return 0;
		}
	}
	return 0;
}

/* Brand mentions in the title, subject and text: index of the brand most
 * mentioned, or -1. */
static int brand_context(const struct phish_doc *pd)
{
	int best = -1;
	size_t best_n = 0;

	for (size_t bi = 0; bi < pd->sh->nbrands; bi++) {
		const struct phish_brand *b = &pd->sh->brands[bi];
		size_t n = 0;
		const char *fields[] = { pd->html.title, pd->mail.subject, pd->mail.from };

		for (int k = 0; k < b->nkw; k++) {
			if (strlen(b->kw[k]) < 4)
				continue;
			if (pd->html.text.ptr)
				n += files_count_ci((const uint8_t *)pd->html.text.ptr, pd->html.text.len,
						    b->kw[k], 16);
			for (size_t f = 0; f < MM_ARRAY_SIZE(fields); f++)
				n += files_count_ci((const uint8_t *)fields[f], strlen(fields[f]),
						    b->kw[k], 4) * 2;
		}
		if (strlen(b->name) >= 4 && strchr(b->name, ' ') && pd->html.text.ptr)
			n += files_count_ci((const uint8_t *)pd->html.text.ptr, pd->html.text.len,
					    b->name, 16);
		if (n > best_n) {
			best_n = n;
			best = (int)bi;
		}
	}
	return best;
}

static bool seed_text(const struct phish_doc *pd)
{
	static const char *const words[] = { "recovery phrase", "seed phrase", "secret phrase",
					     "mnemonic", "12-word", "24-word", "12 word",
					     "24 word", "secret recovery" };
	for (size_t i = 0; i < MM_ARRAY_SIZE(words); i++)
		if (pd->html.text.ptr && files_memcasemem((const uint8_t *)pd->html.text.ptr,
							  pd->html.text.len, words[i],
							  strlen(words[i])))
			return true;
	return false;
}

static void finding_json(struct mm_json *j, const struct phish_doc *pd, const struct finding *f)
{
	mm_json_object_begin(j, NULL);
	mm_json_str(j, "in", f->where);
	mm_json_str(j, "target", f->target);
	if (f->display[0])
		mm_json_str(j, "display_text", f->display);
	if (f->host[0]) {
		mm_json_str(j, "host", f->host);
		if (strcmp(f->uni, f->host) != 0)
			mm_json_str(j, "host_unicode", f->uni);
		mm_json_str(j, "registrable_domain", f->reg);
	}
	if (f->brand >= 0) {
		const struct phish_brand *b = &pd->sh->brands[f->brand];
		mm_json_str(j, "brand", b->name);
		mm_json_str(j, "brand_domain", b->domains[0]);
	}
	mm_json_array_begin(j, "properties");
	for (unsigned bit = PH_HOMOGLYPH; bit <= PH_BRAND_DOMAIN_SUB; bit <<= 1)
		if ((f->props & bit) && ph_name(bit))
			mm_json_str(j, NULL, ph_name(bit));
	mm_json_array_end(j);
	if (f->distance)
		mm_json_int(j, "edit_distance", f->distance);
	if (f->kinds) {
		mm_json_array_begin(j, "asks_for");
		if (f->kinds & HTML_IN_PASSWORD) mm_json_str(j, NULL, "password");
		if (f->kinds & HTML_IN_SEED) mm_json_str(j, NULL, "seed_phrase");
		if (f->kinds & HTML_IN_PRIVKEY) mm_json_str(j, NULL, "private_key");
		if (f->kinds & HTML_IN_EMAIL) mm_json_str(j, NULL, "email");
		mm_json_array_end(j);
	}
	mm_json_object_end(j);
}

static int emit(struct phish_doc *pd, const struct mm_rule_meta *rule, enum mm_level level,
		const struct finding *arr, unsigned n, unsigned total, int ctx_brand,
		const char *reason)
{
	struct mm_buf ev;
	struct mm_json j;
	struct mm_alert a;
	int rc;

	mm_buf_init(&ev, PHISH_EVIDENCE_MAX);
	mm_json_init(&j, &ev);
	mm_json_object_begin(&j, NULL);
	if (pd->is_mail) {
		mm_json_object_begin(&j, "email");
		files_json_excerpt(&j, "subject", (const uint8_t *)pd->mail.subject,
				   strlen(pd->mail.subject), 200);
		files_json_excerpt(&j, "from", (const uint8_t *)pd->mail.from,
				   strlen(pd->mail.from), 200);
		mm_json_uint(&j, "parts", pd->mail.parts);
		if (pd->attachments)
			mm_json_uint(&j, "attachments", pd->attachments);
		mm_json_object_end(&j);
	}
	if (pd->html.title[0])
		files_json_excerpt(&j, "title", (const uint8_t *)pd->html.title,
				   strlen(pd->html.title), 200);
	if (ctx_brand >= 0)
		mm_json_str(&j, "brand_mentioned", pd->sh->brands[ctx_brand].name);
	mm_json_array_begin(&j, "findings");
	for (unsigned i = 0; i < n; i++)
		finding_json(&j, pd, &arr[i]);
	mm_json_array_end(&j);
	if (total > n)
		mm_json_uint(&j, "findings_not_listed", total - n);
	mm_json_uint(&j, "links", pd->html.nlinks);
	mm_json_object_end(&j);
	rc = mm_json_finish(&j);
	if (rc == 0) {
		mm_alert_init(&a);
		a.module = "files";
		a.meta = rule;
		a.has_level = 1;
		a.level = level;
		a.family = "exchange-phishing";
		a.reason = reason;
		a.evidence_json = ev.ptr;
		a.file_path = pd->v->path;
		a.file_size = (int64_t)pd->v->len;
		a.file_sha256 = files_view_sha256(pd->v);
		a.timestamp_us = pd->v->mtime_us;
		a.url = arr[0].target;
		rc = mm_emit_alert(pd->ctx, &a);
	}
	mm_buf_release(&ev);
	return rc;
}

static int judge(struct phish_doc *pd)
{
	int ctx_brand = brand_context(pd);
	char reason[512];
	int rc = 0;

	/*
	 * Homoglyphs and a brand's whole domain in a subdomain are look-alikes
	 * on their own. Weaker marks (the brand's name as a label, inside
	 * another name, under another suffix, an edit distance) also fit
	 * ordinary sites whose names are common words (ledger, gemini,
	 * kraken): they count in a mail, next to a credential form, or where
	 * the text names that same brand.
	 */
	if (pd->nlook) {
		unsigned strong = PH_HOMOGLYPH | PH_BRAND_DOMAIN_SUB;
		struct finding kept[PHISH_EVIDENCE_LINKS];
		unsigned nkept = 0, dropped = 0;
		bool any_strong = false, any_ctx = false;
		enum mm_level lv;

		for (unsigned i = 0; i < pd->nlook; i++) {
			const struct finding *f = &pd->look[i];
			bool is_strong = (f->props & strong) != 0;
			bool in_ctx = (ctx_brand >= 0 && f->brand == ctx_brand) || f->kinds != 0 ||
				      pd->nforms > 0;
			if (!is_strong && !in_ctx && !pd->is_mail) {
				dropped++;
				continue;
			}
			any_strong |= is_strong;
			any_ctx |= in_ctx;
			kept[nkept++] = *f;
		}
		if (nkept) {
			const struct finding *f = &kept[0];
			lv = any_strong || any_ctx ? MM_LEVEL_HIGH : MM_LEVEL_MEDIUM;
			snprintf(reason, sizeof reason, "%s to %s imitates %s (%s)", f->where,
				 f->uni[0] ? f->uni : f->host,
				 f->brand >= 0 ? pd->sh->brands[f->brand].name : "a brand",
				 f->brand >= 0 ? pd->sh->brands[f->brand].domains[0] : "");
			rc = emit(pd, &rule_lookalike, lv, kept, nkept,
				  pd->look_total - dropped, ctx_brand, reason);
			if (rc < 0)
				return rc;
		}
	}
	if (pd->nmism) {
		const struct finding *f = &pd->mism[0];
		snprintf(reason, sizeof reason, "link text shows %.200s but goes to %.200s",
			 f->display, f->host);
		rc = emit(pd, &rule_mismatch, MM_LEVEL_HIGH, pd->mism, pd->nmism, pd->mism_total,
			  ctx_brand, reason);
		if (rc < 0)
			return rc;
	}
	if (pd->nforms) {
		unsigned kinds = 0;
		bool absolute = false;
		enum mm_level lv = MM_LEVEL_INFORMATIONAL;

		for (unsigned i = 0; i < pd->nforms; i++) {
			kinds |= pd->forms[i].kinds;
			absolute |= pd->forms[i].host[0] != '\0';
		}
		if (kinds & (HTML_IN_SEED | HTML_IN_PRIVKEY))
			lv = absolute || ctx_brand >= 0 || seed_text(pd) ? MM_LEVEL_HIGH :
									   MM_LEVEL_MEDIUM;
		else if (ctx_brand >= 0)
			lv = absolute || pd->is_mail ? MM_LEVEL_HIGH : MM_LEVEL_LOW;
		if (lv != MM_LEVEL_INFORMATIONAL) {
			snprintf(reason, sizeof reason, "form asks for %s%s%s%s%s",
				 (kinds & HTML_IN_SEED) ? "a seed phrase" : "",
				 (kinds & HTML_IN_SEED) && (kinds & (HTML_IN_PRIVKEY | HTML_IN_PASSWORD)) ?
				 ", " : "",
				 (kinds & HTML_IN_PRIVKEY) ? "a private key" : "",
				 (kinds & HTML_IN_PASSWORD) ?
				 ((kinds & HTML_IN_PRIVKEY) ? ", a password" : "a password") : "",
				 ctx_brand >= 0 ? " on a page naming " : "");
			if (ctx_brand >= 0)
				snprintf(reason + strlen(reason), sizeof reason - strlen(reason),
					 "%s", pd->sh->brands[ctx_brand].name);
			rc = emit(pd, &rule_form, lv, pd->forms, pd->nforms, pd->forms_total,
				  ctx_brand, reason);
		}
	}
	return rc;
}

static int phish_analyse(void *w, const struct file_view *v, struct mm_scan_ctx *ctx)
{
	struct phish_doc *pd = NULL;
	int rc = 0;

	pd = calloc(1, sizeof *pd);
	if (!pd)
		return MM_ENOMEM;
	pd->sh = w;
	pd->v = v;
	pd->ctx = ctx;
	html_doc_init(&pd->html);
	pd->look = calloc(PHISH_EVIDENCE_LINKS * 3, sizeof *pd->look);
	if (!pd->look) {
		rc = MM_ENOMEM;
		goto out;
	}
	pd->mism = pd->look + PHISH_EVIDENCE_LINKS;
	pd->forms = pd->mism + PHISH_EVIDENCE_LINKS;
	if (v->kind == MM_KIND_EMAIL) {
		pd->is_mail = true;
		rc = mail_walk(v->data, v->len, &pd->mail, mail_part, pd);
		if (rc == MM_ECORRUPT) {
			mm_scan_partial(ctx, MM_SKIP_CORRUPT, "e-mail: no message could be parsed");
			rc = 0;
			goto out;
		}
		if (rc < 0)
			goto out;
		if (pd->mail.parts_dropped)
			mm_scan_partial(ctx, MM_SKIP_LIMIT, "e-mail: %u MIME parts not examined "
					"(over %d parts or %d levels)", pd->mail.parts_dropped,
					MAIL_MAX_PARTS, MAIL_MAX_DEPTH);
		if (pd->mail.parts_cut)
			mm_scan_partial(ctx, MM_SKIP_LIMIT, "e-mail: %u parts cut at %u bytes",
					pd->mail.parts_cut, MAIL_PART_MAX);
	} else {
		rc = html_scan(&pd->html, (const char *)v->data, v->len);
		if (rc < 0)
			goto out;
	}
	if (pd->html.links_dropped)
		mm_scan_partial(ctx, MM_SKIP_LIMIT, "phishing: %u links over the limit of %d not "
				"examined", pd->html.links_dropped, HTML_MAX_LINKS);
	for (unsigned i = 0; i < pd->html.nlinks; i++)
		check_link(pd, html_str(&pd->html, pd->html.links[i].href),
			   html_str(&pd->html, pd->html.links[i].text));
	for (unsigned i = 0; i < pd->html.nforms; i++)
		check_form(pd, &pd->html.forms[i], html_str(&pd->html, pd->html.forms[i].action));
	if (pd->html.loose_inputs)
		check_form(pd, &pd->html.forms[HTML_MAX_FORMS], "");
	rc = judge(pd);
out:
	if (pd) {
		html_doc_release(&pd->html);
		free(pd->look);
		free(pd);
	}
	return rc;
}

const struct file_analyser file_analyser_phish = {
	.name = "phish",
	.kinds = MM_KIND_BIT(MM_KIND_EMAIL) | MM_KIND_BIT(MM_KIND_HTML),
	.register_rules = phish_register,
	.analyse = phish_analyse,
	.open = phish_open,
	.close = phish_close,
	.worker_new_shared = phish_worker_new_shared,
};
