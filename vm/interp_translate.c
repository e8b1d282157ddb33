/* vm/interp_translate.c - one pass from validated Wasm bytecode to the interpreter's
 * slot-addressed threaded code (format and frame layout in vm/interp.h).
 *
 * Keeps a shadow operand stack whose entries say where each value lives: its own frame slot,
 * a local (local.get is folded into the consumer), or a constant (folded into immediate
 * forms, or materialised on demand).  Fuses producer + local.set/tee, integer compare +
 * br_if/if, and resolves every branch to a code address.  Does not validate: the input has
 * passed vm/validate.c, whose side table (vm/flow.h) gives the block structure, every
 * branch's target and the dead code to step over; the translator keeps no control stack,
 * only per-block state indexed by block id.  Entry point: interp_translate.
 */
#include <stddef.h>
#include <string.h>

#include "alloc.h"
#include "engine.h"
#include "flow.h"
#include "instr.h"
#include "interp.h"
#include "interp_num.h"
#include "v128.h"

/* Where a value on the shadow operand stack lives. */
enum ent_kind {
	E_OWN,   /* in its own slot: S + depth (the only kind a join point may hold) */
	E_LOCAL, /* still in local `slot` (a folded local.get) */
	E_CONST, /* a constant not yet written anywhere */
};

struct ent {
	uint8_t kind;
	bool hi;        /* the high half of a v128 (the entry below is its low half) */
	uint32_t slot;  /* E_OWN: S + depth; E_LOCAL: the local's slot */
	uint64_t bits;  /* E_CONST */
};

/* What the translator keeps per block (indexed by block id); the rest is in the side table. */
struct blk {
	uint8_t kind;       /* enum flow_kind */
	uint32_t height;    /* operand depth below the block's parameters */
	uint32_t nparams, nresults; /* in slots */
	const vtype *params, *results; /* their types ... */
	uint32_t np, nr;    /* ... and counts */
	uint32_t label;     /* FLOW_LOOP: word index of the loop head */
	uint32_t fix;       /* chain of target words waiting for the end address (0 = none) */
	uint32_t else_fix;  /* FLOW_IF: chain of the jump to the else arm */
	uint32_t stub_at, stub_gen; /* br_table: its stub to this block, if stub_gen == gen */
	/* exception handling */
	uint32_t depth;     /* nesting depth (the function's block is 0) */
	uint32_t try_level; /* legacy try blocks enclosing it, itself included */
	uint8_t eh;         /* EH_NONE, EH_TRY_TABLE, EH_TRY (legacy, in its body), EH_ARMS */
	uint32_t hstart;    /* first body word */
	uint32_t body_end;  /* legacy try: word of its first catch */
	uint32_t hfirst, hlast; /* its clauses (indices into tr.cl), UINT32_MAX: none */
	uint32_t exn_slot;  /* legacy try: slot of the caught exception in its arms */
};

enum { EH_NONE, EH_TRY_TABLE, EH_TRY, EH_ARMS };

/* A branch condition: R[a] != 0, R[a] == 0, or an integer compare of R[a] with R[b]/imm. */
struct cond {
	uint16_t opc;  /* 0, OPC_I32_EQZ, or a compare opcode with a CMPBR row */
	bool imm;
	uint32_t a, b;
};

struct tr {
	struct chibi_func *f;
	struct chibi_instance *inst;
	const struct module *m;
	const void *const *h;     /* handler words */

	uint32_t *code;           /* output */
	size_t len, cap;
	size_t mov_at;            /* a MOV ending at len that may become MOV2, else SIZE_MAX */
	size_t last_at;           /* start of the last instruction, SIZE_MAX after a label */
	unsigned last_op;         /* its iop */
	bool prologue;            /* no label bound yet: straight-line code from the entry */
	uint64_t dirty;           /* declared local slots nparams + i (i < 64) written so far */
	uint32_t nparams;         /* slots of the parameters */
	uint32_t nlocals;         /* slots of the parameters and declared locals */
	uint32_t *lslot;          /* slot of each local, when some local is a v128; else NULL
	                           * and local x is slot x */
	const vtype *ptypes, *ltypes;   /* parameter and declared local types */
	size_t acc_end;           /* code length right after the last acc producer ... */
	uint32_t acc_slot;        /* ... and the slot it wrote (see interp_ops.def) */

	struct ent *stk;          /* shadow operand stack */
	uint32_t sp, max_sp, stk_cap;
	uint32_t nrefs;           /* E_LOCAL entries on stk */
	uint32_t S;               /* slot of operand depth 0 */
	uint32_t hdr, nresults;

	struct flow_cursor fc;    /* position in the validator's side table */
	struct blk *blk;          /* per block id */
	bool dead;                /* the else/end at hand is reached only over dead code */

	uint32_t gen;             /* br_table: numbers the tables, for blk.stub_gen */

	const uint8_t *body, *p, *end; /* input */
	struct instr nx;          /* one instruction of lookahead */
	bool has_nx, nx_dead;     /* nx_dead: dead code was skipped to reach nx */
	struct chibi_diag diag;

	const char *failed;       /* sticky: why the translation is given up (out of memory) */

	/* exception handlers (interp.h), in the order their blocks close */
	struct ihandler *hs;
	struct iclause *cl;
	size_t nh, hcap, ncl, clcap;
	uint32_t exn_base;        /* slot of the exception of legacy try level 1 */
};

/* Stand-in memory of modules without one: keeps the executor's cache reload branch-free. */
static uint8_t no_memory_byte;
static struct chibi_memory no_memory = { .data = &no_memory_byte };

/* ---- opcode maps, all generated from interp_ops.def (0 = no such form) ---- */

static const uint16_t iop_of[OPC_LIMIT] = {
#define VOP(n) [OPC_##n] = IOP_##n,
#define NUM1(n) [OPC_##n] = IOP_##n,
#define NUM2(n) [OPC_##n] = IOP_##n,
#define LOADOP(n) [OPC_##n] = IOP_##n,
#define STOREOP(n) [OPC_##n] = IOP_##n,
#include "interp_ops.def"
};

static const uint16_t imm_iop_of[OPC_LIMIT] = {
#define NUM2I(n) [OPC_##n] = IOP_##n##_I,
#include "interp_ops.def"
};

static const uint16_t br_iop_of[OPC_LIMIT] = {
#define CMPBR(n) [OPC_##n] = IOP_BR_##n,
#include "interp_ops.def"
};

static const uint16_t addbr_iop_of[OPC_LIMIT] = {
#define ADDBR(n) [OPC_##n] = IOP_ADDBR_##n,
#include "interp_ops.def"
};

/* Constant folding uses the executor's own semantics, so results are bit-identical. */
static uint64_t fold1(uint16_t op, uint64_t a, int *trap)
{
	switch (op) {
#define NUM1(n) case OPC_##n: return num_##n(a, trap);
#include "interp_ops.def"
	default: *trap = 1; return 0;
	}
}

static uint64_t fold2(uint16_t op, uint64_t a, uint64_t b, int *trap)
{
	switch (op) {
#define NUM2(n) case OPC_##n: return num_##n(a, b, trap);
#include "interp_ops.def"
	default: *trap = 1; return 0;
	}
}

/* True if a 64-bit constant survives the trip through a sign-extended 32-bit immediate. */
static bool fits32(uint64_t v)
{
	uint64_t lo = v & 0xffffffffu;

	return v == ((lo & 0x80000000u) ? (lo | 0xffffffff00000000ull) : lo);
}

/* ---- emission ---- */

/* Room for n more words.  On failure the translation is marked failed and the output
 * rewound, so the fixed-size writes that follow stay inside the buffer (which is at least 64
 * words); the walk stops after the instruction and nothing emitted is used. */
static bool reserve(struct tr *t, size_t n)
{
	if (t->len + n <= t->cap)
		return true;
	if (!VM_GROW(t->code, t->cap, t->len + n)) {
		t->failed = "out of memory";
		t->len = 0;
		return false;
	}
	return true;
}

/* Start an instruction; room for its fixed-size operands is reserved here. */
static void emit_op(struct tr *t, unsigned op)
{
	reserve(t, 16);
	t->last_at = t->len;
	t->last_op = op;
	t->code[t->len] = t->code[t->len + 1] = 0;
	memcpy(&t->code[t->len], &t->h[op], sizeof(void *));
	t->len += IC_HWORDS;
	t->mov_at = SIZE_MAX;
}

static void w(struct tr *t, uint32_t v)
{
	t->code[t->len++] = v;
}

static void wptr(struct tr *t, const void *p)
{
	t->code[t->len] = t->code[t->len + 1] = 0;
	memcpy(&t->code[t->len], &p, sizeof(p));
	t->len += IC_PWORDS;
}

static void w64(struct tr *t, uint64_t v)
{
	memcpy(&t->code[t->len], &v, sizeof(v));
	t->len += IC_PWORDS;
}

/* Bind a label at the current position: nothing emitted before may be extended past it. */
static uint32_t here(struct tr *t)
{
	t->mov_at = SIZE_MAX;
	t->acc_end = SIZE_MAX;
	t->last_at = SIZE_MAX;
	t->prologue = false;
	return (uint32_t)t->len;
}

/* Is the instruction that ends the code so far `op` (with nothing bound after it)? */
static bool last_is(const struct tr *t, unsigned op)
{
	return t->last_at != SIZE_MAX && t->last_op == op;
}

