/*
 * analyser.h — private to src/files/: the contract between the file
 * engine's driver (engine.c: mapping, archives, YARA, dispatch) and its
 * built-in analysers.
 *
 * Each analyser lives in an_<name>.c and defines
 *     const struct file_analyser file_analyser_<name>;
 * src/files/CMakeLists.txt generates the table file_analysers[] from the
 * an_*.c files present, so adding one touches no shared file.
 *
 * For each file (and each archive member) the driver calls analyse() of
 * every analyser whose `kinds` mask has the content's kind, or whose
 * wants() says yes (for analysers that look at any text: a miner command
 * line can sit in a crontab, a script, an HTML page). Analysers emit alerts
 * through mm_emit_alert() with file_path set to v->path, and report parts
 * they could not examine with mm_scan_partial().
 *
 * Ownership: the view and its bytes are borrowed for the call. Threading:
 * analyse() runs on many workers at once; per-worker scratch comes from
 * worker_new() (may be NULL). register_rules() is called once at open().
 */
#ifndef FILES_ANALYSER_H
#define FILES_ANALYSER_H

#include "core/core.h"

struct file_view {
	const char *path;	/* display path; archive members: "a.zip!dir/x.exe" */
	const uint8_t *data;	/* the whole content (mapped or decompressed) */
	size_t len;
	enum mm_kind kind;
	int depth;		/* 0 for a file on disk, +1 per archive level */
	int64_t mtime_us;
	const char *sha256;	/* lowercase hex of data: read it through
				 * files_view_sha256(), which computes it on
				 * first need in views made by the driver */
	/* the outermost file on disk, and where this member sits */
	const char *disk_path;
	bool in_archive;
	/* added by the driver: its per-input state, for files_examine_nested();
	 * NULL in views built by hand (tests), which cannot nest */
	const void *driver;
	/* added by the driver: the buffer sha256 points to, "" until
	 * files_view_sha256() fills it (most views never alert, so most are
	 * never hashed); NULL in views whose sha256 is ready */
	char *lazy_hex;
};

/* v->sha256, computed first when the driver left it for later. Any thread
 * that owns the view. */
const char *files_view_sha256(const struct file_view *v);

struct file_analyser {
	const char *name;	/* "pe", "lnk", "miner", ... */
	uint64_t kinds;		/* MM_KIND_BIT()s this analyser always gets */
	/* optional: for other kinds, a cheap yes/no on the view */
	bool (*wants)(const struct file_view *v);
	/* adds the analyser's detectors to the catalogue */
	int (*register_rules)(struct mm_catalogue *cat, const struct mm_config *cfg);
	void *(*worker_new)(const struct mm_config *cfg);
	void (*worker_free)(void *w);
	int (*analyse)(void *w, const struct file_view *v, struct mm_scan_ctx *ctx);
	/* optional (added later; leave NULL if unused): shared read-only state
	 * built once at open() (lists from env->bundled_rules_dir, compiled
	 * pattern databases). When worker_new_shared is set the driver calls it
	 * instead of worker_new, passing what open() made. */
	int (*open)(void **shared, const struct mm_engine_env *env, struct mm_diag *diag);
	void (*close)(void *shared);
	void *(*worker_new_shared)(void *shared, const struct mm_config *cfg);
	/* optional: wants() with the worker's scratch (w as from worker_new*,
	 * may be NULL); must answer exactly as wants() does. The driver calls
	 * it instead of wants() when set. */
	bool (*wants_w)(void *w, const struct file_view *v);
};

extern const struct file_analyser *const file_analysers[];	/* generated, NULL-terminated */

/*
 * Nested content an analyser found and wants examined like a file (a
 * decoded PowerShell payload, an e-mail attachment). The driver classifies
 * it and runs YARA and the analysers on it, at depth v->depth + 1, under
 * the same depth and size limits as archive members. name is appended to
 * the path ("mail.eml!attachment.zip", "x.ps1!decoded"). Implemented by
 * engine.c.
 */
int files_examine_nested(struct mm_scan_ctx *ctx, const struct file_view *parent,
			 const char *name, const uint8_t *data, size_t len);

#endif
