/*
 * config.c — the effective configuration (see config.h).
 *
 * Storage: one array of entries kept sorted by key (binary search for get,
 * in order for `config show`). Each entry owns copies of its key, value,
 * default, description and origin ("default", the YAML file's path, or
 * "command line").
 *
 * Types are not declared separately: a key's type is read from its default
 * value. "true"/"false"/"yes"/"no"/"on"/"off" make a boolean key, an integer
 * an integer key, a number with a k/K/M/G/T suffix a size key (powers of
 * 1024; "5m" is a string, not a size), anything else a string. A value set later (file or command line)
 * must parse as that type, so `scan.threads: many` is an error with the
 * file's line rather than a silent default. Booleans also accept 1/0.
 *
 * The YAML file is read with libyaml's document API: nested mappings give
 * dotted keys, a sequence of scalars becomes one comma-joined value. Keys
 * nobody declared are errors (file and line in the diag); loading goes on
 * with the remaining keys and returns the first error, so the CLI may
 * choose to warn and continue. Limits: file size 1 MiB, nesting 16, 100,000
 * node visits (YAML aliases cannot blow up the walk), keys of 255 bytes,
 * values of 64 KiB.
 *
 * Threading: build and load from one thread; read-only afterwards.
 */
#include "core/compat.h"
#include "core/config.h"

#include <errno.h>
#include <strings.h>
#include <sys/stat.h>
#include <yaml.h>

#define CFG_MAX_FILE (1024 * 1024)
#define CFG_MAX_DEPTH 16
#define CFG_MAX_VISITS 100000
#define CFG_MAX_KEY 255
#define CFG_MAX_VALUE (64 * 1024)

enum cfg_type { CFG_STRING, CFG_INT, CFG_SIZE, CFG_BOOL };

struct entry {
	char *key;
	char *value;
	char *def;
	char *description;
	char *origin;
	enum cfg_type type;
};

struct mm_config {
	struct entry *v;
	size_t n, cap;
};

const struct mm_config_default mm_core_config_defaults[] = {
	{ "scan.max_size", "256M", "inputs larger than this are skipped as too large (k/M/G)" },
	{ "scan.timeout", "60", "seconds one input may take before it is reported as timed out" },
	{ "scan.threads", "0", "worker threads; 0 = one per CPU core" },
	{ "scan.one_filesystem", "false", "do not cross file-system boundaries while walking" },
	{ "scan.exclude", "", "comma-separated glob patterns of paths not to scan" },
	{ "net.home_net",
	  "10.0.0.0/8,172.16.0.0/12,192.168.0.0/16,127.0.0.0/8,::1/128,fc00::/7,fe80::/10",
	  "our networks: comma-separated IPv4/IPv6 addresses or CIDR blocks "
	  "(surrounding [ ] accepted)" },
	{ "output.format", "auto", "auto (text on a terminal, else jsonl), text or jsonl" },
	{ "store.path", "~/.local/share/mamori/mamori.db", "SQLite alert store" },
	{ "store.enabled", "true", "keep runs and alerts in the store" },
	{ "limits.archive_depth", "5", "maximum nesting of archives opened inside archives" },
	{ NULL, NULL, NULL },
};

/* ---- value syntax ---- */

static bool parse_bool(const char *s, bool *out)
{
	static const char *const yes[] = { "true", "yes", "on", "1" };
	static const char *const no[] = { "false", "no", "off", "0" };

	for (size_t i = 0; i < MM_ARRAY_SIZE(yes); i++) {
		if (strcasecmp(s, yes[i]) == 0) {
			*out = true;
			return true;
		}
		if (strcasecmp(s, no[i]) == 0) {
			*out = false;
			return true;
		}
	}
	return false;
}

static bool parse_int(const char *s, int64_t *out)
{
	char *end;
	long long v;

	if (!*s || (*s != '-' && (*s < '0' || *s > '9')))
		return false;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || *end)
		return false;
	*out = v;
	return true;
}

