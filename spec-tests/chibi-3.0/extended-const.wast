;; chibi's own tests of Wasm 3.0 extended constant expressions (the official ones sit in
;; core/global.wast, which wabt 1.0.42 cannot convert).  Constant expressions read imported
;; globals only: Wasm 3.0 also lets them read defined ones, which the Wasm 2.0 suite
;; forbids (vm/validate.c, CEXPR_GLOBALS).

(module $g
  (global (export "g0") i32 (i32.const 40))
  (global (export "g1") i64 (i64.const -7))
  (global (export "neg") i32 (i32.const -1)))
(register "g" $g)

(module
  (import "g" "g0" (global $imp i32))
  (import "g" "g1" (global $imp64 i64))
  (global $a i32 (i32.add (i32.const 1) (i32.const 2)))
  (global $b i32 (i32.sub (i32.const 3) (i32.const 10)))
  (global $c i32 (i32.mul (i32.const -7) (global.get $imp)))
  (global $wrap i32 (i32.add (i32.const 0x7fffffff) (i32.const 1)))
  (global $wrapmul i32 (i32.mul (i32.const 0x10000) (i32.const 0x10001)))
  (global $d i64 (i64.add (global.get $imp64) (i64.mul (i64.const 3) (i64.const 5))))
  (global $e i64 (i64.sub (i64.const 0) (i64.const 0x8000000000000000)))
  (global $f i64 (i64.mul (i64.const 0x100000000) (i64.const 0x100000001)))
  (global $deep i32
    (i32.add (i32.const 1) (i32.add (i32.const 2) (i32.add (i32.const 3)
      (i32.add (i32.const 4) (i32.add (i32.const 5) (i32.const 6)))))))
  (memory 1)
  (data (i32.add (global.get $imp) (i32.const 2)) "\2a")
  (data (i32.sub (i32.const 100) (i32.mul (i32.const 2) (i32.const 3))) "\07")
  (data (i32.add (i32.mul (global.get $imp) (i32.const 2)) (i32.const -31)) "\0b") ;; 49
  (table 10 funcref)
  (elem (i32.add (i32.const 1) (i32.const 4)) $seven)
  (func $seven (result i32) (i32.const 7))
  (func (export "a") (result i32) (global.get $a))
  (func (export "b") (result i32) (global.get $b))
  (func (export "c") (result i32) (global.get $c))
  (func (export "wrap") (result i32) (global.get $wrap))
  (func (export "wrapmul") (result i32) (global.get $wrapmul))
  (func (export "d") (result i64) (global.get $d))
  (func (export "e") (result i64) (global.get $e))
  (func (export "f") (result i64) (global.get $f))
  (func (export "deep") (result i32) (global.get $deep))
  (func (export "load") (param i32) (result i32) (i32.load8_u (local.get 0)))
  (func (export "call") (param i32) (result i32)
    (call_indirect (result i32) (local.get 0))))

(assert_return (invoke "a") (i32.const 3))
(assert_return (invoke "b") (i32.const -7))
(assert_return (invoke "c") (i32.const -280))
(assert_return (invoke "wrap") (i32.const 0x80000000))
(assert_return (invoke "wrapmul") (i32.const 0x10000))
(assert_return (invoke "d") (i64.const 8))
(assert_return (invoke "e") (i64.const 0x8000000000000000))
(assert_return (invoke "f") (i64.const 0x100000000))
(assert_return (invoke "deep") (i32.const 21))
(assert_return (invoke "load" (i32.const 42)) (i32.const 0x2a))
(assert_return (invoke "load" (i32.const 94)) (i32.const 7))
(assert_return (invoke "load" (i32.const 49)) (i32.const 11))
(assert_return (invoke "call" (i32.const 5)) (i32.const 7))
(assert_trap (invoke "call" (i32.const 4)) "uninitialized element")

;; An offset computed out of bounds still traps at instantiation.
(assert_trap
  (module (import "g" "neg" (global $n i32)) (memory 1)
    (data (i32.mul (global.get $n) (i32.const 21)) "x"))
  "out of bounds memory access")
(assert_trap
  (module (memory 1) (data (i32.mul (i32.const 0x100) (i32.const 0x100)) "x"))
  "out of bounds memory access")

(assert_invalid
  (module (global i32 (i32.add (i32.const 1) (i64.const 2))))
  "type mismatch")
(assert_invalid
  (module (global i64 (i32.add (i32.const 1) (i32.const 2))))
  "type mismatch")
(assert_invalid
  (module (global i32 (i32.const 1) (i32.const 2)))
  "type mismatch")
(assert_invalid
  (module (global i32 (i32.const 1) (i32.add)))
  "type mismatch")
(assert_invalid
  (module (global i32 (i32.div_s (i32.const 1) (i32.const 2))))
  "constant expression required")
(assert_invalid
  (module (global i64 (i64.and (i64.const 1) (i64.const 2))))
  "constant expression required")
(assert_invalid
  (module (global $m (mut i32) (i32.const 1))
          (global i32 (i32.add (global.get $m) (i32.const 2))))
  "constant expression required")
(assert_invalid
  (module (global i32 (i32.add (global.get 1) (i32.const 2)))
          (global i32 (i32.const 1)))
  "unknown global")
(assert_invalid
  (module (memory 1) (data (i64.add (i64.const 0) (i64.const 0)) ""))
  "type mismatch")
