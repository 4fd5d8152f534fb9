/*
 * wallet.h — cryptocurrency wallet addresses, validated, not pattern-guessed.
 *
 * mm_wallet_check() accepts a string only if it decodes and its checksum
 * holds: Monero (Cryptonote base58 in 8-byte blocks, Keccak-256 checksum;
 * standard, integrated and subaddress prefixes), Bitcoin-family Base58Check
 * (P2PKH/P2SH of BTC, LTC, DOGE, and testnet), bech32/bech32m segwit
 * (bc1/tb1/ltc1), Ethereum (0x + 40 hex; EIP-55 checksum when mixed case;
 * all-lower/all-upper are valid but unverified). Shared by the file, network
 * and honeypot engines.
 *
 * mm_wallet_scan() finds candidate tokens in arbitrary text and reports only
 * those that validate. Pure and thread-safe; bounded by the input length.
 */
#ifndef MM_WALLET_H
#define MM_WALLET_H

#include "core/error.h"

enum mm_coin {
	MM_COIN_NONE = 0,
	MM_COIN_XMR,
	MM_COIN_BTC,
	MM_COIN_BTC_TESTNET,
	MM_COIN_LTC,
	MM_COIN_DOGE,
	MM_COIN_ETH,
};

struct mm_wallet {
	enum mm_coin coin;
	const char *coin_name;	/* "monero", "bitcoin", ... (static) */
	const char *type;	/* "standard", "integrated", "subaddress",
				 * "p2pkh", "p2sh", "p2wpkh", "p2wsh", "p2tr",
				 * "eip55", "unchecksummed" (static) */
	bool checksum_verified;	/* false only for all-lower/upper ETH */
};

/* 0 if s[0..len) is exactly one valid address (fills w), MM_ENOTFOUND if
 * not. */
int mm_wallet_check(const char *s, size_t len, struct mm_wallet *w);

/* Called for every valid address found; return non-zero to stop. */
typedef int mm_wallet_fn(void *arg, const char *addr, size_t len, size_t offset,
			 const struct mm_wallet *w);
/* Scans text for addresses; returns the number found (or the callback's
 * number reported before the callback stopped it). */
size_t mm_wallet_scan(const char *text, size_t len, mm_wallet_fn *fn, void *arg);

/*
 * Additions (core part B):
 *
 * coin_name is one of "monero", "monero-testnet", "monero-stagenet",
 * "bitcoin", "bitcoin-testnet", "litecoin", "dogecoin", "ethereum"; type
 * may also be "witness_unknown" (a valid segwit address of a version or
 * program length no one uses yet). mm_wallet_scan() reports an address
 * only as a whole alphanumeric token, or such a token after an escape that
 * glues onto it ("\x22", "\u0022", "\n", "%22"; offset and addr then
 * exclude the escape). One cut by the end of text is not reported, so
 * callers scanning a stream in chunks should overlap them by
 * MM_WALLET_MAX_LEN bytes (and twice that for UTF-16).
 */
#define MM_WALLET_MAX_LEN 106

/*
 * The same scan over UTF-16LE text (Windows strings, .NET user strings,
 * PowerShell script blocks), at both byte alignments: a token is a run of
 * ASCII letters and digits each followed by a zero byte. offset is the
 * byte offset of the token's first code unit in data; addr is the token
 * narrowed to ASCII, valid only during the callback. Same cost and rules
 * as mm_wallet_scan().
 */
size_t mm_wallet_scan_utf16le(const uint8_t *data, size_t len,
			      mm_wallet_fn *fn, void *arg);

#endif
