/* util/json.c - the recursive-descent JSON reader (see json.h): wast2json output for
 * `chibi wast`, OCI bundle config.json for the shim.
 *
 * Strict RFC 8259 grammar, because a lenient reader would hide a truncated or corrupted
 * script; bounded recursion, because a hostile file must not overflow the C stack.  It does
 * not validate UTF-8 in raw string bytes (export names are passed through to the engine).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hex.h"
#include "json.h"
#include "../vm/alloc.h"

#define MAX_DEPTH 512

/* One parse: the input, the read position, and where the first error message goes. */
struct parser {
	const char *text;  /* the document (not necessarily NUL-terminated) */
	size_t len;
	size_t pos;        /* next byte to read; error positions are reported from it */
	char *err;         /* caller's message buffer, may be NULL */
	size_t errlen;
	bool failed;       /* an error was recorded: later ones are not */
};

static void fail(struct parser *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Record the first error only: later ones are consequences of it. */
static void fail(struct parser *p, const char *fmt, ...)
{
	size_t line = 1, col = 1;
	va_list ap;
	int n;

	if (p->failed)
		return;
	p->failed = true;
	if (!p->err || !p->errlen)
		return;
	for (size_t i = 0; i < p->pos && i < p->len; i++) {
		if (p->text[i] == '\n') {
			line++;
			col = 1;
		} else {
			col++;
		}
	}
	n = snprintf(p->err, p->errlen, "line %zu, column %zu: ", line, col);
	if (n < 0 || (size_t)n >= p->errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(p->err + n, p->errlen - n, fmt, ap);
	va_end(ap);
}

/* Skip the four white-space characters RFC 8259 allows (no others, no comments). */
static void skip_ws(struct parser *p)
{
	while (p->pos < p->len) {
		char c = p->text[p->pos];

		if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
			break;
		p->pos++;
	}
}

/* -1 at end of input, so callers can switch on it without a bounds check of their own. */
static int peek(const struct parser *p)
{
	return p->pos < p->len ? (unsigned char)p->text[p->pos] : -1;
}

/* Consume `word` (true, false, null) at p->pos, or fail. */
static bool literal(struct parser *p, const char *word)
{
	size_t n = strlen(word);

	if (p->len - p->pos < n || memcmp(p->text + p->pos, word, n) != 0) {
		fail(p, "invalid literal");
		return false;
	}
	p->pos += n;
	return true;
}

/* Four hex digits after "\u"; -1 (and an error) if they are not there. */
static long hex4(struct parser *p)
{
	long v = 0;

	if (p->len - p->pos < 4) {
		fail(p, "truncated \\u escape");
		return -1;
	}
	for (int i = 0; i < 4; i++) {
		int h = hex_digit((unsigned char)p->text[p->pos + i]);

		if (h < 0) {
			fail(p, "bad hex digit in \\u escape");
			return -1;
		}
		v = v * 16 + h;
	}
	p->pos += 4;
	return v;
}

/* Encode code point cp (at most 0x10FFFF, never a surrogate: hex4's callers pair them) as
 * UTF-8 into out[0..4); returns the byte count. */
static size_t put_utf8(char *out, unsigned long cp)
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xc0 | (cp >> 6));
		out[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xe0 | (cp >> 12));
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		out[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | (cp >> 18));
	out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	out[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/* Parse a string starting at the opening quote.  The decoded form is never longer than the
 * source (every escape shrinks or keeps its size), so one allocation of the source span
 * suffices. */
static bool parse_string(struct parser *p, char **out_s, size_t *out_len)
{
	size_t start = ++p->pos, end = start;
	char *buf, *o;

	/* Find the closing quote first to size the buffer. */
	while (end < p->len && p->text[end] != '"')
		end += p->text[end] == '\\' ? 2 : 1;
	if (end >= p->len) {
		fail(p, "unterminated string");
		return false;
	}
	buf = vm_malloc(end - start + 1);
	if (!buf) {
		fail(p, "out of memory");
		return false;
	}
	o = buf;
	while (p->pos < end) {
		unsigned char c = (unsigned char)p->text[p->pos];
		long cp, lo;

		if (c < 0x20) {
			fail(p, "control character in string");
			goto fail;
		}
		if (c != '\\') {
			*o++ = (char)c;
			p->pos++;
			continue;
		}
		p->pos++;
		c = (unsigned char)p->text[p->pos++];
		switch (c) {
		case '"': *o++ = '"'; break;
		case '\\': *o++ = '\\'; break;
		case '/': *o++ = '/'; break;
		case 'b': *o++ = '\b'; break;
		case 'f': *o++ = '\f'; break;
		case 'n': *o++ = '\n'; break;
		case 'r': *o++ = '\r'; break;
		case 't': *o++ = '\t'; break;
		case 'u':
			cp = hex4(p);
			if (cp < 0)
				goto fail;
			if (cp >= 0xdc00 && cp <= 0xdfff) {
				fail(p, "unpaired low surrogate in \\u escape");
				goto fail;
			}
			if (cp >= 0xd800 && cp <= 0xdbff) {
				/* A high surrogate must be followed by an escaped low one. */
				if (p->len - p->pos < 2 || p->text[p->pos] != '\\' ||
				    p->text[p->pos + 1] != 'u') {
					fail(p, "unpaired high surrogate in \\u escape");
					goto fail;
				}
				p->pos += 2;
				lo = hex4(p);
				if (lo < 0)
					goto fail;
				if (lo < 0xdc00 || lo > 0xdfff) {
					fail(p, "unpaired high surrogate in \\u escape");
					goto fail;
				}
				cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
			}
			o += put_utf8(o, (unsigned long)cp);
			break;
		default:
			p->pos--;
			fail(p, "invalid escape '\\%c'", c >= 0x20 && c < 0x7f ? c : '?');
			goto fail;
		}
	}
	/* The scan above may have let "\"" past `end` only if the input ended early. */
	if (p->pos != end) {
		fail(p, "unterminated string");
		goto fail;
	}
	p->pos = end + 1;
	*o = '\0';
	*out_s = buf;
	*out_len = (size_t)(o - buf);
	return true;
fail:
	vm_free(buf);
	return false;
}

/* Parse a number at p->pos into *out.  The grammar is checked here, the conversion left to
 * strtod (on a NUL-terminated copy: the text need not be terminated).  Integers beyond 2^53
 * lose precision; the spec runner carries exact values as strings, so none of its numbers
 * go through here. */
static bool parse_number(struct parser *p, double *out)
{
	size_t start = p->pos;
	char small[64], *copy = small;
	size_t n;

	/* Check the strict grammar by hand; strtod would accept hex, inf, leading '+' etc. */
	if (peek(p) == '-')
		p->pos++;
	if (peek(p) == '0') {
		p->pos++;
	} else if (peek(p) >= '1' && peek(p) <= '9') {
		while (peek(p) >= '0' && peek(p) <= '9')
			p->pos++;
	} else {
		fail(p, "invalid number");
		return false;
	}
	if (peek(p) == '.') {
		p->pos++;
		if (!(peek(p) >= '0' && peek(p) <= '9')) {
			fail(p, "digit expected after '.'");
			return false;
		}
		while (peek(p) >= '0' && peek(p) <= '9')
			p->pos++;
	}
	if (peek(p) == 'e' || peek(p) == 'E') {
		p->pos++;
		if (peek(p) == '+' || peek(p) == '-')
			p->pos++;
		if (!(peek(p) >= '0' && peek(p) <= '9')) {
			fail(p, "digit expected in exponent");
			return false;
		}
		while (peek(p) >= '0' && peek(p) <= '9')
			p->pos++;
	}
	n = p->pos - start;
	if (n >= sizeof(small)) {
		copy = vm_malloc(n + 1);
		if (!copy) {
			fail(p, "out of memory");
			return false;
		}
	}
	memcpy(copy, p->text + start, n);
	copy[n] = '\0';
	*out = strtod(copy, NULL);
	if (copy != small)
		vm_free(copy);
	return true;
}

static void free_value(struct json *v);
static bool parse_value(struct parser *p, struct json *out, int depth);

/* Parse an array at its '[' into *out: its items in one vector, grown by VM_GROW.  On
 * failure the items parsed so far are freed and *out owns nothing. */
static bool parse_array(struct parser *p, struct json *out, int depth)
{
	struct json *items = NULL;
	size_t n = 0, cap = 0;

	p->pos++; /* '[' */
	skip_ws(p);
	if (peek(p) == ']') {
		p->pos++;
		goto done;
	}
	for (;;) {
		if (!VM_GROW(items, cap, n + 1)) {
			fail(p, "out of memory");
			goto fail;
		}
		if (!parse_value(p, &items[n], depth + 1))
			goto fail;
		n++;
		skip_ws(p);
		if (peek(p) == ',') {
			p->pos++;
			continue;
		}
		if (peek(p) == ']') {
			p->pos++;
			break;
		}
		fail(p, "expected ',' or ']' in array");
		goto fail;
	}
done:
	out->type = JSON_ARRAY;
	out->u.arr.items = items;
	out->u.arr.n = n;
	return true;
fail:
	for (size_t i = 0; i < n; i++)
		free_value(&items[i]);
	vm_free(items);
	return false;
}

/* Parse an object at its '{' into *out, members in document order (duplicate keys are
 * kept; json_get returns the first).  Ownership on failure as for parse_array. */
static bool parse_object(struct parser *p, struct json *out, int depth)
{
	struct json_member *m = NULL;
	size_t n = 0, cap = 0;

	p->pos++; /* '{' */
	skip_ws(p);
	if (peek(p) == '}') {
		p->pos++;
		goto done;
	}
	for (;;) {
		skip_ws(p);
		if (peek(p) != '"') {
			fail(p, "expected a string key in object");
			goto fail;
		}
		if (!VM_GROW(m, cap, n + 1)) {
			fail(p, "out of memory");
			goto fail;
		}
		if (!parse_string(p, &m[n].key, &m[n].key_len))
			goto fail;
		skip_ws(p);
		if (peek(p) != ':') {
			vm_free(m[n].key);
			fail(p, "expected ':' after object key");
			goto fail;
		}
		p->pos++;
		if (!parse_value(p, &m[n].value, depth + 1)) {
			vm_free(m[n].key);
			goto fail;
		}
		n++;
		skip_ws(p);
		if (peek(p) == ',') {
			p->pos++;
			continue;
		}
		if (peek(p) == '}') {
			p->pos++;
			break;
		}
		fail(p, "expected ',' or '}' in object");
		goto fail;
	}
done:
	out->type = JSON_OBJECT;
	out->u.obj.members = m;
	out->u.obj.n = n;
	return true;
fail:
	for (size_t i = 0; i < n; i++) {
		vm_free(m[i].key);
		free_value(&m[i].value);
	}
	vm_free(m);
	return false;
}

/* Parse any value at p->pos (after white space) into *out, which is zeroed first so that a
 * failure leaves nothing to free.  depth counts enclosing arrays and objects. */
static bool parse_value(struct parser *p, struct json *out, int depth)
{
	memset(out, 0, sizeof(*out));
	if (depth > MAX_DEPTH) {
		fail(p, "nesting deeper than %d levels", MAX_DEPTH);
		return false;
	}
	skip_ws(p);
	switch (peek(p)) {
	case -1:
		fail(p, "unexpected end of input");
		return false;
	case '{':
		return parse_object(p, out, depth);
	case '[':
		return parse_array(p, out, depth);
	case '"':
		out->type = JSON_STRING;
		return parse_string(p, &out->u.str.s, &out->u.str.len);
	case 't':
		out->type = JSON_BOOL;
		out->u.b = true;
		return literal(p, "true");
	case 'f':
		out->type = JSON_BOOL;
		return literal(p, "false");
	case 'n':
		out->type = JSON_NULL;
		return literal(p, "null");
	default:
		if (peek(p) != '-' && !(peek(p) >= '0' && peek(p) <= '9')) {
			fail(p, "unexpected character '%c'", peek(p) >= 0x20 && peek(p) < 0x7f
			     ? peek(p) : '?');
			return false;
		}
		out->type = JSON_NUMBER;
		return parse_number(p, &out->u.num);
	}
}

/* Free what a node owns, not the node itself (nodes live inside their parent's vector). */
static void free_value(struct json *v)
{
	switch (v->type) {
	case JSON_STRING:
		vm_free(v->u.str.s);
		break;
	case JSON_ARRAY:
		for (size_t i = 0; i < v->u.arr.n; i++)
			free_value(&v->u.arr.items[i]);
		vm_free(v->u.arr.items);
		break;
	case JSON_OBJECT:
		for (size_t i = 0; i < v->u.obj.n; i++) {
			vm_free(v->u.obj.members[i].key);
			free_value(&v->u.obj.members[i].value);
		}
		vm_free(v->u.obj.members);
		break;
	default:
		break;
	}
}

/* See json.h.  The root is the one node allocated on its own. */
struct json *json_parse(const char *text, size_t len, char *err, size_t errlen)
{
	struct parser p = { .text = text, .len = len, .err = err, .errlen = errlen };
	struct json *root;

	if (err && errlen)
		err[0] = '\0';
	if (!text) {
		p.len = 0;
		p.text = "";
	}
	root = vm_malloc(sizeof(*root));
	if (!root) {
		fail(&p, "out of memory");
		return NULL;
	}
	if (!parse_value(&p, root, 0)) {
		vm_free(root);
		return NULL;
	}
	skip_ws(&p);
	if (p.pos != p.len) {
		fail(&p, "unexpected data after the JSON value");
		json_free(root);
		return NULL;
	}
	return root;
}

/* See json.h. */
void json_free(struct json *v)
{
	if (!v)
		return;
	free_value(v);
	vm_free(v);
}

/* See json.h.  A linear scan: objects in the documents read here have tens of members.
 * The length check keeps a key with an embedded NUL from matching its prefix. */
const struct json *json_get(const struct json *obj, const char *key)
{
	if (!obj || obj->type != JSON_OBJECT || !key)
		return NULL;
	for (size_t i = 0; i < obj->u.obj.n; i++) {
		const struct json_member *m = &obj->u.obj.members[i];

		if (!strcmp(m->key, key) && m->key_len == strlen(key))
			return &m->value;
	}
	return NULL;
}

const struct json *json_at(const struct json *arr, size_t i)
{
	if (!arr || arr->type != JSON_ARRAY || i >= arr->u.arr.n)
		return NULL;
	return &arr->u.arr.items[i];
}

size_t json_count(const struct json *v)
{
	if (!v)
		return 0;
	if (v->type == JSON_ARRAY)
		return v->u.arr.n;
	if (v->type == JSON_OBJECT)
		return v->u.obj.n;
	return 0;
}

const char *json_str(const struct json *v)
{
	return v && v->type == JSON_STRING ? v->u.str.s : NULL;
}

const char *json_get_str(const struct json *obj, const char *key)
{
	return json_str(json_get(obj, key));
}
