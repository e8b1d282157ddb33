#!/bin/sh
# shim/tests/cdkill.sh - SIGKILL of containerd itself at a random point of a container's
# Create, Start, run or Delete, CDKILL_N times (issue 18).  After each kill containerd is
# restarted and the container must converge: its task still runs (or was created) and can be
# killed and deleted, or it stopped and can be deleted, or it is gone; ctr never hangs; and once it is
# deleted nothing of it is left: no shim daemon, task runner, shim socket, mount or cgroup.
#
# The runs take turns among three shapes (the kill's delay after ctr started):
#   create  `ctr run -d ... sleep 30`, 0-0.3 s: before `shim start`, inside Create or Start;
#   run     `ctr run --rm ... sleep 1`, 0-1.5 s, mostly early: Create, Start, the run, Delete;
#   delete  a task that exited, `ctr task delete`, 0-0.1 s.
# Every odd run puts the container in a shim group with a long-lived sleeper, so the kill also
# lands on a daemon that serves another task (that task must survive every restart).
#
# By itself:  BUILD=build CDKILL_N=20 shim/tests/cdkill.sh   (root; skips like e2e.sh)
# CDKILL_LAB=1 means "run by soak.sh or e2e.sh": use their lab (T, NS, IMG, CTR, CTRD_DIR,
# BUILD in the environment); containerd is restarted with lab_start, and its new pid is in
# $T/cd.pid afterwards.  Prints one line per run and a summary; exit 0 when every run
# converged.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
if [ "${CDKILL_LAB:-0}" != 1 ]; then
	TOP=$(cd "$HERE/../.." && pwd)
	BUILD=$(cd "$TOP/${BUILD:-build}" && pwd)
	NS=chibi-cdkill-$$
	IMG=docker.io/library/chibi-probe:cdkill
	. "$HERE/lib.sh"
	lab_up_probe
else
	. "$HERE/lib.sh"
	CD_PID=$(cat "$T/cd.pid")
fi

N=${CDKILL_N:-20}
RT="--runtime io.containerd.chibi.v1"
GROUP="--annotation io.containerd.chibi.v1.group=cdkill"
# A pid file per lab: the caller's shell still holds its own CD_PID, so it learns the new one.
save_pid() { echo "$CD_PID" >"$T/cd.pid"; }

shim_of() { pgrep -f "containerd-shim-chibi-v1 -namespace $NS -id $1( |\$)" | head -1; }
runner_of() { pgrep -f "containerd-shim-chibi-v1-task .*--id $1 " | head -1; }
status_of() { C task ls 2>/dev/null | awk -v id="$1" '$1 == id {print $3}'; }
cgroup_of() { find /sys/fs/cgroup/*/"$NS/$1" /sys/fs/cgroup/"$NS/$1" -maxdepth 0 -type d 2>/dev/null; }
# leftovers ID [grouped]: what of container ID is still on the machine (empty: nothing).  The
# bundle of a grouped container whose task the group's daemon never had (or had deleted) is
# containerd's: it stays while the daemon serves the group and goes when the daemon exits
# (containerd's cleanup of a dead shim), checked at the end.
leftovers() {
	_l=
	[ -n "$(shim_of "$1")" ] && _l="$_l shim:$(shim_of "$1")"
	[ -n "$(runner_of "$1")" ] && _l="$_l runner:$(runner_of "$1")"
	grep -q " $T/state/.*/$1/" /proc/mounts && _l="$_l mount"
	[ -n "$(cgroup_of "$1")" ] && _l="$_l cgroup"
	[ -z "${2:-}" ] && [ -d "$T/state/io.containerd.runtime.v2.task/$NS/$1" ] && _l="$_l bundle"
	C task ls -q 2>/dev/null | grep -qx "$1" && _l="$_l task"
	C container ls -q 2>/dev/null | grep -qx "$1" && _l="$_l container"
	echo "$_l"
}
socks() { ls "$T/s" 2>/dev/null | wc -l; }

# The group's sleeper: the daemon it lives on serves half of the runs below.
C run -d $RT $GROUP "$IMG" cdk-keep /probe.wasm sleep 100000 >/dev/null 2>&1
lab_wait_status cdk-keep RUNNING 300 || { echo "FAIL the group's sleeper does not run"; exit 1; }
KEEP_SHIM=$(shim_of cdk-keep)
socks0=$(socks)

