#!/bin/sh
# shim/tests/soak.sh - the shim under load and faults (issue 18; `make soak-shim`, a campaign,
# not part of `make test`).  A private containerd (lib.sh), then:
#   1. SOAK_SEQ containers back to back (`ctr run --rm` of hello), every other one in the
#      group of a long-lived sleeper, so one shim daemon serves half of them: containerd's
#      RSS and fds, the grouped daemon's RSS, and the counts of shims, task runners, mounts,
#      cgroups and shim sockets are printed every SOAK_SEQ/10 runs and must come back to
#      where they started (RSS: printed, and bounded by SOAK_RSS_GROWTH percent);
#   2. SOAK_PAR containers at once (`ctr run -d`, SOAK_JOBS clients in parallel), all
#      RUNNING, then all deleted: the same counts back to zero;
#   3. SOAK_KILLS runs whose shim or task runner gets SIGKILL a random time after it appears
#      (inside Create, Start, the run or Delete): ctr must end (an error or an exit status) within
#      its timeout, and the task must be gone or deletable, never stuck;
#   4. the shims' state directory (containerd's v2 task dir) on a full tmpfs, then with one,
#      two, ... free pages: each run ends cleanly and leaves nothing behind;
#   5. the task runner binary missing beside the shim: a clean Create error, nothing left;
#   6. SOAK_CD_KILLS runs whose containerd gets SIGKILL at a random point of Create, Start, the
#      run or Delete (cdkill.sh), then restarts: each container converges, nothing left.
# Slow on a loaded machine: SOAK_SEQ=100 SOAK_PAR=20 SOAK_KILLS=10 SOAK_CD_KILLS=10 for a first
# pass.
# Usage: BUILD=/abs/build shim/tests/soak.sh   (root; skips like e2e.sh without containerd)
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/../.." && pwd)
: "${BUILD:?set BUILD to the absolute build directory}"
NS=chibi-soak
RT="--runtime io.containerd.chibi.v1"
IMG=docker.io/library/soak-wasm:1
SEQ=${SOAK_SEQ:-1000}
PAR=${SOAK_PAR:-200}
JOBS=${SOAK_JOBS:-25}
KILLS=${SOAK_KILLS:-50}
CD_KILLS=${SOAK_CD_KILLS:-50}
RSS_GROWTH=${SOAK_RSS_GROWTH:-25}
GROUP="--annotation io.containerd.chibi.v1.group=soak"
. "$HERE/lib.sh"

pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok   $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1"; [ -n "${2:-}" ] && printf '%s\n' "$2" | sed 's/^/     /' | head -20; }

lab_need
[ -x "$BUILD/containerd-shim-chibi-v1" ] && [ -x "$BUILD/containerd-shim-chibi-v1-task" ] ||
	{ echo "build the shim first (make shim)"; exit 1; }
BUILD0=$BUILD
trap 'BUILD=$BUILD0; lab_down' EXIT
trap 'exit 130' INT TERM
lab_up || exit 1
lab_hello_images "$T/img" "$IMG" docker.io/library/soak-native:1 >/dev/null || exit 1

