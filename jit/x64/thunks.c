/* jit/x64/thunks.c - the four pieces of glue between C (System V) and the JIT convention
 * (jit/x64/regs.h), built once per store into its code arena:
 *
 *   enter     C -> JIT: chibi_func_call's way in (struct jit_regs in, results out)
 *   exit      JIT -> C: host functions and functions left to the interpreter
 *   lazy      JIT -> compiler -> JIT: the first call of a function compiles it
 *   indirect  call_indirect meeting a function the JIT has no record of yet
 *   trap      the shared tail of every trap stub
 *
 * They know no wasm; the C they call is in jit/runtime.c.  Entry point: be_build_thunks.
 */
#include <stddef.h>

#include "../jit_int.h"
#include "regs.h"

/* Thunk frame of the JIT -> C thunks: struct jit_regs, the xmm homes, r11.  With the two pushes
 * (rsi, rdi) and the return address it keeps sp 16-aligned for the C call. */
#define TF_XMM ((int32_t)sizeof(struct jit_regs))
#define TF_R11 (TF_XMM + 7 * 8)
#define TF_SIZE (((TF_R11 + 8 + 15) & ~15) + 8)

/* Save what C may clobber but the JIT convention preserves or passes: argument registers,
 * rsi/rdi, the xmm homes and r11 (the callee). */
static void thunk_save(struct codebuf *cb)
{
	x64_push_r(cb, RSI);
	x64_push_r(cb, RDI);
	x64_sub_ri(cb, true, RSP, TF_SIZE);
	for (int i = 0; i < jit_target.narg[JC_GPR]; i++)
		x64_mov_mr(cb, true, x64_mb(RSP, RG_GPR(i)), jit_target.arg[JC_GPR][i]);
	for (int i = 0; i < jit_target.narg[JC_FPR]; i++)
		x64_movsd_mr(cb, x64_mb(RSP, RG_FPR(i)), HW(jit_target.arg[JC_FPR][i]));
	for (int i = 0; i < jit_target.nhome[JC_FPR]; i++)
		x64_movsd_mr(cb, x64_mb(RSP, TF_XMM + 8 * i), HW(jit_target.home[JC_FPR][i]));
	x64_mov_mr(cb, true, x64_mb(RSP, TF_R11), R11);
}

/* Undo thunk_save; with args, the argument registers and r11 come back too. */
static void thunk_restore(struct codebuf *cb, bool args)
{
	if (args) {
		for (int i = 0; i < jit_target.narg[JC_GPR]; i++)
			x64_mov_rm(cb, true, jit_target.arg[JC_GPR][i], x64_mb(RSP, RG_GPR(i)));
		for (int i = 0; i < jit_target.narg[JC_FPR]; i++)
			x64_movsd_rm(cb, HW(jit_target.arg[JC_FPR][i]), x64_mb(RSP, RG_FPR(i)));
		x64_mov_rm(cb, true, R11, x64_mb(RSP, TF_R11));
	}
	for (int i = 0; i < jit_target.nhome[JC_FPR]; i++)
		x64_movsd_rm(cb, HW(jit_target.home[JC_FPR][i]), x64_mb(RSP, TF_XMM + 8 * i));
}

static void thunk_leave(struct codebuf *cb)
{
	x64_add_ri(cb, true, RSP, TF_SIZE);
	x64_pop_r(cb, RDI);
	x64_pop_r(cb, RSI);
}

static void call_abs(struct codebuf *cb, const void *fn)
{
	x64_mov_ri64(cb, RAX, (uint64_t)(uintptr_t)fn);
	x64_call_r(cb, RAX);
}

/* enter(struct jit_regs *rdi, entry rsi, store rdx): C -> JIT.  Saves the SysV
 * callee-saved registers, copies the stack arguments, loads the argument registers,
 * calls, and stores the results back.  rbx keeps the stack-argument byte count across the
 * call (the JIT convention preserves it). */
