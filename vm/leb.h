/* vm/leb.h - bounds-checked LEB128 and fixed-width readers for the binary format (spec 5.2.2).
 *
 * Every reader takes a cursor (*pp) and a limit (end), never reads at or past end, and
 * reports failure as an enum leb_status; it does not know about diagnostics.  On success the
 * cursor moves past the value; on failure it points at the offending byte (or at end), so the
 * caller can report a byte offset.  leb_msg() gives the spec wording of each failure.
 */
#ifndef CHIBI_VM_LEB_H
#define CHIBI_VM_LEB_H

#include <stdint.h>
#include <string.h>

enum leb_status {
	LEB_OK = 0,
	LEB_EOF,       /* ran into the limit: "unexpected end" */
	LEB_TOO_LONG,  /* more bytes than ceil(N/7): "integer representation too long" */
	LEB_TOO_LARGE, /* unused bits of the last byte wrong: "integer too large" */
};

static inline const char *leb_msg(int st)
{
	switch (st) {
	case LEB_EOF: return "unexpected end";
	case LEB_TOO_LONG: return "integer representation too long";
	case LEB_TOO_LARGE: return "integer too large";
	default: return "ok";
	}
}

/*
 * Unsigned LEB128 of at most `bits` bits (bits <= 64).  The checks mirror the spec's
 * grammar: once fewer than 7 value bits remain, the payload of that byte must fit in them
 * ("too large" is tested before "too long", as in the reference interpreter, so 0xff as a
 * u32's fifth byte is "integer too large").
 */
static inline int leb_read_unsigned(const uint8_t **pp, const uint8_t *end, unsigned bits,
				    uint64_t *out)
{
	const uint8_t *p = *pp;
	uint64_t v = 0;
	unsigned shift = 0;

	for (;;) {
		if (p >= end) {
			*pp = p;
			return LEB_EOF;
		}
		uint8_t b = *p;
		unsigned left = bits - shift; /* value bits this byte may still carry */

		if (left < 7 && (b & 0x7fu) >= (1u << left)) {
			*pp = p;
			return LEB_TOO_LARGE;
		}
		v |= (uint64_t)(b & 0x7f) << shift;
		p++;
		if (!(b & 0x80))
			break;
		if (left <= 7) {
			*pp = p - 1;
			return LEB_TOO_LONG;
		}
		shift += 7;
	}
	*pp = p;
	*out = v;
	return LEB_OK;
}

/*
 * Signed LEB128 of at most `bits` bits (bits <= 64), sign-extended into *out.  In the last
 * permitted byte the unused high bits must all equal the sign bit:
 *
 *   s32 5th byte:  0 s s s s x x x    (bit 3 is the sign, bits 4..6 copy it)
 *   s64 10th byte: 0 s s s s s s s    (only 0x00 or 0x7f)
 */
static inline int leb_read_signed(const uint8_t **pp, const uint8_t *end, unsigned bits,
				  int64_t *out)
{
	const uint8_t *p = *pp;
	uint64_t v = 0;
	unsigned shift = 0;

	for (;;) {
		if (p >= end) {
			*pp = p;
			return LEB_EOF;
		}
		uint8_t b = *p;
		unsigned left = bits - shift;

		if (left < 7) {
			uint8_t mask = (uint8_t)((0xffu << (left - 1)) & 0x7f);

			if ((b & mask) != 0 && (b & mask) != mask) {
				*pp = p;
				return LEB_TOO_LARGE;
			}
		}
		v |= (uint64_t)(b & 0x7f) << shift;
		p++;
		shift += 7;
		if (!(b & 0x80)) {
			if (shift < 64 && (b & 0x40))
				v |= ~(uint64_t)0 << shift;
			break;
		}
		if (left <= 7) {
			*pp = p - 1;
			return LEB_TOO_LONG;
		}
	}
	*pp = p;
	/* Two's complement reinterpretation without implementation-defined conversion. */
	memcpy(out, &v, sizeof(*out));
	return LEB_OK;
}

static inline int leb_u32(const uint8_t **pp, const uint8_t *end, uint32_t *out)
{
	uint64_t v;
	int st = leb_read_unsigned(pp, end, 32, &v);

	if (st == LEB_OK)
		*out = (uint32_t)v;
	return st;
}

static inline int leb_s32(const uint8_t **pp, const uint8_t *end, int32_t *out)
{
	int64_t v;
	int st = leb_read_signed(pp, end, 32, &v);

	if (st == LEB_OK)
		*out = (int32_t)v; /* in range by construction */
	return st;
}

/* s33 is only used by block types: a type index or a negative one-byte type code. */
static inline int leb_s33(const uint8_t **pp, const uint8_t *end, int64_t *out)
{
	return leb_read_signed(pp, end, 33, out);
}

static inline int leb_s64(const uint8_t **pp, const uint8_t *end, int64_t *out)
{
	return leb_read_signed(pp, end, 64, out);
}

static inline int rd_byte(const uint8_t **pp, const uint8_t *end, uint8_t *out)
{
	if (*pp >= end)
		return LEB_EOF;
	*out = *(*pp)++;
	return LEB_OK;
}

/* n raw bytes: *out points at them (no copy).  If fewer remain the cursor moves to end, where
 * the reference interpreter reports the error. */
static inline int rd_bytes(const uint8_t **pp, const uint8_t *end, size_t n,
			   const uint8_t **out)
{
	if ((size_t)(end - *pp) < n) {
		*pp = end;
		return LEB_EOF;
	}
	*out = *pp;
	*pp += n;
	return LEB_OK;
}

/* Little-endian fixed-width values (float immediates, the version field). */
static inline int rd_u32le(const uint8_t **pp, const uint8_t *end, uint32_t *out)
{
	const uint8_t *b;
	int st = rd_bytes(pp, end, 4, &b);

	if (st == LEB_OK)
		*out = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 |
		       (uint32_t)b[3] << 24;
	return st;
}

static inline int rd_u64le(const uint8_t **pp, const uint8_t *end, uint64_t *out)
{
	const uint8_t *b;
	int st = rd_bytes(pp, end, 8, &b);

	if (st == LEB_OK) {
		uint64_t v = 0;

		for (int i = 7; i >= 0; i--)
			v = v << 8 | b[i];
		*out = v;
	}
	return st;
}

#endif
