/* wasi/sock.c - sock_accept, sock_recv, sock_send, sock_shutdown.
 *
 * Preview1 cannot create sockets; the guest only gets the listening sockets preopened with
 * `--tcplisten` and the connections it accepts from them.  A non-socket fd gives ENOTSOCK
 * (checked before rights, as the wasi-testsuite expects), a closed one EBADF.  Sends use
 * MSG_NOSIGNAL so a peer hang-up is EPIPE, never a SIGPIPE.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include "ctx.h"

#define SOCKET_KINDS \
	(WASI_KIND(WASI_FILETYPE_SOCKET_STREAM) | WASI_KIND(WASI_FILETYPE_SOCKET_DGRAM))

/* fd lookup for socket calls: EBADF, then ENOTSOCK, then ENOTCAPABLE. */
static struct wasi_fd *sock_get(struct wasi_ctx *ctx, uint32_t fd, uint64_t need, uint32_t *err)
{
	return wasi_fd_get_kind(ctx, fd, SOCKET_KINDS, WASI_ENOTSOCK, need, err);
}

/* sock_accept(fd, flags: fdflags, out_fd: u32*) -> errno.  flags (only NONBLOCK) shape
 * the new socket, as with accept4(2); the call itself blocks unless the listener was made
 * non-blocking with fd_fdstat_set_flags.  Errors: EBADF, ENOTSOCK, ENOTCAPABLE
 * (SOCK_ACCEPT), EINVAL (other flags / not listening), EAGAIN (non-blocking listener,
 * nobody waiting), EFAULT, EMFILE.
 * https://github.com/WebAssembly/WASI/blob/main/legacy/preview1/docs.md#sock_accept */
uint32_t wasi_sock_accept(struct wasi_ctx *ctx, chibi_caller *c, const uint64_t *a)
{
	struct guest g = guest_of(c);
	uint32_t err, fl = ARG32(1), newfd;
	struct wasi_fd *f = sock_get(ctx, ARG32(0), WASI_RIGHT_SOCK_ACCEPT, &err);
	int h;

	if (!f)
		return err;
	if (fl & ~WASI_FDFLAG_NONBLOCK)
		return WASI_EINVAL;
	if (!guest_ok(&g, ARG32(2), 4))
		return WASI_EFAULT;
	h = accept4(f->host, NULL, NULL,
		    SOCK_CLOEXEC | ((fl & WASI_FDFLAG_NONBLOCK) ? SOCK_NONBLOCK : 0));
	if (h < 0)
		return wasi_errno(errno);
	err = wasi_fd_install(ctx, h, WASI_FILETYPE_SOCKET_STREAM, WASI_RIGHTS_SOCK,
			      WASI_RIGHTS_SOCK, false, &newfd);
	if (!err)
		guest_put_u32(&g, ARG32(2), newfd);
	return err;
}

/* The data move of sock_recv and sock_send: the guest's iovecs as one msghdr, one
 * recvmsg/sendmsg with host `flags`, the byte count stored at `out` (already checked), and
 * the host's msg_flags in *msg_flags (unless NULL).  Returns a WASI errno. */
static uint32_t sock_xfer(const struct guest *g, int host, bool sending, uint32_t iovs,
			  uint32_t n, int flags, uint32_t out, int *msg_flags)
{
	struct iovec small[WASI_SMALL_IOV], *iov;
	struct msghdr mh;
	uint32_t err;
	ssize_t r;
	int cnt;

	if ((err = wasi_iovecs(g, iovs, n, small, &iov, &cnt)))
		return err;
	memset(&mh, 0, sizeof(mh));
	mh.msg_iov = iov;
	mh.msg_iovlen = (size_t)cnt;
	r = sending ? sendmsg(host, &mh, flags) : recvmsg(host, &mh, flags);
	err = r < 0 ? wasi_errno(errno) : WASI_ESUCCESS;
	wasi_iovecs_done(iov, small);
	if (r >= 0)
		guest_put_u32(g, out, (uint32_t)r);
	if (msg_flags)
		*msg_flags = mh.msg_flags;
	return err;
}

