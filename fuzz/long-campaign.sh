#!/bin/sh
# fuzz/long-campaign.sh SECONDS STEP[:WEIGHT]... - one queue of the long campaign
# (`make fuzz-long` runs two queues side by side, at most two fuzzing processes).
#
# The steps run one after the other, each for its share of SECONDS (WEIGHT, default 1,
# over the sum of the weights), each through fuzz/run-logged.sh, so that its executions,
# seconds, findings and command line go to the cumulative fuzz/ledger.txt.  Steps:
#   diff         the module target (build-fuzz-fast/, no sanitizers), interpreter vs JIT
#                on guard pages; corpus build-fuzz/corpus-diff
#   diff-bounds  the same against the JIT with explicit bounds checks
#   interp, jit  the module target in one tier
#   wat          the text reader;  compiled  the compiled-file loader
#   gen3         fuzz/gen3.py's random valid 3.0 modules, interp vs JIT (both bounds modes)
#   ttf          wasm-opt -ttf modules with every feature chibi and binaryen 108 share, and
#                10 % mutated spec modules, in jit-difftest (interp vs three JIT modes)
#   v8           wasm-opt -ttf modules of the feature set V8 (node 20) shares, also run
#                by node --liftoff --no-wasm-tier-up and by node's default tiers
#   afl          AFL++ on the module target (diff tier), `make fuzz-afl`
#   wasi         the WASI call-sequence fuzzer (`make wasi-fuzz`), 4 seeds per minute
# The targets are built first (make fuzz-fast, build/chibi ...).  A finding stops nothing:
# the step's artifacts stay in build-fuzz/ (crash-*, gen3-fail-*, build/diff-campaign/)
# and the ledger line says findings 1.  Everything runs at nice 19.
set -u
secs=$1
shift
here=$(cd "$(dirname "$0")" && pwd)
run=$here/run-logged.sh
logs=build-fuzz/logs
mkdir -p "$logs"
total=0
for s in "$@"; do
	w=${s#*:}
	[ "$w" = "$s" ] && w=1
	total=$((total + w))
done
# -timeout is wall time: at nice 19 under the shared machine's load a 0.14 s input once took
# over 10 s (a memory.fill loop, jit_h_memory_fill), which stopped the whole run.
LF="-max_len=4096 -timeout=60 -rss_limit_mb=2048 -print_final_stats=1"
ALLF="--enable-sign-ext --enable-nontrapping-float-to-int --enable-bulk-memory"
ALLF="$ALLF --enable-multivalue --enable-mutable-globals --enable-tail-call --enable-simd"
ALLF="$ALLF --enable-relaxed-simd --enable-exception-handling --enable-extended-const"
ALLF="$ALLF --enable-memory64"
for s in "$@"; do
	step=${s%%:*} w=${s#*:}
	[ "$w" = "$s" ] && w=1
	t=$((secs * w / total))
	stamp=$(date -u +%H%M%S)
	log=$logs/$step-$stamp.log
	echo "long-campaign: $step for $t s (log $log)"
	case $step in
	diff|interp|jit)
		mkdir -p build-fuzz/corpus-$step
		sh "$run" module-$step "$log" env CHIBI_FUZZ_TIER=$step build-fuzz-fast/module_fuzz \
			-max_total_time=$t $LF -artifact_prefix=build-fuzz/crash-$step- \
			build-fuzz/corpus-$step fuzz/corpus ;;
	diff-bounds)
		mkdir -p build-fuzz/corpus-diff-bounds
		sh "$run" module-diff-bounds "$log" env CHIBI_FUZZ_TIER=diff CHIBI_JIT_BOUNDS=explicit \
			build-fuzz-fast/module_fuzz -max_total_time=$t $LF \
			-artifact_prefix=build-fuzz/crash-diff-bounds- build-fuzz/corpus-diff-bounds \
			fuzz/corpus ;;
	wat)
		mkdir -p build-fuzz/wat-corpus
		sh "$run" wat "$log" build-fuzz-fast/wat_fuzz -max_total_time=$t $LF \
			-dict=fuzz/wat.dict -artifact_prefix=build-fuzz/crash-wat- \
			build-fuzz/wat-corpus fuzz/wat-corpus ;;
	compiled)
		mkdir -p build-fuzz/corpus-compiled
		sh "$run" compiled "$log" build-fuzz-fast/compiled_fuzz -max_total_time=$t \
			-max_len=1048576 -timeout=60 -rss_limit_mb=4096 -print_final_stats=1 \
			-artifact_prefix=build-fuzz/crash-compiled- build-fuzz/corpus-compiled \
			build-fuzz/compiled-seeds ;;
	gen3)
		sh "$run" gen3 "$log" env GEN3_TIME=$t make fuzz-gen3 GEN3_MODULES=10000000 ;;
	ttf)
		sh "$run" ttf "$log" env DIFF_FEATURES="$ALLF" DIFF_MUTATED=10 DIFF_V8=0 \
			make diff-campaign DIFF_N=10000000 DIFF_TIME=$t ;;
	v8)
		sh "$run" v8 "$log" env DIFF_MUTATED=0 DIFF_V8=1 \
			make diff-campaign DIFF_N=10000000 DIFF_TIME=$t ;;
	afl)
		sh "$run" afl "$log" make fuzz-afl FUZZ_TIME=$t ;;
	wasi)
		sh "$run" wasi "$log" make wasi-fuzz WASI_FUZZ_SEEDS=$((t * 4 / 60 + 1)) ;;
	*)
		echo "long-campaign: unknown step $step" >&2
		exit 2 ;;
	esac
done
