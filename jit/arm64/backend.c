/* jit/arm64/backend.c - the AArch64 back end: implements jit/target.h with the encoders of
 * jit/arm64/emit.h.
 *
 * It translates decisions made by jit/lower.c into instructions; it never allocates
 * registers of its own beyond its scratch registers (x16, x17, v30, v31).  No AArch64
 * instruction needs a fixed register, so be_clobbers() is always empty.  It also builds the
 * thunks between C (AAPCS64) and the JIT convention and reads the faulting pc for the
 * guard-page handler.  Code is published W^X by jit/codebuf.c (mprotect flips, then
 * __builtin___clear_cache); nothing here writes executable memory.
 * Entry points: the be_* functions and jit_target.
 */
#include <pthread.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <ucontext.h>

#include "../jit_int.h"
#include "regs.h"

/* ---- the register convention (see regs.h for the table) ---- */

#define BIT(r) (1ull << (r))

const struct jit_target jit_target = {
	.name = "aarch64",
	.fpr_base = 32,
	.ntemp = { 16, 16 },
	.temp = { { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15 },
		  { FPR(0), FPR(1), FPR(2), FPR(3), FPR(4), FPR(5), FPR(6), FPR(7),
		    FPR(16), FPR(17), FPR(18), FPR(19), FPR(20), FPR(21), FPR(22), FPR(23) } },
	.nhome = { 8, 8 },
	.home = { { 19, 20, 21, 22, 23, 24, 25, 26 },
		  { FPR(8), FPR(9), FPR(10), FPR(11), FPR(12), FPR(13), FPR(14), FPR(15) } },
	.nleaf_home = { 6, 4 },
	.leaf_home = { { 15, 14, 13, 12, 11, 10 }, { FPR(23), FPR(22), FPR(21), FPR(20) } },
	.narg = { 8, 8 },
	.arg = { { 0, 1, 2, 3, 4, 5, 6, 7 },
		 { FPR(0), FPR(1), FPR(2), FPR(3), FPR(4), FPR(5), FPR(6), FPR(7) } },
	.ret = { 0, FPR(0) },
	.canon = { { 0, 1 }, { FPR(0), FPR(1) } },
	.nhelper_arg = 8,
	.helper_arg = { 0, 1, 2, 3, 4, 5, 6, 7 },
	.helper_ret = 0,
	.helper_ret2 = 1,
	/* x0-x17 (x18 is never used), v0-v7 and v16-v31; v8-v15 keep their low 64 bits */
	.c_clobbers = 0x3ffffull | (0xffull << 32) | (0xffffull << 48),
	.indirect_idx = R_IDX,
	.pic = true,
	/* jit_land (jit/runtime.c) sets sp, x29 and x28; a pad reloads x26/x27 (be_load_mem) */
	.eh_landing = true,
};

/* ---- emission helpers ---- */

enum { FX_B26 = 1, FX_B19, FX_TAB32 }; /* fix-ups: branch at pos (imm26/imm19), table entry */
enum { RL_ADRP_ADD = 1, RL_ADRP_LDR }; /* relocations: adrp xd + add xd, xd, #lo12 at pos, or
                                       * adrp xd + ldr xd, [xd, #lo12] (a slot) */

/* Append one instruction; a poison word is counted (be_validate_code rejects it). */
static void emit(struct codebuf *cb, uint32_t w)
{
	if (w == A64_POISON)
		cb->npoison++;
	cb_put32(cb, w);
}

static void emit_seq(struct codebuf *cb, const uint32_t *w, int n)
{
	for (int i = 0; i < n; i++)
		emit(cb, w[i]);
}

static uint32_t read32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t dbl_bits(double d)
{
	uint64_t u;

	memcpy(&u, &d, 8);
	return u;
}

static uint64_t flt_bits(float f)
{
	uint32_t u;

	memcpy(&u, &f, 4);
	return u;
}

/* Branch to label: resolved now when bound (backward), else a fix-up. */
static void b_label(struct jcomp *c, uint32_t label)
{
	struct codebuf *cb = c->cb;
	int32_t target = cb_label_pos(cb, label);

	if (target >= 0) {
		emit(cb, a64_b((int64_t)target - cb_pos(cb)));
		return;
	}
	cb_fixup(cb, cb_pos(cb), label, FX_B26, cb_pos(cb));
	emit(cb, a64_b(0));
}

/* A branch with a 19-bit displacement (b.cond, cbz, cbnz) given with offset 0. */
static void b19_label(struct jcomp *c, uint32_t word_at_0, uint32_t label)
{
	struct codebuf *cb = c->cb;
	int32_t target = cb_label_pos(cb, label);

	if (target >= 0) {
		int64_t off = (int64_t)target - cb_pos(cb);

		emit(cb, a64_is_branch_off(off, 19) ?
		     word_at_0 | ((uint32_t)(off >> 2) & 0x7ffff) << 5 : A64_POISON);
		return;
	}
	cb_fixup(cb, cb_pos(cb), label, FX_B19, cb_pos(cb));
	emit(cb, word_at_0);
}

static void bcond_label(struct jcomp *c, enum a64_cond cond, uint32_t label)
{
	b19_label(c, a64_b_cond(cond, 0), label);
}

/* if ((Rt == 0) != nonzero) goto label */
static void cbz_label(struct jcomp *c, bool sf, bool nonzero, unsigned rt, uint32_t label)
{
	b19_label(c, a64_cb(sf, nonzero, rt, 0), label);
}

void be_jmp(struct jcomp *c, uint32_t label)
{
	b_label(c, label);
}

void be_patch_fixup(struct codebuf *cb, const struct cb_fixup *f, int32_t target)
{
	int64_t off = (int64_t)target - (int64_t)f->base;
	uint32_t w, nw;

	if ((size_t)f->pos + 4 > cb->len)
		return; /* only after an oom rewind */
	w = read32(cb->p + f->pos);
	switch (f->kind) {
	case FX_B26:
		nw = a64_is_branch_off(off, 26) ? (w & 0xfc000000u) | ((uint32_t)(off >> 2) & 0x3ffffff)
						: A64_POISON;
		break;
	case FX_B19:
		nw = a64_is_branch_off(off, 19) ?
		     (w & 0xff00001fu) | ((uint32_t)(off >> 2) & 0x7ffff) << 5 : A64_POISON;
		break;
	default: /* FX_TAB32 */
		nw = (uint32_t)(int32_t)off;
		break;
	}
	if (nw == A64_POISON)
		cb->npoison++;
	cb_patch32(cb, f->pos, nw);
}

/* adrp + add (or ldr) of a target inside the code arena (at most 1 GiB away: in range). */
void be_patch_reloc(uint8_t *code, const struct cb_reloc *r)
{
	uintptr_t pc = (uintptr_t)(code + r->pos);
	int64_t pages = (int64_t)(r->target >> 12) - (int64_t)(pc >> 12);
	unsigned rd = read32(code + r->pos) & 31;
	uint32_t w[2] = { a64_adrp(rd, pages),
			  r->kind == RL_ADRP_LDR ? a64_ldr_imm(true, rd, rd, r->target & 0xfff)
						 : a64_add_imm(true, rd, rd, r->target & 0xfff) };

	memcpy(code + r->pos, w, 8);
}

/* No poison in the code (jump tables, which are data, are skipped). */
bool be_validate_code(const struct codebuf *cb)
{
	uint32_t d = 0;

	if (cb->npoison || cb->oom)
		return false;
	for (size_t pos = 0; pos + 4 <= cb->len; pos += 4) {
		while (d < cb->ndata && pos >= cb->data_ranges[2 * d + 1])
			d++;
		if (d < cb->ndata && pos >= cb->data_ranges[2 * d])
			continue;
		if (read32(cb->p + pos) == A64_POISON)
			return false;
	}
	return true;
}

uintptr_t be_fault_pc(const void *ucontext)
{
	const ucontext_t *uc = ucontext;

	return (uintptr_t)uc->uc_mcontext.pc;
}

/* rd = address inside the code arena, patched once the code has its final place. */
static void arena_addr(struct codebuf *cb, unsigned rd, const void *target)
{
	cb_reloc(cb, cb_pos(cb), RL_ADRP_ADD, (uintptr_t)target);
	emit(cb, a64_adrp(rd, 0));
	emit(cb, a64_add_imm(true, rd, rd, 0));
}

static void gpr_imm(struct codebuf *cb, bool sf, unsigned r, uint64_t imm);

/* rd = addr in code for a compiled file (c->js->pic): adrp + ldr of the image's slot for
 * it, or adrp + add of a record inside the image (jit_int.h); an address without a symbol
 * poisons the function, which then runs in the interpreter. */
static void pic_addr(struct jcomp *c, unsigned rd, const void *addr)
{
	struct codebuf *cb = c->cb;
	const void *at;
	bool load;

	if (!jit_pic_find(c->js->pic, addr, &at, &load)) {
		emit(cb, A64_POISON);
		return;
	}
	cb_reloc(cb, cb_pos(cb), load ? RL_ADRP_LDR : RL_ADRP_ADD, (uintptr_t)at);
	emit(cb, a64_adrp(rd, 0));
	emit(cb, load ? a64_ldr_imm(true, rd, rd, 0) : a64_add_imm(true, rd, rd, 0));
}

/* rd = a host address (an object, a helper): an immediate, or a slot in PIC code. */
static void mov_addr(struct jcomp *c, unsigned rd, const void *addr)
{
	if (c->js->pic)
		pic_addr(c, rd, addr);
	else
		gpr_imm(c->cb, true, rd, (uint64_t)(uintptr_t)addr);
}

/* rd = an address in the store's arena (a record, code, a thunk): pc-relative, through a
 * slot in PIC code when it lies outside the image. */
static void code_addr(struct jcomp *c, unsigned rd, const void *addr)
{
	if (c->js->pic)
		pic_addr(c, rd, addr);
	else
		arena_addr(c->cb, rd, addr);
}

/* Is code (a compiled callee) part of the image being built? */
static bool pic_has_code(const struct jcomp *c, const void *code)
{
	return (const uint8_t *)code >= c->js->pic->lo;
}

/* ---- operands ---- */

/* GPR r = imm (the low 32 bits for !sf). */
static void gpr_imm(struct codebuf *cb, bool sf, unsigned r, uint64_t imm)
{
	uint32_t w[A64_SEQ_MAX];

	emit_seq(cb, w, a64_mov_imm(w, sf, r, imm));
}

/* Load/store Rt <-> frame slot [sp + off]; x17 carries offsets no form can hold (so Rt of
 * a store is never x17). */
static void slot_ldst(struct codebuf *cb, enum a64_ldst k, unsigned rt, int32_t off)
{
	uint32_t w[A64_SEQ_MAX];

	emit_seq(cb, w, a64_ldst_seq(w, k, rt, A64_SP, off, R_SCRATCH2));
}

static enum a64_ldst gp_ld(bool sf)
{
	return sf ? A64_LDR_X : A64_LDR_W;
}

static enum a64_ldst gp_st(bool sf)
{
	return sf ? A64_STR_X : A64_STR_W;
}

static enum a64_ldst fp_ld(bool dbl)
{
	return dbl ? A64_LDR_D : A64_LDR_S;
}

static enum a64_ldst fp_st(bool dbl)
{
	return dbl ? A64_STR_D : A64_STR_S;
}

/* v = float constant bits (through x16). */
static void fpr_imm(struct codebuf *cb, bool dbl, unsigned v, uint64_t bits)
{
	uint32_t w[A64_SEQ_MAX];

	emit_seq(cb, w, a64_fmov_const_seq(w, dbl, v, bits, R_SCRATCH));
}

/* GPR r = operand (any kind; an FPR moves bit for bit). */
static void gpr_load(struct codebuf *cb, bool sf, unsigned r, struct jopnd o)
{
	switch (o.kind) {
	case OP_REG:
		if (IS_FPR(o.reg))
			emit(cb, a64_fmov_to_gp(sf, r, HW(o.reg)));
		else if (HW(o.reg) != r)
			emit(cb, a64_mov_reg(sf, r, HW(o.reg)));
		break;
	case OP_IMM:
		gpr_imm(cb, sf, r, o.imm);
		break;
	default:
		slot_ldst(cb, gp_ld(sf), r, o.off);
		break;
	}
}

/* FPR v = operand (any kind; a GPR moves bit for bit). */
static void fpr_load(struct codebuf *cb, bool dbl, unsigned v, struct jopnd o)
{
	switch (o.kind) {
	case OP_REG:
		if (!IS_FPR(o.reg))
			emit(cb, a64_fmov_from_gp(dbl, v, HW(o.reg)));
		else if (HW(o.reg) != v)
			emit(cb, a64_fmov_reg(dbl, v, HW(o.reg)));
		break;
	case OP_IMM:
		fpr_imm(cb, dbl, v, o.imm);
		break;
	default:
		slot_ldst(cb, fp_ld(dbl), v, o.off);
		break;
	}
}

/* A GPR holding the operand: its own register, or `scratch` loaded with it. */
static unsigned gpr_of(struct codebuf *cb, bool sf, struct jopnd o, unsigned scratch)
{
	if (o.kind == OP_REG && !IS_FPR(o.reg))
		return HW(o.reg);
	gpr_load(cb, sf, scratch, o);
	return scratch;
}

/* As gpr_of, but a zero immediate is ZR (for instructions whose 31 means ZR). */
static unsigned gpr_or_zr(struct codebuf *cb, bool sf, struct jopnd o, unsigned scratch)
{
	if (o.kind == OP_IMM && (sf ? o.imm : (uint32_t)o.imm) == 0)
		return A64_ZR;
	return gpr_of(cb, sf, o, scratch);
}

/* An FPR holding the operand: its own register, or `vscratch` loaded with it. */
static unsigned fpr_of(struct codebuf *cb, bool dbl, struct jopnd o, unsigned vscratch)
{
	if (o.kind == OP_REG && IS_FPR(o.reg))
		return HW(o.reg);
	fpr_load(cb, dbl, vscratch, o);
	return vscratch;
}

/* v128 v = operand: a register, a 16-byte frame slot, or the immediate 0 (a v128 local's
 * initial value; the front end makes every other constant with be_v128_const). */
static void vec_load(struct codebuf *cb, unsigned v, struct jopnd o)
{
	switch (o.kind) {
	case OP_REG:
		if (HW(o.reg) != v)
			emit(cb, a64_mov_v(v, HW(o.reg)));
		break;
	case OP_IMM:
		emit(cb, o.imm ? A64_POISON : a64_movi_zero_v(v));
		break;
	default:
		slot_ldst(cb, A64_LDR_Q, v, o.off);
		break;
	}
}

/* v128 moves: dst a register or a 16-byte frame slot. */
static void vec_mov(struct codebuf *cb, struct jopnd dst, struct jopnd src)
{
	if (dst.kind == OP_REG) {
		vec_load(cb, HW(dst.reg), src);
	} else if (src.kind == OP_REG) {
		slot_ldst(cb, A64_STR_Q, HW(src.reg), dst.off);
	} else {
		vec_load(cb, V_SCRATCH, src);
		slot_ldst(cb, A64_STR_Q, V_SCRATCH, dst.off);
	}
}

/* ---- moves ---- */

