/*
 * internal.h — private declarations of the honeypot module: the session and
 * request state (http.c), the emulated daemon's objects (docker.c), the
 * record and alert writers (records.c), indicator extraction
 * (indicators.c) and the server's hook (server.c).
 *
 * Ownership: struct honeypot owns everything here; a struct hp_session is
 * owned by whoever opened it (server connection, replay, fuzz target).
 * Threading: one thread, no locks.
 */
#ifndef MM_HONEYPOT_INTERNAL_H
#define MM_HONEYPOT_INTERNAL_H

#include "honeypot/honeypot.h"

#include <http_parser.h>

#define HP_MAX_URL 8192
#define HP_MAX_CONTAINERS 256
#define HP_MAX_IMAGES 128
#define HP_MAX_EXECS 256
#define HP_DEDUPE 256
#define HP_MAX_REPLY 2048	/* fake command output */
#define HP_SENSOR_MAX 128

enum hp_rule {
	HP_RULE_HOSTMOUNT = 0,
	HP_RULE_PRIVILEGED,
	HP_RULE_CREATE,
	HP_RULE_EXEC,
	HP_RULE_PULL,
	HP_RULE_RECON,
	HP_RULE_BUILD,
	HP_RULE_CONFLUENCE,
	HP_RULE_COUNT
};

enum hp_cstate { HP_CREATED = 0, HP_RUNNING, HP_EXITED };

struct hp_container {
	char id[65];
	char name[48];
	char image[256];
	char image_id[72];
	char *cmd_json;		/* JSON array text or "null", owned */
	char *entrypoint_json;
	char *binds_json;
	char *reply;		/* fake output, owned */
	bool privileged, tty;
	enum hp_cstate state;
	int64_t created_us, started_us;
	uint64_t seq;
};

struct hp_image {
	char name[256];		/* normalised "alpine:latest" */
	char id[72];		/* "sha256:<64 hex>" */
	int64_t created_us;
	uint64_t seq;
};

struct hp_exec {
	char id[65];
	char container[65];
	char *reply;
	bool tty, ran;
	uint64_t seq;
};

struct hp_dedupe {
	char src_ip[64];
	uint8_t key[32];
};

struct hp_server;

struct honeypot {
	struct honeypot_config cfg;
	char sensor[HP_SENSOR_MAX];
	struct mm_output *out;
	struct mm_catalogue *cat;
	bool own_cat;
	const struct mm_rule_meta *rules[HP_RULE_COUNT];
	honeypot_record_fn *record_fn;
	void *record_arg;
	void (*hup_fn)(void *);
	void *hup_arg;
	struct honeypot_stats stats;
	uint64_t next_session, next_object;
	uint8_t secret[32];	/* seeds ids; fixed when deterministic */
	char daemon_id[80];
	char hostname[32];
	struct hp_container containers[HP_MAX_CONTAINERS];
	size_t n_containers;
	struct hp_image images[HP_MAX_IMAGES];
	size_t n_images;
	struct hp_exec execs[HP_MAX_EXECS];
	size_t n_execs;
	struct hp_dedupe dedupe[HP_DEDUPE];
	size_t dedupe_next;
	struct mm_buf rec;	/* record scratch */
	struct mm_buf resp;	/* response scratch */
	struct mm_buf scratch;	/* bodies, evidence */
	uint64_t mem_used;
	struct hp_server *srv;
	struct hp_req *req_scratch;	/* the request being dispatched */
	int64_t date_sec;
	char date[40];
	bool records_dirty;
	void (*flush_fn)(void *);
	void *flush_arg;
	honeypot_payload_fn *payload_fn;	/* decoded payloads, or NULL */
	void *payload_arg;
};

/* One HTTP request being received. Header lines are kept as
 * "name\0value\0" pairs in hdrs. */
struct hp_request {
	struct mm_buf url;
	struct mm_buf hdrs;
	struct mm_buf body;
	uint32_t n_headers;
	int last_cb;		/* 0 none, 1 field, 2 value */
	uint64_t body_total;
	struct mm_sha256 sha;
	bool sha_open;
	bool started;
	int64_t started_us;
	size_t accounted;	/* bytes counted in honeypot.mem_used */
};

struct hp_session {
	struct honeypot *hp;
	enum honeypot_service svc;
	char id[17];
	char src_ip[64], dst_ip[64];
	int src_port, dst_port;
	http_parser parser;
	http_parser_settings *settings;
	honeypot_write_fn *write;
	void *warg;
	int64_t opened_us;
	uint64_t requests;
	bool closing;
	int error_status;	/* set by a callback that refused the request */
	bool recon_alerted;
	struct hp_request req;
};

