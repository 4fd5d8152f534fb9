/*
 * test_hash.c — unit tests for src/core/hash.c: SHA-256 (one-shot and
 * incremental), SHA-1, MD5 and Keccak-256 against published vectors and
 * against the Keccak vectors tests/gen/gen_wallets.py writes with its own
 * independent Python Keccak (which checks itself against hashlib's SHA3-256
 * first); hex; Base64 round trips and hostile input; Community ID against
 * the spec's published baseline flows, both directions.
 */
#include "core/compat.h"
#include "core/hash.h"

#include <setjmp.h>
#include <arpa/inet.h>
#include <cmocka.h>

static void hex_of(const uint8_t *d, size_t n, char *out)
{
	mm_hex(d, n, out);
}

static void test_sha256(void **state)
{
	uint8_t d[32];
	char hex[65];
	struct mm_sha256 h;
	const char *msg = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
	size_t i;

	(void)state;
	mm_sha256("", 0, d);
	hex_of(d, 32, hex);
	assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	mm_sha256("abc", 3, d);
	hex_of(d, 32, hex);
	assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");

	/* Incremental, one byte at a time, equals the one-shot vector. */
	assert_int_equal(mm_sha256_init(&h), 0);
	for (i = 0; i < strlen(msg); i++)
		assert_int_equal(mm_sha256_update(&h, msg + i, 1), 0);
	assert_int_equal(mm_sha256_update(&h, NULL, 0), 0);
	assert_int_equal(mm_sha256_final(&h, d), 0);
	assert_null(h.evp);
	hex_of(d, 32, hex);
	assert_string_equal(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
	/* Released state: update and final report misuse, release is a no-op. */
	assert_int_equal(mm_sha256_update(&h, "x", 1), MM_ESTATE);
	assert_int_equal(mm_sha256_final(&h, d), MM_ESTATE);
	mm_sha256_release(&h);

	/* Release without final on an error path. */
	assert_int_equal(mm_sha256_init(&h), 0);
	assert_int_equal(mm_sha256_update(&h, "abc", 3), 0);
	mm_sha256_release(&h);
	assert_null(h.evp);
}

static void test_sha1_md5(void **state)
{
	uint8_t d[20];
	char hex[41];

	(void)state;
	mm_sha1("abc", 3, d);
	hex_of(d, 20, hex);
	assert_string_equal(hex, "a9993e364706816aba3e25717850c26c9cd0d89d");
	mm_sha1("", 0, d);
	hex_of(d, 20, hex);
	assert_string_equal(hex, "da39a3ee5e6b4b0d3255bfef95601890afd80709");
	mm_md5("", 0, d);
	hex_of(d, 16, hex);
	assert_string_equal(hex, "d41d8cd98f00b204e9800998ecf8427e");
	mm_md5("abc", 3, d);
	hex_of(d, 16, hex);
	assert_string_equal(hex, "900150983cd24fb0d6963f7d28e17f72");
}

static void test_keccak_vectors(void **state)
{
	uint8_t d[32];
	char hex[65];
	const char *fox = "The quick brown fox jumps over the lazy dog";

	(void)state;
	mm_keccak256("", 0, d);
	hex_of(d, 32, hex);
	assert_string_equal(hex, "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470");
	mm_keccak256("abc", 3, d);
	hex_of(d, 32, hex);
	assert_string_equal(hex, "4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45");
	mm_keccak256(fox, strlen(fox), d);
	hex_of(d, 32, hex);
	assert_string_equal(hex, "4d741b6f1eb29cb2a9b9911c82f56fa8d73b04959d3d9d222895df6c0b28aa15");
}

static int unhex(const char *s, size_t n, uint8_t *out, size_t cap)
{
	size_t i;
	unsigned v;

	if (n % 2 || n / 2 > cap)
		return -1;
	for (i = 0; i < n / 2; i++) {
		if (sscanf(s + 2 * i, "%2x", &v) != 1)
			return -1;
		out[i] = (uint8_t)v;
	}
	return (int)(n / 2);
}

/* Every length from 0 to a few rate blocks (136 bytes), from the
 * generator's independent implementation: catches padding and block
 * boundary mistakes that short vectors cannot. */
static void test_keccak_generated(void **state)
{
	const char *gen = getenv("MAMORI_GEN_DIR");
	char path[1024], line[2048], hex[65];
	uint8_t msg[1024], d[32];
	FILE *f;
	int n, count = 0;
	char *tab;

	(void)state;
	assert_non_null(gen);
	snprintf(path, sizeof(path), "%s/wallets/keccak.tsv", gen);
	f = fopen(path, "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\r\n")] = '\0';
		tab = strchr(line, '\t');
		assert_non_null(tab);
		*tab = '\0';
		n = unhex(line, strlen(line), msg, sizeof(msg));
		assert_true(n >= 0);
		mm_keccak256(msg, (size_t)n, d);
		hex_of(d, 32, hex);
		assert_string_equal(hex, tab + 1);
		count++;
	}
	fclose(f);
	assert_true(count >= 300);
}

