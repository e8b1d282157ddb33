/* jit/eh_test.c - exception handlers in compiled code: a throw found by the walk over
 * compiled frames (jit_h_throw), across frames of the interpreter and of host functions in
 * both directions, nested handlers, catch_ref / throw_ref, legacy try / delegate / rethrow
 * in compiled and interpreted frames, exnrefs kept by compiled frames, globals and tables
 * across collections, what a landing must restore (the caller's homes, the memory
 * registers, frames with stack arguments), and an exception that no frame takes reaching
 * the host.  Every program also runs in the interpreter, which must give the same result;
 * the JIT's fallback count (the same on x86-64 and AArch64, both of which land in frames)
 * says which functions really ran compiled, on guard pages and with explicit bounds.
 * Interpreted frames between compiled ones are made with CHIBI_JIT_ONLY (criterion runs
 * each test in a process of its own).
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jit.h"
#include "../text/wat.h"
#include "../vm/alloc.h"
#include "../vm/engine.h"

/* f() of src in mode (JIT: on guard pages, or with explicit bounds checks), with the
 * host's tag "h" "t" (one i32) and a host function "h" "throw" throwing it with its
 * argument, and, when lib is not NULL, lib's exports as module "lib" (its own instance and
 * memory); the result, and the JIT's fallbacks (mode JIT). */
struct run {
	enum chibi_trap trap;
	int32_t result;
	uint32_t fallbacks, compiled;
	int32_t exn_value;        /* CHIBI_TRAP_EXCEPTION: the payload's first i32 */
	size_t exns;              /* exceptions the store still holds */
};

static chibi_tag *host_tag;
static chibi_instance *cur_inst;

/* "h" "call": calls the export "g" with its argument; an exception coming out of it is
 * thrown on to the caller (wasm -> host -> wasm and back). */
static enum chibi_trap h_call(chibi_caller *c, void *env, uint64_t *slots)
{
	chibi_val a = { .type = CHIBI_I32, .of.i32 = (int32_t)slots[0] }, r;
	struct chibi_trap_info info;
	enum chibi_trap rc;

	(void)env;
	rc = chibi_func_call(chibi_instance_func(cur_inst, "g"), &a, 1, &r, 0, &info);
	if (rc == CHIBI_TRAP_EXCEPTION && info.exn)
		chibi_caller_throw(c, info.exn);
	return rc;
}

/* Leave function idx (and only it) to the interpreter in the next store. */
static void interpret_only(uint32_t idx)
{
	char only[64];

	cr_assert_gt(idx, 0u);
	snprintf(only, sizeof(only), "0-%u,%u-100000", idx - 1, idx + 1);
	setenv("CHIBI_JIT_ONLY", only, 1);
}

static enum chibi_trap h_throw(chibi_caller *c, void *env, uint64_t *slots)
{
	chibi_val v = { .type = CHIBI_I32, .of.i32 = (int32_t)slots[0] };

	chibi_caller_throw(c, chibi_exn_new(env, host_tag, &v, 1));
	return CHIBI_TRAP_EXCEPTION;
}

static chibi_module *module_of(const char *src)
{
	struct wat_error err = { 0 };
	chibi_module *m = NULL;
	uint8_t *bin = NULL;
	size_t len = 0;

	/* chibi's own text reader: Debian 12's wat2wasm cannot read try_table */
	cr_assert(wat_to_binary(src, strlen(src), &bin, &len, &err), "%u: %s", err.line, err.msg);
	cr_assert_eq(chibi_module_new(bin, len, &m, NULL), CHIBI_OK);
	vm_free(bin);
	return m;
}

