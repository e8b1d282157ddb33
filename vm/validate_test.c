/* vm/validate_test.c - unit tests for the validator (vm/validate.c).
 *
 * Table rows of small modules (bytes from wat2wasm --no-check, the text kept as a comment)
 * with the expected result and message prefix; hand-built modules for cases the text format
 * cannot express; stack maxima; linear-time checks on deep nesting and long br_tables;
 * allocation-failure injection; and the control-flow side table (vm/flow.h).
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "alloc.h"
#include "flow.h"
#include "module.h"

#define BYTES(...) (const uint8_t[]){ __VA_ARGS__ }, sizeof((const uint8_t[]){ __VA_ARGS__ })

struct vrow {
	const char *name;
	enum chibi_err err;
	const char *msg; /* expected message prefix when err != CHIBI_OK */
	const uint8_t *bytes;
	size_t len;
};

static const struct vrow rows[] = {
	/* (module (func (param i32 i32) (result i32) local.get 0 local.get 1 i32.add)) */
	{ "add_ok", CHIBI_OK, "",
	  BYTES(
		0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x07, 0x01, 0x60, 0x02, 0x7f, 0x7f,
		0x01, 0x7f, 0x03, 0x02, 0x01, 0x00, 0x0a, 0x09, 0x01, 0x07, 0x00, 0x20, 0x00, 0x20, 0x01,
		0x6a, 0x0b) },
	/* (module (func (result i32) (block (result i32) (loop (result i32) (block (result i32) (i32.const 1) (i32.const 2) (i32.const 3) (i32.add) (i32.add)))))) */
	{ "nest_ok", CHIBI_OK, "",
	  BYTES(
		0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7f,
		0x03, 0x02, 0x01, 0x00, 0x0a, 0x15, 0x01, 0x13, 0x00, 0x02, 0x7f, 0x03, 0x7f, 0x02, 0x7f,
		0x41, 0x01, 0x41, 0x02, 0x41, 0x03, 0x6a, 0x6a, 0x0b, 0x0b, 0x0b, 0x0b) },
	/* (module (type $t (func (param i32 i64) (result i64 i32))) (func (result i32) (i32.const 1) (i64.const 2) (block (type $t) (param i32 i64) (result i64 i32) (drop) (drop) (i64.const 3) (i32.const 4)) (drop) (drop) (i32.const 5))) */
	{ "multi_ok", CHIBI_OK, "",
	  BYTES(
		0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x0c, 0x02, 0x60, 0x02, 0x7f, 0x7e,
		0x02, 0x7e, 0x7f, 0x60, 0x00, 0x01, 0x7f, 0x03, 0x02, 0x01, 0x01, 0x0a, 0x15, 0x01, 0x13,
		0x00, 0x41, 0x01, 0x42, 0x02, 0x02, 0x00, 0x1a, 0x1a, 0x42, 0x03, 0x41, 0x04, 0x0b, 0x1a,
		0x1a, 0x41, 0x05, 0x0b) },
	/* (module (func (result i32) i32.const 1 i64.const 2 i32.add)) */
	{ "add_mismatch", CHIBI_ERR_INVALID, "type mismatch",
	  BYTES(
		0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7f,
		0x03, 0x02, 0x01, 0x00, 0x0a, 0x09, 0x01, 0x07, 0x00, 0x41, 0x01, 0x42, 0x02, 0x6a, 0x0b) },
	/* (module (func (result i32) unreachable i32.add)) */
	{ "unreachable_ok", CHIBI_OK, "",
	  BYTES(
		0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7f,
		0x03, 0x02, 0x01, 0x00, 0x0a, 0x06, 0x01, 0x04, 0x00, 0x00, 0x6a, 0x0b) },
	/* (module (func (param i32) local.get 1 drop)) */
	{ "unknown_local", CHIBI_ERR_INVALID, "unknown local",
	  BYTES(
		0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x05, 0x01, 0x60, 0x01, 0x7f, 0x00,
		0x03, 0x02, 0x01, 0x00, 0x0a, 0x07, 0x01, 0x05, 0x00, 0x20, 0x01, 0x1a, 0x0b) },
	/* (module (func global.get 0 drop)) */
	{ "unknown_global", CHIBI_ERR_INVALID, "unknown global",
	  BYTES(
		0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x04, 0x01, 0x60, 0x00, 0x00, 0x03,
		0x02, 0x01, 0x00, 0x0a, 0x07, 0x01, 0x05, 0x00, 0x23, 0x00, 0x1a, 0x0b) },
	/* (module (global i32 (i32.const 0)) (func i32.const 1 global.set 0)) */
	{ "global_immutable", CHIBI_ERR_INVALID, "global is immutable",
	  BYTES(
		0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x04, 0x01, 0x60, 0x00, 0x00, 0x03,
		0x02, 0x01, 0x00, 0x06, 0x06, 0x01, 0x7f, 0x00, 0x41, 0x00, 0x0b, 0x0a, 0x08, 0x01, 0x06,
		0x00, 0x41, 0x01, 0x24, 0x00, 0x0b) },
	/* (module (func (result i32) (block (result i32) (block (i32.const 0) (br_table 0 1 (i32.const 1)))))) */
	{ "br_table_arity", CHIBI_ERR_INVALID, "type mismatch",
	  BYTES(
		0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7f,
		0x03, 0x02, 0x01, 0x00, 0x0a, 0x12, 0x01, 0x10, 0x00, 0x02, 0x7f, 0x02, 0x40, 0x41, 0x00,
		0x41, 0x01, 0x0e, 0x01, 0x00, 0x01, 0x0b, 0x0b, 0x0b) },
	/* (module (func (param i32) (result i32) local.get 0 (if (result i32) (then (i32.const 1))) )) */
	{ "if_no_else", CHIBI_ERR_INVALID, "type mismatch",
	  BYTES(
		0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x06, 0x01, 0x60, 0x01, 0x7f, 0x01,
		0x7f, 0x03, 0x02, 0x01, 0x00, 0x0a, 0x0b, 0x01, 0x09, 0x00, 0x20, 0x00, 0x04, 0x7f, 0x41,
		0x01, 0x0b, 0x0b) },
	/* (module (func (param funcref funcref i32) local.get 0 local.get 1 local.get 2 select drop)) */
	{ "select_ref", CHIBI_ERR_INVALID, "type mismatch",
	  BYTES(
		0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x07, 0x01, 0x60, 0x03, 0x70, 0x70,
		0x7f, 0x00, 0x03, 0x02, 0x01, 0x00, 0x0a, 0x0c, 0x01, 0x0a, 0x00, 0x20, 0x00, 0x20, 0x01,
		0x20, 0x02, 0x1b, 0x1a, 0x0b) },
	/* (module (func (param funcref funcref i32) (result funcref) local.get 0 local.get 1 local.get 2 select (result funcref))) */
	{ "select_t_ok", CHIBI_OK, "",
	  BYTES(
		0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x01, 0x60, 0x03, 0x70, 0x70,
		0x7f, 0x01, 0x70, 0x03, 0x02, 0x01, 0x00, 0x0a, 0x0d, 0x01, 0x0b, 0x00, 0x20, 0x00, 0x20,
		0x01, 0x20, 0x02, 0x1c, 0x01, 0x70, 0x0b) },
	/* (module (memory 1) (func (result i32) i32.const 0 i32.load align=8)) */
	{ "align_bad", CHIBI_ERR_INVALID, "alignment must not be larger than natural",
	  BYTES(
		0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7f,
		0x03, 0x02, 0x01, 0x00, 0x05, 0x03, 0x01, 0x00, 0x01, 0x0a, 0x09, 0x01, 0x07, 0x00, 0x41,
		0x00, 0x28, 0x03, 0x00, 0x0b) },
	/* (module (func (result i32) i32.const 0 i32.load)) */
	{ "no_memory", CHIBI_ERR_INVALID, "unknown memory",
	  BYTES(
		0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7f,
		0x03, 0x02, 0x01, 0x00, 0x0a, 0x09, 0x01, 0x07, 0x00, 0x41, 0x00, 0x28, 0x02, 0x00, 0x0b) },
	/* (module (memory 1) (memory 1) (func (i32.store 2 (i32.const 0) (i32.const 0))))
	 * with a memory index 2 in the memarg */
	{ "unknown_memory_2", CHIBI_ERR_INVALID, "unknown memory 2",
	  BYTES(
		0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x04, 0x01, 0x60, 0x00, 0x00,
		0x03, 0x02, 0x01, 0x00, 0x05, 0x05, 0x02, 0x00, 0x01, 0x00, 0x01, 0x0a, 0x0c, 0x01,
		0x0a, 0x00, 0x41, 0x00, 0x41, 0x00, 0x36, 0x42, 0x02, 0x00, 0x0b) },
	/* (module (memory 1) (func (drop (i32.load offset=0x1_0000_0000 (i32.const 0))))) */
	{ "offset_out_of_range", CHIBI_ERR_INVALID, "offset out of range",
	  BYTES(
		0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x04, 0x01, 0x60, 0x00, 0x00,
		0x03, 0x02, 0x01, 0x00, 0x05, 0x03, 0x01, 0x00, 0x01, 0x0a, 0x0e, 0x01, 0x0c, 0x00,
		0x41, 0x00, 0x28, 0x02, 0x80, 0x80, 0x80, 0x80, 0x10, 0x1a, 0x0b) },
	/* (module (memory i64 1) (func (drop (i32.load (i32.const 0))))): the address is i64 */
	{ "memory64_address_i32", CHIBI_ERR_INVALID, "type mismatch",
	  BYTES(
		0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x04, 0x01, 0x60, 0x00, 0x00,
		0x03, 0x02, 0x01, 0x00, 0x05, 0x03, 0x01, 0x04, 0x01, 0x0a, 0x0a, 0x01, 0x08, 0x00,
		0x41, 0x00, 0x28, 0x02, 0x00, 0x1a, 0x0b) },
	/* (module (memory i64 0x2_0000_0000_0001)) */
	{ "memory64_too_big", CHIBI_ERR_INVALID, "memory size must be at most 2^48 pages (256TiB)",
	  BYTES(
		0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x05, 0x0a, 0x01, 0x04, 0x81, 0x80,
		0x80, 0x80, 0x80, 0x80, 0x80, 0x01) },
	/* (module (memory 65537)) */
	{ "mem_too_big", CHIBI_ERR_INVALID, "memory size must be at most 65536 pages (4GiB)",
	  BYTES(
		0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x05, 0x05, 0x01, 0x00, 0x81, 0x80, 0x04) },
	/* (module (memory 2 1)) */
	{ "mem_min_max", CHIBI_ERR_INVALID, "size minimum must not be greater than maximum",
	  BYTES(
		0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x05, 0x04, 0x01, 0x01, 0x02, 0x01) },
	/* (module (func) (export "a" (func 0)) (export "a" (func 0))) */
	{ "dup_export", CHIBI_ERR_INVALID, "duplicate export name",
	  BYTES(
		0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x04, 0x01, 0x60, 0x00, 0x00, 0x03,
		0x02, 0x01, 0x00, 0x07, 0x09, 0x02, 0x01, 0x61, 0x00, 0x00, 0x01, 0x61, 0x00, 0x00, 0x0a,
		0x04, 0x01, 0x02, 0x00, 0x0b) },
	/* (module (func (result funcref) ref.func 0)) */
	{ "ref_func_undeclared", CHIBI_ERR_INVALID, "undeclared function reference",
	  BYTES(
		0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x70,
		0x03, 0x02, 0x01, 0x00, 0x0a, 0x06, 0x01, 0x04, 0x00, 0xd2, 0x00, 0x0b) },
	/* (module (func (result funcref) ref.func 0) (elem declare func 0)) */
	{ "ref_func_declared", CHIBI_OK, "",
	  BYTES(
		0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x70,
		0x03, 0x02, 0x01, 0x00, 0x09, 0x05, 0x01, 0x03, 0x00, 0x01, 0x00, 0x0a, 0x06, 0x01, 0x04,
		0x00, 0xd2, 0x00, 0x0b) },
	/* (module (func (block br 2))) */
	{ "unknown_label", CHIBI_ERR_INVALID, "unknown label",
	  BYTES(
		0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x04, 0x01, 0x60, 0x00, 0x00, 0x03,
		0x02, 0x01, 0x00, 0x0a, 0x09, 0x01, 0x07, 0x00, 0x02, 0x40, 0x0c, 0x02, 0x0b, 0x0b) },
	/* (module (table 1 externref) (type $t (func)) (func i32.const 0 call_indirect (type $t))) */
	{ "call_indirect_extern", CHIBI_ERR_INVALID, "type mismatch",
	  BYTES(
		0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x04, 0x01, 0x60, 0x00, 0x00, 0x03,
		0x02, 0x01, 0x00, 0x04, 0x04, 0x01, 0x6f, 0x00, 0x01, 0x0a, 0x09, 0x01, 0x07, 0x00, 0x41,
		0x00, 0x11, 0x00, 0x00, 0x0b) },
	/* (module (func (param i32)) (start 0)) */
	{ "start_bad", CHIBI_ERR_INVALID, "start function",
	  BYTES(
		0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x05, 0x01, 0x60, 0x01, 0x7f, 0x00,
		0x03, 0x02, 0x01, 0x00, 0x08, 0x01, 0x00, 0x0a, 0x04, 0x01, 0x02, 0x00, 0x0b) },
	/* (module (table 1 funcref) (table 1 externref) (func i32.const 0 i32.const 0 i32.const 0 table.copy 0 1)) */
	{ "table_copy_mismatch", CHIBI_ERR_INVALID, "type mismatch",
	  BYTES(
		0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x04, 0x01, 0x60, 0x00, 0x00, 0x03,
		0x02, 0x01, 0x00, 0x04, 0x07, 0x02, 0x70, 0x00, 0x01, 0x6f, 0x00, 0x01, 0x0a, 0x0e, 0x01,
		0x0c, 0x00, 0x41, 0x00, 0x41, 0x00, 0x41, 0x00, 0xfc, 0x0e, 0x00, 0x01, 0x0b) },
	/* (module (global (import "a" "b") (mut i32)) (global i32 (global.get 0))) */
	{ "global_init_mut_import", CHIBI_ERR_INVALID, "constant expression required",
	  BYTES(
		0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x02, 0x08, 0x01, 0x01, 0x61, 0x01, 0x62,
		0x03, 0x7f, 0x01, 0x06, 0x06, 0x01, 0x7f, 0x00, 0x23, 0x00, 0x0b) },
	/* (module (global i32 (global.get 1)) (global i32 (i32.const 0))): Wasm 3.0 lets an
	 * initialiser read the defined globals before it, not after (the 2.0 rule, imports
	 * only, is features_test.c's) */
	{ "global_init_later", CHIBI_ERR_INVALID, "unknown global",
	  BYTES(
		0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x06, 0x0b, 0x02, 0x7f, 0x00, 0x23, 0x01,
		0x0b, 0x7f, 0x00, 0x41, 0x00, 0x0b) },
	/* (module (global i32 (i32.const 0)) (global i32 (global.get 0))) */
	{ "global_init_earlier_ok", CHIBI_OK, "",
	  BYTES(
		0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x06, 0x0b, 0x02, 0x7f, 0x00, 0x41, 0x00,
		0x0b, 0x7f, 0x00, 0x23, 0x00, 0x0b) },
	/* (module (global (import "a" "b") i32) (global i32 (global.get 0))) */
	{ "global_init_import_ok", CHIBI_OK, "",
	  BYTES(
		0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x02, 0x08, 0x01, 0x01, 0x61, 0x01, 0x62,
		0x03, 0x7f, 0x00, 0x06, 0x06, 0x01, 0x7f, 0x00, 0x23, 0x00, 0x0b) },
	/* (module (table 1 funcref) (elem (table 0) (i32.const 0) externref (ref.null extern))) */
	{ "elem_type_mismatch", CHIBI_ERR_INVALID, "type mismatch",
	  BYTES(
		0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x04, 0x04, 0x01, 0x70, 0x00, 0x01, 0x09,
		0x0b, 0x01, 0x06, 0x00, 0x41, 0x00, 0x0b, 0x6f, 0x01, 0xd0, 0x6f, 0x0b) },
	/* (module (data (i32.const 0) "a")) */
	{ "data_unknown_mem", CHIBI_ERR_INVALID, "unknown memory",
	  BYTES(
		0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x0b, 0x07, 0x01, 0x00, 0x41, 0x00, 0x0b,
		0x01, 0x61) },
};

