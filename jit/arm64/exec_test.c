/* jit/arm64/exec_test.c - run the sequence builders of jit/arm64/emit.h on the CPU.
 *
 * emit_test.c checks what the words say; this checks what they do, for many operands: each
 * case becomes a small AAPCS64 function (arguments in x0/x1, result in x0) and its result is
 * compared with C.  AArch64 only: the Makefile compiles the _test.c files of jit/arm64/ into
 * the unit binary only when the target is AArch64 (natively or under qemu-user).  Also
 * exercises the W^X publishing protocol the back end uses: write RW, flip to RX, clear the
 * icache.
 */
#include <math.h>
#include <string.h>
#include <sys/mman.h>

#include <criterion/criterion.h>

#include "emit.h"

#define CODE_WORDS	(1u << 16)

struct prog {
	uint32_t *code;
	size_t n;
};

static void prog_open(struct prog *p)
{
	p->code = mmap(NULL, CODE_WORDS * 4, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	cr_assert_neq(p->code, MAP_FAILED);
	p->n = 0;
}

static void put(struct prog *p, uint32_t w)
{
	cr_assert_lt(p->n, CODE_WORDS);
	cr_assert_neq(w, A64_POISON, "poison at word %zu", p->n);
	p->code[p->n++] = w;
}

static void put_seq(struct prog *p, const uint32_t *w, int n)
{
	for (int i = 0; i < n; i++)
		put(p, w[i]);
}

/* Start a function; returns its word index. */
static size_t fn_start(struct prog *p)
{
	return p->n;
}

/* Make the code executable: RW -> RX, then make the instruction side see the new bytes. */
static void prog_seal(struct prog *p)
{
	cr_assert(a64_validate_code(p->code, p->n));
	cr_assert_eq(mprotect(p->code, CODE_WORDS * 4, PROT_READ | PROT_EXEC), 0);
	__builtin___clear_cache((char *)p->code, (char *)(p->code + p->n));
}

static void prog_close(struct prog *p)
{
	munmap(p->code, CODE_WORDS * 4);
}

typedef uint64_t (*fn2)(uint64_t, uint64_t);
typedef uint64_t (*fnd)(double, double);

static fn2 fn_at(struct prog *p, size_t at)
{
	return (fn2)(void *)(p->code + at);
}

static uint64_t rng_state = 0x2545f4914f6cdd1du;

static uint64_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

/* Operands with structure: small, near powers of two, chunked, or random. */
static uint64_t operand(void)
{
	uint64_t r = rng();

	switch (r % 6) {
	case 0: return r >> 52;
	case 1: return ((uint64_t)1 << (r >> 10) % 64) + (r >> 20) % 5 - 2;
	case 2: return (r >> 8 & 0xffff) << 16 * ((r >> 3) % 4);
	case 3: return ~((r >> 8 & 0xffff) << 16 * ((r >> 3) % 4));
	case 4: return (uint64_t)-(int64_t)(r >> 40);
	default: return rng();
	}
}

#define CASES 2000

Test(a64_exec, mov_add_cmp_logic)
{
	static uint64_t imm[CASES];
	static size_t at[CASES][6];
	struct prog p;
	uint32_t w[A64_SEQ_MAX];

	prog_open(&p);
	for (int i = 0; i < CASES; i++) {
		bool sf = i & 1;

		imm[i] = operand();
		/* 0: x0 = imm */
		at[i][0] = fn_start(&p);
		put_seq(&p, w, a64_mov_imm(w, sf, 0, imm[i]));
		put(&p, a64_ret(A64_LR));
		/* 1: x0 = x0 + imm */
		at[i][1] = fn_start(&p);
		put_seq(&p, w, a64_add_imm_seq(w, sf, 0, 0, (int64_t)imm[i], A64_IP0));
		put(&p, a64_ret(A64_LR));
		/* 2: x0 = flags(x0 - imm) as 4 bits: eq, lt, lo, gt */
		at[i][2] = fn_start(&p);
		put_seq(&p, w, a64_cmp_imm_seq(w, sf, 0, (int64_t)imm[i], A64_IP0));
		put(&p, a64_cset(true, 1, A64_EQ));
		put(&p, a64_cset(true, 2, A64_LT));
		put(&p, a64_cset(true, 3, A64_LO));
		put(&p, a64_cset(true, 4, A64_GT));
		put(&p, a64_add_shift(true, 0, 1, 2, A64_LSL, 1));
		put(&p, a64_add_shift(true, 0, 0, 3, A64_LSL, 2));
		put(&p, a64_add_shift(true, 0, 0, 4, A64_LSL, 3));
		put(&p, a64_ret(A64_LR));
		/* 3..5: x0 = x0 AND/ORR/EOR imm */
		for (int op = 0; op < 3; op++) {
			at[i][3 + op] = fn_start(&p);
			put_seq(&p, w, a64_logic_imm_seq(w, sf, (enum a64_logic)op, 0, 0,
							 imm[i], A64_IP0));
			put(&p, a64_ret(A64_LR));
		}
	}
	prog_seal(&p);
	for (int i = 0; i < CASES; i++) {
		bool sf = i & 1;
		uint64_t mask = sf ? ~(uint64_t)0 : 0xffffffffu, x = operand();
		uint64_t a = x & mask, b = imm[i] & mask, want, got;
		int64_t sa = sf ? (int64_t)a : (int32_t)a, sb = sf ? (int64_t)b : (int32_t)b;

		got = fn_at(&p, at[i][0])(0, 0) & mask;
		cr_expect_eq(got, b, "mov #%llx (sf %d): %llx", (unsigned long long)imm[i], sf,
			     (unsigned long long)got);
		got = fn_at(&p, at[i][1])(x, 0) & mask;
		cr_expect_eq(got, (a + b) & mask, "add #%llx", (unsigned long long)imm[i]);
		want = (a == b) | (uint64_t)(sa < sb) << 1 | (uint64_t)(a < b) << 2 |
		       (uint64_t)(sa > sb) << 3;
		got = fn_at(&p, at[i][2])(x, 0);
		cr_expect_eq(got, want, "cmp %llx, #%llx (sf %d): %llx", (unsigned long long)a,
			     (unsigned long long)b, sf, (unsigned long long)got);
		cr_expect_eq(fn_at(&p, at[i][3])(x, 0) & mask, a & b);
		cr_expect_eq(fn_at(&p, at[i][4])(x, 0) & mask, a | b);
		cr_expect_eq(fn_at(&p, at[i][5])(x, 0) & mask, a ^ b);
	}
	prog_close(&p);
}

Test(a64_exec, ldst_popcnt_fmov)
{
	static uint8_t buf[1 << 21];
	static int64_t off[CASES];
	static uint64_t bits[CASES];
	static size_t at[CASES][4];
	static const enum a64_ldst kinds[] = { A64_LDRB, A64_LDRSH_X, A64_LDR_W, A64_LDRSW,
					       A64_LDR_X };
	uint8_t *mid = buf + sizeof(buf) / 2;
	struct prog p;
	uint32_t w[A64_SEQ_MAX];

	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)(i * 131 + (i >> 8));
	prog_open(&p);
	for (int i = 0; i < CASES; i++) {
		enum a64_ldst k = kinds[i % 5];
		bool sf = i & 1;

		/* offsets around every form's limits and beyond, any alignment */
		off[i] = (int64_t)(rng() % (1 << 20)) - (1 << 19);
		if (i % 3 == 0)
			off[i] = (int64_t)(rng() % 0x8400) - 0x200;
		bits[i] = operand();
		/* 0: x0 = load [x0 + off] */
		at[i][0] = fn_start(&p);
		put_seq(&p, w, a64_ldst_seq(w, k, 0, 0, off[i], A64_IP0));
		put(&p, a64_ret(A64_LR));
		/* 1, 2: x0 = popcount(x0) both ways */
		at[i][1] = fn_start(&p);
		put_seq(&p, w, a64_popcnt_seq(w, sf, 0, 0, 31));
		put(&p, a64_ret(A64_LR));
		at[i][2] = fn_start(&p);
		put_seq(&p, w, a64_popcnt_gp_seq(w, sf, 0, 0, A64_IP0));
		put(&p, a64_ret(A64_LR));
		/* 3: x0 = bits(fp constant) */
		at[i][3] = fn_start(&p);
		put_seq(&p, w, a64_fmov_const_seq(w, sf, 0, bits[i], A64_IP0));
		put(&p, a64_fmov_to_gp(sf, 0, 0));
		put(&p, a64_ret(A64_LR));
	}
	/* one store, past the unscaled range: [x0 + 0x12345] = x1 */
	size_t st = fn_start(&p);
	put_seq(&p, w, a64_ldst_seq(w, A64_STR_X, 1, 0, 0x12345, A64_IP0));
	put(&p, a64_ret(A64_LR));
	prog_seal(&p);

	for (int i = 0; i < CASES; i++) {
		enum a64_ldst k = kinds[i % 5];
		bool sf = i & 1;
		const uint8_t *src = mid + off[i];
		uint64_t want = 0, got, x = operand(), mask = sf ? ~(uint64_t)0 : 0xffffffffu;

		switch (k) {
		case A64_LDRB: want = src[0]; break;
		case A64_LDRSH_X: { int16_t v; memcpy(&v, src, 2); want = (uint64_t)(int64_t)v; break; }
		case A64_LDR_W: { uint32_t v; memcpy(&v, src, 4); want = v; break; }
		case A64_LDRSW: { int32_t v; memcpy(&v, src, 4); want = (uint64_t)(int64_t)v; break; }
		default: memcpy(&want, src, 8); break;
		}
		got = fn_at(&p, at[i][0])((uint64_t)(uintptr_t)mid, 0);
		cr_expect_eq(got, want, "load kind %d at %lld", k, (long long)off[i]);
		want = (uint64_t)__builtin_popcountll(x & mask);
		cr_expect_eq(fn_at(&p, at[i][1])(x, 0), want, "popcnt %llx", (unsigned long long)x);
		cr_expect_eq(fn_at(&p, at[i][2])(x, 0), want, "popcnt_gp %llx",
			     (unsigned long long)x);
		got = fn_at(&p, at[i][3])(0, 0) & mask;
		cr_expect_eq(got, bits[i] & mask, "fmov const %llx", (unsigned long long)bits[i]);
	}
	fn_at(&p, st)((uint64_t)(uintptr_t)mid, 0x1122334455667788u);
	uint64_t v;
	memcpy(&v, mid + 0x12345, 8);
	cr_expect_eq(v, 0x1122334455667788u);
	prog_close(&p);
}

