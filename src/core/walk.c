/*
 * walk.c — the file walker of `mamori scan` (policy in walk.h).
 *
 * The current path lives in one growing buffer (capped at
 * MM_WALK_MAX_PATH); each level appends "/name" and truncates back. Each
 * directory level holds one open DIR, so descriptors in use are bounded by
 * MM_WALK_MAX_DEPTH plus what the callback keeps.
 */
#include "core/compat.h"
#include "core/walk.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <sys/stat.h>
#include <unistd.h>

struct walker {
	const struct mm_walk_opts *o;
	mm_walk_fn *fn;
	void *arg;
	struct mm_walk_stats *st;
	char *path;
	size_t len, cap;
	uint64_t root_dev;
	uint64_t stack_dev[MM_WALK_MAX_DEPTH + 1];
	uint64_t stack_ino[MM_WALK_MAX_DEPTH + 1];
	int depth;
	int rc;		/* non-zero: stop */
};

bool mm_walk_excluded(const char *path, const char *const *globs, size_t n)
{
	const char *base = strrchr(path, '/');

	base = base ? base + 1 : path;
	for (size_t i = 0; i < n; i++) {
		if (fnmatch(globs[i], path, 0) == 0 || fnmatch(globs[i], base, 0) == 0)
			return true;
	}
	return false;
}

static bool stopped(struct walker *w)
{
	if (w->rc)
		return true;
	if (w->o->stop && *w->o->stop) {
		w->rc = MM_EINTR;
		return true;
	}
	return false;
}

static void emit_skip(struct walker *w, enum mm_skip why, const char *fmt, ...)
	MM_PRINTF(3, 4);

static void emit_skip(struct walker *w, enum mm_skip why, const char *fmt, ...)
{
	struct mm_walk_entry e;
	char detail[256];
	va_list ap;
	int rc;

	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	memset(&e, 0, sizeof(e));
	e.path = w->path;
	e.fd = -1;
	e.skipped = true;
	e.why = why;
	e.detail = detail;
	w->st->skipped++;
	rc = w->fn(w->arg, &e);
	if (rc && !w->rc)
		w->rc = rc;
}

/* Reports a failed open/stat of the current path. */
static void skip_errno(struct walker *w, int err, const char *what)
{
	if (err == ENOENT)
		emit_skip(w, MM_SKIP_VANISHED, "vanished: %s", strerror(err));
	else if (err == ELOOP)
		emit_skip(w, MM_SKIP_NOT_REGULAR, "not a regular file: replaced by a symlink");
	else
		emit_skip(w, MM_SKIP_UNREADABLE, "unreadable: %s%s%s", strerror(err),
			  what ? " " : "", what ? what : "");
}

static int64_t mtime_us(const struct stat *s)
{
	return (int64_t)s->st_mtim.tv_sec * 1000000 + s->st_mtim.tv_nsec / 1000;
}

static const char *type_name(mode_t m)
{
	if (S_ISFIFO(m))
		return "fifo";
	if (S_ISSOCK(m))
		return "socket";
	if (S_ISCHR(m))
		return "character device";
	if (S_ISBLK(m))
		return "block device";
	if (S_ISLNK(m))
		return "symlink";
	if (S_ISDIR(m))
		return "directory";
	return "special file";
}

static int push_name(struct walker *w, const char *name)
{
	size_t n = strlen(name);
	bool slash = w->len > 0 && w->path[w->len - 1] != '/';
	size_t need = w->len + (slash ? 1 : 0) + n + 1;

	if (need > MM_WALK_MAX_PATH)
		return MM_ELIMIT;
	if (need > w->cap) {
		size_t cap = w->cap ? w->cap : 256;
		char *p;

		while (cap < need)
			cap *= 2;
		p = realloc(w->path, cap);
		if (!p)
			return MM_ENOMEM;
		w->path = p;
		w->cap = cap;
	}
	if (slash)
		w->path[w->len++] = '/';
	memcpy(w->path + w->len, name, n + 1);
	w->len += n;
	return 0;
}

static void hand_file(struct walker *w, int fd, const struct stat *s)
{
	struct mm_walk_entry e;
	int rc;

	memset(&e, 0, sizeof(e));
	e.path = w->path;
	e.fd = fd;
	e.size = (uint64_t)s->st_size;
	e.dev = (uint64_t)s->st_dev;
	e.ino = (uint64_t)s->st_ino;
	e.mtime_us = mtime_us(s);
	w->st->files++;
	rc = w->fn(w->arg, &e);
	if (rc && !w->rc)
		w->rc = rc;
}

