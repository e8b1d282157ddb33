/* wasi/sandbox.c - resolve guest paths strictly beneath a preopened directory.
 *
 * sb_open() is the only way WASI opens a path: openat2(RESOLVE_BENEATH|RESOLVE_NO_MAGICLINKS)
 * when the kernel has it (Linux >= 5.6), otherwise a component-by-component walk that never
 * lets the kernel follow a symlink (O_NOFOLLOW on every step) and expands links itself,
 * refusing absolute targets and `..` above the start.  sb_parent() opens the parent of a path
 * the same way so that mkdir/unlink/rename/... can use *at() calls on one final component.
 * It does not check WASI rights; the handlers do that before calling in.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "ctx.h"

#ifndef SYS_openat2
#define SYS_openat2 437 /* the same number on every Linux architecture */
#endif
#define SB_RESOLVE_NO_MAGICLINKS 0x02
#define SB_RESOLVE_BENEATH 0x08
#define SB_MAX_LINKS 40 /* Linux's own MAXSYMLINKS */

/* struct open_how of linux/openat2.h, spelled out so older headers still build. */
struct sb_open_how {
	uint64_t flags;
	uint64_t mode;
	uint64_t resolve;
};

/* 0 = try openat2, 1 = kernel lacks it or forced: walk. */
static int use_walk;

/* Use the component walk even when openat2 exists (tests; CHIBI_WASI_NO_OPENAT2). */
void sb_force_walk(bool on)
{
	use_walk = on;
}

/* A growable stack of directory fds: [0] is a dup of the start, the top is "here".
 * Popping on `..` instead of opening ".." means a directory moved during the walk cannot
 * carry us above the start. */
struct dirstack {
	int *fd;
	size_t n, cap;
};

static int ds_push(struct dirstack *s, int fd)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 16;
		int *p = vm_realloc(s->fd, cap, sizeof(*p));

		if (!p) {
			close(fd);
			return -ENOMEM;
		}
		s->fd = p;
		s->cap = cap;
	}
	s->fd[s->n++] = fd;
	return 0;
}

static void ds_free(struct dirstack *s)
{
	while (s->n)
		close(s->fd[--s->n]);
	free(s->fd);
}

/* Replace `rest` (heap) with link text + "/" + tail.  Returns 0 or -errno. */
static int splice_link(char **rest, const char *link, size_t linklen, const char *tail)
{
	size_t tl = strlen(tail);
	char *n = vm_malloc(linklen + 1 + tl + 1);

	if (!n)
		return -ENOMEM;
	memcpy(n, link, linklen);
	n[linklen] = '\0';
	if (tl) {
		n[linklen] = '/';
		memcpy(n + linklen + 1, tail, tl + 1);
	}
	free(*rest);
	*rest = n;
	return 0;
}

/*
 * The fallback walk.  `rest` holds what is still to resolve; a symlink met on the way is
 * replaced by its text (relative only) and resolution continues from the current directory,
 * exactly as the kernel would but with every step checked.
 */
