/* shim/flags.c - the shim's command line (see flags.h).
 *
 * containerd starts shims the way Go programs take flags: `-namespace NS -address ADDR
 * -publish-binary BIN -id ID [-debug] start`, `... -bundle DIR delete`, and the daemon is
 * started by the shim itself with the same flags and no action.  getopt_long_only reads
 * one-dash words as long options, which is exactly Go's syntax.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "flags.h"

/* The flags containerd passes, in Go's flag syntax: one dash (-namespace NS), or two, with
 * the value after a space or '='; booleans stand alone or take "=true"/"=false".
 * getopt_long_only reads exactly that: a word after one dash is a long option. */
enum { FL_NAMESPACE = 256, FL_ID, FL_ADDRESS, FL_PUBLISH_BINARY, FL_BUNDLE, FL_SOCKET,
       FL_DEBUG, FL_VERSION };

static const struct option flag_opts[] = {
	{ "namespace", required_argument, NULL, FL_NAMESPACE },
	{ "id", required_argument, NULL, FL_ID },
	{ "address", required_argument, NULL, FL_ADDRESS },
	{ "publish-binary", required_argument, NULL, FL_PUBLISH_BINARY },
	{ "bundle", required_argument, NULL, FL_BUNDLE },
	{ "socket", required_argument, NULL, FL_SOCKET },
	{ "debug", optional_argument, NULL, FL_DEBUG },   /* -debug, -debug=false */
	{ "v", no_argument, NULL, FL_VERSION },
	{ "version", no_argument, NULL, FL_VERSION },
	{ NULL, 0, NULL, 0 },
};

/* See flags.h. */
int shim_parse_flags(int argc, char **argv, struct shim_flags *f)
{
	int opt;

	memset(f, 0, sizeof(*f));
	opterr = 0;
	optind = 0; /* glibc: a fresh scan */
	while ((opt = getopt_long_only(argc, argv, ":", flag_opts, NULL)) != -1) {
		switch (opt) {
		case FL_NAMESPACE:
			f->ns = optarg;
			break;
		case FL_ID:
			f->id = optarg;
			break;
		case FL_ADDRESS:
			f->address = optarg;
			break;
		case FL_PUBLISH_BINARY:
			f->publish_binary = optarg;
			break;
		case FL_BUNDLE:
			f->bundle = optarg;
			break;
		case FL_SOCKET:
			f->socket = optarg;
			break;
		case FL_DEBUG:
			f->debug = !optarg || strcmp(optarg, "false") != 0;
			break;
		case FL_VERSION:
			f->version = 1;
			break;
		case ':':
			fprintf(stderr, "flag needs an argument: %s\n", argv[optind - 1]);
			return -1;
		default:
			fprintf(stderr, "flag provided but not defined: %s\n", argv[optind - 1]);
			return -1;
		}
	}
	if (optind < argc)
		f->action = argv[optind++];
	if (optind < argc) {
		fprintf(stderr, "unexpected argument %s\n", argv[optind]);
		return -1;
	}
	return 0;
}

