/* vm/runtime.h - run-time state shared by the instance code (vm/instance.c, vm/store.c,
 * vm/memory.c, vm/table.c, vm/api.c) and the execution engines (vm/interp.c and, through
 * the table of vm/engine.h, the JIT in jit/).
 *
 * Decoded data lives in struct module (vm/module.h) and is immutable; everything here is
 * mutable state owned by a store.  Values are carried in 64-bit slots everywhere inside the
 * engine: i32 in the low 32 bits (upper bits unspecified), i64 as is, f32/f64 as IEEE bits,
 * references as pointers (NULL = null reference).
 */
#ifndef CHIBI_VM_RUNTIME_H
#define CHIBI_VM_RUNTIME_H

#include <setjmp.h>
#include <signal.h>
#include <stdnoreturn.h>

#include "module.h"

enum func_kind { FUNC_WASM, FUNC_HOST };

/* A function instance: a wasm function of some instance, or a host function. */
struct chibi_func {
	uint8_t kind;                  /* enum func_kind */
	struct chibi_store *store;     /* owning store (host funcs have no instance) */
	uint32_t type_id;              /* canonical type id in the store (structural equality) */
	const struct functype *type;   /* owned by the module, or by the store for host funcs */
	/* the canonical type's supertype chain (struct functype's depth, supers; the store's),
	 * here for the JITs' call_indirect of a non-final type: one load, no store lookup */
	uint32_t type_depth;
	const uint32_t *type_supers;
	/* FUNC_WASM */
	struct chibi_instance *inst;   /* owning instance */
	uint32_t index;                /* index in the module's function index space */
	const struct func *def;        /* module definition (index - nfunc_imports) */
	void *interp_code;             /* interpreter's translated code (lazily built), owned here */
	void *jit_code;                /* the JIT's record of f (struct jit_func, jit/jit_int.h),
	                                * made on first use; owned by the store's JIT state */
	/* FUNC_HOST */
	chibi_host_fn host_fn;
	void *host_env;
	struct chibi_func *store_next; /* store ownership list (host funcs and wasm funcs) */
};

struct chibi_memory {
	uint8_t *data;         /* base of linear memory (never NULL; may be a reservation) */
	uint64_t size;         /* current size in bytes = pages * 64 KiB */
	uint32_t pages;
	uint32_t max_pages;    /* effective maximum: the declared one, capped by the engine's
	                        * 65536 pages (the store's cap is checked at each grow) */
	bool is64;             /* indexed by i64 (memory64): addresses are always checked */
	bool has_max;          /* declared maximum present (for import matching) */
	uint64_t decl_max;     /* declared maximum (valid if has_max) */
	size_t reserved;       /* bytes of address space reserved at data (0 = malloc'ed) */
	bool file_mapped;      /* some pages are a compiled file's, MAP_PRIVATE (data image) */
	struct chibi_store *store;
	struct chibi_memory *store_next;
};

struct chibi_table {
	vtype elemtype;        /* a reference type; a concrete heap type is the store's
	                        * canonical type id (see vtype in vm/types.h) */
	uint32_t size;
	uint64_t max;          /* declared maximum (UINT64_MAX: none); TABLE_MAX_ELEMS applies */
	bool has_max;
	bool is64;             /* indexed by i64 (table64) */
	uint64_t index_mask;   /* what of an index slot counts: all 64 bits for table64, else
	                        * the low 32 (an i32 slot's upper bits are unspecified) */
	void **elems;          /* size entries: chibi_func* for funcref, opaque for externref */
	struct chibi_store *store;
	struct chibi_table *store_next;
};

struct chibi_global {
	vtype valtype;         /* concrete heap types as canonical ids, as elemtype */
	bool mutable_;
	uint64_t value;        /* slot representation (v128: the low half) */
	uint64_t hi;           /* v128: the high half */
	struct chibi_store *store; /* its types' canonical ids are this store's */
	struct chibi_global *store_next;
};

/* A tag (exception handling): an exception's identity and payload types.  Defined by an
 * instance (type points into its module) or by the host (chibi_tag_new: type owned here). */
struct chibi_tag {
	struct chibi_store *store;
	uint32_t type_id;              /* canonical id of its function type (no results) */
	const struct functype *type;
	struct chibi_instance *inst;   /* defining instance, NULL for host tags */
	uint32_t index;                /* its index in that instance's tag space */
	struct functype own_type;      /* host tags: the type, params in own_vt */
	struct chibi_tag *store_next;
	vtype own_vt[];
};

