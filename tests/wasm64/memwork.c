/* tests/wasm64/memwork.c - a freestanding C program for wasm64 (memory64) and natively.
 *
 * Built with clang --target=wasm64-unknown-unknown (no libc: wasi-libc has no wasm64 build)
 * and with the host compiler; tests/wasm64/run.sh runs the wasm build with `chibi run
 * --invoke run` in both tiers and requires the native program's output.  The work touches
 * memory the way real programs do: a heap that grows with memory.grow past the initial
 * pages (i64 page counts), an open-addressing hash table, a quicksort over a large array,
 * and bulk copies and fills (memory.copy/memory.fill with i64 lengths under -mbulk-memory).
 * Nothing depends on pointer values, so the two builds must agree bit for bit.
 */
typedef unsigned long long u64;
typedef __SIZE_TYPE__ size_t;

#ifdef __wasm__
extern unsigned char __heap_base;
static unsigned char *heap_end;

/* Bump allocation; the memory grows (memory.grow on a 64-bit memory) when the heap needs
 * it.  Never freed: the program is one call. */
static void *alloc(size_t n)
{
	static unsigned char *top;
	unsigned char *p;
	size_t have;

	if (!top)
		top = heap_end = &__heap_base;
	p = (unsigned char *)(((size_t)top + 15) & ~(size_t)15);
	have = __builtin_wasm_memory_size(0) * 65536;
	if ((size_t)p + n > have) {
		size_t pages = ((size_t)p + n - have + 65535) / 65536;

		if (__builtin_wasm_memory_grow(0, pages) == (size_t)-1)
			__builtin_trap();
	}
	top = p + n;
	return p;
}
#else
#include <stdio.h>
#include <stdlib.h>
static void *alloc(size_t n)
{
	void *p = calloc(1, n);

	if (!p)
		abort();
	return p;
}
#endif

static u64 rng = 0x9e3779b97f4a7c15ull;

static u64 next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static void quicksort(u64 *a, long lo, long hi)
{
	while (lo < hi) {
		u64 pivot = a[(lo + hi) / 2];
		long i = lo, j = hi;

		while (i <= j) {
			while (a[i] < pivot)
				i++;
			while (a[j] > pivot)
				j--;
			if (i <= j) {
				u64 t = a[i];

				a[i++] = a[j];
				a[j--] = t;
			}
		}
		if (j - lo < hi - i) {
			quicksort(a, lo, j);
			lo = i;
		} else {
			quicksort(a, i, hi);
			hi = j;
		}
	}
}

/* The checksum of n rounds of work; the wasm build's export. */
u64 run(int n)
{
	size_t cap = 1u << 20; /* 8 MiB of table at least: more than the initial memory */
	int bits = 20;
	u64 *keys, *vals, *arr, sum = 0;
	unsigned char *buf;

	if (n < 1 || n > (1 << 23))
		n = 1 << 23;
	while (cap < 2 * (size_t)n) { /* the table stays at most half full */
		cap *= 2;
		bits++;
	}
	keys = alloc(cap * sizeof(u64));
	vals = alloc(cap * sizeof(u64));
	arr = alloc((size_t)n * sizeof(u64));
	buf = alloc(1 << 20);

	for (int i = 0; i < n; i++) {
		u64 k = next() | 1, h = (k * 0xff51afd7ed558ccdull) >> (64 - bits);

		while (keys[h] && keys[h] != k)
			h = (h + 1) & (cap - 1);
		keys[h] = k;
		vals[h] += (u64)i;
		arr[i] = k ^ (k >> 29);
	}
	quicksort(arr, 0, n - 1);
	for (int i = 1; i < n; i++)
		if (arr[i - 1] > arr[i])
			return 0; /* not sorted: a wrong answer on purpose */
	for (int i = 0; i < n; i += 97)
		sum = sum * 31 + arr[i];
	for (size_t h = 0; h < cap; h++)
		sum += keys[h] * 3 + vals[h];
	/* bulk: fill, then overlapping copies both ways */
	__builtin_memset(buf, 0x5a, 1 << 20);
	for (int i = 0; i < 64; i++) {
		__builtin_memcpy(buf + i * 4096, arr + i * 7, 4096);
		__builtin_memmove(buf + 100 + i, buf + i * 3, 50000);
	}
	for (size_t i = 0; i < (1u << 20); i += 61)
		sum = sum * 131 + buf[i];
	return sum;
}

#ifndef __wasm__
int main(int argc, char **argv)
{
	printf("%llu\n", run(argc > 1 ? atoi(argv[1]) : 200000));
	return 0;
}
#endif
