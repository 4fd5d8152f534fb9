/*
 * entities.c — what an alert concerns and what it carries.
 *
 * From one stored alert (its JSON, untrusted: it may hold anything an
 * attacker put in a packet or a log) this extracts the entities it concerns
 * (host name, IP, user, process, file hash, container image), the
 * indicators it carries (URL, domain, IP, validated wallet address, pool,
 * file hash, image name), its kill-chain stage and a short step phrase for
 * incident summaries. Values are normalised (trimmed, lower-cased where the
 * kind is case-insensitive, bounded) and deduplicated per alert.
 *
 * Which IPs are correlation keys: the victim side. For exploits, brute
 * force and scans the source is the attacker (an indicator, not a key);
 * for miners and pool traffic the destination is the pool (an indicator).
 * Wallet addresses are reported only when mm_wallet_check() validates them.
 *
 * Limits: INC_MAX_VALUES values per alert, evidence walked to depth 8 and
 * 256 strings; the rest is counted in x->dropped. Pure; thread-safe.
 */
#include "core/compat.h"
#include "incidents/internal.h"

#include <ctype.h>
#include <jansson.h>

static const char *const stage_names[INC_STAGE_COUNT] = {
	"reconnaissance", "resource-development", "initial-access", "execution",
	"persistence", "privilege-escalation", "defense-evasion", "credential-access",
	"discovery", "lateral-movement", "collection", "command-and-control",
	"exfiltration", "impact",
};
static const char *const stage_ta[INC_STAGE_COUNT] = {
	"TA0043", "TA0042", "TA0001", "TA0002", "TA0003", "TA0004", "TA0005",
	"TA0006", "TA0007", "TA0008", "TA0009", "TA0011", "TA0010", "TA0040",
};

const char *inc_stage_name(int stage)
{
	if (stage < 0 || stage >= INC_STAGE_COUNT)
		return "unknown";
	return stage_names[stage];
}

int inc_stage_parse(const char *s)
{
	char norm[48];
	size_t i, n = 0;
	int k;

	if (!s)
		return INC_STAGE_NONE;
	for (i = 0; s[i] && n < sizeof(norm) - 1; i++) {
		char c = s[i];

		if (c == ' ' || c == '_')
			c = '-';
		norm[n++] = (char)tolower((unsigned char)c);
	}
	norm[n] = '\0';
	if (!strcmp(norm, "command-and-control") || !strcmp(norm, "c2"))
		return INC_STAGE_C2;
	for (k = 0; k < INC_STAGE_COUNT; k++) {
		if (!strcmp(norm, stage_names[k]))
			return k;
		if (!strcasecmp(s, stage_ta[k]))
			return k;
	}
	return INC_STAGE_NONE;
}

/* Category first: it says what the alert means for the victim host; an
 * SMB exploit is tagged lateral movement by ATT&CK but is how the host was
 * entered. */
static int stage_of_category(const char *c)
{
	static const struct { const char *cat; int stage; } map[] = {
		{ "exploit", INC_STAGE_INITIAL_ACCESS },
		{ "phishing", INC_STAGE_INITIAL_ACCESS },
		{ "exposure", INC_STAGE_INITIAL_ACCESS },
		{ "scan", INC_STAGE_RECON },
		{ "recon", INC_STAGE_RECON },
		{ "bruteforce", INC_STAGE_CREDENTIAL_ACCESS },
		{ "stealer", INC_STAGE_CREDENTIAL_ACCESS },
		{ "wallet", INC_STAGE_COLLECTION },
		{ "persistence", INC_STAGE_PERSISTENCE },
		{ "worm", INC_STAGE_LATERAL_MOVEMENT },
		{ "infector", INC_STAGE_PERSISTENCE },
		{ "container-abuse", INC_STAGE_EXECUTION },
		{ "miner", INC_STAGE_IMPACT },
		{ "webminer", INC_STAGE_IMPACT },
		{ "mining", INC_STAGE_IMPACT },
	};
	size_t i;

	if (!c)
		return INC_STAGE_NONE;
	for (i = 0; i < MM_ARRAY_SIZE(map); i++)
		if (!strcasecmp(c, map[i].cat))
			return map[i].stage;
	return INC_STAGE_NONE;
}

/* ---- the string map ---------------------------------------------------- */

