/* cli/json.h - a small JSON reader (RFC 8259) for the spec-script runner.
 *
 * Parses a whole document into a tree of struct json nodes (one heap block per array/object)
 * and offers read-only lookups.  It does not write JSON, stream, or keep key order beyond the
 * document's own.  Entry points: json_parse(), json_free(), json_get(), json_at(), json_str().
 */
#ifndef CHIBI_CLI_JSON_H
#define CHIBI_CLI_JSON_H

#include <stdbool.h>
#include <stddef.h>

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

#endif
