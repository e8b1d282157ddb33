/* text/module.c - module fields of the text format -> the binary format (spec 6.6, 5.5).
 *
 * Two passes over the fields.  The first gives every definition its index (identifiers,
 * imports first as the text format requires, the elem and data segments that table and
 * memory abbreviations create).  The second encodes the type definitions, then every other
 * field in text order into its section's buffer; type uses without a matching type append
 * implicit types in that order (spec 6.6.5, "abbreviations").  Sections are concatenated
 * last.  Function bodies and constant expressions are text/code.c's.
 * Entry points: wat_encode_module, wat_to_binary.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "../vm/alloc.h"
#include "wat_int.h"

bool mod_fail(struct mod *m, const struct wat_node *at, const char *fmt, ...)
{
	va_list ap;

	if (m->failed)
		return false;
	m->failed = true;
	if (!at && strcmp(fmt, "out of memory"))
		at = m->field; /* e.g. something missing at the end of a list */
	m->err->line = at ? at->line : 0;
	m->err->col = at ? at->col : 0;
	va_start(ap, fmt);
	vsnprintf(m->err->msg, sizeof(m->err->msg), fmt, ap);
	va_end(ap);
	return false;
}

static bool oom(struct mod *m)
{
	return mod_fail(m, NULL, "out of memory");
}

/* ---- index spaces --------------------------------------------------------------------- */

static bool ident_eq(struct ident a, const struct wat_node *n)
{
	return a.s && a.n == n->len && !memcmp(a.s, n->text, n->len);
}

/* Add an entry named by `id` (a WAT_ID node or NULL) to space s. */
static bool space_add(struct mod *m, struct space *s, const struct wat_node *id, bool is64)
{
	if (id && id->kind == WAT_ID) {
		for (size_t i = 0; i < s->n; i++)
			if (ident_eq(s->ids[i], id))
				return mod_fail(m, id, "duplicate %s %.*s", s->what, (int)id->len,
						id->text);
	}
	if (!VM_GROW(s->ids, s->cap, s->n + 1) || !VM_GROW(s->is64, s->cap64, s->n + 1))
		return oom(m);
	s->ids[s->n] = (struct ident){ 0 };
	if (id && id->kind == WAT_ID)
		s->ids[s->n] = (struct ident){ id->text, id->len };
	s->is64[s->n] = is64;
	s->n++;
	return true;
}

bool mod_is_index(const struct wat_node *n)
{
	return n && (n->kind == WAT_ID || (n->kind == WAT_ATOM && n->text[0] >= '0' &&
					   n->text[0] <= '9'));
}

bool mod_index(struct mod *m, const struct space *s, const struct wat_node *n, uint32_t *out)
{
	uint64_t v;

	if (!n)
		return mod_fail(m, NULL, "unexpected end: %s index expected", s->what);
	if (n->kind == WAT_ID) {
		for (size_t i = 0; i < s->n; i++)
			if (ident_eq(s->ids[i], n)) {
				*out = (uint32_t)i;
				return true;
			}
		return mod_fail(m, n, "unknown %s %.*s", s->what, (int)n->len, n->text);
	}
	if (n->kind != WAT_ATOM || !wat_read_uint(n->text, n->len, UINT32_MAX, &v))
		return mod_fail(m, n, "unexpected token: %s index expected", s->what);
	*out = (uint32_t)v;
	return true;
}

/* ---- types ---------------------------------------------------------------------------- */

static const struct {
	const char *name;
	uint8_t code;
} heap_types[] = {
	{ "func", 0x70 }, { "extern", 0x6f }, { "any", 0x6e }, { "eq", 0x6d }, { "i31", 0x6c },
	{ "struct", 0x6b }, { "array", 0x6a }, { "exn", 0x69 }, { "noexn", 0x74 },
	{ "nofunc", 0x73 }, { "noextern", 0x72 }, { "none", 0x71 },
};

static const struct {
	const char *name;
	uint8_t code;
} short_types[] = {
	{ "i32", 0x7f }, { "i64", 0x7e }, { "f32", 0x7d }, { "f64", 0x7c }, { "v128", 0x7b },
	{ "funcref", 0x70 }, { "externref", 0x6f }, { "anyref", 0x6e }, { "eqref", 0x6d },
	{ "i31ref", 0x6c }, { "structref", 0x6b }, { "arrayref", 0x6a }, { "exnref", 0x69 },
	{ "nullexnref", 0x74 }, { "nullfuncref", 0x73 }, { "nullexternref", 0x72 },
	{ "nullref", 0x71 },
};

bool mod_heaptype(struct mod *m, const struct wat_node *n, struct buf *b)
{
	uint32_t idx;

	if (n && n->kind == WAT_ATOM)
		for (size_t i = 0; i < sizeof(heap_types) / sizeof(heap_types[0]); i++)
			if (wat_is_atom(n, heap_types[i].name)) {
				buf_put(b, heap_types[i].code);
				return true;
			}
	if (!mod_is_index(n))
		return mod_fail(m, n, "unexpected token: heap type expected");
	if (!mod_index(m, &m->types, n, &idx))
		return false;
	buf_s64(b, idx);
	return true;
}

bool mod_reftype(struct mod *m, const struct wat_node **pn, bool *nullable, struct buf *ht)
{
	const struct wat_node *n = *pn, *k;

	if (n && n->kind == WAT_ATOM) {
		for (size_t i = 0; i < sizeof(short_types) / sizeof(short_types[0]); i++)
			if (short_types[i].code <= 0x74 && short_types[i].code >= 0x69 &&
			    wat_is_atom(n, short_types[i].name)) {
				*nullable = true;
				buf_put(ht, short_types[i].code);
				*pn = n->next;
				return true;
			}
	}
	if (!wat_is_list(n, "ref"))
		return mod_fail(m, n, "unexpected token: reference type expected");
	k = n->first->next;
	*nullable = wat_is_atom(k, "null");
	if (*nullable)
		k = k->next;
	if (!k || k->next)
		return mod_fail(m, n, "unexpected token in reference type");
	if (!mod_heaptype(m, k, ht))
		return false;
	*pn = n->next;
	return true;
}

