/*
 * bruteforce.h — private to src/net/: what the brute-force detector
 * (detect_bruteforce.c) exposes beside net_auth_report() and
 * net_bruteforce_flush() of app.h.
 *
 * The engine declares net_bruteforce_config_defaults with its own keys
 * (struct mm_engine.config_defaults) and calls detect_bruteforce_register()
 * at open() so that `mamori rules list` shows the detector. Both are
 * optional: unset keys fall back to the same defaults, and alerts carry
 * their metadata themselves.
 *
 * Threading: the detector's state lives in the NET_CTX_BRUTEFORCE slot of
 * one struct net_ctx (one thread).
 */
#ifndef NET_BRUTEFORCE_H
#define NET_BRUTEFORCE_H

#include "net/app.h"

extern const struct mm_config_default net_bruteforce_config_defaults[];

int detect_bruteforce_register(struct mm_catalogue *cat);

#endif