/* Local x is written; returns false if the write can be skipped because x is a declared
 * local still holding its entry zero and `zero` is what would be written. */
static bool write_local(struct tr *t, uint32_t x, bool zero)
{
	uint32_t i = x - t->nparams;
	bool tracked = t->prologue && x >= t->nparams && i < 64;

	if (tracked && zero && !(t->dirty >> i & 1))
		return false;
	if (tracked)
		t->dirty |= 1ull << i;
	return true;
}

/* Is `slot` what the instruction just emitted produced, so that it is still in acc?  Any
 * later emission or label makes the answer no, so callers ask right before emit_op. */
static bool in_acc(const struct tr *t, uint32_t slot)
{
	return t->acc_end == t->len && t->acc_slot == slot;
}

/* The instruction just emitted wrote `slot` and acc. */
static void produced(struct tr *t, uint32_t slot)
{
	t->acc_end = t->len;
	t->acc_slot = slot;
}

/* Write a target word aiming at block c (loop head now, block end later). */
static void w_target(struct tr *t, struct blk *c)
{
	uint32_t at = (uint32_t)t->len;

	if (c->kind == FLOW_LOOP) {
		w(t, c->label - at);
	} else {
		w(t, c->fix);
		c->fix = at;
	}
}

/* Resolve a chain of target words to `target` (not after a failure: the chain is gone). */
static void patch(struct tr *t, uint32_t chain, uint32_t target)
{
	while (chain && !t->failed) {
		uint32_t next = t->code[chain];

		t->code[chain] = target - chain;
		chain = next;
	}
}

/* R[dst] = value of e (no-op when it is already there).  Consecutive moves pair into MOV2. */
static void emit_move(struct tr *t, uint32_t dst, const struct ent *e)
{
	if (e->kind == E_CONST) {
		if (fits32(e->bits)) {
			emit_op(t, IOP_CONST32);
			w(t, dst);
			w(t, (uint32_t)e->bits);
		} else {
			emit_op(t, IOP_CONST64);
			w(t, dst);
			w64(t, e->bits);
		}
		return;
	}
	if (e->slot == dst)
		return;
	if (t->mov_at != SIZE_MAX) {
		memcpy(&t->code[t->mov_at], &t->h[IOP_MOV2], sizeof(void *));
		reserve(t, 2);
		w(t, dst);
		w(t, e->slot);
		t->mov_at = SIZE_MAX;
		return;
	}
	emit_op(t, IOP_MOV);
	t->mov_at = t->len - IC_HWORDS;
	w(t, dst);
	w(t, e->slot);
}

/* V[dst] = the v128 whose halves are lo and hi, as one instruction when possible. */
static void emit_move_pair(struct tr *t, uint32_t dst, const struct ent *lo,
			   const struct ent *hi)
{
	if (lo->kind == E_CONST && hi->kind == E_CONST) {
		emit_op(t, IOP_V128_CONST);
		w(t, dst);
		w64(t, lo->bits);
		w64(t, hi->bits);
		return;
	}
	if (lo->kind != E_CONST && hi->kind != E_CONST && hi->slot == lo->slot + 1) {
		if (lo->slot != dst) {
			emit_op(t, IOP_MOV128);
			w(t, dst);
			w(t, lo->slot);
		}
		return;
	}
	emit_move(t, dst, lo);
	emit_move(t, dst + 1, hi);
}

/* R[dst + i] = e[i] for n entries (branch and return values), v128 pairs together. */
static void emit_moves(struct tr *t, uint32_t dst, const struct ent *e, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++) {
		if (i + 1 < n && e[i + 1].hi) {
			emit_move_pair(t, dst + i, &e[i], &e[i + 1]);
			i++;
			continue;
		}
		emit_move(t, dst + i, &e[i]);
	}
}

/* ---- shadow stack ---- */

/* The validator's max_stack bounds the shadow stack, which mirrors the operand stack one
 * entry per value; going past it would be a bug, caught rather than trusted. */
static struct ent *push(struct tr *t)
{
	if (t->sp == t->stk_cap) {
		t->failed = "shadow stack above the validator's max_stack";
		return &t->stk[t->sp - 1];
	}
	if (t->sp + 1 > t->max_sp)
		t->max_sp = t->sp + 1;
	t->stk[t->sp].hi = false;
	return &t->stk[t->sp++];
}

/* The entry just pushed is the high half of a v128. */
static void mark_hi(struct tr *t)
{
	t->stk[t->sp - 1].hi = true;
}

static void push_own(struct tr *t)
{
	struct ent *e = push(t);

	e->kind = E_OWN;
	e->slot = t->S + t->sp - 1;
}

static void push_local(struct tr *t, uint32_t x)
{
	struct ent *e = push(t);

	e->kind = E_LOCAL;
	e->slot = x;
	t->nrefs++;
}

static void push_const(struct tr *t, uint64_t bits)
{
	struct ent *e = push(t);

	e->kind = E_CONST;
	e->bits = bits;
}

static struct ent pop(struct tr *t)
{
	struct ent e = t->stk[--t->sp];

	if (e.kind == E_LOCAL)
		t->nrefs--;
	return e;
}

/* Slots a list of values of these types takes. */
static uint32_t slots_of(const vtype *types, uint32_t n)
{
	uint32_t k = 0;

	for (uint32_t i = 0; i < n; i++)
		k += vt_slots(types[i]);
	return k;
}

/* Push values of these types in their own slots (block parameters or results, call
 * results): two entries for a v128. */
static void push_own_types(struct tr *t, const vtype *types, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++) {
		push_own(t);
		if (types[i] == VT_V128) {
			push_own(t);
			mark_hi(t);
		}
	}
}

/* Local index -> its type and its first slot. */
static vtype local_type(const struct tr *t, uint32_t x)
{
	uint32_t np = t->f->type->nparams;

	return x < np ? t->ptypes[x] : t->ltypes[x - np];
}

static uint32_t local_slot(const struct tr *t, uint32_t x)
{
	return t->lslot ? t->lslot[x] : x;
}

static void emit_move_pair(struct tr *t, uint32_t dst, const struct ent *lo,
			   const struct ent *hi);

/* Write entry i into its own slot; the low half of a v128 takes its high half along. */
static void materialize(struct tr *t, uint32_t i)
{
	struct ent *e = &t->stk[i];

	if (e->kind == E_OWN)
		return;
	if (i + 1 < t->sp && t->stk[i + 1].hi && t->stk[i + 1].kind != E_OWN) {
		struct ent *h = &t->stk[i + 1];

		t->nrefs -= (e->kind == E_LOCAL) + (h->kind == E_LOCAL);
		emit_move_pair(t, t->S + i, e, h);
		e->kind = h->kind = E_OWN;
		e->slot = t->S + i;
		h->slot = t->S + i + 1;
		return;
	}
	if (e->kind == E_LOCAL)
		t->nrefs--;
	emit_move(t, t->S + i, e);
	e->kind = E_OWN;
	e->slot = t->S + i;
}

static void materialize_all(struct tr *t)
{
	for (uint32_t i = 0; i < t->sp; i++)
		materialize(t, i);
}

/* Local x is about to change: pending reads of it must take the old value first. */
static void materialize_local(struct tr *t, uint32_t x)
{
	for (uint32_t i = 0; t->nrefs && i < t->sp; i++)
		if (t->stk[i].kind == E_LOCAL && t->stk[i].slot == x)
			materialize(t, i);
}

/* Slot holding a popped entry that sat at `depth`; a constant is written to its own slot. */
static uint32_t slot_of(struct tr *t, const struct ent *e, uint32_t depth)
{
	if (e->kind == E_CONST) {
		emit_move(t, t->S + depth, e);
		return t->S + depth;
	}
	return e->slot;
}

/* Pop n operands into slots (out[0] = deepest). */
static void pop_slots(struct tr *t, uint32_t n, uint32_t *out)
{
	struct ent e[3];

	for (uint32_t i = n; i-- > 0;)
		e[i] = pop(t);
	for (uint32_t i = 0; i < n; i++)
		out[i] = slot_of(t, &e[i], t->sp + i);
}

/* ---- lookahead ---- */

/* Read the next instruction, stepping over dead code where the side table says it starts. */
static void next(struct tr *t)
{
	uint32_t pos = flow_skip(&t->fc, (uint32_t)(t->p - t->body), &t->nx_dead);

	t->p = t->body + pos;
	t->has_nx = t->p < t->end;
	if (t->has_nx)
		instr_read(&t->p, t->end, t->m->bytes, &t->nx, &t->diag);
}

/* Destination slot of a result about to be pushed.  A following local.set/tee is absorbed:
 * the result goes straight into the local (after pending reads of it are materialised). */
static uint32_t dest(struct tr *t)
{
	if (t->has_nx && (t->nx.op == OPC_LOCAL_SET || t->nx.op == OPC_LOCAL_TEE)) {
		uint32_t x = local_slot(t, t->nx.a);
		bool tee = t->nx.op == OPC_LOCAL_TEE;

		next(t);
		write_local(t, x, false);
		materialize_local(t, x);
		if (tee)
			push_local(t, x);
		return x;
	}
	push_own(t);
	return t->S + t->sp - 1;
}

