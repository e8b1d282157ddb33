#!/usr/bin/env python3
"""jit/test/chain-gen.py SEED - a random module (text format) of v128 accumulation chains for
the differential test (jit/test/chain-diff.sh): lane add/sub and and/or/xor nested on a local
to the left ((acc op x) op y ..., accumulate() in jit/lower.c) and to the right
(x op (y op acc), reassociate()), with the same op or mixed ones, operands that read, tee and
overwrite the locals mid-chain, splats, loads and zero-extending shuffles of v128.const 0,
inside loops or not.  Each exported function stores its three v128 locals to memory, which
the difftest hashes."""
import random
import sys

R = random.Random(int(sys.argv[1]))
OPS = ["i8x16.add", "i8x16.sub", "i16x8.add", "i16x8.sub", "i32x4.add", "i32x4.sub",
       "i64x2.add", "i64x2.sub", "v128.and", "v128.or", "v128.xor"]
LOCALS = ["$a", "$b", "$c"]


def const():
    return "(v128.const i32x4 %d %d %d %d)" % tuple(R.randrange(-2**31, 2**31) for _ in range(4))


def atom(depth):
    k = R.randrange(9)
    if k == 0:
        return const()
    if k == 1:
        return "(local.get %s)" % R.choice(LOCALS)
    if k == 2:
        return "(i8x16.splat (local.get $p))"
    if k == 3:
        return "(i32x4.splat (i32.mul (local.get $p) (i32.const %d)))" % R.randrange(1, 1000)
    if k == 4:
        return "(v128.load offset=%d (i32.const 0))" % R.choice([0, 16, 32, 48])
    if k == 5 and depth < 3:
        return "(local.tee %s %s)" % (R.choice(LOCALS), chain(depth + 1))
    if k == 6 and depth < 3:
        return ("(i8x16.shuffle 16 0 1 2 17 4 5 6 18 8 9 10 19 12 13 14 "
                "(v128.const i64x2 0 0) %s)" % chain(depth + 1))
    if k == 7 and depth < 3:
        return chain(depth + 1)
    return "(i16x8.splat (local.get $p))"


def chain(depth=0):
    op, same, left = R.choice(OPS), R.random() < 0.7, R.random() < 0.5
    e = "(local.get %s)" % R.choice(LOCALS)
    for _ in range(R.randrange(1, 6)):
        o = op if same else R.choice(OPS)
        e = "(%s %s %s)" % ((o, e, atom(depth)) if left else (o, atom(depth), e))
    return e


funcs = []
for f in range(6):
    body = " ".join("(local.set %s %s)" % (R.choice(LOCALS), chain())
                    for _ in range(R.randrange(1, 5)))
    if R.random() < 0.6:
        body = ("(loop $l %s (br_if $l (i32.lt_u (local.tee $i (i32.add (local.get $i) "
                "(i32.const 1))) (i32.const 4))))" % body)
    funcs.append('(func (export "f%d") (param $p i32) (local $i i32) (local $a v128) '
                 "(local $b v128) (local $c v128)\n"
                 "  (local.set $a (v128.load (i32.const 64))) "
                 "(local.set $b (v128.load (i32.const 80)))\n  %s\n"
                 "  (v128.store (i32.const 0) (local.get $a)) "
                 "(v128.store (i32.const 16) (local.get $b)) "
                 "(v128.store (i32.const 32) (local.get $c)))" % (f, body))
data = "".join("\\%02x" % R.randrange(256) for _ in range(96))
print('(module (memory (export "mem") 1) (data (i32.const 0) "%s")\n%s)' % (data, "\n".join(funcs)))
