;; chibi's own tail-call tests: long chains between functions of different arities (more
;; parameters than any ABI passes in registers, so stack arguments too), through
;; return_call, return_call_indirect and a host function.  A chain that grew the value stack
;; or the native stack by one frame per call would trap ("call stack exhausted") long before
;; 10^6 calls; make spec-3.0-long runs the chains 10^8 times.

(module
  (import "spectest" "print_i32" (func $print (param i32)))
  (type $t1 (func (param i64) (result i64)))
  (type $t3 (func (param i64 i64 f64) (result i64)))
  (type $t12 (func (param i64 i32 i64 i32 i64 i32 f64 f32 i64 i32 i64 i64) (result i64)))
  (table funcref (elem $one $three $twelve))

  ;; one parameter -> twelve: n, then eleven values that change every round
  (func $one (export "one") (param $n i64) (result i64)
    (if (i64.eqz (local.get $n)) (then (return (i64.const 0))))
    (return_call $twelve
      (i64.sub (local.get $n) (i64.const 1)) (i32.const 1) (i64.const 2) (i32.const 3)
      (i64.const 4) (i32.const 5) (f64.const 6) (f32.const 7) (i64.const 8) (i32.const 9)
      (i64.const 10) (local.get $n)))

  ;; twelve -> three (indirectly), checking the stack arguments arrived
  (func $twelve (param $n i64) (param i32 i64 i32 i64 i32 f64 f32 i64 i32 i64)
                (param $last i64) (result i64)
    (if (i32.or (i64.ne (local.get 10) (i64.const 10))
                (i64.ne (i64.add (local.get $n) (i64.const 1)) (local.get $last)))
      (then unreachable))
    (return_call_indirect (type $t3)
      (local.get $n) (i64.const 0) (f64.const 0.5) (i32.const 1)))

  ;; three -> one
  (func $three (param $n i64) (param $k i64) (param f64) (result i64)
    (if (f64.ne (local.get 2) (f64.const 0.5)) (then unreachable))
    (return_call_indirect (type $t1) (i64.sub (local.get $n) (local.get $k)) (i32.const 0)))

  ;; a counting loop as tail recursion with an accumulator
  (func $sum (export "sum") (param $n i64) (param $acc i64) (result i64)
    (if (result i64) (i64.eqz (local.get $n))
      (then (local.get $acc))
      (else (return_call $sum (i64.sub (local.get $n) (i64.const 1))
                              (i64.add (local.get $acc) (local.get $n))))))

  ;; mutual recursion with multiple results
  (func $even (export "even") (param $n i64) (result i32 i64)
    (if (i64.eqz (local.get $n)) (then (return (i32.const 1) (i64.const 99))))
    (return_call $odd (i64.sub (local.get $n) (i64.const 1))))
  (func $odd (param $n i64) (result i32 i64)
    (if (i64.eqz (local.get $n)) (then (return (i32.const 0) (i64.const 77))))
    (return_call $even (i64.sub (local.get $n) (i64.const 1))))

  ;; a tail call to a host function
  (func (export "print") (param i32) (return_call $print (local.get 0)))

  ;; a tail call from a function with many locals to one with few, and back
  (func $wide (export "wide") (param $n i32) (result i32)
    (local i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64)
    (local.set 16 (i64.const 5))
    (if (i32.eqz (local.get $n)) (then (return (i32.wrap_i64 (local.get 16)))))
    (return_call $narrow (i32.sub (local.get $n) (i32.const 1))))
  (func $narrow (param $n i32) (result i32)
    (return_call $wide (local.get $n)))
)

(assert_return (invoke "one" (i64.const 0)) (i64.const 0))
(assert_return (invoke "one" (i64.const 1)) (i64.const 0))
(assert_return (invoke "one" (i64.const 1000000)) (i64.const 0))
(assert_return (invoke "sum" (i64.const 1000000) (i64.const 0)) (i64.const 500000500000))
(assert_return (invoke "even" (i64.const 1000001)) (i32.const 0) (i64.const 77))
(assert_return (invoke "even" (i64.const 1000000)) (i32.const 1) (i64.const 99))
(assert_return (invoke "print" (i32.const 42)))
(assert_return (invoke "wide" (i32.const 1000000)) (i32.const 5))

;; Traps inside a chain still trap
(module
  (type $t (func (param i32) (result i32)))
  (table funcref (elem $f))
  (func $f (param i32) (result i32) (i32.const 1))
  (func (export "oob") (result i32) (return_call_indirect (type $t) (i32.const 0) (i32.const 5)))
  (func (export "sig") (result i64) (return_call_indirect (result i64) (i32.const 0)))
  (func (export "ok") (result i32) (return_call_indirect (type $t) (i32.const 0) (i32.const 0)))
)
(assert_trap (invoke "oob") "undefined element")
(assert_trap (invoke "sig") "indirect call type mismatch")
(assert_return (invoke "ok") (i32.const 1))

(assert_invalid
  (module (func $f (result i64) (i64.const 0))
          (func (result i32) (return_call $f)))
  "type mismatch")
(assert_invalid
  (module (type $t (func (result i64)))
          (table 1 funcref)
          (func (result i32) (return_call_indirect (type $t) (i32.const 0))))
  "type mismatch")
(assert_invalid
  (module (func $f (param i32)) (func (return_call $f)))
  "type mismatch")

