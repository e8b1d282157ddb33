;; call_indirect and return_call_indirect whose expected type is not final (declared with
;; `sub`): a callee of that type or of any subtype (depth 1, 2, 3, inside and across
;; recursion groups, across modules) is called; a supertype, a sibling or an unrelated
;; type with the same signature traps.  The JITs compile these (the equal-id compare, then
;; the callee's supertype at the expected type's depth); `make spec-3.0` checks that no
;; function is left to the interpreter.  Read by chibi's own text reader (native-only).

(module $A
  (type $a (sub (func (result i32))))
  (type $b (sub $a (func (result i32))))
  (type $c (sub $b (func (result i32))))
  (type $d (sub final $c (func (result i32))))
  (type $b2 (sub final $a (func (result i32))))    ;; a sibling of $b (final: not equal to it)
  (type $plain (func (result i32)))                 ;; final, same signature
  (rec (type $r0 (sub (func (result i32)))) (type $r1 (sub $r0 (func (result i32)))))
  (type $big (sub (func (param i64 i64 i64 i64 i64 i64 i64 i64) (result i64))))
  (type $big2 (sub $big (func (param i64 i64 i64 i64 i64 i64 i64 i64) (result i64))))

  (func $fa (type $a) (i32.const 1))
  (func $fb (type $b) (i32.const 2))
  (func $fc (type $c) (i32.const 3))
  (func $fd (type $d) (i32.const 4))
  (func $fb2 (type $b2) (i32.const 5))
  (func $fplain (type $plain) (i32.const 6))
  (func $fr0 (type $r0) (i32.const 7))
  (func $fr1 (type $r1) (i32.const 8))
  (func $fbig (type $big2)
    (i64.add (i64.add (i64.add (local.get 0) (local.get 1)) (i64.add (local.get 2) (local.get 3)))
             (i64.add (i64.add (local.get 4) (local.get 5)) (i64.add (local.get 6) (local.get 7)))))

  (table $t (export "t") 9 funcref)
  (elem (table $t) (i32.const 0) func $fa $fb $fc $fd $fb2 $fplain $fr0 $fr1 $fbig)

  (func (export "call-a") (param i32) (result i32) (call_indirect $t (type $a) (local.get 0)))
  (func (export "call-b") (param i32) (result i32) (call_indirect $t (type $b) (local.get 0)))
  (func (export "call-c") (param i32) (result i32) (call_indirect $t (type $c) (local.get 0)))
  (func (export "call-d") (param i32) (result i32) (call_indirect $t (type $d) (local.get 0)))
  (func (export "call-r0") (param i32) (result i32) (call_indirect $t (type $r0) (local.get 0)))
  (func (export "tail-a") (param i32) (result i32) (return_call_indirect $t (type $a) (local.get 0)))
  (func (export "tail-b") (param i32) (result i32) (return_call_indirect $t (type $b) (local.get 0)))
  (func (export "call-big") (param i32) (result i64)
    (call_indirect $t (type $big)
      (i64.const 1) (i64.const 2) (i64.const 3) (i64.const 4)
      (i64.const 5) (i64.const 6) (i64.const 7) (i64.const 8) (local.get 0)))
  (func (export "tail-big") (param i32) (result i64)
    (return_call_indirect $t (type $big)
      (i64.const 10) (i64.const 20) (i64.const 30) (i64.const 40)
      (i64.const 50) (i64.const 60) (i64.const 70) (i64.const 80) (local.get 0)))
  ;; a loop of subtype calls: the slow path many times over
  (func (export "sum-a") (param $n i32) (result i32) (local $s i32)
    (block $out (loop $l
      (br_if $out (i32.eqz (local.get $n)))
      (local.set $n (i32.sub (local.get $n) (i32.const 1)))
      (local.set $s (i32.add (local.get $s)
        (call_indirect $t (type $a) (i32.rem_u (local.get $n) (i32.const 5)))))
      (br $l)))
    (local.get $s))
)
(register "A" $A)

