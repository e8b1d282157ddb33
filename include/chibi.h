/* chibi.h - the public embedding API of the chibi WebAssembly runtime.
 *
 * This is the only header the CLI, WASI, the shim and embedders use.  All handles are opaque.
 *
 * Life cycle:
 *   chibi_module_new()   decode + validate bytes (copied) -> chibi_module (shareable, immutable)
 *   chibi_store_new()    a store owns every instance, host function, memory, table and global
 *                        created in it; chibi_store_free() releases them all at once
 *   chibi_linker_*()     names externs ("module"."field") for imports
 *   chibi_instance_new() link, allocate, initialise segments, run the start function
 *   chibi_func_call()    call an exported function; traps come back as a chibi_trap code
 *
 * No function here longjmps out or aborts on bad input: errors are returned as enum chibi_err
 * with details in struct chibi_diag; traps as enum chibi_trap with struct chibi_trap_info.
 */
#ifndef CHIBI_H
#define CHIBI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define CHIBI_VERSION "0.1.0"

typedef struct chibi_module chibi_module;
typedef struct chibi_store chibi_store;
typedef struct chibi_linker chibi_linker;
typedef struct chibi_instance chibi_instance;
typedef struct chibi_func chibi_func;
typedef struct chibi_memory chibi_memory;
typedef struct chibi_table chibi_table;
typedef struct chibi_global chibi_global;
typedef struct chibi_caller chibi_caller;
typedef struct chibi_tag chibi_tag;     /* exception tag (Wasm 3.0 exception handling) */
typedef struct chibi_exn chibi_exn;     /* an exception: its tag and payload */

/* Load-time and API errors. */
enum chibi_err {
	CHIBI_OK = 0,
	CHIBI_ERR_MALFORMED,      /* binary does not decode (spec assert_malformed) */
	CHIBI_ERR_INVALID,        /* module does not validate (spec assert_invalid) */
	CHIBI_ERR_UNSUPPORTED,    /* valid Wasm using a feature chibi lacks (SIMD for now) */
	CHIBI_ERR_UNLINKABLE,     /* import missing or of the wrong type (assert_unlinkable) */
	CHIBI_ERR_TRAP,           /* instantiation trapped (segment bounds, start function) */
	CHIBI_ERR_NOMEM,          /* allocation failed or a configured limit was hit */
	CHIBI_ERR_ARG,            /* bad argument from the embedder */
	CHIBI_ERR_IO,             /* file could not be read */
};

/* Details of a load-time error. */
struct chibi_diag {
	enum chibi_err code;
	size_t offset;  /* byte offset in the module binary where it applies, else 0 */
	char msg[256];  /* spec wording, e.g. "type mismatch", "unexpected end" */
};

/* Run-time traps.  chibi_trap_name() gives the spec wording. */
enum chibi_trap {
	CHIBI_TRAP_NONE = 0,
	CHIBI_TRAP_UNREACHABLE,        /* "unreachable" */
	CHIBI_TRAP_MEMORY_OOB,         /* "out of bounds memory access" */
	CHIBI_TRAP_TABLE_OOB,          /* "out of bounds table access" */
	CHIBI_TRAP_UNDEFINED_ELEMENT,  /* "undefined element" (call_indirect index >= size) */
	CHIBI_TRAP_UNINITIALIZED,      /* "uninitialized element" (call_indirect on null) */
	CHIBI_TRAP_INDIRECT_MISMATCH,  /* "indirect call type mismatch" */
	CHIBI_TRAP_DIV_ZERO,           /* "integer divide by zero" */
	CHIBI_TRAP_INT_OVERFLOW,       /* "integer overflow" */
	CHIBI_TRAP_INVALID_CONVERSION, /* "invalid conversion to integer" */
	CHIBI_TRAP_STACK_EXHAUSTED,    /* "call stack exhausted" */
	CHIBI_TRAP_INTERRUPTED,        /* "interrupted" (deadline / chibi_store_interrupt) */
	CHIBI_TRAP_OUT_OF_FUEL,        /* "all fuel consumed" */
	CHIBI_TRAP_HOST,               /* a host function failed; see chibi_trap_info.message */
	CHIBI_TRAP_EXIT,               /* the guest asked to exit (WASI proc_exit); exit_code set */
	CHIBI_TRAP_NULL_REF,           /* "null reference" (ref.as_non_null) */
	CHIBI_TRAP_NULL_FUNC_REF,      /* "null function reference" (call_ref on null) */
	CHIBI_TRAP_EXCEPTION,          /* "uncaught exception": chibi_trap_info.exn is it */
	CHIBI_TRAP_NULL_EXNREF,        /* "null exception reference" (throw_ref of null) */
	CHIBI_TRAP_COUNT
};

