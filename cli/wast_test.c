/* cli/wast_test.c - Criterion tests for the spec-script runner (cli/wast.c, cli/spectest.c).
 *
 * Includes wast.c and spectest.c directly (the unit-test binary does not link CLI objects,
 * and the value helpers are static); the JSON reader is util/json.c, which the unit-test
 * binary links.  Table tests cover value parsing and NaN/reference matching; end-to-end tests run
 * small scripts through wast_main (they need wast2json on PATH) and check counts and exit
 * status, including broken inputs that must be reported, not crash.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "wast.c"
#include "spectest.c"
#include "wast_text.c"

/* ---- value parsing and matching ----------------------------------------------------- */

static struct json *doc(const char *text)
{
	char err[128];
	struct json *v = json_parse(text, strlen(text), err, sizeof(err));

	cr_assert(v, "bad test JSON: %s", err);
	return v;
}

static bool expect_of(const char *type, const char *value, struct expect *out)
{
	char text[200], why[200];
	struct json *j;
	bool ok;

	snprintf(text, sizeof(text), "{\"type\": \"%s\", \"value\": \"%s\"}", type, value);
	j = doc(text);
	ok = parse_expect(j, out, why, sizeof(why));
	json_free(j);
	return ok;
}

static bool arg_of(const char *type, const char *value, chibi_val *out)
{
	char text[200], why[200];
	struct json *j;
	bool ok;

	snprintf(text, sizeof(text), "{\"type\": \"%s\", \"value\": \"%s\"}", type, value);
	j = doc(text);
	ok = parse_arg(j, out, why, sizeof(why));
	json_free(j);
	return ok;
}

Test(wast, parse_args)
{
	chibi_val v;

	cr_assert(arg_of("i32", "4294967295", &v));
	cr_assert_eq(v.type, CHIBI_I32);
	cr_assert_eq(v.of.i32, -1);
	cr_assert(arg_of("i64", "18446744073709551615", &v));
	cr_assert_eq(v.of.i64, -1);
	cr_assert(arg_of("f32", "2143289344", &v));
	cr_assert_eq(v.of.f32_bits, 0x7fc00000u);
	cr_assert(arg_of("f64", "9221120237041090560", &v));
	cr_assert_eq(v.of.f64_bits, 0x7ff8000000000000ull);
	cr_assert(arg_of("externref", "null", &v));
	cr_assert_null(v.of.ext);
	cr_assert(arg_of("externref", "0", &v));
	cr_assert_not_null(v.of.ext);
	cr_assert_eq(v.of.ext, extern_ref(0));
	cr_assert(arg_of("funcref", "null", &v));
	cr_assert_null(v.of.ref);
}

Test(wast, reject_bad_args)
{
	static const char *const bad[][2] = {
		{ "i32", "4294967296" }, { "i32", "-1" }, { "i32", "" }, { "i32", "12x" },
		{ "i32", " 1" }, { "i64", "18446744073709551616" }, { "f32", "nan:canonical" },
		{ "externref", "x" }, { "funcref", "3" }, { "v128", "0" }, { "i33", "0" },
	};
	chibi_val v;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_assert_not(arg_of(bad[i][0], bad[i][1], &v), "%s %s accepted", bad[i][0],
			      bad[i][1]);
}

static chibi_val f32v(uint32_t bits)
{
	return (chibi_val){ .type = CHIBI_F32, .of.f32_bits = bits };
}

static chibi_val f64v(uint64_t bits)
{
	return (chibi_val){ .type = CHIBI_F64, .of.f64_bits = bits };
}

