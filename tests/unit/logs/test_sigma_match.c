/*
 * test_sigma_match.c — every Sigma modifier and value form, as a table:
 * a detection, an event (fields "Name=value" one per line), and whether
 * the rule must match. Values follow the Sigma specification's examples.
 */
#include "core/compat.h"

#include <setjmp.h>
#include <cmocka.h>

#include "sigma_helpers.h"

struct mcase {
	const char *det;
	const char *fields;
	uint32_t eid;
	bool want;
};

#define SEL(x) "  sel:\n    " x "\n  condition: sel"

static const struct mcase cases[] = {
	/* plain values: whole value, case-insensitive */
	{ SEL("Image: 'C:\\Windows\\System32\\cmd.exe'"), "Image=c:\\windows\\system32\\CMD.EXE", 0, true },
	{ SEL("Image: 'C:\\Windows\\System32\\cmd.exe'"), "Image=C:\\Windows\\System32\\cmd.exe2", 0, false },
	{ SEL("Image: 'cmd.exe'"), "Other=cmd.exe", 0, false },
	/* contains / startswith / endswith */
	{ SEL("CommandLine|contains: 'whoami'"), "CommandLine=c:\\x\\WHOAMI.exe /all", 0, true },
	{ SEL("CommandLine|contains: 'whoami'"), "CommandLine=who ami", 0, false },
	{ SEL("Image|startswith: 'C:\\Users\\'"), "Image=c:\\users\\bob\\a.exe", 0, true },
	{ SEL("Image|startswith: 'C:\\Users\\'"), "Image=D:\\c:\\users\\", 0, false },
	{ SEL("Image|endswith: '\\xmrig.exe'"), "Image=C:\\tmp\\XMRig.exe", 0, true },
	{ SEL("Image|endswith: '\\xmrig.exe'"), "Image=C:\\tmp\\xmrig.exe.bak", 0, false },
	/* wildcards and escapes */
	{ SEL("Image: '*\\cmd.exe'"), "Image=C:\\Windows\\cmd.exe", 0, true },
	/* a backslash before a wildcard escapes it; "\\\\*" is a backslash then a wildcard */
	{ SEL("Image: 'C:\\\\*\\cmd.exe'"), "Image=C:\\Windows\\System32\\cmd.exe", 0, true },
	{ SEL("Image: 'C:\\\\*\\cmd.exe'"), "Image=D:\\Windows\\cmd.exe", 0, false },
	{ SEL("Image: 'C:\\*\\cmd.exe'"), "Image=C:*\\cmd.exe", 0, true },
	{ SEL("Image: 'C:\\*\\cmd.exe'"), "Image=C:\\x\\cmd.exe", 0, false },
	{ SEL("Name: 'c?d'"), "Name=cmd", 0, true },
	{ SEL("Name: 'c?d'"), "Name=cd", 0, false },
	{ SEL("Name: 'a\\*b'"), "Name=a*b", 0, true },
	{ SEL("Name: 'a\\*b'"), "Name=axxb", 0, false },
	{ SEL("Name: 'a\\?b'"), "Name=axb", 0, false },
	{ SEL("Name: 'a\\\\*'"), "Name=a\\zzz", 0, true },
	{ SEL("Name: '\\\\server\\share'"), "Name=\\server\\share", 0, true },
	{ SEL("Name: '*'"), "Name=", 0, true },
	{ SEL("Name: '*'"), "Other=x", 0, false },
	/* lists are OR, |all is AND */
	{ SEL("Image|endswith:\n      - '\\a.exe'\n      - '\\b.exe'"), "Image=x\\B.exe", 0, true },
	{ SEL("Image|endswith:\n      - '\\a.exe'\n      - '\\b.exe'"), "Image=x\\c.exe", 0, false },
	{ SEL("CommandLine|contains|all:\n      - ' -enc '\n      - ' -w hidden'"),
	  "CommandLine=powershell -w hidden -enc AAA", 0, true },
	{ SEL("CommandLine|contains|all:\n      - ' -enc '\n      - ' -w hidden'"),
	  "CommandLine=powershell -enc AAA", 0, false },
	/* maps are AND */
	{ SEL("Image|endswith: '\\schtasks.exe'\n    CommandLine|contains: '/create'"),
	  "Image=C:\\w\\schtasks.exe\nCommandLine=schtasks /create /tn x", 0, true },
	{ SEL("Image|endswith: '\\schtasks.exe'\n    CommandLine|contains: '/create'"),
	  "Image=C:\\w\\schtasks.exe\nCommandLine=schtasks /query", 0, false },
	/* regular expressions: case-sensitive unless |i */
	{ SEL("CommandLine|re: '^a.c$'"), "CommandLine=abc", 0, true },
	{ SEL("CommandLine|re: '^a.c$'"), "CommandLine=ABC", 0, false },
	{ SEL("CommandLine|re|i: '^a.c$'"), "CommandLine=ABC", 0, true },
	{ SEL("CommandLine|re: 'x[0-9]{2,3}y'"), "CommandLine=--x123y--", 0, true },
	{ SEL("CommandLine|re|m: '^second$'"), "CommandLine=first\nsecond\nthird", 0, true },
	{ SEL("CommandLine|re: '^second$'"), "CommandLine=first\nsecond\nthird", 0, false },
	{ SEL("CommandLine|re|s: 'first.second'"), "CommandLine=first\nsecond", 0, true },
	{ SEL("CommandLine|re: 'first.second'"), "CommandLine=first\nsecond", 0, false },
	/* catastrophic backtracking is cut by the match limit: no match, no hang */
	{ SEL("CommandLine|re: '^(a|aa)+(b|c)+\\d$'"),
	  "CommandLine=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!",
	  0, false },
	/* base64 / base64offset / utf16 */
	{ SEL("Data|base64: 'hello'"), "Data=aGVsbG8=", 0, true },
	{ SEL("Data|base64|contains: 'hello'"), "Data=xx aGVsbG8= yy", 0, true },
	{ SEL("Data|base64offset|contains: 'http://'"), "Data=aHR0cDovL2EuY29t", 0, true },	/* "http://a.com" */
	{ SEL("Data|base64offset|contains: 'http://'"), "Data=eGh0dHA6Ly9hLmNvbQ==", 0, true },	/* "xhttp://a.com" */
	{ SEL("Data|base64offset|contains: 'http://'"), "Data=eHhodHRwOi8vYS5jb20=", 0, true },	/* "xxhttp://a.com" */
	{ SEL("Data|base64offset|contains: 'http://'"), "Data=aHR0cHM6Ly9hLmNvbQ==", 0, false },	/* "https://a.com" */
	{ SEL("Data|wide|base64offset|contains: 'ping'"), "Data=powershell -enc cABpAG4AZwAgADEALgAxAC4AMQAuADEA", 0, true },	/* UTF-16LE "ping 1.1.1.1" */
	{ SEL("Data|utf16le|base64: 'ab'"), "Data=YQBiAA==", 0, true },
	{ SEL("Data|utf16be|base64: 'ab'"), "Data=AGEAYg==", 0, true },
	{ SEL("Data|utf16|base64: 'ab'"), "Data=//5hAGIA", 0, true },
	/* windash: - / and the three Unicode dashes */
	{ SEL("CommandLine|windash|contains: ' -enc '"), "CommandLine=powershell /enc AAA", 0, true },
	{ SEL("CommandLine|windash|contains: ' -enc '"), "CommandLine=powershell \xe2\x80\x93" "enc AAA", 0, true },
	{ SEL("CommandLine|windash|contains: ' -enc '"), "CommandLine=powershell -enc AAA", 0, true },
	{ SEL("CommandLine|windash|contains: ' -enc '"), "CommandLine=powershell +enc AAA", 0, false },
	/* cidr */
	{ SEL("IpAddress|cidr: '10.0.0.0/8'"), "IpAddress=10.1.2.3", 0, true },
	{ SEL("IpAddress|cidr: '10.0.0.0/8'"), "IpAddress=11.1.2.3", 0, false },
	{ SEL("IpAddress|cidr: '192.168.1.0/25'"), "IpAddress=192.168.1.200", 0, false },
	{ SEL("IpAddress|cidr: 'fe80::/10'"), "IpAddress=fe80::1", 0, true },
	{ SEL("IpAddress|cidr: 'fe80::/10'"), "IpAddress=10.0.0.1", 0, false },
	/* exists */
	{ SEL("Hashes|exists: true"), "Hashes=", 0, true },
	{ SEL("Hashes|exists: true"), "Other=x", 0, false },
	{ SEL("Hashes|exists: false"), "Other=x", 0, true },
	{ SEL("Hashes|exists: false"), "Hashes=x", 0, false },
	/* null: field absent or empty */
	{ SEL("Description: null"), "Other=x", 0, true },
	{ SEL("Description: null"), "Description=", 0, true },
	{ SEL("Description: null"), "Description=x", 0, false },
	{ SEL("Description: ''"), "Description=", 0, true },
	{ SEL("Description: ''"), "Description=x", 0, false },
	/* numbers and comparisons */
	{ SEL("LogonType: 3"), "LogonType=3", 0, true },
	{ SEL("LogonType: 3"), "LogonType=10", 0, false },
	{ SEL("EventID: 4688"), "", 4688, true },
	{ SEL("EventID:\n      - 1\n      - 4688"), "", 4688, true },
	{ SEL("EventID: 4688"), "", 4689, false },
	{ SEL("Status: '0xc000006d'"), "Status=0xC000006D", 0, true },
	{ SEL("Count|gt: 5"), "Count=6", 0, true },
	{ SEL("Count|gt: 5"), "Count=5", 0, false },
	{ SEL("Count|gte: 5"), "Count=5", 0, true },
	{ SEL("Count|lt: 5"), "Count=4", 0, true },
	{ SEL("Count|lt: 5"), "Count=x", 0, false },
	{ SEL("Count|lte: 5"), "Count=0x5", 0, true },
	/* neq */
	{ SEL("User|neq: 'SYSTEM'"), "User=bob", 0, true },
	{ SEL("User|neq: 'SYSTEM'"), "User=system", 0, false },
	/* fieldref */
	{ SEL("TargetUserName|fieldref: SubjectUserName"), "TargetUserName=Bob\nSubjectUserName=bob", 0, true },
	{ SEL("TargetUserName|fieldref: SubjectUserName"), "TargetUserName=bob\nSubjectUserName=eve", 0, false },
	{ SEL("TargetFilename|fieldref|startswith: Folder"), "TargetFilename=C:\\a\\b.txt\nFolder=C:\\a", 0, true },
	/* cased */
	{ SEL("Name|cased: 'CMD'"), "Name=CMD", 0, true },
	{ SEL("Name|cased: 'CMD'"), "Name=cmd", 0, false },
	{ SEL("Name|contains|cased: 'MZ'"), "Name=xxMZyy", 0, true },
	{ SEL("Name|contains|cased: 'MZ'"), "Name=xxmzyy", 0, false },
	/* keywords: any field's value */
	{ "  keywords:\n    - 'Failed password'\n    - 'Invalid user'\n  condition: keywords",
	  "program=sshd\nmessage=Invalid user admin from 1.2.3.4", 0, true },
	{ "  keywords:\n    - 'Failed password'\n    - 'Invalid user'\n  condition: keywords",
	  "program=sshd\nmessage=Accepted password for bob", 0, false },
	{ "  keywords: 'stratum+tcp://'\n  condition: keywords", "a=x\nb=-o STRATUM+TCP://pool:3333", 0, true },
	{ "  keywords:\n    '|all':\n      - 'xmrig'\n      - 'donate'\n  condition: keywords",
	  "a=xmrig --donate-level 1", 0, true },
	{ "  keywords:\n    '|all':\n      - 'xmrig'\n      - 'donate'\n  condition: keywords",
	  "a=xmrig", 0, false },
	/* list of maps: OR of ANDs */
	{ "  sel:\n    - Image|endswith: '\\a.exe'\n      User: bob\n    - Image|endswith: '\\b.exe'\n  condition: sel",
	  "Image=x\\a.exe\nUser=eve", 0, false },
	{ "  sel:\n    - Image|endswith: '\\a.exe'\n      User: bob\n    - Image|endswith: '\\b.exe'\n  condition: sel",
	  "Image=x\\b.exe\nUser=eve", 0, true },
	/* Security 4688 answers Image/ParentImage from NewProcessName/ParentProcessName */
	{ SEL("Image|endswith: '\\schtasks.exe'\n    ParentImage|endswith: '\\powershell.exe'"),
	  "NewProcessName=C:\\w\\schtasks.exe\nParentProcessName=C:\\w\\powershell.exe", 4688, true },
};

