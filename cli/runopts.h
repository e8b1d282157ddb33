/* cli/runopts.h - the `chibi run` command line, parsed into wasi_run_opts + wasi_config.
 *
 * Pure parsing (no I/O but getenv for `--env KEY`), so every rule is unit-tested in
 * runopts_test.c; runopts_listen() then opens the --tcplisten sockets.  cli/run.c is the
 * only user: parse, print help/version or the error, call wasi_run().
 */
#ifndef CHIBI_CLI_RUNOPTS_H
#define CHIBI_CLI_RUNOPTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "../wasi/wasi.h"

struct run_cmd {
	struct wasi_run_opts run;   /* run.wasm_path etc.; strings point into argv or below */
	struct wasi_config wasi;    /* argv/env/preopens/listen fds (arrays owned here) */
	bool help;                  /* -h / --help given */
	bool version;               /* --version given */
	int nlisten_addrs;
	char **listen_addrs;        /* --tcplisten values, opened by runopts_listen() */
	char **flag_lists;          /* copies of the -W/-S/-C values (items point into them) */
	size_t nflag_lists, flag_list_cap;
	/* capacities of the arrays above and in wasi (VM_GROW) */
	size_t env_cap, preopen_cap, listen_cap, listen_fd_cap;
};

/* Exit status for a command-line mistake. */
#define RUNOPTS_USAGE 2

/* Parse argv (argv[0] is "run").  Returns 0, or RUNOPTS_USAGE with a message in err.
 * Free with runopts_free() either way. */
int runopts_parse(int argc, char **argv, struct run_cmd *out, char *err, size_t errlen);
/* Open every --tcplisten address as a listening TCP socket into out->wasi.listen_fds.
 * Returns 0 or 1 with a message in err. */
int runopts_listen(struct run_cmd *c, char *err, size_t errlen);
void runopts_free(struct run_cmd *c);

/* "64K", "16MiB", "1G", "4096" -> bytes.  K/M/G and KiB/MiB/GiB are both powers of 1024;
 * "KB" style too.  Returns false on junk, overflow or a missing number. */
bool runopts_size(const char *s, uint64_t *out);
/* One proposal switch of -W ("simd", "memory64=n", "all-proposals=y", "gc=n"; `len`
 * bytes of item) into *features_off (enum chibi_feature bits).  1 when applied, 0 when
 * the name is no proposal, RUNOPTS_USAGE (message in err) on a bad value or gc=y. */
int runopts_feature(const char *item, size_t len, uint32_t *features_off, char *err,
		    size_t errlen);
/* "500ms", "2s", "1.5s", "100us", "10ns", "1m", "1h"; a bare number is seconds.
 * Returns false unless the result is a finite number > 0. */
bool runopts_duration(const char *s, double *out_sec);
/* "HOST", "HOST::GUEST", either with a ":ro" suffix -> a preopen (strings copied; free
 * host_path and guest_path).  readonly is also set when `ro` is true (--dir-ro). */
bool runopts_dir(const char *s, bool ro, struct wasi_preopen *out);

/* The help text of `chibi run`. */
extern const char runopts_help[];

#endif
