/* jit/target.h - the contract between the front end (jit/lower.c) and a back end
 * (jit/x64/, jit/arm64/).
 *
 * The front end decides: value-stack bookkeeping, which value lives in which register or
 * frame slot, control flow, frame layout.  A back end only encodes: every be_* function
 * below turns one already-decided operation into instructions.  Operands arrive as
 * struct jopnd (a register, an immediate or a frame slot); a back end materialises what its
 * instruction set cannot take directly using its private scratch registers, which the
 * front end never allocates.
 *
 * Register numbers (jreg) are the back end's: GPRs are 0 .. fpr_base-1, floating-point
 * registers fpr_base .. nregs-1, at most 64 in all so that sets fit a uint64_t.
 */
#ifndef CHIBI_JIT_TARGET_H
#define CHIBI_JIT_TARGET_H

#include "../vm/runtime.h"
#include "codebuf.h"

typedef uint8_t jreg;
#define JREG_NONE 0xff

struct jit_func;
struct jit_store;

enum { JC_GPR = 0, JC_FPR = 1 };

/* Register convention of a back end (its regs.h fills one, as `jit_target`). */
struct jit_target {
	const char *name;
	uint8_t fpr_base;            /* first FPR number */
	/* caller-saved registers the front end may allocate for operand-stack values, in
	 * order of preference */
	uint8_t ntemp[2];
	jreg temp[2][16];
	/* registers the JIT convention preserves across calls (the callee saves the ones it
	 * uses): homes of hot locals, in order of preference */
	uint8_t nhome[2];
	jreg home[2][16];
	/* temps a function without wasm calls may also use as homes (no save needed) */
	uint8_t nleaf_home[2];
	jreg leaf_home[2][8];
	/* argument and result registers of the JIT convention */
	uint8_t narg[2];
	jreg arg[2][8];
	jreg ret[2];
	/* where block/loop values travel at branches (first two of each class) */
	jreg canon[2][2];
	/* C calling convention, for helper calls */
	uint8_t nhelper_arg;         /* integer argument registers */
	jreg helper_arg[8];
	jreg helper_ret;             /* integer result (value) */
	jreg helper_ret2;            /* second integer result (trap code) */
	uint64_t c_clobbers;         /* registers a C call may change */
	/* register receiving the element index of call_indirect (a temp, not an argument) */
	jreg indirect_idx;
	/* the back end compiles position-independent code for compiled files (jit/aot.c) */
	bool pic;
	/* Exception handling in compiled code (jit/runtime.c jit_land, jit_unwind): the
	 * runtime can land in a frame, i.e. set sp to a frame's (the same for the whole body),
	 * the store register (AArch64: and x29 to the frame record at sp + frame.total - 16),
	 * and jump to a pad.  Everything else is shared: the front end
	 * keeps every value of a function with handlers or exnref values in memory and saves
	 * every home in its prologue, so a pad needs nothing restored but sp; be_call_helper's
	 * return address must lie inside the calling function's code and the frame's return
	 * address at sp + frame.total - 8 (the unwinder's step).  False: every function with
	 * handlers, exnref values, throw_ref or legacy try is left to the interpreter
	 * (counted fallbacks); throw alone is still compiled. */
	bool eh_landing;
};

extern const struct jit_target jit_target;

static inline int jreg_class(jreg r)
{
	return r >= jit_target.fpr_base ? JC_FPR : JC_GPR;
}

/* v128 values live in FPRs (x64: xmm registers), in 16-byte frame slots. */
static inline int vt_class(uint8_t vt)
{
	return vt == VT_F32 || vt == VT_F64 || vt == VT_V128 ? JC_FPR : JC_GPR;
}

/* Does a value of type vt fill 64 bits (i64, f64, references)? */
static inline bool vt_is64(uint8_t vt)
{
	return vt != VT_I32 && vt != VT_F32;
}

/* Opcode classes both sides of the interface branch on, read from opcodes.def's columns
 * (class, type, flags; the relation of a comparison is op_info[op].rel). */
