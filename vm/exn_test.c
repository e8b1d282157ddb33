/* vm/exn_test.c - the embedding API of exception handling (include/chibi.h): host tags and
 * their import and export, exceptions made by the host, an uncaught exception coming out of
 * chibi_func_call with its tag and payload, a host function throwing into wasm, an exception
 * passing wasm -> host -> wasm, exnref values, and the refusals.  Every call runs in the
 * interpreter and in the JIT's mode (where the functions with handlers run in the
 * interpreter and the others are compiled).
 */
#include <criterion/criterion.h>
#include <string.h>

#include "test_wat.h"

static const enum chibi_exec_mode modes[] = { CHIBI_MODE_INTERP, CHIBI_MODE_JIT };
#define NMODES (sizeof(modes) / sizeof(modes[0]))

static chibi_store *store_in(enum chibi_exec_mode mode)
{
	struct chibi_config cfg = { .mode = mode };
	chibi_store *s = chibi_store_new(&cfg);

	cr_assert_not_null(s);
	return s;
}

static chibi_instance *instantiate(chibi_store *s, chibi_module *m, chibi_linker *l)
{
	struct chibi_diag d = { 0 };
	chibi_instance *inst = NULL;

	cr_assert_not_null(m);
	cr_assert_eq(chibi_instance_new(s, m, l, &inst, &d, NULL), CHIBI_OK, "%s", d.msg);
	return inst;
}

Test(exn, host_tags_and_exceptions)
{
	chibi_store *s = store_in(CHIBI_MODE_INTERP);
	chibi_tag *t = chibi_tag_new(s, "iIx");
	chibi_val vals[3] = {
		{ .type = CHIBI_I32, .of.i32 = -7 },
		{ .type = CHIBI_I64, .of.i64 = 1ll << 40 },
		{ .type = CHIBI_EXNREF, .of.exn = NULL },
	};
	chibi_exn *e;

	cr_assert_not_null(t);
	cr_expect_eq(chibi_tag_num_params(t), 3);
	cr_expect_eq(chibi_tag_param_type(t, 2), CHIBI_EXNREF);
	cr_expect_eq(chibi_tag_param_type(t, 3), 0);
	cr_expect_null(chibi_tag_name(t));
	cr_expect_eq(chibi_tag_index(t), UINT32_MAX);
	cr_expect_null(chibi_tag_new(s, "i?"), "unknown letter");
	cr_expect_null(chibi_tag_new(s, NULL));

	e = chibi_exn_new(s, t, vals, 3);
	cr_assert_not_null(e);
	cr_expect_eq(chibi_exn_tag(e), t);
	cr_expect_eq(chibi_exn_value(e, 0).of.i32, -7);
	cr_expect_eq(chibi_exn_value(e, 1).of.i64, 1ll << 40);
	cr_expect_eq(chibi_exn_value(e, 2).type, CHIBI_EXNREF);
	cr_expect_null(chibi_exn_value(e, 2).of.exn);
	cr_expect_eq(chibi_exn_value(e, 3).type, 0, "out of range");
	cr_expect_null(chibi_exn_new(s, t, vals, 2), "count mismatch");
	vals[0].type = CHIBI_I64;
	cr_expect_null(chibi_exn_new(s, t, vals, 3), "type mismatch");

	/* an exnref value in a global */
	{
		chibi_val v = { .type = CHIBI_EXNREF, .of.exn = e };
		chibi_global *g = chibi_global_new(s, v, true);

		cr_assert_not_null(g);
		cr_expect_eq(chibi_global_get(g).of.exn, e);
	}
	chibi_store_free(s);
}

static const char *thrower_wat =
	"(module\n"
	"  (import \"host\" \"tag\" (tag $h (param i32 i64)))\n"
	"  (tag $e (export \"e\") (param i32 f64))\n"
	"  (export \"h\" (tag $h))\n"
	"  (func $inner (param i32) (throw $e (local.get 0) (f64.const 2.5)))\n"
	"  (func $mid (param i32) (call $inner (i32.add (local.get 0) (i32.const 1))))\n"
	"  (func (export \"throw\") (param i32) (call $mid (local.get 0)))\n"
	"  (func (export \"throw-host-tag\") (throw $h (i32.const 3) (i64.const -4)))\n"
	"  (func (export \"catch-own\") (result f64) (local f64)\n"
	"    (try (result f64)\n"
	"      (do (call $mid (i32.const 0)) (f64.const 0))\n"
	"      (catch $e (local.set 0) (drop) (local.get 0))))\n"
	")\n";