static struct run run_f(const char *lib, const char *src, enum chibi_exec_mode mode,
			bool explicit_bounds)
{
	struct chibi_config cfg = { .mode = mode };
	chibi_module *m = module_of(src), *lm = lib ? module_of(lib) : NULL;
	chibi_store *s;
	chibi_linker *l = chibi_linker_new();
	chibi_instance *inst = NULL, *linst = NULL;
	struct chibi_trap_info info;
	struct engine_stats st;
	struct run out = { 0 };
	chibi_val r = { 0 };

	if (explicit_bounds)
		setenv("CHIBI_JIT_BOUNDS", "explicit", 1);
	s = chibi_store_new(&cfg);
	unsetenv("CHIBI_JIT_BOUNDS");
	cr_assert(s && l);
	host_tag = chibi_tag_new(s, "i");
	chibi_linker_define(l, "h", "t", (struct chibi_extern){ .kind = CHIBI_EXTERN_TAG,
								.of.tag = host_tag });
	chibi_linker_define_host(l, s, "h", "throw", "i:", h_throw, s);
	if (lm) {
		cr_assert_eq(chibi_instance_new(s, lm, l, &linst, NULL, NULL), CHIBI_OK);
		cr_assert_eq(chibi_linker_define_instance(l, "lib", linst), CHIBI_OK);
	}
	chibi_linker_define_host(l, s, "h", "call", "i:", h_call, NULL);
	cr_assert_eq(chibi_instance_new(s, m, l, &inst, NULL, NULL), CHIBI_OK);
	cur_inst = inst;
	out.trap = chibi_func_call(chibi_instance_func(inst, "f"), NULL, 0, &r, 1, &info);
	out.result = r.of.i32;
	if (out.trap == CHIBI_TRAP_EXCEPTION && info.exn)
		out.exn_value = chibi_exn_value(info.exn, 0).of.i32;
	if (mode == CHIBI_MODE_JIT) {
		engine_jit->stats(s, &st);
		out.fallbacks = st.fallbacks;
		out.compiled = st.compiled;
	}
	out.exns = s->nexns;
	chibi_linker_free(l);
	chibi_store_free(s);
	chibi_module_free(m);
	if (lm)
		chibi_module_free(lm);
	return out;
}

/* src's f() gives want (or traps with want_trap) in the interpreter and in both JIT
 * modes, and the JIT leaves exactly fallbacks functions to the interpreter. */
static void check_lib(const char *lib, const char *src, enum chibi_trap want_trap,
		      int32_t want, uint32_t fallbacks)
{
	struct run i = run_f(lib, src, CHIBI_MODE_INTERP, false);

	cr_expect_eq(i.trap, want_trap, "interp trap %d", i.trap);
	if (want_trap == CHIBI_TRAP_NONE)
		cr_expect_eq(i.result, want, "interp %d", i.result);
	else if (want_trap == CHIBI_TRAP_EXCEPTION)
		cr_expect_eq(i.exn_value, want, "interp payload %d", i.exn_value);
	for (int explicit_bounds = 0; explicit_bounds < 2; explicit_bounds++) {
		struct run j = run_f(lib, src, CHIBI_MODE_JIT, explicit_bounds);
		const char *how = explicit_bounds ? "explicit bounds" : "guard pages";

		cr_expect_eq(j.trap, want_trap, "jit (%s) trap %d", how, j.trap);
		if (want_trap == CHIBI_TRAP_NONE)
			cr_expect_eq(j.result, want, "jit (%s) %d", how, j.result);
		else if (want_trap == CHIBI_TRAP_EXCEPTION)
			cr_expect_eq(j.exn_value, want, "jit (%s) payload %d", how, j.exn_value);
		cr_expect_eq(j.fallbacks, fallbacks, "jit (%s) fallbacks %u", how, j.fallbacks);
		cr_expect_gt(j.compiled, 0u);
	}
}

static void check(const char *src, enum chibi_trap want_trap, int32_t want, uint32_t fallbacks)
{
	check_lib(NULL, src, want_trap, want, fallbacks);
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
	/* compiled f -> interpreted $mid (function 11) -> compiled $d9 .. $d0, and back */
	interpret_only(11);
	check("(module " TAGS DEEP
	      "(func $mid (param i32) (local exnref) (call $d9 (local.get 0)))"
	      "(func (export \"f\") (result i32)"
	      " (block $h (result i32) (try_table (catch $e $h) (call $mid (i32.const 9))) (i32.const -1))))",
	      CHIBI_TRAP_NONE, 9, 1);
}

