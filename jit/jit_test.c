/* jit/jit_test.c - the JIT against the interpreter on a table of small programs (in the
 * manner of the kernel's lib/test_bpf.c), plus the run-time machinery: trap kinds and the
 * function they name, interrupts, fuel, stack exhaustion, re-entry from host functions,
 * lazy versus eager compilation, W^X code memory, and foreign faults staying crashes.
 *
 * Every table row runs in the interpreter, in the JIT with guard pages, in the JIT with
 * explicit bounds checks and in that with heap memories (no reservations); all four must
 * give the row's expected result or trap.
 */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "jit.h"
#include "../text/wat.h"
#include "../vm/alloc.h"
#include "../vm/test_wat.h"

struct row {
	const char *name;
	const char *wat;          /* module with an export "f" */
	int nargs;
	int64_t args[4];          /* i32/i64 arguments, by the export's parameter types */
	enum chibi_trap trap;     /* expected trap, or CHIBI_TRAP_NONE */
	int64_t result;           /* expected first result (i32 sign-extended) */
};

static const struct row rows[] = {
	{ "add", "(func (export \"f\") (param i32 i32) (result i32) local.get 0 local.get 1 i32.add)",
	  2, { 40, 2 }, 0, 42 },
	{ "div_zero", "(func (export \"f\") (param i32 i32) (result i32) local.get 0 local.get 1 i32.div_s)",
	  2, { 1, 0 }, CHIBI_TRAP_DIV_ZERO, 0 },
	{ "div_overflow", "(func (export \"f\") (param i32 i32) (result i32) local.get 0 local.get 1 i32.div_s)",
	  2, { INT32_MIN, -1 }, CHIBI_TRAP_INT_OVERFLOW, 0 },
	{ "rem_minus_one", "(func (export \"f\") (param i64 i64) (result i64) local.get 0 local.get 1 i64.rem_s)",
	  2, { INT64_MIN, -1 }, 0, 0 },
	{ "rem_u_const", "(func (export \"f\") (param i32) (result i32) local.get 0 i32.const 7 i32.rem_u)",
	  1, { 100 }, 0, 2 },
	{ "shift_by_local", "(func (export \"f\") (param i32 i32) (result i32) local.get 0 local.get 1 i32.shl)",
	  2, { 3, 33 }, 0, 6 },
	{ "rotl64", "(func (export \"f\") (param i64 i64) (result i64) local.get 0 local.get 1 i64.rotl)",
	  2, { (int64_t)0x8000000000000001ull, 4 }, 0, 0x18 },
	{ "trunc_nan", "(func (export \"f\") (result i32) f32.const nan i32.trunc_f32_s)",
	  0, { 0 }, CHIBI_TRAP_INVALID_CONVERSION, 0 },
	{ "trunc_overflow", "(func (export \"f\") (result i32) f64.const 2147483648 i32.trunc_f64_s)",
	  0, { 0 }, CHIBI_TRAP_INT_OVERFLOW, 0 },
	{ "trunc_int_min", "(func (export \"f\") (result i32) f64.const -2147483648.9 i32.trunc_f64_s)",
	  0, { 0 }, 0, INT32_MIN },
	{ "trunc_u_neg", "(func (export \"f\") (result i32) f32.const -0.75 i32.trunc_f32_u)",
	  0, { 0 }, 0, 0 },
	{ "unreachable", "(func (export \"f\") unreachable)", 0, { 0 }, CHIBI_TRAP_UNREACHABLE, 0 },
	{ "load_oob", "(memory 1) (func (export \"f\") (param i32) (result i32) local.get 0 i32.load offset=4)",
	  1, { 65532 }, CHIBI_TRAP_MEMORY_OOB, 0 },
	{ "load_oob_far", "(memory 1) (func (export \"f\") (param i32) (result i64) local.get 0 i64.load offset=4294967295)",
	  1, { -1 }, CHIBI_TRAP_MEMORY_OOB, 0 },
	{ "load_last", "(memory 1) (data (i32.const 65535) \"\\2a\") (func (export \"f\") (param i32) (result i32) local.get 0 i32.load8_u)",
	  1, { 65535 }, 0, 42 },
	{ "store_after_grow", "(memory 1) (func (export \"f\") (result i32) i32.const 1 memory.grow drop i32.const 70000 i32.const 7 i32.store i32.const 70000 i32.load)",
	  0, { 0 }, 0, 7 },
	{ "indirect_ok", "(type $t (func (result i32))) (table 2 funcref) (elem (i32.const 0) $g) (func $g (result i32) i32.const 9) (func (export \"f\") (param i32) (result i32) local.get 0 call_indirect (type $t))",
	  1, { 0 }, 0, 9 },
	{ "indirect_uninit", "(type $t (func (result i32))) (table 2 funcref) (elem (i32.const 0) $g) (func $g (result i32) i32.const 9) (func (export \"f\") (param i32) (result i32) local.get 0 call_indirect (type $t))",
	  1, { 1 }, CHIBI_TRAP_UNINITIALIZED, 0 },
	{ "indirect_undefined", "(type $t (func (result i32))) (table 2 funcref) (func (export \"f\") (param i32) (result i32) local.get 0 call_indirect (type $t))",
	  1, { 2 }, CHIBI_TRAP_UNDEFINED_ELEMENT, 0 },
	{ "indirect_mismatch", "(type $t (func (result i32))) (table 1 funcref) (elem (i32.const 0) $g) (func $g (result i64) i64.const 9) (func (export \"f\") (param i32) (result i32) local.get 0 call_indirect (type $t))",
	  1, { 0 }, CHIBI_TRAP_INDIRECT_MISMATCH, 0 },
	{ "table_oob", "(table 1 funcref) (func (export \"f\") (param i32) (result i32) local.get 0 table.get 0 ref.is_null)",
	  1, { 1 }, CHIBI_TRAP_TABLE_OOB, 0 },
	{ "recursion_exhausts", "(func $r (export \"f\") (param i32) (result i32) local.get 0 i32.const 1 i32.add call $r)",
	  1, { 0 }, CHIBI_TRAP_STACK_EXHAUSTED, 0 },
	{ "many_args", "(func $g (param i32 i64 i32 i64 i32 i64 i32 i64) (result i64) local.get 7 local.get 0 i64.extend_i32_u i64.add) (func (export \"f\") (result i64) i32.const 1 i64.const 2 i32.const 3 i64.const 4 i32.const 5 i64.const 6 i32.const 7 i64.const 35 call $g)",
	  0, { 0 }, 0, 36 },
	{ "multi_value", "(func $g (param i32) (result i32 i32 i32) local.get 0 local.get 0 i32.const 1 i32.add local.get 0 i32.const 2 i32.add) (func (export \"f\") (result i32) i32.const 10 call $g i32.mul i32.mul)",
	  0, { 0 }, 0, 1320 },
	{ "br_table_values", "(func (export \"f\") (param i32) (result i32) (block (result i32) (block (result i32) i32.const 5 local.get 0 br_table 0 1 1) i32.const 100 i32.add))",
	  1, { 0 }, 0, 105 },
	{ "if_params", "(type $t (func (param i32) (result i32))) (func (export \"f\") (param i32) (result i32) i32.const 7 local.get 0 if (type $t) i32.const 1 i32.add else i32.const 2 i32.mul end)",
	  1, { 0 }, 0, 14 },
	/* regression (fuzz-diff): i32.wrap_i64 in place left the upper half, which addresses
	 * and unsigned conversions then saw */
	{ "wrap_then_address", "(memory 1) (global $g (mut i64) (i64.const 0x100000004)) (func (export \"f\") (result i32) global.get $g i32.wrap_i64 i32.load16_u)",
	  0, { 0 }, 0, 0 },
	{ "wrap_then_convert", "(global $g (mut i64) (i64.const 0xffffffff00000001)) (func (export \"f\") (result i32) global.get $g i32.wrap_i64 f64.convert_i32_u i32.trunc_f64_u)",
	  0, { 0 }, 0, 1 },
	/* memory 0 with i64 addresses: the back ends' own bounds check (guard mode: addr < size
	 * and the reservation for the offset; explicit: addr + offset + size without wrap) */
#define M64 "(memory i64 1) (data (i64.const 65535) \"\\2a\") "
	{ "m64_load_last", M64 "(func (export \"f\") (param i64) (result i32) local.get 0 i32.load8_u)",
	  1, { 65535 }, 0, 42 },
	{ "m64_load_past_end", M64 "(func (export \"f\") (param i64) (result i32) local.get 0 i32.load16_u)",
	  1, { 65535 }, CHIBI_TRAP_MEMORY_OOB, 0 },
	{ "m64_offset_to_last", M64 "(func (export \"f\") (param i64) (result i32) local.get 0 i32.load8_u offset=65535)",
	  1, { 0 }, 0, 42 },
	{ "m64_offset_past_end", M64 "(func (export \"f\") (param i64) (result i32) local.get 0 i32.load offset=65532)",
	  1, { 1 }, CHIBI_TRAP_MEMORY_OOB, 0 },
	{ "m64_addr_2_64_minus_1", M64 "(func (export \"f\") (param i64) (result i32) local.get 0 i32.load8_u)",
	  1, { -1 }, CHIBI_TRAP_MEMORY_OOB, 0 },
	/* addr + offset wraps to 0: in bounds only for an engine that forgot the carry */
	{ "m64_addr_plus_offset_wraps", M64 "(func (export \"f\") (param i64) (result i32) local.get 0 i32.load offset=4)",
	  1, { -4 }, CHIBI_TRAP_MEMORY_OOB, 0 },
	{ "m64_addr_plus_size_wraps", M64 "(func (export \"f\") (param i64) (result i64) local.get 0 i64.load)",
	  1, { -2 }, CHIBI_TRAP_MEMORY_OOB, 0 },
	{ "m64_addr_4_gib", M64 "(func (export \"f\") (param i64) (result i32) local.get 0 i32.load8_u)",
	  1, { 0x100000000 }, CHIBI_TRAP_MEMORY_OOB, 0 },
	{ "m64_offset_max", M64 "(func (export \"f\") (param i64) (result i32) local.get 0 i32.load8_u offset=18446744073709551615)",
	  1, { 0 }, CHIBI_TRAP_MEMORY_OOB, 0 },
	{ "m64_offset_4_gib_minus_1", M64 "(func (export \"f\") (param i64) (result i32) local.get 0 i32.load8_u offset=4294967295)",
	  1, { 0 }, CHIBI_TRAP_MEMORY_OOB, 0 },
	{ "m64_offset_past_int32", M64 "(func (export \"f\") (param i64) (result i32) local.get 0 i32.load offset=2147483648)",
	  1, { 0 }, CHIBI_TRAP_MEMORY_OOB, 0 },
	{ "m64_const_last", M64 "(func (export \"f\") (result i32) i64.const 65535 i32.load8_u)",
	  0, { 0 }, 0, 42 },
	{ "m64_const_past_end", M64 "(func (export \"f\") (result i32) i64.const 65536 i32.load8_u)",
	  0, { 0 }, CHIBI_TRAP_MEMORY_OOB, 0 },
	{ "m64_const_2_gib", M64 "(func (export \"f\") (result i32) i64.const 0x80000000 i32.load8_u)",
	  0, { 0 }, CHIBI_TRAP_MEMORY_OOB, 0 },
	{ "m64_const_near_2_64", M64 "(func (export \"f\") (result i32) i64.const -4 i32.load offset=4)",
	  0, { 0 }, CHIBI_TRAP_MEMORY_OOB, 0 },
	{ "m64_store_after_grow", M64 "(func (export \"f\") (param i64) (result i32) i64.const 1 memory.grow drop local.get 0 i32.const 7 i32.store offset=4 local.get 0 i32.load offset=4)",
	  1, { 131068 - 4 }, 0, 7 },
	{ "m64_store_before_grow", M64 "(func (export \"f\") (param i64) (result i32) local.get 0 i32.const 7 i32.store offset=4 i32.const 0)",
	  1, { 65536 }, CHIBI_TRAP_MEMORY_OOB, 0 },
	{ "m64_past_grown_end", M64 "(func (export \"f\") (param i64) (result i32) i64.const 1 memory.grow drop local.get 0 i32.load8_u)",
	  1, { 131072 }, CHIBI_TRAP_MEMORY_OOB, 0 },
	/* the size a callee's grow left, seen by the caller after the call */
	{ "m64_grow_in_callee", M64 "(func $g (result i64) i64.const 2 memory.grow) (func (export \"f\") (param i64) (result i32) local.get 0 i32.const 9 i32.store8 call $g drop local.get 0 i32.const 9 i32.store8 offset=131072 local.get 0 i32.load8_u offset=131072)",
	  1, { 65535 }, 0, 9 },
	/* the interpreter's forms with the address or the value from its accumulator */
	{ "m64_acc_address", M64 "(func (export \"f\") (param i64) (result i32) local.get 0 i64.const 65534 i64.add i32.load8_u offset=1)",
	  1, { 0 }, 0, 42 },
	{ "m64_acc_address_wraps", M64 "(func (export \"f\") (param i64) (result i32) local.get 0 i64.const -8 i64.add i32.load offset=8)",
	  1, { 0 }, CHIBI_TRAP_MEMORY_OOB, 0 },
	{ "m64_acc_store_wraps", M64 "(func (export \"f\") (param i64) (result i32) local.get 0 i64.const -8 i64.add i32.const 5 i32.store offset=8 i32.const 0)",
	  1, { 0 }, CHIBI_TRAP_MEMORY_OOB, 0 },
	{ "m64_acc_value", M64 "(func (export \"f\") (param i64) (result i64) local.get 0 local.get 0 i64.const 3 i64.mul i64.store offset=8 local.get 0 i64.load offset=8)",
	  1, { 65520 }, 0, 65520 * 3 },
	/* a 64-bit memory 1 (the instance path; guard mode: addr < size, then the guard) */
#define M64B "(memory 1) (memory $b i64 1) (data (memory $b) (i64.const 65535) \"\\2a\") "
	{ "m64b_load_last", M64B "(func (export \"f\") (param i64) (result i32) local.get 0 i32.load8_u $b offset=1)",
	  1, { 65534 }, 0, 42 },
	{ "m64b_load_past_end", M64B "(func (export \"f\") (param i64) (result i32) local.get 0 i32.load16_u $b)",
	  1, { 65535 }, CHIBI_TRAP_MEMORY_OOB, 0 },
	{ "m64b_addr_plus_offset_wraps", M64B "(func (export \"f\") (param i64) (result i32) local.get 0 i32.load $b offset=4)",
	  1, { -4 }, CHIBI_TRAP_MEMORY_OOB, 0 },
	{ "m64b_offset_past_int32", M64B "(func (export \"f\") (param i64) (result i32) local.get 0 i32.load $b offset=2147483648)",
	  1, { 0 }, CHIBI_TRAP_MEMORY_OOB, 0 },
	{ "m64b_offset_max", M64B "(func (export \"f\") (param i64) (result i32) local.get 0 i32.load8_u $b offset=18446744073709551615)",
	  1, { 0 }, CHIBI_TRAP_MEMORY_OOB, 0 },
	{ "m64b_store_after_grow", M64B "(func (export \"f\") (param i64) (result i32) i64.const 1 memory.grow $b drop local.get 0 i32.const 7 i32.store $b local.get 0 i32.load $b)",
	  1, { 131068 }, 0, 7 },
	{ "m64_simd_last", M64 "(func (export \"f\") (param i64) (result i32) local.get 0 v128.load i8x16.extract_lane_u 15)",
	  1, { 65520 }, 0, 42 },
	{ "m64_simd_past_end", M64 "(func (export \"f\") (param i64) (result i32) local.get 0 v128.load offset=1 i8x16.extract_lane_u 15)",
	  1, { 65520 }, CHIBI_TRAP_MEMORY_OOB, 0 },
	{ "loop_sum", "(func (export \"f\") (param i32) (result i64) (local i64) (loop local.get 1 local.get 0 i64.extend_i32_u i64.add local.set 1 local.get 0 i32.const 1 i32.sub local.tee 0 br_if 0) local.get 1)",
	  1, { 100 }, 0, 5050 },
};

