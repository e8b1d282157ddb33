#!/bin/sh
# tools/spec-3.0.sh CHIBI LIST [FILE.wast...] - the Wasm 3.0 spec scripts that chibi is
# expected to pass (LIST: one path under spec-tests/ a line, '#' comments), run
# through `chibi wast` with chibi's own text reader (or, with SPEC3_FRONT=wast2json,
# Debian unstable's wast2json, tools/wast2json-sid.sh) in three
# modes: --interp, --jit on guard pages, --jit with explicit bounds checks (no address-space
# reservations).  Fails on any failure in a listed file and when the modes disagree file by
# file.  Files given after LIST replace the list (to try a file before listing it).
# Exit 77 (skip) when the private wast2json cannot be fetched (wast2json front end only).
set -eu
chibi=$1 list=$2
shift 2
here=$(cd "$(dirname "$0")" && pwd)
root=$here/..
# The front end: chibi's own text reader (SPEC3_FRONT=native, the default), with the skip
# list of what the engine cannot run yet in modules only it can read; or wast2json 1.0.42.
front=${SPEC3_FRONT:-native}
if [ $# = 0 ]; then
	# lines marked "native-only" are scripts wast2json cannot read
	set -- $(if [ "$front" = native ]; then cat "$list"; else grep -v native-only "$list"; fi |
		sed -e 's/#.*//' | while read -r f; do
		[ -n "$f" ] && echo "$root/spec-tests/$f"; done)
fi
if [ "$front" = native ]; then
	unset WAST2JSON
	set -- --skiplist="$root/spec-tests/wasm-3.0/skiplist-text.txt" "$@"
else
	: "${WAST2JSON:=$here/wast2json-3.0.sh}"
	export WAST2JSON
	"$WAST2JSON" --version > /dev/null 2>&1 || {
		rc=$?
		[ $rc = 77 ] && { echo "spec-3.0: wast2json 1.0.42 unavailable, skipped" >&2
				  exit 77; }
		echo "spec-3.0: $WAST2JSON does not run" >&2
		exit 1
	}
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
status=0
for mode in interp jit jit-explicit; do
	case $mode in
	interp) CHIBI_NO_RESERVE=1 "$chibi" wast --interp "$@" > "$tmp/$mode" 2>&1 || true ;;
	jit) "$chibi" wast --jit "$@" > "$tmp/$mode" 2>&1 || true ;;
	jit-explicit) CHIBI_JIT_BOUNDS=explicit CHIBI_NO_RESERVE=1 \
		"$chibi" wast --jit "$@" > "$tmp/$mode" 2>&1 || true ;;
	esac
	grep -E '^[^ ].*: [0-9]+ passed|^[0-9]+ passed' "$tmp/$mode" > "$tmp/$mode.sum" || true
	printf '%-13s %s\n' "$mode:" "$(tail -n 1 "$tmp/$mode.sum")"
	if ! tail -n 1 "$tmp/$mode.sum" | grep -q ' 0 failed'; then
		grep -v '^  ' "$tmp/$mode" | grep -Ev ': [0-9]+ passed, 0 failed' | head -40 >&2
		echo "spec-3.0: failures under --$mode" >&2
		status=1
	fi
	if [ $mode != interp ] && ! cmp -s "$tmp/interp.sum" "$tmp/$mode.sum"; then
		diff "$tmp/interp.sum" "$tmp/$mode.sum" >&2 || true
		echo "spec-3.0: --$mode counts differ from --interp" >&2
		status=1
	fi
done
exit $status
