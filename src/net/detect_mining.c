/*
 * detect_mining.c — cryptocurrency mining traffic (see mining.h for the
 * rules and the pool list).
 *
 * Stratum sessions: one alert per flow naming the pool (server ip:port,
 * the DNS name that resolved to that address earlier in the input, and the
 * host the miner named in mining.subscribe), the agent, the algorithm and
 * the wallet. The wallet is reported only when it validates: the login is
 * cut at the first '.', '/', '+', ':' or '@' (worker names, fixed
 * difficulty, e-mail) and checked with mm_wallet_check() (Monero, Bitcoin
 * family, Ethereum); Zcash transparent addresses (t1/t3, Base58Check with a
 * two-byte version) are checked here. A login that is not an address (a
 * pool account name) is reported as the account.
 *
 * DNS queries and TLS server names of pool domains: one alert per (source,
 * name) per input (de-duplicated through a bounded table; past it, repeats
 * may alert again). Getwork: an HTTP request body that is a JSON-RPC call
 * of a mining method.
 *
 * Limits: POOL_MAX domains of up to POOL_NAME_MAX bytes from the list file
 * (the rest counted as net.mining.pools_dropped); RESOLVED_MAX address ->
 * name entries (the oldest replaced); SEEN_MAX de-duplication keys.
 *
 * Threading: state in the NET_CTX_MINING slot of one net_ctx.
 */
#include "core/compat.h"
#include "net/internal.h"
#include "net/mining.h"

#include <jansson.h>

#define POOL_MAX 4096
#define POOL_NAME_MAX 128
#define RESOLVED_MAX 1024
#define SEEN_MAX 1024
#define LIST_FILE_MAX (1u << 20)

const struct mm_config_default net_mining_config_defaults[] = {
	{ "net.mining.pools_file", "",
	  "list of mining pool domains (empty: $MAMORI_RULES_DIR/lists/mining-pools.txt)" },
	{ NULL, NULL, NULL },
};

/* Used only when no list file can be read. */
static const char *const builtin_pools[] = {
	"supportxmr.com", "minexmr.com",     "nanopool.org",	  "2miners.com",
	"f2pool.com",	  "moneroocean.stream", "hashvault.pro", "herominers.com",
	"ethermine.org",  "c3pool.com",	     "flypool.org",	  "xmrpool.eu",
	"minergate.com",  "nicehash.com",     "dwarfpool.com",	  "viabtc.com",
	"antpool.com",	  "slushpool.com",    "unmineable.com",	  "xmrig.com",
};

#define MINING_META(sfx, nm, lvl, desc)                                   \
	{                                                                 \
		.id = "mamori.net.mining." sfx,                           \
		.name = nm,                                               \
		.engine = "net",                                          \
		.ruleset = "builtin",                                     \
		.category = "miner",                                      \
		.level = lvl,                                             \
		.description = desc,                                      \
		.techniques = { "T1496" },                                \
		.tactics = { "impact" },                                  \
	}

static const struct mm_rule_meta meta_stratum =
	MINING_META("stratum", "Cryptocurrency mining session (Stratum)", MM_LEVEL_HIGH,
		    "A Stratum / XMRig / Ethereum JSON-RPC mining session: the alert names "
		    "the pool, agent, algorithm and the validated wallet.");
static const struct mm_rule_meta meta_dns =
	MINING_META("pool-dns", "DNS lookup of a mining pool", MM_LEVEL_MEDIUM,
		    "A DNS query for a domain of the bundled mining pool list.");
static const struct mm_rule_meta meta_tls =
	MINING_META("pool-tls", "TLS connection to a mining pool", MM_LEVEL_MEDIUM,
		    "A TLS ClientHello whose server name is a domain of the mining pool list.");
static const struct mm_rule_meta meta_getwork =
	MINING_META("getwork", "Cryptocurrency mining over HTTP (getwork)", MM_LEVEL_HIGH,
		    "An HTTP request whose body is a JSON-RPC getwork/submitwork mining call.");