/* sock_recv(fd, ri_data: iovec*, ri_data_len, ri_flags, out_len: u32*, out_flags: u16*)
 * -> errno.  ri_flags: RECV_PEEK, RECV_WAITALL; out_flags: RECV_DATA_TRUNCATED.
 * Errors: EBADF, ENOTSOCK, ENOTCAPABLE (FD_READ), EINVAL (unknown flags), EFAULT, EAGAIN,
 * ECONNRESET, ENOTCONN.
 * https://github.com/WebAssembly/WASI/blob/main/legacy/preview1/docs.md#sock_recv */
uint32_t wasi_sock_recv(struct wasi_ctx *ctx, chibi_caller *c, const uint64_t *a)
{
	struct guest g = guest_of(c);
	uint32_t err, rif = ARG32(3);
	struct wasi_fd *f = sock_get(ctx, ARG32(0), WASI_RIGHT_FD_READ, &err);
	int fl = 0, mfl;
	uint8_t *of;

	if (!f)
		return err;
	if (rif & ~(WASI_RIFLAG_RECV_PEEK | WASI_RIFLAG_RECV_WAITALL))
		return WASI_EINVAL;
	if (!guest_ok(&g, ARG32(4), 4) || !(of = guest_slice(&g, ARG32(5), 2)))
		return WASI_EFAULT;
	if (rif & WASI_RIFLAG_RECV_PEEK)
		fl |= MSG_PEEK;
	if (rif & WASI_RIFLAG_RECV_WAITALL)
		fl |= MSG_WAITALL;
	err = sock_xfer(&g, f->host, false, ARG32(1), ARG32(2), fl, ARG32(4), &mfl);
	if (!err)
		st_u16(of, (mfl & MSG_TRUNC) ? WASI_ROFLAG_RECV_DATA_TRUNCATED : 0);
	return err;
}

/* sock_send(fd, si_data: ciovec*, si_data_len, si_flags, out_len: u32*) -> errno.
 * si_flags has no defined bits and must be 0.  Errors: EBADF, ENOTSOCK, ENOTCAPABLE
 * (FD_WRITE), EINVAL, EFAULT, EAGAIN, EPIPE, ECONNRESET.
 * https://github.com/WebAssembly/WASI/blob/main/legacy/preview1/docs.md#sock_send */
uint32_t wasi_sock_send(struct wasi_ctx *ctx, chibi_caller *c, const uint64_t *a)
{
	struct guest g = guest_of(c);
	uint32_t err;
	struct wasi_fd *f = sock_get(ctx, ARG32(0), WASI_RIGHT_FD_WRITE, &err);

	if (!f)
		return err;
	if (ARG32(3) != 0)
		return WASI_EINVAL;
	if (!guest_ok(&g, ARG32(4), 4))
		return WASI_EFAULT;
	return sock_xfer(&g, f->host, true, ARG32(1), ARG32(2), MSG_NOSIGNAL, ARG32(4), NULL);
}

/* sock_shutdown(fd, how: sdflags) -> errno.  how is RD, WR or both.
 * Errors: EBADF, ENOTSOCK, ENOTCAPABLE (SOCK_SHUTDOWN), EINVAL (how), ENOTCONN.
 * https://github.com/WebAssembly/WASI/blob/main/legacy/preview1/docs.md#sock_shutdown */
uint32_t wasi_sock_shutdown(struct wasi_ctx *ctx, chibi_caller *c, const uint64_t *a)
{
	uint32_t err, how = ARG32(1);
	struct wasi_fd *f = sock_get(ctx, ARG32(0), WASI_RIGHT_SOCK_SHUTDOWN, &err);
	int h;

	if (!f)
		return err;
	switch (how) {
	case WASI_SDFLAG_RD:
		h = SHUT_RD;
		break;
	case WASI_SDFLAG_WR:
		h = SHUT_WR;
		break;
	case WASI_SDFLAG_RD | WASI_SDFLAG_WR:
		h = SHUT_RDWR;
		break;
	default:
		return WASI_EINVAL;
	}
	return shutdown(f->host, h) == 0 ? WASI_ESUCCESS : wasi_errno(errno);
}
