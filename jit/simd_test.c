/* jit/simd_test.c - v128 code in the JIT: on both back ends at the CPU's own level, and on
 * every SIMD level of the x86-64 back end (AVX, SSE4.2, SSE4.1 forced with CHIBI_JIT_ISA).
 *
 * The rows carry their expected results, worked out by hand from the spec's lane semantics
 * (the interpreter must give them too: one more check of both).  Each row is a function "f"
 * (param i32) (result i64 i64): the two halves of a v128, or a scalar and 0.  Every row runs
 * with guard
 * pages and with explicit bounds checks, once per CHIBI_JIT_ISA level (one Criterion test
 * each: the level is fixed per process), and must not fall back to the interpreter.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jit.h"
#include "../vm/test_wat.h"
#include "../vm/alloc.h"
#include "../text/wat.h"

struct vrow {
	const char *name;
	const char *body;         /* module fields; V(...) / S(...) make "f" */
	int32_t arg;
	enum chibi_trap trap;
	uint64_t lo, hi;
};


/* "f" returning the two 64-bit halves of a v128 expression (the parameter is $p). */
#define V(expr) "(func (export \"f\") (param $p i32) (result i64 i64) (local $v v128) "	\
	"(local.set $v " expr ") (i64x2.extract_lane 0 (local.get $v)) "			\
	"(i64x2.extract_lane 1 (local.get $v)))"
/* "f" returning an i32 expression, zero-extended, and 0. */
#define S(expr) "(func (export \"f\") (param $p i32) (result i64 i64) "			\
	"(i64.extend_i32_u " expr ") (i64.const 0))"

#define C_A "(v128.const f32x4 -0 1 nan 3)"
#define C_B "(v128.const f32x4 0 nan 2 -inf)"
/* lane bits of a float result: NaN lanes as a bitmask, lanes 0 and 3 as bits */
#define FCHK(expr) "(func (export \"f\") (param $p i32) (result i64 i64) (local $v v128) "	\
	"(local.set $v " expr ") "								\
	"(i64.extend_i32_u (i32x4.bitmask (f32x4.ne (local.get $v) (local.get $v)))) "	\
	"(i64.or (i64.extend_i32_u (i32x4.extract_lane 0 (local.get $v))) "		\
	"(i64.shl (i64.extend_i32_u (i32x4.extract_lane 3 (local.get $v))) (i64.const 32))))"

