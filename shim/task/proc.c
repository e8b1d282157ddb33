/* shim/task/proc.c - task processes: stdio, fork+exec of the task child, the reaper, stdin.
 *
 * The child is the task runner (TASK_RUNNER_NAME, installed beside the shim) exec'ed rather
 * than a bare fork, because the shim is multi-threaded: between fork and exec only
 * async-signal-safe calls happen, and the module then runs in a fresh, single-threaded
 * process image.  The runner is a binary of its own so that neither process carries the
 * other's code: the daemon has no engine, the runner no ttrpc or protobuf
 * (docs/RATIONALE.md).  stdout/stderr fifos go to the child directly (output is in the fifo
 * before the exit is reported); stdin goes through a copier thread so CloseIO can end it and
 * a fifo without a writer yet reads as "wait", not EOF.
 * A task with a terminal (ctr run -t, CRI tty) gets a pseudo-terminal instead: the slave is
 * the child's stdio and controlling terminal, and two copiers join the master to the fifos
 * (the reaper lets the output one drain before it reports the exit).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <sys/stat.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cgroup.h"
#include "internal.h"
#include "task.h"
#include "../log.h"

static pthread_cond_t child_added = PTHREAD_COND_INITIALIZER;
static int nchildren; /* forked and not yet reaped (task_lock) */

/* ---- stdin copier ----------------------------------------------------------------------- */

/* A copier from one fd to another, on its own thread: stdin fifo -> the child's stdin pipe (or
 * the pty master), and for terminals pty master -> stdout fifo. */
struct relay {
	int fifo;       /* source, O_NONBLOCK: the client's stdin fifo, or the pty master */
	int out;        /* destination, O_NONBLOCK */
	int ctl[2];     /* ctl[1] written by proc_close_stdin / proc_release_io */
	pthread_t th;
	bool joined;
};

/* Write all of buf to r->out, waiting for room; gives up when told to stop or the child is
 * gone.  Returns 0, or -1 to end the copy. */
static int relay_write(struct relay *r, const char *buf, size_t n, int *stop)
{
	while (n > 0) {
		struct pollfd p[2] = { { .fd = r->out, .events = POLLOUT },
				       { .fd = r->ctl[0], .events = POLLIN } };
		ssize_t w = write(r->out, buf, n);

		if (w > 0) {
			buf += w;
			n -= (size_t)w;
			continue;
		}
		if (w < 0 && errno != EAGAIN && errno != EINTR)
			return -1; /* EPIPE: the task exited */
		if (poll(p, 2, -1) < 0 && errno != EINTR)
			return -1;
		if (p[1].revents) {
			char c;

			if (read(r->ctl[0], &c, 1) == 1 && c == 'x')
				return -1; /* released: drop the rest */
			*stop = 1;
		}
	}
	return 0;
}