/* Decode (must succeed) then validate; the caller releases the module. */
static enum chibi_err load(const uint8_t *bytes, size_t len, struct module **out,
			   struct chibi_diag *diag)
{
	enum chibi_err err = dec_module(bytes, len, out, diag);

	cr_assert_eq(err, CHIBI_OK, "decode failed: %s", diag->msg);
	return val_module(*out, diag);
}

Test(validate, table_rows)
{
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const struct vrow *r = &rows[i];
		struct chibi_diag diag = { 0 };
		struct module *m = NULL;
		enum chibi_err err = load(r->bytes, r->len, &m, &diag);

		cr_expect_eq(err, r->err, "%s: got %d (%s)", r->name, err, diag.msg);
		if (r->err != CHIBI_OK)
			cr_expect(strncmp(diag.msg, r->msg, strlen(r->msg)) == 0,
				  "%s: message '%s', want '%s'", r->name, diag.msg, r->msg);
		mod_unref(m);
	}
}

static const struct vrow *find_row(const char *name)
{
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		if (strcmp(rows[i].name, name) == 0)
			return &rows[i];
	cr_assert_fail("no row %s", name);
	return NULL;
}

Test(validate, stack_maxima)
{
	static const struct { const char *name; uint32_t max_stack; } want[] = {
		{ "add_ok", 2 },       /* two operands */
		{ "nest_ok", 3 },      /* three constants inside block/loop/block */
		{ "multi_ok", 2 },     /* block params re-pushed, not counted twice */
	};

	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		const struct vrow *r = find_row(want[i].name);
		struct chibi_diag diag = { 0 };
		struct module *m = NULL;

		cr_assert_eq(load(r->bytes, r->len, &m, &diag), CHIBI_OK, "%s", diag.msg);
		cr_expect_eq(m->funcs[0].max_stack, want[i].max_stack, "%s: max_stack %u",
			     want[i].name, m->funcs[0].max_stack);
		mod_unref(m);
	}
}

