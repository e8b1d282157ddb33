/* jit/arm64/emit.h - AArch64 (A64) instruction encoders for the baseline JIT.
 *
 * Every encoder is a static inline function that returns one 32-bit instruction word; it
 * decides nothing and writes nothing.  Encoders come in layers, as in the kernel's
 * arch/arm64/net/bpf_jit.h: a family (a64_addsub_imm) -> a concrete instruction
 * (a64_add_imm) -> an alias (a64_cmp_imm, a64_mov_sp).  An operand that does not fit its
 * field gives A64_POISON (brk #0xbad) instead of a wrong instruction; a64_validate_code()
 * finds it after the emit pass.  The *_seq builders at the end write up to A64_SEQ_MAX words
 * into an array and return the count: they pick the shortest form for an operand (the
 * fallback for immediates and offsets that do not fit one instruction), using a scratch
 * register the caller names.
 *
 * Conventions: registers are 0..31; 31 is SP or XZR/WZR as the instruction defines it (the
 * comments say which).  `sf` selects 64-bit (X) over 32-bit (W) operation; `dbl` selects
 * double (D) over single (S) precision.  Branch offsets are in bytes, relative to the
 * branch instruction itself.
 */
#ifndef CHIBI_JIT_ARM64_EMIT_H
#define CHIBI_JIT_ARM64_EMIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The poison word: brk #0xbad.  The JIT never emits this immediate on purpose. */
#define A64_POISON	0xd42175a0u
/* Most words any *_seq builder writes. */
#define A64_SEQ_MAX	16

/* Register numbers with a fixed role in the AAPCS64 or in the encoding. */
#define A64_IP0		16	/* intra-procedure scratch (linker veneers may clobber) */
#define A64_IP1		17
#define A64_PR		18	/* platform register: never touch */
#define A64_FP		29	/* frame pointer */
#define A64_LR		30	/* link register */
#define A64_SP		31	/* stack pointer, where the encoding reads 31 as SP */
#define A64_ZR		31	/* zero register, where the encoding reads 31 as XZR/WZR */

/* Condition codes (after cmp a, b; unsigned: HS/LO/HI/LS; signed: GE/LT/GT/LE). */
enum a64_cond {
	A64_EQ = 0,	/* equal */
	A64_NE = 1,	/* not equal */
	A64_HS = 2,	/* unsigned >= (carry set) */
	A64_LO = 3,	/* unsigned < (carry clear) */
	A64_MI = 4,	/* negative */
	A64_PL = 5,	/* positive or zero */
	A64_VS = 6,	/* overflow; after fcmp: unordered (a NaN) */
	A64_VC = 7,	/* no overflow; after fcmp: ordered */
	A64_HI = 8,	/* unsigned > */
	A64_LS = 9,	/* unsigned <= */
	A64_GE = 10,	/* signed >= */
	A64_LT = 11,	/* signed <;  after fcmp: less than or unordered */
	A64_GT = 12,	/* signed > */
	A64_LE = 13,	/* signed <=; after fcmp: less, equal or unordered */
	A64_AL = 14,	/* always */
	A64_NV = 15,	/* always (reserved encoding) */
};

/* The opposite condition (not for AL/NV). */
static inline enum a64_cond a64_invert_cond(enum a64_cond c)
{
	return (enum a64_cond)(c ^ 1);
}

/* Shift types of the shifted-register forms (ROR for logical instructions only). */
enum a64_shift { A64_LSL = 0, A64_LSR = 1, A64_ASR = 2, A64_ROR = 3 };

/* Extend types of the extended-register forms and the register-offset addressing mode. */
enum a64_extend {
	A64_UXTB = 0, A64_UXTH = 1, A64_UXTW = 2, A64_UXTX = 3,
	A64_SXTB = 4, A64_SXTH = 5, A64_SXTW = 6, A64_SXTX = 7,
};

/* Barrier domains for dmb/dsb (the CRm field). */
enum a64_barrier { A64_ISHLD = 0x9, A64_ISHST = 0xa, A64_ISH = 0xb, A64_SY = 0xf };

/* ---- operand predicates ---------------------------------------------------------------- */

static inline bool a64_is_reg(unsigned r)
{
	return r < 32;
}

/* imm fits an unsigned field of `bits` bits. */
static inline bool a64_is_uimm(uint64_t imm, unsigned bits)
{
	return imm < ((uint64_t)1 << bits);
}

/* imm fits a signed (two's complement) field of `bits` bits. */
static inline bool a64_is_simm(int64_t imm, unsigned bits)
{
	int64_t lim = (int64_t)1 << (bits - 1);

	return imm >= -lim && imm < lim;
}

/* imm is an add/sub immediate: 12 bits, optionally shifted left by 12. */
static inline bool a64_is_addsub_imm(uint64_t imm)
{
	return imm <= 0xfff || ((imm & 0xfff) == 0 && imm <= 0xfff000);
}

/* Byte offset `off` is a branch displacement of `bits` instruction words. */
static inline bool a64_is_branch_off(int64_t off, unsigned bits)
{
	return (off & 3) == 0 && a64_is_simm(off >> 2, bits);
}

/* ---- add/sub -----------------------------------------------------------------------------
 *   31 30 29 28        23 22 21       10 9   5 4   0
 *  | sf|op| S| 1 0 0 0 1 0 |sh|  imm12    |  Rn |  Rd |     immediate (Rd, Rn: 31 = SP; S: Rd 31 = ZR)
 *  | sf|op| S| 0 1 0 1 1|sht|0| Rm | imm6 |  Rn |  Rd |     shifted register (31 = ZR)
 *  | sf|op| S| 0 1 0 1 1|0 0|1| Rm |opt|i3|  Rn |  Rd |     extended register (Rd, Rn as immediate)
 */

/* Rd = Rn +/- (imm12 << shift), shift 0 or 12; flags if `setflags`. */
static inline uint32_t a64_addsub_imm(bool sf, bool sub, bool setflags, unsigned rd,
				      unsigned rn, uint32_t imm12, unsigned shift)
{
	if (!a64_is_reg(rd) || !a64_is_reg(rn) || imm12 > 0xfff || (shift != 0 && shift != 12))
		return A64_POISON;
	return (uint32_t)sf << 31 | (uint32_t)sub << 30 | (uint32_t)setflags << 29 |
	       0x11000000u | (uint32_t)(shift == 12) << 22 | imm12 << 10 | rn << 5 | rd;
}

/* Rd = Rn +/- imm for any imm a64_is_addsub_imm() accepts (picks the shift). */
static inline uint32_t a64_addsub_immv(bool sf, bool sub, bool setflags, unsigned rd,
				       unsigned rn, uint64_t imm)
{
	if (imm <= 0xfff)
		return a64_addsub_imm(sf, sub, setflags, rd, rn, (uint32_t)imm, 0);
	if ((imm & 0xfff) == 0 && imm <= 0xfff000)
		return a64_addsub_imm(sf, sub, setflags, rd, rn, (uint32_t)(imm >> 12), 12);
	return A64_POISON;
}

/* Rd|SP = Rn|SP + imm */
static inline uint32_t a64_add_imm(bool sf, unsigned rd, unsigned rn, uint64_t imm)
{
	return a64_addsub_immv(sf, false, false, rd, rn, imm);
}

/* Rd|SP = Rn|SP - imm */
static inline uint32_t a64_sub_imm(bool sf, unsigned rd, unsigned rn, uint64_t imm)
{
	return a64_addsub_immv(sf, true, false, rd, rn, imm);
}

/* Rd = Rn|SP + imm, set flags */
static inline uint32_t a64_adds_imm(bool sf, unsigned rd, unsigned rn, uint64_t imm)
{
	return a64_addsub_immv(sf, false, true, rd, rn, imm);
}

/* Rd = Rn|SP - imm, set flags */
static inline uint32_t a64_subs_imm(bool sf, unsigned rd, unsigned rn, uint64_t imm)
{
	return a64_addsub_immv(sf, true, true, rd, rn, imm);
}

/* flags = Rn|SP - imm */
static inline uint32_t a64_cmp_imm(bool sf, unsigned rn, uint64_t imm)
{
	return a64_subs_imm(sf, A64_ZR, rn, imm);
}

/* flags = Rn|SP + imm */
static inline uint32_t a64_cmn_imm(bool sf, unsigned rn, uint64_t imm)
{
	return a64_adds_imm(sf, A64_ZR, rn, imm);
}

/* Rd|SP = Rn|SP (the only register move that can name SP) */
static inline uint32_t a64_mov_sp(bool sf, unsigned rd, unsigned rn)
{
	return a64_add_imm(sf, rd, rn, 0);
}

/* Rd = Rn +/- (Rm SHIFT amount); 31 = ZR; no ROR. */
static inline uint32_t a64_addsub_shift(bool sf, bool sub, bool setflags, unsigned rd,
					unsigned rn, unsigned rm, enum a64_shift shift,
					unsigned amount)
{
	if (!a64_is_reg(rd) || !a64_is_reg(rn) || !a64_is_reg(rm) || shift > A64_ASR ||
	    amount >= (sf ? 64u : 32u))
		return A64_POISON;
	return (uint32_t)sf << 31 | (uint32_t)sub << 30 | (uint32_t)setflags << 29 |
	       0x0b000000u | (uint32_t)shift << 22 | rm << 16 | amount << 10 | rn << 5 | rd;
}

/* Rd = Rn + Rm */
static inline uint32_t a64_add_reg(bool sf, unsigned rd, unsigned rn, unsigned rm)
{
	return a64_addsub_shift(sf, false, false, rd, rn, rm, A64_LSL, 0);
}

/* Rd = Rn - Rm */
static inline uint32_t a64_sub_reg(bool sf, unsigned rd, unsigned rn, unsigned rm)
{
	return a64_addsub_shift(sf, true, false, rd, rn, rm, A64_LSL, 0);
}

/* Rd = Rn + Rm, set flags */
static inline uint32_t a64_adds_reg(bool sf, unsigned rd, unsigned rn, unsigned rm)
{
	return a64_addsub_shift(sf, false, true, rd, rn, rm, A64_LSL, 0);
}

/* Rd = Rn - Rm, set flags */
static inline uint32_t a64_subs_reg(bool sf, unsigned rd, unsigned rn, unsigned rm)
{
	return a64_addsub_shift(sf, true, true, rd, rn, rm, A64_LSL, 0);
}

/* Rd = Rn + (Rm SHIFT amount) */
static inline uint32_t a64_add_shift(bool sf, unsigned rd, unsigned rn, unsigned rm,
				     enum a64_shift shift, unsigned amount)
{
	return a64_addsub_shift(sf, false, false, rd, rn, rm, shift, amount);
}

/* Rd = Rn - (Rm SHIFT amount) */
static inline uint32_t a64_sub_shift(bool sf, unsigned rd, unsigned rn, unsigned rm,
				     enum a64_shift shift, unsigned amount)
{
	return a64_addsub_shift(sf, true, false, rd, rn, rm, shift, amount);
}

/* Rd = -Rm */
static inline uint32_t a64_neg(bool sf, unsigned rd, unsigned rm)
{
	return a64_sub_reg(sf, rd, A64_ZR, rm);
}

/* flags = Rn - Rm */
static inline uint32_t a64_cmp_reg(bool sf, unsigned rn, unsigned rm)
{
	return a64_subs_reg(sf, A64_ZR, rn, rm);
}

/* flags = Rn + Rm */
static inline uint32_t a64_cmn_reg(bool sf, unsigned rn, unsigned rm)
{
	return a64_adds_reg(sf, A64_ZR, rn, rm);
}

/* Rd|SP = Rn|SP +/- (extend(Rm) << amount), amount 0..4. */
static inline uint32_t a64_addsub_ext(bool sf, bool sub, bool setflags, unsigned rd,
				      unsigned rn, unsigned rm, enum a64_extend ext,
				      unsigned amount)
{
	if (!a64_is_reg(rd) || !a64_is_reg(rn) || !a64_is_reg(rm) || ext > A64_SXTX ||
	    amount > 4)
		return A64_POISON;
	return (uint32_t)sf << 31 | (uint32_t)sub << 30 | (uint32_t)setflags << 29 |
	       0x0b200000u | rm << 16 | (uint32_t)ext << 13 | amount << 10 | rn << 5 | rd;
}

/* Rd|SP = Rn|SP + (extend(Rm) << amount) */
static inline uint32_t a64_add_ext(bool sf, unsigned rd, unsigned rn, unsigned rm,
				   enum a64_extend ext, unsigned amount)
{
	return a64_addsub_ext(sf, false, false, rd, rn, rm, ext, amount);
}

/* Rd|SP = Rn|SP - (extend(Rm) << amount) */
static inline uint32_t a64_sub_ext(bool sf, unsigned rd, unsigned rn, unsigned rm,
				   enum a64_extend ext, unsigned amount)
{
	return a64_addsub_ext(sf, true, false, rd, rn, rm, ext, amount);
}

/* flags = Rn|SP - (extend(Rm) << amount) */
static inline uint32_t a64_cmp_ext(bool sf, unsigned rn, unsigned rm, enum a64_extend ext,
				   unsigned amount)
{
	return a64_addsub_ext(sf, true, true, A64_ZR, rn, rm, ext, amount);
}

/* ---- logical -----------------------------------------------------------------------------
 *   31 30 29 28        23 22 21   16 15   10 9   5 4   0
 *  | sf| opc | 1 0 0 1 0 0 | N| immr | imms  |  Rn |  Rd |   immediate (Rd 31 = SP, not ANDS)
 *  | sf| opc | 0 1 0 1 0|sht| N|  Rm  | imm6  |  Rn |  Rd |   shifted register (31 = ZR)
 *  opc: 00 AND, 01 ORR, 10 EOR, 11 ANDS; N (register form) inverts Rm: BIC, ORN, EON, BICS.
 */
