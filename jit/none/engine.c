/* jit/none/engine.c - the JIT of a build without one: hosts other than x86-64 and AArch64,
 * and `make JIT=none`.
 *
 * The Makefile links this file instead of the files of jit/ and jit/ARCH/, so such a build
 * contains no JIT code at all.  Stores created with CHIBI_MODE_JIT or CHIBI_MODE_DEFAULT run in the interpreter
 * (vm/engine.c), and chibi_jit_name() returns NULL, which the CLI reports.
 */
#include "../../vm/engine.h"

const struct engine *const engine_jit = NULL;
