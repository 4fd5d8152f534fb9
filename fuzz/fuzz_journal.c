/*
 * fuzz_journal.c — the journald export entries (text and binary fields) reader under libFuzzer: the input read whole, and
 * fed to a stream reader in uneven pieces (as `mamori watch` does), every
 * field of every event touched.
 */
#include "core/compat.h"
#include "logs/internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static size_t touch(const struct log_event *ev)
{
	size_t sum = 0;

	for (size_t i = 0; i < ev->n_fields; i++) {
		for (uint32_t k = 0; k < ev->fields[i].name_len; k++)
			sum += (unsigned char)ev->fields[i].name[k];
		for (uint32_t k = 0; k < ev->fields[i].value_len; k++)
			sum += (unsigned char)ev->fields[i].value[k];
	}
	return sum;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct log_reader *r = NULL;
	struct log_event ev;
	volatile size_t sink = 0;
	size_t off = 0, step = 1;

	if (log_reader_open_mem(&r, MM_KIND_JOURNAL_EXPORT, data, size, NULL, NULL) == 0) {
		while (log_reader_next(r, &ev) == 1)
			sink += touch(&ev);
		log_reader_free(r);
	}
	if (log_reader_open_stream(&r, MM_KIND_JOURNAL_EXPORT, NULL) == 0) {
		while (off < size) {
			size_t n = MM_MIN(step, size - off);

			if (log_reader_feed(r, data + off, n) != 0)
				break;
			off += n;
			step = step * 3 + 1;
			while (log_reader_next(r, &ev) == 1)
				sink += touch(&ev);
		}
		log_reader_finish(r);
		while (log_reader_next(r, &ev) == 1)
			sink += touch(&ev);
		log_reader_free(r);
	}
	(void)sink;
	return 0;
}
