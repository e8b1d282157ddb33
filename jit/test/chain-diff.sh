#!/bin/sh
# jit/test/chain-diff.sh DIFFTEST N OUTDIR - N random modules of v128 accumulation chains
# (jit/test/chain-gen.py: the shapes jit/lower.c reorders, accumulate() and reassociate())
# through jit-difftest: the interpreter against the JIT modes, at the CPU's SIMD level and at
# SSE4.1 on x86-64.  Modules that differ are kept in OUTDIR.
set -e
difftest=$1 n=$2 out=$3
here=$(dirname "$0")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$out"
i=1
while [ "$i" -le "$n" ]; do
	python3 "$here/chain-gen.py" "$i" > "$tmp/chain$i.wat"
	wat2wasm "$tmp/chain$i.wat" -o "$tmp/chain$i.wasm"
	i=$((i + 1))
done
rc=0
for isa in "" sse4.1; do
	env ${isa:+CHIBI_JIT_ISA=$isa} "$difftest" "$tmp"/chain*.wasm > "$tmp/log" 2>&1 || rc=1
	tail -n 1 "$tmp/log" | sed "s/^/chain-diff${isa:+ ($isa)}: /"
done
[ "$rc" = 0 ] || { cp "$tmp"/chain*.wat "$out"/; grep -i differ "$tmp/log" | head; }
exit "$rc"
