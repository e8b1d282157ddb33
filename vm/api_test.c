/* vm/api_test.c - the public API around calls: host signatures, chibi_func_call argument
 * checks, traps/exit codes/messages from host functions, re-entry and its depth limit,
 * module introspection, file loading, trap names, and allocation fault injection over
 * decode + validate + instantiate + call (every k-th allocation failing must give a clean
 * CHIBI_ERR_NOMEM; run under ASan for the leak half of that claim).
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "alloc.h"
#include "store.h"
#include "test_wat.h"

static enum chibi_trap h_add(chibi_caller *c, void *env, uint64_t *slots)
{
	slots[0] = (uint64_t)((int64_t)(int32_t)slots[0] + (int64_t)slots[1]);
	return CHIBI_TRAP_NONE;
}

static enum chibi_trap h_exit(chibi_caller *c, void *env, uint64_t *slots)
{
	chibi_caller_set_exit(c, (int32_t)slots[0]);
	return CHIBI_TRAP_EXIT;
}

static enum chibi_trap h_msg(chibi_caller *c, void *env, uint64_t *slots)
{
	chibi_caller_set_trap_message(c, env);
	return CHIBI_TRAP_HOST;
}

Test(api, host_signatures)
{
	chibi_store *s = chibi_store_new(NULL);
	chibi_func *f;

	cr_assert_not_null(s);
	f = chibi_func_new_host(s, "iIfFre:Ii", h_add, NULL);
	cr_assert_not_null(f);
	cr_expect_eq(chibi_func_num_params(f), 6);
	cr_expect_eq(chibi_func_num_results(f), 2);
	cr_expect_eq(chibi_func_param_type(f, 1), CHIBI_I64);
	cr_expect_eq(chibi_func_param_type(f, 4), CHIBI_FUNCREF);
	cr_expect_eq(chibi_func_param_type(f, 5), CHIBI_EXTERNREF);
	cr_expect_eq(chibi_func_result_type(f, 1), CHIBI_I32);
	cr_expect_eq(chibi_func_result_type(f, 2), 0);
	cr_expect_not_null(chibi_func_new_host(s, ":", h_add, NULL));
	cr_expect_not_null(chibi_func_new_host(s, "v:v", h_add, NULL), "v128 is a value type");
	cr_expect_null(chibi_func_new_host(s, "ii", h_add, NULL), "no colon");
	cr_expect_null(chibi_func_new_host(s, "q:i", h_add, NULL));
	cr_expect_not_null(chibi_func_new_host(s, "x:x", h_add, NULL), "x is exnref");
	cr_expect_null(chibi_func_new_host(s, "i:i:i", h_add, NULL));
	cr_expect_null(chibi_func_new_host(s, "i:i", NULL, NULL));
	cr_expect_null(chibi_func_new_host(s, NULL, h_add, NULL));
	/* Same signature, same canonical type id (call_indirect compares ids). */
	cr_expect_eq(chibi_func_new_host(s, "ii:i", h_add, NULL)->type_id,
		     chibi_func_new_host(s, "ii:i", h_add, NULL)->type_id);
	cr_expect_neq(chibi_func_new_host(s, "ii:i", h_add, NULL)->type_id,
		      chibi_func_new_host(s, "iI:i", h_add, NULL)->type_id);
	chibi_store_free(s);
}

Test(api, call_host_directly)
{
	chibi_store *s = chibi_store_new(NULL);
	chibi_func *f = chibi_func_new_host(s, "iI:I", h_add, NULL);
	chibi_val args[2] = { { .type = CHIBI_I32, .of.i32 = -2 }, { .type = CHIBI_I64, .of.i64 = 10 } };
	chibi_val res[2];
	struct chibi_trap_info ti;

	cr_assert(s && f);
	cr_expect_eq(chibi_func_call(f, args, 2, res, 1, &ti), CHIBI_TRAP_NONE);
	cr_expect_eq(res[0].type, CHIBI_I64);
	cr_expect_eq(res[0].of.i64, 8);
	cr_expect_eq(ti.kind, CHIBI_TRAP_NONE);
	/* Argument checks are reported as host traps with a message; nothing runs. */
	cr_expect_eq(chibi_func_call(f, args, 1, res, 1, &ti), CHIBI_TRAP_HOST);
	cr_expect_str_eq(ti.message, "argument count mismatch");
	args[1].type = CHIBI_I32;
	cr_expect_eq(chibi_func_call(f, args, 2, res, 1, &ti), CHIBI_TRAP_HOST);
	cr_expect_str_eq(ti.message, "argument type mismatch");
	args[1].type = CHIBI_I64;
	cr_expect_eq(chibi_func_call(f, args, 2, res, 0, &ti), CHIBI_TRAP_HOST);
	cr_expect_eq(chibi_func_call(NULL, NULL, 0, NULL, 0, NULL), CHIBI_TRAP_HOST);
	cr_expect_eq(s->stack_top, s->stack, "stack restored");
	cr_expect_null(s->trap);
	chibi_store_free(s);
}