/* The same for a v128 result: the first of its two slots. */
static uint32_t dest_v(struct tr *t)
{
	if (t->has_nx && (t->nx.op == OPC_LOCAL_SET || t->nx.op == OPC_LOCAL_TEE)) {
		uint32_t x = local_slot(t, t->nx.a);
		bool tee = t->nx.op == OPC_LOCAL_TEE;

		next(t);
		write_local(t, x, false);
		write_local(t, x + 1, false);
		materialize_local(t, x);
		materialize_local(t, x + 1);
		if (tee) {
			push_local(t, x);
			push_local(t, x + 1);
			mark_hi(t);
		}
		return x;
	}
	push_own(t);
	push_own(t);
	mark_hi(t);
	return t->S + t->sp - 2;
}

static bool next_is_branch(struct tr *t)
{
	return t->has_nx && (t->nx.op == OPC_BR_IF || t->nx.op == OPC_IF);
}

/* ---- control ---- */

/* At a block, loop or if: the next block of the side table becomes the current one. */
static struct blk *open_blk(struct tr *t)
{
	const struct flow_block *fb = flow_get(t->fc.fl, flow_open(&t->fc));
	struct blk *c = &t->blk[t->fc.cur];

	flow_sig(t->m, fb, &c->params, &c->np, &c->results, &c->nr);
	c->nparams = slots_of(c->params, c->np);
	c->nresults = slots_of(c->results, c->nr);
	c->kind = fb->kind;
	c->height = fb->height;
	c->label = c->fix = c->else_fix = c->stub_gen = 0;
	c->depth = t->blk[fb->parent].depth + 1;
	c->try_level = t->blk[fb->parent].try_level;
	c->eh = EH_NONE;
	c->hfirst = c->hlast = UINT32_MAX;
	return c;
}

static uint32_t arity(const struct blk *c)
{
	return c->kind == FLOW_LOOP ? c->nparams : c->nresults;
}

/* Does a branch to c have to move values into the label's slots? */
static bool needs_moves(struct tr *t, const struct blk *c)
{
	uint32_t n = arity(c);

	for (uint32_t i = 0; i < n; i++) {
		const struct ent *e = &t->stk[t->sp - n + i];

		if (e->kind != E_OWN || e->slot != t->S + c->height + i)
			return true;
	}
	return false;
}

/* Return from the function with the top nresults values.  Leaves the shadow stack alone, so
 * it can sit on a conditional path. */
static void emit_return(struct tr *t)
{
	uint32_t n = t->nresults, base = t->sp - n;

	if (n == 1 && t->stk[base].kind != E_CONST) {
		emit_op(t, in_acc(t, t->stk[base].slot) ? IOP_RET1_A : IOP_RET1);
		w(t, t->stk[base].slot);
		w(t, t->hdr);
		return;
	}
	if (n == 1) {
		emit_move(t, 0, &t->stk[base]);
	} else if (n > 1) {
		/* Two phases: results may be read from locals that earlier moves would clobber;
		 * own slots lie above hdr >= n, clear of the destinations. */
		struct ent own[2];

		for (uint32_t i = 0; i < n; i++) {
			const struct ent *e = &t->stk[base + i];

			if (i + 1 < n && e[1].hi) {
				emit_move_pair(t, t->S + base + i, &e[0], &e[1]);
				i++;
			} else if (e->kind != E_OWN) {
				emit_move(t, t->S + base + i, e);
			}
		}
		for (uint32_t i = 0; i < n; i++) {
			own[0] = (struct ent){ .kind = E_OWN, .slot = t->S + base + i };
			own[1] = (struct ent){ .kind = E_OWN, .slot = t->S + base + i + 1,
					       .hi = true };
			if (i + 1 < n && t->stk[base + i + 1].hi) {
				emit_move_pair(t, i, &own[0], &own[1]);
				i++;
			} else {
				emit_move(t, i, &own[0]);
			}
		}
	}
	emit_op(t, IOP_RET);
	w(t, t->hdr);
}

/* Unconditional branch to c, carrying its values; the shadow stack is left alone. */
static void emit_branch(struct tr *t, struct blk *c)
{
	uint32_t n = arity(c);

	if (c->kind == FLOW_FUNC) {
		emit_return(t);
		return;
	}
	emit_moves(t, t->S + c->height, &t->stk[t->sp - n], n);
	emit_op(t, c->kind == FLOW_LOOP ? IOP_JMP_L : IOP_JMP);
	w_target(t, c);
}

/* Emit the branch instruction for `cond` (inverted if negate) up to its target word. */
static void emit_cond(struct tr *t, const struct cond *c, bool negate, bool back)
{
	bool acc_a = in_acc(t, c->a);

	if (c->opc == 0 || c->opc == OPC_I32_EQZ) {
		bool z = (c->opc == OPC_I32_EQZ) != negate;

		/* BR_NZ, BR_NZ_L, BR_NZ_A, BR_NZ_AL, then the same four for BR_Z */
		emit_op(t, (z ? IOP_BR_Z : IOP_BR_NZ) + (back ? 1u : 0u) + (acc_a ? 2u : 0u));
		w(t, c->a);
	} else {
		uint16_t opc = negate ? op_inverse(c->opc) : c->opc;
		unsigned form;
		bool acc_b = !c->imm && !acc_a && in_acc(t, c->b);

		/* Loop latch: the compared value was just made by an i32 add-immediate. */
		if ((acc_a || acc_b) && addbr_iop_of[opc] && last_is(t, IOP_I32_ADD_I)) {
			uint32_t *add = &t->code[t->last_at + IC_HWORDS];
			uint32_t d = add[0], src = add[1], imm = add[2];

			if (acc_b)
				opc = op_swapped(opc); /* cmp(R[a], acc) == swapped(acc, R[a]) */
			t->len = t->last_at;
			emit_op(t, addbr_iop_of[opc] + (c->imm ? IOPV_ADDBR_I : 0u) +
				(back ? IOPV_ADDBR_LOOP : 0u));
			w(t, d);
			w(t, src);
			w(t, imm);
			w(t, acc_b ? c->a : c->b);
			return;
		}
		if (c->imm)
			form = acc_a ? IOPV_CMP_AI : IOPV_CMP_RI;
		else
			form = acc_a ? IOPV_CMP_AR : in_acc(t, c->b) ? IOPV_CMP_RB : 0;
		emit_op(t, br_iop_of[opc] + form + (back ? IOPV_CMP_LOOP : 0u));
		w(t, c->a);
		w(t, c->b);
	}
}

/* Condition from the popped top of stack (br_if / if without a fused compare). */
static struct cond cond_from_top(struct tr *t)
{
	struct ent e = pop(t);
	struct cond c = { 0 };

	c.a = slot_of(t, &e, t->sp);
	return c;
}

static void do_br_if(struct tr *t, const struct cond *cd)
{
	struct blk *c = &t->blk[flow_target(&t->fc)];
	uint32_t skip;

	if (c->kind != FLOW_FUNC && !needs_moves(t, c)) {
		emit_cond(t, cd, false, c->kind == FLOW_LOOP);
		w_target(t, c);
		return;
	}
	/* Values must move first: branch around the moves when the condition is false. */
	emit_cond(t, cd, true, false);
	skip = (uint32_t)t->len;
	w(t, 0);
	emit_branch(t, c);
	patch(t, skip, here(t));
}

static void begin_block(struct tr *t)
{
	struct blk *c;

	/* Every join point sees all values in their own slots. */
	materialize_all(t);
	c = open_blk(t);
	if (c->kind == FLOW_LOOP)
		c->label = here(t);
}

static void do_if(struct tr *t, const struct cond *cd)
{
	struct blk *c;

	materialize_all(t);
	emit_cond(t, cd, true, false);
	c = open_blk(t);
	c->else_fix = (uint32_t)t->len;
	w(t, 0);
}

/* Reset the shadow stack to the block's height plus values of these types in their own
 * slots.  Entries below the height were materialised when the block began, so no local refs
 * remain. */
static void reset_stack(struct tr *t, const struct blk *c, const vtype *types, uint32_t n)
{
	t->sp = c->height;
	push_own_types(t, types, n);
	t->nrefs = 0;
}

static void do_else(struct tr *t)
{
	struct blk *c = &t->blk[t->fc.cur];

	if (!t->dead) {
		for (uint32_t i = t->sp - c->nresults; i < t->sp; i++)
			materialize(t, i);
		emit_op(t, IOP_JMP);
		w_target(t, c);
	}
	patch(t, c->else_fix, here(t));
	c->else_fix = 0;
	reset_stack(t, c, c->params, c->np);
}

static void do_end(struct tr *t)
{
	struct blk *c = &t->blk[flow_close(&t->fc)];
	uint32_t at;

	if (c->kind == FLOW_FUNC) {
		if (!t->dead)
			emit_return(t);
		return;
	}
	if (!t->dead)
		for (uint32_t i = t->sp - c->nresults; i < t->sp; i++)
			materialize(t, i);
	at = here(t);
	patch(t, c->fix, at);
	patch(t, c->else_fix, at); /* if without else: params == results, already in place */
	reset_stack(t, c, c->results, c->nr);
}

