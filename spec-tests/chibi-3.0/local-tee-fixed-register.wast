;; An operation whose result goes straight into a local (the local.set/tee that follows
;; it), while the stack still holds a reference to that local's old value: the x86-64 JIT
;; gives the reference its own copy first.  That copy must not sit in a register the
;; operation itself overwrites (rax/rdx for a division or remainder, rcx for a shift or
;; rotate by a variable count).  Found by the wasm-opt -ttf campaign (fuzz/corpus/
;; ttf-5893-jit-local-tee.wasm): the old value of the local was copied into rax, the
;; division overwrote it, and the shift below read the dividend instead.

(module
  (func (export "rem_u-tee") (param i64 i64) (result i64)
    local.get 0
    local.get 0
    local.get 1
    i64.rem_u
    local.tee 0
    i64.shl)
  (func (export "div_s-set") (param i32 i32) (result i32)
    local.get 0
    local.get 0
    local.get 1
    i32.div_s
    local.set 0
    local.get 0
    i32.sub)
  (func (export "rem_s-rdx") (param i64 i64 i64) (result i64)
    ;; rax taken by a value below: the copy would go to rcx or rdx
    local.get 2
    local.get 2
    i64.const 3
    i64.mul
    local.get 0
    local.get 0
    local.get 1
    i64.rem_s
    local.tee 0
    i64.sub
    i64.add
    i64.add)
  (func (export "shl-rcx") (param i64 i64) (result i64)
    ;; rax taken: the old value's copy would go to rcx, which the shift count needs
    local.get 1
    i64.const 1000
    i64.add
    local.get 0
    local.get 0
    local.get 1
    i64.shl
    local.tee 0
    i64.sub
    i64.add)
  (func (export "rotl-rcx") (param i32 i32) (result i32)
    local.get 1
    i32.const 7
    i32.mul
    local.get 0
    local.get 0
    local.get 1
    i32.rotl
    local.tee 0
    i32.xor
    i32.add)
)
(assert_return (invoke "rem_u-tee" (i64.const 5) (i64.const 3)) (i64.const 20))
(assert_return (invoke "rem_u-tee" (i64.const -1) (i64.const 17179869185)) (i64.const -1))
(assert_return (invoke "div_s-set" (i32.const 100) (i32.const 7)) (i32.const 86))
(assert_return (invoke "rem_s-rdx" (i64.const 100) (i64.const 7) (i64.const 10)) (i64.const 138))
(assert_return (invoke "shl-rcx" (i64.const 3) (i64.const 4)) (i64.const 959))
(assert_return (invoke "rotl-rcx" (i32.const 0x80000001) (i32.const 1)) (i32.const 0x80000009))
(assert_trap (invoke "rem_u-tee" (i64.const 5) (i64.const 0)) "integer divide by zero")