Test(api, host_traps_exit_and_message)
{
	chibi_store *s = chibi_store_new(NULL);
	chibi_func *ex = chibi_func_new_host(s, "i:", h_exit, NULL);
	chibi_func *msg = chibi_func_new_host(s, ":", h_msg, "disk on fire");
	chibi_val a = { .type = CHIBI_I32, .of.i32 = 3 };
	struct chibi_trap_info ti;

	cr_assert(s && ex && msg);
	cr_expect_eq(chibi_func_call(ex, &a, 1, NULL, 0, &ti), CHIBI_TRAP_EXIT);
	cr_expect_eq(ti.kind, CHIBI_TRAP_EXIT);
	cr_expect_eq(ti.exit_code, 3);
	cr_expect_eq(chibi_func_call(msg, NULL, 0, NULL, 0, &ti), CHIBI_TRAP_HOST);
	cr_expect_str_eq(ti.message, "disk on fire");
	cr_expect_str_eq(chibi_trap_name(ti.kind), "host error");
	/* State is fresh for the next call. */
	cr_expect_eq(chibi_func_call(ex, &a, 1, NULL, 0, &ti), CHIBI_TRAP_EXIT);
	cr_expect_str_eq(ti.message, "");
	cr_expect_eq(s->host_depth, 0);
	cr_expect_eq(s->stack_top, s->stack);
	chibi_store_free(s);
}

/* env = the function to call again: recursion through chibi_func_call without limit. */
static enum chibi_trap h_recurse(chibi_caller *c, void *env, uint64_t *slots)
{
	chibi_func *self = *(chibi_func **)env;
	chibi_val a = { .type = CHIBI_I32, .of.i32 = (int32_t)slots[0] + 1 };
	chibi_val r;
	struct chibi_trap_info ti;
	enum chibi_trap t = chibi_func_call(self, &a, 1, &r, 1, &ti);

	if (t != CHIBI_TRAP_NONE) {
		/* Pass the depth reached up in the message of the outermost trap. */
		if (ti.message[0])
			chibi_caller_set_trap_message(c, ti.message);
		else {
			char buf[32];

			snprintf(buf, sizeof(buf), "%d", (int)slots[0]);
			chibi_caller_set_trap_message(c, buf);
		}
		return t;
	}
	slots[0] = (uint64_t)r.of.i32;
	return CHIBI_TRAP_NONE;
}

Test(api, reentry_depth_is_limited)
{
	chibi_store *s = chibi_store_new(NULL);
	chibi_func *f;
	chibi_val a = { .type = CHIBI_I32, .of.i32 = 0 }, r;
	struct chibi_trap_info ti;

	cr_assert_not_null(s);
	f = chibi_func_new_host(s, "i:i", h_recurse, &f);
	cr_assert_not_null(f);
	cr_expect_eq(chibi_func_call(f, &a, 1, &r, 1, &ti), CHIBI_TRAP_STACK_EXHAUSTED);
	cr_expect_str_eq(ti.message, "199", "depth reached: %s", ti.message);
	cr_expect_eq(s->host_depth, 0);
	cr_expect_eq(s->stack_top, s->stack);
	cr_expect_null(s->trap);
	chibi_store_free(s);
}

/* Calls `env` (an i:i function) with slots[0] + 100: a nested call that succeeds. */
static enum chibi_trap h_nest(chibi_caller *c, void *env, uint64_t *slots)
{
	chibi_val a = { .type = CHIBI_I32, .of.i32 = (int32_t)slots[0] + 100 }, r;

	if (chibi_func_call(env, &a, 1, &r, 1, NULL))
		return CHIBI_TRAP_HOST;
	slots[0] = (uint32_t)r.of.i32;
	return CHIBI_TRAP_NONE;
}

static enum chibi_trap h_double(chibi_caller *c, void *env, uint64_t *slots)
{
	slots[0] = (uint32_t)((int32_t)slots[0] * 2);
	return CHIBI_TRAP_NONE;
}

Test(api, nested_calls)
{
	chibi_store *s = chibi_store_new(NULL);
	chibi_func *d = chibi_func_new_host(s, "i:i", h_double, NULL);
	chibi_func *n = chibi_func_new_host(s, "i:i", h_nest, d);
	chibi_val a = { .type = CHIBI_I32, .of.i32 = 1 }, r;

	cr_assert(s && d && n);
	cr_expect_eq(chibi_func_call(n, &a, 1, &r, 1, NULL), CHIBI_TRAP_NONE);
	cr_expect_eq(r.of.i32, 202);
	chibi_store_free(s);
}

Test(api, tiny_stack_refuses_calls)
{
	struct chibi_config cfg = { .max_stack_bytes = 8 };
	chibi_store *s = chibi_store_new(&cfg);
	chibi_func *f;
	chibi_val a[20];

	cr_assert_not_null(s);
	f = chibi_func_new_host(s, "iiiiiiiiiiiiiiiiiiii:", h_double, NULL);
	cr_assert_not_null(f);
	for (int i = 0; i < 20; i++)
		a[i] = (chibi_val){ .type = CHIBI_I32, .of.i32 = i };
	cr_expect_eq(chibi_func_call(f, a, 20, NULL, 0, NULL), CHIBI_TRAP_STACK_EXHAUSTED);
	chibi_store_free(s);
}

