/* vm/interp_test.c - interpreter tests through the public API: numeric edge cases and trap
 * kinds, the translator's folding hazards (pending local reads, tee, branches carrying values,
 * multi-value), calls (recursion, indirect, host, re-entry, stack exhaustion), memory and
 * table instructions with their bounds rules, shared memories, interrupts and fuel; running
 * out of memory while translating.  A few
 * golden checks read the translated code through interp_dump (vm/interp.h).
 * Modules come from WebAssembly text through wat2wasm (vm/test_wat.h).
 */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>
#include <time.h>

#include "alloc.h"
#include "interp.h"
#include "interp_num.h"
#include "test_wat.h"

static chibi_store *S;
static chibi_linker *L;

/* Every store here runs the interpreter, whatever the default engine is. */
static const struct chibi_config interp_cfg = { .mode = CHIBI_MODE_INTERP };

static void setup(void)
{
	S = chibi_store_new(&interp_cfg);
	L = chibi_linker_new();
	cr_assert(S && L);
}

static void teardown(void)
{
	chibi_linker_free(L);
	chibi_store_free(S);
}

TestSuite(interp, .init = setup, .fini = teardown);

static chibi_instance *load(const char *wat)
{
	chibi_module *m = wat_module(wat);
	chibi_instance *inst = NULL;
	struct chibi_diag d = { 0 };

	cr_assert(m, "module did not load");
	cr_assert_eq(chibi_instance_new(S, m, L, &inst, &d, NULL), CHIBI_OK, "%s", d.msg);
	chibi_module_free(m);
	return inst;
}

static chibi_val I32(int32_t x) { chibi_val v = { .type = CHIBI_I32, .of.i32 = x }; return v; }
static chibi_val I64(int64_t x) { chibi_val v = { .type = CHIBI_I64, .of.i64 = x }; return v; }
static chibi_val F64(double x)
{
	chibi_val v = { .type = CHIBI_F64 };

	memcpy(&v.of.f64_bits, &x, 8);
	return v;
}
static chibi_val F32(float x)
{
	chibi_val v = { .type = CHIBI_F32 };

	memcpy(&v.of.f32_bits, &x, 4);
	return v;
}

static struct chibi_trap_info last;

/* Call export `name`; returns the trap code (details in `last`). */
static enum chibi_trap callv(chibi_instance *inst, const char *name, const chibi_val *args,
			     size_t n, chibi_val *res, size_t nr)
{
	chibi_func *f = chibi_instance_func(inst, name);

	cr_assert(f, "no export %s", name);
	return chibi_func_call(f, args, n, res, nr, &last);
}

/* Call an export taking up to three i32 and returning one i32 or i64 (trap must not happen). */
static int64_t call3(chibi_instance *inst, const char *name, int n, int32_t a, int32_t b,
		     int32_t c)
{
	chibi_val args[3] = { I32(a), I32(b), I32(c) }, r = { 0 };
	enum chibi_trap t = callv(inst, name, args, (size_t)n, &r, 1);

	cr_assert_eq(t, CHIBI_TRAP_NONE, "%s trapped: %s", name, chibi_trap_name(t));
	return r.type == CHIBI_I64 ? r.of.i64 : r.of.i32;
}

/* Expect a trap of kind k from export `name` with i32 arguments. */
static void expect_trap(chibi_instance *inst, const char *name, int n, int32_t a, int32_t b,
			int32_t c, enum chibi_trap k)
{
	chibi_val args[3] = { I32(a), I32(b), I32(c) }, r[4];
	enum chibi_trap t = callv(inst, name, args, (size_t)n, r, 4);

	cr_assert_eq(t, k, "%s: expected %s, got %s", name, chibi_trap_name(k),
		     chibi_trap_name(t));
}

/* ---- numeric semantics ---- */

Test(interp, integer_traps_and_edges)
{
	chibi_instance *i = load(
		"(module\n"
		" (func (export \"div_s\") (param i32 i32) (result i32) local.get 0 local.get 1 i32.div_s)\n"
		" (func (export \"rem_s\") (param i32 i32) (result i32) local.get 0 local.get 1 i32.rem_s)\n"
		" (func (export \"div_u\") (param i32 i32) (result i32) local.get 0 local.get 1 i32.div_u)\n"
		" (func (export \"div7\") (param i32) (result i32) local.get 0 i32.const -7 i32.div_s)\n"
		" (func (export \"shl\") (param i32 i32) (result i32) local.get 0 local.get 1 i32.shl)\n"
		" (func (export \"shr_s\") (param i32 i32) (result i32) local.get 0 local.get 1 i32.shr_s)\n"
		" (func (export \"rotr\") (param i32 i32) (result i32) local.get 0 local.get 1 i32.rotr)\n"
		" (func (export \"clz\") (param i32) (result i32) local.get 0 i32.clz)\n"
		" (func (export \"ctz64\") (param i32) (result i64) local.get 0 i64.extend_i32_u i64.ctz)\n"
		" (func (export \"ext8\") (param i32) (result i32) local.get 0 i32.extend8_s)\n"
		" (func (export \"ext_s\") (param i32) (result i64) local.get 0 i64.extend_i32_s)\n"
		" (func (export \"ext_u\") (param i32) (result i64) local.get 0 i64.extend_i32_u)\n"
		" (func (export \"wrap\") (param i32) (result i32)\n"
		"   local.get 0 i64.extend_i32_s i64.const 0x100000000 i64.add i32.wrap_i64)\n"
		" (func (export \"div64\") (param i32 i32) (result i64)\n"
		"   local.get 0 i64.extend_i32_s i64.const 32 i64.shl local.get 1 i64.extend_i32_s i64.div_s)\n"
		")");

	cr_assert_eq(call3(i, "div_s", 2, 7, -2, 0), -3);
	cr_assert_eq(call3(i, "rem_s", 2, -7, 2, 0), -1);
	cr_assert_eq(call3(i, "rem_s", 2, INT32_MIN, -1, 0), 0);
	cr_assert_eq((uint32_t)call3(i, "div_u", 2, -1, 2, 0), 0x7fffffffu);
	cr_assert_eq(call3(i, "div7", 1, 50, 0, 0), -7);
	expect_trap(i, "div_s", 2, 1, 0, 0, CHIBI_TRAP_DIV_ZERO);
	expect_trap(i, "div_s", 2, INT32_MIN, -1, 0, CHIBI_TRAP_INT_OVERFLOW);
	cr_assert_eq(last.func_index, 0, "trap names the function");
	expect_trap(i, "rem_s", 2, 5, 0, 0, CHIBI_TRAP_DIV_ZERO);
	expect_trap(i, "div_u", 2, 5, 0, 0, CHIBI_TRAP_DIV_ZERO);
	cr_assert_eq(call3(i, "shl", 2, 1, 33, 0), 2);
	cr_assert_eq(call3(i, "shr_s", 2, -16, 2, 0), -4);
	cr_assert_eq(call3(i, "shr_s", 2, INT32_MIN, 31, 0), -1);
	cr_assert_eq((uint32_t)call3(i, "rotr", 2, 1, 1, 0), 0x80000000u);
	cr_assert_eq(call3(i, "clz", 1, 0, 0, 0), 32);
	cr_assert_eq(call3(i, "ctz64", 1, 0, 0, 0), 64);
	cr_assert_eq(call3(i, "ext8", 1, 0x80, 0, 0), -128);
	cr_assert_eq(call3(i, "ext_s", 1, -1, 0, 0), -1);
	cr_assert_eq(call3(i, "ext_u", 1, -1, 0, 0), 0xffffffffll);
	cr_assert_eq(call3(i, "wrap", 1, 5, 0, 0), 5);
	cr_assert_eq(call3(i, "div64", 2, 3, 2, 0), (3ll << 32) / 2);
}

