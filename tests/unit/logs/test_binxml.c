/*
 * test_binxml.c — binary XML to fields on generated EVTX records: every
 * substitution value type (table), arrays, optional NULL substitutions,
 * BinXml nested in a substitution (EventData inside UserData), unnamed
 * Data values, entity/character references and CDATA, the System field
 * names Sigma uses, and the logsource mapping.
 */
#include "core/compat.h"
#include "logs/evtx.h"
#include "logs_test_util.h"

#include <setjmp.h>
#include <cmocka.h>

static struct lt_run run;

static int setup(void **state)
{
	size_t len;
	uint8_t *d = lt_read_fixture("evtx", "basic.evtx", &len);

	(void)state;
	lt_run_mem(&run, MM_KIND_EVTX, d, len);
	free(d);
	return run.n == 6 ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	lt_run_free(&run);
	return 0;
}

static void test_value_types(void **state)
{
	static const struct {
		const char *name, *value;
	} want[] = {
		{ "AString", "hello \xc3\xa9\xe4\xb8\x96 world" },
		{ "AnAnsi", "ansi text" },
		{ "I8", "-5" },
		{ "U8", "250" },
		{ "I16", "-300" },
		{ "U16", "65000" },
		{ "I32", "-70000" },
		{ "U32", "4000000000" },
		{ "I64", "-5000000000" },
		{ "U64", "18000000000000000000" },
		{ "F32", "1.5" },
		{ "F64", "-2.25" },
		{ "Bool", "true" },
		{ "Bin", "DEADBEEF" },
		{ "Guid", "{12345678-9ABC-DEF0-1122-334455667788}" },
		{ "SizeT", "0x1000" },
		{ "FileTime", "2020-09-13T12:26:40.1234567Z" },
		{ "SysTime", "2020-09-13T12:26:40.1230000Z" },
		{ "Sid", "S-1-5-21-1-2-3-500" },
		{ "Hex32", "0x3e7" },
		{ "Hex64", "0xdeadbeef00" },
		{ "StrArray", "one,two" },
		{ "U32Array", "1,2,3" },
	};

	(void)state;
	for (size_t i = 0; i < MM_ARRAY_SIZE(want); i++) {
		const char *v = lt_get(&run, 0, want[i].name);

		if (!v || strcmp(v, want[i].value) != 0)
			fail_msg("%s: got '%s', want '%s'", want[i].name, v ? v : "(absent)",
				 want[i].value);
	}
	/* an optional substitution with a NULL value is not created */
	assert_null(lt_get(&run, 0, "OptionalNull"));
	assert_null(lt_get(&run, 0, "Optional Null"));
}

static void test_system_fields(void **state)
{
	(void)state;
	assert_string_equal(lt_get(&run, 0, "Provider_Name"), "Mamori-Test-Types");
	assert_string_equal(lt_get(&run, 0, "Provider_Guid"),
			    "{11111111-2222-3333-4444-555555555555}");
	assert_string_equal(lt_get(&run, 0, "EventID"), "4688");
	assert_string_equal(lt_get(&run, 0, "Keywords"), "0x8020000000000000");
	assert_string_equal(lt_get(&run, 0, "TimeCreated"), "2020-09-13T12:26:41.0000000Z");
	assert_string_equal(lt_get(&run, 0, "EventRecordID"), "1");
	assert_string_equal(lt_get(&run, 0, "ProcessID"), "4");
	assert_string_equal(lt_get(&run, 0, "ThreadID"), "8");
	assert_string_equal(lt_get(&run, 0, "UserID"), "S-1-5-18");
	assert_string_equal(lt_get(&run, 0, "Computer"), "host-a.example");
	/* the optional Qualifiers attribute was NULL: absent */
	assert_null(lt_get(&run, 0, "Qualifiers"));
	/* no field for xmlns, nor for elements that only hold attributes */
	assert_null(lt_get(&run, 0, "xmlns"));
	assert_null(lt_get(&run, 0, "Provider"));
}

