/* jit/lower.c - the JIT front end: one pass over a validated function body, in the style of
 * V8's Liftoff, driving a back end through jit/target.h.
 *
 * State during the pass:
 *   - an abstract value stack; each entry is a register (a temp it owns), a constant, its
 *     own frame slot, or "the current value of local L" (no copy until L is written);
 *   - locals have a fixed home for the whole function: a register for the hottest ones
 *     (uses weighted by loop depth, counted in a pre-pass), else a frame slot;
 *   - per-block labels and fix-ups, indexed by the block ids of the validator's side table
 *     (vm/flow.h), which also resolves every branch and marks the dead code to step over:
 *     there is no control stack here.  Values below a block's parameters are spilled on
 *     entry, and values travelling along branches go to canonical places (two registers per
 *     class, then slots), so every path into a label agrees without any merge bookkeeping.
 * It does not validate (the code was validated), and it never decides an encoding.
 * Entry points: jit_compile, jit_lower_free.
 */
#include <stdlib.h>
#include <string.h>

#include "jit_int.h"
#include "../vm/alloc.h"
#include "../vm/flow.h"
#include "../vm/instr.h"

/* ---- data structures ---- */

/* VM_GROW behind an inline test: most calls find room already. */
#define GROW(arr, cap, need) ((size_t)(need) <= (cap) || VM_GROW(arr, cap, need))

enum vkind { V_REG, V_CONST, V_SLOT, V_LOCAL };

/* One abstract value-stack entry. */
struct val {
	uint8_t kind;    /* enum vkind */
	uint8_t type;    /* valtype */
	jreg reg;        /* V_REG */
	uint32_t local;  /* V_LOCAL */
	uint64_t imm;    /* V_CONST */
	bool zero_v128;  /* the value is the v128 zero (from v128.const), wherever it lives */
};

struct local {
	uint8_t type;
	jreg home;       /* register, or JREG_NONE: lives at frame offset off */
	int32_t off;
	uint32_t weight; /* uses, weighted by loop depth (pre-pass) */
	bool stack_param;
	bool set_first;  /* surely written before it is read: no zeroing needed */
};

/* What the front end keeps per block (indexed by block id); the rest is in the side table. */
struct blk {
	uint8_t kind;        /* enum flow_kind */
	uint32_t height;     /* stack height below the block's parameters */
	uint32_t nparams, nresults;
	const vtype *params, *results;
	uint32_t label;      /* block/if: end; loop: start */
	uint32_t else_label; /* if: where the condition-false path starts */
	int32_t save_off;    /* if with parameters: where they wait for the else branch */
	uint32_t try_end;    /* try_table: the label its body's handler range ends at, + 1 */
	uint32_t depth;      /* nesting: the function's block is 0 (jit_handler.depth) */
	/* legacy try: its body's range [try_start, body_end), bound at the first catch (or
	 * at delegate, or end), and the hidden slot where its arms keep the caught exception
	 * for rethrow */
	bool legacy, in_arms;
	uint32_t try_start, body_end, nclauses;
	int32_t exn_off;
};

/* A handler row while compiling: code positions are labels, resolved at the end; clause
 * orders a try's rows (jit_compile sorts them, jit_int.h). */
struct eh_row {
	struct jit_handler h;
	uint32_t clause, index;
};

/* A parallel move. */
struct pmove {
	struct jopnd dst, src;
	uint8_t type;
	bool done;
};

/* Arrays kept by the jit_store between compilations (grown with VM_GROW). */
struct lower_scratch {
	struct instr *ins;       /* the reachable instructions */
	size_t cap_ins;
	struct local *locals;
	size_t cap_locals;
	struct val *vs;
	size_t cap_vs;
	struct blk *blk;         /* per block id */
	size_t cap_blk;
	struct pmove *mv;
	size_t cap_mv;
	uint32_t *labels;
	size_t cap_labels;
	uint32_t *idx;           /* pre-pass: local order */
	size_t cap_idx;
	struct eh_row *eh;       /* handler rows, code positions as labels */
	size_t cap_eh;
};

/* An accumulator chain in progress (op_simd, accumulate()): the entry at stack position pos
 * holds the sum of the chain's operands so far, which the op at next_pc combines with the
 * local `local`. */
struct acc_chain {
	bool active;
	uint16_t op;
	uint32_t next_pc, local, pos;
};

struct lower {
	struct jcomp c;
	struct lower_scratch *ls;
	const struct module *mod;
	const struct func *def;
	const struct functype *ft;
	struct instr *ins;
	uint32_t nins, pc;
	struct local *locals;
	uint32_t nlocals;
	struct val *vs;
	uint32_t sp, vmax;
	struct flow_cursor fc;   /* position in the validator's side table */
	struct blk *blk;         /* per block id */
	bool dead;               /* the else/end at hand is reached only over dead code */
	uint64_t alloc_mask;     /* temps this function may allocate */
	uint64_t used;           /* temps holding a value right now */
	uint64_t csave_mask;     /* homes a C call clobbers: saved around helper calls */
	uint64_t temp_homes;     /* homes that are temps: saved around wasm calls too */
	int32_t csave_off[64];
	int32_t fsave_off[64];   /* slot of each FPR home saved for the caller (jframe.saved) */
	int32_t slot_base;       /* frame offset of operand-stack position 0 */
	int32_t stride;          /* bytes per operand-stack slot, if-save entry and saved FPR:
	                          * 16 in functions that use v128, else 8 */
	int32_t if_save_next;
	bool leaf;
	bool eh;                 /* has handlers or exnref values: locals in memory only, all
	                          * homes saved (a landing restores nothing but sp, jit_land;
	                          * the collector finds exnrefs in memory, vm/exn.c) */
	uint32_t neh;            /* rows in ls->eh */
	int32_t exn_base;        /* hidden slots of legacy try levels (def->max_try of them) */
	uint32_t try_level;      /* legacy tries open around the instruction at hand */
	uint32_t out_words;      /* outgoing argument area */
	uint32_t if_words;       /* if-parameter save areas */
	bool failed;
	char *why;
	struct acc_chain chain;
};

static void fail(struct lower *L, const char *why)
{
	if (!L->failed && L->why)
		snprintf(L->why, 96, "%s", why);
	L->failed = true;
}

static inline uint64_t bit(jreg r)
{
	return 1ull << r;
}

static int32_t slot_off(const struct lower *L, uint32_t pos)
{
	return L->slot_base + L->stride * (int32_t)pos;
}

static struct jopnd local_opnd(const struct lower *L, uint32_t l)
{
	const struct local *lc = &L->locals[l];

	return lc->home != JREG_NONE ? jo_reg(lc->home) : jo_mem(lc->off);
}

/* The operand an entry at stack position pos denotes. */
static struct jopnd opnd_of(const struct lower *L, const struct val *v, uint32_t pos)
{
	switch (v->kind) {
	case V_REG: return jo_reg(v->reg);
	case V_CONST: return jo_imm(v->imm);
	case V_SLOT: return jo_mem(slot_off(L, pos));
	default: return local_opnd(L, v->local);
	}
}

static bool is_temp(const struct lower *L, struct jopnd o)
{
	return o.kind == OP_REG && (L->alloc_mask & bit(o.reg));
}

/* ---- the value stack and registers ---- */

static void push(struct lower *L, struct val v)
{
	if (L->sp >= L->vmax) {
		fail(L, "value stack overflow (validator max_stack)");
		L->sp = L->vmax - 1;
	}
	/* a v128 needs 16-byte slots: a function the validator did not mark must not get one */
	if (v.type == VT_V128 && L->stride != 16)
		fail(L, "v128 value in a function not marked uses_v128");
	if (v.kind == V_REG)
		L->used |= bit(v.reg);
	L->vs[L->sp++] = v;
}

static void push_reg(struct lower *L, uint8_t type, jreg r)
{
	push(L, (struct val){ .kind = V_REG, .type = type, .reg = r });
}

static void push_const(struct lower *L, uint8_t type, uint64_t imm)
{
	push(L, (struct val){ .kind = V_CONST, .type = type, .imm = imm });
}

/* Pop the top entry as an operand.  A temp stays marked used until release(). */
static struct jopnd pop(struct lower *L, uint8_t *out_type)
{
	struct val *v;

	if (!L->sp) {
		fail(L, "value stack underflow");
		return jo_imm(0);
	}
	v = &L->vs[--L->sp];
	if (out_type)
		*out_type = v->type;
	return opnd_of(L, v, L->sp);
}

static void release(struct lower *L, struct jopnd o)
{
	if (is_temp(L, o))
		L->used &= ~bit(o.reg);
}

static void recompute_used(struct lower *L)
{
	L->used = 0;
	for (uint32_t i = 0; i < L->sp; i++)
		if (L->vs[i].kind == V_REG)
			L->used |= bit(L->vs[i].reg);
}

/* Move entry i to its own frame slot. */
static void spill(struct lower *L, uint32_t i)
{
	struct val *v = &L->vs[i];

	be_mov(&L->c, v->type, jo_mem(slot_off(L, i)), opnd_of(L, v, i));
	if (v->kind == V_REG)
		L->used &= ~bit(v->reg);
	v->kind = V_SLOT;
}

/* A free temp of class cls outside `avoid`, or JREG_NONE. */
static jreg free_temp(struct lower *L, int cls, uint64_t avoid)
{
	for (int i = 0; i < jit_target.ntemp[cls]; i++) {
		jreg r = jit_target.temp[cls][i];

		if ((L->alloc_mask & bit(r)) && !(L->used & bit(r)) && !(avoid & bit(r)))
			return r;
	}
	return JREG_NONE;
}

/* A temp of class cls, spilling the deepest stack value that holds one if need be. */
static jreg alloc_reg(struct lower *L, int cls, uint64_t avoid)
{
	jreg r = free_temp(L, cls, avoid);

	if (r != JREG_NONE)
		return r;
	for (uint32_t i = 0; i < L->sp; i++) {
		struct val *v = &L->vs[i];

		if (v->kind == V_REG && jreg_class(v->reg) == cls && !(avoid & bit(v->reg))) {
			r = v->reg;
			spill(L, i);
			return r;
		}
	}
	fail(L, "out of registers");
	return jit_target.temp[cls][0];
}

/* Move entry i into a free temp outside `avoid`, or to its own slot if there is none. */
static void move_to_temp(struct lower *L, uint32_t i, uint64_t avoid)
{
	struct val *v = &L->vs[i];
	jreg r = free_temp(L, vt_class(v->type), avoid);

	if (r == JREG_NONE) {
		spill(L, i);
		return;
	}
	be_mov(&L->c, v->type, jo_reg(r), opnd_of(L, v, i));
	if (v->kind == V_REG)
		L->used &= ~bit(v->reg);
	L->used |= bit(r);
	v->kind = V_REG;
	v->reg = r;
}

/* Move every stack value out of the registers in mask (to another temp, or its slot). */
static void evict(struct lower *L, uint64_t mask)
{
	for (uint32_t i = 0; i < L->sp; i++)
		if (L->vs[i].kind == V_REG && (mask & bit(L->vs[i].reg)))
			move_to_temp(L, i, mask);
}

/* Spill every stack value below position `to` that a call would lose: temps, and locals
 * that must not change under it (flag all_locals). */
static void spill_below(struct lower *L, uint32_t to, bool all_locals)
{
	for (uint32_t i = 0; i < to && i < L->sp; i++) {
		uint8_t k = L->vs[i].kind;

		if (k == V_REG || (k == V_LOCAL && all_locals))
			spill(L, i);
	}
}

/* Give every stack reference to local l its own copy, outside the registers in `avoid`
 * (those the instruction about to write l clobbers): l is about to change. */
static void detach_local(struct lower *L, uint32_t l, uint64_t avoid)
{
	for (uint32_t i = 0; i < L->sp; i++)
		if (L->vs[i].kind == V_LOCAL && L->vs[i].local == l)
			move_to_temp(L, i, avoid);
}

/* Operand in a register the caller owns and may clobber (a temp). */
static struct jopnd to_temp(struct lower *L, struct jopnd o, uint8_t type)
{
	jreg r;

	if (is_temp(L, o))
		return o;
	r = alloc_reg(L, vt_class(type), 0);
	be_mov(&L->c, type, jo_reg(r), o);
	L->used |= bit(r);
	return jo_reg(r);
}

/* Operand in some register (a home is fine) or an immediate. */
static struct jopnd to_reg_or_imm(struct lower *L, struct jopnd o, uint8_t type)
{
	if (o.kind == OP_REG || o.kind == OP_IMM)
		return o;
	return to_temp(L, o, type);
}

/* ---- parallel moves ---- */

static bool loc_eq(struct jopnd a, struct jopnd b)
{
	if (a.kind != b.kind || a.kind == OP_IMM)
		return false;
	return a.kind == OP_REG ? a.reg == b.reg : a.off == b.off;
}

static struct pmove *mv_add(struct lower *L, uint32_t *n, struct jopnd dst, struct jopnd src,
			    uint8_t type)
{
	struct lower_scratch *ls = L->ls;

	if (!GROW(ls->mv, ls->cap_mv, *n + 1)) {
		fail(L, "out of memory");
		return NULL;
	}
	ls->mv[*n] = (struct pmove){ dst, src, type, false };
	return &ls->mv[(*n)++];
}

/* Perform n moves as if simultaneously.  A move runs once no other pending move still
 * reads its destination; what remains are cycles, broken by swapping (the destinations
 * are unique, so each cycle unravels completely after one swap). */
