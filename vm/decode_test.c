/* vm/decode_test.c - unit tests for the binary decoder (vm/decode.c) and module freeing
 * (vm/module.c): table rows of malformed bytes -> error code, message and offset; a rich
 * module covering every section and encoding; the name section; and truncation/mutation
 * sweeps that, run under -fsanitize=address,undefined, prove the error paths free everything.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "module.h"

#define HDR 0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00
#define MAL CHIBI_ERR_MALFORMED

struct drow {
	const char *what;
	uint8_t bytes[48];
	size_t len;
	enum chibi_err err;
	const char *msg;
	size_t offset;
};

#define ROW(w, e, m, off, ...) \
	{ w, { __VA_ARGS__ }, sizeof((uint8_t[]){ __VA_ARGS__ }), e, m, off }

/* Offsets count from the start of the file, so the 8-byte header puts section ids at 8. */
static const struct drow rows[] = {
	ROW("empty", MAL, "unexpected end", 0, 0x00),
	ROW("short magic", MAL, "unexpected end", 3, 0x00, 0x61, 0x73),
	ROW("bad magic", MAL, "magic header not detected", 0, 0x00, 0x41, 0x53, 0x4d, 1, 0, 0, 0),
	ROW("short version", MAL, "unexpected end", 6, 0x00, 0x61, 0x73, 0x6d, 0x01, 0x00),
	ROW("version 2", MAL, "unknown binary version", 4, 0x00, 0x61, 0x73, 0x6d, 2, 0, 0, 0),
	ROW("section id 14", MAL, "malformed section id", 8, HDR, 0x0e, 0x00),
	ROW("section id 0x80", MAL, "malformed section id", 8, HDR, 0x80, 0x00, 0x01, 0x00),
	ROW("missing section size", MAL, "unexpected end", 9, HDR, 0x01),
	ROW("section size past end", MAL, "length out of bounds", 9,
	    HDR, 0x01, 0x07, 0x02, 0x60, 0x00, 0x00),
	ROW("duplicate start", MAL, "unexpected content after last section", 11,
	    HDR, 0x08, 0x01, 0x00, 0x08, 0x01, 0x00),
	ROW("type after code", MAL, "unexpected content after last section", 11,
	    HDR, 0x0a, 0x01, 0x00, 0x01, 0x01, 0x00),
	ROW("datacount after code", MAL, "unexpected content after last section", 11,
	    HDR, 0x0a, 0x01, 0x00, 0x0c, 0x01, 0x00),
	ROW("section size mismatch", MAL, "section size mismatch", 14,
	    HDR, 0x01, 0x05, 0x01, 0x60, 0x00, 0x00, 0x00),
	ROW("type count past end", MAL, "unexpected end of section or function", 11,
	    HDR, 0x01, 0x01, 0x05),
	ROW("bad functype form", MAL, "malformed function type", 11,
	    HDR, 0x01, 0x04, 0x01, 0x61, 0x00, 0x00),
	ROW("functype form as long LEB", MAL, "integer representation too long", 11,
	    HDR, 0x01, 0x05, 0x01, 0xe0, 0x7f, 0x00, 0x00),
	ROW("valtype 0x7a", MAL, "malformed value type", 13,
	    HDR, 0x01, 0x05, 0x01, 0x60, 0x01, 0x7a, 0x00),
	ROW("bad valtype", MAL, "malformed value type", 13,
	    HDR, 0x01, 0x05, 0x01, 0x60, 0x01, 0x50, 0x00),
	ROW("import kind 5", MAL, "malformed import kind", 13,
	    HDR, 0x02, 0x05, 0x01, 0x00, 0x00, 0x05, 0x00),
	ROW("import name bad UTF-8", MAL, "malformed UTF-8 encoding", 11,
	    HDR, 0x02, 0x07, 0x01, 0x02, 0xc0, 0x80, 0x00, 0x00, 0x00),
	ROW("import name surrogate", MAL, "malformed UTF-8 encoding", 11,
	    HDR, 0x02, 0x08, 0x01, 0x03, 0xed, 0xa0, 0x80, 0x00, 0x00, 0x00),
	ROW("import name too long", MAL, "length out of bounds", 11,
	    HDR, 0x02, 0x03, 0x01, 0x09, 0x61),
	ROW("global mutability 2", MAL, "malformed mutability", 12,
	    HDR, 0x06, 0x06, 0x01, 0x7f, 0x02, 0x41, 0x00, 0x0b),
	ROW("global ref.null i32", MAL, "malformed reference type", 14,
	    HDR, 0x06, 0x06, 0x01, 0x6f, 0x00, 0xd0, 0x7f, 0x0b),
	ROW("global init illegal opcode", MAL, "illegal opcode", 13,
	    HDR, 0x06, 0x05, 0x01, 0x7f, 0x00, 0x27, 0x0b),
	ROW("global init unterminated", MAL, "unexpected end", 15,
	    HDR, 0x06, 0x05, 0x01, 0x7f, 0x00, 0x41, 0x00),
	/* Wasm 3.0 limits: a flags byte (bit 0 max, bit 2 64-bit; bit 1, threads' shared,
	 * is not 3.0), u64 bounds */
	ROW("memory limits flag 2", MAL, "malformed limits flags", 11,
	    HDR, 0x05, 0x03, 0x01, 0x02, 0x00),
	ROW("memory limits flag LEB", MAL, "malformed limits flags", 11,
	    HDR, 0x05, 0x04, 0x01, 0x81, 0x00, 0x00),
	ROW("table limits flag 8", MAL, "malformed limits flags", 12,
	    HDR, 0x04, 0x04, 0x01, 0x70, 0x08, 0x00),
	ROW("memory min too large", MAL, "integer too large", 21,
	    HDR, 0x05, 0x0c, 0x01, 0x00, 0x82, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80,
	    0x02),
	ROW("table reftype i32", MAL, "malformed reference type", 11,
	    HDR, 0x04, 0x04, 0x01, 0x7f, 0x00, 0x00),
	ROW("export kind 5", MAL, "malformed export kind", 13,
	    HDR, 0x07, 0x05, 0x01, 0x01, 0x41, 0x05, 0x00),
	ROW("elem flags 8", MAL, "malformed elements segment kind", 11,
	    HDR, 0x09, 0x03, 0x01, 0x08, 0x00),
	ROW("elem kind 1", MAL, "malformed element kind", 12,
	    HDR, 0x09, 0x04, 0x01, 0x01, 0x01, 0x00),
	ROW("elem flags 5 reftype", MAL, "malformed reference type", 12,
	    HDR, 0x09, 0x04, 0x01, 0x05, 0x7f, 0x00),
	ROW("data flags 3", MAL, "malformed data segment kind", 11,
	    HDR, 0x0b, 0x03, 0x01, 0x03, 0x00),
	ROW("data bytes past end", MAL, "unexpected end of section or function", 14,
	    HDR, 0x0b, 0x04, 0x01, 0x01, 0x05, 0x61),
	ROW("datacount without data", MAL,
	    "data count and data section have inconsistent lengths", 11,
	    HDR, 0x0c, 0x01, 0x01),
	ROW("function without code", MAL,
	    "function and code section have inconsistent lengths", 18,
	    HDR, 0x01, 0x04, 0x01, 0x60, 0x00, 0x00, 0x03, 0x02, 0x01, 0x00),
	ROW("code without function", MAL,
	    "function and code section have inconsistent lengths", 10,
	    HDR, 0x0a, 0x04, 0x01, 0x02, 0x00, 0x0b),
	ROW("too many locals", MAL, "too many locals", 21,
	    HDR, 0x01, 0x04, 0x01, 0x60, 0x00, 0x00, 0x03, 0x02, 0x01, 0x00,
	    0x0a, 0x08, 0x01, 0x06, 0x01, 0xd1, 0x86, 0x03, 0x7f, 0x0b),
	ROW("2^32 locals", MAL, "too many locals", 21,
	    HDR, 0x01, 0x04, 0x01, 0x60, 0x00, 0x00, 0x03, 0x02, 0x01, 0x00,
	    0x0a, 0x0c, 0x01, 0x0a, 0x02, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x7f, 0x01, 0x7e, 0x0b),
	ROW("body without end at eof", MAL, "unexpected end of section or function", 24,
	    HDR, 0x01, 0x04, 0x01, 0x60, 0x00, 0x00, 0x03, 0x02, 0x01, 0x00,
	    0x0a, 0x04, 0x01, 0x02, 0x00, 0x01),
	ROW("body without end", MAL, "END opcode expected", 24,
	    HDR, 0x01, 0x04, 0x01, 0x60, 0x00, 0x00, 0x03, 0x02, 0x01, 0x00,
	    0x0a, 0x04, 0x01, 0x02, 0x00, 0x01, 0x00, 0x00),
	ROW("custom section without name", MAL, "unexpected end", 10, HDR, 0x00, 0x00),
	ROW("custom name bad UTF-8", MAL, "malformed UTF-8 encoding", 10,
	    HDR, 0x00, 0x02, 0x01, 0xff),
	ROW("custom name overlong", MAL, "malformed UTF-8 encoding", 10,
	    HDR, 0x00, 0x03, 0x02, 0xc1, 0xbf),
};

