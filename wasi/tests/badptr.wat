;; badptr.wat - hands WASI pointers at and across the end of memory; every call must
;; return EFAULT (21) rather than crash.  Exit status = number of wrong answers.
(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "args_get" (func $args_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "random_get" (func $random_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "clock_time_get" (func $clock (param i32 i64 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory 1)
  (global $bad (mut i32) (i32.const 0))
  (func $expect (param $got i32) (param $want i32)
    (if (i32.ne (local.get $got) (local.get $want))
      (then (global.set $bad (i32.add (global.get $bad) (i32.const 1))))))
  (func (export "_start")
    ;; iovec array straddling the end of memory
    (call $expect (call $fd_write (i32.const 1) (i32.const 65532) (i32.const 1) (i32.const 0)) (i32.const 21))
    ;; iovec pointing past the end
    (i32.store (i32.const 0) (i32.const 65535))
    (i32.store (i32.const 4) (i32.const 2))
    (call $expect (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)) (i32.const 21))
    ;; huge iovec count: count * 8 overflows 32 bits
    (call $expect (call $fd_write (i32.const 1) (i32.const 0) (i32.const 0x20000001) (i32.const 8)) (i32.const 21))
    (call $expect (call $fd_read (i32.const 0) (i32.const 0) (i32.const -1) (i32.const 8)) (i32.const 21))
    ;; result pointer at -4
    (i32.store (i32.const 0) (i32.const 100))
    (i32.store (i32.const 4) (i32.const 1))
    (call $expect (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const -4)) (i32.const 21))
    (call $expect (call $args_get (i32.const 65535) (i32.const 0)) (i32.const 21))
    (call $expect (call $random_get (i32.const 65000) (i32.const 1000)) (i32.const 21))
    (call $expect (call $random_get (i32.const 65536) (i32.const 0)) (i32.const 0))
    (call $expect (call $random_get (i32.const 65537) (i32.const 0)) (i32.const 21))
    (call $expect (call $clock (i32.const 1) (i64.const 0) (i32.const 65529)) (i32.const 21))
    (call $expect (call $clock (i32.const 1) (i64.const 0) (i32.const 65528)) (i32.const 0))
    (call $exit (global.get $bad)))
)
