/*
 * walk.h — walks files and directories for `mamori scan`.
 *
 * Our own recursion with openat/fdopendir/fstatat, so that every decision
 * is explicit. The policy (documented for users in docs/mamori.1):
 *
 *  - A path named by the caller (the command line) is followed if it is a
 *    symlink. Symlinks met inside a walked directory are never followed:
 *    one whose target exists is only counted (symlinks_skipped); a dangling
 *    one (or a symlink loop) is reported as MM_SKIP_NOT_REGULAR, since the
 *    name promises content that is not there.
 *  - Directory loops (bind mounts, a root reached twice) are detected by the
 *    (dev, ino) of every directory on the current path; a loop is reported
 *    as MM_SKIP_LIMIT and not entered. Depth is capped at MM_WALK_MAX_DEPTH.
 *  - FIFOs, sockets and devices are reported as MM_SKIP_NOT_REGULAR without
 *    being opened (nothing ever blocks on a FIFO). Regular files are opened
 *    with O_NOFOLLOW|O_NONBLOCK and checked again with fstat() after open,
 *    so a file swapped for a FIFO or symlink in between is caught.
 *  - Unreadable files and directories are MM_SKIP_UNREADABLE with the
 *    system's reason; names that disappear between readdir() and open()
 *    are MM_SKIP_VANISHED.
 *  - one_filesystem: directories on another device than their walk root are
 *    not entered (counted in other_fs).
 *  - Excludes: fnmatch(3) globs, tried on the whole path and on the base
 *    name; a matching directory is pruned; counted in excluded.
 *  - Names are bytes: nothing is decoded, invalid UTF-8 stays as it is.
 *
 * The callback gets each regular file with an open descriptor, which it
 * owns from then on (it must close it), or a skip with a reason. Returning
 * non-zero from the callback stops the walk, as does *stop becoming true.
 *
 * Threading: one walk per thread; the callback runs on the walking thread.
 */
#ifndef MM_WALK_H
#define MM_WALK_H

#include "core/engine.h"

#include <signal.h>

#define MM_WALK_MAX_DEPTH 256
#define MM_WALK_MAX_PATH 65536

struct mm_walk_entry {
	const char *path;	/* valid during the callback */
	int fd;			/* regular file: open, owned by the callback; else -1 */
	uint64_t size;
	uint64_t dev, ino;
	int64_t mtime_us;
	bool skipped;		/* true: not a file to scan, see why/detail */
	enum mm_skip why;
	const char *detail;
};

typedef int mm_walk_fn(void *arg, const struct mm_walk_entry *e);

struct mm_walk_opts {
	bool one_filesystem;
	const char *const *excludes;	/* fnmatch globs */
	size_t n_excludes;
	/* set asynchronously (signal handler) to stop the walk; may be NULL */
	const volatile sig_atomic_t *stop;
	/* test hook: called with each name just before it is opened */
	void (*before_open)(void *arg, const char *path);
	void *hook_arg;
	/* optional (scan --changed): asked about each regular file met inside
	 * a walked directory, from a stat of its name and before it is opened
	 * (e->fd is -1); true leaves the file out: it is neither opened nor
	 * handed to the callback, and is counted in stats.left_out. */
	bool (*pre_open)(void *arg, const struct mm_walk_entry *e);
	void *pre_open_arg;
};

struct mm_walk_stats {
	uint64_t files;		/* regular files handed over */
	uint64_t dirs;
	uint64_t skipped;	/* skip entries handed over */
	uint64_t excluded;
	uint64_t symlinks_skipped;
	uint64_t other_fs;
	uint64_t left_out;	/* regular files pre_open() left out */
};

/* Walks one root. Returns 0, the callback's non-zero value, or MM_EINTR
 * when *stop was set. Problems with entries are reported through the
 * callback, never as a return value. */
int mm_walk(const char *root, const struct mm_walk_opts *o, mm_walk_fn *fn, void *arg,
	    struct mm_walk_stats *st);

/* True if path matches one of the globs (on the path or its base name). */
bool mm_walk_excluded(const char *path, const char *const *globs, size_t n);

#endif
