/*
 * sinks.h — the sinks core provides for struct mm_output (output.h), the
 * JSON form of skip records, and record-type selection.
 *
 * Each mm_sink_*() fills a struct mm_sink for mm_output_add(), which then
 * owns the sink's state (closed by mm_output_free()). Sinks are called under
 * the output's mutex and need no locking of their own.
 *
 * Skip record (docs/alerts.md): one JSON object per input, or part of one,
 * that was not fully examined:
 *   {"event":{"kind":"skip"[,"ingested":"..."]},"file":{"path":"..."},
 *    "mamori":{"skip":{"reason":"unreadable","partial":false,"detail":"..."}},
 *    "observer":{"product":"mamori","version":"0.1.0"}}
 */
#ifndef MM_SINKS_H
#define MM_SINKS_H

#include "core/output.h"

struct mm_store;

/* Appends the skip record JSON (no newline). */
int mm_skip_to_json(const char *path, enum mm_skip why, bool partial, const char *detail,
		    const struct mm_alert_json_opts *opts, struct mm_buf *out);

/* JSON lines to f: alerts at or above min_level, every skip record, and
 * every record. close_file: fclose(f) at close, else only fflush. */
int mm_sink_jsonl(struct mm_sink *sink, FILE *f, bool close_file, enum mm_level min_level,
		  const struct mm_alert_json_opts *opts);

/* One line per alert for people: "LEVEL rule where — reason"; skips as
 * "SKIP reason path — detail" (except "no engine yet", which the summary
 * counts). color: ANSI colours. */
int mm_sink_text(struct mm_sink *sink, FILE *f, bool color, enum mm_level min_level);
/* The same, and clear_line: start each line with "\r\033[K", so that
 * lines written while a progress line is drawn on the same terminal (scan
 * on a TTY) replace it instead of being appended to it. */
int mm_sink_text_ex(struct mm_sink *sink, FILE *f, bool color, bool clear_line,
		    enum mm_level min_level);

/* Alerts and skips into the store, under run_id (store.h). The store is
 * borrowed: the caller closes it after mm_output_free(). */
int mm_sink_store(struct mm_sink *sink, struct mm_store *st, int64_t run_id,
		  const struct mm_alert_json_opts *opts);

/* Which transaction record types engines should write (mm_scan_wants_record):
 * a comma-separated list ("http,dns"), "all", or "" for none (the default). */
int mm_output_want_records(struct mm_output *o, const char *types);
bool mm_output_wants_record(const struct mm_output *o, const char *type);
/* The options the output was made with (ingested time, version, host). */
const struct mm_alert_json_opts *mm_output_json_opts(const struct mm_output *o);

#endif
