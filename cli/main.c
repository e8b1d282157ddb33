/* cli/main.c - the `chibi` program: dispatches subcommands to their entry points (cli/cli.h).
 *
 * Only `chibi validate` lives here, because it is a few lines over the public API.  Everything
 * else is in its own file: run (cli/run.c), wast (cli/wast.c), image (cli/image.c).
 */
#include <stdio.h>
#include <string.h>

#include "chibi.h"
#include "cli.h"

static void usage(FILE *out)
{
	fprintf(out,
		"usage: chibi <command> [options]\n"
		"\n"
		"commands:\n"
		"  run [OPTIONS] FILE.wasm [ARGS...]   run a WASI command (or --invoke an export)\n"
		"  validate FILE.wasm...               decode and validate modules\n"
		"  wast [--interp|--jit] FILE.wast...  run WebAssembly spec scripts\n"
		"  image build [OPTIONS] FILE.wasm     package a module as an OCI image tarball\n"
		"  inspect [--stats] [--disasm [FUNC]] FILE.wasm   the JIT's code and statistics\n"
		"  compile [-o OUT] FILE.wasm          compile ahead of time (chibi run OUT)\n"
		"  help | --help | --version\n"
		"\n"
		"`chibi FILE.wasm ...` is short for `chibi run FILE.wasm ...`.\n");
	if (chibi_jit_name())
		fprintf(out, "Code runs compiled by the %s JIT unless --interp is given.\n",
			chibi_jit_name());
	else
		fprintf(out, "This build has no JIT: code runs in the interpreter, and --jit and "
			"inspect are refused.\n");
}

/* chibi validate FILE...: exit 0 if every module is valid, 1 if any is not (with a reason and
 * byte offset), 2 on usage errors. */
int validate_main(int argc, char **argv)
{
	int status = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: chibi validate FILE.wasm...\n");
		return 2;
	}
	for (int i = 1; i < argc; i++) {
		struct chibi_diag diag = { 0 };
		chibi_module *m = NULL;
		enum chibi_err err = chibi_module_load_file(argv[i], &m, &diag);

		if (err == CHIBI_OK) {
			printf("%s: valid\n", argv[i]);
		} else if (err == CHIBI_ERR_IO) {
			fprintf(stderr, "%s: cannot read: %s\n", argv[i], diag.msg);
			status = 1;
		} else {
			const char *what = err == CHIBI_ERR_MALFORMED ? "malformed"
					 : err == CHIBI_ERR_INVALID ? "invalid"
					 : err == CHIBI_ERR_UNSUPPORTED ? "unsupported"
					 : "error";
			fprintf(stderr, "%s: %s: %s (at byte offset %zu)\n", argv[i], what, diag.msg,
				diag.offset);
			status = 1;
		}
		chibi_module_free(m);
	}
	return status;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	const char *cmd = argv[1];

	if (!strcmp(cmd, "run"))
		return run_main(argc - 1, argv + 1);
	if (!strcmp(cmd, "validate"))
		return validate_main(argc - 1, argv + 1);
	if (!strcmp(cmd, "wast"))
		return wast_main(argc - 1, argv + 1);
	if (!strcmp(cmd, "image"))
		return image_main(argc - 1, argv + 1);
	if (!strcmp(cmd, "inspect"))
		return inspect_main(argc - 1, argv + 1);
	if (!strcmp(cmd, "compile"))
		return compile_main(argc - 1, argv + 1);
	if (!strcmp(cmd, "help") || !strcmp(cmd, "--help") || !strcmp(cmd, "-h")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(cmd, "--version") || !strcmp(cmd, "version")) {
		printf("chibi %s\n", CHIBI_VERSION);
		return 0;
	}
	size_t n = strlen(cmd);
	if ((n > 5 && !strcmp(cmd + n - 5, ".wasm")) || (n > 6 && !strcmp(cmd + n - 6, ".cwasm")))
		return run_main(argc, argv); /* `chibi x.wasm` = `chibi run x.wasm` */
	fprintf(stderr, "chibi: unknown command '%s'\n", cmd);
	usage(stderr);
	return 2;
}
