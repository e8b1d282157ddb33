/* shim/task/rootfs_test.c - snapshot mount options -> mount(2) flags and data. */
#include <criterion/criterion.h>
#include <sys/mount.h>

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