/* An exception: its tag and payload (slot representation, a v128 in two slots).  Owned by
 * the store until vm/exn.c's collector finds nothing that refers to it (or the store's end
 * when the host may hold it: pinned). */
struct chibi_exn {
	struct chibi_tag *tag;
	uint32_t nslots;
	bool pinned;                   /* the host may hold it: never collected (vm/exn.c) */
	bool marked;
	struct chibi_exn *store_next;
	uint64_t payload[];
};

/* Per-instance copy of an element segment: evaluated references, dropped => n = 0. */
struct elem_inst {
	uint32_t n;
	void **refs;
};

struct chibi_instance {
	struct chibi_store *store;
	struct module *mod;            /* referenced (mod_ref) for the instance's lifetime */
	struct chibi_func **funcs;     /* mod->nfuncs_total entries */
	struct chibi_table **tables;   /* mod->ntables */
	struct chibi_memory **memories;/* mod->nmemories */
	struct chibi_global **globals; /* mod->nglobals */
	struct chibi_tag **tags;       /* mod->ntags */
	uint32_t *type_ids;            /* canonical store type id of each module type */
	struct elem_inst *elems;       /* mod->nelems */
	bool *data_dropped;            /* mod->ndatas */
	struct chibi_instance *store_next;
};

/* Where an exception goes that no frame of an interpreter activation takes, when compiled
 * code called from an interpreter frame with handlers is between it and that frame
 * (vm/interp.c, call_compiled): the frame looks for a handler at its call. */
struct exn_catch {
	sigjmp_buf jmp;
	struct chibi_exn *exn;         /* set by vm_throw */
	struct trap_ctx *trap;         /* the embedding call it belongs to */
	struct exn_catch *prev;
};

/* The exit point of the single trap path: set up by the embedding call (vm/api.c). */
struct trap_ctx {
	sigjmp_buf jmp;
	struct chibi_trap_info info;
	struct trap_ctx *prev;         /* enclosing call (host -> wasm re-entry) */
	uintptr_t native_base;         /* its frame: the native stack of the call lies below
	                                * (the exception collector scans it, vm/exn.c) */
};

struct chibi_store {
	struct chibi_config cfg;
	/* ownership lists */
	struct chibi_instance *instances;
	struct chibi_func *funcs;
	struct chibi_memory *memories;
	struct chibi_table *tables;
	struct chibi_global *globals;
	struct chibi_tag *tags;
	struct chibi_exn *exns;        /* every exception (vm/exn.c collects them) */
	size_t nexns, exn_collect_at;
	/* canonical function types: type_id indexes this array */
	struct functype *types;
	uint32_t ntypes;
	size_t cap_types;
	/* execution */
	struct trap_ctx *trap;         /* innermost active call, NULL when no wasm runs */
	struct exn_catch *exn_catch;   /* innermost catch point (vm_throw), or NULL */
	uint64_t *stack;               /* value/frame stack for the interpreter (slots) */
	size_t stack_slots;
	uint64_t *stack_top;           /* first free slot when (re-)entering wasm */
	uint32_t host_depth;           /* nesting of chibi_func_call (re-entry) */
	volatile sig_atomic_t interrupt; /* set by chibi_store_interrupt */
	uint64_t fuel;                 /* remaining, when cfg.fuel != 0 */
	/* where the current trap happened, filled by the engine before vm_trap */
	uint32_t cur_func_index;
	struct chibi_instance *cur_inst;
	/* the engine every call of this store runs on (vm/engine.h), fixed at creation */
	const struct engine *engine;
	/* the JIT's per-store state (struct jit_store, jit/jit_int.h; NULL until it first
	 * runs, released through engine->store_free), and the lowest native stack address JIT
	 * prologues accept (checked on every call) */
	void *jit;
	uintptr_t jit_stack_limit;
	/* compiled code for the first instance of image_mod (chibi_store_use_compiled), which
	 * the compiling engine attaches on that instance's first call; not owned */
	const struct engine_image *image;
	const struct module *image_mod;
	/* that file's memory image of large data segments (vm/compiled.c), mapped copy-on-write
	 * into the fresh memories of image_mod's instances; not owned */
	const struct data_image *data_image;
	char image_note[160];          /* why the image was not used, when it was not */
	bool no_start;                 /* chibi_compile's store: instances skip their start */
	/* pages of all its memories (cfg.max_memory_pages caps the sum); last, so the fields
	 * JIT code reads keep their one-byte displacements */
	uint64_t mem_pages;
};

