/* cli/cli.h - the subcommands of the `chibi` program, one entry point each.
 * Each takes the arguments after the subcommand name (argv[0] is the subcommand) and returns
 * the process exit status. */
#ifndef CHIBI_CLI_H
#define CHIBI_CLI_H

int run_main(int argc, char **argv);      /* chibi run      (cli/run.c) */
int wast_main(int argc, char **argv);     /* chibi wast     (cli/wast.c) */
int validate_main(int argc, char **argv); /* chibi validate (cli/main.c) */
int image_main(int argc, char **argv);    /* chibi image    (cli/image.c) */
int inspect_main(int argc, char **argv);  /* chibi inspect  (cli/inspect.c) */
int compile_main(int argc, char **argv);  /* chibi compile  (cli/compile.c) */

#endif
