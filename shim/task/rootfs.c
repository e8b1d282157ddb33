/* shim/task/rootfs.c - snapshot mounts onto bundle/rootfs.
 *
 * mount(2) data is limited to one page, and an overlay with many layers passes it.  Like
 * containerd's mount_linux.go, lowerdir paths are then made relative to their common parent
 * and the mount runs from there; the chdir happens on a helper thread that has unshared its
 * fs context (CLONE_FS), so the shim's other threads never see a changed cwd.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rootfs.h"

static const struct {
	const char *name;
	int clear;              /* 1: option clears the flag (rw, suid, ...) */
	unsigned long flag;
} flag_opts[] = {
	{ "async", 1, MS_SYNCHRONOUS },  { "atime", 1, MS_NOATIME },
	{ "bind", 0, MS_BIND },          { "defaults", 0, 0 },
	{ "dev", 1, MS_NODEV },          { "diratime", 1, MS_NODIRATIME },
	{ "dirsync", 0, MS_DIRSYNC },    { "exec", 1, MS_NOEXEC },
	{ "mand", 0, MS_MANDLOCK },      { "noatime", 0, MS_NOATIME },
	{ "nodev", 0, MS_NODEV },        { "nodiratime", 0, MS_NODIRATIME },
	{ "noexec", 0, MS_NOEXEC },      { "nomand", 1, MS_MANDLOCK },
	{ "norelatime", 1, MS_RELATIME },{ "nostrictatime", 1, MS_STRICTATIME },
	{ "nosuid", 0, MS_NOSUID },      { "rbind", 0, MS_BIND | MS_REC },
	{ "relatime", 0, MS_RELATIME },  { "remount", 0, MS_REMOUNT },
	{ "ro", 0, MS_RDONLY },          { "rw", 1, MS_RDONLY },
	{ "strictatime", 0, MS_STRICTATIME }, { "suid", 1, MS_NOSUID },
	{ "sync", 0, MS_SYNCHRONOUS },
};

static const struct {
	const char *name;
	unsigned long flag;
} prop_opts[] = {
	{ "private", MS_PRIVATE }, { "rprivate", MS_PRIVATE | MS_REC },
	{ "shared", MS_SHARED },   { "rshared", MS_SHARED | MS_REC },
	{ "slave", MS_SLAVE },     { "rslave", MS_SLAVE | MS_REC },
	{ "unbindable", MS_UNBINDABLE }, { "runbindable", MS_UNBINDABLE | MS_REC },
};

/* mount(8) options -> flags, propagation and data (rootfs.h). */
int rootfs_parse_options(char *const *opts, size_t n, unsigned long *flags,
			 unsigned long *propagation, char *data, size_t datalen)
{
	size_t used = 0;

	*flags = 0;
	*propagation = 0;
	if (datalen)
		data[0] = 0;
	for (size_t i = 0; i < n; i++) {
		const char *o = opts[i];
		int known = 0;
		size_t ol;

		for (size_t k = 0; k < sizeof(flag_opts) / sizeof(flag_opts[0]); k++) {
			if (strcmp(o, flag_opts[k].name) == 0) {
				if (flag_opts[k].clear)
					*flags &= ~flag_opts[k].flag;
				else
					*flags |= flag_opts[k].flag;
				known = 1;
				break;
			}
		}
		for (size_t k = 0; !known && k < sizeof(prop_opts) / sizeof(prop_opts[0]); k++) {
			if (strcmp(o, prop_opts[k].name) == 0) {
				*propagation |= prop_opts[k].flag;
				known = 1;
			}
		}
		if (known)
			continue;
		ol = strlen(o);
		if (used + ol + 2 > datalen)
			return -1;
		if (used)
			data[used++] = ',';
		memcpy(data + used, o, ol + 1);
		used += ol;
	}
	return 0;
}

/* Length of the directory prefix shared by every lowerdir entry ("/a/b/" of /a/b/1/fs and
 * /a/b/2/fs), or 0 if none.  s points at the value after "lowerdir=". */
static size_t common_dir(const char *s)
{
	const char *first = s, *colon = strchr(s, ':');
	size_t best = colon ? (size_t)(colon - s) : strlen(s);

	for (const char *p = s; p;) {
		const char *end = strchr(p, ':');
		size_t len = end ? (size_t)(end - p) : strlen(p), k = 0;

		while (k < best && k < len && first[k] == p[k])
			k++;
		best = k;
		p = end ? end + 1 : NULL;
	}
	while (best > 0 && first[best - 1] != '/')
		best--;
	return best;
}

struct long_mount {
	const char *source, *target, *type, *data, *dir;
	unsigned long flags;
	int rc, err;
};