static void pmove_run(struct lower *L, uint32_t n)
{
	struct pmove *m = L->ls->mv;

	for (uint32_t i = 0; i < n; i++)
		m[i].done = loc_eq(m[i].dst, m[i].src);
	for (;;) {
		bool pending = false, progress = false;

		for (uint32_t i = 0; i < n; i++) {
			bool blocked = false;

			if (m[i].done)
				continue;
			pending = true;
			for (uint32_t j = 0; j < n && !blocked; j++)
				blocked = j != i && !m[j].done && loc_eq(m[j].src, m[i].dst);
			if (blocked)
				continue;
			be_mov(&L->c, m[i].type, m[i].dst, m[i].src);
			m[i].done = true;
			progress = true;
		}
		if (!pending)
			return;
		if (progress)
			continue;
		/* a cycle: swap one register destination with its source */
		{
			uint32_t i;

			for (i = 0; i < n; i++)
				if (!m[i].done && m[i].dst.kind == OP_REG)
					break;
			if (i == n) {
				fail(L, "memory-only move cycle");
				return;
			}
			be_swap(&L->c, m[i].type == VT_V128 ? VT_V128 :
				vt_class(m[i].type) == JC_FPR ? VT_F64 : VT_I64,
				m[i].dst.reg, m[i].src);
			m[i].done = true;
			for (uint32_t j = 0; j < n; j++)
				if (!m[j].done && loc_eq(m[j].src, m[i].dst))
					m[j].src = m[i].src;
		}
	}
}

/* ---- control: labels and the canonical places of travelling values ---- */

static const vtype *label_types(const struct blk *t, uint32_t *n)
{
	if (t->kind == FLOW_LOOP) {
		*n = t->nparams;
		return t->params;
	}
	*n = t->nresults;
	return t->results;
}

/* Where value i of the values carried to a label of a frame at `height` travels. */
static struct jopnd canon_loc(const struct lower *L, uint32_t height, const vtype *types,
			      uint32_t i)
{
	int cls = vt_class(types[i]);
	uint32_t k = 0;

	for (uint32_t j = 0; j < i; j++)
		k += vt_class(types[j]) == cls;
	if (k < 2)
		return jo_reg(jit_target.canon[cls][k]);
	return jo_mem(slot_off(L, height + i));
}

/* Are the top n values already where the label wants them? */
static bool transfer_trivial(struct lower *L, const struct blk *t)
{
	uint32_t n;
	const vtype *types = label_types(t, &n);
	uint32_t base = L->sp - n;

	for (uint32_t i = 0; i < n; i++)
		if (!jo_same(opnd_of(L, &L->vs[base + i], base + i), canon_loc(L, t->height, types, i)))
			return false;
	return true;
}

/* Emit moves of the top values to the label's canonical places.  Leaves the abstract stack
 * alone: after a br_if the fall-through path continues from it. */
static void transfer(struct lower *L, const struct blk *t)
{
	uint32_t n, nm = 0;
	const vtype *types = label_types(t, &n);
	uint32_t base = L->sp - n;

	for (uint32_t i = 0; i < n; i++)
		mv_add(L, &nm, canon_loc(L, t->height, types, i),
		       opnd_of(L, &L->vs[base + i], base + i), types[i]);
	if (!L->failed)
		pmove_run(L, nm);
}

/* After a label: the carried values, in their canonical places, become the stack top. */
static void enter_canonical(struct lower *L, uint32_t height, const vtype *types, uint32_t n)
{
	L->sp = height;
	for (uint32_t i = 0; i < n; i++) {
		struct jopnd o = canon_loc(L, height, types, i);

		if (o.kind == OP_REG)
			push_reg(L, types[i], o.reg);
		else
			push(L, (struct val){ .kind = V_SLOT, .type = types[i] });
	}
	recompute_used(L);
}

/* Register r to its frame slot at off (save), or back. */
static void save_reg(struct lower *L, jreg r, int32_t off, bool save)
{
	/* an FPR may hold a v128 in functions that use them (stride 16: 16-byte save slots) */
	uint8_t t = jreg_class(r) == JC_GPR ? VT_I64 : L->stride == 16 ? VT_V128 : VT_F64;

	if (save)
		be_mov(&L->c, t, jo_mem(off), jo_reg(r));
	else
		be_mov(&L->c, t, jo_reg(r), jo_mem(off));
}

/* The FPR homes this function uses are the caller's too: saved right after be_prologue
 * and restored right before be_epilogue.  Unlike the GPRs' pushes or pairs, which are the
 * back end's, these are plain moves to slots of the body (see struct jframe). */
static void save_fpr_homes(struct lower *L, bool save)
{
	for (int i = 0; i < jit_target.nhome[JC_FPR]; i++) {
		jreg r = jit_target.home[JC_FPR][i];

		if (L->c.frame.saved & bit(r))
			save_reg(L, r, L->fsave_off[r], save);
	}
}

/* Results of the function to their return places, then the epilogue. */
static void do_return(struct lower *L)
{
	const struct functype *ft = L->ft;
	uint32_t n = ft->nresults, base = L->sp - n, nm = 0;

	if (n == 1 && !jit_results_in_memory(ft)) {
		mv_add(L, &nm, jo_reg(jit_target.ret[vt_class(ft->results[0])]),
		       opnd_of(L, &L->vs[base], base), ft->results[0]);
	} else if (n) {
		for (uint32_t i = 0; i < n; i++) {
			const struct val *v = &L->vs[base + i];
			struct jopnd src = opnd_of(L, v, base + i);

			/* results overwrite the stack-argument area, where parameters may live:
			 * copy those to the value's own slot first.  The abstract stack is left
			 * alone (a br_if's fall-through path never wrote that slot). */
			if (v->kind == V_LOCAL && src.kind == OP_MEM) {
				be_mov(&L->c, v->type, jo_mem(slot_off(L, base + i)), src);
				src = jo_mem(slot_off(L, base + i));
			}
			mv_add(L, &nm, jo_mem(L->c.frame.in_args +
					      8 * (int32_t)jit_result_word(ft, i)), src,
			       ft->results[i]);
		}
	}
	if (L->failed)
		return;
	pmove_run(L, nm);
	save_fpr_homes(L, false);
	be_epilogue(&L->c);
}

/* The block a branch goes to, from the side table (branches are met in its order). */
static struct blk *next_target(struct lower *L)
{
	return &L->blk[flow_target(&L->fc)];
}

/* Conditional branch on the value on top, or on a fused comparison. */
struct cond {
	uint16_t cmp;            /* comparison opcode, or 0: test `v` */
	struct jopnd lhs, rhs, v;
};

/* Put an immediate on the right of a commutative operator or an integer comparison, the
 * side where instructions take one (so no back end swaps operands itself); a comparison
 * is mirrored: a < b  <=>  b > a.  Scalar float operators stay as they are: no float
 * instruction takes an immediate, the back ends order compare operands themselves, and
 * add/mul/min/max with two NaN operands must give lhs's NaN (vm/interp_num.h nan_first*).
 * Returns the operator to use. */
static uint16_t imm_to_right(uint16_t op, struct jopnd *lhs, struct jopnd *rhs)
{
	struct jopnd t = *lhs;
	uint16_t sw = op_swapped(op);

	if (lhs->kind != OP_IMM || rhs->kind == OP_IMM || sw == OPC_NONE)
		return op;
	if (op_info[op].type == VT_F32 || op_info[op].type == VT_F64)
		return op;
	*lhs = *rhs;
	*rhs = t;
	return sw;
}

static struct cond pop_cond(struct lower *L, uint16_t cmp)
{
	struct cond k = { .cmp = cmp, .lhs = jo_imm(0), .rhs = jo_imm(0), .v = jo_imm(0) };

	if (op_is_eqz(cmp)) {
		k.lhs = pop(L, NULL);
	} else if (cmp) {
		k.rhs = pop(L, NULL);
		k.lhs = pop(L, NULL);
		k.cmp = imm_to_right(cmp, &k.lhs, &k.rhs);
	} else {
		k.v = pop(L, NULL);
	}
	return k;
}

static void release_cond(struct lower *L, struct cond *k)
{
	release(L, k->lhs);
	release(L, k->rhs);
	release(L, k->v);
}

static void branch_cond(struct lower *L, struct cond *k, bool negate, uint32_t label)
{
	if (k->cmp)
		be_cmp_branch(&L->c, k->cmp, k->lhs, k->rhs, negate, label);
	else if (k->v.kind != OP_IMM)
		be_test_branch(&L->c, k->v, negate, label);
	else if (((uint32_t)k->v.imm != 0) != negate) /* constant: jump, or fall through */
		be_jmp(&L->c, label);
}

/* Open a block, loop or if (the side table's next block).  Values below its parameters go
 * to memory (or stay constants), so that every path to its labels sees them the same way. */
static struct blk *open_block(struct lower *L)
{
	const struct flow_block *fb = flow_get(L->fc.fl, flow_open(&L->fc));
	struct blk *c = &L->blk[L->fc.cur];

	memset(c, 0, sizeof(*c));
	c->kind = fb->kind;
	c->depth = L->blk[fb->parent].depth + 1;
	flow_sig(L->mod, fb, &c->params, &c->nparams, &c->results, &c->nresults);
	/* the side table counts 64-bit slots (a v128 takes two); this stack counts values,
	 * and a block opens in reachable code with exactly its parameters above its height */
	c->height = L->def->uses_v128 ? L->sp - c->nparams : fb->height;
	spill_below(L, c->height, true);
	c->label = cb_label_new(L->c.cb);
	return c;
}

static void op_loop(struct lower *L)
{
	struct blk *c = open_block(L);

	if (c->nparams) {
		transfer(L, c);
		enter_canonical(L, c->height, c->params, c->nparams);
	}
	cb_bind(L->c.cb, c->label);
	be_poll(&L->c);
}

static void op_if(struct lower *L, uint16_t cmp)
{
	struct cond k = pop_cond(L, cmp);
	struct blk *c = open_block(L);

	c->else_label = cb_label_new(L->c.cb);
	if (c->nparams) {
		/* the else path needs the parameters too: park a copy */
		c->save_off = L->if_save_next;
		L->if_save_next += L->stride * (int32_t)c->nparams;
		for (uint32_t i = 0; i < c->nparams; i++) {
			spill(L, c->height + i);
			be_mov(&L->c, c->params[i], jo_mem(c->save_off + L->stride * (int32_t)i),
			       jo_mem(slot_off(L, c->height + i)));
		}
	}
	branch_cond(L, &k, true, c->else_label);
	release_cond(L, &k);
}

/* The else path of an if starts with its parameters, restored from the save area. */
static void enter_else_path(struct lower *L, struct blk *c)
{
	L->sp = c->height;
	for (uint32_t i = 0; i < c->nparams; i++) {
		be_mov(&L->c, c->params[i], jo_mem(slot_off(L, c->height + i)),
		       jo_mem(c->save_off + L->stride * (int32_t)i));
		push(L, (struct val){ .kind = V_SLOT, .type = c->params[i] });
	}
	recompute_used(L);
}

/* Take a branch to t: the carried values to the label's places, then the jump (the
 * function's own frame: return). */
static void branch_to(struct lower *L, struct blk *t)
{
	if (t->kind == FLOW_FUNC) {
		do_return(L);
		return;
	}
	transfer(L, t);
	be_jmp(&L->c, t->label);
}

static void op_else(struct lower *L)
{
	struct blk *c = &L->blk[L->fc.cur];

	if (!L->dead)
		branch_to(L, c);
	cb_bind(L->c.cb, c->else_label);
	enter_else_path(L, c);
}

/* Close the current block.  Whether code after it is reachable is the side table's
 * business: if not, a dead stretch starts right after, and the stack left here is unused. */
static void op_end(struct lower *L)
{
	uint32_t id = flow_close(&L->fc);
	struct blk *c = &L->blk[id];

	if (c->try_end)
		cb_bind(L->c.cb, c->try_end - 1);
	if (c->legacy) {
		if (!c->in_arms)
			cb_bind(L->c.cb, c->body_end); /* try without catch: no rows */
		L->try_level--;
	}

	switch (c->kind) {
	case FLOW_FUNC:
		if (!L->dead)
			do_return(L);
		return;
	case FLOW_LOOP:
		/* the label is at the top: values simply stay where they are */
		return;
	case FLOW_IF:
		if (flow_get(L->fc.fl, id)->else_at)
			break; /* ends like a block */
		/* no else: the false path carries the parameters (= results) to the end */
		if (c->nparams == 0 && c->nresults == 0) {
			cb_bind(L->c.cb, c->else_label);
			cb_bind(L->c.cb, c->label);
			L->sp = c->height;
			recompute_used(L);
			return;
		}
		if (!L->dead)
			branch_to(L, c);
		cb_bind(L->c.cb, c->else_label);
		enter_else_path(L, c);
		transfer(L, c);
		cb_bind(L->c.cb, c->label);
		enter_canonical(L, c->height, c->results, c->nresults);
		return;
	default:
		break;
	}
	if (!L->dead)
		transfer(L, c);
	cb_bind(L->c.cb, c->label);
	enter_canonical(L, c->height, c->results, c->nresults);
}

static void op_br(struct lower *L)
{
	branch_to(L, next_target(L));
}

static void op_br_if(struct lower *L, uint16_t cmp)
{
	struct cond k = pop_cond(L, cmp);
	struct blk *t = next_target(L);

	if (t->kind != FLOW_FUNC && transfer_trivial(L, t)) {
		branch_cond(L, &k, false, t->label);
	} else {
		uint32_t skip = cb_label_new(L->c.cb);

		branch_cond(L, &k, true, skip);
		branch_to(L, t);
		cb_bind(L->c.cb, skip);
	}
	release_cond(L, &k);
}

/* be_br_table, or just a jump when the default is the only entry. */
static void br_table(struct lower *L, jreg idx, uint32_t n, const uint32_t *labels)
{
	if (n)
		be_br_table(&L->c, idx, n, labels);
	else
		be_jmp(&L->c, labels[0]);
}

