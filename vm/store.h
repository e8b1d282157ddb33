/* vm/store.h - constructors and destructors of the store-owned run-time objects.
 *
 * Internal to the object model (store.c, memory.c, table.c, global.c, instance.c, api.c):
 * objects are built unlinked, then handed to the store with store_own_*(), which makes
 * chibi_store_free() responsible for them.  The engine never needs this header.
 */
#ifndef CHIBI_VM_STORE_H
#define CHIBI_VM_STORE_H

#include "runtime.h"

/* Largest table chibi allocates (elements), whatever the declared maximum: keeps a guest's
 * table.grow from asking for gigabytes (grow returns -1 beyond it). */
#define TABLE_MAX_ELEMS 10000000u

/* New memory of `min` pages (zeroed), unlinked, 64-bit (memory64) if is64.  Its pages count
 * towards the store's cfg.max_memory_pages, which caps all memories together, from now on
 * (mem_free gives them back).  NULL if min exceeds the engine's 65536 pages or what that cap
 * leaves, or on NOMEM. */
struct chibi_memory *mem_new(struct chibi_store *s, uint64_t min, uint64_t max, bool has_max,
			     bool is64);
/* Release an (unlinked or store-owned, at store teardown) memory.  NULL is a no-op. */
void mem_free(struct chibi_memory *m);

/* New table of `min` null entries, unlinked.  NULL if min > TABLE_MAX_ELEMS or on NOMEM. */
struct chibi_table *table_new(struct chibi_store *s, vtype elemtype, uint64_t min,
			      uint64_t max, bool has_max, bool is64);
void table_free(struct chibi_table *t);

/* New global, unlinked.  NULL on NOMEM. */
struct chibi_global *global_new(vtype valtype, bool mutable_, uint64_t value);

/* chibi_func_new_host with the reason of a failure: CHIBI_ERR_ARG (bad signature or NULL
 * fn) or CHIBI_ERR_NOMEM.  The function is owned by the store. */
struct chibi_func *func_new_host(struct chibi_store *s, const char *sig, chibi_host_fn fn,
				 void *env, enum chibi_err *out_err);

/* Release a host function (wasm functions live in their instance's block; see inst_free). */
void func_free(struct chibi_func *f);

/* Release an instance record (its arrays, elem copies and its module reference), not the
 * functions/memories/tables/globals it points to: those are owned by the store. */
void inst_free(struct chibi_instance *inst);

/* The extern an export of inst denotes. */
void inst_export_extern(struct chibi_instance *inst, const struct export *e,
			struct chibi_extern *out);

/* Look module.name up in a linker (NULL linker = empty); false if undefined. */
bool linker_lookup(const struct chibi_linker *l, const char *module, const char *name,
		   struct chibi_extern *out);

/* Hand an object to the store (push on its ownership list). */
void store_own_func(struct chibi_store *s, struct chibi_func *f);
void store_own_memory(struct chibi_store *s, struct chibi_memory *m);
void store_own_table(struct chibi_store *s, struct chibi_table *t);
void store_own_global(struct chibi_store *s, struct chibi_global *g);
void store_own_instance(struct chibi_store *s, struct chibi_instance *inst);

/* Slot <-> typed value conversion (slot layout: see runtime.h). */
uint64_t val_to_slot(const chibi_val *v);
chibi_val val_from_slot(vtype type, uint64_t slot);
/* The same for any type, v128 included (two slots at out / p); returns the slots written. */
uint32_t val_to_slots(const chibi_val *v, uint64_t *out);
chibi_val val_from_slots(vtype type, const uint64_t *p);

/* Letter of a value type in signatures ("i", "I", "f", "F", "v", "r", "e"), '?' if unknown. */
char vt_letter(vtype t);

#endif
