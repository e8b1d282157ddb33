/* vm/features_test.c - the proposal switches (enum chibi_feature): each one, off and on,
 * changes what the decoder, the validator and the text reader accept, as the Wasm version
 * before the proposal did; and with function references on, constant expressions that read
 * defined globals are evaluated right (global initialisers, data and elem offsets).
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "../include/chibi.h"
#include "../text/wat.h"
#include "alloc.h"
#include "types.h"

/* Text -> binary with every proposal on (the switch under test applies at decoding). */
static uint8_t *to_binary(const char *wat, size_t *len)
{
	struct wat_error err;
	uint8_t *bin = NULL;

	cr_assert(wat_to_binary(wat, strlen(wat), &bin, len, &err), "%s: %u:%u: %s", wat,
		  err.line, err.col, err.msg);
	return bin;
}

/* Load `wat` with `features`; the error (CHIBI_OK on success), the message in *msg. */
static enum chibi_err load_with(const char *wat, uint32_t features, char *msg, size_t n)
{
	struct chibi_diag diag = { 0 };
	chibi_module *m = NULL;
	size_t len = 0;
	uint8_t *bin = to_binary(wat, &len);

	if (msg)
		msg[0] = '\0';
	enum chibi_err err = chibi_module_new_features(bin, len, features, &m, &diag);

	vm_free(bin);
	chibi_module_free(m);
	if (msg)
		snprintf(msg, n, "%.*s", (int)(n - 1), diag.msg);
	return err;
}

/* `wat` loads with every proposal on and fails with `want` ("message") without `bit`. */
static void expect_switch(const char *wat, uint32_t bit, enum chibi_err want, const char *message)
{
	char msg[sizeof(((struct chibi_diag *)0)->msg)];

	cr_expect_eq(load_with(wat, CHIBI_FEATURES_ALL, msg, sizeof(msg)), CHIBI_OK,
		     "%s with every proposal: %s", wat, msg);
	cr_expect_eq(load_with(wat, CHIBI_FEATURES_ALL & ~bit, msg, sizeof(msg)), want,
		     "%s without %s: got '%s'", wat, chibi_feature_name(bit), msg);
	cr_expect(strstr(msg, message), "%s without %s: '%s', expected '%s'", wat,
		  chibi_feature_name(bit), msg, message);
}

Test(features, names_round_trip)
{
	for (uint32_t bit = 1; bit & CHIBI_FEATURES_ALL; bit <<= 1) {
		const char *name = chibi_feature_name(bit);

		cr_assert(name, "bit %#x has no name", bit);
		cr_expect_eq(chibi_feature_by_name(name, strlen(name)), bit, "%s", name);
	}
	cr_expect_eq(chibi_feature_by_name("memory64", 8), CHIBI_FEAT_MEMORY64);
	cr_expect_eq(chibi_feature_by_name("memory64x", 8), CHIBI_FEAT_MEMORY64); /* len counts */
	cr_expect_eq(chibi_feature_by_name("memory", 6), 0);
	cr_expect_eq(chibi_feature_by_name("gc", 2), 0);
	cr_expect_null(chibi_feature_name(CHIBI_FEAT_SIMD | CHIBI_FEAT_MEMORY64));
	cr_expect_eq(chibi_config_features(NULL), CHIBI_FEATURES_ALL);
	cr_expect_eq(chibi_config_features(&(struct chibi_config){
			     .features_off = CHIBI_FEAT_SIMD }),
		     CHIBI_FEATURES_ALL & ~CHIBI_FEAT_SIMD);
}

Test(features, memory64)
{
	/* the decoder: limits flag 4 and bounds above u32; a memarg offset above u32 */
	expect_switch("(memory i64 1)", CHIBI_FEAT_MEMORY64, CHIBI_ERR_MALFORMED,
		      "integer too large");
	expect_switch("(table i64 1 funcref)", CHIBI_FEAT_MEMORY64, CHIBI_ERR_MALFORMED,
		      "integer too large");
	expect_switch("(memory i64 1) (func (drop (i32.load offset=0x1_0000_0000 "
		      "(i64.const 0))))", CHIBI_FEAT_MEMORY64, CHIBI_ERR_MALFORMED,
		      "integer too large");
	/* on, a 32-bit memory's offset above u32 is invalid (3.0), off malformed (2.0) */
	cr_expect_eq(load_with("(memory 1) (func (drop (i32.load offset=0x1_0000_0000 "
			       "(i32.const 0))))", CHIBI_FEATURES_ALL, NULL, 0),
		     CHIBI_ERR_INVALID);
	cr_expect_eq(load_with("(memory 1) (func (drop (i32.load offset=0x1_0000_0000 "
			       "(i32.const 0))))", CHIBI_FEATURES_WASM2, NULL, 0),
		     CHIBI_ERR_MALFORMED);
}

