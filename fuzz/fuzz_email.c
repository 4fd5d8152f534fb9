/*
 * fuzz_email.c — libFuzzer target for the e-mail reader (GMime walk in
 * src/files/mail.c) and the bounded HTML scanner, which also runs on the
 * raw input as if it were a page.
 */
#include "core/compat.h"
#include "files/mail.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int on_part(void *arg, const struct mail_part_info *pi, const uint8_t *d, size_t len)
{
	struct html_doc *doc = arg;

	if (pi->text)
		return html_scan(doc, (const char *)d, len);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct html_doc doc;
	struct mail_summary s;

	html_doc_init(&doc);
	(void)mail_walk(data, size, &s, on_part, &doc);
	(void)html_scan(&doc, (const char *)data, size);
	for (unsigned i = 0; i < doc.nlinks; i++)
		if (strlen(html_str(&doc, doc.links[i].href)) > HTML_ATTR_MAX * 4)
			__builtin_trap();
	html_doc_release(&doc);
	return 0;
}