/* "123", "64k" (or "64K"), "16M", "2G", "1T", also "16MB"/"16MiB". */
static bool parse_size(const char *s, uint64_t *out, bool *suffixed)
{
	uint64_t v = 0, mult = 1;
	const char *p = s;

	if (*p < '0' || *p > '9')
		return false;
	while (*p >= '0' && *p <= '9') {
		if (v > (UINT64_MAX - 9) / 10)
			return false;
		v = v * 10 + (uint64_t)(*p++ - '0');
	}
	*suffixed = false;
	switch (*p) {
	case 'k': case 'K': mult = UINT64_C(1) << 10; break;
	/* lowercase m would read "5m" (minutes) as a size: only k is lowercase */
	case 'M': mult = UINT64_C(1) << 20; break;
	case 'G': mult = UINT64_C(1) << 30; break;
	case 'T': mult = UINT64_C(1) << 40; break;
	case '\0': break;
	default: return false;
	}
	if (*p) {
		p++;
		*suffixed = true;
		if (*p == 'i')
			p++;
		if (*p == 'B' || *p == 'b')
			p++;
		if (*p)
			return false;
	}
	if (v > UINT64_MAX / mult)
		return false;
	*out = v * mult;
	return true;
}

static enum cfg_type type_of(const char *def)
{
	bool b, suffixed;
	int64_t i;
	uint64_t u;

	if (!def || !*def)
		return CFG_STRING;
	if (strcmp(def, "0") != 0 && strcmp(def, "1") != 0 && parse_bool(def, &b))
		return CFG_BOOL;
	if (parse_int(def, &i))
		return CFG_INT;
	if (parse_size(def, &u, &suffixed))
		return CFG_SIZE;
	return CFG_STRING;
}

static const char *type_name(enum cfg_type t)
{
	switch (t) {
	case CFG_INT: return "an integer";
	case CFG_SIZE: return "a size (e.g. 64k, 16M, 2G)";
	case CFG_BOOL: return "a boolean (true/false, yes/no, on/off, 1/0)";
	default: return "a string";
	}
}

static bool valid_for(enum cfg_type t, const char *v)
{
	bool b, suffixed;
	int64_t i;
	uint64_t u;

	switch (t) {
	case CFG_INT: return parse_int(v, &i);
	case CFG_SIZE: return parse_size(v, &u, &suffixed);
	case CFG_BOOL: return parse_bool(v, &b);
	default: return true;
	}
}

/* ---- the sorted table ---- */

static char *dup(const char *s)
{
	size_t n = strlen(s ? s : "");
	char *p = malloc(n + 1);

	if (p)
		memcpy(p, s ? s : "", n + 1);
	return p;
}

/* Index of key, or -(insertion point) - 1. */
static ptrdiff_t lookup(const struct mm_config *c, const char *key)
{
	size_t lo = 0, hi = c->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int r = strcmp(c->v[mid].key, key);
		if (r == 0)
			return (ptrdiff_t)mid;
		if (r < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -(ptrdiff_t)lo - 1;
}

static void entry_release(struct entry *e)
{
	free(e->key);
	free(e->value);
	free(e->def);
	free(e->description);
	free(e->origin);
}

struct mm_config *mm_config_new(void)
{
	return calloc(1, sizeof(struct mm_config));
}

void mm_config_free(struct mm_config *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->n; i++)
		entry_release(&c->v[i]);
	free(c->v);
	free(c);
}

static int declare_one(struct mm_config *c, const struct mm_config_default *d)
{
	struct entry e = { 0 };
	ptrdiff_t at = lookup(c, d->key);
	size_t pos;

	/* two engines may read the same key: the first declaration stands */
	if (at >= 0)
		return 0;
	pos = (size_t)(-at - 1);
	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 64;
		struct entry *v = realloc(c->v, cap * sizeof *v);
		if (!v)
			return MM_ENOMEM;
		c->v = v;
		c->cap = cap;
	}
	e.key = dup(d->key);
	e.value = dup(d->value);
	e.def = dup(d->value);
	e.description = dup(d->description);
	e.origin = dup("default");
	e.type = type_of(d->value);
	if (!e.key || !e.value || !e.def || !e.description || !e.origin) {
		entry_release(&e);
		return MM_ENOMEM;
	}
	memmove(c->v + pos + 1, c->v + pos, (c->n - pos) * sizeof *c->v);
	c->v[pos] = e;
	c->n++;
	return 0;
}