static uint64_t hash_str(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	while (*s) {
		h ^= (unsigned char)*s++;
		h *= 1099511628211ULL;
	}
	return h;
}

void inc_map_init(struct inc_map *m)
{
	memset(m, 0, sizeof(*m));
}

void inc_map_release(struct inc_map *m)
{
	size_t i;

	for (i = 0; i < m->cap; i++)
		free(m->keys[i]);
	free(m->keys);
	free(m->vals);
	memset(m, 0, sizeof(*m));
}

static int map_grow(struct inc_map *m)
{
	size_t ncap = m->cap ? m->cap * 2 : 1024, i;
	char **nk = calloc(ncap, sizeof(*nk));
	int64_t *nv = calloc(ncap, sizeof(*nv));

	if (!nk || !nv) {
		free(nk);
		free(nv);
		return MM_ENOMEM;
	}
	for (i = 0; i < m->cap; i++) {
		size_t j;

		if (!m->keys[i])
			continue;
		j = (size_t)hash_str(m->keys[i]) & (ncap - 1);
		while (nk[j])
			j = (j + 1) & (ncap - 1);
		nk[j] = m->keys[i];
		nv[j] = m->vals[i];
	}
	free(m->keys);
	free(m->vals);
	m->keys = nk;
	m->vals = nv;
	m->cap = ncap;
	return 0;
}

int64_t *inc_map_get(const struct inc_map *m, const char *key)
{
	size_t j;

	if (!m->cap)
		return NULL;
	j = (size_t)hash_str(key) & (m->cap - 1);
	while (m->keys[j]) {
		if (!strcmp(m->keys[j], key))
			return &m->vals[j];
		j = (j + 1) & (m->cap - 1);
	}
	return NULL;
}

int64_t *inc_map_put(struct inc_map *m, const char *key, int64_t def, bool *found)
{
	size_t j;
	int64_t *v = inc_map_get(m, key);

	if (v) {
		*found = true;
		return v;
	}
	*found = false;
	if ((m->n + 1) * 2 > m->cap && map_grow(m))
		return NULL;
	j = (size_t)hash_str(key) & (m->cap - 1);
	while (m->keys[j])
		j = (j + 1) & (m->cap - 1);
	m->keys[j] = strdup(key);
	if (!m->keys[j])
		return NULL;
	m->vals[j] = def;
	m->n++;
	return &m->vals[j];
}

/* ---- extraction -------------------------------------------------------- */

static const char *jstr(json_t *o, const char *a, const char *b, const char *c)
{
	json_t *v = json_object_get(o, a);

	if (b && v)
		v = json_object_get(v, b);
	if (c && v)
		v = json_object_get(v, c);
	return json_is_string(v) ? json_string_value(v) : NULL;
}

/* Adds one value, normalised; empty or duplicate values are ignored. */
static void add_value(struct inc_extract *x, int role, const char *kind, const char *v,
		      bool lower, bool key)
{
	struct inc_value *iv;
	size_t n, i;

	if (!v)
		return;
	while (*v && isspace((unsigned char)*v))
		v++;
	n = strlen(v);
	while (n && isspace((unsigned char)v[n - 1]))
		n--;
	if (!n)
		return;
	if (n >= INC_VALUE_MAX) {
		x->dropped++;
		return;
	}
	for (i = 0; i < x->n_values; i++) {
		iv = &x->values[i];
		if (iv->role == role && !strcmp(iv->kind, kind) && strlen(iv->value) == n &&
		    (lower ? !strncasecmp(iv->value, v, n) : !memcmp(iv->value, v, n))) {
			iv->key = iv->key || key;
			return;
		}
	}
	if (x->n_values >= INC_MAX_VALUES) {
		x->dropped++;
		return;
	}
	iv = &x->values[x->n_values++];
	iv->role = role;
	iv->kind = kind;
	iv->key = key;
	for (i = 0; i < n; i++)
		iv->value[i] = lower ? (char)tolower((unsigned char)v[i]) : v[i];
	iv->value[n] = '\0';
}

/* A plausible DNS name: letters, digits, '-', '_', '.', at least one dot,
 * no empty label. Trailing dot dropped. */
