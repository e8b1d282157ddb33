#!/bin/sh
# shim/tests/createfail.sh - a container's first Create fails, N times in a row: every run must
# end with the shim's own error (here: a missing bind mount source), never "ttrpc: closed", and
# leave no shim, socket, mount or cgroup behind.
#
# The regression test of the first-Create race (docs/RATIONALE.md, "the first Create's reply"):
# the daemon's exit check (the linger thread that ends a daemon whose first Create never comes)
# used to see "no task, no container on its way" between a failing Create's handler and its
# reply, and exit before the reply was written (1 e2e run in 5 on a busy machine; 4 in 200
# loops here under load).  Runs in e2e.sh with CREATEFAIL_N=20; by itself, N=200:
#   BUILD=build CREATEFAIL_N=200 shim/tests/createfail.sh   (root; skips like e2e.sh)
# CREATEFAIL_LAB=1 means "run by e2e.sh": use its lab (T, NS, IMG, CTR in the environment).
set -u
if [ "${CREATEFAIL_LAB:-0}" != 1 ]; then
	HERE=$(cd "$(dirname "$0")" && pwd)
	TOP=$(cd "$HERE/../.." && pwd)
	BUILD=$(cd "$TOP/${BUILD:-build}" && pwd)
	NS=chibi-cf-$$
	IMG=docker.io/library/chibi-probe:cf
	. "$HERE/lib.sh"
	lab_up_probe
fi

N=${CREATEFAIL_N:-200}
socks0=$(ls "$T/s" 2>/dev/null | wc -l)
mounts0=$(grep -c " $T/state" /proc/mounts)
i=1 good=0 closed=0 other=0
: >"$T/cf.bad"
while [ $i -le "$N" ]; do
	timeout 60 "${CTR:-ctr}" --address "$T/c.sock" -n "$NS" run --rm \
		--runtime io.containerd.chibi.v1 \
		--mount "type=bind,src=$T/nonexistent,dst=/etc/x,options=rbind:ro" \
		"$IMG" "t-cf$i" /probe.wasm hello >"$T/cf.out" 2>&1
	rc=$?
	if [ $rc = 1 ] && grep -q "mount source .*nonexistent" "$T/cf.out"; then
		good=$((good + 1))
	else
		if grep -q "ttrpc: closed" "$T/cf.out"; then closed=$((closed + 1)); else other=$((other + 1)); fi
		echo "t-cf$i: rc=$rc $(head -c 300 "$T/cf.out")" >>"$T/cf.bad"
	fi
	# ctr run --rm leaves the container when the task's Create fails.
	timeout 60 "${CTR:-ctr}" --address "$T/c.sock" -n "$NS" container delete "t-cf$i" >/dev/null 2>&1
	i=$((i + 1))
done
# The shims of the failed creates exit after containerd's Shutdown: wait for that (not a sleep).
i=0
while [ $i -lt 100 ] && pgrep -f "containerd-shim-chibi-v1 -namespace $NS -id t-cf" >/dev/null; do
	sleep 0.1; i=$((i + 1))
done
left=$(pgrep -f "containerd-shim-chibi-v1 -namespace $NS -id t-cf" | wc -l)
socks=$(ls "$T/s" 2>/dev/null | wc -l)
mounts=$(grep -c " $T/state" /proc/mounts)
echo "createfail: $good of $N creates failed cleanly ($closed ttrpc: closed, $other other);" \
	"left: $left shims, $socks sockets, $mounts mounts"
[ -s "$T/cf.bad" ] && head -5 "$T/cf.bad"
[ "$good" = "$N" ] && [ "$left" = 0 ] && [ "$socks" -le "$socks0" ] && [ "$mounts" -le "$mounts0" ]