int detect_mining_register(struct mm_catalogue *cat)
{
	const struct mm_rule_meta *m[] = { &meta_stratum, &meta_dns, &meta_tls, &meta_getwork };
	for (size_t i = 0; i < MM_ARRAY_SIZE(m); i++) {
		int rc = mm_catalogue_add(cat, m[i], NULL);
		if (rc && rc != MM_EEXIST)
			return rc;
	}
	return 0;
}

struct resolved {
	uint8_t ver;
	uint8_t addr[16];
	char name[POOL_NAME_MAX];
};

struct mining_state {
	char (*pools)[POOL_NAME_MAX];
	size_t npools;
	uint64_t pools_dropped;
	bool builtin;
	struct resolved res[RESOLVED_MAX];
	size_t nres, res_next;
	uint64_t seen[SEEN_MAX];
	size_t nseen;
};

static void mining_state_free(void *p)
{
	struct mining_state *st = p;
	if (!st)
		return;
	free(st->pools);
	free(st);
}

static void lower_copy(char *dst, size_t cap, const char *s, size_t len)
{
	size_t n = MM_MIN(len, cap - 1);
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		dst[i] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
	}
	dst[n] = 0;
	/* a trailing dot (absolute name) does not change the name */
	if (n && dst[n - 1] == '.')
		dst[n - 1] = 0;
}

static void pool_add(struct mining_state *st, const char *s, size_t len)
{
	while (len && (s[len - 1] == ' ' || s[len - 1] == '\t' || s[len - 1] == '\r'))
		len--;
	while (len && (*s == ' ' || *s == '\t' || *s == '.' || *s == '*')) {
		s++;
		len--;
	}
	if (!len || *s == '#')
		return;
	if (len >= POOL_NAME_MAX || st->npools >= POOL_MAX) {
		st->pools_dropped++;
		return;
	}
	lower_copy(st->pools[st->npools++], POOL_NAME_MAX, s, len);
}

static bool load_file(struct mining_state *st, const char *path)
{
	FILE *fp = fopen(path, "rb");
	char *buf = NULL;
	bool ok = false;
	if (!fp)
		goto out;
	buf = malloc(LIST_FILE_MAX);
	if (!buf)
		goto out;
	size_t n = fread(buf, 1, LIST_FILE_MAX, fp);
	size_t start = 0;
	for (size_t i = 0; i <= n; i++) {
		if (i == n || buf[i] == '\n') {
			pool_add(st, buf + start, i - start);
			start = i + 1;
		}
	}
	ok = true;
out:
	free(buf);
	if (fp)
		fclose(fp);
	return ok;
}

/* Makes the per-input state, loading the pool list from (in order)
 * net.mining.pools_file, rules_dir/lists/, $MAMORI_RULES_DIR/lists/, else
 * the built-in list. */
static struct mining_state *state_make(struct net_ctx *n, const char *rules_dir)
{
	struct mining_state *st = calloc(1, sizeof(*st));
	if (!st)
		return NULL;
	st->pools = calloc(POOL_MAX, POOL_NAME_MAX);
	if (!st->pools) {
		free(st);
		return NULL;
	}
	const struct mm_config *c = net_ctx_config(n);
	const char *path = c ? mm_config_get(c, "net.mining.pools_file", "") : "";
	const char *env = getenv("MAMORI_RULES_DIR");
	char p[4096];
	bool loaded = false;
	if (path && *path) {
		loaded = load_file(st, path);
	} else {
		const char *dirs[] = { rules_dir, env };
		for (size_t i = 0; i < MM_ARRAY_SIZE(dirs) && !loaded; i++) {
			if (!dirs[i] || !*dirs[i])
				continue;
			snprintf(p, sizeof(p), "%s/lists/mining-pools.txt", dirs[i]);
			loaded = load_file(st, p);
		}
	}
	if (!loaded) {
		st->builtin = true;
		for (size_t i = 0; i < MM_ARRAY_SIZE(builtin_pools); i++)
			pool_add(st, builtin_pools[i], strlen(builtin_pools[i]));
	}
	net_ctx_slot_set(n, NET_CTX_MINING, st, mining_state_free);
	return st;
}

