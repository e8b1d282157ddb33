/* vm/compiled.c - compiled files (chibi compile): a module with its machine code, made
 * ahead of time, and the cache of them (chibi run --cache, the shim).
 *
 * This file owns the container: header, digests, bounds, the module bytes, mapping.  What
 * the code and its records mean is the compiling engine's (engine_jit->image_build, and
 * jit/aot.c, which attaches them on an instance's first call).  A file is trusted no
 * further than its header: every offset is checked against the file's size, the whole file
 * against its CRC-32, and the module is decoded and validated again as any module is.
 * Entry points: chibi_compile, chibi_compiled_open(_fd), chibi_store_use_compiled,
 * chibi_cache_open (vm/cache.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zlib.h>

#include "alloc.h"
#include "compiled.h"
#include "engine.h"
#include "module.h"
#include "sha256.h"

/*
 * The file (all integers little-endian):
 *
 *   0    magic "\0chibi-c"
 *   8    u32 format (CF_FORMAT), u32 header size (CF_HEADER)
 *   16   char[64] chibi build id (chibi_build_id), NUL-padded
 *   80   char[16] ISA (the back end's name)
 *   96   u32 CPU features the code may use (the back end's bits), char[60] their names
 *   160  u32 flags (EI_*: bounds checks, fuel), u32 0
 *   168  u64 file size
 *   176  u64 module offset, u64 module length       (the .wasm bytes)
 *   192  u64 records offset, u64 records length     (the engine's)
 *   208  u64 code offset, u64 code length           (offset CF_ALIGN-aligned, padded with
 *                                                   trap bytes to the next CF_ALIGN)
 *   224  u8[32] SHA-256 of the module bytes (the cache key's part)
 *   256  u32 CRC-32 of the whole file with these 4 bytes zero, u32 0
 *   264  u64 data records offset, u64 length       (right after the engine's records)
 *   280  u64 memory image offset, u64 length       (after the code's padding, CF_ALIGN-
 *                                                   aligned, a multiple of CF_ALIGN long)
 *   296  zero to CF_HEADER
 *
 * The data records say how the memory image was made, so that instantiation can map it
 * instead of copying (compiled_map_data): u32 number of data segments, u32 number of runs,
 * the offset each active segment had when compiled (u64 each; ~0 for a passive one), then
 * per run u32 memory, u32 0, u64 offset in that memory, u64 length, u64 offset in the
 * image; runs are whole 64 KiB pages, in order of (memory, offset), not overlapping.  A
 * run is the memory's content after all active segments were applied to zeroed pages.
 *
 * The whole-file check is a CRC, not a cryptographic digest: it is there for accidents
 * (a bit flipped on disk, a file cut short: a CRC-32 catches every single-bit and burst
 * error up to 32 bits), at zlib's ~6.5 GB/s against our SHA-256's ~0.3 GB/s, which on
 * lua's 1.2 MB file was 4 ms of a 25 ms run.  Against someone who can write the file, no
 * digest stored in the file helps (it would be recomputed); the cache's permissions are
 * that defence (vm/cache.c).
 */
#define CF_FORMAT 3
#define CF_HEADER 320
#define CF_ALIGN ((uint64_t)64 << 10)   /* code pages: any page size up to 64 KiB */
#define OFF_FORMAT 8
#define OFF_VERSION 16
#define OFF_ISA 80
#define OFF_FEATURES 96
#define OFF_FEATNAME 100
#define OFF_FLAGS 160
#define OFF_SIZE 168
#define OFF_MODULE 176
#define OFF_META 192
#define OFF_CODE 208
#define OFF_MOD_SHA 224
#define OFF_FILE_CHECK 256
#define OFF_DATA_REC 264
#define OFF_DATA_IMG 280
#define DATA_REC_HEAD 8
#define DATA_RUN_REC 32
/* Runs with fewer bytes of segments than this are copied, not mapped: see RATIONALE.md
 * ("Data segments mapped from compiled files"); CHIBI_DATA_IMAGE_MIN overrides it when
 * compiling (tests map every run with 1). */
#define DATA_IMAGE_MIN ((uint64_t)64 << 10)

static const uint8_t magic[8] = { 0, 'c', 'h', 'i', 'b', 'i', '-', 'c' };

