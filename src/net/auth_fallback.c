/*
 * auth_fallback.c — TEMPORARY stand-ins for the brute-force detector.
 *
 * net_auth_report() and net_bruteforce_flush() (app.h) belong to
 * detect_bruteforce.c, written by another engineer. Until that file exists
 * these do nothing, so that the parsers that report authentications link.
 * Delete this file as soon as src/net/detect_bruteforce.c appears.
 */
#include "core/compat.h"
#include "net/app.h"

void net_auth_report(struct app_ctx *ctx, const char *service, enum net_auth_result r,
		     const char *user, size_t user_len)
{
	(void)ctx;
	(void)service;
	(void)r;
	(void)user;
	(void)user_len;
}

void net_bruteforce_flush(struct net_ctx *n, struct mm_scan_ctx *scan, int64_t now_us)
{
	(void)n;
	(void)scan;
	(void)now_us;
}
