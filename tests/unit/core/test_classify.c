/*
 * test_classify.c — the content classifier, table-driven: for every kind at
 * least one input that must be recognised and a near miss that must not;
 * then robustness: every truncation of every sample is classified from an
 * exact-size heap copy (ASan catches any read past head_len).
 */
#include "core/compat.h"
#include "core/classify.h"

#include <setjmp.h>
#include <cmocka.h>

struct sample {
	char name[48];
	enum mm_kind want;
	uint8_t *data;
	size_t len;
	uint64_t total;	/* size of the whole input */
};

#define MAX_SAMPLES 200
static struct sample samples[MAX_SAMPLES];
static size_t nsamples;

/* Adds a sample; total 0 means "the head is the whole input". */
static void add(const char *name, enum mm_kind want, const void *data, size_t len,
		uint64_t total)
{
	struct sample *s;

	assert_true(nsamples < MAX_SAMPLES);
	s = &samples[nsamples++];
	snprintf(s->name, sizeof s->name, "%s", name);
	s->want = want;
	s->data = malloc(len ? len : 1);
	assert_non_null(s->data);
	if (len)
		memcpy(s->data, data, len);
	s->len = len;
	s->total = total ? total : len;
}

#define ADD_STR(name, want, lit) add(name, want, lit, sizeof(lit) - 1, 0)

/* A buffer: magic at offset 0, the rest zeros (binary), len bytes. */
static void add_magic(const char *name, enum mm_kind want, const void *magic, size_t mlen,
		      size_t len)
{
	uint8_t buf[1024] = { 0 };

	assert_true(len <= sizeof buf && mlen <= len);
	memcpy(buf, magic, mlen);
	add(name, want, buf, len, 0);
}

#define MAGIC(name, want, lit, len) add_magic(name, want, lit, sizeof(lit) - 1, len)

static void put_le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static void add_pe(void)
{
	uint8_t b[512] = { 0 };

	b[0] = 'M';
	b[1] = 'Z';
	put_le32(b + 0x3c, 0x80);
	memcpy(b + 0x80, "PE\0\0", 4);
	add("pe", MM_KIND_PE, b, sizeof b, 0);
	/* MZ, e_lfanew pointing at something else */
	memcpy(b + 0x80, "NE\0\0", 4);
	add("pe near: no PE signature", MM_KIND_BINARY, b, sizeof b, 0);
	/* e_lfanew past the head */
	memcpy(b + 0x80, "PE\0\0", 4);
	put_le32(b + 0x3c, 0x10000);
	add("pe near: e_lfanew past head", MM_KIND_BINARY, b, sizeof b, 0x20000);
	put_le32(b + 0x3c, 0xfffffffe);
	add("pe near: huge e_lfanew", MM_KIND_BINARY, b, sizeof b, 0);
}

static void add_tar(void)
{
	uint8_t b[1024] = { 0 };
	unsigned sum = 0;

	memcpy(b, "hello.txt", 9);
	memcpy(b + 100, "0000644", 7);
	memcpy(b + 124, "00000000005", 11);
	memcpy(b + 257, "ustar\0" "00", 8);
	add("tar ustar", MM_KIND_TAR, b, sizeof b, 0);
	/* old tar: no ustar magic, valid checksum */
	memset(b + 257, 0, 8);
	memset(b + 148, ' ', 8);
	for (int i = 0; i < 512; i++)
		sum += b[i];
	snprintf((char *)b + 148, 8, "%06o", sum);
	add("tar v7 checksum", MM_KIND_TAR, b, sizeof b, 0);
	b[148 + 5] = b[148 + 5] == '7' ? '6' : '7';
	add("tar near: bad checksum", MM_KIND_BINARY, b, sizeof b, 0);
}

static void add_bdb(void)
{
	uint8_t b[512] = { 0 };

	memcpy(b + 12, "\x62\x31\x05\x00", 4);
	put_le32(b + 16, 9);
	put_le32(b + 20, 4096);
	add("bdb btree le", MM_KIND_BDB, b, sizeof b, 0);
	memcpy(b + 12, "\x00\x06\x15\x61", 4);
	put_be32(b + 16, 8);
	put_be32(b + 20, 8192);
	add("bdb hash be", MM_KIND_BDB, b, sizeof b, 0);
	memcpy(b + 12, "\x61\x15\x06\x00", 4);
	put_le32(b + 16, 9);
	put_le32(b + 20, 1000);
	add("bdb near: page size", MM_KIND_BINARY, b, sizeof b, 0);
}

