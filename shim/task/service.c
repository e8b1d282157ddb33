/* shim/task/service.c - containerd.task.v2.Task for wasm tasks.
 *
 * Methods on one task are plain functions of (task, request, reply) behind on_task(), which
 * decodes the request, finds the task under task_lock and answers NotFound for it; Create,
 * Connect and Shutdown are ttrpc handlers of their own.  Process plumbing is in proc.c,
 * cgroups in cgroup.c, mounts in rootfs.c.  Semantics follow runc's shim where containerd
 * depends on them: the pid comes from Connect, exit status survives until Delete, Delete
 * refuses running tasks, Kill on an exited task is NotFound.  Exec and Checkpoint have no
 * meaning for a wasm task and are refused with a clear message.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <malloc.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cgroup.h"
#include "events.h"
#include "internal.h"
#include "../../util/json.h"
#include "rootfs.h"
#include "task.h"
#include "../log.h"
#include "../ttrpc/ttrpc.h"
#include "chibi.h"
#include "containerd/events.pb-c.h"
#include "containerd/shim.pb-c.h"

#define TASK_SERVICE "containerd.task.v2.Task"
/* Handlers share one signature; the table context is unused (task state is global here). */
#define UNUSED __attribute__((unused))

pthread_mutex_t task_lock = PTHREAD_MUTEX_INITIALIZER;
pthread_cond_t task_changed = PTHREAD_COND_INITIALIZER;
struct task *task_list;
const char *task_ns = "";

static struct task_opts opts;

/* Joins (below): containers on their way to this daemon, and how long each may take. */
#define JOIN_GRACE_MS 10000
#define JOIN_MAX 64
/* The daemon's own first container gets longer (containerd may be slow right after `shim
 * start` under load), but not forever: when containerd gives up after the start (it could
 * not write the bundle's files on a full disk, it was killed), no Create and no Shutdown
 * ever come, and the daemon used to stay with no task (shim/tests/soak.sh).
 * $CHIBI_SHIM_CREATE_WAIT_MS overrides it (tests). */
#define FIRST_CREATE_GRACE_MS 60000
/* containerd's own Connect for a container this daemon does not have: containerd restarted
 * and reloaded a container whose Create never reached us (or whose Delete did, and whose
 * Shutdown did not).  A restarted containerd resumes neither, so nothing is on its way any
 * more; the daemon stays this long (containerd records the shim it just loaded; when the
 * daemon exits, containerd's cleanup of a dead shim removes the bundle) and leaves if idle. */
#define STRAY_CONNECT_GRACE_MS 2000
static void join_add(const char *id, long grace_ms);
static long joins_prune(const char *id);
static void exit_if_idle(void);

/* ---- task list -------------------------------------------------------------------------- */

/* Task by id, including one being deleted (task_lock held). */
struct task *task_find(const char *id)
{
	for (struct task *t = task_list; t; t = t->next)
		if (strcmp(t->id, id) == 0)
			return t;
	return NULL;
}

/* Free a task record and what it owns (strings, parsed spec, cgroup handle).  The process,
 * its io and the rootfs mount must already be gone: task_put and Create's failure path. */
static void task_free(struct task *t)
{
	free(t->id);
	free(t->bundle);
	free(t->stdin_path);
	free(t->stdout_path);
	free(t->stderr_path);
	spec_free(&t->spec);
	cg_free(t->cg);
	free(t);
}

/* Drop a reference (task_lock held); frees a deleted task at zero. */
void task_put(struct task *t)
{
	if (--t->refs == 0 && t->deleted)
		task_free(t);
}

/* Take t off task_list (task_lock held) and mark it deleted, so that holders of a
 * reference (Wait, Start) see it and the last task_put frees it. */
static void task_unlink(struct task *t)
{
	for (struct task **p = &task_list; *p; p = &(*p)->next) {
		if (*p == t) {
			*p = t->next;
			break;
		}
	}
	t->deleted = true;
}

/* ---- encoding helpers ------------------------------------------------------------------- */

/* Decode a request of type d; NULL after an InvalidArgument reply when the bytes are not
 * one.  Free with protobuf_c_message_free_unpacked. */
static void *unpack(const ProtobufCMessageDescriptor *d, const struct ttrpc_call *call,
		    struct ttrpc_reply *reply)
{
	void *m = protobuf_c_message_unpack(d, NULL, call->len, call->payload);

	if (!m)
		ttrpc_reply_error(reply, TTRPC_INVALID_ARGUMENT, "malformed %s", d->name);
	return m;
}

/* Encode the response m into reply->payload (heap; the ttrpc server frees it after
 * sending).  An empty message needs no payload.  Out of memory becomes the reply's error. */
static void pack(struct ttrpc_reply *reply, const ProtobufCMessage *m)
{
	size_t n = protobuf_c_message_get_packed_size(m);

	if (n == 0)
		return;
	reply->payload = malloc(n);
	if (!reply->payload) {
		ttrpc_reply_error(reply, TTRPC_RESOURCE_EXHAUSTED, "out of memory");
		return;
	}
	reply->len = protobuf_c_message_pack(m, reply->payload);
}

/* A timespec as a protobuf Timestamp (exit times in Wait, State, Delete and events). */
static void stamp(Google__Protobuf__Timestamp *ts, const struct timespec *t)
{
	ts->seconds = t->tv_sec;
	ts->nanos = (int32_t)t->tv_nsec;
}

/* The task for (id, exec_id), or NULL with NotFound in reply.  task_lock held. */
static struct task *lookup(const char *id, const char *exec_id, struct ttrpc_reply *reply)
{
	struct task *t;

	if (exec_id && *exec_id) {
		ttrpc_reply_error(reply, TTRPC_NOT_FOUND,
				  "exec %s: wasm tasks have no exec processes: not found", exec_id);
		return NULL;
	}
	t = task_find(id ? id : "");
	if (t && t->deleting)
		t = NULL;
	if (!t)
		ttrpc_reply_error(reply, TTRPC_NOT_FOUND, "task %s: not found", id ? id : "");
	return t;
}

/* The string field `name` of a decoded request, or NULL when the message has none (PidsRequest
 * has no exec_id). */
static const char *field_str(const ProtobufCMessage *m, const char *name)
{
	const ProtobufCFieldDescriptor *f =
		protobuf_c_message_descriptor_get_field_by_name(m->descriptor, name);

	if (!f || f->type != PROTOBUF_C_TYPE_STRING)
		return NULL;
	return *(const char *const *)((const char *)m + f->offset);
}

