/*
 * buf.h — growable byte buffers with a hard cap, and borrowed slices.
 *
 * struct mm_buf owns its bytes (ptr is heap memory or NULL). Every buffer has
 * a maximum size set at init: an append that would pass it fails with
 * MM_ELIMIT, and any failed append frees the buffer and leaves it empty (as
 * curl's dynbuf does), so a caller can never go on with half a value. The
 * bytes are always NUL-terminated when len > 0, for convenience; the NUL is
 * not counted in len.
 *
 * struct mm_slice is a borrowed view {ptr, len}: it owns nothing and is valid
 * only as long as whatever it points into; each API that returns one says
 * until when.
 *
 * Threading: a buffer belongs to one thread at a time.
 */
#ifndef MM_BUF_H
#define MM_BUF_H

struct mm_slice {
	const uint8_t *ptr;
	size_t len;
};

#define MM_SLICE_EMPTY ((struct mm_slice){ NULL, 0 })

struct mm_buf {
	char *ptr;
	size_t len;
	size_t cap;
	size_t max;
};

void mm_buf_init(struct mm_buf *b, size_t max);
void mm_buf_release(struct mm_buf *b);
/* Keeps the allocation, sets len to 0. */
void mm_buf_reset(struct mm_buf *b);
int mm_buf_append(struct mm_buf *b, const void *data, size_t len);
int mm_buf_append_str(struct mm_buf *b, const char *s);
int mm_buf_append_byte(struct mm_buf *b, uint8_t c);
int mm_buf_appendf(struct mm_buf *b, const char *fmt, ...) MM_PRINTF(2, 3);
int mm_buf_vappendf(struct mm_buf *b, const char *fmt, va_list ap) MM_PRINTF(2, 0);
/* Hands the bytes to the caller (who frees them) and leaves b empty.
 * Returns an empty heap string for an empty buffer, NULL on ENOMEM. */
char *mm_buf_detach(struct mm_buf *b, size_t *len);

/*
 * Arena: bump allocation for everything decoded from one record, packet or
 * chunk; reset after matching. Memory returned is 16-byte aligned and zeroed
 * only by mm_arena_zalloc. Allocation beyond max fails (returns NULL).
 */
struct mm_arena_block;
struct mm_arena {
	struct mm_arena_block *head;
	size_t used;
	size_t max;
	size_t block_size;
};

void mm_arena_init(struct mm_arena *a, size_t block_size, size_t max);
void mm_arena_release(struct mm_arena *a);
/* Frees all but the first block; previous pointers become invalid. */
void mm_arena_reset(struct mm_arena *a);
void *mm_arena_alloc(struct mm_arena *a, size_t n);
void *mm_arena_zalloc(struct mm_arena *a, size_t n);
char *mm_arena_strndup(struct mm_arena *a, const char *s, size_t n);

/*
 * Room for one more element in a growable array: returns arr itself when
 * n < *cap, else arr reallocated to twice *cap elements of esz bytes
 * (first when *cap is 0) with *cap updated; NULL on overflow or ENOMEM,
 * arr and *cap then unchanged (the caller still owns arr). Usage:
 *   struct x *nv = mm_grow(v, n, &cap, sizeof(*nv), 16);
 *   if (!nv) return MM_ENOMEM;
 *   v = nv;
 */
void *mm_grow(void *arr, size_t n, size_t *cap, size_t esz, size_t first);

#endif
