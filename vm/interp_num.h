/* vm/interp_num.h - exact Wasm semantics of every numeric operator, on 64-bit slots.
 *
 * One static inline function per opcode, named num_<OPCODE> after the opcodes.def row, so
 * that the interpreter's handlers and the translator's constant folder share one definition.
 * Signature: uint64_t num_X(uint64_t a[, uint64_t b], int *trap).  A trapping operator stores
 * its enum chibi_trap in *trap and returns 0; non-trapping ones never touch it, so after
 * inlining the caller's trap test folds away.  No UB: shifts masked, signed overflow done in
 * unsigned, float->int conversions range-checked first.  Not here: loads/stores, control.
 */
#ifndef CHIBI_VM_INTERP_NUM_H
#define CHIBI_VM_INTERP_NUM_H

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "../include/chibi.h"

/* ---- slot <-> float views (i32/f32 live in the low 32 bits; upper bits are ignored) ---- */

static inline float slot_f32(uint64_t s)
{
	uint32_t u = (uint32_t)s;
	float f;

	memcpy(&f, &u, sizeof(f));
	return f;
}

static inline uint64_t f32_slot(float f)
{
	uint32_t u;

	memcpy(&u, &f, sizeof(u));
	return u;
}

static inline double slot_f64(uint64_t s)
{
	double d;

	memcpy(&d, &s, sizeof(d));
	return d;
}

static inline uint64_t f64_slot(double d)
{
	uint64_t u;

	memcpy(&u, &d, sizeof(u));
	return u;
}

/* ---- integer helpers ---- */

static inline uint32_t rotl32(uint32_t x, uint32_t n) { n &= 31; return (x << n) | (x >> ((32 - n) & 31)); }
static inline uint32_t rotr32(uint32_t x, uint32_t n) { n &= 31; return (x >> n) | (x << ((32 - n) & 31)); }
static inline uint64_t rotl64(uint64_t x, uint64_t n) { n &= 63; return (x << n) | (x >> ((64 - n) & 63)); }
static inline uint64_t rotr64(uint64_t x, uint64_t n) { n &= 63; return (x >> n) | (x << ((64 - n) & 63)); }

/* Arithmetic right shift without relying on implementation-defined signed shifts. */
static inline uint32_t sar32(uint32_t x, uint32_t n)
{
	n &= 31;
	return (x >> n) | ((x >> 31) ? ~(UINT32_MAX >> n) : 0);
}

static inline uint64_t sar64(uint64_t x, uint64_t n)
{
	n &= 63;
	return (x >> n) | ((x >> 63) ? ~(UINT64_MAX >> n) : 0);
}

/* Two's-complement reinterpretation, spelled so that no out-of-range conversion happens. */
static inline int32_t as_s32(uint32_t x) { return x <= INT32_MAX ? (int32_t)x : -(int32_t)(~x) - 1; }
static inline int64_t as_s64(uint64_t x) { return x <= INT64_MAX ? (int64_t)x : -(int64_t)(~x) - 1; }

/* ---- generators ---- */

#define NUM_I32_BIN(name, expr)							\
	static inline uint64_t num_##name(uint64_t a_, uint64_t b_, int *trap)	\
	{									\
		uint32_t a = (uint32_t)a_, b = (uint32_t)b_;			\
		(void)trap;							\
		return (uint32_t)(expr);					\
	}
#define NUM_I64_BIN(name, expr)							\
	static inline uint64_t num_##name(uint64_t a, uint64_t b, int *trap)	\
	{									\
		(void)trap;							\
		return (uint64_t)(expr);					\
	}
#define NUM_F32_BIN(name, expr)							\
	static inline uint64_t num_##name(uint64_t a_, uint64_t b_, int *trap)	\
	{									\
		float a = slot_f32(a_), b = slot_f32(b_);			\
		(void)trap;							\
		return f32_slot(expr);						\
	}
#define NUM_F64_BIN(name, expr)							\
	static inline uint64_t num_##name(uint64_t a_, uint64_t b_, int *trap)	\
	{									\
		double a = slot_f64(a_), b = slot_f64(b_);			\
		(void)trap;							\
		return f64_slot(expr);						\
	}