Test(jit_eh, interpreted_handler_below_compiled_frames_with_other_handlers)
{
	/* the compiled $mid has a handler for $o only: $e passes its frame to the legacy try in
	 * the interpreted f (function 12) */
	interpret_only(12);
	check("(module " TAGS DEEP
	      "(func $mid (param i32) (drop (block $ho (result i32) (try_table (catch $o $ho) (call $d9 (local.get 0))) (i32.const 0))))"
	      "(func (export \"f\") (result i32)"
	      " (try (result i32) (do (call $mid (i32.const 11)) (i32.const -1)) (catch $e))))",
	      CHIBI_TRAP_NONE, 11, 1);
}

Test(jit_eh, legacy_rethrow_in_an_interpreted_frame_between_compiled_ones)
{
	interpret_only(11); /* $r */
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

/* $clobber's 16 i64 and 12 f64 locals: more than the homes, leaf homes included */
#define SET_I(k) " (local.set " #k " (i64.const -" #k "))"
#define SET_F(k) " (local.set " #k " (f64.const -1.5))"
#define ADD_I(k) " (local.get " #k ") (i64.add)"
#define ADD_F(k) " (local.get " #k ") (f64.add)"

Test(jit_eh, landing_restores_the_callers_home_registers)
{
	/* f keeps its locals in the GPR and FPR homes (x64: rbx, rbp, r12-r13, rsi, rdi,
	 * xmm8-13; AArch64: x19-x26, d8-d15); $clobber fills every home with its own values
	 * and throws past its epilogue to $catcher, whose epilogue must give f its values back
	 * (a function with handlers saves every home; the landing restores none) */
	check("(module " TAGS
	      "(func $clobber (param i32)"
	      " (local i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64)"
	      " (local f64 f64 f64 f64 f64 f64 f64 f64 f64 f64 f64 f64)"
	      SET_I(1) SET_I(2) SET_I(3) SET_I(4) SET_I(5) SET_I(6) SET_I(7) SET_I(8)
	      SET_I(9) SET_I(10) SET_I(11) SET_I(12) SET_I(13) SET_I(14) SET_I(15) SET_I(16)
	      SET_F(17) SET_F(18) SET_F(19) SET_F(20) SET_F(21) SET_F(22) SET_F(23) SET_F(24)
	      SET_F(25) SET_F(26) SET_F(27) SET_F(28)
	      " (local.get 0) (local.get 1)"
	      ADD_I(2) ADD_I(3) ADD_I(4) ADD_I(5) ADD_I(6) ADD_I(7) ADD_I(8) ADD_I(9)
	      ADD_I(10) ADD_I(11) ADD_I(12) ADD_I(13) ADD_I(14) ADD_I(15) ADD_I(16)
	      " (i32.wrap_i64) (i32.add) (local.get 17)"
	      ADD_F(18) ADD_F(19) ADD_F(20) ADD_F(21) ADD_F(22) ADD_F(23) ADD_F(24) ADD_F(25)
	      ADD_F(26) ADD_F(27) ADD_F(28)
	      " (i32.trunc_f64_s) (i32.add) (throw $e))"
	      "(func $catcher (param i32) (result i32)"
	      " (block $h (result i32) (try_table (result i32) (catch $e $h)"
	      "  (call $clobber (local.get 0)) (i32.const -1))))"
	      "(func (export \"f\") (result i32)"
	      " (local i64 i64 i64 i64 i64 i64 i64 i64 f64 f64 f64 f64 f64 f64 f64 f64)"
	      " (local.set 0 (i64.const 1000)) (local.set 1 (i64.const 2000))"
	      " (local.set 2 (i64.const 3000)) (local.set 3 (i64.const 4000))"
	      " (local.set 4 (i64.const 5000)) (local.set 5 (i64.const 6000))"
	      " (local.set 6 (i64.const 7000)) (local.set 7 (i64.const 8000))"
	      " (local.set 8 (f64.const 0.25)) (local.set 9 (f64.const 0.5))"
	      " (local.set 10 (f64.const 0.75)) (local.set 11 (f64.const 1))"
	      " (local.set 12 (f64.const 1.25)) (local.set 13 (f64.const 1.5))"
	      " (local.set 14 (f64.const 1.75)) (local.set 15 (f64.const 2))"
	      " (call $catcher (i32.const 500)) (local.get 0)"
	      ADD_I(1) ADD_I(2) ADD_I(3) ADD_I(4) ADD_I(5) ADD_I(6) ADD_I(7)
	      " (i32.wrap_i64) (i32.add) (local.get 8)"
	      ADD_F(9) ADD_F(10) ADD_F(11) ADD_F(12) ADD_F(13) ADD_F(14) ADD_F(15)
	      " (i32.trunc_f64_s) (i32.add)))",
	      /* the payload 500 - 136 - 18, then f's sums 36000 and 9 */
	      CHIBI_TRAP_NONE, 500 - 136 - 18 + 36000 + 9, 0);
}

Test(jit_eh, landing_reloads_the_memory_registers)
{
	/* lib's function runs on lib's memory (2000 at 0) when it throws; the landing pad in
	 * f must point the memory registers back at f's own (1000 at 0) */
	check_lib("(module (import \"h\" \"t\" (tag $h (param i32))) (memory 1)"
		  " (data (i32.const 0) \"\\d0\\07\\00\\00\")"
		  " (func (export \"throw_mine\") (throw $h (i32.load (i32.const 0)))))",
		  "(module (import \"lib\" \"throw_mine\" (func $tm)) " TAGS "(memory 1)"
		  " (data (i32.const 0) \"\\e8\\03\\00\\00\")"
		  "(func (export \"f\") (result i32)"
		  " (block $c (result i32) (try_table (result i32) (catch $h $c) (call $tm) (i32.const -1)))"
		  " (i32.load (i32.const 0)) (i32.add)))",
		  CHIBI_TRAP_NONE, 3000, 0);
}

Test(jit_eh, landings_in_frames_with_stack_arguments)
{
	/* ten parameters, so the last ones arrive on the stack (above the frame the landing
	 * sets sp to); every level catches its callee's exception (or its result) and throws
	 * or returns the sum with its own stack arguments: V(n, a) = V(n - 1, 2a) + a + 1000,
	 * V(0, a) = a, so V(6, 1) = 127 + 6000 */
	check("(module " TAGS
	      "(func $rec (param i32 i32 i32 i32 i32 i32 i32 i32 i32 i32) (result i32) (local i32)"
	      " (if (i32.eqz (local.get 0)) (then (throw $e (local.get 9))))"
	      " (local.set 10 (block $h (result i32) (try_table (result i32) (catch $e $h)"
	      "  (call $rec (i32.sub (local.get 0) (i32.const 1))"
	      "   (local.get 1) (local.get 2) (local.get 3) (local.get 4)"
	      "   (local.get 5) (local.get 6) (local.get 7) (local.get 8)"
	      "   (i32.mul (local.get 9) (i32.const 2))))))"
	      " (local.set 10 (i32.add (local.get 10) (i32.add (local.get 9) (local.get 8))))"
	      " (if (i32.and (local.get 0) (i32.const 1)) (then (throw $e (local.get 10))))"
	      " (local.get 10))"
	      "(func (export \"f\") (result i32)"
	      " (call $rec (i32.const 6) (i32.const 1) (i32.const 2) (i32.const 3) (i32.const 4)"
	      "  (i32.const 5) (i32.const 6) (i32.const 7) (i32.const 1000) (i32.const 1))))",
	      CHIBI_TRAP_NONE, 127 + 6000, 0);
}

Test(jit_eh, legacy_try_catch_in_compiled_code)
{
	/* the legacy try of f compiled too: arms, the operand below the try (1000), catch_all */
	check("(module " TAGS DEEP
	      "(func $mid (param i32) (drop (block $ho (result i32) (try_table (catch $o $ho) (call $d9 (local.get 0))) (i32.const 0))))"
	      "(func (export \"f\") (result i32)"
	      " (i32.const 1000)"
	      " (try (result i32) (do (call $mid (i32.const 11)) (i32.const -1))"
	      "  (catch $o (drop) (i32.const -2)) (catch $e (i32.const 100) (i32.add)))"
	      " (i32.add)"
	      " (try (result i32) (do (throw $o (i32.const 5))) (catch $e) (catch_all (i32.const 7)))"
	      " (i32.add)))",
	      CHIBI_TRAP_NONE, 1000 + 111 + 7, 0);
}

Test(jit_eh, rethrow_across_compiled_interpreted_compiled_frames)
{
	/* compiled f -> compiled $r (catch_all, rethrow) -> interpreted $mid (function 11) ->
	 * compiled $d9 .. $d0: the exception comes back out of the interpreter into $r's arm,
	 * whose rethrow finds f's handler; the nested try's rethrow 1 names the outer arm */
	interpret_only(11);
	check("(module " TAGS DEEP
	      "(func $mid (param i32) (call $d9 (local.get 0)))"
	      "(func $r (param i32)"
	      " (try (do (call $mid (local.get 0)))"
	      "  (catch_all (try (do (throw $o (i32.const 1))) (catch $o (rethrow 1))))))"
	      "(func (export \"f\") (result i32)"
	      " (block $h (result i32) (try_table (catch $e $h) (call $r (i32.const 23))) (i32.const -1))))",
	      CHIBI_TRAP_NONE, 23, 1);
}

Test(jit_eh, delegate_skips_to_the_named_try_or_the_caller)
{
	/* delegate 1 from the innermost try skips the middle one's catch; delegate to the
	 * function's label goes to the caller's handler */
	check("(module " TAGS DEEP
	      "(func $skip (param i32) (result i32)"
	      " (try (result i32) (do"
	      "  (try (result i32) (do"
	      "   (try (result i32) (do (call $d9 (local.get 0)) (i32.const -1)) (delegate 1)))"
	      "   (catch $e (drop) (i32.const -3))))"
	      "  (catch $e (i32.const 100) (i32.add))))"
	      "(func $out (param i32) (result i32)"
	      " (try (result i32) (do (try (result i32) (do (call $d9 (local.get 0)) (i32.const -1)) (delegate 1)))"
	      "  (catch_all (i32.const -4))))"
	      "(func (export \"f\") (result i32)"
	      " (call $skip (i32.const 1))"
	      " (block $h (result i32) (try_table (result i32) (catch $e $h) (call $out (i32.const 20))))"
	      " (i32.add)))",
	      CHIBI_TRAP_NONE, 101 + 20, 0);
}

Test(jit_eh, catch_ref_payload_and_exnref_round_trip)
{
	/* catch_ref leaves payload and exnref; the exnref, kept in a local and passed through
	 * a call, is thrown again with throw_ref and caught with its payload; a null one traps */
	check("(module " TAGS DEEP
	      "(func $again (param exnref) (throw_ref (local.get 0)))"
	      "(func (export \"f\") (result i32) (local $x exnref) (local $p i32)"
	      " (block $h (result i32 exnref) (try_table (catch_ref $e $h) (call $d9 (i32.const 31))) (unreachable))"
	      " (local.set $x) (local.set $p)"
	      " (block $h2 (result i32) (try_table (catch $e $h2) (call $again (local.get $x))) (i32.const -1))"
	      " (local.get $p) (i32.mul)"
	      " (block $h3 (result exnref) (try_table (catch_all_ref $h3) (call $again (local.get $x))) (unreachable))"
	      " (ref.is_null) (i32.add)))",
	      CHIBI_TRAP_NONE, 31 * 31, 0);
	check("(module " TAGS
	      "(func (export \"f\") (result i32) (throw_ref (ref.null exn))))",
	      CHIBI_TRAP_NULL_EXNREF, 0, 0);
}

Test(jit_eh, exception_crosses_a_host_call)
{
	/* compiled f's handler <- host "call" <- compiled g throwing ten frames down */
	check("(module (import \"h\" \"call\" (func $call (param i32))) (tag $e (param i32))"
	      "(func $d0 (param i32) (throw $e (local.get 0)))"
	      "(func $d1 (param i32) (call $d0 (local.get 0)))"
	      "(func (export \"g\") (param i32) (call $d1 (local.get 0)))"
	      "(func (export \"f\") (result i32)"
	      " (block $h (result i32) (try_table (catch $e $h) (call $call (i32.const 41))) (i32.const -1))))",
	      CHIBI_TRAP_NONE, 41, 0);
}

/* A loop of n throws caught with catch_all_ref (the exnref dropped), in f, after an exnref
 * with payload 77 was put in a compiled frame's local, a global and a table: each must
 * survive the collections the loop causes, and be thrown again with its payload. */
#define KEEP(n) "(module " TAGS \
	"(global $g (mut exnref) (ref.null exn)) (table $t 2 exnref)" \
	"(func $make (result exnref) (block $h (result exnref) (try_table (catch_all_ref $h) (throw $e (i32.const 77))) (unreachable)))" \
	"(func $churn (local $i i32) (loop $l" \
	" (block $h (result exnref) (try_table (catch_all_ref $h) (throw $e (local.get $i))) (unreachable)) (drop)" \
	" (br_if $l (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1))) (i32.const " #n ")))))" \
	"(func $payload (param exnref) (result i32)" \
	" (block $h (result i32) (try_table (catch $e $h) (throw_ref (local.get 0))) (i32.const -1)))" \
	"(func (export \"f\") (result i32) (local $x exnref)" \
	" (local.set $x (call $make)) (global.set $g (call $make)) (table.set $t (i32.const 1) (call $make))" \
	" (call $churn)" \
	" (call $payload (local.get $x)) (call $payload (global.get $g)) (i32.add)" \
	" (call $payload (table.get $t (i32.const 1))) (i32.add)))"

Test(jit_eh, exnrefs_in_frames_globals_and_tables_survive_collection)
{
	struct run j;

	check(KEEP(20000), CHIBI_TRAP_NONE, 3 * 77, 0);
	/* the loop's exceptions were collected: the store keeps a bounded number */
	j = run_f(NULL, KEEP(200000), CHIBI_MODE_JIT, false);
	cr_expect_eq(j.result, 3 * 77);
	cr_expect_lt(j.exns, 5000u, "%zu exceptions left", j.exns);
}

Test(jit_eh, v128_payloads_in_functions_with_handlers)
{
	/* 16-byte operand slots: a payload (i32 v128 i64) thrown from and caught in functions
	 * with v128 values, with try_table and legacy catch, an i32 and a v128 below the try */
	check("(module " TAGS
	      "(tag $w (param i32 v128 i64))"
	      "(func $t (param i32) (local v128)"
	      " (local.set 1 (i32x4.splat (local.get 0)))"
	      " (throw $w (i32.const 5) (i32x4.add (local.get 1) (v128.const i32x4 0 1 2 3)) (i64.const 7)))"
	      "(func $lanes (param v128) (result i32)"
	      " (i32.add (i32.add (i32x4.extract_lane 0 (local.get 0)) (i32x4.extract_lane 1 (local.get 0)))"
	      "  (i32.add (i32x4.extract_lane 2 (local.get 0)) (i32x4.extract_lane 3 (local.get 0)))))"
	      "(func (export \"f\") (result i32) (local $x exnref) (local $s i32)"
	      " (i32.const 1000) (v128.const i32x4 100 100 100 100)"
	      " (block $h (result i32 v128 i64 exnref)"
	      "  (try_table (catch_ref $w $h) (call $t (i32.const 10))) (unreachable))"
	      " (local.set $x) (i32.wrap_i64) (local.set $s)"
	      " (call $lanes) (i32.add) (local.get $s) (i32.add) (local.set $s)"
	      " (call $lanes) (i32.add) (local.get $s) (i32.add)"
	      " (try (result i32) (do (throw_ref (local.get $x)))"
	      "  (catch $w (drop) (call $lanes) (i32.add)))"
	      " (i32.add)))",
	      CHIBI_TRAP_NONE, 1000 + 400 + 5 + 46 + 7 + 51, 0);
}
