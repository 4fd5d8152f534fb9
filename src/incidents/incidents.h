/*
 * incidents.h — from alerts to incidents, reports, exports and the fleet
 * stream (the public header of src/incidents/).
 *
 * The module works on the store's database file (src/core/store.h): it
 * reads the `alerts` and `skips` tables and keeps its own tables next to
 * them (created with CREATE TABLE IF NOT EXISTS, names starting "inc_";
 * docs/incidents.md lists them):
 *   inc_state(name, value)                last alert id correlated
 *   inc_entities(id, role, kind, value, first_ts, last_ts, alerts)
 *                                          entities (role 0) and
 *                                          indicators (role 1), deduplicated
 *   inc_incidents(id, first_ts, last_ts, alerts, level, score, stages,
 *                 label, summary, updated)
 *   inc_alerts(alert_id, incident_id, ts, level, stage, step)
 *                                          each alert in exactly one incident
 *   inc_links(incident_id, entity_id)     what an incident concerns/carries
 *   inc_keys(key, incident_id, last_ts)   the latest incident of each
 *                                          correlation key
 *   inc_aliases(ip, host)                 addresses known to be a host
 *   inc_fleet(incident_id, version, digest)
 *                                          incident updates pushed to Redis
 *   inc_collected(stable_id, received)    (central) stream records stored
 *   inc_remote(store, incident_id, version, sensor, deleted, received, json)
 *                                          (central) the sensors' incidents
 *
 * Correlation is incremental: incident_db_correlate() takes the alerts
 * added since the last call, in chunks, each chunk in time order, and puts
 * each into the incident that shares a correlation key with it (host name,
 * victim-side IP, file hash, container image) and whose time span is within
 * the window; several such incidents are merged. Alerts are never
 * re-assigned except by a merge, so an alert is always in one incident.
 *
 * Threading: one struct incident_db per thread. Library code never prints.
 */
#ifndef MM_INCIDENTS_H
#define MM_INCIDENTS_H

#include "core/core.h"

/* Default grouping window (seconds) and the config key that changes it. */
#define INCIDENTS_WINDOW_DEFAULT 86400
#define INCIDENTS_WINDOW_KEY "incidents.window"

/* The module's configuration keys, for mm_config_declare() (the program
 * declares them so that `--set incidents.window=N` and mamori.yaml work). */
extern const struct mm_config_default incidents_config_defaults[];

struct incident_db;

/* Opens the database (creating the module's tables; the store's tables
 * must exist or are created by mm_store_open first). */
int incident_db_open(struct incident_db **out, const char *path, struct mm_diag *diag);
void incident_db_close(struct incident_db *db);

struct incidents_stats {
	uint64_t alerts;		/* alerts correlated by this call */
	uint64_t incidents_new;
	uint64_t incidents_merged;	/* incidents folded into another */
	uint64_t incidents_touched;	/* incidents whose record was rewritten */
	uint64_t entities;		/* distinct entities+indicators seen */
	uint64_t dropped;		/* values over a cap, not recorded */
	uint64_t bad_json;		/* alerts whose JSON did not parse */
};

/* Declares that address ip belongs to the host named host (kept in the
 * store, table inc_aliases): from then on the address and the name are one
 * correlation key. Alerts already correlated are not revisited. */
int incident_db_alias(struct incident_db *db, const char *host, const char *ip,
		      struct mm_diag *diag);

/* Correlates every alert not yet in an incident. window_us <= 0 takes the
 * default. stats may be NULL. */
int incident_db_correlate(struct incident_db *db, int64_t window_us,
			  struct incidents_stats *stats, struct mm_diag *diag);

/* One call for the integrator (end of `mamori scan`): opens db_path,
 * correlates with the window of cfg's "incidents.window" (seconds; cfg may
 * be NULL), closes. */
int incidents_update(const char *db_path, const struct mm_config *cfg, struct mm_diag *diag);

/* Incident records as JSON objects (docs/incidents.md), highest score
 * first, then newest; since_us: last seen at or after; min_score: at
 * least. fn returning non-zero stops (and is returned). */
typedef int incidents_json_fn(void *arg, const char *json, size_t len);
int incident_db_each(struct incident_db *db, int64_t since_us, int min_score,
		     incidents_json_fn *fn, void *arg);
