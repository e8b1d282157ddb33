/* wasi/clock.c - clock_res_get, clock_time_get.
 *
 * The four preview1 clocks map onto CLOCK_REALTIME, CLOCK_MONOTONIC,
 * CLOCK_PROCESS_CPUTIME_ID and CLOCK_THREAD_CPUTIME_ID; timestamps are u64 nanoseconds.
 * wasi_clock_host() is shared with poll.c.
 */
#include <errno.h>
#include <time.h>
#include "ctx.h"

/* Host clock for a WASI clock id, or -1 for an unknown id. */
static clockid_t host_clock(uint32_t id)
{
	switch (id) {
	case WASI_CLOCK_REALTIME:
		return CLOCK_REALTIME;
	case WASI_CLOCK_MONOTONIC:
		return CLOCK_MONOTONIC;
	case WASI_CLOCK_PROCESS_CPUTIME_ID:
		return CLOCK_PROCESS_CPUTIME_ID;
	case WASI_CLOCK_THREAD_CPUTIME_ID:
		return CLOCK_THREAD_CPUTIME_ID;
	default:
		return (clockid_t)-1;
	}
}

static uint64_t ts_ns(const struct timespec *ts)
{
	return (uint64_t)ts->tv_sec * 1000000000ull + (uint64_t)ts->tv_nsec;
}

/* clock_res_get(id, out_resolution: u64*) -> errno.  Errors: EINVAL (unknown clock),
 * EFAULT.  https://github.com/WebAssembly/WASI/blob/main/legacy/preview1/docs.md#clock_res_get */
uint32_t wasi_clock_res_get(struct wasi_ctx *ctx, chibi_caller *c, const uint64_t *a)
{
	struct guest g = guest_of(c);
	clockid_t id = host_clock(ARG32(0));
	struct timespec ts;

	if (id == (clockid_t)-1)
		return WASI_EINVAL;
	if (!guest_ok(&g, ARG32(1), 8))
		return WASI_EFAULT;
	if (clock_getres(id, &ts) != 0)
		return wasi_errno(errno);
	guest_put_u64(&g, ARG32(1), ts_ns(&ts));
	return WASI_ESUCCESS;
}

/* clock_time_get(id, precision: u64, out_time: u64*) -> errno.  The precision hint is
 * ignored (the host clock is always read at full precision).  Errors: EINVAL, EFAULT.
 * https://github.com/WebAssembly/WASI/blob/main/legacy/preview1/docs.md#clock_time_get */
uint32_t wasi_clock_time_get(struct wasi_ctx *ctx, chibi_caller *c, const uint64_t *a)
{
	struct guest g = guest_of(c);
	clockid_t id = host_clock(ARG32(0));
	struct timespec ts;

	if (id == (clockid_t)-1)
		return WASI_EINVAL;
	if (!guest_ok(&g, ARG32(2), 8))
		return WASI_EFAULT;
	if (clock_gettime(id, &ts) != 0)
		return wasi_errno(errno);
	guest_put_u64(&g, ARG32(2), ts_ns(&ts));
	return WASI_ESUCCESS;
}
