/* fuzz/module_fuzz.c - libFuzzer target: decode + validate + instantiate + call, in the
 * interpreter, the JIT, or both compared.
 *
 * Any input must end in a clean error or a clean trap: never a crash, leak, hang or UB
 * (the target is built with ASan + UBSan).  Modules are instantiated with a small memory
 * cap and fuel, their imports given stand-ins (functions that return zeros, fresh memories,
 * tables and globals), and every exported function is called with zero arguments.
 *
 * CHIBI_FUZZ_TIER selects what runs each input:
 *   interp   the interpreter only
 *   jit      the JIT only
 *   diff     (default) the interpreter, then the JIT, and their outcomes compared: the
 *            instantiation result, every call's trap (with the function it names) or
 *            results (NaNs as "nan": their bits are nondeterministic), and a hash of memory
 *            0 after each call.  A difference aborts, so libFuzzer keeps the input.  The
 *            comparison ends at the first call where either tier ran out of fuel or stack:
 *            the tiers count fuel at different points and use different frame sizes.
 * CHIBI_JIT_BOUNDS=explicit in the environment makes the JIT check bounds explicitly
 * instead of using guard pages (as for chibi itself).  CHIBI_FUZZ_VERBOSE=1 prints each
 * input's outcome (the interpreter's, in diff) to stderr: to see what a generator's
 * modules actually do.
 *
 * `make fuzz` / `make fuzz-campaign` run it; `make fuzz-replay` (part of `make test`)
 * replays fuzz/corpus in the interpreter and in the diff mode.  fuzz/replay_main.c makes the
 * same function a plain program (no libFuzzer) for replays on other hosts (AArch64/qemu).
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chibi.h"
#include "../vm/store.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

enum fuzz_tier { TIER_INTERP, TIER_JIT, TIER_DIFF };
static enum fuzz_tier tier = TIER_DIFF;
static bool verbose;    /* CHIBI_FUZZ_VERBOSE set: print each input's outcome (stderr) */

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *t = getenv("CHIBI_FUZZ_TIER");

	(void)argc;
	(void)argv;
	verbose = getenv("CHIBI_FUZZ_VERBOSE") != NULL;
	if (t && !strcmp(t, "interp"))
		tier = TIER_INTERP;
	else if (t && !strcmp(t, "jit"))
		tier = chibi_jit_name() ? TIER_JIT : TIER_INTERP;
	else
		tier = chibi_jit_name() ? TIER_DIFF : TIER_INTERP;
	return 0;
}

/* What one tier did with a module, as comparable text (bounded: the tail is cut). */
struct outcome {
	char text[8192];
	size_t len;
	bool stopped;   /* ran out of fuel or stack: later calls are not compared */
};

