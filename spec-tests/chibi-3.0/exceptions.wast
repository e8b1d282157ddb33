;; chibi's own exception-handling tests (Wasm 3.0 exnref form and the legacy form), in the
;; syntax wabt 1.0.42 reads.  They cover what the official tag.wast and try_table.wast test
;; with syntax that 1.0.42 cannot read (rec groups, (ref exn)), and the paths of chibi's
;; unwinder: deep frame chains, tail calls, exnref kept in globals and tables, exceptions
;; crossing module boundaries, functions the JIT compiles between a throw and its handler.

;; ---- tags: definition, export, import, link-time types ----

(module $tags
  (tag (export "e0"))
  (tag $e1 (export "e1") (param i32))
  (tag $e2 (export "e2") (param i64 f64))
  (func (export "throw1") (param i32) (throw $e1 (local.get 0)))
  (func (export "throw2") (param i64 f64) (throw $e2 (local.get 0) (local.get 1)))
)
(register "tags" $tags)

(module $imp
  (import "tags" "e1" (tag $e1 (param i32)))
  (import "tags" "e2" (tag $e2 (param i64 f64)))
  (import "tags" "throw1" (func $throw1 (param i32)))
  (import "tags" "throw2" (func $throw2 (param i64 f64)))
  (tag $own (param i32))
  ;; An imported tag is the exporter's tag: its exceptions are caught here by it.
  (func (export "catch-imported") (param i32) (result i32)
    (block $h (result i32)
      (try_table (catch $e1 $h) (call $throw1 (local.get 0)))
      (i32.const -1)))
  (func (export "catch-two") (result i64 f64)
    (block $h (result i64 f64)
      (try_table (catch $e2 $h) (call $throw2 (i64.const -5) (f64.const 2.5)))
      (i64.const 0) (f64.const 0)))
  ;; A tag of the same type defined here is a different tag.
  (func (export "own-misses") (result i32)
    (block $h (result i32)
      (try_table (result i32) (catch $own $h) (call $throw1 (i32.const 3)) (i32.const 0)))
    (i32.add (i32.const 100)))
)
(assert_return (invoke "catch-imported" (i32.const 42)) (i32.const 42))
(assert_return (invoke "catch-two") (i64.const -5) (f64.const 2.5))
(assert_exception (invoke "own-misses"))

(assert_unlinkable
  (module (import "tags" "e1" (tag (param i64))))
  "incompatible import type")
(assert_unlinkable
  (module (import "tags" "throw1" (tag (param i32))))
  "incompatible import type")
(assert_unlinkable
  (module (import "tags" "e0" (func)))
  "incompatible import type")
(assert_invalid (module (type (func (result i32))) (tag (type 0))) "non-empty tag result type")
(assert_invalid (module (func (throw 0))) "unknown tag")
(assert_invalid (module (tag) (func (block (try_table (catch 1 0))))) "unknown tag")
(assert_invalid (module (func (try_table (catch_all 1)))) "unknown label")
(assert_invalid
  (module (tag (param i32)) (func (block (result i64) (try_table (catch 0 1)) (i64.const 0))))
  "type mismatch")
(assert_invalid
  (module (tag (param i32)) (func (block (result i32) (try_table (catch_ref 0 1)) (i32.const 0))))
  "type mismatch")
(assert_invalid (module (func (throw_ref (i32.const 0)))) "type mismatch")
(assert_invalid (module (func (block (try (do) (catch_all)) (rethrow 0)))) "invalid rethrow label")
(assert_invalid (module (func (try (do (rethrow 0)) (catch_all)))) "invalid rethrow label")

;; ---- try_table ----

