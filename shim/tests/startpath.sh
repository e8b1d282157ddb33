#!/bin/sh
# shim/tests/startpath.sh - where a `ctr run --rm` of hello goes, step by step, chibi beside runc
# on one private containerd (lib.sh; CONTAINERD=1.6|1.7|2.1), from containerd's debug log.
#
# K runs per runtime after warm-ups, interleaved ABBA (chibi runc runc chibi ...) so that load
# drifts and containerd's deferred snapshot garbage collection (which the run after a delete
# pays for) hit both alike.  Each run is cut at the marks below; each mark's time is taken from
# the run's "prepare snapshot" (ms) and every step is the median over the runs of the time since
# the mark before it.  Marks in [brackets] are containerd's own events (both runtimes); the
# others are the chibi shim's debug lines ("trace ID STEP" from start, the daemon and the task
# runner, which writes to the same log fifo; shim/main.c, service.c, task/child.c):
#   [prepare]          ctr: snapshot prepare (the run's time 0)
#   [containers/create]
#   start              `shim start` running (after containerd made the bundle and exec'd it)
#   bootstrap          start read its stdin (bootstrap parameters)
#   listening|joined   start bound the group's socket, or found its daemon running
#   forked             start forked the daemon (then prints the address and exits)
#   serving            the daemon (re-exec'd) serves ttrpc
#   create             Create arrived
#   runner             the task runner was exec'd (Create goes on meanwhile)
#   module             the runner has the module (cache: mapped compiled file)
#   created            Create's reply is ready
#   [tasks/create]     ...
#   started            Start replied (the fifo readers were there)
#   released           the runner got the Start byte
#   instantiated       the instance exists, _start is called
#   exited             the daemon reaped the runner
#   delete             Delete arrived; deleted: it unmounted, removed the cgroup, replied
#   shutdown           the daemon exits (containerd's Shutdown after the last Delete)
#   [containers/delete] and wall = ctr's whole wall time.
# Also Create's and Delete's own steps (us) and the load average before and after.
# Usage: BUILD=build [K=30] shim/tests/startpath.sh  (root)
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/../.." && pwd)
case ${BUILD:-build} in /*) BUILD=$(cd "$BUILD" && pwd) ;; *) BUILD=$(cd "$TOP/${BUILD:-build}" && pwd) ;; esac
K=${K:-30}
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
chibi() { one io.containerd.chibi.v1 "$WI" "$1"; }
runc() { one io.containerd.runc.v2 "$NI" "$1"; }
for i in 1 2 3; do
	chibi warmc$i
	runc warmr$i
done
sleep 1 # the warm-ups' garbage collection
LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)
: >"$T/wall"
: >"$T/containerd.log"
i=0
while [ $i -lt "$K" ]; do
	if [ $((i % 2)) = 0 ]; then chibi spc$i; runc spr$i; else runc spr$i; chibi spc$i; fi
	i=$((i + 1))
done
LOAD1=$(cut -d' ' -f1-3 /proc/loadavg)
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
function add(rt, k, v) { n[rt, k]++; val[rt, k, n[rt, k]] = v }
function median(rt, k,   m, i, j, a, x) {
	m = n[rt, k]
	if (!m) return "-"
	for (i = 1; i <= m; i++) a[i] = val[rt, k, i]
	for (i = 2; i <= m; i++) { x = a[i]; for (j = i - 1; j >= 1 && a[j] > x; j--) a[j + 1] = a[j]; a[j + 1] = x }
	return sprintf("%.1f", (m % 2) ? a[(m + 1) / 2] : (a[m / 2] + a[m / 2 + 1]) / 2)
}
function mark(name) { if (!(name in at)) at[name] = ts($0) - t0 }
BEGIN {
	while ((getline l < wall) > 0) { split(l, w, " "); W[w[1]] = w[2] / 1000 }
	nm = split("[prepare] [containers/create] start bootstrap listening|joined forked serving create runner module created [tasks/create] started [tasks/start] released instantiated exited [tasks/exit] delete deleted [tasks/delete] shutdown [containers/delete]", order, " ")
}
/msg="prepare snapshot" key=sp[cr][0-9]/ {
	match($0, /key=sp[cr][0-9]+/); id = substr($0, RSTART + 4, RLENGTH - 4)
	rt = substr(id, 3, 1) == "c" ? "chibi" : "runc"
	t0 = ts($0); delete at; at["[prepare]"] = 0
	next
}
id == "" { next }
/topic=\/containers\/create/ { mark("[containers/create]") }
/topic=\/tasks\/create/ { mark("[tasks/create]") }
/topic=\/tasks\/start/ { mark("[tasks/start]") }
/topic=\/tasks\/exit/ { mark("[tasks/exit]") }
/topic=\/tasks\/delete/ { mark("[tasks/delete]") }
/msg="trace sp[cr][0-9]+ / {
	match($0, /msg="trace [^ ]+ [a-z]+/); split(substr($0, RSTART, RLENGTH), f, " ")
	s = f[3]; if (s == "listening" || s == "joined") s = "listening|joined"
	mark(s)
}
/msg="created task sp/ { mark("created") }
/msg="started task sp/ { mark("started") }
/msg="sp[cr][0-9]+: pid [0-9]+ exited/ { mark("exited") }
/msg="deleted task sp/ { mark("deleted") }
/level=info msg="shutdown" runtime=io.containerd.chibi/ { mark("shutdown") }
/msg="create sp.*: us spec/ || /msg="delete sp.*: us io/ {
	pfx = index($0, "msg=\"create") ? "  create." : "  delete."
	nf = split($0, f, " ")
	for (i = 1; i <= nf; i++)
		if (f[i] ~ /^(spec|rootfs|module|cgroup|spawn|join\+pidfile|event|io|unmount)$/) step = f[i]
		else if (step != "" && f[i] ~ /^[0-9]+"?$/) { sub(/"/, "", f[i]); add(rt, pfx step, f[i] / 1000); step = "" }
}
/msg="started task sp.* us waiting for the fifo readers/ {
	match($0, /\([0-9]+ us waiting/); add(rt, "  start.fifo-readers", substr($0, RSTART + 1, RLENGTH - 12) / 1000)
}
/topic=\/containers\/delete/ {
	mark("[containers/delete]")
	prev = ""
	for (i = 1; i <= nm; i++) {
		k = order[i]
		if (!(k in at)) continue
		add(rt, "at " k, at[k])
		if (prev != "") add(rt, "step " k, at[k] - at[prev])
		prev = k
	}
	add(rt, "wall", W[id])
	id = ""
}
END {
	printf "%-22s %9s %9s   %9s %9s\n", "median ms", "chibi at", "step", "runc at", "step"
	for (i = 1; i <= nm; i++) {
		k = order[i]
		if (!n["chibi", "at " k] && !n["runc", "at " k]) continue
		printf "%-22s %9s %9s   %9s %9s\n", k, median("chibi", "at " k), median("chibi", "step " k),
			median("runc", "at " k), median("runc", "step " k)
	}
	printf "%-22s %9s %9s   %9s %9s\n", "wall (ctr run --rm)", median("chibi", "wall"), "", median("runc", "wall"), ""
	split("  create.spec|  create.rootfs|  create.module|  create.cgroup|  create.spawn|  create.join+pidfile|  create.event|  start.fifo-readers|  delete.io|  delete.unmount|  delete.cgroup|  delete.event", sub_, "|")
	printf "chibi shim steps (median ms):"
	for (i = 1; i in sub_; i++) if (n["chibi", sub_[i]]) { s = sub_[i]; gsub(/ /, "", s); printf " %s %s", s, median("chibi", sub_[i]) }
	printf "\n"
}' "$T/containerd.log"
echo "(K=$K runs each, ABBA; load average before $LOAD0, after $LOAD1; containerd $CTRD_VERSION)"