Test(interp, float_semantics)
{
	chibi_instance *i = load(
		"(module\n"
		" (func (export \"min32\") (param f32 f32) (result f32) local.get 0 local.get 1 f32.min)\n"
		" (func (export \"max64\") (param f64 f64) (result f64) local.get 0 local.get 1 f64.max)\n"
		" (func (export \"near\") (param f64) (result f64) local.get 0 f64.nearest)\n"
		" (func (export \"floor32\") (param f32) (result f32) local.get 0 f32.floor)\n"
		" (func (export \"neg32\") (param f32) (result f32) local.get 0 f32.neg)\n"
		" (func (export \"cps\") (param f64 f64) (result f64) local.get 0 local.get 1 f64.copysign)\n"
		" (func (export \"trunc\") (param f64) (result i32) local.get 0 i32.trunc_f64_s)\n"
		" (func (export \"trunc_u\") (param f32) (result i64) local.get 0 i64.trunc_f32_u)\n"
		" (func (export \"sat\") (param f64) (result i64) local.get 0 i64.trunc_sat_f64_u)\n"
		" (func (export \"sat_s\") (param f32) (result i32) local.get 0 i32.trunc_sat_f32_s)\n"
		" (func (export \"cvt\") (param i64) (result f32) local.get 0 f32.convert_i64_u)\n"
		")");
	chibi_val a[2], r;
	uint32_t b32;
	uint64_t b64;

	a[0] = F32(-0.0f), a[1] = F32(0.0f);
	cr_assert_eq(callv(i, "min32", a, 2, &r, 1), CHIBI_TRAP_NONE);
	cr_assert_eq(r.of.f32_bits, 0x80000000u, "min(-0, +0) = -0");
	a[0] = F64(-0.0), a[1] = F64(0.0);
	callv(i, "max64", a, 2, &r, 1);
	cr_assert_eq(r.of.f64_bits, 0, "max(-0, +0) = +0");
	a[0] = F64(NAN), a[1] = F64(1.0);
	callv(i, "max64", a, 2, &r, 1);
	cr_assert(isnan(slot_f64(r.of.f64_bits)));
	a[0] = F64(2.5);
	callv(i, "near", a, 1, &r, 1);
	cr_assert_eq(slot_f64(r.of.f64_bits), 2.0, "ties to even");
	a[0] = F64(-0.5);
	callv(i, "near", a, 1, &r, 1);
	cr_assert_eq(r.of.f64_bits, 0x8000000000000000ull, "nearest(-0.5) = -0");
	a[0].type = CHIBI_F32, a[0].of.f32_bits = 0x7fa00000u; /* signalling NaN */
	callv(i, "floor32", a, 1, &r, 1);
	cr_assert_eq(r.of.f32_bits & 0x7fc00000u, 0x7fc00000u, "NaN result is quiet");
	callv(i, "neg32", a, 1, &r, 1);
	cr_assert_eq(r.of.f32_bits, 0xffa00000u, "neg flips only the sign bit");
	a[0].type = CHIBI_F64, a[0].of.f64_bits = 0x7ff0000000000123ull, a[1] = F64(-1.0);
	callv(i, "cps", a, 2, &r, 1);
	cr_assert_eq(r.of.f64_bits, 0xfff0000000000123ull);

	a[0] = F64(NAN);
	cr_assert_eq(callv(i, "trunc", a, 1, &r, 1), CHIBI_TRAP_INVALID_CONVERSION);
	a[0] = F64(2147483648.0);
	cr_assert_eq(callv(i, "trunc", a, 1, &r, 1), CHIBI_TRAP_INT_OVERFLOW);
	a[0] = F64(-2147483648.9);
	cr_assert_eq(callv(i, "trunc", a, 1, &r, 1), CHIBI_TRAP_NONE);
	cr_assert_eq(r.of.i32, INT32_MIN);
	a[0] = F32(-0.9f);
	cr_assert_eq(callv(i, "trunc_u", a, 1, &r, 1), CHIBI_TRAP_NONE);
	cr_assert_eq(r.of.i64, 0);
	a[0] = F32(-1.0f);
	cr_assert_eq(callv(i, "trunc_u", a, 1, &r, 1), CHIBI_TRAP_INT_OVERFLOW);
	a[0] = F64(1e30);
	callv(i, "sat", a, 1, &r, 1);
	cr_assert_eq((uint64_t)r.of.i64, UINT64_MAX);
	a[0] = F64(-3.0);
	callv(i, "sat", a, 1, &r, 1);
	cr_assert_eq(r.of.i64, 0);
	a[0] = F32(NAN);
	callv(i, "sat_s", a, 1, &r, 1);
	cr_assert_eq(r.of.i32, 0);
	a[0] = F32(-1e20f);
	callv(i, "sat_s", a, 1, &r, 1);
	cr_assert_eq(r.of.i32, INT32_MIN);
	a[0] = I64(-1);
	callv(i, "cvt", a, 1, &r, 1);
	b32 = r.of.f32_bits;
	cr_assert_eq(b32, 0x5f800000u, "u64 max rounds to 2^64");
	(void)b64;
}

Test(interp, constant_folding_matches_runtime)
{
	chibi_instance *i = load(
		"(module\n"
		" (func (export \"k\") (result i32)\n"
		"   i32.const 7 i32.const 3 i32.sub i32.const 5 i32.mul i32.const 2 i32.shr_u)\n"
		" (func (export \"kdiv\") (result i32) i32.const 1 i32.const 0 i32.div_u)\n"
		" (func (export \"kf\") (result i64) f64.const 2.5 f64.nearest i64.trunc_f64_s)\n"
		")");
	chibi_val r;

	cr_assert_eq(call3(i, "k", 0, 0, 0, 0), 5);
	cr_assert_eq(call3(i, "kf", 0, 0, 0, 0), 2);
	/* A folded operation that would trap is left for run time. */
	cr_assert_eq(callv(i, "kdiv", NULL, 0, &r, 1), CHIBI_TRAP_DIV_ZERO);
}

/* ---- translator hazards ---- */

/* Regression: a wide constant on the left of a commutable compare is moved to the right and
 * must then be materialised in its own stack position, not over the other operand's slot
 * (found by the AArch64 differential run). */
Test(interp, swapped_wide_constant_keeps_operand)
{
	chibi_instance *i = load(
		"(module\n"
		" (func (export \"br\") (param i32) (result i32)\n"
		"   block (result i32)\n"
		"     i32.const 1\n"
		"     i64.const 2147483648\n"
		"     i64.const -67 i64.const 5 local.get 0 select\n"
		"     i64.le_s br_if 0 drop i32.const 2 end)\n"
		" (func (export \"sub\") (param i64) (result i64)\n"
		"   i64.const 0x100000000 i64.const 3 local.get 0 i64.mul i64.sub)\n"
		" (func (export \"cmp\") (param i64) (result i32)\n"
		"   i64.const 0x100000000 i64.const 3 local.get 0 i64.mul i64.lt_u)\n"
		")");
	chibi_val r, a;

	cr_assert_eq(call3(i, "br", 1, 1, 0, 0), 2);  /* 2^31 <= -67 is false */
	cr_assert_eq(call3(i, "br", 1, 0, 0, 0), 2);  /* 2^31 <= 5 is false */
	a = I64(5);
	cr_assert_eq(callv(i, "sub", &a, 1, &r, 1), CHIBI_TRAP_NONE);
	cr_assert_eq(r.of.i64, 0x100000000LL - 15);
	cr_assert_eq(callv(i, "cmp", &a, 1, &r, 1), CHIBI_TRAP_NONE);
	cr_assert_eq(r.of.i32, 0); /* 2^32 < 15 is false */
}


Test(interp, pending_local_reads)
{
	chibi_instance *i = load(
		"(module\n"
		" (func (export \"swap\") (param i32 i32) (result i32 i32) local.get 1 local.get 0)\n"
		" (func (export \"pending\") (param i32) (result i32)\n"
		"   local.get 0 local.get 0 i32.const 10 i32.add local.set 0 local.get 0 i32.sub)\n"
		" (func (export \"pending_tee\") (param i32) (result i32)\n"
		"   local.get 0 local.get 0 i32.const 1 i32.add local.tee 0 i32.mul local.get 0 i32.add)\n"
		" (func (export \"set_from_local\") (param i32 i32) (result i32)\n"
		"   local.get 0 local.get 1 local.set 0 local.get 0 i32.sub)\n"
		" (func (export \"block\") (param i32) (result i32)\n"
		"   local.get 0 block i32.const 99 local.set 0 end local.get 0 i32.add)\n"
		" (func (export \"if\") (param i32 i32) (result i32)\n"
		"   local.get 0 local.get 1 if i32.const 5 local.set 0 end local.get 0 i32.add)\n"
		" (func (export \"call\") (param i32) (result i32)\n"
		"   local.get 0 local.get 0 call $id i32.const 3 i32.add local.set 0 local.get 0 i32.sub)\n"
		" (func $id (param i32) (result i32) local.get 0)\n"
		" (func (export \"consts\") (result i32 i32 i32)\n"
		"   i32.const 1 i32.const 2 i32.const 3)\n"
		" (func (export \"tee_keep\") (param i32) (result i32)\n"
		"   local.get 0 i32.const 1 i32.add local.tee 0 local.get 0 i32.const 100 i32.add\n"
		"   local.set 0 local.get 0 i32.add)\n"
		")");
	chibi_val a[2] = { I32(1), I32(2) }, r[3];

	cr_assert_eq(callv(i, "swap", a, 2, r, 2), CHIBI_TRAP_NONE);
	cr_assert(r[0].of.i32 == 2 && r[1].of.i32 == 1);
	cr_assert_eq(call3(i, "pending", 1, 5, 0, 0), -10);
	cr_assert_eq(call3(i, "pending_tee", 1, 3, 0, 0), 3 * 4 + 4);
	cr_assert_eq(call3(i, "set_from_local", 2, 10, 3, 0), 7);
	cr_assert_eq(call3(i, "block", 1, 1, 0, 0), 100);
	cr_assert_eq(call3(i, "if", 2, 1, 1, 0), 6);
	cr_assert_eq(call3(i, "if", 2, 1, 0, 0), 2);
	cr_assert_eq(call3(i, "call", 1, 4, 0, 0), -3);
	cr_assert_eq(callv(i, "consts", NULL, 0, r, 3), CHIBI_TRAP_NONE);
	cr_assert(r[0].of.i32 == 1 && r[1].of.i32 == 2 && r[2].of.i32 == 3);
	/* tee'd value (x+1) stays on the stack while x becomes x+1+100 */
	cr_assert_eq(call3(i, "tee_keep", 1, 1, 0, 0), 2 + 102);
}

