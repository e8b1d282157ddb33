/* vm/instr_test.c - unit tests for the instruction reader (vm/instr.c) and the LEB128 readers
 * (vm/leb.h): table rows of bytes -> opcode, immediates or error, plus LEB boundary cases
 * taken from the spec's binary-leb128.wast rules.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "instr.h"
#include "leb.h"

struct irow {
	const char *what;
	uint8_t bytes[24];
	size_t len;
	enum chibi_err err;
	const char *msg;      /* expected diag message (err != OK) */
	uint16_t op;          /* expected opcode (err == OK) */
	uint32_t a, b;
	uint64_t bits;
	size_t consumed;      /* bytes consumed (err == OK) */
	uint32_t mem;         /* expected memory index (err == OK) */
};

/* OKM: with a memory index (multi-memory) */
#define OKM(w, op_, a_, b_, bits_, n, mem_, ...) \
	{ w, { __VA_ARGS__ }, sizeof((uint8_t[]){ __VA_ARGS__ }), CHIBI_OK, NULL, op_, a_, b_, \
	  bits_, n, mem_ }
#define OK(w, op_, a_, b_, bits_, n, ...) OKM(w, op_, a_, b_, bits_, n, 0, __VA_ARGS__)
#define BAD(w, e, m, ...) \
	{ w, { __VA_ARGS__ }, sizeof((uint8_t[]){ __VA_ARGS__ }), e, m, 0, 0, 0, 0, 0, 0 }
#define MAL CHIBI_ERR_MALFORMED

