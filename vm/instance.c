/* vm/instance.c - instantiation (spec 4.5.4, Wasm 2.0): resolve imports, allocate memories,
 * tables, globals and function instances, apply element then data segments, run start.
 *
 * Objects are built unlinked and handed to the store only once every allocation succeeded,
 * so a NOMEM or link failure frees everything; a trap during segment initialisation or in
 * the start function leaves the instance in the store (tables and memories it wrote into may
 * be shared).  Entry points: chibi_instance_new, chibi_instance_export & co, inst_eval_cexpr.
 */
#include <string.h>

#include "alloc.h"
#include "compiled.h"
#include "instr.h"
#include "store.h"

/* chibi_module is the public name of struct module; the two are the same object. */
static struct module *to_mod(chibi_module *m)
{
	return (struct module *)m;
}

/* A validated CE_EXPR: its instructions on a stack of slots.  i32 arithmetic wraps, and the
 * slot of an i32 keeps its value in the low half (any upper bits do not matter). */
static uint64_t eval_cexpr_code(struct chibi_instance *inst, const struct cexpr *e)
{
	const uint8_t *p = e->code, *end = e->code + e->code_len;
	uint64_t stack[CEXPR_MAX_HEIGHT];
	uint32_t h = 0;
	struct instr in;

	while (p < end) {
		uint64_t x, y;

		if (instr_read(&p, end, inst->mod->bytes, &in, NULL) != CHIBI_OK)
			return 0; /* cannot happen: the validator has read these bytes */
		switch (in.op) {
		case OPC_REF_NULL: stack[h++] = 0; continue;
		case OPC_REF_FUNC: stack[h++] = (uint64_t)(uintptr_t)inst->funcs[in.a]; continue;
		case OPC_GLOBAL_GET: stack[h++] = inst->globals[in.a]->value; continue;
		case OPC_I32_CONST:
		case OPC_I64_CONST:
		case OPC_F32_CONST:
		case OPC_F64_CONST: stack[h++] = in.bits; continue;
		default:
			break;
		}
		y = stack[--h];
		x = stack[h - 1];
		switch (in.op) {
		case OPC_I32_ADD: x = (uint32_t)(x + y); break;
		case OPC_I32_SUB: x = (uint32_t)(x - y); break;
		case OPC_I32_MUL: x = (uint32_t)((uint32_t)x * (uint32_t)y); break;
		case OPC_I64_ADD: x += y; break;
		case OPC_I64_SUB: x -= y; break;
		default: x *= y; break; /* OPC_I64_MUL */
		}
		stack[h - 1] = x;
	}
	return stack[0];
}

/* Evaluate a validated constant expression; see runtime.h.  Referenced globals and functions
 * must already be in inst (imports, then globals in definition order). */
uint64_t inst_eval_cexpr(struct chibi_instance *inst, const struct cexpr *e)
{
	switch (e->kind) {
	case CE_EXPR:
		return eval_cexpr_code(inst, e);
	case CE_REF_NULL:
		return 0;
	case CE_REF_FUNC:
		return (uint64_t)(uintptr_t)inst->funcs[e->index];
	case CE_GLOBAL_GET:
		return inst->globals[e->index]->value;
	default: /* CE_I32 .. CE_F64: the bits are the slot (i32 upper bits don't matter) */
		return e->bits;
	}
}

/* Spec 4.5.3 (Wasm 2.0 limits subtyping): the provided object's current size must cover
 * the declared minimum, and a declared maximum must be matched by a smaller or equal one. */
static bool limits_match(uint64_t cur, bool has_max, uint64_t max, bool is64,
			 const struct limits *decl)
{
	if (cur < decl->min || is64 != decl->is64) /* the index types must be equal */
		return false;
	return !decl->has_max || (has_max && max <= decl->max);
}

/* A value type of the instance's module in the store's form: a concrete heap type becomes
 * its canonical id (the types are interned before anything else). */
vtype inst_vtype(const struct chibi_instance *inst, vtype t)
{
	if (!vt_has_index(t))
		return t;
	return vt_ref_index(inst->type_ids[vt_index(t)], vt_nullable(t));
}