static void op_br_table(struct lower *L, const struct instr *in)
{
	struct lower_scratch *ls = L->ls;
	uint32_t n = in->a;
	uint8_t ty;
	struct jopnd idx = pop(L, &ty);
	bool trivial = true;

	if (!GROW(ls->labels, ls->cap_labels, 2 * ((size_t)n + 1))) {
		fail(L, "out of memory");
		return;
	}
	/* target block ids in labels[n + 1 ..] (the default last), code labels in [0 .. n] */
	for (uint32_t i = 0; i <= n; i++)
		ls->labels[n + 1 + i] = flow_target(&L->fc);
	if (idx.kind == OP_IMM) {
		uint32_t i = (uint32_t)idx.imm;

		branch_to(L, &L->blk[ls->labels[n + 1 + (i < n ? i : n)]]);
		return;
	}
	for (uint32_t i = 0; i <= n && trivial; i++) {
		struct blk *t = &L->blk[ls->labels[n + 1 + i]];

		trivial = t->kind != FLOW_FUNC && transfer_trivial(L, t);
	}
	idx = to_temp(L, idx, VT_I32);
	if (trivial) {
		for (uint32_t i = 0; i <= n; i++)
			ls->labels[i] = L->blk[ls->labels[n + 1 + i]].label;
		br_table(L, idx.reg, n, ls->labels);
	} else {
		/* one stub per entry: move the values, then jump (or return) */
		for (uint32_t i = 0; i <= n; i++)
			ls->labels[i] = cb_label_new(L->c.cb);
		br_table(L, idx.reg, n, ls->labels);
		for (uint32_t i = 0; i <= n && !L->failed; i++) {
			cb_bind(L->c.cb, ls->labels[i]);
			branch_to(L, &L->blk[ls->labels[n + 1 + i]]);
		}
	}
	release(L, idx);
}

/* ---- calls ---- */

/* The registers in mask to their helper-save slots, or back. */
static void save_regs(struct lower *L, uint64_t mask, bool save)
{
	for (; mask; mask &= mask - 1) {
		jreg r = (jreg)__builtin_ctzll(mask);

		save_reg(L, r, L->csave_off[r], save);
	}
}

/* Locals homed in temps live in their helper-save slots across a wasm call (the callee
 * may use those registers freely).  Saving reads them before argument moves overwrite
 * them; restoring happens after the call, before the results are taken. */
static void save_temp_homes(struct lower *L, bool save)
{
	save_regs(L, L->temp_homes, save);
}

/* Memory 0's pinned registers after a call or memory.grow: a callee in another instance
 * leaves them set for its own memory, and with explicit bounds a grow may have moved this
 * one.  A reserved memory never moves, so a call within the instance keeps them. */
static void reload_mem(struct lower *L, bool other_inst)
{
	if (L->c.uses_memory && L->c.mem && (L->c.explicit_bounds || other_inst))
		be_load_mem(&L->c, true);
}

/* Arguments (the top nparams values, plus the call_indirect index or call_ref reference)
 * to their places: stack arguments to the outgoing area, or for a tail call to this
 * function's incoming area, where the callee will find them. */
static void place_args(struct lower *L, const struct functype *t, struct jopnd *idx,
		       uint8_t idx_type, bool tail)
{
	uint32_t n = t->nparams, base = L->sp - n, nm = 0, k[2] = { 0, 0 }, s = 0;
	int32_t area = tail ? (int32_t)L->c.frame.in_args : 0;

	/* everything else on the stack survives the call only in memory */
	spill_below(L, base, false);
	for (uint32_t i = 0; i < n; i++) {
		int cls = vt_class(t->params[i]);
		struct jopnd dst;

		if (jit_arg_in_reg(t->params[i]) && k[cls] < jit_target.narg[cls]) {
			dst = jo_reg(jit_target.arg[cls][k[cls]++]);
		} else {
			dst = jo_mem(area + 8 * (int32_t)s);
			s += vt_slots(t->params[i]);
		}
		mv_add(L, &nm, dst, opnd_of(L, &L->vs[base + i], base + i), t->params[i]);
	}
	if (idx)
		mv_add(L, &nm, jo_reg(jit_target.indirect_idx), *idx, idx_type);
	save_temp_homes(L, true);
	if (!L->failed)
		pmove_run(L, nm);
	L->sp = base;
	L->used = 0; /* every temp is the callee's now */
}

/* After a call: memory 0's registers, the temp homes back, then the call's results
 * become the stack top. */
static void after_call(struct lower *L, const struct functype *t, bool other_inst)
{
	reload_mem(L, other_inst);
	save_temp_homes(L, false);
	if (t->nresults == 1 && !jit_results_in_memory(t)) {
		push_reg(L, t->results[0], jit_target.ret[vt_class(t->results[0])]);
		return;
	}
	for (uint32_t i = 0; i < t->nresults; i++) {
		be_mov(&L->c, t->results[i], jo_mem(slot_off(L, L->sp)),
		       jo_mem(8 * (int32_t)jit_result_word(t, i)));
		push(L, (struct val){ .kind = V_SLOT, .type = t->results[i] });
	}
}

static void op_call(struct lower *L, uint32_t index)
{
	struct chibi_func *callee = L->c.inst->funcs[index];
	struct jit_func *jf = jit_func_of(L->c.js, callee);
	const struct functype *t = callee->type;

	if (!jf) {
		fail(L, "out of memory");
		return;
	}
	place_args(L, t, NULL, 0, false);
	be_call_direct(&L->c, jf, jf->state == JF_COMPILED ? jf->code : NULL,
		       callee == L->c.func);
	/* a callee that may end in another instance leaves its memory registers set */
	after_call(L, t, callee->inst != L->c.inst ||
		   (callee->kind == FUNC_WASM && callee->def->tail_calls_out));
}

/* Can this function tail-call a callee of type t in the JIT?  Its stack arguments must fit
 * the room every caller reserves (JIT_TAIL_WORDS); else the function falls back. */
static bool tail_fits(struct lower *L, const struct functype *t)
{
	if (jit_stack_words(t) > JIT_TAIL_WORDS) {
		fail(L, "tail call with more stack arguments than JIT_TAIL_WORDS");
		return false;
	}
	return true;
}

/* call_indirect compares canonical type ids; a callee of a proper subtype of a non-final
 * type passes on a second check, its supertype at the expected type's depth (struct
 * functype's supers).  JIT_FINAL: a final type has no subtypes, the one compare is all. */
static uint32_t indirect_depth(struct lower *L, uint32_t typeidx)
{
	if (L->mod->types[typeidx].final_)
		return JIT_FINAL;
	return L->c.inst->store->types[L->c.inst->type_ids[typeidx]].depth;
}

/*
 * return_call, return_call_indirect, return_call_ref: the arguments go to the argument
 * registers and this function's incoming area (JIT_TAIL_WORDS), the frame is freed and the
 * callee is jumped to, so it returns to our caller and a chain of tail calls runs in one
 * native frame.  A callee in another instance sets its own memory registers; the
 * validator marks every function that may end so (struct func's tail_calls_out) and
 * their callers reload theirs.  A multi-value callee writes its results where our caller
 * reserved them for ours (the same types).
 */
static void op_return_call(struct lower *L, uint32_t index)
{
	struct chibi_func *callee = L->c.inst->funcs[index];
	struct jit_func *jf = jit_func_of(L->c.js, callee);
	const struct functype *t = callee->type;

	if (!jf) {
		fail(L, "out of memory");
		return;
	}
	if (!tail_fits(L, t))
		return;
	place_args(L, t, NULL, 0, true);
	if (L->failed)
		return;
	save_fpr_homes(L, false);
	be_tail_call_direct(&L->c, jf, jf->state == JF_COMPILED ? jf->code : NULL,
			    callee == L->c.func);
}

static void op_call_indirect(struct lower *L, const struct instr *in, bool tail)
{
	const struct functype *t = &L->mod->types[in->a];
	struct jopnd idx;

	if (tail && !tail_fits(L, t))
		return;
	idx = pop(L, NULL);
	/* a 64-bit table: an index past u32 is past the table (which has fewer than 2^32
	 * elements); the back end compares the low half with the size */
	if (L->c.inst->tables[in->b]->is64) {
		uint32_t undef = jc_trap_label(&L->c, CHIBI_TRAP_UNDEFINED_ELEMENT);

		idx = to_reg_or_imm(L, idx, VT_I64);
		if (idx.kind != OP_IMM)
			be_cmp_branch(&L->c, OPC_I64_GT_U, idx, jo_imm(UINT32_MAX), false, undef);
		else if (idx.imm > UINT32_MAX)
			be_jmp(&L->c, undef);
	}
	place_args(L, t, &idx, VT_I32, tail);
	if (!tail) {
		be_call_indirect(&L->c, L->c.inst->tables[in->b], L->c.inst->type_ids[in->a],
				 indirect_depth(L, in->a));
		after_call(L, t, true);
		return;
	}
	if (L->failed)
		return;
	save_fpr_homes(L, false);
	be_tail_call_indirect(&L->c, L->c.inst->tables[in->b], L->c.inst->type_ids[in->a],
			      indirect_depth(L, in->a));
}

static void op_call_ref(struct lower *L, const struct instr *in, bool tail)
{
	const struct functype *t = &L->mod->types[in->a];
	struct jopnd ref;

	if (tail && !tail_fits(L, t))
		return;
	ref = pop(L, NULL);
	place_args(L, t, &ref, VT_FUNCREF, tail);
	if (!tail) {
		be_call_ref(&L->c);
		after_call(L, t, true);
		return;
	}
	if (L->failed)
		return;
	save_fpr_homes(L, false);
	be_tail_call_ref(&L->c);
}

/* br_on_null (the reference is dropped when the branch is taken) and br_on_non_null (it
 * travels with the branch and is dropped when not).  A null reference is zero. */
static void op_br_on_null(struct lower *L, bool on_null)
{
	struct blk *t = next_target(L);
	struct val v = L->vs[L->sp - 1];
	struct jopnd o;

	if (on_null)
		o = pop(L, NULL);
	else
		o = opnd_of(L, &L->vs[L->sp - 1], L->sp - 1);
	if (o.kind == OP_IMM) {
		if ((o.imm == 0) == on_null)
			branch_to(L, t);
	} else if (t->kind != FLOW_FUNC && transfer_trivial(L, t)) {
		be_cmp_branch(&L->c, OPC_I64_EQZ, o, jo_imm(0), !on_null, t->label);
	} else {
		uint32_t skip = cb_label_new(L->c.cb);

		be_cmp_branch(&L->c, OPC_I64_EQZ, o, jo_imm(0), on_null, skip);
		branch_to(L, t);
		cb_bind(L->c.cb, skip);
	}
	if (on_null)
		push(L, v); /* the same place: nothing ran on this path */
	else
		release(L, pop(L, NULL));
}

/* ref.as_non_null: trap on null; the value stays where it is. */
static void op_ref_as_non_null(struct lower *L)
{
	struct jopnd o = opnd_of(L, &L->vs[L->sp - 1], L->sp - 1);

	if (o.kind != OP_IMM)
		be_cmp_branch(&L->c, OPC_I64_EQZ, o, jo_imm(0), false,
			      jc_trap_label(&L->c, CHIBI_TRAP_NULL_REF));
	else if (o.imm == 0)
		be_jmp(&L->c, jc_trap_label(&L->c, CHIBI_TRAP_NULL_REF));
}

/* ---- helper calls ---- */

struct harg {
	struct jopnd o;
	uint8_t type;
	const void *ptr;  /* a host address, set after the moves (be_addr) instead of o */
	bool frame;       /* the address of the frame at frame_off, set after the moves */
	int32_t frame_off;
};

/* Call a C helper returning struct jit_ret: args go to the C argument registers as raw
 * 64-bit values; the value (typed rtype, or none when 0) is pushed.  Temps and the homes
 * C may clobber are saved around the call. */
static void call_helper(struct lower *L, const void *fn, const struct harg *a, uint32_t n,
			uint8_t rtype, bool can_trap)
{
	uint32_t nm = 0;
	jreg ret = jit_target.helper_ret;

	spill_below(L, L->sp, false);
	save_regs(L, L->csave_mask, true);
	for (uint32_t i = 0; i < n; i++) {
		if (a[i].ptr || a[i].frame)
			continue;
		/* a float operand moves bit for bit into an integer register */
		mv_add(L, &nm, jo_reg(jit_target.helper_arg[i]), a[i].o, a[i].type);
		release(L, a[i].o);
	}
	if (L->failed)
		return;
	pmove_run(L, nm);
	/* addresses last: in code for a compiled file they are loads, not immediates */
	for (uint32_t i = 0; i < n; i++)
		if (a[i].ptr)
			be_addr(&L->c, jit_target.helper_arg[i], a[i].ptr);
		else if (a[i].frame)
			be_frame_addr(&L->c, jit_target.helper_arg[i], a[i].frame_off);
	be_call_helper(&L->c, fn);
	if (can_trap) /* a non-zero trap code raises it */
		be_cmp_branch(&L->c, OPC_I64_EQZ, jo_reg(jit_target.helper_ret2), jo_imm(0), true,
			      jc_trap_any_label(&L->c));
	save_regs(L, L->csave_mask, false);
	L->used = 0;
	recompute_used(L);
	if (!rtype)
		return;
	if (vt_class(rtype) == JC_FPR) {
		jreg r = alloc_reg(L, JC_FPR, 0);

		be_mov(&L->c, rtype, jo_reg(r), jo_reg(ret));
		push_reg(L, rtype, r);
	} else {
		push_reg(L, rtype, ret);
	}
}

static struct harg ha_pop(struct lower *L)
{
	struct harg h = { .ptr = NULL };

	h.o = pop(L, &h.type);
	return h;
}

static struct harg ha_ptr(const void *p)
{
	return (struct harg){ .o = jo_imm(0), .type = VT_I64, .ptr = p };
}

static struct harg ha_u32(uint32_t v)
{
	return (struct harg){ .o = jo_imm(v), .type = VT_I32 };
}

/* throw: the payload goes to its frame slots (L->stride bytes per value), where
 * jit_h_throw reads it to make the exception, which it throws on (jit_unwind, vm_throw).
 * It comes back only with the trap of a failed allocation. */
