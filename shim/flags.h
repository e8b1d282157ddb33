/* shim/flags.h - the command line of containerd-shim-chibi-v1, parsed (shim/flags.c).
 *
 * Kept out of main.c so that the unit tests can check containerd's exact argument lists.
 */
#ifndef CHIBI_SHIM_FLAGS_H
#define CHIBI_SHIM_FLAGS_H

struct shim_flags {
	const char *ns, *id, *address, *publish_binary, *bundle, *socket; /* point into argv */
	int debug, version;   /* -debug (not -debug=false), -v / -version */
	const char *action;   /* "start", "delete", or NULL for the serving daemon */
};

/* Parse argv (argv[0] is the program) into *f: the flags, in Go's syntax (one dash or two,
 * the value after a space or '=', booleans alone or with =true/=false), then at most one
 * action word.  Returns 0, or -1 after a message in Go's wording on stderr. */
int shim_parse_flags(int argc, char **argv, struct shim_flags *f);

#endif
