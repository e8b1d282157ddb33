/* vm/v128.h - exact Wasm semantics of every lane-wise SIMD operator, on 128-bit values.
 *
 * One static inline function per opcodes.def row of the classes VUNOP, VBINOP, VCOMPARE,
 * VTERNOP, VSHIFT, VTEST, VSPLAT, VEXTRACT and VREPLACE, named v128_<NAME> after the row
 * (vm/interp_ops.def generates the interpreter's handlers from the rows), plus the loads
 * (v128_<NAME>(const uint8_t *) for the VLOAD rows).  Signatures by class:
 *   VUNOP    v128 f(v128 a)                 VBINOP, VCOMPARE  v128 f(v128 a, v128 b)
 *   VTERNOP  v128 f(v128 a, v128 b, v128 c) VSHIFT            v128 f(v128 a, uint32_t n)
 *   VTEST    uint64_t f(v128 a)             VSPLAT            v128 f(uint64_t slot)
 *   VEXTRACT uint64_t f(v128 a, unsigned lane)
 *   VREPLACE v128 f(v128 a, uint64_t slot, unsigned lane)
 * Scalars come and go as 64-bit slots (vm/interp_num.h conventions: i32 and f32 in the low
 * 32 bits, floats as their bits).
 *
 * Two implementations behind one set of names.  With GCC or Clang, the common integer and
 * float operators use vector extensions (one SSE/NEON instruction or a few each, whatever the
 * target); everything else, and every operator when CHIBI_V128_PORTABLE is defined (or the
 * compiler is not GCC-like), is a plain loop over the lanes.  vm/v128_test.c runs the same
 * tests against both (vm/v128_portable_test.c includes it with CHIBI_V128_PORTABLE).
 * Lanes are numbered in memory order: the host is little-endian (x86-64, AArch64).
 *
 * Relaxed SIMD (Wasm 3.0) is deterministic here: each relaxed operator computes one result
 * the spec allows, the same that the JIT back ends produce (docs/RATIONALE.md, "SIMD").
 */
#ifndef CHIBI_VM_V128_H
#define CHIBI_VM_V128_H

#include <stdint.h>
#include <string.h>

#include "interp_num.h"

#if defined(__GNUC__) && !defined(CHIBI_V128_PORTABLE)
#define V128_VEC 1
typedef uint8_t vec_u8 __attribute__((vector_size(16)));
typedef int8_t vec_i8 __attribute__((vector_size(16)));
typedef uint16_t vec_u16 __attribute__((vector_size(16)));
typedef int16_t vec_i16 __attribute__((vector_size(16)));
typedef uint32_t vec_u32 __attribute__((vector_size(16)));
typedef int32_t vec_i32 __attribute__((vector_size(16)));
typedef uint64_t vec_u64 __attribute__((vector_size(16)));
typedef int64_t vec_i64 __attribute__((vector_size(16)));
typedef float vec_f32 __attribute__((vector_size(16)));
typedef double vec_f64 __attribute__((vector_size(16)));
#else
#define V128_VEC 0
#endif

/* A 128-bit value, viewed per lane shape.  Type punning through a union is defined in C11. */
typedef union v128 {
	uint8_t u8[16];
	int8_t i8[16];
	uint16_t u16[8];
	int16_t i16[8];
	uint32_t u32[4];
	int32_t i32[4];
	uint64_t u64[2];
	int64_t i64[2];
	float f32[4];
	double f64[2];
#if V128_VEC
	vec_u8 vu8;
	vec_i8 vi8;
	vec_u16 vu16;
	vec_i16 vi16;
	vec_u32 vu32;
	vec_i32 vi32;
	vec_u64 vu64;
	vec_i64 vi64;
	vec_f32 vf32;
	vec_f64 vf64;
#endif
} v128;