static void test_hex(void **state)
{
	const uint8_t b[] = { 0x00, 0x7f, 0x80, 0xff, 0xa5 };
	char out[11];

	(void)state;
	memset(out, 'x', sizeof(out));
	mm_hex(b, sizeof(b), out);
	assert_string_equal(out, "007f80ffa5");
	mm_hex(b, 0, out);
	assert_string_equal(out, "");
}

static void test_base64(void **state)
{
	static const struct {
		const char *plain, *enc;
	} rfc[] = {
		{ "", "" },	     { "f", "Zg==" },	    { "fo", "Zm8=" },
		{ "foo", "Zm9v" },    { "foob", "Zm9vYg==" }, { "fooba", "Zm9vYmE=" },
		{ "foobar", "Zm9vYmFy" },
	};
	static const char *bad[] = {
		"Z", "Zm9vY", "Zg=", "Z===", "Zm9v=", "Zg==Zg==", "Zm9v!", "Zg=x",
		"Zm8==", "=Zg", "Zm\x80v", "Zm9vYg===",
	};
	char enc[64];
	uint8_t out[64], all[256];
	long n;
	size_t i, e;

	(void)state;
	for (i = 0; i < MM_ARRAY_SIZE(rfc); i++) {
		e = mm_base64_encode((const uint8_t *)rfc[i].plain,
				     strlen(rfc[i].plain), enc);
		assert_int_equal(e, strlen(rfc[i].enc));
		assert_string_equal(enc, rfc[i].enc);
		n = mm_base64_decode(rfc[i].enc, strlen(rfc[i].enc), out, sizeof(out));
		assert_int_equal(n, (long)strlen(rfc[i].plain));
		assert_memory_equal(out, rfc[i].plain, (size_t)n);
	}
	/* Missing padding and whitespace are tolerated. */
	assert_int_equal(mm_base64_decode("Zg", 2, out, sizeof(out)), 1);
	assert_int_equal(out[0], 'f');
	assert_int_equal(mm_base64_decode("Zm9vYmE", 7, out, sizeof(out)), 5);
	assert_memory_equal(out, "fooba", 5);
	assert_int_equal(mm_base64_decode(" Zm9v\r\nYmFy\n", 12, out, sizeof(out)), 6);
	assert_memory_equal(out, "foobar", 6);
	assert_int_equal(mm_base64_decode("Zg==\n", 5, out, sizeof(out)), 1);
	for (i = 0; i < MM_ARRAY_SIZE(bad); i++)
		assert_int_equal(mm_base64_decode(bad[i], strlen(bad[i]), out,
						  sizeof(out)), -1);
	/* Output capacity is honoured exactly. */
	assert_int_equal(mm_base64_decode("Zm9vYmFy", 8, out, 6), 6);
	assert_int_equal(mm_base64_decode("Zm9vYmFy", 8, out, 5), -1);
	assert_int_equal(mm_base64_decode("Zm9vYmE=", 8, out, 4), -1);
	assert_int_equal(mm_base64_decode("Zm9vYg", 6, out, 3), -1);
	assert_int_equal(mm_base64_decode("Zm9v", 4, out, 0), -1);
	/* Round trip of all byte values at every length. */
	for (i = 0; i < sizeof(all); i++)
		all[i] = (uint8_t)(i * 37 + 11);
	for (e = 0; e <= 40; e++) {
		char big[64];
		size_t m = mm_base64_encode(all, e, big);

		assert_int_equal(m, 4 * ((e + 2) / 3));
		assert_int_equal(mm_base64_decode(big, m, out, sizeof(out)), (long)e);
		assert_memory_equal(out, all, e);
	}
}

struct cid_case {
	int v;
	const char *s, *d;
	uint8_t proto;
	uint16_t sp, dp;
	const char *want;
};

/* Published baseline of the Community ID spec (seed 0). For ICMP the ports
 * are the packet's type and code. */