static inline bool op_is_int_cmp(uint16_t op)
{
	return op_info[op].cls == OPCL_COMPARE && op_is_int(op);
}

static inline bool op_is_float_cmp(uint16_t op)
{
	return op_info[op].cls == OPCL_COMPARE && !op_is_int(op);
}

static inline bool op_is_eqz(uint16_t op)
{
	return op_info[op].cls == OPCL_TEST;
}

/* Integer division and remainder: the binary operators that can trap. */
static inline bool op_is_divrem(uint16_t op)
{
	return op_info[op].cls == OPCL_BINOP && (op_info[op].flags & OPF_TRAP);
}

/* An operand.  OP_MEM is a frame slot: [stack pointer + off] after the prologue.  OP_HOST,
 * only as the address of a load or store: a host address in register reg, already checked
 * by the front end (an access to a memory other than memory 0, or to a 64-bit one). */
enum { OP_REG, OP_IMM, OP_MEM, OP_HOST };
struct jopnd {
	uint8_t kind;
	jreg reg;
	int32_t off;
	uint64_t imm;   /* raw bits; i32 sign-extended as the decoder gives it, floats as IEEE */
};

static inline struct jopnd jo_reg(jreg r)
{
	return (struct jopnd){ .kind = OP_REG, .reg = r };
}

static inline struct jopnd jo_imm(uint64_t v)
{
	return (struct jopnd){ .kind = OP_IMM, .reg = JREG_NONE, .imm = v };
}

static inline struct jopnd jo_mem(int32_t off)
{
	return (struct jopnd){ .kind = OP_MEM, .reg = JREG_NONE, .off = off };
}

static inline bool jo_same(struct jopnd a, struct jopnd b)
{
	if (a.kind != b.kind)
		return false;
	if (a.kind == OP_REG)
		return a.reg == b.reg;
	if (a.kind == OP_MEM)
		return a.off == b.off;
	return a.imm == b.imm;
}

/*
 * Frame of a JIT function (the stack grows down; offsets are from sp after the prologue):
 *
 *        |  caller's frame                |
 *        +--------------------------------+ <- sp + in_args + 8k: stack argument k, or
 *        |  stack arguments / results     |    result k of a multi-value function
 *        +--------------------------------+ <- sp + in_args
 *        |  return address, saved GPR     |    the back end's part: see the diagram
 *        |  homes                         |    above its be_prologue()
 *        +--------------------------------+ <- sp + size
 *        |  alignment                     |
 *        |  if-parameter save areas       |    body: the front end's part
 *        |  saved FPR homes               |    (lower.c, layout_frame)
 *        |  helper-call save slots        |    homes C may clobber
 *        |  locals kept in memory         |
 *        |  operand-stack slots           |    slot of stack position i: fixed offset
 *        |  outgoing arguments / results  |    [sp + 8k] for the callee
 *        +--------------------------------+ <- sp, 16-byte aligned
 *
 * The front end saves the FPR homes itself (plain moves to its slots); what needs the
 * back end's instructions (pushes, pairs, the return address) is the back end's.
 */
struct jframe {
	uint32_t body;            /* bytes of slots the front end needs (multiple of 8) */
	uint64_t saved;           /* JIT-callee-saved homes this function uses: be_prologue
	                           * saves and be_epilogue restores the GPRs among them, the
	                           * front end the FPRs */
	/* filled by be_frame_finish: */
	uint32_t size;            /* bytes the prologue subtracts from the stack pointer */
	int32_t in_args;          /* offset of the incoming stack-argument / result area */
	uint32_t total;           /* whole frame including saves and return address */
};

#define JIT_MAX_CONSTS 32

