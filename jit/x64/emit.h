/* jit/x64/emit.h - x86-64 instruction encoders, one static inline function per form.
 *
 * Layers, bottom up: prefix/REX/ModRM/SIB helpers; operand-form families (reg-reg,
 * reg-mem, immediates) taking the opcode bytes; the concrete instructions with their
 * mnemonic in the name and their meaning in a one-line comment.  Registers are hardware
 * numbers 0-15 (rax..r15, or xmm0..xmm15 for SSE operands).  An encoder handed a register
 * it cannot encode emits ud2 instead and counts it in cb->npoison; be_validate_code()
 * rejects the function, which then runs in the interpreter.  Only what chibi's back end
 * needs is here; every encoder is checked against capstone in emit_test.c.
 */
#ifndef CHIBI_JIT_X64_EMIT_H
#define CHIBI_JIT_X64_EMIT_H

#include "../codebuf.h"

enum x64_gpr {
	RAX = 0, RCX, RDX, RBX, RSP, RBP, RSI, RDI,
	R8, R9, R10, R11, R12, R13, R14, R15,
};

/* Condition codes (the low nibble of jcc/setcc/cmovcc). */
enum x64_cc {
	CC_O = 0x0, CC_NO = 0x1, CC_B = 0x2, CC_AE = 0x3, CC_E = 0x4, CC_NE = 0x5,
	CC_BE = 0x6, CC_A = 0x7, CC_S = 0x8, CC_NS = 0x9, CC_P = 0xa, CC_NP = 0xb,
	CC_L = 0xc, CC_GE = 0xd, CC_LE = 0xe, CC_G = 0xf,
};

/* The /digit of the 0x01/0x81/0x83 arithmetic group. */
enum x64_alu { ALU_ADD = 0, ALU_OR = 1, ALU_ADC = 2, ALU_SBB = 3, ALU_AND = 4, ALU_SUB = 5,
	       ALU_XOR = 6, ALU_CMP = 7 };
/* The /digit of the 0xC1/0xD3 shift group. */
enum x64_shift { SH_ROL = 0, SH_ROR = 1, SH_SHL = 4, SH_SHR = 5, SH_SAR = 7 };

#define X64_NOREG 0xff

/* A memory operand: [base + index * (1 << scale) + disp], or [rip + disp] when rip. */
struct x64_mem {
	uint8_t base;    /* X64_NOREG only with rip */
	uint8_t index;   /* X64_NOREG = none; rsp cannot be an index */
	uint8_t scale;   /* 0..3 */
	bool rip;
	int32_t disp;
};

static inline struct x64_mem x64_mb(uint8_t base, int32_t disp)
{
	return (struct x64_mem){ .base = base, .index = X64_NOREG, .disp = disp };
}

static inline struct x64_mem x64_mbi(uint8_t base, uint8_t index, uint8_t scale, int32_t disp)
{
	return (struct x64_mem){ .base = base, .index = index, .scale = scale, .disp = disp };
}

static inline bool is_simm8(int64_t v)
{
	return v >= -128 && v <= 127;
}

static inline bool is_simm32(int64_t v)
{
	return v >= INT32_MIN && v <= INT32_MAX;
}

static inline bool is_uimm32(uint64_t v)
{
	return v <= UINT32_MAX;
}

/* ---- layer 0: bytes ---- */

/* ud2, the poison pattern: what an encoder emits instead of a malformed instruction. */
static inline void x64_poison(struct codebuf *cb)
{
	cb->npoison++;
	cb_put8(cb, 0x0f);
	cb_put8(cb, 0x0b);
}

static inline bool bad_reg(uint8_t r)
{
	return r > 15;
}

static inline bool bad_mem(const struct x64_mem *m)
{
	if (m->rip)
		return false;
	return bad_reg(m->base) || (m->index != X64_NOREG && (bad_reg(m->index) ||
			m->index == RSP)) || m->scale > 3;
}

/* REX prefix 0100WRXB; emitted when any bit is set or a byte register needs it. */
static inline void add_rex(struct codebuf *cb, bool w, uint8_t reg, uint8_t index, uint8_t base,
			   bool force)
{
	uint8_t rex = 0x40 | (w ? 8 : 0) | ((reg & 8) ? 4 : 0) |
		      (index != X64_NOREG && (index & 8) ? 2 : 0) |
		      (base != X64_NOREG && (base & 8) ? 1 : 0);

	if (rex != 0x40 || force)
		cb_put8(cb, rex);
}