void be_mov(struct jcomp *c, uint8_t vt, struct jopnd dst, struct jopnd src)
{
	struct codebuf *cb = c->cb;
	bool w = vt_is64(vt);

	if (jo_same(dst, src))
		return;
	if (vt == VT_V128) {
		vec_mov(cb, dst, src);
		return;
	}
	if (dst.kind == OP_REG) {
		if (IS_FPR(dst.reg))
			fpr_load(cb, w, HW(dst.reg), src);
		else
			gpr_load(cb, w, HW(dst.reg), src);
		return;
	}
	/* dst is a frame slot */
	switch (src.kind) {
	case OP_REG:
		slot_ldst(cb, IS_FPR(src.reg) ? fp_st(w) : gp_st(w), HW(src.reg), dst.off);
		break;
	case OP_IMM:
		slot_ldst(cb, gp_st(w), gpr_or_zr(cb, w, src, R_SCRATCH), dst.off);
		break;
	default:
		/* slot to slot through x16 (8 or 4 bytes) */
		slot_ldst(cb, gp_ld(w), R_SCRATCH, src.off);
		slot_ldst(cb, gp_st(w), R_SCRATCH, dst.off);
		break;
	}
}

void be_swap(struct jcomp *c, uint8_t vt, jreg a, struct jopnd b)
{
	struct codebuf *cb = c->cb;

	if (!IS_FPR(a)) {
		if (b.kind == OP_REG) {
			emit(cb, a64_mov_reg(true, R_SCRATCH, HW(a)));
			emit(cb, a64_mov_reg(true, HW(a), HW(b.reg)));
			emit(cb, a64_mov_reg(true, HW(b.reg), R_SCRATCH));
		} else {
			slot_ldst(cb, A64_LDR_X, R_SCRATCH, b.off);
			slot_ldst(cb, A64_STR_X, HW(a), b.off);
			emit(cb, a64_mov_reg(true, HW(a), R_SCRATCH));
		}
		return;
	}
	if (vt == VT_V128) {
		if (b.kind == OP_REG) {
			emit(cb, a64_mov_v(V_SCRATCH, HW(a)));
			emit(cb, a64_mov_v(HW(a), HW(b.reg)));
			emit(cb, a64_mov_v(HW(b.reg), V_SCRATCH));
		} else {
			slot_ldst(cb, A64_LDR_Q, V_SCRATCH, b.off);
			slot_ldst(cb, A64_STR_Q, HW(a), b.off);
			emit(cb, a64_mov_v(HW(a), V_SCRATCH));
		}
		return;
	}
	if (b.kind == OP_REG) {
		emit(cb, a64_fmov_reg(true, V_SCRATCH, HW(a)));
		emit(cb, a64_fmov_reg(true, HW(a), HW(b.reg)));
		emit(cb, a64_fmov_reg(true, HW(b.reg), V_SCRATCH));
	} else {
		slot_ldst(cb, A64_LDR_D, V_SCRATCH, b.off);
		slot_ldst(cb, A64_STR_D, HW(a), b.off);
		emit(cb, a64_fmov_reg(true, HW(a), V_SCRATCH));
	}
}

/* ---- the frame ---- */

uint64_t be_reserved(const struct jcomp *c)
{
	return c->uses_memory && (c->explicit_bounds || c->mem->is64) ? BIT(R_MEMOBJ) : 0;
}

/* Bytes of the GPR home save area: pairs, so sp stays 16-byte aligned. */
static uint32_t gpr_save_bytes(uint64_t saved)
{
	return 16 * (((uint32_t)__builtin_popcountll(saved & 0xffffffffu) + 1) / 2);
}

void be_frame_finish(struct jframe *f)
{
	uint32_t size = (f->body + 15) & ~15u;

	f->size = size;
	f->in_args = (int32_t)(size + gpr_save_bytes(f->saved) + 16);
	f->total = (uint32_t)f->in_args;
}

/* The GPR homes this function saves, in save order. */
static int saved_gprs(const struct jcomp *c, unsigned *out)
{
	int n = 0;

	for (int i = 0; i < jit_target.nhome[JC_GPR]; i++) {
		jreg r = jit_target.home[JC_GPR][i];

		if (c->frame.saved & BIT(r))
			out[n++] = HW(r);
	}
	return n;
}

/* x27 = the base of memory 0; in explicit-bounds mode through x26 = the memory, which
 * nothing else changes (a reload only re-reads the base).  A 64-bit memory keeps x26 in
 * guard mode too, for its size. */
void be_load_mem(struct jcomp *c, bool reload)
{
	struct codebuf *cb = c->cb;
	uint32_t w[A64_SEQ_MAX];

	if (!c->explicit_bounds) {
		/* a reserved memory never moves: its base is a constant of this code */
		mov_addr(c, R_MEMBASE, c->mem->data);
		if (c->mem->is64 && !reload)
			mov_addr(c, R_MEMOBJ, c->mem);
		return;
	}
	if (!reload)
		mov_addr(c, R_MEMOBJ, c->mem);
	emit_seq(cb, w, a64_ldst_seq(w, A64_LDR_X, R_MEMBASE, R_MEMOBJ,
				     offsetof(struct chibi_memory, data), R_SCRATCH2));
}

/* x16 = the store field at off (4 or 8 bytes). */
static void load_store_field(struct codebuf *cb, bool sf, unsigned rt, size_t off)
{
	uint32_t w[A64_SEQ_MAX];

	emit_seq(cb, w, a64_ldst_seq(w, gp_ld(sf), rt, R_STORE, (int64_t)off, R_SCRATCH2));
}

void be_poll(struct jcomp *c)
{
	struct codebuf *cb = c->cb;
	uint32_t w[A64_SEQ_MAX];

	/* a plain load suffices: the flag is eventually visible to this thread, and a late
	 * interrupt is only a late one */
	load_store_field(cb, sizeof(sig_atomic_t) == 8, R_SCRATCH,
			 offsetof(struct chibi_store, interrupt));
	cbz_label(c, sizeof(sig_atomic_t) == 8, true, R_SCRATCH,
		  jc_trap_label(c, CHIBI_TRAP_INTERRUPTED));
	if (c->fuel) {
		/* borrow = fuel was already 0; the trap stub puts the 0 back */
		load_store_field(cb, true, R_SCRATCH, offsetof(struct chibi_store, fuel));
		emit(cb, a64_subs_imm(true, R_SCRATCH, R_SCRATCH, 1));
		emit_seq(cb, w, a64_ldst_seq(w, A64_STR_X, R_SCRATCH, R_STORE,
					     offsetof(struct chibi_store, fuel), R_SCRATCH2));
		bcond_label(c, A64_LO, jc_trap_label(c, CHIBI_TRAP_OUT_OF_FUEL));
	}
}

/*
 * The back end's part of the frame (the whole frame: target.h, above struct jframe):
 *
 *        +--------------------------------+ <- sp + in_args (the caller's sp, 16-aligned)
 *        |  x29, x30 (frame record)       |    x29 points here
 *        +--------------------------------+
 *        |  saved GPR homes, in pairs     |    x19-x26 as used (stp ..., [sp, #-16]!)
 *        +--------------------------------+ <- sp + size
 *        |  alignment to 16               |
 *        |  body                          |    the front end saves d8-d15 there itself
 */
void be_prologue(struct jcomp *c)
{
	struct codebuf *cb = c->cb;
	uint32_t w[A64_SEQ_MAX];
	unsigned regs[16];
	int n = saved_gprs(c, regs);

	if (c->frame.total <= JIT_FRAME_UNCHECKED) {
		load_store_field(cb, true, R_SCRATCH, offsetof(struct chibi_store, jit_stack_limit));
		emit(cb, a64_cmp_ext(true, A64_SP, R_SCRATCH, A64_UXTX, 0));	/* cmp sp, x16 */
	} else {
		emit_seq(cb, w, a64_add_imm_seq(w, true, R_SCRATCH, A64_SP,
						-(int64_t)c->frame.total, R_SCRATCH2));
		load_store_field(cb, true, R_SCRATCH2,
				 offsetof(struct chibi_store, jit_stack_limit));
		emit(cb, a64_cmp_reg(true, R_SCRATCH, R_SCRATCH2));
	}
	bcond_label(c, A64_LO, jc_trap_label(c, CHIBI_TRAP_STACK_EXHAUSTED));
	emit(cb, a64_stp_pre(A64_PAIR_X, A64_FP, A64_LR, A64_SP, -16));
	emit(cb, a64_mov_sp(true, A64_FP, A64_SP));
	for (int i = 0; i < n; i += 2)
		emit(cb, i + 1 < n ? a64_stp_pre(A64_PAIR_X, regs[i], regs[i + 1], A64_SP, -16)
				   : a64_ldst_pre(A64_STR_X, regs[i], A64_SP, -16));
	if (c->frame.size)
		emit_seq(cb, w, a64_add_imm_seq(w, true, A64_SP, A64_SP,
						-(int64_t)c->frame.size, R_SCRATCH));
}

/* Free the frame and restore the GPR homes, fp and lr: the epilogue up to its return. */
static void frame_pop(struct jcomp *c)
{
	struct codebuf *cb = c->cb;
	uint32_t w[A64_SEQ_MAX];
	unsigned regs[16];
	int n = saved_gprs(c, regs);

	if (c->frame.size)
		emit_seq(cb, w, a64_add_imm_seq(w, true, A64_SP, A64_SP,
						(int64_t)c->frame.size, R_SCRATCH));
	for (int i = (n - 1) & ~1; i >= 0; i -= 2)
		emit(cb, i + 1 < n ? a64_ldp_post(A64_PAIR_X, regs[i], regs[i + 1], A64_SP, 16)
				   : a64_ldst_post(A64_LDR_X, regs[i], A64_SP, 16));
	emit(cb, a64_ldp_post(A64_PAIR_X, A64_FP, A64_LR, A64_SP, 16));
}

void be_epilogue(struct jcomp *c)
{
	frame_pop(c);
	emit(c->cb, a64_ret(A64_LR));
}

/* Zero 8 * n bytes of frame at off: stp xzr, xzr pairs; long runs in a loop on x16/x17. */
void be_zero_slots(struct jcomp *c, int32_t off, uint32_t n)
{
	struct codebuf *cb = c->cb;
	uint32_t w[A64_SEQ_MAX];
	unsigned base = A64_SP;
	int32_t at = off;

	if (!n)
		return;
	if (n > 16) {
		uint32_t loop;

		emit_seq(cb, w, a64_add_imm_seq(w, true, R_SCRATCH, A64_SP, off, R_SCRATCH2));
		gpr_imm(cb, true, R_SCRATCH2, n / 2);
		loop = cb_pos(cb);
		emit(cb, a64_ldstp(A64_PAIR_X, false, 1, A64_ZR, A64_ZR, R_SCRATCH, 16));
		emit(cb, a64_subs_imm(true, R_SCRATCH2, R_SCRATCH2, 1));
		emit(cb, a64_b_cond(A64_NE, (int64_t)loop - cb_pos(cb)));
		if (n & 1)
			emit(cb, a64_str_imm(true, A64_ZR, R_SCRATCH, 0));
		return;
	}
	/* stp reaches [sp + 504]; beyond, address from x16 */
	if (off + 8 * (int32_t)n > 504) {
		emit_seq(cb, w, a64_add_imm_seq(w, true, R_SCRATCH, A64_SP, off, R_SCRATCH2));
		base = R_SCRATCH;
		at = 0;
	}
	for (; n >= 2; n -= 2, at += 16)
		emit(cb, a64_stp(A64_PAIR_X, A64_ZR, A64_ZR, base, at));
	if (n)
		emit(cb, a64_str_imm(true, A64_ZR, base, at));
}

/* ---- numeric operators ---- */

/* Every numeric operator has an inline sequence on AArch64 (popcnt through NEON, the
 * saturating conversions are single instructions). */
/* Nothing is appended after the trap stubs: v128 constants are built in place (movi, or
 * fmov + ins from x16), no constant pool. */
/* The literal pool of v128 constants after the code (and the trap stubs), 16-byte aligned;
 * the ldr q of be_v128_const reach it through FX_B19 fix-ups (imm19 sits where b.cond's
 * does).  Marked as data for the disassembler. */
void be_finish(struct jcomp *c)
{
	struct codebuf *cb = c->cb;
	uint32_t start;

	if (!c->nconsts)
		return;
	while (cb_pos(cb) & 15)
		emit(cb, a64_udf(0));
	start = cb_pos(cb);
	for (uint32_t k = 0; k < c->nconsts; k++) {
		cb_bind(cb, c->consts[k].label);
		cb_put64(cb, c->consts[k].lo);
		cb_put64(cb, c->consts[k].hi);
	}
	cb_data_range(cb, start, cb_pos(cb));
}

bool be_inline(uint16_t op)
{
	(void)op;
	return true;
}

uint64_t be_clobbers(uint16_t op, const struct jopnd *rhs)
{
	(void)op;
	(void)rhs;
	return 0;
}

/* Condition of an integer comparison opcode, by its relation. */
static enum a64_cond int_cond(uint16_t op)
{
	static const enum a64_cond cc[REL_COUNT] = {
		[REL_EQ] = A64_EQ, [REL_NE] = A64_NE,
		[REL_LT_S] = A64_LT, [REL_LT_U] = A64_LO, [REL_GT_S] = A64_GT, [REL_GT_U] = A64_HI,
		[REL_LE_S] = A64_LE, [REL_LE_U] = A64_LS, [REL_GE_S] = A64_GE, [REL_GE_U] = A64_HS,
	};

	return cc[op_info[op].rel];
}

/* flags = a - b for an integer comparison; returns the condition that holds when op is.
 * An immediate is on the right (the front end mirrors the comparison otherwise). */
static enum a64_cond emit_int_cmp(struct codebuf *cb, uint16_t op, struct jopnd a, struct jopnd b)
{
	bool sf = op_is_wide(op);
	enum a64_cond cc = int_cond(op);
	uint32_t w[A64_SEQ_MAX];
	unsigned ra = gpr_of(cb, sf, a, R_SCRATCH);

	if (b.kind == OP_IMM)
		emit_seq(cb, w, a64_cmp_imm_seq(w, sf, ra, (int64_t)b.imm, R_SCRATCH2));
	else
		emit(cb, a64_cmp_reg(sf, ra, gpr_of(cb, sf, b, R_SCRATCH2)));
	return cc;
}

/* flags = v - 0 (eqz: EQ). */
static void emit_test_zero(struct codebuf *cb, bool sf, struct jopnd v)
{
	emit(cb, a64_cmp_imm(sf, gpr_of(cb, sf, v, R_SCRATCH), 0));
}

/* flags = fcmp(a, b); returns the condition true exactly when op is.  Unordered sets C and
 * V: EQ, MI (lt), GT, LS (le) and GE are then false, NE true, and each inverse (cond ^ 1)
 * is true, which is what the negated Wasm comparison needs. */
static enum a64_cond emit_float_cmp(struct codebuf *cb, uint16_t op, struct jopnd a, struct jopnd b)
{
	static const enum a64_cond cc[REL_COUNT] = {
		[REL_EQ] = A64_EQ, [REL_NE] = A64_NE,
		[REL_LT] = A64_MI, [REL_GT] = A64_GT, [REL_LE] = A64_LS, [REL_GE] = A64_GE,
	};
	bool dbl = op_is_wide(op);
	unsigned ra = fpr_of(cb, dbl, a, V_SCRATCH);

