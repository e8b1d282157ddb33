/* sandbox.c - escape attempts that must fail with the right errno (the runner then checks
 * that the host side is untouched), plus a read-only preopen that must stay read-only.
 * Run by run-guests.sh with its fixture: --dir T/box::/box --dir T/ro::/ro:ro */
#include <stdlib.h>
#include "check.h"

#define BOX 3
#define RO 4
#define FOLLOW __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW
#define NOTCAP __WASI_ERRNO_NOTCAPABLE

static __wasi_errno_t open_ro(__wasi_fd_t dir, const char *p, __wasi_lookupflags_t lf,
			      __wasi_fd_t *fd)
{
	return __wasi_path_open(dir, lf, p, 0, __WASI_RIGHTS_FD_READ, 0, 0, fd);
}

int main(void)
{
	__wasi_filestat_t fs;
	__wasi_fdstat_t st;
	__wasi_fd_t fd;
	__wasi_size_t n;
	uint8_t buf[64];
	__wasi_iovec_t iov = { buf, sizeof(buf) };
	__wasi_ciovec_t ciov = { (const uint8_t *)"pwned", 5 };
	static const char *escapes[] = {
		"..", "../", "../outside/secret.txt", "./../outside/secret.txt",
		"sub/../../outside/secret.txt", "sub/../sub/../../outside", "etc_link/passwd",
		"etc_link", "up", "up/outside/secret.txt", "outside_link", "sub/uplink",
		"sub/uplink/secret.txt", "rel_out", "sub/./../../x",
	};
	unsigned i;

	/* Absolute paths, `..` above the root and symlinks leading out: ENOTCAPABLE for
	 * every opening call. */
	CHECK_ERR(raw_path_open(BOX, FOLLOW, (int32_t)"/etc/passwd", 11, 0, __WASI_RIGHTS_FD_READ,
				0, 0, (int32_t)&fd),
		  NOTCAP);
	CHECK_ERR(open_ro(BOX, "/", FOLLOW, &fd), NOTCAP);
	CHECK_OK(__wasi_path_symlink("../outside/secret.txt", BOX, "rel_out"));
	for (i = 0; i < sizeof(escapes) / sizeof(escapes[0]); i++) {
		__wasi_errno_t e = open_ro(BOX, escapes[i], FOLLOW, &fd);

		if (e != NOTCAP)
			printf("escape '%s' -> %d\n", escapes[i], e);
		CHECK_ERR(e, NOTCAP);
		CHECK_ERR(__wasi_path_filestat_get(BOX, FOLLOW, escapes[i], &fs), NOTCAP);
	}
	/* Not following the final link is fine: it is inside. */
	CHECK_OK(__wasi_path_filestat_get(BOX, 0, "etc_link", &fs));
	CHECK(fs.filetype == __WASI_FILETYPE_SYMBOLIC_LINK);
	CHECK_ERR(open_ro(BOX, "outside_link", 0, &fd), __WASI_ERRNO_LOOP);
	CHECK_OK(__wasi_path_readlink(BOX, "etc_link", buf, sizeof(buf), &n));
	CHECK(n == 4 && memcmp(buf, "/etc", 4) == 0);
	CHECK_ERR(__wasi_path_readlink(BOX, "../outside/secret.txt", buf, sizeof(buf), &n), NOTCAP);
	CHECK_ERR(__wasi_path_readlink(BOX, "etc_link/passwd", buf, sizeof(buf), &n), NOTCAP);

	/* Loops and chains. */
	CHECK_ERR(open_ro(BOX, "loop1", FOLLOW, &fd), __WASI_ERRNO_LOOP);
	CHECK_ERR(open_ro(BOX, "loop1/x", FOLLOW, &fd), __WASI_ERRNO_LOOP);
	CHECK_ERR(__wasi_path_filestat_get(BOX, FOLLOW, "loop2", &fs), __WASI_ERRNO_LOOP);
	CHECK_OK(open_ro(BOX, "chain1", FOLLOW, &fd));
	CHECK_OK(__wasi_fd_read(fd, &iov, 1, &n));
	CHECK(n == 4 && memcmp(buf, "real", 4) == 0);
	CHECK_OK(__wasi_fd_close(fd));
	CHECK_OK(open_ro(BOX, "sub/../real.txt", FOLLOW, &fd));
	CHECK_OK(__wasi_fd_close(fd));
	CHECK_OK(open_ro(BOX, "sub/inlink/real.txt", FOLLOW, &fd)); /* sub/inlink -> .. */
	CHECK_OK(__wasi_fd_close(fd));
	CHECK_OK(open_ro(BOX, ".", FOLLOW, &fd));
	CHECK_OK(__wasi_fd_close(fd));
	CHECK_ERR(open_ro(BOX, "", FOLLOW, &fd), __WASI_ERRNO_NOENT);

	/* Mutations aimed outside. */
	CHECK_ERR(__wasi_path_create_directory(BOX, "../newdir"), NOTCAP);
	CHECK_ERR(__wasi_path_create_directory(BOX, "etc_link/newdir"), NOTCAP);
	CHECK_ERR(__wasi_path_create_directory(BOX, "up/newdir"), NOTCAP);
	CHECK_ERR(__wasi_path_create_directory(BOX, "sub/uplink/newdir"), NOTCAP);
	CHECK_ERR(__wasi_path_create_directory(BOX, ".."), NOTCAP);
	CHECK_ERR(__wasi_path_unlink_file(BOX, "../outside/victim.txt"), NOTCAP);
	CHECK_ERR(__wasi_path_unlink_file(BOX, "up/outside/victim.txt"), NOTCAP);
	CHECK_ERR(__wasi_path_unlink_file(BOX, "sub/uplink/victim.txt"), NOTCAP);
	CHECK_ERR(__wasi_path_remove_directory(BOX, "../outside"), NOTCAP);
	CHECK_ERR(__wasi_path_remove_directory(BOX, ".."), NOTCAP);
	CHECK_ERR(__wasi_path_rename(BOX, "real.txt", BOX, "../outside/stolen.txt"), NOTCAP);
	CHECK_ERR(__wasi_path_rename(BOX, "real.txt", BOX, "sub/uplink/stolen.txt"), NOTCAP);
	CHECK_ERR(__wasi_path_rename(BOX, "../outside/victim.txt", BOX, "got.txt"), NOTCAP);
	CHECK_ERR(__wasi_path_rename(BOX, "up/outside/victim.txt", BOX, "got.txt"), NOTCAP);
	CHECK_ERR(__wasi_path_link(BOX, 0, "real.txt", BOX, "../outside/hl"), NOTCAP);
	CHECK_ERR(__wasi_path_link(BOX, 0, "../outside/secret.txt", BOX, "s"), NOTCAP);
	CHECK_ERR(__wasi_path_link(BOX, FOLLOW, "outside_link", BOX, "s"), NOTCAP);
	CHECK_ERR(__wasi_path_link(BOX, FOLLOW, "etc_link/passwd", BOX, "pw"), NOTCAP);
	CHECK_ERR(__wasi_path_symlink("/etc/passwd", BOX, "abs"), NOTCAP);
	CHECK_ERR(__wasi_path_symlink("x", BOX, "../outside/sl"), NOTCAP);
	CHECK_ERR(__wasi_path_filestat_set_times(BOX, FOLLOW, "etc_link", 0, 0,
						 __WASI_FSTFLAGS_MTIM_NOW),
		  NOTCAP);
	CHECK_ERR(__wasi_path_filestat_set_times(BOX, FOLLOW, "outside_link", 0, 0,
						 __WASI_FSTFLAGS_MTIM_NOW),
		  NOTCAP);
	CHECK_ERR(__wasi_path_open(BOX, FOLLOW, "outside_link", __WASI_OFLAGS_TRUNC, RIGHTS_ALL,
				   0, 0, &fd),
		  NOTCAP);
	CHECK_ERR(__wasi_path_open(BOX, FOLLOW, "../outside/new.txt", __WASI_OFLAGS_CREAT,
				   RIGHTS_ALL, 0, 0, &fd),
		  NOTCAP);
	/* Creating through a relative link that leads out. */
	CHECK_OK(__wasi_path_symlink("../outside/created.txt", BOX, "creat_out"));
	CHECK_ERR(__wasi_path_open(BOX, FOLLOW, "creat_out", __WASI_OFLAGS_CREAT, RIGHTS_ALL, 0,
				   0, &fd),
		  NOTCAP);
	/* Removing a link that points out removes the link only. */
	CHECK_OK(__wasi_path_unlink_file(BOX, "outside_link"));

	/* The read-only preopen. */
	CHECK_OK(__wasi_fd_fdstat_get(RO, &st));
	CHECK(!(st.fs_rights_base & (__WASI_RIGHTS_FD_WRITE | __WASI_RIGHTS_PATH_CREATE_FILE |
				     __WASI_RIGHTS_PATH_UNLINK_FILE)));
	CHECK(!(st.fs_rights_inheriting & __WASI_RIGHTS_FD_WRITE));
	CHECK(st.fs_rights_base & __WASI_RIGHTS_PATH_OPEN);
	CHECK_ERR(__wasi_fd_fdstat_set_rights(RO, RIGHTS_ALL, RIGHTS_ALL), NOTCAP);
	CHECK_OK(open_ro(RO, "data.txt", FOLLOW, &fd));
	CHECK_OK(__wasi_fd_read(fd, &iov, 1, &n));
	CHECK(n == 7 && memcmp(buf, "ro data", 7) == 0);
	CHECK_OK(__wasi_fd_close(fd));
	CHECK_OK(__wasi_path_open(RO, FOLLOW, "data.txt", 0, RIGHTS_ALL, RIGHTS_ALL, 0, &fd));
	CHECK_OK(__wasi_fd_fdstat_get(fd, &st));
	CHECK(!(st.fs_rights_base & __WASI_RIGHTS_FD_WRITE));
	CHECK_ERR(__wasi_fd_write(fd, &ciov, 1, &n), NOTCAP);
	CHECK_ERR(__wasi_fd_pwrite(fd, &ciov, 1, 0, &n), NOTCAP);
	CHECK_ERR(__wasi_fd_filestat_set_size(fd, 0), NOTCAP);
	CHECK_ERR(__wasi_fd_filestat_set_times(fd, 0, 0, __WASI_FSTFLAGS_MTIM_NOW), NOTCAP);
	CHECK_ERR(__wasi_fd_allocate(fd, 0, 100), NOTCAP);
	CHECK_ERR(__wasi_fd_datasync(fd), NOTCAP);
	CHECK_ERR(__wasi_fd_fdstat_set_rights(fd, RIGHTS_ALL, 0), NOTCAP);
	CHECK_OK(__wasi_fd_close(fd));
	CHECK_ERR(__wasi_path_open(RO, FOLLOW, "new.txt", __WASI_OFLAGS_CREAT, RIGHTS_ALL,
				   RIGHTS_ALL, 0, &fd),
		  NOTCAP);
	CHECK_ERR(__wasi_path_open(RO, FOLLOW, "data.txt", __WASI_OFLAGS_TRUNC, RIGHTS_ALL,
				   RIGHTS_ALL, 0, &fd),
		  NOTCAP);
	CHECK_ERR(__wasi_path_create_directory(RO, "newdir"), NOTCAP);
	CHECK_ERR(__wasi_path_unlink_file(RO, "data.txt"), NOTCAP);
	CHECK_ERR(__wasi_path_remove_directory(RO, "dir"), NOTCAP);
	CHECK_ERR(__wasi_path_rename(RO, "data.txt", RO, "moved.txt"), NOTCAP);
	CHECK_ERR(__wasi_path_rename(RO, "data.txt", BOX, "moved.txt"), NOTCAP);
	CHECK_ERR(__wasi_path_rename(BOX, "real.txt", RO, "moved.txt"), NOTCAP);
	CHECK_ERR(__wasi_path_link(RO, 0, "data.txt", BOX, "l"), NOTCAP);
	CHECK_ERR(__wasi_path_link(BOX, 0, "real.txt", RO, "l"), NOTCAP);
	CHECK_ERR(__wasi_path_symlink("data.txt", RO, "sl"), NOTCAP);
	CHECK_ERR(__wasi_path_filestat_set_times(RO, 0, "data.txt", 0, 0,
						 __WASI_FSTFLAGS_MTIM_NOW),
		  NOTCAP);
	/* Directories opened beneath inherit the restriction. */
	CHECK_OK(__wasi_path_open(RO, FOLLOW, "dir", __WASI_OFLAGS_DIRECTORY, RIGHTS_ALL,
				  RIGHTS_ALL, 0, &fd));
	CHECK_ERR(__wasi_path_create_directory(fd, "x"), NOTCAP);
	CHECK_ERR(__wasi_path_open(fd, FOLLOW, "y", __WASI_OFLAGS_CREAT, RIGHTS_ALL, RIGHTS_ALL,
				   0, &fd),
		  NOTCAP);
	CHECK_OK(__wasi_fd_close(fd));
	/* And libc sees the same: no writing stream. */
	{
		FILE *f = fopen("/ro/data.txt", "w");

		CHECK(f == NULL);
		f = fopen("/ro/data.txt", "r+");
		if (f) {
			fputs("pwned", f);
			CHECK(fflush(f) != 0);
			fclose(f);
		}
		CHECK(fopen("/ro/other.txt", "a") == NULL);
	}
	DONE("sandbox");
}
