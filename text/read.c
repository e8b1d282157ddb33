/* text/read.c - the lexer and s-expression reader of the text format (spec 6.2, 6.3).
 *
 * Text -> tree of lists, atoms, ids and strings (struct wat_node), each with its line and
 * column.  Comments (`;;`, nested `(; ;)`) and annotations `(@name ...)` (the annotations
 * proposal) are dropped here, so no later stage sees them; strings are decoded here.  The
 * reader keeps its own stack of open lists, so nesting depth costs heap, never C stack.
 * Entry points: wat_read, wat_tree_free.
 */
#include <stdio.h>
#include <string.h>

#include "../util/hex.h"
#include "../vm/alloc.h"
#include "wat.h"
#include "wat_int.h"

/* ---- arena: every node and decoded string of a tree, freed at once ------------------ */

#define ARENA_CHUNK 65536

struct wat_arena {
	struct wat_arena *prev;
	size_t used, cap;
	_Alignas(16) unsigned char mem[];
};

void *wat_arena_alloc(struct wat_arena **a, size_t n)
{
	struct wat_arena *c = *a;

	n = (n + 15) & ~(size_t)15;
	if (!c || c->cap - c->used < n) {
		size_t cap = n > ARENA_CHUNK ? n : ARENA_CHUNK;

		c = vm_malloc(sizeof(*c) + cap);
		if (!c)
			return NULL;
		c->prev = *a;
		c->used = 0;
		c->cap = cap;
		*a = c;
	}
	c->used += n;
	return c->mem + c->used - n;
}

void wat_arena_free(struct wat_arena *a)
{
	while (a) {
		struct wat_arena *p = a->prev;

		vm_free(a);
		a = p;
	}
}

void wat_tree_free(struct wat_tree *t)
{
	if (!t)
		return;
	wat_arena_free(t->arena);
	t->arena = NULL;
	t->top = NULL;
}

/* ---- lexer ---------------------------------------------------------------------------- */

struct lexer {
	const char *src, *end, *p;
	unsigned line;
	const char *line_start;
	struct wat_error *err;
	bool failed;
};

static bool fail_at(struct lexer *lx, const char *at, const char *msg)
{
	unsigned line = lx->line;
	const char *ls = lx->line_start;

	/* `at` is on the current line or an earlier one only for multi-line tokens; recount. */
	if (at < ls) {
		line = 1;
		ls = lx->src;
		for (const char *q = lx->src; q < at; q++)
			if (*q == '\n') {
				line++;
				ls = q + 1;
			}
	}
	if (!lx->failed && !strcmp(msg, "out of memory")) {
		lx->err->line = lx->err->col = 0; /* not the text's fault */
		snprintf(lx->err->msg, sizeof(lx->err->msg), "%s", msg);
	} else if (!lx->failed) {
		lx->err->line = line;
		lx->err->col = (unsigned)(at - ls) + 1;
		snprintf(lx->err->msg, sizeof(lx->err->msg), "%s", msg);
	}
	lx->failed = true;
	return false;
}

bool wat_is_idchar(unsigned char c)
{
	if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
		return true;
	return c && strchr("!#$%&'*+-./:<=>?@\\^_`|~", c);
}

static void newline(struct lexer *lx)
{
	lx->line++;
	lx->line_start = lx->p;
}

/* Skip white space and comments; false on an unterminated block comment. */
static bool skip_space(struct lexer *lx)
{
	while (lx->p < lx->end) {
		char c = *lx->p;

		if (c == ' ' || c == '\t' || c == '\r') {
			lx->p++;
		} else if (c == '\n') {
			lx->p++;
			newline(lx);
		} else if (c == ';' && lx->p + 1 < lx->end && lx->p[1] == ';') {
			/* a line comment ends at LF or CR (comments.wast) */
			while (lx->p < lx->end && *lx->p != '\n' && *lx->p != '\r')
				lx->p++;
		} else if (c == '(' && lx->p + 1 < lx->end && lx->p[1] == ';') {
			const char *start = lx->p;
			unsigned depth = 0;

			do {
				if (lx->p + 1 < lx->end && lx->p[0] == '(' && lx->p[1] == ';') {
					depth++;
					lx->p += 2;
				} else if (lx->p + 1 < lx->end && lx->p[0] == ';' &&
					   lx->p[1] == ')') {
					depth--;
					lx->p += 2;
				} else if (lx->p < lx->end) {
					if (*lx->p++ == '\n')
						newline(lx);
				} else {
					return fail_at(lx, start, "unclosed block comment");
				}
			} while (depth);
		} else {
			return true;
		}
	}
	return true;
}


