/* wasi/fd.c - the fd_* functions: I/O, seeking, stat, flags, rights, preopens, readdir.
 *
 * Each handler checks the guest fd and its rights (wasi_fd_get), checks every guest pointer
 * before any side effect (so a bad out-pointer never loses data already read), then makes
 * one host call.  Path-taking functions live in path.c, sockets in sock.c.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>
#include "ctx.h"

#define HOST_IOV_MAX 1024 /* Linux UIO_MAXIOV; more iovecs means a short transfer */

/* Every kind of fd but a directory. */
#define NOT_DIR (~WASI_KIND(WASI_FILETYPE_DIRECTORY))

/* Look up fd for a call that works on bytes (read, write, seek, sizes, advice, fd flags):
 * a directory answers EBADF whatever its rights, as wasmtime's preview1 does; POSIX would
 * let lseek() "succeed" on one.  Errors: EBADF, ENOTCAPABLE. */
static struct wasi_fd *file_get(struct wasi_ctx *ctx, uint32_t fd, uint64_t need,
				uint32_t *err)
{
	return wasi_fd_get_kind(ctx, fd, NOT_DIR, WASI_EBADF, need, err);
}

/* One entry of a cached directory listing. */
struct wasi_dent {
	uint64_t ino;
	uint8_t type;
	uint32_t namlen;
	char *name;
};

struct wasi_dirlist {
	struct wasi_dent *v;
	size_t n;
};

/* Gather guest iovecs; see ctx.h. */
uint32_t wasi_iovecs(const struct guest *g, uint32_t iovs, uint32_t n, struct iovec *small,
		     struct iovec **out_iov, int *out_n)
{
	const uint8_t *p = guest_slice(g, iovs, (uint64_t)n * WASI_IOVEC_SIZE);
	uint32_t cnt = n > HOST_IOV_MAX ? HOST_IOV_MAX : n, i;
	uint64_t total = 0;
	struct iovec *iov = small;

	*out_iov = NULL;
	*out_n = 0;
	if (!p)
		return WASI_EFAULT;
	/* printf-style writes use one or two iovecs: no allocation on the hot path. */
	if (cnt > WASI_SMALL_IOV && !(iov = vm_calloc(cnt, sizeof(*iov))))
		return WASI_ENOMEM;
	for (i = 0; i < cnt; i++) {
		uint32_t buf = ld_u32(p + (size_t)i * 8), len = ld_u32(p + (size_t)i * 8 + 4);
		uint8_t *b = guest_slice(g, buf, len);

		if (!b) {
			wasi_iovecs_done(iov, small);
			return WASI_EFAULT;
		}
		/* The guest learns the byte count as a u32: never move more than that. */
		if (total + len > UINT32_MAX)
			len = (uint32_t)(UINT32_MAX - total);
		iov[i].iov_base = b;
		iov[i].iov_len = len;
		total += len;
	}
	*out_iov = iov;
	*out_n = (int)cnt;
	return WASI_ESUCCESS;
}

/* Release what wasi_iovecs() returned (a no-op for the caller's small array). */
void wasi_iovecs_done(struct iovec *iov, struct iovec *small)
{
	if (iov != small)
		free(iov);
}

/* Write a filestat (64 bytes, layout in abi.h) for sb. */
void wasi_put_filestat(uint8_t *p, const struct stat *sb, uint8_t type)
{
	memset(p, 0, WASI_FILESTAT_SIZE);
	st_u64(p + 0, (uint64_t)sb->st_dev);
	st_u64(p + 8, (uint64_t)sb->st_ino);
	st_u8(p + 16, type);
	st_u64(p + 24, (uint64_t)sb->st_nlink);
	st_u64(p + 32, (uint64_t)sb->st_size);
	st_u64(p + 40, wasi_ts_ns(&sb->st_atim));
	st_u64(p + 48, wasi_ts_ns(&sb->st_mtim));
	st_u64(p + 56, wasi_ts_ns(&sb->st_ctim));
}

/* Timestamp in ns since the epoch; times before 1970 clamp to 0 (WASI timestamps are u64). */
uint64_t wasi_ts_ns(const struct timespec *ts)
{
	if (ts->tv_sec < 0)
		return 0;
	return (uint64_t)ts->tv_sec * 1000000000ull + (uint64_t)ts->tv_nsec;
}

/* fstflags + two timestamps -> utimensat() times.  Errors: EINVAL for a time given both as
 * a value and as "now", or unknown flag bits. */
