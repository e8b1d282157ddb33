/* jit/stack_test.c - chibi_config.max_stack_bytes means the same in both tiers.
 *
 * The budget is the stack a chain of wasm calls may use: the interpreter's value stack
 * (frames included), the JIT's native stack below its outermost entry.  Frame sizes differ
 * between the tiers, so the depths differ, but in each tier the depth must grow with the
 * budget: the JIT used to stop at the thread's native stack (~8 MiB) whatever was asked
 * for, and the interpreter accepted up to 1 TiB, backed with RAM as it went.
 */
#include <criterion/criterion.h>
#include <stdint.h>
#include <stdlib.h>

#include "../vm/test_wat.h"

/* Recurses until the stack runs out, counting the calls in a global. */
static const char deep_wat[] =
	"(module\n"
	"  (global $d (mut i32) (i32.const 0))\n"
	"  (func $rec (export \"rec\") (param i64 i64) (result i64)\n"
	"    (global.set $d (i32.add (global.get $d) (i32.const 1)))\n"
	"    (i64.add (call $rec (local.get 0) (local.get 1)) (local.get 1)))\n"
	"  (func (export \"depth\") (result i32) (global.get $d)))\n";

/* Calls made before the stack of `bytes` ran out in `mode`; 0 when the call did not end
 * with "call stack exhausted". */
static uint32_t depth_for(enum chibi_exec_mode mode, size_t bytes)
{
	struct chibi_config cfg = { .mode = mode, .max_stack_bytes = bytes };
	chibi_module *m = wat_module(deep_wat);
	chibi_store *s = chibi_store_new(&cfg);
	chibi_linker *l = chibi_linker_new();
	chibi_instance *inst = NULL;
	struct chibi_diag d = { 0 };
	chibi_val args[2] = { { .type = CHIBI_I64 }, { .type = CHIBI_I64 } }, r;
	enum chibi_trap t;
	uint32_t depth = 0;

	cr_assert(m && s && l);
	cr_assert_eq(chibi_instance_new(s, m, l, &inst, &d, NULL), CHIBI_OK, "%s", d.msg);
	t = chibi_func_call(chibi_instance_func(inst, "rec"), args, 2, &r, 1, NULL);
	if (t == CHIBI_TRAP_STACK_EXHAUSTED &&
	    chibi_func_call(chibi_instance_func(inst, "depth"), NULL, 0, &r, 1, NULL) ==
		    CHIBI_TRAP_NONE)
		depth = (uint32_t)r.of.i32;
	chibi_linker_free(l);
	chibi_store_free(s);
	chibi_module_free(m);
	return depth;
}

/* Under qemu-user (make test-arm64 sets QEMU_LD_PREFIX) the guest's main stack is one
 * fixed mapping, not a stack the kernel grows up to RLIMIT_STACK: raising the limit gains
 * nothing there, so the JIT cannot go beyond it.  Real AArch64 Linux grows it as x86-64
 * does. */
static bool fixed_native_stack(void)
{
	return getenv("QEMU_LD_PREFIX") != NULL;
}

/* 4 MiB and 32 MiB: eight times the budget, close to eight times the depth, in both tiers
 * (32 MiB is far beyond the 8 MiB native stack the JIT used to stop at). */
static void scales(enum chibi_exec_mode mode, const char *name)
{
	uint32_t small = depth_for(mode, (size_t)4 << 20);
	uint32_t big = depth_for(mode, (size_t)32 << 20);

	cr_assert_gt(small, 1000, "%s: %u calls in 4 MiB", name, small);
	cr_expect(big >= small * 7 && big <= small * 9,
		  "%s: %u calls in 32 MiB, %u in 4 MiB: the budget must mean the same", name, big,
		  small);
}

Test(stack, budget_scales_in_the_interpreter)
{
	scales(CHIBI_MODE_INTERP, "interpreter");
}

Test(stack, budget_scales_in_the_jit)
{
	if (fixed_native_stack())
		cr_skip_test("qemu-user: the guest's main stack does not grow");
	scales(CHIBI_MODE_JIT, "jit");
}

/* A budget above the documented maximum is refused; the maximum itself works in both
 * tiers. */
Test(stack, budget_is_bounded)
{
	struct chibi_config too_big = { .max_stack_bytes = CHIBI_MAX_STACK_BYTES + 1 };
	struct chibi_config tera = { .max_stack_bytes = (size_t)1 << 40 };
	struct chibi_config max = { .max_stack_bytes = CHIBI_MAX_STACK_BYTES };
	chibi_store *s;

	cr_expect_null(chibi_store_new(&too_big));
	cr_expect_null(chibi_store_new(&tera));
	s = chibi_store_new(&max);
	cr_expect_not_null(s);
	chibi_store_free(s);
	if (!fixed_native_stack())
		cr_expect_gt(depth_for(CHIBI_MODE_JIT, CHIBI_MAX_STACK_BYTES),
			     depth_for(CHIBI_MODE_JIT, (size_t)32 << 20));
	cr_expect_gt(depth_for(CHIBI_MODE_INTERP, CHIBI_MAX_STACK_BYTES),
		     depth_for(CHIBI_MODE_INTERP, (size_t)32 << 20));
}
