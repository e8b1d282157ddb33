/* vm/alloc_test.c - the growable-array helper: growth, overflow and injected failure leave the
 * array usable. */
#include <criterion/criterion.h>
#include <stdint.h>

#include "alloc.h"

static int fail_after;
static bool fail_countdown(size_t size)
{
	return fail_after-- == 0;
}

Test(alloc, grow_keeps_contents_and_doubles)
{
	uint32_t *a = NULL;
	size_t cap = 0;

	cr_assert(VM_GROW(a, cap, 1));
	cr_expect_eq(cap, 16);
	for (uint32_t i = 0; i < 1000; i++) {
		cr_assert(VM_GROW(a, cap, i + 1));
		a[i] = i;
	}
	cr_expect_eq(cap, 1024);
	for (uint32_t i = 0; i < 1000; i++)
		cr_expect_eq(a[i], i);
	vm_free(a);
}

Test(alloc, grow_failure_leaves_array)
{
	uint64_t *a = NULL;
	size_t cap = 0;

	cr_assert(VM_GROW(a, cap, 10));
	a[9] = 42;
	fail_after = 0;
	alloc_set_fail_hook(fail_countdown);
	cr_expect_not(VM_GROW(a, cap, 100));
	alloc_set_fail_hook(NULL);
	cr_expect_eq(cap, 16);
	cr_expect_eq(a[9], 42);
	cr_expect_not(VM_GROW(a, cap, SIZE_MAX / 2), "overflow must fail, not wrap");
	cr_expect_eq(cap, 16);
	vm_free(a);
}
