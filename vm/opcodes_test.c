/* vm/opcodes_test.c - checks on the opcode table itself: opcodes.def rows are sorted by
 * (prefix, code) with no duplicates, and op_info[] (vm/opcodes.c) agrees with every row and
 * has no entries that no row produced.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "types.h"

struct row {
	unsigned pfx, code, imm, memlog2;
	const char *text, *params, *results;
	enum opcode op;
};

static const struct row rows[] = {
#define OP(name, pfx, code, imm, par, res, ml, text) \
	{ (pfx), (code), (imm), (ml), (text), (par), (res), OPC_##name },
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

		cr_expect(r->pfx == 0x00 || r->pfx == 0xfc, "%s: prefix %#x", r->text, r->pfx);
		cr_expect(r->code < 0x100, "%s", r->text);
		cr_expect_eq((unsigned)r->op, (r->pfx ? 0x100u : 0u) + r->code, "%s", r->text);
	}
}

static bool letters_ok(const char *s)
{
	for (; *s; s++)
		if (!vt_from_letter(*s))
			return false;
	return true;
}

static bool same_sig(const char *a, const char *b)
{
	return (a == NULL && b == NULL) || (a && b && strcmp(a, b) == 0);
}

Test(opcodes, op_info_matches_rows)
{
	size_t named = 0;

	for (size_t i = 0; i < NROWS; i++) {
		const struct row *r = &rows[i];
		const struct opinfo *oi = &op_info[r->op];

		cr_expect_str_eq(oi->name, r->text);
		cr_expect_eq(oi->imm, r->imm, "%s", r->text);
		cr_expect_eq(oi->memlog2, r->memlog2, "%s", r->text);
		/* String literals may not be merged across files: compare contents. */
		cr_expect(same_sig(oi->params, r->params), "%s params", r->text);
		cr_expect(same_sig(oi->results, r->results), "%s results", r->text);
		/* SPECIAL rows have both signatures NULL; the others use known letters only. */
		cr_expect((oi->params == NULL) == (oi->results == NULL), "%s", r->text);
		if (oi->params) {
			cr_expect(letters_ok(oi->params), "%s params", r->text);
			cr_expect(letters_ok(oi->results), "%s results", r->text);
		}
		/* Only loads/stores carry an access size; every memarg op has one (log2 <= 3). */
		if (r->imm != IMM_MEMARG)
			cr_expect_eq(r->memlog2, 0, "%s", r->text);
		else
			cr_expect(r->memlog2 <= 3, "%s", r->text);
	}
	for (unsigned op = 0; op < OPC_LIMIT; op++)
		if (op_info[op].name)
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
