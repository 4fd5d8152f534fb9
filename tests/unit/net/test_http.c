/*
 * test_http.c — the HTTP parser through whole captures: requests split in
 * 5-byte segments with reordering/overlaps, pipelining with a chunked
 * response and a HEAD, midstream pickup, resynchronisation after a gap;
 * and the URI normalisation and header lookups detectors rely on.
 */
#include "core/compat.h"
#include <setjmp.h>
#include <cmocka.h>
#include "net/internal.h"
#include "nethelp.h"

static void test_split_overlap(void **st)
{
	(void)st;
	struct nt_out o;
	assert_int_equal(nt_scan(nt_gen("net_core/split.pcap"), NULL, "http", &o), 0);
	assert_int_equal(o.nrecords, 1);
	assert_non_null(strstr(o.records.ptr, "\"uri\":\"/splitsplit\""));
	assert_non_null(strstr(o.records.ptr, "\"status\":200"));
	assert_null(strstr(o.records.ptr, "XXXXX"));
	nt_out_release(&o);
}

static void test_pipeline(void **st)
{
	(void)st;
	struct nt_out o;
	assert_int_equal(nt_scan(nt_gen("net_core/pipeline.pcap"), NULL, "http", &o), 0);
	assert_int_equal(o.nrecords, 3);
	const char *r = o.records.ptr;
	const char *p1 = strstr(r, "\"uri\":\"/p1\"");
	const char *p2 = strstr(r, "\"uri\":\"/p2\"");
	const char *p3 = strstr(r, "\"uri\":\"/p3\"");
	assert_non_null(p1);
	assert_non_null(p2);
	assert_non_null(p3);
	assert_true(p1 < p2 && p2 < p3);
	/* chunked body de-chunked: 11 bytes; HEAD has no body even though
	 * Content-Length says 1234; the third has 5 */
	assert_non_null(strstr(p1, "\"response_body_len\":11"));
	assert_non_null(strstr(r, "\"method\":\"HEAD\",\"host\":\"x\",\"uri\":\"/p2\""));
	assert_non_null(strstr(p2, "\"response_body_len\":0"));
	assert_non_null(strstr(p3, "\"response_body_len\":5"));
	nt_out_release(&o);
}

static void test_midstream_and_gap(void **st)
{
	(void)st;
	struct nt_out o;
	assert_int_equal(nt_scan(nt_gen("net_core/midstream.pcap"), NULL, "http", &o), 0);
	assert_int_equal(o.nrecords, 1);
	assert_non_null(strstr(o.records.ptr, "\"uri\":\"/midstream\""));
	nt_out_release(&o);
	assert_int_equal(nt_scan(nt_gen("net_core/gap.pcap"), NULL, "http", &o), 0);
	assert_int_equal(o.nrecords, 1);
	assert_non_null(strstr(o.records.ptr, "\"uri\":\"/aftergap\""));
	assert_null(strstr(o.records.ptr, "/lost"));
	nt_out_release(&o);
	/* no records unless asked */
	assert_int_equal(nt_scan(nt_gen("net_core/eth.pcap"), NULL, NULL, &o), 0);
	assert_int_equal(o.nrecords, 0);
	nt_out_release(&o);
}

static void test_auth_users(void **st)
{
	(void)st;
	struct nt_out o;
	assert_int_equal(nt_scan(nt_gen("net_app/http_auth.pcap"), NULL, "http", &o), 0);
	assert_int_equal(o.nrecords, 3);
	/* Basic: the user before the first colon, decoded; Digest: username= */
	assert_non_null(strstr(o.records.ptr, "\"uri\":\"/private/0\",\"user_agent\":"
					      "\"mamori-test/1.0\",\"user\":\"admin\""));
	assert_non_null(strstr(o.records.ptr, "\"user\":\"admin\",\"request_body_len\":0,"
					      "\"status\":200"));
	assert_non_null(strstr(o.records.ptr, "\"user\":\"carol\",\"request_body_len\":0,"
					      "\"status\":401"));
	assert_null(strstr(o.records.ptr, "y:z"));
	nt_out_release(&o);
}

static void test_slices(void **st)
{
	(void)st;
	struct mm_slice s = { (const uint8_t *)"Content-TYPE", 12 };
	assert_true(net_slice_ieq(s, "content-type"));
	assert_false(net_slice_ieq(s, "content-typ"));
	assert_true(net_slice_icontains(s, "TENT-t"));
	assert_false(net_slice_icontains(s, "xyz"));
	struct http_msg m;
	memset(&m, 0, sizeof(m));
	m.hdr[0].name = (struct mm_slice){ (const uint8_t *)"Host", 4 };
	m.hdr[0].value = (struct mm_slice){ (const uint8_t *)"a.test", 6 };
	m.nhdr = 1;
	assert_int_equal(http_msg_header(&m, "host").len, 6);
	assert_int_equal(http_msg_header(&m, "cookie").len, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_split_overlap),
		cmocka_unit_test(test_pipeline),
		cmocka_unit_test(test_midstream_and_gap),
		cmocka_unit_test(test_auth_users),
		cmocka_unit_test(test_slices),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