#define NROWS (sizeof(rows) / sizeof(rows[0]))

/* Run row r once in `mode`; returns the trap, with the first result in *out. */
static enum chibi_trap run_row(const struct row *r, enum chibi_exec_mode mode, int64_t *out)
{
	char src[2048];
	struct chibi_config cfg = { .mode = mode };
	chibi_module *m;
	chibi_store *s;
	chibi_instance *inst = NULL;
	chibi_func *f;
	chibi_val args[4], res[4] = { 0 };
	enum chibi_trap t;
	uint8_t *bin = NULL;
	size_t len = 0;
	struct wat_error err;

	/* chibi's own text reader: wabt 1.0.32 refuses 64-bit offsets */
	snprintf(src, sizeof(src), "(module %s)", r->wat);
	cr_assert(wat_to_binary(src, strlen(src), &bin, &len, &err), "%s: %u:%u: %s", r->name,
		  err.line, err.col, err.msg);
	cr_assert_eq(chibi_module_new(bin, len, &m, NULL), CHIBI_OK, "%s: module", r->name);
	vm_free(bin);
	s = chibi_store_new(&cfg);
	cr_assert_eq(chibi_instance_new(s, m, NULL, &inst, NULL, NULL), CHIBI_OK, "%s", r->name);
	f = chibi_instance_func(inst, "f");
	for (int i = 0; i < r->nargs; i++) {
		args[i].type = (uint8_t)chibi_func_param_type(f, (uint32_t)i);
		if (args[i].type == CHIBI_I32)
			args[i].of.i32 = (int32_t)r->args[i];
		else
			args[i].of.i64 = r->args[i];
	}
	t = chibi_func_call(f, args, (size_t)r->nargs, res, 4, NULL);
	*out = res[0].type == CHIBI_I32 ? res[0].of.i32 : res[0].of.i64;
	chibi_store_free(s);
	chibi_module_free(m);
	return t;
}

