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

/*
 * Operand forms of the generated families of interp_ops.def, one V(iop, operator, form, polls)
 * per internal opcode, in enum order.  Forms name where operands come from: R slot, A acc
 * (first operand), B acc (second operand), I immediate; loads (L*) and stores (S*) have their
 * own: P pre-added address, V value from acc, K immediate value.  The translator relies on the order:
 * a family's variants sit at fixed offsets from its first iop.
 */
#define NUM1_FORMS(V, n) V(n, n, R, 0) V(n##_A, n, A, 0)
#define NUM2_FORMS(V, n) V(n, n, RR, 0) V(n##_A, n, AR, 0) V(n##_B, n, RB, 0)
#define NUM2I_FORMS(V, n) V(n##_I, n, RI, 0) V(n##_IA, n, AI, 0)
#define CMPBR_FORMS(V, n)							\
	V(BR_##n, n, RR, 0) V(BR_##n##_I, n, RI, 0) V(BR_##n##_AR, n, AR, 0)	\
	V(BR_##n##_RB, n, RB, 0) V(BR_##n##_AI, n, AI, 0)			\
	V(BR_##n##_L, n, RR, 1) V(BR_##n##_IL, n, RI, 1) V(BR_##n##_ARL, n, AR, 1) \
	V(BR_##n##_RBL, n, RB, 1) V(BR_##n##_AIL, n, AI, 1)
#define ADDBR_FORMS(V, n)							\
	V(ADDBR_##n, n, XR, 0) V(ADDBR_##n##_I, n, XI, 0)			\
	V(ADDBR_##n##_L, n, XR, 1) V(ADDBR_##n##_IL, n, XI, 1)
#define LOADOP_FORMS(V, n) V(n, n, LR, 0) V(n##_A, n, LA, 0) V(n##_P, n, LP, 0) V(n##_PA, n, LPA, 0) \
	V(n##_X, n, LR, 0) V(n##_XA, n, LA, 0)
#define STOREOP_FORMS(V, n) V(n, n, SR, 0) V(n##_A, n, SA, 0) V(n##_V, n, SV, 0) \
	V(n##_K, n, SK, 0) V(n##_KA, n, SKA, 0) \
	V(n##_X, n, SR, 0) V(n##_XA, n, SA, 0) V(n##_XV, n, SV, 0) \
	V(n##_XK, n, SK, 0) V(n##_XKA, n, SKA, 0)

/* Offsets of the variants from a family's first iop. */
enum {
	IOPV_A = 1,      /* NUM1, NUM2, NUM2I, LOADOP, STOREOP: operand a (address) from acc */
	IOPV_B = 2,      /* NUM2: operand b from acc; STOREOP: stored value from acc */
	IOPV_P = 2,      /* LOADOP: address = u32(R[a] + imm) (a fused i32.add), then + off */
	IOPV_PA = 3,     /* LOADOP: the same with R[a] from acc */
	IOPV_K = 3,      /* STOREOP: stored value is the immediate */
	IOPV_KA = 4,     /* STOREOP: immediate value, address from acc */
	IOPV_X_LOAD = 4, /* LOADOP: the R and A forms again with an i64 address (a 64-bit
	                  * memory 0): add IOPV_A */
	IOPV_X_STORE = 5,/* STOREOP: the five forms again with an i64 address */
	IOPV_CMP_RI = 1, /* CMPBR forms; add IOPV_CMP_LOOP for the polling ones */
	IOPV_CMP_AR = 2,
	IOPV_CMP_RB = 3,
	IOPV_CMP_AI = 4,
	IOPV_CMP_LOOP = 5,
	IOPV_ADDBR_I = 1, /* ADDBR forms; add IOPV_ADDBR_LOOP for the polling ones */
	IOPV_ADDBR_LOOP = 2,
};

/* Internal opcodes. */
#define IOP_ENUM_V(name, op, form, poll) IOP_##name,
enum iop {
#define IOP(n, k) IOP_##n,
#define NUM1(n) NUM1_FORMS(IOP_ENUM_V, n)
#define NUM2(n) NUM2_FORMS(IOP_ENUM_V, n)
#define NUM2I(n) NUM2I_FORMS(IOP_ENUM_V, n)
#define CMPBR(n) CMPBR_FORMS(IOP_ENUM_V, n)
#define ADDBR(n) ADDBR_FORMS(IOP_ENUM_V, n)
#define LOADOP(n) LOADOP_FORMS(IOP_ENUM_V, n)
#define STOREOP(n) STOREOP_FORMS(IOP_ENUM_V, n)
#define VOP(n) IOP_##n,
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
 * (counted in slots: a v128 parameter, local, operand or result takes two, low half first)
 *   fp[0 .. nparams)         parameters: the caller's argument slots, used in place
 *   fp[nparams .. nlocals)   declared locals, zeroed on entry
 *   fp[nlocals .. hdr)       the exceptions of enclosing legacy catch arms (one slot per try
 *                            nesting level, for rethrow), then padding when there are more
 *                            results than that
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

/*
 * Exception handlers.  A handler covers the code words [start, end) of a try_table's body
 * or a legacy try's body; handlers are listed innermost first (in the order their blocks
 * close), so the first one that covers a position and accepts the exception catches it.
 * A thrown exception is looked up at the throwing instruction's first word, and in each
 * caller at the last word of its call instruction (the return address minus one).
 */
struct iclause {
	struct chibi_tag *tag;    /* NULL: catch_all / catch_all_ref */
	uint32_t pad;             /* word where the handler's code starts */
	uint32_t next;            /* next clause of the same handler, UINT32_MAX at the end */
	bool ref;                 /* the exnref goes after the payload */
};

struct ihandler {
	uint32_t start, end;      /* body words covered */
	uint32_t depth;           /* nesting depth of its block (the function's is 0) */
	uint32_t dst;             /* slot of the payload's first value (the block's height) */
	uint32_t exn_slot;        /* legacy try: slot its catch arms keep the exception in (for
	                           * rethrow), UINT32_MAX for try_table */
	uint32_t delegate;        /* legacy delegate: depth of the block the search goes on
	                           * outside of (0: the caller), else UINT32_MAX */
	uint32_t first;           /* its first clause, UINT32_MAX if none */
};

struct icode {
	struct chibi_func *func;  /* the function instance this was translated for */
	struct chibi_memory *mem; /* its memory 0, or an empty stand-in */
	uint32_t nparams;         /* slots of the parameters (a v128 takes two) */
	uint32_t nlocals;         /* slots of parameters + declared locals */
	uint32_t hdr;             /* first header slot */
	uint32_t frame_size;      /* hdr + 3 + max operand height */
	uint32_t nhandlers;       /* exception handlers (in the same allocation, after body) */
	const struct ihandler *handlers;
	const struct iclause *clauses;
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
