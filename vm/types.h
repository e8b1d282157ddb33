/* vm/types.h - small shared types: value types, function types, limits, opcodes, immediates.
 *
 * Pure data definitions used by every stage (decoder, validator, interpreter, JIT).  No logic
 * beyond a few static inline helpers.  The opcode enum is generated from vm/opcodes.def.
 */
#ifndef CHIBI_VM_TYPES_H
#define CHIBI_VM_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Value types, numbered as in the binary format (spec 5.3.1).  A reference type's code here
 * is its family's top heap type: every reference of the func family is one pointer to a
 * chibi_func at run time, whatever its static type (see vtype below). */
enum valtype {
	VT_I32 = 0x7f,
	VT_I64 = 0x7e,
	VT_F32 = 0x7d,
	VT_F64 = 0x7c,
	VT_V128 = 0x7b,
	VT_FUNCREF = 0x70,
	VT_EXTERNREF = 0x6f,
	VT_EXNREF = 0x69,     /* exception handling: a caught exception (struct chibi_exn *) */
};

/* Binary heap type codes of the bottoms (spec 5.3.3): in a vtype they are VT_BOTTOM plus
 * their family's code. */
enum heaptype_code {
	HT_NOFUNC = 0x73,
	HT_NOEXTERN = 0x72,
	HT_NOEXN = 0x74,
	HT_EXN = 0x69,
};

/*
 * A value type as every stage stores it (params, results, locals, globals, tables, elem
 * segments, the validator's operand stack): 32 bits,
 *   bits 0-7   the code: a number or vector type's binary code, or for a reference its
 *              family (VT_FUNCREF, VT_EXTERNREF, 0x69 exnref), which is all the run time
 *              needs (vt_code: what the slot holds);
 *   bit 8      VT_NONNULL: `(ref ht)` rather than `(ref null ht)`;
 *   bit 9      VT_BOTTOM: the heap type is the family's bottom (nofunc, noextern, noexn);
 *   bits 10-31 a concrete heap type `$t`: its type index + 1 (0: the abstract heap type).
 * So a number type and the nullable abstract references keep their one-byte values
 * (VT_FUNCREF is `(ref null func)`), and code comparing a vtype with them keeps working.
 * Type indices in a vtype are the module's own; the store maps them to canonical ids.
 */
typedef uint32_t vtype;

#define VT_NONNULL 0x100u
#define VT_BOTTOM 0x200u
#define VT_IDX_SHIFT 10
#define VT_MAX_TYPEIDX ((1u << (32 - VT_IDX_SHIFT)) - 2) /* the largest index a vtype holds */

static inline uint8_t vt_code(vtype t) { return (uint8_t)t; }

static inline bool vt_is_ref(vtype t)
{
	uint8_t c = vt_code(t);

	return c == VT_FUNCREF || c == VT_EXTERNREF || c == HT_EXN;
}

static inline bool vt_nullable(vtype t) { return !(t & VT_NONNULL); }
static inline bool vt_has_index(vtype t) { return (t >> VT_IDX_SHIFT) != 0; }
/* The concrete heap type's type index (vt_has_index(t) only). */
static inline uint32_t vt_index(vtype t) { return (t >> VT_IDX_SHIFT) - 1; }
/* `(ref null? $idx)`: the reference to type idx (a function type). */
static inline vtype vt_ref_index(uint32_t idx, bool nullable)
{
	return VT_FUNCREF | ((idx + 1) << VT_IDX_SHIFT) | (nullable ? 0 : VT_NONNULL);
}

/*
 * Does a value of type got fit where want is expected (spec 3.3 "matching")?  A number or
 * vector type matches only itself; a reference matches a reference of its family that is
 * nullable if it is, whose heap type is the family's top, or a supertype of its own heap
 * type (is_sub decides between two concrete ones: type indices of one module in the
 * validator, canonical ids in the store), or anything when its own is the bottom.
 */
static inline bool vt_match_by(vtype got, vtype want,
			       bool (*is_sub)(const void *ctx, uint32_t a, uint32_t b),
			       const void *ctx)
{
	if (got == want)
		return true;
	if (!vt_is_ref(got) || vt_code(got) != vt_code(want))
		return false;
	if (vt_nullable(got) && !vt_nullable(want))
		return false;
	if (got & VT_BOTTOM)
		return true;
	if (want & VT_BOTTOM)
		return false;
	if (!vt_has_index(want))
		return true;
	return vt_has_index(got) && is_sub(ctx, vt_index(got), vt_index(want));
}

