/*
 * an_wallet.c — the wallet analyser: wallet stores found where they do not
 * belong, and stealer code that enumerates wallets.
 *
 * Stores recognised (by content, the file name only as a tie-break):
 * Bitcoin-family wallet.dat in Berkeley DB (btree magic at offset 12 plus
 * wallet keys) or SQLite (application_id at offset 68 = a coin's network
 * magic), Electrum (JSON with seed_version/keystore/wallet_type, or the
 * encrypted "BIE1" Base64 form), Ethereum keystore v3, MetaMask vaults
 * (JSON or the extension's LevelDB log), Exodus seed.seco, bitcoinj
 * protobuf wallets, Coinomi and MultiBit. Where the store sits decides the
 * level: informational in its application's own folder, low elsewhere,
 * high in temp folders, web roots, Downloads, archives, or a folder that
 * holds stores of several applications (a stealer's loot: siblings are
 * looked at on disk, bounded, or counted per archive in the worker).
 *
 * Stealer code: one Hyperscan literal database (case-insensitive, plain,
 * '/'-separated, doubled-backslash and UTF-16LE variants) built at open()
 * from rules/lists/wallet-paths.txt; a file naming enough distinct wallet
 * paths and browser-wallet extension ids alerts.
 *
 * Threading: the database is shared read-only; each worker has its own
 * Hyperscan scratch and loot counters.
 */
#include "core/compat.h"
#include "files/internal.h"

#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>
#include <hs/hs.h>

#define LIST_MAX 512
#define SIBLINGS_MAX 256
#define SIBLING_HEAD 4096
#define STEALER_SCAN_MAX (64u << 20)

enum { R_STORE, R_LOOT, R_STEALER };

static const struct mm_rule_meta rules[] = {
	[R_STORE] = { .id = "mamori.files.wallet.store",
		      .name = "Cryptocurrency wallet store",
		      .engine = "files", .ruleset = "builtin", .category = "wallet",
		      .level = MM_LEVEL_LOW,
		      .description = "A wallet file (wallet.dat, Electrum, Ethereum keystore, "
				     "MetaMask vault, Exodus, bitcoinj, Coinomi, MultiBit). "
				     "Informational in its application's folder; high in temp "
				     "folders, web roots, Downloads or archives.",
		      .techniques = { "T1005" }, .tactics = { "collection" } },
	[R_LOOT] = { .id = "mamori.files.wallet.loot",
		     .name = "Wallets of several applications gathered together",
		     .engine = "files", .ruleset = "builtin", .category = "stealer",
		     .level = MM_LEVEL_HIGH,
		     .description = "Wallet stores of several different applications in one "
				    "folder or archive: a stealer's staging of loot.",
		     .techniques = { "T1074.001", "T1005" },
		     .tactics = { "collection" } },
	[R_STEALER] = { .id = "mamori.files.wallet.stealer",
			.name = "Code enumerating cryptocurrency wallets (stealer)",
			.engine = "files", .ruleset = "builtin", .category = "stealer",
			.level = MM_LEVEL_HIGH,
			.description = "A script or binary naming many wallet folders and "
				       "browser-wallet extension ids together, as wallet "
				       "stealers do.",
			.techniques = { "T1005", "T1555.003" },
			.tactics = { "collection", "credential-access" } },
	{ 0 }
};

enum wapp {
	APP_NONE = 0, APP_BITCOIN_BDB, APP_BITCOIN_SQLITE, APP_ELECTRUM, APP_ETHEREUM,
	APP_METAMASK, APP_EXODUS, APP_BITCOINJ, APP_COINOMI, APP_MULTIBIT, APP_COUNT
};

static const char *const app_names[APP_COUNT] = {
	"", "bitcoin-core", "bitcoin-core", "electrum", "ethereum-keystore", "metamask",
	"exodus", "bitcoinj", "coinomi", "multibit",
};
/* which applications count as "different" for loot (both wallet.dat forms
 * are one application) */
static const int app_group[APP_COUNT] = { 0, 1, 1, 2, 3, 4, 5, 6, 7, 8 };