/* Float comparisons produce an i32 0/1; NaN makes every one but `ne` false. */
#define NUM_F32_CMP(name, expr)							\
	static inline uint64_t num_##name(uint64_t a_, uint64_t b_, int *trap)	\
	{									\
		float a = slot_f32(a_), b = slot_f32(b_);			\
		(void)trap;							\
		return (expr) ? 1 : 0;						\
	}
#define NUM_F64_CMP(name, expr)							\
	static inline uint64_t num_##name(uint64_t a_, uint64_t b_, int *trap)	\
	{									\
		double a = slot_f64(a_), b = slot_f64(b_);			\
		(void)trap;							\
		return (expr) ? 1 : 0;						\
	}
#define NUM_UN(name, expr)							\
	static inline uint64_t num_##name(uint64_t a, int *trap)		\
	{									\
		(void)trap;							\
		return (uint64_t)(expr);					\
	}

/* ---- i32 ---- */

NUM_UN(I32_EQZ, (uint32_t)a == 0)
NUM_I32_BIN(I32_EQ, a == b)
NUM_I32_BIN(I32_NE, a != b)
NUM_I32_BIN(I32_LT_S, as_s32(a) < as_s32(b))
NUM_I32_BIN(I32_LT_U, a < b)
NUM_I32_BIN(I32_GT_S, as_s32(a) > as_s32(b))
NUM_I32_BIN(I32_GT_U, a > b)
NUM_I32_BIN(I32_LE_S, as_s32(a) <= as_s32(b))
NUM_I32_BIN(I32_LE_U, a <= b)
NUM_I32_BIN(I32_GE_S, as_s32(a) >= as_s32(b))
NUM_I32_BIN(I32_GE_U, a >= b)
NUM_UN(I32_CLZ, (uint32_t)a ? (uint32_t)__builtin_clz((uint32_t)a) : 32u)
NUM_UN(I32_CTZ, (uint32_t)a ? (uint32_t)__builtin_ctz((uint32_t)a) : 32u)
NUM_UN(I32_POPCNT, (uint32_t)__builtin_popcount((uint32_t)a))
NUM_I32_BIN(I32_ADD, a + b)
NUM_I32_BIN(I32_SUB, a - b)
NUM_I32_BIN(I32_MUL, a * b)
NUM_I32_BIN(I32_AND, a & b)
NUM_I32_BIN(I32_OR, a | b)
NUM_I32_BIN(I32_XOR, a ^ b)
NUM_I32_BIN(I32_SHL, a << (b & 31))
NUM_I32_BIN(I32_SHR_S, sar32(a, b))
NUM_I32_BIN(I32_SHR_U, a >> (b & 31))
NUM_I32_BIN(I32_ROTL, rotl32(a, b))
NUM_I32_BIN(I32_ROTR, rotr32(a, b))

static inline uint64_t num_I32_DIV_S(uint64_t a_, uint64_t b_, int *trap)
{
	int32_t a = as_s32((uint32_t)a_), b = as_s32((uint32_t)b_);

	if (b == 0) { *trap = CHIBI_TRAP_DIV_ZERO; return 0; }
	if (a == INT32_MIN && b == -1) { *trap = CHIBI_TRAP_INT_OVERFLOW; return 0; }
	return (uint32_t)(a / b);
}

static inline uint64_t num_I32_DIV_U(uint64_t a_, uint64_t b_, int *trap)
{
	uint32_t a = (uint32_t)a_, b = (uint32_t)b_;

	if (b == 0) { *trap = CHIBI_TRAP_DIV_ZERO; return 0; }
	return a / b;
}

static inline uint64_t num_I32_REM_S(uint64_t a_, uint64_t b_, int *trap)
{
	int32_t a = as_s32((uint32_t)a_), b = as_s32((uint32_t)b_);

	if (b == 0) { *trap = CHIBI_TRAP_DIV_ZERO; return 0; }
	if (b == -1) return 0; /* INT32_MIN % -1 is UB in C, 0 in Wasm */
	return (uint32_t)(a % b);
}

static inline uint64_t num_I32_REM_U(uint64_t a_, uint64_t b_, int *trap)
{
	uint32_t a = (uint32_t)a_, b = (uint32_t)b_;

	if (b == 0) { *trap = CHIBI_TRAP_DIV_ZERO; return 0; }
	return a % b;
}

