/* vm/interp.c - the interpreter loop: executes the threaded code of vm/interp_translate.c.
 *
 * One function (run) holds every handler; dispatch is computed goto, or a switch when
 * CHIBI_INTERP_SWITCH is defined (same handler text, macros choose).  wasm->wasm calls never
 * recurse in C: frames live on the store's value stack (layout in interp.h) and carry their
 * own return address.  Hot state (ip, fp, code, memory base/size and `acc`, the last value
 * produced, which lets a consumer skip reloading it from its slot) stays in locals.
 * Entry points: interp_invoke, interp_free_code, interp_handlers.
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "alloc.h"
#include "engine.h"
#include "interp.h"
#include "interp_num.h"
#include "v128.h"

#if !defined(__GNUC__)
#define CHIBI_INTERP_SWITCH 1
#endif

#define UNLIKELY(x) __builtin_expect(!!(x), 0)

/* ---- slow paths, kept out of line so that handlers stay small ---- */

/* Name the trapping function, then take the single trap path. */
static noreturn __attribute__((noinline, cold)) void trap_in(struct chibi_store *s,
							     const struct icode *code, int kind)
{
	if (code) { /* NULL: a host function called directly by interp_invoke */
		s->cur_func_index = code->func->index;
		s->cur_inst = code->func->inst;
	}
	vm_trap(s, (enum chibi_trap)kind);
}

/* The callee of call_indirect and return_call_indirect: element i (an index slot) of table
 * t, which must exist, be set and have a subtype of canonical type type_id. */
static inline struct chibi_func *table_callee(struct chibi_store *s, const struct icode *code,
					      const struct chibi_table *t, uint64_t i,
					      uint32_t type_id)
{
	struct chibi_func *f;

	i &= t->index_mask; /* an i32 index's upper slot bits are unspecified */
	if (UNLIKELY(i >= t->size))
		trap_in(s, code, CHIBI_TRAP_UNDEFINED_ELEMENT);
	f = t->elems[i];
	if (UNLIKELY(!f))
		trap_in(s, code, CHIBI_TRAP_UNINITIALIZED);
	if (UNLIKELY(f->type_id != type_id) && !store_type_sub(s, f->type_id, type_id))
		trap_in(s, code, CHIBI_TRAP_INDIRECT_MISMATCH);
	return f;
}

/* Interrupt request or fuel accounting, reached only when either is active. */
static __attribute__((noinline, cold)) void poll_slow(struct chibi_store *s,
						      const struct icode *code)
{
	if (s->interrupt)
		trap_in(s, code, CHIBI_TRAP_INTERRUPTED);
	if (s->cfg.fuel) {
		if (s->fuel == 0)
			trap_in(s, code, CHIBI_TRAP_OUT_OF_FUEL);
		s->fuel--;
	}
}

/* Translate a function on its first call.  `code` is the caller (for trap naming). */
static __attribute__((noinline)) struct icode *load_code(struct chibi_store *s,
							 const struct icode *code,
							 struct chibi_func *f)
{
	struct icode *c = interp_translate(f);

	if (!c) {
		if (s->trap)
			snprintf(s->trap->info.message, sizeof(s->trap->info.message),
				 "out of memory translating function %u", f->index);
		trap_in(s, code, CHIBI_TRAP_HOST);
	}
	f->interp_code = c;
	return c;
}

/* Call a host function with its arguments at args; results come back in place.  Returns
 * the exception the host function threw (chibi_caller_throw), else NULL. */
static struct chibi_exn *call_host(struct chibi_store *s, const struct icode *code,
				   struct chibi_func *f, uint64_t *args, uint64_t *stack_end)
{
	size_t n = functype_slots(f->type);
	struct chibi_caller caller = { .store = s, .inst = code ? code->func->inst : NULL };
	uint64_t *saved_top = s->stack_top;
	enum chibi_trap rc;

	if ((size_t)(stack_end - args) < n + 1)
		trap_in(s, code, CHIBI_TRAP_STACK_EXHAUSTED);
	/* Re-entry from the host stacks above the live part of our stack. */
	s->stack_top = args + n;
	for (uint32_t i = 0, k = 0; i < f->type->nparams; k += vt_slots(f->type->params[i++]))
		if (UNLIKELY(vt_code(f->type->params[i]) == VT_EXNREF))
			exn_pin((struct chibi_exn *)(uintptr_t)args[k]);
	rc = f->host_fn(&caller, f->host_env, args);
	s->stack_top = saved_top;
	if (rc == CHIBI_TRAP_EXCEPTION && code && s->trap->info.exn) {
		struct chibi_exn *e = s->trap->info.exn;

		s->trap->info.exn = NULL;
		return e;
	}
	if (rc != CHIBI_TRAP_NONE)
		trap_in(s, code, rc);
	return NULL;
}

/*
 * Find the handler of exn: in the frame (fp, code) at word pos, then in its callers at their
 * call instructions, down to the bottom frame of this activation (whose return address is
 * exit_stub).  On success the handler's frame, code and landing word are in *out, and its
 * payload (and exnref) written.  False: no handler in this activation.
 */
struct landing {
	uint64_t *fp;
	struct icode *code;
	const uint32_t *ip;
};

static __attribute__((noinline, cold)) bool unwind(struct chibi_exn *exn, uint64_t *fp,
						   struct icode *code, size_t pos,
						   const uint32_t *exit_stub, struct landing *out)
{
	for (;;) {
		uint32_t limit = UINT32_MAX; /* delegate: only blocks this shallow */
		const uint64_t *h;
		const uint32_t *ret;

		for (uint32_t i = 0; i < code->nhandlers && limit; i++) {
			const struct ihandler *hd = &code->handlers[i];

			if (pos < hd->start || pos >= hd->end || hd->depth > limit)
				continue;
			if (hd->delegate != UINT32_MAX) {
				limit = hd->delegate;
				continue;
			}
			for (uint32_t k = hd->first; k != UINT32_MAX; k = code->clauses[k].next) {
				const struct iclause *c = &code->clauses[k];
				uint32_t n = 0;

				if (c->tag && c->tag != exn->tag)
					continue;
				if (c->tag) {
					n = exn->nslots;
					memcpy(fp + hd->dst, exn->payload, n * sizeof(*fp));
				}
				if (c->ref)
					fp[hd->dst + n] = (uint64_t)(uintptr_t)exn;
				if (hd->exn_slot != UINT32_MAX)
					fp[hd->exn_slot] = (uint64_t)(uintptr_t)exn;
				out->fp = fp;
				out->code = code;
				out->ip = code->body + c->pad;
				return true;
			}
		}
		h = fp + code->hdr;
		ret = (const uint32_t *)(uintptr_t)h[1];
		if (ret == exit_stub)
			return false;
		fp = (uint64_t *)(uintptr_t)h[0];
		code = (struct icode *)(uintptr_t)h[2];
		pos = (size_t)(ret - code->body) - 1;
	}
}

