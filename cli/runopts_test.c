/* cli/runopts_test.c - `chibi run` option parsing: sizes, durations, --dir forms, the
 * split between options, module file and guest/--invoke arguments, and usage errors.
 */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include "runopts.c" /* the unit-test binary does not link CLI objects */

Test(runopts, sizes)
{
	static const struct { const char *s; uint64_t v; } good[] = {
		{ "0", 0 }, { "4096", 4096 }, { "64K", 65536 }, { "64k", 65536 },
		{ "64KiB", 65536 }, { "64KB", 65536 }, { "16M", 16 << 20 }, { "16MiB", 16 << 20 },
		{ "1G", 1ull << 30 }, { "4GiB", 4ull << 30 }, { "1t", 1ull << 40 }, { "7b", 7 },
	};
	static const char *bad[] = { "", "K", "-1", "1.5M", "12XB", "1 M", "99999999999999999999",
				     "17179869184G", "0x10" };
	uint64_t v;

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		cr_expect(runopts_size(good[i].s, &v), "'%s'", good[i].s);
		cr_expect_eq(v, good[i].v, "'%s'", good[i].s);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_expect_not(runopts_size(bad[i], &v), "'%s' must be rejected", bad[i]);
}

Test(runopts, durations)
{
	static const struct { const char *s; double v; } good[] = {
		{ "2", 2 }, { "2s", 2 }, { "500ms", 0.5 }, { "1.5s", 1.5 }, { "100us", 1e-4 },
		{ "10ns", 1e-8 }, { "1m", 60 }, { "2min", 120 }, { "1h", 3600 }, { ".25s", 0.25 },
	};
	static const char *bad[] = { "", "0", "0s", "-1s", "soon", "1x", "inf", "nan", "1e999" };
	double v;

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		cr_expect(runopts_duration(good[i].s, &v), "'%s'", good[i].s);
		cr_expect_float_eq(v, good[i].v, 1e-12, "'%s'", good[i].s);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_expect_not(runopts_duration(bad[i], &v), "'%s' must be rejected", bad[i]);
}

Test(runopts, dir_forms)
{
	static const struct { const char *s; bool ro_flag; const char *host, *guest; bool ro; } rows[] = {
		{ "/data", false, "/data", "/data", false },
		{ "/data::/", false, "/data", "/", false },
		{ "/data::/mnt/x", false, "/data", "/mnt/x", false },
		{ "/data:ro", false, "/data", "/data", true },
		{ "/data::/x:ro", false, "/data", "/x", true },
		{ "rel/dir::.", false, "rel/dir", ".", false },
		{ "/data", true, "/data", "/data", true },
	};
	struct wasi_preopen p;

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		cr_assert(runopts_dir(rows[i].s, rows[i].ro_flag, &p), "'%s'", rows[i].s);
		cr_expect_str_eq(p.host_path, rows[i].host);
		cr_expect_str_eq(p.guest_path, rows[i].guest);
		cr_expect_eq(p.readonly, rows[i].ro, "'%s'", rows[i].s);
		free((char *)p.host_path);
		free((char *)p.guest_path);
	}
	cr_expect_not(runopts_dir("", false, &p));
	cr_expect_not(runopts_dir(":ro", false, &p));
	cr_expect_not(runopts_dir("::/x", false, &p));
	cr_expect_not(runopts_dir("/x::", false, &p));
}

static int parse(struct run_cmd *c, char **argv)
{
	char err[256];
	int argc = 0;

	while (argv[argc])
		argc++;
	return runopts_parse(argc, argv, c, err, sizeof(err));
}

