/* wasi/path.c - the path_* functions, every one confined beneath its directory fd.
 *
 * Opening-style calls (path_open, path_filestat_get, following variants) go through
 * sb_open(); mutating calls (mkdir, rmdir, unlink, rename, link, symlink) open the parent
 * with sb_parent() and act on one final component with an *at() call, so neither `..`, an
 * absolute path nor a planted symlink reaches outside the preopen.  Rights are checked
 * first; read-only preopens simply lack every mutating right (ctx.c strips them).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "ctx.h"

/* Copy a guest path; see ctx.h. */
uint32_t wasi_path_copy(const struct guest *g, uint32_t ptr, uint32_t len, char **out)
{
	const uint8_t *p = guest_slice(g, ptr, len);
	char *s;

	*out = NULL;
	if (!p)
		return WASI_EFAULT;
	if (len >= WASI_PATH_MAX)
		return WASI_ENAMETOOLONG;
	if (memchr(p, '\0', len))
		return WASI_EILSEQ; /* an embedded NUL would silently shorten the path */
	s = malloc((size_t)len + 1);
	if (!s)
		return WASI_ENOMEM;
	memcpy(s, p, len);
	s[len] = '\0';
	*out = s;
	return WASI_ESUCCESS;
}

/* The common prologue: fd must be an open directory holding `need`; copy its path. */
static uint32_t dir_and_path(struct wasi_ctx *ctx, const struct guest *g, uint32_t fd,
			     uint64_t need, uint32_t ptr, uint32_t len, struct wasi_fd **out_f,
			     char **out_path)
{
	uint32_t err;
	struct wasi_fd *f = wasi_fd_get(ctx, fd, 0, &err);

	*out_path = NULL;
	if (!f)
		return err;
	if (f->type != WASI_FILETYPE_DIRECTORY)
		return WASI_ENOTDIR;
	if ((f->base & need) != need)
		return WASI_ENOTCAPABLE;
	*out_f = f;
	return wasi_path_copy(g, ptr, len, out_path);
}

static bool is_dot_or_dotdot(const char *n)
{
	return strcmp(n, ".") == 0 || strcmp(n, "..") == 0;
}

/* For a name the guest wrote with a trailing slash ("x/") in a call that does not follow
 * it: the errno Linux gives (EISDIR-style `dir_err` for a directory, else ENOTDIR). */
static uint32_t trailing_slash_err(const struct sb_name *n, uint32_t dir_err)
{
	struct stat sb;

	if (fstatat(n->parent, n->name, &sb, AT_SYMLINK_NOFOLLOW) != 0)
		return wasi_errno(errno);
	return S_ISDIR(sb.st_mode) ? dir_err : WASI_ENOTDIR;
}

/* A new name written "x/" in a call that creates a non-directory: EEXIST when something is
 * there already, else ENOENT (Linux's answers for link(2) and symlink(2)). */
static uint32_t exists_err(const struct sb_name *n)
{
	struct stat sb;

	return fstatat(n->parent, n->name, &sb, AT_SYMLINK_NOFOLLOW) == 0 ? WASI_EEXIST
									  : WASI_ENOENT;
}

/* "/proc/self/fd/N": names exactly the inode an O_PATH fd holds, for calls that have no
 * fd-based form (utimensat on any file type, linkat following a symlink). */
static void proc_fd_path(char *buf, size_t len, int fd)
{
	snprintf(buf, len, "/proc/self/fd/%d", fd);
}

/* path_create_directory(fd, path, path_len) -> errno.  Errors: EBADF, ENOTDIR,
 * ENOTCAPABLE (PATH_CREATE_DIRECTORY, or the path leaves the preopen), EFAULT, EEXIST,
 * ENOENT, ENOSPC, EACCES.
 * https://github.com/WebAssembly/WASI/blob/main/legacy/preview1/docs.md#path_create_directory */
uint32_t wasi_path_create_directory(struct wasi_ctx *ctx, chibi_caller *c, const uint64_t *a)
{
	struct guest g = guest_of(c);
	struct wasi_fd *d = NULL;
	struct sb_name n;
	char *path;
	uint32_t err;
	int r;

	err = dir_and_path(ctx, &g, ARG32(0), WASI_RIGHT_PATH_CREATE_DIRECTORY, ARG32(1),
			   ARG32(2), &d, &path);
	if (err)
		goto out;
	if ((r = sb_parent(d->host, path, &n)) < 0) {
		err = wasi_errno(r);
		goto out;
	}
	if (is_dot_or_dotdot(n.name))
		err = WASI_EEXIST;
	else if (mkdirat(n.parent, n.name, 0777) != 0)
		err = wasi_errno(errno);
	sb_name_done(&n);
out:
	free(path);
	return err;
}

