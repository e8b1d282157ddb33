/* jit/difftest.c - differential test driver: runs modules in the interpreter and under the
 * JIT (guard pages, explicit bounds checks, moving memory) and compares what they do.
 *
 *   jit-difftest [-v] FILE.wasm...     exit 0 if every module behaved the same in all modes
 *   jit-difftest -r FILE.wasm          the interpreter's transcript, as jit/test/v8-ref.js
 *                                      writes V8's (exported state only)
 *
 * A transcript records, for every exported function called with a few argument patterns:
 * the results (NaNs only as "nan": their bits are nondeterministic in Wasm), or the trap,
 * every call of an import (binaryen's fuzzing-support log-* imports, or stand-ins for any
 * other import) with its arguments, and a hash of memory 0 and of the exported mutable
 * globals after each call.  binaryen's `wasm-opt -ttf` modules export hangLimitInitializer,
 * which is called before every call so that loops and recursion stay bounded (they run
 * without fuel, as normal code does).  Other modules (the spec suite's) may loop for a long time on arguments they were not written
 * for: a store gets FUEL units, and a call that runs out, or exhausts the stack (both
 * engines trap there, at different depths, so side effects differ), ends the transcript
 * with "stopped"; transcripts are compared up to the call where either one stopped.  It is
 * a test tool over internals (struct module), built by jit/jit.mk, not part of chibi.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chibi.h"
#include "../vm/store.h"

#define FUEL 20000000u

struct transcript {
	char *buf;
	size_t len, cap;
};

static void emit(struct transcript *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void emit(struct transcript *t, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(t->buf + t->len, t->cap - t->len, fmt, ap);
		va_end(ap);
		if (n >= 0 && (size_t)n < t->cap - t->len)
			break;
		t->cap = t->cap * 2 + 4096 + (size_t)(n > 0 ? n : 0);
		t->buf = realloc(t->buf, t->cap);
		if (!t->buf)
			abort();
	}
	t->len += (size_t)n;
}

/* A value as text; NaNs collapse to "nan". */
static void emit_val(struct transcript *t, uint8_t type, uint64_t bits)
{
	switch (type) {
	case CHIBI_I32:
		emit(t, " i32:%" PRIu32, (uint32_t)bits);
		break;
	case CHIBI_F32:
		if (((uint32_t)bits & 0x7f800000u) == 0x7f800000u && ((uint32_t)bits & 0x7fffffu))
			emit(t, " f32:nan");
		else
			emit(t, " f32:%08" PRIx32, (uint32_t)bits);
		break;
	case CHIBI_F64:
		if ((bits & 0x7ff0000000000000ull) == 0x7ff0000000000000ull &&
		    (bits & 0xfffffffffffffull))
			emit(t, " f64:nan");
		else
			emit(t, " f64:%016" PRIx64, bits);
		break;
	case CHIBI_FUNCREF:
	case CHIBI_EXTERNREF:
	case CHIBI_EXNREF: /* an exception's address differs between engines */
		emit(t, " ref:%s", bits ? "non-null" : "null");
		break;
	default:
		emit(t, " i64:%" PRIu64, bits);
		break;
	}
}

/* A v128 as text, low half first: each 64-bit half that is an f64 NaN collapses to "nan64",
 * else each 32-bit lane that is an f32 NaN to "nan32" (the lane types are unknown here; NaN
 * payloads may differ between engines, as for scalars). */
static void emit_v128(struct transcript *t, const uint8_t b[16])
{
	emit(t, " v128:");
	for (int h = 0; h < 2; h++) {
		uint64_t v;

		memcpy(&v, b + 8 * h, 8);
		if ((v & 0x7ff0000000000000ull) == 0x7ff0000000000000ull &&
		    (v & 0xfffffffffffffull)) {
			emit(t, "%snan64", h ? "." : "");
			continue;
		}
		for (int l = 0; l < 2; l++) {
			uint32_t x = (uint32_t)(v >> (32 * l));

			if ((x & 0x7f800000u) == 0x7f800000u && (x & 0x7fffffu))
				emit(t, "%snan32", h || l ? "." : "");
			else
				emit(t, "%s%08" PRIx32, h || l ? "." : "", x);
		}
	}
}

