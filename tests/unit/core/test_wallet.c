/*
 * test_wallet.c — unit tests for src/core/wallet.c.
 *
 * Published vectors (BIP-350 segwit valid/invalid lists, the EIP-55
 * examples, well-known Base58Check and Monero addresses), the fixtures of
 * tests/gen/gen_wallets.py (addresses of every kind built from seeded bytes
 * by an independent Python encoder, and one-character look-alikes checked
 * there to be invalid), mm_wallet_scan() on text with addresses among
 * punctuation, JSON and command lines, and on random binary and random
 * address-alphabet soup, where nothing checksum-verified may be found.
 * Throughput of the scan is printed (not asserted).
 */
#include "core/compat.h"
#include "core/wallet.h"

#include <setjmp.h>
#include <time.h>
#include <cmocka.h>

static void expect_valid(const char *s, enum mm_coin coin, const char *name,
			 const char *type, bool verified)
{
	struct mm_wallet w;
	int rc = mm_wallet_check(s, strlen(s), &w);

	if (rc != 0)
		fail_msg("expected valid: %s", s);
	assert_int_equal(w.coin, coin);
	assert_string_equal(w.coin_name, name);
	assert_string_equal(w.type, type);
	assert_int_equal(w.checksum_verified, verified);
}

static void expect_invalid(const char *s)
{
	struct mm_wallet w;

	if (mm_wallet_check(s, strlen(s), &w) != MM_ENOTFOUND)
		fail_msg("expected invalid: %s (%s %s)", s, w.coin_name, w.type);
	assert_int_equal(w.coin, MM_COIN_NONE);
}

static void test_segwit_vectors(void **state)
{
	/* BIP-350 "valid segwit addresses" */
	static const struct {
		const char *a;
		enum mm_coin coin;
		const char *name, *type;
	} ok[] = {
		{ "BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4", MM_COIN_BTC, "bitcoin", "p2wpkh" },
		{ "tb1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3q0sl5k7", MM_COIN_BTC_TESTNET, "bitcoin-testnet", "p2wsh" },
		{ "bc1pw508d6qejxtdg4y5r3zarvary0c5xw7kw508d6qejxtdg4y5r3zarvary0c5xw7kt5nd6y", MM_COIN_BTC, "bitcoin", "witness_unknown" },
		{ "BC1SW50QGDZ25J", MM_COIN_BTC, "bitcoin", "witness_unknown" },
		{ "bc1zw508d6qejxtdg4y5r3zarvaryvaxxpcs", MM_COIN_BTC, "bitcoin", "witness_unknown" },
		{ "tb1qqqqqp399et2xygdj5xreqhjjvcmzhxw4aywxecjdzew6hylgvsesrxh6hy", MM_COIN_BTC_TESTNET, "bitcoin-testnet", "p2wsh" },
		{ "tb1pqqqqp399et2xygdj5xreqhjjvcmzhxw4aywxecjdzew6hylgvsesf3hn0c", MM_COIN_BTC_TESTNET, "bitcoin-testnet", "p2tr" },
		{ "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0", MM_COIN_BTC, "bitcoin", "p2tr" },
	};
	/* BIP-350 "invalid segwit addresses", plus BIP-173 ones that are still
	 * invalid and a one-character substitution of the first valid one. */
	static const char *bad[] = {
		"tc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vq5zuyut",
		"bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqh2y7hd",
		"tb1z0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqglt7rf",
		"BC1S0XLXVLHEMJA6C4DQV22UAPCTQUPFHLXM9H8Z3K2E72Q4K9HCZ7VQ54WELL",
		"bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kemeawh",
		"tb1q0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vq24jc47",
		"bc1p38j9r5y49hruaue7wxjce0updqjuyyx0kh56v8s25huc6995vvpql3jow4",
		"BC130XLXVLHEMJA6C4DQV22UAPCTQUPFHLXM9H8Z3K2E72Q4K9HCZ7VQ7ZWS8R",
		"bc1pw5dgrnzv",
		"bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7v8n0nx0muaewav253zgeav",
		"BC1QR508D6QEJXTDG4Y5R3ZARVARYV98GJ9P",
		"tb1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vq47Zagq",
		"bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7v07qwwzcrf",
		"tb1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vpggkg4j",
		"bc1gmk9yu",
		"bc1zw508d6qejxtdg4y5r3zarvaryvqyzf3du",
		"BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T5",
		"bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4",	/* mixed? no: lower of valid */
	};
	size_t i;

	(void)state;
	for (i = 0; i < MM_ARRAY_SIZE(ok); i++)
		expect_valid(ok[i].a, ok[i].coin, ok[i].name, ok[i].type, true);
	/* The all-lower form of an all-upper valid address is valid too. */
	expect_valid(bad[MM_ARRAY_SIZE(bad) - 1], MM_COIN_BTC, "bitcoin", "p2wpkh", true);
	for (i = 0; i + 1 < MM_ARRAY_SIZE(bad); i++)
		expect_invalid(bad[i]);
}

