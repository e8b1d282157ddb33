#!/bin/sh
# tools/wasi-fuzz.sh CHIBI FUZZ_WASM WATCHER SEEDS ITERATIONS - the WASI campaign
# (`make wasi-fuzz`): wasi/tests/fuzz.wasm makes ITERATIONS random WASI calls (hostile
# pointers, fds, flags, rights; paths with .., long names, and the symlinks planted here)
# for each of SEEDS seeds, in the interpreter and the JIT, each with openat2 and with the
# fallback walk (CHIBI_WASI_NO_OPENAT2), over a preopen (box) whose symlinks point into a
# tree outside it (outside/, its parent, /etc).  The oracle:
#   - the four runs of a seed return the same errno for every call (the guest's digest);
#   - in the guest: no stat, new fd or directory entry ever has an inode of outside/, its
#     parent, /, /etc or /etc/passwd (the inodes are passed as arguments);
#   - on the host: tools/inotify-watch sees no access, open, change, creation, removal or
#     move in outside/ (so nothing there is read, written, created, renamed or linked),
#     and outside/ and the parent's listing are byte-for-byte the same afterwards.
# Prints the counts; exit 1 on any finding (the run's output is kept in OUT/).
# WASI_FUZZ_FIRST=N starts at seed N (to replay one: WASI_FUZZ_FIRST=N ... 1 ITERATIONS);
# WASI_FUZZ_TIME=S starts no new seed after S seconds (a campaign with a deadline);
# WASI_FUZZ_TRACE=1 has the guest print every call and its errno (kept in OUT/ for a
# finding).  The guest always gets --env FUZZ_TRACE=0 or 1: the environment's size shows in
# environ_get's results, so a traced replay makes the same calls as the campaign did.
chibi=$(readlink -f "$1") wasm=$(readlink -f "$2") watcher=$(readlink -f "$3") seeds=$4 iters=$5
# T holds only box/ and outside/ (the guest may reach T through box/up); the harness's own
# files live in W.
T=$(mktemp -d "${TMPDIR:-/tmp}/chibi-wasi-fuzz.XXXXXX")
W=$(mktemp -d "${TMPDIR:-/tmp}/chibi-wasi-fuzz-work.XXXXXX")
out=${WASI_FUZZ_OUT:-$W/out}
mkdir -p "$out"
wpid=
trap '[ -n "$wpid" ] && kill $wpid 2>/dev/null; rm -rf "$T" "$W/ready" "$W/run.out" "$W/run.err"' EXIT

mkdir -p "$T/outside/dir"
printf 'top secret' > "$T/outside/secret"
printf 'inner' > "$T/outside/dir/inner"
touch -d '2001-02-03 04:05:06' "$T/outside/secret" "$T/outside/dir/inner" "$T/outside/dir" "$T/outside"

plant() {
	rm -rf "$T/box"
	mkdir -p "$T/box/sub"
	ln -s .. "$T/box/up"
	ln -s "$T/outside" "$T/box/abs"
	ln -s ../outside/secret "$T/box/rel"
	ln -s /etc "$T/box/etc"
	ln -s ../../outside "$T/box/sub/deep"
	ln -s .. "$T/box/sub/in"
	ln -s chain2 "$T/box/chain"
	ln -s rel "$T/box/chain2"
	ln -s loop "$T/box/loop"
	ln -s sub "$T/box/dirlink"
	ln -s ../outside "$T/box/outside"
	printf 'inside' > "$T/box/a"
}

snapshot() {
	(cd "$T" && find outside -printf '%p %y %s %m %T@ %i\n' | sort && cat outside/secret outside/dir/inner &&
		ls -a "$T" | grep -vx box) > "$1"
}

inodes=$(stat -c %i "$T" "$T/outside" "$T/outside/secret" "$T/outside/dir" "$T/outside/dir/inner" / /etc /etc/passwd | tr '\n' ' ')
snapshot "$W/before"
"$watcher" "$W/ready" "$T/outside" "$T/outside/dir" > "$W/watch.log" 2>&1 &
wpid=$!
n=0
while [ ! -e "$W/ready" ] && [ $n -lt 100 ]; do sleep 0.1; n=$((n + 1)); done

s=${WASI_FUZZ_FIRST:-1} bad=0 calls=0 runs=0 start=$(date +%s)
while [ $s -lt $(( ${WASI_FUZZ_FIRST:-1} + seeds )) ]; do
	[ -n "${WASI_FUZZ_TIME:-}" ] && [ $(( $(date +%s) - start )) -ge "$WASI_FUZZ_TIME" ] && break
	first=
	for combo in --interp: --jit: --interp:walk --jit:walk; do
		mode=${combo%:*} walk=${combo#*:}
		plant
		if [ -n "$walk" ]; then export CHIBI_WASI_NO_OPENAT2=1; else unset CHIBI_WASI_NO_OPENAT2; fi
		(cd "$T/box" && timeout 300 "$chibi" run $mode --env FUZZ_TRACE=${WASI_FUZZ_TRACE:-0} \
			--dir "$T/box::/s" "$wasm" $s "$iters" $inodes) \
			> "$W/run.out" 2> "$W/run.err" < /dev/null
		rc=$?
		digest=$(sed -n 's/^fuzz: errno digest //p' "$W/run.err")
		if [ $rc -ne 0 ] || ! grep -q "^fuzz: $iters checks, 0 failed" "$W/run.out"; then
			bad=$((bad + 1))
			echo "wasi-fuzz: seed $s ($mode${walk:+, walk}): exit $rc"
			head -5 "$W/run.out" "$W/run.err"
			cp "$W/run.out" "$out/seed-$s$mode$walk.out"
			cp "$W/run.err" "$out/seed-$s$mode$walk.err"
		elif [ -z "$first" ]; then
			first=$digest
		elif [ "$digest" != "$first" ]; then
			# the same calls gave other errnos in another tier or resolver
			bad=$((bad + 1))
			echo "wasi-fuzz: seed $s ($mode${walk:+, walk}): errno digest $digest, not $first"
		fi
		calls=$((calls + iters)) runs=$((runs + 1))
	done
	s=$((s + 1))
done
unset CHIBI_WASI_NO_OPENAT2
sleep 0.5
kill $wpid 2>/dev/null
wait $wpid 2>/dev/null
wpid=
snapshot "$W/after"
if [ -s "$W/watch.log" ]; then
	bad=$((bad + 1))
	echo "wasi-fuzz: the outside tree saw events:"
	head -20 "$W/watch.log"
	cp "$W/watch.log" "$out/"
fi
if ! cmp -s "$W/before" "$W/after"; then
	bad=$((bad + 1))
	echo "wasi-fuzz: the outside tree changed:"
	diff "$W/before" "$W/after" | head -20
fi
echo "wasi-fuzz: $(( s - ${WASI_FUZZ_FIRST:-1} )) seeds, $runs runs, $calls WASI calls in $(( $(date +%s) - start )) s: $bad findings"
[ $bad -eq 0 ] && rm -rf "$W"
[ $bad -eq 0 ]