static bool domain_ok(const char *s, char *out, size_t cap)
{
	size_t n = strlen(s), i;
	bool dot = false;

	if (n && s[n - 1] == '.')
		n--;
	if (!n || n >= cap || s[0] == '.')
		return false;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '.') {
			if (i + 1 < n && s[i + 1] == '.')
				return false;
			dot = true;
		} else if (!isalnum(c) && c != '-' && c != '_') {
			return false;
		}
		out[i] = (char)tolower(c);
	}
	out[n] = '\0';
	/* an IPv4 address is not a domain */
	for (i = 0; i < n; i++)
		if (!isdigit((unsigned char)out[i]) && out[i] != '.')
			return dot;
	return false;
}

/* The host part of a URL ("scheme://[user@]host[:port]/..."). */
static void url_domain(struct inc_extract *x, const char *url)
{
	const char *p = strstr(url, "://"), *end;
	char host[256], dom[256];
	size_t n;

	p = p ? p + 3 : url;
	end = p + strcspn(p, "/?#");
	{
		const char *at = memchr(p, '@', (size_t)(end - p));

		if (at)
			p = at + 1;
	}
	if (*p == '[')
		return;	/* IPv6 literal */
	n = strcspn(p, ":/?#");
	if (n == 0 || n >= sizeof(host))
		return;
	memcpy(host, p, n);
	host[n] = '\0';
	if (domain_ok(host, dom, sizeof(dom)))
		add_value(x, INC_ROLE_INDICATOR, "domain", dom, true, false);
}

/* pool: "host:port" or "stratum+tcp://host:port" -> "host:port", lower */
static void add_pool(struct inc_extract *x, const char *v)
{
	const char *p = strstr(v, "://");

	add_value(x, INC_ROLE_INDICATOR, "pool", p ? p + 3 : v, true, false);
}

static int wallet_cb(void *arg, const char *addr, size_t len, size_t offset,
		     const struct mm_wallet *w)
{
	struct inc_extract *x = arg;
	char tmp[MM_WALLET_MAX_LEN + 1];

	(void)offset;
	(void)w;
	if (len > MM_WALLET_MAX_LEN)
		return 0;
	memcpy(tmp, addr, len);
	tmp[len] = '\0';
	add_value(x, INC_ROLE_INDICATOR, "wallet", tmp, false, false);
	return 0;
}

struct walk {
	struct inc_extract *x;
	unsigned strings;
};

static void walk_evidence(struct walk *w, const char *key, json_t *v, int depth)
{
	struct inc_extract *x = w->x;

	if (depth > 8) {
		x->dropped++;
		return;
	}
	if (json_is_object(v)) {
		const char *k;
		json_t *c;

		json_object_foreach(v, k, c)
			walk_evidence(w, k, c, depth + 1);
	} else if (json_is_array(v)) {
		size_t i;
		json_t *c;

		json_array_foreach(v, i, c)
			walk_evidence(w, key, c, depth + 1);
	} else if (json_is_string(v)) {
		const char *s = json_string_value(v);
		size_t len = json_string_length(v);
		char dom[256];

		if (++w->strings > 256) {
			x->dropped++;
			return;
		}
		mm_wallet_scan(s, len, wallet_cb, x);
		if (!key)
			return;
		if (!strcasecmp(key, "url") || !strcasecmp(key, "uri_full")) {
			if (strstr(s, "://")) {
				add_value(x, INC_ROLE_INDICATOR, "url", s, false, false);
				url_domain(x, s);
			}
		} else if (!strcasecmp(key, "domain") || !strcasecmp(key, "query") ||
			   !strcasecmp(key, "qname") || !strcasecmp(key, "sni") ||
			   !strcasecmp(key, "rrname")) {
			if (domain_ok(s, dom, sizeof(dom)))
				add_value(x, INC_ROLE_INDICATOR, "domain", dom, true, false);
		} else if (!strcasecmp(key, "pool") || !strcasecmp(key, "pools")) {
			add_pool(x, s);
		} else if (!strcasecmp(key, "image")) {
			add_value(x, INC_ROLE_ENTITY, "image", s, false, true);
			add_value(x, INC_ROLE_INDICATOR, "image", s, false, false);
		}
	}
}

static bool attacker_is_source(const char *category)
{
	return category && (!strcasecmp(category, "exploit") ||
			    !strcasecmp(category, "bruteforce") ||
			    !strcasecmp(category, "scan") || !strcasecmp(category, "exposure") ||
			    !strcasecmp(category, "container-abuse"));
}