enum a64_logic { A64_AND = 0, A64_ORR = 1, A64_EOR = 2, A64_ANDS = 3 };

/* x is a nonzero run of ones starting anywhere (0b0..01..10..0). */
static inline bool a64_is_shifted_mask(uint64_t x)
{
	uint64_t filled = x | (x - 1);

	return x && ((filled + 1) & filled) == 0;
}

/* N:immr:imms (13 bits) encoding `imm` as a bitmask immediate, or -1 if it is not one: a
 * rotated run of ones in an element of 2, 4, 8, 16, 32 or 64 bits, repeated (never all
 * zeros or all ones).  For !sf, imm must fit 32 bits. */
static inline int a64_bitmask_imm(bool sf, uint64_t imm)
{
	unsigned size = 64, ones, start;
	uint64_t mask;

	if (!sf) {
		if (imm >> 32)
			return -1;
		imm |= imm << 32;
	}
	if (imm == 0 || imm == ~(uint64_t)0)
		return -1;
	/* The smallest element the value repeats. */
	while (size > 2) {
		unsigned half = size / 2;
		uint64_t m = ((uint64_t)1 << half) - 1;

		if ((imm & m) != ((imm >> half) & m))
			break;
		size = half;
	}
	mask = size == 64 ? ~(uint64_t)0 : ((uint64_t)1 << size) - 1;
	imm &= mask;
	ones = (unsigned)__builtin_popcountll(imm);
	if (a64_is_shifted_mask(imm)) {
		start = (unsigned)__builtin_ctzll(imm);
	} else {
		/* The run wraps around: its zeros form the run instead. */
		uint64_t zeros = ~imm & mask;

		if (!a64_is_shifted_mask(zeros))
			return -1;
		start = (unsigned)__builtin_ctzll(zeros) + (unsigned)__builtin_popcountll(zeros);
	}
	/* value = ROR(ones(ones), immr) within the element; imms = ~(size-1)<<1 | (ones-1). */
	return (int)((unsigned)(size == 64) << 12 | ((size - start) & (size - 1)) << 6 |
		     ((~(size - 1) << 1 | (ones - 1)) & 0x3f));
}

/* Rd|SP = Rn OP imm (bitmask immediate; ANDS: Rd 31 = ZR) */
static inline uint32_t a64_logic_imm(bool sf, enum a64_logic opc, unsigned rd, unsigned rn,
				     uint64_t imm)
{
	int enc = a64_bitmask_imm(sf, imm);

	if (enc < 0 || !a64_is_reg(rd) || !a64_is_reg(rn) || (unsigned)opc > A64_ANDS)
		return A64_POISON;
	return (uint32_t)sf << 31 | (uint32_t)opc << 29 | 0x12000000u | (uint32_t)enc << 10 |
	       rn << 5 | rd;
}

/* Rd|SP = Rn & imm */
static inline uint32_t a64_and_imm(bool sf, unsigned rd, unsigned rn, uint64_t imm)
{
	return a64_logic_imm(sf, A64_AND, rd, rn, imm);
}

/* Rd|SP = Rn | imm */
static inline uint32_t a64_orr_imm(bool sf, unsigned rd, unsigned rn, uint64_t imm)
{
	return a64_logic_imm(sf, A64_ORR, rd, rn, imm);
}

/* Rd|SP = Rn ^ imm */
static inline uint32_t a64_eor_imm(bool sf, unsigned rd, unsigned rn, uint64_t imm)
{
	return a64_logic_imm(sf, A64_EOR, rd, rn, imm);
}

/* Rd = Rn & imm, set N and Z (C = V = 0) */
static inline uint32_t a64_ands_imm(bool sf, unsigned rd, unsigned rn, uint64_t imm)
{
	return a64_logic_imm(sf, A64_ANDS, rd, rn, imm);
}

/* flags = Rn & imm */
static inline uint32_t a64_tst_imm(bool sf, unsigned rn, uint64_t imm)
{
	return a64_ands_imm(sf, A64_ZR, rn, imm);
}

/* Rd = Rn OP ~?(Rm SHIFT amount); `invert` gives BIC/ORN/EON/BICS; 31 = ZR. */
static inline uint32_t a64_logic_shift(bool sf, enum a64_logic opc, bool invert, unsigned rd,
				       unsigned rn, unsigned rm, enum a64_shift shift,
				       unsigned amount)
{
	if (!a64_is_reg(rd) || !a64_is_reg(rn) || !a64_is_reg(rm) || (unsigned)opc > A64_ANDS ||
	    (unsigned)shift > A64_ROR || amount >= (sf ? 64u : 32u))
		return A64_POISON;
	return (uint32_t)sf << 31 | (uint32_t)opc << 29 | 0x0a000000u | (uint32_t)shift << 22 |
	       (uint32_t)invert << 21 | rm << 16 | amount << 10 | rn << 5 | rd;
}

/* Rd = Rn & Rm */
static inline uint32_t a64_and_reg(bool sf, unsigned rd, unsigned rn, unsigned rm)
{
	return a64_logic_shift(sf, A64_AND, false, rd, rn, rm, A64_LSL, 0);
}

/* Rd = Rn | Rm */
static inline uint32_t a64_orr_reg(bool sf, unsigned rd, unsigned rn, unsigned rm)
{
	return a64_logic_shift(sf, A64_ORR, false, rd, rn, rm, A64_LSL, 0);
}

/* Rd = Rn ^ Rm */
static inline uint32_t a64_eor_reg(bool sf, unsigned rd, unsigned rn, unsigned rm)
{
	return a64_logic_shift(sf, A64_EOR, false, rd, rn, rm, A64_LSL, 0);
}

/* Rd = Rn & Rm, set N and Z */
static inline uint32_t a64_ands_reg(bool sf, unsigned rd, unsigned rn, unsigned rm)
{
	return a64_logic_shift(sf, A64_ANDS, false, rd, rn, rm, A64_LSL, 0);
}

/* Rd = Rn & ~Rm */
static inline uint32_t a64_bic_reg(bool sf, unsigned rd, unsigned rn, unsigned rm)
{
	return a64_logic_shift(sf, A64_AND, true, rd, rn, rm, A64_LSL, 0);
}

/* Rd = Rn | ~Rm */
static inline uint32_t a64_orn_reg(bool sf, unsigned rd, unsigned rn, unsigned rm)
{
	return a64_logic_shift(sf, A64_ORR, true, rd, rn, rm, A64_LSL, 0);
}

/* Rd = Rn ^ ~Rm */
static inline uint32_t a64_eon_reg(bool sf, unsigned rd, unsigned rn, unsigned rm)
{
	return a64_logic_shift(sf, A64_EOR, true, rd, rn, rm, A64_LSL, 0);
}

/* flags = Rn & Rm */
static inline uint32_t a64_tst_reg(bool sf, unsigned rn, unsigned rm)
{
	return a64_ands_reg(sf, A64_ZR, rn, rm);
}

/* Rd = Rm (31 = ZR; use a64_mov_sp for SP).  The W form zero-extends into Xd. */
static inline uint32_t a64_mov_reg(bool sf, unsigned rd, unsigned rm)
{
	return a64_orr_reg(sf, rd, A64_ZR, rm);
}

/* Rd = ~Rm */
static inline uint32_t a64_mvn(bool sf, unsigned rd, unsigned rm)
{
	return a64_orn_reg(sf, rd, A64_ZR, rm);
}

/* ---- move wide ---------------------------------------------------------------------------
 *   31 30 29 28        23 22 21 20            5 4   0
 *  | sf| opc | 1 0 0 1 0 1 | hw |     imm16     |  Rd |    opc: 00 MOVN, 10 MOVZ, 11 MOVK
 */
enum a64_movewide { A64_MOVN = 0, A64_MOVZ = 2, A64_MOVK = 3 };

/* Rd = imm16 << shift (MOVZ), ~(imm16 << shift) (MOVN), or that chunk replaced (MOVK);
 * shift 0/16 (W) or 0/16/32/48 (X); 31 = ZR. */
static inline uint32_t a64_movewide(bool sf, enum a64_movewide opc, unsigned rd,
				    uint32_t imm16, unsigned shift)
{
	if (!a64_is_reg(rd) || imm16 > 0xffff || shift % 16 || shift >= (sf ? 64u : 32u) ||
	    (opc != A64_MOVN && opc != A64_MOVZ && opc != A64_MOVK))
		return A64_POISON;
	return (uint32_t)sf << 31 | (uint32_t)opc << 29 | 0x12800000u |
	       (uint32_t)(shift / 16) << 21 | imm16 << 5 | rd;
}

/* Rd = imm16 << shift */
static inline uint32_t a64_movz(bool sf, unsigned rd, uint32_t imm16, unsigned shift)
{
	return a64_movewide(sf, A64_MOVZ, rd, imm16, shift);
}

/* Rd = ~(imm16 << shift) */
static inline uint32_t a64_movn(bool sf, unsigned rd, uint32_t imm16, unsigned shift)
{
	return a64_movewide(sf, A64_MOVN, rd, imm16, shift);
}

/* Rd<shift+15:shift> = imm16, other bits kept */
static inline uint32_t a64_movk(bool sf, unsigned rd, uint32_t imm16, unsigned shift)
{
	return a64_movewide(sf, A64_MOVK, rd, imm16, shift);
}

/* ---- data processing, 3 sources ----------------------------------------------------------
 *   31 30 29 28      24 23 21 20  16 15 14  10 9   5 4   0
 *  | sf| 0 0| 1 1 0 1 1 | op31 |  Rm | o0|  Ra |  Rn |  Rd |     31 = ZR
 */

/* family: op31/o0 select MADD, MSUB, SMULL, SMULH, UMULL, UMULH */
static inline uint32_t a64_dp3(bool sf, unsigned op31, bool o0, unsigned rd, unsigned rn,
			       unsigned rm, unsigned ra)
{
	if (!a64_is_reg(rd) || !a64_is_reg(rn) || !a64_is_reg(rm) || !a64_is_reg(ra) ||
	    op31 > 7)
		return A64_POISON;
	return (uint32_t)sf << 31 | 0x1b000000u | op31 << 21 | rm << 16 | (uint32_t)o0 << 15 |
	       ra << 10 | rn << 5 | rd;
}

/* Rd = Ra + Rn * Rm */
static inline uint32_t a64_madd(bool sf, unsigned rd, unsigned rn, unsigned rm, unsigned ra)
{
	return a64_dp3(sf, 0, false, rd, rn, rm, ra);
}

/* Rd = Ra - Rn * Rm */
static inline uint32_t a64_msub(bool sf, unsigned rd, unsigned rn, unsigned rm, unsigned ra)
{
	return a64_dp3(sf, 0, true, rd, rn, rm, ra);
}

/* Rd = Rn * Rm */
static inline uint32_t a64_mul(bool sf, unsigned rd, unsigned rn, unsigned rm)
{
	return a64_madd(sf, rd, rn, rm, A64_ZR);
}

/* Xd = (int64)Wn * (int64)Wm */
static inline uint32_t a64_smull(unsigned rd, unsigned rn, unsigned rm)
{
	return a64_dp3(true, 1, false, rd, rn, rm, A64_ZR);
}

/* Xd = (uint64)Wn * (uint64)Wm */
static inline uint32_t a64_umull(unsigned rd, unsigned rn, unsigned rm)
{
	return a64_dp3(true, 5, false, rd, rn, rm, A64_ZR);
}

/* Xd = high 64 bits of (int128)Xn * Xm */
static inline uint32_t a64_smulh(unsigned rd, unsigned rn, unsigned rm)
{
	return a64_dp3(true, 2, false, rd, rn, rm, A64_ZR);
}

/* Xd = high 64 bits of (uint128)Xn * Xm */
static inline uint32_t a64_umulh(unsigned rd, unsigned rn, unsigned rm)
{
	return a64_dp3(true, 6, false, rd, rn, rm, A64_ZR);
}

/* ---- data processing, 2 sources ----------------------------------------------------------
 *   31 30 29 28             21 20  16 15    10 9   5 4   0
 *  | sf| 0| 0| 1 1 0 1 0 1 1 0 |  Rm | opcode |  Rn |  Rd |     31 = ZR
 */

/* family: opcode 2 UDIV, 3 SDIV, 8 LSLV, 9 LSRV, 10 ASRV, 11 RORV */
static inline uint32_t a64_dp2(bool sf, unsigned opcode, unsigned rd, unsigned rn, unsigned rm)
{
	if (!a64_is_reg(rd) || !a64_is_reg(rn) || !a64_is_reg(rm) || opcode > 0x3f)
		return A64_POISON;
	return (uint32_t)sf << 31 | 0x1ac00000u | rm << 16 | opcode << 10 | rn << 5 | rd;
}

/* Rd = Rn / Rm unsigned (Rm == 0 gives 0, no trap) */
static inline uint32_t a64_udiv(bool sf, unsigned rd, unsigned rn, unsigned rm)
{
	return a64_dp2(sf, 2, rd, rn, rm);
}

/* Rd = Rn / Rm signed (Rm == 0 gives 0; MIN / -1 gives MIN; no trap) */
static inline uint32_t a64_sdiv(bool sf, unsigned rd, unsigned rn, unsigned rm)
{
	return a64_dp2(sf, 3, rd, rn, rm);
}

/* Rd = Rn << (Rm mod size) */
static inline uint32_t a64_lsl_reg(bool sf, unsigned rd, unsigned rn, unsigned rm)
{
	return a64_dp2(sf, 8, rd, rn, rm);
}

