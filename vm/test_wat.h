/* vm/test_wat.h - test-only helper: turn WebAssembly text into a chibi_module by running
 * wabt's wat2wasm in a private temporary directory.
 *
 * Included by the object-model tests (instance_test.c, memory_test.c, api_test.c) only;
 * never by library code.  Entry points: wat_bytes, wat_module, test_leaks_now.
 */
#ifndef CHIBI_VM_TEST_WAT_H
#define CHIBI_VM_TEST_WAT_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../include/chibi.h"

/* LeakSanitizer's verdict now (ASan builds; 0 elsewhere): a fault-injection test asserts
 * on it, because LSan's report at exit is only printed and Criterion does not read it. */
#if defined(__SANITIZE_ADDRESS__)
#define CHIBI_TEST_LSAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define CHIBI_TEST_LSAN 1
#endif
#endif
#ifdef CHIBI_TEST_LSAN
#include <sanitizer/lsan_interface.h>
static inline int test_leaks_now(void)
{
	return __lsan_do_recoverable_leak_check();
}
#else
static inline int test_leaks_now(void)
{
	return 0;
}
#endif

/* Compile `src` with wat2wasm; returns malloc'ed bytes (caller frees) or NULL. */
static inline uint8_t *wat_bytes(const char *src, size_t *out_len)
{
	char dir[] = "/tmp/chibi-wat-XXXXXX", in[64], out[64], cmd[256];
	uint8_t *buf = NULL;
	FILE *f;
	long n;

	if (!mkdtemp(dir))
		return NULL;
	snprintf(in, sizeof(in), "%s/m.wat", dir);
	snprintf(out, sizeof(out), "%s/m.wasm", dir);
	f = fopen(in, "w");
	if (f) {
		fputs(src, f);
		fclose(f);
		snprintf(cmd, sizeof(cmd), "wat2wasm --enable-exceptions --debug-names %s -o %s", in, out);
		if (system(cmd) == 0 && (f = fopen(out, "rb"))) {
			fseek(f, 0, SEEK_END);
			n = ftell(f);
			rewind(f);
			buf = malloc(n > 0 ? (size_t)n : 1);
			if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
				free(buf);
				buf = NULL;
			}
			*out_len = (size_t)n;
			fclose(f);
		}
	}
	unlink(in);
	unlink(out);
	rmdir(dir);
	return buf;
}

/* Compile and load `src`; NULL (with a message on stderr) if either step fails. */
static inline chibi_module *wat_module(const char *src)
{
	struct chibi_diag d = { 0 };
	chibi_module *m = NULL;
	size_t len = 0;
	uint8_t *b = wat_bytes(src, &len);

	if (!b)
		return NULL;
	if (chibi_module_new(b, len, &m, &d) != CHIBI_OK)
		fprintf(stderr, "chibi_module_new: %s at %zu\n", d.msg, d.offset);
	free(b);
	return m;
}

#endif