/* Path fragments of each application's own data folder. */
static const char *const home_paths[APP_COUNT][6] = {
	[APP_BITCOIN_BDB] = { "/.bitcoin/", "/.litecoin/", "/.dogecoin/", "\\Bitcoin\\",
			      "/Application Support/Bitcoin/", NULL },
	[APP_BITCOIN_SQLITE] = { "/.bitcoin/", "/.litecoin/", "/.dogecoin/", "\\Bitcoin\\",
				 "/Application Support/Bitcoin/", NULL },
	[APP_ELECTRUM] = { "/.electrum/", "\\Electrum\\", "/Application Support/Electrum/", NULL },
	[APP_ETHEREUM] = { "/keystore/", "\\keystore\\", NULL },
	[APP_METAMASK] = { "nkbihfbeogaeaoehlefnkodbefgpgknn", "ejbalbakoplchlghecdalmeeeajnimhm",
			   "/storage/default/moz-extension", NULL },
	[APP_EXODUS] = { "exodus.wallet", "/Exodus/", "\\Exodus\\", NULL },
	[APP_BITCOINJ] = { "/.bitcoinj/", "wallet-tool", NULL },
	[APP_COINOMI] = { "/Coinomi/", "\\Coinomi\\", NULL },
	[APP_MULTIBIT] = { "/MultiBit", "\\MultiBit", NULL },
};

static const char *const risky_paths[] = {
	"/tmp/", "/var/tmp/", "/dev/shm/", "\\Temp\\", "/Temp/", "\\AppData\\Local\\Temp",
	"/var/www/", "/htdocs/", "/public_html/", "/wwwroot/", "\\wwwroot\\", "/srv/http/",
	"/Downloads/", "\\Downloads\\", "/Public/", "\\Users\\Public\\",
};

/* ---- shared state ------------------------------------------------------ */

struct wentry {
	char *label;
	bool is_ext;
};

struct wallet_shared {
	hs_database_t *db;
	struct wentry *entries;
	size_t n_entries;
	int loot_min;
	int stealer_min;
};

struct wallet_worker {
	const struct wallet_shared *sh;
	hs_scratch_t *scratch;
	struct mm_buf ev;
	/* per-input loot counting for archive members */
	char loot_input[512];
	bool loot_apps[APP_COUNT];
	bool loot_reported;
	/* stealer hit flags, one per entry */
	uint8_t *hits;
};

static int wallet_register(struct mm_catalogue *cat, const struct mm_config *cfg)
{
	(void)cfg;
	return files_register(cat, rules);
}

static void wallet_close(void *p)
{
	struct wallet_shared *sh = p;

	if (!sh)
		return;
	if (sh->db)
		hs_free_database(sh->db);
	for (size_t i = 0; i < sh->n_entries; i++)
		free(sh->entries[i].label);
	free(sh->entries);
	free(sh);
}

/* Adds pattern variants of one entry to the literal arrays. */
struct lits {
	char **s;
	size_t *len;
	unsigned *ids, *flags;
	size_t n, cap;
};

static int lits_add(struct lits *l, const char *s, size_t len, unsigned id)
{
	if (l->n == l->cap) {
		size_t nc = l->cap ? l->cap * 2 : 256;
		char **ns = realloc(l->s, nc * sizeof(*ns));
		size_t *nl;
		unsigned *ni, *nf;

		if (!ns)
			return MM_ENOMEM;
		l->s = ns;
		nl = realloc(l->len, nc * sizeof(*nl));
		if (!nl)
			return MM_ENOMEM;
		l->len = nl;
		ni = realloc(l->ids, nc * sizeof(*ni));
		if (!ni)
			return MM_ENOMEM;
		l->ids = ni;
		nf = realloc(l->flags, nc * sizeof(*nf));
		if (!nf)
			return MM_ENOMEM;
		l->flags = nf;
		l->cap = nc;
	}
	l->s[l->n] = malloc(len ? len : 1);
	if (!l->s[l->n])
		return MM_ENOMEM;
	memcpy(l->s[l->n], s, len);
	l->len[l->n] = len;
	l->ids[l->n] = id;
	l->flags[l->n] = HS_FLAG_CASELESS | HS_FLAG_SINGLEMATCH;
	l->n++;
	return 0;
}

static void lits_free(struct lits *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->s[i]);
	free(l->s);
	free(l->len);
	free(l->ids);
	free(l->flags);
}

