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
	while (s->tags) {
		struct chibi_tag *t = s->tags;

		s->tags = t->store_next;
		vm_free(t);
	}
	while (s->exns) {
		struct chibi_exn *e = s->exns;

		s->exns = e->store_next;
		vm_free(e);
	}
	/* Interned types: params and results share one allocation hanging off params. */
	for (uint32_t i = 0; i < s->ntypes; i++) {
		vm_free(s->types[i].params);
		vm_free(s->types[i].supers);
	}
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

/*
 * The store's types are canonical (spec 3.3.3, iso-recursive equivalence): interned one
 * recursion group at a time, in a form independent of any module.  A type index inside a
 * vtype or as a supertype becomes the canonical id of the type it names when that type is
 * outside the group, its position in the group (STORE_REC_REL) when inside; equivalent
 * groups then have identical forms, so equal ids mean equal types and call_indirect
 * compares one integer.  A linear scan is fine: stores hold tens to hundreds of groups.
 */
#define STORE_REC_REL 0x80000000u

static uint32_t canon_ref(uint32_t x, uint32_t first, uint32_t len, const uint32_t *ids)
{
	return x >= first && x - first < len ? STORE_REC_REL | (x - first) : ids[x];
}

/* A vtype in the store's form; false when a canonical id does not fit a vtype. */
static bool canon_vt(vtype t, uint32_t first, uint32_t len, const uint32_t *ids, vtype *out)
{
	uint32_t x;

	*out = t;
	if (!vt_has_index(t))
		return true;
	x = canon_ref(vt_index(t), first, len, ids);
	if (x & STORE_REC_REL) /* the bottom flag never goes with an index: it marks "in group" */
		*out = vt_ref_index(x & ~STORE_REC_REL, vt_nullable(t)) | VT_BOTTOM;
	else if (x > VT_MAX_TYPEIDX)
		return false;
	else
		*out = vt_ref_index(x, vt_nullable(t));
	return true;
}

static bool same_canon(const struct functype *a, const struct functype *b)
{
	return a->final_ == b->final_ && a->super == b->super && functype_eq(a, b);
}

static void free_canon(struct functype *c, uint32_t n)
{
	for (uint32_t k = 0; k < n; k++) {
		vm_free(c[k].params);
		vm_free(c[k].supers);
	}
	vm_free(c);
}

/* The supertype chains (depth, supers) of a new group c[0 .. len), to be the store's types
 * from s->ntypes on; a declared supertype is earlier (validated), in the store or in c.
 * False on NOMEM (free_canon frees what was made). */
static bool super_chains(const struct chibi_store *s, struct functype *c, uint32_t len)
{
	for (uint32_t k = 0; k < len; k++) {
		const struct functype *p;
		uint32_t pid;

		if (c[k].super == TYPE_NO_SUPER)
			continue;
		if (c[k].super & STORE_REC_REL) {
			pid = c[k].super & ~STORE_REC_REL;
			if (pid >= k) /* never after validation: supertypes are earlier */
				continue;
			p = &c[pid];
			pid += s->ntypes;
		} else {
			pid = c[k].super;
			p = &s->types[pid];
		}
		c[k].depth = p->depth + 1;
		c[k].supers = vm_malloc((size_t)c[k].depth * sizeof(*c[k].supers));
		if (!c[k].supers)
			return false;
		if (p->depth)
			memcpy(c[k].supers, p->supers, (size_t)p->depth * sizeof(*p->supers));
		c[k].supers[p->depth] = pid;
	}
	return true;
}

/* Intern the group types[first .. first + len) of a module (or one host type: first 0,
 * len 1), whose earlier types have the canonical ids ids[0 .. first); fills ids[first ..
 * first + len).  False on NOMEM. */