Test(wast, nan_patterns)
{
	struct expect canon32, arith32, canon64, arith64;
	chibi_val v;

	cr_assert(expect_of("f32", "nan:canonical", &canon32));
	cr_assert(expect_of("f32", "nan:arithmetic", &arith32));
	cr_assert(expect_of("f64", "nan:canonical", &canon64));
	cr_assert(expect_of("f64", "nan:arithmetic", &arith64));

	v = f32v(0x7fc00000u);                  /* canonical, either sign */
	cr_assert(value_matches(&canon32, &v));
	cr_assert(value_matches(&arith32, &v));
	v = f32v(0xffc00000u);
	cr_assert(value_matches(&canon32, &v));
	v = f32v(0x7fc00001u);                  /* arithmetic but not canonical */
	cr_assert_not(value_matches(&canon32, &v));
	cr_assert(value_matches(&arith32, &v));
	v = f32v(0x7fa00000u);                  /* signalling NaN: neither */
	cr_assert_not(value_matches(&canon32, &v));
	cr_assert_not(value_matches(&arith32, &v));
	v = f32v(0x7f800000u);                  /* infinity */
	cr_assert_not(value_matches(&arith32, &v));
	v = f64v(0x7ff8000000000000ull);        /* an f64 NaN never matches an f32 pattern */
	cr_assert_not(value_matches(&canon32, &v));

	cr_assert(value_matches(&canon64, &v));
	v = f64v(0xfff8000000000000ull);
	cr_assert(value_matches(&canon64, &v));
	v = f64v(0x7ff8000000000001ull);
	cr_assert_not(value_matches(&canon64, &v));
	cr_assert(value_matches(&arith64, &v));
	v = f64v(0x7ff4000000000000ull);
	cr_assert_not(value_matches(&arith64, &v));
}

Test(wast, exact_values_are_bit_exact)
{
	struct expect e;
	chibi_val v;

	cr_assert(expect_of("f32", "2147483648", &e));          /* -0.0 */
	v = f32v(0x80000000u);
	cr_assert(value_matches(&e, &v));
	v = f32v(0);
	cr_assert_not(value_matches(&e, &v));
	cr_assert(expect_of("f64", "9221120237041090561", &e)); /* NaN with payload 1 */
	v = f64v(0x7ff8000000000001ull);
	cr_assert(value_matches(&e, &v));
	v = f64v(0x7ff8000000000000ull);
	cr_assert_not(value_matches(&e, &v));
	cr_assert(expect_of("i32", "4294967295", &e));
	v = (chibi_val){ .type = CHIBI_I32, .of.i32 = -1 };
	cr_assert(value_matches(&e, &v));
	v = (chibi_val){ .type = CHIBI_I64, .of.i64 = 0xffffffff };   /* wrong type */
	cr_assert_not(value_matches(&e, &v));
}

Test(wast, reference_results)
{
	struct expect e;
	chibi_val v = { .type = CHIBI_EXTERNREF };

	cr_assert(expect_of("externref", "null", &e));
	cr_assert(value_matches(&e, &v));
	cr_assert(expect_of("externref", "7", &e));
	cr_assert_not(value_matches(&e, &v));
	v.of.ext = extern_ref(7);
	cr_assert(value_matches(&e, &v));
	v.of.ext = extern_ref(8);
	cr_assert_not(value_matches(&e, &v));

	v = (chibi_val){ .type = CHIBI_FUNCREF };
	cr_assert(expect_of("funcref", "null", &e));
	cr_assert(value_matches(&e, &v));
	cr_assert(expect_of("funcref", "3", &e));               /* any non-null will do */
	cr_assert_not(value_matches(&e, &v));
	v.of.ref = (chibi_func *)&e;
	cr_assert(value_matches(&e, &v));
}

Test(wast, message_matching)
{
	cr_assert(message_matches("type mismatch", "type mismatch"));
	cr_assert(message_matches("uninitialized element 2", "uninitialized element"));
	cr_assert(message_matches("unexpected end", "unexpected end of section or function"));
	cr_assert(message_matches("unknown memory", "error: unknown memory 0"));
	cr_assert_not(message_matches("type mismatch", "unknown local"));
	cr_assert_not(message_matches("type mismatch", ""));
	cr_assert(message_matches("", ""));
}

