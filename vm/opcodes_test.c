/* vm/opcodes_test.c - checks on the opcode table itself: opcodes.def rows are sorted by
 * (prefix, code) with no duplicates, op_info[] (vm/opcodes.c) agrees with every row and
 * has no entries that no row produced, and the property columns (class, type, relation,
 * flags) agree with the signatures and with each other, as do op_swapped/op_inverse.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "types.h"

struct row {
	unsigned pfx, code, imm, memlog2;
	const char *text, *params, *results;
	enum opcode op;
	const char *cls, *type, *rel;
};

static const struct row rows[] = {
#define OP(name, pfx, code, imm, par, res, ml, cls, ty, rel, fl, feat, text) \
	{ (pfx), (code), (imm), (ml), (text), (par), (res), OPC_##name, #cls, #ty, #rel },
#include "opcodes.def"
#undef OP
};
#define NROWS (sizeof(rows) / sizeof(rows[0]))

Test(opcodes, rows_sorted_by_prefix_then_code)
{
	for (size_t i = 1; i < NROWS; i++) {
		const struct row *a = &rows[i - 1], *b = &rows[i];
		bool ordered = a->pfx < b->pfx || (a->pfx == b->pfx && a->code < b->code);

		cr_expect(ordered, "%s (%#x,%#x) must come after %s (%#x,%#x)", b->text, b->pfx,
			  b->code, a->text, a->pfx, a->code);
	}
}

Test(opcodes, prefixes_and_enum_values)
{
	for (size_t i = 0; i < NROWS; i++) {
		const struct row *r = &rows[i];

		cr_expect(r->pfx == 0x00 || r->pfx == 0xfc || r->pfx == 0xfd, "%s: prefix %#x",
			  r->text, r->pfx);
		cr_expect(r->code < (r->pfx == 0xfd ? 0x114u : 0x100u), "%s", r->text);
		cr_expect_eq((unsigned)r->op,
			     (r->pfx == 0xfd ? 0x200u : r->pfx ? 0x100u : 0u) + r->code, "%s",
			     r->text);
		cr_expect_eq(op_is_simd(r->op), r->pfx == 0xfd, "%s", r->text);
		cr_expect_eq(op_is_simd(r->op), strchr(r->params, 'v') || strchr(r->results, 'v'),
			     "%s: uses v128", r->text);
	}
}

static bool letters_ok(const char *s)
{
	for (; *s; s++)
		if (!vt_from_op_letter(*s))
			return false;
	return true;
}

Test(opcodes, op_info_matches_rows)
{
	size_t named = 0;

	for (size_t i = 0; i < NROWS; i++) {
		const struct row *r = &rows[i];
		const struct opinfo *oi = &op_info[r->op];

		cr_assert(op_name(r->op), "%s: no op_info entry", r->text);
		cr_expect_str_eq(op_name(r->op), r->text);
		cr_expect_eq(oi->imm, r->imm, "%s", r->text);
		cr_expect_eq(oi->memlog2, r->memlog2, "%s", r->text);
		/* The signatures fit op_info's arrays with their terminating NUL. */
		cr_expect(strlen(r->params) < sizeof(oi->params), "%s params", r->text);
		cr_expect(strlen(r->results) < sizeof(oi->results), "%s results", r->text);
		cr_expect_str_eq(oi->params, r->params, "%s params", r->text);
		cr_expect_str_eq(oi->results, r->results, "%s results", r->text);
		/* SPECIAL rows have both signatures "*"; the others use known letters only. */
		cr_expect_eq(op_is_special(r->op), strcmp(oi->results, "*") == 0, "%s", r->text);
		if (!op_is_special(r->op)) {
			cr_expect(letters_ok(oi->params), "%s params", r->text);
			cr_expect(letters_ok(oi->results), "%s results", r->text);
		}
		/* Only loads/stores carry an access size; every memarg op has one (log2 <= 3,
		 * v128.load/store 4).  SIMD rows keep their lane size there. */
		if (op_is_simd(r->op))
			cr_expect(r->memlog2 <= 4, "%s", r->text);
		else if (r->imm != IMM_MEMARG)
			cr_expect_eq(r->memlog2, 0, "%s", r->text);
		else
			cr_expect(r->memlog2 <= 3, "%s", r->text);
	}
	for (unsigned op = 0; op < OPC_LIMIT; op++)
		if (op_info[op].name_off)
			named++;
	cr_expect_eq(named, NROWS, "op_info has entries no row produced");
}