Test(jit, table_of_programs_in_every_mode)
{
	for (size_t i = 0; i < NROWS; i++) {
		const struct row *r = &rows[i];

		for (int v = 0; v < 4; v++) {
			int64_t got = 0;
			enum chibi_trap t;

			if (v >= 2)
				setenv("CHIBI_JIT_BOUNDS", "explicit", 1);
			if (v == 3) /* and heap memories, exactly their size */
				setenv("CHIBI_NO_RESERVE", "1", 1);
			t = run_row(r, v == 0 ? CHIBI_MODE_INTERP : CHIBI_MODE_JIT, &got);
			unsetenv("CHIBI_JIT_BOUNDS");
			unsetenv("CHIBI_NO_RESERVE");
			cr_expect_eq(t, r->trap, "%s (variant %d): trap %s, want %s", r->name, v,
				     chibi_trap_name(t), chibi_trap_name(r->trap));
			if (t == CHIBI_TRAP_NONE && r->trap == CHIBI_TRAP_NONE)
				cr_expect_eq(got, r->result, "%s (variant %d): %lld, want %lld",
					     r->name, v, (long long)got, (long long)r->result);
		}
	}
}

/* A module with two named functions; the second one divides by zero. */
static const char *named_src =
	"(module (func $outer (export \"f\") (param i32) (result i32) local.get 0 call $inner)"
	"  (func $inner (param i32) (result i32) i32.const 1 local.get 0 i32.div_u))";