static void test_eip55(void **state)
{
	static const char *checksummed[] = {
		"0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
		"0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359",
		"0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB",
		"0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb",
	};
	static const char *plain[] = {
		"0x52908400098527886E0F7030069857D2E4169EE7",
		"0x8617E340B3D01FA5F11F306F4090FD50E238070D",
		"0xde709f2102306220921060314715629080e2fb77",
		"0x27b1fdb04752bbc536007a920d24acb045561c26",
		"0x0000000000000000000000000000000000000000",
	};
	size_t i;

	(void)state;
	for (i = 0; i < MM_ARRAY_SIZE(checksummed); i++)
		expect_valid(checksummed[i], MM_COIN_ETH, "ethereum", "eip55", true);
	for (i = 0; i < MM_ARRAY_SIZE(plain); i++)
		expect_valid(plain[i], MM_COIN_ETH, "ethereum", "unchecksummed", false);
	/* One letter's case flipped; a digit changed; bad lengths and prefix. */
	expect_invalid("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD");
	expect_invalid("0x5aaeb6053F3E94C9b9A09f33669435E7Ef1BeAed");
	expect_invalid("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAe");
	expect_invalid("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAedd");
	expect_invalid("0X5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed");
	expect_invalid("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeg");
	expect_invalid("005aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed");
}

static void test_base58check_known(void **state)
{
	(void)state;
	/* The genesis block's address and a well-known P2SH example. */
	expect_valid("1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa", MM_COIN_BTC, "bitcoin", "p2pkh", true);
	expect_valid("3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy", MM_COIN_BTC, "bitcoin", "p2sh", true);
	/* Look-alikes: one character changed, swapped, dropped, added. */
	expect_invalid("1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNb");
	expect_invalid("1A1zP1eP5QGefi2DMPTfTL5SLmv7DivNfa");
	expect_invalid("1A1zP1eP5QGefi2DMPTfTL5SLmv7Divfa");
	expect_invalid("1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNaa");
	expect_invalid("11A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa");
	expect_invalid("1A1zP1eP5QGefi2DMPTfTL5SLmv7Div0Na");
	expect_invalid("1111111111111111111111111111111111");
	expect_invalid("zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz");
	expect_invalid("3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLz");
}

static void test_monero_known(void **state)
{
	const char *fund = "44AFFq5kSiGBoZ4NMDwYtN18obc8AemS33DBLWs3H7otXft3Xjrp"
			   "DtQGv7SqSsaBYBb98uNbr2VBBEt7f2wfn3RVGQBEP3A";
	char bad[96];
	size_t i;

	(void)state;
	/* The Monero general fund's published donation address. */
	expect_valid(fund, MM_COIN_XMR, "monero", "standard", true);
	/* Every single-position substitution by a neighbouring digit fails. */
	for (i = 0; i < strlen(fund); i++) {
		memcpy(bad, fund, 96);
		bad[i] = bad[i] == 'z' ? 'y' : (bad[i] == '9' ? 'A' :
			 (bad[i] == 'H' ? 'J' : (bad[i] == 'N' ? 'P' :
			 (bad[i] == 'k' ? 'm' : (bad[i] == 'Z' ? 'a' : (char)(bad[i] + 1))))));
		expect_invalid(bad);
	}
	/* Overflowing blocks: "zzzzzzzzzzz" is above 2^64. */
	memcpy(bad, fund, 96);
	memset(bad + 11, 'z', 11);
	expect_invalid(bad);
	memcpy(bad, fund, 96);
	memset(bad + 88, 'z', 7);	/* last block of 5 bytes overflows */
	expect_invalid(bad);
}

