/* cli/runopts.c - parse `chibi run [OPTIONS] FILE.wasm [ARGS...]` (getopt_long).
 *
 * Option names follow wasmtime's (`--dir HOST::GUEST`, `--env`, `--invoke`, `--tcplisten`,
 * `--max-wasm-stack`, `--fuel`), both as "--opt value" and "--opt=value".  Options end at
 * the module file or at "--"; everything after the file goes to the guest (or to the
 * --invoke function).  No host environment variable reaches the guest unless named.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <math.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>
#include "runopts.h"
#include "../vm/alloc.h"

const char runopts_help[] =
	"usage: chibi run [OPTIONS] FILE.wasm [ARGS...]\n"
	"\n"
	"Run a WebAssembly module: its `_start` export (WASI command), or --invoke NAME.\n"
	"FILE may be a binary module or a text module (.wat, read by chibi's own reader).\n"
	"\n"
	"options:\n"
	"  --dir HOST[::GUEST]      preopen directory HOST as GUEST (default: HOST); repeatable\n"
	"  --dir HOST[::GUEST]:ro   the same, read-only (also --dir-ro HOST[::GUEST]): no\n"
	"                           writes, creates, renames or removals beneath it\n"
	"  --env KEY=VALUE          set a guest environment variable; repeatable\n"
	"  --env KEY                pass the host's KEY through (nothing else is inherited)\n"
	"  --invoke NAME            call export NAME instead of _start; ARGS are its parameters\n"
	"                           (decimal, hex 0x.., floats like 1.5, -0, nan, inf,\n"
	"                           null for a reference, a v128 as SHAPE:LANES like\n"
	"                           i32x4:1,2,3,4 or f64x2:0.5,-inf);\n"
	"                           results are printed one per line\n"
	"  --max-memory SIZE        cap linear memory, all memories together, 32- and 64-bit\n"
	"                           (e.g. 64MiB, 1G; at least 64KiB)\n"
	"  --max-wasm-stack SIZE    stack for wasm calls, in either tier (e.g. 512K, 16MiB;\n"
	"                           default 8MiB, at most 64MiB)\n"
	"  --max-file-size SIZE     fd_allocate never grows a file beyond SIZE (EFBIG);\n"
	"                           default 1GiB\n"
	"  --timeout DURATION       trap with \"interrupted\" after DURATION (500ms, 2s, 1m)\n"
	"  --fuel N                 trap with \"all fuel consumed\" after N units of work\n"
	"  --interp                 run in the interpreter\n"
	"  --jit                    run compiled code (the default on x86-64 and AArch64;\n"
	"                           see CHIBI_JIT_* in jit/jit.h for its switches)\n"
	"  --tcplisten ADDR:PORT    preopen a listening TCP socket (after the directories);\n"
	"                           ADDR: IPv4, [IPv6], localhost or empty (any)\n"
	"  --cache[=DIR]            keep the compiled code in DIR (default $XDG_CACHE_HOME/chibi\n"
	"                           or ~/.cache/chibi) and reuse it on later runs\n"
	"  --cache-size SIZE        keep the cache within SIZE (default 512MiB; least recently\n"
	"                           used entries go first)\n"
	"  -W NAME[=y|n],...        switch WebAssembly proposals on or off, as wasmtime names\n"
	"                           them (default: all on): simd, relaxed-simd,\n"
	"                           multi-memory, memory64, tail-call, function-references,\n"
	"                           exceptions, extended-const, multi-value, bulk-memory,\n"
	"                           reference-types, all-proposals; gc=n (GC is not\n"
	"                           implemented).  -W all-proposals=n,simd,multi-value,\n"
	"                           bulk-memory,reference-types is Wasm 2.0\n"
	"  -W KEY=VALUE,...         wasmtime's spellings of the options above: fuel=N,\n"
	"                           max-memory-size=SIZE, max-wasm-stack=SIZE,\n"
	"                           timeout=DURATION\n"
	"  -S inherit-env[=y|n]     give the guest every host environment variable\n"
	"  -S tcplisten=ADDR:PORT   as --tcplisten (-S cli=y is accepted: always on)\n"
	"  -C cache[=y|n]           as --cache (the default directory)\n"
	"  -h, --help               show this help\n"
	"  --version                show the version\n"
	"  --                       end of options\n"
	"\n"
	"exit status: the guest's proc_exit code; 0 when _start returns; 134 on a trap;\n"
	"1 when the module cannot be loaded or linked; 2 on a command-line error.\n"
	"\n"
	"FILE may also be a compiled file from `chibi compile`.\n"
	"FILE must be a regular file or a pipe of at most 1GiB (CHIBI_MAX_MODULE_SIZE=BYTES\n"
	"in the environment changes that limit).\n";

/* "64K"/"16MiB"/"1G"/"4096" -> bytes in *out (powers of 1024).  Returns false on junk,
 * a missing number or overflow; *out is untouched then. */