static int walk_open(int dirfd, const char *path, int flags, mode_t mode)
{
	struct dirstack st = { NULL, 0, 0 };
	char *rest = vm_strdup(path);
	char *link = NULL;
	int links = 0, ret, fd;
	size_t pos = 0;

	if (!rest)
		return -ENOMEM;
	if (rest[0] == '/') {
		ret = -SB_ESCAPE;
		goto out;
	}
	fd = fcntl(dirfd, F_DUPFD_CLOEXEC, 0);
	if (fd < 0 || (ret = ds_push(&st, fd)) < 0) {
		ret = fd < 0 ? -errno : ret;
		goto out;
	}
	for (;;) {
		char *comp, *tail;
		bool last, slash;
		struct stat sb;
		int top = st.fd[st.n - 1];

		while (rest[pos] == '/')
			pos++;
		if (rest[pos] == '\0') {
			/* "" or a path ending on "." / ".." / "dir/": open where we stand. */
			fd = openat(top, ".", (flags & ~O_NOFOLLOW) | O_CLOEXEC, mode);
			ret = fd < 0 ? -errno : fd;
			goto out;
		}
		comp = rest + pos;
		tail = strchr(comp, '/');
		slash = tail != NULL;
		if (tail) {
			*tail++ = '\0';
			while (*tail == '/')
				tail++;
		} else {
			tail = comp + strlen(comp);
		}
		last = *tail == '\0';
		pos = (size_t)(tail - rest);

		if (strcmp(comp, ".") == 0)
			continue;
		if (strcmp(comp, "..") == 0) {
			if (st.n == 1) {
				ret = -SB_ESCAPE;
				goto out;
			}
			close(st.fd[--st.n]);
			continue;
		}
		if (last && slash && (flags & O_CREAT)) {
			/* "name/" to create: EISDIR whatever name is, as the kernel (openat2)
			 * answers before it looks at the name (found by tools/wasi-fuzz.sh) */
			ret = -EISDIR;
			goto out;
		}
		if (last && !slash && ((flags & O_NOFOLLOW) ||
				       (flags & (O_CREAT | O_EXCL)) == (O_CREAT | O_EXCL))) {
			/* The caller wants the final name itself, link or not (O_CREAT|O_EXCL
			 * never follows it: an existing link is EEXIST, as with openat2, not
			 * whatever resolving its target gives; found by tools/wasi-fuzz.sh). */
			fd = openat(top, comp, flags | O_CLOEXEC, mode);
			ret = fd < 0 ? -errno : fd;
			goto out;
		}
		if (fstatat(top, comp, &sb, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(sb.st_mode)) {
			ssize_t n;

			if (++links > SB_MAX_LINKS) {
				ret = -ELOOP;
				goto out;
			}
			if (!link && !(link = vm_malloc(WASI_PATH_MAX))) {
				ret = -ENOMEM;
				goto out;
			}
			n = readlinkat(top, comp, link, WASI_PATH_MAX);
			if (n < 0 || n >= (ssize_t)WASI_PATH_MAX) {
				ret = n < 0 ? -errno : -ENAMETOOLONG;
				goto out;
			}
			if (n == 0) {
				ret = -ENOENT;
				goto out;
			}
			if (link[0] == '/') {
				ret = -SB_ESCAPE; /* absolute target: never beneath */
				goto out;
			}
			/* A link that was "name/" keeps its trailing slash (must be a dir). */
			if ((ret = splice_link(&rest, link, (size_t)n,
					       slash && last ? "." : tail)) < 0)
				goto out;
			pos = 0;
			continue;
		}
		if (last && !slash) {
			fd = openat(top, comp, flags | O_NOFOLLOW | O_CLOEXEC, mode);
			if (fd < 0) {
				ret = -errno;
				/* Swapped for a symlink since the fstatat: resolve again. */
				if (ret == -ELOOP && ++links <= SB_MAX_LINKS) {
					pos = (size_t)(comp - rest);
					continue;
				}
				goto out;
			}
			if ((flags & O_PATH) && fstat(fd, &sb) == 0 && S_ISLNK(sb.st_mode)) {
				close(fd);
				if (++links > SB_MAX_LINKS) {
					ret = -ELOOP;
					goto out;
				}
				pos = (size_t)(comp - rest);
				continue;
			}
			ret = fd;
			goto out;
		}
		/* An intermediate component (or "name/"): must be a real directory. */
		fd = openat(top, comp, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0) {
			ret = -errno;
			if (ret == -ELOOP && ++links <= SB_MAX_LINKS) {
				/* Raced into a symlink: put the separator back and retry. */
				if (slash)
					comp[strlen(comp)] = '/';
				pos = (size_t)(comp - rest);
				continue;
			}
			goto out;
		}
		if ((ret = ds_push(&st, fd)) < 0)
			goto out;
	}
out:
	ds_free(&st);
	free(rest);
	free(link);
	return ret;
}

/* Open path beneath dirfd; see ctx.h for the contract. */
int sb_open(int dirfd, const char *path, int flags, mode_t mode)
{
	struct sb_open_how how;
	int tries, fd, e = ENOSYS;

	if (path[0] == '/')
		return -SB_ESCAPE;
	if (path[0] == '\0')
		return -ENOENT; /* as open(""): the walk would otherwise land on "." */
	if (!use_walk) {
		memset(&how, 0, sizeof(how));
		how.flags = (uint64_t)(unsigned)(flags | O_CLOEXEC);
		/* openat2 insists on mode 0 unless creating; O_TMPFILE contains O_DIRECTORY's
		 * bit, so test it whole. */
		how.mode = ((flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE) ? mode : 0;
		how.resolve = SB_RESOLVE_BENEATH | SB_RESOLVE_NO_MAGICLINKS;
		/* EAGAIN: a concurrent rename anywhere on the system raced a ".." lookup; the
		 * kernel asks us to retry.  On a busy machine the retries can all lose (a third
		 * of the opens of a long ".." path beside a rename loop): then the walk, which
		 * answers the same, rather than an EAGAIN the guest never expects.
		 * EINTR is not retried: it is --timeout waking a blocked open (a fifo), and the
		 * guest must get back to wasm to trap. */
		for (tries = 0; tries < 16; tries++) {
			fd = (int)syscall(SYS_openat2, dirfd, path, &how, sizeof(how));
			if (fd >= 0)
				return fd;
			e = errno;
			if (e != EAGAIN)
				break;
		}
		if (e == EXDEV)
			return -SB_ESCAPE;
		if (e != ENOSYS && e != EPERM && e != EAGAIN)
			return -e;
		/* ENOSYS: old kernel; EPERM: a seccomp filter refusing openat2.  Walk. */
		if (e == ENOSYS)
			use_walk = 1;
	}
	return walk_open(dirfd, path, flags, mode);
}

/* Split and open the parent; see ctx.h. */
int sb_parent(int dirfd, char *path, struct sb_name *out)
{
	size_t len = strlen(path);
	char *slash;
	int fd;

	out->parent = -1;
	out->name = NULL;
	out->trailing_slash = false;
	if (path[0] == '/')
		return -SB_ESCAPE;
	if (len == 0)
		return -ENOENT;
	while (len > 1 && path[len - 1] == '/') {
		path[--len] = '\0';
		out->trailing_slash = true;
	}
	slash = strrchr(path, '/');
	out->name = slash ? slash + 1 : path;
	if (strcmp(out->name, "..") == 0) {
		/* "x/.." names a directory above x: refuse it if that is above the start. */
		fd = sb_open(dirfd, path, O_PATH | O_DIRECTORY, 0);
		if (fd < 0)
			return fd;
		close(fd);
	}
	if (slash) {
		*slash = '\0';
		/* "a//b": the parent string may now end in slashes; harmless for open. */
		fd = sb_open(dirfd, path[0] ? path : ".", O_PATH | O_DIRECTORY, 0);
	} else {
		fd = sb_open(dirfd, ".", O_PATH | O_DIRECTORY, 0);
	}
	if (fd < 0)
		return fd;
	out->parent = fd;
	return 0;
}

/* Close the parent fd of a split path (idempotent). */
void sb_name_done(struct sb_name *n)
{
	if (n->parent >= 0)
		close(n->parent);
	n->parent = -1;
}
