/* jit/x64/backend.c - the x86-64 back end: implements jit/target.h with the encoders of
 * jit/x64/emit.h.
 *
 * It translates decisions made by jit/lower.c into instructions; it never allocates
 * registers of its own beyond its scratch pair (r11, xmm15) and the fixed registers an
 * instruction demands (rax/rdx for division, rcx for shift counts), which it declares
 * through be_clobbers().  It also builds the thunks between C and the JIT convention and
 * reads the faulting pc for the guard-page handler.
 * Entry points: the be_* functions and jit_target.
 */
#include <stddef.h>
#include <string.h>
#include <ucontext.h>

#include "../jit_int.h"
#include "cpu.h"
#include "regs.h"

/* ---- the register convention (see regs.h for the table) ---- */

const struct jit_target jit_target = {
	.name = "x86-64",
	.fpr_base = 16,
	.ntemp = { 6, 8 },
	.temp = { { RAX, RCX, RDX, R8, R9, R10 },
		  { XMM(0), XMM(1), XMM(2), XMM(3), XMM(4), XMM(5), XMM(6), XMM(7) } },
	.nhome = { 6, 6 },
	.home = { { RBX, RBP, R12, R13, RSI, RDI },
		  { XMM(8), XMM(9), XMM(10), XMM(11), XMM(12), XMM(13) } },
	.nleaf_home = { 3, 4 },
	.leaf_home = { { R10, R9, R8 }, { XMM(7), XMM(6), XMM(5), XMM(4) } },
	.narg = { 5, 8 },
	.arg = { { RDX, RCX, R8, R9, R10 },
		 { XMM(0), XMM(1), XMM(2), XMM(3), XMM(4), XMM(5), XMM(6), XMM(7) } },
	.ret = { RAX, XMM(0) },
	.canon = { { RAX, RCX }, { XMM(0), XMM(1) } },
	.nhelper_arg = 6,
	.helper_arg = { RDI, RSI, RDX, RCX, R8, R9 },
	.helper_ret = RAX,
	.helper_ret2 = RDX,
	.c_clobbers = (1ull << RAX) | (1ull << RCX) | (1ull << RDX) | (1ull << RSI) |
		      (1ull << RDI) | (1ull << R8) | (1ull << R9) | (1ull << R10) |
		      (1ull << R11) | (0xffffull << 16),
	.indirect_idx = RAX,
	.pic = true,
	.eh_landing = true,
};

/* ---- small helpers ---- */

/*
 * Flags left by the last instruction: after `add/sub/and/or/xor dst, ...` ZF tells whether
 * dst is zero, so a following test of dst for zero (br_if, if, eqz, select) can reuse it.
 * Valid only if nothing was emitted since and no label was bound here (another path could
 * arrive with other flags).  Kept in jcomp.be_private: [0] = offset after the instruction,
 * [1] = register | 0x100 for a 64-bit operation.
 */
static void flags_from(struct jcomp *c, bool w, uint8_t dst)
{
	c->be_private[0] = cb_pos(c->cb);
	c->be_private[1] = dst | (w ? 0x100u : 0);
}

static bool flags_valid(const struct jcomp *c, bool w, uint8_t r)
{
	return c->be_private[0] && c->be_private[0] == cb_pos(c->cb) &&
	       c->cb->last_bind != cb_pos(c->cb) && c->be_private[1] == (r | (w ? 0x100u : 0));
}

enum { FX_REL32 = 1 };   /* fix-up: int32 at pos = target - base */
enum { RL_REL32 = 1 };   /* relocation: int32 at pos = target - (address of pos + 4) */

static bool is_dbl(uint8_t vt)
{
	return vt == VT_F64;
}

static struct x64_mem frame_slot(int32_t off)
{
	return x64_mb(RSP, off);
}

static struct x64_mem store_field(size_t off)
{
	return x64_mb(R_STORE, (int32_t)off);
}

/* Jump to label when cc; the short form for backward targets in range. */
static void jcc_label(struct jcomp *c, enum x64_cc cc, uint32_t label)
{
	struct codebuf *cb = c->cb;
	int32_t target = cb_label_pos(cb, label);

	if (target >= 0) {
		int32_t rel = target - (int32_t)(cb_pos(cb) + 2);

		if (is_simm8(rel)) {
			x64_jcc_rel8(cb, cc, (int8_t)rel);
			return;
		}
		x64_jcc_rel32(cb, cc, target - (int32_t)(cb_pos(cb) + 6));
		return;
	}
	x64_jcc_rel32(cb, cc, 0);
	cb_fixup(cb, cb_pos(cb) - 4, label, FX_REL32, cb_pos(cb));
}

static void jmp_label(struct jcomp *c, uint32_t label)
{
	struct codebuf *cb = c->cb;
	int32_t target = cb_label_pos(cb, label);

	if (target >= 0) {
		int32_t rel = target - (int32_t)(cb_pos(cb) + 2);

		if (is_simm8(rel)) {
			x64_jmp_rel8(cb, (int8_t)rel);
			return;
		}
		x64_jmp_rel32(cb, target - (int32_t)(cb_pos(cb) + 5));
		return;
	}
	x64_jmp_rel32(cb, 0);
	cb_fixup(cb, cb_pos(cb) - 4, label, FX_REL32, cb_pos(cb));
}

void be_jmp(struct jcomp *c, uint32_t label)
{
	jmp_label(c, label);
}

void be_patch_fixup(struct codebuf *cb, const struct cb_fixup *f, int32_t target)
{
	cb_patch32(cb, f->pos, (uint32_t)(target - (int32_t)f->base));
}

void be_patch_reloc(uint8_t *code, const struct cb_reloc *r)
{
	intptr_t rel = (intptr_t)r->target - (intptr_t)(code + r->pos + 4);
	uint32_t v = (uint32_t)(int32_t)rel;

	memcpy(code + r->pos, &v, 4);
}

/* x86 has no instruction boundaries to scan: a ud2 pair can also be bytes of an immediate.
 * So the poison is counted where it is emitted (x64_poison) and checked here. */
bool be_validate_code(const struct codebuf *cb)
{
	return cb->npoison == 0 && !cb->oom;
}

uintptr_t be_fault_pc(const void *ucontext)
{
	const ucontext_t *uc = ucontext;

	return (uintptr_t)uc->uc_mcontext.gregs[REG_RIP];
}

/* Bits 0-2: lzcnt, bmi1 (tzcnt), popcnt, used when the CPU has them; bits 8-11: the SIMD
 * level v128 code is compiled for (enum x64_simd). */
uint32_t be_cpu_features(char *desc, size_t n)
{
	const struct x64_cpu *cpu = x64_cpu();
	uint32_t f = (uint32_t)cpu->lzcnt | (uint32_t)cpu->bmi1 << 1 | (uint32_t)cpu->popcnt << 2 |
		     (uint32_t)cpu->simd << 8;

	snprintf(desc, n, "simd=%s%s%s%s", x64_simd_name(cpu->simd), cpu->lzcnt ? ",lzcnt" : "",
		 cpu->bmi1 ? ",bmi1" : "", cpu->popcnt ? ",popcnt" : "");
	return f;
}

/* GPR = imm, choosing the shortest form.  keep_flags: no xor zero idiom. */
static void gpr_imm(struct codebuf *cb, bool w, uint8_t r, uint64_t imm, bool keep_flags)
{
	if (!w)
		imm = (uint32_t)imm;
	if (imm == 0 && !keep_flags)
		x64_xor_rr(cb, false, r, r);
	else if (is_uimm32(imm))
		x64_mov_ri32(cb, r, (uint32_t)imm);
	else if (is_simm32((int64_t)imm))
		x64_mov_rsi32(cb, r, (int32_t)imm);
	else
		x64_mov_ri64(cb, r, imm);
}

/* xmm = float constant bits (through r11).  Never touches flags. */
static void fpr_imm(struct codebuf *cb, bool dbl, uint8_t x, uint64_t bits)
{
	if (!dbl)
		bits = (uint32_t)bits;
	if (bits == 0) {
		x64_xorps_rr(cb, x, x);
		return;
	}
	gpr_imm(cb, dbl, R_SCRATCH, bits, true);
	x64_movq_xr(cb, dbl, x, R_SCRATCH);
}

/* GPR = operand (any kind). */
static void gpr_load(struct codebuf *cb, bool w, uint8_t r, struct jopnd o, bool keep_flags)
{
	switch (o.kind) {
	case OP_REG:
		if (IS_XMM(o.reg))
			x64_movq_rx(cb, w, r, HW(o.reg));
		else if (o.reg != r)
			x64_mov_rr(cb, w, r, o.reg);
		break;
	case OP_IMM:
		gpr_imm(cb, w, r, o.imm, keep_flags);
		break;
	default:
		x64_mov_rm(cb, w, r, frame_slot(o.off));
		break;
	}
}

/* xmm = operand (any kind). */
static void fpr_load(struct codebuf *cb, bool dbl, uint8_t x, struct jopnd o)
{
	switch (o.kind) {
	case OP_REG:
		if (!IS_XMM(o.reg))
			x64_movq_xr(cb, dbl, x, o.reg);
		else if (HW(o.reg) != x)
			x64_movaps_rr(cb, x, HW(o.reg));
		break;
	case OP_IMM:
		fpr_imm(cb, dbl, x, o.imm);
		break;
	default:
		if (dbl)
			x64_movsd_rm(cb, x, frame_slot(o.off));
		else
			x64_movss_rm(cb, x, frame_slot(o.off));
		break;
	}
}

/* A GPR holding the operand: its own register, or r11 loaded with it. */
static uint8_t gpr_of(struct codebuf *cb, bool w, struct jopnd o)
{
	if (o.kind == OP_REG && !IS_XMM(o.reg))
		return o.reg;
	gpr_load(cb, w, R_SCRATCH, o, false);
	return R_SCRATCH;
}

/* An xmm holding the operand: its own register, or xmm15 loaded with it. */
static uint8_t fpr_of(struct codebuf *cb, bool dbl, struct jopnd o)
{
	if (o.kind == OP_REG && IS_XMM(o.reg))
		return HW(o.reg);
	fpr_load(cb, dbl, HW(X_SCRATCH), o);
	return HW(X_SCRATCH);
}

/* xmm = v128 operand: a register, a 16-byte frame slot (movdqu: slots are 8-aligned), or
 * the immediate 0 (the only v128 immediate the front end makes: zeroed locals). */
static void vec_load(struct codebuf *cb, uint8_t x, struct jopnd o)
{
	switch (o.kind) {
	case OP_REG:
		if (HW(o.reg) != x)
			x64_movaps_rr(cb, x, HW(o.reg));
		break;
	case OP_IMM:
		if (o.imm)
			x64_poison(cb);
		x64_xorps_rr(cb, x, x);
		break;
	default:
		x64_movdqu_rm(cb, x, frame_slot(o.off));
		break;
	}
}

/* v128 moves: dst a register or a 16-byte frame slot. */
static void vec_mov(struct codebuf *cb, struct jopnd dst, struct jopnd src)
{
	if (dst.kind == OP_REG) {
		vec_load(cb, HW(dst.reg), src);
		return;
	}
	if (src.kind == OP_REG) {
		x64_movdqu_mr(cb, frame_slot(dst.off), HW(src.reg));
		return;
	}
	vec_load(cb, HW(X_SCRATCH), src);
	x64_movdqu_mr(cb, frame_slot(dst.off), HW(X_SCRATCH));
}

/* ---- moves ---- */

void be_mov(struct jcomp *c, uint8_t vt, struct jopnd dst, struct jopnd src)
{
	struct codebuf *cb = c->cb;
	bool w = vt_is64(vt), dbl = is_dbl(vt), fl = vt_class(vt) == JC_FPR;

	if (jo_same(dst, src))
		return;
	if (vt == VT_V128) {
		vec_mov(cb, dst, src);
		return;
	}
	if (dst.kind == OP_REG) {
		if (IS_XMM(dst.reg))
			fpr_load(cb, w, HW(dst.reg), src);
		else
			gpr_load(cb, w, dst.reg, src, false);
		return;
	}
	/* dst is a frame slot */
	switch (src.kind) {
	case OP_REG:
		if (!IS_XMM(src.reg))
			x64_mov_mr(cb, w, frame_slot(dst.off), src.reg);
		else if (w)
			x64_movsd_mr(cb, frame_slot(dst.off), HW(src.reg));
		else
			x64_movss_mr(cb, frame_slot(dst.off), HW(src.reg));
		break;
	case OP_IMM:
		if (!w || is_simm32((int64_t)src.imm)) {
			x64_mov_mi(cb, w, frame_slot(dst.off), (int32_t)src.imm);
		} else {
			gpr_imm(cb, true, R_SCRATCH, src.imm, false);
			x64_mov_mr(cb, true, frame_slot(dst.off), R_SCRATCH);
		}
		break;
	default:
		/* slot to slot: 8 bytes through the scratch of the value's class */
		if (fl) {
			x64_movsd_rm(cb, HW(X_SCRATCH), frame_slot(src.off));
			x64_movsd_mr(cb, frame_slot(dst.off), HW(X_SCRATCH));
		} else {
			x64_mov_rm(cb, w, R_SCRATCH, frame_slot(src.off));
			x64_mov_mr(cb, w, frame_slot(dst.off), R_SCRATCH);
		}
		(void)dbl;
		break;
	}
}

void be_swap(struct jcomp *c, uint8_t vt, jreg a, struct jopnd b)
{
	struct codebuf *cb = c->cb;
	uint8_t x = HW(X_SCRATCH);

	if (!IS_XMM(a)) {
		if (b.kind == OP_REG)
			x64_xchg_rr(cb, true, a, b.reg);
		else
			x64_xchg_rm(cb, true, a, frame_slot(b.off));
		return;
	}
	if (b.kind == OP_REG) {
		x64_movaps_rr(cb, x, HW(a));
		x64_movaps_rr(cb, HW(a), HW(b.reg));
		x64_movaps_rr(cb, HW(b.reg), x);
	} else if (vt == VT_V128) {
		x64_movdqu_rm(cb, x, frame_slot(b.off));
		x64_movdqu_mr(cb, frame_slot(b.off), HW(a));
		x64_movaps_rr(cb, HW(a), x);
	} else {
		x64_movsd_rm(cb, x, frame_slot(b.off));
		x64_movsd_mr(cb, frame_slot(b.off), HW(a));
		x64_movaps_rr(cb, HW(a), x);
	}
}

/* ---- the frame ---- */

uint64_t be_reserved(const struct jcomp *c)
{
	return c->uses_memory && (c->explicit_bounds || c->mem->is64) ? 1ull << R_MEMOBJ : 0;
}

void be_frame_finish(struct jframe *f)
{
	uint32_t pushes = (uint32_t)__builtin_popcountll(f->saved & 0xffff);
	uint32_t size = (f->body + 7) & ~7u;

	/* entry sp is 8 mod 16 (return address); keep sp 16-aligned inside the body */
	if ((size + 8 * pushes + 8) % 16)
		size += 8;
	f->size = size;
	f->in_args = (int32_t)(size + 8 * pushes + 8);
	f->total = (uint32_t)f->in_args;
}

/* reg = an address the code needs (an object, a helper, a thunk).  Normally an immediate;
 * in code for a compiled file (c->js->pic) a rip-relative load from the image's slot for
 * it, or lea of a record inside the image (jit_int.h).  An address without a symbol
 * poisons the function, which then runs in the interpreter. */
static void mov_addr(struct jcomp *c, uint8_t reg, const void *addr)
{
	struct codebuf *cb = c->cb;
	const void *at;
	bool load;

	if (!c->js->pic) {
		x64_mov_ri64(cb, reg, (uint64_t)(uintptr_t)addr);
		return;
	}
	if (!jit_pic_find(c->js->pic, addr, &at, &load)) {
		x64_poison(cb);
		return;
	}
	if (load)
		x64_mov_rm(cb, true, reg, (struct x64_mem){ .rip = true });
	else
		x64_lea(cb, true, reg, (struct x64_mem){ .rip = true });
	cb_reloc(cb, cb_pos(cb) - 4, RL_REL32, (uintptr_t)at);
}

void be_addr(struct jcomp *c, jreg dst, const void *addr)
{
	mov_addr(c, dst, addr);
}

void be_frame_addr(struct jcomp *c, jreg dst, int32_t off)
{
	x64_lea(c->cb, true, dst, frame_slot(off));
}

/* r14 = the base of memory 0; in explicit-bounds mode through r13 = the memory, which
 * nothing else changes (a reload only re-reads the base).  A 64-bit memory keeps r13 in
 * guard mode too, for its size. */
void be_load_mem(struct jcomp *c, bool reload)
{
	struct codebuf *cb = c->cb;

	if (!c->explicit_bounds) {
		/* a reserved memory never moves: its base is a constant of this code */
		mov_addr(c, R_MEMBASE, c->mem->data);
		if (c->mem->is64 && !reload)
			mov_addr(c, R_MEMOBJ, c->mem);
		return;
	}
	if (!reload)
		mov_addr(c, R_MEMOBJ, c->mem);
	x64_mov_rm(cb, true, R_MEMBASE, x64_mb(R_MEMOBJ, offsetof(struct chibi_memory, data)));
}

