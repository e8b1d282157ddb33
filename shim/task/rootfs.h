/* shim/task/rootfs.h - mount containerd's snapshot mounts on bundle/rootfs, and take them off.
 *
 * Handles what the snapshotters hand a shim: overlay (index=off, workdir, upperdir, lowerdir),
 * bind/rbind (native snapshotter, read-only views) with mount(8)-style flag options.
 */
#ifndef CHIBI_SHIM_ROOTFS_H
#define CHIBI_SHIM_ROOTFS_H

#include <stdbool.h>
#include <stddef.h>

struct rootfs_mount {
	const char *type;
	const char *source;
	char **options;
	size_t noptions;
};

/* Mount m[0..n) in order onto target (created 0711 if missing).  On failure, mounts already
 * made are undone and -1 is returned with a message in err. */
int rootfs_mount(const char *target, const struct rootfs_mount *m, size_t n, char *err,
		 size_t errlen);

/* Unmount everything stacked on target (lazily, so busy mounts still go).  Returns how many
 * mounts were removed.  Harmless when nothing is mounted there. */
int rootfs_unmount(const char *target);

/* Bind-mount the regular file source onto root/dest (dest absolute, as the guest sees it),
 * read-only if asked: how a container gets the /etc/hosts, /etc/resolv.conf, /etc/hostname
 * and /dev/termination-log files Kubernetes hands it, which a WASI preopen (a directory)
 * cannot carry.  Missing directories and an empty mount point are created in the rootfs;
 * nothing on the way may be a symlink or `..`, so the image cannot redirect the mount
 * outside root.  The mount sits below root's own mounts, so rootfs_unmount() takes it off
 * with them.  Returns 0, or -1 with a message in err. */
int rootfs_bind_file(const char *root, const char *source, const char *dest, bool readonly,
		     char *err, size_t errlen);

/* Split options into mount(2) flags and a data string (exposed for unit tests).  Returns 0,
 * or -1 if data does not fit datalen.  *propagation gets MS_PRIVATE/MS_SLAVE/... if asked. */
int rootfs_parse_options(char *const *opts, size_t n, unsigned long *flags,
			 unsigned long *propagation, char *data, size_t datalen);

#endif
