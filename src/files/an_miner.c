/*
 * an_miner.c — the coin-miner analyser: XMRig-family config.json files,
 * miner command lines in scripts, crontabs, systemd units and rc.local
 * (and their persistence), scripts that kill competing miners, and miner
 * binaries (strings of XMRig and the cpuminer family, checked by us).
 *
 * Wallets are validated with mm_wallet_check()/mm_wallet_scan() (checksums,
 * not patterns): a validated wallet in the user field raises the level; a
 * wallet look-alike alone never alerts — every detector needs a pool or a
 * miner's own options as well.
 *
 * Input: any text or binary view, untrusted. Lines are examined up to
 * LINE_MAX bytes, JSON only below JSON_MAX (jansson, bounded depth by its
 * own limit), tokens per line capped. Threading: no state besides a
 * per-worker evidence buffer.
 */
#include "core/compat.h"
#include "files/internal.h"

#include <ctype.h>
#include <strings.h>
#include <jansson.h>

#define LINE_MAX_LEN 8192
#define TOKENS_MAX 96
#define JSON_MAX (4u << 20)
#define TEXT_MAX (16u << 20)
#define POOLS_MAX 8

enum { R_CONFIG, R_CMDLINE, R_PERSIST, R_KILLER, R_BINARY };

static const struct mm_rule_meta rules[] = {
	[R_CONFIG] = { .id = "mamori.files.miner.config",
		       .name = "Coin-miner configuration (XMRig family)",
		       .engine = "files", .ruleset = "builtin", .category = "miner",
		       .level = MM_LEVEL_MEDIUM,
		       .description = "A JSON configuration of an XMRig-family miner: pools with "
				      "stratum URLs or host:port, a user that is a wallet, "
				      "donate-level, algo. High when the wallet validates.",
		       .references = { "https://xmrig.com/docs/miner/config" },
		       .techniques = { "T1496" }, .tactics = { "impact" } },
	[R_CMDLINE] = { .id = "mamori.files.miner.cmdline",
			.name = "Coin-miner command line",
			.engine = "files", .ruleset = "builtin", .category = "miner",
			.level = MM_LEVEL_MEDIUM,
			.description = "A miner started with a pool (-o/--url pool:port or "
				       "stratum URL) and a user/wallet (-u); high when the "
				       "wallet validates or the binary is a known miner.",
			.techniques = { "T1496" }, .tactics = { "impact" } },
	[R_PERSIST] = { .id = "mamori.files.miner.persistence",
			.name = "Coin miner started from cron, systemd or rc.local",
			.engine = "files", .ruleset = "builtin", .category = "miner",
			.level = MM_LEVEL_HIGH,
			.description = "A miner command line in a crontab entry, a systemd "
				       "unit (ExecStart) or rc.local: persistence of a miner.",
			.techniques = { "T1053.003", "T1543.002", "T1037.004", "T1496" },
			.tactics = { "persistence", "impact" } },
	[R_KILLER] = { .id = "mamori.files.miner.killer",
		       .name = "Script that kills competing coin miners",
		       .engine = "files", .ruleset = "builtin", .category = "miner",
		       .level = MM_LEVEL_HIGH,
		       .description = "Kills (pkill/killall/kill -9/ps|grep|xargs kill) or "
				      "blocks (iptables on pool ports, cron clean-up) several "
				      "known miners: what a mining dropper does to take the host.",
		       .techniques = { "T1489", "T1496" }, .tactics = { "impact" } },
	[R_BINARY] = { .id = "mamori.files.miner.binary",
		       .name = "Coin-miner binary",
		       .engine = "files", .ruleset = "builtin", .category = "miner",
		       .level = MM_LEVEL_HIGH,
		       .description = "An executable carrying the strings of an XMRig-family "
				      "or cpuminer-family miner (options, algorithms, donation "
				      "pool, stratum methods).",
		       .techniques = { "T1496" }, .tactics = { "impact" } },
	{ 0 }
};

