/* vm/instr.c - read one instruction (opcode + immediates) from a code body or constant expr.
 *
 * The immediate layout comes from the imm column of vm/opcodes.def; this file only knows how
 * each imm kind is encoded (spec 5.4).  It checks encodings (LEB sizes, memop flags, known
 * opcodes, type bytes) but not types or indices: that is the validator's job.
 * Entry points: instr_read_any() (behind instr.h's inline instr_read_features()),
 * instr_br_table_label().
 */
#include <string.h>

#include "instr.h"
#include "leb.h"

/* One reading context, so the helpers below can report errors with a byte offset. */
struct cur {
	const uint8_t *p, *end, *base;
	struct chibi_diag *diag;
	uint32_t feat; /* the proposals allowed (enum chibi_feature) */
};

static enum chibi_err leb_fail(struct cur *c, int st)
{
	return diag_set(c->diag, CHIBI_ERR_MALFORMED, (size_t)(c->p - c->base), "%s",
			leb_msg(st));
}

static enum chibi_err get_u32(struct cur *c, uint32_t *out)
{
	int st = leb_u32(&c->p, c->end, out);

	return st ? leb_fail(c, st) : CHIBI_OK;
}

static enum chibi_err get_byte(struct cur *c, uint8_t *out)
{
	int st = rd_byte(&c->p, c->end, out);

	return st ? leb_fail(c, st) : CHIBI_OK;
}

/* memory.size/grow/fill, memory.init and memory.copy name their memories with a u32 memidx
 * (Wasm 3.0, multi-memory; the MVP's reserved 0x00 byte is the one-byte encoding of 0). */
static enum chibi_err get_memidx(struct cur *c, uint32_t *out)
{
	size_t off = (size_t)(c->p - c->base);
	uint8_t b = 0;
	enum chibi_err err;

	if (c->feat & CHIBI_FEAT_MULTI_MEMORY)
		return get_u32(c, out);
	/* Wasm 2.0: a reserved byte that must be zero */
	err = get_byte(c, &b);
	if (err)
		return err;
	if (b)
		return diag_set(c->diag, CHIBI_ERR_MALFORMED, off, "zero byte expected");
	*out = 0;
	return CHIBI_OK;
}

/*
 * memarg ::= flags:u32 offset:u64 | flags:u32 memidx:u32 offset:u64   (spec 5.4.6, 3.0)
 * flags bit 6 says a memory index follows; the rest is log2 of the alignment.  Flags of
 * 128 and more are malformed.  The offset is a u64 (memory64); the validator bounds it by
 * the memory's index type.
 */
static enum chibi_err get_memarg(struct cur *c, struct instr *in)
{
	size_t off = (size_t)(c->p - c->base);
	uint32_t flags = 0;
	enum chibi_err err = get_u32(c, &flags);
	int st;

	if (err)
		return err;
	if (flags >= 128)
		return diag_set(c->diag, CHIBI_ERR_MALFORMED, off, "malformed memop flags");
	in->mem = 0;
	in->a = flags;
	if ((flags & 64) && (c->feat & CHIBI_FEAT_MULTI_MEMORY)) {
		err = get_u32(c, &in->mem);
		if (err)
			return err;
		in->a = flags & 63;
	}
	/* Wasm 2.0 (memory64 off): the offset is a u32, larger is malformed */
	st = leb_read_unsigned(&c->p, c->end, c->feat & CHIBI_FEAT_MEMORY64 ? 64 : 32,
			       &in->bits);
	return st ? leb_fail(c, st) : CHIBI_OK;
}

/*
 * heaptype ::= absheaptype (one byte, a negative s33) | s33 >= 0 (a type index)   (spec 5.3.3)
 * Only the heap types of the func, extern and exn families: the GC ones (any, eq, i31,
 * struct, array, none) are the GC issue's, refused as unsupported.  *out is the nullable
 * reference to the heap type; a type index too large for a vtype is kept as VT_MAX_TYPEIDX,
 * which no module has (the decoder caps the type count), so it fails as "unknown type".
 */
static enum chibi_err get_heaptype(struct cur *c, vtype *out)
{
	size_t off = (size_t)(c->p - c->base);
	int64_t v = 0;
	int st = leb_s33(&c->p, c->end, &v);

