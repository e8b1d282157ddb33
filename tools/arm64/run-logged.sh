#!/bin/sh
# tools/arm64/run-logged.sh LOG TIMEOUT CMD... - run CMD (under qemu-user via binfmt_misc
# when it is an AArch64 binary) with its output in LOG.  On success print LOG's last two
# lines (the counts, then wall time and peak RSS when GNU time is installed); on failure
# print the whole log and fail.  `timeout -k`: a stuck guest can ignore SIGTERM.
log=$1 limit=$2
shift 2
if [ -x /usr/bin/time ]; then
	set -- /usr/bin/time -f "  [%e s wall; peak RSS %M KB]" "$@"
fi
if timeout -k 10 "$limit" "$@" > "$log" 2>&1; then
	tail -n 2 "$log"
else
	cat "$log"
	echo "FAILED: $*" >&2
	exit 1
fi