Test(interp, branches_carry_values)
{
	chibi_instance *i = load(
		"(module\n"
		" (func (export \"br_if\") (param i32) (result i32)\n"
		"   block (result i32) i32.const 7 local.get 0 br_if 0 drop i32.const 9 end)\n"
		" (func (export \"br_if_local\") (param i32 i32) (result i32)\n"
		"   block (result i32) local.get 1 local.get 0 br_if 0 i32.const 1 i32.add end)\n"
		" (func (export \"br_if_cmp\") (param i32 i32) (result i32)\n"
		"   block (result i32) local.get 1 local.get 0 i32.const 10 i32.gt_s br_if 0\n"
		"   i32.const 1000 i32.add end)\n"
		" (func (export \"br_table\") (param i32) (result i32)\n"
		"   block (result i32) block (result i32) block (result i32)\n"
		"     local.get 0 i32.const 100 i32.add local.get 0 br_table 0 1 2\n"
		"   end i32.const 1 i32.add end i32.const 2 i32.add end)\n"
		" (func (export \"br_table_local\") (param i32) (result i32)\n"
		"   block (result i32) block (result i32)\n"
		"     local.get 0 local.get 0 br_table 1 0 1\n"
		"   end i32.const 50 i32.add end)\n"
		" (func (export \"multi\") (param i32) (result i32 i32 i32)\n"
		"   block (result i32 i32 i32)\n"
		"     local.get 0 local.get 0 i32.const 1 i32.add i32.const 42\n"
		"     local.get 0 br_if 0\n"
		"     drop drop drop i32.const -1 i32.const -2 i32.const -3\n"
		"   end)\n"
		" (func (export \"sum\") (param $n i32) (result i32)\n"
		"   i32.const 0\n"
		"   loop $l (param i32) (result i32)\n"
		"     local.get $n i32.add\n"
		"     local.get $n i32.const 1 i32.sub local.tee $n\n"
		"     br_if $l\n"
		"   end)\n"
		" (func (export \"loop_local\") (param $n i32) (result i32) (local $acc i32)\n"
		"   local.get $n\n"
		"   loop $l (param i32) (result i32)\n"
		"     local.get $acc i32.add local.set $acc\n"
		"     local.get $n i32.const 1 i32.sub local.tee $n\n"
		"     local.get $acc local.get $n br_if $l\n"
		"     i32.add\n"
		"   end)\n"
		" (func (export \"if_params\") (param i32 i32) (result i32)\n"
		"   local.get 0 local.get 1\n"
		"   if (param i32) (result i32) i32.const 10 i32.add else i32.const 20 i32.sub end)\n"
		" (func (export \"select\") (param i32 i32 i32) (result i32)\n"
		"   local.get 0 local.get 1 local.get 2 select)\n"
		" (func (export \"ret_early\") (param i32) (result i32)\n"
		"   local.get 0 i32.const 5 i32.lt_s if i32.const 1 return end\n"
		"   block local.get 0 br 1 end unreachable)\n"
		" (func (export \"ret_multi\") (param i32 i32) (result i32 i32)\n"
		"   local.get 1 local.get 0 local.get 0 br_if 0 drop drop i32.const 0 i32.const 0)\n"
		" (func (export \"dead\") (param i32) (result i32)\n"
		"   block (result i32) local.get 0 br 0\n"
		"     block loop i32.const 0 if br 0 else unreachable end end end i32.const 5 i32.add\n"
		"   end)\n"
		")");
	chibi_val a[2], r[3];

	cr_assert_eq(call3(i, "br_if", 1, 1, 0, 0), 7);
	cr_assert_eq(call3(i, "br_if", 1, 0, 0, 0), 9);
	cr_assert_eq(call3(i, "br_if_local", 2, 1, 40, 0), 40);
	cr_assert_eq(call3(i, "br_if_local", 2, 0, 40, 0), 41);
	cr_assert_eq(call3(i, "br_if_cmp", 2, 11, 5, 0), 5);
	cr_assert_eq(call3(i, "br_if_cmp", 2, 10, 5, 0), 1005);
	cr_assert_eq(call3(i, "br_table", 1, 0, 0, 0), 103);
	cr_assert_eq(call3(i, "br_table", 1, 1, 0, 0), 103);
	cr_assert_eq(call3(i, "br_table", 1, 2, 0, 0), 102);
	cr_assert_eq(call3(i, "br_table", 1, 99, 0, 0), 199);
	cr_assert_eq(call3(i, "br_table_local", 1, 0, 0, 0), 0);
	cr_assert_eq(call3(i, "br_table_local", 1, 1, 0, 0), 51);
	cr_assert_eq(call3(i, "br_table_local", 1, 7, 0, 0), 7);
	a[0] = I32(5);
	cr_assert_eq(callv(i, "multi", a, 1, r, 3), CHIBI_TRAP_NONE);
	cr_assert(r[0].of.i32 == 5 && r[1].of.i32 == 6 && r[2].of.i32 == 42);
	a[0] = I32(0);
	callv(i, "multi", a, 1, r, 3);
	cr_assert(r[0].of.i32 == -1 && r[1].of.i32 == -2 && r[2].of.i32 == -3);
	cr_assert_eq(call3(i, "sum", 1, 4, 0, 0), 10);
	cr_assert_eq(call3(i, "loop_local", 1, 3, 0, 0), 12); /* acc: 3, 6, 12 */
	cr_assert_eq(call3(i, "if_params", 2, 5, 1, 0), 15);
	cr_assert_eq(call3(i, "if_params", 2, 5, 0, 0), -15);
	cr_assert_eq(call3(i, "select", 3, 1, 2, 1), 1);
	cr_assert_eq(call3(i, "select", 3, 1, 2, 0), 2);
	cr_assert_eq(call3(i, "ret_early", 1, 3, 0, 0), 1);
	cr_assert_eq(call3(i, "ret_early", 1, 30, 0, 0), 30);
	a[0] = I32(1), a[1] = I32(2);
	callv(i, "ret_multi", a, 2, r, 2);
	cr_assert(r[0].of.i32 == 2 && r[1].of.i32 == 1);
	a[0] = I32(0);
	callv(i, "ret_multi", a, 2, r, 2);
	cr_assert(r[0].of.i32 == 0 && r[1].of.i32 == 0);
	cr_assert_eq(call3(i, "dead", 1, 8, 0, 0), 8);
}

/* ---- calls ---- */

Test(interp, calls_and_frames)
{
	chibi_instance *i = load(
		"(module\n"
		" (func $fib (export \"fib\") (param i32) (result i32)\n"
		"   local.get 0 i32.const 2 i32.lt_u if (result i32) local.get 0 else\n"
		"   local.get 0 i32.const 1 i32.sub call $fib local.get 0 i32.const 2 i32.sub call $fib\n"
		"   i32.add end)\n"
		" (func $pair (param i32) (result i64 i32 i32)\n"
		"   local.get 0 i64.extend_i32_s i64.const 1 i64.add local.get 0 i32.const 9)\n"
		" (func (export \"use_pair\") (param i32) (result i64)\n"
		"   local.get 0 call $pair drop i64.extend_i32_s i64.add)\n"
		" (func $dirty (param i32) (result i32) (local i32 i64)\n"
		"   local.get 1 i64.extend_i32_u local.get 2 i64.add i32.wrap_i64\n"
		"   local.get 0 local.set 1 local.get 0 i64.extend_i32_u local.set 2)\n"
		" (func (export \"locals_zeroed\") (result i32)\n"
		"   i32.const 5 call $dirty i32.const 6 call $dirty i32.add)\n"
		" (func (export \"many\") (param i32 i32 i32 i32 i32 i32) (result i32)\n"
		"   local.get 5 local.get 4 local.get 3 local.get 2 local.get 1 local.get 0 call $sub6)\n"
		" (func $sub6 (param i32 i32 i32 i32 i32 i32) (result i32)\n"
		"   local.get 0 local.get 1 i32.sub local.get 2 i32.sub local.get 3 i32.sub\n"
		"   local.get 4 i32.sub local.get 5 i32.sub)\n"
		" (func $r (export \"runaway\") call $r)\n"
		" (func $m (export \"mutual\") (param i32) (result i32) local.get 0 i32.const 1 i32.add call $n)\n"
		" (func $n (param i32) (result i32) local.get 0 call $m)\n"
		")");
	chibi_val a[6], r;
	struct timespec t0, t1;

	cr_assert_eq(call3(i, "fib", 1, 20, 0, 0), 6765);
	cr_assert_eq(call3(i, "use_pair", 1, 41, 0, 0), 41 + 42);
	cr_assert_eq(call3(i, "locals_zeroed", 0, 0, 0, 0), 0);
	for (int k = 0; k < 6; k++)
		a[k] = I32(1 << k);
	cr_assert_eq(callv(i, "many", a, 6, &r, 1), CHIBI_TRAP_NONE);
	cr_assert_eq(r.of.i32, 32 - 16 - 8 - 4 - 2 - 1);

	clock_gettime(CLOCK_MONOTONIC, &t0);
	cr_assert_eq(callv(i, "runaway", NULL, 0, NULL, 0), CHIBI_TRAP_STACK_EXHAUSTED);
	a[0] = I32(0);
	cr_assert_eq(callv(i, "mutual", a, 1, &r, 1), CHIBI_TRAP_STACK_EXHAUSTED);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	cr_assert_lt(t1.tv_sec - t0.tv_sec, 3, "deep recursion must trap quickly");
	/* The store stays usable after unwinding. */
	cr_assert_eq(call3(i, "fib", 1, 10, 0, 0), 55);
}

