#!/bin/sh
# tools/wast2json-sid.sh - wabt's wast2json from Debian's unstable release (1.0.42), for the
# Wasm 3.0 spec scripts that Debian 12's wabt (1.0.32) cannot read (typed references,
# exnref, memory64 tables, relaxed dot product, ...).
#
# Usage: tools/wast2json-sid.sh [wast2json arguments]      (e.g. as WAST2JSON for chibi wast)
#        tools/wast2json-sid.sh --fetch                   fetch only; prints the wast2json path
#
# The binary needs a newer glibc and libstdc++ than Debian 12 has: the same release's libc6,
# libstdc++6 and libgcc-s1 are unpacked beside it by tools/debian-pkg.sh (a private apt
# configuration under build/, never installed) and wast2json runs through their own dynamic
# loader with --library-path.  Exit 77 when the archive is unreachable (callers SKIP).
# BUILD (environment) is the build folder the packages are cached in (default: build).
# WABT_TOOL (environment) runs another tool of the same wabt instead (tools/wat-diff.sh
# uses wasm2wat).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
build=${BUILD:-build}
case "$build" in /*) ;; *) build=$here/../$build ;; esac
# Pinned versions: what the archive serves when these were checked (2026-12).  When one is
# gone, debian-pkg.sh lists what is served instead.
pkgs="wabt=1.0.42+dfsg+~cs1.0.39-2 libc6=2.43-7 libstdc++6=16.2.0-4 libgcc-s1=16.2.0-4"

libpath=
wabt=
for pv in $pkgs; do
	p=${pv%%=*} v=${pv#*=}
	root=$(sh "$here/debian-pkg.sh" -B "$build" sid "$p" "$v") || exit $?
	case $p in
	wabt) wabt=$root ;;
	libc6) libc=$root ;;
	esac
	libpath=${libpath:+$libpath:}$root/usr/lib/x86_64-linux-gnu
done
if [ "${1:-}" = --fetch ]; then
	echo "$wabt/usr/bin/${WABT_TOOL:-wast2json}"
	exit 0
fi
exec "$libc/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2" --library-path "$libpath" \
	"$wabt/usr/bin/${WABT_TOOL:-wast2json}" "$@"