uint32_t wasi_times(uint64_t atim, uint64_t mtim, uint32_t fl, struct timespec ts[2])
{
	if (fl & ~0xfu)
		return WASI_EINVAL;
	if (((fl & WASI_FSTFLAG_ATIM) && (fl & WASI_FSTFLAG_ATIM_NOW)) ||
	    ((fl & WASI_FSTFLAG_MTIM) && (fl & WASI_FSTFLAG_MTIM_NOW)))
		return WASI_EINVAL;
	ts[0].tv_sec = (time_t)(atim / 1000000000ull);
	ts[0].tv_nsec = (long)(atim % 1000000000ull);
	ts[1].tv_sec = (time_t)(mtim / 1000000000ull);
	ts[1].tv_nsec = (long)(mtim % 1000000000ull);
	if (fl & WASI_FSTFLAG_ATIM_NOW)
		ts[0].tv_nsec = UTIME_NOW;
	else if (!(fl & WASI_FSTFLAG_ATIM))
		ts[0].tv_nsec = UTIME_OMIT;
	if (fl & WASI_FSTFLAG_MTIM_NOW)
		ts[1].tv_nsec = UTIME_NOW;
	else if (!(fl & WASI_FSTFLAG_MTIM))
		ts[1].tv_nsec = UTIME_OMIT;
	return WASI_ESUCCESS;
}

/* fd_advise(fd, offset: u64, len: u64, advice: u8) -> errno.  Errors: EBADF (also a
 * directory), ENOTCAPABLE (FD_ADVISE), EINVAL (unknown advice / offsets beyond i64), ESPIPE
 * (pipe).
 * https://github.com/WebAssembly/WASI/blob/main/legacy/preview1/docs.md#fd_advise */
uint32_t wasi_fd_advise(struct wasi_ctx *ctx, chibi_caller *c, const uint64_t *a)
{
	static const int advice[] = { POSIX_FADV_NORMAL, POSIX_FADV_SEQUENTIAL,
				      POSIX_FADV_RANDOM, POSIX_FADV_WILLNEED,
				      POSIX_FADV_DONTNEED, POSIX_FADV_NOREUSE };
	uint32_t err, adv = ARG32(3);
	struct wasi_fd *f = file_get(ctx, ARG32(0), WASI_RIGHT_FD_ADVISE, &err);

	if (!f)
		return err;
	if (adv > WASI_ADVICE_NOREUSE || ARG64(1) > INT64_MAX || ARG64(2) > INT64_MAX)
		return WASI_EINVAL;
	return wasi_errno(posix_fadvise(f->host, (off_t)ARG64(1), (off_t)ARG64(2),
					advice[adv]));
}

/* fd_allocate(fd, offset: u64, len: u64) -> errno.  Ensures the range is backed by storage,
 * growing the file if needed, but never beyond ctx->max_file_size (EFBIG: a guest must not
 * be able to fill the host's disk with one call).  A failed call gives back what it grew:
 * the file is cut back to its old size, so ENOSPC leaves no allocated tail behind.
 * Errors: EBADF (not open, a directory), ENOTCAPABLE (FD_ALLOCATE), EINVAL, EFBIG, ENOSPC,
 * ESPIPE, ENODEV.
 * https://github.com/WebAssembly/WASI/blob/main/legacy/preview1/docs.md#fd_allocate */
uint32_t wasi_fd_allocate(struct wasi_ctx *ctx, chibi_caller *c, const uint64_t *a)
{
	uint32_t err;
	struct wasi_fd *f = file_get(ctx, ARG32(0), WASI_RIGHT_FD_ALLOCATE, &err);
	uint64_t off = ARG64(1), len = ARG64(2);
	struct stat sb;
	int r;

	if (!f)
		return err;
	if (off > INT64_MAX || len > INT64_MAX || off + len > INT64_MAX)
		return WASI_EFBIG;
	if (len == 0)
		return WASI_EINVAL;
	if (fstat(f->host, &sb) != 0)
		return wasi_errno(errno);
	if (!S_ISREG(sb.st_mode))
		return S_ISFIFO(sb.st_mode) || S_ISSOCK(sb.st_mode) ? WASI_ESPIPE : WASI_ENODEV;
	if (off + len > (uint64_t)sb.st_size && off + len > ctx->max_file_size)
		return WASI_EFBIG;
	r = posix_fallocate(f->host, (off_t)off, (off_t)len);
	if (r != 0 && off + len > (uint64_t)sb.st_size)
		/* Blocks the kernel allocated before running out are released with the tail;
		 * blocks filled inside the old size stay (they would have been the file's). */
		(void)!ftruncate(f->host, sb.st_size);
	return wasi_errno(r);
}

