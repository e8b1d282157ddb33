#!/bin/sh
# shim/tests/measure.sh - chibi shim vs runc, side by side on one private containerd.
#
# 1. median wall time of `ctr run --rm` for hello.c as wasm (chibi) and as a static native
#    binary (runc), runs interleaved so machine noise hits both alike;
# 2. peak RSS (VmHWM) of one containerd-shim-chibi-v1 vs one containerd-shim-runc-v2, each
#    with a sleeping task, plus the task processes themselves;
# 3. binary sizes (the shim and its task runner).
# Usage: BUILD=build [N=20] shim/tests/measure.sh   (root; containerd, runc, clang, gcc)
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/../.." && pwd)
BUILD=$(cd "$TOP/${BUILD:-build}" && pwd)
N=${N:-20}
NS=chibi-measure
. "$HERE/lib.sh"
lab_need
command -v gcc >/dev/null || { echo "SKIP: gcc needed for the static native hello"; exit 0; }
trap 'lab_down' EXIT
trap 'exit 130' INT TERM
lab_up || exit 1
W=$T/w
mkdir -p "$W"

lab_hello_images "$W" docker.io/library/m-wasm:1 docker.io/library/m-native:1 || exit 1

now_ms() { echo $(($(date +%s%N) / 1000000)); }
median() { sort -n | awk '{a[NR] = $1} END {m = (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2; printf "%d ms (min %d, max %d, n=%d)", m, a[1], a[NR], NR}'; }
one() { # RUNTIME IMAGE ID -> prints ms, checks output
	t0=$(now_ms)
	out=$(C run --rm --runtime "$1" "$2" "$3" 2>&1)
	t1=$(now_ms)
	case "$out" in *"hello from a container"*) echo $((t1 - t0)) ;; *) echo "run failed: $out" >&2 ;; esac
}

# Warm up both paths (page cache, containerd's first-use costs), then interleave.
for i in 1 2 3; do
	one io.containerd.chibi.v1 docker.io/library/m-wasm:1 warm-c$i >/dev/null
	one io.containerd.runc.v2 docker.io/library/m-native:1 warm-r$i >/dev/null
done
: >"$W/chibi.ms"
: >"$W/runc.ms"
i=0
while [ $i -lt "$N" ]; do
	one io.containerd.chibi.v1 docker.io/library/m-wasm:1 c$i >>"$W/chibi.ms"
	one io.containerd.runc.v2 docker.io/library/m-native:1 r$i >>"$W/runc.ms"
	i=$((i + 1))
done

hwm() { awk '/^VmHWM/ {print $2}' "/proc/$1/status" 2>/dev/null; }
rss() { awk '/^VmRSS/ {r = $2} /^RssAnon/ {a = $2} /^RssFile/ {f = $2} END {printf "%s (anon %s, file %s)", r, a, f}' "/proc/$1/status" 2>/dev/null; }
C run -d --runtime io.containerd.chibi.v1 docker.io/library/m-wasm:1 m-c /probe.wasm sleep 30 >/dev/null
C run -d --runtime io.containerd.runc.v2 docker.io/library/m-native:1 m-r /probe sleep 30 >/dev/null
sleep 1
C task metrics m-c >/dev/null 2>&1 # one Stats call, so the numbers include serving it
C task ps m-c >/dev/null 2>&1
CS=$(pgrep -f "containerd-shim-chibi-v1 -namespace $NS -id m-c" | head -1)
RS=$(pgrep -f "containerd-shim-runc-v2 -namespace $NS -id m-r" | head -1)
CT=$(C task ls | awk '$1 == "m-c" {print $2}')
RT=$(C task ls | awk '$1 == "m-r" {print $2}')

SB=$BUILD/containerd-shim-chibi-v1
TB=$BUILD/containerd-shim-chibi-v1-task
strip -o "$W/shim.stripped" "$SB"
strip -o "$W/task.stripped" "$TB"
RB=$(command -v containerd-shim-runc-v2)

echo "== ctr run --rm, hello, $N interleaved runs each (after 3 warm-ups) =="
echo "chibi (wasm, io.containerd.chibi.v1): $(median <"$W/chibi.ms")"
echo "runc  (static native, runc.v2):       $(median <"$W/runc.ms")"
echo "== peak RSS while a task sleeps (VmHWM / VmRSS, KiB) =="
echo "containerd-shim-chibi-v1 pid $CS:  $(hwm "$CS") / $(rss "$CS")   threads $(awk '/^Threads/ {print $2}' /proc/$CS/status)"
echo "containerd-shim-runc-v2  pid $RS:  $(hwm "$RS") / $(rss "$RS")   threads $(awk '/^Threads/ {print $2}' /proc/$RS/status)"
echo "task: chibi wasm child pid $CT: $(hwm "$CT") / $(rss "$CT");  runc native pid $RT: $(hwm "$RT") / $(rss "$RT")"
echo "== binary sizes (bytes) =="
echo "containerd-shim-chibi-v1: $(stat -c %s "$SB") (stripped $(stat -c %s "$W/shim.stripped"); dynamic: $(ldd "$SB" 2>&1 | awk '{print $1}' | tr '\n' ' '))"
echo "containerd-shim-chibi-v1-task: $(stat -c %s "$TB") (stripped $(stat -c %s "$W/task.stripped"))"
echo "containerd-shim-runc-v2:  $(stat -c %s "$RB") (+ runc $(stat -c %s "$(command -v runc)"))"