static void op_throw(struct lower *L, uint32_t tag)
{
	const struct functype *ft = L->c.inst->tags[tag]->type;
	uint32_t n = ft->nparams;
	struct harg a[5];

	if (n > L->sp) {
		fail(L, "value stack underflow");
		return;
	}
	for (uint32_t i = L->sp - n; i < L->sp; i++)
		if (L->vs[i].kind != V_SLOT)
			spill(L, i);
	a[2] = (struct harg){ .frame = true, .frame_off = slot_off(L, L->sp - n) };
	for (uint32_t i = 0; i < n; i++)
		release(L, pop(L, NULL));
	a[0] = ha_ptr(L->c.func);
	a[1] = ha_u32(tag);
	a[3] = (struct harg){ .frame = true, .frame_off = 0 };
	a[4] = ha_u32((uint32_t)L->stride);
	call_helper(L, (const void *)jit_h_throw, a, 5, 0, true);
	be_jmp(&L->c, jc_trap_label(&L->c, CHIBI_TRAP_UNREACHABLE)); /* never taken */
}

/* throw_ref, and rethrow (the exnref in a legacy arm's hidden slot): jit_h_throw_ref takes
 * the walk from this frame, as jit_h_throw does; it comes back only with the trap of a
 * null reference. */
static void throw_ref(struct lower *L, struct harg exn)
{
	struct harg a[3];

	a[0] = ha_ptr(L->c.func);
	a[1] = exn;
	a[2] = (struct harg){ .frame = true, .frame_off = 0 };
	call_helper(L, (const void *)jit_h_throw_ref, a, 3, 0, true);
	be_jmp(&L->c, jc_trap_label(&L->c, CHIBI_TRAP_UNREACHABLE)); /* never taken */
}

static void op_rethrow(struct lower *L)
{
	const struct blk *t = next_target(L);

	throw_ref(L, (struct harg){ .o = jo_mem(t->exn_off), .type = VT_EXNREF });
}

/* A new handler row of a try at depth, its clause-th (the rest of its fields filled by the
 * caller); NULL when out of memory. */
static struct jit_handler *eh_row(struct lower *L, uint32_t depth, uint32_t clause)
{
	struct eh_row *r;

	if (!VM_GROW(L->ls->eh, L->ls->cap_eh, (size_t)L->neh + 1)) {
		fail(L, "out of memory");
		return NULL;
	}
	r = &L->ls->eh[L->neh++];
	memset(r, 0, sizeof(*r));
	r->clause = clause;
	r->index = L->neh - 1;
	r->h.depth = depth;
	r->h.exn_off = -1;
	r->h.tag_index = UINT32_MAX;
	r->h.slot_bytes = (uint8_t)L->stride;
	return &r->h;
}

/* A landing pad at a new label, the block's height plus the values a handler left in their
 * slots (payload, exnref) as the stack: what jit_unwind writes before it lands.  Everything
 * below the height is in memory or constant (open_block), so the pad starts from that
 * state whatever the body did; it reloads the memory registers, which the throw may have
 * left changed (the C frames it dropped used them as callee-saved registers).  A function
 * that uses no memory reloads memory 0's base all the same in guard mode: its callers in
 * the instance keep using that register after the call without reloading it (reload_mem),
 * and the epilogue restores only the homes.  With explicit bounds they reload it from the
 * memory register, a home, which the epilogue restores. */
static uint32_t landing_pad(struct lower *L, uint32_t height, const struct chibi_tag *tag,
			    bool with_exn)
{
	uint32_t pad = cb_label_new(L->c.cb);

	cb_bind(L->c.cb, pad);
	L->sp = height;
	recompute_used(L);
	if (tag)
		for (uint32_t k = 0; k < tag->type->nparams; k++)
			push(L, (struct val){ .kind = V_SLOT, .type = tag->type->params[k] });
	if (with_exn)
		push(L, (struct val){ .kind = V_SLOT, .type = VT_EXNREF });
	if (L->c.uses_memory && L->c.mem)
		be_load_mem(&L->c, false);
	else if (L->c.mem && !L->c.explicit_bounds)
		be_load_mem(&L->c, true); /* the base alone */
	return pad;
}

/* try_table: each clause gets a landing pad, out of line before the body, which is the
 * branch to the clause's label with the payload and (the _ref forms) the exnref.  The rows
 * naming the pads cover the body's code (search: jit_unwind). */
static void op_try_table(struct lower *L, const struct instr *in)
{
	const struct flow_block *fb = flow_get(L->fc.fl, L->fc.next_block);
	uint32_t height = fb->height, sp = L->sp;
	uint32_t skip = cb_label_new(L->c.cb), start = cb_label_new(L->c.cb), end;
	uint32_t first = L->neh;
	const uint8_t *p = in->table;
	struct val *saved;
	const struct blk *parent = &L->blk[L->fc.cur];
	struct blk *c;

	if (L->def->uses_v128) {
		/* the side table counts slots, this stack values (open_block) */
		const vtype *params, *results;
		uint32_t np, nr;

		flow_sig(L->mod, fb, &params, &np, &results, &nr);
		height = sp - np;
	}
	spill_below(L, sp, true);
	saved = vm_malloc((sp - height + 1) * sizeof(*saved));
	if (!saved) {
		fail(L, "out of memory");
		return;
	}
	memcpy(saved, L->vs + height, (sp - height) * sizeof(*saved));
	be_jmp(&L->c, skip);
	for (uint32_t i = 0; i < in->b && !L->failed; i++) {
		struct blk *t = next_target(L);
		struct jit_handler *h;
		uint32_t x, label;
		uint8_t kind;
		bool ref;

		instr_catch_clause(&p, &kind, &x, &label);
		ref = kind == CATCH_TAG_REF || kind == CATCH_ALL_REF;
		/* the try_table's block, opened after its pads: one level below the current */
		h = eh_row(L, parent->depth + 1, i);
		if (!h)
			break;
		if (kind == CATCH_TAG || kind == CATCH_TAG_REF) {
			h->tag = L->c.inst->tags[x];
			h->tag_index = x;
		}
		h->payload_off = slot_off(L, height);
		if (ref)
			h->exn_off = slot_off(L, height + (h->tag ? h->tag->type->nparams : 0));
		h->pad = landing_pad(L, height, h->tag, ref);
		branch_to(L, t);
	}
	L->sp = height;
	for (uint32_t i = 0; i < sp - height; i++)
		L->vs[L->sp++] = saved[i];
	vm_free(saved);
	recompute_used(L);
	cb_bind(L->c.cb, skip);
	c = open_block(L);
	end = cb_label_new(L->c.cb);
	c->try_end = end + 1;
	cb_bind(L->c.cb, start);
	for (uint32_t i = first; i < L->neh; i++) {
		L->ls->eh[i].h.start = start;
		L->ls->eh[i].h.end = end;
	}
}

/* Legacy try: a block whose body the rows of its catch arms (or its delegate) cover. */
static void op_try(struct lower *L)
{
	struct blk *c = open_block(L);

	c->legacy = true;
	c->exn_off = L->exn_base + 8 * (int32_t)L->try_level++;
	c->try_start = cb_label_new(L->c.cb);
	c->body_end = cb_label_new(L->c.cb);
	cb_bind(L->c.cb, c->try_start);
}

/* Legacy catch x / catch_all (tag_index UINT32_MAX): ends the body or the previous arm
 * like an else, then the arm is a landing pad with the payload; the exnref goes to the
 * try's hidden slot. */
static void op_catch(struct lower *L, uint32_t tag_index)
{
	const struct chibi_tag *tag = tag_index != UINT32_MAX ? L->c.inst->tags[tag_index] : NULL;
	struct blk *c = &L->blk[L->fc.cur];
	struct jit_handler *h;

	if (!L->dead)
		branch_to(L, c);
	if (!c->in_arms)
		cb_bind(L->c.cb, c->body_end);
	c->in_arms = true;
	h = eh_row(L, c->depth, c->nclauses++);
	if (!h)
		return;
	h->start = c->try_start;
	h->end = c->body_end;
	h->tag = tag;
	h->tag_index = tag_index;
	h->payload_off = slot_off(L, c->height);
	h->exn_off = c->exn_off;
	h->pad = landing_pad(L, c->height, tag, false);
}

/* Legacy delegate: a row over the body sending the search on from the named block's depth
 * (the function's, 0: to the caller), then the end of the try. */
static void op_delegate(struct lower *L)
{
	struct blk *c = &L->blk[L->fc.cur];
	const struct blk *t = next_target(L);
	struct jit_handler *h;

	cb_bind(L->c.cb, c->body_end);
	c->in_arms = true;
	h = eh_row(L, c->depth, 0);
	if (h) {
		h->kind = JH_DELEGATE;
		h->start = c->try_start;
		h->end = h->pad = c->body_end;
		h->to_depth = t->depth;
	}
	op_end(L);
}

/* ---- instructions ---- */

/* Where an operation's result goes: a temp, or straight into the home of the local that
 * the next instruction (a local.set or tee, then consumed) writes. */
struct dest {
	jreg reg;
	bool to_local, tee;
	uint32_t local;
};

/* If the next instruction is local.set/tee of a register-homed local of class cls, the
 * result can be computed straight into its home: gives stack references to the local
 * their own copy (outside `clobbered`, the fixed registers the operation itself
 * overwrites: x86-64's rax/rdx for a division, rcx for a shift), consumes the set and
 * returns true. */
static bool result_into_local(struct lower *L, int cls, uint64_t clobbered, struct dest *d)
{
	const struct instr *nx;
	const struct local *lc;

	if (L->pc + 1 >= L->nins)
		return false;
	nx = &L->ins[L->pc + 1];
	if (nx->op != OPC_LOCAL_SET && nx->op != OPC_LOCAL_TEE)
		return false;
	lc = &L->locals[nx->a];
	if (lc->home == JREG_NONE || jreg_class(lc->home) != cls)
		return false;
	detach_local(L, nx->a, clobbered);
	*d = (struct dest){ .reg = lc->home, .to_local = true, .tee = nx->op == OPC_LOCAL_TEE,
			    .local = nx->a };
	L->pc++;
	cb_mark(L->c.cb, (uint32_t)nx->offset);
	return true;
}

/* Choose the destination of an operation whose operands are popped and which overwrites
 * the fixed registers in `clobbered` (be_clobbers). */
static struct dest pick_dst_clobbering(struct lower *L, int cls, struct jopnd lhs,
				       struct jopnd rhs, uint64_t clobbered)
{
	struct dest d = { .reg = JREG_NONE };

	if (result_into_local(L, cls, clobbered, &d))
		return d;
	if (is_temp(L, lhs) && jreg_class(lhs.reg) == cls) {
		d.reg = lhs.reg;
	} else if (is_temp(L, rhs) && jreg_class(rhs.reg) == cls) {
		d.reg = rhs.reg;
	} else {
		d.reg = alloc_reg(L, cls, 0);
		L->used |= bit(d.reg);
	}
	return d;
}

static struct dest pick_dst(struct lower *L, int cls, struct jopnd lhs, struct jopnd rhs)
{
	return pick_dst_clobbering(L, cls, lhs, rhs, 0);
}

/* Release a consumed operand, unless the result took over its register. */
static void release_src(struct lower *L, struct jopnd o, jreg dst)
{
	if (!(o.kind == OP_REG && o.reg == dst))
		release(L, o);
}

/* Push the result of an operation computed into d. */
static void finish_result(struct lower *L, uint8_t type, const struct dest *d)
{
	if (!d->to_local)
		push_reg(L, type, d->reg);
	else if (d->tee)
		push(L, (struct val){ .kind = V_LOCAL, .type = type, .local = d->local });
}

/* result = op(src), src already popped. */
static void unop(struct lower *L, uint16_t op, uint8_t rt, struct jopnd src)
{
	struct dest d = pick_dst(L, vt_class(rt), src, jo_imm(0));

	/* a reinterpretation (bits kept, same width) is a move to the other register class,
	 * which be_mov does bit for bit; wrap narrows, which the back end's unop does */
	if ((op_info[op].flags & OPF_BITS) && vt_is64(rt) == op_is_wide(op))
		be_mov(&L->c, rt, jo_reg(d.reg), src);
	else
		be_unop(&L->c, op, d.reg, src);
	release_src(L, src, d.reg);
	finish_result(L, rt, &d);
}

static void op_select(struct lower *L, uint16_t cmp);

static void op_numeric(struct lower *L, const struct instr *in)
{
	uint16_t op = in->op;
	const struct opinfo *oi = &op_info[op];
	size_t np = oi->params[0] ? (oi->params[1] ? 2 : 1) : 0;
	uint8_t rt = vt_from_letter(oi->results[0]);
	struct jopnd lhs, rhs;
	uint64_t clob;
	struct dest d;

	/* constant folding: same semantics as the interpreter, by construction */
	if (L->sp >= np && L->vs[L->sp - 1].kind == V_CONST &&
	    (np == 1 || L->vs[L->sp - 2].kind == V_CONST) && jit_num_helper(op)) {
		uint64_t a = L->vs[L->sp - np].imm, b = np == 2 ? L->vs[L->sp - 1].imm : 0;
		struct jit_ret r = jit_num_helper(op)(a, b);

		if (!r.trap) {
			L->sp -= (uint32_t)np;
			push_const(L, rt, rt == VT_I32 ? (uint64_t)(int64_t)(int32_t)r.val : r.val);
			return;
		}
	}
	/* a comparison feeding br_if / if / select fuses with it */
	if (op_is_compare(op) && L->pc + 1 < L->nins) {
		const struct instr *nx = &L->ins[L->pc + 1];

		if ((nx->op == OPC_SELECT || nx->op == OPC_SELECT_T) && !op_is_float_cmp(op) &&
		    L->sp >= 4 && L->vs[L->sp - 4].type != VT_V128) {
			L->pc++;
			cb_mark(L->c.cb, (uint32_t)nx->offset);
			op_select(L, op);
			return;
		}
		if (nx->op == OPC_BR_IF || nx->op == OPC_IF) {
			L->pc++;
			cb_mark(L->c.cb, (uint32_t)nx->offset);
			if (nx->op == OPC_BR_IF)
				op_br_if(L, op);
			else
				op_if(L, op);
			return;
		}
	}
	if (!be_inline(op)) {
		struct harg a[2];

		if (np == 2)
			a[1] = ha_pop(L);
		a[0] = ha_pop(L);
		call_helper(L, (const void *)jit_num_helper(op), a, (uint32_t)np, rt,
			    op_may_trap(op));
		return;
	}
	if (np == 1) {
		unop(L, op, rt, pop(L, NULL));
		return;
	}
	rhs = opnd_of(L, &L->vs[L->sp - 1], L->sp - 1);
	clob = be_clobbers(op, &rhs);
	rhs = pop(L, NULL);
	lhs = pop(L, NULL);
	if (clob)
		evict(L, clob);
	op = imm_to_right(op, &lhs, &rhs);
	d = pick_dst_clobbering(L, vt_class(rt), lhs, rhs, clob);
	if (op_is_divrem(op) && rhs.kind == OP_IMM &&
	    (rt == VT_I64 ? rhs.imm : (uint32_t)rhs.imm) == 0)
		be_jmp(&L->c, jc_trap_label(&L->c, CHIBI_TRAP_DIV_ZERO)); /* always traps */
	else
		be_binop(&L->c, op, d.reg, lhs, rhs);
	release_src(L, lhs, d.reg);
	release_src(L, rhs, d.reg);
	finish_result(L, rt, &d);
}