static bool pool_is_destination(const char *category, const char *protocol)
{
	return (category && (!strcasecmp(category, "miner") || !strcasecmp(category, "mining"))) ||
	       (protocol && !strcasecmp(protocol, "stratum"));
}

static void build_step(struct inc_extract *x, const char *name, const char *src_ip,
		       const char *family, bool attacker_src)
{
	const char *pool = NULL, *wallet = NULL, *domain = NULL;
	size_t i, n;

	for (i = 0; i < x->n_values; i++) {
		const struct inc_value *v = &x->values[i];

		/* a pool's name says more than its address */
		if (!strcmp(v->kind, "pool") &&
		    (!pool || (isdigit((unsigned char)pool[0]) && !isdigit((unsigned char)v->value[0]))))
			pool = v->value;
		if (!wallet && !strcmp(v->kind, "wallet"))
			wallet = v->value;
		if (!domain && !strcmp(v->kind, "domain"))
			domain = v->value;
	}
	n = (size_t)snprintf(x->step, sizeof(x->step), "%s", name ? name : "alert");
	if (n < sizeof(x->step) && attacker_src && src_ip)
		n += (size_t)snprintf(x->step + n, sizeof(x->step) - n, " from %s", src_ip);
	if (n < sizeof(x->step) && (pool || (domain && family)))
		n += (size_t)snprintf(x->step + n, sizeof(x->step) - n, " to %s",
				      pool ? pool : domain);
	if (n < sizeof(x->step) && wallet)
		snprintf(x->step + n, sizeof(x->step) - n, ", wallet %.4s\xe2\x80\xa6", wallet);
}

/* What extraction reads of one alert, whichever way it was read: strings
 * (NULL when absent or not a string), the destination port, the tactic
 * names and the evidence (jansson values, NULL when absent). */
struct fields {
	const char *category, *protocol, *module, *src, *dst, *name, *family, *host_name;
	const char *user, *process, *sha256, *url;
	bool has_port;
	long long port;
	json_t *tactics, *evidence;
};

static void extract_fields(struct inc_extract *x, const struct fields *f, const char *host)
{
	const char *category = f->category, *protocol = f->protocol, *module = f->module;
	const char *src = f->src, *dst = f->dst;
	bool att_src, pool_dst, is_net;
	int stage = INC_STAGE_NONE;
	struct walk w;

	att_src = attacker_is_source(category) ||
		  (module && !strcmp(module, "honeypot"));
	pool_dst = pool_is_destination(category, protocol);

	/* a network sensor's host.name is the observer, not the hosts the
	 * packets concern: for net alerts, addresses are the keys */
	is_net = module && !strcmp(module, "net");
	if (!f->host_name)
		add_value(x, INC_ROLE_ENTITY, "host", host, true, !is_net);
	add_value(x, INC_ROLE_ENTITY, "host", f->host_name, true, !is_net);
	if (src) {
		/* a honeypot's attacker is what ties its events together */
		bool hp = module && !strcmp(module, "honeypot");

		add_value(x, INC_ROLE_ENTITY, "ip", src, true, !att_src || hp);
		if (att_src)
			add_value(x, INC_ROLE_INDICATOR, "ip", src, true, false);
	}
	if (dst) {
		add_value(x, INC_ROLE_ENTITY, "ip", dst, true, !pool_dst);
		if (pool_dst)
			add_value(x, INC_ROLE_INDICATOR, "ip", dst, true, false);
	}
	if (pool_dst && dst && f->has_port && protocol && !strcasecmp(protocol, "stratum")) {
		char pool[80];

		snprintf(pool, sizeof(pool), "%s:%lld", dst, f->port);
		add_pool(x, pool);
	}
	add_value(x, INC_ROLE_ENTITY, "user", f->user, false, false);
	add_value(x, INC_ROLE_ENTITY, "process", f->process, true, false);
	add_value(x, INC_ROLE_ENTITY, "hash", f->sha256, true, true);
	if (f->sha256 && x->level >= MM_LEVEL_MEDIUM)
		add_value(x, INC_ROLE_INDICATOR, "hash", f->sha256, true, false);
	if (f->url && strstr(f->url, "://")) {
		add_value(x, INC_ROLE_INDICATOR, "url", f->url, false, false);
		url_domain(x, f->url);
	}
	w.x = x;
	w.strings = 0;
	if (f->evidence)
		walk_evidence(&w, NULL, f->evidence, 0);

	stage = stage_of_category(category);
	if (stage == INC_STAGE_NONE) {
		size_t i;
		json_t *e;

		/* the furthest tactic: a scheduled task is execution and
		 * persistence, and persistence is what it achieves */
		json_array_foreach(f->tactics, i, e) {
			int s = inc_stage_parse(json_string_value(e));

			if (s > stage)
				stage = s;
		}
	}
	x->stage = stage;
	build_step(x, f->name, src, f->family, att_src);
	/* label: the victim: its address for net alerts, else its name */
	if (is_net && att_src && dst)
		snprintf(x->label, sizeof(x->label), "%s", dst);
	else if (is_net && src)
		snprintf(x->label, sizeof(x->label), "%s", src);
	else if (f->host_name)
		snprintf(x->label, sizeof(x->label), "%s", f->host_name);
	else if (host && *host)
		snprintf(x->label, sizeof(x->label), "%s", host);
	else if (att_src && dst)
		snprintf(x->label, sizeof(x->label), "%s", dst);
	else if (src)
		snprintf(x->label, sizeof(x->label), "%s", src);
}

