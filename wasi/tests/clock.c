/* clock.c - clock_res_get, clock_time_get for all four clocks, plus error paths. */
#include "check.h"

int main(void)
{
	__wasi_timestamp_t t0, t1, res;
	__wasi_clockid_t id;

	for (id = 0; id < 4; id++) {
		CHECK_OK(__wasi_clock_res_get(id, &res));
		CHECK(res > 0 && res <= 1000000000ull);
		CHECK_OK(__wasi_clock_time_get(id, 1, &t0));
		CHECK_OK(__wasi_clock_time_get(id, 0, &t1));
		CHECK(t1 >= t0);
		CHECK_ERR(__wasi_clock_time_get(id, 1, BAD_PTR), __WASI_ERRNO_FAULT);
		CHECK_ERR(__wasi_clock_res_get(id, BAD_PTR), __WASI_ERRNO_FAULT);
	}
	CHECK_OK(__wasi_clock_time_get(__WASI_CLOCKID_REALTIME, 1, &t0));
	CHECK(t0 > 1577836800ull * 1000000000ull); /* after 2020-01-01 */
	CHECK_ERR(__wasi_clock_time_get(4, 1, &t0), __WASI_ERRNO_INVAL);
	CHECK_ERR(__wasi_clock_res_get(99, &t0), __WASI_ERRNO_INVAL);
	DONE("clock");
}
