#!/bin/sh
# fuzz/campaign.sh FUZZ_BIN SECONDS "TIERS" [JOBS] - the libFuzzer campaign (`make fuzz-campaign`).
#
# For each tier (interp, jit, diff = interpreter vs JIT compared, diff-bounds = the same
# with the JIT's explicit bounds checks), run the target for SECONDS on JOBS processes over
# its own growing corpus, build-fuzz/corpus-TIER, seeded with fuzz/corpus and, when
# build-fuzz/seeds exists (`make fuzz-seeds`), the spec suite's modules.  Crashes, leaks,
# timeouts and tier differences land in build-fuzz/crash-TIER-*.  Prints one line per tier:
# executions, seconds, coverage (libFuzzer's edge counter) and findings; exit 1 on a finding.
bin=$1 secs=$2 tiers=$3 jobs=${4:-1}
out=build-fuzz
mkdir -p "$out/logs"
status=0
summary=""
for tier in $tiers; do
	corpus=$out/corpus-$tier
	mkdir -p "$corpus"
	seeds=fuzz/corpus
	[ -d "$out/seeds" ] && seeds="$seeds $out/seeds"
	case $tier in
	diff-bounds) t=diff bounds=explicit ;;
	*) t=$tier bounds= ;;
	esac
	start=$(date +%s)
	j=0
	while [ $j -lt "$jobs" ]; do
		CHIBI_FUZZ_TIER=$t CHIBI_JIT_BOUNDS=$bounds "$bin" -max_total_time="$secs" \
			-max_len=4096 -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
			-artifact_prefix="$out/crash-$tier-" "$corpus" $seeds \
			> "$out/logs/$tier-$j.log" 2>&1 &
		j=$((j + 1))
	done
	wait
	end=$(date +%s)
	execs=$(cat "$out"/logs/"$tier"-*.log | awk '/^stat::number_of_executed_units:/ { n += $2 } END { print n + 0 }')
	cov=$(cat "$out"/logs/"$tier"-*.log | awk '/(DONE|INITED|NEW|REDUCE|pulse) +cov:/ { for (i = 1; i < NF; i++) if ($i == "cov:" && $(i+1) > c) c = $(i+1) } END { print c + 0 }')
	finds=$(ls "$out"/crash-"$tier"-* 2>/dev/null | wc -l)
	[ "$finds" -eq 0 ] || status=1
	line="fuzz-campaign: $tier: $execs executions in $((end - start)) s on $jobs job(s), cov $cov, corpus $(ls "$corpus" | wc -l), findings $finds"
	echo "$line"
	summary="$summary$line
"
done
printf '%s' "$summary" >> "$out/logs/campaign-summary.txt"
exit $status
