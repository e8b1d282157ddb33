// bench/eh/throw10.cpp N [calls] - a C++ exception thrown 10 frames below its handler, N
// times (or, with a second argument, the same 10-frame calls returning normally, the
// non-throwing baseline).  Prints a checksum.  Built natively and with clang++
// -fwasm-exceptions (runtime: wasi/tests/cxx-eh/wasm_eh_runtime.cpp); bench/eh/run.sh.
#include <stdio.h>
#include <stdlib.h>

struct Thrown {
	long long v;
};

__attribute__((noinline)) static long long down(int depth, long long v, bool do_throw)
{
	if (depth == 0) {
		if (do_throw)
			throw Thrown{ v };
		return v;
	}
	return down(depth - 1, v + depth, do_throw) ^ 1;
}

int main(int argc, char **argv)
{
	long long n = argc > 1 ? atoll(argv[1]) : 100000, sum = 0;
	bool do_throw = argc < 3;

	for (long long i = 0; i < n; i++) {
		try {
			sum += down(10, i, do_throw);
		} catch (const Thrown &t) {
			sum += t.v;
		}
	}
	printf("%lld\n", sum);
	return 0;
}
