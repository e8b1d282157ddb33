/* jit/aot.c - the JIT's part of compiled files (chibi compile): building an image of
 * position-independent code for an instance, and attaching such an image, mapped from the
 * file, to a new instance of the same module.
 *
 * The layout and the symbols are described in jit_int.h ("Position-independent code"); the
 * file around the image (header, digests, the module) is vm/compiled.c's.  Entry points:
 * jit_image_build (engine_jit.image_build), jit_image_try (first call of an instance),
 * jit_pic_find / jit_pic_type_slot (back ends, while building).
 */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "jit_int.h"
#include "../vm/alloc.h"

/* ---- helpers: the C functions code may call, by a number stable within one build ---- */

/* Numbers [0, OPC_LIMIT) are jit_num_helper(op); the rest this list. */
static void (*const extra_helpers[])(void) = {
	(void (*)(void))jit_h_memory_grow, (void (*)(void))jit_h_memory_fill,
	(void (*)(void))jit_h_memory_copy, (void (*)(void))jit_h_memory_init,
	(void (*)(void))jit_h_data_drop, (void (*)(void))jit_h_table_get,
	(void (*)(void))jit_h_table_set, (void (*)(void))jit_h_table_grow,
	(void (*)(void))jit_h_table_fill, (void (*)(void))jit_h_table_copy,
	(void (*)(void))jit_h_table_init, (void (*)(void))jit_h_elem_drop,
	(void (*)(void))jit_rt_trap,
	(void (*)(void))jit_h_throw, (void (*)(void))jit_h_throw_ref,
};
#define NHELPERS (OPC_LIMIT + sizeof(extra_helpers) / sizeof(extra_helpers[0]))

static const void *helper_at(uint32_t k)
{
	if (k < OPC_LIMIT)
		return (const void *)jit_num_helper((uint16_t)k);
	return k < NHELPERS ? (const void *)extra_helpers[k - OPC_LIMIT] : NULL;
}

static const void *thunk_at(const struct jit_store *js, uint32_t k)
{
	switch (k) {
	case JT_ENTER: return js->thunk_enter;
	case JT_EXIT: return js->thunk_exit;
	case JT_LAZY: return js->thunk_lazy;
	case JT_INDIRECT: return js->thunk_indirect;
	case JT_TRAP: return js->thunk_trap;
	default: return NULL;
	}
}

/* The value a symbol stands for in inst (false: no such symbol, or out of memory). */
static bool resolve(struct jit_store *js, struct chibi_instance *inst, struct pic_sym sym,
		    uint64_t *out)
{
	const struct module *m = inst->mod;
	uint32_t i = sym.index;
	const void *p = NULL;

	switch (sym.kind) {
	case PS_INST:
		p = i == 0 ? inst : NULL;
		break;
	case PS_MEM:
	case PS_MEM_DATA:
	case PS_MEM_PAGES:
	case PS_MEM_SIZE:
		if (i >= m->nmemories)
			return false;
		p = sym.kind == PS_MEM ? (const void *)inst->memories[i]
		  : sym.kind == PS_MEM_DATA ? (const void *)inst->memories[i]->data
		  : sym.kind == PS_MEM_SIZE ? (const void *)&inst->memories[i]->size
					    : (const void *)&inst->memories[i]->pages;
		break;
	case PS_TABLE:
	case PS_TABLE_SIZE:
		if (i >= m->ntables)
			return false;
		p = sym.kind == PS_TABLE ? (const void *)inst->tables[i]
					 : (const void *)&inst->tables[i]->size;
		break;
	case PS_GLOBAL:
		p = i < m->nglobals ? &inst->globals[i]->value : NULL;
		break;
	case PS_FUNC:
		p = i < m->nfuncs_total ? inst->funcs[i] : NULL;
		break;
	case PS_JF:
		/* imported functions only: a defined one's record is inside the image */
		p = i < m->nfunc_imports ? jit_func_of(js, inst->funcs[i]) : NULL;
		break;
	case PS_TYPE_ID:
		if (i >= m->ntypes)
			return false;
		*out = inst->type_ids[i];
		return true;
	case PS_HELPER:
		p = helper_at(i);
		break;
	case PS_THUNK:
		p = thunk_at(js, i);
		break;
	}
	*out = (uint64_t)(uintptr_t)p;
	return p != NULL;
}

