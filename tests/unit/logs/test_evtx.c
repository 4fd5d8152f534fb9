/*
 * test_evtx.c — the EVTX file and chunk layer on generated files
 * (tests/gen/gen_evtx.py): record counts, ids and System values, template
 * reuse across records and chunks, and every robustness rule of evtx.h
 * (bad CRCs, bad chunk magic, dirty header with a stale count, zero-size
 * and bad-size records, truncated chunk, incomplete template), plus
 * truncation and byte-flip sweeps that must never crash or read outside
 * the input (run under ASan in `make asan`).
 */
#include "core/compat.h"
#include "logs/evtx.h"
#include "logs_test_util.h"

#include <setjmp.h>
#include <cmocka.h>

static void run_fixture(struct lt_run *run, const char *name)
{
	size_t len;
	uint8_t *d = lt_read_fixture("evtx", name, &len);

	lt_run_mem(run, MM_KIND_EVTX, d, len);
	free(d);
}

static void test_basic(void **state)
{
	struct lt_run run;

	(void)state;
	run_fixture(&run, "basic.evtx");
	assert_int_equal(run.rc, 0);
	assert_int_equal(run.n, 6);
	for (size_t i = 0; i < run.n; i++)
		assert_int_equal(run.ev[i].record_id, i + 1);
	assert_int_equal(run.ev[0].event_id, 4688);
	assert_string_equal(run.ev[0].channel, "Mamori/Test");
	assert_string_equal(run.ev[0].host, "host-a.example");
	/* record time from the record header FILETIME: 1600000001 s */
	assert_int_equal(run.ev[0].ts_us, INT64_C(1600000001000000));
	assert_int_equal(run.ev[5].event_id, 1);
	assert_string_equal(run.ev[5].service, "sysmon");
	assert_string_equal(run.ev[5].category, "process_creation");
	assert_string_equal(lt_get(&run, 5, "Image"), "C:\\Windows\\System32\\schtasks.exe");
	/* the second record reuses the first one's template by offset */
	assert_string_equal(lt_get(&run, 1, "AString"), "second");
	assert_string_equal(lt_get(&run, 1, "Hex32"), "0x3e7");
	assert_int_equal(run.st.chunks, 1);
	assert_int_equal(run.st.n_problems, 0);
	assert_false(run.st.header_bad_crc);
	lt_run_free(&run);
}

static void test_multi_chunks(void **state)
{
	struct lt_run run;

	(void)state;
	run_fixture(&run, "multi.evtx");
	assert_int_equal(run.n, 150);
	for (size_t i = 0; i < run.n; i++) {
		char want[64];

		assert_int_equal(run.ev[i].record_id, i + 1);
		snprintf(want, sizeof(want), "cmd /c echo %zu", i + 1);
		assert_string_equal(lt_get(&run, i, "CommandLine"), want);
	}
	assert_int_equal(run.st.chunks, 3);
	assert_int_equal(run.st.templates, 3);	/* compiled once per chunk */
	lt_run_free(&run);
}

static void test_bad_file_crc(void **state)
{
	struct lt_run run;

	(void)state;
	run_fixture(&run, "bad_file_crc.evtx");
	assert_int_equal(run.n, 150);
	assert_true(run.st.header_bad_crc);
	lt_run_free(&run);
}

static void test_bad_chunk_crc(void **state)
{
	struct lt_run run;

	(void)state;
	run_fixture(&run, "bad_chunk_crc.evtx");
	assert_int_equal(run.n, 150);		/* parsed anyway */
	assert_int_equal(run.st.chunks_bad_crc, 1);
	assert_true(run.st.n_problems >= 1);
	assert_non_null(strstr(run.st.problems[0], "checksum"));
	lt_run_free(&run);
}

static void test_bad_chunk_magic(void **state)
{
	struct lt_run run;

	(void)state;
	run_fixture(&run, "bad_chunk_magic.evtx");
	assert_int_equal(run.n, 100);		/* chunk 1 skipped */
	assert_int_equal(run.st.chunks_bad_magic, 1);
	assert_int_equal(run.ev[49].record_id, 50);
	assert_int_equal(run.ev[50].record_id, 101);
	lt_run_free(&run);
}