/* ---- i64 ---- */

NUM_UN(I64_EQZ, a == 0)
NUM_I64_BIN(I64_EQ, a == b)
NUM_I64_BIN(I64_NE, a != b)
NUM_I64_BIN(I64_LT_S, as_s64(a) < as_s64(b))
NUM_I64_BIN(I64_LT_U, a < b)
NUM_I64_BIN(I64_GT_S, as_s64(a) > as_s64(b))
NUM_I64_BIN(I64_GT_U, a > b)
NUM_I64_BIN(I64_LE_S, as_s64(a) <= as_s64(b))
NUM_I64_BIN(I64_LE_U, a <= b)
NUM_I64_BIN(I64_GE_S, as_s64(a) >= as_s64(b))
NUM_I64_BIN(I64_GE_U, a >= b)
NUM_UN(I64_CLZ, a ? (uint64_t)__builtin_clzll(a) : 64u)
NUM_UN(I64_CTZ, a ? (uint64_t)__builtin_ctzll(a) : 64u)
NUM_UN(I64_POPCNT, (uint64_t)__builtin_popcountll(a))
NUM_I64_BIN(I64_ADD, a + b)
NUM_I64_BIN(I64_SUB, a - b)
NUM_I64_BIN(I64_MUL, a * b)
NUM_I64_BIN(I64_AND, a & b)
NUM_I64_BIN(I64_OR, a | b)
NUM_I64_BIN(I64_XOR, a ^ b)
NUM_I64_BIN(I64_SHL, a << (b & 63))
NUM_I64_BIN(I64_SHR_S, sar64(a, b))
NUM_I64_BIN(I64_SHR_U, a >> (b & 63))
NUM_I64_BIN(I64_ROTL, rotl64(a, b))
NUM_I64_BIN(I64_ROTR, rotr64(a, b))

static inline uint64_t num_I64_DIV_S(uint64_t a_, uint64_t b_, int *trap)
{
	int64_t a = as_s64(a_), b = as_s64(b_);

	if (b == 0) { *trap = CHIBI_TRAP_DIV_ZERO; return 0; }
	if (a == INT64_MIN && b == -1) { *trap = CHIBI_TRAP_INT_OVERFLOW; return 0; }
	return (uint64_t)(a / b);
}

static inline uint64_t num_I64_DIV_U(uint64_t a, uint64_t b, int *trap)
{
	if (b == 0) { *trap = CHIBI_TRAP_DIV_ZERO; return 0; }
	return a / b;
}

static inline uint64_t num_I64_REM_S(uint64_t a_, uint64_t b_, int *trap)
{
	int64_t a = as_s64(a_), b = as_s64(b_);

	if (b == 0) { *trap = CHIBI_TRAP_DIV_ZERO; return 0; }
	if (b == -1) return 0;
	return (uint64_t)(a % b);
}

static inline uint64_t num_I64_REM_U(uint64_t a, uint64_t b, int *trap)
{
	if (b == 0) { *trap = CHIBI_TRAP_DIV_ZERO; return 0; }
	return a % b;
}

/* ---- floats ---- */

/* Which NaN: with two NaN operands, Wasm leaves open whose payload the result carries, but
 * the tiers must agree bit for bit (the differential fuzzers compare memory), and C may
 * compute a + b as b + a.  The rule, in both tiers: the first operand's NaN, quieted (x86's
 * addsd/mulsd with the operands in Wasm order; the JIT keeps that order for these ops).
 * nan_first*(a, r) applies it to r = a OP b; x + x quiets a NaN and keeps its payload. */
static inline float nan_first32(float a, float r) { return r != r && a != a ? a + a : r; }
static inline double nan_first64(double a, double r) { return r != r && a != a ? a + a : r; }

/* min/max: any NaN operand gives a NaN (quieted, the first one's: see above; this satisfies
 * both nan:canonical and nan:arithmetic); -0 < +0 is decided on the sign bits. */
static inline float fmin32(float a, float b)
{
	if (a != a || b != b) return nan_first32(a, a + b);
	if (a == b) return slot_f32(f32_slot(a) | f32_slot(b));
	return a < b ? a : b;
}

