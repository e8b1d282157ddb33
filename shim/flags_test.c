/* shim/flags_test.c - the shim's flags as containerd passes them (shim/flags.c). */
#include <criterion/criterion.h>
#include <criterion/redirect.h>

#include "flags.h"

static int parse(char **argv, struct shim_flags *f)
{
	int argc = 0;

	while (argv[argc])
		argc++;
	return shim_parse_flags(argc, argv, f);
}

/* What containerd 1.6/1.7 runs for `start` (runtime/v2/shim/util.go: Command). */
Test(shim_flags, containerd_start_command)
{
	char *argv[] = { "containerd-shim-chibi-v1", "-namespace", "default", "-address",
			 "/run/containerd/containerd.sock", "-publish-binary",
			 "/usr/bin/containerd", "-id", "c1", "-debug", "start", NULL };
	struct shim_flags f;

	cr_assert_eq(parse(argv, &f), 0);
	cr_expect_str_eq(f.ns, "default");
	cr_expect_str_eq(f.address, "/run/containerd/containerd.sock");
	cr_expect_str_eq(f.publish_binary, "/usr/bin/containerd");
	cr_expect_str_eq(f.id, "c1");
	cr_expect_eq(f.debug, 1);
	cr_expect_str_eq(f.action, "start");
	cr_expect_null(f.bundle);
	cr_expect_eq(f.version, 0);
}

/* `delete` gets -bundle; the serving daemon has no action; Go also takes --flag=value. */
Test(shim_flags, delete_daemon_and_go_forms)
{
	char *del[] = { "shim", "-namespace", "k8s.io", "-address", "/a.sock", "-publish-binary",
			"/bin/c", "-id", "c2", "-bundle", "/run/b/c2", "delete", NULL };
	char *serve[] = { "shim", "--namespace=ns", "-id=x", "-address", "/a", "-debug=false", NULL };
	char *ver[] = { "shim", "-v", NULL };
	struct shim_flags f;

	cr_assert_eq(parse(del, &f), 0);
	cr_expect_str_eq(f.bundle, "/run/b/c2");
	cr_expect_str_eq(f.action, "delete");
	cr_assert_eq(parse(serve, &f), 0);
	cr_expect_str_eq(f.ns, "ns");
	cr_expect_str_eq(f.id, "x");
	cr_expect_eq(f.debug, 0, "-debug=false is off");
	cr_expect_null(f.action);
	cr_assert_eq(parse(ver, &f), 0);
	cr_expect_eq(f.version, 1);
}

Test(shim_flags, mistakes_are_refused_in_go_wording, .init = cr_redirect_stderr)
{
	char *unknown[] = { "shim", "-bogus", "x", NULL };
	char *missing[] = { "shim", "-namespace", NULL };
	char *extra[] = { "shim", "-id", "x", "start", "delete", NULL };
	struct shim_flags f;

	cr_expect_eq(parse(unknown, &f), -1);
	cr_expect_eq(parse(missing, &f), -1);
	cr_expect_eq(parse(extra, &f), -1);
	fflush(stderr);
	cr_expect_stderr_eq_str("flag provided but not defined: -bogus\n"
				"flag needs an argument: -namespace\n"
				"unexpected argument delete\n");
}