int net_mining_ctx_init(struct net_ctx *n, const char *rules_dir)
{
	if (net_ctx_slot(n, NET_CTX_MINING))
		return 0;
	return state_make(n, rules_dir) ? 0 : MM_ENOMEM;
}

static struct mining_state *state_get(struct net_ctx *n)
{
	struct mining_state *st = net_ctx_slot(n, NET_CTX_MINING);
	return st ? st : state_make(n, net_ctx_rules_dir(n));
}

static bool name_matches(const struct mining_state *st, const char *name)
{
	size_t nl = strlen(name);
	for (size_t i = 0; i < st->npools; i++) {
		const char *p = st->pools[i];
		size_t pl = strlen(p);
		if (nl == pl && !memcmp(name, p, pl))
			return true;
		if (nl > pl && name[nl - pl - 1] == '.' && !memcmp(name + nl - pl, p, pl))
			return true;
	}
	return false;
}

bool mining_pool_domain(struct net_ctx *n, const char *name, size_t len)
{
	char low[256];
	struct mining_state *st = state_get(n);
	if (!st || !len || len >= sizeof(low))
		return false;
	lower_copy(low, sizeof(low), name, len);
	return name_matches(st, low);
}

/* True the first time key is seen in this input. */
static bool first_time(struct mining_state *st, const char *a, const char *b)
{
	uint64_t h = 1469598103934665603ull;
	for (const char *s = a; *s; s++)
		h = (h ^ (uint8_t)*s) * 1099511628211ull;
	h = (h ^ 0xff) * 1099511628211ull;
	for (const char *s = b; *s; s++)
		h = (h ^ (uint8_t)*s) * 1099511628211ull;
	for (size_t i = 0; i < st->nseen; i++)
		if (st->seen[i] == h)
			return false;
	if (st->nseen < SEEN_MAX)
		st->seen[st->nseen++] = h;
	return true;
}

void mining_dns_answer(struct app_ctx *ctx, const char *name, size_t len, uint8_t ip_version,
		       const uint8_t *addr)
{
	struct mining_state *st = state_get(ctx->net);
	size_t alen = ip_version == 4 ? 4 : 16;
	if (!st || !len)
		return;
	for (size_t i = 0; i < st->nres; i++) {
		struct resolved *r = &st->res[i];
		if (r->ver == ip_version && !memcmp(r->addr, addr, alen)) {
			lower_copy(r->name, sizeof(r->name), name, len);
			return;
		}
	}
	struct resolved *r = &st->res[st->res_next];
	st->res_next = (st->res_next + 1) % RESOLVED_MAX;
	if (st->nres < RESOLVED_MAX)
		st->nres++;
	memset(r, 0, sizeof(*r));
	r->ver = ip_version;
	memcpy(r->addr, addr, alen);
	lower_copy(r->name, sizeof(r->name), name, len);
}

static const char *resolved_name(const struct mining_state *st, uint8_t ver, const uint8_t *addr)
{
	size_t alen = ver == 4 ? 4 : 16;
	for (size_t i = 0; i < st->nres; i++)
		if (st->res[i].ver == ver && !memcmp(st->res[i].addr, addr, alen))
			return st->res[i].name;
	return NULL;
}