	if (b.kind == OP_IMM && (dbl ? b.imm : (uint32_t)b.imm) == 0)
		emit(cb, a64_fcmp_zero(dbl, ra));
	else
		emit(cb, a64_fcmp(dbl, ra, fpr_of(cb, dbl, b, V_SCRATCH2)));
	return cc[op_info[op].rel];
}

/* Flags for `op` (a comparison or eqz); returns the condition when it holds. */
static enum a64_cond emit_cmp(struct codebuf *cb, uint16_t op, struct jopnd lhs, struct jopnd rhs)
{
	if (op_is_eqz(op)) {
		emit_test_zero(cb, op_is_wide(op), lhs);
		return A64_EQ;
	}
	if (op_is_int_cmp(op))
		return emit_int_cmp(cb, op, lhs, rhs);
	return emit_float_cmp(cb, op, lhs, rhs);
}

void be_cmp_branch(struct jcomp *c, uint16_t op, struct jopnd lhs, struct jopnd rhs,
		   bool negate, uint32_t label)
{
	enum a64_cond cc;

	if (op_is_eqz(op) && lhs.kind != OP_IMM) {
		bool sf = op_is_wide(op);

		cbz_label(c, sf, negate, gpr_of(c->cb, sf, lhs, R_SCRATCH), label);
		return;
	}
	cc = emit_cmp(c->cb, op, lhs, rhs);
	bcond_label(c, negate ? a64_invert_cond(cc) : cc, label);
}

void be_test_branch(struct jcomp *c, struct jopnd v, bool negate, uint32_t label)
{
	cbz_label(c, false, !negate, gpr_of(c->cb, false, v, R_SCRATCH), label);
}

/* dst = lhs +/- rhs. */
static void int_addsub(struct codebuf *cb, bool sf, bool sub, unsigned dst, struct jopnd lhs,
		       struct jopnd rhs)
{
	uint32_t w[A64_SEQ_MAX];
	unsigned ra = gpr_of(cb, sf, lhs, R_SCRATCH);

	if (rhs.kind == OP_IMM) {
		uint64_t v = sf ? rhs.imm : (uint64_t)(int64_t)(int32_t)rhs.imm;

		if (sub)
			v = 0 - v;
		emit_seq(cb, w, a64_add_imm_seq(w, sf, dst, ra, (int64_t)v,
						ra == R_SCRATCH ? R_SCRATCH2 : R_SCRATCH));
		return;
	}
	if (sub)
		emit(cb, a64_sub_reg(sf, dst, ra, gpr_of(cb, sf, rhs, R_SCRATCH2)));
	else
		emit(cb, a64_add_reg(sf, dst, ra, gpr_of(cb, sf, rhs, R_SCRATCH2)));
}

/* dst = lhs AND/ORR/EOR rhs. */
static void int_logic(struct codebuf *cb, bool sf, enum a64_logic opc, unsigned dst,
		      struct jopnd lhs, struct jopnd rhs)
{
	uint32_t w[A64_SEQ_MAX];
	unsigned ra = gpr_of(cb, sf, lhs, R_SCRATCH);

	if (rhs.kind == OP_IMM) {
		emit_seq(cb, w, a64_logic_imm_seq(w, sf, opc, dst, ra, rhs.imm,
						  ra == R_SCRATCH ? R_SCRATCH2 : R_SCRATCH));
		return;
	}
	emit(cb, a64_logic_shift(sf, opc, false, dst, ra, gpr_of(cb, sf, rhs, R_SCRATCH2),
				 A64_LSL, 0));
}

/* Division and remainder with the Wasm traps: divide by zero, and INT_MIN / -1 (AArch64
 * would return INT_MIN).  The remainder needs no check: msub gives INT_MIN % -1 = 0. */
static void int_divrem(struct jcomp *c, uint16_t op, unsigned dst, struct jopnd lhs,
		       struct jopnd rhs)
{
	struct codebuf *cb = c->cb;
	bool sf = op_is_wide(op);
	bool sign = op == OPC_I32_DIV_S || op == OPC_I64_DIV_S || op == OPC_I32_REM_S ||
		    op == OPC_I64_REM_S;
	bool rem = op == OPC_I32_REM_S || op == OPC_I64_REM_S || op == OPC_I32_REM_U ||
		   op == OPC_I64_REM_U;
	bool may_m1 = sign && !rem;
	unsigned ra, rb, q;

	if (rhs.kind == OP_IMM) {
		uint64_t v = sf ? rhs.imm : (uint32_t)rhs.imm;   /* not 0: see be_binop */

		may_m1 = may_m1 && v == (sf ? UINT64_MAX : UINT32_MAX);
	}
	ra = gpr_of(cb, sf, lhs, R_SCRATCH);
	rb = gpr_of(cb, sf, rhs, R_SCRATCH2);
	if (rhs.kind != OP_IMM)
		cbz_label(c, sf, false, rb, jc_trap_label(c, CHIBI_TRAP_DIV_ZERO));
	if (may_m1) {
		/* overflow iff rb == -1 && ra == INT_MIN; `cmp ra, #1` overflows only for INT_MIN */
		if (rhs.kind == OP_IMM) {
			emit(cb, a64_cmp_imm(sf, ra, 1));
		} else {
			emit(cb, a64_cmn_imm(sf, rb, 1));
			emit(cb, a64_ccmp_imm(sf, ra, 1, 0, A64_EQ));
		}
		bcond_label(c, A64_VS, jc_trap_label(c, CHIBI_TRAP_INT_OVERFLOW));
	}
	if (!rem) {
		emit(cb, sign ? a64_sdiv(sf, dst, ra, rb) : a64_udiv(sf, dst, ra, rb));
		return;
	}
	/* the quotient needs a register that is neither operand */
	q = dst != ra && dst != rb ? dst : ra != R_SCRATCH && rb != R_SCRATCH ? R_SCRATCH
									 : R_SCRATCH2;
	emit(cb, sign ? a64_sdiv(sf, q, ra, rb) : a64_udiv(sf, q, ra, rb));
	emit(cb, a64_msub(sf, dst, q, rb, ra));		/* dst = ra - q * rb */
}

/* Shifts and rotates: by an immediate, or by a register (the hardware takes the count
 * modulo the width, exactly as Wasm does).  rotl n = rotr (width - n). */
static void int_shift(struct codebuf *cb, bool sf, uint16_t op, unsigned dst, struct jopnd lhs,
		      struct jopnd rhs)
{
	uint16_t base = sf ? OPC_I64_SHL : OPC_I32_SHL;	/* shl shr_s shr_u rotl rotr */
	unsigned k = (unsigned)(op - base), size = sf ? 64 : 32;
	unsigned ra = gpr_of(cb, sf, lhs, R_SCRATCH), rb;

	if (rhs.kind == OP_IMM) {
		unsigned n = (unsigned)rhs.imm & (size - 1);

		if (n == 0) {
			if (ra != dst)
				emit(cb, a64_mov_reg(sf, dst, ra));
			return;
		}
		switch (k) {
		case 0: emit(cb, a64_lsl_imm(sf, dst, ra, n)); break;
		case 1: emit(cb, a64_asr_imm(sf, dst, ra, n)); break;
		case 2: emit(cb, a64_lsr_imm(sf, dst, ra, n)); break;
		case 3: emit(cb, a64_ror_imm(sf, dst, ra, size - n)); break;
		default: emit(cb, a64_ror_imm(sf, dst, ra, n)); break;
		}
		return;
	}
	rb = gpr_of(cb, sf, rhs, R_SCRATCH2);
	switch (k) {
	case 0: emit(cb, a64_lsl_reg(sf, dst, ra, rb)); break;
	case 1: emit(cb, a64_asr_reg(sf, dst, ra, rb)); break;
	case 2: emit(cb, a64_lsr_reg(sf, dst, ra, rb)); break;
	case 3:
		emit(cb, a64_neg(false, R_SCRATCH2, rb));
		emit(cb, a64_ror_reg(sf, dst, ra, R_SCRATCH2));
		break;
	default: emit(cb, a64_ror_reg(sf, dst, ra, rb)); break;
	}
}

/* dst = lhs OP rhs, scalar float: fadd, fsub, fmul, fdiv, fmin, fmax (all exact for Wasm;
 * see the note on FP semantics in emit.h). */
static void float_arith(struct codebuf *cb, uint16_t op, unsigned dst, struct jopnd lhs,
			struct jopnd rhs)
{
	bool dbl = op_is_wide(op);
	unsigned ra = fpr_of(cb, dbl, lhs, V_SCRATCH), rb = fpr_of(cb, dbl, rhs, V_SCRATCH2);
	uint32_t insn;

	switch (op) {
	case OPC_F32_ADD: case OPC_F64_ADD: insn = a64_fadd(dbl, dst, ra, rb); break;
	case OPC_F32_SUB: case OPC_F64_SUB: insn = a64_fsub(dbl, dst, ra, rb); break;
	case OPC_F32_MUL: case OPC_F64_MUL: insn = a64_fmul(dbl, dst, ra, rb); break;
	case OPC_F32_DIV: case OPC_F64_DIV: insn = a64_fdiv(dbl, dst, ra, rb); break;
	case OPC_F32_MIN: case OPC_F64_MIN: insn = a64_fmin(dbl, dst, ra, rb); break;
	default: insn = a64_fmax(dbl, dst, ra, rb); break; /* OPC_F32_MAX, OPC_F64_MAX */
	}
	emit(cb, insn);
}

/* dst = magnitude of lhs with the sign of rhs, in general registers (bit exact, NaNs too). */
static void float_copysign(struct codebuf *cb, bool dbl, unsigned dst, struct jopnd lhs,
			   struct jopnd rhs)
{
	unsigned top = dbl ? 63 : 31;

	gpr_load(cb, dbl, R_SCRATCH, lhs);
	gpr_load(cb, dbl, R_SCRATCH2, rhs);
	emit(cb, a64_lsr_imm(dbl, R_SCRATCH2, R_SCRATCH2, top));
	emit(cb, a64_bfi(dbl, R_SCRATCH, R_SCRATCH2, top, 1));
	emit(cb, a64_fmov_from_gp(dbl, dst, R_SCRATCH));
}

void be_binop(struct jcomp *c, uint16_t op, jreg dst, struct jopnd lhs, struct jopnd rhs)
{
	struct codebuf *cb = c->cb;
	unsigned d = HW(dst);
	bool sf;

	if (op_is_int_cmp(op) || op_is_float_cmp(op)) {
		emit(cb, a64_cset(false, d, emit_cmp(cb, op, lhs, rhs)));
		return;
	}
	sf = op_info[op].type == VT_I64;
	switch (op) {
	case OPC_I32_ADD: case OPC_I64_ADD:
		int_addsub(cb, sf, false, d, lhs, rhs);
		return;
	case OPC_I32_SUB: case OPC_I64_SUB:
		int_addsub(cb, sf, true, d, lhs, rhs);
		return;
	case OPC_I32_AND: case OPC_I64_AND:
		int_logic(cb, sf, A64_AND, d, lhs, rhs);
		return;
	case OPC_I32_OR: case OPC_I64_OR:
		int_logic(cb, sf, A64_ORR, d, lhs, rhs);
		return;
	case OPC_I32_XOR: case OPC_I64_XOR:
		int_logic(cb, sf, A64_EOR, d, lhs, rhs);
		return;
	case OPC_I32_MUL: case OPC_I64_MUL: {
		unsigned ra = gpr_of(cb, sf, lhs, R_SCRATCH);

		emit(cb, a64_mul(sf, d, ra, gpr_of(cb, sf, rhs, R_SCRATCH2)));
		return;
	}
	case OPC_I32_DIV_S: case OPC_I32_DIV_U: case OPC_I32_REM_S: case OPC_I32_REM_U:
	case OPC_I64_DIV_S: case OPC_I64_DIV_U: case OPC_I64_REM_S: case OPC_I64_REM_U:
		int_divrem(c, op, d, lhs, rhs);
		return;
	case OPC_I32_SHL: case OPC_I32_SHR_S: case OPC_I32_SHR_U: case OPC_I32_ROTL:
	case OPC_I32_ROTR: case OPC_I64_SHL: case OPC_I64_SHR_S: case OPC_I64_SHR_U:
	case OPC_I64_ROTL: case OPC_I64_ROTR:
		int_shift(cb, sf, op, d, lhs, rhs);
		return;
	case OPC_F32_ADD: case OPC_F32_SUB: case OPC_F32_MUL: case OPC_F32_DIV:
	case OPC_F32_MIN: case OPC_F32_MAX:
	case OPC_F64_ADD: case OPC_F64_SUB: case OPC_F64_MUL: case OPC_F64_DIV:
	case OPC_F64_MIN: case OPC_F64_MAX:
		float_arith(cb, op, d, lhs, rhs);
		return;
	case OPC_F32_COPYSIGN: case OPC_F64_COPYSIGN:
		float_copysign(cb, op_is_wide(op), d, lhs, rhs);
		return;
	default:
		emit(cb, A64_POISON);
		return;
	}
}

/* ---- conversions with the Wasm traps ---- */

/* dst = trunc(src) to a (un)signed i32/i64, trapping on NaN (invalid conversion) and on
 * results out of range (overflow).  The range test is on the float, against the first
 * values that do not truncate into range; fcvtz* would saturate silently. */
static void trunc_checked(struct jcomp *c, bool sign, bool sf, bool dbl, unsigned dst,
			  struct jopnd src)
{
	struct codebuf *cb = c->cb;
	unsigned x = fpr_of(cb, dbl, src, V_SCRATCH);
	uint64_t lo, hi;
	bool lo_incl;	/* trap at lo itself too (x <= lo), else only below (x < lo) */

	if (sign && !sf) {
		/* -2^31 - 1 is exact in f64 only; in f32 the value below -2^31 is far below */
		lo = dbl ? dbl_bits(-2147483649.0) : flt_bits(-2147483648.0f);
		lo_incl = dbl;
		hi = dbl ? dbl_bits(2147483648.0) : flt_bits(2147483648.0f);
	} else if (sign) {
		lo = dbl ? dbl_bits(-9223372036854775808.0) : flt_bits(-9223372036854775808.0f);
		lo_incl = false;
		hi = dbl ? dbl_bits(9223372036854775808.0) : flt_bits(9223372036854775808.0f);
	} else {
		lo = dbl ? dbl_bits(-1.0) : flt_bits(-1.0f);
		lo_incl = true;
		if (sf)
			hi = dbl ? dbl_bits(18446744073709551616.0) : flt_bits(18446744073709551616.0f);
		else
			hi = dbl ? dbl_bits(4294967296.0) : flt_bits(4294967296.0f);
	}
	emit(cb, a64_fcmp(dbl, x, x));
	bcond_label(c, A64_VS, jc_trap_label(c, CHIBI_TRAP_INVALID_CONVERSION));
	fpr_imm(cb, dbl, V_SCRATCH2, lo);
	emit(cb, a64_fcmp(dbl, x, V_SCRATCH2));
	bcond_label(c, lo_incl ? A64_LS : A64_MI, jc_trap_label(c, CHIBI_TRAP_INT_OVERFLOW));
	fpr_imm(cb, dbl, V_SCRATCH2, hi);
	emit(cb, a64_fcmp(dbl, x, V_SCRATCH2));
	bcond_label(c, A64_GE, jc_trap_label(c, CHIBI_TRAP_INT_OVERFLOW));
	emit(cb, sign ? a64_fcvtzs(sf, dbl, dst, x) : a64_fcvtzu(sf, dbl, dst, x));
}

