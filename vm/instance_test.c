/* vm/instance_test.c - instantiation tests: import matching (every unlinkable case), the
 * spec order of element/data/start initialisation with partial effects on a trap, global
 * initialisers, export lookup and sharing through chibi_linker_define_instance.
 * Modules come from WebAssembly text through wat2wasm (vm/test_wat.h).
 */
#include <criterion/criterion.h>
#include <string.h>

#include "store.h"
#include "test_wat.h"

static chibi_store *S;
static chibi_linker *L;
static int calls;

static enum chibi_trap h_count(chibi_caller *c, void *env, uint64_t *slots)
{
	calls++;
	return CHIBI_TRAP_NONE;
}

static enum chibi_trap h_fail(chibi_caller *c, void *env, uint64_t *slots)
{
	chibi_caller_set_trap_message(c, "start failed");
	return CHIBI_TRAP_HOST;
}

static enum chibi_trap h_id(chibi_caller *c, void *env, uint64_t *slots)
{
	return CHIBI_TRAP_NONE; /* result slot 0 = argument slot 0 */
}

static void def(const char *name, struct chibi_extern ext)
{
	cr_assert_eq(chibi_linker_define(L, "h", name, ext), CHIBI_OK);
}

/* A linker "h" with host objects of every kind and a few limit shapes. */
static void setup(void)
{
	struct chibi_extern e;

	S = chibi_store_new(NULL);
	L = chibi_linker_new();
	cr_assert(S && L);
	calls = 0;
	cr_assert_eq(chibi_linker_define_host(L, S, "h", "f_i_i", "i:i", h_id, NULL), CHIBI_OK);
	cr_assert_eq(chibi_linker_define_host(L, S, "h", "count", ":", h_count, NULL), CHIBI_OK);
	cr_assert_eq(chibi_linker_define_host(L, S, "h", "fail", ":", h_fail, NULL), CHIBI_OK);
	e.kind = CHIBI_EXTERN_TABLE;
	e.of.table = chibi_table_new(S, CHIBI_FUNCREF, 10, 0, false);
	def("t10", e);
	e.of.table = chibi_table_new(S, CHIBI_FUNCREF, 10, 20, true);
	def("t10_20", e);
	e.of.table = chibi_table_new(S, CHIBI_EXTERNREF, 10, 0, false);
	def("te10", e);
	e.kind = CHIBI_EXTERN_MEMORY;
	e.of.memory = chibi_memory_new(S, 1, 0, false);
	def("m1", e);
	e.of.memory = chibi_memory_new(S, 1, 2, true);
	def("m1_2", e);
	e.kind = CHIBI_EXTERN_GLOBAL;
	e.of.global = chibi_global_new(S, (chibi_val){ .type = CHIBI_I32, .of.i32 = 42 }, false);
	def("g_i", e);
	e.of.global = chibi_global_new(S, (chibi_val){ .type = CHIBI_I32, .of.i32 = 7 }, true);
	def("g_mut_i", e);
	e.of.global = chibi_global_new(S, (chibi_val){ .type = CHIBI_I64, .of.i64 = -1 }, false);
	def("g_I", e);
}

static void teardown(void)
{
	chibi_linker_free(L);
	chibi_store_free(S);
}

TestSuite(instance, .init = setup, .fini = teardown);

/* Instantiate `wat`; returns the error and fills *out_inst / diag. */
static enum chibi_err inst_wat(const char *wat, chibi_instance **out_inst,
			       struct chibi_diag *d, struct chibi_trap_info *ti)
{
	chibi_module *m = wat_module(wat);
	enum chibi_err err;

	cr_assert(m, "module did not load: %s", wat);
	err = chibi_instance_new(S, m, L, out_inst, d, ti);
	chibi_module_free(m); /* the instance keeps its own reference */
	return err;
}

struct link_row {
	const char *import;   /* one import clause */
	enum chibi_err err;
	const char *msg;      /* leading words of diag.msg when err != OK */
};

#define UNK CHIBI_ERR_UNLINKABLE, "unknown import"
#define INC CHIBI_ERR_UNLINKABLE, "incompatible import type"
#define OK_ CHIBI_OK, NULL

