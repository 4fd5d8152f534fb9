/*
 * evtx.h — private to src/logs/: mamori's own EVTX (Windows XML Event Log)
 * parser.
 *
 * Layout: a 4 KiB file header ("ElfFile\0", CRC32 of its first 120 bytes,
 * dirty/full flags, a chunk count), then 64 KiB chunks ("ElfChnk\0", a
 * header CRC over bytes 0-120 and 128-512, a CRC of the record data, a
 * table of 64 common string offsets and 32 template offsets), each holding
 * records ("\x2a\x2a\0\0", size, record id, FILETIME, binary XML, size
 * copy). The binary XML of a record is usually a template instance: the
 * template (defined once per chunk, inline in the first record that uses
 * it) plus this record's substitution values.
 *
 * Speed: each template is compiled once per chunk into a list of field
 * slots (struct bx_op: a field name and the literal text / substitution
 * indexes that make its value), so a record costs only the decoding of its
 * substitution values (binxml.c).
 *
 * Robustness (every byte is hostile): every read is bounded by the chunk
 * (64 KiB) or the record; names, templates, nesting and fields are capped.
 * Bad file header CRC: warn, go on. Bad chunk magic: skip the chunk, count
 * it. Bad chunk CRC: parse, warn. Record with a bad size: resynchronise at
 * the next record signature in the chunk. Zero-size records: skipped.
 * Incomplete template: the fields compiled before the damage are kept.
 * Stale chunk count (dirty header): every chunk present by file size is
 * read. What was skipped is counted in struct log_reader_stats.
 *
 * Threading: a struct evtx_chunk or struct evtx_file belongs to one thread;
 * chunks are independent, so several evtx_chunk objects may parse
 * different chunks of the same (read-only) file at once; evtx_file does so
 * with `workers` threads (evtx_file_set_workers(): batches of chunks parsed
 * in parallel, each event copied out of its chunk parser) and still returns
 * records in file order.
 */
#ifndef LOGS_EVTX_H
#define LOGS_EVTX_H

#include "logs/internal.h"

#define EVTX_FILE_HEADER 4096
#define EVTX_CHUNK_SIZE 65536
#define EVTX_CHUNK_HEADER 512

/* One chunk's parser. Strings of the events it returns live until the
 * next call on it. */
struct evtx_chunk;
struct evtx_chunk *evtx_chunk_new(struct log_reader_stats *st);
void evtx_chunk_free(struct evtx_chunk *c);
/* Loads a chunk (len <= 64 KiB; a shorter one is a truncated chunk).
 * Borrows data until the next load. Returns 0, or MM_ECORRUPT for a bad
 * magic (counted), MM_ETRUNC if shorter than a chunk header. Bad CRCs are
 * counted and reported, not errors. file_offset is used in messages and
 * in ev->offset. */
int evtx_chunk_load(struct evtx_chunk *c, const uint8_t *data, size_t len, uint64_t file_offset,
		    uint64_t chunk_index);
/* 1: next record in ev; 0: no more records in this chunk. */
int evtx_chunk_next(struct evtx_chunk *c, struct log_event *ev);

/* A whole file in memory (mapped or read by the caller). */
struct evtx_file;
int evtx_file_open(struct evtx_file **out, const uint8_t *data, size_t len,
		   struct log_reader_stats *st, unsigned workers, struct mm_diag *diag);
/* A file read chunk by chunk from fd (borrowed; 64 KiB in memory). */
int evtx_file_open_fd(struct evtx_file **out, int fd, uint64_t size,
		      struct log_reader_stats *st, unsigned workers, struct mm_diag *diag);
/* Parses chunks with this many threads (batches, events still in file
 * order); ignored for files of one chunk. */
int evtx_file_set_workers(struct evtx_file *f, unsigned workers);
int evtx_file_next(struct evtx_file *f, struct log_event *ev);
void evtx_file_free(struct evtx_file *f);

/* The CRC32 of RFC 1952 (zlib's). */
uint32_t evtx_crc32(const uint8_t *p, size_t len);

/*
 * Binary XML (binxml.c). struct bx_chunk holds one chunk's caches (names
 * by offset, compiled templates by offset) and the per-record arena.
 */
struct bx_chunk;
struct bx_chunk *bx_chunk_new(struct log_reader_stats *st);
void bx_chunk_free(struct bx_chunk *b);
/* New chunk: forgets names and templates. data is the whole chunk. */
void bx_chunk_reset(struct bx_chunk *b, const uint8_t *data, size_t len);
/* Renders the binary XML at [start, end) of the chunk into fields (the
 * arena is reset first). Returns 0, or MM_ECORRUPT when the record's XML
 * was damaged (the fields decoded before the damage are kept). */
int bx_render_record(struct bx_chunk *b, size_t start, size_t end, struct log_event *ev);
/* Formats FILETIME as "2019-03-19T23:33:02.0123456Z" (out >= 32 bytes). */
void bx_format_filetime(uint64_t ft, char *out, size_t cap);

#endif