static inline float fmax32(float a, float b)
{
	if (a != a || b != b) return nan_first32(a, a + b);
	if (a == b) return slot_f32(f32_slot(a) & f32_slot(b));
	return a > b ? a : b;
}

static inline double fmin64(double a, double b)
{
	if (a != a || b != b) return nan_first64(a, a + b);
	if (a == b) return slot_f64(f64_slot(a) | f64_slot(b));
	return a < b ? a : b;
}

static inline double fmax64(double a, double b)
{
	if (a != a || b != b) return nan_first64(a, a + b);
	if (a == b) return slot_f64(f64_slot(a) & f64_slot(b));
	return a > b ? a : b;
}

NUM_F32_CMP(F32_EQ, a == b)
NUM_F32_CMP(F32_NE, a != b)
NUM_F32_CMP(F32_LT, a < b)
NUM_F32_CMP(F32_GT, a > b)
NUM_F32_CMP(F32_LE, a <= b)
NUM_F32_CMP(F32_GE, a >= b)
NUM_F64_CMP(F64_EQ, a == b)
NUM_F64_CMP(F64_NE, a != b)
NUM_F64_CMP(F64_LT, a < b)
NUM_F64_CMP(F64_GT, a > b)
NUM_F64_CMP(F64_LE, a <= b)
NUM_F64_CMP(F64_GE, a >= b)

/* abs/neg/copysign are pure sign-bit operations: NaN payloads pass through untouched. */
NUM_UN(F32_ABS, (uint32_t)a & 0x7fffffffu)
NUM_UN(F32_NEG, (uint32_t)a ^ 0x80000000u)
/* libm's rounding functions may return a signalling NaN unchanged; Wasm wants it quieted
 * (nan:arithmetic), which x + x does. */
static inline float quiet32(float x, float r) { return x != x ? x + x : r; }
static inline double quiet64(double x, double r) { return x != x ? x + x : r; }

/* nearest and sqrt without libm, so that chibi does not load libm.so at all (~400 KB of
 * start-up RSS; nothing else needs it): gcc expands ceil/floor/trunc inline, but calls
 * nearbyint (it must not raise inexact) and, for errno, sqrt.
 * Round half to even: for |x| < 2^23 (2^52), |x| + 2^23 lies where the spacing is 1, so the
 * addition rounds to an integer in the default mode; larger values, infinities and NaNs are
 * returned as they are (quiet32/quiet64 then quiet NaNs).  copysign keeps -0 for -0.5..-0. */
#if FLT_EVAL_METHOD == 0
static inline float nearest32(float x)
{
	float ax = __builtin_fabsf(x);

	if (!(ax < 0x1p23f))
		return x;
	return __builtin_copysignf((ax + 0x1p23f) - 0x1p23f, x);
}

static inline double nearest64(double x)
{
	double ax = __builtin_fabs(x);

	if (!(ax < 0x1p52))
		return x;
	return __builtin_copysign((ax + 0x1p52) - 0x1p52, x);
}
#else
static inline float nearest32(float x) { return nearbyintf(x); }
static inline double nearest64(double x) { return nearbyint(x); }
#endif

/* IEEE square root, correctly rounded, as one instruction. */
static inline float sqrt32(float x)
{
#if defined(__x86_64__)
	__asm__("sqrtss %1, %0" : "=x"(x) : "x"(x));
	return x;
#elif defined(__aarch64__)
	__asm__("fsqrt %s0, %s1" : "=w"(x) : "w"(x));
	return x;
#else
	return sqrtf(x);
#endif
}

static inline double sqrt64(double x)
{
#if defined(__x86_64__)
	__asm__("sqrtsd %1, %0" : "=x"(x) : "x"(x));
	return x;
#elif defined(__aarch64__)
	__asm__("fsqrt %d0, %d1" : "=w"(x) : "w"(x));
	return x;
#else
	return sqrt(x);
#endif
}

