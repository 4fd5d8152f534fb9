/*
 * fb_harness.h — shared by the structural analysers' tests (test_pe,
 * test_lnk, test_autorun, test_powershell, test_phish): runs one analyser on
 * bytes through a real struct mm_output and scan ctx, capturing the alerts
 * as JSON text and counting partial records; loads generated fixtures from
 * $MAMORI_GEN_DIR. Test code: fails the cmocka test on any setup error.
 */
#ifndef FB_HARNESS_H
#define FB_HARNESS_H

#include "core/core.h"
#include "files/analyser.h"

#define FB_CAP_ALERTS 16
struct fb_cap {
	char alerts[FB_CAP_ALERTS][16384];
	int n;
	int partials;
};

int fb_cap_alert(void *st, const struct mm_alert *a, const char *json, size_t len);
int fb_cap_skip(void *st, const char *path, enum mm_skip why, bool partial, const char *detail);
/* Whole file into a malloc'd buffer (caller frees). */
uint8_t *fb_load_file(const char *path, size_t *len);
/* $MAMORI_GEN_DIR/rel */
uint8_t *fb_load_gen(const char *rel, size_t *len);
/* Runs an's analyse() on d[0..n) as `name` of `kind`; alerts land in c. */
void fb_run_analyser(const struct file_analyser *an, const char *name, const uint8_t *d,
		     size_t n, enum mm_kind kind, struct fb_cap *c);

#endif
