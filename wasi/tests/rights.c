/* rights.c - directory fds, the rights rules of path_open, stdio as a stream, fd_allocate's
 * bound.  The rules are listed in wasi/README.md ("Rights"); each has checks here.
 *
 * Run as (see run-guests.sh):
 *   chibi run --dir EMPTY::/work --dir RO::/ro:ro rights.wasm          directories + rules
 *   chibi run rights.wasm stdio < DIR >> LOG                            stdio is a stream
 *   chibi run rights.wasm nonblock exit|trap|return < PIPE              flags put back
 *   chibi run --max-file-size 1MiB --dir EMPTY::/work rights.wasm alloc  fd_allocate bound
 *   chibi run --dir TINYFS::/work rights.wasm enospc                    failed allocate undone
 */
#include <stdlib.h>
#include "check.h"

#define DIR 3
#define RO 4

/* What fd_fdstat_get reports for fd. */
static __wasi_fdstat_t fdstat(__wasi_fd_t fd)
{
	__wasi_fdstat_t st;

	memset(&st, 0xff, sizeof(st));
	if (__wasi_fd_fdstat_get(fd, &st) != 0)
		memset(&st, 0xff, sizeof(st));
	return st;
}

static __wasi_filesize_t size_of(__wasi_fd_t fd)
{
	__wasi_filestat_t fs;

	memset(&fs, 0, sizeof(fs));
	if (__wasi_fd_filestat_get(fd, &fs) != 0)
		return ~0ull;
	return fs.size;
}

/* Rights that only make sense on a file / only on a directory. */
#define FILE_ONLY                                                                        \
	(__WASI_RIGHTS_FD_READ | __WASI_RIGHTS_FD_WRITE | __WASI_RIGHTS_FD_SEEK |          \
	 __WASI_RIGHTS_FD_TELL | __WASI_RIGHTS_FD_ALLOCATE | __WASI_RIGHTS_FD_ADVISE |     \
	 __WASI_RIGHTS_FD_FILESTAT_SET_SIZE | __WASI_RIGHTS_FD_FDSTAT_SET_FLAGS)
#define DIR_ONLY                                                                         \
	(__WASI_RIGHTS_PATH_OPEN | __WASI_RIGHTS_FD_READDIR | __WASI_RIGHTS_PATH_CREATE_FILE | \
	 __WASI_RIGHTS_PATH_CREATE_DIRECTORY | __WASI_RIGHTS_PATH_UNLINK_FILE |            \
	 __WASI_RIGHTS_PATH_FILESTAT_GET | __WASI_RIGHTS_PATH_SYMLINK)

/* Every byte-oriented fd_* call on a directory fd answers EBADF (wasmtime's answer); the
 * calls that make sense on a directory work. */
static void directory_calls(__wasi_fd_t d)
{
	uint8_t buf[8];
	__wasi_iovec_t iov = { buf, sizeof(buf) };
	__wasi_ciovec_t ciov = { buf, sizeof(buf) };
	__wasi_filesize_t off = 12345;
	__wasi_filestat_t fs;
	__wasi_size_t n;

	CHECK_ERR(__wasi_fd_seek(d, 0, __WASI_WHENCE_CUR, &off), __WASI_ERRNO_BADF);
	CHECK_ERR(__wasi_fd_seek(d, 5, __WASI_WHENCE_SET, &off), __WASI_ERRNO_BADF);
	CHECK(off == 12345);
	CHECK_ERR(__wasi_fd_tell(d, &off), __WASI_ERRNO_BADF);
	CHECK_ERR(__wasi_fd_read(d, &iov, 1, &n), __WASI_ERRNO_BADF);
	CHECK_ERR(__wasi_fd_write(d, &ciov, 1, &n), __WASI_ERRNO_BADF);
	CHECK_ERR(__wasi_fd_pread(d, &iov, 1, 0, &n), __WASI_ERRNO_BADF);
	CHECK_ERR(__wasi_fd_pwrite(d, &ciov, 1, 0, &n), __WASI_ERRNO_BADF);
	CHECK_ERR(__wasi_fd_allocate(d, 0, 4096), __WASI_ERRNO_BADF);
	CHECK_ERR(__wasi_fd_filestat_set_size(d, 0), __WASI_ERRNO_BADF);
	CHECK_ERR(__wasi_fd_advise(d, 0, 0, __WASI_ADVICE_NORMAL), __WASI_ERRNO_BADF);
	CHECK_ERR(__wasi_fd_fdstat_set_flags(d, __WASI_FDFLAGS_NONBLOCK), __WASI_ERRNO_BADF);
	CHECK_ERR(__wasi_fd_fdstat_set_flags(d, __WASI_FDFLAGS_APPEND), __WASI_ERRNO_BADF);
	CHECK_OK(__wasi_fd_sync(d));
	CHECK_OK(__wasi_fd_datasync(d));
	CHECK_OK(__wasi_fd_filestat_get(d, &fs));
	CHECK(fs.filetype == __WASI_FILETYPE_DIRECTORY);
	CHECK_OK(__wasi_fd_filestat_set_times(d, 0, 0, __WASI_FSTFLAGS_MTIM_NOW));
	CHECK(fdstat(d).fs_flags == 0);
}