/* Compilation state the back end may read (the front end owns it). */
struct jcomp {
	struct codebuf *cb;
	struct jit_store *js;
	struct chibi_store *store;
	struct chibi_instance *inst;
	struct chibi_func *func;
	struct chibi_memory *mem;  /* memory 0 of the instance, or NULL */
	bool uses_memory;          /* the body touches memory 0 (pinned registers needed) */
	bool explicit_bounds;      /* bounds-check every access instead of using guard pages */
	bool fuel;                 /* count fuel at polls */
	struct jframe frame;
	uint32_t trap_label[CHIBI_TRAP_COUNT]; /* 0 = not created; see jc_trap_label */
	uint32_t trap_any_label;   /* trap code in helper_ret2 */
	uint64_t be_private[4];    /* the back end's own per-function state (zeroed) */
	/* 16-byte constants the back end places after the function (be_finish), up to
	 * JIT_MAX_CONSTS; beyond that it builds them in registers */
	struct jconst { uint64_t lo, hi; uint32_t label; } consts[JIT_MAX_CONSTS];
	uint32_t nconsts;
};

/* Label of the out-of-line stub that raises `kind` (created on first use). */
static inline uint32_t jc_trap_label(struct jcomp *c, enum chibi_trap kind)
{
	if (!c->trap_label[kind])
		c->trap_label[kind] = cb_label_new(c->cb);
	return c->trap_label[kind];
}

static inline uint32_t jc_trap_any_label(struct jcomp *c)
{
	if (!c->trap_any_label)
		c->trap_any_label = cb_label_new(c->cb);
	return c->trap_any_label;
}

/* ==== the back-end interface ==== */

/* Registers this function may not allocate (pinned by the back end for its mode). */
uint64_t be_reserved(const struct jcomp *c);
/* Fill frame->size, in_args and total from body and saved (alignment, save area). */
void be_frame_finish(struct jframe *frame);

/* Frames up to this size fit in the margin the runtime leaves below the stack limit
 * (STACK_MARGIN in runtime.c): their prologue compares sp itself with the limit, before
 * anything is pushed; a larger frame is checked against its full size. */
#define JIT_FRAME_UNCHECKED 65536u

/* Function entry: stack-limit check, save the GPR homes in `saved`, allocate the frame.
 * Incoming arguments are untouched.  The front end follows it with the FPR home saves,
 * be_load_mem and be_poll. */
void be_prologue(struct jcomp *c);
/* Function exit: restore the saved GPR homes, free the frame, return.  Results are in
 * place and the FPR homes restored. */
void be_epilogue(struct jcomp *c);
/* Interrupt (and fuel) check at function entry and loop headers. */
void be_poll(struct jcomp *c);
/* Set the pinned registers of memory 0 (c->mem; only when c->uses_memory): all of them at
 * entry, or with reload only what a call or memory.grow may have changed. */
void be_load_mem(struct jcomp *c, bool reload);
/* Zero the frame slots [off, off + 8 * n). */
void be_zero_slots(struct jcomp *c, int32_t off, uint32_t n);

/* dst = src for a value of type vt.  dst is OP_REG or OP_MEM; src any kind.  A register of
 * the other class is converted bit for bit (i64 <-> f64 moves, helper arguments). */
void be_mov(struct jcomp *c, uint8_t vt, struct jopnd dst, struct jopnd src);
/* Exchange a register with a register or frame slot. */
void be_swap(struct jcomp *c, uint8_t vt, jreg a, struct jopnd b);

/* The SIMD instruction set v128 code is compiled for on this host, decided once per process
 * ("sse4.1", "avx2", ...; x86-64: the CPU's, lowered by CHIBI_JIT_ISA), or NULL when the
 * back end compiles no v128 code here: functions using v128 then run in the interpreter,
 * counted as fallbacks with the reason. */
const char *be_simd_isa(void);

/* The CPU features code compiled on this host may use (bits the back end defines, the same
 * in every process of one build) and their names in desc (compiled files' headers). */
uint32_t be_cpu_features(char *desc, size_t n);

/* Can the back end emit `op` inline?  If not, the front end calls the shared C helper
 * (jit_num_helper) with the operands as raw 64-bit bits. */
bool be_inline(uint16_t op);
/* Registers `op` may overwrite besides dst and the scratch registers, given its right
 * operand (e.g. x64 division: rax, rdx; variable shifts: rcx).  The front end moves every
 * other live value out of them; operands may still be in them. */