Test(interp, call_indirect_checks)
{
	chibi_instance *i = load(
		"(module\n"
		" (type $ii (func (param i32) (result i32)))\n"
		" (table $t 3 funcref)\n"
		" (elem (i32.const 0) $inc $nop)\n"
		" (func $inc (type $ii) local.get 0 i32.const 1 i32.add)\n"
		" (func $nop)\n"
		" (func (export \"ci\") (param i32 i32) (result i32)\n"
		"   local.get 1 local.get 0 call_indirect (type $ii))\n"
		" (func (export \"ci_const\") (result i32) i32.const 4 i32.const 0 call_indirect (type $ii))\n"
		")");

	cr_assert_eq(call3(i, "ci", 2, 0, 5, 0), 6);
	cr_assert_eq(call3(i, "ci_const", 0, 0, 0, 0), 5);
	expect_trap(i, "ci", 2, 1, 5, 0, CHIBI_TRAP_INDIRECT_MISMATCH);
	expect_trap(i, "ci", 2, 2, 5, 0, CHIBI_TRAP_UNINITIALIZED);
	expect_trap(i, "ci", 2, 3, 5, 0, CHIBI_TRAP_UNDEFINED_ELEMENT);
	expect_trap(i, "ci", 2, -1, 5, 0, CHIBI_TRAP_UNDEFINED_ELEMENT);
}

static chibi_func *reenter_target;

static enum chibi_trap h_add1(chibi_caller *c, void *env, uint64_t *slots)
{
	slots[0] = (uint32_t)slots[0] + 1;
	return CHIBI_TRAP_NONE;
}

static enum chibi_trap h_fail(chibi_caller *c, void *env, uint64_t *slots)
{
	return CHIBI_TRAP_HOST;
}

/* Calls back into wasm: result = wasm_double(arg) */
static enum chibi_trap h_reenter(chibi_caller *c, void *env, uint64_t *slots)
{
	chibi_val a = I32((int32_t)slots[0]), r;
	enum chibi_trap t = chibi_func_call(reenter_target, &a, 1, &r, 1, NULL);

	if (t != CHIBI_TRAP_NONE)
		return t;
	slots[0] = (uint32_t)r.of.i32;
	return CHIBI_TRAP_NONE;
}

/* Three results from one argument: the slot array has room for max(params, results). */
static enum chibi_trap h_spread(chibi_caller *c, void *env, uint64_t *slots)
{
	uint32_t x = (uint32_t)slots[0];

	slots[0] = x;
	slots[1] = x * 2;
	slots[2] = x * 3;
	return CHIBI_TRAP_NONE;
}

Test(interp, host_calls)
{
	chibi_instance *i;

	cr_assert_eq(chibi_linker_define_host(L, S, "h", "add1", "i:i", h_add1, NULL), CHIBI_OK);
	cr_assert_eq(chibi_linker_define_host(L, S, "h", "fail", ":", h_fail, NULL), CHIBI_OK);
	cr_assert_eq(chibi_linker_define_host(L, S, "h", "reenter", "i:i", h_reenter, NULL),
		     CHIBI_OK);
	cr_assert_eq(chibi_linker_define_host(L, S, "h", "spread", "i:iii", h_spread, NULL),
		     CHIBI_OK);
	i = load("(module\n"
		 " (import \"h\" \"add1\" (func $add1 (param i32) (result i32)))\n"
		 " (import \"h\" \"fail\" (func $fail))\n"
		 " (import \"h\" \"reenter\" (func $re (param i32) (result i32)))\n"
		 " (import \"h\" \"spread\" (func $spread (param i32) (result i32 i32 i32)))\n"
		 " (func (export \"loop\") (param $n i32) (result i32) (local $x i32)\n"
		 "   block loop local.get $n i32.eqz br_if 1\n"
		 "     local.get $x call $add1 local.set $x\n"
		 "     local.get $n i32.const 1 i32.sub local.set $n br 0 end end local.get $x)\n"
		 " (func (export \"fail\") i32.const 1 drop call $fail)\n"
		 " (func (export \"double\") (param i32) (result i32) local.get 0 i32.const 2 i32.mul)\n"
		 " (func (export \"re\") (param i32) (result i32) local.get 0 call $re i32.const 1 i32.add)\n"
		 " (func (export \"spread\") (param i32) (result i32)\n"
		 "   i32.const 1000 local.get 0 call $spread i32.add i32.add i32.add)\n"
		 ")");
	reenter_target = chibi_instance_func(i, "double");
	cr_assert_eq(call3(i, "loop", 1, 1000, 0, 0), 1000);
	cr_assert_eq(callv(i, "fail", NULL, 0, NULL, 0), CHIBI_TRAP_HOST);
	cr_assert_eq(last.func_index, 5, "host trap names the calling wasm function");
	cr_assert_eq(call3(i, "re", 1, 21, 0, 0), 43);
	cr_assert_eq(call3(i, "spread", 1, 7, 0, 0), 1000 + 7 * 6);
}

/* ---- memory ---- */

Test(interp, memory_bounds_and_grow)
{
	chibi_instance *i = load(
		"(module (memory 1 3)\n"
		" (func (export \"st\") (param i32 i32) local.get 0 local.get 1 i32.store)\n"
		" (func (export \"ld\") (param i32) (result i32) local.get 0 i32.load)\n"
		" (func (export \"ld8s\") (param i32) (result i32) local.get 0 i32.load8_s offset=1)\n"
		" (func (export \"ld_far\") (param i32) (result i32) local.get 0 i32.load offset=0xffffffff)\n"
		" (func (export \"ld64\") (param i32) (result i64) local.get 0 i64.load32_s)\n"
		" (func (export \"grow\") (param i32) (result i32) local.get 0 memory.grow)\n"
		" (func (export \"size\") (result i32) memory.size)\n"
		")");

	call3(i, "st", 2, 65532, -2, 0);
	cr_assert_eq(call3(i, "ld", 1, 65532, 0, 0), -2);
	cr_assert_eq(call3(i, "ld64", 1, 65532, 0, 0), -2);
	cr_assert_eq(call3(i, "ld8s", 1, 65532, 0, 0), -1);
	expect_trap(i, "st", 2, 65533, 0, 0, CHIBI_TRAP_MEMORY_OOB);
	expect_trap(i, "ld", 1, -1, 0, 0, CHIBI_TRAP_MEMORY_OOB);
	expect_trap(i, "ld_far", 1, 1, 0, 0, CHIBI_TRAP_MEMORY_OOB); /* no 32-bit wrap-around */
	cr_assert_eq(call3(i, "grow", 1, 1, 0, 0), 1);
	cr_assert_eq(call3(i, "size", 0, 0, 0, 0), 2);
	call3(i, "st", 2, 65536 * 2 - 4, 77, 0);
	cr_assert_eq(call3(i, "ld", 1, 65536 * 2 - 4, 0, 0), 77);
	cr_assert_eq(call3(i, "grow", 1, 2, 0, 0), -1, "past the maximum");
	cr_assert_eq(call3(i, "grow", 1, 0, 0, 0), 2);
}

