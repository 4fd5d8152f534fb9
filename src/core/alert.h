/*
 * alert.h — the alert: one finding, in the one format every sensor emits.
 *
 * The JSON form is specified in docs/alerts.md (and docs/alert.schema.json);
 * mm_alert_to_json() writes the keys in exactly that order and omits absent
 * ones. A struct mm_alert borrows every string it points to: the engine that
 * fills it keeps them alive until mm_emit_alert() returns (the pipeline
 * serialises the alert before returning). Nothing here is retained.
 *
 * Evidence is free-form JSON an analyst needs to verify the alert by hand
 * (matched strings and offsets, frame numbers, record ids, the request body);
 * engines build it with the JSON writer and pass the text.
 */
#ifndef MM_ALERT_H
#define MM_ALERT_H

#include "core/buf.h"

enum mm_level {
	MM_LEVEL_INFORMATIONAL = 0,
	MM_LEVEL_LOW,
	MM_LEVEL_MEDIUM,
	MM_LEVEL_HIGH,
	MM_LEVEL_CRITICAL,
};
#define MM_LEVEL_COUNT 5

/* "informational", "low", ... */
const char *mm_level_name(enum mm_level l);
/* Parses a level name (case-insensitive, also "info", "crit"); -1 if none. */
int mm_level_parse(const char *s);
/* ECS event.severity default for a level: 21, 47, 63, 73, 99. */
int mm_level_severity(enum mm_level l);

#define MM_ALERT_MAX_LIST 8

/* Static description of a rule or built-in detector (see catalogue.h). */
struct mm_rule_meta;

struct mm_alert {
	/* when the activity happened, microseconds since the epoch; 0 = unknown
	 * (the key is then omitted) */
	int64_t timestamp_us;
	/* "files", "net", "logs", "honeypot" */
	const char *module;

	/* Rule: either point meta at a catalogue entry, or fill the fields;
	 * explicit fields win over meta. */
	const struct mm_rule_meta *meta;
	const char *rule_id;
	const char *rule_name;
	const char *ruleset;	/* "builtin", "yara", "sigma", "suricata", a file */
	const char *category;	/* "exploit", "miner", "bruteforce", ... */
	const char *references[MM_ALERT_MAX_LIST];	/* NULL-terminated */
	const char *techniques[MM_ALERT_MAX_LIST];	/* ATT&CK ids */
	const char *tactics[MM_ALERT_MAX_LIST];		/* ATT&CK tactic names */
	int has_level;		/* 0: take the level from meta */
	enum mm_level level;
	int severity;		/* 0: from the level */

	const char *family;	/* "xmrig", "eternalblue", ... */
	const char *reason;	/* one line for humans: why it fired */
	const char *evidence_json;	/* a JSON object, or NULL */

	const char *src_ip;
	int src_port;		/* -1/0 = absent */
	const char *dst_ip;
	int dst_port;
	const char *transport;	/* "tcp", "udp", "icmp" */
	const char *protocol;	/* "smb", "http", "stratum" */
	const char *community_id;

	const char *file_path;	/* for archive members: "outer.zip!inner/x.exe" */
	int64_t file_size;	/* -1 = absent */
	const char *file_sha256;	/* lowercase hex */

	const char *host_name;
	const char *user_name;
	const char *process_name;
	const char *url;
};

/* Sets every field to absent (ports 0, file_size -1). */
void mm_alert_init(struct mm_alert *a);

/* Resolved views used by sinks: explicit field, else meta's, else default
 * (rule id "unknown", rule name = rule id, level medium). */
const char *mm_alert_rule_id(const struct mm_alert *a);
const char *mm_alert_rule_name(const struct mm_alert *a);
enum mm_level mm_alert_level(const struct mm_alert *a);

struct mm_alert_json_opts {
	int64_t ingested_us;	/* 0: omit event.ingested (deterministic) */
	const char *observer_version;
	const char *default_host;	/* host.name when the alert has none */
};

/* Appends the alert as one JSON object (no newline), keys in the order of
 * DESIGN.md; absent values and empty objects are omitted (ports <= 0,
 * file_size < 0, NULL or empty evidence_json). module falls back to
 * meta->engine; event.severity to the level's; observer.version to
 * "0.1.0" when o->observer_version is NULL; o may be NULL. Returns 0,
 * MM_ELIMIT/MM_ENOMEM (buffer), never leaving a partial object in out. */
int mm_alert_to_json(const struct mm_alert *a, const struct mm_alert_json_opts *o,
		     struct mm_buf *out);

#endif