const char *chibi_trap_name(enum chibi_trap trap);

/* Where and why a call trapped. */
struct chibi_trap_info {
	enum chibi_trap kind;
	int32_t exit_code;       /* CHIBI_TRAP_EXIT only */
	uint32_t func_index;     /* wasm function executing when it trapped, or UINT32_MAX */
	const char *func_name;   /* from the name section, or NULL; valid while the store lives */
	char message[160];       /* host message (CHIBI_TRAP_HOST), else empty */
	chibi_exn *exn;          /* CHIBI_TRAP_EXCEPTION: the exception (owned by the store) */
};

/* Value types (binary-format codes). */
enum chibi_valtype {
	CHIBI_I32 = 0x7f,
	CHIBI_I64 = 0x7e,
	CHIBI_F32 = 0x7d,
	CHIBI_F64 = 0x7c,
	CHIBI_V128 = 0x7b,
	CHIBI_FUNCREF = 0x70,
	CHIBI_EXTERNREF = 0x6f,
	CHIBI_EXNREF = 0x69,     /* exception handling: of.exn (NULL = null) */
};

/* A typed value.  Floats are carried as raw IEEE bits so NaN payloads survive.
 * A null reference is ref == NULL (funcref) or ext == NULL (externref).  A v128 is its 16
 * bytes in memory order (lane 0 first, each lane little-endian), as v128.store writes it. */
typedef struct chibi_val {
	uint8_t type; /* enum chibi_valtype */
	union {
		int32_t i32;
		int64_t i64;
		uint32_t f32_bits;
		uint64_t f64_bits;
		chibi_func *ref;
		void *ext;
		chibi_exn *exn;
		uint8_t v128[16];
	} of;
} chibi_val;

/* ---- features ----------------------------------------------------------------------- */

/* The WebAssembly proposals a module may use, one bit each, named as wasmtime names them
 * (`chibi run -W NAME=y|n`).  A proposal switched off is refused as the Wasm version
 * before it did: its opcodes are illegal, and memory64 off makes memarg offsets and limits
 * u32 again (malformed above), multi-memory off makes the memory index a zero byte and
 * allows one memory, function-references off lets constant expressions read imported
 * globals only (3.0 lets them read earlier immutable defined globals too). */
enum chibi_feature {
	CHIBI_FEAT_SIMD                = 1u << 0,
	CHIBI_FEAT_RELAXED_SIMD        = 1u << 1,
	CHIBI_FEAT_MULTI_MEMORY        = 1u << 2,
	CHIBI_FEAT_MEMORY64            = 1u << 3,
	CHIBI_FEAT_TAIL_CALL           = 1u << 4,
	CHIBI_FEAT_FUNCTION_REFERENCES = 1u << 5,
	CHIBI_FEAT_EXCEPTIONS          = 1u << 6,
	CHIBI_FEAT_EXTENDED_CONST      = 1u << 7,
	CHIBI_FEAT_MULTI_VALUE         = 1u << 8,
	CHIBI_FEAT_BULK_MEMORY         = 1u << 9,
	CHIBI_FEAT_REFERENCE_TYPES     = 1u << 10,
};
/* Everything chibi implements (the default). */
#define CHIBI_FEATURES_ALL ((uint32_t)(1u << 11) - 1)
/* The Wasm 2.0 set: 2.0's proposals (SIMD, multi-value, bulk memory, reference types). */
#define CHIBI_FEATURES_WASM2 (CHIBI_FEAT_SIMD | CHIBI_FEAT_MULTI_VALUE | \
			      CHIBI_FEAT_BULK_MEMORY | CHIBI_FEAT_REFERENCE_TYPES)

