/* jit/jit_int.h - state shared by the JIT's own files: runtime.c (stores, calls, signals),
 * lower.c (the compiler) and the back ends.  Not included outside jit/.
 *
 * A store that runs JIT code owns one struct jit_store (chibi_store.jit): its code arena,
 * thunks and counters.  Every function the JIT has met owns a struct jit_func in the arena's
 * data region (chibi_func.jit_code points to it), so that code can reach it with a short
 * pc-relative address: calls go through jit_func.entry, which first points at the lazy
 * thunk (compile on first call), then at the compiled code, or at the exit thunk (host
 * functions and functions the JIT could not compile).
 */
#ifndef CHIBI_JIT_JIT_INT_H
#define CHIBI_JIT_JIT_INT_H

#include "jit.h"
#include "target.h"

enum jf_state { JF_LAZY, JF_COMPILED, JF_FAILED, JF_HOST };

struct jit_func {
	const void *entry;         /* call target (JIT convention); MUST stay first: code calls
	                            * through [jf + 0] */
	struct chibi_func *func;
	uint8_t *code;             /* compiled code, or NULL */
	uint32_t code_size;
	uint8_t state;             /* enum jf_state */
	struct jit_inspect *insp;  /* map kept for chibi inspect, or NULL */
	uint32_t frame_total;      /* bytes from its sp to its caller's (return address
	                            * included): the unwinder's step (jit_h_throw) */
	const struct jit_eh_table *eh; /* its handlers, or NULL */
};

/* One handler of compiled code: a call or throw whose return address minus one is in
 * [start, end) (code offsets) is taken by it.  JH_CATCH (try_table's clauses, legacy catch
 * arms): the exception lands at pad when its tag is tag (NULL: any), its payload copied to
 * the operand slots from sp + payload_off and, when exn_off >= 0, the exnref itself stored
 * at sp + exn_off first (catch_ref, catch_all_ref, and a legacy arm's hidden slot for
 * rethrow).  JH_DELEGATE (legacy delegate): the search goes on among the rows of depth <=
 * to_depth only, as if the exception had been thrown directly inside the block delegate
 * names.  depth is the block nesting of the row's try (the function's own block is 0); a
 * function's rows are sorted by depth, and searched from the last (innermost first), a
 * try's clauses in their order. */
enum jh_kind { JH_CATCH, JH_DELEGATE };

struct jit_handler {
	uint32_t start, end, pad;
	int32_t payload_off;
	int32_t exn_off;           /* -1: the exnref is not kept */
	uint32_t depth, to_depth;
	uint8_t kind;              /* enum jh_kind */
	uint8_t slot_bytes;        /* 8, or 16 in functions with v128 values: payload value k
	                            * goes to payload_off + k * slot_bytes (a v128 fills one) */
	const struct chibi_tag *tag;
	uint32_t tag_index;        /* tag's index in the instance (compiled files), or
	                            * UINT32_MAX with tag NULL */
};

struct jit_eh_table {
	struct jit_eh_table *next;     /* the store's list (jit_store.eh_tables) */
	uint32_t n;
	struct jit_handler row[];
};

/* What inspect keeps per function (heap, freed with the store). */
struct jit_inspect {
	uint32_t *map, nmap;
	uint32_t *data, ndata;
	char reason[96];
	struct jit_inspect *next;
};

/* A compiled function's code range, for pc -> function lookups (signals, traps). */
struct jit_range {
	uintptr_t start, end;
	struct jit_func *jf;
};

struct jit_store {
	struct chibi_store *s;
	struct code_arena arena;
	const void *thunk_enter, *thunk_exit, *thunk_lazy, *thunk_indirect;
	const void *thunk_trap;    /* NULL when the back end has none */
	struct jit_range *ranges;  /* sorted by start (code is appended upwards) */
	uint32_t nranges;
	size_t cap_ranges;
	struct engine_stats stats;
	bool eager, explicit_bounds, verbose;
	bool keep_maps;            /* record wasm->code maps (inspect) */
	const char *only;          /* CHIBI_JIT_ONLY (bisecting aid), or NULL */
	bool perfmap;              /* CHIBI_JIT_PERFMAP: write /tmp/perf-PID.map */
	bool hard;                 /* CHIBI_HARD_JIT: compile twice, compare */
	struct jit_inspect *inspects;
	struct jit_eh_table *eh_tables; /* of every function with handlers (freed with it) */
	bool has_handlers;         /* some compiled function has one: calls out catch */
	struct codebuf cb;         /* reused between compilations */
	void *lower_scratch;       /* lower.c's reusable arrays */
	struct jit_pic *pic;       /* set while compiling position-independent code for a
	                            * compiled file (jit/aot.c), NULL otherwise */
	const void *image_seen;    /* the store's compiled image last attached or refused */
	uint32_t images;           /* compiled images attached (CHIBI_JIT_VERBOSE reports) */
};