/* The diagnostic offset is the offending instruction's byte offset in the module. */
Test(validate, offset_of_instruction)
{
	const struct vrow *r = find_row("add_mismatch");
	struct chibi_diag diag = { 0 };
	struct module *m = NULL;

	cr_assert_eq(load(r->bytes, r->len, &m, &diag), CHIBI_ERR_INVALID);
	cr_assert_lt(diag.offset, r->len);
	cr_expect_eq(r->bytes[diag.offset], 0x6a, "offset %zu is not the i32.add", diag.offset);
	mod_unref(m);
}

/* ---- hand-built modules ------------------------------------------------------------- */

struct buf {
	uint8_t *p;
	size_t n, cap;
};

static void put(struct buf *b, uint8_t x)
{
	if (b->n == b->cap) {
		b->cap = b->cap ? 2 * b->cap : 256;
		b->p = realloc(b->p, b->cap);
		cr_assert_not_null(b->p);
	}
	b->p[b->n++] = x;
}

static void put_u32(struct buf *b, uint32_t v)
{
	do {
		uint8_t x = v & 0x7f;

		v >>= 7;
		put(b, v ? x | 0x80 : x);
	} while (v);
}

static void put_buf(struct buf *b, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		put(b, p[i]);
}

static void put_section(struct buf *mod, uint8_t id, const struct buf *content)
{
	put(mod, id);
	put_u32(mod, (uint32_t)content->n);
	put_buf(mod, content->p, content->n);
}