	if (st)
		return leb_fail(c, st);
	if (v >= 0) {
		*out = vt_ref_index(v > VT_MAX_TYPEIDX ? VT_MAX_TYPEIDX : (uint32_t)v, true);
		return CHIBI_OK;
	}
	switch ((uint8_t)(v & 0x7f)) {
	case VT_FUNCREF: *out = VT_FUNCREF; return CHIBI_OK;
	case VT_EXTERNREF: *out = VT_EXTERNREF; return CHIBI_OK;
	case HT_EXN: *out = HT_EXN; return CHIBI_OK;
	case HT_NOFUNC: *out = VT_FUNCREF | VT_BOTTOM; return CHIBI_OK;
	case HT_NOEXTERN: *out = VT_EXTERNREF | VT_BOTTOM; return CHIBI_OK;
	case HT_NOEXN: *out = HT_EXN | VT_BOTTOM; return CHIBI_OK;
	case 0x6e: case 0x6d: case 0x6c: case 0x6b: case 0x6a: case 0x71:
		return diag_set(c->diag, CHIBI_ERR_UNSUPPORTED, off,
				"GC heap types are not supported");
	default:
		return diag_set(c->diag, CHIBI_ERR_MALFORMED, off, "malformed heap type");
	}
}

/* valtype ::= numtype | vectype | reftype, reftype ::= 0x64 ht | 0x63 ht | the one-byte
 * abbreviations of the nullable abstract references (spec 5.3). */
static enum chibi_err get_valtype(struct cur *c, vtype *out)
{
	size_t off = (size_t)(c->p - c->base);
	uint8_t b = 0;
	enum chibi_err err = get_byte(c, &b);

	if (err)
		return err;
	if (b >= VT_V128 && b <= VT_I32) {
		*out = b;
		return CHIBI_OK;
	}
	if (b == 0x63 || b == 0x64) {
		err = get_heaptype(c, out);
		if (!err && b == 0x64)
			*out |= VT_NONNULL;
		return err;
	}
	c->p--;
	err = get_heaptype(c, out);
	if (err == CHIBI_ERR_MALFORMED || (!err && vt_has_index(*out)) || (b & 0x80))
		return diag_set(c->diag, CHIBI_ERR_MALFORMED, off, "malformed value type");
	return err;
}

enum chibi_err instr_read_valtype(const uint8_t **p, const uint8_t *end, const uint8_t *base,
				  vtype *out, struct chibi_diag *diag)
{
	struct cur c = { *p, end, base, diag, CHIBI_FEATURES_ALL };
	enum chibi_err err = get_valtype(&c, out);

	*p = c.p;
	return err;
}

/*
 * blocktype ::= 0x40 | valtype | s33 (>= 0)   (spec 5.4.1)
 * A single byte with bit 6 set and no continuation is a negative s33, i.e. one of the
 * one-byte type codes or a reference type's 0x63/0x64 prefix; anything longer must be a
 * non-negative type index.
 */
static enum chibi_err get_blocktype(struct cur *c, struct instr *in)
{
	size_t off = (size_t)(c->p - c->base);
	int64_t v = 0;
	int st;

	if (c->p < c->end && (*c->p & 0xc0) == 0x40) {
		vtype t = 0;
		enum chibi_err err;

		if (*c->p == 0x40) {
			c->p++;
			in->bt_kind = BT_EMPTY;
			return CHIBI_OK;
		}
		in->bt_kind = BT_VALTYPE;
		err = get_valtype(c, &t);
		in->a = t;
		return err;
	}
	st = leb_s33(&c->p, c->end, &v);
	if (st)
		return leb_fail(c, st);
	if (v < 0)
		return diag_set(c->diag, CHIBI_ERR_MALFORMED, off, "malformed value type");
	in->bt_kind = BT_TYPEIDX;
	in->a = (uint32_t)v; /* s33 >= 0 fits in 32 bits */
	return CHIBI_OK;
}

/* vec(labelidx) labelidx: the vector stays in place (a is its length, table its start); each
 * LEB is checked now so later readers can trust it. */
static enum chibi_err get_br_table(struct cur *c, struct instr *in)
{
	enum chibi_err err = get_u32(c, &in->a);
	uint32_t label = 0;