/* The bit of a wasmtime feature name ("simd", "memory64", ...; `len` bytes of `name`), or 0
 * when chibi has no such feature. */
uint32_t chibi_feature_by_name(const char *name, size_t len);
/* The name of feature bit `bit` (one bit), or NULL. */
const char *chibi_feature_name(uint32_t bit);

/* ---- modules ------------------------------------------------------------------------ */

/* Decode and fully validate `len` bytes (copied; the caller keeps its buffer).
 * On success *out is a new module owned by the caller (chibi_module_free).  On failure returns
 * CHIBI_ERR_MALFORMED / INVALID / UNSUPPORTED / NOMEM and fills *diag if non-NULL. */
enum chibi_err chibi_module_new(const uint8_t *bytes, size_t len, chibi_module **out,
				struct chibi_diag *diag);
/* The same, accepting only the proposals in `features` (enum chibi_feature bits). */
enum chibi_err chibi_module_new_features(const uint8_t *bytes, size_t len, uint32_t features,
					 chibi_module **out, struct chibi_diag *diag);

/* The largest module file chibi_module_load_file reads (1 GiB); the environment variable
 * CHIBI_MAX_MODULE_SIZE (a byte count) overrides it. */
#define CHIBI_MAX_MODULE_BYTES (1ull << 30)
/* That limit as it applies now (the environment variable read each time). */
uint64_t chibi_max_module_bytes(void);

/* Read a file and call chibi_module_new.  CHIBI_ERR_IO if it cannot be read, is a device
 * (/dev/zero would never end), or is larger than the maximum module size. */
enum chibi_err chibi_module_load_file(const char *path, chibi_module **out,
				      struct chibi_diag *diag);
enum chibi_err chibi_module_load_file_features(const char *path, uint32_t features,
					       chibi_module **out, struct chibi_diag *diag);

/* Drop the caller's reference; instances still using the module keep it alive. NULL is a no-op. */
void chibi_module_free(chibi_module *m);

enum chibi_extern_kind { CHIBI_EXTERN_FUNC = 0, CHIBI_EXTERN_TABLE = 1,
			 CHIBI_EXTERN_MEMORY = 2, CHIBI_EXTERN_GLOBAL = 3,
			 CHIBI_EXTERN_TAG = 4 };

/* Module introspection.  Strings are owned by the module. */
uint32_t chibi_module_num_imports(const chibi_module *m);
void chibi_module_import(const chibi_module *m, uint32_t i, const char **out_module,
			 const char **out_name, enum chibi_extern_kind *out_kind);
uint32_t chibi_module_num_exports(const chibi_module *m);
void chibi_module_export(const chibi_module *m, uint32_t i, const char **out_name,
			 enum chibi_extern_kind *out_kind);
/* Signature of exported function `name` as a string "params:results" with the letters
 * i=i32 I=i64 f=f32 F=f64 r=funcref e=externref v=v128, e.g. "iI:f".  Returns false if absent. */
bool chibi_module_export_sig(const chibi_module *m, const char *name, char *buf, size_t buflen);

/* ---- stores ------------------------------------------------------------------------- */

/* CHIBI_MODE_DEFAULT runs compiled code when the build has a JIT (chibi_jit_name() != NULL),
 * otherwise the interpreter; so does CHIBI_MODE_JIT, which never fails for want of a JIT. */
enum chibi_exec_mode { CHIBI_MODE_DEFAULT = 0, CHIBI_MODE_INTERP, CHIBI_MODE_JIT };

/* The JIT back end of this build ("x86-64", "aarch64"), or NULL when it has none (other
 * hosts, `make JIT=none`). */
const char *chibi_jit_name(void);

/* The largest chibi_config.max_stack_bytes a store accepts (chibi_store_new fails above). */
#define CHIBI_MAX_STACK_BYTES ((size_t)64 << 20)