static const char *const miner_names[] = {
	"xmrig", "xmr-stak", "ccminer", "cpuminer", "cgminer", "bfgminer", "nanominer",
	"t-rex", "lolminer", "nbminer", "phoenixminer", "minerd", "ethminer", "srbminer",
	"teamredminer", "gminer", "kawpowminer", "xmrigdaemon", "xmrigminer",
};

/* Process names killer scripts go after (miners and rival droppers). */
static const char *const rival_names[] = {
	"xmrig", "xmr-stak", "minerd", "cpuminer", "ccminer", "cgminer", "kdevtmpfsi",
	"kinsing", "kworkerds", "ddgs", "qw3xt", "sysguard", "sysupdate", "networkservice",
	"watchbog", "cryptonight", "stratum", "kthreaddi", "suppoie", "nanominer",
	"xmr", "monero", "minergate", "nicehash", "mr.sh", "wnTKYg", "2t3ik", "dbused",
	"phoenixminer", "t-rex", "lolminer", "zigw", "bashirc", "xig",
};

struct miner_worker {
	struct mm_buf ev;
};

static void *miner_worker_new(const struct mm_config *cfg)
{
	struct miner_worker *w = calloc(1, sizeof(*w));

	(void)cfg;
	if (w)
		mm_buf_init(&w->ev, 1 << 18);
	return w;
}

static void miner_worker_free(void *p)
{
	struct miner_worker *w = p;

	if (!w)
		return;
	mm_buf_release(&w->ev);
	free(w);
}

static int miner_register(struct mm_catalogue *cat, const struct mm_config *cfg)
{
	(void)cfg;
	return files_register(cat, rules);
}

/* ---- shared checks -------------------------------------------------- */

struct wallet_hit {
	char addr[128];
	struct mm_wallet w;
	bool found;
};

static int wallet_cb(void *arg, const char *addr, size_t len, size_t off,
		     const struct mm_wallet *w)
{
	struct wallet_hit *h = arg;

	(void)off;
	if (h->found || len >= sizeof(h->addr))
		return 1;
	memcpy(h->addr, addr, len);
	h->addr[len] = '\0';
	h->w = *w;
	h->found = true;
	return 1;
}

static void find_wallet(const char *s, size_t len, struct wallet_hit *h)
{
	if (!h->found)
		mm_wallet_scan(s, len, wallet_cb, h);
}

/* "stratum+tcp://host:port", "stratum://", or "host.tld:port". */
static bool pool_like(const char *s, size_t len)
{
	const char *colon;
	size_t i, dots = 0;
	long port;

	if (len >= 10 && !strncasecmp(s, "stratum", 7)) {
		const char *p = memchr(s, ':', len);

		return p && (size_t)(p - s) + 3 < len && p[1] == '/' && p[2] == '/';
	}
	if (len > 8 && (!strncasecmp(s, "tcp://", 6) || !strncasecmp(s, "ssl://", 6))) {
		s += 6;
		len -= 6;
	}
	colon = memchr(s, ':', len);
	if (!colon || colon == s)
		return false;
	for (i = 0; s + i < colon; i++) {
		char c = s[i];

		if (c == '.')
			dots++;
		else if (!isalnum((unsigned char)c) && c != '-')
			return false;
	}
	if (!dots)
		return false;
	port = 0;
	for (i = (size_t)(colon - s) + 1; i < len && isdigit((unsigned char)s[i]); i++) {
		port = port * 10 + (s[i] - '0');
		if (port > 65535)
			return false;
	}
	return port > 0 && i > (size_t)(colon - s) + 1 && (i == len || s[i] == '/');
}

/* "name:port" with any host name (a solo-mining node given as a bare
 * name or placeholder); counts only next to a known miner and a user. */
static bool node_like(const char *s, size_t len)
{
	const char *colon = memchr(s, ':', len);
	size_t i;

	if (!colon || colon == s || (size_t)(colon - s) + 1 >= len)
		return false;
	for (i = 0; s + i < colon; i++) {
		if (!isalnum((unsigned char)s[i]) && s[i] != '-' && s[i] != '_' && s[i] != '.')
			return false;
	}
	for (i = (size_t)(colon - s) + 1; i < len; i++) {
		if (!isdigit((unsigned char)s[i]))
			return false;
	}
	return len - (size_t)(colon - s) - 1 <= 5;
}

