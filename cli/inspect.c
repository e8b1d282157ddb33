/* cli/inspect.c - `chibi inspect`: what the JIT makes of a module.
 *
 *   --stats           functions compiled, fallbacks with their reasons, code size, compile
 *                     speed (MB of wasm body per second)
 *   --disasm [FUNC]   machine code of every function (or of FUNC: an index, an export or a
 *                     name-section name), disassembled with capstone, each wasm instruction's
 *                     offset and text above the code it became
 *
 * Unlike the other commands this one reaches below include/chibi.h (the module's imports
 * and types, the JIT's code): it is a developer tool over internals.  Imports are satisfied
 * with stand-ins of the right type (host functions that trap) and the start function is
 * not run, so any module can be inspected without WASI or its real imports.
 *
 * Capstone is loaded with dlopen only when --disasm asks for it: linked normally, its 6.6 MB
 * library and ~80,000 relocations cost every `chibi run` about 1 ms of start-up.  The header
 * still gives the types, and its major version names the library (libcapstone.so.4).
 */
#include <capstone/capstone.h>
#include <dlfcn.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chibi.h"
#include "cli.h"
#include "../vm/engine.h"
#include "../vm/instr.h"
#include "../vm/store.h"

static enum chibi_trap stand_in(chibi_caller *c, void *env, uint64_t *slots)
{
	(void)env;
	(void)slots;
	chibi_caller_set_trap_message(c, "chibi inspect: imports are stand-ins");
	return CHIBI_TRAP_HOST;
}

/* "params:results" in the letters of chibi_func_new_host. */
static void sig_of(const struct functype *t, char *buf, size_t n)
{
	size_t k = 0;

	for (uint32_t i = 0; i < t->nparams && k + 2 < n; i++)
		buf[k++] = vt_letter(t->params[i]);
	buf[k++] = ':';
	for (uint32_t i = 0; i < t->nresults && k + 1 < n; i++)
		buf[k++] = vt_letter(t->results[i]);
	buf[k] = 0;
}

/* Define a stand-in for every import of m. */
static bool define_imports(chibi_store *s, chibi_linker *l, const struct module *m)
{
	for (uint32_t i = 0; i < m->nimports; i++) {
		const struct import *im = &m->imports[i];
		struct chibi_extern ext = { .kind = (enum chibi_extern_kind)im->kind };
		char sig[512];

		switch (im->kind) {
		case EXT_FUNC:
			sig_of(&m->types[im->desc.type_index], sig, sizeof(sig));
			ext.of.func = chibi_func_new_host(s, sig, stand_in, NULL);
			break;
		case EXT_TABLE:
			ext.of.table = im->desc.table.limits.is64 ?
				chibi_table_new64(s, (enum chibi_valtype)im->desc.table.elemtype,
						  im->desc.table.limits.min, im->desc.table.limits.max,
						  im->desc.table.limits.has_max) :
				chibi_table_new(s, (enum chibi_valtype)im->desc.table.elemtype,
						(uint32_t)im->desc.table.limits.min,
						(uint32_t)im->desc.table.limits.max,
						im->desc.table.limits.has_max);
			break;
		case EXT_MEMORY:
			ext.of.memory = im->desc.memory.limits.is64 ?
				chibi_memory_new64(s, im->desc.memory.limits.min,
						   im->desc.memory.limits.max,
						   im->desc.memory.limits.has_max) :
				chibi_memory_new(s, (uint32_t)im->desc.memory.limits.min,
						 (uint32_t)im->desc.memory.limits.max,
						 im->desc.memory.limits.has_max);
			break;
		default: {
			chibi_val v = { .type = im->desc.global.valtype };

			ext.of.global = chibi_global_new(s, v, im->desc.global.mutable_);
			break;
		}
		}
		if (!ext.of.func ||
		    chibi_linker_define(l, im->module_name, im->field_name, ext) != CHIBI_OK)
			return false;
	}
	return true;
}

