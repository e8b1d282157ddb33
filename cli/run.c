/* cli/run.c - `chibi run`: run a WebAssembly module (WASI command or --invoke NAME).
 *
 * A thin shell: cli/runopts.c parses the command line, wasi/run.c does the work and owns
 * the exit-status rules.  This file only prints help/version/usage errors.
 */
#include <stdio.h>
#include "cli.h"
#include "chibi.h"
#include "runopts.h"

/* chibi run [OPTIONS] FILE.wasm [ARGS...]; argv[0] is "run".  Returns the exit status:
 * the guest's, 134 on a trap, 1 on load/link errors, 2 on usage errors. */
int run_main(int argc, char **argv)
{
	struct run_cmd cmd;
	char err[512];
	int status;

	status = runopts_parse(argc, argv, &cmd, err, sizeof(err));
	if (status != 0) {
		fprintf(stderr, "chibi run: %s\n", err);
		runopts_free(&cmd);
		return status;
	}
	if (cmd.help) {
		fputs(runopts_help, stdout);
		if (!chibi_jit_name())
			fputs("\nThis build of chibi has no JIT: everything runs in the interpreter, "
			      "and --jit is refused.\n", stdout);
		runopts_free(&cmd);
		return 0;
	}
	if (cmd.run.engine.mode == CHIBI_MODE_JIT && !chibi_jit_name()) {
		fprintf(stderr, "chibi run: --jit: this build of chibi has no JIT (back ends: "
			"x86-64, aarch64); leave it out, or use --interp\n");
		runopts_free(&cmd);
		return 2;
	}
	if (cmd.version) {
		printf("chibi %s\n", CHIBI_VERSION);
		runopts_free(&cmd);
		return 0;
	}
	if (runopts_listen(&cmd, err, sizeof(err)) != 0) {
		fprintf(stderr, "error: %s\n", err);
		runopts_free(&cmd);
		return 1;
	}
	status = wasi_run(&cmd.run, &cmd.wasi);
	runopts_free(&cmd);
	return status;
}