bool chibi_is_compiled(const uint8_t *head, size_t len)
{
	return len >= sizeof(magic) && memcmp(head, magic, sizeof(magic)) == 0;
}

static void put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void put64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t get64(const uint8_t *p)
{
	return (uint64_t)get32(p) | (uint64_t)get32(p + 4) << 32;
}

static uint64_t align_up(uint64_t n, uint64_t a)
{
	return (n + a - 1) & ~(a - 1);
}

/* CRC-32 of a whole file image with its own check field taken as zero. */
static uint32_t file_check(const uint8_t *f, size_t len)
{
	static const uint8_t zero[4];
	uLong c = crc32(0, Z_NULL, 0);

	c = crc32_z(c, f, OFF_FILE_CHECK);
	c = crc32_z(c, zero, 4);
	c = crc32_z(c, f + OFF_FILE_CHECK + 4, len - OFF_FILE_CHECK - 4);
	return (uint32_t)c;
}

/* ---- compiling ---- */

/* See vm/engine.h. */
void engine_image_release(struct engine_image *img)
{
	vm_free(img->meta);
	vm_free(img->code);
	img->meta = img->code = NULL;
	img->meta_len = img->code_len = 0;
}

static enum chibi_trap stub_import(chibi_caller *c, void *env, uint64_t *slots)
{
	return CHIBI_TRAP_UNREACHABLE; /* never called: the compiling store runs nothing */
}

static char vt_letter(uint8_t vt)
{
	switch (vt) {
	case VT_I32: return 'i';
	case VT_I64: return 'I';
	case VT_F32: return 'f';
	case VT_F64: return 'F';
	case VT_FUNCREF: return 'r';
	case VT_EXTERNREF: return 'e';
	default: return 0; /* v128 and what host functions cannot take */
	}
}

/* Something of the import's type for each import: the code reaches imports only through
 * the slots the loader fills from its own instance, so their identity does not matter. */
static enum chibi_err define_stubs(const struct module *m, chibi_store *s, chibi_linker *l,
				   struct chibi_diag *diag)
{
	for (uint32_t i = 0; i < m->nimports; i++) {
		const struct import *im = &m->imports[i];
		struct chibi_extern ex = { .kind = (enum chibi_extern_kind)im->kind };
		chibi_val v;

		switch (im->kind) {
		case EXT_FUNC: {
			const struct functype *t = &m->types[im->desc.type_index];
			char sig[512];
			size_t n = 0;

			if (t->nparams + t->nresults + 2 > sizeof(sig))
				goto unsupported;
			for (uint32_t k = 0; k < t->nparams; k++)
				if (!(sig[n++] = vt_letter(t->params[k])))
					goto unsupported;
			sig[n++] = ':';
			for (uint32_t k = 0; k < t->nresults; k++)
				if (!(sig[n++] = vt_letter(t->results[k])))
					goto unsupported;
			sig[n] = 0;
			ex.of.func = chibi_func_new_host(s, sig, stub_import, NULL);
			break;
		}
		case EXT_TABLE:
			ex.of.table = chibi_table_new(s, (enum chibi_valtype)im->desc.table.elemtype,
						      im->desc.table.limits.min,
						      im->desc.table.limits.max,
						      im->desc.table.limits.has_max);
			break;
		case EXT_MEMORY:
			ex.of.memory = chibi_memory_new(s, im->desc.memory.limits.min,
							im->desc.memory.limits.max,
							im->desc.memory.limits.has_max);
			break;
		case EXT_GLOBAL:
			memset(&v, 0, sizeof(v));
			v.type = im->desc.global.valtype;
			ex.of.global = chibi_global_new(s, v, im->desc.global.mutable_);
			break;
		default:
			goto unsupported;
		}
		if (!ex.of.func)
			return diag_set(diag, CHIBI_ERR_NOMEM, 0, "out of memory");
		if (chibi_linker_define(l, im->module_name, im->field_name, ex) != CHIBI_OK)
			return diag_set(diag, CHIBI_ERR_NOMEM, 0, "out of memory");
		continue;
unsupported:
		return diag_set(diag, CHIBI_ERR_UNSUPPORTED, 0,
				"import %s.%s: chibi compile cannot stand in for it",
				im->module_name, im->field_name);
	}
	return CHIBI_OK;
}

