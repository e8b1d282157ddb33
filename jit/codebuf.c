/* jit/codebuf.c - the emission buffer (labels, fix-ups, relocations, wasm map) and the code
 * arena (W^X executable memory).
 *
 * Why one pass into a growable buffer instead of a sizing pass plus an emit pass: the
 * compiler's register allocation is a function of the code it has already emitted, so a
 * second pass would have to replay every decision exactly; a buffer with fix-ups needs no
 * such discipline and halves the compile time.  Forward branches are always emitted in
 * their long form and patched in cb_resolve(); the code is then copied into the arena, where
 * relocations against absolute addresses are applied before the pages turn executable.
 * Entry points: cb_*, arena_*.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "target.h"
#include "../vm/alloc.h"

/* Make room for `need` entries in one of the codebuf's arrays (VM_GROW); a failure sets
 * oom, so the compilation is dropped. */
#define CB_GROW(cb, arr, cap, need) (VM_GROW(arr, cap, need) || ((cb)->oom = true, false))

void cb_init(struct codebuf *cb)
{
	memset(cb, 0, sizeof(*cb));
}

void cb_reset(struct codebuf *cb)
{
	cb->len = 0;
	cb->last_bind = 0;
	cb->oom = false;
	cb->npoison = 0;
	cb->nlabels = 0;
	cb->nfixups = 0;
	cb->nrelocs = 0;
	cb->nmarks = 0;
	cb->ndata = 0;
	cb->want_marks = false;
}

void cb_free(struct codebuf *cb)
{
	if (cb->p != cb->sink)
		vm_free(cb->p);
	vm_free(cb->label_pos);
	vm_free(cb->fixups);
	vm_free(cb->relocs);
	vm_free(cb->marks);
	vm_free(cb->data_ranges);
	memset(cb, 0, sizeof(*cb));
}

/* Double the buffer.  If that fails the buffer is rewound to offset 0 and flagged, so the
 * encoders keep writing in bounds and the caller discards the result.  A buffer too small
 * to rewind into (the first growth failed) is swapped for the codebuf's own sink: no
 * allocation is needed to survive an allocation failure. */
void cb_grow(struct codebuf *cb, size_t n)
{
	bool sunk = cb->p == cb->sink;
	size_t ncap = cb->cap && !sunk ? cb->cap * 2 : 4096;
	uint8_t *p = NULL;

	while (ncap < cb->len + n)
		ncap *= 2;
	if (!cb->oom)
		p = sunk ? vm_malloc(ncap) : vm_realloc(cb->p, ncap, 1);
	if (!p) {
		cb->oom = true;
		cb->len = 0;
		if (cb->cap < sizeof(cb->sink)) {
			vm_free(cb->p);
			cb->p = cb->sink;
			cb->cap = sizeof(cb->sink);
		}
		return;
	}
	if (sunk)
		memcpy(p, cb->sink, cb->len);
	cb->p = p;
	cb->cap = ncap;
}

uint32_t cb_label_new(struct codebuf *cb)
{
	if (!CB_GROW(cb, cb->label_pos, cb->cap_labels, (size_t)cb->nlabels + 1))
		return 0;
	/* Label 0 is reserved as "none" by callers (jcomp.trap_label), so it is never handed
	 * out: the first call burns it. */
	if (cb->nlabels == 0) {
		cb->label_pos[cb->nlabels++] = -1;
		return cb_label_new(cb);
	}
	cb->label_pos[cb->nlabels] = -1;
	return cb->nlabels++;
}

void cb_bind(struct codebuf *cb, uint32_t label)
{
	if (label && label < cb->nlabels) {
		cb->label_pos[label] = (int32_t)cb->len;
		cb->last_bind = cb->len;
	}
}

void cb_fixup(struct codebuf *cb, uint32_t pos, uint32_t label, uint8_t kind, uint32_t base)
{
	if (!CB_GROW(cb, cb->fixups, cb->cap_fixups, (size_t)cb->nfixups + 1))
		return;
	cb->fixups[cb->nfixups++] = (struct cb_fixup){ pos, label, kind, base };
}