static const char *known_miner(const char *tok, size_t len)
{
	for (size_t i = 0; i < MM_ARRAY_SIZE(miner_names); i++) {
		if (files_memcasemem((const uint8_t *)tok, len, miner_names[i],
				     strlen(miner_names[i])))
			return miner_names[i];
	}
	return NULL;
}

static void wallet_json(struct mm_json *j, const struct wallet_hit *h)
{
	if (!h->found)
		return;
	mm_json_object_begin(j, "wallet");
	mm_json_str(j, "address", h->addr);
	mm_json_str(j, "coin", h->w.coin_name);
	mm_json_str(j, "type", h->w.type);
	mm_json_bool(j, "checksum_verified", h->w.checksum_verified);
	mm_json_object_end(j);
}

static const char *coin_family(const struct wallet_hit *h, const char *miner)
{
	if (miner)
		return miner;
	return h->found && h->w.coin == MM_COIN_XMR ? "xmrig" : "coin-miner";
}

/* ---- config.json ------------------------------------------------------ */

static bool json_str(json_t *o, const char *key, const char **out)
{
	json_t *v = json_object_get(o, key);

	if (!json_is_string(v))
		return false;
	*out = json_string_value(v);
	return true;
}

static int check_config(struct miner_worker *w, const struct file_view *v,
			struct mm_scan_ctx *ctx)
{
	json_t *root = NULL, *pools;
	json_error_t err;
	struct wallet_hit wh = { 0 };
	const char *urls[POOLS_MAX];
	size_t n_urls = 0;
	const char *algo = NULL, *coin = NULL;
	json_t *donate = NULL;
	struct mm_json j;
	int rc = 0, level;

	if (v->len > JSON_MAX || !files_memcasemem(v->data, MM_MIN(v->len, (size_t)JSON_MAX),
						   "\"url\"", 5))
		return 0;
	root = json_loadb((const char *)v->data, v->len, JSON_DISABLE_EOF_CHECK, &err);
	if (!json_is_object(root))
		goto out;
	pools = json_object_get(root, "pools");
	if (json_is_array(pools)) {
		size_t i;
		json_t *p;

		json_array_foreach(pools, i, p) {
			const char *url = NULL, *user = NULL;

			if (!json_is_object(p) || !json_str(p, "url", &url))
				continue;
			if (!pool_like(url, strlen(url)))
				continue;
			if (n_urls < POOLS_MAX)
				urls[n_urls++] = url;
			if (json_str(p, "user", &user))
				find_wallet(user, strlen(user), &wh);
			if (!algo)
				json_str(p, "algo", &algo);
			if (!coin)
				json_str(p, "coin", &coin);
		}
	} else {
		const char *url = NULL, *user = NULL;

		/* xmr-stak / single-pool layouts: "pool_address", "url" */
		if ((json_str(root, "url", &url) || json_str(root, "pool_address", &url)) &&
		    pool_like(url, strlen(url)))
			urls[n_urls++] = url;
		if (json_str(root, "user", &user) || json_str(root, "wallet_address", &user))
			find_wallet(user, strlen(user), &wh);
	}
	if (!n_urls)
		goto out;
	if (!algo)
		json_str(root, "algo", &algo);
	donate = json_object_get(root, "donate-level");
	/* a pool list alone could be any stratum client: ask for a miner's
	 * own key or a wallet too */
	if (!wh.found && !donate && !algo && !json_object_get(root, "randomx") &&
	    !json_object_get(root, "cpu") && !json_object_get(root, "opencl") &&
	    !json_object_get(root, "cuda"))
		goto out;
	mm_buf_reset(&w->ev);
	mm_json_init(&j, &w->ev);
	mm_json_object_begin(&j, NULL);
	mm_json_array_begin(&j, "pools");
	for (size_t i = 0; i < n_urls; i++)
		mm_json_strn(&j, NULL, urls[i], MM_MIN(strlen(urls[i]), 256));
	mm_json_array_end(&j);
	wallet_json(&j, &wh);
	if (algo)
		mm_json_str(&j, "algo", algo);
	if (coin)
		mm_json_str(&j, "coin", coin);
	if (json_is_integer(donate))
		mm_json_int(&j, "donate_level", json_integer_value(donate));
	mm_json_object_end(&j);
	level = wh.found ? MM_LEVEL_HIGH : MM_LEVEL_MEDIUM;
	rc = files_alert(ctx, v, &rules[R_CONFIG], level, coin_family(&wh, "xmrig"),
			 wh.found ? "miner configuration with a pool and a valid wallet"
				  : "miner configuration with a pool",
			 mm_json_finish(&j) == 0 ? w->ev.ptr : NULL);
out:
	json_decref(root);
	return rc;
}