/* EventData's ProcessId comes before System's ProcessID: lookups are
 * case-insensitive and first-wins, and rules mean the EventData one. */
static void test_processid_order(void **state)
{
	size_t i_ed = SIZE_MAX, i_sys = SIZE_MAX;

	(void)state;
	for (size_t k = 0; k < run.ev[5].n; k++) {
		if (!strcmp(run.ev[5].names[k], "ProcessId"))
			i_ed = k;
		if (!strcmp(run.ev[5].names[k], "ProcessID"))
			i_sys = k;
	}
	assert_true(i_ed < i_sys && i_sys != SIZE_MAX);
	assert_string_equal(lt_get(&run, 5, "ProcessId"), "4242");
	assert_string_equal(lt_get(&run, 5, "ProcessID"), "4");
}

static void test_nested_binxml(void **state)
{
	(void)state;
	assert_string_equal(lt_get(&run, 2, "TaskName"), "\\Mamori\\Task");
	/* Data Name="Action Name" inside UserData: spaces removed */
	assert_string_equal(lt_get(&run, 2, "ActionName"), "run.exe");
	assert_string_equal(lt_get(&run, 2, "Count"), "7");
	assert_null(lt_get(&run, 2, "Name"));
}

static void test_unnamed_data(void **state)
{
	(void)state;
	assert_string_equal(lt_get(&run, 3, "Data1"), "Available");
	assert_string_equal(lt_get(&run, 3, "Data2"), "None");
	assert_string_equal(lt_get(&run, 3, "Data3"),
			    "HostApplication=powershell.exe -enc ZQBjAGgAbwAgAGgAaQA=");
	assert_non_null(strstr(lt_get(&run, 3, "Data"), "HostApplication="));
	assert_string_equal(run.ev[3].service, "powershell-classic");
	assert_string_equal(run.ev[3].category, "ps_classic_start");
	/* children of Event other than System/EventData/UserData are
	 * containers: no field of their own */
	assert_null(lt_get(&run, 3, "Literal"));
}

static void test_refs(void **state)
{
	(void)state;
	/* value text "a<", &amp;, a PI (dropped), &#x263a; (U+263A),
	 * CDATA "<b>" */
	assert_string_equal(lt_get(&run, 4, "Text"), "a<&\xe2\x98\xba<b>");
}

static void test_filetime_format(void **state)
{
	char out[40];

	(void)state;
	bx_format_filetime(0, out, sizeof(out));
	assert_string_equal(out, "1601-01-01T00:00:00.0000000Z");
	bx_format_filetime(UINT64_C(116444736000000000) + 1, out, sizeof(out));
	assert_string_equal(out, "1970-01-01T00:00:00.0000001Z");
}

static void test_ps_decode(void **state)
{
	char out[64];
	const char *v;
	size_t vl;
	static const char cmd[] = "powershell.exe -NoP -enc ZQBjAGgAbwAgAGgAaQA= -w hidden";

	(void)state;
	assert_true(log_find_ps_encoded(cmd, strlen(cmd), &v, &vl));
	assert_int_equal(vl, 20);
	assert_int_equal(log_decode_ps_encoded(v, vl, out, sizeof(out)), 7);
	assert_string_equal(out, "echo hi");
	assert_false(log_find_ps_encoded("powershell -File x.ps1", 22, &v, &vl));
	/* Base64 of ASCII, not UTF-16LE: refused */
	assert_int_equal(log_decode_ps_encoded("ZWNobyBoaSB0aGVyZQ==", 20, out, sizeof(out)), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_value_types),
		cmocka_unit_test(test_system_fields),
		cmocka_unit_test(test_processid_order),
		cmocka_unit_test(test_nested_binxml),
		cmocka_unit_test(test_unnamed_data),
		cmocka_unit_test(test_refs),
		cmocka_unit_test(test_filetime_format),
		cmocka_unit_test(test_ps_decode),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
