/* text/buf.c - the growable byte string the encoder writes (struct buf), with the
 * binary format's LEB128 and name encodings (spec 5.2.2, 5.2.4).
 */
#include <string.h>

#include "../vm/alloc.h"
#include "wat_int.h"

void buf_bytes(struct buf *b, const void *p, size_t n)
{
	if (b->oom || !n)
		return;
	if (!VM_GROW(b->p, b->cap, b->len + n)) {
		b->oom = true;
		return;
	}
	memcpy(b->p + b->len, p, n);
	b->len += n;
}

void buf_put(struct buf *b, uint8_t byte)
{
	buf_bytes(b, &byte, 1);
}

void buf_u64(struct buf *b, uint64_t v)
{
	uint8_t tmp[10];
	size_t n = 0;

	do {
		uint8_t byte = v & 0x7f;

		v >>= 7;
		tmp[n++] = (uint8_t)(byte | (v ? 0x80 : 0));
	} while (v);
	buf_bytes(b, tmp, n);
}

void buf_u32(struct buf *b, uint32_t v)
{
	buf_u64(b, v);
}

void buf_s64(struct buf *b, int64_t v)
{
	uint8_t tmp[10];
	size_t n = 0;
	bool more = true;

	while (more) {
		uint8_t byte = (uint8_t)(v & 0x7f);

		v >>= 7; /* arithmetic shift: gcc and clang define it for negative values */
		more = !((v == 0 && !(byte & 0x40)) || (v == -1 && (byte & 0x40)));
		tmp[n++] = (uint8_t)(byte | (more ? 0x80 : 0));
	}
	buf_bytes(b, tmp, n);
}

void buf_name(struct buf *b, const char *s, size_t n)
{
	buf_u32(b, (uint32_t)n);
	buf_bytes(b, s, n);
}

void buf_free(struct buf *b)
{
	vm_free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
	b->oom = false;
}
