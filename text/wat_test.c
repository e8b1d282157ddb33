/* text/wat_test.c - the text reader: tokens, literals, module encoding, errors with
 * line:column, and out of memory on every allocation.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "../include/chibi.h"
#include "../vm/alloc.h"
#include "wat.h"

/* ---- literals --------------------------------------------------------------------------- */

static bool int_of(const char *s, unsigned bits, uint64_t *v)
{
	return wat_read_int(s, strlen(s), bits, v);
}

static uint64_t float_bits(const char *s, unsigned bits)
{
	uint64_t v = 0;

	cr_assert(wat_read_float(s, strlen(s), bits, &v), "'%s' should read", s);
	return v;
}

Test(wat_num, integers)
{
	static const struct {
		const char *text;
		unsigned bits;
		bool ok;
		uint64_t value;
	} rows[] = {
		{ "0", 32, true, 0 },
		{ "4294967295", 32, true, 0xffffffff },
		{ "4294967296", 32, false, 0 },
		{ "-2147483648", 32, true, 0x80000000 },
		{ "-2147483649", 32, false, 0 },
		{ "+2147483647", 32, true, 0x7fffffff },
		{ "+2147483648", 32, false, 0 },   /* a signed literal: sN range */
		{ "0xffff_ffff", 32, true, 0xffffffff },
		{ "1_000_000", 32, true, 1000000 },
		{ "1__000", 32, false, 0 },        /* '_' only between digits */
		{ "_1", 32, false, 0 },
		{ "1_", 32, false, 0 },
		{ "0x", 32, false, 0 },
		{ "0x_1", 32, false, 0 },
		{ "-0x8000000000000000", 64, true, 0x8000000000000000ull },
		{ "18446744073709551615", 64, true, UINT64_MAX },
		{ "18446744073709551616", 64, false, 0 },
		{ "1.0", 32, false, 0 },
		{ "", 32, false, 0 },
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		uint64_t v = 0;
		bool ok = int_of(rows[i].text, rows[i].bits, &v);

		cr_expect_eq(ok, rows[i].ok, "'%s': %d", rows[i].text, ok);
		if (ok && rows[i].ok)
			cr_expect_eq(v, rows[i].value, "'%s': %llx", rows[i].text,
				     (unsigned long long)v);
	}
}

Test(wat_num, floats)
{
	uint64_t v;

	cr_expect_eq(float_bits("1", 32), 0x3f800000);
	cr_expect_eq(float_bits("-0.0", 32), 0x80000000);
	cr_expect_eq(float_bits("0x1.8p1", 32), 0x40400000);
	cr_expect_eq(float_bits("1e1_0", 64), 0x4202a05f20000000ull);
	cr_expect_eq(float_bits("inf", 32), 0x7f800000);
	cr_expect_eq(float_bits("-inf", 64), 0xfff0000000000000ull);
	cr_expect_eq(float_bits("nan", 32), 0x7fc00000);
	cr_expect_eq(float_bits("-nan", 64), 0xfff8000000000000ull);
	cr_expect_eq(float_bits("nan:0x1", 32), 0x7f800001);
	cr_expect_eq(float_bits("nan:0x7f_ffff", 32), 0x7fffffff);
	cr_expect_not(wat_read_float("nan:0x800000", 12, 32, &v)); /* payload too wide */
	cr_expect_not(wat_read_float("nan:0x0", 7, 32, &v));
	cr_expect_not(wat_read_float("1e39", 4, 32, &v));          /* rounds to infinity */
	cr_expect_not(wat_read_float(".5", 2, 32, &v));
	cr_expect_not(wat_read_float("1.e", 3, 32, &v));
	cr_expect_eq(float_bits("1.", 32), 0x3f800000);
	cr_expect_eq(float_bits("0x1p-149", 32), 1);               /* smallest subnormal */
	cr_expect_eq(float_bits("0x1.fffffefffffffffffp127", 32), 0x7f7fffff);
	/* Just above the halfway point between 1 and the next f32: rounding through a double
	 * first lands exactly on the halfway point and then (ties to even) on 1.0. */
	cr_expect_eq(float_bits("1.00000005960464477539062501", 32), 0x3f800001);
	cr_expect_eq(float_bits("1.00000005960464477539062499", 32), 0x3f800000);
	cr_expect_eq(float_bits("0x1.000001p0", 32), 0x3f800000); /* hex halfway: to even */
	cr_expect_eq(float_bits("0x1.0000011p0", 32), 0x3f800001);
}