/* A parsed request, borrowed views into struct hp_request. */
struct hp_req {
	const char *method;
	const char *target;	/* raw URL as sent */
	char path[HP_MAX_URL];	/* percent-decoded path without query */
	const char *query;	/* after '?', or "" */
	char api_version[16];	/* "1.41" from /v1.41/, or "" */
	const char *rest;	/* path without the version prefix */
	const char *user_agent, *content_type, *host;
	bool upgrade;		/* Connection: Upgrade + Upgrade: tcp */
	bool head;
	const uint8_t *body;
	size_t body_len;
	uint64_t body_total;
	bool body_truncated;
	char body_sha256[65];
};

/* What a handler answered, for the request record. */
struct hp_reply_info {
	int status;
	const char *eventid;	/* specific event beyond the request, or NULL */
};

/* http.c */
const char *hp_header(const struct hp_request *r, const char *name);
/* Writes a full response. ctype NULL: none. flags: HP_R_* */
#define HP_R_DOCKER 1u		/* dockerd's headers */
#define HP_R_CLOSE 2u		/* Connection: close, then close */
#define HP_R_NOBODY 4u		/* HEAD: headers only (Content-Length kept) */
void hp_reply(struct hp_session *s, int status, const char *ctype, const char *extra,
	      const void *body, size_t len, unsigned flags);
/* Percent-decodes src[0..len) into dst (cap bytes, NUL-terminated). */
void hp_url_decode(const char *src, size_t len, char *dst, size_t cap);
/* The value of key in an URL query (decoded into out); false if absent. */
bool hp_query_get(const char *query, const char *key, char *out, size_t cap);
void hp_http_date(int64_t us, char out[40]);

/* docker.c, confluence.c */
void docker_handle(struct hp_session *s, const struct hp_req *q, struct hp_reply_info *ri);
void confluence_handle(struct hp_session *s, const struct hp_req *q,
		       struct hp_reply_info *ri);
void docker_state_release(struct honeypot *hp);

/* records.c */
struct mm_json;
/* Starts a record with the shared keys; the caller adds fields and calls
 * hp_record_end(). */
void hp_record_begin(struct hp_session *s, struct mm_json *j, const char *eventid,
		     const char *message);
void hp_record_end(struct hp_session *s, struct mm_json *j);
/* The request record (method, path, version, agent, headers, body). */
void hp_record_request(struct hp_session *s, const struct hp_req *q,
		       const struct hp_reply_info *ri);
/* Adds the request's common fields to an open record or evidence object. */
void hp_json_request(struct honeypot *hp, struct mm_json *j, const struct hp_req *q);
/* The same without the body (events that follow the request record and
 * link to it by body_sha256). */
void hp_json_request_brief(struct honeypot *hp, struct mm_json *j, const struct hp_req *q);
int hp_alert(struct hp_session *s, enum hp_rule rule, int level, const char *reason,
	     const char *evidence, const char *url);
void hp_session_id(struct honeypot *hp, char out[17]);
/* 64 hex of a new object id. */
void hp_new_id(struct honeypot *hp, const char *kind, char out[65]);
int64_t hp_now(const struct honeypot *hp);
/* True if (src_ip, key) was seen recently; remembers it otherwise. */
bool hp_dedupe_seen(struct honeypot *hp, const char *src_ip, const void *key, size_t len);
/* Hands the decoded payloads of in (at most HP_PAYLOADS_MAX) to the
 * payload hook, if one is set. */
#define HP_PAYLOADS_MAX 4
struct hp_ind;
void hp_payloads(struct hp_session *s, const struct hp_ind *in);
/* Hands one request text (an exec command line) to the payload hook as
 * honeypot:<session>:<request>!<what>. */
void hp_payload_text(struct hp_session *s, const char *what, const char *text, size_t len);

/* indicators.c */
#define HP_IND_MAX 32
struct hp_strset {
	char *v[HP_IND_MAX];
	const char *tag[HP_IND_MAX];	/* static, e.g. the coin name */
	size_t n, dropped;
};
struct hp_ind {
	struct hp_strset urls, ips, domains, wallets, images, decoded;
	unsigned decode_budget;
};
void hp_ind_init(struct hp_ind *in);
void hp_ind_release(struct hp_ind *in);
void hp_ind_scan(struct hp_ind *in, const char *text, size_t len);
void hp_ind_add(struct hp_strset *s, const char *v, size_t len, const char *tag);
/* Writes "indicators":{...} into an open object. */
void hp_ind_json(const struct hp_ind *in, struct mm_json *j);
bool hp_ind_empty(const struct hp_ind *in);
/* Makes "alpine" "alpine:latest", drops "docker.io/" and "library/". */
void hp_image_normalise(const char *in, char *out, size_t cap);

/* server.c */
void hp_server_free(struct hp_server *srv);
/* Records were written: the server flushes them once per loop turn. */
void hp_records_written(struct honeypot *hp);

#endif
