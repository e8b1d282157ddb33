/* wasi/errno.c - host errno -> WASI errno, the one mapping table; host mode -> filetype.
 *
 * Every handler reports host failures through wasi_errno(), so a Linux errno reaches the
 * guest the same way from every function.  Unknown host errnos become WASI_EIO rather than
 * leaking a meaningless number.
 */
#include <errno.h>
#include <sys/stat.h>
#include "ctx.h"

/* Sorted by host errno name for reading; looked up by linear scan (errors are rare). */
static const struct {
	int host;
	uint16_t wasi;
} errno_map[] = {
	{ E2BIG, WASI_E2BIG },
	{ EACCES, WASI_EACCES },
	{ EADDRINUSE, WASI_EADDRINUSE },
	{ EADDRNOTAVAIL, WASI_EADDRNOTAVAIL },
	{ EAFNOSUPPORT, WASI_EAFNOSUPPORT },
	{ EAGAIN, WASI_EAGAIN },            /* == EWOULDBLOCK on Linux */
	{ EALREADY, WASI_EALREADY },
	{ EBADF, WASI_EBADF },
	{ EBADMSG, WASI_EBADMSG },
	{ EBUSY, WASI_EBUSY },
	{ ECANCELED, WASI_ECANCELED },
	{ ECHILD, WASI_ECHILD },
	{ ECONNABORTED, WASI_ECONNABORTED },
	{ ECONNREFUSED, WASI_ECONNREFUSED },
	{ ECONNRESET, WASI_ECONNRESET },
	{ EDEADLK, WASI_EDEADLK },
	{ EDESTADDRREQ, WASI_EDESTADDRREQ },
	{ EDOM, WASI_EDOM },
	{ EDQUOT, WASI_EDQUOT },
	{ EEXIST, WASI_EEXIST },
	{ EFAULT, WASI_EFAULT },
	{ EFBIG, WASI_EFBIG },
	{ EHOSTUNREACH, WASI_EHOSTUNREACH },
	{ EIDRM, WASI_EIDRM },
	{ EILSEQ, WASI_EILSEQ },
	{ EINPROGRESS, WASI_EINPROGRESS },
	{ EINTR, WASI_EINTR },
	{ EINVAL, WASI_EINVAL },
	{ EIO, WASI_EIO },
	{ EISCONN, WASI_EISCONN },
	{ EISDIR, WASI_EISDIR },
	{ ELOOP, WASI_ELOOP },
	{ EMFILE, WASI_EMFILE },
	{ EMLINK, WASI_EMLINK },
	{ EMSGSIZE, WASI_EMSGSIZE },
	{ EMULTIHOP, WASI_EMULTIHOP },
	{ ENAMETOOLONG, WASI_ENAMETOOLONG },
	{ ENETDOWN, WASI_ENETDOWN },
	{ ENETRESET, WASI_ENETRESET },
	{ ENETUNREACH, WASI_ENETUNREACH },
	{ ENFILE, WASI_ENFILE },
	{ ENOBUFS, WASI_ENOBUFS },
	{ ENODEV, WASI_ENODEV },
	{ ENOENT, WASI_ENOENT },
	{ ENOEXEC, WASI_ENOEXEC },
	{ ENOLCK, WASI_ENOLCK },
	{ ENOLINK, WASI_ENOLINK },
	{ ENOMEM, WASI_ENOMEM },
	{ ENOMSG, WASI_ENOMSG },
	{ ENOPROTOOPT, WASI_ENOPROTOOPT },
	{ ENOSPC, WASI_ENOSPC },
	{ ENOSYS, WASI_ENOSYS },
	{ ENOTCONN, WASI_ENOTCONN },
	{ ENOTDIR, WASI_ENOTDIR },
	{ ENOTEMPTY, WASI_ENOTEMPTY },
	{ ENOTRECOVERABLE, WASI_ENOTRECOVERABLE },
	{ ENOTSOCK, WASI_ENOTSOCK },
	{ ENOTSUP, WASI_ENOTSUP },          /* == EOPNOTSUPP on Linux */
	{ ENOTTY, WASI_ENOTTY },
	{ ENXIO, WASI_ENXIO },
	{ EOVERFLOW, WASI_EOVERFLOW },
	{ EOWNERDEAD, WASI_EOWNERDEAD },
	{ EPERM, WASI_EPERM },
	{ EPIPE, WASI_EPIPE },
	{ EPROTO, WASI_EPROTO },
	{ EPROTONOSUPPORT, WASI_EPROTONOSUPPORT },
	{ EPROTOTYPE, WASI_EPROTOTYPE },
	{ ERANGE, WASI_ERANGE },
	{ EROFS, WASI_EROFS },
	{ ESPIPE, WASI_ESPIPE },
	{ ESRCH, WASI_ESRCH },
	{ ESTALE, WASI_ESTALE },
	{ ETIMEDOUT, WASI_ETIMEDOUT },
	{ ETXTBSY, WASI_ETXTBSY },
	{ EXDEV, WASI_EXDEV },
	{ SB_ESCAPE, WASI_ENOTCAPABLE },    /* the sandbox refused to leave a preopen */
};

/* Map a host errno (positive or negated) to the WASI errno.  0 -> WASI_ESUCCESS; anything
 * unknown -> WASI_EIO. */
uint32_t wasi_errno(int host_errno)
{
	size_t i;

	if (host_errno < 0)
		host_errno = -host_errno;
	if (host_errno == 0)
		return WASI_ESUCCESS;
	for (i = 0; i < sizeof(errno_map) / sizeof(errno_map[0]); i++)
		if (errno_map[i].host == host_errno)
			return errno_map[i].wasi;
	return WASI_EIO;
}

/* WASI filetype for a host st_mode.  FIFOs have no preview1 type and report UNKNOWN (as
 * wasmtime does); sockets report SOCKET_STREAM (the only kind chibi hands out). */
uint8_t wasi_filetype(mode_t mode)
{
	switch (mode & S_IFMT) {
	case S_IFBLK:
		return WASI_FILETYPE_BLOCK_DEVICE;
	case S_IFCHR:
		return WASI_FILETYPE_CHARACTER_DEVICE;
	case S_IFDIR:
		return WASI_FILETYPE_DIRECTORY;
	case S_IFREG:
		return WASI_FILETYPE_REGULAR_FILE;
	case S_IFSOCK:
		return WASI_FILETYPE_SOCKET_STREAM;
	case S_IFLNK:
		return WASI_FILETYPE_SYMBOLIC_LINK;
	default:
		return WASI_FILETYPE_UNKNOWN;
	}
}
