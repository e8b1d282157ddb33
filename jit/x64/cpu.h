/* jit/x64/cpu.h - what the host CPU offers the x86-64 back end, decided once per process.
 *
 * cpuid (and xgetbv, for the AVX state the OS must save) says which optional instructions
 * exist; CHIBI_JIT_ISA may lower the SIMD level below the hardware's, never raise it, so the
 * SSE path can be tested on an AVX machine and a pre-SSE4.1 machine can be imitated:
 *
 *   CHIBI_JIT_ISA=none     no v128 code in the JIT: SIMD functions run in the interpreter
 *   CHIBI_JIT_ISA=sse4.1   legacy SSE encodings up to SSE4.1 (no pcmpgtq)
 *   CHIBI_JIT_ISA=sse4.2   ... and SSE4.2
 *   CHIBI_JIT_ISA=avx      VEX three-operand encodings
 *   CHIBI_JIT_ISA=avx2     ... and the AVX2 broadcasts (the default when the CPU has AVX2)
 */
#ifndef CHIBI_JIT_X64_CPU_H
#define CHIBI_JIT_X64_CPU_H

#include <stdbool.h>

/* SIMD levels, each including the ones before it. */
enum x64_simd { XS_NONE, XS_SSE41, XS_SSE42, XS_AVX, XS_AVX2 };

struct x64_cpu {
	/* hardware (and OS) support */
	bool lzcnt, bmi1, popcnt, ssse3, sse41, sse42, avx, avx2, fma;
	/* the level v128 code is compiled for: the hardware's, lowered by CHIBI_JIT_ISA */
	enum x64_simd simd;
};

/* The host's features; the first call probes them and reads CHIBI_JIT_ISA (an unknown
 * value is reported on stderr once and ignored). */
const struct x64_cpu *x64_cpu(void);

/* The SIMD level the hardware bits allow, capped by `request` (a CHIBI_JIT_ISA value, or
 * NULL/empty for no cap).  *bad is set when request is not one of the names above. */
enum x64_simd x64_simd_level(const struct x64_cpu *hw, const char *request, bool *bad);

/* "none", "sse4.1", "sse4.2", "avx", "avx2" */
const char *x64_simd_name(enum x64_simd level);

#endif