bool mod_valtype(struct mod *m, const struct wat_node **pn, struct buf *b)
{
	const struct wat_node *n = *pn, *k;

	if (!n)
		return mod_fail(m, NULL, "unexpected end: value type expected");
	if (n->kind == WAT_ATOM) {
		for (size_t i = 0; i < sizeof(short_types) / sizeof(short_types[0]); i++)
			if (wat_is_atom(n, short_types[i].name)) {
				buf_put(b, short_types[i].code);
				*pn = n->next;
				return true;
			}
		return mod_fail(m, n, "unexpected token: unknown value type %.*s", (int)n->len,
				n->text);
	}
	if (!wat_is_list(n, "ref"))
		return mod_fail(m, n, "unexpected token: value type expected");
	k = n->first->next;
	if (wat_is_atom(k, "null")) {
		k = k->next;
		/* (ref null func) is funcref: the one-byte form, as every encoder writes it */
		for (size_t i = 0; k && i < sizeof(heap_types) / sizeof(heap_types[0]); i++)
			if (wat_is_atom(k, heap_types[i].name) && !k->next) {
				buf_put(b, heap_types[i].code);
				*pn = n->next;
				return true;
			}
		buf_put(b, 0x63);
	} else {
		buf_put(b, 0x64);
	}
	if (!k || k->next)
		return mod_fail(m, k ? k->next : n, "unexpected token in reference type");
	if (!mod_heaptype(m, k, b))
		return false;
	*pn = n->next;
	return true;
}

/* (param $id? t) / (param t*) and (result t*) lists at *pn into params / results. */
static bool param_lists(struct mod *m, const struct wat_node **pn, struct buf *params,
			uint32_t *np, struct fctx *names, bool names_ok, struct buf *results,
			uint32_t *nr)
{
	const struct wat_node *n = *pn;

	for (; wat_is_list(n, "param"); n = n->next) {
		const struct wat_node *k = n->first->next;

		if (k && k->kind == WAT_ID) {
			if (!names_ok)
				return mod_fail(m, k, "unexpected token: a named parameter here");
			if (names && !code_add_local(names, k))
				return false;
			k = k->next;
			if (!mod_valtype(m, &k, params))
				return false;
			if (k)
				return mod_fail(m, k, "unexpected token after a named parameter");
			(*np)++;
			continue;
		}
		while (k) {
			if (!mod_valtype(m, &k, params))
				return false;
			if (names && !code_add_local(names, NULL))
				return false;
			(*np)++;
		}
	}
	for (; wat_is_list(n, "result"); n = n->next) {
		const struct wat_node *k = n->first->next;

		while (k) {
			if (!mod_valtype(m, &k, results))
				return false;
			(*nr)++;
		}
	}
	*pn = n;
	return true;
}

/* vec(params) vec(results) from their bytes and counts. */
static bool make_sig(struct mod *m, struct buf *sig, const struct buf *p, uint32_t np,
		     const struct buf *r, uint32_t nr)
{
	buf_u32(sig, np);
	buf_bytes(sig, p->p, p->len);
	buf_u32(sig, nr);
	buf_bytes(sig, r->p, r->len);
	return sig->oom ? oom(m) : true;
}

static struct tdef *new_tdef(struct mod *m)
{
	if (!VM_GROW(m->tdefs, m->tcap, m->ntdefs + 1)) {
		oom(m);
		return NULL;
	}
	memset(&m->tdefs[m->ntdefs], 0, sizeof(m->tdefs[0]));
	return &m->tdefs[m->ntdefs++];
}

bool mod_at_typeuse(const struct wat_node *n)
{
	return wat_is_list(n, "type") || wat_is_list(n, "param") || wat_is_list(n, "result");
}

bool mod_typeuse(struct mod *m, const struct wat_node **pn, struct fctx *names,
		 uint32_t *out_idx, uint32_t *out_nparams)
{
	const struct wat_node *n = *pn, *tnode = NULL;
	struct buf p = { 0 }, r = { 0 }, sig = { 0 };
	uint32_t np = 0, nr = 0, idx = 0;
	bool ok = false, explicit = false;

	if (wat_is_list(n, "type")) {
		tnode = n;
		if (!n->first->next || n->first->next->next)
			return mod_fail(m, n, "unexpected token in type use");
		if (!mod_index(m, &m->types, n->first->next, &idx))
			return false;
		explicit = true;
		n = n->next;
	}
	if (!param_lists(m, &n, &p, &np, names, names != NULL, &r, &nr))
		goto out;
	if (p.oom || r.oom) {
		oom(m);
		goto out;
	}
	if (explicit && n == tnode->next) {
		/* (type x) alone: the parameters are x's (unnamed) */
		uint32_t k = idx < m->ntdefs && m->tdefs[idx].is_func ? m->tdefs[idx].nparams : 0;

		for (uint32_t i = 0; names && i < k; i++)
			if (!code_add_local(names, NULL))
				goto out;
		*out_idx = idx;
		*out_nparams = k;
		ok = true;
		goto out;
	}
	if (!make_sig(m, &sig, &p, np, &r, nr))
		goto out;
	if (explicit) {
		const struct tdef *t = idx < m->ntdefs ? &m->tdefs[idx] : NULL;

		if (!t || !t->is_func || t->siglen != sig.len || memcmp(t->sig, sig.p, sig.len)) {
			mod_fail(m, tnode, "inline function type does not match the type it names");
			goto out;
		}
	} else {
		size_t i;

		for (i = 0; i < m->ntdefs; i++)
			if (m->tdefs[i].simple && m->tdefs[i].siglen == sig.len &&
			    !memcmp(m->tdefs[i].sig, sig.p, sig.len))
				break;
		if (i == m->ntdefs) {
			struct tdef *t = new_tdef(m);

			if (!t)
				goto out;
			t->is_func = t->simple = true;
			t->nparams = np;
			t->sig = sig.p;
			t->siglen = sig.len;
			sig = (struct buf){ 0 };
			buf_put(&m->sec_implicit, 0x60);
			buf_bytes(&m->sec_implicit, t->sig, t->siglen);
			m->n_implicit++;
		}
		idx = (uint32_t)i;
	}
	*out_idx = idx;
	*out_nparams = np;
	ok = true;
out:
	buf_free(&p);
	buf_free(&r);
	buf_free(&sig);
	*pn = n;
	return ok && !m->failed;
}

/* storagetype or (mut storagetype), for struct fields and arrays. */
static bool field_type(struct mod *m, const struct wat_node *n, struct buf *b)
{
	const struct wat_node *k = n;
	bool mut = wat_is_list(n, "mut");

	if (mut) {
		k = n->first->next;
		if (!k || k->next)
			return mod_fail(m, n, "unexpected token in field type");
	}
	if (wat_is_atom(k, "i8"))
		buf_put(b, 0x78);
	else if (wat_is_atom(k, "i16"))
		buf_put(b, 0x77);
	else if (!mod_valtype(m, &k, b))
		return false;
	buf_put(b, mut);
	return true;
}