/* Length of the UTF-8 sequence at p (valid, shortest form, no surrogates), 0 if invalid. */
static size_t utf8_len(const unsigned char *p, const unsigned char *end)
{
	unsigned c = p[0], n, cp, min;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		n = 2, cp = c & 0x1f, min = 0x80;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3, cp = c & 0x0f, min = 0x800;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4, cp = c & 0x07, min = 0x10000;
	else
		return 0;
	if ((size_t)(end - p) < n)
		return 0;
	for (unsigned i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

static bool valid_utf8(const char *s, size_t n)
{
	for (size_t i = 0; i < n;) {
		size_t u = utf8_len((const unsigned char *)s + i, (const unsigned char *)s + n);

		if (!u)
			return false;
		i += u;
	}
	return true;
}

/* Append code point cp as UTF-8. */
static size_t put_utf8(unsigned char *o, uint32_t cp)
{
	if (cp < 0x80) {
		o[0] = (unsigned char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (unsigned char)(0xc0 | cp >> 6);
		o[1] = (unsigned char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (unsigned char)(0xe0 | cp >> 12);
		o[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
		o[2] = (unsigned char)(0x80 | (cp & 0x3f));
		return 3;
	}
	o[0] = (unsigned char)(0xf0 | cp >> 18);
	o[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3f));
	o[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
	o[3] = (unsigned char)(0x80 | (cp & 0x3f));
	return 4;
}

/* A string literal at lx->p (the opening quote): decoded into arena bytes.  The decoded
 * form is never longer than the source. */
static bool read_string(struct lexer *lx, struct wat_arena **arena, const char **out,
			size_t *out_len)
{
	const char *start = lx->p++;
	const unsigned char *q;
	unsigned char *buf, *o;
	size_t max = 0;

	for (q = (const unsigned char *)lx->p; (const char *)q < lx->end && *q != '"'; q++) {
		if (*q == '\\' && (const char *)q + 1 < lx->end)
			q++;
		max++;
	}
	if ((const char *)q >= lx->end)
		return fail_at(lx, start, "unclosed string");
	buf = wat_arena_alloc(arena, (size_t)((const char *)q - lx->p) + 1);
	if (!buf)
		return fail_at(lx, start, "out of memory");
	o = buf;
	while (*lx->p != '"') {
		unsigned char c = (unsigned char)*lx->p;

		if (c < 0x20 || c == 0x7f)
			return fail_at(lx, lx->p, "illegal character in string");
		if (c >= 0x80) {
			size_t n = utf8_len((const unsigned char *)lx->p,
					    (const unsigned char *)lx->end);

			if (!n)
				return fail_at(lx, lx->p, "malformed UTF-8 encoding");
			memcpy(o, lx->p, n);
			o += n;
			lx->p += n;
			continue;
		}
		if (c != '\\') {
			*o++ = c;
			lx->p++;
			continue;
		}
		lx->p++;
		switch (*lx->p) {
		case 't': *o++ = '\t'; lx->p++; break;
		case 'n': *o++ = '\n'; lx->p++; break;
		case 'r': *o++ = '\r'; lx->p++; break;
		case '"': *o++ = '"'; lx->p++; break;
		case '\'': *o++ = '\''; lx->p++; break;
		case '\\': *o++ = '\\'; lx->p++; break;
		case 'u': {
			uint32_t cp = 0;
			const char *esc = lx->p - 1;

			lx->p++;
			if (*lx->p != '{')
				return fail_at(lx, esc, "illegal escape");
			lx->p++;
			if (hex_digit(*lx->p) < 0)
				return fail_at(lx, esc, "illegal escape");
			while (hex_digit(*lx->p) >= 0 || (*lx->p == '_' && hex_digit(lx->p[1]) >= 0)) {
				if (*lx->p != '_')
					cp = cp * 16 + (uint32_t)hex_digit(*lx->p);
				if (cp > 0x10ffff)
					return fail_at(lx, esc, "illegal escape");
				lx->p++;
			}
			if (*lx->p != '}' || (cp >= 0xd800 && cp < 0xe000))
				return fail_at(lx, esc, "illegal escape");
			lx->p++;
			o += put_utf8(o, cp);
			break;
		}
		default:
			if (hex_digit(lx->p[0]) >= 0 && hex_digit(lx->p[1]) >= 0) {
				*o++ = (unsigned char)(hex_digit(lx->p[0]) * 16 + hex_digit(lx->p[1]));
				lx->p += 2;
				break;
			}
			return fail_at(lx, lx->p - 1, "illegal escape");
		}
	}
	lx->p++;
	(void)max;
	*out = (const char *)buf;
	*out_len = (size_t)(o - buf);
	return true;
}

/* ---- tokens --------------------------------------------------------------------------- */

/* Can a token start here?  Id characters, strings, and the characters that only reserved
 * tokens use (3.0: reserved ::= (idchar | string | ',' | ';' | '[' | ']' | '{' | '}')+). */
static bool is_token_char(const struct lexer *lx)
{
	char c = *lx->p;

	if (c == ';')
		return !(lx->p + 1 < lx->end && lx->p[1] == ';');
	return wat_is_idchar((unsigned char)c) || c == '"' || c == ',' || c == '[' || c == ']' ||
	       c == '{' || c == '}';
}

static struct wat_node *new_node(struct lexer *lx, struct wat_arena **arena, enum wat_kind k,
				 const char *at);

/* One token: the longest run of token characters and strings.  A keyword, number or
 * reserved word is one run of id characters; a string is one string; `$"..."` is an id.
 * Anything else is a reserved token: malformed, except inside an annotation (skipping),
 * where it is dropped.  NULL when dropped or failed (lx->failed). */
static struct wat_node *token(struct lexer *lx, struct wat_arena **arena, bool skipping)
{
	const char *at = lx->p, *str = NULL, *idrun_end = NULL;
	size_t str_len = 0, parts = 0;
	bool reserved = false, first_is_string = false;
	struct wat_node *n;

	while (lx->p < lx->end && is_token_char(lx)) {
		if (*lx->p == '"') {
			if (!read_string(lx, arena, &str, &str_len))
				return NULL;
			if (!parts)
				first_is_string = true;
		} else if (wat_is_idchar((unsigned char)*lx->p)) {
			while (lx->p < lx->end && wat_is_idchar((unsigned char)*lx->p))
				lx->p++;
			if (!parts)
				idrun_end = lx->p;
		} else {
			lx->p++;
			reserved = true;
		}
		parts++;
	}
	if (skipping)
		return NULL;
	if (!reserved && parts == 1 && first_is_string) {
		n = new_node(lx, arena, WAT_STRING, at);
		if (n) {
			n->text = str;
			n->len = str_len;
		}
		return n;
	}
	if (!reserved && parts == 1) {
		enum wat_kind k = *at == '$' ? WAT_ID : WAT_ATOM;

		if (k == WAT_ID && lx->p == at + 1) {
			fail_at(lx, at, "empty identifier");
			return NULL;
		}
		n = new_node(lx, arena, k, at);
		if (n) {
			n->text = at;
			n->len = (size_t)(lx->p - at);
		}
		return n;
	}
	if (!reserved && parts == 2 && idrun_end == at + 1 && *at == '$') {
		/* $"name": an identifier spelled as a string, which must be UTF-8 */
		char *t;

		if (!str_len) {
			fail_at(lx, at, "empty identifier");
			return NULL;
		}
		if (!valid_utf8(str, str_len)) {
			fail_at(lx, at, "malformed UTF-8 encoding in identifier");
			return NULL;
		}
		t = wat_arena_alloc(arena, str_len + 1);
		n = t ? new_node(lx, arena, WAT_ID, at) : NULL;
		if (!n) {
			fail_at(lx, at, "out of memory");
			return NULL;
		}
		t[0] = '$';
		memcpy(t + 1, str, str_len);
		n->text = t;
		n->len = str_len + 1;
		return n;
	}
	fail_at(lx, at, "unknown operator: reserved token (tokens must be separated)");
	return NULL;
}

/* ---- the tree ------------------------------------------------------------------------- */

struct open_list {
	struct wat_node *list;
	struct wat_node *last;   /* its last element so far */
	bool annotation;         /* (@...): read to keep the nesting right, then dropped */
};

static struct wat_node *new_node(struct lexer *lx, struct wat_arena **arena, enum wat_kind k,
				 const char *at)
{
	struct wat_node *n = wat_arena_alloc(arena, sizeof(*n));

	if (!n) {
		fail_at(lx, at, "out of memory");
		return NULL;
	}
	memset(n, 0, sizeof(*n));
	n->kind = k;
	n->line = lx->line;
	n->col = (unsigned)(at - lx->line_start) + 1;
	return n;
}

bool wat_read(const char *src, size_t len, struct wat_tree *out, struct wat_error *err)
{
	struct lexer lx = { .src = src, .end = src + len, .p = src, .line = 1,
			    .line_start = src, .err = err };
	struct open_list *stack = NULL;
	size_t depth = 0, cap = 0, skipping = 0; /* skipping: open annotation lists */
	struct wat_node *top = NULL, *top_last = NULL;
	struct wat_arena *arena = NULL;

	memset(err, 0, sizeof(*err));
	out->top = NULL;
	out->arena = NULL;
	for (;;) {
		struct wat_node *n = NULL;
		const char *at;

		if (!skip_space(&lx))
			break;
		if (lx.p >= lx.end) {
			if (depth)
				fail_at(&lx, lx.p, "unexpected end of input: unclosed '('");
			break;
		}
		at = lx.p;
		if (*lx.p == '(') {
			bool annot = lx.p + 1 < lx.end && lx.p[1] == '@';

			lx.p++;
			if (annot) {
				lx.p++;
				/* inside an annotation, (@) is just a list of tokens */
				if (!skipping && (lx.p >= lx.end ||
						  !wat_is_idchar((unsigned char)*lx.p))) {
					if (lx.p < lx.end && *lx.p == '"') {
						const char *s;
						size_t sl;

						if (!read_string(&lx, &arena, &s, &sl))
							break;
						if (!sl) {
							fail_at(&lx, at, "empty annotation id");
							break;
						}
						if (!valid_utf8(s, sl)) {
							fail_at(&lx, at, "malformed UTF-8 encoding in "
								"annotation id");
							break;
						}
					} else {
						fail_at(&lx, at, "malformed annotation id");
						break;
					}
				}
				while (lx.p < lx.end && wat_is_idchar((unsigned char)*lx.p))
					lx.p++;
			}
			if (!VM_GROW(stack, cap, depth + 1)) {
				fail_at(&lx, at, "out of memory");
				break;
			}
			if (annot || skipping) {
				stack[depth++] = (struct open_list){ .annotation = true };
				skipping++;
				continue;
			}
			n = new_node(&lx, &arena, WAT_LIST, at);
			if (!n)
				break;
			stack[depth++] = (struct open_list){ .list = n };
		} else if (*lx.p == ')') {
			lx.p++;
			if (!depth) {
				fail_at(&lx, at, "unexpected ')'");
				break;
			}
			depth--;
			if (stack[depth].annotation) {
				skipping--;
				continue;
			}
			n = stack[depth].list;
		} else if (is_token_char(&lx)) {
			n = token(&lx, &arena, skipping);
			if (lx.failed)
				break;
		} else {
			fail_at(&lx, at, (unsigned char)*lx.p >= 0x80 || *lx.p < 0x20
				? "malformed UTF-8 encoding or illegal character"
				: "unexpected character");
			break;
		}
		if (skipping || !n)
			continue;
		/* Opening a list also links it into its parent now: its kids come later. */
		if (n->kind == WAT_LIST && *at == ')')
			continue; /* a closed list was linked when it opened */
		{
			struct open_list *parent = NULL;
			size_t pd = n->kind == WAT_LIST ? depth - 1 : depth;

			if (pd)
				parent = &stack[pd - 1];
			if (parent) {
				if (parent->last)
					parent->last->next = n;
				else
					parent->list->first = n;
				parent->last = n;
			} else {
				if (top_last)
					top_last->next = n;
				else
					top = n;
				top_last = n;
			}
		}
	}
	vm_free(stack);
	if (lx.failed) {
		wat_arena_free(arena);
		return false;
	}
	out->top = top;
	out->arena = arena;
	return true;
}

bool wat_is_atom(const struct wat_node *n, const char *kw)
{
	size_t l = strlen(kw);

	return n && n->kind == WAT_ATOM && n->len == l && !memcmp(n->text, kw, l);
}

bool wat_is_list(const struct wat_node *n, const char *kw)
{
	return n && n->kind == WAT_LIST && wat_is_atom(n->first, kw);
}
