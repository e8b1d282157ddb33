/* vm/api.c - the rest of the public API: modules (decode + validate, file loading,
 * introspection), host functions and their caller context, function types, and
 * chibi_func_call, the one place that enters wasm and catches traps.
 *
 * It runs no code itself: calls go to the store's engine (vm/engine.h: the interpreter or
 * the JIT), which also runs host functions.  Entry points: chibi_module_*, chibi_func_*, chibi_caller_*.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "alloc.h"
#include "engine.h"
#include "store.h"

/* Re-entry limit for host -> chibi_func_call -> wasm -> host ... chains: each level costs
 * native stack in the engine and the host, which the value-stack check cannot see. */
#define MAX_HOST_DEPTH 200

static struct module *to_mod(chibi_module *m)
{
	return (struct module *)m;
}

static const struct module *to_cmod(const chibi_module *m)
{
	return (const struct module *)m;
}

/* ---- modules ---- */

/* ---- features ---- */

/* wasmtime's names for the proposals (`wasmtime run -W help`), in bit order. */
static const char *const feature_names[] = {
	"simd", "relaxed-simd", "multi-memory", "memory64", "tail-call",
	"function-references", "exceptions", "extended-const", "multi-value", "bulk-memory",
	"reference-types",
};

uint32_t chibi_feature_by_name(const char *name, size_t len)
{
	for (size_t i = 0; name && i < sizeof(feature_names) / sizeof(feature_names[0]); i++)
		if (strlen(feature_names[i]) == len && !memcmp(feature_names[i], name, len))
			return 1u << i;
	return 0;
}

const char *chibi_feature_name(uint32_t bit)
{
	for (size_t i = 0; i < sizeof(feature_names) / sizeof(feature_names[0]); i++)
		if (bit == 1u << i)
			return feature_names[i];
	return NULL;
}

uint32_t chibi_config_features(const struct chibi_config *cfg)
{
	return CHIBI_FEATURES_ALL & ~(cfg ? cfg->features_off : 0);
}

/* Decode + validate a module that takes the vm_malloc'ed `bytes` (freed on failure). */
static enum chibi_err module_take(uint8_t *bytes, size_t len, uint32_t features,
				  chibi_module **out, struct chibi_diag *diag)
{
	struct module *m = NULL;
	enum chibi_err err;

	err = dec_module_take_features(bytes, len, features & CHIBI_FEATURES_ALL, &m, diag);
	if (err)
		return err;
	err = val_module(m, diag);
	if (err) {
		mod_unref(m);
		return err;
	}
	*out = (chibi_module *)m;
	return CHIBI_OK;
}

/* Decode + validate; see chibi.h.  The module starts with one reference, the caller's. */
enum chibi_err chibi_module_new(const uint8_t *bytes, size_t len, chibi_module **out,
				struct chibi_diag *diag)
{
	return chibi_module_new_features(bytes, len, CHIBI_FEATURES_ALL, out, diag);
}

enum chibi_err chibi_module_new_features(const uint8_t *bytes, size_t len, uint32_t features,
					 chibi_module **out, struct chibi_diag *diag)
{
	uint8_t *copy;

	if (out)
		*out = NULL;
	if (!out || (!bytes && len))
		return diag_set(diag, CHIBI_ERR_ARG, 0, "bad argument");
	copy = vm_malloc(len ? len : 1);
	if (!copy)
		return diag_set(diag, CHIBI_ERR_NOMEM, 0, "out of memory");
	if (len)
		memcpy(copy, bytes, len);
	return module_take(copy, len, features, out, diag);
}

/* The largest module file read: CHIBI_MAX_MODULE_SIZE (bytes) from the environment, else
 * CHIBI_MAX_MODULE_BYTES. */
uint64_t chibi_max_module_bytes(void)
{
	const char *e = getenv("CHIBI_MAX_MODULE_SIZE");
	unsigned long long v;
	char *end;

	if (e && *e >= '0' && *e <= '9') {
		errno = 0;
		v = strtoull(e, &end, 10);
		if (!errno && !*end && v > 0)
			return v;
	}
	return CHIBI_MAX_MODULE_BYTES;
}

/* Read a whole file (regular file or pipe) into a heap buffer.  A regular file's buffer is
 * its size plus one byte, so it is read in one call and its end seen without growing; the
 * module then keeps that buffer (no copy).  Devices (/dev/zero, /dev/urandom) are refused
 * and nothing larger than chibi_max_module_bytes() is read: either would otherwise read until
 * the process runs out of memory. */