enum { WITH_MEMORY = 1, WITH_DATA = 2 };

/*
 * A module with the given type section payload, one function of type 0 whose body is
 * `code` (instructions including the final end, no locals), optionally a memory and one
 * empty passive data segment (without a data count section).
 */
static struct buf one_func(const struct buf *types, const struct buf *code, int with)
{
	struct buf mod = { 0 }, sec = { 0 }, body = { 0 };
	static const uint8_t header[] = { 0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00 };

	put_buf(&mod, header, sizeof(header));
	put_section(&mod, 1, types);
	put(&sec, 1);
	put(&sec, 0);
	put_section(&mod, 3, &sec);
	if (with & WITH_MEMORY) {
		sec.n = 0;
		put_buf(&sec, (const uint8_t[]){ 1, 0, 1 }, 3);
		put_section(&mod, 5, &sec);
	}
	sec.n = 0;
	put(&body, 0); /* no locals */
	put_buf(&body, code->p, code->n);
	put(&sec, 1);
	put_u32(&sec, (uint32_t)body.n);
	put_buf(&sec, body.p, body.n);
	put_section(&mod, 10, &sec);
	if (with & WITH_DATA) {
		sec.n = 0;
		put_buf(&sec, (const uint8_t[]){ 1, 1, 0 }, 3); /* one passive, empty */
		put_section(&mod, 11, &sec);
	}
	free(sec.p);
	free(body.p);
	return mod;
}

static enum chibi_err check_code(const uint8_t *types, size_t ntypes, const uint8_t *code,
				 size_t ncode, int with, struct chibi_diag *diag)
{
	struct buf t = { 0 }, c = { 0 }, mod;
	struct module *m = NULL;
	enum chibi_err err;

	put_buf(&t, types, ntypes);
	put_buf(&c, code, ncode);
	mod = one_func(&t, &c, with);
	err = dec_module(mod.p, mod.n, &m, diag);
	if (err == CHIBI_OK)
		err = val_module(m, diag);
	mod_unref(m);
	free(t.p);
	free(c.p);
	free(mod.p);
	return err;
}

/* A v128.const (0 1 2 ... 15) for the SIMD rows. */
#define VCONST_K 0xfd, 0x0c, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15

/* Type section payloads: one type [] -> [] / [] -> [i32]. */
static const uint8_t t_void[] = { 1, 0x60, 0, 0 };
static const uint8_t t_i32[] = { 1, 0x60, 0, 1, 0x7f };

struct crow {
	const char *what;
	const uint8_t *types;
	size_t ntypes;
	const uint8_t *code;
	size_t ncode;
	int with; /* WITH_* */
	enum chibi_err err;
	const char *msg;
};

#define CODE(...) (const uint8_t[]){ __VA_ARGS__ }, sizeof((const uint8_t[]){ __VA_ARGS__ })
#define INV CHIBI_ERR_INVALID
#define MAL CHIBI_ERR_MALFORMED

