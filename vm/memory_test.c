/* vm/memory_test.c - linear memory, tables and globals: growth limits, zeroed new pages,
 * the no-move guarantee of reserved memories, the CHIBI_HARD_GROW fallback, and the public
 * table/global accessors.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "store.h"

static bool all_zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

Test(memory, grow_limits_zeroing_and_no_move)
{
	chibi_store *s = chibi_store_new(NULL);
	chibi_memory *m = chibi_memory_new(s, 1, 4, true);
	uint8_t *base;

	cr_assert(s && m);
	cr_expect_neq(m->reserved, 0, "64-bit hosts reserve address space");
	base = chibi_memory_data(m);
	cr_expect_eq(chibi_memory_size(m), WASM_PAGE_SIZE);
	cr_expect(all_zero(base, WASM_PAGE_SIZE));
	memset(base, 0xab, WASM_PAGE_SIZE);
	cr_expect_eq(chibi_memory_grow(m, 0), 1);
	cr_expect_eq(chibi_memory_grow(m, 2), 1);
	cr_expect_eq(chibi_memory_data(m), base, "reserved memory never moves");
	cr_expect_eq(chibi_memory_size(m), 3 * WASM_PAGE_SIZE);
	cr_expect(all_zero(base + WASM_PAGE_SIZE, 2 * WASM_PAGE_SIZE), "new pages read as zero");
	cr_expect_eq(base[WASM_PAGE_SIZE - 1], 0xab, "old contents kept");
	cr_expect_eq(chibi_memory_grow(m, 2), -1, "beyond the declared max");
	cr_expect_eq(chibi_memory_grow(m, 1), 3);
	cr_expect_eq(chibi_memory_grow(m, 1), -1);
	cr_expect_eq(chibi_memory_grow(m, UINT32_MAX), -1);
	cr_expect_eq(m->pages, 4);
	chibi_store_free(s);
}

Test(memory, unbounded_memory_and_store_cap)
{
	struct chibi_config cfg = { .max_memory_pages = 3 };
	chibi_store *s = chibi_store_new(&cfg);
	chibi_memory *m, *z;

	cr_assert_not_null(s);
	cr_expect_null(chibi_memory_new(s, 4, 0, false), "min above the store cap");
	cr_expect_null(chibi_memory_new(s, 2, 1, true), "min above max");
	cr_expect_null(chibi_memory_new(s, 0, 65537, true), "max above 4 GiB");
	m = chibi_memory_new(s, 0, 0, false);
	cr_assert_not_null(m);
	cr_expect_not_null(chibi_memory_data(m), "data is never NULL");
	cr_expect_eq(chibi_memory_grow(m, 3), 0);
	cr_expect_eq(chibi_memory_grow(m, 1), -1, "store cap");
	/* A declared max above the cap is kept for import matching; the cap, on all the
	 * store's memories together, still applies: m holds all 3 pages. */
	z = chibi_memory_new(s, 0, 100, true);
	cr_assert_not_null(z);
	cr_expect_eq(z->decl_max, 100);
	cr_expect_eq(chibi_memory_grow(z, 1), -1, "the store's pages are all m's");
	chibi_store_free(s);
}

/* cfg.max_memory_pages caps the sum over the store's memories, 32- and 64-bit alike. */
Test(memory, store_cap_is_a_sum)
{
	struct chibi_config cfg = { .max_memory_pages = 5 };
	chibi_store *s = chibi_store_new(&cfg);
	chibi_memory *a, *b;

	cr_assert_not_null(s);
	a = chibi_memory_new(s, 2, 0, false);
	b = chibi_memory_new64(s, 2, 0, false);
	cr_assert(a && b);
	cr_expect_null(chibi_memory_new(s, 2, 0, false), "2 + 2 + 2 > 5");
	cr_expect_eq(chibi_memory_grow(b, 1), 2);
	cr_expect_eq(chibi_memory_grow(a, 1), -1, "2 + 1 + 3 > 5");
	cr_expect_eq(chibi_memory_grow(b, 0), 3);
	cr_expect_eq(s->mem_pages, 5);
	chibi_store_free(s);
}

