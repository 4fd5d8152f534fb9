/*
 * nethelp.h — helpers shared by the net engine's unit tests: run the
 * engine on a capture file (with configuration overrides) and collect
 * what it emits (alerts, skip/partial records, transaction records) as
 * JSON lines in memory; locate generated fixtures; build small frames.
 */
#ifndef NET_TEST_HELP_H
#define NET_TEST_HELP_H

#include "core/core.h"

struct nt_out {
	struct mm_buf alerts;	/* one JSON alert per line */
	size_t nalerts;
	struct mm_buf skips;	/* "partial|why|detail" lines */
	size_t nskips;
	struct mm_buf records;	/* "type json" lines */
	size_t nrecords;
};

void nt_out_release(struct nt_out *o);
/* Scans path with the net engine. sets: NULL-terminated "key=value" list
 * or NULL; records: comma list of record types wanted ("http,smb") or
 * NULL. Returns the engine's scan() result. */
int nt_scan(const char *path, const char *const *sets, const char *records, struct nt_out *o);
/* $MAMORI_GEN_DIR/<rel> (static buffer, valid until the next call). */
const char *nt_gen(const char *rel);
/* Non-overlapping occurrences of needle in s (NULL s: 0). */
size_t nt_count(const char *s, const char *needle);
/* Writes data to a temporary file; returns its path (static buffer). */
const char *nt_tmpfile(const void *data, size_t len);

/* A classic pcap in memory. */
struct pcapw {
	struct mm_buf b;
};
void pcapw_init(struct pcapw *w, uint32_t linktype, uint32_t snaplen);
void pcapw_add(struct pcapw *w, int64_t ts_us, const void *data, size_t caplen, size_t origlen);
void pcapw_release(struct pcapw *w);

/* Ethernet + IPv4 + TCP frame into out; returns its length. */
size_t nt_tcp4(uint8_t *out, size_t cap, uint32_t src, uint32_t dst, uint16_t sport,
	       uint16_t dport, uint32_t seq, uint32_t ack, uint8_t flags, const void *payload,
	       size_t plen);

#endif
