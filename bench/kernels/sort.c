/* sort.c - quicksort and merge sort of PRNG arrays: data-dependent branches, swaps, copying.
 * argv[1] = elements (default 3000000).  Both sorts run on the same input; the results must
 * agree and the checksum is an FNV hash of the sorted array. */
#include <string.h>
#include "bench_common.h"

static void insertion(uint32_t *a, long n)
{
	for (long i = 1; i < n; i++) {
		uint32_t v = a[i];
		long j = i - 1;
		while (j >= 0 && a[j] > v) {
			a[j + 1] = a[j];
			j--;
		}
		a[j + 1] = v;
	}
}

/* Median-of-three Hoare quicksort, recursing on the smaller half. */
static void quicksort(uint32_t *a, long n)
{
	while (n > 16) {
		uint32_t x = a[0], y = a[n / 2], z = a[n - 1];
		uint32_t pivot = x < y ? (y < z ? y : (x < z ? z : x)) : (x < z ? x : (y < z ? z : y));
		long i = -1, j = n;
		for (;;) {
			do i++; while (a[i] < pivot);
			do j--; while (a[j] > pivot);
			if (i >= j)
				break;
			uint32_t t = a[i];
			a[i] = a[j];
			a[j] = t;
		}
		long left = j + 1;
		if (left < n - left) {
			quicksort(a, left);
			a += left, n -= left;
		} else {
			quicksort(a + left, n - left);
			n = left;
		}
	}
	insertion(a, n);
}

static void mergesort_rec(uint32_t *a, uint32_t *tmp, long n)
{
	if (n <= 16) {
		insertion(a, n);
		return;
	}
	long h = n / 2;
	mergesort_rec(a, tmp, h);
	mergesort_rec(a + h, tmp, n - h);
	long i = 0, j = h, k = 0;
	while (i < h && j < n)
		tmp[k++] = a[j] < a[i] ? a[j++] : a[i++];
	while (i < h)
		tmp[k++] = a[i++];
	while (j < n)
		tmp[k++] = a[j++];
	memcpy(a, tmp, (size_t)n * sizeof *a);
}

int main(int argc, char **argv)
{
	long n = bench_size(argc, argv, 3000000);
	uint32_t *a = bench_alloc((size_t)n * sizeof *a), *b = bench_alloc((size_t)n * sizeof *b);
	uint32_t *tmp = bench_alloc((size_t)n * sizeof *tmp);
	uint64_t seed = 12345;
	for (long i = 0; i < n; i++)
		a[i] = b[i] = (uint32_t)(bench_rand(&seed) >> 32) % (uint32_t)(n * 4);
	quicksort(a, n);
	mergesort_rec(b, tmp, n);
	for (long i = 0; i < n; i++)
		if (a[i] != b[i] || (i && a[i - 1] > a[i])) {
			printf("sort mismatch at %ld\n", i);
			return 1;
		}
	uint64_t h = bench_fnv(BENCH_FNV_INIT, a, (size_t)n * sizeof *a);
	printf("sort %ld %u %u %016llx\n", n, a[0], a[n - 1], (unsigned long long)h);
	free(a), free(b), free(tmp);
	return 0;
}
