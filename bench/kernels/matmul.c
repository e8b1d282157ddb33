/* matmul.c - dense f64 matrix multiply (i-k-j order): streaming loads, multiply-add chains.
 * argv[1] = n (default 800): C = A*B for n x n matrices, done 2 times.  The checksum is the
 * exact bit pattern of a sum over C, so any rounding difference between engines shows. */
#include <string.h>
#include "bench_common.h"

int main(int argc, char **argv)
{
	long n = bench_size(argc, argv, 800);
	size_t nn = (size_t)n * (size_t)n;
	double *a = bench_alloc(nn * sizeof *a), *b = bench_alloc(nn * sizeof *b);
	double *c = bench_alloc(nn * sizeof *c);
	uint64_t seed = 42;
	for (size_t i = 0; i < nn; i++) {
		a[i] = (double)(bench_rand(&seed) >> 40) / (double)(1 << 24) - 0.5;
		b[i] = (double)(bench_rand(&seed) >> 40) / (double)(1 << 24) - 0.5;
	}
	double total = 0;
	for (int rep = 0; rep < 2; rep++) {
		memset(c, 0, nn * sizeof *c);
		for (long i = 0; i < n; i++)
			for (long k = 0; k < n; k++) {
				double aik = a[i * n + k];
				const double *brow = b + k * n;
				double *crow = c + i * n;
				for (long j = 0; j < n; j++)
					crow[j] += aik * brow[j];
			}
		for (size_t i = 0; i < nn; i++)
			total += c[i] * (double)(i % 7 + 1);
		a[rep] += 1.0; /* make the two repetitions differ */
	}
	uint64_t bits;
	memcpy(&bits, &total, sizeof bits);
	printf("matmul %ld %.6f %016llx\n", n, total, (unsigned long long)bits);
	free(a), free(b), free(c);
	return 0;
}