	if (err)
		return err;
	in->table = c->p;
	/* Every label is at least one byte, so a huge count stops at the end quickly. */
	for (uint32_t i = 0; i < in->a; i++) {
		err = get_u32(c, &label);
		if (err)
			return err;
	}
	return get_u32(c, &in->b);
}

/* select t*: all types are read and checked; b holds the type when there is exactly one (the
 * validator rejects other counts with "invalid result arity"). */
static enum chibi_err get_select_types(struct cur *c, struct instr *in)
{
	enum chibi_err err = get_u32(c, &in->a);

	if (err)
		return err;
	for (uint32_t i = 0; i < in->a; i++) {
		vtype t = 0;

		err = get_valtype(c, &t);
		if (err)
			return err;
		if (i == 0)
			in->b = t;
	}
	return CHIBI_OK;
}

/* try_table: blocktype, then vec(catch) kept in place (b is its length, table its start);
 * each clause is read and checked now so later readers can trust it. */
static enum chibi_err get_try_table(struct cur *c, struct instr *in)
{
	enum chibi_err err = get_blocktype(c, in);
	uint32_t x = 0;

	if (!err)
		err = get_u32(c, &in->b);
	if (err)
		return err;
	in->table = c->p;
	for (uint32_t i = 0; i < in->b; i++) {
		size_t off = (size_t)(c->p - c->base);
		uint8_t kind = 0;

		err = get_byte(c, &kind);
		if (err)
			return err;
		if (kind > CATCH_ALL_REF)
			return diag_set(c->diag, CHIBI_ERR_MALFORMED, off, "malformed catch clause");
		if (kind == CATCH_TAG || kind == CATCH_TAG_REF) {
			err = get_u32(c, &x);
			if (err)
				return err;
		}
		err = get_u32(c, &x);
		if (err)
			return err;
	}
	return CHIBI_OK;
}

static enum chibi_err get_opcode(struct cur *c, struct instr *in)
{
	uint8_t b = 0;
	uint32_t sub = 0;
	enum chibi_err err = get_byte(c, &b);

	if (err)
		return err;
	if (b == 0xfc || b == 0xfd) {
		/* A prefix's sub-opcode is a u32 LEB, so 0xfc 0x80 0x00 is i32.trunc_sat_f32_s. */
		unsigned base = OPC_BASE(b), limit = b == 0xfc ? 0x100 : OPC_LIMIT - 0x200;

		err = get_u32(c, &sub);
		if (err)
			return err;
		if (sub >= limit || !op_info[base + sub].name_off)
			return diag_set(c->diag, CHIBI_ERR_MALFORMED, in->offset,
					"illegal opcode");
		in->op = (uint16_t)(base + sub);
		return CHIBI_OK;
	}
	if (!op_info[b].name_off)
		return diag_set(c->diag, CHIBI_ERR_MALFORMED, in->offset, "illegal opcode");
	in->op = b;
	return CHIBI_OK;
}

static enum chibi_err get_immediates(struct cur *c, struct instr *in)
{
	enum chibi_err err = CHIBI_OK;
	int st = LEB_OK;

