/* vm/instr.h - the one instruction reader: opcode + immediates of one instruction.
 *
 * Used by the validator (which also checks the encoding: LEB sizes, zero bytes, known opcodes),
 * and then, on validated code only, by the interpreter's translator and the JIT.  It does not
 * type-check and never allocates; br_table label vectors are left in place and re-read with
 * instr_br_table_label().
 */
#ifndef CHIBI_VM_INSTR_H
#define CHIBI_VM_INSTR_H

#include <string.h>

#include "module.h"

enum blocktype_kind { BT_EMPTY, BT_VALTYPE, BT_TYPEIDX };

struct instr {
	uint16_t op;        /* enum opcode */
	uint8_t bt_kind;    /* IMM_BLOCKTYPE: enum blocktype_kind */
	uint32_t a;         /* first immediate: index / label / type index / valtype / align
	                     * (IMM_MEMARG: log2 alignment) / count (IMM_BR_TABLE, IMM_SELECT_T) */
	uint32_t b;         /* second immediate: table index (call_indirect, table.init),
	                     * catch clause count (try_table),
	                     * source table (table.copy), default label (br_table),
	                     * valtype (select_t, when a == 1), lane index (IMM_MEMARG_LANE;
	                     * IMM_LANE has it in a) */
	uint32_t mem;       /* memory index: IMM_MEMARG, IMM_MEMARG_LANE, IMM_MEMIDX,
	                     * IMM_MEMORY_INIT; IMM_MEMORY_COPY: the destination (b: the source) */
	uint32_t offset;    /* byte offset of the opcode in the module binary (modules are
	                     * smaller than 4 GiB: dec_module_take) */
	union {             /* no instruction has two of these: 32 bytes in all, not 56 (the
	                     * JIT keeps an array of them per function: docs/RATIONALE.md,
	                     * "Start-up after the architecture work") */
		uint64_t bits;        /* constant bits (IMM_I32 sign-extended to 64, IMM_I64,
		                       * IMM_F32, IMM_F64) or memarg offset (u64: memory64) */
		const uint8_t *table; /* IMM_BR_TABLE: first label's LEB; instr_br_table_label;
		                       * IMM_TRY_TABLE: the first catch clause */
		const uint8_t *imm16; /* IMM_V128, IMM_SHUFFLE: the 16 immediate bytes, in place */
	};
};

/* The whole reader, every immediate kind (vm/instr.c); instr_read_features() below is the
 * entry point, this its slow path. */
enum chibi_err instr_read_any(const uint8_t **p, const uint8_t *end, const uint8_t *base,
			      uint32_t features, struct instr *out, struct chibi_diag *diag);

/*
 * Read one instruction at *p (< end), accepting only the proposals in `features` (enum
 * chibi_feature), and advance *p past it.  `base` is the start of the module binary, for
 * offsets.  The opcodes of a switched-off proposal (the feat column of vm/opcodes.def) are
 * "illegal opcode"; without memory64 a memarg offset is a u32, without multi-memory a
 * memory index is a zero byte and memarg flag 64 is alignment.  On bad encoding returns
 * CHIBI_ERR_MALFORMED with diag filled using the spec wording ("unexpected end", "integer
 * representation too long", "integer too large", "malformed memop flags", "illegal
 * opcode", "malformed reference type", ...).  *p is left unspecified on error.
 *
 * Every instruction of a module is read three times before it first runs (the validator's
 * encoding pass and its typing pass, then the interpreter's translator or the JIT), so the
 * common shapes are read here, inline: a one-byte opcode with no immediate, with one
 * immediate that is a one-byte LEB (an index, a label, a small i32.const), with an empty
 * or number block type, or with a memarg of two one-byte LEBs and no memory index.  Everything else, and every error, is
 * instr_read_any()'s.  Always inlined: gcc otherwise keeps one out-of-line copy for the
 * validator's two loops, and the call costs what the fast path saves.
 */
__attribute__((always_inline))
static inline enum chibi_err instr_read_features(const uint8_t **p, const uint8_t *end,
						 const uint8_t *base, uint32_t features,
						 struct instr *out, struct chibi_diag *diag)
{
	const uint8_t *q = *p;
	const struct opinfo *oi;
	uint32_t a = 0;
	uint64_t bits = 0;
	uint8_t bt = BT_EMPTY;
	unsigned len;

	if (q >= end)
		return instr_read_any(p, end, base, features, out, diag);
	oi = &op_info[q[0]]; /* the prefixes 0xFC and 0xFD have no row: name_off 0 */
	if (!oi->name_off || (oi->feature & ~features))
		return instr_read_any(p, end, base, features, out, diag);
	switch (oi->imm) {
	case IMM_NONE:
		len = 1;
		break;
	case IMM_BLOCKTYPE: /* empty (0x40) or a number type */
		if (end - q < 2 || (q[1] != 0x40 && (q[1] < VT_F64 || q[1] > VT_I32)))
			return instr_read_any(p, end, base, features, out, diag);
		bt = q[1] == 0x40 ? BT_EMPTY : BT_VALTYPE;
		a = q[1] == 0x40 ? 0 : q[1];
		len = 2;
		break;
	case IMM_LABEL:
	case IMM_FUNC:
	case IMM_LOCAL:
	case IMM_GLOBAL:
		if (end - q < 2 || (q[1] & 0x80))
			return instr_read_any(p, end, base, features, out, diag);
		a = q[1];
		len = 2;
		break;
	case IMM_I32: /* a one-byte s32: bit 6 is the sign */
		if (end - q < 2 || (q[1] & 0x80))
			return instr_read_any(p, end, base, features, out, diag);
		bits = (uint64_t)(int64_t)((int32_t)(q[1] & 0x3f) - (q[1] & 0x40 ? 64 : 0));
		len = 2;
		break;
	case IMM_MEMARG: /* flags below 64: an alignment and no memory index */
		if (end - q < 3 || q[1] >= 64 || (q[2] & 0x80))
			return instr_read_any(p, end, base, features, out, diag);
		a = q[1];
		bits = q[2];
		len = 3;
		break;
	default:
		return instr_read_any(p, end, base, features, out, diag);
	}
	memset(out, 0, sizeof(*out));
	out->op = q[0];
	out->bt_kind = bt;
	out->offset = (uint32_t)(q - base);
	out->a = a;
	out->bits = bits;
	*p = q + len;
	return CHIBI_OK;
}

/* instr_read_features() with every proposal on. */
static inline enum chibi_err instr_read(const uint8_t **p, const uint8_t *end,
					const uint8_t *base, struct instr *out,
					struct chibi_diag *diag)
{
	return instr_read_features(p, end, base, CHIBI_FEATURES_ALL, out, diag);
}

/* Read one value type at *p (< end) into *out and advance (spec 5.3; see vtype in
 * vm/types.h): MALFORMED for a bad encoding, UNSUPPORTED for the GC heap types.  The
 * decoder reads every value type outside code bodies with it. */
enum chibi_err instr_read_valtype(const uint8_t **p, const uint8_t *end, const uint8_t *base,
				  vtype *out, struct chibi_diag *diag);
/* Read the next br_table label from *p (validated code only) and advance. */
uint32_t instr_br_table_label(const uint8_t **p);

/* try_table (IMM_TRY_TABLE): the block type as for block, b the number of catch clauses and
 * table the first one.  Read the next clause (validated code only) and advance: its kind
 * (enum catch_kind), tag index (0 for catch_all*) and label depth. */
void instr_catch_clause(const uint8_t **p, uint8_t *kind, uint32_t *tag, uint32_t *label);

#endif