static void *long_mount_thread(void *arg)
{
	struct long_mount *lm = arg;

	lm->rc = -1;
	/* Own cwd for this thread only; the rest of the shim keeps its cwd. */
	if (unshare(CLONE_FS) || chdir(lm->dir)) {
		lm->err = errno;
		return NULL;
	}
	lm->rc = mount(lm->source, lm->target, lm->type, lm->flags, lm->data);
	lm->err = errno;
	return NULL;
}

/* Overlay data over a page: rewrite lowerdir relative to its common dir and mount from
 * there.  target must be absolute (it is: bundle paths are). */
static int mount_long_overlay(const char *source, const char *target, const char *type,
			      unsigned long flags, const char *data)
{
	const char *lo = strstr(data, "lowerdir=");
	char *rel, *o, dir[PATH_MAX];
	size_t pre;
	struct long_mount lm;
	pthread_t t;

	if (!lo || (lo != data && lo[-1] != ',')) {
		errno = E2BIG;
		return -1;
	}
	lo += 9;
	pre = common_dir(lo);
	if (pre == 0 || pre >= sizeof(dir)) {
		errno = E2BIG;
		return -1;
	}
	memcpy(dir, lo, pre);
	dir[pre] = 0;
	rel = malloc(strlen(data) + 1);
	if (!rel)
		return -1;
	/* Copy data, dropping the common prefix from each lowerdir entry. */
	o = rel;
	memcpy(o, data, (size_t)(lo - data));
	o += lo - data;
	for (const char *p = lo; *p && *p != ',';) {
		const char *end = p + strcspn(p, ":,");

		memcpy(o, p + pre, (size_t)(end - p) - pre);
		o += (end - p) - (ptrdiff_t)pre;
		p = end;
		if (*p == ':')
			*o++ = *p++;
		else {
			strcpy(o, p);
			o += strlen(p);
			break;
		}
	}
	*o = 0;
	lm = (struct long_mount){ .source = source, .target = target, .type = type,
				  .data = rel, .dir = dir, .flags = flags };
	if (pthread_create(&t, NULL, long_mount_thread, &lm)) {
		free(rel);
		errno = EAGAIN;
		return -1;
	}
	pthread_join(t, NULL);
	free(rel);
	errno = lm.err;
	return lm.rc;
}

static int mount_one(const char *target, const struct rootfs_mount *m, char *err,
		     size_t errlen)
{
	unsigned long flags, prop;
	char *data;
	size_t cap = 1;
	int rc;
	long page = sysconf(_SC_PAGESIZE);

	for (size_t i = 0; i < m->noptions; i++)
		cap += strlen(m->options[i]) + 1;
	data = malloc(cap);
	if (!data) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	rootfs_parse_options(m->options, m->noptions, &flags, &prop, data, cap);
	if ((long)strlen(data) >= page - 1 && strcmp(m->type, "overlay") == 0)
		rc = mount_long_overlay(m->source, target, m->type, flags & ~MS_REMOUNT, data);
	else
		rc = mount(m->source, target, m->type, flags & ~MS_REMOUNT, data[0] ? data : NULL);
	if (rc == 0 && (flags & MS_BIND) && (flags & MS_RDONLY)) {
		/* A bind mount ignores MS_RDONLY until it is remounted. */
		rc = mount(NULL, target, NULL, MS_REMOUNT | MS_BIND | (flags & ~MS_REC), NULL);
	}
	if (rc == 0 && prop)
		rc = mount(NULL, target, NULL, prop, NULL);
	if (rc)
		snprintf(err, errlen, "mount %s (%s) on %s: %s", m->source, m->type, target,
			 strerror(errno));
	free(data);
	return rc;
}

/* Mount the snapshot mounts in order on target; all or nothing (rootfs.h). */
int rootfs_mount(const char *target, const struct rootfs_mount *m, size_t n, char *err,
		 size_t errlen)
{
	if (mkdir(target, 0711) && errno != EEXIST) {
		snprintf(err, errlen, "mkdir %s: %s", target, strerror(errno));
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		if (mount_one(target, &m[i], err, errlen)) {
			for (size_t k = 0; k < i; k++)
				umount2(target, MNT_DETACH);
			return -1;
		}
	}
	return 0;
}

/* Peel every mount off target; returns how many. */
int rootfs_unmount(const char *target)
{
	int n = 0;

	/* Each call peels one layer; stop when nothing (EINVAL) or nothing reachable is left. */
	while (n < 64 && umount2(target, MNT_DETACH) == 0)
		n++;
	return n;
}

/* ---- file bind mounts ------------------------------------------------------------------- */

/* close(fd) without losing the errno a failure set before it. */
static void close_keep_errno(int fd)
{
	int e = errno;

	close(fd);
	errno = e;
}

