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

/* x64_movaps_rr (dst = src, whole register) is generated by the packed-operation table
 * below. */

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

/* dst = src1 OP src2, scalar, VEX three-operand form (AVX): the NaN of src1 when both are
 * NaNs, with no register moves whichever register dst is. */
static inline void x64_vsse_rrr(struct codebuf *cb, bool dbl, enum x64_sse op, uint8_t dst,
				uint8_t src1, uint8_t src2);

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

/* x64_xorps_rr (dst ^= src; xorps r, r is the zero idiom) is generated by the
 * packed-operation table below. */

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

/* ==== SIMD: packed SSE2 .. SSE4.2 and their VEX.128 (AVX/AVX2) forms ====
 *
 * Legacy SSE forms are destructive (dst = dst OP src); the VEX forms take a separate first
 * source (dst = src1 OP src2), which saves the copy a two-operand machine needs when the left
 * operand stays live.  Only VEX.128 is used: it zeroes bits 128-255, so no SSE/AVX transition
 * penalty can arise from JIT code mixing both forms.  A legacy SSE memory operand of a packed
 * arithmetic instruction must be 16-byte aligned (movdqu/movups and the pmov/movq/movd/pinsr
 * forms excepted); VEX memory operands need no alignment.
 */

/* VEX.pp: the mandatory prefix the legacy form would have. */
static inline uint8_t vex_pp(uint8_t pfx)
{
	return pfx == 0x66 ? 1 : pfx == 0xf3 ? 2 : pfx == 0xf2 ? 3 : 0;
}

/* VEX prefix for opcode map `map` (0x0f, 0x0f38, 0x0f3a).  vvvv is the extra source register
 * (0 when the instruction has none: the field is stored inverted, so 0 encodes as 1111).  The
 * two-byte form (C5) when no X/B extension, no W and map 0F; else three bytes (C4). */
static inline void add_vex(struct codebuf *cb, uint8_t pfx, uint32_t map, bool w, uint8_t reg,
			   uint8_t index, uint8_t base, uint8_t vvvv)
{
	uint8_t r = (reg & 8) ? 0 : 0x80;
	uint8_t x = index != X64_NOREG && (index & 8) ? 0 : 0x40;
	uint8_t b = base != X64_NOREG && (base & 8) ? 0 : 0x20;
	uint8_t mmmmm = map == 0x0f ? 1 : map == 0x0f38 ? 2 : 3;
	uint8_t tail = (uint8_t)(((~vvvv & 15) << 3) | vex_pp(pfx)); /* L = 0: 128 bits */

	if (x && b && !w && mmmmm == 1) {
		cb_put8(cb, 0xc5);
		cb_put8(cb, r | tail);
	} else {
		cb_put8(cb, 0xc4);
		cb_put8(cb, r | x | b | mmmmm);
		cb_put8(cb, (w ? 0x80 : 0) | tail);
	}
}

/* VEX.128 op /r with a register rm; vvvv as in add_vex. */
static inline void x64_form_vex_rr(struct codebuf *cb, uint8_t pfx, uint32_t map, bool w,
				   uint8_t op, uint8_t reg, uint8_t vvvv, uint8_t rm)
{
	if (bad_reg(reg) || bad_reg(vvvv) || bad_reg(rm)) {
		x64_poison(cb);
		return;
	}
	add_vex(cb, pfx, map, w, reg, X64_NOREG, rm, vvvv);
	cb_put8(cb, op);
	add_modrm(cb, 3, reg, rm);
}

static inline void x64_vsse_rrr(struct codebuf *cb, bool dbl, enum x64_sse op, uint8_t dst,
				uint8_t src1, uint8_t src2)
{
	x64_form_vex_rr(cb, dbl ? 0xf2 : 0xf3, 0x0f, false, op, dst, src1, src2);
}

/* VEX.128 op /r with a memory rm. */
static inline void x64_form_vex_rm(struct codebuf *cb, uint8_t pfx, uint32_t map, bool w,
				   uint8_t op, uint8_t reg, uint8_t vvvv, const struct x64_mem *m)
{
	if (bad_reg(reg) || bad_reg(vvvv) || bad_mem(m)) {
		x64_poison(cb);
		return;
	}
	add_vex(cb, pfx, map, w, reg, m->rip ? X64_NOREG : m->index,
		m->rip ? X64_NOREG : m->base, vvvv);
	cb_put8(cb, op);
	add_mem(cb, reg, m);
}