static void add_utf16(void)
{
	static const char *const texts[] = {
		"hello world, this is plain text\r\n",
		"$env:APPDATA\\x.ps1 -nop\r\n",
	};
	uint8_t b[256];

	for (int t = 0; t < 2; t++) {
		size_t n = 0, len = strlen(texts[t]);
		b[n++] = 0xff;
		b[n++] = 0xfe;
		for (size_t i = 0; i < len; i++) {
			b[n++] = (uint8_t)texts[t][i];
			b[n++] = 0;
		}
		add(t ? "utf16le bom script" : "utf16le bom text",
		    t ? MM_KIND_SCRIPT : MM_KIND_TEXT, b, n, 0);
		/* without the BOM */
		add(t ? "utf16le script" : "utf16le text", t ? MM_KIND_SCRIPT : MM_KIND_TEXT,
		    b + 2, n - 2, 0);
	}
	/* big-endian with BOM */
	b[0] = 0xfe;
	b[1] = 0xff;
	for (size_t i = 0; i < 12; i++) {
		b[2 + 2 * i] = 0;
		b[3 + 2 * i] = (uint8_t)"hello world\n"[i];
	}
	add("utf16be bom text", MM_KIND_TEXT, b, 26, 0);
}

static void add_random(void)
{
	uint8_t b[1024];
	uint32_t seed = 7;

	for (size_t i = 0; i < sizeof b; i++) {
		seed = seed * 1103515245u + 12345u;
		b[i] = (uint8_t)(seed >> 16);
	}
	/* make sure no magic happens to match at 0 */
	b[0] = 0x01;
	add("random bytes", MM_KIND_BINARY, b, sizeof b, 0);
}

