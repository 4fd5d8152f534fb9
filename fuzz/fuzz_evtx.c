/*
 * fuzz_evtx.c — the EVTX parser under libFuzzer: the input as a whole
 * file, and the input as one chunk (the chunk-level entry the parallel
 * reader uses). Every field of every event is touched so that a bad
 * pointer or length shows under ASan.
 */
#include "core/compat.h"
#include "logs/evtx.h"

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
	if (ev->channel)
		sum += strlen(ev->channel);
	return sum;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct log_reader *r = NULL;
	struct log_reader_stats st;
	struct evtx_chunk *c;
	struct log_event ev;
	volatile size_t sink = 0;

	if (log_reader_open_mem(&r, MM_KIND_EVTX, data, size, NULL, NULL) == 0) {
		while (log_reader_next(r, &ev) == 1)
			sink += touch(&ev);
		log_reader_free(r);
	}
	memset(&st, 0, sizeof(st));
	c = evtx_chunk_new(&st);
	if (c) {
		if (evtx_chunk_load(c, data, size, 0, 0) == 0) {
			while (evtx_chunk_next(c, &ev) == 1)
				sink += touch(&ev);
		}
		evtx_chunk_free(c);
	}
	(void)sink;
	return 0;
}
