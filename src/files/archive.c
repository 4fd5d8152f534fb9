/*
 * archive.c — the file engine's archive walker (libarchive).
 *
 * ZIP (and so APK and JAR), TAR, 7z, RAR, CAB, and the compressed streams
 * GZIP, BZIP2, XZ and ZSTD (a .tar.gz is a gzip stream holding a tar) are
 * read from memory, member by member; each regular member is expanded into
 * a heap buffer and handed to files_examine_child() as "outer!member".
 *
 * Limits against bombs and hostile archives (from the configuration, see
 * engine.c): one member is expanded to at most files.archive.member_max
 * bytes (a longer one is examined as its prefix and reported partial); the
 * bytes expanded per input are capped (files.archive.expanded_max); the
 * bytes expanded from one archive may not pass files.archive.ratio_max
 * times its own size (past a 1 MiB floor) — a compression ratio no real
 * archive reaches; members per input are capped. Encrypted members,
 * unsupported compression and corrupt headers are reported with
 * mm_scan_partial() and the walk goes on where libarchive can.
 *
 * Threading: one call per worker at a time; all state is on the stack or in
 * the per-input struct files_scan.
 */
#include "core/compat.h"
#include "files/internal.h"

#include <strings.h>
#include <archive.h>
#include <archive_entry.h>

#define RATIO_FLOOR (UINT64_C(1) << 20)
#define NAME_MAX_LEN 1024

bool files_archive_kind(enum mm_kind k)
{
	switch (k) {
	case MM_KIND_ZIP:
	case MM_KIND_GZIP:
	case MM_KIND_BZIP2:
	case MM_KIND_XZ:
	case MM_KIND_ZSTD:
	case MM_KIND_TAR:
	case MM_KIND_SEVENZ:
	case MM_KIND_RAR:
	case MM_KIND_CAB:
		return true;
	default:
		return false;
	}
}

static bool stream_kind(enum mm_kind k)
{
	return k == MM_KIND_GZIP || k == MM_KIND_BZIP2 || k == MM_KIND_XZ || k == MM_KIND_ZSTD;
}

/* Name of the single member of a compressed stream: the outer name less
 * its compression suffix ("x.tgz" -> "x.tar", "a.gz" -> "a"). */
static void stream_name(const char *outer, char *out, size_t cap)
{
	const char *b = files_basename(outer);
	size_t len = strlen(b);
	static const char *const sfx[] = { ".gz", ".bz2", ".xz", ".zst", ".z" };

	if (len > 4 && (!strcasecmp(b + len - 4, ".tgz") || !strcasecmp(b + len - 4, ".tbz") ||
			!strcasecmp(b + len - 4, ".txz"))) {
		snprintf(out, cap, "%.*s.tar", (int)(len - 4), b);
		return;
	}
	for (size_t i = 0; i < MM_ARRAY_SIZE(sfx); i++) {
		size_t sl = strlen(sfx[i]);

		if (len > sl && !strcasecmp(b + len - sl, sfx[i])) {
			snprintf(out, cap, "%.*s", (int)(len - sl), b);
			return;
		}
	}
	snprintf(out, cap, "%s", len ? "data" : "data");
}

struct walk {
	struct files_scan *scan;
	const struct file_view *v;
	uint64_t from_this;	/* bytes expanded from this archive */
	uint64_t ratio_cap;
	bool stop;
};

/* Expands the current member; returns 0 with *out and *out_len, or an error after
 * reporting. A member cut at a limit is returned as its prefix, *cut set. */
