/*
 * engine.c — the file engine's driver: `const struct mm_engine
 * mm_engine_files`.
 *
 * For each input the pipeline hands over (any file-ish kind), scan() uses
 * the head the pipeline read when that is the whole file, else reads the
 * rest of the file (up to 1 MiB, into the worker's buffer) or maps it
 * read-only (larger ones), builds a struct file_view and runs, in order:
 * the YARA rules (yara.c), every analyser of the generated table
 * file_analysers[] whose kinds mask has the view's kind or whose wants()
 * says yes, and — for archives and compressed streams — the
 * archive walker (archive.c), which hands each member back here as a new
 * view one level deeper. Analysers hand decoded content back through
 * files_examine_nested(). A view's SHA-256 is computed only when an
 * alert needs it (files_view_sha256()): most files never alert.
 *
 * Limits (all from the configuration, read once at open()): scan.max_size
 * for files on disk (bigger ones are skipped as TOO_LARGE),
 * limits.archive_depth for nesting, files.archive.* for member size, total
 * expanded bytes per input, compression ratio and member count. What a
 * limit stops is reported with mm_scan_partial(LIMIT); a per-input time
 * limit stops the walk with TIMEOUT.
 *
 * Ownership: the engine state is made by open() and read-only afterwards;
 * workers own their YARA scanner and analyser scratch. Threading: scan()
 * runs concurrently on different workers; nothing here is shared mutable.
 */
#include "core/compat.h"
#include "files/internal.h"

#include <errno.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define FILES_ENGINE_VERSION "files-engine/1"
#define FILES_PATH_MAX 4096
#define FILES_READ_MAX (1u << 20)

static const struct mm_config_default files_defaults[] = {
	{ "files.archive.member_max", "128M",
	  "largest archive member (uncompressed) the file engine examines" },
	{ "files.archive.expanded_max", "1G",
	  "total bytes the file engine expands from archives per input" },
	{ "files.archive.ratio_max", "250",
	  "largest compression ratio of an archive member before it counts as a bomb" },
	{ "files.archive.members_max", "20000",
	  "most archive members (all levels) examined per input" },
	{ "files.yara.max_strings", "8",
	  "matched YARA strings copied into an alert's evidence" },
	{ "files.wallet.loot_min", "3",
	  "wallet stores of different applications in one folder that count as loot" },
	{ "files.stealer.min_paths", "6",
	  "distinct wallet paths/extension ids a stealer must name" },
	{ NULL, NULL, NULL }
};

const char *files_view_sha256(const struct file_view *v)
{
	uint8_t digest[32];

	if (!v)
		return NULL;
	if (v->lazy_hex && !v->lazy_hex[0]) {
		mm_sha256(v->data, v->len, digest);
		mm_hex(digest, 32, v->lazy_hex);
	}
	return v->sha256;
}

static bool analyser_runs(const struct file_analyser *a, void *w, const struct file_view *v)
{
	if (a->kinds & MM_KIND_BIT(v->kind))
		return true;
	if (a->wants_w)
		return a->wants_w(w, v);
	return a->wants && a->wants(v);
}

int files_examine_view(struct files_scan *scan, struct file_view *v)
{
	struct files_engine *eng = scan->eng;
	struct files_worker *w = scan->w;
	int rc;

	v->driver = scan;
	if (mm_scan_expired(scan->ctx)) {
		mm_scan_partial(scan->ctx, MM_SKIP_TIMEOUT, "time limit reached before %s",
				v->path);
		return MM_ETIMEDOUT;
	}
	if (w->yscan) {
		rc = files_yara_scan(w->yscan, v, scan->mapped, scan->ctx);
		if (rc == MM_ETIMEDOUT)
			mm_scan_partial(scan->ctx, MM_SKIP_TIMEOUT, "YARA timed out on %s", v->path);
		else if (rc < 0)
			mm_scan_partial(scan->ctx, MM_SKIP_ERROR, "YARA failed on %s: %s", v->path,
					mm_strerror(rc));
	}
	for (size_t i = 0; i < eng->n_analysers; i++) {
		const struct file_analyser *a = file_analysers[i];

		if (!a->analyse || !analyser_runs(a, w->an_state[i], v))
			continue;
		rc = a->analyse(w->an_state[i], v, scan->ctx);
		if (rc < 0 && rc != MM_ENOTFOUND)
			mm_scan_partial(scan->ctx, MM_SKIP_ERROR, "analyser %s failed on %s: %s",
					a->name, v->path, mm_strerror(rc));
		if (mm_scan_expired(scan->ctx))
			return MM_ETIMEDOUT;
	}
	if (files_archive_kind(v->kind)) {
		if (v->depth >= eng->lim.depth) {
			mm_scan_partial(scan->ctx, MM_SKIP_LIMIT,
					"archive %s nested deeper than %d levels: not opened",
					v->path, eng->lim.depth);
			return 0;
		}
		return files_archive_examine(scan, v);
	}
	return 0;
}