/* plain, '/', doubled '\', and UTF-16LE of the plain form */
static int add_variants(struct lits *l, const char *pat, unsigned id)
{
	size_t len = strlen(pat);
	char *buf = malloc(len * 2 + 2);
	size_t k;
	int rc = 0;

	if (!buf)
		return MM_ENOMEM;
	rc = lits_add(l, pat, len, id);
	if (rc == 0 && strchr(pat, '\\')) {
		for (k = 0; k < len; k++)
			buf[k] = pat[k] == '\\' ? '/' : pat[k];
		rc = lits_add(l, buf, len, id);
		k = 0;
		for (size_t i = 0; i < len && rc == 0; i++) {
			buf[k++] = pat[i];
			if (pat[i] == '\\')
				buf[k++] = '\\';
		}
		if (rc == 0)
			rc = lits_add(l, buf, k, id);
	}
	if (rc == 0) {
		for (k = 0; k < len; k++) {
			buf[2 * k] = pat[k];
			buf[2 * k + 1] = '\0';
		}
		rc = lits_add(l, buf, 2 * len, id);
	}
	free(buf);
	return rc;
}

static int wallet_open(void **out, const struct mm_engine_env *env, struct mm_diag *diag)
{
	struct wallet_shared *sh = NULL;
	struct files_list list = { 0 };
	struct lits l = { 0 };
	hs_compile_error_t *cerr = NULL;
	char path[4096];
	int rc = 0;

	*out = NULL;
	sh = calloc(1, sizeof(*sh));
	if (!sh)
		return MM_ENOMEM;
	sh->loot_min = (int)mm_config_get_int(env->config, "files.wallet.loot_min", 3);
	sh->stealer_min = (int)mm_config_get_int(env->config, "files.stealer.min_paths", 6);
	if (files_list_path(env, "wallet-paths.txt", path, sizeof(path)) < 0 ||
	    files_list_load(&list, path, LIST_MAX, NULL) < 0) {
		/* without the list the stealer check is off; stores still work */
		goto done;
	}
	sh->entries = calloc(list.n + 1, sizeof(*sh->entries));
	if (!sh->entries) {
		rc = MM_ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < list.n; i++) {
		char *kind = list.items[i], *pat, *label;

		pat = strchr(kind, '|');
		if (!pat)
			continue;
		*pat++ = '\0';
		label = strchr(pat, '|');
		if (label)
			*label++ = '\0';
		if (!*pat || (strcmp(kind, "path") && strcmp(kind, "ext")))
			continue;
		sh->entries[sh->n_entries].label = strdup(label && *label ? label : pat);
		if (!sh->entries[sh->n_entries].label) {
			rc = MM_ENOMEM;
			goto out;
		}
		sh->entries[sh->n_entries].is_ext = !strcmp(kind, "ext");
		rc = add_variants(&l, pat, (unsigned)sh->n_entries);
		if (rc < 0)
			goto out;
		sh->n_entries++;
	}
	if (l.n) {
		if (files_hs_compile_lits(env, "wallet", (const char *const *)l.s, l.flags, l.ids,
					  l.len, (unsigned)l.n, &sh->db, &cerr) < 0) {
			rc = mm_diag_set(diag, MM_EDEP, path, -1, -1, "wallet list: hyperscan: %s",
					 cerr && cerr->message ? cerr->message : "compile failed");
			goto out;
		}
	}
done:
	*out = sh;
	sh = NULL;
out:
	if (cerr)
		hs_free_compile_error(cerr);
	lits_free(&l);
	files_list_release(&list);
	wallet_close(sh);
	return rc;
}

static void wallet_worker_free(void *p)
{
	struct wallet_worker *w = p;

	if (!w)
		return;
	if (w->scratch)
		hs_free_scratch(w->scratch);
	mm_buf_release(&w->ev);
	free(w->hits);
	free(w);
}

static void *wallet_worker_new(void *shared, const struct mm_config *cfg)
{
	struct wallet_worker *w = calloc(1, sizeof(*w));

	(void)cfg;
	if (!w)
		return NULL;
	w->sh = shared;
	mm_buf_init(&w->ev, 1 << 16);
	if (w->sh && w->sh->db) {
		w->hits = calloc(w->sh->n_entries + 1, 1);
		if (!w->hits || hs_alloc_scratch(w->sh->db, &w->scratch) != HS_SUCCESS) {
			wallet_worker_free(w);
			return NULL;
		}
	}
	return w;
}

/* ---- identification ----------------------------------------------------- */

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static bool ci_has(const char *s, const char *frag)
{
	return files_memcasemem((const uint8_t *)s, strlen(s), frag, strlen(frag)) != NULL;
}

static bool has(const uint8_t *d, size_t len, const char *s)
{
	return files_memmem(d, len, s, strlen(s)) != NULL;
}

/* Identifies a wallet store from its bytes (head is enough for all but
 * BDB/LevelDB, which get up to `len`) and its name. */
