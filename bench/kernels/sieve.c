/* sieve.c - sieve of Eratosthenes over a byte array: tight loops, byte loads and stores.
 * argv[1] = limit (default 20000000); the sieve runs 5 times, counting primes each time. */
#include <string.h>
#include "bench_common.h"

int main(int argc, char **argv)
{
	long limit = bench_size(argc, argv, 20000000);
	unsigned char *composite = bench_alloc((size_t)limit + 1);
	uint64_t sum = 0;
	long count = 0;
	for (int rep = 0; rep < 5; rep++) {
		memset(composite, 0, (size_t)limit + 1);
		count = 0;
		for (long i = 2; i <= limit; i++) {
			if (composite[i])
				continue;
			count++;
			sum += (uint64_t)i * (uint64_t)(rep + 1);
			/* 64-bit: long is 32 bits on wasm32, and i * i overflows it past 46341. */
			for (int64_t j = (int64_t)i * i; j <= limit; j += i)
				composite[j] = 1;
		}
	}
	printf("sieve %ld %ld %llu\n", limit, count, (unsigned long long)sum);
	free(composite);
	return 0;
}
