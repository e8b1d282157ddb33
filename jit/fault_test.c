/* jit/fault_test.c - allocation failures inside the JIT (SQLite faultsim style).
 *
 * A module with calls, loops, a br_table, memory and table instructions, numeric helpers
 * and a host import is instantiated without injection; then every allocation from the first
 * call on is failed in turn (k = 0, 1, 2, ... until the calls need fewer than k), while the
 * JIT compiles lazily, eagerly (CHIBI_JIT_EAGER) or for chibi inspect (compile_instance,
 * which also keeps the code maps).  Every run must give the right results (a function the
 * JIT could not compile runs in the interpreter) or a clean host trap, and the ASan build's
 * LeakSanitizer checks that nothing leaks on any of those paths.
 */
#include <criterion/criterion.h>
#include <stdlib.h>

#include "jit.h"
#include "../vm/alloc.h"
#include "../vm/test_wat.h"

static const char module_wat[] =
	"(module"
	" (import \"env\" \"twice\" (func $twice (param i64) (result i64)))"
	" (type $ii (func (param i32) (result i32)))"
	" (memory 1 4) (table 4 funcref) (elem (i32.const 0) $sq $fib $pick)"
	" (global $acc (mut i64) (i64.const 0))"
	" (func $sq (type $ii) (i32.mul (local.get 0) (local.get 0)))"
	" (func $fib (type $ii)"
	"   (if (result i32) (i32.lt_u (local.get 0) (i32.const 2)) (then (local.get 0))"
	"     (else (i32.add (call $fib (i32.sub (local.get 0) (i32.const 1)))"
	"                    (call $fib (i32.sub (local.get 0) (i32.const 2)))))))"
	" (func $pick (type $ii)"
	"   (block $d (block $c (block $b (block $a"
	"     (br_table $a $b $c $d (local.get 0)))"
	"     (return (i32.const 10))) (return (i32.const 20))) (return (i32.const 30)))"
	"   (i32.const 40))"
	" (func $sum (param $n i32) (result i64) (local $i i32) (local $s i64)"
	"   (loop $l"
	"     (i64.store (i32.shl (local.get $i) (i32.const 3)) (i64.extend_i32_u (local.get $i)))"
	"     (local.set $s (i64.add (local.get $s)"
	"       (i64.load (i32.shl (local.get $i) (i32.const 3)))))"
	"     (local.set $i (i32.add (local.get $i) (i32.const 1)))"
	"     (br_if $l (i32.lt_u (local.get $i) (local.get $n))))"
	"   (local.get $s))"
	" (func (export \"run\") (param $x i32) (result i64)"
	"   (local $r i64)"
	"   (local.set $r (i64.extend_i32_u (call_indirect (type $ii) (local.get $x) (i32.const 0))))"
	"   (local.set $r (i64.add (local.get $r) (i64.extend_i32_u (call $fib (local.get $x)))))"
	"   (local.set $r (i64.add (local.get $r)"
	"     (i64.extend_i32_u (call_indirect (type $ii) (i32.const 2) (i32.const 2)))))"
	"   (local.set $r (i64.add (local.get $r) (call $sum (i32.const 100))))"
	"   (local.set $r (i64.add (local.get $r) (i64.div_u (local.get $r) (i64.const 7))))"
	"   (local.set $r (i64.add (local.get $r)"
	"     (i64.trunc_f64_s (f64.sqrt (f64.convert_i32_u (local.get $x))))))"
	"   (drop (memory.grow (i32.const 1)))"
	"   (memory.fill (i32.const 60000) (i32.const 1) (i32.const 8))"
	"   (local.set $r (i64.add (local.get $r) (i64.load (i32.const 60000))))"
	"   (global.set $acc (call $twice (local.get $r)))"
	"   (global.get $acc)))";

static enum chibi_trap h_twice(chibi_caller *c, void *env, uint64_t *slots)
{
	slots[0] = slots[0] * 2;
	return CHIBI_TRAP_NONE;
}

/* run(16): 256 + fib 987 + pick(2) 30 + sum 4950 = 6223; + 6223/7 = 7112; + sqrt 4 = 7116;
 * + 0x0101010101010101; then doubled by the host.  memory.grow may fail (an injected
 * failure of its reservation): nothing depends on it. */
#define RUN_ARG 16
#define RUN_RESULT ((int64_t)((7116 + 0x0101010101010101ull) * 2))

static long fail_countdown = -1; /* fail when it reaches 0; < 0 disables */
static bool not_reached;         /* the last run made fewer than k + 1 allocations */