static void emit_name_alert(struct app_ctx *ctx, const struct mm_rule_meta *meta,
			    const char *proto, const char *what, const char *name, size_t len)
{
	char low[256];
	struct mm_buf ev;
	struct mm_json j;
	struct mm_alert a;
	char reason[512];
	struct mining_state *st = state_get(ctx->net);
	if (!st || !len || len >= sizeof(low))
		return;
	lower_copy(low, sizeof(low), name, len);
	if (!name_matches(st, low))
		return;
	if (!first_time(st, ctx->info->src_ip, low))
		return;
	mm_buf_init(&ev, 8192);
	mm_json_init(&j, &ev);
	mm_json_object_begin(&j, NULL);
	mm_json_str(&j, what, low);
	mm_json_uint(&j, "frame", ctx->frame);
	if (st->builtin)
		mm_json_str(&j, "pool_list", "builtin");
	mm_json_object_end(&j);
	if (mm_json_finish(&j) == 0) {
		net_alert_fill(&a, ctx, proto);
		a.meta = meta;
		a.family = "coinminer";
		snprintf(reason, sizeof(reason), "%s %s is a known mining pool domain",
			 !strcmp(what, "query") ? "DNS lookup of" : "TLS server name", low);
		a.reason = reason;
		a.evidence_json = ev.ptr;
		net_alert_emit(ctx, &a);
	}
	mm_buf_release(&ev);
}

void mining_dns_query(struct app_ctx *ctx, const char *name, size_t len)
{
	emit_name_alert(ctx, &meta_dns, "dns", "query", name, len);
}

void mining_tls_sni(struct app_ctx *ctx, const char *sni, size_t len)
{
	emit_name_alert(ctx, &meta_tls, "tls", "sni", sni, len);
}

/* ---- wallets ---- */

static const char b58_alphabet[] = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

/* Base58 decode of s into out (big-endian); returns the length or -1. */
static long b58_decode(const char *s, size_t len, uint8_t *out, size_t cap)
{
	uint8_t tmp[64];
	size_t n = 0;
	size_t zeros = 0;
	if (len > 64)
		return -1;
	while (zeros < len && s[zeros] == '1')
		zeros++;
	memset(tmp, 0, sizeof(tmp));
	for (size_t i = zeros; i < len; i++) {
		const char *p = strchr(b58_alphabet, s[i]);
		if (!p || !s[i])
			return -1;
		unsigned carry = (unsigned)(p - b58_alphabet);
		for (size_t k = 0; k < n; k++) {
			carry += 58u * tmp[sizeof(tmp) - 1 - k];
			tmp[sizeof(tmp) - 1 - k] = (uint8_t)(carry & 0xff);
			carry >>= 8;
		}
		while (carry) {
			if (n >= sizeof(tmp))
				return -1;
			tmp[sizeof(tmp) - 1 - n] = (uint8_t)(carry & 0xff);
			n++;
			carry >>= 8;
		}
	}
	if (zeros + n > cap)
		return -1;
	memset(out, 0, zeros);
	memcpy(out + zeros, tmp + sizeof(tmp) - n, n);
	return (long)(zeros + n);
}

/* Zcash transparent address: 2-byte version 0x1cb8 (t1) or 0x1cbd (t3),
 * 20-byte hash, 4-byte double-SHA-256 checksum. */
static bool zcash_t_address(const char *s, size_t len)
{
	uint8_t raw[40], h1[32], h2[32];
	if (len < 30 || len > 40 || s[0] != 't')
		return false;
	long n = b58_decode(s, len, raw, sizeof(raw));
	if (n != 26 || raw[0] != 0x1c || (raw[1] != 0xb8 && raw[1] != 0xbd))
		return false;
	mm_sha256(raw, 22, h1);
	mm_sha256(h1, 32, h2);
	return !memcmp(h2, raw + 22, 4);
}

struct wallet_found {
	char addr[MM_WALLET_MAX_LEN + 1];
	const char *coin;
	const char *type;
	bool verified;
};

static int scan_cb(void *arg, const char *addr, size_t len, size_t offset,
		   const struct mm_wallet *w)
{
	struct wallet_found *f = arg;
	(void)offset;
	if (len > MM_WALLET_MAX_LEN)
		return 0;
	memcpy(f->addr, addr, len);
	f->addr[len] = 0;
	f->coin = w->coin_name;
	f->type = w->type;
	f->verified = w->checksum_verified;
	return 1;
}