Test(api, wasm_calls_host_and_traps)
{
	chibi_store *s = chibi_store_new(NULL);
	chibi_linker *l = chibi_linker_new();
	chibi_module *m = wat_module(
		"(module (import \"env\" \"exit\" (func $exit (param i32)))"
		" (import \"env\" \"add\" (func $add (param i32 i64) (result i64)))"
		" (func (export \"sum\") (param i32) (result i64)"
		"   (call $add (local.get 0) (i64.const 40)))"
		" (func $boom (export \"boom\") (unreachable))"
		" (func (export \"quit\") (call $exit (i32.const 7)) (unreachable)))");
	chibi_instance *inst;
	struct chibi_diag d;
	struct chibi_trap_info ti;
	chibi_val a = { .type = CHIBI_I32, .of.i32 = 2 }, r;

	cr_assert(s && l && m);
	cr_assert_eq(chibi_linker_define_host(l, s, "env", "exit", "i:", h_exit, NULL), CHIBI_OK);
	cr_assert_eq(chibi_linker_define_host(l, s, "env", "add", "iI:I", h_add, NULL), CHIBI_OK);
	cr_assert_eq(chibi_instance_new(s, m, l, &inst, &d, NULL), CHIBI_OK, "%s", d.msg);
	cr_expect_eq(chibi_func_call(chibi_instance_func(inst, "sum"), &a, 1, &r, 1, &ti),
		     CHIBI_TRAP_NONE);
	cr_expect_eq(r.of.i64, 42);
	cr_expect_eq(chibi_func_call(chibi_instance_func(inst, "boom"), NULL, 0, NULL, 0, &ti),
		     CHIBI_TRAP_UNREACHABLE);
	cr_expect_str_eq(chibi_trap_name(ti.kind), "unreachable");
	cr_expect_eq(ti.func_index, 3);
	cr_expect_str_eq(ti.func_name, "boom");
	cr_expect_eq(chibi_func_call(chibi_instance_func(inst, "quit"), NULL, 0, NULL, 0, &ti),
		     CHIBI_TRAP_EXIT);
	cr_expect_eq(ti.exit_code, 7);
	cr_expect_eq(s->stack_top, s->stack);
	chibi_module_free(m);
	chibi_linker_free(l);
	chibi_store_free(s);
}

/* v128 as seen by the embedding API: arguments and results of a wasm function, a host function
 * taking and returning one (two slots each: bytes 0-7, then 8-15), and an exported v128
 * global. */
static enum chibi_trap h_swap_halves(chibi_caller *c, void *env, uint64_t *slots)
{
	/* (v128 i32) -> (v128): the halves exchanged, plus the i32 in the low lane */
	uint64_t lo = slots[0], hi = slots[1];

	slots[0] = hi + (uint32_t)slots[2];
	slots[1] = lo;
	return CHIBI_TRAP_NONE;
}

Test(api, v128_values)
{
	chibi_store *s = chibi_store_new(NULL);
	chibi_linker *l = chibi_linker_new();
	chibi_module *m = wat_module(
		"(module (import \"env\" \"swap\" (func $swap (param v128 i32) (result v128)))"
		" (global (export \"g\") (mut v128) (v128.const i32x4 1 2 3 4))"
		" (func (export \"add\") (param v128 i64 v128) (result i64 v128)"
		"   (local.get 1) (i32x4.add (local.get 0) (local.get 2)))"
		" (func (export \"via_host\") (param v128) (result v128)"
		"   (call $swap (local.get 0) (i32.const 5))))");
	chibi_instance *inst;
	struct chibi_diag d;
	struct chibi_extern e;
	chibi_val a[3], r[2];
	uint32_t lanes[4];

	cr_assert(s && l && m);
	cr_assert_eq(chibi_linker_define_host(l, s, "env", "swap", "vi:v", h_swap_halves, NULL),
		     CHIBI_OK);
	cr_assert_eq(chibi_instance_new(s, m, l, &inst, &d, NULL), CHIBI_OK, "%s", d.msg);
	a[0].type = a[2].type = CHIBI_V128;
	for (uint32_t i = 0; i < 4; i++) {
		lanes[i] = 10 * i;
		memcpy(&a[0].of.v128[4 * i], &lanes[i], 4);
		lanes[i] = 0xffffffffu;
		memcpy(&a[2].of.v128[4 * i], &lanes[i], 4);
	}
	a[1] = (chibi_val){ .type = CHIBI_I64, .of.i64 = -7 };
	cr_assert_eq(chibi_func_call(chibi_instance_func(inst, "add"), a, 3, r, 2, NULL),
		     CHIBI_TRAP_NONE);
	cr_expect_eq(r[0].type, CHIBI_I64);
	cr_expect_eq(r[0].of.i64, -7);
	cr_expect_eq(r[1].type, CHIBI_V128);
	memcpy(lanes, r[1].of.v128, 16);
	cr_expect(lanes[0] == 0xffffffffu && lanes[1] == 9 && lanes[2] == 19 && lanes[3] == 29,
		  "i32x4.add lanes %u %u %u %u", lanes[0], lanes[1], lanes[2], lanes[3]);
	/* through the host function: lanes (0 10 20 30) -> (20 + 5, 30, 0, 10) */
	cr_assert_eq(chibi_func_call(chibi_instance_func(inst, "via_host"), a, 1, r, 1, NULL),
		     CHIBI_TRAP_NONE);
	memcpy(lanes, r[0].of.v128, 16);
	cr_expect(lanes[0] == 25 && lanes[1] == 30 && lanes[2] == 0 && lanes[3] == 10,
		  "host lanes %u %u %u %u", lanes[0], lanes[1], lanes[2], lanes[3]);
	/* type checks still apply to v128 */
	a[1] = a[0];
	cr_expect_eq(chibi_func_call(chibi_instance_func(inst, "add"), a, 3, r, 2, NULL),
		     CHIBI_TRAP_HOST);
	/* the exported global */
	cr_assert(chibi_instance_export(inst, "g", &e) && e.kind == CHIBI_EXTERN_GLOBAL);
	memcpy(lanes, chibi_global_get(e.of.global).of.v128, 16);
	cr_expect(lanes[0] == 1 && lanes[3] == 4);
	chibi_module_free(m);
	chibi_linker_free(l);
	chibi_store_free(s);
}

