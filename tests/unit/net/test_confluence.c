/*
 * test_confluence.c — CVE-2019-3396: remote template with a command
 * (critical), path traversal (high), a normal widget preview (silent).
 */
#include "core/compat.h"
#include <setjmp.h>
#include <cmocka.h>
#include "net/internal.h"
#include "nethelp.h"

static void test_rce(void **st)
{
	(void)st;
	struct nt_out o;
	assert_int_equal(nt_scan(nt_gen("net_app/confluence_rce.pcap"), NULL, NULL, &o), 0);
	assert_int_equal(o.nalerts, 1);
	const char *a = o.alerts.ptr;
	assert_non_null(strstr(a, "\"id\":\"mamori.net.http.confluence.cve-2019-3396\""));
	assert_non_null(strstr(a, "\"level\":\"critical\""));
	assert_non_null(strstr(a, "\"template\":\"ftp://198.51.100.7/cmd.vm\""));
	assert_non_null(strstr(a, "\"template_kind\":\"remote template\""));
	assert_non_null(strstr(a, "\"command_params\":{\"cmd\":\"id\"}"));
	assert_non_null(strstr(a, "\"T1190\""));
	assert_non_null(strstr(a, "\"CVE-2019-3396\""));
	nt_out_release(&o);
}

static void test_traversal_and_benign(void **st)
{
	(void)st;
	struct nt_out o;
	assert_int_equal(nt_scan(nt_gen("net_app/confluence_traversal.pcap"), NULL, NULL, &o), 0);
	assert_int_equal(o.nalerts, 1);
	assert_non_null(strstr(o.alerts.ptr, "\"level\":\"high\""));
	assert_non_null(strstr(o.alerts.ptr, "\"template\":\"../web.xml\""));
	assert_non_null(strstr(o.alerts.ptr, "path traversal"));
	nt_out_release(&o);
	assert_int_equal(nt_scan(nt_gen("net_app/confluence_benign.pcap"), NULL, NULL, &o), 0);
	assert_int_equal(o.nalerts, 0);
	nt_out_release(&o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rce),
		cmocka_unit_test(test_traversal_and_benign),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