static const struct vrow vrows[] = {
	{ "const", V("(v128.const i32x4 1 2 3 4)"), 0, 0,
	  0x0000000200000001ull, 0x0000000400000003ull },
	{ "splat_add", V("(i32x4.add (i32x4.splat (local.get $p)) (v128.const i32x4 1 2 3 4))"),
	  10, 0, 0x0000000c0000000bull, 0x0000000e0000000dull },
	{ "shuffle", V("(i8x16.shuffle 0 16 1 17 2 18 3 19 4 20 5 21 6 22 7 23 "
		       "(v128.const i8x16 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15) "
		       "(v128.const i8x16 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30 31))"),
	  0, 0, 0x1303120211011000ull, 0x1707160615051404ull },
	{ "shuffle_b_only", V("(i8x16.shuffle 31 30 29 28 27 26 25 24 23 22 21 20 19 18 17 16 "
			      "(v128.const i64x2 0 0) "
			      "(v128.const i8x16 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15))"),
	  0, 0, 0x08090a0b0c0d0e0full, 0x0001020304050607ull },
	{ "swizzle", V("(i8x16.swizzle (v128.const i8x16 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30 31) "
		       "(v128.const i8x16 0 15 16 255 1 2 3 4 5 6 7 8 9 10 11 12))"),
	  0, 0, 0x1413121100001f10ull, 0x1c1b1a1918171615ull },
	{ "q15mulr_sat", V("(i16x8.q15mulr_sat_s (v128.const i16x8 -32768 16384 -32768 16384 -32768 16384 -32768 16384) "
			   "(v128.const i16x8 -32768 16384 -32768 16384 -32768 16384 -32768 16384))"),
	  0, 0, 0x20007fff20007fffull, 0x20007fff20007fffull },
	{ "popcnt", V("(i8x16.popcnt (v128.const i8x16 0 1 3 7 15 31 63 127 255 254 128 0x55 0xaa 2 4 8))"),
	  0, 0, 0x0706050403020100ull, 0x0101010404010708ull },
	{ "f32_min", FCHK("(f32x4.min " C_A " " C_B ")"), 0, 0, 6, 0xff80000080000000ull },
	{ "f32_max", FCHK("(f32x4.max " C_A " " C_B ")"), 0, 0, 6, 0x4040000000000000ull },
	{ "f32_pmin", V("(f32x4.pmin " C_A " " C_B ")"), 0, 0,
	  0x3f80000080000000ull, 0xff8000007fc00000ull },
	{ "f32_pmax", V("(f32x4.pmax " C_A " " C_B ")"), 0, 0,
	  0x3f80000080000000ull, 0x404000007fc00000ull },
	{ "f64_min", V("(f64x2.min (v128.const f64x2 -0 5) (v128.const f64x2 0 -7))"), 0, 0,
	  0x8000000000000000ull, 0xc01c000000000000ull },
	{ "f64_max_nan", "(func (export \"f\") (param $p i32) (result i64 i64) (local $v v128) "
	  "(local.set $v (f64x2.max (v128.const f64x2 nan 0) (v128.const f64x2 1 -0))) "
	  "(i64.extend_i32_u (i64x2.bitmask (f64x2.ne (local.get $v) (local.get $v)))) "
	  "(i64x2.extract_lane 1 (local.get $v)))", 0, 0, 1, 0 },
	{ "trunc_sat_s", V("(i32x4.trunc_sat_f32x4_s (v128.const f32x4 nan -inf 3e9 -2.5))"), 0, 0,
	  0x8000000000000000ull, 0xfffffffe7fffffffull },
	{ "trunc_sat_u", V("(i32x4.trunc_sat_f32x4_u (v128.const f32x4 nan -1 5e9 3e9))"), 0, 0,
	  0, 0xb2d05e00ffffffffull },
	{ "convert_u", V("(f32x4.convert_i32x4_u (v128.const i32x4 0xffffffff 1 0x80000000 16777217))"),
	  0, 0, 0x3f8000004f800000ull, 0x4b8000004f000000ull },
	{ "trunc_sat_f64_s", V("(i32x4.trunc_sat_f64x2_s_zero (v128.const f64x2 -3e10 2.9))"), 0, 0,
	  0x0000000280000000ull, 0 },
	{ "trunc_sat_f64_u", V("(i32x4.trunc_sat_f64x2_u_zero (v128.const f64x2 nan 5e9))"), 0, 0,
	  0xffffffff00000000ull, 0 },
	{ "trunc_sat_f64_u2", V("(i32x4.trunc_sat_f64x2_u_zero (v128.const f64x2 -1 4294967294.5))"),
	  0, 0, 0xfffffffe00000000ull, 0 },
	{ "convert_low_u", V("(f64x2.convert_low_i32x4_u (v128.const i32x4 0xffffffff 7 9 9))"),
	  0, 0, 0x41efffffffe00000ull, 0x401c000000000000ull },
	{ "demote", V("(f32x4.demote_f64x2_zero (v128.const f64x2 1.5 -2))"), 0, 0,
	  0xc00000003fc00000ull, 0 },
	{ "i8_shr_s", V("(i8x16.shr_s (v128.const i8x16 -128 127 -1 1 0 0 0 0 0 0 0 0 0 0 0 0) (local.get $p))"),
	  9, 0, 0x0000000000ff3fc0ull, 0 },
	{ "i8_shl", V("(i8x16.shl (v128.const i8x16 0x81 0x7f 0 0 0 0 0 0 0 0 0 0 0 0 0 0xff) (local.get $p))"),
	  1, 0, 0xfe02ull, 0xfe00000000000000ull },
	{ "i8_shr_u_imm", V("(i8x16.shr_u (v128.const i8x16 0x81 0x7f 0 0 0 0 0 0 0 0 0 0 0 0 0 0xff) (i32.const 9))"),
	  0, 0, 0x3f40ull, 0x7f00000000000000ull },
	{ "i64_shr_s", V("(i64x2.shr_s (v128.const i64x2 -256 256) (local.get $p))"), 4, 0,
	  0xfffffffffffffff0ull, 16 },
	{ "i64_shr_s_imm", V("(i64x2.shr_s (v128.const i64x2 -3 7) (i32.const 65))"), 0, 0,
	  0xfffffffffffffffeull, 3 },
	{ "i16_shr_s_imm", V("(i16x8.shr_s (v128.const i16x8 -64 64 0 0 0 0 0 0) (i32.const 3))"),
	  0, 0, 0x0008fff8ull, 0 },
	{ "i32_shl_var", V("(i32x4.shl (v128.const i32x4 1 2 3 4) (local.get $p))"), 33, 0,
	  0x0000000400000002ull, 0x0000000800000006ull },
	{ "i64_mul", V("(i64x2.mul (v128.const i64x2 0x100000003 -2) (v128.const i64x2 0x200000005 3))"),
	  0, 0, 0xb0000000full, 0xfffffffffffffffaull },
	{ "extmul_high_u", V("(i32x4.extmul_high_i16x8_u (v128.const i16x8 0 0 0 0 0xffff 2 3 4) "
			     "(v128.const i16x8 0 0 0 0 0xffff 5 6 7))"),
	  0, 0, 0x0000000afffe0001ull, 0x0000001c00000012ull },
	{ "extmul_low_s64", V("(i64x2.extmul_low_i32x4_s (v128.const i32x4 -2 3 0 0) (v128.const i32x4 5 -7 0 0))"),
	  0, 0, 0xfffffffffffffff6ull, 0xffffffffffffffebull },
	{ "extadd_s8", V("(i16x8.extadd_pairwise_i8x16_s (v128.const i8x16 -1 -1 127 127 0 0 0 0 0 0 0 0 0 0 0 0))"),
	  0, 0, 0x00fefffeull, 0 },
	{ "extadd_u16", V("(i32x4.extadd_pairwise_i16x8_u (v128.const i16x8 0xffff 0xffff 1 2 0 0 0 0))"),
	  0, 0, 0x000000030001fffeull, 0 },
	{ "dot", V("(i32x4.dot_i16x8_s (v128.const i16x8 1 2 -3 4 0 0 0 0) (v128.const i16x8 5 6 7 8 0 0 0 0))"),
	  0, 0, 0x0000000b00000011ull, 0 },
	{ "all_true", S("(i32x4.all_true (v128.const i32x4 1 2 0 4))"), 0, 0, 0, 0 },
	{ "all_true_yes", S("(i8x16.all_true (i8x16.splat (local.get $p)))"), 256 + 3, 0, 1, 0 },
	{ "any_true", S("(v128.any_true (i64x2.splat (i64.extend_i32_u (local.get $p))))"), 0, 0, 0, 0 },
	{ "bitmask16", S("(i16x8.bitmask (v128.const i16x8 -1 1 -1 1 -1 1 -1 -5))"), 0, 0, 0xd5, 0 },
	{ "bitmask8", S("(i8x16.bitmask (v128.const i8x16 -1 0 -1 0 0 0 0 0 0 0 0 0 0 0 0 -128))"), 0, 0,
	  0x8005, 0 },
	{ "bitmask64", S("(i64x2.bitmask (v128.const i64x2 1 -1))"), 0, 0, 2, 0 },
	{ "extract_s", S("(i8x16.extract_lane_s 3 (v128.const i8x16 0 0 0 -7 0 0 0 0 0 0 0 0 0 0 0 0))"),
	  0, 0, 0xfffffff9ull, 0 },
	{ "extract_u", S("(i16x8.extract_lane_u 7 (v128.const i16x8 0 0 0 0 0 0 0 0xfff0))"), 0, 0,
	  0xfff0, 0 },
	{ "extract_f32", S("(i32.reinterpret_f32 (f32x4.extract_lane 2 (v128.const f32x4 1 2 3 4)))"),
	  0, 0, 0x40400000, 0 },
	{ "replace_f64", V("(f64x2.replace_lane 1 (v128.const f64x2 1 2) (f64.const 5))"), 0, 0,
	  0x3ff0000000000000ull, 0x4014000000000000ull },
	{ "replace_f64_0", V("(f64x2.replace_lane 0 (v128.const f64x2 1 2) (f64.const 5))"), 0, 0,
	  0x4014000000000000ull, 0x4000000000000000ull },
	{ "replace_f32", V("(f32x4.replace_lane 3 (v128.const f32x4 1 2 3 4) (f32.const -1))"), 0, 0,
	  0x400000003f800000ull, 0xbf80000040400000ull },
	{ "replace_i8", V("(i8x16.replace_lane 9 (v128.const i64x2 0 0) (local.get $p))"), 0x1ab, 0,
	  0, 0xab00ull },
	{ "replace_i64", V("(i64x2.replace_lane 1 (v128.const i64x2 5 6) (i64.const -1))"), 0, 0,
	  5, 0xffffffffffffffffull },
	{ "splat_f32", V("(f32x4.splat (f32.const 1.5))"), 0, 0, 0x3fc000003fc00000ull,
	  0x3fc000003fc00000ull },
	{ "splat_i8", V("(i8x16.splat (local.get $p))"), 0x1fe, 0, 0xfefefefefefefefeull,
	  0xfefefefefefefefeull },
	{ "splat_i16", V("(i16x8.splat (local.get $p))"), 0x12345, 0, 0x2345234523452345ull,
	  0x2345234523452345ull },
	{ "f32_gt", S("(i32x4.bitmask (f32x4.gt (v128.const f32x4 1 nan 3 4) (v128.const f32x4 0 0 3 5)))"),
	  0, 0, 1, 0 },
	{ "f64_le", S("(i64x2.bitmask (f64x2.le (v128.const f64x2 1 nan) (v128.const f64x2 1 0)))"),
	  0, 0, 1, 0 },
	{ "ge_u", S("(i8x16.bitmask (i8x16.ge_u (v128.const i8x16 255 0 5 0 0 0 0 0 0 0 0 0 0 0 0 0) "
		    "(v128.const i8x16 1 1 5 0 0 0 0 0 0 0 0 0 0 0 0 0)))"), 0, 0, 0xfffd, 0 },
	{ "lt_u16", S("(i16x8.bitmask (i16x8.lt_u (v128.const i16x8 1 0xffff 3 0 0 0 0 0) "
		      "(v128.const i16x8 0xffff 1 4 0 0 0 0 0)))"), 0, 0, 0x5, 0 },
	{ "le_s32", S("(i32x4.bitmask (i32x4.le_s (v128.const i32x4 -1 5 3 0) (v128.const i32x4 1 4 3 0)))"),
	  0, 0, 0xd, 0 },
	{ "ne8", S("(i8x16.bitmask (i8x16.ne (v128.const i8x16 1 2 3 4 0 0 0 0 0 0 0 0 0 0 0 0) "
		   "(v128.const i8x16 1 0 3 0 0 0 0 0 0 0 0 0 0 0 0 0)))"), 0, 0, 0xa, 0 },
	{ "i64_gt_s", S("(i64x2.bitmask (i64x2.gt_s (v128.const i64x2 -1 5) (v128.const i64x2 -2 5)))"),
	  0, 0, 1, 0 },
	{ "i64_ge_s", S("(i64x2.bitmask (i64x2.ge_s (v128.const i64x2 -3 5) (v128.const i64x2 -2 5)))"),
	  0, 0, 2, 0 },
	/* high halves equal, low halves decide unsigned; then the high halves' sign */
	{ "i64_gt_s_lo", S("(i64x2.bitmask (i64x2.gt_s (v128.const i64x2 0x80000000 -1) "
			   "(v128.const i64x2 1 0x7fffffffffffffff)))"), 0, 0, 1, 0 },
	{ "i64_lt_s_hi", S("(i64x2.bitmask (i64x2.lt_s (v128.const i64x2 0x100000000 -0x100000000) "
			   "(v128.const i64x2 0xffffffff 0)))"), 0, 0, 2, 0 },
	{ "narrow_u", V("(i8x16.narrow_i16x8_u (v128.const i16x8 -1 300 5 0 0 0 0 7) (v128.const i16x8 0 0 0 0 0 0 0 9))"),
	  0, 0, 0x0700000000000000ull | 0x05ff00ull, 0x0900000000000000ull },
	{ "nearest", V("(f32x4.nearest (v128.const f32x4 2.5 -0.5 1.5 3.7))"), 0, 0,
	  0x8000000040000000ull, 0x4080000040000000ull },
	{ "bitselect", V("(v128.bitselect (v128.const i64x2 0xff00 1) (v128.const i64x2 0x00ff 2) "
			 "(v128.const i64x2 0xf0f0 3))"), 0, 0, 0xf00f, 1 },
	{ "andnot", V("(v128.andnot (v128.const i64x2 0xff 0) (v128.const i64x2 0x0f 0))"), 0, 0,
	  0xf0, 0 },
	{ "not", V("(v128.not (v128.const i64x2 0 -1))"), 0, 0, 0xffffffffffffffffull, 0 },
	{ "i64_abs_neg", V("(i64x2.neg (i64x2.abs (v128.const i64x2 -5 7)))"), 0, 0,
	  0xfffffffffffffffbull, 0xfffffffffffffff9ull },
	{ "i8_abs", V("(i8x16.abs (v128.const i8x16 -128 -1 1 0 0 0 0 0 0 0 0 0 0 0 0 0))"), 0, 0,
	  0x010180, 0 },
	{ "f32_abs_neg", V("(f32x4.neg (f32x4.abs (v128.const f32x4 -1 2 -0 nan)))"), 0, 0,
	  0xc0000000bf800000ull, 0xffc0000080000000ull },
	{ "f64_sqrt_div", V("(f64x2.div (f64x2.sqrt (v128.const f64x2 16 9)) (v128.const f64x2 2 -3))"),
	  0, 0, 0x4000000000000000ull, 0xbff0000000000000ull },
	{ "avgr", V("(i8x16.avgr_u (v128.const i8x16 255 0 3 0 0 0 0 0 0 0 0 0 0 0 0 0) "
		    "(v128.const i8x16 255 1 4 0 0 0 0 0 0 0 0 0 0 0 0 0))"), 0, 0, 0x0401ff, 0 },
	{ "sat_sub_u", V("(i16x8.sub_sat_u (v128.const i16x8 5 100 0 0 0 0 0 0) (v128.const i16x8 10 1 0 0 0 0 0 0))"),
	  0, 0, 0x00630000ull, 0 },
	{ "extend_high_s", V("(i32x4.extend_high_i16x8_s (v128.const i16x8 0 0 0 0 -2 3 -4 5))"), 0, 0,
	  0x00000003fffffffeull, 0x00000005fffffffcull },
	{ "promote", V("(f64x2.promote_low_f32x4 (v128.const f32x4 1.5 -2 0 0))"), 0, 0,
	  0x3ff8000000000000ull, 0xc000000000000000ull },
	{ "convert_s_f64", V("(f64x2.convert_low_i32x4_s (v128.const i32x4 -1 3 0 0))"), 0, 0,
	  0xbff0000000000000ull, 0x4008000000000000ull },
	{ "shuf_zext_bd", V("(i8x16.shuffle 16 0 0 0 17 0 0 0 18 0 0 0 19 0 0 0 "
			"(v128.const i64x2 0 0) "
			"(v128.const i8x16 129 148 167 186 205 224 243 6 25 44 63 82 101 120 139 158))"),
	  0, 0, 0x0000009400000081ull, 0x000000ba000000a7ull },
	{ "shuf_zext_bw", V("(i8x16.shuffle 0 16 1 16 2 16 3 16 4 16 5 16 6 16 7 16 "
			"(v128.const i8x16 129 148 167 186 205 224 243 6 25 44 63 82 101 120 139 158) "
			"(v128.const i64x2 0 0))"),
	  0, 0, 0x00ba00a700940081ull, 0x000600f300e000cdull },
	{ "shuf_zext_bq", V("(i8x16.shuffle 0 31 31 31 31 31 31 31 1 31 31 31 31 31 31 31 "
			"(v128.const i8x16 129 148 167 186 205 224 243 6 25 44 63 82 101 120 139 158) "
			"(v128.const i64x2 0 0))"),
	  0, 0, 0x0000000000000081ull, 0x0000000000000094ull },
	{ "shuf_zext_wd", V("(i8x16.shuffle 16 17 0 0 18 19 0 0 20 21 0 0 22 23 0 0 "
			"(v128.const i64x2 0 0) "
			"(v128.const i8x16 129 148 167 186 205 224 243 6 25 44 63 82 101 120 139 158))"),
	  0, 0, 0x0000baa700009481ull, 0x000006f30000e0cdull },
	{ "shuf_zext_wq", V("(i8x16.shuffle 0 1 20 20 20 20 20 20 2 3 20 20 20 20 20 20 "
			"(v128.const i8x16 129 148 167 186 205 224 243 6 25 44 63 82 101 120 139 158) "
			"(v128.const i64x2 0 0))"),
	  0, 0, 0x0000000000009481ull, 0x000000000000baa7ull },
	{ "shuf_zext_dq", V("(i8x16.shuffle 0 1 2 3 16 16 16 16 4 5 6 7 16 16 16 16 "
			"(v128.const i8x16 129 148 167 186 205 224 243 6 25 44 63 82 101 120 139 158) "
			"(v128.const i64x2 0 0))"),
	  0, 0, 0x00000000baa79481ull, 0x0000000006f3e0cdull },
	{ "shuf_zero_other", V("(i8x16.shuffle 15 16 14 17 13 18 12 19 3 3 3 3 0 1 2 20 "
			"(v128.const i8x16 129 148 167 186 205 224 243 6 25 44 63 82 101 120 139 158) "
			"(v128.const i64x2 0 0))"),
	  0, 0, 0x00650078008b009eull, 0x00a79481babababaull },
	{ "shuf_all_zero", V("(i8x16.shuffle 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30 31 "
			"(v128.const i8x16 129 148 167 186 205 224 243 6 25 44 63 82 101 120 139 158) "
			"(v128.const i64x2 0 0))"),
	  0, 0, 0x0000000000000000ull, 0x0000000000000000ull },
	{ "shuf_pshufd", V("(i8x16.shuffle 12 13 14 15 0 1 2 3 8 9 10 11 4 5 6 7 "
			"(v128.const i8x16 129 148 167 186 205 224 243 6 25 44 63 82 101 120 139 158) "
			"(v128.const i8x16 64 71 78 85 92 99 106 113 120 127 134 141 148 155 162 169))"),
	  0, 0, 0xbaa794819e8b7865ull, 0x06f3e0cd523f2c19ull },
	{ "shuf_pshufd_b", V("(i8x16.shuffle 28 29 30 31 16 17 18 19 16 17 18 19 24 25 26 27 "
			"(v128.const i8x16 129 148 167 186 205 224 243 6 25 44 63 82 101 120 139 158) "
			"(v128.const i8x16 64 71 78 85 92 99 106 113 120 127 134 141 148 155 162 169))"),
	  0, 0, 0x554e4740a9a29b94ull, 0x8d867f78554e4740ull },
	{ "shuf_identity", V("(i8x16.shuffle 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 "
			"(v128.const i8x16 129 148 167 186 205 224 243 6 25 44 63 82 101 120 139 158) "
			"(v128.const i8x16 64 71 78 85 92 99 106 113 120 127 134 141 148 155 162 169))"),
	  0, 0, 0x06f3e0cdbaa79481ull, 0x9e8b7865523f2c19ull },
	{ "shuf_identity_b", V("(i8x16.shuffle 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30 31 "
			"(v128.const i8x16 129 148 167 186 205 224 243 6 25 44 63 82 101 120 139 158) "
			"(v128.const i8x16 64 71 78 85 92 99 106 113 120 127 134 141 148 155 162 169))"),
	  0, 0, 0x716a635c554e4740ull, 0xa9a29b948d867f78ull },
	{ "shuf_same_operand", "(func (export \"f\") (param $p i32) (result i64 i64) (local $x v128) (local $v v128) "
	  "(local.set $x (v128.const i8x16 129 148 167 186 205 224 243 6 25 44 63 82 101 120 139 158)) "
	  "(local.set $v (i8x16.shuffle 0 17 2 19 4 21 6 23 8 25 10 27 12 29 14 31 (local.get $x) (local.get $x))) "
	  "(i64x2.extract_lane 0 (local.get $v)) (i64x2.extract_lane 1 (local.get $v)))",
	  0, 0, 0x06f3e0cdbaa79481ull, 0x9e8b7865523f2c19ull },
	/* chains of an associative op ending in a local: the local is added last */
	{ "reassoc_loop", "(func (export \"f\") (param $p i32) (result i64 i64) (local $acc v128) "
	  "(local.set $acc (v128.const i32x4 1 2 3 4)) "
	  "(loop $l (local.set $acc (i32x4.add (i32x4.splat (local.get $p)) (i32x4.add "
	  "(v128.const i32x4 10 20 30 40) (i32x4.add (v128.const i32x4 100 200 300 400) "
	  "(local.get $acc))))) "
	  "(br_if $l (local.tee $p (i32.sub (local.get $p) (i32.const 1))))) "
	  "(i64x2.extract_lane 0 (local.get $acc)) (i64x2.extract_lane 1 (local.get $acc)))",
	  3, 0, 0x0000029c00000151ull, 0x00000532000003e7ull },
	{ "reassoc_xor", "(func (export \"f\") (param $p i32) (result i64 i64) (local $a v128) "
	  "(local.set $a (v128.const i64x2 -1 5)) "
	  "(local.set $a (v128.xor (v128.const i64x2 0x10 0x20) (v128.xor (i64x2.splat "
	  "(i64.extend_i32_u (local.get $p))) (v128.xor (v128.const i64x2 0x100 0x200) "
	  "(local.get $a))))) "
	  "(i64x2.extract_lane 0 (local.get $a)) (i64x2.extract_lane 1 (local.get $a)))",
	  7, 0, 0xfffffffffffffee8ull, 0x222 },
	{ "reassoc_i8_wrap", V("(i8x16.add (i8x16.splat (i32.const 200)) (i8x16.add "
			       "(i8x16.splat (local.get $p)) (local.get $v)))"),
	  100, 0, 0x2c2c2c2c2c2c2c2cull, 0x2c2c2c2c2c2c2c2cull },
	/* a chain of lane subtractions (additions) on a local: the local is read last */
	{ "chain_sub_loop", "(func (export \"f\") (param $p i32) (result i64 i64) (local $acc v128) "
	  "(local.set $acc (v128.const i32x4 1000 2000 3000 4000)) "
	  "(loop $l (local.set $acc (i32x4.sub (i32x4.sub (i32x4.sub (local.get $acc) "
	  "(i32x4.splat (local.get $p))) (v128.const i32x4 1 2 3 4)) "
	  "(i32x4.splat (i32.mul (local.get $p) (i32.const 2))))) "
	  "(br_if $l (local.tee $p (i32.sub (local.get $p) (i32.const 1))))) "
	  "(i64x2.extract_lane 0 (local.get $acc)) (i64x2.extract_lane 1 (local.get $acc)))",
	  3, 0, 0x000007b8000003d3ull, 0x00000f8200000b9dull },
	{ "chain_reads_local", "(func (export \"f\") (param $p i32) (result i64 i64) (local $a v128) "
	  "(local.set $a (v128.const i16x8 100 -5 32767 0 0 0 0 0)) "
	  "(local.set $a (i16x8.sub (i16x8.sub (local.get $a) (i16x8.add (local.get $a) "
	  "(local.get $a))) (i16x8.splat (local.get $p)))) "
	  "(i64x2.extract_lane 0 (local.get $a)) (i64x2.extract_lane 1 (local.get $a)))",
	  1, 0, 0xffff80000004ff9bull, 0xffffffffffffffffull },
	{ "chain_local_written", "(func (export \"f\") (param $p i32) (result i64 i64) (local $a v128) "
	  "(local.set $a (v128.const i32x4 10 20 30 40)) "
	  "(i32x4.sub (i32x4.sub (i32x4.sub (local.get $a) (v128.const i32x4 1 1 1 1)) "
	  "(local.tee $a (i32x4.splat (local.get $p)))) (local.get $a)) "
	  "(local.set $a) "
	  "(i64x2.extract_lane 0 (local.get $a)) (i64x2.extract_lane 1 (local.get $a)))",
	  5, 0, 0x00000009ffffffffull, 0x0000001d00000013ull },
	{ "chain_add_i64", "(func (export \"f\") (param $p i32) (result i64 i64) (local $a v128) "
	  "(local.set $a (v128.const i64x2 -1 0x7fffffffffffffff)) "
	  "(local.set $a (i64x2.add (i64x2.add (i64x2.add (local.get $a) "
	  "(i64x2.splat (i64.extend_i32_u (local.get $p)))) (v128.const i64x2 1 1)) "
	  "(v128.const i64x2 10 0))) "
	  "(i64x2.extract_lane 0 (local.get $a)) (i64x2.extract_lane 1 (local.get $a)))",
	  2, 0, 12, 0x8000000000000002ull },
	{ "chain_sub_i8", "(func (export \"f\") (param $p i32) (result i64 i64) (local $a v128) "
	  "(local.set $a (i8x16.sub (i8x16.sub (local.get $a) (i8x16.splat (local.get $p))) "
	  "(v128.const i8x16 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16))) "
	  "(i64x2.extract_lane 0 (local.get $a)) (i64x2.extract_lane 1 (local.get $a)))",
	  0xff, 0, 0xf9fafbfcfdfeff00ull, 0xf1f2f3f4f5f6f7f8ull },
	/* AArch64: a constant with a word that reads as the poison instruction stays out of the
	 * literal pool (the code check would reject the function) */
	{ "const_poison_word", V("(v128.const i32x4 0xd42175a0 1 2 0xd42175a0)"), 0, 0,
	  0x00000001d42175a0ull, 0xd42175a000000002ull },
	/* a scalar load feeding a splat is the splat load: bits, sizes, traps, other memories */
	{ "splat_load_i32", "(memory 1) (data (i32.const 4) \"\\78\\56\\34\\12\") "
	  V("(i32x4.splat (i32.load offset=4 (local.get $p)))"), 0, 0, 0x1234567812345678ull,
	  0x1234567812345678ull },
	{ "splat_load_f32_snan", "(memory 1) (data (i32.const 8) \"\\01\\00\\a0\\7f\") "
	  V("(f32x4.splat (f32.load (local.get $p)))"), 8, 0, 0x7fa000017fa00001ull,
	  0x7fa000017fa00001ull },
	{ "splat_load_i64", "(memory 1) (data (i32.const 8) \"\\01\\02\\03\\04\\05\\06\\07\\08\") "
	  V("(i64x2.splat (i64.load (local.get $p)))"), 8, 0, 0x0807060504030201ull,
	  0x0807060504030201ull },
	{ "splat_load_f64", "(memory 1) (data (i32.const 16) \"\\01\\00\\00\\00\\00\\00\\f4\\7f\") "
	  V("(f64x2.splat (f64.load offset=8 (local.get $p)))"), 8, 0, 0x7ff4000000000001ull,
	  0x7ff4000000000001ull },
	{ "splat_load8_s", "(memory 1) (data (i32.const 3) \"\\80\") "
	  V("(i8x16.splat (i32.load8_s (local.get $p)))"), 3, 0, 0x8080808080808080ull,
	  0x8080808080808080ull },
	{ "splat_load16_u", "(memory 1) (data (i32.const 2) \"\\fe\\ff\") "
	  V("(i16x8.splat (i32.load16_u (local.get $p)))"), 2, 0, 0xfffefffefffefffeull,
	  0xfffefffefffefffeull },
	{ "splat_load_oob", "(memory 1) " V("(i32x4.splat (i32.load (local.get $p)))"), 65533,
	  CHIBI_TRAP_MEMORY_OOB, 0, 0 },
	/* more distinct constants than the pool holds: the rest are built in registers */
	{ "many_consts", V(
	    "(i32x4.add (i32x4.add (i32x4.add (i32x4.add (i32x4.add (i32x4.add "
	    "(i32x4.add (i32x4.add (i32x4.add (i32x4.add (i32x4.add (i32x4.add "
	    "(i32x4.add (i32x4.add (i32x4.add (i32x4.add (i32x4.add (i32x4.add "
	    "(i32x4.add (i32x4.add (i32x4.add (i32x4.add (i32x4.add (i32x4.add "
	    "(i32x4.add (i32x4.add (i32x4.add (i32x4.add (i32x4.add (i32x4.add "
	    "(i32x4.add (i32x4.add (i32x4.add (v128.const i32x4 1 2 3 4) "
	    "(v128.const i32x4 2 3 4 5)) (v128.const i32x4 3 4 5 6)) (v128.const "
	    "i32x4 4 5 6 7)) (v128.const i32x4 5 6 7 8)) (v128.const i32x4 6 7 8 "
	    "9)) (v128.const i32x4 7 8 9 10)) (v128.const i32x4 8 9 10 11)) "
	    "(v128.const i32x4 9 10 11 12)) (v128.const i32x4 10 11 12 13)) "
	    "(v128.const i32x4 11 12 13 14)) (v128.const i32x4 12 13 14 15)) "
	    "(v128.const i32x4 13 14 15 16)) (v128.const i32x4 14 15 16 17)) "
	    "(v128.const i32x4 15 16 17 18)) (v128.const i32x4 16 17 18 19)) "
	    "(v128.const i32x4 17 18 19 20)) (v128.const i32x4 18 19 20 21)) "
	    "(v128.const i32x4 19 20 21 22)) (v128.const i32x4 20 21 22 23)) "
	    "(v128.const i32x4 21 22 23 24)) (v128.const i32x4 22 23 24 25)) "
	    "(v128.const i32x4 23 24 25 26)) (v128.const i32x4 24 25 26 27)) "
	    "(v128.const i32x4 25 26 27 28)) (v128.const i32x4 26 27 28 29)) "
	    "(v128.const i32x4 27 28 29 30)) (v128.const i32x4 28 29 30 31)) "
	    "(v128.const i32x4 29 30 31 32)) (v128.const i32x4 30 31 32 33)) "
	    "(v128.const i32x4 31 32 33 34)) (v128.const i32x4 32 33 34 35)) "
	    "(v128.const i32x4 33 34 35 36)) (v128.const i32x4 34 35 36 37))"), 0, 0, 0x0000027500000253ull, 0x000002b900000297ull },
	/* memory: plain, extending, splat, zero and lane forms; bounds */
	{ "load_store", "(memory 1) (data (i32.const 16) \"\\01\\02\\03\\04\\05\\06\\07\\08\\09\\0a\\0b\\0c\\0d\\0e\\0f\\10\") "
	  V("(v128.store offset=32 (local.get $p) (v128.load offset=16 (local.get $p))) "
	    "(v128.load offset=32 (local.get $p))"),
	  0, 0, 0x0807060504030201ull, 0x100f0e0d0c0b0a09ull },
	{ "load_ext", "(memory 1) (data (i32.const 0) \"\\ff\\01\\80\\7f\") "
	  V("(v128.load8x8_s (local.get $p))"), 0, 0, 0x007fff800001ffffull, 0 },
	{ "load_splat8", "(memory 1) (data (i32.const 5) \"\\a5\") "
	  V("(v128.load8_splat offset=5 (local.get $p))"), 0, 0, 0xa5a5a5a5a5a5a5a5ull,
	  0xa5a5a5a5a5a5a5a5ull },
	{ "load_splat16", "(memory 1) (data (i32.const 4) \"\\34\\12\") "
	  V("(v128.load16_splat offset=4 (local.get $p))"), 0, 0, 0x1234123412341234ull,
	  0x1234123412341234ull },
	{ "load_splat32", "(memory 1) (data (i32.const 4) \"\\78\\56\\34\\12\") "
	  V("(v128.load32_splat (i32.const 4))"), 0, 0, 0x1234567812345678ull, 0x1234567812345678ull },
	{ "load_splat64", "(memory 1) (data (i32.const 8) \"\\01\\02\\03\\04\\05\\06\\07\\08\") "
	  V("(v128.load64_splat (local.get $p))"), 8, 0, 0x0807060504030201ull, 0x0807060504030201ull },
	{ "load_zero", "(memory 1) (data (i32.const 8) \"\\01\\02\\03\\04\\05\\06\\07\\08\") "
	  V("(v128.load32_zero (local.get $p))"), 8, 0, 0x04030201ull, 0 },
	{ "load_lane", "(memory 1) (data (i32.const 8) \"\\01\\02\\03\\04\\05\\06\\07\\08\") "
	  V("(v128.load16_lane 5 (local.get $p) (v128.const i64x2 0 0))"), 8, 0, 0, 0x02010000ull },
	{ "store_lane", "(memory 1) "
	  V("(v128.store32_lane offset=4 2 (local.get $p) (v128.const i32x4 1 2 3 4)) "
	    "(v128.load (local.get $p))"), 0, 0, 0x0000000300000000ull, 0 },
	{ "load_last", "(memory 1) " V("(v128.load (local.get $p))"), 65520, 0, 0, 0 },
	{ "load_oob", "(memory 1) " V("(v128.load (local.get $p))"), 65521, CHIBI_TRAP_MEMORY_OOB, 0, 0 },
	{ "load_lane_oob", "(memory 1) " V("(v128.load64_lane offset=1 1 (local.get $p) (v128.const i64x2 0 0))"),
	  65528, CHIBI_TRAP_MEMORY_OOB, 0, 0 },
	{ "store_oob", "(memory 1) " V("(v128.store offset=8 (local.get $p) (v128.const i64x2 0 0)) (v128.const i64x2 0 0)"),
	  65520, CHIBI_TRAP_MEMORY_OOB, 0, 0 },
	/* control flow, locals, calls with v128 parameters and results */
	{ "select", "(func $g (param v128 v128 i32) (result v128) (select (local.get 0) (local.get 1) (local.get 2))) "
	  V("(call $g (v128.const i64x2 1 2) (v128.const i64x2 3 4) (local.get $p))"), 0, 0, 3, 4 },
	{ "select_t", "(func $g (param v128 v128 i32) (result v128) (select (local.get 0) (local.get 1) (local.get 2))) "
	  V("(call $g (v128.const i64x2 1 2) (v128.const i64x2 3 4) (local.get $p))"), 7, 0, 1, 2 },
	{ "block_result", V("(block (result v128) (v128.const i64x2 1 1) (br_if 0 (local.get $p)) "
			    "drop (v128.const i64x2 2 2))"), 1, 0, 1, 1 },
	{ "loop_acc", "(func (export \"f\") (param $p i32) (result i64 i64) (local $v v128) "
	  "(loop $l (local.set $v (i32x4.add (local.get $v) (v128.const i32x4 1 2 3 4))) "
	  "(br_if $l (local.tee $p (i32.sub (local.get $p) (i32.const 1))))) "
	  "(i64x2.extract_lane 0 (local.get $v)) (i64x2.extract_lane 1 (local.get $v)))",
	  10, 0, 0x000000140000000aull, 0x000000280000001eull },
	{ "many_v128_args", "(func $g (param i32 v128 f64 v128 i64 v128) (result v128 i32) "
	  "(i64x2.add (local.get 1) (i64x2.add (local.get 3) (local.get 5))) (local.get 0)) "
	  "(func (export \"f\") (param $p i32) (result i64 i64) (local $v v128) "
	  "(call $g (local.get $p) (v128.const i64x2 1 2) (f64.const 0) (v128.const i64x2 10 20) "
	  "(i64.const 0) (v128.const i64x2 100 200)) drop local.set $v "
	  "(i64x2.extract_lane 0 (local.get $v)) (i64x2.extract_lane 1 (local.get $v)))",
	  0, 0, 111, 222 },
	/* a v128 local in a caller-saved xmm home lives across calls (saved in 16 bytes); the
	 * callee's own float homes are saved in 8 */
	{ "local_across_call", "(func $h (param f64) (result f64) (local f64 f64) "
	  "(local.set 1 (f64.mul (local.get 0) (f64.const 2))) (local.set 2 (f64.add (local.get 1) (local.get 1))) "
	  "(local.set 1 (f64.add (local.get 1) (local.get 2))) (local.get 1)) "
	  "(func (export \"f\") (param $p i32) (result i64 i64) (local $v v128) (local $x f64) "
	  "(local.set $v (v128.const i64x2 0x1111222233334444 0x5555666677778888)) "
	  "(local.set $x (call $h (f64.const 1))) "
	  "(local.set $v (i64x2.add (local.get $v) (local.get $v))) "
	  "(local.set $x (call $h (local.get $x))) "
	  "(i64x2.extract_lane 0 (local.get $v)) (i64x2.extract_lane 1 (local.get $v)))",
	  0, 0, 0x2222444466668888ull, 0xaaaacccceeef1110ull },
	{ "v128_global", "(global $g (mut v128) (v128.const i64x2 3 4)) "
	  V("(global.set $g (i64x2.add (global.get $g) (i64x2.splat (i64.extend_i32_u (local.get $p))))) "
	    "(global.get $g)"), 10, 0, 13, 14 },
	{ "if_param", "(type $t (func (param v128) (result v128))) "
	  V("(v128.const i64x2 5 6) (if (type $t) (local.get $p) (then (i64x2.add (v128.const i64x2 1 1))) "
	    "(else (i64x2.sub (v128.const i64x2 1 1))))"), 1, 0, 6, 7 },
	{ "spill_pressure", V("(i32x4.add (i32x4.add (i32x4.add (i32x4.add (i32x4.add (i32x4.add "
			      "(i32x4.add (i32x4.add (i32x4.splat (local.get $p)) (i32x4.splat (local.get $p))) "
			      "(i32x4.splat (local.get $p))) (i32x4.splat (local.get $p))) (i32x4.splat (local.get $p))) "
			      "(i32x4.splat (local.get $p))) (i32x4.splat (local.get $p))) (i32x4.splat (local.get $p))) "
			      "(i32x4.splat (local.get $p)))"), 1, 0, 0x0000000900000009ull,
	  0x0000000900000009ull },
};