/* fd_close(fd) -> errno.  Preopens may be closed too.  Errors: EBADF.
 * https://github.com/WebAssembly/WASI/blob/main/legacy/preview1/docs.md#fd_close */
uint32_t wasi_fd_close(struct wasi_ctx *ctx, chibi_caller *c, const uint64_t *a)
{
	uint32_t err;

	if (!wasi_fd_get(ctx, ARG32(0), 0, &err))
		return err;
	wasi_fd_release(ctx, ARG32(0));
	return WASI_ESUCCESS;
}

/* fd_datasync and fd_sync: the same call but for the right it needs and the host flush. */
static uint32_t flush_fd(struct wasi_ctx *ctx, uint32_t fd, uint64_t need, int (*flush)(int))
{
	uint32_t err;
	struct wasi_fd *f = wasi_fd_get(ctx, fd, need, &err);

	if (!f)
		return err;
	return flush(f->host) == 0 ? WASI_ESUCCESS : wasi_errno(errno);
}

/* fd_datasync(fd) -> errno.  Errors: EBADF, ENOTCAPABLE (FD_DATASYNC), EINVAL (not
 * syncable, e.g. a tty), EIO.
 * https://github.com/WebAssembly/WASI/blob/main/legacy/preview1/docs.md#fd_datasync */
uint32_t wasi_fd_datasync(struct wasi_ctx *ctx, chibi_caller *c, const uint64_t *a)
{
	return flush_fd(ctx, ARG32(0), WASI_RIGHT_FD_DATASYNC, fdatasync);
}

/* Current WASI fdflags of a host fd. */
static uint16_t host_fdflags(int host)
{
	int fl = fcntl(host, F_GETFL);
	uint16_t r = 0;

	if (fl < 0)
		return 0;
	if (fl & O_APPEND)
		r |= WASI_FDFLAG_APPEND;
	if (fl & O_NONBLOCK)
		r |= WASI_FDFLAG_NONBLOCK;
	if ((fl & O_SYNC) == O_SYNC)
		r |= WASI_FDFLAG_SYNC;
	else if (fl & O_DSYNC)
		r |= WASI_FDFLAG_DSYNC;
	return r;
}

/* fd_fdstat_get(fd, out: fdstat*) -> errno.  Needs no right.  Errors: EBADF, EFAULT.
 * https://github.com/WebAssembly/WASI/blob/main/legacy/preview1/docs.md#fd_fdstat_get */
uint32_t wasi_fd_fdstat_get(struct wasi_ctx *ctx, chibi_caller *c, const uint64_t *a)
{
	struct guest g = guest_of(c);
	uint32_t err;
	struct wasi_fd *f = wasi_fd_get(ctx, ARG32(0), 0, &err);
	uint8_t *p;

	if (!f)
		return err;
	if (!(p = guest_slice(&g, ARG32(1), WASI_FDSTAT_SIZE)))
		return WASI_EFAULT;
	memset(p, 0, WASI_FDSTAT_SIZE);
	st_u8(p + 0, f->type);
	st_u16(p + 2, host_fdflags(f->host));
	st_u64(p + 8, f->base);
	st_u64(p + 16, f->inh);
	return WASI_ESUCCESS;
}

/* fd_fdstat_set_flags(fd, flags: fdflags) -> errno.  APPEND and NONBLOCK can change; the
 * sync flags are fixed at open on Linux, so asking to change them gives ENOTSUP.
 * Errors: EBADF (also a directory), ENOTCAPABLE (FD_FDSTAT_SET_FLAGS), EINVAL (unknown
 * bits), ENOTSUP.
 * https://github.com/WebAssembly/WASI/blob/main/legacy/preview1/docs.md#fd_fdstat_set_flags */
