#!/bin/sh
# tools/aot-test.sh - end-to-end tests of compiled files and the cache (make test-aot).
#
# usage: aot-test.sh CHIBI BUILD_DIR
#
#   1. chibi compile + chibi run of the example and the WASI guests and benchmark modules
#      that are built: output and exit status identical to chibi run of the .wasm
#   2. refusals, each a clear message and status 1, never a crash: a truncated file, a
#      flipped bit, another build (its id edited), a lower SIMD level (CHIBI_JIT_ISA), and
#      a run configuration the code was not compiled for (fuel: a warning, still correct)
#   3. the wasi-testsuite and the guests through --cache, twice (the second run from the
#      entries the first one wrote), and the cache's entries private (0600 in a 0700 dir)
set -eu
CHIBI=$(realpath "$1")
BUILD=$(realpath "$2")
T=$(mktemp -d /tmp/chibi-aot.XXXXXX)
trap 'rm -rf "$T"' EXIT
fail=0
pass=0
ok() { pass=$((pass + 1)); }
bad() { echo "aot-test: FAIL: $*" >&2; fail=$((fail + 1)); }

# -- 1. the same output from the compiled file
same() { # name wasm [run options --] args...: run in $T under one name, .wasm and .cwasm
	name=$1; shift
	cp "$1" "$T/$name.wasm"; shift
	opts=
	case " $* " in *" -- "*) while [ "$1" != -- ]; do opts="$opts $1"; shift; done; shift ;; esac
	"$CHIBI" compile -o "$T/$name.cwasm" "$T/$name.wasm" || { bad "$name: compile"; return; }
	set +e
	(cd "$T" && "$CHIBI" run $opts "$name.wasm" "$@") > "$T/a.out" 2>&1; a=$?
	(cd "$T" && "$CHIBI" run $opts "$name.cwasm" "$@") > "$T/b.out" 2>&1; b=$?
	set -e
	# argv[0] is the file's name
	sed -i "s#$name\.c\?wasm#MODULE#g" "$T/a.out" "$T/b.out"
	if [ $a = $b ] && cmp -s "$T/a.out" "$T/b.out"; then ok; else
		bad "$name: compiled run differs (status $a vs $b)"; diff "$T/a.out" "$T/b.out" | head -5; fi
}
hello=$BUILD/wasm/examples/hello.wasm
[ -f "$hello" ] && same hello "$hello" one two
ext=$(realpath "$(dirname "$0")/../bench/ext")
for w in "$BUILD"/bench/plain/*.wasm; do
	[ -f "$w" ] || continue
	n=$(basename "$w" .wasm)
	case $n in
	lua) same bench-lua "$w" --dir "$ext::/bench" -- /bench/bench.lua 1 ;;
	fib) same bench-fib "$w" 20 ;;
	sieve) same bench-sieve "$w" 10000 ;;
	matmul) same bench-matmul "$w" 24 ;;
	*) same "bench-$n" "$w" 2 ;;
	esac
done
echo "aot-test: compiled runs: $pass identical"

# -- 2. refusals
cf=$T/hello.cwasm
refuse() { # what expected-text file [env...]
	what=$1; want=$2; file=$3; shift 3
	set +e
	env "$@" "$CHIBI" run "$file" > "$T/r.out" 2>&1; st=$?
	set -e
	if [ $st = 1 ] && grep -q "$want" "$T/r.out"; then ok; else
		bad "$what: status $st: $(head -c 300 "$T/r.out")"; fi
}
size=$(stat -c %s "$cf")
for n in 0 7 100 319 320 4096 $((size / 2)) $((size - 1)); do
	head -c $n "$cf" > "$T/trunc.cwasm"
	case $n in
	0|7) refuse "truncated to $n" "failed to load" "$T/trunc.cwasm" ;;
	*) refuse "truncated to $n" "truncated\|compiled file" "$T/trunc.cwasm" ;;
	esac
done
for off in 300 400 $((size - 100)); do
	cp "$cf" "$T/flip.cwasm"
	printf '\001' | dd of="$T/flip.cwasm" bs=1 seek=$off conv=notrunc status=none
	refuse "byte $off changed" "corrupt\|does not match" "$T/flip.cwasm"
done
cp "$cf" "$T/other.cwasm"
printf 'x' | dd of="$T/other.cwasm" bs=1 seek=17 conv=notrunc status=none
refuse "another build" "compiled by chibi" "$T/other.cwasm"
if grep -q avx2 /proc/cpuinfo; then
	refuse "a lower SIMD level" "CPU features" "$cf" CHIBI_JIT_ISA=sse4.1
fi
# a compiled file the guest could write (inside a writable --dir) is not run
set +e
(cd "$T" && "$CHIBI" run --dir . hello.cwasm) > "$T/w.out" 2>&1; st=$?
set -e
if [ $st = 1 ] && grep -q "which the guest may write" "$T/w.out"; then ok; else
	bad "compiled file in a writable preopen: status $st"; fi
set +e
"$CHIBI" run --fuel 100000000 "$cf" > "$T/f.out" 2>&1; st=$?
set -e
if [ $st = 0 ] && grep -q "compiled code not used" "$T/f.out" && grep -q "Hello" "$T/f.out"
then ok; else bad "fuel run: status $st"; fi

# -- 3. the WASI suites through the cache
C=$T/cache
for round in miss hit; do
	CHIBI_RUN_FLAGS="--cache=$C" sh "$(dirname "$0")/../wasi/run-wasi-testsuite.sh" \
		"$CHIBI" "$(dirname "$0")/../spec-tests/wasi-testsuite/c/wasm32-wasip1" \
		> "$T/suite.$round" 2>&1 || bad "wasi-testsuite through the cache ($round)"
	tail -1 "$T/suite.$round"
	if [ -d "$BUILD/wasi-tests" ]; then
		CHIBI_RUN_FLAGS="--cache=$C" sh "$(dirname "$0")/../wasi/tests/run-guests.sh" \
			"$CHIBI" "$BUILD/wasi-tests" > "$T/guests.$round" 2>&1 ||
			bad "WASI guests through the cache ($round)"
		tail -1 "$T/guests.$round"
	fi
	ls "$C" > "$T/entries.$round"
done
if cmp -s "$T/entries.miss" "$T/entries.hit"; then ok; else bad "the second round added entries"; fi
[ "$(stat -c %a "$C")" = 700 ] && ok || bad "cache directory mode $(stat -c %a "$C")"
for e in "$C"/*.cwasm; do
	[ "$(stat -c %a "$e")" = 600 ] || { bad "entry mode $(stat -c %a "$e")"; break; }
done
echo "aot-test: $(ls "$C" | wc -l) cache entries"

echo "aot-test: $pass passed, $fail failed"
[ $fail = 0 ]
