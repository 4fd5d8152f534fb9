/*
 * pe.c — bounded PE parser and infector checks (see pe.h).
 *
 * Every integer is read through rd16()/rd32()/rd64(), which check the
 * bounds first; nothing is cast to a struct. Counts from the file are
 * capped (sections, directories, imports). Pure functions, no allocation,
 * safe on any bytes.
 */
#include "core/compat.h"
#include "files/pe.h"

static bool rd16(const uint8_t *d, size_t len, size_t off, uint16_t *v)
{
	if (off > len || len - off < 2)
		return false;
	*v = (uint16_t)(d[off] | (d[off + 1] << 8));
	return true;
}

static bool rd32(const uint8_t *d, size_t len, size_t off, uint32_t *v)
{
	if (off > len || len - off < 4)
		return false;
	*v = (uint32_t)d[off] | ((uint32_t)d[off + 1] << 8) |
	     ((uint32_t)d[off + 2] << 16) | ((uint32_t)d[off + 3] << 24);
	return true;
}

static bool rd64(const uint8_t *d, size_t len, size_t off, uint64_t *v)
{
	uint32_t lo, hi;

	if (!rd32(d, len, off, &lo) || !rd32(d, len, off + 4, &hi))
		return false;
	*v = ((uint64_t)hi << 32) | lo;
	return true;
}

static void parse_sections(struct pe_file *pe, size_t off)
{
	const uint8_t *d = pe->data;
	uint64_t end_raw = 0;

	for (unsigned i = 0; i < pe->nsections_declared; i++, off += 40) {
		struct pe_section *s;

		if (off > pe->len || pe->len - off < 40) {
			pe->problems |= PE_PROB_TRUNC_HEADERS;
			break;
		}
		if (pe->nsections >= PE_MAX_SECTIONS) {
			pe->sections_dropped = pe->nsections_declared - i;
			pe->problems |= PE_PROB_TOO_MANY_SECTIONS;
			break;
		}
		s = &pe->sec[pe->nsections++];
		memcpy(s->name, d + off, 8);
		s->name[8] = '\0';
		rd32(d, pe->len, off + 8, &s->vsize);
		rd32(d, pe->len, off + 12, &s->vaddr);
		rd32(d, pe->len, off + 16, &s->raw_size);
		rd32(d, pe->len, off + 20, &s->raw_ptr);
		rd32(d, pe->len, off + 36, &s->characteristics);
		if (s->raw_size > 0) {
			uint64_t e = (uint64_t)s->raw_ptr + s->raw_size;
			if (e > pe->len)
				pe->problems |= PE_PROB_SECTIONS_PAST_EOF;
			if (e > end_raw)
				end_raw = e;
		}
	}
	if (end_raw == 0)
		end_raw = MM_MIN((uint64_t)pe->size_of_headers, (uint64_t)pe->len);
	pe->overlay_off = end_raw;
	pe->overlay_len = end_raw < pe->len ? pe->len - end_raw : 0;
}

