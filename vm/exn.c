/* vm/exn.c - exception objects: allocation, and the collector that keeps a program that
 * throws in a loop from growing without bound.
 *
 * An exnref may be kept anywhere wasm can put a reference (locals, operand slots, the
 * hidden slots of legacy catch arms, globals, tables, other exceptions' payloads) and
 * anywhere the host can (it gets exceptions out of calls, globals and tables).  Exceptions
 * the host may hold are pinned.  Everything wasm can hold is in the interpreter's value
 * stack, globals, tables, and the native stack of the running embedding call: compiled
 * code keeps exnref values in its frames (jit/lower.c: a function with one keeps its locals
 * and, at every call, its operands in memory), and C frames in between may hold a few in
 * passing.  So when enough exceptions were made since the last time, exn_new marks every
 * exception a live slot of those refers to (conservatively: any 64-bit word holding its
 * address; a stale word keeps at most one exception and what its payload refers to, and the
 * words are bounded by the stack sizes), follows exnrefs in marked payloads, and frees the
 * unmarked, unpinned rest.  Entry point: exn_new.
 */
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "runtime.h"

/* Collect when this many exceptions exist and twice as many as the last collection kept. */
#define EXN_COLLECT_MIN 1024

static int cmp_ptr(const void *a, const void *b)
{
	uintptr_t x = *(const uintptr_t *)a, y = *(const uintptr_t *)b;

	return x < y ? -1 : x > y;
}

/* The exception at address v, if v is one of the sorted `all`; else NULL. */
static struct chibi_exn *lookup(struct chibi_exn **all, size_t n, uint64_t v)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		uintptr_t p = (uintptr_t)all[mid];

		if (p == (uintptr_t)v)
			return all[mid];
		if (p < (uintptr_t)v)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static void mark_range(struct chibi_exn **all, size_t n, const uint64_t *p, const uint64_t *end)
{
	for (; p < end; p++) {
		struct chibi_exn *e = lookup(all, n, *p);

		if (e)
			e->marked = true;
	}
}

/* The native stack from the caller of collect (collect_roots made the callee-saved
 * registers words of its frame, above this one) up to the outermost embedding call's frame
 * (trap_ctx.native_base): every compiled frame of the store, conservatively.  Only stores
 * where compiled code ran; the words may be anything (C frames, ASan's redzones). */
__attribute__((noinline, no_sanitize_address))
static void mark_native_stack(struct chibi_store *s, struct chibi_exn **all, size_t n)
{
	const struct trap_ctx *t = s->trap;
	uintptr_t lo = (uintptr_t)__builtin_frame_address(0), hi, min, max;

	if (!t || !s->jit || !n)
		return;
	while (t->prev)
		t = t->prev;
	hi = t->native_base;
	/* not this thread's stack, or an odd layout: nothing to scan */
	if (hi <= lo || hi - lo > ((uintptr_t)1 << 32))
		return;
	min = (uintptr_t)all[0];
	max = (uintptr_t)all[n - 1];
	for (const volatile uint64_t *p = (const uint64_t *)(lo & ~(uintptr_t)7);
	     (uintptr_t)p < hi; p++) {
		uint64_t v = *p;
		struct chibi_exn *e;

		if (v < min || v > max)
			continue;
		e = lookup(all, n, v);
		if (e)
			e->marked = true;
	}
}

static bool has_exnref(const struct functype *t)
{
	for (uint32_t i = 0; i < t->nparams; i++)
		if (vt_code(t->params[i]) == VT_EXNREF)
			return true;
	return false;
}

/* Free the exceptions nothing in the store refers to.  Skipped when memory is short (the
 * index array): the exceptions then simply live on. */
__attribute__((noinline))
static void collect(struct chibi_store *s, const uint64_t *live_end)
{
	struct chibi_exn **all = vm_malloc(s->nexns * sizeof(*all)), **link;
	size_t n = 0;
	bool more;

	if (!all)
		return;
	for (struct chibi_exn *e = s->exns; e; e = e->store_next) {
		e->marked = e->pinned;
		all[n++] = e;
	}
	qsort(all, n, sizeof(*all), cmp_ptr);
	/* registers of the callers (compiled code's homes among them) into this frame */
	__builtin_unwind_init();
	mark_native_stack(s, all, n);
	if (live_end > s->stack)
		mark_range(all, n, s->stack, live_end);
	for (struct chibi_instance *inst = s->instances; inst; inst = inst->store_next)
		for (uint32_t i = 0; i < inst->mod->nglobals; i++)
			if (inst->globals[i] && vt_code(inst->globals[i]->valtype) == VT_EXNREF)
				mark_range(all, n, &inst->globals[i]->value,
					   &inst->globals[i]->value + 1);
	for (struct chibi_global *g = s->globals; g; g = g->store_next)
		if (vt_code(g->valtype) == VT_EXNREF)
			mark_range(all, n, &g->value, &g->value + 1);
	for (struct chibi_table *t = s->tables; t; t = t->store_next)
		if (vt_code(t->elemtype) == VT_EXNREF)
			for (uint32_t i = 0; i < t->size; i++)
				if (t->elems[i] && lookup(all, n, (uintptr_t)t->elems[i]))
					lookup(all, n, (uintptr_t)t->elems[i])->marked = true;
	/* Exnrefs inside marked payloads, until nothing changes (chains are short). */
	do {
		more = false;
		for (size_t i = 0; i < n; i++) {
			struct chibi_exn *e = all[i];

			if (!e->marked || !has_exnref(e->tag->type))
				continue;
			for (uint32_t k = 0; k < e->nslots; k++) {
				struct chibi_exn *r = lookup(all, n, e->payload[k]);

				if (r && !r->marked) {
					r->marked = true;
					more = true;
				}
			}
		}
	} while (more);
	vm_free(all);
	for (link = &s->exns; *link;) {
		struct chibi_exn *e = *link;

		if (e->marked) {
			link = &e->store_next;
			continue;
		}
		*link = e->store_next;
		vm_free(e);
		s->nexns--;
	}
	s->exn_collect_at = 2 * s->nexns > EXN_COLLECT_MIN ? 2 * s->nexns : EXN_COLLECT_MIN;
}

/* See runtime.h.  Payload slots follow the tag's parameter types (functype_slots covers
 * them: a tag has no results). */
struct chibi_exn *exn_new(struct chibi_store *s, struct chibi_tag *tag, const uint64_t *slots,
			  const uint64_t *live_end)
{
	size_t n = functype_slots(tag->type);
	struct chibi_exn *e;

	if (s->nexns >= s->exn_collect_at && s->nexns >= EXN_COLLECT_MIN)
		collect(s, live_end);
	e = vm_malloc(sizeof(*e) + n * sizeof(uint64_t));
	if (!e)
		return NULL;
	e->tag = tag;
	e->nslots = (uint32_t)n;
	e->pinned = e->marked = false;
	if (n)
		memcpy(e->payload, slots, n * sizeof(uint64_t));
	e->store_next = s->exns;
	s->exns = e;
	s->nexns++;
	return e;
}