bool runopts_size(const char *s, uint64_t *out)
{
	static const struct {
		const char *suffix;
		unsigned shift;
	} units[] = {
		{ "", 0 },    { "b", 0 },    { "k", 10 },   { "kb", 10 }, { "kib", 10 },
		{ "m", 20 },  { "mb", 20 },  { "mib", 20 }, { "g", 30 },  { "gb", 30 },
		{ "gib", 30 }, { "t", 40 },  { "tib", 40 },
	};
	unsigned long long v;
	char *end;
	size_t i;

	if (!s || *s < '0' || *s > '9')
		return false;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s)
		return false;
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcasecmp(end, units[i].suffix) != 0)
			continue;
		if (units[i].shift && v > (UINT64_MAX >> units[i].shift))
			return false;
		*out = (uint64_t)v << units[i].shift;
		return true;
	}
	return false;
}

/* "500ms"/"2s"/"1.5s"/"100us"/"10ns"/"1m"/"1h" (bare number: seconds) -> *out_sec.
 * Returns false unless the result is finite and > 0. */
bool runopts_duration(const char *s, double *out_sec)
{
	static const struct {
		const char *suffix;
		double scale;
	} units[] = {
		{ "", 1 }, { "s", 1 }, { "ms", 1e-3 }, { "us", 1e-6 }, { "ns", 1e-9 },
		{ "m", 60 }, { "min", 60 }, { "h", 3600 },
	};
	char *end;
	double v;
	size_t i;

	if (!s || !((*s >= '0' && *s <= '9') || *s == '.'))
		return false;
	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || !isfinite(v))
		return false;
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcmp(end, units[i].suffix) != 0)
			continue;
		v *= units[i].scale;
		if (!(v > 0) || !isfinite(v))
			return false;
		*out_sec = v;
		return true;
	}
	return false;
}

/* "HOST" / "HOST::GUEST", optional ":ro" suffix -> *out with both paths malloc'ed (the
 * caller frees them; runopts_free does for parsed commands).  `ro` forces read-only
 * (--dir-ro).  Returns false for an empty host or guest part, or out of memory. */
bool runopts_dir(const char *s, bool ro, struct wasi_preopen *out)
{
	size_t len = strlen(s);
	const char *sep;
	char *host, *guest;

	if (len >= 3 && strcmp(s + len - 3, ":ro") == 0) {
		ro = true;
		len -= 3;
	}
	if (len == 0)
		return false;
	sep = strstr(s, "::");
	if (sep && (size_t)(sep - s) < len) {
		host = strndup(s, (size_t)(sep - s));
		guest = strndup(sep + 2, len - (size_t)(sep - s) - 2);
	} else {
		host = strndup(s, len);
		guest = strndup(s, len);
	}
	if (!host || !guest || !*host || !*guest) {
		free(host);
		free(guest);
		return false;
	}
	out->host_path = host;
	out->guest_path = guest;
	out->readonly = ro;
	return true;
}