int pe_parse(struct pe_file *pe, const uint8_t *data, size_t len)
{
	uint32_t lfanew = 0, sig = 0;
	uint16_t opt_size = 0, magic = 0;
	size_t coff, opt, dirs_off;

	memset(pe, 0, sizeof *pe);
	pe->data = data;
	pe->len = len;
	if (len < 64 || data[0] != 'M' || data[1] != 'Z')
		return len >= 2 && data[0] == 'M' && data[1] == 'Z' ? MM_ETRUNC : MM_EUNSUPPORTED;
	rd32(data, len, 0x3c, &lfanew);
	if (!rd32(data, len, lfanew, &sig))
		return lfanew < 0x10000000u && lfanew >= len ? MM_EUNSUPPORTED : MM_ETRUNC;
	if (sig != 0x00004550u)
		return MM_EUNSUPPORTED;
	pe->nt_off = lfanew;
	coff = (size_t)lfanew + 4;
	if (coff > len || len - coff < 20)
		return MM_ETRUNC;
	rd16(data, len, coff, &pe->machine);
	rd16(data, len, coff + 2, &pe->nsections_declared);
	rd16(data, len, coff + 16, &opt_size);
	rd16(data, len, coff + 18, &pe->file_characteristics);
	opt = coff + 20;

	if (!rd16(data, len, opt, &magic) || opt_size < 2) {
		pe->problems |= PE_PROB_TRUNC_HEADERS;
		return 0;
	}
	if (magic != 0x10b && magic != 0x20b) {
		pe->problems |= PE_PROB_BAD_OPTIONAL;
		parse_sections(pe, opt + opt_size);
		return 0;
	}
	pe->is64 = magic == 0x20b;
	/* the fixed part must be present: 96 (PE32) / 112 (PE32+) bytes */
	if (len - opt < (pe->is64 ? 112u : 96u) || opt_size < (pe->is64 ? 112u : 96u)) {
		pe->problems |= PE_PROB_TRUNC_HEADERS;
		rd32(data, len, opt + 16, &pe->entry_rva);
		return 0;
	}
	pe->has_optional = true;
	rd32(data, len, opt + 16, &pe->entry_rva);
	if (pe->is64) {
		rd64(data, len, opt + 24, &pe->image_base);
	} else {
		uint32_t ib = 0;
		rd32(data, len, opt + 28, &ib);
		pe->image_base = ib;
	}
	rd32(data, len, opt + 32, &pe->section_align);
	rd32(data, len, opt + 36, &pe->file_align);
	rd32(data, len, opt + 56, &pe->size_of_image);
	rd32(data, len, opt + 60, &pe->size_of_headers);
	rd16(data, len, opt + 68, &pe->subsystem);
	{
		uint32_t nd = 0;
		dirs_off = opt + (pe->is64 ? 112u : 96u);
		rd32(data, len, dirs_off - 4, &nd);
		if (nd > PE_MAX_DIRS)
			nd = PE_MAX_DIRS;
		/* directories beyond the declared optional size do not exist */
		while (nd > 0 && (size_t)(dirs_off - opt) + nd * 8u > opt_size)
			nd--;
		for (uint32_t i = 0; i < nd; i++) {
			if (!rd32(data, len, dirs_off + i * 8u, &pe->dirs[i].rva) ||
			    !rd32(data, len, dirs_off + i * 8u + 4, &pe->dirs[i].size)) {
				pe->problems |= PE_PROB_TRUNC_HEADERS;
				break;
			}
			pe->ndirs = i + 1;
		}
	}
	parse_sections(pe, opt + opt_size);
	return 0;
}

int pe_section_of_rva(const struct pe_file *pe, uint32_t rva)
{
	/* the loader maps raw bytes past the virtual size up to the page end,
	 * so a section covers the larger of both (infectors use that slack) */
	for (unsigned i = 0; i < pe->nsections; i++) {
		const struct pe_section *s = &pe->sec[i];
		uint32_t span = MM_MAX(s->vsize, s->raw_size);
		if (rva >= s->vaddr && (uint64_t)rva < (uint64_t)s->vaddr + span)
			return (int)i;
	}
	return -1;
}

bool pe_rva_to_off(const struct pe_file *pe, uint32_t rva, size_t *off)
{
	int i = pe_section_of_rva(pe, rva);
	uint64_t o;

	if (i < 0) {
		if (pe->nsections == 0 || rva < pe->sec[0].vaddr) {
			/* inside the headers, mapped 1:1 */
			if (rva < pe->len && (pe->size_of_headers == 0 || rva < pe->size_of_headers ||
					      pe->nsections == 0)) {
				*off = rva;
				return true;
			}
		}
		return false;
	}
	if (rva - pe->sec[i].vaddr >= pe->sec[i].raw_size)
		return false;
	o = (uint64_t)pe->sec[i].raw_ptr + (rva - pe->sec[i].vaddr);
	if (o >= pe->len)
		return false;
	*off = (size_t)o;
	return true;
}