/* 64-bit memories through the API: declared bounds up to 2^48 pages, sizes as uint64. */
Test(memory, memory64_api)
{
	chibi_store *s = chibi_store_new(NULL);
	chibi_memory *m, *n;

	cr_assert_not_null(s);
	cr_expect_null(chibi_memory_new64(s, 0, ((uint64_t)1 << 48) + 1, true), "max > 2^48");
	cr_expect_null(chibi_memory_new64(s, 65537, 0, false), "min beyond the engine's limit");
	m = chibi_memory_new64(s, 1, (uint64_t)1 << 48, true);
	cr_assert_not_null(m);
	cr_expect(chibi_memory_is64(m));
	cr_expect_eq(m->decl_max, (uint64_t)1 << 48, "kept for import matching");
	cr_expect_eq(chibi_memory_size64(m), WASM_PAGE_SIZE);
	cr_expect_eq(chibi_memory_grow(m, 65536), -1, "the engine holds 65536 pages at most");
	cr_expect_eq(chibi_memory_grow(m, 2), 1);
	cr_expect_eq(chibi_memory_size64(m), 3 * (uint64_t)WASM_PAGE_SIZE);
	n = chibi_memory_new(s, 1, 1, true);
	cr_assert_not_null(n);
	cr_expect_not(chibi_memory_is64(n));
	cr_expect_not(chibi_memory_is64(NULL));
	chibi_store_free(s);
}

Test(memory, large_unbounded_grow)
{
	chibi_store *s = chibi_store_new(NULL);
	chibi_memory *m = chibi_memory_new(s, 0, 0, false);

	cr_assert(s && m);
	/* 4 GiB is the architectural limit; committing it costs nothing until touched. */
	cr_expect_eq(chibi_memory_grow(m, 65536), 0);
	cr_expect_eq(chibi_memory_size(m), (size_t)4 << 30);
	cr_expect_eq(chibi_memory_grow(m, 1), -1);
	chibi_memory_data(m)[((size_t)4 << 30) - 1] = 1;
	chibi_store_free(s);
}

Test(memory, hard_grow_moves_and_zeroes)
{
	chibi_store *s;
	chibi_memory *m;
	uint8_t *base;

	setenv("CHIBI_HARD_GROW", "1", 1);
	s = chibi_store_new(NULL);
	m = chibi_memory_new(s, 1, 3, true);
	cr_assert(s && m);
	cr_expect_eq(m->reserved, 0, "fallback is a plain allocation");
	base = chibi_memory_data(m);
	cr_expect(all_zero(base, WASM_PAGE_SIZE));
	base[5] = 9;
	cr_expect_eq(chibi_memory_grow(m, 1), 1);
	cr_expect_neq(chibi_memory_data(m), base, "hard grow always moves");
	base = chibi_memory_data(m);
	cr_expect_eq(base[5], 9);
	cr_expect(all_zero(base + WASM_PAGE_SIZE, WASM_PAGE_SIZE));
	cr_expect_eq(chibi_memory_grow(m, 2), -1);
	unsetenv("CHIBI_HARD_GROW");
	chibi_store_free(s);
}

static enum chibi_trap h_none(chibi_caller *c, void *env, uint64_t *slots)
{
	return CHIBI_TRAP_NONE;
}

Test(table, grow_get_set)
{
	chibi_store *s = chibi_store_new(NULL);
	chibi_table *t = chibi_table_new(s, CHIBI_FUNCREF, 2, 4, true);
	chibi_table *e = chibi_table_new(s, CHIBI_EXTERNREF, 0, 0, false);
	chibi_func *f;
	chibi_val v;
	int x;

	cr_assert(s && t && e);
	f = chibi_func_new_host(s, ":", h_none, NULL);
	cr_assert_not_null(f);
	cr_expect_null(chibi_table_new(s, CHIBI_I32, 0, 0, false), "not a reference type");
	cr_expect_null(chibi_table_new(s, CHIBI_FUNCREF, 3, 2, true));
	cr_expect_null(chibi_table_new(s, CHIBI_FUNCREF, UINT32_MAX, 0, false), "too large");
	cr_expect_eq(chibi_table_size(t), 2);
	cr_expect(chibi_table_get(t, 1, &v));
	cr_expect_null(v.of.ref);
	cr_expect_eq(v.type, CHIBI_FUNCREF);
	cr_expect(!chibi_table_get(t, 2, &v));
	cr_expect(chibi_table_set(t, 0, (chibi_val){ .type = CHIBI_FUNCREF, .of.ref = f }));
	cr_expect(!chibi_table_set(t, 0, (chibi_val){ .type = CHIBI_EXTERNREF, .of.ext = &x }));
	cr_expect(!chibi_table_set(t, 2, (chibi_val){ .type = CHIBI_FUNCREF }));
	cr_expect_eq(table_grow(t, 1, f), 2);
	cr_expect(chibi_table_get(t, 2, &v));
	cr_expect_eq(v.of.ref, f, "grow fills with init");
	cr_expect(chibi_table_get(t, 0, &v));
	cr_expect_eq(v.of.ref, f);
	cr_expect_eq(table_grow(t, 2, NULL), -1);
	cr_expect_eq(table_grow(t, 1, NULL), 3);
	cr_expect_eq(table_grow(t, 0, NULL), 4);
	cr_expect_eq(table_grow(e, UINT32_MAX, NULL), -1, "implementation cap");
	cr_expect_eq(table_grow(e, 800, &x), 0);
	cr_expect(chibi_table_get(e, 799, &v));
	cr_expect_eq(v.of.ext, &x);
	chibi_store_free(s);
}