/* The legacy opcode of (map, op) for add_op: 0x0f, 0xfe -> 0x0ffe. */
#define X64_LEGACY_OP(map, op) (((uint32_t)(map) << 8) | (op))

/*
 * Binary packed operations: mnemonic, mandatory prefix, opcode map, opcode.  Each row
 * defines x64_MN_rr (dst = dst OP src), x64_MN_rm (src in memory), x64_vMN_rrr
 * (dst = src1 OP src2) and x64_vMN_rrm.  The ISA that introduced the legacy form is in the
 * comments; every VEX form needs AVX.
 */
#define X64_PACKED_BINARY(P)							\
	/* SSE2 integer */							\
	P(paddb, 0x66, 0x0f, 0xfc) P(paddw, 0x66, 0x0f, 0xfd)			\
	P(paddd, 0x66, 0x0f, 0xfe) P(paddq, 0x66, 0x0f, 0xd4)			\
	P(psubb, 0x66, 0x0f, 0xf8) P(psubw, 0x66, 0x0f, 0xf9)			\
	P(psubd, 0x66, 0x0f, 0xfa) P(psubq, 0x66, 0x0f, 0xfb)			\
	P(paddsb, 0x66, 0x0f, 0xec) P(paddsw, 0x66, 0x0f, 0xed)			\
	P(paddusb, 0x66, 0x0f, 0xdc) P(paddusw, 0x66, 0x0f, 0xdd)		\
	P(psubsb, 0x66, 0x0f, 0xe8) P(psubsw, 0x66, 0x0f, 0xe9)			\
	P(psubusb, 0x66, 0x0f, 0xd8) P(psubusw, 0x66, 0x0f, 0xd9)		\
	P(pmullw, 0x66, 0x0f, 0xd5) P(pmulhw, 0x66, 0x0f, 0xe5)			\
	P(pmulhuw, 0x66, 0x0f, 0xe4) P(pmuludq, 0x66, 0x0f, 0xf4)		\
	P(pmaddwd, 0x66, 0x0f, 0xf5) P(psadbw, 0x66, 0x0f, 0xf6)			\
	P(pminub, 0x66, 0x0f, 0xda) P(pmaxub, 0x66, 0x0f, 0xde)			\
	P(pminsw, 0x66, 0x0f, 0xea) P(pmaxsw, 0x66, 0x0f, 0xee)			\
	P(pavgb, 0x66, 0x0f, 0xe0) P(pavgw, 0x66, 0x0f, 0xe3)			\
	P(pand, 0x66, 0x0f, 0xdb) P(pandn, 0x66, 0x0f, 0xdf)			\
	P(por, 0x66, 0x0f, 0xeb) P(pxor, 0x66, 0x0f, 0xef)			\
	P(pcmpeqb, 0x66, 0x0f, 0x74) P(pcmpeqw, 0x66, 0x0f, 0x75)		\
	P(pcmpeqd, 0x66, 0x0f, 0x76) P(pcmpgtb, 0x66, 0x0f, 0x64)		\
	P(pcmpgtw, 0x66, 0x0f, 0x65) P(pcmpgtd, 0x66, 0x0f, 0x66)		\
	P(packsswb, 0x66, 0x0f, 0x63) P(packuswb, 0x66, 0x0f, 0x67)		\
	P(packssdw, 0x66, 0x0f, 0x6b)						\
	P(punpcklbw, 0x66, 0x0f, 0x60) P(punpcklwd, 0x66, 0x0f, 0x61)		\
	P(punpckldq, 0x66, 0x0f, 0x62) P(punpcklqdq, 0x66, 0x0f, 0x6c)		\
	P(punpckhbw, 0x66, 0x0f, 0x68) P(punpckhwd, 0x66, 0x0f, 0x69)		\
	P(punpckhdq, 0x66, 0x0f, 0x6a) P(punpckhqdq, 0x66, 0x0f, 0x6d)		\
	/* SSE2 shifts by the count in the low 64 bits of src */		\
	P(psllw, 0x66, 0x0f, 0xf1) P(pslld, 0x66, 0x0f, 0xf2)			\
	P(psllq, 0x66, 0x0f, 0xf3) P(psrlw, 0x66, 0x0f, 0xd1)			\
	P(psrld, 0x66, 0x0f, 0xd2) P(psrlq, 0x66, 0x0f, 0xd3)			\
	P(psraw, 0x66, 0x0f, 0xe1) P(psrad, 0x66, 0x0f, 0xe2)			\
	/* SSE/SSE2 floating point (ps: 4 x f32, pd: 2 x f64) */		\
	P(addps, 0, 0x0f, 0x58) P(addpd, 0x66, 0x0f, 0x58)			\
	P(subps, 0, 0x0f, 0x5c) P(subpd, 0x66, 0x0f, 0x5c)			\
	P(mulps, 0, 0x0f, 0x59) P(mulpd, 0x66, 0x0f, 0x59)			\
	P(divps, 0, 0x0f, 0x5e) P(divpd, 0x66, 0x0f, 0x5e)			\
	P(minps, 0, 0x0f, 0x5d) P(minpd, 0x66, 0x0f, 0x5d)			\
	P(maxps, 0, 0x0f, 0x5f) P(maxpd, 0x66, 0x0f, 0x5f)			\
	P(andps, 0, 0x0f, 0x54) P(andpd, 0x66, 0x0f, 0x54)			\
	P(andnps, 0, 0x0f, 0x55) P(andnpd, 0x66, 0x0f, 0x55)			\
	P(orps, 0, 0x0f, 0x56) P(orpd, 0x66, 0x0f, 0x56)			\
	P(xorps, 0, 0x0f, 0x57) P(xorpd, 0x66, 0x0f, 0x57)			\
	P(unpcklps, 0, 0x0f, 0x14) P(unpckhps, 0, 0x0f, 0x15)			\
	P(unpcklpd, 0x66, 0x0f, 0x14) P(unpckhpd, 0x66, 0x0f, 0x15)		\
	/* SSSE3 */								\
	P(pshufb, 0x66, 0x0f38, 0x00) P(phaddw, 0x66, 0x0f38, 0x01)		\
	P(phaddd, 0x66, 0x0f38, 0x02) P(pmaddubsw, 0x66, 0x0f38, 0x04)		\
	P(pmulhrsw, 0x66, 0x0f38, 0x0b)						\
	/* SSE4.1 */								\
	P(pmuldq, 0x66, 0x0f38, 0x28) P(pcmpeqq, 0x66, 0x0f38, 0x29)		\
	P(packusdw, 0x66, 0x0f38, 0x2b) P(pminsb, 0x66, 0x0f38, 0x38)		\
	P(pminsd, 0x66, 0x0f38, 0x39) P(pminuw, 0x66, 0x0f38, 0x3a)		\
	P(pminud, 0x66, 0x0f38, 0x3b) P(pmaxsb, 0x66, 0x0f38, 0x3c)		\
	P(pmaxsd, 0x66, 0x0f38, 0x3d) P(pmaxuw, 0x66, 0x0f38, 0x3e)		\
	P(pmaxud, 0x66, 0x0f38, 0x3f) P(pmulld, 0x66, 0x0f38, 0x40)		\
	/* SSE4.2 */								\
	P(pcmpgtq, 0x66, 0x0f38, 0x37)