Test(features, multi_memory)
{
	expect_switch("(memory 1) (memory 1)", CHIBI_FEAT_MULTI_MEMORY, CHIBI_ERR_INVALID,
		      "multiple memories");
	/* memory.size 1: the memory index is no longer the reserved zero byte */
	expect_switch("(memory 1) (memory $b 1) (func (drop (memory.size $b)))",
		      CHIBI_FEAT_MULTI_MEMORY, CHIBI_ERR_MALFORMED, "zero byte expected");
}

Test(features, opcodes_of_switched_off_proposals_are_illegal)
{
	static const struct {
		const char *wat;
		uint32_t bit;
	} cases[] = {
		{ "(func (drop (v128.const i64x2 0 0)))", CHIBI_FEAT_SIMD },
		{ "(func (drop (i32x4.relaxed_trunc_f32x4_s (v128.const i64x2 0 0))))",
		  CHIBI_FEAT_RELAXED_SIMD },
		{ "(func $f (return_call $f))", CHIBI_FEAT_TAIL_CALL },
		{ "(type $t (func)) (func (param (ref null $t)) (call_ref $t (local.get 0)))",
		  CHIBI_FEAT_FUNCTION_REFERENCES },
		{ "(tag $e) (func (throw $e))", CHIBI_FEAT_EXCEPTIONS },
		{ "(memory 1) (func (memory.fill (i32.const 0) (i32.const 0) (i32.const 0)))",
		  CHIBI_FEAT_BULK_MEMORY },
		{ "(func (drop (ref.null func)))", CHIBI_FEAT_REFERENCE_TYPES },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *wat = cases[i].wat;

		if (cases[i].bit == CHIBI_FEAT_EXCEPTIONS) /* the tag section goes first */
			expect_switch(wat, cases[i].bit, CHIBI_ERR_MALFORMED, "section id");
		else
			expect_switch(wat, cases[i].bit, CHIBI_ERR_MALFORMED, "illegal opcode");
	}
}

/* ---- every row of opcodes.def against its feat column ---- */

/* Minimal well-formed immediates of each kind (indices 0, empty block type, no labels). */
static size_t put_immediates(uint8_t *out, unsigned imm)
{
	size_t n = 0;

	switch (imm) {
	case IMM_NONE:
		break;
	case IMM_BLOCKTYPE:
		out[n++] = 0x40;
		break;
	case IMM_TRY_TABLE: /* empty block type, no catch clauses */
	case IMM_BR_TABLE: /* no labels, default 0 */
	case IMM_CALL_INDIRECT:
	case IMM_MEMARG:
	case IMM_MEMORY_INIT:
	case IMM_MEMORY_COPY:
	case IMM_TABLE_INIT:
	case IMM_TABLE_COPY:
		out[n++] = imm == IMM_TRY_TABLE ? 0x40 : 0x00;
		out[n++] = 0x00;
		break;
	case IMM_MEMARG_LANE:
		out[n++] = 0x00;
		out[n++] = 0x00;
		out[n++] = 0x00;
		break;
	case IMM_SELECT_T:
		out[n++] = 0x01;
		out[n++] = VT_I32;
		break;
	case IMM_REFTYPE:
		out[n++] = VT_FUNCREF;
		break;
	case IMM_F32:
	case IMM_F64:
	case IMM_V128:
	case IMM_SHUFFLE:
		n = imm == IMM_F32 ? 4 : imm == IMM_F64 ? 8 : 16;
		memset(out, 0, n);
		break;
	default: /* one u32 index, label or lane, an s32 or s64 */
		out[n++] = 0x00;
		break;
	}
	return n;
}

/*
 * A module whose one function runs row `op` in unreachable code (so most operand types
 * match), inside the block it needs (else in an if, catch in a try, ...) and with the end
 * of any block it opens.  *at is the byte offset of the first opcode of the proposal of
 * `op`: its own, or the try around a catch.
 */
