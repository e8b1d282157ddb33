/* jit/jit.h - the baseline JIT as the rest of chibi sees it (backend-neutral).
 *
 * vm/api.c enters wasm through jit_invoke() when the store runs in JIT mode (CHIBI_MODE_JIT,
 * or CHIBI_MODE_DEFAULT on a host with a back end); vm/store.c releases a store's code with
 * jit_store_free().  Everything else (compilation, thunks, traps) is internal to jit/.
 * cli/inspect.c uses the inspection calls at the end.
 *
 * Environment switches (read when a store first runs JIT code):
 *   CHIBI_JIT_EAGER=1           compile every function of an instance on its first call
 *                               instead of each function on its own first call
 *   CHIBI_JIT_BOUNDS=explicit   bounds-check every memory access instead of relying on the
 *                               guard region (always used for memories without one)
 *   CHIBI_JIT_VERBOSE=1         report functions that fall back to the interpreter, and the
 *                               compile statistics of each store, on stderr
 *   CHIBI_JIT_ONLY=A-B,C,...    compile only these functions (index space); the others run
 *                               in the interpreter (for bisecting a miscompilation)
 *   CHIBI_JIT_PERFMAP=1         describe compiled functions in /tmp/perf-PID.map for perf
 *   CHIBI_HARD_JIT=1            stress switch: compile every function twice and compare
 */
#ifndef CHIBI_JIT_JIT_H
#define CHIBI_JIT_JIT_H

#include <stdio.h>

#include "../vm/runtime.h"

/* True when calls in s should go through the JIT (mode and host architecture allow it). */
bool jit_wanted(const struct chibi_store *s);

/* Run f with arguments in slots[0..nparams) (inside s->stack), results to slots[0..):
 * the JIT counterpart of interp_invoke, with the same contract.  Compiles f on first use;
 * a function the JIT cannot compile, and host functions, run through interp_invoke.
 * Traps leave through vm_trap. */
void jit_invoke(struct chibi_store *s, struct chibi_func *f, uint64_t *slots);

/* Release everything the JIT holds for s (code, records).  Safe when the JIT never ran. */
void jit_store_free(struct chibi_store *s);

/* Counters of one store. */
struct jit_stats {
	uint32_t compiled;       /* functions compiled */
	uint32_t fallbacks;      /* functions left to the interpreter */
	uint64_t wasm_bytes;     /* body bytes of the compiled functions */
	uint64_t code_bytes;     /* machine code produced */
	uint64_t compile_ns;     /* time spent compiling: always for jit_compile_instance
	                          * (eager, inspect), for lazy compilation only when
	                          * CHIBI_JIT_VERBOSE is set (the clock read is a syscall) */
};
void jit_get_stats(const struct chibi_store *s, struct jit_stats *out);

/* ---- inspection (chibi inspect) ---- */

/* Compile every defined function of inst now, keeping the wasm->code map.  Returns the
 * number of functions that could not be compiled; reasons go to `log` when non-NULL. */
uint32_t jit_compile_instance(struct chibi_instance *inst, FILE *log);

/* Machine code of f after jit_compile_instance: code, size, and the map (pairs of wasm
 * byte offset, code offset, sorted by code offset) plus data ranges inside the code.
 * False if f was not compiled. */
struct jit_code_info {
	const uint8_t *code;
	size_t size;
	const uint32_t *map;     /* 2 * nmap entries */
	uint32_t nmap;
	const uint32_t *data;    /* 2 * ndata entries: [start, end) code offsets of tables */
	uint32_t ndata;
	const char *fail_reason; /* when not compiled */
};
bool jit_code_info(const struct chibi_func *f, struct jit_code_info *out);

/* Name of the back end ("x86-64"), or NULL when this build has none. */
const char *jit_backend_name(void);

#endif