static const struct link_row link_rows[] = {
	{ "(import \"h\" \"nope\" (func))", UNK },
	{ "(import \"x\" \"f_i_i\" (func))", UNK },
	{ "(import \"h\" \"f_i_i\" (func (param i32) (result i32)))", OK_ },
	{ "(import \"h\" \"f_i_i\" (func (param i64) (result i32)))", INC },
	{ "(import \"h\" \"f_i_i\" (func (param i32)))", INC },
	{ "(import \"h\" \"f_i_i\" (func (param i32) (result i32 i32)))", INC },
	{ "(import \"h\" \"m1\" (func))", INC },
	{ "(import \"h\" \"f_i_i\" (memory 0))", INC },
	{ "(import \"h\" \"g_i\" (table 0 funcref))", INC },
	{ "(import \"h\" \"t10\" (global i32))", INC },
	{ "(import \"h\" \"t10\" (table 10 funcref))", OK_ },
	{ "(import \"h\" \"t10\" (table 5 funcref))", OK_ },
	{ "(import \"h\" \"t10\" (table 11 funcref))", INC },
	{ "(import \"h\" \"t10\" (table 10 20 funcref))", INC },
	{ "(import \"h\" \"t10_20\" (table 10 20 funcref))", OK_ },
	{ "(import \"h\" \"t10_20\" (table 10 30 funcref))", OK_ },
	{ "(import \"h\" \"t10_20\" (table 10 19 funcref))", INC },
	{ "(import \"h\" \"t10_20\" (table 11 20 funcref))", INC },
	{ "(import \"h\" \"te10\" (table 10 funcref))", INC },
	{ "(import \"h\" \"t10\" (table 10 externref))", INC },
	{ "(import \"h\" \"te10\" (table 10 externref))", OK_ },
	{ "(import \"h\" \"m1\" (memory 1))", OK_ },
	{ "(import \"h\" \"m1\" (memory 0))", OK_ },
	{ "(import \"h\" \"m1\" (memory 2))", INC },
	{ "(import \"h\" \"m1\" (memory 1 2))", INC },
	{ "(import \"h\" \"m1_2\" (memory 1 2))", OK_ },
	{ "(import \"h\" \"m1_2\" (memory 0 3))", OK_ },
	{ "(import \"h\" \"m1_2\" (memory 1 1))", INC },
	{ "(import \"h\" \"m1_2\" (memory 2 2))", INC },
	{ "(import \"h\" \"g_i\" (global i32))", OK_ },
	{ "(import \"h\" \"g_i\" (global (mut i32)))", INC },
	{ "(import \"h\" \"g_i\" (global i64))", INC },
	{ "(import \"h\" \"g_i\" (global f32))", INC },
	{ "(import \"h\" \"g_mut_i\" (global (mut i32)))", OK_ },
	{ "(import \"h\" \"g_mut_i\" (global i32))", INC },
	{ "(import \"h\" \"g_I\" (global i64))", OK_ },
};

Test(instance, import_matching)
{
	for (size_t i = 0; i < sizeof(link_rows) / sizeof(link_rows[0]); i++) {
		const struct link_row *r = &link_rows[i];
		struct chibi_diag d = { 0 };
		chibi_instance *inst = (chibi_instance *)&d;
		char wat[256];

		snprintf(wat, sizeof(wat), "(module %s)", r->import);
		cr_expect_eq(inst_wat(wat, &inst, &d, NULL), r->err, "%s: got %d (%s)", r->import,
			     d.code, d.msg);
		if (r->err == CHIBI_OK) {
			cr_expect_not_null(inst, "%s", r->import);
		} else {
			cr_expect_null(inst, "%s", r->import);
			cr_expect_eq(strncmp(d.msg, r->msg, strlen(r->msg)), 0, "%s: msg '%s'",
				     r->import, d.msg);
			cr_expect_eq(d.code, r->err);
		}
	}
}

Test(instance, unknown_import_names_the_field)
{
	struct chibi_diag d = { 0 };
	chibi_instance *inst;

	cr_assert_eq(inst_wat("(module (import \"env\" \"fd_write\" (func)))", &inst, &d, NULL),
		     CHIBI_ERR_UNLINKABLE);
	cr_expect(strstr(d.msg, "\"env\".\"fd_write\""), "msg: %s", d.msg);
}