void be_unop(struct jcomp *c, uint16_t op, jreg dst, struct jopnd src)
{
	struct codebuf *cb = c->cb;
	bool sf = op_info[op].type == VT_I64; /* for the integer operators */
	unsigned d = HW(dst), r;
	uint32_t w[A64_SEQ_MAX];

	switch (op) {
	case OPC_I32_EQZ:
	case OPC_I64_EQZ:
		emit_test_zero(cb, sf, src);
		emit(cb, a64_cset(false, d, A64_EQ));
		return;
	case OPC_I32_CLZ:
	case OPC_I64_CLZ:
		emit(cb, a64_clz(sf, d, gpr_of(cb, sf, src, R_SCRATCH)));
		return;
	case OPC_I32_CTZ:
	case OPC_I64_CTZ:
		emit(cb, a64_rbit(sf, R_SCRATCH, gpr_of(cb, sf, src, R_SCRATCH)));
		emit(cb, a64_clz(sf, d, R_SCRATCH));
		return;
	case OPC_I32_POPCNT:
	case OPC_I64_POPCNT:
		emit_seq(cb, w, a64_popcnt_seq(w, sf, d, gpr_of(cb, sf, src, R_SCRATCH), V_SCRATCH));
		return;
	case OPC_I32_WRAP_I64:
	case OPC_I64_EXTEND_I32_U:
		/* a 32-bit move zero-extends: exactly both operators */
		r = gpr_of(cb, false, src, R_SCRATCH);
		emit(cb, a64_mov_reg(false, d, r));
		return;
	case OPC_I64_EXTEND_I32_S:
	case OPC_I64_EXTEND32_S:
		emit(cb, a64_sxtw(d, gpr_of(cb, false, src, R_SCRATCH)));
		return;
	case OPC_I32_EXTEND8_S:
	case OPC_I64_EXTEND8_S:
		emit(cb, a64_sxtb(op_is_wide(op), d, gpr_of(cb, false, src, R_SCRATCH)));
		return;
	case OPC_I32_EXTEND16_S:
	case OPC_I64_EXTEND16_S:
		emit(cb, a64_sxth(op_is_wide(op), d, gpr_of(cb, false, src, R_SCRATCH)));
		return;
	case OPC_F32_ABS: case OPC_F64_ABS:
		emit(cb, a64_fabs(op_is_wide(op), d, fpr_of(cb, op_is_wide(op), src, V_SCRATCH)));
		return;
	case OPC_F32_NEG: case OPC_F64_NEG:
		emit(cb, a64_fneg(op_is_wide(op), d, fpr_of(cb, op_is_wide(op), src, V_SCRATCH)));
		return;
	case OPC_F32_SQRT: case OPC_F64_SQRT:
		emit(cb, a64_fsqrt(op_is_wide(op), d,
				   fpr_of(cb, op_is_wide(op), src, V_SCRATCH)));
		return;
	case OPC_F32_CEIL: case OPC_F32_FLOOR: case OPC_F32_TRUNC: case OPC_F32_NEAREST:
	case OPC_F64_CEIL: case OPC_F64_FLOOR: case OPC_F64_TRUNC: case OPC_F64_NEAREST: {
		bool dbl = op_is_wide(op);

		r = fpr_of(cb, dbl, src, V_SCRATCH);
		switch (op) {
		case OPC_F32_CEIL: case OPC_F64_CEIL: emit(cb, a64_frintp(dbl, d, r)); break;
		case OPC_F32_FLOOR: case OPC_F64_FLOOR: emit(cb, a64_frintm(dbl, d, r)); break;
		case OPC_F32_TRUNC: case OPC_F64_TRUNC: emit(cb, a64_frintz(dbl, d, r)); break;
		default: emit(cb, a64_frintn(dbl, d, r)); break; /* nearest */
		}
		return;
	}
	case OPC_F32_DEMOTE_F64:
		emit(cb, a64_fcvt(false, d, fpr_of(cb, true, src, V_SCRATCH)));
		return;
	case OPC_F64_PROMOTE_F32:
		emit(cb, a64_fcvt(true, d, fpr_of(cb, false, src, V_SCRATCH)));
		return;
	case OPC_F32_CONVERT_I32_S: case OPC_F64_CONVERT_I32_S:
		emit(cb, a64_scvtf(false, op == OPC_F64_CONVERT_I32_S, d,
				   gpr_of(cb, false, src, R_SCRATCH)));
		return;
	case OPC_F32_CONVERT_I32_U: case OPC_F64_CONVERT_I32_U:
		emit(cb, a64_ucvtf(false, op == OPC_F64_CONVERT_I32_U, d,
				   gpr_of(cb, false, src, R_SCRATCH)));
		return;
	case OPC_F32_CONVERT_I64_S: case OPC_F64_CONVERT_I64_S:
		emit(cb, a64_scvtf(true, op == OPC_F64_CONVERT_I64_S, d,
				   gpr_of(cb, true, src, R_SCRATCH)));
		return;
	case OPC_F32_CONVERT_I64_U: case OPC_F64_CONVERT_I64_U:
		emit(cb, a64_ucvtf(true, op == OPC_F64_CONVERT_I64_U, d,
				   gpr_of(cb, true, src, R_SCRATCH)));
		return;
	case OPC_I32_TRUNC_F32_S: trunc_checked(c, true, false, false, d, src); return;
	case OPC_I32_TRUNC_F64_S: trunc_checked(c, true, false, true, d, src); return;
	case OPC_I64_TRUNC_F32_S: trunc_checked(c, true, true, false, d, src); return;
	case OPC_I64_TRUNC_F64_S: trunc_checked(c, true, true, true, d, src); return;
	case OPC_I32_TRUNC_F32_U: trunc_checked(c, false, false, false, d, src); return;
	case OPC_I32_TRUNC_F64_U: trunc_checked(c, false, false, true, d, src); return;
	case OPC_I64_TRUNC_F32_U: trunc_checked(c, false, true, false, d, src); return;
	case OPC_I64_TRUNC_F64_U: trunc_checked(c, false, true, true, d, src); return;
	/* the saturating truncations are exactly fcvtzs/fcvtzu (NaN -> 0) */
	case OPC_I32_TRUNC_SAT_F32_S:
		emit(cb, a64_fcvtzs(false, false, d, fpr_of(cb, false, src, V_SCRATCH)));
		return;
	case OPC_I32_TRUNC_SAT_F32_U:
		emit(cb, a64_fcvtzu(false, false, d, fpr_of(cb, false, src, V_SCRATCH)));
		return;
	case OPC_I32_TRUNC_SAT_F64_S:
		emit(cb, a64_fcvtzs(false, true, d, fpr_of(cb, true, src, V_SCRATCH)));
		return;
	case OPC_I32_TRUNC_SAT_F64_U:
		emit(cb, a64_fcvtzu(false, true, d, fpr_of(cb, true, src, V_SCRATCH)));
		return;
	case OPC_I64_TRUNC_SAT_F32_S:
		emit(cb, a64_fcvtzs(true, false, d, fpr_of(cb, false, src, V_SCRATCH)));
		return;
	case OPC_I64_TRUNC_SAT_F32_U:
		emit(cb, a64_fcvtzu(true, false, d, fpr_of(cb, false, src, V_SCRATCH)));
		return;
	case OPC_I64_TRUNC_SAT_F64_S:
		emit(cb, a64_fcvtzs(true, true, d, fpr_of(cb, true, src, V_SCRATCH)));
		return;
	case OPC_I64_TRUNC_SAT_F64_U:
		emit(cb, a64_fcvtzu(true, true, d, fpr_of(cb, true, src, V_SCRATCH)));
		return;
	default:
		emit(cb, A64_POISON);
		return;
	}
}

/* ---- select ---- */

/* dst = cc ? a : b after the flags are set (csel/fcsel read both before writing). */
static void select_flags(struct jcomp *c, uint8_t vt, jreg dst, struct jopnd a, struct jopnd b,
			 enum a64_cond cc)
{
	struct codebuf *cb = c->cb;
	bool w = vt_is64(vt);

	if (vt == VT_V128) {
		/* no 128-bit csel: a branch around one move (vector moves keep the flags) */
		uint32_t skip = cb_label_new(cb);

		if (b.kind == OP_REG && b.reg == dst) {
			bcond_label(c, a64_invert_cond(cc), skip);
			vec_load(cb, HW(dst), a);
		} else {
			vec_load(cb, HW(dst), a);
			bcond_label(c, cc, skip);
			vec_load(cb, HW(dst), b);
		}
		cb_bind(cb, skip);
	} else if (vt_class(vt) == JC_GPR) {
		unsigned ra = gpr_or_zr(cb, w, a, R_SCRATCH), rb = gpr_or_zr(cb, w, b, R_SCRATCH2);

		emit(cb, a64_csel(w, HW(dst), ra, rb, cc));
	} else {
		unsigned ra = fpr_of(cb, w, a, V_SCRATCH), rb = fpr_of(cb, w, b, V_SCRATCH2);

		emit(cb, a64_fcsel(w, HW(dst), ra, rb, cc));
	}
}

void be_select(struct jcomp *c, uint8_t vt, jreg dst, struct jopnd a, struct jopnd b,
	       struct jopnd cond)
{
	emit_test_zero(c->cb, false, cond);
	select_flags(c, vt, dst, a, b, A64_NE);
}

void be_select_cmp(struct jcomp *c, uint8_t vt, jreg dst, struct jopnd a, struct jopnd b,
		   uint16_t cmp_op, struct jopnd lhs, struct jopnd rhs)
{
	select_flags(c, vt, dst, a, b, emit_cmp(c->cb, cmp_op, lhs, rhs));
}

/* ---- memory ---- */

/* How an access reaches guest memory. */
struct amode {
	enum { AM_UXTW, AM_REG, AM_IMM } kind;
	unsigned base, index;   /* [base, Windex, uxtw] / [base, Xindex] / [base + off] */
	int64_t off;
};

/*
 * Address of a `size`-byte access at the i64 addr + offset of a 64-bit memory 0 (offset +
 * size <= 4 GiB, the front end traps on larger ones), using x16 and x17 (x26 holds the
 * memory).  Guard mode: addr < size is the whole check, one cmp + b.hs; the rest of the
 * access (< 4 GiB past the end) stays inside the 8 GiB reservation, whose guard region
 * catches it as for a 32-bit memory.  Explicit mode: x16 = addr + offset + size, where a
 * carry (an address near 2^64) traps as well, compared with the current size.
 */
static struct amode guest_addr64(struct jcomp *c, enum a64_ldst k, struct jopnd addr,
				 uint32_t offset, uint32_t size)
{
	struct codebuf *cb = c->cb;
	uint32_t oob = jc_trap_label(c, CHIBI_TRAP_MEMORY_OOB);
	uint64_t extra = (uint64_t)offset + size;
	uint32_t w[A64_SEQ_MAX];

	if (addr.kind == OP_IMM && (c->explicit_bounds ? addr.imm > UINT64_MAX - extra :
				    addr.imm > UINT32_MAX)) {
		b_label(c, oob); /* past every memory */
		return (struct amode){ AM_IMM, R_MEMBASE, 0, 0 };
	}
	emit_seq(cb, w, a64_ldst_seq(w, A64_LDR_X, R_SCRATCH2, R_MEMOBJ,
				     offsetof(struct chibi_memory, size), R_SCRATCH2));
	if (!c->explicit_bounds) {
		unsigned a = HW(addr.reg);

		if (addr.kind == OP_IMM) {
			gpr_imm(cb, true, R_SCRATCH, addr.imm);
			a = R_SCRATCH;
		}
		emit(cb, a64_cmp_reg(true, a, R_SCRATCH2));
		bcond_label(c, A64_HS, oob);
		if (offset == 0)
			return (struct amode){ AM_REG, R_MEMBASE, a, 0 };
		if (a64_ldst_imm(k, 0, R_SCRATCH, offset) != A64_POISON ||
		    a64_ldst_unscaled(k, 0, R_SCRATCH, offset) != A64_POISON) {
			emit(cb, a64_add_reg(true, R_SCRATCH, R_MEMBASE, a));
			return (struct amode){ AM_IMM, R_SCRATCH, 0, offset };
		}
		if (a == R_SCRATCH) {
			gpr_imm(cb, true, R_SCRATCH, addr.imm + offset);
		} else {
			gpr_imm(cb, true, R_SCRATCH, offset);
			emit(cb, a64_add_reg(true, R_SCRATCH, R_SCRATCH, a));
		}
		return (struct amode){ AM_REG, R_MEMBASE, R_SCRATCH, 0 };
	}
	/* x16 = end of the access */
	if (addr.kind == OP_IMM) {
		gpr_imm(cb, true, R_SCRATCH, addr.imm + extra);
	} else {
		if (a64_is_addsub_imm(extra)) {
			emit(cb, a64_adds_imm(true, R_SCRATCH, HW(addr.reg), extra));
		} else {
			gpr_imm(cb, true, R_SCRATCH, extra);
			emit(cb, a64_adds_reg(true, R_SCRATCH, R_SCRATCH, HW(addr.reg)));
		}
		bcond_label(c, A64_HS, oob); /* the carry of addr + extra */
	}
	emit(cb, a64_cmp_reg(true, R_SCRATCH, R_SCRATCH2));
	bcond_label(c, A64_HI, oob);
	emit(cb, a64_add_reg(true, R_SCRATCH, R_MEMBASE, R_SCRATCH));
	return (struct amode){ AM_IMM, R_SCRATCH, 0, -(int64_t)size };
}

/* Address of a `size`-byte access at addr + offset, using x16 (and x17 only for the
 * explicit bounds check, so a store may put its value in x17 afterwards).  Guard mode
 * relies on the 8 GiB reservation: u32 + u32 cannot leave it, and an access past the end
 * faults into the signal handler.  Explicit mode computes the end of the access in x16
 * (64 bits, no wrap) and compares it with the current size. */
