/* jit/codebuf.h - where machine code is built and where it finally lives.
 *
 * struct codebuf is the emission buffer of one compilation: a growable heap buffer plus
 * labels, label fix-ups, relocations against absolute addresses and the optional map from
 * wasm byte offsets to code offsets (for `chibi inspect`).  struct code_arena is a store's
 * executable memory: one address-space reservation holding a read-write data region (the
 * jit_func records that code addresses rip/pc-relatively) and a code region whose pages are
 * either writable or executable, never both.
 *
 * Nothing here knows an instruction set: fix-ups and relocations carry a back-end defined
 * `kind` and are applied through the back end's be_patch().
 */
#ifndef CHIBI_JIT_CODEBUF_H
#define CHIBI_JIT_CODEBUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A use of a label whose position is not known yet (forward branch, jump-table entry). */
struct cb_fixup {
	uint32_t pos;    /* byte offset of the field to patch */
	uint32_t label;
	uint8_t kind;    /* back-end defined (x64: rel32 from pos + 4, table entry, ...) */
	uint32_t base;   /* kind-specific: offset the displacement is relative to */
};

/* A use of an absolute address outside the buffer (another function, a jit_func record);
 * applied after the code is copied to its final place. */
struct cb_reloc {
	uint32_t pos;
	uint8_t kind;
	uintptr_t target;
};

/* One entry of the wasm -> code map. */
struct cb_mark {
	uint32_t wasm_off; /* byte offset of the instruction in the module binary */
	uint32_t code_off;
};

struct codebuf {
	uint8_t *p;
	size_t len, cap;
	bool oom;          /* a growth failed: the contents are garbage and must be dropped */
	size_t last_bind;  /* offset where a label was last bound (control may merge there) */
	uint32_t npoison;  /* encoders that were handed an operand they cannot encode */
	uint8_t sink[64];  /* p after a growth failed with nothing to rewind into (see cb_grow) */
	int32_t *label_pos;   /* -1 = not bound yet */
	uint32_t nlabels;
	size_t cap_labels;
	struct cb_fixup *fixups;
	uint32_t nfixups;
	size_t cap_fixups;
	struct cb_reloc *relocs;
	uint32_t nrelocs;
	size_t cap_relocs;
	bool want_marks;
	struct cb_mark *marks;
	uint32_t nmarks;
	size_t cap_marks;
	/* code ranges that hold data (jump tables), so disassemblers can skip them */
	uint32_t *data_ranges; /* pairs start, end */
	uint32_t ndata;
	size_t cap_data;
};

void cb_init(struct codebuf *cb);
/* Forget the contents but keep the allocations (one codebuf is reused across functions). */
void cb_reset(struct codebuf *cb);
void cb_free(struct codebuf *cb);

/* Make room for n more bytes; on failure sets oom and rewinds, so callers never overflow. */
void cb_grow(struct codebuf *cb, size_t n);

static inline void cb_put8(struct codebuf *cb, uint8_t b)
{
	if (cb->len >= cb->cap)
		cb_grow(cb, 1);
	cb->p[cb->len++] = b;
}

static inline void cb_put32(struct codebuf *cb, uint32_t v)
{
	if (cb->len + 4 > cb->cap)
		cb_grow(cb, 4);
	cb->p[cb->len++] = (uint8_t)v;
	cb->p[cb->len++] = (uint8_t)(v >> 8);
	cb->p[cb->len++] = (uint8_t)(v >> 16);
	cb->p[cb->len++] = (uint8_t)(v >> 24);
}

static inline void cb_put64(struct codebuf *cb, uint64_t v)
{
	cb_put32(cb, (uint32_t)v);
	cb_put32(cb, (uint32_t)(v >> 32));
}

static inline void cb_patch32(struct codebuf *cb, size_t pos, uint32_t v)
{
	if (pos + 4 > cb->len)
		return; /* only after an oom rewind */
	cb->p[pos] = (uint8_t)v;
	cb->p[pos + 1] = (uint8_t)(v >> 8);
	cb->p[pos + 2] = (uint8_t)(v >> 16);
	cb->p[pos + 3] = (uint8_t)(v >> 24);
}

static inline uint32_t cb_pos(const struct codebuf *cb)
{
	return (uint32_t)cb->len;
}

/* Labels.  A label is a small integer; bind it once, use it any number of times. */
uint32_t cb_label_new(struct codebuf *cb);
void cb_bind(struct codebuf *cb, uint32_t label);
static inline int32_t cb_label_pos(const struct codebuf *cb, uint32_t label)
{
	return label < cb->nlabels ? cb->label_pos[label] : -1;
}
/* Record that the field at pos refers to label (resolved by cb_resolve). */
void cb_fixup(struct codebuf *cb, uint32_t pos, uint32_t label, uint8_t kind, uint32_t base);
void cb_reloc(struct codebuf *cb, uint32_t pos, uint8_t kind, uintptr_t target);
/* Record that the next instruction implements the wasm instruction at wasm_off. */
void cb_mark(struct codebuf *cb, uint32_t wasm_off);
void cb_data_range(struct codebuf *cb, uint32_t start, uint32_t end);

/* Patch every fix-up through the back end.  False if a label was never bound. */
bool cb_resolve(struct codebuf *cb);

/* ---- executable memory ---- */

struct code_arena {
	uint8_t *base;      /* reservation, PROT_NONE except what is described below */
	size_t size;
	size_t data_top;    /* [base, base + data_top) allocated read-write data */
	size_t data_end;    /* end of the data region (read-write, lazily backed) */
	size_t code_top;    /* first free byte of the code region */
	size_t committed;   /* [data_end, committed) has been filled with trap bytes once */
	size_t wlo, whi;    /* code pages that are read-write right now (wlo == whi: none) */
};

/* Reserve `size` bytes with `data_size` of them for data.  False on failure. */
bool arena_init(struct code_arena *a, size_t size, size_t data_size);
void arena_free(struct code_arena *a);
/* n zeroed bytes of read-write data, 16-byte aligned; NULL when the region is full. */
void *arena_data_alloc(struct code_arena *a, size_t n);
/* Copy n bytes of code into the arena (16-byte aligned start), leaving its pages
 * read-write so relocations can be applied: returns where they went, or NULL when full.
 * Pages stay writable (and not executable) across several puts, so a batch of functions
 * costs two page-protection changes; arena_seal() must run before anything executes. */
uint8_t *arena_code_put(struct code_arena *a, const uint8_t *code, size_t n);
/* Make every page opened by arena_code_put executable again (read + execute, not write). */
bool arena_seal(struct code_arena *a);
/* Images (compiled files, jit/aot.c): got_size bytes of zeroed read-write records at the
 * next page of the code region, code following them.  arena_image_begin leaves code_top
 * after the records, so the image's functions are then put one after another as usual;
 * arena_image_map maps code_len bytes of fd at off (page-aligned) there instead, read +
 * execute, MAP_PRIVATE: never written, so every process mapping the file shares its pages.
 * Both return the image start, or NULL (arena full, mmap failed). */
uint8_t *arena_image_begin(struct code_arena *a, size_t got_size);
uint8_t *arena_image_map(struct code_arena *a, size_t got_size, int fd, uint64_t off,
			 size_t code_len);
/* True if addr lies in the arena's code region. */
static inline bool arena_has_code(const struct code_arena *a, uintptr_t addr)
{
	return addr >= (uintptr_t)a->base + a->data_end && addr < (uintptr_t)a->base + a->code_top;
}

#endif
