/*
 * wallet.c — validation and scanning of cryptocurrency addresses (see
 * wallet.h).
 *
 * An address is reported only if it decodes exactly and its checksum holds;
 * nothing here guesses from a pattern. The formats, from their public
 * specifications:
 *
 * - Monero: Cryptonote base58 (the Bitcoin alphabet, but in blocks of 8
 *   bytes that each take 11 characters; a last short block of n bytes takes
 *   xmr_block_chars[n] characters), decoding to varint network prefix |
 *   public spend key | public view key | [payment id, 8 bytes, integrated
 *   only] | first 4 bytes of Keccak-256 of everything before. All the
 *   prefixes we know fit one varint byte.
 * - Base58Check (Bitcoin, Litecoin, Dogecoin, Bitcoin testnet): 25 bytes,
 *   version | 20-byte hash | first 4 bytes of SHA-256(SHA-256(21 bytes)),
 *   leading zero bytes written as '1'; the encoding must be canonical (as
 *   many leading '1's as leading zero bytes).
 * - Segwit (BIP-173 bech32, BIP-350 bech32m): hrp bc/tb/ltc, '1', witness
 *   version, program in 5-bit groups, 6-character checksum; v0 uses bech32
 *   and a 20- or 32-byte program, v1..v16 use bech32m and 2..40 bytes;
 *   upper or lower case, never mixed; at most 90 characters.
 * - Ethereum: "0x" and 40 hex digits; in mixed case the EIP-55 checksum (a
 *   letter is upper case iff the matching nibble of Keccak-256 of the
 *   lower-case hex is >= 8) must hold exactly; all-lower/all-upper are
 *   accepted as "unchecksummed", with checksum_verified false.
 *
 * The scanners split text into maximal runs of ASCII letters and digits
 * (in UTF-16LE: such characters each followed by a zero byte) and validate
 * only runs of an address length (14..90, 95, 106), dispatching on length
 * and prefix; the per-byte loop is one table load and one well-predicted
 * branch.
 *
 * Input trust: every byte is hostile. Work per candidate is bounded by the
 * longest address (106 characters), and the scanners touch each input byte
 * a constant number of times; nothing here allocates, except that the
 * SHA-256 of a Base58Check candidate goes through libcrypto's EVP (which
 * allocates a context), and only for tokens that already decoded to 25
 * bytes with a known version byte.
 *
 * Threading: pure; every function is reentrant.
 */
#include "core/compat.h"
#include "core/wallet.h"
#include "core/hash.h"

#define XMR_LEN_STANDARD 95
#define XMR_LEN_INTEGRATED 106
#define B58C_MIN_LEN 25
#define B58C_MAX_LEN 35
#define B58C_BYTES 25
#define SEGWIT_MIN_LEN 14	/* "bc1" + version + 2-byte program + 6 */
#define SEGWIT_MAX_LEN 90
#define ETH_LEN 42

/* ---- helpers ------------------------------------------------------------ */

/* Value of a base58 digit (Bitcoin alphabet: no 0, O, I, l), -1 if none. */
static int b58_digit(unsigned char c)
{
	if (c >= '1' && c <= '9')
		return c - '1';
	if (c >= 'A' && c <= 'H')
		return c - 'A' + 9;
	if (c >= 'J' && c <= 'N')
		return c - 'J' + 17;
	if (c >= 'P' && c <= 'Z')
		return c - 'P' + 22;
	if (c >= 'a' && c <= 'k')
		return c - 'a' + 33;
	if (c >= 'm' && c <= 'z')
		return c - 'm' + 44;
	return -1;
}

/* 1 for [0-9A-Za-z], else 0: the scanner's inner loop reads only this. */
static const uint8_t alnum_tab[256] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0,
	0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0,
	0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
};

static size_t is_alnum(unsigned char c)
{
	return alnum_tab[c];
}

static unsigned char lower(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? (unsigned char)(c | 0x20) : c;
}

