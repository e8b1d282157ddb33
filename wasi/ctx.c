/* wasi/ctx.c - the WASI context: argv/env copies, the fd table, preopens, and linking.
 *
 * wasi_ctx_new() builds the guest's world from a wasi_config; wasi_link() registers every
 * row of wasi_api.def through one trampoline that unpacks slots, optionally traces the call
 * (CHIBI_WASI_TRACE=1), and turns WASI_RET_EXIT into CHIBI_TRAP_EXIT.  It does not run
 * modules (run.c) or implement any import (the per-group files do).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include "ctx.h"

/* The table, once more, as data for registration. */
static const struct {
	const char *name;
	const char *sig;
	wasi_handler *fn;
} api[] = {
#define WASI_FN(name, sig, handler) { #name, sig, handler },
#include "wasi_api.def"
#undef WASI_FN
};
#define NAPI (sizeof(api) / sizeof(api[0]))

/* Copy n strings into a fresh NULL-terminated array; *out_size = bytes incl. NULs.
 * Returns false on out of memory or when the total does not fit a u32. */
static bool copy_strings(int n, char **src, char ***out, uint32_t *out_size)
{
	char **v = vm_calloc((size_t)n + 1, sizeof(*v));
	uint64_t total = 0;
	int i;

	if (!v)
		return false;
	for (i = 0; i < n; i++) {
		v[i] = vm_strdup(src[i] ? src[i] : "");
		if (!v[i])
			goto fail;
		total += strlen(v[i]) + 1;
	}
	if (total > UINT32_MAX || (uint64_t)n * 4 > UINT32_MAX)
		goto fail;
	*out = v;
	*out_size = (uint32_t)total;
	return true;
fail:
	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
	return false;
}

static void free_strings(char **v)
{
	char **p;

	if (!v)
		return;
	for (p = v; *p; p++)
		free(*p);
	free(v);
}

/* Grow the table so that slot `want` exists. */
_Static_assert(WASI_MAX_FDS >= 16 && (WASI_MAX_FDS & (WASI_MAX_FDS - 1)) == 0,
	       "VM_GROW's capacities (16 doubled) must meet WASI_MAX_FDS exactly");
static bool fds_reserve(struct wasi_ctx *ctx, uint32_t want)
{
	size_t cap = ctx->nfds; /* powers of two from 16, so never past WASI_MAX_FDS */

	if (want < ctx->nfds)
		return true;
	if (want >= WASI_MAX_FDS || !VM_GROW(ctx->fds, cap, (size_t)want + 1))
		return false;
	for (size_t i = ctx->nfds; i < cap; i++) {
		memset(&ctx->fds[i], 0, sizeof(ctx->fds[i]));
		ctx->fds[i].host = -1;
	}
	ctx->nfds = (uint32_t)cap;
	return true;
}

/* Look up a guest fd with rights; see ctx.h. */
struct wasi_fd *wasi_fd_get(struct wasi_ctx *ctx, uint32_t fd, uint64_t need, uint32_t *err)
{
	struct wasi_fd *f;

	if (fd >= ctx->nfds || ctx->fds[fd].host < 0) {
		*err = WASI_EBADF;
		return NULL;
	}
	f = &ctx->fds[fd];
	if ((f->base & need) != need) {
		*err = WASI_ENOTCAPABLE;
		return NULL;
	}
	*err = WASI_ESUCCESS;
	return f;
}

/* Look up a guest fd of given kinds with rights; see ctx.h.  The kind comes first, so the
 * wrong kind of fd gets the same answer whatever its rights (the wasi-testsuite expects
 * ENOTSOCK so). */
struct wasi_fd *wasi_fd_get_kind(struct wasi_ctx *ctx, uint32_t fd, uint32_t kinds,
				 uint32_t wrong_kind, uint64_t need, uint32_t *err)
{
	struct wasi_fd *f = wasi_fd_get(ctx, fd, 0, err);

	if (!f)
		return NULL;
	if (!(kinds & WASI_KIND(f->type))) {
		*err = wrong_kind;
		return NULL;
	}
	if ((f->base & need) != need) {
		*err = WASI_ENOTCAPABLE;
		return NULL;
	}
	return f;
}

/* Install a host fd in the lowest free slot; see ctx.h. */
uint32_t wasi_fd_install(struct wasi_ctx *ctx, int host, uint8_t type, uint64_t base,
			 uint64_t inh, bool readonly, uint32_t *out_fd)
{
	uint32_t i;
	struct wasi_fd *f;

	/* 0-2 belong to stdio even when closed: preopens must start at 3 (wasi-libc scans from
	 * there), and a guest that closes stdout must not have its next file become stdout. */
	for (i = 3; i < ctx->nfds; i++)
		if (ctx->fds[i].host < 0)
			break;
	if (!fds_reserve(ctx, i)) {
		close(host);
		return i >= WASI_MAX_FDS ? WASI_EMFILE : WASI_ENOMEM;
	}
	f = &ctx->fds[i];
	memset(f, 0, sizeof(*f));
	f->host = host;
	f->type = type;
	f->readonly = readonly;
	if (readonly) {
		base &= ~WASI_RIGHTS_WRITE_ALL;
		inh &= ~WASI_RIGHTS_WRITE_ALL;
	}
	f->base = base;
	f->inh = inh;
	*out_fd = i;
	return WASI_ESUCCESS;
}