static enum wapp identify(const uint8_t *d, size_t len, const char *name, const char **coin)
{
	size_t scan = MM_MIN(len, (size_t)(4u << 20));

	*coin = NULL;
	if (len >= 16 && (!memcmp(d + 12, "\x62\x31\x05\x00", 4) ||
			  !memcmp(d + 12, "\x00\x05\x31\x62", 4))) {
		int keys = has(d, scan, "main") + has(d, scan, "defaultkey") +
			   has(d, scan, "bestblock") + has(d, scan, "minversion") +
			   has(d, scan, "\x04" "ckey") + has(d, scan, "\x04mkey") +
			   has(d, scan, "keymeta") + has(d, scan, "\x04name") +
			   has(d, scan, "hdchain") + has(d, scan, "walletdescriptor");

		if (keys >= 2)
			return APP_BITCOIN_BDB;
		return APP_NONE;
	}
	if (len >= 100 && !memcmp(d, "SQLite format 3", 16)) {
		uint32_t app = be32(d + 68);

		if (app == 0xF9BEB4D9u)
			*coin = "bitcoin";
		else if (app == 0xFBC0B6DBu)
			*coin = "litecoin";
		else if (app == 0xC0C0C0C0u)
			*coin = "dogecoin";
		else if (app == 0x0B110907u || app == 0x0A03CF40u)
			*coin = "bitcoin-testnet";
		return *coin ? APP_BITCOIN_SQLITE : APP_NONE;
	}
	if (len >= 8 && !memcmp(d, "QklFMQ", 6))
		return APP_ELECTRUM;
	if (len >= 4 && !memcmp(d, "SECO", 4))
		return APP_EXODUS;
	if (len >= 24 && d[0] == 0x0a && d[1] >= 0x10 && d[1] < 0x40 &&
	    (size_t)d[1] + 2 <= len && has(d + 2, d[1], "org.") &&
	    (has(d + 2, d[1], "bitcoin") || has(d + 2, d[1], "litecoin") ||
	     has(d + 2, d[1], "dogecoin")))
		return APP_BITCOINJ;
	size_t ws = 0;

	while (ws < len && ws < 64 && isspace(d[ws]))
		ws++;
	if (ws + 2 <= len && d[ws] == '{') {
		size_t js = MM_MIN(len, (size_t)(1u << 20));

		if (has(d, js, "\"seed_version\"") &&
		    (has(d, js, "\"keystore\"") || has(d, js, "\"wallet_type\"")))
			return APP_ELECTRUM;
		if ((has(d, js, "\"crypto\"") || has(d, js, "\"Crypto\"")) &&
		    has(d, js, "\"kdf\"") && has(d, js, "\"ciphertext\""))
			return APP_ETHEREUM;
		if (has(d, js, "\"data\"") && has(d, js, "\"iv\"") && has(d, js, "\"salt\"") &&
		    js < 65536)
			return APP_METAMASK;
	}
	if ((strstr(name, ".ldb") || strstr(name, ".log")) &&
	    has(d, scan, "KeyringController") && has(d, scan, "vault"))
		return APP_METAMASK;
	if (ci_has(name, "coinomi") && strstr(name, ".wallet") && len > 64)
		return APP_COINOMI;
	if (len >= 16 && !memcmp(d, "U2FsdGVkX1", 10) &&
	    (ci_has(name, "multibit") || strstr(name, ".key")))
		return APP_MULTIBIT;
	return APP_NONE;
}

/*
 * The part of a path that says where a file sits: its last `dirs` folders
 * and its name, starting at the separator before them. Only this tail is
 * compared with the risky places, so that a case folder or a checkout that
 * happens to lie under /tmp does not turn every wallet below it into a
 * "temp folder" wallet, while /tmp/x/wallet.dat and Temp\7zS1\wallet.dat
 * still count.
 */
static const char *path_tail(const char *p, int dirs)
{
	const char *q = p + strlen(p);
	int seps = 0;

	while (q > p) {
		q--;
		if (*q == '/' || *q == '\\') {
			if (++seps > dirs)
				return q;
		}
	}
	return p;
}

static bool path_has_any(const char *p, const char *const *frags, size_t n)
{
	for (size_t i = 0; i < n && frags[i]; i++) {
		if (ci_has(p, frags[i]))
			return true;
	}
	return false;
}

/* Distinct applications among the sibling files of a file on disk; *first
 * is cleared when a sibling store sorts before this file's name (that
 * sibling reports the folder, so one folder gives one loot alert). */