/* An uncaught exception comes out of the call with its tag and payload; the host's own tag
 * is imported and re-exported as the same tag. */
Test(exn, uncaught_exception_from_invoke)
{
	chibi_module *m = wat_module(thrower_wat);

	cr_assert_not_null(m);
	for (size_t k = 0; k < NMODES; k++) {
		chibi_store *s = store_in(modes[k]);
		chibi_linker *l = chibi_linker_new();
		chibi_tag *ht = chibi_tag_new(s, "iI");
		struct chibi_extern ext = { .kind = CHIBI_EXTERN_TAG, .of.tag = ht };
		struct chibi_trap_info info;
		chibi_instance *inst;
		chibi_val arg = { .type = CHIBI_I32, .of.i32 = 41 };
		chibi_tag *e;

		cr_assert_eq(chibi_linker_define(l, "host", "tag", ext), CHIBI_OK);
		inst = instantiate(s, m, l);
		e = chibi_instance_tag(inst, "e");
		cr_assert_not_null(e);
		cr_expect_eq(chibi_instance_tag(inst, "h"), ht, "re-export is the host's tag");
		cr_expect_str_eq(chibi_tag_name(e), "e");
		cr_expect_eq(chibi_tag_index(e), 1);
		cr_expect_null(chibi_instance_tag(inst, "throw"), "a function, not a tag");

		cr_expect_eq(chibi_func_call(chibi_instance_func(inst, "throw"), &arg, 1, NULL, 0,
					     &info), CHIBI_TRAP_EXCEPTION);
		cr_expect_eq(info.kind, CHIBI_TRAP_EXCEPTION);
		cr_assert_not_null(info.exn);
		cr_expect_eq(chibi_exn_tag(info.exn), e);
		cr_expect_eq(chibi_exn_value(info.exn, 0).of.i32, 42);
		cr_expect_eq(chibi_exn_value(info.exn, 1).type, CHIBI_F64);
		cr_expect_eq(chibi_exn_value(info.exn, 1).of.f64_bits, 0x4004000000000000ull);
		cr_expect_str_eq(info.func_name, "inner", "named where it was thrown");
		cr_expect_str_eq(chibi_trap_name(info.kind), "uncaught exception");

		cr_expect_eq(chibi_func_call(chibi_instance_func(inst, "throw-host-tag"), NULL, 0,
					     NULL, 0, &info), CHIBI_TRAP_EXCEPTION);
		cr_expect_eq(chibi_exn_tag(info.exn), ht);
		cr_expect_eq(chibi_exn_value(info.exn, 1).of.i64, -4);

		cr_expect_eq(chibi_func_call(chibi_instance_func(inst, "catch-own"), NULL, 0, &arg,
					     1, &info), CHIBI_TRAP_NONE);
		cr_expect_eq(arg.of.f64_bits, 0x4004000000000000ull);

		/* a refused call afterwards carries no exception */
		arg.of.i32 = 1;
		cr_expect_eq(chibi_func_call(chibi_instance_func(inst, "throw"), NULL, 0, NULL, 0,
					     &info), CHIBI_TRAP_HOST, "argument count");
		cr_expect_null(info.exn);
		chibi_linker_free(l);
		chibi_store_free(s);
	}
	chibi_module_free(m);
}

struct reenter {
	chibi_func *callee;  /* wasm function the host calls; its exception is passed on */
	int32_t value;
};

static enum chibi_trap h_throw(chibi_caller *c, void *env, uint64_t *slots)
{
	struct reenter *r = env;
	struct chibi_trap_info info;
	chibi_val v = { .type = CHIBI_I32, .of.i32 = r->value + (int32_t)slots[0] };
	enum chibi_trap rc = chibi_func_call(r->callee, &v, 1, NULL, 0, &info);