int pe_import_dlls(const struct pe_file *pe, unsigned max_dlls, pe_import_fn *fn, void *arg)
{
	size_t off;
	int n = 0;

	if (pe->ndirs < 2 || pe->dirs[1].rva == 0 || pe->dirs[1].size == 0)
		return 0;
	if (!pe_rva_to_off(pe, pe->dirs[1].rva, &off))
		return MM_ECORRUPT;
	for (unsigned i = 0; i < max_dlls; i++, off += 20) {
		uint32_t name_rva = 0, first_thunk = 0, orig = 0;
		size_t noff, nlen = 0;

		if (!rd32(pe->data, pe->len, off, &orig) ||
		    !rd32(pe->data, pe->len, off + 12, &name_rva) ||
		    !rd32(pe->data, pe->len, off + 16, &first_thunk))
			return n ? n : MM_ECORRUPT;
		if (name_rva == 0 && first_thunk == 0 && orig == 0)
			break;
		if (!pe_rva_to_off(pe, name_rva, &noff))
			continue;
		while (noff + nlen < pe->len && nlen < 255 && pe->data[noff + nlen] != 0)
			nlen++;
		n++;
		if (!fn((const char *)pe->data + noff, nlen, arg))
			break;
	}
	return n;
}

/* Names linkers and resource compilers write. */
static const char *const linker_names[] = {
	".text", ".data", ".rdata", ".bss", ".idata", ".edata", ".rsrc", ".reloc",
	".tls", ".pdata", ".xdata", ".CRT", ".didat", ".gfids", ".00cfg", ".debug",
	"CODE", "DATA", "BSS", ".itext", ".orpc", "INIT", "PAGE", ".sdata",
	".textbss", ".buildid", ".rodata", ".eh_fram", ".gnu_deb", ".sxdata",
	".ndata", ".retplne", ".voltbl", ".fptable", ".a64xrm", ".hexpthk",
	".wixburn", ".tlsdata", ".interp", ".ctors", ".dtors", ".jcr", ".bind",
	".cormeta", ".sdbid", ".guids", ".mrdata", "_RDATA", ".stab", ".stabstr",
};

/* Names of packers: the entry point sits in a later section by design. */
static const char *const packer_names[] = {
	"UPX0", "UPX1", "UPX2", "UPX!", ".UPX0", ".UPX1", ".aspack", ".adata",
	".MPRESS1", ".MPRESS2", ".petite", ".nsp0", ".nsp1", ".nsp2", ".themida",
	".vmp0", ".vmp1", ".vmp2", ".enigma1", ".enigma2", "PEC2", "pec1",
	".packed", ".RLPack", ".perplex", ".spack", ".taz", ".winapi", ".boom",
	".ccg", ".charmve", ".ecode", ".edata2", "BitArts", "kkrunchy", ".mackt",
	".MaskPE", "MEW", ".neolite", ".neolit", "ProCrypt", ".seau", ".sforce3",
	".svkp", "Themida", ".yP", ".y0da", "PELOCKnt", ".pelock", "PEPACK!!",
	".WWPACK", ".WWP32", "!EPack",
};

static bool name_in(const char *name, const char *const *list, size_t n)
{
	/* exact, or a prefix (".debug_info" is cut to ".debug_i") */
	for (size_t i = 0; i < n; i++)
		if (strncmp(name, list[i], strlen(list[i])) == 0)
			return true;
	return false;
}

static bool name_printable(const char *name)
{
	size_t n = strlen(name);

	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)name[i];
		if (c < 0x21 || c > 0x7e)
			return false;
	}
	return true;
}

/* mingw writes long section names as "/<offset into the string table>" */
static bool name_longref(const char *name)
{
	if (name[0] != '/' || name[1] == '\0')
		return false;
	for (size_t i = 1; name[i]; i++)
		if (name[i] < '0' || name[i] > '9')
			return false;
	return true;
}

static bool in_section_v(const struct pe_section *s, uint64_t rva)
{
	uint32_t span = s->vsize ? s->vsize : s->raw_size;
	return rva >= s->vaddr && rva < (uint64_t)s->vaddr + span;
}

/*
 * Looks at win[0..n) (bytes at rva base) for a transfer of control into
 * the first code section: jmp/call rel32, push imm32 + ret, mov reg,imm32 +
 * jmp reg. Byte patterns, not a disassembler: the caller only counts a hit
 * together with other properties.
 */