struct chibi_caller {
	struct chibi_store *store;
	struct chibi_instance *inst;   /* instance of the calling wasm function (may be NULL) */
};

/* ---- the single trap path (vm/trap.c) ---- */

/* Record `code` (and where, from store->cur_*) and unwind to the innermost chibi_func_call.
 * Must only be called while wasm code runs (store->trap != NULL). */
noreturn void vm_trap(struct chibi_store *s, enum chibi_trap code);

/* Throw exn where no handler of the running engine activation catches it: the innermost
 * chibi_func_call returns CHIBI_TRAP_EXCEPTION with it (the same unwinding as a trap; the
 * frames in between, JIT code included, hold no handlers).  Must run while wasm runs. */
noreturn void vm_throw(struct chibi_store *s, struct chibi_exn *exn);

/* ---- exceptions (vm/exn.c) ---- */

/* A new exception of `tag` with the payload at `slots` (tag's parameter layout), owned by
 * the store; NULL when memory is short.  live_end: where the live part of the store's value
 * stack ends (every interpreter frame is below it); the exceptions no live slot, global,
 * table, word of the running call's native stack (compiled frames) or other live exception
 * refers to may be freed first. */
struct chibi_exn *exn_new(struct chibi_store *s, struct chibi_tag *tag, const uint64_t *slots,
			  const uint64_t *live_end);

/* The host may keep e from now on (it came out of a call, a global, a table, or was an
 * argument of a host function): e is never freed before the store. */
static inline void exn_pin(struct chibi_exn *e)
{
	if (e)
		e->pinned = true;
}

/* ---- store helpers (vm/store.c) ---- */

/* Canonical id for a function type (interned structurally).  UINT32_MAX on out of memory. */
uint32_t store_intern_type(struct chibi_store *s, const struct functype *t);
bool store_intern_group(struct chibi_store *s, const struct functype *types, uint32_t first,
			uint32_t len, uint32_t *ids);
bool store_type_sub(const struct chibi_store *s, uint32_t a, uint32_t b);
bool store_vt_match(const struct chibi_store *s, vtype got, vtype want);
/* Does the typed value v fit canonical type t (vt_code, nullability, function type)? */
bool store_val_fits(const struct chibi_store *s, vtype t, const chibi_val *v);

/* ---- memories and tables (vm/memory.c, vm/table.c) ---- */

/* Grow by delta pages.  Returns old page count, or -1 if the maximum would be exceeded or
 * memory is short.  Never moves data when the memory was reserved (reserved != 0). */
int64_t mem_grow(struct chibi_memory *m, uint64_t delta);
/* Grow by delta elements, filling with init.  Returns old size or -1. */
int64_t table_grow(struct chibi_table *t, uint64_t delta, void *init);

/* ---- execution engine (vm/interp.c) ---- */

/* Run f with arguments in slots[0..nparams); results land in slots[0..nresults).  `slots` must
 * lie inside store->stack with room for the callee's frame above it.  Traps through vm_trap.
 * Host functions are called directly. */
void interp_invoke(struct chibi_store *s, struct chibi_func *f, uint64_t *slots);

/* Release the interpreter's translated code of f (store teardown). */
void interp_free_code(struct chibi_func *f);

/* ---- instance internals used by the engine (vm/instance.c) ---- */

/* Evaluate a constant expression in an instance (globals/functions must already exist). */
uint64_t inst_eval_cexpr(struct chibi_instance *inst, const struct cexpr *e);
/* Where active data segment i of inst's module goes: its memory, and the offset its
 * constant expression gives (the low 32 bits for a 32-bit memory).  True when the segment
 * fits in that memory as it is now.  The one rule for applying segments (instantiation)
 * and for mapping or building a compiled file's memory image (vm/compiled.c). */
bool inst_data_place(struct chibi_instance *inst, uint32_t i, struct chibi_memory **mem,
		     uint64_t *off);
/* A value type of inst's module in the store's form (canonical ids; see vtype). */
vtype inst_vtype(const struct chibi_instance *inst, vtype t);

#endif