Test(decode, error_rows)
{
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const struct drow *r = &rows[i];
		struct module *m = (struct module *)1;
		struct chibi_diag d = { 0 };
		/* "empty" is a one-byte row read as zero bytes. */
		size_t len = strcmp(r->what, "empty") == 0 ? 0 : r->len;
		enum chibi_err err = dec_module(r->bytes, len, &m, &d);

		cr_expect_eq(err, r->err, "%s: err %d want %d (%s)", r->what, err, r->err, d.msg);
		cr_expect_eq(d.code, r->err, "%s", r->what);
		cr_expect_str_eq(d.msg, r->msg, "%s", r->what);
		cr_expect_eq(d.offset, r->offset, "%s: offset %zu want %zu", r->what, d.offset,
			     r->offset);
		cr_expect_null(m, "%s: *out must be NULL on error", r->what);
	}
}

/* ---- a module using every section (built with wat2wasm --debug-names) --------------- */

/*
 * (module $rich
 *   (type $t0 (func (param i32 i64) (result f32)))  (type $t1 (func))
 *   (import "env" "f" (func $imp (type $t1)))       (import "env" "tab" (table 1 10 funcref))
 *   (import "env" "mem" (memory 1 2))               (import "env" "g" (global $gi i32))
 *   (table $tf 2 funcref)  (table $te 0 externref)
 *   (global $g1 (mut i64) (i64.const -5))  (global $g2 funcref (ref.func $f2))
 *   (global $g3 i32 (global.get $gi))
 *   (export "f1" (func $f1))  (export "g1" (global $g1))  (start $f2)
 *   (elem (i32.const 0) $f1)  (elem func $f2)  (elem (table $tf) (i32.const 1) func $f1)
 *   (elem declare func $f3)  (elem (i32.const 0) funcref (ref.null func))
 *   (elem funcref (ref.func $f1) (ref.null func))
 *   (elem (table $tf) (i32.const 0) funcref (ref.func $f2))  (elem declare funcref (ref.func $f3))
 *   (data (i32.const 8) "hi")  (data "passive")  (data (memory 0) (i32.const 16) "x")
 *   (func $f1 (type $t0) (local i32 i32) (local f64) (f32.const 1.5))
 *   (func $f2 (call $imp) (memory.init 1 (i32.const 0) (i32.const 0) (i32.const 0))
 *             (data.drop 1))
 *   (func $f3 (local externref)))
 */