Test(global, typed_get_set)
{
	chibi_store *s = chibi_store_new(NULL);
	chibi_global *c, *m;
	chibi_val v;

	cr_assert_not_null(s);
	c = chibi_global_new(s, (chibi_val){ .type = CHIBI_F64, .of.f64_bits = 0x7ff8000000000001ull },
			     false);
	m = chibi_global_new(s, (chibi_val){ .type = CHIBI_I32, .of.i32 = -3 }, true);
	cr_assert(c && m);
	{ /* a v128 global keeps all 16 bytes */
		chibi_val w = { .type = CHIBI_V128 };
		chibi_global *g;

		for (int i = 0; i < 16; i++)
			w.of.v128[i] = (uint8_t)(0xf0 + i);
		g = chibi_global_new(s, w, true);
		cr_assert_not_null(g);
		cr_expect_eq(memcmp(chibi_global_get(g).of.v128, w.of.v128, 16), 0);
		w.of.v128[15] = 1;
		cr_expect(chibi_global_set(g, w));
		cr_expect_eq(chibi_global_get(g).of.v128[15], 1);
		cr_expect_eq(g->hi >> 56, 1, "bytes 8-15 are the high slot");
	}
	cr_expect_null(chibi_global_new(s, (chibi_val){ .type = 0x42 }, false));
	v = chibi_global_get(c);
	cr_expect_eq(v.type, CHIBI_F64);
	cr_expect_eq(v.of.f64_bits, 0x7ff8000000000001ull, "NaN payload survives");
	cr_expect(!chibi_global_set(c, v), "immutable");
	cr_expect_eq(chibi_global_get(m).of.i32, -3);
	cr_expect(!chibi_global_set(m, (chibi_val){ .type = CHIBI_I64, .of.i64 = 1 }));
	cr_expect(chibi_global_set(m, (chibi_val){ .type = CHIBI_I32, .of.i32 = INT32_MIN }));
	cr_expect_eq(chibi_global_get(m).of.i32, INT32_MIN);
	cr_expect_eq(m->value, 0x80000000u, "i32 slots are zero-extended");
	chibi_store_free(s);
}

/*
 * Several memories and a 64-bit memory and table in one instance, through the C API, in
 * both tiers.  The module (wabt 1.0.42's wat2wasm: Debian 12's cannot read table64):
 *
 * (module
 *   (memory $a (export "m0") 1)
 *   (memory $b (export "m1") 2 3)
 *   (memory $c (export "m64") i64 1 70000)
 *   (table $t (export "t64") i64 4 funcref)
 *   (func $f (result i32) (i32.const 42))
 *   (elem (table $t) (i64.const 3) func $f)
 *   (type $rt (func (result i32)))
 *   (func (export "store1") (param i32 i32) (i32.store $b (local.get 0) (local.get 1)))
 *   (func (export "load64") (param i64) (result i32) (i32.load $c (local.get 0)))
 *   (func (export "store64") (param i64 i32) (i32.store $c offset=4 (local.get 0) (local.get 1)))
 *   (func (export "grow64") (param i64) (result i64) (memory.grow $c (local.get 0)))
 *   (func (export "size1") (result i32) (memory.size $b))
 *   (func (export "copy") (param i32 i64 i32) (memory.copy $b $c (local.get 0) (local.get 1) (local.get 2)))
 *   (func (export "call64") (param i64) (result i32) (call_indirect $t (type $rt) (local.get 0)))
 *   (data (memory $b) (i32.const 8) "abc")
 * )
 */
