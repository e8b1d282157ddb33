/* shim/task/task.h - the Task service of containerd-shim-chibi-v1: what main.c calls.
 *
 * service.c answers containerd.task.v2.Task over ttrpc, proc.c runs each task as a child
 * process exec'ing the task runner (child.c, its own binary) that loads the module through
 * wasi_run(), and
 * cleanup.c is the `delete` subcommand's best-effort cleanup after a dead shim.
 */
#ifndef CHIBI_SHIM_TASK_H
#define CHIBI_SHIM_TASK_H

#include <stddef.h>
#include <stdint.h>

struct ttrpc_table;

struct task_opts {
	const char *ns;            /* -namespace */
	const char *id;            /* -id (the first task; more may be created) */
	const char *address;       /* -address: containerd's gRPC socket */
	const char *ttrpc_address; /* $TTRPC_ADDRESS: where events go */
	void (*on_exit)(void);     /* run just before the daemon exits after Shutdown */
};

/* The task runner's binary, beside the shim's (proc.c), and the marker argv[1] of its
 * processes (cleanup.c recognises orphaned tasks by it). */
#define TASK_RUNNER_NAME "containerd-shim-chibi-v1-task"
#define TASK_CHILD_ARG "__chibi_task"

/* The ttrpc metadata key (any value) with which `shim start` announces a container to its
 * group's running daemon in a Connect: that container's Create is on its way.  containerd's
 * own Connect for a container the daemon does not have means containerd restarted. */
#define JOIN_META_KEY "chibi-join"

/* Start the reaper and the event publisher.  Returns 0, or -1 with a message on stderr. */
int task_service_init(const struct task_opts *opts);

/* The method table for ttrpc_serve() (valid after task_service_init). */
const struct ttrpc_table *task_service_table(void);

/* The task child: argv as built by proc.c (argv[1] == TASK_CHILD_ARG).  Waits for Start on
 * fd 3, then runs the module with wasi_run.  Returns the exit status (never returns on
 * success paths that exit directly). */
int task_child_main(int argc, char **argv);

/* `shim delete`: kill what is left of the task in bundle, unmount its rootfs, remove its
 * cgroup and the shim socket named in bundle/address.  *out gets a malloc'd serialized
 * containerd.task.v2.DeleteResponse.  Always succeeds in the sense containerd needs (returns
 * 0); problems are reported on stderr. */
int task_cleanup_bundle(const char *bundle, uint8_t **out, size_t *out_len);

#endif
