/* wasi/guest.h - checked access to guest linear memory; the only way WASI touches it.
 *
 * Every guest pointer/length pair goes through guest_slice(), which returns NULL when any byte
 * of the range lies outside chibi_memory_size(); the caller turns that into WASI_EFAULT.
 * Loads and stores are little-endian and assembled byte by byte, so a misaligned guest
 * pointer is never undefined behaviour on the host.
 */
#ifndef CHIBI_WASI_GUEST_H
#define CHIBI_WASI_GUEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "chibi.h"

/* A snapshot of the caller's memory; valid until the guest memory grows. */
struct guest {
	uint8_t *base;
	uint64_t size;
};

static inline struct guest guest_of(chibi_caller *c)
{
	struct guest g = { NULL, 0 };
	chibi_memory *m = c ? chibi_caller_memory(c) : NULL;

	if (m) {
		g.base = chibi_memory_data(m);
		g.size = chibi_memory_size(m);
		if (!g.base)
			g.size = 0;
	}
	return g;
}

/* True when [off, off+len) lies inside memory.  64-bit arithmetic: no overflow possible for
 * 32-bit offsets and lengths up to 2^32 * 48 (the largest product the handlers form). */
static inline bool guest_ok(const struct guest *g, uint64_t off, uint64_t len)
{
	return off <= g->size && len <= g->size - off;
}

/* Host pointer for [off, off+len), or NULL when out of bounds.  A zero-length range at a
 * valid offset (even == size) is fine and always returns a non-NULL pointer. */
static inline uint8_t *guest_slice(const struct guest *g, uint64_t off, uint64_t len)
{
	static uint8_t empty; /* stands in for a zero-length range when there is no memory */

	if (!guest_ok(g, off, len))
		return NULL;
	if (!g->base)
		return &empty; /* size 0, so len is 0 too */
	return g->base + off;
}

static inline uint16_t ld_u16(const uint8_t *p)
{
	return (uint16_t)(p[0] | (p[1] << 8));
}

static inline uint32_t ld_u32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static inline uint64_t ld_u64(const uint8_t *p)
{
	return (uint64_t)ld_u32(p) | (uint64_t)ld_u32(p + 4) << 32;
}

static inline void st_u8(uint8_t *p, uint8_t v)
{
	p[0] = v;
}

static inline void st_u16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static inline void st_u32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static inline void st_u64(uint8_t *p, uint64_t v)
{
	st_u32(p, (uint32_t)v);
	st_u32(p + 4, (uint32_t)(v >> 32));
}

/* Store a u32 / u64 result at guest offset `off`; false (-> EFAULT) when out of bounds. */
static inline bool guest_put_u32(const struct guest *g, uint32_t off, uint32_t v)
{
	uint8_t *p = guest_slice(g, off, 4);

	if (!p)
		return false;
	st_u32(p, v);
	return true;
}

static inline bool guest_put_u64(const struct guest *g, uint32_t off, uint64_t v)
{
	uint8_t *p = guest_slice(g, off, 8);

	if (!p)
		return false;
	st_u64(p, v);
	return true;
}

#endif
