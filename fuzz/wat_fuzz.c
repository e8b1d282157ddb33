/* fuzz/wat_fuzz.c - libFuzzer target: chibi's text reader (text/wat.h) on arbitrary bytes.
 *
 * Any input must end in a binary module or a clean error with a line and column (or "out of
 * memory"): never a crash, leak, hang or UB (built with ASan + UBSan).  The input is read as
 * a module (one `(module ...)` or bare fields); as a script, each `(module ...)` at the top
 * is encoded too, as `chibi wast` does.  A binary that comes out is decoded and validated,
 * so what the reader writes is also exercised by the decoder.
 *
 * `make fuzz-wat` runs it; `make fuzz-replay` replays fuzz/wat-corpus.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../include/chibi.h"
#include "../text/wat.h"
#include "../vm/alloc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void decode(uint8_t *bin, size_t len)
{
	struct chibi_diag diag;
	chibi_module *m = NULL;

	if (chibi_module_new(bin, len, &m, &diag) == CHIBI_OK)
		chibi_module_free(m);
	vm_free(bin);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct wat_error err;
	struct wat_tree t;
	uint8_t *bin;
	size_t len;

	if (wat_to_binary((const char *)data, size, &bin, &len, &err))
		decode(bin, len);
	else if (err.line == 0 && strcmp(err.msg, "out of memory") != 0)
		abort(); /* every error has a position, or is out of memory */
	if (!wat_read((const char *)data, size, &t, &err))
		return 0;
	for (const struct wat_node *n = t.top; n; n = n->next) {
		const struct wat_node *f;

		if (!wat_is_list(n, "module"))
			continue;
		f = n->first->next;
		if (f && f->kind == WAT_ID)
			f = f->next;
		if (wat_is_atom(f, "binary") || wat_is_atom(f, "quote"))
			continue;
		if (wat_encode_module(f, &bin, &len, &err))
			decode(bin, len);
	}
	wat_tree_free(&t);
	return 0;
}
