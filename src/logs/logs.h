/*
 * logs.h — the log engine's public face for the rest of mamori (the CLI):
 * what `mamori logs dump|stats` and `mamori watch` need beyond the engine
 * table mm_engine_logs.
 *
 * - Readers (struct log_reader, declared in internal.h and re-exported
 *   here): open a log of a given kind, get normalised events one by one.
 * - log_guess_kind(): which reader fits a file, from its first bytes, for
 *   commands that read a log without the scan pipeline's classifier.
 * - log_event_to_json(): one event as a JSON object (the `logs dump`
 *   format: format, record id, time, logsource, System values, fields).
 * - struct log_follow: a followed file for `mamori watch` (text logs fed
 *   as they grow; EVTX re-read for records past the last one seen), run
 *   through the engine state mm_engine_logs.open() returned.
 *
 * Ownership and threading as in internal.h: one reader / follower per
 * thread; events valid until the next call.
 */
#ifndef LOGS_LOGS_H
#define LOGS_LOGS_H

#include "logs/internal.h"

/* A log kind from the first bytes (MM_KIND_UNKNOWN if none fits). */
enum mm_kind log_guess_kind(const uint8_t *head, size_t len);

/* Appends ev as one JSON object (no newline). */
int log_event_to_json(const struct log_event *ev, struct mm_buf *out);

struct log_follow;
/* engine_state: what mm_engine_logs.open() gave. kind: a text kind or
 * MM_KIND_EVTX. */
int log_follow_new(struct log_follow **out, void *engine_state, enum mm_kind kind,
		   const char *path);
/* Text logs: new bytes of the file. Runs the rules on complete events. */
int log_follow_feed(struct log_follow *f, const uint8_t *data, size_t len,
		    struct mm_scan_ctx *ctx);
/* EVTX: the file changed; fd open at any offset. Records with an id past
 * the last one seen are evaluated. */
int log_follow_evtx(struct log_follow *f, int fd, struct mm_scan_ctx *ctx);
/* The file was rotated or truncated: the partial line is dropped and
 * reading starts again from the start of the new file (correlation state
 * is kept). */
int log_follow_restart(struct log_follow *f);
/* Ends the stream: pending lines/groups and correlations are decided. */
int log_follow_finish(struct log_follow *f, struct mm_scan_ctx *ctx);
uint64_t log_follow_events(const struct log_follow *f);
void log_follow_free(struct log_follow *f);

#endif
