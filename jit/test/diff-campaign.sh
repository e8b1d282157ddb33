#!/bin/sh
# jit/test/diff-campaign.sh CHIBI DIFFTEST N OUTDIR - the differential campaign
# (`make diff-campaign`): N modules, in batches, run by jit-difftest in the interpreter and
# the JIT (guard pages, explicit bounds checks, moving memory), their transcripts compared
# (results, full trap text with the function, import calls, memory and global state).
#
# The modules: binaryen's `wasm-opt -ttf` over random bytes with DIFF_FEATURES (every
# feature chibi and binaryen 108 share: binaryen's reference-types means its anyref, which
# neither chibi nor V8 accept, and its typed function references are the proposal's
# pre-standard encoding; tail calls are the standard's), and, for DIFF_MUTATED percent of them, a spec-suite module
# with 1-4 random bytes overwritten that still validates (chibi validate).  Unless
# DIFF_V8=0, the random modules are also compared with V8 (node, jit/test/v8-ref.js), once
# with Liftoff alone and once with its default tiers (not the mutated spec modules: V8 has
# no fuel, and they may loop forever).  Differing modules are kept in OUTDIR; the counts go
# to stdout and OUTDIR/summary.txt.  DIFF_TIME=SECONDS stops starting batches after that
# long (the count made is reported).  DIFF_ALSO=COMMAND: a second jit-difftest given every
# batch too (`make diff-campaign-arm64`: the AArch64 build under qemu-user).
chibi=$1 difftest=$2 n=$3 out=$4
features=${DIFF_FEATURES:---enable-sign-ext --enable-nontrapping-float-to-int --enable-bulk-memory --enable-multivalue --enable-mutable-globals --enable-tail-call}
mutated=${DIFF_MUTATED:-20}
batch=${DIFF_BATCH:-50}
v8=${DIFF_V8:-1}
command -v node >/dev/null 2>&1 || v8=0
command -v wasm-opt >/dev/null 2>&1 || { echo "diff-campaign: needs wasm-opt (binaryen)"; exit 2; }
here=$(dirname "$0")
mkdir -p "$out"
out=$(cd "$out" && pwd)
rand() { od -An -N4 -tu4 /dev/urandom | tr -d ' '; }

