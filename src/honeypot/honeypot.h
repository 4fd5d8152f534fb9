/*
 * honeypot.h — the honeypot: an exposed Docker Engine API (dockerd 20.10,
 * API 1.41) and a vulnerable Confluence Server (CVE-2019-3396), played
 * convincingly enough that real clients and bots go through their whole
 * sequence, recorded step by step, with alerts for deployments and
 * exploits. It never connects anywhere, never resolves a name, and never
 * runs or fetches anything an attacker sends: every "reply" is made up.
 *
 * Ownership: struct honeypot owns its emulated state (containers, images,
 * execs, capped) and borrows the struct mm_output it sends alerts to (the
 * caller frees it after honeypot_free()). Records (one JSON object per
 * event, Cowrie's shared keys; docs/honeypot.md) go to the record callback.
 *
 * Input: every byte from a connection or a replay file is hostile; limits
 * are in struct honeypot_config and what they drop is counted in struct
 * honeypot_stats and recorded.
 *
 * Threading: one thread. The server runs one libevent loop; sessions fed
 * from memory (replay, tests, fuzzing) use the same request path.
 */
#ifndef MM_HONEYPOT_H
#define MM_HONEYPOT_H

#include "core/core.h"

enum honeypot_service {
	HONEYPOT_DOCKER = 0,
	HONEYPOT_CONFLUENCE,
};

struct honeypot_config {
	const char *sensor;		/* sensor name (records, /info Name); copied */
	bool deterministic;		/* counters instead of random ids, no clock */
	uint32_t max_conns;		/* open connections in total */
	uint32_t max_per_ip;		/* open connections per source address */
	uint32_t max_headers;		/* header lines per request */
	uint32_t max_header_bytes;	/* request line + headers */
	uint32_t max_body;		/* body bytes kept (the rest is hashed, counted) */
	uint64_t max_body_total;	/* body bytes read at all before closing */
	uint32_t idle_ms;		/* keep-alive idle time */
	uint32_t request_ms;		/* time to receive one request (slowloris) */
	uint32_t lifetime_ms;		/* total time per connection */
	uint64_t mem_cap;		/* bytes buffered for requests, all sessions */
	uint32_t record_body_max;	/* body bytes written into a record */
};

/* Defaults: 20000 conns, 64 per IP, 100 headers, 32 KiB of headers, 64 KiB
 * kept body, 256 MiB read body, idle 120 s, request 20 s, lifetime 600 s,
 * 48 MiB buffered, 8 KiB of body in records. */
void honeypot_config_defaults(struct honeypot_config *c);

struct honeypot_stats {
	uint64_t connections, refused_total, refused_per_ip, closed_timeout;
	uint64_t requests, bad_requests, oversized_headers, truncated_bodies;
	uint64_t mem_refused, records, records_failed, alerts;
	uint64_t containers_evicted, images_evicted, execs_evicted;
};

/* One JSON object (no newline) per event; return non-zero on failure
 * (counted as records_failed). */
typedef int honeypot_record_fn(void *arg, const char *json, size_t len);
/* Bytes the emulation sends back on a session. */
typedef void honeypot_write_fn(void *arg, const void *data, size_t len);

struct honeypot;
struct honeypot_session;

/* Adds the honeypot's rules (mamori.honeypot.*) to cat; MM_EEXIST-safe. */
int honeypot_register_rules(struct mm_catalogue *cat);

/* cat: where rule entries live (registered here if missing); may be NULL
 * (the honeypot then keeps its own). out is borrowed; may be NULL. */
int honeypot_new(struct honeypot **hp, const struct honeypot_config *cfg,
		 struct mm_output *out, struct mm_catalogue *cat);
void honeypot_free(struct honeypot *hp);
void honeypot_set_record_fn(struct honeypot *hp, honeypot_record_fn *fn, void *arg);
/* Optional: called once per turn of the server's loop after records were
 * written (after every I/O callback of that turn), so a record writer may
 * buffer and write once per turn; without a server (replay, memory
 * sessions) it is called after every record. */
void honeypot_set_flush_fn(struct honeypot *hp, void (*fn)(void *arg), void *arg);
const struct honeypot_stats *honeypot_stats(const struct honeypot *hp);

/* A session fed from memory. Addresses are text ("192.0.2.1"). */
int honeypot_session_open(struct honeypot *hp, enum honeypot_service svc,
			  const char *src_ip, int src_port, const char *dst_ip, int dst_port,
			  honeypot_write_fn *write, void *warg, struct honeypot_session **out);
/* Feeds bytes from the peer. Returns 0 to go on, 1 when the session wants
 * to be closed (after what was written is sent), or an MM_E* code. */
int honeypot_session_feed(struct honeypot_session *s, const uint8_t *data, size_t len);
/* Records mamori.session.closed with reason and frees s. NULL is a no-op. */
void honeypot_session_close(struct honeypot_session *s, const char *reason);

/* Server: binds "ADDR:PORT" ("[::1]:2375" for IPv6; port 0 picks one).
 * bound (may be NULL) receives "ADDR:PORT" as bound; needs 64 bytes. */
int honeypot_listen(struct honeypot *hp, enum honeypot_service svc, const char *addr,
		    char *bound, struct mm_diag *diag);
/* Drops root to user (setgroups, setgid, setuid) and verifies root cannot
 * be regained. Not root: nothing to drop, returns 0. Returns MM_EPERM when
 * root cannot be dropped. */
int honeypot_drop_privileges(const char *user, struct mm_diag *diag);
/* Called on SIGHUP from the loop (reopen the record log). */
void honeypot_set_hup_fn(struct honeypot *hp, void (*fn)(void *arg), void *arg);
/* Runs the loop until SIGINT/SIGTERM, honeypot_stop(), or duration_ms
 * (0: no limit) has passed; then closes every session (records them). */
int honeypot_run(struct honeypot *hp, uint32_t duration_ms);
void honeypot_stop(struct honeypot *hp);

/* Feeds every request of a JSON lines file (the corpus attack format
 * {"record":{"method","url","headers","source","data"(Base64)}}, the
 * client capture format {"method","target","headers","body"}, or
 * {"method","path","headers","body"}, or the honeypot's own request
 * records) through the emulation, offline.
 * Lines that are not requests are counted in *skipped. */
int honeypot_replay(struct honeypot *hp, const char *path, uint64_t *requests,
		    uint64_t *skipped, struct mm_diag *diag);

/* Optional: called with the bytes of each inline Base64 (or Base64+gzip)
 * payload decoded from a request (bounded by the indicator caps: at most
 * HP_PAYLOADS_MAX = 4 per request, each at most 64 KiB), for a caller that
 * wants to analyse them further (the CLI hands them to the file engine).
 * name is "honeypot:<session>:<request>!decoded-N" (an exec's command
 * line itself: "...!cmd"); ts_us the request
 * time (0 with deterministic). The bytes are inert text: nothing runs.
 * The return value is ignored. */
typedef int honeypot_payload_fn(void *arg, const char *name, const uint8_t *data, size_t len,
				int64_t ts_us);
void honeypot_set_payload_fn(struct honeypot *hp, honeypot_payload_fn *fn, void *arg);

#endif