/* Rd = Rn >> (Rm mod size), logical */
static inline uint32_t a64_lsr_reg(bool sf, unsigned rd, unsigned rn, unsigned rm)
{
	return a64_dp2(sf, 9, rd, rn, rm);
}

/* Rd = Rn >> (Rm mod size), arithmetic */
static inline uint32_t a64_asr_reg(bool sf, unsigned rd, unsigned rn, unsigned rm)
{
	return a64_dp2(sf, 10, rd, rn, rm);
}

/* Rd = Rn rotated right by (Rm mod size) */
static inline uint32_t a64_ror_reg(bool sf, unsigned rd, unsigned rn, unsigned rm)
{
	return a64_dp2(sf, 11, rd, rn, rm);
}

/* ---- data processing, 1 source -----------------------------------------------------------
 *   31 30 29 28             21 20     16 15    10 9   5 4   0
 *  | sf| 1| 0| 1 1 0 1 0 1 1 0 | 0 0 0 0 0 | opcode |  Rn |  Rd |
 */

/* family: opcode 0 RBIT, 1 REV16, 2 REV (W) / REV32 (X), 3 REV (X), 4 CLZ, 5 CLS */
static inline uint32_t a64_dp1(bool sf, unsigned opcode, unsigned rd, unsigned rn)
{
	if (!a64_is_reg(rd) || !a64_is_reg(rn) || opcode > 5 || (!sf && opcode == 3))
		return A64_POISON;
	return (uint32_t)sf << 31 | 0x5ac00000u | opcode << 10 | rn << 5 | rd;
}

/* Rd = Rn with its bit order reversed */
static inline uint32_t a64_rbit(bool sf, unsigned rd, unsigned rn)
{
	return a64_dp1(sf, 0, rd, rn);
}

/* Rd = Rn with its byte order reversed */
static inline uint32_t a64_rev(bool sf, unsigned rd, unsigned rn)
{
	return a64_dp1(sf, sf ? 3 : 2, rd, rn);
}

/* Rd = number of leading zero bits of Rn (size for 0) */
static inline uint32_t a64_clz(bool sf, unsigned rd, unsigned rn)
{
	return a64_dp1(sf, 4, rd, rn);
}

/* ---- bitfield and extract ----------------------------------------------------------------
 *   31 30 29 28        23 22 21   16 15   10 9   5 4   0
 *  | sf| opc | 1 0 0 1 1 0 | N| immr | imms  |  Rn |  Rd |   opc: 00 SBFM, 01 BFM, 10 UBFM; N = sf
 *  | sf| 0 0 | 1 0 0 1 1 1 | N| 0|Rm | imms  |  Rn |  Rd |   EXTR
 */
enum a64_bitfield { A64_SBFM = 0, A64_BFM = 1, A64_UBFM = 2 };

/* family: SBFM/BFM/UBFM Rd, Rn, #immr, #imms (immr, imms < size); 31 = ZR */
static inline uint32_t a64_bitfield(bool sf, enum a64_bitfield opc, unsigned rd, unsigned rn,
				    unsigned immr, unsigned imms)
{
	unsigned size = sf ? 64 : 32;

	if (!a64_is_reg(rd) || !a64_is_reg(rn) || immr >= size || imms >= size ||
	    (unsigned)opc > A64_UBFM)
		return A64_POISON;
	return (uint32_t)sf << 31 | (uint32_t)opc << 29 | 0x13000000u | (uint32_t)sf << 22 |
	       immr << 16 | imms << 10 | rn << 5 | rd;
}

/* Rd = Rn << sh (0 <= sh < size) */
static inline uint32_t a64_lsl_imm(bool sf, unsigned rd, unsigned rn, unsigned sh)
{
	unsigned size = sf ? 64 : 32;

	if (sh >= size)
		return A64_POISON;
	return a64_bitfield(sf, A64_UBFM, rd, rn, (size - sh) & (size - 1), size - 1 - sh);
}

/* Rd = Rn >> sh, logical */
static inline uint32_t a64_lsr_imm(bool sf, unsigned rd, unsigned rn, unsigned sh)
{
	return a64_bitfield(sf, A64_UBFM, rd, rn, sh, sf ? 63 : 31);
}

/* Rd = Rn >> sh, arithmetic */
static inline uint32_t a64_asr_imm(bool sf, unsigned rd, unsigned rn, unsigned sh)
{
	return a64_bitfield(sf, A64_SBFM, rd, rn, sh, sf ? 63 : 31);
}

/* Rd = Rn<lsb+width-1:lsb> zero-extended */
static inline uint32_t a64_ubfx(bool sf, unsigned rd, unsigned rn, unsigned lsb, unsigned width)
{
	if (width == 0 || lsb + width > (sf ? 64u : 32u))
		return A64_POISON;
	return a64_bitfield(sf, A64_UBFM, rd, rn, lsb, lsb + width - 1);
}

/* Rd = Rn<lsb+width-1:lsb> sign-extended */
static inline uint32_t a64_sbfx(bool sf, unsigned rd, unsigned rn, unsigned lsb, unsigned width)
{
	if (width == 0 || lsb + width > (sf ? 64u : 32u))
		return A64_POISON;
	return a64_bitfield(sf, A64_SBFM, rd, rn, lsb, lsb + width - 1);
}

/* Rd<lsb+width-1:lsb> = Rn<width-1:0>, other bits of Rd kept */
static inline uint32_t a64_bfi(bool sf, unsigned rd, unsigned rn, unsigned lsb, unsigned width)
{
	unsigned size = sf ? 64 : 32;

	if (width == 0 || lsb + width > size)
		return A64_POISON;
	return a64_bitfield(sf, A64_BFM, rd, rn, (size - lsb) & (size - 1), width - 1);
}

/* Rd<width-1:0> = Rn<lsb+width-1:lsb>, other bits of Rd kept */
static inline uint32_t a64_bfxil(bool sf, unsigned rd, unsigned rn, unsigned lsb,
				 unsigned width)
{
	if (width == 0 || lsb + width > (sf ? 64u : 32u))
		return A64_POISON;
	return a64_bitfield(sf, A64_BFM, rd, rn, lsb, lsb + width - 1);
}

/* Rd = (int8)Rn */
static inline uint32_t a64_sxtb(bool sf, unsigned rd, unsigned rn)
{
	return a64_bitfield(sf, A64_SBFM, rd, rn, 0, 7);
}

/* Rd = (int16)Rn */
static inline uint32_t a64_sxth(bool sf, unsigned rd, unsigned rn)
{
	return a64_bitfield(sf, A64_SBFM, rd, rn, 0, 15);
}

/* Xd = (int32)Wn */
static inline uint32_t a64_sxtw(unsigned rd, unsigned rn)
{
	return a64_bitfield(true, A64_SBFM, rd, rn, 0, 31);
}

/* Wd = (uint8)Wn (zero-extends into Xd) */
static inline uint32_t a64_uxtb(unsigned rd, unsigned rn)
{
	return a64_bitfield(false, A64_UBFM, rd, rn, 0, 7);
}

/* Wd = (uint16)Wn (zero-extends into Xd) */
static inline uint32_t a64_uxth(unsigned rd, unsigned rn)
{
	return a64_bitfield(false, A64_UBFM, rd, rn, 0, 15);
}

/* Rd = (Rn:Rm) >> lsb, low half (lsb < size) */
static inline uint32_t a64_extr(bool sf, unsigned rd, unsigned rn, unsigned rm, unsigned lsb)
{
	if (!a64_is_reg(rd) || !a64_is_reg(rn) || !a64_is_reg(rm) || lsb >= (sf ? 64u : 32u))
		return A64_POISON;
	return (uint32_t)sf << 31 | 0x13800000u | (uint32_t)sf << 22 | rm << 16 | lsb << 10 |
	       rn << 5 | rd;
}

/* Rd = Rn rotated right by sh */
static inline uint32_t a64_ror_imm(bool sf, unsigned rd, unsigned rn, unsigned sh)
{
	return a64_extr(sf, rd, rn, rn, sh);
}

/* ---- conditional select and compare ------------------------------------------------------
 *   31 30 29 28             21 20  16 15  12 11 10 9   5 4   0
 *  | sf|op| 0| 1 1 0 1 0 1 0 0 |  Rm | cond |op2  |  Rn |  Rd |      31 = ZR
 *  | sf|op| 1| 1 1 0 1 0 0 1 0 |Rm/i5| cond |i| 0 |  Rn |0|nzcv|    CCMN (op 0) / CCMP (op 1)
 */

/* family: op/op2 00 CSEL, 01 CSINC, 10 CSINV, 11 CSNEG */
static inline uint32_t a64_condsel(bool sf, bool op, unsigned op2, unsigned rd, unsigned rn,
				   unsigned rm, enum a64_cond cond)
{
	if (!a64_is_reg(rd) || !a64_is_reg(rn) || !a64_is_reg(rm) || (unsigned)cond > 15 ||
	    op2 > 1)
		return A64_POISON;
	return (uint32_t)sf << 31 | (uint32_t)op << 30 | 0x1a800000u | rm << 16 |
	       (uint32_t)cond << 12 | op2 << 10 | rn << 5 | rd;
}

/* Rd = cond ? Rn : Rm */
static inline uint32_t a64_csel(bool sf, unsigned rd, unsigned rn, unsigned rm,
				enum a64_cond cond)
{
	return a64_condsel(sf, false, 0, rd, rn, rm, cond);
}

/* Rd = cond ? Rn : Rm + 1 */
static inline uint32_t a64_csinc(bool sf, unsigned rd, unsigned rn, unsigned rm,
				 enum a64_cond cond)
{
	return a64_condsel(sf, false, 1, rd, rn, rm, cond);
}

/* Rd = cond ? Rn : ~Rm */
static inline uint32_t a64_csinv(bool sf, unsigned rd, unsigned rn, unsigned rm,
				 enum a64_cond cond)
{
	return a64_condsel(sf, true, 0, rd, rn, rm, cond);
}

/* Rd = cond ? Rn : -Rm */
static inline uint32_t a64_csneg(bool sf, unsigned rd, unsigned rn, unsigned rm,
				 enum a64_cond cond)
{
	return a64_condsel(sf, true, 1, rd, rn, rm, cond);
}

/* Rd = cond ? 1 : 0 (not AL/NV) */
static inline uint32_t a64_cset(bool sf, unsigned rd, enum a64_cond cond)
{
	if ((unsigned)cond >= A64_AL)
		return A64_POISON;
	return a64_csinc(sf, rd, A64_ZR, A64_ZR, a64_invert_cond(cond));
}

/* Rd = cond ? -1 : 0 (not AL/NV) */
static inline uint32_t a64_csetm(bool sf, unsigned rd, enum a64_cond cond)
{
	if ((unsigned)cond >= A64_AL)
		return A64_POISON;
	return a64_csinv(sf, rd, A64_ZR, A64_ZR, a64_invert_cond(cond));
}

/* Rd = cond ? Rn + 1 : Rn (not AL/NV) */
static inline uint32_t a64_cinc(bool sf, unsigned rd, unsigned rn, enum a64_cond cond)
{
	if ((unsigned)cond >= A64_AL)
		return A64_POISON;
	return a64_csinc(sf, rd, rn, rn, a64_invert_cond(cond));
}

/* Rd = cond ? -Rn : Rn (not AL/NV) */
static inline uint32_t a64_cneg(bool sf, unsigned rd, unsigned rn, enum a64_cond cond)
{
	if ((unsigned)cond >= A64_AL)
		return A64_POISON;
	return a64_csneg(sf, rd, rn, rn, a64_invert_cond(cond));
}

/* flags = cond ? flags(Rn - Rm) : nzcv */
static inline uint32_t a64_ccmp_reg(bool sf, unsigned rn, unsigned rm, unsigned nzcv,
				    enum a64_cond cond)
{
	if (!a64_is_reg(rn) || !a64_is_reg(rm) || nzcv > 15 || (unsigned)cond > 15)
		return A64_POISON;
	return (uint32_t)sf << 31 | 0x7a400000u | rm << 16 | (uint32_t)cond << 12 | rn << 5 |
	       nzcv;
}

/* flags = cond ? flags(Rn - imm5) : nzcv */
static inline uint32_t a64_ccmp_imm(bool sf, unsigned rn, uint32_t imm5, unsigned nzcv,
				    enum a64_cond cond)
{
	if (!a64_is_reg(rn) || imm5 > 31 || nzcv > 15 || (unsigned)cond > 15)
		return A64_POISON;
	return (uint32_t)sf << 31 | 0x7a400800u | imm5 << 16 | (uint32_t)cond << 12 | rn << 5 |
	       nzcv;
}

/* ---- branches ----------------------------------------------------------------------------
 *  | op| 0 0 1 0 1 |               imm26                 |      B (op 0) / BL (op 1): +-128 MiB
 *  | 0 1 0 1 0 1 0 0 |         imm19           | 0| cond |      B.cond: +-1 MiB
 *  | sf| 0 1 1 0 1 0|op|       imm19           |   Rt   |      CBZ/CBNZ: +-1 MiB
 *  | b5| 0 1 1 0 1 1|op| b40 |     imm14       |   Rt   |      TBZ/TBNZ: +-32 KiB
 *  | 1 1 0 1 0 1 1 0 0 opc 1 1 1 1 1 0 0 0 0 0 0 |  Rn | 0 0 0 0 0 |   BR/BLR/RET
 */

/* PC += off */
static inline uint32_t a64_b(int64_t off)
{
	if (!a64_is_branch_off(off, 26))
		return A64_POISON;
	return 0x14000000u | ((uint32_t)(off >> 2) & 0x3ffffff);
}