static int usage(char *err, size_t errlen, const char *fmt, const char *arg)
{
	snprintf(err, errlen, fmt, arg);
	return RUNOPTS_USAGE;
}

/* The long options of `chibi run`; each returns its enum value from getopt_long. */
enum {
	OPT_DIR = 256, OPT_DIR_RO, OPT_ENV, OPT_INVOKE, OPT_MAX_MEMORY, OPT_MAX_WASM_STACK,
	OPT_MAX_FILE_SIZE, OPT_TIMEOUT, OPT_FUEL, OPT_INTERP, OPT_JIT, OPT_TCPLISTEN, OPT_VERSION,
	OPT_CACHE, OPT_CACHE_SIZE,
};

static const struct option long_opts[] = {
	{ "dir", required_argument, NULL, OPT_DIR },
	{ "dir-ro", required_argument, NULL, OPT_DIR_RO },
	{ "env", required_argument, NULL, OPT_ENV },
	{ "invoke", required_argument, NULL, OPT_INVOKE },
	{ "max-memory", required_argument, NULL, OPT_MAX_MEMORY },
	{ "max-wasm-stack", required_argument, NULL, OPT_MAX_WASM_STACK },
	{ "max-file-size", required_argument, NULL, OPT_MAX_FILE_SIZE },
	{ "timeout", required_argument, NULL, OPT_TIMEOUT },
	{ "fuel", required_argument, NULL, OPT_FUEL },
	{ "interp", no_argument, NULL, OPT_INTERP },
	{ "jit", no_argument, NULL, OPT_JIT },
	{ "tcplisten", required_argument, NULL, OPT_TCPLISTEN },
	{ "cache", optional_argument, NULL, OPT_CACHE },
	{ "cache-size", required_argument, NULL, OPT_CACHE_SIZE },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, OPT_VERSION },
	{ NULL, 0, NULL, 0 },
};

/* "--env KEY=VALUE" as is, "--env KEY" as KEY=<the host's value> (nothing when the host has
 * no KEY: the guest simply does not see it).  Returns 0 or RUNOPTS_USAGE. */
static int add_env(struct run_cmd *out, const char *v, char *err, size_t errlen)
{
	const char *hv;
	char *kv;

	if (v[0] == '=' || v[0] == '\0')
		return usage(err, errlen, "invalid --env value '%s'", v);
	if (strchr(v, '=')) {
		kv = strdup(v);
	} else {
		hv = getenv(v);
		if (!hv)
			return 0;
		kv = malloc(strlen(v) + strlen(hv) + 2);
		if (kv)
			sprintf(kv, "%s=%s", v, hv);
	}
	if (!kv || !VM_GROW(out->wasi.env, out->env_cap, (size_t)out->wasi.nenv + 1)) {
		free(kv);
		return usage(err, errlen, "out of memory%s", "");
	}
	out->wasi.env[out->wasi.nenv++] = kv;
	return 0;
}

/* A -W/-S/-C boolean: empty (bare NAME) or y/yes/true/n/no/false.  false on junk. */
static bool flag_bool(const char *v, size_t len, bool *out)
{
	static const struct {
		const char *text;
		bool value;
	} words[] = { { "y", true }, { "yes", true }, { "true", true },
		      { "n", false }, { "no", false }, { "false", false } };

	if (!len) {
		*out = true;
		return true;
	}
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (strlen(words[i].text) == len && !strncasecmp(words[i].text, v, len)) {
			*out = words[i].value;
			return true;
		}
	return false;
}

/* One proposal switch of -W, "NAME", "NAME=y|n" (`len` bytes of `item`), into
 * *features_off: also all-proposals=y|n, and gc (not implemented: only gc=n).  Returns 1
 * when applied, 0 when NAME is not a proposal, RUNOPTS_USAGE on a bad value. */
