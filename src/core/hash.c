/*
 * hash.c — digests, hex, Base64 and the Community ID flow hash (see hash.h).
 *
 * SHA-256, SHA-1 and MD5 are OpenSSL libcrypto's own block functions
 * (SHA256_Init and the like, with its assembly for this CPU). Not its EVP
 * interface: the first EVP digest of a process fetches the algorithm from
 * the default provider and builds the provider's name map first, 3.5
 * million instructions (~1 ms) that a `scan --changed` rerun, which hashes
 * only its rule set, paid for one digest. The block functions are
 * deprecated in OpenSSL 3 but kept (OPENSSL_API_COMPAT below); the
 * streaming context (struct mm_sha256's evp pointer) is a SHA256_CTX. The
 * one-shot forms return void, so when libcrypto fails they write an
 * all-zero digest, which no caller may take as a match of real data.
 * Keccak-256 is ours: the Keccak-f[1600] permutation with the
 * original Keccak padding (domain byte 0x01, rate 136 bytes), which is what
 * Ethereum and Monero call keccak256 and is NOT FIPS 202 SHA3-256 (0x06).
 *
 * Community ID v1 follows the public spec (corelight/community-id-spec):
 * SHA-1 over seed(2, BE) | saddr | daddr | proto | 0 | sport(2, BE) |
 * dport(2, BE), endpoints ordered so that the smaller (address, port) comes
 * first, ICMP type/code mapped to port equivalents, ports left out for
 * protocols that have none; base64 of the digest after "1:".
 *
 * Input trust: every length is the caller's; Base64 input is hostile and
 * decoded with bounds on the output capacity.
 *
 * Threading: no state; every function is reentrant.
 */
#include "core/compat.h"
#include "core/hash.h"

/* the SHA256_Init family without deprecation warnings (see above) */
#define OPENSSL_API_COMPAT 0x10101000L
#include <openssl/md5.h>
#include <openssl/sha.h>

#include <stdlib.h>

/* ---- OpenSSL digests ---------------------------------------------------- */

int mm_sha256_init(struct mm_sha256 *h)
{
	SHA256_CTX *ctx = malloc(sizeof(*ctx));

	h->evp = NULL;
	if (!ctx)
		return MM_ENOMEM;
	if (SHA256_Init(ctx) != 1) {
		free(ctx);
		return MM_EDEP;
	}
	h->evp = ctx;
	return 0;
}

int mm_sha256_update(struct mm_sha256 *h, const void *data, size_t len)
{
	if (!h->evp)
		return MM_ESTATE;
	if (len == 0)
		return 0;
	if (SHA256_Update(h->evp, data, len) != 1)
		return MM_EDEP;
	return 0;
}

int mm_sha256_final(struct mm_sha256 *h, uint8_t out[32])
{
	int rc = 0;

	if (!h->evp) {
		memset(out, 0, 32);
		return MM_ESTATE;
	}
	if (SHA256_Final(out, h->evp) != 1) {
		memset(out, 0, 32);
		rc = MM_EDEP;
	}
	mm_sha256_release(h);
	return rc;
}

void mm_sha256_release(struct mm_sha256 *h)
{
	free(h->evp);
	h->evp = NULL;
}

/* The one-shots: SHA256() and its kin go through EVP in OpenSSL 3, so
 * they are written with the block functions too. */
void mm_sha256(const void *data, size_t len, uint8_t out[32])
{
	SHA256_CTX c;

	if (SHA256_Init(&c) != 1 || SHA256_Update(&c, data, len) != 1 ||
	    SHA256_Final(out, &c) != 1)
		memset(out, 0, 32);
}

void mm_sha1(const void *data, size_t len, uint8_t out[20])
{
	SHA_CTX c;

	if (SHA1_Init(&c) != 1 || SHA1_Update(&c, data, len) != 1 || SHA1_Final(out, &c) != 1)
		memset(out, 0, 20);
}

void mm_md5(const void *data, size_t len, uint8_t out[16])
{
	MD5_CTX c;

	if (MD5_Init(&c) != 1 || MD5_Update(&c, data, len) != 1 || MD5_Final(out, &c) != 1)
		memset(out, 0, 16);
}

