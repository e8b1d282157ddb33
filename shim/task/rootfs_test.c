/* shim/task/rootfs_test.c - snapshot mount options -> mount(2) flags and data. */
#include <criterion/criterion.h>
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
