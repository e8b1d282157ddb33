/* vm/global.c - global instances and the slot <-> chibi_val conversions.
 *
 * A global is one 64-bit slot plus its type (a v128 global two: value, hi); the engine reads
 * and writes them directly.  Entry points: global_new, chibi_global_new/get/set,
 * val_to_slot(s), val_from_slot(s).
 */
#include <string.h>

#include "alloc.h"
#include "store.h"

/* Slot form of a typed value (i32 zero-extended, floats as bits, refs as pointers). */
uint64_t val_to_slot(const chibi_val *v)
{
	switch (v->type) {
	case CHIBI_I32: return (uint32_t)v->of.i32;
	case CHIBI_I64: return (uint64_t)v->of.i64;
	case CHIBI_F32: return v->of.f32_bits;
	case CHIBI_F64: return v->of.f64_bits;
	case CHIBI_FUNCREF: return (uint64_t)(uintptr_t)v->of.ref;
	case CHIBI_EXTERNREF: return (uint64_t)(uintptr_t)v->of.ext;
	case CHIBI_EXNREF: return (uint64_t)(uintptr_t)v->of.exn;
	default: return 0;
	}
}

/* Typed value of a slot holding a `type` value. */
chibi_val val_from_slot(vtype type, uint64_t slot)
{
	chibi_val v = { .type = vt_code(type) };

	switch (vt_code(type)) {
	case CHIBI_I32: v.of.i32 = (int32_t)(uint32_t)slot; break;
	case CHIBI_I64: v.of.i64 = (int64_t)slot; break;
	case CHIBI_F32: v.of.f32_bits = (uint32_t)slot; break;
	case CHIBI_F64: v.of.f64_bits = slot; break;
	case CHIBI_FUNCREF: v.of.ref = (chibi_func *)(uintptr_t)slot; break;
	case CHIBI_EXTERNREF: v.of.ext = (void *)(uintptr_t)slot; break;
	case CHIBI_EXNREF: v.of.exn = (chibi_exn *)(uintptr_t)slot; break;
	default: v.of.i64 = (int64_t)slot; break;
	}
	return v;
}

/* Slots form of a typed value: two slots for a v128 (bytes 0-7, 8-15), else one. */
uint32_t val_to_slots(const chibi_val *v, uint64_t *out)
{
	if (v->type == CHIBI_V128) {
		memcpy(out, v->of.v128, 16);
		return 2;
	}
	out[0] = val_to_slot(v);
	return 1;
}

/* Typed value of the slot(s) at p holding a `type` value. */
chibi_val val_from_slots(vtype type, const uint64_t *p)
{
	chibi_val v = { .type = vt_code(type) };

	if (vt_code(type) != CHIBI_V128)
		return val_from_slot(type, p[0]);
	memcpy(v.of.v128, p, 16);
	return v;
}

/* Signature letter of a value type (chibi.h's "params:results" alphabet). */
char vt_letter(vtype t)
{
	switch (vt_code(t)) { /* a typed reference: its family's letter */
	case VT_I32: return 'i';
	case VT_I64: return 'I';
	case VT_F32: return 'f';
	case VT_F64: return 'F';
	case VT_V128: return 'v';
	case VT_FUNCREF: return 'r';
	case VT_EXTERNREF: return 'e';
	case VT_EXNREF: return 'x';
	default: return '?';
	}
}

/* New unlinked global; see store.h. */
struct chibi_global *global_new(vtype valtype, bool mutable_, uint64_t value)
{
	struct chibi_global *g = vm_calloc(1, sizeof(*g));

	if (!g)
		return NULL;
	g->valtype = valtype;
	g->mutable_ = mutable_;
	g->value = value;
	return g;
}

/* Host-created global owned by s; NULL for unknown types or NOMEM. */
chibi_global *chibi_global_new(chibi_store *s, chibi_val value, bool is_mutable)
{
	struct chibi_global *g;
	uint64_t v[2] = { 0, 0 };

	if (!s || vt_letter(value.type) == '?')
		return NULL;
	val_to_slots(&value, v);
	g = global_new(value.type, is_mutable, v[0]);
	if (g) {
		g->hi = v[1];
		g->store = s;
		store_own_global(s, g);
	}
	return g;
}

/* Current value (type from the global). */
chibi_val chibi_global_get(const chibi_global *g)
{
	uint64_t v[2];

	if (!g)
		return (chibi_val){ .type = 0 };
	v[0] = g->value;
	v[1] = g->hi;
	if (vt_code(g->valtype) == VT_EXNREF)
		exn_pin((struct chibi_exn *)(uintptr_t)g->value); /* the host may keep it */
	return val_from_slots(g->valtype, v);
}

/* Set a mutable global; false if immutable or v has another type. */
bool chibi_global_set(chibi_global *g, chibi_val v)
{
	uint64_t s[2] = { 0, 0 };

	if (!g || !g->mutable_ || !store_val_fits(g->store, g->valtype, &v))
		return false;
	val_to_slots(&v, s);
	g->value = s[0];
	g->hi = s[1];
	return true;
}
