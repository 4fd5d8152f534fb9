/*
 * fa_harness.h — test harness for the file engine's driver (helpers of
 * test_engine.c, test_yara.c, test_archive.c, test_miner.c, test_wallet.c,
 * test_webminer.c): opens mm_engine_files with the bundled rules (and
 * optional extra rule paths), scans files on disk exactly as the pipeline
 * would (fd, classification of the head), and captures the alerts (as
 * parsed JSON) and the skip/partial reasons.
 */
#ifndef FA_HARNESS_H
#define FA_HARNESS_H

#include "core/core.h"
#include <jansson.h>

#define FA_MAX_ALERTS 256
#define FA_MAX_SKIPS 64

struct fa {
	struct mm_config *cfg;
	struct mm_catalogue *cat;
	struct mm_rule_report *rep;
	void *eng;
	void *worker;
	char cache[256];
	/* captured for the last fa_scan() */
	json_t *alerts[FA_MAX_ALERTS];
	size_t n_alerts;
	char skips[FA_MAX_SKIPS][512];
	int skip_why[FA_MAX_SKIPS];
	bool skip_partial[FA_MAX_SKIPS];
	size_t n_skips;
	int rc;
};

/* Opens the engine; rule_paths may be NULL; sets (key=value) config pairs
 * from the NULL-terminated list `sets` first. */
void fa_open(struct fa *h, const char *const *rule_paths, bool bundled, const char *const *sets);
void fa_close(struct fa *h);
/* Scans one file (path relative to MAMORI_GEN_DIR/files/ unless absolute). */
void fa_scan(struct fa *h, const char *rel);
/* The first alert with this rule id (and, if path_suffix, file.path ending so). */
json_t *fa_find(const struct fa *h, const char *rule_id, const char *path_suffix);
size_t fa_count(const struct fa *h, const char *rule_id);
/* mamori.level of an alert ("high", ...). */
const char *fa_level(json_t *alert);
/* True if some skip/partial reason contains text. */
bool fa_skipped(const struct fa *h, int why, const char *text);
/* path of a generated fixture */
void fa_gen_path(const char *rel, char *out, size_t cap);

#endif