/* LR = PC + 4; PC += off */
static inline uint32_t a64_bl(int64_t off)
{
	if (!a64_is_branch_off(off, 26))
		return A64_POISON;
	return 0x94000000u | ((uint32_t)(off >> 2) & 0x3ffffff);
}

/* if (cond) PC += off */
static inline uint32_t a64_b_cond(enum a64_cond cond, int64_t off)
{
	if (!a64_is_branch_off(off, 19) || (unsigned)cond > 15)
		return A64_POISON;
	return 0x54000000u | ((uint32_t)(off >> 2) & 0x7ffff) << 5 | (uint32_t)cond;
}

/* family: if ((Rt == 0) != nonzero) PC += off */
static inline uint32_t a64_cb(bool sf, bool nonzero, unsigned rt, int64_t off)
{
	if (!a64_is_reg(rt) || !a64_is_branch_off(off, 19))
		return A64_POISON;
	return (uint32_t)sf << 31 | 0x34000000u | (uint32_t)nonzero << 24 |
	       ((uint32_t)(off >> 2) & 0x7ffff) << 5 | rt;
}

/* if (Rt == 0) PC += off */
static inline uint32_t a64_cbz(bool sf, unsigned rt, int64_t off)
{
	return a64_cb(sf, false, rt, off);
}

/* if (Rt != 0) PC += off */
static inline uint32_t a64_cbnz(bool sf, unsigned rt, int64_t off)
{
	return a64_cb(sf, true, rt, off);
}

/* family: if (bit `bit` of Rt == nonzero) PC += off; bit >= 32 names Xt */
static inline uint32_t a64_tb(bool nonzero, unsigned rt, unsigned bit, int64_t off)
{
	if (!a64_is_reg(rt) || bit > 63 || !a64_is_branch_off(off, 14))
		return A64_POISON;
	return (uint32_t)(bit >> 5) << 31 | 0x36000000u | (uint32_t)nonzero << 24 |
	       (bit & 31) << 19 | ((uint32_t)(off >> 2) & 0x3fff) << 5 | rt;
}

/* if (!(Rt >> bit & 1)) PC += off */
static inline uint32_t a64_tbz(unsigned rt, unsigned bit, int64_t off)
{
	return a64_tb(false, rt, bit, off);
}

/* if (Rt >> bit & 1) PC += off */
static inline uint32_t a64_tbnz(unsigned rt, unsigned bit, int64_t off)
{
	return a64_tb(true, rt, bit, off);
}

/* PC = Xn */
static inline uint32_t a64_br(unsigned rn)
{
	return a64_is_reg(rn) ? 0xd61f0000u | rn << 5 : A64_POISON;
}

/* LR = PC + 4; PC = Xn */
static inline uint32_t a64_blr(unsigned rn)
{
	return a64_is_reg(rn) ? 0xd63f0000u | rn << 5 : A64_POISON;
}

/* PC = Xn (normally LR), predicted as a return */
static inline uint32_t a64_ret(unsigned rn)
{
	return a64_is_reg(rn) ? 0xd65f0000u | rn << 5 : A64_POISON;
}

/* Xd = PC + off (+-1 MiB) */
static inline uint32_t a64_adr(unsigned rd, int64_t off)
{
	if (!a64_is_reg(rd) || !a64_is_simm(off, 21))
		return A64_POISON;
	return ((uint32_t)off & 3) << 29 | 0x10000000u | ((uint32_t)(off >> 2) & 0x7ffff) << 5 | rd;
}

/* Xd = (PC & ~0xfff) + pages * 4096 (+-4 GiB) */
static inline uint32_t a64_adrp(unsigned rd, int64_t pages)
{
	if (!a64_is_reg(rd) || !a64_is_simm(pages, 21))
		return A64_POISON;
	return ((uint32_t)pages & 3) << 29 | 0x90000000u | ((uint32_t)(pages >> 2) & 0x7ffff) << 5 |
	       rd;
}

/* ---- loads and stores --------------------------------------------------------------------
 *   31 30 29 28 27 26 25 24 23 22 21 20      12 11 10 9   5 4   0
 *  | size | 1  1  1| V| 0  1| opc |     imm12          |  Rn |  Rt |   unsigned offset, scaled
 *  | size | 1  1  1| V| 0  0| opc | 0|   imm9   | 0  0 |  Rn |  Rt |   unscaled (LDUR/STUR)
 *  | size | 1  1  1| V| 0  0| opc | 0|   imm9   |0/1 1 |  Rn |  Rt |   post (01) / pre (11) index
 *  | size | 1  1  1| V| 0  0| opc | 1| Rm |opt|S| 1  0 |  Rn |  Rt |   register offset
 *  |  opc | 0  1  1| V| 0  0|        imm19              |     Rt   |   literal (PC-relative)
 *  Rn 31 = SP; Rt 31 = ZR (GP) or V31.
 */
#define A64_LS(size, v, opc)	((size) << 4 | (v) << 2 | (opc))
/* Access kinds: size, V (FP/SIMD) and opc in one small number; see a64_ldst_bits(). */
enum a64_ldst {
	A64_STRB    = A64_LS(0, 0, 0),	/* mem8 = Wt */
	A64_LDRB    = A64_LS(0, 0, 1),	/* Wt = (uint8)mem */
	A64_LDRSB_X = A64_LS(0, 0, 2),	/* Xt = (int8)mem */
	A64_LDRSB_W = A64_LS(0, 0, 3),	/* Wt = (int8)mem */
	A64_STRH    = A64_LS(1, 0, 0),	/* mem16 = Wt */
	A64_LDRH    = A64_LS(1, 0, 1),	/* Wt = (uint16)mem */
	A64_LDRSH_X = A64_LS(1, 0, 2),	/* Xt = (int16)mem */
	A64_LDRSH_W = A64_LS(1, 0, 3),	/* Wt = (int16)mem */
	A64_STR_W   = A64_LS(2, 0, 0),	/* mem32 = Wt */
	A64_LDR_W   = A64_LS(2, 0, 1),	/* Wt = mem32 */
	A64_LDRSW   = A64_LS(2, 0, 2),	/* Xt = (int32)mem */
	A64_STR_X   = A64_LS(3, 0, 0),	/* mem64 = Xt */
	A64_LDR_X   = A64_LS(3, 0, 1),	/* Xt = mem64 */
	A64_STR_S   = A64_LS(2, 1, 0),	/* mem32 = St */
	A64_LDR_S   = A64_LS(2, 1, 1),	/* St = mem32 */
	A64_STR_D   = A64_LS(3, 1, 0),	/* mem64 = Dt */
	A64_LDR_D   = A64_LS(3, 1, 1),	/* Dt = mem64 */
	A64_STR_Q   = A64_LS(0, 1, 2),	/* mem128 = Qt */
	A64_LDR_Q   = A64_LS(0, 1, 3),	/* Qt = mem128 */
};
#undef A64_LS

/* The access kind is one of enum a64_ldst. */
static inline bool a64_is_ldst(enum a64_ldst k)
{
	switch (k) {
	case A64_STRB: case A64_LDRB: case A64_LDRSB_X: case A64_LDRSB_W:
	case A64_STRH: case A64_LDRH: case A64_LDRSH_X: case A64_LDRSH_W:
	case A64_STR_W: case A64_LDR_W: case A64_LDRSW: case A64_STR_X: case A64_LDR_X:
	case A64_STR_S: case A64_LDR_S: case A64_STR_D: case A64_LDR_D:
	case A64_STR_Q: case A64_LDR_Q:
		return true;
	}
	return false;
}

/* log2 of the access size in bytes (the scale of unsigned offsets). */
static inline unsigned a64_ldst_scale(enum a64_ldst k)
{
	if (((unsigned)k >> 2 & 1) && ((unsigned)k & 3) >= 2)
		return 4;
	return (unsigned)k >> 4;
}

/* The size, V and opc fields of access kind k in place. */
static inline uint32_t a64_ldst_bits(enum a64_ldst k)
{
	return ((uint32_t)k >> 4) << 30 | ((uint32_t)k >> 2 & 1) << 26 | ((uint32_t)k & 3) << 22;
}

/* Rt <-> [Xn|SP + off], off = imm12 << scale (0 <= off, aligned) */
static inline uint32_t a64_ldst_imm(enum a64_ldst k, unsigned rt, unsigned rn, int64_t off)
{
	unsigned scale;

	if (!a64_is_ldst(k) || !a64_is_reg(rt) || !a64_is_reg(rn))
		return A64_POISON;
	scale = a64_ldst_scale(k);
	if (off < 0 || (off & (((int64_t)1 << scale) - 1)) || (off >> scale) > 0xfff)
		return A64_POISON;
	return 0x39000000u | a64_ldst_bits(k) | (uint32_t)(off >> scale) << 10 | rn << 5 | rt;
}

/* family of the 9-bit signed offset forms: mode 0 unscaled, 1 post-index, 3 pre-index */
static inline uint32_t a64_ldst_simm9(enum a64_ldst k, unsigned mode, unsigned rt, unsigned rn,
				      int64_t off)
{
	if (!a64_is_ldst(k) || !a64_is_reg(rt) || !a64_is_reg(rn) || !a64_is_simm(off, 9) ||
	    (mode != 0 && mode != 1 && mode != 3))
		return A64_POISON;
	return 0x38000000u | a64_ldst_bits(k) | ((uint32_t)off & 0x1ff) << 12 | mode << 10 |
	       rn << 5 | rt;
}

/* Rt <-> [Xn|SP + off], -256 <= off <= 255, any alignment (LDUR/STUR) */
static inline uint32_t a64_ldst_unscaled(enum a64_ldst k, unsigned rt, unsigned rn, int64_t off)
{
	return a64_ldst_simm9(k, 0, rt, rn, off);
}

/* Rt <-> [Xn|SP]; then Xn|SP += off */
static inline uint32_t a64_ldst_post(enum a64_ldst k, unsigned rt, unsigned rn, int64_t off)
{
	return a64_ldst_simm9(k, 1, rt, rn, off);
}

/* Xn|SP += off; then Rt <-> [Xn|SP] */
static inline uint32_t a64_ldst_pre(enum a64_ldst k, unsigned rt, unsigned rn, int64_t off)
{
	return a64_ldst_simm9(k, 3, rt, rn, off);
}

/* Rt <-> [Xn|SP + (extend(Rm) << (shifted ? scale : 0))]; extend UXTW, UXTX (LSL), SXTW, SXTX */
static inline uint32_t a64_ldst_reg(enum a64_ldst k, unsigned rt, unsigned rn, unsigned rm,
				    enum a64_extend ext, bool shifted)
{
	if (!a64_is_ldst(k) || !a64_is_reg(rt) || !a64_is_reg(rn) || !a64_is_reg(rm) ||
	    (ext != A64_UXTW && ext != A64_UXTX && ext != A64_SXTW && ext != A64_SXTX))
		return A64_POISON;
	return 0x38200800u | a64_ldst_bits(k) | rm << 16 | (uint32_t)ext << 13 |
	       (uint32_t)shifted << 12 | rn << 5 | rt;
}

/* Rt = [PC + off] (+-1 MiB, word aligned); kinds LDR_W/X/S/D/Q and LDRSW */
static inline uint32_t a64_ldr_lit(enum a64_ldst k, unsigned rt, int64_t off)
{
	uint32_t opc;

	switch (k) {
	case A64_LDR_W: case A64_LDR_S: opc = 0; break;
	case A64_LDR_X: case A64_LDR_D: opc = 1; break;
	case A64_LDRSW: case A64_LDR_Q: opc = 2; break;
	default: return A64_POISON;
	}
	if (!a64_is_reg(rt) || !a64_is_branch_off(off, 19))
		return A64_POISON;
	return opc << 30 | 0x18000000u | ((uint32_t)k >> 2 & 1) << 26 |
	       ((uint32_t)(off >> 2) & 0x7ffff) << 5 | rt;
}

/* Wt/Xt = [Xn|SP + off] (unsigned scaled offset) */
static inline uint32_t a64_ldr_imm(bool sf, unsigned rt, unsigned rn, int64_t off)
{
	return a64_ldst_imm(sf ? A64_LDR_X : A64_LDR_W, rt, rn, off);
}

/* [Xn|SP + off] = Wt/Xt (unsigned scaled offset) */
static inline uint32_t a64_str_imm(bool sf, unsigned rt, unsigned rn, int64_t off)
{
	return a64_ldst_imm(sf ? A64_STR_X : A64_STR_W, rt, rn, off);
}

/* ---- load/store pair ---------------------------------------------------------------------
 *   31 30 29    27 26 25 24 23 22 21     15 14    10 9   5 4   0
 *  |  opc | 1 0 1| V| 0| mode| L|   imm7    |  Rt2  |  Rn |  Rt |   mode: 01 post, 10 offset, 11 pre
 */
enum a64_pair { A64_PAIR_W, A64_PAIR_X, A64_PAIR_S, A64_PAIR_D, A64_PAIR_Q };

/* family: Rt, Rt2 <-> [Xn|SP + off] (off = imm7 << scale); mode 1 post, 2 offset, 3 pre */
static inline uint32_t a64_ldstp(enum a64_pair kind, bool load, unsigned mode, unsigned rt,
				 unsigned rt2, unsigned rn, int64_t off)
{
	static const uint8_t opc[] = { 0, 2, 0, 1, 2 }, v[] = { 0, 0, 1, 1, 1 },
			     scale[] = { 2, 3, 2, 3, 4 };
	unsigned s;

	if ((unsigned)kind > A64_PAIR_Q || mode < 1 || mode > 3 || !a64_is_reg(rt) ||
	    !a64_is_reg(rt2) || !a64_is_reg(rn))
		return A64_POISON;
	s = scale[kind];
	if ((off & (((int64_t)1 << s) - 1)) || !a64_is_simm(off >> s, 7))
		return A64_POISON;
	return (uint32_t)opc[kind] << 30 | 0x28000000u | (uint32_t)v[kind] << 26 | mode << 23 |
	       (uint32_t)load << 22 | ((uint32_t)(off >> s) & 0x7f) << 15 | rt2 << 10 | rn << 5 |
	       rt;
}