/* One (type $id? comptype-or-sub) into sec_type, its tdef filled. */
static bool type_def(struct mod *m, const struct wat_node *tn, struct tdef *t, bool alone)
{
	const struct wat_node *n = tn->first->next, *ct;
	struct buf *b = &m->sec_type;

	if (n && n->kind == WAT_ID)
		n = n->next;
	if (!n || n->next)
		return mod_fail(m, n ? n->next : tn, "unexpected token in type definition");
	ct = n;
	t->simple = alone;
	if (wat_is_list(n, "sub")) {
		const struct wat_node *k = n->first->next, *s;
		bool final = wat_is_atom(k, "final");
		uint32_t nsup = 0;

		if (final)
			k = k->next;
		for (s = k; mod_is_index(s); s = s->next)
			nsup++;
		buf_put(b, final ? 0x4f : 0x50);
		buf_u32(b, nsup);
		for (; mod_is_index(k); k = k->next) {
			uint32_t idx;

			if (!mod_index(m, &m->types, k, &idx))
				return false;
			buf_u32(b, idx);
		}
		if (!k || k->next)
			return mod_fail(m, k ? k->next : n, "unexpected token in sub type");
		ct = k;
		t->simple = alone && final && !nsup;
	}
	if (wat_is_list(ct, "func")) {
		const struct wat_node *k = ct->first->next;
		struct buf p = { 0 }, r = { 0 }, sig = { 0 };
		uint32_t np = 0, nr = 0;
		bool ok;

		ok = param_lists(m, &k, &p, &np, NULL, true, &r, &nr);
		if (ok && k)
			ok = mod_fail(m, k, "unexpected token in function type");
		if (ok)
			ok = make_sig(m, &sig, &p, np, &r, nr);
		buf_free(&p);
		buf_free(&r);
		if (!ok) {
			buf_free(&sig);
			return false;
		}
		t->is_func = true;
		t->nparams = np;
		t->sig = sig.p;
		t->siglen = sig.len;
		buf_put(b, 0x60);
		buf_bytes(b, sig.p, sig.len);
		return true;
	}
	t->simple = false;
	if (wat_is_list(ct, "struct")) {
		struct buf fields = { 0 };
		uint32_t nf = 0;

		for (const struct wat_node *f = ct->first->next; f; f = f->next) {
			const struct wat_node *k;

			if (!wat_is_list(f, "field")) {
				buf_free(&fields);
				return mod_fail(m, f, "unexpected token in struct type");
			}
			k = f->first->next;
			if (k && k->kind == WAT_ID) {
				if (!k->next || k->next->next) {
					buf_free(&fields);
					return mod_fail(m, f, "unexpected token in field");
				}
				for (size_t i = 0; i < t->nfields; i++)
					if (t->fields[i].n == k->len &&
					    !memcmp(t->fields[i].s, k->text, k->len)) {
						buf_free(&fields);
						return mod_fail(m, k, "duplicate field %.*s",
								(int)k->len, k->text);
					}
			}
			for (const struct wat_node *v = k && k->kind == WAT_ID ? k->next : k; v;
			     v = v->next) {
				size_t cap = t->nfields;

				if (!VM_GROW(t->fields, cap, t->nfields + 1)) {
					buf_free(&fields);
					return oom(m);
				}
				t->fields[t->nfields++] = k->kind == WAT_ID
					? (struct ident){ k->text, k->len } : (struct ident){ 0 };
			}
			if (k && k->kind == WAT_ID)
				k = k->next;
			for (; k; k = k->next, nf++)
				if (!field_type(m, k, &fields)) {
					buf_free(&fields);
					return false;
				}
		}
		buf_put(b, 0x5f);
		buf_u32(b, nf);
		buf_bytes(b, fields.p, fields.len);
		buf_free(&fields);
		return true;
	}
	if (wat_is_list(ct, "array")) {
		const struct wat_node *k = ct->first->next;

		if (!k || k->next)
			return mod_fail(m, ct, "unexpected token in array type");
		buf_put(b, 0x5e);
		return field_type(m, k, b);
	}
	return mod_fail(m, ct, "unexpected token: func, struct, array or sub expected");
}

/* ---- pass 1: indices ------------------------------------------------------------------ */

static const struct wat_node *field_id(const struct wat_node *f)
{
	const struct wat_node *n = f->first->next;

	return n && n->kind == WAT_ID ? n : NULL;
}

/* After a definition's $id and (export ...) lists: its (import "m" "n"), or NULL. */
static const struct wat_node *inline_import(const struct wat_node *f)
{
	const struct wat_node *n = f->first->next;

	if (n && n->kind == WAT_ID)
		n = n->next;
	while (wat_is_list(n, "export"))
		n = n->next;
	return wat_is_list(n, "import") ? n : NULL;
}

/* Does the table or memory field f (or import descriptor) have the i64 address type? */
static bool addr64(const struct wat_node *f)
{
	const struct wat_node *n = f->first->next;

	if (n && n->kind == WAT_ID)
		n = n->next;
	while (wat_is_list(n, "export") || wat_is_list(n, "import"))
		n = n->next;
	return wat_is_atom(n, "i64");
}

static struct space *space_of(struct mod *m, const struct wat_node *kw)
{
	if (wat_is_atom(kw, "func"))
		return &m->funcs;
	if (wat_is_atom(kw, "table"))
		return &m->tables;
	if (wat_is_atom(kw, "memory"))
		return &m->mems;
	if (wat_is_atom(kw, "global"))
		return &m->globals;
	if (wat_is_atom(kw, "tag"))
		return &m->tags;
	return NULL;
}

static bool index_fields(struct mod *m, const struct wat_node *fields)
{
	const char *first_def = NULL;

	for (const struct wat_node *f = fields; f && !m->failed; f = f->next) {
		const struct wat_node *kw = f->kind == WAT_LIST ? f->first : NULL;
		struct space *s;

		m->field = f;
		if (!kw || kw->kind != WAT_ATOM)
			return mod_fail(m, f, "unexpected token: module field expected");
		if (wat_is_atom(kw, "type")) {
			if (!space_add(m, &m->types, field_id(f), false))
				return false;
		} else if (wat_is_atom(kw, "rec")) {
			for (const struct wat_node *t = kw->next; t; t = t->next) {
				if (!wat_is_list(t, "type"))
					return mod_fail(m, t, "unexpected token in rec group");
				if (!space_add(m, &m->types, field_id(t), false))
					return false;
			}
		} else if ((s = space_of(m, kw))) {
			if (inline_import(f) && first_def)
				return mod_fail(m, f, "import after %s", first_def);
			if (!inline_import(f) && !first_def)
				first_def = s->what;
			if (!space_add(m, s, field_id(f), addr64(f)))
				return false;
			for (const struct wat_node *k = kw->next; k; k = k->next) {
				if (s == &m->tables && wat_is_list(k, "elem") &&
				    !space_add(m, &m->elems, NULL, false))
					return false;
				if (s == &m->mems && wat_is_list(k, "data") &&
				    !space_add(m, &m->datas, NULL, false))
					return false;
			}
		} else if (wat_is_atom(kw, "import")) {
			const struct wat_node *d = kw->next ? kw->next->next : NULL;

			d = d ? d->next : NULL;
			if (!d || d->kind != WAT_LIST || !(s = space_of(m, d->first)) || d->next)
				return mod_fail(m, d ? d : f, "unexpected token: import description "
						"expected");
			if (first_def)
				return mod_fail(m, f, "import after %s", first_def);
			if (!space_add(m, s, field_id(d), addr64(d)))
				return false;
		} else if (wat_is_atom(kw, "elem")) {
			if (!space_add(m, &m->elems, field_id(f), false))
				return false;
		} else if (wat_is_atom(kw, "data")) {
			if (!space_add(m, &m->datas, field_id(f), false))
				return false;
		} else if (!wat_is_atom(kw, "export") && !wat_is_atom(kw, "start")) {
			return mod_fail(m, kw, "unexpected token: unknown module field %.*s",
					(int)kw->len, kw->text);
		}
	}
	return !m->failed;
}

