#!/bin/sh
# fuzz/run-logged.sh TARGET LOG COMMAND... - run one libFuzzer campaign process and add
# its executions to the cumulative ledger, fuzz/ledger.txt (committed: every session adds
# to the same totals; `sh fuzz/totals.sh` sums them per target).
#
# COMMAND is a libFuzzer run with -print_final_stats=1 (its environment in front, as
# `env VAR=... bin ...`), or one of the differential campaigns (make fuzz-gen3,
# make diff-campaign) or the WASI campaign (tools/wasi-fuzz.sh); its output goes to LOG.
# The ledger line: the UTC date, TARGET, the executions (libFuzzer's
# stat::number_of_executed_units; for the differential campaigns, the modules compared
# from their summary line; for the WASI campaign, the WASI calls made), the wall seconds,
# the findings (1 if the command failed: a crash, a sanitizer report, a tier difference,
# an escape from the preopen) and the command.
# Runs under nice 19 (the campaign takes only the CPU nobody else wants), or FUZZ_NICE: 0
# makes it the busy core beside a test run (issue 18's five `make test` runs).
set -u
target=$1 log=$2
shift 2
ledger=$(dirname "$0")/ledger.txt
start=$(date +%s)
nice -n "${FUZZ_NICE:-19}" "$@" > "$log" 2>&1
rc=$?
secs=$(( $(date +%s) - start ))
execs=$(awk '/^stat::number_of_executed_units:/ { n += $2 }
	/^(fuzz-gen3|diff-campaign): [0-9]+ modules/ { n += $2 }
	/^wasi-fuzz: [0-9]+ seeds, [0-9]+ runs, [0-9]+ WASI calls/ { n += $6 }
	END { print n + 0 }' "$log")
finds=0
[ $rc -eq 0 ] || finds=1
printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$(date -u +%Y-%m-%dT%H:%MZ)" "$target" "$execs" "$secs" \
	"$finds" "$*" >> "$ledger"
echo "run-logged: $target: $execs executions in $secs s, rc $rc, findings $finds"
exit $rc