/* ModRM byte: mod (2 bits) reg (3) rm (3). */
static inline void add_modrm(struct codebuf *cb, uint8_t mod, uint8_t reg, uint8_t rm)
{
	cb_put8(cb, (uint8_t)((mod << 6) | ((reg & 7) << 3) | (rm & 7)));
}

/* SIB byte: scale (2 bits) index (3) base (3). */
static inline void add_sib(struct codebuf *cb, uint8_t scale, uint8_t index, uint8_t base)
{
	cb_put8(cb, (uint8_t)((scale << 6) | ((index & 7) << 3) | (base & 7)));
}

/* ModRM (+SIB, +disp) for a memory operand; picks the shortest displacement.  rsp/r12 as
 * base need a SIB byte, rbp/r13 as base need an explicit displacement. */
static inline void add_mem(struct codebuf *cb, uint8_t reg, const struct x64_mem *m)
{
	uint8_t mod;

	if (m->rip) {
		add_modrm(cb, 0, reg, 5);
		cb_put32(cb, (uint32_t)m->disp);
		return;
	}
	if (m->disp == 0 && (m->base & 7) != RBP)
		mod = 0;
	else if (is_simm8(m->disp))
		mod = 1;
	else
		mod = 2;
	if (m->index != X64_NOREG || (m->base & 7) == RSP) {
		add_modrm(cb, mod, reg, 4);
		add_sib(cb, m->scale, m->index != X64_NOREG ? m->index : RSP, m->base);
	} else {
		add_modrm(cb, mod, reg, m->base);
	}
	if (mod == 1)
		cb_put8(cb, (uint8_t)m->disp);
	else if (mod == 2)
		cb_put32(cb, (uint32_t)m->disp);
}

/* Opcode bytes, 1 to 3 of them, most significant first: 0x0fAF = 0F AF. */
static inline void add_op(struct codebuf *cb, uint32_t op)
{
	if (op > 0xffff)
		cb_put8(cb, (uint8_t)(op >> 16));
	if (op > 0xff)
		cb_put8(cb, (uint8_t)(op >> 8));
	cb_put8(cb, (uint8_t)op);
}

/* ---- layer 1: operand-form families ---- */

/* [pfx] REX op /r with a register rm.  byte8: reg/rm are byte registers (spl..dil need REX). */
static inline void x64_form_rr(struct codebuf *cb, uint8_t pfx, bool w, uint32_t op, uint8_t reg,
			       uint8_t rm, bool byte8)
{
	if (bad_reg(reg) || bad_reg(rm)) {
		x64_poison(cb);
		return;
	}
	if (pfx)
		cb_put8(cb, pfx);
	add_rex(cb, w, reg, X64_NOREG, rm, byte8 && (reg >= 4 || rm >= 4));
	add_op(cb, op);
	add_modrm(cb, 3, reg, rm);
}

/* [pfx] REX op /r with a memory rm. */
static inline void x64_form_rm(struct codebuf *cb, uint8_t pfx, bool w, uint32_t op, uint8_t reg,
			       const struct x64_mem *m, bool byte8)
{
	if (bad_reg(reg) || bad_mem(m)) {
		x64_poison(cb);
		return;
	}
	if (pfx)
		cb_put8(cb, pfx);
	add_rex(cb, w, reg, m->rip ? X64_NOREG : m->index, m->rip ? X64_NOREG : m->base,
		byte8 && reg >= 4);
	add_op(cb, op);
	add_mem(cb, reg, m);
}

/* ---- layer 2: instructions ---- */

/* dst = src (32-bit form zero-extends) */
static inline void x64_mov_rr(struct codebuf *cb, bool w, uint8_t dst, uint8_t src)
{
	x64_form_rr(cb, 0, w, 0x89, src, dst, false);
}

/* dst = [m] */
static inline void x64_mov_rm(struct codebuf *cb, bool w, uint8_t dst, struct x64_mem m)
{
	x64_form_rm(cb, 0, w, 0x8b, dst, &m, false);
}

/* [m] = src */
static inline void x64_mov_mr(struct codebuf *cb, bool w, struct x64_mem m, uint8_t src)
{
	x64_form_rm(cb, 0, w, 0x89, src, &m, false);
}