/* Two 64-bit slots (low half first) <-> a value; slots are only 8-byte aligned. */
static inline v128 v128_get(const uint64_t *p)
{
	v128 v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static inline void v128_put(uint64_t *p, v128 v)
{
	memcpy(p, &v, sizeof(v));
}

/* With vector extensions this is one vector (one 16-byte store when it goes to a slot pair):
 * two 8-byte stores read back by one 16-byte load miss store-to-load forwarding, which
 * costs more than the operation itself. */
static inline v128 v128_make(uint64_t lo, uint64_t hi)
{
	v128 v;

#if V128_VEC
	v.vu64 = (vec_u64){ lo, hi };
#else
	v.u64[0] = lo;
	v.u64[1] = hi;
#endif
	return v;
}

/* ---- lane loops ---- */

#define V_EACH(n) for (unsigned i_ = 0; i_ < (n); i_++)
#define V_LANES(lane) (sizeof(((v128 *)0)->lane) / sizeof(((v128 *)0)->lane[0]))

/* r.lane[i] = expr of a.lane[i] (x) and b.lane[i] (y), for every lane */
#define V_UN(name, lane, expr)							\
	static inline v128 v128_##name(v128 a)					\
	{									\
		v128 r;								\
		V_EACH(V_LANES(lane)) {						\
			__typeof__(a.lane[0]) x = a.lane[i_];			\
			r.lane[i_] = (expr);					\
		}								\
		return r;							\
	}
#define V_BIN(name, lane, expr)							\
	static inline v128 v128_##name(v128 a, v128 b)				\
	{									\
		v128 r;								\
		V_EACH(V_LANES(lane)) {						\
			__typeof__(a.lane[0]) x = a.lane[i_], y = b.lane[i_];	\
			(void)x;						\
			r.lane[i_] = (expr);					\
		}								\
		return r;							\
	}
/* Same, or one vector expression of a and b (vlane views) with vector extensions. */
#if V128_VEC
#define V_BINV(name, lane, vlane, expr, vexpr)					\
	static inline v128 v128_##name(v128 a, v128 b)				\
	{									\
		v128 r;								\
		r.vlane = (vexpr);						\
		return r;							\
	}
#define V_UNV(name, lane, vlane, expr, vexpr)					\
	static inline v128 v128_##name(v128 a)					\
	{									\
		v128 r;								\
		r.vlane = (vexpr);						\
		return r;							\
	}
#else
#define V_BINV(name, lane, vlane, expr, vexpr) V_BIN(name, lane, expr)
#define V_UNV(name, lane, vlane, expr, vexpr) V_UN(name, lane, expr)
#endif
/* Lane comparison: all ones where it holds.  The vector form's result is the signed
 * integer vector of the lane width, which is the mask. */
#if V128_VEC
#define V_CMP(name, lane, mlane, vmask, op)					\
	static inline v128 v128_##name(v128 a, v128 b)				\
	{									\
		v128 r;								\
		r.vmask = (__typeof__(r.vmask))(a.v##lane op b.v##lane);	\
		return r;							\
	}
#else
#define V_CMP(name, lane, mlane, vmask, op)					\
	static inline v128 v128_##name(v128 a, v128 b)				\
	{									\
		v128 r;								\
		V_EACH(V_LANES(lane))						\
			r.mlane[i_] = a.lane[i_] op b.lane[i_] ? -1 : 0;	\
		return r;							\
	}
#endif

/* ---- bitwise ---- */

V_UNV(V128_NOT, u64, vu64, ~x, ~a.vu64)
V_BINV(V128_AND, u64, vu64, x & y, a.vu64 & b.vu64)
V_BINV(V128_ANDNOT, u64, vu64, x & ~y, a.vu64 & ~b.vu64)
V_BINV(V128_OR, u64, vu64, x | y, a.vu64 | b.vu64)
V_BINV(V128_XOR, u64, vu64, x ^ y, a.vu64 ^ b.vu64)

static inline v128 v128_V128_BITSELECT(v128 a, v128 b, v128 c)
{
	return v128_make((a.u64[0] & c.u64[0]) | (b.u64[0] & ~c.u64[0]),
			 (a.u64[1] & c.u64[1]) | (b.u64[1] & ~c.u64[1]));
}

static inline uint64_t v128_V128_ANY_TRUE(v128 a)
{
	return (a.u64[0] | a.u64[1]) != 0;
}

/* ---- lane moves: splat, extract, replace, swizzle ---- */

#define V_SPLAT(name, lane, T)							\
	static inline v128 v128_##name(uint64_t s)				\
	{									\
		v128 r;								\
		T x;								\
		memcpy(&x, &s, sizeof(x)); /* the slot's low bytes */		\
		V_EACH(V_LANES(lane))						\
			r.lane[i_] = x;						\
		return r;							\
	}
V_SPLAT(I8X16_SPLAT, u8, uint8_t)
V_SPLAT(I16X8_SPLAT, u16, uint16_t)
V_SPLAT(I32X4_SPLAT, u32, uint32_t)
V_SPLAT(I64X2_SPLAT, u64, uint64_t)
V_SPLAT(F32X4_SPLAT, u32, uint32_t)
V_SPLAT(F64X2_SPLAT, u64, uint64_t)

/* The lane index is validated (below the lane count); & keeps even a bad one in bounds. */
#define V_EXTRACT(name, lane, conv)						\
	static inline uint64_t v128_##name(v128 a, unsigned l)		\
	{									\
		return conv(a.lane[l & (V_LANES(lane) - 1)]);			\
	}
#define V_REPLACE(name, lane, T)						\
	static inline v128 v128_##name(v128 a, uint64_t s, unsigned l)	\
	{									\
		T x;								\
		memcpy(&x, &s, sizeof(x));					\
		a.lane[l & (V_LANES(lane) - 1)] = x;				\
		return a;							\
	}
#define SX32(x) ((uint64_t)(uint32_t)(int32_t)(x))
#define ZX(x) ((uint64_t)(x))
V_EXTRACT(I8X16_EXTRACT_LANE_S, i8, SX32)
V_EXTRACT(I8X16_EXTRACT_LANE_U, u8, ZX)
V_EXTRACT(I16X8_EXTRACT_LANE_S, i16, SX32)
V_EXTRACT(I16X8_EXTRACT_LANE_U, u16, ZX)
V_EXTRACT(I32X4_EXTRACT_LANE, u32, ZX)
V_EXTRACT(I64X2_EXTRACT_LANE, u64, ZX)
V_EXTRACT(F32X4_EXTRACT_LANE, u32, ZX)
V_EXTRACT(F64X2_EXTRACT_LANE, u64, ZX)
V_REPLACE(I8X16_REPLACE_LANE, u8, uint8_t)
V_REPLACE(I16X8_REPLACE_LANE, u16, uint16_t)
V_REPLACE(I32X4_REPLACE_LANE, u32, uint32_t)
V_REPLACE(I64X2_REPLACE_LANE, u64, uint64_t)
V_REPLACE(F32X4_REPLACE_LANE, u32, uint32_t)
V_REPLACE(F64X2_REPLACE_LANE, u64, uint64_t)
#undef SX32
#undef ZX

/* Byte gathers: result byte i = src[idx[i]], or 0 where idx[i] >= n.  The result is built
 * in two 64-bit registers rather than stored byte by byte: 16 byte stores followed by one
 * 16-byte load would miss store-to-load forwarding on every use (measured: the interpreter's
 * shuffle handler took 3x longer that way). */
static inline v128 v_gather(const uint8_t *src, const uint8_t idx[16], unsigned n)
{
	uint64_t lo = 0, hi = 0;

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC unroll 8
#endif
	for (unsigned i = 0; i < 8; i++) {
		lo |= (uint64_t)(idx[i] < n ? src[idx[i]] : 0) << (8 * i);
		hi |= (uint64_t)(idx[8 + i] < n ? src[idx[8 + i]] : 0) << (8 * i);
	}
	return v128_make(lo, hi);
}

/* The same with every index known to be below 32 (i8x16.shuffle, validated): src has 32
 * bytes, no test per byte. */
static inline v128 v_gather32(const uint8_t src[32], const uint8_t idx[16])
{
	uint64_t lo = 0, hi = 0;

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC unroll 8
#endif
	for (unsigned i = 0; i < 8; i++) {
		lo |= (uint64_t)src[idx[i] & 31] << (8 * i);
		hi |= (uint64_t)src[idx[8 + i] & 31] << (8 * i);
	}
	return v128_make(lo, hi);
}

/* x86-64 with SSSE3 (every x86-64-v2 CPU): pshufb does a byte gather in one instruction.
 * chibi's baseline is plain x86-64, so these are out-of-line functions compiled for SSSE3
 * and taken when the CPU has it (__builtin_cpu_supports: one load and test). */
#if V128_VEC && defined(__x86_64__)
#define V128_PSHUFB 1
typedef char vec_c8 __attribute__((vector_size(16)));

/* Vector types in and out, so that the values travel in xmm registers (the union would be
 * passed in general registers and go through memory, missing store forwarding). */
__attribute__((target("ssse3"), noinline, unused))
static vec_u8 v_swizzle_ssse3(vec_u8 a, vec_u8 idx)
{
	/* indices >= 16 get bit 7 set, which pshufb turns into 0 */
	vec_u8 i = idx | ((vec_u8)(idx > 15) & 0x80);

	return (vec_u8)__builtin_ia32_pshufb128((vec_c8)a, (vec_c8)i);
}

__attribute__((target("ssse3"), noinline, unused))
static vec_u8 v_shuffle_ssse3(vec_u8 a, vec_u8 b, vec_u8 idx)
{
	vec_u8 lo = (vec_u8)(idx < 16);  /* all ones where the lane comes from a */
	vec_u8 ma = idx | (~lo & 0x80), mb = (idx - 16) | (lo & 0x80);

	return (vec_u8)__builtin_ia32_pshufb128((vec_c8)a, (vec_c8)ma) |
	       (vec_u8)__builtin_ia32_pshufb128((vec_c8)b, (vec_c8)mb);
}
#else
#define V128_PSHUFB 0
#endif

/* r[i] = a[b[i]], 0 for indices >= 16 */
static inline v128 v128_I8X16_SWIZZLE(v128 a, v128 b)
{
#if V128_PSHUFB
	if (__builtin_cpu_supports("ssse3")) {
		a.vu8 = v_swizzle_ssse3(a.vu8, b.vu8);
		return a;
	}
#endif
	return v_gather(a.u8, b.u8, 16);
}

/* relaxed: out-of-range indices give 0, exactly i8x16.swizzle */
static inline v128 v128_I8X16_RELAXED_SWIZZLE(v128 a, v128 b)
{
	return v128_I8X16_SWIZZLE(a, b);
}

/* i8x16.shuffle: lanes 0-15 of the result pick from a, 16-31 from b (validated < 32) */
static inline v128 v128_shuffle(v128 a, v128 b, const uint8_t idx[16])
{
	uint8_t ab[32];

#if V128_PSHUFB
	if (__builtin_cpu_supports("ssse3")) {
		v128 m;

		memcpy(&m, idx, 16);
		a.vu8 = v_shuffle_ssse3(a.vu8, b.vu8, m.vu8);
		return a;
	}
#endif
	memcpy(ab, &a, 16);
	memcpy(ab + 16, &b, 16);
	return v_gather32(ab, idx);
}

/* ---- integer arithmetic ---- */

/* Wrapping lane arithmetic is done on unsigned lanes (no signed overflow anywhere). */
#define V_INT_ARITH(P, lane)							\
	V_BINV(P##_ADD, lane, v##lane, x + y, a.v##lane + b.v##lane)		\
	V_BINV(P##_SUB, lane, v##lane, x - y, a.v##lane - b.v##lane)		\
	V_UNV(P##_NEG, lane, v##lane, 0 - x, 0 - a.v##lane)
V_INT_ARITH(I8X16, u8)
V_INT_ARITH(I16X8, u16)
V_INT_ARITH(I32X4, u32)
V_INT_ARITH(I64X2, u64)
V_BINV(I16X8_MUL, u16, vu16, (uint16_t)((uint32_t)x * y), a.vu16 * b.vu16)
V_BINV(I32X4_MUL, u32, vu32, x * y, a.vu32 * b.vu32)
V_BINV(I64X2_MUL, u64, vu64, x * y, a.vu64 * b.vu64)

/* abs on the signed view, computed unsigned: abs(INT_MIN) wraps to INT_MIN */
V_UN(I8X16_ABS, i8, x < 0 ? (int8_t)(uint8_t)(0u - (uint8_t)x) : x)
V_UN(I16X8_ABS, i16, x < 0 ? (int16_t)(uint16_t)(0u - (uint16_t)x) : x)
V_UN(I32X4_ABS, u32, (x >> 31) ? 0u - x : x)
V_UN(I64X2_ABS, u64, (x >> 63) ? 0u - x : x)
V_UN(I8X16_POPCNT, u8, (uint8_t)__builtin_popcount(x))

#define V_MINMAX(P, s, u)							\
	V_BIN(P##_MIN_S, s, x < y ? x : y)					\
	V_BIN(P##_MIN_U, u, x < y ? x : y)					\
	V_BIN(P##_MAX_S, s, x > y ? x : y)					\
	V_BIN(P##_MAX_U, u, x > y ? x : y)
V_MINMAX(I8X16, i8, u8)
V_MINMAX(I16X8, i16, u16)
V_MINMAX(I32X4, i32, u32)
V_BIN(I8X16_AVGR_U, u8, (uint8_t)(((uint32_t)x + y + 1) >> 1))
V_BIN(I16X8_AVGR_U, u16, (uint16_t)(((uint32_t)x + y + 1) >> 1))

/* saturating add/sub: computed in int, clamped to the lane's range */
static inline int v_clamp(int v, int lo, int hi) { return v < lo ? lo : v > hi ? hi : v; }
V_BIN(I8X16_ADD_SAT_S, i8, (int8_t)v_clamp(x + y, INT8_MIN, INT8_MAX))
V_BIN(I8X16_ADD_SAT_U, u8, (uint8_t)v_clamp(x + y, 0, UINT8_MAX))
V_BIN(I8X16_SUB_SAT_S, i8, (int8_t)v_clamp(x - y, INT8_MIN, INT8_MAX))
V_BIN(I8X16_SUB_SAT_U, u8, (uint8_t)v_clamp(x - y, 0, UINT8_MAX))
V_BIN(I16X8_ADD_SAT_S, i16, (int16_t)v_clamp(x + y, INT16_MIN, INT16_MAX))
V_BIN(I16X8_ADD_SAT_U, u16, (uint16_t)v_clamp(x + y, 0, UINT16_MAX))
V_BIN(I16X8_SUB_SAT_S, i16, (int16_t)v_clamp(x - y, INT16_MIN, INT16_MAX))
V_BIN(I16X8_SUB_SAT_U, u16, (uint16_t)v_clamp(x - y, 0, UINT16_MAX))
/* (x * y + 2^14) >> 15, saturated: only -32768 * -32768 overflows.  The shift of a negative
 * product is done on the biased non-negative value, so it is exact floor division. */
static inline int16_t v_q15mulr(int16_t x, int16_t y)
{
	int32_t p = (int32_t)x * y + 0x4000;
	int32_t q = (int32_t)(((uint32_t)p + 0x80000000u) >> 15) - 0x10000;

	return (int16_t)v_clamp(q, INT16_MIN, INT16_MAX);
}
V_BIN(I16X8_Q15MULR_SAT_S, i16, v_q15mulr(x, y))
/* relaxed: the saturating result (what AArch64's SQRDMULH gives; x86 fixes PMULHRSW up) */
V_BIN(I16X8_RELAXED_Q15MULR_S, i16, v_q15mulr(x, y))

/* ---- shifts: the count is taken modulo the lane width ---- */

/* Arithmetic right shift of a w-bit lane value sign-extended into x, without relying on
 * implementation-defined signed shifts. */
#define V_SHIFTS(P, u, s, bits, sar)						\
	static inline v128 v128_##P##_SHL(v128 a, uint32_t n)			\
	{									\
		v128 r;								\
		n &= bits - 1;							\
		V_EACH(V_LANES(u))						\
			r.u[i_] = (__typeof__(r.u[0]))(a.u[i_] << n);		\
		return r;							\
	}									\
	static inline v128 v128_##P##_SHR_U(v128 a, uint32_t n)		\
	{									\
		v128 r;								\
		n &= bits - 1;							\
		V_EACH(V_LANES(u))						\
			r.u[i_] = (__typeof__(r.u[0]))(a.u[i_] >> n);		\
		return r;							\
	}									\
	static inline v128 v128_##P##_SHR_S(v128 a, uint32_t n)		\
	{									\
		v128 r;								\
		n &= bits - 1;							\
		V_EACH(V_LANES(u))						\
			r.u[i_] = (__typeof__(r.u[0]))sar(a.s[i_], n);		\
		return r;							\
	}
#define V_SAR32(x, n) sar32((uint32_t)(int32_t)(x), (n))
#define V_SAR64(x, n) sar64((uint64_t)(x), (n))
#if V128_VEC
/* vector shifts by a scalar count: GCC and Clang broadcast it */
static inline v128 v128_I8X16_SHL(v128 a, uint32_t n) { a.vu8 <<= (n & 7); return a; }
static inline v128 v128_I8X16_SHR_U(v128 a, uint32_t n) { a.vu8 >>= (n & 7); return a; }
static inline v128 v128_I8X16_SHR_S(v128 a, uint32_t n) { a.vi8 >>= (n & 7); return a; }
static inline v128 v128_I16X8_SHL(v128 a, uint32_t n) { a.vu16 <<= (n & 15); return a; }
static inline v128 v128_I16X8_SHR_U(v128 a, uint32_t n) { a.vu16 >>= (n & 15); return a; }
static inline v128 v128_I16X8_SHR_S(v128 a, uint32_t n) { a.vi16 >>= (n & 15); return a; }
static inline v128 v128_I32X4_SHL(v128 a, uint32_t n) { a.vu32 <<= (n & 31); return a; }
static inline v128 v128_I32X4_SHR_U(v128 a, uint32_t n) { a.vu32 >>= (n & 31); return a; }
static inline v128 v128_I32X4_SHR_S(v128 a, uint32_t n) { a.vi32 >>= (n & 31); return a; }
static inline v128 v128_I64X2_SHL(v128 a, uint32_t n) { a.vu64 <<= (n & 63); return a; }
static inline v128 v128_I64X2_SHR_U(v128 a, uint32_t n) { a.vu64 >>= (n & 63); return a; }
static inline v128 v128_I64X2_SHR_S(v128 a, uint32_t n) { a.vi64 >>= (n & 63); return a; }
#else
V_SHIFTS(I8X16, u8, i8, 8, V_SAR32)
V_SHIFTS(I16X8, u16, i16, 16, V_SAR32)
V_SHIFTS(I32X4, u32, i32, 32, V_SAR32)
V_SHIFTS(I64X2, u64, i64, 64, V_SAR64)
#endif

/* ---- tests ---- */

#define V_ALL_TRUE(name, lane)							\
	static inline uint64_t v128_##name(v128 a)				\
	{									\
		unsigned ok = 1;						\
		V_EACH(V_LANES(lane))						\
			ok &= a.lane[i_] != 0;					\
		return ok;							\
	}
#define V_BITMASK(name, lane, bits)						\
	static inline uint64_t v128_##name(v128 a)				\
	{									\
		uint32_t m = 0;							\
		V_EACH(V_LANES(lane))						\
			m |= (uint32_t)(a.lane[i_] >> (bits - 1)) << i_;	\
		return m;							\
	}
V_ALL_TRUE(I8X16_ALL_TRUE, u8)
V_ALL_TRUE(I16X8_ALL_TRUE, u16)
V_ALL_TRUE(I32X4_ALL_TRUE, u32)
V_ALL_TRUE(I64X2_ALL_TRUE, u64)
V_BITMASK(I8X16_BITMASK, u8, 8)
V_BITMASK(I16X8_BITMASK, u16, 16)
V_BITMASK(I32X4_BITMASK, u32, 32)
V_BITMASK(I64X2_BITMASK, u64, 64)

/* ---- comparisons ---- */

#define V_ICMP(P, s, u, ms)							\
	V_CMP(P##_EQ, u, ms, v##ms, ==)						\
	V_CMP(P##_NE, u, ms, v##ms, !=)						\
	V_CMP(P##_LT_S, s, ms, v##ms, <)					\
	V_CMP(P##_LT_U, u, ms, v##ms, <)					\
	V_CMP(P##_GT_S, s, ms, v##ms, >)					\
	V_CMP(P##_GT_U, u, ms, v##ms, >)					\
	V_CMP(P##_LE_S, s, ms, v##ms, <=)					\
	V_CMP(P##_LE_U, u, ms, v##ms, <=)					\
	V_CMP(P##_GE_S, s, ms, v##ms, >=)					\
	V_CMP(P##_GE_U, u, ms, v##ms, >=)
V_ICMP(I8X16, i8, u8, i8)
V_ICMP(I16X8, i16, u16, i16)
V_ICMP(I32X4, i32, u32, i32)
V_CMP(I64X2_EQ, u64, i64, vi64, ==)
V_CMP(I64X2_NE, u64, i64, vi64, !=)
V_CMP(I64X2_LT_S, i64, i64, vi64, <)
V_CMP(I64X2_GT_S, i64, i64, vi64, >)
V_CMP(I64X2_LE_S, i64, i64, vi64, <=)
V_CMP(I64X2_GE_S, i64, i64, vi64, >=)
#define V_FCMP(P, f, ms)							\
	V_CMP(P##_EQ, f, ms, v##ms, ==)						\
	V_CMP(P##_NE, f, ms, v##ms, !=)						\
	V_CMP(P##_LT, f, ms, v##ms, <)						\
	V_CMP(P##_GT, f, ms, v##ms, >)						\
	V_CMP(P##_LE, f, ms, v##ms, <=)						\
	V_CMP(P##_GE, f, ms, v##ms, >=)
V_FCMP(F32X4, f32, i32)
V_FCMP(F64X2, f64, i64)

/* ---- narrowing, widening, pairwise and dot products ---- */

/* narrow: a's lanes then b's, each saturated to the narrower signed/unsigned range */
#define V_NARROW(name, wide, narrow, T, lo, hi)					\
	static inline v128 v128_##name(v128 a, v128 b)				\
	{									\
		v128 r;								\
		const unsigned n = V_LANES(wide);				\
		V_EACH(n) {							\
			r.narrow[i_] = (T)v_clamp(a.wide[i_], lo, hi);		\
			r.narrow[n + i_] = (T)v_clamp(b.wide[i_], lo, hi);	\
		}								\
		return r;							\
	}
V_NARROW(I8X16_NARROW_I16X8_S, i16, i8, int8_t, INT8_MIN, INT8_MAX)
V_NARROW(I8X16_NARROW_I16X8_U, i16, u8, uint8_t, 0, UINT8_MAX)
static inline int64_t v_clamp64(int64_t v, int64_t lo, int64_t hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}
static inline v128 v128_I16X8_NARROW_I32X4_S(v128 a, v128 b)
{
	v128 r;

	V_EACH(4) {
		r.i16[i_] = (int16_t)v_clamp64(a.i32[i_], INT16_MIN, INT16_MAX);
		r.i16[4 + i_] = (int16_t)v_clamp64(b.i32[i_], INT16_MIN, INT16_MAX);
	}
	return r;
}
static inline v128 v128_I16X8_NARROW_I32X4_U(v128 a, v128 b)
{
	v128 r;

	V_EACH(4) {
		r.u16[i_] = (uint16_t)v_clamp64(a.i32[i_], 0, UINT16_MAX);
		r.u16[4 + i_] = (uint16_t)v_clamp64(b.i32[i_], 0, UINT16_MAX);
	}
	return r;
}

/* extend: lanes [off, off + n) of the narrow view, widened (signed or unsigned view) */
#define V_EXTEND(name, wide, narrow, off)					\
	static inline v128 v128_##name(v128 a)					\
	{									\
		v128 r;								\
		V_EACH(V_LANES(wide))						\
			r.wide[i_] = a.narrow[(off) + i_];			\
		return r;							\
	}
V_EXTEND(I16X8_EXTEND_LOW_I8X16_S, i16, i8, 0)
V_EXTEND(I16X8_EXTEND_HIGH_I8X16_S, i16, i8, 8)
V_EXTEND(I16X8_EXTEND_LOW_I8X16_U, u16, u8, 0)
V_EXTEND(I16X8_EXTEND_HIGH_I8X16_U, u16, u8, 8)
V_EXTEND(I32X4_EXTEND_LOW_I16X8_S, i32, i16, 0)
V_EXTEND(I32X4_EXTEND_HIGH_I16X8_S, i32, i16, 4)
V_EXTEND(I32X4_EXTEND_LOW_I16X8_U, u32, u16, 0)
V_EXTEND(I32X4_EXTEND_HIGH_I16X8_U, u32, u16, 4)
V_EXTEND(I64X2_EXTEND_LOW_I32X4_S, i64, i32, 0)
V_EXTEND(I64X2_EXTEND_HIGH_I32X4_S, i64, i32, 2)
V_EXTEND(I64X2_EXTEND_LOW_I32X4_U, u64, u32, 0)
V_EXTEND(I64X2_EXTEND_HIGH_I32X4_U, u64, u32, 2)

/* extmul: the products of extended lanes; computed in the wide unsigned type, so that even
 * the extreme products need no signed overflow (they never overflow the wide lane anyway) */
#define V_EXTMUL(name, wide, narrow, WT, off)					\
	static inline v128 v128_##name(v128 a, v128 b)				\
	{									\
		v128 r;								\
		V_EACH(V_LANES(wide))						\
			r.wide[i_] = (WT)a.narrow[(off) + i_] *		\
				     (WT)b.narrow[(off) + i_];			\
		return r;							\
	}
V_EXTMUL(I16X8_EXTMUL_LOW_I8X16_S, i16, i8, int32_t, 0)
V_EXTMUL(I16X8_EXTMUL_HIGH_I8X16_S, i16, i8, int32_t, 8)
V_EXTMUL(I16X8_EXTMUL_LOW_I8X16_U, u16, u8, uint32_t, 0)
V_EXTMUL(I16X8_EXTMUL_HIGH_I8X16_U, u16, u8, uint32_t, 8)
V_EXTMUL(I32X4_EXTMUL_LOW_I16X8_S, i32, i16, int32_t, 0)
V_EXTMUL(I32X4_EXTMUL_HIGH_I16X8_S, i32, i16, int32_t, 4)
V_EXTMUL(I32X4_EXTMUL_LOW_I16X8_U, u32, u16, uint32_t, 0)
V_EXTMUL(I32X4_EXTMUL_HIGH_I16X8_U, u32, u16, uint32_t, 4)
V_EXTMUL(I64X2_EXTMUL_LOW_I32X4_S, i64, i32, int64_t, 0)
V_EXTMUL(I64X2_EXTMUL_HIGH_I32X4_S, i64, i32, int64_t, 2)
V_EXTMUL(I64X2_EXTMUL_LOW_I32X4_U, u64, u32, uint64_t, 0)
V_EXTMUL(I64X2_EXTMUL_HIGH_I32X4_U, u64, u32, uint64_t, 2)

#define V_EXTADD(name, wide, narrow)						\
	static inline v128 v128_##name(v128 a)					\
	{									\
		v128 r;								\
		V_EACH(V_LANES(wide))						\
			r.wide[i_] = a.narrow[2 * i_] + a.narrow[2 * i_ + 1];	\
		return r;							\
	}
V_EXTADD(I16X8_EXTADD_PAIRWISE_I8X16_S, i16, i8)
V_EXTADD(I16X8_EXTADD_PAIRWISE_I8X16_U, u16, u8)
V_EXTADD(I32X4_EXTADD_PAIRWISE_I16X8_S, i32, i16)
V_EXTADD(I32X4_EXTADD_PAIRWISE_I16X8_U, u32, u16)

/* sum of two i16 products; only -32768^2 * 2 leaves i32, and it wraps (as in the spec) */
static inline v128 v128_I32X4_DOT_I16X8_S(v128 a, v128 b)
{
	v128 r;

	V_EACH(4)
		r.u32[i_] = (uint32_t)((int64_t)a.i16[2 * i_] * b.i16[2 * i_] +
				       (int64_t)a.i16[2 * i_ + 1] * b.i16[2 * i_ + 1]);
	return r;
}

/* relaxed dot products: both operands signed, the pair sums wrap to i16 */
static inline v128 v128_I16X8_RELAXED_DOT_I8X16_I7X16_S(v128 a, v128 b)
{
	v128 r;

	V_EACH(8)
		r.u16[i_] = (uint16_t)(a.i8[2 * i_] * b.i8[2 * i_] +
				       a.i8[2 * i_ + 1] * b.i8[2 * i_ + 1]);
	return r;
}

static inline v128 v128_I32X4_RELAXED_DOT_I8X16_I7X16_ADD_S(v128 a, v128 b, v128 c)
{
	v128 r;

	V_EACH(4) {
		int32_t sum = 0;

		for (unsigned k = 0; k < 4; k++)
			sum += a.i8[4 * i_ + k] * b.i8[4 * i_ + k];
		r.u32[i_] = (uint32_t)sum + c.u32[i_];
	}
	return r;
}

/* ---- floats ---- */

/*
 * add and mul commute, so the compiler may compute a + b as b + a, and where both lanes are
 * NaNs the hardware then returns b's: chibi's rule is a's NaN, quieted, in every tier (see
 * nan_first in vm/interp_num.h; the JITs' addps/fadd keep their first operand's).  Lanes
 * where a is a NaN take a + a (a quieted); the others keep a OP b.  sub and div cannot be
 * reordered.  Found by the wasm-opt -ttf campaign (fuzz/corpus/ttf-40731-memory.wasm).
 */
#if V128_VEC
#define V_FCOMM(name, f, vf, vi, OP)						\
	static inline v128 v128_##name(v128 a, v128 b)				\
	{									\
		v128 r, q;							\
		__typeof__(a.vi) a_nan = a.vf != a.vf;				\
		r.vf = a.vf OP b.vf;						\
		q.vf = a.vf + a.vf;						\
		r.vi = (q.vi & a_nan) | (r.vi & ~a_nan);			\
		return r;							\
	}
#else
#define V_FCOMM(name, f, vf, vi, OP) V_BIN(name, f, x != x ? x + x : x OP y)
#endif
#define V_FARITH(P, f, vf, vi)							\
	V_FCOMM(P##_ADD, f, vf, vi, +)						\
	V_BINV(P##_SUB, f, vf, x - y, a.vf - b.vf)				\
	V_FCOMM(P##_MUL, f, vf, vi, *)						\
	V_BINV(P##_DIV, f, vf, x / y, a.vf / b.vf)
V_FARITH(F32X4, f32, vf32, vi32)
V_FARITH(F64X2, f64, vf64, vi64)
/* abs and neg are sign-bit operations: NaN payloads pass through */
V_UNV(F32X4_ABS, u32, vu32, x & 0x7fffffffu, a.vu32 & 0x7fffffffu)
V_UNV(F32X4_NEG, u32, vu32, x ^ 0x80000000u, a.vu32 ^ 0x80000000u)
V_UNV(F64X2_ABS, u64, vu64, x & 0x7fffffffffffffffull, a.vu64 & 0x7fffffffffffffffull)
V_UNV(F64X2_NEG, u64, vu64, x ^ 0x8000000000000000ull, a.vu64 ^ 0x8000000000000000ull)
V_UN(F32X4_SQRT, f32, sqrt32(x))
V_UN(F64X2_SQRT, f64, sqrt64(x))
V_UN(F32X4_CEIL, f32, quiet32(x, __builtin_ceilf(x)))
V_UN(F32X4_FLOOR, f32, quiet32(x, __builtin_floorf(x)))
V_UN(F32X4_TRUNC, f32, quiet32(x, __builtin_truncf(x)))
V_UN(F32X4_NEAREST, f32, quiet32(x, nearest32(x)))
V_UN(F64X2_CEIL, f64, quiet64(x, __builtin_ceil(x)))
V_UN(F64X2_FLOOR, f64, quiet64(x, __builtin_floor(x)))
V_UN(F64X2_TRUNC, f64, quiet64(x, __builtin_trunc(x)))
V_UN(F64X2_NEAREST, f64, quiet64(x, nearest64(x)))
V_BIN(F32X4_MIN, f32, fmin32(x, y))
V_BIN(F32X4_MAX, f32, fmax32(x, y))
V_BIN(F64X2_MIN, f64, fmin64(x, y))
V_BIN(F64X2_MAX, f64, fmax64(x, y))
/* pseudo-min/max: b < a ? b : a and a < b ? b : a, exactly (NaN and -0 fall out of <) */
V_BIN(F32X4_PMIN, f32, y < x ? y : x)
V_BIN(F32X4_PMAX, f32, x < y ? y : x)
V_BIN(F64X2_PMIN, f64, y < x ? y : x)
V_BIN(F64X2_PMAX, f64, x < y ? y : x)
/* relaxed min/max: the f32x4.min/max results */
V_BIN(F32X4_RELAXED_MIN, f32, fmin32(x, y))
V_BIN(F32X4_RELAXED_MAX, f32, fmax32(x, y))
V_BIN(F64X2_RELAXED_MIN, f64, fmin64(x, y))
V_BIN(F64X2_RELAXED_MAX, f64, fmax64(x, y))

/*
 * relaxed madd/nmadd: unfused, a * b rounded then + c rounded (x86 without FMA can match).
 * Each step keeps chibi's NaN rule (its first operand's NaN, quieted): C may commute the
 * multiplication and the addition, and an AArch64 build of the interpreter did.
 */
static inline float first_nan_f32(float x, float y, bool add)
{
	return x != x ? x + x : add ? x + y : x * y;
}

static inline double first_nan_f64(double x, double y, bool add)
{
	return x != x ? x + x : add ? x + y : x * y;
}

static inline v128 v128_F32X4_RELAXED_MADD(v128 a, v128 b, v128 c)
{
	v128 r;

	V_EACH(4) {
		volatile float p = first_nan_f32(a.f32[i_], b.f32[i_], false); /* no FMA */

		r.f32[i_] = first_nan_f32(p, c.f32[i_], true);
	}
	return r;
}

static inline v128 v128_F32X4_RELAXED_NMADD(v128 a, v128 b, v128 c)
{
	v128 r;

	V_EACH(4) {
		volatile float p = first_nan_f32(-a.f32[i_], b.f32[i_], false);

		r.f32[i_] = first_nan_f32(p, c.f32[i_], true);
	}
	return r;
}

static inline v128 v128_F64X2_RELAXED_MADD(v128 a, v128 b, v128 c)
{
	v128 r;

	V_EACH(2) {
		volatile double p = first_nan_f64(a.f64[i_], b.f64[i_], false);

		r.f64[i_] = first_nan_f64(p, c.f64[i_], true);
	}
	return r;
}

static inline v128 v128_F64X2_RELAXED_NMADD(v128 a, v128 b, v128 c)
{
	v128 r;

	V_EACH(2) {
		volatile double p = first_nan_f64(-a.f64[i_], b.f64[i_], false);

		r.f64[i_] = first_nan_f64(p, c.f64[i_], true);
	}
	return r;
}

/* relaxed laneselect: exactly v128.bitselect, whatever the lane width */
#define v128_I8X16_RELAXED_LANESELECT v128_V128_BITSELECT
#define v128_I16X8_RELAXED_LANESELECT v128_V128_BITSELECT
#define v128_I32X4_RELAXED_LANESELECT v128_V128_BITSELECT
#define v128_I64X2_RELAXED_LANESELECT v128_V128_BITSELECT

/* ---- conversions ---- */

static inline v128 v128_F32X4_DEMOTE_F64X2_ZERO(v128 a)
{
	v128 r = v128_make(0, 0);

	r.f32[0] = (float)a.f64[0];
	r.f32[1] = (float)a.f64[1];
	return r;
}

static inline v128 v128_F64X2_PROMOTE_LOW_F32X4(v128 a)
{
	v128 r;

	r.f64[0] = a.f32[0];
	r.f64[1] = a.f32[1];
	return r;
}

/* float -> int lanes, saturating (vm/interp_num.h's scalar helpers); the f64 forms fill the
 * two high lanes with zeros */
#define V_TRUNC32(name, conv)							\
	static inline v128 v128_##name(v128 a)					\
	{									\
		v128 r;								\
		V_EACH(4)							\
			r.u32[i_] = (uint32_t)conv(a.f32[i_]);			\
		return r;							\
	}
#define V_TRUNC64(name, conv)							\
	static inline v128 v128_##name(v128 a)					\
	{									\
		v128 r = v128_make(0, 0);					\
		r.u32[0] = (uint32_t)conv(a.f64[0]);				\
		r.u32[1] = (uint32_t)conv(a.f64[1]);				\
		return r;							\
	}
V_TRUNC32(I32X4_TRUNC_SAT_F32X4_S, trunc_sat_i32_s)
V_TRUNC32(I32X4_TRUNC_SAT_F32X4_U, trunc_sat_i32_u)
V_TRUNC64(I32X4_TRUNC_SAT_F64X2_S_ZERO, trunc_sat_i32_s)
V_TRUNC64(I32X4_TRUNC_SAT_F64X2_U_ZERO, trunc_sat_i32_u)
/* relaxed truncations: the saturating results (NaN -> 0, out of range -> the bound) */
V_TRUNC32(I32X4_RELAXED_TRUNC_F32X4_S, trunc_sat_i32_s)
V_TRUNC32(I32X4_RELAXED_TRUNC_F32X4_U, trunc_sat_i32_u)
V_TRUNC64(I32X4_RELAXED_TRUNC_F64X2_S_ZERO, trunc_sat_i32_s)
V_TRUNC64(I32X4_RELAXED_TRUNC_F64X2_U_ZERO, trunc_sat_i32_u)

static inline v128 v128_F32X4_CONVERT_I32X4_S(v128 a)
{
	v128 r;

	V_EACH(4)
		r.f32[i_] = (float)a.i32[i_];
	return r;
}

static inline v128 v128_F32X4_CONVERT_I32X4_U(v128 a)
{
	v128 r;

	V_EACH(4)
		r.f32[i_] = (float)a.u32[i_];
	return r;
}

static inline v128 v128_F64X2_CONVERT_LOW_I32X4_S(v128 a)
{
	v128 r;

	r.f64[0] = a.i32[0];
	r.f64[1] = a.i32[1];
	return r;
}

static inline v128 v128_F64X2_CONVERT_LOW_I32X4_U(v128 a)
{
	v128 r;

	r.f64[0] = a.u32[0];
	r.f64[1] = a.u32[1];
	return r;
}

/* ---- loads (VLOAD rows): p points at the bytes read, bounds already checked ---- */

static inline v128 v128_V128_LOAD(const uint8_t *p)
{
	v128 r;

	memcpy(&r, p, 16);
	return r;
}

#define V_LOAD_EXT(name, wide, NT)						\
	static inline v128 v128_##name(const uint8_t *p)			\
	{									\
		v128 r;								\
		NT n[V_LANES(wide)];						\
		memcpy(n, p, sizeof(n));					\
		V_EACH(V_LANES(wide))						\
			r.wide[i_] = n[i_];					\
		return r;							\
	}
V_LOAD_EXT(V128_LOAD8X8_S, i16, int8_t)
V_LOAD_EXT(V128_LOAD8X8_U, u16, uint8_t)
V_LOAD_EXT(V128_LOAD16X4_S, i32, int16_t)
V_LOAD_EXT(V128_LOAD16X4_U, u32, uint16_t)
V_LOAD_EXT(V128_LOAD32X2_S, i64, int32_t)
V_LOAD_EXT(V128_LOAD32X2_U, u64, uint32_t)

#define V_LOAD_SPLAT(name, lane, T)						\
	static inline v128 v128_##name(const uint8_t *p)			\
	{									\
		v128 r;								\
		T x;								\
		memcpy(&x, p, sizeof(x));					\
		V_EACH(V_LANES(lane))						\
			r.lane[i_] = x;						\
		return r;							\
	}
V_LOAD_SPLAT(V128_LOAD8_SPLAT, u8, uint8_t)
V_LOAD_SPLAT(V128_LOAD16_SPLAT, u16, uint16_t)
V_LOAD_SPLAT(V128_LOAD32_SPLAT, u32, uint32_t)
V_LOAD_SPLAT(V128_LOAD64_SPLAT, u64, uint64_t)

static inline v128 v128_V128_LOAD32_ZERO(const uint8_t *p)
{
	v128 r = v128_make(0, 0);

	memcpy(&r, p, 4);
	return r;
}

static inline v128 v128_V128_LOAD64_ZERO(const uint8_t *p)
{
	v128 r = v128_make(0, 0);

	memcpy(&r, p, 8);
	return r;
}

#endif