/* Does ext fit import imp (spec 4.5.3 "import matching")?  Wrong kind, wrong type and
 * objects of another store all fail. */
static bool import_matches(struct chibi_instance *inst, const struct import *imp,
			   const struct chibi_extern *ext)
{
	struct chibi_store *s = inst->store;

	if ((unsigned)ext->kind != imp->kind)
		return false;
	switch (imp->kind) {
	case EXT_FUNC: {
		const struct chibi_func *f = ext->of.func;

		return f->store == s &&
		       store_type_sub(s, f->type_id, inst->type_ids[imp->desc.type_index]);
	}
	case EXT_TABLE: {
		const struct chibi_table *t = ext->of.table;

		/* table types match both ways: their element types are equal */
		return t->store == s && t->elemtype == inst_vtype(inst, imp->desc.table.elemtype) &&
		       limits_match(t->size, t->has_max, t->max, t->is64,
				    &imp->desc.table.limits);
	}
	case EXT_MEMORY: {
		const struct chibi_memory *mem = ext->of.memory;

		return mem->store == s &&
		       limits_match(mem->pages, mem->has_max, mem->decl_max, mem->is64,
				    &imp->desc.memory.limits);
	}
	case EXT_GLOBAL: {
		const struct chibi_global *g = ext->of.global;

		vtype want = inst_vtype(inst, imp->desc.global.valtype);

		/* a mutable global is read and written: its type must be equal */
		if (g->mutable_ != imp->desc.global.mutable_)
			return false;
		return g->mutable_ ? g->valtype == want : store_vt_match(s, g->valtype, want);
	}
	case EXT_TAG: {
		const struct chibi_tag *t = ext->of.tag;

		/* tag types match both ways: the canonical types are the same */
		return t->store == s && t->type_id == inst->type_ids[imp->desc.tag_type];
	}
	default:
		return false;
	}
}

/* Resolve every import into the low indices of the instance's index spaces. */
static enum chibi_err link_imports(struct chibi_instance *inst, const struct chibi_linker *l,
				   struct chibi_diag *diag)
{
	const struct module *m = inst->mod;
	uint32_t nf = 0, nt = 0, nm = 0, ng = 0, nx = 0;

	/* The module's types first: import matching compares canonical ids. */
	for (uint32_t i = 0; i < m->ntypes; i += m->types[i].rec_len)
		if (!store_intern_group(inst->store, m->types, i, m->types[i].rec_len,
					inst->type_ids))
			return diag_set(diag, CHIBI_ERR_NOMEM, 0, "out of memory");
	for (uint32_t i = 0; i < m->nimports; i++) {
		const struct import *imp = &m->imports[i];
		struct chibi_extern ext;

		if (!linker_lookup(l, imp->module_name, imp->field_name, &ext))
			return diag_set(diag, CHIBI_ERR_UNLINKABLE, 0, "unknown import \"%s\".\"%s\"",
					imp->module_name, imp->field_name);
		if (!import_matches(inst, imp, &ext))
			return diag_set(diag, CHIBI_ERR_UNLINKABLE, 0,
					"incompatible import type \"%s\".\"%s\"",
					imp->module_name, imp->field_name);
		switch (imp->kind) {
		case EXT_FUNC: inst->funcs[nf++] = ext.of.func; break;
		case EXT_TABLE: inst->tables[nt++] = ext.of.table; break;
		case EXT_MEMORY: inst->memories[nm++] = ext.of.memory; break;
		case EXT_TAG: inst->tags[nx++] = ext.of.tag; break;
		default: inst->globals[ng++] = ext.of.global; break;
		}
	}
	return CHIBI_OK;
}

/* The instance record with its (zeroed) index-space arrays; takes a module reference. */
static struct chibi_instance *inst_alloc(struct chibi_store *s, struct module *m)
{
	struct chibi_instance *inst = vm_calloc(1, sizeof(*inst));