/* byte [m] = src8 */
static inline void x64_mov8_mr(struct codebuf *cb, struct x64_mem m, uint8_t src)
{
	x64_form_rm(cb, 0, false, 0x88, src, &m, true);
}

/* word [m] = src16 */
static inline void x64_mov16_mr(struct codebuf *cb, struct x64_mem m, uint8_t src)
{
	x64_form_rm(cb, 0x66, false, 0x89, src, &m, false);
}

/* dst32 = imm32, upper half cleared */
static inline void x64_mov_ri32(struct codebuf *cb, uint8_t dst, uint32_t imm)
{
	if (bad_reg(dst)) {
		x64_poison(cb);
		return;
	}
	add_rex(cb, false, 0, X64_NOREG, dst, false);
	cb_put8(cb, (uint8_t)(0xb8 + (dst & 7)));
	cb_put32(cb, imm);
}

/* dst = imm64 (movabs) */
static inline void x64_mov_ri64(struct codebuf *cb, uint8_t dst, uint64_t imm)
{
	if (bad_reg(dst)) {
		x64_poison(cb);
		return;
	}
	add_rex(cb, true, 0, X64_NOREG, dst, false);
	cb_put8(cb, (uint8_t)(0xb8 + (dst & 7)));
	cb_put64(cb, imm);
}

/* dst64 = sign-extended imm32 */
static inline void x64_mov_rsi32(struct codebuf *cb, uint8_t dst, int32_t imm)
{
	x64_form_rr(cb, 0, true, 0xc7, 0, dst, false);
	cb_put32(cb, (uint32_t)imm);
}

/* [m] = imm32 (sign-extended to 64 bits when w) */
static inline void x64_mov_mi(struct codebuf *cb, bool w, struct x64_mem m, int32_t imm)
{
	x64_form_rm(cb, 0, w, 0xc7, 0, &m, false);
	cb_put32(cb, (uint32_t)imm);
}

/* byte [m] = imm8 */
static inline void x64_mov8_mi(struct codebuf *cb, struct x64_mem m, uint8_t imm)
{
	x64_form_rm(cb, 0, false, 0xc6, 0, &m, false);
	cb_put8(cb, imm);
}

/* word [m] = imm16 */
static inline void x64_mov16_mi(struct codebuf *cb, struct x64_mem m, uint16_t imm)
{
	x64_form_rm(cb, 0x66, false, 0xc7, 0, &m, false);
	cb_put8(cb, (uint8_t)imm);
	cb_put8(cb, (uint8_t)(imm >> 8));
}

/* dst32 = zero-extended byte [m] */
static inline void x64_movzx8_rm(struct codebuf *cb, uint8_t dst, struct x64_mem m)
{
	x64_form_rm(cb, 0, false, 0x0fb6, dst, &m, false);
}

/* dst32 = zero-extended word [m] */
static inline void x64_movzx16_rm(struct codebuf *cb, uint8_t dst, struct x64_mem m)
{
	x64_form_rm(cb, 0, false, 0x0fb7, dst, &m, false);
}

/* dst = sign-extended byte [m] (32 or 64 bits) */
static inline void x64_movsx8_rm(struct codebuf *cb, bool w, uint8_t dst, struct x64_mem m)
{
	x64_form_rm(cb, 0, w, 0x0fbe, dst, &m, false);
}

/* dst = sign-extended word [m] */
static inline void x64_movsx16_rm(struct codebuf *cb, bool w, uint8_t dst, struct x64_mem m)
{
	x64_form_rm(cb, 0, w, 0x0fbf, dst, &m, false);
}

/* dst64 = sign-extended dword [m] */
static inline void x64_movsxd_rm(struct codebuf *cb, uint8_t dst, struct x64_mem m)
{
	x64_form_rm(cb, 0, true, 0x63, dst, &m, false);
}

/* dst32 = zero-extended src8 */
static inline void x64_movzx8_rr(struct codebuf *cb, uint8_t dst, uint8_t src)
{
	x64_form_rr(cb, 0, false, 0x0fb6, dst, src, true);
}

/* dst32 = zero-extended src16 */
static inline void x64_movzx16_rr(struct codebuf *cb, uint8_t dst, uint8_t src)
{
	x64_form_rr(cb, 0, false, 0x0fb7, dst, src, false);
}

