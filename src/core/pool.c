/*
 * pool.c — worker threads and a bounded ring queue (see pool.h).
 *
 * One mutex and two condition variables: not_full wakes the producer,
 * not_empty wakes workers. The ring holds queue_cap pointers; nothing else
 * is allocated after mm_pool_new().
 */
#include "core/compat.h"
#include "core/pool.h"

#include <pthread.h>

struct mm_pool {
	pthread_mutex_t lock;
	pthread_cond_t not_full;
	pthread_cond_t not_empty;
	void **ring;
	size_t cap, head, count;
	/* threads blocked in a wait: signal only when someone sleeps, which
	 * saves a futex call per item when the queue is busy */
	unsigned idle_workers;
	bool producer_waiting;
	bool closing;
	bool finished;
	mm_pool_fn *fn;
	void *arg;
	unsigned nthreads;	/* threads actually started */
	pthread_t *threads;
	struct pool_worker *workers;
};

struct pool_worker {
	struct mm_pool *pool;
	unsigned index;
};

static void *worker_main(void *p)
{
	struct pool_worker *w = p;
	struct mm_pool *pool = w->pool;
	void *item;

	for (;;) {
		pthread_mutex_lock(&pool->lock);
		while (pool->count == 0 && !pool->closing) {
			pool->idle_workers++;
			pthread_cond_wait(&pool->not_empty, &pool->lock);
			pool->idle_workers--;
		}
		if (pool->count == 0) {
			pthread_mutex_unlock(&pool->lock);
			break;
		}
		item = pool->ring[pool->head];
		pool->head = (pool->head + 1) % pool->cap;
		pool->count--;
		/* wake a blocked producer only once the queue is half empty, so
		 * it refills in a run instead of one item per wake-up */
		if (pool->producer_waiting && pool->count <= pool->cap / 2)
			pthread_cond_signal(&pool->not_full);
		pthread_mutex_unlock(&pool->lock);
		pool->fn(pool->arg, w->index, item);
	}
	return NULL;
}

struct mm_pool *mm_pool_new(unsigned nthreads, size_t queue_cap, mm_pool_fn *fn, void *arg)
{
	struct mm_pool *p = NULL;

	if (nthreads == 0 || queue_cap == 0 || !fn)
		return NULL;
	p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->ring = calloc(queue_cap, sizeof(*p->ring));
	p->threads = calloc(nthreads, sizeof(*p->threads));
	p->workers = calloc(nthreads, sizeof(*p->workers));
	if (!p->ring || !p->threads || !p->workers)
		goto fail;
	p->cap = queue_cap;
	p->fn = fn;
	p->arg = arg;
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->not_full, NULL);
	pthread_cond_init(&p->not_empty, NULL);
	for (unsigned i = 0; i < nthreads; i++) {
		p->workers[i].pool = p;
		p->workers[i].index = i;
		if (pthread_create(&p->threads[i], NULL, worker_main, &p->workers[i]) != 0)
			break;
		p->nthreads++;
	}
	if (p->nthreads == 0) {
		pthread_cond_destroy(&p->not_empty);
		pthread_cond_destroy(&p->not_full);
		pthread_mutex_destroy(&p->lock);
		goto fail;
	}
	return p;
fail:
	free(p->workers);
	free(p->threads);
	free(p->ring);
	free(p);
	return NULL;
}

int mm_pool_submit(struct mm_pool *p, void *item)
{
	pthread_mutex_lock(&p->lock);
	while (p->count == p->cap && !p->closing) {
		p->producer_waiting = true;
		pthread_cond_wait(&p->not_full, &p->lock);
		p->producer_waiting = false;
	}
	if (p->closing) {
		pthread_mutex_unlock(&p->lock);
		return MM_ESTATE;
	}
	p->ring[(p->head + p->count) % p->cap] = item;
	p->count++;
	if (p->idle_workers)
		pthread_cond_signal(&p->not_empty);
	pthread_mutex_unlock(&p->lock);
	return 0;
}

void mm_pool_finish(struct mm_pool *p)
{
	if (!p || p->finished)
		return;
	pthread_mutex_lock(&p->lock);
	p->closing = true;
	pthread_cond_broadcast(&p->not_empty);
	pthread_cond_broadcast(&p->not_full);
	pthread_mutex_unlock(&p->lock);
	for (unsigned i = 0; i < p->nthreads; i++)
		pthread_join(p->threads[i], NULL);
	p->finished = true;
}

void mm_pool_free(struct mm_pool *p)
{
	if (!p)
		return;
	mm_pool_finish(p);
	pthread_cond_destroy(&p->not_empty);
	pthread_cond_destroy(&p->not_full);
	pthread_mutex_destroy(&p->lock);
	free(p->workers);
	free(p->threads);
	free(p->ring);
	free(p);
}

unsigned mm_pool_threads(const struct mm_pool *p)
{
	return p->nthreads;
}
