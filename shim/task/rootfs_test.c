/* shim/task/rootfs_test.c - snapshot mount options -> mount(2) flags and data; file binds. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <unistd.h>

#include "rootfs.h"

Test(rootfs, overlay_options_are_data)
{
	char *o[] = { "index=off", "workdir=/w", "upperdir=/u", "lowerdir=/l1:/l2" };
	unsigned long flags, prop;
	char data[256];

	cr_assert_eq(rootfs_parse_options(o, 4, &flags, &prop, data, sizeof(data)), 0);
	cr_assert_eq(flags, 0);
	cr_assert_eq(prop, 0);
	cr_assert_str_eq(data, "index=off,workdir=/w,upperdir=/u,lowerdir=/l1:/l2");
}

Test(rootfs, bind_flags)
{
	char *o[] = { "rbind", "ro", "nosuid", "rprivate" };
	unsigned long flags, prop;
	char data[64];

	cr_assert_eq(rootfs_parse_options(o, 4, &flags, &prop, data, sizeof(data)), 0);
	cr_assert_eq(flags, MS_BIND | MS_REC | MS_RDONLY | MS_NOSUID);
	cr_assert_eq(prop, MS_PRIVATE | MS_REC);
	cr_assert_str_eq(data, "");
}

Test(rootfs, later_options_win)
{
	char *o[] = { "ro", "rw", "noexec", "exec" };
	unsigned long flags, prop;
	char data[8];

	cr_assert_eq(rootfs_parse_options(o, 4, &flags, &prop, data, sizeof(data)), 0);
	cr_assert_eq(flags, 0);
}

Test(rootfs, data_overflow_is_reported)
{
	char *o[] = { "lowerdir=/a/very/long/path" };
	unsigned long flags, prop;
	char data[8];

	cr_assert_eq(rootfs_parse_options(o, 1, &flags, &prop, data, sizeof(data)), -1);
}

/* An overlay whose options pass a page: mounted through the relative-lowerdir path.  Needs
 * root (mount); skipped otherwise. */
Test(rootfs, overlay_with_data_over_a_page)
{
	char base[] = "/tmp/rootfs_test.XXXXXX", path[700], opt[8192], target[600], cmd[800];
	struct rootfs_mount m = { .type = "overlay", .source = "overlay" };
	char *opts[3];
	int layers = 80;
	size_t used;
	FILE *f;

	if (geteuid() != 0)
		cr_skip_test("needs root");
	cr_assert_not_null(mkdtemp(base));
	used = (size_t)snprintf(opt, sizeof(opt), "lowerdir=");
	for (int i = 0; i < layers; i++) {
		snprintf(path, sizeof(path), "%s/snapshots/%03d/a-rather-long-layer-directory-name/fs",
			 base, i);
		snprintf(cmd, sizeof(cmd), "mkdir -p %s", path);
		cr_assert_eq(system(cmd), 0);
		used += (size_t)snprintf(opt + used, sizeof(opt) - used, "%s%s", i ? ":" : "", path);
	}
	cr_assert_gt(used, 4096);
	snprintf(path, sizeof(path), "%s/snapshots/%03d/a-rather-long-layer-directory-name/fs/bottom",
		 base, layers - 1);
	f = fopen(path, "w");
	fputs("from the last layer", f);
	fclose(f);
	snprintf(target, sizeof(target), "%s/rootfs", base);
	opts[0] = opt;
	m.options = opts;
	m.noptions = 1;
	{
		char err[256];

		cr_assert_eq(rootfs_mount(target, &m, 1, err, sizeof(err)), 0, "%s", err);
	}
	snprintf(path, sizeof(path), "%s/bottom", target);
	cr_assert_eq(access(path, R_OK), 0);
	cr_assert_eq(rootfs_unmount(target), 1);
	cr_assert_neq(access(path, R_OK), 0);
	snprintf(path, sizeof(path), "rm -rf %s", base);
	cr_assert_eq(system(path), 0);
}

/* Helpers for the file-bind tests: a temp dir with rootfs/ (itself a mount, as the shim's
 * rootfs is), a source file and an "outside" directory the image must not reach. */
struct bindlab {
	char base[64], root[128], src[128], outside[128];
};

static struct bindlab lab;

/* Criterion fixtures: bindlab_down runs even when an assertion ends the test. */
static void bindlab_up(void)
{
	struct bindlab *l = &lab;
	FILE *f;

	if (geteuid() != 0)
		cr_skip_test("needs root");
	snprintf(l->base, sizeof(l->base), "/tmp/rootfs_bind.XXXXXX");
	if (!mkdtemp(l->base)) {
		l->base[0] = '\0';
		cr_assert_fail("mkdtemp: %s", strerror(errno));
	}
	snprintf(l->root, sizeof(l->root), "%.63s/rootfs", l->base);
	snprintf(l->src, sizeof(l->src), "%.63s/hosts", l->base);
	snprintf(l->outside, sizeof(l->outside), "%.63s/outside", l->base);
	cr_assert_eq(mkdir(l->root, 0755), 0);
	cr_assert_eq(mkdir(l->outside, 0755), 0);
	cr_assert_eq(mount(l->root, l->root, NULL, MS_BIND, NULL), 0, "%s", strerror(errno));
	f = fopen(l->src, "w");
	cr_assert_not_null(f);
	fputs("127.0.0.1 localhost\n", f);
	fclose(f);
}

