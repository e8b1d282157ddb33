#!/bin/sh
# bench/eh/run.sh [CHIBI] - exception microbenchmark, one run, side by side: throw10.cpp
# (a throw caught 10 frames up, N times; and the same calls without a throw) natively
# (g++ -O2, the system's unwinder), and built with clang++ -fwasm-exceptions under chibi
# --interp, chibi --jit and V8 (node --liftoff --no-wasm-tier-up, and default tiering).
# Every engine must print what the native binary printed.  Median of 3 wall times, seconds.
# Then the same loop in wasm (throw10.wat.in), try_table and legacy try forms.
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

# The same loop written in wasm (throw10.wat.in): chibi runs the try_table form (compiled
# handlers in the JIT), V8 20 the legacy-try form (node cannot read try_table); chibi
# --interp both.  The binary for V8 comes from wabt 1.0.42 (tools/wast2json-sid.sh).
sed 's|HANDLER|(block $h (result i32) (try_table (result i32) (catch $e $h) (call $d9 (local.get $throw)) (i32.const 1)))|' \
	"$root/bench/eh/throw10.wat.in" > "$out/tt10.wat"
sed 's|HANDLER|(try (result i32) (do (call $d9 (local.get $throw)) (i32.const 1)) (catch $e))|' \
	"$root/bench/eh/throw10.wat.in" > "$out/legacy10.wat"
v8bin=
WABT_TOOL=wat2wasm sh "$root/tools/wast2json-sid.sh" "$out/legacy10.wat" -o "$out/legacy10.wasm" \
	2> /dev/null && v8bin=$out/legacy10.wasm
printf "%-16s %8s %8s %8s %8s %10s %8s\n" wasm-loop interp-tt jit-tt interp-leg jit-leg \
	v8-liftoff v8
for c in "throw 200000 1" "nothrow 2000000 0"; do
	set -- $c
	want=$2
	it=$(median3 "$chibi" run --interp --invoke run "$out/tt10.wat" "$2" "$3")
	jt=$(median3 "$chibi" run --jit --invoke run "$out/tt10.wat" "$2" "$3")
	il=$(median3 "$chibi" run --interp --invoke run "$out/legacy10.wat" "$2" "$3")
	jl=$(median3 "$chibi" run --jit --invoke run "$out/legacy10.wat" "$2" "$3")
	l=- v=-
	if command -v node > /dev/null && [ -n "$v8bin" ]; then
		l=$(median3 node --liftoff --no-wasm-tier-up "$root/bench/eh/run-export.mjs" \
			"$v8bin" "$2" "$3")
		v=$(median3 node "$root/bench/eh/run-export.mjs" "$v8bin" "$2" "$3")
	fi
	printf "%-16s %8s %8s %8s %8s %10s %8s\n" "$1-$2" "$it" "$jt" "$il" "$jl" "$l" "$v"
done