/* dst = sign-extended src8 */
static inline void x64_movsx8_rr(struct codebuf *cb, bool w, uint8_t dst, uint8_t src)
{
	x64_form_rr(cb, 0, w, 0x0fbe, dst, src, true);
}

/* dst = sign-extended src16 */
static inline void x64_movsx16_rr(struct codebuf *cb, bool w, uint8_t dst, uint8_t src)
{
	x64_form_rr(cb, 0, w, 0x0fbf, dst, src, false);
}

/* dst64 = sign-extended src32 */
static inline void x64_movsxd_rr(struct codebuf *cb, uint8_t dst, uint8_t src)
{
	x64_form_rr(cb, 0, true, 0x63, dst, src, false);
}

/* dst = address of m */
static inline void x64_lea(struct codebuf *cb, bool w, uint8_t dst, struct x64_mem m)
{
	x64_form_rm(cb, 0, w, 0x8d, dst, &m, false);
}

/* dst = dst OP src (OP from enum x64_alu; cmp only sets flags) */
static inline void x64_alu_rr(struct codebuf *cb, bool w, enum x64_alu op, uint8_t dst,
			      uint8_t src)
{
	x64_form_rr(cb, 0, w, (uint32_t)(op << 3) | 1, src, dst, false);
}

/* dst = dst OP [m] */
static inline void x64_alu_rm(struct codebuf *cb, bool w, enum x64_alu op, uint8_t dst,
			      struct x64_mem m)
{
	x64_form_rm(cb, 0, w, (uint32_t)(op << 3) | 3, dst, &m, false);
}

/* dst = dst OP imm (imm8 form when it fits, else imm32; sign-extended) */
static inline void x64_alu_ri(struct codebuf *cb, bool w, enum x64_alu op, uint8_t dst,
			      int32_t imm)
{
	if (is_simm8(imm)) {
		x64_form_rr(cb, 0, w, 0x83, op, dst, false);
		cb_put8(cb, (uint8_t)imm);
	} else {
		x64_form_rr(cb, 0, w, 0x81, op, dst, false);
		cb_put32(cb, (uint32_t)imm);
	}
}

/* [m] = [m] OP src */
static inline void x64_alu_mr(struct codebuf *cb, bool w, enum x64_alu op, struct x64_mem m,
			      uint8_t src)
{
	x64_form_rm(cb, 0, w, (uint32_t)(op << 3) | 1, src, &m, false);
}

/* [m] = [m] OP imm */
static inline void x64_alu_mi(struct codebuf *cb, bool w, enum x64_alu op, struct x64_mem m,
			      int32_t imm)
{
	if (is_simm8(imm)) {
		x64_form_rm(cb, 0, w, 0x83, op, &m, false);
		cb_put8(cb, (uint8_t)imm);
	} else {
		x64_form_rm(cb, 0, w, 0x81, op, &m, false);
		cb_put32(cb, (uint32_t)imm);
	}
}

/* dst8 &= src8 (byte registers) */
static inline void x64_and8_rr(struct codebuf *cb, uint8_t dst, uint8_t src)
{
	x64_form_rr(cb, 0, false, 0x20, src, dst, true);
}

/* dst8 |= src8 (byte registers) */
static inline void x64_or8_rr(struct codebuf *cb, uint8_t dst, uint8_t src)
{
	x64_form_rr(cb, 0, false, 0x08, src, dst, true);
}

/* dst += src */
static inline void x64_add_rr(struct codebuf *cb, bool w, uint8_t dst, uint8_t src)
{
	x64_alu_rr(cb, w, ALU_ADD, dst, src);
}

/* dst -= src */
static inline void x64_sub_rr(struct codebuf *cb, bool w, uint8_t dst, uint8_t src)
{
	x64_alu_rr(cb, w, ALU_SUB, dst, src);
}

/* dst ^= src (xor r, r is the zero idiom) */
static inline void x64_xor_rr(struct codebuf *cb, bool w, uint8_t dst, uint8_t src)
{
	x64_alu_rr(cb, w, ALU_XOR, dst, src);
}

/* flags = a - b */
static inline void x64_cmp_rr(struct codebuf *cb, bool w, uint8_t a, uint8_t b)
{
	x64_alu_rr(cb, w, ALU_CMP, a, b);
}