void be_poll(struct jcomp *c)
{
	struct codebuf *cb = c->cb;

	x64_cmp_mi(cb, false, store_field(offsetof(struct chibi_store, interrupt)), 0);
	jcc_label(c, CC_NE, jc_trap_label(c, CHIBI_TRAP_INTERRUPTED));
	if (c->fuel) {
		/* borrow = fuel was already 0; the trap stub puts the 0 back */
		x64_alu_mi(cb, true, ALU_SUB, store_field(offsetof(struct chibi_store, fuel)), 1);
		jcc_label(c, CC_B, jc_trap_label(c, CHIBI_TRAP_OUT_OF_FUEL));
	}
}

/*
 * The back end's part of the frame (the whole frame: target.h, above struct jframe):
 *
 *        +--------------------------------+ <- sp + in_args
 *        |  return address                |
 *        +--------------------------------+
 *        |  saved homes (push rbx ...)    |    the JIT-callee-saved GPRs it uses
 *        +--------------------------------+ <- sp + size
 *        |  alignment                     |
 *        |  body                          |    the front end saves xmm homes there itself
 */
void be_prologue(struct jcomp *c)
{
	struct codebuf *cb = c->cb;
	struct x64_mem lim = store_field(offsetof(struct chibi_store, jit_stack_limit));

	if (c->frame.total <= JIT_FRAME_UNCHECKED) {
		x64_cmp_rm(cb, true, RSP, lim);
	} else {
		x64_lea(cb, true, R_SCRATCH, x64_mb(RSP, -(int32_t)c->frame.total));
		x64_cmp_rm(cb, true, R_SCRATCH, lim);
	}
	jcc_label(c, CC_B, jc_trap_label(c, CHIBI_TRAP_STACK_EXHAUSTED));
	for (int i = 0; i < jit_target.nhome[JC_GPR]; i++) {
		jreg r = jit_target.home[JC_GPR][i];

		if (c->frame.saved & (1ull << r))
			x64_push_r(cb, r);
	}
	if (c->frame.size)
		x64_sub_ri(cb, true, RSP, (int32_t)c->frame.size);
}

/* Free the frame and restore the GPR homes: the epilogue up to its return. */
static void frame_pop(struct jcomp *c)
{
	struct codebuf *cb = c->cb;

	if (c->frame.size)
		x64_add_ri(cb, true, RSP, (int32_t)c->frame.size);
	for (int i = jit_target.nhome[JC_GPR] - 1; i >= 0; i--) {
		jreg r = jit_target.home[JC_GPR][i];

		if (c->frame.saved & (1ull << r))
			x64_pop_r(cb, r);
	}
}

void be_epilogue(struct jcomp *c)
{
	frame_pop(c);
	x64_ret(c->cb);
}

/* Zero 8 * n bytes of frame at off, 16 bytes per store from a zeroed xmm15; long runs in a
 * loop counting in rax (free in the prologue: it is not an argument register). */
void be_zero_slots(struct jcomp *c, int32_t off, uint32_t n)
{
	struct codebuf *cb = c->cb;
	uint8_t z = HW(X_SCRATCH);

	if (!n)
		return;
	x64_xorps_rr(cb, z, z);
	if (n <= 16) {
		for (; n >= 2; n -= 2, off += 16)
			x64_movups_mr(cb, frame_slot(off), z);
		if (n)
			x64_movsd_mr(cb, frame_slot(off), z);
		return;
	}
	{
		uint32_t loop;

		x64_lea(cb, true, R_SCRATCH, frame_slot(off));
		x64_mov_ri32(cb, RAX, n / 2);
		loop = cb_pos(cb);
		x64_movups_mr(cb, x64_mb(R_SCRATCH, 0), z);
		x64_add_ri(cb, true, R_SCRATCH, 16);
		x64_sub_ri(cb, false, RAX, 1);
		x64_jcc_rel8(cb, CC_NE, (int8_t)(loop - (cb_pos(cb) + 2)));
		if (n & 1)
			x64_movsd_mr(cb, x64_mb(R_SCRATCH, 0), z);
	}
}

/* ---- numeric operators ---- */

const char *be_simd_isa(void)
{
	enum x64_simd level = x64_cpu()->simd;

	return level == XS_NONE ? NULL : x64_simd_name(level);
}

bool be_inline(uint16_t op)
{
	switch (op) {
	case OPC_I32_POPCNT:
	case OPC_I64_POPCNT:
		return x64_cpu()->popcnt;
	case OPC_F32_CEIL: case OPC_F32_FLOOR: case OPC_F32_TRUNC: case OPC_F32_NEAREST:
	case OPC_F64_CEIL: case OPC_F64_FLOOR: case OPC_F64_TRUNC: case OPC_F64_NEAREST:
		return x64_cpu()->sse41;
	case OPC_F32_CONVERT_I64_U:
	case OPC_F64_CONVERT_I64_U:
	case OPC_I64_TRUNC_F32_U:
	case OPC_I64_TRUNC_F64_U:
	case OPC_I32_TRUNC_SAT_F32_S: case OPC_I32_TRUNC_SAT_F32_U:
	case OPC_I32_TRUNC_SAT_F64_S: case OPC_I32_TRUNC_SAT_F64_U:
	case OPC_I64_TRUNC_SAT_F32_S: case OPC_I64_TRUNC_SAT_F32_U:
	case OPC_I64_TRUNC_SAT_F64_S: case OPC_I64_TRUNC_SAT_F64_U:
		return false;
	default:
		return true;
	}
}

uint64_t be_clobbers(uint16_t op, const struct jopnd *rhs)
{
	if (op_is_shift(op) && rhs->kind != OP_IMM)
		return 1ull << RCX;
	if (op_is_divrem(op))
		return (1ull << RAX) | (1ull << RDX);
	return 0;
}

/* Condition of an integer comparison opcode, by its relation. */
static enum x64_cc int_cc(uint16_t op)
{
	static const enum x64_cc cc[REL_COUNT] = {
		[REL_EQ] = CC_E, [REL_NE] = CC_NE,
		[REL_LT_S] = CC_L, [REL_LT_U] = CC_B, [REL_GT_S] = CC_G, [REL_GT_U] = CC_A,
		[REL_LE_S] = CC_LE, [REL_LE_U] = CC_BE, [REL_GE_S] = CC_GE, [REL_GE_U] = CC_AE,
	};

	return cc[op_info[op].rel];
}

/* Integer compare of two operands; returns the condition that holds when `op` is true.
 * An immediate is on the right (the front end mirrors the comparison otherwise). */
static enum x64_cc emit_int_cmp(struct codebuf *cb, uint16_t op, struct jopnd a, struct jopnd b)
{
	bool w = op_is_wide(op);
	enum x64_cc cc = int_cc(op);

	if (a.kind == OP_MEM && b.kind == OP_IMM && (!w || is_simm32((int64_t)b.imm))) {
		x64_cmp_mi(cb, w, frame_slot(a.off), (int32_t)b.imm);
		return cc;
	}
	{
		uint8_t ra = gpr_of(cb, w, a);

		if (b.kind == OP_IMM && (!w || is_simm32((int64_t)b.imm))) {
			if (b.imm == 0 && (cc == CC_E || cc == CC_NE))
				x64_test_rr(cb, w, ra, ra);
			else
				x64_cmp_ri(cb, w, ra, (int32_t)b.imm);
		} else if (b.kind == OP_MEM) {
			x64_cmp_rm(cb, w, ra, frame_slot(b.off));
		} else if (b.kind == OP_REG) {
			x64_cmp_rr(cb, w, ra, b.reg);
		} else if (ra != R_SCRATCH) {
			/* a 64-bit immediate that does not sign-extend from 32 bits */
			gpr_imm(cb, true, R_SCRATCH, b.imm, false);
			x64_cmp_rr(cb, w, ra, R_SCRATCH);
		} else if (a.kind == OP_MEM) {
			gpr_imm(cb, true, R_SCRATCH, b.imm, false);
			x64_alu_mr(cb, w, ALU_CMP, frame_slot(a.off), R_SCRATCH);
		} else {
			x64_poison(cb); /* two immediates: constant folding removes these */
		}
	}
	return cc;
}

/* eqz: flags for `v == 0` (ZF), reusing those of the instruction that computed v. */
static void emit_test_zero(struct jcomp *c, bool w, struct jopnd v)
{
	struct codebuf *cb = c->cb;

	if (v.kind == OP_MEM) {
		x64_cmp_mi(cb, w, frame_slot(v.off), 0);
		return;
	}
	if (v.kind == OP_REG && !IS_XMM(v.reg) && flags_valid(c, w, v.reg))
		return;
	{
		uint8_t r = gpr_of(cb, w, v);

		x64_test_rr(cb, w, r, r);
	}
}

/* Float compare for op: sets flags so that the returned condition (CC_A or CC_AE, or
 * CC_E/CC_NE with parity meaning unordered) holds when op is true. */
static enum x64_cc emit_float_cmp(struct codebuf *cb, uint16_t op, struct jopnd a, struct jopnd b)
{
	bool dbl = op_is_wide(op);
	struct jopnd x = a, y = b;
	enum x64_cc cc;

	switch (op_info[op].rel) {
	case REL_EQ: cc = CC_E; break;
	case REL_NE: cc = CC_NE; break;
	case REL_LT: x = b; y = a; cc = CC_A; break;   /* a < b  <=>  b > a */
	case REL_GT: cc = CC_A; break;
	case REL_LE: x = b; y = a; cc = CC_AE; break;  /* a <= b <=>  b >= a */
	default: cc = CC_AE; break;                    /* REL_GE */
	}
	{
		uint8_t rx = fpr_of(cb, dbl, x);

		if (y.kind == OP_MEM)
			x64_ucomis_rm(cb, dbl, rx, frame_slot(y.off));
		else if (y.kind == OP_REG && IS_XMM(y.reg))
			x64_ucomis_rr(cb, dbl, rx, HW(y.reg));
		else {
			uint8_t ry = rx == HW(X_SCRATCH) ? HW(X_SCRATCH2) : HW(X_SCRATCH);

			fpr_load(cb, dbl, ry, y);
			x64_ucomis_rr(cb, dbl, rx, ry);
		}
	}
	return cc;
}

/* Branch to label when the comparison (op, cc from emit_*_cmp) is true, or false. */
static void branch_on(struct jcomp *c, uint16_t op, enum x64_cc cc, bool negate, uint32_t label)
{
	if (op_is_float_cmp(op) && (cc == CC_E || cc == CC_NE)) {
		/* eq is ZF && !PF; ne is !ZF || PF */
		bool want_eq = (cc == CC_E) != negate;

		if (want_eq) {
			uint32_t skip = cb_label_new(c->cb);

			jcc_label(c, CC_P, skip);
			jcc_label(c, CC_E, label);
			cb_bind(c->cb, skip);
		} else {
			jcc_label(c, CC_P, label);
			jcc_label(c, CC_NE, label);
		}
		return;
	}
	jcc_label(c, negate ? (enum x64_cc)(cc ^ 1) : cc, label);
}

void be_cmp_branch(struct jcomp *c, uint16_t op, struct jopnd lhs, struct jopnd rhs,
		   bool negate, uint32_t label)
{
	enum x64_cc cc;

	if (op_is_eqz(op)) {
		emit_test_zero(c, op_is_wide(op), lhs);
		cc = CC_E;
	} else if (op_is_int_cmp(op)) {
		cc = emit_int_cmp(c->cb, op, lhs, rhs);
	} else {
		cc = emit_float_cmp(c->cb, op, lhs, rhs);
	}
	branch_on(c, op, cc, negate, label);
}

void be_test_branch(struct jcomp *c, struct jopnd v, bool negate, uint32_t label)
{
	emit_test_zero(c, false, v);
	jcc_label(c, negate ? CC_E : CC_NE, label);
}

/* dst = (cc) for a finished comparison; float eq/ne combine ZF with PF via r11. */
static void set_from_flags(struct codebuf *cb, uint16_t op, enum x64_cc cc, uint8_t dst)
{
	if (op_is_float_cmp(op) && cc == CC_E) {
		x64_setcc_r(cb, CC_E, dst);
		x64_setcc_r(cb, CC_NP, R_SCRATCH);
		x64_and8_rr(cb, dst, R_SCRATCH);
	} else if (op_is_float_cmp(op) && cc == CC_NE) {
		x64_setcc_r(cb, CC_NE, dst);
		x64_setcc_r(cb, CC_P, R_SCRATCH);
		x64_or8_rr(cb, dst, R_SCRATCH);
	} else {
		x64_setcc_r(cb, cc, dst);
	}
	x64_movzx8_rr(cb, dst, dst);
}

/* dst = lhs OP rhs for add/sub/and/or/xor. */
static void int_alu(struct jcomp *c, bool w, enum x64_alu op, bool commut, uint8_t dst,
		    struct jopnd lhs, struct jopnd rhs)
{
	struct codebuf *cb = c->cb;
	bool lhs_is_dst = lhs.kind == OP_REG && lhs.reg == dst;

	if (rhs.kind == OP_REG && rhs.reg == dst && !lhs_is_dst) {
		if (commut) {
			struct jopnd t = lhs;

			lhs = rhs;
			rhs = t;
		} else {
			/* dst = lhs - dst = -dst + lhs */
			x64_neg_r(cb, w, dst);
			int_alu(c, w, ALU_ADD, true, dst, jo_reg(dst), lhs);
			return;
		}
	}
	if (op == ALU_ADD && lhs.kind == OP_REG && lhs.reg != dst && !IS_XMM(lhs.reg)) {
		if (rhs.kind == OP_REG) {
			x64_lea(cb, w, dst, x64_mbi(lhs.reg, rhs.reg, 0, 0));
			return;
		}
		if (rhs.kind == OP_IMM && (!w || is_simm32((int64_t)rhs.imm))) {
			x64_lea(cb, w, dst, x64_mb(lhs.reg, (int32_t)rhs.imm));
			return;
		}
	}
	gpr_load(cb, w, dst, lhs, false);
	switch (rhs.kind) {
	case OP_REG:
		x64_alu_rr(cb, w, op, dst, rhs.reg);
		break;
	case OP_MEM:
		x64_alu_rm(cb, w, op, dst, frame_slot(rhs.off));
		break;
	default:
		if (!w || is_simm32((int64_t)rhs.imm)) {
			x64_alu_ri(cb, w, op, dst, (int32_t)rhs.imm);
		} else {
			gpr_imm(cb, true, R_SCRATCH, rhs.imm, false);
			x64_alu_rr(cb, w, op, dst, R_SCRATCH);
		}
		break;
	}
	flags_from(c, w, dst);
}

static void int_mul(struct codebuf *cb, bool w, uint8_t dst, struct jopnd lhs, struct jopnd rhs)
{
	if (lhs.kind == OP_IMM && rhs.kind != OP_IMM) {
		struct jopnd t = lhs;

		lhs = rhs;
		rhs = t;
	}
	if (rhs.kind == OP_IMM && (!w || is_simm32((int64_t)rhs.imm))) {
		uint8_t src = gpr_of(cb, w, lhs);

		x64_imul_rri(cb, w, dst, src, (int32_t)rhs.imm);
		return;
	}
	if (rhs.kind == OP_REG && rhs.reg == dst) {
		struct jopnd t = lhs;

		lhs = rhs;
		rhs = t;
	}
	gpr_load(cb, w, dst, lhs, false);
	if (rhs.kind == OP_REG)
		x64_imul_rr(cb, w, dst, rhs.reg);
	else if (rhs.kind == OP_MEM)
		x64_imul_rm(cb, w, dst, frame_slot(rhs.off));
	else {
		gpr_imm(cb, true, R_SCRATCH, rhs.imm, false);
		x64_imul_rr(cb, w, dst, R_SCRATCH);
	}
}

static enum x64_shift shift_kind(uint16_t op)
{
	switch (op) {
	case OPC_I32_SHL: case OPC_I64_SHL: return SH_SHL;
	case OPC_I32_SHR_S: case OPC_I64_SHR_S: return SH_SAR;
	case OPC_I32_SHR_U: case OPC_I64_SHR_U: return SH_SHR;
	case OPC_I32_ROTL: case OPC_I64_ROTL: return SH_ROL;
	default: return SH_ROR;
	}
}

/* Shifts and rotates: by an immediate, or by cl (count masked by the hardware exactly as
 * Wasm masks it). */
static void int_shift(struct codebuf *cb, bool w, enum x64_shift sk, uint8_t dst,
		      struct jopnd lhs, struct jopnd rhs)
{
	if (rhs.kind == OP_IMM) {
		uint8_t n = (uint8_t)(rhs.imm & (w ? 63 : 31));

		gpr_load(cb, w, dst, lhs, false);
		if (n)
			x64_shift_ri(cb, w, sk, dst, n);
		return;
	}
	if (!(rhs.kind == OP_REG && rhs.reg == RCX)) {
		if (lhs.kind == OP_REG && lhs.reg == RCX) {
			x64_mov_rr(cb, w, R_SCRATCH, RCX);
			lhs = jo_reg(R_SCRATCH);
		}
		gpr_load(cb, false, RCX, rhs, false);
	}
	if (dst == RCX) {
		gpr_load(cb, w, R_SCRATCH, lhs, false);
		x64_shift_cl(cb, w, sk, R_SCRATCH);
		x64_mov_rr(cb, w, RCX, R_SCRATCH);
	} else {
		gpr_load(cb, w, dst, lhs, false);
		x64_shift_cl(cb, w, sk, dst);
	}
}

/* Division and remainder with the Wasm traps: divide by zero, and INT_MIN / -1 overflow
 * (whose remainder is 0, but which x86 would fault on). */
