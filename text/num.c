/* text/num.c - integer and float literals of the text format (spec 6.3.1, 6.3.2).
 *
 * Integers: decimal or 0x hex, '_' only between digits, an optional sign; iN takes uN or
 * sN.  Floats: inf, nan, nan:0x payloads, decimal and hex forms.  The digits (separators
 * removed) go to glibc's strtof for f32 and strtod for f64: both round correctly from the
 * exact decimal or binary value, so an f32 literal is rounded once, never through a double
 * (docs/RATIONALE.md, "text reader: float literals").
 */
#include <locale.h>
#include <math.h>
#include <pthread.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "../util/hex.h"
#include "../vm/alloc.h"
#include "wat_int.h"

/* strtod follows LC_NUMERIC; literals always use '.', whatever locale an embedder set. */
static locale_t c_locale;
static pthread_once_t c_locale_once = PTHREAD_ONCE_INIT;

static void make_c_locale(void)
{
	c_locale = newlocale(LC_ALL_MASK, "C", (locale_t)0);
}

static int digit_val(char c, bool hex)
{
	if (hex)
		return hex_digit(c);
	return c >= '0' && c <= '9' ? c - '0' : -1;
}

/* digit ('_'? digit)*: the end of the run, or NULL if it does not start with a digit or
 * an '_' is not between two digits. */
static const char *digits(const char *p, const char *end, bool hex)
{
	if (p >= end || digit_val(*p, hex) < 0)
		return NULL;
	p++;
	while (p < end) {
		if (*p == '_') {
			if (p + 1 >= end || digit_val(p[1], hex) < 0)
				return NULL;
			p++;
		} else if (digit_val(*p, hex) < 0) {
			break;
		}
		p++;
	}
	return p;
}

/* An unsigned integer literal (no sign): its value, false when malformed or above 2^64-1. */
static bool read_unsigned(const char *s, size_t len, uint64_t *out)
{
	const char *end = s + len, *p = s, *e;
	bool hex = len > 2 && s[0] == '0' && s[1] == 'x';
	uint64_t v = 0, base = hex ? 16 : 10;

	if (hex)
		p += 2;
	e = digits(p, end, hex);
	if (!e || e != end)
		return false;
	for (; p < end; p++) {
		int d;

		if (*p == '_')
			continue;
		d = digit_val(*p, hex);
		if (v > (UINT64_MAX - (uint64_t)d) / base)
			return false;
		v = v * base + (uint64_t)d;
	}
	*out = v;
	return true;
}

bool wat_read_uint(const char *s, size_t len, uint64_t max, uint64_t *out)
{
	uint64_t v;

	if (!read_unsigned(s, len, &v) || v > max)
		return false;
	*out = v;
	return true;
}

bool wat_read_int(const char *s, size_t len, unsigned bits, uint64_t *out)
{
	uint64_t v, umax = bits == 64 ? UINT64_MAX : (1ull << bits) - 1;
	uint64_t half = 1ull << (bits - 1);

	if (!len)
		return false;
	if (s[0] == '+' || s[0] == '-') {
		if (!read_unsigned(s + 1, len - 1, &v))
			return false;
		if (s[0] == '+' ? v >= half : v > half)
			return false;
		*out = (s[0] == '-' ? 0 - v : v) & umax;
		return true;
	}
	if (!read_unsigned(s, len, &v) || v > umax)
		return false;
	*out = v;
	return true;
}

/* The syntax of a finite float literal without sign: decimal or hex.  Copies it without
 * '_' into o (room for len + 1). */