/* ---- command lines ---------------------------------------------------- */

struct tok {
	const char *p;
	size_t len;
};

static size_t tokenize(const char *s, size_t len, struct tok *t, size_t max)
{
	size_t n = 0, i = 0;

	while (i < len && n < max) {
		size_t b;

		while (i < len && (isspace((unsigned char)s[i]) || s[i] == '"' || s[i] == '\'' ||
				   s[i] == ';' || s[i] == '&' || s[i] == '|' || s[i] == '`' ||
				   s[i] == '(' || s[i] == ')'))
			i++;
		b = i;
		while (i < len && !isspace((unsigned char)s[i]) && s[i] != '"' && s[i] != '\'' &&
		       s[i] != ';' && s[i] != '&' && s[i] != '|' && s[i] != '`' && s[i] != ')')
			i++;
		if (i > b) {
			t[n].p = s + b;
			t[n].len = i - b;
			n++;
		}
	}
	return n;
}

static bool tok_is(const struct tok *t, const char *s)
{
	return t->len == strlen(s) && !memcmp(t->p, s, t->len);
}

/* "--url=VALUE" or "--url" "VALUE" */
static bool opt_value(const struct tok *t, size_t n, size_t *i, const char *const *names,
		      struct tok *val)
{
	for (size_t k = 0; names[k]; k++) {
		size_t nl = strlen(names[k]);

		if (tok_is(&t[*i], names[k]) && *i + 1 < n) {
			*val = t[*i + 1];
			(*i)++;
			return true;
		}
		if (t[*i].len > nl + 1 && !memcmp(t[*i].p, names[k], nl) && t[*i].p[nl] == '=') {
			val->p = t[*i].p + nl + 1;
			val->len = t[*i].len - nl - 1;
			return true;
		}
	}
	return false;
}

struct cmdline {
	struct tok pool, user, algo, node;
	const char *miner;
	bool donate, background, threads_hint, have_pool, have_user;
};

static const char *const pool_opts[] = { "-o", "--url", "-url", "--pool", "-pool", "-P",
					 "--server", "-epool", "-zpool", NULL };
static const char *const user_opts[] = { "-u", "--user", "-user", "-wal", "--wallet", "-ewal",
					 "-O", "--userpass", NULL };
static const char *const algo_opts[] = { "-a", "--algo", "--algorithm", "--coin", "-coin",
					 NULL };