Test(instance, no_linker_means_no_imports)
{
	chibi_module *m = wat_module("(module (import \"h\" \"count\" (func)))");
	chibi_module *m2 = wat_module("(module (func (export \"f\")))");
	chibi_instance *inst;
	struct chibi_diag d;

	cr_assert(m && m2);
	cr_expect_eq(chibi_instance_new(S, m, NULL, &inst, &d, NULL), CHIBI_ERR_UNLINKABLE);
	cr_expect_eq(chibi_instance_new(S, m2, NULL, &inst, &d, NULL), CHIBI_OK);
	cr_expect_not_null(chibi_instance_func(inst, "f"));
	chibi_module_free(m);
	chibi_module_free(m2);
}

Test(instance, grown_memory_satisfies_larger_min)
{
	struct chibi_extern e;
	struct chibi_diag d;
	chibi_instance *inst;

	cr_assert(linker_lookup(L, "h", "m1", &e));
	cr_assert_eq(chibi_memory_grow(e.of.memory, 2), 1);
	cr_expect_eq(inst_wat("(module (import \"h\" \"m1\" (memory 3)))", &inst, &d, NULL),
		     CHIBI_OK, "%s", d.msg);
	cr_assert(linker_lookup(L, "h", "t10", &e));
	cr_assert_eq(table_grow(e.of.table, 5, NULL), 10);
	cr_expect_eq(inst_wat("(module (import \"h\" \"t10\" (table 15 funcref)))", &inst, &d,
			      NULL), CHIBI_OK, "%s", d.msg);
}

Test(instance, elem_trap_keeps_earlier_segments_and_skips_data)
{
	struct chibi_extern t, m;
	struct chibi_diag d = { 0 };
	struct chibi_trap_info ti;
	chibi_instance *inst;
	chibi_val v;

	cr_assert_eq(inst_wat("(module (import \"h\" \"t10\" (table 10 funcref))"
			      " (import \"h\" \"m1\" (memory 1))"
			      " (func $a) (func $b)"
			      " (elem (i32.const 0) $a $b)"
			      " (elem (i32.const 9) $a $b)"
			      " (elem (i32.const 5) $b)"
			      " (data (i32.const 0) \"hello\"))", &inst, &d, &ti), CHIBI_ERR_TRAP);
	cr_expect_null(inst);
	cr_expect_str_eq(d.msg, "out of bounds table access");
	cr_expect_eq(ti.kind, CHIBI_TRAP_TABLE_OOB);
	cr_assert(linker_lookup(L, "h", "t10", &t) && linker_lookup(L, "h", "m1", &m));
	cr_assert(chibi_table_get(t.of.table, 0, &v));
	cr_expect_not_null(v.of.ref, "first segment applied");
	cr_assert(chibi_table_get(t.of.table, 1, &v));
	cr_expect_not_null(v.of.ref);
	cr_assert(chibi_table_get(t.of.table, 9, &v));
	cr_expect_null(v.of.ref, "the trapping segment writes nothing");
	cr_assert(chibi_table_get(t.of.table, 5, &v));
	cr_expect_null(v.of.ref, "segments after the trap are not applied");
	cr_expect_eq(chibi_memory_data(m.of.memory)[0], 0, "data is not applied after an elem trap");
}

Test(instance, data_trap_keeps_earlier_segments)
{
	struct chibi_extern m;
	struct chibi_diag d = { 0 };
	chibi_instance *inst;
	uint8_t *p;

	cr_assert_eq(inst_wat("(module (import \"h\" \"m1\" (memory 1))"
			      " (data (i32.const 0) \"abc\")"
			      " (data (i32.const 65534) \"xyz\")"
			      " (data (i32.const 10) \"zzz\"))", &inst, &d, NULL), CHIBI_ERR_TRAP);
	cr_expect_str_eq(d.msg, "out of bounds memory access");
	cr_assert(linker_lookup(L, "h", "m1", &m));
	p = chibi_memory_data(m.of.memory);
	cr_expect_eq(memcmp(p, "abc", 3), 0);
	cr_expect_eq(p[65534], 0);
	cr_expect_eq(p[10], 0);
}