Test(opcodes, names_unique_except_select)
{
	for (size_t i = 0; i < NROWS; i++)
		for (size_t j = i + 1; j < NROWS; j++) {
			/* select and select t share their text name by design. */
			if (strcmp(rows[i].text, "select") == 0)
				continue;
			cr_expect(strcmp(rows[i].text, rows[j].text) != 0, "duplicate %s",
				  rows[i].text);
		}
}

/* ---- property columns ---- */

static bool is_numeric_class(unsigned cls)
{
	return cls >= OPCL_TEST && cls <= OPCL_CONVERT;
}

/* SIMD rows: the signature fits the class, and type + memlog2 fit the shape the name starts
 * with (i8x16 is I32 with lanes of 2^0 bytes ... f64x2 is F64 with 2^3). */
static void check_simd_row(const struct opinfo *oi, unsigned ml)
{
	static const struct { const char *prefix; uint8_t type, lanelog2; } shapes[] = {
		{ "i8x16.", VT_I32, 0 }, { "i16x8.", VT_I32, 1 }, { "i32x4.", VT_I32, 2 },
		{ "i64x2.", VT_I64, 3 }, { "f32x4.", VT_F32, 2 }, { "f64x2.", VT_F64, 3 },
	};
	const char *p = oi->params, *r = oi->results, *t = op_name((unsigned)(oi - op_info));
	bool shaped = false;

	cr_assert(p && r, "%s: SIMD rows have signatures", t);
	for (size_t k = 0; k < sizeof(shapes) / sizeof(shapes[0]); k++) {
		if (strncmp(t, shapes[k].prefix, 6) != 0)
			continue;
		shaped = true;
		cr_expect_eq(oi->type, shapes[k].type, "%s: lane type", t);
		cr_expect_eq(ml, shapes[k].lanelog2, "%s: lane size", t);
	}
	if (!shaped)
		cr_expect_eq(oi->type, 0, "%s: a shapeless row has no type", t);
	switch (oi->cls) {
	case OPCL_VLOAD:
		cr_expect(oi->imm == IMM_MEMARG && !strcmp(p, "a") && !strcmp(r, "v"), "%s", t);
		cr_expect(oi->flags & OPF_TRAP, "%s", t);
		break;
	case OPCL_VSTORE:
		cr_expect(oi->imm == IMM_MEMARG && !strcmp(p, "av") && !r[0], "%s", t);
		cr_expect(oi->flags & OPF_TRAP, "%s", t);
		break;
	case OPCL_VLOADLANE:
	case OPCL_VSTORELANE:
		cr_expect(oi->imm == IMM_MEMARG_LANE && !strcmp(p, "av"), "%s", t);
		cr_expect(!strcmp(r, oi->cls == OPCL_VLOADLANE ? "v" : ""), "%s", t);
		cr_expect(oi->flags & OPF_TRAP, "%s", t);
		break;
	case OPCL_VCONST:
		cr_expect(oi->imm == IMM_V128 && !p[0] && !strcmp(r, "v"), "%s", t);
		break;
	case OPCL_VSHUFFLE:
		cr_expect(oi->imm == IMM_SHUFFLE && !strcmp(p, "vv") && !strcmp(r, "v"), "%s", t);
		break;
	case OPCL_VUNOP:
		cr_expect(!strcmp(p, "v") && !strcmp(r, "v"), "%s", t);
		break;
	case OPCL_VBINOP:
	case OPCL_VCOMPARE:
		cr_expect(!strcmp(p, "vv") && !strcmp(r, "v"), "%s", t);
		break;
	case OPCL_VTERNOP:
		cr_expect(!strcmp(p, "vvv") && !strcmp(r, "v"), "%s", t);
		break;
	case OPCL_VSHIFT:
		cr_expect(!strcmp(p, "vi") && !strcmp(r, "v") && shaped, "%s", t);
		break;
	case OPCL_VTEST:
		cr_expect(!strcmp(p, "v") && !strcmp(r, "i"), "%s", t);
		break;
	case OPCL_VSPLAT:
		cr_expect(strlen(p) == 1 && p[0] != 'v' && !strcmp(r, "v") && shaped, "%s", t);
		break;
	case OPCL_VEXTRACT:
		cr_expect(oi->imm == IMM_LANE && !strcmp(p, "v") && strlen(r) == 1 && r[0] != 'v',
			  "%s", t);
		break;
	case OPCL_VREPLACE:
		cr_expect(oi->imm == IMM_LANE && strlen(p) == 2 && p[0] == 'v' && p[1] != 'v' &&
			  !strcmp(r, "v"), "%s", t);
		break;
	default:
		cr_expect(false, "%s: a SIMD row with a scalar class", t);
		break;
	}
	if (oi->cls != OPCL_VCOMPARE)
		cr_expect_eq(oi->rel, REL_NONE, "%s: relation on a non-comparison", t);
	else
		cr_expect_neq(oi->rel, REL_NONE, "%s", t);
	if (oi->flags & OPF_COMM)
		cr_expect(oi->cls == OPCL_VBINOP || oi->cls == OPCL_VCOMPARE, "%s", t);
	if (oi->flags & OPF_TRAP)
		cr_expect(oi->imm == IMM_MEMARG || oi->imm == IMM_MEMARG_LANE, "%s", t);
}

