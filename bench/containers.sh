#!/bin/sh
# containers.sh - container startup benchmark: `ctr run --rm` of a hello-world wasm image under
# containerd-shim-chibi-v1, wall time over N runs, against a private containerd.
#
#   sh bench/containers.sh [RUNS]        (default 20)
#
# Separate from bench.py on purpose: it needs root, containerd, ctr, the shim and `chibi image
# build`, none of which the other benchmarks need.  When any is missing it prints
# "containers: n/a - <reason>", writes that to build/bench-results/containers.txt and exits 0,
# so `make bench` never fails for want of containerd.  It reuses the shim's own private-containerd
# scripts (shim/tests/*up*.sh / *down*.sh) and stops only the containerd those scripts started.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=$ROOT/build/bench-results
RUNS=${1:-20}
CHIBI=${CHIBI:-$ROOT/build/chibi}
SHIM=${SHIM:-$ROOT/build/containerd-shim-chibi-v1}
HELLO=$ROOT/build/bench/plain/hello.wasm
mkdir -p "$OUT"

na() {
	echo "containers: n/a - $*" | tee "$OUT/containers.txt"
	exit 0
}

[ "$(id -u)" = 0 ] || na "needs root (containerd)"
command -v containerd >/dev/null 2>&1 || na "containerd not installed (apt-get install containerd)"
command -v ctr >/dev/null 2>&1 || na "ctr not installed"
[ -x "$SHIM" ] || na "shim not built ($SHIM)"
[ -x "$CHIBI" ] || na "build/chibi not built"
[ -f "$HELLO" ] || na "hello.wasm not built (run bench/bench.py once)"
UP=$(ls "$ROOT"/shim/tests/*up*.sh 2>/dev/null | head -1)
DOWN=$(ls "$ROOT"/shim/tests/*down*.sh 2>/dev/null | head -1)
[ -n "$UP" ] && [ -n "$DOWN" ] || na "no private-containerd scripts under shim/tests/ (*up*.sh, *down*.sh)"

WORK=$(mktemp -d)
trap 'sh "$DOWN" >/dev/null 2>&1; rm -rf "$WORK"' EXIT
# The up script prints "... address <socket>" (as shared/containerd-notes/up.sh does); an
# explicit CTR_ADDRESS wins.
UPLOG=$WORK/up.log
PATH=$(dirname "$SHIM"):$PATH sh "$UP" >"$UPLOG" 2>&1 || na "private containerd did not start: $(tail -1 "$UPLOG")"
ADDR=${CTR_ADDRESS:-$(sed -n 's/.*address \([^ ,]*\).*/\1/p' "$UPLOG" | head -1)}
[ -n "$ADDR" ] || na "cannot tell the containerd socket from $UP (set CTR_ADDRESS)"
CTR="ctr --address $ADDR"

"$CHIBI" image build -o "$WORK/hello.tar" --name bench/hello:latest "$HELLO" >"$WORK/img.log" 2>&1 ||
	na "\`chibi image build\` failed: $(tail -1 "$WORK/img.log")"
$CTR image import "$WORK/hello.tar" >/dev/null 2>&1 || na "ctr image import failed"
IMAGE=$($CTR image ls -q | grep 'bench/hello' | head -1)

i=0
: >"$WORK/times"
while [ "$i" -lt "$RUNS" ]; do
	t0=$(date +%s%N)
	out=$($CTR run --rm --runtime io.containerd.chibi.v1 "$IMAGE" "bench-hello-$i" 2>&1)
	t1=$(date +%s%N)
	case "$out" in *"hello, world"*) ;; *) na "container run failed: $out" ;; esac
	echo $(((t1 - t0) / 1000)) >>"$WORK/times"
	i=$((i + 1))
done
sort -n "$WORK/times" | awk -v runs="$RUNS" '
	{ t[NR] = $1 }
	END {
		med = (NR % 2) ? t[(NR + 1) / 2] : (t[NR / 2] + t[NR / 2 + 1]) / 2
		printf "containers: ctr run --rm hello.wasm (chibi shim): median %.1f ms, min %.1f ms, runs %d\n",
			med / 1000, t[1] / 1000, runs
	}' | tee "$OUT/containers.txt"