static void sigma_match_table(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < MM_ARRAY_SIZE(cases); i++) {
		const struct mcase *c = &cases[i];
		struct sigma_ruleset *rs = sigma_t_rule(c->det);
		struct sigma_t_event t;
		char buf[1024];
		char *line, *save = NULL;
		size_t got;

		if (!rs || sigma_ruleset_count(rs) != 1) {
			print_error("case %zu: rule did not load: %s (%s)\n", i, c->det,
				    rs ? sigma_t_problem_key(rs) : "compile");
			fail();
		}
		sigma_t_event_init(&t, c->eid == 4688 ? "Security" : "Test", c->eid);
		snprintf(buf, sizeof(buf), "%s", c->fields);
		for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
			char *eq = strchr(line, '=');

			if (!eq)
				continue;
			*eq = '\0';
			sigma_t_event_set(&t, line, eq + 1);
		}
		/* multi-line values: rejoin the lines after the first field */
		if (strstr(c->fields, "first\n")) {
			t.e.n_fields = 0;
			sigma_t_event_set(&t, "CommandLine", strchr(c->fields, '=') + 1);
		}
		got = sigma_t_count(rs, &t);
		if (got != (c->want ? 1u : 0u)) {
			print_error("case %zu: %s on {%s}: got %zu, want %d\n", i, c->det, c->fields, got,
				    c->want);
			fail();
		}
		sigma_ruleset_free(rs);
	}
}