static int hex_digit(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = lower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

static int found(struct mm_wallet *w, enum mm_coin coin, const char *name,
		 const char *type, bool verified)
{
	if (w) {
		w->coin = coin;
		w->coin_name = name;
		w->type = type;
		w->checksum_verified = verified;
	}
	return 0;
}

/* ---- Monero ------------------------------------------------------------- */

static const unsigned xmr_block_chars[9] = { 0, 2, 3, 5, 6, 7, 9, 10, 11 };

struct xmr_prefix {
	uint8_t prefix;
	bool integrated;
	const char *name;
	const char *type;
};

static const struct xmr_prefix xmr_prefixes[] = {
	{ 18, false, "monero", "standard" },
	{ 19, true, "monero", "integrated" },
	{ 42, false, "monero", "subaddress" },
	{ 53, false, "monero-testnet", "standard" },
	{ 54, true, "monero-testnet", "integrated" },
	{ 63, false, "monero-testnet", "subaddress" },
	{ 24, false, "monero-stagenet", "standard" },
	{ 25, true, "monero-stagenet", "integrated" },
	{ 36, false, "monero-stagenet", "subaddress" },
};

/* Decodes one block of nchars characters into nbytes big-endian bytes;
 * false on a bad digit or a value that does not fit. */
static bool xmr_block(const char *s, unsigned nchars, unsigned nbytes,
		      uint8_t *out)
{
	uint64_t v = 0;
	unsigned i;
	int d;

	for (i = 0; i < nchars; i++) {
		d = b58_digit((unsigned char)s[i]);
		if (d < 0 || v > (UINT64_MAX - (uint64_t)d) / 58)
			return false;
		v = v * 58 + (uint64_t)d;
	}
	if (nbytes < 8 && (v >> (8 * nbytes)) != 0)
		return false;
	for (i = nbytes; i > 0; i--) {
		out[i - 1] = (uint8_t)v;
		v >>= 8;
	}
	return true;
}

static int check_xmr(const char *s, size_t len, struct mm_wallet *w)
{
	uint8_t raw[80], sum[32];
	size_t full = len / 11, rest = len % 11, n = 0, i;
	unsigned tail = 0;
	const struct xmr_prefix *p = NULL;

	/* 95 and 106 characters both end in a 7-character (5-byte) block. */
	while (tail < 9 && xmr_block_chars[tail] != rest)
		tail++;
	if (tail == 9 || full * 8 + tail > sizeof(raw))
		return MM_ENOTFOUND;
	for (i = 0; i < full; i++, n += 8)
		if (!xmr_block(s + 11 * i, 11, 8, raw + n))
			return MM_ENOTFOUND;
	if (tail) {
		if (!xmr_block(s + 11 * full, (unsigned)rest, tail, raw + n))
			return MM_ENOTFOUND;
		n += tail;
	}
	for (i = 0; i < MM_ARRAY_SIZE(xmr_prefixes); i++)
		if (xmr_prefixes[i].prefix == raw[0])
			p = &xmr_prefixes[i];
	if (!p || n != (p->integrated ? 77u : 69u))
		return MM_ENOTFOUND;
	mm_keccak256(raw, n - 4, sum);
	if (memcmp(sum, raw + n - 4, 4) != 0)
		return MM_ENOTFOUND;
	return found(w, MM_COIN_XMR, p->name, p->type, true);
}

/* ---- Base58Check -------------------------------------------------------- */

struct b58_version {
	uint8_t version;
	enum mm_coin coin;
	const char *name;
	const char *type;
};

static const struct b58_version b58_versions[] = {
	{ 0x00, MM_COIN_BTC, "bitcoin", "p2pkh" },
	{ 0x05, MM_COIN_BTC, "bitcoin", "p2sh" },
	{ 0x6f, MM_COIN_BTC_TESTNET, "bitcoin-testnet", "p2pkh" },
	{ 0xc4, MM_COIN_BTC_TESTNET, "bitcoin-testnet", "p2sh" },
	{ 0x30, MM_COIN_LTC, "litecoin", "p2pkh" },
	{ 0x32, MM_COIN_LTC, "litecoin", "p2sh" },
	{ 0x1e, MM_COIN_DOGE, "dogecoin", "p2pkh" },
	{ 0x16, MM_COIN_DOGE, "dogecoin", "p2sh" },
};

static int check_b58(const char *s, size_t len, struct mm_wallet *w)
{
	/* 25 bytes as one byte and six 32-bit limbs, most significant first. */
	uint32_t limb[7];
	uint8_t raw[B58C_BYTES], sum[32];
	size_t i, ones = 0, zeros = 0;
	uint64_t carry;
	int d, j;
	const struct b58_version *v = NULL;

	/* Alphabet first: it rejects most non-addresses without arithmetic. */
	for (i = 0; i < len; i++)
		if (b58_digit((unsigned char)s[i]) < 0)
			return MM_ENOTFOUND;
	memset(limb, 0, sizeof(limb));
	for (i = 0; i < len; i++) {
		d = b58_digit((unsigned char)s[i]);
		carry = (uint64_t)d;
		for (j = 6; j >= 0; j--) {
			carry += (uint64_t)limb[j] * 58;
			limb[j] = (uint32_t)carry;
			carry >>= 32;
		}
		if (carry || limb[0] > 0xff)
			return MM_ENOTFOUND;	/* more than 25 bytes */
	}
	raw[0] = (uint8_t)limb[0];
	for (j = 1; j < 7; j++) {
		raw[4 * j - 3] = (uint8_t)(limb[j] >> 24);
		raw[4 * j - 2] = (uint8_t)(limb[j] >> 16);
		raw[4 * j - 1] = (uint8_t)(limb[j] >> 8);
		raw[4 * j] = (uint8_t)limb[j];
	}
	while (ones < len && s[ones] == '1')
		ones++;
	while (zeros < B58C_BYTES && raw[zeros] == 0)
		zeros++;
	if (ones != zeros)
		return MM_ENOTFOUND;	/* not exactly 25 bytes, or not canonical */
	for (i = 0; i < MM_ARRAY_SIZE(b58_versions); i++)
		if (b58_versions[i].version == raw[0])
			v = &b58_versions[i];
	if (!v)
		return MM_ENOTFOUND;
	mm_sha256(raw, 21, sum);
	mm_sha256(sum, 32, sum);
	if (memcmp(sum, raw + 21, 4) != 0)
		return MM_ENOTFOUND;
	return found(w, v->coin, v->name, v->type, true);
}

/* ---- bech32 / bech32m --------------------------------------------------- */

#define BECH32_CONST 1u
#define BECH32M_CONST 0x2bc830a3u

static const char bech32_charset[] = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";

static uint32_t bech32_step(uint32_t chk, unsigned v)
{
	static const uint32_t gen[5] = { 0x3b6a57b2, 0x26508e6d, 0x1ea119fa,
					 0x3d4233dd, 0x2a1462b3 };
	uint32_t top = chk >> 25;
	unsigned i;

	chk = ((chk & 0x1ffffff) << 5) ^ v;
	for (i = 0; i < 5; i++)
		if ((top >> i) & 1)
			chk ^= gen[i];
	return chk;
}

static int bech32_value(unsigned char c)
{
	const char *p;

	if (c == '\0')
		return -1;
	p = memchr(bech32_charset, lower(c), 32);
	return p ? (int)(p - bech32_charset) : -1;
}

static int check_segwit(const char *s, size_t len, struct mm_wallet *w)
{
	static const struct {
		const char *hrp;
		enum mm_coin coin;
		const char *name;
	} hrps[] = {
		{ "bc", MM_COIN_BTC, "bitcoin" },
		{ "tb", MM_COIN_BTC_TESTNET, "bitcoin-testnet" },
		{ "ltc", MM_COIN_LTC, "litecoin" },
	};
	uint8_t data[SEGWIT_MAX_LEN], prog[40];
	size_t i, sep, hlen, ndata, nprog = 0;
	bool upper = false, low = false;
	uint32_t chk = 1, acc = 0;
	unsigned bits = 0, k = 0;
	int v;
	const char *type;

	if (len < SEGWIT_MIN_LEN || len > SEGWIT_MAX_LEN)
		return MM_ENOTFOUND;
	sep = len;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c >= 'A' && c <= 'Z')
			upper = true;
		else if (c >= 'a' && c <= 'z')
			low = true;
		else if (c < 33 || c > 126)
			return MM_ENOTFOUND;
		if (c == '1')
			sep = i;
	}
	if (upper && low)
		return MM_ENOTFOUND;
	if (sep == len || sep + 7 > len)
		return MM_ENOTFOUND;
	hlen = sep;
	for (k = 0; k < MM_ARRAY_SIZE(hrps); k++) {
		if (strlen(hrps[k].hrp) != hlen)
			continue;
		for (i = 0; i < hlen; i++)
			if (lower((unsigned char)s[i]) != (unsigned char)hrps[k].hrp[i])
				break;
		if (i == hlen)
			break;
	}
	if (k == MM_ARRAY_SIZE(hrps))
		return MM_ENOTFOUND;

	/* Checksum over the expanded hrp and the data part. */
	for (i = 0; i < hlen; i++)
		chk = bech32_step(chk, lower((unsigned char)s[i]) >> 5);
	chk = bech32_step(chk, 0);
	for (i = 0; i < hlen; i++)
		chk = bech32_step(chk, lower((unsigned char)s[i]) & 31);
	ndata = 0;
	for (i = sep + 1; i < len; i++) {
		v = bech32_value((unsigned char)s[i]);
		if (v < 0)
			return MM_ENOTFOUND;
		data[ndata++] = (uint8_t)v;
		chk = bech32_step(chk, (unsigned)v);
	}
	if (chk != BECH32_CONST && chk != BECH32M_CONST)
		return MM_ENOTFOUND;

	/* Witness version, then the program regrouped from 5 to 8 bits. */
	if (data[0] > 16)
		return MM_ENOTFOUND;
	for (i = 1; i + 6 < ndata; i++) {
		acc = (acc << 5) | data[i];
		bits += 5;
		if (bits >= 8) {
			bits -= 8;
			if (nprog == sizeof(prog))
				return MM_ENOTFOUND;
			prog[nprog++] = (uint8_t)(acc >> bits);
		}
	}
	if (bits >= 5 || (acc & ((1u << bits) - 1)) != 0)
		return MM_ENOTFOUND;
	if (nprog < 2)
		return MM_ENOTFOUND;
	if (data[0] == 0) {
		if (chk != BECH32_CONST || (nprog != 20 && nprog != 32))
			return MM_ENOTFOUND;
		type = nprog == 20 ? "p2wpkh" : "p2wsh";
	} else {
		if (chk != BECH32M_CONST)
			return MM_ENOTFOUND;
		type = data[0] == 1 && nprog == 32 ? "p2tr" : "witness_unknown";
	}
	return found(w, hrps[k].coin, hrps[k].name, type, true);
}