Test(runopts, full_command_line)
{
	char *argv[] = { "run", "--dir", "/a::/x", "--dir=/b:ro", "--dir-ro", "/c", "--env", "K=V",
			 "--env=E=", "--max-memory", "1MiB", "--max-wasm-stack=512K",
			 "--timeout", "250ms", "--fuel", "1000", "--interp", "--tcplisten",
			 "127.0.0.1:0", "prog.wasm", "--not-an-option", "arg2", NULL };
	struct run_cmd c;

	cr_assert_eq(parse(&c, argv), 0);
	cr_expect_str_eq(c.run.wasm_path, "prog.wasm");
	cr_expect_eq(c.wasi.argc, 3, "argv[0] is the module, then its arguments");
	cr_expect_str_eq(c.wasi.argv[0], "prog.wasm");
	cr_expect_str_eq(c.wasi.argv[1], "--not-an-option");
	cr_expect_eq(c.wasi.npreopens, 3);
	cr_expect_str_eq(c.wasi.preopens[0].guest_path, "/x");
	cr_expect_not(c.wasi.preopens[0].readonly);
	cr_expect(c.wasi.preopens[1].readonly);
	cr_expect(c.wasi.preopens[2].readonly);
	cr_expect_eq(c.wasi.nenv, 2);
	cr_expect_str_eq(c.wasi.env[0], "K=V");
	cr_expect_str_eq(c.wasi.env[1], "E=");
	cr_expect_eq(c.run.engine.max_memory_pages, 16);
	cr_expect_eq(c.run.engine.max_stack_bytes, 512 * 1024);
	cr_expect_float_eq(c.run.timeout_sec, 0.25, 1e-12);
	cr_expect_eq(c.run.engine.fuel, 1000);
	cr_expect_eq(c.run.engine.mode, CHIBI_MODE_INTERP);
	cr_expect_eq(c.nlisten_addrs, 1);
	cr_expect_null(c.run.invoke);
	cr_expect_eq(c.wasi.stdout_fd, 1);
	runopts_free(&c);
}

Test(runopts, invoke_args_and_env_passthrough)
{
	char *argv[] = { "run", "--invoke", "add", "--env", "CHIBI_T_SET", "--env", "CHIBI_T_UNSET",
			 "m.wasm", "-1", "0x10", NULL };
	struct run_cmd c;

	setenv("CHIBI_T_SET", "host value", 1);
	unsetenv("CHIBI_T_UNSET");
	cr_assert_eq(parse(&c, argv), 0);
	cr_expect_str_eq(c.run.invoke, "add");
	cr_expect_eq(c.run.ninvoke_args, 2);
	cr_expect_str_eq(c.run.invoke_args[0], "-1");
	cr_expect_eq(c.wasi.argc, 1);
	cr_expect_eq(c.wasi.nenv, 1, "an unset host variable is simply absent");
	cr_expect_str_eq(c.wasi.env[0], "CHIBI_T_SET=host value");
	runopts_free(&c);
}

Test(runopts, double_dash_help_version_jit)
{
	char *a1[] = { "run", "--", "--weird.wasm", "x", NULL };
	char *a2[] = { "run", "--dir", "/x", "-h", NULL };
	char *a3[] = { "run", "--version", NULL };
	char *a4[] = { "run", "--jit", "m.wasm", NULL };
	struct run_cmd c;

	cr_assert_eq(parse(&c, a1), 0);
	cr_expect_str_eq(c.run.wasm_path, "--weird.wasm");
	runopts_free(&c);
	cr_assert_eq(parse(&c, a2), 0);
	cr_expect(c.help);
	runopts_free(&c);
	cr_assert_eq(parse(&c, a3), 0);
	cr_expect(c.version);
	runopts_free(&c);
	cr_assert_eq(parse(&c, a4), 0);
	cr_expect_eq(c.run.engine.mode, CHIBI_MODE_JIT);
	runopts_free(&c);
}

Test(runopts, usage_errors)
{
	static char *cases[][5] = {
		{ "run", NULL },
		{ "run", "--bogus", "m.wasm", NULL },
		{ "run", "--dir", NULL },
		{ "run", "--env", "=x", "m.wasm", NULL },
		{ "run", "--max-memory", "1K", "m.wasm", NULL },
		{ "run", "--max-memory", "lots", "m.wasm", NULL },
		{ "run", "--max-wasm-stack", "0", "m.wasm", NULL },
		{ "run", "--timeout", "0", "m.wasm", NULL },
		{ "run", "--fuel", "0", "m.wasm", NULL },
		{ "run", "--fuel", "-5", "m.wasm", NULL },
		{ "run", "--tcplisten", "nocolon", "m.wasm", NULL },
		{ "run", "--tcplisten", "127.0.0.1:99999", "m.wasm", NULL },
		{ "run", "--tcplisten", "127.0.0.1:", "m.wasm", NULL },
		{ "run", "--tcplisten", "127.0.0.1:8x", "m.wasm", NULL },
		{ "run", "--invoke=", "m.wasm", NULL },
		{ "run", "--dir", "", "m.wasm", NULL },
	};
	struct run_cmd c;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cr_expect_eq(parse(&c, cases[i]), RUNOPTS_USAGE, "case %zu (%s)", i,
			     cases[i][1] ? cases[i][1] : "no args");
		runopts_free(&c);
	}
}

