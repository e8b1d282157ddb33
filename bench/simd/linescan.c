/* linescan.c - a memchr-like scan written with explicit SIMD intrinsics: every offset of a
 * line end in a 1 MiB text-like buffer, summed (compare 16 bytes with the key, take the lane
 * bitmask, walk its set bits).  One file, three builds: <wasm_simd128.h> under clang
 * -msimd128, SSE2 intrinsics under native gcc -O2 (pcmpeqb + pmovmskb, what wasm's
 * i8x16.eq + i8x16.bitmask become), plain C otherwise (the wasm build without -msimd128).
 * argv[1] = repetitions. */
#include "../kernels/bench_common.h"

#if defined(__wasm_simd128__)
#include <wasm_simd128.h>
#elif defined(__SSE2__)
#include <emmintrin.h>
#endif

#define N (1 << 20)

static _Alignas(16) unsigned char buf[N];

/* The sum of the offsets of the bytes of p[0 .. n) equal to key. */
static uint64_t scan(const unsigned char *p, size_t n, unsigned char key)
{
	uint64_t sum = 0;
	size_t i = 0;

#if defined(__wasm_simd128__)
	v128_t k = wasm_i8x16_splat((int8_t)key);

	for (; i + 16 <= n; i += 16) {
		uint32_t m = wasm_i8x16_bitmask(wasm_i8x16_eq(wasm_v128_load(p + i), k));

		for (; m; m &= m - 1)
			sum += i + (unsigned)__builtin_ctz(m);
	}
#elif defined(__SSE2__)
	__m128i k = _mm_set1_epi8((char)key);

	for (; i + 16 <= n; i += 16) {
		__m128i v = _mm_load_si128((const __m128i *)(const void *)(p + i));
		uint32_t m = (uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(v, k));

		for (; m; m &= m - 1)
			sum += i + (unsigned)__builtin_ctz(m);
	}
#endif
	for (; i < n; i++)
		if (p[i] == key)
			sum += i;
	return sum;
}

int main(int argc, char **argv)
{
	long reps = bench_size(argc, argv, 2000);
	uint64_t seed = 5, total = 0;

	/* lower-case words and spaces, a line end about every 64 bytes, a '.' as often */
	for (int i = 0; i < N; i++) {
		unsigned r = (unsigned)(bench_rand(&seed) >> 58);

		buf[i] = r == 0 ? '\n' : r == 1 ? '.' : r < 10 ? ' ' : (unsigned char)('a' + r % 26);
	}
	for (long r = 0; r < reps; r++) {
		total += scan(buf, N, r & 1 ? '.' : '\n');
		buf[(size_t)r * 7919 % N] ^= 0x20; /* the next scan sees other data */
	}
	printf("linescan %ld %llu\n", reps, (unsigned long long)total);
	return 0;
}