/* ---- pass 2: the fields --------------------------------------------------------------- */

static bool string_node(struct mod *m, const struct wat_node *n, const char *what)
{
	if (!n || n->kind != WAT_STRING)
		return mod_fail(m, n, "unexpected token: %s string expected", what);
	return true;
}

/* (export "name")* of a definition of `kind` and index idx, advancing *pn. */
static bool inline_exports(struct mod *m, const struct wat_node **pn, uint8_t kind,
			   uint32_t idx)
{
	for (; wat_is_list(*pn, "export"); *pn = (*pn)->next) {
		const struct wat_node *nm = (*pn)->first->next;

		if (!string_node(m, nm, "export name"))
			return false;
		if (nm->next)
			return mod_fail(m, nm->next, "unexpected token in export");
		buf_name(&m->sec_export, nm->text, nm->len);
		buf_put(&m->sec_export, kind);
		buf_u32(&m->sec_export, idx);
		m->n_export++;
	}
	return true;
}

/* (import "m" "n") at *pn: writes the module and field names of an import entry. */
static bool import_names(struct mod *m, const struct wat_node *imp)
{
	const struct wat_node *mn = imp->first->next, *fn = mn ? mn->next : NULL;

	if (!string_node(m, mn, "module name") || !string_node(m, fn, "import name"))
		return false;
	if (fn->next && wat_is_atom(imp->first, "import") && fn->next->next)
		return mod_fail(m, fn->next->next, "unexpected token in import");
	buf_name(&m->sec_import, mn->text, mn->len);
	buf_name(&m->sec_import, fn->text, fn->len);
	m->n_import++;
	return true;
}

/* limits: n m? and `shared`, for an address type of 64 bits or 32. */
static bool limits(struct mod *m, const struct wat_node **pn, bool is64, struct buf *b)
{
	const struct wat_node *n = *pn;
	/* 64-bit limits even for i32 types: the validator judges the size (table.wast);
	 * without memory64 (Wasm 2.0) they are u32, larger is malformed text */
	uint64_t lo, hi = 0;
	uint64_t max = is64 || m->features & CHIBI_FEAT_MEMORY64 ? UINT64_MAX : UINT32_MAX;
	bool has_max = false, shared = false;

	if (!n || n->kind != WAT_ATOM || !wat_read_uint(n->text, n->len, max, &lo))
		return mod_fail(m, n, n && n->kind == WAT_ATOM && n->text[0] >= '0' &&
				n->text[0] <= '9' ? (max == UINT32_MAX ? "i32 constant out of range" :
						     "constant out of range") :
				"unexpected token: limits expected");
	n = n->next;
	if (n && n->kind == WAT_ATOM && n->text[0] >= '0' && n->text[0] <= '9') {
		if (!wat_read_uint(n->text, n->len, max, &hi))
			return mod_fail(m, n, max == UINT32_MAX ? "i32 constant out of range" :
					"constant out of range");
		has_max = true;
		n = n->next;
	}
	if (wat_is_atom(n, "shared")) {
		shared = true;
		n = n->next;
	}
	buf_put(b, (uint8_t)(has_max | shared << 1 | is64 << 2));
	buf_u64(b, lo);
	if (has_max)
		buf_u64(b, hi);
	*pn = n;
	return true;
}

/* A constant expression (offsets, global inits, elem items): instrs then end. */
static bool const_expr(struct mod *m, const struct wat_node *n, struct buf *b)
{
	struct fctx f = { .m = m, .out = b };
	bool ok = code_expr(&f, n);

	fctx_free(&f);
	return ok;
}

static bool func_field(struct mod *m, const struct wat_node *f)
{
	const struct wat_node *n = f->first->next, *imp;
	struct fctx fc = { .m = m };
	struct buf body = { 0 }, locals = { 0 };
	uint32_t idx = m->next_func++, tidx, np, nlocals = 0;
	bool ok = false;

	if (n && n->kind == WAT_ID)
		n = n->next;
	if (!inline_exports(m, &n, 0, idx))
		return false;
	imp = wat_is_list(n, "import") ? n : NULL;
	if (imp) {
		if (!import_names(m, imp))
			return false;
		n = n->next;
		if (!mod_typeuse(m, &n, NULL, &tidx, &np))
			return false;
		if (n)
			return mod_fail(m, n, "unexpected token in imported function");
		buf_put(&m->sec_import, 0x00);
		buf_u32(&m->sec_import, tidx);
		return true;
	}
	fc.out = &body;
	if (!mod_typeuse(m, &n, &fc, &tidx, &np))
		goto out;
	buf_u32(&m->sec_func, tidx);
	m->n_func++;
	/* locals: runs of one type share an entry */
	{
		struct buf types = { 0 };
		uint32_t run = 0, nruns = 0;
		uint8_t *prev = NULL;
		size_t prevlen = 0, start;

		for (; wat_is_list(n, "local"); n = n->next) {
			const struct wat_node *k = n->first->next;
			bool named = k && k->kind == WAT_ID;

			if (named && !code_add_local(&fc, k))
				break;
			if (named)
				k = k->next;
			if (named && (!k || k->next)) {
				mod_fail(m, n, "unexpected token in local");
				break;
			}
			while (k) {
				start = types.len;
				if (!mod_valtype(m, &k, &types))
					break;
				if (!named && !code_add_local(&fc, NULL))
					break;
				nlocals++;
				/* compare with the previous local's type bytes */
				if (prev && types.len - start == prevlen &&
				    !memcmp(types.p + start - prevlen, types.p + start, prevlen)) {
					types.len = start;
					run++;
				} else {
					if (prev) {
						buf_u32(&locals, run);
						buf_bytes(&locals, types.p + (start - prevlen),
							  prevlen);
						nruns++;
					}
					prev = types.p + start;
					prevlen = types.len - start;
					run = 1;
					/* keep only the current run's type in types */
					memmove(types.p, types.p + start, prevlen);
					types.len = prevlen;
					prev = types.p;
				}
			}
			if (m->failed)
				break;
		}
		if (!m->failed && prev) {
			buf_u32(&locals, run);
			buf_bytes(&locals, prev, prevlen);
			nruns++;
		}
		buf_free(&types);
		if (m->failed)
			goto out;
		{
			struct buf hdr = { 0 };

			buf_u32(&hdr, nruns);
			buf_bytes(&hdr, locals.p, locals.len);
			buf_free(&locals);
			locals = hdr;
		}
	}
	(void)nlocals;
	if (!code_expr(&fc, n))
		goto out;
	if (body.oom || locals.oom) {
		oom(m);
		goto out;
	}
	buf_u32(&m->sec_code, (uint32_t)(locals.len + body.len));
	buf_bytes(&m->sec_code, locals.p, locals.len);
	buf_bytes(&m->sec_code, body.p, body.len);
	ok = true;
out:
	buf_free(&body);
	buf_free(&locals);
	fctx_free(&fc);
	return ok;
}

