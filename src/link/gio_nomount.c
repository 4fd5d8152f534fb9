/*
 * gio_nomount.c — stand-ins for the libmount functions that GIO's static
 * archive refers to.
 *
 * GIO (which GMime needs) lists mounted file systems for file managers
 * through libmount (gunixmounts.c); linked from its archive, that object
 * drags in libmount and, through it, libblkid, libselinux and libpcre2,
 * four shared objects that every start of mamori would load (libselinux's
 * constructor also reads /proc/filesystems). mamori parses e-mail from
 * memory and never asks GIO for mounts, so the mamori program (only it,
 * and only when it takes GIO from the archive: CMakeLists.txt,
 * mamori_static_deps()) is linked with these instead: a mount table that
 * is always empty. The prototypes are libmount's with its types as void
 * pointers (the linker matches names only).
 *
 * Threading: no state.
 */
#include <stddef.h>

static char no_object;	/* what the "constructors" hand out (never NULL) */

void *mnt_new_iter(int direction);
void mnt_free_iter(void *itr);
void *mnt_new_table(void);
void mnt_free_table(void *tb);
const char *mnt_fs_get_fstype(void *fs);
const char *mnt_fs_get_options(void *fs);
const char *mnt_fs_get_root(void *fs);
const char *mnt_fs_get_source(void *fs);
const char *mnt_fs_get_target(void *fs);
char *mnt_fs_strdup_options(void *fs);
const void *mnt_get_builtin_optmap(int id);
const char *mnt_get_fstab_path(void);
int mnt_has_regular_mtab(const char **mtab, int *writable);
int mnt_optstr_get_flags(const char *optstr, unsigned long *flags, const void *map);
int mnt_table_next_fs(void *tb, void *itr, void **fs);
int mnt_table_parse_fstab(void *tb, const char *filename);
int mnt_table_parse_mtab(void *tb, const char *filename);

void *mnt_new_iter(int direction)
{
	(void)direction;
	return &no_object;
}

void mnt_free_iter(void *itr)
{
	(void)itr;
}

void *mnt_new_table(void)
{
	return &no_object;
}

void mnt_free_table(void *tb)
{
	(void)tb;
}

const char *mnt_fs_get_fstype(void *fs)
{
	(void)fs;
	return NULL;
}

const char *mnt_fs_get_options(void *fs)
{
	(void)fs;
	return NULL;
}

const char *mnt_fs_get_root(void *fs)
{
	(void)fs;
	return NULL;
}

const char *mnt_fs_get_source(void *fs)
{
	(void)fs;
	return NULL;
}

const char *mnt_fs_get_target(void *fs)
{
	(void)fs;
	return NULL;
}

char *mnt_fs_strdup_options(void *fs)
{
	(void)fs;
	return NULL;
}

const void *mnt_get_builtin_optmap(int id)
{
	(void)id;
	return NULL;
}

const char *mnt_get_fstab_path(void)
{
	return "/etc/fstab";
}

int mnt_has_regular_mtab(const char **mtab, int *writable)
{
	if (mtab)
		*mtab = NULL;
	if (writable)
		*writable = 0;
	return 0;
}

int mnt_optstr_get_flags(const char *optstr, unsigned long *flags, const void *map)
{
	(void)optstr;
	(void)map;
	if (flags)
		*flags = 0;
	return 0;
}

/* 1: no more entries */
int mnt_table_next_fs(void *tb, void *itr, void **fs)
{
	(void)tb;
	(void)itr;
	if (fs)
		*fs = NULL;
	return 1;
}

int mnt_table_parse_fstab(void *tb, const char *filename)
{
	(void)tb;
	(void)filename;
	return 0;
}

int mnt_table_parse_mtab(void *tb, const char *filename)
{
	(void)tb;
	(void)filename;
	return 0;
}
