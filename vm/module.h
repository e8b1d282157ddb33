/* vm/module.h - the decoded module: pure, immutable data (no run-time state).
 *
 * Produced by dec_module() (vm/decode.c), checked by val_module() (vm/validate.c), then shared
 * read-only by every instance made from it.  The module owns a private copy of the input
 * bytes; function bodies and data segments point into that copy, so the caller's buffer is
 * never borrowed past chibi_module_new().
 *
 * Index spaces follow the spec: imported entities come first, then the module's own.
 */
#ifndef CHIBI_VM_MODULE_H
#define CHIBI_VM_MODULE_H

#include "types.h"
#include "../include/chibi.h"

/* A constant expression (spec 3.3.10).  Wasm 2.0 allows exactly one instruction, kept in
 * decoded form (kinds CE_I32 .. CE_GLOBAL_GET, v128.const included); Wasm 3.0's extended constant expressions
 * (several instructions with i32/i64 add, sub, mul) are CE_EXPR: the instructions stay in the
 * module's bytes and are read again by the validator and by inst_eval_cexpr. */
enum cexpr_kind { CE_I32, CE_I64, CE_F32, CE_F64, CE_V128, CE_REF_NULL, CE_REF_FUNC,
		  CE_GLOBAL_GET, CE_EXPR };
enum cexpr_error { CEXPR_OK, CEXPR_ERR_NONCONST, CEXPR_ERR_ARITY, CEXPR_ERR_DEEP };
/* The deepest operand stack a CE_EXPR may need: evaluation uses a fixed array. */
#define CEXPR_MAX_HEIGHT 256
struct cexpr {
	uint8_t kind;    /* enum cexpr_kind */
	uint8_t error;   /* enum cexpr_error: set by the decoder, reported by the validator as
	                  * "constant expression required" / "type mismatch" */
	size_t offset;   /* byte offset of the expression (diagnostics) */
	vtype reftype;   /* for CE_REF_NULL: (ref null ht) of the immediate's heap type */
	uint32_t index;  /* function index (CE_REF_FUNC) or global index (CE_GLOBAL_GET) */
	uint64_t bits;   /* constant value bits (floats as their IEEE bits; v128: low half) */
	uint64_t hi;     /* CE_V128: the high half */
	const uint8_t *code; /* CE_EXPR: the instructions (in the module's bytes), `end` excluded */
	uint32_t code_len;
};

struct import {
	char *module_name; /* NUL-terminated, validated UTF-8 */
	char *field_name;
	uint8_t kind;      /* enum extern_kind */
	union {
		uint32_t type_index;      /* EXT_FUNC */
		struct tabletype table;   /* EXT_TABLE */
		struct memtype memory;    /* EXT_MEMORY */
		struct globaltype global; /* EXT_GLOBAL */
		uint32_t tag_type;        /* EXT_TAG: type index of the tag's parameters */
	} desc;
};

struct export {
	char *name;
	uint32_t name_len; /* bytes in name: a name may contain U+0000 (0 = use strlen) */
	uint8_t kind;   /* enum extern_kind */
	uint32_t index; /* into the kind's index space */
};

/* The control-flow side table of one function body: see vm/flow.h, which also has the
 * helpers consumers read it with. */
enum flow_kind { FLOW_FUNC, FLOW_BLOCK, FLOW_LOOP, FLOW_IF };

/* Where a block's signature comes from: no types, one result valtype, or a type index. */
enum flow_sig { FLOW_SIG_EMPTY, FLOW_SIG_VALTYPE, FLOW_SIG_TYPEIDX };

/* Most types a module may have: a type index shares a word with two kinds in flow_block. */
#define FLOW_MAX_TYPES (1u << 28)