static const struct cid_case cid_cases[] = {
	{ 4, "128.232.110.120", "66.35.250.204", 6, 34855, 80, "1:LQU9qZlK+B5F3KDmev6m5PMibrg=" },
	{ 4, "66.35.250.204", "128.232.110.120", 6, 80, 34855, "1:LQU9qZlK+B5F3KDmev6m5PMibrg=" },
	{ 4, "8.8.8.8", "192.168.1.52", 17, 53, 54585, "1:d/FP5EW3wiY1vCndhwleRRKHowQ=" },
	{ 4, "192.168.1.52", "8.8.8.8", 17, 54585, 53, "1:d/FP5EW3wiY1vCndhwleRRKHowQ=" },
	{ 4, "192.168.170.8", "192.168.170.56", 132, 7, 7, "1:MP2EtRCAUIZvTw6MxJHLV7N7JDs=" },
	{ 4, "192.168.170.56", "192.168.170.8", 132, 7, 7, "1:MP2EtRCAUIZvTw6MxJHLV7N7JDs=" },
	{ 4, "10.1.12.1", "10.1.12.2", 46, 0, 0, "1:KHlLkgoJW7ifUTyTSgyVfkFHzKw=" },
	{ 4, "10.1.12.2", "10.1.12.1", 46, 0, 0, "1:KHlLkgoJW7ifUTyTSgyVfkFHzKw=" },
	/* echo request (8,0) and its reply (0,0) */
	{ 4, "192.168.0.89", "192.168.0.1", 1, 8, 0, "1:X0snYXpgwiv9TZtqg64sgzUn6Dk=" },
	{ 4, "192.168.0.1", "192.168.0.89", 1, 0, 0, "1:X0snYXpgwiv9TZtqg64sgzUn6Dk=" },
	/* time exceeded: one-way */
	{ 4, "10.0.0.1", "10.0.0.2", 1, 11, 0, "1:YHxtAirCG//0OzkcVAukqKQN9xM=" },
	{ 6, "2001:470:e5bf:dead:4957:2174:e82c:4887", "2607:f8b0:400c:c03::1a", 6, 63943, 25, "1:/qFaeAR+gFe1KYjMzVDsMv+wgU4=" },
	{ 6, "2607:f8b0:400c:c03::1a", "2001:470:e5bf:dead:4957:2174:e82c:4887", 6, 25, 63943, "1:/qFaeAR+gFe1KYjMzVDsMv+wgU4=" },
	/* neighbour solicitation / advertisement pairs */
	{ 6, "fe80::200:86ff:fe05:80da", "fe80::260:97ff:fe07:69ea", 58, 135, 0, "1:dGHyGvjMfljg6Bppwm3bg0LO8TY=" },
	{ 6, "fe80::260:97ff:fe07:69ea", "fe80::200:86ff:fe05:80da", 58, 136, 0, "1:dGHyGvjMfljg6Bppwm3bg0LO8TY=" },
	{ 6, "fe80::260:97ff:fe07:69ea", "fe80::200:86ff:fe05:80da", 58, 135, 0, "1:zavyT/cezQr1fmImYCwYnMXbgck=" },
	{ 6, "fe80::200:86ff:fe05:80da", "fe80::260:97ff:fe07:69ea", 58, 136, 0, "1:zavyT/cezQr1fmImYCwYnMXbgck=" },
	{ 6, "3ffe:501:1800:2345::2", "3ffe:507:0:1:200:86ff:fe05:80da", 58, 3, 0, "1:2ObVBgIn28oZvibYZhZMBgh7WdQ=" },
	{ 6, "3ffe:501:410:0:2c0:dfff:fe47:33e", "3ffe:507:0:1:200:86ff:fe05:80da", 58, 1, 4, "1:hLZd0XGWojozrvxqE0dWB1iM6R0=" },
	{ 6, "3ffe:507:0:1:200:86ff:fe05:80da", "3ffe:501:0:1001::2", 58, 128, 0, "1:+TW+HtLHvV1xnGhV1lv7XoJrqQg=" },
	{ 6, "3ffe:501:0:1001::2", "3ffe:507:0:1:200:86ff:fe05:80da", 58, 129, 0, "1:+TW+HtLHvV1xnGhV1lv7XoJrqQg=" },
	{ 6, "fe80::200:86ff:fe05:80da", "ff02::2", 58, 133, 0, "1:hO+sN4H+MG5MY/8hIrXPqc4ZQz0=" },
	{ 6, "fe80::260:97ff:fe07:69ea", "ff02::1", 58, 134, 0, "1:pkvHqCL88/tg1k4cPigmZXUtL00=" },
};

static void test_community_id(void **state)
{
	uint8_t s[16], d[16];
	char out[64];
	size_t i;

	(void)state;
	for (i = 0; i < MM_ARRAY_SIZE(cid_cases); i++) {
		const struct cid_case *c = &cid_cases[i];
		int af = c->v == 4 ? AF_INET : AF_INET6;

		assert_int_equal(inet_pton(af, c->s, s), 1);
		assert_int_equal(inet_pton(af, c->d, d), 1);
		memset(out, 'x', sizeof(out));
		assert_int_equal(mm_community_id(c->v, s, d, c->proto, c->sp,
						 c->dp, out), 0);
		if (strcmp(out, c->want) != 0)
			fail_msg("case %zu: %s -> %s proto %u: got %s want %s", i,
				 c->s, c->d, c->proto, out, c->want);
	}
	assert_int_equal(mm_community_id(5, s, d, 6, 1, 2, out), MM_EINVAL);
	assert_string_equal(out, "");
	assert_int_equal(mm_community_id(4, NULL, d, 6, 1, 2, out), MM_EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sha256),
		cmocka_unit_test(test_sha1_md5),
		cmocka_unit_test(test_keccak_vectors),
		cmocka_unit_test(test_keccak_generated),
		cmocka_unit_test(test_hex),
		cmocka_unit_test(test_base64),
		cmocka_unit_test(test_community_id),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