static struct amode guest_addr(struct jcomp *c, enum a64_ldst k, struct jopnd addr,
			       uint32_t offset, uint32_t size)
{
	struct codebuf *cb = c->cb;
	uint32_t w[A64_SEQ_MAX];

	if (addr.kind == OP_HOST) /* checked by the front end, in whichever memory */
		return (struct amode){ AM_IMM, HW(addr.reg), 0, 0 };
	if (c->mem->is64)
		return guest_addr64(c, k, addr, offset, size);
	if (!c->explicit_bounds) {
		if (addr.kind == OP_IMM) {
			uint64_t ea = (uint64_t)(uint32_t)addr.imm + offset;

			if (a64_ldst_imm(k, 0, R_MEMBASE, (int64_t)ea) != A64_POISON)
				return (struct amode){ AM_IMM, R_MEMBASE, 0, (int64_t)ea };
			gpr_imm(cb, true, R_SCRATCH, ea);
			return (struct amode){ AM_REG, R_MEMBASE, R_SCRATCH, 0 };
		}
		if (offset == 0)
			return (struct amode){ AM_UXTW, R_MEMBASE, HW(addr.reg), 0 };
		if (a64_ldst_imm(k, 0, R_SCRATCH, offset) != A64_POISON ||
		    a64_ldst_unscaled(k, 0, R_SCRATCH, offset) != A64_POISON) {
			emit(cb, a64_add_ext(true, R_SCRATCH, R_MEMBASE, HW(addr.reg), A64_UXTW, 0));
			return (struct amode){ AM_IMM, R_SCRATCH, 0, offset };
		}
		gpr_imm(cb, true, R_SCRATCH, offset);
		emit(cb, a64_add_ext(true, R_SCRATCH, R_SCRATCH, HW(addr.reg), A64_UXTW, 0));
		return (struct amode){ AM_REG, R_MEMBASE, R_SCRATCH, 0 };
	}
	/* x16 = end of the access */
	if (addr.kind == OP_IMM) {
		gpr_imm(cb, true, R_SCRATCH, (uint64_t)(uint32_t)addr.imm + offset + size);
	} else {
		gpr_imm(cb, true, R_SCRATCH, (uint64_t)offset + size);
		emit(cb, a64_add_ext(true, R_SCRATCH, R_SCRATCH, HW(addr.reg), A64_UXTW, 0));
	}
	emit_seq(cb, w, a64_ldst_seq(w, A64_LDR_X, R_SCRATCH2, R_MEMOBJ,
				     offsetof(struct chibi_memory, size), R_SCRATCH2));
	emit(cb, a64_cmp_reg(true, R_SCRATCH, R_SCRATCH2));
	bcond_label(c, A64_HI, jc_trap_label(c, CHIBI_TRAP_MEMORY_OOB));
	emit(cb, a64_add_reg(true, R_SCRATCH, R_MEMBASE, R_SCRATCH));
	return (struct amode){ AM_IMM, R_SCRATCH, 0, -(int64_t)size };
}

static void guest_access(struct codebuf *cb, enum a64_ldst k, unsigned rt, struct amode am)
{
	switch (am.kind) {
	case AM_UXTW:
		emit(cb, a64_ldst_reg(k, rt, am.base, am.index, A64_UXTW, false));
		break;
	case AM_REG:
		emit(cb, a64_ldst_reg(k, rt, am.base, am.index, A64_UXTX, false));
		break;
	default:
		if (am.off >= 0 && a64_ldst_imm(k, rt, am.base, am.off) != A64_POISON)
			emit(cb, a64_ldst_imm(k, rt, am.base, am.off));
		else
			emit(cb, a64_ldst_unscaled(k, rt, am.base, am.off));
		break;
	}
}

static enum a64_ldst load_kind(uint16_t op)
{
	switch (op) {
	case OPC_I32_LOAD: case OPC_I64_LOAD32_U: return A64_LDR_W;
	case OPC_I64_LOAD: return A64_LDR_X;
	case OPC_F32_LOAD: return A64_LDR_S;
	case OPC_F64_LOAD: return A64_LDR_D;
	case OPC_I32_LOAD8_S: return A64_LDRSB_W;
	case OPC_I64_LOAD8_S: return A64_LDRSB_X;
	case OPC_I32_LOAD8_U: case OPC_I64_LOAD8_U: return A64_LDRB;
	case OPC_I32_LOAD16_S: return A64_LDRSH_W;
	case OPC_I64_LOAD16_S: return A64_LDRSH_X;
	case OPC_I32_LOAD16_U: case OPC_I64_LOAD16_U: return A64_LDRH;
	default: return A64_LDRSW; /* OPC_I64_LOAD32_S */
	}
}

static enum a64_ldst store_kind(uint16_t op)
{
	switch (op) {
	case OPC_I32_STORE: case OPC_I64_STORE32: return A64_STR_W;
	case OPC_I64_STORE: return A64_STR_X;
	case OPC_F32_STORE: return A64_STR_S;
	case OPC_F64_STORE: return A64_STR_D;
	case OPC_I32_STORE8: case OPC_I64_STORE8: return A64_STRB;
	default: return A64_STRH; /* OPC_I32_STORE16, OPC_I64_STORE16 */
	}
}

void be_load(struct jcomp *c, uint16_t op, jreg dst, struct jopnd addr, uint32_t offset)
{
	enum a64_ldst k = load_kind(op);
	struct amode am = guest_addr(c, k, addr, offset, 1u << op_info[op].memlog2);

	guest_access(c->cb, k, HW(dst), am);
}

void be_store(struct jcomp *c, uint16_t op, struct jopnd addr, struct jopnd val,
	      uint32_t offset)
{
	struct codebuf *cb = c->cb;
	enum a64_ldst k = store_kind(op);
	struct amode am = guest_addr(c, k, addr, offset, 1u << op_info[op].memlog2);
	unsigned rt;

	if (val.kind == OP_IMM) {
		/* a float immediate is stored by its bits from a GPR */
		bool sf = op_info[op].memlog2 == 3;

		if (k == A64_STR_S)
			k = A64_STR_W;
		else if (k == A64_STR_D)
			k = A64_STR_X;
		rt = gpr_or_zr(cb, sf, val, R_SCRATCH2);
	} else {
		rt = HW(val.reg);
	}
	guest_access(cb, k, rt, am);
}

void be_load_abs(struct jcomp *c, uint8_t vt, jreg dst, const void *addr)
{
	struct codebuf *cb = c->cb;
	bool w = vt_is64(vt);

	mov_addr(c, R_SCRATCH, addr);
	if (vt == VT_V128) { /* 16 bytes: a global's value and hi */
		emit(cb, a64_ldst_imm(A64_LDR_Q, HW(dst), R_SCRATCH, 0));
		return;
	}
	emit(cb, a64_ldst_imm(IS_FPR(dst) ? fp_ld(w) : gp_ld(w), HW(dst), R_SCRATCH, 0));
}

void be_store_abs(struct jcomp *c, uint8_t vt, void *addr, struct jopnd src)
{
	struct codebuf *cb = c->cb;
	bool w = vt_is64(vt);

	mov_addr(c, R_SCRATCH, addr);
	if (vt == VT_V128) {
		unsigned v = src.kind == OP_REG ? HW(src.reg) : V_SCRATCH;

		vec_load(cb, v, src);
		emit(cb, a64_ldst_imm(A64_STR_Q, v, R_SCRATCH, 0));
		return;
	}
	if (src.kind == OP_REG && IS_FPR(src.reg)) {
		emit(cb, a64_ldst_imm(fp_st(w), HW(src.reg), R_SCRATCH, 0));
		return;
	}
	emit(cb, a64_ldst_imm(gp_st(w), gpr_or_zr(cb, w, src, R_SCRATCH2), R_SCRATCH, 0));
}

/* ---- SIMD: v128 values in v registers (NEON) ---- */

/* NEON is architectural on ARMv8-A: every AArch64 host compiles v128 code, unless
 * CHIBI_JIT_ISA=none asks for SIMD functions in the interpreter (as on x86-64; the x86 level
 * names select nothing here).  Read once per process. */
static const char *simd_isa;
static pthread_once_t simd_once = PTHREAD_ONCE_INIT;

static void simd_probe(void)
{
	const char *req = getenv("CHIBI_JIT_ISA");

	simd_isa = req && !strcmp(req, "none") ? NULL : "neon";
}

const char *be_simd_isa(void)
{
	pthread_once(&simd_once, simd_probe);
	return simd_isa;
}

/* The full-width arrangement of lanes of 8 << lsize bits. */
static enum a64_varr varr_q(unsigned lsize)
{
	return (enum a64_varr)(lsize << 1 | 1);
}

/* Instructions that put imm in a GPR (0 for zero: ZR). */
static int gpr_imm_len(uint64_t imm)
{
	uint32_t w[A64_SEQ_MAX];

	return imm ? a64_mov_imm(w, true, R_SCRATCH, imm) : 0;
}

/* The literal pool entry k holding lo | hi << 64 (jcomp's table, shared with nothing else
 * on this back end; be_finish places it after the code), added if new.  False when the pool
 * is full, or when a word of the entry would read as the poison instruction: outside
 * `inspect` the buffer has no data ranges and be_validate_code scans it all. */
static bool lit_entry(struct jcomp *c, uint64_t lo, uint64_t hi, uint32_t *k)
{
	const uint64_t w[2] = { lo, hi };

	for (*k = 0; *k < c->nconsts; (*k)++)
		if (c->consts[*k].lo == lo && c->consts[*k].hi == hi)
			return true;
	for (int i = 0; i < 4; i++)
		if ((uint32_t)(w[i / 2] >> (32 * (i % 2))) == A64_POISON)
			return false;
	if (*k == JIT_MAX_CONSTS)
		return false;
	c->consts[*k] = (struct jconst){ lo, hi, cb_label_new(c->cb) };
	c->nconsts++;
	return true;
}

/* v128 d = lo | hi << 64: zero by movi; a value that takes at most two instructions in
 * place (a one-instruction low half, high half zero: mov + fmov) built so; anything else one
 * ldr q from the literal pool (+-1 MiB, as b.cond reaches) instead of up to ten
 * instructions (movz/movk for each half, fmov, ins), or built in place when the pool is
 * full. */
void be_v128_const(struct jcomp *c, jreg dst, uint64_t lo, uint64_t hi)
{
	struct codebuf *cb = c->cb;
	unsigned d = HW(dst);
	uint32_t k;

	if (lo == 0 && hi == 0) {
		emit(cb, a64_movi_zero_v(d));
		return;
	}
	if ((hi || gpr_imm_len(lo) > 1) && lit_entry(c, lo, hi, &k)) {
		cb_fixup(cb, cb_pos(cb), c->consts[k].label, FX_B19, cb_pos(cb));
		emit(cb, a64_ldr_lit(A64_LDR_Q, d, 0));
		return;
	}
	/* fmov d, x clears the high half */
	emit(cb, a64_fmov_from_gp(true, d, gpr_or_zr(cb, true, jo_imm(lo), R_SCRATCH)));
	if (hi)
		emit(cb, a64_ins_gp(3, d, 1, gpr_or_zr(cb, true, jo_imm(hi), R_SCRATCH)));
}

/* Every SIMD row has a NEON lowering. */
bool be_simd_inline(uint16_t op)
{
	(void)op;
	return true;
}

typedef uint32_t (*vbin_fn)(enum a64_varr t, unsigned rd, unsigned rn, unsigned rm);
typedef uint32_t (*vun_fn)(enum a64_varr t, unsigned rd, unsigned rn);

/* One instruction d.T = fn(a.T, b.T) for the lane-wise binary rows, NULL if none. */
static vbin_fn vbin_of(uint16_t op)
{
	switch (op) {
	case OPC_I8X16_ADD: case OPC_I16X8_ADD: case OPC_I32X4_ADD: case OPC_I64X2_ADD:
		return a64_add_v;
	case OPC_I8X16_SUB: case OPC_I16X8_SUB: case OPC_I32X4_SUB: case OPC_I64X2_SUB:
		return a64_sub_v;
	case OPC_I16X8_MUL: case OPC_I32X4_MUL: return a64_mul_v;
	case OPC_I8X16_ADD_SAT_S: case OPC_I16X8_ADD_SAT_S: return a64_sqadd_v;
	case OPC_I8X16_ADD_SAT_U: case OPC_I16X8_ADD_SAT_U: return a64_uqadd_v;
	case OPC_I8X16_SUB_SAT_S: case OPC_I16X8_SUB_SAT_S: return a64_sqsub_v;
	case OPC_I8X16_SUB_SAT_U: case OPC_I16X8_SUB_SAT_U: return a64_uqsub_v;
	case OPC_I8X16_MIN_S: case OPC_I16X8_MIN_S: case OPC_I32X4_MIN_S: return a64_smin_v;
	case OPC_I8X16_MIN_U: case OPC_I16X8_MIN_U: case OPC_I32X4_MIN_U: return a64_umin_v;
	case OPC_I8X16_MAX_S: case OPC_I16X8_MAX_S: case OPC_I32X4_MAX_S: return a64_smax_v;
	case OPC_I8X16_MAX_U: case OPC_I16X8_MAX_U: case OPC_I32X4_MAX_U: return a64_umax_v;
	case OPC_I8X16_AVGR_U: case OPC_I16X8_AVGR_U: return a64_urhadd_v;
	/* sat((a * b + 0x4000) >> 15) is exactly sqrdmulh's doubled, rounded high half */
	case OPC_I16X8_Q15MULR_SAT_S: return a64_sqrdmulh_v;
	case OPC_F32X4_ADD: case OPC_F64X2_ADD: return a64_fadd_v;
	case OPC_F32X4_SUB: case OPC_F64X2_SUB: return a64_fsub_v;
	case OPC_F32X4_MUL: case OPC_F64X2_MUL: return a64_fmul_v;
	case OPC_F32X4_DIV: case OPC_F64X2_DIV: return a64_fdiv_v;
	/* NaN in, NaN out; -0 < +0: Wasm's min/max */
	case OPC_F32X4_MIN: case OPC_F64X2_MIN: return a64_fmin_v;
	case OPC_F32X4_MAX: case OPC_F64X2_MAX: return a64_fmax_v;
	default: return NULL;
	}
}

/* One instruction d.T = fn(a.T) for the lane-wise unary rows, NULL if none. */
static vun_fn vun_of(uint16_t op)
{
	switch (op) {
	case OPC_V128_NOT: return a64_not_v;
	case OPC_I8X16_POPCNT: return a64_cnt_v;
	case OPC_I8X16_ABS: case OPC_I16X8_ABS: case OPC_I32X4_ABS: case OPC_I64X2_ABS:
		return a64_abs_v;
	case OPC_I8X16_NEG: case OPC_I16X8_NEG: case OPC_I32X4_NEG: case OPC_I64X2_NEG:
		return a64_neg_v;
	case OPC_F32X4_ABS: case OPC_F64X2_ABS: return a64_fabs_v;
	case OPC_F32X4_NEG: case OPC_F64X2_NEG: return a64_fneg_v;
	case OPC_F32X4_SQRT: case OPC_F64X2_SQRT: return a64_fsqrt_v;
	case OPC_F32X4_CEIL: case OPC_F64X2_CEIL: return a64_frintp_v;
	case OPC_F32X4_FLOOR: case OPC_F64X2_FLOOR: return a64_frintm_v;
	case OPC_F32X4_TRUNC: case OPC_F64X2_TRUNC: return a64_frintz_v;
	case OPC_F32X4_NEAREST: case OPC_F64X2_NEAREST: return a64_frintn_v;
	case OPC_I32X4_TRUNC_SAT_F32X4_S: return a64_fcvtzs_v;
	case OPC_I32X4_TRUNC_SAT_F32X4_U: return a64_fcvtzu_v;
	case OPC_F32X4_CONVERT_I32X4_S: return a64_scvtf_v;
	case OPC_F32X4_CONVERT_I32X4_U: return a64_ucvtf_v;
	default: return NULL;
	}
}