struct flow_block {           /* 20 bytes */
	uint32_t parent;      /* id of the enclosing block (0: the function's own) */
	uint32_t height;      /* operand stack height at entry, its parameters excluded, in
	                       * 64-bit slots: a v128 counts two (see vm/flow.h) */
	uint32_t else_at;     /* FLOW_IF: position of its else, 0 if it has none */
	uint32_t end_at;      /* position of its end */
	uint32_t sig : 28;    /* vt_code of the one result type, or type index (FLOW_SIG_TYPEIDX) */
	uint32_t sig_kind : 2; /* enum flow_sig */
	uint32_t kind : 2;    /* enum flow_kind */
};

struct flow_dead {
	uint32_t start, resume;
};

struct flow {
	uint32_t nblocks, ntargets, ndead;
	uint8_t target_size; /* bytes per target: 1, 2 or 4, the least that holds nblocks */
	const struct flow_block *blocks; /* ids 1 .. nblocks: read with flow_get() */
	const void *targets;  /* read with flow_target() */
	const struct flow_dead *dead;
};

/* A function defined by the module (not imported). */
struct func {
	uint32_t type_index;
	uint32_t nlocals;       /* declared locals, excluding parameters */
	vtype *local_types;     /* nlocals entries */
	const uint8_t *code;    /* body: first instruction .. final `end` inclusive */
	size_t code_len;
	size_t code_offset;     /* byte offset of `code` in the module binary (for diagnostics) */
	/* Filled by the validator: */
	uint32_t max_stack;     /* maximum operand stack height in 64-bit slots (v128 = 2) */
	bool uses_v128;         /* a v128 value appears: in the signature, a local or pushed
	                         * by any instruction (tiers without SIMD refuse the function) */
	bool tail_calls_out;    /* may end in a function of another instance: it tail-calls
	                         * an import, through a table or a reference, or a function
	                         * of the module that may (return_call chains).  A JIT caller
	                         * reloads its memory registers after calling it. */
	uint32_t max_try;       /* deepest nesting of legacy try blocks (each catch arm keeps
	                         * its exception in a slot of its own for rethrow) */
	bool uses_eh;           /* an exception-handling instruction appears */
	bool uses_handlers;     /* one that needs more than throw: try, try_table, throw_ref,
	                         * rethrow or an exnref value (the JIT compiles throw only) */
	struct flow flow;       /* control-flow side table (arrays in the module's flow_mem) */
};

struct global {
	struct globaltype type;
	struct cexpr init;
};

enum seg_mode { SEG_ACTIVE, SEG_PASSIVE, SEG_DECLARATIVE };

struct elem {
	uint8_t mode;         /* enum seg_mode */
	vtype elemtype;       /* a reference type */
	uint32_t table_index; /* SEG_ACTIVE only */
	struct cexpr offset;  /* SEG_ACTIVE only */
	uint32_t nitems;
	struct cexpr *items;  /* each CE_REF_FUNC, CE_REF_NULL or CE_GLOBAL_GET */
};

struct data {
	uint8_t mode;          /* SEG_ACTIVE or SEG_PASSIVE */
	uint32_t memory_index; /* SEG_ACTIVE only */
	struct cexpr offset;   /* SEG_ACTIVE only */
	const uint8_t *bytes;  /* points into the module's copy of the binary */
	uint32_t len;
};

struct module {
	uint8_t *bytes; /* owned copy of the binary (vm_malloc'ed), or inside bytes_map */
	size_t len;
	/* Not NULL: bytes lie in this read-only file mapping (a compiled file's pages, shared
	 * by every process running the file; dec_module_mapped), unmapped instead of freed. */
	void *bytes_map;
	size_t bytes_map_len;
	uint32_t features; /* the proposals it was decoded and validated under (chibi_feature) */

	uint32_t ntypes;
	struct functype *types;

	uint32_t nimports;
	struct import *imports;

	/* Counts of imported entities of each kind (they occupy the low indices). */
	uint32_t nfunc_imports, ntable_imports, nmemory_imports, nglobal_imports;

	/* Function index space: [0, nfunc_imports) imported, then nfuncs defined. */
	uint32_t nfuncs;          /* defined functions */
	struct func *funcs;
	uint32_t *func_type_idx;  /* type index for every function in the index space */
	uint32_t nfuncs_total;    /* nfunc_imports + nfuncs */

