/* jit/x64/regs.h - how chibi's x86-64 back end uses the registers.
 *
 * jreg numbering: 0-15 are the GPRs by hardware number, 16-31 are xmm0-xmm15.
 *
 *   reg   role in JIT code                      preserved across JIT calls?  C (SysV)
 *   rax   temp; single int result; call_indirect index           no          clobbered
 *   rcx   temp; argument 1; label value 1; shift count           no          clobbered
 *   rdx   temp; argument 0; label value 0; division              no          clobbered
 *   rbx   home of a hot local                                    yes         saved
 *   rsp   stack pointer
 *   rbp   home                                                   yes         saved
 *   rsi   home (saved around helper calls)                       yes         clobbered
 *   rdi   home (saved around helper calls)                       yes         clobbered
 *   r8    temp; argument 2; leaf-function home                   no          clobbered
 *   r9    temp; argument 3; leaf-function home                   no          clobbered
 *   r10   temp; argument 4; leaf-function home                   no          clobbered
 *   r11   scratch of the back end; jit_func of the callee at calls
 *   r12   home                                                   yes         saved
 *   r13   home; in explicit-bounds mode: the chibi_memory        yes         saved
 *   r14   base of linear memory 0 (set by every function that uses memory)      saved
 *   r15   the chibi_store (set by the entry thunk, never changed)              saved
 *   xmm0-7    temps; arguments; xmm0 single float result          no          clobbered
 *   xmm8-13   homes of hot float locals                          yes         clobbered
 *   xmm14-15  scratch of the back end
 *
 * rax is not an argument register so that call sequences have a free register besides r11.
 */
#ifndef CHIBI_JIT_X64_REGS_H
#define CHIBI_JIT_X64_REGS_H

#include "emit.h"

#define XMM(n) (16 + (n))
#define IS_XMM(r) ((r) >= 16)
#define HW(r) ((uint8_t)((r) & 15))

#define R_SCRATCH R11      /* back-end scratch GPR */
#define X_SCRATCH XMM(15)  /* back-end scratch xmm */
#define X_SCRATCH2 XMM(14) /* second scratch xmm (comparisons of two non-registers) */
#define R_MEMBASE R14      /* linear memory 0 base */
#define R_MEMOBJ R13       /* struct chibi_memory * (explicit-bounds mode) */
#define R_STORE R15        /* struct chibi_store * */
#define R_CALLEE R11       /* jit_func (or chibi_func) of the callee at calls */

#endif
