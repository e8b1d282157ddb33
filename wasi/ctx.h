/* wasi/ctx.h - WASI-private: the context, the fd table, the sandbox and the handler table.
 *
 * Shared by the .c files of wasi/ only; nothing outside wasi/ includes it (the public face is
 * wasi.h).  Handlers are declared from wasi_api.def so the list exists exactly once.
 * Entry points: wasi_fd_get/get_kind/install/release (ctx.c), wasi_errno (errno.c),
 * sb_open/sb_parent (sandbox.c), wasi_path_copy (path.c).
 */
#ifndef CHIBI_WASI_CTX_H
#define CHIBI_WASI_CTX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include "chibi.h"
#include "../vm/alloc.h" /* vm_malloc & co: fault injection reaches WASI too */
#include "abi.h"
#include "guest.h"
#include "wasi.h"

/* One cached fd_readdir listing (see fd.c). */
struct wasi_dirlist;

/* One guest file descriptor.  host == -1 marks a free slot. */
struct wasi_fd {
	int host;                  /* host fd, owned (closed on fd_close / ctx free) */
	uint8_t type;              /* WASI_FILETYPE_* as seen at open time */
	bool readonly;             /* beneath a read-only preopen: never writes */
	bool is_stdio;             /* host fd 0/1/2 borrowed: not closed by us */
	int host_flags;            /* stdio: the host's F_GETFL at start, put back on release */
	uint64_t base;             /* rights_base */
	uint64_t inh;              /* rights_inheriting */
	char *preopen;             /* guest name of a preopened directory, else NULL */
	struct wasi_dirlist *dir;  /* fd_readdir cache, NULL until the first read */
};

struct wasi_ctx;

/* Handlers return a WASI errno, or WASI_RET_EXIT to end the call with CHIBI_TRAP_EXIT. */
#define WASI_RET_EXIT 0x10000u
typedef uint32_t wasi_handler(struct wasi_ctx *ctx, chibi_caller *c, const uint64_t *a);

/* Per-import binding passed as the host function's env. */
struct wasi_binding {
	struct wasi_ctx *ctx;
	wasi_handler *fn;
	const char *name;
	const char *sig;
};

struct wasi_ctx {
	int argc;
	char **argv;
	uint32_t argv_size;        /* bytes incl. NULs */
	int nenv;
	char **env;
	uint32_t env_size;
	struct wasi_fd *fds;
	uint32_t nfds;             /* slots allocated */
	bool trace;                /* CHIBI_WASI_TRACE set: log each call on stderr */
	uint64_t max_file_size;    /* fd_allocate never grows a file beyond this */
	struct wasi_binding *binds;
};

/* The guest sees at most this many descriptors (EMFILE beyond). */
#define WASI_MAX_FDS 16384u
/* Longest guest path accepted (ENAMETOOLONG beyond). */
#define WASI_PATH_MAX 4096u

/* Guest argument slot i as u32 / u64 (i32 values live in the low 32 bits). */
#define ARG32(i) ((uint32_t)a[i])
#define ARG64(i) (a[i])

/* Look up guest fd `fd` needing every right in `need`.  Returns the entry, or NULL with
 * *err = WASI_EBADF (not open) or WASI_ENOTCAPABLE (a right is missing). */
struct wasi_fd *wasi_fd_get(struct wasi_ctx *ctx, uint32_t fd, uint64_t need, uint32_t *err);
/* Bit for filetype t in wasi_fd_get_kind's `kinds`. */
#define WASI_KIND(t) (1u << (t))
/* wasi_fd_get for calls that only make sense on some kinds of fd (path_* on directories,
 * sock_* on sockets): an fd of a kind outside `kinds` fails with `wrong_kind` (WASI_ENOTDIR,
 * WASI_ENOTSOCK) before its rights are looked at.  Errors: EBADF, wrong_kind, ENOTCAPABLE. */
struct wasi_fd *wasi_fd_get_kind(struct wasi_ctx *ctx, uint32_t fd, uint32_t kinds,
				 uint32_t wrong_kind, uint64_t need, uint32_t *err);
/* Install host fd `host` in the lowest free slot; takes ownership of `host` (closed on
 * failure).  Returns WASI_ESUCCESS with *out_fd, or WASI_EMFILE / WASI_ENOMEM. */