/* ---- reading ---------------------------------------------------------------------------- */

Test(wat_read, comments_annotations_strings)
{
	static const char src[] =
		"(; a (; nested ;) comment ;) (a (@note x \"y\" (z)) \"s\\t\\u{48}\\41\" $x $\"a b\")"
		";; line comment\n(b)";
	struct wat_error err;
	struct wat_tree t;
	const struct wat_node *a, *k;

	cr_assert(wat_read(src, strlen(src), &t, &err), "%u:%u %s", err.line, err.col, err.msg);
	a = t.top;
	cr_assert(wat_is_list(a, "a"));
	k = a->first->next;
	cr_assert_eq(k->kind, WAT_STRING, "the annotation is dropped");
	cr_assert_eq(k->len, 4);
	cr_expect_eq(memcmp(k->text, "s\tHA", 4), 0);
	k = k->next;
	cr_expect_eq(k->kind, WAT_ID);
	cr_expect_eq(k->len, 2);
	k = k->next;
	cr_expect_eq(k->kind, WAT_ID);
	cr_expect_eq(k->len, 4);
	cr_expect_eq(memcmp(k->text, "$a b", 4), 0);
	cr_expect(wat_is_list(a->next, "b"));
	cr_expect_null(a->next->next);
	wat_tree_free(&t);
}

static void read_fails(const char *src, unsigned line, unsigned col)
{
	struct wat_error err;
	struct wat_tree t;

	cr_assert_not(wat_read(src, strlen(src), &t, &err), "'%s' should not read", src);
	cr_expect_eq(err.line, line, "'%s': line %u (%s)", src, err.line, err.msg);
	cr_expect_eq(err.col, col, "'%s': column %u (%s)", src, err.col, err.msg);
	cr_expect_null(t.top);
}

Test(wat_read, malformed)
{
	read_fails("(a", 1, 3);
	read_fails("(a))", 1, 4);
	read_fails("(a\n  \"abc)", 2, 3);
	read_fails("(; never closed", 1, 1);
	read_fails("(a \"\\q\")", 1, 5);
	read_fails("(a \"\\u{d800}\")", 1, 5);
	read_fails("(a $)", 1, 4);
	read_fails("(a $\"\")", 1, 4);
	read_fails("(a x\"y\")", 1, 4);
	read_fails("(a \"x\"\"y\")", 1, 4);
	read_fails("(a\n\n   {})", 3, 4);
	read_fails("(@)", 1, 1);
	read_fails("(a \x01)", 1, 4);
	read_fails("(a \"\xff\")", 1, 5);
}

/* ---- modules ---------------------------------------------------------------------------- */

static uint8_t *encode(const char *src, size_t *len)
{
	struct wat_error err;
	uint8_t *bin;

	cr_assert(wat_to_binary(src, strlen(src), &bin, len, &err), "'%s': %u:%u: %s", src,
		  err.line, err.col, err.msg);
	return bin;
}

static void encodes_as(const char *src, const uint8_t *want, size_t want_len)
{
	size_t len;
	uint8_t *bin = encode(src, &len);

	cr_expect_eq(len, want_len, "'%s': %zu bytes, want %zu", src, len, want_len);
	if (len == want_len)
		cr_expect_eq(memcmp(bin, want, len), 0, "'%s': other bytes", src);
	vm_free(bin);
}

#define ENCODES_AS(src, ...)                                                               \
	do {                                                                               \
		static const uint8_t want_[] = { __VA_ARGS__ };                            \
		encodes_as(src, want_, sizeof(want_));                                     \
	} while (0)

#define HDR 0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00

