/* jit/eh_test.c - exception handlers in compiled code: a throw found by the walk over
 * compiled frames (jit_h_throw), across frames of the interpreter and of host functions in
 * both directions, nested handlers, legacy rethrow in an interpreted frame between compiled
 * ones, and an exception that no frame takes reaching the host.  Every program also runs in
 * the interpreter, which must give the same result; the JIT's fallback count says which
 * functions really ran compiled (x86-64; AArch64 leaves functions with handlers to the
 * interpreter).
 */
#include <criterion/criterion.h>
#include <string.h>

#include "jit.h"
#include "../text/wat.h"
#include "../vm/alloc.h"
#include "../vm/engine.h"

/* f() of src in mode, with the host's tag "h" "t" (one i32) and a host function "h" "throw"
 * throwing it with its argument; the result, and the JIT's fallbacks (mode JIT). */
struct run {
	enum chibi_trap trap;
	int32_t result;
	uint32_t fallbacks, compiled;
	int32_t exn_value;        /* CHIBI_TRAP_EXCEPTION: the payload's first i32 */
};

static chibi_tag *host_tag;

static enum chibi_trap h_throw(chibi_caller *c, void *env, uint64_t *slots)
{
	chibi_val v = { .type = CHIBI_I32, .of.i32 = (int32_t)slots[0] };

	chibi_caller_throw(c, chibi_exn_new(env, host_tag, &v, 1));
	return CHIBI_TRAP_EXCEPTION;
}

static struct run run_f(const char *src, enum chibi_exec_mode mode)
{
	struct chibi_config cfg = { .mode = mode };
	chibi_module *m = NULL;
	chibi_store *s = chibi_store_new(&cfg);
	chibi_linker *l = chibi_linker_new();
	chibi_instance *inst = NULL;
	struct chibi_trap_info info;
	struct engine_stats st;
	struct run out = { 0 };
	chibi_val r = { 0 };

	struct wat_error err = { 0 };
	uint8_t *bin = NULL;
	size_t len = 0;

	/* chibi's own text reader: Debian 12's wat2wasm cannot read try_table */
	cr_assert(wat_to_binary(src, strlen(src), &bin, &len, &err), "%u: %s", err.line, err.msg);
	cr_assert_eq(chibi_module_new(bin, len, &m, NULL), CHIBI_OK);
	vm_free(bin);
	cr_assert(s && l);
	host_tag = chibi_tag_new(s, "i");
	chibi_linker_define(l, "h", "t", (struct chibi_extern){ .kind = CHIBI_EXTERN_TAG,
								.of.tag = host_tag });
	chibi_linker_define_host(l, s, "h", "throw", "i:", h_throw, s);
	cr_assert_eq(chibi_instance_new(s, m, l, &inst, NULL, NULL), CHIBI_OK);
	out.trap = chibi_func_call(chibi_instance_func(inst, "f"), NULL, 0, &r, 1, &info);
	out.result = r.of.i32;
	if (out.trap == CHIBI_TRAP_EXCEPTION && info.exn)
		out.exn_value = chibi_exn_value(info.exn, 0).of.i32;
	if (mode == CHIBI_MODE_JIT) {
		engine_jit->stats(s, &st);
		out.fallbacks = st.fallbacks;
		out.compiled = st.compiled;
	}
	chibi_linker_free(l);
	chibi_store_free(s);
	chibi_module_free(m);
	return out;
}

/* src's f() gives want (or traps with want_trap) in both tiers, and the JIT leaves exactly
 * fallbacks functions to the interpreter. */
static void check(const char *src, enum chibi_trap want_trap, int32_t want, uint32_t fallbacks)
{
	struct run i = run_f(src, CHIBI_MODE_INTERP), j = run_f(src, CHIBI_MODE_JIT);

	cr_expect_eq(i.trap, want_trap, "interp trap %d", i.trap);
	cr_expect_eq(j.trap, want_trap, "jit trap %d", j.trap);
	if (want_trap == CHIBI_TRAP_NONE) {
		cr_expect_eq(i.result, want, "interp %d", i.result);
		cr_expect_eq(j.result, want, "jit %d", j.result);
	} else if (want_trap == CHIBI_TRAP_EXCEPTION) {
		cr_expect_eq(i.exn_value, want, "interp payload %d", i.exn_value);
		cr_expect_eq(j.exn_value, want, "jit payload %d", j.exn_value);
	}
#if defined(__x86_64__)
	cr_expect_eq(j.fallbacks, fallbacks, "fallbacks %u", j.fallbacks);
	cr_expect_gt(j.compiled, 0u);
#else
	/* AArch64 compiles throw but leaves functions with handlers to the interpreter */
	cr_expect_geq(j.fallbacks, fallbacks, "fallbacks %u", j.fallbacks);
#endif
}

#define TAGS "(import \"h\" \"t\" (tag $h (param i32))) (import \"h\" \"throw\" (func $hthrow (param i32))) " \
	     "(tag $e (param i32)) (tag $o (param i32)) "