static const uint8_t rich[] = {
	0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x0a, 0x02, 0x60,
	0x02, 0x7f, 0x7e, 0x01, 0x7d, 0x60, 0x00, 0x00, 0x02, 0x2b, 0x04, 0x03,
	0x65, 0x6e, 0x76, 0x01, 0x66, 0x00, 0x01, 0x03, 0x65, 0x6e, 0x76, 0x03,
	0x74, 0x61, 0x62, 0x01, 0x70, 0x01, 0x01, 0x0a, 0x03, 0x65, 0x6e, 0x76,
	0x03, 0x6d, 0x65, 0x6d, 0x02, 0x01, 0x01, 0x02, 0x03, 0x65, 0x6e, 0x76,
	0x01, 0x67, 0x03, 0x7f, 0x00, 0x03, 0x04, 0x03, 0x00, 0x01, 0x01, 0x04,
	0x07, 0x02, 0x70, 0x00, 0x02, 0x6f, 0x00, 0x00, 0x06, 0x10, 0x03, 0x7e,
	0x01, 0x42, 0x7b, 0x0b, 0x70, 0x00, 0xd2, 0x02, 0x0b, 0x7f, 0x00, 0x23,
	0x00, 0x0b, 0x07, 0x0b, 0x02, 0x02, 0x66, 0x31, 0x00, 0x01, 0x02, 0x67,
	0x31, 0x03, 0x01, 0x08, 0x01, 0x02, 0x09, 0x34, 0x08, 0x00, 0x41, 0x00,
	0x0b, 0x01, 0x01, 0x01, 0x00, 0x01, 0x02, 0x02, 0x01, 0x41, 0x01, 0x0b,
	0x00, 0x01, 0x01, 0x03, 0x00, 0x01, 0x03, 0x04, 0x41, 0x00, 0x0b, 0x01,
	0xd0, 0x70, 0x0b, 0x05, 0x70, 0x02, 0xd2, 0x01, 0x0b, 0xd0, 0x70, 0x0b,
	0x02, 0x01, 0x41, 0x00, 0x0b, 0x00, 0x01, 0x02, 0x03, 0x00, 0x01, 0x03,
	0x0c, 0x01, 0x03, 0x0a, 0x24, 0x03, 0x0b, 0x02, 0x02, 0x7f, 0x01, 0x7c,
	0x43, 0x00, 0x00, 0xc0, 0x3f, 0x0b, 0x11, 0x00, 0x10, 0x00, 0x41, 0x00,
	0x41, 0x00, 0x41, 0x00, 0xfc, 0x08, 0x01, 0x00, 0xfc, 0x09, 0x01, 0x0b,
	0x04, 0x01, 0x01, 0x6f, 0x0b, 0x0b, 0x17, 0x03, 0x00, 0x41, 0x08, 0x0b,
	0x02, 0x68, 0x69, 0x01, 0x07, 0x70, 0x61, 0x73, 0x73, 0x69, 0x76, 0x65,
	0x00, 0x41, 0x10, 0x0b, 0x01, 0x78, 0x00, 0x54, 0x04, 0x6e, 0x61, 0x6d,
	0x65, 0x00, 0x05, 0x04, 0x72, 0x69, 0x63, 0x68, 0x01, 0x12, 0x04, 0x00,
	0x03, 0x69, 0x6d, 0x70, 0x01, 0x02, 0x66, 0x31, 0x02, 0x02, 0x66, 0x32,
	0x03, 0x02, 0x66, 0x33, 0x02, 0x09, 0x04, 0x00, 0x00, 0x01, 0x00, 0x02,
	0x00, 0x03, 0x00, 0x04, 0x09, 0x02, 0x00, 0x02, 0x74, 0x30, 0x01, 0x02,
	0x74, 0x31, 0x05, 0x09, 0x02, 0x01, 0x02, 0x74, 0x66, 0x02, 0x02, 0x74,
	0x65, 0x07, 0x11, 0x04, 0x00, 0x02, 0x67, 0x69, 0x01, 0x02, 0x67, 0x31,
	0x02, 0x02, 0x67, 0x32, 0x03, 0x02, 0x67, 0x33

};