static int setup(void **state)
{
	(void)state;
	nsamples = 0;

	/* pcap: both byte orders, micro and nano */
	MAGIC("pcap le", MM_KIND_PCAP, "\xd4\xc3\xb2\xa1\x02\x00\x04\x00", 24);
	MAGIC("pcap be", MM_KIND_PCAP, "\xa1\xb2\xc3\xd4\x00\x02\x00\x04", 24);
	MAGIC("pcap nano le", MM_KIND_PCAP, "\x4d\x3c\xb2\xa1\x02\x00\x04\x00", 24);
	MAGIC("pcap nano be", MM_KIND_PCAP, "\xa1\xb2\x3c\x4d\x00\x02\x00\x04", 24);
	MAGIC("pcap near: version", MM_KIND_BINARY, "\xd4\xc3\xb2\xa1\x07\x00\x04\x00", 24);
	MAGIC("pcapng le", MM_KIND_PCAPNG, "\x0a\x0d\x0d\x0a\x1c\x00\x00\x00\x4d\x3c\x2b\x1a", 28);
	MAGIC("pcapng be", MM_KIND_PCAPNG, "\x0a\x0d\x0d\x0a\x00\x00\x00\x1c\x1a\x2b\x3c\x4d", 28);
	MAGIC("pcapng near: bom", MM_KIND_BINARY, "\x0a\x0d\x0d\x0a\x1c\x00\x00\x00\x4d\x3c\x2b\x1b", 28);
	MAGIC("evtx", MM_KIND_EVTX, "ElfFile\0", 128);
	MAGIC("evtx near", MM_KIND_BINARY, "ElfFilX\0", 128);
	add_pe();
	MAGIC("mz alone", MM_KIND_BINARY, "MZ", 64);
	ADD_STR("mz text", MM_KIND_BINARY, "MZ and then some text that looks printable\n");
	MAGIC("elf64", MM_KIND_ELF, "\x7f" "ELF\x02\x01\x01", 64);
	MAGIC("elf32", MM_KIND_ELF, "\x7f" "ELF\x01\x01\x01", 52);
	MAGIC("elf near: class", MM_KIND_BINARY, "\x7f" "ELF\x07\x01\x01", 64);
	MAGIC("macho 32", MM_KIND_MACHO, "\xfe\xed\xfa\xce", 32);
	MAGIC("macho 64", MM_KIND_MACHO, "\xfe\xed\xfa\xcf", 32);
	MAGIC("macho 32 le", MM_KIND_MACHO, "\xce\xfa\xed\xfe", 32);
	MAGIC("macho 64 le", MM_KIND_MACHO, "\xcf\xfa\xed\xfe", 32);
	MAGIC("macho fat", MM_KIND_MACHO, "\xca\xfe\xba\xbe\x00\x00\x00\x02", 64);
	MAGIC("macho fat64", MM_KIND_MACHO, "\xca\xfe\xba\xbf\x00\x00\x00\x01", 64);
	MAGIC("macho fat le", MM_KIND_MACHO, "\xbe\xba\xfe\xca\x02\x00\x00\x00", 64);
	MAGIC("macho near: java class", MM_KIND_BINARY, "\xca\xfe\xba\xbe\x00\x00\x00\x34", 64);
	MAGIC("zip", MM_KIND_ZIP, "PK\x03\x04\x14\x00", 64);
	MAGIC("zip empty", MM_KIND_ZIP, "PK\x05\x06", 22);
	MAGIC("zip spanned", MM_KIND_ZIP, "PK\x07\x08PK\x03\x04", 64);
	MAGIC("zip near", MM_KIND_BINARY, "PK\x03\x05", 64);
	MAGIC("gzip", MM_KIND_GZIP, "\x1f\x8b\x08\x00", 32);
	MAGIC("gzip near: method", MM_KIND_BINARY, "\x1f\x8b\x07\x00", 32);
	MAGIC("bzip2", MM_KIND_BZIP2, "BZh91AY&SY", 32);
	MAGIC("bzip2 near", MM_KIND_BINARY, "BZh01AY&SY", 32);
	MAGIC("xz", MM_KIND_XZ, "\xfd" "7zXZ\0", 32);
	MAGIC("xz near", MM_KIND_BINARY, "\xfd" "7zXY\0", 32);
	MAGIC("zstd", MM_KIND_ZSTD, "\x28\xb5\x2f\xfd", 32);
	MAGIC("zstd near", MM_KIND_BINARY, "\x28\xb5\x2f\xfe", 32);
	add_tar();
	MAGIC("7z", MM_KIND_SEVENZ, "7z\xbc\xaf\x27\x1c", 32);
	MAGIC("7z near", MM_KIND_BINARY, "7z\xbc\xaf\x27\x1d", 32);
	MAGIC("rar4", MM_KIND_RAR, "Rar!\x1a\x07\x00", 32);
	MAGIC("rar5", MM_KIND_RAR, "Rar!\x1a\x07\x01\x00", 32);
	MAGIC("rar near", MM_KIND_BINARY, "Rar!\x1a\x08\x00", 32);
	MAGIC("cab", MM_KIND_CAB, "MSCF\0\0\0\0", 64);
	MAGIC("cab near", MM_KIND_BINARY, "MSCF\0\0\0\1", 64);
	MAGIC("ole", MM_KIND_OLE, "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", 512);
	MAGIC("ole near", MM_KIND_BINARY, "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe0", 512);
	ADD_STR("pdf", MM_KIND_PDF, "%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n");
	ADD_STR("pdf after junk", MM_KIND_PDF, "garbage before\n%PDF-1.4\n1 0 obj\n");
	ADD_STR("pdf near", MM_KIND_TEXT, "%PDF-x.y is not a version\n");
	MAGIC("lnk", MM_KIND_LNK, "\x4c\0\0\0\x01\x14\x02\0\0\0\0\0\xc0\0\0\0\0\0\0\x46", 76);
	MAGIC("lnk near: clsid", MM_KIND_BINARY, "\x4c\0\0\0\x01\x14\x02\0\0\0\0\0\xc0\0\0\0\0\0\0\x47", 76);
	MAGIC("sqlite", MM_KIND_SQLITE, "SQLite format 3\0", 100);
	MAGIC("sqlite near", MM_KIND_BINARY, "SQLite format 2\0", 100);
	add_bdb();
	MAGIC("dex", MM_KIND_DEX, "dex\n035\0", 112);
	MAGIC("dex near", MM_KIND_BINARY, "dex\n03x\0", 112);
	MAGIC("wasm", MM_KIND_WASM, "\0asm\x01\0\0\0", 16);
	MAGIC("wasm near: version", MM_KIND_BINARY, "\0asm\x02\0\0\0", 16);

	ADD_STR("email", MM_KIND_EMAIL,
		"From: alice@example.org\r\nTo: bob@example.org\r\nSubject: hi\r\n"
		" folded\r\n\r\nbody\r\n");
	ADD_STR("email mbox", MM_KIND_EMAIL,
		"From alice@example.org Mon Jan  1 00:00:00 2024\n"
		"Return-Path: <alice@example.org>\nDATE: Mon, 1 Jan 2024 00:00:00 +0000\n"
		"X-Mailer: test\n\nbody\n");
	ADD_STR("email unfolded", MM_KIND_EMAIL,
		"Received: from a by b;\nMon, 1 Jan 2024 00:00:00 +0000\nReceived: from c\n"
		"by d\nMessage-ID: <1@x>\nFrom: a@x\nTo: b@y\nSubject: s\nDate: Mon\n\nbody\n");
	ADD_STR("email near: one known header", MM_KIND_TEXT,
		"From: alice@example.org\nX-Other: b\n\nbody\n");
	ADD_STR("email near: prose", MM_KIND_TEXT,
		"Subject: x\nTo: y\nthis line is not a header\n");
	ADD_STR("html doctype", MM_KIND_HTML, "<!DOCTYPE html>\n<html><body>x</body></html>\n");
	ADD_STR("html ws", MM_KIND_HTML, "  \n\t<HTML>\n<head><title>x</title>");
	ADD_STR("html iframe", MM_KIND_HTML, "<iframe src=\"x\" width=0></iframe>");
	ADD_STR("html bom", MM_KIND_HTML, "\xef\xbb\xbf<script>var a=1;</script>");
	ADD_STR("html comment", MM_KIND_HTML, "<!-- saved -->\n<html>\n");
	ADD_STR("html near: tag name", MM_KIND_TEXT, "<htmlx>not a tag we know</htmlx>\n");
	ADD_STR("html near: xml", MM_KIND_TEXT, "<?xml version=\"1.0\"?><a/>\n");
	ADD_STR("json", MM_KIND_JSON, "{\"a\": [1, -2.5e3, {\"b\": null}], \"c\": \"\\u00e9\"}\n");
	ADD_STR("json pretty", MM_KIND_JSON, "{\n  \"a\": 1,\n  \"b\": [true, false]\n}\n");
	add("json array prefix", MM_KIND_JSON, "[{\"a\":1},{\"b\":", 14, 100000);
	ADD_STR("json stream", MM_KIND_JSON, "{\n \"a\": 1\n}\n{\n \"a\": 2\n}\n[3]\n{\"cut\": ");
	ADD_STR("json near", MM_KIND_TEXT, "{not json at all}\n");
	ADD_STR("json near: stream then words", MM_KIND_TEXT, "{\n \"a\": 1\n}\nwords\n");
	ADD_STR("json near: trailing", MM_KIND_TEXT, "[1,2] and then words\n");
	ADD_STR("jsonl", MM_KIND_JSONL, "{\"a\":1}\n{\"b\":[2]}\n{\"c\":\"x\"}\n");
	ADD_STR("jsonl crlf", MM_KIND_JSONL, "{\"a\":1}\r\n\r\n{\"b\":2}\r\n");
	ADD_STR("jsonl near: one line", MM_KIND_JSON, "{\"a\":1}\n");
	ADD_STR("jsonl near: bad line", MM_KIND_TEXT, "{\"a\":1}\nnot json\n");
	ADD_STR("syslog bsd", MM_KIND_SYSLOG,
		"Jan  5 10:00:01 host sshd[123]: Failed password for root\n"
		"Jan  5 10:00:02 host CRON[5]: (root) CMD (x)\n"
		"Jan  5 10:00:03 host kernel: [1.0] eth0 up\n");
	ADD_STR("syslog rfc5424", MM_KIND_SYSLOG,
		"<34>1 2003-10-11T22:14:15.003Z mymachine su - ID47 - 'su root' failed\n");
	ADD_STR("syslog iso", MM_KIND_SYSLOG,
		"2024-01-02T03:04:05.123456+00:00 web01 sshd[99]: Accepted publickey\n");
	ADD_STR("syslog pri bsd", MM_KIND_SYSLOG, "<13>Feb 11 22:14:15 mymachine su: hello\n");
	ADD_STR("syslog near", MM_KIND_TEXT, "Jan  5 10:00:01 hello world\nand more\n");
	ADD_STR("auditd", MM_KIND_AUDITD,
		"type=SYSCALL msg=audit(1364481363.243:24287): arch=c000003e syscall=2\n");
	ADD_STR("auditd node", MM_KIND_AUDITD,
		"node=web01 type=EXECVE msg=audit(1364481363.243:24287): argc=1 a0=\"ls\"\n");
	ADD_STR("auditd near", MM_KIND_TEXT, "type=SYSCALL message=audit(1): x\n");
	ADD_STR("journal export", MM_KIND_JOURNAL_EXPORT,
		"__CURSOR=s=abc;i=1\n__REALTIME_TIMESTAMP=1700000000000000\nMESSAGE=x\n\n");
	ADD_STR("journal near", MM_KIND_TEXT, "__CURSORS=s=abc\n");
	ADD_STR("script shebang", MM_KIND_SCRIPT, "#!/bin/sh\necho hi\n");
	ADD_STR("script batch", MM_KIND_SCRIPT, "@echo off\r\nset x=1\r\n");
	ADD_STR("script batch comments", MM_KIND_SCRIPT,
		":: start the tool\r\n::\r\ncd /d \"%~dp0\"\r\ntool.exe -o host:1\r\npause\r\n");
	ADD_STR("script ps env", MM_KIND_SCRIPT, "$p = \"$env:TEMP\\a.exe\"\n");
	ADD_STR("script ps param", MM_KIND_SCRIPT, "[CmdletBinding()]\nparam(\n [string]$x\n)\n");
	ADD_STR("script vbs", MM_KIND_SCRIPT, "Set sh = WScript.CreateObject(\"WScript.Shell\")\n");
	ADD_STR("script ps invoke", MM_KIND_SCRIPT, "Invoke-Expression (New-Object Net.WebClient)\n");
	ADD_STR("script js", MM_KIND_SCRIPT, "var a = 1;\nvar b = a + 2;\n");
	ADD_STR("script near: prose", MM_KIND_TEXT,
		"This function returns a value.\nWe set up the dim lights.\n");
	ADD_STR("script near: yara rule", MM_KIND_TEXT,
		"import \"pe\"\nrule demo_rule {\n meta:\n  author = \"x\"\n strings:\n"
		"  $a = \"Invoke-Expression\"\n  $b = \"$env:TEMP\"\n condition:\n  any of them\n}\n");
	ADD_STR("script near: sigma rule", MM_KIND_TEXT,
		"title: Encoded PowerShell\nid: 1\nlogsource:\n  product: windows\n"
		"detection:\n  sel:\n    CommandLine|contains: '-EncodedCommand'\n"
		"  condition: sel\n");
	ADD_STR("script js minified", MM_KIND_SCRIPT,
		"(function(w){var a=function(b){return b+1};w.x=a;})(window);\n");
	ADD_STR("script ps obfuscated", MM_KIND_SCRIPT,
		"( '[' | % { ${ } = + $ ( ) } ) ; & ( [char]105 + [char]101 + [char]120 )\n");
	ADD_STR("ini autorun", MM_KIND_INI, "[autorun]\r\nopen=setup.exe\r\nicon=setup.exe,0\r\n");
	ADD_STR("ini comments", MM_KIND_INI, "; comment\n\n[a]\nk = v\n[b]\nx=1\n");
	ADD_STR("ini near: prose", MM_KIND_TEXT, "[autorun]\nthis is prose\nmore prose\n");
	ADD_STR("text", MM_KIND_TEXT, "hello world\n");
	ADD_STR("text utf8", MM_KIND_TEXT, "h\xc3\xa9llo w\xc3\xb6rld \xe6\x97\xa5\xe6\x9c\xac\n");
	ADD_STR("text bom", MM_KIND_TEXT, "\xef\xbb\xbfhello\n");
	ADD_STR("text latin1", MM_KIND_TEXT,
		"caf\xe9 au lait is a long line of mostly ascii text to read\n");
	add_utf16();
	ADD_STR("binary controls", MM_KIND_BINARY, "\x01\x02\x03\x04\x05\x06hello");
	add_random();
	add("empty", MM_KIND_EMPTY, "", 0, 0);
	add("unread head", MM_KIND_UNKNOWN, "", 0, 100);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	for (size_t i = 0; i < nsamples; i++)
		free(samples[i].data);
	nsamples = 0;
	return 0;
}

