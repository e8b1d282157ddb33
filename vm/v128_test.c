/* vm/v128_test.c - vm/v128.h's operators: known answers at the edges of every family, and a
 * digest of every lane-wise operator over a fixed set of inputs that must be the same for
 * both implementations.  This file is compiled twice: as itself, with the vector extensions
 * (suite v128_vec), and by vm/v128_portable_test.c with CHIBI_V128_PORTABLE (suite
 * v128_portable); the digest test here compares the two builds' digests.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "types.h"
#include "v128.h"

#ifndef V128_SUITE
#define V128_SUITE v128_vec
#define V128_DIGEST v128_digest_vec
#endif

uint64_t v128_digest_vec(void);
uint64_t v128_digest_portable(void);

/* ---- helpers ---- */

static v128 i8s(const int8_t l[16])
{
	v128 v;

	memcpy(v.i8, l, 16);
	return v;
}

static v128 i16s(int16_t a, int16_t b, int16_t c, int16_t d, int16_t e, int16_t f, int16_t g,
		 int16_t h)
{
	v128 v;
	const int16_t l[8] = { a, b, c, d, e, f, g, h };

	memcpy(v.i16, l, 16);
	return v;
}

static v128 i32s(int32_t a, int32_t b, int32_t c, int32_t d)
{
	v128 v;
	const int32_t l[4] = { a, b, c, d };

	memcpy(v.i32, l, 16);
	return v;
}

static v128 f32s(float a, float b, float c, float d)
{
	v128 v;

	v.f32[0] = a;
	v.f32[1] = b;
	v.f32[2] = c;
	v.f32[3] = d;
	return v;
}

static v128 f64s(double a, double b)
{
	v128 v;

	v.f64[0] = a;
	v.f64[1] = b;
	return v;
}

static uint32_t f32_bits(float f)
{
	uint32_t u;

	memcpy(&u, &f, 4);
	return u;
}

static bool same(v128 a, v128 b)
{
	return memcmp(&a, &b, 16) == 0;
}

#define EXPECT_V(got, want) cr_expect(same((got), (want)), "%s", #want)

/* ---- known answers ---- */