/* ten compiled frames between f and the throw */
#define DEEP "(func $d0 (param i32) (throw $e (local.get 0))) " \
	     "(func $d1 (param i32) (call $d0 (local.get 0))) (func $d2 (param i32) (call $d1 (local.get 0))) " \
	     "(func $d3 (param i32) (call $d2 (local.get 0))) (func $d4 (param i32) (call $d3 (local.get 0))) " \
	     "(func $d5 (param i32) (call $d4 (local.get 0))) (func $d6 (param i32) (call $d5 (local.get 0))) " \
	     "(func $d7 (param i32) (call $d6 (local.get 0))) (func $d8 (param i32) (call $d7 (local.get 0))) " \
	     "(func $d9 (param i32) (call $d8 (local.get 0))) "

Test(jit_eh, throw_caught_in_the_same_function)
{
	check("(module " TAGS
	      "(func (export \"f\") (result i32) (local i32 f64) (local.set 0 (i32.const 5))"
	      " (block $h (result i32) (try_table (catch $e $h) (throw $e (i32.const 37))) (i32.const -1))"
	      " (local.get 0) (i32.add)))", CHIBI_TRAP_NONE, 42, 0);
}

Test(jit_eh, throw_across_ten_compiled_frames)
{
	check("(module " TAGS DEEP
	      "(func (export \"f\") (result i32) (local i32) (local.set 0 (i32.const 100))"
	      " (block $h (result i32) (try_table (catch $e $h) (call $d9 (i32.const 7))) (i32.const -1))"
	      " (local.get 0) (i32.add)))", CHIBI_TRAP_NONE, 107, 0);
}

Test(jit_eh, nested_handlers_take_their_own_tags)
{
	/* the inner handler takes $o only: $e goes to the outer one, whose operand stack below
	 * the try (the 1000) survives; then $o is caught by the inner one */
	check("(module " TAGS DEEP
	      "(func $g (param i32) (result i32)"
	      " (block $ho (result i32) (try_table (catch $o $ho)"
	      "  (if (local.get 0) (then (throw $o (i32.const 20))) (else (call $d9 (i32.const 3)))))"
	      "  (i32.const -1)))"
	      "(func (export \"f\") (result i32)"
	      " (i32.const 1000)"
	      " (block $he (result i32) (try_table (result i32) (catch $e $he) (call $g (i32.const 0))))"
	      " (i32.add)"
	      " (block $all (try_table (catch_all $all) (drop (call $g (i32.const 1))) (br 1)))"
	      " (i32.const 20000) (i32.add) (call $g (i32.const 1)) (i32.add)))",
	      CHIBI_TRAP_NONE, 1000 + 3 + 20000 + 20, 0);
}

Test(jit_eh, through_an_interpreted_frame_both_ways)
{
	/* $mid keeps an exnref local, so it runs in the interpreter: compiled f -> interpreted
	 * $mid -> compiled $d9 .. $d0, and back */
	check("(module " TAGS DEEP
	      "(func $mid (param i32) (local exnref) (call $d9 (local.get 0)))"
	      "(func (export \"f\") (result i32)"
	      " (block $h (result i32) (try_table (catch $e $h) (call $mid (i32.const 9))) (i32.const -1))))",
	      CHIBI_TRAP_NONE, 9, 1);
}

Test(jit_eh, interpreted_handler_below_compiled_frames_with_other_handlers)
{
	/* the compiled $mid has a handler for $o only: $e passes its frame to the legacy try in
	 * the interpreted f (legacy try is not compiled) */
	check("(module " TAGS DEEP
	      "(func $mid (param i32) (drop (block $ho (result i32) (try_table (catch $o $ho) (call $d9 (local.get 0))) (i32.const 0))))"
	      "(func (export \"f\") (result i32)"
	      " (try (result i32) (do (call $mid (i32.const 11)) (i32.const -1)) (catch $e))))",
	      CHIBI_TRAP_NONE, 11, 1);
}

Test(jit_eh, legacy_rethrow_in_an_interpreted_frame_between_compiled_ones)
{
	check("(module " TAGS DEEP
	      "(func $r (param i32) (try (do (call $d9 (local.get 0))) (catch_all (rethrow 0))))"
	      "(func (export \"f\") (result i32)"
	      " (block $h (result i32) (try_table (catch $e $h) (call $r (i32.const 13))) (i32.const -1))))",
	      CHIBI_TRAP_NONE, 13, 1);
}

Test(jit_eh, host_throw_reaches_a_compiled_handler)
{
	check("(module " TAGS
	      "(func $g (param i32) (call $hthrow (local.get 0)))"
	      "(func (export \"f\") (result i32)"
	      " (block $h (result i32) (try_table (catch $h $h) (call $g (i32.const 17))) (i32.const -1))))",
	      CHIBI_TRAP_NONE, 17, 0);
}

Test(jit_eh, uncaught_exception_reaches_the_host)
{
	/* past a compiled handler for another tag, out of the embedding call */
	check("(module " TAGS DEEP
	      "(func (export \"f\") (result i32)"
	      " (block $ho (result i32) (try_table (catch $o $ho) (call $d9 (i32.const 19))) (i32.const -1))))",
	      CHIBI_TRAP_EXCEPTION, 19, 0);
}

Test(jit_eh, traps_pass_compiled_handlers)
{
	check("(module " TAGS
	      "(func $g (unreachable))"
	      "(func (export \"f\") (result i32)"
	      " (block $h (try_table (catch_all $h) (call $g))) (i32.const -1)))",
	      CHIBI_TRAP_UNREACHABLE, 0, 0);
}
