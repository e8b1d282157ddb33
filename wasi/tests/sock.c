/* sock.c - sock_accept, sock_recv, sock_send, sock_shutdown on a --tcplisten socket.
 * Run as: chibi run --tcplisten 127.0.0.1:PORT sock.wasm, while a client connects, sends
 * "ping", expects "pong" and closes. */
#include "check.h"

#define LISTEN 3

int main(void)
{
	__wasi_fdstat_t st;
	__wasi_prestat_t ps;
	__wasi_fd_t c;
	__wasi_size_t n;
	__wasi_roflags_t rof;
	uint8_t buf[16];
	__wasi_iovec_t iov = { buf, sizeof(buf) };
	__wasi_ciovec_t ciov = { (const uint8_t *)"pong", 4 };

	CHECK_OK(__wasi_fd_fdstat_get(LISTEN, &st));
	CHECK(st.fs_filetype == __WASI_FILETYPE_SOCKET_STREAM);
	CHECK(st.fs_rights_base & __WASI_RIGHTS_SOCK_ACCEPT);
	CHECK_ERR(__wasi_fd_prestat_get(LISTEN, &ps), __WASI_ERRNO_BADF);

	/* Not a socket / not open / bad flags. */
	CHECK_ERR(__wasi_sock_accept(1, 0, &c), __WASI_ERRNO_NOTSOCK);
	CHECK_ERR(__wasi_sock_accept(99, 0, &c), __WASI_ERRNO_BADF);
	CHECK_ERR(__wasi_sock_accept(LISTEN, __WASI_FDFLAGS_APPEND, &c), __WASI_ERRNO_INVAL);
	CHECK_ERR(__wasi_sock_accept(LISTEN, 0, BAD_PTR), __WASI_ERRNO_FAULT);
	CHECK_ERR(__wasi_sock_recv(1, &iov, 1, 0, &n, &rof), __WASI_ERRNO_NOTSOCK);
	CHECK_ERR(__wasi_sock_send(1, &ciov, 1, 0, &n), __WASI_ERRNO_NOTSOCK);
	CHECK_ERR(__wasi_sock_shutdown(1, __WASI_SDFLAGS_WR), __WASI_ERRNO_NOTSOCK);
	CHECK_ERR(__wasi_sock_recv(99, &iov, 1, 0, &n, &rof), __WASI_ERRNO_BADF);
	CHECK_ERR(__wasi_sock_send(99, &ciov, 1, 0, &n), __WASI_ERRNO_BADF);
	CHECK_ERR(__wasi_sock_shutdown(99, __WASI_SDFLAGS_WR), __WASI_ERRNO_BADF);

	/* Serve one client. */
	CHECK_OK(__wasi_sock_accept(LISTEN, 0, &c));
	CHECK(c == 4);
	CHECK_OK(__wasi_fd_fdstat_get(c, &st));
	CHECK(st.fs_filetype == __WASI_FILETYPE_SOCKET_STREAM);
	CHECK(!(st.fs_rights_base & __WASI_RIGHTS_SOCK_ACCEPT));
	CHECK_ERR(__wasi_sock_recv(c, &iov, 1, 4, &n, &rof), __WASI_ERRNO_INVAL);
	CHECK_ERR(__wasi_sock_recv(c, &iov, 1, 0, BAD_PTR, &rof), __WASI_ERRNO_FAULT);
	CHECK_ERR(__wasi_sock_recv(c, &iov, 1, 0, &n, BAD_PTR), __WASI_ERRNO_FAULT);
	iov.buf_len = 4;
	CHECK_OK(__wasi_sock_recv(c, &iov, 1, __WASI_RIFLAGS_RECV_PEEK | __WASI_RIFLAGS_RECV_WAITALL,
				  &n, &rof));
	CHECK(n == 4 && memcmp(buf, "ping", 4) == 0 && rof == 0);
	CHECK_OK(__wasi_sock_recv(c, &iov, 1, __WASI_RIFLAGS_RECV_WAITALL, &n, &rof));
	CHECK(n == 4 && memcmp(buf, "ping", 4) == 0);
	CHECK_ERR(__wasi_sock_send(c, &ciov, 1, 1, &n), __WASI_ERRNO_INVAL);
	CHECK_ERR(__wasi_sock_send(c, &ciov, 1, 0, BAD_PTR), __WASI_ERRNO_FAULT);
	CHECK_OK(__wasi_sock_send(c, &ciov, 1, 0, &n));
	CHECK(n == 4);
	CHECK_ERR(__wasi_sock_shutdown(c, 0), __WASI_ERRNO_INVAL);
	CHECK_ERR(__wasi_sock_shutdown(c, 4), __WASI_ERRNO_INVAL);
	CHECK_OK(__wasi_sock_shutdown(c, __WASI_SDFLAGS_WR));
	/* The client closes after reading "pong": end of stream. */
	iov.buf_len = sizeof(buf);
	CHECK_OK(__wasi_sock_recv(c, &iov, 1, 0, &n, &rof));
	CHECK(n == 0);
	{
		/* After both sides shut down Linux may already call it unconnected. */
		__wasi_errno_t e = __wasi_sock_shutdown(c, __WASI_SDFLAGS_RD | __WASI_SDFLAGS_WR);

		CHECK(e == 0 || e == __WASI_ERRNO_NOTCONN);
	}
	CHECK_OK(__wasi_fd_close(c));

	/* Nobody else is waiting: on a non-blocking listener accept says so.  (The accept
	 * flags only shape the new socket, as with accept4.) */
	CHECK_OK(__wasi_fd_fdstat_set_flags(LISTEN, __WASI_FDFLAGS_NONBLOCK));
	CHECK_ERR(__wasi_sock_accept(LISTEN, __WASI_FDFLAGS_NONBLOCK, &c), __WASI_ERRNO_AGAIN);
	DONE("sock");
}