/* Values that must be rejected at load time, with their reason key. */
static void sigma_match_rejects(void **state)
{
	static const struct {
		const char *det;
		const char *key;
	} bad[] = {
		{ SEL("Image|foo: 'x'"), "unsupported modifier: |foo" },
		{ SEL("Image|re: '(unclosed'"), "invalid regex" },
		{ SEL("Ip|cidr: '10.0.0.0/33'"), "invalid value" },
		{ SEL("Count|gt: 'many'"), "invalid value" },
		{ SEL("Hashes|exists: 'yes'"), "invalid value" },
		{ SEL("Image|expand: '%DomainControllers%'"), "unresolved placeholder" },
		{ SEL("CommandLine|windash: '-a -b -c -d -e'"), "limit" },
		{ SEL("Image|i: 'x'"), "unsupported modifier: |i" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < MM_ARRAY_SIZE(bad); i++) {
		struct sigma_ruleset *rs = sigma_t_rule(bad[i].det);
		const char *file = NULL, *key = NULL, *reason = NULL;
		long line = 0;

		assert_non_null(rs);
		assert_int_equal(sigma_ruleset_count(rs), 0);
		assert_int_equal(sigma_ruleset_problem(rs, 0, &file, &line, NULL, &key, &reason), 0);
		if (strcmp(key, bad[i].key) != 0) {
			print_error("case %zu: key '%s' (%s), want '%s'\n", i, key, reason, bad[i].key);
			fail();
		}
		assert_string_equal(file, "test.yml");
		assert_true(line >= 7);	/* points into the detection, not the document start */
		sigma_ruleset_free(rs);
	}
}

static void sigma_match_expand(void **state)
{
	static const char *const dcs[] = { "dc1", "dc2" };
	static const char rule[] =
		"title: t\nlogsource:\n  product: test\ndetection:\n"
		"  sel:\n    Computer|expand: '%DomainControllers%'\n  condition: sel\n";
	struct sigma_ruleset *rs = sigma_ruleset_new();
	struct mm_diag d;
	struct sigma_t_event t;

	(void)state;
	assert_int_equal(sigma_ruleset_set_placeholder(rs, "DomainControllers", dcs, 2), 0);
	assert_int_equal(sigma_ruleset_load_text(rs, "x.yml", rule, strlen(rule), NULL, NULL), 0);
	assert_int_equal(sigma_ruleset_compile(rs, &d), 0);
	assert_int_equal(sigma_ruleset_count(rs), 1);
	sigma_t_event_init(&t, "Test", 1);
	sigma_t_event_set(&t, "Computer", "DC2");
	assert_int_equal(sigma_t_count(rs, &t), 1);
	t.e.n_fields = 0;
	sigma_t_event_set(&t, "Computer", "ws1");
	assert_int_equal(sigma_t_count(rs, &t), 0);
	sigma_ruleset_free(rs);
}

/* The evidence: fields of the positive selections, not of filters. */
static void sigma_match_evidence(void **state)
{
	struct sigma_ruleset *rs = sigma_t_rule(
		"  sel:\n    Image|endswith: '\\xmrig.exe'\n  filter:\n    User: admin\n"
		"  condition: sel and not filter");
	struct sigma_state *st;
	struct sigma_t_event t;
	struct sigma_t_hits h;

	(void)state;
	assert_non_null(rs);
	st = sigma_state_new(rs);
	sigma_t_event_init(&t, "Test", 1);
	sigma_t_event_set(&t, "Image", "C:\\m\\xmrig.exe");
	sigma_t_event_set(&t, "User", "bob");
	memset(&h, 0, sizeof(h));
	assert_int_equal(sigma_eval(rs, st, &t.e, sigma_t_collect, &h), 0);
	assert_int_equal(h.n, 1);
	assert_int_equal(h.last_n_matched, 1);
	assert_string_equal(h.last_matched[0], "Image=C:\\m\\xmrig.exe");
	assert_string_equal(h.last_title, "t");
	sigma_state_free(st);
	sigma_ruleset_free(rs);
}

/* Sigma v2 filter documents: applied to the rules they name (by id or
 * name), suppressing matches; a filter naming an unknown rule is reported. */
static void sigma_match_filters(void **state)
{
	static const char text[] =
		"title: miner\nid: 33333333-0000-4000-8000-000000000001\n"
		"logsource:\n  product: test\n"
		"detection:\n  sel:\n    Image|endswith: '\\xmrig.exe'\n  condition: sel\n"
		"---\n"
		"title: other\nname: other_rule\n"
		"logsource:\n  product: test\n"
		"detection:\n  sel:\n    Image|endswith: '\\xmrig.exe'\n  condition: sel\n"
		"---\n"
		"title: lab machines mine on purpose\n"
		"logsource:\n  product: test\n"
		"filter:\n  rules:\n    - 33333333-0000-4000-8000-000000000001\n    - nosuch\n"
		"  selection:\n    Computer|startswith: 'lab-'\n  condition: selection\n";
	struct sigma_ruleset *rs = sigma_t_load(text);
	struct sigma_t_event t;
	const char *key = NULL;

	(void)state;
	assert_non_null(rs);
	assert_int_equal(sigma_ruleset_count(rs), 2);	/* the filter is not a rule */
	sigma_t_event_init(&t, "Test", 1);
	sigma_t_event_set(&t, "Image", "C:\\x\\xmrig.exe");
	sigma_t_event_set(&t, "Computer", "lab-7");
	assert_int_equal(sigma_t_count(rs, &t), 1);	/* only "other" */
	t.e.n_fields = 0;
	sigma_t_event_set(&t, "Image", "C:\\x\\xmrig.exe");
	sigma_t_event_set(&t, "Computer", "ws-1");
	assert_int_equal(sigma_t_count(rs, &t), 2);
	assert_int_equal(sigma_ruleset_problem_count(rs), 1);
	sigma_ruleset_problem(rs, 0, NULL, NULL, NULL, &key, NULL);
	assert_string_equal(key, "filter target not found");
	sigma_ruleset_free(rs);
}

/* Logsource: a rule reaches only events of its product/service/category,
 * by the reader's names or by channel and EventID (taxonomy tables). */
static void sigma_match_logsource(void **state)
{
	static const char text[] =
		"title: by category\nlogsource:\n  product: windows\n  category: process_creation\n"
		"detection:\n  sel:\n    CommandLine|contains: 'xmrig'\n  condition: sel\n"
		"---\n"
		"title: by service\nlogsource:\n  product: windows\n  service: sysmon\n"
		"detection:\n  sel:\n    CommandLine|contains: 'xmrig'\n  condition: sel\n"
		"---\n"
		"title: linux\nlogsource:\n  product: linux\n"
		"detection:\n  sel:\n    CommandLine|contains: 'xmrig'\n  condition: sel\n";
	struct sigma_ruleset *rs = sigma_t_load(text);
	struct sigma_t_event t;

	(void)state;
	assert_non_null(rs);
	/* Sysmon 1 without a category from the reader: channel + EventID */
	sigma_t_event_init(&t, "Microsoft-Windows-Sysmon/Operational", 1);
	t.e.src.product = NULL;
	sigma_t_event_set(&t, "CommandLine", "xmrig -o x");
	assert_int_equal(sigma_t_count(rs, &t), 2);
	/* Sysmon 3 is not process_creation */
	t.e.event_id = 3;
	assert_int_equal(sigma_t_count(rs, &t), 1);
	/* Security 4688 is process_creation, not sysmon */
	t.e.channel = "Security";
	t.e.event_id = 4688;
	assert_int_equal(sigma_t_count(rs, &t), 1);
	/* a reader's own names */
	sigma_t_event_init(&t, NULL, 0);
	t.e.src.product = "linux";
	t.e.src.service = "auditd";
	sigma_t_event_set(&t, "CommandLine", "xmrig -o x");
	assert_int_equal(sigma_t_count(rs, &t), 1);
	sigma_ruleset_free(rs);
}

/* An event with more values than the prefilter scans at once is still
 * evaluated in full (every pattern checked for real). */
static void sigma_match_many_fields(void **state)
{
	struct sigma_ruleset *rs = sigma_t_rule(
		"  sel:\n    CommandLine|contains: 'stratum+tcp://'\n  filter:\n    User: admin\n"
		"  condition: sel and not filter");
	static struct log_field f[700];
	static char names[700][16];
	struct sigma_t_event t;
	size_t i;

	(void)state;
	assert_non_null(rs);
	sigma_t_event_init(&t, "Test", 1);
	for (i = 0; i < 699; i++) {
		snprintf(names[i], sizeof(names[i]), "F%zu", i);
		f[i].name = names[i];
		f[i].name_len = (uint32_t)strlen(names[i]);
		f[i].value = "x";
		f[i].value_len = 1;
	}
	f[699].name = "CommandLine";
	f[699].name_len = 11;
	f[699].value = "xmrig -o STRATUM+TCP://pool:3333";
	f[699].value_len = (uint32_t)strlen(f[699].value);
	t.e.fields = f;
	t.e.n_fields = 700;
	assert_int_equal(sigma_t_count(rs, &t), 1);
	f[699].value = "xmrig -o pool:3333";
	f[699].value_len = (uint32_t)strlen(f[699].value);
	assert_int_equal(sigma_t_count(rs, &t), 0);
	sigma_ruleset_free(rs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(sigma_match_table),
		cmocka_unit_test(sigma_match_rejects),
		cmocka_unit_test(sigma_match_expand),
		cmocka_unit_test(sigma_match_evidence),
		cmocka_unit_test(sigma_match_filters),
		cmocka_unit_test(sigma_match_logsource),
		cmocka_unit_test(sigma_match_many_fields),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