static size_t module_using(uint16_t op, uint8_t *out, size_t *at)
{
	uint16_t outer = OPC_NONE;
	static const uint8_t head[] = { 0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
					0x01, 0x04, 0x01, 0x60, 0x00, 0x00, /* type () -> () */
					0x03, 0x02, 0x01, 0x00 };           /* func 0: type 0 */
	uint8_t body[64];
	size_t n = 0, len = 0;
	unsigned imm = op_info[op].imm;

	body[n++] = 0x00; /* no locals */
	body[n++] = OPC_UNREACHABLE;
	if (op == OPC_ELSE)
		outer = OPC_IF;
	else if (op == OPC_CATCH || op == OPC_CATCH_ALL || op == OPC_DELEGATE)
		outer = OPC_TRY;
	else if (op == OPC_END)
		outer = OPC_BLOCK;
	*at = n;
	if (outer != OPC_NONE) {
		body[n++] = (uint8_t)outer;
		body[n++] = 0x40;
		if (op_info[outer].feature != op_info[op].feature)
			*at = n;
	}
	if (op < 0x100) {
		body[n++] = (uint8_t)op;
	} else { /* the prefix, then the sub-opcode as a u32 LEB */
		unsigned code = op >= OPC_BASE(0xfd) ? op - OPC_BASE(0xfd) : op - OPC_BASE(0xfc);

		body[n++] = op >= OPC_BASE(0xfd) ? 0xfd : 0xfc;
		do {
			body[n++] = (uint8_t)((code & 0x7f) | (code >= 0x80 ? 0x80 : 0));
			code >>= 7;
		} while (code);
	}
	n += put_immediates(body + n, imm);
	if (imm == IMM_BLOCKTYPE || imm == IMM_TRY_TABLE || op == OPC_ELSE || op == OPC_CATCH ||
	    op == OPC_CATCH_ALL)
		body[n++] = OPC_END;
	body[n++] = OPC_END; /* the function's */
	memcpy(out, head, sizeof(head));
	len = sizeof(head);
	out[len++] = 0x0a; /* code section: one body, each size below 128 */
	out[len++] = (uint8_t)(n + 2);
	out[len++] = 0x01;
	out[len++] = (uint8_t)n;
	*at += len;
	memcpy(out + len, body, n);
	return len + n;
}

/*
 * For every row of opcodes.def: with its proposal switched off (what `-W <proposal>=n`
 * sets) a module using the instruction is refused, "illegal opcode" at the opcode; with
 * every proposal on it is not malformed (it may still be invalid: index 0 of a memory, a
 * table ... does not exist).  CORE rows stay legal with every proposal off.
 */
Test(features, every_row_is_illegal_without_its_proposal)
{
	unsigned gated = 0;

	for (unsigned op = 0; op < OPC_LIMIT; op++) {
		uint32_t bit = op_info[op].feature;
		const char *name = op_name(op);
		struct chibi_config cfg = { .features_off = bit };
		uint8_t bin[128];
		size_t at = 0, len;
		struct chibi_diag d = { 0 };
		chibi_module *m = NULL;
		enum chibi_err err;

		if (!name)
			continue;
		cr_assert(!bit || chibi_feature_name(bit), "%s: feat %#x is not one proposal",
			  name, bit);
		len = module_using((uint16_t)op, bin, &at);
		err = chibi_module_new_features(bin, len, CHIBI_FEATURES_ALL, &m, &d);
		chibi_module_free(m);
		cr_expect_neq(err, CHIBI_ERR_MALFORMED, "%s with every proposal: %s", name, d.msg);
		if (!bit) {
			err = chibi_module_new_features(bin, len, 0, &m, &d);
			chibi_module_free(m);
			cr_expect_neq(err, CHIBI_ERR_MALFORMED, "%s (CORE) with no proposal: %s",
				      name, d.msg);
			continue;
		}
		gated++;
		m = NULL;
		memset(&d, 0, sizeof(d));
		err = chibi_module_new_features(bin, len, chibi_config_features(&cfg), &m, &d);
		chibi_module_free(m);
		cr_expect_eq(err, CHIBI_ERR_MALFORMED, "%s without %s: %d %s", name,
			     chibi_feature_name(bit), err, d.msg);
		cr_expect_str_eq(d.msg, "illegal opcode", "%s without %s", name,
				 chibi_feature_name(bit));
		cr_expect_eq(d.offset, at, "%s without %s: at %zu, not %zu", name,
			     chibi_feature_name(bit), (size_t)d.offset, at);
	}
	cr_expect_gt(gated, 0);
}

Test(features, extended_const_and_multi_value)
{
	expect_switch("(global i32 (i32.add (i32.const 1) (i32.const 2)))",
		      CHIBI_FEAT_EXTENDED_CONST, CHIBI_ERR_INVALID, "constant expression required");
	expect_switch("(func (result i32 i32) (i32.const 1) (i32.const 2))",
		      CHIBI_FEAT_MULTI_VALUE, CHIBI_ERR_INVALID, "invalid result arity");
}