/* [Xn|SP + off] = Rt, Rt2 */
static inline uint32_t a64_stp(enum a64_pair kind, unsigned rt, unsigned rt2, unsigned rn,
			       int64_t off)
{
	return a64_ldstp(kind, false, 2, rt, rt2, rn, off);
}

/* Rt, Rt2 = [Xn|SP + off] */
static inline uint32_t a64_ldp(enum a64_pair kind, unsigned rt, unsigned rt2, unsigned rn,
			       int64_t off)
{
	return a64_ldstp(kind, true, 2, rt, rt2, rn, off);
}

/* Xn|SP += off; [Xn|SP] = Rt, Rt2 (push: stp x29, x30, [sp, #-16]!) */
static inline uint32_t a64_stp_pre(enum a64_pair kind, unsigned rt, unsigned rt2, unsigned rn,
				   int64_t off)
{
	return a64_ldstp(kind, false, 3, rt, rt2, rn, off);
}

/* Rt, Rt2 = [Xn|SP]; Xn|SP += off (pop: ldp x29, x30, [sp], #16) */
static inline uint32_t a64_ldp_post(enum a64_pair kind, unsigned rt, unsigned rt2, unsigned rn,
				    int64_t off)
{
	return a64_ldstp(kind, true, 1, rt, rt2, rn, off);
}

/* ---- floating point (scalar) -------------------------------------------------------------
 *   31       24 23 22 21 20  16 15      10 9   5 4   0
 *  |0 0 0 1 1 1 1 0|type| 1|   opcode 1 0 0 0 0 |  Rn |  Rd |   1 source: opcode at 20:15
 *  |0 0 0 1 1 1 1 0|type| 1|  Rm | opc | 1 0     |  Rn |  Rd |   2 sources: opc at 15:12
 *  |0 0 0 1 1 1 1 0|type| 1|  Rm | 0 0 1 0 0 0   |  Rn |opc 000| FCMP
 *  |0 0 0 1 1 1 1 0|type| 1| imm8    | 1 0 0 0 0 0 0 0 |  Rd |   FMOV (immediate)
 *  |sf 0 0 1 1 1 1 0|type| 1|rmode|opc| 0 0 0 0 0 0 |  Rn |  Rd |   conversions to/from GP
 *  type: 00 single, 01 double.
 *  Wasm semantics: fneg/fabs only flip or clear the sign bit (payloads kept, as Wasm requires);
 *  fmin/fmax return NaN if either input is NaN and order -0 < +0 (Wasm min/max; the *NM
 *  variants would return the number instead); arithmetic NaN results are quiet, with the
 *  input payload propagated unless FPCR.DN is set, which Wasm accepts.  frintn rounds ties to
 *  even (f*.nearest).  fcvtzs/fcvtzu saturate and give 0 for NaN: the trunc_sat semantics;
 *  the trapping truncations need explicit checks first.
 */

/* family: Fd = OP(Fn); opcode 0 FMOV, 1 FABS, 2 FNEG, 3 FSQRT, 4/5 FCVT to S/D, 8.. FRINT* */
static inline uint32_t a64_fp_dp1(bool dbl, unsigned opcode, unsigned rd, unsigned rn)
{
	if (!a64_is_reg(rd) || !a64_is_reg(rn) || opcode > 0x3f)
		return A64_POISON;
	return 0x1e204000u | (uint32_t)dbl << 22 | opcode << 15 | rn << 5 | rd;
}

/* Fd = Fn */
static inline uint32_t a64_fmov_reg(bool dbl, unsigned rd, unsigned rn)
{
	return a64_fp_dp1(dbl, 0, rd, rn);
}

/* Fd = |Fn| (sign bit cleared) */
static inline uint32_t a64_fabs(bool dbl, unsigned rd, unsigned rn)
{
	return a64_fp_dp1(dbl, 1, rd, rn);
}

/* Fd = -Fn (sign bit flipped) */
static inline uint32_t a64_fneg(bool dbl, unsigned rd, unsigned rn)
{
	return a64_fp_dp1(dbl, 2, rd, rn);
}

/* Fd = sqrt(Fn) */
static inline uint32_t a64_fsqrt(bool dbl, unsigned rd, unsigned rn)
{
	return a64_fp_dp1(dbl, 3, rd, rn);
}

/* Fd = (to_dbl ? double : float)Fn, Fn of the other precision */
static inline uint32_t a64_fcvt(bool to_dbl, unsigned rd, unsigned rn)
{
	return a64_fp_dp1(!to_dbl, 4 | (unsigned)to_dbl, rd, rn);
}

/* Fd = round to nearest, ties to even (Wasm nearest) */
static inline uint32_t a64_frintn(bool dbl, unsigned rd, unsigned rn)
{
	return a64_fp_dp1(dbl, 8, rd, rn);
}

/* Fd = round toward +inf (ceil) */
static inline uint32_t a64_frintp(bool dbl, unsigned rd, unsigned rn)
{
	return a64_fp_dp1(dbl, 9, rd, rn);
}

/* Fd = round toward -inf (floor) */
static inline uint32_t a64_frintm(bool dbl, unsigned rd, unsigned rn)
{
	return a64_fp_dp1(dbl, 10, rd, rn);
}

/* Fd = round toward zero (trunc) */
static inline uint32_t a64_frintz(bool dbl, unsigned rd, unsigned rn)
{
	return a64_fp_dp1(dbl, 11, rd, rn);
}

/* family: Fd = Fn OP Fm; opcode 0 FMUL, 1 FDIV, 2 FADD, 3 FSUB, 4 FMAX, 5 FMIN, 6/7 *NM */
static inline uint32_t a64_fp_dp2(bool dbl, unsigned opcode, unsigned rd, unsigned rn,
				  unsigned rm)
{
	if (!a64_is_reg(rd) || !a64_is_reg(rn) || !a64_is_reg(rm) || opcode > 8)
		return A64_POISON;
	return 0x1e200800u | (uint32_t)dbl << 22 | rm << 16 | opcode << 12 | rn << 5 | rd;
}

/* Fd = Fn * Fm */
static inline uint32_t a64_fmul(bool dbl, unsigned rd, unsigned rn, unsigned rm)
{
	return a64_fp_dp2(dbl, 0, rd, rn, rm);
}

/* Fd = Fn / Fm */
static inline uint32_t a64_fdiv(bool dbl, unsigned rd, unsigned rn, unsigned rm)
{
	return a64_fp_dp2(dbl, 1, rd, rn, rm);
}

/* Fd = Fn + Fm */
static inline uint32_t a64_fadd(bool dbl, unsigned rd, unsigned rn, unsigned rm)
{
	return a64_fp_dp2(dbl, 2, rd, rn, rm);
}

/* Fd = Fn - Fm */
static inline uint32_t a64_fsub(bool dbl, unsigned rd, unsigned rn, unsigned rm)
{
	return a64_fp_dp2(dbl, 3, rd, rn, rm);
}

/* Fd = max(Fn, Fm): NaN if either is NaN, +0 > -0 (Wasm fmax) */
static inline uint32_t a64_fmax(bool dbl, unsigned rd, unsigned rn, unsigned rm)
{
	return a64_fp_dp2(dbl, 4, rd, rn, rm);
}

/* Fd = min(Fn, Fm): NaN if either is NaN, -0 < +0 (Wasm fmin) */
static inline uint32_t a64_fmin(bool dbl, unsigned rd, unsigned rn, unsigned rm)
{
	return a64_fp_dp2(dbl, 5, rd, rn, rm);
}

/* flags = compare(Fn, Fm); unordered sets C and V (so EQ/MI/LS/GT/GE are false for NaN) */
static inline uint32_t a64_fcmp(bool dbl, unsigned rn, unsigned rm)
{
	if (!a64_is_reg(rn) || !a64_is_reg(rm))
		return A64_POISON;
	return 0x1e202000u | (uint32_t)dbl << 22 | rm << 16 | rn << 5;
}

/* flags = compare(Fn, 0.0) */
static inline uint32_t a64_fcmp_zero(bool dbl, unsigned rn)
{
	if (!a64_is_reg(rn))
		return A64_POISON;
	return 0x1e202008u | (uint32_t)dbl << 22 | rn << 5;
}

/* Fd = cond ? Fn : Fm */
static inline uint32_t a64_fcsel(bool dbl, unsigned rd, unsigned rn, unsigned rm,
				 enum a64_cond cond)
{
	if (!a64_is_reg(rd) || !a64_is_reg(rn) || !a64_is_reg(rm) || (unsigned)cond > 15)
		return A64_POISON;
	return 0x1e200c00u | (uint32_t)dbl << 22 | rm << 16 | (uint32_t)cond << 12 | rn << 5 | rd;
}

/* The 8-bit FMOV immediate for IEEE bits `bits` (+-n/16 * 2^e, 16 <= n <= 31, -3 <= e <= 4),
 * or -1 (zero, NaN, infinities and everything else). */
static inline int a64_fp_imm8(bool dbl, uint64_t bits)
{
	unsigned mbits = dbl ? 52 : 23, ebias = dbl ? 1023 : 127;
	uint64_t frac = bits & (((uint64_t)1 << mbits) - 1);
	int exp = (int)((bits >> mbits) & (dbl ? 0x7ff : 0xff)) - (int)ebias;
	unsigned sign = (unsigned)(bits >> (dbl ? 63 : 31)) & 1;

	if (!dbl && bits >> 32)
		return -1;
	if (exp < -3 || exp > 4 || (frac & (((uint64_t)1 << (mbits - 4)) - 1)))
		return -1;
	return (int)(sign << 7 | (unsigned)((exp + 3) ^ 4) << 4 | (unsigned)(frac >> (mbits - 4)));
}

/* Fd = the constant with IEEE bits `bits` (a64_fp_imm8 must accept it) */
static inline uint32_t a64_fmov_imm(bool dbl, unsigned rd, uint64_t bits)
{
	int imm8 = a64_fp_imm8(dbl, bits);

	if (imm8 < 0 || !a64_is_reg(rd))
		return A64_POISON;
	return 0x1e201000u | (uint32_t)dbl << 22 | (uint32_t)imm8 << 13 | rd;
}

/* family: FP <-> integer; rmode/opcode: 3/0 FCVTZS, 3/1 FCVTZU, 0/2 SCVTF, 0/3 UCVTF,
 * 0/6 FMOV FP->GP, 0/7 FMOV GP->FP */
static inline uint32_t a64_fp_int(bool sf, bool dbl, unsigned rmode, unsigned opcode,
				  unsigned rd, unsigned rn)
{
	if (!a64_is_reg(rd) || !a64_is_reg(rn) || rmode > 3 || opcode > 7)
		return A64_POISON;
	return (uint32_t)sf << 31 | 0x1e200000u | (uint32_t)dbl << 22 | rmode << 19 |
	       opcode << 16 | rn << 5 | rd;
}

/* Wd/Xd = (int)Fn, toward zero, saturating, NaN -> 0 */
static inline uint32_t a64_fcvtzs(bool sf, bool dbl, unsigned rd, unsigned rn)
{
	return a64_fp_int(sf, dbl, 3, 0, rd, rn);
}

/* Wd/Xd = (unsigned)Fn, toward zero, saturating, NaN -> 0 */
static inline uint32_t a64_fcvtzu(bool sf, bool dbl, unsigned rd, unsigned rn)
{
	return a64_fp_int(sf, dbl, 3, 1, rd, rn);
}

/* Fd = (float)(signed)Wn/Xn, current rounding mode */
static inline uint32_t a64_scvtf(bool sf, bool dbl, unsigned rd, unsigned rn)
{
	return a64_fp_int(sf, dbl, 0, 2, rd, rn);
}

/* Fd = (float)(unsigned)Wn/Xn */
static inline uint32_t a64_ucvtf(bool sf, bool dbl, unsigned rd, unsigned rn)
{
	return a64_fp_int(sf, dbl, 0, 3, rd, rn);
}

/* Wd = bits(Sn) or Xd = bits(Dn) */
static inline uint32_t a64_fmov_to_gp(bool sf, unsigned rd, unsigned rn)
{
	return a64_fp_int(sf, sf, 0, 6, rd, rn);
}

/* Sd = bits(Wn) or Dd = bits(Xn) (31 = ZR: +0.0) */
static inline uint32_t a64_fmov_from_gp(bool sf, unsigned rd, unsigned rn)
{
	return a64_fp_int(sf, sf, 0, 7, rd, rn);
}

/* ---- Advanced SIMD: what the scalar popcount needs ---------------------------------------- */

/* Vd.8B = per-byte population count of Vn.8B */
static inline uint32_t a64_cnt_8b(unsigned rd, unsigned rn)
{
	return a64_is_reg(rd) && a64_is_reg(rn) ? 0x0e205800u | rn << 5 | rd : A64_POISON;
}

/* Bd = sum of the 8 bytes of Vn.8B (upper bits of Vd cleared) */
static inline uint32_t a64_addv_8b(unsigned rd, unsigned rn)
{
	return a64_is_reg(rd) && a64_is_reg(rn) ? 0x0e31b800u | rn << 5 | rd : A64_POISON;
}

/* ---- Advanced SIMD (NEON): the v128 lanes ------------------------------------------------ */

/* Vector arrangements: the Q bit (0: 64-bit vector, 1: 128-bit) and the element size
 * (0: B, 1: H, 2: S, 3: D), packed as size << 1 | Q. */
