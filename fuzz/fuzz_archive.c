/*
 * fuzz_archive.c — libFuzzer target for the file engine's archive walker
 * and everything it feeds: the input is classified; archives (and
 * unclassified bytes, taken as zip) are walked with
 * libarchive under small limits, and every member goes through the
 * classifier and the built-in analysers (miner, wallet, web miner, ...)
 * exactly as in a scan. No YARA rules (they are libyara's own matter).
 *
 * The engine and one worker are made once; nothing is written to disk.
 */
#include "core/compat.h"
#include "files/internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct mm_config *cfg;
static struct mm_catalogue *cat;
static struct mm_rule_report *rep;
static struct mm_output *out;
static void *eng, *worker;

static int init(void)
{
	static const char *const none[] = { NULL };
	struct mm_alert_json_opts opts = { 0, MM_VERSION, "fuzz" };
	struct mm_engine_env env;
	struct mm_diag diag;
	const char *rules = getenv("MAMORI_RULES_DIR");

	cfg = mm_config_new();
	cat = mm_catalogue_new();
	rep = mm_rule_report_new();
	out = mm_output_new(&opts);
	if (!cfg || !cat || !rep || !out)
		return -1;
	mm_config_declare(cfg, mm_engine_files.config_defaults);
	mm_config_set(cfg, "files.archive.member_max", "1M");
	mm_config_set(cfg, "files.archive.expanded_max", "8M");
	mm_config_set(cfg, "files.archive.members_max", "200");
	memset(&env, 0, sizeof(env));
	env.config = cfg;
	env.catalogue = cat;
	env.rule_report = rep;
	env.rule_paths = none;
	env.bundled_rules = false;
	env.bundled_rules_dir = rules ? rules : "rules";
	mm_diag_init(&diag);
	if (mm_engine_files.open(&eng, &env, &diag) != 0)
		return -1;
	return mm_engine_files.worker_open(eng, &worker);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	struct mm_scan_ctx *ctx;
	struct files_scan scan;
	struct file_view v;

	if (!ready)
		ready = init() == 0 ? 1 : -1;
	if (ready < 0)
		abort();
	ctx = mm_scan_ctx_new(out, cfg, true, "fuzz.zip");
	if (!ctx)
		return 0;
	memset(&scan, 0, sizeof(scan));
	scan.magic = FILES_SCAN_MAGIC;
	scan.eng = eng;
	scan.w = worker;
	scan.ctx = ctx;
	scan.disk_path = "fuzz.zip";
	memset(&v, 0, sizeof(v));
	v.path = "fuzz.zip";
	v.data = size ? data : (const uint8_t *)"";
	v.len = size;
	/* archives are walked; any other content goes through the analysers
	 * of its kind (DEX, WASM, wallet stores, configs ...), as members do */
	v.kind = mm_classify(data, MM_MIN(size, (size_t)MM_CLASSIFY_HEAD), size);
	if (v.kind == MM_KIND_BINARY || v.kind == MM_KIND_UNKNOWN)
		v.kind = MM_KIND_ZIP;
	v.sha256 = "0000000000000000000000000000000000000000000000000000000000000000";
	v.disk_path = "fuzz.zip";
	(void)files_examine_view(&scan, &v);
	mm_scan_ctx_free(ctx);
	return 0;
}
