/*
 * test_smb.c — the SMB parser: SMB2 NTLMSSP logins paired with their
 * responses (user, domain, status), SMB1 NTLMSSP logins, messages split
 * over segments and several per segment (the EternalBlue-like train),
 * tree connect paths (UTF-16), garbage that is not SMB left alone.
 */
#include "core/compat.h"
#include <setjmp.h>
#include <cmocka.h>
#include "net/internal.h"
#include "nethelp.h"

static void test_smb2_logins(void **st)
{
	(void)st;
	struct nt_out o;
	assert_int_equal(nt_scan(nt_gen("net_app/smb2_logon.pcap"), NULL, "smb", &o), 0);
	assert_int_equal(o.nrecords, 4);
	assert_int_equal(nt_count(o.records.ptr, "\"smb_version\":2"), 4);
	assert_int_equal(nt_count(o.records.ptr, "\"user\":\"bob\""), 4);
	assert_int_equal(nt_count(o.records.ptr, "\"domain\":\"WORKGROUP\""), 4);
	assert_int_equal(nt_count(o.records.ptr, "\"status\":\"0xc000006d\""), 3);
	assert_int_equal(nt_count(o.records.ptr, "\"status\":\"0x00000000\""), 1);
	/* the MORE_PROCESSING_REQUIRED round is not an outcome */
	assert_int_equal(nt_count(o.records.ptr, "0xc0000016"), 0);
	assert_int_equal(o.nalerts, 0);
	nt_out_release(&o);
}

static void test_smb1_login(void **st)
{
	(void)st;
	struct nt_out o;
	assert_int_equal(nt_scan(nt_gen("net_app/smb_normal.pcap"), NULL, "smb", &o), 0);
	assert_int_equal(o.nrecords, 2);
	assert_non_null(strstr(o.records.ptr, "\"smb_version\":1"));
	assert_non_null(strstr(o.records.ptr, "\"user\":\"alice\""));
	/* the tree connect path, UTF-16 in the message */
	assert_non_null(strstr(o.records.ptr, "\"command\":\"tree_connect\",\"path\":"
					      "\"\\\\\\\\SRV\\\\SHARE\""));
	nt_out_release(&o);
}

static void test_split_messages(void **st)
{
	(void)st;
	struct nt_out o;
	/* 12 secondaries of 4157 bytes streamed in 1460-byte segments: all
	 * of them must come out of the framing */
	assert_int_equal(nt_scan(nt_gen("net_app/smb_eternalblue.pcap"), NULL, NULL, &o), 0);
	assert_int_equal(o.nalerts, 1);
	assert_non_null(strstr(o.alerts.ptr, "\"count\":12"));
	nt_out_release(&o);
}

static void test_not_smb(void **st)
{
	(void)st;
	struct nt_out o;
	/* HTTP on any port is not taken for SMB */
	assert_int_equal(nt_scan(nt_gen("net_core/eth.pcap"), NULL, "smb", &o), 0);
	assert_int_equal(o.nrecords, 0);
	nt_out_release(&o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_smb2_logins),
		cmocka_unit_test(test_smb1_login),
		cmocka_unit_test(test_split_messages),
		cmocka_unit_test(test_not_smb),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