static void test_table(void **state)
{
	size_t failed = 0;
	unsigned seen[MM_KIND_COUNT] = { 0 };

	(void)state;
	for (size_t i = 0; i < nsamples; i++) {
		const struct sample *s = &samples[i];
		enum mm_kind got = mm_classify(s->data, s->len, s->total);
		seen[s->want]++;
		if (got != s->want) {
			print_error("%s: got %s, want %s\n", s->name, mm_kind_name(got),
				    mm_kind_name(s->want));
			failed++;
		}
	}
	assert_int_equal(failed, 0);
	/* every kind except UNKNOWN-by-content has a positive sample */
	for (int k = 0; k < MM_KIND_COUNT; k++)
		if (!seen[k])
			fail_msg("no sample for kind %s", mm_kind_name((enum mm_kind)k));
}

/* Every truncation of every sample, from an exact-size heap copy, with the
 * true total size and as if the file ended there. */
static void test_truncations(void **state)
{
	(void)state;
	for (size_t i = 0; i < nsamples; i++) {
		const struct sample *s = &samples[i];
		for (size_t n = 0; n <= s->len; n++) {
			uint8_t *copy = malloc(n ? n : 1);
			enum mm_kind a, b;
			assert_non_null(copy);
			memcpy(copy, s->data, n);
			a = mm_classify(copy, n, s->total);
			b = mm_classify(copy, n, n);
			assert_true(a < MM_KIND_COUNT && b < MM_KIND_COUNT);
			if (n == 0)
				assert_int_equal(b, MM_KIND_EMPTY);
			free(copy);
		}
	}
}

