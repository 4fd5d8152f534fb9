/*
 * mail.h — e-mail and HTML reading for the phishing analyser (private to
 * src/files/).
 *
 * mail_walk() parses an RFC 5322 message with GMime 3, walks its MIME
 * tree (at most MAIL_MAX_PARTS leaf parts, MAIL_MAX_DEPTH levels of
 * multiparts and attached messages) and hands every leaf part to a
 * callback, decoded from its transfer encoding and, for text parts,
 * converted from its charset to UTF-8. Each part's decoded size is capped
 * at MAIL_PART_MAX; what a cap cut is counted in the summary.
 *
 * html_scan() is a small bounded tag scanner of our own (no DOM): the
 * title, every <a href> with its display text, every <form action> with
 * the kinds of its inputs (password, seed/mnemonic/recovery phrase, word
 * N of 12/24, private key), and the visible text (capped) for brand and
 * seed-phrase mentions. Entities in attributes and text are decoded.
 *
 * Ownership: struct html_doc owns its pools (html_doc_release()); link
 * and form strings are offsets into them. Data passed to the mail
 * callback is valid only during the call. Threading: mail_global_init()
 * starts GMime once per process (pthread_once: a thread that comes second
 * waits until it is done); mail_walk() calls it itself, so GMime starts
 * with the first e-mail, not in a scan that has none. Every function is
 * thread-safe on separate objects.
 */
#ifndef FILES_MAIL_H
#define FILES_MAIL_H

#include "core/core.h"

#define MAIL_MAX_PARTS 64
#define MAIL_MAX_DEPTH 8
#define MAIL_PART_MAX (16u << 20)

struct mail_part_info {
	const char *content_type;	/* "text/html", lower case */
	const char *filename;		/* NULL when none */
	bool attachment;		/* Content-Disposition: attachment, or a named non-text part */
	bool text;			/* text/... converted to UTF-8 */
	int depth;
	unsigned index;			/* leaf number, from 0 */
};

/* Return a negative MM_E* code to stop the walk. */
typedef int mail_part_fn(void *arg, const struct mail_part_info *pi, const uint8_t *data,
			 size_t len);

struct mail_summary {
	char subject[256];
	char from[256];
	unsigned parts;		/* leaf parts handed to the callback */
	unsigned parts_dropped;	/* over MAIL_MAX_PARTS or MAIL_MAX_DEPTH */
	unsigned parts_cut;	/* decoded content cut at MAIL_PART_MAX */
	bool no_message;	/* GMime found no message at all */
};

void mail_global_init(void);
/* 0, a negative code from fn, MM_ENOMEM, or MM_ECORRUPT when the bytes are
 * no message at all (s->no_message). */
int mail_walk(const uint8_t *data, size_t len, struct mail_summary *s, mail_part_fn *fn,
	      void *arg);

/* --- HTML ----------------------------------------------------------- */

#define HTML_MAX_LINKS 1024	/* absolute links only: relative ones cannot leave the site */
#define HTML_MAX_FORMS 16
#define HTML_TEXT_MAX (256u * 1024)
#define HTML_ATTR_MAX 2048

/* input kinds */
#define HTML_IN_PASSWORD 0x01u
#define HTML_IN_SEED 0x02u		/* seed / mnemonic / recovery / secret phrase */
#define HTML_IN_PRIVKEY 0x04u
#define HTML_IN_EMAIL 0x08u

struct html_link {
	size_t href;		/* offset in pool, NUL-terminated */
	size_t text;		/* display text, blanks collapsed */
};

struct html_form {
	size_t action;		/* offset in pool ("" when absent) */
	unsigned kinds;		/* HTML_IN_* */
	unsigned inputs;
	unsigned word_inputs;	/* name/id like word1..word24 */
};

struct html_doc {
	struct mm_buf pool;
	struct mm_buf text;	/* visible text */
	char title[256];
	struct html_link links[HTML_MAX_LINKS];
	unsigned nlinks;
	unsigned links_dropped;
	struct html_form forms[HTML_MAX_FORMS + 1];	/* [HTML_MAX_FORMS]: inputs outside forms */
	unsigned nforms;
	unsigned forms_dropped;
	unsigned loose_inputs;	/* inputs outside any form */
};

void html_doc_init(struct html_doc *d);
void html_doc_release(struct html_doc *d);
/* Adds what html holds to d (several parts may go into one doc). */
int html_scan(struct html_doc *d, const char *html, size_t len);
static inline const char *html_str(const struct html_doc *d, size_t off)
{
	return d->pool.ptr && off < d->pool.len ? d->pool.ptr + off : "";
}

#endif
