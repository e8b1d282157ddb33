/* vm/compiled_test.c - compiled files (chibi compile): a round trip that exercises every kind
 * of slot (instance, memory, globals, table, ref.func, imports, helpers, traps), the code
 * mapped from the file and shared, and refusals: another build, another CPU, a truncation
 * at every length, bit flips, a mismatched run configuration.  The cache: miss then hit,
 * a tampered entry replaced, eviction, a directory others can write, concurrent writers.
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include "alloc.h"
#include "compiled.h"
#include "engine.h"
#include "runtime.h"
#include "sha256.h"
#include "test_wat.h"
#include "../text/wat.h"

static const char *wat =
	"(module\n"
	"  (import \"env\" \"twice\" (func $twice (param i32) (result i32)))\n"
	"  (memory 1)\n"
	"  (global $g (mut i32) (i32.const 5))\n"
	"  (table 2 funcref)\n"
	"  (elem (i32.const 0) $sq $inc)\n"
	"  (type $t (func (param i32) (result i32)))\n"
	"  (func $sq (param i32) (result i32) local.get 0 local.get 0 i32.mul)\n"
	"  (func $inc (param i32) (result i32) local.get 0 i32.const 1 i32.add)\n"
	"  (func (export \"run\") (param i32) (result i32)\n"
	"    ;; memory, a global, call_indirect, an import, memory.grow (a helper)\n"
	"    (i32.store (i32.const 16) (local.get 0))\n"
	"    (global.set $g (i32.add (global.get $g) (i32.load (i32.const 16))))\n"
	"    (call_indirect (type $t) (global.get $g) (i32.const 0))\n"
	"    (call $twice)\n"
	"    (drop (memory.grow (i32.const 1)))\n"
	"    (i32.add (memory.size)))\n"
	"  (func (export \"fref\") (result i32)\n"
	"    (ref.is_null (ref.func $inc)))\n"
	"  (func (export \"div\") (param i32) (result i32)\n"
	"    (i32.div_u (i32.const 7) (local.get 0)))\n"
	"  (func (export \"oob\") (result i32) (i32.load (i32.const 200000)))\n"
	"  (func (export \"ci\") (param i32) (result i32)\n"
	"    (call_indirect (type $t) (i32.const 3) (local.get 0)))\n"
	")\n";

/* Compiled files need a JIT: a build without one (make test-nojit) skips these tests. */
static void need_jit(void)
{
	if (!chibi_jit_name())
		cr_skip_test("no JIT in this build: nothing to compile with");
}

static enum chibi_trap twice(chibi_caller *c, void *env, uint64_t *slots)
{
	slots[0] = (uint32_t)(slots[0] * 2);
	return CHIBI_TRAP_NONE;
}

/* The compiled file of `wat` (cr_assert on failure); *len its size. */
static uint8_t *compile_wat(const struct chibi_config *cfg, size_t *len)
{
	size_t wlen;
	uint8_t *wasm = wat_bytes(wat, &wlen), *cf = NULL;
	struct chibi_diag d = { 0 };

	need_jit();
	cr_assert(wasm, "wat2wasm");
	cr_assert_eq(chibi_compile(wasm, wlen, cfg, &cf, len, &d), CHIBI_OK, "%s", d.msg);
	free(wasm);
	return cf;
}

static int memfd_of(const uint8_t *p, size_t n)
{
	int fd = memfd_create("compiled-test", MFD_CLOEXEC);

	cr_assert(fd >= 0);
	cr_assert_eq(write(fd, p, n), (ssize_t)n);
	return fd;
}

static enum chibi_err open_bytes(const uint8_t *p, size_t n, chibi_compiled **out,
				 struct chibi_diag *d)
{
	int fd = memfd_of(p, n);
	enum chibi_err e = chibi_compiled_open_fd(fd, out, d);

	close(fd);
	return e;
}

static uint32_t call1(chibi_instance *inst, const char *name, int32_t arg, bool has_arg,
		      enum chibi_trap *trap)
{
	chibi_val a = { .type = CHIBI_I32, .of.i32 = arg }, r = { 0 };

	*trap = chibi_func_call(chibi_instance_func(inst, name), &a, has_arg ? 1 : 0, &r, 1,
				NULL);
	return (uint32_t)r.of.i32;
}

/* Run the module of c (or of plain wasm when c is NULL) and check its answers. */
static void run_checks(chibi_compiled *c, const struct chibi_config *cfg, bool expect_used)
{
	chibi_store *s = chibi_store_new(cfg);
	chibi_linker *l = chibi_linker_new();
	chibi_instance *inst = NULL;
	struct chibi_diag d = { 0 };
	struct engine_stats st;
	enum chibi_trap t;

	cr_assert(s && l);
	chibi_store_use_compiled(s, c);
	cr_assert_eq(chibi_linker_define_host(l, s, "env", "twice", "i:i", twice, NULL), CHIBI_OK);
	cr_assert_eq(chibi_instance_new(s, chibi_compiled_module(c), l, &inst, &d, NULL), CHIBI_OK,
		     "%s", d.msg);
	/* g = 5 + 0; twice(sq(5)) + 2 pages after the grow */
	cr_expect_eq(call1(inst, "run", 0, true, &t), 52u);
	cr_expect_eq(t, CHIBI_TRAP_NONE);
	/* g = 5 - 5; twice(sq(0)) + 3 pages */
	cr_expect_eq(call1(inst, "run", -5, true, &t), 3u);
	cr_expect_eq(t, CHIBI_TRAP_NONE);
	cr_expect_eq(call1(inst, "ci", 1, true, &t), 4u);
	call1(inst, "ci", 5, true, &t);
	cr_expect_eq(t, CHIBI_TRAP_UNDEFINED_ELEMENT);
	cr_expect_eq(call1(inst, "fref", 0, false, &t), 0u);
	cr_expect_eq(call1(inst, "div", 2, true, &t), 3u);
	call1(inst, "div", 0, true, &t);
	cr_expect_eq(t, CHIBI_TRAP_DIV_ZERO);
	call1(inst, "oob", 0, false, &t);
	cr_expect_eq(t, CHIBI_TRAP_MEMORY_OOB);
	s->engine->stats(s, &st);
	if (expect_used) {
		cr_expect_str_eq(chibi_store_compiled_note(s), "");
		cr_expect_eq(st.compiled, 7, "all seven functions from the file");
		cr_expect_eq(st.compile_ns, 0);
	} else {
		cr_expect_str_neq(chibi_store_compiled_note(s), "");
	}
	chibi_linker_free(l);
	chibi_store_free(s);
}