Test(wast, escape_names)
{
	char buf[64];

	cr_assert_str_eq(escape(buf, sizeof(buf), "a\0b\n\"", 5), "a\\00b\\0a\\22");
	cr_assert_str_eq(escape(buf, 6, "abcdefgh", 8), "ab");  /* stops before overflowing */
}

/* ---- end to end --------------------------------------------------------------------- */

static char tmpdir[256];

static void make_tmpdir(void)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/chibi-wast-test-XXXXXX");
	cr_assert(mkdtemp(tmpdir));
}

static void drop_tmpdir(void)
{
	remove_dir(tmpdir);
}

static const char *write_file(const char *name, const char *text)
{
	static char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	f = fopen(path, "w");
	cr_assert(f);
	fputs(text, f);
	fclose(f);
	return path;
}

/* Run wast_main with stdout and stderr captured into `out`; returns its exit status. */
static int run_wast(char *out, size_t outlen, int argc, const char **args)
{
	char *argv[16];
	char cap[512];
	int saved, saved_err, fd, status;
	ssize_t n;

	cr_assert(argc < 15);
	argv[0] = "wast";
	for (int i = 0; i < argc; i++)
		argv[i + 1] = (char *)args[i];
	argv[argc + 1] = NULL;
	snprintf(cap, sizeof(cap), "%s/stdout.txt", tmpdir);
	fflush(NULL);
	saved = dup(1);
	saved_err = dup(2);
	fd = open(cap, O_RDWR | O_CREAT | O_TRUNC | O_APPEND, 0644);
	cr_assert(saved >= 0 && saved_err >= 0 && fd >= 0);
	dup2(fd, 1);
	dup2(fd, 2);
	status = wast_main(argc + 1, argv);
	fflush(NULL);
	dup2(saved, 1);
	dup2(saved_err, 2);
	close(saved);
	close(saved_err);
	lseek(fd, 0, SEEK_SET);
	n = read(fd, out, outlen - 1);
	out[n > 0 ? n : 0] = '\0';
	close(fd);
	unlink(cap);
	return status;
}

static bool have_wast2json(void)
{
	return system("wast2json --version >/dev/null 2>&1") == 0;
}

TestSuite(wast_e2e, .init = make_tmpdir, .fini = drop_tmpdir);

Test(wast_e2e, passing_script)
{
	const char *path;
	char out[8192];

	path = write_file("ok.wast",
		"(module\n"
		"  (import \"spectest\" \"print_i32\" (func $p (param i32)))\n"
		"  (import \"spectest\" \"global_i32\" (global $g i32))\n"
		"  (global (export \"g\") i32 (i32.const 7))\n"
		"  (func (export \"add\") (param i32 i32) (result i32)\n"
		"    (local.get 0) (local.get 1) (i32.add))\n"
		"  (func (export \"g666\") (result i32) (global.get $g))\n"
		"  (func (export \"div\") (param i32 i32) (result i32)\n"
		"    (i32.div_s (local.get 0) (local.get 1)))\n"
		"  (func (export \"nan\") (result f32) (f32.div (f32.const 0) (f32.const 0)))\n"
		"  (func (export \"ext\") (param externref) (result externref) (local.get 0))\n"
		"  (func (export \"say\") (call $p (i32.const 1)))\n"
		"  (func (export \"\\00nul\") (result i32) (i32.const 9)))\n"
		"(register \"m\")\n"
		"(assert_return (invoke \"add\" (i32.const 1) (i32.const -2)) (i32.const -1))\n"
		"(assert_return (invoke \"g666\") (i32.const 666))\n"
		"(assert_return (get \"g\") (i32.const 7))\n"
		"(assert_return (invoke \"nan\") (f32.const nan:canonical))\n"
		"(assert_return (invoke \"ext\" (ref.extern 5)) (ref.extern 5))\n"
		"(assert_return (invoke \"ext\" (ref.null extern)) (ref.null extern))\n"
		"(invoke \"say\")\n"
		"(assert_return (invoke \"\\00nul\") (i32.const 9))\n"
		"(assert_trap (invoke \"div\" (i32.const 1) (i32.const 0)) \"integer divide by zero\")\n"
		"(assert_invalid (module (func (result i32) (i64.const 0))) \"type mismatch\")\n"
		"(assert_malformed (module binary \"\\00asm\") \"unexpected end\")\n"
		"(assert_malformed (module quote \"(func\") \"unexpected token\")\n"
		"(assert_unlinkable (module (import \"m\" \"nope\" (func))) \"unknown import\")\n"
		"(module $second (func (export \"f\") (result i32) (i32.const 2)))\n"
		"(assert_return (invoke $second \"f\") (i32.const 2))\n");
	/* chibi's own reader (the default): module quote is read, and rejected */
	unsetenv("WAST2JSON");
	cr_assert_eq(run_wast(out, sizeof(out), 1, (const char *[]){ path }), 0, "%s", out);
	cr_assert(strstr(out, "ok.wast: 17 passed, 0 failed, 0 skipped\n"), "%s", out);
	if (!have_wast2json())
		cr_skip_test("wast2json not installed");
	/* wast2json: the text module is counted as skipped */
	cr_assert_eq(run_wast(out, sizeof(out), 2, (const char *[]){ "--wast2json", path }), 0,
		     "%s", out);
	cr_assert(strstr(out, "ok.wast: 16 passed, 0 failed, 1 skipped\n"), "%s", out);
	cr_assert(strstr(out, TEXT_SKIP_REASON), "%s", out);
	cr_assert(strstr(out, "\n16 passed, 0 failed, 1 skipped\n"), "%s", out);
}