/* An element list: `func x*`, `reftype item*`, or (abbreviation) `x*`.  Writes the kind or
 * type byte(s) to *kind / the items to *items.  *exprs tells which form. */
static bool elem_list(struct mod *m, const struct wat_node *n, bool allow_bare,
		      struct buf *type, struct buf *items, uint32_t *count, bool *exprs)
{
	*count = 0;
	*exprs = false;
	if (wat_is_atom(n, "func") || (allow_bare && (!n || mod_is_index(n)))) {
		if (wat_is_atom(n, "func"))
			n = n->next;
		for (; n; n = n->next, (*count)++) {
			uint32_t idx;

			if (!mod_index(m, &m->funcs, n, &idx))
				return false;
			buf_u32(items, idx);
		}
		buf_put(type, 0x70);
		return true;
	}
	*exprs = true;
	if (!mod_valtype(m, &n, type))
		return false;
	for (; n; n = n->next, (*count)++) {
		if (wat_is_list(n, "item")) {
			if (!const_expr(m, n->first->next, items))
				return false;
		} else if (n->kind == WAT_LIST) {
			/* (instr): one folded instruction */
			struct fctx f = { .m = m, .out = items };
			const struct wat_node saved = *n;
			struct wat_node one = saved;
			bool ok;

			one.next = NULL;
			ok = code_expr(&f, &one);
			fctx_free(&f);
			if (!ok)
				return false;
		} else {
			return mod_fail(m, n, "unexpected token in element list");
		}
	}
	return true;
}

/* An active segment's offset: (offset instr*) or one folded instruction. */
static bool offset_expr(struct mod *m, const struct wat_node *n, struct buf *b)
{
	if (wat_is_list(n, "offset"))
		return const_expr(m, n->first->next, b);
	{
		struct wat_node one = *n;

		one.next = NULL;
		return const_expr(m, &one, b);
	}
}

static bool elem_field(struct mod *m, const struct wat_node *f)
{
	const struct wat_node *n = f->first->next;
	struct buf type = { 0 }, items = { 0 }, off = { 0 };
	uint32_t table = 0, count;
	bool exprs, active = false, declare = false, has_table = false, ok = false;
	struct buf *b = &m->sec_elem;

	m->next_elem++;
	if (n && n->kind == WAT_ID)
		n = n->next;
	if (wat_is_atom(n, "declare")) {
		declare = true;
		n = n->next;
	} else {
		if (wat_is_list(n, "table")) {
			if (!n->first->next || n->first->next->next) {
				mod_fail(m, n, "unexpected token in table use");
				goto out;
			}
			if (!mod_index(m, &m->tables, n->first->next, &table))
				goto out;
			has_table = true;
			n = n->next;
		} else if (mod_is_index(n) && n->next && n->next->kind == WAT_LIST) {
			/* legacy (elem 0 (offset ...) ...) */
			if (!mod_index(m, &m->tables, n, &table))
				goto out;
			has_table = true;
			n = n->next;
		}
		if (n && n->kind == WAT_LIST && !wat_is_list(n, "ref") && !wat_is_list(n, "item")) {
			active = true;
			if (!offset_expr(m, n, &off))
				goto out;
			n = n->next;
		} else if (has_table) {
			mod_fail(m, n, "unexpected token: offset expected");
			goto out;
		}
	}
	if (!elem_list(m, n, active, &type, &items, &count, &exprs))
		goto out;
	if (active) {
		bool is_funcref = type.len == 1 && type.p[0] == 0x70;
		uint8_t flags = exprs ? 4 : 0;

		if (table || !is_funcref)
			flags |= 2;
		buf_u32(b, flags);
		if (flags & 2)
			buf_u32(b, table);
		buf_bytes(b, off.p, off.len);
		if (flags & 2) {
			if (exprs)
				buf_bytes(b, type.p, type.len);
			else
				buf_put(b, 0x00);
		}
	} else {
		buf_u32(b, (exprs ? 4u : 0u) | (declare ? 3u : 1u));
		if (exprs)
			buf_bytes(b, type.p, type.len);
		else
			buf_put(b, 0x00);
	}
	buf_u32(b, count);
	buf_bytes(b, items.p, items.len);
	m->n_elem++;
	ok = !type.oom && !items.oom && !off.oom ? true : oom(m);
out:
	buf_free(&type);
	buf_free(&items);
	buf_free(&off);
	return ok;
}

static bool data_strings(struct mod *m, const struct wat_node *n, struct buf *b)
{
	size_t total = 0;

	for (const struct wat_node *k = n; k; k = k->next) {
		if (!string_node(m, k, "data"))
			return false;
		total += k->len;
	}
	buf_u32(b, (uint32_t)total);
	for (; n; n = n->next)
		buf_bytes(b, n->text, n->len);
	return true;
}

static bool data_field(struct mod *m, const struct wat_node *f)
{
	const struct wat_node *n = f->first->next;
	struct buf *b = &m->sec_data;
	uint32_t mem = 0;
	bool has_mem = false;

	m->next_data++;
	if (n && n->kind == WAT_ID)
		n = n->next;
	if (wat_is_list(n, "memory")) {
		if (!n->first->next || n->first->next->next)
			return mod_fail(m, n, "unexpected token in memory use");
		if (!mod_index(m, &m->mems, n->first->next, &mem))
			return false;
		has_mem = true;
		n = n->next;
	} else if (mod_is_index(n)) {
		if (!mod_index(m, &m->mems, n, &mem))
			return false;
		has_mem = true;
		n = n->next;
	}
	m->n_data++;
	if (n && n->kind == WAT_LIST) {
		buf_u32(b, mem ? 2 : 0);
		if (mem)
			buf_u32(b, mem);
		if (!offset_expr(m, n, b))
			return false;
		n = n->next;
	} else if (has_mem) {
		return mod_fail(m, n, "unexpected token: offset expected");
	} else {
		buf_u32(b, 1);
	}
	return data_strings(m, n, b);
}