/* Rows read by chibi's own text reader (text/wat.h) instead of wat2wasm, which the test
 * helper does not ask for the multi-memory and memory64 forms. */
static const struct vrow vrows_text[] = {
	{ "splat_load_mem1", "(memory 1) (memory $m1 1) (data (memory $m1) (i32.const 4) \"\\01\\02\\03\\04\") "
	  V("(i32x4.splat (i32.load $m1 (local.get $p)))"), 4, 0, 0x0403020104030201ull,
	  0x0403020104030201ull },
	{ "splat_load_mem64", "(memory i64 1) (data (i64.const 6) \"\\aa\\bb\") "
	  V("(i16x8.splat (i32.load16_u (i64.extend_i32_u (local.get $p))))"), 6, 0,
	  0xbbaabbaabbaabbaaull, 0xbbaabbaabbaabbaaull },
	{ "splat_load_mem64_oob", "(memory i64 1) "
	  V("(i64x2.splat (i64.load (i64.extend_i32_u (local.get $p))))"), 65529,
	  CHIBI_TRAP_MEMORY_OOB, 0, 0 },
};

#define NVROWS (sizeof(vrows) / sizeof(vrows[0]))
#define NVROWS_TEXT (sizeof(vrows_text) / sizeof(vrows_text[0]))