#define X64_DEF_BINARY(mn, pfx, map, op)						\
static inline void x64_##mn##_rr(struct codebuf *cb, uint8_t dst, uint8_t src)		\
{											\
	x64_form_rr(cb, pfx, false, X64_LEGACY_OP(map, op), dst, src, false);		\
}											\
static inline void x64_##mn##_rm(struct codebuf *cb, uint8_t dst, struct x64_mem m)	\
{											\
	x64_form_rm(cb, pfx, false, X64_LEGACY_OP(map, op), dst, &m, false);		\
}											\
static inline void x64_v##mn##_rrr(struct codebuf *cb, uint8_t dst, uint8_t src1,	\
				   uint8_t src2)					\
{											\
	x64_form_vex_rr(cb, pfx, map, false, op, dst, src1, src2);			\
}											\
static inline void x64_v##mn##_rrm(struct codebuf *cb, uint8_t dst, uint8_t src1,	\
				   struct x64_mem m)					\
{											\
	x64_form_vex_rm(cb, pfx, map, false, op, dst, src1, &m);			\
}
X64_PACKED_BINARY(X64_DEF_BINARY)
#undef X64_DEF_BINARY

/*
 * Unary packed operations and whole-register moves/loads (dst = f(src)): x64_MN_rr,
 * x64_MN_rm, x64_vMN_rr, x64_vMN_rm.  ptest only sets flags (ZF: a AND b == 0, CF:
 * b AND NOT a == 0).
 */