static bool float_syntax(const char *p, const char *end, char *o)
{
	bool hex = end - p > 2 && p[0] == '0' && p[1] == 'x';
	const char *q = p + (hex ? 2 : 0), *e;

	e = digits(q, end, hex);
	if (!e)
		return false;
	if (e < end && *e == '.') {
		e++;
		if (e < end && digit_val(*e, hex) >= 0) {
			e = digits(e, end, hex);
			if (!e)
				return false;
		}
	}
	if (e < end && (hex ? (*e == 'p' || *e == 'P') : (*e == 'e' || *e == 'E'))) {
		e++;
		if (e < end && (*e == '+' || *e == '-'))
			e++;
		e = digits(e, end, false);
		if (!e)
			return false;
	}
	if (e != end)
		return false;
	if (!o)
		return true;
	for (; p < end; p++)
		if (*p != '_')
			*o++ = *p;
	/* strtod wants a binary exponent on hex floats with a fraction point only when... never:
	 * "0x1.8" is accepted as is. */
	*o = '\0';
	return true;
}

bool wat_is_int_syntax(const char *s, size_t len)
{
	const char *p = s, *end = s + len;
	bool hex;

	if (p < end && (*p == '+' || *p == '-'))
		p++;
	hex = end - p > 2 && p[0] == '0' && p[1] == 'x';
	return digits(p + (hex ? 2 : 0), end, hex) == end;
}

bool wat_is_float_syntax(const char *s, size_t len)
{
	const char *p = s, *end = s + len;
	uint64_t v;

	if (p < end && (*p == '+' || *p == '-'))
		p++;
	if ((end - p == 3 && (!memcmp(p, "inf", 3) || !memcmp(p, "nan", 3))) ||
	    (end - p > 6 && !memcmp(p, "nan:0x", 6) && read_unsigned(p + 4, (size_t)(end - p - 4),
								      &v)))
		return true;
	return float_syntax(p, end, NULL);
}

bool wat_read_float(const char *s, size_t len, unsigned bits, uint64_t *out)
{
	const char *p = s, *end = s + len;
	bool neg = false;
	uint64_t sign, exp_mask, payload_max;
	char small[256], *tmp;
	bool ok;

	if (bits == 32) {
		sign = 1ull << 31;
		exp_mask = 0x7f800000ull;
		payload_max = (1ull << 23) - 1;
	} else {
		sign = 1ull << 63;
		exp_mask = 0x7ff0000000000000ull;
		payload_max = (1ull << 52) - 1;
	}
	if (p < end && (*p == '+' || *p == '-'))
		neg = *p++ == '-';
	if (end - p == 3 && !memcmp(p, "inf", 3)) {
		*out = (neg ? sign : 0) | exp_mask;
		return true;
	}
	if (end - p == 3 && !memcmp(p, "nan", 3)) {
		*out = (neg ? sign : 0) | exp_mask | (payload_max + 1) >> 1;
		return true;
	}
	if (end - p > 6 && !memcmp(p, "nan:0x", 6)) {
		uint64_t payload;

		if (!read_unsigned(p + 4, (size_t)(end - p - 4), &payload) || !payload ||
		    payload > payload_max)
			return false;
		*out = (neg ? sign : 0) | exp_mask | payload;
		return true;
	}
	/* the copy without '_' for strtod: on the stack for every literal of sane length */
	tmp = end - p < (ptrdiff_t)sizeof(small) - 2 ? small : vm_malloc((size_t)(end - p) + 2);
	if (!tmp)
		return false;
	tmp[0] = neg ? '-' : '+';
	ok = float_syntax(p, end, tmp + 1);
	pthread_once(&c_locale_once, make_c_locale);
	if (ok && bits == 32) {
		float f = c_locale ? strtof_l(tmp, NULL, c_locale) : strtof(tmp, NULL);
		uint32_t b;

		memcpy(&b, &f, 4);
		ok = !isinf(f);
		*out = b;
	} else if (ok) {
		double d = c_locale ? strtod_l(tmp, NULL, c_locale) : strtod(tmp, NULL);

		memcpy(out, &d, 8);
		ok = !isinf(d);
	}
	if (tmp != small)
		vm_free(tmp);
	return ok;
}