/* ---- Keccak-256 --------------------------------------------------------- */

#define KECCAK_RATE 136

static const uint64_t keccak_rc[24] = {
	0x0000000000000001ULL, 0x0000000000008082ULL, 0x800000000000808aULL,
	0x8000000080008000ULL, 0x000000000000808bULL, 0x0000000080000001ULL,
	0x8000000080008081ULL, 0x8000000000008009ULL, 0x000000000000008aULL,
	0x0000000000000088ULL, 0x0000000080008009ULL, 0x000000008000000aULL,
	0x000000008000808bULL, 0x800000000000008bULL, 0x8000000000008089ULL,
	0x8000000000008003ULL, 0x8000000000008002ULL, 0x8000000000000080ULL,
	0x000000000000800aULL, 0x800000008000000aULL, 0x8000000080008081ULL,
	0x8000000000008080ULL, 0x0000000080000001ULL, 0x8000000080008008ULL,
};

/* Rho rotation of lane i = x + 5y, and where pi moves it: lane (x, y)
 * goes to (y, 2x + 3y mod 5). Both follow from FIPS 202, 3.2.2-3.2.3. */
static const unsigned keccak_rho[25] = {
	0, 1, 62, 28, 27, 36, 44, 6, 55, 20, 3, 10, 43,
	25, 39, 41, 45, 15, 21, 8, 18, 2, 61, 56, 14,
};
static const unsigned keccak_dst[25] = {
	0, 10, 20, 5, 15, 16, 1, 11, 21, 6, 7, 17, 2,
	12, 22, 23, 8, 18, 3, 13, 14, 24, 9, 19, 4,
};

static uint64_t rotl64(uint64_t x, unsigned n)
{
	return (x << n) | (x >> ((64 - n) & 63));
}

/* The permutation, with the column loops written out: it runs once per
 * 136 input bytes and for every Monero and EIP-55 checksum. */
static void keccak_f1600(uint64_t st[25])
{
	uint64_t c0, c1, c2, c3, c4, d0, d1, d2, d3, d4, b[25];
	unsigned round, i;

	for (round = 0; round < 24; round++) {
		/* theta */
		c0 = st[0] ^ st[5] ^ st[10] ^ st[15] ^ st[20];
		c1 = st[1] ^ st[6] ^ st[11] ^ st[16] ^ st[21];
		c2 = st[2] ^ st[7] ^ st[12] ^ st[17] ^ st[22];
		c3 = st[3] ^ st[8] ^ st[13] ^ st[18] ^ st[23];
		c4 = st[4] ^ st[9] ^ st[14] ^ st[19] ^ st[24];
		d0 = c4 ^ rotl64(c1, 1);
		d1 = c0 ^ rotl64(c2, 1);
		d2 = c1 ^ rotl64(c3, 1);
		d3 = c2 ^ rotl64(c4, 1);
		d4 = c3 ^ rotl64(c0, 1);
		for (i = 0; i < 25; i += 5) {
			st[i] ^= d0;
			st[i + 1] ^= d1;
			st[i + 2] ^= d2;
			st[i + 3] ^= d3;
			st[i + 4] ^= d4;
		}
		/* rho and pi */
		for (i = 0; i < 25; i++)
			b[keccak_dst[i]] = rotl64(st[i], keccak_rho[i]);
		/* chi */
		for (i = 0; i < 25; i += 5) {
			st[i] = b[i] ^ (~b[i + 1] & b[i + 2]);
			st[i + 1] = b[i + 1] ^ (~b[i + 2] & b[i + 3]);
			st[i + 2] = b[i + 2] ^ (~b[i + 3] & b[i + 4]);
			st[i + 3] = b[i + 3] ^ (~b[i + 4] & b[i]);
			st[i + 4] = b[i + 4] ^ (~b[i] & b[i + 1]);
		}
		/* iota */
		st[0] ^= keccak_rc[round];
	}
}