/* ---- Ethereum ----------------------------------------------------------- */

static int check_eth(const char *s, size_t len, struct mm_wallet *w)
{
	char low[40];
	uint8_t h[32];
	bool upper = false, lowc = false;
	unsigned nib, i;

	if (len != ETH_LEN || s[0] != '0' || s[1] != 'x')
		return MM_ENOTFOUND;
	for (i = 0; i < 40; i++) {
		unsigned char c = (unsigned char)s[2 + i];

		if (hex_digit(c) < 0)
			return MM_ENOTFOUND;
		if (c >= 'A' && c <= 'F')
			upper = true;
		else if (c >= 'a' && c <= 'f')
			lowc = true;
		low[i] = (char)lower(c);
	}
	if (!(upper && lowc))
		return found(w, MM_COIN_ETH, "ethereum", "unchecksummed", false);
	mm_keccak256(low, sizeof(low), h);
	for (i = 0; i < 40; i++) {
		unsigned char c = (unsigned char)s[2 + i];

		if (c <= '9')
			continue;
		nib = (h[i / 2] >> (i % 2 ? 0 : 4)) & 15;
		if ((nib >= 8) != (c <= 'F'))
			return MM_ENOTFOUND;
	}
	return found(w, MM_COIN_ETH, "ethereum", "eip55", true);
}