static void int_divrem(struct jcomp *c, uint16_t op, uint8_t dst, struct jopnd lhs,
		       struct jopnd rhs)
{
	struct codebuf *cb = c->cb;
	bool w = op_is_wide(op);
	bool sign = op == OPC_I32_DIV_S || op == OPC_I64_DIV_S || op == OPC_I32_REM_S ||
		    op == OPC_I64_REM_S;
	bool rem = op == OPC_I32_REM_S || op == OPC_I64_REM_S || op == OPC_I32_REM_U ||
		   op == OPC_I64_REM_U;
	bool nonzero = false, not_m1 = !sign;
	uint32_t done = 0;

	if (rhs.kind == OP_IMM) {
		uint64_t v = w ? rhs.imm : (uint32_t)rhs.imm;   /* not 0: see be_binop */

		nonzero = true;
		not_m1 = not_m1 || v != (w ? UINT64_MAX : UINT32_MAX);
		gpr_imm(cb, w, R_SCRATCH, v, false);
		rhs = jo_reg(R_SCRATCH);
	} else if (rhs.kind == OP_REG && (rhs.reg == RAX || rhs.reg == RDX)) {
		x64_mov_rr(cb, w, R_SCRATCH, rhs.reg);
		rhs = jo_reg(R_SCRATCH);
	}
	if (!nonzero) {
		emit_test_zero(c, w, rhs);
		jcc_label(c, CC_E, jc_trap_label(c, CHIBI_TRAP_DIV_ZERO));
	}
	if (!not_m1) {
		uint32_t normal = cb_label_new(cb);

		done = cb_label_new(cb);
		if (rhs.kind == OP_MEM)
			x64_cmp_mi(cb, w, frame_slot(rhs.off), -1);
		else
			x64_cmp_ri(cb, w, rhs.reg, -1);
		jcc_label(c, CC_NE, normal);
		if (rem) {
			x64_xor_rr(cb, false, RDX, RDX);
		} else {
			gpr_load(cb, w, RAX, lhs, false);
			x64_neg_r(cb, w, RAX);
			jcc_label(c, CC_O, jc_trap_label(c, CHIBI_TRAP_INT_OVERFLOW));
		}
		jmp_label(c, done);
		cb_bind(cb, normal);
	}
	gpr_load(cb, w, RAX, lhs, false);
	if (sign)
		x64_cdq(cb, w);
	else
		x64_xor_rr(cb, false, RDX, RDX);
	if (rhs.kind == OP_MEM) {
		if (sign)
			x64_idiv_m(cb, w, frame_slot(rhs.off));
		else
			x64_div_m(cb, w, frame_slot(rhs.off));
	} else {
		if (sign)
			x64_idiv_r(cb, w, rhs.reg);
		else
			x64_div_r(cb, w, rhs.reg);
	}
	if (done)
		cb_bind(cb, done);
	if (dst != (rem ? RDX : RAX))
		x64_mov_rr(cb, w, dst, rem ? RDX : RAX);
}

/* Put lhs into dst and return an xmm holding rhs that dst's write did not clobber. */
static uint8_t float_prep(struct codebuf *cb, bool dbl, bool commut, uint8_t d,
			  struct jopnd *lhs, struct jopnd *rhs)
{
	bool lhs_is_dst = lhs->kind == OP_REG && IS_XMM(lhs->reg) && HW(lhs->reg) == d;

	if (rhs->kind == OP_REG && IS_XMM(rhs->reg) && HW(rhs->reg) == d && !lhs_is_dst) {
		if (commut) {
			struct jopnd t = *lhs;

			*lhs = *rhs;
			*rhs = t;
		} else {
			x64_movaps_rr(cb, HW(X_SCRATCH), d);
			*rhs = jo_reg(X_SCRATCH);
		}
	}
	fpr_load(cb, dbl, d, *lhs);
	if (rhs->kind == OP_MEM)
		return 0xff;
	return fpr_of(cb, dbl, *rhs);
}

static bool avx(void);

/* dst = lhs OP rhs, scalar float.  add and mul are not swapped (commut false) although they
 * commute: with two NaN operands the result must be lhs's NaN, as in the interpreter
 * (vm/interp_num.h nan_first*).  Where rhs already sits in dst, AVX's three-operand form
 * keeps that order without the two moves the SSE form needs (matmul's inner loop: 3 -> 1
 * instructions, docs/RATIONALE.md). */
static void float_arith(struct codebuf *cb, bool dbl, enum x64_sse op, bool commut, uint8_t d,
			struct jopnd lhs, struct jopnd rhs)
{
	if (avx() && rhs.kind == OP_REG && IS_XMM(rhs.reg) && HW(rhs.reg) == d) {
		uint8_t l = d;

		if (lhs.kind == OP_REG && IS_XMM(lhs.reg)) {
			l = HW(lhs.reg);
		} else {
			fpr_load(cb, dbl, HW(X_SCRATCH), lhs);
			l = HW(X_SCRATCH);
		}
		x64_vsse_rrr(cb, dbl, op, d, l, d);
		return;
	}
	uint8_t r = float_prep(cb, dbl, commut, d, &lhs, &rhs);

	if (r == 0xff)
		x64_sse_rm(cb, dbl, op, d, frame_slot(rhs.off));
	else
		x64_sse_rr(cb, dbl, op, d, r);
}

/* Wasm min/max: NaN if either is NaN (lhs's if both are: the operands are not swapped);
 * -0 < +0.  minss alone gets both wrong. */
static void float_minmax(struct jcomp *c, bool dbl, bool is_min, uint8_t d, struct jopnd lhs,
			 struct jopnd rhs)
{
	struct codebuf *cb = c->cb;
	uint32_t nan = cb_label_new(cb), ord = cb_label_new(cb), done = cb_label_new(cb);
	uint8_t r;

	r = float_prep(cb, dbl, false, d, &lhs, &rhs);
	if (r == 0xff) {
		fpr_load(cb, dbl, HW(X_SCRATCH), rhs);
		r = HW(X_SCRATCH);
	}
	x64_ucomis_rr(cb, dbl, d, r);
	jcc_label(c, CC_P, nan);
	jcc_label(c, CC_NE, ord);
	/* equal: only the signs of zeros can differ; min ors them, max ands them */
	x64_logic_rr(cb, dbl, is_min ? LOGIC_OR : LOGIC_AND, d, r);
	jmp_label(c, done);
	cb_bind(cb, nan);
	x64_sse_rr(cb, dbl, SSE_ADD, d, r); /* propagates a quiet NaN */
	jmp_label(c, done);
	cb_bind(cb, ord);
	x64_sse_rr(cb, dbl, is_min ? SSE_MIN : SSE_MAX, d, r);
	cb_bind(cb, done);
}

/* dst = (lhs & ~sign) | (rhs & sign): the sign bit goes through r11 into xmm15, the
 * magnitude through r11 into dst (rhs is read first, so dst may alias it). */
static void float_copysign(struct codebuf *cb, bool dbl, uint8_t d, struct jopnd lhs,
			   struct jopnd rhs)
{
	uint8_t bits = dbl ? 63 : 31;

	gpr_load(cb, dbl, R_SCRATCH, rhs, false);
	x64_shift_ri(cb, dbl, SH_SHR, R_SCRATCH, bits);
	x64_shift_ri(cb, dbl, SH_SHL, R_SCRATCH, bits);
	x64_movq_xr(cb, dbl, HW(X_SCRATCH), R_SCRATCH);
	gpr_load(cb, dbl, R_SCRATCH, lhs, false);
	x64_shift_ri(cb, dbl, SH_SHL, R_SCRATCH, 1);
	x64_shift_ri(cb, dbl, SH_SHR, R_SCRATCH, 1);
	x64_movq_xr(cb, dbl, d, R_SCRATCH);
	x64_logic_rr(cb, dbl, LOGIC_OR, d, HW(X_SCRATCH));
}

static void float_signop(struct codebuf *cb, bool dbl, enum x64_logic op, uint64_t mask,
			 uint8_t d, struct jopnd src)
{
	fpr_load(cb, dbl, d, src);
	gpr_imm(cb, dbl, R_SCRATCH, dbl ? mask : (uint32_t)mask, false);
	x64_movq_xr(cb, dbl, HW(X_SCRATCH), R_SCRATCH);
	x64_logic_rr(cb, dbl, op, d, HW(X_SCRATCH));
}

void be_binop(struct jcomp *c, uint16_t op, jreg dst, struct jopnd lhs, struct jopnd rhs)
{
	struct codebuf *cb = c->cb;
	bool w;

	if (op_is_int_cmp(op)) {
		enum x64_cc cc = emit_int_cmp(cb, op, lhs, rhs);

		set_from_flags(cb, op, cc, dst);
		return;
	}
	if (op_is_float_cmp(op)) {
		enum x64_cc cc = emit_float_cmp(cb, op, lhs, rhs);

		set_from_flags(cb, op, cc, dst);
		return;
	}
	w = op_info[op].type == VT_I64;
	switch (op) {
	case OPC_I32_ADD: case OPC_I64_ADD:
		int_alu(c, w, ALU_ADD, true, dst, lhs, rhs);
		return;
	case OPC_I32_SUB: case OPC_I64_SUB:
		int_alu(c, w, ALU_SUB, false, dst, lhs, rhs);
		return;
	case OPC_I32_AND: case OPC_I64_AND:
		int_alu(c, w, ALU_AND, true, dst, lhs, rhs);
		return;
	case OPC_I32_OR: case OPC_I64_OR:
		int_alu(c, w, ALU_OR, true, dst, lhs, rhs);
		return;
	case OPC_I32_XOR: case OPC_I64_XOR:
		int_alu(c, w, ALU_XOR, true, dst, lhs, rhs);
		return;
	case OPC_I32_MUL: case OPC_I64_MUL:
		int_mul(cb, w, dst, lhs, rhs);
		return;
	case OPC_I32_DIV_S: case OPC_I32_DIV_U: case OPC_I32_REM_S: case OPC_I32_REM_U:
	case OPC_I64_DIV_S: case OPC_I64_DIV_U: case OPC_I64_REM_S: case OPC_I64_REM_U:
		int_divrem(c, op, dst, lhs, rhs);
		return;
	case OPC_F32_ADD: case OPC_F64_ADD:
		float_arith(cb, op_is_wide(op), SSE_ADD, false, HW(dst), lhs, rhs);
		return;
	case OPC_F32_SUB: case OPC_F64_SUB:
		float_arith(cb, op_is_wide(op), SSE_SUB, false, HW(dst), lhs, rhs);
		return;
	case OPC_F32_MUL: case OPC_F64_MUL:
		float_arith(cb, op_is_wide(op), SSE_MUL, false, HW(dst), lhs, rhs);
		return;
	case OPC_F32_DIV: case OPC_F64_DIV:
		float_arith(cb, op_is_wide(op), SSE_DIV, false, HW(dst), lhs, rhs);
		return;
	case OPC_F32_MIN: case OPC_F64_MIN:
		float_minmax(c, op_is_wide(op), true, HW(dst), lhs, rhs);
		return;
	case OPC_F32_MAX: case OPC_F64_MAX:
		float_minmax(c, op_is_wide(op), false, HW(dst), lhs, rhs);
		return;
	case OPC_F32_COPYSIGN: case OPC_F64_COPYSIGN:
		float_copysign(cb, op_is_wide(op), HW(dst), lhs, rhs);
		return;
	default:
		if (op_is_shift(op)) {
			int_shift(cb, w, shift_kind(op), dst, lhs, rhs);
			return;
		}
		x64_poison(cb);
		return;
	}
}

/* ---- signed/unsigned truncation with the Wasm traps ---- */

/* dst = trunc(src) as a signed int.  cvtt* returns INT_MIN for NaN and overflow, so only
 * that value takes the slow path, which tells NaN (invalid conversion), the one exact
 * boundary that legitimately yields INT_MIN, and overflow apart. */
static void trunc_signed(struct jcomp *c, bool dbl, bool w, uint8_t dst, struct jopnd src)
{
	struct codebuf *cb = c->cb;
	uint32_t done = cb_label_new(cb);
	uint8_t x = fpr_of(cb, dbl, src);

	x64_cvtts2si_rr(cb, dbl, w, dst, x);
	x64_cmp_ri(cb, w, dst, 1);           /* overflows only for INT_MIN */
	jcc_label(c, CC_NO, done);
	x64_ucomis_rr(cb, dbl, x, x);
	jcc_label(c, CC_P, jc_trap_label(c, CHIBI_TRAP_INVALID_CONVERSION));
	if (!w) {
		/* i32: valid iff the exact 64-bit truncation is -2^31 */
		x64_cvtts2si_rr(cb, dbl, true, R_SCRATCH, x);
		x64_cmp_ri(cb, true, R_SCRATCH, INT32_MIN);
		jcc_label(c, CC_NE, jc_trap_label(c, CHIBI_TRAP_INT_OVERFLOW));
	} else if (dbl) {
		/* i64 from f64: valid iff src is exactly -2^63 */
		x64_mov_ri64(cb, dst, 0xc3e0000000000000ull);
		x64_movq_rx(cb, true, R_SCRATCH, x);
		x64_cmp_rr(cb, true, R_SCRATCH, dst);
		jcc_label(c, CC_NE, jc_trap_label(c, CHIBI_TRAP_INT_OVERFLOW));
		x64_mov_ri64(cb, dst, 0x8000000000000000ull);
	} else {
		x64_movq_rx(cb, false, R_SCRATCH, x);
		x64_cmp_ri(cb, false, R_SCRATCH, (int32_t)0xdf000000u);
		jcc_label(c, CC_NE, jc_trap_label(c, CHIBI_TRAP_INT_OVERFLOW));
	}
	cb_bind(cb, done);
}

/* dst = trunc(src) as an unsigned i32: the 64-bit conversion is exact on (-1, 2^32), and
 * anything else leaves high bits set (NaN and overflow give INT64_MIN). */
static void trunc_u32(struct jcomp *c, bool dbl, uint8_t dst, struct jopnd src)
{
	struct codebuf *cb = c->cb;
	uint32_t done = cb_label_new(cb);
	uint8_t x = fpr_of(cb, dbl, src);

	x64_cvtts2si_rr(cb, dbl, true, dst, x);
	x64_mov_rr(cb, true, R_SCRATCH, dst);
	x64_shift_ri(cb, true, SH_SHR, R_SCRATCH, 32);
	jcc_label(c, CC_E, done);
	x64_ucomis_rr(cb, dbl, x, x);
	jcc_label(c, CC_P, jc_trap_label(c, CHIBI_TRAP_INVALID_CONVERSION));
	jmp_label(c, jc_trap_label(c, CHIBI_TRAP_INT_OVERFLOW));
	cb_bind(cb, done);
}

/* dst = (float|double) integer source; xorps first breaks cvtsi2s's false dependency. */
static void convert_int(struct codebuf *cb, bool dbl, bool w, uint8_t d, struct jopnd src)
{
	uint8_t r = gpr_of(cb, w, src);

	x64_xorps_rr(cb, d, d);
	x64_cvtsi2s_rr(cb, dbl, w, d, r);
}

/* dst = sign extension of the low `bits` of src to 32 or 64 bits. */
static void sign_extend(struct codebuf *cb, bool w, int bits, uint8_t dst, struct jopnd src)
{
	if (src.kind == OP_IMM) {
		int64_t v = bits == 8 ? (int8_t)src.imm : bits == 16 ? (int16_t)src.imm
			    : (int32_t)src.imm;

		gpr_imm(cb, w, dst, (uint64_t)v, false);
		return;
	}
	if (src.kind == OP_MEM) {
		if (bits == 8)
			x64_movsx8_rm(cb, w, dst, frame_slot(src.off));
		else if (bits == 16)
			x64_movsx16_rm(cb, w, dst, frame_slot(src.off));
		else
			x64_movsxd_rm(cb, dst, frame_slot(src.off));
		return;
	}
	if (bits == 8)
		x64_movsx8_rr(cb, w, dst, src.reg);
	else if (bits == 16)
		x64_movsx16_rr(cb, w, dst, src.reg);
	else
		x64_movsxd_rr(cb, dst, src.reg);
}

/* d = src rounded to an integral value; mode is roundss's: 0 nearest even, 1 down, 2 up,
 * 3 toward zero (bit 3 set: no precision exception). */
static void float_round(struct codebuf *cb, bool dbl, uint8_t d, struct jopnd src, uint8_t mode)
{
	x64_rounds_rr(cb, dbl, d, fpr_of(cb, dbl, src), (uint8_t)(8 | mode));
}