struct import_env {
	struct transcript *t;
	const char *name;
	const struct functype *type;
};

/* Every imported function: log the call, return zeros. */
static enum chibi_trap logger(chibi_caller *c, void *env, uint64_t *slots)
{
	struct import_env *e = env;

	uint32_t si = 0;

	(void)c;
	emit(e->t, "  import %s", e->name);
	for (uint32_t i = 0; i < e->type->nparams; si += vt_slots(e->type->params[i]), i++) {
		if (e->type->params[i] == VT_V128)
			emit_v128(e->t, (const uint8_t *)&slots[si]);
		else
			emit_val(e->t, e->type->params[i], slots[si]);
	}
	emit(e->t, "\n");
	si = 0;
	for (uint32_t i = 0; i < e->type->nresults; i++)
		si += vt_slots(e->type->results[i]);
	memset(slots, 0, 8 * (size_t)si);
	return CHIBI_TRAP_NONE;
}

/* Every call's memory is hashed in every mode, so this runs over whole memories thousands
 * of times per module: a byte-at-a-time hash was 98% of a wasm-opt -ttf campaign's time.
 * Four independent 64-bit lanes of multiply-xorshift, then the tail bytewise. */
static uint64_t mix(uint64_t h, uint64_t w)
{
	h = (h ^ w) * 0x9e3779b97f4a7c15ull;
	return h ^ (h >> 29);
}

static uint64_t hash_bytes(uint64_t h, const uint8_t *p, size_t n)
{
	uint64_t lane[4] = { h, h + 1, h + 2, h + 3 }, w;
	size_t i = 0;

	for (; i + 32 <= n; i += 32)
		for (int k = 0; k < 4; k++) {
			memcpy(&w, p + i + 8 * k, 8);
			lane[k] = mix(lane[k], w);
		}
	h = mix(mix(mix(lane[0], lane[1]), lane[2]), lane[3]);
	for (; i < n; i++)
		h = mix(h, p[i]);
	return mix(h, n);
}

/* The argument pattern `round` for parameter i of type t. */
static chibi_val arg_for(uint8_t t, int round, uint32_t i)
{
	static const uint64_t i32s[] = { 0, 1, 0xffffffffu, 0x80000000u, 7, 65536 };
	static const uint64_t i64s[] = { 0, 1, ~0ull, 0x8000000000000000ull, 42, 1ull << 33 };
	static const uint32_t f32s[] = { 0, 0x3fc00000u, 0x80000000u, 0x7fc00000u, 0xc2f60000u,
					 0x4f800000u };
	static const uint64_t f64s[] = { 0, 0x3ff8000000000000ull, 0x8000000000000000ull,
					 0x7ff8000000000000ull, 0xc05ec00000000000ull,
					 0x41f0000000000000ull };
	chibi_val v = { .type = t };
	size_t k = round == 0 ? 0 : (round + i) % 6;

	switch (t) {
	case CHIBI_I32: v.of.i32 = (int32_t)i32s[k]; break;
	case CHIBI_I64: v.of.i64 = (int64_t)i64s[k]; break;
	case CHIBI_F32: v.of.f32_bits = f32s[k]; break;
	case CHIBI_F64: v.of.f64_bits = f64s[k]; break;
	case CHIBI_V128: { /* integer and float lane patterns side by side */
		uint32_t w[4] = { (uint32_t)i32s[k], f32s[(k + 1) % 6], (uint32_t)i64s[(k + 2) % 6],
				  f32s[(k + 3) % 6] };

		memcpy(v.of.v128, w, 16);
		break;
	}
	default: break; /* null references */
	}
	return v;
}