uint32_t wasi_fd_fdstat_set_flags(struct wasi_ctx *ctx, chibi_caller *c, const uint64_t *a)
{
	const uint32_t sync = WASI_FDFLAG_DSYNC | WASI_FDFLAG_RSYNC | WASI_FDFLAG_SYNC;
	uint32_t err, want = ARG32(1);
	struct wasi_fd *f = file_get(ctx, ARG32(0), WASI_RIGHT_FD_FDSTAT_SET_FLAGS, &err);
	int fl;

	if (!f)
		return err;
	if (want & ~WASI_FDFLAGS_ALL)
		return WASI_EINVAL;
	if ((want & sync) != (host_fdflags(f->host) & sync) &&
	    !((want & sync) == (WASI_FDFLAG_SYNC | WASI_FDFLAG_RSYNC) &&
	      (host_fdflags(f->host) & WASI_FDFLAG_SYNC)))
		return WASI_ENOTSUP;
	fl = fcntl(f->host, F_GETFL);
	if (fl < 0)
		return wasi_errno(errno);
	fl &= ~(O_APPEND | O_NONBLOCK);
	if (want & WASI_FDFLAG_APPEND)
		fl |= O_APPEND;
	if (want & WASI_FDFLAG_NONBLOCK)
		fl |= O_NONBLOCK;
	return fcntl(f->host, F_SETFL, fl) == 0 ? WASI_ESUCCESS : wasi_errno(errno);
}

/* fd_fdstat_set_rights(fd, base: u64, inheriting: u64) -> errno.  Rights only shrink.
 * Errors: EBADF, ENOTCAPABLE (asking for a right not held).
 * https://github.com/WebAssembly/WASI/blob/main/legacy/preview1/docs.md#fd_fdstat_set_rights */
uint32_t wasi_fd_fdstat_set_rights(struct wasi_ctx *ctx, chibi_caller *c, const uint64_t *a)
{
	uint32_t err;
	struct wasi_fd *f = wasi_fd_get(ctx, ARG32(0), 0, &err);

	if (!f)
		return err;
	if ((ARG64(1) & ~f->base) || (ARG64(2) & ~f->inh))
		return WASI_ENOTCAPABLE;
	f->base = ARG64(1);
	f->inh = ARG64(2);
	return WASI_ESUCCESS;
}

/* fd_filestat_get(fd, out: filestat*) -> errno.  Errors: EBADF, ENOTCAPABLE
 * (FD_FILESTAT_GET), EFAULT, EIO.
 * https://github.com/WebAssembly/WASI/blob/main/legacy/preview1/docs.md#fd_filestat_get */
uint32_t wasi_fd_filestat_get(struct wasi_ctx *ctx, chibi_caller *c, const uint64_t *a)
{
	struct guest g = guest_of(c);
	uint32_t err;
	struct wasi_fd *f = wasi_fd_get(ctx, ARG32(0), WASI_RIGHT_FD_FILESTAT_GET, &err);
	struct stat sb;
	uint8_t *p, type;

	if (!f)
		return err;
	if (!(p = guest_slice(&g, ARG32(1), WASI_FILESTAT_SIZE)))
		return WASI_EFAULT;
	if (fstat(f->host, &sb) != 0)
		return wasi_errno(errno);
	type = wasi_filetype(sb.st_mode);
	if (type == WASI_FILETYPE_SOCKET_STREAM || f->is_stdio)
		/* DGRAM vs STREAM as determined at install; stdio is the stream it was made */
		type = f->type;
	wasi_put_filestat(p, &sb, type);
	return WASI_ESUCCESS;
}

/* fd_filestat_set_size(fd, size: u64) -> errno.  Errors: EBADF (also a directory), ENOTCAPABLE
 * (FD_FILESTAT_SET_SIZE), EINVAL (not a regular file / size beyond i64), EFBIG.
 * https://github.com/WebAssembly/WASI/blob/main/legacy/preview1/docs.md#fd_filestat_set_size */
uint32_t wasi_fd_filestat_set_size(struct wasi_ctx *ctx, chibi_caller *c, const uint64_t *a)
{
	uint32_t err;
	struct wasi_fd *f = file_get(ctx, ARG32(0), WASI_RIGHT_FD_FILESTAT_SET_SIZE, &err);

	if (!f)
		return err;
	if (ARG64(1) > INT64_MAX)
		return WASI_EINVAL;
	return ftruncate(f->host, (off_t)ARG64(1)) == 0 ? WASI_ESUCCESS : wasi_errno(errno);
}

/* fd_filestat_set_times(fd, atim: u64, mtim: u64, fst_flags) -> errno.  Errors: EBADF,
 * ENOTCAPABLE (FD_FILESTAT_SET_TIMES), EINVAL (flag conflict), EPERM.
 * https://github.com/WebAssembly/WASI/blob/main/legacy/preview1/docs.md#fd_filestat_set_times */