Test(decode, rich_module)
{
	struct module *m = NULL;
	struct chibi_diag d = { 0 };
	uint8_t *copy = malloc(sizeof(rich));

	/* Decode from a heap copy that is freed at once: the module must not borrow it. */
	cr_assert_not_null(copy);
	memcpy(copy, rich, sizeof(rich));
	cr_assert_eq(dec_module(copy, sizeof(rich), &m, &d), CHIBI_OK, "%s @%zu", d.msg,
		     d.offset);
	free(copy);
	cr_expect_eq(m->refcount, 1);
	cr_expect_eq(m->len, sizeof(rich));

	cr_assert_eq(m->ntypes, 2);
	cr_expect_eq(m->types[0].nparams, 2);
	cr_expect_eq(m->types[0].params[1], VT_I64);
	cr_expect_eq(m->types[0].nresults, 1);
	cr_expect_eq(m->types[0].results[0], VT_F32);
	cr_expect_eq(m->types[1].nparams + m->types[1].nresults, 0);

	cr_assert_eq(m->nimports, 4);
	cr_expect_str_eq(m->imports[1].module_name, "env");
	cr_expect_str_eq(m->imports[1].field_name, "tab");
	cr_expect_eq(m->nfunc_imports, 1);
	cr_expect_eq(m->ntable_imports, 1);
	cr_expect_eq(m->nmemory_imports, 1);
	cr_expect_eq(m->nglobal_imports, 1);

	cr_assert_eq(m->nfuncs, 3);
	cr_assert_eq(m->nfuncs_total, 4);
	cr_expect_eq(m->func_type_idx[0], 1);
	cr_expect_eq(m->func_type_idx[1], 0);
	cr_expect_eq(m->func_type_idx[3], 1);
	cr_expect_eq(mod_func_type(m, 1)->nparams, 2);

	cr_assert_eq(m->ntables, 3);
	cr_expect_eq(m->tables[0].limits.max, 10);
	cr_expect(m->tables[0].limits.has_max);
	cr_expect_eq(m->tables[1].limits.min, 2);
	cr_expect_not(m->tables[1].limits.has_max);
	cr_expect_eq(m->tables[2].elemtype, VT_EXTERNREF);
	cr_assert_eq(m->nmemories, 1);
	cr_expect_eq(m->memories[0].limits.max, 2);

	cr_assert_eq(m->nglobals, 4);
	cr_expect_eq(m->global_types[0].valtype, VT_I32);
	cr_expect(m->global_types[1].mutable_);
	cr_expect_eq(m->globals[0].init.kind, CE_I64);
	cr_expect_eq(m->globals[0].init.bits, (uint64_t)-5);
	cr_expect_eq(m->globals[1].init.kind, CE_REF_FUNC);
	cr_expect_eq(m->globals[1].init.index, 2);
	cr_expect_eq(m->globals[2].init.kind, CE_GLOBAL_GET);
	cr_expect_eq(m->globals[2].init.error, CEXPR_OK);

	cr_assert_eq(m->nexports, 2);
	cr_expect_str_eq(m->exports[0].name, "f1");
	cr_expect_eq(m->exports[0].name_len, 2);
	cr_expect_eq(m->exports[1].kind, EXT_GLOBAL);
	cr_expect(m->has_start);
	cr_expect_eq(m->start, 2);

	cr_assert_eq(m->nelems, 8);
	cr_expect_eq(m->elems[0].mode, SEG_ACTIVE);
	cr_expect_eq(m->elems[0].offset.kind, CE_I32);
	cr_expect_eq(m->elems[0].items[0].kind, CE_REF_FUNC);
	cr_expect_eq(m->elems[0].items[0].index, 1);
	cr_expect_eq(m->elems[1].mode, SEG_PASSIVE);
	cr_expect_eq(m->elems[2].table_index, 1);
	cr_expect_eq(m->elems[2].offset.bits, 1);
	cr_expect_eq(m->elems[3].mode, SEG_DECLARATIVE);
	cr_expect_eq(m->elems[4].items[0].kind, CE_REF_NULL);
	cr_expect_eq(m->elems[4].items[0].reftype, VT_FUNCREF);
	cr_expect_eq(m->elems[5].nitems, 2);
	cr_expect_eq(m->elems[5].items[0].kind, CE_REF_FUNC);

	cr_expect(m->has_datacount);
	cr_assert_eq(m->ndatas, 3);
	cr_expect_eq(m->datas[0].len, 2);
	cr_expect_eq(memcmp(m->datas[0].bytes, "hi", 2), 0);
	cr_expect_eq(m->datas[1].mode, SEG_PASSIVE);
	cr_expect_eq(m->datas[2].offset.bits, 16);
	/* Segment bytes live in the module's own copy. */
	cr_expect(m->datas[1].bytes > m->bytes && m->datas[1].bytes < m->bytes + m->len);

	cr_expect_eq(m->funcs[0].nlocals, 3);
	cr_expect_eq(m->funcs[0].local_types[1], VT_I32);
	cr_expect_eq(m->funcs[0].local_types[2], VT_F64);
	cr_expect_eq(m->funcs[2].local_types[0], VT_EXTERNREF);
	for (uint32_t i = 0; i < m->nfuncs; i++) {
		const struct func *f = &m->funcs[i];

		cr_expect_eq(f->code[f->code_len - 1], 0x0b);
		cr_expect_eq(f->code, m->bytes + f->code_offset);
	}
	cr_expect_eq(m->funcs[0].code[0], 0x43, "body starts after the locals");

	/* Declared: f1 (export, elems), f2 (global init, elems), f3 (declarative elems). */
	cr_expect_not(m->func_declared[0]);
	cr_expect(m->func_declared[1]);
	cr_expect(m->func_declared[2]);
	cr_expect(m->func_declared[3]);

	cr_expect_str_eq(m->module_name, "rich");
	cr_assert_not_null(m->func_names);
	cr_expect_str_eq(m->func_names[0], "imp");
	cr_expect_str_eq(m->func_names[3], "f3");

	mod_ref(m);
	cr_expect_eq(m->refcount, 2);
	mod_unref(m);
	cr_expect_eq(m->refcount, 1);
	mod_unref(m);
}

