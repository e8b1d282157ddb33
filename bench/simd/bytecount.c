/* bytecount.c - count the bytes equal to a key in a buffer (a memchr-like scan; plain C the
 * compilers auto-vectorize into compare-and-subtract loops).  argv[1] = repetitions. */
#include "../kernels/bench_common.h"

#define N (1 << 20)

static unsigned char buf[N];

int main(int argc, char **argv)
{
	long reps = bench_size(argc, argv, 4000);
	uint64_t seed = 11, total = 0;

	for (int i = 0; i < N; i++)
		buf[i] = (unsigned char)(bench_rand(&seed) >> 58);
	for (long r = 0; r < reps; r++) {
		unsigned char key = (unsigned char)(r & 63);
		unsigned n = 0;

		for (int i = 0; i < N; i++)
			n += buf[i] == key;
		total += n;
	}
	printf("bytecount %ld %llu\n", reps, (unsigned long long)total);
	return 0;
}