static uint64_t rng_next(uint64_t *s);
static int count_verified(void *arg, const char *addr, size_t len,
			  size_t offset, const struct mm_wallet *w);

static void test_check_edges(void **state)
{
	const char *g = "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa";
	char buf[64];

	(void)state;
	assert_int_equal(mm_wallet_check(NULL, 0, NULL), MM_ENOTFOUND);
	assert_int_equal(mm_wallet_check("", 0, NULL), MM_ENOTFOUND);
	assert_int_equal(mm_wallet_check(g, strlen(g), NULL), 0);
	/* Exactly one address: trailing or leading bytes are not allowed. */
	snprintf(buf, sizeof(buf), "%s ", g);
	assert_int_equal(mm_wallet_check(buf, strlen(buf), NULL), MM_ENOTFOUND);
	snprintf(buf, sizeof(buf), " %s", g);
	assert_int_equal(mm_wallet_check(buf, strlen(buf), NULL), MM_ENOTFOUND);
	assert_int_equal(mm_wallet_check(g, strlen(g) - 1, NULL), MM_ENOTFOUND);
	/* Embedded NUL. */
	memcpy(buf, g, strlen(g) + 1);
	buf[10] = '\0';
	assert_int_equal(mm_wallet_check(buf, strlen(g), NULL), MM_ENOTFOUND);
}

static FILE *open_gen(const char *name)
{
	const char *gen = getenv("MAMORI_GEN_DIR");
	char path[1024];
	FILE *f;

	assert_non_null(gen);
	snprintf(path, sizeof(path), "%s/wallets/%s", gen, name);
	f = fopen(path, "rb");
	if (!f)
		fail_msg("cannot open %s", path);
	return f;
}

static void test_fixtures(void **state)
{
	char line[512], *coin, *type, *ver, *addr;
	struct mm_wallet w;
	FILE *f;
	int nvalid = 0, ninvalid = 0;
	unsigned kinds = 0;

	(void)state;
	f = open_gen("valid.tsv");
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\r\n")] = '\0';
		coin = strtok(line, "\t");
		type = strtok(NULL, "\t");
		ver = strtok(NULL, "\t");
		addr = strtok(NULL, "\t");
		assert_non_null(addr);
		if (mm_wallet_check(addr, strlen(addr), &w) != 0)
			fail_msg("fixture should validate: %s %s %s", coin, type, addr);
		assert_string_equal(w.coin_name, coin);
		assert_string_equal(w.type, type);
		assert_int_equal(w.checksum_verified, atoi(ver) == 1);
		kinds |= 1u << w.coin;
		nvalid++;
	}
	fclose(f);
	f = open_gen("invalid.txt");
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\r\n")] = '\0';
		expect_invalid(line);
		ninvalid++;
	}
	fclose(f);
	print_message("fixtures: %d valid, %d invalid\n", nvalid, ninvalid);
	assert_true(nvalid >= 80);
	assert_true(ninvalid >= nvalid);
	assert_int_equal(kinds, (1u << MM_COIN_XMR) | (1u << MM_COIN_BTC) |
			 (1u << MM_COIN_BTC_TESTNET) | (1u << MM_COIN_LTC) |
			 (1u << MM_COIN_DOGE) | (1u << MM_COIN_ETH));
}

struct hits {
	size_t n;
	size_t off[256];
	char addr[256][108];
	size_t stop_after;	/* 0: never stop */
};

static int collect(void *arg, const char *addr, size_t len, size_t offset,
		   const struct mm_wallet *w)
{
	struct hits *h = arg;

	assert_non_null(w->coin_name);
	assert_true(len < sizeof(h->addr[0]));
	if (h->n < 256) {
		h->off[h->n] = offset;
		memcpy(h->addr[h->n], addr, len);
		h->addr[h->n][len] = '\0';
	}
	h->n++;
	return h->stop_after && h->n >= h->stop_after;
}

static char *slurp(FILE *f, size_t *len)
{
	char *buf;
	long n;

	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	assert_true(n > 0);
	rewind(f);
	buf = malloc((size_t)n);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	*len = (size_t)n;
	return buf;
}