/* Most methods act on one task.  Their handlers share this prologue and epilogue: decode the
 * request, take task_lock, find the task by the request's id and exec_id (NotFound otherwise),
 * run the method, release the lock and the request.  The method answers through reply. */
typedef void task_method_fn(struct task *t, const void *req, struct ttrpc_reply *reply);

/* The shared prologue and epilogue described above, for a request of type d. */
static void on_task(const ProtobufCMessageDescriptor *d, task_method_fn *method,
		    const struct ttrpc_call *call, struct ttrpc_reply *reply)
{
	ProtobufCMessage *req = unpack(d, call, reply);
	struct task *t;

	if (!req)
		return;
	pthread_mutex_lock(&task_lock);
	t = lookup(field_str(req, "id"), field_str(req, "exec_id"), reply);
	if (t)
		method(t, req, reply);
	pthread_mutex_unlock(&task_lock);
	protobuf_c_message_free_unpacked(req, NULL);
}

/* h_NAME, the ttrpc handler of task method NAME whose request is described by DESC. */
#define TASK_HANDLER(name, desc)                                                               \
	static void h_##name(void *ctx UNUSED, const struct ttrpc_call *call,                  \
			     struct ttrpc_reply *reply)                                        \
	{                                                                                      \
		on_task(&(desc), name, call, reply);                                           \
	}

/* ---- events ----------------------------------------------------------------------------- */

/* Reaper hook: record the exit, publish /tasks/oom and /tasks/exit, wake waiters. */
void service_task_exited(struct task *t, int wstatus)
{
	Containerd__Events__TaskExit ev = CONTAINERD__EVENTS__TASK_EXIT__INIT;
	Google__Protobuf__Timestamp ts = GOOGLE__PROTOBUF__TIMESTAMP__INIT;

	t->status = TASK_STOPPED;
	t->paused = false;
	t->exit_status = proc_exit_code(wstatus);
	clock_gettime(CLOCK_REALTIME, &t->exited_at);
	if (t->cg && WIFSIGNALED(wstatus) && WTERMSIG(wstatus) == SIGKILL &&
	    cg_oom_kills(t->cg) > t->oom_kills_at_start) {
		Containerd__Events__TaskOOM oom = CONTAINERD__EVENTS__TASK_OOM__INIT;

		oom.container_id = t->id;
		events_publish("/tasks/oom", &oom.base);
		log_info("%s: killed by the OOM killer", t->id);
	}
	ev.container_id = t->id;
	ev.id = t->id;
	ev.pid = (uint32_t)t->pid;
	ev.exit_status = t->exit_status;
	stamp(&ts, &t->exited_at);
	ev.exited_at = &ts;
	events_publish("/tasks/exit", &ev.base);
	log_debug("%s: pid %d exited with status %u", t->id, (int)t->pid, t->exit_status);
	pthread_cond_broadcast(&task_changed);
}

/* ---- Create ----------------------------------------------------------------------------- */

/* Timestamps of Create's steps, for the debug log: where a container's start goes. */
struct steps {
	int n;
	struct timespec at[10];
};

static void step_mark(struct steps *s)
{
	if (s->n < 10)
		clock_gettime(CLOCK_MONOTONIC, &s->at[s->n++]);
}

/* Microseconds of step i (between marks i-1 and i); 0 if unmarked. */
static long step_us(const struct steps *s, int i)
{
	if (i < 1 || i >= s->n)
		return 0;
	return (s->at[i].tv_sec - s->at[i - 1].tv_sec) * 1000000 +
	       (s->at[i].tv_nsec - s->at[i - 1].tv_nsec) / 1000;
}

/* Open the module named by process.args[0] inside the rootfs.  openat2(RESOLVE_IN_ROOT)
 * keeps symlinks in the image from pointing at host files.  Returns the fd; -1 when it is
 * missing or not a file, -2 when it is not a wasm module (err says which). */
