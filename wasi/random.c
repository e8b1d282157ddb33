/* wasi/random.c - random_get from the kernel CSPRNG (getrandom(2)).
 *
 * Fills the guest buffer directly in chunks; a short read or EINTR just continues, so any
 * length up to the size of memory works without a host-side copy.
 */
#include <errno.h>
#include <sys/random.h>
#include "ctx.h"

/* random_get(buf: u8*, buf_len: u32) -> errno.  Errors: EFAULT, EIO (getrandom failed).
 * https://github.com/WebAssembly/WASI/blob/main/legacy/preview1/docs.md#random_get */
uint32_t wasi_random_get(struct wasi_ctx *ctx, chibi_caller *c, const uint64_t *a)
{
	struct guest g = guest_of(c);
	uint32_t len = ARG32(1);
	uint8_t *p = guest_slice(&g, ARG32(0), len);
	size_t done = 0;

	if (!p)
		return WASI_EFAULT;
	while (done < len) {
		size_t chunk = len - done > (1u << 20) ? (1u << 20) : len - done;
		ssize_t n = getrandom(p + done, chunk, 0);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return wasi_errno(errno);
		}
		done += (size_t)n;
	}
	return WASI_ESUCCESS;
}