enum a64_varr {
	A64_8B = 0, A64_16B = 1, A64_4H = 2, A64_8H = 3, A64_2S = 4, A64_4S = 5, A64_1D = 6,
	A64_2D = 7,
};

#define A64_VM(t)	(1u << (t))	/* arrangement masks: the shapes an instruction has */
#define A64_V_BHS	(A64_VM(A64_8B) | A64_VM(A64_16B) | A64_VM(A64_4H) | A64_VM(A64_8H) | \
			 A64_VM(A64_2S) | A64_VM(A64_4S))
#define A64_V_ALL	(A64_V_BHS | A64_VM(A64_2D))
#define A64_V_HS	(A64_VM(A64_4H) | A64_VM(A64_8H) | A64_VM(A64_2S) | A64_VM(A64_4S))
#define A64_V_FP	(A64_VM(A64_2S) | A64_VM(A64_4S) | A64_VM(A64_2D))
#define A64_V_B		(A64_VM(A64_8B) | A64_VM(A64_16B))

static inline uint32_t a64_varr_bits(enum a64_varr t)
{
	return ((uint32_t)t & 1) << 30 | ((uint32_t)t >> 1) << 22;
}

/* Three registers of one arrangement (integer "three same", and the long/narrow "three
 * different" forms, whose size and Q come from the arrangement named in `t`). */
static inline uint32_t a64_v3(uint32_t op, uint32_t shapes, enum a64_varr t, unsigned rd,
			      unsigned rn, unsigned rm)
{
	if ((unsigned)t > A64_2D || !(shapes & A64_VM(t)) || !a64_is_reg(rd) || !a64_is_reg(rn) ||
	    !a64_is_reg(rm))
		return A64_POISON;
	return op | a64_varr_bits(t) | rm << 16 | rn << 5 | rd;
}

/* Floating-point three same: 2S, 4S (single) or 2D (double) in the sz bit. */
static inline uint32_t a64_v3_fp(uint32_t op, enum a64_varr t, unsigned rd, unsigned rn,
				 unsigned rm)
{
	if ((unsigned)t > A64_2D || !(A64_V_FP & A64_VM(t)) || !a64_is_reg(rd) ||
	    !a64_is_reg(rn) || !a64_is_reg(rm))
		return A64_POISON;
	return op | ((uint32_t)t & 1) << 30 | (uint32_t)(t == A64_2D) << 22 | rm << 16 | rn << 5 |
	       rd;
}

/* Two registers ("two-register misc", "across lanes"). */
static inline uint32_t a64_v2(uint32_t op, uint32_t shapes, enum a64_varr t, unsigned rd,
			      unsigned rn)
{
	return a64_v3(op, shapes, t, rd, rn, 0);
}

static inline uint32_t a64_v2_fp(uint32_t op, enum a64_varr t, unsigned rd, unsigned rn)
{
	return a64_v3_fp(op, t, rd, rn, 0);
}

/* Vd.T = Vn.T + Vm.T */
static inline uint32_t a64_add_v(enum a64_varr t, unsigned rd, unsigned rn, unsigned rm)
{
	return a64_v3(0x0e208400u, A64_V_ALL, t, rd, rn, rm);
}

/* Vd.T = Vn.T - Vm.T */
static inline uint32_t a64_sub_v(enum a64_varr t, unsigned rd, unsigned rn, unsigned rm)
{
	return a64_v3(0x2e208400u, A64_V_ALL, t, rd, rn, rm);
}

/* Vd.T = Vn.T * Vm.T (low half of the product; no 64-bit lanes) */
static inline uint32_t a64_mul_v(enum a64_varr t, unsigned rd, unsigned rn, unsigned rm)
{
	return a64_v3(0x0e209c00u, A64_V_BHS, t, rd, rn, rm);
}

/* Vd.T = pairwise sums of the lanes of Vn:Vm (Vn's pairs in the low half) */
static inline uint32_t a64_addp_v(enum a64_varr t, unsigned rd, unsigned rn, unsigned rm)
{
	return a64_v3(0x0e20bc00u, A64_V_ALL & ~A64_VM(A64_1D), t, rd, rn, rm);
}

/* Vd.T = Vn.T == Vm.T (all ones / zero per lane) */
static inline uint32_t a64_cmeq_v(enum a64_varr t, unsigned rd, unsigned rn, unsigned rm)
{
	return a64_v3(0x2e208c00u, A64_V_ALL, t, rd, rn, rm);
}

/* Vd.T = Vn.T > Vm.T, signed */
static inline uint32_t a64_cmgt_v(enum a64_varr t, unsigned rd, unsigned rn, unsigned rm)
{
	return a64_v3(0x0e203400u, A64_V_ALL, t, rd, rn, rm);
}

/* Vd.T = Vn.T >= Vm.T, signed */
static inline uint32_t a64_cmge_v(enum a64_varr t, unsigned rd, unsigned rn, unsigned rm)
{
	return a64_v3(0x0e203c00u, A64_V_ALL, t, rd, rn, rm);
}

/* Vd.T = Vn.T > Vm.T, unsigned */
static inline uint32_t a64_cmhi_v(enum a64_varr t, unsigned rd, unsigned rn, unsigned rm)
{
	return a64_v3(0x2e203400u, A64_V_ALL, t, rd, rn, rm);
}

/* Vd.T = Vn.T >= Vm.T, unsigned */
static inline uint32_t a64_cmhs_v(enum a64_varr t, unsigned rd, unsigned rn, unsigned rm)
{
	return a64_v3(0x2e203c00u, A64_V_ALL, t, rd, rn, rm);
}

/* Vd.T = Vn.T + Vm.T, signed saturating */
static inline uint32_t a64_sqadd_v(enum a64_varr t, unsigned rd, unsigned rn, unsigned rm)
{
	return a64_v3(0x0e200c00u, A64_V_ALL, t, rd, rn, rm);
}

/* Vd.T = Vn.T + Vm.T, unsigned saturating */
static inline uint32_t a64_uqadd_v(enum a64_varr t, unsigned rd, unsigned rn, unsigned rm)
{
	return a64_v3(0x2e200c00u, A64_V_ALL, t, rd, rn, rm);
}

/* Vd.T = Vn.T - Vm.T, signed saturating */
static inline uint32_t a64_sqsub_v(enum a64_varr t, unsigned rd, unsigned rn, unsigned rm)
{
	return a64_v3(0x0e202c00u, A64_V_ALL, t, rd, rn, rm);
}

/* Vd.T = Vn.T - Vm.T, unsigned saturating */
static inline uint32_t a64_uqsub_v(enum a64_varr t, unsigned rd, unsigned rn, unsigned rm)
{
	return a64_v3(0x2e202c00u, A64_V_ALL, t, rd, rn, rm);
}

/* Vd.T = max(Vn.T, Vm.T), signed */
static inline uint32_t a64_smax_v(enum a64_varr t, unsigned rd, unsigned rn, unsigned rm)
{
	return a64_v3(0x0e206400u, A64_V_BHS, t, rd, rn, rm);
}

/* Vd.T = max(Vn.T, Vm.T), unsigned */
static inline uint32_t a64_umax_v(enum a64_varr t, unsigned rd, unsigned rn, unsigned rm)
{
	return a64_v3(0x2e206400u, A64_V_BHS, t, rd, rn, rm);
}

/* Vd.T = min(Vn.T, Vm.T), signed */
static inline uint32_t a64_smin_v(enum a64_varr t, unsigned rd, unsigned rn, unsigned rm)
{
	return a64_v3(0x0e206c00u, A64_V_BHS, t, rd, rn, rm);
}

/* Vd.T = min(Vn.T, Vm.T), unsigned */
static inline uint32_t a64_umin_v(enum a64_varr t, unsigned rd, unsigned rn, unsigned rm)
{
	return a64_v3(0x2e206c00u, A64_V_BHS, t, rd, rn, rm);
}

/* Vd.T = (Vn.T + Vm.T + 1) >> 1, unsigned, without overflow */
static inline uint32_t a64_urhadd_v(enum a64_varr t, unsigned rd, unsigned rn, unsigned rm)
{
	return a64_v3(0x2e201400u, A64_V_BHS, t, rd, rn, rm);
}

/* Vd.T = Vn.T << Vm.T (signed byte of each count lane; negative: arithmetic right) */
static inline uint32_t a64_sshl_v(enum a64_varr t, unsigned rd, unsigned rn, unsigned rm)
{
	return a64_v3(0x0e204400u, A64_V_ALL, t, rd, rn, rm);
}

/* As sshl, negative counts shift logically right */
static inline uint32_t a64_ushl_v(enum a64_varr t, unsigned rd, unsigned rn, unsigned rm)
{
	return a64_v3(0x2e204400u, A64_V_ALL, t, rd, rn, rm);
}

/* Vd.T = sat((2 * Vn.T * Vm.T + (1 << (esize - 1))) >> esize), signed (H and S lanes) */
static inline uint32_t a64_sqrdmulh_v(enum a64_varr t, unsigned rd, unsigned rn, unsigned rm)
{
	return a64_v3(0x2e20b400u, A64_V_HS, t, rd, rn, rm);
}

/* Bitwise operations on the whole register (T is 8B or 16B). */

/* Vd = Vn & Vm */
static inline uint32_t a64_and_v(enum a64_varr t, unsigned rd, unsigned rn, unsigned rm)
{
	return a64_v3(0x0e201c00u, A64_V_B, t, rd, rn, rm);
}

/* Vd = Vn & ~Vm */
static inline uint32_t a64_bic_v(enum a64_varr t, unsigned rd, unsigned rn, unsigned rm)
{
	return a64_v3(0x0e601c00u, A64_V_B, t, rd, rn, rm);
}

/* Vd = Vn | Vm */
static inline uint32_t a64_orr_v(enum a64_varr t, unsigned rd, unsigned rn, unsigned rm)
{
	return a64_v3(0x0ea01c00u, A64_V_B, t, rd, rn, rm);
}

/* Vd = Vn ^ Vm */
static inline uint32_t a64_eor_v(enum a64_varr t, unsigned rd, unsigned rn, unsigned rm)
{
	return a64_v3(0x2e201c00u, A64_V_B, t, rd, rn, rm);
}

/* Vd = (Vd & Vn) | (~Vd & Vm): Vd is the selector */
static inline uint32_t a64_bsl_v(enum a64_varr t, unsigned rd, unsigned rn, unsigned rm)
{
	return a64_v3(0x2e601c00u, A64_V_B, t, rd, rn, rm);
}

/* Vd = Vn (orr Vd, Vn, Vn) */
static inline uint32_t a64_mov_v(unsigned rd, unsigned rn)
{
	return a64_orr_v(A64_16B, rd, rn, rn);
}

/* Floating-point lanes (2S, 4S, 2D). */

/* Vd.T = Vn.T + Vm.T */
static inline uint32_t a64_fadd_v(enum a64_varr t, unsigned rd, unsigned rn, unsigned rm)
{
	return a64_v3_fp(0x0e20d400u, t, rd, rn, rm);
}

/* Vd.T = Vn.T - Vm.T */
static inline uint32_t a64_fsub_v(enum a64_varr t, unsigned rd, unsigned rn, unsigned rm)
{
	return a64_v3_fp(0x0ea0d400u, t, rd, rn, rm);
}

/* Vd.T = Vn.T * Vm.T */
static inline uint32_t a64_fmul_v(enum a64_varr t, unsigned rd, unsigned rn, unsigned rm)
{
	return a64_v3_fp(0x2e20dc00u, t, rd, rn, rm);
}

/* Vd.T = Vn.T / Vm.T */
static inline uint32_t a64_fdiv_v(enum a64_varr t, unsigned rd, unsigned rn, unsigned rm)
{
	return a64_v3_fp(0x2e20fc00u, t, rd, rn, rm);
}

/* Vd.T = max(Vn.T, Vm.T): a NaN operand gives a NaN, +0 > -0 */
static inline uint32_t a64_fmax_v(enum a64_varr t, unsigned rd, unsigned rn, unsigned rm)
{
	return a64_v3_fp(0x0e20f400u, t, rd, rn, rm);
}

/* Vd.T = min(Vn.T, Vm.T): a NaN operand gives a NaN, -0 < +0 */
static inline uint32_t a64_fmin_v(enum a64_varr t, unsigned rd, unsigned rn, unsigned rm)
{
	return a64_v3_fp(0x0ea0f400u, t, rd, rn, rm);
}

/* Vd.T = Vn.T == Vm.T (ordered) */
static inline uint32_t a64_fcmeq_v(enum a64_varr t, unsigned rd, unsigned rn, unsigned rm)
{
	return a64_v3_fp(0x0e20e400u, t, rd, rn, rm);
}

/* Vd.T = Vn.T >= Vm.T (ordered) */
static inline uint32_t a64_fcmge_v(enum a64_varr t, unsigned rd, unsigned rn, unsigned rm)
{
	return a64_v3_fp(0x2e20e400u, t, rd, rn, rm);
}

/* Vd.T = Vn.T > Vm.T (ordered) */
static inline uint32_t a64_fcmgt_v(enum a64_varr t, unsigned rd, unsigned rn, unsigned rm)
{
	return a64_v3_fp(0x2ea0e400u, t, rd, rn, rm);
}

/* Two-register misc. */

/* Vd.T = ~Vn.T (8B/16B) */
static inline uint32_t a64_not_v(enum a64_varr t, unsigned rd, unsigned rn)
{
	return a64_v2(0x2e205800u, A64_V_B, t, rd, rn);
}

/* Vd.T = per-byte population count (8B/16B) */
static inline uint32_t a64_cnt_v(enum a64_varr t, unsigned rd, unsigned rn)
{
	return a64_v2(0x0e205800u, A64_V_B, t, rd, rn);
}