Test(instance, empty_segments_at_the_end_are_in_bounds)
{
	struct chibi_diag d = { 0 };
	chibi_instance *inst;

	cr_expect_eq(inst_wat("(module (memory 1) (data (i32.const 65536) \"\")"
			      " (table 3 funcref) (elem (i32.const 3) func))", &inst, &d, NULL),
		     CHIBI_OK, "%s", d.msg);
	cr_expect_eq(inst_wat("(module (memory 1) (data (i32.const 65537) \"\"))", &inst, &d,
			      NULL), CHIBI_ERR_TRAP);
	cr_expect_eq(inst_wat("(module (table 3 funcref) (elem (i32.const 4) func))", &inst, &d,
			      NULL), CHIBI_ERR_TRAP);
	cr_expect_str_eq(d.msg, "out of bounds table access");
}

Test(instance, start_host_function_runs_after_segments)
{
	struct chibi_diag d = { 0 };
	struct chibi_trap_info ti;
	chibi_instance *inst;

	cr_expect_eq(inst_wat("(module (import \"h\" \"count\" (func $c)) (start $c))", &inst, &d,
			      NULL), CHIBI_OK, "%s", d.msg);
	cr_expect_eq(calls, 1);
	/* A data trap comes before start: start must not run. */
	cr_expect_eq(inst_wat("(module (import \"h\" \"count\" (func $c)) (memory 0)"
			      " (data (i32.const 1) \"x\") (start $c))", &inst, &d, NULL),
		     CHIBI_ERR_TRAP);
	cr_expect_eq(calls, 1);
	cr_expect_eq(inst_wat("(module (import \"h\" \"fail\" (func $f)) (start $f))", &inst, &d,
			      &ti), CHIBI_ERR_TRAP);
	cr_expect_null(inst);
	cr_expect_str_eq(d.msg, "host error");
	cr_expect_eq(ti.kind, CHIBI_TRAP_HOST);
	cr_expect_str_eq(ti.message, "start failed");
}

Test(instance, start_wasm_sees_data_and_globals)
{
	struct chibi_diag d = { 0 };
	chibi_instance *inst;
	chibi_global *g;

	cr_assert_eq(inst_wat("(module (memory 1) (data (i32.const 8) \"\\2a\")"
			      " (global $g (export \"g\") (mut i32) (i32.const 0))"
			      " (func $s (global.set $g (i32.load8_u (i32.const 8))))"
			      " (start $s))", &inst, &d, NULL), CHIBI_OK, "%s", d.msg);
	g = chibi_instance_global(inst, "g");
	cr_assert_not_null(g);
	cr_expect_eq(chibi_global_get(g).of.i32, 42);
}

Test(instance, global_initialisers)
{
	struct chibi_diag d = { 0 };
	chibi_instance *inst;
	chibi_val v;

	cr_assert_eq(inst_wat("(module (import \"h\" \"g_i\" (global $gi i32))"
			      " (import \"h\" \"f_i_i\" (func $f (param i32) (result i32)))"
			      " (global (export \"copy\") i32 (global.get $gi))"
			      " (global (export \"k64\") i64 (i64.const -5))"
			      " (global (export \"kf\") f32 (f32.const 1.5))"
			      " (global (export \"fr\") funcref (ref.func $f))"
			      " (global (export \"nr\") externref (ref.null extern))"
			      " (export \"f\" (func $f)))", &inst, &d, NULL), CHIBI_OK, "%s", d.msg);
	cr_expect_eq(chibi_global_get(chibi_instance_global(inst, "copy")).of.i32, 42);
	cr_expect_eq(chibi_global_get(chibi_instance_global(inst, "k64")).of.i64, -5);
	v = chibi_global_get(chibi_instance_global(inst, "kf"));
	cr_expect_eq(v.type, CHIBI_F32);
	cr_expect_eq(v.of.f32_bits, 0x3fc00000u);
	v = chibi_global_get(chibi_instance_global(inst, "fr"));
	cr_expect_eq(v.of.ref, chibi_instance_func(inst, "f"), "imported func keeps identity");
	cr_expect_null(chibi_global_get(chibi_instance_global(inst, "nr")).of.ext);
	cr_expect_null(chibi_instance_memory(inst, "copy"), "kind must match");
	cr_expect_null(chibi_instance_global(inst, "missing"));
}