/* The Wasm-relevant FP facts the back end relies on (see the FP comment in emit.h). */
Test(a64_exec, fp_semantics)
{
	struct prog p;
	size_t fmin, fmax, frintn, cvt_s, cvt_u, fneg;

	prog_open(&p);
	fmin = fn_start(&p);
	put(&p, a64_fmin(true, 0, 0, 1));
	put(&p, a64_fmov_to_gp(true, 0, 0));
	put(&p, a64_ret(A64_LR));
	fmax = fn_start(&p);
	put(&p, a64_fmax(true, 0, 0, 1));
	put(&p, a64_fmov_to_gp(true, 0, 0));
	put(&p, a64_ret(A64_LR));
	frintn = fn_start(&p);
	put(&p, a64_frintn(true, 0, 0));
	put(&p, a64_fmov_to_gp(true, 0, 0));
	put(&p, a64_ret(A64_LR));
	cvt_s = fn_start(&p);
	put(&p, a64_fcvtzs(false, true, 0, 0));
	put(&p, a64_ret(A64_LR));
	cvt_u = fn_start(&p);
	put(&p, a64_fcvtzu(false, true, 0, 0));
	put(&p, a64_ret(A64_LR));
	fneg = fn_start(&p);
	put(&p, a64_fneg(true, 0, 0));
	put(&p, a64_fmov_to_gp(true, 0, 0));
	put(&p, a64_ret(A64_LR));
	prog_seal(&p);

#define CALLD(at, a, b) ((fnd)(void *)(p.code + (at)))(a, b)
	union { double d; uint64_t u; } snan = { .u = 0x7ff4000000000001u }, r;

	r.u = CALLD(fmin, -0.0, 0.0);
	cr_expect_eq(r.u, 0x8000000000000000u, "fmin(-0, +0) = -0");
	r.u = CALLD(fmax, -0.0, 0.0);
	cr_expect_eq(r.u, 0, "fmax(-0, +0) = +0");
	r.u = CALLD(fmin, 1.0, NAN);
	cr_expect(isnan(r.d), "fmin(1, NaN) is NaN");
	r.u = CALLD(fmax, snan.d, 1.0);
	cr_expect_eq(r.u, 0x7ffc000000000001u, "fmax(sNaN, 1): quieted, payload kept");
	r.u = CALLD(frintn, 2.5, 0);
	cr_expect_eq(r.d, 2.0, "nearest ties to even");
	r.u = CALLD(frintn, -3.5, 0);
	cr_expect_eq(r.d, -4.0);
	cr_expect_eq((uint32_t)CALLD(cvt_s, 1e20, 0), 0x7fffffffu, "fcvtzs saturates");
	cr_expect_eq((uint32_t)CALLD(cvt_s, NAN, 0), 0, "fcvtzs(NaN) = 0");
	cr_expect_eq((uint32_t)CALLD(cvt_u, -1.0, 0), 0, "fcvtzu(-1) = 0");
	r.u = CALLD(fneg, snan.d, 0);
	cr_expect_eq(r.u, 0xfff4000000000001u, "fneg keeps a signaling NaN's payload");
#undef CALLD
	prog_close(&p);
}