Test(compiled, round_trip)
{
	struct chibi_config cfg = { .mode = CHIBI_MODE_JIT };
	size_t len;
	uint8_t *cf = compile_wat(&cfg, &len);
	chibi_compiled *c = NULL;
	struct chibi_diag d = { 0 };

	need_jit();
	cr_assert(chibi_is_compiled(cf, len));
	cr_assert_eq(open_bytes(cf, len, &c, &d), CHIBI_OK, "%s", d.msg);
	run_checks(c, &cfg, true);
	/* twice from one file: the second store maps the same code again */
	run_checks(c, &cfg, true);
	chibi_compiled_free(c);
	free(cf);
}

/* The code is a file mapping, read + execute, never writable: what lets processes share it. */
Test(compiled, code_is_mapped_from_the_file)
{
	struct chibi_config cfg = { .mode = CHIBI_MODE_JIT };
	size_t len;
	uint8_t *cf = compile_wat(&cfg, &len);
	chibi_compiled *c = NULL;
	chibi_store *s = chibi_store_new(&cfg);
	chibi_linker *l = chibi_linker_new();
	chibi_instance *inst = NULL;
	struct chibi_diag d = { 0 };
	char line[512];
	bool found = false;
	enum chibi_trap t;
	FILE *maps;

	need_jit();
	cr_assert_eq(open_bytes(cf, len, &c, &d), CHIBI_OK, "%s", d.msg);
	chibi_store_use_compiled(s, c);
	cr_assert_eq(chibi_linker_define_host(l, s, "env", "twice", "i:i", twice, NULL), CHIBI_OK);
	cr_assert_eq(chibi_instance_new(s, chibi_compiled_module(c), l, &inst, &d, NULL), CHIBI_OK);
	cr_expect_eq(call1(inst, "div", 7, true, &t), 1u);
	maps = fopen("/proc/self/maps", "r");
	cr_assert(maps);
	/* the code read + execute; the module's bytes (module_bytes_are_the_files_pages)
	 * read-only */
	while (fgets(line, sizeof(line), maps))
		if (strstr(line, "compiled-test")) {
			cr_expect(strstr(line, " r-xp ") || strstr(line, " r--p "), "%s", line);
			found = found || strstr(line, " r-xp ");
		}
	fclose(maps);
	cr_expect(found, "no mapping of the compiled file's code");
	chibi_linker_free(l);
	chibi_store_free(s);
	chibi_compiled_free(c);
	free(cf);
}

/* The mapping of /proc/self/maps holding p: its permissions and whether it is the test's
 * memfd; false when p is not mapped at all. */
static bool mapping_of(const void *p, char perms[5], bool *from_memfd)
{
	FILE *f = fopen("/proc/self/maps", "r");
	char line[512];
	bool found = false;

	cr_assert(f);
	while (!found && fgets(line, sizeof(line), f)) {
		unsigned long lo, hi;

		if (sscanf(line, "%lx-%lx %4s", &lo, &hi, perms) == 3 && lo <= (uintptr_t)p &&
		    (uintptr_t)p < hi) {
			found = true;
			*from_memfd = strstr(line, "compiled-test") != NULL;
		}
	}
	fclose(f);
	return found;
}

/* A compiled file's module is decoded from the file's own pages, not from a heap copy:
 * processes running one file share them.  They are read-only, the module runs from them,
 * and they go with the compiled file. */
Test(compiled, module_bytes_are_the_files_pages)
{
	struct chibi_config cfg = { .mode = CHIBI_MODE_JIT };
	size_t len;
	uint8_t *cf = compile_wat(&cfg, &len);
	chibi_compiled *c = NULL;
	struct chibi_diag d = { 0 };
	const struct module *m;
	const uint8_t *bytes;
	char perms[5];
	bool memfd = false;

	need_jit();
	cr_assert_eq(open_bytes(cf, len, &c, &d), CHIBI_OK, "%s", d.msg);
	m = (const struct module *)chibi_compiled_module(c);
	bytes = m->bytes;
	cr_assert(mapping_of(bytes, perms, &memfd), "module bytes not mapped");
	cr_expect(memfd, "module bytes are not the compiled file's pages");
	cr_expect_str_eq(perms, "r--p");
	cr_expect(mapping_of(bytes + m->len - 1, perms, &memfd) && memfd);
	cr_expect_eq(memcmp(bytes, "\0asm", 4), 0);
	run_checks(c, &cfg, true);
	chibi_compiled_free(c);
	cr_expect(!mapping_of(bytes, perms, &memfd) || !memfd, "the mapping outlived the module");
	free(cf);
}

/* Is the page at p mapped at all? */
static bool page_mapped(void *p)
{
	unsigned char v;

	return mincore(p, 1, &v) == 0;
}

/* A read-only mapping of n bytes holding bytes[0..len) at offset off. */
static uint8_t *ro_map(const uint8_t *bytes, size_t len, size_t off, size_t n)
{
	uint8_t *m = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	cr_assert(m != MAP_FAILED);
	memcpy(m + off, bytes, len);
	cr_assert_eq(mprotect(m, n, PROT_READ), 0);
	return m;
}

