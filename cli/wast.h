/* cli/wast.h - pieces of `chibi wast` shared between cli/wast.c and cli/spectest.c.
 *
 * Internal to the spec-script runner; nothing else in the tree includes it.  The public entry
 * point, wast_main(), is declared in cli/cli.h.
 */
#ifndef CHIBI_CLI_WAST_H
#define CHIBI_CLI_WAST_H

#include <stdbool.h>
#include <stddef.h>

#include "chibi.h"

/* Create the standard `spectest` host module in store `s` and define its exports in linker
 * `l` under the module name "spectest": print, print_i32, print_i64, print_f32, print_f64,
 * print_i32_f32, print_f64_f64, global_i32/i64 = 666, global_f32/f64 = 666.6, table (funcref,
 * 10..20) and memory (1..2 pages).  Everything is owned by the store.  The print functions
 * write their arguments to stdout only when `verbose` is set, so normal output stays one line
 * per script.  Returns CHIBI_OK, or the first error (CHIBI_ERR_NOMEM when the engine refused
 * to create an object). */
enum chibi_err spectest_define(chibi_store *s, chibi_linker *l, bool verbose);

/* The native front end (cli/wast_text.c): read script `wast` with chibi's text reader and
 * write its command list to `json` and its modules (STEM.N.wasm) into `dir`, in the format
 * of wast2json's output, plus "text_error" on modules the reader rejects.  false with a
 * reason in why (a script that cannot be read: malformed s-expressions, unknown commands).
 * The modules are read with the proposals in `features` (enum chibi_feature). */
bool wast_text_convert(const char *wast, const char *dir, const char *stem,
		       const char *json, uint32_t features, char *why, size_t n);

#endif
