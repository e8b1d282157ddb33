/* shim/task/child.c - the task child: containerd-shim-chibi-v1-task running one wasm module.
 *
 * proc.c sets fds 0-2 (stdio), 3 (start pipe) and 4 (the module file, opened inside the
 * rootfs) and passes everything else in argv:
 *   containerd-shim-chibi-v1-task __chibi_task --id ID [--sandbox] [--max-pages N]
 *       [--uid U --gid G] [--group G]... [--preopen ro|rw HOST GUEST]... [--env K=V]...
 *       [--trace LOGFIFO] -- ARGV...
 * The child waits for one byte on fd 3 (Start), drops to the spec's user, then wasi_run();
 * a CRI pod sandbox (--sandbox) just idles until signalled, like the pause container.
 * --trace (the shim runs with -debug) names the bundle's log fifo: the runner's steps of the
 * start path go there as "trace ID STEP" debug lines, beside the daemon's.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "task.h"
#include "wasi.h"
#include "../log.h"

#define START_FD 3 /* the module is fd 4, read through /proc/self/fd/4 */
#define TASK_CACHE_DIR "/var/lib/chibi/cache"
#define MAX_GROUPS 64

static int die(const char *msg)
{
	/* fd 2 is the container's stderr: the user sees this in `ctr run` output. */
	fprintf(stderr, "chibi: %s\n", msg);
	return 1;
}

static void sandbox_exit(int sig)
{
	(void)sig;
	_exit(0); /* like k8s pause: SIGINT/SIGTERM are a clean shutdown */
}

/* The pod sandbox: hold the pod's place until told to stop. */
static _Noreturn void idle(void)
{
	struct sigaction sa = { .sa_handler = sandbox_exit };

	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	for (;;)
		pause();
}

static int parse_u32(const char *s, uint32_t *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || end == s || v > UINT32_MAX)
		return -1;
	*out = (uint32_t)v;
	return 0;
}

/* The shim's compiled-code cache: CHIBI_SHIM_CACHE in the shim's environment names its
 * directory (default TASK_CACHE_DIR), "off" turns it off.  NULL when off or unusable
 * (the module then runs compiled the ordinary way). */
static chibi_compiled *task_cache(const struct wasi_run_opts *opts)
{
	const char *dir = getenv("CHIBI_SHIM_CACHE");

	if (dir && !strcmp(dir, "off"))
		return NULL;
	if (!dir || dir[0] != '/')
		dir = TASK_CACHE_DIR;
	return wasi_cache_lookup(opts->wasm_path, dir, &opts->engine, 0);
}

static const char *trace_id = "";
static struct sigaction trace_old_pipe;

/* --trace: open the bundle's log fifo (as root, before Start) for the trace lines.  Its
 * reader is containerd: when containerd stops or restarts between Start and the guest, a
 * trace line would raise SIGPIPE, which the task's default disposition turns into the
 * death of a container that was meant to survive the restart.  SIGPIPE is ignored while
 * tracing (a lost line is EPIPE, nothing more) and restored before the guest runs. */
static void trace_open(const char *path)
{
	struct sigaction ign = { .sa_handler = SIG_IGN };
	int fd = open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC);

	if (fd < 0)
		return; /* no reader: nobody would see the lines */
	sigaction(SIGPIPE, &ign, &trace_old_pipe);
	shim_log_fd = fd;
	shim_log_debug = 1;
}

/* The instance exists and the guest is about to run: log it, stop tracing (the guest may
 * run for months; the fifo is containerd's), and give back the heap pages that decoding,
 * validation and instantiation freed.  A sleeping container keeps only what it uses:
 * without the trim the brk heap keeps its high-water pages (docs/RATIONALE.md, memory
 * per task). */
static void trace_close(void)
{
	if (shim_log_fd != 2) {
		close(shim_log_fd);
		shim_log_fd = 2;
		shim_log_debug = 0;
		sigaction(SIGPIPE, &trace_old_pipe, NULL);
	}
}

static void instantiated(void *arg)
{
	(void)arg;
	log_debug("trace %s instantiated", trace_id);
	trace_close();
	malloc_trim(0);
}