Test(api, module_introspection)
{
	chibi_module *m = wat_module(
		"(module (import \"env\" \"f\" (func (param i32)))"
		" (import \"env\" \"mem\" (memory 1))"
		" (func (export \"g\") (param i64 f32 f64 funcref externref) (result i32 i64)"
		"   (i32.const 0) (i64.const 0))"
		" (global (export \"gl\") i32 (i32.const 1)))");
	const char *mod, *name;
	enum chibi_extern_kind k;
	char buf[32];

	cr_assert_not_null(m);
	cr_expect_eq(chibi_module_num_imports(m), 2);
	chibi_module_import(m, 1, &mod, &name, &k);
	cr_expect_str_eq(mod, "env");
	cr_expect_str_eq(name, "mem");
	cr_expect_eq(k, CHIBI_EXTERN_MEMORY);
	chibi_module_import(m, 2, &mod, &name, &k);
	cr_expect_null(mod);
	cr_expect_eq(chibi_module_num_exports(m), 2);
	chibi_module_export(m, 1, &name, &k);
	cr_expect_str_eq(name, "gl");
	cr_expect_eq(k, CHIBI_EXTERN_GLOBAL);
	cr_expect(chibi_module_export_sig(m, "g", buf, sizeof(buf)));
	cr_expect_str_eq(buf, "IfFre:iI");
	cr_expect(!chibi_module_export_sig(m, "g", buf, 8), "buffer too small");
	cr_expect(!chibi_module_export_sig(m, "gl", buf, sizeof(buf)), "not a function");
	cr_expect(!chibi_module_export_sig(m, "nope", buf, sizeof(buf)));
	chibi_module_free(m);
}

Test(api, load_file_errors)
{
	chibi_module *m = (chibi_module *)1;
	struct chibi_diag d;

	cr_expect_eq(chibi_module_load_file("/nonexistent/x.wasm", &m, &d), CHIBI_ERR_IO);
	cr_expect_null(m);
	cr_expect_eq(d.code, CHIBI_ERR_IO);
	/* Devices are refused before any read: /dev/zero would never end. */
	cr_expect_eq(chibi_module_load_file("/dev/null", &m, &d), CHIBI_ERR_IO);
	cr_expect_eq(chibi_module_load_file("/dev/zero", &m, &d), CHIBI_ERR_IO);
	cr_expect(strstr(d.msg, "device") != NULL, "%s", d.msg);
	cr_expect_eq(chibi_module_load_file("/dev/urandom", &m, &d), CHIBI_ERR_IO);
	cr_expect_eq(chibi_module_new(NULL, 3, &m, &d), CHIBI_ERR_ARG);
}

/* "\0asm" v1 + one custom section named "big" of n bytes in all: a valid module of any size. */
static uint8_t *big_module(size_t n, size_t *len)
{
	uint8_t *b = calloc(1, n);
	size_t body = n - 8 - 1 - 5, i = 8;

	cr_assert(b && n > 64);
	memcpy(b, "\0asm\1\0\0\0", 8);
	b[i++] = 0; /* custom section id */
	for (int k = 0; k < 5; k++) /* body size, padded 5-byte LEB128 */
		b[i++] = (uint8_t)(((body >> (7 * k)) & 0x7f) | (k < 4 ? 0x80 : 0));
	b[i++] = 3;
	memcpy(b + i, "big", 3);
	*len = n;
	return b;
}

