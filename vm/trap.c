/* vm/trap.c - the single trap path: vm_trap() records what and where, then unwinds to the
 * innermost chibi_func_call with siglongjmp.  Also the spec names of the trap codes.
 *
 * It never frees or resets engine state: chibi_func_call restores stack_top and the trap
 * chain after the jump.  Entry points: vm_trap, chibi_trap_name.
 */
#include <stdio.h>
#include <stdlib.h>

#include "runtime.h"

static const char *const trap_names[CHIBI_TRAP_COUNT] = {
	[CHIBI_TRAP_NONE] = "no trap",
	[CHIBI_TRAP_UNREACHABLE] = "unreachable",
	[CHIBI_TRAP_MEMORY_OOB] = "out of bounds memory access",
	[CHIBI_TRAP_TABLE_OOB] = "out of bounds table access",
	[CHIBI_TRAP_UNDEFINED_ELEMENT] = "undefined element",
	[CHIBI_TRAP_UNINITIALIZED] = "uninitialized element",
	[CHIBI_TRAP_INDIRECT_MISMATCH] = "indirect call type mismatch",
	[CHIBI_TRAP_DIV_ZERO] = "integer divide by zero",
	[CHIBI_TRAP_INT_OVERFLOW] = "integer overflow",
	[CHIBI_TRAP_INVALID_CONVERSION] = "invalid conversion to integer",
	[CHIBI_TRAP_STACK_EXHAUSTED] = "call stack exhausted",
	[CHIBI_TRAP_INTERRUPTED] = "interrupted",
	[CHIBI_TRAP_OUT_OF_FUEL] = "all fuel consumed",
	[CHIBI_TRAP_HOST] = "host error",
	[CHIBI_TRAP_EXIT] = "exit",
	[CHIBI_TRAP_NULL_REF] = "null reference",
	[CHIBI_TRAP_NULL_FUNC_REF] = "null function reference",
	[CHIBI_TRAP_EXCEPTION] = "uncaught exception",
	[CHIBI_TRAP_NULL_EXNREF] = "null exception reference",
};

/* Spec wording of a trap code ("unknown trap" for values outside the enum).  Static string. */
const char *chibi_trap_name(enum chibi_trap trap)
{
	if ((unsigned)trap >= CHIBI_TRAP_COUNT)
		return "unknown trap";
	return trap_names[trap];
}

/* Record the trap and unwind; see runtime.h.  message/exit_code were possibly written by a
 * host function (chibi_caller_set_*) before it returned the code, so they are kept. */
noreturn void vm_trap(struct chibi_store *s, enum chibi_trap code)
{
	struct trap_ctx *t = s->trap;
	struct chibi_instance *inst = s->cur_inst;
	uint32_t idx = s->cur_func_index;

	/* No active call means an engine bug; there is nowhere to unwind to. */
	if (!t)
		abort();
	/* A host function that returned CHIBI_TRAP_EXCEPTION without throwing one. */
	if (code == CHIBI_TRAP_EXCEPTION && !t->info.exn) {
		code = CHIBI_TRAP_HOST;
		snprintf(t->info.message, sizeof(t->info.message),
			 "host function returned an exception without throwing one");
	}
	t->info.kind = code;
	if (code != CHIBI_TRAP_EXCEPTION)
		t->info.exn = NULL;
	t->info.func_index = idx;
	t->info.func_name = NULL;
	if (inst && inst->mod->func_names && idx < inst->mod->nfuncs_total)
		t->info.func_name = inst->mod->func_names[idx];
	siglongjmp(t->jmp, 1);
}

/* See runtime.h. */
noreturn void vm_throw(struct chibi_store *s, struct chibi_exn *exn)
{
	struct exn_catch *c = s->exn_catch;

	if (!s->trap)
		abort();
	/* an interpreter frame with handlers below compiled code, inside this call */
	if (c && c->trap == s->trap) {
		c->exn = exn;
		siglongjmp(c->jmp, 1);
	}
	s->trap->info.exn = exn;
	vm_trap(s, CHIBI_TRAP_EXCEPTION);
}