(module $tt
  (tag $a (param i32))
  (tag $b (param i32))
  (tag $none)
  (tag $wide (param i64 f32 f64 v128 i32))
  (tag $ext (param externref))
  (global $saved (mut exnref) (ref.null exn))
  (table $kept 2 exnref)

  (func $throw-a (param i32) (throw $a (local.get 0)))
  (func $throw-b (param i32) (throw $b (local.get 0)))

  ;; Clauses are tried in order; the first that matches takes the exception.
  (func (export "which") (param i32) (result i32)
    (block $ca (result i32)
      (block $cb (result i32)
        (block $all
          (try_table (catch $a $ca) (catch $b $cb) (catch_all $all)
            (if (i32.eq (local.get 0) (i32.const 0)) (then (call $throw-a (i32.const 10))))
            (if (i32.eq (local.get 0) (i32.const 1)) (then (call $throw-b (i32.const 20))))
            (if (i32.eq (local.get 0) (i32.const 2)) (then (throw $none))))
          (return (i32.const 0)))
        (return (i32.const 3)))
      (i32.add (i32.const 200)))
    (i32.add (i32.const 100)))

  ;; catch_all first shadows the tag clause.
  (func (export "all-first") (result i32)
    (block $all
      (block $ca (result i32)
        (try_table (catch_all $all) (catch $a $ca) (call $throw-a (i32.const 1)))
        (return (i32.const 0)))
      (return))
    (i32.const 2))

  ;; Nested try_tables: the inner one does not match, the outer one does.
  (func (export "nested") (result i32)
    (block $outer (result i32)
      (block $inner (result i32)
        (try_table (catch $a $outer)
          (try_table (catch $b $inner) (call $throw-a (i32.const 7))))
        (i32.const 0))
      (i32.add (i32.const 1000)))
    (i32.add (i32.const 1)))

  ;; A try_table with parameters and results; the handler branches to the function.
  (func (export "params") (param i32) (result i32)
    (local.get 0)
    (try_table (param i32) (result i32) (catch $a 0)
      (if (param i32) (result i32) (i32.ge_s (local.get 0) (i32.const 100))
        (then (call $throw-a) (i32.const -1))
        (else (i32.const 1) (i32.add)))))

  ;; Many payload types, a v128 among them (two slots).
  (func (export "wide") (result i64 f32 f64 i32 i32)
    (local $v v128) (local $x i32)
    (block $h (result i64 f32 f64 v128 i32)
      (try_table (catch $wide $h)
        (throw $wide (i64.const 0x123456789) (f32.const 1.5) (f64.const -0.25)
               (v128.const i32x4 1 2 3 4) (i32.const 99)))
      (unreachable))
    (local.set $x)
    (local.set $v)
    (i32x4.extract_lane 3 (local.get $v))
    (local.get $x))

  (func (export "extern") (param externref) (result externref)
    (block $h (result externref)
      (try_table (catch $ext $h) (throw $ext (local.get 0)))
      (ref.null extern)))

  ;; catch_ref / catch_all_ref hand over the exnref; throw_ref rethrows the same exception.
  (func (export "ref-rethrow") (param i32) (result i32)
    (block $h (result i32)
      (try_table (catch $a $h)
        (block $r (result i32 exnref)
          (try_table (catch_ref $a $r) (call $throw-a (local.get 0)))
          (unreachable))
        (throw_ref)
        (drop))
      (i32.const -1)))
  (func (export "all-ref-rethrow") (result i32)
    (block $h (result i32)
      (try_table (catch $b $h)
        (block $r (result exnref)
          (try_table (catch_all_ref $r) (call $throw-b (i32.const 77)))
          (unreachable))
        (throw_ref))
      (i32.const -1)))

  ;; An exnref outlives its handler: kept in a global and a table, thrown later.
  (func (export "keep") (param i32)
    (block $r (result i32 exnref)
      (try_table (catch_ref $a $r) (call $throw-a (local.get 0)))
      (unreachable))
    (global.set $saved)
    (drop)
    (table.set $kept (i32.const 1) (global.get $saved)))
  (func (export "throw-kept") (param i32) (result i32)
    (block $h (result i32)
      (try_table (catch $a $h)
        (throw_ref (if (result exnref) (local.get 0)
                     (then (table.get $kept (i32.const 1)))
                     (else (global.get $saved)))))
      (i32.const -1)))
  (func (export "throw-null") (throw_ref (table.get $kept (i32.const 0))))
  (func (export "saved-is-null") (result i32) (ref.is_null (global.get $saved)))

  ;; Unwinding through a deep recursion (the frames between are plain functions).
  (func $down (param i32) (result i32)
    (if (i32.eqz (local.get 0)) (then (throw $a (i32.const 12345))))
    (i32.add (call $down (i32.sub (local.get 0) (i32.const 1))) (i32.const 1)))
  (func (export "deep") (param i32) (result i32)
    (block $h (result i32)
      (try_table (result i32) (catch $a $h) (call $down (local.get 0)))))

  ;; A handler in a loop: catch back into the loop and count the retries.
  (func (export "retry") (param i32) (result i32)
    (local $tries i32)
    (block $done
      (loop $again
        (block $h (result i32)
          (try_table (catch $a $h)
            (local.set $tries (i32.add (local.get $tries) (i32.const 1)))
            (if (i32.lt_u (local.get $tries) (local.get 0))
              (then (call $throw-a (local.get $tries))))
            (br $done))
          (unreachable))
        (drop)
        (br $again)))
    (local.get $tries))

  ;; Tail calls: the frame that made the tail call is gone, so its handler is too.
  (func $tail-thrower (param i32) (result i32) (throw $a (local.get 0)))
  (func $tail (param i32) (result i32)
    (block $h (result i32)
      (try_table (catch $a $h) (return_call $tail-thrower (local.get 0)))
      (unreachable))
    (i32.const 1000)
    (i32.add))
  (func (export "tail-caught-by-caller") (result i32)
    (block $h (result i32)
      (try_table (result i32) (catch $a $h) (call $tail (i32.const 5))))
    (i32.const 10)
    (i32.add))

  ;; Traps are not exceptions: catch_all does not stop them.
  (func (export "trap-inside") (result i32)
    (block $h
      (try_table (catch_all $h) (drop (i32.div_u (i32.const 1) (i32.const 0)))))
    (i32.const 0))

  ;; No handler at all: the exception reaches the embedder.
  (func $plain (param i32) (result i32) (call $throw-b (local.get 0)) (i32.const 0))
  (func (export "escape") (result i32) (call $plain (i32.const 3)))
  ;; A function with no exception-handling instruction between a throw and the handler.
  (func (export "through-plain") (result i32)
    (block $h (result i32)
      (try_table (result i32) (catch $b $h) (call $plain (i32.const 31)))))
)