static bool fail_kth(size_t size)
{
	return fail_countdown >= 0 && fail_countdown-- == 0;
}

enum how { LAZY, EAGER, INSPECT };

/* Instantiate (no injection), then with allocation k failing (k < 0: none) compile as `how`
 * says and call run twice.  Returns the trap of the calls; the result goes to *out and the
 * JIT's counters to *st. */
static enum chibi_trap one_run(const uint8_t *bytes, size_t len, enum how how, long k,
			       int64_t *out, struct engine_stats *st)
{
	struct chibi_config cfg = { .mode = CHIBI_MODE_JIT };
	chibi_val arg = { .type = CHIBI_I32, .of.i32 = RUN_ARG }, res;
	chibi_module *m = NULL;
	chibi_store *s;
	chibi_linker *l;
	chibi_instance *inst = NULL;
	enum chibi_trap t = CHIBI_TRAP_NONE;

	fail_countdown = -1;
	cr_assert_eq(chibi_module_new(bytes, len, &m, NULL), CHIBI_OK);
	s = chibi_store_new(&cfg);
	l = chibi_linker_new();
	cr_assert(s && l);
	cr_assert_eq(chibi_linker_define_host(l, s, "env", "twice", "I:I", h_twice, NULL),
		     CHIBI_OK);
	cr_assert_eq(chibi_instance_new(s, m, l, &inst, NULL, NULL), CHIBI_OK);
	if (how == EAGER)
		setenv("CHIBI_JIT_EAGER", "1", 1);
	fail_countdown = k;
	if (how == INSPECT)
		engine_jit->compile_instance(inst, NULL);
	for (int i = 0; i < 2 && t == CHIBI_TRAP_NONE; i++) {
		res.of.i64 = 0;
		t = chibi_func_call(chibi_instance_func(inst, "run"), &arg, 1, &res, 1, NULL);
		*out = res.of.i64;
	}
	not_reached = fail_countdown >= 0;
	fail_countdown = -1;
	unsetenv("CHIBI_JIT_EAGER");
	engine_jit->stats(s, st);
	chibi_linker_free(l);
	chibi_store_free(s);
	chibi_module_free(m);
	return t;
}

static void fault_loop(enum how how)
{
	size_t len = 0;
	uint8_t *bytes = wat_bytes(module_wat, &len);
	struct engine_stats st;
	int64_t result = 0;
	long k, fell_back = 0, trapped = 0;

	cr_assert_not_null(bytes);
	alloc_set_fail_hook(fail_kth);
	cr_assert_eq(one_run(bytes, len, how, -1, &result, &st), CHIBI_TRAP_NONE);
	cr_assert_eq(result, RUN_RESULT, "got %ld", (long)result);
	cr_assert_eq(st.fallbacks, 0);
	cr_assert_geq(st.compiled, 5);
	for (k = 0;; k++) {
		enum chibi_trap t = one_run(bytes, len, how, k, &result, &st);

		if (not_reached || k > 100000) {
			/* fewer than k allocations: every one has been failed once */
			cr_expect_eq(t, CHIBI_TRAP_NONE);
			break;
		}
		/* The interpreter reports its own allocation failures as a host trap; the JIT
		 * falls back to the interpreter, or traps the same way when not even that works. */
		cr_expect(t == CHIBI_TRAP_HOST || (t == CHIBI_TRAP_NONE && result == RUN_RESULT),
			  "k=%ld: trap %d, result %ld", k, t, (long)result);
		fell_back += st.fallbacks > 0;
		trapped += t != CHIBI_TRAP_NONE;
	}
	alloc_set_fail_hook(NULL);
	free(bytes);
	cr_log_info("%s: %ld allocations failed in turn: %ld runs with fallbacks, %ld trapped",
		    how == LAZY ? "lazy" : how == EAGER ? "eager" : "inspect", k, fell_back,
		    trapped);
	/* the failures reached the compiler, not only the interpreter */
	cr_expect_gt(fell_back, 0);
	cr_expect_gt(k, 5);
	cr_expect_eq(test_leaks_now(), 0, "LeakSanitizer found leaks (report above)");
}

Test(jit_fault, every_allocation_of_lazy_compilation)
{
	fault_loop(LAZY);
}

Test(jit_fault, every_allocation_of_eager_compilation)
{
	fault_loop(EAGER);
}

Test(jit_fault, every_allocation_of_inspect_compilation)
{
	fault_loop(INSPECT);
}