bad=0 run=1
: >"$T/cdkill.log"
while [ $run -le "$N" ]; do
	id=cdk-$run
	g=; [ $((run % 2)) = 1 ] && g=$GROUP
	case $((run % 3)) in 0) shape=create ;; 1) shape=run ;; *) shape=delete ;; esac
	# the kill's delay: mostly early in run (rand squared), where Create and Start are
	r=$(awk -v s="$run$$" 'BEGIN {srand(s); print rand()}')
	case $shape in
	create)
		delay=$(awk -v r="$r" 'BEGIN {printf "%.3f", r * 0.3}')
		timeout 60 "$CTR" --address "$T/c.sock" -n "$NS" run -d $RT $g "$IMG" "$id" \
			/probe.wasm sleep 30 >"$T/cdk.out" 2>&1 &
		;;
	run)
		delay=$(awk -v r="$r" 'BEGIN {printf "%.3f", r * r * 1.5}')
		timeout 60 "$CTR" --address "$T/c.sock" -n "$NS" run --rm $RT $g "$IMG" "$id" \
			/probe.wasm sleep 1 >"$T/cdk.out" 2>&1 &
		;;
	delete)
		delay=$(awk -v r="$r" 'BEGIN {printf "%.3f", r * 0.1}')
		C run -d $RT $g "$IMG" "$id" /probe.wasm exit 3 >/dev/null 2>&1
		lab_wait_status "$id" STOPPED 100
		timeout 60 "$CTR" --address "$T/c.sock" -n "$NS" task delete "$id" >"$T/cdk.out" 2>&1 &
		;;
	esac
	cpid=$!
	sleep "$delay"
	kill -KILL "$CD_PID" 2>/dev/null
	wait "$CD_PID" 2>/dev/null
	CD_PID=
	wait "$cpid"
	rc=$?
	lab_start >/dev/null || { echo "FAIL containerd does not come back after run $run"; save_pid; exit 1; }
	save_pid
	# Converge: whatever state containerd reports now must lead to a deleted container.
	st=$(status_of "$id")
	why=
	case $st in
	CREATED | RUNNING | PAUSED)
		# containerd's client deletes only a stopped task (a created one too, but only
		# with -f, which is this kill): as with runc
		C task kill -s SIGKILL "$id" >/dev/null 2>&1
		lab_wait_status "$id" STOPPED 100 || why="still $(status_of "$id") after SIGKILL"
		;;
	esac
	if [ -n "$st" ] && [ -z "$why" ]; then
		C task delete "$id" >"$T/cdk.del" 2>&1 ||
			{ [ -n "$(status_of "$id")" ] && why="task delete: $(sed 's/.*msg=//' "$T/cdk.del" | head -c 300)"; }
	fi
	C container rm "$id" >/dev/null 2>&1
	# The daemon of an own-shim container exits after its Shutdown, the socket with it.
	j=0
	while [ $j -lt 100 ] && [ -n "$(leftovers "$id" ${g:+grouped})" ]; do j=$((j + 1)); sleep 0.1; done
	left=$(leftovers "$id" ${g:+grouped})
	[ -n "$left" ] && why="${why:+$why; }left:$left"
	[ $rc = 124 ] && why="${why:+$why; }ctr hung"
	keep=$(status_of cdk-keep)
	[ "$keep" = RUNNING ] && [ "$(shim_of cdk-keep)" = "$KEEP_SHIM" ] ||
		why="${why:+$why; }the group's sleeper: ${keep:-gone}, shim $(shim_of cdk-keep) (was $KEEP_SHIM)"
	line="cdkill: $id ($shape${g:+, grouped}): containerd killed after ${delay}s: ctr $rc: $(tr '\n' ' ' <"$T/cdk.out" | cut -c1-100) | after restart: ${st:-no task}"
	if [ -n "$why" ]; then
		bad=$((bad + 1)); echo "$line | FAIL: $why"
	else
		echo "$line | ok"
	fi
	run=$((run + 1))
done
C task kill -s SIGKILL cdk-keep >/dev/null 2>&1
lab_wait_status cdk-keep STOPPED 100
C task delete cdk-keep >/dev/null 2>&1
C container rm cdk-keep >/dev/null 2>&1
j=0
while [ $j -lt 100 ] && { [ -n "$(leftovers cdk-keep)" ] || [ "$(socks)" -ge "$socks0" ]; }; do j=$((j + 1)); sleep 0.1; done
[ -n "$(leftovers cdk-keep)" ] && { bad=$((bad + 1)); echo "cdkill: the sleeper left:$(leftovers cdk-keep)"; }
j=0
while [ $j -lt 100 ] && ls "$T/state/io.containerd.runtime.v2.task/$NS" 2>/dev/null | grep -q '^cdk-'; do
	j=$((j + 1)); sleep 0.1
done
ls "$T/state/io.containerd.runtime.v2.task/$NS" 2>/dev/null | grep -q '^cdk-' && {
	bad=$((bad + 1)); echo "cdkill: bundles left: $(ls "$T/state/io.containerd.runtime.v2.task/$NS")"; }
[ "$(socks)" -lt "$socks0" ] || { bad=$((bad + 1)); echo "cdkill: shim sockets left: $(ls "$T/s")"; }
echo "cdkill: $((N - bad)) of $N runs converged after a SIGKILL of containerd"
[ $bad = 0 ]
