#!/bin/sh
# tools/wast2json-3.0.sh [wast2json arguments] - tools/wast2json-sid.sh with exactly the
# Wasm 3.0 features: `chibi wast` asks for --enable-all, which in wabt 1.0.42 also turns on
# proposals outside 3.0 that change the binary (compact import sections encode imports
# differently, custom page sizes, wide arithmetic, threads, code metadata), so it is
# replaced by the 3.0 ones that 1.0.42 does not enable by default.
here=$(cd "$(dirname "$0")" && pwd)
n=$#
while [ $n -gt 0 ]; do
	a=$1
	shift
	n=$((n - 1))
	case $a in
	--enable-all) set -- "$@" --enable-function-references --enable-gc ;;
	*) set -- "$@" "$a" ;;
	esac
done
exec sh "$here/wast2json-sid.sh" "$@"
