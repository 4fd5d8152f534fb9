/*
 * fuzz_psdecode.c — libFuzzer target for the PowerShell layer decoder and
 * its indicators (src/files/ps_decode.c): every output stays within the
 * documented limits.
 */
#include "core/compat.h"
#include "files/ps_decode.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct ps_result r;
	struct ps_findings f;

	ps_result_init(&r);
	if (ps_decode(&r, data, size) == 0) {
		ps_indicators(&r, &f);
		if (r.nlayers > PS_MAX_LAYERS ||
		    r.text.len > size / 2 * 3 + 4 + PS_MAX_OUTPUT + 64)
			__builtin_trap();
		for (unsigned i = 0; i < r.nlayers; i++)
			if (r.layers[i].depth > PS_MAX_DEPTH ||
			    r.layers[i].off + r.layers[i].len >= r.text.len + 1)
				__builtin_trap();
	}
	(void)ps_flags_of((const char *)data, size);
	ps_result_release(&r);
	return 0;
}
