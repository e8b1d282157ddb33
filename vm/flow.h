/* vm/flow.h - the control-flow side table the validator leaves for the later tiers.
 *
 * vm/validate.c is the only code that understands structured control flow.  While it types a
 * body it records, per function, what the interpreter's translator and the JIT need so that
 * neither keeps a control stack, decodes a block type or finds the end of dead code itself:
 *
 *   blocks   every block/loop/if of reachable code, in pre-order, with ids from 1: a consumer
 *            numbers blocks as it meets them (struct flow_cursor), so an id is also the index
 *            of its per-block state in its own arrays.  Id 0 is the function's own block,
 *            which has no entry: everything about it is in the function's type;
 *   targets  the block id of every branch of reachable code, in code order (br, br_if, and
 *            each br_table entry, the default last); return needs none (it is block 0).  An
 *            id takes 1, 2 or 4 bytes, as few as the function's block count allows (a
 *            br_table label is at least one byte of code);
 *   dead     the unreachable stretches [start, resume) in code order: code after br,
 *            br_table, return or unreachable, and after an end that nothing reaches.  A stretch
 *            always resumes at the else or end that closes it, which the consumer then handles
 *            as one whose fall-through path is dead.  Blocks and branches inside are not in
 *            the two other arrays.
 *
 * Positions are byte offsets from the function's first instruction (struct func's code).
 * Heights (flow_block.height, like struct func's max_stack) count 64-bit slots, not values:
 * a v128 takes two (vt_slots), so a consumer that gives every value its own slots finds a
 * block's values at slot base + height; for a body without v128 the two counts agree.
 * One allocation per module holds every function's arrays (struct module's flow_mem).
 */
#ifndef CHIBI_VM_FLOW_H
#define CHIBI_VM_FLOW_H

#include "module.h"

/* One-element result lists of single-valtype blocks, in valtype order (vm/validate.c). */
extern const vtype flow_valtypes[8];

/* The types a block takes and leaves.  Lists are stable: they point into the module's types
 * or flow_valtypes. */
static inline void flow_sig(const struct module *m, const struct flow_block *b,
			    const vtype **params, uint32_t *nparams, const vtype **results,
			    uint32_t *nresults)
{
	const struct functype *ft;

	*params = *results = NULL;
	*nparams = *nresults = 0;
	switch (b->sig_kind) {
	case FLOW_SIG_VALTYPE:
		/* VT_I32 0x7f, I64 0x7e, F32 0x7d, F64 0x7c, V128 0x7b; FUNCREF 0x70,
		 * EXTERNREF 0x6f, exnref 0x69: the run-time kind of the result (the
		 * validator has typed it) */
		*results = &flow_valtypes[b->sig >= VT_V128 ? 0x7f - b->sig :
					  b->sig == VT_FUNCREF ? 5 :
					  b->sig == VT_EXTERNREF ? 6 : 7];
		*nresults = 1;
		break;
	case FLOW_SIG_TYPEIDX:
		ft = &m->types[b->sig];
		*params = ft->params;
		*nparams = ft->nparams;
		*results = ft->results;
		*nresults = ft->nresults;
		break;
	default:
		break;
	}
}

/* What a branch to b carries: a loop's parameters, anything else's results. */
static inline const vtype *flow_label_types(const struct module *m, const struct flow_block *b,
					      uint32_t *n)
{
	const vtype *params, *results;
	uint32_t np, nr;

	flow_sig(m, b, &params, &np, &results, &nr);
	*n = b->kind == FLOW_LOOP ? np : nr;
	return b->kind == FLOW_LOOP ? params : results;
}

/* The entry of block id (1 .. nblocks). */
static inline const struct flow_block *flow_get(const struct flow *fl, uint32_t id)
{
	return &fl->blocks[id - 1];
}

/*
 * A consumer's position in the table during its one forward pass.  It sits in block 0 after
 * flow_begin; each block/loop/if it meets opens the next id, each end closes the current one.
 */
struct flow_cursor {
	const struct flow *fl;
	uint32_t cur;         /* the innermost open block */
	uint32_t next_block, next_target, next_dead;
	uint32_t dead_start;  /* where the next dead stretch starts (UINT32_MAX: none) */
};

static inline void flow_begin(struct flow_cursor *c, const struct flow *fl)
{
	c->fl = fl;
	c->cur = 0;
	c->next_block = 1;
	c->next_target = 0;
	c->next_dead = 0;
	c->dead_start = fl->ndead ? fl->dead[0].start : UINT32_MAX;
}

/* At a block, loop or if: its id, which becomes the current block. */
static inline uint32_t flow_open(struct flow_cursor *c)
{
	c->cur = c->next_block++;
	return c->cur;
}

/* At an end: the id of the block it closes (0: the function's); its parent becomes current. */
static inline uint32_t flow_close(struct flow_cursor *c)
{
	uint32_t id = c->cur;

	if (id)
		c->cur = flow_get(c->fl, id)->parent;
	return id;
}

/* At a branch (each br_table entry in turn): the block it targets. */
static inline uint32_t flow_target(struct flow_cursor *c)
{
	const struct flow *fl = c->fl;
	uint32_t i = c->next_target++;

	if (fl->target_size == 1)
		return ((const uint8_t *)fl->targets)[i];
	if (fl->target_size == 2)
		return ((const uint16_t *)fl->targets)[i];
	return ((const uint32_t *)fl->targets)[i];
}

/* Before the instruction at position pos: if dead code starts there, the position to go on
 * from (an else or end reached only by skipping), else pos itself.  *skipped says which. */
static inline uint32_t flow_skip(struct flow_cursor *c, uint32_t pos, bool *skipped)
{
	const struct flow *fl = c->fl;

	*skipped = pos == c->dead_start;
	if (!*skipped)
		return pos;
	pos = fl->dead[c->next_dead++].resume;
	c->dead_start = c->next_dead < fl->ndead ? fl->dead[c->next_dead].start : UINT32_MAX;
	return pos;
}

/* Bytes of side table for f (the figure docs/RATIONALE.md compares with code bytes). */
static inline size_t flow_bytes(const struct flow *fl)
{
	return fl->nblocks * sizeof(struct flow_block) + (size_t)fl->ntargets * fl->target_size +
	       fl->ndead * sizeof(struct flow_dead);
}

#endif