Test(wast_e2e, failures_are_reported_with_lines)
{
	const char *path;
	char out[8192];

	if (!have_wast2json())
		cr_skip_test("wast2json not installed");
	path = write_file("bad.wast",
		"(module (func (export \"one\") (result i32) (i32.const 1)))\n"
		"(assert_return (invoke \"one\") (i32.const 2))\n"
		"(assert_trap (invoke \"one\") \"unreachable\")\n"
		"(assert_invalid (module (func)) \"type mismatch\")\n");
	cr_assert_eq(run_wast(out, sizeof(out), 2, (const char *[]){ "--interp", path }), 1,
		     "%s", out);
	cr_assert(strstr(out, "bad.wast:2: assert_return: \"one\"(): result 0: expected "
			      "i32:2, got i32:1"), "%s", out);
	cr_assert(strstr(out, "bad.wast:3: assert_trap:"), "%s", out);
	cr_assert(strstr(out, "bad.wast:4: assert_invalid:"), "%s", out);
	cr_assert(strstr(out, "bad.wast: 1 passed, 3 failed, 0 skipped\n"), "%s", out);
}

/* The native front end on 3.0 script forms: module definition and instance, quote modules
 * rejected and accepted, (either ...), (ref.null) of any type, v128 patterns, and a wrong
 * text module reported with the reader's line:column. */