static uint64_t val_bits(const chibi_val *v)
{
	switch (v->type) {
	case CHIBI_I32: return (uint32_t)v->of.i32;
	case CHIBI_F32: return v->of.f32_bits;
	case CHIBI_FUNCREF: return (uint64_t)(uintptr_t)v->of.ref;
	case CHIBI_EXTERNREF: return (uint64_t)(uintptr_t)v->of.ext;
	case CHIBI_EXNREF: return (uint64_t)(uintptr_t)v->of.exn;
	default: return (uint64_t)v->of.i64;
	}
}

/* -r: the transcript of what an embedder sees through exports alone (memory 0 and mutable
 * globals only when exported), for comparison with another engine (jit/test/v8-ref.js). */
static bool visible_only;

static bool exported(const struct module *m, uint8_t kind, uint32_t index)
{
	for (uint32_t e = 0; e < m->nexports; e++)
		if (m->exports[e].kind == kind && m->exports[e].index == index)
			return true;
	return false;
}

/* A mutable global's value (v128 globals keep their high half in `hi`). */
static void emit_global(struct transcript *t, const struct chibi_global *gl)
{
	if (gl->valtype == VT_V128) {
		uint64_t h[2] = { gl->value, gl->hi };

		emit_v128(t, (const uint8_t *)h);
	} else {
		emit_val(t, gl->valtype, gl->value);
	}
}