/* ---- building ---- */

static int entry_cmp(const void *a, const void *b)
{
	uintptr_t x = ((const struct pic_entry *)a)->value;
	uintptr_t y = ((const struct pic_entry *)b)->value;

	return x < y ? -1 : x > y;
}

/* Every address the code of inst may embed, with its symbol. */
static bool build_map(struct jit_pic *pic, struct jit_store *js)
{
	const struct module *m = pic->inst->mod;
	static const struct { uint8_t kind; uint32_t which; } kinds[] = {
		{ PS_INST, 0 }, { PS_MEM, 1 }, { PS_MEM_DATA, 1 }, { PS_MEM_PAGES, 1 },
		{ PS_MEM_SIZE, 1 },
		{ PS_TABLE, 2 }, { PS_TABLE_SIZE, 2 }, { PS_GLOBAL, 3 }, { PS_FUNC, 4 },
		{ PS_JF, 5 }, { PS_HELPER, 6 }, { PS_THUNK, 7 },
	};
	uint32_t count[8] = { 1, m->nmemories, m->ntables, m->nglobals, m->nfuncs_total,
			      m->nfunc_imports, (uint32_t)NHELPERS, JT_COUNT };
	size_t total = 0, n = 0;

	for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++)
		total += count[kinds[k].which];
	pic->map = vm_calloc(total, sizeof(*pic->map));
	if (!pic->map)
		return false;
	for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
		for (uint32_t i = 0; i < count[kinds[k].which]; i++) {
			struct pic_sym sym = { kinds[k].kind, i };
			uint64_t v;

			if (resolve(js, pic->inst, sym, &v))
				pic->map[n++] = (struct pic_entry){ (uintptr_t)v, sym, false, 0 };
		}
	}
	qsort(pic->map, n, sizeof(*pic->map), entry_cmp);
	/* one address, two meanings (a function imported twice, a helper shared by two
	 * opcodes): the loader's instance might not agree, so such an address has no slot,
	 * unless both meanings are helpers, which are the same in every process */
	for (size_t i = 1; i < n; i++)
		if (pic->map[i].value == pic->map[i - 1].value &&
		    (pic->map[i].sym.kind != PS_HELPER || pic->map[i - 1].sym.kind != PS_HELPER))
			pic->map[i].ambiguous = pic->map[i - 1].ambiguous = true;
	pic->nmap = (uint32_t)n;
	return true;
}

/* The slot of sym (allocated on first use), holding v. */
static const void *slot_for(struct jit_pic *pic, struct pic_sym sym, uint64_t v)
{
	for (uint32_t k = 0; k < pic->nslots; k++)
		if (pic->slot_sym[k].kind == sym.kind && pic->slot_sym[k].index == sym.index)
			return &pic->slots[k];
	if (pic->nslots == pic->max_slots)
		return NULL;
	pic->slot_sym[pic->nslots] = sym;
	pic->slots[pic->nslots] = v;
	return &pic->slots[pic->nslots++];
}

bool jit_pic_find(struct jit_pic *pic, const void *addr, const void **out_at, bool *out_load)
{
	uintptr_t a = (uintptr_t)addr;
	uint32_t lo = 0, hi = pic->nmap;

	if (a >= (uintptr_t)pic->lo && a - (uintptr_t)pic->lo < pic->got_size) {
		*out_at = addr; /* a record of the image itself */
		*out_load = false;
		return true;
	}
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		struct pic_entry *e = &pic->map[mid];

		if (a < e->value) {
			hi = mid;
		} else if (a > e->value) {
			lo = mid + 1;
		} else {
			if (e->ambiguous)
				break;
			if (!e->slot) {
				const void *at = slot_for(pic, e->sym, e->value);

				if (!at)
					break;
				e->slot = (uint32_t)((const uint64_t *)at - pic->slots) + 1;
			}
			*out_at = &pic->slots[e->slot - 1];
			*out_load = true;
			return true;
		}
	}
	pic->misses++;
	return false;
}

