/* vm/opcodes.c - the opcode description table, expanded from vm/opcodes.def.
 *
 * op_info[] is indexed by enum opcode (single-byte opcodes by their byte, 0xFC-prefixed ones
 * at 0x100 + sub-opcode).  Unused slots stay zero, so name == NULL marks an illegal opcode;
 * the instruction reader relies on that.  No logic lives here.
 */
#include "types.h"

/* Designated initializers keep the table correct whatever the row order in opcodes.def. */
const struct opinfo op_info[OPC_LIMIT] = {
#define OP(name, pfx, code, imm, par, res, ml, text) \
	[OPC_##name] = { (text), (par), (res), (imm), (ml) },
#include "opcodes.def"
#undef OP
};