int mm_config_declare(struct mm_config *c, const struct mm_config_default *table)
{
	int rc;

	if (!c)
		return MM_EINVAL;
	for (size_t i = 0; table && table[i].key; i++) {
		if (!table[i].key[0] || strlen(table[i].key) > CFG_MAX_KEY)
			return MM_EINVAL;
		rc = declare_one(c, &table[i]);
		if (rc)
			return rc;
	}
	return 0;
}

/* Sets a declared key after checking its type; origin is copied. */
static int set_value(struct mm_config *c, const char *key, const char *value,
		     const char *origin)
{
	ptrdiff_t at;
	struct entry *e;
	char *v, *o;

	if (!c || !key || !value)
		return MM_EINVAL;
	at = lookup(c, key);
	if (at < 0)
		return MM_ENOTFOUND;
	e = &c->v[at];
	if (strlen(value) > CFG_MAX_VALUE || !valid_for(e->type, value))
		return MM_EINVAL;
	v = dup(value);
	o = dup(origin);
	if (!v || !o) {
		free(v);
		free(o);
		return MM_ENOMEM;
	}
	free(e->value);
	free(e->origin);
	e->value = v;
	e->origin = o;
	return 0;
}

int mm_config_set(struct mm_config *c, const char *key, const char *value)
{
	return set_value(c, key, value, "command line");
}

int mm_config_set_from(struct mm_config *c, const char *key, const char *value,
		       const char *origin)
{
	return set_value(c, key, value, origin ? origin : "command line");
}

const char *mm_config_get(const struct mm_config *c, const char *key, const char *def)
{
	ptrdiff_t at;

	if (!c || !key)
		return def;
	at = lookup(c, key);
	return at >= 0 ? c->v[at].value : def;
}

int64_t mm_config_get_int(const struct mm_config *c, const char *key, int64_t def)
{
	const char *s = mm_config_get(c, key, NULL);
	int64_t v;

	return s && parse_int(s, &v) ? v : def;
}

uint64_t mm_config_get_size(const struct mm_config *c, const char *key, uint64_t def)
{
	const char *s = mm_config_get(c, key, NULL);
	uint64_t v;
	bool suffixed;

	return s && parse_size(s, &v, &suffixed) ? v : def;
}

bool mm_config_get_bool(const struct mm_config *c, const char *key, bool def)
{
	const char *s = mm_config_get(c, key, NULL);
	bool v;

	return s && parse_bool(s, &v) ? v : def;
}

bool mm_config_iter(const struct mm_config *c, size_t i, const char **key,
		    const char **value, const char **description, const char **origin)
{
	if (!c || i >= c->n)
		return false;
	if (key)
		*key = c->v[i].key;
	if (value)
		*value = c->v[i].value;
	if (description)
		*description = c->v[i].description;
	if (origin)
		*origin = c->v[i].origin;
	return true;
}

const char *mm_config_default_value(const struct mm_config *c, const char *key)
{
	ptrdiff_t at;

	if (!c || !key)
		return NULL;
	at = lookup(c, key);
	return at >= 0 ? c->v[at].def : NULL;
}

/* ---- YAML ---- */

struct load {
	struct mm_config *c;
	yaml_document_t *doc;
	const char *path;
	struct mm_diag *diag;
	int first_err;
	size_t problems;
	size_t visits;
};

/* Records a problem; the first one fills the diag. */
static void problem(struct load *l, int err, const yaml_node_t *at, const char *fmt, ...)
	MM_PRINTF(4, 5);

static void problem(struct load *l, int err, const yaml_node_t *at, const char *fmt, ...)
{
	va_list ap;

	l->problems++;
	if (l->first_err)
		return;
	l->first_err = err;
	if (!l->diag)
		return;
	mm_diag_init(l->diag);
	snprintf(l->diag->file, sizeof l->diag->file, "%s", l->path);
	l->diag->line = at ? (long)at->start_mark.line + 1 : -1;
	va_start(ap, fmt);
	vsnprintf(l->diag->reason, sizeof l->diag->reason, fmt, ap);
	va_end(ap);
}

