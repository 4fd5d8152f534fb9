/*
 * fuzz_pe.c — libFuzzer target for the PE parser and the infector checks
 * (src/files/pe.c): parse, assess, map every section's first RVA and walk
 * the import table, on any bytes.
 */
#include "core/compat.h"
#include "files/pe.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool count_dll(const char *dll, size_t len, void *arg)
{
	size_t *n = arg;

	*n += len + (dll[0] != '\0');
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct pe_file pe;
	struct pe_assessment as;
	size_t off, n = 0;

	if (pe_parse(&pe, data, size) != 0)
		return 0;
	pe_assess(&pe, &as);
	for (unsigned i = 0; i < pe.nsections; i++) {
		if (pe_rva_to_off(&pe, pe.sec[i].vaddr, &off) && off >= size)
			__builtin_trap();
		(void)pe_section_of_rva(&pe, pe.sec[i].vaddr);
	}
	(void)pe_import_dlls(&pe, 64, count_dll, &n);
	for (unsigned bit = 1; bit <= PE_INF_EP_AT_TAIL; bit <<= 1)
		(void)pe_inf_name(bit);
	return 0;
}