/* A NUL-padded text field of n bytes (the header is zeroed): at most n - 1 characters. */
static void put_str(uint8_t *dst, const char *src, size_t n)
{
	size_t len = strlen(src);

	memcpy(dst, src, len < n ? len : n - 1);
}

/* The header fields that name this build and host. */
static void put_identity(uint8_t *h)
{
	char feat[60] = "";
	const char *isa = chibi_jit_name();

	memcpy(h, magic, sizeof(magic));
	put32(h + OFF_FORMAT, CF_FORMAT);
	put32(h + OFF_FORMAT + 4, CF_HEADER);
	put_str(h + OFF_VERSION, chibi_build_id, 64);
	put_str(h + OFF_ISA, isa ? isa : "", 16);
	put32(h + OFF_FEATURES, engine_jit->cpu_features(feat, sizeof(feat)));
	put_str(h + OFF_FEATNAME, feat, 60);
}

/* ---- the memory image of large data segments ---- */

struct data_run {
	uint32_t memory;
	uint64_t mem_off, len, img_off;
	uint64_t bytes;            /* compiling: segment bytes in it (the threshold's measure) */
};

struct data_image {
	int fd;                    /* the compiled file's (chibi_compiled's img.fd) */
	uint64_t file_off;         /* where the image starts in the file */
	uint32_t nsegs, nruns;
	uint64_t *seg_off;         /* each active segment's compiled offset */
	struct data_run *runs;
};

static uint64_t data_image_min(void)
{
	const char *e = getenv("CHIBI_DATA_IMAGE_MIN");

	return e && *e ? strtoull(e, NULL, 0) : DATA_IMAGE_MIN;
}

static int run_cmp(const void *a, const void *b)
{
	const struct data_run *x = a, *y = b;

	if (x->memory != y->memory)
		return x->memory < y->memory ? -1 : 1;
	return x->mem_off < y->mem_off ? -1 : x->mem_off > y->mem_off;
}

/* The runs of inst's defined memories worth mapping (data applied at instantiation, all in
 * bounds, or chibi_compile would have failed), and the data records describing them; the
 * image is copied from the memories once the file's layout is known.  False on NOMEM. */
static bool data_image_build(struct chibi_instance *inst, struct data_image *di,
			     uint8_t **rec, uint64_t *rec_len, uint64_t *img_len)
{
	const struct module *m = inst->mod;
	uint64_t min = data_image_min(), n = 0, pos = 0;
	struct data_run *iv;

	*rec_len = *img_len = 0;
	memset(di, 0, sizeof(*di));
	/* room for a run per segment: there are no more */
	*rec = vm_calloc(1, DATA_REC_HEAD + (8 + DATA_RUN_REC) * (size_t)m->ndatas);
	iv = vm_calloc(m->ndatas ? m->ndatas : 1, sizeof(*iv));
	if (!*rec || !iv) {
		vm_free(*rec);
		vm_free(iv);
		*rec = NULL;
		return false;
	}
	/* each active segment's offset, and its whole pages in a defined memory, sorted, then
	 * merged where they touch */
	for (uint32_t i = 0; i < m->ndatas; i++) {
		const struct data *d = &m->datas[i];
		struct chibi_memory *mem;
		uint64_t off = UINT64_MAX;

		if (d->mode == SEG_ACTIVE)
			inst_data_place(inst, i, &mem, &off); /* in bounds: inst was made */
		put64(*rec + DATA_REC_HEAD + 8 * (uint64_t)i, off);
		if (d->mode != SEG_ACTIVE || !d->len || d->memory_index < m->nmemory_imports)
			continue;
		iv[n++] = (struct data_run){ .memory = d->memory_index,
					     .mem_off = off & ~(CF_ALIGN - 1),
					     .len = align_up(off + d->len, CF_ALIGN) -
						    (off & ~(CF_ALIGN - 1)),
					     .bytes = d->len };
	}
	qsort(iv, (size_t)n, sizeof(*iv), run_cmp);
	for (uint64_t i = 0; i < n; i++) {
		struct data_run *r = di->nruns ? &iv[di->nruns - 1] : NULL;

		if (r && r->memory == iv[i].memory && iv[i].mem_off <= r->mem_off + r->len) {
			uint64_t end = iv[i].mem_off + iv[i].len;

			if (end > r->mem_off + r->len)
				r->len = end - r->mem_off;
			r->bytes += iv[i].bytes;
		} else {
			iv[di->nruns++] = iv[i];
		}
	}
	n = di->nruns;
	di->nruns = 0;
	for (uint64_t i = 0; i < n; i++)
		if (iv[i].bytes >= min) {
			iv[i].img_off = pos;
			pos += iv[i].len;
			iv[di->nruns++] = iv[i];
		}
	di->runs = iv;
	*rec_len = DATA_REC_HEAD + 8 * (uint64_t)m->ndatas + DATA_RUN_REC * (uint64_t)di->nruns;
	put32(*rec, m->ndatas);
	put32(*rec + 4, di->nruns);
	for (uint32_t i = 0; i < di->nruns; i++) {
		uint8_t *p = *rec + DATA_REC_HEAD + 8 * (uint64_t)m->ndatas + DATA_RUN_REC * i;

		put32(p, iv[i].memory);
		put64(p + 8, iv[i].mem_off);
		put64(p + 16, iv[i].len);
		put64(p + 24, iv[i].img_off);
	}
	*img_len = pos;
	return true;
}