static bool find_jump_back(const struct pe_file *pe, const struct pe_section *code,
			   const uint8_t *win, size_t n, uint32_t base, uint32_t *target,
			   uint32_t *at)
{
	for (size_t i = 0; i < n; i++) {
		uint32_t imm;
		int64_t t = -1;

		if ((win[i] == 0xe9 || win[i] == 0xe8) && n - i >= 5) {
			imm = (uint32_t)win[i + 1] | ((uint32_t)win[i + 2] << 8) |
			      ((uint32_t)win[i + 3] << 16) | ((uint32_t)win[i + 4] << 24);
			t = (int64_t)base + (int64_t)i + 5 + (int32_t)imm;
		} else if (win[i] == 0x68 && n - i >= 6 && win[i + 5] == 0xc3 && !pe->is64) {
			imm = (uint32_t)win[i + 1] | ((uint32_t)win[i + 2] << 8) |
			      ((uint32_t)win[i + 3] << 16) | ((uint32_t)win[i + 4] << 24);
			t = (int64_t)imm - (int64_t)pe->image_base;
		} else if (win[i] >= 0xb8 && win[i] <= 0xbf && n - i >= 7 && !pe->is64 &&
			   win[i + 5] == 0xff && win[i + 6] == 0xe0 + (win[i] - 0xb8)) {
			imm = (uint32_t)win[i + 1] | ((uint32_t)win[i + 2] << 8) |
			      ((uint32_t)win[i + 3] << 16) | ((uint32_t)win[i + 4] << 24);
			t = (int64_t)imm - (int64_t)pe->image_base;
		}
		if (t >= 0 && t <= UINT32_MAX && in_section_v(code, (uint64_t)t)) {
			*target = (uint32_t)t;
			*at = (uint32_t)i;
			return true;
		}
	}
	return false;
}

