/* wasi/wasi.h - WASI preview1 (wasi_snapshot_preview1) for chibi: the only entry points.
 *
 * A wasi_ctx holds the guest's view of the world: argv, environment, the fd table with its
 * preopened directories (every path resolved beneath its preopen) and stdio.  wasi_link()
 * defines all 46 preview1 imports in a linker.  wasi_run() is the whole `chibi run` job, also
 * used by the containerd shim's task child.
 */
#ifndef CHIBI_WASI_H
#define CHIBI_WASI_H

#include <stdbool.h>
#include <stdio.h>
#include "chibi.h"

struct wasi_preopen {
	const char *host_path;  /* directory on the host */
	const char *guest_path; /* name the guest sees (e.g. "/" or "/data") */
	bool readonly;          /* no writes, creates, renames, removals beneath it */
};

struct wasi_config {
	int argc;
	char **argv;            /* argv[0] is the program name the guest sees */
	int nenv;
	char **env;             /* "KEY=VALUE" strings */
	int npreopens;
	struct wasi_preopen *preopens;
	int stdin_fd, stdout_fd, stderr_fd; /* host fds for guest fds 0, 1, 2 */
	int nlisten;
	int *listen_fds;        /* already-listening host sockets, preopened after the dirs */
	uint64_t max_file_size; /* fd_allocate limit in bytes (0 = WASI_DEFAULT_MAX_FILE_SIZE) */
};

/* fd_allocate refuses (EFBIG) to make a file larger than this unless the embedder
 * sets wasi_config.max_file_size (`chibi run --max-file-size`). */
#define WASI_DEFAULT_MAX_FILE_SIZE (1ull << 30)

struct wasi_ctx;

/* New context from cfg (strings copied).  Returns NULL with a message in err on failure
 * (e.g. a preopen directory that cannot be opened). */
struct wasi_ctx *wasi_ctx_new(const struct wasi_config *cfg, char *err, size_t errlen);
void wasi_ctx_free(struct wasi_ctx *ctx);

/* Define every wasi_snapshot_preview1 function in linker l (host functions created in s). */
enum chibi_err wasi_link(struct wasi_ctx *ctx, chibi_linker *l, chibi_store *s);

/* Options of one run, as `chibi run` and the shim use them. */
struct wasi_run_opts {
	const char *wasm_path;        /* module file */
	const char *invoke;           /* export to call instead of _start (NULL: _start) */
	int ninvoke_args;             /* arguments for `invoke`, as text numbers */
	char **invoke_args;
	struct chibi_config engine;   /* mode, memory/stack limits, fuel */
	double timeout_sec;           /* 0 = none; else the guest traps with "interrupted" */
	bool cache;                   /* use the compiled-code cache (chibi_cache_open) */
	const char *cache_dir;        /* its directory, NULL = chibi_cache_default_dir */
	uint64_t cache_max;           /* its size limit, 0 = the default */
	chibi_compiled *compiled;     /* already open (the shim's cache, wasi_cache_lookup):
	                               * run it instead of wasm_path; not owned */
	/* Called once the instance exists, before _start (or `invoke`) runs: the shim's task
	 * runner logs the step and gives back the load's scratch memory (shim/task/child.c). */
	void (*on_instantiated)(void *arg);
	void *on_instantiated_arg;
};

/* The compiled file of the module at `path` from the cache in `dir` (NULL: the default
 * directory), compiled and added on a miss; NULL, with a warning on stderr unless the
 * module itself is bad, when the cache cannot be used.  The module file is mapped, not
 * read.  The caller owns the result (chibi_compiled_free). */
chibi_compiled *wasi_cache_lookup(const char *path, const char *dir,
				  const struct chibi_config *cfg, uint64_t max_bytes);

/* Load, link, instantiate and run a WASI module.  Returns the process exit status:
 * proc_exit(n) -> n, normal return from _start -> 0, trap -> 134 with
 * "error: wasm trap: <kind>" (+ function) on stderr, load/link error -> 1 with a message.
 * With `invoke`, results are printed one per line on stdout. */
int wasi_run(const struct wasi_run_opts *opts, const struct wasi_config *cfg);

#endif