static const struct irow rows[] = {
	OK("nop", OPC_NOP, 0, 0, 0, 1, 0x01),
	OK("i32.const -1", OPC_I32_CONST, 0, 0, UINT64_MAX, 2, 0x41, 0x7f),
	OK("i32.const 5-byte max", OPC_I32_CONST, 0, 0, 0x7fffffff, 6,
	   0x41, 0xff, 0xff, 0xff, 0xff, 0x07),
	OK("i32.const 5-byte min", OPC_I32_CONST, 0, 0, (uint64_t)(int64_t)INT32_MIN, 6,
	   0x41, 0x80, 0x80, 0x80, 0x80, 0x78),
	OK("i64.const -1 10 bytes", OPC_I64_CONST, 0, 0, UINT64_MAX, 11,
	   0x42, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f),
	OK("i64.const min", OPC_I64_CONST, 0, 0, (uint64_t)INT64_MIN, 11,
	   0x42, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x7f),
	OK("f32.const", OPC_F32_CONST, 0, 0, 0x3f800000, 5, 0x43, 0x00, 0x00, 0x80, 0x3f),
	OK("f64.const", OPC_F64_CONST, 0, 0, 0x3ff0000000000000ull, 9,
	   0x44, 0, 0, 0, 0, 0, 0, 0xf0, 0x3f),
	OK("block empty", OPC_BLOCK, 0, 0, 0, 2, 0x02, 0x40),
	OK("block i64", OPC_BLOCK, VT_I64, 0, 0, 2, 0x02, 0x7e),
	OK("block type 200", OPC_BLOCK, 200, 0, 0, 3, 0x02, 0xc8, 0x01),
	OK("loop externref", OPC_LOOP, VT_EXTERNREF, 0, 0, 2, 0x03, 0x6f),
	OK("br_table", OPC_BR_TABLE, 2, 9, 0, 5, 0x0e, 0x02, 0x00, 0x01, 0x09),
	OK("br_table long labels", OPC_BR_TABLE, 1, 3, 0, 6, 0x0e, 0x01, 0x80, 0x80, 0x00, 0x03),
	OK("call_indirect", OPC_CALL_INDIRECT, 3, 1, 0, 3, 0x11, 0x03, 0x01),
	OK("select t", OPC_SELECT_T, 1, VT_F64, 0, 3, 0x1c, 0x01, 0x7c),
	OK("select t*2", OPC_SELECT_T, 2, VT_I32, 0, 4, 0x1c, 0x02, 0x7f, 0x7e),
	OK("i32.load memarg", OPC_I32_LOAD, 2, 0, 0x10, 3, 0x28, 0x02, 0x10),
	OK("i64.store memarg max offset", OPC_I64_STORE, 3, 0, 0xffffffff, 7,
	   0x37, 0x03, 0xff, 0xff, 0xff, 0xff, 0x0f),
	OK("memory.grow", OPC_MEMORY_GROW, 0, 0, 0, 2, 0x40, 0x00),
	OK("ref.null func", OPC_REF_NULL, VT_FUNCREF, 0, 0, 2, 0xd0, 0x70),
	OK("ref.func", OPC_REF_FUNC, 7, 0, 0, 2, 0xd2, 0x07),
	/* Wasm 3.0 typed references: heap types, the 0x63/0x64 forms, the bottoms */
	OK("ref.null $3", OPC_REF_NULL, VT_FUNCREF | (4u << VT_IDX_SHIFT), 0, 0, 2, 0xd0, 0x03),
	OK("ref.null nofunc", OPC_REF_NULL, VT_FUNCREF | VT_BOTTOM, 0, 0, 2, 0xd0, 0x73),
	OK("ref.null noextern", OPC_REF_NULL, VT_EXTERNREF | VT_BOTTOM, 0, 0, 2, 0xd0, 0x72),
	OK("block (result (ref $1))", OPC_BLOCK, VT_FUNCREF | VT_NONNULL | (2u << VT_IDX_SHIFT),
	   0, 0, 3, 0x02, 0x64, 0x01),
	OK("block (result (ref null extern))", OPC_BLOCK, VT_EXTERNREF, 0, 0, 3, 0x02, 0x63, 0x6f),
	OK("block (result (ref func))", OPC_BLOCK, VT_FUNCREF | VT_NONNULL, 0, 0, 3,
	   0x02, 0x64, 0x70),
	OK("select (ref null $200)", OPC_SELECT_T, 1, VT_FUNCREF | (201u << VT_IDX_SHIFT), 0, 5,
	   0x1c, 0x01, 0x63, 0xc8, 0x01),
	OK("call_ref $2", OPC_CALL_REF, 2, 0, 0, 2, 0x14, 0x02),
	OK("return_call_ref $2", OPC_RETURN_CALL_REF, 2, 0, 0, 2, 0x15, 0x02),
	OK("br_on_null 1", OPC_BR_ON_NULL, 1, 0, 0, 2, 0xd5, 0x01),
	OK("br_on_non_null 0", OPC_BR_ON_NON_NULL, 0, 0, 0, 2, 0xd6, 0x00),
	OK("ref.as_non_null", OPC_REF_AS_NON_NULL, 0, 0, 0, 1, 0xd4),
	BAD("ref.null anyref (GC)", CHIBI_ERR_UNSUPPORTED, "GC heap types are not supported",
	    0xd0, 0x6e),
	BAD("ref.null bad heap type", MAL, "malformed reference type", 0xd0, 0x7f),
	BAD("block (ref <i32>)", MAL, "malformed heap type", 0x02, 0x64, 0x7f),
	BAD("select (ref) truncated", MAL, "unexpected end", 0x1c, 0x01, 0x64),
	OK("trunc_sat", OPC_I64_TRUNC_SAT_F64_U, 0, 0, 0, 2, 0xfc, 0x07),
	OK("misc sub-opcode as long LEB", OPC_I32_TRUNC_SAT_F32_S, 0, 0, 0, 3, 0xfc, 0x80, 0x00),
	OK("memory.init", OPC_MEMORY_INIT, 4, 0, 0, 4, 0xfc, 0x08, 0x04, 0x00),
	OK("memory.copy", OPC_MEMORY_COPY, 0, 0, 0, 4, 0xfc, 0x0a, 0x00, 0x00),
	OK("memory.fill", OPC_MEMORY_FILL, 0, 0, 0, 3, 0xfc, 0x0b, 0x00),
	OK("table.init", OPC_TABLE_INIT, 5, 2, 0, 4, 0xfc, 0x0c, 0x05, 0x02),
	OK("table.copy", OPC_TABLE_COPY, 1, 2, 0, 4, 0xfc, 0x0e, 0x01, 0x02),
	OK("table.fill", OPC_TABLE_FILL, 3, 0, 0, 3, 0xfc, 0x11, 0x03),
	OK("block v128", OPC_BLOCK, VT_V128, 0, 0, 2, 0x02, 0x7b),
	OK("select t v128", OPC_SELECT_T, 1, VT_V128, 0, 3, 0x1c, 0x01, 0x7b),
	OK("v128.const", OPC_V128_CONST, 0, 0, 0, 18, 0xfd, 0x0c, 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f),
	OK("i8x16.shuffle", OPC_I8X16_SHUFFLE, 0, 0, 0, 18, 0xfd, 0x0d, 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f),
	OK("v128.load", OPC_V128_LOAD, 4, 0, 0x20, 4, 0xfd, 0x00, 0x04, 0x20),
	OK("i8x16.extract_lane_s", OPC_I8X16_EXTRACT_LANE_S, 15, 0, 0, 3, 0xfd, 0x15, 0x0f),
	OK("lane index is a byte, not a LEB", OPC_F64X2_REPLACE_LANE, 0x80, 0, 0, 3,
	   0xfd, 0x22, 0x80),
	OK("v128.load64_lane", OPC_V128_LOAD64_LANE, 3, 1, 8, 5, 0xfd, 0x57, 0x03, 0x08, 0x01),
	OK("SIMD sub-opcode as long LEB", OPC_I32X4_ADD, 0, 0, 0, 4, 0xfd, 0xae, 0x81, 0x00),
	OK("relaxed_dot_add", OPC_I32X4_RELAXED_DOT_I8X16_I7X16_ADD_S, 0, 0, 0, 3,
	   0xfd, 0x93, 0x02),

	BAD("i32.const without immediate", MAL, "unexpected end", 0x41),
	BAD("illegal opcode", MAL, "illegal opcode", 0x27),
	BAD("illegal opcode 0xff", MAL, "illegal opcode", 0xff),
	BAD("illegal misc opcode", MAL, "illegal opcode", 0xfc, 0x12),
	BAD("huge misc opcode", MAL, "illegal opcode", 0xfc, 0xff, 0xff, 0xff, 0xff, 0x0f),
	BAD("v128.const truncated", MAL, "unexpected end", 0xfd, 0x0c, 1, 2, 3),
	BAD("i8x16.shuffle truncated", MAL, "unexpected end", 0xfd, 0x0d, 0, 1, 2, 3, 4, 5),
	BAD("illegal SIMD opcode", MAL, "illegal opcode", 0xfd, 0x9a, 0x01),
	BAD("SIMD opcode past relaxed", MAL, "illegal opcode", 0xfd, 0x94, 0x02),
	BAD("SIMD opcode huge", MAL, "illegal opcode", 0xfd, 0xff, 0xff, 0xff, 0xff, 0x0f),
	BAD("extract_lane without lane", MAL, "unexpected end", 0xfd, 0x15),
	BAD("load_lane without lane", MAL, "unexpected end", 0xfd, 0x54, 0x00, 0x00),
	BAD("i32.const 6 bytes", MAL, "integer representation too long",
	    0x41, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00),
	BAD("i32.const unused bits", MAL, "integer too large",
	    0x41, 0x80, 0x80, 0x80, 0x80, 0x70),
	BAD("i32.const neg unused bits", MAL, "integer too large",
	    0x41, 0xff, 0xff, 0xff, 0xff, 0x0f),
	BAD("i64.const unused bits", MAL, "integer too large",
	    0x42, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01),
	BAD("i64.const 11 bytes", MAL, "integer representation too long",
	    0x42, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00),
	BAD("u32 unused bits", MAL, "integer too large", 0x20, 0x80, 0x80, 0x80, 0x80, 0x10),
	BAD("u32 6 bytes", MAL, "integer representation too long",
	    0x20, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00),
	BAD("f64 truncated", MAL, "unexpected end", 0x44, 0, 0, 0),
	/* Wasm 3.0: the MVP's reserved zero bytes are memory indices (u32 LEBs) */
	OKM("memory.size 1", OPC_MEMORY_SIZE, 0, 0, 0, 2, 1, 0x3f, 0x01),
	OKM("memory.grow LEB zero", OPC_MEMORY_GROW, 0, 0, 0, 3, 0, 0x40, 0x80, 0x00),
	OKM("memory.copy 0 <- 1", OPC_MEMORY_COPY, 0, 1, 0, 4, 0, 0xfc, 0x0a, 0x00, 0x01),
	OKM("memory.init memory 1", OPC_MEMORY_INIT, 0, 0, 0, 4, 1, 0xfc, 0x08, 0x00, 0x01),
	OKM("memory.fill 300", OPC_MEMORY_FILL, 0, 0, 0, 4, 300, 0xfc, 0x0b, 0xac, 0x02),
	BAD("memory.size index 6 bytes", MAL, "integer representation too long",
	    0x3f, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00),
	/* memarg flags bit 6: a memory index follows; offsets are u64 (memory64) */
	OKM("i32.load memory 2", OPC_I32_LOAD, 2, 0, 8, 4, 2, 0x28, 0x42, 0x02, 0x08),
	OKM("i64.load offset 2^32", OPC_I64_LOAD, 3, 0, (uint64_t)1 << 32, 7, 0,
	    0x29, 0x03, 0x80, 0x80, 0x80, 0x80, 0x10),
	OKM("i64.load offset u64 max", OPC_I64_LOAD, 3, 0, UINT64_MAX, 12, 0,
	    0x29, 0x03, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01),
	OKM("v128.load32_lane memory 1", OPC_V128_LOAD32_LANE, 2, 3, 4, 6, 1,
	    0xfd, 0x56, 0x42, 0x01, 0x04, 0x03),
	BAD("memarg flags 128", MAL, "malformed memop flags", 0x28, 0x80, 0x01, 0x00),
	BAD("memarg offset too large", MAL, "integer too large",
	    0x29, 0x03, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02),
	BAD("memarg memory index missing", MAL, "unexpected end", 0x28, 0x42),
	BAD("ref.null i32", MAL, "malformed reference type", 0xd0, 0x7f),
	BAD("block bad type byte", MAL, "malformed value type", 0x02, 0x50),

	BAD("block negative long", MAL, "malformed value type", 0x02, 0xff, 0x7f),
	BAD("br_table truncated", MAL, "unexpected end", 0x0e, 0x03, 0x00, 0x01),
	BAD("br_table huge count", MAL, "unexpected end", 0x0e, 0xff, 0xff, 0xff, 0xff, 0x0f),
	BAD("select bad type", MAL, "malformed value type", 0x1c, 0x01, 0x40),
	BAD("memarg truncated", MAL, "unexpected end", 0x28, 0x02),
};