Test(V128_SUITE, integer_edges)
{
	const int8_t a8[16] = { 127, -128, -1, 0, 100, -100, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 };
	const int8_t b8[16] = { 1, -1, 1, 0, 100, -100, 1, 2, 3, 4, 5, 6, 7, 8, 9, -128 };
	v128 a = i8s(a8), b = i8s(b8), r;

	r = v128_I8X16_ADD(a, b);
	cr_expect(r.i8[0] == -128 && r.i8[1] == 127 && r.i8[4] == -56, "wrapping add");
	r = v128_I8X16_ADD_SAT_S(a, b);
	cr_expect(r.i8[0] == 127 && r.i8[1] == -128 && r.i8[4] == 127 && r.i8[5] == -128);
	r = v128_I8X16_ADD_SAT_U(a, b);
	cr_expect(r.u8[1] == 255 && r.u8[2] == 255 && r.u8[4] == 200);
	r = v128_I8X16_SUB_SAT_U(b, a);
	cr_expect(r.u8[0] == 0 && r.u8[2] == 0 && r.u8[1] == 127);
	r = v128_I8X16_ABS(a);
	cr_expect(r.i8[1] == -128 && r.i8[2] == 1 && r.i8[5] == 100, "abs(-128) wraps");
	r = v128_I8X16_NEG(a);
	cr_expect(r.i8[0] == -127 && r.i8[1] == -128);
	r = v128_I8X16_MIN_S(a, b);
	cr_expect(r.i8[1] == -128 && r.i8[15] == -128 && r.i8[2] == -1);
	r = v128_I8X16_MIN_U(a, b);
	cr_expect(r.u8[1] == 128 && r.u8[15] == 10 && r.u8[2] == 1);
	r = v128_I8X16_AVGR_U(a, b);
	cr_expect(r.u8[2] == 128 && r.u8[0] == 64 && r.u8[3] == 0);
	r = v128_I8X16_POPCNT(a);
	cr_expect(r.u8[0] == 7 && r.u8[1] == 1 && r.u8[2] == 8 && r.u8[3] == 0);
	r = v128_I8X16_SHR_S(a, 9); /* count mod 8: 1 */
	cr_expect(r.i8[1] == -64 && r.i8[0] == 63 && r.i8[2] == -1);
	r = v128_I8X16_SHR_U(a, 1);
	cr_expect(r.u8[1] == 64 && r.u8[2] == 127);
	r = v128_I8X16_SHL(a, 7);
	cr_expect(r.u8[0] == 0x80 && r.u8[1] == 0 && r.u8[6] == 0x80);
	cr_expect_eq(v128_I8X16_BITMASK(a), 0x0026, "sign bits of lanes 1, 2, 5");
	cr_expect_eq(v128_I8X16_ALL_TRUE(a), 0);
	cr_expect_eq(v128_I8X16_ALL_TRUE(b), 0);
	cr_expect_eq(v128_I8X16_ALL_TRUE(v128_I8X16_SPLAT(0x1ff)), 1);
	cr_expect_eq(v128_V128_ANY_TRUE(v128_make(0, 1ull << 63)), 1);
	cr_expect_eq(v128_V128_ANY_TRUE(v128_make(0, 0)), 0);
	r = v128_I8X16_LT_S(a, b);
	cr_expect(r.u8[0] == 0 && r.u8[1] == 0xff && r.u8[4] == 0);
	r = v128_I8X16_LT_U(a, b);
	cr_expect(r.u8[1] == 0xff && r.u8[2] == 0 && r.u8[15] == 0xff);
	r = v128_I8X16_GE_U(a, a);
	cr_expect(r.u64[0] == UINT64_MAX && r.u64[1] == UINT64_MAX);

	a = i16s(-32768, -32768, 16384, -1, 32767, 300, -300, 0);
	b = i16s(-32768, 32767, 16384, 1, 32767, 2, 2, 0);
	r = v128_I16X8_Q15MULR_SAT_S(a, b);
	cr_expect(r.i16[0] == 32767 && r.i16[1] == -32767 && r.i16[2] == 8192 && r.i16[3] == 0 &&
		  r.i16[4] == 32766, "q15mulr %d %d %d %d %d", r.i16[0], r.i16[1], r.i16[2],
		  r.i16[3], r.i16[4]);
	EXPECT_V(r, v128_I16X8_RELAXED_Q15MULR_S(a, b));
	r = v128_I8X16_NARROW_I16X8_S(a, b);
	cr_expect(r.i8[0] == -128 && r.i8[4] == 127 && r.i8[5] == 127 && r.i8[6] == -128 &&
		  r.i8[11] == 1 && r.i8[8] == -128);
	r = v128_I8X16_NARROW_I16X8_U(a, b);
	cr_expect(r.u8[0] == 0 && r.u8[5] == 255 && r.u8[6] == 0 && r.u8[13] == 2);
	r = v128_I32X4_DOT_I16X8_S(a, b);
	cr_expect(r.u32[0] == 32768, "(-32768)(-32768) + (-32768)(32767) = 32768");
	r = v128_I32X4_DOT_I16X8_S(i16s(-32768, -32768, 0, 0, 0, 0, 0, 0),
				   i16s(-32768, -32768, 0, 0, 0, 0, 0, 0));
	cr_expect_eq(r.u32[0], 0x80000000u, "2^31 wraps");
	r = v128_I32X4_EXTMUL_LOW_I16X8_S(a, b);
	cr_expect(r.i32[0] == 1073741824 && r.i32[1] == -1073709056 && r.i32[3] == -1);
	r = v128_I32X4_EXTMUL_LOW_I16X8_U(a, b);
	cr_expect(r.u32[0] == 0x40000000u && r.u32[3] == 65535);
	r = v128_I32X4_EXTADD_PAIRWISE_I16X8_S(a);
	cr_expect(r.i32[0] == -65536 && r.i32[2] == 33067 && r.i32[3] == -300);
	r = v128_I32X4_EXTEND_HIGH_I16X8_U(a);
	cr_expect(r.u32[0] == 32767 && r.u32[2] == 65236);
	r = v128_I16X8_SHR_S(a, 17);
	cr_expect(r.i16[0] == -16384 && r.i16[4] == 16383);

	a = i32s(INT32_MIN, -1, 7, INT32_MAX);
	r = v128_I32X4_ABS(a);
	cr_expect(r.i32[0] == INT32_MIN && r.i32[1] == 1 && r.i32[3] == INT32_MAX);
	r = v128_I32X4_MUL(a, a);
	cr_expect(r.u32[0] == 0 && r.u32[1] == 1 && r.u32[2] == 49 && r.u32[3] == 1);
	r = v128_I64X2_EXTMUL_HIGH_I32X4_S(a, a);
	cr_expect(r.i64[0] == 49 && r.i64[1] == (int64_t)INT32_MAX * INT32_MAX);
	r = v128_I64X2_SHR_S(v128_make(1ull << 63, 5), 65);
	cr_expect(r.u64[0] == 0xc000000000000000ull && r.u64[1] == 2);
	r = v128_I64X2_LT_S(v128_make(1ull << 63, 5), v128_make(0, 5));
	cr_expect(r.u64[0] == UINT64_MAX && r.u64[1] == 0);
	cr_expect_eq(v128_I64X2_BITMASK(v128_make(1ull << 63, 1)), 1);
	cr_expect_eq(v128_I32X4_BITMASK(a), 0x3);
}