	if (rc == CHIBI_TRAP_EXCEPTION)
		chibi_caller_throw(c, info.exn);
	return rc;
}

struct host_thrower {
	chibi_store *s;
	chibi_tag *tag;
};

static enum chibi_trap h_new_exn(chibi_caller *c, void *env, uint64_t *slots)
{
	struct host_thrower *h = env;
	chibi_val v = { .type = CHIBI_I32, .of.i32 = (int32_t)slots[0] * 2 };
	chibi_exn *e = chibi_exn_new(h->s, h->tag, &v, 1);

	if (!e)
		return CHIBI_TRAP_HOST;
	chibi_caller_throw(c, e);
	return CHIBI_TRAP_EXCEPTION;
}

static enum chibi_trap h_bad_exception(chibi_caller *c, void *env, uint64_t *slots)
{
	return CHIBI_TRAP_EXCEPTION; /* without chibi_caller_throw */
}

static const char *host_wat =
	"(module\n"
	"  (import \"host\" \"tag\" (tag $t (param i32)))\n"
	"  (import \"host\" \"throw\" (func $throw (param i32)))\n"
	"  (import \"host\" \"reenter\" (func $reenter (param i32)))\n"
	"  (import \"host\" \"bad\" (func $bad))\n"
	"  (func (export \"inner\") (param i32) (throw $t (local.get 0)))\n"
	"  (func (export \"catch-host\") (param i32) (result i32)\n"
	"    (try (result i32)\n"
	"      (do (call $throw (local.get 0)) (i32.const -1))\n"
	"      (catch $t)))\n"
	"  (func (export \"catch-through-host\") (param i32) (result i32)\n"
	"    (try (result i32)\n"
	"      (do (call $reenter (local.get 0)) (i32.const -1))\n"
	"      (catch $t (i32.add (i32.const 1000)))))\n"
	"  (func (export \"uncaught-host\") (param i32) (call $throw (local.get 0)))\n"
	"  (func (export \"bad\") (try (do (call $bad)) (catch_all)))\n"
	")\n";

/* The host throws into wasm; an exception passes wasm -> host -> wasm and is caught. */
Test(exn, host_throws_and_passes_exceptions_on)
{
	chibi_module *m = wat_module(host_wat);

	cr_assert_not_null(m);
	for (size_t k = 0; k < NMODES; k++) {
		chibi_store *s = store_in(modes[k]);
		chibi_linker *l = chibi_linker_new();
		struct host_thrower ht = { .s = s, .tag = chibi_tag_new(s, "i") };
		struct reenter re = { .value = 5 };
		struct chibi_extern ext = { .kind = CHIBI_EXTERN_TAG, .of.tag = ht.tag };
		struct chibi_trap_info info;
		chibi_instance *inst;
		chibi_val arg = { .type = CHIBI_I32, .of.i32 = 21 }, res = { 0 };

		cr_assert_eq(chibi_linker_define(l, "host", "tag", ext), CHIBI_OK);
		cr_assert_eq(chibi_linker_define_host(l, s, "host", "throw", "i:", h_new_exn, &ht),
			     CHIBI_OK);
		cr_assert_eq(chibi_linker_define_host(l, s, "host", "reenter", "i:", h_throw, &re),
			     CHIBI_OK);
		cr_assert_eq(chibi_linker_define_host(l, s, "host", "bad", ":", h_bad_exception,
						      NULL), CHIBI_OK);
		inst = instantiate(s, m, l);
		re.callee = chibi_instance_func(inst, "inner");

		cr_expect_eq(chibi_func_call(chibi_instance_func(inst, "catch-host"), &arg, 1, &res,
					     1, &info), CHIBI_TRAP_NONE);
		cr_expect_eq(res.of.i32, 42);
		cr_expect_eq(chibi_func_call(chibi_instance_func(inst, "catch-through-host"), &arg, 1,
					     &res, 1, &info), CHIBI_TRAP_NONE);
		cr_expect_eq(res.of.i32, 1026);
		cr_expect_eq(chibi_func_call(chibi_instance_func(inst, "uncaught-host"), &arg, 1,
					     NULL, 0, &info), CHIBI_TRAP_EXCEPTION);
		cr_expect_eq(chibi_exn_tag(info.exn), ht.tag);
		cr_expect_eq(chibi_exn_value(info.exn, 0).of.i32, 42);
		/* a host function that claims an exception without throwing one traps */
		cr_expect_eq(chibi_func_call(chibi_instance_func(inst, "bad"), NULL, 0, NULL, 0,
					     &info), CHIBI_TRAP_HOST);
		cr_expect(strstr(info.message, "without throwing") != NULL, "%s", info.message);
		/* the store stays usable */
		cr_expect_eq(chibi_func_call(chibi_instance_func(inst, "catch-host"), &arg, 1, &res,
					     1, &info), CHIBI_TRAP_NONE);
		chibi_linker_free(l);
		chibi_store_free(s);
	}
	chibi_module_free(m);
}