void be_unop(struct jcomp *c, uint16_t op, jreg dst, struct jopnd src)
{
	struct codebuf *cb = c->cb;
	bool w = op_info[op].type == VT_I64; /* for the integer operators */
	uint8_t d = HW(dst), r;

	switch (op) {
	case OPC_I32_EQZ:
	case OPC_I64_EQZ:
		emit_test_zero(c, w, src);
		set_from_flags(cb, op, CC_E, dst);
		return;
	case OPC_I32_CLZ:
	case OPC_I64_CLZ:
		r = gpr_of(cb, w, src);
		if (x64_cpu()->lzcnt) {
			x64_lzcnt_rr(cb, w, dst, r);
		} else {
			/* bsr gives 31 - clz; a zero input leaves ZF set and dst undefined */
			x64_bsr_rr(cb, w, dst, r);
			x64_mov_ri32(cb, R_SCRATCH, w ? 127 : 63);
			x64_cmov_rr(cb, w, CC_E, dst, R_SCRATCH);
			x64_alu_ri(cb, w, ALU_XOR, dst, w ? 63 : 31);
		}
		return;
	case OPC_I32_CTZ:
	case OPC_I64_CTZ:
		r = gpr_of(cb, w, src);
		if (x64_cpu()->bmi1) {
			x64_tzcnt_rr(cb, w, dst, r);
		} else {
			x64_bsf_rr(cb, w, dst, r);
			x64_mov_ri32(cb, R_SCRATCH, w ? 64 : 32);
			x64_cmov_rr(cb, w, CC_E, dst, R_SCRATCH);
		}
		return;
	case OPC_I32_POPCNT:
	case OPC_I64_POPCNT:
		r = gpr_of(cb, w, src);
		x64_popcnt_rr(cb, w, dst, r);
		return;
	case OPC_I32_WRAP_I64:
	case OPC_I64_EXTEND_I32_U:
		/* a 32-bit move zero-extends: exactly both operators (even in place: an i64
		 * becoming an i32 must lose its upper half, which addresses rely on) */
		if (src.kind == OP_REG && src.reg == dst)
			x64_mov_rr(cb, false, dst, dst);
		else
			gpr_load(cb, false, dst, src, false);
		return;
	case OPC_I64_EXTEND_I32_S:
	case OPC_I64_EXTEND32_S:
		sign_extend(cb, true, 32, dst, src);
		return;
	case OPC_I32_EXTEND8_S:
		sign_extend(cb, false, 8, dst, src);
		return;
	case OPC_I32_EXTEND16_S:
		sign_extend(cb, false, 16, dst, src);
		return;
	case OPC_I64_EXTEND8_S:
		sign_extend(cb, true, 8, dst, src);
		return;
	case OPC_I64_EXTEND16_S:
		sign_extend(cb, true, 16, dst, src);
		return;
	case OPC_F32_ABS:
		float_signop(cb, false, LOGIC_AND, 0x7fffffffu, d, src);
		return;
	case OPC_F64_ABS:
		float_signop(cb, true, LOGIC_AND, 0x7fffffffffffffffull, d, src);
		return;
	case OPC_F32_NEG:
		float_signop(cb, false, LOGIC_XOR, 0x80000000u, d, src);
		return;
	case OPC_F64_NEG:
		float_signop(cb, true, LOGIC_XOR, 0x8000000000000000ull, d, src);
		return;
	case OPC_F32_SQRT:
	case OPC_F64_SQRT:
		if (src.kind == OP_MEM)
			x64_sse_rm(cb, op_is_wide(op), SSE_SQRT, d, frame_slot(src.off));
		else
			x64_sse_rr(cb, op_is_wide(op), SSE_SQRT, d,
				   fpr_of(cb, op_is_wide(op), src));
		return;
	case OPC_F32_NEAREST: case OPC_F64_NEAREST:
		float_round(cb, op_is_wide(op), d, src, 0);
		return;
	case OPC_F32_FLOOR: case OPC_F64_FLOOR:
		float_round(cb, op_is_wide(op), d, src, 1);
		return;
	case OPC_F32_CEIL: case OPC_F64_CEIL:
		float_round(cb, op_is_wide(op), d, src, 2);
		return;
	case OPC_F32_TRUNC: case OPC_F64_TRUNC:
		float_round(cb, op_is_wide(op), d, src, 3);
		return;
	case OPC_F32_DEMOTE_F64:
		x64_cvts2s_rr(cb, true, d, fpr_of(cb, true, src));
		return;
	case OPC_F64_PROMOTE_F32:
		x64_cvts2s_rr(cb, false, d, fpr_of(cb, false, src));
		return;
	case OPC_F32_CONVERT_I32_S:
		convert_int(cb, false, false, d, src);
		return;
	case OPC_F64_CONVERT_I32_S:
		convert_int(cb, true, false, d, src);
		return;
	case OPC_F32_CONVERT_I32_U:
		/* i32 values are zero-extended in registers: a 64-bit signed conversion is exact */
		convert_int(cb, false, true, d, src.kind == OP_REG ? src :
			    jo_reg(gpr_of(cb, false, src)));
		return;
	case OPC_F64_CONVERT_I32_U:
		convert_int(cb, true, true, d, src.kind == OP_REG ? src :
			    jo_reg(gpr_of(cb, false, src)));
		return;
	case OPC_F32_CONVERT_I64_S:
		convert_int(cb, false, true, d, src);
		return;
	case OPC_F64_CONVERT_I64_S:
		convert_int(cb, true, true, d, src);
		return;
	case OPC_I32_TRUNC_F32_S:
		trunc_signed(c, false, false, dst, src);
		return;
	case OPC_I32_TRUNC_F64_S:
		trunc_signed(c, true, false, dst, src);
		return;
	case OPC_I64_TRUNC_F32_S:
		trunc_signed(c, false, true, dst, src);
		return;
	case OPC_I64_TRUNC_F64_S:
		trunc_signed(c, true, true, dst, src);
		return;
	case OPC_I32_TRUNC_F32_U:
		trunc_u32(c, false, dst, src);
		return;
	case OPC_I32_TRUNC_F64_U:
		trunc_u32(c, true, dst, src);
		return;
	default:
		x64_poison(cb);
		return;
	}
}

/* ---- select ---- */

/* dst = ZF-clear ? a : b after flags are set (cc = condition for choosing a). */
static void select_flags(struct jcomp *c, uint8_t vt, jreg dst, struct jopnd a, struct jopnd b,
			 enum x64_cc cc)
{
	struct codebuf *cb = c->cb;
	bool w = vt_is64(vt);

	if (vt_class(vt) == JC_GPR) {
		if (b.kind == OP_REG && b.reg == dst) {
			if (a.kind == OP_MEM) {
				x64_cmov_rm(cb, w, cc, dst, frame_slot(a.off));
			} else {
				if (a.kind == OP_IMM)
					gpr_load(cb, w, R_SCRATCH, a, true);
				x64_cmov_rr(cb, w, cc, dst, a.kind == OP_IMM ? R_SCRATCH : a.reg);
			}
			return;
		}
		gpr_load(cb, w, dst, a, true);
		if (b.kind == OP_MEM) {
			x64_cmov_rm(cb, w, (enum x64_cc)(cc ^ 1), dst, frame_slot(b.off));
		} else {
			if (b.kind == OP_IMM)
				gpr_load(cb, w, R_SCRATCH, b, true);
			x64_cmov_rr(cb, w, (enum x64_cc)(cc ^ 1), dst,
				    b.kind == OP_IMM ? R_SCRATCH : b.reg);
		}
		return;
	}
	{
		uint32_t skip = cb_label_new(cb);
		bool dbl = is_dbl(vt);

		/* movaps/movdqu leave the flags alone */
		if (b.kind == OP_REG && b.reg == dst) {
			jcc_label(c, (enum x64_cc)(cc ^ 1), skip);
			if (vt == VT_V128)
				vec_load(cb, HW(dst), a);
			else
				fpr_load(cb, dbl, HW(dst), a);
		} else {
			if (vt == VT_V128)
				vec_load(cb, HW(dst), a);
			else
				fpr_load(cb, dbl, HW(dst), a);
			jcc_label(c, cc, skip);
			if (vt == VT_V128)
				vec_load(cb, HW(dst), b);
			else
				fpr_load(cb, dbl, HW(dst), b);
		}
		cb_bind(cb, skip);
	}
}

void be_select(struct jcomp *c, uint8_t vt, jreg dst, struct jopnd a, struct jopnd b,
	       struct jopnd cond)
{
	emit_test_zero(c, false, cond);
	select_flags(c, vt, dst, a, b, CC_NE);
}

void be_select_cmp(struct jcomp *c, uint8_t vt, jreg dst, struct jopnd a, struct jopnd b,
		   uint16_t cmp_op, struct jopnd lhs, struct jopnd rhs)
{
	enum x64_cc cc;

	/* only integer comparisons are fused (float eq/ne need two flags) */
	if (op_is_eqz(cmp_op)) {
		emit_test_zero(c, op_is_wide(cmp_op), lhs);
		cc = CC_E;
	} else {
		cc = emit_int_cmp(c->cb, cmp_op, lhs, rhs);
	}
	select_flags(c, vt, dst, a, b, cc);
}

/* ---- memory ---- */

/* [membase + index + offset]; an offset beyond disp32 is added into the scratch register. */
static struct x64_mem membase_index(struct codebuf *cb, uint8_t index, uint32_t offset)
{
	if (offset <= INT32_MAX)
		return x64_mbi(R_MEMBASE, index, 0, (int32_t)offset);
	x64_mov_ri32(cb, R_SCRATCH, offset);
	x64_add_rr(cb, true, R_SCRATCH, index);
	return x64_mbi(R_MEMBASE, R_SCRATCH, 0, 0);
}

/*
 * The memory operand of a `size`-byte access at the i64 addr + offset of a 64-bit memory 0
 * (offset + size <= 4 GiB, the front end traps on larger ones).  r13 holds the memory.
 * Guard mode: addr < size is the whole check, one cmp + jae; the rest of the access
 * (< 4 GiB past the end) stays inside the 8 GiB reservation, so the guard region catches
 * it as for a 32-bit memory.  Explicit mode: r11 = addr + offset + size, where a carry
 * (an address near 2^64) traps as well, compared with the current size.
 */
static struct x64_mem mem64_operand(struct jcomp *c, struct jopnd addr, uint32_t offset,
				    uint32_t size)
{
	struct codebuf *cb = c->cb;
	uint32_t oob = jc_trap_label(c, CHIBI_TRAP_MEMORY_OOB);
	struct x64_mem bound = x64_mb(R_MEMOBJ, offsetof(struct chibi_memory, size));
	uint64_t extra = (uint64_t)offset + size;

	if (!c->explicit_bounds) {
		if (addr.kind == OP_IMM) {
			if (addr.imm > UINT32_MAX) { /* past every memory */
				jmp_label(c, oob);
				return x64_mb(R_MEMBASE, 0);
			}
			if (addr.imm <= INT32_MAX) {
				x64_cmp_mi(cb, true, bound, (int32_t)addr.imm);
				jcc_label(c, CC_BE, oob);
			} else {
				gpr_imm(cb, true, R_SCRATCH, addr.imm, false);
				x64_cmp_rm(cb, true, R_SCRATCH, bound);
				jcc_label(c, CC_AE, oob);
			}
			if (addr.imm + offset <= INT32_MAX)
				return x64_mb(R_MEMBASE, (int32_t)(addr.imm + offset));
			gpr_imm(cb, true, R_SCRATCH, addr.imm + offset, false);
			return x64_mbi(R_MEMBASE, R_SCRATCH, 0, 0);
		}
		x64_cmp_rm(cb, true, addr.reg, bound);
		jcc_label(c, CC_AE, oob);
		return membase_index(cb, addr.reg, offset);
	}
	if (addr.kind == OP_IMM) {
		if (addr.imm > UINT64_MAX - extra) { /* wraps: past every memory */
			jmp_label(c, oob);
			return x64_mb(R_MEMBASE, 0);
		}
		gpr_imm(cb, true, R_SCRATCH, addr.imm + extra, false);
	} else {
		if (extra <= INT32_MAX) {
			x64_mov_rr(cb, true, R_SCRATCH, addr.reg);
			x64_add_ri(cb, true, R_SCRATCH, (int32_t)extra);
		} else {
			gpr_imm(cb, true, R_SCRATCH, extra, false);
			x64_add_rr(cb, true, R_SCRATCH, addr.reg);
		}
		jcc_label(c, CC_B, oob); /* the carry of addr + extra */
	}
	x64_cmp_rm(cb, true, R_SCRATCH, bound);
	jcc_label(c, CC_A, oob);
	return x64_mbi(R_MEMBASE, R_SCRATCH, 0, -(int32_t)size);
}

/* The memory operand of a `size`-byte access at addr + offset (OP_HOST: at addr, which the
 * front end checked, in whichever memory).  Guard mode relies on the
 * 8 GiB reservation: u32 + u32 cannot leave it.  Explicit mode computes the end of the
 * access in r11 (64 bits, no wrap) and compares it with the current size. */
static struct x64_mem mem_operand(struct jcomp *c, struct jopnd addr, uint32_t offset,
				  uint32_t size)
{
	struct codebuf *cb = c->cb;
	uint64_t extra = (uint64_t)offset + size;

	if (addr.kind == OP_HOST) /* checked by the front end */
		return x64_mb(addr.reg, 0);
	if (c->mem->is64)
		return mem64_operand(c, addr, offset, size);
	if (!c->explicit_bounds) {
		if (addr.kind == OP_IMM) {
			uint64_t ea = (uint64_t)(uint32_t)addr.imm + offset;

			if (ea <= INT32_MAX)
				return x64_mb(R_MEMBASE, (int32_t)ea);
			gpr_imm(cb, true, R_SCRATCH, ea, false);
			return x64_mbi(R_MEMBASE, R_SCRATCH, 0, 0);
		}
		return membase_index(cb, addr.reg, offset);
	}
	if (addr.kind == OP_IMM) {
		gpr_imm(cb, true, R_SCRATCH, (uint32_t)addr.imm + extra, false);
	} else if (extra <= INT32_MAX) {
		x64_lea(cb, true, R_SCRATCH, x64_mb(addr.reg, (int32_t)extra));
	} else {
		gpr_imm(cb, true, R_SCRATCH, extra, false);
		x64_add_rr(cb, true, R_SCRATCH, addr.reg);
	}
	x64_cmp_rm(cb, true, R_SCRATCH, x64_mb(R_MEMOBJ, offsetof(struct chibi_memory, size)));
	jcc_label(c, CC_A, jc_trap_label(c, CHIBI_TRAP_MEMORY_OOB));
	return x64_mbi(R_MEMBASE, R_SCRATCH, 0, -(int32_t)size);
}

void be_load(struct jcomp *c, uint16_t op, jreg dst, struct jopnd addr, uint32_t offset)
{
	struct codebuf *cb = c->cb;
	struct x64_mem m = mem_operand(c, addr, offset, 1u << op_info[op].memlog2);

	switch (op) {
	case OPC_I32_LOAD: case OPC_I64_LOAD32_U:
		x64_mov_rm(cb, false, dst, m);
		break;
	case OPC_I64_LOAD:
		x64_mov_rm(cb, true, dst, m);
		break;
	case OPC_F32_LOAD:
		x64_movss_rm(cb, HW(dst), m);
		break;
	case OPC_F64_LOAD:
		x64_movsd_rm(cb, HW(dst), m);
		break;
	case OPC_I32_LOAD8_S:
		x64_movsx8_rm(cb, false, dst, m);
		break;
	case OPC_I32_LOAD8_U: case OPC_I64_LOAD8_U:
		x64_movzx8_rm(cb, dst, m);
		break;
	case OPC_I32_LOAD16_S:
		x64_movsx16_rm(cb, false, dst, m);
		break;
	case OPC_I32_LOAD16_U: case OPC_I64_LOAD16_U:
		x64_movzx16_rm(cb, dst, m);
		break;
	case OPC_I64_LOAD8_S:
		x64_movsx8_rm(cb, true, dst, m);
		break;
	case OPC_I64_LOAD16_S:
		x64_movsx16_rm(cb, true, dst, m);
		break;
	case OPC_I64_LOAD32_S:
		x64_movsxd_rm(cb, dst, m);
		break;
	default:
		x64_poison(cb);
		break;
	}
}

/* [m] = 64-bit immediate: one store when it sign-extends from 32 bits, else two halves
 * (no free register: r11 may hold the address), the high one first.  In guard mode an
 * i64.store that runs past the end of memory faults on the high half, and must do so
 * before the low half is written: a trapping store leaves memory as it was (what the
 * low-first order left was 4 bytes written at the end of memory). */
static void store_imm64(struct codebuf *cb, struct x64_mem m, uint64_t v)
{
	struct x64_mem high = m;

	if (is_simm32((int64_t)v)) {
		x64_mov_mi(cb, true, m, (int32_t)v);
		return;
	}
	high.disp += 4;
	x64_mov_mi(cb, false, high, (int32_t)(uint32_t)(v >> 32));
	x64_mov_mi(cb, false, m, (int32_t)(uint32_t)v);
}

void be_store(struct jcomp *c, uint16_t op, struct jopnd addr, struct jopnd val,
	      uint32_t offset)
{
	struct codebuf *cb = c->cb;
	struct x64_mem m = mem_operand(c, addr, offset, 1u << op_info[op].memlog2);

	if (val.kind == OP_IMM) {
		switch (op_info[op].memlog2) {
		case 0: x64_mov8_mi(cb, m, (uint8_t)val.imm); break;
		case 1: x64_mov16_mi(cb, m, (uint16_t)val.imm); break;
		case 2: x64_mov_mi(cb, false, m, (int32_t)(uint32_t)val.imm); break;
		default: store_imm64(cb, m, val.imm); break;
		}
		return;
	}
	switch (op) {
	case OPC_I32_STORE: case OPC_I64_STORE32:
		x64_mov_mr(cb, false, m, val.reg);
		break;
	case OPC_I64_STORE:
		x64_mov_mr(cb, true, m, val.reg);
		break;
	case OPC_F32_STORE:
		x64_movss_mr(cb, m, HW(val.reg));
		break;
	case OPC_F64_STORE:
		x64_movsd_mr(cb, m, HW(val.reg));
		break;
	case OPC_I32_STORE8: case OPC_I64_STORE8:
		x64_mov8_mr(cb, m, val.reg);
		break;
	case OPC_I32_STORE16: case OPC_I64_STORE16:
		x64_mov16_mr(cb, m, val.reg);
		break;
	default:
		x64_poison(cb);
		break;
	}
}

