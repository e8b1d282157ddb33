/* vm/alloc.h - the one allocator entry point of the runtime, with a fault-injection hook.
 *
 * Every allocation the VM makes goes through vm_malloc/vm_calloc/vm_realloc so that tests can
 * make the k-th one fail (alloc_set_fail_hook) and prove that every path returns
 * CHIBI_ERR_NOMEM cleanly.  Memory is always released with plain free() (vm_free).
 * Zero-size requests allocate one byte, so NULL always means "out of memory".
 */
#ifndef CHIBI_VM_ALLOC_H
#define CHIBI_VM_ALLOC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>

/* malloc(size); NULL on failure (or when the fail hook says so). */
void *vm_malloc(size_t size);
/* Zeroed array of n elements of `size` bytes; NULL on overflow or failure. */
void *vm_calloc(size_t n, size_t size);
/* realloc(p, n * size) with overflow check; on failure p is untouched and NULL returned. */
void *vm_realloc(void *p, size_t n, size_t size);
/* Copy of a NUL-terminated string; NULL on failure. */
char *vm_strdup(const char *s);

static inline void vm_free(void *p) { free(p); }

/* The one growable-array helper: make room for `need` elements of `elem` bytes in *arr, whose
 * capacity is *cap (doubling, from 16).  False on overflow or out of memory, with *arr and
 * *cap untouched so the owner can still free the array.  Use through VM_GROW, which passes
 * the element size of the array itself. */
bool vm_grow_array(void **arr, size_t *cap, size_t need, size_t elem);
/* The common case, room already there, without a call: compilers use VM_GROW once per
 * instruction or label (measured: 43,000 of chibi run hello's 8.7 million instructions when
 * every use made the call). */
static inline bool vm_grow(void **arr, size_t *cap, size_t need, size_t elem)
{
	return need <= *cap || vm_grow_array(arr, cap, need, elem);
}
#define VM_GROW(arr, cap, need) vm_grow((void **)&(arr), &(cap), (need), sizeof(*(arr)))

/* Test hook: called before each allocation (and each address-space reservation of
 * vm/memory.c) with its size; returning true makes that allocation fail.  NULL (the default)
 * disables injection.  Not thread-safe: install it before any runtime work starts. */
typedef bool (*alloc_fail_fn)(size_t size);
void alloc_set_fail_hook(alloc_fail_fn fn);
/* True if the hook asks the current allocation of `size` bytes to fail. */
bool alloc_should_fail(size_t size);

#endif