int files_examine_child(struct files_scan *scan, const struct file_view *parent,
			const char *name, const uint8_t *data, size_t len, int64_t mtime_us)
{
	struct files_limits *lim = &scan->eng->lim;
	struct file_view v;
	char hex[65];
	char *path = NULL;
	size_t plen, nlen;
	int rc = 0;

	if (parent->depth + 1 > lim->depth) {
		mm_scan_partial(scan->ctx, MM_SKIP_LIMIT, "%s!%s: nested deeper than %d levels",
				parent->path, name, lim->depth);
		goto out;
	}
	if (++scan->members > lim->members_max) {
		if (!scan->limit_reported)
			mm_scan_partial(scan->ctx, MM_SKIP_LIMIT,
					"more than %" PRIu64 " archive members: rest not examined",
					lim->members_max);
		scan->limit_reported = true;
		rc = MM_ELIMIT;
		goto out;
	}
	plen = strlen(parent->path);
	nlen = strnlen(name, FILES_PATH_MAX);
	if (plen + nlen + 2 > FILES_PATH_MAX)
		nlen = plen + 2 < FILES_PATH_MAX ? FILES_PATH_MAX - plen - 2 : 0;
	path = malloc(plen + nlen + 2);
	if (!path) {
		rc = MM_ENOMEM;
		goto out;
	}
	memcpy(path, parent->path, plen);
	path[plen] = '!';
	memcpy(path + plen + 1, name, nlen);
	path[plen + 1 + nlen] = '\0';

	hex[0] = '\0';	/* computed on first need: files_view_sha256() */
	memset(&v, 0, sizeof(v));
	v.path = path;
	v.data = data;
	v.len = len;
	v.kind = len ? mm_classify(data, MM_MIN(len, (size_t)MM_CLASSIFY_HEAD), len)
		     : MM_KIND_EMPTY;
	v.depth = parent->depth + 1;
	/* member times from archive headers may depend on the time zone they
	 * are read in: deterministic runs use the file's own time */
	v.mtime_us = mtime_us && !mm_scan_deterministic(scan->ctx) ? mtime_us : parent->mtime_us;
	v.sha256 = hex;
	v.lazy_hex = hex;
	v.disk_path = parent->disk_path;
	v.in_archive = true;
	rc = files_examine_view(scan, &v);
out:
	free(path);
	return rc;
}

int files_examine_nested(struct mm_scan_ctx *ctx, const struct file_view *parent,
			 const char *name, const uint8_t *data, size_t len)
{
	struct files_scan *scan;

	if (!parent || !parent->driver || !name || (!data && len))
		return MM_EINVAL;
	/* The driver is the only writer of v->driver: a cast back to the
	 * mutable per-input state it owns. */
	scan = (struct files_scan *)(uintptr_t)parent->driver;
	if (scan->magic != FILES_SCAN_MAGIC || scan->ctx != ctx)
		return MM_ESTATE;
	if (len > scan->eng->lim.member_max) {
		mm_scan_partial(ctx, MM_SKIP_LIMIT, "%s!%s: %zu bytes decoded, over the member limit",
				parent->path, name, len);
		return MM_ELIMIT;
	}
	if (scan->expanded + len > scan->eng->lim.expanded_max) {
		mm_scan_partial(ctx, MM_SKIP_LIMIT, "%s!%s: total expanded bytes over the limit",
				parent->path, name);
		return MM_ELIMIT;
	}
	scan->expanded += len;
	return files_examine_child(scan, parent, name, data, len, 0);
}