#define X64_PACKED_UNARY(P)							\
	/* moves and loads (movdqu/movups: any alignment) */			\
	P(movdqa, 0x66, 0x0f, 0x6f) P(movdqu, 0xf3, 0x0f, 0x6f)			\
	P(movaps, 0, 0x0f, 0x28) P(movups, 0, 0x0f, 0x10)			\
	P(movddup, 0xf2, 0x0f, 0x12) /* SSE3: both f64 lanes = the low one */	\
	/* SSE/SSE2 floating point and conversions */				\
	P(sqrtps, 0, 0x0f, 0x51) P(sqrtpd, 0x66, 0x0f, 0x51)			\
	P(cvtdq2ps, 0, 0x0f, 0x5b) P(cvttps2dq, 0xf3, 0x0f, 0x5b)		\
	P(cvtdq2pd, 0xf3, 0x0f, 0xe6) P(cvttpd2dq, 0x66, 0x0f, 0xe6)		\
	P(cvtps2pd, 0, 0x0f, 0x5a) P(cvtpd2ps, 0x66, 0x0f, 0x5a)			\
	/* SSSE3 */								\
	P(pabsb, 0x66, 0x0f38, 0x1c) P(pabsw, 0x66, 0x0f38, 0x1d)		\
	P(pabsd, 0x66, 0x0f38, 0x1e)						\
	/* SSE4.1: sign/zero extension of the low half (or a 64-bit load) */	\
	P(pmovsxbw, 0x66, 0x0f38, 0x20) P(pmovsxwd, 0x66, 0x0f38, 0x23)		\
	P(pmovsxdq, 0x66, 0x0f38, 0x25) P(pmovzxbw, 0x66, 0x0f38, 0x30)		\
	P(pmovzxbd, 0x66, 0x0f38, 0x31) P(pmovzxbq, 0x66, 0x0f38, 0x32)		\
	P(pmovzxwd, 0x66, 0x0f38, 0x33) P(pmovzxwq, 0x66, 0x0f38, 0x34)		\
	P(pmovzxdq, 0x66, 0x0f38, 0x35)						\
	P(ptest, 0x66, 0x0f38, 0x17)

#define X64_DEF_UNARY(mn, pfx, map, op)							\
static inline void x64_##mn##_rr(struct codebuf *cb, uint8_t dst, uint8_t src)		\
{											\
	x64_form_rr(cb, pfx, false, X64_LEGACY_OP(map, op), dst, src, false);		\
}											\
static inline void x64_##mn##_rm(struct codebuf *cb, uint8_t dst, struct x64_mem m)	\
{											\
	x64_form_rm(cb, pfx, false, X64_LEGACY_OP(map, op), dst, &m, false);		\
}											\
static inline void x64_v##mn##_rr(struct codebuf *cb, uint8_t dst, uint8_t src)	\
{											\
	x64_form_vex_rr(cb, pfx, map, false, op, dst, 0, src);				\
}											\
static inline void x64_v##mn##_rm(struct codebuf *cb, uint8_t dst, struct x64_mem m)	\
{											\
	x64_form_vex_rm(cb, pfx, map, false, op, dst, 0, &m);				\
}
X64_PACKED_UNARY(X64_DEF_UNARY)
#undef X64_DEF_UNARY

/*
 * Binary packed operations with an immediate: x64_MN_rri (dst = dst OP src, imm) and
 * x64_vMN_rrri (dst = src1 OP src2, imm).  cmpps/cmppd: imm is the predicate (0 eq, 1 lt,
 * 2 le, 3 unord, 4 neq, 5 nlt, 6 nle, 7 ord).
 */
#define X64_PACKED_BINARY_IMM(P)						\
	P(shufps, 0, 0x0f, 0xc6) P(shufpd, 0x66, 0x0f, 0xc6)			\
	P(cmpps, 0, 0x0f, 0xc2) P(cmppd, 0x66, 0x0f, 0xc2)			\
	P(palignr, 0x66, 0x0f3a, 0x0f) /* SSSE3 */				\
	P(pblendw, 0x66, 0x0f3a, 0x0e) P(blendps, 0x66, 0x0f3a, 0x0c)		\
	P(blendpd, 0x66, 0x0f3a, 0x0d) P(insertps, 0x66, 0x0f3a, 0x21) /* SSE4.1 */