/* Lane comparisons: one instruction, operands swapped for lt/le, ne as not(eq). */
static void vcompare(struct codebuf *cb, const struct opinfo *oi, unsigned d, unsigned a,
		     unsigned b)
{
	enum a64_varr t = varr_q(oi->memlog2);
	bool fl = oi->type == VT_F32 || oi->type == VT_F64;
	unsigned x = a, y = b;
	vbin_fn fn;

	switch (oi->rel) {
	case REL_EQ: case REL_NE: fn = fl ? a64_fcmeq_v : a64_cmeq_v; break;
	case REL_LT_S: x = b, y = a; /* fall through */
	case REL_GT_S: fn = a64_cmgt_v; break;
	case REL_LE_S: x = b, y = a; /* fall through */
	case REL_GE_S: fn = a64_cmge_v; break;
	case REL_LT_U: x = b, y = a; /* fall through */
	case REL_GT_U: fn = a64_cmhi_v; break;
	case REL_LE_U: x = b, y = a; /* fall through */
	case REL_GE_U: fn = a64_cmhs_v; break;
	case REL_LT: x = b, y = a; /* fall through */
	case REL_GT: fn = a64_fcmgt_v; break;
	case REL_LE: x = b, y = a; /* fall through */
	case REL_GE: fn = a64_fcmge_v; break;
	default: emit(cb, A64_POISON); return;
	}
	emit(cb, fn(t, d, x, y));
	if (oi->rel == REL_NE)
		emit(cb, a64_not_v(A64_16B, d, d));
}

/* Shift every lane by an i32 count taken modulo the lane width. */
static void vshift(struct codebuf *cb, uint16_t op, unsigned lsize, unsigned d, unsigned a,
		   struct jopnd cnt)
{
	enum a64_varr t = varr_q(lsize);
	unsigned es = 8u << lsize;
	bool left = op == OPC_I8X16_SHL || op == OPC_I16X8_SHL || op == OPC_I32X4_SHL ||
		    op == OPC_I64X2_SHL;
	bool sign = op == OPC_I8X16_SHR_S || op == OPC_I16X8_SHR_S || op == OPC_I32X4_SHR_S ||
		    op == OPC_I64X2_SHR_S;

	if (cnt.kind == OP_IMM) {
		unsigned sh = (unsigned)cnt.imm & (es - 1);

		if (sh == 0)
			emit(cb, a64_mov_v(d, a));
		else if (left)
			emit(cb, a64_shl_v(t, d, a, sh));
		else
			emit(cb, (sign ? a64_sshr_v : a64_ushr_v)(t, d, a, sh));
		return;
	}
	/* sshl/ushl read the low byte of each count lane as signed: a right shift is a
	 * negative left shift, and a byte splat serves every lane size */
	emit(cb, a64_and_imm(false, R_SCRATCH, HW(cnt.reg), es - 1));
	if (!left)
		emit(cb, a64_neg(false, R_SCRATCH, R_SCRATCH));
	emit(cb, a64_dup_gp(A64_16B, V_SCRATCH, R_SCRATCH));
	emit(cb, (sign ? a64_sshl_v : a64_ushl_v)(t, d, a, V_SCRATCH));
}

/* i32 d = (w != 0) after the flags of cmp w, #0 */
static void vtest(struct codebuf *cb, uint16_t op, unsigned d, unsigned a)
{
	enum a64_cond cc = A64_NE;

	switch (op) {
	case OPC_V128_ANY_TRUE:
		emit(cb, a64_umaxv(A64_4S, V_SCRATCH, a));
		break;
	case OPC_I8X16_ALL_TRUE:
		emit(cb, a64_uminv(A64_16B, V_SCRATCH, a));
		break;
	case OPC_I16X8_ALL_TRUE:
		emit(cb, a64_uminv(A64_8H, V_SCRATCH, a));
		break;
	case OPC_I32X4_ALL_TRUE:
		emit(cb, a64_uminv(A64_4S, V_SCRATCH, a));
		break;
	case OPC_I64X2_ALL_TRUE: /* no zero lane: the max of the lanes' == 0 masks is 0 */
		emit(cb, a64_cmeq0_v(A64_2D, V_SCRATCH, a));
		emit(cb, a64_umaxv(A64_4S, V_SCRATCH, V_SCRATCH));
		cc = A64_EQ;
		break;
	default:
		emit(cb, A64_POISON);
		return;
	}
	emit(cb, a64_fmov_to_gp(false, d, V_SCRATCH));
	emit(cb, a64_cmp_imm(false, d, 0));
	emit(cb, a64_cset(false, d, cc));
}

/* i32 d = the lanes' sign bits: each lane becomes all ones or zero (sshr), keeps its own
 * bit of a weight vector, and the lanes are summed (the bits are disjoint). */
static void vbitmask(struct codebuf *cb, uint16_t op, unsigned d, unsigned a)
{
	static const uint64_t weights[3][2] = {
		{ 0x8040201008040201ull, 0x8040201008040201ull },
		{ 0x0008000400020001ull, 0x0080004000200010ull },
		{ 0x0000000200000001ull, 0x0000000800000004ull },
	};
	unsigned ls = op_info[op].memlog2;

	if (ls == 3) { /* two lanes: their top bits through GPRs */
		emit(cb, a64_ushr_v(A64_2D, V_SCRATCH, a, 63));
		emit(cb, a64_umov(3, R_SCRATCH, V_SCRATCH, 1));
		emit(cb, a64_umov(3, d, V_SCRATCH, 0));
		emit(cb, a64_logic_shift(false, A64_ORR, false, d, d, R_SCRATCH, A64_LSL, 1));
		return;
	}
	emit(cb, a64_sshr_v(varr_q(ls), V_SCRATCH, a, 8u << ls));
	gpr_imm(cb, true, R_SCRATCH, weights[ls][0]);
	emit(cb, a64_fmov_from_gp(true, V_SCRATCH2, R_SCRATCH));
	if (weights[ls][1] != weights[ls][0])
		gpr_imm(cb, true, R_SCRATCH, weights[ls][1]);
	emit(cb, a64_ins_gp(3, V_SCRATCH2, 1, R_SCRATCH));
	emit(cb, a64_and_v(A64_16B, V_SCRATCH, V_SCRATCH, V_SCRATCH2));
	if (ls == 0) { /* byte sums stay within a byte: each half on its own */
		emit(cb, a64_addv(A64_8B, V_SCRATCH2, V_SCRATCH));
		emit(cb, a64_fmov_to_gp(false, d, V_SCRATCH2));
		emit(cb, a64_dup_scalar(3, V_SCRATCH, V_SCRATCH, 1));
		emit(cb, a64_addv(A64_8B, V_SCRATCH, V_SCRATCH));
		emit(cb, a64_fmov_to_gp(false, R_SCRATCH, V_SCRATCH));
		emit(cb, a64_logic_shift(false, A64_ORR, false, d, d, R_SCRATCH, A64_LSL, 8));
		return;
	}
	emit(cb, a64_addv(varr_q(ls), V_SCRATCH, V_SCRATCH));
	emit(cb, a64_fmov_to_gp(false, d, V_SCRATCH));
}

/* d = a * b in 64-bit lanes (no NEON instruction): lane by lane through x16/x17. */
static void vmul_i64x2(struct codebuf *cb, unsigned d, unsigned a, unsigned b)
{
	for (unsigned l = 0; l < 2; l++) {
		emit(cb, a64_umov(3, R_SCRATCH, a, l));
		emit(cb, a64_umov(3, R_SCRATCH2, b, l));
		emit(cb, a64_mul(true, R_SCRATCH, R_SCRATCH, R_SCRATCH2));
		if (l == 0)
			emit(cb, a64_fmov_from_gp(true, V_SCRATCH, R_SCRATCH));
		else
			emit(cb, a64_ins_gp(3, V_SCRATCH, 1, R_SCRATCH));
	}
	emit(cb, a64_mov_v(d, V_SCRATCH));
}

/* Rows with a sequence of their own: narrowing, widening, extended products, dot products,
 * conversions between shapes, shuffles, selects.  Intermediate values go through v30/v31,
 * so d may alias any operand.  False if op is not one of them. */
static bool vspecial(struct codebuf *cb, uint16_t op, unsigned d, unsigned a, unsigned b,
		     unsigned cc)
{
	const unsigned S = V_SCRATCH, S2 = V_SCRATCH2;

	switch (op) {
	case OPC_I8X16_NARROW_I16X8_S:
		emit(cb, a64_sqxtn_v(A64_8B, S, a));
		emit(cb, a64_sqxtn_v(A64_16B, S, b));
		break;
	case OPC_I8X16_NARROW_I16X8_U:
		emit(cb, a64_sqxtun_v(A64_8B, S, a));
		emit(cb, a64_sqxtun_v(A64_16B, S, b));
		break;
	case OPC_I16X8_NARROW_I32X4_S:
		emit(cb, a64_sqxtn_v(A64_4H, S, a));
		emit(cb, a64_sqxtn_v(A64_8H, S, b));
		break;
	case OPC_I16X8_NARROW_I32X4_U:
		emit(cb, a64_sqxtun_v(A64_4H, S, a));
		emit(cb, a64_sqxtun_v(A64_8H, S, b));
		break;
	case OPC_I16X8_EXTEND_LOW_I8X16_S: emit(cb, a64_sxtl_v(A64_8B, d, a)); return true;
	case OPC_I16X8_EXTEND_HIGH_I8X16_S: emit(cb, a64_sxtl_v(A64_16B, d, a)); return true;
	case OPC_I16X8_EXTEND_LOW_I8X16_U: emit(cb, a64_uxtl_v(A64_8B, d, a)); return true;
	case OPC_I16X8_EXTEND_HIGH_I8X16_U: emit(cb, a64_uxtl_v(A64_16B, d, a)); return true;
	case OPC_I32X4_EXTEND_LOW_I16X8_S: emit(cb, a64_sxtl_v(A64_4H, d, a)); return true;
	case OPC_I32X4_EXTEND_HIGH_I16X8_S: emit(cb, a64_sxtl_v(A64_8H, d, a)); return true;
	case OPC_I32X4_EXTEND_LOW_I16X8_U: emit(cb, a64_uxtl_v(A64_4H, d, a)); return true;
	case OPC_I32X4_EXTEND_HIGH_I16X8_U: emit(cb, a64_uxtl_v(A64_8H, d, a)); return true;
	case OPC_I64X2_EXTEND_LOW_I32X4_S: emit(cb, a64_sxtl_v(A64_2S, d, a)); return true;
	case OPC_I64X2_EXTEND_HIGH_I32X4_S: emit(cb, a64_sxtl_v(A64_4S, d, a)); return true;
	case OPC_I64X2_EXTEND_LOW_I32X4_U: emit(cb, a64_uxtl_v(A64_2S, d, a)); return true;
	case OPC_I64X2_EXTEND_HIGH_I32X4_U: emit(cb, a64_uxtl_v(A64_4S, d, a)); return true;
	case OPC_I16X8_EXTMUL_LOW_I8X16_S: emit(cb, a64_smull_v(A64_8B, d, a, b)); return true;
	case OPC_I16X8_EXTMUL_HIGH_I8X16_S: emit(cb, a64_smull_v(A64_16B, d, a, b)); return true;
	case OPC_I16X8_EXTMUL_LOW_I8X16_U: emit(cb, a64_umull_v(A64_8B, d, a, b)); return true;
	case OPC_I16X8_EXTMUL_HIGH_I8X16_U: emit(cb, a64_umull_v(A64_16B, d, a, b)); return true;
	case OPC_I32X4_EXTMUL_LOW_I16X8_S: emit(cb, a64_smull_v(A64_4H, d, a, b)); return true;
	case OPC_I32X4_EXTMUL_HIGH_I16X8_S: emit(cb, a64_smull_v(A64_8H, d, a, b)); return true;
	case OPC_I32X4_EXTMUL_LOW_I16X8_U: emit(cb, a64_umull_v(A64_4H, d, a, b)); return true;
	case OPC_I32X4_EXTMUL_HIGH_I16X8_U: emit(cb, a64_umull_v(A64_8H, d, a, b)); return true;
	case OPC_I64X2_EXTMUL_LOW_I32X4_S: emit(cb, a64_smull_v(A64_2S, d, a, b)); return true;
	case OPC_I64X2_EXTMUL_HIGH_I32X4_S: emit(cb, a64_smull_v(A64_4S, d, a, b)); return true;
	case OPC_I64X2_EXTMUL_LOW_I32X4_U: emit(cb, a64_umull_v(A64_2S, d, a, b)); return true;
	case OPC_I64X2_EXTMUL_HIGH_I32X4_U: emit(cb, a64_umull_v(A64_4S, d, a, b)); return true;
	case OPC_I16X8_EXTADD_PAIRWISE_I8X16_S: emit(cb, a64_saddlp_v(A64_8H, d, a)); return true;
	case OPC_I16X8_EXTADD_PAIRWISE_I8X16_U: emit(cb, a64_uaddlp_v(A64_8H, d, a)); return true;
	case OPC_I32X4_EXTADD_PAIRWISE_I16X8_S: emit(cb, a64_saddlp_v(A64_4S, d, a)); return true;
	case OPC_I32X4_EXTADD_PAIRWISE_I16X8_U: emit(cb, a64_uaddlp_v(A64_4S, d, a)); return true;
	case OPC_I32X4_DOT_I16X8_S:
		emit(cb, a64_smull_v(A64_4H, S, a, b));
		emit(cb, a64_smull_v(A64_8H, S2, a, b));
		emit(cb, a64_addp_v(A64_4S, d, S, S2));
		return true;
	case OPC_I16X8_RELAXED_DOT_I8X16_I7X16_S: /* pair sums wrap to i16 */
		emit(cb, a64_smull_v(A64_8B, S, a, b));
		emit(cb, a64_smull_v(A64_16B, S2, a, b));
		emit(cb, a64_addp_v(A64_8H, d, S, S2));
		return true;
	case OPC_I32X4_RELAXED_DOT_I8X16_I7X16_ADD_S: /* four products summed in i32, + c */
		emit(cb, a64_smull_v(A64_8B, S, a, b));
		emit(cb, a64_smull_v(A64_16B, S2, a, b));
		emit(cb, a64_saddlp_v(A64_4S, S, S));
		emit(cb, a64_saddlp_v(A64_4S, S2, S2));
		emit(cb, a64_addp_v(A64_4S, S, S, S2));
		emit(cb, a64_add_v(A64_4S, d, S, cc));
		return true;
	case OPC_I64X2_MUL:
		vmul_i64x2(cb, d, a, b);
		return true;
	case OPC_I32X4_TRUNC_SAT_F64X2_S_ZERO: /* the 2S forms zero the high half */
		emit(cb, a64_fcvtzs_v(A64_2D, S, a));
		emit(cb, a64_sqxtn_v(A64_2S, d, S));
		return true;
	case OPC_I32X4_TRUNC_SAT_F64X2_U_ZERO:
		emit(cb, a64_fcvtzu_v(A64_2D, S, a));
		emit(cb, a64_uqxtn_v(A64_2S, d, S));
		return true;
	case OPC_F64X2_CONVERT_LOW_I32X4_S:
		emit(cb, a64_sxtl_v(A64_2S, S, a));
		emit(cb, a64_scvtf_v(A64_2D, d, S));
		return true;
	case OPC_F64X2_CONVERT_LOW_I32X4_U:
		emit(cb, a64_uxtl_v(A64_2S, S, a));
		emit(cb, a64_ucvtf_v(A64_2D, d, S));
		return true;
	case OPC_F32X4_DEMOTE_F64X2_ZERO: emit(cb, a64_fcvtn_2s(d, a)); return true;
	case OPC_F64X2_PROMOTE_LOW_F32X4: emit(cb, a64_fcvtl_2d(d, a)); return true;
	case OPC_F32X4_PMIN: case OPC_F64X2_PMIN: /* b < a ? b : a */
	case OPC_F32X4_PMAX: case OPC_F64X2_PMAX: { /* a < b ? b : a */
		enum a64_varr t = op == OPC_F32X4_PMIN || op == OPC_F32X4_PMAX ? A64_4S : A64_2D;
		bool min = op == OPC_F32X4_PMIN || op == OPC_F64X2_PMIN;

		emit(cb, a64_fcmgt_v(t, S, min ? a : b, min ? b : a));
		emit(cb, a64_bsl_v(A64_16B, S, b, a));
		break;
	}
	case OPC_F32X4_RELAXED_MADD: case OPC_F64X2_RELAXED_MADD: { /* unfused: a * b, + c */
		enum a64_varr t = op == OPC_F32X4_RELAXED_MADD ? A64_4S : A64_2D;

		emit(cb, a64_fmul_v(t, S, a, b));
		emit(cb, a64_fadd_v(t, d, S, cc));
		return true;
	}
	case OPC_F32X4_RELAXED_NMADD: case OPC_F64X2_RELAXED_NMADD: { /* (-a) * b + c */
		enum a64_varr t = op == OPC_F32X4_RELAXED_NMADD ? A64_4S : A64_2D;

		emit(cb, a64_fneg_v(t, S, a));
		emit(cb, a64_fmul_v(t, S, S, b));
		emit(cb, a64_fadd_v(t, d, S, cc));
		return true;
	}
	case OPC_V128_AND: emit(cb, a64_and_v(A64_16B, d, a, b)); return true;
	case OPC_V128_OR: emit(cb, a64_orr_v(A64_16B, d, a, b)); return true;
	case OPC_V128_XOR: emit(cb, a64_eor_v(A64_16B, d, a, b)); return true;
	case OPC_V128_ANDNOT: emit(cb, a64_bic_v(A64_16B, d, a, b)); return true;
	case OPC_V128_BITSELECT: /* (a & c) | (b & ~c): bsl selects by its destination */
		emit(cb, a64_mov_v(S, cc));
		emit(cb, a64_bsl_v(A64_16B, S, a, b));
		break;
	case OPC_I8X16_SWIZZLE: /* an index past 15 gives 0, as tbl does */
		emit(cb, a64_tbl_v16b(d, a, 1, b));
		return true;
	default:
		return false;
	}
	emit(cb, a64_mov_v(d, S));
	return true;
}

