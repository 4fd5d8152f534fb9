/*
 * classify.h — what an input is, decided from its content (magic bytes and
 * a look at the first bytes), never from its name.
 *
 * mm_classify() reads nothing itself: the caller passes the first bytes of
 * the input (MM_CLASSIFY_HEAD bytes, or fewer if the input is shorter) and
 * the total size. It is pure, bounded and safe on any bytes; it never
 * reads past head_len and looks at no more than MM_CLASSIFY_HEAD bytes.
 *
 * Results: EMPTY for a 0-byte input; UNKNOWN when the input is not empty
 * but no head was given; a specific kind when its magic or structure
 * matches (the most specific wins: magic numbers, then structured text);
 * TEXT for other mostly printable UTF-8 (or UTF-16, transcoded first);
 * BINARY for anything else. UTF-16 text is classified as its content (a
 * UTF-16 PowerShell script is SCRIPT): engines must expect UTF-16 input
 * for text kinds. JSON covers one document (or a head that is a prefix of
 * one); JSONL needs two or more complete lines that are JSON objects.
 */
#ifndef MM_CLASSIFY_H
#define MM_CLASSIFY_H

#define MM_CLASSIFY_HEAD 4096

#define MM_KIND_MAP(X)                                   \
	X(UNKNOWN, "unknown")                            \
	X(EMPTY, "empty")                                \
	X(PCAP, "pcap")                                  \
	X(PCAPNG, "pcapng")                              \
	X(EVTX, "evtx")                                  \
	X(PE, "pe")                                      \
	X(ELF, "elf")                                    \
	X(MACHO, "macho")                                \
	X(ZIP, "zip")                                    \
	X(GZIP, "gzip")                                  \
	X(BZIP2, "bzip2")                                \
	X(XZ, "xz")                                      \
	X(ZSTD, "zstd")                                  \
	X(TAR, "tar")                                    \
	X(SEVENZ, "7z")                                  \
	X(RAR, "rar")                                    \
	X(CAB, "cab")                                    \
	X(OLE, "ole")                                    \
	X(PDF, "pdf")                                    \
	X(LNK, "lnk")                                    \
	X(SQLITE, "sqlite")                              \
	X(BDB, "berkeleydb")                             \
	X(DEX, "dex")                                    \
	X(WASM, "wasm")                                  \
	X(EMAIL, "email")                                \
	X(HTML, "html")                                  \
	X(JSON, "json")                                  \
	X(JSONL, "jsonl")                                \
	X(SYSLOG, "syslog")                              \
	X(AUDITD, "auditd")                              \
	X(JOURNAL_EXPORT, "journal-export")              \
	X(SCRIPT, "script")                              \
	X(INI, "ini")                                    \
	X(TEXT, "text")                                  \
	X(BINARY, "binary")

enum mm_kind {
#define MM_KIND_ENUM(name, text) MM_KIND_##name,
	MM_KIND_MAP(MM_KIND_ENUM)
#undef MM_KIND_ENUM
	MM_KIND_COUNT
};

#define MM_KIND_BIT(k) (UINT64_C(1) << (k))

const char *mm_kind_name(enum mm_kind k);
/* -1 if no kind has that name. */
int mm_kind_parse(const char *name);

enum mm_kind mm_classify(const uint8_t *head, size_t head_len, uint64_t total_size);

#endif