/* A head longer than MM_CLASSIFY_HEAD is examined only up to it. */
static void test_long_head(void **state)
{
	size_t n = MM_CLASSIFY_HEAD * 2;
	uint8_t *b = malloc(n);

	(void)state;
	assert_non_null(b);
	memset(b, 'a', n);
	b[n - 1] = 0;	/* a NUL past the head must not make it binary */
	assert_int_equal(mm_classify(b, n, n), MM_KIND_TEXT);
	assert_int_equal(mm_classify(NULL, 0, 0), MM_KIND_EMPTY);
	free(b);
}

static void test_names(void **state)
{
	(void)state;
	for (int k = 0; k < MM_KIND_COUNT; k++)
		assert_int_equal(mm_kind_parse(mm_kind_name((enum mm_kind)k)), k);
	assert_string_equal(mm_kind_name(MM_KIND_SEVENZ), "7z");
	assert_string_equal(mm_kind_name(MM_KIND_JOURNAL_EXPORT), "journal-export");
	assert_string_equal(mm_kind_name(MM_KIND_BDB), "berkeleydb");
	assert_string_equal(mm_kind_name((enum mm_kind)999), "unknown");
	assert_int_equal(mm_kind_parse("nope"), -1);
	assert_int_equal(mm_kind_parse(NULL), -1);
	assert_int_equal(mm_kind_parse("PE"), -1);	/* names are lowercase */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_table, setup, teardown),
		cmocka_unit_test_setup_teardown(test_truncations, setup, teardown),
		cmocka_unit_test(test_long_head),
		cmocka_unit_test(test_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