/* Open (creating 0755 if missing) each directory of the relative path rel[0..len) beneath
 * dirfd, never following a symlink: the image decides what the rootfs holds, and a symlink
 * planted there (/etc -> /host/etc) must not move a mount out of it.  Returns an O_PATH fd of
 * the last directory, or -1 with errno. */
static int open_dirs_beneath(int dirfd, const char *rel, size_t len)
{
	int fd = dup(dirfd);
	size_t i = 0;

	while (fd >= 0 && i < len) {
		char comp[NAME_MAX + 1];
		size_t n = 0;
		int next;

		while (i < len && rel[i] == '/')
			i++;
		while (i < len && rel[i] != '/' && n < NAME_MAX)
			comp[n++] = rel[i++];
		if (n == 0)
			break;
		comp[n] = '\0';
		if (i < len && rel[i] != '/') {
			close(fd);
			errno = ENAMETOOLONG;
			return -1;
		}
		if (strcmp(comp, ".") == 0)
			continue;
		if (strcmp(comp, "..") == 0) {
			close(fd);
			errno = EXDEV;
			return -1;
		}
		if (mkdirat(fd, comp, 0755) && errno != EEXIST) {
			close_keep_errno(fd);
			return -1;
		}
		next = openat(fd, comp, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (next < 0 && (errno == ENOTDIR || errno == ELOOP)) {
			struct stat st;

			/* O_NOFOLLOW|O_DIRECTORY on a symlink reports ENOTDIR; say what it is. */
			if (fstatat(fd, comp, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode))
				errno = ELOOP;
		}
		close_keep_errno(fd);
		fd = next;
	}
	return fd;
}

/* Bind the regular file source onto root/dest (rootfs.h). */
int rootfs_bind_file(const char *root, const char *source, const char *dest, bool readonly,
		     char *err, size_t errlen)
{
	const char *base = strrchr(dest, '/');
	char proc[64];
	int rootfd = -1, dirfd = -1, fd = -1, rc = -1;
	struct stat st;

	if (dest[0] != '/' || !base || !base[1] || strcmp(base + 1, ".") == 0 ||
	    strcmp(base + 1, "..") == 0) {
		snprintf(err, errlen, "bind %s: destination %s is not an absolute file path", source,
			 dest);
		return -1;
	}
	if (stat(source, &st) || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "bind %s on %s: source is not a regular file", source, dest);
		return -1;
	}
	rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0) {
		snprintf(err, errlen, "bind %s on %s: open rootfs %s: %s", source, dest, root,
			 strerror(errno));
		return -1;
	}
	dirfd = open_dirs_beneath(rootfd, dest + 1, base > dest ? (size_t)(base - dest - 1) : 0);
	if (dirfd < 0) {
		snprintf(err, errlen, "bind %s on %s: %s", source, dest,
			 errno == ELOOP ? "a directory on the way is a symlink in the image" :
			 errno == EXDEV ? "destination has a .. component" : strerror(errno));
		goto out;
	}
	/* The mount point: an existing regular file (not a symlink), or a new empty one. */
	fd = openat(dirfd, base + 1, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT) {
		int c = openat(dirfd, base + 1, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
			       0644);

		if (c >= 0)
			close(c);
		fd = openat(dirfd, base + 1, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	}
	if (fd < 0 || fstat(fd, &st)) {
		snprintf(err, errlen, "bind %s on %s: %s", source, dest, strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "bind %s on %s: the image has a %s there, not a file", source,
			 dest, S_ISLNK(st.st_mode) ? "symlink" : S_ISDIR(st.st_mode) ? "directory" :
			 "special file");
		goto out;
	}
	/* Mount through the descriptor, so what is mounted on is what was checked. */
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	if (mount(source, proc, NULL, MS_BIND, NULL)) {
		snprintf(err, errlen, "bind %s on %s: %s", source, dest, strerror(errno));
		goto out;
	}
	if (readonly) {
		/* A bind ignores MS_RDONLY until remounted; the new mount is reached by name. */
		int m = openat(dirfd, base + 1, O_PATH | O_NOFOLLOW | O_CLOEXEC);

		snprintf(proc, sizeof(proc), "/proc/self/fd/%d", m);
		if (m < 0 || mount(NULL, proc, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY, NULL)) {
			snprintf(err, errlen, "bind %s on %s: read-only remount: %s", source, dest,
				 strerror(errno));
			if (m >= 0) {
				umount2(proc, MNT_DETACH);
				close(m);
			}
			goto out;
		}
		close(m);
	}
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	if (dirfd >= 0)
		close(dirfd);
	close(rootfd);
	return rc;
}
