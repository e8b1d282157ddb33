;; invoke.wat - a plain module without imports for `chibi run --invoke NAME FILE ARGS`.
(module
  (func (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1)))
  (func (export "addl") (param i64 i64) (result i64) (i64.add (local.get 0) (local.get 1)))
  (func (export "fmul") (param f32 f32) (result f32) (f32.mul (local.get 0) (local.get 1)))
  (func (export "dmul") (param f64 f64) (result f64) (f64.mul (local.get 0) (local.get 1)))
  (func (export "fid") (param f32) (result f32) (local.get 0))
  (func (export "did") (param f64) (result f64) (local.get 0))
  (func (export "multi") (result i32 i64 f64) (i32.const -1) (i64.const 1099511627776) (f64.const 0.1))
  (func (export "noop"))
  (func (export "vadd") (param v128 v128) (result v128) (i32x4.add (local.get 0) (local.get 1)))
  (func (export "div") (param i32 i32) (result i32) (i32.div_s (local.get 0) (local.get 1)))
  (func $spin (export "spin") (loop $l (br $l)))
)