/* 64-bit slots a value of type t takes in frames, globals' and host calls' slot arrays: two
 * for v128 (low half first), one for everything else. */
static inline uint32_t vt_slots(vtype t) { return vt_code(t) == VT_V128 ? 2 : 1; }

/* Immediate kinds used by the opcode table. */
enum imm_kind {
	IMM_NONE,
	IMM_BLOCKTYPE,     /* s33 block type: 0x40 empty, a valtype, or a type index */
	IMM_LABEL,         /* u32 label depth */
	IMM_BR_TABLE,      /* vec(u32) labels + u32 default */
	IMM_FUNC,          /* u32 function index */
	IMM_CALL_INDIRECT, /* u32 type index, u32 table index */
	IMM_TYPE,          /* u32 type index (call_ref, return_call_ref) */
	IMM_SELECT_T,      /* vec(valtype), length must be 1 */
	IMM_LOCAL,         /* u32 local index */
	IMM_GLOBAL,        /* u32 global index */
	IMM_TABLE,         /* u32 table index */
	IMM_MEMARG,        /* u32 flags (align log2, bit 6: memidx follows), [u32 memidx], u64 offset */
	IMM_MEMIDX,        /* u32 memory index (memory.size/grow/fill) */
	IMM_I32,           /* s32 */
	IMM_I64,           /* s64 */
	IMM_F32,           /* 4 bytes little-endian */
	IMM_F64,           /* 8 bytes little-endian */
	IMM_REFTYPE,       /* one byte reftype */
	IMM_MEMORY_INIT,   /* u32 data index, u32 memory index */
	IMM_DATA,          /* u32 data index */
	IMM_MEMORY_COPY,   /* u32 destination memory, u32 source memory */
	IMM_TABLE_INIT,    /* u32 elem index, u32 table index */
	IMM_ELEM,          /* u32 elem index */
	IMM_TABLE_COPY,    /* u32 dst table, u32 src table */
	IMM_V128,          /* 16 bytes little-endian (v128.const) */
	IMM_SHUFFLE,       /* 16 lane index bytes, each < 32 (i8x16.shuffle) */
	IMM_LANE,          /* one lane index byte */
	IMM_MEMARG_LANE,   /* memarg, then one lane index byte */
	IMM_TAG,           /* u32 tag index (throw, legacy catch) */
	IMM_TRY_TABLE,     /* blocktype, vec(catch clause): kept in place like br_table's */
};

/* Opcodes: OPC_<name>.  Single-byte opcodes use their byte value; 0xFC-prefixed ones are
 * numbered 0x100 + sub-opcode, 0xFD-prefixed (SIMD) ones 0x200 + sub-opcode (they go up to
 * 0x113), so that every opcode fits one uint16_t. */
#define OPC_BASE(pfx) ((pfx) == 0xfd ? 0x200 : (pfx) == 0xfc ? 0x100 : 0)
enum opcode {
#define OP(name, pfx, code, imm, par, res, ml, cls, ty, rel, fl, feat, text) \
	OPC_##name = OPC_BASE(pfx) + (code),
#include "opcodes.def"
#undef OP
	OPC_LIMIT = 0x400,
	/* "no such opcode" from op_swapped/op_inverse: 0 is unreachable, never a result */
	OPC_NONE = 0,
};

/* The memlog2 column as constants, OPML_<name>, for code generated per row (handlers). */
enum opcode_memlog2 {
#define OP(name, pfx, code, imm, par, res, ml, cls, ty, rel, fl, feat, text) OPML_##name = (ml),
#include "opcodes.def"
#undef OP
};

/* What kind of instruction a row is (the cls column of opcodes.def).  The numeric classes,
 * OPCL_TEST to OPCL_CONVERT, are the rows with a pure num_<name> in vm/interp_num.h. */