void be_simd(struct jcomp *c, uint16_t op, jreg dst, const struct jopnd *src, uint32_t n,
	     uint32_t lane, const uint8_t *imm16)
{
	struct codebuf *cb = c->cb;
	const struct opinfo *oi;
	unsigned d = HW(dst), a = n ? HW(src[0].reg) : 0;
	unsigned b = n > 1 && src[1].kind == OP_REG ? HW(src[1].reg) : 0;
	unsigned cc = n > 2 ? HW(src[2].reg) : 0, ls;
	vbin_fn bin;
	vun_fn un;

	op = op_relaxed_as(op);
	oi = &op_info[op];
	ls = oi->memlog2;
	switch (oi->cls) {
	case OPCL_VSHUFFLE: {
		uint64_t lo = 0, hi = 0;

		/* tbl over the pair v30:v31 (consecutive, as tbl wants); indices in d */
		for (int i = 7; i >= 0; i--) {
			lo = lo << 8 | imm16[i];
			hi = hi << 8 | imm16[8 + i];
		}
		emit(cb, a64_mov_v(V_SCRATCH2, a));
		emit(cb, a64_mov_v(V_SCRATCH, b));
		be_v128_const(c, dst, lo, hi);
		emit(cb, a64_tbl_v16b(d, V_SCRATCH2, 2, d));
		return;
	}
	case OPCL_VSPLAT:
		if (oi->type == VT_F32 || oi->type == VT_F64)
			emit(cb, a64_dup_elem(varr_q(ls), d, a, 0));
		else
			emit(cb, a64_dup_gp(varr_q(ls), d, a));
		return;
	case OPCL_VEXTRACT:
		if (oi->type == VT_F32 || oi->type == VT_F64)
			emit(cb, a64_dup_scalar(ls, d, a, lane));
		else if (op == OPC_I8X16_EXTRACT_LANE_S || op == OPC_I16X8_EXTRACT_LANE_S)
			emit(cb, a64_smov_w(ls, d, a, lane));
		else
			emit(cb, a64_umov(ls, d, a, lane));
		return;
	case OPCL_VREPLACE: {
		bool fl = oi->type == VT_F32 || oi->type == VT_F64;

		if (fl && b == d && d != a) { /* the scalar is in the destination */
			emit(cb, a64_mov_v(V_SCRATCH, b));
			b = V_SCRATCH;
		}
		if (d != a)
			emit(cb, a64_mov_v(d, a));
		emit(cb, fl ? a64_ins_elem(ls, d, lane, b, 0) : a64_ins_gp(ls, d, lane, b));
		return;
	}
	case OPCL_VSHIFT:
		vshift(cb, op, ls, d, a, src[1]);
		return;
	case OPCL_VTEST:
		if (op == OPC_I8X16_BITMASK || op == OPC_I16X8_BITMASK ||
		    op == OPC_I32X4_BITMASK || op == OPC_I64X2_BITMASK)
			vbitmask(cb, op, d, a);
		else
			vtest(cb, op, d, a);
		return;
	case OPCL_VCOMPARE:
		vcompare(cb, oi, d, a, b);
		return;
	default:
		break;
	}
	if (vspecial(cb, op, d, a, b, cc))
		return;
	if ((bin = vbin_of(op)) != NULL) {
		emit(cb, bin(varr_q(ls), d, a, b));
		return;
	}
	if ((un = vun_of(op)) != NULL) {
		emit(cb, un(varr_q(ls), d, a));
		return;
	}
	emit(cb, A64_POISON);
}

void be_vload(struct jcomp *c, uint16_t op, jreg dst, struct jopnd addr, uint32_t offset,
	      uint32_t lane)
{
	struct codebuf *cb = c->cb;
	unsigned d = HW(dst), ml = op_info[op].memlog2;
	static const enum a64_ldst gp_kind[4] = { A64_LDRB, A64_LDRH, A64_LDR_W, A64_LDR_X };
	enum a64_ldst k;
	struct amode am;

	switch (op) {
	case OPC_V128_LOAD: k = A64_LDR_Q; break;
	case OPC_V128_LOAD8X8_S: case OPC_V128_LOAD8X8_U: case OPC_V128_LOAD16X4_S:
	case OPC_V128_LOAD16X4_U: case OPC_V128_LOAD32X2_S: case OPC_V128_LOAD32X2_U:
	case OPC_V128_LOAD64_ZERO:
		k = A64_LDR_D;
		break;
	case OPC_V128_LOAD32_ZERO: k = A64_LDR_S; break;
	default: k = gp_kind[ml]; break; /* splats and lanes: through x17 */
	}
	am = guest_addr(c, k, addr, offset, 1u << ml);
	if (k == A64_LDR_Q || k == A64_LDR_D || k == A64_LDR_S) {
		/* d and s loads clear the rest of the register */
		guest_access(cb, k, d, am);
		switch (op) {
		case OPC_V128_LOAD8X8_S: emit(cb, a64_sxtl_v(A64_8B, d, d)); break;
		case OPC_V128_LOAD8X8_U: emit(cb, a64_uxtl_v(A64_8B, d, d)); break;
		case OPC_V128_LOAD16X4_S: emit(cb, a64_sxtl_v(A64_4H, d, d)); break;
		case OPC_V128_LOAD16X4_U: emit(cb, a64_uxtl_v(A64_4H, d, d)); break;
		case OPC_V128_LOAD32X2_S: emit(cb, a64_sxtl_v(A64_2S, d, d)); break;
		case OPC_V128_LOAD32X2_U: emit(cb, a64_uxtl_v(A64_2S, d, d)); break;
		default: break;
		}
		return;
	}
	guest_access(cb, k, R_SCRATCH2, am);
	if (op_info[op].cls == OPCL_VLOADLANE)
		emit(cb, a64_ins_gp(ml, d, lane, R_SCRATCH2));
	else
		emit(cb, a64_dup_gp(varr_q(ml), d, R_SCRATCH2));
}

void be_vstore(struct jcomp *c, uint16_t op, struct jopnd addr, jreg val, uint32_t offset,
	       uint32_t lane)
{
	struct codebuf *cb = c->cb;
	unsigned v = HW(val), ml = op_info[op].memlog2;
	static const enum a64_ldst gp_kind[4] = { A64_STRB, A64_STRH, A64_STR_W, A64_STR_X };
	enum a64_ldst k = op == OPC_V128_STORE ? A64_STR_Q : gp_kind[ml];
	struct amode am = guest_addr(c, k, addr, offset, 1u << ml);

	if (k == A64_STR_Q) {
		guest_access(cb, k, v, am);
		return;
	}
	/* the lane through x17, which guest_addr leaves free after its check */
	emit(cb, a64_umov(ml, R_SCRATCH2, v, lane));
	guest_access(cb, k, R_SCRATCH2, am);
}

/* ---- calls ---- */

void be_call_direct(struct jcomp *c, struct jit_func *jf, const void *code, bool self)
{
	struct codebuf *cb = c->cb;

	if (c->js->pic && code && !pic_has_code(c, code))
		code = NULL; /* another instance's code: through its record's slot */
	if (self) {
		emit(cb, a64_bl(-(int64_t)cb_pos(cb)));
	} else if (code) {
		arena_addr(cb, R_SCRATCH2, code);
		emit(cb, a64_blr(R_SCRATCH2));
	} else {
		/* x16 = &jf; call [x16]: the lazy and exit thunks find the callee in x16 */
		code_addr(c, R_CALLEE, jf);
		emit(cb, a64_ldr_imm(true, R_SCRATCH2, R_CALLEE, 0));
		emit(cb, a64_blr(R_SCRATCH2));
	}
}

/* The frame popped, lr holds our caller's return address: a branch is a call from there.
 * x16/x17 are free after the pops (the frame adjustment's scratch is dead by then). */
void be_tail_call_direct(struct jcomp *c, struct jit_func *jf, const void *code, bool self)
{
	struct codebuf *cb = c->cb;

	frame_pop(c);
	if (c->js->pic && code && !pic_has_code(c, code))
		code = NULL;
	if (self) {
		emit(cb, a64_b(-(int64_t)cb_pos(cb)));
	} else if (code) {
		arena_addr(cb, R_SCRATCH2, code);
		emit(cb, a64_br(R_SCRATCH2));
	} else {
		/* x16 = &jf; branch to [x16]: the lazy and exit thunks find the callee in x16 */
		code_addr(c, R_CALLEE, jf);
		emit(cb, a64_ldr_imm(true, R_SCRATCH2, R_CALLEE, 0));
		emit(cb, a64_br(R_SCRATCH2));
	}
}

/* With the chibi_func in x16 (not null): x17 = its jit_func, made on the first call of a
 * function the JIT has not met (the indirect thunk preserves the arguments). */
static void callee_jit_func(struct jcomp *c)
{
	struct codebuf *cb = c->cb;
	uint32_t have = cb_label_new(cb);

	emit(cb, a64_ldst_imm(A64_LDR_X, R_SCRATCH2, R_SCRATCH,
			      offsetof(struct chibi_func, jit_code)));
	cbz_label(c, true, true, R_SCRATCH2, have);
	code_addr(c, R_SCRATCH2, c->js->thunk_indirect);
	emit(cb, a64_blr(R_SCRATCH2));
	cb_bind(cb, have);
}

/* x17 = the jit_func of the function reference in x9 (null traps). */
static void ref_callee(struct jcomp *c)
{
	struct codebuf *cb = c->cb;

	emit(cb, a64_mov_reg(true, R_SCRATCH, R_IDX));
	cbz_label(c, true, false, R_SCRATCH, jc_trap_label(c, CHIBI_TRAP_NULL_FUNC_REF));
	callee_jit_func(c);
}

/* Call, or (tail) pop the frame and jump, through the jit_func in x17.  frame_pop may use
 * x16 as scratch: the jit_func waits in x9, dead by now. */
static void call_jit_func(struct jcomp *c, bool tail)
{
	struct codebuf *cb = c->cb;

	if (tail) {
		emit(cb, a64_mov_reg(true, R_IDX, R_SCRATCH2));
		frame_pop(c);
		emit(cb, a64_mov_reg(true, R_CALLEE, R_IDX));
	} else {
		emit(cb, a64_mov_reg(true, R_CALLEE, R_SCRATCH2));
	}
	emit(cb, a64_ldr_imm(true, R_SCRATCH2, R_CALLEE, 0));
	emit(cb, tail ? a64_br(R_SCRATCH2) : a64_blr(R_SCRATCH2));
}

void be_call_ref(struct jcomp *c)
{
	ref_callee(c);
	call_jit_func(c, false);
}

void be_tail_call_ref(struct jcomp *c)
{
	ref_callee(c);
	call_jit_func(c, true);
}

static void table_callee(struct jcomp *c, struct chibi_table *table, uint32_t type_id,
			 uint32_t depth);

void be_call_indirect(struct jcomp *c, struct chibi_table *table, uint32_t type_id,
		      uint32_t depth)
{
	table_callee(c, table, type_id, depth);
	call_jit_func(c, false);
}

void be_tail_call_indirect(struct jcomp *c, struct chibi_table *table, uint32_t type_id,
			   uint32_t depth)
{
	table_callee(c, table, type_id, depth);
	call_jit_func(c, true);
}

/* w9 = our canonical type id (the loader's slot under PIC; else unused, see below). */
static void type_id_slot(struct jcomp *c, uint32_t type_id)
{
	struct codebuf *cb = c->cb;
	const void *slot = jit_pic_type_slot(c->js->pic, type_id);

	if (!slot)
		emit(cb, A64_POISON);
	cb_reloc(cb, cb_pos(cb), RL_ADRP_LDR, (uintptr_t)slot);
	emit(cb, a64_adrp(R_IDX, 0));
	emit(cb, a64_ldr_imm(true, R_IDX, R_IDX, 0));
}

/* x17 = the jit_func of element x9 of table, checked (bounds, null, type id; for a
 * non-final type the subtype check when the ids differ, see be_call_indirect). */