Test(wast_e2e, native_script_forms)
{
	const char *path;
	char out[8192];

	unsetenv("WAST2JSON");
	path = write_file("forms.wast",
		"(module definition $D (func (export \"f\") (result i32) (i32.const 7)))\n"
		"(module instance $I $D)\n"
		"(module instance $J $D)\n"
		"(assert_return (invoke $I \"f\") (i32.const 7))\n"
		"(assert_return (invoke $J \"f\") (i32.const 7))\n"
		"(module\n"
		"  (func (export \"r\") (result externref) (ref.null extern))\n"
		"  (func (export \"v\") (result v128) (v128.const f32x4 nan 1 2 3))\n"
		"  (func (export \"e\") (param i32) (result i32) (local.get 0)))\n"
		"(assert_return (invoke \"r\") (ref.null))\n"
		"(assert_return (invoke \"v\") (v128.const f32x4 nan:canonical 1 2 3))\n"
		"(assert_return (invoke \"e\" (i32.const 2)) (either (i32.const 1) (i32.const 2)))\n"
		"(assert_malformed (module quote \"(func (i32.const 1 2))\") \"unexpected token\")\n"
		"(assert_malformed (module quote \"(module (memory 1) (func (drop (i32.load "
		"align=3 (i32.const 0)))))\") \"alignment\")\n"
		"(module quote \"(func (export \\\"q\\\") (result i32) (i32.const 5))\")\n"
		"(assert_return (invoke \"q\") (i32.const 5))\n"
		"(module (func (i32.const)))\n");
	cr_assert_eq(run_wast(out, sizeof(out), 1, (const char *[]){ path }), 1, "%s", out);
	cr_assert(strstr(out, "forms.wast:17: module: module at line 17: the text reader "
			      "rejected it: 17:16: unexpected token"), "%s", out);
	cr_assert(strstr(out, "forms.wast: 13 passed, 1 failed, 0 skipped\n"), "%s", out);
}

Test(wast_e2e, missing_file_and_usage)
{
	char out[4096];
	char missing[300];

	snprintf(missing, sizeof(missing), "%s/nope.wast", tmpdir);
	cr_assert_eq(run_wast(out, sizeof(out), 1, (const char *[]){ missing }), 1);
	cr_assert(strstr(out, "nope.wast: 0 passed, 1 failed, 0 skipped"), "%s", out);
	cr_assert_eq(run_wast(out, sizeof(out), 0, (const char *[]){ NULL }), 2);
	cr_assert_eq(run_wast(out, sizeof(out), 2, (const char *[]){ "--bogus", missing }), 2);
}

Test(wast_e2e, missing_wast2json_is_explained)
{
	const char *path = write_file("x.wast", "(module)\n");
	char out[4096];

	setenv("WAST2JSON", "/nonexistent/wast2json", 1);
	cr_assert_eq(run_wast(out, sizeof(out), 1, (const char *[]){ path }), 1);
	unsetenv("WAST2JSON");
	cr_assert(strstr(out, "'wabt' package"), "%s", out);
}

/* Broken JSON and a missing .wasm file are failures with a message, not crashes. */
Test(wast_e2e, broken_json_and_missing_wasm)
{
	struct opts o = { .mode = CHIBI_MODE_DEFAULT };
	struct progress prog;
	const char *path;
	int saved, fd;

	saved = dup(1);
	fd = open("/dev/null", O_WRONLY);
	dup2(fd, 1);

	memset(&prog, 0, sizeof(prog));
	path = write_file("broken.json", "{\"commands\": [{\"type\": \"module\", \"line\": 1,");
	cr_assert_not(run_script(&o, "broken.wast", path, tmpdir, &prog));
	cr_assert_eq(prog.failed, 1);

	memset(&prog, 0, sizeof(prog));
	path = write_file("nofile.json", "{\"commands\": [{\"type\": \"module\", \"line\": 1, "
			  "\"filename\": \"gone.wasm\"}, {\"type\": \"assert_return\", \"line\": 2, "
			  "\"action\": {\"type\": \"invoke\", \"field\": \"f\", \"args\": []}, "
			  "\"expected\": []}, {\"type\": \"bogus\", \"line\": 3}, {\"line\": 4}, "
			  "{\"type\": \"register\", \"line\": 5, \"as\": \"x\", \"name\": \"$q\"}]}");
	cr_assert(run_script(&o, "nofile.wast", path, tmpdir, &prog));
	cr_assert_eq(prog.failed, 5);
	cr_assert_eq(prog.passed, 0);

	memset(&prog, 0, sizeof(prog));
	path = write_file("notobj.json", "[1, 2, 3]");
	cr_assert_not(run_script(&o, "notobj.wast", path, tmpdir, &prog));
	cr_assert_eq(prog.failed, 1);

	fflush(stdout);
	dup2(saved, 1);
	close(saved);
	close(fd);
}
