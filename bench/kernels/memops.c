/* memops.c - memcpy / memmove / memset over many sizes and alignments.
 * With -mbulk-memory, clang turns these calls into memory.copy / memory.fill instructions, so
 * this kernel shows what an engine makes of bulk memory versus wasi-libc's byte loops.
 * argv[1] = rounds (default 2000): each round copies, moves and fills about 12 MiB. */
#include <string.h>
#include "bench_common.h"

#define BUF (4u << 20)

int main(int argc, char **argv)
{
	long rounds = bench_size(argc, argv, 2000);
	unsigned char *a = bench_alloc(BUF + 64), *b = bench_alloc(BUF + 64);
	uint64_t seed = 5, h = BENCH_FNV_INIT;
	for (size_t i = 0; i < BUF + 64; i++)
		a[i] = (unsigned char)bench_rand(&seed), b[i] = 0;
	static const size_t sizes[] = {7, 16, 33, 64, 100, 256, 1000, 4096, 65536, 1u << 20, BUF};
	for (long r = 0; r < rounds; r++) {
		/* Large blocks: the bulk of the bytes. */
		memcpy(b + (r & 7), a + ((r >> 3) & 7), BUF);
		memmove(b + 1 + (r & 3), b, BUF - 8);
		memset(a + (r & 15), (int)(r & 0xff), BUF / 2);
		/* Many small blocks: call overhead and tails. */
		for (size_t s = 0; s < sizeof sizes / sizeof *sizes - 2; s++)
			for (size_t off = 0; off + sizes[s] + 64 < 1u << 16; off += 4096 + s)
				memcpy(a + off + (s & 3), b + off * 3 % (1u << 16) + 1, sizes[s]);
		h = bench_fnv(h, b + (r * 4099) % (BUF - 64), 64);
		h = bench_fnv(h, a + (r * 8191) % (BUF - 64), 64);
	}
	h = bench_fnv(h, a, 4096);
	h = bench_fnv(h, b + BUF - 4096, 4096);
	printf("memops %ld %016llx\n", rounds, (unsigned long long)h);
	free(a), free(b);
	return 0;
}