struct chibi_config {
	enum chibi_exec_mode mode;
	/* cap on the pages of all the store's linear memories together, 32- and 64-bit
	 * (0 = none; each memory is limited to 65536 pages, 4 GiB, either way) */
	uint32_t max_memory_pages;
	/* The stack one chain of wasm calls may use, in either tier: the interpreter's value
	 * stack with its frames (reserved up front, backed by memory only as it is used), the
	 * JIT's native stack below the outermost call (on the main thread chibi raises
	 * RLIMIT_STACK to fit it; on other threads the thread's own stack also bounds it).
	 * Frames differ in size between the tiers, so the same budget gives different depths.
	 * 0 = default, 8 MiB; at most CHIBI_MAX_STACK_BYTES. */
	size_t max_stack_bytes;
	uint64_t fuel;              /* 0 = unlimited */
	/* proposals switched off (enum chibi_feature bits; 0 = everything on): what the
	 * modules loaded for this configuration may not use (chibi_config_features) */
	uint32_t features_off;
};
/* The features a configuration allows (cfg NULL: all). */
uint32_t chibi_config_features(const struct chibi_config *cfg);

/* New store; cfg may be NULL for defaults.  Owned by the caller (chibi_store_free). */
chibi_store *chibi_store_new(const struct chibi_config *cfg);
/* Free the store and everything created in it (instances, memories, ...). NULL is a no-op. */
void chibi_store_free(chibi_store *s);
/* Ask running wasm code to stop with CHIBI_TRAP_INTERRUPTED as soon as it reaches a loop
 * back-edge or function entry.  Async-signal-safe and thread-safe. */
void chibi_store_interrupt(chibi_store *s);
/* Fuel left (when configured). */
uint64_t chibi_store_fuel(const chibi_store *s);

/* ---- host objects ------------------------------------------------------------------- */

/* A host function.  `slots` holds the arguments on entry (one 64-bit slot each, i32 in the low
 * 32 bits, floats as bits, references as pointers; a v128 takes two, its bytes 0-7 then
 * 8-15) and receives the results on return, laid out the same way from slot 0 (the array
 * has room for the larger of the two layouts).  Return CHIBI_TRAP_NONE,
 * or a trap code to abort the wasm call (use chibi_caller_set_trap_message / _exit for
 * details). */
typedef enum chibi_trap (*chibi_host_fn)(chibi_caller *caller, void *env, uint64_t *slots);

/* Create a host function with signature `sig` ("params:results", letters as above).
 * Owned by the store. Returns NULL on a bad signature or out of memory. */
chibi_func *chibi_func_new_host(chibi_store *s, const char *sig, chibi_host_fn fn, void *env);

/* Host-created memory/table/global, owned by the store (NULL on failure). */
chibi_memory *chibi_memory_new(chibi_store *s, uint32_t min_pages, uint32_t max_pages,
			       bool has_max);
chibi_table *chibi_table_new(chibi_store *s, enum chibi_valtype elem, uint32_t min,
			     uint32_t max, bool has_max);
/* A 64-bit memory (memory64: i64 addresses; declared bounds up to 2^48 pages, the engine
 * holds at most 65536) and a 64-bit table (table64: i64 indices).  NULL on failure. */
chibi_memory *chibi_memory_new64(chibi_store *s, uint64_t min_pages, uint64_t max_pages,
				 bool has_max);
chibi_table *chibi_table_new64(chibi_store *s, enum chibi_valtype elem, uint64_t min,
			       uint64_t max, bool has_max);
chibi_global *chibi_global_new(chibi_store *s, chibi_val value, bool is_mutable);

/* Inside a host function: the memory of the calling instance (its memory 0), or NULL. */
chibi_memory *chibi_caller_memory(chibi_caller *c);
chibi_instance *chibi_caller_instance(chibi_caller *c);
/* Record the exit code for a CHIBI_TRAP_EXIT return. */
void chibi_caller_set_exit(chibi_caller *c, int32_t code);
/* Record a message for a CHIBI_TRAP_HOST return. */
void chibi_caller_set_trap_message(chibi_caller *c, const char *msg);
/* True while an interrupt (chibi_store_interrupt) is pending for the caller's store: a host
 * function that a deadline woke (EINTR) returns CHIBI_TRAP_INTERRUPTED rather than let the
 * guest go on, since the guest may reach no loop or wasm call before it exits. */
