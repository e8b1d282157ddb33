/* text/wat.h - chibi's reader of the WebAssembly text format (.wat modules, .wast scripts).
 *
 * Three layers, each usable alone: the lexer and s-expression reader (wat_read: text ->
 * tree of lists, atoms and strings, with line:column on every node and annotations
 * `(@name ...)` dropped), the module encoder (wat_encode_module: one `(module ...)` tree ->
 * the binary format), and constant readers for the script runner (wat_read_const).  The
 * reader does not validate: an invalid but well-formed module becomes its (invalid) binary,
 * so the engine's validator judges it, as with wat2wasm.  Malformed text gives a wat_error
 * with line and column; nothing here crashes on bad input.
 */
#ifndef CHIBI_TEXT_WAT_H
#define CHIBI_TEXT_WAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Where and why reading failed.  line and col are 1-based; 0 when unknown (out of memory). */
struct wat_error {
	unsigned line, col;
	char msg[240];
};

enum wat_kind {
	WAT_LIST,      /* ( ... ): kids */
	WAT_ATOM,      /* keyword, number or reserved token: text */
	WAT_ID,        /* $name: text includes the '$' (a `$"..."` id holds its decoded name) */
	WAT_STRING,    /* "...": text holds the decoded bytes (may contain NULs) */
};

struct wat_node {
	enum wat_kind kind;
	unsigned line, col;
	const char *text;      /* atoms, ids, strings: not NUL-terminated, len bytes */
	size_t len;
	struct wat_node *first;/* lists: first element */
	struct wat_node *next; /* the next sibling */
};

/* A read text: the top-level nodes (a linked list from `top`), all owned by the tree. */
struct wat_tree {
	struct wat_node *top;
	struct wat_arena *arena;
};

/* Read `len` bytes of text into *out (free with wat_tree_free).  false with *err filled on
 * malformed text (unbalanced parentheses, bad strings, unknown characters) or out of
 * memory; *out is then empty. */
bool wat_read(const char *src, size_t len, struct wat_tree *out, struct wat_error *err);
void wat_tree_free(struct wat_tree *t);

/* Is node n the atom `kw`? */
bool wat_is_atom(const struct wat_node *n, const char *kw);
/* Is n a list whose first element is the atom `kw`? */
bool wat_is_list(const struct wat_node *n, const char *kw);

/* Encode a module: `fields` is the first module field (the node after `module` and its
 * optional $id); the list ends at NULL.  On success *out (vm_malloc'ed, the caller frees
 * with vm_free) holds the binary module.  false with *err on malformed text or out of
 * memory (msg "out of memory", line 0). */
bool wat_encode_module(const struct wat_node *fields, uint8_t **out, size_t *out_len,
		       struct wat_error *err);

/* Convenience for `chibi run x.wat`: read the text (one `(module ...)` or bare module
 * fields) and encode it. */
bool wat_to_binary(const char *src, size_t len, uint8_t **out, size_t *out_len,
		   struct wat_error *err);
/* The same two accepting only the proposals in `features` (enum chibi_feature of
 * include/chibi.h): without memory64, offsets and limits are u32 (larger is malformed). */
bool wat_encode_module_features(const struct wat_node *fields, uint32_t features,
				uint8_t **out, size_t *out_len, struct wat_error *err);
bool wat_to_binary_features(const char *src, size_t len, uint32_t features, uint8_t **out,
			    size_t *out_len, struct wat_error *err);

/* Read integer and float literals as the text format defines them (spec 6.3.1, 6.3.2):
 * `bits` = 32 or 64.  wat_read_int accepts signed and unsigned forms and gives the value
 * modulo 2^bits; wat_read_float gives the IEEE bits (nan, nan:0x..., inf, hex floats,
 * decimal floats, correctly rounded once).  false when the text is not such a literal or
 * out of range. */
bool wat_read_int(const char *s, size_t len, unsigned bits, uint64_t *out);
bool wat_read_float(const char *s, size_t len, unsigned bits, uint64_t *out);
/* An unsigned literal (u32/u64 index, offset): false when not one or above max. */
bool wat_read_uint(const char *s, size_t len, uint64_t max, uint64_t *out);

#endif
