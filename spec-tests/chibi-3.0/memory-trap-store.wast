;; A store that runs past the end of memory traps and writes nothing, also when its value
;; is a constant the x86-64 back end stores in two 32-bit halves (fuzz/gen3.py seed 730016,
;; gen.223 minimised: the low half was written before the high half faulted on the guard
;; page).  Memory 0, another memory, and a 64-bit memory.

(module
 (memory 1 1)
 (memory 1 1)
 (func (export "i64-const") (i64.store (i32.const 65532) (i64.const 2479000707176416366)))
 (func (export "i64-const-off") (param i32)
  (i64.store offset=65530 (local.get 0) (i64.const 0x7fffffff00000001)))
 (func (export "f64-const") (f64.store (i32.const 65530) (f64.const -0x1.23456789abcdep+100)))
 (func (export "i64-param") (param i64) (i64.store (i32.const 65533) (local.get 0)))
 (func (export "i64-const-1") (i64.store 1 (i32.const 65535) (i64.const -511889238541723351)))
 (func (export "tail0") (result i64) (i64.load (i32.const 65528)))
 (func (export "tail1") (result i64) (i64.load 1 (i32.const 65528)))
)
(assert_trap (invoke "i64-const") "out of bounds memory access")
(assert_return (invoke "tail0") (i64.const 0))
(assert_trap (invoke "i64-const-off" (i32.const 1)) "out of bounds memory access")
(assert_return (invoke "tail0") (i64.const 0))
(assert_trap (invoke "f64-const") "out of bounds memory access")
(assert_return (invoke "tail0") (i64.const 0))
(assert_trap (invoke "i64-param" (i64.const -1)) "out of bounds memory access")
(assert_return (invoke "tail0") (i64.const 0))
(assert_trap (invoke "i64-const-1") "out of bounds memory access")
(assert_return (invoke "tail1") (i64.const 0))

(module
 (memory i64 1 1)
 (func (export "i64-const") (param i64)
  (i64.store (local.get 0) (i64.const 2479000707176416366)))
 (func (export "tail") (result i64) (i64.load (i64.const 65528)))
)
(assert_trap (invoke "i64-const" (i64.const 65532)) "out of bounds memory access")
(assert_return (invoke "tail") (i64.const 0))
(assert_trap (invoke "i64-const" (i64.const 65529)) "out of bounds memory access")
(assert_return (invoke "tail") (i64.const 0))
