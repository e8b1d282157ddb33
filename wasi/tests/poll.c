/* poll.c - poll_oneoff: relative/absolute clocks, fd readiness, several at once, errors.
 * Run as: printf 'hello\n' | chibi run --dir EMPTY::/work poll.wasm (stdin is a pipe). */
#include "check.h"

static __wasi_timestamp_t now(void)
{
	__wasi_timestamp_t t = 0;

	(void)__wasi_clock_time_get(__WASI_CLOCKID_MONOTONIC, 1, &t);
	return t;
}

static void clock_sub(__wasi_subscription_t *s, uint64_t ud, __wasi_clockid_t id,
		      __wasi_timestamp_t t, __wasi_subclockflags_t fl)
{
	memset(s, 0, sizeof(*s));
	s->userdata = ud;
	s->u.tag = __WASI_EVENTTYPE_CLOCK;
	s->u.u.clock.id = id;
	s->u.u.clock.timeout = t;
	s->u.u.clock.flags = fl;
}

static void fd_sub(__wasi_subscription_t *s, uint64_t ud, __wasi_eventtype_t type,
		   __wasi_fd_t fd)
{
	memset(s, 0, sizeof(*s));
	s->userdata = ud;
	s->u.tag = type;
	s->u.u.fd_read.file_descriptor = fd;
}