static bool table_field(struct mod *m, const struct wat_node *f)
{
	const struct wat_node *n = f->first->next, *imp;
	uint32_t idx = m->next_table++;
	bool is64 = m->tables.is64[idx];
	struct buf *b;

	if (n && n->kind == WAT_ID)
		n = n->next;
	if (!inline_exports(m, &n, 1, idx))
		return false;
	imp = wat_is_list(n, "import") ? n : NULL;
	if (imp) {
		if (!import_names(m, imp))
			return false;
		buf_put(&m->sec_import, 0x01);
		n = n->next;
	}
	if (is64 || wat_is_atom(n, "i32"))   /* the address type, i32 also written out */
		n = n->next;
	b = imp ? &m->sec_import : &m->sec_table;
	if (!imp && n && n->next && wat_is_list(n->next, "elem")) {
		/* reftype (elem ...): limits from the element count, an active segment at 0 */
		struct buf type = { 0 }, items = { 0 };
		const struct wat_node *e = n->next, *k;
		uint32_t count = 0;
		bool exprs, funcref, ok;

		ok = mod_valtype(m, &n, &type);
		if (ok && e->next)
			ok = mod_fail(m, e->next, "unexpected token after inline elements");
		k = e->first->next;
		exprs = k && k->kind == WAT_LIST;
		for (; ok && k; k = k->next, count++) {
			uint32_t fidx;

			if (exprs && wat_is_list(k, "item")) {
				ok = const_expr(m, k->first->next, &items);
			} else if (exprs && k->kind == WAT_LIST) {
				struct wat_node one = *k;

				one.next = NULL;
				ok = const_expr(m, &one, &items);
			} else if (exprs) {
				ok = mod_fail(m, k, "unexpected token in inline elements");
			} else if ((ok = mod_index(m, &m->funcs, k, &fidx))) {
				buf_u32(&items, fidx);
			}
		}
		funcref = type.len == 1 && type.p[0] == 0x70;
		if (ok && !exprs && !funcref) {
			/* function indices into a table of another type ((ref null $t)): the
			 * segment must have the table's type, so write them as ref.func */
			struct buf ex = { 0 };
			size_t at = 0;

			for (uint32_t i = 0; i < count; i++) {
				uint64_t fidx = 0;
				unsigned shift = 0;

				do {
					fidx |= (uint64_t)(items.p[at] & 0x7f) << shift;
					shift += 7;
				} while (items.p[at++] & 0x80);
				buf_put(&ex, 0xd2);
				buf_u32(&ex, (uint32_t)fidx);
				buf_put(&ex, 0x0b);
			}
			buf_free(&items);
			items = ex;
			exprs = true;
		}
		if (ok) {
			uint8_t flags = (uint8_t)((exprs ? 4 : 0) | (idx || !funcref ? 2 : 0));

			buf_bytes(b, type.p, type.len);
			buf_put(b, (uint8_t)(1 | is64 << 2));
			buf_u64(b, count);
			buf_u64(b, count);
			m->n_table++;
			m->next_elem++;
			buf_u32(&m->sec_elem, flags);
			if (flags & 2)
				buf_u32(&m->sec_elem, idx);
			buf_put(&m->sec_elem, is64 ? 0x42 : 0x41);
			buf_put(&m->sec_elem, 0);
			buf_put(&m->sec_elem, 0x0b);
			if (flags & 2) {
				if (exprs)
					buf_bytes(&m->sec_elem, type.p, type.len);
				else
					buf_put(&m->sec_elem, 0x00);
			}
			buf_u32(&m->sec_elem, count);
			buf_bytes(&m->sec_elem, items.p, items.len);
			m->n_elem++;
		}
		buf_free(&type);
		buf_free(&items);
		return ok;
	}
	{
		struct buf lim = { 0 }, type = { 0 };
		bool ok = limits(m, &n, is64, &lim) && mod_valtype(m, &n, &type);

		if (ok && imp && n)
			ok = mod_fail(m, n, "unexpected token in imported table");
		if (ok && n) {
			buf_put(b, 0x40);
			buf_put(b, 0x00);
		}
		buf_bytes(b, type.p, type.len);
		buf_bytes(b, lim.p, lim.len);
		if (ok && n)
			ok = const_expr(m, n, b);
		buf_free(&lim);
		buf_free(&type);
		if (!imp)
			m->n_table++;
		return ok;
	}
}

static bool memory_field(struct mod *m, const struct wat_node *f)
{
	const struct wat_node *n = f->first->next, *imp;
	uint32_t idx = m->next_mem++;
	bool is64 = m->mems.is64[idx];
	struct buf *b;

	if (n && n->kind == WAT_ID)
		n = n->next;
	if (!inline_exports(m, &n, 2, idx))
		return false;
	imp = wat_is_list(n, "import") ? n : NULL;
	if (imp) {
		if (!import_names(m, imp))
			return false;
		buf_put(&m->sec_import, 0x02);
		n = n->next;
	}
	if (is64 || wat_is_atom(n, "i32"))   /* the address type, i32 also written out */
		n = n->next;
	b = imp ? &m->sec_import : &m->sec_mem;
	if (!imp && wat_is_list(n, "data")) {
		const struct wat_node *d = n->first->next;
		uint64_t total = 0, pages;

		if (n->next)
			return mod_fail(m, n->next, "unexpected token after inline data");
		for (const struct wat_node *k = d; k; k = k->next) {
			if (!string_node(m, k, "data"))
				return false;
			total += k->len;
		}
		pages = (total + 65535) / 65536;
		buf_put(b, (uint8_t)(1 | is64 << 2));
		buf_u64(b, pages);
		buf_u64(b, pages);
		m->n_mem++;
		m->next_data++;
		buf_u32(&m->sec_data, idx ? 2 : 0);
		if (idx)
			buf_u32(&m->sec_data, idx);
		buf_put(&m->sec_data, is64 ? 0x42 : 0x41);
		buf_put(&m->sec_data, 0);
		buf_put(&m->sec_data, 0x0b);
		m->n_data++;
		return data_strings(m, d, &m->sec_data);
	}
	if (!limits(m, &n, is64, b))
		return false;
	if (n)
		return mod_fail(m, n, "unexpected token in memory");
	if (!imp)
		m->n_mem++;
	return true;
}