	if (!inst)
		return NULL;
	inst->store = s;
	inst->mod = m;
	mod_ref(m);
	inst->funcs = vm_calloc(m->nfuncs_total, sizeof(*inst->funcs));
	inst->tables = vm_calloc(m->ntables, sizeof(*inst->tables));
	inst->memories = vm_calloc(m->nmemories, sizeof(*inst->memories));
	inst->globals = vm_calloc(m->nglobals, sizeof(*inst->globals));
	inst->tags = vm_calloc(m->ntags, sizeof(*inst->tags));
	inst->type_ids = vm_calloc(m->ntypes, sizeof(*inst->type_ids));
	inst->elems = vm_calloc(m->nelems, sizeof(*inst->elems));
	inst->data_dropped = vm_calloc(m->ndatas, sizeof(*inst->data_dropped));
	if (!inst->funcs || !inst->tables || !inst->memories || !inst->globals ||
	    !inst->type_ids || !inst->elems || !inst->data_dropped ||
	    (m->ntags && !inst->tags)) {
		inst_free(inst);
		return NULL;
	}
	return inst;
}

/* Release an instance record; see store.h.  The defined functions and globals of an
 * instance are one block each, owned by the instance, whose base is the first defined
 * entry of the index space (funcs[nfunc_imports], globals[nglobal_imports]). */
void inst_free(struct chibi_instance *inst)
{
	struct module *m;

	if (!inst)
		return;
	m = inst->mod;
	if (inst->funcs && m->nfuncs && inst->funcs[m->nfunc_imports]) {
		/* Engine code first, while the module it may point into is still alive. */
		for (uint32_t i = m->nfunc_imports; i < m->nfuncs_total; i++)
			if (inst->funcs[i]->interp_code)
				interp_free_code(inst->funcs[i]);
		vm_free(inst->funcs[m->nfunc_imports]);
	}
	if (inst->globals && m->nglobals > m->nglobal_imports)
		vm_free(inst->globals[m->nglobal_imports]);
	if (inst->tags && m->ntags > m->ntag_imports)
		vm_free(inst->tags[m->ntag_imports]);
	if (inst->elems)
		for (uint32_t i = 0; i < m->nelems; i++)
			vm_free(inst->elems[i].refs);
	vm_free(inst->funcs);
	vm_free(inst->tables);
	vm_free(inst->memories);
	vm_free(inst->globals);
	vm_free(inst->tags);
	vm_free(inst->type_ids);
	vm_free(inst->elems);
	vm_free(inst->data_dropped);
	mod_unref(m);
	vm_free(inst);
}

/* Function instances, memories, tables, globals and evaluated element segments: everything
 * the instance owns, still unlinked from the store.  CHIBI_ERR_NOMEM on failure (what was
 * built is released by the caller through free_unlinked + inst_free). */
static enum chibi_err build_objects(struct chibi_instance *inst)
{
	struct chibi_store *s = inst->store;
	const struct module *m = inst->mod;