/* The class and type columns agree with the signature strings. */
Test(opcodes, class_matches_signature)
{
	for (size_t i = 0; i < NROWS; i++) {
		const struct opinfo *oi = &op_info[rows[i].op];
		const char *p = oi->params, *r = oi->results;
		const char *t = rows[i].text;

		cr_expect_eq(op_is_numeric(rows[i].op), is_numeric_class(oi->cls), "%s", t);
		if (op_is_simd(rows[i].op)) {
			check_simd_row(oi, rows[i].memlog2);
			continue;
		}
		if (!is_numeric_class(oi->cls)) {
			cr_expect_eq(oi->type, 0, "%s: type on a non-numeric row", t);
			cr_expect_str_eq(rows[i].type, "NONE", "%s", t);
		} else {
			cr_assert(p && r, "%s: numeric rows have signatures", t);
			cr_expect_eq(oi->type, vt_from_letter(p[0]), "%s: type is params[0]", t);
			cr_expect_eq(strlen(r), 1, "%s", t);
		}
		switch (oi->cls) {
		case OPCL_TEST:
			cr_expect(strlen(p) == 1 && r[0] == 'i', "%s", t);
			cr_expect_eq(oi->rel, REL_EQ, "%s: eqz is == 0", t);
			break;
		case OPCL_COMPARE:
			cr_expect(strlen(p) == 2 && p[0] == p[1] && strcmp(r, "i") == 0, "%s", t);
			cr_expect_neq(oi->rel, REL_NONE, "%s", t);
			break;
		case OPCL_UNOP:
			cr_expect(strlen(p) == 1 && p[0] == r[0], "%s", t);
			break;
		case OPCL_BINOP:
			cr_expect(strlen(p) == 2 && p[0] == p[1] && p[0] == r[0], "%s", t);
			break;
		case OPCL_CONVERT:
			cr_expect(strlen(p) == 1 && p[0] != r[0], "%s", t);
			break;
		case OPCL_LOAD:
			cr_expect(oi->imm == IMM_MEMARG && strcmp(p, "a") == 0 && strlen(r) == 1, "%s", t);
			break;
		case OPCL_STORE:
			cr_expect(oi->imm == IMM_MEMARG && strlen(p) == 2 && p[0] == 'a' && !r[0], "%s",
				  t);
			break;
		case OPCL_CONST:
			cr_expect(p && !p[0] && strlen(r) == 1, "%s", t);
			break;
		default:
			cr_expect(oi->imm != IMM_MEMARG, "%s", t);
			break;
		}
		if (oi->cls != OPCL_TEST && oi->cls != OPCL_COMPARE)
			cr_expect_eq(oi->rel, REL_NONE, "%s: relation on a non-comparison", t);
	}
}