void cb_reloc(struct codebuf *cb, uint32_t pos, uint8_t kind, uintptr_t target)
{
	if (!CB_GROW(cb, cb->relocs, cb->cap_relocs, (size_t)cb->nrelocs + 1))
		return;
	cb->relocs[cb->nrelocs++] = (struct cb_reloc){ pos, kind, target };
}

void cb_mark(struct codebuf *cb, uint32_t wasm_off)
{
	if (!cb->want_marks)
		return;
	if (!CB_GROW(cb, cb->marks, cb->cap_marks, (size_t)cb->nmarks + 1))
		return;
	cb->marks[cb->nmarks++] = (struct cb_mark){ wasm_off, (uint32_t)cb->len };
}

void cb_data_range(struct codebuf *cb, uint32_t start, uint32_t end)
{
	if (!cb->want_marks)
		return;
	if (!CB_GROW(cb, cb->data_ranges, cb->cap_data, (size_t)cb->ndata + 2))
		return;
	cb->data_ranges[cb->ndata++] = start;
	cb->data_ranges[cb->ndata++] = end;
}

/* Patch every recorded label use.  Labels must all be bound by now. */
bool cb_resolve(struct codebuf *cb)
{
	for (uint32_t i = 0; i < cb->nfixups; i++) {
		const struct cb_fixup *f = &cb->fixups[i];
		int32_t target = cb_label_pos(cb, f->label);

		if (target < 0)
			return false;
		be_patch_fixup(cb, f, target);
	}
	return !cb->oom;
}

/* ---- the arena ---- */

#define WINDOW_STEP ((size_t)64 << 10)

static size_t page_size(void)
{
	static size_t ps;

	if (!ps)
		ps = (size_t)sysconf(_SC_PAGESIZE);
	return ps;
}

static size_t page_down(size_t x)
{
	return x & ~(page_size() - 1);
}

static size_t page_up(size_t x)
{
	return (x + page_size() - 1) & ~(page_size() - 1);
}

/* Reserve the whole range inaccessible and open the data region.  The reservation is
 * MAP_NORESERVE: pages cost memory only once touched. */
bool arena_init(struct code_arena *a, size_t size, size_t data_size)
{
	void *p;

	memset(a, 0, sizeof(*a));
	data_size = page_up(data_size);
	if (data_size >= size || alloc_should_fail(size)) /* a reservation is fault-injected too */
		return false;
	p = mmap(NULL, size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED)
		return false;
	if (mprotect(p, data_size, PROT_READ | PROT_WRITE) != 0) {
		munmap(p, size);
		return false;
	}
	a->base = p;
	a->size = size;
	a->data_end = data_size;
	a->code_top = data_size;
	a->committed = data_size;
	return true;
}

void arena_free(struct code_arena *a)
{
	if (a->base)
		munmap(a->base, a->size);
	memset(a, 0, sizeof(*a));
}

void *arena_data_alloc(struct code_arena *a, size_t n)
{
	size_t at = (a->data_top + 15) & ~(size_t)15;

	if (!a->base || n > a->data_end || at > a->data_end - n)
		return NULL;
	a->data_top = at + n;
	return a->base + at; /* fresh anonymous pages are zero, and nothing is ever reused */
}

/* Make the pages of [start, end) (arena offsets) writable, extending the writable window.
 * Pages never used before are filled with the trap byte, so any byte of the code region
 * that is not an instruction of a finished function stops execution (x86 int3; the fill
 * must be a single-byte trap, or a back end must pad with its own trap instruction).  Only
 * the pages the code reaches are filled (committed): the window may run ahead by up to
 * WINDOW_STEP, but touching those pages would cost a fault and resident memory each, and
 * arena_seal() leaves them out. */