(assert_return (invoke "which" (i32.const 0)) (i32.const 110))
(assert_return (invoke "which" (i32.const 1)) (i32.const 320))
(assert_return (invoke "which" (i32.const 2)) (i32.const 3))
(assert_return (invoke "which" (i32.const 3)) (i32.const 0))
(assert_return (invoke "all-first") (i32.const 2))
(assert_return (invoke "nested") (i32.const 8))
(assert_return (invoke "params" (i32.const 5)) (i32.const 6))
(assert_return (invoke "params" (i32.const 150)) (i32.const 150))
(assert_return (invoke "wide")
  (i64.const 0x123456789) (f32.const 1.5) (f64.const -0.25) (i32.const 4) (i32.const 99))
(assert_return (invoke "extern" (ref.extern 17)) (ref.extern 17))
(assert_return (invoke "ref-rethrow" (i32.const 9)) (i32.const 9))
(assert_return (invoke "all-ref-rethrow") (i32.const 77))
(assert_return (invoke "saved-is-null") (i32.const 1))
(assert_return (invoke "keep" (i32.const 555)))
(assert_return (invoke "saved-is-null") (i32.const 0))
(assert_return (invoke "throw-kept" (i32.const 0)) (i32.const 555))
(assert_return (invoke "throw-kept" (i32.const 1)) (i32.const 555))
(assert_trap (invoke "throw-null") "null exception reference")
(assert_return (invoke "deep" (i32.const 0)) (i32.const 12345))
(assert_return (invoke "deep" (i32.const 10000)) (i32.const 12345))
(assert_return (invoke "retry" (i32.const 1)) (i32.const 1))
(assert_return (invoke "retry" (i32.const 50)) (i32.const 50))
(assert_return (invoke "tail-caught-by-caller") (i32.const 15))
(assert_trap (invoke "trap-inside") "integer divide by zero")
(assert_exception (invoke "escape"))
(assert_return (invoke "through-plain") (i32.const 31))

;; ---- legacy form ----

