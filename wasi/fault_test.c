/* wasi/fault_test.c - allocation fault injection through the whole `chibi run` job:
 * wasi_run() loads the module file, sets up the WASI context (argv, environment, a
 * preopen, stdio), links, instantiates, arms the --timeout alarm and runs a guest that
 * calls WASI functions which allocate (path_open, fd_readdir, poll_oneoff, fd_write with
 * many iovecs).  The k-th allocation fails, for every k up to the number the run makes:
 * each run must end with a clean status (7 from the guest's proc_exit, 1 for a load or link
 * error, 134 for a trap), never a crash; the ASan pass of `make test` adds LSan's leak check
 * of every one of these runs.  The interpreter and the JIT alike.
 */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "wasi.h"
#include "../vm/alloc.h"
#include "../vm/test_wat.h"

static long fail_countdown = -1; /* fail when it reaches 0; < 0 disables */
static long allocs_seen;

static bool fail_kth(size_t size)
{
	(void)size;
	allocs_seen++;
	return fail_countdown >= 0 && fail_countdown-- == 0;
}

#define WASI(name, sig) "(import \"wasi_snapshot_preview1\" \"" name "\" (func $" name " " sig "))"

/* Memory map: 16 path "out.txt", 32 "hello\n", 100.. sizes, 200 argv pointers, 300 argv
 * bytes, 400 opened fd, 500 iovec {32, 6}, 520 40 iovecs of 1 byte (more than the stack
 * array of fd_write), 1024 readdir buffer (1 KiB), 3072 one clock subscription, 4096 its
 * event, 600.. counts written back. */
static const char guest_wat[] =
	"(module "
	WASI("args_sizes_get", "(param i32 i32) (result i32)")
	WASI("args_get", "(param i32 i32) (result i32)")
	WASI("environ_sizes_get", "(param i32 i32) (result i32)")
	WASI("environ_get", "(param i32 i32) (result i32)")
	WASI("path_open", "(param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)")
	WASI("fd_write", "(param i32 i32 i32 i32) (result i32)")
	WASI("fd_close", "(param i32) (result i32)")
	WASI("fd_readdir", "(param i32 i32 i32 i64 i32) (result i32)")
	WASI("poll_oneoff", "(param i32 i32 i32 i32) (result i32)")
	WASI("proc_exit", "(param i32)")
	" (memory (export \"memory\") 1)"
	" (data (i32.const 16) \"out.txt\") (data (i32.const 32) \"hello\\n\")"
	" (data (i32.const 500) \"\\20\\00\\00\\00\\06\\00\\00\\00\")"
	" (func $iovs (local $i i32)"
	"   (loop $l (i32.store (i32.add (i32.const 520) (i32.shl (local.get $i) (i32.const 3)))"
	"              (i32.add (i32.const 32) (i32.rem_u (local.get $i) (i32.const 6))))"
	"     (i32.store (i32.add (i32.const 524) (i32.shl (local.get $i) (i32.const 3))) (i32.const 1))"
	"     (local.set $i (i32.add (local.get $i) (i32.const 1)))"
	"     (br_if $l (i32.lt_u (local.get $i) (i32.const 40)))))"
	" (func (export \"_start\")"
	"   (drop (call $args_sizes_get (i32.const 100) (i32.const 104)))"
	"   (drop (call $args_get (i32.const 200) (i32.const 300)))"
	"   (drop (call $environ_sizes_get (i32.const 108) (i32.const 112)))"
	"   (drop (call $environ_get (i32.const 200) (i32.const 300)))"
	"   (call $iovs)"
	/* path_open(3, 0, "out.txt", O_CREAT|O_TRUNC, FD_WRITE, 0, 0, &fd) */
	"   (if (i32.eqz (call $path_open (i32.const 3) (i32.const 0) (i32.const 16) (i32.const 7)"
	"         (i32.const 9) (i64.const 64) (i64.const 0) (i32.const 0) (i32.const 400)))"
	"     (then (drop (call $fd_write (i32.load (i32.const 400)) (i32.const 500) (i32.const 1)"
	"                  (i32.const 600)))"
	"           (drop (call $fd_close (i32.load (i32.const 400))))))"
	"   (drop (call $fd_readdir (i32.const 3) (i32.const 1024) (i32.const 1024) (i64.const 0)"
	"          (i32.const 604)))"
	"   (drop (call $fd_write (i32.const 1) (i32.const 520) (i32.const 40) (i32.const 608)))"
	/* one relative clock subscription of 1 ns (tag 0, monotonic clock 1) */
	"   (i64.store (i32.const 3072) (i64.const 5)) (i32.store8 (i32.const 3080) (i32.const 0))"
	"   (i32.store (i32.const 3088) (i32.const 1)) (i64.store (i32.const 3096) (i64.const 1))"
	"   (drop (call $poll_oneoff (i32.const 3072) (i32.const 4096) (i32.const 1) (i32.const 612)))"
	"   (call $proc_exit (i32.const 7))))";