enum op_class {
	OPCL_CONTROL,    /* unreachable, nop, block ... return */
	OPCL_CALL,       /* call, call_indirect, call_ref and their return_ forms */
	OPCL_PARAMETRIC, /* drop, select */
	OPCL_VARIABLE,   /* local.*, global.* */
	OPCL_TABLE,      /* table.*, elem.drop */
	OPCL_MEMORY,     /* memory.size/grow/init/copy/fill, data.drop */
	OPCL_LOAD,       /* t.load*: pops an address, pushes results[0] */
	OPCL_STORE,      /* t.store*: pops an address and a value */
	OPCL_CONST,      /* t.const */
	OPCL_REF,        /* ref.null, ref.is_null, ref.func, ref.as_non_null */
	OPCL_TEST,       /* eqz: one operand, i32 result */
	OPCL_COMPARE,    /* two operands of one type, i32 result; rel says which relation */
	OPCL_UNOP,       /* one operand, result of the same type */
	OPCL_BINOP,      /* two operands and a result, all of one type */
	OPCL_CONVERT,    /* one operand, result of another type */
	/* SIMD (see the header of opcodes.def); VUNOP to VREPLACE have a pure v128_<name> */
	OPCL_VLOAD,      /* address -> v128: load, extend, splat and zero loads */
	OPCL_VSTORE,     /* address, v128 */
	OPCL_VLOADLANE,  /* address, v128 -> v128 (memarg and lane immediates) */
	OPCL_VSTORELANE, /* address, v128 (memarg and lane immediates) */
	OPCL_VCONST,     /* v128.const */
	OPCL_VSHUFFLE,   /* i8x16.shuffle: two v128 and 16 lane bytes */
	OPCL_VUNOP,      /* v128 -> v128 */
	OPCL_VBINOP,     /* v128 v128 -> v128 */
	OPCL_VCOMPARE,   /* v128 v128 -> v128 of lane masks; rel says which relation */
	OPCL_VTERNOP,    /* v128 v128 v128 -> v128 */
	OPCL_VSHIFT,     /* v128 i32 -> v128 */
	OPCL_VTEST,      /* v128 -> i32 */
	OPCL_VSPLAT,     /* scalar -> v128 */
	OPCL_VEXTRACT,   /* v128 -> scalar (lane immediate) */
	OPCL_VREPLACE,   /* v128 scalar -> v128 (lane immediate) */
};

/* The relation a TEST or COMPARE row computes (the rel column): eqz is REL_EQ with 0.
 * Integer relations are signed (_S) or unsigned (_U); the float ones are ordered, false
 * when an operand is NaN (only eq and ne have float inverses). */
enum op_rel {
	REL_NONE,
	REL_EQ, REL_NE,
	REL_LT_S, REL_LT_U, REL_GT_S, REL_GT_U, REL_LE_S, REL_LE_U, REL_GE_S, REL_GE_U,
	REL_LT, REL_GT, REL_LE, REL_GE,
	REL_COUNT,
};

/* Property bits (the flags column). */
enum op_flag {
	OPF_COMM = 1 << 0, /* commutative: op(a, b) == op(b, a) */
	OPF_TRAP = 1 << 1, /* may trap */
	OPF_BITS = 1 << 2, /* result = the operand's (low) bits: wrap and the reinterprets */
	OPF_SHIFT = 1 << 3, /* scalar shift or rotate: operand 2 is a count modulo the width */
};

/*
 * Static description of one opcode, indexed by enum opcode; name_off == 0 for unused codes.
 * No pointers: the table and the names live in read-only data that a static-pie start does
 * not relocate (docs/RATIONALE.md, "Start-up after the feature work").
 */
struct opinfo {
	uint16_t name_off;   /* the text format name, e.g. "i32.add": op_name(op) */
	char params[4];      /* operand types, opcodes.def letters: "ii" etc.; "*" for a row
	                      * handled by hand (op_is_special) */
	char results[2];     /* result types, same letters; "*" when handled by hand */
	uint8_t imm;         /* enum imm_kind */
	uint8_t memlog2;     /* log2 access size for loads/stores */
	uint8_t cls;         /* enum op_class */
	uint8_t type;        /* numeric rows: enum valtype of the first operand; else 0 */
	uint8_t rel;         /* enum op_rel */
	uint8_t flags;       /* enum op_flag bits */
	uint16_t feature;    /* the proposal (enum chibi_feature bit) the row belongs to, 0 for
	                      * instructions no -W switch turns off (the feat column) */
};
extern const struct opinfo op_info[OPC_LIMIT]; /* defined in vm/opcodes.c */

/* The text format name of op ("i32.add"), NULL for a code with no row.  vm/opcodes.c. */
const char *op_name(unsigned op);

/* A SPECIAL row of opcodes.def: its typing is hand-written, params and results are "*". */
static inline bool op_is_special(unsigned op)
{
	return op_info[op].params[0] == '*';
}

/* Does op have a pure num_<name> (vm/interp_num.h), the folder's and the JIT helpers'? */
static inline bool op_is_numeric(unsigned op)
{
	return op_info[op].cls >= OPCL_TEST && op_info[op].cls <= OPCL_CONVERT;
}