static void table_callee(struct jcomp *c, struct chibi_table *table, uint32_t type_id,
			 uint32_t depth)
{
	struct codebuf *cb = c->cb;
	uint32_t mismatch = jc_trap_label(c, CHIBI_TRAP_INDIRECT_MISMATCH);
	uint32_t w[A64_SEQ_MAX];
	uint32_t ok;

	mov_addr(c, R_SCRATCH, table);
	emit(cb, a64_ldst_imm(A64_LDR_W, R_SCRATCH2, R_SCRATCH, offsetof(struct chibi_table, size)));
	emit(cb, a64_cmp_reg(false, R_IDX, R_SCRATCH2));
	bcond_label(c, A64_HS, jc_trap_label(c, CHIBI_TRAP_UNDEFINED_ELEMENT));
	emit(cb, a64_ldst_imm(A64_LDR_X, R_SCRATCH, R_SCRATCH, offsetof(struct chibi_table, elems)));
	emit(cb, a64_ldst_reg(A64_LDR_X, R_SCRATCH, R_SCRATCH, R_IDX, A64_UXTW, true));
	cbz_label(c, true, false, R_SCRATCH, jc_trap_label(c, CHIBI_TRAP_UNINITIALIZED));
	emit(cb, a64_ldst_imm(A64_LDR_W, R_SCRATCH2, R_SCRATCH,
			      offsetof(struct chibi_func, type_id)));
	/* the index is dead now: x9 may carry a large type id */
	if (c->js->pic) {
		/* canonical type ids are the store's: the loader's instance has its own */
		type_id_slot(c, type_id);
		emit(cb, a64_cmp_reg(false, R_SCRATCH2, R_IDX));
	} else {
		emit_seq(cb, w, a64_cmp_imm_seq(w, false, R_SCRATCH2, type_id, R_IDX));
	}
	if (depth == JIT_FINAL) {
		bcond_label(c, A64_NE, mismatch);
		callee_jit_func(c);
		return;
	}
	/* a non-final type: the callee's supertype at our type's depth must be our type */
	ok = cb_label_new(cb);
	bcond_label(c, A64_EQ, ok);
	emit(cb, a64_ldst_imm(A64_LDR_W, R_SCRATCH2, R_SCRATCH,
			      offsetof(struct chibi_func, type_depth)));
	emit_seq(cb, w, a64_cmp_imm_seq(w, false, R_SCRATCH2, depth, R_IDX));
	bcond_label(c, A64_LS, mismatch);
	emit(cb, a64_ldst_imm(A64_LDR_X, R_SCRATCH2, R_SCRATCH,
			      offsetof(struct chibi_func, type_supers)));
	emit_seq(cb, w, a64_mov_imm(w, false, R_IDX, depth));
	emit(cb, a64_ldst_reg(A64_LDR_W, R_SCRATCH2, R_SCRATCH2, R_IDX, A64_UXTW, true));
	if (c->js->pic) {
		type_id_slot(c, type_id);
		emit(cb, a64_cmp_reg(false, R_SCRATCH2, R_IDX));
	} else {
		emit_seq(cb, w, a64_cmp_imm_seq(w, false, R_SCRATCH2, type_id, R_IDX));
	}
	bcond_label(c, A64_NE, mismatch);
	cb_bind(cb, ok);
	callee_jit_func(c);
}

/* AArch64 code uses no optional feature beyond the base ISA and NEON. */
uint32_t be_cpu_features(char *desc, size_t n)
{
	snprintf(desc, n, "neon");
	return 0;
}

void be_addr(struct jcomp *c, jreg dst, const void *addr)
{
	mov_addr(c, HW(dst), addr);
}

void be_frame_addr(struct jcomp *c, jreg dst, int32_t off)
{
	uint32_t w[A64_SEQ_MAX];

	emit_seq(c->cb, w, a64_add_imm_seq(w, true, HW(dst), A64_SP, off, R_SCRATCH2));
}

/* x16 = fn; blr x16 (C functions live anywhere in the address space). */
static void call_abs(struct codebuf *cb, const void *fn)
{
	gpr_imm(cb, true, R_SCRATCH, (uint64_t)(uintptr_t)fn);
	emit(cb, a64_blr(R_SCRATCH));
}

void be_call_helper(struct jcomp *c, const void *fn)
{
	mov_addr(c, R_SCRATCH, fn);
	emit(c->cb, a64_blr(R_SCRATCH));
}

/* With w1 = kind: a call of the store's trap thunk (its return address names the
 * function), or, without one, jit_rt_trap(store, kind, func index, instance); sp is
 * 16-byte aligned here, as everywhere. */
void be_trap_stub(struct jcomp *c)
{
	struct codebuf *cb = c->cb;

	if (c->js->thunk_trap) {
		code_addr(c, R_SCRATCH2, c->js->thunk_trap);
		emit(cb, a64_blr(R_SCRATCH2));
		emit(cb, a64_brk(0xdead));	/* keeps the return address inside this function */
		return;
	}
	emit(cb, a64_mov_reg(true, 0, R_STORE));
	gpr_imm(cb, false, 2, c->func->index);
	mov_addr(c, 3, c->inst);
	mov_addr(c, R_SCRATCH, (const void *)jit_rt_trap);
	emit(cb, a64_blr(R_SCRATCH));
	emit(cb, a64_brk(0xdead));
}

/* Jump table: 32-bit offsets from the table start, right after the indirect branch. */
void be_br_table(struct jcomp *c, jreg idx, uint32_t n, const uint32_t *labels)
{
	struct codebuf *cb = c->cb;
	uint32_t w[A64_SEQ_MAX], start;

	emit_seq(cb, w, a64_cmp_imm_seq(w, false, HW(idx), n, R_SCRATCH));
	bcond_label(c, A64_HS, labels[n]);
	emit(cb, a64_adr(R_SCRATCH, 16));					/* the table */
	emit(cb, a64_ldst_reg(A64_LDRSW, R_SCRATCH2, R_SCRATCH, HW(idx), A64_UXTW, true));
	emit(cb, a64_add_reg(true, R_SCRATCH, R_SCRATCH, R_SCRATCH2));
	emit(cb, a64_br(R_SCRATCH));
	start = cb_pos(cb);
	for (uint32_t i = 0; i < n; i++) {
		cb_fixup(cb, cb_pos(cb), labels[i], FX_TAB32, start);
		cb_put32(cb, 0);
	}
	cb_data_range(cb, start, cb_pos(cb));
}

/* ---- thunks ---- */

/* struct jit_regs on the stack of the JIT -> C thunks, rounded up for alignment */
#define JR_SIZE		((int32_t)((sizeof(struct jit_regs) + 15) & ~(size_t)15))
/* enter: x29 - ENTER_REGS is where the struct jit_regs pointer is kept */
#define ENTER_REGS	(16 * 5 + 16 * 4 + 16)

/* ldr/str of the argument registers to/from the struct jit_regs at [base]. */
static void args_ldst(struct codebuf *cb, bool load, unsigned base)
{
	for (int i = 0; i < jit_target.narg[JC_GPR]; i++)
		emit(cb, a64_ldst_imm(load ? A64_LDR_X : A64_STR_X, HW(jit_target.arg[JC_GPR][i]),
				      base, RG_GPR(i)));
	for (int i = 0; i < jit_target.narg[JC_FPR]; i++)
		emit(cb, a64_ldst_imm(load ? A64_LDR_D : A64_STR_D, HW(jit_target.arg[JC_FPR][i]),
				      base, RG_FPR(i)));
}

/* Frame of the JIT -> C thunks: frame record, then a struct jit_regs at sp. */
static void thunk_enter_frame(struct codebuf *cb)
{
	emit(cb, a64_stp_pre(A64_PAIR_X, A64_FP, A64_LR, A64_SP, -16));
	emit(cb, a64_mov_sp(true, A64_FP, A64_SP));
	emit(cb, a64_sub_imm(true, A64_SP, A64_SP, (uint64_t)JR_SIZE));
	args_ldst(cb, false, A64_SP);
}

static void thunk_leave_frame(struct codebuf *cb)
{
	emit(cb, a64_mov_sp(true, A64_SP, A64_FP));
	emit(cb, a64_ldp_post(A64_PAIR_X, A64_FP, A64_LR, A64_SP, 16));
}

/* Copy x9 words from [x10] to [x11] (post-incrementing; x12 carries). */
static void copy_words(struct codebuf *cb)
{
	uint32_t loop;

	emit(cb, a64_cbz(true, 9, 5 * 4));
	loop = cb_pos(cb);
	emit(cb, a64_ldst_post(A64_LDR_X, 12, 10, 8));
	emit(cb, a64_ldst_post(A64_STR_X, 12, 11, 8));
	emit(cb, a64_subs_imm(true, 9, 9, 1));
	emit(cb, a64_b_cond(A64_NE, (int64_t)loop - cb_pos(cb)));
}

/* enter(struct jit_regs *x0, entry x1, store x2): C -> JIT.  Saves the AAPCS64
 * callee-saved registers, copies the stack arguments, loads the argument registers, calls,
 * and stores the results back.  x29 keeps the frame across the call (JIT code preserves
 * it), so the stack-argument area needs no count of its own. */
static void build_enter(struct codebuf *cb)
{
	emit(cb, a64_stp_pre(A64_PAIR_X, A64_FP, A64_LR, A64_SP, -16));
	emit(cb, a64_mov_sp(true, A64_FP, A64_SP));
	for (unsigned r = 19; r < 29; r += 2)
		emit(cb, a64_stp_pre(A64_PAIR_X, r, r + 1, A64_SP, -16));
	for (unsigned v = 8; v < 16; v += 2)
		emit(cb, a64_stp_pre(A64_PAIR_D, v, v + 1, A64_SP, -16));
	emit(cb, a64_stp_pre(A64_PAIR_X, 0, A64_ZR, A64_SP, -16));	/* the jit_regs * */
	emit(cb, a64_mov_reg(true, R_STORE, 2));
	emit(cb, a64_mov_reg(true, R_SCRATCH2, 1));
	emit(cb, a64_ldst_imm(A64_LDR_X, 9, 0, RG_NSTACK));
	emit(cb, a64_sub_ext(true, A64_SP, A64_SP, 9, A64_UXTX, 3));	/* nstack is even */
	emit(cb, a64_ldst_imm(A64_LDR_X, 10, 0, RG_STACK));
	emit(cb, a64_mov_sp(true, 11, A64_SP));
	copy_words(cb);
	emit(cb, a64_mov_reg(true, R_SCRATCH, 0));
	args_ldst(cb, true, R_SCRATCH);
	emit(cb, a64_blr(R_SCRATCH2));
	/* results: x0, d0, and the stack words back to regs->stack */
	emit(cb, a64_ldst_unscaled(A64_LDR_X, R_SCRATCH, A64_FP, -ENTER_REGS));
	emit(cb, a64_ldst_imm(A64_STR_X, 0, R_SCRATCH, RG_GPR(0)));
	emit(cb, a64_ldst_imm(A64_STR_D, 0, R_SCRATCH, RG_FPR(0)));
	emit(cb, a64_ldst_imm(A64_LDR_X, 9, R_SCRATCH, RG_NSTACK));
	emit(cb, a64_ldst_imm(A64_LDR_X, 10, R_SCRATCH, RG_STACK));
	emit(cb, a64_mov_sp(true, 11, A64_SP));
	/* copy_words goes from [x10] to [x11]: swap the roles */
	emit(cb, a64_mov_reg(true, 12, 10));
	emit(cb, a64_mov_reg(true, 10, 11));
	emit(cb, a64_mov_reg(true, 11, 12));
	copy_words(cb);
	emit(cb, a64_sub_imm(true, A64_SP, A64_FP, ENTER_REGS - 16));	/* drop args + the jit_regs * */
	for (unsigned v = 14; v >= 8; v -= 2)
		emit(cb, a64_ldp_post(A64_PAIR_D, v, v + 1, A64_SP, 16));
	for (unsigned r = 27; r >= 19; r -= 2)
		emit(cb, a64_ldp_post(A64_PAIR_X, r, r + 1, A64_SP, 16));
	emit(cb, a64_ldp_post(A64_PAIR_X, A64_FP, A64_LR, A64_SP, 16));
	emit(cb, a64_ret(A64_LR));
}

/* exit: JIT -> C for host functions and functions left to the interpreter (x16 = jf). */
static void build_exit(struct codebuf *cb)
{
	thunk_enter_frame(cb);
	emit(cb, a64_add_imm(true, 9, A64_FP, 16));			/* the caller's stack args */
	emit(cb, a64_ldst_imm(A64_STR_X, 9, A64_SP, RG_STACK));
	emit(cb, a64_ldst_imm(A64_STR_X, A64_LR, A64_SP, RG_RET));	/* return address */
	emit(cb, a64_mov_reg(true, 0, R_STORE));
	emit(cb, a64_mov_reg(true, 1, R_CALLEE));
	emit(cb, a64_mov_sp(true, 2, A64_SP));
	call_abs(cb, (const void *)jit_rt_call_out);
	emit(cb, a64_ldst_imm(A64_LDR_X, 0, A64_SP, RG_GPR(0)));
	emit(cb, a64_ldst_imm(A64_LDR_D, 0, A64_SP, RG_FPR(0)));
	thunk_leave_frame(cb);
	emit(cb, a64_ret(A64_LR));
}

/* lazy: compile x16's function, then tail-call whatever its entry became (x16 kept for the
 * exit thunk, in case compilation failed). */
static void build_lazy(struct codebuf *cb)
{
	thunk_enter_frame(cb);
	emit(cb, a64_ldst_imm(A64_STR_X, R_CALLEE, A64_SP, RG_NSTACK));
	emit(cb, a64_mov_reg(true, 0, R_STORE));
	emit(cb, a64_mov_reg(true, 1, R_CALLEE));
	call_abs(cb, (const void *)jit_rt_lazy);
	emit(cb, a64_mov_reg(true, R_SCRATCH2, 0));
	args_ldst(cb, true, A64_SP);
	emit(cb, a64_ldst_imm(A64_LDR_X, R_CALLEE, A64_SP, RG_NSTACK));
	thunk_leave_frame(cb);
	emit(cb, a64_br(R_SCRATCH2));
}

/* indirect: x17 = jit_func of the chibi_func in x16 (argument registers preserved). */
static void build_indirect(struct codebuf *cb)
{
	thunk_enter_frame(cb);
	emit(cb, a64_mov_reg(true, 0, R_STORE));
	emit(cb, a64_mov_reg(true, 1, R_CALLEE));
	call_abs(cb, (const void *)jit_rt_func);
	emit(cb, a64_mov_reg(true, R_SCRATCH2, 0));
	args_ldst(cb, true, A64_SP);
	thunk_leave_frame(cb);
	emit(cb, a64_ret(A64_LR));
}

/* trap: called from a function's trap stub with w1 = kind; the return address tells
 * jit_rt_trap_pc which function trapped.  Never returns. */
static void build_trap(struct codebuf *cb)
{
	emit(cb, a64_mov_reg(true, 0, R_STORE));
	emit(cb, a64_mov_reg(true, 2, A64_LR));
	call_abs(cb, (const void *)jit_rt_trap_pc);
	emit(cb, a64_brk(0xdead));
}

static void brk0(struct codebuf *cb)
{
	emit(cb, a64_brk(0));
}

void be_build_thunks(struct codebuf *cb, struct jit_thunks *out)
{
	static const jit_thunk_fn build[JT_COUNT] = {
		[JT_ENTER] = build_enter, [JT_EXIT] = build_exit, [JT_LAZY] = build_lazy,
		[JT_INDIRECT] = build_indirect, [JT_TRAP] = build_trap,
	};

	jit_lay_out_thunks(cb, out, build, brk0);
}
