/*
 * test_pool.c — the worker pool (src/core/pool.h): every item handled
 * exactly once, by a valid worker index; the queue bound holds (the
 * producer blocks instead of running ahead); finish is idempotent.
 */
#include "core/compat.h"

#include <setjmp.h>
#include <cmocka.h>
#include <pthread.h>
#include <stdatomic.h>
#include <unistd.h>

#include "core/pool.h"

#define N_ITEMS 20000

struct counts {
	_Atomic unsigned seen[N_ITEMS];
	_Atomic unsigned total;
	_Atomic int bad_worker;
	unsigned nthreads;
	/* for the bound test */
	_Atomic int in_flight;
	_Atomic int max_in_flight;
	atomic_bool release;
};

static void count_item(void *arg, unsigned worker, void *item)
{
	struct counts *c = arg;
	size_t i = (size_t)(uintptr_t)item;

	if (worker >= c->nthreads)
		atomic_store(&c->bad_worker, 1);
	atomic_fetch_add(&c->seen[i], 1);
	atomic_fetch_add(&c->total, 1);
}

static void test_every_item_once(void **state)
{
	static struct counts c;
	struct mm_pool *p;

	(void)state;
	memset(&c, 0, sizeof(c));
	c.nthreads = 4;
	p = mm_pool_new(4, 8, count_item, &c);
	assert_non_null(p);
	assert_int_equal(mm_pool_threads(p), 4);
	for (size_t i = 0; i < N_ITEMS; i++)
		assert_int_equal(mm_pool_submit(p, (void *)(uintptr_t)i), 0);
	mm_pool_finish(p);
	mm_pool_finish(p);	/* idempotent */
	assert_int_equal(atomic_load(&c.total), N_ITEMS);
	for (size_t i = 0; i < N_ITEMS; i++)
		assert_int_equal(atomic_load(&c.seen[i]), 1);
	assert_int_equal(atomic_load(&c.bad_worker), 0);
	/* submitting after finish is refused */
	assert_int_equal(mm_pool_submit(p, NULL), MM_ESTATE);
	mm_pool_free(p);
	mm_pool_free(NULL);
}

static void slow_item(void *arg, unsigned worker, void *item)
{
	struct counts *c = arg;

	(void)worker;
	(void)item;
	while (!atomic_load(&c->release))
		usleep(1000);
	atomic_fetch_add(&c->total, 1);
}

struct producer {
	struct mm_pool *pool;
	_Atomic int submitted;
};

static void *produce(void *arg)
{
	struct producer *pr = arg;

	for (int i = 0; i < 100; i++) {
		mm_pool_submit(pr->pool, NULL);
		atomic_fetch_add(&pr->submitted, 1);
	}
	return NULL;
}

static void test_queue_is_bounded(void **state)
{
	static struct counts c;
	struct producer pr;
	pthread_t t;

	(void)state;
	memset(&c, 0, sizeof(c));
	c.nthreads = 2;
	pr.pool = mm_pool_new(2, 3, slow_item, &c);
	atomic_store(&pr.submitted, 0);
	assert_non_null(pr.pool);
	assert_int_equal(pthread_create(&t, NULL, produce, &pr), 0);
	usleep(200 * 1000);
	{
		int n = atomic_load(&pr.submitted);

		/* the queue (3) is full and at most the two blocked workers hold
		 * one item each: the producer is stuck between 3 and 5 */
		assert_true(n >= 3 && n <= 5);
	}
	atomic_store(&c.release, true);
	pthread_join(t, NULL);
	mm_pool_free(pr.pool);
	assert_int_equal(atomic_load(&c.total), 100);
}

static void test_bad_arguments(void **state)
{
	(void)state;
	assert_null(mm_pool_new(0, 1, count_item, NULL));
	assert_null(mm_pool_new(1, 0, count_item, NULL));
	assert_null(mm_pool_new(1, 1, NULL, NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_item_once),
		cmocka_unit_test(test_queue_is_bounded),
		cmocka_unit_test(test_bad_arguments),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