/* True if some declared key starts with "prefix.". */
static bool is_prefix(const struct mm_config *c, const char *prefix)
{
	size_t n = strlen(prefix);
	ptrdiff_t at = lookup(c, prefix);
	size_t i = at >= 0 ? (size_t)at : (size_t)(-at - 1);

	for (; i < c->n; i++) {
		int r = strncmp(c->v[i].key, prefix, n);
		if (r > 0)
			break;
		if (r == 0 && c->v[i].key[n] == '.')
			return true;
	}
	return false;
}

static bool scalar_empty(const yaml_node_t *v)
{
	const char *s = (const char *)v->data.scalar.value;

	return v->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
	       (v->data.scalar.length == 0 || strcmp(s, "~") == 0 || strcmp(s, "null") == 0);
}

static void apply(struct load *l, const char *key, const yaml_node_t *at, const char *value,
		  bool empty)
{
	ptrdiff_t idx = lookup(l->c, key);
	int rc;

	if (idx < 0) {
		/* "net:" with nothing under it is harmless */
		if (empty && is_prefix(l->c, key))
			return;
		problem(l, MM_EINVAL, at, "unknown configuration key '%s'", key);
		return;
	}
	rc = set_value(l->c, key, value, l->path);
	if (rc == MM_EINVAL)
		problem(l, MM_EINVAL, at, "'%s' expects %s, got '%.64s'", key,
			type_name(l->c->v[idx].type), value);
	else if (rc)
		problem(l, rc, at, "cannot set '%s': %s", key, mm_strerror(rc));
}

/* A sequence of scalars as "a,b,c". */
static void apply_sequence(struct load *l, const char *key, const yaml_node_t *seq)
{
	char *joined = NULL;
	size_t len = 0;

	for (yaml_node_item_t *it = seq->data.sequence.items.start;
	     it < seq->data.sequence.items.top; it++) {
		const yaml_node_t *item = yaml_document_get_node(l->doc, *it);
		size_t n;
		char *p;
		if (++l->visits > CFG_MAX_VISITS || !item)
			goto out;
		if (item->type != YAML_SCALAR_NODE) {
			problem(l, MM_EINVAL, item, "'%s': list items must be plain values", key);
			goto out;
		}
		n = item->data.scalar.length;
		if (len + n + 2 > CFG_MAX_VALUE) {
			problem(l, MM_ELIMIT, item, "'%s': list too long", key);
			goto out;
		}
		p = realloc(joined, len + n + 2);
		if (!p) {
			problem(l, MM_ENOMEM, item, "out of memory");
			goto out;
		}
		joined = p;
		if (len)
			joined[len++] = ',';
		memcpy(joined + len, item->data.scalar.value, n);
		len += n;
		joined[len] = '\0';
	}
	apply(l, key, seq, joined ? joined : "", false);
out:
	free(joined);
}

static void walk_mapping(struct load *l, const yaml_node_t *map, const char *prefix, int depth)
{
	char key[CFG_MAX_KEY + 1];

	if (depth > CFG_MAX_DEPTH) {
		problem(l, MM_ELIMIT, map, "configuration nested too deeply");
		return;
	}
	for (yaml_node_pair_t *pair = map->data.mapping.pairs.start;
	     pair < map->data.mapping.pairs.top; pair++) {
		const yaml_node_t *k = yaml_document_get_node(l->doc, pair->key);
		const yaml_node_t *v = yaml_document_get_node(l->doc, pair->value);
		const char *ks;
		int n;

		if (++l->visits > CFG_MAX_VISITS) {
			problem(l, MM_ELIMIT, map, "configuration too large");
			return;
		}
		if (!k || !v)
			continue;
		if (k->type != YAML_SCALAR_NODE) {
			problem(l, MM_EINVAL, k, "keys must be plain names");
			continue;
		}
		ks = (const char *)k->data.scalar.value;
		if (k->data.scalar.length == 0 || strlen(ks) != k->data.scalar.length) {
			problem(l, MM_EINVAL, k, "empty or invalid key");
			continue;
		}
		n = prefix[0] ? snprintf(key, sizeof key, "%s.%s", prefix, ks)
			      : snprintf(key, sizeof key, "%s", ks);
		if (n < 0 || (size_t)n >= sizeof key) {
			problem(l, MM_EINVAL, k, "key too long");
			continue;
		}
		switch (v->type) {
		case YAML_MAPPING_NODE:
			/* one clear message rather than one per child */
			if (lookup(l->c, key) >= 0)
				problem(l, MM_EINVAL, k, "'%s' takes a value, not a mapping", key);
			else if (!is_prefix(l->c, key))
				problem(l, MM_EINVAL, k, "unknown configuration section '%s'", key);
			else
				walk_mapping(l, v, key, depth + 1);
			break;
		case YAML_SEQUENCE_NODE:
			apply_sequence(l, key, v);
			break;
		case YAML_SCALAR_NODE:
			if (strlen((const char *)v->data.scalar.value) != v->data.scalar.length) {
				problem(l, MM_EINVAL, v, "'%s': value holds a NUL byte", key);
				break;
			}
			apply(l, key, k, scalar_empty(v) ? "" : (const char *)v->data.scalar.value,
			      scalar_empty(v));
			break;
		default:
			break;
		}
	}
}

