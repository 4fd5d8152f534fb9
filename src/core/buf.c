/*
 * buf.c — capped growable buffers and bump arenas (see buf.h).
 */
#include "core/compat.h"
#include "core/buf.h"
#include "core/error.h"

void mm_buf_init(struct mm_buf *b, size_t max)
{
	b->ptr = NULL;
	b->len = 0;
	b->cap = 0;
	b->max = max ? max : SIZE_MAX / 2;
}

void mm_buf_release(struct mm_buf *b)
{
	free(b->ptr);
	b->ptr = NULL;
	b->len = 0;
	b->cap = 0;
}

void mm_buf_reset(struct mm_buf *b)
{
	b->len = 0;
	if (b->ptr)
		b->ptr[0] = '\0';
}

/* Makes room for n more bytes plus the NUL; frees the buffer on failure. */
static int grow(struct mm_buf *b, size_t n)
{
	size_t need, cap;
	char *p;

	if (n > b->max || b->len > b->max - n) {
		mm_buf_release(b);
		return MM_ELIMIT;
	}
	need = b->len + n + 1;
	if (need <= b->cap)
		return 0;
	cap = b->cap ? b->cap : 64;
	while (cap < need)
		cap = cap > SIZE_MAX / 2 ? need : cap * 2;
	if (cap > b->max + 1)
		cap = b->max + 1;
	p = realloc(b->ptr, cap);
	if (!p) {
		mm_buf_release(b);
		return MM_ENOMEM;
	}
	b->ptr = p;
	b->cap = cap;
	return 0;
}

int mm_buf_append(struct mm_buf *b, const void *data, size_t len)
{
	int rc;

	if (len == 0)
		return 0;
	rc = grow(b, len);
	if (rc)
		return rc;
	memcpy(b->ptr + b->len, data, len);
	b->len += len;
	b->ptr[b->len] = '\0';
	return 0;
}

int mm_buf_append_str(struct mm_buf *b, const char *s)
{
	return mm_buf_append(b, s, strlen(s));
}

int mm_buf_append_byte(struct mm_buf *b, uint8_t c)
{
	int rc = grow(b, 1);

	if (rc)
		return rc;
	b->ptr[b->len++] = (char)c;
	b->ptr[b->len] = '\0';
	return 0;
}

int mm_buf_vappendf(struct mm_buf *b, const char *fmt, va_list ap)
{
	va_list ap2;
	int n, rc;

	va_copy(ap2, ap);
	n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n < 0) {
		mm_buf_release(b);
		return MM_EINVAL;
	}
	rc = grow(b, (size_t)n);
	if (rc)
		return rc;
	vsnprintf(b->ptr + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
	return 0;
}

int mm_buf_appendf(struct mm_buf *b, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = mm_buf_vappendf(b, fmt, ap);
	va_end(ap);
	return rc;
}

char *mm_buf_detach(struct mm_buf *b, size_t *len)
{
	char *p = b->ptr;

	if (!p)
		p = calloc(1, 1);
	if (len)
		*len = p ? b->len : 0;
	b->ptr = NULL;
	b->len = 0;
	b->cap = 0;
	return p;
}

/* Arena blocks: a header followed by the bytes handed out. */
struct mm_arena_block {
	struct mm_arena_block *next;
	size_t size;
	size_t used;
	_Alignas(16) unsigned char data[];
};

void mm_arena_init(struct mm_arena *a, size_t block_size, size_t max)
{
	a->head = NULL;
	a->used = 0;
	a->block_size = block_size ? block_size : 64 * 1024;
	a->max = max ? max : SIZE_MAX / 2;
}

void mm_arena_release(struct mm_arena *a)
{
	struct mm_arena_block *b = a->head, *next;

	while (b) {
		next = b->next;
		free(b);
		b = next;
	}
	a->head = NULL;
	a->used = 0;
}

void mm_arena_reset(struct mm_arena *a)
{
	struct mm_arena_block *b, *last = NULL;

	/* keep only the oldest block (the tail of the list): it has the base size */
	b = a->head;
	while (b) {
		struct mm_arena_block *next = b->next;
		if (!next)
			last = b;
		else
			free(b);
		b = next;
	}
	a->head = last;
	if (last)
		last->used = 0;
	a->used = 0;
}

void *mm_arena_alloc(struct mm_arena *a, size_t n)
{
	struct mm_arena_block *b = a->head;
	size_t size;

	n = (n + 15) & ~(size_t)15;
	if (n == 0)
		n = 16;
	if (n > a->max || a->used > a->max - n)
		return NULL;
	if (!b || b->size - b->used < n) {
		size = n > a->block_size ? n : a->block_size;
		b = malloc(sizeof *b + size);
		if (!b)
			return NULL;
		b->size = size;
		b->used = 0;
		b->next = a->head;
		a->head = b;
	}
	b->used += n;
	a->used += n;
	return b->data + b->used - n;
}

void *mm_arena_zalloc(struct mm_arena *a, size_t n)
{
	void *p = mm_arena_alloc(a, n);

	if (p)
		memset(p, 0, n);
	return p;
}

char *mm_arena_strndup(struct mm_arena *a, const char *s, size_t n)
{
	char *p = mm_arena_alloc(a, n + 1);

	if (p) {
		memcpy(p, s, n);
		p[n] = '\0';
	}
	return p;
}

void *mm_grow(void *arr, size_t n, size_t *cap, size_t esz, size_t first)
{
	if (n < *cap)
		return arr;
	size_t nc = *cap ? *cap : first;
	if (*cap) {
		if (nc > SIZE_MAX / 2)
			return NULL;
		nc *= 2;
	}
	if (!nc || !esz || nc > SIZE_MAX / esz)
		return NULL;
	void *na = realloc(arr, nc * esz);
	if (!na)
		return NULL;
	*cap = nc;
	return na;
}
