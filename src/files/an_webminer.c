/*
 * an_webminer.c — in-browser and mobile coin miners.
 *
 * HTML/JavaScript: loaders of the CoinHive / CryptoLoot / deepMiner /
 * WebMinePool families (constructor plus start()/throttle, with the site
 * key as evidence) and references to miner domains from our own list
 * rules/lists/web-miner-domains.txt (hosts taken from URLs, matched on the
 * registrable domain given by libpsl and on every parent domain, so
 * "x.coinhive.com" matches and "coinhive.com.example.net" does not).
 * WebAssembly: the module's import/export section names (parsed, bounded)
 * naming CryptoNight hashing. Android: DEX string tables (header
 * string_ids parsed with bounds; MUTF-8 strings) with pool URLs, miner
 * library names or miner domains, and native libraries in an APK's lib/
 * folder carrying miner strings.
 *
 * Every count and length read from a file is checked against the file's
 * size; string tables are capped (DEX_STRINGS_MAX). Threading: the domain
 * list is shared read-only after open(); workers keep an evidence buffer.
 */
#include "core/compat.h"
#include "files/internal.h"

#include <ctype.h>
#include <libpsl.h>

#define DOMAINS_MAX 4096
#define HOSTS_MAX 4096
#define HOST_LEN 253
#define DEX_STRINGS_MAX 500000
#define WASM_NAMES_MAX 20000
#define TEXT_MAX (16u << 20)

enum { R_LOADER, R_DOMAIN, R_WASM, R_DEX, R_NATIVE };

static const struct mm_rule_meta rules[] = {
	[R_LOADER] = { .id = "mamori.files.webminer.loader",
		       .name = "In-browser coin-miner loader",
		       .engine = "files", .ruleset = "builtin", .category = "miner",
		       .level = MM_LEVEL_HIGH,
		       .description = "JavaScript that creates and starts a CoinHive-, "
				      "CryptoLoot-, deepMiner- or WebMinePool-style miner.",
		       .techniques = { "T1496" }, .tactics = { "impact" } },
	[R_DOMAIN] = { .id = "mamori.files.webminer.domain",
		       .name = "Reference to an in-browser mining service",
		       .engine = "files", .ruleset = "builtin", .category = "miner",
		       .level = MM_LEVEL_MEDIUM,
		       .description = "A page or script loads from, or connects to, a domain "
				      "known for in-browser mining (bundled list).",
		       .techniques = { "T1496" }, .tactics = { "impact" } },
	[R_WASM] = { .id = "mamori.files.webminer.wasm",
		     .name = "WebAssembly CryptoNight miner module",
		     .engine = "files", .ruleset = "builtin", .category = "miner",
		     .level = MM_LEVEL_HIGH,
		     .description = "A WebAssembly module whose imports or exports name "
				    "CryptoNight hashing.",
		     .techniques = { "T1496" }, .tactics = { "impact" } },
	[R_DEX] = { .id = "mamori.files.webminer.android-dex",
		    .name = "Android code with mining pool or miner library",
		    .engine = "files", .ruleset = "builtin", .category = "miner",
		    .level = MM_LEVEL_HIGH,
		    .description = "A DEX string table (Android app code) holding a stratum "
				   "pool URL, a miner library name or a web-miner domain.",
		    .techniques = { "T1496" }, .tactics = { "impact" } },
	[R_NATIVE] = { .id = "mamori.files.webminer.android-native",
		       .name = "Android native library with miner strings",
		       .engine = "files", .ruleset = "builtin", .category = "miner",
		       .level = MM_LEVEL_HIGH,
		       .description = "A native library in an APK's lib/ folder carrying "
				      "coin-miner strings (pool URLs, XMRig, CryptoNight).",
		       .techniques = { "T1496" }, .tactics = { "impact" } },
	{ 0 }
};

struct web_shared {
	char **domains;	/* sorted, lowercase */
	size_t n;
	const psl_ctx_t *psl;
};

struct web_worker {
	const struct web_shared *sh;
	struct mm_buf ev;
};