Test(V128_SUITE, lanes_shuffles_and_loads)
{
	const int8_t i[16] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, -128 };
	const int8_t idx[16] = { 15, 16, 0, 1, 127, -1, 14, 2, 0, 0, 0, 0, 0, 0, 0, 1 };
	const uint8_t sh[16] = { 31, 0, 16, 15, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 17 };
	uint8_t mem[16];
	v128 a = i8s(i), r;

	r = v128_I8X16_SWIZZLE(a, i8s(idx));
	cr_expect(r.u8[0] == 0x80 && r.u8[1] == 0 && r.u8[4] == 0 && r.u8[5] == 0 &&
		  r.u8[6] == 14, "out-of-range indices give 0");
	EXPECT_V(r, v128_I8X16_RELAXED_SWIZZLE(a, i8s(idx)));
	r = v128_shuffle(a, v128_I8X16_SPLAT(0x55), sh);
	cr_expect(r.u8[0] == 0x55 && r.u8[1] == 0 && r.u8[2] == 0x55 && r.u8[3] == 0x80 &&
		  r.u8[15] == 0x55);
	cr_expect_eq(v128_I8X16_EXTRACT_LANE_S(a, 15), 0xffffff80u, "sign-extended to 32 bits");
	cr_expect_eq(v128_I8X16_EXTRACT_LANE_U(a, 15), 0x80);
	cr_expect_eq(v128_I16X8_EXTRACT_LANE_S(a, 7), 0xffff800eu);
	r = v128_I32X4_REPLACE_LANE(a, 0xffffffff12345678ull, 2);
	cr_expect(r.u32[2] == 0x12345678u && r.u32[1] == 0x07060504u, "only the lane's bits");
	r = v128_F64X2_REPLACE_LANE(a, 0x4000000000000000ull, 1);
	cr_expect(r.f64[1] == 2.0 && r.u64[0] == a.u64[0]);
	r = v128_F32X4_SPLAT(0xdeadbeef3f800000ull);
	cr_expect(r.f32[0] == 1.0f && r.f32[3] == 1.0f);
	r = v128_V128_BITSELECT(v128_make(~0ull, 0), v128_make(0, ~0ull),
				v128_make(0xff00ff00ff00ff00ull, 0x0f));
	cr_expect(r.u64[0] == 0xff00ff00ff00ff00ull && r.u64[1] == ~0x0full);
	EXPECT_V(r, v128_I16X8_RELAXED_LANESELECT(v128_make(~0ull, 0), v128_make(0, ~0ull),
						  v128_make(0xff00ff00ff00ff00ull, 0x0f)));
	r = v128_V128_ANDNOT(v128_make(0xff, 0xf0), v128_make(0x0f, 0xff));
	cr_expect(r.u64[0] == 0xf0 && r.u64[1] == 0);

	memcpy(mem, i, 16);
	r = v128_V128_LOAD8X8_S(mem + 8);
	cr_expect(r.i16[0] == 8 && r.i16[7] == -128);
	r = v128_V128_LOAD16X4_U(mem + 8);
	cr_expect(r.u32[3] == 0x800eu);
	r = v128_V128_LOAD32X2_S(mem + 8);
	cr_expect(r.i64[1] == (int32_t)0x800e0d0c);
	r = v128_V128_LOAD32_ZERO(mem + 4);
	cr_expect(r.u32[0] == 0x07060504u && r.u32[1] == 0 && r.u64[1] == 0);
	r = v128_V128_LOAD64_SPLAT(mem);
	cr_expect(r.u64[0] == r.u64[1] && r.u8[7] == 7);
	r = v128_V128_LOAD16_SPLAT(mem + 14);
	cr_expect(r.u16[0] == 0x800e && r.u16[7] == 0x800e);
}

