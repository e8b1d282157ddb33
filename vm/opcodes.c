/* vm/opcodes.c - the opcode description table, expanded from vm/opcodes.def, and the
 * relation algebra behind op_swapped/op_inverse.
 *
 * op_info[] is indexed by enum opcode (single-byte opcodes by their byte, 0xFC-prefixed ones
 * at 0x100 + sub-opcode).  Unused slots stay zero, so name_off == 0 marks an illegal opcode;
 * the instruction reader relies on that.  Every fact here comes from a row of opcodes.def.
 */
#include "../include/chibi.h"
#include "types.h"

#define OPTY_VT(ty) OPTY_SWITCH(ty, VT_I32, VT_I64, VT_F32, VT_F64, 0)

/* The feat column: a proposal's enum chibi_feature bit, none for CORE. */
#define OPFEAT_CORE 0
#define OPFEAT(feat) OPFEAT_##feat
#define OPFEAT_SIMD CHIBI_FEAT_SIMD
#define OPFEAT_RELAXED_SIMD CHIBI_FEAT_RELAXED_SIMD
#define OPFEAT_TAIL_CALL CHIBI_FEAT_TAIL_CALL
#define OPFEAT_FUNCTION_REFERENCES CHIBI_FEAT_FUNCTION_REFERENCES
#define OPFEAT_EXCEPTIONS CHIBI_FEAT_EXCEPTIONS
#define OPFEAT_BULK_MEMORY CHIBI_FEAT_BULK_MEMORY
#define OPFEAT_REFERENCE_TYPES CHIBI_FEAT_REFERENCE_TYPES

/*
 * Every row's name, one after the other in one block of characters: op_info holds offsets
 * into it, not pointers, so neither needs a relocation when a static-pie binary starts
 * (1,319 of them as pointers).  Offset 0 is the empty name of the codes with no row.
 */
static const struct op_name_pool {
	char none[1];
#define OP(name, pfx, code, imm, par, res, ml, cls, ty, rel, fl, feat, text) \
	char n_##name[sizeof(text)];
#include "opcodes.def"
#undef OP
} op_name_pool = {
	"",
#define OP(name, pfx, code, imm, par, res, ml, cls, ty, rel, fl, feat, text) text,
#include "opcodes.def"
#undef OP
};
_Static_assert(sizeof(struct op_name_pool) <= UINT16_MAX, "name offsets are 16 bits");

