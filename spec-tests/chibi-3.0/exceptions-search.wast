;; Handler search cases of the JIT's rows (jit/runtime.c jit_unwind): a legacy try with a
;; parameter, delegate to a plain block and to the try whose arm it is in, rethrow of an
;; outer arm from inside a try_table in an inner arm, and an exnref thrown again many times
;; after its try_table was left (the collector runs in between).  Every function here is
;; compiled on x86-64; each answer must be the interpreter's.

(module
 (tag $e (param i32)) (tag $o)
 (func $t (param i32) (throw $e (local.get 0)))
 ;; try with a parameter, arms
 (func (export "p") (param i32) (result i32)
  (i32.const 7) (local.get 0)
  (try (param i32) (result i32) (do (call $t) (i32.const -1)) (catch $e (i32.const 100) (i32.add)))
  (i32.add))
 ;; delegate to a plain block inside a try: goes to the try around the block
 (func (export "blk") (param i32) (result i32)
  (try (result i32)
   (do (block $b (result i32)
        (try (result i32) (do (call $t (local.get 0)) (i32.const -1)) (delegate $b))))
   (catch $e (i32.const 1) (i32.add))))
 ;; delegate from inside an arm to that arm's own try: to the outer handler
 (func (export "arm") (param i32) (result i32)
  (try (result i32)
   (do (try $x (result i32) (do (throw $o))
        (catch_all (try (result i32) (do (call $t (local.get 0)) (i32.const -1)) (delegate $x)))))
   (catch $e (i32.const 2) (i32.add))))
 ;; rethrow of an outer arm from a try_table handler inside an inner arm
 (func (export "re") (param i32) (result i32)
  (block $h (result i32)
   (try_table (catch $e $h)
    (try (do (call $t (local.get 0)))
     (catch $e (drop)
      (block $in (try_table (catch $o $in) (try (do (throw $o)) (catch_all (rethrow 3))))))))
   (i32.const -1)))
 ;; throw_ref of a caught exnref after the try_table left, many times, result still right
 (func (export "loop") (param i32) (result i32) (local $x exnref) (local $s i32)
  (loop $l
   (local.set $x (block $h (result exnref) (try_table (catch_all_ref $h) (call $t (local.get 0))) (unreachable)))
   (local.set $s (i32.add (local.get $s)
     (block $k (result i32) (try_table (catch $e $k) (throw_ref (local.get $x))) (i32.const -1000))))
   (br_if $l (i32.ne (local.tee 0 (i32.sub (local.get 0) (i32.const 1))) (i32.const 0))))
  (local.get $s))
)
(assert_return (invoke "p" (i32.const 5)) (i32.const 112))
(assert_return (invoke "blk" (i32.const 5)) (i32.const 6))
(assert_return (invoke "arm" (i32.const 5)) (i32.const 7))
(assert_return (invoke "re" (i32.const 5)) (i32.const 5))
(assert_return (invoke "loop" (i32.const 3000)) (i32.const 4501500))