Test(api, load_file_reads_files_and_pipes_whole)
{
	char path[] = "/tmp/chibi-api-XXXXXX";
	int fd = mkstemp(path), p[2];
	size_t len;
	uint8_t *b = big_module(300000, &len); /* several of the pipe's 64 KB chunks */
	chibi_module *m = NULL;
	struct chibi_diag d;
	char dev[64];
	pid_t pid;

	cr_assert(fd >= 0);
	cr_assert_eq(write(fd, b, len), (ssize_t)len);
	close(fd);
	cr_expect_eq(chibi_module_load_file(path, &m, &d), CHIBI_OK, "%s", d.msg);
	chibi_module_free(m);
	/* truncated by one byte: the section overruns the end */
	cr_assert_eq(truncate(path, (off_t)len - 1), 0);
	m = NULL;
	cr_expect_eq(chibi_module_load_file(path, &m, &d), CHIBI_ERR_MALFORMED);
	cr_expect_null(m);
	unlink(path);

	cr_assert_eq(pipe(p), 0);
	pid = fork();
	cr_assert(pid >= 0);
	if (pid == 0) {
		close(p[0]);
		_exit(write(p[1], b, len) == (ssize_t)len ? 0 : 1);
	}
	close(p[1]);
	snprintf(dev, sizeof(dev), "/dev/fd/%d", p[0]);
	cr_expect_eq(chibi_module_load_file(dev, &m, &d), CHIBI_OK, "%s", d.msg);
	chibi_module_free(m);
	close(p[0]);
	waitpid(pid, NULL, 0);
	free(b);

	cr_expect_eq(chibi_module_load_file("/tmp", &m, &d), CHIBI_ERR_IO);
	cr_expect(strstr(d.msg, "directory") != NULL, "%s", d.msg);
}

Test(api, trap_names)
{
	cr_expect_str_eq(chibi_trap_name(CHIBI_TRAP_UNDEFINED_ELEMENT), "undefined element");
	cr_expect_str_eq(chibi_trap_name(CHIBI_TRAP_UNINITIALIZED), "uninitialized element");
	cr_expect_str_eq(chibi_trap_name(CHIBI_TRAP_INDIRECT_MISMATCH),
			 "indirect call type mismatch");
	cr_expect_str_eq(chibi_trap_name(CHIBI_TRAP_INVALID_CONVERSION),
			 "invalid conversion to integer");
	cr_expect_str_eq(chibi_trap_name(CHIBI_TRAP_STACK_EXHAUSTED), "call stack exhausted");
	cr_expect_str_eq(chibi_trap_name(CHIBI_TRAP_OUT_OF_FUEL), "all fuel consumed");
	cr_expect_str_eq(chibi_trap_name(CHIBI_TRAP_EXIT), "exit");
	cr_expect_str_eq(chibi_trap_name(CHIBI_TRAP_COUNT), "unknown trap");
	for (int i = 0; i < CHIBI_TRAP_COUNT; i++)
		cr_expect_not_null(chibi_trap_name(i));
}

Test(api, linker_replaces_and_grows)
{
	chibi_store *s = chibi_store_new(NULL);
	chibi_linker *l = chibi_linker_new();
	struct chibi_extern e = { .kind = CHIBI_EXTERN_GLOBAL }, got;
	char name[16];

	cr_assert(s && l);
	for (int i = 0; i < 1000; i++) {
		snprintf(name, sizeof(name), "g%d", i);
		e.of.global = chibi_global_new(s, (chibi_val){ .type = CHIBI_I32, .of.i32 = i }, false);
		cr_assert_eq(chibi_linker_define(l, "m", name, e), CHIBI_OK);
	}
	e.of.global = chibi_global_new(s, (chibi_val){ .type = CHIBI_I32, .of.i32 = -1 }, false);
	cr_assert_eq(chibi_linker_define(l, "m", "g5", e), CHIBI_OK);
	for (int i = 0; i < 1000; i++) {
		snprintf(name, sizeof(name), "g%d", i);
		cr_assert(linker_lookup(l, "m", name, &got));
		cr_expect_eq(chibi_global_get(got.of.global).of.i32, i == 5 ? -1 : i);
	}
	cr_expect(!linker_lookup(l, "mg", "5", &got), "module/field boundary matters");
	cr_expect(!linker_lookup(l, "m", "g1000", &got));
	e.of.global = NULL;
	cr_expect_eq(chibi_linker_define(l, "m", "x", e), CHIBI_ERR_ARG);
	chibi_linker_free(l);
	chibi_store_free(s);
}

Test(api, interrupt_flag)
{
	chibi_store *s = chibi_store_new(&(struct chibi_config){ .fuel = 1000 });

	cr_assert_not_null(s);
	cr_expect_eq(chibi_store_fuel(s), 1000);
	chibi_store_interrupt(s);
	cr_expect_eq(s->interrupt, 1);
	chibi_store_free(s);
}

/* ---- fault injection ---- */

static long fail_countdown; /* fail when it reaches 0; < 0 disables */
static long allocs_seen;

static bool fail_kth(size_t size)
{
	allocs_seen++;
	return fail_countdown >= 0 && fail_countdown-- == 0;
}

static const char fault_wat[] =
	"(module (import \"env\" \"add\" (func $add (param i32 i64) (result i64)))"
	" (import \"env\" \"g\" (global $g i32))"
	" (type $t (func (param i32) (result i32)))"
	" (memory (export \"mem\") 1 2) (table 4 funcref)"
	" (global $x (mut i64) (i64.const 5))"
	" (global funcref (ref.func $f))"
	" (func $f (export \"f\") (type $t) (local.get 0))"
	" (func (export \"run\") (param i32) (result i64)"
	"   (drop (memory.grow (i32.const 1)))"
	"   (call $add (call_indirect (type $t) (local.get 0) (i32.const 1)) (global.get $x)))"
	" (elem (i32.const 1) $f $f) (elem $p func $f)"
	" (data (i32.const 0) \"hi\") (data $q \"passive\")"
	" (start $f2) (func $f2 (global.set $x (i64.const 6))))";

