#!/bin/sh
# fuzz/totals.sh - the campaigns' cumulative totals per target, from fuzz/ledger.txt (one
# line per campaign process: date, target, executions, seconds, findings, command).
# Lines starting with # are comments.
awk -F '\t' '!/^#/ && NF >= 5 {
	n[$2] += $3; s[$2] += $4; f[$2] += $5; runs[$2]++
} END {
	printf "%-22s %14s %10s %6s %8s\n", "target", "executions", "seconds", "runs", "findings"
	for (t in n)
		printf "%-22s %14d %10d %6d %8d\n", t, n[t], s[t], runs[t], f[t] | "sort"
}' "$(dirname "$0")/ledger.txt"
