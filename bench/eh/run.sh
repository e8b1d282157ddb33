#!/bin/sh
# bench/eh/run.sh [CHIBI] - exception microbenchmark, one run, side by side: throw10.cpp
# (a throw caught 10 frames up, N times; and the same calls without a throw) natively
# (g++ -O2, the system's unwinder), and built with clang++ -fwasm-exceptions under chibi
# --interp, chibi --jit and V8 (node --liftoff --no-wasm-tier-up, and default tiering).
# Every engine must print what the native binary printed.  Median of 3 wall times, seconds.
set -e
root=$(cd "$(dirname "$0")/../.." && pwd)
chibi=${1:-$root/build/chibi}
out=$root/build/bench-eh
mkdir -p "$out"
rt=$root/wasi/tests/cxx-eh/wasm_eh_runtime.cpp
flags="--target=wasm32-wasi -fwasm-exceptions -nostdlib++"

median3() { # command...: median wall time of 3 runs; output checked against $want
	for r in 1 2 3; do
		s=$(date +%s.%N)
		got=$("$@" 2>/dev/null) || true
		e=$(date +%s.%N)
		[ "$got" = "$want" ] || { echo "MISMATCH: $* -> $got" >&2; echo "-"; return; }
		echo "$e - $s" | bc
	done | sort -n | sed -n 2p
}

g++ -O2 -o "$out/throw10.native" "$root/bench/eh/throw10.cpp"
clang++ $flags -O2 -c -o "$out/throw10.o" "$root/bench/eh/throw10.cpp"
clang++ $flags -O2 -c -o "$out/rt.o" "$rt"
clang++ $flags -o "$out/throw10.wasm" "$out/throw10.o" "$out/rt.o"
printf "%-16s %8s %8s %8s %10s %8s\n" case native interp jit v8-liftoff v8
for c in "throw 200000" "nothrow 2000000"; do
	name=${c%% *} n=${c#* }
	extra=
	[ "$name" = nothrow ] && extra=calls
	want=$("$out/throw10.native" "$n" $extra)
	g=$(median3 "$out/throw10.native" "$n" $extra)
	i=$(median3 "$chibi" run --interp "$out/throw10.wasm" "$n" $extra)
	j=$(median3 "$chibi" run --jit "$out/throw10.wasm" "$n" $extra)
	if command -v node > /dev/null; then
		l=$(median3 node --liftoff --no-wasm-tier-up "$root/bench/node-wasi-run.mjs" \
			"$out/throw10.wasm" "$n" $extra)
		v=$(median3 node "$root/bench/node-wasi-run.mjs" "$out/throw10.wasm" "$n" $extra)
	else
		l=- v=-
	fi
	printf "%-16s %8s %8s %8s %10s %8s\n" "$name-$n" "$g" "$i" "$j" "$l" "$v"
done