Test(features, constant_expressions_read_defined_globals)
{
	static const char wat[] =
		"(global $a i32 (i32.const 40))"
		"(global $b (export \"b\") i32 (i32.add (global.get $a) (i32.const 2)))"
		"(memory (export \"m\") 1)"
		"(data (global.get $b) \"x\")"
		"(table (export \"t\") 50 funcref)"
		"(elem (global.get $a) func $f)"
		"(func $f)";
	struct chibi_diag diag = { 0 };
	chibi_module *m = NULL;
	chibi_store *s;
	chibi_instance *inst = NULL;
	chibi_memory *mem;
	chibi_val v;
	size_t len = 0;
	uint8_t *bin;

	/* Wasm 2.0 (function-references off): only imported globals */
	expect_switch(wat, CHIBI_FEAT_FUNCTION_REFERENCES, CHIBI_ERR_INVALID, "unknown global");
	/* 3.0: an earlier global, not a later one, nor the global itself */
	cr_expect_eq(load_with("(global $a i32 (global.get $b)) (global $b i32 (i32.const 0))",
			       CHIBI_FEATURES_ALL, NULL, 0), CHIBI_ERR_INVALID);
	cr_expect_eq(load_with("(global $a i32 (global.get $a))", CHIBI_FEATURES_ALL, NULL, 0),
		     CHIBI_ERR_INVALID);
	/* nor a mutable one */
	cr_expect_eq(load_with("(global $a (mut i32) (i32.const 0)) (global i32 (global.get $a))",
			       CHIBI_FEATURES_ALL, NULL, 0), CHIBI_ERR_INVALID);
	/* and the values, in each tier */
	for (int mode = CHIBI_MODE_INTERP; mode <= CHIBI_MODE_JIT; mode++) {
		struct chibi_config cfg = { .mode = (enum chibi_exec_mode)mode };

		bin = to_binary(wat, &len);
		cr_assert_eq(chibi_module_new(bin, len, &m, &diag), CHIBI_OK, "%s", diag.msg);
		vm_free(bin);
		s = chibi_store_new(&cfg);
		cr_assert(s);
		cr_assert_eq(chibi_instance_new(s, m, NULL, &inst, &diag, NULL), CHIBI_OK, "%s",
			     diag.msg);
		v = chibi_global_get(chibi_instance_global(inst, "b"));
		cr_expect_eq(v.of.i32, 42, "mode %d: b = %d", mode, v.of.i32);
		mem = chibi_instance_memory(inst, "m");
		cr_assert(mem);
		cr_expect_eq(chibi_memory_data(mem)[42], 'x', "mode %d: data at 42", mode);
		cr_expect_eq(chibi_memory_data(mem)[41], 0);
		{
			struct chibi_extern t;
			chibi_val e;

			cr_assert(chibi_instance_export(inst, "t", &t));
			cr_expect(chibi_table_get(t.of.table, 40, &e) && e.of.ref, "elem at 40");
			cr_expect(chibi_table_get(t.of.table, 39, &e) && !e.of.ref);
		}
		chibi_module_free(m);
		chibi_store_free(s);
	}
}

Test(features, text_reader_memory64_off_reads_u32)
{
	static const char *const wats[] = {
		"(memory 0x1_0000_0000)",
		"(memory 0 0x1_0000_0000)",
		"(table 0x1_0000_0000 funcref)",
		"(memory 1) (func (drop (i32.load offset=4294967296 (i32.const 0))))",
	};
	struct wat_error err;
	uint8_t *bin = NULL;
	size_t len;

	for (size_t i = 0; i < sizeof(wats) / sizeof(wats[0]); i++) {
		cr_expect(wat_to_binary_features(wats[i], strlen(wats[i]), CHIBI_FEATURES_ALL, &bin,
						 &len, &err), "%s: %s", wats[i], err.msg);
		vm_free(bin);
		bin = NULL;
		cr_expect_not(wat_to_binary_features(wats[i], strlen(wats[i]),
						     CHIBI_FEATURES_WASM2, &bin, &len, &err),
			      "%s must be malformed text without memory64", wats[i]);
		cr_expect(strstr(err.msg, "i32 constant"), "%s: '%s'", wats[i], err.msg);
		vm_free(bin);
		bin = NULL;
	}
	/* u32 values still read */
	cr_expect(wat_to_binary_features("(memory 0 0xffff_ffff)", 22, CHIBI_FEATURES_WASM2, &bin,
					 &len, &err), "%s", err.msg);
	vm_free(bin);
}