uint32_t wasi_fd_filestat_set_times(struct wasi_ctx *ctx, chibi_caller *c, const uint64_t *a)
{
	uint32_t err;
	struct wasi_fd *f = wasi_fd_get(ctx, ARG32(0), WASI_RIGHT_FD_FILESTAT_SET_TIMES, &err);
	struct timespec ts[2];

	if (!f)
		return err;
	if ((err = wasi_times(ARG64(1), ARG64(2), ARG32(3), ts)) != WASI_ESUCCESS)
		return err;
	return futimens(f->host, ts) == 0 ? WASI_ESUCCESS : wasi_errno(errno);
}

/* Shared body of fd_read / fd_pread / fd_write / fd_pwrite. */
static uint32_t do_rw(struct wasi_ctx *ctx, chibi_caller *c, uint32_t fd, uint32_t iovs,
		      uint32_t n, bool positional, uint64_t off, uint32_t out, bool write)
{
	struct guest g = guest_of(c);
	uint64_t need = write ? WASI_RIGHT_FD_WRITE : WASI_RIGHT_FD_READ;
	struct iovec small[WASI_SMALL_IOV], *iov;
	struct wasi_fd *f;
	uint32_t err;
	ssize_t r;
	int cnt;

	if (positional)
		need |= WASI_RIGHT_FD_SEEK;
	if (!(f = file_get(ctx, fd, need, &err)))
		return err;
	if (!guest_ok(&g, out, 4))
		return WASI_EFAULT; /* before the transfer: data must never be lost */
	if (positional && off > INT64_MAX)
		return WASI_EINVAL;
	if ((err = wasi_iovecs(&g, iovs, n, small, &iov, &cnt)) != WASI_ESUCCESS)
		return err;
	if (write)
		r = positional ? pwritev(f->host, iov, cnt, (off_t)off) : writev(f->host, iov, cnt);
	else
		r = positional ? preadv(f->host, iov, cnt, (off_t)off) : readv(f->host, iov, cnt);
	err = r < 0 ? wasi_errno(errno) : WASI_ESUCCESS;
	wasi_iovecs_done(iov, small);
	if (r >= 0)
		guest_put_u32(&g, out, (uint32_t)r);
	return err;
}

/* fd_pread(fd, iovs, iovs_len, offset: u64, out_nread: u32*) -> errno.  Does not move the
 * file offset.  Errors: EBADF (also a directory), ENOTCAPABLE (FD_READ|FD_SEEK), EFAULT,
 * EINVAL, ESPIPE.
 * https://github.com/WebAssembly/WASI/blob/main/legacy/preview1/docs.md#fd_pread */
uint32_t wasi_fd_pread(struct wasi_ctx *ctx, chibi_caller *c, const uint64_t *a)
{
	return do_rw(ctx, c, ARG32(0), ARG32(1), ARG32(2), true, ARG64(3), ARG32(4), false);
}

/* fd_pwrite(fd, iovs, iovs_len, offset: u64, out_nwritten: u32*) -> errno.  Does not move
 * the file offset; on an O_APPEND fd Linux appends (the testsuite accepts either).
 * Errors: EBADF (also a directory), ENOTCAPABLE (FD_WRITE|FD_SEEK), EFAULT, EINVAL, ESPIPE,
 * ENOSPC, EFBIG.
 * https://github.com/WebAssembly/WASI/blob/main/legacy/preview1/docs.md#fd_pwrite */
uint32_t wasi_fd_pwrite(struct wasi_ctx *ctx, chibi_caller *c, const uint64_t *a)
{
	return do_rw(ctx, c, ARG32(0), ARG32(1), ARG32(2), true, ARG64(3), ARG32(4), true);
}

/* fd_read(fd, iovs, iovs_len, out_nread: u32*) -> errno.  Errors: EBADF (also a
 * directory), ENOTCAPABLE (FD_READ), EFAULT, EAGAIN (non-blocking), EINTR (interrupted by
 * --timeout), EIO.
 * https://github.com/WebAssembly/WASI/blob/main/legacy/preview1/docs.md#fd_read */
uint32_t wasi_fd_read(struct wasi_ctx *ctx, chibi_caller *c, const uint64_t *a)
{
	return do_rw(ctx, c, ARG32(0), ARG32(1), ARG32(2), false, 0, ARG32(3), false);
}

