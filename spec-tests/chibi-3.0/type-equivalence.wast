;; chibi: stash binary modules
;; chibi's own tests of Wasm 3.0 type equivalence and canonicalisation (spec 3.3.3): the
;; non-GC parts of the official type-equivalence.wast and type-canon.wast, which wabt
;; 1.0.42 cannot read (it has no `rec`), plus subtyping of function types.  Modules with
;; recursion groups or `sub` are binary, made from the text shown above each by wat2wasm
;; 1.0.42 with the type section regrouped; the rest is text.

;; type-canon.wast
;; (rec (type $t1 (func (param i32 (ref $t3)))) (type $t2 (func (param i32 (ref $t1))))
;;      (type $t3 (func (param i32 (ref $t2)))))
(module binary
  "\00\61\73\6d\01\00\00\00\01\15\01\4e\03\60\02\7f\64\02\00\60\02\7f\64\00\00\60\02\7f\64\01\00")
;; (rec (type $t0 (func (param i32 (ref $t2) (ref $t3))))
;;      (type $t1 (func (param i32 (ref $t0) i32 (ref $t4))))
;;      (type $t2 (func (param i32 (ref $t2) (ref $t1))))
;;      (type $t3 (func (param i32 (ref $t2) i32 (ref $t4))))
;;      (type $t4 (func (param (ref $t0) (ref $t2)))))
(module binary
  "\00\61\73\6d\01\00\00\00\01\2c\01\4e\05\60\03\7f\64\02\64\03\00\60\04\7f\64\00\7f\64\04\00\60\03"
  "\7f\64\02\64\01\00\60\04\7f\64\02\7f\64\04\00\60\02\64\00\64\02\00")

;; type-equivalence.wast: syntactic types (validation time)
(module
  (type $t1 (func (param f32 f32) (result f32)))
  (type $t2 (func (param $x f32) (param $y f32) (result f32)))
  (func $f1 (param $r (ref $t1)) (call $f2 (local.get $r)))
  (func $f2 (param $r (ref $t2)) (call $f1 (local.get $r)))
)
(module
  (type $s0 (func (param i32) (result f32)))
  (type $s1 (func (param i32 (ref $s0)) (result (ref $s0))))
  (type $s2 (func (param i32 (ref $s0)) (result (ref $s0))))
  (type $t1 (func (param (ref $s1)) (result (ref $s2))))
  (type $t2 (func (param (ref $s2)) (result (ref $s1))))
  (func $f1 (param $r (ref $t1)) (call $f2 (local.get $r)))
  (func $f2 (param $r (ref $t2)) (call $f1 (local.get $r)))
)
;; recursive: a type outside `rec` is a group of its own (binary: wabt 1.0.42 crashes on
;; self-references in text after other modules)
;; (type $t1 (func (param i32 (ref $t1)))) (type $t2 (func (param i32 (ref $t2))))
;; (func $f1 (param $r (ref $t1)) (call $f2 (local.get $r))) and $f2 the other way
(module binary
  "\00\61\73\6d\01\00\00\00\01\17\04\60\02\7f\64\00\00\60\02\7f\64\01\00\60\01\64\00\00\60\01\64\01"
  "\00\03\03\02\02\03\0a\0f\02\06\00\20\00\10\01\0b\06\00\20\00\10\00\0b")
;; isomorphic recursive types:
;; (rec (type $t0 (func (param i32 (ref $t1)))) (type $t1 (func (param i32 (ref $t0)))))
;; (rec (type $t2 (func (param i32 (ref $t3)))) (type $t3 (func (param i32 (ref $t2)))))
;; with f0..f3 of types t0..t3 calling f2, f3, f0, f1
(module binary
  "\00\61\73\6d\01\00\00\00\01\31\06\4e\02\60\02\7f\64\01\00\60\02\7f\64\00\00\4e\02\60\02\7f\64\03"
  "\00\60\02\7f\64\02\00\60\01\64\00\00\60\01\64\01\00\60\01\64\02\00\60\01\64\03\00\03\05\04\04\05"
  "\06\07\0a\1d\04\06\00\20\00\10\02\0b\06\00\20\00\10\03\0b\06\00\20\00\10\00\0b\06\00\20\00\10\01"
  "\0b")

