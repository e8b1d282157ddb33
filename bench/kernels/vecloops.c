/* vecloops.c - loops a compiler vectorizes (clang -msimd128, gcc's SSE2 at -O2): an i16 dot
 * product, a byte count (a memchr-like scan), a saturating brighten of 8-bit pixels and an
 * f32 axpy, over 64 KiB buffers, `size` passes.  The plain wasm build runs them as scalar
 * code, the simd build (bench.py --variants simd) with v128 instructions. */
#include "bench_common.h"

#define N 32768 /* i16 and byte buffers of 64 KiB / 32 KiB, f32 of 128 KiB */

static int16_t a[N], b[N];
static uint8_t pix[2 * N];
static float x[N], y[N];

__attribute__((noinline)) static int32_t dot(const int16_t *p, const int16_t *q, int n)
{
	int32_t s = 0;

	for (int i = 0; i < n; i++)
		s += p[i] * q[i];
	return s;
}

__attribute__((noinline)) static uint32_t count_byte(const uint8_t *p, int n, uint8_t c)
{
	uint32_t k = 0;

	for (int i = 0; i < n; i++)
		k += p[i] == c;
	return k;
}

__attribute__((noinline)) static void brighten(uint8_t *p, int n, uint8_t d)
{
	for (int i = 0; i < n; i++) {
		unsigned v = p[i] + d;

		p[i] = v > 255 ? 255 : (uint8_t)v;
	}
}

__attribute__((noinline)) static void axpy(float *q, const float *p, float k, int n)
{
	for (int i = 0; i < n; i++)
		q[i] += k * p[i];
}

int main(int argc, char **argv)
{
	long passes = bench_size(argc, argv, 20000);
	uint64_t seed = 42, h = BENCH_FNV_INIT;
	uint32_t acc = 0;

	for (int i = 0; i < N; i++) {
		a[i] = (int16_t)bench_rand(&seed);
		b[i] = (int16_t)bench_rand(&seed);
		x[i] = (float)(bench_rand(&seed) % 1000) / 1000.0f;
		y[i] = 0.0f;
	}
	for (int i = 0; i < 2 * N; i++)
		pix[i] = (uint8_t)(bench_rand(&seed) & 127);
	for (long it = 0; it < passes; it++) {
		acc += (uint32_t)dot(a, b, N);
		a[acc % N] ^= 1;
		acc += count_byte(pix, 2 * N, (uint8_t)(acc & 127));
		brighten(pix, 2 * N, (uint8_t)(it & 1));
		pix[acc % (2 * N)] = (uint8_t)acc & 127;
		axpy(y, x, (it & 1) ? 0.5f : -0.5f, N);
	}
	h = bench_fnv(h, &acc, sizeof(acc));
	h = bench_fnv(h, pix, sizeof(pix));
	h = bench_fnv(h, y, sizeof(y));
	printf("vecloops %ld %016llx\n", passes, (unsigned long long)h);
	return 0;
}
