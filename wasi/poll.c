/* wasi/poll.c - poll_oneoff: clock and fd-readiness subscriptions, several at once.
 *
 * Subscriptions are copied out of guest memory first (in and out may overlap), clocks become
 * one monotonic deadline, fds become a ppoll(2) set.  Regular files and directories are
 * always ready, as poll(2) says.  Per-subscription problems (bad fd, missing right, unknown
 * clock) are reported as events with an error, not as a failed call.  A signal (the
 * --timeout alarm) ends the wait with EINTR.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>
#include "ctx.h"

/* Most subscriptions one call may carry (far beyond any real program's needs). */
#define WASI_POLL_MAX (1u << 16)

struct sub {
	uint64_t userdata;
	uint64_t deadline;  /* clock: CLOCK_MONOTONIC ns */
	uint64_t nbytes;    /* fd: bytes available when known */
	uint16_t error;     /* set: report at once with this error */
	uint16_t flags;     /* event flags (HANGUP) */
	uint8_t type;       /* WASI_EVENTTYPE_* */
	bool ready;         /* fd known ready without polling (regular file) */
	int pidx;           /* index in the pollfd array, or -1 */
};

static uint64_t now_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return wasi_ts_ns(&ts);
}

static uint64_t sat_add(uint64_t a, uint64_t b)
{
	return a + b < a ? UINT64_MAX : a + b;
}

/* Fill a clock subscription's deadline (or error) from its guest record p (at +16). */
static void parse_clock(struct sub *s, const uint8_t *p, uint64_t mono)
{
	uint32_t id = ld_u32(p + 16);
	uint64_t timeout = ld_u64(p + 24);
	uint16_t fl = ld_u16(p + 40);
	bool abs = fl & WASI_SUBSCRIPTION_CLOCK_ABSTIME;

	if (fl & ~WASI_SUBSCRIPTION_CLOCK_ABSTIME) {
		s->error = WASI_EINVAL;
		return;
	}
	switch (id) {
	case WASI_CLOCK_MONOTONIC:
		s->deadline = abs ? timeout : sat_add(mono, timeout);
		break;
	case WASI_CLOCK_REALTIME:
		if (abs) {
			/* Convert once to the monotonic time line; a wall-clock jump during the
			 * wait is not tracked (good enough for sleeps). */
			uint64_t real = now_ns(CLOCK_REALTIME);

			s->deadline = timeout <= real ? mono : sat_add(mono, timeout - real);
		} else {
			s->deadline = sat_add(mono, timeout);
		}
		break;
	case WASI_CLOCK_PROCESS_CPUTIME_ID:
	case WASI_CLOCK_THREAD_CPUTIME_ID:
		s->error = WASI_ENOTSUP; /* no way to sleep on CPU time */
		break;
	default:
		s->error = WASI_EINVAL;
		break;
	}
}

/* Bytes readable now on host fd h (0 if unknown). */
static uint64_t readable_bytes(int h, uint8_t type)
{
	if (type == WASI_FILETYPE_REGULAR_FILE) {
		struct stat sb;
		off_t pos = lseek(h, 0, SEEK_CUR);

		if (fstat(h, &sb) == 0 && pos >= 0 && sb.st_size > pos)
			return (uint64_t)(sb.st_size - pos);
		return 0;
	} else {
		int n = 0;

		return ioctl(h, FIONREAD, &n) == 0 && n > 0 ? (uint64_t)n : 0;
	}
}

/* poll_oneoff(in: subscription*, out: event*, nsubscriptions, out_nevents: u32*) -> errno.
 * Waits until at least one subscription fires and reports every one that has.
 * Errors: EINVAL (no subscriptions, unknown subscription tag), EFAULT, ENOMEM, EINTR,
 * ENOTSUP (more than WASI_POLL_MAX subscriptions).
 * Per-event errors: EBADF (fd not open), ENOTCAPABLE (no FD_READ/FD_WRITE/POLL right),
 * EINVAL (unknown clock or flags), ENOTSUP (CPU-time clocks).
 * https://github.com/WebAssembly/WASI/blob/main/legacy/preview1/docs.md#poll_oneoff */
