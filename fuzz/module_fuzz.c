/* fuzz/module_fuzz.c - libFuzzer target: decode + validate + instantiate + call.
 *
 * Any input must end in a clean error or a clean trap: never a crash, leak, hang or UB
 * (the target is built with ASan + UBSan).  Modules without imports are instantiated with a
 * small memory cap and fuel, and every exported function is called with zero arguments.
 * `make fuzz` runs it; `make fuzz-replay` (part of `make test`) replays fuzz/corpus.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "chibi.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct chibi_diag diag;
	chibi_module *m = NULL;

	if (chibi_module_new(data, size, &m, &diag) != CHIBI_OK)
		return 0;
	if (chibi_module_num_imports(m) != 0) {
		chibi_module_free(m);
		return 0;
	}
	struct chibi_config cfg = {
		.mode = CHIBI_MODE_INTERP,
		.max_memory_pages = 64,          /* 4 MiB: keep the fuzzer's RSS small */
		.max_stack_bytes = 256 * 1024,
		.fuel = 100000,                  /* bound every call's run time */
	};
	chibi_store *s = chibi_store_new(&cfg);
	chibi_instance *inst = NULL;

	if (s && chibi_instance_new(s, m, NULL, &inst, &diag, NULL) == CHIBI_OK) {
		uint32_t n = chibi_module_num_exports(m);

		for (uint32_t i = 0; i < n; i++) {
			const char *name;
			enum chibi_extern_kind kind;

			chibi_module_export(m, i, &name, &kind);
			if (kind != CHIBI_EXTERN_FUNC)
				continue;
			chibi_func *f = chibi_instance_func(inst, name);
			if (!f)
				continue;
			chibi_val args[16], results[16];
			uint32_t np = chibi_func_num_params(f), nr = chibi_func_num_results(f);

			if (np > 16 || nr > 16)
				continue;
			memset(args, 0, sizeof(args));
			for (uint32_t k = 0; k < np; k++)
				args[k].type = (uint8_t)chibi_func_param_type(f, k);
			chibi_func_call(f, args, np, results, nr, NULL);
		}
	}
	chibi_store_free(s);
	chibi_module_free(m);
	return 0;
}
