/*
 * internal.h — private declarations of the log engine (src/logs/).
 *
 * The engine reads a log through one struct log_reader, whatever its format:
 * log_reader_open_fd()/log_reader_open_mem() pick the reader for a kind
 * (EVTX, JSON lines, syslog, auditd, journald export), log_reader_next()
 * returns one normalised struct log_event at a time (1), the end (0) or a
 * fatal error (< 0). Damage that only costs part of the input (a corrupt
 * chunk, an over-long line) is not an error: it is counted in the reader's
 * struct log_reader_stats and described in a short list of problems the
 * glue turns into mm_scan_partial() calls.
 *
 * Text readers are line parsers behind one bounded line splitter
 * (struct log_lines), so that `mamori watch` can feed them new bytes as a
 * file grows: log_reader_feed() appends bytes, log_reader_next() returns
 * the events of complete lines, and log_reader_finish() says no more bytes
 * will come (a last line without newline, pending auditd groups).
 *
 * Ownership: an event and every string in it belong to the reader and stay
 * valid until the next call on that reader. The reader borrows the memory
 * given to log_reader_open_mem() until it is freed.
 *
 * Threading: one reader belongs to one thread.
 */
#ifndef LOGS_INTERNAL_H
#define LOGS_INTERNAL_H

#include "logs/event.h"

/* Caps shared by every reader. */
#define LOG_MAX_FIELDS 256		/* fields kept per event; more are counted */
#define LOG_MAX_LINE (1u << 20)		/* longer text lines are skipped, counted */
#define LOG_MAX_PROBLEMS 8		/* problem texts kept per reader */
#define LOG_PROBLEM_LEN 200

struct log_reader_stats {
	uint64_t events;		/* events returned */
	uint64_t bytes;			/* input bytes consumed */
	uint64_t lines;			/* text readers: lines seen */
	uint64_t lines_skipped;		/* not understood (not of the format) */
	uint64_t lines_too_long;	/* over LOG_MAX_LINE, skipped */
	uint64_t fields_dropped;	/* over LOG_MAX_FIELDS */
	/* EVTX */
	uint64_t chunks;		/* chunks with a good magic */
	uint64_t chunks_bad_magic;	/* skipped */
	uint64_t chunks_empty;		/* all zero: nothing to read */
	uint64_t chunks_bad_crc;	/* header or records CRC wrong: parsed */
	uint64_t chunks_truncated;	/* the last chunk is cut short */
	uint64_t records_bad;		/* bad size/signature: resynchronised */
	uint64_t records_zero_size;	/* skipped */
	uint64_t records_incomplete;	/* BinXml damaged: System fields kept */
	uint64_t templates;		/* templates compiled */
	uint64_t templates_incomplete;	/* templates cut short */
	uint64_t values_bad;		/* substitution values not decodable */
	bool header_bad_crc;
	bool header_dirty;
	bool header_stale_count;	/* header chunk count < chunks present */
	/* problems, for mm_scan_partial(); n_problems counts all of them */
	uint64_t n_problems;
	char problems[LOG_MAX_PROBLEMS][LOG_PROBLEM_LEN];
};

/* Records a problem (kept if there is room; always counted). */
void log_stats_problem(struct log_reader_stats *st, const char *fmt, ...) MM_PRINTF(2, 3);

struct log_reader_opts {
	const char *origin;		/* path shown in events (may be NULL) */
	unsigned workers;		/* EVTX: chunk-parallel threads (0/1 = none) */
	int year;			/* syslog lines without a year: this one
					 * (0: 1970); set from the file's mtime */
};

struct log_reader;

/* True if the log engine reads this kind. */
bool log_reader_kind_ok(enum mm_kind kind);

/* A reader over a whole file: EVTX is mapped (or read), text is read in
 * blocks as next() needs it. fd is borrowed and must stay open. */
int log_reader_open_fd(struct log_reader **out, enum mm_kind kind, int fd,
		       const struct log_reader_opts *opts, struct mm_diag *diag);
/* A reader over memory the caller keeps alive (tests, fuzzers). */
int log_reader_open_mem(struct log_reader **out, enum mm_kind kind, const uint8_t *data,
			size_t len, const struct log_reader_opts *opts, struct mm_diag *diag);
/* A text reader fed by log_reader_feed() (watch). Not for EVTX. */
int log_reader_open_stream(struct log_reader **out, enum mm_kind kind,
			   const struct log_reader_opts *opts);