static bool find_wallet(const char *user, size_t len, struct wallet_found *f)
{
	struct mm_wallet w;
	size_t cut = strcspn(user, "./+:@ ");
	if (cut > len)
		cut = len;
	memset(f, 0, sizeof(*f));
	if (cut && cut <= MM_WALLET_MAX_LEN) {
		if (mm_wallet_check(user, cut, &w) == 0) {
			memcpy(f->addr, user, cut);
			f->coin = w.coin_name;
			f->type = w.type;
			f->verified = w.checksum_verified;
			return true;
		}
		if (zcash_t_address(user, cut)) {
			memcpy(f->addr, user, cut);
			f->coin = "zcash";
			f->type = user[1] == '1' ? "p2pkh" : "p2sh";
			f->verified = true;
			return true;
		}
	}
	return mm_wallet_scan(user, len, scan_cb, f) > 0 && f->coin;
}

void mining_stratum_report(struct app_ctx *ctx, const struct mining_stratum *m)
{
	struct mm_buf ev;
	struct mm_json j;
	struct mm_alert a;
	char reason[768];
	char pool[160];
	struct wallet_found wf;
	bool has_wallet = false;
	struct mining_state *st = state_get(ctx->net);
	const char *dns = st ? resolved_name(st, ctx->info->ip_version, ctx->info->dst_addr) : NULL;

	if (m->user && m->user_len)
		has_wallet = find_wallet(m->user, m->user_len, &wf);
	snprintf(pool, sizeof(pool), "%s:%u", ctx->info->dst_ip, ctx->info->dst_port);
	mm_buf_init(&ev, 16384);
	mm_json_init(&j, &ev);
	mm_json_object_begin(&j, NULL);
	mm_json_str(&j, "dialect", m->dialect);
	mm_json_str(&j, "pool", pool);
	if (dns)
		mm_json_str(&j, "pool_dns", dns);
	if (m->pool_host)
		mm_json_strn(&j, "pool_host", m->pool_host, m->pool_host_len);
	if (m->login_method)
		mm_json_str(&j, "login_method", m->login_method);
	if (m->user)
		mm_json_strn(&j, "login", m->user, m->user_len);
	if (has_wallet) {
		mm_json_object_begin(&j, "wallet");
		mm_json_str(&j, "address", wf.addr);
		mm_json_str(&j, "coin", wf.coin);
		mm_json_str(&j, "type", wf.type);
		mm_json_bool(&j, "checksum_verified", wf.verified);
		mm_json_object_end(&j);
	}
	if (m->agent)
		mm_json_strn(&j, "agent", m->agent, m->agent_len);
	if (m->algo)
		mm_json_strn(&j, "algo", m->algo, m->algo_len);
	if (m->methods && m->methods[0])
		mm_json_str(&j, "methods", m->methods);
	if (m->login_frame)
		mm_json_uint(&j, "login_frame", m->login_frame);
	mm_json_uint(&j, "first_frame", m->first_frame);
	mm_json_object_end(&j);
	if (mm_json_finish(&j) == 0) {
		net_alert_fill(&a, ctx, "stratum");
		a.meta = &meta_stratum;
		a.family = "coinminer";
		int k = snprintf(reason, sizeof(reason), "%s mining session to %s%s%s%s", m->dialect,
				 pool, dns ? " (" : "", dns ? dns : "", dns ? ")" : "");
		if (k > 0 && (size_t)k < sizeof(reason) && has_wallet)
			k += snprintf(reason + k, sizeof(reason) - (size_t)k, ", %s wallet %s",
				      wf.coin, wf.addr);
		else if (k > 0 && (size_t)k < sizeof(reason) && m->user)
			k += snprintf(reason + k, sizeof(reason) - (size_t)k, ", login %.*s",
				      (int)MM_MIN(m->user_len, (size_t)128), m->user);
		if (k > 0 && (size_t)k < sizeof(reason) && m->agent)
			snprintf(reason + k, sizeof(reason) - (size_t)k, ", agent %.*s",
				 (int)MM_MIN(m->agent_len, (size_t)128), m->agent);
		a.reason = reason;
		a.evidence_json = ev.ptr;
		net_alert_emit(ctx, &a);
	}
	mm_buf_release(&ev);
}