Test(V128_SUITE, float_edges)
{
	const float nan = __builtin_nanf(""), inf = __builtin_inff();
	v128 r;

	r = v128_F32X4_MIN(f32s(-0.0f, 0.0f, nan, 1.0f), f32s(0.0f, -0.0f, 1.0f, nan));
	cr_expect(f32_bits(r.f32[0]) == 0x80000000u && f32_bits(r.f32[1]) == 0x80000000u,
		  "min(-0, +0) = -0 either way");
	cr_expect(r.f32[2] != r.f32[2] && r.f32[3] != r.f32[3], "NaN propagates");
	r = v128_F32X4_MAX(f32s(-0.0f, 0.0f, nan, 1.0f), f32s(0.0f, -0.0f, 1.0f, 2.0f));
	cr_expect(f32_bits(r.f32[0]) == 0 && f32_bits(r.f32[1]) == 0 && r.f32[3] == 2.0f);
	EXPECT_V(r, v128_F32X4_RELAXED_MAX(f32s(-0.0f, 0.0f, nan, 1.0f),
					   f32s(0.0f, -0.0f, 1.0f, 2.0f)));
	r = v128_F32X4_PMIN(f32s(nan, 1.0f, -0.0f, 3.0f), f32s(1.0f, nan, 0.0f, 2.0f));
	cr_expect(r.f32[0] != r.f32[0] && r.f32[1] == 1.0f && f32_bits(r.f32[2]) == 0x80000000u &&
		  r.f32[3] == 2.0f, "pmin is b < a ? b : a");
	r = v128_F64X2_PMAX(f64s(-0.0, 1.0), f64s(0.0, nan));
	cr_expect(r.f64[0] == 0.0 && __builtin_signbit(r.f64[0]) && r.f64[1] == 1.0,
		  "pmax is a < b ? b : a: -0 stays, NaN second loses");
	r = v128_F32X4_NEAREST(f32s(2.5f, -0.5f, 3.5f, -inf));
	cr_expect(r.f32[0] == 2.0f && f32_bits(r.f32[1]) == 0x80000000u && r.f32[2] == 4.0f &&
		  r.f32[3] == -inf);
	r = v128_F64X2_CEIL(f64s(-0.5, 1.25));
	cr_expect(r.f64[0] == 0.0 && __builtin_signbit(r.f64[0]) && r.f64[1] == 2.0);
	r = v128_F32X4_SQRT(f32s(4.0f, -1.0f, 0.0f, inf));
	cr_expect(r.f32[0] == 2.0f && r.f32[1] != r.f32[1] && r.f32[3] == inf);
	r = v128_F32X4_NEG(f32s(nan, 0.0f, 1.0f, -2.0f));
	cr_expect(f32_bits(r.f32[0]) == 0xffc00000u && f32_bits(r.f32[1]) == 0x80000000u);
	r = v128_F32X4_EQ(f32s(nan, 0.0f, 1.0f, 2.0f), f32s(nan, -0.0f, 1.0f, 3.0f));
	cr_expect(r.u32[0] == 0 && r.u32[1] == ~0u && r.u32[2] == ~0u && r.u32[3] == 0);
	r = v128_F64X2_NE(f64s(nan, 1.0), f64s(nan, 1.0));
	cr_expect(r.u64[0] == ~0ull && r.u64[1] == 0);

	r = v128_I32X4_TRUNC_SAT_F32X4_S(f32s(nan, 3e9f, -3e9f, -1.9f));
	cr_expect(r.i32[0] == 0 && r.i32[1] == INT32_MAX && r.i32[2] == INT32_MIN && r.i32[3] == -1);
	EXPECT_V(r, v128_I32X4_RELAXED_TRUNC_F32X4_S(f32s(nan, 3e9f, -3e9f, -1.9f)));
	r = v128_I32X4_TRUNC_SAT_F32X4_U(f32s(-1.0f, 5e9f, 4294967040.0f, 0.9f));
	cr_expect(r.u32[0] == 0 && r.u32[1] == UINT32_MAX && r.u32[2] == 4294967040u &&
		  r.u32[3] == 0);
	r = v128_I32X4_TRUNC_SAT_F64X2_U_ZERO(f64s(4294967295.5, -0.5));
	cr_expect(r.u32[0] == UINT32_MAX && r.u32[1] == 0 && r.u64[1] == 0);
	EXPECT_V(r, v128_I32X4_RELAXED_TRUNC_F64X2_U_ZERO(f64s(4294967295.5, -0.5)));
	r = v128_F32X4_CONVERT_I32X4_U(i32s(-1, 1, 16777217, 0));
	cr_expect(r.f32[0] == 4294967296.0f && r.f32[2] == 16777216.0f);
	r = v128_F64X2_CONVERT_LOW_I32X4_S(i32s(-1, INT32_MIN, 5, 6));
	cr_expect(r.f64[0] == -1.0 && r.f64[1] == -2147483648.0);
	r = v128_F32X4_DEMOTE_F64X2_ZERO(f64s(1e300, 0.1));
	cr_expect(r.f32[0] == inf && r.f32[1] == 0.1f && r.u64[1] == 0);
	r = v128_F64X2_PROMOTE_LOW_F32X4(f32s(0.1f, -inf, 7, 8));
	cr_expect(r.f64[0] == (double)0.1f && r.f64[1] == -inf);
}