static enum chibi_trap run_vrow(const struct vrow *r, enum chibi_exec_mode mode, uint64_t *lo,
				uint64_t *hi, uint32_t *fallbacks)
{
	bool text = r >= vrows_text && r < vrows_text + NVROWS_TEXT;
	char src[4096];
	struct chibi_config cfg = { .mode = mode };
	struct engine_stats st;
	chibi_module *m;
	chibi_store *s;
	chibi_instance *inst = NULL;
	chibi_val arg = { .type = CHIBI_I32, .of.i32 = r->arg }, res[2] = { 0 };
	enum chibi_trap t;

	snprintf(src, sizeof(src), "(module %s)", r->body);
	if (text) {
		struct wat_error e;
		uint8_t *bin;
		size_t len;

		cr_assert(wat_to_binary(src, strlen(src), &bin, &len, &e), "%s: %u:%u: %s",
			  r->name, e.line, e.col, e.msg);
		m = NULL;
		chibi_module_new(bin, len, &m, NULL);
		vm_free(bin);
	} else {
		m = wat_module(src);
	}
	cr_assert_not_null(m, "%s: module", r->name);
	s = chibi_store_new(&cfg);
	cr_assert_eq(chibi_instance_new(s, m, NULL, &inst, NULL, NULL), CHIBI_OK, "%s", r->name);
	t = chibi_func_call(chibi_instance_func(inst, "f"), &arg, 1, res, 2, NULL);
	*lo = (uint64_t)res[0].of.i64;
	*hi = (uint64_t)res[1].of.i64;
	*fallbacks = 0;
	if (mode == CHIBI_MODE_JIT) {
		engine_jit->stats(s, &st);
		*fallbacks = st.fallbacks;
	}
	chibi_store_free(s);
	chibi_module_free(m);
	return t;
}