static void walk_dir(struct walker *w, int dfd, const struct stat *ds);

/* pre_open(): true when the caller leaves the regular file (dfd, name) out
 * before it is opened. Anything odd (stat fails, not a regular file) is
 * left to the open path, which reports it. */
static bool left_out(struct walker *w, int dfd, const char *name)
{
	struct mm_walk_entry e;
	struct stat s;

	if (fstatat(dfd, name, &s, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG(s.st_mode))
		return false;
	memset(&e, 0, sizeof(e));
	e.path = w->path;
	e.fd = -1;
	e.size = (uint64_t)s.st_size;
	e.dev = (uint64_t)s.st_dev;
	e.ino = (uint64_t)s.st_ino;
	e.mtime_us = mtime_us(&s);
	if (!w->o->pre_open(w->o->pre_open_arg, &e))
		return false;
	w->st->left_out++;
	return true;
}

/* Opens a regular file at (dfd, name) (dfd may be AT_FDCWD and name the
 * whole path) and hands it over. nofollow: refuse symlinks. */
static void open_file(struct walker *w, int dfd, const char *name, bool nofollow)
{
	struct stat s;
	int flags = O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY;
	int fd;

	if (nofollow)
		flags |= O_NOFOLLOW;
	/* inside a walked directory, --changed may leave the file out
	 * before it costs an open */
	if (nofollow && w->o->pre_open && left_out(w, dfd, name))
		return;
	if (w->o->before_open)
		w->o->before_open(w->o->hook_arg, w->path);
	fd = openat(dfd, name, flags);
	if (fd < 0) {
		skip_errno(w, errno, NULL);
		return;
	}
	if (fstat(fd, &s) != 0) {
		int err = errno;

		close(fd);
		skip_errno(w, err, NULL);
		return;
	}
	if (S_ISDIR(s.st_mode)) {
		/* replaced by a directory between readdir and open: walk it */
		walk_dir(w, fd, &s);
		return;
	}
	if (!S_ISREG(s.st_mode)) {
		close(fd);
		emit_skip(w, MM_SKIP_NOT_REGULAR, "not a regular file: %s", type_name(s.st_mode));
		return;
	}
	hand_file(w, fd, &s);
}

static void enter_dir(struct walker *w, int dfd, const char *name)
{
	struct stat s;
	int fd;

	if (w->o->before_open)
		w->o->before_open(w->o->hook_arg, w->path);
	fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOTDIR) {
			/* replaced by something else: look again */
			open_file(w, dfd, name, true);
			return;
		}
		skip_errno(w, errno, "directory");
		return;
	}
	if (fstat(fd, &s) != 0) {
		int err = errno;

		close(fd);
		skip_errno(w, err, "directory");
		return;
	}
	walk_dir(w, fd, &s);
}

static void handle_symlink(struct walker *w, int dfd, const char *name)
{
	struct stat s;

	if (fstatat(dfd, name, &s, 0) == 0) {
		w->st->symlinks_skipped++;
		return;
	}
	if (errno == ENOENT || errno == ELOOP || errno == ENOTDIR)
		emit_skip(w, MM_SKIP_NOT_REGULAR, "not a regular file: %s symlink",
			  errno == ELOOP ? "looping" : "dangling");
	else
		w->st->symlinks_skipped++;
}

static void handle_entry(struct walker *w, int dfd, const char *name, unsigned char dtype)
{
	struct stat s;
	mode_t mode;

	switch (dtype) {
	case DT_DIR:
		enter_dir(w, dfd, name);
		return;
	case DT_REG:
		open_file(w, dfd, name, true);
		return;
	case DT_LNK:
		handle_symlink(w, dfd, name);
		return;
	case DT_FIFO:
		emit_skip(w, MM_SKIP_NOT_REGULAR, "not a regular file: fifo");
		return;
	case DT_SOCK:
		emit_skip(w, MM_SKIP_NOT_REGULAR, "not a regular file: socket");
		return;
	case DT_CHR:
		emit_skip(w, MM_SKIP_NOT_REGULAR, "not a regular file: character device");
		return;
	case DT_BLK:
		emit_skip(w, MM_SKIP_NOT_REGULAR, "not a regular file: block device");
		return;
	default:
		break;
	}
	if (fstatat(dfd, name, &s, AT_SYMLINK_NOFOLLOW) != 0) {
		skip_errno(w, errno, NULL);
		return;
	}
	mode = s.st_mode;
	if (S_ISDIR(mode))
		enter_dir(w, dfd, name);
	else if (S_ISREG(mode))
		open_file(w, dfd, name, true);
	else if (S_ISLNK(mode))
		handle_symlink(w, dfd, name);
	else
		emit_skip(w, MM_SKIP_NOT_REGULAR, "not a regular file: %s", type_name(mode));
}

