/* setjmp.h for wasm32-wasi builds of third-party benchmark programs.  wasi-libc (2022) has no
 * setjmp: Wasm had no way to unwind then.  The benchmarked workloads never raise an error, so
 * an error that would longjmp aborts instead (the run then fails its checksum, loudly). */
#ifndef BENCH_COMPAT_SETJMP_H
#define BENCH_COMPAT_SETJMP_H
#include <stdlib.h>
typedef int jmp_buf[1];
#define setjmp(b) ((void)(b), 0)
#define longjmp(b, v) ((void)(b), (void)(v), abort())
#define _setjmp setjmp
#define _longjmp longjmp
#endif