/* Parse argv into the caller's pre/env arrays (argc entries each), wait for Start, run. */
static int run_task(int argc, char **argv, struct wasi_preopen *pre, char **env)
{
	struct wasi_config cfg = { .stdin_fd = 0, .stdout_fd = 1, .stderr_fd = 2 };
	struct wasi_run_opts opts = { .wasm_path = "/proc/self/fd/4" };
	gid_t groups[MAX_GROUPS];
	int ngroups = 0, i;
	uint32_t uid = 0, gid = 0, v;
	int sandbox = 0;
	chibi_compiled *compiled = NULL;
	char go;
	ssize_t r;

	cfg.preopens = pre;
	cfg.env = env;
	for (i = 2; i < argc; i++) {
		const char *a = argv[i];

		if (strcmp(a, "--") == 0) {
			i++;
			break;
		}
		if (strcmp(a, "--id") == 0 && i + 1 < argc) {
			trace_id = argv[++i];
		} else if (strcmp(a, "--trace") == 0 && i + 1 < argc) {
			trace_open(argv[++i]);
		} else if (strcmp(a, "--sandbox") == 0) {
			sandbox = 1;
		} else if (strcmp(a, "--max-pages") == 0 && i + 1 < argc) {
			if (parse_u32(argv[++i], &v))
				return die("bad --max-pages");
			opts.engine.max_memory_pages = v;
		} else if (strcmp(a, "--uid") == 0 && i + 1 < argc) {
			if (parse_u32(argv[++i], &uid))
				return die("bad --uid");
		} else if (strcmp(a, "--gid") == 0 && i + 1 < argc) {
			if (parse_u32(argv[++i], &gid))
				return die("bad --gid");
		} else if (strcmp(a, "--group") == 0 && i + 1 < argc) {
			if (parse_u32(argv[++i], &v) || ngroups == MAX_GROUPS)
				return die("bad --group");
			groups[ngroups++] = v;
		} else if (strcmp(a, "--preopen") == 0 && i + 3 < argc) {
			pre[cfg.npreopens].readonly = strcmp(argv[i + 1], "ro") == 0;
			pre[cfg.npreopens].host_path = argv[i + 2];
			pre[cfg.npreopens].guest_path = argv[i + 3];
			cfg.npreopens++;
			i += 3;
		} else if (strcmp(a, "--env") == 0 && i + 1 < argc) {
			env[cfg.nenv++] = argv[++i];
		} else {
			return die("bad task child arguments");
		}
	}
	if (i >= argc)
		return die("no module arguments");
	cfg.argc = argc - i;
	cfg.argv = argv + i;

	/* The compiled code, from the shim's cache, while still root (the directory is root's
	 * and private: containers cannot plant code in it) and before Start, so a miss
	 * compiles during Create and every later container of the image maps that code. */
	log_debug("trace %s runner", trace_id);
	if (!sandbox)
		compiled = task_cache(&opts);
	log_debug("trace %s module %s", trace_id, compiled ? "compiled (cache)" : "no cache");

	/* Park until Start; EOF means the task was deleted before it started. */
	do
		r = read(START_FD, &go, 1);
	while (r < 0 && errno == EINTR);
	if (r != 1)
		_exit(255);
	close(START_FD);
	log_debug("trace %s released", trace_id);

	/* The user from the spec; the rootfs and binds are then opened with its rights. */
	if (setgroups((size_t)ngroups, groups) || setgid(gid) || setuid(uid)) {
		fprintf(stderr, "chibi: cannot switch to uid %u gid %u: %s\n", uid, gid,
			strerror(errno));
		return 1;
	}
	prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
	if (sandbox) {
		trace_close();
		idle();
	}
	opts.compiled = compiled;
	opts.on_instantiated = instantiated;
	r = wasi_run(&opts, &cfg);
	fflush(NULL);
	chibi_compiled_free(compiled);
	return (int)r;
}

/* The task child entry (task.h): wait for Start, then run the module; returns its exit status. */
int task_child_main(int argc, char **argv)
{
	struct wasi_preopen *pre;
	char **env;
	int status;

	/* A task runner lives as long as its container, mostly asleep, with one module compiled
	 * lazily: large allocations (module bytes, the JIT's per-compile arrays past 32 KiB) get
	 * pages of their own that free() returns at once, instead of holes in the brk heap that
	 * stay resident (docs/RATIONALE.md, memory per task).  One arena: one thread. */
	mallopt(M_MMAP_THRESHOLD, 32 << 10);
	mallopt(M_TRIM_THRESHOLD, 64 << 10);
	mallopt(M_ARENA_MAX, 1);
	pre = calloc((size_t)argc, sizeof(*pre));
	env = calloc((size_t)argc, sizeof(*env));
	status = pre && env ? run_task(argc, argv, pre, env) : die("out of memory");

	free(pre);
	free(env);
	return status;
}