	if (m->nfuncs) {
		struct chibi_func *fs = vm_calloc(m->nfuncs, sizeof(*fs));

		if (!fs)
			return CHIBI_ERR_NOMEM;
		for (uint32_t i = 0; i < m->nfuncs; i++) {
			struct chibi_func *f = &fs[i];
			uint32_t idx = m->nfunc_imports + i;

			f->kind = FUNC_WASM;
			f->store = s;
			f->type_id = inst->type_ids[m->funcs[i].type_index];
			f->type_depth = s->types[f->type_id].depth;
			f->type_supers = s->types[f->type_id].supers;
			f->type = &m->types[m->funcs[i].type_index];
			f->inst = inst;
			f->index = idx;
			f->def = &m->funcs[i];
			inst->funcs[idx] = f;
		}
	}
	if (m->ntags > m->ntag_imports) {
		/* One block, owned by the instance like its globals (inst_free). */
		uint32_t n = m->ntags - m->ntag_imports;
		struct chibi_tag *ts = vm_calloc(n, sizeof(*ts));

		if (!ts)
			return CHIBI_ERR_NOMEM;
		for (uint32_t i = 0; i < n; i++) {
			uint32_t ti = m->tag_types[m->ntag_imports + i];

			ts[i].store = s;
			ts[i].type = &m->types[ti];
			ts[i].type_id = inst->type_ids[ti];
			ts[i].inst = inst;
			ts[i].index = m->ntag_imports + i;
			inst->tags[m->ntag_imports + i] = &ts[i];
		}
	}
	for (uint32_t i = m->nmemory_imports; i < m->nmemories; i++) {
		const struct limits *lim = &m->memories[i].limits;

		inst->memories[i] = mem_new(s, lim->min, lim->max, lim->has_max, lim->is64);
		if (!inst->memories[i])
			return CHIBI_ERR_NOMEM;
	}
	for (uint32_t i = m->ntable_imports; i < m->ntables; i++) {
		const struct tabletype *tt = &m->tables[i];

		inst->tables[i] = table_new(s, inst_vtype(inst, tt->elemtype), tt->limits.min,
					    tt->limits.max, tt->limits.has_max, tt->limits.is64);
		if (!inst->tables[i])
			return CHIBI_ERR_NOMEM;
	}
	if (m->nglobals > m->nglobal_imports) {
		uint32_t n = m->nglobals - m->nglobal_imports;
		struct chibi_global *gs = vm_calloc(n, sizeof(*gs));

		if (!gs)
			return CHIBI_ERR_NOMEM;
		/* In order: an initialiser may read any global before it. */
		for (uint32_t i = 0; i < n; i++) {
			gs[i].valtype = inst_vtype(inst, m->globals[i].type.valtype);
			gs[i].store = inst->store;
			gs[i].mutable_ = m->globals[i].type.mutable_;
			const struct cexpr *init = &m->globals[i].init;

			gs[i].value = inst_eval_cexpr(inst, init);
			/* v128: the high half comes from the constant or the global read */
			gs[i].hi = init->kind == CE_V128 ? init->hi :
				   init->kind == CE_GLOBAL_GET ? inst->globals[init->index]->hi : 0;
			inst->globals[m->nglobal_imports + i] = &gs[i];
		}
	}
	/* Tables with an initial value (Wasm 3.0), which may read imported globals. */
	for (uint32_t i = m->ntable_imports; i < m->ntables; i++) {
		const struct cexpr *init = &m->table_inits[i - m->ntable_imports];
		struct chibi_table *t = inst->tables[i];
		void *v = (void *)(uintptr_t)inst_eval_cexpr(inst, init);

		for (uint32_t k = 0; v && k < t->size; k++)
			t->elems[k] = v;
	}
	for (uint32_t i = 0; i < m->nelems; i++) {
		const struct elem *e = &m->elems[i];
		void **refs;

		if (!e->nitems)
			continue;
		refs = vm_calloc(e->nitems, sizeof(*refs));
		if (!refs)
			return CHIBI_ERR_NOMEM;
		for (uint32_t k = 0; k < e->nitems; k++)
			refs[k] = (void *)(uintptr_t)inst_eval_cexpr(inst, &e->items[k]);
		inst->elems[i].refs = refs;
		inst->elems[i].n = e->nitems;
	}
	return CHIBI_OK;
}

/* Free the memories and tables build_objects made, before they were handed to the store. */
static void free_unlinked(struct chibi_instance *inst)
{
	const struct module *m = inst->mod;

	for (uint32_t i = m->nmemory_imports; i < m->nmemories; i++)
		mem_free(inst->memories[i]);
	for (uint32_t i = m->ntable_imports; i < m->ntables; i++)
		table_free(inst->tables[i]);
}

/* Hand the instance and its memories and tables to the store. */
static void commit(struct chibi_instance *inst)
{
	const struct module *m = inst->mod;

	for (uint32_t i = m->nmemory_imports; i < m->nmemories; i++)
		store_own_memory(inst->store, inst->memories[i]);
	for (uint32_t i = m->ntable_imports; i < m->ntables; i++)
		store_own_table(inst->store, inst->tables[i]);
	store_own_instance(inst->store, inst);
}

/* Active element segments (table.init + elem.drop), then declarative ones dropped; returns
 * the trap code of the first out-of-bounds segment, CHIBI_TRAP_NONE if all fit. */
static enum chibi_trap init_elems(struct chibi_instance *inst)
{
	const struct module *m = inst->mod;