static void build_enter(struct codebuf *cb)
{
	static const uint8_t saved[] = { RBP, RBX, R12, R13, R14, R15 };

	for (size_t i = 0; i < sizeof(saved); i++)
		x64_push_r(cb, saved[i]);
	x64_push_r(cb, RDI);                                 /* 7 pushes: sp 16-aligned */
	x64_mov_rr(cb, true, R_STORE, RDX);
	x64_mov_rr(cb, true, RAX, RSI);
	x64_mov_rm(cb, true, RBX, x64_mb(RDI, RG_NSTACK));
	x64_shift_ri(cb, true, SH_SHL, RBX, 3);
	x64_sub_rr(cb, true, RSP, RBX);
	x64_mov_rr(cb, true, R11, RDI);
	x64_mov_rm(cb, true, RCX, x64_mb(R11, RG_NSTACK));
	x64_mov_rm(cb, true, RSI, x64_mb(R11, RG_STACK));
	x64_mov_rr(cb, true, RDI, RSP);
	x64_rep_movsq(cb);
	for (int i = 0; i < jit_target.narg[JC_GPR]; i++)
		x64_mov_rm(cb, true, jit_target.arg[JC_GPR][i], x64_mb(R11, RG_GPR(i)));
	for (int i = 0; i < jit_target.narg[JC_FPR]; i++)
		x64_movsd_rm(cb, HW(jit_target.arg[JC_FPR][i]), x64_mb(R11, RG_FPR(i)));
	x64_call_r(cb, RAX);
	x64_mov_rm(cb, true, R11, x64_mbi(RSP, RBX, 0, 0));  /* the saved struct jit_regs * */
	x64_mov_mr(cb, true, x64_mb(R11, RG_GPR(0)), RAX);
	x64_movsd_mr(cb, x64_mb(R11, RG_FPR(0)), 0);
	x64_mov_rr(cb, true, RCX, RBX);
	x64_shift_ri(cb, true, SH_SHR, RCX, 3);
	x64_mov_rr(cb, true, RSI, RSP);
	x64_mov_rm(cb, true, RDI, x64_mb(R11, RG_STACK));
	x64_rep_movsq(cb);
	x64_add_rr(cb, true, RSP, RBX);
	x64_pop_r(cb, RDI);
	for (size_t i = sizeof(saved); i-- > 0;)
		x64_pop_r(cb, saved[i]);
	x64_ret(cb);
}

/* exit: JIT -> C for host functions and functions left to the interpreter (r11 = jf). */
static void build_exit(struct codebuf *cb)
{
	thunk_save(cb);
	x64_lea(cb, true, RAX, x64_mb(RSP, TF_SIZE + 16 + 8));  /* the caller's stack args */
	x64_mov_mr(cb, true, x64_mb(RSP, RG_STACK), RAX);
	x64_mov_rm(cb, true, RAX, x64_mb(RSP, TF_SIZE + 16));   /* return address */
	x64_mov_mr(cb, true, x64_mb(RSP, RG_RET), RAX);
	x64_mov_rr(cb, true, RDI, R_STORE);
	x64_mov_rr(cb, true, RSI, R11);
	x64_mov_rr(cb, true, RDX, RSP);
	call_abs(cb, (const void *)jit_rt_call_out);
	x64_mov_rm(cb, true, RAX, x64_mb(RSP, RG_GPR(0)));
	x64_movsd_rm(cb, 0, x64_mb(RSP, RG_FPR(0)));
	thunk_restore(cb, false);
	thunk_leave(cb);
	x64_ret(cb);
}

/* rax = fn(store, r11) with everything the JIT caller passed preserved (its argument
 * registers and r11); the common body of the lazy and indirect thunks. */
static void call_keeping_args(struct codebuf *cb, const void *fn)
{
	thunk_save(cb);
	x64_mov_rr(cb, true, RDI, R_STORE);
	x64_mov_rr(cb, true, RSI, R11);
	call_abs(cb, fn);
	x64_mov_mr(cb, true, x64_mb(RSP, RG_NSTACK), RAX);
	thunk_restore(cb, true);
	x64_mov_rm(cb, true, RAX, x64_mb(RSP, RG_NSTACK));
	thunk_leave(cb);
}

/* lazy: compile r11's function, then tail-call whatever its entry became. */
static void build_lazy(struct codebuf *cb)
{
	call_keeping_args(cb, (const void *)jit_rt_lazy);
	x64_jmp_r(cb, RAX);
}

/* indirect: rax = jit_func of the chibi_func in r11 (argument registers preserved). */
static void build_indirect(struct codebuf *cb)
{
	call_keeping_args(cb, (const void *)jit_rt_func);
	x64_ret(cb);
}

/* trap: called (not jumped to) from a function's trap stub with esi = kind; the return
 * address tells jit_rt_trap_pc which function trapped.  Never returns. */
static void build_trap(struct codebuf *cb)
{
	x64_pop_r(cb, RDX);
	x64_mov_rr(cb, true, RDI, R_STORE);
	x64_and_ri(cb, true, RSP, -16);
	call_abs(cb, (const void *)jit_rt_trap_pc);
	x64_int3(cb);
}

void be_build_thunks(struct codebuf *cb, struct jit_thunks *out)
{
	static const jit_thunk_fn build[JT_COUNT] = {
		[JT_ENTER] = build_enter, [JT_EXIT] = build_exit, [JT_LAZY] = build_lazy,
		[JT_INDIRECT] = build_indirect, [JT_TRAP] = build_trap,
	};

	jit_lay_out_thunks(cb, out, build, x64_int3);
}