/* flags = a - imm */
static inline void x64_cmp_ri(struct codebuf *cb, bool w, uint8_t a, int32_t imm)
{
	x64_alu_ri(cb, w, ALU_CMP, a, imm);
}

/* flags = [m] - imm */
static inline void x64_cmp_mi(struct codebuf *cb, bool w, struct x64_mem m, int32_t imm)
{
	x64_alu_mi(cb, w, ALU_CMP, m, imm);
}

/* flags = a - [m] */
static inline void x64_cmp_rm(struct codebuf *cb, bool w, uint8_t a, struct x64_mem m)
{
	x64_alu_rm(cb, w, ALU_CMP, a, m);
}

/* dst += imm */
static inline void x64_add_ri(struct codebuf *cb, bool w, uint8_t dst, int32_t imm)
{
	x64_alu_ri(cb, w, ALU_ADD, dst, imm);
}

/* dst -= imm */
static inline void x64_sub_ri(struct codebuf *cb, bool w, uint8_t dst, int32_t imm)
{
	x64_alu_ri(cb, w, ALU_SUB, dst, imm);
}

/* dst &= imm */
static inline void x64_and_ri(struct codebuf *cb, bool w, uint8_t dst, int32_t imm)
{
	x64_alu_ri(cb, w, ALU_AND, dst, imm);
}

/* flags = a & b */
static inline void x64_test_rr(struct codebuf *cb, bool w, uint8_t a, uint8_t b)
{
	x64_form_rr(cb, 0, w, 0x85, b, a, false);
}

/* flags = a & imm */
static inline void x64_test_ri(struct codebuf *cb, bool w, uint8_t a, int32_t imm)
{
	x64_form_rr(cb, 0, w, 0xf7, 0, a, false);
	cb_put32(cb, (uint32_t)imm);
}

/* dst *= src (low half) */
static inline void x64_imul_rr(struct codebuf *cb, bool w, uint8_t dst, uint8_t src)
{
	x64_form_rr(cb, 0, w, 0x0faf, dst, src, false);
}

/* dst *= [m] */
static inline void x64_imul_rm(struct codebuf *cb, bool w, uint8_t dst, struct x64_mem m)
{
	x64_form_rm(cb, 0, w, 0x0faf, dst, &m, false);
}

/* dst = src * imm */
static inline void x64_imul_rri(struct codebuf *cb, bool w, uint8_t dst, uint8_t src, int32_t imm)
{
	if (is_simm8(imm)) {
		x64_form_rr(cb, 0, w, 0x6b, dst, src, false);
		cb_put8(cb, (uint8_t)imm);
	} else {
		x64_form_rr(cb, 0, w, 0x69, dst, src, false);
		cb_put32(cb, (uint32_t)imm);
	}
}

/* r = ~r */
static inline void x64_not_r(struct codebuf *cb, bool w, uint8_t r)
{
	x64_form_rr(cb, 0, w, 0xf7, 2, r, false);
}

/* r = -r */
static inline void x64_neg_r(struct codebuf *cb, bool w, uint8_t r)
{
	x64_form_rr(cb, 0, w, 0xf7, 3, r, false);
}

/* rax, rdx = rdx:rax / r, rdx:rax % r (unsigned) */
static inline void x64_div_r(struct codebuf *cb, bool w, uint8_t r)
{
	x64_form_rr(cb, 0, w, 0xf7, 6, r, false);
}

/* rax, rdx = rdx:rax / r, rdx:rax % r (signed) */
static inline void x64_idiv_r(struct codebuf *cb, bool w, uint8_t r)
{
	x64_form_rr(cb, 0, w, 0xf7, 7, r, false);
}

/* unsigned divide by [m] */
static inline void x64_div_m(struct codebuf *cb, bool w, struct x64_mem m)
{
	x64_form_rm(cb, 0, w, 0xf7, 6, &m, false);
}

/* signed divide by [m] */
static inline void x64_idiv_m(struct codebuf *cb, bool w, struct x64_mem m)
{
	x64_form_rm(cb, 0, w, 0xf7, 7, &m, false);
}

/* edx = sign of eax (cdq), or rdx = sign of rax (cqo) */
static inline void x64_cdq(struct codebuf *cb, bool w)
{
	if (w)
		cb_put8(cb, 0x48); /* REX.W: cqo */
	cb_put8(cb, 0x99);         /* cdq */
}