/* path_filestat_get(fd, flags: lookupflags, path, path_len, out: filestat*) -> errno.
 * SYMLINK_FOLLOW follows a final symlink, but only while it stays beneath the preopen.
 * Errors: EBADF, ENOTDIR, ENOTCAPABLE (PATH_FILESTAT_GET or escape), EFAULT, ENOENT, ELOOP.
 * https://github.com/WebAssembly/WASI/blob/main/legacy/preview1/docs.md#path_filestat_get */
uint32_t wasi_path_filestat_get(struct wasi_ctx *ctx, chibi_caller *c, const uint64_t *a)
{
	struct guest g = guest_of(c);
	bool follow = ARG32(1) & WASI_LOOKUP_SYMLINK_FOLLOW;
	struct wasi_fd *d = NULL;
	struct stat sb;
	uint8_t *out;
	char *path;
	uint32_t err;
	int fd;

	err = dir_and_path(ctx, &g, ARG32(0), WASI_RIGHT_PATH_FILESTAT_GET, ARG32(2), ARG32(3),
			   &d, &path);
	if (err)
		goto out;
	if (!(out = guest_slice(&g, ARG32(4), WASI_FILESTAT_SIZE))) {
		err = WASI_EFAULT;
		goto out;
	}
	fd = sb_open(d->host, path, O_PATH | (follow ? 0 : O_NOFOLLOW), 0);
	if (fd < 0) {
		err = wasi_errno(fd);
		goto out;
	}
	if (fstat(fd, &sb) != 0)
		err = wasi_errno(errno);
	else
		wasi_put_filestat(out, &sb, wasi_filetype(sb.st_mode));
	close(fd);
out:
	free(path);
	return err;
}

/* path_filestat_set_times(fd, flags, path, path_len, atim: u64, mtim: u64, fst_flags)
 * -> errno.  Errors: EBADF, ENOTDIR, ENOTCAPABLE (PATH_FILESTAT_SET_TIMES or escape),
 * EINVAL (flag conflict), EFAULT, ENOENT, EPERM.
 * https://github.com/WebAssembly/WASI/blob/main/legacy/preview1/docs.md#path_filestat_set_times */
uint32_t wasi_path_filestat_set_times(struct wasi_ctx *ctx, chibi_caller *c, const uint64_t *a)
{
	struct guest g = guest_of(c);
	bool follow = ARG32(1) & WASI_LOOKUP_SYMLINK_FOLLOW;
	struct timespec ts[2];
	struct wasi_fd *d = NULL;
	char *path, proc[64];
	uint32_t err;
	int fd, r;

	err = dir_and_path(ctx, &g, ARG32(0), WASI_RIGHT_PATH_FILESTAT_SET_TIMES, ARG32(2),
			   ARG32(3), &d, &path);
	if (err)
		goto out;
	if ((err = wasi_times(ARG64(4), ARG64(5), ARG32(6), ts)))
		goto out;
	if (!follow) {
		struct sb_name n;

		/* The final name itself, link or not: utimensat never follows it here. */
		if ((r = sb_parent(d->host, path, &n)) < 0) {
			err = wasi_errno(r);
			goto out;
		}
		if (utimensat(n.parent, n.name, ts, AT_SYMLINK_NOFOLLOW) != 0)
			err = wasi_errno(errno);
		sb_name_done(&n);
		goto out;
	}
	/* Following: resolve beneath first, then touch exactly that inode. */
	fd = sb_open(d->host, path, O_PATH, 0);
	if (fd < 0) {
		err = wasi_errno(fd);
		goto out;
	}
	proc_fd_path(proc, sizeof(proc), fd);
	if (utimensat(AT_FDCWD, proc, ts, 0) != 0) {
		err = wasi_errno(errno);
		if (errno == ENOENT) {
			/* No /proc: an ordinary read-only open serves futimens as well. */
			int rfd = sb_open(d->host, path, O_RDONLY | O_NONBLOCK | O_NOCTTY, 0);

			err = rfd < 0 ? wasi_errno(rfd)
				      : futimens(rfd, ts) == 0 ? WASI_ESUCCESS : wasi_errno(errno);
			if (rfd >= 0)
				close(rfd);
		}
	}
	close(fd);
out:
	free(path);
	return err;
}

