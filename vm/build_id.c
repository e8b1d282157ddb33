/* vm/build_id.c - the build id compiled files carry: the version and a digest of the
 * library's sources (vm/, jit/, wasi/, include/), which the Makefile computes and passes as
 * CHIBI_SRC_ID, rebuilding this file whenever one of them changes.  Two builds with the
 * same id generate the same code and lay out their records alike. */
#include "compiled.h"

#ifndef CHIBI_SRC_ID
#define CHIBI_SRC_ID "unknown"
#endif

const char chibi_build_id[] = CHIBI_VERSION "+" CHIBI_SRC_ID;