static void *relay_main(void *arg)
{
	struct relay *r = arg;
	char buf[16384];
	int stop = 0;

	for (;;) {
		struct pollfd p[2] = { { .fd = r->fifo, .events = POLLIN },
				       { .fd = r->ctl[0], .events = POLLIN } };
		ssize_t n;

		/* After CloseIO: drain what is already in the fifo, then end. */
		if (!stop && poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (!stop && p[1].revents) {
			char c = 0;

			if (read(r->ctl[0], &c, 1) == 1 && c == 'x')
				break;
			stop = 1;
		}
		n = read(r->fifo, buf, sizeof(buf));
		if (n > 0) {
			if (relay_write(r, buf, (size_t)n, &stop))
				break;
			continue;
		}
		if (n == 0 || stop || (errno != EAGAIN && errno != EINTR))
			break;
	}
	close(r->out);
	r->out = -1;
	return NULL;
}

static struct relay *relay_new(int fifo, int out)
{
	struct relay *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	r->fifo = fifo;
	r->out = out;
	if (pipe2(r->ctl, O_CLOEXEC)) {
		free(r);
		return NULL;
	}
	if (pthread_create(&r->th, NULL, relay_main, r)) {
		close(r->ctl[0]);
		close(r->ctl[1]);
		free(r);
		return NULL;
	}
	return r;
}

/* CloseIO: finish copying what is in the stdin fifo, then give the task EOF. */
void proc_close_stdin(struct task *t)
{
	if (t->relay && write(t->relay->ctl[1], "c", 1) < 0)
		log_warn("close stdin of %s: %s", t->id, strerror(errno));
}

/* Tell r to stop ('x': drop what is unread) and wait for its thread, once.  task_lock held;
 * dropped while joining (the copiers never take it). */
static void relay_stop(struct relay *r)
{
	if (r->joined)
		return;
	if (write(r->ctl[1], "x", 1) < 0)
		log_warn("stop copier: %s", strerror(errno));
	pthread_mutex_unlock(&task_lock);
	pthread_join(r->th, NULL);
	pthread_mutex_lock(&task_lock);
	r->joined = true;
}

static void relay_free(struct relay *r)
{
	relay_stop(r);
	close(r->fifo);
	if (r->out >= 0)
		close(r->out);
	close(r->ctl[0]);
	close(r->ctl[1]);
	free(r);
}

/* The shim's own end of fifo `path` for t->out_hold (-1 for anything but a fifo).  The
 * child's O_RDWR end (open_output) goes when it exits; a task that printed and exited
 * before ctr's reader had connected then lost its output (2 of 10 e2e runs, 20 containers
 * at once): a fifo nobody holds drops its contents, and a reader that connects after the
 * last writer left waits for a writer that never comes.  So the shim holds an end, read and
 * write, until the output has been read (proc_drain_fifos) or the task is deleted. */
static int hold_fifo(const char *path)
{
	struct stat st;

	if (!path || !*path || strstr(path, "://") || stat(path, &st) || !S_ISFIFO(st.st_mode))
		return -1;
	return open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
}

/* The task exited: give the client up to 2 s to read what is still in the stdout/stderr
 * fifos, then let go of them, so its reader sees the end of the output (task_lock held;
 * dropped while waiting).  Like a runc shim, which reports an exit only after copying the
 * output; an unread fifo (nobody attached) costs the wait once. */
void proc_drain_fifos(struct task *t)
{
	int fds[2] = { t->out_hold[0], t->out_hold[1] }, n;
	struct timespec step = { 0, 1000 * 1000 };

	t->out_hold[0] = t->out_hold[1] = -1;
	pthread_mutex_unlock(&task_lock);
	for (int i = 0; i < 2; i++) {
		for (int k = 0; fds[i] >= 0 && k < 2000; k++) {
			if (ioctl(fds[i], FIONREAD, &n) != 0 || n == 0)
				break;
			nanosleep(&step, NULL);
		}
		if (fds[i] >= 0)
			close(fds[i]);
	}
	pthread_mutex_lock(&task_lock);
}

/* Stop the copiers, close the start pipe, the pty and the held fifo ends (internal.h). */
void proc_release_io(struct task *t)
{
	if (t->start_fd >= 0) {
		close(t->start_fd);
		t->start_fd = -1;
	}
	for (int i = 0; i < 2; i++) {
		if (t->out_hold[i] >= 0)
			close(t->out_hold[i]);
		t->out_hold[i] = -1;
	}
	if (t->relay) {
		struct relay *r = t->relay;

		t->relay = NULL;
		relay_free(r);
	}
	if (t->tty_out) {
		struct relay *r = t->tty_out;

		t->tty_out = NULL;
		relay_free(r);
	}
	if (t->pty_master >= 0) {
		close(t->pty_master);
		t->pty_master = -1;
	}
}

/* The task exited: let the terminal copier pass on what the task wrote before its exit is
 * reported, like a fifo would hold it.  Bounded, since nobody may be reading (run -d -t). */
void proc_drain_tty(struct task *t)
{
	struct relay *r = t->tty_out;
	struct timespec deadline;

	if (!r || r->joined)
		return;
	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += 2;
	pthread_mutex_unlock(&task_lock);
	if (pthread_timedjoin_np(r->th, NULL, &deadline) == 0)
		r->joined = true;
	pthread_mutex_lock(&task_lock);
	if (!r->joined) {
		log_warn("%s: terminal output not read within 2 s of the exit; dropping the rest",
			 t->id);
		relay_stop(r);
	}
}

/* Set the terminal's window size (ResizePty).  0, or -1 with errno. */
int proc_resize_tty(struct task *t, uint32_t width, uint32_t height)
{
	struct winsize ws = { .ws_row = (unsigned short)(height > 0xffff ? 0xffff : height),
			      .ws_col = (unsigned short)(width > 0xffff ? 0xffff : width) };

	if (t->pty_master < 0) {
		errno = ENOTTY;
		return -1;
	}
	return ioctl(t->pty_master, TIOCSWINSZ, &ws);
}

/* ---- stdio ------------------------------------------------------------------------------ */

/* An output path from containerd: "" (discard), "file:///path" (ctr --log-uri), or a fifo. */
static int open_output(const char *path, char *err, size_t errlen)
{
	int fd;

	if (!path || !*path)
		fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
	else if (strncmp(path, "file://", 7) == 0)
		fd = open(path + 7, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
	else if (strstr(path, "://")) {
		snprintf(err, errlen, "stdio %s: only fifos and file:// are supported", path);
		return -1;
	} else
		/* O_RDWR: never blocks at open and never EPIPEs when ctr detaches (-d). */
		fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		snprintf(err, errlen, "open %s: %s", path, strerror(errno));
	return fd;
}

/* The client's stdin fifo, opened without blocking: -1 with a message, -2 when there is none
 * (no stdin), else the fd; *is_fifo tells a fifo from a file. */
static int open_stdin_source(struct task *t, bool *is_fifo, char *err, size_t errlen)
{
	struct stat st;
	int fifo;

	if (!t->stdin_path || !*t->stdin_path)
		return -2;
	/* Non-blocking: a blocking open waits forever when the client never opens the writer. */
	fifo = open(t->stdin_path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fifo < 0) {
		snprintf(err, errlen, "open %s: %s", t->stdin_path, strerror(errno));
		return -1;
	}
	*is_fifo = !(fstat(fifo, &st) == 0 && !S_ISFIFO(st.st_mode));
	return fifo;
}

/* The child's stdin: /dev/null, or the read end of a pipe fed by a copier from the fifo. */
static int open_input(struct task *t, char *err, size_t errlen)
{
	int fifo, p[2];
	bool is_fifo;

	fifo = open_stdin_source(t, &is_fifo, err, errlen);
	if (fifo == -2)
		return open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (fifo < 0)
		return -1;
	if (!is_fifo) {
		fcntl(fifo, F_SETFL, 0);
		return fifo;
	}
	if (pipe2(p, O_CLOEXEC)) {
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		close(fifo);
		return -1;
	}
	fcntl(p[1], F_SETFL, O_NONBLOCK);
	t->relay = relay_new(fifo, p[1]);
	if (!t->relay) {
		snprintf(err, errlen, "cannot start the stdin copier");
		close(fifo);
		close(p[0]);
		close(p[1]);
		return -1;
	}
	return p[0];
}

/* A pseudo-terminal for t: returns the slave (the child's fds 0-2) and keeps the master in
 * t->pty_master, with copiers stdin fifo -> master and master -> stdout fifo.  -1 on error. */
static int open_terminal(struct task *t, char *err, size_t errlen)
{
	char name[128];
	int master, slave = -1, src = -1, in = -1, out = -1, out_src = -1;
	bool is_fifo = true;

	master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (master < 0 || grantpt(master) || unlockpt(master) ||
	    ptsname_r(master, name, sizeof(name)) ||
	    (slave = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC)) < 0) {
		snprintf(err, errlen, "cannot allocate a terminal: %s", strerror(errno));
		goto fail;
	}
	/* The master as the copiers see it: two more descriptors, non-blocking. */
	if ((in = fcntl(master, F_DUPFD_CLOEXEC, 0)) < 0 ||
	    (out_src = fcntl(master, F_DUPFD_CLOEXEC, 0)) < 0) {
		snprintf(err, errlen, "dup: %s", strerror(errno));
		goto fail;
	}
	fcntl(in, F_SETFL, O_NONBLOCK);
	fcntl(out_src, F_SETFL, O_NONBLOCK);
	if ((out = open_output(t->stdout_path, err, errlen)) < 0)
		goto fail;
	fcntl(out, F_SETFL, fcntl(out, F_GETFL) | O_NONBLOCK);
	src = open_stdin_source(t, &is_fifo, err, errlen);
	if (src == -1)
		goto fail;
	if (src >= 0) {
		fcntl(src, F_SETFL, O_NONBLOCK);
		if (!(t->relay = relay_new(src, in))) {
			snprintf(err, errlen, "cannot start the stdin copier");
			goto fail;
		}
		src = in = -1; /* the copier's now */
	} else {
		close(in);
		in = -1;
	}
	if (!(t->tty_out = relay_new(out_src, out))) {
		snprintf(err, errlen, "cannot start the terminal copier");
		goto fail;
	}
	t->pty_master = master;
	return slave;
fail:
	if (src >= 0)
		close(src);
	if (in >= 0)
		close(in);
	if (out >= 0)
		close(out);
	if (out_src >= 0)
		close(out_src);
	if (slave >= 0)
		close(slave);
	if (master >= 0)
		close(master);
	return -1;
}

/* ---- the child's command line ----------------------------------------------------------- */

struct argv_buf {
	char **v;
	int n, cap;
	int failed;
};

static void push(struct argv_buf *a, const char *s)
{
	if (a->failed)
		return;
	if (a->n + 2 > a->cap) {
		int cap = a->cap ? a->cap * 2 : 64;
		char **v = realloc(a->v, (size_t)cap * sizeof(*v));

		if (!v) {
			a->failed = 1;
			return;
		}
		a->v = v;
		a->cap = cap;
	}
	a->v[a->n] = strdup(s);
	if (!a->v[a->n]) {
		a->failed = 1;
		return;
	}
	a->v[++a->n] = NULL;
}

static void argv_free(struct argv_buf *a)
{
	for (int i = 0; i < a->n; i++)
		free(a->v[i]);
	free(a->v);
}

static void push_preopen(struct argv_buf *a, bool ro, const char *host, const char *guest)
{
	push(a, "--preopen");
	push(a, ro ? "ro" : "rw");
	push(a, host);
	push(a, guest);
}

/* See child.c for the grammar; everything the child needs travels in argv, never in its
 * environment (a guest's LD_PRELOAD must not reach the host's dynamic loader). */
static int build_argv(struct task *t, struct argv_buf *a)
{
	const struct task_spec *s = &t->spec;
	char num[64];
	bool has_pwd = false;

	push(a, TASK_RUNNER_NAME);
	push(a, TASK_CHILD_ARG);
	push(a, "--id");
	push(a, t->id);
	if (shim_log_debug) {
		/* the runner's start-path steps, into containerd's log beside ours */
		char log[PATH_MAX];

		snprintf(log, sizeof(log), "%s/log", t->bundle);
		push(a, "--trace");
		push(a, log);
	}
	if (s->sandbox)
		push(a, "--sandbox");
	if (s->res.memory_limit > 0) {
		snprintf(num, sizeof(num), "%u", proc_max_pages(s->res.memory_limit));
		push(a, "--max-pages");
		push(a, num);
	}
	snprintf(num, sizeof(num), "%u", s->uid);
	push(a, "--uid");
	push(a, num);
	snprintf(num, sizeof(num), "%u", s->gid);
	push(a, "--gid");
	push(a, num);
	for (int i = 0; i < s->ngroups; i++) {
		snprintf(num, sizeof(num), "%u", s->groups[i]);
		push(a, "--group");
		push(a, num);
	}
	push_preopen(a, s->root_readonly, t->rootfs, "/");
	for (int i = 0; i < s->nmounts; i++) {
		struct stat st;

		/* WASI preopens are directories; file binds (/etc/hosts from CRI) were mounted
		 * into the rootfs by Create (service.c), so the "/" preopen shows them. */
		if (stat(s->mounts[i].source, &st) || !S_ISDIR(st.st_mode))
			continue;
		push_preopen(a, s->mounts[i].readonly, s->mounts[i].source, s->mounts[i].dest);
	}
	for (int i = 0; i < s->nenv; i++) {
		push(a, "--env");
		push(a, s->env[i]);
		if (strncmp(s->env[i], "PWD=", 4) == 0)
			has_pwd = true;
	}
	if (!has_pwd) {
		/* WASI has no working directory: hand the guest process.cwd where libc and
		 * programs look for it. */
		char *pwd;

		if (asprintf(&pwd, "PWD=%s", s->cwd) < 0)
			return -1;
		push(a, "--env");
		push(a, pwd);
		free(pwd);
	}
	push(a, "--");
	for (int i = 0; i < s->nargs; i++)
		push(a, s->args[i]);
	return a->failed ? -1 : 0;
}

/* The linear-memory cap for a memory limit (internal.h).  The task runner's own memory (its
 * code, the module, compiled code, stacks: 1-2 MiB for small modules) is charged to the same
 * cgroup, so linear memory gets the limit less a reserve of a quarter, at most 8 MiB: a
 * guest that asks for too much sees memory.grow fail, as on any wasm runtime, instead of
 * the kernel's OOM killer. */
uint32_t proc_max_pages(int64_t memory_limit)
{
	int64_t reserve = memory_limit / 4 < (8 << 20) ? memory_limit / 4 : (8 << 20);
	int64_t pages = (memory_limit - reserve) / 65536;

	return (uint32_t)(pages < 1 ? 1 : pages > 65536 ? 65536 : pages);
}

/* ---- fork/exec -------------------------------------------------------------------------- */

/* The task runner: TASK_RUNNER_NAME in the directory of the shim's own executable (so a
 * build dir, /usr/local/bin and a package all work without configuration).  Found once. */
static char runner_path[PATH_MAX];
static pthread_once_t runner_once = PTHREAD_ONCE_INIT;

static void find_runner(void)
{
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	char *slash;

	if (n <= 0)
		return;
	self[n] = '\0';
	slash = strrchr(self, '/'); /* a replaced binary reads "DIR/NAME (deleted)": same DIR */
	if (!slash)
		return;
	*slash = '\0';
	if ((size_t)snprintf(runner_path, sizeof(runner_path), "%s/%s", self, TASK_RUNNER_NAME) >=
	    sizeof(runner_path))
		runner_path[0] = '\0';
}

#ifndef SYS_clone3
#define SYS_clone3 435 /* the same number on every Linux architecture */
#endif
#define PROC_CLONE_INTO_CGROUP 0x200000000ULL

/* struct clone_args of linux/sched.h up to .cgroup (its version 2 size, 88 bytes), spelled
 * out so older headers still build. */
struct proc_clone_args {
	uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls;
	uint64_t set_tid, set_tid_size, cgroup;
};

/* Joining a cgroup by writing cgroup.procs makes the kernel wait for an RCU grace period
 * (8-13 ms measured on this kind of host, v1 and v2 alike) on the critical path of every
 * container start; a child created inside the group costs nothing extra (~0.2 ms for the
 * whole clone3).  v1 hierarchies have no such call.  The raw syscall skips glibc's fork
 * bookkeeping (atfork handlers, the cached tid), which the child, limited to
 * async-signal-safe calls until exec, never relies on.  Any refusal (ENOSYS before 5.3,
 * E2BIG before 5.7, a group that cannot take processes) falls back to fork(); the caller's
 * cg_add then joins or reports why it cannot. */
pid_t proc_fork(int cgroup_fd, bool *in_cgroup)
{
	*in_cgroup = false;
	if (cgroup_fd >= 0) {
		struct proc_clone_args ca;
		long r;

		memset(&ca, 0, sizeof(ca));
		ca.flags = PROC_CLONE_INTO_CGROUP;
		ca.exit_signal = SIGCHLD;
		ca.cgroup = (uint64_t)cgroup_fd;
		r = syscall(SYS_clone3, &ca, sizeof(ca));
		if (r >= 0) {
			*in_cgroup = r > 0;
			return (pid_t)r;
		}
	}
	return fork();
}

/* What a child that did not reach exec writes to the status pipe. */
enum { SPAWN_STAGE_JOIN = 1, SPAWN_STAGE_FDS, SPAWN_STAGE_TTY, SPAWN_STAGE_EXEC };
struct spawn_failure {
	int stage;
	int index; /* SPAWN_STAGE_JOIN: which `tasks` file */
	int err;
};
#define JOINS_MAX 16384

/* In the child: report and exit.  Async-signal-safe. */
static _Noreturn void child_fail(int sfd, int stage, int index)
{
	struct spawn_failure f = { stage, index, errno };
	ssize_t w = write(sfd, &f, sizeof(f));

	(void)w;
	_exit(127);
}

/* In the child: join the v1 hierarchies by writing "0" to each `tasks` file in joins (see
 * cg_v1_self_join_files; a thread moving itself needs no threadgroup lock, which recent
 * kernels then skip with its RCU grace period: 0.2 ms instead of 6-13 ms per container start
 * through cgroup.procs).  Async-signal-safe; does not return on failure. */
static void child_join_v1(const char *joins, int sfd)
{
	int index = 0;

	for (const char *f = joins; *f; f += strlen(f) + 1, index++) {
		int fd = open(f, O_WRONLY | O_CLOEXEC);

		if (fd < 0 || write(fd, "0", 1) != 1)
			child_fail(sfd, SPAWN_STAGE_JOIN, index);
		close(fd);
	}
}

static void describe_failure(const struct spawn_failure *f, const char *joins, char *err,
			     size_t errlen)
{
	const char *file = "?";

	if (f->stage == SPAWN_STAGE_JOIN && joins) {
		file = joins;
		for (int i = 0; i < f->index && *file; i++)
			file += strlen(file) + 1;
	}
	if (f->stage == SPAWN_STAGE_JOIN)
		snprintf(err, errlen, "join cgroup (%s): %s", file, strerror(f->err));
	else if (f->stage == SPAWN_STAGE_TTY)
		snprintf(err, errlen, "make the terminal the task's controlling tty: %s",
			 strerror(f->err));
	else if (f->stage == SPAWN_STAGE_EXEC)
		snprintf(err, errlen, "exec task runner %s: %s", runner_path, strerror(f->err));
	else
		snprintf(err, errlen, "task child stdio: %s", strerror(f->err));
}

/* Fork and exec the parked task child for t (internal.h). */
int proc_spawn(struct task *t, int module_fd, char *err, size_t errlen)
{
	struct argv_buf a = { 0 };
	int fds[5] = { -1, -1, -1, -1, module_fd }; /* child fds 0..4 */
	int startp[2] = { -1, -1 };
	int statp[2] = { -1, -1 };  /* child -> parent: why it did not reach exec */
	int cgroup_fd = -1;
	char *joins = NULL;         /* v1 `tasks` files the child writes "0" to */
	size_t njoins = 0;
	struct spawn_failure why;
	ssize_t got;
	pid_t pid;
	int rc = -1;

	pthread_once(&runner_once, find_runner);
	if (!runner_path[0] || access(runner_path, X_OK) != 0) {
		snprintf(err, errlen, "task runner %s: %s (install it beside the shim)",
			 runner_path[0] ? runner_path : TASK_RUNNER_NAME,
			 runner_path[0] ? strerror(errno) : "cannot locate the shim's executable");
		goto out;
	}
	if (build_argv(t, &a)) {
		snprintf(err, errlen, "out of memory building the task command line");
		goto out;
	}
	if (t->spec.terminal) {
		if ((fds[0] = open_terminal(t, err, errlen)) < 0 ||
		    (fds[1] = fcntl(fds[0], F_DUPFD_CLOEXEC, 0)) < 0 ||
		    (fds[2] = fcntl(fds[0], F_DUPFD_CLOEXEC, 0)) < 0) {
			if (fds[0] >= 0)
				snprintf(err, errlen, "dup: %s", strerror(errno));
			goto out;
		}
	} else if ((fds[0] = open_input(t, err, errlen)) < 0 ||
		   (fds[1] = open_output(t->stdout_path, err, errlen)) < 0 ||
		   (fds[2] = open_output(t->stderr_path, err, errlen)) < 0) {
		goto out;
	} else {
		t->out_hold[0] = hold_fifo(t->stdout_path);
		t->out_hold[1] = hold_fifo(t->stderr_path);
	}
	if (fds[4] < 0 && (fds[4] = open("/dev/null", O_RDONLY | O_CLOEXEC)) < 0) {
		snprintf(err, errlen, "open /dev/null: %s", strerror(errno));
		goto out;
	}
	if (pipe2(startp, O_CLOEXEC)) {
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		goto out;
	}
	fds[3] = startp[0];

	if (pipe2(statp, O_CLOEXEC)) {
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		goto out;
	}
	cgroup_fd = t->cg ? cg_v2_dir_fd(t->cg) : -1;
	if (t->cg && cgroup_fd < 0 && (joins = malloc(JOINS_MAX)))
		njoins = cg_v1_self_join_files(t->cg, joins, JOINS_MAX);
	pid = proc_fork(cgroup_fd, &t->born_in_cgroup);
	if (pid < 0) {
		snprintf(err, errlen, "fork: %s", strerror(errno));
		goto out;
	}
	if (pid == 0) {
		/* Async-signal-safe calls only until execv. */
		struct sigaction dfl = { .sa_handler = SIG_DFL };
		sigset_t none;
		int hi[5], sfd;

		sfd = fcntl(statp[1], F_DUPFD_CLOEXEC, 64);
		if (sfd < 0)
			_exit(127);
		if (njoins)
			child_join_v1(joins, sfd);
		for (int i = 0; i < 5; i++)
			if ((hi[i] = fcntl(fds[i], F_DUPFD_CLOEXEC, 64)) < 0)
				child_fail(sfd, SPAWN_STAGE_FDS, 0);
		for (int i = 0; i < 5; i++)
			if (dup2(hi[i], i) < 0)
				child_fail(sfd, SPAWN_STAGE_FDS, 0);
		/* The status pipe stays open (close-on-exec) as fd 5 until execv succeeds. */
		if (dup3(sfd, 5, O_CLOEXEC) < 0)
			_exit(127);
		syscall(SYS_close_range, 6u, ~0u, 0u);
		sfd = 5;
		/* A terminal is the child's controlling tty, in a session of its own: ^C on the
		 * user's side reaches the task as SIGINT, as under runc. */
		if (t->spec.terminal && (setsid() < 0 || ioctl(0, TIOCSCTTY, 0) < 0))
			child_fail(sfd, SPAWN_STAGE_TTY, 0);
		sigaction(SIGPIPE, &dfl, NULL);
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		execv(runner_path, a.v);
		child_fail(sfd, SPAWN_STAGE_EXEC, 0);
	}
	t->pid = pid;
	nchildren++;
	pthread_cond_signal(&child_added);
	/* Wait for the exec (end of file: the pipe closed with it) or the reason it failed.
	 * With it the v1 joins are done: the child joined before exec. */
	close(statp[1]);
	statp[1] = -1;
	do
		got = read(statp[0], &why, sizeof(why));
	while (got < 0 && errno == EINTR);
	if (got == (ssize_t)sizeof(why)) {
		describe_failure(&why, joins, err, errlen);
		goto out; /* the caller kills t->pid; the reaper collects it */
	}
	if (njoins)
		t->born_in_cgroup = true;
	t->start_fd = startp[1];
	startp[1] = -1;
	rc = 0;
out:
	for (int i = 0; i < 4; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	if (fds[4] >= 0 && fds[4] != module_fd)
		close(fds[4]);
	if (startp[1] >= 0)
		close(startp[1]);
	if (cgroup_fd >= 0)
		close(cgroup_fd);
	for (int i = 0; i < 2; i++)
		if (statp[i] >= 0)
			close(statp[i]);
	free(joins);
	argv_free(&a);
	return rc;
}

/* True once a reader has path open: opening a fifo for writing without blocking succeeds
 * only then (ENXIO otherwise).  Anything but a fifo counts as ready. */
static bool fifo_has_reader(const char *path)
{
	struct stat st;
	int fd;

	if (!path || !*path || strstr(path, "://") || stat(path, &st) || !S_ISFIFO(st.st_mode))
		return true;
	fd = open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return errno != ENXIO;
	close(fd);
	return true;
}

/* Wait for the client's fifo readers (internal.h). */
void proc_wait_for_readers(const struct task *t)
{
	struct timespec step = { 0, 1000 * 1000 }; /* 1 ms */

	if (t->spec.terminal)
		return; /* the pty master is ours; its copier writes to the fifo */
	for (int i = 0; i < 1000; i++) {
		if (fifo_has_reader(t->stdout_path) && fifo_has_reader(t->stderr_path))
			return;
		nanosleep(&step, NULL);
	}
	log_debug("%s: no reader on the stdout/stderr fifos after 1 s; starting anyway", t->id);
}

/* Release the parked child; -1 if it is gone. */
int proc_start(struct task *t)
{
	ssize_t w;

	if (t->start_fd < 0)
		return -1;
	do
		w = write(t->start_fd, "g", 1);
	while (w < 0 && errno == EINTR);
	close(t->start_fd);
	t->start_fd = -1;
	return w == 1 ? 0 : -1;
}

/* waitpid status -> exit status containerd reports (128+signal for signals). */
uint32_t proc_exit_code(int wstatus)
{
	if (WIFEXITED(wstatus))
		return (uint32_t)WEXITSTATUS(wstatus);
	if (WIFSIGNALED(wstatus))
		return 128u + (uint32_t)WTERMSIG(wstatus);
	return 255;
}

/* ---- reaper ----------------------------------------------------------------------------- */

struct exit_report {
	struct task *t;            /* a reference of its own */
	int wstatus;
};

/* Report t's exit once its output drained (task_lock held; the drains drop it while they
 * wait), then drop the reference the reaper took. */
static void report_exit(struct task *t, int wstatus)
{
	proc_drain_tty(t);
	proc_drain_fifos(t);
	service_task_exited(t, wstatus);
	task_put(t);
}

static void *report_exit_thread(void *arg)
{
	struct exit_report *r = arg;

	pthread_mutex_lock(&task_lock);
	report_exit(r->t, r->wstatus);
	pthread_mutex_unlock(&task_lock);
	free(r);
	return NULL;
}

static void *reaper(void *arg)
{
	(void)arg;
	for (;;) {
		int st;
		pid_t pid;
		struct task *t;

		pthread_mutex_lock(&task_lock);
		while (nchildren == 0)
			pthread_cond_wait(&child_added, &task_lock);
		pthread_mutex_unlock(&task_lock);

		pid = waitpid(-1, &st, 0);
		pthread_mutex_lock(&task_lock);
		if (pid < 0) {
			if (errno == ECHILD)
				nchildren = 0;
			pthread_mutex_unlock(&task_lock);
			continue;
		}
		nchildren--;
		for (t = task_list; t; t = t->next)
			if (t->pid == pid && t->status != TASK_STOPPED)
				break;
		if (t) {
			/* The drains may wait up to ~2 s for a client to read the output: on a
			 * thread of their own, so one task's unread output never delays the
			 * exits of the others a grouped shim serves (they were reported one
			 * after another, 2 s each, before). */
			struct exit_report *r = malloc(sizeof(*r));
			pthread_attr_t attr;
			pthread_t th;
			bool threaded = false;

			t->refs++;
			t->reaped = true;
			if (r && pthread_attr_init(&attr) == 0) {
				r->t = t;
				r->wstatus = st;
				pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
				threaded = pthread_create(&th, &attr, report_exit_thread, r) == 0;
				pthread_attr_destroy(&attr);
			}
			if (!threaded) {
				free(r);
				report_exit(t, st);
			}
		}
		pthread_mutex_unlock(&task_lock);
	}
	return NULL;
}

/* Start the reaper thread; 0 or -1. */
int proc_init(void)
{
	pthread_t th;

	if (pthread_create(&th, NULL, reaper, NULL))
		return -1;
	pthread_detach(th);
	return 0;
}