/* globaltype: t or (mut t) */
static bool global_type(struct mod *m, const struct wat_node **pn, struct buf *b)
{
	const struct wat_node *n = *pn;

	if (wat_is_list(n, "mut")) {
		const struct wat_node *k = n->first->next;

		if (!mod_valtype(m, &k, b))
			return false;
		if (k)
			return mod_fail(m, k, "unexpected token in global type");
		buf_put(b, 1);
	} else {
		if (!mod_valtype(m, &n, b))
			return false;
		buf_put(b, 0);
		*pn = n;
		return true;
	}
	*pn = n->next;
	return true;
}

static bool global_field(struct mod *m, const struct wat_node *f)
{
	const struct wat_node *n = f->first->next, *imp;
	uint32_t idx = m->next_global++;

	if (n && n->kind == WAT_ID)
		n = n->next;
	if (!inline_exports(m, &n, 3, idx))
		return false;
	imp = wat_is_list(n, "import") ? n : NULL;
	if (imp) {
		if (!import_names(m, imp))
			return false;
		buf_put(&m->sec_import, 0x03);
		n = n->next;
		if (!global_type(m, &n, &m->sec_import))
			return false;
		return n ? mod_fail(m, n, "unexpected token in imported global") : true;
	}
	if (!global_type(m, &n, &m->sec_global))
		return false;
	m->n_global++;
	return const_expr(m, n, &m->sec_global);
}

static bool tag_field(struct mod *m, const struct wat_node *f)
{
	const struct wat_node *n = f->first->next, *imp;
	uint32_t idx = m->next_tag++, tidx, np;
	struct buf *b = &m->sec_tag;

	if (n && n->kind == WAT_ID)
		n = n->next;
	if (!inline_exports(m, &n, 4, idx))
		return false;
	imp = wat_is_list(n, "import") ? n : NULL;
	if (imp) {
		if (!import_names(m, imp))
			return false;
		buf_put(&m->sec_import, 0x04);
		n = n->next;
		b = &m->sec_import;
	} else {
		m->n_tag++;
	}
	if (!mod_typeuse(m, &n, NULL, &tidx, &np))
		return false;
	if (n)
		return mod_fail(m, n, "unexpected token in tag");
	buf_put(b, 0x00);
	buf_u32(b, tidx);
	return true;
}

static bool import_field(struct mod *m, const struct wat_node *f)
{
	const struct wat_node *d = f->first->next->next->next;
	const struct wat_node *n = d->first->next;
	uint32_t tidx, np;

	if (!import_names(m, f))
		return false;
	if (n && n->kind == WAT_ID)
		n = n->next;
	if (wat_is_atom(d->first, "func")) {
		m->next_func++;
		buf_put(&m->sec_import, 0x00);
		if (!mod_typeuse(m, &n, NULL, &tidx, &np))
			return false;
		buf_u32(&m->sec_import, tidx);
	} else if (wat_is_atom(d->first, "table")) {
		bool is64 = m->tables.is64[m->next_table++];
		struct buf lim = { 0 };
		bool ok;

		buf_put(&m->sec_import, 0x01);
		if (is64 || wat_is_atom(n, "i32"))
			n = n->next;
		ok = limits(m, &n, is64, &lim) && mod_valtype(m, &n, &m->sec_import);
		buf_bytes(&m->sec_import, lim.p, lim.len);
		buf_free(&lim);
		if (!ok)
			return false;
	} else if (wat_is_atom(d->first, "memory")) {
		bool is64 = m->mems.is64[m->next_mem++];

		buf_put(&m->sec_import, 0x02);
		if (is64 || wat_is_atom(n, "i32"))
			n = n->next;
		if (!limits(m, &n, is64, &m->sec_import))
			return false;
	} else if (wat_is_atom(d->first, "global")) {
		m->next_global++;
		buf_put(&m->sec_import, 0x03);
		if (!global_type(m, &n, &m->sec_import))
			return false;
	} else {
		m->next_tag++;
		buf_put(&m->sec_import, 0x04);
		buf_put(&m->sec_import, 0x00);
		if (!mod_typeuse(m, &n, NULL, &tidx, &np))
			return false;
		buf_u32(&m->sec_import, tidx);
	}
	if (n)
		return mod_fail(m, n, "unexpected token in import description");
	return true;
}

static bool export_field(struct mod *m, const struct wat_node *f)
{
	const struct wat_node *nm = f->first->next, *d = nm ? nm->next : NULL;
	static const char *const kinds[] = { "func", "table", "memory", "global", "tag" };
	uint32_t idx;

	if (!string_node(m, nm, "export name"))
		return false;
	if (!d || d->kind != WAT_LIST || d->next)
		return mod_fail(m, d ? d : f, "unexpected token: export description expected");
	for (uint8_t k = 0; k < 5; k++) {
		if (!wat_is_atom(d->first, kinds[k]))
			continue;
		if (!d->first->next || d->first->next->next)
			return mod_fail(m, d, "unexpected token in export description");
		if (!mod_index(m, space_of(m, d->first), d->first->next, &idx))
			return false;
		buf_name(&m->sec_export, nm->text, nm->len);
		buf_put(&m->sec_export, k);
		buf_u32(&m->sec_export, idx);
		m->n_export++;
		return true;
	}
	return mod_fail(m, d, "unexpected token: export description expected");
}

static bool start_field(struct mod *m, const struct wat_node *f)
{
	const struct wat_node *n = f->first->next;

	if (m->has_start)
		return mod_fail(m, f, "multiple start sections");
	if (!n || n->next)
		return mod_fail(m, f, "unexpected token in start");
	m->has_start = true;
	return mod_index(m, &m->funcs, n, &m->start);
}

static bool encode_types(struct mod *m, const struct wat_node *fields)
{
	for (const struct wat_node *f = fields; f; f = f->next) {
		m->field = f;
		if (wat_is_list(f, "type")) {
			struct tdef *t = new_tdef(m);

			if (!t || !type_def(m, f, t, true))
				return false;
			m->n_typegroups++;
		} else if (wat_is_list(f, "rec")) {
			uint32_t n = 0;
			bool alone;

			for (const struct wat_node *t = f->first->next; t; t = t->next)
				n++;
			alone = n == 1;
			if (!alone) {
				buf_put(&m->sec_type, 0x4e);
				buf_u32(&m->sec_type, n);
			}
			for (const struct wat_node *t = f->first->next; t; t = t->next) {
				struct tdef *td = new_tdef(m);

				if (!td || !type_def(m, t, td, alone))
					return false;
			}
			m->n_typegroups++;
		}
	}
	m->nexplicit = m->ntdefs;
	return true;
}

