/*
 * util.c — small helpers shared by the file engine's driver and the
 * analysers written with it: case-insensitive search in bytes, path
 * basenames, bundled list files (rules/lists/NAME.txt), JSON excerpts.
 *
 * All input is untrusted and bounded by the lengths passed; list files are
 * read with a line-length cap and an entry cap. Pure and thread-safe except
 * files_list_load() and files_hs_compile_lits(), which allocate and touch
 * the cache folder and are called at open(). A cached Hyperscan database
 * is named by the SHA-256 of Hyperscan's version and every literal with
 * its id and flags, written to a temporary file and renamed (concurrent
 * runs never read half a file); one that does not load is recompiled.
 */
#include "core/compat.h"
#include "files/internal.h"

#include <ctype.h>
#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#define LIST_LINE_MAX 1024

static inline uint8_t lower(uint8_t c)
{
	return (c >= 'A' && c <= 'Z') ? (uint8_t)(c + 32) : c;
}

static inline bool is_alpha(uint8_t c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* Compares the needle to p: byte for byte, or ignoring ASCII case. */
static inline bool equal_at(const uint8_t *p, const uint8_t *needle, size_t nlen, bool ci)
{
	if (!ci)
		return memcmp(p, needle, nlen) == 0;
	for (size_t k = 0; k < nlen; k++)
		if (lower(p[k]) != lower(needle[k]))
			return false;
	return true;
}

/*
 * Substring search shared by files_memmem() and files_memcasemem().
 * Candidates are the positions where the first and the last byte of the
 * needle both fit; they are tested 32 at a time with AVX2 (when the CPU
 * has it, checked at run time: the build targets plain x86-64), sixteen at
 * a time with SSE2, else one at a time, and each candidate is then
 * compared in full. Ignoring case, a letter is compared with its 0x20 bit
 * set on both sides, which admits a few non-letters that the full
 * comparison rejects. Linear in hlen.
 */
struct needle {
	const uint8_t *s;
	size_t len;
	uint8_t f, l, fm, lm;	/* first and last byte, and their case bits */
	bool ci;
};

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define FILES_HAVE_AVX2 1

/* Tests 32 candidates at a time from p; returns the first match (*done
 * true) or where fewer than 32 candidates are left (*done false). */
__attribute__((target("avx2")))
static const uint8_t *find_avx2(const uint8_t *p, const uint8_t *end, const struct needle *n,
				bool *done)
{
	const size_t last = n->len - 1;
	const __m256i vf = _mm256_set1_epi8((char)n->f), vl = _mm256_set1_epi8((char)n->l);
	const __m256i vfm = _mm256_set1_epi8((char)n->fm), vlm = _mm256_set1_epi8((char)n->lm);

	*done = false;
	while ((size_t)(end - p) >= 32) {
		__m256i a = _mm256_loadu_si256((const __m256i *)(const void *)p);
		__m256i b = _mm256_loadu_si256((const __m256i *)(const void *)(p + last));
		__m256i ea = _mm256_cmpeq_epi8(_mm256_or_si256(a, vfm), vf);
		__m256i eb = _mm256_cmpeq_epi8(_mm256_or_si256(b, vlm), vl);
		uint32_t mask = (uint32_t)_mm256_movemask_epi8(_mm256_and_si256(ea, eb));

		while (mask) {
			unsigned bit = (unsigned)__builtin_ctz(mask);

			if (equal_at(p + bit, n->s, n->len, n->ci)) {
				*done = true;
				return p + bit;
			}
			mask &= mask - 1;
		}
		p += 32;
	}
	return p;
}
#endif

static const uint8_t *find(const uint8_t *hay, size_t hlen, const uint8_t *needle, size_t nlen,
			   bool ci)
{
	const uint8_t *p, *end;
	struct needle n;
	size_t last;

	if (nlen == 0)
		return hay;
	if (!hay || hlen < nlen)
		return NULL;
	last = nlen - 1;
	n.s = needle;
	n.len = nlen;
	n.ci = ci;
	n.f = ci ? lower(needle[0]) : needle[0];
	n.l = ci ? lower(needle[last]) : needle[last];
	n.fm = ci && is_alpha(n.f) ? 0x20 : 0;
	n.lm = ci && is_alpha(n.l) ? 0x20 : 0;
	p = hay;
	end = hay + hlen - nlen + 1;	/* candidates start before end */
#if defined(FILES_HAVE_AVX2)
	if ((size_t)(end - p) >= 64 && __builtin_cpu_supports("avx2")) {
		bool done;

		p = find_avx2(p, end, &n, &done);
		if (done)
			return p;
	}
#endif
#if defined(__SSE2__)
	{
		const __m128i vf = _mm_set1_epi8((char)n.f), vl = _mm_set1_epi8((char)n.l);
		const __m128i vfm = _mm_set1_epi8((char)n.fm), vlm = _mm_set1_epi8((char)n.lm);

		while ((size_t)(end - p) >= 16) {
			__m128i a = _mm_loadu_si128((const __m128i *)(const void *)p);
			__m128i b = _mm_loadu_si128((const __m128i *)(const void *)(p + last));
			__m128i ea = _mm_cmpeq_epi8(_mm_or_si128(a, vfm), vf);
			__m128i eb = _mm_cmpeq_epi8(_mm_or_si128(b, vlm), vl);
			unsigned mask = (unsigned)_mm_movemask_epi8(_mm_and_si128(ea, eb));

			while (mask) {
				unsigned bit = (unsigned)__builtin_ctz(mask);

				if (equal_at(p + bit, needle, nlen, ci))
					return p + bit;
				mask &= mask - 1;
			}
			p += 16;
		}
	}
#endif
	for (; p < end; p++) {
		if ((uint8_t)(p[0] | n.fm) == n.f && (uint8_t)(p[last] | n.lm) == n.l &&
		    equal_at(p, needle, nlen, ci))
			return p;
	}
	return NULL;
}

const uint8_t *files_memcasemem(const uint8_t *hay, size_t hlen, const char *needle, size_t nlen)
{
	return find(hay, hlen, (const uint8_t *)needle, nlen, true);
}

size_t files_count_ci(const uint8_t *hay, size_t hlen, const char *needle, size_t max)
{
	size_t n = 0, nlen = strlen(needle);
	const uint8_t *p = hay, *end = hay + hlen;

	if (!nlen)
		return 0;
	while (n < max && p < end) {
		const uint8_t *m = files_memcasemem(p, (size_t)(end - p), needle, nlen);

		if (!m)
			break;
		n++;
		p = m + nlen;
	}
	return n;
}

const char *files_basename(const char *path)
{
	const char *b = path;

	if (!path)
		return "";
	for (const char *p = path; *p; p++) {
		if (*p == '/' || *p == '\\' || *p == '!')
			b = p + 1;
	}
	return b;
}

void files_list_release(struct files_list *l)
{
	if (!l)
		return;
	for (size_t i = 0; i < l->n; i++)
		free(l->items[i]);
	free(l->items);
	memset(l, 0, sizeof(*l));
}

int files_list_path(const struct mm_engine_env *env, const char *name, char *out, size_t cap)
{
	int n;

	if (!env || !env->bundled_rules_dir || !env->bundled_rules_dir[0])
		return MM_ENOENT;
	n = snprintf(out, cap, "%s/lists/%s", env->bundled_rules_dir, name);
	if (n < 0 || (size_t)n >= cap)
		return MM_ELIMIT;
	return 0;
}

int files_list_load(struct files_list *l, const char *path, size_t max, struct mm_diag *diag)
{
	FILE *f = NULL;
	char line[LIST_LINE_MAX];
	size_t cap = 0;
	long lineno = 0;
	int rc = 0;

	memset(l, 0, sizeof(*l));
	f = fopen(path, "r");
	if (!f) {
		rc = mm_diag_set(diag, mm_from_errno(errno), path, -1, -1, "cannot open list: %s",
				 strerror(errno));
		goto out;
	}
	while (fgets(line, sizeof(line), f)) {
		char *s = line, *e;
		size_t len = strlen(line);

		lineno++;
		if (len && line[len - 1] != '\n' && !feof(f)) {
			int c;

			/* an over-long line is dropped whole */
			while ((c = fgetc(f)) != EOF && c != '\n')
				;
			l->dropped++;
			continue;
		}
		e = strchr(s, '#');
		if (e)
			*e = '\0';
		while (*s && isspace((unsigned char)*s))
			s++;
		e = s + strlen(s);
		while (e > s && isspace((unsigned char)e[-1]))
			*--e = '\0';
		if (!*s)
			continue;
		if (l->n >= max) {
			l->dropped++;
			continue;
		}
		if (l->n == cap) {
			size_t ncap = cap ? cap * 2 : 64;
			char **ni = realloc(l->items, ncap * sizeof(*ni));

			if (!ni) {
				rc = MM_ENOMEM;
				goto out;
			}
			l->items = ni;
			cap = ncap;
		}
		l->items[l->n] = strdup(s);
		if (!l->items[l->n]) {
			rc = MM_ENOMEM;
			goto out;
		}
		l->n++;
	}
	(void)lineno;
out:
	if (f)
		fclose(f);
	if (rc < 0)
		files_list_release(l);
	return rc;
}

void files_json_excerpt(struct mm_json *j, const char *key, const uint8_t *data, size_t len,
			size_t max)
{
	mm_json_strn(j, key, data, MM_MIN(len, max));
}

int files_alert(struct mm_scan_ctx *ctx, const struct file_view *v,
		const struct mm_rule_meta *m, int level, const char *family,
		const char *reason, const char *evidence_json)
{
	struct mm_alert a;

	mm_alert_init(&a);
	a.module = "files";
	a.rule_id = m->id;
	a.rule_name = m->name;
	a.ruleset = "builtin";
	a.category = m->category;
	memcpy(a.references, m->references, sizeof(a.references));
	memcpy(a.techniques, m->techniques, sizeof(a.techniques));
	memcpy(a.tactics, m->tactics, sizeof(a.tactics));
	a.has_level = 1;
	a.level = level >= 0 ? (enum mm_level)level : m->level;
	a.family = family;
	a.reason = reason;
	a.evidence_json = evidence_json;
	a.file_path = v->path;
	a.file_size = (int64_t)v->len;
	a.file_sha256 = files_view_sha256(v);
	a.timestamp_us = v->mtime_us;
	return mm_emit_alert(ctx, &a);
}

int files_register(struct mm_catalogue *cat, const struct mm_rule_meta *table)
{
	for (size_t i = 0; table[i].id; i++) {
		int rc = mm_catalogue_add(cat, &table[i], NULL);

		if (rc < 0 && rc != MM_EEXIST)
			return rc;
	}
	return 0;
}

const uint8_t *files_memmem(const uint8_t *hay, size_t hlen, const void *needle, size_t nlen)
{
	return find(hay, hlen, needle, nlen, false);
}

/* ---- compiled Hyperscan literal sets, cached on disk ------------------- */

#define HS_CACHE_MAX (64u << 20)

static int hs_cache_key(const char *const *lits, const unsigned *flags, const unsigned *ids,
			const size_t *lens, unsigned n, char hex[65])
{
	struct mm_sha256 h;
	uint8_t digest[32];
	int rc = mm_sha256_init(&h);

	if (rc < 0)
		return rc;
	mm_sha256_update(&h, hs_version(), strlen(hs_version()) + 1);
	for (unsigned i = 0; i < n; i++) {
		uint64_t head[3] = { ids ? ids[i] : 0, flags ? flags[i] : 0, lens[i] };

		mm_sha256_update(&h, head, sizeof(head));
		mm_sha256_update(&h, lits[i], lens[i]);
	}
	rc = mm_sha256_final(&h, digest);
	mm_sha256_release(&h);
	if (rc == 0)
		mm_hex(digest, 32, hex);
	return rc;
}

/* Reads a cached database; false when absent, too big or not loadable. */
static bool hs_cache_load(const char *path, hs_database_t **db)
{
	struct stat st;
	char *buf = NULL;
	bool ok = false;
	FILE *f = fopen(path, "rb");

	if (!f)
		return false;
	if (fstat(fileno(f), &st) != 0 || st.st_size <= 0 || (uint64_t)st.st_size > HS_CACHE_MAX)
		goto out;
	buf = malloc((size_t)st.st_size);
	if (!buf || fread(buf, 1, (size_t)st.st_size, f) != (size_t)st.st_size)
		goto out;
	ok = hs_deserialize_database(buf, (size_t)st.st_size, db) == HS_SUCCESS;
out:
	free(buf);
	fclose(f);
	return ok;
}

/* Writes the database next to its final name, then renames it in place. */
static void hs_cache_save(const char *dir, const char *path, const hs_database_t *db)
{
	char tmp[4200];
	char *bytes = NULL;
	size_t len = 0;
	FILE *f;
	bool ok;

	if (mkdir(dir, 0700) != 0 && errno != EEXIST)
		return;
	if (hs_serialize_database(db, &bytes, &len) != HS_SUCCESS)
		return;
	snprintf(tmp, sizeof(tmp), "%s.%ld.tmp", path, (long)getpid());
	f = fopen(tmp, "wb");
	if (f) {
		ok = fwrite(bytes, 1, len, f) == len;
		ok = fclose(f) == 0 && ok;
		if (!ok || rename(tmp, path) != 0)
			(void)unlink(tmp);
	}
	free(bytes);
}

int files_hs_compile_lits(const struct mm_engine_env *env, const char *tag,
			  const char *const *lits, const unsigned *flags, const unsigned *ids,
			  const size_t *lens, unsigned n, hs_database_t **db,
			  hs_compile_error_t **cerr)
{
	char hex[65], path[4200] = "";
	const char *dir = env ? env->cache_dir : NULL;

	*db = NULL;
	*cerr = NULL;
	if (dir && dir[0] && strlen(dir) < 4000 && hs_cache_key(lits, flags, ids, lens, n, hex) == 0) {
		snprintf(path, sizeof(path), "%s/hs-%s-%s.db", dir, tag, hex);
		if (hs_cache_load(path, db))
			return 0;
	}
	if (hs_compile_lit_multi(lits, flags, ids, lens, n, HS_MODE_BLOCK, NULL, db, cerr) !=
	    HS_SUCCESS)
		return MM_EDEP;
	if (path[0])
		hs_cache_save(dir, path, *db);
	return 0;
}