int mm_config_load_file(struct mm_config *c, const char *path, struct mm_diag *diag)
{
	yaml_parser_t parser;
	yaml_document_t doc, extra;
	bool parser_ok = false, doc_ok = false;
	struct load l = { 0 };
	struct stat st;
	FILE *f = NULL;
	yaml_node_t *root;
	int rc = 0;

	if (!c || !path)
		return MM_EINVAL;
	f = fopen(path, "rb");
	if (!f) {
		rc = mm_from_errno(errno);
		mm_diag_set(diag, rc, path, -1, -1, "cannot open: %s", strerror(errno));
		goto out;
	}
	if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
		rc = mm_diag_set(diag, MM_EINVAL, path, -1, -1, "not a regular file");
		goto out;
	}
	if (st.st_size > CFG_MAX_FILE) {
		rc = mm_diag_set(diag, MM_ELIMIT, path, -1, -1,
				 "configuration file larger than %d bytes", CFG_MAX_FILE);
		goto out;
	}
	if (!yaml_parser_initialize(&parser)) {
		rc = mm_diag_set(diag, MM_ENOMEM, path, -1, -1, "cannot start the YAML parser");
		goto out;
	}
	parser_ok = true;
	yaml_parser_set_input_file(&parser, f);
	if (!yaml_parser_load(&parser, &doc)) {
		rc = mm_diag_set(diag, MM_ESYNTAX, path, (long)parser.problem_mark.line + 1,
				 (long long)parser.problem_mark.index, "YAML: %s%s%s",
				 parser.problem ? parser.problem : "syntax error",
				 parser.context ? " " : "", parser.context ? parser.context : "");
		goto out;
	}
	doc_ok = true;
	root = yaml_document_get_root_node(&doc);
	if (!root)
		goto out;	/* an empty file: nothing to change */
	if (root->type != YAML_MAPPING_NODE) {
		rc = mm_diag_set(diag, MM_EINVAL, path, (long)root->start_mark.line + 1, -1,
				 "the top level must be a mapping of keys to values");
		goto out;
	}
	l.c = c;
	l.doc = &doc;
	l.path = path;
	l.diag = diag;
	walk_mapping(&l, root, "", 0);
	/* a second document would be silently ignored: refuse it */
	if (yaml_parser_load(&parser, &extra)) {
		if (yaml_document_get_root_node(&extra))
			problem(&l, MM_EINVAL, yaml_document_get_root_node(&extra),
				"more than one YAML document");
		yaml_document_delete(&extra);
	}
	rc = l.first_err;
	if (l.problems > 1 && diag) {
		size_t len = strlen(diag->reason);
		snprintf(diag->reason + len, sizeof diag->reason - len,
			 " (and %zu more problem%s)", l.problems - 1, l.problems > 2 ? "s" : "");
	}
out:
	if (doc_ok)
		yaml_document_delete(&doc);
	if (parser_ok)
		yaml_parser_delete(&parser);
	if (f)
		fclose(f);
	return rc;
}
