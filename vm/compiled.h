/* vm/compiled.h - what vm/compiled.c and vm/cache.c share besides include/chibi.h. */
#ifndef CHIBI_VM_COMPILED_H
#define CHIBI_VM_COMPILED_H

#include <stdint.h>

#include "chibi.h"

/* chibi's version and a digest of the sources of the library (vm/build_id.c): compiled
 * files are only ever run by the build that made them. */
extern const char chibi_build_id[];

/* The SHA-256 of c's module bytes. */
void compiled_module_sha(const chibi_compiled *c, uint8_t out[32]);

#endif
