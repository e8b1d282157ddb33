#!/bin/sh
# jit/test/spec-both.sh CHIBI FILE.wast... - run the spec scripts under --interp and --jit
# and require identical per-file results (passed/failed/skipped counts), and no failures.
set -e
chibi=$1
shift
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$chibi" wast --interp "$@" > "$tmp/interp" 2>&1 || true
"$chibi" wast --jit "$@" > "$tmp/jit" 2>&1 || true
grep -E '^[^ ].*: [0-9]+ passed|^[0-9]+ passed' "$tmp/interp" > "$tmp/i"
grep -E '^[^ ].*: [0-9]+ passed|^[0-9]+ passed' "$tmp/jit" > "$tmp/j"
echo "interp: $(tail -1 "$tmp/i")"
echo "jit:    $(tail -1 "$tmp/j")"
if ! diff "$tmp/i" "$tmp/j"; then
	echo "spec-both: the JIT's results differ from the interpreter's" >&2
	exit 1
fi
if ! tail -1 "$tmp/j" | grep -q ' 0 failed'; then
	echo "spec-both: failures under --jit" >&2
	exit 1
fi
