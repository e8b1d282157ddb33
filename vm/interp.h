/* vm/interp.h - private interface between the interpreter's translator (interp_translate.c)
 * and its executor (interp.c).  Nothing outside those two files includes it; the rest of the
 * VM sees only interp_invoke/interp_free_code in vm/runtime.h.
 *
 * Defines the translated code format (struct icode), the internal opcodes (enum iop, from
 * vm/interp_ops.def) and the frame layout both halves agree on.
 */
#ifndef CHIBI_VM_INTERP_H
#define CHIBI_VM_INTERP_H

#include <stdio.h>

#include "runtime.h"

/* Internal opcodes.  Each CMPBR row yields four consecutive ones: rr, ri, rr back, ri back. */
enum iop {
#define IOP(n, k) IOP_##n,
#define NUM1(n) IOP_##n,
#define NUM2(n) IOP_##n,
#define NUM2I(n) IOP_##n##_I,
#define CMPBR(n) IOP_BR_##n, IOP_BR_##n##_I, IOP_BR_##n##_B, IOP_BR_##n##_IB,
#define MEMOP(n) IOP_##n,
#include "interp_ops.def"
	IOP_COUNT
};

/*
 * Code format: an array of 32-bit words.  An instruction is
 *
 *   +---------+---------+--------+--------+---
 *   | handler (2 words) | op 0   | op 1   | ...     operands: slot numbers, immediates,
 *   +---------+---------+--------+--------+---      branch targets, pointers (2 words)
 *
 * The handler is the label address of its implementation (computed goto) or the enum iop
 * value (switch build), always read with memcpy, so words need no special alignment.  A
 * branch target holds (target word index - index of the target word itself).
 */
#define IC_HWORDS 2u
#define IC_PWORDS 2u /* words of a pointer or 64-bit immediate */

/*
 * Frame layout: every function instance runs on the store's value stack in slots
 *
 *   fp[0 .. nparams)         parameters: the caller's argument slots, used in place
 *   fp[nparams .. nlocals)   declared locals, zeroed on entry
 *   fp[nlocals .. hdr)       padding when there are more results than locals
 *   fp[hdr + 0]              caller's fp            \
 *   fp[hdr + 1]              return address (ip)     } written by the call, read by RET
 *   fp[hdr + 2]              caller's struct icode  /
 *   fp[hdr + 3 ..]           operand stack: the value at depth k is always fp[hdr + 3 + k]
 *
 * Results are written to fp[0 ..), i.e. where the arguments were, before RET; hdr >= the
 * result count keeps them clear of the header.  A callee's frame starts at its arguments in
 * the caller's operand stack, so frames overlap exactly by the arguments.
 */
#define IC_HDR_SLOTS 3u

struct icode {
	struct chibi_func *func;  /* the function instance this was translated for */
	struct chibi_memory *mem; /* its memory 0, or an empty stand-in */
	uint32_t nparams;
	uint32_t nlocals;         /* parameters + declared locals */
	uint32_t hdr;             /* first header slot */
	uint32_t frame_size;      /* hdr + 3 + max operand height */
	size_t len;               /* words in body */
	uint32_t body[];          /* the translated code; execution starts at body[0] */
};

/* Handler word for each internal opcode, indexed by enum iop (label addresses or, in the
 * switch build, the opcode numbers themselves).  Static storage; never NULL. */
const void *const *interp_handlers(void);

/* Write a readable listing of c to f (debugging and tests): one instruction per line,
 * "word: NAME operands...". */
void interp_dump(const struct icode *c, FILE *f);

/* Translate f (a validated wasm function) into a new struct icode, owned by the caller
 * (free with vm_free).  Returns NULL only when out of memory. */
struct icode *interp_translate(struct chibi_func *f);

#endif