# The pool of valid spec modules to mutate (made once).
pool=$out/spec-pool
if [ "$mutated" -gt 0 ] && [ ! -d "$pool" ]; then
	mkdir -p "$pool"
	"$chibi" wast --interp --keep spec-tests/core/*.wast 2>/dev/null | sed -n 's/.*: kept //p' > "$out/dirs"
	k=0
	for f in $(find $(cat "$out/dirs") -name '*.wasm' -size -65536c 2>/dev/null); do
		"$chibi" validate "$f" >/dev/null 2>&1 || continue
		k=$((k + 1))
		cp "$f" "$pool/$k.wasm"
	done
	xargs rm -rf < "$out/dirs"
fi
npool=$(ls "$pool" 2>/dev/null | wc -l)
[ "$npool" -gt 0 ] || mutated=0

# check_batch RUNNER TAG: the batch through one jit-difftest; nbad = the modules that differ
# (kept as OUTDIR/TAG-*.wasm, the reports in OUTDIR/TAG-diffs.txt).  A runner that fails
# without naming a module (a crash, qemu dying) counts as one and keeps the whole batch.
check_batch() {
	nbad=0
	$1 "$tmp"/b/*.wasm > /dev/null 2> "$tmp/err" && return
	for f in $(sed -n 's/^\([^ ]*\.wasm\): .* differs from the interpreter.*/\1/p' "$tmp/err" | sort -u); do
		nbad=$((nbad + 1))
		cp "$f" "$out/$2-$(date +%s)-$(basename "$f")"
	done
	if [ $nbad -eq 0 ]; then
		nbad=1
		mkdir -p "$out/$2-failed-$(date +%s)"
		cp "$tmp"/b/*.wasm "$out/$2-failed-$(date +%s)/"
	fi
	cat "$tmp/err" >> "$out/$2-diffs.txt"
}

made=0 nrand=0 nmut=0 jitbad=0 alsobad=0 liftbad=0 tfbad=0 v8n=0 start=$(date +%s)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
limit=${DIFF_TIME:-0}
while [ $made -lt "$n" ]; do
	# DIFF_TIME seconds: no new batch after that
	[ "$limit" -gt 0 ] && [ $(( $(date +%s) - start )) -ge "$limit" ] && break
	rm -rf "$tmp/b" && mkdir "$tmp/b"
	j=0
	while [ $j -lt "$batch" ] && [ $made -lt "$n" ]; do
		j=$((j + 1))
		if [ $(( $(rand) % 100 )) -lt "$mutated" ]; then
			# a spec module with 1-4 bytes overwritten, kept if it still validates
			src=$(( $(rand) % npool + 1 )).wasm
			size=$(stat -c %s "$pool/$src")
			[ "$size" -gt 16 ] || continue
			tries=0
			while [ $tries -lt 20 ]; do
				tries=$((tries + 1))
				cp "$pool/$src" "$tmp/m.wasm"
				c=$(( $(rand) % 4 + 1 ))
				while [ $c -gt 0 ]; do
					c=$((c - 1))
					head -c 1 /dev/urandom | dd of="$tmp/m.wasm" bs=1 seek=$(( $(rand) % (size - 8) + 8 )) \
						conv=notrunc status=none
				done
				if "$chibi" validate "$tmp/m.wasm" >/dev/null 2>&1; then
					mv "$tmp/m.wasm" "$tmp/b/mut-$made.wasm"
					made=$((made + 1)) nmut=$((nmut + 1))
					break
				fi
			done
		else
			head -c $(( $(rand) % 16000 + 200 )) /dev/urandom > "$tmp/in.bin"
			wasm-opt -ttf "$tmp/in.bin" $features -o "$tmp/b/ttf-$made.wasm" 2>/dev/null || continue
			made=$((made + 1)) nrand=$((nrand + 1))
		fi
	done
	ls "$tmp/b" | grep -q . || continue
	check_batch "$difftest" jit
	jitbad=$((jitbad + nbad))
	if [ -n "${DIFF_ALSO:-}" ]; then
		check_batch "$DIFF_ALSO" also
		alsobad=$((alsobad + nbad))
	fi
	if [ "$v8" = 1 ] && ls "$tmp"/b/ttf-*.wasm >/dev/null 2>&1; then
		for f in "$tmp"/b/ttf-*.wasm; do
			"$difftest" -r "$f" > "$f.ref"
			v8n=$((v8n + 1))
		done
		for tier in lift tf; do
			flags=
			[ $tier = lift ] && flags="--liftoff --no-wasm-tier-up"
			timeout -k 5 600 node $flags --experimental-wasm-type-reflection "$here/v8-ref.js" \
				"$tmp"/b/ttf-*.wasm > "$tmp/v8" 2>&1
			for f in $(sed -n 's/^\([^ ]*\.wasm\): V8 differs.*/\1/p' "$tmp/v8"); do
				[ $tier = lift ] && liftbad=$((liftbad + 1)) || tfbad=$((tfbad + 1))
				cp "$f" "$out/v8$tier-$(date +%s)-$(basename "$f")"
			done
			if ! grep -q '^v8-ref:' "$tmp/v8"; then
				# node itself failed (an exception the script does not expect)
				[ $tier = lift ] && liftbad=$((liftbad + 1)) || tfbad=$((tfbad + 1))
				mkdir -p "$out/v8-failed-$(date +%s)"
				cp "$tmp"/b/ttf-*.wasm "$out/v8-failed-$(date +%s)/"
			fi
			grep -v '^v8-ref:' "$tmp/v8" >> "$out/v8-diffs.txt"
		done
	fi
done
line="diff-campaign: $made modules ($nrand wasm-opt -ttf, $nmut mutated spec) in $(( $(date +%s) - start )) s: $jitbad differ between the tiers${DIFF_ALSO:+, $alsobad by $DIFF_ALSO}; V8 on $v8n: $liftbad differ (Liftoff), $tfbad differ (default tiers)"
echo "$line" | tee -a "$out/summary.txt"
[ $((jitbad + alsobad + liftbad + tfbad)) -eq 0 ]
