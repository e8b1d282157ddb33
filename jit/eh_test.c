/* jit/eh_test.c - exception handlers in compiled code: a throw found by the walk over
 * compiled frames (jit_h_throw), across frames of the interpreter and of host functions in
 * both directions, nested handlers, catch_ref / throw_ref, legacy try / delegate / rethrow
 * in compiled and interpreted frames, exnrefs kept by compiled frames, globals and tables
 * across collections, and an exception that no frame takes reaching the host.  Every
 * program also runs in the interpreter, which must give the same result; the JIT's
 * fallback count says which functions really ran compiled (x86-64; AArch64 leaves
 * functions with handlers to the interpreter).  Interpreted frames between compiled ones
 * are made with CHIBI_JIT_ONLY (criterion runs each test in a process of its own).
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
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
	j = run_f(KEEP(200000), CHIBI_MODE_JIT);
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