static int open_module(struct task *t, char *err, size_t errlen)
{
	const char *arg0 = t->spec.args[0];
	struct open_how how = { .flags = O_RDONLY | O_CLOEXEC,
				.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS };
	char path[PATH_MAX], magic[4] = { 0 };
	struct stat st;
	int root, fd;

	if (arg0[0] == '/')
		snprintf(path, sizeof(path), "%s", arg0);
	else
		snprintf(path, sizeof(path), "%s/%s", t->spec.cwd, arg0);
	root = open(t->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root < 0) {
		snprintf(err, errlen, "open rootfs %.200s: %s", t->rootfs, strerror(errno));
		return -1;
	}
	fd = (int)syscall(SYS_openat2, root, path, &how, sizeof(how));
	if (fd < 0 && errno == ENOSYS) {
		const char *rel = path;

		while (*rel == '/')
			rel++;
		fd = openat(root, rel, O_RDONLY | O_CLOEXEC);
	}
	close(root);
	if (fd < 0) {
		snprintf(err, errlen, "wasm module %.200s not found in the container image: %s",
			 path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%.200s is not a regular file", path);
		close(fd);
		return -1;
	}
	/* A native image in a chibi pod (CRI runs every container of a pod with the pod's
	 * handler) lands here: say so at Create, where the kubelet shows it, rather than as a
	 * decode error in the container's log after it started. */
	if (pread(fd, magic, sizeof(magic), 0) != (ssize_t)sizeof(magic) ||
	    memcmp(magic, "\0asm", sizeof(magic)) != 0) {
		snprintf(err, errlen, "%.200s is not a WebAssembly module (no \\0asm header%s); "
			 "runtime io.containerd.chibi.v1 runs wasm only, native images need a runc "
			 "RuntimeClass", path, memcmp(magic, "\177ELF", 4) ? "" : ", a native ELF");
		close(fd);
		return -2;
	}
	return fd;
}

/* Mount the rootfs containerd lists in Create (snapshot overlay or bind) at the bundle's
 * root (rootfs.c); t->mounted records that Delete must unmount it.  0, or -1 with err. */
static int mount_rootfs(struct task *t, Containerd__Task__V2__CreateTaskRequest *req,
			char *err, size_t errlen)
{
	struct rootfs_mount *m;
	int rc;

	if (req->n_rootfs == 0)
		return 0; /* the rootfs is already in place (a prepared bundle) */
	m = calloc(req->n_rootfs, sizeof(*m));
	if (!m) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (size_t i = 0; i < req->n_rootfs; i++) {
		m[i].type = req->rootfs[i]->type;
		m[i].source = req->rootfs[i]->source;
		m[i].options = req->rootfs[i]->options;
		m[i].noptions = req->rootfs[i]->n_options;
	}
	rc = rootfs_mount(t->rootfs, m, req->n_rootfs, err, errlen);
	free(m);
	if (rc == 0)
		t->mounted = true;
	return rc;
}

/* The spec's file bind mounts go into the rootfs (rootfs_bind_file); directories become
 * WASI preopens instead (proc.c).  Only on a rootfs this shim mounted, whose unmount on
 * Delete takes them along; a prepared bundle's directory is the user's, and is left alone. */
static int bind_files(struct task *t, char *err, size_t errlen)
{
	for (int i = 0; i < t->spec.nmounts; i++) {
		const struct task_mount *m = &t->spec.mounts[i];
		struct stat st;

		if (stat(m->source, &st)) {
			snprintf(err, errlen, "mount source %s (for %s): %s", m->source, m->dest,
				 strerror(errno));
			return -1;
		}
		if (S_ISDIR(st.st_mode))
			continue;
		if (!S_ISREG(st.st_mode)) {
			log_warn("%s: mount %s: %s is neither a directory nor a regular file; a wasm "
				 "task cannot use it", t->id, m->dest, m->source);
			continue;
		}
		if (!t->mounted) {
			log_warn("%s: file mount %s not made (the bundle's rootfs was prepared, not "
				 "mounted by the shim)", t->id, m->dest);
			continue;
		}
		if (rootfs_bind_file(t->rootfs, m->source, m->dest, m->readonly, err, errlen))
			return -1;
	}
	return 0;
}

/* Does the spec ask for any limit a cgroup would enforce? */
static bool wants_limits(const struct task_resources *r)
{
	return r->memory_limit > 0 || r->cpu_shares > 0 || r->cpu_quota > 0 || r->pids_limit > 0;
}

/* The task's cgroup (linux.cgroupsPath) with the spec's limits applied.  Without a path,
 * or when the cgroup cannot be made and no limit needs it, the task runs without one (a
 * warning: metrics and pause then fail).  0, or -1 with err. */
static int setup_cgroup(struct task *t, char *err, size_t errlen)
{
	if (!t->spec.cgroups_path)
		return 0;
	t->cg = cg_open(t->spec.cgroups_path, true, err, errlen);
	if (!t->cg) {
		if (wants_limits(&t->spec.res))
			return -1;
		/* No limits asked for: run without a cgroup rather than not at all. */
		log_warn("%s: no cgroup (%s); metrics and pause will be unavailable", t->id, err);
		return 0;
	}
	return cg_apply(t->cg, &t->spec.res, err, errlen);
}

/* BUNDLE/init.pid, written atomically (temp file + rename): what `shim delete` reads to
 * kill a task whose shim died.  A failure is logged, not fatal: the task itself runs. */
static void write_pid_file(struct task *t)
{
	char path[PATH_MAX], tmp[PATH_MAX], buf[32];
	int fd, n = snprintf(buf, sizeof(buf), "%d", (int)t->pid);

	snprintf(path, sizeof(path), "%s/init.pid", t->bundle);
	snprintf(tmp, sizeof(tmp), "%s/.init.pid", t->bundle);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || write(fd, buf, (size_t)n) != n || rename(tmp, path))
		log_warn("%s: writing %s: %s", t->id, path, strerror(errno));
	if (fd >= 0)
		close(fd);
}

/* The /tasks/create event, with the io paths and rootfs of the request. */
static void publish_create(struct task *t, Containerd__Task__V2__CreateTaskRequest *req)
{
	Containerd__Events__TaskCreate ev = CONTAINERD__EVENTS__TASK_CREATE__INIT;
	Containerd__Events__TaskIO io = CONTAINERD__EVENTS__TASK_IO__INIT;

	io.stdin = req->stdin;
	io.stdout = req->stdout;
	io.stderr = req->stderr;
	ev.container_id = t->id;
	ev.bundle = t->bundle;
	ev.n_rootfs = req->n_rootfs;
	ev.rootfs = req->rootfs;
	ev.io = &io;
	ev.pid = (uint32_t)t->pid;
	events_publish("/tasks/create", &ev.base);
}

/* After Create's reply: give back the heap pages its transient buffers (config.json, its
 * parse, the runner's command line) left resident; off the start path, ~40 KiB per daemon. */
static void trim_heap(void *arg UNUSED)
{
	malloc_trim(0);
}

/* Create: load the bundle's config.json, mount the rootfs and file binds, open the module
 * inside it, make the cgroup, and spawn the task runner parked before the module starts
 * (Start releases it).  Every step undoes the earlier ones on failure; the reply carries
 * the pid.  A sandbox (pod) task has no module and never runs one. */
static void h_create(void *ctx UNUSED, const struct ttrpc_call *call UNUSED,
		     struct ttrpc_reply *reply)
{
	Containerd__Task__V2__CreateTaskRequest *req;
	Containerd__Task__V2__CreateTaskResponse resp =
		CONTAINERD__TASK__V2__CREATE_TASK_RESPONSE__INIT;
	struct task *t = NULL;
	struct steps steps = { 0 };
	char err[512] = "";
	int code = TTRPC_UNKNOWN, module_fd = -1;