static char dir[256], wasm_path[300];

static void write_guest(void)
{
	size_t len = 0;
	uint8_t *bytes = wat_bytes(guest_wat, &len);
	FILE *f;

	cr_assert_not_null(bytes, "wat2wasm failed");
	snprintf(dir, sizeof(dir), "%s/chibi-fault-XXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	cr_assert(mkdtemp(dir));
	snprintf(wasm_path, sizeof(wasm_path), "%s/guest.wasm", dir);
	f = fopen(wasm_path, "wb");
	cr_assert(f && fwrite(bytes, 1, len, f) == len);
	fclose(f);
	free(bytes);
}

static void remove_guest(void)
{
	char p[320];

	snprintf(p, sizeof(p), "%s/out.txt", dir);
	unlink(p);
	unlink(wasm_path);
	rmdir(dir);
}

static int run_once(enum chibi_exec_mode mode, int null_fd)
{
	char *argv[] = { "guest", "one", "two" }, *env[] = { "X=1", "HOME=/" };
	struct wasi_preopen pre = { .host_path = dir, .guest_path = "/d" };
	struct wasi_config cfg = {
		.argc = 3, .argv = argv, .nenv = 2, .env = env, .npreopens = 1, .preopens = &pre,
		.stdin_fd = null_fd, .stdout_fd = null_fd, .stderr_fd = null_fd,
	};
	struct wasi_run_opts opts = {
		.wasm_path = wasm_path,
		.engine = { .mode = mode },
		.timeout_sec = 60, /* arms (and disarms) the alarm under faults too */
	};

	return wasi_run(&opts, &cfg);
}

static void fault_loop(enum chibi_exec_mode mode)
{
	int null_fd = open("/dev/null", O_RDWR | O_CLOEXEC), saved_err = dup(2);
	char out[320], buf[16] = { 0 };
	long k, clean_errors = 0;
	int status;
	FILE *f;

	cr_assert(null_fd >= 0 && saved_err >= 0);
	write_guest();
	alloc_set_fail_hook(fail_kth);
	fail_countdown = -1;
	cr_assert_eq(run_once(mode, null_fd), 7);
	snprintf(out, sizeof(out), "%s/out.txt", dir);
	f = fopen(out, "r");
	cr_assert_not_null(f);
	cr_expect(fgets(buf, sizeof(buf), f) && !strcmp(buf, "hello\n"));
	fclose(f);
	/* wasi_run reports each failure on stderr: keep the test's output readable */
	dup2(null_fd, 2);
	for (k = 0;; k++) {
		fail_countdown = k;
		allocs_seen = 0;
		status = run_once(mode, null_fd);
		if (fail_countdown >= 0) {
			/* fewer than k allocations: every one has been failed once */
			break;
		}
		cr_expect(status == 7 || status == 1 || status == 134, "k=%ld: status %d", k,
			  status);
		clean_errors += status != 7;
	}
	alloc_set_fail_hook(NULL);
	dup2(saved_err, 2);
	close(saved_err);
	cr_expect_eq(status, 7, "the run after the last allocation failed must succeed");
	cr_expect_gt(k, 50, "a WASI run allocates more than that (%ld)", k);
	cr_expect_gt(clean_errors, 0);
	cr_expect_eq(test_leaks_now(), 0, "LeakSanitizer found leaks (report above)");
	cr_log_info("%s: %ld allocations, each failed once: %ld clean errors, the rest recovered",
		    mode == CHIBI_MODE_JIT ? "jit" : "interp", k, clean_errors);
	close(null_fd);
	remove_guest();
}

Test(wasi_fault, every_allocation_of_a_run_interp)
{
	fault_loop(CHIBI_MODE_INTERP);
}

Test(wasi_fault, every_allocation_of_a_run_jit)
{
	if (!chibi_jit_name())
		cr_skip_test("no JIT in this build");
	fault_loop(CHIBI_MODE_JIT);
}
