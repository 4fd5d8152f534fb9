/*
 * test_journal.c — the journald export reader: KEY=value fields, binary
 * fields (length-prefixed, holding newlines), entries split by blank lines,
 * the syslog vocabulary and sshd parsing on MESSAGE, a damaged binary
 * length dropping only its entry.
 */
#include "core/compat.h"
#include "logs_test_util.h"

#include <setjmp.h>
#include <cmocka.h>

static size_t put_bin(uint8_t *o, const char *key, const char *val, size_t vl)
{
	size_t n = strlen(key);
	uint64_t l = vl;

	memcpy(o, key, n);
	o[n++] = '\n';
	memcpy(o + n, &l, 8);
	n += 8;
	memcpy(o + n, val, vl);
	n += vl;
	o[n++] = '\n';
	return n;
}

static void test_entries(void **state)
{
	uint8_t buf[2048];
	size_t o = 0;
	struct lt_run run;
	static const char e1[] =
		"__CURSOR=s=1\n__REALTIME_TIMESTAMP=1700000000123456\n_HOSTNAME=node7\n"
		"SYSLOG_IDENTIFIER=sshd\n_PID=321\n_SYSTEMD_UNIT=ssh.service\n"
		"MESSAGE=Failed password for root from 192.0.2.44 port 5555 ssh2\n\n";
	static const char e2a[] = "__REALTIME_TIMESTAMP=1700000001000000\nSYSLOG_IDENTIFIER=app\n";
	static const char e3[] = "\nMESSAGE=after\n";

	(void)state;
	memcpy(buf, e1, sizeof(e1) - 1);
	o = sizeof(e1) - 1;
	memcpy(buf + o, e2a, sizeof(e2a) - 1);
	o += sizeof(e2a) - 1;
	o += put_bin(buf + o, "MESSAGE", "line one\nline two", 17);
	memcpy(buf + o, e3, sizeof(e3) - 1);
	o += sizeof(e3) - 1;
	lt_run_mem(&run, MM_KIND_JOURNAL_EXPORT, buf, o);
	assert_int_equal(run.n, 3);
	assert_int_equal(run.ev[0].ts_us, INT64_C(1700000000123456));
	assert_string_equal(run.ev[0].host, "node7");
	assert_string_equal(run.ev[0].service, "sshd");
	assert_string_equal(lt_get(&run, 0, "_SYSTEMD_UNIT"), "ssh.service");
	assert_string_equal(lt_get(&run, 0, "program"), "sshd");
	assert_string_equal(lt_get(&run, 0, "pid"), "321");
	assert_string_equal(lt_get(&run, 0, "user"), "root");
	assert_string_equal(lt_get(&run, 0, "source_ip"), "192.0.2.44");
	assert_string_equal(lt_get(&run, 0, "event_type"), "failed");
	assert_string_equal(lt_get(&run, 1, "MESSAGE"), "line one\nline two");
	assert_string_equal(lt_get(&run, 2, "message"), "after");
	lt_run_free(&run);
}

static void test_bad_binary_length(void **state)
{
	uint8_t buf[512];
	size_t o = 0;
	uint64_t huge = UINT64_C(1) << 40;
	struct lt_run run;
	static const char tail[] = "\nMESSAGE=ok\n\n";

	(void)state;
	memcpy(buf, "MESSAGE\n", 8);
	o = 8;
	memcpy(buf + o, &huge, 8);
	o += 8;
	memcpy(buf + o, "xx\n", 3);
	o += 3;
	memcpy(buf + o, tail, sizeof(tail) - 1);
	o += sizeof(tail) - 1;
	lt_run_mem(&run, MM_KIND_JOURNAL_EXPORT, buf, o);
	assert_int_equal(run.n, 1);
	assert_string_equal(lt_get(&run, 0, "MESSAGE"), "ok");
	assert_true(run.st.n_problems >= 1);
	lt_run_free(&run);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_entries),
		cmocka_unit_test(test_bad_binary_length),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