static void op_local_set(struct lower *L, uint32_t l, bool tee)
{
	struct local *lc = &L->locals[l];
	struct val *top = &L->vs[L->sp - 1], saved;
	uint8_t t;
	struct jopnd v;

	if (top->kind == V_LOCAL && top->local == l) {
		if (!tee)
			L->sp--;
		return;
	}
	detach_local(L, l, 0);
	saved = L->vs[L->sp - 1];
	v = pop(L, &t);
	be_mov(&L->c, lc->type, local_opnd(L, l), v);
	if (tee && (lc->home == JREG_NONE || saved.kind != V_REG)) {
		/* the value stays as it was (a temp, another local's home, a constant, its
		 * slot): cheaper than reading a memory-homed local back */
		push(L, saved);
		return;
	}
	release(L, v);
	if (tee)
		push(L, (struct val){ .kind = V_LOCAL, .type = lc->type, .local = l });
}

/* select; with cmp (an integer comparison or eqz, fused from the instruction before) a
 * compare, then a conditional move. */
static void op_select(struct lower *L, uint16_t cmp)
{
	struct cond k = pop_cond(L, cmp);
	uint8_t t;
	struct jopnd b = pop(L, NULL), a = pop(L, &t);
	struct dest d = pick_dst(L, vt_class(t), a, b);

	if (k.cmp)
		be_select_cmp(&L->c, t, d.reg, a, b, k.cmp, k.lhs, k.rhs);
	else if (k.v.kind != OP_IMM)
		be_select(&L->c, t, d.reg, a, b, k.v);
	else /* a constant condition */
		be_mov(&L->c, t, jo_reg(d.reg), (uint32_t)k.v.imm ? a : b);
	release_cond(L, &k);
	release_src(L, a, d.reg);
	release_src(L, b, d.reg);
	finish_result(L, t, &d);
}

/* ---- memories other than memory 0, and 64-bit memories ---- */

/*
 * Memory 0 is the back ends' own: its base (and, with explicit bounds or 64-bit addresses,
 * its record) lives in pinned registers, and be_load/be_store take the address (i32, or
 * i64 for a 64-bit memory 0, which the back end checks against the size) and the offset.
 * Any other memory is reached through the instance: the front end computes and checks the
 * host address of the access and hands it over as OP_HOST.
 *
 * Guard mode, a reserved 32-bit memory: data + u32 + u32 (+ 16) stays inside the 8 GiB
 * reservation, so the guard region catches what is out of bounds, as for memory 0 (the
 * fault handler knows every memory of the instance); the base is a constant of the code,
 * since a reserved memory never moves.  A reserved 64-bit memory first checks addr < size
 * (read at the access), which brings it back to that case.  Explicit bounds or a heap
 * memory: addr <= size - (offset + access size), in 64 bits (no wrap), with the current
 * size and base read at the access (another memory's grow may change both).
 */
static bool is_pinned(const struct lower *L, uint32_t mem)
{
	(void)L;
	return mem == 0;
}

/* Pop the address of a `size`-byte access of `in` and return its checked host address
 * (OP_HOST, in a temp). */
static struct jopnd pop_host_addr(struct lower *L, const struct instr *in, uint32_t size)
{
	const struct chibi_memory *m = L->c.inst->memories[in->mem];
	uint32_t oob = jc_trap_label(&L->c, CHIBI_TRAP_MEMORY_OOB);
	struct jopnd addr = to_reg_or_imm(L, pop(L, NULL), m->is64 ? VT_I64 : VT_I32);
	uint64_t off = in->bits;
	jreg r, t;

	r = alloc_reg(L, JC_GPR, 0);
	L->used |= bit(r);
	if (addr.kind == OP_IMM)
		be_mov(&L->c, VT_I64, jo_reg(r), jo_imm(m->is64 ? addr.imm : (uint32_t)addr.imm));
	else if (m->is64)
		be_mov(&L->c, VT_I64, jo_reg(r), addr);
	else
		be_unop(&L->c, OPC_I64_EXTEND_I32_U, r, addr);
	release(L, addr);
	if (!L->c.explicit_bounds && m->reserved) {
		if (m->is64) {
			/* addr < size, and the reservation's guard region covers the offset
			 * (< 4 GiB; a larger one traps whatever the address), as for memory 0 */
			if (off > (uint64_t)WASM_MAX_PAGES * WASM_PAGE_SIZE - size) {
				be_jmp(&L->c, oob);
				return (struct jopnd){ .kind = OP_HOST, .reg = r };
			}
			t = alloc_reg(L, JC_GPR, bit(r));
			be_load_abs(&L->c, VT_I64, t, &m->size);
			be_cmp_branch(&L->c, OPC_I64_GE_U, jo_reg(r), jo_reg(t), false, oob);
		}
		if (L->c.js->pic) { /* the base is the loader's memory's: from its slot */
			t = alloc_reg(L, JC_GPR, bit(r));
			be_addr(&L->c, t, m->data);
			be_binop(&L->c, OPC_I64_ADD, r, jo_reg(r), jo_reg(t));
			if (off)
				be_binop(&L->c, OPC_I64_ADD, r, jo_reg(r), jo_imm(off));
			return (struct jopnd){ .kind = OP_HOST, .reg = r };
		}
		be_binop(&L->c, OPC_I64_ADD, r, jo_reg(r),
			 jo_imm((uint64_t)(uintptr_t)m->data + off));
		return (struct jopnd){ .kind = OP_HOST, .reg = r };
	}
	t = alloc_reg(L, JC_GPR, bit(r));
	if (off > UINT64_MAX - size) {
		be_jmp(&L->c, oob); /* past every memory, whatever the address */
		return (struct jopnd){ .kind = OP_HOST, .reg = r };
	}
	be_load_abs(&L->c, VT_I64, t, &m->size);
	be_cmp_branch(&L->c, OPC_I64_LT_U, jo_reg(t), jo_imm(off + size), false, oob);
	be_binop(&L->c, OPC_I64_SUB, t, jo_reg(t), jo_imm(off + size));
	be_cmp_branch(&L->c, OPC_I64_GT_U, jo_reg(r), jo_reg(t), false, oob);
	be_load_abs(&L->c, VT_I64, t, &m->data);
	be_binop(&L->c, OPC_I64_ADD, r, jo_reg(r), jo_reg(t));
	if (off)
		be_binop(&L->c, OPC_I64_ADD, r, jo_reg(r), jo_imm(off));
	return (struct jopnd){ .kind = OP_HOST, .reg = r };
}

/* A used address operand as what release() knows: OP_HOST's register is a temp. */
static struct jopnd host_as_reg(struct jopnd a)
{
	if (a.kind == OP_HOST)
		a.kind = OP_REG;
	return a;
}

/* The address operand of a load or store of `in` accessing `size` bytes, and the offset
 * that goes with it: memory 0's i32 and offset, or a checked host address (offset 0). */
static struct jopnd pop_addr(struct lower *L, const struct instr *in, uint32_t size,
			     uint32_t *out_off)
{
	if (is_pinned(L, in->mem)) {
		const struct chibi_memory *m = L->c.mem;
		struct jopnd addr = to_reg_or_imm(L, pop(L, NULL), m->is64 ? VT_I64 : VT_I32);

		*out_off = (uint32_t)in->bits;
		/* No memory exceeds 4 GiB (WASM_MAX_PAGES), so a 64-bit offset that leaves no
		 * room for the access traps whatever the address; the back end then sees an
		 * offset that fits 32 bits. */
		if (m->is64 && in->bits > (uint64_t)WASM_MAX_PAGES * WASM_PAGE_SIZE - size) {
			be_jmp(&L->c, jc_trap_label(&L->c, CHIBI_TRAP_MEMORY_OOB));
			*out_off = 0;
		}
		return addr;
	}
	*out_off = 0;
	return pop_host_addr(L, in, size);
}

/* The splat load that a scalar load followed by a splat of its value is (`i32.load;
 * i32x4.splat`, clang's broadcast of a memory value): the same access, so the same trap.
 * 0 if the pair is not one. */
static uint16_t splat_load_of(uint16_t load, uint16_t next)
{
	switch (load) {
	case OPC_I32_LOAD: return next == OPC_I32X4_SPLAT ? OPC_V128_LOAD32_SPLAT : 0;
	case OPC_F32_LOAD: return next == OPC_F32X4_SPLAT ? OPC_V128_LOAD32_SPLAT : 0;
	case OPC_I64_LOAD: return next == OPC_I64X2_SPLAT ? OPC_V128_LOAD64_SPLAT : 0;
	case OPC_F64_LOAD: return next == OPC_F64X2_SPLAT ? OPC_V128_LOAD64_SPLAT : 0;
	case OPC_I32_LOAD8_S: case OPC_I32_LOAD8_U:
		return next == OPC_I8X16_SPLAT ? OPC_V128_LOAD8_SPLAT : 0;
	case OPC_I32_LOAD16_S: case OPC_I32_LOAD16_U:
		return next == OPC_I16X8_SPLAT ? OPC_V128_LOAD16_SPLAT : 0;
	default: return 0;
	}
}

static void op_load(struct lower *L, const struct instr *in)
{
	uint8_t rt = vt_from_letter(op_info[in->op].results[0]);
	uint16_t vop = L->pc + 1 < L->nins ? splat_load_of(in->op, L->ins[L->pc + 1].op) : 0;
	uint32_t off;
	struct jopnd addr = pop_addr(L, in, 1u << op_info[in->op].memlog2, &off);
	struct dest d;

	if (vop) { /* one broadcast load instead of load, move to a vector register, shuffle */
		L->pc++;
		cb_mark(L->c.cb, (uint32_t)L->ins[L->pc].offset);
		d = pick_dst(L, JC_FPR, jo_imm(0), jo_imm(0));
		be_vload(&L->c, vop, d.reg, addr, off, 0);
		release(L, host_as_reg(addr));
		finish_result(L, VT_V128, &d);
		return;
	}
	d = pick_dst(L, vt_class(rt), addr.kind == OP_HOST ? jo_reg(addr.reg) : addr, jo_imm(0));

	be_load(&L->c, in->op, d.reg, addr, off);
	if (addr.kind == OP_HOST)
		addr.kind = OP_REG;
	release_src(L, addr, d.reg);
	finish_result(L, rt, &d);
}

static void op_store(struct lower *L, const struct instr *in)
{
	uint8_t vt;
	struct jopnd val = pop(L, &vt);
	struct jopnd addr;
	uint32_t off;

	val = to_reg_or_imm(L, val, vt);
	addr = pop_addr(L, in, 1u << op_info[in->op].memlog2, &off);
	be_store(&L->c, in->op, addr, val, off);
	if (addr.kind == OP_HOST)
		addr.kind = OP_REG;
	release(L, addr);
	release(L, val);
}

static void op_global_get(struct lower *L, uint32_t g)
{
	struct chibi_global *gl = L->c.inst->globals[g];
	struct dest d;

	d = pick_dst(L, vt_class(gl->valtype), jo_imm(0), jo_imm(0));

	be_load_abs(&L->c, gl->valtype, d.reg, &gl->value);
	finish_result(L, gl->valtype, &d);
}

static void op_global_set(struct lower *L, uint32_t g)
{
	struct chibi_global *gl = L->c.inst->globals[g];
	struct jopnd v = pop(L, NULL);

	be_store_abs(&L->c, gl->valtype, &gl->value, v);
	release(L, v);
}

static void op_load_abs(struct lower *L, uint8_t type, const void *addr)
{
	jreg r = alloc_reg(L, vt_class(type), 0);

	be_load_abs(&L->c, type, r, addr);
	push_reg(L, type, r);
}

/* ---- SIMD ---- */

/* A v128 (or scalar) operand in a register: SIMD instructions take no memory operands
 * from the front end (legacy SSE memory operands would need 16-byte alignment). */
static struct jopnd in_reg(struct lower *L, struct jopnd o, uint8_t type)
{
	return o.kind == OP_REG ? o : to_temp(L, o, type);
}

/* The 128-bit little-endian immediate of v128.const. */
static void v128_imm(const uint8_t *b, uint64_t *lo, uint64_t *hi)
{
	*lo = *hi = 0;
	for (int i = 7; i >= 0; i--) {
		*lo = *lo << 8 | b[i];
		*hi = *hi << 8 | b[8 + i];
	}
}

static void simd_result(struct lower *L, uint16_t op, uint8_t rt, struct jopnd *src,
			uint32_t n, const struct instr *in, const uint8_t *imm16)
{
	struct dest d = pick_dst(L, vt_class(rt), src[0], n > 1 ? src[1] : jo_imm(0));

	be_simd(&L->c, op, d.reg, src, n, in->a, imm16);
	for (uint32_t i = 0; i < n; i++)
		release_src(L, src[i], d.reg);
	finish_result(L, rt, &d);
}

