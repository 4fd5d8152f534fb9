/*
 * test_walk.c — the walker's policy (src/core/walk.h) on trees built in a
 * temporary folder: regular and empty files, FIFOs, dangling and good
 * symlinks, unreadable files (as root, where chmod 000 does not
 * stop reading, that case runs in a child that became nobody), a file that vanishes during the walk, invalid UTF-8 names,
 * excludes, a directory loop and another file system (both need mount(2);
 * skipped where it is not allowed).
 */
#include "core/compat.h"

#include <setjmp.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/walk.h"

#define MAX_SEEN 64

struct seen {
	size_t n;
	char path[MAX_SEEN][512];
	bool skipped[MAX_SEEN];
	enum mm_skip why[MAX_SEEN];
	char detail[MAX_SEEN][256];
	uint64_t size[MAX_SEEN];
};

static int collect(void *arg, const struct mm_walk_entry *e)
{
	struct seen *s = arg;

	if (e->fd >= 0) {
		char c;

		/* the descriptor is open for reading and the callback owns it */
		assert_true(read(e->fd, &c, 1) >= 0);
		close(e->fd);
	}
	assert_true(s->n < MAX_SEEN);
	snprintf(s->path[s->n], sizeof(s->path[0]), "%s", e->path);
	s->skipped[s->n] = e->skipped;
	s->why[s->n] = e->why;
	snprintf(s->detail[s->n], sizeof(s->detail[0]), "%s", e->detail ? e->detail : "");
	s->size[s->n] = e->size;
	s->n++;
	return 0;
}

static int find(const struct seen *s, const char *suffix)
{
	size_t sl = strlen(suffix);

	for (size_t i = 0; i < s->n; i++) {
		size_t pl = strlen(s->path[i]);

		if (pl >= sl && !strcmp(s->path[i] + pl - sl, suffix))
			return (int)i;
	}
	return -1;
}

static char root[256];

static void put(const char *rel, const char *content)
{
	char p[512];
	int fd;

	snprintf(p, sizeof(p), "%s/%s", root, rel);
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	if (content)
		assert_int_equal(write(fd, content, strlen(content)), (ssize_t)strlen(content));
	close(fd);
}

static void dir(const char *rel)
{
	char p[512];

	snprintf(p, sizeof(p), "%s/%s", root, rel);
	assert_int_equal(mkdir(p, 0755), 0);
}

static int setup(void **state)
{
	(void)state;
	snprintf(root, sizeof(root), "/tmp/mm-test-walk-XXXXXX");
	assert_non_null(mkdtemp(root));
	return 0;
}

static int teardown(void **state)
{
	char cmd[2048];

	(void)state;
	snprintf(cmd, sizeof(cmd), "umount -l '%s'/loop/a/back '%s'/fs/mnt 2>/dev/null;"
		 " chmod -R u+rwx '%s' 2>/dev/null; rm -rf '%s'", root, root, root, root);
	return system(cmd) == -1;
}

static void test_basic_tree(void **state)
{
	struct mm_walk_opts o;
	struct mm_walk_stats st;
	struct seen s;
	char p[512];
	int i;

	(void)state;
	dir("t");
	dir("t/sub");
	put("t/a.txt", "hello");
	put("t/sub/b.bin", "0123456789");
	put("t/empty", NULL);
	snprintf(p, sizeof(p), "%s/t/fifo", root);
	assert_int_equal(mkfifo(p, 0644), 0);
	snprintf(p, sizeof(p), "%s/t/dangling", root);
	assert_int_equal(symlink("/nonexistent/target", p), 0);
	snprintf(p, sizeof(p), "%s/t/good-link", root);
	assert_int_equal(symlink("a.txt", p), 0);
	snprintf(p, sizeof(p), "%s/t/sub/up", root);
	assert_int_equal(symlink("..", p), 0);	/* would loop if followed */

	memset(&o, 0, sizeof(o));
	memset(&st, 0, sizeof(st));
	memset(&s, 0, sizeof(s));
	snprintf(p, sizeof(p), "%s/t", root);
	assert_int_equal(mm_walk(p, &o, collect, &s, &st), 0);

	i = find(&s, "/t/a.txt");
	assert_true(i >= 0);
	assert_false(s.skipped[i]);
	assert_int_equal(s.size[i], 5);
	i = find(&s, "/t/sub/b.bin");
	assert_true(i >= 0);
	assert_int_equal(s.size[i], 10);
	i = find(&s, "/t/empty");
	assert_true(i >= 0);
	assert_false(s.skipped[i]);
	assert_int_equal(s.size[i], 0);
	/* the FIFO is reported without being opened (the walk did not block) */
	i = find(&s, "/t/fifo");
	assert_true(i >= 0);
	assert_true(s.skipped[i]);
	assert_int_equal(s.why[i], MM_SKIP_NOT_REGULAR);
	assert_non_null(strstr(s.detail[i], "fifo"));
	i = find(&s, "/t/dangling");
	assert_true(i >= 0);
	assert_true(s.skipped[i]);
	assert_int_equal(s.why[i], MM_SKIP_NOT_REGULAR);
	assert_non_null(strstr(s.detail[i], "dangling"));
	/* symlinks with a target are counted, not followed, not reported */
	assert_int_equal(find(&s, "/t/good-link"), -1);
	assert_int_equal(find(&s, "/t/sub/up"), -1);
	assert_int_equal(st.symlinks_skipped, 2);
	assert_int_equal(st.files, 3);
	assert_int_equal(st.dirs, 2);
	assert_int_equal(s.n, 5);
}