static void extract_reset(struct inc_extract *x)
{
	x->n_values = 0;
	x->dropped = 0;
	x->stage = INC_STAGE_NONE;
	x->step[0] = '\0';
	x->label[0] = '\0';
}

static void extract_unreadable(struct inc_extract *x, const char *host)
{
	snprintf(x->step, sizeof(x->step), "unreadable alert");
	if (host && *host) {
		add_value(x, INC_ROLE_ENTITY, "host", host, true, true);
		snprintf(x->label, sizeof(x->label), "%s", host);
	}
}

int inc_extract_alert(struct inc_extract *x, const char *json, size_t len, const char *host)
{
	json_t *root = NULL;
	json_error_t err;
	struct fields f;
	json_t *port;
	int rc = 0;

	extract_reset(x);
	root = json ? json_loadb(json, len, JSON_REJECT_DUPLICATES, &err) : NULL;
	if (!json_is_object(root)) {
		rc = MM_ECORRUPT;
		extract_unreadable(x, host);
		goto out;
	}
	memset(&f, 0, sizeof(f));
	f.category = jstr(root, "rule", "category", NULL);
	f.protocol = jstr(root, "network", "protocol", NULL);
	f.module = jstr(root, "event", "module", NULL);
	f.src = jstr(root, "source", "ip", NULL);
	f.dst = jstr(root, "destination", "ip", NULL);
	f.name = jstr(root, "rule", "name", NULL);
	if (!f.name)
		f.name = jstr(root, "rule", "id", NULL);
	f.family = jstr(root, "mamori", "family", NULL);
	f.host_name = jstr(root, "host", "name", NULL);
	f.user = jstr(root, "user", "name", NULL);
	f.process = jstr(root, "process", "name", NULL);
	f.sha256 = jstr(root, "file", "hash", "sha256");
	f.url = jstr(root, "url", "full", NULL);
	port = json_object_get(json_object_get(root, "destination"), "port");
	if (json_is_integer(port)) {
		f.has_port = true;
		f.port = (long long)json_integer_value(port);
	}
	f.tactics = json_object_get(json_object_get(json_object_get(root, "threat"), "tactic"),
				    "name");
	f.evidence = json_object_get(json_object_get(root, "mamori"), "evidence");
	extract_fields(x, &f, host);
out:
	json_decref(root);
	return rc;
}

/* Whether a column's text is a JSON object or array: SQLite's
 * json_extract() gives those as their JSON text, and a string as its
 * value. Only text starting with '{' or '[' is parsed to tell; a string
 * whose text is itself a JSON object or array is taken for one. Returns
 * the parsed container (the caller releases it) or NULL. */
static json_t *col_container(const struct inc_column *c)
{
	json_error_t e;
	json_t *v;

	if (!c->text || c->type != INC_COL_TEXT || (c->text[0] != '{' && c->text[0] != '['))
		return NULL;
	v = json_loadb(c->text, c->len, 0, &e);
	if (json_is_object(v) || json_is_array(v))
		return v;
	json_decref(v);
	return NULL;
}