int main(int argc, char **argv)
{
	__wasi_subscription_t s[4];
	__wasi_event_t ev[4];
	__wasi_timestamp_t t0, rt;
	__wasi_size_t n;
	__wasi_fd_t fd;
	uint8_t buf[16];
	__wasi_iovec_t iov = { buf, sizeof(buf) };

	clock_sub(&s[0], 1, __WASI_CLOCKID_MONOTONIC, 1, 0);
	CHECK_ERR(__wasi_poll_oneoff(s, ev, 0, &n), __WASI_ERRNO_INVAL);
	CHECK_ERR(__wasi_poll_oneoff(BAD_PTR, ev, 1, &n), __WASI_ERRNO_FAULT);
	CHECK_ERR(__wasi_poll_oneoff(s, BAD_PTR, 1, &n), __WASI_ERRNO_FAULT);
	CHECK_ERR(__wasi_poll_oneoff(s, ev, 1, BAD_PTR), __WASI_ERRNO_FAULT);
	CHECK_ERR(__wasi_poll_oneoff(s, ev, 0x10000000, &n), __WASI_ERRNO_FAULT);

	/* Relative sleep of 50 ms. */
	t0 = now();
	clock_sub(&s[0], 0x1234567890ull, __WASI_CLOCKID_MONOTONIC, 50000000, 0);
	CHECK_OK(__wasi_poll_oneoff(s, ev, 1, &n));
	CHECK(now() - t0 >= 50000000 && now() - t0 < 2000000000ull);
	CHECK(n == 1 && ev[0].userdata == 0x1234567890ull && ev[0].error == 0 &&
	      ev[0].type == __WASI_EVENTTYPE_CLOCK);

	/* Absolute monotonic deadline 30 ms ahead; realtime relative and absolute. */
	t0 = now();
	clock_sub(&s[0], 2, __WASI_CLOCKID_MONOTONIC, t0 + 30000000,
		  __WASI_SUBCLOCKFLAGS_SUBSCRIPTION_CLOCK_ABSTIME);
	CHECK_OK(__wasi_poll_oneoff(s, ev, 1, &n));
	CHECK(now() >= t0 + 30000000);
	t0 = now();
	clock_sub(&s[0], 3, __WASI_CLOCKID_REALTIME, 20000000, 0);
	CHECK_OK(__wasi_poll_oneoff(s, ev, 1, &n));
	CHECK(now() - t0 >= 20000000);
	CHECK_OK(__wasi_clock_time_get(__WASI_CLOCKID_REALTIME, 1, &rt));
	t0 = now();
	clock_sub(&s[0], 4, __WASI_CLOCKID_REALTIME, rt + 25000000,
		  __WASI_SUBCLOCKFLAGS_SUBSCRIPTION_CLOCK_ABSTIME);
	CHECK_OK(__wasi_poll_oneoff(s, ev, 1, &n));
	CHECK(now() - t0 >= 20000000 && n == 1 && ev[0].userdata == 4);
	clock_sub(&s[0], 5, __WASI_CLOCKID_REALTIME, rt - 1000000000ull,
		  __WASI_SUBCLOCKFLAGS_SUBSCRIPTION_CLOCK_ABSTIME);
	CHECK_OK(__wasi_poll_oneoff(s, ev, 1, &n)); /* in the past: at once */
	CHECK(n == 1 && ev[0].userdata == 5 && ev[0].error == 0);

	/* Two timers: only the earlier fires. */
	clock_sub(&s[0], 10, __WASI_CLOCKID_MONOTONIC, 400000000, 0);
	clock_sub(&s[1], 11, __WASI_CLOCKID_MONOTONIC, 10000000, 0);
	CHECK_OK(__wasi_poll_oneoff(s, ev, 2, &n));
	CHECK(n == 1 && ev[0].userdata == 11);

	/* Per-subscription errors come back as events, at once. */
	clock_sub(&s[0], 20, __WASI_CLOCKID_PROCESS_CPUTIME_ID, 1000, 0);
	clock_sub(&s[1], 21, 9, 1000, 0);
	fd_sub(&s[2], 22, __WASI_EVENTTYPE_FD_READ, 99);
	clock_sub(&s[3], 23, __WASI_CLOCKID_MONOTONIC, 1000, 0x8);
	CHECK_OK(__wasi_poll_oneoff(s, ev, 4, &n));
	CHECK(n == 4);
	CHECK(ev[0].userdata == 20 && ev[0].error == __WASI_ERRNO_NOTSUP);
	CHECK(ev[1].userdata == 21 && ev[1].error == __WASI_ERRNO_INVAL);
	CHECK(ev[2].userdata == 22 && ev[2].error == __WASI_ERRNO_BADF &&
	      ev[2].type == __WASI_EVENTTYPE_FD_READ);
	CHECK(ev[3].userdata == 23 && ev[3].error == __WASI_ERRNO_INVAL);
	memset(&s[0], 0, sizeof(s[0]));
	s[0].u.tag = 7;
	CHECK_ERR(__wasi_poll_oneoff(s, ev, 1, &n), __WASI_ERRNO_INVAL);

	/* stdin (a pipe holding "hello\n") and stdout are ready; a long timer is not. */
	t0 = now();
	clock_sub(&s[0], 30, __WASI_CLOCKID_MONOTONIC, 5000000000ull, 0);
	fd_sub(&s[1], 31, __WASI_EVENTTYPE_FD_READ, 0);
	fd_sub(&s[2], 32, __WASI_EVENTTYPE_FD_WRITE, 1);
	CHECK_OK(__wasi_poll_oneoff(s, ev, 3, &n));
	CHECK(now() - t0 < 2000000000ull);
	CHECK(n == 2);
	CHECK(ev[0].userdata == 31 && ev[0].type == __WASI_EVENTTYPE_FD_READ && ev[0].error == 0 &&
	      ev[0].fd_readwrite.nbytes == 6);
	CHECK(ev[1].userdata == 32 && ev[1].type == __WASI_EVENTTYPE_FD_WRITE && ev[1].error == 0);
	CHECK_OK(__wasi_fd_read(0, &iov, 1, &n));
	CHECK(n == 6 && memcmp(buf, "hello\n", 6) == 0);
	/* At end of input a pipe reports ready with a hang-up; a file just has 0 bytes left. */
	fd_sub(&s[0], 40, __WASI_EVENTTYPE_FD_READ, 0);
	CHECK_OK(__wasi_poll_oneoff(s, ev, 1, &n));
	CHECK(n == 1 && ev[0].fd_readwrite.nbytes == 0);
	/* Stdio is a stream whatever is behind it, so the guest cannot tell a pipe from a
	 * file: the runner says which it gave ("pipe"). */
	if (argc > 1 && strcmp(argv[1], "pipe") == 0)
		CHECK(ev[0].fd_readwrite.flags & __WASI_EVENTRWFLAGS_FD_READWRITE_HANGUP);

	/* A regular file is always ready; nbytes is what is left to read. */
	CHECK_OK(raw_open(3, "f", __WASI_OFLAGS_CREAT, RIGHTS_ALL, 0, &fd));
	{
		__wasi_ciovec_t c = { (const uint8_t *)"0123456789", 10 };
		__wasi_filesize_t off;

		CHECK_OK(__wasi_fd_write(fd, &c, 1, &n));
		CHECK_OK(__wasi_fd_seek(fd, 4, __WASI_WHENCE_SET, &off));
	}
	fd_sub(&s[0], 50, __WASI_EVENTTYPE_FD_READ, fd);
	fd_sub(&s[1], 51, __WASI_EVENTTYPE_FD_WRITE, fd);
	CHECK_OK(__wasi_poll_oneoff(s, ev, 2, &n));
	CHECK(n == 2 && ev[0].userdata == 50 && ev[0].fd_readwrite.nbytes == 6);
	/* Without read/write/poll rights the subscription fails with ENOTCAPABLE. */
	CHECK_OK(__wasi_fd_fdstat_set_rights(fd, __WASI_RIGHTS_FD_SEEK, 0));
	CHECK_OK(__wasi_poll_oneoff(s, ev, 1, &n));
	CHECK(n == 1 && ev[0].error == __WASI_ERRNO_NOTCAPABLE);
	CHECK_OK(__wasi_fd_close(fd));
	DONE("poll");
}
