/* cli/spectest.c - the `spectest` host module that spec scripts import.
 *
 * Built entirely from public host-object constructors (chibi_func_new_host, chibi_global_new,
 * chibi_table_new, chibi_memory_new), so it exercises the same paths an embedder would.  It
 * does not know about scripts or commands.  Entry point: spectest_define().
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "wast.h"

/* One print function: its export name and signature (letters as in chibi.h). */
struct print_fn {
	const char *name;
	const char *sig;
};

static const struct print_fn print_fns[] = {
	{ "print",         ":" },
	{ "print_i32",     "i:" },
	{ "print_i64",     "I:" },
	{ "print_f32",     "f:" },
	{ "print_f64",     "F:" },
	{ "print_i32_f32", "if:" },
	{ "print_f64_f64", "FF:" },
};

/* Set once per store by spectest_define; the runner is single-threaded. */
static bool print_verbose;

static void print_arg(char letter, uint64_t slot)
{
	float f;
	double d;
	uint32_t b32;

	switch (letter) {
	case 'i':
		printf("i32:%" PRId32, (int32_t)(uint32_t)slot);
		break;
	case 'I':
		printf("i64:%" PRId64, (int64_t)slot);
		break;
	case 'f':
		b32 = (uint32_t)slot;
		memcpy(&f, &b32, sizeof(f));
		printf("f32:%.9g", (double)f);
		break;
	case 'F':
		memcpy(&d, &slot, sizeof(d));
		printf("f64:%.17g", d);
		break;
	}
}

/* The reference interpreter prints its arguments; we do so only under -v, because thousands
 * of calls would drown the per-script summary lines. */
static enum chibi_trap spectest_print(chibi_caller *caller, void *env, uint64_t *slots)
{
	const struct print_fn *pf = env;

	if (!print_verbose)
		return CHIBI_TRAP_NONE;
	printf("spectest.%s(", pf->name);
	for (int i = 0; pf->sig[i] != ':'; i++) {
		if (i)
			printf(", ");
		print_arg(pf->sig[i], slots[i]);
	}
	printf(")\n");
	return CHIBI_TRAP_NONE;
}

static enum chibi_err define(chibi_linker *l, const char *name, struct chibi_extern ext)
{
	return chibi_linker_define(l, "spectest", name, ext);
}

static enum chibi_err define_global(chibi_store *s, chibi_linker *l, const char *name,
				    chibi_val v)
{
	struct chibi_extern ext = { .kind = CHIBI_EXTERN_GLOBAL };

	ext.of.global = chibi_global_new(s, v, false);
	if (!ext.of.global)
		return CHIBI_ERR_NOMEM;
	return define(l, name, ext);
}

enum chibi_err spectest_define(chibi_store *s, chibi_linker *l, bool verbose)
{
	struct chibi_extern ext;
	enum chibi_err err;
	chibi_val v;
	float f32 = 666.6f;
	double f64 = 666.6;

	print_verbose = verbose;
	for (size_t i = 0; i < sizeof(print_fns) / sizeof(print_fns[0]); i++) {
		ext.kind = CHIBI_EXTERN_FUNC;
		ext.of.func = chibi_func_new_host(s, print_fns[i].sig, spectest_print,
						  (void *)&print_fns[i]);
		if (!ext.of.func)
			return CHIBI_ERR_NOMEM;
		err = define(l, print_fns[i].name, ext);
		if (err)
			return err;
	}

	v = (chibi_val){ .type = CHIBI_I32, .of.i32 = 666 };
	if ((err = define_global(s, l, "global_i32", v)))
		return err;
	v = (chibi_val){ .type = CHIBI_I64, .of.i64 = 666 };
	if ((err = define_global(s, l, "global_i64", v)))
		return err;
	v = (chibi_val){ .type = CHIBI_F32 };
	memcpy(&v.of.f32_bits, &f32, sizeof(f32));
	if ((err = define_global(s, l, "global_f32", v)))
		return err;
	v = (chibi_val){ .type = CHIBI_F64 };
	memcpy(&v.of.f64_bits, &f64, sizeof(f64));
	if ((err = define_global(s, l, "global_f64", v)))
		return err;

	ext.kind = CHIBI_EXTERN_TABLE;
	ext.of.table = chibi_table_new(s, CHIBI_FUNCREF, 10, 20, true);
	if (!ext.of.table)
		return CHIBI_ERR_NOMEM;
	if ((err = define(l, "table", ext)))
		return err;
	ext.of.table = chibi_table_new64(s, CHIBI_FUNCREF, 10, 20, true); /* table64 */
	if (!ext.of.table)
		return CHIBI_ERR_NOMEM;
	if ((err = define(l, "table64", ext)))
		return err;

	ext.kind = CHIBI_EXTERN_MEMORY;
	ext.of.memory = chibi_memory_new(s, 1, 2, true);
	if (!ext.of.memory)
		return CHIBI_ERR_NOMEM;
	return define(l, "memory", ext);
}