/* i8x16.shuffle.  The lanes an operand known to be zero (clang's zero extensions shuffle
 * with v128.const 0) would give are marked 0x80, "zero", for the back end, which then
 * reads the other operand only (x86-64: one pshufb or pmovzx instead of two pshufb and
 * a por; AArch64's tbl gives 0 for such an index anyway). */
static void op_shuffle(struct lower *L, const struct instr *in)
{
	struct jopnd src[2];
	uint8_t lanes[16];
	bool zero[2];

	if (L->sp < 2) {
		fail(L, "value stack underflow");
		return;
	}
	for (int k = 0; k < 2; k++)
		zero[k] = L->vs[L->sp - 2 + k].zero_v128;
	for (int i = 0; i < 16; i++) {
		uint8_t l = in->imm16[i] & 31;

		lanes[i] = zero[l >= 16] ? 0x80 : l;
	}
	src[1] = in_reg(L, pop(L, NULL), VT_V128);
	src[0] = in_reg(L, pop(L, NULL), VT_V128);
	simd_result(L, in->op, VT_V128, src, 2, in, lanes);
}

/* The wrapping integer additions and the bitwise and/or/xor are associative and
 * commutative: in `x y (local.get acc) op op`, where the same op follows, x op y is computed
 * first and the local stays on top, so a chain of them adds the local (typically a loop's
 * accumulator) last and the loop-carried dependency is one instruction, not the whole chain
 * (clang sums an unrolled body as m0 + (m1 + (m2 + (m3 + acc)))). */
static bool reassociate(struct lower *L, uint16_t op)
{
	struct val top;
	struct jopnd src[2];

	switch (op) {
	case OPC_I8X16_ADD: case OPC_I16X8_ADD: case OPC_I32X4_ADD: case OPC_I64X2_ADD:
	case OPC_V128_AND: case OPC_V128_OR: case OPC_V128_XOR:
		break;
	default:
		return false;
	}
	if (L->pc + 1 >= L->nins || L->ins[L->pc + 1].op != op || L->sp < 3 ||
	    L->vs[L->sp - 1].kind != V_LOCAL || L->vs[L->sp - 2].kind == V_LOCAL ||
	    (L->chain.active && L->chain.pos == L->sp - 3))
		return false;
	top = L->vs[--L->sp];
	src[1] = in_reg(L, pop(L, NULL), VT_V128);
	src[0] = in_reg(L, pop(L, NULL), VT_V128);
	/* the next instruction is op, not local.set: the result goes to a temp */
	simd_result(L, op, VT_V128, src, 2, &L->ins[L->pc], NULL);
	push(L, top);
	return true;
}

/* The integer lane additions and subtractions, and for each the addition of its lanes. */
static uint16_t lane_add(uint16_t op)
{
	switch (op) {
	case OPC_I8X16_ADD: case OPC_I8X16_SUB: return OPC_I8X16_ADD;
	case OPC_I16X8_ADD: case OPC_I16X8_SUB: return OPC_I16X8_ADD;
	case OPC_I32X4_ADD: case OPC_I32X4_SUB: return OPC_I32X4_ADD;
	case OPC_I64X2_ADD: case OPC_I64X2_SUB: return OPC_I64X2_ADD;
	default: return 0;
	}
}

/* The pc of the next link of an accumulator chain: the value op computed at pc is, after
 * instructions that only work above it (no control flow, no call, no write of local l),
 * the left operand of the same op.  0 if there is none within a short window. */
static uint32_t chain_next(const struct lower *L, uint32_t pc, uint16_t op, uint32_t l)
{
	uint32_t depth = 0; /* values above the chain's value */

	for (uint32_t p = pc + 1; p < L->nins && p <= pc + 64; p++) {
		const struct instr *in = &L->ins[p];
		const struct opinfo *oi = &op_info[in->op];
		uint32_t pops, pushes;

		switch (in->op) {
		case OPC_LOCAL_GET:
			pops = 0, pushes = 1;
			break;
		case OPC_LOCAL_SET:
		case OPC_LOCAL_TEE:
			if (in->a == l)
				return 0;
			pops = 1, pushes = in->op == OPC_LOCAL_TEE;
			break;
		default:
			if (op_is_special(in->op) || oi->cls == OPCL_CONTROL ||
			    oi->cls == OPCL_CALL)
				return 0;
			pops = (uint32_t)strlen(oi->params);
			pushes = (uint32_t)strlen(oi->results);
			break;
		}
		if (pops > depth)
			return in->op == op && depth == 1 ? p : 0;
		depth = depth - pops + pushes;
	}
	return 0;
}

/* d = a + b (lanes of add), into a temp: the next instruction is not a local.set. */
static void chain_add(struct lower *L, uint16_t add, struct jopnd a, struct jopnd b)
{
	jreg d = is_temp(L, a) ? a.reg : is_temp(L, b) ? b.reg : alloc_reg(L, JC_FPR, 0);
	struct jopnd src[2] = { a, b };

	L->used |= bit(d);
	be_simd(&L->c, add, d, src, 2, 0, NULL);
	release_src(L, a, d);
	release_src(L, b, d);
	push_reg(L, VT_V128, d);
}

/* Integer lane additions or subtractions chained on a local, (((acc - x) - y) - z) as
 * clang writes a vectorized count or sum, wait until the chain ends: x + y + z is summed
 * in the entry that would hold the partial results, and only the last link reads the
 * local, so the loop-carried dependency is one instruction instead of one per link.
 * Wrapping lane arithmetic makes the reordering exact.  Returns false if op at this pc is
 * neither a link of a chain nor the start of one. */
static bool accumulate(struct lower *L, uint16_t op)
{
	uint16_t add = lane_add(op);
	struct jopnd src[2];
	uint32_t next;
	struct dest d;

	if (!add)
		return false;
	if (L->chain.active && L->chain.next_pc == L->pc) {
		if (L->sp < 2 || L->sp - 2 != L->chain.pos || op != L->chain.op) {
			fail(L, "accumulator chain lost"); /* cannot happen: chain_next's walk */
			return true;
		}
		src[1] = in_reg(L, pop(L, NULL), VT_V128);
		src[0] = in_reg(L, pop(L, NULL), VT_V128);
		next = chain_next(L, L->pc, op, L->chain.local);
		chain_add(L, add, src[0], src[1]);
		if (next) {
			L->chain.next_pc = next;
			return true;
		}
		L->chain.active = false;
		src[1] = pop(L, NULL);
		src[0] = in_reg(L, local_opnd(L, L->chain.local), VT_V128);
		d = pick_dst(L, JC_FPR, src[0], src[1]);
		be_simd(&L->c, op, d.reg, src, 2, 0, NULL);
		release_src(L, src[0], d.reg);
		release_src(L, src[1], d.reg);
		finish_result(L, VT_V128, &d);
		return true;
	}
	if (L->chain.active || L->sp < 2 || L->vs[L->sp - 2].kind != V_LOCAL)
		return false;
	next = chain_next(L, L->pc, op, L->vs[L->sp - 2].local);
	if (!next)
		return false;
	L->chain = (struct acc_chain){ .active = true, .op = op, .next_pc = next,
				       .local = L->vs[L->sp - 2].local, .pos = L->sp - 2 };
	src[1] = to_temp(L, pop(L, NULL), VT_V128);
	(void)pop(L, NULL); /* the local: read by the last link */
	push_reg(L, VT_V128, src[1].reg);
	return true;
}

static void op_simd(struct lower *L, const struct instr *in)
{
	uint16_t op = in->op;
	const struct opinfo *oi = &op_info[op];
	uint8_t rt = oi->results[0] ? vt_from_letter(oi->results[0]) : 0;
	struct jopnd src[3], addr;
	uint32_t n = 0, off;
	struct dest d;
	uint8_t t;

	if (oi->cls == OPCL_VCONST) {
		uint64_t lo, hi;

		v128_imm(in->imm16, &lo, &hi);
		d = pick_dst(L, JC_FPR, jo_imm(0), jo_imm(0));
		be_v128_const(&L->c, d.reg, lo, hi);
		finish_result(L, VT_V128, &d);
		if (!d.to_local && !lo && !hi)
			L->vs[L->sp - 1].zero_v128 = true;
		return;
	}
	if (!be_simd_inline(op)) {
		char msg[96];

		snprintf(msg, sizeof(msg), "%s not lowered by the %s back end", op_name(op),
			 jit_target.name);
		fail(L, msg);
		return;
	}
	if (oi->cls == OPCL_VSHUFFLE) {
		op_shuffle(L, in);
		return;
	}
	if (accumulate(L, op) || reassociate(L, op))
		return;
	switch (oi->cls) {
	case OPCL_VLOAD:
		addr = pop_addr(L, in, 1u << oi->memlog2, &off);
		d = pick_dst(L, JC_FPR, jo_imm(0), jo_imm(0));
		be_vload(&L->c, op, d.reg, addr, off, 0);
		release(L, host_as_reg(addr));
		finish_result(L, VT_V128, &d);
		return;
	case OPCL_VLOADLANE:
		src[0] = pop(L, NULL);
		src[0] = to_temp(L, src[0], VT_V128); /* written in place */
		addr = pop_addr(L, in, 1u << oi->memlog2, &off);
		be_vload(&L->c, op, src[0].reg, addr, off, in->b);
		release(L, host_as_reg(addr));
		push_reg(L, VT_V128, src[0].reg);
		return;
	case OPCL_VSTORE:
	case OPCL_VSTORELANE:
		src[0] = in_reg(L, pop(L, NULL), VT_V128);
		addr = pop_addr(L, in, 1u << oi->memlog2, &off);
		be_vstore(&L->c, op, addr, src[0].reg, off,
			  oi->cls == OPCL_VSTORELANE ? in->b : 0);
		release(L, host_as_reg(addr));
		release(L, src[0]);
		return;
	case OPCL_VSHIFT:
		src[1] = to_reg_or_imm(L, pop(L, NULL), VT_I32);
		src[0] = in_reg(L, pop(L, NULL), VT_V128);
		n = 2;
		break;
	case OPCL_VSPLAT:
	case OPCL_VREPLACE:
	case OPCL_VEXTRACT:
	case OPCL_VTEST:
	case OPCL_VUNOP:
	case OPCL_VBINOP:
	case OPCL_VCOMPARE:
	case OPCL_VTERNOP:
		n = (uint32_t)strlen(oi->params);
		for (uint32_t i = n; i-- > 0;) {
			src[i] = pop(L, &t);
			src[i] = in_reg(L, src[i], t);
		}
		/* the third operand in a temp of its own: never the destination, which may
		 * be a local's home that it reads */
		if (n == 3)
			src[2] = to_temp(L, src[2], VT_V128);
		break;
	default:
		fail(L, "unknown SIMD class");
		return;
	}
	simd_result(L, op, rt, src, n, in, in->imm16);
}

/* The bulk-memory, table and reference instructions that go through C helpers.  A
 * helper's leading arguments come from the instruction's immediates (LA_*), the rest
 * from the stack. */
enum { LA_MEM = 1, LA_MEM_B, LA_INST, LA_TABLE_A, LA_TABLE_B, LA_IMM_A, LA_SEG_MEM };
/* results: the element type of table a; the index type of memory or table a */
enum { RT_ELEMTYPE = 1, RT_ADDR };

