/*
 * test_tls_cert.c — the bounded DER walk of a certificate (tls_cert_parse
 * in src/net/app_tls.c): the leaf and CA made by tests/gen/gen_tls_cert.py
 * give the serial, SHA-1, subject and issuer the generator wrote down
 * (expected.txt, computed with python3-cryptography and hashlib); a
 * hand-built v1 certificate (no [0] version) gives its serial; a serial
 * longer than TLS_SERIAL_MAX bytes is cut and flagged; every truncation of
 * the leaf, a wrong tag in place of the serial and an empty INTEGER are
 * refused without reading past the input.
 */
#include "core/compat.h"
#include <setjmp.h>
#include <cmocka.h>
#include "nethelp.h"
#include "net/internal.h"

static uint8_t *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	uint8_t *b = malloc(65536);
	assert_non_null(b);
	*len = fread(b, 1, 65536, f);
	fclose(f);
	assert_true(*len > 0 && *len < 65536);
	return b;
}

/* The value of "key=" in expected.txt (static buffer). */
static const char *expected(const char *key)
{
	static char line[512];
	FILE *f = fopen(nt_gen("tls_cert/expected.txt"), "r");
	assert_non_null(f);
	size_t kl = strlen(key);
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = 0;
		if (!strncmp(line, key, kl) && line[kl] == '=') {
			fclose(f);
			return line + kl + 1;
		}
	}
	fclose(f);
	fail_msg("no %s in expected.txt", key);
	return NULL;
}

static void test_leaf(void **st)
{
	(void)st;
	size_t n;
	uint8_t *der = slurp(nt_gen("tls_cert/leaf.der"), &n);
	struct tls_cert_fields cf;
	assert_int_equal(tls_cert_parse(der, n, &cf), 0);
	assert_string_equal(cf.serial, expected("serial"));
	assert_string_equal(cf.serial, "00:E7:F9:B6:DE:A6:57:93:00:A1");
	assert_string_equal(cf.fingerprint, expected("fingerprint"));
	assert_string_equal(cf.subject, expected("subject"));
	assert_string_equal(cf.issuer, expected("issuer"));
	assert_false(cf.serial_cut);
	assert_int_equal(cf.der_len, n);
	/* bytes after the certificate are not part of it (nor of its hash) */
	uint8_t *more = malloc(n + 7);
	assert_non_null(more);
	memcpy(more, der, n);
	memset(more + n, 0x30, 7);
	assert_int_equal(tls_cert_parse(more, n + 7, &cf), 0);
	assert_int_equal(cf.der_len, n);
	assert_string_equal(cf.fingerprint, expected("fingerprint"));
	free(more);
	/* every truncation is refused (and ASan sees no read past it) */
	for (size_t k = 0; k < n; k++) {
		uint8_t *cut = malloc(k ? k : 1);
		assert_non_null(cut);
		memcpy(cut, der, k);
		assert_int_equal(tls_cert_parse(cut, k, &cf), MM_ECORRUPT);
		free(cut);
	}
	free(der);
}

static void test_ca(void **st)
{
	(void)st;
	size_t n;
	uint8_t *der = slurp(nt_gen("tls_cert/ca.der"), &n);
	struct tls_cert_fields cf;
	assert_int_equal(tls_cert_parse(der, n, &cf), 0);
	assert_string_equal(cf.serial, "12:34");
	assert_string_equal(cf.fingerprint, expected("ca_fingerprint"));
	assert_string_equal(cf.subject, cf.issuer);
	free(der);
}

/* SEQUENCE { SEQUENCE { [version] INTEGER serial, SEQ alg, SEQ issuer,
 * SEQ validity, SEQ subject } } with short lengths (serial <= 100). */
static size_t v1_cert(uint8_t *out, bool version, uint8_t serial_tag, const uint8_t *serial,
		      size_t sl)
{
	static const uint8_t name[] = { 0x30, 0x0d, 0x31, 0x0b, 0x30, 0x09, 0x06, 0x03, 0x55,
					0x04, 0x03, 0x0c, 0x02, 'm', 'm' };
	uint8_t tbs[256];
	size_t t = 0;
	if (version) {
		static const uint8_t v[] = { 0xa0, 0x03, 0x02, 0x01, 0x02 };
		memcpy(tbs + t, v, sizeof(v));
		t += sizeof(v);
	}
	tbs[t++] = serial_tag;
	tbs[t++] = (uint8_t)sl;
	memcpy(tbs + t, serial, sl);
	t += sl;
	tbs[t++] = 0x30;	/* algorithm */
	tbs[t++] = 0x00;
	memcpy(tbs + t, name, sizeof(name));	/* issuer */
	t += sizeof(name);
	tbs[t++] = 0x30;	/* validity */
	tbs[t++] = 0x00;
	memcpy(tbs + t, name, sizeof(name));	/* subject */
	t += sizeof(name);
	size_t o = 0;
	out[o++] = 0x30;
	out[o++] = 0x81;
	out[o++] = (uint8_t)(t + 3);
	out[o++] = 0x30;
	out[o++] = 0x81;
	out[o++] = (uint8_t)t;
	memcpy(out + o, tbs, t);
	return o + t;
}

static void test_hand_built(void **st)
{
	(void)st;
	uint8_t der[300], serial[100];
	struct tls_cert_fields cf;
	static const uint8_t s3[] = { 0x01, 0xab, 0x0f };
	/* v1: no version field */
	size_t n = v1_cert(der, false, 0x02, s3, sizeof(s3));
	assert_int_equal(tls_cert_parse(der, n, &cf), 0);
	assert_string_equal(cf.serial, "01:AB:0F");
	assert_string_equal(cf.subject, "CN=mm");
	n = v1_cert(der, true, 0x02, s3, sizeof(s3));
	assert_int_equal(tls_cert_parse(der, n, &cf), 0);
	assert_string_equal(cf.serial, "01:AB:0F");
	/* not an INTEGER where the serial goes; an empty INTEGER */
	n = v1_cert(der, true, 0x04, s3, sizeof(s3));
	assert_int_equal(tls_cert_parse(der, n, &cf), MM_ECORRUPT);
	n = v1_cert(der, true, 0x02, s3, 0);
	assert_int_equal(tls_cert_parse(der, n, &cf), MM_ECORRUPT);
	/* 100 serial bytes: the first TLS_SERIAL_MAX kept, flagged */
	for (size_t i = 0; i < sizeof(serial); i++)
		serial[i] = (uint8_t)(0x10 + i);
	n = v1_cert(der, true, 0x02, serial, sizeof(serial));
	assert_int_equal(tls_cert_parse(der, n, &cf), 0);
	assert_true(cf.serial_cut);
	assert_int_equal(strlen(cf.serial), TLS_SERIAL_MAX * 3 - 1);
	assert_int_equal(strncmp(cf.serial, "10:11:12:", 9), 0);
	/* a length of more than 4 bytes, and one past the end */
	static const uint8_t huge[] = { 0x30, 0x85, 1, 0, 0, 0, 0, 0x30, 0x00 };
	assert_int_equal(tls_cert_parse(huge, sizeof(huge), &cf), MM_ECORRUPT);
	static const uint8_t past[] = { 0x30, 0x84, 0x7f, 0xff, 0xff, 0xff, 0x30, 0x00 };
	assert_int_equal(tls_cert_parse(past, sizeof(past), &cf), MM_ECORRUPT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_leaf),
		cmocka_unit_test(test_ca),
		cmocka_unit_test(test_hand_built),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