static const struct crow code_rows[] = {
	{ "select t with two types", t_void, sizeof(t_void),
	  CODE(0x41, 0, 0x41, 0, 0x41, 0, 0x1c, 2, 0x7f, 0x7f, 0x1a, 0x0b), 0,
	  INV, "invalid result arity" },
	{ "select t with no type", t_void, sizeof(t_void),
	  CODE(0x41, 0, 0x41, 0, 0x41, 0, 0x1c, 0, 0x1a, 0x0b), 0,
	  INV, "invalid result arity" },
	{ "missing function end, last in module", t_void, sizeof(t_void),
	  CODE(0x01), 0, MAL, "unexpected end" },
	{ "else inside block", t_void, sizeof(t_void),
	  CODE(0x02, 0x40, 0x05, 0x0b, 0x0b), 0, MAL, "END opcode expected" },
	{ "else at function level", t_void, sizeof(t_void),
	  CODE(0x05, 0x0b), 0, MAL, "END opcode expected" },
	{ "second else", t_void, sizeof(t_void),
	  CODE(0x41, 0, 0x04, 0x40, 0x05, 0x05, 0x0b, 0x0b), 0, MAL, "END opcode expected" },
	{ "bytes after the function end", t_void, sizeof(t_void),
	  CODE(0x0b, 0x0b), 0, MAL, "section size mismatch" },
	{ "data.drop without data count", t_void, sizeof(t_void),
	  CODE(0xfc, 0x09, 0x00, 0x0b), WITH_MEMORY | WITH_DATA,
	  MAL, "data count section required" },
	{ "memory.init without data count", t_void, sizeof(t_void),
	  CODE(0x41, 0, 0x41, 0, 0x41, 0, 0xfc, 0x08, 0x00, 0x00, 0x0b), WITH_MEMORY | WITH_DATA,
	  MAL, "data count section required" },
	/* Without the segment the text-format tests expect a validation error instead. */
	{ "data.drop of a missing segment", t_void, sizeof(t_void),
	  CODE(0xfc, 0x09, 0x00, 0x0b), WITH_MEMORY, INV, "unknown data segment 0" },
	{ "memory.init without memory", t_void, sizeof(t_void),
	  CODE(0x41, 0, 0x41, 0, 0x41, 0, 0xfc, 0x08, 0x00, 0x00, 0x0b), WITH_DATA,
	  INV, "unknown memory 0" },
	{ "malformed beats invalid", t_void, sizeof(t_void),
	  CODE(0x6a, 0xff, 0x0b), 0, MAL, "illegal opcode" },
	{ "unknown block type", t_void, sizeof(t_void),
	  CODE(0x02, 0x05, 0x0b, 0x0b), 0, INV, "unknown type" },
	{ "if without else, equal param/result ok", (const uint8_t[]){ 1, 0x60, 1, 0x7f, 1, 0x7f },
	  6, CODE(0x41, 1, 0x41, 2, 0x04, 0x00, 0x0b, 0x0b), 0, CHIBI_OK, "" },
	{ "br_if keeps label types", t_i32, sizeof(t_i32),
	  CODE(0x02, 0x7f, 0x41, 1, 0x41, 1, 0x0d, 0, 0x0b, 0x0b), 0, CHIBI_OK, "" },
	{ "br_table polymorphic after unreachable", t_i32, sizeof(t_i32),
	  CODE(0x02, 0x7f, 0x00, 0x0e, 1, 0, 1, 0x0b, 0x0b), 0, CHIBI_OK, "" },
	{ "ref.is_null on i32", t_void, sizeof(t_void),
	  CODE(0x41, 0, 0xd1, 0x1a, 0x0b), 0, INV, "type mismatch" },
	{ "select on unknowns ok", t_i32, sizeof(t_i32),
	  CODE(0x00, 0x1b, 0x0b), 0, CHIBI_OK, "" },
	{ "memory.fill without memory", t_void, sizeof(t_void),
	  CODE(0x41, 0, 0x41, 0, 0x41, 0, 0xfc, 0x0b, 0x00, 0x0b), 0, INV, "unknown memory" },
	{ "elem.drop unknown", t_void, sizeof(t_void),
	  CODE(0xfc, 0x0d, 0x00, 0x0b), 0, INV, "unknown elem segment 0" },
	{ "call unknown", t_void, sizeof(t_void),
	  CODE(0x10, 0x05, 0x0b), 0, INV, "unknown function 5" },
	{ "result left on stack", t_void, sizeof(t_void),
	  CODE(0x41, 0, 0x0b), 0, INV, "type mismatch" },
	/* SIMD (VCONST_K pushes a v128.const) */
	{ "v128.const dropped", t_void, sizeof(t_void), CODE(VCONST_K, 0x1a, 0x0b), 0, CHIBI_OK, "" },
	{ "i8x16.extract_lane_u lane 15", t_i32, sizeof(t_i32),
	  CODE(VCONST_K, 0xfd, 0x16, 15, 0x0b), 0, CHIBI_OK, "" },
	{ "i8x16.extract_lane_s lane 16", t_i32, sizeof(t_i32),
	  CODE(VCONST_K, 0xfd, 0x15, 16, 0x0b), 0, INV, "invalid lane index" },
	{ "i64x2.replace_lane lane 2", t_void, sizeof(t_void),
	  CODE(VCONST_K, 0x42, 0, 0xfd, 0x1e, 2, 0x1a, 0x0b), 0, INV, "invalid lane index" },
	{ "f32x4.extract_lane lane 4", t_void, sizeof(t_void),
	  CODE(VCONST_K, 0xfd, 0x1f, 4, 0x1a, 0x0b), 0, INV, "invalid lane index" },
	{ "i8x16.shuffle lane 31 ok", t_void, sizeof(t_void),
	  CODE(VCONST_K, VCONST_K, 0xfd, 0x0d, 31, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x1a, 0x0b), 0,
	  CHIBI_OK, "" },
	{ "i8x16.shuffle lane 32", t_void, sizeof(t_void),
	  CODE(VCONST_K, VCONST_K, 0xfd, 0x0d, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 32, 0x1a, 0x0b), 0,
	  INV, "invalid lane index" },
	{ "v128.load align 16 ok", t_void, sizeof(t_void),
	  CODE(0x41, 0, 0xfd, 0x00, 4, 0, 0x1a, 0x0b), WITH_MEMORY, CHIBI_OK, "" },
	{ "v128.load align 32", t_void, sizeof(t_void),
	  CODE(0x41, 0, 0xfd, 0x00, 5, 0, 0x1a, 0x0b), WITH_MEMORY,
	  INV, "alignment must not be larger than natural" },
	{ "v128.load8_splat align 2", t_void, sizeof(t_void),
	  CODE(0x41, 0, 0xfd, 0x07, 1, 0, 0x1a, 0x0b), WITH_MEMORY,
	  INV, "alignment must not be larger than natural" },
	{ "v128.load without memory", t_void, sizeof(t_void),
	  CODE(0x41, 0, 0xfd, 0x00, 0, 0, 0x1a, 0x0b), 0, INV, "unknown memory 0" },
	{ "v128.load16_lane lane 7 ok", t_void, sizeof(t_void),
	  CODE(0x41, 0, VCONST_K, 0xfd, 0x55, 1, 0, 7, 0x1a, 0x0b), WITH_MEMORY, CHIBI_OK, "" },
	{ "v128.load16_lane lane 8", t_void, sizeof(t_void),
	  CODE(0x41, 0, VCONST_K, 0xfd, 0x55, 1, 0, 8, 0x1a, 0x0b), WITH_MEMORY,
	  INV, "invalid lane index" },
	{ "v128.store64_lane align 16", t_void, sizeof(t_void),
	  CODE(0x41, 0, VCONST_K, 0xfd, 0x5b, 4, 0, 0, 0x0b), WITH_MEMORY,
	  INV, "alignment must not be larger than natural" },
	{ "i32x4.add of i32", t_void, sizeof(t_void),
	  CODE(0x41, 0, 0x41, 0, 0xfd, 0xae, 0x01, 0x1a, 0x0b), 0, INV, "type mismatch" },
	{ "i8x16.shl count is i32", t_void, sizeof(t_void),
	  CODE(VCONST_K, VCONST_K, 0xfd, 0x6b, 0x1a, 0x0b), 0, INV, "type mismatch" },
	{ "untyped select of v128", t_void, sizeof(t_void),
	  CODE(VCONST_K, VCONST_K, 0x41, 1, 0x1b, 0x1a, 0x0b), 0, CHIBI_OK, "" },
	{ "block returning v128", t_void, sizeof(t_void),
	  CODE(0x02, 0x7b, VCONST_K, 0x0b, 0xfd, 0x53, 0x1a, 0x0b), 0, CHIBI_OK, "" },
	{ "relaxed_laneselect", t_void, sizeof(t_void),
	  CODE(VCONST_K, VCONST_K, VCONST_K, 0xfd, 0x89, 0x02, 0x1a, 0x0b), 0, CHIBI_OK, "" },
};