Test(instance, register_shares_memory_and_table)
{
	struct chibi_diag d = { 0 };
	chibi_instance *a, *b;
	chibi_val v;

	cr_assert_eq(inst_wat("(module (memory (export \"mem\") 1) (table (export \"tab\") 2 funcref)"
			      " (func (export \"f\")))", &a, &d, NULL), CHIBI_OK, "%s", d.msg);
	cr_assert_eq(chibi_linker_define_instance(L, "A", a), CHIBI_OK);
	cr_assert_eq(inst_wat("(module (import \"A\" \"mem\" (memory 1))"
			      " (import \"A\" \"tab\" (table 2 funcref))"
			      " (import \"A\" \"f\" (func $f))"
			      " (elem (i32.const 1) $f) (data (i32.const 3) \"Q\"))", &b, &d, NULL),
		     CHIBI_OK, "%s", d.msg);
	cr_expect_eq(chibi_memory_data(chibi_instance_memory(a, "mem"))[3], 'Q');
	cr_assert(chibi_table_get(chibi_instance_table(a, "tab"), 1, &v));
	cr_expect_eq(v.of.ref, chibi_instance_func(a, "f"));
}

Test(instance, cross_store_imports_are_rejected)
{
	chibi_store *s2 = chibi_store_new(NULL);
	chibi_linker *l2 = chibi_linker_new();
	chibi_module *m = wat_module("(module (import \"o\" \"m\" (memory 1)))");
	struct chibi_extern e = { .kind = CHIBI_EXTERN_MEMORY };
	struct chibi_diag d;
	chibi_instance *inst;

	cr_assert(s2 && l2 && m);
	e.of.memory = chibi_memory_new(s2, 1, 0, false);
	cr_assert_eq(chibi_linker_define(l2, "o", "m", e), CHIBI_OK);
	cr_expect_eq(chibi_instance_new(S, m, l2, &inst, &d, NULL), CHIBI_ERR_UNLINKABLE);
	cr_expect_eq(chibi_instance_new(s2, m, l2, &inst, &d, NULL), CHIBI_OK);
	chibi_module_free(m);
	chibi_linker_free(l2);
	chibi_store_free(s2);
}

Test(instance, memory_cap_from_store_config)
{
	struct chibi_config cfg = { .max_memory_pages = 2 };
	chibi_store *s2 = chibi_store_new(&cfg);
	chibi_module *big = wat_module("(module (memory 3))");
	chibi_module *ok = wat_module("(module (memory (export \"m\") 1 5))");
	struct chibi_diag d;
	chibi_instance *inst;

	cr_assert(s2 && big && ok);
	cr_expect_eq(chibi_instance_new(s2, big, NULL, &inst, &d, NULL), CHIBI_ERR_NOMEM);
	cr_assert_eq(chibi_instance_new(s2, ok, NULL, &inst, &d, NULL), CHIBI_OK);
	cr_expect_eq(chibi_memory_grow(chibi_instance_memory(inst, "m"), 1), 1);
	cr_expect_eq(chibi_memory_grow(chibi_instance_memory(inst, "m"), 1), -1);
	chibi_module_free(big);
	chibi_module_free(ok);
	chibi_store_free(s2);
}

Test(instance, func_names_and_passive_segments)
{
	struct chibi_diag d = { 0 };
	chibi_instance *inst;
	struct chibi_instance *in;

	cr_assert_eq(inst_wat("(module (func $first) (func $second (export \"s\"))"
			      " (table 1 funcref)"
			      " (elem $p func $first $second) (elem declare func $first)"
			      " (elem (i32.const 0) $second)"
			      " (memory 1) (data $d \"xy\") (data (i32.const 0) \"z\"))",
			      &inst, &d, NULL), CHIBI_OK, "%s", d.msg);
	cr_expect_str_eq(chibi_instance_func_name(inst, 0), "first");
	cr_expect_null(chibi_instance_func_name(inst, 99));
	in = inst;
	cr_expect_eq(in->elems[0].n, 2, "passive segment kept");
	cr_expect_eq(in->elems[0].refs[1], chibi_instance_func(inst, "s"));
	cr_expect_eq(in->elems[1].n, 0, "declarative segment dropped");
	cr_expect_eq(in->elems[2].n, 0, "active segment dropped");
	cr_expect(!in->data_dropped[0]);
	cr_expect(in->data_dropped[1]);
}