(module $legacy
  (tag $a (param i32))
  (tag $b)
  (func $throw-a (param i32) (throw $a (local.get 0)))

  (func (export "catch-then-all") (param i32) (result i32)
    (try (result i32)
      (do (if (local.get 0) (then (call $throw-a (i32.const 4))) (else (throw $b)))
          (i32.const 0))
      (catch $a (i32.add (i32.const 10)))
      (catch_all (i32.const 99))))

  ;; rethrow 1 from inside a nested try rethrows the outer catch's exception.
  (func (export "rethrow-outer") (result i32)
    (try (result i32)
      (do (try (result i32)
            (do (call $throw-a (i32.const 5)) (i32.const 0))
            (catch $a
              (drop)
              (try (result i32)
                (do (throw $b))
                (catch $b (rethrow 1))))))
      (catch $a)))

  ;; delegate 0 hands the exception to the try around the block it sits in.
  (func (export "delegate-block") (result i32)
    (try (result i32)
      (do (block (try (do (call $throw-a (i32.const 6))) (delegate 0))) (i32.const 0))
      (catch $a (i32.add (i32.const 1)))))
  ;; delegate to the function's label: the caller's handler decides.
  (func $delegate-out (try (do (call $throw-a (i32.const 8))) (delegate 0)))
  (func (export "delegate-caller") (result i32)
    (try (result i32)
      (do (try (result i32)
            (do (call $delegate-out) (i32.const 0))
            (delegate 0)))
      (catch $a)))
  ;; delegate skips the catch of a try it is nested in when it names an outer label.
  (func (export "delegate-skip") (result i32)
    (try $outer (result i32)
      (do (try (result i32)
            (do (try (do (call $throw-a (i32.const 3))) (delegate $outer)) (i32.const 0))
            (catch $a (drop) (i32.const -1))))
      (catch $a (i32.add (i32.const 40)))))
  ;; An exception thrown in a catch arm goes to the enclosing handlers, not the same try.
  (func (export "throw-in-arm") (result i32)
    (try (result i32)
      (do (try (result i32)
            (do (throw $b))
            (catch $b (call $throw-a (i32.const 2)) (i32.const 0))
            (catch $a (drop) (i32.const -1))))
      (catch $a (i32.add (i32.const 20)))))
  ;; A try whose body cannot throw still types and runs.
  (func (export "quiet") (result i32)
    (try (result i32) (do (i32.const 1)) (catch_all (i32.const 2))))
)

(assert_return (invoke "catch-then-all" (i32.const 1)) (i32.const 14))
(assert_return (invoke "catch-then-all" (i32.const 0)) (i32.const 99))
(assert_return (invoke "rethrow-outer") (i32.const 5))
(assert_return (invoke "delegate-block") (i32.const 7))
(assert_return (invoke "delegate-caller") (i32.const 8))
(assert_return (invoke "delegate-skip") (i32.const 43))
(assert_return (invoke "throw-in-arm") (i32.const 22))
(assert_return (invoke "quiet") (i32.const 1))

;; ---- many exceptions: the unreferenced ones are freed, the referenced ones stay ----

