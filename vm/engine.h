/* vm/engine.h - the seam between the object model (vm/) and the engines that run wasm code.
 *
 * A store runs all its calls through one engine, chosen when the store is created
 * (chibi_store_new, from cfg.mode): the interpreter (vm/interp.c, always built in) or the
 * compiling engine of this build, if it has one.  vm/ reaches an engine only through this
 * table and includes nothing from jit/: the JIT depends on vm/, never the other way round.
 *
 * Which compiling engine a build has is decided by the files it links, not by #ifdef:
 * jit/runtime.c defines engine_jit as its table; jit/none/engine.c (hosts without a back
 * end, and `make JIT=none`) defines it as NULL, and CHIBI_MODE_JIT then runs the
 * interpreter.  The table is constant data: nothing is registered at run time.
 */
#ifndef CHIBI_VM_ENGINE_H
#define CHIBI_VM_ENGINE_H

#include <stdio.h>

#include "runtime.h"

/* Counters of one store, for engines that compile. */
struct engine_stats {
	uint32_t compiled;       /* functions compiled */
	uint32_t fallbacks;      /* functions left to the interpreter */
	uint64_t wasm_bytes;     /* body bytes of the compiled functions */
	uint64_t code_bytes;     /* machine code produced */
	uint64_t compile_ns;     /* time spent compiling: always for compile_instance (eager,
	                          * inspect), for lazy compilation only when the engine was
	                          * asked to report it (CHIBI_JIT_VERBOSE: the clock read is a
	                          * system call) */
};

/* Machine code of one function after compile_instance: code, size, the map (pairs of wasm
 * byte offset, code offset, sorted by code offset) and the data ranges inside the code. */
struct engine_code_info {
	const uint8_t *code;
	size_t size;
	const uint32_t *map;     /* 2 * nmap entries */
	uint32_t nmap;
	const uint32_t *data;    /* 2 * ndata entries: [start, end) code offsets of tables */
	uint32_t ndata;
	const char *fail_reason; /* when not compiled */
};

/* The engine's part of a compiled file (vm/compiled.c owns the file, the engine what is in
 * these parts: its records and its position-independent code). */
struct engine_image {
	uint8_t *meta;           /* records (heap; build: made by image_build, owned here) */
	size_t meta_len;
	uint8_t *code;           /* build: the code (heap, owned here) */
	size_t code_len;
	int fd;                  /* attach: the file, mapped from at code_off (page-aligned) */
	uint64_t code_off;
	uint32_t flags;          /* EI_*: how the code was compiled */
};
enum { EI_EXPLICIT_BOUNDS = 1, EI_FUEL = 2 };

struct engine {
	/* What runs the code: "interpreter", or the JIT's back end ("x86-64", "aarch64").  A
	 * function because the back end's name lives in its own file (jit_target), which a
	 * constant table cannot read. */
	const char *(*name)(void);
	/* Run f with arguments in slots[0..nparams) (inside s->stack, with room for the
	 * callee's frame above), results to slots[0..nresults).  Host functions too.  Traps
	 * leave through vm_trap; chibi_func_call is the only caller from vm/. */
	void (*invoke)(struct chibi_store *s, struct chibi_func *f, uint64_t *slots);
	/* Release everything the engine holds for s (code, per-function records); called
	 * once by chibi_store_free, also when s never ran code.  NULL: nothing held. */
	void (*store_free)(struct chibi_store *s);
	/* Counters of s (all zero when nothing was compiled).  NULL: the engine has none. */
	void (*stats)(const struct chibi_store *s, struct engine_stats *out);
	/* Inspection (chibi inspect); NULL for an engine that does not compile.  Compile every
	 * defined function of inst now, keeping the wasm->code maps; returns how many could
	 * not be compiled, with reasons on `log` when non-NULL. */
	uint32_t (*compile_instance)(struct chibi_instance *inst, FILE *log);
	/* Code of f after compile_instance; false (with out->fail_reason when known) if f
	 * was not compiled. */
	bool (*code_info)(const struct chibi_func *f, struct engine_code_info *out);
	/* For the interpreter translating a function the engine left to it (exception
	 * handling): may its calls to f go to compiled code?  Compiles f first if it was never
	 * tried.  NULL: the engine compiles nothing. */
	bool (*compiled)(struct chibi_store *s, struct chibi_func *f);
	/* chibi compile; NULL for an engine that does not compile.  Compile every defined
	 * function of inst (whose start function has not run) into position-independent code
	 * and records (*out; free with engine_image_release).  CHIBI_OK, or an error with a
	 * reason in why. */
	enum chibi_err (*image_build)(struct chibi_instance *inst, struct engine_image *out,
				      char *why, size_t whylen);
	/* The CPU features code compiled on this host may use, as bits and as text. */
	uint32_t (*cpu_features)(char *desc, size_t n);
};

/* Free what image_build made (meta, code); the fd is the file's owner's. */
void engine_image_release(struct engine_image *img);

/* The interpreter (vm/engine.c): always present. */
extern const struct engine engine_interp;

/* The compiling engine of this build (jit/runtime.c), or NULL when it has none. */
extern const struct engine *const engine_jit;

/* The engine a store created with `mode` runs on: the JIT for CHIBI_MODE_JIT and
 * CHIBI_MODE_DEFAULT when the build has one, otherwise the interpreter. */
const struct engine *engine_for_mode(enum chibi_exec_mode mode);

#endif