/* r = r SHIFT cl */
static inline void x64_shift_cl(struct codebuf *cb, bool w, enum x64_shift op, uint8_t r)
{
	x64_form_rr(cb, 0, w, 0xd3, op, r, false);
}

/* r = r SHIFT imm8 */
static inline void x64_shift_ri(struct codebuf *cb, bool w, enum x64_shift op, uint8_t r,
				uint8_t imm)
{
	x64_form_rr(cb, 0, w, 0xc1, op, r, false);
	cb_put8(cb, imm);
}

/* dst = leading zero count of src */
static inline void x64_lzcnt_rr(struct codebuf *cb, bool w, uint8_t dst, uint8_t src)
{
	x64_form_rr(cb, 0xf3, w, 0x0fbd, dst, src, false);
}

/* dst = trailing zero count of src */
static inline void x64_tzcnt_rr(struct codebuf *cb, bool w, uint8_t dst, uint8_t src)
{
	x64_form_rr(cb, 0xf3, w, 0x0fbc, dst, src, false);
}

/* dst = number of set bits of src */
static inline void x64_popcnt_rr(struct codebuf *cb, bool w, uint8_t dst, uint8_t src)
{
	x64_form_rr(cb, 0xf3, w, 0x0fb8, dst, src, false);
}

/* dst = index of the highest set bit of src (ZF if src == 0) */
static inline void x64_bsr_rr(struct codebuf *cb, bool w, uint8_t dst, uint8_t src)
{
	x64_form_rr(cb, 0, w, 0x0fbd, dst, src, false);
}

/* dst = index of the lowest set bit of src (ZF if src == 0) */
static inline void x64_bsf_rr(struct codebuf *cb, bool w, uint8_t dst, uint8_t src)
{
	x64_form_rr(cb, 0, w, 0x0fbc, dst, src, false);
}

/* r8 = cc ? 1 : 0 */
static inline void x64_setcc_r(struct codebuf *cb, enum x64_cc cc, uint8_t r)
{
	x64_form_rr(cb, 0, false, 0x0f90 | cc, 0, r, true);
}

/* if (cc) dst = src */
static inline void x64_cmov_rr(struct codebuf *cb, bool w, enum x64_cc cc, uint8_t dst, uint8_t src)
{
	x64_form_rr(cb, 0, w, 0x0f40 | cc, dst, src, false);
}

/* if (cc) dst = [m] */
static inline void x64_cmov_rm(struct codebuf *cb, bool w, enum x64_cc cc, uint8_t dst,
			       struct x64_mem m)
{
	x64_form_rm(cb, 0, w, 0x0f40 | cc, dst, &m, false);
}

/* swap a and b */
static inline void x64_xchg_rr(struct codebuf *cb, bool w, uint8_t a, uint8_t b)
{
	x64_form_rr(cb, 0, w, 0x87, b, a, false);
}

/* swap r and [m] (implicitly locked: slow, used only to break move cycles) */
static inline void x64_xchg_rm(struct codebuf *cb, bool w, uint8_t r, struct x64_mem m)
{
	x64_form_rm(cb, 0, w, 0x87, r, &m, false);
}

/* ---- control transfer; rel fields are patched by the caller ---- */

/* if (cc) goto pc + rel32 (6 bytes) */
static inline void x64_jcc_rel32(struct codebuf *cb, enum x64_cc cc, int32_t rel)
{
	cb_put8(cb, 0x0f);
	cb_put8(cb, (uint8_t)(0x80 | cc));
	cb_put32(cb, (uint32_t)rel);
}

/* if (cc) goto pc + rel8 (2 bytes) */
static inline void x64_jcc_rel8(struct codebuf *cb, enum x64_cc cc, int8_t rel)
{
	cb_put8(cb, (uint8_t)(0x70 | cc));
	cb_put8(cb, (uint8_t)rel);
}

/* goto pc + rel32 */
static inline void x64_jmp_rel32(struct codebuf *cb, int32_t rel)
{
	cb_put8(cb, 0xe9);
	cb_put32(cb, (uint32_t)rel);
}

/* goto pc + rel8 */
static inline void x64_jmp_rel8(struct codebuf *cb, int8_t rel)
{
	cb_put8(cb, 0xeb);
	cb_put8(cb, (uint8_t)rel);
}

