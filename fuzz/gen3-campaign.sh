#!/bin/sh
# fuzz/gen3-campaign.sh CHIBI RUNNER MODULES [SEED] - the differential campaign over
# fuzz/gen3.py's modules (`make fuzz-gen3`): batches of 500 random valid modules, turned
# into binaries by chibi's own text reader, each run by the module target in the
# interpreter and the JIT on guard pages, then the interpreter and the JIT with explicit
# bounds checks, outcomes compared (fuzz/module_fuzz.c's diff tier).  RUNNER runs that
# target on a directory: the plain -O2 replay program (fast), or "build-fuzz/module_fuzz
# -runs=0" (ASan + UBSan, several times slower).  A difference (or a sanitizer report)
# stops the campaign with the batch kept under build-fuzz/gen3-fail-*.  Prints the number
# of modules compared.  GEN3_TIME=SECONDS in the environment: no new batch after that long.
# GEN3_ALSO=COMMAND: a second runner given every batch too, in both bounds modes (`make
# fuzz-gen3-arm64`: the AArch64 build of the replay program under qemu-user, so each module
# is compared in the interpreter and both JIT modes on both architectures).
set -u
chibi=$1 bin=$2 total=$3 seed=${4:-$(date +%s)}
here=$(cd "$(dirname "$0")" && pwd)
work=build-fuzz/gen3
batch=500 done=0 status=0 start=$(date +%s) limit=${GEN3_TIME:-0}
mkdir -p "$work"
while [ $done -lt "$total" ]; do
	[ "$limit" -gt 0 ] && [ $(( $(date +%s) - start )) -ge "$limit" ] && break
	rm -rf "$work/wasm" && mkdir -p "$work/wasm"
	python3 "$here/gen3.py" "$seed" $batch "$work/gen.wast" || exit 1
	dir=$("$chibi" wast --convert-only "$work/gen.wast" 2>/dev/null | sed -n 's/.*: kept //p')
	[ -n "$dir" ] || { echo "gen3: the reader rejected batch $seed" >&2; exit 1; }
	mv "$dir"/*.wasm "$work/wasm/" && rm -rf "$dir"
	n=$(ls "$work/wasm" | wc -l)
	[ "$n" = $batch ] || { echo "gen3: batch $seed: $n of $batch modules converted" >&2; status=1; }
	for run in "$bin" ${GEN3_ALSO:+"$GEN3_ALSO"}; do
		for bounds in "" explicit; do
			if ! CHIBI_FUZZ_TIER=diff CHIBI_JIT_BOUNDS=$bounds $run "$work/wasm" \
			     > "$work/log" 2>&1; then
				cp -r "$work" "build-fuzz/gen3-fail-$seed"
				echo "gen3: batch $seed (bounds=${bounds:-guard}, $run): a finding, kept in build-fuzz/gen3-fail-$seed" >&2
				tail -20 "$work/log" >&2
				exit 1
			fi
		done
	done
	done=$((done + n))
	echo "gen3: batch $seed: $done modules compared so far"
	seed=$((seed + 1))
done
echo "fuzz-gen3: $done modules compared (interp vs JIT guard pages, interp vs JIT explicit bounds${GEN3_ALSO:+; also by $GEN3_ALSO}), 0 differences"
exit $status