static void bindlab_down(void)
{
	struct bindlab *l = &lab;
	char cmd[192];

	if (!l->base[0])
		return;
	/* Everything mounted under base, deepest first: a test that failed may have left a
	 * mount outside root. */
	for (int pass = 0; pass < 8; pass++) {
		FILE *f = fopen("/proc/self/mountinfo", "r");
		char line[4096], mnt[4096];
		bool any = false;

		while (f && fgets(line, sizeof(line), f))
			if (sscanf(line, "%*s %*s %*s %*s %4095s", mnt) == 1 &&
			    strncmp(mnt, l->base, strlen(l->base)) == 0) {
				any = umount2(mnt, MNT_DETACH) == 0 || any;
			}
		if (f)
			fclose(f);
		if (!any)
			break;
	}
	snprintf(cmd, sizeof(cmd), "rm -rf %.63s", l->base);
	cr_assert_eq(system(cmd), 0);
}

static void read_all(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	size_t n;

	cr_assert_not_null(f, "%s: %s", path, strerror(errno));
	n = fread(buf, 1, len - 1, f);
	buf[n] = '\0';
	fclose(f);
}

/* A file appears at its destination (directories created), live: the host's later writes show,
 * and the container's writes reach the host (a read-write bind, /dev/termination-log). */
Test(rootfs, bind_file_creates_the_mount_point_and_is_live, .init = bindlab_up,
     .fini = bindlab_down)
{
	struct bindlab l = lab;
	char err[256], path[256], buf[128];
	FILE *f;

	cr_assert_eq(rootfs_bind_file(l.root, l.src, "/etc/net/hosts", false, err, sizeof(err)), 0,
		     "%s", err);
	snprintf(path, sizeof(path), "%s/etc/net/hosts", l.root);
	read_all(path, buf, sizeof(buf));
	cr_assert_str_eq(buf, "127.0.0.1 localhost\n");
	f = fopen(path, "w");
	cr_assert_not_null(f);
	fputs("written inside\n", f);
	fclose(f);
	read_all(l.src, buf, sizeof(buf));
	cr_assert_str_eq(buf, "written inside\n");
}

Test(rootfs, bind_file_read_only, .init = bindlab_up, .fini = bindlab_down)
{
	struct bindlab l = lab;
	char err[256], path[256];

	cr_assert_eq(rootfs_bind_file(l.root, l.src, "/hosts", true, err, sizeof(err)), 0, "%s", err);
	snprintf(path, sizeof(path), "%s/hosts", l.root);
	cr_assert_eq(access(path, R_OK), 0);
	cr_assert_eq(open(path, O_WRONLY), -1);
	cr_assert_eq(errno, EROFS);
}

/* The image's symlinks and `..` never carry the mount (or a created directory) outside. */
Test(rootfs, bind_file_refuses_paths_out_of_the_rootfs, .init = bindlab_up, .fini = bindlab_down)
{
	struct bindlab l = lab;
	char err[256], path[256];
	struct stat st;

	snprintf(path, sizeof(path), "%s/etc", l.root);
	cr_assert_eq(symlink(l.outside, path), 0);
	cr_assert_eq(rootfs_bind_file(l.root, l.src, "/etc/hosts", false, err, sizeof(err)), -1);
	cr_assert(strstr(err, "symlink"), "%s", err);
	snprintf(path, sizeof(path), "%s/hosts", l.outside);
	cr_assert_eq(lstat(path, &st), -1, "a mount point was created outside the rootfs");

	/* The last component a symlink to an outside file. */
	snprintf(path, sizeof(path), "%s/resolv.conf", l.root);
	cr_assert_eq(symlink(l.src, path), 0);
	cr_assert_eq(rootfs_bind_file(l.root, l.src, "/resolv.conf", false, err, sizeof(err)), -1);
	cr_assert(strstr(err, "symlink"), "%s", err);

	cr_assert_eq(rootfs_bind_file(l.root, l.src, "/a/../../outside/x", false, err,
				      sizeof(err)), -1);
	snprintf(path, sizeof(path), "%s/x", l.outside);
	cr_assert_eq(lstat(path, &st), -1);

	/* A directory where the file should go; a relative destination; a directory source. */
	snprintf(path, sizeof(path), "%s/dir", l.root);
	cr_assert_eq(mkdir(path, 0755), 0);
	cr_assert_eq(rootfs_bind_file(l.root, l.src, "/dir", false, err, sizeof(err)), -1);
	cr_assert(strstr(err, "directory"), "%s", err);
	cr_assert_eq(rootfs_bind_file(l.root, l.src, "etc/hosts", false, err, sizeof(err)), -1);
	cr_assert_eq(rootfs_bind_file(l.root, l.outside, "/f", false, err, sizeof(err)), -1);
}

/* Unmounting the rootfs takes the file binds below it along. */
Test(rootfs, rootfs_unmount_takes_file_binds_along, .init = bindlab_up, .fini = bindlab_down)
{
	struct bindlab l = lab;
	char err[256], line[1024];
	FILE *f;
	bool found = false;

	cr_assert_eq(rootfs_bind_file(l.root, l.src, "/etc/hosts", true, err, sizeof(err)), 0,
		     "%s", err);
	cr_assert_eq(rootfs_unmount(l.root), 1);
	f = fopen("/proc/self/mountinfo", "r");
	cr_assert_not_null(f);
	while (fgets(line, sizeof(line), f))
		if (strstr(line, l.base))
			found = true;
	fclose(f);
	cr_assert_not(found, "a mount under %s survived", l.base);
}
