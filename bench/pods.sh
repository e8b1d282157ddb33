#!/bin/sh
# bench/pods.sh - pods through CRI (issue 19): chibi pods (RuntimeClass handler `chibi`,
# containerd-shim-chibi-v1) against runc pods on one private containerd with CRI on, the one
# shim/tests/cri/e2e.sh starts (CRI_BENCH=pods runs cri_test.py's `pods` phase):
#
# 1. boots: N = 1, 10, 100 sequential pods per handler, interleaved pod by pod (ABBA) after two
#    warm-ups each; each is RunPodSandbox + CreateContainer + StartContainer of hello (chibi:
#    podprobe.wasm say hello; runc: the static native hello), timed until ContainerStatus
#    leaves CREATED; the pod is removed outside the timing.  Median and sum per handler.
# 2. alive: N = 1, 10, 100 pods at once, one sleeper container each (chibi: probe.wasm sleep;
#    runc: the static pause binary), all RUNNING, then the PSS of every shim of this containerd
#    plus every process in the pods' cgroups (for runc: its shim, the pause sandbox and the
#    container) divided by the pods running; then all are removed.
# The 1-minute load average at the start and end of every step is in the table.
#
#   sh bench/pods.sh [full|quick]     (make bench-pods; PODS_MODE=quick)
#   quick: boots 1 10 30, alive 1 10.  PODS_BOOTS="1 10", PODS_ALIVE="1 10" override;
#   CONTAINERD=1.6|1.7|2.1 picks the release (default 1.6, the system's).
# Output: the table on stdout and in build/bench-results/pods.txt.  Exit 77 (skip) with
# "pods: n/a - <reason>" when root, containerd, runc, the CRI client's python modules, the shim
# or chibi are missing; 1 when the run failed.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=$ROOT/build/bench-results
MODE=${1:-${PODS_MODE:-full}}
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
case $MODE in
full) B="1 10 100" A="1 10 100" ;;
quick) B="1 10 30" A="1 10" ;;
*) echo "usage: sh bench/pods.sh [full|quick]" >&2; exit 2 ;;
esac
mkdir -p "$OUT"
na() {
	echo "pods: n/a - $*" | tee "$OUT/pods.txt"
	exit 77
}
[ "$(id -u)" = 0 ] || na "needs root (containerd, mounts, cgroups)"
if [ "${CONTAINERD:-1.6}" = 1.6 ]; then
	for b in containerd ctr; do command -v "$b" >/dev/null 2>&1 || na "$b not installed"; done
fi
for b in runc clang gcc; do command -v "$b" >/dev/null 2>&1 || na "$b not installed"; done
/usr/bin/python3 -c 'import grpc, grpc_tools' 2>/dev/null ||
	na "python3-grpcio / python3-grpc-tools missing (the CRI client)"
[ -x "$BUILD/containerd-shim-chibi-v1" ] || na "shim not built ($BUILD/containerd-shim-chibi-v1; make shim)"
[ -x "$BUILD/chibi" ] || na "chibi not built ($BUILD/chibi; make)"

LOG=$OUT/pods.log
# (e2e.sh takes BUILD relative to the top of the tree)
PODS_BOOTS=${PODS_BOOTS:-$B} PODS_ALIVE=${PODS_ALIVE:-$A} CRI_BENCH=pods \
	BUILD=$(realpath -m --relative-to="$ROOT" "$BUILD") \
	sh "$ROOT/shim/tests/cri/e2e.sh" >"$LOG" 2>&1
rc=$?
grep -q '^SKIP' "$LOG" && na "$(grep -m1 '^SKIP' "$LOG" | sed 's/^SKIP: *//')"
grep -q '^pods: ==' "$LOG" || {
	echo "pods: the run failed (rc $rc); last lines of $LOG:" >&2
	tail -20 "$LOG" >&2
	exit 1
}
{
	grep -m1 '^containerd ' "$LOG"
	echo "machine: $(nproc) cpus, $(uname -sr), mode $MODE"
	sed -n '/^pods: ==/,$p' "$LOG" | sed -n 's/^pods: //p'
	grep -E '^FAIL' "$LOG"
} | tee "$OUT/pods.txt"
[ $rc = 0 ] || { echo "pods: e2e.sh exited $rc (see $LOG)" >&2; exit 1; }
