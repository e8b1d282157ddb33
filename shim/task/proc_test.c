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
#include <time.h>
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

/* Linear memory leaves the runner room under the cgroup limit, and stays within wasm's range. */
Test(proc, max_pages_leave_room_for_the_runner)
{
	cr_assert_eq(proc_max_pages(32 << 20), 384);             /* 32 MiB: 8 MiB kept back */
	cr_assert_eq(proc_max_pages(256LL << 20), 3968);         /* 256 MiB: 8 MiB kept back */
	cr_assert_eq(proc_max_pages(8 << 20), 96);               /* 8 MiB: a quarter kept back */
	cr_assert_eq(proc_max_pages(1), 1);                      /* never 0 pages */
	cr_assert_eq(proc_max_pages(64LL << 30), 65536);         /* never past 4 GiB */
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Start waits for the client's fifo reader: a task that wrote and exited before the reader
 * opened would lose its output with the fifo. */
Test(proc, start_waits_for_a_late_fifo_reader)
{
	char dir[] = "/tmp/proc_test.XXXXXX", fifo[64];
	struct task t;
	pid_t reader;
	double t0, waited;
	int fd;

	cr_assert_not_null(mkdtemp(dir));
	snprintf(fifo, sizeof(fifo), "%s/stdout", dir);
	cr_assert_eq(mkfifo(fifo, 0600), 0);
	memset(&t, 0, sizeof(t));
	t.id = "t";
	t.stdout_path = fifo;
	t.stderr_path = "";
	reader = fork();
	if (reader == 0) {
		struct timespec d = { 0, 200 * 1000 * 1000 };

		nanosleep(&d, NULL);
		fd = open(fifo, O_RDONLY); /* blocks until the check's writer shows up, then holds */
		d.tv_nsec = 0;
		d.tv_sec = 2;
		nanosleep(&d, NULL);
		_exit(fd < 0);
	}
	cr_assert_gt(reader, 0);
	t0 = now_s();
	proc_wait_for_readers(&t);
	waited = now_s() - t0;
	fd = open(fifo, O_WRONLY | O_NONBLOCK);
	kill(reader, SIGKILL);
	waitpid(reader, NULL, 0);
	if (fd >= 0)
		close(fd);
	unlink(fifo);
	rmdir(dir);
	cr_assert_geq(fd, 0, "returned while the fifo had no reader");
	cr_assert(waited > 0.15 && waited < 0.9, "waited %.3f s", waited);
}

/* Nobody ever reads: Start goes ahead after about a second; files and no path: at once. */
Test(proc, start_does_not_wait_forever_or_for_files)
{
	char dir[] = "/tmp/proc_test.XXXXXX", fifo[64], file[64];
	struct task t;
	double t0, waited;
	int fd;

	cr_assert_not_null(mkdtemp(dir));
	snprintf(fifo, sizeof(fifo), "%s/stdout", dir);
	snprintf(file, sizeof(file), "%s/log", dir);
	cr_assert_eq(mkfifo(fifo, 0600), 0);
	fd = open(file, O_WRONLY | O_CREAT, 0600);
	cr_assert_geq(fd, 0);
	close(fd);
	memset(&t, 0, sizeof(t));
	t.id = "t";
	t.stdout_path = file;
	t.stderr_path = "";
	t0 = now_s();
	proc_wait_for_readers(&t);
	cr_assert_lt(now_s() - t0, 0.05);
	t.stdout_path = fifo;
	t0 = now_s();
	proc_wait_for_readers(&t);
	waited = now_s() - t0;
	unlink(fifo);
	unlink(file);
	rmdir(dir);
	cr_assert(waited > 0.9 && waited < 3.0, "waited %.3f s", waited);
}