;; invalid recursion: a type refers to a later group
;; (type $t1 (func (param (ref $t2)))) (type $t2 (func (param (ref $t1))))
(assert_invalid
  (module binary "\00\61\73\6d\01\00\00\00\01\0b\02\60\01\64\01\00\60\01\64\00\00")
  "unknown type")
;; (rec (type (func (param (ref 1))))) (rec (type (func)))
(assert_invalid
  (module binary
    "\00\61\73\6d\01\00\00\00\01\09\02\60\01\64\01\00\60\00\00")
  "unknown type")
;; groups of different shapes are not equivalent, even where the types "look" equal:
;; (rec (type $t0 (func (param i32 (ref $t1)))) (type $t1 (func (param i32 (ref $t0)))))
;; (rec (type $t2 (func (param i32 (ref $t2)))))
;; (func $f0 (param $r (ref $t0)) (call $f2 (local.get $r)))  ;; type mismatch
(assert_invalid
  (module binary
    "\00\61\73\6d\01\00\00\00\01\1f\04\4e\02\60\02\7f\64\01\00\60\02\7f\64\00\00\60\02\7f\64\02\00\60"
    "\01\64\00\00\60\01\64\02\00\03\03\02\03\04\0a\0b\02\06\00\20\00\10\01\0b\02\00\0b")
  "type mismatch")
;; ... and the position inside a group counts:
;; (rec (type $a (func)) (type $b (func (param (ref $a)))))
;; (rec (type $c (func (param (ref $d)))) (type $d (func)))
;; (func $f (param (ref $b)) (call $g (local.get 0)))  ;; $b is not $c
(assert_invalid
  (module binary
    "\00\61\73\6d\01\00\00\00\01\1f\04\4e\02\60\00\00\60\01\64\00\00\4e\02\60\01\64\03\00\60\00\00\60"
    "\01\64\01\00\60\01\64\02\00\03\03\02\04\05\0a\0b\02\06\00\20\00\10\01\0b\02\00\0b")
  "type mismatch")

;; Semantic types (run time)
(module
  (type $t1 (func (param f32 f32)))
  (type $t2 (func (param $x f32) (param $y f32)))
  (func $f1 (type $t1))
  (func $f2 (type $t2))
  (table funcref (elem $f1 $f2))
  (func (export "run")
    (call_indirect (type $t1) (f32.const 1) (f32.const 2) (i32.const 1))
    (call_indirect (type $t2) (f32.const 1) (f32.const 2) (i32.const 0))
  )
)
(assert_return (invoke "run"))
(module
  (type $s0 (func (param i32)))
  (type $s1 (func (param i32 (ref $s0))))
  (type $s2 (func (param i32 (ref $s0))))
  (type $t1 (func (param (ref $s1))))
  (type $t2 (func (param (ref $s2))))
  (func $s1 (type $s1))
  (func $s2 (type $s2))
  (func $f1 (type $t1))
  (func $f2 (type $t2))
  (table funcref (elem $f1 $f2 $s1 $s2))
  (func (export "run")
    (call_indirect (type $t1) (ref.func $s1) (i32.const 0))
    (call_indirect (type $t1) (ref.func $s1) (i32.const 1))
    (call_indirect (type $t1) (ref.func $s2) (i32.const 0))
    (call_indirect (type $t1) (ref.func $s2) (i32.const 1))
    (call_indirect (type $t2) (ref.func $s1) (i32.const 0))
    (call_indirect (type $t2) (ref.func $s1) (i32.const 1))
    (call_indirect (type $t2) (ref.func $s2) (i32.const 0))
    (call_indirect (type $t2) (ref.func $s2) (i32.const 1))
  )
)
(assert_return (invoke "run"))
;; (type $t1 (func (result (ref null $t1)))) (type $t2 (func (result (ref null $t2))))
;; eight call_indirects between the two, each result in a block of the other type
(module binary
  "\00\61\73\6d\01\00\00\00\01\0e\03\60\00\01\63\00\60\00\01\63\01\60\00\00\03\04\03\00\01\02\04\05"
  "\01\70\01\02\02\07\07\01\03\72\75\6e\00\02\09\0c\01\04\41\00\0b\02\d2\00\0b\d2\01\0b\0a\58\03\04"
  "\00\d0\00\0b\04\00\d0\01\0b\4c\00\02\63\00\41\00\11\00\00\0b\02\63\00\41\00\11\01\00\0b\02\63\01"
  "\41\00\11\00\00\0b\02\63\01\41\00\11\01\00\0b\02\63\00\41\01\11\00\00\0b\02\63\00\41\01\11\01\00"
  "\0b\02\63\01\41\01\11\00\00\0b\02\63\01\41\01\11\01\00\0b\0c\00\0b")
