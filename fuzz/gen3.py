#!/usr/bin/env python3
"""fuzz/gen3.py SEED COUNT OUT.wast - random valid modules using the Wasm 3.0 features
that binaryen 108's `wasm-opt -ttf` cannot make: several memories (some 64-bit), 64-bit
tables, tags with throw / throw_ref / try_table (catch, catch_ref, catch_all,
catch_all_ref), typed function references (call_ref, return_call_ref, br_on_null,
br_on_non_null, ref.as_non_null, non-nullable locals) and tail calls.

Writes COUNT `(module ...)` commands to one script; `chibi wast --convert-only` turns
them into binaries that fuzz/module_fuzz.c runs in the interpreter and the JIT and
compares (make fuzz-gen3).  Every module is valid by construction; what it does at run
time (traps, uncaught exceptions, out-of-bounds accesses near the end of a memory, null
references) is random.  Helpers call only helpers of a lower index, so no call recurses.
"""
import random
import sys


class Gen:
    def __init__(self, rnd):
        self.r = rnd
        self.label = 0
        m = rnd.randint(1, 3)
        # (index type, min pages, max pages) of each memory
        self.mems = [(rnd.choice(["i32", "i64"]), rnd.choice([0, 1, 1, 1, 2])) for _ in range(m)]
        self.table64 = rnd.random() < 0.5
        self.nhelpers = rnd.randint(1, 4)

    def fresh(self):
        self.label += 1
        return "$L%d" % self.label

    def addr(self, m):
        it, pages = self.mems[m]
        size = pages * 65536
        r = self.r
        if r.random() < 0.92 and size >= 8:
            return "(%s.const %d)" % (it, r.randint(0, size - 8))
        a = r.choice([0, 1, 7, size - 1, size - 4, size - 8, size, size + 1, r.randint(0, size + 16),
                      r.randint(0, 256), 0xFFFFFFFF, 0xFFFFFFF0])
        if it == "i64":
            a = r.choice([a, a, 1 << 32, (1 << 64) - 1, (1 << 63)])
        a &= (1 << (32 if it == "i32" else 64)) - 1
        if r.random() < 0.3:
            return "(%s.add (%s.const %d) (%s.and %s (%s.const 0xff)))" % (
                it, it, a, it, self.i32e(1) if it == "i32" else self.i64e(1), it)
        return "(%s.const %d)" % (it, a)

    def rare(self):
        """An i32 condition that holds about one time in four."""
        return "(i32.eqz (i32.and %s (i32.const 3)))" % self.i32e(1)

    def memarg(self, m, width):
        r = self.r
        off = 0 if r.random() < 0.8 else r.choice([1, 4, 65535, 65536])
        if self.mems[m][0] == "i64" and r.random() < 0.2:
            off = r.choice([1 << 32, (1 << 64) - 1])
        align = r.choice([w for w in (1, 2, 4, 8) if w <= width])
        return "%d offset=%d align=%d" % (m, off, align)

    def i32e(self, d):
        r = self.r
        if d <= 0:
            return r.choice(["(i32.const %d)" % r.randint(-5, 70000), "(local.get $p)",
                             "(i32.wrap_i64 (global.get $acc))"])
        k = r.randint(0, 12)
        if k == 0:
            op = r.choice(["add", "sub", "mul", "xor", "and", "or", "shl", "shr_u", "rotl",
                           "div_s", "rem_u", "lt_s", "eq"])
            return "(i32.%s %s %s)" % (op, self.i32e(d - 1), self.i32e(d - 1))
        if k == 1:
            m = r.randrange(len(self.mems))
            op, w = r.choice([("load", 4), ("load8_u", 1), ("load16_s", 2)])
            return "(i32.%s %s %s)" % (op, self.memarg(m, w), self.addr(m))
        if k == 2:
            m = r.randrange(len(self.mems))
            s = "(memory.size %d)" % m
            return s if self.mems[m][0] == "i32" else "(i32.wrap_i64 %s)" % s
        if k == 3:
            m = r.randrange(len(self.mems))
            it = self.mems[m][0]
            s = "(memory.grow %d (%s.const %d))" % (m, it, r.choice([0, 1, 1, 2, 100]))
            return s if it == "i32" else "(i32.wrap_i64 %s)" % s
        if k == 4 and self.cur_helper > 0:
            h = r.randrange(self.cur_helper)
            return "(call $h%d %s)" % (h, self.i32e(d - 1))
        if k == 5 and self.cur_helper > 0:
            h = r.randrange(self.cur_helper)
            return "(call_ref $t %s (ref.func $h%d))" % (self.i32e(d - 1), h)
        if k == 6 and self.cur_helper > 0:
            return "(call_ref $t %s (local.get $f))" % self.i32e(d - 1)
        if k == 7 and self.cur_helper > 0:
            return "(call_ref $t %s (ref.as_non_null (local.get $f)))" % self.i32e(d - 1)
        if k == 8:
            it = "i64" if self.table64 else "i32"
            return "(call_indirect $tab (type $t) %s (%s.const %d))" % (
                self.i32e(d - 1), it,
                r.randrange(self.nhelpers) if r.random() < 0.8 else r.randint(0, 6))
        if k == 9:
            return "(i32.wrap_i64 %s)" % self.i64e(d - 1)
        if k == 10:
            return "(select %s %s %s)" % (self.i32e(d - 1), self.i32e(d - 1), self.i32e(d - 1))
        if k == 11:
            # a caught exception's payload as a value
            l_ = self.fresh()
            return "(block %s (result i32) (try_table (result i32) (catch $e0 %s) %s))" % (
                l_, l_, self.i32e(d - 1))
        return "(i32.const %d)" % r.randint(-100, 100)

    def i64e(self, d):
        r = self.r
        if d <= 0:
            return r.choice(["(i64.const %d)" % r.randint(-5, 1 << 40), "(global.get $acc)",
                             "(i64.extend_i32_u (local.get $p))"])
        k = r.randint(0, 4)
        if k == 0:
            op = r.choice(["add", "mul", "xor", "rotr", "div_u", "shr_s"])
            return "(i64.%s %s %s)" % (op, self.i64e(d - 1), self.i64e(d - 1))
        if k == 1:
            m = r.randrange(len(self.mems))
            op, w = r.choice([("load", 8), ("load32_u", 4), ("load8_s", 1)])
            return "(i64.%s %s %s)" % (op, self.memarg(m, w), self.addr(m))
        if k == 2:
            return "(i64.extend_i32_s %s)" % self.i32e(d - 1)
        if k == 3:
            it = "i64" if self.table64 else "i32"
            s = "(table.size $tab)"
            return s if it == "i64" else "(i64.extend_i32_u %s)" % s
        return "(i64.const %d)" % r.randint(-(1 << 62), 1 << 62)

    def mix(self, e64):
        return "(global.set $acc (i64.xor (i64.rotl (global.get $acc) (i64.const 7)) %s))" % e64

    def stmt(self, d):
        r = self.r
        k = r.randint(0, 15)
        if k == 0:
            m = r.randrange(len(self.mems))
            op, w = r.choice([("i32.store", 4), ("i32.store8", 1), ("i32.store16", 2)])
            return "(%s %s %s %s)" % (op, self.memarg(m, w), self.addr(m), self.i32e(d))
        if k == 1:
            m = r.randrange(len(self.mems))
            op, w = r.choice([("i64.store", 8), ("i64.store32", 4)])
            return "(%s %s %s %s)" % (op, self.memarg(m, w), self.addr(m), self.i64e(d))
        if k == 2:
            a, b = r.randrange(len(self.mems)), r.randrange(len(self.mems))
            lt = "i64" if self.mems[a][0] == "i64" and self.mems[b][0] == "i64" else "i32"
            return "(memory.copy %d %d %s %s (%s.const %d))" % (
                a, b, self.addr(a), self.addr(b), lt, r.choice([0, 1, 8, 100, 100, 100, 65536]))
        if k == 3:
            m = r.randrange(len(self.mems))
            return "(memory.fill %d %s %s (%s.const %d))" % (
                m, self.addr(m), self.i32e(1), self.mems[m][0], r.choice([0, 3, 64, 64, 70000]))
        if k == 4:
            return "(if %s (then (throw $e0 %s)))" % (self.rare(), self.i32e(d))
        if k == 5:
            return "(if %s (then (throw $e1 %s %s)))" % (self.rare(), self.i64e(d), self.i32e(d))
        if k == 6 and d > 0:
            # caught: e0's payload, or any other exception
            la, lc = self.fresh(), self.fresh()
            body = " ".join(self.stmt(d - 1) for _ in range(r.randint(1, 3)))
            return ("(block %s %s)" % (la, self.mix(
                "(i64.extend_i32_u (block %s (result i32) (try_table (catch $e0 %s) (catch_all %s) %s)"
                " (br %s)))" % (lc, lc, la, body, la))))
        if k == 7 and d > 0:
            # catch_all_ref: keep the exception; a later statement may rethrow it
            lx, ln = self.fresh(), self.fresh()
            body = " ".join(self.stmt(d - 1) for _ in range(r.randint(1, 3)))
            return ("(block %s (local.set $x (block %s (result exnref) (try_table (catch_all_ref %s) %s)"
                    " (br %s))))") % (ln, lx, lx, body, ln)
        if k == 8:
            if r.random() < 0.8:
                return "(if (i32.eqz (ref.is_null (local.get $x))) (then (throw_ref (local.get $x))))"
            return "(if %s (then (throw_ref (local.get $x))))" % self.rare()
        if k == 9 and d > 0:
            # catch_ref of e1: payload and the exception
            lr, ln = self.fresh(), self.fresh()
            body = " ".join(self.stmt(d - 1) for _ in range(r.randint(1, 2)))
            return ("(block %s (block %s (result i64 i32 exnref) (try_table (catch_ref $e1 %s) %s)"
                    " (br %s)) (local.set $x) (drop) (drop))") % (ln, lr, lr, body, ln)
        if k == 10 and self.cur_helper > 0:
            h = r.randrange(self.cur_helper)
            return "(local.set $f (ref.func $h%d))" % h
        if k == 11:
            return "(local.set $f (ref.null $t))"
        if k == 12 and self.cur_helper > 0:
            lb = self.fresh()
            return "(block %s (drop (call_ref $t %s (br_on_null %s (local.get $f)))))" % (
                lb, self.i32e(d), lb)
        if k == 13:
            it = "i64" if self.table64 else "i32"
            h = r.randrange(max(self.cur_helper, 1))
            op = r.choice(["grow", "set", "fill"])
            if op == "grow":
                return "(drop (table.grow $tab (ref.func $h%d) (%s.const %d)))" % (h, it, r.randint(0, 3))
            if op == "set":
                return "(table.set $tab (%s.const %d) (ref.func $h%d))" % (it, r.randint(0, self.nhelpers), h)
            return "(table.fill $tab (%s.const %d) (ref.null func) (%s.const %d))" % (
                it, r.randint(0, 6), it, r.randint(0, 3))
        if k == 14:
            return self.mix(self.i64e(d))
        return self.mix("(i64.extend_i32_u %s)" % self.i32e(d))

    def tail(self, d):
        r = self.r
        k = r.randint(0, 3)
        if k == 0 and self.cur_helper > 0:
            return "(return_call $h%d %s)" % (r.randrange(self.cur_helper), self.i32e(d))
        if k == 1 and self.cur_helper > 0:
            return "(return_call_ref $t %s (local.get $f))" % self.i32e(d)
        if k == 2 and self.cur_helper > 0:
            lb = self.fresh()
            return ("(block %s (return_call_ref $t %s (br_on_null %s (local.get $f)))) %s" %
                    (lb, self.i32e(d), lb, self.i32e(d)))
        return self.i32e(d)

    def func(self, name, export, n_helper):
        r = self.r
        self.cur_helper = n_helper
        locs = "(local $f (ref null $t)) (local $x exnref)"
        pre = ""
        if n_helper > 0:
            locs += " (local $g (ref $t))"
            pre = "(local.set $g (ref.func $h%d)) (local.set $f (local.get $g))" % r.randrange(n_helper)
        body = " ".join(self.stmt(2) for _ in range(r.randint(1, 6)))
        exp = ' (export "%s")' % export if export else ""
        return "  (func %s%s (type $t) (param $p i32) (result i32) %s\n    %s %s\n    %s)\n" % (
            name, exp, locs, pre, body, self.tail(2))

    def module(self):
        r = self.r
        out = ["(module\n  (type $t (func (param $p i32) (result i32)))\n"]
        for i, (it, pages) in enumerate(self.mems):
            mx = " %d" % (pages + r.randint(0, 2)) if r.random() < 0.7 else ""
            at = "i64 " if it == "i64" else r.choice(["", "i32 "])
            out.append("  (memory %s%d%s)\n" % (at, pages, mx))
            if pages and r.random() < 0.7:
                off = r.randint(0, pages * 65536 - 8)
                out.append('  (data (memory %d) (%s.const %d) "\\01\\02\\03\\04\\ff\\fe")\n' % (i, it, off))
        it = "i64" if self.table64 else "i32"
        out.append("  (table $tab %s%d %d funcref)\n" % ("i64 " if self.table64 else "",
                                                          self.nhelpers, self.nhelpers + r.randint(0, 4)))
        out.append("  (global $acc (mut i64) (i64.const %d))\n" % r.randint(0, 1 << 32))
        out.append("  (tag $e0 (param i32))\n  (tag $e1 (param i64 i32))\n")
        out.append('  (export "e0" (tag $e0))\n')
        for h in range(self.nhelpers):
            out.append(self.func("$h%d" % h, None, h))
        helpers = " ".join("$h%d" % h for h in range(self.nhelpers))
        out.append("  (elem (table $tab) (%s.const 0) func %s)\n" % (it, helpers))
        out.append("  (elem declare func %s)\n" % helpers)
        for e in range(r.randint(1, 4)):
            out.append(self.func("$x%d" % e, "run%d" % e, self.nhelpers))
        out.append('  (func (export "zacc") (result i64) (global.get $acc))\n)\n')
        return "".join(out)


def main():
    seed, count, path = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    with open(path, "w") as f:
        for i in range(count):
            f.write(Gen(random.Random(seed * 1000003 + i)).module())


if __name__ == "__main__":
    main()