static void test_root_forms(void **state)
{
	struct mm_walk_opts o;
	struct seen s;
	char p[512], l[512];

	(void)state;
	dir("r");
	put("r/f", "x");
	memset(&o, 0, sizeof(o));
	/* a file named directly */
	memset(&s, 0, sizeof(s));
	snprintf(p, sizeof(p), "%s/r/f", root);
	assert_int_equal(mm_walk(p, &o, collect, &s, NULL), 0);
	assert_int_equal(s.n, 1);
	assert_false(s.skipped[0]);
	assert_string_equal(s.path[0], p);
	/* a symlink named by the user is followed */
	snprintf(l, sizeof(l), "%s/r-link", root);
	snprintf(p, sizeof(p), "%s/r", root);
	assert_int_equal(symlink(p, l), 0);
	memset(&s, 0, sizeof(s));
	assert_int_equal(mm_walk(l, &o, collect, &s, NULL), 0);
	assert_int_equal(s.n, 1);
	assert_false(s.skipped[0]);
	/* a path that does not exist is reported, not silently ignored */
	memset(&s, 0, sizeof(s));
	snprintf(p, sizeof(p), "%s/missing", root);
	assert_int_equal(mm_walk(p, &o, collect, &s, NULL), 0);
	assert_int_equal(s.n, 1);
	assert_true(s.skipped[0]);
	assert_int_equal(s.why[0], MM_SKIP_UNREADABLE);
	/* a trailing slash does not double */
	memset(&s, 0, sizeof(s));
	snprintf(p, sizeof(p), "%s/r/", root);
	assert_int_equal(mm_walk(p, &o, collect, &s, NULL), 0);
	assert_int_equal(s.n, 1);
	assert_null(strstr(s.path[0], "//"));
}

/* Walks root/u and says whether u/secret was reported unreadable. */
static bool secret_is_unreadable(void)
{
	struct mm_walk_opts o;
	struct seen s;
	char p[512];
	int i;

	memset(&o, 0, sizeof(o));
	memset(&s, 0, sizeof(s));
	snprintf(p, sizeof(p), "%s/u", root);
	if (mm_walk(p, &o, collect, &s, NULL) != 0)
		return false;
	i = find(&s, "/u/secret");
	return i >= 0 && s.skipped[i] && s.why[i] == MM_SKIP_UNREADABLE &&
	       strstr(s.detail[i], "Permission denied") && find(&s, "/u/open") >= 0;
}

static void test_unreadable(void **state)
{
	char p[512];

	(void)state;
	dir("u");
	put("u/secret", "x");
	put("u/open", "x");
	snprintf(p, sizeof(p), "%s/u/secret", root);
	assert_int_equal(chmod(p, 0), 0);
	snprintf(p, sizeof(p), "%s", root);
	assert_int_equal(chmod(p, 0755), 0);
	if (geteuid() == 0) {
		/* root reads a chmod 000 file anyway: walk as nobody in a child */
		pid_t pid = fork();
		int st = 0;

		assert_true(pid >= 0);
		if (pid == 0) {
			if (setgid(65534) != 0 || setuid(65534) != 0)
				_exit(77);
			_exit(secret_is_unreadable() ? 0 : 1);
		}
		assert_int_equal(waitpid(pid, &st, 0), pid);
		assert_true(WIFEXITED(st));
		if (WEXITSTATUS(st) == 77)
			skip();
		assert_int_equal(WEXITSTATUS(st), 0);
		return;
	}
	assert_true(secret_is_unreadable());
}

static void vanish(void *arg, const char *path)
{
	(void)arg;
	if (strstr(path, "gone"))
		unlink(path);
}

static void test_vanished(void **state)
{
	struct mm_walk_opts o;
	struct seen s;
	char p[512];
	int i;

	(void)state;
	dir("v");
	put("v/gone", "soon");
	put("v/stays", "here");
	memset(&o, 0, sizeof(o));
	o.before_open = vanish;
	memset(&s, 0, sizeof(s));
	snprintf(p, sizeof(p), "%s/v", root);
	assert_int_equal(mm_walk(p, &o, collect, &s, NULL), 0);
	i = find(&s, "/v/gone");
	assert_true(i >= 0);
	assert_true(s.skipped[i]);
	assert_int_equal(s.why[i], MM_SKIP_VANISHED);
	i = find(&s, "/v/stays");
	assert_true(i >= 0);
	assert_false(s.skipped[i]);
}