/* XORs one rate-sized block (little-endian lanes) into the state. */
static void keccak_absorb(uint64_t st[25], const uint8_t *p)
{
	unsigned i, k;
	uint64_t lane;

	for (i = 0; i < KECCAK_RATE / 8; i++) {
		lane = 0;
		for (k = 0; k < 8; k++)
			lane |= (uint64_t)p[8 * i + k] << (8 * k);
		st[i] ^= lane;
	}
	keccak_f1600(st);
}

void mm_keccak256(const void *data, size_t len, uint8_t out[32])
{
	const uint8_t *p = data;
	uint64_t st[25];
	uint8_t last[KECCAK_RATE];
	size_t rest;
	unsigned i;

	memset(st, 0, sizeof(st));
	while (len >= KECCAK_RATE) {
		keccak_absorb(st, p);
		p += KECCAK_RATE;
		len -= KECCAK_RATE;
	}
	rest = len;
	memset(last, 0, sizeof(last));
	if (rest)
		memcpy(last, p, rest);
	last[rest] ^= 0x01;
	last[KECCAK_RATE - 1] ^= 0x80;
	keccak_absorb(st, last);
	for (i = 0; i < 32; i++)
		out[i] = (uint8_t)(st[i / 8] >> (8 * (i % 8)));
}

/* ---- hex ---------------------------------------------------------------- */

void mm_hex(const uint8_t *data, size_t len, char *out)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < len; i++) {
		out[2 * i] = digits[data[i] >> 4];
		out[2 * i + 1] = digits[data[i] & 15];
	}
	out[2 * len] = '\0';
}

/* ---- Base64 ------------------------------------------------------------- */

static const char b64_alphabet[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

size_t mm_base64_encode(const uint8_t *in, size_t len, char *out)
{
	size_t i, o = 0;
	uint32_t v;

	for (i = 0; i + 3 <= len; i += 3) {
		v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
		out[o++] = b64_alphabet[(v >> 18) & 63];
		out[o++] = b64_alphabet[(v >> 12) & 63];
		out[o++] = b64_alphabet[(v >> 6) & 63];
		out[o++] = b64_alphabet[v & 63];
	}
	if (len - i == 1) {
		v = (uint32_t)in[i] << 16;
		out[o++] = b64_alphabet[(v >> 18) & 63];
		out[o++] = b64_alphabet[(v >> 12) & 63];
		out[o++] = '=';
		out[o++] = '=';
	} else if (len - i == 2) {
		v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8;
		out[o++] = b64_alphabet[(v >> 18) & 63];
		out[o++] = b64_alphabet[(v >> 12) & 63];
		out[o++] = b64_alphabet[(v >> 6) & 63];
		out[o++] = '=';
	}
	out[o] = '\0';
	return o;
}

/* Value of a Base64 digit, -1 for anything else. */
static int b64_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

static bool is_b64_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' ||
	       c == '\v';
}

/*
 * Accepts groups of four digits, whitespace anywhere, and a final group of
 * two or three digits with or without its '=' padding. Rejects a lone
 * trailing digit, padding in the middle, too much padding and any digit
 * after padding; trailing bits that do not fit a byte are ignored.
 */
long mm_base64_decode(const char *in, size_t len, uint8_t *out, size_t out_cap)
{
	uint32_t acc = 0;
	size_t i, o = 0;
	unsigned n = 0, pad = 0;
	int v;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)in[i];

		if (is_b64_space(c))
			continue;
		if (c == '=') {
			/* Padding only completes a group of 2 or 3 digits. */
			if (n + pad < 2 || n + pad >= 4)
				return -1;
			pad++;
			continue;
		}
		if (pad)
			return -1;
		v = b64_value(c);
		if (v < 0)
			return -1;
		acc = acc << 6 | (uint32_t)v;
		if (++n == 4) {
			if (out_cap - o < 3)
				return -1;
			out[o++] = (uint8_t)(acc >> 16);
			out[o++] = (uint8_t)(acc >> 8);
			out[o++] = (uint8_t)acc;
			acc = 0;
			n = 0;
		}
	}
	if (n == 1)
		return -1;
	if (pad && n + pad != 4)
		return -1;
	if (n == 2) {
		if (out_cap - o < 1)
			return -1;
		out[o++] = (uint8_t)(acc >> 4);
	} else if (n == 3) {
		if (out_cap - o < 2)
			return -1;
		out[o++] = (uint8_t)(acc >> 10);
		out[o++] = (uint8_t)(acc >> 2);
	}
	if (o > LONG_MAX)
		return -1;
	return (long)o;
}

