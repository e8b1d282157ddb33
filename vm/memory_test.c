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