/* Designated initializers keep the table correct whatever the row order in opcodes.def. */
const struct opinfo op_info[OPC_LIMIT] = {
#define OP(name, pfx, code, imm, par, res, ml, cls, ty, rel, fl, feat, text) \
	[OPC_##name] = { offsetof(struct op_name_pool, n_##name), (par), (res), (imm), (ml), \
			 OPCL_##cls, OPTY_VT(ty), REL_##rel, (fl), OPFEAT(feat) },
#include "opcodes.def"
#undef OP
};

/* See vm/types.h. */
const char *op_name(unsigned op)
{
	if (op >= OPC_LIMIT || !op_info[op].name_off)
		return NULL;
	return (const char *)&op_name_pool + op_info[op].name_off;
}

/* The COMPARE row of each (operand type, relation), by type index i32 i64 f32 f64. */
static const uint16_t compare_op[4][REL_COUNT] = {
#define CMP_ROW(name, ty, rel) [OPTY_SWITCH(ty, 0, 1, 2, 3, -1)][REL_##rel] = OPC_##name,
#define OP(name, pfx, code, imm, par, res, ml, cls, ty, rel, fl, feat, text) \
	OPCL_SWITCH(cls, OP_SKIP, CMP_ROW, OP_SKIP, OP_SKIP, OP_SKIP, OP_SKIP, OP_SKIP, \
		    OP_SKIP)(name, ty, rel)
#include "opcodes.def"
#undef OP
#undef CMP_ROW
};

/* a R b  <=>  b swapped(R) a */
static const uint8_t rel_swapped[REL_COUNT] = {
	[REL_EQ] = REL_EQ, [REL_NE] = REL_NE,
	[REL_LT_S] = REL_GT_S, [REL_GT_S] = REL_LT_S, [REL_LE_S] = REL_GE_S, [REL_GE_S] = REL_LE_S,
	[REL_LT_U] = REL_GT_U, [REL_GT_U] = REL_LT_U, [REL_LE_U] = REL_GE_U, [REL_GE_U] = REL_LE_U,
	[REL_LT] = REL_GT, [REL_GT] = REL_LT, [REL_LE] = REL_GE, [REL_GE] = REL_LE,
};

/* !(a R b)  <=>  a inverse(R) b; REL_NONE for the float orderings (NaN: both false). */
static const uint8_t rel_inverse[REL_COUNT] = {
	[REL_EQ] = REL_NE, [REL_NE] = REL_EQ,
	[REL_LT_S] = REL_GE_S, [REL_GE_S] = REL_LT_S, [REL_GT_S] = REL_LE_S, [REL_LE_S] = REL_GT_S,
	[REL_LT_U] = REL_GE_U, [REL_GE_U] = REL_LT_U, [REL_GT_U] = REL_LE_U, [REL_LE_U] = REL_GT_U,
};

/* The same type's comparison for relation rel (OPC_NONE for REL_NONE). */
static uint16_t compare_with(uint16_t op, unsigned rel)
{
	switch (op_info[op].type) {
	case VT_I32: return compare_op[0][rel];
	case VT_I64: return compare_op[1][rel];
	case VT_F32: return compare_op[2][rel];
	default: return compare_op[3][rel];
	}
}

/* See vm/types.h. */
uint16_t op_swapped(uint16_t op)
{
	if (op >= OPC_LIMIT)
		return OPC_NONE;
	if (op_info[op].flags & OPF_COMM)
		return op;
	if (op_info[op].cls != OPCL_COMPARE)
		return OPC_NONE;
	return compare_with(op, rel_swapped[op_info[op].rel]);
}

/* See vm/types.h. */
uint16_t op_inverse(uint16_t op)
{
	if (op >= OPC_LIMIT || op_info[op].cls != OPCL_COMPARE)
		return OPC_NONE;
	return compare_with(op, rel_inverse[op_info[op].rel]);
}

/* See vm/types.h. */
uint16_t op_relaxed_as(uint16_t op)
{
	switch (op) {
	case OPC_I8X16_RELAXED_SWIZZLE: return OPC_I8X16_SWIZZLE;
	case OPC_I32X4_RELAXED_TRUNC_F32X4_S: return OPC_I32X4_TRUNC_SAT_F32X4_S;
	case OPC_I32X4_RELAXED_TRUNC_F32X4_U: return OPC_I32X4_TRUNC_SAT_F32X4_U;
	case OPC_I32X4_RELAXED_TRUNC_F64X2_S_ZERO: return OPC_I32X4_TRUNC_SAT_F64X2_S_ZERO;
	case OPC_I32X4_RELAXED_TRUNC_F64X2_U_ZERO: return OPC_I32X4_TRUNC_SAT_F64X2_U_ZERO;
	case OPC_I8X16_RELAXED_LANESELECT: case OPC_I16X8_RELAXED_LANESELECT:
	case OPC_I32X4_RELAXED_LANESELECT: case OPC_I64X2_RELAXED_LANESELECT:
		return OPC_V128_BITSELECT;
	case OPC_F32X4_RELAXED_MIN: return OPC_F32X4_MIN;
	case OPC_F32X4_RELAXED_MAX: return OPC_F32X4_MAX;
	case OPC_F64X2_RELAXED_MIN: return OPC_F64X2_MIN;
	case OPC_F64X2_RELAXED_MAX: return OPC_F64X2_MAX;
	case OPC_I16X8_RELAXED_Q15MULR_S: return OPC_I16X8_Q15MULR_SAT_S;
	default: return op;
	}
}