int runopts_feature(const char *item, size_t len, uint32_t *features_off, char *err,
		    size_t errlen)
{
	const char *eq = memchr(item, '=', len);
	size_t nlen = eq ? (size_t)(eq - item) : len;
	const char *v = eq ? eq + 1 : item + len;
	size_t vlen = len - (size_t)(v - item);
	uint32_t bit = chibi_feature_by_name(item, nlen);
	bool on;

	if (nlen == strlen("all-proposals") && !memcmp(item, "all-proposals", nlen))
		bit = CHIBI_FEATURES_ALL;
	else if (!bit && !(nlen == 2 && !memcmp(item, "gc", 2)))
		return 0;
	if (!flag_bool(v, vlen, &on)) {
		snprintf(err, errlen, "-W %.*s: expected y or n, not '%.*s'", (int)nlen, item,
			 (int)vlen, v);
		return RUNOPTS_USAGE;
	}
	if (!bit) {
		if (on) {
			snprintf(err, errlen, "-W gc: garbage collection (Wasm 3.0 GC) is not "
				 "implemented by chibi; only gc=n");
			return RUNOPTS_USAGE;
		}
		return 1;
	}
	if (on)
		*features_off &= ~bit;
	else
		*features_off |= bit;
	return 1;
}

static int apply(struct run_cmd *out, int opt, const char *v, char *err, size_t errlen);

/* wasmtime's -W (wasm), -S (WASI) and -C (codegen) options: comma-separated KEY[=VALUE]
 * items.  Proposals (runopts_feature) and the keys of the long options chibi has:
 *   -W fuel=N, max-memory-size=SIZE, max-wasm-stack=SIZE, timeout=DURATION
 *   -S inherit-env[=y|n], tcplisten=ADDR:PORT, cli[=y] (chibi is always a WASI command)
 *   -C cache[=y|n]
 * Anything else is refused (RUNOPTS_USAGE), like wasmtime. */
