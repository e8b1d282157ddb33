/* wasi/args.c - args_get, args_sizes_get, environ_get, environ_sizes_get.
 *
 * The guest sees exactly the argv and environment of its wasi_config (copied in ctx.c);
 * nothing of the host environment leaks in.  Layout: an array of u32 pointers into one
 * buffer of NUL-terminated strings, both supplied by the guest and bounds-checked whole.
 */
#include <string.h>
#include "ctx.h"

/* Write n strings: pointers at guest `ptrs` (n * 4 bytes), bytes at guest `buf`. */
static uint32_t put_strings(chibi_caller *c, char **v, int n, uint32_t size, uint32_t ptrs,
			    uint32_t buf)
{
	struct guest g = guest_of(c);
	uint8_t *pv = guest_slice(&g, ptrs, (uint64_t)n * 4);
	uint8_t *pb = guest_slice(&g, buf, size);
	uint32_t off = 0;
	int i;

	if (!pv || !pb)
		return WASI_EFAULT;
	for (i = 0; i < n; i++) {
		size_t l = strlen(v[i]) + 1;

		st_u32(pv + (size_t)i * 4, buf + off);
		memcpy(pb + off, v[i], l);
		off += (uint32_t)l;
	}
	return WASI_ESUCCESS;
}

static uint32_t put_sizes(chibi_caller *c, uint32_t count, uint32_t size, uint32_t out_count,
			  uint32_t out_size)
{
	struct guest g = guest_of(c);

	if (!guest_ok(&g, out_count, 4) || !guest_ok(&g, out_size, 4))
		return WASI_EFAULT;
	guest_put_u32(&g, out_count, count);
	guest_put_u32(&g, out_size, size);
	return WASI_ESUCCESS;
}

/* args_get(argv: u32*, argv_buf: u8*) -> errno.  Errors: EFAULT.
 * https://github.com/WebAssembly/WASI/blob/main/legacy/preview1/docs.md#args_get */
uint32_t wasi_args_get(struct wasi_ctx *ctx, chibi_caller *c, const uint64_t *a)
{
	return put_strings(c, ctx->argv, ctx->argc, ctx->argv_size, ARG32(0), ARG32(1));
}

/* args_sizes_get(out_argc, out_argv_buf_size) -> errno.  Errors: EFAULT.
 * https://github.com/WebAssembly/WASI/blob/main/legacy/preview1/docs.md#args_sizes_get */
uint32_t wasi_args_sizes_get(struct wasi_ctx *ctx, chibi_caller *c, const uint64_t *a)
{
	return put_sizes(c, (uint32_t)ctx->argc, ctx->argv_size, ARG32(0), ARG32(1));
}

/* environ_get(environ: u32*, environ_buf: u8*) -> errno.  "KEY=VALUE" strings.
 * Errors: EFAULT.
 * https://github.com/WebAssembly/WASI/blob/main/legacy/preview1/docs.md#environ_get */
uint32_t wasi_environ_get(struct wasi_ctx *ctx, chibi_caller *c, const uint64_t *a)
{
	return put_strings(c, ctx->env, ctx->nenv, ctx->env_size, ARG32(0), ARG32(1));
}

/* environ_sizes_get(out_count, out_buf_size) -> errno.  Errors: EFAULT.
 * https://github.com/WebAssembly/WASI/blob/main/legacy/preview1/docs.md#environ_sizes_get */
uint32_t wasi_environ_sizes_get(struct wasi_ctx *ctx, chibi_caller *c, const uint64_t *a)
{
	return put_sizes(c, (uint32_t)ctx->nenv, ctx->env_size, ARG32(0), ARG32(1));
}