static void section(struct buf *out, uint8_t id, uint32_t count, const struct buf *body,
		    bool always)
{
	struct buf hdr = { 0 };

	if (!count && !always)
		return;
	buf_u32(&hdr, count);
	buf_put(out, id);
	buf_u32(out, (uint32_t)(hdr.len + body->len));
	buf_bytes(out, hdr.p, hdr.len);
	buf_bytes(out, body->p, body->len);
	if (hdr.oom)
		out->oom = true;
	buf_free(&hdr);
}

static void mod_free(struct mod *m)
{
	struct space *spaces[] = { &m->types, &m->funcs, &m->tables, &m->mems, &m->globals,
				   &m->tags, &m->elems, &m->datas };
	struct buf *bufs[] = { &m->sec_type, &m->sec_implicit, &m->sec_import, &m->sec_func,
			       &m->sec_table, &m->sec_mem, &m->sec_tag, &m->sec_global,
			       &m->sec_export, &m->sec_elem, &m->sec_code, &m->sec_data };

	for (size_t i = 0; i < sizeof(spaces) / sizeof(spaces[0]); i++) {
		vm_free(spaces[i]->ids);
		vm_free(spaces[i]->is64);
	}
	for (size_t i = 0; i < sizeof(bufs) / sizeof(bufs[0]); i++)
		buf_free(bufs[i]);
	for (size_t i = 0; i < m->ntdefs; i++) {
		vm_free(m->tdefs[i].sig);
		vm_free(m->tdefs[i].fields);
	}
	vm_free(m->tdefs);
}

bool wat_encode_module(const struct wat_node *fields, uint8_t **out, size_t *out_len,
		       struct wat_error *err)
{
	return wat_encode_module_features(fields, CHIBI_FEATURES_ALL, out, out_len, err);
}

bool wat_encode_module_features(const struct wat_node *fields, uint32_t features,
				uint8_t **out, size_t *out_len, struct wat_error *err)
{
	struct mod m = { .err = err, .features = features };
	struct buf bin = { 0 }, types = { 0 };
	bool ok = false;

	memset(err, 0, sizeof(*err));
	*out = NULL;
	*out_len = 0;
	m.types.what = "type";
	m.funcs.what = "function";
	m.tables.what = "table";
	m.mems.what = "memory";
	m.globals.what = "global";
	m.tags.what = "tag";
	m.elems.what = "elem segment";
	m.datas.what = "data segment";
	if (!index_fields(&m, fields) || !encode_types(&m, fields))
		goto out;
	for (const struct wat_node *f = fields; f && !m.failed; f = f->next) {
		const struct wat_node *kw = f->first;

		m.field = f;
		if (wat_is_atom(kw, "func"))
			func_field(&m, f);
		else if (wat_is_atom(kw, "table"))
			table_field(&m, f);
		else if (wat_is_atom(kw, "memory"))
			memory_field(&m, f);
		else if (wat_is_atom(kw, "global"))
			global_field(&m, f);
		else if (wat_is_atom(kw, "tag"))
			tag_field(&m, f);
		else if (wat_is_atom(kw, "import"))
			import_field(&m, f);
		else if (wat_is_atom(kw, "export"))
			export_field(&m, f);
		else if (wat_is_atom(kw, "start"))
			start_field(&m, f);
		else if (wat_is_atom(kw, "elem"))
			elem_field(&m, f);
		else if (wat_is_atom(kw, "data"))
			data_field(&m, f);
	}
	if (m.failed)
		goto out;
	buf_bytes(&types, m.sec_type.p, m.sec_type.len);
	buf_bytes(&types, m.sec_implicit.p, m.sec_implicit.len);
	buf_bytes(&bin, "\0asm\1\0\0\0", 8);
	section(&bin, 1, m.n_typegroups + m.n_implicit, &types, false);
	section(&bin, 2, m.n_import, &m.sec_import, false);
	section(&bin, 3, m.n_func, &m.sec_func, false);
	section(&bin, 4, m.n_table, &m.sec_table, false);
	section(&bin, 5, m.n_mem, &m.sec_mem, false);
	section(&bin, 13, m.n_tag, &m.sec_tag, false);
	section(&bin, 6, m.n_global, &m.sec_global, false);
	section(&bin, 7, m.n_export, &m.sec_export, false);
	if (m.has_start) {
		struct buf s = { 0 };

		buf_u32(&s, m.start);
		buf_put(&bin, 8);
		buf_u32(&bin, (uint32_t)s.len);
		buf_bytes(&bin, s.p, s.len);
		buf_free(&s);
	}
	section(&bin, 9, m.n_elem, &m.sec_elem, false);
	if (m.need_datacount) {
		struct buf empty = { 0 };

		section(&bin, 12, m.n_data, &empty, true);
	}
	section(&bin, 10, m.n_func, &m.sec_code, false);
	section(&bin, 11, m.n_data, &m.sec_data, false);
	if (bin.oom || types.oom) {
		oom(&m);
		goto out;
	}
	{
		struct buf *all[] = { &m.sec_type, &m.sec_import, &m.sec_func, &m.sec_table,
				      &m.sec_mem, &m.sec_tag, &m.sec_global, &m.sec_export,
				      &m.sec_elem, &m.sec_code, &m.sec_data, &m.sec_implicit };

		for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
			if (all[i]->oom) {
				oom(&m);
				goto out;
			}
	}
	*out = bin.p;
	*out_len = bin.len;
	bin.p = NULL;
	ok = true;
out:
	buf_free(&bin);
	buf_free(&types);
	mod_free(&m);
	return ok;
}

bool wat_to_binary(const char *src, size_t len, uint8_t **out, size_t *out_len,
		   struct wat_error *err)
{
	return wat_to_binary_features(src, len, CHIBI_FEATURES_ALL, out, out_len, err);
}

bool wat_to_binary_features(const char *src, size_t len, uint32_t features, uint8_t **out,
			    size_t *out_len, struct wat_error *err)
{
	struct wat_tree t;
	const struct wat_node *fields;
	bool ok;

	*out = NULL;
	*out_len = 0;
	if (!wat_read(src, len, &t, err))
		return false;
	fields = t.top;
	if (wat_is_list(t.top, "module")) {
		if (t.top->next) {
			struct wat_error *e = err;

			e->line = t.top->next->line;
			e->col = t.top->next->col;
			snprintf(e->msg, sizeof(e->msg), "unexpected token after the module");
			wat_tree_free(&t);
			return false;
		}
		fields = t.top->first->next;
		if (fields && fields->kind == WAT_ID)
			fields = fields->next;
	}
	ok = wat_encode_module_features(fields, features, out, out_len, err);
	wat_tree_free(&t);
	return ok;
}