/* dec_module_mapped takes the mapping whatever happens: unmapped with the module, or at once
 * when the bytes are refused (malformed, or not inside it). */
Test(compiled, mapped_module_owns_its_mapping)
{
	static const uint8_t empty[8] = { 0, 'a', 's', 'm', 1, 0, 0, 0 };
	static const uint8_t bad[8] = { 0, 'a', 's', 'm', 2, 0, 0, 0 };
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	struct chibi_diag d = { 0 };
	struct module *m = NULL;
	uint8_t *map;

	map = ro_map(empty, sizeof(empty), 100, page);
	cr_assert_eq(dec_module_mapped(map + 100, sizeof(empty), map, page, CHIBI_FEATURES_ALL, &m,
				       &d), CHIBI_OK, "%s", d.msg);
	cr_expect_eq(m->bytes, map + 100);
	cr_expect(page_mapped(map));
	mod_unref(m);
	cr_expect(!page_mapped(map), "the module did not unmap its bytes");

	map = ro_map(bad, sizeof(bad), 0, page);
	cr_expect_eq(dec_module_mapped(map, sizeof(bad), map, page, CHIBI_FEATURES_ALL, &m, &d),
		     CHIBI_ERR_MALFORMED);
	cr_expect_null(m);
	cr_expect(!page_mapped(map), "a refused module kept its mapping");

	map = ro_map(empty, sizeof(empty), 0, page);
	cr_expect_eq(dec_module_mapped(map + page - 4, sizeof(empty), map, page, CHIBI_FEATURES_ALL,
				       &m, &d), CHIBI_ERR_ARG);
	cr_expect(!page_mapped(map), "bytes outside the mapping: the mapping was kept");
}

/* A store configured differently from the file (fuel) does not use it, and says why; the
 * module still runs, compiled the ordinary way. */
Test(compiled, other_configuration_falls_back)
{
	struct chibi_config cfg = { .mode = CHIBI_MODE_JIT }, fuel = cfg;
	size_t len;
	uint8_t *cf = compile_wat(&cfg, &len);
	chibi_compiled *c = NULL;
	struct chibi_diag d = { 0 };

	need_jit();
	fuel.fuel = 1000000;
	cr_assert_eq(open_bytes(cf, len, &c, &d), CHIBI_OK, "%s", d.msg);
	run_checks(c, &fuel, false);
	chibi_compiled_free(c);
	free(cf);
}

/* call_indirect of non-final types from a compiled file: the expected type's id comes from
 * the loader's slot on both compares (equal ids, then the callee's supertype at the
 * expected depth); a subtype two levels down is called, a supertype traps. */
Test(compiled, call_indirect_of_a_subtype)
{
	need_jit();
	static const char src[] =
		"(module"
		"  (type $a (sub (func (result i32))))"
		"  (type $b (sub $a (func (result i32))))"
		"  (type $c (sub $b (func (result i32))))"
		"  (func $fa (type $a) (i32.const 1))"
		"  (func $fc (type $c) (i32.const 3))"
		"  (table 2 funcref)"
		"  (elem (i32.const 0) func $fa $fc)"
		"  (func (export \"a\") (param i32) (result i32)"
		"    (call_indirect (type $a) (local.get 0)))"
		"  (func (export \"b\") (param i32) (result i32)"
		"    (return_call_indirect (type $b) (local.get 0))))";
	struct chibi_config cfg = { .mode = CHIBI_MODE_JIT };
	struct wat_error err = { 0 };
	struct chibi_diag d = { 0 };
	chibi_compiled *c = NULL;
	chibi_instance *inst = NULL;
	struct engine_stats st;
	uint8_t *bin = NULL, *cf = NULL;
	size_t len = 0, clen = 0;
	enum chibi_trap t;
	chibi_store *s;

	cr_assert(wat_to_binary(src, sizeof(src) - 1, &bin, &len, &err), "%u: %s", err.line,
		  err.msg);
	cr_assert_eq(chibi_compile(bin, len, &cfg, &cf, &clen, &d), CHIBI_OK, "%s", d.msg);
	vm_free(bin);
	cr_assert_eq(open_bytes(cf, clen, &c, &d), CHIBI_OK, "%s", d.msg);
	s = chibi_store_new(&cfg);
	cr_assert(s);
	chibi_store_use_compiled(s, c);
	cr_assert_eq(chibi_instance_new(s, chibi_compiled_module(c), NULL, &inst, &d, NULL),
		     CHIBI_OK, "%s", d.msg);
	cr_expect_eq(call1(inst, "a", 0, true, &t), 1u);
	cr_expect_eq(t, CHIBI_TRAP_NONE);
	cr_expect_eq(call1(inst, "a", 1, true, &t), 3u);
	cr_expect_eq(t, CHIBI_TRAP_NONE);
	cr_expect_eq(call1(inst, "b", 1, true, &t), 3u);
	cr_expect_eq(t, CHIBI_TRAP_NONE);
	call1(inst, "b", 0, true, &t);
	cr_expect_eq(t, CHIBI_TRAP_INDIRECT_MISMATCH);
	s->engine->stats(s, &st);
	cr_expect_str_eq(chibi_store_compiled_note(s), "");
	cr_expect_eq(st.compiled, 4, "all four functions from the file");
	cr_expect_eq(st.fallbacks, 0);
	chibi_store_free(s);
	chibi_compiled_free(c);
	free(cf);
}

/* Exception handlers in a compiled file: try_table with catch and catch_ref (in a function
 * with v128 values), legacy try with delegate and rethrow, thrown from another function. */