uint32_t wasi_poll_oneoff(struct wasi_ctx *ctx, chibi_caller *c, const uint64_t *a)
{
	struct guest g = guest_of(c);
	uint32_t n = ARG32(2), i, nev = 0, err = WASI_ESUCCESS;
	const uint8_t *in = guest_slice(&g, ARG32(0), (uint64_t)n * WASI_SUBSCRIPTION_SIZE);
	uint8_t *out = guest_slice(&g, ARG32(1), (uint64_t)n * WASI_EVENT_SIZE);
	uint64_t mono = now_ns(CLOCK_MONOTONIC), first = UINT64_MAX;
	struct pollfd *pfd = NULL;
	struct sub *subs = NULL;
	nfds_t npfd = 0;
	bool immediate = false;

	if (n == 0)
		return WASI_EINVAL;
	if (!in || !out || !guest_ok(&g, ARG32(3), 4))
		return WASI_EFAULT;
	if (n > WASI_POLL_MAX)
		return WASI_ENOTSUP; /* would make the host allocate gigabytes for one call */
	subs = vm_calloc(n, sizeof(*subs));
	pfd = vm_calloc(n, sizeof(*pfd));
	if (!subs || !pfd) {
		err = WASI_ENOMEM;
		goto out;
	}
	for (i = 0; i < n; i++) {
		const uint8_t *p = in + (size_t)i * WASI_SUBSCRIPTION_SIZE;
		struct sub *s = &subs[i];
		struct wasi_fd *f;
		uint32_t e;

		s->userdata = ld_u64(p);
		s->type = p[8];
		s->pidx = -1;
		s->deadline = UINT64_MAX;
		if (s->type == WASI_EVENTTYPE_CLOCK) {
			parse_clock(s, p, mono);
			if (!s->error && s->deadline < first)
				first = s->deadline;
		} else if (s->type == WASI_EVENTTYPE_FD_READ || s->type == WASI_EVENTTYPE_FD_WRITE) {
			bool rd = s->type == WASI_EVENTTYPE_FD_READ;

			f = wasi_fd_get(ctx, ld_u32(p + 16), 0, &e);
			if (!f) {
				s->error = (uint16_t)e;
			} else if (!(f->base & (WASI_RIGHT_POLL_FD_READWRITE |
						(rd ? WASI_RIGHT_FD_READ : WASI_RIGHT_FD_WRITE)))) {
				s->error = WASI_ENOTCAPABLE;
			} else if (f->type == WASI_FILETYPE_REGULAR_FILE ||
				   f->type == WASI_FILETYPE_DIRECTORY) {
				s->ready = true;
				s->nbytes = rd ? readable_bytes(f->host, f->type) : 0;
			} else {
				s->pidx = (int)npfd;
				pfd[npfd].fd = f->host;
				pfd[npfd].events = rd ? POLLIN : POLLOUT;
				npfd++;
			}
		} else {
			err = WASI_EINVAL;
			goto out;
		}
		if (s->error || s->ready)
			immediate = true;
	}

	for (;;) {
		struct timespec ts, *tp = NULL;
		int r;

		if (immediate) {
			ts.tv_sec = 0;
			ts.tv_nsec = 0;
			tp = &ts;
		} else if (first != UINT64_MAX) {
			uint64_t left = first > mono ? first - mono : 0;

			ts.tv_sec = (time_t)(left / 1000000000ull);
			ts.tv_nsec = (long)(left % 1000000000ull);
			tp = &ts;
		}
		r = ppoll(pfd, npfd, tp, NULL);
		if (r < 0) {
			err = wasi_errno(errno);
			goto out;
		}
		mono = now_ns(CLOCK_MONOTONIC);
		nev = 0;
		for (i = 0; i < n; i++) {
			struct sub *s = &subs[i];
			uint8_t *e = out + (size_t)nev * WASI_EVENT_SIZE;
			bool fire = s->error || s->ready;

			if (!fire && s->pidx >= 0 && pfd[s->pidx].revents) {
				short rev = pfd[s->pidx].revents;

				fire = true;
				if (rev & POLLNVAL)
					s->error = WASI_EBADF;
				if (rev & (POLLHUP | POLLERR))
					s->flags |= WASI_EVENT_FD_READWRITE_HANGUP;
				if (s->type == WASI_EVENTTYPE_FD_READ && !s->error)
					s->nbytes = readable_bytes(pfd[s->pidx].fd,
								   WASI_FILETYPE_UNKNOWN);
			}
			if (!fire && s->type == WASI_EVENTTYPE_CLOCK && s->deadline <= mono)
				fire = true;
			if (!fire)
				continue;
			memset(e, 0, WASI_EVENT_SIZE);
			st_u64(e + 0, s->userdata);
			st_u16(e + 8, s->error);
			st_u8(e + 10, s->type);
			if (s->type != WASI_EVENTTYPE_CLOCK) {
				st_u64(e + 16, s->nbytes);
				st_u16(e + 24, s->flags);
			}
			nev++;
		}
		if (nev)
			break;
		/* Woke early (timer slack, spurious readiness): wait for the rest. */
	}
	guest_put_u32(&g, ARG32(3), nev);
out:
	free(subs);
	free(pfd);
	return err;
}
