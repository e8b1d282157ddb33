/* shim/task/internal.h - state shared by the task service (service.c) and process code
 * (proc.c).  Not for use outside shim/task.
 *
 * One mutex (task_lock) guards the task list and every field of every task; one condition
 * (task_changed) is broadcast whenever a task changes state, which Wait and Delete sleep on.
 */
#ifndef CHIBI_SHIM_TASK_INTERNAL_H
#define CHIBI_SHIM_TASK_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "spec.h"

struct cgroup;
struct relay;

enum task_status { TASK_CREATED = 1, TASK_RUNNING = 2, TASK_STOPPED = 3 };

struct task {
	struct task *next;
	int refs;                  /* list membership + sleeping waiters */
	bool deleting;             /* Delete in progress: invisible to lookups, not to the reaper */
	bool deleted;              /* unlinked; the last reference frees */
	char *id;
	char *bundle;
	char *stdin_path, *stdout_path, *stderr_path;
	struct task_spec spec;
	struct cgroup *cg;         /* NULL when the host has no usable cgroups */
	bool mounted;              /* rootfs mounts are ours to undo */
	char rootfs[4096];         /* bundle/rootfs: the mount target and the guest's "/" */

	pid_t pid;
	bool born_in_cgroup;       /* in cg from before exec (v2 clone, v1 self-join); no cg_add */
	enum task_status status;
	bool paused;
	bool reaped;               /* waitpid collected t->pid; its exit is reported once the
	                            * output drained (the pid may be reused: never signal it) */
	uint32_t exit_status;
	struct timespec exited_at;
	uint64_t oom_kills_at_start;

	int start_fd;              /* write end of the start pipe until Start; else -1 */
	struct relay *relay;       /* stdin copier, or NULL */
	struct relay *tty_out;     /* terminal tasks: pty master -> stdout fifo copier */
	int pty_master;            /* terminal tasks: the pty master (ResizePty); else -1 */
	int out_hold[2];           /* the shim's ends of the stdout/stderr fifos, from Create
				    * until the output is read after the exit (proc_drain_fifos):
				    * what a task wrote before the client's reader connected stays
				    * readable; -1 when none */
};

extern pthread_mutex_t task_lock;
extern pthread_cond_t task_changed;
extern const char *task_ns;   /* -namespace, for logs */
extern struct task *task_list; /* newest first */

/* Find a task by id, including one being deleted (task_lock held).  NULL if none. */
struct task *task_find(const char *id);

/* Drop one reference (task_lock held); frees the task when it was deleted and this was the
 * last one. */
void task_put(struct task *t);

/* ---- proc.c ----------------------------------------------------------------------------- */

/* Start the reaper thread.  Returns 0 or -1. */
int proc_init(void);

/* Open stdio, fork and exec the task child for t (task_lock held; the lock is what keeps the
 * reaper from seeing the pid before t->pid is set).  The child waits for proc_start.  Sets
 * t->pid, and t->born_in_cgroup when the child was created inside t->cg (then it needs no
 * cg_add).  module_fd (kept by the caller) is the module file, or -1 for a pod sandbox.
 * Returns 0 or -1 with a message in err. */
int proc_spawn(struct task *t, int module_fd, char *err, size_t errlen);

/* Wasm pages (64 KiB) of linear memory allowed under a cgroup memory limit in bytes (> 0):
 * the limit less a reserve for the runner itself; between 1 and 65536. */
uint32_t proc_max_pages(int64_t memory_limit);

/* fork(), but straight into the cgroup v2 directory cgroup_fd when it is >= 0 and the kernel
 * can (clone3 CLONE_INTO_CGROUP, Linux 5.7); *in_cgroup says whether it did.  The child may
 * make only async-signal-safe calls, as after fork.  (Exposed for unit tests.) */
pid_t proc_fork(int cgroup_fd, bool *in_cgroup);

/* Wait (at most about a second) until the client has opened t's stdout and stderr fifos for
 * reading.  The task writes into the fifos themselves, and a fifo that nobody holds open
 * loses what is buffered in it: a task that ran and exited before the client's reader got
 * round to opening (ctr opens it on a goroutine) would lose its whole output.  Returns at
 * once for terminals, files and /dev/null.  Called without task_lock (t is referenced). */
void proc_wait_for_readers(const struct task *t);

/* Release the child into wasi_run.  Returns 0 or -1 if the child is gone. */
int proc_start(struct task *t);

/* Close stdin of the task (CloseIO): whatever ctr already wrote is still delivered. */
void proc_close_stdin(struct task *t);

/* Stop the copiers and release fds and the pty (task_lock held; drops it while joining). */
void proc_release_io(struct task *t);

/* Reaper: wait (2 s at most) for a terminal task's output to reach its fifo (task_lock held;
 * dropped while waiting, so the caller holds a reference). */
void proc_drain_tty(struct task *t);
/* Reaper: wait (2 s at most) for the client to read what the task left in its stdout/stderr
 * fifos, then close the shim's ends of them (task_lock held; dropped while waiting). */
void proc_drain_fifos(struct task *t);

/* ResizePty: set the window size of t's terminal.  0, or -1 with errno (ENOTTY: none). */
int proc_resize_tty(struct task *t, uint32_t width, uint32_t height);

/* Status word from waitpid -> containerd exit status (128+signal for signal deaths). */
uint32_t proc_exit_code(int wstatus);

/* Reaped-task hook implemented by service.c: record the exit and publish /tasks/exit
 * (task_lock held). */
void service_task_exited(struct task *t, int wstatus);

#endif
