#!/bin/sh
# bench/simd/run.sh [CHIBI] - the SIMD kernels of this directory, one run, side by side:
# native gcc -O2 (its own vectorizer), wasm32-wasi clang -O2 -msimd128 under chibi --interp,
# chibi --jit (default SIMD level and CHIBI_JIT_ISA=sse4.1), the same C without -msimd128 under
# chibi --jit, and V8 (node --liftoff --no-wasm-tier-up, and default tiering).  Every engine
# must print what the gcc binary printed.  Median of 3 wall times in seconds.
set -e
root=$(cd "$(dirname "$0")/../.." && pwd)
chibi=${1:-$root/build/chibi}
out=$root/build/bench-simd
mkdir -p "$out"
sizes="blur:50 dot:10000 bytecount:200"
wflags="--target=wasm32-wasi"
[ -d /usr/share/wasi-sysroot ] && wflags="$wflags --sysroot=/usr/share/wasi-sysroot"

median3() { # command...: median wall time of 3 runs; output checked against $want
	for r in 1 2 3; do
		s=$(date +%s.%N)
		got=$("$@" 2>/dev/null) || true
		e=$(date +%s.%N)
		[ "$got" = "$want" ] || { echo "MISMATCH: $* -> $got" >&2; echo "-"; return; }
		echo "$e - $s" | bc
	done | sort -n | sed -n 2p
}

printf "%-10s %8s %8s %8s %8s %8s %8s %8s\n" kernel gcc interp jit jit-sse41 jit-scalar v8-liftoff v8
for ks in $sizes; do
	k=${ks%%:*} n=${ks#*:}
	gcc -O2 -o "$out/$k.gcc" "$root/bench/simd/$k.c"
	clang $wflags -O2 -msimd128 -o "$out/$k.wasm" "$root/bench/simd/$k.c"
	clang $wflags -O2 -o "$out/$k.scalar.wasm" "$root/bench/simd/$k.c"
	want=$("$out/$k.gcc" "$n")
	g=$(median3 "$out/$k.gcc" "$n")
	i=$(median3 "$chibi" run --interp "$out/$k.wasm" "$n")
	j=$(median3 "$chibi" run --jit "$out/$k.wasm" "$n")
	j41=$(CHIBI_JIT_ISA=sse4.1 median3 "$chibi" run --jit "$out/$k.wasm" "$n")
	js=$(median3 "$chibi" run --jit "$out/$k.scalar.wasm" "$n")
	if command -v node > /dev/null; then
		l=$(median3 node --liftoff --no-wasm-tier-up "$root/bench/node-wasi-run.mjs" "$out/$k.wasm" "$n")
		v=$(median3 node "$root/bench/node-wasi-run.mjs" "$out/$k.wasm" "$n")
	else
		l=- v=-
	fi
	printf "%-10s %8s %8s %8s %8s %8s %8s %8s\n" "$k" "$g" "$i" "$j" "$j41" "$js" "$l" "$v"
done