static void note(struct outcome *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void note(struct outcome *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (o->len >= sizeof(o->text) - 1)
		return;
	va_start(ap, fmt);
	n = vsnprintf(o->text + o->len, sizeof(o->text) - o->len, fmt, ap);
	va_end(ap);
	if (n > 0)
		o->len += (size_t)n < sizeof(o->text) - o->len ? (size_t)n : sizeof(o->text) - 1 - o->len;
}

static void note_val(struct outcome *o, const chibi_val *v)
{
	switch (v->type) {
	case CHIBI_I32:
		note(o, " i32:%" PRIu32, (uint32_t)v->of.i32);
		break;
	case CHIBI_I64:
		note(o, " i64:%" PRIu64, (uint64_t)v->of.i64);
		break;
	case CHIBI_F32:
		if ((v->of.f32_bits & 0x7f800000u) == 0x7f800000u && (v->of.f32_bits & 0x7fffffu))
			note(o, " f32:nan");
		else
			note(o, " f32:%08" PRIx32, v->of.f32_bits);
		break;
	case CHIBI_F64:
		if ((v->of.f64_bits & 0x7ff0000000000000ull) == 0x7ff0000000000000ull &&
		    (v->of.f64_bits & 0xfffffffffffffull))
			note(o, " f64:nan");
		else
			note(o, " f64:%016" PRIx64, v->of.f64_bits);
		break;
	case CHIBI_FUNCREF:
		note(o, " funcref:%s", v->of.ref ? "non-null" : "null");
		break;
	case CHIBI_EXTERNREF:
		note(o, " externref:%s", v->of.ext ? "non-null" : "null");
		break;
	case CHIBI_EXNREF:
		note(o, " exnref:%s", v->of.exn ? "non-null" : "null");
		break;
	default:
		note(o, " type%u", v->type);
		break;
	}
}

static void note_trap(struct outcome *o, enum chibi_trap t, const struct chibi_trap_info *ti)
{
	note(o, " trap %s", chibi_trap_name(t));
	if (ti->func_index != UINT32_MAX)
		note(o, " in function #%" PRIu32, ti->func_index);
	/* An uncaught exception is an outcome of its own: which tag, and its payload. */
	if (t == CHIBI_TRAP_EXCEPTION && ti->exn) {
		const chibi_tag *tag = chibi_exn_tag(ti->exn);
		const char *name = chibi_tag_name(tag);

		note(o, " tag %s#%" PRIu32 " payload", name ? name : "-", chibi_tag_index(tag));
		for (uint32_t i = 0; i < chibi_tag_num_params(tag); i++) {
			chibi_val v = chibi_exn_value(ti->exn, i);

			note_val(o, &v);
		}
	}
	if (t == CHIBI_TRAP_OUT_OF_FUEL || t == CHIBI_TRAP_STACK_EXHAUSTED ||
	    t == CHIBI_TRAP_HOST)
		o->stopped = true;
}

/* A hash of every memory of inst (multi-memory: all of them, imported ones included). */
static uint64_t memory_hash(const chibi_instance *inst)
{
	uint64_t h = 1469598103934665603ull;

	for (uint32_t m = 0; m < inst->mod->nmemories; m++) {
		const struct chibi_memory *mem = inst->memories[m];

		for (uint64_t i = 0; i < mem->size; i++)
			h = (h ^ mem->data[i]) * 1099511628211ull;
		h = (h ^ mem->size) * 1099511628211ull;
	}
	return h;
}

/* A host function standing in for any imported function: results are zeros. */
static enum chibi_trap stand_in(chibi_caller *c, void *env, uint64_t *slots)
{
	const struct functype *ft = env;

	(void)c;
	for (uint32_t i = 0; i < ft->nresults; i++)
		slots[i] = 0;
	return CHIBI_TRAP_NONE;
}

/* Define a stand-in for every import of m in l; false if one cannot be made (a memory or
 * table larger than the fuzzer affords, an unsupported type). */
static bool define_imports(const struct module *m, chibi_store *s, chibi_linker *l)
{
	for (uint32_t i = 0; i < m->nimports; i++) {
		const struct import *im = &m->imports[i];
		struct chibi_extern ext = { .kind = (enum chibi_extern_kind)im->kind };

		if (im->kind == EXT_FUNC) {
			const struct functype *ft = &m->types[im->desc.type_index];
			char sig[64];
			size_t k = 0;

			if (ft->nparams + ft->nresults + 2 > sizeof(sig))
				return false;
			for (uint32_t j = 0; j < ft->nparams; j++)
				sig[k++] = vt_letter(ft->params[j]);
			sig[k++] = ':';
			for (uint32_t j = 0; j < ft->nresults; j++)
				sig[k++] = vt_letter(ft->results[j]);
			sig[k] = 0;
			ext.of.func = chibi_func_new_host(s, sig, stand_in, (void *)ft);
		} else if (im->kind == EXT_MEMORY) {
			const struct limits *lim = &im->desc.memory.limits;

			if (lim->min > 64)
				return false;
			if (lim->is64)
				ext.of.memory = chibi_memory_new64(s, lim->min, lim->max, lim->has_max);
			else
				ext.of.memory = chibi_memory_new(s, (uint32_t)lim->min,
								 (uint32_t)lim->max, lim->has_max);
		} else if (im->kind == EXT_TABLE) {
			const struct limits *lim = &im->desc.table.limits;
			/* A typed reference's family: the import then fails to match,
			 * the same way in every tier. */
			enum chibi_valtype et = vt_code(im->desc.table.elemtype);

			if (lim->min > 10000)
				return false;
			if (lim->is64)
				ext.of.table = chibi_table_new64(s, et, lim->min, lim->max,
								 lim->has_max);
			else
				ext.of.table = chibi_table_new(s, et, (uint32_t)lim->min,
							       (uint32_t)lim->max, lim->has_max);
		} else if (im->kind == EXT_TAG) {
			const struct functype *ft = &m->types[im->desc.tag_type];
			char params[64];

			if (ft->nparams + 1 > sizeof(params))
				return false;
			for (uint32_t j = 0; j < ft->nparams; j++)
				params[j] = vt_letter(ft->params[j]);
			params[ft->nparams] = 0;
			ext.of.tag = chibi_tag_new(s, params);
		} else {
			chibi_val v = { .type = im->desc.global.valtype };

			ext.of.global = chibi_global_new(s, v, im->desc.global.mutable_);
		}
		if (!ext.of.func || chibi_linker_define(l, im->module_name, im->field_name, ext))
			return false;
	}
	return true;
}

/* Can f be called with zero arguments?  Not if a parameter is a non-nullable reference:
 * the call would be refused (a host trap, which ends the comparison), so it is skipped and
 * the exports after it still run. */
static bool nullable_params(const chibi_func *f)
{
	for (uint32_t k = 0; k < f->type->nparams; k++)
		if (vt_is_ref(f->type->params[k]) && !vt_nullable(f->type->params[k]))
			return false;
	return true;
}

static void run_tier(const uint8_t *data, size_t size, enum chibi_exec_mode mode,
		     struct outcome *o)
{
	struct chibi_diag diag;
	struct chibi_trap_info ti;
	chibi_module *m = NULL;
	chibi_store *s = NULL;
	chibi_instance *inst = NULL;
	chibi_linker *l = NULL;
	enum chibi_err err;

	if (chibi_module_new(data, size, &m, &diag) != CHIBI_OK)
		return;
	struct chibi_config cfg = {
		.mode = mode,
		.max_memory_pages = 64,          /* 4 MiB: keep the fuzzer's RSS small */
		.max_stack_bytes = 256 * 1024,
		.fuel = 100000,                  /* bound every call's run time */
	};
	s = chibi_store_new(&cfg);
	l = chibi_linker_new();
	if (!s || !l || !define_imports((const struct module *)m, s, l))
		goto out;
	memset(&ti, 0, sizeof(ti));
	ti.func_index = UINT32_MAX;
	err = chibi_instance_new(s, m, l, &inst, &diag, &ti);
	if (err == CHIBI_ERR_TRAP) {
		note(o, "start:");
		note_trap(o, ti.kind, &ti);
		if (!o->stopped)
			note(o, "\n");
		goto out;
	}
	if (err != CHIBI_OK) {
		note(o, "instantiate: %d %s\n", err, diag.msg);
		goto out;
	}
	uint32_t n = chibi_module_num_exports(m);

	for (uint32_t i = 0; i < n && !o->stopped; i++) {
		const char *name;
		enum chibi_extern_kind kind;

		chibi_module_export(m, i, &name, &kind);
		if (kind != CHIBI_EXTERN_FUNC)
			continue;
		chibi_func *f = chibi_instance_func(inst, name);
		if (!f)
			continue;
		chibi_val args[16], results[16];
		uint32_t np = chibi_func_num_params(f), nr = chibi_func_num_results(f);

		if (np > 16 || nr > 16 || !nullable_params(f))
			continue;
		memset(args, 0, sizeof(args));
		for (uint32_t k = 0; k < np; k++)
			args[k].type = (uint8_t)chibi_func_param_type(f, k);
		memset(&ti, 0, sizeof(ti));
		ti.func_index = UINT32_MAX;
		enum chibi_trap t = chibi_func_call(f, args, np, results, nr, &ti);

		note(o, "call %" PRIu32 ":", i);
		if (t != CHIBI_TRAP_NONE)
			note_trap(o, t, &ti);
		else
			for (uint32_t k = 0; k < nr; k++)
				note_val(o, &results[k]);
		if (!o->stopped)
			note(o, " memory %016" PRIx64 "\n", memory_hash(inst));
	}
out:
	chibi_linker_free(l);
	chibi_store_free(s);
	chibi_module_free(m);
}

/* The length of the part of o that the other tier must match: everything up to the call
 * that stopped (that call's line included only up to its trap). */
static size_t compared_len(const struct outcome *o)
{
	if (!o->stopped)
		return o->len;
	const char *last = o->text;

	for (const char *p = o->text; (p = strchr(p, '\n')) && (size_t)(p - o->text) < o->len; p++)
		last = p + 1;
	return (size_t)(last - o->text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct outcome a, b;

	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	switch (tier) {
	case TIER_INTERP:
		run_tier(data, size, CHIBI_MODE_INTERP, &a);
		break;
	case TIER_JIT:
		run_tier(data, size, CHIBI_MODE_JIT, &a);
		break;
	case TIER_DIFF: {
		run_tier(data, size, CHIBI_MODE_INTERP, &a);
		run_tier(data, size, CHIBI_MODE_JIT, &b);
		size_t la = compared_len(&a), lb = compared_len(&b), n = la < lb ? la : lb;

		/* Both complete: all of it; else the common prefix of whole calls. */
		if ((!a.stopped && !b.stopped && (a.len != b.len || memcmp(a.text, b.text, a.len))) ||
		    memcmp(a.text, b.text, n)) {
			fprintf(stderr, "module_fuzz: the tiers differ\n--- interp\n%.*s\n--- jit\n%.*s\n",
				(int)a.len, a.text, (int)b.len, b.text);
			abort();
		}
		break;
	}
	}
	if (verbose)
		fprintf(stderr, "--- outcome\n%.*s", (int)a.len, a.text);
	return 0;
}
