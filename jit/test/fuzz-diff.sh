#!/bin/sh
# jit/test/fuzz-diff.sh CHIBI DIFFTEST N OUTDIR [spec] - differential testing of the JIT.
#
# With `spec`, first every module of the spec suite (as wast2json extracts them, through
# `chibi wast --keep`; the 2.0 core files, the 3.0 SIMD, relaxed SIMD, multi-memory and
# memory64 ones) is run in both engines.  Then N random modules are made by binaryen's
# fuzzer (`wasm-opt -ttf` over random bytes, MVP + sign-ext, sat-conversions, bulk memory,
# multi-value, and every other one SIMD) and run the same way.  Modules whose transcripts
# differ are copied to OUTDIR.
chibi=$1 difftest=$2 n=$3 out=$4 spec=$5
mkdir -p "$out"
status=0
if [ "$spec" = spec ]; then
	tmp=$(mktemp -d)
	"$chibi" wast --interp --keep spec-tests/core/*.wast spec-tests/wasm-3.0/core/simd/*.wast \
		2>/dev/null | sed -n 's/.*: kept //p' > "$tmp/dirs"
	WAST2JSON=tools/wast2json-sid.sh "$chibi" wast --interp --keep \
		spec-tests/wasm-3.0/core/relaxed-simd/*.wast 2>/dev/null | sed -n 's/.*: kept //p' >> "$tmp/dirs"
	# multi-memory and memory64: Debian 12's binaryen (108) makes neither kind of module
	# below, so these folders' modules stand in for them
	WAST2JSON=tools/wast2json-3.0.sh "$chibi" wast --interp --keep \
		spec-tests/wasm-3.0/core/multi-memory/*.wast spec-tests/wasm-3.0/core/memory64/*.wast \
		2>/dev/null | sed -n 's/.*: kept //p' >> "$tmp/dirs"
	# (the scripts also hold malformed and invalid modules: both engines refuse them alike)
	find $(cat "$tmp/dirs") -name '*.wasm' 2>/dev/null > "$tmp/mods"
	echo "fuzz-diff: $(wc -l < "$tmp/mods") spec modules"
	xargs "$difftest" < "$tmp/mods" > "$tmp/out" 2> "$tmp/err" || { cat "$tmp/err"; status=1; }
	awk '/^jit-difftest:/ { n += $2; d += $4 } END { printf "jit-difftest: %d spec modules, %d differ\n", n, d }' "$tmp/out"
	xargs rm -rf < "$tmp/dirs"
	rm -rf "$tmp"
fi
if ! command -v wasm-opt >/dev/null 2>&1; then
	echo "fuzz-diff: wasm-opt not found (apt-get install -y binaryen); random modules skipped"
	exit $status
fi
tmp=$(mktemp -d)
i=0 bad=0
while [ $i -lt "$n" ]; do
	i=$((i + 1))
	size=$(( ($(od -An -N2 -tu2 /dev/urandom) % 16000) + 200 ))
	head -c $size /dev/urandom > "$tmp/in.bin"
	# every other module with SIMD
	simd=""
	[ $((i % 2)) -eq 0 ] && simd=--enable-simd
	wasm-opt -ttf "$tmp/in.bin" --enable-sign-ext --enable-nontrapping-float-to-int \
		--enable-bulk-memory --enable-multivalue $simd -o "$tmp/m.wasm" 2>/dev/null || continue
	if ! "$difftest" "$tmp/m.wasm" > /dev/null 2> "$tmp/err"; then
		bad=$((bad + 1))
		cp "$tmp/m.wasm" "$out/diff-$i.wasm"
		cat "$tmp/err"
	fi
done
rm -rf "$tmp"
echo "fuzz-diff: $n random modules, $bad differ (kept in $out)"
[ $bad -eq 0 ] && exit $status
exit 1