(assert_return (invoke "run"))
;; isomorphic recursive types, and one group that is not:
;; (rec (type $t1 (func (param i32 (ref $t1)))) (type $t2 (func (param i32 (ref $t3))))
;;      (type $t3 (func (param i32 (ref $t2)))))
;; (rec (type $u1 ...) (type $u2 ...) (type $u3 ...))  ;; the same
;; (rec (type $v1 (func (param i32 (ref $v1)))))         ;; $t1 alone: another group
;; table: $f1 $f2 $f3 of types $t1 $t2 $t3
(module binary
  "\00\61\73\6d\01\00\00\00\01\37\05\4e\03\60\02\7f\64\00\00\60\02\7f\64\02\00\60\02\7f\64\01\00\4e"
  "\03\60\02\7f\64\03\00\60\02\7f\64\05\00\60\02\7f\64\04\00\60\02\7f\64\06\00\60\00\00\60\01\64\06"
  "\00\03\08\07\00\01\02\07\08\06\07\04\05\01\70\01\03\03\07\1c\04\03\72\75\6e\00\03\05\6f\74\68\65"
  "\72\00\04\02\76\31\00\05\05\77\72\6f\6e\67\00\06\09\0f\01\04\41\00\0b\03\d2\00\0b\d2\01\0b\d2\02"
  "\0b\0a\5e\07\02\00\0b\02\00\0b\02\00\0b\38\00\41\01\d2\00\41\00\11\00\00\41\01\d2\02\41\01\11\01"
  "\00\41\01\d2\01\41\02\11\02\00\41\01\d2\00\41\00\11\03\00\41\01\d2\02\41\01\11\04\00\41\01\d2\01"
  "\41\02\11\05\00\0b\0b\00\41\01\20\00\41\00\11\06\00\0b\02\00\0b\0b\00\41\01\d2\00\41\01\11\00\00"
  "\0b")
(assert_return (invoke "run"))
(assert_trap (invoke "wrong") "indirect call type mismatch")

;; Semantic types (link time)
(module
  (type $t1 (func (param f32 f32) (result f32)))
  (func (export "f") (param (ref $t1)))
)
(register "M")
(module
  (type $t2 (func (param $x f32) (param $y f32) (result f32)))
  (func (import "M" "f") (param (ref $t2)))
)
(module
  (type $s0 (func (param i32) (result f32)))
  (type $s1 (func (param i32 (ref $s0)) (result (ref $s0))))
  (type $s2 (func (param i32 (ref $s0)) (result (ref $s0))))
  (type $t1 (func (param (ref $s1)) (result (ref $s2))))
  (type $t2 (func (param (ref $s2)) (result (ref $s1))))
  (func (export "f1") (param (ref $t1)))
  (func (export "f2") (param (ref $t1)))
)
(register "N")
(module
  (type $s0 (func (param i32) (result f32)))
  (type $s1 (func (param i32 (ref $s0)) (result (ref $s0))))
  (type $s2 (func (param i32 (ref $s0)) (result (ref $s0))))
  (type $t1 (func (param (ref $s1)) (result (ref $s2))))
  (type $t2 (func (param (ref $s2)) (result (ref $s1))))
  (func (import "N" "f1") (param (ref $t1)))
  (func (import "N" "f1") (param (ref $t2)))
  (func (import "N" "f2") (param (ref $t1)))
  (func (import "N" "f2") (param (ref $t1)))
)
;; (type $t1 (func (param i32 (ref $t1)))) exporting f (param (ref $t1)); imported as
;; (param (ref $t2)) of the same (type $t2 (func (param i32 (ref $t2))))
(module binary
  "\00\61\73\6d\01\00\00\00\01\0c\02\60\02\7f\64\00\00\60\01\64\00\00\03\02\01\01\07\05\01\01\66\00"
  "\00\0a\04\01\02\00\0b")