/* Close and free one slot; see ctx.h. */
void wasi_fd_release(struct wasi_ctx *ctx, uint32_t fd)
{
	struct wasi_fd *f;

	if (fd >= ctx->nfds || ctx->fds[fd].host < 0)
		return;
	f = &ctx->fds[fd];
	if (!f->is_stdio)
		close(f->host);
	else if (f->host_flags >= 0)
		/* The open file description is the host's (a shell's pipe, a terminal): an
		 * O_NONBLOCK or O_APPEND the guest set must not outlive the guest. */
		fcntl(f->host, F_SETFL, f->host_flags);
	free(f->preopen);
	wasi_dirlist_free(f->dir);
	memset(f, 0, sizeof(*f));
	f->host = -1;
}

/* Most rights an fd of this type can hold; see ctx.h. */
uint64_t wasi_rights_of_type(uint8_t type, int host)
{
	if (type == WASI_FILETYPE_DIRECTORY)
		return WASI_RIGHTS_DIR;
	if (type == WASI_FILETYPE_CHARACTER_DEVICE && isatty(host))
		return WASI_RIGHTS_TTY;
	return WASI_RIGHTS_FILE;
}

/* Guest file type of inherited stdio: a stream whatever the host object is.  A tty is a
 * character device (wasi-libc's isatty() wants that and no seek right), a socket stays a
 * socket (sock_recv/sock_send on an inetd-style stdin), anything else is UNKNOWN: a file,
 * fifo or directory given as `< x` must not look like something with a size or a path. */
static uint8_t stdio_type(int host)
{
	struct stat sb;
	int st = 0;
	socklen_t sl = sizeof(st);

	if (isatty(host))
		return WASI_FILETYPE_CHARACTER_DEVICE;
	if (fstat(host, &sb) != 0 || !S_ISSOCK(sb.st_mode))
		return WASI_FILETYPE_UNKNOWN;
	if (getsockopt(host, SOL_SOCKET, SO_TYPE, &st, &sl) == 0 && st == SOCK_DGRAM)
		return WASI_FILETYPE_SOCKET_DGRAM;
	return WASI_FILETYPE_SOCKET_STREAM;
}

/* Move a host fd we own above 2 (closing the original), so a run started with stdio
 * closed never hands a preopen or a socket to whoever later writes to fd 0-2 (the guest's
 * stdio slots, chibi's own error messages).  Returns the fd or -1 with errno. */
static int above_stdio(int fd)
{
	int nfd;

	if (fd < 0 || fd > 2)
		return fd;
	nfd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
	close(fd);
	return nfd;
}

/* Build a context; see wasi.h.  Every string is copied; listen fds are dup'ed. */
struct wasi_ctx *wasi_ctx_new(const struct wasi_config *cfg, char *err, size_t errlen)
{
	struct wasi_ctx *ctx = vm_calloc(1, sizeof(*ctx));
	int stdio[3], i;
	uint32_t fd, e;

	if (!ctx)
		goto nomem;
	ctx->trace = getenv("CHIBI_WASI_TRACE") && *getenv("CHIBI_WASI_TRACE") &&
		     strcmp(getenv("CHIBI_WASI_TRACE"), "0") != 0;
	/* Test knob: exercise the component-walk fallback on kernels that have openat2. */
	if (getenv("CHIBI_WASI_NO_OPENAT2"))
		sb_force_walk(true);
	if (cfg->argc < 0 || cfg->nenv < 0 || cfg->npreopens < 0 || cfg->nlisten < 0) {
		snprintf(err, errlen, "invalid WASI configuration");
		goto fail;
	}
	ctx->max_file_size = cfg->max_file_size ? cfg->max_file_size : WASI_DEFAULT_MAX_FILE_SIZE;
	ctx->argc = cfg->argc;
	ctx->nenv = cfg->nenv;
	if (!copy_strings(cfg->argc, cfg->argv, &ctx->argv, &ctx->argv_size) ||
	    !copy_strings(cfg->nenv, cfg->env, &ctx->env, &ctx->env_size))
		goto nomem;
	ctx->binds = vm_calloc(NAPI, sizeof(*ctx->binds));
	if (!ctx->binds || !fds_reserve(ctx, 2))
		goto nomem;

	/* fds 0-2: the host's stdio, borrowed (never closed by us). */
	stdio[0] = cfg->stdin_fd;
	stdio[1] = cfg->stdout_fd;
	stdio[2] = cfg->stderr_fd;
	for (i = 0; i < 3; i++) {
		struct wasi_fd *f = &ctx->fds[i];

		if (stdio[i] < 0 || fcntl(stdio[i], F_GETFD) < 0)
			continue; /* left closed: the guest sees EBADF */
		f->host = stdio[i];
		f->is_stdio = true;
		f->host_flags = fcntl(stdio[i], F_GETFL);
		f->type = stdio_type(stdio[i]);
		f->base = WASI_RIGHTS_STDIO;
		f->inh = 0;
	}

