/*
 * mining.h — private to src/net/: the mining detector (detect_mining.c) and
 * the parsers that feed it (app_stratum.c, app_dns.c, app_tls.c, and the
 * HTTP parser for getwork bodies).
 *
 * Rules: mamori.net.mining.stratum (a Stratum session, with pool, agent,
 * algorithm and the validated wallet), .pool-dns (a DNS lookup of a known
 * pool domain), .pool-tls (TLS to a known pool domain by SNI), .getwork
 * (mining over HTTP JSON-RPC getwork). ATT&CK T1496.
 *
 * Known pool domains: rules/lists/mining-pools.txt (one registrable domain
 * or host per line, '#' comments), loaded once per input from
 * net.mining.pools_file, else <rules_dir>/lists/ (net_mining_ctx_init()),
 * else $MAMORI_RULES_DIR/lists/; when none can be read a small built-in
 * list is used (alert evidence says "pool_list": "builtin"). A name
 * matches when it equals an entry or ends with "." + entry.
 *
 * Per-input state (the pool list, a bounded map from addresses to the DNS
 * names that resolved to them, alert de-duplication) lives in the
 * NET_CTX_MINING slot. Threading: one net_ctx, one thread.
 */
#ifndef NET_MINING_H
#define NET_MINING_H

#include "net/app.h"

extern const struct mm_config_default net_mining_config_defaults[];

int detect_mining_register(struct mm_catalogue *cat);

/* Loads the pool list of one input (engine.c calls it from net_ctx_new()
 * with env->bundled_rules_dir kept from open(); NULL is allowed). Without
 * the call the list is loaded on first use without rules_dir. */
int net_mining_ctx_init(struct net_ctx *n, const char *rules_dir);

/* What the Stratum parser learnt of a session (borrowed strings, may be
 * NULL/0). */
struct mining_stratum {
	const char *dialect;		/* "stratum", "xmrig", "ethereum" */
	const char *login_method;	/* "login", "mining.authorize", ... */
	const char *user;
	size_t user_len;
	const char *agent;
	size_t agent_len;
	const char *algo;
	size_t algo_len;
	const char *pool_host;		/* as the client named it (subscribe) */
	size_t pool_host_len;
	uint64_t login_frame;
	uint64_t first_frame;
	uint64_t submits, jobs, accepted, rejected;
	const char *methods;		/* comma-separated methods seen */
};

/* A Stratum session was recognised (called once per flow). */
void mining_stratum_report(struct app_ctx *ctx, const struct mining_stratum *m);

/* DNS: a query name (alerts when it is a known pool), and each A/AAAA
 * answer (remembered so that a later Stratum alert can name its pool). */
void mining_dns_query(struct app_ctx *ctx, const char *name, size_t len);
void mining_dns_answer(struct app_ctx *ctx, const char *name, size_t len, uint8_t ip_version,
		       const uint8_t *addr);

/* TLS ClientHello server name. */
void mining_tls_sni(struct app_ctx *ctx, const char *sni, size_t len);

/* An HTTP request body (for getwork JSON-RPC); the HTTP parser calls it. */
void net_mining_http_body(struct app_ctx *ctx, const uint8_t *body, size_t len);

/* True when name (case-insensitive) is a known pool domain or under one;
 * loads the list on first use. */
bool mining_pool_domain(struct net_ctx *n, const char *name, size_t len);

#endif