	for (uint32_t i = 0; i < m->nelems; i++) {
		const struct elem *e = &m->elems[i];
		struct elem_inst *ei = &inst->elems[i];

		if (e->mode == SEG_ACTIVE) {
			struct chibi_table *t = inst->tables[e->table_index];
			uint64_t off = inst_eval_cexpr(inst, &e->offset);

			if (!t->is64)
				off = (uint32_t)off;
			/* Checked even for n = 0: an offset past the end traps (bulk memory). */
			if (off > t->size || ei->n > t->size - off)
				return CHIBI_TRAP_TABLE_OOB;
			if (ei->n)
				memcpy(&t->elems[off], ei->refs, (size_t)ei->n * sizeof(void *));
		}
		if (e->mode != SEG_PASSIVE) {
			vm_free(ei->refs);
			ei->refs = NULL;
			ei->n = 0;
		}
	}
	return CHIBI_TRAP_NONE;
}

/* Active data segments (memory.init + data.drop), in order. */
/* See runtime.h. */
bool inst_data_place(struct chibi_instance *inst, uint32_t i, struct chibi_memory **mem,
		     uint64_t *off)
{
	const struct data *d = &inst->mod->datas[i];

	*mem = inst->memories[d->memory_index];
	*off = inst_eval_cexpr(inst, &d->offset);
	if (!(*mem)->is64)
		*off = (uint32_t)*off;
	return *off <= (*mem)->size && d->len <= (*mem)->size - *off;
}

static enum chibi_trap init_datas(struct chibi_instance *inst)
{
	const struct module *m = inst->mod;

	if (compiled_map_data(inst))
		return CHIBI_TRAP_NONE;
	for (uint32_t i = 0; i < m->ndatas; i++) {
		const struct data *d = &m->datas[i];
		struct chibi_memory *mem;
		uint64_t off;

		if (d->mode != SEG_ACTIVE)
			continue;
		if (!inst_data_place(inst, i, &mem, &off))
			return CHIBI_TRAP_MEMORY_OOB;
		if (d->len)
			memcpy(mem->data + off, d->bytes, d->len);
		inst->data_dropped[i] = true;
	}
	return CHIBI_TRAP_NONE;
}

/* Report a trap during instantiation through diag and out_trap. */
static enum chibi_err inst_trapped(const struct chibi_trap_info *info, struct chibi_diag *diag,
				   struct chibi_trap_info *out_trap)
{
	if (out_trap)
		*out_trap = *info;
	return diag_set(diag, CHIBI_ERR_TRAP, 0, "%s", chibi_trap_name(info->kind));
}

/* Instantiate m in s; see chibi.h for the contract.  *out is set only on CHIBI_OK. */
enum chibi_err chibi_instance_new(chibi_store *s, chibi_module *cm, chibi_linker *linker,
				  chibi_instance **out, struct chibi_diag *diag,
				  struct chibi_trap_info *out_trap)
{
	struct module *m = to_mod(cm);
	struct chibi_trap_info info = { .kind = CHIBI_TRAP_NONE, .func_index = UINT32_MAX };
	struct chibi_instance *inst;
	enum chibi_err err;

	if (out)
		*out = NULL;
	if (out_trap)
		*out_trap = info;
	if (!s || !m || !out)
		return diag_set(diag, CHIBI_ERR_ARG, 0, "bad argument");
	inst = inst_alloc(s, m);
	if (!inst)
		return diag_set(diag, CHIBI_ERR_NOMEM, 0, "out of memory");
	err = link_imports(inst, linker, diag);
	if (err)
		goto fail;
	err = build_objects(inst);
	if (err) {
		diag_set(diag, err, 0, "out of memory");
		goto fail;
	}
	commit(inst);

