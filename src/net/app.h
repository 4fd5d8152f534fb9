/*
 * app.h — private to src/net/: the contract between the flow/reassembly
 * layer, the application-layer parsers, the built-in detectors and the
 * rule engine (Suricata syntax). Three groups of files meet here and each
 * is owned by one part of the engine:
 *
 *   flow layer (decode.c, flow.c, reasm.c, engine.c): owns struct net_ctx
 *     and struct net_flow; feeds parsers in-order stream bytes or
 *     datagrams; calls net_rules_* for packets and streams.
 *   parsers (app_<proto>.c): each defines
 *       const struct app_parser app_parser_<proto>;
 *     src/net/CMakeLists.txt generates the table app_parsers[] from the
 *     app_*.c files present, so adding a parser touches no shared file.
 *     Parsers hand finished transactions to net_inspect_tx() (rules) and
 *     report authentications with net_auth_report() (brute-force detector).
 *   rule engine (rules_*.c): implements net_rules_*.
 *
 * Ownership: everything a parser receives (data, flow info, tx buffers) is
 * borrowed for the duration of the call. Threading: one struct net_ctx per
 * input (pcap file or live capture), used by one thread; the loaded rule
 * set (struct net_rules) is shared read-only by all.
 */
#ifndef NET_APP_H
#define NET_APP_H

#include "core/core.h"

enum app_dir { APP_TO_SERVER = 0, APP_TO_CLIENT = 1 };

/* Read-only view of a flow for parsers and detectors. "src" is the side
 * that opened the flow (the client), or the best guess when picked up
 * midstream (lower port is the server unless the handshake was seen). */
struct net_flow_info {
	uint64_t id;		/* unique within the input */
	uint8_t ip_version;	/* 4 or 6 */
	uint8_t proto;		/* IPPROTO_TCP, IPPROTO_UDP, ... */
	uint8_t src_addr[16], dst_addr[16];
	char src_ip[48], dst_ip[48];
	uint16_t src_port, dst_port;
	char community_id[64];
	int64_t first_ts_us;
	bool midstream;		/* no handshake seen */
	bool src_in_home_net, dst_in_home_net;
};

struct net_ctx;			/* per-input engine state, owned by engine.c */
struct net_flow;		/* owned by flow.c */

/* Passed to every parser callback. */
struct app_ctx {
	struct net_ctx *net;
	struct net_flow *flow;
	const struct net_flow_info *info;
	struct mm_scan_ctx *scan;
	int64_t ts_us;		/* time of the packet that delivered the data */
	uint64_t frame;		/* 1-based frame number of that packet in the capture */
};

/* Result of a probe. */
#define APP_PROBE_NO 0		/* certainly not this protocol */
#define APP_PROBE_MAYBE 1	/* need more bytes to say */
#define APP_PROBE_YES 2

struct app_parser {
	const char *name;	/* "http", "smb", "ssh", "ftp", "telnet", "rdp",
				 * "dns", "tls", "stratum" */
	uint8_t proto;		/* IPPROTO_TCP or IPPROTO_UDP (dns: both; see
				 * udp_too) */
	bool udp_too;
	/* Decides by content, not port (the port may be a hint). data is the
	 * first bytes seen in one direction (up to 1 KiB). */
	int (*probe)(const uint8_t *data, size_t len, enum app_dir dir,
		     const struct net_flow_info *f);
	void *(*session_new)(const struct app_ctx *ctx);
	void (*session_free)(void *s);
	/* TCP: in-order stream bytes of one direction (any split); UDP: one
	 * datagram. Returns 0, or a negative MM_E* when the parser gives up on
	 * the flow (it is then detached and the flow counted as unparsed). */
	int (*data)(void *s, struct app_ctx *ctx, enum app_dir dir, const uint8_t *data,
		    size_t len);
	/* len bytes were lost in dir (capture loss or reassembly limit): the
	 * parser resynchronises if the protocol allows, else returns an error. */
	int (*gap)(void *s, struct app_ctx *ctx, enum app_dir dir, uint64_t len);
	/* The flow ended (FIN/RST, timeout, end of capture). */
	void (*close)(void *s, struct app_ctx *ctx);
};

extern const struct app_parser *const app_parsers[];	/* generated, NULL-terminated */

/*
 * Buffers a transaction exposes to rules (Suricata sticky buffers). A
 * parser fills the ones it has and leaves the others {NULL,0}.
 */
