#!/bin/sh
# bench/simd/interp.sh [CHIBI] - interpreters on SIMD code.  WAMR is not packaged here and
# wasm3 has no SIMD; node 20's V8 has no wasm interpreter (--jitless turns WebAssembly off),
# so the one other interpreter with SIMD at hand is wabt's wasm-interp, which Debian builds
# without WASI: each kernel is built as a WASI-free reactor (reactor.c) and its bench_run()
# export is called by chibi --interp and by `wasm-interp --run-all-exports`; both must return
# the same 31-bit digest of the kernel's output.  The scalar build (no -msimd128) under chibi
# --interp is the third column.  Median of 3 CPU times (user + sys) in seconds.
set -e
root=$(cd "$(dirname "$0")/../.." && pwd)
chibi=${1:-$root/build/chibi}
out=$root/build/bench-simd/interp
mkdir -p "$out"
sizes=${INTERP_SIZES:-"blur:20 dot:8000 bytecount:160 linescan:160"}
wflags="--target=wasm32-wasi -O2 -mexec-model=reactor -Wl,--export=bench_run"
[ -d /usr/share/wasi-sysroot ] && wflags="$wflags --sysroot=/usr/share/wasi-sysroot"

median3() { # command...: median CPU time of 3 runs; stdout's digest must be $want
	for r in 1 2 3; do
		/usr/bin/time -f "%U %S" -o "$out/time" "$@" > "$out/got" 2>/dev/null || true
		got=$(grep -o '[0-9][0-9]*$' "$out/got" | tail -n 1)
		[ "$got" = "$want" ] || { echo "MISMATCH: $* -> $got (want $want)" >&2; echo "-"; return; }
		awk 'END { printf "%.3f\n", $1 + $2 }' "$out/time"
	done | sort -n | sed -n 2p
}

printf "%-10s %6s %14s %14s %14s\n" kernel reps chibi-interp wabt-interp chibi-scalar
for ks in $sizes; do
	k=${ks%%:*} n=${ks#*:}
	for v in simd scalar; do
		f=; [ $v = simd ] && f=-msimd128
		clang $wflags $f -DREPS="\"$n\"" -Dmain=kernel_main -Dprintf=bench_printf \
			-include stdio.h -o "$out/$k.$v.wasm" "$root/bench/simd/reactor.c" \
			"$root/bench/simd/$k.c"
	done
	want=$("$chibi" run --interp --invoke bench_run "$out/$k.simd.wasm" | tail -n 1)
	c=$(median3 "$chibi" run --interp --invoke bench_run "$out/$k.simd.wasm")
	w=$(median3 wasm-interp --dummy-import-func --run-all-exports "$out/$k.simd.wasm")
	s=$(median3 "$chibi" run --interp --invoke bench_run "$out/$k.scalar.wasm")
	printf "%-10s %6s %14s %14s %14s\n" "$k" "$n" "$c" "$w" "$s"
done
