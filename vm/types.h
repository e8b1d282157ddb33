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

/* Value types, numbered as in the binary format (spec 5.3.1). */
enum valtype {
	VT_I32 = 0x7f,
	VT_I64 = 0x7e,
	VT_F32 = 0x7d,
	VT_F64 = 0x7c,
	VT_V128 = 0x7b,
	VT_FUNCREF = 0x70,
	VT_EXTERNREF = 0x6f,
};

static inline bool vt_is_ref(uint8_t t) { return t == VT_FUNCREF || t == VT_EXTERNREF; }

/* Immediate kinds used by the opcode table. */
enum imm_kind {
	IMM_NONE,
	IMM_BLOCKTYPE,     /* s33 block type: 0x40 empty, a valtype, or a type index */
	IMM_LABEL,         /* u32 label depth */
	IMM_BR_TABLE,      /* vec(u32) labels + u32 default */
	IMM_FUNC,          /* u32 function index */
	IMM_CALL_INDIRECT, /* u32 type index, u32 table index */
	IMM_SELECT_T,      /* vec(valtype), length must be 1 */
	IMM_LOCAL,         /* u32 local index */
	IMM_GLOBAL,        /* u32 global index */
	IMM_TABLE,         /* u32 table index */
	IMM_MEMARG,        /* u32 align (log2), u32 offset */
	IMM_MEMIDX,        /* one byte, must be 0x00 (memory.size/grow/fill) */
	IMM_I32,           /* s32 */
	IMM_I64,           /* s64 */
	IMM_F32,           /* 4 bytes little-endian */
	IMM_F64,           /* 8 bytes little-endian */
	IMM_REFTYPE,       /* one byte reftype */
	IMM_MEMORY_INIT,   /* u32 data index, byte 0x00 */
	IMM_DATA,          /* u32 data index */
	IMM_MEMORY_COPY,   /* two bytes 0x00 0x00 */
	IMM_TABLE_INIT,    /* u32 elem index, u32 table index */
	IMM_ELEM,          /* u32 elem index */
	IMM_TABLE_COPY,    /* u32 dst table, u32 src table */
};

/* Opcodes: OPC_<name>.  Single-byte opcodes use their byte value; 0xFC-prefixed ones are
 * numbered 0x100 + sub-opcode so that every opcode fits one uint16_t. */
enum opcode {
#define OP(name, pfx, code, imm, par, res, ml, text) OPC_##name = ((pfx) ? 0x100 : 0) + (code),
#include "opcodes.def"
#undef OP
	OPC_LIMIT = 0x200,
};

/* Static description of one opcode, indexed by enum opcode; name == NULL for unused codes. */
struct opinfo {
	const char *name;    /* text format name, e.g. "i32.add" */
	const char *params;  /* "ii" etc., NULL when handled by hand */
	const char *results; /* "i" etc., NULL when handled by hand */
	uint8_t imm;         /* enum imm_kind */
	uint8_t memlog2;     /* log2 access size for loads/stores */
};
extern const struct opinfo op_info[OPC_LIMIT]; /* defined in vm/opcodes.c */

/* Map a type letter from opcodes.def / host signatures to a valtype (0 if unknown). */
static inline uint8_t vt_from_letter(char c)
{
	switch (c) {
	case 'i': return VT_I32;
	case 'I': return VT_I64;
	case 'f': return VT_F32;
	case 'F': return VT_F64;
	case 'r': return VT_FUNCREF;
	case 'e': return VT_EXTERNREF;
	default: return 0;
	}
}

/* A function type.  params and results point into one allocation owned by the module. */
struct functype {
	uint32_t nparams, nresults;
	uint8_t *params;  /* enum valtype each */
	uint8_t *results;
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

/* Limits (spec 5.3.4).  For memories min/max are in 64 KiB pages, for tables in elements. */
struct limits {
	uint32_t min, max;
	bool has_max;
};

struct tabletype {
	uint8_t elemtype; /* VT_FUNCREF or VT_EXTERNREF */
	struct limits limits;
};

struct memtype {
	struct limits limits;
};

struct globaltype {
	uint8_t valtype;
	bool mutable_;
};

/* External kinds (spec 5.5.5). */
enum extern_kind { EXT_FUNC = 0, EXT_TABLE = 1, EXT_MEMORY = 2, EXT_GLOBAL = 3 };

#define WASM_PAGE_SIZE 65536u
#define WASM_MAX_PAGES 65536u /* 4 GiB of 32-bit linear memory */

#endif