static enum chibi_err read_file(const char *path, uint8_t **out_buf, size_t *out_len,
				struct chibi_diag *diag)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	uint64_t max = chibi_max_module_bytes();
	uint8_t *buf = NULL, *nb;
	size_t len = 0, cap = 65536;
	struct stat st;
	ssize_t n;

	if (fd < 0)
		return diag_set(diag, CHIBI_ERR_IO, 0, "cannot open %s: %s", path, strerror(errno));
	if (fstat(fd, &st) != 0)
		goto io_fail;
	if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)) {
		close(fd);
		return diag_set(diag, CHIBI_ERR_IO, 0,
				"cannot read %s: a device, not a module file "
				"(a regular file or pipe)", path);
	}
	if (S_ISREG(st.st_mode) && (uint64_t)st.st_size > max)
		goto too_big;
	if (S_ISREG(st.st_mode) && st.st_size > 0 && (uint64_t)st.st_size < SIZE_MAX / 4)
		cap = (size_t)st.st_size + 1;
	buf = vm_malloc(cap);
	if (!buf)
		goto nomem;
	for (;;) {
		if (len == cap) {
			size_t ncap = cap * 2;

			if (cap > SIZE_MAX / 4) {
				errno = EFBIG;
				goto io_fail;
			}
			if (ncap > max + 1)
				ncap = (size_t)max + 1; /* len <= max here, so still room */
			nb = vm_realloc(buf, ncap, 1);
			if (!nb)
				goto nomem;
			buf = nb;
			cap = ncap;
		}
		n = read(fd, buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			goto io_fail;
		if (n == 0)
			break;
		len += (size_t)n;
		if (len > max)
			goto too_big; /* a pipe: stop at the first byte too many */
	}
	close(fd);
	*out_buf = buf;
	*out_len = len;
	return CHIBI_OK;
nomem:
	vm_free(buf);
	close(fd);
	return diag_set(diag, CHIBI_ERR_NOMEM, 0, "out of memory");
io_fail:
	diag_set(diag, CHIBI_ERR_IO, 0, "cannot read %s: %s", path, strerror(errno));
	vm_free(buf);
	close(fd);
	return CHIBI_ERR_IO;
too_big:
	vm_free(buf);
	close(fd);
	return diag_set(diag, CHIBI_ERR_IO, 0,
			"cannot read %s: larger than the maximum module size (%llu bytes; "
			"CHIBI_MAX_MODULE_SIZE sets it)",
			path, (unsigned long long)max);
}

enum chibi_err chibi_module_load_file(const char *path, chibi_module **out,
				      struct chibi_diag *diag)
{
	return chibi_module_load_file_features(path, CHIBI_FEATURES_ALL, out, diag);
}

enum chibi_err chibi_module_load_file_features(const char *path, uint32_t features,
					       chibi_module **out, struct chibi_diag *diag)
{
	uint8_t *buf = NULL;
	size_t len = 0;
	enum chibi_err err;

	if (out)
		*out = NULL;
	if (!path || !out)
		return diag_set(diag, CHIBI_ERR_ARG, 0, "bad argument");
	err = read_file(path, &buf, &len, diag);
	if (err)
		return err;
	return module_take(buf, len, features, out, diag);
}

/* Drop the caller's reference. */
void chibi_module_free(chibi_module *m)
{
	if (m)
		mod_unref(to_mod(m));
}

uint32_t chibi_module_num_imports(const chibi_module *m)
{
	return m ? to_cmod(m)->nimports : 0;
}

/* Import i's names and kind; NULL names if i is out of range. */
void chibi_module_import(const chibi_module *cm, uint32_t i, const char **out_module,
			 const char **out_name, enum chibi_extern_kind *out_kind)
{
	const struct module *m = to_cmod(cm);
	const struct import *imp = m && i < m->nimports ? &m->imports[i] : NULL;

	if (out_module)
		*out_module = imp ? imp->module_name : NULL;
	if (out_name)
		*out_name = imp ? imp->field_name : NULL;
	if (out_kind)
		*out_kind = imp ? (enum chibi_extern_kind)imp->kind : CHIBI_EXTERN_FUNC;
}