/* Vd.T = |Vn.T| (wrapping: the most negative value stays) */
static inline uint32_t a64_abs_v(enum a64_varr t, unsigned rd, unsigned rn)
{
	return a64_v2(0x0e20b800u, A64_V_ALL, t, rd, rn);
}

/* Vd.T = -Vn.T */
static inline uint32_t a64_neg_v(enum a64_varr t, unsigned rd, unsigned rn)
{
	return a64_v2(0x2e20b800u, A64_V_ALL, t, rd, rn);
}

/* Vd.T = Vn.T == 0 */
static inline uint32_t a64_cmeq0_v(enum a64_varr t, unsigned rd, unsigned rn)
{
	return a64_v2(0x0e209800u, A64_V_ALL, t, rd, rn);
}

/* Vd.T = pairwise sums of Vn's lanes, widened: T is the (wider) result, signed */
static inline uint32_t a64_saddlp_v(enum a64_varr t, unsigned rd, unsigned rn)
{
	/* the size field names the source lanes */
	return (unsigned)t >= A64_4H && t <= A64_2D
		? a64_v2(0x0e202800u, A64_V_ALL, (enum a64_varr)(t - 2), rd, rn) : A64_POISON;
}

/* As saddlp, unsigned */
static inline uint32_t a64_uaddlp_v(enum a64_varr t, unsigned rd, unsigned rn)
{
	return (unsigned)t >= A64_4H && t <= A64_2D
		? a64_v2(0x2e202800u, A64_V_ALL, (enum a64_varr)(t - 2), rd, rn) : A64_POISON;
}

/* Narrowing: T is the narrow result (8B/4H/2S write the low half and zero the high half;
 * 16B/8H/4S, the "2" forms, write the high half and keep the low one). */

/* Vd.T = sat_s(Vn wide lanes), signed to signed */
static inline uint32_t a64_sqxtn_v(enum a64_varr t, unsigned rd, unsigned rn)
{
	return a64_v2(0x0e214800u, A64_V_BHS, t, rd, rn);
}

/* Vd.T = sat_u(Vn wide lanes), signed to unsigned */
static inline uint32_t a64_sqxtun_v(enum a64_varr t, unsigned rd, unsigned rn)
{
	return a64_v2(0x2e212800u, A64_V_BHS, t, rd, rn);
}

/* Vd.T = sat_u(Vn wide lanes), unsigned to unsigned */
static inline uint32_t a64_uqxtn_v(enum a64_varr t, unsigned rd, unsigned rn)
{
	return a64_v2(0x2e214800u, A64_V_BHS, t, rd, rn);
}

/* Vd.T = |Vn.T| */
static inline uint32_t a64_fabs_v(enum a64_varr t, unsigned rd, unsigned rn)
{
	return a64_v2_fp(0x0ea0f800u, t, rd, rn);
}

/* Vd.T = -Vn.T */
static inline uint32_t a64_fneg_v(enum a64_varr t, unsigned rd, unsigned rn)
{
	return a64_v2_fp(0x2ea0f800u, t, rd, rn);
}

/* Vd.T = sqrt(Vn.T) */
static inline uint32_t a64_fsqrt_v(enum a64_varr t, unsigned rd, unsigned rn)
{
	return a64_v2_fp(0x2ea1f800u, t, rd, rn);
}

/* Vd.T = round to nearest, ties to even */
static inline uint32_t a64_frintn_v(enum a64_varr t, unsigned rd, unsigned rn)
{
	return a64_v2_fp(0x0e218800u, t, rd, rn);
}

/* Vd.T = round toward -inf */
static inline uint32_t a64_frintm_v(enum a64_varr t, unsigned rd, unsigned rn)
{
	return a64_v2_fp(0x0e219800u, t, rd, rn);
}

/* Vd.T = round toward +inf */
static inline uint32_t a64_frintp_v(enum a64_varr t, unsigned rd, unsigned rn)
{
	return a64_v2_fp(0x0ea18800u, t, rd, rn);
}

/* Vd.T = round toward zero */
static inline uint32_t a64_frintz_v(enum a64_varr t, unsigned rd, unsigned rn)
{
	return a64_v2_fp(0x0ea19800u, t, rd, rn);
}

/* Vd.T = (signed)Vn.T, toward zero, saturating, NaN -> 0 */
static inline uint32_t a64_fcvtzs_v(enum a64_varr t, unsigned rd, unsigned rn)
{
	return a64_v2_fp(0x0ea1b800u, t, rd, rn);
}

/* Vd.T = (unsigned)Vn.T, toward zero, saturating, NaN -> 0 */
static inline uint32_t a64_fcvtzu_v(enum a64_varr t, unsigned rd, unsigned rn)
{
	return a64_v2_fp(0x2ea1b800u, t, rd, rn);
}

/* Vd.T = (float)(signed)Vn.T */
static inline uint32_t a64_scvtf_v(enum a64_varr t, unsigned rd, unsigned rn)
{
	return a64_v2_fp(0x0e21d800u, t, rd, rn);
}

/* Vd.T = (float)(unsigned)Vn.T */
static inline uint32_t a64_ucvtf_v(enum a64_varr t, unsigned rd, unsigned rn)
{
	return a64_v2_fp(0x2e21d800u, t, rd, rn);
}

/* Vd.2S = (float)Vn.2D, the high half of Vd zeroed */
static inline uint32_t a64_fcvtn_2s(unsigned rd, unsigned rn)
{
	return a64_v3_fp(0x0e216800u, A64_2D, rd, rn, 0) & ~(1u << 30);
}

/* Vd.2D = (double)Vn.2S (the low half of Vn) */
static inline uint32_t a64_fcvtl_2d(unsigned rd, unsigned rn)
{
	return a64_v3_fp(0x0e217800u, A64_2D, rd, rn, 0) & ~(1u << 30);
}

/* Across lanes: Vd's first lane = reduce(Vn.T), the rest of Vd zeroed. */

/* unsigned maximum of the lanes (8B, 16B, 4H, 8H, 4S) */
static inline uint32_t a64_umaxv(enum a64_varr t, unsigned rd, unsigned rn)
{
	return a64_v2(0x2e30a800u, A64_V_BHS & ~A64_VM(A64_2S), t, rd, rn);
}

/* unsigned minimum of the lanes */
static inline uint32_t a64_uminv(enum a64_varr t, unsigned rd, unsigned rn)
{
	return a64_v2(0x2e31a800u, A64_V_BHS & ~A64_VM(A64_2S), t, rd, rn);
}

/* sum of the lanes (wrapping) */
static inline uint32_t a64_addv(enum a64_varr t, unsigned rd, unsigned rn)
{
	return a64_v2(0x0e31b800u, A64_V_BHS & ~A64_VM(A64_2S), t, rd, rn);
}

/* Long products: T names the source lanes; 8B/4H/2S multiply the low halves, 16B/8H/4S
 * (smull2, umull2) the high halves, into lanes twice as wide. */
static inline uint32_t a64_smull_v(enum a64_varr t, unsigned rd, unsigned rn, unsigned rm)
{
	return a64_v3(0x0e20c000u, A64_V_BHS, t, rd, rn, rm);
}

static inline uint32_t a64_umull_v(enum a64_varr t, unsigned rd, unsigned rn, unsigned rm)
{
	return a64_v3(0x2e20c000u, A64_V_BHS, t, rd, rn, rm);
}

/* Shift by immediate: immh:immb holds the element size and the shift. */
static inline uint32_t a64_vshift_imm(uint32_t op, enum a64_varr t, unsigned rd, unsigned rn,
				      uint32_t immhb)
{
	if ((unsigned)t > A64_2D || t == A64_1D || !a64_is_reg(rd) || !a64_is_reg(rn))
		return A64_POISON;
	return op | ((uint32_t)t & 1) << 30 | immhb << 16 | rn << 5 | rd;
}

static inline unsigned a64_varr_esize(enum a64_varr t)
{
	return 8u << ((unsigned)t >> 1);
}

/* Vd.T = Vn.T << sh, 0 <= sh < lane bits */
static inline uint32_t a64_shl_v(enum a64_varr t, unsigned rd, unsigned rn, unsigned sh)
{
	unsigned es = a64_varr_esize(t);

	return sh < es ? a64_vshift_imm(0x0f005400u, t, rd, rn, es + sh) : A64_POISON;
}

/* Vd.T = Vn.T >> sh, arithmetic, 1 <= sh <= lane bits */
static inline uint32_t a64_sshr_v(enum a64_varr t, unsigned rd, unsigned rn, unsigned sh)
{
	unsigned es = a64_varr_esize(t);

	return sh >= 1 && sh <= es ? a64_vshift_imm(0x0f000400u, t, rd, rn, 2 * es - sh)
				   : A64_POISON;
}

/* Vd.T = Vn.T >> sh, logical, 1 <= sh <= lane bits */
static inline uint32_t a64_ushr_v(enum a64_varr t, unsigned rd, unsigned rn, unsigned sh)
{
	unsigned es = a64_varr_esize(t);

	return sh >= 1 && sh <= es ? a64_vshift_imm(0x2f000400u, t, rd, rn, 2 * es - sh)
				   : A64_POISON;
}

/* Vd = the lanes of Vn.T (8B/4H/2S: the low half; 16B/8H/4S: the high half, sxtl2)
 * sign-extended to twice their width */
static inline uint32_t a64_sxtl_v(enum a64_varr t, unsigned rd, unsigned rn)
{
	return t <= A64_4S ? a64_vshift_imm(0x0f00a400u, t, rd, rn, a64_varr_esize(t))
			   : A64_POISON;
}

/* As sxtl, zero-extended (uxtl, uxtl2) */
static inline uint32_t a64_uxtl_v(enum a64_varr t, unsigned rd, unsigned rn)
{
	return t <= A64_4S ? a64_vshift_imm(0x2f00a400u, t, rd, rn, a64_varr_esize(t))
			   : A64_POISON;
}

/* Lanes and general registers: imm5 names the lane size (lowest set bit) and index. */
static inline uint32_t a64_imm5(unsigned size, unsigned lane)
{
	return size <= 3 && lane < (16u >> size) ? (2u * lane + 1) << size : 0;
}

/* Vd.T = Wn/Xn in every lane (X for 2D) */
static inline uint32_t a64_dup_gp(enum a64_varr t, unsigned rd, unsigned rn)
{
	if ((unsigned)t > A64_2D || t == A64_1D || !a64_is_reg(rd) || !a64_is_reg(rn))
		return A64_POISON;
	return 0x0e000c00u | ((uint32_t)t & 1) << 30 | a64_imm5((unsigned)t >> 1, 0) << 16 |
	       rn << 5 | rd;
}

/* Vd.T = Vn's lane `lane` (of T's lane size) in every lane */
static inline uint32_t a64_dup_elem(enum a64_varr t, unsigned rd, unsigned rn, unsigned lane)
{
	uint32_t imm5 = (unsigned)t <= A64_2D ? a64_imm5((unsigned)t >> 1, lane) : 0;

	if (!imm5 || t == A64_1D || !a64_is_reg(rd) || !a64_is_reg(rn))
		return A64_POISON;
	return 0x0e000400u | ((uint32_t)t & 1) << 30 | imm5 << 16 | rn << 5 | rd;
}

/* Bd/Hd/Sd/Dd = Vn's lane `lane` of that size (the rest of Vd zeroed) */
static inline uint32_t a64_dup_scalar(unsigned size, unsigned rd, unsigned rn, unsigned lane)
{
	uint32_t imm5 = a64_imm5(size, lane);

	if (!imm5 || !a64_is_reg(rd) || !a64_is_reg(rn))
		return A64_POISON;
	return 0x5e000400u | imm5 << 16 | rn << 5 | rd;
}

/* Vd's lane `lane` of size 8 << size = Wn/Xn (the other lanes kept) */
static inline uint32_t a64_ins_gp(unsigned size, unsigned rd, unsigned lane, unsigned rn)
{
	uint32_t imm5 = a64_imm5(size, lane);

	if (!imm5 || !a64_is_reg(rd) || !a64_is_reg(rn))
		return A64_POISON;
	return 0x4e001c00u | imm5 << 16 | rn << 5 | rd;
}

/* Vd's lane `dl` = Vn's lane `sl` (lanes of size 8 << size) */
static inline uint32_t a64_ins_elem(unsigned size, unsigned rd, unsigned dl, unsigned rn,
				    unsigned sl)
{
	uint32_t imm5 = a64_imm5(size, dl);

	if (!imm5 || sl >= (16u >> size) || !a64_is_reg(rd) || !a64_is_reg(rn))
		return A64_POISON;
	return 0x6e000400u | imm5 << 16 | (sl << size) << 11 | rn << 5 | rd;
}

/* Wd/Xd = Vn's lane, zero-extended (X only for D lanes) */
static inline uint32_t a64_umov(unsigned size, unsigned rd, unsigned rn, unsigned lane)
{
	uint32_t imm5 = a64_imm5(size, lane);

	if (!imm5 || !a64_is_reg(rd) || !a64_is_reg(rn))
		return A64_POISON;
	return 0x0e003c00u | (uint32_t)(size == 3) << 30 | imm5 << 16 | rn << 5 | rd;
}

/* Wd = Vn's B or H lane, sign-extended to 32 bits */
static inline uint32_t a64_smov_w(unsigned size, unsigned rd, unsigned rn, unsigned lane)
{
	uint32_t imm5 = size <= 1 ? a64_imm5(size, lane) : 0;

	if (!imm5 || !a64_is_reg(rd) || !a64_is_reg(rn))
		return A64_POISON;
	return 0x0e002c00u | imm5 << 16 | rn << 5 | rd;
}

