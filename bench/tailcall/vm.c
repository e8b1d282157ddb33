/* bench/tailcall/vm.c - a bytecode interpreter whose handlers tail-call each other.
 *
 * Every handler ends with a guaranteed tail call (clang's musttail) of the next one through
 * the dispatch table, so with -mtail-call the wasm is return_call_indirect from handler to
 * handler and the loop never returns until HALT: without constant-space tail calls it would
 * need one frame per executed instruction.  The handlers take eight values (more than
 * x86-64's JIT passes in registers: stack arguments on every call).  The program: a
 * xorshift generator folded into four accumulators, iterations from argv[1]; one checksum
 * line, which must be the same natively and under every engine.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

enum op { OP_XSHL, OP_XSHR, OP_ADDA, OP_MIXB, OP_ROTC, OP_SUBD, OP_LOOP, OP_HALT, OP_COUNT };

struct vm {
	const uint8_t *code;
	uint64_t n;
};

typedef uint64_t handler(struct vm *vm, const uint8_t *pc, uint64_t x, uint64_t a,
			 uint64_t b, uint64_t c, uint64_t d, uint64_t i);

static handler *const table[OP_COUNT];

#define NEXT(pc, x, a, b, c, d, i) \
	__attribute__((musttail)) return table[*(pc)](vm, pc, x, a, b, c, d, i)

static uint64_t op_xshl(struct vm *vm, const uint8_t *pc, uint64_t x, uint64_t a, uint64_t b,
			uint64_t c, uint64_t d, uint64_t i)
{
	x ^= x << pc[1];
	pc += 2;
	NEXT(pc, x, a, b, c, d, i);
}

static uint64_t op_xshr(struct vm *vm, const uint8_t *pc, uint64_t x, uint64_t a, uint64_t b,
			uint64_t c, uint64_t d, uint64_t i)
{
	x ^= x >> pc[1];
	pc += 2;
	NEXT(pc, x, a, b, c, d, i);
}

static uint64_t op_adda(struct vm *vm, const uint8_t *pc, uint64_t x, uint64_t a, uint64_t b,
			uint64_t c, uint64_t d, uint64_t i)
{
	a += x;
	pc++;
	NEXT(pc, x, a, b, c, d, i);
}

static uint64_t op_mixb(struct vm *vm, const uint8_t *pc, uint64_t x, uint64_t a, uint64_t b,
			uint64_t c, uint64_t d, uint64_t i)
{
	b = (b ^ x) * 0x9e3779b97f4a7c15ull;
	pc++;
	NEXT(pc, x, a, b, c, d, i);
}

static uint64_t op_rotc(struct vm *vm, const uint8_t *pc, uint64_t x, uint64_t a, uint64_t b,
			uint64_t c, uint64_t d, uint64_t i)
{
	c = ((c << 7) | (c >> 57)) + (x & 0xffff);
	pc++;
	NEXT(pc, x, a, b, c, d, i);
}

static uint64_t op_subd(struct vm *vm, const uint8_t *pc, uint64_t x, uint64_t a, uint64_t b,
			uint64_t c, uint64_t d, uint64_t i)
{
	d -= x >> 3;
	pc++;
	NEXT(pc, x, a, b, c, d, i);
}

/* back to the start while iterations remain */
static uint64_t op_loop(struct vm *vm, const uint8_t *pc, uint64_t x, uint64_t a, uint64_t b,
			uint64_t c, uint64_t d, uint64_t i)
{
	pc = ++i < vm->n ? vm->code : pc + 1;
	NEXT(pc, x, a, b, c, d, i);
}

static uint64_t op_halt(struct vm *vm, const uint8_t *pc, uint64_t x, uint64_t a, uint64_t b,
			uint64_t c, uint64_t d, uint64_t i)
{
	return a ^ (b >> 1) ^ (c << 3) ^ d ^ i;
}

static handler *const table[OP_COUNT] = {
	[OP_XSHL] = op_xshl, [OP_XSHR] = op_xshr, [OP_ADDA] = op_adda, [OP_MIXB] = op_mixb,
	[OP_ROTC] = op_rotc, [OP_SUBD] = op_subd, [OP_LOOP] = op_loop, [OP_HALT] = op_halt,
};

int main(int argc, char **argv)
{
	static const uint8_t code[] = {
		OP_XSHL, 13, OP_ADDA, OP_XSHR, 7, OP_MIXB, OP_XSHL, 17, OP_ROTC, OP_SUBD,
		OP_LOOP, OP_HALT,
	};
	struct vm vm = { code, argc > 1 ? strtoull(argv[1], NULL, 10) : 1000000 };
	uint64_t r = table[code[0]](&vm, code, 88172645463325252ull, 1, 2, 3, 4, 0);

	printf("vm: %llu iterations, checksum %016llx\n", (unsigned long long)vm.n,
	       (unsigned long long)r);
	return 0;
}