Test(instr, table_rows)
{
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const struct irow *r = &rows[i];
		size_t len = r->len;
		const uint8_t *p = r->bytes;
		struct chibi_diag d = { 0 };
		struct instr in;
		enum chibi_err err = instr_read(&p, r->bytes + len, r->bytes, &in, &d);

		cr_expect_eq(err, r->err, "%s: err %d want %d (%s)", r->what, err, r->err, d.msg);
		if (err != CHIBI_OK) {
			cr_expect_str_eq(d.msg, r->msg, "%s", r->what);
			cr_expect_eq(d.code, r->err, "%s", r->what);
			continue;
		}
		cr_expect_eq(in.op, r->op, "%s: op %#x", r->what, in.op);
		cr_expect_eq(in.a, r->a, "%s: a %u", r->what, in.a);
		cr_expect_eq(in.b, r->b, "%s: b %u", r->what, in.b);
		switch (op_info[in.op].imm) {
		case IMM_BR_TABLE: /* bits shares its word with the in-place immediates */
		case IMM_TRY_TABLE:
			cr_expect(in.table > r->bytes && in.table <= r->bytes + len, "%s", r->what);
			break;
		case IMM_V128:
		case IMM_SHUFFLE:
			cr_expect(in.imm16 > r->bytes && in.imm16 + 16 <= r->bytes + len, "%s",
				  r->what);
			break;
		default:
			cr_expect_eq(in.bits, r->bits, "%s: bits %#llx", r->what,
				     (unsigned long long)in.bits);
		}
		cr_expect_eq((size_t)(p - r->bytes), r->consumed, "%s: consumed", r->what);
		cr_expect_eq(in.mem, r->mem, "%s: mem %u", r->what, in.mem);
		cr_expect_eq(in.offset, 0, "%s", r->what);
	}
}