uint32_t chibi_module_num_exports(const chibi_module *m)
{
	return m ? to_cmod(m)->nexports : 0;
}

/* Export i's name and kind; NULL name if i is out of range. */
void chibi_module_export(const chibi_module *cm, uint32_t i, const char **out_name,
			 enum chibi_extern_kind *out_kind)
{
	const struct module *m = to_cmod(cm);
	const struct export *e = m && i < m->nexports ? &m->exports[i] : NULL;

	if (out_name)
		*out_name = e ? e->name : NULL;
	if (out_kind)
		*out_kind = e ? (enum chibi_extern_kind)e->kind : CHIBI_EXTERN_FUNC;
}

/* "params:results" of exported function `name`; false if absent or buf too small. */
bool chibi_module_export_sig(const chibi_module *cm, const char *name, char *buf,
			     size_t buflen)
{
	const struct module *m = to_cmod(cm);
	const struct functype *t = NULL;
	size_t k = 0;

	if (!m || !name || !buf)
		return false;
	for (uint32_t i = 0; i < m->nexports && !t; i++)
		if (m->exports[i].kind == EXT_FUNC && !strcmp(m->exports[i].name, name))
			t = mod_func_type(m, m->exports[i].index);
	if (!t || (size_t)t->nparams + t->nresults + 2 > buflen)
		return false;
	for (uint32_t i = 0; i < t->nparams; i++)
		buf[k++] = vt_letter(t->params[i]);
	buf[k++] = ':';
	for (uint32_t i = 0; i < t->nresults; i++)
		buf[k++] = vt_letter(t->results[i]);
	buf[k] = '\0';
	return true;
}

/* ---- host functions ---- */

/* A host function and its type in one block (freed with the function). */
struct host_func {
	struct chibi_func f;   /* first: &hf->f is the block's address */
	struct functype type;
	vtype vt[];            /* params then results */
};

/* Count the letters of one half of a signature; false on an unknown letter or v128. */
static bool sig_half(const char *p, const char *end, uint32_t *out_n)
{
	for (const char *q = p; q < end; q++)
		if (!vt_from_letter(*q))
			return false;
	*out_n = (uint32_t)(end - p);
	return true;
}

/* See store.h. */
struct chibi_func *func_new_host(struct chibi_store *s, const char *sig, chibi_host_fn fn,
				 void *env, enum chibi_err *out_err)
{
	const char *colon = sig ? strchr(sig, ':') : NULL;
	uint32_t np, nr;
	struct host_func *hf;

	*out_err = CHIBI_ERR_ARG;
	if (!s || !fn || !colon || strlen(colon) > 100000 || colon - sig > 100000 ||
	    !sig_half(sig, colon, &np) || !sig_half(colon + 1, colon + 1 + strlen(colon + 1), &nr))
		return NULL;
	*out_err = CHIBI_ERR_NOMEM;
	hf = vm_malloc(sizeof(*hf) + ((size_t)np + nr) * sizeof(vtype));
	if (!hf)
		return NULL;
	memset(hf, 0, sizeof(*hf));
	for (uint32_t i = 0; i < np; i++)
		hf->vt[i] = vt_from_letter(sig[i]);
	for (uint32_t i = 0; i < nr; i++)
		hf->vt[np + i] = vt_from_letter(colon[1 + i]);
	hf->type.nparams = np;
	hf->type.nresults = nr;
	hf->type.super = TYPE_NO_SUPER;
	hf->type.final_ = true;
	hf->type.rec_len = 1;
	hf->type.params = hf->vt;
	hf->type.results = hf->vt + np;
	hf->f.kind = FUNC_HOST;
	hf->f.store = s;
	hf->f.type = &hf->type;
	hf->f.index = UINT32_MAX;
	hf->f.host_fn = fn;
	hf->f.host_env = env;
	hf->f.type_id = store_intern_type(s, &hf->type);
	if (hf->f.type_id == UINT32_MAX) {
		vm_free(hf);
		return NULL;
	}
	hf->f.type_depth = 0; /* final, no supertype (store_intern_type) */
	hf->f.type_supers = NULL;
	store_own_func(s, &hf->f);
	*out_err = CHIBI_OK;
	return &hf->f;
}

/* New host function owned by s; NULL on a bad signature (v128 included) or NOMEM. */
chibi_func *chibi_func_new_host(chibi_store *s, const char *sig, chibi_host_fn fn, void *env)
{
	enum chibi_err err;

	return func_new_host(s, sig, fn, env, &err);
}

