/*
 * test_reasm.c — TCP reassembly: in-order delivery without copies, out of
 * order, retransmissions, overlaps (first wins), gaps on ACK and at flush,
 * out-of-window data, depth and memory limits.
 */
#include "core/compat.h"
#include <setjmp.h>
#include <cmocka.h>
#include "net/internal.h"

struct sink {
	char buf[4096];
	size_t len;
	uint64_t gaps, gap_bytes;
	size_t calls;
};

static void on_data(void *arg, const uint8_t *d, size_t n)
{
	struct sink *s = arg;
	assert_true(s->len + n < sizeof(s->buf));
	memcpy(s->buf + s->len, d, n);
	s->len += n;
	s->buf[s->len] = 0;
	s->calls++;
}

static void on_gap(void *arg, uint64_t n)
{
	struct sink *s = arg;
	s->gaps++;
	s->gap_bytes += n;
	/* mark the hole in the text so tests can see where it was */
	s->buf[s->len++] = '#';
	s->buf[s->len] = 0;
}

struct fx {
	struct reasm_global g;
	struct reasm_stream s;
	struct sink k;
	struct reasm_out out;
};

static void fx_init(struct fx *f)
{
	memset(f, 0, sizeof(*f));
	f->g.memcap = 1 << 20;
	f->g.flow_memcap = 1 << 16;
	f->g.window = 1 << 20;
	reasm_stream_init(&f->s);
	reasm_stream_start(&f->s, 1000);
	f->out.data = on_data;
	f->out.gap = on_gap;
	f->out.arg = &f->k;
}

static void seg(struct fx *f, uint32_t seq, const char *s)
{
	reasm_segment(&f->g, &f->s, seq, (const uint8_t *)s, strlen(s), false, &f->out);
}

static void test_in_order(void **st)
{
	(void)st;
	struct fx f;
	fx_init(&f);
	seg(&f, 1000, "hello ");
	seg(&f, 1006, "world");
	assert_string_equal(f.k.buf, "hello world");
	assert_int_equal(f.k.calls, 2);
	assert_int_equal(f.g.mem, 0);
	reasm_stream_release(&f.g, &f.s);
}

static void test_out_of_order_and_retransmission(void **st)
{
	(void)st;
	struct fx f;
	fx_init(&f);
	seg(&f, 1006, "world");
	assert_int_equal(f.k.len, 0);
	assert_int_equal(f.g.mem, 5);
	seg(&f, 1000, "hello ");
	assert_string_equal(f.k.buf, "hello world");
	seg(&f, 1000, "hello ");	/* retransmission */
	assert_string_equal(f.k.buf, "hello world");
	assert_int_equal(f.g.st.retransmitted, 6);
	assert_int_equal(f.g.mem, 0);
	reasm_stream_release(&f.g, &f.s);
}

static void test_overlap_first_wins(void **st)
{
	(void)st;
	struct fx f;
	fx_init(&f);
	seg(&f, 1004, "AAAA");		/* queued first */
	seg(&f, 1002, "xxBBBBzz");	/* overlaps it: only the holes count */
	seg(&f, 1000, "01");
	assert_string_equal(f.k.buf, "01xxAAAAzz");
	assert_true(f.g.st.overlap_diff >= 1);
	/* overlap with delivered data: the delivered bytes stay */
	seg(&f, 1008, "QQQQ");
	assert_string_equal(f.k.buf, "01xxAAAAzzQQ");
	reasm_stream_release(&f.g, &f.s);
}

static void test_gap_on_ack_and_flush(void **st)
{
	(void)st;
	struct fx f;
	fx_init(&f);
	seg(&f, 1000, "abc");
	seg(&f, 1010, "xyz");		/* 1003..1009 never captured */
	reasm_acked(&f.g, &f.s, 1005, &f.out);	/* not past the hole start of queue */
	assert_int_equal(f.k.gaps, 0);
	reasm_acked(&f.g, &f.s, 1013, &f.out);	/* peer has it all: the hole is lost */
	assert_int_equal(f.k.gaps, 1);
	assert_int_equal(f.k.gap_bytes, 7);
	assert_string_equal(f.k.buf, "abc#xyz");
	seg(&f, 1020, "late");
	reasm_flush(&f.g, &f.s, &f.out);
	assert_string_equal(f.k.buf, "abc#xyz#late");
	assert_int_equal(f.g.mem, 0);
}

static void test_window_depth_wrap(void **st)
{
	(void)st;
	struct fx f;
	fx_init(&f);
	f.g.window = 100;
	seg(&f, 1000 + 5000, "far");
	assert_int_equal(f.g.st.out_of_window, 1);
	assert_int_equal(f.g.mem, 0);
	reasm_stream_release(&f.g, &f.s);

	/* sequence numbers wrapping past 2^32 */
	fx_init(&f);
	reasm_stream_init(&f.s);
	reasm_stream_start(&f.s, 0xfffffffe);
	seg(&f, 0x00000001, "cd");
	seg(&f, 0xfffffffe, "ab_");
	assert_string_equal(f.k.buf, "ab_cd");
	reasm_stream_release(&f.g, &f.s);

	/* depth */
	fx_init(&f);
	f.g.depth = 4;
	seg(&f, 1000, "abcdef");
	seg(&f, 1006, "gh");
	assert_string_equal(f.k.buf, "abcd");
	assert_true(f.s.closed);
	assert_int_equal(f.g.st.depth_reached, 1);
	reasm_stream_release(&f.g, &f.s);
}

static void test_memcap(void **st)
{
	(void)st;
	struct fx f;
	fx_init(&f);
	f.g.flow_memcap = 8;
	seg(&f, 1010, "12345");
	seg(&f, 1020, "67890");	/* over the per-flow cap: the first hole becomes a gap */
	assert_int_equal(f.k.gaps, 1);
	assert_true(f.g.mem <= 8);
	reasm_flush(&f.g, &f.s, &f.out);
	assert_string_equal(f.k.buf, "#12345#67890");
	assert_int_equal(f.g.mem, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_in_order),
		cmocka_unit_test(test_out_of_order_and_retransmission),
		cmocka_unit_test(test_overlap_first_wins),
		cmocka_unit_test(test_gap_on_ack_and_flush),
		cmocka_unit_test(test_window_depth_wrap),
		cmocka_unit_test(test_memcap),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