static bool parse_cmdline(const char *line, size_t len, struct cmdline *c)
{
	struct tok t[TOKENS_MAX];
	size_t n = tokenize(line, len, t, TOKENS_MAX);

	memset(c, 0, sizeof(*c));
	for (size_t i = 0; i < n; i++) {
		struct tok val;

		if (opt_value(t, n, &i, pool_opts, &val)) {
			if (!c->have_pool && pool_like(val.p, val.len)) {
				c->pool = val;
				c->have_pool = true;
			} else if (!c->have_pool && !c->node.len && node_like(val.p, val.len)) {
				c->node = val;
			}
		} else if (opt_value(t, n, &i, user_opts, &val)) {
			if (!c->have_user) {
				c->user = val;
				c->have_user = true;
			}
		} else if (opt_value(t, n, &i, algo_opts, &val)) {
			c->algo = val;
		} else if (t[i].len >= 14 && !memcmp(t[i].p, "--donate-level", 14)) {
			c->donate = true;
		} else if (tok_is(&t[i], "-B") || tok_is(&t[i], "--background")) {
			c->background = true;
		} else if (t[i].len >= 22 && !memcmp(t[i].p, "--cpu-max-threads-hint", 22)) {
			c->threads_hint = true;
		} else if (!c->have_pool && t[i].len > 12 && !strncasecmp(t[i].p, "stratum", 7) &&
			   pool_like(t[i].p, t[i].len)) {
			c->pool = t[i];
			c->have_pool = true;
		}
	}
	if (c->have_pool || c->node.len)
		c->miner = known_miner(line, len);
	/* a node name that is not a host name counts next to a known miner
	 * binary and a user (solo mining to one's own node) */
	if (!c->have_pool && c->node.len && c->miner && c->have_user) {
		c->pool = c->node;
		c->have_pool = true;
	}
	/* a pool with a user, or a pool with a miner's own signs */
	return c->have_pool && (c->have_user || c->miner || c->donate || c->threads_hint);
}

/* Cheap test before tokenising a line: an option dash and a pool word. */
static bool cmd_gate(const char *s, size_t len)
{
	const uint8_t *u = (const uint8_t *)s;

	if (!memchr(s, '-', len) && !files_memcasemem(u, len, "stratum", 7))
		return false;
	return files_memcasemem(u, len, "stratum", 7) || files_memmem(u, len, "-o", 2) ||
	       files_memcasemem(u, len, "url", 3) || files_memcasemem(u, len, "pool", 4) ||
	       files_memmem(u, len, "-P", 2) || files_memmem(u, len, "--server", 8);
}

static bool cron_line(const char *s, size_t len)
{
	size_t fields = 0, i = 0;

	while (i < len && isspace((unsigned char)s[i]))
		i++;
	if (i < len && s[i] == '@')
		return true;
	while (fields < 5 && i < len) {
		size_t b = i;

		while (i < len && (isdigit((unsigned char)s[i]) || s[i] == '*' || s[i] == '/' ||
				   s[i] == ',' || s[i] == '-'))
			i++;
		if (i == b || i >= len || !isspace((unsigned char)s[i]))
			return false;
		fields++;
		while (i < len && isspace((unsigned char)s[i]))
			i++;
	}
	return fields == 5;
}

static const char *persistence_of(const struct file_view *v, const char *line, size_t len)
{
	const char *path = v->disk_path ? v->disk_path : v->path;

	if (cron_line(line, len))
		return "cron";
	if (files_memcasemem((const uint8_t *)line, len, "ExecStart", 9))
		return "systemd";
	if (strstr(path, "rc.local") || strstr(v->path, "rc.local"))
		return "rc.local";
	if (strstr(path, "/cron") || strstr(path, "crontab"))
		return "cron";
	if (files_memcasemem((const uint8_t *)line, len, "crontab", 7))
		return "cron";
	return NULL;
}