Test(V128_SUITE, relaxed_choices)
{
	/* madd is unfused: (1 + 2^-12)^2 rounds to 1 + 2^-11 first, so adding -(1 + 2^-11)
	 * gives 0 where a fused multiply-add would give 2^-24 */
	const float x = 1.0f + 0x1p-12f, y = -(1.0f + 0x1p-11f);
	const double xd = 1.0 + 0x1p-27, yd = -(1.0 + 0x1p-26);
	const int8_t a8[16] = { -128, -128, -128, -128, 127, 127, 0, 0, 1, 2, 3, 4, 0, 0, 0, 0 };
	const int8_t b8[16] = { -127, -127, -127, -127, 127, 127, 0, 0, 5, 6, 7, 8, 0, 0, 0, 0 };
	v128 r;

	r = v128_F32X4_RELAXED_MADD(f32s(x, 2, 3, 4), f32s(x, 2, 3, 4), f32s(y, 1, 1, 1));
	cr_expect(r.f32[0] == 0.0f && r.f32[1] == 5.0f, "unfused: %a", (double)r.f32[0]);
	r = v128_F32X4_RELAXED_NMADD(f32s(x, 2, 3, 4), f32s(x, 2, 3, 4), f32s(-y, 1, 1, 1));
	cr_expect(r.f32[0] == 0.0f && r.f32[1] == -3.0f);
	r = v128_F64X2_RELAXED_MADD(f64s(xd, 2), f64s(xd, 2), f64s(yd, 1));
	cr_expect(r.f64[0] == 0.0 && r.f64[1] == 5.0, "unfused: %a", r.f64[0]);
	r = v128_F64X2_RELAXED_NMADD(f64s(xd, 2), f64s(xd, 2), f64s(-yd, 1));
	cr_expect(r.f64[0] == 0.0 && r.f64[1] == -3.0);
	/* dot products: both operands signed */
	r = v128_I16X8_RELAXED_DOT_I8X16_I7X16_S(i8s(a8), i8s(b8));
	cr_expect(r.i16[0] == 32512 && r.i16[2] == 32258 && r.i16[4] == 17 && r.i16[5] == 53);
	r = v128_I32X4_RELAXED_DOT_I8X16_I7X16_ADD_S(i8s(a8), i8s(b8), i32s(1, 2, 3, 4));
	cr_expect(r.i32[0] == 65025 && r.i32[1] == 32260 && r.i32[2] == 73 && r.i32[3] == 4);
	r = v128_F64X2_RELAXED_MIN(f64s(-0.0, __builtin_nan("")), f64s(0.0, 1.0));
	cr_expect(__builtin_signbit(r.f64[0]) && r.f64[1] != r.f64[1]);
}

/* ---- both implementations agree on every operator ---- */

static uint64_t mix(uint64_t h, v128 v)
{
	h ^= v.u64[0];
	h *= 0x100000001b3ull;
	h ^= v.u64[1] + (h >> 29);
	h *= 0x9e3779b97f4a7c15ull;
	return h;
}

