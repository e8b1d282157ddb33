/* fib.c - recursive Fibonacci: call/return overhead and a tiny integer body.
 * argv[1] = n (default 41).  Prints fib(n) computed naively (about 2*fib(n) calls). */
#include "bench_common.h"

/* noinline keeps compilers from turning the recursion into a loop on some targets. */
__attribute__((noinline)) static uint32_t fib(uint32_t n)
{
	return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

int main(int argc, char **argv)
{
	long n = bench_size(argc, argv, 41);
	printf("fib %ld %u\n", n, fib((uint32_t)n));
	return 0;
}