/* path_link(old_fd, old_flags, old_path, old_len, new_fd, new_path, new_len) -> errno.
 * A hard link; with SYMLINK_FOLLOW the source symlink is resolved beneath old_fd first.
 * Errors: EBADF, ENOTDIR, ENOTCAPABLE (PATH_LINK_SOURCE / PATH_LINK_TARGET or escape),
 * EFAULT, EEXIST, ENOENT, EPERM (directory source), EXDEV, EMLINK.
 * https://github.com/WebAssembly/WASI/blob/main/legacy/preview1/docs.md#path_link */
uint32_t wasi_path_link(struct wasi_ctx *ctx, chibi_caller *c, const uint64_t *a)
{
	struct guest g = guest_of(c);
	bool follow = ARG32(1) & WASI_LOOKUP_SYMLINK_FOLLOW;
	struct sb_name on = { -1, NULL, false }, nn = { -1, NULL, false };
	struct wasi_fd *od = NULL, *nd = NULL;
	char *opath = NULL, *npath = NULL;
	uint32_t err;
	int r;

	err = dir_and_path(ctx, &g, ARG32(0), WASI_RIGHT_PATH_LINK_SOURCE, ARG32(2), ARG32(3),
			   &od, &opath);
	if (!err)
		err = dir_and_path(ctx, &g, ARG32(4), WASI_RIGHT_PATH_LINK_TARGET, ARG32(5),
				   ARG32(6), &nd, &npath);
	if (err)
		goto out;
	if ((r = sb_parent(nd->host, npath, &nn)) < 0) {
		err = wasi_errno(r);
		goto out;
	}
	if (is_dot_or_dotdot(nn.name)) {
		err = WASI_EEXIST;
		goto out;
	}
	if (nn.trailing_slash) {
		err = exists_err(&nn);
		goto out;
	}
	if (follow) {
		char proc[64];
		int fd = sb_open(od->host, opath, O_PATH, 0);

		if (fd < 0) {
			err = wasi_errno(fd);
			goto out;
		}
		proc_fd_path(proc, sizeof(proc), fd);
		if (linkat(AT_FDCWD, proc, nn.parent, nn.name, AT_SYMLINK_FOLLOW) != 0 &&
		    linkat(fd, "", nn.parent, nn.name, AT_EMPTY_PATH) != 0)
			err = wasi_errno(errno);
		close(fd);
		goto out;
	}
	if ((r = sb_parent(od->host, opath, &on)) < 0) {
		err = wasi_errno(r);
		goto out;
	}
	if (is_dot_or_dotdot(on.name))
		err = WASI_EPERM; /* a directory: no hard links */
	else if (on.trailing_slash)
		err = trailing_slash_err(&on, WASI_EPERM);
	else if (linkat(on.parent, on.name, nn.parent, nn.name, 0) != 0)
		err = wasi_errno(errno);
out:
	sb_name_done(&on);
	sb_name_done(&nn);
	free(opath);
	free(npath);
	return err;
}

/* Host open(2) flags for a path_open request. */
static int open_flags(uint32_t oflags, uint32_t fdflags, bool follow, uint64_t base)
{
	int fl = O_NOCTTY;

	/* The access mode follows FD_WRITE / FD_READ, which wasi-libc derives from O_ACCMODE.
	 * Not FD_ALLOCATE or FD_FILESTAT_SET_SIZE: recent wasi-libc asks for those even for
	 * O_RDONLY.  O_DIRECTORY never asks for write access: a directory cannot be opened
	 * for writing, and its writes go through path_* calls (wasmtime allows this too). */
	if ((base & WASI_RIGHT_FD_WRITE) && !(oflags & WASI_O_DIRECTORY))
		fl |= (base & (WASI_RIGHT_FD_READ | WASI_RIGHT_FD_READDIR)) ? O_RDWR : O_WRONLY;
	else
		fl |= O_RDONLY;
	if (oflags & WASI_O_CREAT)
		fl |= O_CREAT;
	if (oflags & WASI_O_DIRECTORY)
		fl |= O_DIRECTORY;
	if (oflags & WASI_O_EXCL)
		fl |= O_EXCL;
	if (oflags & WASI_O_TRUNC)
		fl |= O_TRUNC;
	if (!follow)
		fl |= O_NOFOLLOW;
	if (fdflags & WASI_FDFLAG_APPEND)
		fl |= O_APPEND;
	if (fdflags & WASI_FDFLAG_DSYNC)
		fl |= O_DSYNC;
	if (fdflags & WASI_FDFLAG_NONBLOCK)
		fl |= O_NONBLOCK;
	if (fdflags & WASI_FDFLAG_RSYNC)
		fl |= O_RSYNC;
	if (fdflags & WASI_FDFLAG_SYNC)
		fl |= O_SYNC;
	return fl;
}

