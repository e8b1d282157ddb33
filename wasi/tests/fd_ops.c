/* fd_ops.c - every fd_* function on regular files, stdio and preopens, with error paths.
 * Run as: chibi run --dir EMPTY::/work --dir EMPTY2::data fd_ops.wasm */
#include <stdlib.h>
#include "check.h"

#define DIR 3

static __wasi_errno_t wr(__wasi_fd_t fd, const char *s, __wasi_size_t *n)
{
	__wasi_ciovec_t iov = { (const uint8_t *)s, strlen(s) };

	return __wasi_fd_write(fd, &iov, 1, n);
}

int main(void)
{
	__wasi_prestat_t ps;
	__wasi_fdstat_t st;
	__wasi_filestat_t fs;
	__wasi_filesize_t off;
	__wasi_size_t n;
	__wasi_fd_t fd, fd2;
	uint8_t name[16], buf[64];
	__wasi_iovec_t iov[2];
	__wasi_ciovec_t ciov;

	/* Preopens: fd 3 "/work", fd 4 "data", nothing at 5. */
	CHECK_OK(__wasi_fd_prestat_get(DIR, &ps));
	CHECK(ps.tag == __WASI_PREOPENTYPE_DIR && ps.u.dir.pr_name_len == 5);
	CHECK_OK(__wasi_fd_prestat_dir_name(DIR, name, 5));
	CHECK(memcmp(name, "/work", 5) == 0);
	CHECK_ERR(__wasi_fd_prestat_dir_name(DIR, name, 4), __WASI_ERRNO_NAMETOOLONG);
	CHECK_ERR(__wasi_fd_prestat_dir_name(DIR, BAD_PTR, 5), __WASI_ERRNO_FAULT);
	CHECK_OK(__wasi_fd_prestat_get(4, &ps));
	CHECK(ps.u.dir.pr_name_len == 4);
	CHECK_ERR(__wasi_fd_prestat_get(5, &ps), __WASI_ERRNO_BADF);
	CHECK_ERR(__wasi_fd_prestat_get(1, &ps), __WASI_ERRNO_BADF);
	CHECK_ERR(__wasi_fd_prestat_get(DIR, BAD_PTR), __WASI_ERRNO_FAULT);
	CHECK_ERR(__wasi_fd_prestat_dir_name(1, name, 5), __WASI_ERRNO_BADF);

	/* fdstat of the preopen and of stdout. */
	CHECK_OK(__wasi_fd_fdstat_get(DIR, &st));
	CHECK(st.fs_filetype == __WASI_FILETYPE_DIRECTORY);
	CHECK(st.fs_rights_inheriting & __WASI_RIGHTS_FD_WRITE);
	CHECK_OK(__wasi_fd_fdstat_get(1, &st));
	CHECK_ERR(__wasi_fd_fdstat_get(DIR, BAD_PTR), __WASI_ERRNO_FAULT);
	CHECK_ERR(__wasi_fd_fdstat_get(77, &st), __WASI_ERRNO_BADF);
	CHECK_ERR(__wasi_fd_fdstat_get(0xffffffffu, &st), __WASI_ERRNO_BADF);

	/* Create, write with two iovecs, read back. */
	CHECK_OK(raw_open(DIR, "f.txt", __WASI_OFLAGS_CREAT | __WASI_OFLAGS_TRUNC, RIGHTS_ALL, 0,
			  &fd));
	CHECK(fd == 5);
	CHECK_OK(wr(fd, "hello ", &n));
	CHECK(n == 6);
	{
		__wasi_ciovec_t two[2] = { { (const uint8_t *)"wor", 3 }, { (const uint8_t *)"ld", 2 } };

		CHECK_OK(__wasi_fd_write(fd, two, 2, &n));
		CHECK(n == 5);
	}
	CHECK_OK(__wasi_fd_tell(fd, &off));
	CHECK(off == 11);
	CHECK_OK(__wasi_fd_seek(fd, 0, __WASI_WHENCE_SET, &off));
	CHECK(off == 0);
	iov[0].buf = buf;
	iov[0].buf_len = 5;
	iov[1].buf = buf + 5;
	iov[1].buf_len = 50;
	CHECK_OK(__wasi_fd_read(fd, iov, 2, &n));
	CHECK(n == 11 && memcmp(buf, "hello world", 11) == 0);
	CHECK_OK(__wasi_fd_read(fd, iov, 2, &n));
	CHECK(n == 0); /* EOF */
	CHECK_OK(__wasi_fd_seek(fd, -5, __WASI_WHENCE_END, &off));
	CHECK(off == 6);
	CHECK_OK(__wasi_fd_seek(fd, 2, __WASI_WHENCE_CUR, &off));
	CHECK(off == 8);
	CHECK_ERR(__wasi_fd_seek(fd, 0, 3, &off), __WASI_ERRNO_INVAL);
	CHECK_ERR(__wasi_fd_seek(fd, -100, __WASI_WHENCE_SET, &off), __WASI_ERRNO_INVAL);
	CHECK_ERR(__wasi_fd_seek(fd, 0, __WASI_WHENCE_SET, BAD_PTR), __WASI_ERRNO_FAULT);
	CHECK_ERR(__wasi_fd_tell(fd, BAD_PTR), __WASI_ERRNO_FAULT);

	/* Bad iovecs and out-pointers: EFAULT before anything moves. */
	iov[0].buf = BAD_PTR;
	iov[0].buf_len = 4;
	CHECK_ERR(__wasi_fd_read(fd, iov, 1, &n), __WASI_ERRNO_FAULT);
	CHECK_ERR(__wasi_fd_read(fd, BAD_PTR, 1, &n), __WASI_ERRNO_FAULT);
	iov[0].buf = buf;
	CHECK_ERR(__wasi_fd_read(fd, iov, 1, BAD_PTR), __WASI_ERRNO_FAULT);
	CHECK_OK(__wasi_fd_tell(fd, &off));
	CHECK(off == 8);
	ciov.buf = BAD_PTR;
	ciov.buf_len = 1;
	CHECK_ERR(__wasi_fd_write(fd, &ciov, 1, &n), __WASI_ERRNO_FAULT);
	CHECK_ERR(__wasi_fd_write(fd, (void *)0xfffffffcu, 1, &n), __WASI_ERRNO_FAULT);
	CHECK_ERR(wr(fd, "x", BAD_PTR), __WASI_ERRNO_FAULT);
	CHECK_ERR(wr(99, "x", &n), __WASI_ERRNO_BADF);

	/* pread / pwrite leave the offset alone. */
	ciov.buf = (const uint8_t *)"HE";
	ciov.buf_len = 2;
	CHECK_OK(__wasi_fd_pwrite(fd, &ciov, 1, 0, &n));
	CHECK(n == 2);
	iov[0].buf = buf;
	iov[0].buf_len = 4;
	CHECK_OK(__wasi_fd_pread(fd, iov, 1, 1, &n));
	CHECK(n == 4 && memcmp(buf, "Ello", 4) == 0);
	CHECK_OK(__wasi_fd_tell(fd, &off));
	CHECK(off == 8);
	CHECK_OK(__wasi_fd_pread(fd, iov, 1, 1000, &n));
	CHECK(n == 0);
	CHECK_ERR(__wasi_fd_pread(fd, iov, 1, 0x8000000000000000ull, &n), __WASI_ERRNO_INVAL);
	CHECK_ERR(__wasi_fd_pread(fd, iov, 1, 0, BAD_PTR), __WASI_ERRNO_FAULT);
	CHECK_ERR(__wasi_fd_pwrite(fd, &ciov, 1, 0, BAD_PTR), __WASI_ERRNO_FAULT);

	/* Stat, size, times. */
	CHECK_OK(__wasi_fd_filestat_get(fd, &fs));
	CHECK(fs.filetype == __WASI_FILETYPE_REGULAR_FILE && fs.size == 11 && fs.nlink == 1);
	CHECK_ERR(__wasi_fd_filestat_get(fd, BAD_PTR), __WASI_ERRNO_FAULT);
	CHECK_OK(__wasi_fd_filestat_set_size(fd, 3));
	CHECK_OK(__wasi_fd_filestat_get(fd, &fs));
	CHECK(fs.size == 3);
	CHECK_ERR(__wasi_fd_filestat_set_size(fd, 0x8000000000000000ull), __WASI_ERRNO_INVAL);
	CHECK_OK(__wasi_fd_filestat_set_times(fd, 1000000000ull * 1000000, 2000000000ull * 1000000 + 5,
					      __WASI_FSTFLAGS_ATIM | __WASI_FSTFLAGS_MTIM));
	CHECK_OK(__wasi_fd_filestat_get(fd, &fs));
	CHECK(fs.atim == 1000000000ull * 1000000);
	CHECK(fs.mtim == 2000000000ull * 1000000 + 5);
	CHECK_OK(__wasi_fd_filestat_set_times(fd, 0, 0, __WASI_FSTFLAGS_MTIM_NOW));
	CHECK_OK(__wasi_fd_filestat_get(fd, &fs));
	CHECK(fs.atim == 1000000000ull * 1000000); /* untouched */
	CHECK(fs.mtim > 1600000000ull * 1000000000ull);
	CHECK_ERR(__wasi_fd_filestat_set_times(fd, 1, 1,
					       __WASI_FSTFLAGS_ATIM | __WASI_FSTFLAGS_ATIM_NOW),
		  __WASI_ERRNO_INVAL);
	CHECK_ERR(__wasi_fd_filestat_set_times(fd, 1, 1,
					       __WASI_FSTFLAGS_MTIM | __WASI_FSTFLAGS_MTIM_NOW),
		  __WASI_ERRNO_INVAL);

	/* Allocate grows, advise accepts every advice and rejects others, sync works. */
	CHECK_OK(__wasi_fd_allocate(fd, 0, 4096));
	CHECK_OK(__wasi_fd_filestat_get(fd, &fs));
	CHECK(fs.size == 4096);
	CHECK_ERR(__wasi_fd_allocate(fd, 0, 0), __WASI_ERRNO_INVAL);
	for (int adv = 0; adv <= 5; adv++)
		CHECK_OK(__wasi_fd_advise(fd, 0, 100, adv));
	CHECK_ERR(__wasi_fd_advise(fd, 0, 100, 6), __WASI_ERRNO_INVAL);
	CHECK_OK(__wasi_fd_datasync(fd));
	CHECK_OK(__wasi_fd_sync(fd));
	CHECK_OK(__wasi_fd_sync(DIR));
	CHECK_ERR(__wasi_fd_sync(99), __WASI_ERRNO_BADF);
	CHECK_ERR(__wasi_fd_datasync(99), __WASI_ERRNO_BADF);
	CHECK_ERR(__wasi_fd_advise(99, 0, 0, 0), __WASI_ERRNO_BADF);
	CHECK_ERR(__wasi_fd_allocate(99, 0, 1), __WASI_ERRNO_BADF);

	/* Flags: APPEND on, writes land at the end; sync flags cannot change. */
	CHECK_OK(__wasi_fd_fdstat_get(fd, &st));
	CHECK(st.fs_filetype == __WASI_FILETYPE_REGULAR_FILE && st.fs_flags == 0);
	CHECK_OK(__wasi_fd_fdstat_set_flags(fd, __WASI_FDFLAGS_APPEND));
	CHECK_OK(__wasi_fd_fdstat_get(fd, &st));
	CHECK(st.fs_flags == __WASI_FDFLAGS_APPEND);
	CHECK_OK(__wasi_fd_seek(fd, 0, __WASI_WHENCE_SET, &off));
	CHECK_OK(wr(fd, "END", &n));
	CHECK_OK(__wasi_fd_tell(fd, &off));
	CHECK(off == 4099);
	CHECK_ERR(__wasi_fd_fdstat_set_flags(fd, __WASI_FDFLAGS_SYNC), __WASI_ERRNO_NOTSUP);
	CHECK_ERR(__wasi_fd_fdstat_set_flags(fd, 0x100), __WASI_ERRNO_INVAL);
	CHECK_OK(__wasi_fd_fdstat_set_flags(fd, 0));
	CHECK_OK(__wasi_fd_fdstat_set_flags(fd, __WASI_FDFLAGS_NONBLOCK));
	CHECK_OK(__wasi_fd_fdstat_get(fd, &st));
	CHECK(st.fs_flags == __WASI_FDFLAGS_NONBLOCK);

	/* Rights only shrink, and a dropped right is enforced. */
	CHECK_OK(__wasi_fd_fdstat_set_rights(fd, __WASI_RIGHTS_FD_READ | __WASI_RIGHTS_FD_SEEK |
						     __WASI_RIGHTS_FD_TELL,
					     0));
	CHECK_OK(__wasi_fd_fdstat_get(fd, &st));
	CHECK(st.fs_rights_base == (__WASI_RIGHTS_FD_READ | __WASI_RIGHTS_FD_SEEK |
				    __WASI_RIGHTS_FD_TELL) &&
	      st.fs_rights_inheriting == 0);
	CHECK_ERR(wr(fd, "x", &n), __WASI_ERRNO_NOTCAPABLE);
	CHECK_ERR(__wasi_fd_filestat_get(fd, &fs), __WASI_ERRNO_NOTCAPABLE);
	CHECK_ERR(__wasi_fd_filestat_set_size(fd, 0), __WASI_ERRNO_NOTCAPABLE);
	CHECK_ERR(__wasi_fd_filestat_set_times(fd, 0, 0, 0), __WASI_ERRNO_NOTCAPABLE);
	CHECK_ERR(__wasi_fd_allocate(fd, 0, 1), __WASI_ERRNO_NOTCAPABLE);
	CHECK_ERR(__wasi_fd_advise(fd, 0, 1, 0), __WASI_ERRNO_NOTCAPABLE);
	CHECK_ERR(__wasi_fd_sync(fd), __WASI_ERRNO_NOTCAPABLE);
	CHECK_ERR(__wasi_fd_datasync(fd), __WASI_ERRNO_NOTCAPABLE);
	CHECK_ERR(__wasi_fd_fdstat_set_flags(fd, 0), __WASI_ERRNO_NOTCAPABLE);
	CHECK_ERR(__wasi_fd_pwrite(fd, &ciov, 1, 0, &n), __WASI_ERRNO_NOTCAPABLE);
	/* A file is the wrong kind for fd_readdir whatever its rights. */
	CHECK_ERR(__wasi_fd_readdir(fd, buf, sizeof(buf), 0, &n), __WASI_ERRNO_NOTDIR);
	CHECK_ERR(__wasi_fd_fdstat_set_rights(fd, RIGHTS_ALL, 0), __WASI_ERRNO_NOTCAPABLE);
	CHECK_ERR(__wasi_fd_fdstat_set_rights(fd, 0, __WASI_RIGHTS_FD_READ),
		  __WASI_ERRNO_NOTCAPABLE);
	CHECK_OK(__wasi_fd_seek(fd, 0, __WASI_WHENCE_SET, &off));
	CHECK_OK(__wasi_fd_read(fd, iov, 1, &n));
	CHECK_OK(__wasi_fd_fdstat_set_rights(fd, __WASI_RIGHTS_FD_READ, 0));
	CHECK_ERR(__wasi_fd_seek(fd, 1, __WASI_WHENCE_SET, &off), __WASI_ERRNO_NOTCAPABLE);
	CHECK_ERR(__wasi_fd_tell(fd, &off), __WASI_ERRNO_NOTCAPABLE);
	CHECK_ERR(__wasi_fd_pread(fd, iov, 1, 0, &n), __WASI_ERRNO_NOTCAPABLE);
	CHECK_ERR(__wasi_fd_fdstat_set_rights(99, 0, 0), __WASI_ERRNO_BADF);

	/* A directory is not readable as a stream or seekable into entries (EBADF, as in
	 * wasmtime; rights.c checks every such call). */
	CHECK_ERR(__wasi_fd_read(DIR, iov, 1, &n), __WASI_ERRNO_BADF);

	/* Renumber: fd2 replaces fd (closing what fd held), fd2 becomes free. */
	CHECK_OK(raw_open(DIR, "f.txt", 0, RIGHTS_ALL, 0, &fd2));
	CHECK(fd2 == 6);
	CHECK_OK(__wasi_fd_renumber(fd2, fd));
	CHECK_ERR(__wasi_fd_close(fd2), __WASI_ERRNO_BADF);
	CHECK_OK(__wasi_fd_fdstat_get(fd, &st));
	CHECK(st.fs_rights_base == RIGHTS_ALL - 0 || (st.fs_rights_base & __WASI_RIGHTS_FD_WRITE));
	CHECK_OK(__wasi_fd_renumber(fd, fd));
	CHECK_ERR(__wasi_fd_renumber(fd, 42), __WASI_ERRNO_BADF);
	CHECK_ERR(__wasi_fd_renumber(42, fd), __WASI_ERRNO_BADF);
	CHECK_OK(__wasi_fd_close(fd));
	CHECK_ERR(__wasi_fd_close(fd), __WASI_ERRNO_BADF);
	CHECK_ERR(__wasi_fd_close(0xffffffffu), __WASI_ERRNO_BADF);
	/* The lowest free slot is reused. */
	CHECK_OK(raw_open(DIR, "f.txt", 0, RIGHTS_ALL, 0, &fd));
	CHECK(fd == 5);
	CHECK_OK(__wasi_fd_close(fd));

	/* EBADF from every fd call on a number that was never open. */
	iov[0].buf = buf;
	iov[0].buf_len = sizeof(buf);
	ciov.buf = (const uint8_t *)"x";
	ciov.buf_len = 1;
	CHECK_ERR(__wasi_fd_read(99, iov, 1, &n), __WASI_ERRNO_BADF);
	CHECK_ERR(__wasi_fd_pread(99, iov, 1, 0, &n), __WASI_ERRNO_BADF);
	CHECK_ERR(__wasi_fd_pwrite(99, &ciov, 1, 0, &n), __WASI_ERRNO_BADF);
	CHECK_ERR(__wasi_fd_seek(99, 0, __WASI_WHENCE_SET, &off), __WASI_ERRNO_BADF);
	CHECK_ERR(__wasi_fd_tell(99, &off), __WASI_ERRNO_BADF);
	CHECK_ERR(__wasi_fd_filestat_get(99, &fs), __WASI_ERRNO_BADF);
	CHECK_ERR(__wasi_fd_filestat_set_size(99, 0), __WASI_ERRNO_BADF);
	CHECK_ERR(__wasi_fd_filestat_set_times(99, 0, 0, 0), __WASI_ERRNO_BADF);
	CHECK_ERR(__wasi_fd_fdstat_set_flags(99, 0), __WASI_ERRNO_BADF);
	CHECK_ERR(__wasi_fd_readdir(99, buf, sizeof(buf), 0, &n), __WASI_ERRNO_BADF);

	/* set_size grows with zeros; pwrite at 2^63 is EINVAL; without FD_READ nothing reads. */
	CHECK_OK(raw_open(DIR, "g.bin", __WASI_OFLAGS_CREAT | __WASI_OFLAGS_TRUNC, RIGHTS_ALL, 0,
			  &fd));
	CHECK_OK(wr(fd, "ab", &n));
	CHECK_OK(__wasi_fd_filestat_set_size(fd, 10));
	CHECK_OK(__wasi_fd_filestat_get(fd, &fs));
	CHECK(fs.size == 10);
	memset(buf, 0x55, sizeof(buf));
	CHECK_OK(__wasi_fd_pread(fd, iov, 1, 0, &n));
	CHECK(n == 10 && memcmp(buf, "ab\0\0\0\0\0\0\0\0", 10) == 0);
	CHECK_OK(__wasi_fd_tell(fd, &off));
	CHECK(off == 2); /* growing does not move the offset */
	CHECK_ERR(__wasi_fd_pwrite(fd, &ciov, 1, 0x8000000000000000ull, &n), __WASI_ERRNO_INVAL);
	CHECK_OK(__wasi_fd_fdstat_set_rights(fd, __WASI_RIGHTS_FD_WRITE | __WASI_RIGHTS_FD_SEEK |
						     __WASI_RIGHTS_FD_TELL,
					     0));
	CHECK_ERR(__wasi_fd_read(fd, iov, 1, &n), __WASI_ERRNO_NOTCAPABLE);
	CHECK_ERR(__wasi_fd_pread(fd, iov, 1, 0, &n), __WASI_ERRNO_NOTCAPABLE);
	CHECK_OK(__wasi_fd_close(fd));

	/* Closing a preopen works; afterwards it is gone for good. */
	CHECK_OK(__wasi_fd_close(4));
	CHECK_ERR(__wasi_fd_prestat_get(4, &ps), __WASI_ERRNO_BADF);
	CHECK_ERR(raw_open(4, "x", 0, RIGHTS_ALL, 0, &fd), __WASI_ERRNO_BADF);
	DONE("fd_ops");
}