Test(jit, trap_names_the_function)
{
	struct chibi_config cfg = { .mode = CHIBI_MODE_JIT };
	chibi_module *m = wat_module(named_src);
	chibi_store *s = chibi_store_new(&cfg);
	chibi_instance *inst = NULL;
	struct chibi_trap_info info;
	chibi_val a = { .type = CHIBI_I32, .of.i32 = 0 }, r;

	cr_assert_eq(chibi_instance_new(s, m, NULL, &inst, NULL, NULL), CHIBI_OK);
	cr_expect_eq(chibi_func_call(chibi_instance_func(inst, "f"), &a, 1, &r, 1, &info),
		     CHIBI_TRAP_DIV_ZERO);
	cr_expect_eq(info.func_index, 1);
	cr_expect_str_eq(info.func_name ? info.func_name : "", "inner");
	chibi_store_free(s);
	chibi_module_free(m);
}

static enum chibi_trap h_interrupt(chibi_caller *c, void *env, uint64_t *slots)
{
	(void)c;
	(void)slots;
	chibi_store_interrupt(env);
	return CHIBI_TRAP_NONE;
}

Test(jit, interrupt_stops_a_loop)
{
	struct chibi_config cfg = { .mode = CHIBI_MODE_JIT };
	chibi_module *m = wat_module("(module (import \"h\" \"i\" (func $i))"
				     " (func (export \"f\") call $i (loop br 0)))");
	chibi_store *s = chibi_store_new(&cfg);
	chibi_linker *l = chibi_linker_new();
	chibi_instance *inst = NULL;

	chibi_linker_define_host(l, s, "h", "i", ":", h_interrupt, s);
	cr_assert_eq(chibi_instance_new(s, m, l, &inst, NULL, NULL), CHIBI_OK);
	cr_expect_eq(chibi_func_call(chibi_instance_func(inst, "f"), NULL, 0, NULL, 0, NULL),
		     CHIBI_TRAP_INTERRUPTED);
	chibi_linker_free(l);
	chibi_store_free(s);
	chibi_module_free(m);
}

