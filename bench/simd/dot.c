/* dot.c - dot products of i16 vectors into i32 (auto-vectorized: widening multiplies and adds,
 * pmaddwd / i32x4.dot_i16x8_s), repeated over a 64 KiB working set.  argv[1] = repetitions. */
#include "../kernels/bench_common.h"

#define N 16384

static short a[N], b[N];

int main(int argc, char **argv)
{
	long reps = bench_size(argc, argv, 40000);
	uint64_t seed = 3;
	int64_t total = 0;

	for (int i = 0; i < N; i++) {
		a[i] = (short)(bench_rand(&seed) >> 50);
		b[i] = (short)(bench_rand(&seed) >> 50);
	}
	for (long r = 0; r < reps; r++) {
		int acc = 0;

		for (int i = 0; i < N; i++)
			acc += a[i] * b[i];
		total += acc;
		a[r % N] ^= 1;
	}
	printf("dot %ld %lld\n", reps, (long long)total);
	return 0;
}
