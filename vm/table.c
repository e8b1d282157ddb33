/* vm/table.c - tables of references: creation, growth and the public accessors.
 *
 * Elements are raw pointers (chibi_func * for funcref, the embedder's pointer for externref,
 * NULL = null).  The element array is a heap block that moves on grow, so the engine must
 * reload `elems` after table.grow.  Entry points: table_new, table_free, table_grow,
 * chibi_table_*.
 */
#include "alloc.h"
#include "store.h"

/* New table of min nulls; see store.h. */
struct chibi_table *table_new(struct chibi_store *s, vtype elemtype, uint64_t min,
			      uint64_t max, bool has_max, bool is64)
{
	struct chibi_table *t;

	if (min > TABLE_MAX_ELEMS || (has_max && max < min))
		return NULL;
	t = vm_calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	t->elems = vm_calloc((size_t)min, sizeof(void *));
	if (!t->elems) {
		vm_free(t);
		return NULL;
	}
	t->store = s;
	t->elemtype = elemtype;
	t->size = (uint32_t)min;
	t->is64 = is64;
	t->index_mask = is64 ? UINT64_MAX : UINT32_MAX;
	/* max keeps the declared value (import matching needs it); TABLE_MAX_ELEMS is applied
	 * separately by table_grow. */
	t->has_max = has_max;
	t->max = has_max ? max : UINT64_MAX;
	return t;
}

/* Release a table.  NULL is a no-op. */
void table_free(struct chibi_table *t)
{
	if (!t)
		return;
	vm_free(t->elems);
	vm_free(t);
}

/* table.grow semantics; see runtime.h.  Fails (-1) beyond the declared maximum, beyond
 * TABLE_MAX_ELEMS, or on NOMEM; the table is unchanged then. */
int64_t table_grow(struct chibi_table *t, uint64_t delta, void *init)
{
	uint32_t old = t->size;
	uint64_t n;
	void **e;

	if (delta > TABLE_MAX_ELEMS)
		return -1;
	n = old + delta;
	if (n > t->max || n > TABLE_MAX_ELEMS)
		return -1;
	if (delta == 0)
		return old;
	e = vm_realloc(t->elems, (size_t)n, sizeof(void *));
	if (!e)
		return -1;
	for (uint64_t i = old; i < n; i++)
		e[i] = init;
	t->elems = e;
	t->size = (uint32_t)n;
	return old;
}

/* Host-created table owned by s; elem must be CHIBI_FUNCREF or CHIBI_EXTERNREF.  NULL on
 * bad arguments or NOMEM. */
chibi_table *chibi_table_new(chibi_store *s, enum chibi_valtype elem, uint32_t min,
			     uint32_t max, bool has_max)
{
	struct chibi_table *t;

	if (!s || !vt_is_ref(elem))
		return NULL;
	t = table_new(s, (vtype)elem, min, max, has_max, false);
	if (t)
		store_own_table(s, t);
	return t;
}

/* Host-created 64-bit table (table64) owned by s; as chibi_table_new otherwise. */
chibi_table *chibi_table_new64(chibi_store *s, enum chibi_valtype elem, uint64_t min,
			       uint64_t max, bool has_max)
{
	struct chibi_table *t;

	if (!s || !vt_is_ref(elem))
		return NULL;
	t = table_new(s, (vtype)elem, min, max, has_max, true);
	if (t)
		store_own_table(s, t);
	return t;
}

/* Is t indexed by i64 (table64)? */
bool chibi_table_is64(const chibi_table *t)
{
	return t && t->is64;
}

/* Current size in elements. */
uint32_t chibi_table_size(const chibi_table *t)
{
	return t ? t->size : 0;
}

/* Read element i into *out; false if i is out of bounds. */
bool chibi_table_get(const chibi_table *t, uint32_t i, chibi_val *out)
{
	if (!t || !out || i >= t->size)
		return false;
	if (vt_code(t->elemtype) == VT_EXNREF)
		exn_pin(t->elems[i]); /* the host may keep it */
	*out = val_from_slot(t->elemtype, (uint64_t)(uintptr_t)t->elems[i]);
	return true;
}

/* Write element i; false if out of bounds or v is not of the table's element type.  A
 * funcref must belong to the table's store. */
bool chibi_table_set(chibi_table *t, uint32_t i, chibi_val v)
{
	if (!t || i >= t->size || !store_val_fits(t->store, t->elemtype, &v))
		return false;
	t->elems[i] = (void *)(uintptr_t)val_to_slot(&v);
	return true;
}
