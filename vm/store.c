/* vm/store.c - the store: owner of every run-time object, the value stack and the canonical
 * function types used by call_indirect.
 *
 * Objects are pushed on per-kind ownership lists and all freed together by chibi_store_free;
 * nothing is freed earlier (instances share memories/tables through imports).
 * The store also fixes which engine runs its code (vm/engine.h) and lets that engine release
 * what it holds for the store.
 * Entry points: chibi_store_new/free/interrupt/fuel, store_intern_type, store_own_*.
 */
#include <string.h>
#include <sys/mman.h>

#include "alloc.h"
#include "engine.h"
#include "store.h"

#define DEFAULT_STACK_BYTES (8u << 20)

/* Map the value stack lazily: untouched pages cost nothing, so the 8 MiB default is cheap. */
static uint64_t *stack_alloc(size_t slots)
{
	void *p;

	if (alloc_should_fail(slots * sizeof(uint64_t)))
		return NULL;
	p = mmap(NULL, slots * sizeof(uint64_t), PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	return p == MAP_FAILED ? NULL : p;
}

/* Create a store with cfg (NULL = defaults).  Owned by the caller; NULL on NOMEM or when
 * cfg.max_stack_bytes exceeds CHIBI_MAX_STACK_BYTES. */
chibi_store *chibi_store_new(const struct chibi_config *cfg)
{
	struct chibi_store *s = vm_calloc(1, sizeof(*s));
	size_t bytes;

	if (!s)
		return NULL;
	if (cfg)
		s->cfg = *cfg;
	bytes = s->cfg.max_stack_bytes ? s->cfg.max_stack_bytes : DEFAULT_STACK_BYTES;
	if (bytes > CHIBI_MAX_STACK_BYTES)
		goto fail; /* 1 TiB used to be accepted, and deep recursion backed it with RAM */
	/* At least a few slots so an argument-less call always has room for its results. */
	s->stack_slots = bytes / sizeof(uint64_t) < 16 ? 16 : bytes / sizeof(uint64_t);
	s->stack = stack_alloc(s->stack_slots);
	if (!s->stack)
		goto fail;
	s->stack_top = s->stack;
	s->fuel = s->cfg.fuel;
	s->cur_func_index = UINT32_MAX;
	s->engine = engine_for_mode(s->cfg.mode);
	return s;
fail:
	vm_free(s);
	return NULL;
}

/* Free the store and everything in it.  Must not be called while wasm of this store runs.
 * NULL is a no-op. */
void chibi_store_free(chibi_store *s)
{
	if (!s)
		return;
	while (s->instances) {
		struct chibi_instance *i = s->instances;

		s->instances = i->store_next;
		inst_free(i);
	}
	while (s->funcs) {
		struct chibi_func *f = s->funcs;

		s->funcs = f->store_next;
		func_free(f);
	}
	while (s->memories) {
		struct chibi_memory *m = s->memories;

		s->memories = m->store_next;
		mem_free(m);
	}
	while (s->tables) {
		struct chibi_table *t = s->tables;

		s->tables = t->store_next;
		table_free(t);
	}
	while (s->globals) {
		struct chibi_global *g = s->globals;

		s->globals = g->store_next;
		vm_free(g);
	}
	/* Interned types: params and results share one allocation hanging off params. */
	for (uint32_t i = 0; i < s->ntypes; i++)
		vm_free(s->types[i].params);
	vm_free(s->types);
	if (s->engine->store_free)
		s->engine->store_free(s);
	munmap(s->stack, s->stack_slots * sizeof(uint64_t));
	vm_free(s);
}

/* Request an interrupt; see chibi.h.  Only stores to a sig_atomic_t, so it is
 * async-signal-safe. */
void chibi_store_interrupt(chibi_store *s)
{
	if (s)
		s->interrupt = 1;
}

/* Remaining fuel (meaningful only when cfg.fuel != 0). */
uint64_t chibi_store_fuel(const chibi_store *s)
{
	return s ? s->fuel : 0;
}

/* Intern t structurally: equal function types get equal ids, so call_indirect compares one
 * integer.  A linear scan is fine: stores hold tens to hundreds of distinct types.  Returns
 * UINT32_MAX on NOMEM. */
uint32_t store_intern_type(struct chibi_store *s, const struct functype *t)
{
	struct functype *nt;
	vtype *buf;

	for (uint32_t i = 0; i < s->ntypes; i++)
		if (functype_eq(&s->types[i], t))
			return i;
	if (s->ntypes == UINT32_MAX - 1)
		return UINT32_MAX;
	if (!VM_GROW(s->types, s->cap_types, (size_t)s->ntypes + 1))
		return UINT32_MAX;
	/* Own copy of the value types: the module that first showed this type may die first. */
	buf = vm_malloc(((size_t)t->nparams + t->nresults) * sizeof(*buf));
	if (!buf)
		return UINT32_MAX;
	if (t->nparams)
		memcpy(buf, t->params, t->nparams * sizeof(*buf));
	if (t->nresults)
		memcpy(buf + t->nparams, t->results, t->nresults * sizeof(*buf));
	nt = &s->types[s->ntypes];
	nt->nparams = t->nparams;
	nt->nresults = t->nresults;
	nt->params = buf;
	nt->results = buf + t->nparams;
	return s->ntypes++;
}

/* The store_own_* family pushes an object on its ownership list; see store.h. */
void store_own_func(struct chibi_store *s, struct chibi_func *f)
{
	f->store_next = s->funcs;
	s->funcs = f;
}

void store_own_memory(struct chibi_store *s, struct chibi_memory *m)
{
	m->store_next = s->memories;
	s->memories = m;
}

void store_own_table(struct chibi_store *s, struct chibi_table *t)
{
	t->store_next = s->tables;
	s->tables = t;
}

void store_own_global(struct chibi_store *s, struct chibi_global *g)
{
	g->store_next = s->globals;
	s->globals = g;
}

void store_own_instance(struct chibi_store *s, struct chibi_instance *inst)
{
	inst->store_next = s->instances;
	s->instances = inst;
}
