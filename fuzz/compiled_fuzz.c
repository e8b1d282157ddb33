/* fuzz/compiled_fuzz.c - libFuzzer target: the compiled-file loader (vm/compiled.c) and the
 * JIT's image records (jit/aot.c).
 *
 * Each input is tried twice.  As it is: chibi_compiled_open_fd must refuse it cleanly
 * unless it is a whole, sealed file of this build.  Then "resealed": the identity fields
 * (build id, ISA, CPU features) are set to this build's and the file's CRC recomputed, so
 * the fuzzer's mutations reach what lies behind them: the section bounds, the module, the
 * records, and attaching them to an instance (jit_image_try), which checks every record
 * against the module and the code's size.  The code itself is never run: a resealed file
 * is by construction as trusted as one the cache wrote, and arbitrary machine code would
 * crash for no fault of the loader.
 *
 * `make fuzz-compiled` runs it (seeds: compiled spec modules made by build/chibi);
 * `make fuzz-compiled-replay` replays the seeds (part of `make test-aot`).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <zlib.h>

#include "chibi.h"
#include "../jit/jit_int.h"
#include "../vm/compiled.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static enum chibi_trap stub(chibi_caller *c, void *env, uint64_t *slots)
{
	return CHIBI_TRAP_UNREACHABLE;
}

/* Give every import a stand-in (functions of simple signatures only). */
static void link_stubs(chibi_module *m, chibi_store *s, chibi_linker *l)
{
	for (uint32_t i = 0; i < chibi_module_num_imports(m); i++) {
		const char *mod, *name;
		enum chibi_extern_kind k;
		struct chibi_extern ex = { 0 };

		chibi_module_import(m, i, &mod, &name, &k);
		ex.kind = k;
		if (k == CHIBI_EXTERN_MEMORY)
			ex.of.memory = chibi_memory_new(s, 1, 1, false);
		else if (k == CHIBI_EXTERN_FUNC)
			ex.of.func = chibi_func_new_host(s, ":", stub, NULL);
		if (ex.of.func)
			chibi_linker_define(l, mod, name, ex);
	}
}

static void try_open(const uint8_t *data, size_t size, bool attach)
{
	int fd = memfd_create("compiled-fuzz", MFD_CLOEXEC);
	chibi_compiled *c = NULL;
	struct chibi_diag d = { 0 };

	if (fd < 0)
		abort();
	if (write(fd, data, size) != (ssize_t)size)
		abort();
	if (chibi_compiled_open_fd(fd, &c, &d) == CHIBI_OK && attach) {
		struct chibi_config cfg = { .mode = CHIBI_MODE_JIT, .max_memory_pages = 16 };
		chibi_store *s = chibi_store_new(&cfg);
		chibi_linker *l = chibi_linker_new();
		chibi_instance *inst = NULL;

		s->no_start = true; /* nothing runs: not the start function either */
		link_stubs(chibi_compiled_module(c), s, l);
		chibi_store_use_compiled(s, c);
		if (chibi_instance_new(s, chibi_compiled_module(c), l, &inst, &d, NULL) ==
		    CHIBI_OK) {
			struct jit_store *js = jit_store_of(s);

			if (js)
				jit_image_try(js, inst);
		}
		chibi_linker_free(l);
		chibi_store_free(s);
	} else if (!d.msg[0] && !c) {
		abort(); /* a refusal must say why */
	}
	chibi_compiled_free(c);
	close(fd);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *f;
	char feat[60] = "";
	uint32_t have, check;

	try_open(data, size, false);
	if (size < 320)
		return 0;
	f = malloc(size);
	if (!f)
		abort();
	memcpy(f, data, size);
	memset(f + 16, 0, 64);
	memcpy(f + 16, chibi_build_id, strlen(chibi_build_id));
	memset(f + 80, 0, 16);
	memcpy(f + 80, chibi_jit_name(), strlen(chibi_jit_name()));
	have = engine_jit->cpu_features(feat, sizeof(feat));
	memcpy(f + 96, &have, 4); /* little-endian hosts */
	/* The module digest (offset 224) is left alone: the loader only hands it on to the
	 * cache, which compares it with its key.  Recomputing it here was half the target's
	 * time (hello's 60 KiB module, every input). */
	memset(f + 256, 0, 4);
	check = (uint32_t)crc32(0, f, (uInt)size);
	memcpy(f + 256, &check, 4);
	try_open(f, size, true);
	free(f);
	return 0;
}
