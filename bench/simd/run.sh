#!/bin/sh
# bench/simd/run.sh [CHIBI] - the SIMD kernels of this directory, one run, side by side:
# native gcc -O2 (its own vectorizer, or the kernel's SSE2 intrinsics), wasm32-wasi clang -O2
# -msimd128 (auto-vectorized, or the kernel's wasm_simd128.h intrinsics) under chibi --interp,
# chibi --jit (default SIMD level and CHIBI_JIT_ISA=sse4.1), the same C without -msimd128 under
# chibi --jit, and V8 (node --liftoff --no-wasm-tier-up, and default tiering).  Every engine
# must print what the gcc binary printed.  Median of 3 runs in seconds: CPU time (user + sys,
# which a machine shared with other jobs inflates far less than wall time; V8's background
# compiler threads count) or, with BENCH_TIME=wall, wall time.  SIMD_SIZES="kernel:reps ..."
# picks other sizes (the defaults run about 0.15-0.2 s natively).  CHIBI_BEFORE=path adds a
# column: --jit of another chibi build (a before/after comparison in the same run).
set -e
root=$(cd "$(dirname "$0")/../.." && pwd)
chibi=${1:-$root/build/chibi}
out=$root/build/bench-simd
mkdir -p "$out"
sizes=${SIMD_SIZES:-"blur:400 dot:200000 bytecount:3000 linescan:1000"}
wflags="--target=wasm32-wasi"
[ -d /usr/share/wasi-sysroot ] && wflags="$wflags --sysroot=/usr/share/wasi-sysroot"

median3() { # command...: median time of 3 runs; output checked against $want
	for r in 1 2 3; do
		/usr/bin/time -f "%e %U %S" -o "$out/time" "$@" > "$out/got" 2>/dev/null || true
		[ "$(cat "$out/got")" = "$want" ] || {
			echo "MISMATCH: $* -> $(cat "$out/got")" >&2; echo "-"; return; }
		if [ "${BENCH_TIME:-cpu}" = wall ]; then
			awk 'END { print $1 }' "$out/time"
		else
			awk 'END { printf "%.3f\n", $2 + $3 }' "$out/time"
		fi
	done | sort -n | sed -n 2p
}

echo "seconds, median of 3 ($([ "${BENCH_TIME:-cpu}" = wall ] && echo wall || echo "CPU: user + sys"))"
printf "%-10s %8s %8s %8s %8s %8s %8s %8s%s\n" kernel gcc interp jit jit-sse41 jit-scalar \
	v8-liftoff v8 "${CHIBI_BEFORE:+ jit-before}"
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
	b=
	[ -z "$CHIBI_BEFORE" ] || b=$(printf " %10s" "$(median3 "$CHIBI_BEFORE" run --jit "$out/$k.wasm" "$n")")
	printf "%-10s %8s %8s %8s %8s %8s %8s %8s%s\n" "$k" "$g" "$i" "$j" "$j41" "$js" "$l" "$v" "$b"
done