uint64_t be_clobbers(uint16_t op, const struct jopnd *rhs);
/* dst = op(src).  Numeric unary operators and conversions (opcodes.def rows with one
 * parameter), including eqz; not the reinterpretations (be_mov).  dst may equal src's
 * register. */
void be_unop(struct jcomp *c, uint16_t op, jreg dst, struct jopnd src);
/* dst = lhs op rhs.  Binary numeric operators and comparisons.  dst may alias either
 * operand's register.  Trapping operators branch to the function's trap labels (a
 * constant zero divisor never arrives: the front end jumps to the trap itself).  An
 * integer comparison (here and below) has an immediate on the left only if both are. */
void be_binop(struct jcomp *c, uint16_t op, jreg dst, struct jopnd lhs, struct jopnd rhs);
/* Branch to label if `lhs op rhs` (a comparison opcode, or i32/i64.eqz with rhs unused)
 * is true, or false when negate. */
void be_cmp_branch(struct jcomp *c, uint16_t op, struct jopnd lhs, struct jopnd rhs,
		   bool negate, uint32_t label);
/* Branch to label if the i32 `v` (not an immediate) is non-zero (zero when negate). */
void be_test_branch(struct jcomp *c, struct jopnd v, bool negate, uint32_t label);
/* dst = cond ? a : b; cond is an i32, not an immediate.  dst may alias any operand
 * register. */
void be_select(struct jcomp *c, uint8_t vt, jreg dst, struct jopnd a, struct jopnd b,
	       struct jopnd cond);
/* dst = (lhs cmp_op rhs) ? a : b with a fused integer comparison (or eqz). */
void be_select_cmp(struct jcomp *c, uint8_t vt, jreg dst, struct jopnd a, struct jopnd b,
		   uint16_t cmp_op, struct jopnd lhs, struct jopnd rhs);

void be_jmp(struct jcomp *c, uint32_t label);
/* Jump to labels[idx] for idx < n, else to labels[n] (n >= 1).  idx is an i32 in a temp
 * register, which the back end may clobber. */
void be_br_table(struct jcomp *c, jreg idx, uint32_t n, const uint32_t *labels);

/* Loads and stores on memory 0 (opcodes.def memory rows).  addr is OP_REG or OP_IMM
 * (the i32 address), or OP_HOST (offset 0: the front end checked the access; any memory),
 * val is OP_REG or OP_IMM. */
void be_load(struct jcomp *c, uint16_t op, jreg dst, struct jopnd addr, uint32_t offset);
void be_store(struct jcomp *c, uint16_t op, struct jopnd addr, struct jopnd val,
	      uint32_t offset);
/* dst = *(vt *)addr / *(vt *)addr = src for a fixed host address (globals, sizes). */
void be_load_abs(struct jcomp *c, uint8_t vt, jreg dst, const void *addr);
void be_store_abs(struct jcomp *c, uint8_t vt, void *addr, struct jopnd src);

/* ---- SIMD: v128 values live in FPRs; called only when be_simd_isa() is non-NULL ---- */

/* dst = the v128 constant lo | hi << 64. */
void be_v128_const(struct jcomp *c, jreg dst, uint64_t lo, uint64_t hi);
/* Can the back end lower the SIMD row `op` on this host?  If not, the function runs in the
 * interpreter (the reason names the instruction). */
bool be_simd_inline(uint16_t op);
/* dst = op(src[0 .. n)) for the classes VSHUFFLE .. VREPLACE of opcodes.def: v128 operands
 * and splat/replace scalars are registers, a shift count a register or an immediate.
 * lane: the lane index (VEXTRACT, VREPLACE); imm16: the 16 lane bytes of a shuffle (0-15
 * read src[0], 16-31 src[1], 0x80 is a zero byte: the front end's known-zero operand).  dst
 * may alias any operand register. */
