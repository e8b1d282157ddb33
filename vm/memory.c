/* vm/memory.c - linear memories: reservation + guard region, growth, the public accessors.
 *
 * On 64-bit hosts each memory reserves 8 GiB of PROT_NONE address space (4 GiB of index
 * space plus a 4 GiB guard for the offset) and grow only mprotects pages, so `data` never
 * moves and a JIT can rely on the guard instead of bounds checks.  If the reservation fails
 * (or CHIBI_HARD_GROW or CHIBI_NO_RESERVE is set in the environment) memory is a plain heap
 * block that may move on grow.  Entry points: mem_new, mem_free, mem_grow, chibi_memory_*.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "alloc.h"
#include "store.h"

#define RESERVE_BYTES ((size_t)8 << 30)

/* CHIBI_HARD_GROW: stress switch that makes every grow move the memory (tests code that
 * caches the data pointer across a grow). */
static bool hard_grow(void)
{
	const char *e = getenv("CHIBI_HARD_GROW");

	return e && *e && *e != '0';
}

/* CHIBI_NO_RESERVE: no address-space reservations (the JIT then checks bounds explicitly),
 * for hosts short of address space and emulators where reserving is slow (qemu-user 7.2:
 * ~0.2 s and ~48 MB per fresh 8 GiB window, which the spec runner's forked children pay
 * for every memory). */
static bool no_reserve(void)
{
	const char *e = getenv("CHIBI_NO_RESERVE");

	return e && *e && *e != '0';
}

/* Released windows kept for reuse, all PROT_NONE with no pages behind them.  Under
 * qemu-user 7.2 (the AArch64 test emulator) each fresh 8 GiB mapping costs ~0.1 s and ~48 MB
 * of host memory that munmap never gives back, so a process that creates and frees memories
 * (a long-lived embedder, in-process spec runs) would grow without reuse; natively it saves
 * two syscalls.  32 covers the most memories one spec script keeps alive. */
#define POOL_MAX 32
static pthread_mutex_t pool_lock = PTHREAD_MUTEX_INITIALIZER;
static void *pool[POOL_MAX];
static unsigned pool_n;

/* Return a window whose first `used` bytes were accessible: reset it (pages dropped, so they
 * read as zero next time; all PROT_NONE) and pool it, or unmap it when that fails or the pool
 * is full. */
static void unreserve(void *p, uint64_t used)
{
	bool pooled = false;

	if (!used || (madvise(p, used, MADV_DONTNEED) == 0 &&
		      mprotect(p, used, PROT_NONE) == 0)) {
		pthread_mutex_lock(&pool_lock);
		if (pool_n < POOL_MAX) {
			pool[pool_n++] = p;
			pooled = true;
		}
		pthread_mutex_unlock(&pool_lock);
	}
	if (!pooled)
		munmap(p, RESERVE_BYTES);
}

/* Reserve the 8 GiB window (a pooled one if any) and commit the first `bytes`; NULL if
 * anything fails. */
