/*
 * fuzz_psdecode.c — libFuzzer target for the PowerShell layer decoder and
 * its indicators (src/files/ps_decode.c): every output stays within the
 * documented limits, and the indicators found with a word-presence filter
 * (as the file engine runs them) equal the unfiltered ones.
 */
#include "core/compat.h"
#include "files/ps_decode.h"
#include "files/internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* the exact presence of every word: the filtered indicators must agree */
static uint64_t exact_words(void *arg, const uint8_t *t, size_t n)
{
	uint64_t m = 0;

	(void)arg;
	for (unsigned k = 0; k < PS_N_WORDS; k++)
		if (files_memcasemem(t, n, ps_words[k], strlen(ps_words[k])))
			m |= UINT64_C(1) << k;
	return m;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct ps_result r;
	struct ps_findings f;

	ps_result_init(&r);
	if (ps_decode(&r, data, size) == 0) {
		struct ps_findings g;

		ps_indicators(&r, &f);
		ps_indicators_with(&r, &g, exact_words, NULL);
		if (g.ind != f.ind || g.ind_input != f.ind_input || g.cradle_layer != f.cradle_layer ||
		    g.schtask_layer != f.schtask_layer || g.url != f.url)
			__builtin_trap();
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