	req = unpack(&containerd__task__v2__create_task_request__descriptor, call, reply);
	if (!req)
		return;
	log_debug("trace %s create", req->id); /* shim/tests/startpath.sh */
	pthread_mutex_lock(&task_lock);
	if (task_find(req->id)) {
		ttrpc_reply_error(reply, TTRPC_ALREADY_EXISTS, "task %s: already exists", req->id);
		goto out;
	}
	if (req->checkpoint && *req->checkpoint) {
		code = TTRPC_UNIMPLEMENTED;
		snprintf(err, sizeof(err), "checkpoint/restore is not supported for wasm tasks");
		goto fail;
	}
	t = calloc(1, sizeof(*t));
	if (!t || !(t->id = strdup(req->id)) || !(t->bundle = strdup(req->bundle)) ||
	    !(t->stdin_path = strdup(req->stdin)) || !(t->stdout_path = strdup(req->stdout)) ||
	    !(t->stderr_path = strdup(req->stderr))) {
		snprintf(err, sizeof(err), "out of memory");
		goto fail;
	}
	t->refs = 1;
	t->start_fd = -1;
	t->pty_master = -1;
	t->out_hold[0] = t->out_hold[1] = -1;
	t->status = TASK_CREATED;
	step_mark(&steps);
	if (spec_load(t->bundle, &t->spec, err, sizeof(err)))
		goto fail;
	step_mark(&steps);
	/* ctr run -t sets both; the request's flag is what the client will attach to. */
	t->spec.terminal = t->spec.terminal || req->terminal;
	snprintf(t->rootfs, sizeof(t->rootfs), "%s", t->spec.root);
	if (mount_rootfs(t, req, err, sizeof(err)) || bind_files(t, err, sizeof(err)))
		goto fail;
	step_mark(&steps);
	module_fd = t->spec.sandbox ? -1 : open_module(t, err, sizeof(err));
	if (module_fd < 0 && !t->spec.sandbox) {
		code = module_fd == -2 ? TTRPC_INVALID_ARGUMENT : TTRPC_NOT_FOUND;
		goto fail;
	}
	step_mark(&steps);
	if (setup_cgroup(t, err, sizeof(err)))
		goto fail;
	step_mark(&steps);
	if (proc_spawn(t, module_fd, err, sizeof(err)))
		goto fail;
	step_mark(&steps);
	if (t->cg) {
		if (!t->born_in_cgroup && cg_add(t->cg, t->pid, err, sizeof(err)))
			goto fail;
		t->oom_kills_at_start = cg_oom_kills(t->cg);
	}
	if (module_fd >= 0)
		close(module_fd);
	write_pid_file(t);
	t->next = task_list;
	task_list = t;
	/* It arrived.  A failed Create keeps its join: containerd still owes the Delete and the
	 * Shutdown (whose id ends it), and should it never send them, the join's expiry ends an
	 * idle daemon. */
	joins_prune(req->id);
	step_mark(&steps);
	publish_create(t, req);
	step_mark(&steps);
	log_info("created task %s (pid %d, %s %s)", t->id, (int)t->pid,
		 t->spec.sandbox ? "pod sandbox, not running" : "module", t->spec.args[0]);
	/* The start path, step by step (docs/RATIONALE.md: the start path). */
	log_debug("create %s: us spec %ld rootfs %ld module %ld cgroup %ld spawn %ld "
		  "join+pidfile %ld event %ld", t->id, step_us(&steps, 1), step_us(&steps, 2),
		  step_us(&steps, 3), step_us(&steps, 4), step_us(&steps, 5), step_us(&steps, 6),
		  step_us(&steps, 7));
	resp.pid = (uint32_t)t->pid;
	pack(reply, &resp.base);
	reply->after = trim_heap;
	goto out;
fail:
	log_error("create %s: %s", req->id, err);
	ttrpc_reply_error(reply, code, "%s", err);
	if (module_fd >= 0)
		close(module_fd);
	if (t) {
		if (t->pid > 0 && !t->reaped)
			kill(t->pid, SIGKILL); /* the reaper collects it */
		proc_release_io(t);
		if (t->cg)
			cg_destroy(t->cg);
		t->cg = NULL;
		if (t->mounted)
			rootfs_unmount(t->rootfs);
		task_free(t);
	}
out:
	pthread_mutex_unlock(&task_lock);
	protobuf_c_message_free_unpacked(&req->base, NULL);
}

/* ---- Start / Wait / State --------------------------------------------------------------- */

/* The status as containerd's messages word it. */
static const char *status_name(const struct task *t)
{
	if (t->paused)
		return "paused";
	return t->status == TASK_CREATED ? "created" :
	       t->status == TASK_RUNNING ? "running" : "stopped";
}

/* Start's precondition: a created task that Delete has not taken; else the error reply. */
static bool startable(struct task *t, struct ttrpc_reply *reply)
{
	if (!t->deleted && t->status == TASK_CREATED)
		return true;
	ttrpc_reply_error(reply, TTRPC_FAILED_PRECONDITION,
			  "cannot start a %s task: failed precondition",
			  t->deleted ? "deleted" : status_name(t));
	return false;
}

/* Start: release the parked runner once the client's fifos are open; /tasks/start. */
static void start_task(struct task *t, const void *request UNUSED, struct ttrpc_reply *reply)
{
	Containerd__Task__V2__StartResponse resp = CONTAINERD__TASK__V2__START_RESPONSE__INIT;
	Containerd__Events__TaskStart ev = CONTAINERD__EVENTS__TASK_START__INIT;

	struct steps steps = { 0 };

	if (!startable(t, reply))
		return;
	/* The client's fifo readers must be open before the task can write and exit, or what
	 * it wrote dies with the fifo (proc.c).  Waited for without task_lock; the reference
	 * keeps t alive through a Delete meanwhile, so it is dropped only after the check. */
	t->refs++;
	pthread_mutex_unlock(&task_lock);
	step_mark(&steps);
	proc_wait_for_readers(t);
	step_mark(&steps);
	pthread_mutex_lock(&task_lock);
	if (!startable(t, reply)) {
		task_put(t);
		return;
	}
	task_put(t); /* not deleted: the task list still holds it */
	if (proc_start(t)) {
		ttrpc_reply_error(reply, TTRPC_UNKNOWN, "task %s exited before it started",
				  t->id);
		return;
	}
	t->status = TASK_RUNNING;
	ev.container_id = t->id;
	ev.pid = (uint32_t)t->pid;
	events_publish("/tasks/start", &ev.base);
	resp.pid = (uint32_t)t->pid;
	pack(reply, &resp.base);
	log_debug("started task %s (%ld us waiting for the fifo readers)", t->id,
		  step_us(&steps, 1));
}

TASK_HANDLER(start_task, containerd__task__v2__start_request__descriptor)

/* Wait: block (task_lock released by the condition wait) until the task has exited, then
 * answer its exit status and time. */
static void wait_task(struct task *t, const void *request UNUSED, struct ttrpc_reply *reply)
{
	Containerd__Task__V2__WaitResponse resp = CONTAINERD__TASK__V2__WAIT_RESPONSE__INIT;
	Google__Protobuf__Timestamp ts = GOOGLE__PROTOBUF__TIMESTAMP__INIT;

	t->refs++; /* the wait drops task_lock; a Delete meanwhile must not free t */
	while (t->status != TASK_STOPPED)
		pthread_cond_wait(&task_changed, &task_lock);
	resp.exit_status = t->exit_status;
	stamp(&ts, &t->exited_at);
	resp.exited_at = &ts;
	pack(reply, &resp.base);
	task_put(t);
}

TASK_HANDLER(wait_task, containerd__task__v2__wait_request__descriptor)