;; $a accepts itself and every descendant
(assert_return (invoke "call-a" (i32.const 0)) (i32.const 1))
(assert_return (invoke "call-a" (i32.const 1)) (i32.const 2))
(assert_return (invoke "call-a" (i32.const 2)) (i32.const 3))
(assert_return (invoke "call-a" (i32.const 3)) (i32.const 4))
(assert_return (invoke "call-a" (i32.const 4)) (i32.const 5))
(assert_trap (invoke "call-a" (i32.const 5)) "indirect call type mismatch")
(assert_trap (invoke "call-a" (i32.const 6)) "indirect call type mismatch")
(assert_trap (invoke "call-a" (i32.const 7)) "indirect call type mismatch")
(assert_trap (invoke "call-a" (i32.const 9)) "undefined element")
;; $b: itself and below; not its supertype, not its sibling
(assert_trap (invoke "call-b" (i32.const 0)) "indirect call type mismatch")
(assert_return (invoke "call-b" (i32.const 1)) (i32.const 2))
(assert_return (invoke "call-b" (i32.const 2)) (i32.const 3))
(assert_return (invoke "call-b" (i32.const 3)) (i32.const 4))
(assert_trap (invoke "call-b" (i32.const 4)) "indirect call type mismatch")
(assert_trap (invoke "call-b" (i32.const 5)) "indirect call type mismatch")
;; $c: two levels below $a
(assert_trap (invoke "call-c" (i32.const 0)) "indirect call type mismatch")
(assert_trap (invoke "call-c" (i32.const 1)) "indirect call type mismatch")
(assert_return (invoke "call-c" (i32.const 2)) (i32.const 3))
(assert_return (invoke "call-c" (i32.const 3)) (i32.const 4))
;; $d is final: only itself
(assert_trap (invoke "call-d" (i32.const 2)) "indirect call type mismatch")
(assert_return (invoke "call-d" (i32.const 3)) (i32.const 4))
;; inside a recursion group
(assert_return (invoke "call-r0" (i32.const 6)) (i32.const 7))
(assert_return (invoke "call-r0" (i32.const 7)) (i32.const 8))
(assert_trap (invoke "call-r0" (i32.const 0)) "indirect call type mismatch")
(assert_trap (invoke "call-r0" (i32.const 5)) "indirect call type mismatch")
;; the tail forms
(assert_return (invoke "tail-a" (i32.const 3)) (i32.const 4))
(assert_trap (invoke "tail-a" (i32.const 5)) "indirect call type mismatch")
(assert_return (invoke "tail-b" (i32.const 2)) (i32.const 3))
(assert_trap (invoke "tail-b" (i32.const 4)) "indirect call type mismatch")
;; stack arguments
(assert_return (invoke "call-big" (i32.const 8)) (i64.const 36))
(assert_return (invoke "tail-big" (i32.const 8)) (i64.const 360))
(assert_trap (invoke "call-big" (i32.const 0)) "indirect call type mismatch")
(assert_trap (invoke "tail-big" (i32.const 2)) "indirect call type mismatch")
(assert_return (invoke "sum-a" (i32.const 1000)) (i32.const 3000))

;; Another module: its own declarations of the same groups are the same canonical types,
;; so it calls A's functions through A's table by subtyping; a group of two declared
;; here differs from A's single types and traps.
(module $B
  (type $a (sub (func (result i32))))
  (type $b (sub $a (func (result i32))))
  (type $c (sub $b (func (result i32))))
  (rec (type $r0 (sub (func (result i32)))) (type $r1 (sub $r0 (func (result i32)))))
  (rec (type $x (sub (func (result i32)))) (type $y (sub $x (func (result i32))))
       (type $z (func)))
  (import "A" "t" (table $t 9 funcref))
  (func $own (type $c) (i32.const 30))
  (func $owny (type $y) (i32.const 40))
  (table $u 2 funcref)
  (elem (table $u) (i32.const 0) func $own $owny)
  (func (export "b-call-a") (param i32) (result i32) (call_indirect $t (type $a) (local.get 0)))
  (func (export "b-call-b") (param i32) (result i32) (call_indirect $t (type $b) (local.get 0)))
  (func (export "b-call-r0") (param i32) (result i32) (call_indirect $t (type $r0) (local.get 0)))
  (func (export "b-call-x") (param i32) (result i32) (call_indirect $t (type $x) (local.get 0)))
  (func (export "b-tail-a") (param i32) (result i32) (return_call_indirect $t (type $a) (local.get 0)))
  (func (export "own-a") (param i32) (result i32) (call_indirect $u (type $a) (local.get 0)))
  (func (export "own-x") (param i32) (result i32) (call_indirect $u (type $x) (local.get 0)))
)
(assert_return (invoke "b-call-a" (i32.const 3)) (i32.const 4))
(assert_return (invoke "b-call-a" (i32.const 1)) (i32.const 2))
(assert_trap (invoke "b-call-a" (i32.const 5)) "indirect call type mismatch")
(assert_trap (invoke "b-call-b" (i32.const 0)) "indirect call type mismatch")
(assert_return (invoke "b-call-b" (i32.const 2)) (i32.const 3))
(assert_return (invoke "b-call-r0" (i32.const 7)) (i32.const 8))
(assert_trap (invoke "b-call-x" (i32.const 6)) "indirect call type mismatch")
(assert_trap (invoke "b-call-x" (i32.const 7)) "indirect call type mismatch")
(assert_return (invoke "b-tail-a" (i32.const 2)) (i32.const 3))
(assert_return (invoke "own-a" (i32.const 0)) (i32.const 30))
(assert_trap (invoke "own-a" (i32.const 1)) "indirect call type mismatch")
(assert_return (invoke "own-x" (i32.const 1)) (i32.const 40))
(assert_trap (invoke "own-x" (i32.const 0)) "indirect call type mismatch")