void be_load_abs(struct jcomp *c, uint8_t vt, jreg dst, const void *addr)
{
	struct codebuf *cb = c->cb;
	struct x64_mem m = x64_mb(R_SCRATCH, 0);

	mov_addr(c, R_SCRATCH, addr);
	if (vt == VT_V128) {
		x64_movdqu_rm(cb, HW(dst), m);
	} else if (IS_XMM(dst)) {
		if (is_dbl(vt))
			x64_movsd_rm(cb, HW(dst), m);
		else
			x64_movss_rm(cb, HW(dst), m);
	} else {
		x64_mov_rm(cb, vt_is64(vt), dst, m);
	}
}

void be_store_abs(struct jcomp *c, uint8_t vt, void *addr, struct jopnd src)
{
	struct codebuf *cb = c->cb;
	struct x64_mem m = x64_mb(R_SCRATCH, 0);
	bool w = vt_is64(vt);

	mov_addr(c, R_SCRATCH, addr);
	if (vt == VT_V128) { /* 16 bytes: a global's value and hi */
		if (src.kind == OP_REG) {
			x64_movdqu_mr(cb, m, HW(src.reg));
		} else {
			vec_load(cb, HW(X_SCRATCH), src);
			x64_movdqu_mr(cb, m, HW(X_SCRATCH));
		}
		return;
	}
	switch (src.kind) {
	case OP_IMM:
		if (w)
			store_imm64(cb, m, src.imm);
		else
			x64_mov_mi(cb, false, m, (int32_t)(uint32_t)src.imm);
		break;
	case OP_MEM:
		/* slot to memory through xmm15 (r11 holds the address) */
		if (w) {
			x64_movsd_rm(cb, HW(X_SCRATCH), frame_slot(src.off));
			x64_movsd_mr(cb, m, HW(X_SCRATCH));
		} else {
			x64_movss_rm(cb, HW(X_SCRATCH), frame_slot(src.off));
			x64_movss_mr(cb, m, HW(X_SCRATCH));
		}
		break;
	default:
		if (!IS_XMM(src.reg))
			x64_mov_mr(cb, w, m, src.reg);
		else if (w)
			x64_movsd_mr(cb, m, HW(src.reg));
		else
			x64_movss_mr(cb, m, HW(src.reg));
		break;
	}
}

/* ---- calls ---- */

/* Is code (a compiled callee) part of the image being built? */
static bool pic_has_code(const struct jcomp *c, const void *code)
{
	return (const uint8_t *)code >= c->js->pic->lo;
}

void be_call_direct(struct jcomp *c, struct jit_func *jf, const void *code, bool self)
{
	struct codebuf *cb = c->cb;

	if (c->js->pic && code && !pic_has_code(c, code))
		code = NULL; /* another instance's code: through its record's slot */
	if (self) {
		x64_call_rel32(cb, -(int32_t)(cb_pos(cb) + 5));
	} else if (code) {
		x64_call_rel32(cb, 0);
		cb_reloc(cb, cb_pos(cb) - 4, RL_REL32, (uintptr_t)code);
	} else {
		/* r11 = &jf; call [r11]: the lazy and exit thunks find the callee in r11 */
		mov_addr(c, R_CALLEE, jf);
		x64_call_m(cb, x64_mb(R_CALLEE, 0));
	}
}

/* The frame popped, [rsp] is our caller's return address: a jump is a call from there. */
void be_tail_call_direct(struct jcomp *c, struct jit_func *jf, const void *code, bool self)
{
	struct codebuf *cb = c->cb;

	frame_pop(c);
	if (c->js->pic && code && !pic_has_code(c, code))
		code = NULL;
	if (self) {
		x64_jmp_rel32(cb, -(int32_t)(cb_pos(cb) + 5));
	} else if (code) {
		x64_jmp_rel32(cb, 0);
		cb_reloc(cb, cb_pos(cb) - 4, RL_REL32, (uintptr_t)code);
	} else {
		/* r11 = &jf; jmp [r11]: the lazy and exit thunks find the callee in r11 */
		mov_addr(c, R_CALLEE, jf);
		x64_jmp_m(cb, x64_mb(R_CALLEE, 0));
	}
}

/* With the chibi_func in r11 (not null): r11 = its jit_func, made on the first call of a
 * function the JIT has not met (the indirect thunk preserves the arguments). */
static void callee_jit_func(struct jcomp *c)
{
	struct codebuf *cb = c->cb;
	uint32_t have = cb_label_new(cb);

	x64_mov_rm(cb, true, RAX, x64_mb(R_SCRATCH, offsetof(struct chibi_func, jit_code)));
	x64_test_rr(cb, true, RAX, RAX);
	jcc_label(c, CC_NE, have);
	mov_addr(c, RAX, c->js->thunk_indirect);
	x64_call_r(cb, RAX);
	cb_bind(cb, have);
	x64_mov_rr(cb, true, R_CALLEE, RAX);
}

/* r11 = element rax of table, checked (bounds, null, type id; for a non-final type the
 * subtype check when the ids differ, see be_call_indirect), then its jit_func. */
static void table_callee(struct jcomp *c, struct chibi_table *table, uint32_t type_id,
			 uint32_t depth)
{
	struct codebuf *cb = c->cb;
	uint32_t mismatch = jc_trap_label(c, CHIBI_TRAP_INDIRECT_MISMATCH);
	const void *slot = NULL;
	uint32_t ok;

	mov_addr(c, R_SCRATCH, table);
	x64_cmp_rm(cb, false, RAX, x64_mb(R_SCRATCH, offsetof(struct chibi_table, size)));
	jcc_label(c, CC_AE, jc_trap_label(c, CHIBI_TRAP_UNDEFINED_ELEMENT));
	x64_mov_rm(cb, true, R_SCRATCH, x64_mb(R_SCRATCH, offsetof(struct chibi_table, elems)));
	x64_mov_rm(cb, true, R_SCRATCH, x64_mbi(R_SCRATCH, RAX, 3, 0));
	x64_test_rr(cb, true, R_SCRATCH, R_SCRATCH);
	jcc_label(c, CC_E, jc_trap_label(c, CHIBI_TRAP_UNINITIALIZED));
	if (c->js->pic) {
		/* canonical type ids are the store's: the loader's instance has its own */
		slot = jit_pic_type_slot(c->js->pic, type_id);
		if (!slot)
			x64_poison(cb);
		x64_mov_rm(cb, false, RAX, (struct x64_mem){ .rip = true });	/* eax = [slot] */
		cb_reloc(cb, cb_pos(cb) - 4, RL_REL32, (uintptr_t)slot);
		x64_cmp_rm(cb, false, RAX, x64_mb(R_SCRATCH, offsetof(struct chibi_func, type_id)));
	} else {
		x64_cmp_mi(cb, false, x64_mb(R_SCRATCH, offsetof(struct chibi_func, type_id)),
			   (int32_t)type_id);
	}
	if (depth == JIT_FINAL) {
		jcc_label(c, CC_NE, mismatch);
		callee_jit_func(c);
		return;
	}
	/* a non-final type: the callee's supertype at our type's depth must be our type
	 * (depth < 2^22: the displacement fits) */
	ok = cb_label_new(cb);
	jcc_label(c, CC_E, ok);
	x64_cmp_mi(cb, false, x64_mb(R_SCRATCH, offsetof(struct chibi_func, type_depth)),
		   (int32_t)depth);
	jcc_label(c, CC_BE, mismatch);
	if (slot) {
		x64_mov_rm(cb, false, RAX, (struct x64_mem){ .rip = true });	/* eax = [slot] */
		cb_reloc(cb, cb_pos(cb) - 4, RL_REL32, (uintptr_t)slot);
		x64_push_r(cb, RAX);
	}
	x64_mov_rm(cb, true, RAX, x64_mb(R_SCRATCH, offsetof(struct chibi_func, type_supers)));
	x64_mov_rm(cb, false, RAX, x64_mb(RAX, (int32_t)(depth * sizeof(uint32_t))));
	if (slot) {
		x64_cmp_rm(cb, false, RAX, x64_mb(RSP, 0));
		x64_pop_r(cb, RAX); /* (mov and pop leave the flags alone) */
	} else {
		x64_cmp_ri(cb, false, RAX, (int32_t)type_id);
	}
	jcc_label(c, CC_NE, mismatch);
	cb_bind(cb, ok);
	callee_jit_func(c);
}

/* r11 = the jit_func of the function reference in rax (null traps). */
static void ref_callee(struct jcomp *c)
{
	struct codebuf *cb = c->cb;

	x64_mov_rr(cb, true, R_SCRATCH, RAX);
	x64_test_rr(cb, true, R_SCRATCH, R_SCRATCH);
	jcc_label(c, CC_E, jc_trap_label(c, CHIBI_TRAP_NULL_FUNC_REF));
	callee_jit_func(c);
}

void be_call_indirect(struct jcomp *c, struct chibi_table *table, uint32_t type_id,
		      uint32_t depth)
{
	table_callee(c, table, type_id, depth);
	x64_call_m(c->cb, x64_mb(R_CALLEE, 0));
}

void be_call_ref(struct jcomp *c)
{
	ref_callee(c);
	x64_call_m(c->cb, x64_mb(R_CALLEE, 0));
}

/* The tail forms: frame_pop leaves r11 alone, then a jump through the jit_func. */
void be_tail_call_indirect(struct jcomp *c, struct chibi_table *table, uint32_t type_id,
			   uint32_t depth)
{
	table_callee(c, table, type_id, depth);
	frame_pop(c);
	x64_jmp_m(c->cb, x64_mb(R_CALLEE, 0));
}

void be_tail_call_ref(struct jcomp *c)
{
	ref_callee(c);
	frame_pop(c);
	x64_jmp_m(c->cb, x64_mb(R_CALLEE, 0));
}

void be_call_helper(struct jcomp *c, const void *fn)
{
	struct codebuf *cb = c->cb;

	mov_addr(c, RAX, fn);
	x64_call_r(cb, RAX);
}

/* With esi = kind: a call of the store's trap thunk (its return address names the
 * function), or, without one, jit_rt_trap(store, kind, func index, instance) on an aligned
 * stack. */
void be_trap_stub(struct jcomp *c)
{
	struct codebuf *cb = c->cb;

	if (c->js->thunk_trap && c->js->pic) {
		const void *at;
		bool load;

		/* call [rip + slot]: the return address names the function all the same */
		if (!jit_pic_find(c->js->pic, c->js->thunk_trap, &at, &load) || !load)
			x64_poison(cb);
		x64_call_m(cb, (struct x64_mem){ .rip = true });
		cb_reloc(cb, cb_pos(cb) - 4, RL_REL32, (uintptr_t)at);
		return;
	}
	if (c->js->thunk_trap) {
		x64_call_rel32(cb, 0);
		cb_reloc(cb, cb_pos(cb) - 4, RL_REL32, (uintptr_t)c->js->thunk_trap);
		return;
	}
	x64_mov_rr(cb, true, RDI, R_STORE);
	x64_mov_ri32(cb, RDX, c->func->index);
	mov_addr(c, RCX, c->inst);
	x64_and_ri(cb, true, RSP, -16);
	mov_addr(c, RAX, (const void *)jit_rt_trap);
	x64_call_r(cb, RAX);
	x64_int3(cb);
}

/* Jump table: 32-bit offsets from the table start, right after the indirect jump.  idx is
 * a temp of the front end and is clobbered. */
void be_br_table(struct jcomp *c, jreg idx, uint32_t n, const uint32_t *labels)
{
	struct codebuf *cb = c->cb;
	uint32_t lea_pos, start;

	x64_cmp_ri(cb, false, idx, (int32_t)n);
	jcc_label(c, CC_AE, labels[n]);
	x64_lea(cb, true, R_SCRATCH, (struct x64_mem){ .rip = true });
	lea_pos = cb_pos(cb) - 4;
	x64_movsxd_rm(cb, idx, x64_mbi(R_SCRATCH, idx, 2, 0));
	x64_add_rr(cb, true, R_SCRATCH, idx);
	x64_jmp_r(cb, R_SCRATCH);
	while (cb_pos(cb) & 3)
		x64_int3(cb);
	start = cb_pos(cb);
	cb_patch32(cb, lea_pos, start - (lea_pos + 4));
	for (uint32_t i = 0; i < n; i++) {
		cb_put32(cb, 0);
		cb_fixup(cb, cb_pos(cb) - 4, labels[i], FX_REL32, start);
	}
	cb_data_range(cb, start, cb_pos(cb));
}

/* ==== SIMD ====
 *
 * v128 values live in xmm registers.  Every sequence below uses only its operands, dst and
 * the back end's scratch registers (xmm15, xmm14, r11), so the front end needs no clobber
 * lists.  Encodings: the legacy SSE forms up to SSE4.1 (SSE4.2 for pcmpgtq), or with AVX
 * the VEX three-operand forms, which save the copy of a destructive two-operand form; with
 * AVX2 the broadcasts.  The level is x64_cpu()->simd, fixed for the process.
 */

#define XS HW(X_SCRATCH)
#define XS2 HW(X_SCRATCH2)

static bool avx(void)
{
	return x64_cpu()->simd >= XS_AVX;
}

static bool avx2(void)
{
	return x64_cpu()->simd >= XS_AVX2;
}

/* d = a (whole register) */
static void vcopy(struct codebuf *cb, uint8_t d, uint8_t a)
{
	if (d != a)
		x64_movaps_rr(cb, d, a);
}

typedef void (*sse_rr_fn)(struct codebuf *, uint8_t, uint8_t);
typedef void (*vex_rrr_fn)(struct codebuf *, uint8_t, uint8_t, uint8_t);

/* d = a OP b for a packed two-operand instruction (sse: d = d OP s; vex: d = s1 OP s2).
 * Without AVX and with d == b, a non-commutative OP goes through xmm15: b must not be
 * xmm15 then (callers keep their own values in xmm14 or pass xmm15 as b only with d != b). */
static void vbin(struct codebuf *cb, uint8_t d, uint8_t a, uint8_t b, sse_rr_fn sse,
		 vex_rrr_fn vex, bool comm)
{
	if (avx()) {
		vex(cb, d, a, b);
	} else if (d == a) {
		sse(cb, d, b);
	} else if (d != b) {
		x64_movaps_rr(cb, d, a);
		sse(cb, d, b);
	} else if (comm) {
		sse(cb, d, a);
	} else {
		x64_movaps_rr(cb, XS, b);
		x64_movaps_rr(cb, d, a);
		sse(cb, d, XS);
	}
}

#define VBIN(d, a, b, mn, comm) vbin(cb, d, a, b, x64_##mn##_rr, x64_v##mn##_rrr, comm)

/* the same with an immediate (cmpps, shufps, ...) */
#define VBINI(d, a, b, mn, imm)								\
	do {										\
		if (avx()) {								\
			x64_v##mn##_rrri(cb, d, a, b, imm);				\
		} else if ((d) == (a)) {						\
			x64_##mn##_rri(cb, d, b, imm);					\
		} else if ((d) != (b)) {						\
			x64_movaps_rr(cb, d, a);					\
			x64_##mn##_rri(cb, d, b, imm);					\
		} else {								\
			x64_movaps_rr(cb, XS, b);					\
			x64_movaps_rr(cb, d, a);					\
			x64_##mn##_rri(cb, d, XS, imm);					\
		}									\
	} while (0)

/* d = a SHIFT imm */
#define VSHI(d, a, n, mn)								\
	do {										\
		if (avx()) {								\
			x64_v##mn##_rri(cb, d, a, n);					\
		} else {								\
			vcopy(cb, d, a);						\
			x64_##mn##_ri(cb, d, n);					\
		}									\
	} while (0)

/* x = lo | hi << 64, built in the register (through r11) */
static void vconst_imm(struct codebuf *cb, uint8_t x, uint64_t lo, uint64_t hi)
{
	if (!lo && !hi) {
		x64_pxor_rr(cb, x, x);
		return;
	}
	if (lo == UINT64_MAX && hi == UINT64_MAX) {
		x64_pcmpeqd_rr(cb, x, x);
		return;
	}
	gpr_imm(cb, true, R_SCRATCH, lo, false);
	x64_movq_xr(cb, true, x, R_SCRATCH);
	if (hi == lo) {
		x64_punpcklqdq_rr(cb, x, x);
	} else if (hi) {
		gpr_imm(cb, true, R_SCRATCH, hi, false);
		x64_pinsrd_xri(cb, true, x, R_SCRATCH, 1);
	}
}

static uint64_t rep8(uint8_t v)
{
	return v * 0x0101010101010101ull;
}

static uint64_t rep16(uint16_t v)
{
	return v * 0x0001000100010001ull;
}

static uint64_t rep32(uint32_t v)
{
	return v * 0x0000000100000001ull;
}

/* x = lo | hi << 64: zero and all-ones by idiom, anything else one movdqu from the
 * function's constant pool (4 instructions and 30 bytes less than building it; shuffle masks
 * in loops are the common case), or built in place when the pool is full. */
/* The pool entry k holding lo | hi << 64 (added if new); false when the pool is full. */
static bool vpool(struct jcomp *c, uint64_t lo, uint64_t hi, uint32_t *k)
{
	for (*k = 0; *k < c->nconsts; (*k)++)
		if (c->consts[*k].lo == lo && c->consts[*k].hi == hi)
			return true;
	if (*k == JIT_MAX_CONSTS)
		return false;
	c->consts[*k] = (struct jconst){ lo, hi, cb_label_new(c->cb) };
	c->nconsts++;
	return true;
}