static void do_br_table(struct tr *t, const struct instr *in)
{
	struct ent e = pop(t);
	uint32_t a = slot_of(t, &e, t->sp), n = in->a, tab;

	if (!reserve(t, (size_t)n + 24))
		return;
	emit_op(t, IOP_BR_TABLE);
	w(t, a);
	w(t, n);
	tab = (uint32_t)t->len;
	t->len += (size_t)n + 1;
	t->gen++;
	for (uint32_t i = 0; i <= n; i++) {
		struct blk *c = &t->blk[flow_target(&t->fc)];
		uint32_t at = tab + i;

		if (c->kind != FLOW_FUNC && !needs_moves(t, c)) {
			if (c->kind == FLOW_LOOP) {
				t->code[at] = c->label - at;
			} else {
				t->code[at] = c->fix;
				c->fix = at;
			}
			continue;
		}
		/* Out-of-line stub (after the table, which is dead code) doing the moves. */
		if (c->stub_gen != t->gen) {
			c->stub_gen = t->gen;
			c->stub_at = here(t);
			emit_branch(t, c);
		}
		if (t->failed) /* the table's words are gone */
			return;
		t->code[at] = c->stub_at - at;
	}
}

/* ---- exception handling ---- */

/* Append a clause to block c's handler. */
static void add_clause(struct tr *t, struct blk *c, struct chibi_tag *tag, uint32_t pad, bool ref)
{
	if (t->ncl == t->clcap && !VM_GROW(t->cl, t->clcap, t->ncl + 1)) {
		t->failed = "out of memory";
		return;
	}
	t->cl[t->ncl] = (struct iclause){ .tag = tag, .pad = pad, .next = UINT32_MAX, .ref = ref };
	if (c->hlast == UINT32_MAX)
		c->hfirst = (uint32_t)t->ncl;
	else
		t->cl[c->hlast].next = (uint32_t)t->ncl;
	c->hlast = (uint32_t)t->ncl++;
}

/* Block c closes: its handler covers [c->hstart, end). */
static void add_handler(struct tr *t, const struct blk *c, uint32_t end, uint32_t delegate)
{
	if (t->nh == t->hcap && !VM_GROW(t->hs, t->hcap, t->nh + 1)) {
		t->failed = "out of memory";
		return;
	}
	t->hs[t->nh++] = (struct ihandler){
		.start = c->hstart, .end = end, .depth = c->depth, .dst = t->S + c->height,
		.exn_slot = c->eh == EH_TRY_TABLE ? UINT32_MAX : c->exn_slot,
		.delegate = delegate, .first = c->hfirst,
	};
}

/* try_table: each catch clause gets a landing pad, out of line before the body, which
 * starts from the block's height plus the payload in their own slots (where the unwinder
 * writes them) and branches to the clause's label like br. */
static void do_try_table(struct tr *t, const struct instr *in)
{
	const uint8_t *p = in->table;
	uint32_t skip, sp, nrefs;
	struct ent *saved;
	size_t nsaved;
	struct blk *c;

	materialize_all(t);
	emit_op(t, IOP_JMP);
	skip = (uint32_t)t->len;
	w(t, 0);
	/* Each pad starts from the block's height plus its payload, which overwrites the
	 * entries there: keep a copy of the shadow stack for the body. */
	sp = t->sp;
	nrefs = t->nrefs;
	nsaved = t->sp;
	saved = vm_malloc((nsaved + 1) * sizeof(*saved));
	if (!saved) {
		t->failed = "out of memory";
		return;
	}
	memcpy(saved, t->stk, nsaved * sizeof(*saved));
	{
		/* The catch labels are read before the block opens (vm/validate.c records them
		 * in that order). */
		uint32_t first = (uint32_t)t->ncl, height;
		height = flow_get(t->fc.fl, t->fc.next_block)->height;
		for (uint32_t i = 0; i < in->b && !t->failed; i++) {
			struct blk *target = &t->blk[flow_target(&t->fc)];
			struct chibi_tag *tag = NULL;
			uint32_t x, label;
			uint8_t kind;

			instr_catch_clause(&p, &kind, &x, &label);
			t->sp = height;
			t->nrefs = 0;
			if (kind == CATCH_TAG || kind == CATCH_TAG_REF) {
				const struct functype *ft = &t->m->types[t->m->tag_types[x]];

				tag = t->inst->tags[x];
				push_own_types(t, ft->params, ft->nparams);
			}
			if (kind == CATCH_TAG_REF || kind == CATCH_ALL_REF)
				push_own(t);
			/* a pad sits in the clause list of no block yet: keep them aside */
			if (t->ncl == t->clcap && !VM_GROW(t->cl, t->clcap, t->ncl + 1)) {
				t->failed = "out of memory";
				break;
			}
			t->cl[t->ncl++] = (struct iclause){
				.tag = tag, .pad = here(t), .next = UINT32_MAX,
				.ref = kind == CATCH_TAG_REF || kind == CATCH_ALL_REF,
			};
			emit_branch(t, target);
		}
		memcpy(t->stk, saved, nsaved * sizeof(*saved));
		t->sp = sp;
		t->nrefs = nrefs;
		vm_free(saved);
		patch(t, skip, here(t));
		c = open_blk(t);
		c->eh = EH_TRY_TABLE;
		c->hstart = here(t);
		for (uint32_t i = first; i < t->ncl; i++) {
			if (i + 1 < t->ncl)
				t->cl[i].next = i + 1;
		}
		if (t->ncl > first) {
			c->hfirst = first;
			c->hlast = (uint32_t)t->ncl - 1;
		}
	}
}

/* Legacy try: a block whose body's handler is its catch arms. */
static void do_try(struct tr *t)
{
	struct blk *c;

	begin_block(t);
	c = &t->blk[t->fc.cur];
	c->eh = EH_TRY;
	c->try_level++;
	c->exn_slot = t->exn_base + c->try_level - 1;
	c->hstart = here(t);
}

/* Legacy catch x / catch_all (tag NULL, np 0): ends the body or the previous arm like an
 * else; the arm starts with the payload in its own slots. */
static void do_catch(struct tr *t, struct chibi_tag *tag, const vtype *params, uint32_t np)
{
	struct blk *c = &t->blk[t->fc.cur];

	if (c->eh == EH_TRY)
		c->body_end = (uint32_t)t->len;
	if (!t->dead) {
		for (uint32_t i = t->sp - c->nresults; i < t->sp; i++)
			materialize(t, i);
		emit_op(t, IOP_JMP);
		w_target(t, c);
	}
	c->eh = EH_ARMS;
	add_clause(t, c, tag, here(t), false);
	reset_stack(t, c, params, np);
}

/* The end (or delegate) of a block: a try_table's or legacy try's handler is complete. */
static void close_handler(struct tr *t, const struct instr *in)
{
	struct blk *c = &t->blk[t->fc.cur];

	if (t->fc.cur == 0)
		return;
	if (in->op == OPC_DELEGATE) {
		struct blk *target = &t->blk[flow_target(&t->fc)];

		add_handler(t, c, (uint32_t)t->len, target->depth);
		return;
	}
	if (c->eh == EH_TRY_TABLE)
		add_handler(t, c, (uint32_t)t->len, UINT32_MAX);
	else if (c->eh == EH_ARMS)
		add_handler(t, c, c->body_end, UINT32_MAX);
}

/* throw x: a new exception from the payload on top of the stack. */
static void do_throw(struct tr *t, uint32_t x)
{
	const struct functype *ft = &t->m->types[t->m->tag_types[x]];
	uint32_t n = slots_of(ft->params, ft->nparams);

	for (uint32_t i = t->sp - n; i < t->sp; i++)
		materialize(t, i);
	emit_op(t, IOP_THROW);
	w(t, t->S + t->sp - n);
	wptr(t, t->inst->tags[x]);
	t->sp -= n;
}

/* ---- calls ---- */

static void call_args(struct tr *t, const struct functype *ft, uint32_t *p)
{
	uint32_t n = slots_of(ft->params, ft->nparams);

	for (uint32_t i = t->sp - n; i < t->sp; i++)
		materialize(t, i);
	*p = t->S + t->sp - n;
}

static void call_results(struct tr *t, const struct functype *ft)
{
	t->sp -= slots_of(ft->params, ft->nparams); /* materialised: no local refs among them */
	push_own_types(t, ft->results, ft->nresults);
}

static void do_call(struct tr *t, uint32_t x)
{
	const struct functype *ft = mod_func_type(t->m, x);
	uint32_t p;

	struct chibi_func *callee = t->inst->funcs[x];
	const struct engine *e = t->f->store->engine;

	call_args(t, ft, &p);
	/* A function left to the interpreter for its handlers calls code the engine compiles
	 * (vm/interp.c, call_compiled), rather than taking everything it calls along; the
	 * engine compiles the callee now if it was never tried. */
	emit_op(t, e->compiled && t->f->def->uses_handlers && callee->kind == FUNC_WASM &&
		   !callee->def->uses_handlers && e->compiled(t->f->store, callee) ?
		   IOP_CALL_JIT : IOP_CALL);
	w(t, p);
	wptr(t, callee);
	call_results(t, ft);
}

static void do_call_indirect(struct tr *t, uint32_t typeidx, uint32_t tableidx)
{
	const struct functype *ft = &t->m->types[typeidx];
	struct ent e = pop(t);
	uint32_t a = slot_of(t, &e, t->sp), p;

	call_args(t, ft, &p);
	emit_op(t, IOP_CALL_INDIRECT);
	w(t, p);
	w(t, a);
	w(t, t->inst->type_ids[typeidx]);
	wptr(t, t->inst->tables[tableidx]);
	call_results(t, ft);
}

/* return_call / return_call_indirect (table_slot: the element index's slot): the
 * arguments are materialised in place and the executor moves them into this frame. */
