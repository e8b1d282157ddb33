/* vm/module.c - module life cycle (reference counting, freeing) and load-time diagnostics.
 *
 * mod_unref() frees everything dec_module() (vm/decode.c) allocated; the two files must agree
 * on ownership, which module.h documents field by field.  Lookups live in module.h as inline
 * helpers; decoding and validation live elsewhere.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "alloc.h"
#include "module.h"

/*
 * Take one more reference on m (instances hold one each).  m must be live; NULL is ignored.
 */
void mod_ref(struct module *m)
{
	if (m)
		m->refcount++;
}

static void free_cexpr_items(struct elem *e)
{
	vm_free(e->items);
	e->items = NULL;
}

/*
 * Free a module and everything it owns.  Works on a partially decoded module too (the
 * decoder's error path calls it): every array is either NULL or fully counted by its n-field,
 * and strings inside arrays are NULL until set.
 */
static void mod_free(struct module *m)
{
	if (m->types) {
		/* params and results of each type share one allocation starting at params. */
		for (uint32_t i = 0; i < m->ntypes; i++)
			vm_free(m->types[i].params);
		vm_free(m->types);
	}
	if (m->imports) {
		for (uint32_t i = 0; i < m->nimports; i++) {
			vm_free(m->imports[i].module_name);
			vm_free(m->imports[i].field_name);
		}
		vm_free(m->imports);
	}
	if (m->funcs) {
		for (uint32_t i = 0; i < m->nfuncs; i++)
			vm_free(m->funcs[i].local_types);
		vm_free(m->funcs);
	}
	vm_free(m->func_type_idx);
	vm_free(m->tables);
	vm_free(m->table_inits);
	vm_free(m->memories);
	vm_free(m->global_types);
	vm_free(m->globals);
	vm_free(m->tag_types);
	if (m->exports) {
		for (uint32_t i = 0; i < m->nexports; i++)
			vm_free(m->exports[i].name);
		vm_free(m->exports);
	}
	if (m->elems) {
		for (uint32_t i = 0; i < m->nelems; i++)
			free_cexpr_items(&m->elems[i]);
		vm_free(m->elems);
	}
	vm_free(m->datas);
	vm_free(m->func_declared);
	vm_free(m->flow_mem);
	if (m->func_names) {
		for (uint32_t i = 0; i < m->nfuncs_total; i++)
			vm_free(m->func_names[i]);
		vm_free(m->func_names);
	}
	vm_free(m->module_name);
	if (m->bytes_map)
		munmap(m->bytes_map, m->bytes_map_len);
	else
		vm_free(m->bytes);
	vm_free(m);
}

/*
 * Drop one reference; the module is freed when the last one goes.  NULL is a no-op.  The
 * decoder hands out modules with refcount 1.
 */
void mod_unref(struct module *m)
{
	if (!m)
		return;
	if (--m->refcount > 0)
		return;
	mod_free(m);
}

/*
 * Record a load-time error: code, byte offset and a printf-style message (truncated to fit
 * diag->msg).  diag may be NULL, in which case only the code is returned.  Returns code, so
 * callers can write `return diag_set(diag, CHIBI_ERR_MALFORMED, off, "...")`.
 */
enum chibi_err diag_set(struct chibi_diag *diag, enum chibi_err code, size_t offset,
			const char *fmt, ...)
{
	va_list ap;

	if (!diag)
		return code;
	diag->code = code;
	diag->offset = offset;
	va_start(ap, fmt);
	vsnprintf(diag->msg, sizeof(diag->msg), fmt, ap);
	va_end(ap);
	return code;
}
