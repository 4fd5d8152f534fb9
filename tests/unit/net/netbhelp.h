/*
 * netbhelp.h — helpers of the tests of the network engine's login and
 * mining parts (test_ssh.c ... test_mining.c): run the engine with the
 * brute-force and mining configuration keys declared (so tests can set
 * them), and give a live net_ctx + app_ctx for calling detector hooks
 * directly. Results are collected into a struct nt_out (nethelp.h).
 */
#ifndef NET_TEST_NETB_H
#define NET_TEST_NETB_H

#include "nethelp.h"
#include "net/app.h"

/* Like nt_scan(), with net.bruteforce.* and net.mining.* declared. */
int nb_scan(const char *path, const char *const *sets, const char *records, struct nt_out *o);

/* A net_ctx for direct calls: nb_open() fills ctx (flow 10.9.0.1:40000 ->
 * 10.9.0.2:8545 over TCP), nb_close() ends it (pending detections are
 * raised) and frees everything; alerts land in o. */
struct nb_env;
struct nb_env *nb_open(struct app_ctx *ctx, struct nt_out *o);
void nb_close(struct nb_env *e);

/* Reads a generated text file's line that starts with key + ' ' into out
 * (the rest of the line); aborts when missing. */
void nb_gen_value(const char *rel, const char *key, char *out, size_t cap);

#endif