/* ---- Community ID v1 ---------------------------------------------------- */

#define PROTO_ICMP 1
#define PROTO_TCP 6
#define PROTO_UDP 17
#define PROTO_ICMP6 58
#define PROTO_SCTP 132

/*
 * ICMP types that have a request/reply counterpart (Zeek's
 * ICMP4_counterpart/ICMP6_counterpart, as the spec uses): for these the
 * "destination port" is the counterpart type, so both directions hash the
 * same. Other types are one-way: (type, code), never reordered.
 */
static int icmp4_counterpart(uint16_t type)
{
	switch (type) {
	case 8: return 0;	/* echo -> echo reply */
	case 0: return 8;
	case 13: return 14;	/* timestamp */
	case 14: return 13;
	case 15: return 16;	/* information */
	case 16: return 15;
	case 10: return 9;	/* router solicitation -> advertisement */
	case 17: return 18;	/* address mask */
	case 18: return 17;
	default: return -1;
	}
}

static int icmp6_counterpart(uint16_t type)
{
	switch (type) {
	case 128: return 129;	/* echo */
	case 129: return 128;
	case 133: return 134;	/* router solicitation/advertisement */
	case 134: return 133;
	case 135: return 136;	/* neighbour solicitation/advertisement */
	case 136: return 135;
	case 130: return 131;	/* MLD query/report */
	case 131: return 130;
	case 139: return 140;	/* node information query/response */
	case 140: return 139;
	case 144: return 145;	/* home agent address discovery */
	case 145: return 144;
	default: return -1;
	}
}

int mm_community_id(int ip_version, const uint8_t *saddr, const uint8_t *daddr,
		    uint8_t proto, uint16_t sport, uint16_t dport, char out[64])
{
	uint8_t buf[2 + 16 + 16 + 1 + 1 + 2 + 2];
	uint8_t sha[20];
	const uint8_t *a = saddr, *b = daddr;
	uint16_t pa = sport, pb = dport;
	size_t alen, n = 0;
	bool ports = true, one_way = false, swap;
	int cmp, cp;

	out[0] = '\0';
	if (ip_version == 4)
		alen = 4;
	else if (ip_version == 6)
		alen = 16;
	else
		return MM_EINVAL;
	if (!saddr || !daddr)
		return MM_EINVAL;

	switch (proto) {
	case PROTO_TCP:
	case PROTO_UDP:
	case PROTO_SCTP:
		break;
	case PROTO_ICMP:
	case PROTO_ICMP6:
		cp = proto == PROTO_ICMP ? icmp4_counterpart(sport) :
					   icmp6_counterpart(sport);
		if (cp < 0)
			one_way = true;
		else
			pb = (uint16_t)cp;
		break;
	default:
		ports = false;
		pa = pb = 0;
		break;
	}

	cmp = memcmp(a, b, alen);
	swap = !one_way && !(cmp < 0 || (cmp == 0 && pa < pb));
	if (swap) {
		const uint8_t *ta = a;
		uint16_t tp = pa;

		a = b;
		b = ta;
		pa = pb;
		pb = tp;
	}

	buf[n++] = 0;	/* seed 0, big-endian */
	buf[n++] = 0;
	memcpy(buf + n, a, alen);
	n += alen;
	memcpy(buf + n, b, alen);
	n += alen;
	buf[n++] = proto;
	buf[n++] = 0;
	if (ports) {
		buf[n++] = (uint8_t)(pa >> 8);
		buf[n++] = (uint8_t)pa;
		buf[n++] = (uint8_t)(pb >> 8);
		buf[n++] = (uint8_t)pb;
	}
	mm_sha1(buf, n, sha);
	out[0] = '1';
	out[1] = ':';
	mm_base64_encode(sha, sizeof(sha), out + 2);
	return 0;
}