/* Fault injection: fail the k-th allocation for every k the decode makes.  Each run must
 * end in a clean CHIBI_ERR_NOMEM with *out == NULL; ASan reports any leak. */
static long fail_countdown;

static bool fail_kth(size_t size)
{
	(void)size;
	return fail_countdown > 0 && --fail_countdown == 0;
}

Test(decode, every_allocation_failure_is_nomem)
{
	long k;

	alloc_set_fail_hook(fail_kth);
	for (k = 1;; k++) {
		struct module *m = (struct module *)1;
		struct chibi_diag d = { 0 };
		enum chibi_err err;

		fail_countdown = k;
		err = dec_module(rich, sizeof(rich), &m, &d);
		if (err == CHIBI_OK) {
			/* k is past the last allocation: the decode has been fully covered. */
			cr_expect_gt(fail_countdown, 0);
			mod_unref(m);
			break;
		}
		cr_expect_eq(err, CHIBI_ERR_NOMEM, "k=%ld: err %d (%s)", k, err, d.msg);
		cr_expect_null(m, "k=%ld", k);
	}
	alloc_set_fail_hook(NULL);
	cr_expect_gt(k, 20, "the rich module makes many allocations");
}

/* Every prefix of a valid module: never a crash, leak or half-built *out (ASan checks). */
Test(decode, truncations_fail_cleanly)
{
	for (size_t n = 0; n < sizeof(rich); n++) {
		struct module *m = NULL;
		struct chibi_diag d = { 0 };
		enum chibi_err err = dec_module(rich, n, &m, &d);

		if (err != CHIBI_OK) {
			cr_expect_null(m);
			cr_expect_eq(d.code, err);
			cr_expect(d.offset <= n, "offset %zu beyond %zu bytes", d.offset, n);
			cr_expect(d.msg[0] != '\0');
		}
		mod_unref(m);
	}
}