/* path_open(fd, dirflags, path, path_len, oflags, rights_base: u64, rights_inheriting: u64,
 *           fdflags, out_fd: u32*) -> errno.
 * The new fd's rights are the requested ones intersected with fd's inheriting rights
 * (wasi-libc asks for "everything the mode allows" and relies on that); CREAT needs
 * PATH_CREATE_FILE, TRUNC needs PATH_FILESTAT_SET_SIZE, DSYNC needs FD_DATASYNC,
 * RSYNC/SYNC need FD_SYNC.  Without SYMLINK_FOLLOW a final symlink is not followed (ELOOP).
 * Errors: EBADF, ENOTDIR, ENOTCAPABLE (rights, absolute path, `..` or a symlink leaving the
 * preopen), EINVAL (unknown flag bits), EFAULT, ENOENT, EEXIST, EISDIR, ELOOP, EACCES,
 * EMFILE, ENAMETOOLONG, EILSEQ.
 * https://github.com/WebAssembly/WASI/blob/main/legacy/preview1/docs.md#path_open */
uint32_t wasi_path_open(struct wasi_ctx *ctx, chibi_caller *c, const uint64_t *a)
{
	struct guest g = guest_of(c);
	uint32_t oflags = ARG32(4), fdflags = ARG32(7), err, newfd;
	bool follow = ARG32(1) & WASI_LOOKUP_SYMLINK_FOLLOW;
	uint64_t need = WASI_RIGHT_PATH_OPEN, base, inh;
	struct wasi_fd *d = NULL;
	struct stat sb;
	char *path = NULL;
	int fd, fl;

	if (oflags & WASI_O_CREAT)
		need |= WASI_RIGHT_PATH_CREATE_FILE;
	if (oflags & WASI_O_TRUNC)
		need |= WASI_RIGHT_PATH_FILESTAT_SET_SIZE;
	err = dir_and_path(ctx, &g, ARG32(0), need, ARG32(2), ARG32(3), &d, &path);
	if (err)
		goto out;
	if ((oflags & ~0xfu) || (fdflags & ~WASI_FDFLAGS_ALL)) {
		err = WASI_EINVAL;
		goto out;
	}
	if (!guest_ok(&g, ARG32(8), 4)) {
		err = WASI_EFAULT; /* checked before anything is created */
		goto out;
	}
	base = ARG64(5) & d->inh;
	inh = ARG64(6) & d->inh;
	if (((fdflags & WASI_FDFLAG_DSYNC) && !(base & WASI_RIGHT_FD_DATASYNC)) ||
	    ((fdflags & (WASI_FDFLAG_RSYNC | WASI_FDFLAG_SYNC)) && !(base & WASI_RIGHT_FD_SYNC))) {
		err = WASI_ENOTCAPABLE;
		goto out;
	}
	fl = open_flags(oflags, fdflags, follow, base);
	if (d->readonly && (fl & (O_WRONLY | O_RDWR | O_CREAT | O_TRUNC))) {
		err = WASI_ENOTCAPABLE; /* cannot happen with stripped rights: belt and braces */
		goto out;
	}
	fd = sb_open(d->host, path, fl, 0666);
	if (fd < 0) {
		err = wasi_errno(fd);
		goto out;
	}
	if (fstat(fd, &sb) != 0) {
		err = wasi_errno(errno);
		close(fd);
		goto out;
	}
	err = wasi_fd_install(ctx, fd, wasi_filetype(sb.st_mode), base, inh, d->readonly,
			      &newfd);
	if (!err)
		guest_put_u32(&g, ARG32(8), newfd);
out:
	free(path);
	return err;
}

/* path_readlink(fd, path, path_len, buf, buf_len, out_bufused: u32*) -> errno.  Returns the
 * link text (cut to buf_len, no NUL); reading a link that points outside is fine.
 * Errors: EBADF, ENOTDIR, ENOTCAPABLE (PATH_READLINK or escape), EFAULT, ENOENT, EINVAL
 * (not a symlink).
 * https://github.com/WebAssembly/WASI/blob/main/legacy/preview1/docs.md#path_readlink */
