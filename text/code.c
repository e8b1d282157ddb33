/* text/code.c - instructions of the text format -> code bytes (spec 6.5, 5.4).
 *
 * Plain and folded instructions, structured blocks with labels by name or depth, block
 * types, and every immediate kind of vm/opcodes.def: an instruction's name, opcode and
 * immediate kind come from that table's `text` column, never from a list of our own.  The
 * one exception is the structured and 3.0 instructions the table has no row for yet
 * (exceptions, typed function references): their text forms carry structure the table
 * cannot describe (catch clauses, delegate), so they are listed below and looked up first.
 * Entry points: code_expr, code_add_local, fctx_free.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "../vm/alloc.h"
#include "../vm/types.h"
#include "wat_int.h"

/* Immediate kinds of the structured and 3.0 rows below (beyond enum imm_kind). */
enum {
	XIMM_TAG = 200,    /* throw: tag index */
	XIMM_TYPE,         /* call_ref, return_call_ref: type index */
	XIMM_TRY_TABLE,    /* try_table: label? blocktype catch* ... end */
	XIMM_TRY,          /* legacy try: label? blocktype ... catch/catch_all/delegate/end */
	XIMM_BLOCK,        /* block, loop, if */
	XIMM_TYPE_FIELD,   /* struct.get ...: type index, field index (or $name) */
	XIMM_TYPE_N,       /* array.new_fixed: type index, u32 count */
	XIMM_TYPE_DATA,    /* array.new_data, array.init_data: type, data index */
	XIMM_TYPE_ELEM,    /* array.new_elem, array.init_elem: type, elem index */
	XIMM_TYPE_TYPE,    /* array.copy: two type indices */
	XIMM_REFTYPE_NULL, /* ref.test, ref.cast: code + 1 for a nullable type, heap type */
	XIMM_BR_CAST,      /* br_on_cast(_fail): flags, label, two heap types */
};

struct opname {
	const char *text;
	uint8_t prefix;
	uint16_t code;
	uint8_t imm;
	uint8_t memlog2;
};

/* The rows of vm/opcodes.def; each text is op_name()'s, filled in with the sorting (a
 * pointer per row here would be one more relocation at every start of a static-pie chibi,
 * which mostly never reads text). */
static struct opname table_ops[] = {
#define OP(name, pfx, code, imm, params, results, ml, cls, type, rel, flags, feat, text) \
	{ NULL, pfx, code, imm, ml },
#include "../vm/opcodes.def"
#undef OP
};

/* Rows vm/opcodes.def does not have (yet): looked up first, so the reader's structure for
 * them holds when the table gains them. */
static const struct opname extra_ops[] = {
	{ "block", 0, 0x02, XIMM_BLOCK, 0 },
	{ "loop", 0, 0x03, XIMM_BLOCK, 0 },
	{ "if", 0, 0x04, XIMM_BLOCK, 0 },
	{ "try", 0, 0x06, XIMM_TRY, 0 },
	{ "throw", 0, 0x08, XIMM_TAG, 0 },
	{ "rethrow", 0, 0x09, IMM_LABEL, 0 },
	{ "throw_ref", 0, 0x0a, IMM_NONE, 0 },
	{ "call_ref", 0, 0x14, XIMM_TYPE, 0 },
	{ "return_call_ref", 0, 0x15, XIMM_TYPE, 0 },
	{ "try_table", 0, 0x1f, XIMM_TRY_TABLE, 0 },
	{ "ref.eq", 0, 0xd3, IMM_NONE, 0 },
	{ "ref.as_non_null", 0, 0xd4, IMM_NONE, 0 },
	{ "br_on_null", 0, 0xd5, IMM_LABEL, 0 },
	{ "br_on_non_null", 0, 0xd6, IMM_LABEL, 0 },
	/* GC (0xFB prefix): read so that GC-typed modules become binaries; chibi's engine
	 * does not run them (GC is its own issue) */
	{ "struct.new", 0xfb, 0, XIMM_TYPE, 0 },
	{ "struct.new_default", 0xfb, 1, XIMM_TYPE, 0 },
	{ "struct.get", 0xfb, 2, XIMM_TYPE_FIELD, 0 },
	{ "struct.get_s", 0xfb, 3, XIMM_TYPE_FIELD, 0 },
	{ "struct.get_u", 0xfb, 4, XIMM_TYPE_FIELD, 0 },
	{ "struct.set", 0xfb, 5, XIMM_TYPE_FIELD, 0 },
	{ "array.new", 0xfb, 6, XIMM_TYPE, 0 },
	{ "array.new_default", 0xfb, 7, XIMM_TYPE, 0 },
	{ "array.new_fixed", 0xfb, 8, XIMM_TYPE_N, 0 },
	{ "array.new_data", 0xfb, 9, XIMM_TYPE_DATA, 0 },
	{ "array.new_elem", 0xfb, 10, XIMM_TYPE_ELEM, 0 },
	{ "array.get", 0xfb, 11, XIMM_TYPE, 0 },
	{ "array.get_s", 0xfb, 12, XIMM_TYPE, 0 },
	{ "array.get_u", 0xfb, 13, XIMM_TYPE, 0 },
	{ "array.set", 0xfb, 14, XIMM_TYPE, 0 },
	{ "array.len", 0xfb, 15, IMM_NONE, 0 },
	{ "array.fill", 0xfb, 16, XIMM_TYPE, 0 },
	{ "array.copy", 0xfb, 17, XIMM_TYPE_TYPE, 0 },
	{ "array.init_data", 0xfb, 18, XIMM_TYPE_DATA, 0 },
	{ "array.init_elem", 0xfb, 19, XIMM_TYPE_ELEM, 0 },
	{ "ref.test", 0xfb, 20, XIMM_REFTYPE_NULL, 0 },
	{ "ref.cast", 0xfb, 22, XIMM_REFTYPE_NULL, 0 },
	{ "br_on_cast", 0xfb, 24, XIMM_BR_CAST, 0 },
	{ "br_on_cast_fail", 0xfb, 25, XIMM_BR_CAST, 0 },
	{ "any.convert_extern", 0xfb, 26, IMM_NONE, 0 },
	{ "extern.convert_any", 0xfb, 27, IMM_NONE, 0 },
	{ "ref.i31", 0xfb, 28, IMM_NONE, 0 },
	{ "i31.get_s", 0xfb, 29, IMM_NONE, 0 },
	{ "i31.get_u", 0xfb, 30, IMM_NONE, 0 },
};