enum chibi_err chibi_compile(const uint8_t *wasm, size_t len, const struct chibi_config *cfg,
			     uint8_t **out, size_t *out_len, struct chibi_diag *diag)
{
	struct chibi_config c = cfg ? *cfg : (struct chibi_config){ 0 };
	struct engine_image img = { .fd = -1 };
	chibi_module *cm = NULL;
	chibi_store *s = NULL;
	chibi_linker *l = NULL;
	chibi_instance *inst = NULL;
	struct chibi_trap_info ti;
	uint64_t meta_off, code_off, size, rec_off, rec_len = 0, img_off, img_len = 0;
	struct data_image di = { .runs = NULL };
	uint8_t *f = NULL, *rec = NULL;
	char why[160] = "";
	enum chibi_err err;

	*out = NULL;
	*out_len = 0;
	if (!engine_jit || !engine_jit->image_build)
		return diag_set(diag, CHIBI_ERR_UNSUPPORTED, 0,
				"this build of chibi has no JIT to compile with");
	/* the proposals cfg switches off are refused here as at any other load */
	err = chibi_module_new_features(wasm, len, chibi_config_features(cfg), &cm, diag);
	if (err)
		return err;
	c.mode = CHIBI_MODE_JIT;
	s = chibi_store_new(&c);
	l = chibi_linker_new();
	if (!s || !l) {
		err = diag_set(diag, CHIBI_ERR_NOMEM, 0, "out of memory");
		goto out;
	}
	s->no_start = true;
	err = define_stubs((const struct module *)cm, s, l, diag);
	if (err)
		goto out;
	err = chibi_instance_new(s, cm, l, &inst, diag, &ti);
	if (err)
		goto out;
	err = engine_jit->image_build(inst, &img, why, sizeof(why));
	if (err) {
		diag_set(diag, err, 0, "%s", why);
		goto out;
	}
	if (!data_image_build(inst, &di, &rec, &rec_len, &img_len)) {
		err = diag_set(diag, CHIBI_ERR_NOMEM, 0, "out of memory");
		goto out;
	}
	meta_off = CF_HEADER + (uint64_t)len;
	rec_off = meta_off + img.meta_len;
	code_off = align_up(rec_off + rec_len, CF_ALIGN);
	img_off = code_off + align_up(img.code_len, CF_ALIGN);
	size = img_off + img_len;
	f = vm_calloc(1, (size_t)size);
	if (!f) {
		err = diag_set(diag, CHIBI_ERR_NOMEM, 0, "out of memory");
		goto out;
	}
	put_identity(f);
	put32(f + OFF_FLAGS, img.flags);
	put64(f + OFF_SIZE, size);
	put64(f + OFF_MODULE, CF_HEADER);
	put64(f + OFF_MODULE + 8, len);
	put64(f + OFF_META, meta_off);
	put64(f + OFF_META + 8, img.meta_len);
	put64(f + OFF_CODE, code_off);
	put64(f + OFF_CODE + 8, img.code_len);
	put64(f + OFF_DATA_REC, rec_off);
	put64(f + OFF_DATA_REC + 8, rec_len);
	put64(f + OFF_DATA_IMG, img_off);
	put64(f + OFF_DATA_IMG + 8, img_len);
	sha256(wasm, len, f + OFF_MOD_SHA);
	if (len)
		memcpy(f + CF_HEADER, wasm, len);
	memcpy(f + meta_off, img.meta, img.meta_len);
	memcpy(f + code_off, img.code, img.code_len);
	/* the padding is trap bytes too (x86 int3), as in the arena */
	memset(f + code_off + img.code_len, 0xcc, (size_t)(img_off - code_off - img.code_len));
	memcpy(f + rec_off, rec, (size_t)rec_len);
	for (uint32_t i = 0; i < di.nruns; i++)
		memcpy(f + img_off + di.runs[i].img_off,
		       inst->memories[di.runs[i].memory]->data + di.runs[i].mem_off,
		       (size_t)di.runs[i].len);
	put32(f + OFF_FILE_CHECK, file_check(f, (size_t)size));
	*out = f;
	*out_len = (size_t)size;
out:
	vm_free(rec);
	vm_free(di.runs);
	engine_image_release(&img);
	chibi_linker_free(l);
	chibi_store_free(s);
	chibi_module_free(cm);
	return err;
}

