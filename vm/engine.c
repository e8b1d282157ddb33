/* vm/engine.c - the interpreter's engine table and the choice of a store's engine.
 *
 * The interpreter needs no per-store state beyond what each function keeps
 * (chibi_func.interp_code, freed with the function's instance), so its table has no
 * store_free, stats or inspection entries.  Entry points: engine_interp, engine_for_mode,
 * chibi_jit_name.
 */
#include "engine.h"

static const char *interp_name(void)
{
	return "interpreter";
}

const struct engine engine_interp = {
	.name = interp_name,
	.invoke = interp_invoke,
};

/* See engine.h. */
const struct engine *engine_for_mode(enum chibi_exec_mode mode)
{
	if (mode != CHIBI_MODE_INTERP && engine_jit)
		return engine_jit;
	return &engine_interp;
}

/* See chibi.h. */
const char *chibi_jit_name(void)
{
	return engine_jit ? engine_jit->name() : NULL;
}