static int apply_group(struct run_cmd *out, char group, char *list, char *err, size_t errlen)
{
	static const struct {
		char group;
		const char *key;
		int opt;       /* the long option it means, or 0 for the special cases below */
	} keys[] = {
		{ 'W', "fuel", OPT_FUEL },
		{ 'W', "max-memory-size", OPT_MAX_MEMORY },
		{ 'W', "max-wasm-stack", OPT_MAX_WASM_STACK },
		{ 'W', "timeout", OPT_TIMEOUT },
		{ 'S', "tcplisten", OPT_TCPLISTEN },
		{ 'S', "inherit-env", 0 },
		{ 'S', "cli", 0 },
		{ 'C', "cache", 0 },
	};
	char *item, *save = NULL;
	int rc;

	for (item = strtok_r(list, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(item, '=');
		size_t klen = eq ? (size_t)(eq - item) : strlen(item);
		const char *v = eq ? eq + 1 : "";
		size_t i;
		bool on;

		if (group == 'W') {
			rc = runopts_feature(item, strlen(item), &out->run.engine.features_off,
					     err, errlen);
			if (rc == RUNOPTS_USAGE)
				return rc;
			if (rc == 1)
				continue;
		}
		for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
			if (keys[i].group == group && strlen(keys[i].key) == klen &&
			    !memcmp(keys[i].key, item, klen))
				break;
		if (i == sizeof(keys) / sizeof(keys[0])) {
			snprintf(err, errlen, "-%c %.*s: unknown or unsupported key (see chibi run "
				 "--help)", group, (int)klen, item);
			return RUNOPTS_USAGE;
		}
		if (keys[i].opt) {
			if (!eq) {
				snprintf(err, errlen, "-%c %s needs a value (%s=...)", group,
					 keys[i].key, keys[i].key);
				return RUNOPTS_USAGE;
			}
			rc = apply(out, keys[i].opt, v, err, errlen);
			if (rc)
				return rc;
			continue;
		}
		if (!flag_bool(v, strlen(v), &on)) {
			snprintf(err, errlen, "-%c %s: expected y or n, not '%s'", group,
				 keys[i].key, v);
			return RUNOPTS_USAGE;
		}
		if (group == 'C') {
			out->run.cache = on;
		} else if (!strcmp(keys[i].key, "cli")) {
			if (!on) {
				snprintf(err, errlen, "-S cli=n: chibi always provides WASI "
					 "preview1 (no other interface)");
				return RUNOPTS_USAGE;
			}
		} else if (on) { /* inherit-env: every host variable, as --env KEY=VALUE */
			extern char **environ;

			for (char **e = environ; e && *e; e++)
				if (strchr(*e, '=') && **e != '=' &&
				    (rc = add_env(out, *e, err, errlen)))
					return rc;
		}
	}
	return 0;
}

/* One option (getopt_long's `opt`, value `v`) into *out.  Returns 0 or RUNOPTS_USAGE. */
static int apply(struct run_cmd *out, int opt, const char *v, char *err, size_t errlen)
{
	uint64_t n;
	char *end;

	switch (opt) {
	case OPT_INTERP:
		out->run.engine.mode = CHIBI_MODE_INTERP;
		return 0;
	case OPT_JIT:
		out->run.engine.mode = CHIBI_MODE_JIT;
		return 0;
	case OPT_DIR:
	case OPT_DIR_RO:
		if (!VM_GROW(out->wasi.preopens, out->preopen_cap, (size_t)out->wasi.npreopens + 1))
			return usage(err, errlen, "out of memory%s", "");
		if (!runopts_dir(v, opt == OPT_DIR_RO, &out->wasi.preopens[out->wasi.npreopens]))
			return usage(err, errlen, "invalid --dir value '%s'", v);
		out->wasi.npreopens++;
		return 0;
	case OPT_ENV:
		return add_env(out, v, err, errlen);
	case OPT_INVOKE:
		if (!*v)
			return usage(err, errlen, "--invoke needs a function name%s", "");
		out->run.invoke = v;
		return 0;
	case OPT_MAX_MEMORY:
		if (!runopts_size(v, &n) || n < 65536)
			return usage(err, errlen,
				     "invalid --max-memory '%s' (a size of at least 64KiB)", v);
		n /= 65536;
		out->run.engine.max_memory_pages = n > 65536 ? 65536 : (uint32_t)n;
		return 0;
	case OPT_MAX_WASM_STACK:
		if (!runopts_size(v, &n) || n == 0 || n > CHIBI_MAX_STACK_BYTES)
			return usage(err, errlen,
				     "invalid --max-wasm-stack '%s' (a size of at most 64MiB)", v);
		out->run.engine.max_stack_bytes = (size_t)n;
		return 0;
	case OPT_MAX_FILE_SIZE:
		if (!runopts_size(v, &n) || n == 0 || n > INT64_MAX)
			return usage(err, errlen, "invalid --max-file-size '%s'", v);
		out->wasi.max_file_size = n;
		return 0;
	case OPT_CACHE:
		out->run.cache = true;
		if (v && !*v)
			return usage(err, errlen, "--cache=%s: needs a directory", v);
		out->run.cache_dir = v;
		return 0;
	case OPT_CACHE_SIZE:
		if (!runopts_size(v, &n) || n == 0)
			return usage(err, errlen, "invalid --cache-size '%s'", v);
		out->run.cache_max = n;
		return 0;
	case OPT_TIMEOUT:
		if (!runopts_duration(v, &out->run.timeout_sec))
			return usage(err, errlen, "invalid --timeout '%s' (e.g. 500ms, 2s)", v);
		return 0;
	case OPT_FUEL:
		errno = 0;
		n = strtoull(v, &end, 0);
		if (errno || end == v || *end || n == 0 || v[0] == '-')
			return usage(err, errlen, "invalid --fuel '%s' (a positive count)", v);
		out->run.engine.fuel = n;
		return 0;
	case OPT_TCPLISTEN: {
		const char *port = strrchr(v, ':');

		if (!port || !port[1] || strtoul(port + 1, &end, 10) > 65535 || *end)
			return usage(err, errlen, "invalid --tcplisten '%s' (ADDR:PORT)", v);
		if (!VM_GROW(out->listen_addrs, out->listen_cap, (size_t)out->nlisten_addrs + 1))
			return usage(err, errlen, "out of memory%s", "");
		out->listen_addrs[out->nlisten_addrs++] = (char *)v;
		return 0;
	}
	}
	return usage(err, errlen, "unhandled option%s", ""); /* not reached: every entry above */
}

/* Parse `chibi run` arguments (argv[0] is "run") into *out.  Returns 0, or RUNOPTS_USAGE
 * with a one-line message in err.  Strings in *out point into argv or are owned by *out:
 * always release with runopts_free().
 *
 * getopt_long with '+': options stop at the first non-option (the module file), so every
 * later argument goes to the guest even when it looks like an option; "--" ends the options
 * too.  Values come as "--opt value" or "--opt=value".  getopt's own messages are off
 * (opterr = 0, the leading ':') so that errors read like the rest of chibi's. */
int runopts_parse(int argc, char **argv, struct run_cmd *out, char *err, size_t errlen)
{
	int opt, rc, i;

	memset(out, 0, sizeof(*out));
	out->wasi.stdin_fd = 0;
	out->wasi.stdout_fd = 1;
	out->wasi.stderr_fd = 2;
	out->run.engine.mode = CHIBI_MODE_DEFAULT;
	opterr = 0;
	optind = 0; /* glibc: start over (also forgets an earlier scan's state) */
	while ((opt = getopt_long(argc, argv, "+:hVW:S:C:", long_opts, NULL)) != -1) {
		switch (opt) {
		case 'W':
		case 'S':
		case 'C': {
			/* strtok_r writes: parse a copy (argv stays as given), kept as long
			 * as *out since values (tcplisten) point into it */
			char *list = strdup(optarg);

			if (!list || !VM_GROW(out->flag_lists, out->flag_list_cap,
					      out->nflag_lists + 1)) {
				free(list);
				return usage(err, errlen, "out of memory%s", "");
			}
			out->flag_lists[out->nflag_lists++] = list;
			rc = apply_group(out, (char)opt, list, err, errlen);
			if (rc)
				return rc;
			break;
		}
		case 'h':
			out->help = true;
			return 0;
		case 'V':
		case OPT_VERSION:
			out->version = true;
			return 0;
		case ':':
			return usage(err, errlen, "option %s needs a value", argv[optind - 1]);
		case '?':
			return usage(err, errlen, "unknown option '%s' (see chibi run --help)",
				     argv[optind - 1]);
		default:
			rc = apply(out, opt, optarg, err, errlen);
			if (rc)
				return rc;
		}
	}
	i = optind;
	if (i >= argc)
		return usage(err, errlen, "no module file given (see chibi run --help)%s", "");
	out->run.wasm_path = argv[i];
	if (out->run.invoke) {
		/* Everything after the file is the function's parameters; the guest's argv is
		 * just the file name. */
		out->run.ninvoke_args = argc - i - 1;
		out->run.invoke_args = argv + i + 1;
		out->wasi.argc = 1;
	} else {
		out->wasi.argc = argc - i;
	}
	out->wasi.argv = argv + i;
	return 0;
}

/* "ADDR:PORT" -> a socket address.  ADDR is numeric IPv4, "[IPv6]", "localhost" or empty
 * (any IPv4 address).  Names are not resolved: `chibi` is a static binary, and glibc's
 * resolver would dlopen NSS modules of whatever glibc the host has. */
static int listen_addr(const char *spec, struct sockaddr_storage *ss, socklen_t *len)
{
	const char *colon = strrchr(spec, ':');
	struct sockaddr_in *v4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)ss;
	char host[INET6_ADDRSTRLEN + 1];
	size_t hl;
	unsigned long port;
	char *end;

	if (!colon)
		return -1;
	hl = (size_t)(colon - spec);
	errno = 0;
	port = strtoul(colon + 1, &end, 10);
	if (!colon[1] || *end || port > 65535 || errno)
		return -1;
	memset(ss, 0, sizeof(*ss));
	if (hl >= 2 && spec[0] == '[' && spec[hl - 1] == ']') {
		if (hl - 2 >= sizeof(host))
			return -1;
		memcpy(host, spec + 1, hl - 2);
		host[hl - 2] = '\0';
		v6->sin6_family = AF_INET6;
		v6->sin6_port = htons((uint16_t)port);
		*len = sizeof(*v6);
		return inet_pton(AF_INET6, host, &v6->sin6_addr) == 1 ? 0 : -1;
	}
	if (hl >= sizeof(host))
		return -1;
	memcpy(host, spec, hl);
	host[hl] = '\0';
	v4->sin_family = AF_INET;
	v4->sin_port = htons((uint16_t)port);
	*len = sizeof(*v4);
	if (hl == 0) {
		v4->sin_addr.s_addr = htonl(INADDR_ANY);
		return 0;
	}
	if (!strcmp(host, "localhost")) {
		v4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		return 0;
	}
	return inet_pton(AF_INET, host, &v4->sin_addr) == 1 ? 0 : -1;
}