/* ---- loading ---- */

struct chibi_compiled {
	chibi_module *mod;
	struct engine_image img;   /* meta (heap copy), fd, code offset and length */
	struct data_image data;    /* fd borrowed from img */
	uint8_t module_sha[SHA256_BYTES];
};

/* Read and check the data records against the module (m) and the image's length:
 * CHIBI_OK, CHIBI_ERR_MALFORMED or CHIBI_ERR_NOMEM. */
static enum chibi_err data_image_read(struct data_image *di, const struct module *m, const uint8_t *rec,
			    uint64_t rec_len, uint64_t img_len)
{
	const uint8_t *runs;

	if (rec_len < DATA_REC_HEAD)
		return CHIBI_ERR_MALFORMED;
	di->nsegs = get32(rec);
	di->nruns = get32(rec + 4);
	if (di->nsegs != m->ndatas ||
	    rec_len != DATA_REC_HEAD + 8 * (uint64_t)di->nsegs + DATA_RUN_REC * (uint64_t)di->nruns)
		return CHIBI_ERR_MALFORMED;
	di->seg_off = vm_calloc(di->nsegs ? di->nsegs : 1, sizeof(*di->seg_off));
	di->runs = vm_calloc(di->nruns ? di->nruns : 1, sizeof(*di->runs));
	if (!di->seg_off || !di->runs)
		return CHIBI_ERR_NOMEM;
	for (uint32_t i = 0; i < di->nsegs; i++)
		di->seg_off[i] = get64(rec + DATA_REC_HEAD + 8 * (uint64_t)i);
	runs = rec + DATA_REC_HEAD + 8 * (uint64_t)di->nsegs;
	for (uint32_t i = 0; i < di->nruns; i++) {
		const uint8_t *p = runs + DATA_RUN_REC * (uint64_t)i;
		struct data_run *r = &di->runs[i];

		r->memory = get32(p);
		r->mem_off = get64(p + 8);
		r->len = get64(p + 16);
		r->img_off = get64(p + 24);
		/* whole pages of a defined memory, inside the image and a 64-bit address space,
		 * in order and apart */
		if (get32(p + 4) || r->memory < m->nmemory_imports || r->memory >= m->nmemories ||
		    !r->len || r->len % CF_ALIGN || r->mem_off % CF_ALIGN ||
		    r->mem_off > ((uint64_t)1 << 62) || r->len > ((uint64_t)1 << 62) ||
		    r->img_off % CF_ALIGN || r->img_off > img_len || r->len > img_len - r->img_off)
			return CHIBI_ERR_MALFORMED;
		if (i && run_cmp(&di->runs[i - 1], r) >= 0)
			return CHIBI_ERR_MALFORMED;
		if (i && r->memory == di->runs[i - 1].memory &&
		    r->mem_off < di->runs[i - 1].mem_off + di->runs[i - 1].len)
			return CHIBI_ERR_MALFORMED;
	}
	return CHIBI_OK;
}