static void do_return_call(struct tr *t, const struct functype *ft, struct chibi_func *f,
			   const uint32_t *indirect)
{
	/* the executor moves argument slots, and a v128 takes two (a count of values left the
	 * last arguments behind: the callee read whatever the frame held there) */
	uint32_t p, n = slots_of(ft->params, ft->nparams);

	call_args(t, ft, &p);
	if (!indirect) {
		emit_op(t, IOP_RETURN_CALL);
		w(t, p);
		w(t, n);
		w(t, t->hdr);
		wptr(t, f);
	} else {
		emit_op(t, IOP_RETURN_CALL_INDIRECT);
		w(t, p);
		w(t, indirect[0]);
		w(t, indirect[1]);
		w(t, n);
		w(t, t->hdr);
		wptr(t, t->inst->tables[indirect[2]]);
	}
	t->sp -= n;
}

static void do_return_call_indirect(struct tr *t, uint32_t typeidx, uint32_t tableidx)
{
	struct ent e = pop(t);
	uint32_t ind[3] = { slot_of(t, &e, t->sp), t->inst->type_ids[typeidx], tableidx };

	do_return_call(t, &t->m->types[typeidx], NULL, ind);
}

static void repush(struct tr *t, const struct ent *e);

/* call_ref / return_call_ref $typeidx: the function reference is on top of the arguments */
static void do_call_ref(struct tr *t, uint32_t typeidx, bool tail)
{
	const struct functype *ft = &t->m->types[typeidx];
	struct ent e = pop(t);
	uint32_t a = slot_of(t, &e, t->sp), p, nslots = slots_of(ft->params, ft->nparams);

	call_args(t, ft, &p);
	if (!tail) {
		emit_op(t, IOP_CALL_REF);
		w(t, p);
		w(t, a);
		call_results(t, ft);
		return;
	}
	emit_op(t, IOP_RETURN_CALL_REF);
	w(t, p);
	w(t, a);
	w(t, nslots); /* as for return_call */
	w(t, t->hdr);
	t->sp -= nslots;
}

/* br_on_null (the reference is dropped when the branch is taken) and br_on_non_null (it
 * travels with the branch and is dropped when not).  A null reference is the zero slot. */
static void do_br_on_null(struct tr *t, bool on_null)
{
	struct cond c = { .opc = on_null ? OPC_I64_EQ : OPC_I64_NE, .imm = true, .b = 0 };

	if (on_null) {
		struct ent e = pop(t);

		c.a = slot_of(t, &e, t->sp);
		do_br_if(t, &c);
		repush(t, &e);
		return;
	}
	materialize(t, t->sp - 1);
	c.a = t->stk[t->sp - 1].slot;
	do_br_if(t, &c);
	pop(t);
}

/* ref.as_non_null: trap on null, the value stays */
static void do_ref_as_non_null(struct tr *t)
{
	struct ent e = pop(t);

	if (e.kind != E_CONST || !e.bits) {
		/* slot_of may emit a move for a null constant: before the opcode, not into it */
		uint32_t a = slot_of(t, &e, t->sp);

		emit_op(t, IOP_REF_AS_NON_NULL);
		w(t, a);
	}
	repush(t, &e);
}

/* ---- locals ---- */

/* Local slot x := e (popped). */
static void set_slot(struct tr *t, uint32_t x, const struct ent *e)
{
	bool zero = e->kind == E_CONST && e->bits == 0;

	if (!(e->kind == E_LOCAL && e->slot == x) && write_local(t, x, zero)) {
		materialize_local(t, x);
		emit_move(t, x, e);
	}
}

/* Push a popped entry back (local.tee). */
static void repush(struct tr *t, const struct ent *e)
{
	bool hi = e->hi;

	if (e->kind == E_LOCAL)
		push_local(t, e->slot);
	else
		*push(t) = *e; /* same depth, so an E_OWN entry keeps its slot */
	if (hi)
		mark_hi(t);
}

static void do_local_set(struct tr *t, uint32_t idx, bool tee)
{
	uint32_t x = local_slot(t, idx);
	struct ent e = pop(t), lo;

	if (local_type(t, idx) != VT_V128) {
		set_slot(t, x, &e);
		if (tee)
			repush(t, &e);
		return;
	}
	/* a v128: both halves at once (no entry refers to the local's other half as its own) */
	lo = pop(t);
	if (!(lo.kind == E_LOCAL && lo.slot == x && e.kind == E_LOCAL && e.slot == x + 1)) {
		bool w0 = write_local(t, x, lo.kind == E_CONST && lo.bits == 0);
		bool w1 = write_local(t, x + 1, e.kind == E_CONST && e.bits == 0);

		if (w0 || w1) {
			materialize_local(t, x);
			materialize_local(t, x + 1);
			emit_move_pair(t, x, &lo, &e);
		}
	}
	if (tee) {
		repush(t, &lo);
		repush(t, &e);
	}
}

/* ---- numeric ---- */

static void do_unary(struct tr *t, uint16_t op)
{
	struct ent e = pop(t);
	uint32_t a, d;

	if (e.kind == E_CONST) {
		int trap = 0;
		uint64_t r = fold1(op, e.bits, &trap);

		if (!trap) {
			push_const(t, r);
			return;
		}
	}
	a = slot_of(t, &e, t->sp);
	if (op_info[op].cls == OPCL_TEST && next_is_branch(t)) {
		struct cond c = { .opc = OPC_I32_EQZ, .a = a };
		struct instr j = t->nx;

		if (op_is_wide(op)) { /* i64.eqz x == (x == 0) */
			c.opc = OPC_I64_EQ;
			c.imm = true;
			c.b = 0;
		}
		next(t);
		if (j.op == OPC_BR_IF)
			do_br_if(t, &c);
		else
			do_if(t, &c);
		return;
	}
	d = dest(t);
	emit_op(t, iop_of[op] + (in_acc(t, a) ? IOPV_A : 0u));
	w(t, d);
	w(t, a);
	produced(t, d);
}

static void do_binary(struct tr *t, uint16_t op)
{
	struct ent b = pop(t), a = pop(t);
	bool wide = op_info[op].type == VT_I64;
	uint16_t sw = op_swapped(op);
	uint32_t sa, sb, d;
	/* Stack positions whose slots a and b may occupy or be materialised into; they travel
	 * with the operands when these are exchanged, so a constant is never materialised over
	 * the other operand's own slot. */
	uint32_t pa = t->sp, pb = t->sp + 1;

	if (a.kind == E_CONST && b.kind == E_CONST) {
		int trap = 0;
		uint64_t r = fold2(op, a.bits, b.bits, &trap);

		if (!trap) {
			push_const(t, r);
			return;
		}
	}
	/* Put a constant on the right when the operator allows it. */
	if (a.kind == E_CONST && b.kind != E_CONST && sw && imm_iop_of[sw]) {
		struct ent x = a;

		a = b;
		b = x;
		op = sw;
		pa = t->sp + 1;
		pb = t->sp;
	}
	/* x - K is x + (-K) mod 2^32: one form, so the ADD_I fusions see every increment. */
	if (op == OPC_I32_SUB && b.kind == E_CONST && a.kind != E_CONST) {
		op = OPC_I32_ADD;
		b.bits = (uint32_t)(0u - (uint32_t)b.bits);
	}
	if (br_iop_of[op] && next_is_branch(t)) {
		struct cond c = { .opc = op };
		struct instr j = t->nx;

		if (b.kind == E_CONST && (!wide || fits32(b.bits))) {
			c.imm = true;
			c.a = slot_of(t, &a, pa);
			c.b = (uint32_t)b.bits;
		} else {
			c.a = slot_of(t, &a, pa);
			c.b = slot_of(t, &b, pb);
		}
		next(t);
		if (j.op == OPC_BR_IF)
			do_br_if(t, &c);
		else
			do_if(t, &c);
		return;
	}
	if (b.kind == E_CONST && imm_iop_of[op] && (!wide || fits32(b.bits))) {
		sa = slot_of(t, &a, pa);
		d = dest(t);
		if (op == OPC_I32_ADD && !in_acc(t, sa) && last_is(t, IOP_I32_ADD_I)) {
			/* Two independent increments (pointer bumps): one dispatch. */
			memcpy(&t->code[t->last_at], &t->h[IOP_I32_ADD_I2], sizeof(void *));
			t->last_op = IOP_I32_ADD_I2;
			reserve(t, 3);
			w(t, d);
			w(t, sa);
			w(t, (uint32_t)b.bits);
			produced(t, d);
			return;
		}
		emit_op(t, imm_iop_of[op] + (in_acc(t, sa) ? IOPV_A : 0u));
		w(t, d);
		w(t, sa);
		w(t, (uint32_t)b.bits);
		produced(t, d);
		return;
	}
	sa = slot_of(t, &a, pa);
	sb = slot_of(t, &b, pb);
	d = dest(t);
	emit_op(t, iop_of[op] + (in_acc(t, sa) ? IOPV_A : in_acc(t, sb) ? IOPV_B : 0u));
	w(t, d);
	w(t, sa);
	w(t, sb);
	produced(t, d);
}

/* A load from memory 0; x64: with an i64 address (a 64-bit memory 0, offset < 2^32), whose
 * forms take no folded i32.add. */
