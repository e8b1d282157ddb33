/* shim/task/cgroup.h - the task's cgroup: create, join, limit, freeze, measure, remove.
 *
 * Works on cgroup v1 (every mounted v1 hierarchy, as runc does) and on a pure v2 (unified)
 * host.  A hybrid host (v1 controllers plus an empty unified mount, as this lab has) uses v1.
 * Paths come from linux.cgroupsPath; "slice:prefix:name" (systemd style) maps to
 * /slice/prefix-name.scope without talking to systemd.
 */
#ifndef CHIBI_SHIM_CGROUP_H
#define CHIBI_SHIM_CGROUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct task_resources;
struct cgroup;

/* Open (and with create, mkdir) the cgroup at `path` in every hierarchy.  Returns NULL with a
 * message in err when there is no cgroup filesystem or a directory cannot be made. */
struct cgroup *cg_open(const char *path, bool create, char *err, size_t errlen);

/* 1 for v1, 2 for v2. */
int cg_version(const struct cgroup *cg);

/* Write the limits that are set (!= -1).  Returns 0 or -1 with a message in err. */
int cg_apply(struct cgroup *cg, const struct task_resources *r, char *err, size_t errlen);

/* Move pid into the cgroup in every hierarchy.  Returns 0 or -1 with a message. */
int cg_add(struct cgroup *cg, pid_t pid, char *err, size_t errlen);

/* The v1 hierarchies' `tasks` files of the group, NUL-separated with an empty string last,
 * into buf: a single-threaded process joins them by writing "0" to each, which moves only
 * the caller, so recent kernels skip the global lock (and RCU grace period) a cgroup.procs
 * write takes; proc_spawn's child does this before exec.  Returns the bytes used, or 0 on v2
 * or if they do not fit (then cg_add joins). */
size_t cg_v1_self_join_files(const struct cgroup *cg, char *buf, size_t len);

/* An O_PATH descriptor of the group's v2 directory, for creating the task inside it
 * (proc_fork); -1 on v1 or if it cannot be opened (then cg_add joins). Caller closes. */
int cg_v2_dir_fd(const struct cgroup *cg);

/* Freeze (true) or thaw (false), waiting up to about a second for the state to settle.
 * Returns 0 or -1 with a message. */
int cg_freeze(struct cgroup *cg, bool frozen, char *err, size_t errlen);

/* Member pids, malloc'd in *out (caller frees).  Returns the count, or -1. */
int cg_pids(struct cgroup *cg, pid_t **out);

/* Send sig to every member.  Returns how many were signalled. */
int cg_kill_all(struct cgroup *cg, int sig);

/* How many times the kernel's OOM killer fired in this cgroup (0 if unknown). */
uint64_t cg_oom_kills(struct cgroup *cg);

/* Serialize io.containerd.cgroups.v1.Metrics or .v2.Metrics: *type_url is a static string,
 * *out a malloc'd buffer of *out_len bytes.  Returns 0 or -1 (ENOMEM). */
int cg_stats(struct cgroup *cg, const char **type_url, uint8_t **out, size_t *out_len);

/* Remove the directories (retrying briefly while exiting members go away) and free cg.
 * NULL is a no-op.  Returns 0 when every directory is gone. */
int cg_destroy(struct cgroup *cg);

/* Free without removing anything.  NULL is a no-op. */
void cg_free(struct cgroup *cg);

#endif