static void files_close(void *state)
{
	struct files_engine *eng = state;

	if (!eng)
		return;
	for (size_t i = 0; i < eng->n_analysers && eng->an_shared; i++) {
		if (file_analysers[i]->close)
			file_analysers[i]->close(eng->an_shared[i]);
	}
	free(eng->an_shared);
	files_yara_close(eng->yara);
	free(eng);
}

/* The bundled lists the analysers read (their contents decide results). */
static const char *const list_files[] = { "wallet-paths.txt", "web-miner-domains.txt",
					  "exchange-brands.txt" };

static void hash_list(struct mm_buf *b, const struct mm_engine_env *env, const char *name)
{
	char path[4096];
	uint8_t buf[8192], digest[32];
	char hex[65];
	struct mm_sha256 h;
	size_t n, total = 0;
	FILE *f;

	if (files_list_path(env, name, path, sizeof(path)) < 0 || !(f = fopen(path, "rb")))
		return;
	if (mm_sha256_init(&h) == 0) {
		while ((n = fread(buf, 1, sizeof(buf), f)) > 0 && total < (64u << 20)) {
			mm_sha256_update(&h, buf, n);
			total += n;
		}
		if (mm_sha256_final(&h, digest) == 0) {
			mm_hex(digest, 32, hex);
			mm_buf_appendf(b, "list %s=%s\n", name, hex);
		}
		mm_sha256_release(&h);
	}
	fclose(f);
}

static void compute_ruleset_id(struct files_engine *eng, const struct mm_engine_env *env)
{
	struct mm_buf b;
	uint8_t digest[32];

	mm_buf_init(&b, 1 << 16);
	mm_buf_appendf(&b, "%s\nyara=%s\n", FILES_ENGINE_VERSION,
		       eng->yara ? files_yara_hash(eng->yara) : "none");
	for (size_t i = 0; i < MM_ARRAY_SIZE(list_files); i++)
		hash_list(&b, env, list_files[i]);
	for (size_t i = 0; i < eng->n_analysers; i++)
		mm_buf_appendf(&b, "an=%s\n", file_analysers[i]->name);
	for (size_t i = 0; files_defaults[i].key; i++)
		mm_buf_appendf(&b, "%s=%s\n", files_defaults[i].key,
			       mm_config_get(eng->cfg, files_defaults[i].key,
					     files_defaults[i].value));
	mm_buf_appendf(&b, "depth=%d max=%" PRIu64 "\n", eng->lim.depth, eng->lim.max_size);
	mm_sha256(b.ptr ? b.ptr : "", b.len, digest);
	mm_hex(digest, 32, eng->ruleset_id);
	mm_buf_release(&b);
}