Test(jit, fuel_runs_out)
{
	struct chibi_config cfg = { .mode = CHIBI_MODE_JIT, .fuel = 1000 };
	chibi_module *m = wat_module("(module (func (export \"f\") (loop br 0)))");
	chibi_store *s = chibi_store_new(&cfg);
	chibi_instance *inst = NULL;

	cr_assert_eq(chibi_instance_new(s, m, NULL, &inst, NULL, NULL), CHIBI_OK);
	cr_expect_eq(chibi_func_call(chibi_instance_func(inst, "f"), NULL, 0, NULL, 0, NULL),
		     CHIBI_TRAP_OUT_OF_FUEL);
	cr_expect_eq(chibi_store_fuel(s), 0);
	chibi_store_free(s);
	chibi_module_free(m);
}

/* Host function that calls back into wasm (the export "g") and adds one. */
static enum chibi_trap h_reenter(chibi_caller *c, void *env, uint64_t *slots)
{
	chibi_func *g = chibi_instance_func(chibi_caller_instance(c), "g");
	chibi_val a = { .type = CHIBI_I32, .of.i32 = (int32_t)slots[0] }, r;

	(void)env;
	if (chibi_func_call(g, &a, 1, &r, 1, NULL) != CHIBI_TRAP_NONE)
		return CHIBI_TRAP_HOST;
	slots[0] = (uint32_t)(r.of.i32 + 1);
	return CHIBI_TRAP_NONE;
}

Test(jit, host_reenters_jit_code)
{
	struct chibi_config cfg = { .mode = CHIBI_MODE_JIT };
	chibi_module *m = wat_module(
		"(module (import \"h\" \"r\" (func $r (param i32) (result i32)))"
		" (func (export \"g\") (param i32) (result i32) local.get 0 i32.const 2 i32.mul)"
		" (func (export \"f\") (param i32) (result i32) local.get 0 call $r i32.const 1000 i32.add))");
	chibi_store *s = chibi_store_new(&cfg);
	chibi_linker *l = chibi_linker_new();
	chibi_instance *inst = NULL;
	chibi_val a = { .type = CHIBI_I32, .of.i32 = 20 }, r;

	chibi_linker_define_host(l, s, "h", "r", "i:i", h_reenter, NULL);
	cr_assert_eq(chibi_instance_new(s, m, l, &inst, NULL, NULL), CHIBI_OK);
	cr_expect_eq(chibi_func_call(chibi_instance_func(inst, "f"), &a, 1, &r, 1, NULL),
		     CHIBI_TRAP_NONE);
	cr_expect_eq(r.of.i32, 1041);
	chibi_linker_free(l);
	chibi_store_free(s);
	chibi_module_free(m);
}