;; Tail calls across instances, through a table and through function references, between
;; arities that need stack arguments on both JIT targets (x86-64 passes 5 integers in
;; registers, AArch64 8): a(10) -> b(10, another instance, return_call_indirect) ->
;; a2(3, back, return_call_ref) -> a(10, return_call).  Each function returns its own
;; memory's byte 0 at the end of the chain, so a chain that ends in the other instance
;; shows up in the result, and "check" shows whether a direct caller of a function that
;; may end in another instance still reads its own memory afterwards.
(module $A
  (type $f (func (param i64 i64 i64 i64 i64 i64 i64 i64 i64 i64) (result i64)))
  (type $g (func (param i64 f64 i64) (result i64)))
  (table (export "tab") 2 funcref)
  (memory (export "mem") 1)
  (data (i32.const 0) "\02")
  (elem declare func $a2)
  (func $a (export "a") (type $f)
    (if (i64.eqz (local.get 0)) (then (return (i64.load8_u (i32.const 0)))))
    (if (i64.ne (local.get 9) (i64.add (local.get 0) (i64.const 9))) (then unreachable))
    (return_call_indirect (type $f)
      (i64.sub (local.get 0) (i64.const 1)) (i64.const 1) (i64.const 2) (i64.const 3)
      (i64.const 4) (i64.const 5) (i64.const 6) (i64.const 7) (i64.const 8)
      (i64.add (local.get 0) (i64.const 8))
      (i32.const 1)))
  (func $a2 (export "a2") (type $g)
    (if (i64.eqz (local.get 0)) (then (return (i64.load8_u (i32.const 0)))))
    (if (f64.ne (local.get 1) (f64.const 2.5)) (then unreachable))
    (return_call $a
      (i64.sub (local.get 0) (i64.const 1)) (local.get 2) (i64.const 2) (i64.const 3)
      (i64.const 4) (i64.const 5) (i64.const 6) (i64.const 7) (i64.const 8)
      (i64.add (local.get 0) (i64.const 8))))
  ;; a direct call of $a, which may end in $B: this function's memory is still its own
  (func (export "check") (param i64) (result i64)
    (i64.add (i64.mul (call $a (local.get 0) (i64.const 1) (i64.const 2) (i64.const 3)
                               (i64.const 4) (i64.const 5) (i64.const 6) (i64.const 7)
                               (i64.const 8) (i64.add (local.get 0) (i64.const 9)))
                      (i64.const 100))
             (i64.load8_u (i32.const 0))))
)
(register "A" $A)
(module $B
  (type $f (func (param i64 i64 i64 i64 i64 i64 i64 i64 i64 i64) (result i64)))
  (type $g (func (param i64 f64 i64) (result i64)))
  (import "A" "tab" (table 2 funcref))
  (import "A" "a2" (func $a2 (type $g)))
  (memory 1)
  (data (i32.const 0) "\07")
  (global $to_a2 (ref $g) (ref.func $a2))
  (elem (table 0) (i32.const 1) func $b)
  (func $b (type $f)
    (if (i64.eqz (local.get 0)) (then (return (i64.load8_u (i32.const 0)))))
    (if (i64.ne (local.get 9) (i64.add (local.get 0) (i64.const 9))) (then unreachable))
    (return_call_ref $g
      (i64.sub (local.get 0) (i64.const 1)) (f64.const 2.5) (i64.const 1)
      (global.get $to_a2)))
)
;; 1000000 calls; n mod 3 says where the chain ends: 0 in a (A), 2 in b (B), 1 in a2 (A)
(assert_return (invoke $A "a" (i64.const 1000000) (i64.const 1) (i64.const 2) (i64.const 3)
                              (i64.const 4) (i64.const 5) (i64.const 6) (i64.const 7)
                              (i64.const 8) (i64.const 1000009))
               (i64.const 7))
(assert_return (invoke $A "a" (i64.const 999999) (i64.const 1) (i64.const 2) (i64.const 3)
                              (i64.const 4) (i64.const 5) (i64.const 6) (i64.const 7)
                              (i64.const 8) (i64.const 1000008))
               (i64.const 2))
(assert_return (invoke $A "check" (i64.const 1)) (i64.const 702))
(assert_return (invoke $A "check" (i64.const 2)) (i64.const 202))
(assert_return (invoke $A "check" (i64.const 1000003)) (i64.const 702))

;; call_ref and return_call_ref on null trap
(module
  (type $t (func (result i32)))
  (func (export "call-null") (result i32) (call_ref $t (ref.null $t)))
  (func (export "tail-null") (result i32) (return_call_ref $t (ref.null $t)))
)
(assert_trap (invoke "call-null") "null function reference")
(assert_trap (invoke "tail-null") "null function reference")

;; Arguments after a v128 (two slots each in the interpreter's frame): the interpreter's
;; return_call moved as many slots as there were values, so the last argument was left
;; behind and the callee read what the frame held there, a host address
;; (wasm-opt -ttf campaign, 7 Dec 2026: fuzz/open's ttf-10245 and four more).
(module
  (func $callee (param v128 i32 f32) (result f32)
    (f32.add (local.get 2) (f32.convert_i32_s (local.get 1))))
  (func (export "direct") (result f32)
    (return_call $callee (v128.const i32x4 1 2 3 4) (i32.const 2) (f32.const 1.5)))
  (table 1 funcref)
  (elem (i32.const 0) $callee)
  (type $t (func (param v128 i32 f32) (result f32)))
  (func (export "indirect") (result f32)
    (return_call_indirect (type $t) (v128.const i32x4 1 2 3 4) (i32.const 3) (f32.const 0.5)
      (i32.const 0)))
  (func $two (param v128 v128 i64) (result i64)
    (i64.add (local.get 2) (i64x2.extract_lane 1 (local.get 1))))
  (func (export "two-v128") (param i64) (result i64)
    (return_call $two (v128.const i64x2 0 0) (v128.const i64x2 0 40) (local.get 0)))
)
(assert_return (invoke "direct") (f32.const 3.5))
(assert_return (invoke "indirect") (f32.const 3.5))
(assert_return (invoke "two-v128" (i64.const 2)) (i64.const 42))