(register "Mr1")
(module binary
  "\00\61\73\6d\01\00\00\00\01\0c\02\60\02\7f\64\00\00\60\01\64\00\00\02\09\01\03\4d\72\31\01\66\00"
  "\01")
;; (rec (type $t1 (func (param i32 (ref $t1)))) (type $t2 (func (param i32 (ref $t3))))
;;      (type $t3 (func (param i32 (ref $t2)))))  exporting f1 f2 f3 of (ref $t1) .. (ref $t3)
(module binary
  "\00\61\73\6d\01\00\00\00\01\24\04\4e\03\60\02\7f\64\00\00\60\02\7f\64\02\00\60\02\7f\64\01\00\60"
  "\01\64\00\00\60\01\64\01\00\60\01\64\02\00\03\04\03\03\04\05\07\10\03\02\66\31\00\00\02\66\32\00"
  "\01\02\66\33\00\02\0a\0a\03\02\00\0b\02\00\0b\02\00\0b")
(register "Mr2")
;; the same group, importing them
(module binary
  "\00\61\73\6d\01\00\00\00\01\24\04\4e\03\60\02\7f\64\00\00\60\02\7f\64\02\00\60\02\7f\64\01\00\60"
  "\01\64\00\00\60\01\64\01\00\60\01\64\02\00\02\1c\03\03\4d\72\32\02\66\31\00\03\03\4d\72\32\02\66"
  "\32\00\04\03\4d\72\32\02\66\33\00\05")
;; the types as three groups of their own do not match (f1 would; f2 and f3 cannot be
;; written so: $t2 would refer to a later group), nor does the group with f2 for f3
(assert_unlinkable
  (module binary
    "\00\61\73\6d\01\00\00\00\01\1f\03\4e\03\60\02\7f\64\00\00\60\02\7f\64\02\00\60\02\7f\64\01\00\60"
    "\01\64\00\00\60\01\64\01\00\02\13\02\03\4d\72\32\02\66\31\00\03\03\4d\72\32\02\66\33\00\04")
  "incompatible import type")
(assert_unlinkable
  (module
    (type $t1 (func (param i32 (ref $t1))))
    (type $t0 (func (param i32 (ref $t0))))
    (func (import "Mr2" "f1") (param (ref $t1)))
    (func (import "Mr2" "f2") (param (ref $t0)))
  )
  "incompatible import type")
;; (rec (type $t1 (func (param i32 (ref $u1)))) (type $u1 (func (param f32 (ref $t1)))))
;; (rec (type $t2 (func (param i32 (ref $u3)))) (type $u2 (func (param f32 (ref $t3))))
;;      (type $t3 (func (param i32 (ref $u2)))) (type $u3 (func (param f32 (ref $t2)))))
(module binary
  "\00\61\73\6d\01\00\00\00\01\38\05\4e\02\60\02\7f\64\01\00\60\02\7d\64\00\00\4e\04\60\02\7f\64\05"
  "\00\60\02\7d\64\04\00\60\02\7f\64\03\00\60\02\7d\64\02\00\60\01\64\00\00\60\01\64\02\00\60\01\64"
  "\04\00\03\04\03\06\07\08\07\10\03\02\66\31\00\00\02\66\32\00\01\02\66\33\00\02\0a\0a\03\02\00\0b"
  "\02\00\0b\02\00\0b")
(register "Mr4")
(module binary
  "\00\61\73\6d\01\00\00\00\01\38\05\4e\02\60\02\7f\64\01\00\60\02\7d\64\00\00\4e\04\60\02\7f\64\05"
  "\00\60\02\7d\64\04\00\60\02\7f\64\03\00\60\02\7d\64\02\00\60\01\64\00\00\60\01\64\02\00\60\01\64"
  "\04\00\02\1c\03\03\4d\72\34\02\66\31\00\06\03\4d\72\34\02\66\32\00\07\03\4d\72\34\02\66\33\00\08")