/* Copy what segment bytes [a, b) of memory k lie outside the image's runs. */
static void copy_outside_runs(const struct data_image *di, struct chibi_memory *mem,
			      uint32_t k, uint64_t a, const uint8_t *bytes, uint64_t b)
{
	uint64_t cur = a;

	for (uint32_t j = 0; j < di->nruns && cur < b; j++) {
		const struct data_run *r = &di->runs[j];
		uint64_t end = r->mem_off + r->len;

		if (r->memory != k || end <= cur)
			continue;
		if (r->mem_off >= b)
			break;
		if (r->mem_off > cur)
			memcpy(mem->data + cur, bytes + (cur - a), (size_t)(r->mem_off - cur));
		cur = end;
	}
	if (cur < b)
		memcpy(mem->data + cur, bytes + (cur - a), (size_t)(b - cur));
}

/* See compiled.h.  The memories of a new instance are fresh: build_objects made them, and
 * nothing runs between that and the data segments (elements write tables only). */
bool compiled_map_data(struct chibi_instance *inst)
{
	const struct chibi_store *s = inst->store;
	const struct data_image *di = s->data_image;
	const struct module *m = inst->mod;

	if (!di || !di->nruns || m != s->image_mod || di->nsegs != m->ndatas)
		return false;
	/* all segments where they were compiled, in bounds; every run's memory reserved and
	 * large enough: else nothing is written here */
	for (uint32_t i = 0; i < m->ndatas; i++) {
		struct chibi_memory *mem;
		uint64_t off;

		if (m->datas[i].mode == SEG_ACTIVE &&
		    (!inst_data_place(inst, i, &mem, &off) || off != di->seg_off[i]))
			return false;
	}
	for (uint32_t j = 0; j < di->nruns; j++) {
		const struct chibi_memory *mem = inst->memories[di->runs[j].memory];

		if (!mem->reserved || di->runs[j].mem_off > mem->size ||
		    di->runs[j].len > mem->size - di->runs[j].mem_off)
			return false;
	}
	for (uint32_t j = 0; j < di->nruns; j++) {
		const struct data_run *r = &di->runs[j];
		struct chibi_memory *mem = inst->memories[r->memory];

		if (mmap(mem->data + r->mem_off, (size_t)r->len, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_FIXED, di->fd, (off_t)(di->file_off + r->img_off)) ==
		    MAP_FAILED) {
			/* A failed MAP_FIXED may leave the range unmapped: put zeroed pages back
			 * and let the caller copy every segment (over runs mapped so far too:
			 * their bytes are the same). */
			mmap(mem->data + r->mem_off, (size_t)r->len, PROT_READ | PROT_WRITE,
			     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED, -1, 0);
			return false;
		}
		mem->file_mapped = true;
	}
	for (uint32_t i = 0; i < m->ndatas; i++) {
		const struct data *d = &m->datas[i];

		if (d->mode != SEG_ACTIVE)
			continue;
		copy_outside_runs(di, inst->memories[d->memory_index], d->memory_index,
				  di->seg_off[i], d->bytes, di->seg_off[i] + d->len);
		inst->data_dropped[i] = true;
	}
	return true;
}

/* Refuse with CHIBI_ERR_MALFORMED (a file that is not what it claims) or UNSUPPORTED (a
 * good file for another chibi or CPU). */
#define REFUSE(code, ...) do { err = diag_set(diag, code, 0, __VA_ARGS__); goto out; } while (0)

/* Is every bit of `want` (features the code may use) offered by `have`?  The SIMD level
 * (bits 8-11 on x86-64) is a number: the host's must be at least the file's. */
static bool features_ok(uint32_t want, uint32_t have)
{
	return (want & ~have & 0xff) == 0 && ((want >> 8) & 15) <= ((have >> 8) & 15) &&
	       (want >> 12) == 0;
}

/* A field of the header as a string: NUL within its n bytes, printable. */
static bool field_str(const uint8_t *p, size_t n, char *out)
{
	const void *nul = memchr(p, 0, n);

	if (!nul)
		return false;
	for (const uint8_t *q = p; q < (const uint8_t *)nul; q++)
		if (*q < 0x20 || *q > 0x7e)
			return false;
	memcpy(out, p, (size_t)((const uint8_t *)nul - p) + 1);
	return true;
}