/* fd_write(fd, iovs, iovs_len, out_nwritten: u32*) -> errno.  Unbuffered: goes straight to
 * the host fd, so nothing is lost on proc_exit or a trap.  Errors: EBADF (also a
 * directory), ENOTCAPABLE (FD_WRITE), EFAULT, EAGAIN, EPIPE, ENOSPC, EFBIG, EIO.
 * https://github.com/WebAssembly/WASI/blob/main/legacy/preview1/docs.md#fd_write */
uint32_t wasi_fd_write(struct wasi_ctx *ctx, chibi_caller *c, const uint64_t *a)
{
	return do_rw(ctx, c, ARG32(0), ARG32(1), ARG32(2), false, 0, ARG32(3), true);
}

/* fd lookup for the fd_prestat_* calls: only a preopened directory has a prestat; any other
 * open fd is EBADF too, which is where wasi-libc's startup scan of fds 3, 4, ... stops.
 * Needs no right. */
static struct wasi_fd *preopen_get(struct wasi_ctx *ctx, uint32_t fd, uint32_t *err)
{
	struct wasi_fd *f = wasi_fd_get(ctx, fd, 0, err);

	if (f && !f->preopen) {
		*err = WASI_EBADF;
		return NULL;
	}
	return f;
}

/* fd_prestat_get(fd, out: prestat*) -> errno.  Errors: EBADF (not a preopened directory:
 * wasi-libc's startup scan stops there), EFAULT.
 * https://github.com/WebAssembly/WASI/blob/main/legacy/preview1/docs.md#fd_prestat_get */
uint32_t wasi_fd_prestat_get(struct wasi_ctx *ctx, chibi_caller *c, const uint64_t *a)
{
	struct guest g = guest_of(c);
	uint32_t err;
	struct wasi_fd *f = preopen_get(ctx, ARG32(0), &err);
	uint8_t *p;

	if (!f)
		return err;
	if (!(p = guest_slice(&g, ARG32(1), WASI_PRESTAT_SIZE)))
		return WASI_EFAULT;
	memset(p, 0, WASI_PRESTAT_SIZE);
	st_u8(p, WASI_PREOPENTYPE_DIR);
	st_u32(p + 4, (uint32_t)strlen(f->preopen));
	return WASI_ESUCCESS;
}

/* fd_prestat_dir_name(fd, path: u8*, path_len) -> errno.  Writes the name without a NUL.
 * Errors: EBADF (not a preopen), ENAMETOOLONG (buffer shorter than the name), EFAULT.
 * https://github.com/WebAssembly/WASI/blob/main/legacy/preview1/docs.md#fd_prestat_dir_name */
uint32_t wasi_fd_prestat_dir_name(struct wasi_ctx *ctx, chibi_caller *c, const uint64_t *a)
{
	struct guest g = guest_of(c);
	uint32_t err;
	struct wasi_fd *f = preopen_get(ctx, ARG32(0), &err);
	size_t len;
	uint8_t *p;

	if (!f)
		return err;
	len = strlen(f->preopen);
	if (ARG32(2) < len)
		return WASI_ENAMETOOLONG;
	if (!(p = guest_slice(&g, ARG32(1), len)))
		return WASI_EFAULT;
	memcpy(p, f->preopen, len);
	return WASI_ESUCCESS;
}

/* Free a cached fd_readdir listing. NULL is a no-op. */
void wasi_dirlist_free(struct wasi_dirlist *d)
{
	size_t i;

	if (!d)
		return;
	for (i = 0; i < d->n; i++)
		free(d->v[i].name);
	free(d->v);
	free(d);
}

/* Read the whole directory behind `host` into a new listing (NULL + errno on failure). */
static struct wasi_dirlist *dirlist_load(int host, int *err)
{
	struct wasi_dirlist *l = vm_calloc(1, sizeof(*l));
	size_t cap = 0;
	struct dirent *de;
	struct stat self;
	DIR *d = NULL;
	int fd;