/* The same without running wasm code: the export is the imported host function. */
static const char fault_wat_nocode[] =
	"(module (import \"env\" \"add\" (func $add (param i32 i64) (result i64)))"
	" (import \"env\" \"g\" (global $g i32))"
	" (memory (export \"mem\") 1 2) (table 4 funcref)"
	" (global $x (mut i32) (global.get $g))"
	" (global funcref (ref.func $f))"
	" (func $f (param i32) (result i32) (local.get 0))"
	" (export \"run\" (func $add))"
	" (elem (i32.const 1) $f $f) (elem $p func $f) (elem declare func $add)"
	" (data (i32.const 0) \"hi\") (data $q \"passive\"))";

/* The same with exception handling: a tag, a throw from a callee caught by a legacy try, a
 * rethrow from a catch_all arm (the exception objects, the handler tables). */
static const char fault_wat_eh[] =
	"(module (import \"env\" \"add\" (func $add (param i32 i64) (result i64)))"
	" (import \"env\" \"g\" (global $g i32))"
	" (tag $e (export \"e\") (param i64))"
	" (func $thrower (param i64) (throw $e (local.get 0)))"
	" (func (export \"run\") (param i32) (result i64)"
	"   (try (result i64)"
	"     (do (try (do (call $thrower (call $add (local.get 0) (i64.const 6))))"
	"              (catch_all (rethrow 0)))"
	"         (i64.const 0))"
	"     (catch $e))))";

/* One full pipeline run; returns the first error (NOMEM expected under injection).  The
 * result of run(30) is 36 for fault_wat, and 30 + 6 through the host function directly. */
static enum chibi_err pipeline(const uint8_t *bytes, size_t len, int64_t *out_result)
{
	chibi_module *m = NULL;
	chibi_store *s = NULL;
	chibi_linker *l = NULL;
	chibi_instance *inst;
	struct chibi_diag d;
	struct chibi_extern e = { .kind = CHIBI_EXTERN_GLOBAL };
	chibi_val a[2] = { { .type = CHIBI_I32, .of.i32 = 30 }, { .type = CHIBI_I64, .of.i64 = 6 } };
	chibi_val r;
	struct chibi_trap_info ti;
	chibi_func *run;
	enum chibi_err err;
	enum chibi_trap t;

	err = chibi_module_new(bytes, len, &m, &d);
	if (err)
		goto out;
	err = CHIBI_ERR_NOMEM;
	s = chibi_store_new(NULL);
	l = chibi_linker_new();
	if (!s || !l)
		goto out;
	e.of.global = chibi_global_new(s, (chibi_val){ .type = CHIBI_I32, .of.i32 = 1 }, false);
	if (!e.of.global)
		goto out;
	err = chibi_linker_define(l, "env", "g", e);
	if (!err)
		err = chibi_linker_define_host(l, s, "env", "add", "iI:I", h_add, NULL);
	if (!err)
		err = chibi_instance_new(s, m, l, &inst, &d, &ti);
	/* The interpreter translates lazily and reports running out of memory there as a host
	 * trap, which a start function turns into an instantiation trap. */
	if (err == CHIBI_ERR_TRAP && ti.kind == CHIBI_TRAP_HOST)
		err = CHIBI_ERR_NOMEM;
	if (err)
		goto out;
	run = chibi_instance_func(inst, "run");
	t = chibi_func_call(run, a, chibi_func_num_params(run), &r, 1, NULL);
	/* The engine may need memory too (lazy translation); it reports that as a trap. */
	if (t != CHIBI_TRAP_NONE)
		err = CHIBI_ERR_NOMEM;
	else
		*out_result = r.of.i64;
out:
	chibi_module_free(m);
	chibi_linker_free(l);
	chibi_store_free(s);
	return err;
}

/* Run the pipeline failing allocation k = 0, 1, 2, ... until it needs fewer than k. */
static void fault_loop(const char *wat)
{
	size_t len = 0;
	uint8_t *bytes = wat_bytes(wat, &len);
	int64_t result = 0;
	long k;

	cr_assert_not_null(bytes);
	alloc_set_fail_hook(fail_kth);
	fail_countdown = -1;
	cr_assert_eq(pipeline(bytes, len, &result), CHIBI_OK);
	cr_assert_eq(result, 36);
	for (k = 0;; k++) {
		enum chibi_err err;

		fail_countdown = k;
		allocs_seen = 0;
		result = 0;
		err = pipeline(bytes, len, &result);
		if (fail_countdown >= 0) {
			/* Fewer than k allocations: every one has been failed once. */
			cr_expect_eq(err, CHIBI_OK);
			break;
		}
		cr_expect(err == CHIBI_ERR_NOMEM || (err == CHIBI_OK && result == 36),
			  "k=%ld: err %d result %ld", k, err, (long)result);
	}
	alloc_set_fail_hook(NULL);
	cr_expect_gt(k, 10, "the pipeline allocates more than that");
	free(bytes);
	cr_expect_eq(test_leaks_now(), 0, "LeakSanitizer found leaks (report above)");
}

Test(api, fault_injection_every_allocation)
{
	fault_loop(fault_wat);
}

