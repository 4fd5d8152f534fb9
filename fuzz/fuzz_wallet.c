/*
 * fuzz_wallet.c — libFuzzer target for the address validators and scanner
 * of src/core/wallet.c, and for the Base64 decoder of src/core/hash.c (both
 * take hostile text and are small enough to share a target).
 *
 * Checks, beyond "no crash": every address mm_wallet_scan() reports lies
 * inside the input, validates again on its own and is reported in order;
 * the UTF-16LE scan reports tokens whose wide bytes match what it hands
 * out; a Base64 decode re-encodes to something that decodes
 * to the same bytes.
 */
#include "core/compat.h"
#include "core/wallet.h"
#include "core/hash.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct fz {
	const char *base;
	size_t size;
	size_t next;	/* scan offsets must not go backwards */
	size_t n;
};

static int on_addr(void *arg, const char *addr, size_t len, size_t offset,
		   const struct mm_wallet *w)
{
	struct fz *f = arg;
	struct mm_wallet again;

	if (addr != f->base + offset || offset > f->size ||
	    len > f->size - offset || offset < f->next)
		abort();
	if (mm_wallet_check(addr, len, &again) != 0 || again.coin != w->coin ||
	    strcmp(again.type, w->type) != 0)
		abort();
	f->next = offset + len;
	f->n++;
	return 0;
}

/* UTF-16LE hits: addr is a narrowed copy; it must match the wide bytes. */
static int on_addr16(void *arg, const char *addr, size_t len, size_t offset,
		     const struct mm_wallet *w)
{
	struct fz *f = arg;
	struct mm_wallet again;
	size_t k;

	if (offset > f->size || len > (f->size - offset) / 2 ||
	    len > MM_WALLET_MAX_LEN)
		abort();
	for (k = 0; k < len; k++)
		if (f->base[offset + 2 * k] != addr[k] ||
		    f->base[offset + 2 * k + 1] != 0)
			abort();
	if (mm_wallet_check(addr, len, &again) != 0 || again.coin != w->coin)
		abort();
	f->n++;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	struct fz f = { text, size, 0, 0 };
	struct mm_wallet w;
	uint8_t *out = NULL, *back = NULL;
	char *enc = NULL;
	long n, m;
	size_t cap;

	if (mm_wallet_check(text, size, &w) == 0) {
		if (!w.coin_name || !w.type || w.coin == MM_COIN_NONE)
			abort();
	}
	if (mm_wallet_scan(text, size, on_addr, &f) != f.n)
		abort();
	f.next = 0;
	f.n = 0;
	if (mm_wallet_scan_utf16le(data, size, on_addr16, &f) != f.n)
		abort();
	if (size > 1 << 16)
		return 0;
	cap = size;
	out = malloc(cap + 1);
	enc = malloc(4 * ((cap + 2) / 3) + 1);
	back = malloc(cap + 1);
	if (!out || !enc || !back)
		goto out;
	n = mm_base64_decode(text, size, out, cap);
	if (n >= 0) {
		if ((size_t)n > 3 * size / 4)
			abort();
		m = mm_base64_decode(enc, mm_base64_encode(out, (size_t)n, enc),
				     back, cap);
		if (m != n || memcmp(out, back, (size_t)n) != 0)
			abort();
	}
out:
	free(out);
	free(enc);
	free(back);
	return 0;
}
