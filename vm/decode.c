/* vm/decode.c - bytes -> struct module: the Wasm 2.0 binary format (spec chapter 5).
 *
 * Checks everything the binary grammar says (LEBs, section order and sizes, vector lengths,
 * UTF-8 names, type/kind/flag bytes, constant-expression shape) but no typing or index bounds:
 * that is vm/validate.c, which also re-reads function bodies (stored here undecoded).
 * Messages follow the reference interpreter's wording so spec assert_malformed texts match.
 * Entry point: dec_module().  Everything allocated here is freed by mod_unref() (vm/module.c).
 */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "alloc.h"
#include "instr.h"
#include "leb.h"
#include "module.h"

/* Locals beyond this many are refused ("too many locals") rather than allocated: the spec
 * allows 2^32-1 but no real function needs more, and each costs a frame slot. */
#define DEC_MAX_LOCALS 50000u

/* A cursor over the module copy.  `end` is the read limit: the end of the file for ordinary
 * sections (the reference decoder reads a section, then compares its size, so overruns are
 * reported as it does), or of a custom section / a function's locals. */
struct rd {
	const uint8_t *p, *end;
	const uint8_t *base;    /* start of the module copy, for byte offsets */
	const char *eof_msg;    /* wording for running into `end` */
	struct chibi_diag *diag;
	uint32_t feat;          /* the proposals allowed (enum chibi_feature) */
};

static enum chibi_err malformed(struct rd *r, const uint8_t *at, const char *msg)
{
	return diag_set(r->diag, CHIBI_ERR_MALFORMED, (size_t)(at - r->base), "%s", msg);
}

static enum chibi_err leb_error(struct rd *r, int st)
{
	return malformed(r, r->p, st == LEB_EOF ? r->eof_msg : leb_msg(st));
}

static enum chibi_err nomem(struct rd *r)
{
	return diag_set(r->diag, CHIBI_ERR_NOMEM, (size_t)(r->p - r->base), "out of memory");
}

static enum chibi_err get_u32(struct rd *r, uint32_t *out)
{
	int st = leb_u32(&r->p, r->end, out);

	return st ? leb_error(r, st) : CHIBI_OK;
}

static enum chibi_err get_byte(struct rd *r, uint8_t *out)
{
	int st = rd_byte(&r->p, r->end, out);

	return st ? leb_error(r, st) : CHIBI_OK;
}

/* A byte-string length (name, section or body size): a u32 no larger than the bytes left. */
static enum chibi_err get_len(struct rd *r, uint32_t *out)
{
	const uint8_t *at = r->p;
	enum chibi_err err = get_u32(r, out);

	if (err)
		return err;
	if (*out > (size_t)(r->end - r->p))
		return malformed(r, at, "length out of bounds");
	return CHIBI_OK;
}

/* A vector count.  Every element takes at least one byte, so a count above the bytes left
 * would run into the end anyway: fail now, with the same wording, before allocating.  This
 * bounds every array allocation by the input size. */
static enum chibi_err get_count(struct rd *r, uint32_t *out)
{
	enum chibi_err err = get_u32(r, out);

	if (err)
		return err;
	if (*out > (size_t)(r->end - r->p))
		return malformed(r, r->end, r->eof_msg);
	return CHIBI_OK;
}

/* Zeroed array of n elements; n == 0 gives NULL without error, so empty vectors cost no
 * allocation and a NULL array always pairs with a zero count. */
static enum chibi_err new_array(struct rd *r, void *out, size_t n, size_t size)
{
	void *p = NULL;

	if (n) {
		p = vm_calloc(n, size);
		if (!p)
			return nomem(r);
	}
	memcpy(out, &p, sizeof(p));
	return CHIBI_OK;
}

