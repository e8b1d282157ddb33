#!/bin/sh
# shim/tests/cri/run-all.sh - `make test-cri`: the CRI e2e (cri/e2e.sh) against containerd 1.6,
# 1.7 and 2.1, and the ctr e2e (../e2e.sh) against 1.7 and 2.1 (test-shim runs it on 1.6), one
# containerd at a time; then a table of pass counts per release.  Exit 1 if anything failed.
# CRI_VERSIONS="1.7 2.1" narrows the list.  Usage: BUILD=build shim/tests/cri/run-all.sh
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
OUT=$(mktemp -d /tmp/chibi-cri-all.XXXXXX)
trap 'rm -rf "$OUT"' EXIT
status=0
rows=
for v in ${CRI_VERSIONS:-1.6 1.7 2.1}; do
	ctr="(test-shim)"
	if [ "$v" != 1.6 ]; then
		echo "== ctr e2e, containerd $v"
		CONTAINERD=$v "$HERE/../e2e.sh" 2>&1 | tee "$OUT/ctr-$v"
		[ "$(tail -1 "$OUT/ctr-$v" | sed -n 's/.* \([0-9]*\) failed$/\1/p')" = 0 ] ||
			grep -q '^SKIP' "$OUT/ctr-$v" || status=1
		ctr=$(tail -1 "$OUT/ctr-$v" | sed -n 's/^e2e: \(.*\)$/\1/p')
		grep -q '^SKIP' "$OUT/ctr-$v" && ctr=$(grep -m1 '^SKIP' "$OUT/ctr-$v")
	fi
	echo "== CRI e2e, containerd $v"
	CONTAINERD=$v "$HERE/e2e.sh" 2>&1 | tee "$OUT/cri-$v"
	last=$(tail -1 "$OUT/cri-$v")
	cri=$(echo "$last" | sed -n 's/^cri e2e .*: \([0-9]* passed, [0-9]* failed\)$/\1/p')
	if grep -q '^SKIP' "$OUT/cri-$v"; then
		cri=$(grep -m1 '^SKIP' "$OUT/cri-$v")
	elif [ -z "$cri" ] || ! echo "$cri" | grep -q ' 0 failed'; then
		status=1
	fi
	ver=$(sed -n 's/^containerd \([^ ]*\) .*/\1/p' "$OUT/cri-$v" | head -1)
	rows="$rows$v|${ver:-?}|${ctr:-did not finish}|${cri:-did not finish}
"
done
echo
echo "containerd | Debian version | ctr e2e | CRI e2e"
printf '%s' "$rows" | awk -F'|' '{printf "%-10s | %-22s | %-20s | %s\n", $1, $2, $3, $4}'
exit $status