NUM_UN(F32_CEIL, f32_slot(quiet32(slot_f32(a), ceilf(slot_f32(a)))))
NUM_UN(F32_FLOOR, f32_slot(quiet32(slot_f32(a), floorf(slot_f32(a)))))
NUM_UN(F32_TRUNC, f32_slot(quiet32(slot_f32(a), truncf(slot_f32(a)))))
NUM_UN(F32_NEAREST, f32_slot(quiet32(slot_f32(a), nearest32(slot_f32(a)))))
NUM_UN(F32_SQRT, f32_slot(sqrt32(slot_f32(a))))
NUM_F32_BIN(F32_ADD, nan_first32(a, a + b))
NUM_F32_BIN(F32_SUB, a - b)
NUM_F32_BIN(F32_MUL, nan_first32(a, a * b))
NUM_F32_BIN(F32_DIV, a / b)
NUM_F32_BIN(F32_MIN, fmin32(a, b))
NUM_F32_BIN(F32_MAX, fmax32(a, b))
NUM_I32_BIN(F32_COPYSIGN, (a & 0x7fffffffu) | (b & 0x80000000u))

NUM_UN(F64_ABS, a & 0x7fffffffffffffffull)
NUM_UN(F64_NEG, a ^ 0x8000000000000000ull)
NUM_UN(F64_CEIL, f64_slot(quiet64(slot_f64(a), ceil(slot_f64(a)))))
NUM_UN(F64_FLOOR, f64_slot(quiet64(slot_f64(a), floor(slot_f64(a)))))
NUM_UN(F64_TRUNC, f64_slot(quiet64(slot_f64(a), trunc(slot_f64(a)))))
NUM_UN(F64_NEAREST, f64_slot(quiet64(slot_f64(a), nearest64(slot_f64(a)))))
NUM_UN(F64_SQRT, f64_slot(sqrt64(slot_f64(a))))
NUM_F64_BIN(F64_ADD, nan_first64(a, a + b))
NUM_F64_BIN(F64_SUB, a - b)
NUM_F64_BIN(F64_MUL, nan_first64(a, a * b))
NUM_F64_BIN(F64_DIV, a / b)
NUM_F64_BIN(F64_MIN, fmin64(a, b))
NUM_F64_BIN(F64_MAX, fmax64(a, b))
NUM_I64_BIN(F64_COPYSIGN, (a & 0x7fffffffffffffffull) | (b & 0x8000000000000000ull))

/* ---- conversions ---- */

NUM_UN(I32_WRAP_I64, (uint32_t)a)
NUM_UN(I64_EXTEND_I32_S, (uint64_t)(int64_t)as_s32((uint32_t)a))
NUM_UN(I64_EXTEND_I32_U, (uint64_t)(uint32_t)a)
NUM_UN(I32_EXTEND8_S, (uint32_t)(int32_t)(int8_t)(uint8_t)a)
NUM_UN(I32_EXTEND16_S, (uint32_t)(int32_t)(int16_t)(uint16_t)a)
NUM_UN(I64_EXTEND8_S, (uint64_t)(int64_t)(int8_t)(uint8_t)a)
NUM_UN(I64_EXTEND16_S, (uint64_t)(int64_t)(int16_t)(uint16_t)a)
NUM_UN(I64_EXTEND32_S, (uint64_t)(int64_t)as_s32((uint32_t)a))
NUM_UN(I32_REINTERPRET_F32, (uint32_t)a)
NUM_UN(F32_REINTERPRET_I32, (uint32_t)a)
NUM_UN(I64_REINTERPRET_F64, a)
NUM_UN(F64_REINTERPRET_I64, a)

NUM_UN(F32_CONVERT_I32_S, f32_slot((float)as_s32((uint32_t)a)))
NUM_UN(F32_CONVERT_I32_U, f32_slot((float)(uint32_t)a))
NUM_UN(F32_CONVERT_I64_S, f32_slot((float)as_s64(a)))
NUM_UN(F32_CONVERT_I64_U, f32_slot((float)a))
NUM_UN(F32_DEMOTE_F64, f32_slot((float)slot_f64(a)))
NUM_UN(F64_CONVERT_I32_S, f64_slot((double)as_s32((uint32_t)a)))
NUM_UN(F64_CONVERT_I32_U, f64_slot((double)(uint32_t)a))
NUM_UN(F64_CONVERT_I64_S, f64_slot((double)as_s64(a)))
NUM_UN(F64_CONVERT_I64_U, f64_slot((double)a))
NUM_UN(F64_PROMOTE_F32, f64_slot((double)slot_f32(a)))