/* Integer relations on integer rows, float relations on float rows; signed/unsigned and
 * the relation match the name (i32.lt_u is REL_LT_U). */
Test(opcodes, relation_matches_name)
{
	static const char *const rel_suffix[REL_COUNT] = {
		[REL_EQ] = "eq", [REL_NE] = "ne", [REL_LT_S] = "lt_s", [REL_LT_U] = "lt_u",
		[REL_GT_S] = "gt_s", [REL_GT_U] = "gt_u", [REL_LE_S] = "le_s", [REL_LE_U] = "le_u",
		[REL_GE_S] = "ge_s", [REL_GE_U] = "ge_u", [REL_LT] = "lt", [REL_GT] = "gt",
		[REL_LE] = "le", [REL_GE] = "ge",
	};

	for (size_t i = 0; i < NROWS; i++) {
		const struct opinfo *oi = &op_info[rows[i].op];
		const char *name = op_name(rows[i].op);

		if (oi->cls == OPCL_VCOMPARE) { /* "i8x16.lt_s" */
			cr_expect_str_eq(name + 6, rel_suffix[oi->rel]);
			if (op_is_int(rows[i].op))
				cr_expect(oi->rel <= REL_GE_U, "%s: integer relation", name);
			else
				cr_expect(oi->rel <= REL_NE || oi->rel >= REL_LT, "%s: float relation",
					  name);
			continue;
		}
		if (oi->cls != OPCL_COMPARE)
			continue;
		cr_expect_str_eq(name + 4, rel_suffix[oi->rel]);
		if (op_is_int(rows[i].op))
			cr_expect(oi->rel <= REL_GE_U, "%s: integer relation", name);
		else
			cr_expect(oi->rel <= REL_NE || oi->rel >= REL_LT, "%s: float relation",
				  name);
	}
}

/* Swapping is an involution on the same type, keeps the class, and is defined exactly for
 * the commutative rows (itself) and the comparisons. */
Test(opcodes, swapped_is_an_involution)
{
	for (unsigned op = 0; op < OPC_LIMIT; op++) {
		const struct opinfo *oi = &op_info[op];
		unsigned sw = op_swapped(op);

		if (!oi->name_off) {
			cr_expect_eq(sw, OPC_NONE);
			continue;
		}
		if (op_is_commutative(op)) {
			cr_expect_eq(sw, op, "%s", op_name(op));
			cr_expect(oi->cls == OPCL_BINOP || oi->cls == OPCL_COMPARE ||
				  oi->cls == OPCL_VBINOP || oi->cls == OPCL_VCOMPARE, "%s", op_name(op));
			cr_expect_eq(oi->params[0], oi->params[1], "%s: equal param types", op_name(op));
			continue;
		}
		if (oi->cls != OPCL_COMPARE) {
			cr_expect_eq(sw, OPC_NONE, "%s", op_name(op));
			continue;
		}
		cr_assert_neq(sw, OPC_NONE, "%s has a mirror", op_name(op));
		cr_expect_neq(sw, op, "%s: not commutative, so not its own mirror", op_name(op));
		cr_expect_eq(op_info[sw].cls, OPCL_COMPARE, "%s", op_name(op));
		cr_expect_eq(op_info[sw].type, oi->type, "%s", op_name(op));
		cr_expect_eq(op_swapped(sw), op, "%s: swapped twice", op_name(op));
	}
	cr_expect_eq(op_swapped(OPC_I32_LT_S), OPC_I32_GT_S);
	cr_expect_eq(op_swapped(OPC_I64_LE_U), OPC_I64_GE_U);
	cr_expect_eq(op_swapped(OPC_F64_LT), OPC_F64_GT);
	cr_expect_eq(op_swapped(OPC_I32_SUB), OPC_NONE);
	cr_expect_eq(op_swapped(OPC_LIMIT + 5), OPC_NONE);
}