int log_reader_feed(struct log_reader *r, const uint8_t *data, size_t len);
void log_reader_finish(struct log_reader *r);
/* 1: *ev filled; 0: end (or, for a stream, no complete event yet); < 0:
 * fatal error. */
int log_reader_next(struct log_reader *r, struct log_event *ev);
const struct log_reader_stats *log_reader_stats(const struct log_reader *r);
void log_reader_free(struct log_reader *r);

/*
 * Text line parsers. Each reader is a table of these; the line splitter
 * calls line() for each complete line (without its newline, CR stripped)
 * and pending() to collect events a parser holds back (auditd groups,
 * syslog repeats). Events are built in the arena, which the reader resets
 * before each call that may produce one.
 */
struct log_line {
	const char *s;
	size_t len;
	uint64_t lineno;		/* 1-based */
	uint64_t offset;		/* byte offset of the line */
};

struct text_parser;
struct text_parser_ops {
	const char *name;
	struct text_parser *(*create)(const struct log_reader_opts *opts);
	void (*destroy)(struct text_parser *p);
	/* 1: ev filled from this line (or from state it flushed); 0: nothing
	 * yet; < 0: error (ENOMEM). */
	int (*line)(struct text_parser *p, const struct log_line *ln, struct mm_arena *a,
		    struct log_event *ev, struct log_reader_stats *st);
	/* Called before each new line, and with at_end at the end of input:
	 * 1 if the parser had an event pending (returned in ev). */
	int (*pending)(struct text_parser *p, bool at_end, struct mm_arena *a,
		       struct log_event *ev, struct log_reader_stats *st);
};

extern const struct text_parser_ops log_syslog_ops;
extern const struct text_parser_ops log_auditd_ops;
extern const struct text_parser_ops log_journal_ops;
extern const struct text_parser_ops log_winjson_ops;

/*
 * Building events: a bounded field list in an arena. Strings are copied
 * into the arena (they may come from a line buffer that moves on).
 */
struct log_fields {
	struct log_field *v;
	size_t n, cap;
	struct mm_arena *a;
	struct log_reader_stats *st;
};
int log_fields_init(struct log_fields *f, struct mm_arena *a, size_t cap,
		    struct log_reader_stats *st);
/* Adds name=value (both copied); the name may be given with len -1 for
 * a C string. Over the cap: dropped and counted, returns 0. */
int log_fields_add(struct log_fields *f, const char *name, long name_len, const char *value,
		   size_t value_len);
/* Adds without copying (both strings already live long enough). */
int log_fields_add_ref(struct log_fields *f, const char *name, size_t name_len,
		       const char *value, size_t value_len);
int log_fields_addf(struct log_fields *f, const char *name, const char *fmt, ...) MM_PRINTF(3, 4);

/* Windows logsource from channel/provider/event id (used by the EVTX and
 * Windows JSON readers): product "windows", service and category. */
void log_source_windows(struct log_source *src, const char *channel, const char *provider,
			uint32_t event_id);
/* Fills ev->channel/provider/event_id/record_id/host/src from the fields
 * (EventID, Channel, Provider_Name, Computer, EventRecordID). */
void log_event_fill_windows(struct log_event *ev);

/* Small parsing helpers shared by the readers. */
bool log_parse_u64(const char *s, size_t len, uint64_t *out);
/* UTF-16LE (nchars code units) to UTF-8 into out (room for 3*nchars
 * bytes); unpaired surrogates become U+FFFD. Returns bytes written. */
size_t log_utf16_to_utf8(const uint8_t *p, size_t nchars, char *out);
/* Decodes a PowerShell -EncodedCommand argument (Base64 of UTF-16LE) into
 * out (NUL-terminated UTF-8, at most cap-1 bytes). Returns the length, or
 * -1 if it is not Base64 of UTF-16LE text. */
long log_decode_ps_encoded(const char *b64, size_t len, char *out, size_t cap);
/* Finds an -enc/-EncodedCommand argument in a command line and returns its
 * value (a slice of cmd) through val/val_len; false if none. */
bool log_find_ps_encoded(const char *cmd, size_t len, const char **val, size_t *val_len);

/* Syslog helpers shared with the journald reader (rd_syslog.c): the
 * logsource service for a program name ("sshd", "sudo", "cron", "auth",
 * "syslog"...), and the fields parsed out of its message (sshd logins,
 * sudo, pam_unix, cron). */
const char *log_syslog_service(const char *prog, size_t len);
int log_syslog_message_fields(struct log_fields *f, const char *service, const char *msg,
			      size_t len);

/* EVTX, see evtx.h. */
struct evtx_file;

#endif