/*
 * Float -> int truncation.  The source is widened to double (exact for f32) and compared with
 * the exclusive bounds of the target range, which are all exactly representable:
 *   i32_s (-2^31-1, 2^31)   i32_u (-1, 2^32)   i64_s [-2^63, 2^63)   i64_u (-1, 2^64)
 * Only values inside are converted, so the C conversion is always defined.
 */
#define TRUNC_FN(name, lo_ok, hi, conv)						\
	static inline uint64_t name(double x, int *trap)			\
	{									\
		if (x != x) { *trap = CHIBI_TRAP_INVALID_CONVERSION; return 0; }	\
		if (!(lo_ok) || !(x < (hi))) { *trap = CHIBI_TRAP_INT_OVERFLOW; return 0; } \
		return conv;							\
	}
TRUNC_FN(trunc_i32_s, x > -2147483649.0, 2147483648.0, (uint32_t)(int32_t)x)
TRUNC_FN(trunc_i32_u, x > -1.0, 4294967296.0, (uint32_t)x)
TRUNC_FN(trunc_i64_s, x >= -9223372036854775808.0, 9223372036854775808.0, (uint64_t)(int64_t)x)
TRUNC_FN(trunc_i64_u, x > -1.0, 18446744073709551616.0, (uint64_t)x)

/* Saturating forms: NaN -> 0, out of range -> the nearest bound (spec 4.3.2 trunc_sat). */
#define TRUNC_SAT_FN(name, lo_ok, hi, lo_val, hi_val, conv)			\
	static inline uint64_t name(double x)					\
	{									\
		if (x != x) return 0;						\
		if (!(lo_ok)) return lo_val;					\
		if (!(x < (hi))) return hi_val;					\
		return conv;							\
	}
TRUNC_SAT_FN(trunc_sat_i32_s, x > -2147483649.0, 2147483648.0, 0x80000000u, 0x7fffffffu,
	     (uint32_t)(int32_t)x)
TRUNC_SAT_FN(trunc_sat_i32_u, x > -1.0, 4294967296.0, 0, 0xffffffffu, (uint32_t)x)
TRUNC_SAT_FN(trunc_sat_i64_s, x >= -9223372036854775808.0, 9223372036854775808.0,
	     0x8000000000000000ull, 0x7fffffffffffffffull, (uint64_t)(int64_t)x)
TRUNC_SAT_FN(trunc_sat_i64_u, x > -1.0, 18446744073709551616.0, 0, UINT64_MAX, (uint64_t)x)

NUM_UN(I32_TRUNC_F32_S, trunc_i32_s(slot_f32(a), trap))
NUM_UN(I32_TRUNC_F32_U, trunc_i32_u(slot_f32(a), trap))
NUM_UN(I32_TRUNC_F64_S, trunc_i32_s(slot_f64(a), trap))
NUM_UN(I32_TRUNC_F64_U, trunc_i32_u(slot_f64(a), trap))
NUM_UN(I64_TRUNC_F32_S, trunc_i64_s(slot_f32(a), trap))
NUM_UN(I64_TRUNC_F32_U, trunc_i64_u(slot_f32(a), trap))
NUM_UN(I64_TRUNC_F64_S, trunc_i64_s(slot_f64(a), trap))
NUM_UN(I64_TRUNC_F64_U, trunc_i64_u(slot_f64(a), trap))
NUM_UN(I32_TRUNC_SAT_F32_S, trunc_sat_i32_s(slot_f32(a)))
NUM_UN(I32_TRUNC_SAT_F32_U, trunc_sat_i32_u(slot_f32(a)))
NUM_UN(I32_TRUNC_SAT_F64_S, trunc_sat_i32_s(slot_f64(a)))
NUM_UN(I32_TRUNC_SAT_F64_U, trunc_sat_i32_u(slot_f64(a)))
NUM_UN(I64_TRUNC_SAT_F32_S, trunc_sat_i64_s(slot_f32(a)))
NUM_UN(I64_TRUNC_SAT_F32_U, trunc_sat_i64_u(slot_f32(a)))
NUM_UN(I64_TRUNC_SAT_F64_S, trunc_sat_i64_s(slot_f64(a)))
NUM_UN(I64_TRUNC_SAT_F64_U, trunc_sat_i64_u(slot_f64(a)))

#endif
