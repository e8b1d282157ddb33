/* wasi/run.c - wasi_run(): load, link, instantiate and run one module; the `chibi run` job.
 *
 * Also used by the containerd shim's task child.  It owns the exit-status rules (proc_exit
 * code, 0, 134 on a trap, 1 on load/link errors), the --timeout alarm, and --invoke's
 * text <-> value conversions.  It does not parse the command line (cli/runopts.c).
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>
#include "wasi.h"
#include "../text/wat.h"
#include "../vm/alloc.h"

#define EXIT_TRAP 134 /* 128 + SIGABRT, what a native abort() gives; documented in --help */

/* The store the alarm interrupts.  One run per process at a time. */
static chibi_store *volatile alarm_store;

static void on_alarm(int sig)
{
	chibi_store *s = alarm_store;

	(void)sig;
	if (s)
		chibi_store_interrupt(s); /* async-signal-safe by contract */
}

/* After the deadline the alarm repeats at this period until disarmed. */
#define ALARM_REPEAT_USEC 20000

/* Arm (sec > 0) or disarm (sec == 0) the --timeout alarm.  SIGALRM is installed without
 * SA_RESTART so a guest blocked in a host call (poll_oneoff, fd_read, path_open of a fifo,
 * sock_accept) returns EINTR and then traps at its next loop back-edge or call.  The alarm
 * keeps firing every ALARM_REPEAT_USEC after the deadline: one signal can land just before
 * a blocking call starts, or inside a call that retries EINTR, and a one-shot timer would
 * then never wake the guest again.  Without --timeout nothing is armed, so nothing is
 * disarmed either (two setitimer calls fewer per run). */
static void set_alarm(chibi_store *s, double sec)
{
	static bool armed;
	struct itimerval it;
	struct sigaction sa;

	if (sec <= 0 && !armed)
		return;
	armed = sec > 0;
	memset(&it, 0, sizeof(it));
	if (sec > 0) {
		alarm_store = s;
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = on_alarm;
		sigemptyset(&sa.sa_mask);
		sigaction(SIGALRM, &sa, NULL);
		if (sec > 1e8)
			sec = 1e8;
		it.it_value.tv_sec = (time_t)sec;
		it.it_value.tv_usec = (suseconds_t)((sec - (double)(time_t)sec) * 1e6);
		if (it.it_value.tv_sec == 0 && it.it_value.tv_usec == 0)
			it.it_value.tv_usec = 1;
		it.it_interval.tv_usec = ALARM_REPEAT_USEC;
		setitimer(ITIMER_REAL, &it, NULL);
	} else {
		setitimer(ITIMER_REAL, &it, NULL);
		alarm_store = NULL;
	}
}

/* Print "error: wasm trap: KIND[: message][: tag T][ in function NAME|#N]" and pick the
 * status (an uncaught exception is reported and exits like a trap). */
static int trap_status(const struct chibi_trap_info *t)
{
	/* The run is over: a repeating alarm must not cut the message short (EINTR). */
	set_alarm(NULL, 0);
	if (t->kind == CHIBI_TRAP_EXIT)
		return (int)((uint32_t)t->exit_code & 0xff);
	fflush(stdout);
	fprintf(stderr, "error: wasm trap: %s", chibi_trap_name(t->kind));
	if (t->message[0])
		fprintf(stderr, ": %s", t->message);
	if (t->kind == CHIBI_TRAP_EXCEPTION && t->exn) {
		const chibi_tag *tag = chibi_exn_tag(t->exn);
		const char *name = chibi_tag_name(tag);

		if (name)
			fprintf(stderr, ": tag \"%s\"", name);
		else if (chibi_tag_index(tag) != UINT32_MAX)
			fprintf(stderr, ": tag #%" PRIu32, chibi_tag_index(tag));
		else
			fprintf(stderr, ": host tag");
	}
	if (t->func_name)
		fprintf(stderr, " in function %s", t->func_name);
	else if (t->func_index != UINT32_MAX)
		fprintf(stderr, " in function #%" PRIu32, t->func_index);
	fputc('\n', stderr);
	return EXIT_TRAP;
}