uint32_t wasi_path_readlink(struct wasi_ctx *ctx, chibi_caller *c, const uint64_t *a)
{
	struct guest g = guest_of(c);
	uint32_t blen = ARG32(4), err;
	struct wasi_fd *d = NULL;
	struct sb_name n;
	char *path, *tmp = NULL;
	uint8_t *buf;
	ssize_t len;
	int r;

	err = dir_and_path(ctx, &g, ARG32(0), WASI_RIGHT_PATH_READLINK, ARG32(1), ARG32(2), &d,
			   &path);
	if (err)
		goto out;
	if (!(buf = guest_slice(&g, ARG32(3), blen)) || !guest_ok(&g, ARG32(5), 4)) {
		err = WASI_EFAULT;
		goto out;
	}
	if ((r = sb_parent(d->host, path, &n)) < 0) {
		err = wasi_errno(r);
		goto out;
	}
	if (n.trailing_slash) {
		err = trailing_slash_err(&n, WASI_EINVAL);
	} else if (!(tmp = malloc(WASI_PATH_MAX))) {
		err = WASI_ENOMEM;
	} else if ((len = readlinkat(n.parent, n.name, tmp, WASI_PATH_MAX)) < 0) {
		err = wasi_errno(errno);
	} else {
		if ((uint64_t)len > blen)
			len = blen;
		memcpy(buf, tmp, (size_t)len);
		guest_put_u32(&g, ARG32(5), (uint32_t)len);
	}
	sb_name_done(&n);
out:
	free(tmp);
	free(path);
	return err;
}

/* path_remove_directory(fd, path, path_len) -> errno.  Errors: EBADF, ENOTDIR,
 * ENOTCAPABLE (PATH_REMOVE_DIRECTORY or escape), EFAULT, ENOENT, ENOTEMPTY, EINVAL (".").
 * https://github.com/WebAssembly/WASI/blob/main/legacy/preview1/docs.md#path_remove_directory */
uint32_t wasi_path_remove_directory(struct wasi_ctx *ctx, chibi_caller *c, const uint64_t *a)
{
	struct guest g = guest_of(c);
	struct wasi_fd *d = NULL;
	struct sb_name n;
	char *path;
	uint32_t err;
	int r;

	err = dir_and_path(ctx, &g, ARG32(0), WASI_RIGHT_PATH_REMOVE_DIRECTORY, ARG32(1),
			   ARG32(2), &d, &path);
	if (err)
		goto out;
	if ((r = sb_parent(d->host, path, &n)) < 0) {
		err = wasi_errno(r);
		goto out;
	}
	if (strcmp(n.name, ".") == 0)
		err = WASI_EINVAL;
	else if (strcmp(n.name, "..") == 0)
		err = WASI_ENOTEMPTY;
	else if (unlinkat(n.parent, n.name, AT_REMOVEDIR) != 0)
		err = errno == EEXIST ? WASI_ENOTEMPTY : wasi_errno(errno);
	sb_name_done(&n);
out:
	free(path);
	return err;
}

/* path_rename(fd, old_path, old_len, new_fd, new_path, new_len) -> errno.  Both ends are
 * resolved beneath their own directory fd.  Errors: EBADF, ENOTDIR, ENOTCAPABLE
 * (PATH_RENAME_SOURCE / PATH_RENAME_TARGET or escape), EFAULT, ENOENT, EEXIST, ENOTEMPTY,
 * EISDIR, EINVAL, EBUSY, EXDEV.
 * https://github.com/WebAssembly/WASI/blob/main/legacy/preview1/docs.md#path_rename */