/* Walks the open directory dfd (takes ownership); w->path names it. */
static void walk_dir(struct walker *w, int dfd, const struct stat *ds)
{
	DIR *d;
	struct dirent *de;
	size_t keep = w->len;

	if (w->o->one_filesystem && (uint64_t)ds->st_dev != w->root_dev) {
		close(dfd);
		w->st->other_fs++;
		return;
	}
	for (int i = 0; i < w->depth; i++) {
		if (w->stack_dev[i] == (uint64_t)ds->st_dev &&
		    w->stack_ino[i] == (uint64_t)ds->st_ino) {
			close(dfd);
			emit_skip(w, MM_SKIP_LIMIT, "directory loop: already on the current path");
			return;
		}
	}
	if (w->depth >= MM_WALK_MAX_DEPTH) {
		close(dfd);
		emit_skip(w, MM_SKIP_LIMIT, "limit reached: more than %d directory levels",
			  MM_WALK_MAX_DEPTH);
		return;
	}
	d = fdopendir(dfd);
	if (!d) {
		int err = errno;

		close(dfd);
		skip_errno(w, err, "directory");
		return;
	}
	w->stack_dev[w->depth] = (uint64_t)ds->st_dev;
	w->stack_ino[w->depth] = (uint64_t)ds->st_ino;
	w->depth++;
	w->st->dirs++;
	for (;;) {
		const char *name;
		int rc;

		if (stopped(w))
			break;
		errno = 0;
		de = readdir(d);
		if (!de) {
			if (errno) {
				emit_skip(w, MM_SKIP_UNREADABLE, "unreadable: error reading directory: %s",
					  strerror(errno));
			}
			break;
		}
		name = de->d_name;
		if (name[0] == '.' && (name[1] == '\0' || (name[1] == '.' && name[2] == '\0')))
			continue;
		rc = push_name(w, name);
		if (rc) {
			emit_skip(w, MM_SKIP_LIMIT, "limit reached: path longer than %d bytes",
				  MM_WALK_MAX_PATH);
			continue;
		}
		if (w->o->n_excludes &&
		    mm_walk_excluded(w->path, w->o->excludes, w->o->n_excludes)) {
			w->st->excluded++;
		} else {
			handle_entry(w, dirfd(d), name, de->d_type);
		}
		w->len = keep;
		w->path[w->len] = '\0';
	}
	w->depth--;
	closedir(d);
}

int mm_walk(const char *root, const struct mm_walk_opts *o, mm_walk_fn *fn, void *arg,
	    struct mm_walk_stats *st)
{
	struct walker *w = NULL;
	struct mm_walk_stats dummy = { 0 };
	struct stat s;
	int rc = 0;

	if (!st)
		st = &dummy;
	w = calloc(1, sizeof(*w));
	if (!w)
		return MM_ENOMEM;
	w->o = o;
	w->fn = fn;
	w->arg = arg;
	w->st = st;
	rc = push_name(w, root);
	if (rc)
		goto out;
	if (stopped(w))
		goto done;
	/* A root named by the user is followed if it is a symlink. */
	if (stat(root, &s) != 0) {
		int err = errno;

		if (lstat(root, &s) == 0 && S_ISLNK(s.st_mode))
			emit_skip(w, MM_SKIP_NOT_REGULAR, "not a regular file: dangling symlink");
		else
			emit_skip(w, MM_SKIP_UNREADABLE, "unreadable: %s", strerror(err));
		goto done;
	}
	w->root_dev = (uint64_t)s.st_dev;
	if (S_ISDIR(s.st_mode)) {
		int fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

		if (fd < 0) {
			skip_errno(w, errno, "directory");
			goto done;
		}
		if (fstat(fd, &s) != 0) {
			int err = errno;

			close(fd);
			skip_errno(w, err, "directory");
			goto done;
		}
		w->root_dev = (uint64_t)s.st_dev;
		walk_dir(w, fd, &s);
	} else if (S_ISREG(s.st_mode)) {
		open_file(w, AT_FDCWD, root, false);
	} else {
		emit_skip(w, MM_SKIP_NOT_REGULAR, "not a regular file: %s", type_name(s.st_mode));
	}
done:
	rc = w->rc;
out:
	free(w->path);
	free(w);
	return rc;
}