Test(jit, lazy_compiles_on_first_call_eager_compiles_all)
{
	struct chibi_config cfg = { .mode = CHIBI_MODE_JIT };
	const char *src = "(module (func (export \"f\")) (func (export \"g\")) (func (export \"h\")))";
	struct engine_stats st;

	for (int eager = 0; eager < 2; eager++) {
		chibi_module *m = wat_module(src);
		chibi_store *s;
		chibi_instance *inst = NULL;

		if (eager)
			setenv("CHIBI_JIT_EAGER", "1", 1);
		s = chibi_store_new(&cfg);
		cr_assert_eq(chibi_instance_new(s, m, NULL, &inst, NULL, NULL), CHIBI_OK);
		chibi_func_call(chibi_instance_func(inst, "f"), NULL, 0, NULL, 0, NULL);
		engine_jit->stats(s, &st);
		cr_expect_eq(st.compiled, eager ? 3u : 1u);
		cr_expect_eq(st.fallbacks, 0u);
		unsetenv("CHIBI_JIT_EAGER");
		chibi_store_free(s);
		chibi_module_free(m);
	}
}

/* No mapping of the process is writable and executable at once. */
Test(jit, code_is_never_writable_and_executable)
{
	struct chibi_config cfg = { .mode = CHIBI_MODE_JIT };
	chibi_module *m = wat_module("(module (func (export \"f\") (result i32) i32.const 1))");
	chibi_store *s = chibi_store_new(&cfg);
	chibi_instance *inst = NULL;
	chibi_val r;
	char line[512];
	FILE *maps;

	cr_assert_eq(chibi_instance_new(s, m, NULL, &inst, NULL, NULL), CHIBI_OK);
	cr_assert_eq(chibi_func_call(chibi_instance_func(inst, "f"), NULL, 0, &r, 1, NULL), 0);
	maps = fopen("/proc/self/maps", "r");
	cr_assert_not_null(maps);
	while (fgets(line, sizeof(line), maps)) {
		char perms[8] = "";

		sscanf(line, "%*s %7s", perms);
		cr_expect(!(perms[1] == 'w' && perms[2] == 'x'), "W+X mapping: %s", line);
	}
	fclose(maps);
	chibi_store_free(s);
	chibi_module_free(m);
}

/* After the JIT's handler is installed, a fault outside JIT code is still a crash: the
 * default action (SIGSEGV), or, under ASan, ASan's own handler, which reports and exits. */
#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define CHIBI_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) || defined(CHIBI_ASAN)
#define FOREIGN_FAULT_ENDS .exit_code = 1
#else
#define FOREIGN_FAULT_ENDS .signal = SIGSEGV
#endif
Test(jit, foreign_fault_stays_a_crash, FOREIGN_FAULT_ENDS)
{
	struct chibi_config cfg = { .mode = CHIBI_MODE_JIT };
	chibi_module *m = wat_module("(module (memory 1) (func (export \"f\") (result i32) i32.const 70000 i32.load))");
	chibi_store *s = chibi_store_new(&cfg);
	chibi_instance *inst = NULL;
	chibi_val r;

	cr_assert_eq(chibi_instance_new(s, m, NULL, &inst, NULL, NULL), CHIBI_OK);
	cr_assert_eq(chibi_func_call(chibi_instance_func(inst, "f"), NULL, 0, &r, 1, NULL),
		     CHIBI_TRAP_MEMORY_OOB);
	{
		volatile int *p = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		cr_assert_neq((void *)p, MAP_FAILED);
		*p = 1; /* not JIT code: must kill the test with SIGSEGV */
	}
}

/* Host function with more arguments than argument registers and several results: the exit
 * thunk's stack arguments and result area.  Returns (sum of ints, sum of floats). */
static enum chibi_trap h_many(chibi_caller *c, void *env, uint64_t *slots)
{
	int64_t si = 0;
	double sf = 0, d;

	(void)c;
	(void)env;
	for (int i = 0; i < 14; i++) {
		if (i % 2 == 0) {
			si += (int64_t)slots[i];
		} else {
			memcpy(&d, &slots[i], sizeof(d));
			sf += d;
		}
	}
	slots[0] = (uint64_t)si;
	memcpy(&slots[1], &sf, sizeof(sf));
	return CHIBI_TRAP_NONE;
}