	*err = ENOMEM;
	if (!l)
		return NULL;
	/* A fresh open description: rewinding the guest's own fd would move its offset. */
	fd = openat(host, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || !(d = fdopendir(fd))) {
		*err = errno;
		if (fd >= 0)
			close(fd);
		goto fail;
	}
	/* ".." of a preopen is outside the sandbox: like wasmtime, every ".." entry carries the
	 * directory's own inode, and its parent is never looked at (no fstatat below). */
	if (fstat(fd, &self) != 0) {
		*err = errno;
		goto fail_dir;
	}
	errno = 0;
	while ((de = readdir(d))) {
		struct wasi_dent *e;
		struct stat sb;
		bool dotdot = !strcmp(de->d_name, "..");

		if (l->n == cap) {
			size_t ncap = cap ? cap * 2 : 32;
			struct wasi_dent *v = vm_realloc(l->v, ncap, sizeof(*v));

			if (!v)
				goto fail_dir;
			l->v = v;
			cap = ncap;
		}
		e = &l->v[l->n];
		e->name = vm_strdup(de->d_name);
		if (!e->name)
			goto fail_dir;
		e->namlen = (uint32_t)strlen(e->name);
		e->ino = dotdot ? self.st_ino : de->d_ino;
		switch (dotdot ? DT_DIR : de->d_type) {
		case DT_BLK: e->type = WASI_FILETYPE_BLOCK_DEVICE; break;
		case DT_CHR: e->type = WASI_FILETYPE_CHARACTER_DEVICE; break;
		case DT_DIR: e->type = WASI_FILETYPE_DIRECTORY; break;
		case DT_REG: e->type = WASI_FILETYPE_REGULAR_FILE; break;
		case DT_LNK: e->type = WASI_FILETYPE_SYMBOLIC_LINK; break;
		case DT_SOCK: e->type = WASI_FILETYPE_SOCKET_STREAM; break;
		case DT_UNKNOWN:
			/* Some file systems leave d_type out: ask, without following. */
			e->type = fstatat(dirfd(d), de->d_name, &sb, AT_SYMLINK_NOFOLLOW) == 0
					  ? wasi_filetype(sb.st_mode)
					  : WASI_FILETYPE_UNKNOWN;
			break;
		default: e->type = WASI_FILETYPE_UNKNOWN; break;
		}
		l->n++;
		errno = 0;
	}
	if (errno) {
		*err = errno;
		closedir(d);
		goto fail;
	}
	closedir(d);
	return l;
fail_dir:
	closedir(d);
fail:
	wasi_dirlist_free(l);
	return NULL;
}

/* fd_readdir(fd, buf, buf_len, cookie: u64, out_bufused: u32*) -> errno.
 * Entries are dirent headers (24 bytes) each followed by the name; the last one is cut at
 * buf_len, and bufused == buf_len tells wasi-libc to retry with a bigger buffer from that
 * cookie.  Cookie k means "start at entry k"; d_next of entry k is k+1.  The listing is read
 * once when cookie == 0 and cached on the fd, so cookies stay stable across calls.
 * Errors: EBADF, ENOTCAPABLE (FD_READDIR), ENOTDIR, EFAULT, ENOMEM, EIO.
 * https://github.com/WebAssembly/WASI/blob/main/legacy/preview1/docs.md#fd_readdir */
uint32_t wasi_fd_readdir(struct wasi_ctx *ctx, chibi_caller *c, const uint64_t *a)
{
	struct guest g = guest_of(c);
	uint32_t err, len = ARG32(2), used = 0;
	struct wasi_fd *f = wasi_fd_get_kind(ctx, ARG32(0), WASI_KIND(WASI_FILETYPE_DIRECTORY),
					     WASI_ENOTDIR, WASI_RIGHT_FD_READDIR, &err);
	uint64_t k, cookie = ARG64(3);
	uint8_t *p;

	if (!f)
		return err;
	if (!(p = guest_slice(&g, ARG32(1), len)) || !guest_ok(&g, ARG32(4), 4))
		return WASI_EFAULT;
	if (cookie == 0 || !f->dir) {
		int e;
		struct wasi_dirlist *l = dirlist_load(f->host, &e);

		if (!l)
			return wasi_errno(e);
		wasi_dirlist_free(f->dir);
		f->dir = l;
	}
	for (k = cookie; k < f->dir->n && used < len; k++) {
		const struct wasi_dent *e = &f->dir->v[k];
		uint8_t hdr[WASI_DIRENT_SIZE];
		uint32_t n;

		memset(hdr, 0, sizeof(hdr));
		st_u64(hdr + 0, k + 1);
		st_u64(hdr + 8, e->ino);
		st_u32(hdr + 16, e->namlen);
		st_u8(hdr + 20, e->type);
		n = len - used < WASI_DIRENT_SIZE ? len - used : WASI_DIRENT_SIZE;
		memcpy(p + used, hdr, n);
		used += n;
		n = len - used < e->namlen ? len - used : e->namlen;
		memcpy(p + used, e->name, n);
		used += n;
	}
	guest_put_u32(&g, ARG32(4), used);
	return WASI_ESUCCESS;
}