const void *jit_pic_type_slot(struct jit_pic *pic, uint32_t type_id)
{
	const struct module *m = pic->inst->mod;

	for (uint32_t i = 0; i < m->ntypes; i++)
		if (pic->inst->type_ids[i] == type_id)
			return slot_for(pic, (struct pic_sym){ PS_TYPE_ID, i }, type_id);
	return NULL;
}

/*
 * The records (little-endian 32-bit words), as jit_image_try reads them:
 *
 *   magic 'JITJ', ndef, nslots, got_size, jf_bytes, sizeof(struct jit_func), nrows
 *   nslots x { kind, index }       the symbol of each slot, in slot order
 *   ndef   x { code_off, size, frame_total, nrows }
 *                                  each defined function's code (size 0: interpreted), its
 *                                  frame (jit_unwind's step) and how many handler rows
 *   nrows  x { start, end, pad, payload_off, exn_off, depth, to_depth,
 *              kind | slot_bytes << 8, tag index or ~0 }
 *                                  the rows of the functions in order (struct jit_handler,
 *                                  the tag as an index of the instance's tags)
 */
#define META_MAGIC 0x4a54494au
#define META_HEAD 7
#define META_FUNC 4
#define META_ROW 9

static size_t align16(size_t n)
{
	return (n + 15) & ~(size_t)15;
}

