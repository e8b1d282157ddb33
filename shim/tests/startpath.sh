#!/bin/sh
# shim/tests/startpath.sh - where a `ctr run --rm` of hello goes, step by step, chibi beside runc
# on one private containerd (lib.sh; CONTAINERD=1.6|1.7|2.1), from containerd's debug log.
#
# For K runs per runtime (interleaved, after warm-ups) it splits each run at containerd's own
# events and, for chibi, at the shim's debug lines:
#   prep     snapshot prepare -> /containers/create        (containerd + ctr: both runtimes)
#   shim     /containers/create -> task created            (shim start, daemon up, Create)
#     .up      /containers/create -> shim serving           (chibi: start + exec of the daemon)
#     .create  Create's own steps (chibi: spec, rootfs, module, cgroup, spawn, ...)
#   start    /tasks/create -> /tasks/start
#   run      /tasks/start -> /tasks/exit                   (the program itself)
#   delete   /tasks/exit -> /tasks/delete
#   teardown /tasks/delete -> /containers/delete           (containerd: shim shutdown, snapshot)
#   wall     ctr's whole wall time
# Prints the median of each (ms).  Usage: BUILD=build [K=15] shim/tests/startpath.sh  (root)
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/../.." && pwd)
BUILD=$(cd "$TOP/${BUILD:-build}" && pwd)
K=${K:-15}
NS=chibi-startpath
. "$HERE/lib.sh"
lab_need >/dev/null
command -v gcc >/dev/null || { echo "SKIP: gcc needed for the static native hello"; exit 0; }
trap 'lab_down' EXIT
trap 'exit 130' INT TERM
lab_up >/dev/null || exit 1
WI=docker.io/library/sp-wasm:1
NI=docker.io/library/sp-native:1
lab_hello_images "$T/w" "$WI" "$NI" >/dev/null 2>&1 || { echo "images failed"; exit 1; }
now_ns() { date +%s%N; }
one() { # RUNTIME IMAGE ID
	t0=$(now_ns)
	C run --rm --runtime "$1" "$2" "$3" >/dev/null 2>&1
	echo "$3 $((($(now_ns) - t0) / 1000))" >>"$T/wall"
}
for i in 1 2 3; do
	one io.containerd.chibi.v1 "$WI" warmc$i
	one io.containerd.runc.v2 "$NI" warmr$i
done
: >"$T/wall"
: >"$T/containerd.log"
i=0
while [ $i -lt "$K" ]; do
	one io.containerd.chibi.v1 "$WI" spc$i
	one io.containerd.runc.v2 "$NI" spr$i
	i=$((i + 1))
done
sleep 0.5
# One run's lines lie between its "prepare snapshot" key=ID and its /containers/delete (runs
# are sequential).  Timestamps: time="...THH:MM:SS.NNNNNNNNNZ".
awk -v wall="$T/wall" '
function ts(l,   t, h) {
	match(l, /T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]\.[0-9]+Z/)
	t = substr(l, RSTART + 1, RLENGTH - 2)
	split(t, h, ":")
	return (h[1] * 3600 + h[2] * 60 + h[3]) * 1000
}
function add(rt, k, v) { n[rt, k]++; val[rt, k, n[rt, k]] = v; keys[k] = 1 }
function median(rt, k,   m, i, j, a, x) {
	m = n[rt, k]
	if (!m) return "-"
	for (i = 1; i <= m; i++) a[i] = val[rt, k, i]
	for (i = 2; i <= m; i++) { x = a[i]; for (j = i - 1; j >= 1 && a[j] > x; j--) a[j + 1] = a[j]; a[j + 1] = x }
	return sprintf("%.1f", (m % 2) ? a[(m + 1) / 2] : (a[m / 2] + a[m / 2 + 1]) / 2)
}
BEGIN { while ((getline l < wall) > 0) { split(l, w, " "); W[w[1]] = w[2] / 1000 } }
/msg="prepare snapshot" key=sp[cr][0-9]/ {
	match($0, /key=sp[cr][0-9]+/); id = substr($0, RSTART + 4, RLENGTH - 4)
	rt = substr(id, 3, 1) == "c" ? "chibi" : "runc"
	t_prep = ts($0); t_cc = t_up = t_created = t_tc = t_ts = t_te = t_td = 0
	next
}
id == "" { next }
/topic=\/containers\/create/ && !t_cc { t_cc = ts($0) }
/msg="chibi shim .* serving/ { t_up = ts($0) }
/msg="create sp.*: us spec/ {
	nf = split($0, f, " ")
	for (i = 1; i <= nf; i++) if (f[i] ~ /^(spec|rootfs|module|cgroup|spawn|join\+pidfile|event)$/) step = f[i]; else if (step != "" && f[i] ~ /^[0-9]+"?$/) { sub(/"/, "", f[i]); add(rt, "  create." step, f[i] / 1000); step = "" }
}
/msg="started task sp.* us waiting for the fifo readers/ {
	match($0, /\([0-9]+ us waiting/); add(rt, "  start.fifo-readers", substr($0, RSTART + 1, RLENGTH - 12) / 1000)
}
/topic=\/tasks\/create/ { t_tc = ts($0) }
/topic=\/tasks\/start/ { t_ts = ts($0) }
/topic=\/tasks\/exit/ { t_te = ts($0) }
/topic=\/tasks\/delete/ { t_td = ts($0) }
/topic=\/containers\/delete/ {
	add(rt, "prep", t_cc - t_prep)
	add(rt, "shim", t_tc - t_cc)
	if (t_up) add(rt, "  shim.up", t_up - t_cc)
	if (t_up) add(rt, "  shim.connect+create", t_tc - t_up)
	add(rt, "start", t_ts - t_tc)
	add(rt, "run", t_te - t_ts)
	add(rt, "delete", t_td - t_te)
	add(rt, "teardown", ts($0) - t_td)
	add(rt, "total (prepare..containers/delete)", ts($0) - t_prep)
	add(rt, "wall (ctr run --rm)", W[id])
	id = ""
}
END {
	printf "%-36s %10s %10s\n", "median ms", "chibi", "runc"
	split("prep|shim|  shim.up|  shim.connect+create|  create.spec|  create.rootfs|  create.module|  create.cgroup|  create.spawn|  create.join+pidfile|  create.event|start|  start.fifo-readers|run|delete|teardown|total (prepare..containers/delete)|wall (ctr run --rm)", order, "|")
	for (i = 1; i in order; i++) printf "%-36s %10s %10s\n", order[i], median("chibi", order[i]), median("runc", order[i])
}' "$T/containerd.log"
echo "(K=$K runs each, containerd $CTRD_VERSION)"