/* The instruction just emitted ends with the disp32 of a [rip] operand: aim it at entry k
 * (16-byte aligned, so legacy SSE forms may read it too). */
static void vpool_fixup(struct jcomp *c, uint32_t k)
{
	cb_fixup(c->cb, cb_pos(c->cb) - 4, c->consts[k].label, FX_REL32, cb_pos(c->cb));
}

static void vconst(struct jcomp *c, uint8_t x, uint64_t lo, uint64_t hi)
{
	struct codebuf *cb = c->cb;
	uint32_t k;

	if ((!lo && !hi) || (lo == UINT64_MAX && hi == UINT64_MAX) || !vpool(c, lo, hi, &k)) {
		vconst_imm(cb, x, lo, hi);
		return;
	}
	x64_movdqu_rm(cb, x, (struct x64_mem){ .rip = true, .disp = 0 });
	vpool_fixup(c, k);
}

void be_finish(struct jcomp *c)
{
	struct codebuf *cb = c->cb;
	uint32_t start;

	if (!c->nconsts)
		return;
	while (cb_pos(cb) & 15)
		x64_int3(cb);
	start = cb_pos(cb);
	for (uint32_t k = 0; k < c->nconsts; k++) {
		cb_bind(cb, c->consts[k].label);
		cb_put64(cb, c->consts[k].lo);
		cb_put64(cb, c->consts[k].hi);
	}
	cb_data_range(cb, start, cb_pos(cb));
}

void be_v128_const(struct jcomp *c, jreg dst, uint64_t lo, uint64_t hi)
{
	vconst(c, HW(dst), lo, hi);
}

/* x = shift count (an i32 register or immediate) & mask, plus add: the count operand of
 * the shift-by-xmm forms. */
static void vcount(struct codebuf *cb, uint8_t x, struct jopnd cnt, uint32_t mask, uint32_t add)
{
	if (cnt.kind == OP_IMM) {
		x64_mov_ri32(cb, R_SCRATCH, ((uint32_t)cnt.imm & mask) + add);
	} else {
		x64_mov_rr(cb, false, R_SCRATCH, cnt.reg);
		x64_alu_ri(cb, false, ALU_AND, R_SCRATCH, (int32_t)mask);
		if (add)
			x64_add_ri(cb, false, R_SCRATCH, (int32_t)add);
	}
	x64_movq_xr(cb, false, x, R_SCRATCH);
}

/* d = ~d */
static void vnot(struct codebuf *cb, uint8_t d)
{
	x64_pcmpeqd_rr(cb, XS, XS);
	VBIN(d, d, XS, pxor, true);
}

/* d = a > b (signed) per i64 lane without SSE4.2's pcmpgtq: the high dwords decide unless
 * equal, and then the borrow of b - a (its high dword all ones when a_lo >u b_lo) does;
 * the high dword's verdict is copied to both halves. */
static void vgt64_sse41(struct codebuf *cb, uint8_t d, uint8_t a, uint8_t b)
{
	VBIN(XS2, b, a, psubq, false);
	VBIN(XS, a, b, pcmpeqd, true);
	VBIN(XS2, XS2, XS, pand, true);
	VBIN(XS, a, b, pcmpgtd, false);
	VBIN(XS2, XS2, XS, por, true);
	x64_pshufd_rri(cb, d, XS2, 0xf5);
}

/* Integer lane comparisons: eq and gt_s are instructions, the rest are derived.  Unsigned
 * ones compare with min/max (ge_u(a, b) <=> max_u(a, b) == a); i64x2 has no unsigned rows. */
static void vcmp_int(struct codebuf *cb, unsigned w, uint8_t rel, uint8_t d, uint8_t a, uint8_t b)
{
	static const sse_rr_fn eq_s[4] = { x64_pcmpeqb_rr, x64_pcmpeqw_rr, x64_pcmpeqd_rr,
					   x64_pcmpeqq_rr };
	static const vex_rrr_fn eq_v[4] = { x64_vpcmpeqb_rrr, x64_vpcmpeqw_rrr,
					    x64_vpcmpeqd_rrr, x64_vpcmpeqq_rrr };
	static const sse_rr_fn gt_s[4] = { x64_pcmpgtb_rr, x64_pcmpgtw_rr, x64_pcmpgtd_rr,
					   x64_pcmpgtq_rr };
	static const vex_rrr_fn gt_v[4] = { x64_vpcmpgtb_rrr, x64_vpcmpgtw_rrr,
					    x64_vpcmpgtd_rrr, x64_vpcmpgtq_rrr };
	static const sse_rr_fn max_s[3] = { x64_pmaxub_rr, x64_pmaxuw_rr, x64_pmaxud_rr };
	static const vex_rrr_fn max_v[3] = { x64_vpmaxub_rrr, x64_vpmaxuw_rrr, x64_vpmaxud_rrr };
	static const sse_rr_fn min_s[3] = { x64_pminub_rr, x64_pminuw_rr, x64_pminud_rr };
	static const vex_rrr_fn min_v[3] = { x64_vpminub_rrr, x64_vpminuw_rrr, x64_vpminud_rrr };

	if (w == 3 && x64_cpu()->simd < XS_SSE42 && rel != REL_EQ && rel != REL_NE) {
		bool swap = rel == REL_LT_S || rel == REL_GE_S;

		vgt64_sse41(cb, d, swap ? b : a, swap ? a : b);
		if (rel == REL_LE_S || rel == REL_GE_S)
			vnot(cb, d);
		return;
	}
	switch (rel) {
	case REL_EQ:
		vbin(cb, d, a, b, eq_s[w], eq_v[w], true);
		return;
	case REL_NE:
		vbin(cb, d, a, b, eq_s[w], eq_v[w], true);
		vnot(cb, d);
		return;
	case REL_GT_S:
		vbin(cb, d, a, b, gt_s[w], gt_v[w], false);
		return;
	case REL_LT_S:
		vbin(cb, d, b, a, gt_s[w], gt_v[w], false);
		return;
	case REL_LE_S:
		vbin(cb, d, a, b, gt_s[w], gt_v[w], false);
		vnot(cb, d);
		return;
	case REL_GE_S:
		vbin(cb, d, b, a, gt_s[w], gt_v[w], false);
		vnot(cb, d);
		return;
	case REL_GE_U:
	case REL_LT_U:
		vbin(cb, XS2, a, b, max_s[w], max_v[w], true);
		vbin(cb, d, XS2, a, eq_s[w], eq_v[w], true);
		if (rel == REL_LT_U)
			vnot(cb, d);
		return;
	default: /* LE_U, GT_U */
		vbin(cb, XS2, a, b, min_s[w], min_v[w], true);
		vbin(cb, d, XS2, a, eq_s[w], eq_v[w], true);
		if (rel == REL_GT_U)
			vnot(cb, d);
		return;
	}
}

/* Float lane comparisons with cmpps/cmppd predicates (0 eq, 1 lt, 2 le, 4 neq); gt and ge
 * swap the operands. */
static void vcmp_float(struct codebuf *cb, bool dbl, uint8_t rel, uint8_t d, uint8_t a, uint8_t b)
{
	uint8_t pred = rel == REL_EQ ? 0 : rel == REL_NE ? 4 : rel == REL_LT || rel == REL_GT ? 1 : 2;

	if (rel == REL_GT || rel == REL_GE) {
		uint8_t t = a;

		a = b;
		b = t;
	}
	if (dbl)
		VBINI(d, a, b, cmppd, pred);
	else
		VBINI(d, a, b, cmpps, pred);
}

/* Wasm min/max, bit for bit as the interpreter computes them (vm/interp_num.h fmin32 ...):
 * a lane with a NaN operand gets a + b (addps propagates the NaN as C's a + b does); the
 * others min/max with -0 < +0.  minps/maxps return their second operand when the lanes
 * compare equal, so each is taken both ways round and the two or-ed (min: -0 wins) or
 * and-ed (max: +0 wins).  The NaN lanes are found again from the NaN part itself (NaN
 * there, +0 elsewhere), which frees a register. */
static void vminmax(struct codebuf *cb, bool dbl, bool is_max, uint8_t d, uint8_t a, uint8_t b)
{
	/* XS2 = (a + b) in the NaN lanes, +0 elsewhere */
	if (dbl) {
		VBINI(XS, a, b, cmppd, 3);
		VBIN(XS2, a, b, addpd, true);
	} else {
		VBINI(XS, a, b, cmpps, 3);
		VBIN(XS2, a, b, addps, true);
	}
	VBIN(XS2, XS2, XS, andps, true);
	/* XS and d: the two orders (the one with b first goes to d when d is b) */
	{
		uint8_t x = d == b ? b : a, y = d == b ? a : b;

		if (dbl && is_max) {
			VBIN(XS, y, x, maxpd, false);
			VBIN(d, x, y, maxpd, false);
		} else if (dbl) {
			VBIN(XS, y, x, minpd, false);
			VBIN(d, x, y, minpd, false);
		} else if (is_max) {
			VBIN(XS, y, x, maxps, false);
			VBIN(d, x, y, maxps, false);
		} else {
			VBIN(XS, y, x, minps, false);
			VBIN(d, x, y, minps, false);
		}
	}
	if (is_max)
		VBIN(d, d, XS, andps, true);
	else
		VBIN(d, d, XS, orps, true);
	/* d = (d & ~nan_lanes) | XS2 */
	if (dbl)
		VBINI(XS, XS2, XS2, cmppd, 3);
	else
		VBINI(XS, XS2, XS2, cmpps, 3);
	VBIN(XS, XS, d, andnps, false);
	VBIN(d, XS, XS2, orps, true);
}

/* Shifts: counts are taken modulo the lane width.  i8x16 has no shift instructions: shl
 * and shr_u shift words with the bits that would cross into the next byte masked off (the
 * mask 0xff >> n per byte is made by shifting all-ones words right by n + 8 and packing);
 * shr_s unpacks each byte to the high half of a word, shifts arithmetically by n + 8 and
 * packs back.  i64x2.shr_s (no psraq before AVX-512): ((x >>u n) ^ m) - m with
 * m = 1 << 63 >>u n. */
static void vshift(struct codebuf *cb, uint16_t op, uint8_t d, uint8_t a, struct jopnd cnt)
{
	unsigned w = op_info[op].memlog2;
	uint32_t mask = (8u << w) - 1;
	enum { SHL, SHR_S, SHR_U } k = op == OPC_I8X16_SHL || op == OPC_I16X8_SHL ||
		op == OPC_I32X4_SHL || op == OPC_I64X2_SHL ? SHL :
		op == OPC_I8X16_SHR_S || op == OPC_I16X8_SHR_S || op == OPC_I32X4_SHR_S ||
		op == OPC_I64X2_SHR_S ? SHR_S : SHR_U;

	if (w == 0) {
		if (k == SHR_S) {
			vcount(cb, XS2, cnt, 7, 8);
			VBIN(XS, a, a, punpckhbw, true);
			VBIN(d, a, a, punpcklbw, true);
			VBIN(XS, XS, XS2, psraw, false);
			VBIN(d, d, XS2, psraw, false);
			VBIN(d, d, XS, packsswb, false);
			return;
		}
		vcount(cb, XS2, cnt, 7, 8);
		x64_pcmpeqd_rr(cb, XS, XS);
		VBIN(XS, XS, XS2, psrlw, false);
		VBIN(XS, XS, XS, packuswb, true);      /* XS = 0xff >> n in every byte */
		vcount(cb, XS2, cnt, 7, 0);
		if (k == SHL) {
			VBIN(d, a, XS, pand, true);
			VBIN(d, d, XS2, psllw, false);
		} else {
			VBIN(d, a, XS2, psrlw, false);
			VBIN(d, d, XS, pand, true);
		}
		return;
	}
	if (w == 3 && k == SHR_S) {
		vcount(cb, XS2, cnt, 63, 0);
		x64_pcmpeqd_rr(cb, XS, XS);
		VSHI(XS, XS, 63, psllq);
		VBIN(XS, XS, XS2, psrlq, false);
		VBIN(d, a, XS2, psrlq, false);
		VBIN(d, d, XS, pxor, true);
		VBIN(d, d, XS, psubq, false);
		return;
	}
	if (cnt.kind == OP_IMM) {
		uint8_t n = (uint8_t)(cnt.imm & mask);

		switch (w * 3 + k) {
		case 3: VSHI(d, a, n, psllw); return;
		case 4: VSHI(d, a, n, psraw); return;
		case 5: VSHI(d, a, n, psrlw); return;
		case 6: VSHI(d, a, n, pslld); return;
		case 7: VSHI(d, a, n, psrad); return;
		case 8: VSHI(d, a, n, psrld); return;
		case 9: VSHI(d, a, n, psllq); return;
		default: VSHI(d, a, n, psrlq); return;
		}
	}
	vcount(cb, XS2, cnt, mask, 0);
	switch (w * 3 + k) {
	case 3: VBIN(d, a, XS2, psllw, false); return;
	case 4: VBIN(d, a, XS2, psraw, false); return;
	case 5: VBIN(d, a, XS2, psrlw, false); return;
	case 6: VBIN(d, a, XS2, pslld, false); return;
	case 7: VBIN(d, a, XS2, psrad, false); return;
	case 8: VBIN(d, a, XS2, psrld, false); return;
	case 9: VBIN(d, a, XS2, psllq, false); return;
	default: VBIN(d, a, XS2, psrlq, false); return;
	}
}

/* d = pshufb(s, the constant mask lo | hi << 64), the mask read from the pool. */
static void vpshufb_const(struct jcomp *c, uint8_t d, uint8_t s, uint64_t lo, uint64_t hi)
{
	struct codebuf *cb = c->cb;
	struct x64_mem pool = { .rip = true, .disp = 0 };
	uint32_t k;

	if (!vpool(c, lo, hi, &k)) {
		vconst_imm(cb, XS, lo, hi);
		VBIN(d, s, XS, pshufb, false);
		return;
	}
	if (avx()) {
		x64_vpshufb_rrm(cb, d, s, pool);
	} else {
		vcopy(cb, d, s);
		x64_pshufb_rm(cb, d, pool);
	}
	vpool_fixup(c, k);
}

/* Does the one-source shuffle sel (0-15, or 0x80 for zero) zero-extend the low lanes of
 * 2^from bytes to lanes of 2^to bytes? */
static bool is_zext(const uint8_t *sel, unsigned from, unsigned to)
{
	for (unsigned i = 0; i < 16; i++) {
		unsigned lane = i >> to, byte = i & ((1u << to) - 1);
		unsigned want = byte < (1u << from) ? (lane << from) + byte : 0x80;

		if (sel[i] != want)
			return false;
	}
	return true;
}

/* i8x16.shuffle (lane bytes 0-15 read a, 16-31 read b, 0x80 zero: target.h).  An operand
 * read twice or not at all leaves one source; one source that moves whole dwords is a
 * pshufd, one that zero-extends its low lanes a pmovzx (clang's zero extensions are shuffles
 * with a zero vector), any other one pshufb.  Two sources: pshufb each with a mask that
 * zeroes the other's bytes, or-ed.  Masks are read from the pool in place. */
static void vshuffle(struct jcomp *c, uint8_t d, uint8_t a, uint8_t b, const uint8_t *imm16)
{
	static const struct {
		uint8_t from, to;
		void (*sse)(struct codebuf *, uint8_t, uint8_t);
		void (*vex)(struct codebuf *, uint8_t, uint8_t);
	} zext[] = {
		{ 0, 1, x64_pmovzxbw_rr, x64_vpmovzxbw_rr },
		{ 0, 2, x64_pmovzxbd_rr, x64_vpmovzxbd_rr },
		{ 0, 3, x64_pmovzxbq_rr, x64_vpmovzxbq_rr },
		{ 1, 2, x64_pmovzxwd_rr, x64_vpmovzxwd_rr },
		{ 1, 3, x64_pmovzxwq_rr, x64_vpmovzxwq_rr },
		{ 2, 3, x64_pmovzxdq_rr, x64_vpmovzxdq_rr },
	};
	struct codebuf *cb = c->cb;
	uint64_t m[2][2] = { { 0, 0 }, { 0, 0 } };
	uint8_t sel[16], src;
	bool use[2] = { false, false }, dwords = true;
	uint8_t imm = 0;

	for (int i = 0; i < 16; i++) {
		uint8_t l = imm16[i] & 0x80 ? 0x80 : imm16[i] & 31;

		if (l >= 16 && l < 32 && a == b)
			l -= 16;
		if (l < 32)
			use[l >= 16] = true;
		for (int k = 0; k < 2; k++) {
			uint64_t mk = l < 32 && (l >= 16) == k ? l & 15 : 0x80;

			m[k][i / 8] |= mk << (8 * (i % 8));
		}
	}
	if (use[0] && use[1]) {
		vpshufb_const(c, XS2, b, m[1][0], m[1][1]);
		vpshufb_const(c, d, a, m[0][0], m[0][1]);
		VBIN(d, d, XS2, por, true);
		return;
	}
	if (!use[0] && !use[1]) {
		x64_pxor_rr(cb, d, d);
		return;
	}
	src = use[0] ? a : b;
	for (int i = 0; i < 16; i++)
		sel[i] = (uint8_t)(m[!use[0]][i / 8] >> (8 * (i % 8)));
	for (int i = 0; i < 16; i += 4) {
		dwords &= sel[i] < 16 && !(sel[i] & 3) && sel[i + 1] == sel[i] + 1 &&
			  sel[i + 2] == sel[i] + 2 && sel[i + 3] == sel[i] + 3;
		imm |= (uint8_t)((sel[i] >> 2) << (i / 2));
	}
	if (dwords) {
		if (imm == 0xe4)
			vcopy(cb, d, src);
		else if (avx())
			x64_vpshufd_rri(cb, d, src, imm);
		else
			x64_pshufd_rri(cb, d, src, imm);
		return;
	}
	for (size_t z = 0; z < sizeof(zext) / sizeof(zext[0]); z++) {
		if (!is_zext(sel, zext[z].from, zext[z].to))
			continue;
		if (avx())
			zext[z].vex(cb, d, src);
		else
			zext[z].sse(cb, d, src);
		return;
	}
	vpshufb_const(c, d, src, m[!use[0]][0], m[!use[0]][1]);
}