(module $many
  (tag $n (param i32))
  (tag $wrap (param exnref i32))
  (table $keep 64 exnref)
  (global $last (mut exnref) (ref.null exn))

  ;; Throw and catch `count` exceptions; every 100th is kept in the table, and each kept
  ;; one is wrapped in a $wrap exception whose exnref is kept in the global.
  (func (export "churn") (param $count i32)
    (local $i i32) (local $e exnref)
    (loop $next
      (block $h (result i32 exnref)
        (try_table (catch_ref $n $h) (throw $n (local.get $i)))
        (unreachable))
      (local.set $e)
      (drop)
      (if (i32.eqz (i32.rem_u (local.get $i) (i32.const 100)))
        (then
          (table.set $keep (i32.rem_u (i32.div_u (local.get $i) (i32.const 100)) (i32.const 64))
                     (local.get $e))
          (block $w (result exnref)
            (try_table (catch_all_ref $w) (throw $wrap (local.get $e) (local.get $i)))
            (unreachable))
          (global.set $last)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $next (i32.lt_u (local.get $i) (local.get $count)))))

  ;; The payload of the exception kept at table index k.
  (func (export "kept") (param $k i32) (result i32)
    (block $h (result i32)
      (try_table (catch $n $h) (throw_ref (table.get $keep (local.get $k))))
      (i32.const -1)))
  ;; The payload of the exception inside the last wrapper.
  (func (export "wrapped") (result i32)
    (block $inner (result i32)
      (try_table (catch $n $inner)
        (block $h (result exnref i32)
          (try_table (catch $wrap $h) (throw_ref (global.get $last)))
          (unreachable))
        (drop)
        (throw_ref))
      (i32.const -1)))
)
(assert_return (invoke "churn" (i32.const 6000)))
(assert_return (invoke "kept" (i32.const 0)) (i32.const 0))
(assert_return (invoke "kept" (i32.const 7)) (i32.const 700))
(assert_return (invoke "kept" (i32.const 59)) (i32.const 5900))
(assert_return (invoke "wrapped") (i32.const 5900))
(assert_return (invoke "churn" (i32.const 10000)))
(assert_return (invoke "kept" (i32.const 3)) (i32.const 6700))
(assert_return (invoke "kept" (i32.const 35)) (i32.const 9900))
(assert_return (invoke "wrapped") (i32.const 9900))

;; ---- handlers in the interpreter, compiled code between (JIT modes) ----
;; $catcher and "outer" have handlers; $plain1-3 have no exception-handling instruction and
;; are compiled in the JIT modes; $thrower throws.  An exception crosses compiled frames
;; (caught at the interpreter frame's call), and catch points nest.

(module $mixed
  (tag $x (param i32))
  (tag $y)
  (func $thrower (param i32) (result i32)
    (if (i32.gt_u (local.get 0) (i32.const 100)) (then (throw $x (local.get 0))))
    (local.get 0))
  (func $plain1 (param i32) (result i32) (local i32 i32)
    (local.set 1 (i32.mul (local.get 0) (i32.const 3)))
    (local.set 2 (call $thrower (local.get 0)))
    (i32.add (local.get 1) (local.get 2)))
  (func $plain2 (param i32) (result i32)
    (i32.add (call $plain1 (local.get 0)) (call $plain1 (i32.add (local.get 0) (i32.const 1)))))
  (func $catcher (param i32) (result i32)
    (block $h (result i32)
      (try_table (result i32) (catch $x $h) (call $plain2 (local.get 0)))
      (return))
    (i32.const 1000000)
    (i32.add))
  (func $plain3 (param i32) (result i32)
    (i32.add (call $catcher (local.get 0))
             (call $catcher (i32.add (local.get 0) (i32.const 200)))))
  (func (export "outer") (param i32) (result i32)
    (block $h (result i32)
      (try_table (result i32) (catch $x $h) (call $plain3 (local.get 0)))
      (return))
    (i32.const -1)
    (i32.add))
  (func (export "loop") (param i32) (result i32) (local $i i32) (local $s i32)
    (loop $l
      (local.set $s (i32.add (local.get $s) (call $catcher (local.get $i))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (local.get 0))))
    (local.get $s))
  (func $throw-y (throw $y))
  (func $plain-y (param i32) (result i32) (call $throw-y) (local.get 0))
  ;; A handler for another tag: the exception goes on past it, to the embedder.
  (func (export "miss") (result i32)
    (block $h (result i32)
      (try_table (result i32) (catch $x $h) (call $plain-y (i32.const 1)))))
  (func (export "miss-caught-outside") (result i32)
    (block $h
      (try_table (catch $y $h) (drop (call $plain3 (i32.const 1))) (drop (call_indirect (type 0) (i32.const 0) (i32.const 0))))
      (return (i32.const 0)))
    (i32.const 7))
  (type (func (param i32) (result i32)))
  (table funcref (elem $plain-y))
)
(assert_return (invoke "outer" (i32.const 5)) (i32.const 1000249))
(assert_return (invoke "outer" (i32.const 150)) (i32.const 2000500))
(assert_return (invoke "loop" (i32.const 300)) (i32.const 200079901))
(assert_exception (invoke "miss"))
(assert_return (invoke "miss-caught-outside") (i32.const 7))
