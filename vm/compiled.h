/* vm/compiled.h - what vm/compiled.c and vm/cache.c share besides include/chibi.h. */
#ifndef CHIBI_VM_COMPILED_H
#define CHIBI_VM_COMPILED_H

#include <stdbool.h>
#include <stdint.h>

#include "chibi.h"

/* chibi's version and a digest of the sources of the library (vm/build_id.c): compiled
 * files are only ever run by the build that made them. */
extern const char chibi_build_id[];

/* The SHA-256 of c's module bytes. */
void compiled_module_sha(const chibi_compiled *c, uint8_t out[32]);

struct chibi_instance;

/* Apply inst's active data segments from its store's compiled file: the large runs mapped
 * copy-on-write from the file's memory image, the rest copied.  False (nothing written)
 * when the image does not apply: not that module, a memory not fresh or not reserved, an
 * offset other than the one compiled (imported globals), or a segment out of bounds (the
 * caller's copying loop then traps where the spec says). */
bool compiled_map_data(struct chibi_instance *inst);

#endif
