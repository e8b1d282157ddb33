/* jit/x64/cpu.c - cpuid probe and the SIMD level of the x86-64 back end (see cpu.h). */
#include <cpuid.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpu.h"

static const char *const simd_names[] = {
	[XS_NONE] = "none", [XS_SSE41] = "sse4.1", [XS_SSE42] = "sse4.2", [XS_AVX] = "avx",
	[XS_AVX2] = "avx2",
};

const char *x64_simd_name(enum x64_simd level)
{
	return level <= XS_AVX2 ? simd_names[level] : "?";
}

enum x64_simd x64_simd_level(const struct x64_cpu *hw, const char *request, bool *bad)
{
	enum x64_simd level = XS_NONE, cap = XS_AVX2;

	*bad = false;
	/* SSSE3 comes with every SSE4.1 CPU; pshufb is needed for shuffles and swizzles */
	if (hw->sse41 && hw->ssse3) {
		level = XS_SSE41;
		if (hw->sse42)
			level = XS_SSE42;
		if (hw->sse42 && hw->avx)
			level = XS_AVX;
		if (level == XS_AVX && hw->avx2)
			level = XS_AVX2;
	}
	if (request && *request) {
		size_t i;

		for (i = 0; i < sizeof(simd_names) / sizeof(simd_names[0]); i++)
			if (!strcmp(request, simd_names[i]))
				break;
		if (i < sizeof(simd_names) / sizeof(simd_names[0]))
			cap = (enum x64_simd)i;
		else
			*bad = true;
	}
	return level < cap ? level : cap;
}

static struct x64_cpu cpu;
static pthread_once_t cpu_once = PTHREAD_ONCE_INIT;

/* XCR0: may the OS-saved state include xmm (bit 1) and ymm (bit 2) registers? */
static bool os_saves_ymm(void)
{
	uint32_t lo, hi;

	__asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	(void)hi;
	return (lo & 6) == 6;
}

static void probe(void)
{
	unsigned a, b, c, d;
	bool osxsave = false, bad;
	const char *req = getenv("CHIBI_JIT_ISA");

	if (__get_cpuid(1, &a, &b, &c, &d)) {
		cpu.ssse3 = (c >> 9) & 1;
		cpu.fma = (c >> 12) & 1;
		cpu.sse41 = (c >> 19) & 1;
		cpu.sse42 = (c >> 20) & 1;
		cpu.popcnt = (c >> 23) & 1;
		osxsave = (c >> 27) & 1;
		cpu.avx = (c >> 28) & 1;
	}
	/* AVX needs the OS to save the ymm state too */
	if (!osxsave || !os_saves_ymm())
		cpu.avx = cpu.fma = false;
	if (__get_cpuid_count(7, 0, &a, &b, &c, &d)) {
		cpu.bmi1 = (b >> 3) & 1;
		cpu.avx2 = cpu.avx && ((b >> 5) & 1);
	}
	if (__get_cpuid(0x80000001, &a, &b, &c, &d))
		cpu.lzcnt = (c >> 5) & 1;
	cpu.simd = x64_simd_level(&cpu, req, &bad);
	if (bad)
		fprintf(stderr, "chibi jit: CHIBI_JIT_ISA=%s is not one of none, sse4.1, sse4.2, "
			"avx, avx2; ignored\n", req);
}

const struct x64_cpu *x64_cpu(void)
{
	pthread_once(&cpu_once, probe);
	return &cpu;
}