static int read_member(struct walk *wk, struct archive *a, const char *name, int64_t hint,
		       uint8_t **out, size_t *out_len, bool *cut)
{
	struct files_scan *scan = wk->scan;
	const struct files_limits *lim = &scan->eng->lim;
	uint8_t *buf = NULL;
	size_t cap, len = 0;
	uint64_t room;
	int rc = 0;

	*out = NULL;
	*out_len = 0;
	*cut = false;
	room = lim->member_max;
	if (lim->expanded_max - MM_MIN(scan->expanded, lim->expanded_max) < room)
		room = lim->expanded_max - MM_MIN(scan->expanded, lim->expanded_max);
	if (wk->ratio_cap - MM_MIN(wk->from_this, wk->ratio_cap) < room)
		room = wk->ratio_cap - MM_MIN(wk->from_this, wk->ratio_cap);
	cap = (size_t)MM_MIN((uint64_t)(hint > 0 ? hint : 64 * 1024), room);
	if (cap < 4096)
		cap = 4096;
	buf = malloc(cap);
	if (!buf)
		return MM_ENOMEM;
	for (;;) {
		la_ssize_t n;

		if (len == cap) {
			size_t ncap;
			uint8_t *nb;

			if (len >= room) {
				/* one more byte tells a cut from an exact fit */
				uint8_t probe;

				n = archive_read_data(a, &probe, 1);
				if (n > 0)
					*cut = true;
				break;
			}
			ncap = (size_t)MM_MIN((uint64_t)cap * 2, room);
			if (ncap <= cap)
				ncap = cap + 1;
			nb = realloc(buf, ncap);
			if (!nb) {
				rc = MM_ENOMEM;
				goto out;
			}
			buf = nb;
			cap = ncap;
		}
		n = archive_read_data(a, buf + len, MM_MIN(cap - len, room - len));
		if (n == 0)
			break;
		if (n < 0) {
			if (n == ARCHIVE_WARN)
				continue;
			mm_scan_partial(scan->ctx, MM_SKIP_CORRUPT, "%s!%s: %s", wk->v->path, name,
					archive_error_string(a) ? archive_error_string(a)
								: "read error");
			rc = n == ARCHIVE_FATAL ? MM_ECORRUPT : MM_EUNSUPPORTED;
			if (n == ARCHIVE_FATAL)
				wk->stop = true;
			break;
		}
		len += (size_t)n;
		if (mm_scan_expired(scan->ctx)) {
			rc = MM_ETIMEDOUT;
			break;
		}
	}
	if (len == 0 && rc < 0)
		goto out;
	*out = buf;
	*out_len = len;
	buf = NULL;
	if (rc == MM_EUNSUPPORTED || rc == MM_ECORRUPT)
		rc = 0;	/* reported; examine what came out */
out:
	free(buf);
	return rc;
}