#define NTABLE (sizeof(table_ops) / sizeof(table_ops[0]))
static const struct opname *sorted[NTABLE];
static pthread_once_t sorted_once = PTHREAD_ONCE_INIT;

static int cmp_name(const void *a, const void *b)
{
	return strcmp((*(const struct opname *const *)a)->text,
		      (*(const struct opname *const *)b)->text);
}

static void sort_ops(void)
{
	for (size_t i = 0; i < NTABLE; i++) {
		table_ops[i].text = op_name(OPC_BASE(table_ops[i].prefix) + table_ops[i].code);
		sorted[i] = &table_ops[i];
	}
	qsort(sorted, NTABLE, sizeof(sorted[0]), cmp_name);
}

static const struct opname *find_op(const struct wat_node *n)
{
	size_t lo = 0, hi;

	for (size_t i = 0; i < sizeof(extra_ops) / sizeof(extra_ops[0]); i++)
		if (wat_is_atom(n, extra_ops[i].text))
			return &extra_ops[i];
	pthread_once(&sorted_once, sort_ops);
	hi = NTABLE;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		const char *t = sorted[mid]->text;
		int c = strncmp(t, n->text, n->len);

		if (!c)
			c = t[n->len] ? 1 : 0;
		if (!c) {
			/* select has two rows: the caller picks by the (result) clause */
			while (mid && !strcmp(sorted[mid - 1]->text, t))
				mid--;
			return sorted[mid];
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* ---- context ---------------------------------------------------------------------------- */

void fctx_free(struct fctx *f)
{
	vm_free(f->locals);
	vm_free(f->labels);
	f->locals = f->labels = NULL;
	f->nlocals = f->nlabels = f->lcap = f->labcap = 0;
}

bool code_add_local(struct fctx *f, const struct wat_node *id)
{
	if (id) {
		for (size_t i = 0; i < f->nlocals; i++)
			if (f->locals[i].s && f->locals[i].n == id->len &&
			    !memcmp(f->locals[i].s, id->text, id->len))
				return mod_fail(f->m, id, "duplicate local %.*s", (int)id->len,
						id->text);
	}
	if (!VM_GROW(f->locals, f->lcap, f->nlocals + 1))
		return mod_fail(f->m, NULL, "out of memory");
	f->locals[f->nlocals++] = id ? (struct ident){ id->text, id->len } : (struct ident){ 0 };
	return true;
}

static bool push_label(struct fctx *f, const struct wat_node *id)
{
	if (!VM_GROW(f->labels, f->labcap, f->nlabels + 1))
		return mod_fail(f->m, NULL, "out of memory");
	f->labels[f->nlabels++] = id ? (struct ident){ id->text, id->len } : (struct ident){ 0 };
	return true;
}

static bool fail(struct fctx *f, const struct wat_node *at, const char *msg)
{
	return mod_fail(f->m, at, "%s", msg);
}

static bool is_num(const struct wat_node *n)
{
	return n && n->kind == WAT_ATOM && n->text[0] >= '0' && n->text[0] <= '9';
}

static bool label_index(struct fctx *f, const struct wat_node *n, uint32_t *out)
{
	uint64_t v;

	if (n && n->kind == WAT_ID) {
		for (size_t i = f->nlabels; i-- > 0;)
			if (f->labels[i].s && f->labels[i].n == n->len &&
			    !memcmp(f->labels[i].s, n->text, n->len)) {
				*out = (uint32_t)(f->nlabels - 1 - i);
				return true;
			}
		return mod_fail(f->m, n, "unknown label %.*s", (int)n->len, n->text);
	}
	if (!is_num(n) || !wat_read_uint(n->text, n->len, UINT32_MAX, &v))
		return fail(f, n, "unexpected token: label expected");
	*out = (uint32_t)v;
	return true;
}

static bool local_index(struct fctx *f, const struct wat_node *n, uint32_t *out)
{
	uint64_t v;

	if (n && n->kind == WAT_ID) {
		for (size_t i = 0; i < f->nlocals; i++)
			if (f->locals[i].s && f->locals[i].n == n->len &&
			    !memcmp(f->locals[i].s, n->text, n->len)) {
				*out = (uint32_t)i;
				return true;
			}
		return mod_fail(f->m, n, "unknown local %.*s", (int)n->len, n->text);
	}
	if (!is_num(n) || !wat_read_uint(n->text, n->len, UINT32_MAX, &v))
		return fail(f, n, "unexpected token: local index expected");
	*out = (uint32_t)v;
	return true;
}

/* An index immediate of space s at *pn, written as u32. */
static bool index_imm(struct fctx *f, const struct space *s, const struct wat_node **pn)
{
	uint32_t idx;

	if (!mod_is_index(*pn))
		return mod_fail(f->m, *pn, "unexpected token: %s index expected", s->what);
	if (!mod_index(f->m, s, *pn, &idx))
		return false;
	buf_u32(f->out, idx);
	*pn = (*pn)->next;
	return true;
}

/* An optional index (default 0) of space s. */
static bool opt_index(struct fctx *f, const struct space *s, const struct wat_node **pn,
		      uint32_t *out)
{
	*out = 0;
	if (!mod_is_index(*pn))
		return true;
	if (!mod_index(f->m, s, *pn, out))
		return false;
	*pn = (*pn)->next;
	return true;
}

static void put_op(struct fctx *f, const struct opname *op)
{
	if (op->prefix) {
		buf_put(f->out, op->prefix);
		buf_u32(f->out, op->code);
	} else {
		buf_put(f->out, (uint8_t)op->code);
	}
}

/* ---- immediates --------------------------------------------------------------------------- */

/* A constant that did not read: out of range when it is a number of that kind (the spec's
 * "constant out of range"), else not a literal at all (the spec's "unknown operator"). */
static bool bad_const(struct fctx *f, const struct wat_node *n, bool is_float)
{
	bool numeric = n->kind == WAT_ATOM && (is_float ? wat_is_float_syntax(n->text, n->len)
					       : wat_is_int_syntax(n->text, n->len));

	if (numeric)
		return mod_fail(f->m, n, "constant out of range: %.*s", (int)n->len, n->text);
	return mod_fail(f->m, n, "unknown operator: not %s literal: %.*s",
			is_float ? "a float" : "an integer", (int)(n->len < 40 ? n->len : 40), n->text);
}

static bool keyword_value(const struct wat_node *n, const char *key, const char **v,
			  size_t *vl)
{
	size_t kl = strlen(key);

	if (!n || n->kind != WAT_ATOM || n->len <= kl || memcmp(n->text, key, kl))
		return false;
	*v = n->text + kl;
	*vl = n->len - kl;
	return true;
}

/* memidx? offset=o? align=a?; lane: a lane index follows (v128.load8_lane ...), so a lone
 * number is the lane, not a memory. */
static bool memarg(struct fctx *f, const struct wat_node **pn, unsigned natural, bool lane)
{
	const struct wat_node *n = *pn;
	uint32_t mem = 0, log2 = natural;
	uint64_t offset = 0, align;
	const char *v;
	size_t vl;
	if (n && (n->kind == WAT_ID ||
		  (is_num(n) && (!lane || is_num(n->next) ||
				 keyword_value(n->next, "offset=", &v, &vl) ||
				 keyword_value(n->next, "align=", &v, &vl))))) {
		if (!mod_index(f->m, &f->m->mems, n, &mem))
			return false;
		n = n->next;
	}
	if (keyword_value(n, "offset=", &v, &vl)) {
		/* up to 2^64-1 even on 32-bit memories: the validator says "offset out of
		 * range" (address.wast asserts it as invalid, not malformed); without
		 * memory64 (Wasm 2.0) a u32, larger is malformed text */
		bool u64 = f->m->features & CHIBI_FEAT_MEMORY64;

		if (!wat_read_uint(v, vl, u64 ? UINT64_MAX : UINT32_MAX, &offset))
			return fail(f, n, u64 ? "offset out of range or malformed" :
				    "i32 constant out of range (offset)");
		n = n->next;
	}
	if (keyword_value(n, "align=", &v, &vl)) {
		if (!wat_read_uint(v, vl, UINT64_MAX, &align) || !align || (align & (align - 1)))
			return fail(f, n, "alignment must be a power of two");
		for (log2 = 0; (1ull << log2) < align; log2++)
			;
		n = n->next;
	}
	buf_u32(f->out, log2 | (mem ? 0x40 : 0));
	if (mem)
		buf_u32(f->out, mem);
	buf_u64(f->out, offset);
	*pn = n;
	return true;
}

static bool lane_imm(struct fctx *f, const struct wat_node **pn)
{
	uint64_t v;

	if (!is_num(*pn) || !wat_read_uint((*pn)->text, (*pn)->len, 255, &v))
		return fail(f, *pn, "malformed lane index");
	buf_put(f->out, (uint8_t)v);
	*pn = (*pn)->next;
	return true;
}

static bool v128_const(struct fctx *f, const struct wat_node **pn)
{
	static const struct {
		const char *name;
		unsigned bits;
		bool is_float;
	} shapes[] = {
		{ "i8x16", 8, false }, { "i16x8", 16, false }, { "i32x4", 32, false },
		{ "i64x2", 64, false }, { "f32x4", 32, true }, { "f64x2", 64, true },
	};
	const struct wat_node *n = *pn;
	size_t s;

	for (s = 0; s < sizeof(shapes) / sizeof(shapes[0]); s++)
		if (wat_is_atom(n, shapes[s].name))
			break;
	if (s == sizeof(shapes) / sizeof(shapes[0]))
		return fail(f, n, "unexpected token: v128 shape expected");
	n = n->next;
	for (unsigned l = 0; l < 128 / shapes[s].bits; l++, n = n->next) {
		uint64_t v;
		bool ok = n && n->kind == WAT_ATOM &&
			  (shapes[s].is_float ? wat_read_float(n->text, n->len, shapes[s].bits, &v)
			   : wat_read_int(n->text, n->len, shapes[s].bits, &v));

		if (!ok)
			return fail(f, n, n ? "constant out of range or malformed v128 lane"
				    : "unexpected end: v128 lane expected");
		for (unsigned b = 0; b < shapes[s].bits / 8; b++)
			buf_put(f->out, (uint8_t)(v >> (8 * b)));
	}
	*pn = n;
	return true;
}

/* blocktype: nothing (0x40), one result type, or a type use (index). */
static bool blocktype(struct fctx *f, const struct wat_node **pn)
{
	const struct wat_node *n = *pn, *k;
	uint32_t nres = 0, idx, np;

	if (!mod_at_typeuse(n)) {
		buf_put(f->out, 0x40);
		return true;
	}
	if (wat_is_list(n, "result")) {
		for (k = n; wat_is_list(k, "result"); k = k->next)
			for (const struct wat_node *t = k->first->next; t; t = t->next)
				nres++;
		if (nres <= 1 && !wat_is_list(k, "param") && !wat_is_list(k, "type")) {
			const struct wat_node *t = n->first->next;

			for (k = n; !t && wat_is_list(k->next, "result"); k = k->next)
				t = k->next->first->next;
			if (!nres) {
				buf_put(f->out, 0x40);
			} else if (!mod_valtype(f->m, &t, f->out)) {
				return false;
			}
			while (wat_is_list(n, "result"))
				n = n->next;
			*pn = n;
			return true;
		}
	}
	if (!mod_typeuse(f->m, pn, NULL, &idx, &np))
		return false;
	buf_s64(f->out, idx);
	return true;
}

/* ---- instructions ------------------------------------------------------------------------ */

static bool instrs(struct fctx *f, const struct wat_node **pn);
static bool folded(struct fctx *f, const struct wat_node *list);

static bool is_terminator(const struct wat_node *n)
{
	return wat_is_atom(n, "end") || wat_is_atom(n, "else") || wat_is_atom(n, "catch") ||
	       wat_is_atom(n, "catch_all") || wat_is_atom(n, "delegate");
}

/* An optional `$id` after end/else must repeat the block's label. */
static bool closing_label(struct fctx *f, const struct wat_node **pn, struct ident lab)
{
	const struct wat_node *n = *pn;

	if (!n || n->kind != WAT_ID)
		return true;
	if (!lab.s || lab.n != n->len || memcmp(lab.s, n->text, n->len))
		return fail(f, n, "mismatching label");
	*pn = n->next;
	return true;
}

/* try_table's catch clauses, labels resolved outside the block. */
static bool catch_clauses(struct fctx *f, const struct wat_node **pn)
{
	static const char *const kinds[] = { "catch", "catch_ref", "catch_all", "catch_all_ref" };
	const struct wat_node *n = *pn, *c;
	uint32_t count = 0;

	for (c = n; c && c->kind == WAT_LIST; c = c->next) {
		size_t k;

		for (k = 0; k < 4; k++)
			if (wat_is_list(c, kinds[k]))
				break;
		if (k == 4)
			break;
		count++;
	}
	buf_u32(f->out, count);
	for (; n != c; n = n->next) {
		const struct wat_node *a = n->first->next;
		uint8_t kind = wat_is_list(n, "catch") ? 0 : wat_is_list(n, "catch_ref") ? 1
			       : wat_is_list(n, "catch_all") ? 2 : 3;
		uint32_t lab;

		buf_put(f->out, kind);
		if (kind < 2 && !index_imm(f, &f->m->tags, &a))
			return false;
		if (!label_index(f, a, &lab))
			return false;
		if (a->next)
			return fail(f, a->next, "unexpected token in catch clause");
		buf_u32(f->out, lab);
	}
	*pn = n;
	return true;
}

/* block/loop/if/try/try_table in plain form, through its `end` (or delegate). */
static bool plain_block(struct fctx *f, const struct opname *op, const struct wat_node **pn)
{
	const struct wat_node *n = (*pn)->next, *id = NULL;
	struct ident lab;

	if (n && n->kind == WAT_ID) {
		id = n;
		n = n->next;
	}
	put_op(f, op);
	if (!blocktype(f, &n))
		return false;
	if (op->imm == XIMM_TRY_TABLE && !catch_clauses(f, &n))
		return false;
	if (!push_label(f, id))
		return false;
	lab = f->labels[f->nlabels - 1];
	if (!instrs(f, &n))
		return false;
	if (op->code == 0x04 && wat_is_atom(n, "else")) {
		buf_put(f->out, 0x05);
		n = n->next;
		if (!closing_label(f, &n, lab) || !instrs(f, &n))
			return false;
	}
	if (op->imm == XIMM_TRY) {
		while (wat_is_atom(n, "catch") || wat_is_atom(n, "catch_all")) {
			bool all = wat_is_atom(n, "catch_all");

			buf_put(f->out, all ? 0x19 : 0x07);
			n = n->next;
			if (!all && !index_imm(f, &f->m->tags, &n))
				return false;
			if (!instrs(f, &n))
				return false;
		}
		if (wat_is_atom(n, "delegate")) {
			uint32_t depth;

			f->nlabels--;
			n = n->next;
			if (!label_index(f, n, &depth))
				return false;
			buf_put(f->out, 0x18);
			buf_u32(f->out, depth);
			*pn = n->next;
			return true;
		}
	}
	if (!wat_is_atom(n, "end"))
		return fail(f, n ? n : *pn, n ? "unexpected token: end expected"
			    : "unexpected end: missing end");
	buf_put(f->out, 0x0b);
	n = n->next;
	if (!closing_label(f, &n, lab))
		return false;
	f->nlabels--;
	*pn = n;
	return true;
}

/* The immediates of `op` at *pn (advanced past them), written after the opcode. */
static bool immediates(struct fctx *f, const struct opname *op, const struct wat_node *at,
		       const struct wat_node **pn)
{
	struct mod *m = f->m;
	const struct wat_node *n = *pn;
	uint64_t v;
	uint32_t a, b, np;

	switch (op->imm) {
	case IMM_NONE:
		break;
	case IMM_LABEL:
		if (!label_index(f, n, &a))
			return false;
		buf_u32(f->out, a);
		n = n->next;
		break;
	case IMM_BR_TABLE: {
		const struct wat_node *k;
		uint32_t count = 0;

		for (k = n; mod_is_index(k); k = k->next)
			count++;
		if (!count)
			return fail(f, n ? n : at, "unexpected token: label expected");
		buf_u32(f->out, count - 1);
		for (; n != k; n = n->next) {
			if (!label_index(f, n, &a))
				return false;
			buf_u32(f->out, a);
		}
		break;
	}
	case IMM_FUNC:
		if (!index_imm(f, &m->funcs, &n))
			return false;
		break;
	case IMM_CALL_INDIRECT:
		if (!opt_index(f, &m->tables, &n, &b) ||
		    !mod_typeuse(m, &n, NULL, &a, &np))
			return false;
		buf_u32(f->out, a);
		buf_u32(f->out, b);
		break;
	case IMM_LOCAL:
		if (!local_index(f, n, &a))
			return false;
		buf_u32(f->out, a);
		n = n->next;
		break;
	case IMM_GLOBAL:
		if (!index_imm(f, &m->globals, &n))
			return false;
		break;
	case IMM_TABLE:
		if (!opt_index(f, &m->tables, &n, &a))
			return false;
		buf_u32(f->out, a);
		break;
	case IMM_MEMARG:
	case IMM_MEMARG_LANE:
		if (!memarg(f, &n, op->memlog2, op->imm == IMM_MEMARG_LANE))
			return false;
		if (op->imm == IMM_MEMARG_LANE && !lane_imm(f, &n))
			return false;
		break;
	case IMM_MEMIDX:
		if (!opt_index(f, &m->mems, &n, &a))
			return false;
		buf_u32(f->out, a);
		break;
	case IMM_I32:
	case IMM_I64:
		if (!n || n->kind != WAT_ATOM ||
		    !wat_read_int(n->text, n->len, op->imm == IMM_I32 ? 32 : 64, &v))
			return n ? bad_const(f, n, false)
				 : fail(f, at, "unexpected token: constant expected");
		buf_s64(f->out, op->imm == IMM_I32 ? (int64_t)(int32_t)(uint32_t)v : (int64_t)v);
		n = n->next;
		break;
	case IMM_F32:
	case IMM_F64: {
		unsigned bits = op->imm == IMM_F32 ? 32 : 64;

		if (!n || n->kind != WAT_ATOM || !wat_read_float(n->text, n->len, bits, &v))
			return n ? bad_const(f, n, true)
				 : fail(f, at, "unexpected token: constant expected");
		for (unsigned i = 0; i < bits / 8; i++)
			buf_put(f->out, (uint8_t)(v >> (8 * i)));
		n = n->next;
		break;
	}
	case IMM_REFTYPE:
		if (!mod_heaptype(m, n, f->out))
			return false;
		n = n->next;
		break;
	case IMM_MEMORY_INIT:
	case IMM_TABLE_INIT: {
		bool mem = op->imm == IMM_MEMORY_INIT;
		const struct space *seg = mem ? &m->datas : &m->elems;
		const struct space *tgt = mem ? &m->mems : &m->tables;

		b = 0;
		if (mod_is_index(n) && mod_is_index(n->next)) {
			if (!mod_index(m, tgt, n, &b))
				return false;
			n = n->next;
		}
		if (!index_imm(f, seg, &n))
			return false;
		buf_u32(f->out, b);
		m->need_datacount |= mem;
		break;
	}
	case IMM_DATA:
		if (!index_imm(f, &m->datas, &n))
			return false;
		m->need_datacount = true;
		break;
	case IMM_ELEM:
		if (!index_imm(f, &m->elems, &n))
			return false;
		break;
	case IMM_MEMORY_COPY:
	case IMM_TABLE_COPY: {
		const struct space *s = op->imm == IMM_MEMORY_COPY ? &m->mems : &m->tables;

		a = b = 0;
		if (mod_is_index(n)) {
			if (!mod_index(m, s, n, &a) || !mod_is_index(n->next) ||
			    !mod_index(m, s, n->next, &b))
				return m->failed ? false : fail(f, n->next, "unexpected token: "
								"second index expected");
			n = n->next->next;
		}
		buf_u32(f->out, a);
		buf_u32(f->out, b);
		break;
	}
	case IMM_V128:
		if (!v128_const(f, &n))
			return false;
		break;
	case IMM_SHUFFLE:
		for (int i = 0; i < 16; i++)
			if (!lane_imm(f, &n))
				return false;
		break;
	case IMM_LANE:
		if (!lane_imm(f, &n))
			return false;
		break;
	case XIMM_TAG:
		if (!index_imm(f, &m->tags, &n))
			return false;
		break;
	case XIMM_TYPE:
		if (!index_imm(f, &m->types, &n))
			return false;
		break;
	case XIMM_TYPE_FIELD: {
		uint32_t t;

		if (!mod_is_index(n) || !mod_index(m, &m->types, n, &t))
			return m->failed ? false : fail(f, n ? n : at, "unexpected token: type "
							 "index expected");
		buf_u32(f->out, t);
		n = n->next;
		if (n && n->kind == WAT_ID) {
			const struct tdef *td = t < m->ntdefs ? &m->tdefs[t] : NULL;
			size_t i;

			for (i = 0; td && i < td->nfields; i++)
				if (td->fields[i].s && td->fields[i].n == n->len &&
				    !memcmp(td->fields[i].s, n->text, n->len))
					break;
			if (!td || i == td->nfields)
				return mod_fail(m, n, "unknown field %.*s", (int)n->len, n->text);
			buf_u32(f->out, (uint32_t)i);
		} else if (!is_num(n) || !wat_read_uint(n->text, n->len, UINT32_MAX, &v)) {
			return fail(f, n ? n : at, "unexpected token: field index expected");
		} else {
			buf_u32(f->out, (uint32_t)v);
		}
		n = n->next;
		break;
	}
	case XIMM_TYPE_N:
		if (!index_imm(f, &m->types, &n))
			return false;
		if (!is_num(n) || !wat_read_uint(n->text, n->len, UINT32_MAX, &v))
			return fail(f, n ? n : at, "unexpected token: count expected");
		buf_u32(f->out, (uint32_t)v);
		n = n->next;
		break;
	case XIMM_TYPE_DATA:
		if (!index_imm(f, &m->types, &n) || !index_imm(f, &m->datas, &n))
			return false;
		m->need_datacount = true;
		break;
	case XIMM_TYPE_ELEM:
		if (!index_imm(f, &m->types, &n) || !index_imm(f, &m->elems, &n))
			return false;
		break;
	case XIMM_TYPE_TYPE:
		if (!index_imm(f, &m->types, &n) || !index_imm(f, &m->types, &n))
			return false;
		break;
	case XIMM_REFTYPE_NULL: {
		struct buf ht = { 0 };
		bool nullable;

		if (!mod_reftype(m, &n, &nullable, &ht)) {
			buf_free(&ht);
			return false;
		}
		/* the opcode was written as the non-null form: bump it */
		f->out->len--;
		buf_u32(f->out, op->code + nullable);
		buf_bytes(f->out, ht.p, ht.len);
		buf_free(&ht);
		break;
	}
	case XIMM_BR_CAST: {
		struct buf h1 = { 0 }, h2 = { 0 };
		bool n1, n2;
		bool ok = label_index(f, n, &a);

		if (ok)
			n = n->next;
		ok = ok && mod_reftype(m, &n, &n1, &h1) && mod_reftype(m, &n, &n2, &h2);
		if (ok) {
			buf_put(f->out, (uint8_t)(n1 | n2 << 1));
			buf_u32(f->out, a);
			buf_bytes(f->out, h1.p, h1.len);
			buf_bytes(f->out, h2.p, h2.len);
		}
		buf_free(&h1);
		buf_free(&h2);
		if (!ok)
			return false;
		break;
	}
	default:
		return fail(f, at, "instruction not supported by the text reader");
	}
	*pn = n;
	return true;
}

/* select, with (result t*) lists: the typed form. */
static bool select_op(struct fctx *f, const struct wat_node **pn)
{
	const struct wat_node *n = *pn;
	struct buf types = { 0 };
	uint32_t count = 0;

	if (!wat_is_list(n, "result")) {
		buf_put(f->out, 0x1b);
		return true;
	}
	for (; wat_is_list(n, "result"); n = n->next)
		for (const struct wat_node *t = n->first->next; t; count++)
			if (!mod_valtype(f->m, &t, &types)) {
				buf_free(&types);
				return false;
			}
	buf_put(f->out, 0x1c);
	buf_u32(f->out, count);
	buf_bytes(f->out, types.p, types.len);
	buf_free(&types);
	*pn = n;
	return true;
}

/* One plain instruction at *pn (a keyword), advanced past it. */
static bool plain(struct fctx *f, const struct wat_node **pn)
{
	const struct wat_node *at = *pn, *n = at->next;
	const struct opname *op = find_op(at);

	if (!op || (!op->prefix && (op->code == 0x05 || op->code == 0x0b)))
		return mod_fail(f->m, at, "unknown operator %.*s", (int)at->len, at->text);
	if (op->imm == XIMM_BLOCK || op->imm == XIMM_TRY || op->imm == XIMM_TRY_TABLE)
		return plain_block(f, op, pn);
	if (!op->prefix && (op->code == 0x1b || op->code == 0x1c)) {
		if (!select_op(f, &n))
			return false;
		*pn = n;
		return true;
	}
	put_op(f, op);
	if (!immediates(f, op, at, &n))
		return false;
	*pn = n;
	return true;
}

static bool instrs(struct fctx *f, const struct wat_node **pn)
{
	const struct wat_node *n = *pn;

	while (n && !f->m->failed) {
		if (n->kind == WAT_LIST) {
			if (!folded(f, n))
				return false;
			n = n->next;
			continue;
		}
		if (n->kind != WAT_ATOM)
			return fail(f, n, "unexpected token: instruction expected");
		if (is_terminator(n))
			break;
		if (!plain(f, &n))
			return false;
	}
	*pn = n;
	return !f->m->failed;
}

/* Folded operands: every remaining element must be a folded instruction. */
static bool operands(struct fctx *f, const struct wat_node *n)
{
	for (; n; n = n->next) {
		if (n->kind != WAT_LIST)
			return fail(f, n, "unexpected token: folded instruction expected");
		if (!folded(f, n))
			return false;
	}
	return true;
}

static bool folded_block(struct fctx *f, const struct opname *op, const struct wat_node *list)
{
	const struct wat_node *n = list->first->next, *id = NULL;
	size_t bt_start, bt_len;
	uint8_t bt[32];

	if (n && n->kind == WAT_ID) {
		id = n;
		n = n->next;
	}
	if (op->code == 0x04) {
		/* (if label? bt cond* (then ...) (else ...)?): the condition first */
		const struct wat_node *then, *els;
		struct buf *out = f->out;
		struct buf btb = { 0 };

		f->out = &btb;
		if (!blocktype(f, &n)) {
			f->out = out;
			buf_free(&btb);
			return false;
		}
		f->out = out;
		for (then = n; then && !wat_is_list(then, "then"); then = then->next)
			if (then->kind != WAT_LIST) {
				buf_free(&btb);
				return fail(f, then, "unexpected token: folded condition expected");
			}
		if (!then) {
			buf_free(&btb);
			return fail(f, list, "unexpected end: (then ...) expected");
		}
		for (const struct wat_node *c = n; c != then; c = c->next)
			if (!folded(f, c)) {
				buf_free(&btb);
				return false;
			}
		put_op(f, op);
		buf_bytes(f->out, btb.p, btb.len);
		buf_free(&btb);
		els = then->next;
		if (els && (!wat_is_list(els, "else") || els->next))
			return fail(f, els, "unexpected token after (then ...)");
		if (!push_label(f, id))
			return false;
		n = then->first->next;
		if (!instrs(f, &n))
			return false;
		if (n)
			return fail(f, n, "unexpected token in then");
		if (els) {
			buf_put(f->out, 0x05);
			n = els->first->next;
			if (!instrs(f, &n))
				return false;
			if (n)
				return fail(f, n, "unexpected token in else");
		}
		buf_put(f->out, 0x0b);
		f->nlabels--;
		return true;
	}
	put_op(f, op);
	bt_start = f->out->len;
	if (!blocktype(f, &n))
		return false;
	bt_len = f->out->len - bt_start;
	(void)bt;
	(void)bt_len;
	if (op->imm == XIMM_TRY_TABLE && !catch_clauses(f, &n))
		return false;
	if (!push_label(f, id))
		return false;
	if (op->imm == XIMM_TRY) {
		/* (try bt (do ...) (catch x ...)* (catch_all ...)? | (delegate l)) */
		const struct wat_node *k;

		if (!wat_is_list(n, "do"))
			return fail(f, n ? n : list, "unexpected token: (do ...) expected");
		k = n->first->next;
		if (!instrs(f, &k))
			return false;
		if (k)
			return fail(f, k, "unexpected token in do");
		for (n = n->next; wat_is_list(n, "catch") || wat_is_list(n, "catch_all");
		     n = n->next) {
			bool all = wat_is_list(n, "catch_all");

			k = n->first->next;
			buf_put(f->out, all ? 0x19 : 0x07);
			if (!all && !index_imm(f, &f->m->tags, &k))
				return false;
			if (!instrs(f, &k))
				return false;
			if (k)
				return fail(f, k, "unexpected token in catch");
		}
		if (wat_is_list(n, "delegate")) {
			uint32_t depth;

			f->nlabels--;
			k = n->first->next;
			if (!label_index(f, k, &depth))
				return false;
			if (k->next || n->next)
				return fail(f, k->next ? k->next : n->next, "unexpected token");
			buf_put(f->out, 0x18);
			buf_u32(f->out, depth);
			return true;
		}
		if (n)
			return fail(f, n, "unexpected token in try");
	} else {
		if (!instrs(f, &n))
			return false;
		if (n)
			return fail(f, n, "unexpected token in block");
	}
	buf_put(f->out, 0x0b);
	f->nlabels--;
	return true;
}

/* A folded instruction: its operands first, then the instruction. */
static bool folded(struct fctx *f, const struct wat_node *list)
{
	const struct wat_node *at = list->first, *n;
	const struct opname *op;
	size_t start = f->out->len, len;
	uint8_t small[64], *saved = small;
	bool ok;

	if (!at || at->kind != WAT_ATOM)
		return fail(f, at ? at : list, "unexpected token: instruction expected");
	op = find_op(at);
	if (!op && (wat_is_atom(at, "param") || wat_is_atom(at, "result") ||
		    wat_is_atom(at, "type") || wat_is_atom(at, "local") ||
		    wat_is_atom(at, "export") || wat_is_atom(at, "import")))
		return mod_fail(f->m, at, "unexpected token: (%.*s ...) out of place",
				(int)at->len, at->text);
	if (!op)
		return mod_fail(f->m, at, "unknown operator %.*s", (int)at->len, at->text);
	if (op->imm == XIMM_BLOCK || op->imm == XIMM_TRY || op->imm == XIMM_TRY_TABLE)
		return folded_block(f, op, list);
	if (is_terminator(at))
		return mod_fail(f->m, at, "unknown operator %.*s", (int)at->len, at->text);
	n = at->next;
	if (!op->prefix && (op->code == 0x1b || op->code == 0x1c))
		ok = select_op(f, &n);
	else {
		put_op(f, op);
		ok = immediates(f, op, at, &n);
	}
	if (!ok || f->out->oom)
		return ok ? mod_fail(f->m, NULL, "out of memory") : false;
	/* Move the instruction's bytes after its operands'. */
	len = f->out->len - start;
	if (len > sizeof(small)) {
		saved = vm_malloc(len);
		if (!saved)
			return mod_fail(f->m, NULL, "out of memory");
	}
	memcpy(saved, f->out->p + start, len);
	f->out->len = start;
	ok = operands(f, n);
	if (ok)
		buf_bytes(f->out, saved, len);
	if (saved != small)
		vm_free(saved);
	return ok;
}

bool code_expr(struct fctx *f, const struct wat_node *n)
{
	if (!instrs(f, &n))
		return false;
	if (n)
		return fail(f, n, is_terminator(n) ? "unexpected token: unbalanced end/else"
			    : "unexpected token");
	buf_put(f->out, 0x0b);
	if (f->out->oom)
		return mod_fail(f->m, NULL, "out of memory");
	return true;
}
