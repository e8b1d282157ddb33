/* reactor.c - a kernel of this directory as a WASI-free reactor for interpreters that have
 * SIMD but no WASI (wabt's wasm-interp as Debian builds it): built together with the kernel
 * under -Dmain=kernel_main -Dprintf=bench_printf, it exports bench_run(), which runs the
 * kernel with argv[1] = REPS (a string macro) and returns its output line folded to 31 bits
 * (FNV-1a; positive, so that every engine prints the same decimal).  The WASI imports that libc's exit path keeps are never called. */
#include <stdarg.h>
#include <stdio.h>

static char line[160];

int bench_printf(const char *fmt, ...);
int kernel_main(int argc, char **argv);
int bench_run(void);

int bench_printf(const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	return n;
}

int bench_run(void)
{
	static char arg0[] = "kernel", arg1[] = REPS;
	char *argv[] = { arg0, arg1, NULL };
	unsigned long long h = 0xcbf29ce484222325ull;

	kernel_main(2, argv);
	for (const char *p = line; *p; p++)
		h = (h ^ (unsigned char)*p) * 0x100000001b3ull;
	return (int)((h ^ h >> 32) & 0x7fffffff);
}