/* "nan:0x400000" / "-nan:0x1" payload syntax (the spec's text format). */
static bool parse_nan_payload(const char *s, bool f64, uint64_t *bits)
{
	bool neg = *s == '-';
	uint64_t payload;
	char *end;

	if (*s == '-' || *s == '+')
		s++;
	if (strncmp(s, "nan:0x", 6) != 0)
		return false;
	errno = 0;
	payload = strtoull(s + 6, &end, 16);
	if (errno || *end || payload == 0 ||
	    payload >= (f64 ? (1ull << 52) : (1ull << 23)))
		return false;
	*bits = f64 ? (0x7ff0000000000000ull | payload) : (0x7f800000u | payload);
	if (neg)
		*bits |= f64 ? (1ull << 63) : (1ull << 31);
	return true;
}

/* Text -> value of type t.  Integers: decimal or 0x hex, signed or unsigned range; floats:
 * anything strtod takes (1.5, -0, nan, inf, 0x1p-3) plus nan:0x payloads. */
static bool parse_val(const char *s, enum chibi_valtype t, chibi_val *v);

/* A v128 argument: SHAPE:L0,L1,... with SHAPE one of i8x16 i16x8 i32x4 i64x2 f32x4 f64x2 and
 * every lane in the scalar syntax of its type (i8/i16 lanes as i32 values in range), e.g.
 * i32x4:1,-2,0x3,4 or f64x2:0.5,nan. */
static bool parse_v128(const char *s, chibi_val *v)
{
	static const struct {
		const char *name;
		unsigned bytes;
		enum chibi_valtype lane;
	} shapes[] = {
		{ "i8x16:", 1, CHIBI_I32 }, { "i16x8:", 2, CHIBI_I32 }, { "i32x4:", 4, CHIBI_I32 },
		{ "i64x2:", 8, CHIBI_I64 }, { "f32x4:", 4, CHIBI_F32 }, { "f64x2:", 8, CHIBI_F64 },
	};
	char buf[64];

	for (size_t k = 0; k < sizeof(shapes) / sizeof(shapes[0]); k++) {
		unsigned w = shapes[k].bytes;
		const char *p = s + 6;

		if (strncmp(s, shapes[k].name, 6) != 0)
			continue;
		for (unsigned i = 0; i < 16 / w; i++) {
			size_t n = strcspn(p, ",");
			chibi_val l;
			uint64_t bits;

			if (n == 0 || n >= sizeof(buf) || (p[n] == ',') != (i + 1 < 16 / w))
				return false;
			memcpy(buf, p, n);
			buf[n] = '\0';
			if (!parse_val(buf, shapes[k].lane, &l))
				return false;
			bits = w == 8 ? (uint64_t)l.of.i64 : (uint32_t)l.of.i32;
			if (w < 4 && (l.of.i32 < -(1 << (8 * w - 1)) || l.of.i32 >= 1 << (8 * w)))
				return false;
			for (unsigned b = 0; b < w; b++)
				v->of.v128[i * w + b] = (uint8_t)(bits >> (8 * b));
			p += n + (p[n] == ',');
		}
		v->type = CHIBI_V128;
		return true;
	}
	return false;
}

static bool parse_val(const char *s, enum chibi_valtype t, chibi_val *v)
{
	char *end;

	v->type = (uint8_t)t;
	errno = 0;
	switch (t) {
	case CHIBI_I32: {
		long long x = strtoll(s, &end, 0);

		if (errno || end == s || *end || x < INT32_MIN || x > (long long)UINT32_MAX)
			return false;
		v->of.i32 = (int32_t)(uint32_t)x;
		return true;
	}
	case CHIBI_I64: {
		long long x = strtoll(s, &end, 0);

		if (errno == ERANGE && s[0] != '-') {
			unsigned long long u;

			errno = 0;
			u = strtoull(s, &end, 0);
			if (errno || end == s || *end)
				return false;
			v->of.i64 = (int64_t)u;
			return true;
		}
		if (errno || end == s || *end)
			return false;
		v->of.i64 = x;
		return true;
	}
	case CHIBI_F32: {
		uint64_t bits;
		float f;

		if (parse_nan_payload(s, false, &bits)) {
			v->of.f32_bits = (uint32_t)bits;
			return true;
		}
		f = strtof(s, &end);
		if (end == s || *end)
			return false;
		memcpy(&v->of.f32_bits, &f, 4);
		return true;
	}
	case CHIBI_F64: {
		uint64_t bits;
		double d;

		if (parse_nan_payload(s, true, &bits)) {
			v->of.f64_bits = bits;
			return true;
		}
		d = strtod(s, &end);
		if (end == s || *end)
			return false;
		memcpy(&v->of.f64_bits, &d, 8);
		return true;
	}
	case CHIBI_FUNCREF:
	case CHIBI_EXTERNREF:
		/* only the null reference has a text form */
		if (strcmp(s, "null") != 0 && strcmp(s, "ref.null") != 0)
			return false;
		v->of.ref = NULL;
		v->of.ext = NULL;
		return true;
	case CHIBI_V128:
		return parse_v128(s, v);
	default:
		return false;
	}
}