	/* From here on effects are visible (shared tables and memories), so a trap keeps the
	 * instance alive in the store; spec order: elements, data, start. */
	info.kind = init_elems(inst);
	if (info.kind == CHIBI_TRAP_NONE)
		info.kind = init_datas(inst);
	if (info.kind != CHIBI_TRAP_NONE)
		return inst_trapped(&info, diag, out_trap);
	if (m->has_start && !s->no_start) {
		if (chibi_func_call(inst->funcs[m->start], NULL, 0, NULL, 0, &info))
			return inst_trapped(&info, diag, out_trap);
	}
	*out = inst;
	return CHIBI_OK;
fail:
	free_unlinked(inst);
	inst_free(inst);
	return err;
}

/* The extern of export e; see store.h. */
void inst_export_extern(struct chibi_instance *inst, const struct export *e,
			struct chibi_extern *out)
{
	out->kind = (enum chibi_extern_kind)e->kind;
	switch (e->kind) {
	case EXT_FUNC: out->of.func = inst->funcs[e->index]; break;
	case EXT_TABLE: out->of.table = inst->tables[e->index]; break;
	case EXT_MEMORY: out->of.memory = inst->memories[e->index]; break;
	case EXT_TAG: out->of.tag = inst->tags[e->index]; break;
	default: out->of.global = inst->globals[e->index]; break;
	}
}

/* Look up export `name`; false if there is none.  Linear: export lists are short and the
 * embedder keeps the handle it gets. */
bool chibi_instance_export(chibi_instance *inst, const char *name, struct chibi_extern *out)
{
	return name && chibi_instance_export_n(inst, name, strlen(name), out);
}

/* Look up export `name` of `len` bytes (names may contain U+0000); see chibi.h. */
bool chibi_instance_export_n(chibi_instance *inst, const char *name, size_t len,
			     struct chibi_extern *out)
{
	if (!inst || !name || !out)
		return false;
	for (uint32_t i = 0; i < inst->mod->nexports; i++) {
		const struct export *e = &inst->mod->exports[i];
		size_t elen = e->name_len ? e->name_len : strlen(e->name);

		if (elen == len && !memcmp(e->name, name, len)) {
			inst_export_extern(inst, e, out);
			return true;
		}
	}
	return false;
}

/* Typed export lookups: NULL if absent or of another kind. */
chibi_func *chibi_instance_func(chibi_instance *inst, const char *name)
{
	struct chibi_extern ext;

	if (!chibi_instance_export(inst, name, &ext) || ext.kind != CHIBI_EXTERN_FUNC)
		return NULL;
	return ext.of.func;
}

chibi_memory *chibi_instance_memory(chibi_instance *inst, const char *name)
{
	struct chibi_extern ext;

	if (!chibi_instance_export(inst, name, &ext) || ext.kind != CHIBI_EXTERN_MEMORY)
		return NULL;
	return ext.of.memory;
}

/* Memories by index (imports first); see chibi.h. */
uint32_t chibi_instance_num_memories(const chibi_instance *inst)
{
	return inst ? inst->mod->nmemories : 0;
}

chibi_memory *chibi_instance_memory_at(chibi_instance *inst, uint32_t index)
{
	if (!inst || index >= inst->mod->nmemories)
		return NULL;
	return inst->memories[index];
}

chibi_global *chibi_instance_global(chibi_instance *inst, const char *name)
{
	struct chibi_extern ext;

	if (!chibi_instance_export(inst, name, &ext) || ext.kind != CHIBI_EXTERN_GLOBAL)
		return NULL;
	return ext.of.global;
}

chibi_table *chibi_instance_table(chibi_instance *inst, const char *name)
{
	struct chibi_extern ext;

	if (!chibi_instance_export(inst, name, &ext) || ext.kind != CHIBI_EXTERN_TABLE)
		return NULL;
	return ext.of.table;
}

chibi_tag *chibi_instance_tag(chibi_instance *inst, const char *name)
{
	struct chibi_extern ext;

	if (!chibi_instance_export(inst, name, &ext) || ext.kind != CHIBI_EXTERN_TAG)
		return NULL;
	return ext.of.tag;
}

/* Name-section name of function `index`, or NULL.  Owned by the module. */
const char *chibi_instance_func_name(chibi_instance *inst, uint32_t index)
{
	if (!inst || !inst->mod->func_names || index >= inst->mod->nfuncs_total)
		return NULL;
	return inst->mod->func_names[index];
}