/* call pc + rel32 */
static inline void x64_call_rel32(struct codebuf *cb, int32_t rel)
{
	cb_put8(cb, 0xe8);
	cb_put32(cb, (uint32_t)rel);
}

/* call r */
static inline void x64_call_r(struct codebuf *cb, uint8_t r)
{
	x64_form_rr(cb, 0, false, 0xff, 2, r, false);
}

/* call [m] */
static inline void x64_call_m(struct codebuf *cb, struct x64_mem m)
{
	x64_form_rm(cb, 0, false, 0xff, 2, &m, false);
}

/* goto r */
static inline void x64_jmp_r(struct codebuf *cb, uint8_t r)
{
	x64_form_rr(cb, 0, false, 0xff, 4, r, false);
}

/* goto [m] */
static inline void x64_jmp_m(struct codebuf *cb, struct x64_mem m)
{
	x64_form_rm(cb, 0, false, 0xff, 4, &m, false);
}

/* return */
static inline void x64_ret(struct codebuf *cb)
{
	cb_put8(cb, 0xc3); /* ret */
}

/* push r */
static inline void x64_push_r(struct codebuf *cb, uint8_t r)
{
	if (bad_reg(r)) {
		x64_poison(cb);
		return;
	}
	add_rex(cb, false, 0, X64_NOREG, r, false);
	cb_put8(cb, (uint8_t)(0x50 + (r & 7)));
}

/* pop r */
static inline void x64_pop_r(struct codebuf *cb, uint8_t r)
{
	if (bad_reg(r)) {
		x64_poison(cb);
		return;
	}
	add_rex(cb, false, 0, X64_NOREG, r, false);
	cb_put8(cb, (uint8_t)(0x58 + (r & 7)));
}

/* breakpoint trap: the filler of unused code bytes */
static inline void x64_int3(struct codebuf *cb)
{
	cb_put8(cb, 0xcc); /* int3 */
}

/* copy rcx qwords from [rsi] to [rdi] */
static inline void x64_rep_movsq(struct codebuf *cb)
{
	cb_put8(cb, 0xf3); /* rep */
	cb_put8(cb, 0x48); /* REX.W */
	cb_put8(cb, 0xa5); /* movsq */
}

/* ---- SSE: reg is an xmm register unless the name says otherwise ---- */

/* dst = src (whole register; for float moves between xmm registers) */
static inline void x64_movaps_rr(struct codebuf *cb, uint8_t dst, uint8_t src)
{
	x64_form_rr(cb, 0, false, 0x0f28, dst, src, false);
}

/* dst = f32 [m] (upper lanes cleared) */
static inline void x64_movss_rm(struct codebuf *cb, uint8_t dst, struct x64_mem m)
{
	x64_form_rm(cb, 0xf3, false, 0x0f10, dst, &m, false);
}

/* f32 [m] = src */
static inline void x64_movss_mr(struct codebuf *cb, struct x64_mem m, uint8_t src)
{
	x64_form_rm(cb, 0xf3, false, 0x0f11, src, &m, false);
}

/* dst = f64 [m] (upper lane cleared) */
static inline void x64_movsd_rm(struct codebuf *cb, uint8_t dst, struct x64_mem m)
{
	x64_form_rm(cb, 0xf2, false, 0x0f10, dst, &m, false);
}

/* f64 [m] = src */
static inline void x64_movsd_mr(struct codebuf *cb, struct x64_mem m, uint8_t src)
{
	x64_form_rm(cb, 0xf2, false, 0x0f11, src, &m, false);
}

/* xmm = gpr bits (movd 32 / movq 64) */
static inline void x64_movq_xr(struct codebuf *cb, bool w, uint8_t xmm, uint8_t gpr)
{
	x64_form_rr(cb, 0x66, w, 0x0f6e, xmm, gpr, false);
}

/* gpr = xmm bits (movd 32 / movq 64) */
static inline void x64_movq_rx(struct codebuf *cb, bool w, uint8_t gpr, uint8_t xmm)
{
	x64_form_rr(cb, 0x66, w, 0x0f7e, xmm, gpr, false);
}

/* Scalar arithmetic opcodes (second byte after 0F). */
enum x64_sse { SSE_SQRT = 0x51, SSE_ADD = 0x58, SSE_MUL = 0x59, SSE_CVT_SD_SS = 0x5a,
	       SSE_SUB = 0x5c, SSE_MIN = 0x5d, SSE_DIV = 0x5e, SSE_MAX = 0x5f };

