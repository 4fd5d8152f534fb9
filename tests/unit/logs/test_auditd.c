/*
 * test_auditd.c — the auditd reader: records grouped by serial into one
 * event (ended by EOE, by another serial, or by the end), EXECVE arguments
 * (hex-encoded ones decoded) joined into CommandLine, SYSCALL fields,
 * proctitle decoded, msg='...' contents parsed, other lines skipped.
 */
#include "core/compat.h"
#include "logs_test_util.h"

#include <setjmp.h>
#include <cmocka.h>

static const char group[] =
	"type=SYSCALL msg=audit(1700000000.123:501): arch=c000003e syscall=59 success=yes exit=0 "
	"a0=55d0 a1=55d1 a2=55d2 a3=0 items=2 ppid=100 pid=4242 auid=1000 uid=0 gid=0 euid=0 "
	"tty=pts0 ses=3 comm=\"xmrig\" exe=\"/tmp/.x/xmrig\" key=\"exec\"\n"
	"type=EXECVE msg=audit(1700000000.123:501): argc=4 a0=\"/tmp/.x/xmrig\" a1=\"-o\" "
	"a2=\"pool.example:3333\" a3=2D2D646F6E6174652D6C6576656C3D31\n"
	"type=CWD msg=audit(1700000000.123:501): cwd=\"/tmp\"\n"
	"type=PATH msg=audit(1700000000.123:501): item=0 name=\"/tmp/.x/xmrig\" inode=5\n"
	"type=PROCTITLE msg=audit(1700000000.123:501): proctitle=2F746D702F2E782F786D726967002D6F\n"
	"type=EOE msg=audit(1700000000.123:501):\n"
	"type=USER_CMD msg=audit(1700000001.000:502): pid=4151 uid=497 auid=700 ses=11 "
	"msg='cwd=\"/\" cmd=6C73202D6C61 terminal=? res=success'\n"
	"not an audit line\n"
	"node=web1 type=SYSCALL msg=audit(1700000002.5:503): syscall=2 comm=\"cat\" "
	"exe=\"/usr/bin/cat\"\n"
	"type=PROCTITLE msg=audit(1700000002.5:503): proctitle=636174002F686F6D652F612F77616C6C65742E646174\n";

static void test_groups(void **state)
{
	struct lt_run run;

	(void)state;
	lt_run_str(&run, MM_KIND_AUDITD, group);
	assert_int_equal(run.n, 3);
	/* event 1: SYSCALL + EXECVE + CWD + PATH + PROCTITLE */
	assert_int_equal(run.ev[0].record_id, 501);
	assert_int_equal(run.ev[0].ts_us, INT64_C(1700000000123000));
	assert_string_equal(run.ev[0].service, "auditd");
	assert_string_equal(lt_get(&run, 0, "type"), "EXECVE");
	assert_string_equal(lt_get(&run, 0, "types"), "EXECVE,SYSCALL,CWD,PATH,PROCTITLE");
	assert_string_equal(lt_get(&run, 0, "a0"), "/tmp/.x/xmrig");
	assert_string_equal(lt_get(&run, 0, "a3"), "--donate-level=1");
	assert_string_equal(lt_get(&run, 0, "CommandLine"),
			    "/tmp/.x/xmrig -o pool.example:3333 --donate-level=1");
	assert_string_equal(lt_get(&run, 0, "exe"), "/tmp/.x/xmrig");
	assert_string_equal(lt_get(&run, 0, "comm"), "xmrig");
	assert_string_equal(lt_get(&run, 0, "syscall"), "59");
	assert_string_equal(lt_get(&run, 0, "auid"), "1000");
	assert_string_equal(lt_get(&run, 0, "cwd"), "/tmp");
	assert_string_equal(lt_get(&run, 0, "name"), "/tmp/.x/xmrig");
	assert_string_equal(lt_get(&run, 0, "proctitle"), "/tmp/.x/xmrig -o");
	/* event 2: msg='...' parsed, hex cmd decoded */
	assert_int_equal(run.ev[1].record_id, 502);
	assert_string_equal(lt_get(&run, 1, "type"), "USER_CMD");
	assert_string_equal(lt_get(&run, 1, "cmd"), "ls -la");
	assert_string_equal(lt_get(&run, 1, "res"), "success");
	/* event 3: ended by the end of input; node; CommandLine from proctitle */
	assert_int_equal(run.ev[2].record_id, 503);
	assert_string_equal(run.ev[2].host, "web1");
	assert_string_equal(lt_get(&run, 2, "CommandLine"), "cat /home/a/wallet.dat");
	assert_int_equal(run.st.lines_skipped, 1);
	lt_run_free(&run);
}

static void test_interleaved_serials(void **state)
{
	struct lt_run run;

	(void)state;
	lt_run_str(&run, MM_KIND_AUDITD,
		   "type=SYSCALL msg=audit(1.000:1): comm=\"a\"\n"
		   "type=SYSCALL msg=audit(1.000:2): comm=\"b\"\n"
		   "type=EXECVE msg=audit(1.000:2): argc=1 a0=\"b\"\n"
		   "type=SYSCALL msg=audit(1.000:3): comm=\"c\"");
	assert_int_equal(run.n, 3);
	assert_string_equal(lt_get(&run, 0, "comm"), "a");
	assert_string_equal(lt_get(&run, 1, "CommandLine"), "b");
	assert_string_equal(lt_get(&run, 2, "comm"), "c");
	lt_run_free(&run);
}

static void test_big_group(void **state)
{
	struct mm_buf b;
	struct lt_run run;

	(void)state;
	mm_buf_init(&b, 1u << 24);
	for (int i = 0; i < 300; i++)
		mm_buf_appendf(&b, "type=PATH msg=audit(1.000:9): item=%d name=\"/x/%d\"\n", i, i);
	lt_run_mem(&run, MM_KIND_AUDITD, (const uint8_t *)b.ptr, b.len);
	assert_int_equal(run.n, 1);		/* capped, not split */
	assert_true(run.st.lines_skipped >= 300 - 128);
	assert_string_equal(lt_get(&run, 0, "name"), "/x/0");
	lt_run_free(&run);
	mm_buf_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_groups),
		cmocka_unit_test(test_interleaved_serials),
		cmocka_unit_test(test_big_group),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