static void do_load(struct tr *t, const struct instr *in, bool x64)
{
	struct ent e = pop(t);
	uint32_t a = slot_of(t, &e, t->sp), d = dest(t);
	bool pre = !x64 && (last_is(t, IOP_I32_ADD_I) || last_is(t, IOP_I32_ADD_IA));

	/* An ADD_I2 whose second half computes the address: split that half off again. */
	if (!x64 && last_is(t, IOP_I32_ADD_I2) && e.kind == E_OWN &&
	    t->code[t->last_at + IC_HWORDS + 3] == a) {
		uint32_t src = t->code[t->last_at + IC_HWORDS + 4];
		uint32_t imm = t->code[t->last_at + IC_HWORDS + 5];

		memcpy(&t->code[t->last_at], &t->h[IOP_I32_ADD_I], sizeof(void *));
		t->len = t->last_at + IC_HWORDS + 3;
		emit_op(t, iop_of[in->op] + IOPV_P);
		w(t, d);
		w(t, src);
		w(t, (uint32_t)in->bits);
		w(t, imm);
		produced(t, d);
		return;
	}
	if (pre && e.kind == E_OWN && t->code[t->last_at + IC_HWORDS] == a) {
		/* The address is an i32.add-immediate result used only here: fold the add into
		 * the load and drop it (its temporary slot is never read again). */
		bool from_acc = t->last_op == IOP_I32_ADD_IA;
		uint32_t src = t->code[t->last_at + IC_HWORDS + 1];
		uint32_t imm = t->code[t->last_at + IC_HWORDS + 2];

		t->len = t->last_at;
		emit_op(t, iop_of[in->op] + (from_acc ? IOPV_PA : IOPV_P));
		w(t, d);
		w(t, src);
		w(t, (uint32_t)in->bits);
		w(t, imm);
		produced(t, d);
		return;
	}
	emit_op(t, iop_of[in->op] + (x64 ? IOPV_X_LOAD : 0u) + (in_acc(t, a) ? IOPV_A : 0u));
	w(t, d);
	w(t, a);
	w(t, (uint32_t)in->bits);
	produced(t, d);
}

/* A store to memory 0; x64 as for do_load. */
static void do_store(struct tr *t, const struct instr *in, bool x64)
{
	struct ent v = t->stk[t->sp - 1];
	uint32_t s[2], base = iop_of[in->op] + (x64 ? IOPV_X_STORE : 0u);

	/* A constant value goes into the instruction; stores of <= 32 bits only need its low
	 * bits, 64-bit ones a value that sign-extends from 32. */
	if (v.kind == E_CONST && (op_info[in->op].memlog2 <= 2 || fits32(v.bits))) {
		struct ent a;

		pop(t);
		a = pop(t);
		s[0] = slot_of(t, &a, t->sp);
		emit_op(t, base + (in_acc(t, s[0]) ? IOPV_KA : IOPV_K));
		w(t, s[0]);
		w(t, (uint32_t)v.bits);
		w(t, (uint32_t)in->bits);
		return;
	}
	pop_slots(t, 2, s);
	emit_op(t, base + (in_acc(t, s[0]) ? IOPV_A : in_acc(t, s[1]) ? IOPV_B : 0u));
	w(t, s[0]);
	w(t, s[1]);
	w(t, (uint32_t)in->bits);
}

/* ---- memories other than the cached memory 0, and 64-bit memories ---- */

/* Does this load or store need MEMX (interp_ops.def): another memory than 0, or a 64-bit
 * memory 0 where the _X forms (i64 address + u32 offset) cannot take it: an offset past
 * 32 bits, a SIMD access? */
static bool needs_memx(const struct tr *t, const struct instr *in)
{
	return in->mem != 0 || (t->inst->memories[0]->is64 &&
				(in->bits > UINT32_MAX || op_is_simd(in->op)));
}

/* Emit MEMX for the address under the top `above` entries (a store's value: one, a v128's
 * two or three with a lane load's) and leave in its place the zero MEMX writes, so the
 * ordinary instruction that follows, with offset 0, accesses the checked address. */
static void begin_memx(struct tr *t, const struct instr *in, uint32_t above)
{
	struct ent keep[2], a;
	uint32_t as;

	for (uint32_t i = above; i-- > 0;)
		keep[i] = pop(t);
	a = pop(t);
	as = slot_of(t, &a, t->sp);
	emit_op(t, IOP_MEMX);
	w(t, as);
	w(t, t->S + t->sp);
	wptr(t, t->inst->memories[in->mem]);
	w64(t, in->bits);
	w(t, 1u << op_info[in->op].memlog2);
	push_own(t);
	for (uint32_t i = 0; i < above; i++)
		repush(t, &keep[i]);
}

/* Instructions of the form: pop n operands, emit op, then the operand slots, then an
 * optional result slot first (has_result) and trailing immediates by the caller. */
static void pop_emit(struct tr *t, unsigned op, uint32_t n, bool has_result)
{
	uint32_t s[3], d = 0;

	pop_slots(t, n, s);
	if (has_result)
		d = dest(t);
	emit_op(t, op);
	if (has_result)
		w(t, d);
	for (uint32_t i = 0; i < n; i++)
		w(t, s[i]);
}

/* ---- SIMD ---- */

/* The slot of a v128 popped from positions depth (low half) and depth + 1: where the halves
 * already sit side by side (its own slots, or a local's), else moved there. */
static uint32_t pair_slot(struct tr *t, const struct ent *lo, const struct ent *hi,
			  uint32_t depth)
{
	if (lo->kind != E_CONST && hi->kind != E_CONST && hi->slot == lo->slot + 1)
		return lo->slot;
	if (lo->kind == E_CONST && hi->kind == E_CONST) {
		emit_op(t, IOP_V128_CONST);
		w(t, t->S + depth);
		w64(t, lo->bits);
		w64(t, hi->bits);
		return t->S + depth;
	}
	/* neither destination is the other half's source: an E_OWN half is in its own slot */
	emit_move(t, t->S + depth, lo);
	emit_move(t, t->S + depth + 1, hi);
	return t->S + depth;
}

/* Pop operands of the types in `params` (opcodes.def letters, deepest first) into slots:
 * out[k] is operand k's slot, a v128's first. */
static void pop_operands(struct tr *t, const char *params, uint32_t *out)
{
	struct ent e[6];
	uint32_t n = 0, j = 0;

	for (const char *p = params; *p; p++)
		n += *p == 'v' ? 2 : 1;
	for (uint32_t i = n; i-- > 0;)
		e[i] = pop(t);
	for (const char *p = params; *p; p++, out++) {
		if (*p == 'v') {
			*out = pair_slot(t, &e[j], &e[j + 1], t->sp + j);
			j += 2;
		} else {
			*out = slot_of(t, &e[j], t->sp + j);
			j++;
		}
	}
}

/* Every 0xFD row: operands by the row's signature, then one instruction. */
static void do_simd(struct tr *t, const struct instr *in)
{
	const struct opinfo *oi = &op_info[in->op];
	uint32_t s[3], d, n = (uint32_t)strlen(oi->params);
	uint64_t lo, hi;

	if (oi->cls == OPCL_VCONST) {
		memcpy(&lo, in->imm16, 8);
		memcpy(&hi, in->imm16 + 8, 8);
		push_const(t, lo);
		push_const(t, hi);
		mark_hi(t);
		return;
	}
	pop_operands(t, oi->params, s);
	switch (oi->cls) {
	case OPCL_VSTORE:
		emit_op(t, IOP_V128_STORE);
		w(t, s[0]);
		w(t, s[1]);
		w(t, (uint32_t)in->bits);
		return;
	case OPCL_VSTORELANE:
		emit_op(t, iop_of[in->op]);
		w(t, s[0]);
		w(t, s[1]);
		w(t, (uint32_t)in->bits);
		w(t, in->b);
		return;
	case OPCL_VTEST:
	case OPCL_VEXTRACT:
		d = dest(t);
		emit_op(t, iop_of[in->op]);
		w(t, d);
		w(t, s[0]);
		if (oi->cls == OPCL_VEXTRACT)
			w(t, in->a);
		produced(t, d);
		return;
	default:
		break;
	}
	d = dest_v(t);
	emit_op(t, oi->cls == OPCL_VSHUFFLE ? IOP_I8X16_SHUFFLE : iop_of[in->op]);
	w(t, d);
	for (uint32_t i = 0; i < n; i++)
		w(t, s[i]);
	switch (oi->cls) {
	case OPCL_VLOAD:
		w(t, (uint32_t)in->bits);
		break;
	case OPCL_VLOADLANE:
		w(t, (uint32_t)in->bits);
		w(t, in->b);
		break;
	case OPCL_VREPLACE:
		w(t, in->a);
		break;
	case OPCL_VSHUFFLE:
		memcpy(&t->code[t->len], in->imm16, 16);
		t->len += 4;
		break;
	default:
		break;
	}
}

/* ---- the instruction loop ---- */

/* A load or store (any IMM_MEMARG row) on the cached memory 0 through a 32-bit address
 * (MEMX leaves one). */
static void one_mem(struct tr *t, const struct instr *in)
{
	if (op_is_simd(in->op))
		do_simd(t, in);
	else if (op_info[in->op].cls == OPCL_LOAD)
		do_load(t, in, false);
	else
		do_store(t, in, false);
}