static const struct misc_helper {
	uint16_t op;
	uint8_t lead[3];         /* LA_*, up to the first 0 */
	uint8_t npop;            /* arguments from the stack */
	uint8_t rtype;           /* result type, 0 = none, or RT_ELEMTYPE / RT_ADDR */
	void (*fn)(void);
} misc_helpers[] = {
#define MH(op, l0, l1, l2, npop, rtype, fn) \
	{ OPC_##op, { l0, l1, l2 }, npop, rtype, (void (*)(void))fn }
	MH(MEMORY_GROW, LA_MEM, 0, 0, 1, RT_ADDR, jit_h_memory_grow),
	MH(MEMORY_FILL, LA_MEM, 0, 0, 3, 0, jit_h_memory_fill),
	MH(MEMORY_COPY, LA_MEM, 0, 0, 3, 0, jit_h_memory_copy),
	MH(MEMORY_INIT, LA_INST, LA_SEG_MEM, 0, 3, 0, jit_h_memory_init),
	MH(DATA_DROP, LA_INST, LA_IMM_A, 0, 0, 0, jit_h_data_drop),
	MH(TABLE_GET, LA_TABLE_A, 0, 0, 1, RT_ELEMTYPE, jit_h_table_get),
	MH(TABLE_SET, LA_TABLE_A, 0, 0, 2, 0, jit_h_table_set),
	MH(TABLE_GROW, LA_TABLE_A, 0, 0, 2, RT_ADDR, jit_h_table_grow),
	MH(TABLE_FILL, LA_TABLE_A, 0, 0, 3, 0, jit_h_table_fill),
	MH(TABLE_COPY, LA_TABLE_A, LA_TABLE_B, 0, 3, 0, jit_h_table_copy),
	MH(TABLE_INIT, LA_INST, LA_TABLE_B, LA_IMM_A, 3, 0, jit_h_table_init),
	MH(ELEM_DROP, LA_INST, LA_IMM_A, 0, 0, 0, jit_h_elem_drop),
#undef MH
};

/* memory.copy between two memories (the table's row copies within one) */
static const struct misc_helper copy2 = {
	OPC_MEMORY_COPY, { LA_MEM, LA_MEM_B, 0 }, 3, 0, (void (*)(void))jit_h_memory_copy2
};

static void op_misc(struct lower *L, const struct instr *in)
{
	struct chibi_instance *inst = L->c.inst;
	const struct misc_helper *h = NULL;
	struct harg a[6];
	uint32_t n = 0;
	uint8_t rtype;

	/* the sizes are u32 fields; a 32-bit load clears the register's upper half, so the
	 * value is the i64 of a 64-bit memory or table as well */
	if (in->op == OPC_MEMORY_SIZE) {
		op_load_abs(L, VT_I32, &inst->memories[in->mem]->pages);
		L->vs[L->sp - 1].type = inst->memories[in->mem]->is64 ? VT_I64 : VT_I32;
		return;
	}
	if (in->op == OPC_TABLE_SIZE) {
		op_load_abs(L, VT_I32, &inst->tables[in->a]->size);
		L->vs[L->sp - 1].type = inst->tables[in->a]->is64 ? VT_I64 : VT_I32;
		return;
	}
	for (size_t i = 0; i < sizeof(misc_helpers) / sizeof(misc_helpers[0]) && !h; i++)
		if (misc_helpers[i].op == in->op)
			h = &misc_helpers[i];
	if (in->op == OPC_MEMORY_COPY && in->mem != in->b)
		h = &copy2;
	if (!h) {
		fail(L, "unsupported instruction");
		return;
	}
	for (; n < sizeof(h->lead) && h->lead[n]; n++) {
		switch (h->lead[n]) {
		case LA_MEM: a[n] = ha_ptr(inst->memories[in->mem]); break;
		case LA_MEM_B: a[n] = ha_ptr(inst->memories[in->b]); break;
		/* memory.init's segment, its memory in the upper half (0: memory 0) */
		case LA_SEG_MEM:
			a[n] = in->mem ? (struct harg){ .o = jo_imm(in->a | (uint64_t)in->mem << 32),
						       .type = VT_I64 } : ha_u32(in->a);
			break;
		case LA_INST: a[n] = ha_ptr(inst); break;
		case LA_TABLE_A: a[n] = ha_ptr(inst->tables[in->a]); break;
		case LA_TABLE_B: a[n] = ha_ptr(inst->tables[in->b]); break;
		default: a[n] = ha_u32(in->a); break;
		}
	}
	for (uint32_t i = n + h->npop; i-- > n;)
		a[i] = ha_pop(L);
	rtype = h->rtype;
	if (rtype == RT_ELEMTYPE)
		rtype = inst->tables[in->a]->elemtype;
	else if (rtype == RT_ADDR)
		rtype = (in->op == OPC_MEMORY_GROW ? inst->memories[in->mem]->is64 :
			 inst->tables[in->a]->is64) ? VT_I64 : VT_I32;
	call_helper(L, (const void *)h->fn, a, n + h->npop, rtype, op_may_trap(in->op));
	if (in->op == OPC_MEMORY_GROW && in->mem == 0)
		reload_mem(L, false);
}

/* One instruction of reachable code. */
static void lower_instr(struct lower *L, const struct instr *in)
{
	uint8_t t;
	struct jopnd o;

	switch (in->op) {
	case OPC_UNREACHABLE:
		be_jmp(&L->c, jc_trap_label(&L->c, CHIBI_TRAP_UNREACHABLE));
		break;
	case OPC_THROW:
		op_throw(L, in->a);
		break;
	case OPC_TRY_TABLE:
		op_try_table(L, in);
		break;
	case OPC_THROW_REF:
		throw_ref(L, ha_pop(L));
		break;
	case OPC_TRY:
		op_try(L);
		break;
	case OPC_CATCH:
		op_catch(L, in->a);
		break;
	case OPC_CATCH_ALL:
		op_catch(L, UINT32_MAX);
		break;
	case OPC_DELEGATE:
		op_delegate(L);
		break;
	case OPC_RETHROW:
		op_rethrow(L);
		break;
	case OPC_NOP:
		break;
	case OPC_BLOCK:
		open_block(L);
		break;
	case OPC_LOOP:
		op_loop(L);
		break;
	case OPC_IF:
		op_if(L, 0);
		break;
	case OPC_ELSE:
		op_else(L);
		break;
	case OPC_END:
		op_end(L);
		break;
	case OPC_BR:
		op_br(L);
		break;
	case OPC_BR_IF:
		op_br_if(L, 0);
		break;
	case OPC_BR_TABLE:
		op_br_table(L, in);
		break;
	case OPC_RETURN:
		do_return(L);
		break;
	case OPC_CALL:
		op_call(L, in->a);
		break;
	case OPC_CALL_INDIRECT:
	case OPC_RETURN_CALL_INDIRECT:
		op_call_indirect(L, in, in->op == OPC_RETURN_CALL_INDIRECT);
		break;
	case OPC_CALL_REF:
	case OPC_RETURN_CALL_REF:
		op_call_ref(L, in, in->op == OPC_RETURN_CALL_REF);
		break;
	case OPC_RETURN_CALL:
		op_return_call(L, in->a);
		break;
	case OPC_BR_ON_NULL:
	case OPC_BR_ON_NON_NULL:
		op_br_on_null(L, in->op == OPC_BR_ON_NULL);
		break;
	case OPC_REF_AS_NON_NULL:
		op_ref_as_non_null(L);
		break;
	case OPC_DROP:
		release(L, pop(L, NULL));
		break;
	case OPC_SELECT:
	case OPC_SELECT_T:
		op_select(L, 0);
		break;
	case OPC_LOCAL_GET:
		push(L, (struct val){ .kind = V_LOCAL, .type = L->locals[in->a].type,
				      .local = in->a });
		break;
	case OPC_LOCAL_SET:
		op_local_set(L, in->a, false);
		break;
	case OPC_LOCAL_TEE:
		op_local_set(L, in->a, true);
		break;
	case OPC_GLOBAL_GET:
		op_global_get(L, in->a);
		break;
	case OPC_GLOBAL_SET:
		op_global_set(L, in->a);
		break;
	case OPC_I32_CONST:
	case OPC_I64_CONST:
	case OPC_F32_CONST:
	case OPC_F64_CONST:
		push_const(L, vt_from_letter(op_info[in->op].results[0]), in->bits);
		break;
	case OPC_REF_NULL:
		push_const(L, (uint8_t)in->a, 0);
		break;
	case OPC_REF_FUNC:
		if (L->c.js->pic) { /* the loader's instance has its own function objects */
			jreg r = alloc_reg(L, JC_GPR, 0);

			be_addr(&L->c, r, L->c.inst->funcs[in->a]);
			push_reg(L, VT_FUNCREF, r);
			break;
		}
		push_const(L, VT_FUNCREF, (uint64_t)(uintptr_t)L->c.inst->funcs[in->a]);
		break;
	case OPC_REF_IS_NULL:
		o = pop(L, &t);
		if (o.kind == OP_IMM)
			push_const(L, VT_I32, o.imm == 0);
		else
			unop(L, OPC_I64_EQZ, VT_I32, o);
		break;
	default:
		if (op_is_simd(in->op))
			op_simd(L, in);
		else if (op_info[in->op].cls == OPCL_LOAD)
			op_load(L, in);
		else if (op_info[in->op].cls == OPCL_STORE)
			op_store(L, in);
		else if (op_is_numeric(in->op))
			op_numeric(L, in);
		else
			op_misc(L, in);
		break;
	}
}

/* ---- pre-pass and frame layout ---- */

/* Decode the reachable instructions (the side table says where dead code starts and where
 * to go on), count weighted local uses, find calls, memory use and the outgoing area, and
 * the if-parameter save areas. */
static bool prepass(struct lower *L)
{
	struct lower_scratch *ls = L->ls;
	const uint8_t *code = L->def->code, *p = code, *end = p + L->def->code_len;
	const struct flow *fl = &L->def->flow;
	struct flow_cursor fc;
	uint32_t loops = 0, n = 0;

	/* Room for the most instructions the body can hold (one byte each) at once: growing by
	 * doubling copied the array up to ten times per function, and its untouched tail costs
	 * address space only.  A smaller array kept from the last compile is dropped, not
	 * copied. */
	if (ls->cap_ins < (size_t)L->def->code_len + 1) {
		vm_free(ls->ins);
		ls->ins = NULL;
		ls->cap_ins = 0;
	}
	flow_begin(&fc, fl);
	while (p < end) {
		struct instr *in;
		struct chibi_diag diag;
		bool skipped;

		p = code + flow_skip(&fc, (uint32_t)(p - code), &skipped);
		if (!GROW(ls->ins, ls->cap_ins, n ? (size_t)n + 1 : (size_t)L->def->code_len + 1))
			return false;
		in = &ls->ins[n];
		if (instr_read(&p, end, L->mod->bytes, in, &diag) != CHIBI_OK)
			return false;
		n++;
		switch (in->op) {
		case OPC_BLOCK:
		case OPC_LOOP:
		case OPC_IF:
		case OPC_TRY:
		case OPC_TRY_TABLE: {
			const struct flow_block *b = flow_get(fl, flow_open(&fc));
			const vtype *params, *results;
			uint32_t np, nr;

			loops += b->kind == FLOW_LOOP;
			if (b->kind == FLOW_IF) {
				flow_sig(L->mod, b, &params, &np, &results, &nr);
				L->if_words += np;
			}
			break;
		}
		case OPC_END:
		case OPC_DELEGATE: {
			uint32_t id = flow_close(&fc);

			loops -= id && flow_get(fl, id)->kind == FLOW_LOOP;
			break;
		}
		case OPC_BR:
		case OPC_BR_IF:
			flow_target(&fc);
			break;
		case OPC_BR_TABLE:
			for (uint32_t i = 0; i <= in->a; i++)
				flow_target(&fc);
			break;
		case OPC_LOCAL_GET:
		case OPC_LOCAL_SET:
		case OPC_LOCAL_TEE: {
			uint32_t w = 1u << (loops < 4 ? 3 * loops : 12);
			struct local *lc = &L->locals[in->a];

			/* Written at the function's top level before any read: every path to a
			 * read passes the write (structured control flow), so the prologue need
			 * not zero it. */
			if (!lc->weight && fc.cur == 0 && in->op != OPC_LOCAL_GET)
				lc->set_first = true;
			lc->weight = lc->weight > UINT32_MAX - w ? UINT32_MAX : lc->weight + w;
			break;
		}
		case OPC_CALL:
		case OPC_CALL_INDIRECT:
		case OPC_CALL_REF:
		case OPC_RETURN_CALL:
		case OPC_RETURN_CALL_INDIRECT:
		case OPC_RETURN_CALL_REF: {
			bool direct = in->op == OPC_CALL || in->op == OPC_RETURN_CALL;
			uint32_t k = jit_stack_words(direct ? mod_func_type(L->mod, in->a)
							    : &L->mod->types[in->a]);

			L->leaf = false;
			if (k < JIT_TAIL_WORDS) /* a callee's tail calls may use that much */
				k = JIT_TAIL_WORDS;
			if (k > L->out_words)
				L->out_words = k;
			break;
		}
		default:
			if ((op_info[in->op].imm == IMM_MEMARG ||
			     op_info[in->op].imm == IMM_MEMARG_LANE) && is_pinned(L, in->mem))
				L->c.uses_memory = true;
			break;
		}
	}
	L->ins = ls->ins;
	L->nins = n;
	return true;
}

static bool is_jit_saved_home(jreg r)
{
	for (int i = 0; i < jit_target.nhome[jreg_class(r)]; i++)
		if (jit_target.home[jreg_class(r)][i] == r)
			return true;
	return false;
}

/* Give the hottest locals of each class a register home. */
static void assign_homes(struct lower *L, uint64_t reserved)
{
	struct lower_scratch *ls = L->ls;
	uint32_t *order = ls->idx;

	for (int cls = 0; cls < 2; cls++) {
		jreg pool[32];
		int npool = 0, next = 0;
		uint64_t taken = 0;
		uint32_t n = 0;

		/* Leaf functions first take temps (nothing to save); other functions take them
		 * last, since calls must save and reload them (place_args, after_call). */
		if (L->leaf)
			for (int i = 0; i < jit_target.nleaf_home[cls]; i++)
				pool[npool++] = jit_target.leaf_home[cls][i];
		for (int i = 0; i < jit_target.nhome[cls]; i++)
			if (!(reserved & bit(jit_target.home[cls][i])))
				pool[npool++] = jit_target.home[cls][i];
		if (!L->leaf)
			for (int i = 0; i < jit_target.nleaf_home[cls]; i++)
				pool[npool++] = jit_target.leaf_home[cls][i];
		for (uint32_t l = 0; l < L->nlocals; l++)
			if (vt_class(L->locals[l].type) == cls && L->locals[l].weight >= 2)
				order[n++] = l;
		/* insertion sort by weight, heaviest first (n is small in practice) */
		for (uint32_t i = 1; i < n; i++) {
			uint32_t x = order[i], j = i;

			while (j && L->locals[order[j - 1]].weight < L->locals[x].weight) {
				order[j] = order[j - 1];
				j--;
			}
			order[j] = x;
		}
		/* A v128 local never takes a JIT-callee-saved home (x64: xmm8-13): functions
		 * without v128 save only the low 64 bits of the ones they use. */
		for (uint32_t i = 0; i < n && next < npool; i++) {
			struct local *lc = &L->locals[order[i]];

			for (int j = 0; j < npool; j++) {
				if (taken & bit(pool[j]))
					continue;
				if (lc->type == VT_V128 && is_jit_saved_home(pool[j]))
					continue;
				lc->home = pool[j];
				taken |= bit(pool[j]);
				next++;
				break;
			}
		}
	}
}

/* Frame layout: the body of the frame (see the diagram above struct jframe in target.h,
 * from the outgoing area up). */
static void layout_frame(struct lower *L)
{
	struct jframe *f = &L->c.frame;
	uint64_t temps_as_homes = 0;
	int32_t off = 0;
	uint32_t k[2] = { 0, 0 }, s = 0;

	off += 8 * (int32_t)L->out_words;
	L->slot_base = off;
	off += L->stride * (int32_t)(L->vmax + 1);
	/* parameters beyond the argument registers stay in the caller's area */
	for (uint32_t l = 0; l < L->ft->nparams; l++) {
		int cls = vt_class(L->locals[l].type);

		if (jit_arg_in_reg(L->locals[l].type) && k[cls] < jit_target.narg[cls]) {
			k[cls]++;
		} else {
			L->locals[l].stack_param = true;
			L->locals[l].off = 8 * (int32_t)s;
			s += vt_slots(L->locals[l].type);
		}
	}
	for (uint32_t l = 0; l < L->nlocals; l++) {
		struct local *lc = &L->locals[l];

		if (lc->home != JREG_NONE) {
			bool cs = false;

			for (int i = 0; i < jit_target.nhome[jreg_class(lc->home)]; i++)
				cs |= jit_target.home[jreg_class(lc->home)][i] == lc->home;
			if (cs)
				f->saved |= bit(lc->home);
			else
				temps_as_homes |= bit(lc->home);
			if (jit_target.c_clobbers & bit(lc->home))
				L->csave_mask |= bit(lc->home);
		} else if (!lc->stack_param) {
			lc->off = off;
			off += 8 * (int32_t)vt_slots(lc->type);
		}
	}
	f->saved |= be_reserved(&L->c) & ~temps_as_homes;
	/* a landing leaves the homes as the throw found them: restored by the epilogue */
	if (L->eh)
		for (int cls = 0; cls < 2; cls++)
			for (int i = 0; i < jit_target.nhome[cls]; i++)
				f->saved |= bit(jit_target.home[cls][i]);
	L->temp_homes = temps_as_homes;
	/* The JIT convention preserves every home register across calls, including the ones
	 * C does not (x64: rsi, rdi, xmm8-14): a helper call must save them all, not only this
	 * function's, since the callers' locals may live there. */
	for (int cls = 0; cls < 2; cls++)
		for (int i = 0; i < jit_target.nhome[cls]; i++)
			if (jit_target.c_clobbers & bit(jit_target.home[cls][i]))
				L->csave_mask |= bit(jit_target.home[cls][i]);
	for (int i = 0; i < 64; i++)
		if (L->csave_mask & (1ull << i)) {
			L->csave_off[i] = off;
			off += jreg_class((jreg)i) == JC_FPR ? L->stride : 8;
		}
	for (int i = 0; i < jit_target.nhome[JC_FPR]; i++) {
		jreg r = jit_target.home[JC_FPR][i];

		if (f->saved & bit(r)) {
			L->fsave_off[r] = off;
			off += L->stride;
		}
	}
	L->if_save_next = off;
	off += L->stride * (int32_t)L->if_words;
	if (L->eh) {
		L->exn_base = off;
		off += 8 * (int32_t)L->def->max_try;
	}
	f->body = (uint32_t)off;
	be_frame_finish(f);
	for (uint32_t l = 0; l < L->ft->nparams; l++)
		if (L->locals[l].stack_param)
			L->locals[l].off += f->in_args;
	L->alloc_mask = 0;
	for (int cls = 0; cls < 2; cls++)
		for (int i = 0; i < jit_target.ntemp[cls]; i++)
			L->alloc_mask |= bit(jit_target.temp[cls][i]);
	L->alloc_mask &= ~temps_as_homes & ~be_reserved(&L->c);
}

/* Prologue, then parameters into their homes and declared locals zeroed. */
static void enter_function(struct lower *L)
{
	uint32_t nm = 0, k[2] = { 0, 0 };
	int32_t zlo = 0, zhi = 0;

	be_prologue(&L->c);
	save_fpr_homes(L, true);
	if (L->c.uses_memory && L->c.mem)
		be_load_mem(&L->c, false);
	be_poll(&L->c);
	for (uint32_t l = L->ft->nparams; l < L->nlocals; l++) {
		const struct local *lc = &L->locals[l];

		if (lc->home != JREG_NONE || lc->set_first)
			continue;
		if (zhi == zlo)
			zlo = zhi = lc->off;
		if (lc->off == zhi) {
			zhi += 8 * (int32_t)vt_slots(lc->type);
		} else {
			be_zero_slots(&L->c, zlo, (uint32_t)(zhi - zlo) / 8);
			zlo = lc->off;
			zhi = zlo + 8 * (int32_t)vt_slots(lc->type);
		}
	}
	if (zhi > zlo)
		be_zero_slots(&L->c, zlo, (uint32_t)(zhi - zlo) / 8);
	for (uint32_t l = 0; l < L->ft->nparams; l++) {
		const struct local *lc = &L->locals[l];
		int cls = vt_class(lc->type);
		struct jopnd src;

		if (lc->stack_param)
			src = jo_mem(lc->off);
		else
			src = jo_reg(jit_target.arg[cls][k[cls]++]);
		if (lc->home != JREG_NONE)
			mv_add(L, &nm, jo_reg(lc->home), src, lc->type);
		else if (!lc->stack_param)
			mv_add(L, &nm, jo_mem(lc->off), src, lc->type);
	}
	if (!L->failed)
		pmove_run(L, nm);
	for (uint32_t l = L->ft->nparams; l < L->nlocals; l++)
		if (L->locals[l].home != JREG_NONE && !L->locals[l].set_first)
			be_mov(&L->c, L->locals[l].type, jo_reg(L->locals[l].home), jo_imm(0));
}

/* ---- the driver ---- */

static bool setup(struct lower *L, struct jit_store *js, struct chibi_func *f, char *why)
{
	struct lower_scratch *ls = js->lower_scratch;
	const struct func *def = f->def;
	uint64_t nlocals = (uint64_t)f->type->nparams + def->nlocals;

	if (!ls) {
		ls = vm_calloc(1, sizeof(*ls));
		if (!ls)
			return false;
		js->lower_scratch = ls;
	}
	memset(L, 0, sizeof(*L));
	L->ls = ls;
	L->why = why;
	L->mod = f->inst->mod;
	L->def = def;
	L->ft = f->type;
	L->leaf = true;
	L->c.cb = &js->cb;
	L->c.js = js;
	L->c.store = js->s;
	L->c.inst = f->inst;
	L->c.func = f;
	L->c.mem = L->mod->nmemories ? f->inst->memories[0] : NULL;
	L->c.explicit_bounds = js->explicit_bounds || (L->c.mem && !L->c.mem->reserved);
	L->c.fuel = js->s->cfg.fuel != 0;
	if (nlocals > 1000000) {
		fail(L, "too many locals");
		return false;
	}
	if (def->uses_handlers) {
		/* Handlers land in compiled frames where the back end can (docs/RATIONALE.md);
		 * exnref values live in memory there, where the collector finds them. */
		if (!jit_target.eh_landing) {
			fail(L, "exception handling (no landing pads in this back end)");
			return false;
		}
		L->eh = true;
	}
	L->stride = 8;
	if (def->uses_v128) {
		if (!be_simd_isa()) {
			/* an x86-64 CPU without SSE4.1 (or CHIBI_JIT_ISA=none), or a back end
			 * without SIMD lowering */
			char msg[96];

			snprintf(msg, sizeof(msg), "uses v128: no SIMD in the %s back end on this "
				 "host", jit_target.name);
			fail(L, msg);
			return false;
		}
		L->stride = 16;
	}
	L->nlocals = (uint32_t)nlocals;
	L->vmax = def->max_stack + 2;
	if (!GROW(ls->locals, ls->cap_locals, (size_t)L->nlocals + 1) ||
	    !GROW(ls->idx, ls->cap_idx, (size_t)L->nlocals + 1) ||
	    !GROW(ls->vs, ls->cap_vs, L->vmax) ||
	    !GROW(ls->blk, ls->cap_blk, (size_t)def->flow.nblocks + 1)) {
		fail(L, "out of memory");
		return false;
	}
	L->locals = ls->locals;
	L->vs = ls->vs;
	L->blk = ls->blk;
	for (uint32_t l = 0; l < L->nlocals; l++) {
		struct local *lc = &L->locals[l];

		memset(lc, 0, sizeof(*lc));
		lc->type = l < f->type->nparams ? f->type->params[l]
						: def->local_types[l - f->type->nparams];
		lc->home = JREG_NONE;
	}
	return true;
}

/* An out-of-line trap stub at label: the trap kind (an immediate, or the code a helper
 * returned) to the second C argument, where jit_rt_trap and jit_rt_trap_pc take it. */
static void trap_stub(struct lower *L, uint32_t label, struct jopnd kind)
{
	cb_bind(L->c.cb, label);
	be_mov(&L->c, VT_I32, jo_reg(jit_target.helper_arg[1]), kind);
	be_trap_stub(&L->c);
}

/* The order of a function's rows (jit_int.h): by depth, the search (from the last) meeting
 * inner tries first and a try's clauses in their order; tries of equal depth cover
 * disjoint code, the index only makes the order total. */
static int eh_row_order(const void *a, const void *b)
{
	const struct eh_row *x = a, *y = b;

	if (x->h.depth != y->h.depth)
		return x->h.depth < y->h.depth ? -1 : 1;
	if (x->clause != y->clause)
		return x->clause > y->clause ? -1 : 1;
	return x->index < y->index ? -1 : x->index > y->index;
}

/* Compile one function; see jit_int.h. */
bool jit_compile(struct jit_store *js, struct jit_func *jf, char *why)
{
	struct chibi_func *f = jf->func;
	struct codebuf *cb = &js->cb;
	struct lower L_, *L = &L_;
	const struct flow *fl = &f->def->flow;
	size_t code_off = f->def->code_offset, landing;
	uint32_t next_dead = 0;
	uint8_t *code;

	uint32_t misses0 = js->pic ? js->pic->misses : 0;

	cb_reset(cb);
	cb->want_marks = js->keep_maps;
	if (!setup(L, js, f, why))
		return false;
	if (!prepass(L)) {
		fail(L, "cannot decode the body");
		return false;
	}
	if (!L->eh)
		assign_homes(L, be_reserved(&L->c));
	layout_frame(L);
	enter_function(L);
	flow_begin(&L->fc, fl);
	landing = fl->ndead ? code_off + fl->dead[0].resume : SIZE_MAX;
	L->blk[0] = (struct blk){ .kind = FLOW_FUNC, .nresults = L->ft->nresults,
				  .results = L->ft->results };
	for (L->pc = 0; L->pc < L->nins && !L->failed; L->pc++) {
		const struct instr *in = &L->ins[L->pc];

		/* the else/end where a dead stretch resumes (the pre-pass stepped over it) */
		L->dead = in->offset == landing;
		if (L->dead)
			landing = ++next_dead < fl->ndead ? code_off + fl->dead[next_dead].resume
							   : SIZE_MAX;
		cb_mark(cb, (uint32_t)in->offset);
		lower_instr(L, in);
	}
	if (L->failed)
		return false;
	/* out-of-line trap stubs */
	for (int k = 1; k < CHIBI_TRAP_COUNT; k++)
		if (L->c.trap_label[k])
			trap_stub(L, L->c.trap_label[k], jo_imm((uint64_t)k));
	if (L->c.trap_any_label)
		trap_stub(L, L->c.trap_any_label, jo_reg(jit_target.helper_ret2));
	be_finish(&L->c);
	if (js->pic && js->pic->misses != misses0) {
		fail(L, "uses a host address a compiled file cannot name");
		return false;
	}
	if (!cb_resolve(cb) || !be_validate_code(cb)) {
		fail(L, cb->oom ? "out of memory" : "internal encoding error");
		return false;
	}
	code = arena_code_put(&js->arena, cb->p, cb->len);
	if (!code) {
		fail(L, "code arena full");
		return false;
	}
	for (uint32_t i = 0; i < cb->nrelocs; i++) {
		/* code for a compiled file reaches nothing outside its image */
		if (js->pic && (cb->relocs[i].target < (uintptr_t)js->pic->lo ||
				cb->relocs[i].target >= (uintptr_t)code + cb->len)) {
			fail(L, "refers to an address outside the compiled image");
			return false;
		}
		be_patch_reloc(code, &cb->relocs[i]);
	}
	jf->frame_total = L->c.frame.total;
	if (L->neh) {
		struct jit_eh_table *t = vm_malloc(sizeof(*t) + L->neh * sizeof(t->row[0]));

		if (!t) {
			fail(L, "out of memory");
			return false;
		}
		t->n = L->neh;
		qsort(L->ls->eh, L->neh, sizeof(L->ls->eh[0]), eh_row_order);
		for (uint32_t i = 0; i < L->neh; i++) {
			const struct jit_handler *h = &L->ls->eh[i].h;

			t->row[i] = *h;
			t->row[i].start = (uint32_t)cb_label_pos(cb, h->start);
			t->row[i].end = (uint32_t)cb_label_pos(cb, h->end);
			t->row[i].pad = (uint32_t)cb_label_pos(cb, h->pad);
		}
		t->next = js->eh_tables;
		js->eh_tables = t;
		jf->eh = t;
		js->has_handlers = true;
	}
	jf->code = code;
	jf->code_size = (uint32_t)cb->len;
	return true;
}

/* An array above this stays only as long as the compile that grew it (jit_lower_trim): a
 * function of ~1,600 instructions fills 64 KiB of struct instr.  Below it, reuse saves the
 * regrowth; above it, the memory is the bigger cost: probe.wasm's largest function left 176
 * KiB resident in every sleeping container (docs/RATIONALE.md, memory per task). */
#define LOWER_SCRATCH_KEEP (64u << 10)

#define TRIM(arr, cap)                                                                         \
	do {                                                                                   \
		if ((cap) * sizeof(*(arr)) > LOWER_SCRATCH_KEEP) {                            \
			vm_free(arr);                                                          \
			(arr) = NULL;                                                          \
			(cap) = 0;                                                             \
		}                                                                              \
	} while (0)

void jit_lower_trim(void *scratch)
{
	struct lower_scratch *ls = scratch;

	if (!ls)
		return;
	TRIM(ls->ins, ls->cap_ins);
	TRIM(ls->locals, ls->cap_locals);
	TRIM(ls->vs, ls->cap_vs);
	TRIM(ls->blk, ls->cap_blk);
	TRIM(ls->mv, ls->cap_mv);
	TRIM(ls->labels, ls->cap_labels);
	TRIM(ls->idx, ls->cap_idx);
	TRIM(ls->eh, ls->cap_eh);
}

#undef TRIM

void jit_lower_free(void *scratch)
{
	struct lower_scratch *ls = scratch;

	if (!ls)
		return;
	vm_free(ls->ins);
	vm_free(ls->locals);
	vm_free(ls->vs);
	vm_free(ls->blk);
	vm_free(ls->mv);
	vm_free(ls->labels);
	vm_free(ls->idx);
	vm_free(ls->eh);
	vm_free(ls);
}