Test(validate, code_rows)
{
	for (size_t i = 0; i < sizeof(code_rows) / sizeof(code_rows[0]); i++) {
		const struct crow *r = &code_rows[i];
		struct chibi_diag diag = { 0 };
		enum chibi_err err = check_code(r->types, r->ntypes, r->code, r->ncode, r->with,
						&diag);

		cr_expect_eq(err, r->err, "%s: got %d (%s)", r->what, err, diag.msg);
		if (r->err != CHIBI_OK)
			cr_expect(strncmp(diag.msg, r->msg, strlen(r->msg)) == 0,
				  "%s: message '%s', want '%s'", r->what, diag.msg, r->msg);
	}
}

/*
 * Deep nesting and a long br_table must stay linear: N nested blocks of a K-result type,
 * unreachable, a br_table of L labels spread over all depths, then the ends.  Quadratic behaviour
 * (N*L or L*K) would take minutes; linear takes milliseconds.  The deadline is alarm(), not
 * Criterion's .timeout, whose watchdog thread can deadlock Criterion 2.4.1's runner (see
 * "Criterion's timeouts" in docs/RATIONALE.md): SIGALRM ends this test as a crash.
 */
Test(validate, linear_on_deep_nesting_and_long_br_table)
{
	const uint32_t N = 20000, L = 400000, K = 200;
	struct buf types = { 0 }, code = { 0 }, mod;
	struct chibi_diag diag = { 0 };
	struct module *m = NULL;
	clock_t t0;

	alarm(30);

	put(&types, 1);
	put(&types, 0x60);
	put(&types, 0);
	put_u32(&types, K);
	for (uint32_t i = 0; i < K; i++)
		put(&types, 0x7f);
	for (uint32_t i = 0; i < N; i++) {
		put(&code, 0x02);
		put(&code, 0x00); /* block (type 0) */
	}
	put(&code, 0x00); /* unreachable: the K label values are polymorphic */
	put(&code, 0x41);
	put(&code, 0x00);
	put(&code, 0x0e);
	put_u32(&code, L);
	for (uint32_t i = 0; i < L; i++)
		put_u32(&code, (i * 7919u) % N);
	put_u32(&code, N - 1);
	for (uint32_t i = 0; i <= N; i++)
		put(&code, 0x0b);
	mod = one_func(&types, &code, 0);
	cr_assert_eq(dec_module(mod.p, mod.n, &m, &diag), CHIBI_OK, "%s", diag.msg);
	t0 = clock();
	cr_expect_eq(val_module(m, &diag), CHIBI_OK, "%s", diag.msg);
	cr_expect_lt((double)(clock() - t0) / CLOCKS_PER_SEC, 2.0, "validation too slow");
	cr_expect_eq(m->funcs[0].flow.nblocks, N); /* every nested block is reachable */
	cr_expect_eq(m->funcs[0].max_stack, K); /* each end re-pushes K results */
	mod_unref(m);
	free(types.p);
	free(code.p);
	free(mod.p);
}

/* Allocation failures inside val_module give CHIBI_ERR_NOMEM, never a crash or leak. */
static int fail_countdown;

static bool fail_kth(size_t size)
{
	(void)size;
	return --fail_countdown == 0;
}

Test(validate, nomem_injection)
{
	const struct vrow *r = find_row("dup_export"); /* exports allocate too */
	const struct vrow *r2 = find_row("nest_ok");
	const struct vrow *list[] = { r, r2 };

	for (size_t j = 0; j < 2; j++) {
		enum chibi_err err = CHIBI_ERR_NOMEM;

		for (int k = 1; err == CHIBI_ERR_NOMEM && k < 100; k++) {
			struct chibi_diag diag = { 0 };
			struct module *m = NULL;

			cr_assert_eq(dec_module(list[j]->bytes, list[j]->len, &m, &diag), CHIBI_OK);
			fail_countdown = k;
			alloc_set_fail_hook(fail_kth);
			err = val_module(m, &diag);
			alloc_set_fail_hook(NULL);
			if (err == CHIBI_ERR_NOMEM)
				cr_expect_eq(diag.code, CHIBI_ERR_NOMEM);
			mod_unref(m);
		}
		cr_expect_eq(err, list[j]->err, "%s: ended with %d", list[j]->name, err);
	}
}

/* ---- the control-flow side table (vm/flow.h) ------------------------------------------ */

struct flow_want {
	uint32_t nblocks, ntargets, ndead;
	struct { uint8_t kind; uint32_t parent, height, else_at, end_at; } blocks[4];
	uint32_t targets[4];
	struct flow_dead dead[4];
};

/* Validate one function of type 0 with `body` (instructions, positions from 0) and compare
 * its side table with `want`. */
static void check_flow(const char *name, const uint8_t *types, size_t ntypes,
		       const uint8_t *body, size_t len, const struct flow_want *want)
{
	struct buf t = { 0 }, code = { 0 }, mod;
	struct chibi_diag diag = { 0 };
	struct module *m = NULL;
	const struct flow *fl;
	struct flow_cursor c;

	put_buf(&t, types, ntypes);
	put_buf(&code, body, len);
	mod = one_func(&t, &code, 0);
	cr_assert_eq(load(mod.p, mod.n, &m, &diag), CHIBI_OK, "%s: %s", name, diag.msg);
	fl = &m->funcs[0].flow;
	cr_assert_eq(fl->nblocks, want->nblocks, "%s: %u blocks", name, fl->nblocks);
	cr_assert_eq(fl->ntargets, want->ntargets, "%s: %u targets", name, fl->ntargets);
	cr_assert_eq(fl->ndead, want->ndead, "%s: %u dead stretches", name, fl->ndead);
	for (uint32_t i = 0; i < fl->nblocks; i++) {
		const struct flow_block *b = flow_get(fl, i + 1);

		cr_expect_eq(b->kind, want->blocks[i].kind, "%s: block %u kind %u", name, i, b->kind);
		cr_expect_eq(b->parent, want->blocks[i].parent, "%s: block %u parent %u", name, i,
			     b->parent);
		cr_expect_eq(b->height, want->blocks[i].height, "%s: block %u height %u", name, i,
			     b->height);
		cr_expect_eq(b->else_at, want->blocks[i].else_at, "%s: block %u else at %u", name, i,
			     b->else_at);
		cr_expect_eq(b->end_at, want->blocks[i].end_at, "%s: block %u end at %u", name, i,
			     b->end_at);
	}
	flow_begin(&c, fl);
	for (uint32_t i = 0; i < fl->ntargets; i++) {
		uint32_t got = flow_target(&c);

		cr_expect_eq(got, want->targets[i], "%s: target %u is %u", name, i, got);
	}
	for (uint32_t i = 0; i < fl->ndead; i++)
		cr_expect(fl->dead[i].start == want->dead[i].start &&
			  fl->dead[i].resume == want->dead[i].resume,
			  "%s: dead %u is [%u, %u)", name, i, fl->dead[i].start, fl->dead[i].resume);
	mod_unref(m);
	free(t.p);
	free(code.p);
	free(mod.p);
}