enum chibi_err chibi_compiled_open_fd(int fd, chibi_compiled **out, struct chibi_diag *diag)
{
	struct stat st;
	uint8_t *f = MAP_FAILED, *map, digest[SHA256_BYTES];
	uint64_t size, mod_off, mod_len, meta_off, meta_len, code_off, code_len;
	uint64_t rec_off, rec_len, img_off, img_len, keep;
	uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE);
	struct module *m = NULL;
	char version[64], isa[16], feat[60], host_feat[60] = "";
	const char *host_isa = chibi_jit_name();
	uint32_t want, have;
	struct chibi_compiled *c = NULL;
	enum chibi_err err = CHIBI_OK;

	*out = NULL;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
		REFUSE(CHIBI_ERR_IO, "not a regular file");
	if ((uint64_t)st.st_size < CF_HEADER)
		REFUSE(CHIBI_ERR_MALFORMED, "compiled file truncated (%lld bytes, the header "
		       "alone has %d)", (long long)st.st_size, CF_HEADER);
	f = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (f == MAP_FAILED)
		REFUSE(CHIBI_ERR_IO, "cannot map the file: %s", strerror(errno));
	if (!chibi_is_compiled(f, (size_t)st.st_size))
		REFUSE(CHIBI_ERR_MALFORMED, "not a chibi compiled file");
	if (get32(f + OFF_FORMAT) != CF_FORMAT || get32(f + OFF_FORMAT + 4) != CF_HEADER)
		REFUSE(CHIBI_ERR_UNSUPPORTED, "compiled file format %u, this chibi reads format %d: "
		       "compile the module again", get32(f + OFF_FORMAT), CF_FORMAT);
	if (!field_str(f + OFF_VERSION, 64, version) || !field_str(f + OFF_ISA, 16, isa) ||
	    !field_str(f + OFF_FEATNAME, 60, feat))
		REFUSE(CHIBI_ERR_MALFORMED, "compiled file header is corrupt");
	if (strcmp(version, chibi_build_id) != 0)
		REFUSE(CHIBI_ERR_UNSUPPORTED, "compiled by chibi %s, this is chibi %s: compile the "
		       "module again", version, chibi_build_id);
	if (!host_isa || strcmp(isa, host_isa) != 0)
		REFUSE(CHIBI_ERR_UNSUPPORTED, "compiled for %s, this chibi runs %s code", isa,
		       host_isa ? host_isa : "no machine");
	want = get32(f + OFF_FEATURES);
	have = engine_jit->cpu_features(host_feat, sizeof(host_feat));
	if (!features_ok(want, have))
		REFUSE(CHIBI_ERR_UNSUPPORTED, "compiled for CPU features %s, this host offers %s",
		       feat, host_feat);
	size = get64(f + OFF_SIZE);
	if (size != (uint64_t)st.st_size)
		REFUSE(CHIBI_ERR_MALFORMED, "compiled file is %llu bytes, its header says %llu%s",
		       (unsigned long long)st.st_size, (unsigned long long)size,
		       (uint64_t)st.st_size < size ? " (truncated)" : "");
	mod_off = get64(f + OFF_MODULE);
	mod_len = get64(f + OFF_MODULE + 8);
	meta_off = get64(f + OFF_META);
	meta_len = get64(f + OFF_META + 8);
	code_off = get64(f + OFF_CODE);
	code_len = get64(f + OFF_CODE + 8);
	rec_off = get64(f + OFF_DATA_REC);
	rec_len = get64(f + OFF_DATA_REC + 8);
	img_off = get64(f + OFF_DATA_IMG);
	img_len = get64(f + OFF_DATA_IMG + 8);
	/* module, records, data records, code, memory image: in this order, inside the file,
	 * code and image on their own pages */
	if (mod_off != CF_HEADER || mod_len > size - mod_off || meta_off != mod_off + mod_len ||
	    meta_len > size - meta_off || rec_off != meta_off + meta_len ||
	    rec_len > size - rec_off || code_off < rec_off + rec_len ||
	    code_off % CF_ALIGN || code_len > size - code_off ||
	    align_up(code_len, CF_ALIGN) > size - code_off ||
	    img_off != code_off + align_up(code_len, CF_ALIGN) || img_len != size - img_off ||
	    img_len % CF_ALIGN)
		REFUSE(CHIBI_ERR_MALFORMED, "compiled file sections out of bounds");
	if (file_check(f, (size_t)size) != get32(f + OFF_FILE_CHECK))
		REFUSE(CHIBI_ERR_MALFORMED, "compiled file is corrupt (CRC-32 mismatch)");
	memcpy(digest, f + OFF_MOD_SHA, SHA256_BYTES); /* checked by the cache against its key */
	c = vm_calloc(1, sizeof(*c));
	if (!c)
		REFUSE(CHIBI_ERR_NOMEM, "out of memory");
	c->img.fd = -1;
	memcpy(c->module_sha, digest, SHA256_BYTES);
	/* The module's bytes stay in the file's pages instead of a heap copy: every process
	 * running the file shares them (page cache), and they cost nothing once the module is
	 * decoded.  This trusts the file's writers no more than mapping its code does (they
	 * could rewrite either: the cache's ownership rules and chibi run's check of writable
	 * preopens cover both; docs/RATIONALE.md).  The header, module and records stay
	 * mapped, the code and memory image go (mapped again, alone, on attach). */
	keep = align_up(rec_off + rec_len, page);
	if (keep < align_up(size, page))
		munmap(f + keep, (size_t)(align_up(size, page) - keep));
	map = f;
	f = MAP_FAILED; /* the module owns [map, map + keep) from here, failing or not */
	err = dec_module_mapped(map + mod_off, (size_t)mod_len, map, (size_t)keep,
				CHIBI_FEATURES_ALL, &m, diag);
	if (!err) {
		err = val_module(m, diag);
		if (err)
			mod_unref(m);
	}
	if (err)
		goto out;
	c->mod = (chibi_module *)m;
	c->img.meta = vm_malloc(meta_len ? (size_t)meta_len : 1);
	c->img.fd = dup(fd);
	if (!c->img.meta || c->img.fd < 0)
		REFUSE(CHIBI_ERR_NOMEM, "out of memory");
	memcpy(c->img.meta, map + meta_off, (size_t)meta_len);
	c->img.meta_len = (size_t)meta_len;
	c->img.code_off = code_off;
	c->img.code_len = (size_t)code_len;
	c->img.flags = get32(map + OFF_FLAGS);
	c->data.fd = c->img.fd;
	c->data.file_off = img_off;
	err = data_image_read(&c->data, m, map + rec_off, rec_len, img_len);
	if (err == CHIBI_ERR_NOMEM)
		REFUSE(err, "out of memory");
	if (err)
		REFUSE(err, "compiled file's data records do not match its module");
	*out = c;
	c = NULL;
