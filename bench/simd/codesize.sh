#!/bin/sh
# bench/simd/codesize.sh [CHIBI...] - machine code bytes per wasm code byte of the JIT on SIMD
# code, from `chibi inspect --stats`: the modules of the 59 simd + 7 relaxed-simd spec scripts
# (wast2json; text modules it cannot write are left out) and the kernels run.sh builds
# (clang -O2 -msimd128, libc included; run run.sh first).  One line per chibi and SIMD level
# (LEVELS, default "default sse4.1": the CPU's level and CHIBI_JIT_ISA=sse4.1 on x86-64;
# LEVELS=default for AArch64, whose builds run here under qemu-user with QEMU_LD_PREFIX set).
set -e
root=$(cd "$(dirname "$0")/../.." && pwd)
[ $# -gt 0 ] || set -- "$root/build/chibi"
out=$root/build/bench-simd/codesize
mkdir -p "$out"
if [ ! -f "$out/.done" ]; then
	for w in "$root"/spec-tests/wasm-3.0/core/simd/*.wast \
		 "$root"/spec-tests/wasm-3.0/core/relaxed-simd/*.wast; do
		b=$(basename "$w" .wast)
		wast2json --enable-all "$w" -o "$out/$b.json" >/dev/null 2>&1 || true
	done
	touch "$out/.done"
fi

# sum of "wasm bodies W bytes -> machine code C bytes" over the modules given
sum() { # chibi isa files...
	c=$1 isa=$2
	shift 2
	for m in "$@"; do
		env ${isa:+CHIBI_JIT_ISA=$isa} $CHIBI_RUN "$c" inspect --stats "$m" 2>/dev/null || true
	done | awk '/wasm bodies/ { w += $3; m += $8 }
		END { if (w) printf "%9d %9d %6.2f", w, m, m / w; else printf "%9s %9s %6s", "-", "-", "-" }'
}

printf "%-40s %-7s %30s   %30s\n" chibi level "spec modules: wasm  code  ratio" \
	"kernels: wasm  code  ratio"
for c in "$@"; do
	for isa in ${LEVELS:-default sse4.1}; do
		[ "$isa" != default ] || isa=
		printf "%-40s %-7s %30s   %30s\n" "$c" "${isa:-default}" \
			"$(sum "$c" "$isa" "$out"/*.wasm)" \
			"$(sum "$c" "$isa" $(ls "$root"/build/bench-simd/*.wasm | grep -v '\.scalar\.'))"
	done
done