bool store_intern_group(struct chibi_store *s, const struct functype *types, uint32_t first,
			uint32_t len, uint32_t *ids)
{
	struct functype *c = vm_calloc(len ? len : 1, sizeof(*c));
	uint32_t found = UINT32_MAX;

	if (!c)
		return false;
	for (uint32_t k = 0; k < len; k++) {
		const struct functype *t = &types[first + k];
		size_t n = (size_t)t->nparams + t->nresults;
		vtype *buf = vm_malloc(n ? n * sizeof(*buf) : 1);

		if (!buf) {
			free_canon(c, k);
			return false;
		}
		c[k] = *t;
		c[k].depth = 0;
		c[k].supers = NULL;
		c[k].params = buf;
		c[k].results = buf + t->nparams;
		for (size_t i = 0; i < n; i++) {
			vtype vt = i < t->nparams ? t->params[i] : t->results[i - t->nparams];

			if (!canon_vt(vt, first, len, ids, &buf[i])) {
				free_canon(c, k + 1);
				return false;
			}
		}
		c[k].super = t->super == TYPE_NO_SUPER ? t->super :
			     canon_ref(t->super, first, len, ids);
	}
	for (uint32_t g = 0; g < s->ntypes && found == UINT32_MAX; g += s->types[g].rec_len) {
		uint32_t k = 0;

		if (s->types[g].rec_len != len)
			continue;
		while (k < len && same_canon(&s->types[g + k], &c[k]))
			k++;
		if (k == len)
			found = g;
	}
	if (found != UINT32_MAX || len == 0) {
		for (uint32_t k = 0; k < len; k++)
			ids[first + k] = found + k;
		free_canon(c, len);
		return true;
	}
	if (s->ntypes > VT_MAX_TYPEIDX - len || !super_chains(s, c, len) ||
	    !VM_GROW(s->types, s->cap_types, (size_t)s->ntypes + len)) {
		free_canon(c, len);
		return false;
	}
	for (uint32_t k = 0; k < len; k++) {
		c[k].rec_first = s->ntypes;
		c[k].rec_len = len;
		s->types[s->ntypes + k] = c[k];
		ids[first + k] = s->ntypes + k;
	}
	s->ntypes += len;
	vm_free(c);
	return true;
}

/* One type without a group of its own (a host function's; no type indices in it). */
uint32_t store_intern_type(struct chibi_store *s, const struct functype *t)
{
	struct functype one = *t;
	uint32_t id = UINT32_MAX;

	one.super = TYPE_NO_SUPER;
	one.final_ = true;
	one.rec_first = 0;
	one.rec_len = 1;
	/* Without a type index in it the type is its own canonical form: most host types are
	 * found without making the copy (WASI's 46 functions have 9 types). */
	for (uint32_t i = 0; i < (size_t)t->nparams + t->nresults; i++)
		if (vt_has_index(i < t->nparams ? t->params[i] : t->results[i - t->nparams]))
			return store_intern_group(s, &one, 0, 1, &id) ? id : UINT32_MAX;
	for (uint32_t g = 0; g < s->ntypes; g += s->types[g].rec_len)
		if (s->types[g].rec_len == 1 && same_canon(&s->types[g], &one))
			return g;
	return store_intern_group(s, &one, 0, 1, &id) ? id : UINT32_MAX;
}

/* Is canonical type a a subtype of b: b itself or on a's chain of declared supertypes? */
bool store_type_sub(const struct chibi_store *s, uint32_t a, uint32_t b)
{
	const struct functype *ta = &s->types[a];
	uint32_t db = s->types[b].depth;

	return a == b || (ta->depth > db && ta->supers[db] == b);
}

static bool store_sub(const void *ctx, uint32_t a, uint32_t b)
{
	return store_type_sub(ctx, a, b);
}

bool store_val_fits(const struct chibi_store *s, vtype t, const chibi_val *v)
{
	const struct chibi_func *f;

	if (v->type != vt_code(t))
		return false;
	if (!vt_is_ref(t))
		return true;
	f = v->type == CHIBI_FUNCREF ? v->of.ref : NULL;
	if (v->type == CHIBI_FUNCREF ? !f : !v->of.ext)
		return vt_nullable(t);
	if (t & VT_BOTTOM)
		return false;
	if (f && f->store != s)
		return false;
	return !vt_has_index(t) || (f && store_type_sub(s, f->type_id, vt_index(t)));
}

/* vt_match_by on canonical vtypes (run-time objects' types, see vtype). */
bool store_vt_match(const struct chibi_store *s, vtype got, vtype want)
{
	return vt_match_by(got, want, store_sub, s);
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
