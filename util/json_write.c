/* util/json_write.c - the compact JSON writer (see json.h).
 *
 * Callers describe the document in order (open, key, value, close); the writer supplies the
 * commas and colons and escapes strings.  Errors are sticky: the first failure (out of memory,
 * a value where a key was due, a close without an open, nesting beyond JW_MAX_DEPTH) marks the
 * writer failed, later calls do nothing, and jw_finish returns NULL.  So callers check once,
 * at the end.  It never writes white space, so the same calls always give the same bytes.
 */
#include <stdio.h>
#include <string.h>

#include "json.h"
#include "../vm/alloc.h"

/* See json.h. */
void jw_init(struct json_writer *w)
{
	memset(w, 0, sizeof(*w));
	w->first[0] = true;
}

/* Append n bytes, growing the buffer by doubling. */
static void put(struct json_writer *w, const char *s, size_t n)
{
	if (w->failed)
		return;
	if (n > SIZE_MAX - w->len - 1 || !VM_GROW(w->buf, w->cap, w->len + n + 1)) {
		w->failed = true;
		return;
	}
	memcpy(w->buf + w->len, s, n);
	w->len += n;
}

/* Before any value: the comma that separates it from the previous one at this level.  A
 * member value follows its key directly; a member without a key is a misuse.  The document
 * itself holds one value. */
static void before_value(struct json_writer *w)
{
	if (w->after_key) {
		w->after_key = false;
		return;
	}
	if (w->depth == 0 ? !w->first[0] : w->object[w->depth])
		w->failed = true; /* a second top-level value, or a member without its key */
	else if (!w->first[w->depth])
		put(w, ",", 1);
	w->first[w->depth] = false;
}

/* Open an object ('{') or array ('[') as the next value. */
static void open_container(struct json_writer *w, char c)
{
	before_value(w);
	if (w->depth == JW_MAX_DEPTH) {
		w->failed = true;
		return;
	}
	put(w, &c, 1);
	w->depth++;
	w->first[w->depth] = true;
	w->object[w->depth] = c == '{';
}

/* Close the innermost container, which must be an object for '}', an array for ']'; a
 * dangling key or nothing open is a misuse. */
static void close_container(struct json_writer *w, char c)
{
	if (w->depth == 0 || w->after_key || w->object[w->depth] != (c == '}')) {
		w->failed = true;
		return;
	}
	w->depth--;
	put(w, &c, 1);
}

/* The jw_* calls: see json.h. */
void jw_object(struct json_writer *w)
{
	open_container(w, '{');
}

void jw_object_end(struct json_writer *w)
{
	close_container(w, '}');
}

void jw_array(struct json_writer *w)
{
	open_container(w, '[');
}

void jw_array_end(struct json_writer *w)
{
	close_container(w, ']');
}

/* The quoted, escaped form of the len bytes at s. */
static void put_string_n(struct json_writer *w, const char *s, size_t len)
{
	const char *run = s, *end = s + len;

	put(w, "\"", 1);
	for (; s < end; s++) {
		unsigned char c = (unsigned char)*s;
		char esc[8];

		if (c != '"' && c != '\\' && c >= 0x20)
			continue;
		put(w, run, (size_t)(s - run)); /* the unescaped bytes before this one */
		run = s + 1;
		if (c < 0x20) {
			snprintf(esc, sizeof(esc), "\\u%04x", c);
			put(w, esc, 6);
		} else {
			esc[0] = '\\';
			esc[1] = (char)c;
			put(w, esc, 2);
		}
	}
	put(w, run, (size_t)(s - run));
	put(w, "\"", 1);
}

static void put_string(struct json_writer *w, const char *s)
{
	put_string_n(w, s, strlen(s));
}

/* Keys are written like values, after the comma of their member. */
void jw_key(struct json_writer *w, const char *key)
{
	if (w->depth == 0 || w->after_key || !w->object[w->depth]) {
		w->failed = true;
		return;
	}
	if (!w->first[w->depth])
		put(w, ",", 1);
	w->first[w->depth] = false;
	put_string(w, key);
	put(w, ":", 1);
	w->after_key = true;
}

void jw_string(struct json_writer *w, const char *s)
{
	before_value(w);
	put_string(w, s);
}

void jw_string_n(struct json_writer *w, const char *s, size_t len)
{
	before_value(w);
	put_string_n(w, s, len);
}

void jw_uint(struct json_writer *w, uint64_t v)
{
	char num[24];
	int n = snprintf(num, sizeof(num), "%llu", (unsigned long long)v);

	before_value(w);
	put(w, num, (size_t)n);
}

char *jw_finish(struct json_writer *w, size_t *out_len)
{
	char *text = w->buf;

	if (w->failed || w->depth || w->after_key || w->first[0] || !text) {
		jw_discard(w);
		return NULL;
	}
	text[w->len] = '\0'; /* put always keeps a byte spare */
	if (out_len)
		*out_len = w->len;
	jw_init(w);
	return text;
}

void jw_discard(struct json_writer *w)
{
	vm_free(w->buf);
	jw_init(w);
}