static int sibling_apps(const char *disk_path, bool apps[APP_COUNT], bool *first)
{
	char dir[4096];
	const char *slash = strrchr(disk_path, '/');
	DIR *d;
	struct dirent *e;
	size_t seen = 0;
	uint8_t *head = NULL;
	int n = 0;

	if (!slash || (size_t)(slash - disk_path) >= sizeof(dir))
		return 0;
	memcpy(dir, disk_path, (size_t)(slash - disk_path));
	dir[slash - disk_path] = '\0';
	if (!dir[0])
		strcpy(dir, "/");
	d = opendir(dir);
	if (!d)
		return 0;
	head = malloc(SIBLING_HEAD);
	if (!head)
		goto out;
	while ((e = readdir(d)) != NULL && seen < SIBLINGS_MAX) {
		char p[4600];
		struct stat st;
		const char *coin;
		enum wapp a;
		ssize_t got;
		int fd;

		if (e->d_name[0] == '.' && (!e->d_name[1] || (e->d_name[1] == '.' && !e->d_name[2])))
			continue;
		seen++;
		if (snprintf(p, sizeof(p), "%s/%s", dir, e->d_name) >= (int)sizeof(p))
			continue;
		/* never open devices or FIFOs, even for a moment */
		if (lstat(p, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size < 4)
			continue;
		fd = open(p, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
		if (fd < 0)
			continue;
		if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
			close(fd);
			continue;
		}
		got = read(fd, head, SIBLING_HEAD);
		close(fd);
		if (got <= 0)
			continue;
		a = identify(head, (size_t)got, e->d_name, &coin);
		if (a == APP_NONE && strstr(e->d_name, "wallet.dat") && got >= 16 &&
		    !memcmp(head + 12, "\x62\x31\x05\x00", 4))
			a = APP_BITCOIN_BDB;	/* keys may lie past the head */
		if (a != APP_NONE && strcmp(e->d_name, slash + 1) < 0)
			*first = false;
		if (a != APP_NONE && !apps[app_group[a]]) {
			apps[app_group[a]] = true;
			n++;
		}
	}
out:
	free(head);
	closedir(d);
	return n;
}

static int report_store(struct wallet_worker *w, const struct file_view *v,
			struct mm_scan_ctx *ctx, enum wapp app, const char *coin)
{
	const char *p = v->disk_path ? v->disk_path : v->path;
	const char *where;
	int level;
	struct mm_json j;
	int rc;

	if (v->in_archive) {
		where = "archive";
		level = MM_LEVEL_HIGH;
	} else if (path_has_any(path_tail(p, 3), risky_paths, MM_ARRAY_SIZE(risky_paths))) {
		where = "temp, web root or downloads folder";
		level = MM_LEVEL_HIGH;
	} else if (path_has_any(p, home_paths[app], 6)) {
		where = "application folder";
		level = MM_LEVEL_INFORMATIONAL;
	} else {
		where = "elsewhere";
		level = MM_LEVEL_LOW;
	}
	mm_buf_reset(&w->ev);
	mm_json_init(&j, &w->ev);
	mm_json_object_begin(&j, NULL);
	mm_json_str(&j, "wallet", app_names[app]);
	if (coin)
		mm_json_str(&j, "coin", coin);
	mm_json_str(&j, "location", where);
	mm_json_object_end(&j);
	rc = files_alert(ctx, v, &rules[R_STORE], level, app_names[app],
			 level >= MM_LEVEL_HIGH ? "wallet store outside its application, where "
						  "stolen or staged wallets sit"
						: "wallet store",
			 mm_json_finish(&j) == 0 ? w->ev.ptr : NULL);
	if (rc < 0)
		return rc;

	/* loot: several applications' stores together */
	if (v->in_archive) {
		if (strncmp(w->loot_input, p, sizeof(w->loot_input) - 1) != 0) {
			snprintf(w->loot_input, sizeof(w->loot_input), "%s", p);
			memset(w->loot_apps, 0, sizeof(w->loot_apps));
			w->loot_reported = false;
		}
		w->loot_apps[app_group[app]] = true;
	} else {
		bool first = true;

		memset(w->loot_apps, 0, sizeof(w->loot_apps));
		w->loot_input[0] = '\0';
		w->loot_apps[app_group[app]] = true;
		if (v->depth == 0)
			sibling_apps(p, w->loot_apps, &first);
		w->loot_reported = !first;
	}
	{
		int n = 0;

		for (size_t i = 0; i < APP_COUNT; i++)
			n += w->loot_apps[i];
		if (n >= w->sh->loot_min && !w->loot_reported) {
			w->loot_reported = v->in_archive;
			mm_buf_reset(&w->ev);
			mm_json_init(&j, &w->ev);
			mm_json_object_begin(&j, NULL);
			mm_json_uint(&j, "applications", (uint64_t)n);
			mm_json_str(&j, "container", v->in_archive ? "archive" : "folder");
			mm_json_object_end(&j);
			rc = files_alert(ctx, v, &rules[R_LOOT], -1, "wallet-stealer",
					 "wallet stores of several applications together",
					 mm_json_finish(&j) == 0 ? w->ev.ptr : NULL);
		}
	}
	return rc;
}

/* ---- stealer code ------------------------------------------------------- */

static int hs_on_match(unsigned id, unsigned long long from, unsigned long long to,
		       unsigned flags, void *arg)
{
	struct wallet_worker *w = arg;

	(void)from;
	(void)to;
	(void)flags;
	if (id < w->sh->n_entries)
		w->hits[id] = 1;
	return 0;
}

static int check_stealer(struct wallet_worker *w, const struct file_view *v,
			 struct mm_scan_ctx *ctx)
{
	const struct wallet_shared *sh = w->sh;
	size_t n_ext = 0, n_path = 0;
	struct mm_json j;

	if (!sh->db || !w->scratch)
		return 0;
	memset(w->hits, 0, sh->n_entries);
	if (hs_scan(sh->db, (const char *)v->data,
		    (unsigned)MM_MIN(v->len, (size_t)STEALER_SCAN_MAX), 0, w->scratch,
		    hs_on_match, w) != HS_SUCCESS)
		return MM_EDEP;
	for (size_t i = 0; i < sh->n_entries; i++) {
		if (!w->hits[i])
			continue;
		if (sh->entries[i].is_ext)
			n_ext++;
		else
			n_path++;
	}
	if (n_ext + n_path < (size_t)sh->stealer_min || n_ext < 1 || n_path < 2)
		return 0;
	mm_buf_reset(&w->ev);
	mm_json_init(&j, &w->ev);
	mm_json_object_begin(&j, NULL);
	mm_json_uint(&j, "wallet_paths", n_path);
	mm_json_uint(&j, "extension_ids", n_ext);
	mm_json_array_begin(&j, "names");
	for (size_t i = 0, shown = 0; i < sh->n_entries && shown < 32; i++) {
		if (w->hits[i]) {
			mm_json_str(&j, NULL, sh->entries[i].label);
			shown++;
		}
	}
	mm_json_array_end(&j);
	mm_json_object_end(&j);
	return files_alert(ctx, v, &rules[R_STEALER], -1, "wallet-stealer",
			   "names many wallet folders and browser-wallet extensions together",
			   mm_json_finish(&j) == 0 ? w->ev.ptr : NULL);
}

static int wallet_analyse(void *wp, const struct file_view *v, struct mm_scan_ctx *ctx)
{
	struct wallet_worker *w = wp;
	const char *coin = NULL;
	enum wapp app;

	if (!w || !v->len)
		return 0;
	app = identify(v->data, v->len, files_basename(v->path), &coin);
	if (app != APP_NONE)
		return report_store(w, v, ctx, app, coin);
	switch (v->kind) {
	case MM_KIND_PE:
	case MM_KIND_ELF:
	case MM_KIND_MACHO:
	case MM_KIND_SCRIPT:
	case MM_KIND_TEXT:
	case MM_KIND_BINARY:
	case MM_KIND_HTML:
	case MM_KIND_UNKNOWN:
		return check_stealer(w, v, ctx);
	default:
		return 0;
	}
}

#define K(x) MM_KIND_BIT(MM_KIND_##x)
const struct file_analyser file_analyser_wallet = {
	.name = "wallet",
	.kinds = K(BDB) | K(SQLITE) | K(JSON) | K(TEXT) | K(BINARY) | K(UNKNOWN) | K(SCRIPT) |
		 K(PE) | K(ELF) | K(MACHO) | K(HTML),
	.register_rules = wallet_register,
	.open = wallet_open,
	.close = wallet_close,
	.worker_new_shared = wallet_worker_new,
	.worker_free = wallet_worker_free,
	.analyse = wallet_analyse,
};
#undef K