/* Unsigned and saturating conversions between f32x4/f64x2 and i32x4. */
static void vconvert(struct jcomp *c, uint16_t op, uint8_t d, uint8_t a)
{
	struct codebuf *cb = c->cb;
	switch (op) {
	case OPC_F32X4_CONVERT_I32X4_U:
		/* the low 16 bits convert exactly; the rest, halved, too; one rounding in the
		 * final sum */
		VSHI(XS, a, 16, pslld);
		VSHI(XS, XS, 16, psrld);
		VBIN(d, a, XS, psubd, false);
		x64_cvtdq2ps_rr(cb, XS, XS);
		VSHI(d, d, 1, psrld);
		x64_cvtdq2ps_rr(cb, d, d);
		VBIN(d, d, d, addps, true);
		VBIN(d, d, XS, addps, true);
		return;
	case OPC_I32X4_TRUNC_SAT_F32X4_S:
		/* NaN -> 0; cvttps2dq gives 0x80000000 for every out-of-range lane: flip
		 * it to 0x7fffffff where the input was not negative */
		VBINI(XS, a, a, cmpps, 0);
		VBIN(d, a, XS, andps, true);
		VBIN(XS, XS, d, pxor, true);
		x64_cvttps2dq_rr(cb, d, d);
		VBIN(XS, XS, d, pand, true);
		VSHI(XS, XS, 31, psrad);
		VBIN(d, d, XS, pxor, true);
		return;
	case OPC_I32X4_TRUNC_SAT_F32X4_U:
		/* NaN, negative -> 0; lanes >= 2^31 convert x - 2^31 and add 0x80000000;
		 * lanes >= 2^32 become 0xffffffff */
		x64_pxor_rr(cb, XS, XS);
		VBIN(d, a, XS, maxps, false);
		x64_pcmpeqd_rr(cb, XS, XS);
		VSHI(XS, XS, 1, psrld);
		x64_cvtdq2ps_rr(cb, XS, XS);                 /* 2^31 */
		VBIN(XS2, d, XS, subps, false);
		VBINI(XS, XS, XS2, cmpps, 2);                /* 2^31 <= x - 2^31 */
		x64_cvttps2dq_rr(cb, XS2, XS2);
		VBIN(XS2, XS2, XS, pxor, true);
		x64_pxor_rr(cb, XS, XS);
		VBIN(XS2, XS2, XS, pmaxsd, true);
		x64_cvttps2dq_rr(cb, d, d);
		VBIN(d, d, XS2, paddd, true);
		return;
	case OPC_I32X4_TRUNC_SAT_F64X2_S_ZERO:
		/* NaN -> 0, clamp at 2147483647.0; cvttpd2dq saturates the low end */
		VBINI(XS, a, a, cmppd, 0);
		vconst(c, XS2, 0x41dfffffffc00000ull, 0x41dfffffffc00000ull);
		VBIN(XS, XS, XS2, andpd, true);
		VBIN(d, a, XS, minpd, false);
		x64_cvttpd2dq_rr(cb, d, d);
		return;
	case OPC_I32X4_TRUNC_SAT_F64X2_U_ZERO:
		/* clamp into [0, 4294967295], truncate, add 2^52: the low word is the result */
		x64_pxor_rr(cb, XS, XS);
		VBIN(d, a, XS, maxpd, false);
		vconst(c, XS2, 0x41efffffffe00000ull, 0x41efffffffe00000ull);
		VBIN(d, d, XS2, minpd, false);
		if (avx())
			x64_vroundpd_rri(cb, d, d, 0xb);
		else
			x64_roundpd_rri(cb, d, d, 0xb);
		vconst(c, XS2, 0x4330000000000000ull, 0x4330000000000000ull);
		VBIN(d, d, XS2, addpd, true);
		VBINI(d, d, XS, shufps, 0x88);
		return;
	case OPC_F64X2_CONVERT_LOW_I32X4_U:
		/* 2^52 + x as bits 0x43300000:x, minus 2^52 */
		vconst(c, XS2, rep32(0x43300000), rep32(0x43300000));
		VBIN(d, a, XS2, unpcklps, false);
		vconst(c, XS2, 0x4330000000000000ull, 0x4330000000000000ull);
		VBIN(d, d, XS2, subpd, false);
		return;
	default:
		x64_poison(cb);
		return;
	}
}

/* Every SIMD row, from SSE4.1 up. */
bool be_simd_inline(uint16_t op)
{
	(void)op;
	return x64_cpu()->simd != XS_NONE;
}

/* Lane-wise operations that are one instruction. */
static bool vsimple(struct codebuf *cb, uint16_t op, uint8_t d, uint8_t a, uint8_t b)
{
	switch (op) {
#define B(opc, mn, comm) case OPC_##opc: VBIN(d, a, b, mn, comm); return true;
	B(I8X16_ADD, paddb, true) B(I16X8_ADD, paddw, true) B(I32X4_ADD, paddd, true)
	B(I64X2_ADD, paddq, true) B(I8X16_SUB, psubb, false) B(I16X8_SUB, psubw, false)
	B(I32X4_SUB, psubd, false) B(I64X2_SUB, psubq, false)
	B(I8X16_ADD_SAT_S, paddsb, true) B(I8X16_ADD_SAT_U, paddusb, true)
	B(I16X8_ADD_SAT_S, paddsw, true) B(I16X8_ADD_SAT_U, paddusw, true)
	B(I8X16_SUB_SAT_S, psubsb, false) B(I8X16_SUB_SAT_U, psubusb, false)
	B(I16X8_SUB_SAT_S, psubsw, false) B(I16X8_SUB_SAT_U, psubusw, false)
	B(I16X8_MUL, pmullw, true) B(I32X4_MUL, pmulld, true)
	B(I8X16_MIN_S, pminsb, true) B(I8X16_MIN_U, pminub, true) B(I8X16_MAX_S, pmaxsb, true)
	B(I8X16_MAX_U, pmaxub, true) B(I16X8_MIN_S, pminsw, true) B(I16X8_MIN_U, pminuw, true)
	B(I16X8_MAX_S, pmaxsw, true) B(I16X8_MAX_U, pmaxuw, true) B(I32X4_MIN_S, pminsd, true)
	B(I32X4_MIN_U, pminud, true) B(I32X4_MAX_S, pmaxsd, true) B(I32X4_MAX_U, pmaxud, true)
	B(I8X16_AVGR_U, pavgb, true) B(I16X8_AVGR_U, pavgw, true)
	B(V128_AND, pand, true) B(V128_OR, por, true) B(V128_XOR, pxor, true)
	B(I8X16_NARROW_I16X8_S, packsswb, false) B(I8X16_NARROW_I16X8_U, packuswb, false)
	B(I16X8_NARROW_I32X4_S, packssdw, false) B(I16X8_NARROW_I32X4_U, packusdw, false)
	B(I32X4_DOT_I16X8_S, pmaddwd, true)
	B(F32X4_ADD, addps, true) B(F32X4_SUB, subps, false) B(F32X4_MUL, mulps, true)
	B(F32X4_DIV, divps, false) B(F64X2_ADD, addpd, true) B(F64X2_SUB, subpd, false)
	B(F64X2_MUL, mulpd, true) B(F64X2_DIV, divpd, false)
	/* pmin(a, b) = b < a ? b : a and pmax(a, b) = a < b ? b : a: exactly minps/maxps
	 * with b first (they return the second operand unless the first is strictly
	 * smaller/greater) */
	B(F32X4_PMIN, minps, false) B(F32X4_PMAX, maxps, false)
	B(F64X2_PMIN, minpd, false) B(F64X2_PMAX, maxpd, false)
#undef B
	default:
		return false;
	}
}

/*
 * Relaxed SIMD with the results the interpreter gives (vm/v128.h), so that every tier agrees
 * bit for bit: swizzle, trunc, laneselect, min/max and q15mulr as their non-relaxed rows
 * (op_relaxed_as, vm/opcodes.c); madd/nmadd unfused (mulps, then addps/subps); the dot
 * products with both operands signed, pair sums wrapping to i16 (dot_i8x16_i7x16_s) or all
 * four products summed in i32 (..._add_s).
 */

