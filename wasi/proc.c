/* wasi/proc.c - proc_exit, proc_raise, sched_yield.
 *
 * proc_exit never calls exit(): it records the code and unwinds the wasm call with
 * CHIBI_TRAP_EXIT, so the embedder (wasi_run, the shim) decides what exiting means and the
 * store is torn down normally.
 */
#include <sched.h>
#include "ctx.h"

/* proc_exit(rval: u32) -> noreturn.  Ends the call with CHIBI_TRAP_EXIT; wasi_run turns it
 * into the process exit status (rval, truncated by the OS to 8 bits).
 * https://github.com/WebAssembly/WASI/blob/main/legacy/preview1/docs.md#proc_exit */
uint32_t wasi_proc_exit(struct wasi_ctx *ctx, chibi_caller *c, const uint64_t *a)
{
	chibi_caller_set_exit(c, (int32_t)ARG32(0));
	return WASI_RET_EXIT;
}

/* proc_raise(sig) -> errno.  Always ENOSYS: delivering a host signal on the guest's behalf
 * would let it kill the runtime, and preview1 has no in-guest signal model (wasmtime and
 * wasi-libc treat it the same way; the import was removed in later WASI versions).
 * https://github.com/WebAssembly/WASI/blob/main/legacy/preview1/docs.md#proc_raise */
uint32_t wasi_proc_raise(struct wasi_ctx *ctx, chibi_caller *c, const uint64_t *a)
{
	return WASI_ENOSYS;
}

/* sched_yield() -> errno.  Always succeeds.
 * https://github.com/WebAssembly/WASI/blob/main/legacy/preview1/docs.md#sched_yield */
uint32_t wasi_sched_yield(struct wasi_ctx *ctx, chibi_caller *c, const uint64_t *a)
{
	sched_yield();
	return WASI_ESUCCESS;
}