	uint32_t ntables;         /* total, imports included */
	struct tabletype *tables; /* index space order */
	uint32_t nmemories;       /* total, imports included */
	struct memtype *memories;
	uint32_t nglobals;        /* total, imports included */
	struct globaltype *global_types; /* index space order */
	struct cexpr *table_inits; /* defined tables' initial values (ntables - ntable_imports) */
	struct global *globals;   /* defined globals only (nglobals - nglobal_imports) */

	/* Tag index space (exception handling): [0, ntag_imports) imported, then defined;
	 * each entry the type index of its function type (parameters, no results). */
	uint32_t ntags, ntag_imports;
	uint32_t *tag_types;

	uint32_t nexports;
	struct export *exports;

	bool has_start;
	uint32_t start;

	uint32_t nelems;
	struct elem *elems;

	bool has_datacount;
	uint32_t datacount;
	uint32_t ndatas;
	struct data *datas;

	/* Functions referenced outside function bodies (exports, elem segments, global inits):
	 * the validator allows ref.func only on these (spec 3.4.10, "C.refs"). */
	bool *func_declared; /* nfuncs_total entries */

	/* From the `name` custom section (function names only); NULL entries where absent.
	 * A malformed name section is ignored, as the spec allows for custom sections. */
	char **func_names; /* nfuncs_total entries, or NULL when there is no name section */
	char *module_name;

	void *flow_mem; /* every function's struct flow arrays, one allocation (validator) */

	int refcount; /* modules are shared by instances; see mod_ref()/mod_unref() */
};

/* Decode bytes into a new module (copying the bytes).  On failure returns
 * CHIBI_ERR_MALFORMED (or CHIBI_ERR_NOMEM) and fills diag with
 * the spec message and byte offset.  The caller owns *out (release with mod_unref). */
enum chibi_err dec_module(const uint8_t *bytes, size_t len, struct module **out,
			  struct chibi_diag *diag);
/* The same without the copy: the module takes the vm_malloc'ed `bytes` (freed on failure). */
enum chibi_err dec_module_take(uint8_t *bytes, size_t len, struct module **out,
			       struct chibi_diag *diag);

enum chibi_err dec_module_take_features(uint8_t *bytes, size_t len, uint32_t features,
					struct module **out, struct chibi_diag *diag);
/* The same over bytes inside a PROT_READ mapping [map, map + map_len) that the module takes
 * (munmap'ed with the module, or at once on failure).  Only for a file whose writers are
 * trusted as much as the code it holds (vm/compiled.c: the module's own compiled file): a
 * change to the file after validation changes these bytes. */
enum chibi_err dec_module_mapped(const uint8_t *bytes, size_t len, void *map, size_t map_len,
				 uint32_t features, struct module **out,
				 struct chibi_diag *diag);

/* Validate a decoded module (spec chapter 3).  Fills funcs[i].max_stack/flow.  Returns
 * CHIBI_OK or CHIBI_ERR_INVALID with diag filled (spec assert_invalid wording). */
enum chibi_err val_module(struct module *m, struct chibi_diag *diag);

void mod_ref(struct module *m);
void mod_unref(struct module *m); /* frees the module when the count drops to zero */

/* Type of function `index` in the module's function index space. */
static inline const struct functype *mod_func_type(const struct module *m, uint32_t index)
{
	return &m->types[m->func_type_idx[index]];
}

/* Fill diag (if non-NULL) with code, offset and a printf-style message; returns code. */
enum chibi_err diag_set(struct chibi_diag *diag, enum chibi_err code, size_t offset,
			const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* The one error-propagation macro of load-time code (decoder, validator): evaluate x, an
 * enum chibi_err; if it is not CHIBI_OK, keep it in the caller's `err` and jump to the
 * caller's `fail:` label, where the function cleans up once (STYLE.md section 4). */
#define TRY(x)                                \
	do {                                  \
		err = (x);                    \
		if (err != CHIBI_OK)          \
			goto fail;            \
	} while (0)

#endif