static bool open_pages(struct code_arena *a, size_t start, size_t end)
{
	size_t lo = page_down(start), hi = page_up(end);

	if (a->wlo != a->whi && (lo < a->wlo || lo > a->whi) && !arena_seal(a))
		return false;
	if (a->wlo == a->whi) {
		if (mprotect(a->base + lo, hi - lo, PROT_READ | PROT_WRITE) != 0)
			return false;
		a->wlo = lo;
		a->whi = hi;
	} else if (hi > a->whi) {
		/* batches grow the window a chunk at a time: fewer mprotect calls */
		size_t want = hi - a->whi < WINDOW_STEP ? a->whi + WINDOW_STEP : hi;

		if (want > a->size)
			want = hi;
		if (mprotect(a->base + a->whi, want - a->whi, PROT_READ | PROT_WRITE) != 0)
			return false;
		hi = want;
		a->whi = hi;
	}
	hi = page_up(end);
	if (hi > a->committed) {
		size_t from = a->committed > lo ? a->committed : lo;

		memset(a->base + from, 0xcc, hi - from);
		a->committed = hi;
	}
	return true;
}

uint8_t *arena_code_put(struct code_arena *a, const uint8_t *code, size_t n)
{
	size_t at = (a->code_top + 15) & ~(size_t)15;

	if (!a->base || n > a->size || at > a->size - n)
		return NULL;
	if (!open_pages(a, at, at + n))
		return NULL;
	memcpy(a->base + at, code, n);
	a->code_top = at + n;
	return a->base + at;
}

/* Make the window's filled pages executable.  Its unfilled tail (never written, zero) stays
 * writable and never becomes executable: the next window starts at or below it. */
bool arena_seal(struct code_arena *a)
{
	size_t end = a->whi < a->committed ? a->whi : a->committed;

	if (a->wlo == a->whi)
		return true;
	if (end > a->wlo && mprotect(a->base + a->wlo, end - a->wlo, PROT_READ | PROT_EXEC) != 0)
		return false;
	/* x86 keeps instruction caches coherent; other targets need this. */
	__builtin___clear_cache((char *)a->base + a->wlo, (char *)a->base + end);
	a->wlo = a->whi = 0;
	return true;
}

/* ---- images ---- */

/* Close any open window and make [P, P + got_size) read-write and zero at the next page
 * P of the code region; returns P's offset, or 0 when the arena is full. */
static size_t image_records(struct code_arena *a, size_t got_size, size_t code_len)
{
	size_t at = page_up(a->code_top);

	if (!a->base || !arena_seal(a) || got_size != page_up(got_size) ||
	    got_size > a->size || at > a->size - got_size ||
	    page_up(code_len) > a->size - got_size - at)
		return 0;
	if (mprotect(a->base + at, got_size, PROT_READ | PROT_WRITE) != 0)
		return 0;
	memset(a->base + at, 0, got_size); /* pages below `committed` hold trap bytes */
	return at;
}

uint8_t *arena_image_begin(struct code_arena *a, size_t got_size)
{
	size_t at = image_records(a, got_size, 0);

	if (!at)
		return NULL;
	a->code_top = at + got_size;
	if (a->committed < a->code_top)
		a->committed = a->code_top;
	return a->base + at;
}

uint8_t *arena_image_map(struct code_arena *a, size_t got_size, int fd, uint64_t off,
			 size_t code_len)
{
	size_t at = image_records(a, got_size, code_len), len = page_up(code_len);

	if (!at)
		return NULL;
	if (len && mmap(a->base + at + got_size, len, PROT_READ | PROT_EXEC,
			MAP_PRIVATE | MAP_FIXED, fd, (off_t)off) != a->base + at + got_size) {
		/* MAP_FIXED may have replaced part of the reservation: put it back */
		mmap(a->base + at + got_size, len, PROT_NONE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED, -1, 0);
		return NULL;
	}
	a->code_top = at + got_size + len;
	if (a->committed < a->code_top)
		a->committed = a->code_top;
	return a->base + at;
}
