#!/bin/sh
# tests/wasm64/run.sh CHIBI OUTDIR - a real program on a 64-bit memory: tests/wasm64/memwork.c
# built with clang for wasm64 (freestanding; memory64 with bulk memory) and natively; the
# wasm build under `chibi run --invoke run` in --interp, --jit (guard pages) and --jit with
# explicit bounds must print what the native build prints, and a --max-memory below its
# heap must stop it.  Exit 77 (skip) when clang cannot target wasm64.
set -eu
chibi=$1 out=$2
src=$(dirname "$0")/memwork.c
n=300000
mkdir -p "$out"
if ! clang --target=wasm64-unknown-unknown -O2 -mbulk-memory -nostdlib -Wl,--no-entry \
	-Wl,--export=run "$src" -o "$out/memwork.wasm" 2> "$out/clang.err"; then
	cat "$out/clang.err" >&2
	echo "test-wasm64: clang cannot build for wasm64; skipped"
	exit 77
fi
${CC:-cc} -O2 "$src" -o "$out/memwork"
want=$("$out/memwork" $n)
status=0
for mode in interp jit jit-explicit; do
	case $mode in
	interp) got=$(CHIBI_NO_RESERVE=1 "$chibi" run --interp --invoke run "$out/memwork.wasm" $n) ;;
	jit) got=$("$chibi" run --jit --invoke run "$out/memwork.wasm" $n) ;;
	jit-explicit) got=$(CHIBI_JIT_BOUNDS=explicit CHIBI_NO_RESERVE=1 \
		"$chibi" run --jit --invoke run "$out/memwork.wasm" $n) ;;
	esac
	if [ "$got" = "$want" ]; then
		echo "test-wasm64: --$mode: $got (as native)"
	else
		echo "test-wasm64: --$mode: got '$got', native '$want'" >&2
		status=1
	fi
done
# --max-memory applies to 64-bit memories: the heap needs ~20 MiB, so 16 MiB makes its
# memory.grow fail and the program trap (its __builtin_trap), in both tiers
for mode in interp jit; do
	rc=0
	"$chibi" run --$mode --max-memory 16MiB --invoke run "$out/memwork.wasm" $n \
		> /dev/null 2>&1 || rc=$?
	if [ $rc = 134 ]; then
		echo "test-wasm64: --$mode --max-memory 16MiB: trapped, as it must"
	else
		echo "test-wasm64: --$mode --max-memory 16MiB: exit $rc, want a trap (134)" >&2
		status=1
	fi
done
exit $status