Test(interp, bulk_memory_rules)
{
	chibi_instance *i = load(
		"(module (memory 1)\n"
		" (data $d \"hello\")\n"
		" (data (i32.const 100) \"ab\")\n"
		" (func (export \"init\") (param i32 i32 i32) local.get 0 local.get 1 local.get 2 memory.init $d)\n"
		" (func (export \"init_active\") (param i32) i32.const 0 i32.const 0 local.get 0 memory.init 1)\n"
		" (func (export \"drop\") data.drop $d)\n"
		" (func (export \"copy\") (param i32 i32 i32) local.get 0 local.get 1 local.get 2 memory.copy)\n"
		" (func (export \"fill\") (param i32 i32 i32) local.get 0 local.get 1 local.get 2 memory.fill)\n"
		" (func (export \"ld8\") (param i32) (result i32) local.get 0 i32.load8_u)\n"
		")");

	call3(i, "init", 3, 10, 1, 4);
	cr_assert_eq(call3(i, "ld8", 1, 10, 0, 0), 'e');
	cr_assert_eq(call3(i, "ld8", 1, 13, 0, 0), 'o');
	call3(i, "init", 3, 65536, 5, 0); /* zero length exactly at both ends: fine */
	expect_trap(i, "init", 3, 65537, 0, 0, CHIBI_TRAP_MEMORY_OOB);
	expect_trap(i, "init", 3, 0, 6, 0, CHIBI_TRAP_MEMORY_OOB);
	call3(i, "init_active", 1, 0, 0, 0); /* active segments are dropped after instantiation */
	expect_trap(i, "init_active", 1, 1, 0, 0, CHIBI_TRAP_MEMORY_OOB);
	call3(i, "drop", 0, 0, 0, 0);
	call3(i, "init", 3, 0, 0, 0);
	expect_trap(i, "init", 3, 0, 0, 1, CHIBI_TRAP_MEMORY_OOB);
	/* Overlapping copy behaves like memmove. */
	call3(i, "copy", 3, 11, 10, 4);
	cr_assert_eq(call3(i, "ld8", 1, 11, 0, 0), 'e');
	cr_assert_eq(call3(i, "ld8", 1, 14, 0, 0), 'o');
	call3(i, "copy", 3, 65536, 0, 0);
	expect_trap(i, "copy", 3, 65535, 0, 2, CHIBI_TRAP_MEMORY_OOB);
	expect_trap(i, "copy", 3, 0, 65535, 2, CHIBI_TRAP_MEMORY_OOB);
	call3(i, "fill", 3, 200, 0x1ff, 3);
	cr_assert_eq(call3(i, "ld8", 1, 202, 0, 0), 0xff);
	cr_assert_eq(call3(i, "ld8", 1, 203, 0, 0), 0);
	call3(i, "fill", 3, 65536, 1, 0);
	expect_trap(i, "fill", 3, 65537, 1, 0, CHIBI_TRAP_MEMORY_OOB);
}

Test(interp, tables)
{
	chibi_instance *i = load(
		"(module\n"
		" (table $t 2 10 funcref)\n"
		" (table $e 1 externref)\n"
		" (elem $seg func $a $b)\n"
		" (func $a (result i32) i32.const 1)\n"
		" (func $b (result i32) i32.const 2)\n"
		" (func (export \"init\") (param i32 i32 i32) local.get 0 local.get 1 local.get 2 table.init $t $seg)\n"
		" (func (export \"drop\") elem.drop $seg)\n"
		" (func (export \"call\") (param i32) (result i32) local.get 0 call_indirect $t (result i32))\n"
		" (func (export \"size\") (result i32) table.size $t)\n"
		" (func (export \"grow\") (param i32) (result i32) ref.func $b local.get 0 table.grow $t)\n"
		" (func (export \"fill\") (param i32 i32) local.get 0 ref.null func local.get 1 table.fill $t)\n"
		" (func (export \"copy\") (param i32 i32 i32) local.get 0 local.get 1 local.get 2 table.copy $t $t)\n"
		" (func (export \"isnull\") (param i32) (result i32) local.get 0 table.get $t ref.is_null)\n"
		" (func (export \"set\") (param i32) local.get 0 ref.func $a table.set $t)\n"
		" (func (export \"ext\") (result i32) i32.const 0 table.get $e ref.is_null)\n"
		")");

	cr_assert_eq(call3(i, "isnull", 1, 0, 0, 0), 1);
	call3(i, "init", 3, 0, 0, 2);
	cr_assert_eq(call3(i, "call", 1, 1, 0, 0), 2);
	expect_trap(i, "init", 3, 1, 0, 2, CHIBI_TRAP_TABLE_OOB);
	call3(i, "init", 3, 2, 2, 0); /* zero length at the ends */
	expect_trap(i, "init", 3, 3, 0, 0, CHIBI_TRAP_TABLE_OOB);
	call3(i, "drop", 0, 0, 0, 0);
	call3(i, "init", 3, 0, 0, 0);
	expect_trap(i, "init", 3, 0, 0, 1, CHIBI_TRAP_TABLE_OOB);
	cr_assert_eq(call3(i, "grow", 1, 3, 0, 0), 2);
	cr_assert_eq(call3(i, "size", 0, 0, 0, 0), 5);
	cr_assert_eq(call3(i, "call", 1, 4, 0, 0), 2);
	cr_assert_eq(call3(i, "grow", 1, 6, 0, 0), -1);
	call3(i, "copy", 3, 0, 3, 2);
	cr_assert_eq(call3(i, "call", 1, 0, 0, 0), 2);
	call3(i, "fill", 2, 1, 4, 0);
	cr_assert_eq(call3(i, "isnull", 1, 4, 0, 0), 1);
	expect_trap(i, "fill", 2, 4, 2, 0, CHIBI_TRAP_TABLE_OOB);
	expect_trap(i, "isnull", 1, 5, 0, 0, CHIBI_TRAP_TABLE_OOB);
	call3(i, "set", 1, 2, 0, 0);
	cr_assert_eq(call3(i, "call", 1, 2, 0, 0), 1);
	expect_trap(i, "call", 1, 3, 0, 0, CHIBI_TRAP_UNINITIALIZED);
	cr_assert_eq(call3(i, "ext", 0, 0, 0, 0), 1);
}

/* ---- sharing between instances ---- */

Test(interp, shared_memory_and_globals)
{
	chibi_instance *a = load(
		"(module (memory (export \"mem\") 1 4)\n"
		" (global (export \"g\") (mut i32) (i32.const 5))\n"
		" (global (export \"k\") i32 (i32.const 11))\n"
		" (func (export \"ld\") (param i32) (result i32) local.get 0 i32.load)\n"
		" (func (export \"size\") (result i32) memory.size)\n"
		" (func (export \"gsum\") (result i32) global.get 0 global.get 1 i32.add))");
	chibi_instance *b;

	cr_assert_eq(chibi_linker_define_instance(L, "a", a), CHIBI_OK);
	b = load("(module (import \"a\" \"mem\" (memory 1))\n"
		 " (import \"a\" \"g\" (global $g (mut i32)))\n"
		 " (import \"a\" \"ld\" (func $ld (param i32) (result i32)))\n"
		 " (func (export \"grow_store\") (result i32)\n"
		 "   i32.const 1 memory.grow drop\n"
		 "   i32.const 70000 i32.const 1234 i32.store\n"
		 "   i32.const 70000 call $ld i32.const 70000 i32.load i32.add)\n"
		 " (func (export \"setg\") (param i32) local.get 0 global.set $g))");
	cr_assert_eq(call3(b, "grow_store", 0, 0, 0, 0), 2468, "callee sees the grown memory");
	cr_assert_eq(call3(a, "size", 0, 0, 0, 0), 2);
	cr_assert_eq(call3(a, "ld", 1, 70000, 0, 0), 1234);
	call3(b, "setg", 1, 100, 0, 0);
	cr_assert_eq(call3(a, "gsum", 0, 0, 0, 0), 111);
}

/* ---- limits ---- */

static const char *spin_wat =
	"(module (func (export \"spin\") loop br 0 end)\n"
	" (func (export \"count\") (param i32) (result i32)\n"
	"   loop local.get 0 i32.const 1 i32.sub local.tee 0 br_if 0 end local.get 0))";

Test(interp, interrupt)
{
	chibi_instance *i = load(spin_wat);

	chibi_store_interrupt(S);
	cr_assert_eq(callv(i, "spin", NULL, 0, NULL, 0), CHIBI_TRAP_INTERRUPTED);
	cr_assert_eq(call3(i, "count", 1, 10, 0, 0), 0, "the interrupt was consumed");
}

Test(interp, fuel)
{
	struct chibi_config cfg = { .mode = CHIBI_MODE_INTERP, .fuel = 1000 };
	chibi_store *s2 = chibi_store_new(&cfg);
	chibi_store *keep = S;
	chibi_instance *i;
	chibi_val a = I32(100), r;

	S = s2;
	i = load(spin_wat);
	cr_assert_eq(callv(i, "count", &a, 1, &r, 1), CHIBI_TRAP_NONE);
	cr_assert_lt(chibi_store_fuel(s2), 1000);
	cr_assert_eq(callv(i, "spin", NULL, 0, NULL, 0), CHIBI_TRAP_OUT_OF_FUEL);
	cr_assert_eq(chibi_store_fuel(s2), 0);
	S = keep;
	chibi_store_free(s2);
}

/* ---- translation shape (golden) ---- */

