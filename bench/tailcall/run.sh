#!/bin/sh
# bench/tailcall/run.sh [--check] [CHIBI] - vm.c, a bytecode interpreter whose handlers
# tail-call each other (clang musttail; wasm32 with -mtail-call: return_call_indirect with
# stack arguments on x86-64), side by side: native clang -O2, chibi --interp, chibi --jit,
# V8 (node --liftoff --no-wasm-tier-up, and default tiering).  Every engine must print what
# the native binary printed.  Median of 3 runs in seconds: CPU time (user + sys; a machine
# shared with other jobs inflates it far less than wall time) or, with BENCH_TIME=wall,
# wall time.  VM_ITERS picks the size (default 20M iterations, 9 handler calls each).
# --check: one run per tier at VM_ITERS (default 2M here), outputs compared, no timing
# (what make test-wasi-real runs).
set -e
check=
[ "${1:-}" = --check ] && { check=1; shift; }
root=$(cd "$(dirname "$0")/../.." && pwd)
chibi=${1:-$root/build/chibi}
out=$root/build/bench-tailcall
mkdir -p "$out"
n=${VM_ITERS:-$([ -n "$check" ] && echo 2000000 || echo 20000000)}
wflags="--target=wasm32-wasi"
[ -d /usr/share/wasi-sysroot ] && wflags="$wflags --sysroot=/usr/share/wasi-sysroot"
clang -O2 -o "$out/vm.native" "$root/bench/tailcall/vm.c"
clang $wflags -O2 -mtail-call -c -o "$out/vm.o" "$root/bench/tailcall/vm.c"
clang $wflags -o "$out/vm.wasm" "$out/vm.o"
want=$("$out/vm.native" "$n")

if [ -n "$check" ]; then
	command -v wasm-objdump > /dev/null && ! wasm-objdump -d "$out/vm.wasm" |
		grep -q return_call_indirect && { echo "FAIL tailcall: no return_call_indirect in vm.wasm"; exit 1; }
	status=0
	for mode in --interp --jit; do
		got=$("$chibi" run $mode "$out/vm.wasm" "$n" 2>&1) || true
		if [ "$got" = "$want" ]; then
			echo "PASS tailcall vm.c $mode: $got"
		else
			echo "FAIL tailcall vm.c $mode: got '$got', want '$want'"
			status=1
		fi
	done
	exit $status
fi

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

echo "vm.c, $n iterations: seconds, median of 3 ($([ "${BENCH_TIME:-cpu}" = wall ] && echo wall || echo "CPU: user + sys"))"
printf "%10s %10s %10s %10s %10s\n" native interp jit v8-liftoff v8
g=$(median3 "$out/vm.native" "$n")
i=$(median3 "$chibi" run --interp "$out/vm.wasm" "$n")
j=$(median3 "$chibi" run --jit "$out/vm.wasm" "$n")
if command -v node > /dev/null; then
	l=$(median3 node --liftoff --no-wasm-tier-up "$root/bench/node-wasi-run.mjs" "$out/vm.wasm" "$n")
	v=$(median3 node "$root/bench/node-wasi-run.mjs" "$out/vm.wasm" "$n")
else
	l=- v=-
fi
printf "%10s %10s %10s %10s %10s\n" "$g" "$i" "$j" "$l" "$v"