static int report_cmdline(struct miner_worker *w, const struct file_view *v,
			  struct mm_scan_ctx *ctx, const struct cmdline *c, const char *line,
			  size_t len, size_t lineno, const char *persist)
{
	struct wallet_hit wh = { 0 };
	struct mm_json j;
	int level, rc;

	if (c->have_user)
		find_wallet(c->user.p, c->user.len, &wh);
	mm_buf_reset(&w->ev);
	mm_json_init(&j, &w->ev);
	mm_json_object_begin(&j, NULL);
	mm_json_uint(&j, "line", lineno);
	mm_json_strn(&j, "command", line, MM_MIN(len, (size_t)512));
	mm_json_strn(&j, "pool", c->pool.p, MM_MIN(c->pool.len, (size_t)256));
	if (c->have_user)
		mm_json_strn(&j, "user", c->user.p, MM_MIN(c->user.len, (size_t)256));
	if (c->algo.len)
		mm_json_strn(&j, "algo", c->algo.p, MM_MIN(c->algo.len, (size_t)64));
	if (c->miner)
		mm_json_str(&j, "miner", c->miner);
	wallet_json(&j, &wh);
	if (persist)
		mm_json_str(&j, "persistence", persist);
	mm_json_object_end(&j);
	if (mm_json_finish(&j) != 0)
		mm_buf_reset(&w->ev);
	if (persist)
		return files_alert(ctx, v, &rules[R_PERSIST], MM_LEVEL_HIGH,
				   coin_family(&wh, c->miner),
				   "miner command line started from a persistence location",
				   w->ev.len ? w->ev.ptr : NULL);
	level = (wh.found || c->miner) ? MM_LEVEL_HIGH : MM_LEVEL_MEDIUM;
	rc = files_alert(ctx, v, &rules[R_CMDLINE], level, coin_family(&wh, c->miner),
			 wh.found ? "miner command line with a pool and a valid wallet"
				  : "miner command line with a pool",
			 w->ev.len ? w->ev.ptr : NULL);
	return rc;
}

/* ---- killers ----------------------------------------------------------- */

static bool kill_line(const char *s, size_t len)
{
	/* every verb holds "kill": one search rules out most lines */
	static const char *const verbs[] = { "pkill", "killall", "kill -9", "kill -s 9",
					     "xargs kill", "xargs -I % kill", "taskkill",
					     "kill -KILL", NULL };

	if (!files_memcasemem((const uint8_t *)s, len, "kill", 4))
		return false;
	for (size_t i = 0; verbs[i]; i++) {
		if (files_memcasemem((const uint8_t *)s, len, verbs[i], strlen(verbs[i])))
			return true;
	}
	return false;
}

static bool block_line(const char *s, size_t len)
{
	const uint8_t *u = (const uint8_t *)s;

	if (files_memcasemem(u, len, "iptables", 8) && files_memcasemem(u, len, "DROP", 4) &&
	    (files_memcasemem(u, len, "3333", 4) || files_memcasemem(u, len, "5555", 4) ||
	     files_memcasemem(u, len, "7777", 4) || files_memcasemem(u, len, "14444", 5) ||
	     files_memcasemem(u, len, "14433", 5)))
		return true;
	return (files_memcasemem(u, len, "crontab", 7) || files_memcasemem(u, len, "/cron", 5)) &&
	       (files_memcasemem(u, len, "sed -i", 6) || files_memcasemem(u, len, "grep -v", 7));
}

/* ---- the analyser ------------------------------------------------------ */

static bool text_kind(enum mm_kind k)
{
	return k == MM_KIND_TEXT || k == MM_KIND_SCRIPT || k == MM_KIND_INI ||
	       k == MM_KIND_JSON || k == MM_KIND_HTML || k == MM_KIND_UNKNOWN;
}

/*
 * The next occurrence of a word at or after a line's start, kept across
 * lines: one search per occurrence instead of one per line. A line holds
 * the word when that next occurrence ends within the line (words hold no
 * newline, and a later occurrence would end later still).
 */
struct next_word {
	const char *w;
	size_t len;
	bool ci;
	bool known;
	size_t at;	/* SIZE_MAX: none left */
};

static bool word_in_line(struct next_word *t, const uint8_t *d, size_t len, size_t lo, size_t hi)
{
	if (!t->known || (t->at != SIZE_MAX && t->at < lo)) {
		const uint8_t *p = t->ci ? files_memcasemem(d + lo, len - lo, t->w, t->len) :
					   files_memmem(d + lo, len - lo, t->w, t->len);

		t->at = p ? (size_t)(p - d) : SIZE_MAX;
		t->known = true;
	}
	return t->at != SIZE_MAX && t->at + t->len <= hi;
}

static bool any_in_line(struct next_word *t, size_t n, const uint8_t *d, size_t len, size_t lo,
			size_t hi)
{
	for (size_t i = 0; i < n; i++)
		if (word_in_line(&t[i], d, len, lo, hi))
			return true;
	return false;
}