/* State: pid, status (paused over running), io paths, and the exit once stopped. */
static void task_state(struct task *t, const void *request, struct ttrpc_reply *reply)
{
	const Containerd__Task__V2__StateRequest *req = request;
	Containerd__Task__V2__StateResponse resp = CONTAINERD__TASK__V2__STATE_RESPONSE__INIT;
	Google__Protobuf__Timestamp ts = GOOGLE__PROTOBUF__TIMESTAMP__INIT;

	resp.id = t->id;
	resp.bundle = t->bundle;
	resp.pid = (uint32_t)t->pid;
	resp.status = t->paused ? CONTAINERD__V1__TYPES__STATUS__PAUSED :
		      (Containerd__V1__Types__Status)t->status;
	resp.stdin = t->stdin_path;
	resp.stdout = t->stdout_path;
	resp.stderr = t->stderr_path;
	resp.terminal = t->spec.terminal;
	resp.exec_id = req->exec_id;
	if (t->status == TASK_STOPPED) {
		resp.exit_status = t->exit_status;
		stamp(&ts, &t->exited_at);
		resp.exited_at = &ts;
	}
	pack(reply, &resp.base);
}

TASK_HANDLER(task_state, containerd__task__v2__state_request__descriptor)

/* ---- Kill / Delete ---------------------------------------------------------------------- */

/* The bundle whose log fifo is our stderr: the first task's (main.c opens it in the
 * daemon's working directory, that task's bundle); empty until a switch. */
static char log_bundle[PATH_MAX];

/* containerd reads each container's own bundle/log fifo, and stops reading it when that
 * container is deleted: a grouped daemon whose log went to the first container's fifo would
 * go mute for the rest of the pod.  When the task whose fifo we write to goes (task_lock
 * held, t unlinked), move stderr to a remaining task's fifo. */
static void log_follow(const struct task *gone)
{
	char path[PATH_MAX + 8];
	int fd;

	if (!task_list)
		return;
	if (log_bundle[0] ? strcmp(log_bundle, gone->bundle) != 0 :
	    !getcwd(path, sizeof(path)) || strcmp(path, gone->bundle) != 0)
		return;
	snprintf(path, sizeof(path), "%s/log", task_list->bundle);
	fd = open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return; /* a prepared bundle without a log fifo: keep what we have */
	dup2(fd, 2);
	close(fd);
	snprintf(log_bundle, sizeof(log_bundle), "%s", task_list->bundle);
	log_debug("log now goes to %s's log (%s was deleted)", task_list->id, gone->id);
}

/* Kill: signal the task (all: every process of its cgroup).  An exited task is NotFound,
 * as runc's shim answers; a paused one is thawed for SIGKILL, which it could not act on. */
static void kill_task(struct task *t, const void *request, struct ttrpc_reply *reply)
{
	const Containerd__Task__V2__KillRequest *req = request;
	int sig;
	char err[256];

	sig = (int)req->signal;
	if (t->status == TASK_STOPPED || sig < 0 || sig >= NSIG) {
		ttrpc_reply_error(reply, t->status == TASK_STOPPED ? TTRPC_NOT_FOUND :
				  TTRPC_INVALID_ARGUMENT, t->status == TASK_STOPPED ?
				  "process already finished: not found" : "bad signal %d", sig);
		return;
	}
	if (req->all && t->cg)
		cg_kill_all(t->cg, sig);
	if (t->reaped) {
		/* Gone already, its exit report waiting for the output to drain: the pid may
		 * belong to another process by now. */
		log_debug("%s: signal %d after its exit", t->id, sig);
		return;
	}
	if (kill(t->pid, sig) && errno != ESRCH) {
		ttrpc_reply_error(reply, TTRPC_UNKNOWN, "kill %d: %s", (int)t->pid,
				  strerror(errno));
		return;
	}
	/* A frozen task cannot act on SIGKILL until it thaws. */
	if (sig == SIGKILL && t->paused) {
		if (t->cg)
			(void)cg_freeze(t->cg, false, err, sizeof(err));
		else
			kill(t->pid, SIGCONT);
		t->paused = false;
	}
	log_debug("%s: signal %d", t->id, sig);
}

TASK_HANDLER(kill_task, containerd__task__v2__kill_request__descriptor)

/* Unmount a deleted task's rootfs (a strdup'ed path, freed). */
static void unmount_rootfs(void *path)
{
	if (rootfs_unmount(path) == 0)
		log_debug("rootfs %s: already unmounted", (char *)path);
	free(path);
}

/* Delete a created or stopped task (a running one is refused): kill a never-started
 * runner, release io, unmount, remove the cgroup and init.pid, publish /tasks/delete with
 * the exit status, and drop the list's reference. */
static void delete_task(struct task *t, const void *request UNUSED, struct ttrpc_reply *reply)
{
	Containerd__Task__V2__DeleteResponse resp = CONTAINERD__TASK__V2__DELETE_RESPONSE__INIT;
	Containerd__Events__TaskDelete ev = CONTAINERD__EVENTS__TASK_DELETE__INIT;
	Google__Protobuf__Timestamp ts = GOOGLE__PROTOBUF__TIMESTAMP__INIT;
	char path[PATH_MAX];
	struct steps steps = { 0 };

	if (t->status == TASK_RUNNING) {
		ttrpc_reply_error(reply, TTRPC_FAILED_PRECONDITION,
				  "cannot delete a running task: failed precondition");
		return;
	}
	log_debug("trace %s delete", t->id); /* shim/tests/startpath.sh */
	step_mark(&steps);
	t->deleting = true; /* concurrent calls now get NotFound */
	if (t->status == TASK_CREATED) {
		/* Never started: the child is parked on the start pipe (unless it died). */
		if (!t->reaped)
			kill(t->pid, SIGKILL);
		while (t->status != TASK_STOPPED)
			pthread_cond_wait(&task_changed, &task_lock);
	}
	proc_release_io(t);
	task_unlink(t);
	log_follow(t);
	step_mark(&steps);
	/* Unmounted once the reply is out: an unmount waits for an RCU grace period (1-4 ms
	 * here, the longest step of Delete) and containerd, which removes the bundle after
	 * Delete, unmounts its rootfs itself first (bundle.Delete: UnmountAll), so whichever
	 * comes second finds nothing mounted.  Synchronously if the path cannot be kept. */
	if (t->mounted && !(reply->after_arg = strdup(t->rootfs)))
		rootfs_unmount(t->rootfs);
	else if (t->mounted)
		reply->after = unmount_rootfs;
	t->mounted = false;
	step_mark(&steps);
	if (t->cg && cg_destroy(t->cg))
		log_warn("%s: cgroup %s not fully removed", t->id, t->spec.cgroups_path);
	t->cg = NULL;
	step_mark(&steps);
	snprintf(path, sizeof(path), "%s/init.pid", t->bundle);
	unlink(path); /* `shim delete` must not signal a recycled pid later */

	stamp(&ts, &t->exited_at);
	ev.container_id = t->id;
	ev.pid = (uint32_t)t->pid;
	ev.exit_status = t->exit_status;
	ev.exited_at = &ts;
	ev.id = t->id;
	events_publish("/tasks/delete", &ev.base);
	resp.pid = (uint32_t)t->pid;
	resp.exit_status = t->exit_status;
	resp.exited_at = &ts;
	pack(reply, &resp.base);
	log_info("deleted task %s (exit status %u)", t->id, t->exit_status);
	step_mark(&steps);
	log_debug("delete %s: us io %ld unmount %ld cgroup %ld event %ld", t->id,
		  step_us(&steps, 1), step_us(&steps, 2), step_us(&steps, 3), step_us(&steps, 4));
	task_put(t);
}