/* Shortest text that reads back to the same double. */
static void print_double(double d, int maxprec)
{
	char buf[64];
	int p;

	if (isnan(d)) {
		printf("%snan\n", signbit(d) ? "-" : "");
		return;
	}
	if (isinf(d)) {
		printf("%sinf\n", d < 0 ? "-" : "");
		return;
	}
	for (p = 1; p <= maxprec; p++) {
		snprintf(buf, sizeof(buf), "%.*g", p, d);
		if (maxprec == 9 ? (strtof(buf, NULL) == (float)d) : (strtod(buf, NULL) == d))
			break;
	}
	printf("%s\n", buf);
}

static void print_val(const chibi_val *v)
{
	switch (v->type) {
	case CHIBI_I32:
		printf("%" PRId32 "\n", v->of.i32);
		break;
	case CHIBI_I64:
		printf("%" PRId64 "\n", v->of.i64);
		break;
	case CHIBI_F32: {
		float f;

		memcpy(&f, &v->of.f32_bits, 4);
		print_double((double)f, 9);
		break;
	}
	case CHIBI_F64: {
		double d;

		memcpy(&d, &v->of.f64_bits, 8);
		print_double(d, 17);
		break;
	}
	case CHIBI_FUNCREF:
		printf("%s\n", v->of.ref ? "ref.func" : "ref.null func");
		break;
	case CHIBI_EXTERNREF:
		printf("%s\n", v->of.ext ? "ref.extern" : "ref.null extern");
		break;
	case CHIBI_V128: { /* as four i32 lanes, lane 0 first: what parse_v128 reads back */
		uint32_t l[4];

		memcpy(l, v->of.v128, 16);
		printf("i32x4:0x%08" PRIx32 ",0x%08" PRIx32 ",0x%08" PRIx32 ",0x%08" PRIx32 "\n",
		       l[0], l[1], l[2], l[3]);
		break;
	}
	default:
		break;
	}
}

/* Call f with text arguments; print the results.  Returns the exit status. */
static int invoke(chibi_func *f, const struct wasi_run_opts *o)
{
	uint32_t np = chibi_func_num_params(f), nr = chibi_func_num_results(f), i;
	chibi_val *args = vm_calloc(np ? np : 1, sizeof(*args));
	chibi_val *res = vm_calloc(nr ? nr : 1, sizeof(*res));
	struct chibi_trap_info ti;
	enum chibi_trap t;
	int status = 0;

	if (!args || !res) {
		fprintf(stderr, "error: out of memory\n");
		status = 1;
		goto out;
	}
	if ((uint32_t)o->ninvoke_args != np) {
		fprintf(stderr, "error: function '%s' takes %" PRIu32 " argument%s, %d given\n",
			o->invoke, np, np == 1 ? "" : "s", o->ninvoke_args);
		status = 2;
		goto out;
	}
	for (i = 0; i < np; i++) {
		if (!parse_val(o->invoke_args[i], chibi_func_param_type(f, i), &args[i])) {
			fprintf(stderr, "error: invalid argument %" PRIu32 " for '%s': '%s'\n",
				i + 1, o->invoke, o->invoke_args[i]);
			status = 2;
			goto out;
		}
	}
	memset(&ti, 0, sizeof(ti));
	ti.func_index = UINT32_MAX;
	t = chibi_func_call(f, args, np, res, nr, &ti);
	if (t != CHIBI_TRAP_NONE) {
		ti.kind = t;
		status = trap_status(&ti);
		goto out;
	}
	set_alarm(NULL, 0); /* nothing may interrupt the results' output */
	for (i = 0; i < nr; i++)
		print_val(&res[i]);
	fflush(stdout);
out:
	free(args);
	free(res);
	return status;
}