static int scan_text(struct miner_worker *w, const struct file_view *v, struct mm_scan_ctx *ctx)
{
	/* a line without one of these cannot pass cmd_gate() */
	struct next_word cmd_words[] = {
		{ "stratum", 7, true, false, 0 }, { "-o", 2, false, false, 0 },
		{ "url", 3, true, false, 0 },     { "pool", 4, true, false, 0 },
		{ "-P", 2, false, false, 0 },     { "--server", 8, false, false, 0 },
	};
	/* ... nor these kill_line() or block_line() */
	struct next_word kill_words[] = {
		{ "kill", 4, true, false, 0 },    { "iptables", 8, true, false, 0 },
		{ "crontab", 7, true, false, 0 }, { "/cron", 5, true, false, 0 },
	};
	const char *s = (const char *)v->data;
	size_t len = MM_MIN(v->len, (size_t)TEXT_MAX), pos = 0, lineno = 0;
	bool rivals[MM_ARRAY_SIZE(rival_names)] = { 0 };
	size_t n_rivals = 0, kill_lines = 0, block_lines = 0, cmd_alerts = 0;
	char first_kill[256] = "";
	int rc = 0;
	bool maybe_cmd, maybe_kill;

	maybe_cmd = files_memcasemem(v->data, len, "stratum", 7) ||
		    files_memcasemem(v->data, len, "-o ", 3) ||
		    files_memcasemem(v->data, len, "--url", 5) ||
		    files_memcasemem(v->data, len, "pool", 4);
	maybe_kill = files_memcasemem(v->data, len, "kill", 4) ||
		     files_memcasemem(v->data, len, "iptables", 8);
	if (!maybe_cmd && !maybe_kill)
		return 0;
	while (pos < len && rc >= 0) {
		const char *nl = memchr(s + pos, '\n', len - pos);
		size_t ll = nl ? (size_t)(nl - (s + pos)) : len - pos;
		const char *line = s + pos;
		size_t use = MM_MIN(ll, (size_t)LINE_MAX_LEN), lo = pos;
		struct cmdline c;

		lineno++;
		pos += ll + 1;
		/* the clock is read every 64 lines, not on each one */
		if ((lineno & 63) == 0 && mm_scan_expired(ctx))
			return MM_ETIMEDOUT;
		if (maybe_cmd && cmd_alerts < 4 &&
		    any_in_line(cmd_words, MM_ARRAY_SIZE(cmd_words), v->data, len, lo, lo + use) &&
		    cmd_gate(line, use) && parse_cmdline(line, use, &c)) {
			cmd_alerts++;
			rc = report_cmdline(w, v, ctx, &c, line, use, lineno,
					    persistence_of(v, line, use));
		}
		if (maybe_kill &&
		    any_in_line(kill_words, MM_ARRAY_SIZE(kill_words), v->data, len, lo, lo + use)) {
			bool k = kill_line(line, use), b = block_line(line, use);

			if (k || b) {
				size_t before = n_rivals;

				for (size_t i = 0; i < MM_ARRAY_SIZE(rival_names); i++) {
					if (!rivals[i] &&
					    files_memcasemem((const uint8_t *)line, use, rival_names[i],
							     strlen(rival_names[i]))) {
						rivals[i] = true;
						n_rivals++;
					}
				}
				if (k && n_rivals > before)
					kill_lines++;
				if (b)
					block_lines++;
				if ((n_rivals > before || b) && !first_kill[0])
					snprintf(first_kill, sizeof(first_kill), "%.*s",
						 (int)MM_MIN(use, (size_t)200), line);
			}
		}
	}
	if (rc >= 0 && (n_rivals >= 3 && kill_lines >= 1)) {
		struct mm_json j;

		mm_buf_reset(&w->ev);
		mm_json_init(&j, &w->ev);
		mm_json_object_begin(&j, NULL);
		mm_json_array_begin(&j, "targets");
		for (size_t i = 0; i < MM_ARRAY_SIZE(rival_names); i++) {
			if (rivals[i])
				mm_json_str(&j, NULL, rival_names[i]);
		}
		mm_json_array_end(&j);
		mm_json_uint(&j, "kill_lines", kill_lines);
		mm_json_uint(&j, "block_lines", block_lines);
		mm_json_str(&j, "example", first_kill);
		mm_json_object_end(&j);
		rc = files_alert(ctx, v, &rules[R_KILLER], -1, "miner-killer",
				 "kills or blocks several competing miners",
				 mm_json_finish(&j) == 0 ? w->ev.ptr : NULL);
	}
	return rc;
}