/* The rules of wasi/README.md, "Rights", in order. */
static void rules(void)
{
	__wasi_fdstat_t pre = fdstat(DIR), st;
	__wasi_fd_t fd, fd2;
	__wasi_size_t n;
	__wasi_ciovec_t ciov = { (const uint8_t *)"x", 1 };

	/* 1. A preopen holds directory rights and passes on directory + file rights. */
	CHECK(pre.fs_filetype == __WASI_FILETYPE_DIRECTORY);
	CHECK((pre.fs_rights_base & DIR_ONLY) == DIR_ONLY);
	CHECK((pre.fs_rights_base & FILE_ONLY) == 0);
	CHECK((pre.fs_rights_inheriting & (FILE_ONLY | DIR_ONLY)) == (FILE_ONLY | DIR_ONLY));

	/* 2. Requested rights are masked, never refused: "." asked for with exactly what the
	 * preopen reports, with all rights, or with none, opens (with and without
	 * O_DIRECTORY). */
	CHECK_OK(__wasi_path_open(DIR, 0, ".", 0, pre.fs_rights_base, pre.fs_rights_inheriting, 0,
				  &fd));
	st = fdstat(fd);
	CHECK(st.fs_filetype == __WASI_FILETYPE_DIRECTORY);
	CHECK(st.fs_rights_base == pre.fs_rights_base);
	CHECK(st.fs_rights_inheriting == pre.fs_rights_inheriting);
	directory_calls(fd);
	CHECK_OK(__wasi_fd_close(fd));
	CHECK_OK(__wasi_path_open(DIR, 0, ".", __WASI_OFLAGS_DIRECTORY, pre.fs_rights_base,
				  pre.fs_rights_inheriting, 0, &fd));
	CHECK_OK(__wasi_fd_close(fd));
	CHECK_OK(__wasi_path_open(DIR, 0, ".", 0, RIGHTS_ALL, RIGHTS_ALL, 0, &fd));
	st = fdstat(fd);
	CHECK((st.fs_rights_base & FILE_ONLY) == 0);
	CHECK(st.fs_rights_base == pre.fs_rights_base);
	CHECK_OK(__wasi_fd_close(fd));
	CHECK_OK(__wasi_path_open(DIR, 0, ".", 0, 0, 0, 0, &fd));
	st = fdstat(fd);
	CHECK(st.fs_rights_base == 0 && st.fs_rights_inheriting == 0);
	/* ... and an fd without PATH_OPEN opens nothing. */
	CHECK_ERR(__wasi_path_open(fd, 0, ".", 0, 0, 0, 0, &fd2), __WASI_ERRNO_NOTCAPABLE);
	CHECK_OK(__wasi_fd_close(fd));
	CHECK_OK(__wasi_path_open(DIR, 0, ".", __WASI_OFLAGS_DIRECTORY, 0, 0, 0, &fd));
	CHECK_OK(__wasi_fd_close(fd));
	/* O_TRUNC on a directory is still refused: masking is no licence to truncate. */
	CHECK_ERR(__wasi_path_open(DIR, 0, ".", __WASI_OFLAGS_TRUNC, RIGHTS_ALL, 0, 0, &fd),
		  __WASI_ERRNO_ISDIR);

	/* 3. A file gets file rights only: asking for everything drops the path rights. */
	CHECK_OK(raw_open(DIR, "all.txt", __WASI_OFLAGS_CREAT, RIGHTS_ALL, 0, &fd));
	st = fdstat(fd);
	CHECK(st.fs_filetype == __WASI_FILETYPE_REGULAR_FILE);
	CHECK((st.fs_rights_base & FILE_ONLY) == FILE_ONLY);
	CHECK((st.fs_rights_base & DIR_ONLY) == 0);
	CHECK_ERR(__wasi_fd_readdir(fd, (uint8_t *)&st, 8, 0, &n), __WASI_ERRNO_NOTDIR);
	CHECK_OK(__wasi_fd_close(fd));

	/* 4. fdflags need no right: APPEND|SYNC with just read/write/filestat rights. */
	CHECK_OK(__wasi_path_open(DIR, 0, "sync.txt", __WASI_OFLAGS_CREAT,
				  __WASI_RIGHTS_FD_READ | __WASI_RIGHTS_FD_WRITE |
					  __WASI_RIGHTS_PATH_FILESTAT_GET,
				  0, __WASI_FDFLAGS_APPEND | __WASI_FDFLAGS_SYNC, &fd));
	st = fdstat(fd);
	CHECK(st.fs_rights_base == (__WASI_RIGHTS_FD_READ | __WASI_RIGHTS_FD_WRITE));
	CHECK((st.fs_flags & (__WASI_FDFLAGS_APPEND | __WASI_FDFLAGS_SYNC)) ==
	      (__WASI_FDFLAGS_APPEND | __WASI_FDFLAGS_SYNC));
	CHECK_OK(__wasi_fd_write(fd, &ciov, 1, &n));
	CHECK_OK(__wasi_fd_close(fd));
	CHECK_OK(raw_open(DIR, "sync.txt", 0, __WASI_RIGHTS_FD_READ,
			  __WASI_FDFLAGS_DSYNC | __WASI_FDFLAGS_RSYNC, &fd));
	CHECK_OK(__wasi_fd_close(fd));

	/* 5. What the parent does not pass on is masked away, even when asked for. */
	CHECK_OK(__wasi_path_open(DIR, 0, ".", __WASI_OFLAGS_DIRECTORY, RIGHTS_ALL,
				  __WASI_RIGHTS_FD_READ, 0, &fd));
	CHECK_OK(raw_open(fd, "all.txt", 0, RIGHTS_ALL, 0, &fd2));
	CHECK(fdstat(fd2).fs_rights_base == __WASI_RIGHTS_FD_READ);
	CHECK_ERR(__wasi_fd_write(fd2, &ciov, 1, &n), __WASI_ERRNO_NOTCAPABLE);
	CHECK_OK(__wasi_fd_close(fd2));
	CHECK_OK(__wasi_fd_close(fd));

	/* 6. The directory's own rights gate the call: PATH_OPEN, PATH_CREATE_FILE for CREAT,
	 * PATH_FILESTAT_SET_SIZE for TRUNC. */
	CHECK_OK(__wasi_path_open(DIR, 0, ".", __WASI_OFLAGS_DIRECTORY,
				  __WASI_RIGHTS_PATH_OPEN, RIGHTS_ALL, 0, &fd));
	CHECK_OK(raw_open(fd, "all.txt", 0, RIGHTS_ALL, 0, &fd2));
	CHECK_OK(__wasi_fd_close(fd2));
	CHECK_ERR(raw_open(fd, "new.txt", __WASI_OFLAGS_CREAT, RIGHTS_ALL, 0, &fd2),
		  __WASI_ERRNO_NOTCAPABLE);
	CHECK_ERR(raw_open(fd, "all.txt", __WASI_OFLAGS_TRUNC, RIGHTS_ALL, 0, &fd2),
		  __WASI_ERRNO_NOTCAPABLE);
	CHECK_OK(__wasi_fd_close(fd));

	/* 7. Rights only shrink. */
	CHECK_OK(raw_open(DIR, "all.txt", 0, __WASI_RIGHTS_FD_READ, 0, &fd));
	CHECK_ERR(__wasi_fd_fdstat_set_rights(fd, __WASI_RIGHTS_FD_READ | __WASI_RIGHTS_FD_WRITE,
					      0),
		  __WASI_ERRNO_NOTCAPABLE);
	CHECK_OK(__wasi_fd_fdstat_set_rights(fd, 0, 0));
	CHECK_OK(__wasi_fd_close(fd));

	/* 8. A read-only preopen holds and passes on no mutating right. */
	pre = fdstat(RO);
	CHECK(!(pre.fs_rights_base & __WASI_RIGHTS_PATH_CREATE_FILE));
	CHECK(!(pre.fs_rights_inheriting & __WASI_RIGHTS_FD_WRITE));
	CHECK_OK(__wasi_path_open(RO, 0, ".", 0, RIGHTS_ALL, RIGHTS_ALL, 0, &fd));
	CHECK(!(fdstat(fd).fs_rights_base & __WASI_RIGHTS_PATH_CREATE_FILE));
	CHECK_OK(__wasi_fd_close(fd));
	CHECK_ERR(raw_open(RO, "x", __WASI_OFLAGS_CREAT, RIGHTS_ALL, 0, &fd),
		  __WASI_ERRNO_NOTCAPABLE);
}

