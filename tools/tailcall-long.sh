#!/bin/sh
# tools/tailcall-long.sh CHIBI - spec-tests/chibi-3.0/tail-call.wast with its chains made
# 10^8 calls long (10^6 in the spec-3.0 run), in --interp, --jit and --jit with explicit
# bounds.  The value stack holds about a million slots, so a chain that took one frame per
# call would trap with "call stack exhausted"; the interpreter keeps wasm calls off the
# native stack, and the JITs' tail calls reuse the frame (stack arguments included, across
# instances, through tables and references).
set -eu
chibi=$1
here=$(cd "$(dirname "$0")" && pwd)
: "${WAST2JSON:=$here/wast2json-3.0.sh}"
export WAST2JSON
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# every chain length of the file (and the numbers derived from them) times 100; the
# chains' code holds none of these numbers
sed -e 's/\b1000000\b/100000000/g' -e 's/\b1000001\b/100000001/g' \
    -e 's/\b999999\b/99999999/g' -e 's/\b1000003\b/100000003/g' \
    -e 's/\b1000008\b/100000008/g' -e 's/\b1000009\b/100000009/g' \
    -e 's/\b500000500000\b/5000000050000000/g' \
    "$here/../spec-tests/chibi-3.0/tail-call.wast" > "$tmp/tail-call-1e8.wast"
[ "$(grep -c '^(assert_return.*\(10000000[0-9]\|99999999\)' "$tmp/tail-call-1e8.wast")" = 8 ] ||
	{ echo "tailcall-long: the chains of tail-call.wast changed; update the sed" >&2; exit 1; }
"$chibi" wast --interp --timeout=900 "$tmp/tail-call-1e8.wast"
"$chibi" wast --jit --timeout=900 "$tmp/tail-call-1e8.wast"
CHIBI_JIT_BOUNDS=explicit CHIBI_NO_RESERVE=1 "$chibi" wast --jit --timeout=900 "$tmp/tail-call-1e8.wast"