static uint8_t *reserve(uint64_t bytes)
{
	void *p = NULL;

	if (sizeof(void *) < 8 || alloc_should_fail(RESERVE_BYTES))
		return NULL;
	pthread_mutex_lock(&pool_lock);
	if (pool_n)
		p = pool[--pool_n];
	pthread_mutex_unlock(&pool_lock);
	if (!p) {
		p = mmap(NULL, RESERVE_BYTES, PROT_NONE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
		if (p == MAP_FAILED)
			return NULL;
	}
	if (bytes && mprotect(p, bytes, PROT_READ | PROT_WRITE) != 0) {
		munmap(p, RESERVE_BYTES);
		return NULL;
	}
	return p;
}

/* Pages the store's cap leaves for memory m (NULL: a new one) to grow to: the engine's
 * limit for one memory (4 GiB, 32- and 64-bit alike: the reservation's size), and when
 * cfg.max_memory_pages is set, that many pages for all the store's memories together. */
static uint64_t pages_allowed(const struct chibi_store *s, const struct chibi_memory *m)
{
	uint64_t cap = WASM_MAX_PAGES, own = m ? m->pages : 0;

	if (s->cfg.max_memory_pages) {
		uint64_t left = s->cfg.max_memory_pages > s->mem_pages - own ?
				s->cfg.max_memory_pages - (s->mem_pages - own) : 0;

		if (left < cap)
			cap = left;
	}
	return cap;
}

/* New memory; see store.h. */
struct chibi_memory *mem_new(struct chibi_store *s, uint64_t min, uint64_t max, bool has_max,
			     bool is64)
{
	uint64_t cap = pages_allowed(s, NULL), bytes;
	struct chibi_memory *m;

	if (min > cap || (has_max && max < min))
		return NULL;
	bytes = min * WASM_PAGE_SIZE;
	m = vm_calloc(1, sizeof(*m));
	if (!m)
		return NULL;
	m->store = s;
	m->pages = (uint32_t)min;
	m->size = bytes;
	m->is64 = is64;
	m->has_max = has_max;
	m->decl_max = has_max ? max : 0;
	/* the store's cap is checked again at each grow: other memories change it */
	m->max_pages = (uint32_t)(has_max && max < WASM_MAX_PAGES ? max : WASM_MAX_PAGES);
	if (!hard_grow() && !no_reserve())
		m->data = reserve(bytes);
	if (m->data) {
		m->reserved = RESERVE_BYTES;
		s->mem_pages += m->pages;
		return m;
	}
	/* Fallback: a heap block (calloc gives the zeroed pages wasm requires). */
	if (bytes > SIZE_MAX)
		goto fail;
	m->data = vm_calloc(1, bytes ? (size_t)bytes : 1);
	if (!m->data)
		goto fail;
	s->mem_pages += m->pages;
	return m;
fail:
	vm_free(m);
	return NULL;
}

/* Release a memory's pages and record.  NULL is a no-op. */
void mem_free(struct chibi_memory *m)
{
	if (!m)
		return;
	m->store->mem_pages -= m->pages;
	/* Pages mapped from a compiled file would read as the file's again after MADV_DONTNEED,
	 * not as zero: put fresh anonymous PROT_NONE pages over them before pooling. */
	if (m->reserved && m->file_mapped &&
	    mmap(m->data, m->size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE |
		 MAP_FIXED, -1, 0) == MAP_FAILED)
		munmap(m->data, m->reserved);
	else if (m->reserved)
		unreserve(m->data, m->file_mapped ? 0 : m->size);
	else
		vm_free(m->data);
	vm_free(m);
}

/* Grow by delta pages (memory.grow semantics); see runtime.h. */
int64_t mem_grow(struct chibi_memory *m, uint64_t delta)
{
	uint32_t old = m->pages;
	uint64_t new_pages, new_size;

	if (delta > m->max_pages - old || delta > pages_allowed(m->store, m) - old)
		return -1;
	new_pages = old + delta;
	new_size = new_pages * WASM_PAGE_SIZE;
	if (delta == 0)
		return old;
	if (alloc_should_fail(new_size - m->size))
		return -1;
	if (m->reserved) {
		/* Fresh anonymous pages read as zero; data does not move. */
		if (mprotect(m->data + m->size, new_size - m->size, PROT_READ | PROT_WRITE) != 0)
			return -1;
	} else {
		uint8_t *p;

		if (new_size > SIZE_MAX)
			return -1;
		if (hard_grow()) {
			/* Always a new block, so stale pointers are caught by ASan. */
			p = malloc(new_size);
			if (!p)
				return -1;
			memcpy(p, m->data, m->size);
			vm_free(m->data);
		} else {
			p = realloc(m->data, new_size);
			if (!p)
				return -1;
		}
		memset(p + m->size, 0, new_size - m->size);
		m->data = p;
	}
	m->store->mem_pages += delta;
	m->pages = (uint32_t)new_pages;
	m->size = new_size;
	return old;
}

/* Host-created memory owned by s; NULL on bad limits (min > max, above 65536 pages or the
 * store cap) or NOMEM. */
chibi_memory *chibi_memory_new(chibi_store *s, uint32_t min_pages, uint32_t max_pages,
			       bool has_max)
{
	struct chibi_memory *m;

	if (!s || (has_max && max_pages > WASM_MAX_PAGES))
		return NULL;
	m = mem_new(s, min_pages, max_pages, has_max, false);
	if (m)
		store_own_memory(s, m);
	return m;
}

/* Host-created 64-bit memory (memory64) owned by s; NULL on bad limits (min > max, a
 * maximum above 2^48 pages, a minimum above the engine's 65536 pages or the store cap) or
 * NOMEM. */
chibi_memory *chibi_memory_new64(chibi_store *s, uint64_t min_pages, uint64_t max_pages,
				 bool has_max)
{
	struct chibi_memory *m;

	if (!s || (has_max && max_pages > WASM_MAX_PAGES64))
		return NULL;
	m = mem_new(s, min_pages, max_pages, has_max, true);
	if (m)
		store_own_memory(s, m);
	return m;
}

/* Is m indexed by i64 (memory64)? */
bool chibi_memory_is64(const chibi_memory *m)
{
	return m && m->is64;
}

/* Base of linear memory; valid until the next grow (which may move it when unreserved). */
uint8_t *chibi_memory_data(chibi_memory *m)
{
	return m ? m->data : NULL;
}

/* Current size in bytes. */
size_t chibi_memory_size(const chibi_memory *m)
{
	return m ? (size_t)m->size : 0;
}

/* Current size in bytes, as the 64-bit count every host can represent. */
uint64_t chibi_memory_size64(const chibi_memory *m)
{
	return m ? m->size : 0;
}

/* memory.grow from the host: old size in pages, or -1. */
int64_t chibi_memory_grow(chibi_memory *m, uint32_t delta_pages)
{
	return m ? mem_grow(m, delta_pages) : -1;
}