/*
 * Position-independent code (jit/aot.c).  A compiled file's code is mapped at an address
 * only known when it is loaded, right after a private "GOT" of the same size it had when it
 * was built:
 *
 *   image start +-------------------------------+  private, read-only once filled
 *               | jit_func records (defined fns) |  reached with lea [rip + d]
 *               | slots: one 64-bit value each   |  reached with mov [rip + d]
 *   + got_size  +-------------------------------+  mapped from the file, read + execute
 *               | code of the functions          |  calls between them: rel32
 *               +-------------------------------+
 *
 * Every address the code needs from outside the image (the instance, memories, globals,
 * tables, helpers, the store's thunks, imported functions' records) is read from a slot,
 * named by a symbol (kind, index) that the loader resolves against the new instance; no
 * relocation is ever written into the code pages.  While building, back ends turn every
 * absolute address into a slot load through jit_pic_find(); an address without a symbol
 * makes the function fall back to the interpreter (in the image too).
 */
enum pic_kind {
	PS_INST = 1,     /* the instance */
	PS_MEM,          /* memories[i] */
	PS_MEM_DATA,     /* memories[i]->data */
	PS_MEM_PAGES,    /* &memories[i]->pages */
	PS_TABLE,        /* tables[i] */
	PS_TABLE_SIZE,   /* &tables[i]->size */
	PS_GLOBAL,       /* &globals[i]->value */
	PS_FUNC,         /* funcs[i] (ref.func) */
	PS_JF,           /* the jit_func of funcs[i], an imported function */
	PS_TYPE_ID,      /* type_ids[i] (a value, not an address) */
	PS_HELPER,       /* jit_pic_helper(i) */
	PS_THUNK,        /* the store's thunk i (JT_*) */
	PS_MEM_SIZE,     /* &memories[i]->size */
	PS_KIND_END
};

struct pic_sym {
	uint8_t kind;
	uint32_t index;
};

struct jit_pic {
	struct chibi_instance *inst;
	uint8_t *lo;               /* image start (its jit_func records) */
	struct jit_func *jfs;      /* records of the defined functions */
	uint64_t *slots;
	struct pic_sym *slot_sym;  /* symbol of each slot in use */
	uint32_t nslots, max_slots;
	size_t got_size;
	/* every address a symbol names, sorted by value, for jit_pic_find */
	struct pic_entry {
		uintptr_t value;
		struct pic_sym sym;
		bool ambiguous;
		uint32_t slot;    /* 1 + its slot, 0 = none yet */
	} *map;
	uint32_t nmap;
	uint32_t misses;           /* addresses without a symbol (functions fell back) */
};

/* Where code compiled for an image finds `addr`: *out_at is the address of what to reach
 * rip-relatively, *out_load tells whether it is a slot holding addr (load it) or addr
 * itself inside the image (take its address).  False when addr has no symbol. */
bool jit_pic_find(struct jit_pic *pic, const void *addr, const void **out_at, bool *out_load);
/* The slot holding canonical type id `type_id` of the instance; NULL when none. */
const void *jit_pic_type_slot(struct jit_pic *pic, uint32_t type_id);
/* Try a store's pending compiled image (chibi_store.image) for inst's functions: attach it
 * if it was made from inst's module and none of them has run yet. */
void jit_image_try(struct jit_store *js, struct chibi_instance *inst);
/* engine_jit.image_build (vm/engine.h). */
enum chibi_err jit_image_build(struct chibi_instance *inst, struct engine_image *out,
			       char *why, size_t whylen);

/* v128 values never travel in argument or result registers (struct jit_regs keeps 64 bits
 * per register): a v128 argument takes two words of the stack-argument area (low half
 * first, as in the interpreter's slots), and a function with a v128 result returns all its
 * results in that area, like a multi-value one. */
static inline bool jit_arg_in_reg(vtype vt)
{
	return vt != VT_V128;
}

static inline bool jit_results_in_memory(const struct functype *t)
{
	return t->nresults > 1 || (t->nresults == 1 && t->results[0] == VT_V128);
}

/* Slots (64-bit words) of n values of the given types. */
static inline uint32_t jit_slots_of(const vtype *types, uint32_t n)
{
	uint32_t w = 0;

	for (uint32_t i = 0; i < n; i++)
		w += vt_slots(types[i]);
	return w;
}

/* Word offset of result i in the result area (jit_results_in_memory). */
static inline uint32_t jit_result_word(const struct functype *t, uint32_t i)
{
	return jit_slots_of(t->results, i);
}

/*
 * Tail calls with stack arguments: a tail caller writes its callee's stack arguments into
 * its own incoming area, which its caller reserved.  Every wasm call reserves at least
 * JIT_TAIL_WORDS words there (the compiler's outgoing areas, jit_invoke's from C), so a
 * tail call whose callee needs no more than that never depends on what the caller of the
 * chain reserved; a callee needing more makes its tail caller fall back to the
 * interpreter.  Even, so the area keeps the stack aligned.
 */
