/*
 * pe.h — a bounded parser of Windows PE images (our own), and the
 * structural checks that find file infectors (private to src/files/).
 *
 * pe_parse() reads the DOS header, the NT headers, the optional header
 * (PE32 and PE32+), the data directories and the section table from a
 * borrowed byte range; it never reads past len, never trusts a count or an
 * offset from the file, and keeps at most PE_MAX_SECTIONS sections (the
 * rest are counted in sections_dropped). A truncated or inconsistent image
 * is parsed as far as it goes: pe->problems says what was wrong
 * (PE_PROB_*), so the caller can report a partial examination.
 *
 * pe_assess() looks for the marks an appending file infector (XiaoBa /
 * XIAOBAMINER style) leaves: entry point in the last section, a last
 * section that is writable and executable, an entry point outside every
 * section's raw data or in a section's slack past its virtual size, a
 * short stub at the entry point that jumps back to the original entry
 * point in the first code section, and section names or characteristics
 * that no linker writes. Each property is one bit (PE_INF_*) so the
 * analyser can say which fired and weigh combinations.
 *
 * Ownership: struct pe_file borrows data (valid while the caller's bytes
 * are). Everything is pure and thread-safe; nothing allocates.
 */
#ifndef FILES_PE_H
#define FILES_PE_H

#include "core/core.h"

#define PE_MAX_SECTIONS 96
#define PE_MAX_DIRS 16
/* bytes decoded at the entry point when looking for a jump back */
#define PE_STUB_WINDOW 96

/* section characteristics */
#define PE_SCN_CNT_CODE 0x00000020u
#define PE_SCN_MEM_EXECUTE 0x20000000u
#define PE_SCN_MEM_READ 0x40000000u
#define PE_SCN_MEM_WRITE 0x80000000u

/* what pe_parse found wrong (the image is still usable up to that point) */
#define PE_PROB_TRUNC_HEADERS 0x01u	/* optional header or section table cut */
#define PE_PROB_SECTIONS_PAST_EOF 0x02u	/* a section's raw data ends past EOF */
#define PE_PROB_TOO_MANY_SECTIONS 0x04u
#define PE_PROB_BAD_OPTIONAL 0x08u	/* unknown optional-header magic */

struct pe_section {
	char name[9];		/* NUL-terminated; raw bytes, may be non-printable */
	uint32_t vsize;
	uint32_t vaddr;
	uint32_t raw_size;
	uint32_t raw_ptr;
	uint32_t characteristics;
};

struct pe_dir {
	uint32_t rva;
	uint32_t size;
};

struct pe_file {
	const uint8_t *data;
	size_t len;
	uint32_t nt_off;	/* offset of "PE\0\0" */
	uint16_t machine;
	uint16_t file_characteristics;
	uint16_t nsections_declared;
	bool is64;
	bool has_optional;
	uint32_t entry_rva;
	uint64_t image_base;
	uint32_t section_align;
	uint32_t file_align;
	uint32_t size_of_image;
	uint32_t size_of_headers;
	uint16_t subsystem;
	uint32_t ndirs;		/* as stored (capped at PE_MAX_DIRS) */
	struct pe_dir dirs[PE_MAX_DIRS];
	unsigned nsections;	/* parsed (<= PE_MAX_SECTIONS) */
	unsigned sections_dropped;
	struct pe_section sec[PE_MAX_SECTIONS];
	uint64_t overlay_off;	/* end of the last section's raw data */
	uint64_t overlay_len;	/* bytes after it (0: none) */
	unsigned problems;	/* PE_PROB_* */
};

/* 0 when the bytes start a PE image (MZ, e_lfanew -> "PE\0\0" and a COFF
 * header), with the rest parsed as far as possible (see problems);
 * MM_EUNSUPPORTED when this is no PE (MZ-only DOS programs included),
 * MM_ETRUNC when even the COFF header is cut. */
int pe_parse(struct pe_file *pe, const uint8_t *data, size_t len);

/* Index of the section whose virtual range holds rva, or -1. */
int pe_section_of_rva(const struct pe_file *pe, uint32_t rva);
/* File offset of rva through the section table (or the headers); false
 * when rva maps to no byte present in the file. */
bool pe_rva_to_off(const struct pe_file *pe, uint32_t rva, size_t *off);

/* Calls fn for each imported DLL name (at most max_dlls names, each at
 * most 255 bytes; stops early when fn returns false). Returns the number
 * of names seen, or a negative MM_E* code when the import table is corrupt
 * before any name. */
typedef bool pe_import_fn(const char *dll, size_t len, void *arg);
int pe_import_dlls(const struct pe_file *pe, unsigned max_dlls, pe_import_fn *fn, void *arg);

/* infector properties found by pe_assess */
#define PE_INF_EP_LAST_SECTION 0x001u	/* EP in the last section (not the only one) */
#define PE_INF_LAST_SECTION_WX 0x002u	/* last section writable + executable */
#define PE_INF_EP_OUTSIDE_RAW 0x004u	/* EP in no section's raw data */
#define PE_INF_EP_IN_SLACK 0x008u	/* EP past its section's virtual size */
#define PE_INF_JUMP_TO_OEP 0x010u	/* stub at EP jumps into the first code section */
#define PE_INF_ODD_NAME 0x020u		/* EP/last section name no linker writes */
#define PE_INF_RAW_GT_VIRTUAL 0x040u	/* a section's raw size far above its virtual size */
#define PE_INF_EP_NOT_EXEC 0x080u	/* EP section is not executable */
#define PE_INF_EP_AT_TAIL 0x200u	/* EP in the tail of a section after zero padding */

struct pe_assessment {
	unsigned props;		/* PE_INF_* */
	int ep_section;		/* index or -1 */
	int first_code;		/* index of the first executable section, or -1 */
	uint32_t oep_rva;	/* target of the jump back (JUMP_TO_OEP), else 0 */
	uint32_t stub_off;	/* offset of the jump in the EP window */
	int odd_section;	/* index of the section behind ODD_NAME/RAW_GT, or -1 */
	bool packer_like;	/* section names of a known packer (UPX, ...) */
};

void pe_assess(const struct pe_file *pe, struct pe_assessment *as);

/* Short name of one PE_INF_* bit for evidence ("ep_in_last_section"),
 * or NULL for an unknown bit. */
const char *pe_inf_name(unsigned bit);

#endif