static const uint8_t multi_mem_wasm[] = {
	0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x1f, 0x06, 0x60,
	0x00, 0x01, 0x7f, 0x60, 0x02, 0x7f, 0x7f, 0x00, 0x60, 0x01, 0x7e, 0x01,
	0x7f, 0x60, 0x02, 0x7e, 0x7f, 0x00, 0x60, 0x01, 0x7e, 0x01, 0x7e, 0x60,
	0x03, 0x7f, 0x7e, 0x7f, 0x00, 0x03, 0x09, 0x08, 0x00, 0x01, 0x02, 0x03,
	0x04, 0x00, 0x05, 0x02, 0x04, 0x04, 0x01, 0x70, 0x04, 0x04, 0x05, 0x0b,
	0x03, 0x00, 0x01, 0x01, 0x02, 0x03, 0x05, 0x01, 0xf0, 0xa2, 0x04, 0x07,
	0x54, 0x0b, 0x02, 0x6d, 0x30, 0x02, 0x00, 0x02, 0x6d, 0x31, 0x02, 0x01,
	0x03, 0x6d, 0x36, 0x34, 0x02, 0x02, 0x03, 0x74, 0x36, 0x34, 0x01, 0x00,
	0x06, 0x73, 0x74, 0x6f, 0x72, 0x65, 0x31, 0x00, 0x01, 0x06, 0x6c, 0x6f,
	0x61, 0x64, 0x36, 0x34, 0x00, 0x02, 0x07, 0x73, 0x74, 0x6f, 0x72, 0x65,
	0x36, 0x34, 0x00, 0x03, 0x06, 0x67, 0x72, 0x6f, 0x77, 0x36, 0x34, 0x00,
	0x04, 0x05, 0x73, 0x69, 0x7a, 0x65, 0x31, 0x00, 0x05, 0x04, 0x63, 0x6f,
	0x70, 0x79, 0x00, 0x06, 0x06, 0x63, 0x61, 0x6c, 0x6c, 0x36, 0x34, 0x00,
	0x07, 0x09, 0x07, 0x01, 0x00, 0x42, 0x03, 0x0b, 0x01, 0x00, 0x0a, 0x46,
	0x08, 0x04, 0x00, 0x41, 0x2a, 0x0b, 0x0a, 0x00, 0x20, 0x00, 0x20, 0x01,
	0x36, 0x42, 0x01, 0x00, 0x0b, 0x08, 0x00, 0x20, 0x00, 0x28, 0x42, 0x02,
	0x00, 0x0b, 0x0a, 0x00, 0x20, 0x00, 0x20, 0x01, 0x36, 0x42, 0x02, 0x04,
	0x0b, 0x06, 0x00, 0x20, 0x00, 0x40, 0x02, 0x0b, 0x04, 0x00, 0x3f, 0x01,
	0x0b, 0x0c, 0x00, 0x20, 0x00, 0x20, 0x01, 0x20, 0x02, 0xfc, 0x0a, 0x01,
	0x02, 0x0b, 0x07, 0x00, 0x20, 0x00, 0x11, 0x00, 0x00, 0x0b, 0x0b, 0x0a,
	0x01, 0x02, 0x01, 0x41, 0x08, 0x0b, 0x03, 0x61, 0x62, 0x63
};

static chibi_val v32(int32_t x)
{
	return (chibi_val){ .type = CHIBI_I32, .of.i32 = x };
}

static chibi_val v64(int64_t x)
{
	return (chibi_val){ .type = CHIBI_I64, .of.i64 = x };
}

static enum chibi_trap call(chibi_instance *inst, const char *name, const chibi_val *args,
			    size_t n, chibi_val *res)
{
	chibi_func *f = chibi_instance_func(inst, name);

	cr_assert_not_null(f, "%s", name);
	return chibi_func_call(f, args, n, res, res ? 1 : 0, NULL);
}

