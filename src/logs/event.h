/*
 * event.h — private to src/logs/: one normalised log record, the contract
 * between the readers (EVTX, Windows JSON, syslog, auditd, journald export)
 * and the Sigma engine.
 *
 * Field vocabulary: Windows events keep their Sysmon/Security names, with
 * the System fields named as Sigma rules use them: EventID, Channel,
 * Provider_Name, Computer, EventRecordID, Level, Task, Keywords,
 * TimeCreated, ProcessID, ThreadID, UserID (Security/UserID), and every
 * EventData/UserData value under its Name with spaces removed
 * (CommandLine, Image, ParentImage, TargetUserName, ScriptBlockText...).
 * Unnamed Data values: one is named Data; several are named Data1,
 * Data2..., and Data then holds all of them joined by newlines (so that
 * Data|contains matches any). A name may repeat within one event (auditd
 * "type" once per record type); log_event_get() returns the first. Linux
 * records use
 * the names documented in docs/logs.md (e.g. sshd: program, pid, message,
 * user, source_ip, outcome; auditd: type, syscall, exe, comm, CommandLine
 * for EXECVE a0..aN joined).
 *
 * Ownership: a reader owns every string; an event is valid until the
 * reader's next call. Threading: one reader per thread.
 */
#ifndef LOGS_EVENT_H
#define LOGS_EVENT_H

#include "core/core.h"

struct log_field {
	const char *name;
	const char *value;	/* UTF-8 (invalid bytes kept as they came) */
	uint32_t name_len;
	uint32_t value_len;
};

/* Sigma logsource for the record. */
struct log_source {
	const char *product;	/* "windows", "linux" */
	const char *service;	/* "security", "sysmon", "powershell",
				 * "system", "taskscheduler", "wmi", "sshd",
				 * "auth", "auditd", "syslog", "cron" ... */
	const char *category;	/* derived: "process_creation" (Sysmon 1,
				 * Security 4688), "ps_script" (4104),
				 * "file_event" (Sysmon 11)..., or NULL */
};

struct log_event {
	const char *format;	/* "evtx", "winjson", "syslog", "auditd", "journal" */
	struct log_source src;
	const char *channel;
	const char *provider;
	uint32_t event_id;	/* 0 = none */
	uint64_t record_id;	/* EVTX record id, or line number */
	int64_t ts_us;		/* 0 = unknown */
	const char *host;
	const char *origin;	/* the input's path */
	uint64_t offset;	/* byte offset of the record in the input */
	struct log_field *fields;
	size_t n_fields;
};

/* Value of a field (name compared case-insensitively); NULL if absent. */
const char *log_event_get(const struct log_event *e, const char *name, size_t *len);

#endif
