/* jit/x64/cpu_test.c - the SIMD level: hardware bits, capped by CHIBI_JIT_ISA. */
#include <criterion/criterion.h>

#include "cpu.h"

Test(x64_cpu, level_follows_the_hardware)
{
	struct x64_cpu hw = { .ssse3 = true, .sse41 = true };
	bool bad;

	cr_expect_eq(x64_simd_level(&hw, NULL, &bad), XS_SSE41);
	hw.sse42 = true;
	cr_expect_eq(x64_simd_level(&hw, "", &bad), XS_SSE42);
	hw.avx = true;
	cr_expect_eq(x64_simd_level(&hw, NULL, &bad), XS_AVX);
	hw.avx2 = true;
	cr_expect_eq(x64_simd_level(&hw, NULL, &bad), XS_AVX2);
	cr_expect(!bad);
	/* SSE2-only machine (or SSE4.1 without SSSE3, which no CPU is): no SIMD JIT */
	hw = (struct x64_cpu){ .sse41 = true };
	cr_expect_eq(x64_simd_level(&hw, NULL, &bad), XS_NONE);
	hw = (struct x64_cpu){ .ssse3 = true, .avx = true, .avx2 = true };
	cr_expect_eq(x64_simd_level(&hw, NULL, &bad), XS_NONE);
}

Test(x64_cpu, request_caps_never_raises)
{
	struct x64_cpu hw = { .ssse3 = true, .sse41 = true, .sse42 = true, .avx = true,
			      .avx2 = true };
	struct x64_cpu old = { .ssse3 = true, .sse41 = true };
	bool bad;

	cr_expect_eq(x64_simd_level(&hw, "sse4.1", &bad), XS_SSE41);
	cr_expect_eq(x64_simd_level(&hw, "avx", &bad), XS_AVX);
	cr_expect_eq(x64_simd_level(&hw, "none", &bad), XS_NONE);
	cr_expect(!bad);
	cr_expect_eq(x64_simd_level(&old, "avx2", &bad), XS_SSE41);
	cr_expect_eq(x64_simd_level(&hw, "avx512", &bad), XS_AVX2);
	cr_expect(bad);
	cr_expect_str_eq(x64_simd_name(XS_SSE42), "sse4.2");
}