static void test_invalid_utf8_and_excludes(void **state)
{
	static const char *const globs[] = { "*.log", "skipdir" };
	struct mm_walk_opts o;
	struct mm_walk_stats st;
	struct seen s;
	char p[512];
	int i;

	(void)state;
	dir("e");
	dir("e/skipdir");
	put("e/skipdir/inside", "x");
	put("e/app.log", "x");
	put("e/bad\xff\xfe.txt", "x");
	memset(&o, 0, sizeof(o));
	o.excludes = globs;
	o.n_excludes = 2;
	memset(&s, 0, sizeof(s));
	memset(&st, 0, sizeof(st));
	snprintf(p, sizeof(p), "%s/e", root);
	assert_int_equal(mm_walk(p, &o, collect, &s, &st), 0);
	/* the name is kept byte for byte */
	i = find(&s, "/e/bad\xff\xfe.txt");
	assert_true(i >= 0);
	assert_false(s.skipped[i]);
	assert_int_equal(find(&s, "app.log"), -1);
	assert_int_equal(find(&s, "inside"), -1);
	assert_int_equal(st.excluded, 2);
	assert_int_equal(s.n, 1);
	assert_true(mm_walk_excluded("/x/y/z.log", globs, 2));
	assert_false(mm_walk_excluded("/x/y/z.txt", globs, 2));
}

static void test_loop_and_other_fs(void **state)
{
	struct mm_walk_opts o;
	struct mm_walk_stats st;
	struct seen s;
	char p[512], q[512];
	int i;

	(void)state;
	dir("loop");
	dir("loop/a");
	dir("loop/a/back");
	put("loop/a/f", "x");
	snprintf(p, sizeof(p), "%s/loop", root);
	snprintf(q, sizeof(q), "%s/loop/a/back", root);
	if (mount(p, q, NULL, MS_BIND, NULL) != 0)
		skip();	/* no mount(2) here */
	memset(&o, 0, sizeof(o));
	memset(&s, 0, sizeof(s));
	memset(&st, 0, sizeof(st));
	assert_int_equal(mm_walk(p, &o, collect, &s, &st), 0);
	i = find(&s, "/loop/a/back");
	assert_true(i >= 0);
	assert_true(s.skipped[i]);
	assert_int_equal(s.why[i], MM_SKIP_LIMIT);
	assert_non_null(strstr(s.detail[i], "loop"));
	assert_int_equal(st.files, 1);
	umount2(q, MNT_DETACH);

	dir("fs");
	dir("fs/mnt");
	put("fs/here", "x");
	snprintf(p, sizeof(p), "%s/fs/mnt", root);
	if (mount("none", p, "tmpfs", 0, "size=1m") != 0)
		skip();
	snprintf(q, sizeof(q), "%s/fs/mnt/there", root);
	{
		int fd = open(q, O_WRONLY | O_CREAT, 0644);

		assert_true(fd >= 0);
		close(fd);
	}
	snprintf(p, sizeof(p), "%s/fs", root);
	o.one_filesystem = true;
	memset(&s, 0, sizeof(s));
	memset(&st, 0, sizeof(st));
	assert_int_equal(mm_walk(p, &o, collect, &s, &st), 0);
	assert_true(find(&s, "/fs/here") >= 0);
	assert_int_equal(find(&s, "/fs/mnt/there"), -1);
	assert_int_equal(st.other_fs, 1);
	o.one_filesystem = false;
	memset(&s, 0, sizeof(s));
	assert_int_equal(mm_walk(p, &o, collect, &s, &st), 0);
	assert_true(find(&s, "/fs/mnt/there") >= 0);
	snprintf(p, sizeof(p), "%s/fs/mnt", root);
	umount2(p, MNT_DETACH);
}

static volatile sig_atomic_t stop_flag;

static int stop_after_one(void *arg, const struct mm_walk_entry *e)
{
	int rc = collect(arg, e);

	stop_flag = 1;
	return rc;
}

static void test_stop(void **state)
{
	struct mm_walk_opts o;
	struct seen s;
	char p[512];

	(void)state;
	dir("s");
	put("s/1", "x");
	put("s/2", "x");
	put("s/3", "x");
	memset(&o, 0, sizeof(o));
	o.stop = &stop_flag;
	memset(&s, 0, sizeof(s));
	stop_flag = 0;
	snprintf(p, sizeof(p), "%s/s", root);
	assert_int_equal(mm_walk(p, &o, stop_after_one, &s, NULL), MM_EINTR);
	assert_int_equal(s.n, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_basic_tree),
		cmocka_unit_test(test_root_forms),
		cmocka_unit_test(test_unreadable),
		cmocka_unit_test(test_vanished),
		cmocka_unit_test(test_invalid_utf8_and_excludes),
		cmocka_unit_test(test_loop_and_other_fs),
		cmocka_unit_test(test_stop),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