/* Bind and listen on every --tcplisten ADDR:PORT (see listen_addr), storing the fds in
 * c->wasi.listen_fds (closed by runopts_free).  Returns 0, or 1 with err set (bad address,
 * bind/listen failure). */
int runopts_listen(struct run_cmd *c, char *err, size_t errlen)
{
	int k;

	for (k = 0; k < c->nlisten_addrs; k++) {
		struct sockaddr_storage ss;
		socklen_t len = 0;
		int fd = -1, one = 1;

		if (listen_addr(c->listen_addrs[k], &ss, &len) != 0) {
			snprintf(err, errlen,
				 "--tcplisten %s: not a numeric address (IPv4:PORT, [IPv6]:PORT, "
				 "localhost:PORT or :PORT)",
				 c->listen_addrs[k]);
			return 1;
		}
		fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd >= 0 && fd <= 2) {
			/* stdio was closed: the socket must not become the guest's fd 0-2. */
			int hi = fcntl(fd, F_DUPFD_CLOEXEC, 3);

			close(fd);
			fd = hi;
		}
		if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
		    bind(fd, (struct sockaddr *)&ss, len) != 0 || listen(fd, 128) != 0) {
			snprintf(err, errlen, "--tcplisten %s: %s", c->listen_addrs[k],
				 strerror(errno));
			if (fd >= 0)
				close(fd);
			return 1;
		}
		if (!VM_GROW(c->wasi.listen_fds, c->listen_fd_cap, (size_t)c->wasi.nlisten + 1)) {
			close(fd);
			snprintf(err, errlen, "out of memory");
			return 1;
		}
		c->wasi.listen_fds[c->wasi.nlisten++] = fd;
	}
	return 0;
}

/* Release everything runopts_parse/runopts_listen allocated; *c is zeroed. */
void runopts_free(struct run_cmd *c)
{
	int i;

	for (i = 0; i < c->wasi.npreopens; i++) {
		free((char *)c->wasi.preopens[i].host_path);
		free((char *)c->wasi.preopens[i].guest_path);
	}
	free(c->wasi.preopens);
	for (i = 0; i < c->wasi.nenv; i++)
		free(c->wasi.env[i]);
	free(c->wasi.env);
	for (i = 0; i < c->wasi.nlisten; i++)
		close(c->wasi.listen_fds[i]);
	free(c->wasi.listen_fds);
	free(c->listen_addrs);
	for (size_t k = 0; k < c->nflag_lists; k++)
		free(c->flag_lists[k]);
	free(c->flag_lists);
	memset(c, 0, sizeof(*c));
}