static char *listing(chibi_instance *inst, const char *name)
{
	chibi_func *f = chibi_instance_func(inst, name);
	char *buf = NULL;
	size_t len = 0;
	FILE *mf;

	cr_assert(f && f->interp_code, "%s not translated yet", name);
	mf = open_memstream(&buf, &len);
	interp_dump(f->interp_code, mf);
	fclose(mf);
	return buf;
}

Test(interp, fusion_shapes)
{
	chibi_instance *i = load(
		"(module\n"
		" (func (export \"add\") (param i32 i32) (result i32) (local i32)\n"
		"   local.get 0 local.get 1 i32.add local.set 2 local.get 2)\n"
		" (func (export \"loop\") (param i32) (result i32)\n"
		"   loop local.get 0 i32.const 1 i32.sub local.tee 0 i32.const 10 i32.gt_s br_if 0 end\n"
		"   local.get 0)\n"
		" (func (export \"latch\") (param i32) (result i32) (local i32)\n"
		"   loop local.get 1 i32.const 3 i32.add local.tee 1 local.get 0 i32.lt_s br_if 0 end\n"
		"   local.get 1)\n"
		" (func (export \"latch_swapped\") (param i32) (result i32) (local i32)\n"
		"   loop local.get 0 local.get 1 i32.const -1 i32.add local.tee 1 i32.lt_s br_if 0 end\n"
		"   local.get 1)\n"
		" (memory 1)\n"
		" (func (export \"mem\") (param i32) (result i32)\n"
		"   local.get 0 i32.const 7 i32.store8 offset=1\n"
		"   local.get 0 i32.const 1 i32.add i32.load8_u))");
	char *s;

	cr_assert_eq(call3(i, "add", 2, 2, 3, 0), 5);
	s = listing(i, "add");
	cr_assert(strstr(s, "I32_ADD 2 0 1\n"), "%s", s);
	cr_assert(strstr(s, "RET1_A 2 "), "%s", s); /* result still in acc */
	cr_assert(!strstr(s, "MOV"), "%s", s);
	free(s);
	cr_assert_eq(call3(i, "loop", 1, 20, 0, 0), 10);
	s = listing(i, "loop");
	/* sub 1 becomes add -1, fused with the compare into one polling latch instruction */
	cr_assert(strstr(s, "0: ADDBR_I32_GT_S_IL 0 0 -1 10 "), "%s", s);
	free(s);
	cr_assert_eq(call3(i, "latch", 1, 10, 0, 0), 12);
	s = listing(i, "latch");
	cr_assert(strstr(s, "ADDBR_I32_LT_S_L 1 1 3 0 "), "%s", s);
	free(s);
	cr_assert_eq(call3(i, "latch_swapped", 1, -5, 0, 0), -5); /* while n < --i */
	s = listing(i, "latch_swapped");
	cr_assert(strstr(s, "ADDBR_I32_GT_S_L 1 1 -1 0 "), "%s", s); /* i > n, i in acc */
	free(s);
	cr_assert_eq(call3(i, "mem", 1, 100, 0, 0), 7);
	s = listing(i, "mem");
	cr_assert(strstr(s, "I32_STORE8_K 0 7 1\n"), "%s", s);
	cr_assert(strstr(s, "I32_LOAD8_U_P "), "%s", s);
	free(s);
}

/* A 64-bit memory 0: each load and store is one instruction (an _X form: i64 address, the
 * check that the end does not carry), not MEMX + access + MEMX_END. */
Test(interp, memory64_access_is_one_instruction)
{
	chibi_instance *i = load(
		"(module (memory i64 1)\n"
		" (func (export \"m64\") (param i32) (result i32) (local i64)\n"
		"   local.get 0 i64.extend_i32_u local.set 1\n"
		"   local.get 1 i32.const 7 i32.store8 offset=1\n"
		"   local.get 1 i64.const 1 i64.add i32.load8_u))");
	char *s;

	cr_assert_eq(call3(i, "m64", 1, 100, 0, 0), 7);
	s = listing(i, "m64");
	cr_assert(strstr(s, "I32_STORE8_XKA 1 7 1\n"), "%s", s); /* the address in acc */
	cr_assert(strstr(s, "I32_LOAD8_U_XA "), "%s", s);
	cr_assert(!strstr(s, "MEMX"), "%s", s);
	free(s);
	expect_trap(i, "m64", 1, 65535, 0, 0, CHIBI_TRAP_MEMORY_OOB);
}

/* ref.as_non_null of a null constant: the constant's move to its slot comes before the
 * instruction, not between its opcode and its operand word (an AFL++ find: the executor
 * read the move's handler word as a slot number). */
Test(interp, ref_as_non_null_of_constant)
{
	/* (func (export "n") (param i32) (result i32)
	 *   local.get 0 ref.null func ref.as_non_null drop), in binary: Debian 12's wat2wasm
	 * cannot read ref.as_non_null */
	static const uint8_t wasm[] = {
		0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
		0x01, 0x06, 0x01, 0x60, 0x01, 0x7f, 0x01, 0x7f,         /* type (i32) -> i32 */
		0x03, 0x02, 0x01, 0x00,                                 /* func 0: type 0 */
		0x07, 0x05, 0x01, 0x01, 'n', 0x00, 0x00,                /* export "n" */
		0x0a, 0x0a, 0x01, 0x08, 0x00,
		0x20, 0x00, 0xd0, 0x70, 0xd4, 0x1a, 0x0b,
	};
	struct chibi_diag d = { 0 };
	chibi_module *m = NULL;
	chibi_instance *i = NULL;
	char *s;

	cr_assert_eq(chibi_module_new(wasm, sizeof(wasm), &m, &d), CHIBI_OK, "%s", d.msg);
	cr_assert_eq(chibi_instance_new(S, m, L, &i, &d, NULL), CHIBI_OK, "%s", d.msg);
	chibi_module_free(m);
	expect_trap(i, "n", 1, 3, 0, 0, CHIBI_TRAP_NULL_REF);
	s = listing(i, "n");
	cr_assert(!strstr(s, "???"), "%s", s);
	cr_assert(strstr(s, "REF_AS_NON_NULL 5\n"), "%s", s); /* hdr 1 + 3 + depth 1 */
	free(s);
}

/* The folded i32.add must wrap in 32 bits before the offset is added, as two instructions
 * would: (-1 + 2) mod 2^32 = 1. */
Test(interp, pre_add_wraps)
{
	chibi_instance *i = load(
		"(module (memory 1)\n"
		" (func (export \"wrap\") (param i32) (result i32) (local i32)\n"
		"   i32.const 0 i32.const 0x01020304 i32.store\n"
		"   local.get 0 i32.const 2 i32.add i32.load8_u)\n"
		" (func (export \"far\") (param i32) (result i32)\n"
		"   local.get 0 i32.const 2 i32.add i32.load8_u offset=0xfffe))");

	cr_assert_eq(call3(i, "wrap", 1, -1, 0, 0), 0x03);
	cr_assert_eq(call3(i, "far", 1, -1, 0, 0), 0, "address 1 + 0xfffe is the last byte");
	expect_trap(i, "far", 1, 0, 0, 0, CHIBI_TRAP_MEMORY_OOB);
}

/* ---- comparisons through every fused form, checked against num_<op> ---- */

/* num_<op>(a, b) for the COMPARE rows, from the same rows the interpreter is built from. */
static uint64_t num_compare(unsigned op, uint64_t a, uint64_t b)
{
	int t = 0;

	switch (op) {
#define NUMC(n) case OPC_##n: return num_##n(a, b, &t);
#define OP(n, pfx, code, imm, par, res, ml, cls, ty, rel, fl, feat, text) \
	OPCL_SWITCH(cls, OP_SKIP, NUMC, OP_SKIP, OP_SKIP, OP_SKIP, OP_SKIP, OP_SKIP, OP_SKIP)(n)
#include "opcodes.def"
#undef OP
#undef NUMC
	default:
		cr_assert_fail("%s is not a comparison", op_name(op));
		return 0;
	}
}

static chibi_val val_of(uint8_t vt, uint64_t bits)
{
	chibi_val v = { 0 };

	switch (vt) {
	case VT_I32: v.type = CHIBI_I32; v.of.i32 = (int32_t)(uint32_t)bits; break;
	case VT_I64: v.type = CHIBI_I64; v.of.i64 = (int64_t)bits; break;
	case VT_F32: v.type = CHIBI_F32; v.of.f32_bits = (uint32_t)bits; break;
	default: v.type = CHIBI_F64; v.of.f64_bits = bits; break;
	}
	return v;
}

/* "i32.lt_s" -> "BR_I32_LT_S": the interpreter's compare-and-branch instruction. */
static void br_name(unsigned op, char *out, size_t n)
{
	size_t k = (size_t)snprintf(out, n, "BR_");

	for (const char *p = op_name(op); *p && k + 1 < n; p++)
		out[k++] = *p == '.' ? '_' : (char)(*p >= 'a' && *p <= 'z' ? *p - 32 : *p);
	out[k] = 0;
}

