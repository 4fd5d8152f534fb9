/*
 * test_ms17010.c — the MS17-010 / DoublePulsar detector on generated SMB
 * exchanges built from protocol fields (tests/gen/gen_net_app.py).
 */
#include "core/compat.h"
#include <setjmp.h>
#include <cmocka.h>
#include "net/internal.h"
#include "nethelp.h"

static void test_eternalblue(void **st)
{
	(void)st;
	struct nt_out o;
	assert_int_equal(nt_scan(nt_gen("net_app/smb_eternalblue.pcap"), NULL, NULL, &o), 0);
	assert_int_equal(o.nalerts, 1);
	const char *a = o.alerts.ptr;
	assert_non_null(strstr(a, "\"id\":\"mamori.net.smb.ms17-010.eternalblue\""));
	assert_non_null(strstr(a, "\"level\":\"high\""));
	assert_non_null(strstr(a, "\"T1210\""));
	assert_non_null(strstr(a, "\"CVE-2017-0144\""));
	assert_non_null(strstr(a, "\"nt_trans\":{\"frame\":12,\"mid\":65,\"function\":0,"
				  "\"total_data_count\":66512}"));
	assert_non_null(strstr(a, "\"request_frames\":[10],\"response_frames\":[11]"));
	assert_non_null(strstr(a, "\"data\":\"QwErTyUiOpA\""));
	assert_non_null(strstr(a, "\"destination\":{\"ip\":\"192.0.2.20\",\"port\":445}"));
	assert_non_null(strstr(a, "\"protocol\":\"smb\""));
	/* the probe on the same flow is evidence, not a second alert */
	assert_null(strstr(a, "ms17-010.probe"));
	nt_out_release(&o);
}

static void test_doublepulsar(void **st)
{
	(void)st;
	struct nt_out o;
	assert_int_equal(nt_scan(nt_gen("net_app/smb_doublepulsar.pcap"), NULL, NULL, &o), 0);
	assert_int_equal(o.nalerts, 1);
	const char *a = o.alerts.ptr;
	assert_non_null(strstr(a, "\"id\":\"mamori.net.smb.doublepulsar\""));
	assert_non_null(strstr(a, "\"level\":\"critical\""));
	assert_non_null(strstr(a, "\"frame\":9,\"command\":\"TRANS2 response\",\"mid\":81,"
				  "\"status\":\"0xc0000002\",\"request_frame\":8,\"request_mid\":65"));
	assert_non_null(strstr(a, "\"request_timeout\":\"0x00edbf77\""));
	nt_out_release(&o);
}

static void test_romance(void **st)
{
	(void)st;
	struct nt_out o;
	assert_int_equal(nt_scan(nt_gen("net_app/smb_romance.pcap"), NULL, NULL, &o), 0);
	assert_int_equal(o.nalerts, 1);
	const char *a = o.alerts.ptr;
	assert_non_null(strstr(a, "\"id\":\"mamori.net.smb.ms17-010.eternalromance\""));
	assert_non_null(strstr(a, "\"anomaly\":\"secondary displacement + count past the "
				  "primary's totals\""));
	assert_non_null(strstr(a, "\"command\":\"TRANSACTION_SECONDARY\",\"mid\":70,"
				  "\"count\":1,\"frames\":[9]"));
	nt_out_release(&o);
}

static void test_normal_session_silent(void **st)
{
	(void)st;
	struct nt_out o;
	assert_int_equal(nt_scan(nt_gen("net_app/smb_normal.pcap"), NULL, NULL, &o), 0);
	assert_int_equal(o.nalerts, 0);
	nt_out_release(&o);
	assert_int_equal(nt_scan(nt_gen("net_app/smb2_logon.pcap"), NULL, NULL, &o), 0);
	assert_int_equal(o.nalerts, 0);
	nt_out_release(&o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_eternalblue),
		cmocka_unit_test(test_doublepulsar),
		cmocka_unit_test(test_romance),
		cmocka_unit_test(test_normal_session_silent),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