static void one(struct tr *t, const struct instr *in)
{
	struct chibi_instance *inst = t->inst;
	uint16_t op = in->op;

	switch (op) {
	case OPC_UNREACHABLE:
		emit_op(t, IOP_UNREACHABLE);
		break;
	case OPC_NOP:
		break;
	case OPC_BLOCK: case OPC_LOOP:
		begin_block(t);
		break;
	case OPC_IF: {
		struct cond c = cond_from_top(t);

		do_if(t, &c);
		break;
	}
	case OPC_ELSE:
		do_else(t);
		break;
	case OPC_END:
		close_handler(t, in);
		do_end(t);
		break;
	case OPC_TRY_TABLE:
		do_try_table(t, in);
		break;
	case OPC_TRY:
		do_try(t);
		break;
	case OPC_CATCH: {
		const struct functype *ft = &t->m->types[t->m->tag_types[in->a]];

		do_catch(t, t->inst->tags[in->a], ft->params, ft->nparams);
		break;
	}
	case OPC_CATCH_ALL:
		do_catch(t, NULL, NULL, 0);
		break;
	case OPC_DELEGATE:
		close_handler(t, in);
		do_end(t);
		break;
	case OPC_THROW:
		do_throw(t, in->a);
		break;
	case OPC_THROW_REF: {
		struct ent e = pop(t);
		/* before the opcode: a constant operand (ref.null) is moved to its slot first */
		uint32_t a = slot_of(t, &e, t->sp);

		emit_op(t, IOP_THROW_REF);
		w(t, a);
		break;
	}
	case OPC_RETHROW:
		emit_op(t, IOP_THROW_REF);
		w(t, t->blk[flow_target(&t->fc)].exn_slot);
		break;
	case OPC_BR:
		emit_branch(t, &t->blk[flow_target(&t->fc)]);
		break;
	case OPC_BR_IF: {
		struct cond c = cond_from_top(t);

		do_br_if(t, &c);
		break;
	}
	case OPC_BR_TABLE:
		do_br_table(t, in);
		break;
	case OPC_RETURN:
		emit_return(t);
		break;
	case OPC_CALL:
		do_call(t, in->a);
		break;
	case OPC_CALL_INDIRECT:
		do_call_indirect(t, in->a, in->b);
		break;
	case OPC_RETURN_CALL:
		do_return_call(t, mod_func_type(t->m, in->a), t->inst->funcs[in->a], NULL);
		break;
	case OPC_RETURN_CALL_INDIRECT:
		do_return_call_indirect(t, in->a, in->b);
		break;
	case OPC_CALL_REF:
	case OPC_RETURN_CALL_REF:
		do_call_ref(t, in->a, in->op == OPC_RETURN_CALL_REF);
		break;
	case OPC_BR_ON_NULL:
	case OPC_BR_ON_NON_NULL:
		do_br_on_null(t, in->op == OPC_BR_ON_NULL);
		break;
	case OPC_REF_AS_NON_NULL:
		do_ref_as_non_null(t);
		break;
	case OPC_DROP:
		if (pop(t).hi)
			pop(t);
		break;
	case OPC_SELECT: case OPC_SELECT_T:
		if (t->stk[t->sp - 2].hi) { /* the operand under the condition is a v128 */
			uint32_t s[3], d;

			pop_operands(t, "vvi", s);
			d = dest_v(t);
			emit_op(t, IOP_SELECT128);
			w(t, d);
			w(t, s[0]);
			w(t, s[1]);
			w(t, s[2]);
			break;
		}
		pop_emit(t, IOP_SELECT, 3, true);
		break;
	case OPC_LOCAL_GET: {
		uint32_t x = local_slot(t, in->a);

		push_local(t, x);
		if (local_type(t, in->a) == VT_V128) {
			push_local(t, x + 1);
			mark_hi(t);
		}
		break;
	}
	case OPC_LOCAL_SET: case OPC_LOCAL_TEE:
		do_local_set(t, in->a, op == OPC_LOCAL_TEE);
		break;
	case OPC_GLOBAL_GET: {
		struct chibi_global *g = inst->globals[in->a];

		if (g->valtype == VT_V128 && !g->mutable_) {
			push_const(t, g->value);
			push_const(t, g->hi);
			mark_hi(t);
			break;
		}
		if (g->valtype == VT_V128) {
			uint32_t d = dest_v(t);

			emit_op(t, IOP_GLOBAL_GET128);
			w(t, d);
			wptr(t, g);
			break;
		}
		if (!g->mutable_) { /* fixed since instantiation: fold it */
			push_const(t, g->value);
			break;
		}
		pop_emit(t, IOP_GLOBAL_GET, 0, true);
		wptr(t, g);
		break;
	}
	case OPC_GLOBAL_SET: {
		uint32_t a;

		if (inst->globals[in->a]->valtype == VT_V128) {
			pop_operands(t, "v", &a);
			emit_op(t, IOP_GLOBAL_SET128);
			w(t, a);
			wptr(t, inst->globals[in->a]);
			break;
		}
		pop_slots(t, 1, &a);
		emit_op(t, in_acc(t, a) ? IOP_GLOBAL_SET_A : IOP_GLOBAL_SET);
		w(t, a);
		wptr(t, inst->globals[in->a]);
		break;
	}
	case OPC_TABLE_GET:
		pop_emit(t, IOP_TABLE_GET, 1, true);
		wptr(t, inst->tables[in->a]);
		break;
	case OPC_TABLE_SET:
		pop_emit(t, IOP_TABLE_SET, 2, false);
		wptr(t, inst->tables[in->a]);
		break;
	case OPC_TABLE_SIZE:
		pop_emit(t, IOP_TABLE_SIZE, 0, true);
		wptr(t, inst->tables[in->a]);
		break;
	case OPC_TABLE_GROW:
		pop_emit(t, IOP_TABLE_GROW, 2, true);
		wptr(t, inst->tables[in->a]);
		break;
	case OPC_TABLE_FILL:
		pop_emit(t, IOP_TABLE_FILL, 3, false);
		wptr(t, inst->tables[in->a]);
		break;
	case OPC_TABLE_COPY:
		pop_emit(t, IOP_TABLE_COPY, 3, false);
		wptr(t, inst->tables[in->a]);
		wptr(t, inst->tables[in->b]);
		break;
	case OPC_TABLE_INIT:
		pop_emit(t, IOP_TABLE_INIT, 3, false);
		w(t, in->a);
		wptr(t, inst->tables[in->b]);
		break;
	case OPC_ELEM_DROP:
		emit_op(t, IOP_ELEM_DROP);
		w(t, in->a);
		break;
	case OPC_MEMORY_SIZE:
		pop_emit(t, IOP_MEMORY_SIZE, 0, true);
		wptr(t, inst->memories[in->mem]);
		break;
	case OPC_MEMORY_GROW:
		pop_emit(t, IOP_MEMORY_GROW, 1, true);
		wptr(t, inst->memories[in->mem]);
		break;
	case OPC_MEMORY_INIT:
		pop_emit(t, IOP_MEMORY_INIT, 3, false);
		w(t, in->a);
		wptr(t, inst->memories[in->mem]);
		break;
	case OPC_DATA_DROP:
		emit_op(t, IOP_DATA_DROP);
		w(t, in->a);
		break;
	case OPC_MEMORY_COPY:
		pop_emit(t, IOP_MEMORY_COPY, 3, false);
		wptr(t, inst->memories[in->mem]);
		wptr(t, inst->memories[in->b]);
		break;
	case OPC_MEMORY_FILL:
		pop_emit(t, IOP_MEMORY_FILL, 3, false);
		wptr(t, inst->memories[in->mem]);
		break;
	case OPC_I32_CONST: case OPC_I64_CONST: case OPC_F32_CONST: case OPC_F64_CONST:
		push_const(t, in->bits);
		break;
	case OPC_REF_NULL:
		push_const(t, 0);
		break;
	case OPC_REF_FUNC:
		push_const(t, (uint64_t)(uintptr_t)inst->funcs[in->a]);
		break;
	case OPC_REF_IS_NULL:
		do_unary(t, OPC_I64_EQZ); /* a null reference is the all-zero slot */
		break;
	default:
		if (op_info[op].imm == IMM_MEMARG || op_info[op].imm == IMM_MEMARG_LANE) {
			if (needs_memx(t, in)) {
				struct instr at0 = *in;
				const char *p = op_info[op].params;

				/* the entries above the address: a value, a v128's two halves */
				begin_memx(t, in, (uint32_t)strlen(p + 1) + (strchr(p, 'v') ? 1 : 0));
				at0.mem = 0;
				at0.bits = 0;
				one_mem(t, &at0);
				emit_op(t, IOP_MEMX_END);
				break;
			}
		}
		if (op_is_simd(op)) {
			do_simd(t, in);
			break;
		}
		switch (op_info[op].cls) {
		case OPCL_LOAD:
			do_load(t, in, inst->memories[0]->is64);
			break;
		case OPCL_STORE:
			do_store(t, in, inst->memories[0]->is64);
			break;
		case OPCL_COMPARE: case OPCL_BINOP:
			do_binary(t, op);
			break;
		default: /* TEST, UNOP, CONVERT: every other row is handled above */
			/* wrap and the reinterprets keep the slot's bits: the value stays put */
			if (!(op_info[op].flags & OPF_BITS))
				do_unary(t, op);
			break;
		}
		break;
	}
}

