/*
 * test_syslog.c — the syslog reader: RFC 3164 with and without year,
 * ISO-stamped lines, RFC 5424 with structured data, and the sshd, sudo,
 * pam_unix and cron messages parsed into fields; "message repeated N
 * times" expanded; lines that are not syslog skipped; over-long lines
 * skipped to the next newline.
 */
#include "core/compat.h"
#include "logs_test_util.h"

#include <unistd.h>
#include <setjmp.h>
#include <cmocka.h>

struct want {
	const char *line;
	const char *service;
	const char *fields[12];		/* name, value, ..., NULL */
};

static const struct want table[] = {
	{ "Dec 10 06:55:46 LabSZ sshd[24200]: Invalid user webmaster from 203.0.113.9",
	  "sshd", { "program", "sshd", "pid", "24200", "host", "LabSZ", "user", "webmaster",
		    "source_ip", "203.0.113.9", "event_type", "invalid_user" } },
	{ "Feb 20 08:35:22 slave22 sshd[5774]: Failed password for root from 198.51.100.7 port 29160 ssh2",
	  "sshd", { "user", "root", "source_ip", "198.51.100.7", "source_port", "29160",
		    "auth_method", "password", "outcome", "failure", "event_type", "failed" } },
	{ "Feb 20 08:35:22 h sshd[1]: Failed password for invalid user admin from 198.51.100.7 port 2 ssh2",
	  "sshd", { "user", "admin", "invalid_user", "true", "source_ip", "198.51.100.7",
		    "event_type", "failed", NULL } },
	{ "Feb 23 00:13:35 localhost sshd[7483]: Accepted publickey for vagrant from 192.0.2.1 port 58803 ssh2: RSA 39:33",
	  "sshd", { "user", "vagrant", "auth_method", "publickey", "outcome", "success",
		    "source_ip", "192.0.2.1", NULL } },
	{ "Mar  1 10:00:00 h sshd[9]: Connection closed by authenticating user root 192.0.2.5 port 4444 [preauth]",
	  "sshd", { "user", "root", "source_ip", "192.0.2.5", "source_port", "4444",
		    "event_type", "connection_closed", NULL } },
	{ "Dec 10 06:55:46 LabSZ sshd[24200]: pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=203.0.113.9  user=root",
	  "sshd", { "pam_module", "pam_unix", "pam_service", "sshd", "pam_type", "auth",
		    "source_ip", "203.0.113.9", "user", "root", "event_type", "pam_auth_failure" } },
	{ "Feb 21 23:35:33 localhost sudo: vagrant : TTY=pts/0 ; PWD=/home/vagrant ; USER=root ; COMMAND=/bin/cat /var/log/secure",
	  "sudo", { "user", "vagrant", "TTY", "pts/0", "PWD", "/home/vagrant", "USER", "root",
		    "COMMAND", "/bin/cat /var/log/secure", NULL } },
	{ "Feb 24 00:13:02 precise32 sudo:      tsg : user NOT in sudoers ; TTY=pts/1 ; PWD=/home/vagrant ; USER=root ; COMMAND=/bin/ls",
	  "sudo", { "user", "tsg", "reason", "user NOT in sudoers", "COMMAND", "/bin/ls", NULL } },
	{ "Jan  5 2023 04:05:06 box CRON[77]: (root) CMD (/tmp/.x/xmrig --donate-level 1)",
	  "cron", { "user", "root", "command", "/tmp/.x/xmrig --donate-level 1",
		    "event_type", "cron_command", NULL } },
	{ "2024-03-01T12:00:01.123456+01:00 web1 su[300]: pam_unix(su:session): session opened for user root by bob(uid=1000)",
	  "auth", { "pam_service", "su", "pam_type", "session", "user", "root",
		    "event_type", "session_opened", NULL } },
	{ "<34>1 2024-03-01T12:00:00Z mymachine.example.com sshd 812 ID47 [exampleSDID@32473 iut=\"3\" eventSource=\"App\\\"x\"] Invalid user bob from 192.0.2.77",
	  "sshd", { "host", "mymachine.example.com", "pid", "812", "msgid", "ID47",
		    "sd_id", "exampleSDID@32473", "iut", "3", "eventSource", "App\"x" } },
	{ "<13>Feb  5 17:32:18 10.0.0.99 myapp: hello world",
	  "syslog", { "program", "myapp", "facility", "1", "severity", "5",
		    "message", "hello world", NULL } },
};

static void test_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < MM_ARRAY_SIZE(table); i++) {
		struct lt_run run;

		lt_run_str(&run, MM_KIND_SYSLOG, table[i].line);
		if (run.n != 1)
			fail_msg("line %zu: %zu events", i, run.n);
		assert_string_equal(run.ev[0].product, "linux");
		if (strcmp(run.ev[0].service, table[i].service) != 0)
			fail_msg("line %zu: service %s", i, run.ev[0].service);
		for (size_t k = 0; k + 1 < MM_ARRAY_SIZE(table[i].fields) && table[i].fields[k];
		     k += 2) {
			const char *v = lt_get(&run, 0, table[i].fields[k]);

			if (!v || strcmp(v, table[i].fields[k + 1]) != 0)
				fail_msg("line %zu: %s = '%s', want '%s'", i, table[i].fields[k],
					 v ? v : "(absent)", table[i].fields[k + 1]);
		}
		lt_run_free(&run);
	}
}