/* ---- dispatch and scan -------------------------------------------------- */

/* Could s[0..len) be bech32 with one of our hrps? (prefix test only) */
static bool segwit_prefix(const char *s, size_t len)
{
	if (len >= 3 && s[2] == '1') {
		unsigned char a = lower((unsigned char)s[0]);
		unsigned char b = lower((unsigned char)s[1]);

		return (a == 'b' && b == 'c') || (a == 't' && b == 'b');
	}
	return len >= 4 && s[3] == '1' && lower((unsigned char)s[0]) == 'l' &&
	       lower((unsigned char)s[1]) == 't' &&
	       lower((unsigned char)s[2]) == 'c';
}

int mm_wallet_check(const char *s, size_t len, struct mm_wallet *w)
{
	if (w) {
		w->coin = MM_COIN_NONE;
		w->coin_name = NULL;
		w->type = NULL;
		w->checksum_verified = false;
	}
	if (!s || len < SEGWIT_MIN_LEN || len > XMR_LEN_INTEGRATED)
		return MM_ENOTFOUND;
	if (len == ETH_LEN && s[0] == '0' && (s[1] == 'x'))
		return check_eth(s, len, w);
	if (len == XMR_LEN_STANDARD || len == XMR_LEN_INTEGRATED)
		return check_xmr(s, len, w);
	if (segwit_prefix(s, len) && check_segwit(s, len, w) == 0)
		return 0;
	if (len >= B58C_MIN_LEN && len <= B58C_MAX_LEN)
		return check_b58(s, len, w);
	return MM_ENOTFOUND;
}

