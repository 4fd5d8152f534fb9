/*
 * fuzz_classify.c — libFuzzer target for the content classifier.
 *
 * The input is the head of a file. The classifier must return a valid kind
 * without reading past head_len (libFuzzer's buffer is exactly sized, so
 * ASan catches any over-read), for any total size, and the same kind every
 * time for the same bytes.
 */
#include "core/compat.h"
#include "core/classify.h"

#include <assert.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	enum mm_kind whole = mm_classify(data, size, size);
	enum mm_kind head = mm_classify(data, size, (uint64_t)size + 100000);

	if (whole >= MM_KIND_COUNT || head >= MM_KIND_COUNT)
		abort();
	if (mm_classify(data, size, size) != whole)
		abort();
	if (size == 0 && whole != MM_KIND_EMPTY)
		abort();
	if (size > 0 && (whole == MM_KIND_EMPTY || head == MM_KIND_EMPTY))
		abort();
	if (mm_kind_parse(mm_kind_name(whole)) != (int)whole)
		abort();
	return 0;
}