/* Every byte replaced by a few interesting values: reaches most error paths mid-module. */
Test(decode, mutations_fail_cleanly)
{
	static const uint8_t vals[] = { 0x00, 0x01, 0x0b, 0x40, 0x7f, 0x80, 0xff };
	uint8_t buf[sizeof(rich)];
	size_t failed = 0;

	for (size_t i = 8; i < sizeof(rich); i++) {
		for (size_t v = 0; v < sizeof(vals); v++) {
			struct module *m = NULL;
			struct chibi_diag d = { 0 };
			enum chibi_err err;

			memcpy(buf, rich, sizeof(rich));
			if (buf[i] == vals[v])
				continue;
			buf[i] = vals[v];
			err = dec_module(buf, sizeof(buf), &m, &d);
			if (err != CHIBI_OK) {
				failed++;
				cr_expect_null(m);
				cr_expect(err == CHIBI_ERR_MALFORMED || err == CHIBI_ERR_UNSUPPORTED,
					  "byte %zu = %#x: err %d", i, vals[v], err);
			}
			mod_unref(m);
		}
	}
	cr_expect_gt(failed, 0);
}

/* ---- element encodings, constant expressions, the name section --------------------- */

static struct module *decode_ok(const uint8_t *b, size_t n)
{
	struct module *m = NULL;
	struct chibi_diag d = { 0 };

	cr_assert_eq(dec_module(b, n, &m, &d), CHIBI_OK, "%s @%zu", d.msg, d.offset);
	return m;
}

Test(decode, elem_flags_6_and_7)
{
	static const uint8_t b[] = {
		HDR,
		0x01, 0x04, 0x01, 0x60, 0x00, 0x00,           /* type () -> () */
		0x03, 0x02, 0x01, 0x00,                       /* one function */
		0x04, 0x07, 0x02, 0x70, 0x00, 0x01, 0x6f, 0x00, 0x01, /* two tables */
		0x09, 0x0e, 0x02,
		0x06, 0x01, 0x41, 0x00, 0x0b, 0x6f, 0x01, 0xd0, 0x6f, 0x0b, /* table 1, externref */
		0x07, 0x70, 0x00,                             /* declarative, no items */
		0x0a, 0x04, 0x01, 0x02, 0x00, 0x0b,
	};
	struct module *m = decode_ok(b, sizeof(b));

	cr_assert_eq(m->nelems, 2);
	cr_expect_eq(m->elems[0].mode, SEG_ACTIVE);
	cr_expect_eq(m->elems[0].table_index, 1);
	cr_expect_eq(m->elems[0].elemtype, VT_EXTERNREF);
	cr_expect_eq(m->elems[0].items[0].kind, CE_REF_NULL);
	cr_expect_eq(m->elems[0].items[0].reftype, VT_EXTERNREF);
	cr_expect_eq(m->elems[1].mode, SEG_DECLARATIVE);
	cr_expect_eq(m->elems[1].nitems, 0);
	cr_expect_null(m->elems[1].items);
	mod_unref(m);
}