#define X64_DEF_BINARY_IMM(mn, pfx, map, op)						\
static inline void x64_##mn##_rri(struct codebuf *cb, uint8_t dst, uint8_t src,		\
				  uint8_t imm)						\
{											\
	x64_form_rr(cb, pfx, false, X64_LEGACY_OP(map, op), dst, src, false);		\
	cb_put8(cb, imm);								\
}											\
static inline void x64_v##mn##_rrri(struct codebuf *cb, uint8_t dst, uint8_t src1,	\
				    uint8_t src2, uint8_t imm)				\
{											\
	x64_form_vex_rr(cb, pfx, map, false, op, dst, src1, src2);			\
	cb_put8(cb, imm);								\
}
X64_PACKED_BINARY_IMM(X64_DEF_BINARY_IMM)
#undef X64_DEF_BINARY_IMM

/*
 * Unary packed operations with an immediate: x64_MN_rri (dst = f(src, imm)) and x64_vMN_rri.
 * pshufd/pshuflw/pshufhw: imm holds four 2-bit lane selectors; roundps/pd: imm is
 * 8 | (0 nearest, 1 floor, 2 ceil, 3 trunc), 8 suppressing the inexact exception.
 */
#define X64_PACKED_UNARY_IMM(P)							\
	P(pshufd, 0x66, 0x0f, 0x70) P(pshuflw, 0xf2, 0x0f, 0x70)		\
	P(pshufhw, 0xf3, 0x0f, 0x70)						\
	P(roundps, 0x66, 0x0f3a, 0x08) P(roundpd, 0x66, 0x0f3a, 0x09) /* SSE4.1 */

#define X64_DEF_UNARY_IMM(mn, pfx, map, op)						\
static inline void x64_##mn##_rri(struct codebuf *cb, uint8_t dst, uint8_t src,		\
				  uint8_t imm)						\
{											\
	x64_form_rr(cb, pfx, false, X64_LEGACY_OP(map, op), dst, src, false);		\
	cb_put8(cb, imm);								\
}											\
static inline void x64_v##mn##_rri(struct codebuf *cb, uint8_t dst, uint8_t src,	\
				   uint8_t imm)						\
{											\
	x64_form_vex_rr(cb, pfx, map, false, op, dst, 0, src);				\
	cb_put8(cb, imm);								\
}
X64_PACKED_UNARY_IMM(X64_DEF_UNARY_IMM)
#undef X64_DEF_UNARY_IMM

/*
 * Shifts by an immediate (66 0F 71/72/73 with the operation in ModRM.reg): x64_MN_ri
 * (r = r SHIFT imm) and x64_vMN_rri (dst = src SHIFT imm; VEX puts dst in vvvv).
 * pslldq/psrldq shift the whole register by imm bytes.
 */
#define X64_PACKED_SHIFT_IMM(P)							\
	P(psrlw, 0x71, 2) P(psraw, 0x71, 4) P(psllw, 0x71, 6)			\
	P(psrld, 0x72, 2) P(psrad, 0x72, 4) P(pslld, 0x72, 6)			\
	P(psrlq, 0x73, 2) P(psrldq, 0x73, 3) P(psllq, 0x73, 6) P(pslldq, 0x73, 7)

#define X64_DEF_SHIFT_IMM(mn, op, digit)						\
static inline void x64_##mn##_ri(struct codebuf *cb, uint8_t r, uint8_t imm)		\
{											\
	x64_form_rr(cb, 0x66, false, X64_LEGACY_OP(0x0f, op), digit, r, false);		\
	cb_put8(cb, imm);								\
}											\
static inline void x64_v##mn##_rri(struct codebuf *cb, uint8_t dst, uint8_t src,	\
				   uint8_t imm)						\
{											\
	x64_form_vex_rr(cb, 0x66, 0x0f, false, op, digit, dst, src);			\
	cb_put8(cb, imm);								\
}
X64_PACKED_SHIFT_IMM(X64_DEF_SHIFT_IMM)
#undef X64_DEF_SHIFT_IMM

