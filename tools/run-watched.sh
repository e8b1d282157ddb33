#!/bin/sh
# tools/run-watched.sh LOG TIMEOUT CMD... - run CMD (a Criterion test binary, a spec run; an
# AArch64 binary runs under qemu-user through binfmt_misc) with its output in LOG.  On
# success print LOG's last two lines (the counts, then wall time and peak RSS when GNU time
# is installed); on failure print the whole log and fail.
#
# A run still going after TIMEOUT seconds is a hang, and a hang must say where it is: the
# log gets the processes still running (each thread's state and kernel wait channel) and,
# from Criterion's --verbose output, the tests that started and never finished.  Then the
# whole process tree is killed.  (One `make test` in CI once hung in the AArch64 unit tests
# until the old 3600 s limit, with an empty log: see docs/RATIONALE.md.)
log=$1 limit=$2
shift 2
if [ -x /usr/bin/time ]; then
	set -- /usr/bin/time -f "  [%e s wall; peak RSS %M KB]" "$@"
fi

# Criterion's runner moves itself to a process group of its own and each of its workers
# starts a session of its own, so neither a process group (timeout(1)) nor a session reaches
# all of a run: the watchdog follows parent links from CMD instead.
: > "$log"
"$@" >> "$log" 2>&1 < /dev/null &
pid=$!

# /proc/PID/stat's fields after the command name, which may hold spaces and parentheses:
# hence the strip up to the last ") ".  stat_field FILE N: 1 is the state, 2 the parent.
stat_field() { sed 's/.*) //' "$1" 2>/dev/null | cut -d' ' -f"$2"; }

# tree: CMD's pid and all its descendants, from the parent links (the same strip, in awk).
tree() {
	cat /proc/[0-9]*/stat 2>/dev/null | awk -v root="$pid" '
		{ p = $1; sub(/.*\) /, ""); parent[p] = $2 }
		END { keep[root] = 1
		      do { more = 0
			   for (p in parent)
				if (!(p in keep) && (parent[p] in keep)) { keep[p] = 1; more = 1 }
		      } while (more)
		      for (p in keep) print p }'
}

report() {
	echo "== run-watched: still running after ${limit} s; the processes of the run:"
	# Each thread's state and kernel wait channel: futex_do_wait on every thread of a
	# process is a deadlock, do_wait a parent waiting for a child.  From /proc, not ps(1),
	# which a minimal machine may lack.
	for p in $(tree); do
		[ -d /proc/"$p" ] || continue
		echo "  pid $p (parent $(stat_field /proc/"$p"/stat 2)):" \
			"$(tr '\0' ' ' < /proc/"$p"/cmdline 2>/dev/null | cut -c1-160)"
		for t in /proc/"$p"/task/*; do
			echo "    thread ${t##*/}: $(stat_field "$t/stat" 1)" \
				"$(cat "$t/wchan" 2>/dev/null)"
		done
	done
	awk '/^\[RUN \]/ { run[$3] = 1 }
	     /^\[(PASS|FAIL|SKIP)\]/ { t = $2; sub(/:$/, "", t); delete run[t] }
	     END { for (t in run) print "== run-watched: started, never finished: " t }' "$log"
}

# Poll rather than run a watchdog beside it (which would need killing, with its sleep, at
# every normal end).  CMD stays a zombie until `wait`, hence the state test.
alive() {
	[ -e /proc/"$pid" ] && [ "$(stat_field /proc/"$pid"/stat 1)" != Z ]
}
deadline=$(( $(date +%s) + limit ))
while alive; do
	if [ "$(date +%s)" -ge "$deadline" ]; then
		report >> "$log" 2>&1
		# Stop the whole tree first (twice: a fork in flight), so that no process is
		# reparented away before all get SIGKILL (a stuck guest can ignore SIGTERM).
		victims=$(tree)
		kill -STOP $victims 2>/dev/null
		victims=$(tree)
		kill -STOP $victims 2>/dev/null
		kill -KILL $victims 2>/dev/null
		echo "== run-watched: killed" >> "$log"
		break
	fi
	sleep 0.2
done
wait "$pid"
rc=$?
if [ "$rc" = 0 ]; then
	tail -n 2 "$log"
else
	cat "$log"
	echo "FAILED (rc $rc): $*" >&2
	exit 1
fi