/* Run every export of m in mode (with the given environment switches) into t. */
static void run_mode(const char *path, enum chibi_exec_mode mode, struct transcript *t)
{
	struct chibi_config cfg = { .mode = mode, .max_memory_pages = 4096, .fuel = FUEL };
	struct chibi_diag diag = { 0 };
	struct chibi_trap_info info;
	chibi_module *cm = NULL;
	chibi_store *s = NULL;
	chibi_linker *l = NULL;
	chibi_instance *inst = NULL;
	struct import_env *envs = NULL;
	const struct module *m;
	chibi_func *hang;

	if (chibi_module_load_file(path, &cm, &diag) != CHIBI_OK) {
		emit(t, "load error: %s\n", diag.msg);
		return;
	}
	m = (const struct module *)cm;
	/* binaryen's modules bound themselves: run them without fuel, i.e. with the code the
	 * JIT normally emits */
	for (uint32_t e = 0; e < m->nexports; e++)
		if (!strcmp(m->exports[e].name, "hangLimitInitializer"))
			cfg.fuel = 0;
	s = chibi_store_new(&cfg);
	l = chibi_linker_new();
	envs = calloc(m->nimports + 1, sizeof(*envs));
	if (!s || !l || !envs)
		abort();
	for (uint32_t i = 0; i < m->nimports; i++) {
		const struct import *im = &m->imports[i];
		struct chibi_extern ext = { .kind = (enum chibi_extern_kind)im->kind };
		char sig[512];
		size_t k = 0;

		if (im->kind == EXT_FUNC) {
			const struct functype *ft = &m->types[im->desc.type_index];

			for (uint32_t j = 0; j < ft->nparams && k < 500; j++)
				sig[k++] = vt_letter(ft->params[j]);
			sig[k++] = ':';
			for (uint32_t j = 0; j < ft->nresults && k < 510; j++)
				sig[k++] = vt_letter(ft->results[j]);
			sig[k] = 0;
			envs[i] = (struct import_env){ t, im->field_name, ft };
			ext.of.func = chibi_func_new_host(s, sig, logger, &envs[i]);
		} else if (im->kind == EXT_MEMORY) {
			ext.of.memory = im->desc.memory.limits.is64 ?
				chibi_memory_new64(s, im->desc.memory.limits.min,
						   im->desc.memory.limits.max,
						   im->desc.memory.limits.has_max) :
				chibi_memory_new(s, (uint32_t)im->desc.memory.limits.min,
						 (uint32_t)im->desc.memory.limits.max,
						 im->desc.memory.limits.has_max);
		} else if (im->kind == EXT_TABLE) {
			ext.of.table = im->desc.table.limits.is64 ?
				chibi_table_new64(s, (enum chibi_valtype)im->desc.table.elemtype,
						  im->desc.table.limits.min, im->desc.table.limits.max,
						  im->desc.table.limits.has_max) :
				chibi_table_new(s, (enum chibi_valtype)im->desc.table.elemtype,
						(uint32_t)im->desc.table.limits.min,
						(uint32_t)im->desc.table.limits.max,
						im->desc.table.limits.has_max);
		} else {
			chibi_val v = { .type = im->desc.global.valtype };

			ext.of.global = chibi_global_new(s, v, im->desc.global.mutable_);
		}
		chibi_linker_define(l, im->module_name, im->field_name, ext);
	}
	if (chibi_instance_new(s, cm, l, &inst, &diag, &info) != CHIBI_OK) {
		emit(t, "instantiate: %s\n", visible_only ? "failed" : diag.msg);
		goto out;
	}
	hang = chibi_instance_func(inst, "hangLimitInitializer");
	for (int round = 0; round < 3; round++) {
		for (uint32_t e = 0; e < m->nexports; e++) {
			const struct export *ex = &m->exports[e];
			chibi_func *f;
			chibi_val args[64], res[64];
			uint32_t np, nr;
			enum chibi_trap tr;

			if (ex->kind != EXT_FUNC || !strcmp(ex->name, "hangLimitInitializer"))
				continue;
			f = chibi_instance_func(inst, ex->name);
			np = chibi_func_num_params(f);
			nr = chibi_func_num_results(f);
			if (np > 64 || nr > 64)
				continue;
			if (hang)
				chibi_func_call(hang, NULL, 0, NULL, 0, NULL);
			for (uint32_t i = 0; i < np; i++)
				args[i] = arg_for(chibi_func_param_type(f, i), round, i);
			emit(t, "call %s round %d\n", ex->name, round);
			memset(&info, 0, sizeof(info));
			info.func_index = UINT32_MAX;
			tr = chibi_func_call(f, args, np, res, nr, &info);
			if (tr == CHIBI_TRAP_OUT_OF_FUEL || tr == CHIBI_TRAP_STACK_EXHAUSTED) {
				emit(t, "stopped\n");
				goto out;
			}
			if (tr != CHIBI_TRAP_NONE) {
				/* the full trap text, as chibi run prints it: both tiers must name
				 * the same function */
				emit(t, "  trap: %s", chibi_trap_name(tr));
				if (info.func_index != UINT32_MAX)
					emit(t, " in function #%" PRIu32, info.func_index);
				emit(t, "\n");
			} else {
				emit(t, "  ->");
				for (uint32_t i = 0; i < nr; i++)
					if (res[i].type == CHIBI_V128)
						emit_v128(t, res[i].of.v128);
					else
						emit_val(t, res[i].type, val_bits(&res[i]));
				emit(t, "\n");
			}
			if (m->nmemories && (!visible_only || exported(m, EXT_MEMORY, 0))) {
				struct chibi_memory *mem = inst->memories[0];

				emit(t, "  memory %" PRIu64 " bytes hash %016" PRIx64 "\n", mem->size,
				     hash_bytes(1469598103934665603ull, mem->data, mem->size));
			}
			for (uint32_t g = 0; g < m->nglobals && !visible_only; g++)
				if (inst->globals[g]->mutable_)
					emit_global(t, inst->globals[g]);
			/* an embedder sees the exported ones, in export order */
			for (uint32_t x = 0; x < m->nexports && visible_only; x++) {
				const struct chibi_global *gl = inst->globals[m->exports[x].index];

				if (m->exports[x].kind == EXT_GLOBAL && gl->mutable_)
					emit_global(t, gl);
			}
			emit(t, "\n");
		}
	}
out:
	chibi_linker_free(l);
	chibi_store_free(s);
	chibi_module_free(cm);
	free(envs);
}

