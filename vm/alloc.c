/* vm/alloc.c - allocator wrappers with overflow checks and a fault-injection hook.
 *
 * Deliberately thin: no pools, no accounting beyond the optional test hook.  Tests install
 * a hook that fails the k-th allocation (SQLite faultsim style) and loop k = 1, 2, ...
 * Entry points: vm_malloc, vm_calloc, vm_realloc, vm_grow_array, vm_strdup,
 * alloc_set_fail_hook.
 */
#include <stdint.h>
#include <string.h>

#include "alloc.h"

static alloc_fail_fn fail_hook;

/* Install (or with NULL remove) the fault-injection hook; see alloc.h. */
void alloc_set_fail_hook(alloc_fail_fn fn)
{
	fail_hook = fn;
}

/* Ask the hook whether this allocation should fail. */
bool alloc_should_fail(size_t size)
{
	return fail_hook && fail_hook(size);
}

/* malloc that never returns NULL for size 0 on success; see alloc.h. */
void *vm_malloc(size_t size)
{
	if (alloc_should_fail(size))
		return NULL;
	return malloc(size ? size : 1);
}

/* Zeroed, overflow-checked array allocation; see alloc.h. */
void *vm_calloc(size_t n, size_t size)
{
	if (size && n > SIZE_MAX / size)
		return NULL;
	if (alloc_should_fail(n * size))
		return NULL;
	if (!n || !size)
		n = size = 1;
	return calloc(n, size);
}

/* Overflow-checked realloc of an array; see alloc.h. */
void *vm_realloc(void *p, size_t n, size_t size)
{
	size_t bytes = n * size;

	if (size && n > SIZE_MAX / size)
		return NULL;
	if (alloc_should_fail(bytes))
		return NULL;
	/* realloc(p, 0) may free p and return NULL, which callers would read as failure. */
	return realloc(p, bytes ? bytes : 1);
}

/* Growable arrays; see alloc.h. */
bool vm_grow_array(void **arr, size_t *cap, size_t need, size_t elem)
{
	size_t ncap = *cap ? *cap : 16;
	void *p;

	if (need <= *cap)
		return true;
	while (ncap < need) {
		if (ncap > SIZE_MAX / 2)
			return false;
		ncap *= 2;
	}
	p = vm_realloc(*arr, ncap, elem);
	if (!p)
		return false;
	*arr = p;
	*cap = ncap;
	return true;
}

/* strdup through the hook; see alloc.h. */
char *vm_strdup(const char *s)
{
	size_t n = strlen(s) + 1;
	char *d = vm_malloc(n);

	if (d)
		memcpy(d, s, n);
	return d;
}
