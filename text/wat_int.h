/* text/wat_int.h - what the files of text/ share: the node arena, the byte buffer the
 * encoder writes, and the module encoder's context.  Private to text/.
 */
#ifndef CHIBI_TEXT_WAT_INT_H
#define CHIBI_TEXT_WAT_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../include/chibi.h"
#include "wat.h"

struct wat_arena;
void *wat_arena_alloc(struct wat_arena **a, size_t n);
void wat_arena_free(struct wat_arena *a);
bool wat_is_idchar(unsigned char c);
/* Is s a float literal by its syntax alone (in range or not)? */
bool wat_is_float_syntax(const char *s, size_t len);
bool wat_is_int_syntax(const char *s, size_t len);

/* A growable byte string.  Out of memory is sticky: `oom` is set and later writes are
 * dropped, so a writer checks once at the end. */
struct buf {
	uint8_t *p;
	size_t len, cap;
	bool oom;
};

void buf_put(struct buf *b, uint8_t byte);
void buf_bytes(struct buf *b, const void *p, size_t n);
void buf_u32(struct buf *b, uint32_t v);          /* unsigned LEB128 */
void buf_u64(struct buf *b, uint64_t v);
void buf_s64(struct buf *b, int64_t v);           /* signed LEB128 (s32 and s33 too) */
void buf_name(struct buf *b, const char *s, size_t n); /* vec(byte) */
void buf_free(struct buf *b);

/* ---- the module encoder (text/module.c, text/code.c) ---- */

/* An identifier ($name, '$' included), or none (s == NULL). */
struct ident {
	const char *s;
	size_t n;
};

/* One index space: the identifiers of its entries, by index. */
struct space {
	struct ident *ids;
	uint8_t *is64;         /* tables and memories: the i64 address type */
	size_t n, cap, cap64;
	const char *what;      /* "function", for messages */
};

/* A type of the type section, explicit or implicit (appended for type uses). */
struct tdef {
	bool is_func;
	bool simple;           /* (type (func ...)): final, no supertypes, a rec group alone */
	uint8_t *sig;          /* funcs: vec(params) vec(results) as encoded */
	size_t siglen;
	uint32_t nparams;
	struct ident *fields;  /* structs: field names by index (vm_malloc'ed) */
	size_t nfields;
};

struct mod {
	struct wat_error *err;
	bool failed;
	uint32_t features;            /* the proposals allowed (enum chibi_feature) */
	const struct wat_node *field; /* the field being read: errors without a node point here */
	struct space types, funcs, tables, mems, globals, tags, elems, datas;
	struct tdef *tdefs;
	size_t ntdefs, tcap, nexplicit;
	struct buf sec_type, sec_implicit, sec_import, sec_func, sec_table, sec_mem, sec_tag,
		   sec_global, sec_export, sec_elem, sec_code, sec_data;
	uint32_t n_typegroups, n_implicit, n_import, n_func, n_table, n_mem, n_tag, n_global,
		 n_export, n_elem, n_data;
	bool has_start, need_datacount;
	uint32_t start;
	/* the next index of each space while fields are encoded in order */
	uint32_t next_func, next_table, next_mem, next_global, next_tag, next_elem, next_data;
};

bool mod_fail(struct mod *m, const struct wat_node *at, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Resolve an index use (a number or $id) in space s; false (failed) when unknown. */
bool mod_index(struct mod *m, const struct space *s, const struct wat_node *n, uint32_t *out);
bool mod_is_index(const struct wat_node *n);
/* valtype / reftype / heaptype at *pn, advanced past it, appended to b. */
bool mod_valtype(struct mod *m, const struct wat_node **pn, struct buf *b);
bool mod_heaptype(struct mod *m, const struct wat_node *n, struct buf *b);
/* A reference type at *pn (funcref ... or (ref null? ht)): its nullability, and its heap
 * type appended to ht (for ref.test, ref.cast, br_on_cast). */
bool mod_reftype(struct mod *m, const struct wat_node **pn, bool *nullable, struct buf *ht);
/* A type use at *pn ((type x)? (param ...)* (result ...)*): the type index, appending an
 * implicit type when needed.  names (may be NULL: names are then malformed) receives the
 * parameter ids; *out_nparams the parameter count. */
struct fctx;
bool mod_typeuse(struct mod *m, const struct wat_node **pn, struct fctx *names,
		 uint32_t *out_idx, uint32_t *out_nparams);
/* Does a type use start at n (a (type), (param) or (result) list)? */
bool mod_at_typeuse(const struct wat_node *n);

/* Function bodies and constant expressions (text/code.c). */
struct fctx {
	struct mod *m;
	struct ident *locals;
	size_t nlocals, lcap;
	struct ident *labels;
	size_t nlabels, labcap;
	struct buf *out;
};
bool code_add_local(struct fctx *f, const struct wat_node *id);
/* Instructions from n to the end of its list, then `end` (0x0b). */
bool code_expr(struct fctx *f, const struct wat_node *n);
void fctx_free(struct fctx *f);

#endif
