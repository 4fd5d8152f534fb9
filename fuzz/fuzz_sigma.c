/*
 * fuzz_sigma.c — libFuzzer target for the Sigma loader (libyaml -> rule
 * AST), the condition parser, the value compiler (all modifiers) and the
 * matcher: the input is loaded as a rule file, compiled, and evaluated on
 * two fixed events (Windows and Linux) and flushed. Nothing may crash, leak
 * or hang; every rejected rule must come with a reason.
 */
#include "core/compat.h"

#include "logs/sigma.h"

static int on_match(void *arg, const struct log_event *e, const struct sigma_match *m)
{
	(void)arg;
	(void)e;
	if (!m->rule_title)
		abort();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define F(n, v) { n, v, sizeof(n) - 1, sizeof(v) - 1 }

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct log_field wf[] = {
		F("Image", "C:\\Windows\\System32\\schtasks.exe"),
		F("CommandLine", "schtasks /create /tn x /tr \"powershell -enc SQBFAFgA\""),
		F("ParentImage", "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe"),
		F("IpAddress", "10.1.2.3"),
		F("TargetUserName", "admin"),
		F("EventID", "1"),
		F("Count", "17"),
		F("Empty", ""),
	};
	static struct log_field lf[] = {
		F("program", "sshd"),
		F("message", "Failed password for invalid user admin from 1.2.3.4 port 22 ssh2"),
		F("source_ip", "1.2.3.4"),
		F("user", "admin"),
	};
	struct log_event we, le;
	struct sigma_ruleset *rs;
	struct sigma_state *st;
	struct mm_diag d;
	size_t i;

	if (size > 1 << 16)
		return 0;
	rs = sigma_ruleset_new();
	if (!rs)
		return 0;
	sigma_ruleset_load_text(rs, "fuzz.yml", (const char *)data, size, NULL, NULL);
	for (i = 0; i < sigma_ruleset_problem_count(rs); i++) {
		const char *key = NULL, *reason = NULL;

		sigma_ruleset_problem(rs, i, NULL, NULL, NULL, &key, &reason);
		if (!key || !*key || !reason)
			abort();
	}
	mm_diag_init(&d);
	if (sigma_ruleset_compile(rs, &d) == 0) {
		memset(&we, 0, sizeof(we));
		we.src.product = "windows";
		we.src.category = "process_creation";
		we.channel = "Microsoft-Windows-Sysmon/Operational";
		we.event_id = 1;
		we.fields = wf;
		we.n_fields = MM_ARRAY_SIZE(wf);
		memset(&le, 0, sizeof(le));
		le.src.product = "linux";
		le.src.service = "sshd";
		le.fields = lf;
		le.n_fields = MM_ARRAY_SIZE(lf);
		st = sigma_state_new(rs);
		if (st) {
			for (i = 0; i < 3; i++) {
				we.ts_us = (int64_t)i * 1000000;
				le.ts_us = (int64_t)i * 1000000;
				sigma_eval(rs, st, &we, on_match, NULL);
				sigma_eval(rs, st, &le, on_match, NULL);
			}
			sigma_flush(rs, st, on_match, NULL);
			sigma_state_free(st);
		}
	}
	sigma_ruleset_free(rs);
	return 0;
}