/* ---- variable blends: each byte/lane from src where the mask's top bit is set ---- */

/* dst = mask(xmm0) ? src : dst, per byte (SSE4.1; the mask is implicitly xmm0) */
static inline void x64_pblendvb_rr(struct codebuf *cb, uint8_t dst, uint8_t src)
{
	x64_form_rr(cb, 0x66, false, 0x0f3810, dst, src, false);
}

/* dst = mask(xmm0) ? src : dst, per f32 lane (SSE4.1) */
static inline void x64_blendvps_rr(struct codebuf *cb, uint8_t dst, uint8_t src)
{
	x64_form_rr(cb, 0x66, false, 0x0f3814, dst, src, false);
}

/* dst = mask(xmm0) ? src : dst, per f64 lane (SSE4.1) */
static inline void x64_blendvpd_rr(struct codebuf *cb, uint8_t dst, uint8_t src)
{
	x64_form_rr(cb, 0x66, false, 0x0f3815, dst, src, false);
}

/* VEX four-operand blend: dst = mask ? src2 : src1 (the mask register in imm8[7:4]). */
static inline void x64_form_vex_blendv(struct codebuf *cb, uint8_t op, uint8_t dst, uint8_t src1,
				       uint8_t src2, uint8_t mask)
{
	if (bad_reg(mask)) {
		x64_poison(cb);
		return;
	}
	x64_form_vex_rr(cb, 0x66, 0x0f3a, false, op, dst, src1, src2);
	cb_put8(cb, (uint8_t)(mask << 4));
}

/* dst = mask ? src2 : src1, per byte (AVX) */
static inline void x64_vpblendvb_rrrr(struct codebuf *cb, uint8_t dst, uint8_t src1, uint8_t src2,
				      uint8_t mask)
{
	x64_form_vex_blendv(cb, 0x4c, dst, src1, src2, mask);
}

/* dst = mask ? src2 : src1, per f32 lane (AVX) */
static inline void x64_vblendvps_rrrr(struct codebuf *cb, uint8_t dst, uint8_t src1, uint8_t src2,
				      uint8_t mask)
{
	x64_form_vex_blendv(cb, 0x4a, dst, src1, src2, mask);
}

/* dst = mask ? src2 : src1, per f64 lane (AVX) */
static inline void x64_vblendvpd_rrrr(struct codebuf *cb, uint8_t dst, uint8_t src1, uint8_t src2,
				      uint8_t mask)
{
	x64_form_vex_blendv(cb, 0x4b, dst, src1, src2, mask);
}

/* ---- broadcasts (AVX2 for register sources; AVX for vbroadcastss from memory) ---- */

/* dst = every byte lane = the low byte of src */
static inline void x64_vpbroadcastb_rr(struct codebuf *cb, uint8_t dst, uint8_t src)
{
	x64_form_vex_rr(cb, 0x66, 0x0f38, false, 0x78, dst, 0, src);
}

/* dst = every 16-bit lane = the low lane of src */
static inline void x64_vpbroadcastw_rr(struct codebuf *cb, uint8_t dst, uint8_t src)
{
	x64_form_vex_rr(cb, 0x66, 0x0f38, false, 0x79, dst, 0, src);
}

/* dst = every 32-bit lane = the low lane of src */
static inline void x64_vpbroadcastd_rr(struct codebuf *cb, uint8_t dst, uint8_t src)
{
	x64_form_vex_rr(cb, 0x66, 0x0f38, false, 0x58, dst, 0, src);
}

/* dst = every 64-bit lane = the low lane of src */
static inline void x64_vpbroadcastq_rr(struct codebuf *cb, uint8_t dst, uint8_t src)
{
	x64_form_vex_rr(cb, 0x66, 0x0f38, false, 0x59, dst, 0, src);
}

/* dst = every byte lane = byte [m] */
static inline void x64_vpbroadcastb_rm(struct codebuf *cb, uint8_t dst, struct x64_mem m)
{
	x64_form_vex_rm(cb, 0x66, 0x0f38, false, 0x78, dst, 0, &m);
}

/* dst = every 16-bit lane = word [m] */
static inline void x64_vpbroadcastw_rm(struct codebuf *cb, uint8_t dst, struct x64_mem m)
{
	x64_form_vex_rm(cb, 0x66, 0x0f38, false, 0x79, dst, 0, &m);
}