static void run_all(const char *isa)
{
	int bad = 0;

	if (isa)
		setenv("CHIBI_JIT_ISA", isa, 1);
	for (size_t i = 0; i < NVROWS + NVROWS_TEXT; i++) {
		const struct vrow *r = i < NVROWS ? &vrows[i] : &vrows_text[i - NVROWS];

		for (int v = isa ? 0 : -1; v < 2; v++) {
			uint64_t lo = 0, hi = 0;
			uint32_t fb = 0;
			enum chibi_trap t;

			if (v)
				setenv("CHIBI_JIT_BOUNDS", "explicit", 1);
			t = run_vrow(r, v < 0 ? CHIBI_MODE_INTERP : CHIBI_MODE_JIT, &lo, &hi, &fb);
			unsetenv("CHIBI_JIT_BOUNDS");
			if (t != r->trap || fb ||
			    (t == CHIBI_TRAP_NONE && (lo != r->lo || hi != r->hi))) {
				cr_log_error("%s [%s%s]: trap %s (want %s), %u fallbacks, "
					     "%016llx %016llx (want %016llx %016llx)", r->name,
					     isa ? isa : "default",
					     v < 0 ? ", interpreter" : v ? ", explicit" : "",
					     chibi_trap_name(t), chibi_trap_name(r->trap), fb,
					     (unsigned long long)hi, (unsigned long long)lo,
					     (unsigned long long)r->hi, (unsigned long long)r->lo);
				bad++;
			}
		}
	}
	cr_expect_eq(bad, 0, "%d of %zu rows wrong", bad, 2 * (NVROWS + NVROWS_TEXT));
}

/* the default level also runs every row in the interpreter */
Test(jit_simd, rows_default_level) { run_all(NULL); }
#if defined(__x86_64__)
/* The levels below the CPU's own exist only in the x86-64 back end (NEON is always there). */
Test(jit_simd, rows_avx) { run_all("avx"); }
Test(jit_simd, rows_sse42) { run_all("sse4.2"); }
Test(jit_simd, rows_sse41) { run_all("sse4.1"); }
#endif

/* CHIBI_JIT_ISA=none imitates a CPU without SIMD support (x86-64 without SSE4.1): the function is left to the interpreter,
 * counted, with the reason. */
Test(jit_simd, no_simd_level_falls_back)
{
	uint64_t lo, hi;
	uint32_t fb = 0;

	setenv("CHIBI_JIT_ISA", "none", 1);
	run_vrow(&vrows[0], CHIBI_MODE_JIT, &lo, &hi, &fb);
	cr_expect_eq(fb, 1u);
}