/* Edge values of each type (as slot bits), NaN and both zeros for the floats. */
static size_t edge_values(uint8_t vt, uint64_t *out)
{
	static const uint64_t i32s[] = { 0x80000000u, 0xffffffffu, 0, 1, 7, 8, 0x7fffffffu };
	static const uint64_t i64s[] = { 0x8000000000000000ull, UINT64_MAX, 0, 1, 7, 8,
					 0x7fffffffffffffffull, 0xffffffff };
	static const float f32s[] = { -INFINITY, -1.0f, -0.0f, 0.0f, 7.0f, 8.0f, NAN };
	static const double f64s[] = { -INFINITY, -1.0, -0.0, 0.0, 7.0, 8.0, NAN };
	size_t n = 0;

	switch (vt) {
	case VT_I32: for (; n < 7; n++) out[n] = i32s[n]; break;
	case VT_I64: for (; n < 8; n++) out[n] = i64s[n]; break;
	case VT_F32: for (; n < 7; n++) { uint32_t u; memcpy(&u, &f32s[n], 4); out[n] = u; } break;
	default: for (; n < 7; n++) memcpy(&out[n], &f64s[n], 8); break;
	}
	return n;
}

/* The forms of one comparison `op` of type t: plain; as the condition of an if (the
 * translator branches around on the inverse); of a br_if; with a constant 7 on the left
 * (mirrored to the right) and on the right. */
static const char *const cmp_forms[] = { "plain", "if", "br", "kl", "kr" };

static chibi_module *compare_module(const char *t, const char *op)
{
	char wat[2048];

	snprintf(wat, sizeof(wat),
		 "(module\n"
		 " (func (export \"plain\") (param %1$s %1$s) (result i32)\n"
		 "   local.get 0 local.get 1 %2$s)\n"
		 " (func (export \"if\") (param %1$s %1$s) (result i32)\n"
		 "   local.get 0 local.get 1 %2$s\n"
		 "   if (result i32) i32.const 1 else i32.const 0 end)\n"
		 " (func (export \"br\") (param %1$s %1$s) (result i32)\n"
		 "   block local.get 0 local.get 1 %2$s br_if 0 i32.const 0 return end\n"
		 "   i32.const 1)\n"
		 " (func (export \"kl\") (param %1$s %1$s) (result i32)\n"
		 "   %1$s.const 7 local.get 1 %2$s\n"
		 "   if (result i32) i32.const 1 else i32.const 0 end)\n"
		 " (func (export \"kr\") (param %1$s %1$s) (result i32)\n"
		 "   local.get 0 %1$s.const 7 %2$s\n"
		 "   if (result i32) i32.const 1 else i32.const 0 end))",
		 t, op);
	return wat_module(wat);
}

/* Run every form of comparison op on every pair of edge values in both instances (the
 * interpreter's, the JIT's); returns the number of calls checked. */
static unsigned check_compare(uint16_t op, chibi_instance *const inst[2])
{
	uint8_t vt = op_info[op].type;
	uint64_t v[8], k7;
	size_t nv = edge_values(vt, v);
	unsigned n = 0;

	k7 = vt == VT_F32 ? 0x40e00000u : vt == VT_F64 ? 0x401c000000000000ull : 7; /* 7 */
	for (size_t i = 0; i < nv; i++)
		for (size_t j = 0; j < nv; j++)
			for (size_t f = 0; f < 5; f++) {
				uint64_t a = f == 3 ? k7 : v[i], b = f == 4 ? k7 : v[j];
				uint64_t want = num_compare(op, a, b);
				chibi_val args[2] = { val_of(vt, v[i]), val_of(vt, v[j]) };

				for (int e = 0; e < 2; e++) {
					chibi_func *fn = chibi_instance_func(inst[e], cmp_forms[f]);
					chibi_val r = { 0 };

					cr_assert_eq(chibi_func_call(fn, args, 2, &r, 1, &last), 0);
					cr_expect_eq((uint32_t)r.of.i32, want, "%s %s %s: %#llx, %#llx",
						     e ? "jit" : "interp", op_name(op),
						     cmp_forms[f], (unsigned long long)a,
						     (unsigned long long)b);
					n++;
				}
			}
	return n;
}

/*
 * Every comparison in every form, interpreter and JIT, must agree with num_<op> on edge
 * values, NaN included; integer comparisons must fuse with the branch (the op itself for
 * br_if, its inverse for if).  Catches a wrong relation, swapped or inverse in opcodes.def.
 */
Test(interp, comparisons_agree_in_every_form)
{
	static const struct chibi_config jit_cfg = { .mode = CHIBI_MODE_JIT };
	chibi_store *js = chibi_store_new(&jit_cfg);
	unsigned checked = 0, fused = 0;

	cr_assert(js);
	for (uint16_t op = 0; op < OPC_LIMIT; op++) {
		const struct opinfo *oi = &op_info[op];
		const char *t;
		chibi_instance *inst[2] = { NULL, NULL };
		struct chibi_diag d = { 0 };
		chibi_module *m;

		if (!op_name(op) || oi->cls != OPCL_COMPARE)
			continue;
		t = oi->type == VT_I32 ? "i32" : oi->type == VT_I64 ? "i64"
		  : oi->type == VT_F32 ? "f32" : "f64";
		m = compare_module(t, op_name(op));
		cr_assert(m, "%s", op_name(op));
		cr_assert_eq(chibi_instance_new(S, m, L, &inst[0], &d, NULL), 0, "%s", d.msg);
		cr_assert_eq(chibi_instance_new(js, m, L, &inst[1], &d, NULL), 0, "%s", d.msg);
		chibi_module_free(m);
		checked += check_compare(op, inst);
		if (op_is_int(op)) {
			char want[40], *s;

			br_name(op, want, sizeof(want));
			s = listing(inst[0], "br");
			cr_expect(strstr(s, want), "%s br_if: %s", op_name(op), s);
			free(s);
			br_name(op_inverse(op), want, sizeof(want));
			s = listing(inst[0], "if");
			cr_expect(strstr(s, want), "%s if: %s", op_name(op), s);
			free(s);
			fused++;
		}
	}
	chibi_store_free(js);
	cr_expect_eq(fused, 20, "every integer comparison fused");
	cr_expect_geq(checked, 32u * 49 * 5 * 2);
}

/* ---- running out of memory while translating ---- */

static bool fail_big(size_t size)
{
	return size >= 4096;
}

/*
 * The translator's out-of-memory path is a sticky flag, not a longjmp: when its output
 * buffer cannot grow the call traps (host trap, "out of memory translating"), nothing
 * leaks, and the next call translates again.  100 mutable global reads returned as 100
 * results emit about 4 words per byte of body, past the initial 3 words per byte, so the
 * buffer must grow; only allocations of 4 KiB or more fail (the growth is about 5 KiB).
 */
Test(interp, translation_out_of_memory)
{
	enum { N = 100 };
	char *wat = malloc(32 * N + 256);
	chibi_val res[N];
	chibi_instance *inst;
	size_t k = 0;
	enum chibi_trap t;

	cr_assert_not_null(wat);
	k += (size_t)sprintf(wat + k, "(module (global $g (mut i64) (i64.const 42))"
			     " (func (export \"many\") (result");
	for (int i = 0; i < N; i++)
		k += (size_t)sprintf(wat + k, " i64");
	k += (size_t)sprintf(wat + k, ")");
	for (int i = 0; i < N; i++)
		k += (size_t)sprintf(wat + k, " global.get $g");
	sprintf(wat + k, "))");
	inst = load(wat);
	alloc_set_fail_hook(fail_big);
	t = callv(inst, "many", NULL, 0, res, N);
	alloc_set_fail_hook(NULL);
	cr_expect_eq(t, CHIBI_TRAP_HOST, "got %s", chibi_trap_name(t));
	cr_expect(strstr(last.message, "out of memory") != NULL, "%s", last.message);
	t = callv(inst, "many", NULL, 0, res, N);
	cr_assert_eq(t, CHIBI_TRAP_NONE, "%s", chibi_trap_name(t));
	for (int i = 0; i < N; i++)
		cr_expect_eq(res[i].of.i64, 42);
	free(wat);
}

/* ---- every numeric row, plain and with constant operands, against num_<op> ---- */

/* num_<op>(a[, b]) for every numeric row (classes TEST to CONVERT); *trap as num_ sets it. */
static uint64_t num_eval(uint16_t op, uint64_t a, uint64_t b, int *trap)
{
	switch (op) {
#define NUMV1(n) case OPC_##n: return num_##n(a, trap);
#define NUMV2(n) case OPC_##n: return num_##n(a, b, trap);
#define OP(n, pfx, code, imm, par, res, ml, cls, ty, rel, fl, feat, text) \
	OPCL_SWITCH(cls, NUMV1, NUMV2, NUMV1, NUMV2, NUMV1, OP_SKIP, OP_SKIP, OP_SKIP)(n)
#include "opcodes.def"
#undef OP
#undef NUMV1
#undef NUMV2
	default:
		cr_assert_fail("%s is not numeric", op_name(op));
		return 0;
	}
}