/* Float rows' NaN lanes may carry any payload the hardware picks; the digest sees them as
 * the canonical NaN (comparisons' all-ones masks included, the same way in both builds). */
static v128 canon(uint16_t op, v128 v)
{
	if (op_info[op].type == VT_F32) {
		for (int i = 0; i < 4; i++)
			if ((v.u32[i] & 0x7f800000u) == 0x7f800000u && (v.u32[i] & 0x7fffffu))
				v.u32[i] = 0x7fc00000u;
	} else if (op_info[op].type == VT_F64) {
		for (int i = 0; i < 2; i++)
			if ((v.u64[i] & 0x7ff0000000000000ull) == 0x7ff0000000000000ull &&
			    (v.u64[i] & 0xfffffffffffffull))
				v.u64[i] = 0x7ff8000000000000ull;
	}
	return v;
}

#define NIN 10
static void inputs(v128 in[NIN])
{
	uint64_t x = 0x243f6a8885a308d3ull;

	in[0] = v128_make(0, 0);
	in[1] = v128_make(~0ull, ~0ull);
	in[2] = v128_make(0x8080808080808080ull, 0x7f7f7f7f7f7f7f7full);
	in[3] = f32s(__builtin_nanf(""), -0.0f, __builtin_inff(), 2.5f);
	in[4] = f64s(-__builtin_inf(), 4503599627370497.5);
	in[5] = f32s(3e9f, -3e9f, -0.5f, 1e-40f);
	in[6] = f64s(-2147483648.5, 4294967295.9);
	for (int i = 7; i < NIN; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		in[i].u64[0] = x;
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		in[i].u64[1] = x;
	}
}

uint64_t V128_DIGEST(void)
{
	static const uint32_t counts[] = { 0, 1, 7, 8, 15, 16, 31, 33, 63, 64, 100 };
	v128 in[NIN];
	uint64_t h = 0;

	inputs(in);
#define D_UN(n) for (int i = 0; i < NIN; i++) h = mix(h, canon(OPC_##n, v128_##n(in[i])));
#define D_BIN(n)							\
	for (int i = 0; i < NIN; i++)					\
		for (int j = 0; j < NIN; j++)				\
			h = mix(h, canon(OPC_##n, v128_##n(in[i], in[j])));
#define D_TERN(n)							\
	for (int i = 0; i < NIN; i++)					\
		for (int j = 0; j < NIN; j++)				\
			for (int k = 0; k < NIN; k += 3)		\
				h = mix(h, canon(OPC_##n, v128_##n(in[i], in[j], in[k])));
#define D_SHIFT(n)							\
	for (int i = 0; i < NIN; i++)					\
		for (size_t c = 0; c < sizeof(counts) / sizeof(counts[0]); c++) \
			h = mix(h, v128_##n(in[i], counts[c]));
#define D_TEST(n) for (int i = 0; i < NIN; i++) h = mix(h, v128_make(v128_##n(in[i]), 0));
#define D_SPLAT(n)							\
	for (int i = 0; i < NIN; i++)					\
		h = mix(h, canon(OPC_##n, v128_##n(in[i].u64[1])));
#define D_EXTRACT(n)							\
	for (int i = 0; i < NIN; i++)					\
		for (unsigned l = 0; l < 16u >> OPML_##n; l++)		\
			h = mix(h, v128_make(v128_##n(in[i], l), l));
#define D_REPLACE(n)							\
	for (int i = 0; i < NIN; i++)					\
		for (unsigned l = 0; l < 16u >> OPML_##n; l++)		\
			h = mix(h, v128_##n(in[i], in[(i + 1) % NIN].u64[0], l));
#define OP(name, pfx, code, imm, par, res, ml, cls, ty, rel, fl, feat, text) \
	OPCL_VSWITCH(cls, D_UN, D_BIN, D_TERN, D_SHIFT, D_TEST, D_SPLAT, D_EXTRACT, D_REPLACE, \
		     OP_SKIP)(name)
#include "opcodes.def"
#undef OP
	return h;
}

#ifndef CHIBI_V128_PORTABLE
Test(v128, both_implementations_agree)
{
	uint64_t vec = v128_digest_vec(), portable = v128_digest_portable();

	cr_expect_eq(vec, portable, "vector extensions %016llx, plain C %016llx",
		     (unsigned long long)vec, (unsigned long long)portable);
	cr_expect_neq(vec, 0);
}
#endif