/* Call a no-argument, no-result export; returns the exit status (0 when it returns). */
static int call_void(chibi_func *f)
{
	struct chibi_trap_info ti;
	enum chibi_trap t;

	memset(&ti, 0, sizeof(ti));
	ti.func_index = UINT32_MAX;
	t = chibi_func_call(f, NULL, 0, NULL, 0, &ti);
	if (t == CHIBI_TRAP_NONE)
		return 0;
	ti.kind = t;
	return trap_status(&ti);
}

static const char *err_name(enum chibi_err e)
{
	switch (e) {
	case CHIBI_ERR_MALFORMED: return "malformed module";
	case CHIBI_ERR_INVALID: return "invalid module";
	case CHIBI_ERR_UNSUPPORTED: return "unsupported feature";
	case CHIBI_ERR_UNLINKABLE: return "unlinkable";
	case CHIBI_ERR_TRAP: return "trap";
	case CHIBI_ERR_NOMEM: return "out of memory";
	case CHIBI_ERR_ARG: return "bad argument";
	case CHIBI_ERR_IO: return "cannot read file";
	default: return "error";
	}
}

enum module_kind { MODULE_BINARY, MODULE_TEXT, MODULE_COMPILED };

/* What `path` holds, from one look at its first bytes: a compiled file (chibi compile), a
 * module in the text format (a name ending in .wat, or a first byte of '(' or ';' or white
 * space: a binary starts with "\0asm"), else a binary module, which the loader then reads
 * and reports on.  Only regular files are read: a pipe's bytes would be consumed (compiled
 * files are mapped, so they are regular files). */
static enum module_kind module_kind(const char *path)
{
	size_t len = strlen(path);
	uint8_t head[8];
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ? -1 :
		    read(fd, head, sizeof(head));

	if (fd >= 0)
		close(fd);
	if (n == (ssize_t)sizeof(head) && chibi_is_compiled(head, sizeof(head)))
		return MODULE_COMPILED;
	if ((len > 4 && !strcmp(path + len - 4, ".wat")) ||
	    (n > 0 && (head[0] == '(' || head[0] == ';' || head[0] == ' ' || head[0] == '\t' ||
		       head[0] == '\n' || head[0] == '\r')))
		return MODULE_TEXT;
	return MODULE_BINARY;
}

/* The writable preopen of cfg that holds `path` (after resolving links), or NULL.  A
 * compiled file the guest can write must not be run from: its code pages are mapped from
 * the file, so a write would change the code under the sandbox. */
static const char *writable_preopen_of(const struct wasi_config *cfg, const char *path)
{
	char real[4096], pre[4096];

	if (!realpath(path, real))
		return NULL;
	for (int i = 0; i < cfg->npreopens; i++) {
		size_t n;

		if (cfg->preopens[i].readonly || !realpath(cfg->preopens[i].host_path, pre))
			continue;
		n = strlen(pre);
		if (!strcmp(pre, "/") || (!strncmp(real, pre, n) && (real[n] == '/' || !real[n])))
			return cfg->preopens[i].host_path;
	}
	return NULL;
}

/* See wasi.h. */
chibi_compiled *wasi_cache_lookup(const char *path, const char *dir_arg,
				  const struct chibi_config *cfg, uint64_t max_bytes)
{
	char dir[4096];
	struct chibi_diag diag = { 0 };
	chibi_compiled *c = NULL;
	struct stat st;
	void *p = MAP_FAILED;
	int fd;

	if (dir_arg)
		snprintf(dir, sizeof(dir), "%s", dir_arg);
	else if (!chibi_cache_default_dir(dir, sizeof(dir))) {
		fprintf(stderr, "chibi: warning: no cache directory (set XDG_CACHE_HOME or HOME, "
				"or give --cache=DIR); running without the cache\n");
		return NULL;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size == 0 ||
	    (uint64_t)st.st_size > chibi_max_module_bytes() ||
	    (p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0)) == MAP_FAILED) {
		if (fd >= 0)
			close(fd);
		return NULL; /* the loader reports what is wrong with the file */
	}
	close(fd);
	if (chibi_cache_open(dir, p, (size_t)st.st_size, cfg, max_bytes, &c, NULL, &diag) !=
	    CHIBI_OK) {
		if (diag.code != CHIBI_ERR_MALFORMED && diag.code != CHIBI_ERR_INVALID)
			fprintf(stderr, "chibi: warning: %s; running without the cache\n",
				diag.msg);
		c = NULL;
	}
	munmap(p, (size_t)st.st_size);
	return c;
}

