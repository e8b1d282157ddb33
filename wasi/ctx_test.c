/* wasi/ctx_test.c - the fd table lookups every handler starts with: wasi_fd_get and
 * wasi_fd_get_kind, and the order of their errors (EBADF, then the wrong kind, then a missing
 * right), which the path_* and sock_* calls rely on.
 */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include "ctx.h"

static struct wasi_ctx *ctx;
static char dir[256];
static int null_fd;

/* A context with stdio on /dev/null, one preopen (fd 3, all rights) and a regular file
 * installed as fd 4 with FD_READ only. */
static void setup(void)
{
	struct wasi_preopen pre;
	struct wasi_config cfg = { 0 };
	char err[256], p[300];
	uint32_t fd;
	int h;

	snprintf(dir, sizeof(dir), "%s/chibi-ctx-XXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	cr_assert(mkdtemp(dir));
	pre.host_path = dir;
	pre.guest_path = "/d";
	pre.readonly = false;
	cfg.npreopens = 1;
	cfg.preopens = &pre;
	null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	cr_assert(null_fd >= 0);
	cfg.stdin_fd = cfg.stdout_fd = cfg.stderr_fd = null_fd;
	ctx = wasi_ctx_new(&cfg, err, sizeof(err));
	cr_assert(ctx, "%s", err);
	snprintf(p, sizeof(p), "%s/f", dir);
	h = open(p, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	cr_assert(h >= 0);
	cr_assert_eq(wasi_fd_install(ctx, h, WASI_FILETYPE_REGULAR_FILE, WASI_RIGHT_FD_READ, 0,
				     false, &fd),
		     WASI_ESUCCESS);
	cr_assert_eq(fd, 4);
}

static void teardown(void)
{
	char p[300];

	wasi_ctx_free(ctx);
	close(null_fd);
	snprintf(p, sizeof(p), "%s/f", dir);
	unlink(p);
	rmdir(dir);
}

#define DIRS WASI_KIND(WASI_FILETYPE_DIRECTORY)

Test(wasi_ctx, fd_get_checks_open_then_rights, .init = setup, .fini = teardown)
{
	uint32_t err;

	cr_expect_null(wasi_fd_get(ctx, 99, 0, &err));
	cr_expect_eq(err, WASI_EBADF);
	cr_expect_null(wasi_fd_get(ctx, UINT32_MAX, 0, &err));
	cr_expect_eq(err, WASI_EBADF);
	cr_expect_null(wasi_fd_get(ctx, 4, WASI_RIGHT_FD_WRITE, &err));
	cr_expect_eq(err, WASI_ENOTCAPABLE);
	cr_expect_eq(wasi_fd_get(ctx, 4, WASI_RIGHT_FD_READ, &err), &ctx->fds[4]);
	cr_expect_eq(err, WASI_ESUCCESS);
}

/* A path call on a file fd is ENOTDIR even when the file also lacks the right: the kind is
 * checked before the rights. */
Test(wasi_ctx, fd_get_kind_order, .init = setup, .fini = teardown)
{
	uint32_t err;

	cr_expect_null(wasi_fd_get_kind(ctx, 99, DIRS, WASI_ENOTDIR, 0, &err));
	cr_expect_eq(err, WASI_EBADF);
	cr_expect_null(wasi_fd_get_kind(ctx, 4, DIRS, WASI_ENOTDIR, WASI_RIGHT_PATH_OPEN, &err));
	cr_expect_eq(err, WASI_ENOTDIR);
	cr_expect_null(wasi_fd_get_kind(ctx, 4, DIRS, WASI_ENOTDIR, 0, &err));
	cr_expect_eq(err, WASI_ENOTDIR);
	cr_expect_eq(wasi_fd_get_kind(ctx, 3, DIRS, WASI_ENOTDIR, WASI_RIGHT_PATH_OPEN, &err),
		     &ctx->fds[3]);
	cr_expect_eq(err, WASI_ESUCCESS);
	ctx->fds[3].base &= ~WASI_RIGHT_PATH_OPEN;
	cr_expect_null(wasi_fd_get_kind(ctx, 3, DIRS, WASI_ENOTDIR, WASI_RIGHT_PATH_OPEN, &err));
	cr_expect_eq(err, WASI_ENOTCAPABLE);
	/* Several kinds at once, as sock_* asks for either socket type. */
	cr_expect_eq(wasi_fd_get_kind(ctx, 4,
				      WASI_KIND(WASI_FILETYPE_SOCKET_STREAM) |
					      WASI_KIND(WASI_FILETYPE_REGULAR_FILE),
				      WASI_ENOTSOCK, WASI_RIGHT_FD_READ, &err),
		     &ctx->fds[4]);
	cr_expect_null(wasi_fd_get_kind(ctx, 3, WASI_KIND(WASI_FILETYPE_SOCKET_STREAM) |
							WASI_KIND(WASI_FILETYPE_SOCKET_DGRAM),
					WASI_ENOTSOCK, 0, &err));
	cr_expect_eq(err, WASI_ENOTSOCK);
}

/* With the host's stdio closed, fds 0-2 stay EBADF and the preopen is still fd 3, where
 * wasi-libc looks for it; new fds never reuse 0-2 either. */
Test(wasi_ctx, closed_stdio_keeps_preopens_at_3)
{
	struct wasi_preopen pre = { .host_path = "/", .guest_path = "/", .readonly = true };
	struct wasi_config cfg = { .stdin_fd = -1, .stdout_fd = -1, .stderr_fd = -1,
				   .npreopens = 1, .preopens = &pre };
	struct wasi_ctx *c;
	char err[256];
	uint32_t e, fd;
	int h;

	c = wasi_ctx_new(&cfg, err, sizeof(err));
	cr_assert(c, "%s", err);
	for (uint32_t i = 0; i < 3; i++) {
		cr_expect_null(wasi_fd_get(c, i, 0, &e));
		cr_expect_eq(e, WASI_EBADF);
	}
	cr_assert_not_null(wasi_fd_get(c, 3, 0, &e));
	cr_expect_str_eq(c->fds[3].preopen, "/");
	h = open("/dev/null", O_RDONLY | O_CLOEXEC);
	cr_assert(h >= 0);
	cr_assert_eq(wasi_fd_install(c, h, WASI_FILETYPE_CHARACTER_DEVICE, WASI_RIGHT_FD_READ, 0,
				     false, &fd),
		     WASI_ESUCCESS);
	cr_expect_eq(fd, 4);
	wasi_ctx_free(c);
}