void be_simd(struct jcomp *c, uint16_t op, jreg dst, const struct jopnd *src, uint32_t n,
	     uint32_t lane, const uint8_t *imm16);
/* SIMD loads of memory 0 (VLOAD; VLOADLANE, where dst holds the vector on entry) and stores
 * (VSTORE, VSTORELANE) of the register val; addr as for be_load. */
void be_vload(struct jcomp *c, uint16_t op, jreg dst, struct jopnd addr, uint32_t offset,
	      uint32_t lane);
void be_vstore(struct jcomp *c, uint16_t op, struct jopnd addr, jreg val, uint32_t offset,
	       uint32_t lane);

/* Calls in the JIT convention: arguments are in place (argument registers, then
 * [sp + 8k]).  The call may clobber every temp that is not an argument register.
 * Direct call of jf; `code` is its compiled entry if already known (else the call goes
 * through jf->entry), self = a recursive call to the function being compiled. */
void be_call_direct(struct jcomp *c, struct jit_func *jf, const void *code, bool self);
/* return_call of jf (arguments in argument registers only; the front end has restored
 * the FPR homes): free the frame and restore the GPR homes as be_epilogue does, then jump
 * to the callee, which returns to this function's caller.  code and self as above. */
void be_tail_call_direct(struct jcomp *c, struct jit_func *jf, const void *code, bool self);
/* call_indirect through `table` with the element index in jit_target.indirect_idx:
 * bounds, null and signature (type_id) checks, then the call.  depth: JIT_FINAL for a
 * final type (the ids must be equal), else the type's supertype depth: a callee whose id
 * differs passes when its chibi_func's type_depth > depth and type_supers[depth] ==
 * type_id (the subtype check in O(1), only after the equal-id compare failed). */
#define JIT_FINAL UINT32_MAX
void be_call_indirect(struct jcomp *c, struct chibi_table *table, uint32_t type_id,
		      uint32_t depth);
/* call_ref: the function reference (a chibi_func, null traps "null function reference")
 * in jit_target.indirect_idx; its type is right by validation. */
void be_call_ref(struct jcomp *c);
/* return_call_indirect / return_call_ref: the checks of the call forms, then the frame
 * is freed as by be_tail_call_direct and the callee is jumped to.  Stack arguments are
 * already in this function's incoming area (see JIT_TAIL_WORDS). */
void be_tail_call_indirect(struct jcomp *c, struct chibi_table *table, uint32_t type_id,
			   uint32_t depth);
void be_tail_call_ref(struct jcomp *c);
/* dst = a host address (an object a helper takes, a funcref): an immediate, or in code
 * for a compiled file a load from the image's slot for it (jit_int.h, jit_pic_find). */
void be_addr(struct jcomp *c, jreg dst, const void *addr);
/* dst = the address of the frame at off (a jo_mem operand's place), for a helper that
 * reads several values at once (throw's payload). */
void be_frame_addr(struct jcomp *c, jreg dst, int32_t off);
/* Call a C function (arguments already in the helper registers).  The front end tests
 * the trap code in helper_ret2 itself. */
void be_call_helper(struct jcomp *c, const void *fn);

/* The tail of the out-of-line trap stubs at the end of a function: raise the trap whose
 * kind (enum chibi_trap, 32 bits) is in helper_arg[1] -- where jit_rt_trap and
 * jit_rt_trap_pc take it -- naming the function being compiled.  Never returns. */
void be_trap_stub(struct jcomp *c);

/* After the trap stubs, the last code of a function: what the back end appends (x64: the
 * constant pool of c->consts). */
void be_finish(struct jcomp *c);

/* Apply one fix-up (label resolved) or relocation (final address known). */
void be_patch_fixup(struct codebuf *cb, const struct cb_fixup *f, int32_t target);
void be_patch_reloc(uint8_t *code, const struct cb_reloc *r);
/* Check a finished function for poison (operands an encoder could not encode). */
bool be_validate_code(const struct codebuf *cb);

/* ---- thunks between C and the JIT convention (one set per store) ---- */