static int web_register(struct mm_catalogue *cat, const struct mm_config *cfg)
{
	(void)cfg;
	return files_register(cat, rules);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void web_close(void *p)
{
	struct web_shared *sh = p;

	if (!sh)
		return;
	for (size_t i = 0; i < sh->n; i++)
		free(sh->domains[i]);
	free(sh->domains);
	free(sh);
}

static int web_open(void **out, const struct mm_engine_env *env, struct mm_diag *diag)
{
	struct web_shared *sh = calloc(1, sizeof(*sh));
	struct files_list l = { 0 };
	char path[4096];

	(void)diag;
	*out = NULL;
	if (!sh)
		return MM_ENOMEM;
	sh->psl = psl_builtin();
	if (files_list_path(env, "web-miner-domains.txt", path, sizeof(path)) == 0 &&
	    files_list_load(&l, path, DOMAINS_MAX, NULL) == 0) {
		for (size_t i = 0; i < l.n; i++) {
			for (char *c = l.items[i]; *c; c++)
				*c = (char)tolower((unsigned char)*c);
		}
		sh->domains = l.items;
		sh->n = l.n;
		l.items = NULL;
		l.n = 0;
		if (sh->n)
			qsort(sh->domains, sh->n, sizeof(*sh->domains), cmp_str);
	}
	files_list_release(&l);
	*out = sh;
	return 0;
}

static void web_worker_free(void *p)
{
	struct web_worker *w = p;

	if (!w)
		return;
	mm_buf_release(&w->ev);
	free(w);
}

static void *web_worker_new(void *shared, const struct mm_config *cfg)
{
	struct web_worker *w = calloc(1, sizeof(*w));

	(void)cfg;
	if (!w)
		return NULL;
	w->sh = shared;
	mm_buf_init(&w->ev, 1 << 16);
	return w;
}

/* ---- domains ------------------------------------------------------------ */

static bool listed(const struct web_shared *sh, const char *host)
{
	const char *key = host;

	return sh->n && bsearch(&key, sh->domains, sh->n, sizeof(*sh->domains), cmp_str);
}

/* The listed domain host falls under, or NULL: the host itself, then each
 * parent down to its registrable domain (libpsl), so that public suffixes
 * ("github.io") never match by themselves. */
static const char *host_match(const struct web_shared *sh, const char *host)
{
	const char *reg, *p = host;

	/* the walk below looks at some of the host's suffixes: when none of
	 * them all is listed (nearly every host) libpsl is not asked */
	for (;;) {
		if (listed(sh, p))
			break;
		p = strchr(p, '.');
		if (!p)
			return NULL;
		p++;
	}
	reg = sh->psl ? psl_registrable_domain(sh->psl, host) : NULL;
	p = host;

	for (;;) {
		if (listed(sh, p))
			return p;
		if (reg && p == reg)
			break;
		p = strchr(p, '.');
		if (!p)
			break;
		p++;
		if (!reg && !strchr(p, '.'))
			break;
	}
	return NULL;
}

static bool host_char(uint8_t c)
{
	return isalnum(c) || c == '.' || c == '-';
}

struct dom_hits {
	char names[8][HOST_LEN + 1];
	size_t n, total;
};

static void find_domains(const struct web_shared *sh, const uint8_t *d, size_t len,
			 struct dom_hits *h)
{
	const uint8_t *p = d, *end = d + len;
	size_t hosts = 0;

	while (p < end && hosts < HOSTS_MAX) {
		const uint8_t *s = files_memmem(p, (size_t)(end - p), "//", 2);
		char host[HOST_LEN + 1];
		size_t n = 0;
		const char *m;

		if (!s)
			break;
		s += 2;
		while (s + n < end && n < HOST_LEN && host_char(s[n])) {
			host[n] = (char)tolower(s[n]);
			n++;
		}
		p = s + (n ? n : 0);
		if (p == s)
			continue;
		host[n] = '\0';
		while (n && host[n - 1] == '.')
			host[--n] = '\0';
		if (!strchr(host, '.'))
			continue;
		hosts++;
		m = host_match(sh, host);
		if (!m)
			continue;
		h->total++;
		for (size_t i = 0; i < h->n; i++) {
			if (!strcmp(h->names[i], m)) {
				m = NULL;
				break;
			}
		}
		if (m && h->n < MM_ARRAY_SIZE(h->names))
			snprintf(h->names[h->n++], sizeof(h->names[0]), "%s", m);
	}
}

/* ---- loaders ------------------------------------------------------------ */

static const struct {
	const char *ctor;
	const char *family;
} loaders[] = {
	{ "CoinHive.Anonymous(", "coinhive" }, { "CoinHive.User(", "coinhive" },
	{ "CoinHive.Token(", "coinhive" }, { "CH.Anonymous(", "coinhive" },
	{ "CryptoLoot.Anonymous(", "cryptoloot" }, { "CRLT.Anonymous(", "cryptoloot" },
	{ "deepMiner.Anonymous(", "deepminer" }, { "deepMiner.Init(", "deepminer" },
	{ "WMP.Anonymous(", "webminepool" }, { "Client.Anonymous(", "coinimp" },
	{ "CoinImp.Anonymous(", "coinimp" }, { "JSE.", "jsecoin" },
};

/* A 20..64 character site key right after the constructor's paren. */
static size_t site_key(const uint8_t *p, const uint8_t *end, const uint8_t **key)
{
	size_t n = 0;

	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	if (p >= end || (*p != '\'' && *p != '"'))
		return 0;
	p++;
	while (p + n < end && n < 80 && (isalnum(p[n]) || p[n] == '_'))
		n++;
	if (n < 20 || n > 64)
		return 0;
	*key = p;
	return n;
}

static int check_text(struct web_worker *w, const struct file_view *v, struct mm_scan_ctx *ctx)
{
	size_t len = MM_MIN(v->len, (size_t)TEXT_MAX);
	const uint8_t *d = v->data;
	const char *family = NULL;
	const uint8_t *at = NULL, *key = NULL;
	size_t keylen = 0;
	bool started = false, throttle = false, gate = false;
	struct dom_hits dh;
	struct mm_json j;
	int rc = 0;

	memset(&dh, 0, sizeof(dh));
	/* every constructor holds one of these: one cheap pass gates them */
	if (files_memmem(d, len, "Anonymous(", 10) || files_memmem(d, len, "CoinHive.", 9) ||
	    files_memmem(d, len, "deepMiner.", 10) || files_memmem(d, len, "JSE.", 4))
		gate = true;
	for (size_t i = 0; gate && i < MM_ARRAY_SIZE(loaders) && !at; i++) {
		at = files_memmem(d, len, loaders[i].ctor, strlen(loaders[i].ctor));
		if (at && !strcmp(loaders[i].ctor, "JSE.") &&
		    !files_memmem(d, len, "jsecoin", 7))
			at = NULL;
		if (at) {
			family = loaders[i].family;
			keylen = site_key(at + strlen(loaders[i].ctor), d + len, &key);
		}
	}
	if (at) {
		started = files_memmem(d, len, ".start(", 7) != NULL;
		throttle = files_memmem(d, len, "throttle", 8) != NULL;
	}
	if (w->sh->n && files_memmem(d, len, "//", 2))
		find_domains(w->sh, d, len, &dh);

	if (at && (started || throttle)) {
		mm_buf_reset(&w->ev);
		mm_json_init(&j, &w->ev);
		mm_json_object_begin(&j, NULL);
		mm_json_uint(&j, "offset", (uint64_t)(at - d));
		mm_json_strn(&j, "code", at, MM_MIN((size_t)(d + len - at), (size_t)120));
		if (keylen)
			mm_json_strn(&j, "site_key", key, keylen);
		mm_json_bool(&j, "start", started);
		mm_json_bool(&j, "throttle", throttle);
		if (dh.n) {
			mm_json_array_begin(&j, "domains");
			for (size_t i = 0; i < dh.n; i++)
				mm_json_str(&j, NULL, dh.names[i]);
			mm_json_array_end(&j);
		}
		mm_json_object_end(&j);
		rc = files_alert(ctx, v, &rules[R_LOADER], -1, family,
				 "creates and starts an in-browser miner",
				 mm_json_finish(&j) == 0 ? w->ev.ptr : NULL);
		if (rc < 0)
			return rc;
	} else if (dh.n) {
		mm_buf_reset(&w->ev);
		mm_json_init(&j, &w->ev);
		mm_json_object_begin(&j, NULL);
		mm_json_array_begin(&j, "domains");
		for (size_t i = 0; i < dh.n; i++)
			mm_json_str(&j, NULL, dh.names[i]);
		mm_json_array_end(&j);
		mm_json_uint(&j, "references", dh.total);
		mm_json_object_end(&j);
		rc = files_alert(ctx, v, &rules[R_DOMAIN], -1, dh.names[0],
				 "references an in-browser mining service",
				 mm_json_finish(&j) == 0 ? w->ev.ptr : NULL);
	}
	return rc;
}

/* ---- WebAssembly ---------------------------------------------------------- */

static bool leb_u32(const uint8_t **p, const uint8_t *end, uint32_t *out)
{
	uint32_t v = 0;

	for (int shift = 0; shift < 35; shift += 7) {
		if (*p >= end)
			return false;
		v |= (uint32_t)(**p & 0x7f) << shift;
		if (!(*(*p)++ & 0x80)) {
			*out = v;
			return true;
		}
	}
	return false;
}

static bool miner_name(const uint8_t *s, size_t n)
{
	return files_memcasemem(s, n, "cryptonight", 11) || files_memcasemem(s, n, "cn_hash", 7) ||
	       files_memcasemem(s, n, "cn_slow_hash", 12) ||
	       files_memcasemem(s, n, "randomx", 7);
}

static int check_wasm(struct web_worker *w, const struct file_view *v, struct mm_scan_ctx *ctx)
{
	const uint8_t *p = v->data + 8, *end = v->data + v->len;
	char names[4][64];
	size_t n_names = 0, seen = 0;
	struct mm_json j;
	bool truncated = false;

	if (v->len < 8 || memcmp(v->data, "\0asm", 4))
		return 0;
	while (p < end && !truncated) {
		uint8_t id = *p++;
		uint32_t size, count;
		const uint8_t *sec, *send;

		if (!leb_u32(&p, end, &size) || size > (size_t)(end - p)) {
			truncated = true;
			break;
		}
		sec = p;
		send = p + size;
		p = send;
		if (id != 2 && id != 7)
			continue;
		if (!leb_u32(&sec, send, &count))
			continue;
		for (uint32_t i = 0; i < count && seen < WASM_NAMES_MAX; i++) {
			uint32_t l1, l2 = 0, idx;
			const uint8_t *name;
			size_t nl;
			uint8_t kind;

			seen++;
			if (id == 2) {	/* import: module name, field name, desc */
				if (!leb_u32(&sec, send, &l1) || l1 > (size_t)(send - sec))
					break;
				sec += l1;
			}
			if (!leb_u32(&sec, send, &l2) || l2 > (size_t)(send - sec))
				break;
			name = sec;
			nl = l2;
			sec += l2;
			if (sec >= send)
				break;
			kind = *sec++;
			if (id == 7 || kind == 0) {
				if (!leb_u32(&sec, send, &idx))
					break;
			} else {
				/* table/memory/global import descriptors: give up on
				 * the rest of this section rather than decode them */
				if (miner_name(name, nl) && n_names < MM_ARRAY_SIZE(names))
					snprintf(names[n_names++], sizeof(names[0]), "%.*s",
						 (int)MM_MIN(nl, (size_t)63), (const char *)name);
				break;
			}
			if (miner_name(name, nl) && n_names < MM_ARRAY_SIZE(names))
				snprintf(names[n_names++], sizeof(names[0]), "%.*s",
					 (int)MM_MIN(nl, (size_t)63), (const char *)name);
		}
	}
	if (truncated)
		mm_scan_partial(ctx, MM_SKIP_TRUNCATED, "%s: WebAssembly section runs past the end",
				v->path);
	if (!n_names)
		return 0;
	mm_buf_reset(&w->ev);
	mm_json_init(&j, &w->ev);
	mm_json_object_begin(&j, NULL);
	mm_json_array_begin(&j, "names");
	for (size_t i = 0; i < n_names; i++)
		mm_json_str(&j, NULL, names[i]);
	mm_json_array_end(&j);
	mm_json_object_end(&j);
	return files_alert(ctx, v, &rules[R_WASM], -1, "cryptonight-wasm",
			   "WebAssembly module with CryptoNight hashing functions",
			   mm_json_finish(&j) == 0 ? w->ev.ptr : NULL);
}

/* ---- Android -------------------------------------------------------------- */

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static const char *const dex_markers[] = {
	"stratum+tcp://", "stratum+ssl://", "stratum://", "libcpuminer", "libxmrig", "xmrig",
	"coinhive", "cryptonight", "minergate", "cpuminer", "libminer",
};

static int check_dex(struct web_worker *w, const struct file_view *v, struct mm_scan_ctx *ctx)
{
	const uint8_t *d = v->data;
	uint32_t n, off;
	char hits[6][128];
	size_t n_hits = 0;
	bool pool = false;
	struct mm_json j;

	if (v->len < 0x70 || memcmp(d, "dex\n", 4))
		return 0;
	n = le32(d + 0x38);
	off = le32(d + 0x3c);
	if (off > v->len || n > (v->len - off) / 4) {
		mm_scan_partial(ctx, MM_SKIP_CORRUPT, "%s: DEX string table outside the file",
				v->path);
		return 0;
	}
	if (n > DEX_STRINGS_MAX) {
		mm_scan_partial(ctx, MM_SKIP_LIMIT, "%s: %u DEX strings, first %u examined", v->path,
				n, DEX_STRINGS_MAX);
		n = DEX_STRINGS_MAX;
	}
	for (uint32_t i = 0; i < n && n_hits < MM_ARRAY_SIZE(hits); i++) {
		uint32_t so = le32(d + off + 4 * (size_t)i), u16;
		const uint8_t *s = d + so, *end = d + v->len, *z;
		size_t sl;

		if (so >= v->len)
			continue;
		if (!leb_u32(&s, end, &u16))
			continue;
		z = memchr(s, 0, (size_t)(end - s));
		if (!z)
			continue;
		sl = (size_t)(z - s);
		if (sl < 5)
			continue;
		for (size_t k = 0; k < MM_ARRAY_SIZE(dex_markers); k++) {
			bool hit = files_memcasemem(s, sl, dex_markers[k], strlen(dex_markers[k]));

			if (!hit && k == 0 && w->sh->n && files_memmem(s, sl, "//", 2)) {
				struct dom_hits dh;

				memset(&dh, 0, sizeof(dh));
				find_domains(w->sh, s, sl, &dh);
				hit = dh.n > 0;
			}
			if (hit) {
				if (k < 3)
					pool = true;
				snprintf(hits[n_hits++], sizeof(hits[0]), "%.*s",
					 (int)MM_MIN(sl, (size_t)127), (const char *)s);
				break;
			}
		}
		if ((i & 0xfff) == 0 && mm_scan_expired(ctx))
			return MM_ETIMEDOUT;
	}
	if (!n_hits)
		return 0;
	mm_buf_reset(&w->ev);
	mm_json_init(&j, &w->ev);
	mm_json_object_begin(&j, NULL);
	mm_json_array_begin(&j, "strings");
	for (size_t i = 0; i < n_hits; i++)
		mm_json_str(&j, NULL, hits[i]);
	mm_json_array_end(&j);
	mm_json_bool(&j, "pool_url", pool);
	mm_json_object_end(&j);
	return files_alert(ctx, v, &rules[R_DEX], pool || n_hits >= 2 ? MM_LEVEL_HIGH
								     : MM_LEVEL_MEDIUM,
			   "android-miner", "Android code naming a mining pool or miner library",
			   mm_json_finish(&j) == 0 ? w->ev.ptr : NULL);
}

static bool apk_native(const struct file_view *v)
{
	const char *lib = strstr(v->path, "!lib/");
	size_t n = strlen(v->path);

	return v->in_archive && lib && n > 3 && !strcmp(v->path + n - 3, ".so");
}

static int check_native(struct web_worker *w, const struct file_view *v,
			struct mm_scan_ctx *ctx)
{
	static const char *const marks[] = { "stratum+tcp://", "stratum+ssl://", "xmrig",
					     "cryptonight", "randomx", "mining.subscribe",
					     "cpuminer" };
	const char *found[MM_ARRAY_SIZE(marks)];
	size_t n = 0;
	struct mm_json j;

	for (size_t i = 0; i < MM_ARRAY_SIZE(marks); i++) {
		if (files_memmem(v->data, v->len, marks[i], strlen(marks[i])))
			found[n++] = marks[i];
	}
	if (n < 2)
		return 0;
	mm_buf_reset(&w->ev);
	mm_json_init(&j, &w->ev);
	mm_json_object_begin(&j, NULL);
	mm_json_array_begin(&j, "strings");
	for (size_t i = 0; i < n; i++)
		mm_json_str(&j, NULL, found[i]);
	mm_json_array_end(&j);
	mm_json_object_end(&j);
	return files_alert(ctx, v, &rules[R_NATIVE], -1, "android-miner",
			   "native library of an APK with coin-miner strings",
			   mm_json_finish(&j) == 0 ? w->ev.ptr : NULL);
}

static bool web_wants(const struct file_view *v)
{
	return v->kind == MM_KIND_ELF && apk_native(v);
}

static int web_analyse(void *wp, const struct file_view *v, struct mm_scan_ctx *ctx)
{
	struct web_worker *w = wp;

	if (!w || !v->len)
		return 0;
	switch (v->kind) {
	case MM_KIND_WASM:
		return check_wasm(w, v, ctx);
	case MM_KIND_DEX:
		return check_dex(w, v, ctx);
	case MM_KIND_ELF:
		return apk_native(v) ? check_native(w, v, ctx) : 0;
	default:
		return check_text(w, v, ctx);
	}
}

#define K(x) MM_KIND_BIT(MM_KIND_##x)
const struct file_analyser file_analyser_webminer = {
	.name = "webminer",
	.kinds = K(HTML) | K(SCRIPT) | K(TEXT) | K(WASM) | K(DEX) | K(UNKNOWN),
	.wants = web_wants,
	.register_rules = web_register,
	.open = web_open,
	.close = web_close,
	.worker_new_shared = web_worker_new,
	.worker_free = web_worker_free,
	.analyse = web_analyse,
};
#undef K