Test(jit, many_arguments_both_directions)
{
	struct chibi_config cfg = { .mode = CHIBI_MODE_JIT };
	chibi_module *m = wat_module(
		"(module (import \"h\" \"m\" (func $m (param i64 f64 i64 f64 i64 f64 i64 f64 i64 f64"
		"   i64 f64 i64 f64) (result i64 f64)))"
		" (func (export \"f\") (param i64 f64 i64 f64 i64 f64 i64 f64 i64 f64 i64 f64 i64 f64)"
		"   (result f64 i64)"
		"   local.get 0 local.get 1 local.get 2 local.get 3 local.get 4 local.get 5 local.get 6"
		"   local.get 7 local.get 8 local.get 9 local.get 10 local.get 11 local.get 12 local.get 13"
		"   call $m"
		"   (local.set 1) (local.set 0) local.get 1 local.get 0))");
	chibi_store *s = chibi_store_new(&cfg);
	chibi_linker *l = chibi_linker_new();
	chibi_instance *inst = NULL;
	chibi_val a[14], r[2];

	chibi_linker_define_host(l, s, "h", "m", "IFIFIFIFIFIFIF:IF", h_many, NULL);
	cr_assert_eq(chibi_instance_new(s, m, l, &inst, NULL, NULL), CHIBI_OK);
	for (int i = 0; i < 14; i++) {
		if (i % 2 == 0) {
			a[i].type = CHIBI_I64;
			a[i].of.i64 = (int64_t)1 << (i * 3);
		} else {
			double d = 0.5 * i;

			a[i].type = CHIBI_F64;
			memcpy(&a[i].of.f64_bits, &d, sizeof(d));
		}
	}
	cr_assert_eq(chibi_func_call(chibi_instance_func(inst, "f"), a, 14, r, 2, NULL),
		     CHIBI_TRAP_NONE);
	{
		double d;

		memcpy(&d, &r[0].of.f64_bits, sizeof(d));
		cr_expect_eq(d, 0.5 * (1 + 3 + 5 + 7 + 9 + 11 + 13));
		cr_expect_eq(r[1].of.i64, 1 + (1 << 6) + (1 << 12) + (1 << 18) + (1 << 24) +
			     ((int64_t)1 << 30) + ((int64_t)1 << 36));
	}
	chibi_linker_free(l);
	chibi_store_free(s);
	chibi_module_free(m);
}

/* Call export `name` (i64) -> i64 of m with `arg` in the interpreter, the JIT and the JIT
 * with explicit bounds checks: `want` every time, and under the JIT `compiled` functions
 * compiled with no interpreter fallback. */
static void run_in_every_mode(chibi_module *m, const char *name, int64_t arg, int64_t want,
			      unsigned compiled)
{
	static const struct { enum chibi_exec_mode mode; const char *bounds; } modes[] = {
		{ CHIBI_MODE_INTERP, NULL },
		{ CHIBI_MODE_JIT, NULL },
		{ CHIBI_MODE_JIT, "explicit" },
	};

	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		struct chibi_config cfg = { .mode = modes[i].mode };
		chibi_val a = { .type = CHIBI_I64, .of.i64 = arg }, res = { 0 };
		chibi_instance *inst = NULL;
		struct engine_stats st;
		chibi_store *s;

		if (modes[i].bounds)
			setenv("CHIBI_JIT_BOUNDS", modes[i].bounds, 1);
		s = chibi_store_new(&cfg);
		cr_assert_eq(chibi_instance_new(s, m, NULL, &inst, NULL, NULL), CHIBI_OK);
		cr_expect_eq(chibi_func_call(chibi_instance_func(inst, name), &a, 1, &res, 1, NULL),
			     CHIBI_TRAP_NONE, "%s, mode %zu", name, i);
		cr_expect_eq(res.of.i64, want, "%s, mode %zu", name, i);
		if (modes[i].mode == CHIBI_MODE_JIT) {
			engine_jit->stats(s, &st);
			cr_expect_eq(st.compiled, compiled, "%s, mode %zu", name, i);
			cr_expect_eq(st.fallbacks, 0u, "%s, mode %zu", name, i);
		}
		unsetenv("CHIBI_JIT_BOUNDS");
		chibi_store_free(s);
	}
}

/* return_call between two functions of different arities, 10^7 times, in every mode: the
 * JIT compiles both (no fallback) and the chain runs in one native frame (10^7 frames would
 * pass any stack budget and trap "call stack exhausted"). */
Test(jit, tail_call_chain_runs_in_constant_stack)
{
	static const uint8_t wasm[] = {
		0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
		/* types: 0 (i64) -> i64, 1 (i64 f64) -> i64 */
		0x01, 0x0c, 0x02, 0x60, 0x01, 0x7e, 0x01, 0x7e, 0x60, 0x02, 0x7e, 0x7c, 0x01, 0x7e,
		0x03, 0x03, 0x02, 0x00, 0x01,                   /* f: type 0, g: type 1 */
		0x07, 0x05, 0x01, 0x01, 'f', 0x00, 0x00,        /* export "f" */
		0x0a, 0x24, 0x02,
		/* f(n): n == 0 ? 7 : return_call g(n, 2.0) */
		0x18, 0x00, 0x20, 0x00, 0x50, 0x04, 0x7e, 0x42, 0x07, 0x05, 0x20, 0x00,
		0x44, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x40, 0x12, 0x01, 0x0b, 0x0b,
		/* g(n, x): return_call f(n - 1) */
		0x09, 0x00, 0x20, 0x00, 0x42, 0x01, 0x7d, 0x12, 0x00, 0x0b,
	};
	chibi_module *m = NULL;

	cr_assert_eq(chibi_module_new(wasm, sizeof(wasm), &m, NULL), CHIBI_OK);
	run_in_every_mode(m, "f", 10000000, 7, 2);
	chibi_module_free(m);
}

/* A tail call whose callee takes more stack words than every caller reserves
 * (JIT_TAIL_WORDS; 20 i64 are 14+ stack words on both targets) is left to the interpreter,
 * counted as a fallback; it still runs in constant space there (10^6 self tail calls,
 * where 10^6 frames would exhaust the stack) and other functions stay compiled. */