static int files_open(void **state, const struct mm_engine_env *env, struct mm_diag *diag)
{
	struct files_engine *eng = NULL;
	const struct mm_config *cfg = env->config;
	int rc = 0;

	*state = NULL;
	eng = calloc(1, sizeof(*eng));
	if (!eng) {
		rc = MM_ENOMEM;
		goto out;
	}
	eng->cfg = cfg;
	eng->lim.max_size = mm_config_get_size(cfg, "scan.max_size", UINT64_C(256) << 20);
	if (eng->lim.max_size == 0)	/* 0 means no limit, as for the pipeline */
		eng->lim.max_size = UINT64_MAX;
	eng->lim.depth = (int)mm_config_get_int(cfg, "limits.archive_depth", 5);
	if (eng->lim.depth < 0)
		eng->lim.depth = 0;
	if (eng->lim.depth > 32)
		eng->lim.depth = 32;
	eng->lim.member_max = mm_config_get_size(cfg, "files.archive.member_max",
						 UINT64_C(128) << 20);
	eng->lim.expanded_max = mm_config_get_size(cfg, "files.archive.expanded_max",
						   UINT64_C(1) << 30);
	eng->lim.ratio_max = (uint64_t)mm_config_get_int(cfg, "files.archive.ratio_max", 250);
	eng->lim.members_max = (uint64_t)mm_config_get_int(cfg, "files.archive.members_max",
							    20000);
	if (eng->lim.member_max > SIZE_MAX / 2)
		eng->lim.member_max = SIZE_MAX / 2;

	rc = files_yara_open(&eng->yara, env, diag);
	if (rc < 0)
		goto out;

	while (file_analysers[eng->n_analysers])
		eng->n_analysers++;
	eng->an_shared = calloc(eng->n_analysers + 1, sizeof(void *));
	if (!eng->an_shared) {
		rc = MM_ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < eng->n_analysers; i++) {
		const struct file_analyser *a = file_analysers[i];

		if (a->register_rules) {
			rc = a->register_rules(env->catalogue, cfg);
			if (rc < 0 && rc != MM_EEXIST) {
				mm_diag_set(diag, rc, "", -1, -1, "analyser %s: rules not registered",
					    a->name);
				goto out;
			}
			rc = 0;
		}
		if (a->open) {
			rc = a->open(&eng->an_shared[i], env, diag);
			if (rc < 0)
				goto out;
		}
	}
	compute_ruleset_id(eng, env);
	*state = eng;
	eng = NULL;
out:
	files_close(eng);
	return rc;
}

static void files_worker_close(void *worker)
{
	struct files_worker *w = worker;

	if (!w)
		return;
	for (size_t i = 0; w->an_state && i < w->eng->n_analysers; i++) {
		if (w->an_state[i] && file_analysers[i]->worker_free)
			file_analysers[i]->worker_free(w->an_state[i]);
	}
	free(w->an_state);
	files_yara_scanner_free(w->yscan);
	free(w->readbuf);
	free(w);
}

static int files_worker_open(void *state, void **worker)
{
	struct files_engine *eng = state;
	struct files_worker *w = NULL;
	int rc = 0;

	*worker = NULL;
	w = calloc(1, sizeof(*w));
	if (!w) {
		rc = MM_ENOMEM;
		goto out;
	}
	w->eng = eng;
	w->an_state = calloc(eng->n_analysers + 1, sizeof(void *));
	if (!w->an_state) {
		rc = MM_ENOMEM;
		goto out;
	}
	if (eng->yara) {
		rc = files_yara_scanner_new(eng->yara, &w->yscan);
		if (rc < 0)
			goto out;
	}
	for (size_t i = 0; i < eng->n_analysers; i++) {
		const struct file_analyser *a = file_analysers[i];

		if (a->worker_new_shared)
			w->an_state[i] = a->worker_new_shared(eng->an_shared[i], eng->cfg);
		else if (a->worker_new)
			w->an_state[i] = a->worker_new(eng->cfg);
		else
			continue;
		if (!w->an_state[i]) {
			rc = MM_ENOMEM;
			goto out;
		}
	}
	*worker = w;
	w = NULL;
out:
	files_worker_close(w);
	return rc;
}

/* Reads a file of at most FILES_READ_MAX bytes into w->readbuf; *len is
 * what was read (a file that shrank is examined as what is left). */
static int read_small(struct files_worker *w, const struct mm_input *in, size_t *len,
		      struct mm_scan_ctx *ctx)
{
	size_t want = *len, got = 0;
	size_t have = in->head ? MM_MIN(in->head_len, want) : 0;