#define NET_BUF_MAP(X)                                  \
	X(HTTP_METHOD, "http.method")                   \
	X(HTTP_URI, "http.uri")                         \
	X(HTTP_URI_RAW, "http.uri.raw")                 \
	X(HTTP_HEADER, "http.header")                   \
	X(HTTP_HEADER_RAW, "http.header.raw")           \
	X(HTTP_HOST, "http.host")                       \
	X(HTTP_USER_AGENT, "http.user_agent")           \
	X(HTTP_COOKIE, "http.cookie")                   \
	X(HTTP_REQUEST_BODY, "http.request_body")       \
	X(HTTP_STAT_CODE, "http.stat_code")             \
	X(HTTP_STAT_MSG, "http.stat_msg")               \
	X(HTTP_RESPONSE_BODY, "http.response_body")     \
	X(HTTP_CONTENT_TYPE, "http.content_type")       \
	X(HTTP_PROTOCOL, "http.protocol")               \
	X(HTTP_REQUEST_LINE, "http.request_line")       \
	X(HTTP_RESPONSE_LINE, "http.response_line")     \
	X(FILE_DATA, "file.data")                       \
	X(DNS_QUERY, "dns.query")                       \
	X(TLS_SNI, "tls.sni")                           \
	X(TLS_CERT_SUBJECT, "tls.cert_subject")         \
	X(TLS_CERT_ISSUER, "tls.cert_issuer")           \
	X(TLS_CERT_SERIAL, "tls.cert_serial")           \
	X(TLS_CERT_FINGERPRINT, "tls.cert_fingerprint") \
	X(TLS_CERTS, "tls.certs")                       \
	X(JA3_HASH, "ja3.hash")                         \
	X(JA3_STRING, "ja3.string")                     \
	X(JA3S_HASH, "ja3s.hash")                       \
	X(SSH_PROTO, "ssh.proto")                       \
	X(SSH_SOFTWARE, "ssh.software")

enum net_buf {
#define NET_BUF_ENUM(name, text) NET_BUF_##name,
	NET_BUF_MAP(NET_BUF_ENUM)
#undef NET_BUF_ENUM
	NET_BUF_COUNT
};

struct net_tx {
	const char *app_proto;		/* the parser's name */
	enum app_dir dir;		/* direction that completed the tx */
	struct mm_slice buf[NET_BUF_COUNT];
	uint64_t frame;			/* frame that completed it */
};

/* Parsers call this for every finished transaction (an HTTP request, then
 * its response as a second call with dir APP_TO_CLIENT, a DNS query, a TLS
 * ClientHello...). Implemented in engine.c; runs the rule engine if rules
 * are loaded. */
void net_inspect_tx(struct app_ctx *ctx, const struct net_tx *tx);

/* Parsers call this for every authentication outcome they can see.
 * Implemented by the brute-force detector (detect_bruteforce.c). */
enum net_auth_result { NET_AUTH_FAILURE, NET_AUTH_SUCCESS, NET_AUTH_ATTEMPT };
void net_auth_report(struct app_ctx *ctx, const char *service, enum net_auth_result r,
		     const char *user, size_t user_len);

/* A transaction-log record (--log http,dns,...): a no-op when not wanted.
 * type is the parser name; json one object. */
void net_log_record(struct app_ctx *ctx, const char *type, const char *json, size_t len);

/* Per-flow storage slots that other parts may use (e.g. flowbits, the
 * brute-force detector's per-flow state); owned by whoever sets them, freed
 * through the free function when the flow ends. */
enum net_flow_slot { NET_SLOT_RULES, NET_SLOT_BRUTEFORCE, NET_SLOT_COUNT };
void *net_flow_slot(struct net_flow *f, enum net_flow_slot slot);
void net_flow_slot_set(struct net_flow *f, enum net_flow_slot slot, void *p,
		       void (*free_fn)(void *));

/* Per-input engine-wide slots (the brute-force windows, etc.). */
enum net_ctx_slot { NET_CTX_BRUTEFORCE, NET_CTX_MINING, NET_CTX_COUNT };
void *net_ctx_slot(struct net_ctx *n, enum net_ctx_slot slot);
void net_ctx_slot_set(struct net_ctx *n, enum net_ctx_slot slot, void *p,
		      void (*free_fn)(void *));
const struct mm_config *net_ctx_config(const struct net_ctx *n);

/* Brute-force detector: called by engine.c at the end of an input (to raise
 * what is still pending) and when time advances (ts in us). */
void net_bruteforce_flush(struct net_ctx *n, struct mm_scan_ctx *scan, int64_t now_us);

/* The bundled rules folder the engine was opened with (for parts that
 * read their own lists from it), or NULL when bundled rules are off. */
const char *net_ctx_rules_dir(const struct net_ctx *n);

#endif