bool chibi_caller_interrupted(const chibi_caller *c);

/* Linear memory access.  The data pointer is valid until the memory grows. */
uint8_t *chibi_memory_data(chibi_memory *m);
size_t chibi_memory_size(const chibi_memory *m); /* in bytes */
uint64_t chibi_memory_size64(const chibi_memory *m); /* in bytes, on every host */
bool chibi_memory_is64(const chibi_memory *m);     /* indexed by i64 (memory64) */
/* Grow by delta pages; returns the old size in pages, or -1 on failure. */
int64_t chibi_memory_grow(chibi_memory *m, uint32_t delta_pages);

uint32_t chibi_table_size(const chibi_table *t);
bool chibi_table_is64(const chibi_table *t);       /* indexed by i64 (table64) */
bool chibi_table_get(const chibi_table *t, uint32_t i, chibi_val *out);
bool chibi_table_set(chibi_table *t, uint32_t i, chibi_val v);

chibi_val chibi_global_get(const chibi_global *g);
bool chibi_global_set(chibi_global *g, chibi_val v); /* false if immutable or wrong type */

/* ---- exceptions ---------------------------------------------------------------------- */

/* A host tag whose payload has the types of `params` (letters as in signatures, e.g. "iI";
 * "" for none).  Owned by the store; NULL on a bad letter or out of memory.  Import it into
 * modules through a linker (CHIBI_EXTERN_TAG); two tags are the same only if identical. */
chibi_tag *chibi_tag_new(chibi_store *s, const char *params);
uint32_t chibi_tag_num_params(const chibi_tag *t);
enum chibi_valtype chibi_tag_param_type(const chibi_tag *t, uint32_t i); /* 0 if out of range */
/* For messages: the name the defining module exports the tag under (NULL if none, and for
 * host tags) and its index in that module's tag space (UINT32_MAX for host tags). */
const char *chibi_tag_name(const chibi_tag *t);
uint32_t chibi_tag_index(const chibi_tag *t);

/* A new exception of tag t with payload values vals[0..n) (types must match the tag's),
 * owned by the store; NULL on a mismatch or out of memory. */
chibi_exn *chibi_exn_new(chibi_store *s, chibi_tag *t, const chibi_val *vals, size_t n);
chibi_tag *chibi_exn_tag(const chibi_exn *e);
/* Payload value i (type 0 if out of range). */
chibi_val chibi_exn_value(const chibi_exn *e, uint32_t i);

/* Inside a host function: throw e into the calling wasm code, then return
 * CHIBI_TRAP_EXCEPTION.  Wasm handlers catch it as if a throw had happened at the call; to
 * let an exception from a nested chibi_func_call go on, throw its chibi_trap_info.exn. */
void chibi_caller_throw(chibi_caller *c, chibi_exn *e);

/* ---- linking ------------------------------------------------------------------------ */

struct chibi_extern {
	enum chibi_extern_kind kind;
	union {
		chibi_func *func;
		chibi_table *table;
		chibi_memory *memory;
		chibi_global *global;
		chibi_tag *tag;
	} of;
};

/* A linker maps (module, field) names to externs.  Owned by the caller; it only refers to
 * objects, so it must not outlive the store(s) they belong to. */
chibi_linker *chibi_linker_new(void);
void chibi_linker_free(chibi_linker *l);
/* Define one name; a later definition of the same name replaces the earlier. */
enum chibi_err chibi_linker_define(chibi_linker *l, const char *module, const char *name,
				   struct chibi_extern ext);
/* Convenience: define a host function. */
enum chibi_err chibi_linker_define_host(chibi_linker *l, chibi_store *s, const char *module,
					const char *name, const char *sig, chibi_host_fn fn,
					void *env);
/* Define every export of `inst` under module name `module` (the spec's `register`). */
enum chibi_err chibi_linker_define_instance(chibi_linker *l, const char *module,
					    chibi_instance *inst);

/* ---- instances ---------------------------------------------------------------------- */