static void test_timestamps(void **state)
{
	struct lt_run run;

	(void)state;
	/* no year: the reader's year (2024 in the helper) */
	lt_run_str(&run, MM_KIND_SYSLOG,
		   "Feb 20 08:35:22 h sshd[1]: x\n"
		   "Jan  5 2023 04:05:06 h sshd[1]: y\n"
		   "2024-03-01T12:00:01.5+01:00 h sshd[1]: z\n"
		   "<34>1 2024-03-01T12:00:00.25Z h app - - - m\n");
	assert_int_equal(run.n, 4);
	assert_int_equal(run.ev[0].ts_us, INT64_C(1708418122000000));
	assert_int_equal(run.ev[1].ts_us, INT64_C(1672891506000000));
	assert_int_equal(run.ev[2].ts_us, INT64_C(1709290801500000));
	assert_int_equal(run.ev[3].ts_us, INT64_C(1709294400250000));
	assert_int_equal(run.ev[2].record_id, 3);	/* the line number */
	lt_run_free(&run);
}

static void test_repeated(void **state)
{
	struct lt_run run;

	(void)state;
	lt_run_str(&run, MM_KIND_SYSLOG,
		   "Feb 20 08:35:22 h sshd[1]: Failed password for root from 192.0.2.1 port 1 ssh2\n"
		   "Feb 20 08:35:40 h sshd[1]: message repeated 4 times: [ Failed password for root from 192.0.2.1 port 1 ssh2]\n"
		   "Feb 20 08:36:00 h sshd[2]: Invalid user x from 192.0.2.1\n");
	assert_int_equal(run.n, 6);
	for (size_t i = 1; i < 5; i++) {
		assert_string_equal(lt_get(&run, i, "event_type"), "failed");
		assert_string_equal(lt_get(&run, i, "user"), "root");
		assert_string_equal(lt_get(&run, i, "repeated"), "4");
		assert_int_equal(run.ev[i].record_id, 2);
	}
	assert_string_equal(lt_get(&run, 5, "event_type"), "invalid_user");
	lt_run_free(&run);
}

static void test_not_syslog_and_long_lines(void **state)
{
	struct lt_run run;
	size_t big = LOG_MAX_LINE + 100;
	char *text = malloc(big + 200);
	size_t o = 0;

	(void)state;
	assert_non_null(text);
	o += (size_t)sprintf(text, "garbage line\n");
	memset(text + o, 'A', big);
	o += big;
	o += (size_t)sprintf(text + o, "\nFeb 20 08:35:22 h sshd[1]: after\n");
	lt_run_mem(&run, MM_KIND_SYSLOG, (const uint8_t *)text, o);
	assert_int_equal(run.n, 1);
	assert_string_equal(lt_get(&run, 0, "message"), "after");
	assert_int_equal(run.st.lines_skipped, 1);
	assert_int_equal(run.st.lines_too_long, 1);
	assert_int_equal(run.ev[0].record_id, 3);
	lt_run_free(&run);
	free(text);
}

/* The same through a file descriptor: a line over the cap that fills the
 * buffer several times is skipped and counted once. */
static void test_fd_long_line(void **state)
{
	char path[] = "/tmp/mamori-syslog-XXXXXX";
	int fd = mkstemp(path);
	FILE *f;
	struct log_reader *r = NULL;
	struct log_event ev;
	int n = 0;

	(void)state;
	assert_true(fd >= 0);
	f = fdopen(dup(fd), "w");
	assert_non_null(f);
	fputs("Feb 20 08:35:22 h sshd[1]: Invalid user a from 192.0.2.1\n", f);
	for (int i = 0; i < 3 * 1024 * 1024; i++)
		fputc('A', f);
	fputs("\nFeb 20 08:35:23 h sshd[1]: Invalid user b from 192.0.2.1", f);
	fclose(f);
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);	/* the offset dup() shares */
	assert_int_equal(log_reader_open_fd(&r, MM_KIND_SYSLOG, fd, NULL, NULL), 0);
	while (log_reader_next(r, &ev) == 1)
		n++;
	assert_int_equal(n, 2);
	assert_int_equal(log_reader_stats(r)->lines_too_long, 1);
	log_reader_free(r);
	close(fd);
	unlink(path);
}

static void test_stream_feed(void **state)
{
	static const char text[] = "Feb 20 08:35:22 h sshd[1]: Invalid user a from 192.0.2.1\n"
				   "Feb 20 08:35:23 h sshd[1]: Invalid user b from 192.0.2.1";
	struct log_reader *r = NULL;
	struct log_event ev;

	(void)state;
	assert_int_equal(log_reader_open_stream(&r, MM_KIND_SYSLOG, NULL), 0);
	/* bytes arrive in pieces; an event only once its line is complete */
	assert_int_equal(log_reader_feed(r, (const uint8_t *)text, 20), 0);
	assert_int_equal(log_reader_next(r, &ev), 0);
	assert_int_equal(log_reader_feed(r, (const uint8_t *)text + 20, sizeof(text) - 21), 0);
	assert_int_equal(log_reader_next(r, &ev), 1);
	assert_string_equal(log_event_get(&ev, "user", NULL), "a");
	assert_int_equal(log_reader_next(r, &ev), 0);	/* second line has no newline yet */
	log_reader_finish(r);
	assert_int_equal(log_reader_next(r, &ev), 1);
	assert_string_equal(log_event_get(&ev, "user", NULL), "b");
	assert_int_equal(log_reader_next(r, &ev), 0);
	log_reader_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_timestamps),
		cmocka_unit_test(test_repeated),
		cmocka_unit_test(test_not_syslog_and_long_lines),
		cmocka_unit_test(test_fd_long_line),
		cmocka_unit_test(test_stream_feed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