	/* Then the preopened directories, in order, from fd 3 on. */
	for (i = 0; i < cfg->npreopens; i++) {
		const struct wasi_preopen *p = &cfg->preopens[i];
		const char *gname = p->guest_path ? p->guest_path : p->host_path;
		int h = open(p->host_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

		/* A search-only directory (x without r) still serves paths beneath it. */
		if (h < 0 && errno == EACCES)
			h = open(p->host_path, O_PATH | O_DIRECTORY | O_CLOEXEC);
		h = above_stdio(h);
		if (h < 0) {
			snprintf(err, errlen, "cannot open directory '%s': %s", p->host_path,
				 strerror(errno));
			goto fail;
		}
		e = wasi_fd_install(ctx, h, WASI_FILETYPE_DIRECTORY, WASI_RIGHTS_DIR,
				    WASI_RIGHTS_DIR | WASI_RIGHTS_FILE, p->readonly, &fd);
		if (e != WASI_ESUCCESS)
			goto nomem;
		ctx->fds[fd].preopen = vm_strdup(gname);
		if (!ctx->fds[fd].preopen)
			goto nomem;
	}

	/* Then listening sockets (after the dirs: wasi-libc stops its preopen scan at the
	 * first fd whose fd_prestat_get says EBADF). */
	for (i = 0; i < cfg->nlisten; i++) {
		int h = fcntl(cfg->listen_fds[i], F_DUPFD_CLOEXEC, 3);

		if (h < 0) {
			snprintf(err, errlen, "bad listening socket: %s", strerror(errno));
			goto fail;
		}
		e = wasi_fd_install(ctx, h, WASI_FILETYPE_SOCKET_STREAM, WASI_RIGHTS_LISTEN,
				    WASI_RIGHTS_SOCK, false, &fd);
		if (e != WASI_ESUCCESS)
			goto nomem;
	}
	return ctx;
nomem:
	snprintf(err, errlen, "out of memory");
fail:
	wasi_ctx_free(ctx);
	return NULL;
}

/* Free the context, closing every fd it owns.  NULL is a no-op. */
void wasi_ctx_free(struct wasi_ctx *ctx)
{
	uint32_t i;

	if (!ctx)
		return;
	for (i = 0; i < ctx->nfds; i++)
		wasi_fd_release(ctx, i);
	free(ctx->fds);
	free_strings(ctx->argv);
	free_strings(ctx->env);
	free(ctx->binds);
	free(ctx);
}

/* Log one call: "wasi: fd_write(1, 1024, 1, 1020) -> 0". */
static void trace_call(const struct wasi_binding *b, const uint64_t *args, uint32_t r)
{
	const char *s;
	int i = 0;

	fprintf(stderr, "wasi: %s(", b->name);
	for (s = b->sig; *s && *s != ':'; s++, i++)
		fprintf(stderr, "%s%" PRIu64, i ? ", " : "",
			*s == 'I' ? args[i] : (uint64_t)(uint32_t)args[i]);
	if (r == WASI_RET_EXIT)
		fprintf(stderr, ") -> exit\n");
	else
		fprintf(stderr, ") -> %u\n", r);
}

/* The one host function behind every import: env is the row's binding. */
static enum chibi_trap trampoline(chibi_caller *c, void *env, uint64_t *slots)
{
	const struct wasi_binding *b = env;
	uint64_t saved[9];
	uint32_t r;

	if (b->ctx->trace)
		memcpy(saved, slots, sizeof(uint64_t) * strcspn(b->sig, ":"));
	r = b->fn(b->ctx, c, slots);
	if (b->ctx->trace)
		trace_call(b, saved, r);
	/* The deadline passed while the call ran (a blocking call returns EINTR): stop here,
	 * whatever the guest would do with the error (it may proc_exit with its own code). */
	if (chibi_caller_interrupted(c))
		return CHIBI_TRAP_INTERRUPTED;
	if (r == WASI_RET_EXIT)
		return CHIBI_TRAP_EXIT;
	slots[0] = r;
	return CHIBI_TRAP_NONE;
}

/* Define all wasi_snapshot_preview1 imports in l; see wasi.h.  Returns CHIBI_OK or the
 * linker's error (CHIBI_ERR_NOMEM). */
enum chibi_err wasi_link(struct wasi_ctx *ctx, chibi_linker *l, chibi_store *s)
{
	size_t i;
	enum chibi_err e;

	for (i = 0; i < NAPI; i++) {
		struct wasi_binding *b = &ctx->binds[i];

		b->ctx = ctx;
		b->fn = api[i].fn;
		b->name = api[i].name;
		b->sig = api[i].sig;
		e = chibi_linker_define_host(l, s, "wasi_snapshot_preview1", b->name, b->sig,
					     trampoline, b);
		if (e != CHIBI_OK)
			return e;
	}
	return CHIBI_OK;
}