/* Vd.16B = table lookup of Vm.16B's indices in the `nregs` (1..4) consecutive registers
 * from Vn (an index past the table gives 0) */
static inline uint32_t a64_tbl_v16b(unsigned rd, unsigned rn, unsigned nregs, unsigned rm)
{
	if (nregs < 1 || nregs > 4 || !a64_is_reg(rd) || !a64_is_reg(rn) || !a64_is_reg(rm))
		return A64_POISON;
	return 0x4e000000u | rm << 16 | (nregs - 1) << 13 | rn << 5 | rd;
}

/* Vd.2D = 0 */
static inline uint32_t a64_movi_zero_v(unsigned rd)
{
	return a64_is_reg(rd) ? 0x6f00e400u | rd : A64_POISON;
}

/* ---- system ------------------------------------------------------------------------------ */

/* SIGTRAP; imm16 identifies the site (A64_POISON uses 0xbad) */
static inline uint32_t a64_brk(uint32_t imm16)
{
	return imm16 <= 0xffff ? 0xd4200000u | imm16 << 5 : A64_POISON;
}

/* SIGILL, permanently undefined; imm16 is free for the JIT's use */
static inline uint32_t a64_udf(uint32_t imm16)
{
	return imm16 <= 0xffff ? imm16 : A64_POISON;
}

/* no operation */
static inline uint32_t a64_nop(void)
{
	return 0xd503201fu;
}

/* data memory barrier: orders memory accesses in `domain` */
static inline uint32_t a64_dmb(enum a64_barrier domain)
{
	return (unsigned)domain <= 0xf ? 0xd50330bfu | (uint32_t)domain << 8 : A64_POISON;
}

/* data synchronisation barrier: waits for prior accesses in `domain` to complete */
static inline uint32_t a64_dsb(enum a64_barrier domain)
{
	return (unsigned)domain <= 0xf ? 0xd503309fu | (uint32_t)domain << 8 : A64_POISON;
}

/* instruction synchronisation barrier: refetch after it (after code was modified) */
static inline uint32_t a64_isb(void)
{
	return 0xd5033fdfu;
}

/* ---- validation ---------------------------------------------------------------------------- */

/* True when none of the n words is the poison word (the kernel's validate_code()). */
static inline bool a64_validate_code(const uint32_t *code, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (code[i] == A64_POISON)
			return false;
	return true;
}

/* ---- sequence builders ----------------------------------------------------------------------
 * Each writes at most A64_SEQ_MAX words to out[] and returns the count (>= 1).  An operand no
 * sequence can handle (bad register, scratch register clash) gives one poison word.
 */

/* Write one word; returns 1.  (A helper for the builders below.) */
static inline int a64_seq1(uint32_t *out, uint32_t w)
{
	out[0] = w;
	return 1;
}

/* Rd = imm, shortest of MOVZ+MOVK*, MOVN+MOVK*, ORR #bitmask (1..4 words); 31 = ZR.
 * For !sf only the low 32 bits of imm count. */
static inline int a64_mov_imm(uint32_t *out, bool sf, unsigned rd, uint64_t imm)
{
	unsigned chunks = sf ? 4 : 2, zeros = 0, ones = 0, i;
	int n = 0;
	bool inverted;

	if (!a64_is_reg(rd))
		return a64_seq1(out, A64_POISON);
	if (!sf)
		imm &= 0xffffffffu;
	for (i = 0; i < chunks; i++) {
		uint32_t c = (uint32_t)(imm >> (16 * i)) & 0xffff;

		zeros += c == 0;
		ones += c == 0xffff;
	}
	/* One MOVZ/MOVN when possible (they read as `mov`), else a bitmask ORR. */
	if (zeros < chunks - 1 && ones < chunks - 1 && a64_bitmask_imm(sf, imm) >= 0)
		return a64_seq1(out, a64_orr_imm(sf, rd, A64_ZR, imm));
	inverted = ones > zeros;
	for (i = 0; i < chunks; i++) {
		uint32_t c = (uint32_t)(imm >> (16 * i)) & 0xffff;

		if (c == (inverted ? 0xffffu : 0))
			continue;
		if (n == 0)
			out[n++] = inverted ? a64_movn(sf, rd, ~c & 0xffff, 16 * i)
					    : a64_movz(sf, rd, c, 16 * i);
		else
			out[n++] = a64_movk(sf, rd, c, 16 * i);
	}
	if (n == 0)	/* all zeros or all ones */
		out[n++] = inverted ? a64_movn(sf, rd, 0, 0) : a64_movz(sf, rd, 0, 0);
	return n;
}

/* Rd|SP = Rn|SP + imm (signed; for !sf taken mod 2^32): ADD/SUB #imm, two of them for 24
 * bits, else `tmp` = imm and an ADD (extended register form when SP is involved). */
static inline int a64_add_imm_seq(uint32_t *out, bool sf, unsigned rd, unsigned rn,
				  int64_t imm, unsigned tmp)
{
	uint64_t mag;
	bool sub;
	int n;

	if (!sf)
		imm = (int32_t)imm;
	sub = imm < 0;
	mag = sub ? 0 - (uint64_t)imm : (uint64_t)imm;
	if (!sf)
		mag &= 0xffffffffu;
	if (a64_is_addsub_imm(mag))
		return a64_seq1(out, a64_addsub_immv(sf, sub, false, rd, rn, mag));
	if (mag <= 0xffffff) {
		out[0] = a64_addsub_immv(sf, sub, false, rd, rn, mag & 0xfff000);
		out[1] = a64_addsub_immv(sf, sub, false, rd, rd, mag & 0xfff);
		return 2;
	}
	if (!a64_is_reg(tmp) || tmp == rn || tmp == A64_ZR)
		return a64_seq1(out, A64_POISON);
	n = a64_mov_imm(out, sf, tmp, (uint64_t)imm);
	if (rd == A64_SP || rn == A64_SP)
		out[n++] = a64_add_ext(sf, rd, rn, tmp, sf ? A64_UXTX : A64_UXTW, 0);
	else
		out[n++] = a64_add_reg(sf, rd, rn, tmp);
	return n;
}

/* flags = Rn|SP - imm: CMP/CMN #imm, else `tmp` = imm and a register compare. */
static inline int a64_cmp_imm_seq(uint32_t *out, bool sf, unsigned rn, int64_t imm,
				  unsigned tmp)
{
	uint64_t v = sf ? (uint64_t)imm : (uint32_t)imm;
	uint64_t neg = sf ? 0 - v : (uint32_t)(0 - v);
	int n;

	if (a64_is_addsub_imm(v))
		return a64_seq1(out, a64_cmp_imm(sf, rn, v));
	if (a64_is_addsub_imm(neg))
		return a64_seq1(out, a64_cmn_imm(sf, rn, neg));
	if (!a64_is_reg(tmp) || tmp == rn || tmp == A64_ZR)
		return a64_seq1(out, A64_POISON);
	n = a64_mov_imm(out, sf, tmp, v);
	if (rn == A64_SP)
		out[n++] = a64_cmp_ext(sf, rn, tmp, sf ? A64_UXTX : A64_UXTW, 0);
	else
		out[n++] = a64_cmp_reg(sf, rn, tmp);
	return n;
}

/* Rd = Rn OP imm: one bitmask-immediate instruction, a move for the trivial masks
 * (AND/ORR/EOR with 0 or ~0), else `tmp` = imm and the register form. */
static inline int a64_logic_imm_seq(uint32_t *out, bool sf, enum a64_logic opc, unsigned rd,
				    unsigned rn, uint64_t imm, unsigned tmp)
{
	uint64_t all = sf ? ~(uint64_t)0 : 0xffffffffu;
	int n;

	if (!sf)
		imm &= 0xffffffffu;
	if (a64_bitmask_imm(sf, imm) >= 0)
		return a64_seq1(out, a64_logic_imm(sf, opc, rd, rn, imm));
	/* Rd 31 is SP for AND/ORR/EOR #imm but ZR in the register forms: no fallback then. */
	if (opc != A64_ANDS && rd == A64_SP)
		return a64_seq1(out, A64_POISON);
	if (opc != A64_ANDS) {
		if ((opc == A64_AND && imm == all) || (opc != A64_AND && imm == 0))
			return a64_seq1(out, a64_mov_reg(sf, rd, rn));
		if (opc == A64_AND && imm == 0)
			return a64_seq1(out, a64_movz(sf, rd, 0, 0));
		if (opc == A64_ORR && imm == all)
			return a64_seq1(out, a64_movn(sf, rd, 0, 0));
		if (opc == A64_EOR && imm == all)
			return a64_seq1(out, a64_mvn(sf, rd, rn));
	}
	if (!a64_is_reg(tmp) || tmp == rn || tmp == A64_ZR)
		return a64_seq1(out, A64_POISON);
	n = a64_mov_imm(out, sf, tmp, imm);
	out[n++] = a64_logic_shift(sf, opc, false, rd, rn, tmp, A64_LSL, 0);
	return n;
}

/* Rt <-> [Xn|SP + off] for any off: scaled unsigned offset, else unscaled (LDUR/STUR), else
 * GP `tmp` = off and the register-offset form.  tmp must differ from Rn, and from Rt for a
 * GP store. */
static inline int a64_ldst_seq(uint32_t *out, enum a64_ldst k, unsigned rt, unsigned rn,
			       int64_t off, unsigned tmp)
{
	unsigned scale = a64_ldst_scale(k);
	bool gp_store = ((unsigned)k & 3) == 0 && !((unsigned)k >> 2 & 1);
	int n;

	if (!a64_is_ldst(k))
		return a64_seq1(out, A64_POISON);
	if (off >= 0 && !(off & (((int64_t)1 << scale) - 1)) && (off >> scale) <= 0xfff)
		return a64_seq1(out, a64_ldst_imm(k, rt, rn, off));
	if (a64_is_simm(off, 9))
		return a64_seq1(out, a64_ldst_unscaled(k, rt, rn, off));
	if (!a64_is_reg(tmp) || tmp == rn || tmp == A64_ZR || (tmp == rt && gp_store))
		return a64_seq1(out, A64_POISON);
	n = a64_mov_imm(out, true, tmp, (uint64_t)off);
	out[n++] = a64_ldst_reg(k, rt, rn, tmp, A64_UXTX, false);
	return n;
}

/* Fd = the float/double with IEEE bits `bits`: FMOV from ZR for +0.0, FMOV #imm8, else
 * GP `tmp` = bits and FMOV from it. */
static inline int a64_fmov_const_seq(uint32_t *out, bool dbl, unsigned rd, uint64_t bits,
				     unsigned tmp)
{
	int n;

	if (!dbl)
		bits &= 0xffffffffu;
	if (bits == 0)
		return a64_seq1(out, a64_fmov_from_gp(dbl, rd, A64_ZR));
	if (a64_fp_imm8(dbl, bits) >= 0)
		return a64_seq1(out, a64_fmov_imm(dbl, rd, bits));
	if (!a64_is_reg(tmp) || tmp == A64_ZR)
		return a64_seq1(out, A64_POISON);
	n = a64_mov_imm(out, dbl, tmp, bits);
	out[n++] = a64_fmov_from_gp(dbl, rd, tmp);
	return n;
}

/* Rd = popcount(Rn) through FP/SIMD register `vtmp`: FMOV, CNT, ADDV, FMOV (4 words). */
static inline int a64_popcnt_seq(uint32_t *out, bool sf, unsigned rd, unsigned rn,
				 unsigned vtmp)
{
	out[0] = a64_fmov_from_gp(sf, vtmp, rn);
	out[1] = a64_cnt_8b(vtmp, vtmp);
	out[2] = a64_addv_8b(vtmp, vtmp);
	out[3] = a64_fmov_to_gp(false, rd, vtmp);
	return 4;
}

/* Rd = popcount(Rn) in general registers only (SWAR bit counting, 12 words), for cores
 * without Advanced SIMD; `tmp` must differ from Rd and Rn. */
static inline int a64_popcnt_gp_seq(uint32_t *out, bool sf, unsigned rd, unsigned rn,
				    unsigned tmp)
{
	uint64_t m1 = 0x5555555555555555u, m2 = 0x3333333333333333u, m4 = 0x0f0f0f0f0f0f0f0fu;
	uint64_t h01 = 0x0101010101010101u;

	if (!sf) {
		m1 &= 0xffffffffu, m2 &= 0xffffffffu, m4 &= 0xffffffffu, h01 &= 0xffffffffu;
	}
	if (!a64_is_reg(tmp) || tmp == rd || tmp == rn || tmp == A64_ZR || rd == A64_ZR)
		return a64_seq1(out, A64_POISON);
	out[0] = a64_lsr_imm(sf, tmp, rn, 1);			/* t = x >> 1 */
	out[1] = a64_and_imm(sf, tmp, tmp, m1);			/* t &= 0x55.. */
	out[2] = a64_sub_reg(sf, rd, rn, tmp);			/* x -= t: 2-bit sums */
	out[3] = a64_lsr_imm(sf, tmp, rd, 2);
	out[4] = a64_and_imm(sf, tmp, tmp, m2);
	out[5] = a64_and_imm(sf, rd, rd, m2);
	out[6] = a64_add_reg(sf, rd, rd, tmp);			/* 4-bit sums */
	out[7] = a64_add_shift(sf, rd, rd, rd, A64_LSR, 4);
	out[8] = a64_and_imm(sf, rd, rd, m4);			/* byte sums */
	out[9] = a64_orr_imm(sf, tmp, A64_ZR, h01);
	out[10] = a64_mul(sf, rd, rd, tmp);			/* total in the top byte */
	out[11] = a64_lsr_imm(sf, rd, rd, sf ? 56 : 24);
	return 12;
}

#endif