uint32_t wasi_path_rename(struct wasi_ctx *ctx, chibi_caller *c, const uint64_t *a)
{
	struct guest g = guest_of(c);
	struct sb_name on = { -1, NULL, false }, nn = { -1, NULL, false };
	struct wasi_fd *od = NULL, *nd = NULL;
	char *opath = NULL, *npath = NULL;
	uint32_t err;
	int r;

	err = dir_and_path(ctx, &g, ARG32(0), WASI_RIGHT_PATH_RENAME_SOURCE, ARG32(1), ARG32(2),
			   &od, &opath);
	if (!err)
		err = dir_and_path(ctx, &g, ARG32(3), WASI_RIGHT_PATH_RENAME_TARGET, ARG32(4),
				   ARG32(5), &nd, &npath);
	if (err)
		goto out;
	if ((r = sb_parent(od->host, opath, &on)) < 0 ||
	    (r = sb_parent(nd->host, npath, &nn)) < 0) {
		err = wasi_errno(r);
		goto out;
	}
	if (is_dot_or_dotdot(on.name) || is_dot_or_dotdot(nn.name)) {
		err = WASI_EBUSY;
		goto out;
	}
	if (on.trailing_slash || nn.trailing_slash) {
		/* "x/" may only name a directory. */
		struct stat sb;

		if (fstatat(on.parent, on.name, &sb, AT_SYMLINK_NOFOLLOW) != 0) {
			err = wasi_errno(errno);
			goto out;
		}
		if (!S_ISDIR(sb.st_mode)) {
			err = WASI_ENOTDIR;
			goto out;
		}
	}
	if (renameat(on.parent, on.name, nn.parent, nn.name) != 0)
		err = wasi_errno(errno);
out:
	sb_name_done(&on);
	sb_name_done(&nn);
	free(opath);
	free(npath);
	return err;
}

/* path_symlink(old_path, old_len, fd, new_path, new_len) -> errno.  Creates new_path with
 * the text old_path.  Absolute targets are refused with ENOTCAPABLE (they could never
 * resolve inside the sandbox; wasmtime refuses them too); relative text is stored as is and
 * checked only when followed.  Errors: EBADF, ENOTDIR, ENOTCAPABLE (PATH_SYMLINK, absolute
 * target or escape), EFAULT, EEXIST, ENOENT.
 * https://github.com/WebAssembly/WASI/blob/main/legacy/preview1/docs.md#path_symlink */
uint32_t wasi_path_symlink(struct wasi_ctx *ctx, chibi_caller *c, const uint64_t *a)
{
	struct guest g = guest_of(c);
	struct wasi_fd *d = NULL;
	struct sb_name n;
	char *target = NULL, *path = NULL;
	uint32_t err;
	int r;

	err = dir_and_path(ctx, &g, ARG32(2), WASI_RIGHT_PATH_SYMLINK, ARG32(3), ARG32(4), &d,
			   &path);
	if (!err)
		err = wasi_path_copy(&g, ARG32(0), ARG32(1), &target);
	if (err)
		goto out;
	if (target[0] == '/') {
		err = WASI_ENOTCAPABLE;
		goto out;
	}
	if (target[0] == '\0') {
		err = WASI_ENOENT;
		goto out;
	}
	if ((r = sb_parent(d->host, path, &n)) < 0) {
		err = wasi_errno(r);
		goto out;
	}
	if (is_dot_or_dotdot(n.name))
		err = WASI_EEXIST;
	else if (n.trailing_slash)
		err = exists_err(&n);
	else if (symlinkat(target, n.parent, n.name) != 0)
		err = wasi_errno(errno);
	sb_name_done(&n);
out:
	free(target);
	free(path);
	return err;
}

/* path_unlink_file(fd, path, path_len) -> errno.  Removes a non-directory (a symlink
 * itself, never its target).  Errors: EBADF, ENOTDIR, ENOTCAPABLE (PATH_UNLINK_FILE or
 * escape), EFAULT, ENOENT, EISDIR.
 * https://github.com/WebAssembly/WASI/blob/main/legacy/preview1/docs.md#path_unlink_file */
uint32_t wasi_path_unlink_file(struct wasi_ctx *ctx, chibi_caller *c, const uint64_t *a)
{
	struct guest g = guest_of(c);
	struct wasi_fd *d = NULL;
	struct sb_name n;
	char *path;
	uint32_t err;
	int r;

	err = dir_and_path(ctx, &g, ARG32(0), WASI_RIGHT_PATH_UNLINK_FILE, ARG32(1), ARG32(2),
			   &d, &path);
	if (err)
		goto out;
	if ((r = sb_parent(d->host, path, &n)) < 0) {
		err = wasi_errno(r);
		goto out;
	}
	if (is_dot_or_dotdot(n.name))
		err = WASI_EISDIR;
	else if (n.trailing_slash)
		err = trailing_slash_err(&n, WASI_EISDIR);
	else if (unlinkat(n.parent, n.name, 0) != 0)
		err = wasi_errno(errno);
	sb_name_done(&n);
out:
	free(path);
	return err;
}