/* See store.h. */
void func_free(struct chibi_func *f)
{
	vm_free(f);
}

/* Memory 0 of the calling instance, or NULL (no instance, or it has no memory). */
chibi_memory *chibi_caller_memory(chibi_caller *c)
{
	if (!c || !c->inst || !c->inst->mod->nmemories)
		return NULL;
	return c->inst->memories[0];
}

bool chibi_caller_interrupted(const chibi_caller *c)
{
	return c && c->store && c->store->interrupt;
}

chibi_instance *chibi_caller_instance(chibi_caller *c)
{
	return c ? c->inst : NULL;
}

/* Store the exit code in the innermost call's trap record (read when the host function
 * returns CHIBI_TRAP_EXIT). */
void chibi_caller_set_exit(chibi_caller *c, int32_t code)
{
	if (c && c->store && c->store->trap)
		c->store->trap->info.exit_code = code;
}

/* Store a message (truncated) for a CHIBI_TRAP_HOST return. */
void chibi_caller_set_trap_message(chibi_caller *c, const char *msg)
{
	if (c && c->store && c->store->trap && msg)
		snprintf(c->store->trap->info.message, sizeof(c->store->trap->info.message),
			 "%s", msg);
}

/* ---- exceptions ---- */

/* A host tag, its type in the same block (store->tags; freed with the store). */
chibi_tag *chibi_tag_new(chibi_store *s, const char *params)
{
	size_t n = params ? strlen(params) : 0;
	struct chibi_tag *t;

	if (!s || !params || n > 100000)
		return NULL;
	for (size_t i = 0; i < n; i++)
		if (!vt_from_letter(params[i]))
			return NULL;
	t = vm_calloc(1, sizeof(*t) + (n + 1) * sizeof(vtype));
	if (!t)
		return NULL;
	for (size_t i = 0; i < n; i++)
		t->own_vt[i] = vt_from_letter(params[i]);
	t->own_type.nparams = (uint32_t)n;
	t->own_type.params = t->own_vt;
	t->own_type.results = t->own_vt + n;
	t->type = &t->own_type;
	t->store = s;
	t->index = UINT32_MAX;
	t->type_id = store_intern_type(s, &t->own_type);
	if (t->type_id == UINT32_MAX) {
		vm_free(t);
		return NULL;
	}
	t->store_next = s->tags;
	s->tags = t;
	return t;
}

uint32_t chibi_tag_num_params(const chibi_tag *t)
{
	return t ? t->type->nparams : 0;
}

enum chibi_valtype chibi_tag_param_type(const chibi_tag *t, uint32_t i)
{
	return t && i < t->type->nparams ? (enum chibi_valtype)vt_code(t->type->params[i]) : 0;
}

/* The first export naming the tag in its defining instance. */
const char *chibi_tag_name(const chibi_tag *t)
{
	const struct module *m;

	if (!t || !t->inst)
		return NULL;
	m = t->inst->mod;
	for (uint32_t i = 0; i < m->nexports; i++)
		if (m->exports[i].kind == EXT_TAG && m->exports[i].index == t->index)
			return m->exports[i].name;
	return NULL;
}

uint32_t chibi_tag_index(const chibi_tag *t)
{
	return t ? t->index : UINT32_MAX;
}

chibi_exn *chibi_exn_new(chibi_store *s, chibi_tag *t, const chibi_val *vals, size_t n)
{
	struct chibi_exn *e;
	uint64_t slots[64];
	size_t k = 0;

	if (!s || !t || t->store != s || n != t->type->nparams || (n && !vals) ||
	    functype_slots(t->type) > 64)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		if (vals[i].type != vt_code(t->type->params[i]))
			return NULL;
		k += val_to_slots(&vals[i], &slots[k]);
	}
	e = exn_new(s, t, slots, s->stack_top);
	exn_pin(e); /* the host holds it */
	return e;
}

chibi_tag *chibi_exn_tag(const chibi_exn *e)
{
	return e ? e->tag : NULL;
}

chibi_val chibi_exn_value(const chibi_exn *e, uint32_t i)
{
	chibi_val v = { 0 };
	uint32_t k = 0;

	if (!e || i >= e->tag->type->nparams)
		return v;
	for (uint32_t j = 0; j < i; j++)
		k += vt_slots(e->tag->type->params[j]);
	return val_from_slots(e->tag->type->params[i], &e->payload[k]);
}

