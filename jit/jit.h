/* jit/jit.h - the baseline JIT as the rest of chibi sees it: an engine (vm/engine.h).
 *
 * jit/runtime.c defines engine_jit, the table through which vm/ runs a store's calls
 * (CHIBI_MODE_JIT, or CHIBI_MODE_DEFAULT), releases its code, and chibi inspect compiles
 * and reads the code.  Nothing else of the JIT is visible outside jit/: compilation,
 * thunks and traps are internal (jit/jit_int.h).  A build without a back end links
 * jit/none/engine.c instead of the JIT's own files.
 *
 * Environment switches (read when a store first runs JIT code):
 *   CHIBI_JIT_EAGER=1           compile every function of an instance on its first call
 *                               instead of each function on its own first call
 *   CHIBI_JIT_BOUNDS=explicit   bounds-check every memory access instead of relying on the
 *                               guard region (always used for memories without one)
 *   CHIBI_JIT_ISA=LEVEL         x86-64: cap the SIMD level at none, sse4.1, sse4.2, avx or
 *                               avx2 (default: what the CPU has); none leaves functions using
 *                               v128 to the interpreter
 *   CHIBI_JIT_VERBOSE=1         report functions that fall back to the interpreter, and the
 *                               compile statistics of each store, on stderr
 *   CHIBI_JIT_ONLY=A-B,C,...    compile only these functions (index space); the others run
 *                               in the interpreter (for bisecting a miscompilation)
 *   CHIBI_JIT_PERFMAP=1         describe compiled functions in /tmp/perf-PID.map for perf
 *   CHIBI_HARD_JIT=1            stress switch: compile every function twice and compare
 */
#ifndef CHIBI_JIT_JIT_H
#define CHIBI_JIT_JIT_H

#include "../vm/engine.h"

#endif