void pe_assess(const struct pe_file *pe, struct pe_assessment *as)
{
	const struct pe_section *last, *eps = NULL;
	size_t ep_off = 0;
	bool ep_mapped;

	memset(as, 0, sizeof *as);
	as->ep_section = -1;
	as->first_code = -1;
	as->odd_section = -1;
	if (!pe->has_optional || pe->nsections == 0)
		return;
	for (unsigned i = 0; i < pe->nsections; i++) {
		const struct pe_section *s = &pe->sec[i];
		if (name_in(s->name, packer_names, MM_ARRAY_SIZE(packer_names)))
			as->packer_like = true;
		if (as->first_code < 0 &&
		    (s->characteristics & (PE_SCN_MEM_EXECUTE | PE_SCN_CNT_CODE)))
			as->first_code = (int)i;
		/* raw data far beyond the virtual size: a hidden payload */
		if (s->vsize > 0 && s->raw_size > 2u * s->vsize &&
		    s->raw_size - s->vsize > MM_MAX(pe->file_align, 512u) + 4096u) {
			as->props |= PE_INF_RAW_GT_VIRTUAL;
			if (as->odd_section < 0)
				as->odd_section = (int)i;
		}
		if (!name_printable(s->name) && s->name[0] != '\0') {
			as->props |= PE_INF_ODD_NAME;
			as->odd_section = (int)i;
		}
	}
	last = &pe->sec[pe->nsections - 1];
	if ((last->characteristics & PE_SCN_MEM_WRITE) &&
	    (last->characteristics & PE_SCN_MEM_EXECUTE))
		as->props |= PE_INF_LAST_SECTION_WX;

	if (pe->entry_rva == 0)	/* DLLs without an entry point */
		return;
	as->ep_section = pe_section_of_rva(pe, pe->entry_rva);
	ep_mapped = pe_rva_to_off(pe, pe->entry_rva, &ep_off);
	{
		/* debug-only images (objcopy --only-keep-debug) keep the section
		 * table but no raw data: nothing runs from them */
		bool code_raw = false;
		int e = pe_section_of_rva(pe, pe->entry_rva);
		for (unsigned i = 0; i < pe->nsections; i++)
			code_raw |= pe->sec[i].raw_size > 0 &&
				    (pe->sec[i].characteristics & (PE_SCN_MEM_EXECUTE | PE_SCN_CNT_CODE));
		if (!code_raw && e >= 0 && pe->sec[e].raw_size == 0)
			return;
	}
	if (as->ep_section < 0) {
		if (pe->entry_rva >= pe->sec[0].vaddr || !ep_mapped)
			as->props |= PE_INF_EP_OUTSIDE_RAW;
		return;
	}
	eps = &pe->sec[as->ep_section];
	if (!ep_mapped)
		as->props |= PE_INF_EP_OUTSIDE_RAW;
	if (eps->vsize > 0 && pe->entry_rva - eps->vaddr >= eps->vsize &&
	    pe->entry_rva - eps->vaddr < eps->raw_size)
		as->props |= PE_INF_EP_IN_SLACK;
	if (pe->nsections > 1 && (unsigned)as->ep_section == pe->nsections - 1)
		as->props |= PE_INF_EP_LAST_SECTION;
	if (!(eps->characteristics & (PE_SCN_MEM_EXECUTE | PE_SCN_CNT_CODE)))
		as->props |= PE_INF_EP_NOT_EXEC;
	if ((as->props & PE_INF_EP_LAST_SECTION) && (as->props & PE_INF_LAST_SECTION_WX) &&
	    !as->packer_like &&
	    !name_in(eps->name, linker_names, MM_ARRAY_SIZE(linker_names)) &&
	    !name_longref(eps->name)) {
		as->props |= PE_INF_ODD_NAME;
		as->odd_section = as->ep_section;
	}
	/* code appended after zero padding: at least 32 zero bytes before EP */
	if (ep_mapped && pe->entry_rva - eps->vaddr >= 64 && ep_off >= 32) {
		size_t z = 0;
		while (z < 32 && pe->data[ep_off - 1 - z] == 0)
			z++;
		if (z == 32)
			as->props |= PE_INF_EP_AT_TAIL;
	}
	if (ep_mapped && as->first_code >= 0 && as->first_code != as->ep_section) {
		const struct pe_section *code = &pe->sec[as->first_code];
		size_t sec_end = (size_t)MM_MIN((uint64_t)eps->raw_ptr + eps->raw_size,
						(uint64_t)pe->len);
		size_t n = sec_end > ep_off ? MM_MIN(sec_end - ep_off, (size_t)PE_STUB_WINDOW) : 0;
		uint32_t t = 0, at = 0;

		if (n && find_jump_back(pe, code, pe->data + ep_off, n, pe->entry_rva, &t, &at)) {
			as->props |= PE_INF_JUMP_TO_OEP;
			as->oep_rva = t;
			as->stub_off = at;
		} else if (sec_end > ep_off) {
			/* a longer stub runs its payload first and returns at its
			 * end: look at the last bytes of code before the section's
			 * zero padding */
			size_t end = sec_end, start;
			while (end > ep_off && pe->data[end - 1] == 0)
				end--;
			start = end > ep_off + PE_STUB_WINDOW ? end - PE_STUB_WINDOW : ep_off;
			if (start > ep_off && end > start &&
			    find_jump_back(pe, code, pe->data + start, end - start,
					   pe->entry_rva + (uint32_t)(start - ep_off), &t, &at)) {
				as->props |= PE_INF_JUMP_TO_OEP;
				as->oep_rva = t;
				as->stub_off = (uint32_t)(start - ep_off) + at;
			}
		}
	}
}

const char *pe_inf_name(unsigned bit)
{
	switch (bit) {
	case PE_INF_EP_LAST_SECTION: return "ep_in_last_section";
	case PE_INF_LAST_SECTION_WX: return "last_section_writable_executable";
	case PE_INF_EP_OUTSIDE_RAW: return "ep_outside_section_raw_data";
	case PE_INF_EP_IN_SLACK: return "ep_past_section_virtual_size";
	case PE_INF_JUMP_TO_OEP: return "stub_jumps_to_first_code_section";
	case PE_INF_ODD_NAME: return "unusual_section_name";
	case PE_INF_RAW_GT_VIRTUAL: return "raw_size_far_above_virtual_size";
	case PE_INF_EP_NOT_EXEC: return "ep_section_not_executable";
	case PE_INF_EP_AT_TAIL: return "ep_after_zero_padding";
	default: return NULL;
	}
}