static const char eh_src[] =
	"(module (tag $e (param i32))"
	"  (func $thrower (param i32) (throw $e (local.get 0)))"
	"  (func $leg (param i32) (result i32)"
	"    (try (result i32) (do (try (result i32) (do (call $thrower (local.get 0)) (i32.const -1))"
	"      (delegate 0))) (catch $e (i32.const 1) (i32.add))))"
	"  (func $re (param i32) (result i32)"
	"    (block $h (result i32) (try_table (catch $e $h)"
	"      (try (do (call $thrower (local.get 0))) (catch_all (rethrow 0)))) (i32.const -1)))"
	"  (func $ref (param i32) (result i32) (local v128)"
	"    (block $h (result i32 exnref) (try_table (catch_ref $e $h) (call $thrower (local.get 0)))"
	"      (unreachable)) (drop))"
	"  (func (export \"f\") (param i32) (result i32)"
	"    (call $leg (local.get 0)) (call $re (local.get 0)) (i32.add) (call $ref (local.get 0))"
	"    (i32.add)))";

static void reseal(uint8_t *f, size_t len);

/* Run eh_src's f(10) from the compiled file cf; whether the file's code was used. */
static bool eh_run(const uint8_t *cf, size_t clen)
{
	struct chibi_config cfg = { .mode = CHIBI_MODE_JIT };
	struct chibi_diag d = { 0 };
	chibi_compiled *c = NULL;
	chibi_instance *inst = NULL;
	struct engine_stats st;
	enum chibi_trap t;
	chibi_store *s;
	bool used;

	cr_assert_eq(open_bytes(cf, clen, &c, &d), CHIBI_OK, "%s", d.msg);
	s = chibi_store_new(&cfg);
	cr_assert(s);
	chibi_store_use_compiled(s, c);
	cr_assert_eq(chibi_instance_new(s, chibi_compiled_module(c), NULL, &inst, &d, NULL),
		     CHIBI_OK, "%s", d.msg);
	cr_expect_eq(call1(inst, "f", 10, true, &t), 11u + 10u + 10u);
	cr_expect_eq(t, CHIBI_TRAP_NONE);
	s->engine->stats(s, &st);
	cr_expect_eq(st.compiled, 5, "every function compiled, from the file or not");
	cr_expect_eq(st.fallbacks, 0);
	used = chibi_store_compiled_note(s)[0] == 0;
	if (used)
		cr_expect_eq(st.compile_ns, 0);
	chibi_store_free(s);
	chibi_compiled_free(c);
	return used;
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* The handler rows travel in the file; rows that do not fit their function are refused
 * (the module then runs compiled at load time), whatever field is off. */
Test(compiled, handlers_in_a_compiled_file)
{
	struct chibi_config cfg = { .mode = CHIBI_MODE_JIT };
	struct wat_error err = { 0 };
	struct chibi_diag d = { 0 };
	uint8_t *bin = NULL, *cf = NULL, *bad;
	size_t len = 0, clen = 0;
	uint64_t meta_off;
	uint32_t nslots, ndef, nrows, rows;
	/* word of a row, a value out of bounds for it */
	static const struct { uint32_t word, value; } corrupt[] = {
		{ 0, 0x7ffffff0 }, { 1, 0x7ffffff0 }, { 2, 0x7ffffff0 }, { 4, 0x7ffffff0 },
		{ 7, 0x300 }, { 7, 9 }, { 8, 1000 },
	};

	need_jit();
	cr_assert(wat_to_binary(eh_src, sizeof(eh_src) - 1, &bin, &len, &err), "%u: %s",
		  err.line, err.msg);
	cr_assert_eq(chibi_compile(bin, len, &cfg, &cf, &clen, &d), CHIBI_OK, "%s", d.msg);
	vm_free(bin);
	cr_expect(eh_run(cf, clen), "the file's code is used");
	memcpy(&meta_off, cf + 192, sizeof(meta_off)); /* little-endian host */
	ndef = le32(cf + meta_off + 4);
	nslots = le32(cf + meta_off + 8);
	nrows = le32(cf + meta_off + 24);
	cr_assert_geq(nrows, 5u);
	rows = (uint32_t)meta_off + 4 * (7 + 2 * nslots + 4 * ndef);
	bad = malloc(clen);
	cr_assert(bad);
	for (size_t k = 0; k < sizeof(corrupt) / sizeof(corrupt[0]); k++) {
		memcpy(bad, cf, clen);
		for (uint32_t r = 0; r < nrows; r++)
			memcpy(bad + rows + 36 * r + 4 * corrupt[k].word, &corrupt[k].value, 4);
		reseal(bad, clen);
		cr_expect_not(eh_run(bad, clen), "row word %u = %#x refused", corrupt[k].word,
			      corrupt[k].value);
	}
	free(bad);
	free(cf);
}

/* Rewrite the whole-file check after editing a header field, as a file made by another
 * build would have it. */
static void reseal(uint8_t *f, size_t len)
{
	uint32_t c;

	memset(f + 256, 0, 4);
	c = (uint32_t)crc32(0, f, (uInt)len);
	memcpy(f + 256, &c, 4); /* little-endian host */
}

Test(compiled, another_build_is_refused)
{
	size_t len;
	uint8_t *cf = compile_wat(NULL, &len);
	chibi_compiled *c = NULL;
	struct chibi_diag d = { 0 };

	need_jit();
	memcpy(cf + 16 + strlen(chibi_build_id) - 4, "beef", 4);
	reseal(cf, len);
	cr_expect_eq(open_bytes(cf, len, &c, &d), CHIBI_ERR_UNSUPPORTED);
	cr_expect(strstr(d.msg, "compiled by chibi"), "%s", d.msg);
	cr_expect_null(c);
	free(cf);
}

Test(compiled, another_cpu_is_refused)
{
	size_t len;
	uint8_t *cf = compile_wat(NULL, &len);
	chibi_compiled *c = NULL;
	struct chibi_diag d = { 0 };

	need_jit();
	cf[96 + 1] = 0x0f; /* a SIMD level above any (x86-64), or unknown bits (AArch64) */
	cf[96] = 0xff;
	reseal(cf, len);
	cr_expect_eq(open_bytes(cf, len, &c, &d), CHIBI_ERR_UNSUPPORTED);
	cr_expect(strstr(d.msg, "CPU features"), "%s", d.msg);
	free(cf);
}

/* Every length short of the whole file is refused (shrinking one memfd from the top). */
Test(compiled, truncation_at_every_length)
{
	size_t len;
	uint8_t *cf = compile_wat(NULL, &len);
	int fd = memfd_of(cf, len);
	struct chibi_diag d;

	need_jit();
	for (size_t n = len; n-- > 0;) {
		chibi_compiled *c = NULL;

		cr_assert_eq(ftruncate(fd, (off_t)n), 0);
		memset(&d, 0, sizeof(d));
		cr_assert_neq(chibi_compiled_open_fd(fd, &c, &d), CHIBI_OK, "length %zu", n);
		cr_assert_null(c);
		cr_assert(d.msg[0], "no message at length %zu", n);
	}
	close(fd);
	free(cf);
}

/* A flipped bit anywhere is refused: every bit of the header, the module and the records,
 * and one bit in every 61 bytes of the padding and the code. */
Test(compiled, bit_flips)
{
	size_t len, meta_off, meta_len, end;
	uint8_t *cf = compile_wat(NULL, &len);
	int fd = memfd_of(cf, len);
	unsigned long tried = 0;

	need_jit();
	memcpy(&meta_off, cf + 192, sizeof(meta_off)); /* little-endian host */
	memcpy(&meta_len, cf + 200, sizeof(meta_len));
	end = meta_off + meta_len;
	for (size_t i = 0; i < len; i += i < end ? 1 : 61) {
		for (int b = 0; b < 8; b += i < end ? 1 : 8) {
			uint8_t flipped = cf[i] ^ (uint8_t)(1u << b);
			chibi_compiled *c = NULL;
			struct chibi_diag d = { 0 };

			cr_assert_eq(pwrite(fd, &flipped, 1, (off_t)i), 1);
			cr_assert_neq(chibi_compiled_open_fd(fd, &c, &d), CHIBI_OK,
				      "bit %d of byte %zu", b, i);
			cr_assert(d.msg[0]);
			cr_assert_eq(pwrite(fd, &cf[i], 1, (off_t)i), 1);
			tried++;
		}
	}
	cr_log_info("%lu bit flips refused", tried);
	close(fd);
	free(cf);
}

/* ---- the cache ---- */

static char cache_dir[64];

static void make_dir(void)
{
	snprintf(cache_dir, sizeof(cache_dir), "/tmp/chibi-cache-test-XXXXXX");
	cr_assert(mkdtemp(cache_dir));
}

static void remove_dir(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", cache_dir);
	cr_expect_eq(system(cmd), 0);
}

/* Names of the regular files in cache_dir, counted; *tmp counts temporary ones. */
static int count_entries(int *tmp)
{
	DIR *d = opendir(cache_dir);
	struct dirent *de;
	int n = 0;

	*tmp = 0;
	cr_assert(d);
	while ((de = readdir(d)))
		if (strstr(de->d_name, ".cwasm"))
			n++;
		else if (!strncmp(de->d_name, ".tmp-", 5))
			(*tmp)++;
	closedir(d);
	return n;
}

static uint8_t *module_bytes(int variant, size_t *len)
{
	char src[256];

	snprintf(src, sizeof(src), "(module (func (export \"f\") (result i32) i32.const %d))",
		 variant);
	return wat_bytes(src, len);
}

Test(cache, miss_then_hit, .init = make_dir, .fini = remove_dir)
{
	size_t len;
	uint8_t *wasm = module_bytes(1, &len);
	chibi_compiled *c = NULL;
	struct chibi_diag d = { 0 };
	bool hit = true;
	int tmp;

	need_jit();
	cr_assert_eq(chibi_cache_open(cache_dir, wasm, len, NULL, 0, &c, &hit, &d), CHIBI_OK,
		     "%s", d.msg);
	cr_expect_not(hit);
	chibi_compiled_free(c);
	cr_expect_eq(count_entries(&tmp), 1);
	cr_expect_eq(tmp, 0);
	cr_assert_eq(chibi_cache_open(cache_dir, wasm, len, NULL, 0, &c, &hit, &d), CHIBI_OK);
	cr_expect(hit);
	chibi_compiled_free(c);
	free(wasm);
}

/* Change one byte of the entry: the next open rejects it and writes a good one. */
Test(cache, tampered_entry_is_replaced, .init = make_dir, .fini = remove_dir)
{
	size_t len;
	uint8_t *wasm = module_bytes(2, &len);
	chibi_compiled *c = NULL;
	struct chibi_diag d = { 0 };
	bool hit;
	char cmd[256];
	int tmp;

	need_jit();
	cr_assert_eq(chibi_cache_open(cache_dir, wasm, len, NULL, 0, &c, &hit, &d), CHIBI_OK);
	chibi_compiled_free(c);
	/* the byte after the header: the module's first */
	snprintf(cmd, sizeof(cmd), "f=$(ls %s/*.cwasm); printf 'X' | dd of=$f bs=1 seek=330 "
		 "conv=notrunc status=none", cache_dir);
	cr_assert_eq(system(cmd), 0);
	cr_assert_eq(chibi_cache_open(cache_dir, wasm, len, NULL, 0, &c, &hit, &d), CHIBI_OK,
		     "%s", d.msg);
	cr_expect_not(hit, "a tampered entry was used");
	chibi_compiled_free(c);
	cr_assert_eq(chibi_cache_open(cache_dir, wasm, len, NULL, 0, &c, &hit, &d), CHIBI_OK);
	cr_expect(hit, "the replacement is used");
	chibi_compiled_free(c);
	cr_expect_eq(count_entries(&tmp), 1);
	free(wasm);
}

/* A limit below two entries keeps only the newest. */
Test(cache, eviction_keeps_the_most_recent, .init = make_dir, .fini = remove_dir)
{
	chibi_compiled *c = NULL;
	struct chibi_diag d = { 0 };
	bool hit;
	int tmp;

	need_jit();
	for (int v = 0; v < 4; v++) {
		size_t len;
		uint8_t *wasm = module_bytes(10 + v, &len);

		cr_assert_eq(chibi_cache_open(cache_dir, wasm, len, NULL, 200000, &c, &hit, &d),
			     CHIBI_OK, "%s", d.msg);
		chibi_compiled_free(c);
		free(wasm);
	}
	cr_expect_eq(count_entries(&tmp), 1);
	{
		size_t len;
		uint8_t *wasm = module_bytes(13, &len);

		cr_assert_eq(chibi_cache_open(cache_dir, wasm, len, NULL, 200000, &c, &hit, &d),
			     CHIBI_OK);
		cr_expect(hit, "the newest entry was evicted");
		chibi_compiled_free(c);
		free(wasm);
	}
}

Test(cache, directory_others_can_write_is_refused, .init = make_dir, .fini = remove_dir)
{
	size_t len;
	uint8_t *wasm = module_bytes(3, &len);
	chibi_compiled *c = NULL;
	struct chibi_diag d = { 0 };

	need_jit();
	cr_assert_eq(chmod(cache_dir, 0777), 0);
	cr_expect_neq(chibi_cache_open(cache_dir, wasm, len, NULL, 0, &c, NULL, &d), CHIBI_OK);
	cr_expect(strstr(d.msg, "can write"), "%s", d.msg);
	cr_expect_null(c);
	free(wasm);
}

/* Eight processes fill one empty cache with one module at once: each gets a good file,
 * one entry is left and no temporary file. */
Test(cache, concurrent_writers, .init = make_dir, .fini = remove_dir)
{
	size_t len;
	uint8_t *wasm = module_bytes(4, &len);
	pid_t pid[8];
	int tmp, status;

	need_jit();
	for (int i = 0; i < 8; i++) {
		pid[i] = fork();
		cr_assert(pid[i] >= 0);
		if (pid[i] == 0) {
			chibi_compiled *c = NULL;
			struct chibi_diag d = { 0 };
			int ok = chibi_cache_open(cache_dir, wasm, len, NULL, 0, &c, NULL, &d) ==
				 CHIBI_OK && c;

			chibi_compiled_free(c);
			_exit(ok ? 0 : 1);
		}
	}
	for (int i = 0; i < 8; i++) {
		cr_assert_eq(waitpid(pid[i], &status, 0), pid[i]);
		cr_expect(WIFEXITED(status) && WEXITSTATUS(status) == 0, "writer %d failed", i);
	}
	cr_expect_eq(count_entries(&tmp), 1);
	cr_expect_eq(tmp, 0);
	free(wasm);
}

/* ---- allocation failures (SQLite faultsim style) ---- */

static long fail_at, allocs;
static bool fail_kth(size_t size)
{
	return allocs++ == fail_at;
}

/* Every allocation of chibi_compile, of opening the file, and of instantiating and running
 * from it fails in turn: a clean error (compile, open, instantiate), or the right answers
 * (code the engine could not attach runs compiled the ordinary way, or interpreted), never
 * a crash; LeakSanitizer (ASan build) must find nothing. */
Test(compiled, allocation_failures)
{
	struct chibi_config cfg = { .mode = CHIBI_MODE_JIT };
	size_t wlen;
	uint8_t *wasm = wat_bytes(wat, &wlen);
	long runs = 0, answered = 0;

	need_jit();
	cr_assert(wasm);
	for (fail_at = 0;; fail_at++) {
		uint8_t *cf = NULL;
		size_t clen = 0;
		struct chibi_diag d = { 0 };
		chibi_compiled *c = NULL;
		chibi_store *s = NULL;
		chibi_linker *l = NULL;
		chibi_instance *inst = NULL;
		enum chibi_trap t = CHIBI_TRAP_NONE;
		int fd = -1;
		uint32_t r = 0;

		allocs = 0;
		alloc_set_fail_hook(fail_kth);
		if (chibi_compile(wasm, wlen, &cfg, &cf, &clen, &d) != CHIBI_OK)
			goto next;
		alloc_set_fail_hook(NULL);
		fd = memfd_of(cf, clen);
		alloc_set_fail_hook(fail_kth);
		if (chibi_compiled_open_fd(fd, &c, &d) != CHIBI_OK)
			goto next;
		s = chibi_store_new(&cfg);
		l = chibi_linker_new();
		if (!s || !l)
			goto next;
		chibi_store_use_compiled(s, c);
		if (chibi_linker_define_host(l, s, "env", "twice", "i:i", twice, NULL) != CHIBI_OK ||
		    chibi_instance_new(s, chibi_compiled_module(c), l, &inst, &d, NULL) != CHIBI_OK)
			goto next;
		r = call1(inst, "run", 0, true, &t);
		/* 51: memory.grow was refused (a failed allocation may do that: -1, size 1) */
		cr_assert(t == CHIBI_TRAP_NONE ? r == 52 || r == 51 : t == CHIBI_TRAP_HOST,
			  "failing allocation %ld: %u, trap %d", fail_at, r, t);
		answered++;
next:
		alloc_set_fail_hook(NULL);
		chibi_linker_free(l);
		chibi_store_free(s);
		chibi_compiled_free(c);
		if (fd >= 0)
			close(fd);
		free(cf);
		runs++;
		if (allocs <= fail_at) /* nothing failed: every allocation was tried */
			break;
	}
	cr_expect_eq(test_leaks_now(), 0);
	cr_log_info("%ld runs, %ld answered", runs, answered);
	free(wasm);
}

/* ---- data segments mapped from the file's memory image ---- */

#define BIG_OFF 100u
#define BIG_LEN 70000u
#define TAIL_OFF 140000u

static uint8_t big_byte(uint32_t i)
{
	return (uint8_t)(i * 7 % 251 + 1);
}

/* A module whose first segment (70,000 bytes at 100) makes one mapped run (pages 0-1), a
 * segment inside it that overrides, one outside it (copied) and one at an imported global
 * (0 when compiled). */
static uint8_t *data_wasm(size_t *len)
{
	size_t cap = BIG_LEN * 3 + 2048, n = 0;
	char *w = malloc(cap);
	uint8_t *wasm;

	cr_assert(w);
	n += (size_t)snprintf(w + n, cap - n,
		"(module\n"
		"  (import \"env\" \"g\" (global $g i32))\n"
		"  (memory (export \"mem\") 4 8)\n"
		"  (data (i32.const %u) \"", BIG_OFF);
	for (uint32_t i = 0; i < BIG_LEN; i++)
		n += (size_t)snprintf(w + n, cap - n, "\\%02x", big_byte(i));
	n += (size_t)snprintf(w + n, cap - n, "\")\n"
		"  (data (i32.const 200) \"XYZ\")\n"
		"  (data (i32.const %u) \"tail\")\n"
		"  (data (global.get $g) \"G\")\n"
		"  (func (export \"fill\") (memory.fill (i32.const 1000) (i32.const 0x55) (i32.const 5000)))\n"
		"  (func (export \"copy\") (memory.copy (i32.const 50000) (i32.const %u) (i32.const 4)))\n"
		"  (func (export \"grow\") (result i32) (memory.grow (i32.const 1)))\n"
		"  (func (export \"size\") (result i32) (memory.size))\n"
		"  (func (export \"load\") (param i32) (result i32) (i32.load8_u (local.get 0))))\n",
		TAIL_OFF, TAIL_OFF);
	wasm = wat_bytes(w, len);
	free(w);
	cr_assert(wasm, "wat2wasm");
	return wasm;
}

/* What memory holds after instantiation with global g. */
static void data_expected(uint8_t *mem, size_t size, uint32_t g)
{
	memset(mem, 0, size);
	for (uint32_t i = 0; i < BIG_LEN; i++)
		mem[BIG_OFF + i] = big_byte(i);
	memcpy(mem + 200, "XYZ", 3);
	memcpy(mem + TAIL_OFF, "tail", 4);
	mem[g] = 'G';
}

struct data_run_env {
	chibi_store *s;
	chibi_linker *l;
	chibi_instance *inst;
	chibi_memory *mem;
};

static enum chibi_err data_instantiate(struct data_run_env *e, chibi_compiled *c, int32_t g,
				       const struct chibi_config *cfg, struct chibi_trap_info *ti)
{
	chibi_val v = { .type = CHIBI_I32, .of.i32 = g };
	struct chibi_diag d = { 0 };
	struct chibi_extern ex = { .kind = CHIBI_EXTERN_GLOBAL };
	enum chibi_err err;

	e->s = chibi_store_new(cfg);
	e->l = chibi_linker_new();
	cr_assert(e->s && e->l);
	chibi_store_use_compiled(e->s, c);
	ex.of.global = chibi_global_new(e->s, v, false);
	cr_assert(ex.of.global);
	cr_assert_eq(chibi_linker_define(e->l, "env", "g", ex), CHIBI_OK);
	err = chibi_instance_new(e->s, chibi_compiled_module(c), e->l, &e->inst, &d, ti);
	e->mem = e->inst ? chibi_instance_memory(e->inst, "mem") : NULL;
	return err;
}

static void data_release(struct data_run_env *e)
{
	chibi_linker_free(e->l);
	chibi_store_free(e->s);
}

/* Is [p, p + n) mapped from the test's memfd (in /proc/self/maps)? */
static bool mapped_from_memfd(const void *p, size_t n)
{
	FILE *f = fopen("/proc/self/maps", "r");
	char line[512];
	bool found = false;

	cr_assert(f);
	while (fgets(line, sizeof(line), f)) {
		unsigned long lo, hi;

		if (sscanf(line, "%lx-%lx", &lo, &hi) == 2 && lo <= (uintptr_t)p &&
		    (uintptr_t)p + n <= hi && strstr(line, "compiled-test") && strstr(line, "rw-p"))
			found = true;
	}
	fclose(f);
	return found;
}

static void data_call(chibi_instance *inst, const char *name)
{
	cr_assert_eq(chibi_func_call(chibi_instance_func(inst, name), NULL, 0, NULL, 0, NULL),
		     CHIBI_TRAP_NONE, "%s", name);
}

Test(compiled, data_segments_mapped_copy_on_write)
{
	need_jit();
	/* the guard-page JIT, explicit bounds checks, the interpreter, a heap memory (copied) */
	static const char *const env[4][2] = { { "CHIBI_JIT_BOUNDS", NULL },
					       { "CHIBI_JIT_BOUNDS", "explicit" },
					       { "CHIBI_JIT_BOUNDS", NULL },
					       { "CHIBI_NO_RESERVE", "1" } };
	struct chibi_config interp = { .mode = CHIBI_MODE_INTERP };
	size_t wlen, len, size = 4 * 65536;
	uint8_t *wasm = (need_jit(), data_wasm(&wlen)), *cf = NULL, *want = malloc(5 * 65536);
	uint8_t *file_copy;
	struct chibi_diag d = { 0 };
	chibi_compiled *c = NULL;
	int fd;

	cr_assert(want);
	cr_assert_eq(chibi_compile(wasm, wlen, NULL, &cf, &len, &d), CHIBI_OK, "%s", d.msg);
	fd = memfd_of(cf, len);
	cr_assert_eq(chibi_compiled_open_fd(fd, &c, &d), CHIBI_OK, "%s", d.msg);
	for (int k = 0; k < 4; k++) {
		const struct chibi_config *cfg = k == 2 ? &interp : NULL;
		struct data_run_env a = { 0 }, b = { 0 };

		if (env[k][1])
			setenv(env[k][0], env[k][1], 1);

		cr_assert_eq(data_instantiate(&a, c, 0, cfg, NULL), CHIBI_OK);
		cr_assert(a.mem);
		data_expected(want, size, 0);
		cr_assert_eq(chibi_memory_size(a.mem), size);
		cr_assert(memcmp(chibi_memory_data(a.mem), want, size) == 0, "contents");
		if (a.mem->reserved)
			cr_expect(mapped_from_memfd(chibi_memory_data(a.mem), 2 * 65536),
				  "pages 0-1 are the file's");
		/* writes stay private: fill and copy over the mapped pages, a store, a grow */
		data_call(a.inst, "fill");
		data_call(a.inst, "copy");
		chibi_memory_data(a.mem)[70000] = 0xee;
		memset(want + 1000, 0x55, 5000);
		memcpy(want + 50000, "tail", 4);
		want[70000] = 0xee;
		cr_assert_eq(chibi_memory_grow(a.mem, 1), 4);
		memset(want + size, 0, 65536);
		cr_assert(memcmp(chibi_memory_data(a.mem), want, size + 65536) == 0);
		cr_assert_eq(data_instantiate(&b, c, 0, cfg, NULL), CHIBI_OK);
		data_expected(want, size, 0);
		cr_assert(memcmp(chibi_memory_data(b.mem), want, size) == 0, "other instance");
		data_release(&b);
		data_release(&a);
		/* a window reused from the pool reads as zero, not as the file */
		cr_assert_eq(data_instantiate(&a, c, 70, cfg, NULL), CHIBI_OK);
		data_expected(want, size, 70);
		cr_assert(memcmp(chibi_memory_data(a.mem), want, size) == 0, "g = 70 (copied)");
		cr_expect(!mapped_from_memfd(chibi_memory_data(a.mem), 65536));
		data_release(&a);
		unsetenv(env[k][0]);
	}
	/* the file never changed */
	file_copy = malloc(len);
	cr_assert(file_copy);
	cr_assert_eq(pread(fd, file_copy, len, 0), (ssize_t)len);
	cr_assert(memcmp(file_copy, cf, len) == 0, "the file is unchanged");
	free(file_copy);
	chibi_compiled_free(c);
	close(fd);
	free(cf);
	free(wasm);
	free(want);
}

/* Another process writing into its mapped data pages changes nothing for this one. */
Test(compiled, data_pages_private_between_processes)
{
	need_jit();
	size_t wlen, len, size = 4 * 65536;
	uint8_t *wasm = (need_jit(), data_wasm(&wlen)), *cf = NULL, *want = malloc(size);
	struct chibi_diag d = { 0 };
	chibi_compiled *c = NULL;
	struct data_run_env a = { 0 };
	int fd, status;
	pid_t pid;

	cr_assert(want);
	cr_assert_eq(chibi_compile(wasm, wlen, NULL, &cf, &len, &d), CHIBI_OK, "%s", d.msg);
	fd = memfd_of(cf, len);
	cr_assert_eq(chibi_compiled_open_fd(fd, &c, &d), CHIBI_OK, "%s", d.msg);
	cr_assert_eq(data_instantiate(&a, c, 0, NULL, NULL), CHIBI_OK);
	pid = fork();
	cr_assert(pid >= 0);
	if (pid == 0) {
		struct data_run_env b = { 0 };

		if (data_instantiate(&b, c, 0, NULL, NULL) != CHIBI_OK)
			_exit(2);
		memset(chibi_memory_data(b.mem), 0xab, 2 * 65536);
		_exit(chibi_memory_data(b.mem)[BIG_OFF] == 0xab ? 0 : 3);
	}
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	data_expected(want, size, 0);
	cr_assert(memcmp(chibi_memory_data(a.mem), want, size) == 0);
	data_release(&a);
	chibi_compiled_free(c);
	close(fd);
	free(cf);
	free(wasm);
	free(want);
}

/* A segment out of bounds at run time (an imported offset) traps as without the image. */
Test(compiled, data_image_out_of_bounds_traps)
{
	need_jit();
	size_t wlen, len;
	uint8_t *wasm = (need_jit(), data_wasm(&wlen)), *cf = NULL;
	struct chibi_diag d = { 0 };
	struct chibi_trap_info ti;
	chibi_compiled *c = NULL;
	struct data_run_env a = { 0 };

	cr_assert_eq(chibi_compile(wasm, wlen, NULL, &cf, &len, &d), CHIBI_OK, "%s", d.msg);
	cr_assert_eq(open_bytes(cf, len, &c, &d), CHIBI_OK, "%s", d.msg);
	cr_assert_eq(data_instantiate(&a, c, 4 * 65536, NULL, &ti), CHIBI_ERR_TRAP);
	cr_expect_eq(ti.kind, CHIBI_TRAP_MEMORY_OOB);
	data_release(&a);
	chibi_compiled_free(c);
	free(cf);
	free(wasm);
}
