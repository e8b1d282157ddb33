#!/bin/sh
# tools/tailcall-long.sh CHIBI - spec-tests/chibi-3.0/tail-call.wast with its chains made
# 10^8 calls long (10^6 in the spec-3.0 run), in --interp, --jit and --jit with explicit
# bounds.  The value stack holds about a million slots, so a chain that took one frame per
# call would trap with "call stack exhausted"; the interpreter keeps wasm calls off the
# native stack, the JIT's return_call reuses the frame, and what the JIT leaves to the
# interpreter (stack arguments, return_call_indirect) runs there.
set -eu
chibi=$1
here=$(cd "$(dirname "$0")" && pwd)
: "${WAST2JSON:=$here/wast2json-3.0.sh}"
export WAST2JSON
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
sed -e 's/(invoke "one" (i64.const 1000000))/(invoke "one" (i64.const 100000000))/' \
    -e 's/(i64.const 1000000) (i64.const 0)) (i64.const 500000500000)/(i64.const 100000000) (i64.const 0)) (i64.const 5000000050000000)/' \
    -e 's/(invoke "even" (i64.const 1000001))/(invoke "even" (i64.const 100000001))/' \
    -e 's/(invoke "even" (i64.const 1000000))/(invoke "even" (i64.const 100000000))/' \
    -e 's/(invoke "wide" (i32.const 1000000))/(invoke "wide" (i32.const 100000000))/' \
    "$here/../spec-tests/chibi-3.0/tail-call.wast" > "$tmp/tail-call-1e8.wast"
[ "$(grep -c '10000000[01]' "$tmp/tail-call-1e8.wast")" = 5 ] ||
	{ echo "tailcall-long: the chains of tail-call.wast changed; update the sed" >&2; exit 1; }
"$chibi" wast --interp --timeout=900 "$tmp/tail-call-1e8.wast"
"$chibi" wast --jit --timeout=900 "$tmp/tail-call-1e8.wast"
CHIBI_JIT_BOUNDS=explicit CHIBI_NO_RESERVE=1 "$chibi" wast --jit --timeout=900 "$tmp/tail-call-1e8.wast"
