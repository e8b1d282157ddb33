/* bench_common.h - helpers shared by the benchmark kernels (header-only).
 *
 * Every kernel is one C file built unchanged for native gcc/clang and for wasm32-wasi.  It takes
 * an optional size on argv[1] (the harness passes smaller sizes for quick and smoke runs), does
 * deterministic work and prints one line "<name> <size> <checksum>" that every engine must
 * reproduce byte for byte.  No timing happens inside a kernel: the harness times the process.
 */
#ifndef BENCH_COMMON_H
#define BENCH_COMMON_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

/* argv[1] as a positive integer, else `def`. */
static inline long bench_size(int argc, char **argv, long def)
{
	if (argc < 2)
		return def;
	long v = strtol(argv[1], NULL, 10);
	return v > 0 ? v : def;
}

/* xorshift64*: small, fast, identical on every target. */
static inline uint64_t bench_rand(uint64_t *s)
{
	uint64_t x = *s;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*s = x;
	return x * 0x2545F4914F6CDD1DULL;
}

/* FNV-1a over bytes, folded into a running 64-bit checksum. */
static inline uint64_t bench_fnv(uint64_t h, const void *p, size_t n)
{
	const unsigned char *b = p;
	for (size_t i = 0; i < n; i++) {
		h ^= b[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

#define BENCH_FNV_INIT 0xcbf29ce484222325ULL

/* Allocate or die: a kernel without memory has nothing to measure. */
static inline void *bench_alloc(size_t n)
{
	void *p = malloc(n);
	if (!p) {
		fprintf(stderr, "out of memory (%zu bytes)\n", n);
		exit(3);
	}
	return p;
}

#endif