Test(instr, empty_input)
{
	static const uint8_t code[1] = { 0x01 };
	const uint8_t *p = code;
	struct chibi_diag d = { 0 };
	struct instr in;

	cr_expect_eq(instr_read(&p, code, code, &in, &d), CHIBI_ERR_MALFORMED);
	cr_expect_str_eq(d.msg, "unexpected end");
}

Test(instr, br_table_labels_reread)
{
	static const uint8_t code[] = { 0x0e, 0x03, 0x05, 0x80, 0x01, 0xff, 0xff, 0xff, 0xff,
					0x0f, 0x02 };
	const uint8_t *p = code;
	struct instr in;

	cr_assert_eq(instr_read(&p, code + sizeof(code), code, &in, NULL), CHIBI_OK);
	cr_assert_eq(in.a, 3);
	cr_assert_eq(in.b, 2);
	const uint8_t *q = in.table;
	cr_expect_eq(instr_br_table_label(&q), 5);
	cr_expect_eq(instr_br_table_label(&q), 128);
	cr_expect_eq(instr_br_table_label(&q), UINT32_MAX);
	cr_expect_eq(q, code + 10);
}

Test(instr, block_blocktype_kinds)
{
	static const uint8_t code[] = { 0x04, 0x40, 0x04, 0x7d, 0x04, 0x05 };
	const uint8_t *p = code;
	struct instr in;

	cr_assert_eq(instr_read(&p, code + 6, code, &in, NULL), CHIBI_OK);
	cr_expect_eq(in.bt_kind, BT_EMPTY);
	cr_assert_eq(instr_read(&p, code + 6, code, &in, NULL), CHIBI_OK);
	cr_expect_eq(in.bt_kind, BT_VALTYPE);
	cr_expect_eq(in.a, VT_F32);
	cr_assert_eq(instr_read(&p, code + 6, code, &in, NULL), CHIBI_OK);
	cr_expect_eq(in.bt_kind, BT_TYPEIDX);
	cr_expect_eq(in.a, 5);
	cr_expect_eq(in.offset, 4);
}