/* A column that should hold a JSON string; NULL when it held something
 * else. */
static const char *col_string(const struct inc_column *c)
{
	json_t *v;

	if (!c->text || c->type != INC_COL_TEXT)
		return NULL;
	if (c->text[0] != '{' && c->text[0] != '[')
		return c->text;
	v = col_container(c);
	json_decref(v);
	return v ? NULL : c->text;
}

/* A column that may hold any JSON value, for walking: a container, or a
 * string as a jansson string; NULL otherwise (numbers and booleans are
 * not walked). */
static json_t *col_json(const struct inc_column *c)
{
	json_t *v;

	if (!c->text || c->type != INC_COL_TEXT)
		return NULL;
	v = col_container(c);
	return v ? v : json_stringn(c->text, c->len);
}

int inc_extract_columns(struct inc_extract *x, const struct inc_column *c, const char *host)
{
	struct fields f;

	extract_reset(x);
	if (!c[INC_COL_ROOT].text || strcmp(c[INC_COL_ROOT].text, "object")) {
		extract_unreadable(x, host);
		return MM_ECORRUPT;
	}
	memset(&f, 0, sizeof(f));
	f.category = col_string(&c[INC_COL_CATEGORY]);
	f.protocol = col_string(&c[INC_COL_PROTOCOL]);
	f.module = col_string(&c[INC_COL_MODULE]);
	f.src = col_string(&c[INC_COL_SRC]);
	f.dst = col_string(&c[INC_COL_DST]);
	f.name = col_string(&c[INC_COL_NAME]);
	if (!f.name)
		f.name = col_string(&c[INC_COL_ID]);
	f.family = col_string(&c[INC_COL_FAMILY]);
	f.host_name = col_string(&c[INC_COL_HOST]);
	f.user = col_string(&c[INC_COL_USER]);
	f.process = col_string(&c[INC_COL_PROCESS]);
	f.sha256 = col_string(&c[INC_COL_SHA256]);
	f.url = col_string(&c[INC_COL_URL]);
	if (c[INC_COL_PORT].type == INC_COL_INT) {
		f.has_port = true;
		f.port = c[INC_COL_PORT].integer;
	}
	f.tactics = col_json(&c[INC_COL_TACTICS]);
	f.evidence = col_json(&c[INC_COL_EVIDENCE]);
	extract_fields(x, &f, host);
	json_decref(f.tactics);
	json_decref(f.evidence);
	return 0;
}

int inc_extract_row(struct inc_extract *x, sqlite3_stmt *st, int first, const char *host)
{
	struct inc_column c[INC_COL_COUNT];
	int i, n = sqlite3_column_count(st);

	for (i = 0; i < INC_COL_COUNT; i++) {
		int col = first + i;
		int t = col < n ? sqlite3_column_type(st, col) : SQLITE_NULL;

		c[i].type = t == SQLITE_NULL ? INC_COL_NULL : t == SQLITE_TEXT ? INC_COL_TEXT :
			    t == SQLITE_INTEGER ? INC_COL_INT : INC_COL_OTHER;
		c[i].integer = t == SQLITE_INTEGER ? sqlite3_column_int64(st, col) : 0;
		c[i].text = t == SQLITE_TEXT ? inc_col_text(st, col) : NULL;
		c[i].len = c[i].text ? (size_t)sqlite3_column_bytes(st, col) : 0;
	}
	return inc_extract_columns(x, c, host);
}

/* The columns of inc_extract_columns(), in enum inc_col order. json_type()
 * and json_extract() of malformed JSON are an error that ends the query:
 * the caller steps over such rows (correlate.c). */
#define JX(p) "json_extract(json,'" p "')"
const char inc_columns_sql[] =
	"json_type(json), "
	JX("$.rule.category") ", " JX("$.network.protocol") ", " JX("$.event.module") ", "
	JX("$.source.ip") ", " JX("$.destination.ip") ", " JX("$.destination.port") ", "
	JX("$.rule.name") ", " JX("$.rule.id") ", " JX("$.mamori.family") ", "
	JX("$.host.name") ", " JX("$.user.name") ", " JX("$.process.name") ", "
	JX("$.file.hash.sha256") ", " JX("$.url.full") ", "
	JX("$.threat.tactic.name") ", " JX("$.mamori.evidence");
