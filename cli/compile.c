/* cli/compile.c - `chibi compile [-o OUT] [--fuel] FILE.wasm`: compile a module ahead of time
 * into a compiled file that `chibi run` runs without compiling (include/chibi.h,
 * chibi_compile).  Written to a temporary file beside OUT and renamed, so OUT is never seen
 * half written.  Default OUT: FILE with .wasm replaced by .cwasm.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "chibi.h"
#include "cli.h"

static const char help[] =
	"usage: chibi compile [-o OUT] [--fuel] FILE.wasm\n"
	"\n"
	"Compile every function of FILE.wasm for this chibi and this CPU into OUT (default:\n"
	"FILE.cwasm); `chibi run OUT` then maps that code instead of compiling.  A compiled\n"
	"file runs only on the chibi build that made it, on a CPU with the features it was\n"
	"compiled for (chibi run refuses others with the reason).\n"
	"\n"
	"  -o, --output OUT   where to write\n"
	"  --fuel             compile fuel counting in (for chibi run --fuel)\n"
	"  -h, --help         show this help\n";

static int write_all(const char *out, const uint8_t *buf, size_t len)
{
	char tmp[4200];
	int fd;
	size_t done = 0;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp-%ld", out, (long)getpid()) >= (int)sizeof(tmp))
		return ENAMETOOLONG;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return errno;
	while (done < len) {
		ssize_t w = write(fd, buf + done, len - done);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			int e = w < 0 ? errno : EIO;

			close(fd);
			unlink(tmp);
			return e;
		}
		done += (size_t)w;
	}
	if (close(fd) != 0 || rename(tmp, out) != 0) {
		int e = errno;

		unlink(tmp);
		return e;
	}
	return 0;
}

/* chibi compile ...; argv[0] is "compile".  0 on success, 1 on errors, 2 on usage errors. */
int compile_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "fuel", no_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct chibi_config cfg = { .mode = CHIBI_MODE_JIT };
	struct chibi_diag diag = { 0 };
	const char *in, *out = NULL;
	char *def = NULL;
	uint8_t *wasm = NULL, *cf = NULL;
	size_t wlen = 0, clen = 0;
	FILE *f;
	int opt, status = 1, e;

	opterr = 0;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
		switch (opt) {
		case 'o':
			out = optarg;
			break;
		case 'f':
			cfg.fuel = 1;
			break;
		case 'h':
			fputs(help, stdout);
			return 0;
		default:
			fprintf(stderr, "chibi compile: bad option '%s'\n%s", argv[optind - 1], help);
			return 2;
		}
	}
	if (optind != argc - 1) {
		fputs(help, stderr);
		return 2;
	}
	in = argv[optind];
	if (!chibi_jit_name()) {
		fprintf(stderr, "chibi compile: this build of chibi has no JIT\n");
		return 1;
	}
	if (!out) {
		size_t n = strlen(in);

		def = malloc(n + 7);
		if (!def)
			goto oom;
		memcpy(def, in, n + 1);
		if (n > 5 && !strcmp(def + n - 5, ".wasm"))
			def[n - 5] = 0;
		strcat(def, ".cwasm");
		out = def;
	}
	f = fopen(in, "rb");
	if (!f) {
		fprintf(stderr, "chibi compile: %s: %s\n", in, strerror(errno));
		goto done;
	}
	for (;;) { /* a pipe too: read until EOF */
		uint8_t *p = realloc(wasm, wlen + 65536);
		size_t got;

		if (!p) {
			fclose(f);
			goto oom;
		}
		wasm = p;
		got = fread(wasm + wlen, 1, 65536, f);
		wlen += got;
		if (got < 65536)
			break;
	}
	fclose(f);
	if (chibi_is_compiled(wasm, wlen)) {
		fprintf(stderr, "chibi compile: %s is already a compiled file\n", in);
		goto done;
	}
	if (chibi_compile(wasm, wlen, &cfg, &cf, &clen, &diag) != CHIBI_OK) {
		fprintf(stderr, "chibi compile: %s: %s", in, diag.msg);
		if (diag.offset)
			fprintf(stderr, " (at byte offset %zu)", diag.offset);
		fputc('\n', stderr);
		goto done;
	}
	e = write_all(out, cf, clen);
	if (e) {
		fprintf(stderr, "chibi compile: %s: %s\n", out, strerror(e));
		goto done;
	}
	status = 0;
	goto done;
oom:
	fprintf(stderr, "chibi compile: out of memory\n");
done:
	free(cf);
	free(wasm);
	free(def);
	return status;
}
