/*
 * pool.h — a fixed set of worker threads fed by one bounded queue.
 *
 * The producer (the walker) calls mm_pool_submit(), which blocks while the
 * queue is full, so the producer can never run ahead of the workers by more
 * than queue_cap items (each item may hold an open file descriptor). Every
 * item submitted is handed to exactly one call of fn, on one worker; fn owns
 * the item from then on. The worker index (0..nthreads-1) lets the caller
 * keep per-worker state without locking.
 *
 * mm_pool_finish() waits until every submitted item has been handled and
 * joins the threads; after it, mm_pool_free() releases the pool.
 *
 * Threading: submit/finish from one producer thread; fn runs concurrently on
 * the workers.
 */
#ifndef MM_POOL_H
#define MM_POOL_H

#include "core/error.h"

typedef void mm_pool_fn(void *arg, unsigned worker, void *item);

struct mm_pool;

/* nthreads >= 1, queue_cap >= 1. Returns NULL on failure (no thread left
 * running). */
struct mm_pool *mm_pool_new(unsigned nthreads, size_t queue_cap, mm_pool_fn *fn, void *arg);
/* Blocks while the queue is full. Fails with MM_ESTATE after finish(). */
int mm_pool_submit(struct mm_pool *p, void *item);
/* Waits for the queue to drain and joins the workers. Idempotent. */
void mm_pool_finish(struct mm_pool *p);
/* Calls finish() if needed, then frees. NULL is a no-op. */
void mm_pool_free(struct mm_pool *p);
unsigned mm_pool_threads(const struct mm_pool *p);

#endif