/* chibi_module_load_file, for text modules too (like wasmtime): the text is read with
 * chibi's reader (text/wat.h) and the binary it gives decoded. */
static enum chibi_err load_module(const char *path, bool text, uint32_t features,
				  chibi_module **out, struct chibi_diag *diag,
				  bool *out_text_error)
{
	struct wat_error werr;
	uint8_t *bin = NULL;
	char *src = NULL;
	size_t len = 0, cap = 0, blen;
	enum chibi_err e;
	FILE *f;

	if (!text)
		return chibi_module_load_file_features(path, features, out, diag);
	*out = NULL;
	f = fopen(path, "rb");
	if (!f) {
		snprintf(diag->msg, sizeof(diag->msg), "cannot open %s: %s", path, strerror(errno));
		return CHIBI_ERR_IO;
	}
	for (;;) {
		size_t got;

		if (!VM_GROW(src, cap, len + 65536)) {
			fclose(f);
			vm_free(src);
			return CHIBI_ERR_NOMEM;
		}
		got = fread(src + len, 1, cap - len, f);
		len += got;
		if (!got)
			break;
	}
	fclose(f);
	if (!wat_to_binary_features(src, len, features, &bin, &blen, &werr)) {
		vm_free(src);
		if (!werr.line)
			return CHIBI_ERR_NOMEM;
		snprintf(diag->msg, sizeof(diag->msg), "%u:%u: %s", werr.line, werr.col, werr.msg);
		diag->offset = 0;
		*out_text_error = true;
		return CHIBI_ERR_MALFORMED;
	}
	vm_free(src);
	e = chibi_module_new_features(bin, blen, features, out, diag);
	vm_free(bin);
	return e;
}