uint32_t wasi_fd_install(struct wasi_ctx *ctx, int host, uint8_t type, uint64_t base,
			 uint64_t inh, bool readonly, uint32_t *out_fd);
/* The rights an fd of WASI filetype `type` on host fd `host` can have at most: a directory
 * WASI_RIGHTS_DIR, a tty WASI_RIGHTS_TTY, anything else WASI_RIGHTS_FILE.  path_open masks
 * the requested rights with this (see wasi/README.md, "Rights"). */
uint64_t wasi_rights_of_type(uint8_t type, int host);
/* Close slot fd (host fd too unless borrowed stdio, whose host flags are put back) and
 * mark it free. */
void wasi_fd_release(struct wasi_ctx *ctx, uint32_t fd);
/* Free a cached directory listing (fd.c). NULL is a no-op. */
void wasi_dirlist_free(struct wasi_dirlist *d);

/* Host errno -> WASI errno: the single mapping table (errno.c). */
uint32_t wasi_errno(int host_errno);
/* Private "escape attempt" code returned by the sandbox (negated like host errnos); maps to
 * WASI_ENOTCAPABLE.  Above every Linux errno. */
#define SB_ESCAPE 4095
/* WASI filetype of a host st_mode. */
uint8_t wasi_filetype(mode_t mode);

/* Open `path` beneath directory dirfd: no absolute paths, no `..` above dirfd, symlinks
 * followed only while they stay beneath (the final one only without O_NOFOLLOW), no /proc
 * magic links.  openat2(RESOLVE_BENEATH) when the kernel has it, else a component walk.
 * Returns a host fd (O_CLOEXEC added) or -errno (-SB_ESCAPE for an escape). */
int sb_open(int dirfd, const char *path, int flags, mode_t mode);
/* Force the component-walk fallback (tests, and kernels without openat2). */
void sb_force_walk(bool on);

/* A path split for *at() system calls: an O_PATH fd of the parent directory, opened with
 * sb_open, and the final component (no slash; may be "." or ".."). */
struct sb_name {
	int parent;             /* owned; close with sb_name_done */
	char *name;             /* points into the caller's path buffer */
	bool trailing_slash;    /* the guest wrote "name/" */
};
/* Split `path` (modified in place) beneath dirfd.  Returns 0 or -errno. */
int sb_parent(int dirfd, char *path, struct sb_name *out);
void sb_name_done(struct sb_name *n);

/* Copy guest string [ptr, ptr+len) to a new NUL-terminated heap string (caller frees).
 * Errors: WASI_EFAULT (bounds), WASI_EILSEQ (embedded NUL), WASI_ENAMETOOLONG, WASI_ENOMEM. */
uint32_t wasi_path_copy(const struct guest *g, uint32_t ptr, uint32_t len, char **out);

/* Gather guest iovecs into host iovecs: into `small` (room for WASI_SMALL_IOV) when they
 * fit, else a heap array; release with wasi_iovecs_done().  Checks every buffer against
 * memory (WASI_EFAULT) and clamps the total to what a u32 result can report.
 * Returns WASI_ESUCCESS or WASI_EFAULT / WASI_ENOMEM. */
struct iovec;
#define WASI_SMALL_IOV 8
uint32_t wasi_iovecs(const struct guest *g, uint32_t iovs, uint32_t n, struct iovec *small,
		     struct iovec **out_iov, int *out_n);
void wasi_iovecs_done(struct iovec *iov, struct iovec *small);

/* Write a filestat (layout in abi.h) for sb with the given WASI filetype (fd.c). */
void wasi_put_filestat(uint8_t *p, const struct stat *sb, uint8_t type);
/* A host timestamp in u64 nanoseconds (pre-1970 clamps to 0). */
uint64_t wasi_ts_ns(const struct timespec *ts);
/* fstflags + times -> utimensat() pair; WASI_EINVAL on conflicting or unknown flags. */
uint32_t wasi_times(uint64_t atim, uint64_t mtim, uint32_t fstflags, struct timespec ts[2]);

/* Every handler, declared from the table. */
#define WASI_FN(name, sig, handler) wasi_handler handler;
#include "wasi_api.def"
#undef WASI_FN

#endif
