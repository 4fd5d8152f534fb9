/*
 * hash.h — digests used across engines: SHA-256 (file hashes, body hashes,
 * rule-set cache keys), MD5 (JA3), SHA-1, Keccak-256 (Ethereum/Monero
 * checksums), and the Community ID flow hash. SHA-1, SHA-256 and MD5 come from OpenSSL's
 * libcrypto; Keccak-256 (the original padding, not SHA3-256) is our own.
 *
 * All functions are pure and thread-safe.
 */
#ifndef MM_HASH_H
#define MM_HASH_H

#include "core/error.h"

struct mm_sha256 {
	void *evp;		/* EVP_MD_CTX, owned */
};
int mm_sha256_init(struct mm_sha256 *h);
int mm_sha256_update(struct mm_sha256 *h, const void *data, size_t len);
/* Writes 32 bytes and releases h. */
int mm_sha256_final(struct mm_sha256 *h, uint8_t out[32]);
/* Releases h without a result (on error paths); safe after final. */
void mm_sha256_release(struct mm_sha256 *h);

void mm_sha256(const void *data, size_t len, uint8_t out[32]);
void mm_sha1(const void *data, size_t len, uint8_t out[20]);
void mm_md5(const void *data, size_t len, uint8_t out[16]);
void mm_keccak256(const void *data, size_t len, uint8_t out[32]);

/* Lowercase hex of len bytes into out (2*len+1 bytes, NUL-terminated). */
void mm_hex(const uint8_t *data, size_t len, char *out);

/*
 * Community ID v1 (seed 0) of a flow, base64 with the "1:" prefix, as ECS
 * network.community_id. Addresses are 4 or 16 bytes, in network order;
 * ports in host order (for ICMP: type and code). out needs 64 bytes.
 */
int mm_community_id(int ip_version, const uint8_t *saddr, const uint8_t *daddr,
		    uint8_t proto, uint16_t sport, uint16_t dport, char out[64]);

/* Standard Base64 (RFC 4648) decode; skips whitespace; tolerates missing
 * padding. Returns bytes written, or -1 on invalid input or if out_cap is
 * too small. decoded size is at most 3*len/4. */
long mm_base64_decode(const char *in, size_t len, uint8_t *out, size_t out_cap);
/* Encodes into out (needs 4*((len+2)/3)+1 bytes); returns length. */
size_t mm_base64_encode(const uint8_t *in, size_t len, char *out);

#endif