out:
	if (f != MAP_FAILED)
		munmap(f, (size_t)st.st_size);
	chibi_compiled_free(c);
	return err;
}

enum chibi_err chibi_compiled_open(const char *path, chibi_compiled **out,
				   struct chibi_diag *diag)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	enum chibi_err err;

	if (fd < 0) {
		*out = NULL;
		return diag_set(diag, CHIBI_ERR_IO, 0, "%s", strerror(errno));
	}
	err = chibi_compiled_open_fd(fd, out, diag);
	close(fd);
	return err;
}

chibi_module *chibi_compiled_module(chibi_compiled *c)
{
	return c ? c->mod : NULL;
}

void chibi_compiled_free(chibi_compiled *c)
{
	if (!c)
		return;
	if (c->img.fd >= 0)
		close(c->img.fd);
	vm_free(c->img.meta);
	vm_free(c->data.seg_off);
	vm_free(c->data.runs);
	chibi_module_free(c->mod);
	vm_free(c);
}

void chibi_store_use_compiled(chibi_store *s, chibi_compiled *c)
{
	if (!s)
		return;
	s->image = c ? &c->img : NULL;
	s->image_mod = c ? (const struct module *)c->mod : NULL;
	s->data_image = c ? &c->data : NULL;
	s->image_note[0] = 0;
}

const char *chibi_store_compiled_note(const chibi_store *s)
{
	return s ? s->image_note : "";
}

void compiled_module_sha(const chibi_compiled *c, uint8_t out[32])
{
	memcpy(out, c->module_sha, SHA256_BYTES);
}