/*
 * The inline fast path of instr_read_features() (vm/instr.h) against the full reader
 * instr_read_any(): every one-byte opcode followed by two bytes from a set that crosses
 * each shortcut's limits (LEB continuation, the s32 sign bit, memarg flag 64, block type
 * codes), cut to 1-3 bytes, with every proposal on, none, and all but the row's own, must
 * give the same result, immediates, length and message.
 */
Test(instr, fast_path_same_as_full_reader)
{
	static const uint8_t imm[] = { 0x00, 0x01, 0x3f, 0x40, 0x41, 0x63, 0x64, 0x6f, 0x70,
				       0x7b, 0x7c, 0x7f, 0x80, 0xff };
	const size_t n = sizeof(imm);
	unsigned ok = 0;

	for (unsigned b = 0; b < 256; b++)
		for (size_t i = 0; i < n * n; i++)
			for (size_t len = 1; len <= 3; len++)
				for (int f = 0; f < 3; f++) {
			uint8_t code[3] = { (uint8_t)b, imm[i / n], imm[i % n] };
			uint32_t feat = f == 0 ? CHIBI_FEATURES_ALL : f == 1 ? 0 :
					CHIBI_FEATURES_ALL & ~(uint32_t)op_info[b].feature;
			const uint8_t *p1 = code, *p2 = code;
			struct chibi_diag d1 = { 0 }, d2 = { 0 };
			struct instr x, y;
			enum chibi_err e1 = instr_read_features(&p1, code + len, code, feat, &x, &d1);
			enum chibi_err e2 = instr_read_any(&p2, code + len, code, feat, &y, &d2);

			cr_assert_eq(e1, e2, "%02x %02x %02x len %zu feat %#x", code[0], code[1],
				     code[2], len, feat);
			if (e1) {
				cr_assert_str_eq(d1.msg, d2.msg, "%02x len %zu", b, len);
				cr_assert_eq(d1.offset, d2.offset, "%02x len %zu", b, len);
				continue;
			}
			cr_assert_eq(p1, p2, "%02x %02x %02x len %zu", code[0], code[1], code[2],
				     len);
			cr_assert(x.op == y.op && x.bt_kind == y.bt_kind && x.a == y.a &&
				  x.b == y.b && x.mem == y.mem && x.offset == y.offset &&
				  x.bits == y.bits, "%02x %02x %02x len %zu", code[0], code[1],
				  code[2], len);
			ok++;
		}
	cr_expect_gt(ok, 0);
}

/* ---- LEB128 boundaries ------------------------------------------------------------- */

static int u32_of(const uint8_t *b, size_t n, uint32_t *v, size_t *used)
{
	const uint8_t *p = b;
	int st = leb_u32(&p, b + n, v);

	*used = (size_t)(p - b);
	return st;
}