/* The host function returns CHIBI_TRAP_EXCEPTION next; the engine picks the exception up
 * from the innermost call's record. */
void chibi_caller_throw(chibi_caller *c, chibi_exn *e)
{
	if (c && c->store && c->store->trap && e && e->tag->store == c->store)
		c->store->trap->info.exn = e;
}

/* ---- typed references ---- */

/* A parameter or result type of f in the store's form (a host function's never has a
 * type index). */
static vtype func_vtype(const chibi_func *f, vtype t)
{
	return f->kind == FUNC_WASM ? inst_vtype(f->inst, t) : t;
}

static bool reftype_of(vtype t, struct chibi_reftype *out)
{
	if (!vt_is_ref(t))
		return false;
	out->kind = (enum chibi_valtype)vt_code(t);
	out->nullable = vt_nullable(t);
	out->bottom = (t & VT_BOTTOM) != 0;
	out->type_id = vt_has_index(t) ? vt_index(t) : UINT32_MAX;
	return true;
}

bool chibi_func_param_reftype(const chibi_func *f, uint32_t i, struct chibi_reftype *out)
{
	return f && out && i < f->type->nparams &&
	       reftype_of(func_vtype(f, f->type->params[i]), out);
}

bool chibi_func_result_reftype(const chibi_func *f, uint32_t i, struct chibi_reftype *out)
{
	return f && out && i < f->type->nresults &&
	       reftype_of(func_vtype(f, f->type->results[i]), out);
}

bool chibi_global_reftype(const chibi_global *g, struct chibi_reftype *out)
{
	return g && out && reftype_of(g->valtype, out);
}

bool chibi_table_reftype(const chibi_table *t, struct chibi_reftype *out)
{
	return t && out && reftype_of(t->elemtype, out);
}

uint32_t chibi_func_type_id(const chibi_func *f)
{
	return f ? f->type_id : UINT32_MAX;
}

bool chibi_type_matches(const chibi_store *s, uint32_t sub, uint32_t super)
{
	return s && sub < s->ntypes && super < s->ntypes && store_type_sub(s, sub, super);
}

bool chibi_val_matches(const chibi_store *s, const chibi_val *v, const struct chibi_reftype *rt)
{
	vtype t;

	if (!s || !v || !rt || (rt->kind != CHIBI_FUNCREF && rt->kind != CHIBI_EXTERNREF))
		return false;
	t = (vtype)rt->kind | (rt->nullable ? 0 : VT_NONNULL) | (rt->bottom ? VT_BOTTOM : 0);
	if (rt->type_id != UINT32_MAX) {
		if (rt->kind != CHIBI_FUNCREF || rt->bottom || rt->type_id >= s->ntypes)
			return false;
		t = vt_ref_index(rt->type_id, rt->nullable);
	}
	return store_val_fits(s, t, v);
}

/* ---- function types ---- */

uint32_t chibi_func_num_params(const chibi_func *f)
{
	return f ? f->type->nparams : 0;
}

uint32_t chibi_func_num_results(const chibi_func *f)
{
	return f ? f->type->nresults : 0;
}

/* Type of parameter i (0 if out of range). */
enum chibi_valtype chibi_func_param_type(const chibi_func *f, uint32_t i)
{
	return f && i < f->type->nparams ? (enum chibi_valtype)vt_code(f->type->params[i]) : 0;
}

/* Type of result i (0 if out of range). */
enum chibi_valtype chibi_func_result_type(const chibi_func *f, uint32_t i)
{
	return f && i < f->type->nresults ? (enum chibi_valtype)vt_code(f->type->results[i]) : 0;
}

/* ---- calls ---- */

/* A call refused before entering wasm: report it like a trap. */
static enum chibi_trap refuse(struct chibi_trap_info *out_trap, enum chibi_trap kind,
			      const char *msg)
{
	if (out_trap) {
		memset(out_trap, 0, sizeof(*out_trap));
		out_trap->kind = kind;
		out_trap->func_index = UINT32_MAX;
		snprintf(out_trap->message, sizeof(out_trap->message), "%s", msg);
	}
	return kind;
}