rss_of() { awk '/^VmRSS/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }
runners() { pgrep -f "containerd-shim-chibi-v1-task .*$T/" 2>/dev/null | wc -l; }
cgroups() {
	find /sys/fs/cgroup/*/"$NS" /sys/fs/cgroup/"$NS" -mindepth 1 -type d 2>/dev/null | wc -l
}
# counts LABEL: one line of figures; sets the variables the checks compare
counts() {
	cd_rss=$(rss_of "$CD_PID")
	cd_fds=$(ls "/proc/$CD_PID/fd" | wc -l)
	shims=$(lab_shims | wc -l)
	shim_rss=0
	for p in $(lab_shims); do shim_rss=$((shim_rss + $(rss_of "$p"))); done
	nrun=$(runners)
	mounts=$(grep -c " $T/" /proc/mounts)
	ncg=$(cgroups)
	socks=$(ls "$T/s" 2>/dev/null | wc -l)
	tasks=$(C task ls -q 2>/dev/null | wc -l)
	ctrs=$(C container ls -q 2>/dev/null | wc -l)
	echo "soak: $1: containerd ${cd_rss} KB ${cd_fds} fds | shims $shims (${shim_rss} KB)" \
		"runners $nrun | mounts $mounts cgroups $ncg sockets $socks | tasks $tasks" \
		"containers $ctrs"
}
# settled N [TENTHS]: wait (up to 20 s) until at most N shims and N task runners are left
# (1 while the group's sleeper lives, 0 after)
settled() {
	_i=0
	while [ $_i -lt "${2:-200}" ]; do
		[ "$(runners)" -le "$1" ] && [ "$(lab_shims | wc -l)" -le "$1" ] && return 0
		_i=$((_i + 1)); sleep 0.1
	done
	echo "soak: not settled after $((${2:-200} / 10)) s: $(runners) runners, $(lab_shims | wc -l) shims"
	return 1
}
# same_as_base WHAT: the counts are those of the base snapshot (b_*)
same_as_base() {
	if [ "$mounts" = "$b_mounts" ] && [ "$ncg" = "$b_ncg" ] &&
		[ "$nrun" = "$b_nrun" ] && [ "$tasks" = "$b_tasks" ] && [ "$ctrs" = "$b_ctrs" ] &&
		[ "$socks" -le "$b_socks" ] &&
		[ "$shims" -le "$b_shims" ] && [ "$cd_fds" -le $((b_fds + 3)) ]; then
		ok "$1: nothing left (fds, mounts, cgroups, processes, sockets)"
	else
		bad "$1: something left" "$(counts now; C task ls; C container ls -q | head)"
	fi
}

# ---- 1. back to back ---------------------------------------------------------------------
C run -d $RT $GROUP "$IMG" soak-keep /probe.wasm sleep 100000 >/dev/null 2>&1
lab_wait_status soak-keep RUNNING 300 || { bad "the group's sleeper runs"; exit 1; }
KEEP_SHIM=$(lab_task_pids soak-keep | awk '{print $2}')
for i in 1 2 3 4 5; do C run --rm $RT "$IMG" "warm-$i" >/dev/null 2>&1; done
settled 1
counts "base"
b_mounts=$mounts b_ncg=$ncg b_tasks=$tasks b_ctrs=$ctrs b_socks=$socks b_shims=$shims
b_fds=$cd_fds b_rss=$cd_rss b_nrun=$nrun
keep0=$(rss_of "$KEEP_SHIM")
step=$((SEQ / 10)); [ "$step" -gt 0 ] || step=1
seq_fail=0 i=1 t0=$(date +%s)
while [ $i -le "$SEQ" ]; do
	g=; [ $((i % 2)) = 0 ] && g=$GROUP
	out=$(C run --rm $RT $g "$IMG" "seq-$i" 2>&1)
	if [ $? != 0 ] || ! printf '%s' "$out" | grep -q "hello from a container"; then
		seq_fail=$((seq_fail + 1))
		[ $seq_fail -le 3 ] && echo "soak: seq-$i: $out"
	fi
	if [ $((i % step)) = 0 ]; then
		counts "seq $i ($(($(date +%s) - t0)) s)" >"$T/line"
		echo "$(cat "$T/line") | group shim $(rss_of "$KEEP_SHIM") KB"
		[ $i -ge $((SEQ / 4)) ] && [ -z "${q_rss:-}" ] && q_rss=$cd_rss q_keep=$(rss_of "$KEEP_SHIM")
	fi
	i=$((i + 1))
done
if [ $seq_fail = 0 ]; then ok "$SEQ runs back to back, each printed hello"; else bad "$seq_fail of $SEQ runs failed"; fi
settled 1
counts "after $SEQ"
same_as_base "back to back"
keep1=$(rss_of "$KEEP_SHIM")
echo "soak: RSS: containerd $b_rss -> ${q_rss:-?} (a quarter in) -> $cd_rss KB;" \
	"the group's shim $keep0 -> ${q_keep:-?} -> $keep1 KB"
# flat: from a quarter in to the end (containerd's caches fill in the first runs)
if [ $((cd_rss * 100)) -le $(( ${q_rss:-$cd_rss} * (100 + RSS_GROWTH) )) ] &&
	[ $((keep1 * 100)) -le $(( ${q_keep:-$keep1} * (100 + RSS_GROWTH) )) ]; then
	ok "RSS flat (containerd, the grouped shim) within $RSS_GROWTH%"
else
	bad "RSS grew more than $RSS_GROWTH%"
fi

# ---- 2. many at once ---------------------------------------------------------------------
t0=$(date +%s)
seq 1 "$PAR" | xargs -P "$JOBS" -I{} timeout 300 "$CTR" --address "$T/c.sock" -n "$NS" \
	run -d $RT "$IMG" "par-{}" /probe.wasm sleep 100000 >/dev/null 2>"$T/par.err"
i=0
while [ "$(C task ls 2>/dev/null | awk '$1 ~ /^par-/ && $3 == "RUNNING"' | wc -l)" -lt "$PAR" ] &&
	[ $i -lt 600 ]; do i=$((i + 1)); sleep 0.5; done
n=$(C task ls 2>/dev/null | awk '$1 ~ /^par-/ && $3 == "RUNNING"' | wc -l)
counts "$PAR at once ($(($(date +%s) - t0)) s)"
if [ "$n" = "$PAR" ]; then ok "$PAR containers at once, all RUNNING"; else bad "$n of $PAR RUNNING" "$(sort -u "$T/par.err" | head -5)"; fi
[ "$shims" -gt 1 ] && echo "soak: $PAR at once: $shims shims, $((shim_rss / shims)) KB each on average, $nrun task runners"
lab_rm_all par-
settled 1
counts "after $PAR at once"
same_as_base "$PAR at once"

# ---- 3. SIGKILL of the shim or the task runner at a random point -------------------------
stuck=0 i=1
while [ $i -le "$KILLS" ]; do
	id=kill-$i
	if [ $((i % 2)) = 1 ]; then what=shim; else what=runner; fi
	# after the process appears, 0-2 s (the shim: Create, Start, the one-second run, Delete)
	# or 0-1.2 s (the runner: waiting for Start, or running)
	if [ $what = shim ]; then span=2; else span=1.2; fi
	delay=$(awk -v s="$i$$" -v m=$span 'BEGIN {srand(s); printf "%.3f", rand() * m}')
	timeout 90 "$CTR" --address "$T/c.sock" -n "$NS" run --rm $RT "$IMG" "$id" \
		/probe.wasm sleep 1 >"$T/kill.out" 2>&1 &
	cpid=$!
	pid= j=0
	while [ -z "$pid" ] && [ $j -lt 100 ] && kill -0 "$cpid" 2>/dev/null; do
		if [ $what = shim ]; then # the daemon, not containerd's `start` or `delete` calls
			pid=$(pgrep -af "containerd-shim-chibi-v1 .*-id $id( |$)" |
				awk '$NF != "start" && $NF != "delete" {print $1; exit}')
		else
			pid=$(pgrep -f "containerd-shim-chibi-v1-task .*--id $id " | head -1)
		fi
		[ -n "$pid" ] || { j=$((j + 1)); sleep 0.02; }
	done
	sleep "$delay"
	[ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null
	wait "$cpid"
	rc=$?
	left=$(C task ls 2>/dev/null | awk -v id="$id" '$1 == id {print $3}')
	if [ "$rc" = 124 ]; then
		stuck=$((stuck + 1)); echo "soak: $id ($what after ${delay}s): ctr hung"
	elif [ -n "$left" ] && ! C task delete -f "$id" >/dev/null 2>&1; then
		stuck=$((stuck + 1)); echo "soak: $id ($what after ${delay}s): task $left, not deletable"
	fi
	C container rm "$id" >/dev/null 2>&1
	echo "soak: $id: SIGKILL $what ${delay}s after it appeared (${pid:-never seen}): ctr $rc: $(tr '\n' ' ' <"$T/kill.out" | cut -c1-120)"
	i=$((i + 1))
done
if [ $stuck = 0 ]; then ok "$KILLS SIGKILLs: ctr always ended, no task stuck"; else bad "$stuck of $KILLS SIGKILLs left something stuck"; fi
settled 1
counts "after the kills"
same_as_base "SIGKILLs"

# ---- 4. the state directory full -----------------------------------------------------------
SD=$T/state/io.containerd.runtime.v2.task/$NS
mkdir -p "$SD"
# the sleeper's bundle lives there: stop it first, then a 256 KiB tmpfs over the directory
C task delete -f soak-keep >/dev/null 2>&1; C container rm soak-keep >/dev/null 2>&1
settled 0
counts "base without the sleeper"
b_tasks=$tasks b_ctrs=$ctrs b_socks=$socks b_shims=$shims b_nrun=$nrun b_mounts=$mounts
b_ncg=$ncg b_fds=$cd_fds
mount -t tmpfs -o size=256k tmpfs "$SD" || { bad "cannot mount a tmpfs on $SD"; SD=; }
if [ -n "$SD" ]; then
	dd if=/dev/zero of="$SD/.fill" bs=4k count=64 >/dev/null 2>&1
	full_bad=0
	for free in 0 1 2 3 4 6 8; do
		rm -f "$SD/.fill"
		dd if=/dev/zero of="$SD/.fill" bs=4k count=64 >/dev/null 2>&1
		[ "$free" -gt 0 ] && truncate -s -$((free * 4))k "$SD/.fill"
		timeout 90 "$CTR" --address "$T/c.sock" -n "$NS" run --rm $RT "$IMG" "full-$free" \
			>"$T/full.out" 2>&1
		rc=$?
		left=$(C task ls 2>/dev/null | awk -v id="full-$free" '$1 == id {print $3}')
		echo "soak: state dir full, $free free pages: ctr $rc: $(tr '\n' ' ' <"$T/full.out" | cut -c1-150)"
		if [ $rc = 124 ] || { [ -n "$left" ] && ! C task delete -f "full-$free" >/dev/null 2>&1; }; then
			full_bad=$((full_bad + 1))
		fi
		C container rm "full-$free" >/dev/null 2>&1
	done
	rm -f "$SD/.fill"
	C run --rm $RT "$IMG" full-after >"$T/full.out" 2>&1
	if grep -q "hello from a container" "$T/full.out"; then ok "runs again once the state directory has room"; else bad "no run after the state directory had room" "$(cat "$T/full.out")"; fi
	if [ $full_bad = 0 ]; then ok "state directory full: a clean end every time"; else bad "state directory full: $full_bad runs hung or stuck"; fi
	# containerd gives up on a started shim it could not record (shim-binary-path): that
	# daemon gets neither Create nor Shutdown and must leave by itself (60 s, service.c)
	t0=$(date +%s)
	if settled 0 800; then ok "a daemon containerd gave up on exits by itself ($(($(date +%s) - t0)) s)"; else bad "a daemon containerd gave up on stays" "$(lab_shims | xargs -r ps -o pid,etime,args -p)"; fi
	umount "$SD" 2>/dev/null || umount -l "$SD"
fi

# ---- 5. the task runner missing --------------------------------------------------------------
mkdir -p "$T/norunner"
cp "$BUILD0/containerd-shim-chibi-v1" "$T/norunner/"
ln -s "$BUILD0/chibi" "$T/norunner/chibi"
lab_stop_containerd
BUILD=$T/norunner
lab_start || { bad "containerd restarts without the runner"; exit 1; }
BUILD=$BUILD0
timeout 90 "$CTR" --address "$T/c.sock" -n "$NS" run --rm $RT "$IMG" no-runner >"$T/nr.out" 2>&1
rc=$?
left=$(C task ls 2>/dev/null | awk '$1 == "no-runner" {print $3}')
echo "soak: runner missing: ctr $rc: $(tr '\n' ' ' <"$T/nr.out" | cut -c1-200)"
if [ $rc != 0 ] && [ $rc != 124 ] && [ -z "$left" ] && grep -q "containerd-shim-chibi-v1-task" "$T/nr.out"; then
	ok "task runner missing: a clean Create error naming it"
else
	bad "task runner missing" "$(cat "$T/nr.out"; C task ls)"
fi
C container rm no-runner >/dev/null 2>&1
settled 0
lab_stop_containerd
lab_start || exit 1

# ---- 6. SIGKILL of containerd at a random point ----------------------------------------------
if [ "$CD_KILLS" -gt 0 ]; then
	echo "$CD_PID" >"$T/cd.pid"
	CDKILL_LAB=1 CDKILL_N=$CD_KILLS T=$T NS=$NS IMG=$IMG CTR=$CTR CTRD_DIR=${CTRD_DIR:-} \
		BUILD=$BUILD sh "$HERE/cdkill.sh" | tee "$T/cdkill.out"
	CD_PID=$(cat "$T/cd.pid")
	if grep -q "^cdkill: $CD_KILLS of $CD_KILLS runs converged" "$T/cdkill.out"; then
		ok "$CD_KILLS SIGKILLs of containerd: every container converged, nothing left"
	else
		bad "SIGKILLs of containerd" "$(grep -E 'FAIL|left' "$T/cdkill.out" | head -10)"
	fi
	settled 0
fi
counts "end"
same_as_base "the whole soak"

echo "soak: $pass passed, $fail failed (SOAK_SEQ=$SEQ SOAK_PAR=$PAR SOAK_KILLS=$KILLS SOAK_CD_KILLS=$CD_KILLS)"
[ $fail = 0 ]