static void test_scan_fixture(void **state)
{
	struct hits *h = calloc(1, sizeof(*h));
	char line[512], *tab;
	size_t len, i = 0, got;
	char *text;
	FILE *f;

	(void)state;
	assert_non_null(h);
	f = open_gen("scan.txt");
	text = slurp(f, &len);
	fclose(f);
	got = mm_wallet_scan(text, len, collect, h);
	assert_int_equal(got, h->n);
	f = open_gen("scan.tsv");
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\r\n")] = '\0';
		tab = strchr(line, '\t');
		assert_non_null(tab);
		assert_true(i < h->n);
		assert_int_equal(h->off[i], strtoul(line, NULL, 10));
		assert_string_equal(h->addr[i], tab + 1);
		i++;
	}
	fclose(f);
	assert_int_equal(i, h->n);

	/* The callback can stop the scan; the count says how far it got. */
	memset(h, 0, sizeof(*h));
	h->stop_after = 3;
	assert_int_equal(mm_wallet_scan(text, len, collect, h), 3);
	/* No callback: just counts. */
	assert_int_equal(mm_wallet_scan(text, len, NULL, NULL), got);
	free(text);
	free(h);
}

static void test_scan_contexts(void **state)
{
	static const char *xmr = "44AFFq5kSiGBoZ4NMDwYtN18obc8AemS33DBLWs3H7otXft3Xjrp"
				 "DtQGv7SqSsaBYBb98uNbr2VBBEt7f2wfn3RVGQBEP3A";
	struct hits *h = calloc(1, sizeof(*h));
	char text[2048];
	size_t i;
	int n;

	(void)state;
	assert_non_null(h);
	n = snprintf(text, sizeof(text),
		     "xmrig -o pool:3333 -u %s.rig01 -p x\n"
		     "{\"user\":\"1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa\",\"eth\":"
		     "\"0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed\"}\n"
		     "pay bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0."
		     " glued X1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa and "
		     "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNaX, look-alike "
		     "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNb; end=%s",
		     xmr, xmr);
	assert_true(n > 0 && (size_t)n < sizeof(text));
	assert_int_equal(mm_wallet_scan(text, (size_t)n, collect, h), 5);
	assert_string_equal(h->addr[0], xmr);
	assert_int_equal(h->off[0], strlen("xmrig -o pool:3333 -u "));
	assert_string_equal(h->addr[1], "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa");
	assert_string_equal(h->addr[2], "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed");
	assert_string_equal(h->addr[3], "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0");
	assert_string_equal(h->addr[4], xmr);
	assert_int_equal(h->off[4], (size_t)n - strlen(xmr));
	assert_memory_equal(text + h->off[1], h->addr[1], strlen(h->addr[1]));
	assert_memory_equal(text + h->off[3], h->addr[3], strlen(h->addr[3]));
	/* Escapes glued to an address: rule files, JSON, logs, URLs. */
	memset(h, 0, sizeof(*h));
	n = snprintf(text, sizeof(text),
		     "content:\"\\x22login\\x22\\x3a\\x22%s\\x22\"; "
		     "GET /?u=%%22wallet%%22%%3A%%221A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa%%22 "
		     "{\"a\":\"\\u00220x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed\"} "
		     "log: pay to\\nbc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0 "
		     "no escape: x2244AFFq5kSiGBoZ4NMDwYtN18obc8AemS33DBLWs3H7otXft3Xjrp"
		     "DtQGv7SqSsaBYBb98uNbr2VBBEt7f2wfn3RVGQBEP3A "
		     "one digit: %%21A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa", xmr);
	assert_true(n > 0 && (size_t)n < sizeof(text));
	assert_int_equal(mm_wallet_scan(text, (size_t)n, collect, h), 4);
	assert_string_equal(h->addr[0], xmr);
	assert_int_equal(h->off[0], strlen("content:\"\\x22login\\x22\\x3a\\x22"));
	assert_string_equal(h->addr[1], "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa");
	assert_string_equal(h->addr[2], "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed");
	assert_string_equal(h->addr[3], "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0");
	for (i = 0; i < 4; i++)
		assert_memory_equal(text + h->off[i], h->addr[i], strlen(h->addr[i]));

	/* An address cut by the end of the buffer is not reported. */
	assert_int_equal(mm_wallet_scan(text, (size_t)n - 1, NULL, NULL), 4);
	assert_int_equal(mm_wallet_scan(text, 0, NULL, NULL), 0);
	assert_int_equal(mm_wallet_scan(NULL, 10, NULL, NULL), 0);
	free(h);
}