#define VOID_TYPE BYTES(1, 0x60, 0, 0)

Test(flow, nesting_targets_and_dead_after_branches)
{
	/* 0 block  2 loop  4 br 1  6 end  7 end  8 end: the loop's end is only reached over
	 * dead code, so is the code after it (a loop's label is its start); the block's end is
	 * a branch target, so what follows it is live again. */
	check_flow("block_loop_br", VOID_TYPE,
		   BYTES(0x02, 0x40, 0x03, 0x40, 0x0c, 0x01, 0x0b, 0x0b, 0x0b),
		   &(struct flow_want){
			   .nblocks = 2, .ntargets = 1, .ndead = 2,
			   .blocks = { { FLOW_BLOCK, 0, 0, 0, 7 }, { FLOW_LOOP, 1, 0, 0, 6 } },
			   .targets = { 1 },
			   .dead = { { 6, 6 }, { 7, 7 } },
		   });
}

Test(flow, dead_code_hides_its_blocks_and_branches)
{
	/* 0 block  2 br 0  4 block  6 br 1  8 end  9 i32.const 1  11 drop  12 end  13 end:
	 * everything from 4 to the outer end is one dead stretch; the inner block and its
	 * branch get no entries. */
	check_flow("dead_nested", VOID_TYPE,
		   BYTES(0x02, 0x40, 0x0c, 0x00, 0x02, 0x40, 0x0c, 0x01, 0x0b, 0x41, 0x01, 0x1a,
			 0x0b, 0x0b),
		   &(struct flow_want){
			   .nblocks = 1, .ntargets = 1, .ndead = 1,
			   .blocks = { { FLOW_BLOCK, 0, 0, 0, 12 } },
			   .targets = { 1 },
			   .dead = { { 4, 12 } },
		   });
}

Test(flow, if_else_and_unreached_end)
{
	/* 0 i32.const 1  2 if  4 unreachable  5 else  6 end  7 end: the then-arm ends dead, the
	 * else arm is live, so is the code after the end. */
	check_flow("if_else", VOID_TYPE,
		   BYTES(0x41, 0x01, 0x04, 0x40, 0x00, 0x05, 0x0b, 0x0b),
		   &(struct flow_want){
			   .nblocks = 1, .ntargets = 0, .ndead = 1,
			   .blocks = { { FLOW_IF, 0, 0, 5, 6 } },
			   .dead = { { 5, 5 } },
		   });
	/* 0 block  2 unreachable  3 end  4 nop  5 end: nothing reaches the block's end, so the
	 * nop is dead too (a second stretch, closed by the function's end). */
	check_flow("unreached_end", VOID_TYPE,
		   BYTES(0x02, 0x40, 0x00, 0x0b, 0x01, 0x0b),
		   &(struct flow_want){
			   .nblocks = 1, .ntargets = 0, .ndead = 2,
			   .blocks = { { FLOW_BLOCK, 0, 0, 0, 3 } },
			   .dead = { { 3, 3 }, { 4, 5 } },
		   });
	/* 0 i32.const 1  2 if  4 return  5 end  6 end: an if without else always falls
	 * through its implicit else arm. */
	check_flow("if_no_else", VOID_TYPE,
		   BYTES(0x41, 0x01, 0x04, 0x40, 0x0f, 0x0b, 0x0b),
		   &(struct flow_want){
			   .nblocks = 1, .ntargets = 0, .ndead = 1,
			   .blocks = { { FLOW_IF, 0, 0, 0, 5 } },
			   .dead = { { 5, 5 } },
		   });
}

Test(flow, br_table_entries_in_order_default_last)
{
	/* 0 block  2 block  4 i32.const 0  6 br_table 0 1 (default 0)  11 end  12 end  13 end */
	check_flow("br_table", VOID_TYPE,
		   BYTES(0x02, 0x40, 0x02, 0x40, 0x41, 0x00, 0x0e, 0x02, 0x00, 0x01, 0x00, 0x0b,
			 0x0b, 0x0b),
		   &(struct flow_want){
			   .nblocks = 2, .ntargets = 3, .ndead = 1,
			   .blocks = { { FLOW_BLOCK, 0, 0, 0, 12 }, { FLOW_BLOCK, 1, 0, 0, 11 } },
			   .targets = { 2, 1, 2 },
			   .dead = { { 11, 11 } },
		   });
}

Test(flow, heights_and_signatures)
{
	const struct vrow *r = find_row("multi_ok");
	struct chibi_diag diag = { 0 };
	struct module *m = NULL;
	const vtype *params, *results;
	uint32_t np, nr;
	const struct flow_block *b;

	/* 0 i32.const 1  2 block  4 end  5 drop  6 end: the block sits on one operand. */
	check_flow("height", VOID_TYPE, BYTES(0x41, 0x01, 0x02, 0x40, 0x0b, 0x1a, 0x0b),
		   &(struct flow_want){
			   .nblocks = 1,
			   .blocks = { { FLOW_BLOCK, 0, 1, 0, 4 } },
		   });
	/* block (type 0) [i32 i64] -> [i64 i32] on the two constants it takes as parameters */
	cr_assert_eq(load(r->bytes, r->len, &m, &diag), CHIBI_OK, "%s", diag.msg);
	cr_assert_eq(m->funcs[0].flow.nblocks, 1);
	b = flow_get(&m->funcs[0].flow, 1);
	cr_expect_eq(b->height, 0);
	flow_sig(m, b, &params, &np, &results, &nr);
	cr_assert(np == 2 && nr == 2);
	cr_expect(params[0] == VT_I32 && params[1] == VT_I64);
	cr_expect(results[0] == VT_I64 && results[1] == VT_I32);
	mod_unref(m);

	r = find_row("nest_ok"); /* block (result i32) (loop (result i32) (block (result i32))) */
	cr_assert_eq(load(r->bytes, r->len, &m, &diag), CHIBI_OK, "%s", diag.msg);
	for (uint32_t i = 1; i < 4; i++) {
		b = flow_get(&m->funcs[0].flow, i);
		flow_sig(m, b, &params, &np, &results, &nr);
		cr_expect(np == 0 && nr == 1 && results[0] == VT_I32, "block %u", i);
		cr_expect_eq(b->parent, i - 1);
		cr_expect_eq(flow_label_types(m, b, &np) == params, b->kind == FLOW_LOOP);
	}
	mod_unref(m);
}