Test(jit, tail_call_past_the_reserved_words_falls_back_counted)
{
	static const char src[] =
		"(module"
		"  (func $loop (param i64 i64 i64 i64 i64 i64 i64 i64 i64 i64"
		"                     i64 i64 i64 i64 i64 i64 i64 i64 i64 i64) (result i64)"
		"    (if (i64.eqz (local.get 0)) (then (return (local.get 19))))"
		"    (return_call $loop (i64.sub (local.get 0) (i64.const 1))"
		"      (local.get 1) (local.get 2) (local.get 3) (local.get 4) (local.get 5)"
		"      (local.get 6) (local.get 7) (local.get 8) (local.get 9) (local.get 10)"
		"      (local.get 11) (local.get 12) (local.get 13) (local.get 14) (local.get 15)"
		"      (local.get 16) (local.get 17) (local.get 18)"
		"      (i64.add (local.get 19) (local.get 1))))"
		"  (func (export \"run\") (param i64) (result i64)"
		"    (call $loop (local.get 0) (i64.const 2) (i64.const 0) (i64.const 0)"
		"      (i64.const 0) (i64.const 0) (i64.const 0) (i64.const 0) (i64.const 0)"
		"      (i64.const 0) (i64.const 0) (i64.const 0) (i64.const 0) (i64.const 0)"
		"      (i64.const 0) (i64.const 0) (i64.const 0) (i64.const 0) (i64.const 0)"
		"      (i64.const 5))))";
	struct chibi_config cfg = { .mode = CHIBI_MODE_JIT };
	struct wat_error err = { 0 };
	chibi_val arg = { .type = CHIBI_I64, .of.i64 = 1000000 }, res = { 0 };
	chibi_instance *inst = NULL;
	chibi_module *m = NULL;
	struct engine_stats st;
	uint8_t *bin = NULL;
	size_t len = 0;
	chibi_store *s;

	cr_assert(wat_to_binary(src, sizeof(src) - 1, &bin, &len, &err), "%u: %s", err.line,
		  err.msg);
	cr_assert_eq(chibi_module_new(bin, len, &m, NULL), CHIBI_OK);
	vm_free(bin);
	s = chibi_store_new(&cfg);
	cr_assert_eq(chibi_instance_new(s, m, NULL, &inst, NULL, NULL), CHIBI_OK);
	cr_expect_eq(chibi_func_call(chibi_instance_func(inst, "run"), &arg, 1, &res, 1, NULL),
		     CHIBI_TRAP_NONE);
	cr_expect_eq(res.of.i64, 5 + 2 * 1000000);
	engine_jit->stats(s, &st);
	cr_expect_eq(st.compiled, 1u, "run is compiled");
	cr_expect_eq(st.fallbacks, 1u, "the tail caller is the interpreter's, counted");
	chibi_store_free(s);
	chibi_module_free(m);
}

/* The Wasm 3.0 tail calls the JIT compiles since issue 16: return_call_indirect into a
 * function with stack arguments (10 i64: 5 on the stack on x86-64, 2 on AArch64),
 * return_call_ref, return_call back; 3 * 10^7 calls in every mode, every function
 * compiled, in one native frame (10^7 frames would trap "call stack exhausted"). */
Test(jit, tail_calls_with_stack_arguments_through_tables_and_references)
{
	static const char src[] =
		"(module"
		"  (type $f (func (param i64 i64 i64 i64 i64 i64 i64 i64 i64 i64) (result i64)))"
		"  (type $g (func (param i64 f64) (result i64)))"
		"  (table 1 funcref)"
		"  (elem (i32.const 0) $b)"
		"  (elem declare func $c)"
		"  (func $a (export \"a\") (param i64) (result i64)"
		"    (if (i64.eqz (local.get 0)) (then (return (i64.const 7))))"
		"    (return_call_indirect (type $f) (local.get 0) (i64.const 1) (i64.const 2)"
		"      (i64.const 3) (i64.const 4) (i64.const 5) (i64.const 6) (i64.const 7)"
		"      (i64.const 8) (i64.const 9) (i32.const 0)))"
		"  (func $b (type $f)"
		"    (if (i64.ne (local.get 9) (i64.const 9)) (then unreachable))"
		"    (return_call_ref $g (i64.sub (local.get 0) (i64.const 1)) (f64.const 2)"
		"      (ref.func $c)))"
		"  (func $c (type $g) (return_call $a (local.get 0))))";
	struct wat_error err = { 0 };
	chibi_module *m = NULL;
	uint8_t *bin = NULL;
	size_t len = 0;

	cr_assert(wat_to_binary(src, sizeof(src) - 1, &bin, &len, &err), "%u: %s", err.line,
		  err.msg);
	cr_assert_eq(chibi_module_new(bin, len, &m, NULL), CHIBI_OK);
	vm_free(bin);
	run_in_every_mode(m, "a", 10000000, 7, 3);
	chibi_module_free(m);
}
