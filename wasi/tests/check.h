/* wasi/tests/check.h - tiny assertion kit for the WASI guest programs (wasm32-wasi).
 *
 * CHECK(cond) and CHECK_ERR(call, errno) count and report without stopping, so one run
 * shows every broken contract; DONE() prints "NAME: N checks, N failed" and is the exit
 * status.  Raw __wasi_* calls come from <wasi/api.h>, where libc would hide the errno.
 */
#ifndef CHIBI_WASI_TEST_CHECK_H
#define CHIBI_WASI_TEST_CHECK_H

#include <stdio.h>
#include <string.h>
#include <wasi/api.h>

static int checks, failed;

#define CHECK(cond)                                                                      \
	do {                                                                             \
		checks++;                                                                \
		if (!(cond)) {                                                           \
			failed++;                                                        \
			printf("FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond);           \
		}                                                                        \
	} while (0)

/* The raw call must return exactly this WASI errno. */
#define CHECK_ERR(call, want)                                                            \
	do {                                                                             \
		int got_ = (int)(call);                                                  \
		checks++;                                                                \
		if (got_ != (int)(want)) {                                               \
			failed++;                                                        \
			printf("FAIL %s:%d: %s = %d, want %d\n", __FILE__, __LINE__, #call,  \
			       got_, (int)(want));                                       \
		}                                                                        \
	} while (0)

#define CHECK_OK(call) CHECK_ERR(call, __WASI_ERRNO_SUCCESS)

/* An address past any memory these programs grow to: every use must give EFAULT. */
#define BAD_PTR ((void *)0xfffffff0u)

#define DONE(name)                                                                       \
	do {                                                                             \
		printf("%s: %d checks, %d failed\n", name, checks, failed);              \
		return failed ? 1 : 0;                                                   \
	} while (0)

/* Open `path` beneath dirfd with the raw call (all rights the directory passes on). */
static inline __wasi_errno_t raw_open(__wasi_fd_t dir, const char *path, __wasi_oflags_t of,
				      __wasi_rights_t base, __wasi_fdflags_t ff,
				      __wasi_fd_t *out)
{
	return __wasi_path_open(dir, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, path, of, base, base, ff,
				out);
}

#define RIGHTS_ALL ((__wasi_rights_t)0x3fffffff)

/* Raw imports for what <wasi/api.h> leaves out or wraps (explicit lengths let a test pass
 * a path that is not NUL-terminated or lies outside memory). */
#define WASI_IMPORT(name)                                                                \
	__attribute__((import_module("wasi_snapshot_preview1"), import_name(#name)))
WASI_IMPORT(proc_raise) int32_t raw_proc_raise(int32_t sig);
WASI_IMPORT(path_open) int32_t raw_path_open(int32_t fd, int32_t dirflags, int32_t path,
					     int32_t path_len, int32_t oflags, int64_t base,
					     int64_t inh, int32_t fdflags, int32_t out_fd);
WASI_IMPORT(path_create_directory) int32_t raw_mkdir(int32_t fd, int32_t path, int32_t len);
WASI_IMPORT(path_symlink) int32_t raw_symlink(int32_t old, int32_t old_len, int32_t fd,
					      int32_t path, int32_t len);

#endif