static void test_dirty_stale_count(void **state)
{
	struct lt_run run;

	(void)state;
	run_fixture(&run, "dirty.evtx");
	assert_int_equal(run.n, 150);		/* all chunks by file size */
	assert_true(run.st.header_dirty);
	assert_true(run.st.header_stale_count);
	lt_run_free(&run);
}

static void test_bad_records(void **state)
{
	struct lt_run run;
	bool seen10 = false, seen20 = false;

	(void)state;
	run_fixture(&run, "bad_records.evtx");
	assert_int_equal(run.n, 148);
	assert_int_equal(run.st.records_zero_size, 1);
	assert_int_equal(run.st.records_bad, 1);
	for (size_t i = 0; i < run.n; i++) {
		seen10 = seen10 || run.ev[i].record_id == 10;
		seen20 = seen20 || run.ev[i].record_id == 20;
	}
	assert_false(seen10);
	assert_false(seen20);
	/* resynchronised: the records after each damaged one are there */
	assert_int_equal(run.ev[9].record_id, 11);
	assert_int_equal(run.ev[18].record_id, 21);
	lt_run_free(&run);
}

static void test_truncated(void **state)
{
	struct lt_run run;

	(void)state;
	run_fixture(&run, "truncated.evtx");
	assert_int_equal(run.n, 125);
	assert_int_equal(run.st.chunks_truncated, 1);
	lt_run_free(&run);
}

static void test_incomplete_template(void **state)
{
	struct lt_run run;

	(void)state;
	run_fixture(&run, "incomplete_template.evtx");
	assert_int_equal(run.n, 2);
	assert_int_equal(run.st.records_incomplete, 2);
	assert_int_equal(run.st.templates_incomplete, 1);
	/* the System fields survive */
	assert_int_equal(run.ev[0].event_id, 1);
	assert_string_equal(run.ev[1].channel, "Microsoft-Windows-Sysmon/Operational");
	assert_null(lt_get(&run, 0, "Image"));
	lt_run_free(&run);
}

/* Chunk-parallel parsing returns the same records in the same order. */
static void test_parallel_chunks(void **state)
{
	struct lt_run one, par;
	size_t len;
	uint8_t *d = lt_read_fixture("evtx", "large.evtx", &len);

	(void)state;
	lt_run_mem_workers(&one, MM_KIND_EVTX, d, len, 1);
	lt_run_mem_workers(&par, MM_KIND_EVTX, d, len, 3);
	assert_int_equal(one.n, 4800);
	assert_int_equal(par.n, one.n);
	for (size_t i = 0; i < one.n; i++) {
		assert_int_equal(par.ev[i].record_id, one.ev[i].record_id);
		assert_int_equal(par.ev[i].event_id, one.ev[i].event_id);
		assert_string_equal(par.ev[i].channel, one.ev[i].channel);
		assert_int_equal(par.ev[i].n, one.ev[i].n);
		assert_string_equal(lt_get(&par, i, "CommandLine"), lt_get(&one, i, "CommandLine"));
	}
	assert_int_equal(par.st.chunks, 40);
	assert_int_equal(par.st.templates, one.st.templates);
	lt_run_free(&one);
	lt_run_free(&par);
	/* damaged files too */
	free(d);
	d = lt_read_fixture("evtx", "bad_chunk_magic.evtx", &len);
	lt_run_mem_workers(&par, MM_KIND_EVTX, d, len, 2);
	assert_int_equal(par.n, 100);
	assert_int_equal(par.st.chunks_bad_magic, 1);
	lt_run_free(&par);
	free(d);
}

/* A record whose BinXml values nest and repeat (60^5 renderings) is cut
 * by the per-record work budget: it comes back damaged, quickly, and the
 * next record is whole. */
