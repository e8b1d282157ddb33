;; chibi's own ref.as_non_null tests.  On a null constant the interpreter's translator writes
;; the constant to its operand slot first: that move once went between the opcode and its
;; operand word, so the executor read a code word as a slot number and crashed (AFL++ found
;; it: fuzz/corpus/afl-interp-segv-ref-as-non-null.wasm).  Constants at several operand
;; depths, a non-null constant, a local and a parameter.

(module
  (type $f (func (result i32)))
  (func $one (type $f) (i32.const 1))
  (elem declare func $one)

  (func (export "null-const") (result i32)
    (drop (ref.as_non_null (ref.null func)))
    (i32.const 7))
  (func (export "null-const-deep") (result i32)
    (i32.add (i32.const 1)
      (i32.add (i32.const 2)
        (block (result i32)
          (drop (ref.as_non_null (ref.null extern)))
          (i32.const 3)))))
  (func (export "null-const-kept") (result i32)
    (call_ref $f (ref.as_non_null (ref.null $f))))
  (func (export "func-const") (result i32)
    (call_ref $f (ref.as_non_null (ref.func $one))))
  (func (export "local") (param i32) (result i32)
    (local $r (ref null $f))
    (if (local.get 0) (then (local.set $r (ref.func $one))))
    (call_ref $f (ref.as_non_null (local.get $r))))
  (func (export "param") (param externref) (result i32)
    (drop (ref.as_non_null (local.get 0)))
    (i32.const 5))
)

(assert_trap (invoke "null-const") "null reference")
(assert_trap (invoke "null-const-deep") "null reference")
(assert_trap (invoke "null-const-kept") "null reference")
(assert_return (invoke "func-const") (i32.const 1))
(assert_return (invoke "local" (i32.const 1)) (i32.const 1))
(assert_trap (invoke "local" (i32.const 0)) "null reference")
(assert_return (invoke "param" (ref.extern 1)) (i32.const 5))
(assert_trap (invoke "param" (ref.null extern)) "null reference")