static const char *type_name(uint8_t vt)
{
	return vt == VT_I32 ? "i32" : vt == VT_I64 ? "i64" : vt == VT_F32 ? "f32" : "f64";
}

/* Does the result r (bits of type vt) equal want?  Any NaN matches a NaN: the JIT's NaNs
 * come from the hardware, and Wasm leaves their payload open. */
static bool same_result(uint8_t vt, uint64_t r, uint64_t want)
{
	if (vt == VT_F32) {
		float x, y;
		uint32_t a = (uint32_t)r, b = (uint32_t)want;

		memcpy(&x, &a, 4);
		memcpy(&y, &b, 4);
		return a == b || (x != x && y != y);
	}
	if (vt == VT_F64) {
		double x, y;

		memcpy(&x, &r, 8);
		memcpy(&y, &want, 8);
		return r == want || (x != x && y != y);
	}
	return vt == VT_I32 ? (uint32_t)r == (uint32_t)want : r == want;
}

static uint64_t bits_of(const chibi_val *v)
{
	switch (v->type) {
	case CHIBI_I32: return (uint32_t)v->of.i32;
	case CHIBI_I64: return (uint64_t)v->of.i64;
	case CHIBI_F32: return v->of.f32_bits;
	default: return v->of.f64_bits;
	}
}

/*
 * Every numeric row of opcodes.def, in the interpreter and the JIT, with its operands in
 * locals, and with a constant 7 on the left and on the right (immediate forms, the
 * commutative swap, constant folding), on edge values: the result, or the trap, must be
 * num_<op>'s.  Catches a wrong class, type or commutative flag in a row, and a generated
 * handler or helper that is missing or miswired.
 */
Test(interp, numeric_rows_agree_with_num)
{
	static const struct chibi_config jit_cfg = { .mode = CHIBI_MODE_JIT };
	static const char *const forms[] = { "plain", "kl", "kr" };
	chibi_store *js = chibi_store_new(&jit_cfg);
	unsigned rows = 0, calls = 0;

	cr_assert(js);
	for (uint16_t op = 0; op < OPC_LIMIT; op++) {
		const struct opinfo *oi = &op_info[op];
		bool two = oi->params[0] && oi->params[1];
		uint8_t pt = oi->type, rt;
		const char *p, *r;
		chibi_instance *inst[2] = { NULL, NULL };
		struct chibi_diag d = { 0 };
		chibi_module *m;
		char wat[1024];
		uint64_t v[8], k7;
		size_t nv;

		if (!op_name(op) || !op_is_numeric(op))
			continue;
		rt = vt_from_letter(oi->results[0]);
		p = type_name(pt);
		r = type_name(rt);
		if (two)
			snprintf(wat, sizeof(wat),
				 "(module\n"
				 " (func (export \"plain\") (param %1$s %1$s) (result %2$s)\n"
				 "   local.get 0 local.get 1 %3$s)\n"
				 " (func (export \"kl\") (param %1$s %1$s) (result %2$s)\n"
				 "   %1$s.const 7 local.get 1 %3$s)\n"
				 " (func (export \"kr\") (param %1$s %1$s) (result %2$s)\n"
				 "   local.get 0 %1$s.const 7 %3$s))", p, r, op_name(op));
		else
			snprintf(wat, sizeof(wat),
				 "(module\n"
				 " (func (export \"plain\") (param %1$s %1$s) (result %2$s)\n"
				 "   local.get 0 %3$s)\n"
				 " (func (export \"kl\") (param %1$s %1$s) (result %2$s)\n"
				 "   %1$s.const 7 %3$s)\n"
				 " (func (export \"kr\") (param %1$s %1$s) (result %2$s)\n"
				 "   local.get 1 %3$s))", p, r, op_name(op));
		m = wat_module(wat);
		cr_assert(m, "%s", op_name(op));
		cr_assert_eq(chibi_instance_new(S, m, L, &inst[0], &d, NULL), 0, "%s", d.msg);
		cr_assert_eq(chibi_instance_new(js, m, L, &inst[1], &d, NULL), 0, "%s", d.msg);
		chibi_module_free(m);
		nv = edge_values(pt, v);
		k7 = pt == VT_F32 ? 0x40e00000u : pt == VT_F64 ? 0x401c000000000000ull : 7;
		for (size_t i = 0; i < nv; i++)
			for (size_t j = 0; j < nv; j++)
				for (size_t f = 0; f < 3; f++) {
					uint64_t a = f == 1 ? k7 : v[i];
					uint64_t b = f == 2 ? k7 : v[j];
					chibi_val args[2] = { val_of(pt, v[i]), val_of(pt, v[j]) };
					int want_trap = 0;
					uint64_t want;

					if (!two && f == 2)
						a = v[j]; /* "kr" of a unary row: its second parameter */
					want = num_eval(op, a, b, &want_trap);
					for (int e = 0; e < 2; e++) {
						chibi_func *fn = chibi_instance_func(inst[e], forms[f]);
						chibi_val res = { 0 };
						enum chibi_trap t;

						t = chibi_func_call(fn, args, 2, &res, 1, &last);
						calls++;
						cr_expect_eq((int)t, want_trap, "%s %s %s: %#llx, %#llx",
							     e ? "jit" : "interp", op_name(op), forms[f],
							     (unsigned long long)a, (unsigned long long)b);
						if (t == CHIBI_TRAP_NONE && !want_trap)
							cr_expect(same_result(rt, bits_of(&res), want),
								  "%s %s %s: %#llx, %#llx -> %#llx, want %#llx",
								  e ? "jit" : "interp", op_name(op), forms[f],
								  (unsigned long long)a, (unsigned long long)b,
								  (unsigned long long)bits_of(&res),
								  (unsigned long long)want);
					}
				}
		rows++;
	}
	chibi_store_free(js);
	cr_expect_eq(rows, 136, "every numeric row checked");
	cr_expect_gt(calls, 136u * 49 * 3 * 2 - 1);
}

/* v128 in the interpreter: two slots per value (a v128 parameter shifts the next local by
 * two), halves kept together (a v128 constant into a local is one V128_CONST, a pair moves
 * with MOV128, never two 64-bit moves), v128 through blocks, select, br_if and calls. */
Test(interp, v128_slots_and_pairs)
{
	chibi_instance *i = load(
		"(module\n"
		" (func $id (param v128) (result v128) local.get 0)\n"
		" (func (export \"f\") (param v128 i32) (result v128) (local v128)\n"
		"   v128.const i32x4 1 2 3 4 local.set 2\n"
		"   block (result v128)\n"
		"     local.get 0 local.get 2 i32x4.add\n"
		"     local.get 0 local.get 1 br_if 0\n"
		"     drop\n"
		"   end\n"
		"   local.get 2 local.get 1 select\n"
		"   call $id)\n"
		" (func (export \"lane\") (param v128 i32) (result i32)\n"
		"   local.get 0 local.get 1 i8x16.splat i8x16.add i32x4.extract_lane 3))");
	chibi_val a[2] = { { .type = CHIBI_V128 }, I32(0) }, r;
	uint32_t l[4] = { 10, 20, 30, 0x7f7f7f7f };
	char *s;

	memcpy(a[0].of.v128, l, 16);
	/* i32 0: no branch, the sum; select picks local 2 (cond 0) */
	cr_assert_eq(callv(i, "f", a, 2, &r, 1), CHIBI_TRAP_NONE);
	memcpy(l, r.of.v128, 16);
	cr_expect(l[0] == 1 && l[1] == 2 && l[2] == 3 && l[3] == 4, "%u %u %u %u", l[0], l[1],
		  l[2], l[3]);
	/* i32 1: the branch carries local 0, select keeps it */
	a[1] = I32(1);
	cr_assert_eq(callv(i, "f", a, 2, &r, 1), CHIBI_TRAP_NONE);
	memcpy(l, r.of.v128, 16);
	cr_expect(l[0] == 10 && l[3] == 0x7f7f7f7f, "%u %u", l[0], l[3]);
	s = listing(i, "f");
	cr_expect(strstr(s, "V128_CONST 3 "), "local 2 starts at slot 3: %s", s);
	cr_expect(!strstr(s, "CONST64") && !strstr(s, " MOV ") && !strstr(s, "MOV2"),
		  "no v128 moved or written in halves: %s", s);
	cr_expect(strstr(s, "SELECT128"), "%s", s);
	if (getenv("CHIBI_TEST_LISTING"))
		fputs(s, stderr);
	free(s);
	a[1] = I32(0x81);
	cr_assert_eq(callv(i, "lane", a, 2, &r, 1), CHIBI_TRAP_NONE);
	cr_expect_eq((uint32_t)r.of.i32, 0x00000000u, "0x7f + 0x81 wraps in every byte");
}