/* Block through which C passes arguments in and results out of JIT code. */
struct jit_regs {
	uint64_t gpr[8];          /* jit_target.arg[JC_GPR] order; gpr[0] also gets ret */
	uint64_t fpr[8];          /* jit_target.arg[JC_FPR] order; fpr[0] also gets ret */
	uint64_t nstack;          /* stack words (even) */
	uint64_t *stack;          /* arguments in, results out (JIT stack-argument layout) */
	uint64_t ret_addr;        /* exit thunks: the JIT caller's return address */
};

/* Field offsets of struct jit_regs, for the thunks' addressing modes. */
#define RG_GPR(i)	((int32_t)(offsetof(struct jit_regs, gpr) + 8 * (i)))
#define RG_FPR(i)	((int32_t)(offsetof(struct jit_regs, fpr) + 8 * (i)))
#define RG_NSTACK	((int32_t)offsetof(struct jit_regs, nstack))
#define RG_STACK	((int32_t)offsetof(struct jit_regs, stack))
#define RG_RET		((int32_t)offsetof(struct jit_regs, ret_addr))

struct jit_thunks {
	uint32_t enter;    /* void enter(struct jit_regs *, void *entry, struct chibi_store *) */
	uint32_t exit;     /* JIT -> C: jit_rt_call_out(store, jf, regs) */
	uint32_t lazy;     /* JIT -> compile -> tail call: jit_rt_lazy(store, jf, regs) */
	uint32_t indirect; /* call_indirect on a function without jit_func: jit_rt_func(...) */
	uint32_t trap;     /* optional (0 = none): shared trap stub, jit_rt_trap_pc(...) */
};

/* Emit the thunks into cb (offsets in *out).  The C entry points they call are below. */
void be_build_thunks(struct codebuf *cb, struct jit_thunks *out);

/* be_build_thunks' common part: each thunk a back end has (build[k] non-NULL, in the
 * order of struct jit_thunks) starts 16-byte aligned, the gaps filled by `pad` (one
 * filler unit per call); a missing one's offset stays 0.  Runs once per store. */
enum { JT_ENTER, JT_EXIT, JT_LAZY, JT_INDIRECT, JT_TRAP, JT_COUNT };
typedef void (*jit_thunk_fn)(struct codebuf *cb);
static inline void jit_lay_out_thunks(struct codebuf *cb, struct jit_thunks *out,
				      const jit_thunk_fn build[JT_COUNT], jit_thunk_fn pad)
{
	uint32_t *at[JT_COUNT] = { &out->enter, &out->exit, &out->lazy, &out->indirect,
				   &out->trap };

	for (int k = 0; k < JT_COUNT; k++) {
		*at[k] = 0;
		if (!build[k])
			continue;
		while (k && (cb_pos(cb) & 15))
			pad(cb);
		*at[k] = cb_pos(cb);
		build[k](cb);
	}
}

/* Program counter of an interrupted context (signal handler ucontext). */
uintptr_t be_fault_pc(const void *ucontext);

/* ==== what the back end calls in the runtime (jit/runtime.c) ==== */

/* Called by the exit thunk: run f (host or interpreter) with arguments from regs. */
void jit_rt_call_out(struct chibi_store *s, struct jit_func *jf, struct jit_regs *regs);
/* Called by the lazy thunk: compile jf if needed; returns the entry to jump to. */
const void *jit_rt_lazy(struct chibi_store *s, struct jit_func *jf);
/* Called by the indirect thunk: the jit_func of f (created on demand). */
struct jit_func *jit_rt_func(struct chibi_store *s, struct chibi_func *f);
/* Called by trap stubs: name the function (idx) and unwind. */
noreturn void jit_rt_trap(struct chibi_store *s, uint32_t kind, uint32_t func_index,
			  struct chibi_instance *inst);
/* The same for a shared trap thunk, which only knows a pc inside the trapping function. */
noreturn void jit_rt_trap_pc(struct chibi_store *s, uint32_t kind, uintptr_t pc);

#endif