/* Run one module; see wasi.h for the exit-status contract. */
int wasi_run(const struct wasi_run_opts *opts, const struct wasi_config *cfg)
{
	struct chibi_diag diag;
	struct chibi_trap_info ti;
	chibi_module *m = NULL;
	chibi_compiled *compiled = NULL;
	enum module_kind kind;
	bool cfile;
	chibi_store *s = NULL;
	chibi_linker *l = NULL;
	chibi_instance *inst = NULL;
	struct wasi_ctx *ctx = NULL;
	chibi_func *f;
	char msg[512];
	enum chibi_err e;
	int status = 1;
	uint32_t i;
	bool text_error = false;

	memset(&diag, 0, sizeof(diag));
	kind = opts->compiled ? MODULE_COMPILED : module_kind(opts->wasm_path);
	cfile = !opts->compiled && kind == MODULE_COMPILED;
	if (cfile && writable_preopen_of(cfg, opts->wasm_path)) {
		fprintf(stderr, "error: %s lies in %s, which the guest may write: it could rewrite "
			"the code it runs; move it out or give that directory read-only\n",
			opts->wasm_path, writable_preopen_of(cfg, opts->wasm_path));
		return 1;
	}
	if (opts->compiled) {
		e = CHIBI_OK;
	} else if (cfile) {
		e = chibi_compiled_open(opts->wasm_path, &compiled, &diag);
	} else {
		char dir[4096] = "";

		if (opts->cache_dir)
			snprintf(dir, sizeof(dir), "%s", opts->cache_dir);
		else if (opts->cache)
			chibi_cache_default_dir(dir, sizeof(dir));
		if (opts->cache && dir[0] && writable_preopen_of(cfg, dir))
			fprintf(stderr, "chibi: warning: the cache %s lies in %s, which the guest may "
				"write; running without the cache\n", dir,
				writable_preopen_of(cfg, dir));
		else if (opts->cache && chibi_jit_name() && opts->engine.mode != CHIBI_MODE_INTERP &&
			 kind != MODULE_TEXT && !opts->engine.features_off)
			/* (the cache's entries are compiled with every proposal on) */
			compiled = wasi_cache_lookup(opts->wasm_path, opts->cache_dir,
						     &opts->engine, opts->cache_max);
		e = compiled ? CHIBI_OK : load_module(opts->wasm_path, kind == MODULE_TEXT,
					     chibi_config_features(&opts->engine), &m, &diag,
					     &text_error);
	}
	if (compiled || opts->compiled) /* the file's own module */
		m = chibi_compiled_module(compiled ? compiled : opts->compiled);
	if (e != CHIBI_OK) {
		fprintf(stderr, "error: failed to load %s: %s", opts->wasm_path,
			diag.msg[0] ? diag.msg : err_name(e));
		if (e == CHIBI_ERR_IO && !diag.msg[0])
			fprintf(stderr, " (%s)", strerror(errno));
		if ((e == CHIBI_ERR_MALFORMED || e == CHIBI_ERR_INVALID ||
		     e == CHIBI_ERR_UNSUPPORTED) && !text_error && !(cfile && diag.offset == 0))
			fprintf(stderr, " at offset %zu", diag.offset);
		fputc('\n', stderr);
		return 1;
	}
	for (i = 0; i < chibi_module_num_imports(m); i++) {
		const char *mod, *name;
		enum chibi_extern_kind k;

		chibi_module_import(m, i, &mod, &name, &k);
		if (strcmp(mod, "wasi_unstable") == 0) {
			fprintf(stderr, "error: failed to link %s: module uses the old "
					"wasi_unstable ABI; rebuild it for wasi_snapshot_preview1\n",
				opts->wasm_path);
			goto out;
		}
	}
	s = chibi_store_new(&opts->engine);
	l = chibi_linker_new();
	if (!s || !l) {
		fprintf(stderr, "error: out of memory\n");
		goto out;
	}
	chibi_store_use_compiled(s, compiled ? compiled : opts->compiled);
	ctx = wasi_ctx_new(cfg, msg, sizeof(msg));
	if (!ctx) {
		fprintf(stderr, "error: %s\n", msg);
		goto out;
	}
	if (wasi_link(ctx, l, s) != CHIBI_OK) {
		fprintf(stderr, "error: out of memory\n");
		goto out;
	}
	/* A peer that hangs up must surface as EPIPE in the guest, not kill the runtime. */
	signal(SIGPIPE, SIG_IGN);
	fflush(stdout);
	set_alarm(s, opts->timeout_sec);

	memset(&diag, 0, sizeof(diag));
	memset(&ti, 0, sizeof(ti));
	ti.func_index = UINT32_MAX;
	e = chibi_instance_new(s, m, l, &inst, &diag, &ti);
	if (e == CHIBI_ERR_TRAP) {
		if (ti.kind == CHIBI_TRAP_NONE) {
			fprintf(stderr, "error: failed to instantiate %s: %s\n", opts->wasm_path,
				diag.msg);
			status = EXIT_TRAP;
		} else {
			status = trap_status(&ti);
		}
		goto out;
	}
	if (e != CHIBI_OK) {
		fprintf(stderr, "error: failed to %s %s: %s\n",
			e == CHIBI_ERR_UNLINKABLE ? "link" : "instantiate", opts->wasm_path,
			diag.msg[0] ? diag.msg : err_name(e));
		goto out;
	}
	if (opts->on_instantiated)
		opts->on_instantiated(opts->on_instantiated_arg);

	if (opts->invoke) {
		/* A reactor initialises itself before any export is used. */
		f = chibi_instance_func(inst, "_initialize");
		if (f && strcmp(opts->invoke, "_initialize") != 0 &&
		    chibi_func_num_params(f) == 0 && chibi_func_num_results(f) == 0) {
			status = call_void(f);
			if (status != 0)
				goto out;
		}
		f = chibi_instance_func(inst, opts->invoke);
		if (!f) {
			fprintf(stderr, "error: %s has no exported function '%s'\n",
				opts->wasm_path, opts->invoke);
			status = 1;
			goto out;
		}
		status = invoke(f, opts);
		goto out;
	}
	f = chibi_instance_func(inst, "_start");
	if (!f) {
		/* Nothing to run (a library module): instantiation, with its start function,
		 * was the whole job. */
		status = 0;
		goto out;
	}
	if (chibi_func_num_params(f) != 0 || chibi_func_num_results(f) != 0) {
		fprintf(stderr, "error: %s: _start must take and return nothing\n",
			opts->wasm_path);
		status = 1;
		goto out;
	}
	status = call_void(f);
out:
	set_alarm(NULL, 0);
	fflush(stdout);
	if (s && chibi_store_compiled_note(s)[0])
		fprintf(stderr, "chibi: warning: %s: compiled code not used: %s\n",
			opts->wasm_path, chibi_store_compiled_note(s));
	chibi_linker_free(l);
	chibi_store_free(s);
	wasi_ctx_free(ctx);
	if (compiled)
		chibi_compiled_free(compiled);
	else if (!opts->compiled)
		chibi_module_free(m);
	return status;
}