TASK_HANDLER(delete_task, containerd__task__v2__delete_request__descriptor)

/* ---- Pids / Stats / Update / Pause / Resume --------------------------------------------- */

/* Pids: the processes of the task's cgroup, or just the runner's pid without one. */
static void list_pids(struct task *t, const void *request UNUSED, struct ttrpc_reply *reply)
{
	Containerd__Task__V2__PidsResponse resp = CONTAINERD__TASK__V2__PIDS_RESPONSE__INIT;
	Containerd__V1__Types__ProcessInfo *info = NULL, **infos = NULL;
	pid_t *pids = NULL, one = 0;
	int n = 0;

	if (t->cg)
		n = cg_pids(t->cg, &pids);
	if (n <= 0 && t->status != TASK_STOPPED) {
		one = t->pid;
		pids = NULL;
		n = 1;
	}
	if (n > 0) {
		info = calloc((size_t)n, sizeof(*info));
		infos = calloc((size_t)n, sizeof(*infos));
		if (!info || !infos) {
			ttrpc_reply_error(reply, TTRPC_RESOURCE_EXHAUSTED, "out of memory");
			goto out;
		}
		for (int i = 0; i < n; i++) {
			containerd__v1__types__process_info__init(&info[i]);
			info[i].pid = (uint32_t)(pids ? pids[i] : one);
			infos[i] = &info[i];
		}
		resp.n_processes = (size_t)n;
		resp.processes = infos;
	}
	pack(reply, &resp.base);
out:
	free(pids);
	free(info);
	free(infos);
}

TASK_HANDLER(list_pids, containerd__task__v2__pids_request__descriptor)

/* Stats: the cgroup's metrics (v1 or v2 message, by the hierarchy), as a protobuf Any. */
static void task_stats(struct task *t, const void *request UNUSED, struct ttrpc_reply *reply)
{
	Containerd__Task__V2__StatsResponse resp = CONTAINERD__TASK__V2__STATS_RESPONSE__INIT;
	Google__Protobuf__Any any = GOOGLE__PROTOBUF__ANY__INIT;
	const char *type_url;
	uint8_t *data = NULL;
	size_t len;

	if (!t->cg) {
		ttrpc_reply_error(reply, TTRPC_NOT_FOUND, "task %s has no cgroup: not found", t->id);
		goto out;
	}
	if (cg_stats(t->cg, &type_url, &data, &len)) {
		ttrpc_reply_error(reply, TTRPC_RESOURCE_EXHAUSTED, "out of memory");
		goto out;
	}
	any.type_url = (char *)type_url;
	any.value.data = data;
	any.value.len = len;
	resp.stats = &any;
	pack(reply, &resp.base);
out:
	free(data);
}

TASK_HANDLER(task_stats, containerd__task__v2__stats_request__descriptor)

/* Update: new limits (LinuxResources JSON, util/json.h) applied to the task's cgroup. */
static void update_task(struct task *t, const void *request, struct ttrpc_reply *reply)
{
	const Containerd__Task__V2__UpdateTaskRequest *req = request;
	struct task_resources res;
	struct json *j = NULL;
	char err[256];

	if (!req->resources || !req->resources->value.len) {
		ttrpc_reply_error(reply, TTRPC_INVALID_ARGUMENT, "no resources in update");
		goto out;
	}
	/* types.containerd.io/opencontainers/runtime-spec/1/LinuxResources, as JSON. */
	j = json_parse((const char *)req->resources->value.data, req->resources->value.len,
		       err, sizeof(err));
	if (!j) {
		ttrpc_reply_error(reply, TTRPC_INVALID_ARGUMENT, "resources (%s): %s",
				  req->resources->type_url, err);
		goto out;
	}
	if (!t->cg) {
		ttrpc_reply_error(reply, TTRPC_FAILED_PRECONDITION,
				  "task %s has no cgroup to update", t->id);
		goto out;
	}
	spec_resources(j, &res);
	if (cg_apply(t->cg, &res, err, sizeof(err))) {
		ttrpc_reply_error(reply, TTRPC_UNKNOWN, "%s", err);
		goto out;
	}
	if (res.memory_limit > 0)
		t->spec.res.memory_limit = res.memory_limit;
	log_info("%s: resources updated", t->id);
out:
	json_free(j);
}

TASK_HANDLER(update_task, containerd__task__v2__update_task_request__descriptor)

/* Pause or resume a running task: the cgroup freezer, or SIGSTOP/SIGCONT without a
 * cgroup; /tasks/paused or /tasks/resumed. */
static void pause_resume(struct task *t, struct ttrpc_reply *reply, bool pause)
{
	char err[256];

	if (t->status != TASK_RUNNING || t->paused == pause) {
		ttrpc_reply_error(reply, TTRPC_FAILED_PRECONDITION,
				  "cannot %s a %s task: failed precondition",
				  pause ? "pause" : "resume", status_name(t));
		return;
	}
	if (t->cg) {
		if (cg_freeze(t->cg, pause, err, sizeof(err))) {
			ttrpc_reply_error(reply, TTRPC_UNKNOWN, "%s", err);
			return;
		}
	} else if (kill(t->pid, pause ? SIGSTOP : SIGCONT)) {
		ttrpc_reply_error(reply, TTRPC_UNKNOWN, "%s: %s", pause ? "pause" : "resume",
				  strerror(errno));
		return;
	}
	t->paused = pause;
	if (pause) {
		Containerd__Events__TaskPaused ev = CONTAINERD__EVENTS__TASK_PAUSED__INIT;

		ev.container_id = t->id;
		events_publish("/tasks/paused", &ev.base);
	} else {
		Containerd__Events__TaskResumed ev = CONTAINERD__EVENTS__TASK_RESUMED__INIT;

		ev.container_id = t->id;
		events_publish("/tasks/resumed", &ev.base);
	}
}

/* Pause and Resume: see pause_resume. */
static void pause_task(struct task *t, const void *request UNUSED, struct ttrpc_reply *reply)
{
	pause_resume(t, reply, true);
}

