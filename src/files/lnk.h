/*
 * lnk.h — a bounded parser of Windows shortcuts (MS-SHLLINK), and the
 * path checks shared by the USB-worm analysers (an_lnk.c, an_autorun.c).
 * Private to src/files/.
 *
 * lnk_parse() reads the ShellLinkHeader, the LinkTargetIDList (shell items:
 * root folder, volume, file entries with their long names, enough to
 * rebuild the target path), the LinkInfo (local base path, common path
 * suffix, network name, volume: drive type, serial, label), the StringData
 * (name, relative path, working dir, arguments, icon location; ANSI or
 * UTF-16 by the IsUnicode flag) and the ExtraData blocks (environment
 * target and icon paths). Every string is converted to UTF-8 into a fixed
 * buffer of LNK_STR_MAX bytes (longer ones are cut and flagged); ANSI text
 * is read as Latin-1, invalid UTF-16 becomes U+FFFD. Counts are capped
 * (LNK_MAX_ITEMS shell items, LNK_MAX_BLOCKS extra blocks). A truncated or
 * corrupt shortcut is parsed as far as it goes and lnk->problems says why.
 *
 * Ownership: struct lnk_file is caller storage (about 12 KiB: allocate it,
 * do not put many on a stack); it copies what it keeps. Pure and
 * thread-safe.
 */
#ifndef FILES_LNK_H
#define FILES_LNK_H

#include "core/core.h"

#define LNK_STR_MAX 1024
#define LNK_MAX_ITEMS 64
#define LNK_MAX_BLOCKS 64

/* link flags */
#define LNK_HAS_IDLIST 0x00000001u
#define LNK_HAS_LINKINFO 0x00000002u
#define LNK_HAS_NAME 0x00000004u
#define LNK_HAS_RELPATH 0x00000008u
#define LNK_HAS_WORKDIR 0x00000010u
#define LNK_HAS_ARGS 0x00000020u
#define LNK_HAS_ICON 0x00000040u
#define LNK_IS_UNICODE 0x00000080u

/* drive types (VolumeID) */
#define LNK_DRIVE_REMOVABLE 2u
#define LNK_DRIVE_FIXED 3u
#define LNK_DRIVE_REMOTE 4u
#define LNK_DRIVE_CDROM 5u

/* problems */
#define LNK_PROB_TRUNCATED 0x01u	/* a structure runs past the end */
#define LNK_PROB_CORRUPT 0x02u		/* sizes or offsets that do not fit */
#define LNK_PROB_LIMIT 0x04u		/* too many items/blocks, a string cut */

struct lnk_file {
	uint32_t link_flags;
	uint32_t file_attrs;	/* of the target, as recorded */
	uint32_t target_size;
	int32_t icon_index;
	uint32_t show_cmd;
	/* LinkTargetIDList, rebuilt ("E:\<nbsp>\<nbsp>.exe") */
	char idlist_path[LNK_STR_MAX];
	unsigned id_items;
	bool idlist_hidden_dir;	/* a directory item with the hidden attribute */
	/* LinkInfo */
	bool has_volume;
	uint32_t drive_type;
	uint32_t drive_serial;
	char volume_label[LNK_STR_MAX / 4];
	char local_base_path[LNK_STR_MAX];
	char common_suffix[LNK_STR_MAX / 4];
	char net_name[LNK_STR_MAX / 4];
	/* StringData */
	char name[LNK_STR_MAX / 2];
	char rel_path[LNK_STR_MAX];
	char work_dir[LNK_STR_MAX];
	char args[LNK_STR_MAX];
	char icon[LNK_STR_MAX];
	/* ExtraData */
	char env_target[LNK_STR_MAX];
	char env_icon[LNK_STR_MAX / 2];
	unsigned extra_blocks;
	unsigned problems;	/* LNK_PROB_* */
	size_t parsed_len;	/* bytes understood */
};

/* 0 when the bytes start a shell link (header size 0x4C and the CLSID),
 * the rest parsed as far as possible (see problems); MM_EUNSUPPORTED when
 * this is not a shortcut; MM_ETRUNC when the header itself is cut. */
int lnk_parse(struct lnk_file *l, const uint8_t *data, size_t len);

/* The best full target path known: LinkInfo base path + suffix, else the
 * ID list path, else the environment target, else the relative path. */
const char *lnk_target(const struct lnk_file *l, char *buf, size_t cap);

/* --- path checks shared with an_autorun.c ------------------------------ */

/* True when a path component (between '\\' or '/', UTF-8) is "blank":
 * only spaces, U+00A0, U+2000-U+200B, U+202F, U+205F, U+3000, U+3164,
 * U+FEFF, '_' or '.' (but not "." or ".."), optionally followed by an
 * extension (".exe"). Returns the index of the first blank component
 * among the first 32, or -1. */
int lnk_blank_component(const char *path, size_t len);
/* Extension class of the last component. */
enum lnk_ext { LNK_EXT_OTHER = 0, LNK_EXT_EXEC, LNK_EXT_SCRIPT, LNK_EXT_LIB };
enum lnk_ext lnk_ext_class(const char *path, size_t len);
/* True when the base name is a command interpreter or LOLBin launcher
 * (cmd, powershell, pwsh, wscript, cscript, rundll32, mshta, regsvr32). */
bool lnk_is_interpreter(const char *path, size_t len);
/* True for "report.pdf.exe"-style names (a document extension, then an
 * executable or script one). */
bool lnk_double_ext(const char *path, size_t len);
/* True when a component is a folder users never open (RECYCLER,
 * $RECYCLE.BIN, System Volume Information) or starts with '.' or '~'. */
bool lnk_hidden_folder_name(const char *path, size_t len);

/* --- worm assessment of a parsed shortcut ------------------------------ */

#define LNK_W_EXEC_TARGET 0x001u	/* target is an executable or script */
#define LNK_W_INTERPRETER 0x002u	/* target is cmd/powershell/wscript/rundll32... */
#define LNK_W_BLANK_FOLDER 0x004u	/* target path has a blank-named component */
#define LNK_W_HIDDEN 0x008u		/* target or a folder on its path is hidden */
#define LNK_W_REMOVABLE 0x010u		/* target volume is a removable drive */
#define LNK_W_ARGS_LAUNCH 0x020u	/* arguments name a second program/script/DLL */
#define LNK_W_ARGS_BLANK 0x040u		/* arguments point into a blank-named folder */
#define LNK_W_SYSTEM_ICON 0x080u	/* icon borrowed from shell32/imageres/explorer */
#define LNK_W_HIDDEN_NAME 0x100u	/* RECYCLER, $RECYCLE.BIN, dot-folder on the path */
#define LNK_W_DOUBLE_EXT 0x200u		/* "photo.jpg.exe" */

/* LNK_W_* properties of a shortcut; target receives lnk_target(). */
unsigned lnk_worm_assess(const struct lnk_file *l, char *target, size_t cap);
/* Short name of one LNK_W_* bit, or NULL. */
const char *lnk_worm_name(unsigned bit);
/* Properties of a command line (autorun open=, shortcut arguments):
 * LNK_W_ARGS_LAUNCH when a token names a program, script or DLL,
 * LNK_W_ARGS_BLANK when one points into a blank or hidden folder. */
unsigned lnk_args_assess(const char *args, size_t len);

#endif
