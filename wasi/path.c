/* wasi/path.c - the path_* functions, every one confined beneath its directory fd.
 *
 * Every path argument is a struct path_arg: taken with its fd and rights (path_arg_get),
 * then resolved only through the sandbox.  Opening-style calls (path_open,
 * path_filestat_get, following variants) go through sb_open() (path_arg_open); mutating
 * calls (mkdir, rmdir, unlink, rename, link, symlink) open the parent with sb_parent()
 * (path_arg_parent) and act on one final component with an *at() call, so neither `..`, an
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
	s = vm_malloc((size_t)len + 1);
	if (!s)
		return WASI_ENOMEM;
	memcpy(s, p, len);
	s[len] = '\0';
	*out = s;
	return WASI_ESUCCESS;
}

/*
 * One path argument of a path_* call: the directory fd it is relative to, the guest's text,
 * and, once resolved, where it lands beneath that directory.
 *
 * Taking the argument (path_arg_get) and resolving it (path_arg_parent / path_arg_open) are
 * separate steps because several calls check other arguments in between, and which error
 * the guest sees first is part of the behaviour.  Resolution only ever goes through the
 * sandbox (sb_parent / sb_open from the directory's host fd): no handler hands guest text
 * to the kernel any other way.  path_arg_done() releases whatever was reached, so a handler
 * has one exit however far it got.
 */
struct path_arg {
	struct wasi_fd *dir;    /* open, a directory, holding the call's rights */
	char *path;             /* the guest's path, copied (sb_parent splits it in place) */
	struct sb_name n;       /* after path_arg_parent: parent fd + final component */
};

#define PATH_ARG_INIT { NULL, NULL, { -1, NULL, false } }

/* Take (fd, path, path_len): fd must be an open directory holding every right in `need`
 * (EBADF, ENOTDIR, ENOTCAPABLE in that order), then the path is copied (EFAULT, EILSEQ,
 * ENAMETOOLONG).  Nothing is resolved yet. */
static uint32_t path_arg_get(struct wasi_ctx *ctx, const struct guest *g, uint32_t fd,
			     uint64_t need, uint32_t ptr, uint32_t len, struct path_arg *p)
{
	uint32_t err;

	*p = (struct path_arg)PATH_ARG_INIT;
	p->dir = wasi_fd_get_kind(ctx, fd, WASI_KIND(WASI_FILETYPE_DIRECTORY), WASI_ENOTDIR,
				  need, &err);
	if (!p->dir)
		return err;
	return wasi_path_copy(g, ptr, len, &p->path);
}

/* Resolve all but the final component beneath the directory: p->n.parent and p->n.name are
 * then ready for one *at() call that acts on the name itself (never through it). */
static uint32_t path_arg_parent(struct path_arg *p)
{
	return wasi_errno(sb_parent(p->dir->host, p->path, &p->n));
}

/* Open the whole path beneath the directory with host open flags `flags`; *out is the new
 * host fd (the caller closes it). */
static uint32_t path_arg_open(const struct path_arg *p, int flags, mode_t mode, int *out)
{
	*out = sb_open(p->dir->host, p->path, flags, mode);
	return *out < 0 ? wasi_errno(*out) : WASI_ESUCCESS;
}

/* Release what path_arg_get / path_arg_parent took (idempotent; p->dir is left alone, as
 * the fd table may have moved since). */
