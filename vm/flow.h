/* vm/flow.h - the control-flow side table the validator leaves for the later tiers.
 *
 * vm/validate.c is the only code that understands structured control flow.  While it types a
 * body it records, per function, what the interpreter's translator and the JIT need so that
 * neither keeps a control stack, decodes a block type or finds the end of dead code itself:
 *
 *   blocks   every block/loop/if of reachable code, plus the function's own block (id 0), in
 *            pre-order: a consumer numbers blocks as it meets them (struct flow_cursor), so an
 *            id is also the index of its per-block state in the consumer's own arrays;
 *   targets  the block id of every branch of reachable code, in code order (br, br_if, and
 *            each br_table entry, the default last); return needs none (it is block 0);
 *   dead     the unreachable stretches [start, resume) in code order: code after br,
 *            br_table, return or unreachable, and after an end that nothing reaches.  A stretch
 *            always resumes at the else or end that closes it, which the consumer then handles
 *            as one whose fall-through path is dead.  Blocks and branches inside are not in
 *            the two other arrays.
 *
 * Positions are byte offsets from the function's first instruction (struct func's code).
 * One allocation per module holds every function's arrays (struct module's flow_mem).
 */
#ifndef CHIBI_VM_FLOW_H
#define CHIBI_VM_FLOW_H

#include "module.h"

/* One-element result lists of single-valtype blocks, in valtype order (vm/validate.c). */
extern const uint8_t flow_valtypes[7];

/* The types a block takes and leaves.  Lists are stable: they point into the module's types
 * or flow_valtypes. */
static inline void flow_sig(const struct module *m, const struct flow_block *b,
			    const uint8_t **params, uint32_t *nparams, const uint8_t **results,
			    uint32_t *nresults)
{
	const struct functype *ft;

	*params = *results = NULL;
	*nparams = *nresults = 0;
	switch (b->sig_kind) {
	case FLOW_SIG_VALTYPE:
		/* VT_I32 0x7f, I64 0x7e, F32 0x7d, F64 0x7c, V128 0x7b; FUNCREF 0x70, EXTERNREF 0x6f */
		*results = &flow_valtypes[b->sig >= VT_V128 ? 0x7f - b->sig :
					  b->sig == VT_FUNCREF ? 5 : 6];
		*nresults = 1;
		break;
	case FLOW_SIG_TYPEIDX:
		ft = &m->types[b->sig];
		*params = ft->params;
		*nparams = ft->nparams;
		*results = ft->results;
		*nresults = ft->nresults;
		break;
	case FLOW_SIG_FUNC: /* the function's parameters are locals, not operands */
		ft = &m->types[b->sig];
		*results = ft->results;
		*nresults = ft->nresults;
		break;
	default:
		break;
	}
}

/* What a branch to b carries: a loop's parameters, anything else's results. */
static inline const uint8_t *flow_label_types(const struct module *m, const struct flow_block *b,
					      uint32_t *n)
{
	const uint8_t *params, *results;
	uint32_t np, nr;

	flow_sig(m, b, &params, &np, &results, &nr);
	*n = b->kind == FLOW_LOOP ? np : nr;
	return b->kind == FLOW_LOOP ? params : results;
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

/* At an end: the id of the block it closes; its parent becomes current. */
static inline uint32_t flow_close(struct flow_cursor *c)
{
	uint32_t id = c->cur;

	c->cur = c->fl->blocks[id].parent;
	return id;
}

/* At a branch (each br_table entry in turn): the block it targets. */
static inline uint32_t flow_target(struct flow_cursor *c)
{
	return c->fl->targets[c->next_target++];
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
	return fl->nblocks * sizeof(struct flow_block) + fl->ntargets * sizeof(uint32_t) +
	       fl->ndead * sizeof(struct flow_dead);
}

#endif