Test(api, fault_injection_without_wasm_code)
{
	fault_loop(fault_wat_nocode);
}

Test(api, fault_injection_exceptions)
{
	fault_loop(fault_wat_eh);
}

/* Nothing larger than the maximum module size is read, from a file (refused by its size)
 * or a pipe (refused at the first byte too many). */
Test(api, load_file_size_cap)
{
	char path[] = "/tmp/chibi-api-XXXXXX";
	int fd = mkstemp(path), p[2];
	size_t len;
	uint8_t *b = big_module(300000, &len);
	chibi_module *m = NULL;
	struct chibi_diag d;
	char dev[64];
	pid_t pid;

	cr_assert(fd >= 0);
	cr_assert_eq(write(fd, b, len), (ssize_t)len);
	close(fd);
	setenv("CHIBI_MAX_MODULE_SIZE", "300000", 1);
	cr_expect_eq(chibi_module_load_file(path, &m, &d), CHIBI_OK, "at the cap: %s", d.msg);
	chibi_module_free(m);
	m = NULL;
	setenv("CHIBI_MAX_MODULE_SIZE", "299999", 1);
	cr_expect_eq(chibi_module_load_file(path, &m, &d), CHIBI_ERR_IO);
	cr_expect(strstr(d.msg, "maximum module size") != NULL, "%s", d.msg);
	cr_expect_null(m);
	unlink(path);

	cr_assert_eq(pipe(p), 0);
	pid = fork();
	cr_assert(pid >= 0);
	if (pid == 0) {
		close(p[0]);
		_exit(write(p[1], b, len) == (ssize_t)len ? 0 : 1);
	}
	close(p[1]);
	snprintf(dev, sizeof(dev), "/dev/fd/%d", p[0]);
	cr_expect_eq(chibi_module_load_file(dev, &m, &d), CHIBI_ERR_IO);
	cr_expect(strstr(d.msg, "maximum module size") != NULL, "%s", d.msg);
	close(p[0]);
	waitpid(pid, NULL, 0);
	unsetenv("CHIBI_MAX_MODULE_SIZE");
	free(b);
}

/*
 * Typed function references through the API.  wat2wasm 1.0.32 cannot write them, so the
 * module is bytes:
 *   (type $t (func (param i32) (result i32)))
 *   (type (func (param (ref $t)) (result i32)))
 *   (type (func (param (ref null $t)) (result (ref null $t))))
 *   (table (export "t") 2 (ref null $t))
 *   (global (export "g") (mut (ref null $t)) (ref.null $t))
 *   (func (export "id") (type $t) (local.get 0))
 *   (func (export "callref") (param (ref $t)) (result i32)
 *     (call_ref $t (i32.const 3) (local.get 0)))
 *   (func (export "pass") (param (ref null $t)) (result (ref null $t)) (local.get 0))
 *   (elem declare func 0)
 */
static const uint8_t typed_ref_module[] = {
	0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
	0x01, 0x13, 0x03, 0x60, 0x01, 0x7f, 0x01, 0x7f, 0x60, 0x01, 0x64, 0x00, 0x01, 0x7f,
	0x60, 0x01, 0x63, 0x00, 0x01, 0x63, 0x00,
	0x03, 0x04, 0x03, 0x00, 0x01, 0x02,
	0x04, 0x05, 0x01, 0x63, 0x00, 0x00, 0x02,
	0x06, 0x07, 0x01, 0x63, 0x00, 0x01, 0xd0, 0x00, 0x0b,
	0x07, 0x1f, 0x05, 0x02, 'i', 'd', 0x00, 0x00,
	0x07, 'c', 'a', 'l', 'l', 'r', 'e', 'f', 0x00, 0x01,
	0x04, 'p', 'a', 's', 's', 0x00, 0x02, 0x01, 'g', 0x03, 0x00, 0x01, 't', 0x01, 0x00,
	0x09, 0x05, 0x01, 0x03, 0x00, 0x01, 0x00,
	0x0a, 0x14, 0x03, 0x04, 0x00, 0x20, 0x00, 0x0b,
	0x08, 0x00, 0x41, 0x03, 0x20, 0x00, 0x14, 0x00, 0x0b,
	0x04, 0x00, 0x20, 0x00, 0x0b,
};

static enum chibi_trap h_id(chibi_caller *c, void *env, uint64_t *slots)
{
	return CHIBI_TRAP_NONE;
}