static void multi_memory_in(enum chibi_exec_mode mode)
{
	struct chibi_config cfg = { .mode = mode };
	chibi_store *s = chibi_store_new(&cfg);
	struct chibi_diag d = { 0 };
	chibi_module *mod = NULL;
	chibi_instance *inst = NULL;
	chibi_memory *m1, *m64;
	chibi_val a[3], r;
	uint32_t w;

	cr_assert_not_null(s);
	cr_assert_eq(chibi_module_new(multi_mem_wasm, sizeof(multi_mem_wasm), &mod, &d), CHIBI_OK,
		     "%s", d.msg);
	cr_assert_eq(chibi_instance_new(s, mod, NULL, &inst, &d, NULL), CHIBI_OK, "%s", d.msg);
	chibi_module_free(mod);
	cr_expect_eq(chibi_instance_num_memories(inst), 3);
	cr_expect_null(chibi_instance_memory_at(inst, 3));
	m1 = chibi_instance_memory_at(inst, 1);
	m64 = chibi_instance_memory(inst, "m64");
	cr_assert(m1 && m64);
	cr_expect_eq(m1, chibi_instance_memory(inst, "m1"), "by index and by export name");
	cr_expect_eq(chibi_instance_memory_at(inst, 0), chibi_instance_memory(inst, "m0"));
	cr_expect_eq(chibi_memory_size64(m1), 2 * (uint64_t)WASM_PAGE_SIZE);
	cr_expect_not(chibi_memory_is64(m1));
	cr_expect(chibi_memory_is64(m64));
	cr_expect(chibi_table_is64(chibi_instance_table(inst, "t64")));
	cr_expect_eq(memcmp(chibi_memory_data(m1) + 8, "abc", 3), 0, "data segment in memory 1");
	cr_expect_eq(chibi_memory_data(chibi_instance_memory(inst, "m0"))[8], 0);

	/* stores land in the memory they name */
	a[0] = v32(100);
	a[1] = v32(0x01020304);
	cr_expect_eq(call(inst, "store1", a, 2, NULL), CHIBI_TRAP_NONE);
	memcpy(&w, chibi_memory_data(m1) + 100, 4);
	cr_expect_eq(w, 0x01020304);
	a[0] = v32(2 * WASM_PAGE_SIZE - 3);
	cr_expect_eq(call(inst, "store1", a, 2, NULL), CHIBI_TRAP_MEMORY_OOB);
	cr_expect_eq(call(inst, "size1", NULL, 0, &r), CHIBI_TRAP_NONE);
	cr_expect_eq(r.of.i32, 2);

	/* i64 addresses: offset=4 on top, 2^32 + small is out of bounds, not wrapped */
	a[0] = v64(16);
	a[1] = v32(77);
	cr_expect_eq(call(inst, "store64", a, 2, NULL), CHIBI_TRAP_NONE);
	a[0] = v64(20);
	cr_expect_eq(call(inst, "load64", a, 1, &r), CHIBI_TRAP_NONE);
	cr_expect_eq(r.of.i32, 77);
	a[0] = v64(((int64_t)1 << 32) + 20);
	cr_expect_eq(call(inst, "load64", a, 1, &r), CHIBI_TRAP_MEMORY_OOB);
	a[0] = v64(-4);
	cr_expect_eq(call(inst, "store64", a, 2, NULL), CHIBI_TRAP_MEMORY_OOB, "addr + offset wraps");
	a[0] = v64(WASM_PAGE_SIZE - 4);
	cr_expect_eq(call(inst, "load64", a, 1, &r), CHIBI_TRAP_NONE);

	/* memory.grow answers in i64: the old size, or -1 past the declared maximum */
	a[0] = v64(1);
	cr_expect_eq(call(inst, "grow64", a, 1, &r), CHIBI_TRAP_NONE);
	cr_expect_eq(r.type, CHIBI_I64);
	cr_expect_eq(r.of.i64, 1);
	a[0] = v64(70000);
	cr_expect_eq(call(inst, "grow64", a, 1, &r), CHIBI_TRAP_NONE);
	cr_expect_eq(r.of.i64, -1);
	cr_expect_eq(chibi_memory_size64(m64), 2 * (uint64_t)WASM_PAGE_SIZE);

	/* memory.copy from the 64-bit memory into memory 1 (an i32 length) */
	a[0] = v32(200);
	a[1] = v64(20);
	a[2] = v32(4);
	cr_expect_eq(call(inst, "copy", a, 3, NULL), CHIBI_TRAP_NONE);
	cr_expect_eq(chibi_memory_data(m1)[200], 77);
	a[1] = v64(2 * WASM_PAGE_SIZE - 3);
	cr_expect_eq(call(inst, "copy", a, 3, NULL), CHIBI_TRAP_MEMORY_OOB);

	/* call_indirect through the 64-bit table */
	a[0] = v64(3);
	cr_expect_eq(call(inst, "call64", a, 1, &r), CHIBI_TRAP_NONE);
	cr_expect_eq(r.of.i32, 42);
	a[0] = v64(((int64_t)1 << 32) + 3);
	cr_expect_eq(call(inst, "call64", a, 1, &r), CHIBI_TRAP_UNDEFINED_ELEMENT);
	chibi_store_free(s);
}

Test(memory, multi_memory_and_memory64_interp)
{
	multi_memory_in(CHIBI_MODE_INTERP);
}

Test(memory, multi_memory_and_memory64_jit)
{
	multi_memory_in(CHIBI_MODE_JIT);
}