/* A SIMD row (0xFD prefix)? */
static inline bool op_is_simd(unsigned op)
{
	return op_info[op].cls >= OPCL_VLOAD;
}

/* eqz or a comparison: an i32 truth value a branch or select can fuse with. */
static inline bool op_is_compare(unsigned op)
{
	return op_info[op].cls == OPCL_TEST || op_info[op].cls == OPCL_COMPARE;
}

static inline bool op_is_commutative(unsigned op) { return op_info[op].flags & OPF_COMM; }
static inline bool op_may_trap(unsigned op) { return op_info[op].flags & OPF_TRAP; }
static inline bool op_is_shift(unsigned op) { return op_info[op].flags & OPF_SHIFT; }

/* Is op's first operand (its numeric type) 64 bits wide, i64 or f64? */
static inline bool op_is_wide(unsigned op)
{
	return op_info[op].type == VT_I64 || op_info[op].type == VT_F64;
}

/* Does op work on integers (i32/i64 operand)? */
static inline bool op_is_int(unsigned op)
{
	return op_info[op].type == VT_I32 || op_info[op].type == VT_I64;
}

/* The operator with its operands exchanged: op itself if commutative, the mirrored
 * comparison for a COMPARE row (a < b  <=>  b > a), else OPC_NONE.  vm/opcodes.c. */
uint16_t op_swapped(uint16_t op);
/* The comparison true exactly when op is false (a < b  <=>  !(a >= b)): integer
 * comparisons and float eq/ne; OPC_NONE for float lt/gt/le/ge (NaN makes both false) and
 * for every other row.  vm/opcodes.c. */
uint16_t op_inverse(uint16_t op);
/* The non-relaxed row whose result a relaxed SIMD instruction gives in every tier (the
 * deterministic choices of docs/RATIONALE.md: swizzle, trunc_sat, bitselect, min/max,
 * q15mulr_sat), or op itself (the other rows; the relaxed madd/nmadd and dot products
 * keep their own rows).  Both JIT back ends lower through it.  vm/opcodes.c. */
uint16_t op_relaxed_as(uint16_t op);

/*
 * Class filters for X-macro passes over opcodes.def.  OPCL_SWITCH(cls, ...) is the argument
 * matching the row's class, so that a pass keeps the rows it wants, e.g.
 *   #define OP(n, p, c, i, pa, r, m, cls, ty, rel, fl, feat, t) \
 *           OPCL_SWITCH(cls, F1, F2, F1, F2, F1, OP_SKIP, OP_SKIP, OP_SKIP)(n)
 * calls F1 on every one-operand numeric row and F2 on every two-operand one.
 * OPTY_SWITCH(ty, ...) does the same on the type column.
 */
#define OP_SKIP(...)
#define OPCL_SWITCH(cls, test, cmp, un, bin, cvt, load, store, other) \
	OPCL_SW_##cls(test, cmp, un, bin, cvt, load, store, other)
#define OPCL_SW_CONTROL(t, c, u, b, v, l, s, o) o
#define OPCL_SW_CALL(t, c, u, b, v, l, s, o) o
#define OPCL_SW_PARAMETRIC(t, c, u, b, v, l, s, o) o
#define OPCL_SW_VARIABLE(t, c, u, b, v, l, s, o) o
#define OPCL_SW_TABLE(t, c, u, b, v, l, s, o) o
#define OPCL_SW_MEMORY(t, c, u, b, v, l, s, o) o
#define OPCL_SW_LOAD(t, c, u, b, v, l, s, o) l
#define OPCL_SW_STORE(t, c, u, b, v, l, s, o) s
#define OPCL_SW_CONST(t, c, u, b, v, l, s, o) o
#define OPCL_SW_REF(t, c, u, b, v, l, s, o) o
#define OPCL_SW_TEST(t, c, u, b, v, l, s, o) t
#define OPCL_SW_COMPARE(t, c, u, b, v, l, s, o) c
#define OPCL_SW_UNOP(t, c, u, b, v, l, s, o) u
#define OPCL_SW_BINOP(t, c, u, b, v, l, s, o) b
#define OPCL_SW_CONVERT(t, c, u, b, v, l, s, o) v
#define OPCL_SW_VLOAD(t, c, u, b, v, l, s, o) o
#define OPCL_SW_VSTORE(t, c, u, b, v, l, s, o) o
#define OPCL_SW_VLOADLANE(t, c, u, b, v, l, s, o) o
#define OPCL_SW_VSTORELANE(t, c, u, b, v, l, s, o) o
#define OPCL_SW_VCONST(t, c, u, b, v, l, s, o) o
#define OPCL_SW_VSHUFFLE(t, c, u, b, v, l, s, o) o
#define OPCL_SW_VUNOP(t, c, u, b, v, l, s, o) o
#define OPCL_SW_VBINOP(t, c, u, b, v, l, s, o) o
#define OPCL_SW_VCOMPARE(t, c, u, b, v, l, s, o) o
#define OPCL_SW_VTERNOP(t, c, u, b, v, l, s, o) o
#define OPCL_SW_VSHIFT(t, c, u, b, v, l, s, o) o
#define OPCL_SW_VTEST(t, c, u, b, v, l, s, o) o
#define OPCL_SW_VSPLAT(t, c, u, b, v, l, s, o) o
#define OPCL_SW_VEXTRACT(t, c, u, b, v, l, s, o) o
#define OPCL_SW_VREPLACE(t, c, u, b, v, l, s, o) o
/*
 * The same for the SIMD classes, one argument per kind of v128_<name> function (vm/v128.h):
 * un (v -> v), bin (vv -> v, also VCOMPARE), tern (vvv -> v), shift (v i32 -> v), test
 * (v -> i32), splat (scalar -> v), extract (v -> scalar, lane), replace (v scalar -> v,
 * lane), and `other` for the memory, const and shuffle rows and every scalar row.
 */