Test(api, typed_function_references)
{
	chibi_store *s = chibi_store_new(NULL);
	struct chibi_diag d = { 0 };
	chibi_module *m = NULL;
	chibi_instance *inst = NULL;
	chibi_func *id, *callref, *pass, *same, *other;
	chibi_global *g;
	chibi_table *t;
	struct chibi_reftype rt;
	chibi_val arg, res;

	cr_assert_eq(chibi_module_new(typed_ref_module, sizeof(typed_ref_module), &m, &d),
		     CHIBI_OK, "%s", d.msg);
	cr_assert_eq(chibi_instance_new(s, m, NULL, &inst, &d, NULL), CHIBI_OK, "%s", d.msg);
	id = chibi_instance_func(inst, "id");
	callref = chibi_instance_func(inst, "callref");
	pass = chibi_instance_func(inst, "pass");
	g = chibi_instance_global(inst, "g");
	t = chibi_instance_table(inst, "t");
	cr_assert(id && callref && pass && g && t);
	/* A host function of the same structure has the same canonical type. */
	same = chibi_func_new_host(s, "i:i", h_id, NULL);
	other = chibi_func_new_host(s, "I:i", h_id, NULL);
	cr_assert(same && other);
	cr_expect_eq(chibi_func_type_id(same), chibi_func_type_id(id));
	cr_expect_neq(chibi_func_type_id(other), chibi_func_type_id(id));
	cr_expect(chibi_type_matches(s, chibi_func_type_id(id), chibi_func_type_id(same)));
	cr_expect(!chibi_type_matches(s, chibi_func_type_id(other), chibi_func_type_id(id)));

	/* What the types say: (ref $t), (ref null $t) for the rest; numbers are no references. */
	cr_expect_eq(chibi_func_param_type(callref, 0), CHIBI_FUNCREF);
	cr_assert(chibi_func_param_reftype(callref, 0, &rt));
	cr_expect(rt.kind == CHIBI_FUNCREF && !rt.nullable && !rt.bottom);
	cr_expect_eq(rt.type_id, chibi_func_type_id(id));
	cr_expect(!chibi_func_result_reftype(callref, 0, &rt));
	cr_expect(!chibi_func_param_reftype(id, 0, &rt));
	cr_assert(chibi_func_result_reftype(pass, 0, &rt));
	cr_expect(rt.nullable && rt.type_id == chibi_func_type_id(id));
	cr_assert(chibi_global_reftype(g, &rt));
	cr_expect(rt.nullable && rt.type_id == chibi_func_type_id(id));
	cr_assert(chibi_table_reftype(t, &rt));
	cr_expect(rt.nullable && rt.type_id == chibi_func_type_id(id));

	/* Calls check their arguments against the typed parameters. */
	arg = (chibi_val){ .type = CHIBI_FUNCREF, .of.ref = id };
	cr_expect_eq(chibi_func_call(callref, &arg, 1, &res, 1, NULL), CHIBI_TRAP_NONE);
	cr_expect_eq(res.of.i32, 3);
	arg.of.ref = same;
	cr_expect_eq(chibi_func_call(callref, &arg, 1, &res, 1, NULL), CHIBI_TRAP_NONE);
	cr_expect_eq(res.of.i32, 3, "the host function returns its argument");
	arg.of.ref = NULL;
	cr_expect_eq(chibi_func_call(callref, &arg, 1, &res, 1, NULL), CHIBI_TRAP_HOST,
		     "null for (ref $t)");
	arg.of.ref = other;
	cr_expect_eq(chibi_func_call(callref, &arg, 1, &res, 1, NULL), CHIBI_TRAP_HOST,
		     "a function of another type");
	arg.of.ref = NULL;
	cr_expect_eq(chibi_func_call(pass, &arg, 1, &res, 1, NULL), CHIBI_TRAP_NONE);
	cr_expect(res.type == CHIBI_FUNCREF && res.of.ref == NULL);

	/* Globals and tables take what fits only. */
	cr_expect(chibi_global_set(g, (chibi_val){ .type = CHIBI_FUNCREF, .of.ref = id }));
	cr_expect_eq(chibi_global_get(g).of.ref, id);
	cr_expect(chibi_global_set(g, (chibi_val){ .type = CHIBI_FUNCREF, .of.ref = NULL }));
	cr_expect(!chibi_global_set(g, (chibi_val){ .type = CHIBI_FUNCREF, .of.ref = other }));
	cr_expect(!chibi_global_set(g, (chibi_val){ .type = CHIBI_EXTERNREF, .of.ext = NULL }));
	cr_expect(chibi_table_set(t, 1, (chibi_val){ .type = CHIBI_FUNCREF, .of.ref = same }));
	cr_expect(!chibi_table_set(t, 0, (chibi_val){ .type = CHIBI_FUNCREF, .of.ref = other }));

	/* chibi_val_matches on made-up types */
	rt = (struct chibi_reftype){ .kind = CHIBI_FUNCREF, .nullable = false,
				     .type_id = chibi_func_type_id(id) };
	arg = (chibi_val){ .type = CHIBI_FUNCREF, .of.ref = id };
	cr_expect(chibi_val_matches(s, &arg, &rt));
	arg.of.ref = NULL;
	cr_expect(!chibi_val_matches(s, &arg, &rt));
	rt.bottom = true;
	rt.nullable = true;
	rt.type_id = UINT32_MAX;
	cr_expect(chibi_val_matches(s, &arg, &rt), "null fits (ref null nofunc)");
	arg.of.ref = id;
	cr_expect(!chibi_val_matches(s, &arg, &rt), "nothing else does");
	rt = (struct chibi_reftype){ .kind = CHIBI_EXTERNREF, .nullable = false,
				     .type_id = UINT32_MAX };
	arg = (chibi_val){ .type = CHIBI_EXTERNREF, .of.ext = &rt };
	cr_expect(chibi_val_matches(s, &arg, &rt));
	arg.of.ext = NULL;
	cr_expect(!chibi_val_matches(s, &arg, &rt));
	chibi_module_free(m);
	chibi_store_free(s);
}