/* Function index named by `spec` (number, export or name-section name), or UINT32_MAX. */
static uint32_t find_func(const struct module *m, const char *spec)
{
	char *end;
	unsigned long v = strtoul(spec, &end, 10);

	if (*spec && !*end)
		return v < m->nfuncs_total ? (uint32_t)v : UINT32_MAX;
	for (uint32_t i = 0; i < m->nexports; i++)
		if (m->exports[i].kind == EXT_FUNC && !strcmp(m->exports[i].name, spec))
			return m->exports[i].index;
	if (m->func_names)
		for (uint32_t i = 0; i < m->nfuncs_total; i++)
			if (m->func_names[i] && !strcmp(m->func_names[i], spec))
				return i;
	return UINT32_MAX;
}

/* Text of the wasm instruction at byte offset off of function body f. */
static void wasm_text(const struct module *m, const struct func *f, uint32_t off, char *buf,
		      size_t n)
{
	const uint8_t *p = m->bytes + off, *end = f->code + f->code_len;
	struct instr in;
	const struct opinfo *oi;
	const char *name;

	if (off < f->code_offset || p >= end ||
	    instr_read(&p, end, m->bytes, &in, NULL) != CHIBI_OK) {
		snprintf(buf, n, "?");
		return;
	}
	oi = &op_info[in.op];
	name = op_name(in.op);
	switch (oi->imm) {
	case IMM_LABEL: case IMM_FUNC: case IMM_TYPE: case IMM_LOCAL: case IMM_GLOBAL:
	case IMM_TABLE: case IMM_DATA: case IMM_ELEM:
		snprintf(buf, n, "%s %u", name, in.a);
		break;
	case IMM_CALL_INDIRECT:
		snprintf(buf, n, "%s type %u table %u", name, in.a, in.b);
		break;
	case IMM_MEMARG:
		snprintf(buf, n, "%s offset=%" PRIu64, name, in.bits);
		break;
	case IMM_I32:
		snprintf(buf, n, "%s %d", name, (int32_t)in.bits);
		break;
	case IMM_I64:
		snprintf(buf, n, "%s %" PRId64, name, (int64_t)in.bits);
		break;
	case IMM_F32: case IMM_F64:
		snprintf(buf, n, "%s 0x%" PRIx64, name, in.bits);
		break;
	case IMM_BR_TABLE:
		snprintf(buf, n, "%s (%u labels) %u", name, in.a, in.b);
		break;
	default:
		snprintf(buf, n, "%s", name);
		break;
	}
}

/* The few capstone functions --disasm calls, resolved from the dlopen'ed library. */
#define CS_STR_(x) #x
#define CS_STR(x) CS_STR_(x)
#define CAPSTONE_SONAME "libcapstone.so." CS_STR(CS_API_MAJOR)

static struct {
	unsigned int (*version)(int *major, int *minor);
	cs_err (*open)(cs_arch arch, cs_mode mode, csh *handle);
	cs_err (*close)(csh *handle);
	cs_insn *(*insn_alloc)(csh handle);
	void (*insn_free)(cs_insn *insn, size_t count);
	bool (*disasm_iter)(csh handle, const uint8_t **code, size_t *size, uint64_t *address,
			    cs_insn *insn);
} cs_fn;

/* dlopen capstone and resolve cs_fn; false (with the reason on stderr) if it is missing or
 * of another major version than the header this file was built with. */
static bool capstone_load(void)
{
	void *h = dlopen(CAPSTONE_SONAME, RTLD_NOW | RTLD_LOCAL);
	int major = 0, minor = 0;

	if (!h) {
		fprintf(stderr, "chibi inspect: --disasm needs Capstone %d (%s): %s\n",
			CS_API_MAJOR, CAPSTONE_SONAME, dlerror());
		return false;
	}
	*(void **)&cs_fn.version = dlsym(h, "cs_version");
	*(void **)&cs_fn.open = dlsym(h, "cs_open");
	*(void **)&cs_fn.close = dlsym(h, "cs_close");
	*(void **)&cs_fn.insn_alloc = dlsym(h, "cs_malloc");
	*(void **)&cs_fn.insn_free = dlsym(h, "cs_free");
	*(void **)&cs_fn.disasm_iter = dlsym(h, "cs_disasm_iter");
	if (!cs_fn.version || !cs_fn.open || !cs_fn.close || !cs_fn.insn_alloc ||
	    !cs_fn.insn_free || !cs_fn.disasm_iter) {
		fprintf(stderr, "chibi inspect: %s lacks a Capstone function\n", CAPSTONE_SONAME);
		dlclose(h);
		return false;
	}
	cs_fn.version(&major, &minor);
	if (major != CS_API_MAJOR) {
		fprintf(stderr, "chibi inspect: %s is Capstone %d.%d, built for %d\n",
			CAPSTONE_SONAME, major, minor, CS_API_MAJOR);
		dlclose(h);
		return false;
	}
	return true; /* kept loaded until exit */
}