/* Heights and max_stack count 64-bit slots: a v128 takes two.  uses_v128 marks a body in
 * which a v128 appears, and only such a body. */
Test(flow, heights_count_slots)
{
	/* 0 v128.const  18 i32.const 1  20 block  22 end  23 drop  24 drop  25 end */
	static const uint8_t body[] = { VCONST_K, 0x41, 0x01, 0x02, 0x40, 0x0b, 0x1a, 0x1a, 0x0b };
	struct buf t = { 0 }, code = { 0 }, mod;
	struct chibi_diag diag = { 0 };
	struct module *m = NULL;

	check_flow("v128 height", VOID_TYPE, body, sizeof(body),
		   &(struct flow_want){
			   .nblocks = 1,
			   .blocks = { { FLOW_BLOCK, 0, 3, 0, 22 } },
		   });
	put_buf(&t, BYTES(1, 0x60, 0, 0));
	put_buf(&code, body, sizeof(body));
	mod = one_func(&t, &code, 0);
	cr_assert_eq(load(mod.p, mod.n, &m, &diag), CHIBI_OK, "%s", diag.msg);
	cr_expect_eq(m->funcs[0].max_stack, 3);
	cr_expect(m->funcs[0].uses_v128);
	mod_unref(m);
	free(mod.p);
	/* the same without the v128: one slot, no flag */
	code.n = 0;
	put_buf(&code, BYTES(0x41, 0x01, 0x02, 0x40, 0x0b, 0x1a, 0x0b));
	mod = one_func(&t, &code, 0);
	cr_assert_eq(load(mod.p, mod.n, &m, &diag), CHIBI_OK, "%s", diag.msg);
	cr_expect_eq(m->funcs[0].max_stack, 1);
	cr_expect(!m->funcs[0].uses_v128);
	mod_unref(m);
	free(t.p);
	free(code.p);
	free(mod.p);
}

/* A consumer's cursor walks the table in step with the code: ids in pre-order, closing an
 * end returns to the parent, the skip lands on the else/end that closes a dead stretch. */
Test(flow, cursor)
{
	const uint8_t body[] = { 0x02, 0x40, 0x03, 0x40, 0x0c, 0x01, 0x0b, 0x0b, 0x0b };
	struct buf t = { 0 }, code = { 0 }, mod;
	struct chibi_diag diag = { 0 };
	struct module *m = NULL;
	struct flow_cursor c;
	bool skipped;

	put_buf(&t, BYTES(1, 0x60, 0, 0));
	put_buf(&code, body, sizeof(body));
	mod = one_func(&t, &code, 0);
	cr_assert_eq(load(mod.p, mod.n, &m, &diag), CHIBI_OK, "%s", diag.msg);
	flow_begin(&c, &m->funcs[0].flow);
	cr_expect_eq(flow_skip(&c, 0, &skipped), 0);
	cr_expect(!skipped);
	cr_expect_eq(flow_open(&c), 1);
	cr_expect_eq(flow_open(&c), 2);
	cr_expect_eq(flow_target(&c), 1);
	cr_expect_eq(flow_skip(&c, 6, &skipped), 6); /* empty stretch: the end's fall-through */
	cr_expect(skipped);
	cr_expect_eq(flow_close(&c), 2);
	cr_expect_eq(flow_skip(&c, 7, &skipped), 7);
	cr_expect(skipped);
	cr_expect_eq(flow_close(&c), 1);
	cr_expect_eq(flow_skip(&c, 8, &skipped), 8);
	cr_expect(!skipped);
	cr_expect_eq(flow_close(&c), 0);
	mod_unref(m);
	free(t.p);
	free(code.p);
	free(mod.p);
}

Test(flow, single_valtype_results)
{
	static const uint8_t vts[] = { VT_I32, VT_I64, VT_F32, VT_F64, VT_V128, VT_FUNCREF,
				       VT_EXTERNREF };
	struct module m = { 0 };

	for (size_t i = 0; i < sizeof(vts); i++) {
		struct flow_block b = { .sig = vts[i], .sig_kind = FLOW_SIG_VALTYPE,
					.kind = FLOW_BLOCK };
		const vtype *params, *results;
		uint32_t np, nr;

		flow_sig(&m, &b, &params, &np, &results, &nr);
		cr_expect(np == 0 && nr == 1 && results[0] == vts[i], "valtype 0x%x", vts[i]);
	}
}

/* Target ids take as few bytes as the block count allows: 300 blocks need two. */
Test(flow, wide_targets)
{
	struct buf t = { 0 }, code = { 0 }, mod;
	struct chibi_diag diag = { 0 };
	struct module *m = NULL;
	const struct flow *fl;
	struct flow_cursor c;

	put_buf(&t, BYTES(1, 0x60, 0, 0));
	for (int i = 0; i < 300; i++) {
		put(&code, 0x02);
		put(&code, 0x40);
	}
	put_buf(&code, BYTES(0x41, 0x00, 0x0d, 0x00)); /* br_if 0: the innermost, id 300 */
	put_buf(&code, BYTES(0x41, 0x00, 0x0d, 0xab, 0x02)); /* br_if 299: the outermost */
	for (int i = 0; i <= 300; i++)
		put(&code, 0x0b);
	mod = one_func(&t, &code, 0);
	cr_assert_eq(load(mod.p, mod.n, &m, &diag), CHIBI_OK, "%s", diag.msg);
	fl = &m->funcs[0].flow;
	cr_expect_eq(fl->nblocks, 300);
	cr_expect_eq(fl->target_size, 2);
	cr_assert_eq(fl->ntargets, 2);
	flow_begin(&c, fl);
	cr_expect_eq(flow_target(&c), 300);
	cr_expect_eq(flow_target(&c), 1);
	cr_expect_eq(flow_get(fl, 300)->parent, 299);
	mod_unref(m);
	free(t.p);
	free(code.p);
	free(mod.p);
}