	if (w->readcap < want) {
		size_t cap = MM_MAX(want, (size_t)65536);
		uint8_t *nb = realloc(w->readbuf, cap);

		if (!nb)
			return MM_ENOMEM;
		w->readbuf = nb;
		w->readcap = cap;
	}
	/* the pipeline already read (and classified) the first bytes: only
	 * the rest is read here */
	if (have) {
		memcpy(w->readbuf, in->head, have);
		got = have;
	}
	while (got < want) {
		ssize_t n = pread(in->fd, w->readbuf + got, want - got, (off_t)got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			mm_scan_skip(ctx, MM_SKIP_UNREADABLE, "read failed: %s", strerror(errno));
			return MM_EIO;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	if (got < want)
		mm_scan_partial(ctx, MM_SKIP_TRUNCATED, "file shrank while read (%zu of %zu bytes)",
				got, want);
	*len = got;
	return 0;
}

static int files_scan_input(void *state, void *worker, const struct mm_input *in,
			    struct mm_scan_ctx *ctx)
{
	struct files_engine *eng = state;
	struct files_worker *w = worker;
	struct files_scan scan;
	struct file_view v;
	char hex[65];
	void *map = NULL;
	const uint8_t *data = (const uint8_t *)"";
	size_t len = 0;
	int rc = 0;

	if (in->size > eng->lim.max_size) {
		mm_scan_skip(ctx, MM_SKIP_TOO_LARGE, "%" PRIu64 " bytes, over scan.max_size (%" PRIu64
			     ")", in->size, eng->lim.max_size);
		return 0;
	}
	if (in->size > SIZE_MAX) {
		mm_scan_skip(ctx, MM_SKIP_TOO_LARGE, "too large to map");
		return 0;
	}
	len = (size_t)in->size;
	if (len && in->head && in->head_len == len) {
		/* the whole file is the head the pipeline read: no copy, no read */
		data = in->head;
	} else if (len && len <= FILES_READ_MAX) {
		/* small files are read into the worker's buffer: cheaper than a
		 * mapping, and a file truncated under us cannot fault */
		rc = read_small(w, in, &len, ctx);
		if (rc < 0)
			return rc == MM_ENOMEM ? rc : 0;
		data = w->readbuf;
	} else if (len) {
		map = mmap(NULL, len, PROT_READ, MAP_PRIVATE, in->fd, 0);
		if (map == MAP_FAILED) {
			map = NULL;
			mm_scan_skip(ctx, MM_SKIP_UNREADABLE, "cannot map the file");
			return 0;
		}
		(void)madvise(map, len, MADV_SEQUENTIAL);
		data = map;
	}
	hex[0] = '\0';	/* computed on first need: files_view_sha256() */

	memset(&scan, 0, sizeof(scan));
	scan.magic = FILES_SCAN_MAGIC;
	scan.eng = eng;
	scan.w = worker;
	scan.ctx = ctx;
	scan.disk_path = in->path;
	scan.mapped = map != NULL;

	memset(&v, 0, sizeof(v));
	v.path = in->path;
	v.data = data;
	v.len = len;
	v.kind = in->kind;
	v.depth = 0;
	v.mtime_us = in->mtime_us;
	v.sha256 = hex;
	v.lazy_hex = hex;
	v.disk_path = in->path;
	v.in_archive = false;
	rc = files_examine_view(&scan, &v);
	if (rc == MM_ETIMEDOUT || rc == MM_ELIMIT)
		rc = 0;	/* already reported as partial */
	if (map)
		munmap(map, len);
	return rc < 0 && rc != MM_ENOMEM ? 0 : rc;
}

static const char *files_ruleset_id(void *state)
{
	struct files_engine *eng = state;

	return eng->ruleset_id;
}

#define K(x) MM_KIND_BIT(MM_KIND_##x)
const struct mm_engine mm_engine_files = {
	.name = "files",
	.description = "files and archives: YARA rules and built-in analysers "
		       "(miners, wallets and stealers, web miners, PE infectors, "
		       "USB worms, PowerShell, phishing)",
	.kinds = K(PE) | K(ELF) | K(MACHO) | K(ZIP) | K(GZIP) | K(BZIP2) | K(XZ) | K(ZSTD) |
		 K(TAR) | K(SEVENZ) | K(RAR) | K(CAB) | K(OLE) | K(PDF) | K(LNK) | K(SQLITE) |
		 K(BDB) | K(DEX) | K(WASM) | K(EMAIL) | K(HTML) | K(JSON) | K(SCRIPT) |
		 K(INI) | K(TEXT) | K(BINARY) | K(UNKNOWN),
	.config_defaults = files_defaults,
	.open = files_open,
	.close = files_close,
	.worker_open = files_worker_open,
	.worker_close = files_worker_close,
	.scan = files_scan_input,
	.ruleset_id = files_ruleset_id,
};
#undef K