/* The setjmp lives here, not in chibi_func_call, so that every object vm_trap writes (the
 * trap_ctx) belongs to the caller's frame and keeps a determinate value after the jump
 * (C11 7.13.2.1p3); noinline keeps it that way.  Returns false if the call trapped. */
__attribute__((noinline))
static bool protected_invoke(struct chibi_store *s, struct trap_ctx *ctx, struct chibi_func *f,
			     uint64_t *slots)
{
	/* savemask = 1: a trap raised from a signal handler (guard page) must unblock it. */
	if (sigsetjmp(ctx->jmp, 1))
		return false;
	s->engine->invoke(s, f, slots);
	return true;
}

/* Call f; see chibi.h.  Arguments go into slots at the store's stack_top, which is raised
 * across the call so that a host function re-entering through here stacks above us. */
enum chibi_trap chibi_func_call(chibi_func *f, const chibi_val *args, size_t nargs,
				chibi_val *results, size_t nresults,
				struct chibi_trap_info *out_trap)
{
	struct chibi_store *s;
	const struct functype *t;
	struct trap_ctx ctx;
	uint64_t *slots, *saved_top;
	struct chibi_instance *saved_inst;
	struct exn_catch *saved_catch;
	uint32_t saved_index;
	size_t need;
	bool ok;

	if (!f)
		return refuse(out_trap, CHIBI_TRAP_HOST, "null function");
	s = f->store;
	t = f->type;
	if (nargs != t->nparams || (nargs && !args))
		return refuse(out_trap, CHIBI_TRAP_HOST, "argument count mismatch");
	for (size_t i = 0; i < nargs; i++) {
		if (args[i].type != vt_code(t->params[i]))
			return refuse(out_trap, CHIBI_TRAP_HOST, "argument type mismatch");
		if (args[i].type == CHIBI_FUNCREF && args[i].of.ref && args[i].of.ref->store != s)
			return refuse(out_trap, CHIBI_TRAP_HOST, "function of another store");
		if (!store_val_fits(s, func_vtype(f, t->params[i]), &args[i]))
			return refuse(out_trap, CHIBI_TRAP_HOST, "argument type mismatch");
	}
	if (nresults < t->nresults || (t->nresults && !results))
		return refuse(out_trap, CHIBI_TRAP_HOST, "result count mismatch");
	need = functype_slots(t);
	if (s->host_depth >= MAX_HOST_DEPTH ||
	    need > s->stack_slots - (size_t)(s->stack_top - s->stack))
		return refuse(out_trap, CHIBI_TRAP_STACK_EXHAUSTED, "");

	slots = s->stack_top;
	for (size_t i = 0, k = 0; i < nargs; i++)
		k += val_to_slots(&args[i], &slots[k]);
	memset(&ctx.info, 0, sizeof(ctx.info));
	ctx.info.func_index = UINT32_MAX;
	ctx.prev = s->trap;
	ctx.native_base = (uintptr_t)__builtin_frame_address(0);
	saved_top = s->stack_top;
	saved_inst = s->cur_inst;
	saved_index = s->cur_func_index;
	saved_catch = s->exn_catch;
	s->stack_top += need;
	s->host_depth++;
	s->trap = &ctx;

	ok = protected_invoke(s, &ctx, f, slots);

	/* Both paths: unwind our part of the engine state. */
	s->trap = ctx.prev;
	s->host_depth--;
	s->stack_top = saved_top;
	s->cur_inst = saved_inst;
	s->cur_func_index = saved_index;
	s->exn_catch = saved_catch; /* a trap skips the catch points it passes */
	if (!ok) {
		/* An interrupt is consumed by the outermost call it stopped. */
		if (ctx.info.kind == CHIBI_TRAP_INTERRUPTED && !s->trap)
			s->interrupt = 0;
		exn_pin(ctx.info.exn); /* now the host's */
		if (out_trap)
			*out_trap = ctx.info;
		return ctx.info.kind;
	}
	for (uint32_t i = 0, k = 0; i < t->nresults; i++) {
		if (vt_code(t->results[i]) == VT_EXNREF)
			exn_pin((struct chibi_exn *)(uintptr_t)slots[k]);
		results[i] = val_from_slots(t->results[i], &slots[k]);
		k += vt_slots(t->results[i]);
	}
	if (out_trap)
		*out_trap = ctx.info;
	return CHIBI_TRAP_NONE;
}