void be_simd(struct jcomp *c, uint16_t op, jreg dst, const struct jopnd *src, uint32_t n,
	     uint32_t lane, const uint8_t *imm16)
{
	struct codebuf *cb = c->cb;
	const struct opinfo *oi = &op_info[op_relaxed_as(op)];
	uint8_t d = HW(dst), a = n ? HW(src[0].reg) : 0, b = n > 1 ? HW(src[1].reg) : 0;
	uint8_t cc = n > 2 ? HW(src[2].reg) : 0;
	unsigned w = oi->memlog2;
	bool dbl = oi->type == VT_F64, fl = oi->type == VT_F32 || dbl;

	op = op_relaxed_as(op);
	switch (op) {
	case OPC_F32X4_RELAXED_MADD: /* c is never dst (the front end's rule for VTERNOP) */
		VBIN(XS2, a, b, mulps, false);
		VBIN(d, XS2, cc, addps, false);
		return;
	case OPC_F64X2_RELAXED_MADD:
		VBIN(XS2, a, b, mulpd, false);
		VBIN(d, XS2, cc, addpd, false);
		return;
	case OPC_F32X4_RELAXED_NMADD: /* (-a) * b + c, the interpreter's order (NaN signs) */
		x64_pcmpeqd_rr(cb, XS, XS);
		VSHI(XS, XS, 31, pslld);
		VBIN(XS2, a, XS, xorps, true);
		VBIN(XS2, XS2, b, mulps, false);
		VBIN(d, XS2, cc, addps, false);
		return;
	case OPC_F64X2_RELAXED_NMADD:
		x64_pcmpeqd_rr(cb, XS, XS);
		VSHI(XS, XS, 63, psllq);
		VBIN(XS2, a, XS, xorpd, true);
		VBIN(XS2, XS2, b, mulpd, false);
		VBIN(d, XS2, cc, addpd, false);
		return;
	case OPC_I16X8_RELAXED_DOT_I8X16_I7X16_S:
		/* widen both halves to i16, multiply, add neighbours (wrapping) */
		x64_pshufd_rri(cb, XS, a, 0xee);
		x64_pmovsxbw_rr(cb, XS, XS);
		x64_pshufd_rri(cb, XS2, b, 0xee);
		x64_pmovsxbw_rr(cb, XS2, XS2);
		VBIN(XS, XS, XS2, pmullw, true);
		x64_pmovsxbw_rr(cb, XS2, b);
		x64_pmovsxbw_rr(cb, d, a);
		VBIN(d, d, XS2, pmullw, true);
		VBIN(d, d, XS, phaddw, false);
		return;
	case OPC_I32X4_RELAXED_DOT_I8X16_I7X16_ADD_S:
		/* widen to i16, pmaddwd sums pairs in i32, phaddd the pairs of pairs, + c */
		x64_pshufd_rri(cb, XS, a, 0xee);
		x64_pmovsxbw_rr(cb, XS, XS);
		x64_pshufd_rri(cb, XS2, b, 0xee);
		x64_pmovsxbw_rr(cb, XS2, XS2);
		VBIN(XS, XS, XS2, pmaddwd, true);
		x64_pmovsxbw_rr(cb, XS2, b);
		x64_pmovsxbw_rr(cb, d, a);
		VBIN(d, d, XS2, pmaddwd, true);
		VBIN(d, d, XS, phaddd, false);
		VBIN(d, d, cc, paddd, true);
		return;
	default:
		break;
	}

	if (op == OPC_F32X4_PMIN || op == OPC_F32X4_PMAX || op == OPC_F64X2_PMIN ||
	    op == OPC_F64X2_PMAX) {
		vsimple(cb, op, d, b, a);
		return;
	}
	if (vsimple(cb, op, d, a, b))
		return;
	switch (oi->cls) {
	case OPCL_VCOMPARE:
		if (fl)
			vcmp_float(cb, dbl, oi->rel, d, a, b);
		else
			vcmp_int(cb, w, oi->rel, d, a, b);
		return;
	case OPCL_VSHIFT:
		vshift(cb, op, d, a, src[1]);
		return;
	case OPCL_VSHUFFLE:
		vshuffle(c, d, a, b, imm16);
		return;
	case OPCL_VSPLAT:
		switch (op) {
		case OPC_I8X16_SPLAT:
			x64_movq_xr(cb, false, d, src[0].reg);
			if (avx2()) {
				x64_vpbroadcastb_rr(cb, d, d);
			} else {
				x64_pxor_rr(cb, XS, XS);
				x64_pshufb_rr(cb, d, XS);
			}
			return;
		case OPC_I16X8_SPLAT:
			x64_movq_xr(cb, false, d, src[0].reg);
			if (avx2()) {
				x64_vpbroadcastw_rr(cb, d, d);
			} else {
				x64_pshuflw_rri(cb, d, d, 0);
				x64_pshufd_rri(cb, d, d, 0);
			}
			return;
		case OPC_I32X4_SPLAT:
			x64_movq_xr(cb, false, d, src[0].reg);
			x64_pshufd_rri(cb, d, d, 0);
			return;
		case OPC_I64X2_SPLAT:
			x64_movq_xr(cb, true, d, src[0].reg);
			x64_punpcklqdq_rr(cb, d, d);
			return;
		case OPC_F32X4_SPLAT:
			x64_pshufd_rri(cb, d, a, 0);
			return;
		default: /* F64X2_SPLAT */
			x64_pshufd_rri(cb, d, a, 0x44);
			return;
		}
	case OPCL_VEXTRACT:
		switch (op) {
		case OPC_I8X16_EXTRACT_LANE_S:
			x64_pextrb_rxi(cb, dst, a, (uint8_t)lane);
			x64_movsx8_rr(cb, false, dst, dst);
			return;
		case OPC_I8X16_EXTRACT_LANE_U:
			x64_pextrb_rxi(cb, dst, a, (uint8_t)lane);
			return;
		case OPC_I16X8_EXTRACT_LANE_S:
			x64_pextrw_rxi(cb, dst, a, (uint8_t)lane);
			x64_movsx16_rr(cb, false, dst, dst);
			return;
		case OPC_I16X8_EXTRACT_LANE_U:
			x64_pextrw_rxi(cb, dst, a, (uint8_t)lane);
			return;
		case OPC_I32X4_EXTRACT_LANE:
		case OPC_I64X2_EXTRACT_LANE:
			if (lane == 0)
				x64_movq_rx(cb, op == OPC_I64X2_EXTRACT_LANE, dst, a);
			else
				x64_pextrd_rxi(cb, op == OPC_I64X2_EXTRACT_LANE, dst, a,
					       (uint8_t)lane);
			return;
		case OPC_F32X4_EXTRACT_LANE:
			/* the scalar is the low lane; the others are don't-care */
			if (lane == 0)
				vcopy(cb, d, a);
			else
				x64_pshufd_rri(cb, d, a, (uint8_t)lane);
			return;
		default: /* F64X2_EXTRACT_LANE */
			if (lane == 0)
				vcopy(cb, d, a);
			else
				x64_pshufd_rri(cb, d, a, 0xee);
			return;
		}
	case OPCL_VREPLACE: {
		uint8_t s = src[1].reg;

		if (fl && HW(s) == d && d != a) { /* the scalar in dst: keep it */
			x64_movaps_rr(cb, XS, d);
			s = XS;
		}
		vcopy(cb, d, a);
		switch (op) {
		case OPC_I8X16_REPLACE_LANE:
			x64_pinsrb_xri(cb, d, s, (uint8_t)lane);
			return;
		case OPC_I16X8_REPLACE_LANE:
			x64_pinsrw_xri(cb, d, s, (uint8_t)lane);
			return;
		case OPC_I32X4_REPLACE_LANE:
			x64_pinsrd_xri(cb, false, d, s, (uint8_t)lane);
			return;
		case OPC_I64X2_REPLACE_LANE:
			x64_pinsrd_xri(cb, true, d, s, (uint8_t)lane);
			return;
		case OPC_F32X4_REPLACE_LANE:
			x64_insertps_rri(cb, d, HW(s), (uint8_t)(lane << 4));
			return;
		default: /* F64X2_REPLACE_LANE */
			if (lane == 0)
				x64_blendpd_rri(cb, d, HW(s), 1);
			else
				x64_unpcklpd_rr(cb, d, HW(s));
			return;
		}
	}
	case OPCL_VTEST:
		switch (op) {
		case OPC_V128_ANY_TRUE:
			x64_xor_rr(cb, false, dst, dst);
			x64_ptest_rr(cb, a, a);
			x64_setcc_r(cb, CC_NE, dst);
			return;
		case OPC_I8X16_ALL_TRUE: case OPC_I16X8_ALL_TRUE:
		case OPC_I32X4_ALL_TRUE: case OPC_I64X2_ALL_TRUE:
			/* no lane equal to zero */
			x64_pxor_rr(cb, XS, XS);
			vcmp_int(cb, w, REL_EQ, XS, XS, a);
			x64_xor_rr(cb, false, dst, dst);
			x64_ptest_rr(cb, XS, XS);
			x64_setcc_r(cb, CC_E, dst);
			return;
		case OPC_I8X16_BITMASK:
			x64_pmovmskb_rx(cb, dst, a);
			return;
		case OPC_I16X8_BITMASK:
			/* signed saturation keeps each lane's sign in a byte */
			VBIN(XS, a, a, packsswb, true);
			x64_pmovmskb_rx(cb, dst, XS);
			x64_movzx8_rr(cb, dst, dst);
			return;
		default: /* I32X4_BITMASK, I64X2_BITMASK */
			x64_movmskp_rx(cb, op == OPC_I64X2_BITMASK, dst, a);
			return;
		}
	default:
		break;
	}
	switch (op) {
	case OPC_V128_NOT:
		x64_pcmpeqd_rr(cb, XS, XS);
		VBIN(d, a, XS, pxor, true);
		return;
	case OPC_V128_ANDNOT: /* a & ~b: pandn complements its first operand */
		VBIN(d, b, a, pandn, false);
		return;
	case OPC_V128_BITSELECT: { /* (a & c) | (b & ~c) */
		uint8_t m = HW(src[2].reg);

		x64_movaps_rr(cb, XS2, m);
		VBIN(XS2, XS2, b, pandn, false);
		VBIN(d, a, m, pand, true);
		VBIN(d, d, XS2, por, true);
		return;
	}
	case OPC_I8X16_ABS: x64_pabsb_rr(cb, d, a); return;
	case OPC_I16X8_ABS: x64_pabsw_rr(cb, d, a); return;
	case OPC_I32X4_ABS: x64_pabsd_rr(cb, d, a); return;
	case OPC_I64X2_ABS: /* (a ^ s) - s with s = the sign of each lane */
		x64_pshufd_rri(cb, XS2, a, 0xf5);
		VSHI(XS2, XS2, 31, psrad);
		VBIN(d, a, XS2, pxor, true);
		VBIN(d, d, XS2, psubq, false);
		return;
	case OPC_I8X16_NEG: case OPC_I16X8_NEG: case OPC_I32X4_NEG: case OPC_I64X2_NEG:
		x64_pxor_rr(cb, XS2, XS2);
		if (w == 0)
			VBIN(d, XS2, a, psubb, false);
		else if (w == 1)
			VBIN(d, XS2, a, psubw, false);
		else if (w == 2)
			VBIN(d, XS2, a, psubd, false);
		else
			VBIN(d, XS2, a, psubq, false);
		return;
	case OPC_I8X16_POPCNT:
		/* per nibble, from a 16-entry table with pshufb */
		vconst(c, XS2, rep8(0x0f), rep8(0x0f));
		VSHI(XS, a, 4, psrlw);
		VBIN(XS, XS, XS2, pand, true);              /* high nibbles */
		VBIN(d, a, XS2, pand, true);                /* low nibbles */
		/* pshufb overwrites the table: load it once per lookup */
		vconst(c, XS2, 0x0302020102010100ull, 0x0403030203020201ull);
		x64_pshufb_rr(cb, XS2, XS);
		vconst(c, XS, 0x0302020102010100ull, 0x0403030203020201ull);
		x64_pshufb_rr(cb, XS, d);
		VBIN(d, XS, XS2, paddb, true);
		return;
	case OPC_I16X8_EXTEND_LOW_I8X16_S: x64_pmovsxbw_rr(cb, d, a); return;
	case OPC_I16X8_EXTEND_LOW_I8X16_U: x64_pmovzxbw_rr(cb, d, a); return;
	case OPC_I32X4_EXTEND_LOW_I16X8_S: x64_pmovsxwd_rr(cb, d, a); return;
	case OPC_I32X4_EXTEND_LOW_I16X8_U: x64_pmovzxwd_rr(cb, d, a); return;
	case OPC_I64X2_EXTEND_LOW_I32X4_S: x64_pmovsxdq_rr(cb, d, a); return;
	case OPC_I64X2_EXTEND_LOW_I32X4_U: x64_pmovzxdq_rr(cb, d, a); return;
	case OPC_I16X8_EXTEND_HIGH_I8X16_S:
		x64_pshufd_rri(cb, d, a, 0xee);
		x64_pmovsxbw_rr(cb, d, d);
		return;
	case OPC_I16X8_EXTEND_HIGH_I8X16_U:
		x64_pshufd_rri(cb, d, a, 0xee);
		x64_pmovzxbw_rr(cb, d, d);
		return;
	case OPC_I32X4_EXTEND_HIGH_I16X8_S:
		x64_pshufd_rri(cb, d, a, 0xee);
		x64_pmovsxwd_rr(cb, d, d);
		return;
	case OPC_I32X4_EXTEND_HIGH_I16X8_U:
		x64_pshufd_rri(cb, d, a, 0xee);
		x64_pmovzxwd_rr(cb, d, d);
		return;
	case OPC_I64X2_EXTEND_HIGH_I32X4_S:
		x64_pshufd_rri(cb, d, a, 0xee);
		x64_pmovsxdq_rr(cb, d, d);
		return;
	case OPC_I64X2_EXTEND_HIGH_I32X4_U:
		x64_pshufd_rri(cb, d, a, 0xee);
		x64_pmovzxdq_rr(cb, d, d);
		return;
	case OPC_I16X8_EXTMUL_LOW_I8X16_S: case OPC_I16X8_EXTMUL_HIGH_I8X16_S:
	case OPC_I16X8_EXTMUL_LOW_I8X16_U: case OPC_I16X8_EXTMUL_HIGH_I8X16_U:
	case OPC_I32X4_EXTMUL_LOW_I16X8_S: case OPC_I32X4_EXTMUL_HIGH_I16X8_S:
	case OPC_I32X4_EXTMUL_LOW_I16X8_U: case OPC_I32X4_EXTMUL_HIGH_I16X8_U: {
		/* widen both (b first: dst may be b), then multiply the wide lanes */
		bool high = op == OPC_I16X8_EXTMUL_HIGH_I8X16_S ||
			    op == OPC_I16X8_EXTMUL_HIGH_I8X16_U ||
			    op == OPC_I32X4_EXTMUL_HIGH_I16X8_S ||
			    op == OPC_I32X4_EXTMUL_HIGH_I16X8_U;
		bool sgn = op == OPC_I16X8_EXTMUL_LOW_I8X16_S ||
			   op == OPC_I16X8_EXTMUL_HIGH_I8X16_S ||
			   op == OPC_I32X4_EXTMUL_LOW_I16X8_S ||
			   op == OPC_I32X4_EXTMUL_HIGH_I16X8_S;
		sse_rr_fn ext = w == 1 ? (sgn ? x64_pmovsxbw_rr : x64_pmovzxbw_rr)
				       : (sgn ? x64_pmovsxwd_rr : x64_pmovzxwd_rr);

		if (high) {
			x64_pshufd_rri(cb, XS2, b, 0xee);
			ext(cb, XS2, XS2);
			x64_pshufd_rri(cb, d, a, 0xee);
			ext(cb, d, d);
		} else {
			ext(cb, XS2, b);
			ext(cb, d, a);
		}
		if (w == 1)
			VBIN(d, d, XS2, pmullw, true);
		else
			VBIN(d, d, XS2, pmulld, true);
		return;
	}
	case OPC_I64X2_EXTMUL_LOW_I32X4_S: case OPC_I64X2_EXTMUL_HIGH_I32X4_S:
	case OPC_I64X2_EXTMUL_LOW_I32X4_U: case OPC_I64X2_EXTMUL_HIGH_I32X4_U: {
		/* pmuldq/pmuludq multiply the even dwords: spread the lanes out first */
		uint8_t sel = op == OPC_I64X2_EXTMUL_LOW_I32X4_S ||
			      op == OPC_I64X2_EXTMUL_LOW_I32X4_U ? 0x50 : 0xfa;

		x64_pshufd_rri(cb, XS2, b, sel);
		x64_pshufd_rri(cb, d, a, sel);
		if (op == OPC_I64X2_EXTMUL_LOW_I32X4_S || op == OPC_I64X2_EXTMUL_HIGH_I32X4_S)
			VBIN(d, d, XS2, pmuldq, true);
		else
			VBIN(d, d, XS2, pmuludq, true);
		return;
	}
	case OPC_I64X2_MUL:
		/* (ah * bl + al * bh) << 32 + al * bl, from pmuludq */
		VSHI(XS, a, 32, psrlq);
		VBIN(XS, XS, b, pmuludq, true);             /* ah * bl */
		VSHI(XS2, b, 32, psrlq);
		VBIN(XS2, XS2, a, pmuludq, true);           /* al * bh */
		VBIN(XS, XS, XS2, paddq, true);
		VSHI(XS, XS, 32, psllq);
		VBIN(d, a, b, pmuludq, true);
		VBIN(d, d, XS, paddq, true);
		return;
	case OPC_I16X8_EXTADD_PAIRWISE_I8X16_S:
		vconst(c, XS2, rep8(1), rep8(1));
		VBIN(d, XS2, a, pmaddubsw, false);          /* unsigned 1 x signed a */
		return;
	case OPC_I16X8_EXTADD_PAIRWISE_I8X16_U:
		vconst(c, XS2, rep8(1), rep8(1));
		VBIN(d, a, XS2, pmaddubsw, false);          /* unsigned a x signed 1 */
		return;
	case OPC_I32X4_EXTADD_PAIRWISE_I16X8_S:
		vconst(c, XS2, rep16(1), rep16(1));
		VBIN(d, a, XS2, pmaddwd, true);
		return;
	case OPC_I32X4_EXTADD_PAIRWISE_I16X8_U:
		/* bias to signed, add pairs, unbias by 2 * 0x8000 */
		vconst(c, XS2, rep16(0x8000), rep16(0x8000));
		VBIN(d, a, XS2, pxor, true);
		vconst(c, XS2, rep16(1), rep16(1));
		VBIN(d, d, XS2, pmaddwd, true);
		vconst(c, XS2, rep32(0x10000), rep32(0x10000));
		VBIN(d, d, XS2, paddd, true);
		return;
	case OPC_I16X8_Q15MULR_SAT_S:
		/* pmulhrsw, except 0x8000 * 0x8000 must saturate to 0x7fff */
		VBIN(d, a, b, pmulhrsw, true);
		vconst(c, XS2, rep16(0x8000), rep16(0x8000));
		VBIN(XS2, XS2, d, pcmpeqw, true);
		VBIN(d, d, XS2, pxor, true);
		return;
	case OPC_I8X16_SWIZZLE:
		/* indices >= 16 select zero: saturating + 0x70 sets their top bit */
		vconst(c, XS2, rep8(0x70), rep8(0x70));
		VBIN(XS2, XS2, b, paddusb, true);
		VBIN(d, a, XS2, pshufb, false);
		return;
	case OPC_F32X4_ABS: case OPC_F64X2_ABS:
		x64_pcmpeqd_rr(cb, XS, XS);
		if (dbl)
			VSHI(XS, XS, 1, psrlq);
		else
			VSHI(XS, XS, 1, psrld);
		VBIN(d, a, XS, andps, true);
		return;
	case OPC_F32X4_NEG: case OPC_F64X2_NEG:
		x64_pcmpeqd_rr(cb, XS, XS);
		if (dbl)
			VSHI(XS, XS, 63, psllq);
		else
			VSHI(XS, XS, 31, pslld);
		VBIN(d, a, XS, xorps, true);
		return;
	case OPC_F32X4_SQRT: x64_sqrtps_rr(cb, d, a); return;
	case OPC_F64X2_SQRT: x64_sqrtpd_rr(cb, d, a); return;
	case OPC_F32X4_CEIL: x64_roundps_rri(cb, d, a, 8 | 2); return;
	case OPC_F32X4_FLOOR: x64_roundps_rri(cb, d, a, 8 | 1); return;
	case OPC_F32X4_TRUNC: x64_roundps_rri(cb, d, a, 8 | 3); return;
	case OPC_F32X4_NEAREST: x64_roundps_rri(cb, d, a, 8 | 0); return;
	case OPC_F64X2_CEIL: x64_roundpd_rri(cb, d, a, 8 | 2); return;
	case OPC_F64X2_FLOOR: x64_roundpd_rri(cb, d, a, 8 | 1); return;
	case OPC_F64X2_TRUNC: x64_roundpd_rri(cb, d, a, 8 | 3); return;
	case OPC_F64X2_NEAREST: x64_roundpd_rri(cb, d, a, 8 | 0); return;
	case OPC_F32X4_MIN: vminmax(cb, false, false, d, a, b); return;
	case OPC_F32X4_MAX: vminmax(cb, false, true, d, a, b); return;
	case OPC_F64X2_MIN: vminmax(cb, true, false, d, a, b); return;
	case OPC_F64X2_MAX: vminmax(cb, true, true, d, a, b); return;
	case OPC_F32X4_CONVERT_I32X4_S: x64_cvtdq2ps_rr(cb, d, a); return;
	case OPC_F64X2_CONVERT_LOW_I32X4_S: x64_cvtdq2pd_rr(cb, d, a); return;
	case OPC_F32X4_DEMOTE_F64X2_ZERO: x64_cvtpd2ps_rr(cb, d, a); return;
	case OPC_F64X2_PROMOTE_LOW_F32X4: x64_cvtps2pd_rr(cb, d, a); return;
	default:
		vconvert(c, op, d, a);
		return;
	}
}

/* ---- SIMD memory ---- */

/* Bytes a SIMD memory row touches: memlog2 is the access size (the lane for lane rows). */
static uint32_t vmem_size(uint16_t op)
{
	return 1u << op_info[op].memlog2;
}

void be_vload(struct jcomp *c, uint16_t op, jreg dst, struct jopnd addr, uint32_t offset,
	      uint32_t lane)
{
	struct codebuf *cb = c->cb;
	uint8_t d = HW(dst);
	struct x64_mem m = mem_operand(c, addr, offset, vmem_size(op));

	switch (op) {
	case OPC_V128_LOAD: x64_movdqu_rm(cb, d, m); return;
	case OPC_V128_LOAD8X8_S: x64_pmovsxbw_rm(cb, d, m); return;
	case OPC_V128_LOAD8X8_U: x64_pmovzxbw_rm(cb, d, m); return;
	case OPC_V128_LOAD16X4_S: x64_pmovsxwd_rm(cb, d, m); return;
	case OPC_V128_LOAD16X4_U: x64_pmovzxwd_rm(cb, d, m); return;
	case OPC_V128_LOAD32X2_S: x64_pmovsxdq_rm(cb, d, m); return;
	case OPC_V128_LOAD32X2_U: x64_pmovzxdq_rm(cb, d, m); return;
	case OPC_V128_LOAD32_ZERO: x64_movd_rm(cb, d, m); return;
	case OPC_V128_LOAD64_ZERO: x64_movq_rm(cb, d, m); return;
	case OPC_V128_LOAD64_SPLAT: x64_movddup_rm(cb, d, m); return;
	case OPC_V128_LOAD8_SPLAT:
		if (avx2()) {
			x64_vpbroadcastb_rm(cb, d, m);
		} else {
			x64_pinsrb_xmi(cb, d, m, 0);
			x64_pxor_rr(cb, XS, XS);
			x64_pshufb_rr(cb, d, XS);
		}
		return;
	case OPC_V128_LOAD16_SPLAT:
		if (avx2()) {
			x64_vpbroadcastw_rm(cb, d, m);
		} else {
			x64_pinsrw_xmi(cb, d, m, 0);
			x64_pshuflw_rri(cb, d, d, 0);
			x64_pshufd_rri(cb, d, d, 0);
		}
		return;
	case OPC_V128_LOAD32_SPLAT:
		if (avx()) {
			x64_vbroadcastss_rm(cb, d, m);
		} else {
			x64_movd_rm(cb, d, m);
			x64_pshufd_rri(cb, d, d, 0);
		}
		return;
	case OPC_V128_LOAD8_LANE: x64_pinsrb_xmi(cb, d, m, (uint8_t)lane); return;
	case OPC_V128_LOAD16_LANE: x64_pinsrw_xmi(cb, d, m, (uint8_t)lane); return;
	case OPC_V128_LOAD32_LANE: x64_pinsrd_xmi(cb, false, d, m, (uint8_t)lane); return;
	case OPC_V128_LOAD64_LANE: x64_pinsrd_xmi(cb, true, d, m, (uint8_t)lane); return;
	default:
		x64_poison(cb);
		return;
	}
}

void be_vstore(struct jcomp *c, uint16_t op, struct jopnd addr, jreg val, uint32_t offset,
	       uint32_t lane)
{
	struct codebuf *cb = c->cb;
	uint8_t v = HW(val);
	struct x64_mem m = mem_operand(c, addr, offset, vmem_size(op));

	switch (op) {
	case OPC_V128_STORE: x64_movdqu_mr(cb, m, v); return;
	case OPC_V128_STORE8_LANE: x64_pextrb_mxi(cb, m, v, (uint8_t)lane); return;
	case OPC_V128_STORE16_LANE: x64_pextrw_mxi(cb, m, v, (uint8_t)lane); return;
	case OPC_V128_STORE32_LANE: x64_pextrd_mxi(cb, false, m, v, (uint8_t)lane); return;
	case OPC_V128_STORE64_LANE: x64_pextrd_mxi(cb, true, m, v, (uint8_t)lane); return;
	default:
		x64_poison(cb);
		return;
	}
}