static bool capstone_arch(cs_arch *arch, cs_mode *mode)
{
	const char *b = chibi_jit_name();

	if (b && !strcmp(b, "x86-64")) {
		*arch = CS_ARCH_X86;
		*mode = CS_MODE_64;
		return true;
	}
	if (b && !strcmp(b, "aarch64")) {
		*arch = CS_ARCH_ARM64;
		*mode = CS_MODE_ARM;
		return true;
	}
	return false;
}

static void disasm_func(csh cs, const struct module *m, struct chibi_instance *inst,
			uint32_t idx)
{
	const struct func *f = &m->funcs[idx - m->nfunc_imports];
	const char *name = m->func_names ? m->func_names[idx] : NULL;
	struct engine_code_info ci;
	uint32_t k = 0;
	size_t off = 0;

	printf("\nfunc %u%s%s%s: %zu wasm bytes", idx, name ? " <" : "", name ? name : "",
	       name ? ">" : "", f->code_len);
	if (!engine_jit->code_info(inst->funcs[idx], &ci)) {
		printf(", not compiled (%s)\n", ci.fail_reason ? ci.fail_reason : "?");
		return;
	}
	printf(" -> %zu code bytes at %p\n", ci.size, (const void *)ci.code);
	while (off < ci.size) {
		const uint8_t *p = ci.code + off;
		size_t left = ci.size - off;
		uint64_t addr = off;
		cs_insn *insn = cs_fn.insn_alloc(cs);
		bool data = false;

		for (; k < ci.nmap && ci.map[2 * k + 1] <= off; k++) {
			char text[160];

			wasm_text(m, f, ci.map[2 * k], text, sizeof(text));
			printf("    ;; %06x  %s\n", ci.map[2 * k], text);
		}
		for (uint32_t d = 0; d < ci.ndata; d++)
			if (off >= ci.data[2 * d] && off < ci.data[2 * d + 1]) {
				uint32_t v;

				memcpy(&v, p, 4);
				printf("  %6zx:  .long 0x%08x\n", off, v);
				off += 4;
				data = true;
			}
		if (!data) {
			if (insn && cs_fn.disasm_iter(cs, &p, &left, &addr, insn)) {
				printf("  %6zx:  %-8s %s\n", off, insn->mnemonic, insn->op_str);
				off = (size_t)addr;
			} else {
				printf("  %6zx:  .byte 0x%02x\n", off, *p);
				off++;
			}
		}
		cs_fn.insn_free(insn, 1);
	}
}

static void usage(FILE *out)
{
	fprintf(out,
		"usage: chibi inspect [--stats] [--disasm [FUNC]] FILE.wasm\n"
		"\n"
		"Compile every function of FILE.wasm with the JIT and report:\n"
		"  --stats          functions compiled, fallbacks, code size, compile speed (default)\n"
		"  --disasm [FUNC]  machine code per function (FUNC: index, export or name-section\n"
		"                   name), with the wasm instructions it implements\n");
	if (!engine_jit)
		fprintf(out, "\nThis build of chibi has no JIT: there is nothing to inspect.\n");
}

enum { OPT_STATS = 256, OPT_DISASM };