int files_archive_examine(struct files_scan *scan, const struct file_view *v)
{
	const struct files_limits *lim = &scan->eng->lim;
	struct archive *a = NULL;
	struct archive_entry *e;
	struct walk wk;
	uint64_t n_members = 0;
	int rc = 0, r;

	memset(&wk, 0, sizeof(wk));
	wk.scan = scan;
	wk.v = v;
	if (lim->ratio_max && (uint64_t)v->len > UINT64_MAX / lim->ratio_max)
		wk.ratio_cap = UINT64_MAX;
	else
		wk.ratio_cap = MM_MAX((uint64_t)v->len * lim->ratio_max, RATIO_FLOOR);
	a = archive_read_new();
	if (!a)
		return MM_ENOMEM;
	archive_read_support_filter_all(a);
	/* real archive formats only: "all" includes text formats (mtree) that
	 * claim compressed text files such as changelog.gz */
	archive_read_support_format_zip(a);
	archive_read_support_format_tar(a);
	archive_read_support_format_gnutar(a);
	archive_read_support_format_7zip(a);
	archive_read_support_format_rar(a);
	archive_read_support_format_rar5(a);
	archive_read_support_format_cab(a);
	archive_read_support_format_cpio(a);
	archive_read_support_format_iso9660(a);
	archive_read_support_format_ar(a);
	archive_read_support_format_xar(a);
	archive_read_support_format_lha(a);
	if (stream_kind(v->kind))
		archive_read_support_format_raw(a);
	if (archive_read_open_memory(a, v->data, v->len) != ARCHIVE_OK) {
		mm_scan_partial(scan->ctx, MM_SKIP_UNSUPPORTED, "%s: archive not opened: %s", v->path,
				archive_error_string(a) ? archive_error_string(a) : "unknown format");
		goto out;
	}
	while (!wk.stop) {
		char name[NAME_MAX_LEN];
		const char *pn;
		uint8_t *data = NULL;
		size_t len = 0;
		bool cut = false;
		int64_t size, mtime;

		if (mm_scan_expired(scan->ctx)) {
			mm_scan_partial(scan->ctx, MM_SKIP_TIMEOUT, "%s: time limit reached after %" PRIu64
					" members", v->path, n_members);
			rc = MM_ETIMEDOUT;
			break;
		}
		r = archive_read_next_header(a, &e);
		if (r == ARCHIVE_EOF)
			break;
		if (r == ARCHIVE_FATAL) {
			mm_scan_partial(scan->ctx, n_members ? MM_SKIP_TRUNCATED : MM_SKIP_CORRUPT,
					"%s: %s after %" PRIu64 " members", v->path,
					archive_error_string(a) ? archive_error_string(a)
								: "corrupt archive",
					n_members);
			break;
		}
		if (r == ARCHIVE_RETRY)
			continue;
		if (r == ARCHIVE_FAILED) {
			mm_scan_partial(scan->ctx, MM_SKIP_UNSUPPORTED, "%s: member header: %s", v->path,
					archive_error_string(a) ? archive_error_string(a) : "failed");
			continue;
		}
		if (archive_entry_filetype(e) != AE_IFREG)
			continue;
		n_members++;
		pn = archive_entry_pathname(e);
		if (archive_format(a) == ARCHIVE_FORMAT_RAW || !pn || !pn[0])
			stream_name(v->path, name, sizeof(name));
		else
			snprintf(name, sizeof(name), "%s", pn);
		if (archive_entry_is_encrypted(e)) {
			mm_scan_partial(scan->ctx, MM_SKIP_UNSUPPORTED, "%s!%s: encrypted member",
					v->path, name);
			continue;
		}
		size = archive_entry_size_is_set(e) ? archive_entry_size(e) : -1;
		if (size >= 0 && (uint64_t)size > lim->member_max)
			mm_scan_partial(scan->ctx, MM_SKIP_LIMIT,
					"%s!%s: %" PRId64 " bytes, over the member limit: first %" PRIu64
					" bytes examined", v->path, name, size, lim->member_max);
		if (wk.from_this >= wk.ratio_cap) {
			mm_scan_partial(scan->ctx, MM_SKIP_LIMIT,
					"%s: expands more than %" PRIu64 " times its size (archive bomb?): "
					"rest not examined", v->path, lim->ratio_max);
			break;
		}
		if (scan->expanded >= lim->expanded_max) {
			mm_scan_partial(scan->ctx, MM_SKIP_LIMIT,
					"%s: total expanded bytes over %" PRIu64 ": rest not examined",
					v->path, lim->expanded_max);
			break;
		}
		mtime = archive_entry_mtime_is_set(e) ? (int64_t)archive_entry_mtime(e) * 1000000 : 0;
		rc = read_member(&wk, a, name, size, &data, &len, &cut);
		if (rc == MM_ENOMEM) {
			free(data);
			goto out;
		}
		wk.from_this += len;
		scan->expanded += len;
		if (cut) {
			if (wk.from_this >= wk.ratio_cap)
				mm_scan_partial(scan->ctx, MM_SKIP_LIMIT,
						"%s!%s: expands more than %" PRIu64
						" times the archive's size (archive bomb?): cut at %zu bytes",
						v->path, name, lim->ratio_max, len);
			else if (scan->expanded >= lim->expanded_max)
				mm_scan_partial(scan->ctx, MM_SKIP_LIMIT,
						"%s!%s: total expanded bytes over the limit: cut at %zu bytes",
						v->path, name, len);
			else if (size < 0 || (uint64_t)size <= lim->member_max)
				mm_scan_partial(scan->ctx, MM_SKIP_LIMIT,
						"%s!%s: over the member limit: first %zu bytes examined",
						v->path, name, len);
		}
		if (data && rc != MM_ETIMEDOUT) {
			int crc = files_examine_child(scan, v, name, data, len, mtime);

			if (crc == MM_ENOMEM) {
				free(data);
				rc = crc;
				goto out;
			}
		}
		free(data);
		rc = 0;
		if (scan->members > lim->members_max)
			break;
	}
	rc = 0;
out:
	archive_read_free(a);
	return rc;
}