/* Well-formed UTF-8 (spec 5.2.4): shortest form only, no surrogates, at most U+10FFFF. */
static bool utf8_ok(const uint8_t *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		uint8_t c = s[i];
		uint32_t cp, min;
		size_t len;

		if (c < 0x80) {
			i++;
			continue;
		}
		if ((c & 0xe0) == 0xc0) {
			len = 2, cp = c & 0x1f, min = 0x80;
		} else if ((c & 0xf0) == 0xe0) {
			len = 3, cp = c & 0x0f, min = 0x800;
		} else if ((c & 0xf8) == 0xf0) {
			len = 4, cp = c & 0x07, min = 0x10000;
		} else {
			return false;
		}
		if (n - i < len)
			return false;
		for (size_t k = 1; k < len; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return false;
			cp = cp << 6 | (s[i + k] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		i += len;
	}
	return true;
}

/* name ::= vec(byte), valid UTF-8.  raw and rawlen (each may be NULL) return the bytes in
 * place; *out (may be NULL) gets a vm_malloc'ed copy of all n bytes plus a NUL, owned by the
 * caller.  A name may contain U+0000, so callers that compare names need rawlen too. */
static enum chibi_err get_name(struct rd *r, char **out, const uint8_t **raw, uint32_t *rawlen)
{
	const uint8_t *at = r->p, *s;
	uint32_t n = 0;
	enum chibi_err err;

	TRY(get_len(r, &n));
	s = r->p;
	r->p += n;
	if (!utf8_ok(s, n))
		return malformed(r, at, "malformed UTF-8 encoding");
	if (raw)
		*raw = s;
	if (rawlen)
		*rawlen = n;
	if (out) {
		char *c = vm_malloc((size_t)n + 1);

		if (!c)
			return nomem(r);
		memcpy(c, s, n);
		c[n] = '\0';
		*out = c;
	}
	return CHIBI_OK;
fail:
	return err;
}

/* valtype: number types, v128 and reference types (the one reader, vm/instr.c). */
static enum chibi_err get_valtype(struct rd *r, vtype *out)
{
	if (r->p >= r->end || ((*r->p == 0x63 || *r->p == 0x64) && r->p + 1 >= r->end))
		return leb_error(r, LEB_EOF);
	return instr_read_valtype(&r->p, r->end, r->base, out, r->diag);
}

static enum chibi_err get_reftype(struct rd *r, vtype *out)
{
	const uint8_t *at = r->p;
	enum chibi_err err = get_valtype(r, out);

	if (err == CHIBI_ERR_MALFORMED || (!err && !vt_is_ref(*out)))
		return malformed(r, at, "malformed reference type");
	return err;
}

/* limits ::= flags min:u64 max:u64?  (spec 5.3.4, Wasm 3.0): flag bit 0 says a maximum
 * follows, bit 2 that the memory or table is 64-bit (memory64, table64).  The bounds are
 * u64 for both index types; the validator checks each type's range ("memory size").
 * Bit 1 is the threads proposal's "shared", not part of 3.0; like every other flag value
 * (and, as in the reference interpreter, an over-long flag byte) it is "malformed limits
 * flags". */
static enum chibi_err get_limits(struct rd *r, struct limits *l)
{
	const uint8_t *at = r->p;
	uint8_t flag = 0;
	int st;
	enum chibi_err err;

	unsigned bits = r->feat & CHIBI_FEAT_MEMORY64 ? 64 : 32;

	TRY(get_byte(r, &flag));
	if (bits == 32 && flag > 1) /* Wasm 2.0 reads the flag as a 1-bit LEB */
		return malformed(r, at, flag & 0x80 ? "integer representation too long" :
				 "integer too large");
	if (flag & ~0x05u)
		return malformed(r, at, "malformed limits flags");
	l->has_max = flag & 1;
	l->is64 = flag & 4;
	l->max = 0;
	/* without memory64 (Wasm 2.0) the bounds are u32: larger is malformed */
	st = leb_read_unsigned(&r->p, r->end, bits, &l->min);
	if (!st && l->has_max)
		st = leb_read_unsigned(&r->p, r->end, bits, &l->max);
	if (st)
		return leb_error(r, st);
	return CHIBI_OK;
fail:
	return err;
}

static enum chibi_err get_tabletype(struct rd *r, struct tabletype *t)
{
	enum chibi_err err = get_reftype(r, &t->elemtype);

	return err ? err : get_limits(r, &t->limits);
}

static enum chibi_err get_globaltype(struct rd *r, struct globaltype *g)
{
	const uint8_t *at;
	uint8_t mut = 0;
	enum chibi_err err;

	TRY(get_valtype(r, &g->valtype));
	at = r->p;
	TRY(get_byte(r, &mut));
	if (mut > 1)
		return malformed(r, at, "malformed mutability");
	g->mutable_ = mut;
	return CHIBI_OK;
fail:
	return err;
}

/*
 * A constant expression: instructions up to the matching `end`.  Constant instructions are
 * the single-value ones of Wasm 2.0 and the integer add, sub and mul of Wasm 3.0's extended
 * constant expressions; anything else is well-formed but invalid, so it is recorded in
 * ce->error for the validator instead of failing here, as is a stack that does not end with
 * exactly one value.  Non-constant code may nest blocks, so depth is tracked to find the
 * `end` that closes the expression.  One instruction is kept decoded; longer expressions
 * are CE_EXPR, re-read from the bytes (vm/module.h).
 */
static enum chibi_err get_cexpr(struct rd *r, struct cexpr *ce)
{
	uint32_t depth = 0, ninstr = 0, height = 0, max_height = 0;
	const uint8_t *start = r->p, *last = r->p;
	bool underflow = false;
	struct instr in;
	enum chibi_err err;

	memset(ce, 0, sizeof(*ce));
	ce->offset = (size_t)(r->p - r->base);
	for (;;) {
		last = r->p;
		TRY(instr_read_features(&r->p, r->end, r->base, r->feat, &in, r->diag));
		switch (in.op) {
		case OPC_END:
			if (depth == 0)
				goto done;
			depth--;
			ce->error = CEXPR_ERR_NONCONST;
			continue;
		case OPC_BLOCK:
		case OPC_LOOP:
		case OPC_IF:
			depth++;
			ce->error = CEXPR_ERR_NONCONST;
			continue;
		case OPC_I32_ADD:
		case OPC_I32_SUB:
		case OPC_I32_MUL:
		case OPC_I64_ADD:
		case OPC_I64_SUB:
		case OPC_I64_MUL:
			if (!(r->feat & CHIBI_FEAT_EXTENDED_CONST)) {
				ce->error = CEXPR_ERR_NONCONST;
				continue;
			}
			ninstr++;
			if (height < 2)
				underflow = true;
			else
				height--;
			continue;
		case OPC_I32_CONST:
		case OPC_I64_CONST:
		case OPC_F32_CONST:
		case OPC_F64_CONST:
		case OPC_REF_NULL:
		case OPC_REF_FUNC:
		case OPC_GLOBAL_GET:
		case OPC_V128_CONST:
			if (++height > max_height)
				max_height = height;
			if (ninstr++ == 0)
				break;
			continue;
		default:
			ce->error = CEXPR_ERR_NONCONST;
			continue;
		}
		/* The first instruction: the expression's value when it is the only one. */
		switch (in.op) {
		case OPC_I32_CONST: ce->kind = CE_I32; ce->bits = (uint32_t)in.bits; break;
		case OPC_I64_CONST: ce->kind = CE_I64; ce->bits = in.bits; break;
		case OPC_F32_CONST: ce->kind = CE_F32; ce->bits = in.bits; break;
		case OPC_F64_CONST: ce->kind = CE_F64; ce->bits = in.bits; break;
		case OPC_V128_CONST:
			ce->kind = CE_V128;
			memcpy(&ce->bits, in.imm16, 8);
			memcpy(&ce->hi, in.imm16 + 8, 8);
			break;
		case OPC_REF_NULL: ce->kind = CE_REF_NULL; ce->reftype = in.a; break;
		case OPC_REF_FUNC: ce->kind = CE_REF_FUNC; ce->index = in.a; break;
		default: ce->kind = CE_GLOBAL_GET; ce->index = in.a; break;
		}
	}
done:
	if (ce->error != CEXPR_OK)
		return CHIBI_OK;
	if (underflow || height != 1)
		ce->error = CEXPR_ERR_ARITY;
	else if (max_height > CEXPR_MAX_HEIGHT)
		ce->error = CEXPR_ERR_DEEP;
	else if (ninstr > 1) {
		ce->kind = CE_EXPR;
		ce->code = start;
		ce->code_len = (uint32_t)(last - start);
	}
	return CHIBI_OK;
fail:
	return err;
}

/* ---- sections (spec 5.5) ----------------------------------------------------------- */

/* The type forms (spec 5.3.8-5.3.10), read as s7 so that a continuation bit is "integer
 * representation too long" rather than a bad form. */
enum { FORM_FUNC = -0x20, FORM_STRUCT = -0x21, FORM_ARRAY = -0x22, FORM_SUB = -0x30,
       FORM_SUB_FINAL = -0x31, FORM_REC = -0x32 };

static enum chibi_err get_form(struct rd *r, int64_t *form)
{
	int st = leb_read_signed(&r->p, r->end, 7, form);

	return st ? leb_error(r, st) : CHIBI_OK;
}

/* functype ::= 0x60 vec(valtype) vec(valtype), its form already read from `at`; params and
 * results share one allocation that starts at params (mod_unref frees params only). */
static enum chibi_err get_functype(struct rd *r, const uint8_t *at, int64_t form,
				   struct functype *ft)
{
	const uint8_t *pp, *rp, *after;
	vtype *buf = NULL, t = 0;
	uint32_t np = 0, nr = 0;
	enum chibi_err err;

	if (form == FORM_STRUCT || form == FORM_ARRAY)
		return diag_set(r->diag, CHIBI_ERR_UNSUPPORTED, (size_t)(at - r->base),
				"GC struct and array types are not supported");
	if (form != FORM_FUNC)
		return malformed(r, at, "malformed function type");
	/* Check both vectors first, so the allocation happens once with the final sizes;
	 * then read them again into it. */
	TRY(get_count(r, &np));
	pp = r->p;
	for (uint32_t i = 0; i < np; i++)
		TRY(get_valtype(r, &t));
	TRY(get_count(r, &nr));
	rp = r->p;
	for (uint32_t i = 0; i < nr; i++)
		TRY(get_valtype(r, &t));
	after = r->p;
	TRY(new_array(r, &buf, (size_t)np + nr, sizeof(*buf)));
	r->p = pp;
	for (uint32_t i = 0; i < np; i++)
		TRY(get_valtype(r, &buf[i]));
	r->p = rp;
	for (uint32_t i = 0; i < nr; i++)
		TRY(get_valtype(r, &buf[np + i]));
	r->p = after;
	ft->nparams = np;
	ft->nresults = nr;
	ft->params = buf;
	ft->results = buf ? buf + np : NULL;
	return CHIBI_OK;
fail:
	vm_free(buf);
	return err;
}

/*
 * subtype ::= 0x50 vec(typeidx) comptype | 0x4f vec(typeidx) comptype | comptype
 * (spec 5.3.10): a declared supertype (at most one is valid: more are kept as
 * TYPE_SUPER_MANY for the validator) and whether the type is final (a bare comptype is).
 */
static enum chibi_err get_subtype(struct rd *r, struct functype *ft)
{
	const uint8_t *at = r->p;
	uint32_t nsup = 0, sup = 0;
	int64_t form = 0;
	enum chibi_err err;

	TRY(get_form(r, &form));
	ft->super = TYPE_NO_SUPER;
	ft->final_ = true;
	if (form == FORM_SUB || form == FORM_SUB_FINAL) {
		ft->final_ = form == FORM_SUB_FINAL;
		TRY(get_count(r, &nsup));
		for (uint32_t k = 0; k < nsup; k++)
			TRY(get_u32(r, &sup));
		ft->super = nsup == 0 ? TYPE_NO_SUPER : nsup == 1 ? sup : TYPE_SUPER_MANY;
		at = r->p;
		TRY(get_form(r, &form));
	}
	return get_functype(r, at, form, ft);
fail:
	return err;
}

/* typesec ::= vec(rectype), rectype ::= 0x4e vec(subtype) | subtype: the type index space
 * is the groups' types in order; each type knows its group (rec_first, rec_len). */
static enum chibi_err sec_type(struct rd *r, struct module *m)
{
	uint32_t n = 0;
	size_t cap = 0;
	enum chibi_err err;

	TRY(get_count(r, &n));
	/* ntypes counts only fully read entries, so mod_unref frees exactly those. */
	for (uint32_t i = 0; i < n; i++) {
		const uint8_t *at = r->p;
		uint32_t first = m->ntypes, len = 1;
		int64_t form = 0;

		TRY(get_form(r, &form));
		if (form == FORM_REC)
			TRY(get_count(r, &len));
		else
			r->p = at;
		/* a vtype holds any type index of the module */
		if ((uint64_t)first + len > VT_MAX_TYPEIDX)
			return diag_set(r->diag, CHIBI_ERR_UNSUPPORTED, (size_t)(at - r->base),
					"more than %u types", VT_MAX_TYPEIDX);
		if (len && !VM_GROW(m->types, cap, (size_t)first + len))
			return nomem(r);
		for (uint32_t k = 0; k < len; k++) {
			struct functype *ft = &m->types[first + k];

			memset(ft, 0, sizeof(*ft));
			TRY(get_subtype(r, ft));
			ft->rec_first = first;
			ft->rec_len = len;
			m->ntypes = first + k + 1;
		}
	}
	return CHIBI_OK;
fail:
	return err;
}

/* tagtype ::= 0x00 typeidx (the attribute byte: 0 is an exception, the only kind) */
static enum chibi_err get_tagtype(struct rd *r, uint32_t *type_index)
{
	const uint8_t *at = r->p;
	uint8_t attr = 0;
	enum chibi_err err;

	TRY(get_byte(r, &attr));
	if (attr != 0)
		return malformed(r, at, "malformed tag attribute");
	TRY(get_u32(r, type_index));
	return CHIBI_OK;
fail:
	return err;
}

static enum chibi_err sec_import(struct rd *r, struct module *m)
{
	uint32_t n = 0;
	enum chibi_err err;

	TRY(get_count(r, &n));
	TRY(new_array(r, &m->imports, n, sizeof(*m->imports)));
	for (uint32_t i = 0; i < n; i++) {
		struct import *im = &m->imports[i];
		const uint8_t *at;

		/* Count it now: its names are freed by mod_unref even if the rest fails. */
		m->nimports = i + 1;
		TRY(get_name(r, &im->module_name, NULL, NULL));
		TRY(get_name(r, &im->field_name, NULL, NULL));
		at = r->p;
		TRY(get_byte(r, &im->kind));
		if (im->kind == EXT_TAG && !(r->feat & CHIBI_FEAT_EXCEPTIONS))
			return malformed(r, at, "malformed import kind");
		switch (im->kind) {
		case EXT_FUNC:
			TRY(get_u32(r, &im->desc.type_index));
			m->nfunc_imports++;
			break;
		case EXT_TABLE:
			TRY(get_tabletype(r, &im->desc.table));
			m->ntable_imports++;
			break;
		case EXT_MEMORY:
			TRY(get_limits(r, &im->desc.memory.limits));
			m->nmemory_imports++;
			break;
		case EXT_GLOBAL:
			TRY(get_globaltype(r, &im->desc.global));
			m->nglobal_imports++;
			break;
		case EXT_TAG:
			TRY(get_tagtype(r, &im->desc.tag_type));
			m->ntag_imports++;
			break;
		default:
			return malformed(r, at, "malformed import kind");
		}
	}
	return CHIBI_OK;
fail:
	return err;
}

static enum chibi_err sec_function(struct rd *r, struct module *m)
{
	uint32_t n = 0;
	enum chibi_err err;

	TRY(get_count(r, &n));
	TRY(new_array(r, &m->funcs, n, sizeof(*m->funcs)));
	m->nfuncs = n; /* entries are zeroed, so a partial array is safe to free */
	for (uint32_t i = 0; i < n; i++)
		TRY(get_u32(r, &m->funcs[i].type_index));
	return CHIBI_OK;
fail:
	return err;
}

/* Index spaces list imports first; copy the imported entries of one kind into the front of
 * a freshly allocated index-space array. */
static void copy_imports(struct module *m, uint8_t kind, void *dst)
{
	uint32_t k = 0;

	for (uint32_t i = 0; i < m->nimports; i++) {
		const struct import *im = &m->imports[i];

		if (im->kind != kind)
			continue;
		switch (kind) {
		case EXT_TABLE: ((struct tabletype *)dst)[k++] = im->desc.table; break;
		case EXT_MEMORY: ((struct memtype *)dst)[k++] = im->desc.memory; break;
		case EXT_GLOBAL: ((struct globaltype *)dst)[k++] = im->desc.global; break;
		case EXT_TAG: ((uint32_t *)dst)[k++] = im->desc.tag_type; break;
		default: ((uint32_t *)dst)[k++] = im->desc.type_index; break;
		}
	}
}

static enum chibi_err sec_table(struct rd *r, struct module *m)
{
	uint32_t n = 0;
	enum chibi_err err;

	TRY(get_count(r, &n));
	TRY(new_array(r, &m->tables, (size_t)m->ntable_imports + n, sizeof(*m->tables)));
	TRY(new_array(r, &m->table_inits, n, sizeof(*m->table_inits)));
	copy_imports(m, EXT_TABLE, m->tables);
	m->ntables = m->ntable_imports + n;
	/* table ::= tabletype | 0x40 0x00 tabletype expr (Wasm 3.0: an initial value) */
	for (uint32_t i = 0; i < n; i++) {
		struct tabletype *tt = &m->tables[m->ntable_imports + i];
		struct cexpr *init = &m->table_inits[i];
		const uint8_t *at = r->p;

		if (r->p < r->end && *r->p == 0x40) {
			uint8_t zero = 0;

			r->p++;
			at = r->p;
			TRY(get_byte(r, &zero));
			if (zero != 0)
				return malformed(r, at, "malformed table type");
			TRY(get_tabletype(r, tt));
			TRY(get_cexpr(r, init));
			continue;
		}
		TRY(get_tabletype(r, tt));
		/* none: null of the table's type (the validator insists that it has one) */
		init->kind = CE_REF_NULL;
		init->reftype = tt->elemtype & ~VT_NONNULL;
		init->offset = (size_t)(at - r->base);
	}
	return CHIBI_OK;
fail:
	return err;
}

static enum chibi_err sec_memory(struct rd *r, struct module *m)
{
	uint32_t n = 0;
	enum chibi_err err;

	TRY(get_count(r, &n));
	TRY(new_array(r, &m->memories, (size_t)m->nmemory_imports + n, sizeof(*m->memories)));
	copy_imports(m, EXT_MEMORY, m->memories);
	m->nmemories = m->nmemory_imports + n;
	for (uint32_t i = 0; i < n; i++)
		TRY(get_limits(r, &m->memories[m->nmemory_imports + i].limits));
	return CHIBI_OK;
fail:
	return err;
}

/* The tag section (13, between memory and global): one tagtype per defined tag. */
static enum chibi_err sec_tag(struct rd *r, struct module *m)
{
	uint32_t n = 0;
	enum chibi_err err;

	TRY(get_count(r, &n));
	TRY(new_array(r, &m->tag_types, (size_t)m->ntag_imports + n, sizeof(uint32_t)));
	copy_imports(m, EXT_TAG, m->tag_types);
	m->ntags = m->ntag_imports + n;
	for (uint32_t i = 0; i < n; i++)
		TRY(get_tagtype(r, &m->tag_types[m->ntag_imports + i]));
	return CHIBI_OK;
fail:
	return err;
}

static enum chibi_err sec_global(struct rd *r, struct module *m)
{
	uint32_t n = 0, ni = m->nglobal_imports;
	enum chibi_err err;

	TRY(get_count(r, &n));
	TRY(new_array(r, &m->global_types, (size_t)ni + n, sizeof(*m->global_types)));
	copy_imports(m, EXT_GLOBAL, m->global_types);
	m->nglobals = ni + n;
	TRY(new_array(r, &m->globals, n, sizeof(*m->globals)));
	for (uint32_t i = 0; i < n; i++) {
		TRY(get_globaltype(r, &m->globals[i].type));
		m->global_types[ni + i] = m->globals[i].type;
		TRY(get_cexpr(r, &m->globals[i].init));
	}
	return CHIBI_OK;
fail:
	return err;
}

static enum chibi_err sec_export(struct rd *r, struct module *m)
{
	uint32_t n = 0;
	enum chibi_err err;

	TRY(get_count(r, &n));
	TRY(new_array(r, &m->exports, n, sizeof(*m->exports)));
	for (uint32_t i = 0; i < n; i++) {
		struct export *ex = &m->exports[i];
		const uint8_t *at;

		m->nexports = i + 1;
		/* The length matters: export names may contain U+0000 (names.wast). */
		TRY(get_name(r, &ex->name, NULL, &ex->name_len));
		at = r->p;
		TRY(get_byte(r, &ex->kind));
		if (ex->kind > EXT_TAG || (ex->kind == EXT_TAG && !(r->feat & CHIBI_FEAT_EXCEPTIONS)))
			return malformed(r, at, "malformed export kind");
		TRY(get_u32(r, &ex->index));
	}
	return CHIBI_OK;
fail:
	return err;
}

static enum chibi_err sec_start(struct rd *r, struct module *m)
{
	m->has_start = true;
	return get_u32(r, &m->start);
}

/*
 * elem ::= flags:u32 then, by flag bits (spec 5.5.12):
 *   bit 0: passive or declarative (else active)   bit 1: explicit table index (active) or
 *   declarative (non-active)                      bit 2: items are expressions, not funcidx
 * Non-zero low bits also mean an elemkind (0x00, funcidx items) or a reftype (expr items).
 */
static enum chibi_err get_elem(struct rd *r, struct elem *e)
{
	const uint8_t *at = r->p;
	uint32_t flags = 0, n = 0;
	bool exprs;
	enum chibi_err err;

	TRY(get_u32(r, &flags));
	if (flags > 7)
		return malformed(r, at, "malformed elements segment kind");
	exprs = flags & 4;
	if (flags & 1)
		e->mode = (flags & 2) ? SEG_DECLARATIVE : SEG_PASSIVE;
	else
		e->mode = SEG_ACTIVE;
	if (e->mode == SEG_ACTIVE) {
		if (flags & 2)
			TRY(get_u32(r, &e->table_index));
		TRY(get_cexpr(r, &e->offset));
	}
	/* funcidx items are (ref func) in Wasm 3.0; expression items without a type funcref */
	e->elemtype = exprs ? VT_FUNCREF : VT_FUNCREF | VT_NONNULL;
	if (flags & 3) {
		if (exprs) {
			TRY(get_reftype(r, &e->elemtype));
		} else {
			uint8_t kind = 0;

			at = r->p;
			TRY(get_byte(r, &kind));
			if (kind != 0x00)
				return malformed(r, at, "malformed element kind");
		}
	}
	TRY(get_count(r, &n));
	TRY(new_array(r, &e->items, n, sizeof(*e->items)));
	e->nitems = n;
	for (uint32_t i = 0; i < n; i++) {
		struct cexpr *ce = &e->items[i];

		if (exprs) {
			TRY(get_cexpr(r, ce));
		} else {
			/* A bare function index is the expression (ref.func x) end. */
			ce->offset = (size_t)(r->p - r->base);
			ce->kind = CE_REF_FUNC;
			TRY(get_u32(r, &ce->index));
		}
	}
	return CHIBI_OK;
fail:
	return err;
}

static enum chibi_err sec_elem(struct rd *r, struct module *m)
{
	uint32_t n = 0;
	enum chibi_err err;

	TRY(get_count(r, &n));
	TRY(new_array(r, &m->elems, n, sizeof(*m->elems)));
	m->nelems = n; /* zeroed entries free cleanly if a later one fails */
	for (uint32_t i = 0; i < n; i++)
		TRY(get_elem(r, &m->elems[i]));
	return CHIBI_OK;
fail:
	return err;
}

static enum chibi_err sec_datacount(struct rd *r, struct module *m)
{
	m->has_datacount = true;
	return get_u32(r, &m->datacount);
}

/*
 * code ::= size:u32 vec(locals) expr.  Locals are read twice: once to check them and sum the
 * counts in 64 bits (spec: "too many locals" past 2^32-1, here past DEC_MAX_LOCALS), then to
 * expand them into one type per local.  The body stays undecoded for the validator.
 */
static enum chibi_err get_code(struct rd *r, struct func *f)
{
	const uint8_t *at = r->p, *body_end, *locals;
	uint32_t size = 0, ngroups = 0, k = 0;
	uint64_t total = 0;
	struct rd lr;
	enum chibi_err err;

	TRY(get_len(r, &size));
	body_end = r->p + size;
	lr = *r;
	lr.end = body_end;
	lr.eof_msg = "unexpected end of section or function";
	TRY(get_count(&lr, &ngroups));
	locals = lr.p;
	for (uint32_t i = 0; i < ngroups; i++) {
		uint32_t cnt = 0;
		vtype t;

		TRY(get_u32(&lr, &cnt));
		TRY(get_valtype(&lr, &t));
		total += cnt;
	}
	if (total > DEC_MAX_LOCALS)
		return malformed(r, at, "too many locals");
	TRY(new_array(r, &f->local_types, (size_t)total, sizeof(*f->local_types)));
	f->nlocals = (uint32_t)total;
	lr.p = locals;
	for (uint32_t i = 0; i < ngroups; i++) {
		uint32_t cnt = 0;
		vtype t = 0;

		TRY(get_u32(&lr, &cnt));
		TRY(get_valtype(&lr, &t));
		for (uint32_t j = 0; j < cnt; j++)
			f->local_types[k + j] = t;
		k += cnt;
	}
	f->code = lr.p;
	f->code_len = (size_t)(body_end - lr.p);
	f->code_offset = (size_t)(lr.p - r->base);
	/* The validator finds misplaced `end`s; the decoder only insists the body is closed.
	 * With nothing after the body the reference decoder runs out of input instead. */
	if (f->code_len == 0 || body_end[-1] != 0x0b) {
		if (body_end == r->end)
			return malformed(r, body_end, "unexpected end of section or function");
		/* An `end` just past the body means the size, not the body, is wrong. */
		if (*body_end == 0x0b)
			return malformed(r, body_end, "section size mismatch");
		return malformed(r, body_end, "END opcode expected");
	}
	r->p = body_end;
	return CHIBI_OK;
fail:
	return err;
}

static enum chibi_err sec_code(struct rd *r, struct module *m, bool *seen)
{
	const uint8_t *at = r->p;
	uint32_t n = 0;
	enum chibi_err err;

	TRY(get_count(r, &n));
	if (n != m->nfuncs)
		return malformed(r, at, "function and code section have inconsistent lengths");
	*seen = true;
	for (uint32_t i = 0; i < n; i++)
		TRY(get_code(r, &m->funcs[i]));
	return CHIBI_OK;
fail:
	return err;
}

/* data ::= 0 expr vec(byte) | 1 vec(byte) | 2 memidx expr vec(byte)  (spec 5.5.14) */
static enum chibi_err get_data(struct rd *r, struct data *d)
{
	const uint8_t *at = r->p;
	uint32_t flags = 0, n = 0;
	enum chibi_err err;

	TRY(get_u32(r, &flags));
	if (flags > 2)
		return malformed(r, at, "malformed data segment kind");
	d->mode = flags == 1 ? SEG_PASSIVE : SEG_ACTIVE;
	if (flags == 2)
		TRY(get_u32(r, &d->memory_index));
	if (flags != 1)
		TRY(get_cexpr(r, &d->offset));
	TRY(get_count(r, &n)); /* the reference words an overlong segment as an end */
	d->bytes = r->p;
	d->len = n;
	r->p += n;
	return CHIBI_OK;
fail:
	return err;
}

static enum chibi_err sec_data(struct rd *r, struct module *m)
{
	uint32_t n = 0;
	enum chibi_err err;

	TRY(get_count(r, &n));
	TRY(new_array(r, &m->datas, n, sizeof(*m->datas)));
	m->ndatas = n;
	for (uint32_t i = 0; i < n; i++)
		TRY(get_data(r, &m->datas[i]));
	return CHIBI_OK;
fail:
	return err;
}

/* ---- the name section (spec 7.4.1; custom, so never an error) ---------------------- */

/*
 * Parse a `name` section body into m->module_name and m->func_names.  Anything malformed
 * (bad sizes, UTF-8, indices out of range) discards what was read and returns CHIBI_OK: a
 * custom section must not make a module fail.  Only allocation failure is reported.
 */
static enum chibi_err parse_names(struct module *m, const uint8_t *p, const uint8_t *end,
				  struct chibi_diag *diag)
{
	struct rd r = { .p = p, .end = end, .base = m->bytes, .eof_msg = "", .diag = NULL,
			.feat = m->features };
	char *modname = NULL, **names = NULL;
	enum chibi_err err = CHIBI_OK, bad = CHIBI_OK;

	while (r.p < r.end) {
		uint8_t id = 0;
		uint32_t size = 0, n = 0;
		struct rd sub;

		if (get_byte(&r, &id) || get_len(&r, &size))
			goto discard;
		sub = r;
		sub.end = r.p + size;
		r.p = sub.end;
		if (id == 0) {
			vm_free(modname);
			modname = NULL;
			bad = get_name(&sub, &modname, NULL, NULL);
		} else if (id == 1) {
			if (!names && m->nfuncs_total &&
			    !(names = vm_calloc(m->nfuncs_total, sizeof(*names)))) {
				bad = CHIBI_ERR_NOMEM;
				goto discard;
			}
			bad = get_len(&sub, &n);
			for (uint32_t i = 0; !bad && i < n; i++) {
				uint32_t idx = 0;
				char *s = NULL;

				bad = get_u32(&sub, &idx);
				if (!bad)
					bad = get_name(&sub, &s, NULL, NULL);
				if (!bad && idx >= m->nfuncs_total)
					bad = CHIBI_ERR_MALFORMED;
				if (bad) {
					vm_free(s);
					break;
				}
				vm_free(names[idx]);
				names[idx] = s;
			}
		} else {
			continue; /* local names and later subsections: not used */
		}
		if (bad || sub.p != sub.end)
			goto discard;
	}
	m->module_name = modname;
	m->func_names = names;
	return CHIBI_OK;
discard:
	if (bad == CHIBI_ERR_NOMEM)
		err = diag_set(diag, CHIBI_ERR_NOMEM, (size_t)(p - m->bytes), "out of memory");
	vm_free(modname);
	if (names) {
		for (uint32_t i = 0; i < m->nfuncs_total; i++)
			vm_free(names[i]);
		vm_free(names);
	}
	return err;
}

/* ---- the module -------------------------------------------------------------------- */

/* Position of each known section id in the required order; datacount (12) sits between
 * element (9) and code (10), tag (13) between memory (5) and global (6).  0 marks custom
 * sections, which may appear anywhere. */
static const uint8_t section_rank[14] = {
	[0] = 0, [1] = 1, [2] = 2, [3] = 3, [4] = 4, [5] = 5, [13] = 6, [6] = 7, [7] = 8,
	[8] = 9, [9] = 10, [12] = 11, [10] = 12, [11] = 13,
};

static void mark_declared(struct module *m, const struct cexpr *ce)
{
	if (ce->kind == CE_REF_FUNC && ce->error == CEXPR_OK && ce->index < m->nfuncs_total)
		m->func_declared[ce->index] = true;
}

/* After the last section: fill the parts of the index spaces no section filled, check the
 * cross-section counts, and collect the functions declared outside function bodies. */
static enum chibi_err finish(struct rd *r, struct module *m, bool seen_code)
{
	enum chibi_err err;

	if (m->nfuncs && !seen_code)
		return malformed(r, r->p, "function and code section have inconsistent lengths");
	if (m->has_datacount && m->datacount != m->ndatas)
		return malformed(r, r->p,
				 "data count and data section have inconsistent lengths");

	m->nfuncs_total = m->nfunc_imports + m->nfuncs;
	TRY(new_array(r, &m->func_type_idx, m->nfuncs_total, sizeof(uint32_t)));
	copy_imports(m, EXT_FUNC, m->func_type_idx);
	for (uint32_t i = 0; i < m->nfuncs; i++)
		m->func_type_idx[m->nfunc_imports + i] = m->funcs[i].type_index;
	if (!m->tables) {
		TRY(new_array(r, &m->tables, m->ntable_imports, sizeof(*m->tables)));
		copy_imports(m, EXT_TABLE, m->tables);
		m->ntables = m->ntable_imports;
	}
	if (!m->memories) {
		TRY(new_array(r, &m->memories, m->nmemory_imports, sizeof(*m->memories)));
		copy_imports(m, EXT_MEMORY, m->memories);
		m->nmemories = m->nmemory_imports;
	}
	if (!m->tag_types) {
		TRY(new_array(r, &m->tag_types, m->ntag_imports, sizeof(uint32_t)));
		copy_imports(m, EXT_TAG, m->tag_types);
		m->ntags = m->ntag_imports;
	}
	if (!m->global_types) {
		TRY(new_array(r, &m->global_types, m->nglobal_imports, sizeof(*m->global_types)));
		copy_imports(m, EXT_GLOBAL, m->global_types);
		m->nglobals = m->nglobal_imports;
	}

	/* C.refs (spec 3.4.10): ref.func outside function bodies declares its function. */
	TRY(new_array(r, &m->func_declared, m->nfuncs_total, sizeof(bool)));
	if (m->nfuncs_total) {
		for (uint32_t i = 0; i < m->nglobals - m->nglobal_imports; i++)
			mark_declared(m, &m->globals[i].init);
		for (uint32_t i = 0; m->table_inits && i < m->ntables - m->ntable_imports; i++)
			mark_declared(m, &m->table_inits[i]);
		for (uint32_t i = 0; i < m->nelems; i++) {
			mark_declared(m, &m->elems[i].offset);
			for (uint32_t j = 0; j < m->elems[i].nitems; j++)
				mark_declared(m, &m->elems[i].items[j]);
		}
		for (uint32_t i = 0; i < m->ndatas; i++)
			mark_declared(m, &m->datas[i].offset);
		for (uint32_t i = 0; i < m->nexports; i++)
			if (m->exports[i].kind == EXT_FUNC && m->exports[i].index < m->nfuncs_total)
				m->func_declared[m->exports[i].index] = true;
	}
	return CHIBI_OK;
fail:
	return err;
}

/* A custom section: a UTF-8 name, then opaque bytes.  Only `name` is looked at, later. */
static enum chibi_err sec_custom(struct rd *r, const uint8_t **name_sec, const uint8_t **name_end)
{
	const uint8_t *s = NULL;
	uint32_t n = 0;
	enum chibi_err err;

	TRY(get_name(r, NULL, &s, &n));
	if (n == 4 && memcmp(s, "name", 4) == 0 && !*name_sec) {
		*name_sec = r->p;
		*name_end = r->end;
	}
	r->p = r->end;
	return CHIBI_OK;
fail:
	return err;
}

static enum chibi_err dec_sections(struct rd *r, struct module *m)
{
	const uint8_t *file_end = r->end, *name_sec = NULL, *name_end = NULL;
	bool seen_code = false;
	unsigned last_rank = 0;
	enum chibi_err err;

	while (r->p < file_end) {
		const uint8_t *at = r->p, *sec_end;
		uint8_t id = 0;
		uint32_t size = 0;

		r->end = file_end;
		r->eof_msg = "unexpected end";
		TRY(get_byte(r, &id));
		if (id > 13 || (id == 13 && !(r->feat & CHIBI_FEAT_EXCEPTIONS)))
			return malformed(r, at, "malformed section id");
		if (id != 0) {
			/* A repeated or out-of-order section is content the grammar cannot place. */
			if (section_rank[id] <= last_rank)
				return malformed(r, at, "unexpected content after last section");
			last_rank = section_rank[id];
		}
		TRY(get_len(r, &size));
		sec_end = r->p + size;
		r->eof_msg = "unexpected end of section or function";
		switch (id) {
		case 0:
			r->end = sec_end;
			r->eof_msg = "unexpected end";
			err = sec_custom(r, &name_sec, &name_end);
			break;
		case 1: err = sec_type(r, m); break;
		case 2: err = sec_import(r, m); break;
		case 3: err = sec_function(r, m); break;
		case 4: err = sec_table(r, m); break;
		case 5: err = sec_memory(r, m); break;
		case 6: err = sec_global(r, m); break;
		case 7: err = sec_export(r, m); break;
		case 8: err = sec_start(r, m); break;
		case 9:
			/* The reference decoder words a truncated element section this way. */
			r->eof_msg = "unexpected end";
			err = sec_elem(r, m);
			break;
		case 10: err = sec_code(r, m, &seen_code); break;
		case 11: err = sec_data(r, m); break;
		case 13: err = sec_tag(r, m); break;
		default: err = sec_datacount(r, m); break;
		}
		if (err)
			goto fail;
		if (r->p != sec_end)
			return malformed(r, r->p, "section size mismatch");
	}
	r->end = file_end;
	TRY(finish(r, m, seen_code));
	if (name_sec)
		TRY(parse_names(m, name_sec, name_end, r->diag));
	return CHIBI_OK;
fail:
	return err;
}

/*
 * Decode a Wasm 2.0 binary (spec chapter 5) into a new module with refcount 1, taking
 * ownership of `bytes` (a vm_malloc'ed buffer; freed here on failure, by mod_unref
 * otherwise): every pointer in the module refers into it.  Errors: CHIBI_ERR_MALFORMED (diag
 * has the spec message and byte offset), CHIBI_ERR_UNSUPPORTED,
 * CHIBI_ERR_NOMEM.  On error *out = NULL and nothing is leaked.  The module is not
 * validated: call val_module() next.
 */
enum chibi_err dec_module_take(uint8_t *bytes, size_t len, struct module **out,
			       struct chibi_diag *diag)
{
	return dec_module_take_features(bytes, len, CHIBI_FEATURES_ALL, out, diag);
}

/* Give back module bytes that no module took: a heap copy or a mapping (dec_module_mapped). */
static void bytes_release(uint8_t *bytes, void *map, size_t map_len)
{
	if (map)
		munmap(map, map_len);
	else
		vm_free(bytes);
}

/* Decode bytes that the module takes: heap bytes (map NULL) or bytes inside a mapping. */
static enum chibi_err dec_module_own(uint8_t *bytes, size_t len, void *map, size_t map_len,
				     uint32_t features, struct module **out,
				     struct chibi_diag *diag)
{
	static const uint8_t magic[4] = { 0x00, 0x61, 0x73, 0x6d };
	struct module *m;
	struct rd r;
	uint32_t version = 0;
	enum chibi_err err;

	*out = NULL;
	if (!bytes && len)
		return diag_set(diag, CHIBI_ERR_ARG, 0, "no module bytes");
	if (len > UINT32_MAX) { /* offsets within a module are 32-bit (struct instr) */
		bytes_release(bytes, map, map_len);
		return diag_set(diag, CHIBI_ERR_UNSUPPORTED, 0, "module of 4 GiB or more");
	}
	m = vm_calloc(1, sizeof(*m));
	if (!m) {
		bytes_release(bytes, map, map_len);
		return diag_set(diag, CHIBI_ERR_NOMEM, 0, "out of memory");
	}
	m->refcount = 1;
	m->bytes = bytes;
	m->len = len;
	m->bytes_map = map;
	m->bytes_map_len = map_len;
	m->features = features;
	r = (struct rd){ .p = m->bytes, .end = m->bytes + len, .base = m->bytes,
			 .eof_msg = "unexpected end", .diag = diag, .feat = features };

	if (len < 4) {
		err = malformed(&r, r.end, "unexpected end");
		goto fail;
	}
	if (memcmp(m->bytes, magic, 4) != 0) {
		err = malformed(&r, r.p, "magic header not detected");
		goto fail;
	}
	r.p += 4;
	if (rd_u32le(&r.p, r.end, &version) != LEB_OK) {
		err = malformed(&r, r.end, "unexpected end");
		goto fail;
	}
	if (version != 1) {
		err = malformed(&r, r.p - 4, "unknown binary version");
		goto fail;
	}
	TRY(dec_sections(&r, m));
	*out = m;
	return CHIBI_OK;
fail:
	mod_unref(m);
	return err;
}

/* dec_module_take accepting only the proposals in `features`; the module keeps the set for
 * the validator (module.features). */
enum chibi_err dec_module_take_features(uint8_t *bytes, size_t len, uint32_t features,
					struct module **out, struct chibi_diag *diag)
{
	return dec_module_own(bytes, len, NULL, 0, features, out, diag);
}

/* See module.h.  The bytes are never written (the decoder, validator and tiers only read
 * them), so a read-only mapping serves. */
enum chibi_err dec_module_mapped(const uint8_t *bytes, size_t len, void *map, size_t map_len,
				 uint32_t features, struct module **out,
				 struct chibi_diag *diag)
{
	*out = NULL;
	if (!map || bytes < (const uint8_t *)map ||
	    (size_t)(bytes - (const uint8_t *)map) > map_len ||
	    len > map_len - (size_t)(bytes - (const uint8_t *)map)) {
		if (map)
			munmap(map, map_len);
		return diag_set(diag, CHIBI_ERR_ARG, 0, "module bytes outside their mapping");
	}
	return dec_module_own((uint8_t *)bytes, len, map, map_len, features, out, diag);
}

/* dec_module_take over a copy of the caller's bytes, which the caller keeps. */
enum chibi_err dec_module(const uint8_t *bytes, size_t len, struct module **out,
			  struct chibi_diag *diag)
{
	uint8_t *copy;

	*out = NULL;
	if (!bytes && len)
		return diag_set(diag, CHIBI_ERR_ARG, 0, "no module bytes");
	copy = vm_malloc(len ? len : 1);
	if (!copy)
		return diag_set(diag, CHIBI_ERR_NOMEM, 0, "out of memory");
	if (len)
		memcpy(copy, bytes, len);
	return dec_module_take(copy, len, out, diag);
}
