#!/bin/sh
# wasi/tests/cxx-eh.sh - C++ exceptions in a real C++ program: wasi/tests/cxx-eh/eh.cpp
# built natively (the system's C++ runtime) and with clang++ -fwasm-exceptions for
# wasm32-wasi (legacy try/catch/rethrow, C++'s tag; the small runtime beside it, since
# Debian's wasm32 libc++abi is built without exceptions) must print the same under
# `chibi run --interp` and `--jit`, exit status included.
#
# usage: cxx-eh.sh CHIBI WORKDIR
set -u
CHIBI=$1
WORK=$2
HERE=$(cd "$(dirname "$0")" && pwd)
SRC=$HERE/cxx-eh
CXX_WASM=${CXX_WASM:-clang++}
CXX_NATIVE=${CXX_NATIVE:-c++}
pass=0 fail=0

mkdir -p "$WORK"
if ! command -v "$CXX_WASM" > /dev/null || ! command -v "$CXX_NATIVE" > /dev/null; then
	echo "SKIP cxx-eh: no $CXX_WASM or $CXX_NATIVE"
	echo "cxx-eh: 0 passed, 0 failed, 1 skipped"
	exit 0
fi
# Compile and link in separate steps: clang runs wasm-opt when -O is on the link line.
flags="--target=wasm32-wasi -fwasm-exceptions -nostdlib++"
$CXX_WASM $flags -O2 -c -o "$WORK/eh.o" "$SRC/eh.cpp" &&
	$CXX_WASM $flags -O2 -c -o "$WORK/rt.o" "$SRC/wasm_eh_runtime.cpp" &&
	$CXX_WASM $flags -o "$WORK/eh.wasm" "$WORK/eh.o" "$WORK/rt.o" ||
	{ echo "FAIL cxx-eh: wasm build"; echo "cxx-eh: 0 passed, 1 failed, 0 skipped"; exit 1; }
$CXX_NATIVE -O2 -o "$WORK/eh-native" "$SRC/eh.cpp" ||
	{ echo "FAIL cxx-eh: native build"; echo "cxx-eh: 0 passed, 1 failed, 0 skipped"; exit 1; }
"$WORK/eh-native" > "$WORK/native.out"
want=$?
for mode in --interp --jit; do
	"$CHIBI" run $mode "$WORK/eh.wasm" > "$WORK/chibi$mode.out" 2> "$WORK/chibi$mode.err"
	got=$?
	if [ $got = $want ] && cmp -s "$WORK/native.out" "$WORK/chibi$mode.out"; then
		pass=$((pass + 1))
		echo "PASS cxx-eh $mode ($(wc -c < "$WORK/native.out") bytes identical, exit $got)"
	else
		fail=$((fail + 1))
		echo "FAIL cxx-eh $mode: exit $got (native $want)"
		cmp "$WORK/native.out" "$WORK/chibi$mode.out"
		head -5 "$WORK/chibi$mode.err"
	fi
done
echo "cxx-eh: $pass passed, $fail failed, 0 skipped"
[ $fail = 0 ]