static void path_arg_done(struct path_arg *p)
{
	sb_name_done(&p->n);
	free(p->path);
	p->path = NULL;
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

/* An existing name a call acts on as a non-directory (unlink, the source of a hard link):
 * "." and ".." are directories, so `dir_err`; "x/" gets trailing_slash_err's answer. */
static uint32_t old_nondir_err(const struct sb_name *n, uint32_t dir_err)
{
	if (is_dot_or_dotdot(n->name))
		return dir_err;
	if (n->trailing_slash)
		return trailing_slash_err(n, dir_err);
	return WASI_ESUCCESS;
}

/* A new name a call creates as a non-directory (the target of a hard link, a symlink):
 * "." and ".." exist already (EEXIST); "x/" gets EEXIST when something is there, else
 * ENOENT (Linux's answers for link(2) and symlink(2)). */
static uint32_t new_nondir_err(const struct sb_name *n)
{
	struct stat sb;

	if (is_dot_or_dotdot(n->name))
		return WASI_EEXIST;
	if (n->trailing_slash)
		return fstatat(n->parent, n->name, &sb, AT_SYMLINK_NOFOLLOW) == 0 ? WASI_EEXIST
										  : WASI_ENOENT;
	return WASI_ESUCCESS;
}

/* The calls that take just (fd, path, path_len) and act on the final name with one *at()
 * call (mkdir, rmdir, unlink): the argument taken and resolved, then `act` on the name. */
static uint32_t on_final_name(struct wasi_ctx *ctx, chibi_caller *c, const uint64_t *a,
			      uint64_t need, uint32_t (*act)(const struct sb_name *n))
{
	struct guest g = guest_of(c);
	struct path_arg p;
	uint32_t err;

	err = path_arg_get(ctx, &g, ARG32(0), need, ARG32(1), ARG32(2), &p);
	if (!err)
		err = path_arg_parent(&p);
	if (!err)
		err = act(&p.n);
	path_arg_done(&p);
	return err;
}

/* "/proc/self/fd/N": names exactly the inode an O_PATH fd holds, for calls that have no
 * fd-based form (utimensat on any file type, linkat following a symlink). */
static void proc_fd_path(char *buf, size_t len, int fd)
{
	snprintf(buf, len, "/proc/self/fd/%d", fd);
}

/* mkdir on the final name: "." and ".." exist already. */
static uint32_t mkdir_name(const struct sb_name *n)
{
	if (is_dot_or_dotdot(n->name))
		return WASI_EEXIST;
	return mkdirat(n->parent, n->name, 0777) == 0 ? WASI_ESUCCESS : wasi_errno(errno);
}

/* path_create_directory(fd, path, path_len) -> errno.  Errors: EBADF, ENOTDIR,
 * ENOTCAPABLE (PATH_CREATE_DIRECTORY, or the path leaves the preopen), EFAULT, EEXIST,
 * ENOENT, ENOSPC, EACCES.
 * https://github.com/WebAssembly/WASI/blob/main/legacy/preview1/docs.md#path_create_directory */
uint32_t wasi_path_create_directory(struct wasi_ctx *ctx, chibi_caller *c, const uint64_t *a)
{
	return on_final_name(ctx, c, a, WASI_RIGHT_PATH_CREATE_DIRECTORY, mkdir_name);
}

/* path_filestat_get(fd, flags: lookupflags, path, path_len, out: filestat*) -> errno.
 * SYMLINK_FOLLOW follows a final symlink, but only while it stays beneath the preopen.
 * Errors: EBADF, ENOTDIR, ENOTCAPABLE (PATH_FILESTAT_GET or escape), EFAULT, ENOENT, ELOOP.
 * https://github.com/WebAssembly/WASI/blob/main/legacy/preview1/docs.md#path_filestat_get */
uint32_t wasi_path_filestat_get(struct wasi_ctx *ctx, chibi_caller *c, const uint64_t *a)
{
	struct guest g = guest_of(c);
	bool follow = ARG32(1) & WASI_LOOKUP_SYMLINK_FOLLOW;
	struct path_arg p;
	struct stat sb;
	uint8_t *out;
	uint32_t err;
	int fd;

	err = path_arg_get(ctx, &g, ARG32(0), WASI_RIGHT_PATH_FILESTAT_GET, ARG32(2), ARG32(3),
			   &p);
	if (err)
		goto out;
	if (!(out = guest_slice(&g, ARG32(4), WASI_FILESTAT_SIZE))) {
		err = WASI_EFAULT;
		goto out;
	}
	if ((err = path_arg_open(&p, O_PATH | (follow ? 0 : O_NOFOLLOW), 0, &fd)))
		goto out;
	if (fstat(fd, &sb) != 0)
		err = wasi_errno(errno);
	else
		wasi_put_filestat(out, &sb, wasi_filetype(sb.st_mode));
	close(fd);
out:
	path_arg_done(&p);
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
	struct path_arg p;
	char proc[64];
	uint32_t err;
	int fd, rfd;

	err = path_arg_get(ctx, &g, ARG32(0), WASI_RIGHT_PATH_FILESTAT_SET_TIMES, ARG32(2),
			   ARG32(3), &p);
	if (!err)
		err = wasi_times(ARG64(4), ARG64(5), ARG32(6), ts);
	if (err)
		goto out;
	if (!follow) {
		/* The final name itself, link or not: utimensat never follows it here. */
		err = path_arg_parent(&p);
		if (!err && utimensat(p.n.parent, p.n.name, ts, AT_SYMLINK_NOFOLLOW) != 0)
			err = wasi_errno(errno);
		goto out;
	}
	/* Following: resolve beneath first, then touch exactly that inode. */
	if ((err = path_arg_open(&p, O_PATH, 0, &fd)))
		goto out;
	proc_fd_path(proc, sizeof(proc), fd);
	if (utimensat(AT_FDCWD, proc, ts, 0) != 0) {
		err = wasi_errno(errno);
		/* No /proc: an ordinary read-only open serves futimens as well. */
		if (errno == ENOENT &&
		    !(err = path_arg_open(&p, O_RDONLY | O_NONBLOCK | O_NOCTTY, 0, &rfd))) {
			if (futimens(rfd, ts) != 0)
				err = wasi_errno(errno);
			close(rfd);
		}
	}
	close(fd);
out:
	path_arg_done(&p);
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
	struct path_arg from = PATH_ARG_INIT, to = PATH_ARG_INIT;
	char proc[64];
	uint32_t err;
	int fd;

	err = path_arg_get(ctx, &g, ARG32(0), WASI_RIGHT_PATH_LINK_SOURCE, ARG32(2), ARG32(3),
			   &from);
	if (!err)
		err = path_arg_get(ctx, &g, ARG32(4), WASI_RIGHT_PATH_LINK_TARGET, ARG32(5),
				   ARG32(6), &to);
	if (!err)
		err = path_arg_parent(&to);
	if (!err)
		err = new_nondir_err(&to.n);
	if (err)
		goto out;
	if (follow) {
		/* The source resolved beneath old_fd first; then link exactly that inode. */
		if ((err = path_arg_open(&from, O_PATH, 0, &fd)))
			goto out;
		proc_fd_path(proc, sizeof(proc), fd);
		if (linkat(AT_FDCWD, proc, to.n.parent, to.n.name, AT_SYMLINK_FOLLOW) != 0 &&
		    linkat(fd, "", to.n.parent, to.n.name, AT_EMPTY_PATH) != 0)
			err = wasi_errno(errno);
		close(fd);
		goto out;
	}
	/* Not following: the source name itself, a symlink included; never a directory. */
	err = path_arg_parent(&from);
	if (!err)
		err = old_nondir_err(&from.n, WASI_EPERM);
	if (!err && linkat(from.n.parent, from.n.name, to.n.parent, to.n.name, 0) != 0)
		err = wasi_errno(errno);
out:
	path_arg_done(&from);
	path_arg_done(&to);
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
 * Rights are masked, never refused (wasi/README.md, "Rights"): the new fd's base rights are
 * the requested ones intersected with fd's inheriting rights and with what the opened
 * object can have (wasi_rights_of_type: a directory gets no byte I/O, a file nothing
 * path-relative); its inheriting rights are the requested ones intersected with fd's.
 * wasi-libc asks for "everything the mode allows" and relies on that.  The directory fd
 * itself needs PATH_OPEN, plus PATH_CREATE_FILE for CREAT and PATH_FILESTAT_SET_SIZE for
 * TRUNC.  fdflags need no right (APPEND, DSYNC, NONBLOCK, RSYNC, SYNC all map to Linux
 * open flags).  Asking for FD_WRITE on what turns out to be a directory opens it
 * read-only, as wasi-libc's open(".", O_RDONLY) with all rights must work.
 * Without SYMLINK_FOLLOW a final symlink is not followed (ELOOP).
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
	struct path_arg p;
	struct stat sb;
	uint8_t type;
	int fd, fl;

	if (oflags & WASI_O_CREAT)
		need |= WASI_RIGHT_PATH_CREATE_FILE;
	if (oflags & WASI_O_TRUNC)
		need |= WASI_RIGHT_PATH_FILESTAT_SET_SIZE;
	if ((err = path_arg_get(ctx, &g, ARG32(0), need, ARG32(2), ARG32(3), &p)))
		goto out;
	/* A directory is never created, truncated or exclusively opened: EINVAL before the
	 * path is looked at, as wasmtime does (openat2 refuses O_CREAT|O_DIRECTORY up front on
	 * Linux >= 6.4, while the fallback walk used to resolve the path first and answer
	 * ENOTCAPABLE or ENAMETOOLONG: found by tools/wasi-fuzz.sh). */
	if ((oflags & ~0xfu) || (fdflags & ~WASI_FDFLAGS_ALL) ||
	    ((oflags & WASI_O_DIRECTORY) && (oflags & (WASI_O_CREAT | WASI_O_EXCL | WASI_O_TRUNC)))) {
		err = WASI_EINVAL;
		goto out;
	}
	if (!guest_ok(&g, ARG32(8), 4)) {
		err = WASI_EFAULT; /* checked before anything is created */
		goto out;
	}
	base = ARG64(5) & p.dir->inh;
	inh = ARG64(6) & p.dir->inh;
	fl = open_flags(oflags, fdflags, follow, base);
	if (p.dir->readonly && (fl & (O_WRONLY | O_RDWR | O_CREAT | O_TRUNC))) {
		err = WASI_ENOTCAPABLE; /* cannot happen with stripped rights: belt and braces */
		goto out;
	}
	err = path_arg_open(&p, fl, 0666, &fd);
	if (err == WASI_EISDIR && (fl & O_ACCMODE) != O_RDONLY && !(fl & (O_CREAT | O_TRUNC))) {
		/* A directory asked for with write rights: it gets none (masked below). */
		fl = (fl & ~(O_ACCMODE | O_APPEND | O_DSYNC | O_SYNC)) | O_RDONLY | O_DIRECTORY;
		err = path_arg_open(&p, fl, 0, &fd);
	}
	if (err)
		goto out;
	if (fstat(fd, &sb) != 0) {
		err = wasi_errno(errno);
		close(fd);
		goto out;
	}
	type = wasi_filetype(sb.st_mode);
	base &= wasi_rights_of_type(type, fd);
	err = wasi_fd_install(ctx, fd, type, base, inh, p.dir->readonly, &newfd);
	if (!err)
		guest_put_u32(&g, ARG32(8), newfd);
out:
	path_arg_done(&p);
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
	struct path_arg p;
	char *tmp = NULL;
	uint8_t *buf;
	ssize_t len;

	err = path_arg_get(ctx, &g, ARG32(0), WASI_RIGHT_PATH_READLINK, ARG32(1), ARG32(2), &p);
	if (err)
		goto out;
	if (!(buf = guest_slice(&g, ARG32(3), blen)) || !guest_ok(&g, ARG32(5), 4)) {
		err = WASI_EFAULT;
		goto out;
	}
	if ((err = path_arg_parent(&p)))
		goto out;
	if (p.n.trailing_slash) {
		err = trailing_slash_err(&p.n, WASI_EINVAL);
	} else if (!(tmp = vm_malloc(WASI_PATH_MAX))) {
		err = WASI_ENOMEM;
	} else if ((len = readlinkat(p.n.parent, p.n.name, tmp, WASI_PATH_MAX)) < 0) {
		err = wasi_errno(errno);
	} else {
		if ((uint64_t)len > blen)
			len = blen;
		memcpy(buf, tmp, (size_t)len);
		guest_put_u32(&g, ARG32(5), (uint32_t)len);
	}
out:
	free(tmp);
	path_arg_done(&p);
	return err;
}

/* rmdir on the final name: "." is EINVAL and ".." ENOTEMPTY, as rmdir(2) has them; the
 * EEXIST Linux may give for a non-empty directory is ENOTEMPTY as well. */
static uint32_t rmdir_name(const struct sb_name *n)
{
	if (strcmp(n->name, ".") == 0)
		return WASI_EINVAL;
	if (strcmp(n->name, "..") == 0)
		return WASI_ENOTEMPTY;
	if (unlinkat(n->parent, n->name, AT_REMOVEDIR) != 0)
		return errno == EEXIST ? WASI_ENOTEMPTY : wasi_errno(errno);
	return WASI_ESUCCESS;
}

/* path_remove_directory(fd, path, path_len) -> errno.  Errors: EBADF, ENOTDIR,
 * ENOTCAPABLE (PATH_REMOVE_DIRECTORY or escape), EFAULT, ENOENT, ENOTEMPTY, EINVAL (".").
 * https://github.com/WebAssembly/WASI/blob/main/legacy/preview1/docs.md#path_remove_directory */
uint32_t wasi_path_remove_directory(struct wasi_ctx *ctx, chibi_caller *c, const uint64_t *a)
{
	return on_final_name(ctx, c, a, WASI_RIGHT_PATH_REMOVE_DIRECTORY, rmdir_name);
}

/* path_rename(fd, old_path, old_len, new_fd, new_path, new_len) -> errno.  Both ends are
 * resolved beneath their own directory fd.  Errors: EBADF, ENOTDIR, ENOTCAPABLE
 * (PATH_RENAME_SOURCE / PATH_RENAME_TARGET or escape), EFAULT, ENOENT, EEXIST, ENOTEMPTY,
 * EISDIR, EINVAL, EBUSY, EXDEV.
 * https://github.com/WebAssembly/WASI/blob/main/legacy/preview1/docs.md#path_rename */
uint32_t wasi_path_rename(struct wasi_ctx *ctx, chibi_caller *c, const uint64_t *a)
{
	struct guest g = guest_of(c);
	struct path_arg from = PATH_ARG_INIT, to = PATH_ARG_INIT;
	struct stat sb;
	uint32_t err;

	err = path_arg_get(ctx, &g, ARG32(0), WASI_RIGHT_PATH_RENAME_SOURCE, ARG32(1), ARG32(2),
			   &from);
	if (!err)
		err = path_arg_get(ctx, &g, ARG32(3), WASI_RIGHT_PATH_RENAME_TARGET, ARG32(4),
				   ARG32(5), &to);
	if (!err)
		err = path_arg_parent(&from);
	if (!err)
		err = path_arg_parent(&to);
	if (err)
		goto out;
	if (is_dot_or_dotdot(from.n.name) || is_dot_or_dotdot(to.n.name)) {
		err = WASI_EBUSY;
		goto out;
	}
	if (from.n.trailing_slash || to.n.trailing_slash) {
		/* "x/" may only name a directory. */
		if (fstatat(from.n.parent, from.n.name, &sb, AT_SYMLINK_NOFOLLOW) != 0) {
			err = wasi_errno(errno);
			goto out;
		}
		if (!S_ISDIR(sb.st_mode)) {
			err = WASI_ENOTDIR;
			goto out;
		}
	}
	if (renameat(from.n.parent, from.n.name, to.n.parent, to.n.name) != 0)
		err = wasi_errno(errno);
out:
	path_arg_done(&from);
	path_arg_done(&to);
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
	struct path_arg p;
	char *target = NULL;
	uint32_t err;

	err = path_arg_get(ctx, &g, ARG32(2), WASI_RIGHT_PATH_SYMLINK, ARG32(3), ARG32(4), &p);
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
	err = path_arg_parent(&p);
	if (!err)
		err = new_nondir_err(&p.n);
	if (!err && symlinkat(target, p.n.parent, p.n.name) != 0)
		err = wasi_errno(errno);
out:
	free(target);
	path_arg_done(&p);
	return err;
}

/* unlink on the final name: never a directory. */
static uint32_t unlink_name(const struct sb_name *n)
{
	uint32_t err = old_nondir_err(n, WASI_EISDIR);

	if (!err && unlinkat(n->parent, n->name, 0) != 0)
		err = wasi_errno(errno);
	return err;
}

/* path_unlink_file(fd, path, path_len) -> errno.  Removes a non-directory (a symlink
 * itself, never its target).  Errors: EBADF, ENOTDIR, ENOTCAPABLE (PATH_UNLINK_FILE or
 * escape), EFAULT, ENOENT, EISDIR.
 * https://github.com/WebAssembly/WASI/blob/main/legacy/preview1/docs.md#path_unlink_file */
uint32_t wasi_path_unlink_file(struct wasi_ctx *ctx, chibi_caller *c, const uint64_t *a)
{
	return on_final_name(ctx, c, a, WASI_RIGHT_PATH_UNLINK_FILE, unlink_name);
}