/* ---- getwork over HTTP ---- */

static bool getwork_method(const char *m)
{
	static const char *const names[] = { "getwork",	      "eth_getWork",	 "eth_submitWork",
					     "eth_submitLogin", "eth_submitHashrate", "getblocktemplate",
					     "submitblock",	"mining.subscribe", "mining.authorize",
					     "login" };
	for (size_t i = 0; i < MM_ARRAY_SIZE(names); i++)
		if (!strcmp(m, names[i]))
			return true;
	return false;
}

void net_mining_http_body(struct app_ctx *ctx, const uint8_t *body, size_t len)
{
	json_error_t e;
	struct mm_buf ev;
	struct mm_json j;
	struct mm_alert a;
	char reason[512];
	struct wallet_found wf;
	bool has_wallet = false;
	const char *user = NULL;
	if (!body || len < 10 || len > (1u << 20))
		return;
	size_t i = 0;
	while (i < len && (body[i] == ' ' || body[i] == '\r' || body[i] == '\n' || body[i] == '\t'))
		i++;
	if (i == len || body[i] != '{')
		return;
	json_t *root = json_loadb((const char *)body, len, 0, &e);
	if (!json_is_object(root)) {
		json_decref(root);
		return;
	}
	json_t *m = json_object_get(root, "method");
	if (!json_is_string(m) || !getwork_method(json_string_value(m))) {
		json_decref(root);
		return;
	}
	json_t *params = json_object_get(root, "params");
	if (json_is_array(params) && json_is_string(json_array_get(params, 0)))
		user = json_string_value(json_array_get(params, 0));
	else if (json_is_object(params) && json_is_string(json_object_get(params, "login")))
		user = json_string_value(json_object_get(params, "login"));
	char key[160];
	struct mining_state *st = state_get(ctx->net);
	snprintf(key, sizeof(key), "getwork %s:%u", ctx->info->dst_ip, ctx->info->dst_port);
	if (!st || !first_time(st, ctx->info->src_ip, key)) {
		json_decref(root);
		return;
	}
	if (user)
		has_wallet = find_wallet(user, strlen(user), &wf);
	mm_buf_init(&ev, 8192);
	mm_json_init(&j, &ev);
	mm_json_object_begin(&j, NULL);
	mm_json_str(&j, "method", json_string_value(m));
	if (has_wallet) {
		mm_json_object_begin(&j, "wallet");
		mm_json_str(&j, "address", wf.addr);
		mm_json_str(&j, "coin", wf.coin);
		mm_json_str(&j, "type", wf.type);
		mm_json_bool(&j, "checksum_verified", wf.verified);
		mm_json_object_end(&j);
	}
	mm_json_uint(&j, "frame", ctx->frame);
	mm_json_object_end(&j);
	if (mm_json_finish(&j) == 0) {
		net_alert_fill(&a, ctx, "http");
		a.meta = &meta_getwork;
		a.family = "coinminer";
		snprintf(reason, sizeof(reason), "HTTP JSON-RPC mining call %s to %s:%u%s%s",
			 json_string_value(m), ctx->info->dst_ip, ctx->info->dst_port,
			 has_wallet ? ", wallet " : "", has_wallet ? wf.addr : "");
		a.reason = reason;
		a.evidence_json = ev.ptr;
		net_alert_emit(ctx, &a);
	}
	mm_buf_release(&ev);
	json_decref(root);
}