static void resume_task(struct task *t, const void *request UNUSED, struct ttrpc_reply *reply)
{
	pause_resume(t, reply, false);
}

TASK_HANDLER(pause_task, containerd__task__v2__pause_request__descriptor)
TASK_HANDLER(resume_task, containerd__task__v2__resume_request__descriptor)

/* ---- CloseIO / Connect / Shutdown / refused methods ------------------------------------- */

/* CloseIO: close the task's stdin (the guest then reads end of file). */
static void close_io(struct task *t, const void *request, struct ttrpc_reply *reply UNUSED)
{
	const Containerd__Task__V2__CloseIORequest *req = request;

	if (req->stdin)
		proc_close_stdin(t);
}

TASK_HANDLER(close_io, containerd__task__v2__close_iorequest__descriptor)

/* Connect: the shim's pid and the task's (containerd learns the task pid here, as from
 * runc's shim), with the version.  An unknown id is not an error: task pid 0. */
static void h_connect(void *ctx UNUSED, const struct ttrpc_call *call UNUSED,
		     struct ttrpc_reply *reply)
{
	Containerd__Task__V2__ConnectRequest *req;
	Containerd__Task__V2__ConnectResponse resp = CONTAINERD__TASK__V2__CONNECT_RESPONSE__INIT;
	struct task *t;

	req = unpack(&containerd__task__v2__connect_request__descriptor, call, reply);
	if (!req)
		return;
	pthread_mutex_lock(&task_lock);
	t = task_find(req->id);
	if (!t && req->id && *req->id) {
		if (ttrpc_call_meta(call, JOIN_META_KEY)) {
			/* `shim start` of the group announcing its container. */
			join_add(req->id, JOIN_GRACE_MS);
		} else {
			/* containerd reloading a container we do not have (the define says
			 * when): whatever join it had is void; exit soon unless held. */
			join_add(req->id, STRAY_CONNECT_GRACE_MS);
			log_info("containerd connected for %s, which this daemon does not have: "
				 "containerd restarted", req->id);
			exit_if_idle();
		}
	}
	resp.shim_pid = (uint32_t)getpid();
	resp.task_pid = t ? (uint32_t)t->pid : 0;
	resp.version = (char *)CHIBI_VERSION;
	pack(reply, &resp.base);
	pthread_mutex_unlock(&task_lock);
	protobuf_c_message_free_unpacked(&req->base, NULL);
}

/* ---- joins: containers of the group on their way to this daemon ------------------------ */

/* With grouping (main.c), `shim start` of a pod's next container hands containerd this
 * daemon's address, and announces the container with a Connect for its id.  Until that
 * container's Create arrives (or JOIN_GRACE_MS pass) the daemon must not exit, even when its
 * last task is deleted in between: containerd would connect to a socket nobody serves.  The
 * list is short (one entry per start in flight); task_lock guards it. */

struct join {
	char *id;
	struct timespec at; /* CLOCK_MONOTONIC */
	long grace_ms;
};

static struct join joins[JOIN_MAX];
static bool lingering; /* a linger thread waits for the joins to arrive or expire */

static long ms_since(const struct timespec *t)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - t->tv_sec) * 1000 + (now.tv_nsec - t->tv_nsec) / 1000000;
}

/* Forget expired joins, and the one for id when id is non-NULL (task_lock held).  Returns
 * the milliseconds until the youngest remaining one expires, 0 when none remain. */
static long joins_prune(const char *id)
{
	long left = 0;

	for (int i = 0; i < JOIN_MAX; i++) {
		long age;

		if (!joins[i].id)
			continue;
		age = ms_since(&joins[i].at);
		if (age >= joins[i].grace_ms || (id && strcmp(joins[i].id, id) == 0)) {
			free(joins[i].id);
			joins[i].id = NULL;
		} else if (joins[i].grace_ms - age > left) {
			left = joins[i].grace_ms - age;
		}
	}
	return left;
}

/* Record that id is on its way, for grace_ms at most (task_lock held).  A full table
 * replaces the oldest entry; out of memory records nothing (the race it guards against is
 * then merely possible). */
static void join_add(const char *id, long grace_ms)
{
	int slot = 0;

	joins_prune(id);
	for (int i = 0; i < JOIN_MAX; i++) {
		if (!joins[i].id) {
			slot = i;
			break;
		}
		if (ms_since(&joins[i].at) > ms_since(&joins[slot].at))
			slot = i;
	}
	free(joins[slot].id);
	joins[slot].id = strdup(id);
	joins[slot].grace_ms = grace_ms;
	clock_gettime(CLOCK_MONOTONIC, &joins[slot].at);
}

/* Flush pending events (up to 3 s), let main.c clean up (its socket), and exit. */
static void exit_now(void)
{
	log_info("shutdown");
	events_flush(3000);
	if (opts.on_exit)
		opts.on_exit();
	_exit(0);
}

/* Requests dispatched whose reply is not written yet (ttrpc's request_begin/request_end);
 * changed atomically, read under task_lock by exit_if_idle. */
static atomic_int in_flight;
/* exit_if_idle found nothing left but a reply unwritten: request_end decides again once the
 * last one is out (task_lock). */
static bool exit_wanted;
/* Signalled when the joins change under a lingering thread (CLOCK_MONOTONIC, task_lock). */
static pthread_cond_t joins_changed;

static void *linger(void *arg);

/* The one exit decision (task_lock held; exit_now keeps it, so nothing starts meanwhile).
 * Tasks left: stay, containerd sends Shutdown again after their Delete.  A container on its
 * way: a linger thread decides again when it arrives or is due.  Otherwise exit, but never
 * with a reply unwritten: a daemon exiting between a failing Create's handler and its error
 * reply gave containerd "ttrpc: closed" instead of the error (docs/RATIONALE.md, the shim's
 * exit and replies in flight); request_end decides again once the last reply is out. */
static void exit_if_idle(void)
{
	long left = joins_prune(NULL);
	pthread_attr_t attr;
	pthread_t th;

	exit_wanted = false;
	if (task_list)
		return;
	if (left) {
		if (lingering) {
			pthread_cond_signal(&joins_changed); /* a join may be due sooner now */
			return;
		}
		pthread_attr_init(&attr);
		pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
		lingering = pthread_create(&th, &attr, linger, NULL) == 0;
		pthread_attr_destroy(&attr);
		if (lingering)
			log_debug("shutdown held off: a container is on its way");
		return;
	}
	if (atomic_load(&in_flight) > 0) {
		exit_wanted = true;
		return;
	}
	exit_now();
}

