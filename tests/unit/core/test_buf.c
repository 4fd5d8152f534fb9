/*
 * test_buf.c — mm_grow(): the growable-array helper (first capacity,
 * doubling, contents kept, no change when there is room, and the overflow
 * cases, which must fail without touching the array or its capacity).
 */
#include "core/compat.h"
#include "core/buf.h"

#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

static void test_grow(void **state)
{
	uint32_t *v = NULL, *nv;
	size_t n = 0, cap = 0;

	(void)state;
	for (uint32_t i = 0; i < 100; i++) {
		nv = mm_grow(v, n, &cap, sizeof(*nv), 4);
		assert_non_null(nv);
		v = nv;
		v[n++] = i * 7;
		assert_true(cap >= n);
	}
	assert_int_equal(cap, 128);	/* 4, 8, ..., 128 */
	for (uint32_t i = 0; i < 100; i++)
		assert_int_equal(v[i], i * 7);
	/* room left: the same array, the same capacity */
	nv = mm_grow(v, n, &cap, sizeof(*nv), 4);
	assert_ptr_equal(nv, v);
	assert_int_equal(cap, 128);
	free(v);
}

static void test_overflow(void **state)
{
	char one = 'x';
	size_t cap = SIZE_MAX / 2 + 1;

	(void)state;
	/* doubling would wrap */
	assert_null(mm_grow(&one, cap, &cap, 1, 16));
	assert_int_equal(cap, SIZE_MAX / 2 + 1);
	/* elements too large for the count */
	cap = 0;
	assert_null(mm_grow(NULL, 0, &cap, SIZE_MAX / 8, 16));
	assert_int_equal(cap, 0);
	/* nothing to grow from */
	assert_null(mm_grow(NULL, 0, &cap, 8, 0));
	assert_null(mm_grow(NULL, 0, &cap, 0, 16));
	assert_int_equal(cap, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_grow),
		cmocka_unit_test(test_overflow),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