/* Where the comparison of t ends: the start of the call that stopped, or the end. */
static size_t cut_point(const struct transcript *t)
{
	const char *stop, *call = NULL, *p;

	if (!t->buf)
		return 0;
	stop = strstr(t->buf, "stopped\n");
	if (!stop)
		return t->len;
	for (p = t->buf; (p = strstr(p, "call ")) && p < stop; p++)
		if (p == t->buf || p[-1] == '\n')
			call = p;
	return call ? (size_t)(call - t->buf) : 0;
}

/* Same behaviour up to the first call where either engine stopped? */
static bool same(const struct transcript *a, const struct transcript *b)
{
	size_t ca = cut_point(a), cb = cut_point(b), n = ca < cb ? ca : cb;

	if (ca == a->len && cb == b->len)
		return a->len == b->len && (!a->len || !memcmp(a->buf, b->buf, a->len));
	return n <= a->len && n <= b->len && (!n || !memcmp(a->buf, b->buf, n));
}

/* Print the first line where a and b differ. */
static void show_diff(const char *path, const char *what, const struct transcript *a,
		      const struct transcript *b)
{
	size_t i = 0, line = 1, start = 0;
	const char *pa = a->buf ? a->buf : "", *pb = b->buf ? b->buf : "";

	while (i < a->len && i < b->len && a->buf[i] == b->buf[i]) {
		if (a->buf[i] == '\n') {
			line++;
			start = i + 1;
		}
		i++;
	}
	fprintf(stderr, "%s: %s differs from the interpreter at transcript line %zu:\n", path,
		what, line);
	pa += start < a->len ? start : a->len;
	pb += start < b->len ? start : b->len;
	fprintf(stderr, "  interp: %.*s\n", (int)strcspn(pa, "\n"), pa);
	fprintf(stderr, "  jit:    %.*s\n", (int)strcspn(pb, "\n"), pb);
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name, *bounds, *grow;
	} variants[] = {
		{ "jit", NULL, NULL },
		{ "jit (explicit bounds)", "explicit", NULL },
		{ "jit (moving memory)", NULL, "1" },
	};
	bool verbose = false;
	int bad = 0, n = 0;

	for (int i = 1; i < argc; i++) {
		struct transcript ref = { 0 };

		if (!strcmp(argv[i], "-v")) {
			verbose = true;
			continue;
		}
		if (!strcmp(argv[i], "-r")) {
			visible_only = true;
			continue;
		}
		if (visible_only) {
			/* the interpreter's transcript alone, on stdout */
			run_mode(argv[i], CHIBI_MODE_INTERP, &ref);
			fwrite(ref.buf ? ref.buf : "", 1, ref.len, stdout);
			free(ref.buf);
			continue;
		}
		n++;
		unsetenv("CHIBI_JIT_BOUNDS");
		unsetenv("CHIBI_HARD_GROW");
		run_mode(argv[i], CHIBI_MODE_INTERP, &ref);
		for (size_t v = 0; v < sizeof(variants) / sizeof(variants[0]); v++) {
			struct transcript got = { 0 };

			if (variants[v].bounds)
				setenv("CHIBI_JIT_BOUNDS", variants[v].bounds, 1);
			else
				unsetenv("CHIBI_JIT_BOUNDS");
			if (variants[v].grow)
				setenv("CHIBI_HARD_GROW", variants[v].grow, 1);
			else
				unsetenv("CHIBI_HARD_GROW");
			run_mode(argv[i], CHIBI_MODE_JIT, &got);
			if (!same(&ref, &got)) {
				show_diff(argv[i], variants[v].name, &ref, &got);
				bad++;
				free(got.buf);
				break;
			}
			free(got.buf);
		}
		if (verbose)
			printf("%s: %zu transcript bytes\n%.*s", argv[i], ref.len, (int)ref.len,
			       ref.buf);
		free(ref.buf);
	}
	if (!visible_only)
		printf("jit-difftest: %d modules, %d differ\n", n, bad);
	return bad ? 1 : 0;
}