/* Shutdown's after-hook (its reply is out), and the daemon's start: exit_if_idle. */
static void shutdown_when_idle(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&task_lock);
	exit_if_idle();
	pthread_mutex_unlock(&task_lock);
}

/* Wait for the joins to arrive or expire, woken early when they change, then decide again.
 * (Its sleep used to be a nanosleep whose tv_nsec reached 10^9, EINVAL, when the time left
 * ended in 999 ms: a spin.) */
static void *linger(void *arg)
{
	long left;

	(void)arg;
	pthread_mutex_lock(&task_lock);
	while (!task_list && (left = joins_prune(NULL)) > 0) {
		struct timespec due;

		clock_gettime(CLOCK_MONOTONIC, &due);
		due.tv_sec += left / 1000;
		due.tv_nsec += (left % 1000) * 1000000;
		if (due.tv_nsec >= 1000000000) {
			due.tv_sec++;
			due.tv_nsec -= 1000000000;
		}
		pthread_cond_timedwait(&joins_changed, &task_lock, &due);
	}
	lingering = false;
	exit_if_idle();
	pthread_mutex_unlock(&task_lock);
	return NULL;
}

/* ttrpc's request hooks: count the requests in flight; when the last reply is out and an exit
 * waited for it, decide again. */
static void request_begin(void *ctx UNUSED)
{
	atomic_fetch_add(&in_flight, 1);
}

static void request_end(void *ctx UNUSED)
{
	pthread_mutex_lock(&task_lock);
	if (atomic_fetch_sub(&in_flight, 1) == 1 && exit_wanted)
		exit_if_idle();
	pthread_mutex_unlock(&task_lock);
}

/* Shutdown: exit once the reply is out, unless tasks remain or are on their way. */
static void h_shutdown(void *ctx UNUSED, const struct ttrpc_call *call UNUSED,
		     struct ttrpc_reply *reply)
{
	Containerd__Task__V2__ShutdownRequest *req;

	req = unpack(&containerd__task__v2__shutdown_request__descriptor, call, reply);
	if (!req)
		return;
	pthread_mutex_lock(&task_lock);
	/* containerd is done with this container: whatever join it had (a failed first
	 * Create's) is void. */
	if (req->id && *req->id)
		joins_prune(req->id);
	/* Like runc: stay while any task exists, containerd will ask again. */
	if (!task_list)
		reply->after = shutdown_when_idle;
	pthread_mutex_unlock(&task_lock);
	protobuf_c_message_free_unpacked(&req->base, NULL);
}

/* Exec and Checkpoint: refused, with the reason (the file header says why). */
static void h_exec(void *ctx UNUSED, const struct ttrpc_call *call UNUSED,
		     struct ttrpc_reply *reply)
{
	ttrpc_reply_error(reply, TTRPC_UNIMPLEMENTED,
			  "exec is not supported for wasm tasks (a module has one entry point)");
}

static void h_checkpoint(void *ctx UNUSED, const struct ttrpc_call *call UNUSED,
		     struct ttrpc_reply *reply)
{
	ttrpc_reply_error(reply, TTRPC_UNIMPLEMENTED,
			  "checkpoint is not supported for wasm tasks");
}

/* ResizePty: the task's pseudo-terminal size (FailedPrecondition without a terminal). */
static void resize_pty(struct task *t, const void *request, struct ttrpc_reply *reply)
{
	const Containerd__Task__V2__ResizePtyRequest *req = request;

	if (proc_resize_tty(t, req->width, req->height) == 0)
		log_debug("%s: terminal resized to %ux%u", t->id, req->width, req->height);
	else if (errno == ENOTTY)
		ttrpc_reply_error(reply, TTRPC_FAILED_PRECONDITION,
				  "task %s has no terminal (created without tty)", t->id);
	else
		ttrpc_reply_error(reply, TTRPC_INTERNAL, "resize the terminal of %s: %s", t->id,
				  strerror(errno));
}

TASK_HANDLER(resize_pty, containerd__task__v2__resize_pty_request__descriptor)

/* ---- table ------------------------------------------------------------------------------ */

static const struct ttrpc_method methods[] = {
	{ TASK_SERVICE, "State", h_task_state },
	{ TASK_SERVICE, "Create", h_create },
	{ TASK_SERVICE, "Start", h_start_task },
	{ TASK_SERVICE, "Delete", h_delete_task },
	{ TASK_SERVICE, "Pids", h_list_pids },
	{ TASK_SERVICE, "Pause", h_pause_task },
	{ TASK_SERVICE, "Resume", h_resume_task },
	{ TASK_SERVICE, "Checkpoint", h_checkpoint },
	{ TASK_SERVICE, "Kill", h_kill_task },
	{ TASK_SERVICE, "Exec", h_exec },
	{ TASK_SERVICE, "ResizePty", h_resize_pty },
	{ TASK_SERVICE, "CloseIO", h_close_io },
	{ TASK_SERVICE, "Update", h_update_task },
	{ TASK_SERVICE, "Wait", h_wait_task },
	{ TASK_SERVICE, "Stats", h_task_stats },
	{ TASK_SERVICE, "Connect", h_connect },
	{ TASK_SERVICE, "Shutdown", h_shutdown },
};

static const struct ttrpc_table table = {
	.methods = methods,
	.n = sizeof(methods) / sizeof(methods[0]),
	.request_begin = request_begin,
	.request_end = request_end,
};

/* The Task method table for ttrpc_serve(). */
const struct ttrpc_table *task_service_table(void)
{
	return &table;
}

/* Start the reaper and the event publisher; 0 or -1 (task.h). */
int task_service_init(const struct task_opts *o)
{
	pthread_condattr_t ca;

	opts = *o;
	task_ns = o->ns;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&joins_changed, &ca);
	pthread_condattr_destroy(&ca);
	if (proc_init()) {
		log_error("cannot start the reaper thread");
		return -1;
	}
	if (events_start(o->ttrpc_address, o->ns)) {
		log_error("cannot start the event publisher");
		return -1;
	}
	if (o->id && *o->id) {
		const char *e = getenv("CHIBI_SHIM_CREATE_WAIT_MS");
		long grace = e && *e ? strtol(e, NULL, 10) : FIRST_CREATE_GRACE_MS;

		pthread_mutex_lock(&task_lock);
		join_add(o->id, grace > 0 ? grace : FIRST_CREATE_GRACE_MS);
		pthread_mutex_unlock(&task_lock);
		shutdown_when_idle(NULL); /* a linger thread: exit if that Create never comes */
	}
	return 0;
}