;; $t1 of the two-type group is not $t2 of the four-type one
(assert_unlinkable
  (module binary
    "\00\61\73\6d\01\00\00\00\01\2e\03\4e\02\60\02\7f\64\01\00\60\02\7d\64\00\00\4e\04\60\02\7f\64\05"
    "\00\60\02\7d\64\04\00\60\02\7f\64\03\00\60\02\7d\64\02\00\60\01\64\00\00\02\0a\01\03\4d\72\34\02"
    "\66\32\00\06")
  "incompatible import type")

;; Subtyping of function types (spec 3.3.3): declared with `sub`, final by default.
;; (type $s (sub (func (param (ref $s)) (result funcref))))
;; (type $t (sub $s (func (param (ref $s)) (result (ref $t)))))  ;; results covariant
;; $f of type $t is called through call_indirect (type $s), as $s by call_ref and where a
;; (ref $s) is expected; a function of type $s is not a $t.
(module binary
  "\00\61\73\6d\01\00\00\00\01\17\03\50\00\60\01\64\00\01\70\50\01\00\60\01\64\00\01\64\01\60\00\01"
  "\7f\03\07\06\01\00\02\02\02\00\04\05\01\70\01\02\02\07\35\05\01\66\00\00\08\69\6e\64\69\72\65\63"
  "\74\00\02\15\69\6e\64\69\72\65\63\74\2d\73\75\62\2d\6f\66\2d\73\75\70\65\72\00\03\03\72\65\66\00"
  "\04\04\70\61\73\73\00\05\09\11\02\04\41\00\0b\02\d2\00\0b\d2\01\0b\03\00\02\00\01\0a\30\06\04\00"
  "\d2\00\0b\04\00\d0\70\0b\0a\00\d2\01\41\00\11\00\00\d1\0b\0a\00\d2\01\41\01\11\01\00\d1\0b\09\00"
  "\d2\01\d2\00\14\00\d1\0b\04\00\20\00\0b")
(assert_return (invoke "indirect") (i32.const 0))
(assert_trap (invoke "indirect-sub-of-super") "indirect call type mismatch")
(assert_return (invoke "ref") (i32.const 0))
(register "S")
;; an import of type $s is satisfied by $f of its subtype $t; not the other way round
(module binary
  "\00\61\73\6d\01\00\00\00\01\13\02\50\00\60\01\64\00\01\70\50\01\00\60\01\64\00\01\64\01\02\07\01"
  "\01\53\01\66\00\00")
(assert_unlinkable
  (module binary
    "\00\61\73\6d\01\00\00\00\01\16\03\50\00\60\01\64\00\01\70\50\01\00\60\01\64\00\01\64\01\60\00\00"
    "\02\17\02\01\53\08\69\6e\64\69\72\65\63\74\00\02\01\53\04\70\61\73\73\00\01")
  "incompatible import type")
;; a final type has no subtypes; a subtype must match its supertype
(assert_invalid
  (module binary
    "\00\61\73\6d\01\00\00\00\01\0c\02\4f\00\60\00\00\50\01\00\60\00\00")
  "sub type")
(assert_invalid
  (module binary
    "\00\61\73\6d\01\00\00\00\01\0e\02\50\00\60\00\01\7f\50\01\00\60\00\01\7e")
  "sub type")
(assert_invalid
  (module binary
    "\00\61\73\6d\01\00\00\00\01\0f\02\50\00\60\01\70\00\50\01\00\60\01\64\70\00")
  "sub type")
;; parameters are contravariant: a subtype may take more
(module binary
  "\00\61\73\6d\01\00\00\00\01\0f\02\50\00\60\01\64\70\00\50\01\00\60\01\70\00")
;; a supertype must come first
(assert_invalid
  (module binary
    "\00\61\73\6d\01\00\00\00\01\0c\02\50\01\01\60\00\00\50\00\60\00\00")
  "unknown type")