#define OPCL_VSWITCH(cls, un, bin, tern, shift, test, splat, extract, replace, other) \
	OPCL_VSW_##cls(un, bin, tern, shift, test, splat, extract, replace, other)
#define OPCL_VSW_VUNOP(u, b, t, s, e, p, x, r, o) u
#define OPCL_VSW_VBINOP(u, b, t, s, e, p, x, r, o) b
#define OPCL_VSW_VCOMPARE(u, b, t, s, e, p, x, r, o) b
#define OPCL_VSW_VTERNOP(u, b, t, s, e, p, x, r, o) t
#define OPCL_VSW_VSHIFT(u, b, t, s, e, p, x, r, o) s
#define OPCL_VSW_VTEST(u, b, t, s, e, p, x, r, o) e
#define OPCL_VSW_VSPLAT(u, b, t, s, e, p, x, r, o) p
#define OPCL_VSW_VEXTRACT(u, b, t, s, e, p, x, r, o) x
#define OPCL_VSW_VREPLACE(u, b, t, s, e, p, x, r, o) r
#define OPCL_VSW_CONTROL(u, b, t, s, e, p, x, r, o) o
#define OPCL_VSW_CALL(u, b, t, s, e, p, x, r, o) o
#define OPCL_VSW_PARAMETRIC(u, b, t, s, e, p, x, r, o) o
#define OPCL_VSW_VARIABLE(u, b, t, s, e, p, x, r, o) o
#define OPCL_VSW_TABLE(u, b, t, s, e, p, x, r, o) o
#define OPCL_VSW_MEMORY(u, b, t, s, e, p, x, r, o) o
#define OPCL_VSW_LOAD(u, b, t, s, e, p, x, r, o) o
#define OPCL_VSW_STORE(u, b, t, s, e, p, x, r, o) o
#define OPCL_VSW_CONST(u, b, t, s, e, p, x, r, o) o
#define OPCL_VSW_REF(u, b, t, s, e, p, x, r, o) o
#define OPCL_VSW_TEST(u, b, t, s, e, p, x, r, o) o
#define OPCL_VSW_COMPARE(u, b, t, s, e, p, x, r, o) o
#define OPCL_VSW_UNOP(u, b, t, s, e, p, x, r, o) o
#define OPCL_VSW_BINOP(u, b, t, s, e, p, x, r, o) o
#define OPCL_VSW_CONVERT(u, b, t, s, e, p, x, r, o) o
#define OPCL_VSW_VLOAD(u, b, t, s, e, p, x, r, o) o
#define OPCL_VSW_VSTORE(u, b, t, s, e, p, x, r, o) o
#define OPCL_VSW_VLOADLANE(u, b, t, s, e, p, x, r, o) o
#define OPCL_VSW_VSTORELANE(u, b, t, s, e, p, x, r, o) o
#define OPCL_VSW_VCONST(u, b, t, s, e, p, x, r, o) o
#define OPCL_VSW_VSHUFFLE(u, b, t, s, e, p, x, r, o) o
#define OPTY_SWITCH(ty, i32, i64, f32, f64, none) OPTY_SW_##ty(i32, i64, f32, f64, none)
#define OPTY_SW_I32(a, b, c, d, n) a
#define OPTY_SW_I64(a, b, c, d, n) b
#define OPTY_SW_F32(a, b, c, d, n) c
#define OPTY_SW_F64(a, b, c, d, n) d
#define OPTY_SW_NONE(a, b, c, d, n) n

