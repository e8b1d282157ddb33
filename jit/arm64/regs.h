/* jit/arm64/regs.h - how chibi's AArch64 back end uses the registers.
 *
 * jreg numbering: 0-30 are x0-x30 (31, SP/ZR, is never a jreg), 32-63 are v0-v31.
 *
 *   reg       role in JIT code                                  preserved across   C (AAPCS64)
 *                                                               JIT calls?
 *   x0-x7     temps; arguments; x0 int result; x0/x1 label      no                 clobbered
 *             values; x0-x7 helper arguments, x1 trap code
 *   x8        temp                                              no                 clobbered
 *   x9        temp; call_indirect element index                 no                 clobbered
 *   x10-x15   temps; leaf-function homes                        no                 clobbered
 *   x16-x17   scratch of the back end (IP0/IP1); x16 = jit_func of the callee at calls
 *   x18       platform register: never touched
 *   x19-x25   homes of hot locals                               yes                saved
 *   x26       home; in explicit-bounds mode: the chibi_memory   yes                saved
 *   x27       base of linear memory 0 (set by every function that uses memory)    saved
 *   x28       the chibi_store (set by the entry thunk, never changed)             saved
 *   x29, x30  frame pointer, link register (every frame saves them)
 *   sp        16-byte aligned at all times (the hardware checks it)
 *   v0-v7     temps; arguments; v0 float result                 no                 clobbered
 *   v8-v15    homes of hot float locals                         yes                low 64 bits
 *                                                                                  saved
 *   v16-v23   temps; v20-v23 also leaf-function homes           no                 clobbered
 *   v24-v29   unused
 *   v30, v31  scratch of the back end
 *
 * Every home is callee-saved in C as well, so helper calls save nothing but leaf homes.
 *
 * v128 values use the same v registers as floats, all 128 bits (q views, NEON arrangements).
 * AAPCS64 keeps only the low 64 bits of v8-v15, so a v128 local never takes one of those
 * homes (jit/lower.c) and lives in a temp, a leaf home or a 16-byte frame slot; v128
 * arguments and results travel in memory (jit/jit_int.h).  v30:v31 are consecutive, which
 * i8x16.shuffle's two-register tbl needs.
 */
#ifndef CHIBI_JIT_ARM64_REGS_H
#define CHIBI_JIT_ARM64_REGS_H

#include "emit.h"

#define FPR(n)		(32 + (n))		/* jreg of vN */
#define IS_FPR(r)	((r) >= 32)
#define HW(r)		((unsigned)((r) & 31))	/* hardware register number */

#define R_SCRATCH	16	/* back-end scratch GPRs (IP0, IP1) */
#define R_SCRATCH2	17
#define V_SCRATCH	31	/* back-end scratch FPRs (hardware numbers) */
#define V_SCRATCH2	30
#define R_CALLEE	16	/* jit_func (or chibi_func) of the callee at calls */
#define R_IDX		9	/* call_indirect element index */
#define R_MEMOBJ	26	/* struct chibi_memory * (explicit-bounds mode) */
#define R_MEMBASE	27	/* linear memory 0 base */
#define R_STORE		28	/* struct chibi_store * */

#endif