Test(decode, cexpr_errors_are_recorded_not_fatal)
{
	static const uint8_t b[] = {
		HDR,
		0x06, 0x17, 0x04,
		0x7f, 0x00, 0x0b,                         /* empty: arity */
		0x7f, 0x00, 0x41, 0x01, 0x41, 0x02, 0x0b, /* two constants: arity */
		0x7f, 0x00, 0x41, 0x01, 0x71, 0x0b,       /* i32.and: not constant */
		0x7f, 0x00, 0x02, 0x40, 0x0b, 0x0b,       /* nested block: not constant */
	};
	struct module *m = decode_ok(b, sizeof(b));

	cr_assert_eq(m->nglobals, 4);
	cr_expect_eq(m->globals[0].init.error, CEXPR_ERR_ARITY);
	cr_expect_eq(m->globals[1].init.error, CEXPR_ERR_ARITY);
	cr_expect_eq(m->globals[2].init.error, CEXPR_ERR_NONCONST);
	cr_expect_eq(m->globals[3].init.error, CEXPR_ERR_NONCONST);
	cr_expect_eq(m->globals[3].init.offset, 29);
	mod_unref(m);
}

Test(decode, extended_cexpr_kept_as_code)
{
	static const uint8_t b[] = {
		HDR,
		0x06, 0x1c, 0x04,
		0x7f, 0x00, 0x41, 0x01, 0x41, 0x02, 0x6a, 0x0b, /* i32.add: CE_EXPR */
		0x7e, 0x00, 0x42, 0x03, 0x7e, 0x0b,             /* i64.mul of one value: arity */
		0x7f, 0x00, 0x41, 0x01, 0x41, 0x02, 0x71, 0x0b, /* i32.and: not constant */
		0x7f, 0x00, 0x41, 0x07, 0x0b,                   /* one instruction: decoded */
	};
	struct module *m = decode_ok(b, sizeof(b));

	cr_assert_eq(m->nglobals, 4);
	cr_expect_eq(m->globals[0].init.error, CEXPR_OK);
	cr_expect_eq(m->globals[0].init.kind, CE_EXPR);
	cr_expect_eq(m->globals[0].init.code_len, 5);
	cr_expect_eq(m->globals[0].init.code[4], 0x6a);
	cr_expect_eq(m->globals[1].init.error, CEXPR_ERR_ARITY);
	cr_expect_eq(m->globals[2].init.error, CEXPR_ERR_NONCONST);
	cr_expect_eq(m->globals[3].init.kind, CE_I32);
	cr_expect_eq(m->globals[3].init.bits, 7);
	mod_unref(m);
}

Test(decode, extended_cexpr_depth_is_limited)
{
	/* CEXPR_MAX_HEIGHT + 1 constants, then as many adds less one: valid arity, too deep */
	enum { N = CEXPR_MAX_HEIGHT + 1 };
	static uint8_t b[8 + 6 + 4 * N + 1];
	size_t n = 0, body = 2 + 2 * N + (N - 1) + 1;
	struct module *m;

	memcpy(b, (const uint8_t[]){ HDR }, 8);
	n = 8;
	b[n++] = 0x06;
	b[n++] = (uint8_t)(0x80 | ((body + 1) & 0x7f));
	b[n++] = (uint8_t)((body + 1) >> 7);
	b[n++] = 0x01;
	b[n++] = 0x7f;
	b[n++] = 0x00;
	for (int i = 0; i < N; i++) {
		b[n++] = 0x41;
		b[n++] = 0x01;
	}
	for (int i = 0; i < N - 1; i++)
		b[n++] = 0x6a;
	b[n++] = 0x0b;
	m = decode_ok(b, n);
	cr_expect_eq(m->globals[0].init.error, CEXPR_ERR_DEEP);
	mod_unref(m);
}

#define NAMED_MODULE(...) \
	HDR, 0x01, 0x04, 0x01, 0x60, 0x00, 0x00, 0x03, 0x03, 0x02, 0x00, 0x00, \
	0x0a, 0x07, 0x02, 0x02, 0x00, 0x0b, 0x02, 0x00, 0x0b, __VA_ARGS__