/* The catch point's sigsetjmp, apart from call_compiled so that what vm_throw writes lives
 * in the caller's frame (C11 7.13.2.1p3).  False: an exception came back. */
static __attribute__((noinline)) bool protected_call(struct chibi_store *s, struct exn_catch *c,
						     struct chibi_func *f, uint64_t *args)
{
	if (sigsetjmp(c->jmp, 0)) /* no signal mask: exceptions never leave a signal handler */
		return false;
	s->engine->invoke(s, f, args);
	return true;
}

/* Call compiled f (arguments at args, results back there) from a function with handlers:
 * an exception that no frame above takes comes back here, from vm_throw, instead of going
 * to the embedder past our handlers.  Returns it, or NULL when f returned.  The cost, a
 * sigsetjmp without the signal mask, is paid only by such calls. */
static __attribute__((noinline)) struct chibi_exn *call_compiled(struct chibi_store *s,
								  struct chibi_func *f,
								  uint64_t *args)
{
	struct exn_catch c = { .trap = s->trap, .prev = s->exn_catch };
	uint64_t *saved_top = s->stack_top;
	uintptr_t saved_limit = s->jit_stack_limit;

	s->stack_top = args + functype_slots(f->type);
	s->exn_catch = &c;
	if (protected_call(s, &c, f, args))
		c.exn = NULL;
	s->exn_catch = c.prev;
	s->stack_top = saved_top;
	s->jit_stack_limit = saved_limit;
	return c.exn;
}

/* Throw exn at word pos of (fp, code): the landing of the handler that takes it, or on to
 * the next catch point or the embedder (vm_throw). */
static __attribute__((noinline, cold)) struct landing throw_at(struct chibi_store *s,
								struct chibi_exn *exn,
								uint64_t *fp, struct icode *code,
								size_t pos, const uint32_t *exit_stub)
{
	struct landing to;

	if (!unwind(exn, fp, code, pos, exit_stub, &to))
		vm_throw(s, exn);
	return to;
}

/* Name the throwing function, then a new exception of tag with the payload at args. */
static __attribute__((noinline, cold)) struct chibi_exn *
new_exn(struct chibi_store *s, const struct icode *code, struct chibi_tag *tag,
	const uint64_t *args)
{
	struct chibi_exn *e;

	s->cur_func_index = code->func->index;
	s->cur_inst = code->func->inst;
	e = exn_new(s, tag, args, args + functype_slots(tag->type));
	if (!e) {
		snprintf(s->trap->info.message, sizeof(s->trap->info.message),
			 "out of memory allocating an exception");
		trap_in(s, code, CHIBI_TRAP_HOST);
	}
	return e;
}

/* Pointer and 64-bit operands occupy two 32-bit code words, not necessarily 8-aligned:
 * memcpy reads them without alignment faults (it compiles to one load). */
