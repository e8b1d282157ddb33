;; nolink.wat - imports a WASI name that does not exist: a link error (exit 1).
(module
  (import "wasi_snapshot_preview1" "no_such_function" (func))
  (func (export "_start"))
)