/* 9. Stdio is a character stream whatever the host object is.  Run with stdin a
 * directory and stdout appended to a log: nothing path-relative, no size, times,
 * allocation or seeking. */
static int stdio(void)
{
	const __wasi_rights_t stream = __WASI_RIGHTS_FD_READ | __WASI_RIGHTS_FD_WRITE |
				       __WASI_RIGHTS_FD_FDSTAT_SET_FLAGS |
				       __WASI_RIGHTS_FD_FILESTAT_GET |
				       __WASI_RIGHTS_POLL_FD_READWRITE;
	__wasi_filesize_t off;
	__wasi_filestat_t fs;
	__wasi_fd_t fd;
	__wasi_size_t n;
	uint8_t buf[64];
	int i;

	for (i = 0; i < 3; i++) {
		__wasi_fdstat_t st = fdstat(i);

		CHECK(st.fs_rights_base == stream);
		CHECK(st.fs_rights_inheriting == 0);
		CHECK(st.fs_filetype != __WASI_FILETYPE_DIRECTORY &&
		      st.fs_filetype != __WASI_FILETYPE_REGULAR_FILE);
		CHECK_ERR(__wasi_fd_filestat_set_size(i, 0), __WASI_ERRNO_NOTCAPABLE);
		CHECK_ERR(__wasi_fd_filestat_set_times(i, 0, 0, __WASI_FSTFLAGS_MTIM_NOW),
			  __WASI_ERRNO_NOTCAPABLE);
		CHECK_ERR(__wasi_fd_allocate(i, 0, 1 << 20), __WASI_ERRNO_NOTCAPABLE);
		CHECK_ERR(__wasi_fd_seek(i, 0, __WASI_WHENCE_SET, &off), __WASI_ERRNO_NOTCAPABLE);
		CHECK_ERR(__wasi_fd_tell(i, &off), __WASI_ERRNO_NOTCAPABLE);
		CHECK_ERR(__wasi_fd_advise(i, 0, 0, __WASI_ADVICE_NORMAL), __WASI_ERRNO_NOTCAPABLE);
		CHECK_OK(__wasi_fd_filestat_get(i, &fs));
		CHECK(fs.filetype == st.fs_filetype);
	}
	/* stdin is a directory on the host: still no path calls through it. */
	CHECK_ERR(raw_open(0, "etc/passwd", 0, __WASI_RIGHTS_FD_READ, 0, &fd), __WASI_ERRNO_NOTDIR);
	CHECK_ERR(raw_open(0, ".", __WASI_OFLAGS_CREAT, RIGHTS_ALL, 0, &fd), __WASI_ERRNO_NOTDIR);
	CHECK_ERR(__wasi_path_create_directory(0, "made-by-guest"), __WASI_ERRNO_NOTDIR);
	CHECK_ERR(__wasi_path_unlink_file(0, "keep"), __WASI_ERRNO_NOTDIR);
	CHECK_ERR(__wasi_fd_readdir(0, buf, sizeof(buf), 0, &n), __WASI_ERRNO_NOTDIR);
	CHECK_ERR(__wasi_fd_prestat_get(0, (__wasi_prestat_t *)buf), __WASI_ERRNO_BADF);
	DONE("rights stdio");
}