Test(leb, u32_boundaries)
{
	uint32_t v;
	size_t used;

	cr_expect_eq(u32_of((const uint8_t[]){ 0x00 }, 1, &v, &used), LEB_OK);
	cr_expect_eq(v, 0);
	cr_expect_eq(u32_of((const uint8_t[]){ 0x80, 0x80, 0x80, 0x80, 0x00 }, 5, &v, &used),
		     LEB_OK);
	cr_expect_eq(v, 0);
	cr_expect_eq(used, 5);
	cr_expect_eq(u32_of((const uint8_t[]){ 0xff, 0xff, 0xff, 0xff, 0x0f }, 5, &v, &used),
		     LEB_OK);
	cr_expect_eq(v, UINT32_MAX);
	cr_expect_eq(u32_of((const uint8_t[]){ 0xff, 0xff, 0xff, 0xff, 0x1f }, 5, &v, &used),
		     LEB_TOO_LARGE);
	cr_expect_eq(used, 4, "error points at the offending byte");
	/* "too large" wins over "too long" on the last byte, as in the reference decoder. */
	cr_expect_eq(u32_of((const uint8_t[]){ 0x80, 0x80, 0x80, 0x80, 0xff }, 5, &v, &used),
		     LEB_TOO_LARGE);
	cr_expect_eq(u32_of((const uint8_t[]){ 0x80, 0x80, 0x80, 0x80, 0x80, 0x00 }, 6, &v,
			    &used), LEB_TOO_LONG);
	cr_expect_eq(u32_of((const uint8_t[]){ 0x80, 0x80 }, 2, &v, &used), LEB_EOF);
	cr_expect_eq(used, 2);
	cr_expect_eq(u32_of((const uint8_t[]){ 0x00 }, 0, &v, &used), LEB_EOF);
}

static int s_of(const uint8_t *b, size_t n, unsigned bits, int64_t *v)
{
	const uint8_t *p = b;

	return leb_read_signed(&p, b + n, bits, v);
}

Test(leb, signed_boundaries)
{
	int64_t v;

	cr_expect_eq(s_of((const uint8_t[]){ 0x7f }, 1, 32, &v), LEB_OK);
	cr_expect_eq(v, -1);
	cr_expect_eq(s_of((const uint8_t[]){ 0x3f }, 1, 32, &v), LEB_OK);
	cr_expect_eq(v, 63);
	cr_expect_eq(s_of((const uint8_t[]){ 0xc0, 0x00 }, 2, 32, &v), LEB_OK);
	cr_expect_eq(v, 64);
	/* s32 fifth byte: 0 s s s s x x x */
	cr_expect_eq(s_of((const uint8_t[]){ 0xff, 0xff, 0xff, 0xff, 0x7f }, 5, 32, &v), LEB_OK);
	cr_expect_eq(v, -1);
	cr_expect_eq(s_of((const uint8_t[]){ 0xff, 0xff, 0xff, 0xff, 0x4f }, 5, 32, &v),
		     LEB_TOO_LARGE);
	cr_expect_eq(s_of((const uint8_t[]){ 0x80, 0x80, 0x80, 0x80, 0x08 }, 5, 32, &v),
		     LEB_TOO_LARGE);
	/* s33 fifth byte: 0 s s s x x x x; 0x0f makes 2^32-1 (the largest type index) */
	cr_expect_eq(s_of((const uint8_t[]){ 0xff, 0xff, 0xff, 0xff, 0x0f }, 5, 33, &v), LEB_OK);
	cr_expect_eq(v, 0xffffffffll);
	cr_expect_eq(s_of((const uint8_t[]){ 0xff, 0xff, 0xff, 0xff, 0x1f }, 5, 33, &v),
		     LEB_TOO_LARGE);
	cr_expect_eq(s_of((const uint8_t[]){ 0x80, 0x80, 0x80, 0x80, 0x70 }, 5, 33, &v), LEB_OK);
	cr_expect_eq(v, -(1ll << 32));
	/* s64 tenth byte: only 0x00 or 0x7f */
	cr_expect_eq(s_of((const uint8_t[]){ 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
					     0xff, 0x00 }, 10, 64, &v), LEB_OK);
	cr_expect_eq(v, INT64_MAX);
	cr_expect_eq(s_of((const uint8_t[]){ 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80,
					     0x80, 0x7e }, 10, 64, &v), LEB_TOO_LARGE);
	cr_expect_eq(s_of((const uint8_t[]){ 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80,
					     0x80, 0xff, 0x00 }, 11, 64, &v), LEB_TOO_LONG);
	cr_expect_eq(s_of((const uint8_t[]){ 0x80 }, 1, 64, &v), LEB_EOF);
}

Test(leb, fixed_width)
{
	static const uint8_t b[] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	const uint8_t *p = b;
	uint32_t w;
	uint64_t d;

	cr_expect_eq(rd_u32le(&p, b + 8, &w), LEB_OK);
	cr_expect_eq(w, 0x04030201u);
	cr_expect_eq(rd_u32le(&p, b + 7, &w), LEB_EOF);
	p = b;
	cr_expect_eq(rd_u64le(&p, b + 8, &d), LEB_OK);
	cr_expect_eq(d, 0x0807060504030201ull);
}