/* Map a type letter from opcodes.def / host signatures to a valtype (0 if unknown). */
static inline vtype vt_from_letter(char c)
{
	switch (c) {
	case 'i': return VT_I32;
	case 'I': return VT_I64;
	case 'f': return VT_F32;
	case 'F': return VT_F64;
	case 'v': return VT_V128;
	case 'r': return VT_FUNCREF;
	case 'e': return VT_EXTERNREF;
	case 'x': return VT_EXNREF;
	default: return 0;
	}
}

/* A letter of an opcodes.def signature: also the address letters a, b and n, read as i32,
 * the type for 32-bit memories and tables (the validator substitutes i64 for 64-bit ones). */
static inline vtype vt_from_op_letter(char c)
{
	return c == 'a' || c == 'b' || c == 'n' ? VT_I32 : vt_from_letter(c);
}

/* A function type.  params and results point into one allocation owned by the module.
 * Wasm 3.0 types also have a place in the subtype hierarchy and a recursion group. */
#define TYPE_NO_SUPER UINT32_MAX
#define TYPE_SUPER_MANY (UINT32_MAX - 1) /* more than one declared: invalid */
struct functype {
	uint32_t nparams, nresults;
	vtype *params;
	vtype *results;
	uint32_t super;     /* the declared supertype's index, or TYPE_NO_SUPER */
	uint32_t rec_first; /* its recursion group: types [rec_first, rec_first + rec_len) */
	uint32_t rec_len;   /* (a type outside any `rec` is a group of its own) */
	bool final_;        /* no subtypes may be declared (the default without `sub`) */
	/* The store's canonical types only (zero in a module's): the length of the supertype
	 * chain and its members by depth, supers[i] the ancestor at depth i (the root at 0),
	 * so a <: b iff a == b or (depth(a) > depth(b) and a's supers[depth(b)] == b), O(1)
	 * for the interpreter and the JITs' call_indirect.  Owned by the store; NULL at 0. */
	uint32_t depth;
	uint32_t *supers;
};

static inline bool functype_eq(const struct functype *a, const struct functype *b)
{
	if (a == b) return true;
	if (a->nparams != b->nparams || a->nresults != b->nresults) return false;
	for (uint32_t i = 0; i < a->nparams; i++)
		if (a->params[i] != b->params[i]) return false;
	for (uint32_t i = 0; i < a->nresults; i++)
		if (a->results[i] != b->results[i]) return false;
	return true;
}

/* Slots a call of type t needs for its arguments or its results, whichever is more. */
static inline size_t functype_slots(const struct functype *t)
{
	size_t p = 0, r = 0;

	for (uint32_t i = 0; i < t->nparams; i++)
		p += vt_slots(t->params[i]);
	for (uint32_t i = 0; i < t->nresults; i++)
		r += vt_slots(t->results[i]);
	return p > r ? p : r;
}

/* Limits (spec 5.3.4).  For memories min/max are in 64 KiB pages, for tables in elements.
 * is64: the memory or table is indexed by i64 (memory64, table64; flag bit 2), and its
 * bounds are read as u64 (the validator keeps them within the engine's limits). */
struct limits {
	uint64_t min, max;
	bool has_max;
	bool is64;
};

struct tabletype {
	vtype elemtype; /* a reference type */
	struct limits limits;
};

struct memtype {
	struct limits limits;
};

struct globaltype {
	vtype valtype;
	bool mutable_;
};

/* External kinds (spec 5.5.5). */
enum extern_kind { EXT_FUNC = 0, EXT_TABLE = 1, EXT_MEMORY = 2, EXT_GLOBAL = 3, EXT_TAG = 4 };

/* try_table's catch clause kinds (spec 5.4.1), in encoding order. */
enum catch_kind { CATCH_TAG = 0, CATCH_TAG_REF = 1, CATCH_ALL = 2, CATCH_ALL_REF = 3 };

#define WASM_PAGE_SIZE 65536u
#define WASM_MAX_PAGES 65536u /* 4 GiB of 32-bit linear memory */
#define WASM_MAX_PAGES64 ((uint64_t)1 << 48) /* the spec's bound for 64-bit memories */

#endif
