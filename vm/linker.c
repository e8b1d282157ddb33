/* vm/linker.c - the name space for imports: ("module", "field") -> extern.
 *
 * A small chained hash table over an entry array; names are copied, the externs are only
 * referred to (they belong to a store).  It does not check types: instantiation does.
 * Entry points: chibi_linker_new/free/define/define_host/define_instance, linker_lookup.
 */
#include <string.h>

#include "alloc.h"
#include "store.h"

struct entry {
	char *module, *name;
	uint32_t hash;
	uint32_t next;          /* next entry in the bucket chain, NONE at the end */
	struct chibi_extern ext;
};

#define NONE UINT32_MAX

struct chibi_linker {
	struct entry *entries;
	uint32_t n, cap;
	uint32_t *buckets;      /* nbuckets heads (power of two) */
	uint32_t nbuckets;
};

/* FNV-1a over "module\0name" so ("a","bc") and ("ab","c") differ. */
static uint32_t name_hash(const char *module, const char *name)
{
	uint32_t h = 2166136261u;

	for (const char *p = module; *p; p++)
		h = (h ^ (uint8_t)*p) * 16777619u;
	h = (h ^ 0xffu) * 16777619u;
	for (const char *p = name; *p; p++)
		h = (h ^ (uint8_t)*p) * 16777619u;
	return h;
}

static struct entry *find(const struct chibi_linker *l, const char *module, const char *name,
			  uint32_t h)
{
	if (!l->nbuckets)
		return NULL;
	for (uint32_t i = l->buckets[h & (l->nbuckets - 1)]; i != NONE; i = l->entries[i].next) {
		struct entry *e = &l->entries[i];

		if (e->hash == h && !strcmp(e->module, module) && !strcmp(e->name, name))
			return e;
	}
	return NULL;
}

/* Double the bucket array and relink every entry. */
static bool rehash(struct chibi_linker *l, uint32_t nb)
{
	uint32_t *b = vm_calloc(nb, sizeof(*b));

	if (!b)
		return false;
	memset(b, 0xff, (size_t)nb * sizeof(*b));
	for (uint32_t i = 0; i < l->n; i++) {
		uint32_t k = l->entries[i].hash & (nb - 1);

		l->entries[i].next = b[k];
		b[k] = i;
	}
	vm_free(l->buckets);
	l->buckets = b;
	l->nbuckets = nb;
	return true;
}

/* New, empty linker owned by the caller; NULL on NOMEM. */
chibi_linker *chibi_linker_new(void)
{
	return vm_calloc(1, sizeof(struct chibi_linker));
}

/* Free the linker and its name copies (not the externs).  NULL is a no-op. */
void chibi_linker_free(chibi_linker *l)
{
	if (!l)
		return;
	for (uint32_t i = 0; i < l->n; i++) {
		vm_free(l->entries[i].module);
		vm_free(l->entries[i].name);
	}
	vm_free(l->entries);
	vm_free(l->buckets);
	vm_free(l);
}

/* Define module.name = ext, replacing an earlier definition.  CHIBI_ERR_ARG for NULL
 * arguments or a NULL extern, CHIBI_ERR_NOMEM (linker unchanged) on allocation failure. */
enum chibi_err chibi_linker_define(chibi_linker *l, const char *module, const char *name,
				   struct chibi_extern ext)
{
	uint32_t h;
	struct entry *e;
	char *m, *n;

	if (!l || !module || !name || !ext.of.func || (unsigned)ext.kind > CHIBI_EXTERN_TAG)
		return CHIBI_ERR_ARG;
	h = name_hash(module, name);
	e = find(l, module, name, h);
	if (e) {
		e->ext = ext;
		return CHIBI_OK;
	}
	if (l->n == UINT32_MAX - 1)
		return CHIBI_ERR_NOMEM;
	if (l->n == l->cap) {
		uint32_t cap = l->cap ? l->cap * 2 : 16;
		struct entry *ne = vm_realloc(l->entries, cap, sizeof(*ne));

		if (!ne)
			return CHIBI_ERR_NOMEM;
		l->entries = ne;
		l->cap = cap;
	}
	/* Keep the load factor at most 1. */
	if (l->n + 1 > l->nbuckets && !rehash(l, l->nbuckets ? l->nbuckets * 2 : 16))
		return CHIBI_ERR_NOMEM;
	m = vm_strdup(module);
	n = vm_strdup(name);
	if (!m || !n) {
		vm_free(m);
		vm_free(n);
		return CHIBI_ERR_NOMEM;
	}
	e = &l->entries[l->n];
	e->module = m;
	e->name = n;
	e->hash = h;
	e->ext = ext;
	e->next = l->buckets[h & (l->nbuckets - 1)];
	l->buckets[h & (l->nbuckets - 1)] = l->n++;
	return CHIBI_OK;
}

/* Create a host function in s (see chibi_func_new_host) and define it.  CHIBI_ERR_ARG for a
 * bad signature; on NOMEM the function may remain in the store, unreferenced. */
enum chibi_err chibi_linker_define_host(chibi_linker *l, chibi_store *s, const char *module,
					const char *name, const char *sig, chibi_host_fn fn,
					void *env)
{
	struct chibi_extern ext = { .kind = CHIBI_EXTERN_FUNC };
	enum chibi_err err;

	if (!l || !s || !module || !name)
		return CHIBI_ERR_ARG;
	ext.of.func = func_new_host(s, sig, fn, env, &err);
	if (!ext.of.func)
		return err;
	return chibi_linker_define(l, module, name, ext);
}

/* Define every export of inst under `module`.  On NOMEM some exports may already be
 * defined (each definition is complete on its own). */
enum chibi_err chibi_linker_define_instance(chibi_linker *l, const char *module,
					    chibi_instance *inst)
{
	if (!l || !module || !inst)
		return CHIBI_ERR_ARG;
	for (uint32_t i = 0; i < inst->mod->nexports; i++) {
		struct chibi_extern ext;
		enum chibi_err err;

		inst_export_extern(inst, &inst->mod->exports[i], &ext);
		err = chibi_linker_define(l, module, inst->mod->exports[i].name, ext);
		if (err)
			return err;
	}
	return CHIBI_OK;
}

/* Look up module.name; false if undefined.  See store.h. */
bool linker_lookup(const struct chibi_linker *l, const char *module, const char *name,
		   struct chibi_extern *out)
{
	struct entry *e;

	if (!l)
		return false;
	e = find(l, module, name, name_hash(module, name));
	if (!e)
		return false;
	*out = e->ext;
	return true;
}