/* dst = dst OP src, scalar single (ss) or double (sd) */
static inline void x64_sse_rr(struct codebuf *cb, bool dbl, enum x64_sse op, uint8_t dst,
			      uint8_t src)
{
	x64_form_rr(cb, dbl ? 0xf2 : 0xf3, false, 0x0f00 | op, dst, src, false);
}

/* dst = dst OP [m], scalar */
static inline void x64_sse_rm(struct codebuf *cb, bool dbl, enum x64_sse op, uint8_t dst,
			      struct x64_mem m)
{
	x64_form_rm(cb, dbl ? 0xf2 : 0xf3, false, 0x0f00 | op, dst, &m, false);
}

/* dst += src (f32) */
static inline void x64_addss_rr(struct codebuf *cb, uint8_t dst, uint8_t src)
{
	x64_sse_rr(cb, false, SSE_ADD, dst, src);
}

/* dst += src (f64) */
static inline void x64_addsd_rr(struct codebuf *cb, uint8_t dst, uint8_t src)
{
	x64_sse_rr(cb, true, SSE_ADD, dst, src);
}

/* Packed bitwise opcodes (second byte after 0F). */
enum x64_logic { LOGIC_AND = 0x54, LOGIC_ANDN = 0x55, LOGIC_OR = 0x56, LOGIC_XOR = 0x57 };

/* dst = dst OP src, bitwise on the whole register (ps; pd with the 66 prefix) */
static inline void x64_logic_rr(struct codebuf *cb, bool dbl, enum x64_logic op, uint8_t dst,
				uint8_t src)
{
	x64_form_rr(cb, dbl ? 0x66 : 0, false, 0x0f00 | op, dst, src, false);
}

/* [m] = src, all 128 bits (movups: no alignment needed) */
static inline void x64_movups_mr(struct codebuf *cb, struct x64_mem m, uint8_t src)
{
	x64_form_rm(cb, 0, false, 0x0f11, src, &m, false);
}

/* dst ^= src (xorps; xorps r, r is the zero idiom) */
static inline void x64_xorps_rr(struct codebuf *cb, uint8_t dst, uint8_t src)
{
	x64_logic_rr(cb, false, LOGIC_XOR, dst, src);
}

/* flags = unordered compare a, b (single or double) */
static inline void x64_ucomis_rr(struct codebuf *cb, bool dbl, uint8_t a, uint8_t b)
{
	x64_form_rr(cb, dbl ? 0x66 : 0, false, 0x0f2e, a, b, false);
}

/* flags = unordered compare a, [m] */
static inline void x64_ucomis_rm(struct codebuf *cb, bool dbl, uint8_t a, struct x64_mem m)
{
	x64_form_rm(cb, dbl ? 0x66 : 0, false, 0x0f2e, a, &m, false);
}

/* xmm = (float|double) signed gpr (32 or 64 bits) */
static inline void x64_cvtsi2s_rr(struct codebuf *cb, bool dbl, bool w, uint8_t xmm, uint8_t gpr)
{
	x64_form_rr(cb, dbl ? 0xf2 : 0xf3, w, 0x0f2a, xmm, gpr, false);
}

/* gpr = truncated signed int (32 or 64 bits) of xmm (single or double) */
static inline void x64_cvtts2si_rr(struct codebuf *cb, bool dbl, bool w, uint8_t gpr, uint8_t xmm)
{
	x64_form_rr(cb, dbl ? 0xf2 : 0xf3, w, 0x0f2c, gpr, xmm, false);
}

/* dst = (double) src (cvtss2sd) or (float) src (cvtsd2ss) */
static inline void x64_cvts2s_rr(struct codebuf *cb, bool from_dbl, uint8_t dst, uint8_t src)
{
	x64_sse_rr(cb, from_dbl, SSE_CVT_SD_SS, dst, src);
}

/* dst = round(src, mode): 8 | (0 nearest, 1 floor, 2 ceil, 3 trunc); SSE4.1 */
static inline void x64_rounds_rr(struct codebuf *cb, bool dbl, uint8_t dst, uint8_t src,
				 uint8_t mode)
{
	x64_form_rr(cb, 0x66, false, dbl ? 0x0f3a0b : 0x0f3a0a, dst, src, false);
	cb_put8(cb, mode);
}

#endif