	switch (op_info[in->op].imm) {
	case IMM_NONE:
		break;
	case IMM_BLOCKTYPE:
		err = get_blocktype(c, in);
		break;
	case IMM_LABEL:
	case IMM_TAG:
	case IMM_FUNC:
	case IMM_TYPE:
	case IMM_LOCAL:
	case IMM_GLOBAL:
	case IMM_TABLE:
	case IMM_DATA:
	case IMM_ELEM:
		err = get_u32(c, &in->a);
		break;
	case IMM_BR_TABLE:
		err = get_br_table(c, in);
		break;
	case IMM_TRY_TABLE:
		err = get_try_table(c, in);
		break;
	case IMM_CALL_INDIRECT:
	case IMM_TABLE_INIT:
	case IMM_TABLE_COPY:
		err = get_u32(c, &in->a);
		if (!err)
			err = get_u32(c, &in->b);
		break;
	case IMM_SELECT_T:
		err = get_select_types(c, in);
		break;
	case IMM_MEMARG:
	case IMM_MEMARG_LANE: {
		uint8_t lane = 0;

		err = get_memarg(c, in);
		if (!err && op_info[in->op].imm == IMM_MEMARG_LANE)
			err = get_byte(c, &lane);
		in->b = lane;
		break;
	}
	case IMM_LANE: {
		uint8_t lane = 0;

		err = get_byte(c, &lane);
		in->a = lane;
		break;
	}
	case IMM_V128:
	case IMM_SHUFFLE:
		/* 16 raw bytes, left in place; lane bounds are the validator's */
		if (c->end - c->p < 16) {
			c->p = c->end;
			st = LEB_EOF;
			break;
		}
		in->imm16 = c->p;
		c->p += 16;
		break;
	case IMM_MEMIDX:
		err = get_memidx(c, &in->mem);
		break;
	case IMM_I32: {
		int32_t v = 0;

		st = leb_s32(&c->p, c->end, &v);
		in->bits = (uint64_t)(int64_t)v;
		break;
	}
	case IMM_I64: {
		int64_t v = 0;

		st = leb_s64(&c->p, c->end, &v);
		in->bits = (uint64_t)v;
		break;
	}
	case IMM_F32: {
		uint32_t v = 0;

		st = rd_u32le(&c->p, c->end, &v);
		in->bits = v;
		break;
	}
	case IMM_F64:
		st = rd_u64le(&c->p, c->end, &in->bits);
		break;
	case IMM_REFTYPE: {
		size_t off = (size_t)(c->p - c->base);
		vtype t = 0;

		err = get_heaptype(c, &t);
		if (err == CHIBI_ERR_MALFORMED)
			err = diag_set(c->diag, CHIBI_ERR_MALFORMED, off,
				       "malformed reference type");
		in->a = t;
		break;
	}
	case IMM_MEMORY_INIT:
		err = get_u32(c, &in->a);
		if (!err)
			err = get_memidx(c, &in->mem);
		break;
	case IMM_MEMORY_COPY:
		err = get_memidx(c, &in->mem);
		if (!err)
			err = get_memidx(c, &in->b);
		break;
	default:
		/* A row with an imm kind this reader does not know: a table bug, not bad input. */
		err = diag_set(c->diag, CHIBI_ERR_MALFORMED, in->offset, "illegal opcode");
		break;
	}
	if (st)
		return leb_fail(c, st);
	return err;
}

/* See vm/instr.h: the full reader, for what the inline fast path leaves. */
enum chibi_err instr_read_any(const uint8_t **p, const uint8_t *end, const uint8_t *base,
			      uint32_t features, struct instr *out, struct chibi_diag *diag)
{
	struct cur c = { .p = *p, .end = end, .base = base, .diag = diag, .feat = features };
	enum chibi_err err;

	memset(out, 0, sizeof(*out));
	out->offset = (uint32_t)(*p - base);
	err = get_opcode(&c, out);
	/* a switched-off proposal's opcodes are illegal, as before the proposal */
	if (!err && (op_info[out->op].feature & ~features))
		err = diag_set(diag, CHIBI_ERR_MALFORMED, out->offset, "illegal opcode");
	if (!err)
		err = get_immediates(&c, out);
	*p = c.p;
	return err;
}

/*
 * Read the next br_table label at *p and advance.  Only for code that instr_read() has
 * already accepted (the LEB is known to be well-formed and at most 5 bytes).
 */
uint32_t instr_br_table_label(const uint8_t **p)
{
	const uint8_t *q = *p;
	uint32_t v = 0;

	/* No limit pointer here: the caller's code is known to terminate each LEB within 5
	 * bytes, and the shift cap keeps even bad input free of undefined shifts. */
	for (unsigned shift = 0;; shift += 7) {
		uint8_t b = *q++;

		if (shift < 32)
			v |= (uint32_t)(b & 0x7f) << shift;
		if (!(b & 0x80) || shift >= 28)
			break;
	}
	*p = q;
	return v;
}

/* Read the next catch clause of a try_table at *p (validated code only) and advance: its kind
 * (enum catch_kind), tag index (CATCH_TAG, CATCH_TAG_REF; else 0) and label. */
void instr_catch_clause(const uint8_t **p, uint8_t *kind, uint32_t *tag, uint32_t *label)
{
	*kind = *(*p)++;
	*tag = 0;
	if (*kind == CATCH_TAG || *kind == CATCH_TAG_REF)
		*tag = instr_br_table_label(p);
	*label = instr_br_table_label(p);
}