/* Inversion is an involution on integer comparisons and float eq/ne; float orderings have
 * none (for NaN, a < b and a >= b are both false). */
Test(opcodes, inverse_is_an_involution_and_never_float_order)
{
	for (unsigned op = 0; op < OPC_LIMIT; op++) {
		const struct opinfo *oi = &op_info[op];
		unsigned inv = op_inverse(op);
		bool want = oi->name_off && oi->cls == OPCL_COMPARE &&
			    (op_is_int(op) || oi->rel == REL_EQ || oi->rel == REL_NE);

		cr_expect_eq(inv != OPC_NONE, want, "%s", op_name(op) ? op_name(op) : "-");
		if (!want)
			continue;
		cr_expect_neq(inv, op, "%s", op_name(op));
		cr_expect_eq(op_info[inv].type, oi->type, "%s", op_name(op));
		cr_expect_eq(op_inverse(inv), op, "%s: inverted twice", op_name(op));
		/* the inverse of the mirror is the mirror of the inverse */
		cr_expect_eq(op_inverse(op_swapped(op)), op_swapped(inv), "%s", op_name(op));
	}
	cr_expect_eq(op_inverse(OPC_I32_LT_S), OPC_I32_GE_S);
	cr_expect_eq(op_inverse(OPC_I64_GT_U), OPC_I64_LE_U);
	cr_expect_eq(op_inverse(OPC_F32_EQ), OPC_F32_NE);
	cr_expect_eq(op_inverse(OPC_F32_LT), OPC_NONE);
	cr_expect_eq(op_inverse(OPC_I32_EQZ), OPC_NONE);
}

/* The flag columns: bits-preserving rows are conversions between equal or narrower
 * widths; trapping numeric rows are exactly integer division/remainder and the
 * non-saturating float->int truncations. */
Test(opcodes, flags_consistent)
{
	for (size_t i = 0; i < NROWS; i++) {
		const struct opinfo *oi = &op_info[rows[i].op];
		const char *t = op_name(rows[i].op);

		if (oi->flags & OPF_BITS) {
			cr_expect_eq(oi->cls, OPCL_CONVERT, "%s", t);
			cr_expect(strstr(t, "reinterpret") || strcmp(t, "i32.wrap_i64") == 0, "%s", t);
		}
		if (oi->cls == OPCL_LOAD || oi->cls == OPCL_STORE || oi->cls == OPCL_CALL)
			cr_expect(oi->flags & OPF_TRAP, "%s touches memory or calls", t);
		if (is_numeric_class(oi->cls)) {
			bool divrem = oi->cls == OPCL_BINOP && op_is_int(rows[i].op) &&
				      (strstr(t, ".div_") || strstr(t, ".rem_"));
			bool trunc = oi->cls == OPCL_CONVERT && strstr(t, ".trunc_f") != NULL;

			cr_expect_eq((oi->flags & OPF_TRAP) != 0, divrem || trunc, "%s", t);
		}
		if (oi->flags & OPF_COMM)
			cr_expect(!(oi->flags & OPF_TRAP), "%s", t);
		/* OPF_SHIFT: exactly the scalar integer shifts and rotates */
		cr_expect_eq(op_is_shift(rows[i].op),
			     oi->cls == OPCL_BINOP && op_is_int(rows[i].op) &&
				     (strstr(t, ".sh") || strstr(t, ".rot")),
			     "%s", t);
	}
	cr_expect(op_is_shift(OPC_I32_SHL) && op_is_shift(OPC_I64_ROTR));
	cr_expect(!op_is_shift(OPC_I32X4_SHL) && !op_is_shift(OPC_I32_MUL));
	cr_expect(op_is_wide(OPC_I64_ADD) && op_is_wide(OPC_F64_CONVERT_I64_U));
	cr_expect(!op_is_wide(OPC_I64_EXTEND_I32_S) && !op_is_wide(OPC_F32_ADD));
}