/* 10. fd_fdstat_set_flags on stdin is undone when chibi exits, however the guest ends. */
static int nonblock(const char *how)
{
	CHECK_OK(__wasi_fd_fdstat_set_flags(0, __WASI_FDFLAGS_NONBLOCK));
	CHECK(fdstat(0).fs_flags & __WASI_FDFLAGS_NONBLOCK);
	printf("rights nonblock: %d checks, %d failed\n", checks, failed);
	fflush(stdout);
	if (strcmp(how, "exit") == 0)
		__wasi_proc_exit(3);
	if (strcmp(how, "trap") == 0)
		__builtin_trap();
	return failed ? 1 : 0;
}

/* 11. fd_allocate is bounded by --max-file-size (run with 1MiB). */
static int alloc(void)
{
	__wasi_fd_t fd;

	CHECK_OK(raw_open(DIR, "big", __WASI_OFLAGS_CREAT, RIGHTS_ALL, 0, &fd));
	CHECK_ERR(__wasi_fd_allocate(fd, 0, 1ull << 40), __WASI_ERRNO_FBIG);
	CHECK(size_of(fd) == 0);
	CHECK_ERR(__wasi_fd_allocate(fd, 0, 2 << 20), __WASI_ERRNO_FBIG);
	CHECK_ERR(__wasi_fd_allocate(fd, (1 << 20) - 10, 11), __WASI_ERRNO_FBIG);
	CHECK(size_of(fd) == 0);
	CHECK_OK(__wasi_fd_allocate(fd, 0, 1 << 20));
	CHECK(size_of(fd) == 1 << 20);
	/* Within the current size nothing grows, so nothing is refused. */
	CHECK_OK(__wasi_fd_allocate(fd, 4096, 4096));
	CHECK_OK(__wasi_fd_close(fd));
	DONE("rights alloc");
}