/* One line per incident for a terminal, appended to out. */
int incident_db_text(struct incident_db *db, int64_t since_us, int min_score,
		     struct mm_buf *out);

/* Reports and exports, appended to out (since_us: alerts at or after). */
int incidents_report_html(struct incident_db *db, int64_t since_us, struct mm_buf *out);
int incidents_report_text(struct incident_db *db, int64_t since_us, struct mm_buf *out);
int incidents_export_stix(struct incident_db *db, int64_t since_us, struct mm_buf *out);
int incidents_export_attack(struct incident_db *db, int64_t since_us, struct mm_buf *out);

/* Deterministic UUIDv5 (RFC 4122, SHA-1) of name in namespace ns (16
 * bytes); out gets 37 bytes "xxxxxxxx-xxxx-5xxx-yxxx-xxxxxxxxxxxx". */
void incidents_uuid5(const uint8_t ns[16], const char *name, size_t len, char out[37]);

/* The stable id of an alert: lowercase hex SHA-256 of its JSON with the
 * event.ingested member removed (so a re-sent alert has the same id).
 * out needs 65 bytes. */
int incidents_stable_id(const char *json, size_t len, char out[65]);

/* ---- fleet output (redis.c) ---- */

/* "redis://HOST[:PORT][/STREAM]" (also "HOST:PORT", "[::1]:PORT"); the
 * stream key defaults to "mamori:alerts", the port to 6379. */
int incidents_redis_url(const char *url, char *host, size_t host_cap, int *port, char *key,
			size_t key_cap);

/* A sink (core output.h) that appends every alert to the Redis stream of
 * url (XADD MAXLEN ~ 1000000, fields type, id, json; id = the stable id),
 * through the spool file spool_path (and spool_path.ack): nothing is lost
 * while Redis is away, nothing is added twice. The caller adds it with
 * mm_output_add(). Fails only on a bad URL or an unusable spool; an
 * unreachable Redis is not an error (records wait in the spool). */
int incidents_redis_sink_open(const char *url, const char *spool_path, struct mm_sink *out,
			      struct mm_diag *diag);

struct incidents_push_stats {
	uint64_t updates;	/* new or changed incidents pushed */
	uint64_t deleted;	/* incidents gone (merged, regrouped) pushed as deleted */
	uint64_t unchanged;	/* recomputed, same content: not pushed */
	bool pending;		/* records still in the spool (Redis away) */
};

/* Incident updates on the fleet stream (call after incidents_update()):
 * one record of type "incident" per incident of db_path whose content
 * changed since the last call (docs/incidents.md: fields, version, stable
 * id), through the same spool as the alerts' sink (spool_path), after
 * what the spool already holds. sensor: this host's name (may be NULL).
 * An unreachable Redis is not an error (the records wait in the spool). */
int incidents_redis_push_incidents(const char *url, const char *spool_path, const char *db_path,
				   const char *sensor, struct incidents_push_stats *st,
				   struct mm_diag *diag);

struct incidents_collect_opts {
	const char *stream;	/* NULL: from the URL */
	const char *group;	/* NULL: "mamori" */
	const char *consumer;	/* NULL: "collector" */
	int block_ms;		/* XREADGROUP BLOCK; <= 0: 1000 */
	int idle_ms;		/* stop after this long without entries; < 0: never */
	volatile int *stop;	/* set non-zero (e.g. by a signal) to stop */
};

struct incidents_collect_stats {
	uint64_t stored;	/* alerts added to the store */
	uint64_t duplicates;	/* already there (same stable id) */
	uint64_t acked;		/* stream entries acknowledged */
	uint64_t bad;		/* entries without type/id/json, or bad JSON */
	uint64_t other;		/* entries of another type */
	uint64_t incidents;	/* incident updates stored (newer versions) */
	uint64_t incident_dups;	/* incident updates already stored (same stable id) */
	uint64_t incident_stale;	/* older than the version stored: ignored */
};

/* Reads the stream as a consumer group into the store at db_path: own
 * pending entries first, then new ones; each batch committed, then
 * XACKed. Alerts go to the store's alerts; incident updates to
 * inc_remote (one row per sensor store and incident, the highest version
 * wins). Returns when o->stop is set or after idle_ms without entries. */
int incidents_collect(const char *url, const char *db_path, const struct incidents_collect_opts *o,
		      struct incidents_collect_stats *st, struct mm_diag *diag);

#endif