/* Value types are gated like opcodes: a type from a switched-off proposal is a validation
 * error naming the proposal, wherever the module writes it.  Wasm 1.0's own funcref (a
 * table's or element segment's element type) needs nothing. */
Test(features, value_types_of_switched_off_proposals_are_invalid)
{
	static const struct {
		uint32_t bit;
		const char *wat;
	} cases[] = {
		{ CHIBI_FEAT_FUNCTION_REFERENCES, "(type $t (func)) (func (param (ref null $t)))" },
		{ CHIBI_FEAT_FUNCTION_REFERENCES, "(type $t (func)) (func (result (ref $t)) unreachable)" },
		{ CHIBI_FEAT_FUNCTION_REFERENCES, "(func (local (ref null 0)))" },
		{ CHIBI_FEAT_FUNCTION_REFERENCES, "(func (param (ref func)))" },
		{ CHIBI_FEAT_FUNCTION_REFERENCES, "(type $t (func)) (global (mut (ref null $t)) (ref.null $t))" },
		{ CHIBI_FEAT_FUNCTION_REFERENCES, "(type $t (func)) (table 1 (ref null $t))" },
		{ CHIBI_FEAT_FUNCTION_REFERENCES, "(type $t (func)) (func (drop (ref.null $t)))" },
		{ CHIBI_FEAT_FUNCTION_REFERENCES, "(type $t (func)) (func (block (result (ref null $t)) (ref.null $t)) drop)" },
		{ CHIBI_FEAT_FUNCTION_REFERENCES, "(type $t (func)) (import \"m\" \"g\" (global (ref null $t)))" },
		{ CHIBI_FEAT_EXCEPTIONS, "(func (local exnref))" },
		{ CHIBI_FEAT_EXCEPTIONS, "(func (param exnref))" },
		{ CHIBI_FEAT_EXCEPTIONS, "(func (result exnref) (ref.null exn))" },
		{ CHIBI_FEAT_EXCEPTIONS, "(table 1 exnref)" },
		{ CHIBI_FEAT_REFERENCE_TYPES, "(func (param externref))" },
		{ CHIBI_FEAT_REFERENCE_TYPES, "(func (local funcref))" },
		{ CHIBI_FEAT_REFERENCE_TYPES, "(func (result funcref) unreachable)" },
		{ CHIBI_FEAT_REFERENCE_TYPES, "(import \"m\" \"g\" (global funcref))" },
		{ CHIBI_FEAT_REFERENCE_TYPES, "(table 1 externref)" },
		{ CHIBI_FEAT_REFERENCE_TYPES, "(func (block (result externref) unreachable) drop)" },
		{ CHIBI_FEAT_SIMD, "(func (param v128))" },
		{ CHIBI_FEAT_MULTI_VALUE, "(func (result i32) (i32.const 1) (block (param i32) (result i32)))" },
		{ CHIBI_FEAT_MULTI_VALUE, "(type $t (func (result i32))) (func (result i32) (block (type $t) (i32.const 1)))" },
	};
	char wat[256];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(wat, sizeof(wat), "(module %s)", cases[i].wat);
		expect_switch(wat, cases[i].bit, CHIBI_ERR_INVALID,
			      cases[i].bit == CHIBI_FEAT_MULTI_VALUE ? "multi-value" :
			      chibi_feature_name(cases[i].bit));
	}
	/* what Wasm 1.0 wrote: a funcref table, function-index element segments (typed
	 * (ref func) since 3.0, which is the decoder's typing, not the module's) */
	cr_expect_eq(load_with("(module (table 1 funcref) (func $f) (elem (i32.const 0) $f))",
			       CHIBI_FEATURES_ALL & ~(CHIBI_FEAT_REFERENCE_TYPES |
						      CHIBI_FEAT_FUNCTION_REFERENCES),
			       NULL, 0), CHIBI_OK);
	/* and the same types with their proposal on, the others off */
	cr_expect_eq(load_with("(module (func (param externref funcref)))",
			       CHIBI_FEAT_REFERENCE_TYPES, NULL, 0), CHIBI_OK);
	cr_expect_eq(load_with("(module (type $t (func)) (func (param (ref null $t))))",
			       CHIBI_FEAT_REFERENCE_TYPES | CHIBI_FEAT_FUNCTION_REFERENCES, NULL, 0),
		     CHIBI_OK);
}