/* 12. An allocation the file system cannot satisfy leaves the file as it was (run on a
 * tiny tmpfs with --max-file-size above its size). */
static int enospc(void)
{
	__wasi_fd_t fd;

	CHECK_OK(raw_open(DIR, "big", __WASI_OFLAGS_CREAT, RIGHTS_ALL, 0, &fd));
	CHECK_OK(__wasi_fd_allocate(fd, 0, 4096));
	CHECK_ERR(__wasi_fd_allocate(fd, 0, 64 << 20), __WASI_ERRNO_NOSPC);
	CHECK(size_of(fd) == 4096);
	CHECK_OK(__wasi_fd_close(fd));
	DONE("rights enospc");
}

/* 13. Started with stdin closed, a preopen and a listening socket: fd 0 stays closed, the
 * preopen is fd 3 and the socket fd 4. */
static int closed(void)
{
	__wasi_fdstat_t st;

	CHECK_ERR(__wasi_fd_fdstat_get(0, &st), __WASI_ERRNO_BADF);
	CHECK(fdstat(DIR).fs_filetype == __WASI_FILETYPE_DIRECTORY);
	CHECK(fdstat(4).fs_filetype == __WASI_FILETYPE_SOCKET_STREAM);
	CHECK_OK(__wasi_fd_fdstat_get(1, &st));
	DONE("rights closed");
}

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "stdio") == 0)
		return stdio();
	if (argc > 2 && strcmp(argv[1], "nonblock") == 0)
		return nonblock(argv[2]);
	if (argc > 1 && strcmp(argv[1], "alloc") == 0)
		return alloc();
	if (argc > 1 && strcmp(argv[1], "enospc") == 0)
		return enospc();
	if (argc > 1 && strcmp(argv[1], "closed") == 0)
		return closed();
	directory_calls(DIR);
	rules();
	DONE("rights");
}
