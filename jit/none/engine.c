/* jit/none/engine.c - the JIT of a build without one: hosts other than x86-64 and AArch64,
 * and `make JIT=none`.
 *
 * The Makefile links this file instead of the files of jit/ and jit/ARCH/, so such a build
 * contains no JIT code at all.  Stores created with CHIBI_MODE_JIT or CHIBI_MODE_DEFAULT run in the interpreter
 * (vm/engine.c), and chibi_jit_name() returns NULL, which the CLI reports.
 */
#include "../../vm/alloc.h"
#include "../../vm/engine.h"

const struct engine *const engine_jit = NULL;

/* vm/compiled.c releases images on its error paths whatever the build; a build without a
 * JIT never fills one, so this only has to free what an empty image holds. */
void engine_image_release(struct engine_image *img)
{
	vm_free(img->meta);
	vm_free(img->code);
	img->meta = img->code = NULL;
	img->meta_len = img->code_len = 0;
}
