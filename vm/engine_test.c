/* vm/engine_test.c - the engine seam (vm/engine.h): which engine a store runs on, for every
 * mode, in this build (with a JIT, or JIT=none, where the same tests check the fallback).
 */
#include <criterion/criterion.h>

#include "engine.h"
#include "test_wat.h"

Test(engine, store_engine_follows_mode_and_build)
{
	static const enum chibi_exec_mode modes[] = { CHIBI_MODE_DEFAULT, CHIBI_MODE_INTERP,
						      CHIBI_MODE_JIT };
	const struct engine *compiled = engine_jit ? engine_jit : &engine_interp;

	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		struct chibi_config cfg = { .mode = modes[i] };
		chibi_store *s = chibi_store_new(&cfg);

		cr_assert_not_null(s);
		cr_expect_eq(s->engine, modes[i] == CHIBI_MODE_INTERP ? &engine_interp : compiled,
			     "mode %d", modes[i]);
		cr_expect_eq(s->engine, engine_for_mode(modes[i]));
		chibi_store_free(s);
	}
	cr_expect_str_eq(engine_interp.name(), "interpreter");
	if (engine_jit) {
		cr_expect_str_eq(chibi_jit_name(), engine_jit->name());
		cr_expect_not_null(engine_jit->store_free);
		cr_expect_not_null(engine_jit->stats);
		cr_expect_not_null(engine_jit->compile_instance);
		cr_expect_not_null(engine_jit->code_info);
	} else {
		cr_expect_null(chibi_jit_name());
	}
}

/* Every mode runs a call (recursion, memory, a host import) to the same result, whatever
 * engine the build gives it. */
static enum chibi_trap h_inc(chibi_caller *c, void *env, uint64_t *slots)
{
	slots[0] = (uint32_t)slots[0] + 1;
	return CHIBI_TRAP_NONE;
}

Test(engine, every_mode_computes_the_same)
{
	chibi_module *m = wat_module(
		"(module (import \"env\" \"inc\" (func $inc (param i32) (result i32)))"
		" (memory 1)"
		" (func $fib (param i32) (result i32)"
		"   (if (result i32) (i32.lt_u (local.get 0) (i32.const 2)) (then (local.get 0))"
		"     (else (i32.add (call $fib (i32.sub (local.get 0) (i32.const 1)))"
		"                    (call $fib (i32.sub (local.get 0) (i32.const 2)))))))"
		" (func (export \"f\") (param i32) (result i32)"
		"   (i32.store (i32.const 8) (call $fib (local.get 0)))"
		"   (call $inc (i32.load (i32.const 8)))))");

	cr_assert_not_null(m);
	for (int mode = CHIBI_MODE_DEFAULT; mode <= CHIBI_MODE_JIT; mode++) {
		struct chibi_config cfg = { .mode = (enum chibi_exec_mode)mode };
		chibi_store *s = chibi_store_new(&cfg);
		chibi_linker *l = chibi_linker_new();
		chibi_instance *inst = NULL;
		chibi_val a = { .type = CHIBI_I32, .of.i32 = 20 }, r;

		cr_assert_eq(chibi_linker_define_host(l, s, "env", "inc", "i:i", h_inc, NULL),
			     CHIBI_OK);
		cr_assert_eq(chibi_instance_new(s, m, l, &inst, NULL, NULL), CHIBI_OK);
		cr_expect_eq(chibi_func_call(chibi_instance_func(inst, "f"), &a, 1, &r, 1, NULL),
			     CHIBI_TRAP_NONE);
		cr_expect_eq(r.of.i32, 6766, "mode %d: %d", mode, r.of.i32);
		if (s->engine->stats) {
			struct engine_stats st;

			s->engine->stats(s, &st);
			cr_expect_geq(st.compiled, 2, "the compiling engine compiled fib and f");
		}
		chibi_linker_free(l);
		chibi_store_free(s);
	}
	chibi_module_free(m);
}