/* A tag import must match in type and in kind. */
Test(exn, tag_imports_are_checked)
{
	chibi_module *m = wat_module("(module (import \"host\" \"tag\" (tag (param i32))))");
	chibi_store *s = store_in(CHIBI_MODE_INTERP);
	chibi_linker *l = chibi_linker_new();
	struct chibi_extern ext = { .kind = CHIBI_EXTERN_TAG, .of.tag = chibi_tag_new(s, "I") };
	struct chibi_diag d = { 0 };
	chibi_instance *inst = NULL;

	cr_assert_not_null(m);
	cr_assert_eq(chibi_linker_define(l, "host", "tag", ext), CHIBI_OK);
	cr_expect_eq(chibi_instance_new(s, m, l, &inst, &d, NULL), CHIBI_ERR_UNLINKABLE);
	ext.of.tag = chibi_tag_new(s, "i");
	cr_assert_eq(chibi_linker_define(l, "host", "tag", ext), CHIBI_OK);
	cr_expect_eq(chibi_instance_new(s, m, l, &inst, &d, NULL), CHIBI_OK, "%s", d.msg);
	cr_assert_eq(chibi_linker_define_host(l, s, "host", "tag", "i:", h_bad_exception, NULL),
		     CHIBI_OK);
	cr_expect_eq(chibi_instance_new(s, m, l, &inst, &d, NULL), CHIBI_ERR_UNLINKABLE,
		     "a function is no tag");
	chibi_linker_free(l);
	chibi_store_free(s);
	chibi_module_free(m);
}

/* Exceptions the host got out of calls stay valid however many others are made (and
 * collected) after them. */
Test(exn, host_held_exceptions_survive_collection)
{
	chibi_module *m = wat_module(
		"(module (tag $e (param i32))\n"
		"  (func (export \"throw\") (param i32) (throw $e (local.get 0)))\n"
		"  (func (export \"churn\") (param i32) (local i32)\n"
		"    (loop $l (try (do (throw $e (local.get 1))) (catch $e (drop)))\n"
		"      (local.set 1 (i32.add (local.get 1) (i32.const 1)))\n"
		"      (br_if $l (i32.lt_u (local.get 1) (local.get 0))))))\n");
	enum { N = 3000 };
	static chibi_exn *kept[N];

	cr_assert_not_null(m);
	for (size_t k = 0; k < NMODES; k++) {
		chibi_store *s = store_in(modes[k]);
		chibi_instance *inst = instantiate(s, m, NULL);
		chibi_func *thr = chibi_instance_func(inst, "throw");
		chibi_val n = { .type = CHIBI_I32, .of.i32 = 5000 };
		struct chibi_trap_info info;

		for (int i = 0; i < N; i++) {
			chibi_val a = { .type = CHIBI_I32, .of.i32 = i * 7 };

			cr_assert_eq(chibi_func_call(thr, &a, 1, NULL, 0, &info),
				     CHIBI_TRAP_EXCEPTION);
			kept[i] = info.exn;
		}
		cr_assert_eq(chibi_func_call(chibi_instance_func(inst, "churn"), &n, 1, NULL, 0,
					     &info), CHIBI_TRAP_NONE);
		for (int i = 0; i < N; i++)
			cr_assert_eq(chibi_exn_value(kept[i], 0).of.i32, i * 7, "exception %d", i);
		chibi_store_free(s);
	}
	chibi_module_free(m);
}