/* dst = every 32-bit lane = dword [m] (AVX: vbroadcastss is the same for a load) */
static inline void x64_vbroadcastss_rm(struct codebuf *cb, uint8_t dst, struct x64_mem m)
{
	x64_form_vex_rm(cb, 0x66, 0x0f38, false, 0x18, dst, 0, &m);
}

/* ---- whole-register stores, partial loads and stores ---- */

/* [m] = src, 128 bits, any alignment */
static inline void x64_movdqu_mr(struct codebuf *cb, struct x64_mem m, uint8_t src)
{
	x64_form_rm(cb, 0xf3, false, 0x0f7f, src, &m, false);
}

/* [m] = src, 128 bits, m 16-byte aligned */
static inline void x64_movdqa_mr(struct codebuf *cb, struct x64_mem m, uint8_t src)
{
	x64_form_rm(cb, 0x66, false, 0x0f7f, src, &m, false);
}

/* dst = 64 bits at [m], upper half zeroed */
static inline void x64_movq_rm(struct codebuf *cb, uint8_t dst, struct x64_mem m)
{
	x64_form_rm(cb, 0xf3, false, 0x0f7e, dst, &m, false);
}

/* [m] = low 64 bits of src */
static inline void x64_movq_mr(struct codebuf *cb, struct x64_mem m, uint8_t src)
{
	x64_form_rm(cb, 0x66, false, 0x0fd6, src, &m, false);
}

/* dst = low 64 bits of src, upper half zeroed */
static inline void x64_movq_rr(struct codebuf *cb, uint8_t dst, uint8_t src)
{
	x64_form_rr(cb, 0xf3, false, 0x0f7e, dst, src, false);
}

/* dst = 32 bits at [m], upper 96 bits zeroed */
static inline void x64_movd_rm(struct codebuf *cb, uint8_t dst, struct x64_mem m)
{
	x64_form_rm(cb, 0x66, false, 0x0f6e, dst, &m, false);
}

/* [m] = low 32 bits of src */
static inline void x64_movd_mr(struct codebuf *cb, struct x64_mem m, uint8_t src)
{
	x64_form_rm(cb, 0x66, false, 0x0f7e, src, &m, false);
}

/* ---- lanes between xmm and general registers or memory (SSE4.1 unless noted) ---- */

/* gpr = zero-extended byte lane imm of xmm */
static inline void x64_pextrb_rxi(struct codebuf *cb, uint8_t gpr, uint8_t xmm, uint8_t imm)
{
	x64_form_rr(cb, 0x66, false, 0x0f3a14, xmm, gpr, false);
	cb_put8(cb, imm);
}

/* gpr = zero-extended 16-bit lane imm of xmm (SSE2) */
static inline void x64_pextrw_rxi(struct codebuf *cb, uint8_t gpr, uint8_t xmm, uint8_t imm)
{
	x64_form_rr(cb, 0x66, false, 0x0fc5, gpr, xmm, false);
	cb_put8(cb, imm);
}

/* gpr = 32-bit lane imm of xmm (pextrd) or 64-bit lane (pextrq, w) */
static inline void x64_pextrd_rxi(struct codebuf *cb, bool w, uint8_t gpr, uint8_t xmm,
				  uint8_t imm)
{
	x64_form_rr(cb, 0x66, w, 0x0f3a16, xmm, gpr, false);
	cb_put8(cb, imm);
}

/* byte [m] = byte lane imm of xmm */
static inline void x64_pextrb_mxi(struct codebuf *cb, struct x64_mem m, uint8_t xmm, uint8_t imm)
{
	x64_form_rm(cb, 0x66, false, 0x0f3a14, xmm, &m, false);
	cb_put8(cb, imm);
}

/* word [m] = 16-bit lane imm of xmm */
static inline void x64_pextrw_mxi(struct codebuf *cb, struct x64_mem m, uint8_t xmm, uint8_t imm)
{
	x64_form_rm(cb, 0x66, false, 0x0f3a15, xmm, &m, false);
	cb_put8(cb, imm);
}