static bool translate(struct tr *t)
{
	const struct func *def = t->f->def;
	const struct functype *ft = t->f->type;
	uint64_t nlocals = (uint64_t)ft->nparams + def->nlocals;
	uint32_t nres;

	if (nlocals > (1u << 26))
		return false;
	t->ptypes = ft->params;
	t->ltypes = def->local_types;
	t->nparams = slots_of(ft->params, ft->nparams);
	t->nlocals = t->nparams + slots_of(def->local_types, def->nlocals);
	if (t->nlocals != nlocals) { /* some v128: slots stop matching indices */
		uint32_t k = 0;

		t->lslot = vm_malloc((size_t)nlocals * sizeof(*t->lslot) + 1);
		if (!t->lslot)
			return false;
		for (uint32_t x = 0; x < nlocals; x++) {
			t->lslot[x] = k;
			k += vt_slots(local_type(t, x));
		}
	}
	nres = slots_of(ft->results, ft->nresults);
	t->exn_base = t->nlocals;
	t->hdr = t->nlocals + def->max_try > nres ? t->nlocals + def->max_try : nres;
	t->S = t->hdr + IC_HDR_SLOTS;
	t->nresults = nres;
	t->cap = def->code_len * 3 + 64;
	t->code = vm_malloc(t->cap * sizeof(*t->code));
	t->stk_cap = def->max_stack + 1;
	/* the shadow stack and the per-block state share one allocation (struct ent's
	 * alignment suits struct blk) */
	t->stk = vm_malloc(t->stk_cap * sizeof(*t->stk) +
			   ((size_t)def->flow.nblocks + 1) * sizeof(*t->blk));
	if (!t->code || !t->stk)
		return false;
	t->blk = (struct blk *)(t->stk + t->stk_cap);
	t->mov_at = SIZE_MAX;
	t->acc_end = SIZE_MAX;
	t->last_at = SIZE_MAX;
	t->prologue = true;

	flow_begin(&t->fc, &def->flow);
	t->blk[0] = (struct blk){ .kind = FLOW_FUNC, .nresults = nres, .results = ft->results,
				  .nr = ft->nresults };
	t->body = t->p = def->code;
	t->end = def->code + def->code_len;
	next(t);
	while (t->has_nx && !t->failed) {
		struct instr in = t->nx;

		t->dead = t->nx_dead;
		next(t);
		one(t, &in);
	}
	return !t->failed;
}

/* ---- listing ---- */

/* The listing's names live in one pool, a struct with a char array per name, so that each
 * name's offset is a constant: a table of name pointers took 1,092 relocations at every
 * start of the static-pie binary (docs/RATIONALE.md, start-up). */
#define IOP_NAME_V(name, op, form, poll) char n_##name[sizeof(#name)];
static const struct iop_names {
#define IOP(n, k) char n_##n[sizeof(#n)];
#define NUM1(n) NUM1_FORMS(IOP_NAME_V, n)
#define NUM2(n) NUM2_FORMS(IOP_NAME_V, n)
#define NUM2I(n) NUM2I_FORMS(IOP_NAME_V, n)
#define CMPBR(n) CMPBR_FORMS(IOP_NAME_V, n)
#define ADDBR(n) ADDBR_FORMS(IOP_NAME_V, n)
#define LOADOP(n) LOADOP_FORMS(IOP_NAME_V, n)
#define STOREOP(n) STOREOP_FORMS(IOP_NAME_V, n)
#define VOP(n) IOP_NAME_V(n, n, R, 0)
#include "interp_ops.def"
} iop_names = {
#undef IOP_NAME_V
#define IOP_NAME_V(name, op, form, poll) #name,
#define IOP(n, k) #n,
#define NUM1(n) NUM1_FORMS(IOP_NAME_V, n)
#define NUM2(n) NUM2_FORMS(IOP_NAME_V, n)
#define NUM2I(n) NUM2I_FORMS(IOP_NAME_V, n)
#define CMPBR(n) CMPBR_FORMS(IOP_NAME_V, n)
#define ADDBR(n) ADDBR_FORMS(IOP_NAME_V, n)
#define LOADOP(n) LOADOP_FORMS(IOP_NAME_V, n)
#define STOREOP(n) STOREOP_FORMS(IOP_NAME_V, n)
#define VOP(n) IOP_NAME_V(n, n, R, 0)
#include "interp_ops.def"
};
#undef IOP_NAME_V
_Static_assert(sizeof(struct iop_names) <= UINT16_MAX, "iop_desc.name is 16 bits");

struct iop_desc {
	uint16_t name; /* offset in iop_names */
	uint8_t nops;
};

#define NOPS_R 2
#define NOPS_A 2
#define NOPS_RR 3
#define NOPS_AR 3
#define NOPS_RB 3
#define NOPS_RI 3
#define NOPS_AI 3
#define NOPS_LR 3
#define NOPS_LA 3
#define NOPS_LP 4
#define NOPS_LPA 4
#define NOPS_SR 3
#define NOPS_SA 3
#define NOPS_SV 3
#define NOPS_SK 3
#define NOPS_SKA 3
#define NOPS_XR 5
#define NOPS_XI 5
#define IOP_DESC(name, k) { offsetof(struct iop_names, n_##name), k },
#define IOP_DESC_V(name, op, form, poll) IOP_DESC(name, NOPS_##form)
static const struct iop_desc iop_desc[IOP_COUNT] = {
#define IOP(n, k) IOP_DESC(n, k)
#define NUM1(n) NUM1_FORMS(IOP_DESC_V, n)
#define NUM2(n) NUM2_FORMS(IOP_DESC_V, n)
#define NUM2I(n) NUM2I_FORMS(IOP_DESC_V, n)
#define CMPBR(n) CMPBR_FORMS(IOP_DESC_V, n)
#define ADDBR(n) ADDBR_FORMS(IOP_DESC_V, n)
#define LOADOP(n) LOADOP_FORMS(IOP_DESC_V, n)
#define STOREOP(n) STOREOP_FORMS(IOP_DESC_V, n)
#define VUN(n) IOP_DESC(n, 2)
#define VBIN(n) IOP_DESC(n, 3)
#define VTERN(n) IOP_DESC(n, 4)
#define VSHIFT(n) IOP_DESC(n, 3)
#define VTEST(n) IOP_DESC(n, 2)
#define VSPLAT(n) IOP_DESC(n, 2)
#define VEXTRACT(n) IOP_DESC(n, 3)
#define VREPLACE(n) IOP_DESC(n, 4)
#define VLOAD(n) IOP_DESC(n, 3)
#define VLOADLANE(n) IOP_DESC(n, 5)
#define VSTORELANE(n) IOP_DESC(n, 4)
#include "interp_ops.def"
};
#undef IOP_DESC
#undef IOP_DESC_V

/* Listing of translated code; see interp.h.  Handlers are mapped back through the table. */
void interp_dump(const struct icode *c, FILE *f)
{
	const void *const *h = interp_handlers();
	size_t i = 0;

	fprintf(f, "func %u: nlocals %u hdr %u frame %u\n", c->func->index, c->nlocals, c->hdr,
		c->frame_size);
	while (i < c->len) {
		const void *hw;
		unsigned op = 0, n;

		memcpy(&hw, &c->body[i], sizeof(hw));
		while (op < IOP_COUNT && h[op] != hw)
			op++;
		if (op == IOP_COUNT) { /* br_table stubs are code too, so this means a bug */
			fprintf(f, "%5zu: ??? %08x\n", i, c->body[i]);
			i++;
			continue;
		}
		n = iop_desc[op].nops;
		if (op == IOP_BR_TABLE)
			n += c->body[i + IC_HWORDS + 1] + 1;
		fprintf(f, "%5zu: %s", i, (const char *)&iop_names + iop_desc[op].name);
		for (unsigned k = 0; k < n && i + IC_HWORDS + k < c->len; k++)
			fprintf(f, " %d", (int32_t)c->body[i + IC_HWORDS + k]);
		fputc('\n', f);
		i += IC_HWORDS + n;
	}
}

/* Translate f; see interp.h. */
struct icode *interp_translate(struct chibi_func *f)
{
	struct tr t;
	struct icode *ic = NULL;

	memset(&t, 0, sizeof(t));
	t.f = f;
	t.inst = f->inst;
	t.m = f->inst->mod;
	t.h = interp_handlers();
	if (translate(&t)) {
		/* body, then the clauses (pointer-aligned), then the handlers */
		size_t cl_at = (sizeof(*ic) + t.len * sizeof(uint32_t) + 7) & ~(size_t)7;
		size_t h_at = cl_at + t.ncl * sizeof(struct iclause);

		ic = vm_malloc(h_at + t.nh * sizeof(struct ihandler));
		if (ic) {
			ic->clauses = (struct iclause *)((char *)ic + cl_at);
			ic->handlers = (struct ihandler *)((char *)ic + h_at);
			ic->nhandlers = (uint32_t)t.nh;
			if (t.ncl)
				memcpy((void *)ic->clauses, t.cl, t.ncl * sizeof(struct iclause));
			if (t.nh)
				memcpy((void *)ic->handlers, t.hs, t.nh * sizeof(struct ihandler));
			ic->func = f;
			ic->mem = &no_memory;
			if (t.m->nmemories)
				ic->mem = f->inst->memories[0];
			ic->nparams = t.nparams;
			ic->nlocals = t.nlocals;
			ic->hdr = t.hdr;
			ic->frame_size = t.S + t.max_sp + 1;
			ic->len = t.len;
			memcpy(ic->body, t.code, t.len * sizeof(uint32_t));
		}
	}
	vm_free(t.code);
	vm_free(t.stk);
	vm_free(t.lslot);
	vm_free(t.hs);
	vm_free(t.cl);
	return ic;
}