static const char *const bin_markers[] = {
	"xmrig", "XMRig", "randomx", "RandomX", "cryptonight", "donate.v2.xmrig.com",
	"--donate-level", "stratum+tcp://", "stratum+ssl://", "\"algo\"", "rx/0", "cn/r",
	"mining.subscribe", "mining.authorize", "mining.submit", "--cpu-max-threads-hint",
	"cpuminer", "ccminer", "minerd", "randomx_init_dataset",
};

static int scan_binary(struct miner_worker *w, const struct file_view *v,
		       struct mm_scan_ctx *ctx)
{
	const char *found[MM_ARRAY_SIZE(bin_markers)];
	size_t n = 0;
	bool xmrig = false, stratum = false;
	struct mm_json j;

	/* cheap gates first: nearly every binary has none of these (the
	 * miner's name in any case: builds that print only "XMRig") */
	if (!files_memmem(v->data, v->len, "stratum", 7) && !files_memcasemem(v->data, v->len, "xmrig", 5) &&
	    !files_memmem(v->data, v->len, "cryptonight", 11) &&
	    !files_memmem(v->data, v->len, "mining.subscribe", 16))
		return 0;
	for (size_t i = 0; i < MM_ARRAY_SIZE(bin_markers); i++) {
		if (files_memmem(v->data, v->len, bin_markers[i], strlen(bin_markers[i]))) {
			found[n++] = bin_markers[i];
			if (i <= 1 || i == 5)
				xmrig = true;
			if (i == 7 || i == 8 || i == 12 || i == 13)
				stratum = true;
		}
	}
	if (n < 4 || !(xmrig || stratum))
		return 0;
	mm_buf_reset(&w->ev);
	mm_json_init(&j, &w->ev);
	mm_json_object_begin(&j, NULL);
	mm_json_array_begin(&j, "strings");
	for (size_t i = 0; i < n; i++)
		mm_json_str(&j, NULL, found[i]);
	mm_json_array_end(&j);
	mm_json_object_end(&j);
	return files_alert(ctx, v, &rules[R_BINARY], n >= 6 ? MM_LEVEL_HIGH : MM_LEVEL_MEDIUM,
			   xmrig ? "xmrig" : "cpuminer", "executable with coin-miner strings",
			   mm_json_finish(&j) == 0 ? w->ev.ptr : NULL);
}

static int miner_analyse(void *wp, const struct file_view *v, struct mm_scan_ctx *ctx)
{
	struct miner_worker *w = wp;
	int rc = 0;

	if (!w || !v->len)
		return 0;
	if (v->kind == MM_KIND_PE || v->kind == MM_KIND_ELF || v->kind == MM_KIND_MACHO ||
	    v->kind == MM_KIND_BINARY)
		return scan_binary(w, v, ctx);
	if (v->kind == MM_KIND_JSON) {
		rc = check_config(w, v, ctx);
		if (rc < 0)
			return rc;
	}
	if (text_kind(v->kind) && v->kind != MM_KIND_JSON)
		rc = scan_text(w, v, ctx);
	return rc;
}

#define K(x) MM_KIND_BIT(MM_KIND_##x)
const struct file_analyser file_analyser_miner = {
	.name = "miner",
	.kinds = K(JSON) | K(SCRIPT) | K(TEXT) | K(INI) | K(HTML) | K(UNKNOWN) | K(PE) | K(ELF) |
		 K(MACHO) | K(BINARY),
	.register_rules = miner_register,
	.worker_new = miner_worker_new,
	.worker_free = miner_worker_free,
	.analyse = miner_analyse,
};
#undef K