static void test_nesting_bomb(void **state)
{
	struct lt_run run;
	int64_t t0 = mm_monotonic_us();

	(void)state;
	run_fixture(&run, "bomb.evtx");
	assert_int_equal(run.n, 3);
	assert_int_equal(run.st.records_incomplete, 1);
	assert_int_equal(run.ev[1].event_id, 7);
	assert_string_equal(lt_get(&run, 2, "Image"), "C:\\c.exe");
	assert_true(mm_monotonic_us() - t0 < 20 * 1000000);
	lt_run_free(&run);
}

static void test_chunk_api(void **state)
{
	struct log_reader_stats st;
	struct evtx_chunk *c;
	struct log_event ev;
	uint8_t *d, *zero;
	size_t len;
	int n = 0;

	(void)state;
	memset(&st, 0, sizeof(st));
	d = lt_read_fixture("evtx", "chunk0.bin", &len);
	c = evtx_chunk_new(&st);
	assert_non_null(c);
	assert_int_equal(evtx_chunk_load(c, d, len, 4096, 0), 0);
	while (evtx_chunk_next(c, &ev) == 1)
		n++;
	assert_int_equal(n, 6);
	zero = calloc(1, EVTX_CHUNK_SIZE);
	assert_int_equal(evtx_chunk_load(c, zero, EVTX_CHUNK_SIZE, 0, 1), MM_ENOTFOUND);
	assert_int_equal(evtx_chunk_load(c, d, 100, 0, 2), MM_ETRUNC);
	d[3] = 'X';
	assert_int_equal(evtx_chunk_load(c, d, len, 0, 3), MM_ECORRUPT);
	assert_int_equal(evtx_chunk_next(c, &ev), 0);
	assert_int_equal(st.chunks_bad_magic, 1);
	evtx_chunk_free(c);
	free(zero);
	free(d);
}

static void test_not_evtx(void **state)
{
	struct log_reader *r = NULL;
	struct mm_diag diag;
	static const uint8_t junk[] = "this is not an event log";

	(void)state;
	mm_diag_init(&diag);
	assert_int_equal(log_reader_open_mem(&r, MM_KIND_EVTX, junk, sizeof(junk), NULL, &diag),
			 MM_ECORRUPT);
	assert_null(r);
	assert_non_null(strstr(diag.reason, "EVTX"));
}

/* Every prefix (in steps) and deterministic byte flips: no crash, counts
 * never above the whole file's. */
static void test_truncation_and_flips(void **state)
{
	size_t len;
	uint8_t *d = lt_read_fixture("evtx", "basic.evtx", &len);
	uint8_t *copy = malloc(len);
	uint32_t x = 12345;

	(void)state;
	assert_non_null(copy);
	for (size_t cut = 0; cut <= len; cut += 97) {
		struct lt_run run;

		memcpy(copy, d, cut);
		lt_run_mem(&run, MM_KIND_EVTX, copy, cut);
		assert_true(run.n <= 6);
		lt_run_free(&run);
	}
	for (int round = 0; round < 300; round++) {
		struct lt_run run;

		memcpy(copy, d, len);
		for (int k = 0; k < 8; k++) {
			x = x * 1103515245u + 12345u;
			/* flip inside the records of the first chunk */
			copy[4096 + 512 + (x >> 8) % 6000] ^= (uint8_t)(1u << ((x >> 3) & 7));
		}
		lt_run_mem(&run, MM_KIND_EVTX, copy, len);
		assert_true(run.n <= 7);
		lt_run_free(&run);
	}
	free(copy);
	free(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_basic),
		cmocka_unit_test(test_multi_chunks),
		cmocka_unit_test(test_bad_file_crc),
		cmocka_unit_test(test_bad_chunk_crc),
		cmocka_unit_test(test_bad_chunk_magic),
		cmocka_unit_test(test_dirty_stale_count),
		cmocka_unit_test(test_bad_records),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_incomplete_template),
		cmocka_unit_test(test_parallel_chunks),
		cmocka_unit_test(test_nesting_bomb),
		cmocka_unit_test(test_chunk_api),
		cmocka_unit_test(test_not_evtx),
		cmocka_unit_test(test_truncation_and_flips),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
