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
# chibi's own scripts with binary modules wabt cannot decode (tools/wast-stash.py): the
# input is the first argument ending in .wast, the output the one after -o
src= out= prev=
for a in "$@"; do
	case $a in *.wast) [ -n "$src" ] || src=$a ;; esac
	[ "$prev" = -o ] && out=$a
	prev=$a
done
if [ -n "$src" ] && [ -n "$out" ] && grep -q '^;; chibi: stash binary modules' "$src"; then
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' EXIT
	python3 "$here/wast-stash.py" stash "$src" "$tmp/in.wast" "$tmp/stash" || exit 1
	n=$#
	while [ $n -gt 0 ]; do
		a=$1
		shift
		n=$((n - 1))
		[ "$a" = "$src" ] && a=$tmp/in.wast
		set -- "$@" "$a"
	done
	sh "$here/wast2json-sid.sh" "$@" || exit $?
	python3 "$here/wast-stash.py" restore "$tmp/stash" "$(dirname "$out")"
	exit $?
fi
exec sh "$here/wast2json-sid.sh" "$@"