static inline void *load_ptr(const uint32_t *p)
{
	void *v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static inline uint64_t load_u64(const uint32_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/* ---- dispatch macros ---- */

#define O(i) ip[IC_HWORDS + (i)]             /* operand word i */
#define R(i) fp[O(i)]                        /* slot named by operand i */
#define PTR(i) load_ptr(&O(i))               /* pointer operand starting at word i */
#define TRAP(k) trap_in(s, code, (k))
#define POLL()								\
	do {								\
		if (UNLIKELY(s->interrupt | fuel_on))			\
			poll_slow(s, code);				\
	} while (0)
#define RELOAD_MEM()							\
	do {								\
		mbase = code->mem->data;				\
		msize = code->mem->size;				\
	} while (0)
/* Branch through the target word at operand i.  No do-while wrapper: in the switch build
 * DISPATCH() is `continue`, which must reach the dispatch loop. */
#define JUMP(i) { ip = &O(i) + (int32_t)O(i); DISPATCH(); }
#define NEXT(nops) { ip += IC_HWORDS + (nops); DISPATCH(); }
/* Throw exception e at code word pos of this frame and go on at its handler.  Only block-local
 * state: the loop's hot variables keep their registers. */
#define THROW_AT(e, pos)						\
	{								\
		struct landing to_ = throw_at(s, (e), fp, code, (pos), exit_stub); \
									\
		fp = to_.fp;						\
		code = to_.code;					\
		ip = to_.ip;						\
		RELOAD_MEM();						\
		DISPATCH();						\
	}

#ifdef CHIBI_INTERP_SWITCH
#define DISPATCH() continue
#define CASE(n) case IOP_##n:
#define LOOP_BEGIN for (;;) { switch ((enum iop)(uintptr_t)load_ptr(ip)) {
#define LOOP_END default: __builtin_unreachable(); } }
#else
#define DISPATCH() goto *load_ptr(ip)
#define CASE(n) L_##n:
#define LOOP_BEGIN DISPATCH(); {
#define LOOP_END }
#endif

/*
 * The interpreter.  With tab != NULL it only fills in its handler table.  Otherwise it
 * runs the wasm function `f` whose arguments are at fp[0..nparams) and returns when that
 * function returns (results at fp[0..nresults)); traps leave through vm_trap.
 */
#if defined(__GNUC__) && !defined(__clang__)
#define RUN_ONE_SECTION __attribute__((optimize("no-reorder-blocks-and-partition")))
#else
#define RUN_ONE_SECTION /* clang does not split functions unless asked to */
#endif
static RUN_ONE_SECTION void run(struct chibi_store *s, struct chibi_func *f, uint64_t *fp,
				const void **tab)
{
	/* Each handler as its distance from L_EXIT (or, switched, its number): constants, where
	 * a table of addresses took one relocation per entry, 1,092 of them, applied at every
	 * start of the static-pie binary whatever tier runs, and dirtied the table's pages
	 * (docs/RATIONALE.md, start-up).  run() is never inlined (computed goto) nor split in
	 * hot and cold parts (RUN_ONE_SECTION), so the distances are constants of one section. */
#ifdef CHIBI_INTERP_SWITCH
#define IOP_LABEL_V(name, op, form, poll) IOP_##name,
#define IOP(n, k) IOP_##n,
#define HANDLER(i) ((const void *)(uintptr_t)handlers[i])
#else
#define IOP_LABEL_V(name, op, form, poll) (int32_t)(&&L_##name - &&L_EXIT),
#define IOP(n, k) (int32_t)(&&L_##n - &&L_EXIT),
#define HANDLER(i) ((const void *)((const char *)&&L_EXIT + handlers[i]))
#endif
	static const int32_t handlers[IOP_COUNT] = {
#define NUM1(n) NUM1_FORMS(IOP_LABEL_V, n)
#define NUM2(n) NUM2_FORMS(IOP_LABEL_V, n)
#define NUM2I(n) NUM2I_FORMS(IOP_LABEL_V, n)
#define CMPBR(n) CMPBR_FORMS(IOP_LABEL_V, n)
#define ADDBR(n) ADDBR_FORMS(IOP_LABEL_V, n)
#define LOADOP(n) LOADOP_FORMS(IOP_LABEL_V, n)
#define STOREOP(n) STOREOP_FORMS(IOP_LABEL_V, n)
#define VOP(n) IOP_LABEL_V(n, n, R, 0)
#include "interp_ops.def"
	};
	uint32_t exit_stub[IC_HWORDS] = { 0 };
	uint64_t *const stack_end = s ? s->stack + s->stack_slots : NULL;
	const bool fuel_on = s && s->cfg.fuel != 0;
	struct icode *code;
	const uint32_t *ip;
	uint8_t *mbase;
	uint64_t msize;
	uint64_t acc = 0; /* last value produced (see interp_ops.def) */
	/* call state shared by CALL and CALL_INDIRECT */
	struct chibi_func *callee;
	const uint32_t *ret_ip;
	uint32_t argp;
	/* and by RETURN_CALL and RETURN_CALL_INDIRECT */
	uint32_t tail_nargs, tail_hdr;

	if (UNLIKELY(tab != NULL)) {
		for (unsigned i = 0; i < IOP_COUNT; i++)
			tab[i] = HANDLER(i);
		return;
	}

	/* Bottom frame: its return address is a stub that leaves the loop. */
	{
		const void *exit_h = HANDLER(IOP_EXIT);

		memcpy(exit_stub, &exit_h, sizeof(void *));
	}
	code = f->interp_code;
	if (UNLIKELY(!code))
		code = load_code(s, NULL, f);
	if ((size_t)(stack_end - fp) < code->frame_size)
		TRAP(CHIBI_TRAP_STACK_EXHAUSTED);
	POLL();
	for (uint32_t i = code->nparams; i < code->nlocals; i++)
		fp[i] = 0;
	fp[code->hdr] = (uint64_t)(uintptr_t)fp;
	fp[code->hdr + 1] = (uint64_t)(uintptr_t)exit_stub;
	fp[code->hdr + 2] = (uint64_t)(uintptr_t)code;
	ip = code->body;
	RELOAD_MEM();

	LOOP_BEGIN

	/* The bottom frame's return address: the called function has returned. */
	CASE(EXIT) {
		return;
	}
	/* trap unreachable */
	CASE(UNREACHABLE) {
		TRAP(CHIBI_TRAP_UNREACHABLE);
	}
	/* ip := target O(0) (relative to the word that holds it) */
	CASE(JMP) {
		JUMP(0);
	}
	/* the same on a loop back-edge: poll for an interrupt or fuel first */
	CASE(JMP_L) {
		POLL();
		JUMP(0);
	}
	/* br_if forms: if cond, jump to target O(1).  NZ/Z test R(0) (_A forms: acc) for
	 * non-zero/zero; _L forms are loop back-edges and poll. */
#define BR_COND(name, cond, poll)					\
	CASE(name) {							\
		if (cond) {						\
			if (poll)					\
				POLL();					\
			JUMP(1);					\
		}							\
		NEXT(2);						\
	}
	BR_COND(BR_NZ, (uint32_t)R(0), 0)
	BR_COND(BR_NZ_L, (uint32_t)R(0), 1)
	BR_COND(BR_NZ_A, (uint32_t)acc, 0)
	BR_COND(BR_NZ_AL, (uint32_t)acc, 1)
	BR_COND(BR_Z, !(uint32_t)R(0), 0)
	BR_COND(BR_Z_L, !(uint32_t)R(0), 1)
	BR_COND(BR_Z_A, !(uint32_t)acc, 0)
	BR_COND(BR_Z_AL, !(uint32_t)acc, 1)
#undef BR_COND
	/* jump to target O(2 + min(R(0), O(1))): O(1) is the default's index */
	CASE(BR_TABLE) {
		uint32_t i = (uint32_t)R(0), n = O(1);

		POLL();
		if (i > n)
			i = n;
		JUMP(2 + i);
	}
	/* return one result R(0): fp[0] := it, then pop the frame whose header is at
	 * fp + O(1) (saved fp, return ip, caller code); _A: the result is acc */
	CASE(RET1) {
		acc = R(0);
		goto ret1;
	}
	CASE(RET1_A) {
	ret1:;
		uint64_t *h = fp + O(1);

		fp[0] = acc;
		fp = (uint64_t *)(uintptr_t)h[0];
		ip = (const uint32_t *)(uintptr_t)h[1];
		code = (struct icode *)(uintptr_t)h[2];
		RELOAD_MEM();
		DISPATCH();
	}
	/* return with the results already in place: pop the frame (header at fp + O(0)) */
	CASE(RET) {
		uint64_t *h = fp + O(0);

		fp = (uint64_t *)(uintptr_t)h[0];
		ip = (const uint32_t *)(uintptr_t)h[1];
		code = (struct icode *)(uintptr_t)h[2];
		RELOAD_MEM();
		DISPATCH();
	}
	/* call PTR(1) with the arguments at fp + O(0); the callee's frame starts there */
	CASE(CALL) {
		argp = O(0);
		callee = PTR(1);
		ret_ip = ip + IC_HWORDS + 1 + IC_PWORDS;
		goto do_call;
	}
	/* call compiled PTR(1) with the arguments at fp + O(0), from a function with handlers
	 * (vm/interp_translate.c emits it only when the engine has the code): an exception
	 * from it is looked for at this call.  Nothing shared with do_call, whose registers
	 * it would disturb. */
	CASE(CALL_JIT) {
		const uint32_t *next = ip + IC_HWORDS + 1 + IC_PWORDS;
		struct chibi_exn *e = call_compiled(s, PTR(1), fp + O(0));

		if (UNLIKELY(e))
			THROW_AT(e, (size_t)(next - code->body) - 1);
		RELOAD_MEM();
		ip = next;
		DISPATCH();
	}
	/* call element R(1) of table PTR(3), which must have type id O(2); arguments at
	 * fp + O(0) */
	CASE(CALL_INDIRECT) {
		callee = table_callee(s, code, PTR(3), R(1), O(2));
		argp = O(0);
		ret_ip = ip + IC_HWORDS + 3 + IC_PWORDS;
		goto do_call;
	}
	/* call the function R(1), arguments at fp + O(0); its type is right by validation */
	CASE(CALL_REF) {
		callee = (struct chibi_func *)(uintptr_t)R(1);
		if (UNLIKELY(!callee))
			TRAP(CHIBI_TRAP_NULL_FUNC_REF);
		argp = O(0);
		ret_ip = ip + IC_HWORDS + 2;
		goto do_call;
	}
	/* Both calls: a host callee runs now (call_host); a wasm callee gets a frame at
	 * fp + argp (locals zeroed, header = caller fp, return ip, caller code) and runs in
	 * this loop, translated on its first call. */
	do_call: {
		uint64_t *nfp = fp + argp;
		struct icode *c;

		if (UNLIKELY(callee->kind != FUNC_WASM)) {
			struct chibi_exn *e = call_host(s, code, callee, nfp, stack_end);

			if (UNLIKELY(e))
				THROW_AT(e, (size_t)(ret_ip - code->body) - 1);
			RELOAD_MEM();
			ip = ret_ip;
			DISPATCH();
		}
		c = callee->interp_code;
		if (UNLIKELY(!c))
			c = load_code(s, code, callee);
		if (UNLIKELY((size_t)(stack_end - nfp) < c->frame_size))
			TRAP(CHIBI_TRAP_STACK_EXHAUSTED);
		POLL();
		for (uint32_t i = c->nparams; i < c->nlocals; i++)
			nfp[i] = 0;
		nfp[c->hdr] = (uint64_t)(uintptr_t)fp;
		nfp[c->hdr + 1] = (uint64_t)(uintptr_t)ret_ip;
		nfp[c->hdr + 2] = (uint64_t)(uintptr_t)code;
		fp = nfp;
		code = c;
		ip = c->body;
		RELOAD_MEM();
		DISPATCH();
	}
	/* tail call PTR(3) with O(1) arguments at fp + O(0); this frame's header is at
	 * fp + O(2) */
	CASE(RETURN_CALL) {
		argp = O(0);
		tail_nargs = O(1);
		tail_hdr = O(2);
		callee = PTR(3);
		goto do_tail_call;
	}
	/* tail call element R(1) of table PTR(5), which must have type id O(2); O(3)
	 * arguments at fp + O(0), this frame's header at fp + O(4) */
	CASE(RETURN_CALL_INDIRECT) {
		callee = table_callee(s, code, PTR(5), R(1), O(2));
		argp = O(0);
		tail_nargs = O(3);
		tail_hdr = O(4);
		goto do_tail_call;
	}
	/* tail call the function R(1) with O(2) arguments at fp + O(0); header at fp + O(3) */
	CASE(RETURN_CALL_REF) {
		callee = (struct chibi_func *)(uintptr_t)R(1);
		if (UNLIKELY(!callee))
			TRAP(CHIBI_TRAP_NULL_FUNC_REF);
		argp = O(0);
		tail_nargs = O(2);
		tail_hdr = O(3);
		goto do_tail_call;
	}
	/* ref.as_non_null: the value stays where it is */
	CASE(REF_AS_NON_NULL) {
		if (UNLIKELY(!R(0)))
			TRAP(CHIBI_TRAP_NULL_REF);
		NEXT(1);
	}
	/* Both tail calls: the callee takes this frame's place.  Its arguments move down to
	 * fp[0 ..) and its header gets this frame's saved fp, return ip and caller code, so it
	 * returns straight to our caller and a chain of tail calls of any length needs one
	 * frame.  A host callee runs now on the arguments where they are; its results move to
	 * fp[0 ..) and this frame returns. */
	do_tail_call: {
		uint64_t *h = fp + tail_hdr;
		uint64_t saved_fp = h[0], saved_ip = h[1], saved_code = h[2];
		struct icode *c;

		if (UNLIKELY(callee->kind != FUNC_WASM)) {
			struct chibi_exn *e = call_host(s, code, callee, fp + argp, stack_end);

			memmove(fp, fp + argp, callee->type->nresults * sizeof(*fp));
			fp = (uint64_t *)(uintptr_t)saved_fp;
			ip = (const uint32_t *)(uintptr_t)saved_ip;
			code = (struct icode *)(uintptr_t)saved_code;
			if (UNLIKELY(e)) {
				/* this frame is gone: the exception comes out of our caller's call */
				if (ip == exit_stub)
					vm_throw(s, e);
				THROW_AT(e, (size_t)(ip - code->body) - 1);
			}
			RELOAD_MEM();
			DISPATCH();
		}
		c = callee->interp_code;
		if (UNLIKELY(!c))
			c = load_code(s, code, callee);
		if (UNLIKELY((size_t)(stack_end - fp) < c->frame_size))
			TRAP(CHIBI_TRAP_STACK_EXHAUSTED);
		POLL();
		memmove(fp, fp + argp, tail_nargs * sizeof(*fp));
		for (uint32_t i = c->nparams; i < c->nlocals; i++)
			fp[i] = 0;
		fp[c->hdr] = saved_fp;
		fp[c->hdr + 1] = saved_ip;
		fp[c->hdr + 2] = saved_code;
		code = c;
		ip = c->body;
		RELOAD_MEM();
		DISPATCH();
	}
	/* throw a new exception of tag PTR(1) with the payload at fp + O(0) */
	CASE(THROW) {
		THROW_AT(new_exn(s, code, PTR(1), &R(0)), (size_t)(ip - code->body));
	}
	/* throw the exception R(0) again (throw_ref, rethrow) */
	CASE(THROW_REF) {
		struct chibi_exn *e = (struct chibi_exn *)(uintptr_t)R(0);

		if (UNLIKELY(!e))
			TRAP(CHIBI_TRAP_NULL_EXNREF);
		s->cur_func_index = code->func->index;
		s->cur_inst = code->func->inst;
		THROW_AT(e, (size_t)(ip - code->body));
	}
	/* R(0) := R(1) */
	CASE(MOV) {
		R(0) = R(1);
		NEXT(2);
	}
	/* R(0) := R(1); R(2) := R(3) (two moves fused) */
	CASE(MOV2) {
		R(0) = R(1);
		R(2) = R(3);
		NEXT(4);
	}
	/* R(0) := R(1) + O(2); R(3) := acc := R(4) + O(5) (two fused i32.add immediates) */
	CASE(I32_ADD_I2) {
		R(0) = (uint32_t)(R(1) + O(2));
		R(3) = acc = (uint32_t)(R(4) + O(5));
		NEXT(6);
	}
	/* R(0) := O(1), sign-extended (i32 constants, small i64 ones) */
	CASE(CONST32) {
		R(0) = (uint64_t)(int64_t)(int32_t)O(1);
		NEXT(2);
	}
	/* R(0) := the 64-bit constant at O(1) */
	CASE(CONST64) {
		R(0) = load_u64(&O(1));
		NEXT(1 + IC_PWORDS);
	}
	/* R(0) := R(3) ? R(1) : R(2) */
	CASE(SELECT) {
		R(0) = (uint32_t)R(3) ? R(1) : R(2);
		NEXT(4);
	}
	/* R(0) := global PTR(1) */
	CASE(GLOBAL_GET) {
		const struct chibi_global *g = PTR(1);

		R(0) = g->value;
		NEXT(1 + IC_PWORDS);
	}
	/* global PTR(1) := R(0) (_A: acc) */
	CASE(GLOBAL_SET) {
		struct chibi_global *g = PTR(1);

		g->value = R(0);
		NEXT(1 + IC_PWORDS);
	}
	CASE(GLOBAL_SET_A) {
		struct chibi_global *g = PTR(1);

		g->value = acc;
		NEXT(1 + IC_PWORDS);
	}

	/* ---- memory ---- */

	/* Effective address = u32 base + u32 offset, checked in 64 bits against the current
	 * size; the access goes through memcpy (unaligned, little-endian host). */
	/* ea is the u32 address plus the u32 offset; the P forms first do the folded i32.add in
	 * 32 bits, exactly as the two instructions would. */
	/* Loads: R(0) := acc := mem[addr + O(2)] converted; addr is R(1), acc (_A), or
	 * R(1) + O(3) / acc + O(3) (_P/_PA).  Stores: mem[addr + O(2)] := value, with addr R(0) or
	 * acc (_A), value R(1), acc (_V) or the constant O(1) (_K, _KA). */
#define LOAD_V(name, T, conv, addr, nops)				\
	CASE(name) {							\
		uint64_t ea = (uint64_t)(uint32_t)(addr) + O(2);	\
		T v;							\
		if (UNLIKELY(ea + sizeof(T) > msize))			\
			TRAP(CHIBI_TRAP_MEMORY_OOB);			\
		memcpy(&v, mbase + ea, sizeof(T));			\
		R(0) = acc = conv;					\
		NEXT(nops);						\
	}
/* The _X forms: a 64-bit memory 0, an i64 address and a u32 offset (the translator sends
 * larger offsets through MEMX).  end = address + offset + size must not carry out of 64
 * bits; then end <= msize is the whole check. */
#define LOAD_X(name, T, conv, addr)					\
	CASE(name) {							\
		uint64_t end;						\
		T v;							\
		if (UNLIKELY(__builtin_add_overflow((uint64_t)(addr),	\
				(uint64_t)O(2) + sizeof(T), &end) ||	\
			     end > msize))				\
			TRAP(CHIBI_TRAP_MEMORY_OOB);			\
		memcpy(&v, mbase + end - sizeof(T), sizeof(T));		\
		R(0) = acc = conv;					\
		NEXT(3);						\
	}
#define LOAD(name, T, conv)						\
	LOAD_V(name, T, conv, R(1), 3)					\
	LOAD_V(name##_A, T, conv, acc, 3)				\
	LOAD_V(name##_P, T, conv, R(1) + O(3), 4)			\
	LOAD_V(name##_PA, T, conv, acc + O(3), 4)			\
	LOAD_X(name##_X, T, conv, R(1))				\
	LOAD_X(name##_XA, T, conv, acc)
#define STORE_V(name, T, addr, val)					\
	CASE(name) {							\
		uint64_t ea = (uint64_t)(uint32_t)(addr) + O(2);	\
		T v = (T)(val);						\
		if (UNLIKELY(ea + sizeof(T) > msize))			\
			TRAP(CHIBI_TRAP_MEMORY_OOB);			\
		memcpy(mbase + ea, &v, sizeof(T));			\
		NEXT(3);						\
	}
#define STORE_X(name, T, addr, val)					\
	CASE(name) {							\
		uint64_t end;						\
		T v = (T)(val);						\
		if (UNLIKELY(__builtin_add_overflow((uint64_t)(addr),	\
				(uint64_t)O(2) + sizeof(T), &end) ||	\
			     end > msize))				\
			TRAP(CHIBI_TRAP_MEMORY_OOB);			\
		memcpy(mbase + end - sizeof(T), &v, sizeof(T));		\
		NEXT(3);						\
	}
#define STORE(name, T)							\
	STORE_V(name, T, R(0), R(1))					\
	STORE_V(name##_A, T, acc, R(1))				\
	STORE_V(name##_V, T, R(0), acc)				\
	STORE_V(name##_K, T, R(0), (int64_t)(int32_t)O(1))		\
	STORE_V(name##_KA, T, acc, (int64_t)(int32_t)O(1))		\
	STORE_X(name##_X, T, R(0), R(1))				\
	STORE_X(name##_XA, T, acc, R(1))				\
	STORE_X(name##_XV, T, R(0), acc)				\
	STORE_X(name##_XK, T, R(0), (int64_t)(int32_t)O(1))		\
	STORE_X(name##_XKA, T, acc, (int64_t)(int32_t)O(1))
	LOAD(I32_LOAD, uint32_t, v)
	LOAD(I64_LOAD, uint64_t, v)
	LOAD(F32_LOAD, uint32_t, v)
	LOAD(F64_LOAD, uint64_t, v)
	LOAD(I32_LOAD8_S, int8_t, (uint32_t)(int32_t)v)
	LOAD(I32_LOAD8_U, uint8_t, v)
	LOAD(I32_LOAD16_S, int16_t, (uint32_t)(int32_t)v)
	LOAD(I32_LOAD16_U, uint16_t, v)
	LOAD(I64_LOAD8_S, int8_t, (uint64_t)(int64_t)v)
	LOAD(I64_LOAD8_U, uint8_t, v)
	LOAD(I64_LOAD16_S, int16_t, (uint64_t)(int64_t)v)
	LOAD(I64_LOAD16_U, uint16_t, v)
	LOAD(I64_LOAD32_S, int32_t, (uint64_t)(int64_t)v)
	LOAD(I64_LOAD32_U, uint32_t, v)
	STORE(I32_STORE, uint32_t)
	STORE(I64_STORE, uint64_t)
	STORE(F32_STORE, uint32_t)
	STORE(F64_STORE, uint64_t)
	STORE(I32_STORE8, uint8_t)
	STORE(I32_STORE16, uint16_t)
	STORE(I64_STORE8, uint8_t)
	STORE(I64_STORE16, uint16_t)
	STORE(I64_STORE32, uint32_t)
#undef LOAD_V
#undef STORE_V
#undef LOAD_X
#undef STORE_X
#undef LOAD
#undef STORE

	/* An address operand of memory m as a u64: a 32-bit memory's i32 has unspecified
	 * upper slot bits. */
#define MADDR(m, x) ((m)->is64 ? (x) : (uint64_t)(uint32_t)(x))
	/* R(0) := size in pages of memory PTR(1) */
	CASE(MEMORY_SIZE) {
		const struct chibi_memory *m = PTR(1);

		R(0) = m->pages;
		NEXT(1 + IC_PWORDS);
	}
	/* R(0) := old page count after growing memory PTR(2) by R(1) pages, or -1 (of the
	 * memory's index type); the base may move */
	CASE(MEMORY_GROW) {
		struct chibi_memory *m = PTR(2);
		int64_t old = mem_grow(m, MADDR(m, R(1)));

		RELOAD_MEM();
		R(0) = MADDR(m, (uint64_t)old); /* -1 becomes 0xffffffff for 32-bit memories */
		NEXT(2 + IC_PWORDS);
	}
	/* copy R(2) bytes of data segment O(3) from offset R(1) to address R(0) of memory
	 * PTR(4) */
	CASE(MEMORY_INIT) {
		const struct chibi_instance *inst = code->func->inst;
		struct chibi_memory *m = PTR(4);
		uint32_t seg = O(3);
		const struct data *ds = &inst->mod->datas[seg];
		uint64_t len = inst->data_dropped[seg] ? 0 : ds->len;
		uint64_t d = MADDR(m, R(0)), src = (uint32_t)R(1), n = (uint32_t)R(2);

		if (UNLIKELY(src + n > len || n > m->size || d > m->size - n))
			TRAP(CHIBI_TRAP_MEMORY_OOB);
		if (n)
			memcpy(m->data + d, ds->bytes + src, n);
		NEXT(4 + IC_PWORDS);
	}
	/* data segment O(0) becomes empty */
	CASE(DATA_DROP) {
		code->func->inst->data_dropped[O(0)] = true;
		NEXT(1);
	}
	/* move R(2) bytes from address R(1) of memory PTR(3 + IC_PWORDS) to address R(0) of
	 * memory PTR(3) (overlap allowed); the length is i64 only between 64-bit memories */
	CASE(MEMORY_COPY) {
		struct chibi_memory *dm = PTR(3), *sm = PTR(3 + IC_PWORDS);
		uint64_t d = MADDR(dm, R(0)), src = MADDR(sm, R(1));
		uint64_t n = dm->is64 && sm->is64 ? R(2) : (uint32_t)R(2);

		if (UNLIKELY(n > sm->size || src > sm->size - n || n > dm->size ||
			     d > dm->size - n))
			TRAP(CHIBI_TRAP_MEMORY_OOB);
		if (n)
			memmove(dm->data + d, sm->data + src, n);
		NEXT(3 + 2 * IC_PWORDS);
	}
	/* set R(2) bytes at address R(0) of memory PTR(3) to the byte R(1) */
	CASE(MEMORY_FILL) {
		struct chibi_memory *m = PTR(3);
		uint64_t d = MADDR(m, R(0)), n = MADDR(m, R(2));

		if (UNLIKELY(n > m->size || d > m->size - n))
			TRAP(CHIBI_TRAP_MEMORY_OOB);
		if (n)
			memset(m->data + d, (uint8_t)R(1), n);
		NEXT(3 + IC_PWORDS);
	}
	/* R(1) := 0 and the memory registers at address R(0) + off of memory PTR(2), checked
	 * for O(4 + IC_PWORDS) bytes (see interp_ops.def) */
	CASE(MEMX) {
		const struct chibi_memory *m = PTR(2);
		uint64_t a = MADDR(m, R(0)), ea = a + load_u64(&O(2 + IC_PWORDS));
		uint32_t size = O(2 + 2 * IC_PWORDS);

		/* ea wraps only for 64-bit memories, and then lies past any memory */
		if (UNLIKELY(ea < a || size > m->size || ea > m->size - size))
			TRAP(CHIBI_TRAP_MEMORY_OOB);
		mbase = m->data + ea;
		msize = m->size - ea;
		R(1) = 0;
		NEXT(3 + 2 * IC_PWORDS);
	}
	CASE(MEMX_END) {
		RELOAD_MEM();
		NEXT(0);
	}
#undef MADDR

	/* ---- tables (funcref elements are struct chibi_func *, null = NULL) ---- */

	/* R(0) := table PTR(2)[R(1)] */
	CASE(TABLE_GET) {
		const struct chibi_table *t = PTR(2);
		uint64_t i = R(1) & t->index_mask;

		if (UNLIKELY(i >= t->size))
			TRAP(CHIBI_TRAP_TABLE_OOB);
		R(0) = (uint64_t)(uintptr_t)t->elems[i];
		NEXT(2 + IC_PWORDS);
	}
	/* table PTR(2)[R(0)] := R(1) */
	CASE(TABLE_SET) {
		struct chibi_table *t = PTR(2);
		uint64_t i = R(0) & t->index_mask;

		if (UNLIKELY(i >= t->size))
			TRAP(CHIBI_TRAP_TABLE_OOB);
		t->elems[i] = (void *)(uintptr_t)R(1);
		NEXT(2 + IC_PWORDS);
	}
	/* R(0) := size of table PTR(1) */
	CASE(TABLE_SIZE) {
		const struct chibi_table *t = PTR(1);

		R(0) = t->size;
		NEXT(1 + IC_PWORDS);
	}
	/* R(0) := old size after growing table PTR(3) by R(2) elements of value R(1), or -1 */
	CASE(TABLE_GROW) {
		struct chibi_table *t = PTR(3);
		int64_t old = table_grow(t, R(2) & t->index_mask, (void *)(uintptr_t)R(1));

		R(0) = (uint64_t)old & t->index_mask; /* -1 in the table's index type */
		NEXT(3 + IC_PWORDS);
	}
	/* set R(2) elements of table PTR(3) from R(0) on to R(1) */
	CASE(TABLE_FILL) {
		struct chibi_table *t = PTR(3);
		uint64_t i = R(0) & t->index_mask, n = R(2) & t->index_mask;
		void *v = (void *)(uintptr_t)R(1);

		if (UNLIKELY(n > t->size || i > t->size - n))
			TRAP(CHIBI_TRAP_TABLE_OOB);
		for (uint64_t k = 0; k < n; k++)
			t->elems[i + k] = v;
		NEXT(3 + IC_PWORDS);
	}
	/* move R(2) elements from table PTR(3 + IC_PWORDS) at R(1) to table PTR(3) at R(0) */
	CASE(TABLE_COPY) {
		struct chibi_table *dt = PTR(3), *st = PTR(3 + IC_PWORDS);
		uint64_t d = R(0) & dt->index_mask, src = R(1) & st->index_mask;
		uint64_t n = R(2) & dt->index_mask & st->index_mask;

		if (UNLIKELY(n > st->size || src > st->size - n || n > dt->size ||
			     d > dt->size - n))
			TRAP(CHIBI_TRAP_TABLE_OOB);
		if (n)
			memmove(&dt->elems[d], &st->elems[src], n * sizeof(void *));
		NEXT(3 + 2 * IC_PWORDS);
	}
	/* copy R(2) references of element segment O(3) from R(1) to table PTR(4) at R(0) */
	CASE(TABLE_INIT) {
		struct chibi_table *t = PTR(4);
		const struct elem_inst *e = &code->func->inst->elems[O(3)];
		uint64_t d = R(0) & t->index_mask, src = (uint32_t)R(1), n = (uint32_t)R(2);

		if (UNLIKELY(src + n > e->n || n > t->size || d > t->size - n))
			TRAP(CHIBI_TRAP_TABLE_OOB);
		if (n)
			memcpy(&t->elems[d], &e->refs[src], n * sizeof(void *));
		NEXT(4 + IC_PWORDS);
	}
	/* element segment O(0) becomes empty */
	CASE(ELEM_DROP) {
		/* The instance frees the references with the instance; n = 0 is "dropped". */
		code->func->inst->elems[O(0)].n = 0;
		NEXT(1);
	}

	/* ---- SIMD (V(i): the slot pair R(i), R(i) + 1; see interp_ops.def) ---- */

#define V(i) (&fp[O(i)])
	/* V(0) := the 16 bytes in words 1-4 */
	CASE(V128_CONST) {
		v128_put(V(0), v128_make(load_u64(&O(1)), load_u64(&O(3))));
		NEXT(5);
	}
	/* V(0) := V(1).  v128 values move as one 16-byte copy: two 8-byte stores read back
	 * by a 16-byte load miss store-to-load forwarding (a stall longer than most SIMD
	 * handlers), so the translator keeps the halves of a pair together wherever it can. */
	CASE(MOV128) {
		v128_put(V(0), v128_get(V(1)));
		NEXT(2);
	}
	/* mem[R(0) + O(2)] := V(1) */
	CASE(V128_STORE) {
		uint64_t ea = (uint64_t)(uint32_t)R(0) + O(2);

		if (UNLIKELY(ea + 16 > msize))
			TRAP(CHIBI_TRAP_MEMORY_OOB);
		memcpy(mbase + ea, V(1), 16);
		NEXT(3);
	}
	/* V(0) := shuffle of V(1):V(2) by the 16 lane bytes in words 3-6 */
	CASE(I8X16_SHUFFLE) {
		uint8_t idx[16];

		memcpy(idx, &O(3), 16);
		v128_put(V(0), v128_shuffle(v128_get(V(1)), v128_get(V(2)), idx));
		NEXT(7);
	}
	/* V(0) := R(3) ? V(1) : V(2) */
	CASE(SELECT128) {
		v128_put(V(0), v128_get((uint32_t)R(3) ? V(1) : V(2)));
		NEXT(4);
	}
	/* V(0) := global PTR(1) */
	CASE(GLOBAL_GET128) {
		const struct chibi_global *g = PTR(1);

		v128_put(V(0), v128_make(g->value, g->hi));
		NEXT(1 + IC_PWORDS);
	}
	/* global PTR(1) := V(0) */
	CASE(GLOBAL_SET128) {
		struct chibi_global *g = PTR(1);
		v128 v = v128_get(V(0));

		g->value = v.u64[0];
		g->hi = v.u64[1];
		NEXT(1 + IC_PWORDS);
	}
	/* The generated families: one handler per lane-wise row, memory rows check
	 * [ea, ea + 2^memlog2) against the size first. */
#define VUN(n)								\
	CASE(n) {							\
		v128_put(V(0), v128_##n(v128_get(V(1))));		\
		NEXT(2);						\
	}
#define VBIN(n)								\
	CASE(n) {							\
		v128_put(V(0), v128_##n(v128_get(V(1)), v128_get(V(2)))); \
		NEXT(3);						\
	}
#define VTERN(n)							\
	CASE(n) {							\
		v128_put(V(0), v128_##n(v128_get(V(1)), v128_get(V(2)), \
					v128_get(V(3))));		\
		NEXT(4);						\
	}
#define VSHIFT(n)							\
	CASE(n) {							\
		v128_put(V(0), v128_##n(v128_get(V(1)), (uint32_t)R(2))); \
		NEXT(3);						\
	}
#define VTEST(n)							\
	CASE(n) {							\
		R(0) = acc = v128_##n(v128_get(V(1)));			\
		NEXT(2);						\
	}
#define VSPLAT(n)							\
	CASE(n) {							\
		v128_put(V(0), v128_##n(R(1)));				\
		NEXT(2);						\
	}
#define VEXTRACT(n)							\
	CASE(n) {							\
		R(0) = acc = v128_##n(v128_get(V(1)), O(2));		\
		NEXT(3);						\
	}
#define VREPLACE(n)							\
	CASE(n) {							\
		v128_put(V(0), v128_##n(v128_get(V(1)), R(2), O(3)));	\
		NEXT(4);						\
	}
#define VLOAD(n)							\
	CASE(n) {							\
		uint64_t ea = (uint64_t)(uint32_t)R(1) + O(2);		\
		if (UNLIKELY(ea + (1u << OPML_##n) > msize))		\
			TRAP(CHIBI_TRAP_MEMORY_OOB);			\
		v128_put(V(0), v128_##n(mbase + ea));			\
		NEXT(3);						\
	}
#define VLOADLANE(n)							\
	CASE(n) {							\
		enum { ML = OPML_##n };					\
		uint64_t ea = (uint64_t)(uint32_t)R(1) + O(3);		\
		v128 v = v128_get(V(2));				\
		if (UNLIKELY(ea + (1u << ML) > msize))			\
			TRAP(CHIBI_TRAP_MEMORY_OOB);			\
		memcpy(&v.u8[(O(4) << ML) & 15], mbase + ea, 1u << ML);	\
		v128_put(V(0), v);					\
		NEXT(5);						\
	}
#define VSTORELANE(n)							\
	CASE(n) {							\
		enum { ML = OPML_##n };					\
		uint64_t ea = (uint64_t)(uint32_t)R(0) + O(2);		\
		v128 v = v128_get(V(1));				\
		if (UNLIKELY(ea + (1u << ML) > msize))			\
			TRAP(CHIBI_TRAP_MEMORY_OOB);			\
		memcpy(mbase + ea, &v.u8[(O(3) << ML) & 15], 1u << ML);	\
		NEXT(4);						\
	}
#include "interp_ops.def"
#undef V

	/* ---- numeric, generated ---- */

	/* Operand sources by form: words 1, 2 for NUM*, words 0, 1 for CMPBR. */
#define IMM(i) ((uint64_t)(int64_t)(int32_t)O(i))
#define NA_R R(1)
#define NA_A acc
#define NA_RR R(1)
#define NB_RR R(2)
#define NA_AR acc
#define NB_AR R(2)
#define NA_RB R(1)
#define NB_RB acc
#define NA_RI R(1)
#define NB_RI IMM(2)
#define NA_AI acc
#define NB_AI IMM(2)
#define CA_RR R(0)
#define CB_RR R(1)
#define CA_RI R(0)
#define CB_RI IMM(1)
#define CA_AR acc
#define CB_AR R(1)
#define CA_RB R(0)
#define CB_RB acc
#define CA_AI acc
#define CB_AI IMM(1)
	/* The numeric handlers, one per operator and operand form (interp_ops.def): NUM1/NUM2
	 * R(0) := acc := op(a[, b]), trapping when num_op says so; CMPBR jumps to O(2) when the
	 * comparison holds; ADDBR is an i32.add of an immediate, R(0) := acc := R(1) + O(2),
	 * fused with a compare of the sum against R(3)/O(3) and a branch to O(4). */
#define NUM1_H(name, op, form, poll)					\
	CASE(name) {							\
		int tk_ = 0;						\
		uint64_t r_ = num_##op(NA_##form, &tk_);		\
		if (UNLIKELY(tk_))					\
			TRAP(tk_);					\
		R(0) = acc = r_;					\
		NEXT(2);						\
	}
#define NUM2_H(name, op, form, poll)					\
	CASE(name) {							\
		int tk_ = 0;						\
		uint64_t r_ = num_##op(NA_##form, NB_##form, &tk_);	\
		if (UNLIKELY(tk_))					\
			TRAP(tk_);					\
		R(0) = acc = r_;					\
		NEXT(3);						\
	}
#define CMPBR_H(name, op, form, poll)					\
	CASE(name) {							\
		int tk_ = 0;						\
		if (num_##op(CA_##form, CB_##form, &tk_)) {		\
			if (poll)					\
				POLL();					\
			JUMP(2);					\
		}							\
		NEXT(3);						\
	}
#define XB_XR R(3)
#define XB_XI IMM(3)
#define ADDBR_H(name, op, form, poll)					\
	CASE(name) {							\
		int tk_ = 0;						\
		R(0) = acc = (uint32_t)(R(1) + O(2));			\
		if (num_##op(acc, XB_##form, &tk_)) {			\
			if (poll)					\
				POLL();					\
			JUMP(4);					\
		}							\
		NEXT(5);						\
	}
#define NUM1(n) NUM1_FORMS(NUM1_H, n)
#define NUM2(n) NUM2_FORMS(NUM2_H, n)
#define NUM2I(n) NUM2I_FORMS(NUM2_H, n)
#define CMPBR(n) CMPBR_FORMS(CMPBR_H, n)
#define ADDBR(n) ADDBR_FORMS(ADDBR_H, n)
#include "interp_ops.def"

	LOOP_END
}

/* Handler table; see interp.h.  Filled once per process, on the first translation. */
static const void *handler_tab[IOP_COUNT];
static pthread_once_t handler_tab_once = PTHREAD_ONCE_INIT;

static void handler_tab_fill(void)
{
	run(NULL, NULL, NULL, handler_tab);
}

const void *const *interp_handlers(void)
{
	pthread_once(&handler_tab_once, handler_tab_fill);
	return handler_tab;
}

/* Run f with arguments in slots; see runtime.h.  Host functions are called directly. */
void interp_invoke(struct chibi_store *s, struct chibi_func *f, uint64_t *slots)
{
	if (f->kind != FUNC_WASM) {
		call_host(s, NULL, f, slots, s->stack + s->stack_slots);
		return;
	}
	run(s, f, slots, NULL);
}

/* Free the translated code of f (NULL-safe on never-called functions). */
void interp_free_code(struct chibi_func *f)
{
	vm_free(f->interp_code);
	f->interp_code = NULL;
}