/* Instantiate: resolve imports through `linker` (may be NULL when there are none), allocate
 * memories/tables/globals, apply element and data segments in order, run the start function.
 * The instance belongs to the store.  Returns CHIBI_OK, CHIBI_ERR_UNLINKABLE (diag says which
 * import and why: "unknown import" / "incompatible import type"), CHIBI_ERR_TRAP (diag->msg is
 * the trap name, *out_trap if non-NULL has the details; side effects of segments applied before
 * the trap stay, as the spec requires) or CHIBI_ERR_NOMEM. */
enum chibi_err chibi_instance_new(chibi_store *s, chibi_module *m, chibi_linker *linker,
				  chibi_instance **out, struct chibi_diag *diag,
				  struct chibi_trap_info *out_trap);

/* Look up an export by name; false if there is none. */
bool chibi_instance_export(chibi_instance *inst, const char *name, struct chibi_extern *out);
/* The same for a name of `len` bytes, which may contain U+0000 (legal in Wasm names). */
bool chibi_instance_export_n(chibi_instance *inst, const char *name, size_t len,
			     struct chibi_extern *out);
chibi_func *chibi_instance_func(chibi_instance *inst, const char *name);
chibi_memory *chibi_instance_memory(chibi_instance *inst, const char *name);
/* An instance's memories by index (imports first, as in the module); the count, and NULL
 * for an index past it.  Memory 0 is the one WASI and chibi_caller_memory use. */
uint32_t chibi_instance_num_memories(const chibi_instance *inst);
chibi_memory *chibi_instance_memory_at(chibi_instance *inst, uint32_t index);
chibi_global *chibi_instance_global(chibi_instance *inst, const char *name);
chibi_table *chibi_instance_table(chibi_instance *inst, const char *name);
chibi_tag *chibi_instance_tag(chibi_instance *inst, const char *name);
/* Name from the name section for function `index` of the instance's module, or NULL. */
const char *chibi_instance_func_name(chibi_instance *inst, uint32_t index);

/* ---- functions ---------------------------------------------------------------------- */

uint32_t chibi_func_num_params(const chibi_func *f);
uint32_t chibi_func_num_results(const chibi_func *f);
enum chibi_valtype chibi_func_param_type(const chibi_func *f, uint32_t i);
enum chibi_valtype chibi_func_result_type(const chibi_func *f, uint32_t i);

/*
 * Typed references (Wasm 3.0).  A reference value is always a chibi_val of type
 * CHIBI_FUNCREF or CHIBI_EXTERNREF; a parameter, result, global or table may say more:
 * that it is never null, that only null fits (the bottom types nofunc, noextern), or which
 * function type its functions have.  Function types are named by canonical ids, equal for
 * equivalent types across the modules and host functions of a store.
 */
struct chibi_reftype {
	enum chibi_valtype kind; /* CHIBI_FUNCREF or CHIBI_EXTERNREF */
	bool nullable;           /* (ref null ...): null fits */
	bool bottom;             /* nofunc / noextern: nothing but null fits */
	uint32_t type_id;        /* (ref null? $t): $t's canonical id; else UINT32_MAX */
};
/* The reference type of parameter / result i of f, of a global or of a table's elements;
 * false (and *out untouched) when it is no reference or the argument is bad. */
bool chibi_func_param_reftype(const chibi_func *f, uint32_t i, struct chibi_reftype *out);
bool chibi_func_result_reftype(const chibi_func *f, uint32_t i, struct chibi_reftype *out);
bool chibi_global_reftype(const chibi_global *g, struct chibi_reftype *out);
bool chibi_table_reftype(const chibi_table *t, struct chibi_reftype *out);
/* The canonical id of f's function type (UINT32_MAX for NULL). */
uint32_t chibi_func_type_id(const chibi_func *f);
/* May a function of type sub be used where type super is expected (equal, or super on
 * sub's chain of declared supertypes)? */
bool chibi_type_matches(const chibi_store *s, uint32_t sub, uint32_t super);
/* Does v fit rt: its kind, null only where allowed, a function of a matching type?
 * chibi_func_call, chibi_global_set and chibi_table_set check their values so. */
bool chibi_val_matches(const chibi_store *s, const chibi_val *v, const struct chibi_reftype *rt);