static uint64_t rng_next(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	*s = x;
	return x;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int count_verified(void *arg, const char *addr, size_t len,
			  size_t offset, const struct mm_wallet *w)
{
	size_t *n = arg;

	(void)addr;
	(void)len;
	(void)offset;
	if (w->checksum_verified)
		(*n)++;
	return 0;
}

/* Widens ASCII s into UTF-16LE at out; returns bytes written. */
static size_t widen(const char *s, uint8_t *out)
{
	size_t i, n = strlen(s);

	for (i = 0; i < n; i++) {
		out[2 * i] = (uint8_t)s[i];
		out[2 * i + 1] = 0;
	}
	return 2 * n;
}

static void test_scan_utf16le(void **state)
{
	static const char *xmr = "44AFFq5kSiGBoZ4NMDwYtN18obc8AemS33DBLWs3H7otXft3Xjrp"
				 "DtQGv7SqSsaBYBb98uNbr2VBBEt7f2wfn3RVGQBEP3A";
	struct hits *h = calloc(1, sizeof(*h));
	uint8_t buf[4096], rnd[8192];
	size_t n = 0, off_btc, off_xmr, off_eth, off_esc, i, verified = 0;
	uint64_t seed = 42;

	(void)state;
	assert_non_null(h);
	/* Odd start: a binary header of 3 bytes, then wide text. */
	memcpy(buf, "\x7f\x01\x02", 3);
	n = 3;
	n += widen("wallet=", buf + n);
	off_btc = n;
	n += widen("1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa", buf + n);
	n += widen(";", buf + n);
	buf[n++] = 0xff;	/* realign to even */
	n += widen(" pay ", buf + n);
	off_eth = n;
	n += widen("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", buf + n);
	n += widen(" look-alike 1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNb ", buf + n);
	/* A wide character (U+4E00) glued to an address does not end it as
	 * ASCII would: it is a separator, the address is still found. */
	buf[n++] = 0x00;
	buf[n++] = 0x4e;
	off_xmr = n;
	n += widen(xmr, buf + n);
	n += widen(" \\x22", buf + n);
	off_esc = n;
	n += widen("1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa\\x22", buf + n);
	assert_true(n < sizeof(buf));
	assert_int_equal(mm_wallet_scan_utf16le(buf, n, collect, h), 4);
	assert_int_equal(h->off[3], off_esc);
	assert_string_equal(h->addr[3], "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa");
	assert_int_equal(h->off[0], off_btc);
	assert_string_equal(h->addr[0], "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa");
	assert_int_equal(h->off[1], off_eth);
	assert_string_equal(h->addr[1], "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed");
	assert_int_equal(h->off[2], off_xmr);
	assert_string_equal(h->addr[2], xmr);
	/* The 8-bit scan sees none of them. */
	assert_int_equal(mm_wallet_scan((const char *)buf, n, NULL, NULL), 0);
	/* Cut in the middle of the last Monero code unit: it is incomplete
	 * and must not be reported; cut one unit earlier: the same. */
	assert_int_equal(mm_wallet_scan_utf16le(buf, off_esc - 2 * 5 - 1, NULL, NULL), 2);
	assert_int_equal(mm_wallet_scan_utf16le(buf, off_esc - 2 * 5 - 2, NULL, NULL), 2);
	assert_int_equal(mm_wallet_scan_utf16le(buf, off_esc - 2 * 4, NULL, NULL), 3);
	assert_int_equal(mm_wallet_scan_utf16le(buf, 0, NULL, NULL), 0);
	assert_int_equal(mm_wallet_scan_utf16le(buf, 1, NULL, NULL), 0);
	assert_int_equal(mm_wallet_scan_utf16le(NULL, 5, NULL, NULL), 0);
	/* Stop after the first. */
	memset(h, 0, sizeof(*h));
	h->stop_after = 1;
	assert_int_equal(mm_wallet_scan_utf16le(buf, n, collect, h), 1);
	/* Random bytes with every other byte zero: many short wide tokens. */
	for (i = 0; i < sizeof(rnd); i++)
		rnd[i] = i % 2 ? 0 : (uint8_t)rng_next(&seed);
	mm_wallet_scan_utf16le(rnd, sizeof(rnd), count_verified, &verified);
	assert_int_equal(verified, 0);
	free(h);
}

static void test_scan_random(void **state)
{
	static const char b58[] =
		"123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
	static const size_t lens[] = { 26, 33, 34, 35, 42, 62, 95, 106 };
	const size_t size = 1u << 20;
	char *buf = malloc(size);
	uint64_t seed = 0x9e3779b97f4a7c15ULL;
	size_t i, j, verified = 0, reps = 32, tokens = 0;
	double t0, t1;

	(void)state;
	assert_non_null(buf);
	/* 1 MB of random bytes. */
	for (i = 0; i < size; i++)
		buf[i] = (char)rng_next(&seed);
	mm_wallet_scan(buf, size, count_verified, &verified);
	assert_int_equal(verified, 0);
	t0 = now();
	for (i = 0; i < reps; i++)
		mm_wallet_scan(buf, size, NULL, NULL);
	t1 = now();
	print_message("scan random binary: %.0f MB/s\n",
		      (double)reps / (t1 - t0 > 0 ? t1 - t0 : 1e-9));
	verified = 0;
	mm_wallet_scan_utf16le((const uint8_t *)buf, size, count_verified, &verified);
	assert_int_equal(verified, 0);
	t0 = now();
	for (i = 0; i < reps; i++)
		mm_wallet_scan_utf16le((const uint8_t *)buf, size, NULL, NULL);
	t1 = now();
	print_message("scan random binary as UTF-16LE: %.0f MB/s\n",
		      (double)reps / (t1 - t0 > 0 ? t1 - t0 : 1e-9));

	/* 1 MB of base58 tokens of address lengths, starting with plausible
	 * version characters: each one goes through full decoding. */
	i = 0;
	while (i + 110 < size) {
		size_t n = lens[rng_next(&seed) % MM_ARRAY_SIZE(lens)];

		for (j = 0; j < n; j++)
			buf[i + j] = b58[rng_next(&seed) % 58];
		buf[i] = "13mn2LMD49"[rng_next(&seed) % 10];
		if (n == 95 || n == 106)
			buf[i] = '4';
		if (n == 42) {
			buf[i] = '0';
			buf[i + 1] = 'x';
			for (j = 2; j < n; j++)
				buf[i + j] = "0123456789abcdefABCDEF"[rng_next(&seed) % 22];
		}
		if (n == 62)
			memcpy(buf + i, "bc1", 3);
		buf[i + n] = ' ';
		i += n + 1;
		tokens++;
	}
	memset(buf + i, ' ', size - i);
	verified = 0;
	t0 = now();
	mm_wallet_scan(buf, size, count_verified, &verified);
	t1 = now();
	assert_int_equal(verified, 0);
	print_message("scan address-like tokens: %zu tokens, %.1f MB/s\n",
		      tokens, 1.0 / (t1 - t0 > 0 ? t1 - t0 : 1e-9));

	/* Plain text (no candidates): the common case of files and logs. */
	for (i = 0; i < size; i++)
		buf[i] = "the quick brown fox, jumps; over the lazy dog\n"[i % 46];
	t0 = now();
	for (i = 0; i < reps; i++)
		assert_int_equal(mm_wallet_scan(buf, size, NULL, NULL), 0);
	t1 = now();
	print_message("scan plain text: %.0f MB/s\n",
		      (double)reps / (t1 - t0 > 0 ? t1 - t0 : 1e-9));
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_segwit_vectors),
		cmocka_unit_test(test_eip55),
		cmocka_unit_test(test_base58check_known),
		cmocka_unit_test(test_monero_known),
		cmocka_unit_test(test_check_edges),
		cmocka_unit_test(test_fixtures),
		cmocka_unit_test(test_scan_fixture),
		cmocka_unit_test(test_scan_contexts),
		cmocka_unit_test(test_scan_utf16le),
		cmocka_unit_test(test_scan_random),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