/* A length some address has (mm_wallet_check() decides the rest). */
static bool plausible_len(size_t n)
{
	return (n >= SEGWIT_MIN_LEN && n <= SEGWIT_MAX_LEN) ||
	       n == XMR_LEN_STANDARD || n == XMR_LEN_INTEGRATED;
}

/* Longest escape prefix stripped by token_check(): "u" and 4 hex digits. */
#define ESCAPE_MAX 5

/*
 * Escapes glue letters and digits to the address after them: "\x22" and
 * "\u0022" (rule files, JSON, scripts), "\n" (logged strings), "%22"
 * (URLs). prev is the byte before the token (-1 if none); returns how many
 * token bytes to drop to get past such an escape, or 0.
 */
static size_t escape_prefix(const char *tok, size_t n, int prev)
{
	if (prev == '\\') {
		if (n > 3 && tok[0] == 'x' && hex_digit((unsigned char)tok[1]) >= 0 &&
		    hex_digit((unsigned char)tok[2]) >= 0)
			return 3;
		if (n > 5 && tok[0] == 'u' && hex_digit((unsigned char)tok[1]) >= 0 &&
		    hex_digit((unsigned char)tok[2]) >= 0 &&
		    hex_digit((unsigned char)tok[3]) >= 0 &&
		    hex_digit((unsigned char)tok[4]) >= 0)
			return 5;
		if (n > 1 && (tok[0] == 'n' || tok[0] == 'r' || tok[0] == 't'))
			return 1;
	} else if (prev == '%') {
		if (n > 2 && hex_digit((unsigned char)tok[0]) >= 0 &&
		    hex_digit((unsigned char)tok[1]) >= 0)
			return 2;
	}
	return 0;
}

/* 0 if the token, or the token after an escape prefix, is one address;
 * *skip says how many leading bytes are not part of it. */
static int token_check(const char *tok, size_t n, int prev, size_t *skip,
		       struct mm_wallet *w)
{
	size_t k;