/* [m] = 32-bit lane imm of xmm (pextrd) or 64-bit lane (pextrq, w) */
static inline void x64_pextrd_mxi(struct codebuf *cb, bool w, struct x64_mem m, uint8_t xmm,
				  uint8_t imm)
{
	x64_form_rm(cb, 0x66, w, 0x0f3a16, xmm, &m, false);
	cb_put8(cb, imm);
}

/* byte lane imm of xmm = low byte of gpr */
static inline void x64_pinsrb_xri(struct codebuf *cb, uint8_t xmm, uint8_t gpr, uint8_t imm)
{
	x64_form_rr(cb, 0x66, false, 0x0f3a20, xmm, gpr, false);
	cb_put8(cb, imm);
}

/* 16-bit lane imm of xmm = low 16 bits of gpr (SSE2) */
static inline void x64_pinsrw_xri(struct codebuf *cb, uint8_t xmm, uint8_t gpr, uint8_t imm)
{
	x64_form_rr(cb, 0x66, false, 0x0fc4, xmm, gpr, false);
	cb_put8(cb, imm);
}

/* 32-bit lane imm of xmm = gpr (pinsrd), or 64-bit lane (pinsrq, w) */
static inline void x64_pinsrd_xri(struct codebuf *cb, bool w, uint8_t xmm, uint8_t gpr,
				  uint8_t imm)
{
	x64_form_rr(cb, 0x66, w, 0x0f3a22, xmm, gpr, false);
	cb_put8(cb, imm);
}

/* byte lane imm of xmm = byte [m] */
static inline void x64_pinsrb_xmi(struct codebuf *cb, uint8_t xmm, struct x64_mem m, uint8_t imm)
{
	x64_form_rm(cb, 0x66, false, 0x0f3a20, xmm, &m, false);
	cb_put8(cb, imm);
}

/* 16-bit lane imm of xmm = word [m] (SSE2) */
static inline void x64_pinsrw_xmi(struct codebuf *cb, uint8_t xmm, struct x64_mem m, uint8_t imm)
{
	x64_form_rm(cb, 0x66, false, 0x0fc4, xmm, &m, false);
	cb_put8(cb, imm);
}

/* 32-bit (pinsrd) or 64-bit (pinsrq, w) lane imm of xmm = [m] */
static inline void x64_pinsrd_xmi(struct codebuf *cb, bool w, uint8_t xmm, struct x64_mem m,
				  uint8_t imm)
{
	x64_form_rm(cb, 0x66, w, 0x0f3a22, xmm, &m, false);
	cb_put8(cb, imm);
}

/* dst = src1 with byte lane imm = low byte of gpr (AVX) */
static inline void x64_vpinsrb_xxri(struct codebuf *cb, uint8_t dst, uint8_t src1, uint8_t gpr,
				    uint8_t imm)
{
	x64_form_vex_rr(cb, 0x66, 0x0f3a, false, 0x20, dst, src1, gpr);
	cb_put8(cb, imm);
}

/* dst = src1 with 16-bit lane imm = low 16 bits of gpr (AVX) */
static inline void x64_vpinsrw_xxri(struct codebuf *cb, uint8_t dst, uint8_t src1, uint8_t gpr,
				    uint8_t imm)
{
	x64_form_vex_rr(cb, 0x66, 0x0f, false, 0xc4, dst, src1, gpr);
	cb_put8(cb, imm);
}

/* dst = src1 with 32-bit (w: 64-bit) lane imm = gpr (AVX) */
static inline void x64_vpinsrd_xxri(struct codebuf *cb, bool w, uint8_t dst, uint8_t src1,
				    uint8_t gpr, uint8_t imm)
{
	x64_form_vex_rr(cb, 0x66, 0x0f3a, w, 0x22, dst, src1, gpr);
	cb_put8(cb, imm);
}

/* gpr = the top bits of the 16 bytes of xmm (SSE2) */
static inline void x64_pmovmskb_rx(struct codebuf *cb, uint8_t gpr, uint8_t xmm)
{
	x64_form_rr(cb, 0x66, false, 0x0fd7, gpr, xmm, false);
}

/* gpr = the sign bits of the four f32 lanes (movmskps) or two f64 lanes (movmskpd, dbl) */
static inline void x64_movmskp_rx(struct codebuf *cb, bool dbl, uint8_t gpr, uint8_t xmm)
{
	x64_form_rr(cb, dbl ? 0x66 : 0, false, 0x0f50, gpr, xmm, false);
}

#endif
