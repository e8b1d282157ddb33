/* shim/task/proc_test.c - proc_fork: a child created inside a cgroup v2 group, or a plain fork. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "internal.h"

#ifndef SYS_clone3
#define SYS_clone3 435
#endif

/* The first cgroup2 mount (a pure v2 host's /sys/fs/cgroup, a hybrid host's unified tree). */
static bool cgroup2_mount(char *out, size_t len)
{
	FILE *f = fopen("/proc/self/mountinfo", "r");
	char line[4096];
	bool found = false;

	while (f && !found && fgets(line, sizeof(line), f)) {
		char mnt[4096], *sep = strstr(line, " - ");

		if (sep && strncmp(sep, " - cgroup2 ", 11) == 0 &&
		    sscanf(line, "%*s %*s %*s %*s %4095s", mnt) == 1) {
			snprintf(out, len, "%s", mnt);
			found = true;
		}
	}
	if (f)
		fclose(f);
	return found;
}

/* The child's v2 group ("0::/path"), or "" if it has none. */
static void v2_group_of(pid_t pid, char *out, size_t len)
{
	char path[64], line[4096];
	FILE *f;

	out[0] = '\0';
	snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)pid);
	f = fopen(path, "r");
	while (f && fgets(line, sizeof(line), f))
		if (strncmp(line, "0::", 3) == 0) {
			line[strcspn(line, "\n")] = '\0';
			snprintf(out, len, "%s", line + 3);
		}
	if (f)
		fclose(f);
}

static pid_t parked_child(int cgroup_fd, bool *in_cgroup)
{
	pid_t pid = proc_fork(cgroup_fd, in_cgroup);

	if (pid == 0) {
		pause();
		_exit(0);
	}
	cr_assert_gt(pid, 0, "proc_fork: %s", strerror(errno));
	return pid;
}

static void reap(pid_t pid)
{
	kill(pid, SIGKILL);
	cr_assert_eq(waitpid(pid, NULL, 0), pid);
}

Test(proc, fork_into_a_v2_group)
{
	char mnt[4096], dir[4200], group[4200], rel[64];
	bool in = false;
	pid_t pid;
	int fd;

	if (geteuid() != 0)
		cr_skip_test("needs root");
	/* qemu-user (the AArch64 test runs) has no clone3: proc_fork's fallback is all there is. */
	if (syscall(SYS_clone3, NULL, 0) < 0 && errno == ENOSYS)
		cr_skip_test("no clone3 here");
	if (!cgroup2_mount(mnt, sizeof(mnt)))
		cr_skip_test("no cgroup2 mount");
	snprintf(rel, sizeof(rel), "/chibi-proc-test-%d", (int)getpid());
	snprintf(dir, sizeof(dir), "%s%s", mnt, rel);
	if (mkdir(dir, 0755))
		cr_skip_test("cannot create a v2 group: %s", strerror(errno));
	fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	cr_assert_geq(fd, 0);
	pid = parked_child(fd, &in);
	v2_group_of(pid, group, sizeof(group));
	reap(pid);
	close(fd);
	rmdir(dir);
	cr_assert(in, "the kernel refused clone3(CLONE_INTO_CGROUP)");
	/* Relative to the mount's root, which may itself sit below "/" in a nested namespace. */
	cr_assert(strlen(group) >= strlen(rel) &&
			  strcmp(group + strlen(group) - strlen(rel), rel) == 0,
		  "child is in %s, not %s", group, rel);
}

Test(proc, fork_without_a_group_or_with_a_bad_one)
{
	bool in = true;
	pid_t pid = parked_child(-1, &in);
	int fd;

	cr_assert_not(in);
	reap(pid);
	/* Not a cgroup directory: clone3 refuses, and a plain fork still happens. */
	fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	cr_assert_geq(fd, 0);
	in = true;
	pid = parked_child(fd, &in);
	cr_assert_not(in);
	reap(pid);
	close(fd);
}