Test(decode, name_section)
{
	static const uint8_t b[] = { NAMED_MODULE(
		0x00, 0x16, 0x04, 'n', 'a', 'm', 'e',
		0x00, 0x03, 0x02, 'm', 'o',                /* module name "mo" */
		0x01, 0x0a, 0x02, 0x01, 0x01, 'b',         /* func 1 "b" */
		0x00, 0x04, 'a', 'l', 'p', 'h') };          /* func 0 "alph" */
	struct module *m = decode_ok(b, sizeof(b));

	cr_expect_str_eq(m->module_name, "mo");
	cr_assert_not_null(m->func_names);
	cr_expect_str_eq(m->func_names[0], "alph");
	cr_expect_str_eq(m->func_names[1], "b");
	mod_unref(m);
}

Test(decode, malformed_name_section_is_ignored)
{
	static const uint8_t bad_utf8[] = { NAMED_MODULE(
		0x00, 0x0c, 0x04, 'n', 'a', 'm', 'e',
		0x01, 0x05, 0x01, 0x00, 0x02, 0xc0, 0x80) };
	static const uint8_t bad_index[] = { NAMED_MODULE(
		0x00, 0x0b, 0x04, 'n', 'a', 'm', 'e',
		0x01, 0x04, 0x01, 0x07, 0x01, 'x') };
	static const uint8_t bad_size[] = { NAMED_MODULE(
		0x00, 0x0b, 0x04, 'n', 'a', 'm', 'e',
		0x01, 0x09, 0x01, 0x00, 0x01, 'x') };
	const uint8_t *cases[] = { bad_utf8, bad_index, bad_size };
	size_t lens[] = { sizeof(bad_utf8), sizeof(bad_index), sizeof(bad_size) };

	for (size_t i = 0; i < 3; i++) {
		struct module *m = decode_ok(cases[i], lens[i]);

		cr_expect_null(m->func_names, "case %zu", i);
		cr_expect_null(m->module_name, "case %zu", i);
		mod_unref(m);
	}
}

Test(decode, export_name_with_nul_keeps_its_length)
{
	static const uint8_t b[] = {
		HDR, 0x05, 0x03, 0x01, 0x00, 0x00,                /* memory 0 */
		0x07, 0x07, 0x01, 0x03, 'a', 0x00, 'b', 0x02, 0x00, /* export "a\0b" memory 0 */
	};
	struct module *m = decode_ok(b, sizeof(b));

	cr_assert_eq(m->nexports, 1);
	cr_expect_eq(m->exports[0].name_len, 3);
	cr_expect_eq(memcmp(m->exports[0].name, "a\0b", 4), 0);
	mod_unref(m);
}

Test(decode, locals_at_the_cap)
{
	static const uint8_t b[] = {
		HDR, 0x01, 0x04, 0x01, 0x60, 0x00, 0x00, 0x03, 0x02, 0x01, 0x00,
		0x0a, 0x0a, 0x01, 0x08, 0x02, 0xd0, 0x86, 0x03, 0x7f, 0x00, 0x7e, 0x0b,
	};
	struct module *m = decode_ok(b, sizeof(b));

	cr_expect_eq(m->funcs[0].nlocals, 50000);
	cr_expect_eq(m->funcs[0].local_types[49999], VT_I32);
	cr_expect_eq(m->funcs[0].code_len, 1);
	mod_unref(m);
}

Test(decode, empty_module_has_no_arrays)
{
	static const uint8_t b[] = { HDR };
	struct module *m = decode_ok(b, sizeof(b));

	cr_expect_eq(m->nfuncs_total, 0);
	cr_expect_null(m->func_declared);
	cr_expect_null(m->func_names);
	mod_unref(m);
	mod_unref(NULL);
}

/* Offsets inside a module are 32-bit (struct instr), so 4 GiB and more is refused before a
 * byte is read; the taken buffer is freed (LeakSanitizer checks it in the ASan build). */
Test(decode, four_gib_module_is_unsupported)
{
	static const uint8_t hdr[] = { HDR };
	uint8_t *bytes = vm_malloc(sizeof(hdr));
	struct chibi_diag diag = { 0 };
	struct module *m = (struct module *)1;

	cr_assert_not_null(bytes);
	memcpy(bytes, hdr, sizeof(hdr));
	cr_assert_eq(dec_module_take(bytes, (size_t)UINT32_MAX + 1, &m, &diag),
		     CHIBI_ERR_UNSUPPORTED);
	cr_expect_null(m);
	cr_expect_str_eq(diag.msg, "module of 4 GiB or more");
}