	*skip = 0;
	if (plausible_len(n) && mm_wallet_check(tok, n, w) == 0)
		return 0;
	k = escape_prefix(tok, n, prev);
	if (k && plausible_len(n - k) && mm_wallet_check(tok + k, n - k, w) == 0) {
		*skip = k;
		return 0;
	}
	return MM_ENOTFOUND;
}

/* Reports the token text[start..start+n) if it holds an address; returns
 * the callback's verdict (non-zero: stop). */
static int scan_token(const char *text, size_t start, size_t n,
		      mm_wallet_fn *fn, void *arg, size_t *count)
{
	struct mm_wallet w;
	size_t skip;
	int prev = start ? (unsigned char)text[start - 1] : -1;

	if (n > XMR_LEN_INTEGRATED + ESCAPE_MAX)
		return 0;
	if (token_check(text + start, n, prev, &skip, &w) != 0)
		return 0;
	(*count)++;
	return fn ? fn(arg, text + start + skip, n - skip, start + skip, &w) : 0;
}

/*
 * One pass, one predictable branch per byte: run counts the alphanumeric
 * bytes just before i (branch-free), and only when a run of at least the
 * shortest address length ends do we look at it. Random binary has short
 * runs, so the branch is almost never taken.
 */
size_t mm_wallet_scan(const char *text, size_t len, mm_wallet_fn *fn, void *arg)
{
	const unsigned char *p = (const unsigned char *)text;
	size_t i, run = 0, count = 0;
	size_t a;

	if (!text)
		return 0;
	for (i = 0; i < len; i++) {
		a = is_alnum(p[i]);
		if (MM_UNLIKELY((run >= SEGWIT_MIN_LEN) & (a == 0)) &&
		    scan_token(text, i - run, run, fn, arg, &count) != 0)
			return count;
		run = (run + 1) & (0 - a);
	}
	if (run >= SEGWIT_MIN_LEN)
		scan_token(text, len - run, run, fn, arg, &count);
	return count;
}

/* A UTF-16LE token of n code units at data[start]: narrowed to ASCII on
 * the stack, then checked and reported like an 8-bit one. */
static int scan_token16(const uint8_t *data, size_t start, size_t n,
			mm_wallet_fn *fn, void *arg, size_t *count)
{
	char narrow[MM_WALLET_MAX_LEN + ESCAPE_MAX];
	struct mm_wallet w;
	size_t k, skip;
	int prev = -1;

	if (n > sizeof(narrow))
		return 0;
	for (k = 0; k < n; k++)
		narrow[k] = (char)data[start + 2 * k];
	if (start >= 2 && data[start - 1] == 0)
		prev = data[start - 2];
	if (token_check(narrow, n, prev, &skip, &w) != 0)
		return 0;
	(*count)++;
	return fn ? fn(arg, narrow + skip, n - skip, start + 2 * skip, &w) : 0;
}

/*
 * As mm_wallet_scan(), with one run counter per byte alignment: the code
 * unit starting at byte i belongs to alignment i & 1. A unit that cannot
 * be complete (the last byte) ends both runs.
 */
size_t mm_wallet_scan_utf16le(const uint8_t *data, size_t len,
			      mm_wallet_fn *fn, void *arg)
{
	size_t i, par, a, run[2] = { 0, 0 }, count = 0;

	if (!data)
		return 0;
	for (i = 0; i + 1 < len; i++) {
		par = i & 1;
		a = (size_t)(alnum_tab[data[i]] & (data[i + 1] == 0));
		if (MM_UNLIKELY((run[par] >= SEGWIT_MIN_LEN) & (a == 0)) &&
		    scan_token16(data, i - 2 * run[par], run[par], fn, arg,
				 &count) != 0)
			return count;
		run[par] = (run[par] + 1) & (0 - a);
	}
	/* i is now max(len - 1, 0): end the run of each alignment there. */
	for (; i <= len; i++) {
		par = i & 1;
		if (run[par] >= SEGWIT_MIN_LEN &&
		    scan_token16(data, i - 2 * run[par], run[par], fn, arg,
				 &count) != 0)
			return count;
		run[par] = 0;
	}
	return count;
}
