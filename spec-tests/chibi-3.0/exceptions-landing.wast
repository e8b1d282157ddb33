;; A handler in a function that uses no memory, whose caller stores to memory 0 after the
;; call (fuzz/gen3.py seed 21005, gen.146 minimised).  The throw runs C code, which uses
;; the register of memory 0's base as its own; the landing pad of such a function must set
;; it again, since its callers in the instance keep it across calls.  The JIT wrote memory
;; 0 elsewhere (or crashed) where the interpreter stored.

(module
 (type $t (func (param i32) (result i32)))
 (memory 1)
 (memory 1 2)
 (tag $e (param i64 i32))
 (tag $o)
 (func $thrower (param i32) (throw $e (i64.const 1) (local.get 0)))
 (func $h0 (type $t) (param i32) (result i32) (i32.const -84))
 ;; caught by catch_all_ref in the function itself, then a tail call
 (func $ref (type $t) (param $p i32) (result i32) (local $x exnref)
  (block $done
   (local.set $x (block $h (result exnref)
    (try_table (catch_all_ref $h) (throw $e (i64.const 1) (i32.const -89)))
    (br $done))))
  (return_call $h0 (local.get $p)))
 ;; caught by catch with a payload, thrown by a callee
 (func $pay (param $p i32) (result i32) (local $v i32)
  (block $h (result i64 i32)
   (try_table (catch $e $h) (call $thrower (local.get $p)))
   (return (i32.const -1)))
  (local.set $v) (i32.wrap_i64) (local.get $v) (i32.add))
 ;; caught by catch_all two calls down
 (func $mid (param $p i32) (result i32)
  (block $h
   (try_table (catch_all $h) (drop (call $pay (local.get $p))) (throw $o))
   (return (i32.const -1)))
  (i32.const 3))
 (elem declare func $ref)
 (func (export "store-after-ref") (param $a i32) (result i32)
  (local $r i32)
  (local.set $r (call_ref $t (i32.const 0) (ref.func $ref)))
  (i64.store (local.get $a) (i64.const -511889238541723351))
  (i32.store 1 (local.get $a) (i32.const 0x01020304))
  (local.get $r))
 (func (export "store-after-pay") (param $a i32) (result i32)
  (local $r i32)
  (local.set $r (call $pay (i32.const 41)))
  (i32.store (local.get $a) (local.get $r))
  (local.get $r))
 (func (export "store-after-mid") (param $a i32) (result i32)
  (local $r i32)
  (local.set $r (call $mid (i32.const 5)))
  (i32.store8 (local.get $a) (local.get $r))
  (local.get $r))
 (func (export "load0") (param i32) (result i64) (i64.load (local.get 0)))
 (func (export "load1") (param i32) (result i32) (i32.load 1 (local.get 0)))
)
(assert_return (invoke "store-after-ref" (i32.const 47137)) (i32.const -84))
(assert_return (invoke "load0" (i32.const 47137)) (i64.const -511889238541723351))
(assert_return (invoke "load1" (i32.const 47137)) (i32.const 0x01020304))
(assert_return (invoke "store-after-pay" (i32.const 1000)) (i32.const 42))
(assert_return (invoke "load0" (i32.const 1000)) (i64.const 42))
(assert_return (invoke "store-after-mid" (i32.const 2000)) (i32.const 3))
(assert_return (invoke "load0" (i32.const 2000)) (i64.const 3))

;; The same with a 64-bit memory 0 (its register of the memory is a home, restored by the
;; epilogue of a function with handlers).
(module
 (memory i64 1)
 (tag $e (param i32))
 (func $catch (param $p i32) (result i32)
  (block $h (result i32)
   (try_table (catch $e $h) (throw $e (local.get $p)))
   (return (i32.const -1)))
  (i32.const 1) (i32.add))
 (func (export "store-after") (param $a i64) (result i32)
  (local $r i32)
  (local.set $r (call $catch (i32.const 9)))
  (i32.store (local.get $a) (local.get $r))
  (i32.load (local.get $a)))
 (func (export "load") (param i64) (result i32) (i32.load (local.get 0)))
)
(assert_return (invoke "store-after" (i64.const 65532)) (i32.const 10))
(assert_return (invoke "load" (i64.const 65532)) (i32.const 10))