Test(wat_module, bytes)
{
	ENCODES_AS("(module)", HDR);
	/* type, func, export, code: i32.const 42 */
	ENCODES_AS("(module (func (export \"f\") (result i32) i32.const 42))",
		   HDR, 1, 5, 1, 0x60, 0, 1, 0x7f, 3, 2, 1, 0, 7, 5, 1, 1, 'f', 0, 0,
		   10, 6, 1, 4, 0, 0x41, 42, 0x0b);
	/* folded = plain */
	ENCODES_AS("(func (result i32) (i32.add (i32.const 1) (i32.const 2)))",
		   HDR, 1, 5, 1, 0x60, 0, 1, 0x7f, 3, 2, 1, 0,
		   10, 9, 1, 7, 0, 0x41, 1, 0x41, 2, 0x6a, 0x0b);
	/* labels by name: br $a from two blocks in is depth 1; locals grouped by type */
	ENCODES_AS("(func (local $x i32) (local i32 i64) block $a block $b br $a end end)",
		   HDR, 1, 4, 1, 0x60, 0, 0, 3, 2, 1, 0,
		   10, 16, 1, 14, 2, 2, 0x7f, 1, 0x7e, 0x02, 0x40, 0x02, 0x40, 0x0c, 1, 0x0b,
		   0x0b, 0x0b);
	/* a type use matches an explicit type defined later: no implicit type */
	ENCODES_AS("(func (param i32)) (type $t (func (param i32)))",
		   HDR, 1, 5, 1, 0x60, 1, 0x7f, 0, 3, 2, 1, 0, 10, 4, 1, 2, 0, 0x0b);
	/* memarg: offset and alignment; memory index 1 sets bit 6 */
	ENCODES_AS("(memory 1) (memory $m 1) (func (drop (i32.load $m offset=8 align=2 "
		   "(i32.const 0))))",
		   HDR, 1, 4, 1, 0x60, 0, 0, 3, 2, 1, 0, 5, 5, 2, 0, 1, 0, 1,
		   10, 11, 1, 9, 0, 0x41, 0, 0x28, 0x41, 1, 8, 0x1a, 0x0b);
	/* inline import and export; an import keeps index 0 */
	ENCODES_AS("(func $g (import \"m\" \"g\")) (func (export \"f\") call $g)",
		   HDR, 1, 4, 1, 0x60, 0, 0, 2, 7, 1, 1, 'm', 1, 'g', 0, 0, 3, 2, 1, 0,
		   7, 5, 1, 1, 'f', 0, 1, 10, 6, 1, 4, 0, 0x10, 0, 0x0b);
	/* the address type written out: `i32` as when it is left out, `i64` sets bit 2 of the
	 * limits flags (memory, table and their imports) */
	ENCODES_AS("(memory i32 1 2)", HDR, 5, 4, 1, 1, 1, 2);
	ENCODES_AS("(memory i64 1)", HDR, 5, 3, 1, 4, 1);
	ENCODES_AS("(table i32 1 funcref)", HDR, 4, 4, 1, 0x70, 0, 1);
	ENCODES_AS("(import \"m\" \"t\" (memory i32 0))",
		   HDR, 2, 8, 1, 1, 'm', 1, 't', 2, 0, 0);
	/* v128.const i16x8 and a shuffle */
	ENCODES_AS("(func (drop (v128.const i16x8 1 2 3 4 5 6 7 -1)))",
		   HDR, 1, 4, 1, 0x60, 0, 0, 3, 2, 1, 0, 10, 23, 1, 21, 0, 0xfd, 0x0c,
		   1, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6, 0, 7, 0, 0xff, 0xff, 0x1a, 0x0b);
}

Test(wat_module, runs)
{
	static const char src[] =
		"(module\n"
		"  (type $bin (func (param i64 i64) (result i64)))\n"
		"  (func $fac (export \"fac\") (param $n i64) (result i64)\n"
		"    (if (result i64) (i64.eqz (local.get $n))\n"
		"      (then (i64.const 1))\n"
		"      (else (i64.mul (local.get $n)\n"
		"              (call $fac (i64.sub (local.get $n) (i64.const 1)))))))\n"
		"  (table funcref (elem $fac))\n"
		"  (func (export \"ind\") (param i64) (result i64)\n"
		"    (call_indirect (param i64) (result i64) (local.get 0) (i32.const 0))))";
	struct chibi_config cfg = { .mode = CHIBI_MODE_INTERP };
	struct chibi_trap_info ti;
	struct chibi_diag diag;
	struct chibi_extern ext;
	chibi_instance *inst;
	chibi_module *m;
	chibi_store *s;
	chibi_val arg = { .type = CHIBI_I64, .of.i64 = 20 }, res;
	uint8_t *bin;
	size_t len;

	bin = encode(src, &len);
	cr_assert_eq(chibi_module_new(bin, len, &m, &diag), CHIBI_OK, "%s", diag.msg);
	vm_free(bin);
	s = chibi_store_new(&cfg);
	cr_assert_eq(chibi_instance_new(s, m, NULL, &inst, &diag, &ti), CHIBI_OK, "%s", diag.msg);
	cr_assert(chibi_instance_export(inst, "ind", &ext));
	cr_assert_eq(chibi_func_call(ext.of.func, &arg, 1, &res, 1, &ti), CHIBI_TRAP_NONE);
	cr_expect_eq(res.of.i64, 2432902008176640000ll);
	chibi_module_free(m);
	chibi_store_free(s);
}