static size_t page_round(size_t n)
{
	size_t ps = (size_t)sysconf(_SC_PAGESIZE);

	return (n + ps - 1) & ~(ps - 1);
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint32_t image_flags(const struct jit_store *js, const struct chibi_instance *inst)
{
	const struct chibi_memory *mem = inst->mod->nmemories ? inst->memories[0] : NULL;
	uint32_t f = 0;

	if (js->explicit_bounds || (mem && !mem->reserved))
		f |= EI_EXPLICIT_BOUNDS;
	if (js->s->cfg.fuel)
		f |= EI_FUEL;
	return f;
}

/* engine_jit.image_build: see vm/engine.h.  inst's store is used for nothing else. */
enum chibi_err jit_image_build(struct chibi_instance *inst, struct engine_image *out,
			       char *why, size_t whylen)
{
	struct jit_store *js = jit_store_of(inst->store);
	const struct module *m = inst->mod;
	uint32_t ndef = m->nfuncs_total - m->nfunc_imports;
	struct jit_pic pic;
	size_t jf_bytes = align16((size_t)ndef * sizeof(struct jit_func)), meta_len;
	uint32_t nrows = 0;
	uint8_t *code0, *p;
	enum chibi_err err = CHIBI_ERR_NOMEM;

	memset(out, 0, sizeof(*out));
	out->fd = -1;
	memset(&pic, 0, sizeof(pic));
	if (!jit_target.pic) {
		snprintf(why, whylen, "the %s back end has no position-independent mode yet",
			 jit_target.name);
		return CHIBI_ERR_UNSUPPORTED;
	}
	if (!js)
		goto fail;
	for (uint32_t i = m->nfunc_imports; i < m->nfuncs_total; i++)
		if (inst->funcs[i]->jit_code) {
			snprintf(why, whylen, "the instance already ran compiled code");
			return CHIBI_ERR_UNSUPPORTED;
		}
	pic.inst = inst;
	if (!build_map(&pic, js))
		goto fail;
	pic.max_slots = pic.nmap + m->ntypes;
	pic.slot_sym = vm_calloc(pic.max_slots ? pic.max_slots : 1, sizeof(*pic.slot_sym));
	if (!pic.slot_sym)
		goto fail;
	pic.got_size = page_round(jf_bytes + (size_t)pic.max_slots * 8);
	pic.lo = arena_image_begin(&js->arena, pic.got_size);
	if (!pic.lo) {
		snprintf(why, whylen, "code arena full");
		goto fail;
	}
	pic.jfs = (struct jit_func *)pic.lo;
	pic.slots = (uint64_t *)(pic.lo + jf_bytes);
	for (uint32_t i = 0; i < ndef; i++) {
		struct jit_func *jf = &pic.jfs[i];

		jf->func = inst->funcs[m->nfunc_imports + i];
		jf->state = JF_LAZY;
		jf->entry = js->thunk_lazy;
		jf->func->jit_code = jf;
	}
	code0 = pic.lo + pic.got_size;
	js->pic = &pic;
	for (uint32_t i = 0; i < ndef; i++)
		jit_compile_one(js, &pic.jfs[i]);
	js->pic = NULL;
	jit_seal_batch(js, inst, false);
	if (js->cb.oom) {
		snprintf(why, whylen, "out of memory");
		goto fail;
	}
	for (uint32_t i = 0; i < ndef; i++)
		if (pic.jfs[i].state == JF_COMPILED && pic.jfs[i].eh)
			nrows += pic.jfs[i].eh->n;
	meta_len = 4 * (META_HEAD + 2 * (size_t)pic.nslots + META_FUNC * (size_t)ndef +
			META_ROW * (size_t)nrows);
	out->meta = vm_malloc(meta_len);
	out->code_len = (size_t)(js->arena.base + js->arena.code_top - code0);
	out->code = vm_malloc(out->code_len ? out->code_len : 1);
	if (!out->meta || !out->code)
		goto fail;
	memcpy(out->code, code0, out->code_len);
	p = out->meta;
	put32(p, META_MAGIC);
	put32(p + 4, ndef);
	put32(p + 8, pic.nslots);
	put32(p + 12, (uint32_t)pic.got_size);
	put32(p + 16, (uint32_t)jf_bytes);
	put32(p + 20, (uint32_t)sizeof(struct jit_func));
	put32(p + 24, nrows);
	p += 4 * META_HEAD;
	for (uint32_t k = 0; k < pic.nslots; k++, p += 8) {
		put32(p, pic.slot_sym[k].kind);
		put32(p + 4, pic.slot_sym[k].index);
	}
	for (uint32_t i = 0; i < ndef; i++, p += 4 * META_FUNC) {
		const struct jit_func *jf = &pic.jfs[i];
		bool ok = jf->state == JF_COMPILED;

		put32(p, ok ? (uint32_t)(jf->code - code0) : 0);
		put32(p + 4, ok ? jf->code_size : 0);
		put32(p + 8, ok ? jf->frame_total : 0);
		put32(p + 12, ok && jf->eh ? jf->eh->n : 0);
	}
	for (uint32_t i = 0; i < ndef; i++) {
		const struct jit_func *jf = &pic.jfs[i];

		if (jf->state != JF_COMPILED || !jf->eh)
			continue;
		for (uint32_t k = 0; k < jf->eh->n; k++, p += 4 * META_ROW) {
			const struct jit_handler *h = &jf->eh->row[k];

			put32(p, h->start);
			put32(p + 4, h->end);
			put32(p + 8, h->pad);
			put32(p + 12, (uint32_t)h->payload_off);
			put32(p + 16, (uint32_t)h->exn_off);
			put32(p + 20, h->depth);
			put32(p + 24, h->to_depth);
			put32(p + 28, h->kind | (uint32_t)h->slot_bytes << 8);
			put32(p + 32, h->tag_index);
		}
	}
	out->meta_len = meta_len;
	out->flags = image_flags(js, inst);
	err = CHIBI_OK;
fail:
	if (err == CHIBI_ERR_NOMEM && why[0] == 0)
		snprintf(why, whylen, "out of memory");
	if (err != CHIBI_OK)
		engine_image_release(out);
	vm_free(pic.map);
	vm_free(pic.slot_sym);
	return err;
}

/* ---- attaching ---- */

/* Read the handler row at r of a function of `size` code bytes and a frame of frame_total
 * bytes into *h; false when it does not fit: a pad or range outside the code, a payload or
 * exnref written outside the frame (below its return address), an unknown tag or kind. */
static bool read_row(const uint8_t *r, uint32_t size, uint32_t frame_total,
		     const struct chibi_instance *inst, struct jit_handler *h)
{
	uint32_t kind_sb = get32(r + 28), room = frame_total - 8;
	uint64_t end;

	memset(h, 0, sizeof(*h));
	h->start = get32(r);
	h->end = get32(r + 4);
	h->pad = get32(r + 8);
	h->payload_off = (int32_t)get32(r + 12);
	h->exn_off = (int32_t)get32(r + 16);
	h->depth = get32(r + 20);
	h->to_depth = get32(r + 24);
	h->kind = (uint8_t)kind_sb;
	h->slot_bytes = (uint8_t)(kind_sb >> 8);
	h->tag_index = get32(r + 32);
	if (h->start > h->end || h->end > size || kind_sb >> 16)
		return false;
	if (h->kind == JH_DELEGATE)
		return h->tag_index == UINT32_MAX && h->exn_off == -1 && h->to_depth < h->depth;
	if (h->kind != JH_CATCH || h->pad >= size || (h->slot_bytes != 8 && h->slot_bytes != 16))
		return false;
	if (h->exn_off != -1 && (h->exn_off < 0 || (uint64_t)h->exn_off + 8 > room))
		return false;
	if (h->tag_index == UINT32_MAX)
		return true;
	if (h->tag_index >= inst->mod->ntags || h->payload_off < 0)
		return false;
	h->tag = inst->tags[h->tag_index];
	end = (uint64_t)h->payload_off;
	for (uint32_t k = 0; k < h->tag->type->nparams; k++) {
		if (8 * vt_slots(h->tag->type->params[k]) > h->slot_bytes)
			return false;
		end += h->slot_bytes;
	}
	return end <= room;
}

/* Check the records of img against inst and the code size, map the code and fill the
 * records; false with a reason in note.  Nothing of inst changes before all checks pass. */
static bool attach(struct jit_store *js, struct chibi_instance *inst,
		   const struct engine_image *img, char *note, size_t n)
{
	const struct module *m = inst->mod;
	const uint8_t *p = img->meta;
	uint32_t ndef, nslots, got_size, jf_bytes, nrows, rows_seen = 0, prev_end = 0;
	const uint8_t *fr, *rows;
	uint32_t want_ndef = m->nfuncs_total - m->nfunc_imports;
	uint8_t *lo, *code0;
	uint64_t *slots;
	struct jit_func *jfs;

	if (img->meta_len < 4 * META_HEAD || get32(p) != META_MAGIC) {
		snprintf(note, n, "no code records");
		return false;
	}
	ndef = get32(p + 4);
	nslots = get32(p + 8);
	got_size = get32(p + 12);
	jf_bytes = get32(p + 16);
	nrows = get32(p + 24);
	if (ndef != want_ndef || get32(p + 20) != sizeof(struct jit_func) ||
	    jf_bytes != align16((size_t)ndef * sizeof(struct jit_func)) ||
	    (uint64_t)img->meta_len != 4 * (META_HEAD + 2 * (uint64_t)nslots +
					    META_FUNC * (uint64_t)ndef + META_ROW * (uint64_t)nrows) ||
	    got_size != page_round(got_size) ||
	    (uint64_t)jf_bytes + 8 * (uint64_t)nslots > got_size || got_size > (64u << 20)) {
		snprintf(note, n, "code records do not fit the module");
		return false;
	}
	if (img->flags != image_flags(js, inst)) {
		snprintf(note, n, "compiled with %s%s, this run uses %s%s",
			 img->flags & EI_EXPLICIT_BOUNDS ? "explicit bounds checks" : "guard pages",
			 img->flags & EI_FUEL ? " and fuel" : "",
			 image_flags(js, inst) & EI_EXPLICIT_BOUNDS ? "explicit bounds checks"
								    : "guard pages",
			 image_flags(js, inst) & EI_FUEL ? " and fuel" : "");
		return false;
	}
	p += 4 * META_HEAD;
	for (uint32_t k = 0; k < nslots; k++) {
		uint64_t v;

		if (!resolve(js, inst, (struct pic_sym){ (uint8_t)get32(p + 8 * k),
							 get32(p + 8 * k + 4) }, &v) ||
		    get32(p + 8 * k) >= PS_KIND_END) {
			snprintf(note, n, "code record %u names nothing in this instance", k);
			return false;
		}
	}
	fr = p + 8 * (size_t)nslots;
	rows = fr + 4 * META_FUNC * (size_t)ndef;
	for (uint32_t i = 0; i < ndef; i++) {
		const uint8_t *f = fr + 4 * META_FUNC * (size_t)i;
		uint32_t off = get32(f), size = get32(f + 4), frame = get32(f + 8), nr = get32(f + 12);
		struct jit_handler h;

		if (!size) {
			if (nr) {
				snprintf(note, n, "code record of function %u is out of bounds", i);
				return false;
			}
			continue;
		}
		/* in order, not overlapping, inside the code; a frame holding its return
		 * address, its rows inside the records */
		if (off < prev_end || (uint64_t)off + size > img->code_len || frame < 8 ||
		    frame % 8 || frame > (1u << 30) || nr > nrows - rows_seen) {
			snprintf(note, n, "code record of function %u is out of bounds", i);
			return false;
		}
		for (uint32_t k = 0; k < nr; k++)
			if (!read_row(rows + 4 * META_ROW * (size_t)(rows_seen + k), size, frame, inst,
				      &h)) {
				snprintf(note, n, "handler row %u of function %u is out of bounds",
					 k, i);
				return false;
			}
		rows_seen += nr;
		prev_end = off + size;
	}
	if (rows_seen != nrows) {
		snprintf(note, n, "code records do not fit the module");
		return false;
	}
	for (uint32_t i = m->nfunc_imports; i < m->nfuncs_total; i++)
		if (inst->funcs[i]->jit_code) {
			snprintf(note, n, "the instance already ran JIT code");
			return false;
		}
	lo = arena_image_map(&js->arena, got_size, img->fd, img->code_off, img->code_len);
	if (!lo) {
		snprintf(note, n, "cannot map the code");
		return false;
	}
	jfs = (struct jit_func *)lo;
	slots = (uint64_t *)(lo + jf_bytes);
	code0 = lo + got_size;
	for (uint32_t k = 0; k < nslots; k++)
		if (!resolve(js, inst, (struct pic_sym){ (uint8_t)get32(p + 8 * k),
							 get32(p + 8 * k + 4) }, &slots[k])) {
			snprintf(note, n, "out of memory");
			return false;
		}
	p += 8 * nslots;
	for (uint32_t i = 0; i < ndef; i++, p += 4 * META_FUNC) {
		struct jit_func *jf = &jfs[i];
		uint32_t size = get32(p + 4), nr = get32(p + 12);
		struct jit_eh_table *t = NULL;

		jf->func = inst->funcs[m->nfunc_imports + i];
		if (nr) {
			/* checked above; without memory for them the function is interpreted */
			t = vm_malloc(sizeof(*t) + nr * sizeof(t->row[0]));
			for (uint32_t k = 0; t && k < nr; k++, rows += 4 * META_ROW)
				read_row(rows, size, get32(p + 8), inst, &t->row[k]);
			if (!t) {
				rows += 4 * META_ROW * (size_t)nr;
				size = 0;
			}
		}
		if (size) {
			jf->state = JF_COMPILED;
			jf->code = code0 + get32(p);
			jf->code_size = size;
			jf->frame_total = get32(p + 8);
			jf->entry = jf->code;
			if (t) {
				t->n = nr;
				t->next = js->eh_tables;
				js->eh_tables = t;
				jf->eh = t;
				js->has_handlers = true;
			}
		} else {
			jf->state = JF_FAILED;
			jf->entry = js->thunk_exit;
		}
		if (size && !jit_range_add(js, jf)) {
			jf->state = JF_FAILED;
			jf->entry = js->thunk_exit;
		}
		jf->func->jit_code = jf;
		if (jf->state == JF_COMPILED) {
			js->stats.compiled++;
			js->stats.code_bytes += size;
		} else {
			js->stats.fallbacks++;
		}
	}
	/* the records never change again: a stray write from anywhere faults */
	mprotect(lo, got_size, PROT_READ);
	js->images++;
	return true;
}

void jit_image_try(struct jit_store *js, struct chibi_instance *inst)
{
	struct chibi_store *s = js->s;

	if (!s->image || inst->mod != s->image_mod || js->image_seen == s->image)
		return;
	js->image_seen = s->image;
	if (!attach(js, inst, s->image, s->image_note, sizeof(s->image_note)) && js->verbose)
		fprintf(stderr, "chibi jit: compiled code not used: %s\n", s->image_note);
}
