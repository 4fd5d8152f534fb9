/*
 * test_winjson.c — the JSON lines reader: Winlogbeat/ECS, NXLog-flattened
 * (OTRF), evtx-JSON Sysmon records and plain JSON mapped onto the event.h
 * vocabulary and logsource; bad lines skipped and counted.
 */
#include "core/compat.h"
#include "logs_test_util.h"

#include <setjmp.h>
#include <cmocka.h>

static const char text[] =
	/* Winlogbeat / ECS (after a byte order mark) */
	"\xef\xbb\xbf{\"@timestamp\":\"2021-01-02T03:04:05.5Z\",\"host\":{\"name\":\"ws9\"},"
	"\"winlog\":{\"channel\":\"Security\",\"event_id\":4625,\"provider_name\":"
	"\"Microsoft-Windows-Security-Auditing\",\"computer_name\":\"ws9.example\","
	"\"record_id\":77,\"process\":{\"pid\":4,\"thread\":{\"id\":8}},"
	"\"event_data\":{\"TargetUserName\":\"admin\",\"IpAddress\":\"192.0.2.8\",\"LogonType\":\"3\"}}}\n"
	/* NXLog flattened, as in the OTRF datasets */
	"{\"SourceName\":\"Microsoft-Windows-Security-Auditing\",\"Channel\":\"Security\","
	"\"Hostname\":\"WKS5.example\",\"EventID\":4688,\"RecordNumber\":12,"
	"\"@timestamp\":\"2020-12-19T06:59:28.410Z\",\"NewProcessName\":\"C:\\\\Windows\\\\System32\\\\schtasks.exe\","
	"\"CommandLine\":\"schtasks /create /tn x /tr calc\"}\n"
	"not json at all\n"
	/* evtx-JSON (Sysmon) */
	"{\"Event\":{\"System\":{\"Provider\":{\"#attributes\":{\"Name\":\"Microsoft-Windows-Sysmon\"}},"
	"\"EventID\":11,\"Channel\":\"Microsoft-Windows-Sysmon/Operational\",\"Computer\":\"pc1\","
	"\"TimeCreated\":{\"#attributes\":{\"SystemTime\":\"2022-05-06T07:08:09.000000Z\"}},"
	"\"EventRecordID\":5},\"EventData\":{\"Image\":\"C:\\\\x\\\\steal.exe\","
	"\"TargetFilename\":\"C:\\\\Users\\\\a\\\\AppData\\\\Roaming\\\\Bitcoin\\\\wallet.dat\"}}}\n"
	/* any JSON object */
	"{\"msg\":\"hi\",\"nested\":{\"k\":[1,2,\"x\"],\"b\":true}}\n"
	"[1,2,3]\n";

static void test_formats(void **state)
{
	struct lt_run run;

	(void)state;
	lt_run_str(&run, MM_KIND_JSONL, text);
	assert_int_equal(run.n, 4);
	/* ECS */
	assert_int_equal(run.ev[0].event_id, 4625);
	assert_string_equal(run.ev[0].channel, "Security");
	assert_string_equal(run.ev[0].service, "security");
	assert_string_equal(run.ev[0].host, "ws9.example");
	assert_int_equal(run.ev[0].record_id, 77);
	assert_int_equal(run.ev[0].ts_us, INT64_C(1609556645500000));
	assert_string_equal(lt_get(&run, 0, "TargetUserName"), "admin");
	assert_string_equal(lt_get(&run, 0, "ProcessID"), "4");
	assert_string_equal(lt_get(&run, 0, "ThreadID"), "8");
	assert_string_equal(lt_get(&run, 0, "host.name"), "ws9");
	/* NXLog */
	assert_int_equal(run.ev[1].event_id, 4688);
	assert_string_equal(run.ev[1].category, "process_creation");
	assert_string_equal(lt_get(&run, 1, "Provider_Name"), "Microsoft-Windows-Security-Auditing");
	assert_string_equal(lt_get(&run, 1, "Computer"), "WKS5.example");
	assert_string_equal(lt_get(&run, 1, "CommandLine"), "schtasks /create /tn x /tr calc");
	assert_int_equal(run.ev[1].record_id, 12);
	/* evtx JSON */
	assert_int_equal(run.ev[2].event_id, 11);
	assert_string_equal(run.ev[2].service, "sysmon");
	assert_string_equal(run.ev[2].category, "file_event");
	assert_string_equal(lt_get(&run, 2, "Provider_Name"), "Microsoft-Windows-Sysmon");
	assert_non_null(strstr(lt_get(&run, 2, "TargetFilename"), "wallet.dat"));
	assert_int_equal(run.ev[2].ts_us, INT64_C(1651820889000000));
	/* plain JSON: no Windows logsource */
	assert_null(run.ev[3].product);
	assert_string_equal(lt_get(&run, 3, "nested.k"), "1,2,x");
	assert_string_equal(lt_get(&run, 3, "nested.b"), "true");
	assert_int_equal(run.st.lines_skipped, 2);
	lt_run_free(&run);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_formats),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