#define JIT_TAIL_WORDS 8u

/* Words of stack arguments (beyond the argument registers) of a call of type t, or of
 * results when they are in memory: the outgoing area must hold the larger.  The compiler
 * sizes outgoing areas with it, jit_invoke the area it passes from C. */
static inline uint32_t jit_stack_words(const struct functype *t)
{
	uint32_t k[2] = { 0, 0 }, words = 0;

	for (uint32_t i = 0; i < t->nparams; i++) {
		int cls = vt_class(t->params[i]);

		if (jit_arg_in_reg(t->params[i]) && k[cls] < jit_target.narg[cls])
			k[cls]++;
		else
			words += vt_slots(t->params[i]);
	}
	if (jit_results_in_memory(t) && jit_result_word(t, t->nresults) > words)
		words = jit_result_word(t, t->nresults);
	return words;
}

/* runtime.c: the store's JIT state, created on first use (NULL when out of memory); a
 * compiled function's code range for pc lookups; compile one JF_LAZY function (afterwards
 * JF_COMPILED or JF_FAILED, not yet executable); make a batch executable. */
struct jit_store *jit_store_of(struct chibi_store *s);
bool jit_range_add(struct jit_store *js, struct jit_func *jf);
void jit_compile_one(struct jit_store *js, struct jit_func *jf);
void jit_seal_batch(struct jit_store *js, struct chibi_instance *inst, bool timed);

/* The jit_func of f, created on first request (NULL when out of memory). */
struct jit_func *jit_func_of(struct jit_store *js, struct chibi_func *f);

/* Compile jf->func (a wasm function) into js's arena.  On success jf->code/code_size are
 * set and true is returned; on failure `why` (if non-NULL, 96 bytes) says why.  The code
 * is not executable until arena_seal(&js->arena). */
bool jit_compile(struct jit_store *js, struct jit_func *jf, char *why);

/* Release lower.c's reusable arrays. */
void jit_lower_free(void *scratch);
/* Free the scratch arrays grown past LOWER_SCRATCH_KEEP bytes by one big function, so a
 * long-lived process (a sleeping container) does not keep them for the next compile. */
void jit_lower_trim(void *scratch);

/* The C helper computing numeric opcode `op` with exact Wasm semantics, for operators a
 * back end does not inline: struct jit_ret (*)(uint64_t a, uint64_t b). */
struct jit_ret {
	uint64_t val;
	uint64_t trap;  /* enum chibi_trap, 0 = none */
};
typedef struct jit_ret (*jit_num_fn)(uint64_t a, uint64_t b);
jit_num_fn jit_num_helper(uint16_t op);

/* Helpers for the rarer instructions (jit/runtime.c); each returns a jit_ret. */
struct jit_ret jit_h_memory_grow(struct chibi_memory *m, uint64_t delta);
struct jit_ret jit_h_memory_fill(struct chibi_memory *m, uint64_t d, uint64_t val, uint64_t n);
struct jit_ret jit_h_memory_copy(struct chibi_memory *m, uint64_t d, uint64_t src, uint64_t n);
struct jit_ret jit_h_memory_copy2(struct chibi_memory *dm, struct chibi_memory *sm, uint64_t d,
				  uint64_t src, uint64_t n);
struct jit_ret jit_h_memory_init(struct chibi_instance *inst, uint64_t seg, uint64_t d,
				 uint64_t src, uint64_t n);
struct jit_ret jit_h_data_drop(struct chibi_instance *inst, uint64_t seg);
struct jit_ret jit_h_table_get(struct chibi_table *t, uint64_t i);
struct jit_ret jit_h_throw(struct chibi_func *f, uint64_t tag, const uint8_t *payload,
			   uint64_t sp, uint64_t slot_bytes);
struct jit_ret jit_h_throw_ref(struct chibi_func *f, uint64_t exn, uint64_t sp);
struct jit_ret jit_h_table_set(struct chibi_table *t, uint64_t i, uint64_t v);
struct jit_ret jit_h_table_grow(struct chibi_table *t, uint64_t init, uint64_t delta);
struct jit_ret jit_h_table_fill(struct chibi_table *t, uint64_t i, uint64_t v, uint64_t n);
struct jit_ret jit_h_table_copy(struct chibi_table *dt, struct chibi_table *st, uint64_t d,
				uint64_t src, uint64_t n);
struct jit_ret jit_h_table_init(struct chibi_instance *inst, struct chibi_table *t,
				uint64_t seg, uint64_t d, uint64_t src, uint64_t n);
struct jit_ret jit_h_elem_drop(struct chibi_instance *inst, uint64_t seg);

#endif
