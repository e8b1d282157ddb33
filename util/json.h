/* util/json.h - chibi's one JSON reader and writer (RFC 8259), shared by the CLI (spec
 * scripts, OCI images) and the shim (bundle config.json).
 *
 * The reader parses a whole document into a tree of struct json nodes (one heap block per
 * array/object) and offers read-only lookups; it does not stream.  The writer appends compact
 * JSON (no white space) to a growing buffer in exactly the order it is called, so output is
 * byte-for-byte predictable (reproducible OCI images depend on it); it does not sort keys or
 * check that they are unique.
 * Entry points: json_parse, json_free, json_get, json_at, json_str; jw_*.
 */
#ifndef CHIBI_UTIL_JSON_H
#define CHIBI_UTIL_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum json_type { JSON_NULL, JSON_BOOL, JSON_NUMBER, JSON_STRING, JSON_ARRAY, JSON_OBJECT };

struct json_member;

struct json {
	enum json_type type;
	union {
		bool b;                  /* JSON_BOOL */
		double num;              /* JSON_NUMBER */
		struct {                 /* JSON_STRING: UTF-8, NUL-terminated, may hold NULs */
			char *s;
			size_t len;
		} str;
		struct {                 /* JSON_ARRAY */
			struct json *items;
			size_t n;
		} arr;
		struct {                 /* JSON_OBJECT, members in document order */
			struct json_member *members;
			size_t n;
		} obj;
	} u;
};

struct json_member {
	char *key;      /* decoded like a string value, NUL-terminated */
	size_t key_len;
	struct json value;
};

/* Parse `len` bytes of `text` (need not be NUL-terminated) as one JSON value, optionally
 * surrounded by white space.  Escapes are decoded to UTF-8, \uXXXX surrogate pairs included;
 * lone surrogates, control characters in strings, trailing garbage and nesting deeper than
 * 512 levels are errors.  Returns a new tree owned by the caller (json_free), or NULL with a
 * message "line L, column C: what" in err[0..errlen) (errlen may be 0) on a syntax error or
 * when memory runs out. */
struct json *json_parse(const char *text, size_t len, char *err, size_t errlen);

/* Free a tree returned by json_parse.  NULL is a no-op. */
void json_free(struct json *v);

/* The value of member `key` of object `obj`, or NULL when obj is NULL, not an object, or has
 * no such member (the first one wins if a key repeats).  Borrowed from the tree. */
const struct json *json_get(const struct json *obj, const char *key);

/* Element i of array `arr`, or NULL when arr is NULL, not an array, or i is out of range. */
const struct json *json_at(const struct json *arr, size_t i);

/* Number of elements of an array (members of an object), 0 for anything else or NULL. */
size_t json_count(const struct json *v);

/* The string of a JSON_STRING value, or NULL for NULL or any other type. */
const char *json_str(const struct json *v);

/* json_str(json_get(obj, key)): a string member or NULL. */
const char *json_get_str(const struct json *obj, const char *key);

/* ---- the writer (util/json_write.c) ---- */

/* Nesting the writer tracks; deeper documents set `failed`. */
#define JW_MAX_DEPTH 32

struct json_writer {
	char *buf;             /* the text so far (not NUL-terminated before jw_finish) */
	size_t len, cap;
	bool failed;           /* out of memory, or calls out of order: the text is unusable */
	int depth;             /* open arrays and objects */
	bool first[JW_MAX_DEPTH + 1]; /* at each level: nothing written yet (no comma due) */
	bool object[JW_MAX_DEPTH + 1];/* at each level: an object (members need keys) */
	bool after_key;        /* jw_key was called: the next value is its value (no comma) */
};

/* Start an empty document (no allocation yet). */
void jw_init(struct json_writer *w);
/* Open / close an object or array, as a value of the enclosing one (or the document). */
void jw_object(struct json_writer *w);
void jw_object_end(struct json_writer *w);
void jw_array(struct json_writer *w);
void jw_array_end(struct json_writer *w);
/* The key of the next member of the enclosing object. */
void jw_key(struct json_writer *w, const char *key);
/* Values.  Strings are escaped minimally: '"' and '\' with a backslash, bytes below 0x20 as
 * \u00XX; other bytes (UTF-8) pass through unchanged. */
void jw_string(struct json_writer *w, const char *s);
/* The same for len bytes that may contain NULs (written as \u0000). */
void jw_string_n(struct json_writer *w, const char *s, size_t len);
void jw_uint(struct json_writer *w, uint64_t v);
/* End the document: returns the NUL-terminated text (length in *out_len if non-NULL), owned
 * by the caller (free()), or NULL if anything failed or an array/object is still open.  The
 * writer is reset either way. */
char *jw_finish(struct json_writer *w, size_t *out_len);
/* Drop the document (after a failure elsewhere); the writer is reset. */
void jw_discard(struct json_writer *w);

#endif