static const struct option long_opts[] = {
	{ "stats", no_argument, NULL, OPT_STATS },
	{ "disasm", optional_argument, NULL, OPT_DISASM }, /* --disasm, --disasm=FUNC */
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/* chibi inspect ...: 0 on success, 1 if the module cannot be loaded or instantiated, 2 on
 * usage errors. */
int inspect_main(int argc, char **argv)
{
	bool stats = false, disasm = false;
	const char *path = NULL, *only = NULL;
	struct chibi_config cfg = { .mode = CHIBI_MODE_JIT };
	struct chibi_diag diag = { 0 };
	chibi_module *cm = NULL;
	chibi_store *s = NULL;
	chibi_linker *l = NULL;
	chibi_instance *inst = NULL;
	struct module *m;
	struct engine_stats st;
	uint32_t failed;
	int status = 1, opt;

	opterr = 0;
	optind = 0; /* glibc: a fresh scan */
	while ((opt = getopt_long(argc, argv, ":h", long_opts, NULL)) != -1) {
		switch (opt) {
		case OPT_STATS:
			stats = true;
			break;
		case OPT_DISASM:
			disasm = true;
			only = optarg; /* --disasm=FUNC */
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			fprintf(stderr, "chibi inspect: unknown option '%s'\n", argv[optind - 1]);
			usage(stderr);
			return 2;
		}
	}
	/* `--disasm FUNC FILE`: FUNC is the one argument before the file */
	if (disasm && !only && argc - optind == 2)
		only = argv[optind++];
	if (argc - optind != 1) {
		usage(stderr);
		return 2;
	}
	path = argv[optind];
	if (!stats && !disasm)
		stats = true;
	if (!engine_jit) {
		fprintf(stderr, "chibi inspect: this build of chibi has no JIT (back ends: x86-64, "
			"aarch64); there is no code to inspect\n");
		return 1;
	}
	if (disasm && !capstone_load())
		return 1;
	if (chibi_module_load_file(path, &cm, &diag) != CHIBI_OK) {
		fprintf(stderr, "chibi inspect: %s: %s\n", path, diag.msg);
		return 1;
	}
	m = (struct module *)cm;
	m->has_start = false; /* inspect compiles; it does not run anything */
	s = chibi_store_new(&cfg);
	l = chibi_linker_new();
	if (!s || !l || !define_imports(s, l, m)) {
		fprintf(stderr, "chibi inspect: out of memory\n");
		goto out;
	}
	if (chibi_instance_new(s, cm, l, &inst, &diag, NULL) != CHIBI_OK) {
		fprintf(stderr, "chibi inspect: %s: cannot instantiate: %s\n", path, diag.msg);
		goto out;
	}
	failed = engine_jit->compile_instance(inst, stats ? stdout : NULL);
	engine_jit->stats(s, &st);
	if (stats) {
		double secs = st.compile_ns / 1e9;

		printf("%s: %u functions, %u compiled, %u left to the interpreter (%s back end)\n",
		       path, m->nfuncs, st.compiled, failed, chibi_jit_name());
		printf("  wasm bodies %" PRIu64 " bytes -> machine code %" PRIu64 " bytes (x%.2f)\n",
		       st.wasm_bytes, st.code_bytes,
		       st.wasm_bytes ? (double)st.code_bytes / (double)st.wasm_bytes : 0.0);
		printf("  compile time %.3f ms: %.1f MB/s of wasm, %.0f functions/s\n", secs * 1e3,
		       secs > 0 ? st.wasm_bytes / secs / 1e6 : 0.0,
		       secs > 0 ? st.compiled / secs : 0.0);
	}
	if (disasm) {
		cs_arch arch;
		cs_mode mode;
		csh cs;
		uint32_t want = only ? find_func(m, only) : UINT32_MAX;

		if (only && (want == UINT32_MAX || want < m->nfunc_imports)) {
			fprintf(stderr, "chibi inspect: no defined function '%s'\n", only);
			goto out;
		}
		if (!capstone_arch(&arch, &mode) || cs_fn.open(arch, mode, &cs) != CS_ERR_OK) {
			fprintf(stderr, "chibi inspect: capstone cannot disassemble %s\n",
				chibi_jit_name());
			goto out;
		}
		for (uint32_t i = m->nfunc_imports; i < m->nfuncs_total; i++)
			if (!only || i == want)
				disasm_func(cs, m, inst, i);
		cs_fn.close(&cs);
	}
	status = 0;
out:
	chibi_linker_free(l);
	chibi_store_free(s);
	chibi_module_free(cm);
	return status;
}