Test(runopts, tcplisten_opens_a_listener)
{
	char *argv[] = { "run", "--tcplisten", "127.0.0.1:0", "--tcplisten", "[::1]:0", "m.wasm",
			 NULL };
	char err[256] = "";
	struct run_cmd c;

	cr_assert_eq(parse(&c, argv), 0);
	if (runopts_listen(&c, err, sizeof(err)) != 0)
		cr_expect(strstr(err, "::1") != NULL, "only IPv6 may be missing here: %s", err);
	else
		cr_expect_eq(c.wasi.nlisten, 2);
	cr_expect_geq(c.wasi.nlisten, 1);
	runopts_free(&c);
}

Test(runopts, tcplisten_takes_numeric_addresses_and_localhost)
{
	char *argv[] = { "run", "--tcplisten", "localhost:0", "--tcplisten", ":0", "m.wasm", NULL };
	struct sockaddr_in sa;
	socklen_t len = sizeof(sa);
	char err[256] = "";
	struct run_cmd c;

	cr_assert_eq(parse(&c, argv), 0);
	cr_assert_eq(runopts_listen(&c, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(c.wasi.nlisten, 2);
	cr_assert_eq(getsockname(c.wasi.listen_fds[0], (struct sockaddr *)&sa, &len), 0);
	cr_expect_eq(sa.sin_family, AF_INET);
	cr_expect_eq(ntohl(sa.sin_addr.s_addr), INADDR_LOOPBACK);
	cr_expect_neq(ntohs(sa.sin_port), 0);
	len = sizeof(sa);
	cr_assert_eq(getsockname(c.wasi.listen_fds[1], (struct sockaddr *)&sa, &len), 0);
	cr_expect_eq(ntohl(sa.sin_addr.s_addr), INADDR_ANY);
	runopts_free(&c);
}

Test(runopts, tcplisten_refuses_names_and_broken_addresses)
{
	const char *bad[] = { "example.com:80", "[::1:80", "[nope]:80", "1.2.3:80", "300.1.1.1:80" };

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *argv[] = { "run", "--tcplisten", (char *)bad[i], "m.wasm", NULL };
		char err[256] = "";
		struct run_cmd c;

		if (parse(&c, argv) == 0) {
			cr_expect_eq(runopts_listen(&c, err, sizeof(err)), 1, "%s", bad[i]);
			cr_expect(strstr(err, "not a numeric address") != NULL, "%s: %s", bad[i],
				  err);
			cr_expect_eq(c.wasi.nlisten, 0);
		}
		runopts_free(&c);
	}
}

Test(wasi_runopts, max_file_size)
{
	char *ok[] = { "run", "--max-file-size", "1MiB", "m.wasm", NULL };
	char *eq[] = { "run", "--max-file-size=4G", "m.wasm", NULL };
	char *zero[] = { "run", "--max-file-size", "0", "m.wasm", NULL };
	char *junk[] = { "run", "--max-file-size", "big", "m.wasm", NULL };
	char *none[] = { "run", "m.wasm", NULL };
	struct run_cmd c;

	cr_assert_eq(parse(&c, ok), 0);
	cr_expect_eq(c.wasi.max_file_size, 1u << 20);
	runopts_free(&c);
	cr_assert_eq(parse(&c, eq), 0);
	cr_expect_eq(c.wasi.max_file_size, 4ull << 30);
	runopts_free(&c);
	cr_expect_eq(parse(&c, zero), RUNOPTS_USAGE);
	runopts_free(&c);
	cr_expect_eq(parse(&c, junk), RUNOPTS_USAGE);
	runopts_free(&c);
	cr_assert_eq(parse(&c, none), 0);
	cr_expect_eq(c.wasi.max_file_size, 0, "0: the default, WASI_DEFAULT_MAX_FILE_SIZE");
	runopts_free(&c);
}

Test(wasi_runopts, max_wasm_stack_is_bounded)
{
	char *max[] = { "run", "--max-wasm-stack", "64MiB", "m.wasm", NULL };
	char *over[] = { "run", "--max-wasm-stack", "65M", "m.wasm", NULL };
	char *huge[] = { "run", "--max-wasm-stack", "100G", "m.wasm", NULL };
	struct run_cmd c;

	cr_assert_eq(parse(&c, max), 0);
	cr_expect_eq(c.run.engine.max_stack_bytes, CHIBI_MAX_STACK_BYTES);
	runopts_free(&c);
	cr_expect_eq(parse(&c, over), RUNOPTS_USAGE);
	runopts_free(&c);
	cr_expect_eq(parse(&c, huge), RUNOPTS_USAGE, "100G was accepted (and grew to 24 GB)");
	runopts_free(&c);
}

Test(runopts, wasm_proposal_switches)
{
	char *off[] = { "run", "-W", "memory64=n,multi-memory=no", "-W", "tail-call=false",
			"m.wasm", NULL };
	char *wasm2[] = { "run", "-Wall-proposals=n,simd,multi-value,bulk-memory,reference-types",
			  "m.wasm", NULL };
	char *back_on[] = { "run", "-W", "simd=n", "-W", "simd=y,gc=n", "m.wasm", NULL };
	struct run_cmd c;

	cr_assert_eq(parse(&c, off), 0);
	cr_expect_eq(c.run.engine.features_off,
		     CHIBI_FEAT_MEMORY64 | CHIBI_FEAT_MULTI_MEMORY | CHIBI_FEAT_TAIL_CALL);
	cr_expect_str_eq(c.run.wasm_path, "m.wasm");
	runopts_free(&c);
	cr_assert_eq(parse(&c, wasm2), 0);
	cr_expect_eq(chibi_config_features(&c.run.engine), CHIBI_FEATURES_WASM2);
	runopts_free(&c);
	cr_assert_eq(parse(&c, back_on), 0);
	cr_expect_eq(c.run.engine.features_off, 0, "the last switch wins");
	runopts_free(&c);
	cr_assert_eq(parse(&c, (char *[]){ "run", "m.wasm", NULL }), 0);
	cr_expect_eq(c.run.engine.features_off, 0, "default: everything on");
	runopts_free(&c);
}

Test(runopts, wasmtime_keys_of_the_long_options)
{
	char *argv[] = { "run", "-W", "fuel=500,max-memory-size=1MiB,max-wasm-stack=512K",
			 "-W", "timeout=2s", "-S", "tcplisten=127.0.0.1:0,cli", "-C", "cache=y",
			 "m.wasm", NULL };
	char *inherit[] = { "run", "-S", "inherit-env", "m.wasm", NULL };
	char *no_inherit[] = { "run", "-S", "inherit-env=n", "m.wasm", NULL };
	struct run_cmd c;

	cr_assert_eq(parse(&c, argv), 0);
	cr_expect_eq(c.run.engine.fuel, 500);
	cr_expect_eq(c.run.engine.max_memory_pages, 16);
	cr_expect_eq(c.run.engine.max_stack_bytes, 512 * 1024);
	cr_expect_float_eq(c.run.timeout_sec, 2.0, 1e-12);
	cr_assert_eq(c.nlisten_addrs, 1);
	cr_expect_str_eq(c.listen_addrs[0], "127.0.0.1:0", "kept after parsing");
	cr_expect(c.run.cache);
	runopts_free(&c);
	setenv("CHIBI_RUNOPTS_TEST", "yes", 1);
	cr_assert_eq(parse(&c, inherit), 0);
	cr_expect_geq(c.wasi.nenv, 1);
	bool found = false;
	for (int i = 0; i < c.wasi.nenv; i++)
		found |= !strcmp(c.wasi.env[i], "CHIBI_RUNOPTS_TEST=yes");
	cr_expect(found, "-S inherit-env passes the host's variables");
	runopts_free(&c);
	cr_assert_eq(parse(&c, no_inherit), 0);
	cr_expect_eq(c.wasi.nenv, 0);
	runopts_free(&c);
}

Test(runopts, bad_switches_are_usage_errors)
{
	static const char *const bad[][2] = {
		{ "-W", "no-such-proposal" }, { "-W", "simd=maybe" }, { "-W", "gc" },
		{ "-W", "gc=y" }, { "-W", "fuel" }, { "-W", "fuel=0" }, { "-W", "timeout=soon" },
		{ "-W", "max-memory-size=1" }, { "-S", "simd" }, { "-S", "cli=n" },
		{ "-S", "nope=1" }, { "-C", "cache=perhaps" }, { "-C", "simd=y" },
		{ "-W", "tcplisten=127.0.0.1:0" },
	};
	struct run_cmd c;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *argv[] = { "run", (char *)bad[i][0], (char *)bad[i][1], "m.wasm", NULL };
		char err[256] = "";

		cr_expect_eq(runopts_parse(4, argv, &c, err, sizeof(err)), RUNOPTS_USAGE,
			     "%s %s was accepted", bad[i][0], bad[i][1]);
		cr_expect(err[0], "%s %s: no message", bad[i][0], bad[i][1]);
		runopts_free(&c);
	}
}