/* Call f with nargs typed arguments (types must match; CHIBI_TRAP_HOST with a message
 * otherwise), write its results to results[0..nresults).  Returns CHIBI_TRAP_NONE on success
 * or the trap code; out_trap (may be NULL) receives details.  Safe to call from a host
 * function (re-entrant). */
enum chibi_trap chibi_func_call(chibi_func *f, const chibi_val *args, size_t nargs,
				chibi_val *results, size_t nresults,
				struct chibi_trap_info *out_trap);

/* ---- compiled files (chibi compile) and their cache ------------------------------- */

/* A compiled file: a module with machine code made ahead of time for this build of chibi
 * and this kind of CPU.  Its code is mapped read-only + executable from the file, so
 * processes running the same file share those pages. */
typedef struct chibi_compiled chibi_compiled;

/* Does a file starting with these bytes claim to be a compiled file? */
bool chibi_is_compiled(const uint8_t *head, size_t len);
/* Compile `len` bytes of wasm (decoded, validated, every function compiled; the start
 * function is not run) into the bytes of a compiled file: *out (malloc'ed, the caller
 * frees it with free()) of *out_len bytes.  cfg: the configuration the file will run with
 * (fuel is compiled in); NULL for defaults.  Errors as chibi_module_new, plus
 * CHIBI_ERR_UNSUPPORTED (no JIT, or an import chibi cannot stand in for). */
enum chibi_err chibi_compile(const uint8_t *wasm, size_t len, const struct chibi_config *cfg,
			     uint8_t **out, size_t *out_len, struct chibi_diag *diag);
/* Open a compiled file: its header must name this build, ISA and a CPU offering the
 * features its code uses (else CHIBI_ERR_UNSUPPORTED with the reason), its sections fit the
 * file and its SHA-256 match (else CHIBI_ERR_MALFORMED); its module is then decoded and
 * validated.  *out is the caller's (chibi_compiled_free).  _fd: the file is not closed. */
enum chibi_err chibi_compiled_open(const char *path, chibi_compiled **out,
				   struct chibi_diag *diag);
enum chibi_err chibi_compiled_open_fd(int fd, chibi_compiled **out, struct chibi_diag *diag);
/* The file's module (owned by c; instantiate it as any module). */
chibi_module *chibi_compiled_module(chibi_compiled *c);
void chibi_compiled_free(chibi_compiled *c);
/* Run the first instance of c's module created in s from c's code instead of compiling
 * it (when s runs compiled code at all).  Call before instantiating; c must outlive s. */
void chibi_store_use_compiled(chibi_store *s, chibi_compiled *c);
/* Why s did not use its compiled file (a different bounds mode, fuel, ...), or "". */
const char *chibi_store_compiled_note(const chibi_store *s);

/* The cache (chibi run --cache, the shim): the compiled file of `len` bytes of wasm for
 * this build, CPU and cfg, from directory `dir`, compiling and adding it on a miss.  An
 * entry is named by the SHA-256 of the module and of what it was compiled for, written
 * to a temporary file and renamed (concurrent writers are safe), rejected and replaced when
 * it fails chibi_compiled_open's checks.  The directory (created 0700) and its entries must
 * belong to the user and be writable by nobody else, or the cache is not used.  After a
 * write, the least recently used entries are removed until the directory holds at most
 * max_bytes (0: CHIBI_CACHE_DEFAULT_BYTES).  *out_hit (may be NULL) tells whether the
 * entry existed. */
#define CHIBI_CACHE_DEFAULT_BYTES ((uint64_t)512 << 20)
enum chibi_err chibi_cache_open(const char *dir, const uint8_t *wasm, size_t len,
				const struct chibi_config *cfg, uint64_t max_bytes,
				chibi_compiled **out, bool *out_hit, struct chibi_diag *diag);
/* The default cache directory: $XDG_CACHE_HOME/chibi, else $HOME/.cache/chibi (into buf;
 * false when neither is set or it does not fit). */
bool chibi_cache_default_dir(char *buf, size_t n);

#ifdef __cplusplus
}
#endif
#endif