/* fd_renumber(fd, to) -> errno.  Atomically replaces `to` with `fd` (closing what `to` held)
 * and frees `fd`.  Both must be open.  Errors: EBADF.
 * https://github.com/WebAssembly/WASI/blob/main/legacy/preview1/docs.md#fd_renumber */
uint32_t wasi_fd_renumber(struct wasi_ctx *ctx, chibi_caller *c, const uint64_t *a)
{
	uint32_t err, from = ARG32(0), to = ARG32(1);

	if (!wasi_fd_get(ctx, from, 0, &err) || !wasi_fd_get(ctx, to, 0, &err))
		return err;
	if (from == to)
		return WASI_ESUCCESS;
	wasi_fd_release(ctx, to);
	ctx->fds[to] = ctx->fds[from];
	memset(&ctx->fds[from], 0, sizeof(ctx->fds[from]));
	ctx->fds[from].host = -1;
	return WASI_ESUCCESS;
}

/* The end of fd_seek and fd_tell: check the u64 out-pointer before moving (EFAULT must not
 * leave the offset changed), lseek, store the new offset. */
static uint32_t seek_and_report(const struct guest *g, int host, off_t off, int whence,
				uint32_t out)
{
	off_t r;

	if (!guest_ok(g, out, 8))
		return WASI_EFAULT;
	if ((r = lseek(host, off, whence)) < 0)
		return wasi_errno(errno);
	guest_put_u64(g, out, (uint64_t)r);
	return WASI_ESUCCESS;
}

/* fd_seek(fd, offset: i64, whence: u8, out_newoffset: u64*) -> errno.  (0, CUR) needs only
 * FD_TELL, as the spec allows.  Errors: EBADF (also a directory), ENOTCAPABLE (FD_SEEK),
 * EINVAL (bad whence or negative result), ESPIPE (pipe, socket, tty), EFAULT.
 * https://github.com/WebAssembly/WASI/blob/main/legacy/preview1/docs.md#fd_seek */
uint32_t wasi_fd_seek(struct wasi_ctx *ctx, chibi_caller *c, const uint64_t *a)
{
	static const int host_whence[] = { SEEK_SET, SEEK_CUR, SEEK_END }; /* by WASI_WHENCE_* */
	struct guest g = guest_of(c);
	int64_t off = (int64_t)ARG64(1);
	uint32_t err, whence = ARG32(2);
	uint64_t need = (off == 0 && whence == WASI_WHENCE_CUR) ? WASI_RIGHT_FD_TELL
								: WASI_RIGHT_FD_SEEK;
	struct wasi_fd *f;

	if (!(f = file_get(ctx, ARG32(0), 0, &err)))
		return err;
	if (!(f->base & need) && !(f->base & WASI_RIGHT_FD_SEEK))
		return WASI_ENOTCAPABLE;
	if (whence > WASI_WHENCE_END)
		return WASI_EINVAL;
	return seek_and_report(&g, f->host, (off_t)off, host_whence[whence], ARG32(3));
}

/* fd_sync(fd) -> errno.  Errors: EBADF, ENOTCAPABLE (FD_SYNC), EINVAL, EIO.
 * https://github.com/WebAssembly/WASI/blob/main/legacy/preview1/docs.md#fd_sync */
uint32_t wasi_fd_sync(struct wasi_ctx *ctx, chibi_caller *c, const uint64_t *a)
{
	return flush_fd(ctx, ARG32(0), WASI_RIGHT_FD_SYNC, fsync);
}

/* fd_tell(fd, out_offset: u64*) -> errno.  Errors: EBADF (also a directory), ENOTCAPABLE
 * (FD_TELL), ESPIPE, EFAULT.
 * https://github.com/WebAssembly/WASI/blob/main/legacy/preview1/docs.md#fd_tell */
uint32_t wasi_fd_tell(struct wasi_ctx *ctx, chibi_caller *c, const uint64_t *a)
{
	struct guest g = guest_of(c);
	uint32_t err;
	struct wasi_fd *f = file_get(ctx, ARG32(0), WASI_RIGHT_FD_TELL, &err);

	if (!f)
		return err;
	return seek_and_report(&g, f->host, 0, SEEK_CUR, ARG32(1));
}