static void encode_fails(const char *src, unsigned line, unsigned col, const char *msg)
{
	struct wat_error err;
	uint8_t *bin = NULL;
	size_t len;

	cr_assert_not(wat_to_binary(src, strlen(src), &bin, &len, &err), "'%s' encoded", src);
	cr_expect_null(bin);
	cr_expect_eq(err.line, line, "'%s': line %u (%s)", src, err.line, err.msg);
	cr_expect_eq(err.col, col, "'%s': column %u (%s)", src, err.col, err.msg);
	cr_expect(strstr(err.msg, msg), "'%s': message '%s', want '%s'", src, err.msg, msg);
}

Test(wat_module, malformed)
{
	encode_fails("(module\n  (func (i32.cons 1)))", 2, 10, "unknown operator");
	encode_fails("(func (i32.const 0x1_0000_0000))", 1, 18, "constant");
	encode_fails("(func $f) (func $f)", 1, 17, "duplicate func");
	encode_fails("(func (local $x i32) (local $x i32))", 1, 29, "duplicate local");
	encode_fails("(func call $nope)", 1, 12, "unknown function");
	encode_fails("(func br $nope)", 1, 10, "unknown label");
	encode_fails("(func block $a end $b)", 1, 20, "mismatching label");
	encode_fails("(func) (import \"m\" \"n\" (func))", 1, 8, "import after function");
	encode_fails("(type $t (func)) (func (type $t) (param i32))", 1, 24,
		     "inline function type");
	encode_fails("(memory 1) (func (drop (i32.load align=3 (i32.const 0))))", 1, 34,
		     "power of two");
	encode_fails("(func (result i32) (select (i32.const 1)))\n(bogus)", 2, 2,
		     "unknown module field");
	encode_fails("(start 0) (start 0)", 1, 11, "multiple start");
	encode_fails("(func (block (param $x i32)))", 1, 21, "named parameter");
	encode_fails("(func end)", 1, 7, "unexpected token");
}

/* Every allocation of a read and encode failing in turn: a clean "out of memory" (line 0)
 * each time, then success, and no leaks (the ASan build checks). */
static unsigned long fail_at, allocs;

static bool fail_kth(size_t size)
{
	(void)size;
	return ++allocs == fail_at;
}

Test(wat_module, out_of_memory)
{
	static const char src[] =
		"(module (type (func (param i32))) (memory 1) (data (i32.const 0) \"ab\")"
		" (table 2 funcref) (elem (i32.const 0) $f)"
		" (func $f (export \"f\") (param i32) (local i64) (block $b (br_if $b "
		" (i32.load offset=4 (local.get 0))))) (global (mut i32) (i32.const 1)))";
	bool done = false;

	for (fail_at = 1; !done && fail_at < 10000; fail_at++) {
		struct wat_error err;
		uint8_t *bin = NULL;
		size_t len;

		allocs = 0;
		alloc_set_fail_hook(fail_kth);
		done = wat_to_binary(src, strlen(src), &bin, &len, &err);
		alloc_set_fail_hook(NULL);
		if (!done) {
			cr_assert_eq(err.line, 0, "allocation %lu: %u:%u %s", fail_at, err.line,
				     err.col, err.msg);
			cr_assert(strstr(err.msg, "out of memory"), "allocation %lu: %s", fail_at,
				  err.msg);
		}
		vm_free(bin);
	}
	cr_assert(done);
	cr_expect_gt(fail_at, 5, "the encoder allocates more than a few times");
}
