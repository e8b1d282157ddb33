#!/bin/sh
# wasi/tests/real-world.sh - real programs from Debian source packages, built natively and
# for wasm32-wasi from the same source, must produce identical output under `chibi run`.
#
# usage: [CHIBI_RUN_FLAGS=--interp] real-world.sh CHIBI WORKDIR
#
# Programs: zlib's minigzip and bzip2 (Debian 12 sources via `apt-get source`, into WORKDIR:
# nothing third-party is ever committed).  Each is also built with -msimd128 (clang's
# auto-vectorizer), must really contain SIMD instructions (wasm-objdump), and runs the same
# checks under --interp and under --jit.  When the machine has no deb-src entry and we are
# root, a deb-src twin of the system's Debian entry (its URI and key, read by
# tools/apt-source.sh) is added under /etc/apt/sources.list.d/.  If the sources cannot be
# fetched at all (no network, no root), the test says so and is skipped.
set -u

CHIBI=$(readlink -f "$1")
WORK=$2
HERE=$(cd "$(dirname "$0")" && pwd)
WASI_CC=${WASI_CC:-clang}
SYSROOT=""
[ -d /usr/share/wasi-sysroot ] && SYSROOT="--sysroot=/usr/share/wasi-sysroot"
pass=0
fail=0

mkdir -p "$WORK"
WORK=$(readlink -f "$WORK")
cd "$WORK" || exit 1
# wrap NAME FLAGS: a chibi that puts FLAGS right after "run"; prints its path.
wrap() {
	printf '#!/bin/sh\n[ "$1" = run ] && { shift; exec "%s" run %s "$@"; }\nexec "%s" "$@"\n' \
		"$CHIBI" "$2" "$CHIBI" > "$WORK/$1"
	chmod +x "$WORK/$1"
	echo "$WORK/$1"
}
# The scalar builds run under CHIBI_RUN_FLAGS (e.g. --interp); the SIMD builds under each
# tier in turn, whatever CHIBI_RUN_FLAGS says.
CHIBI_BIN=$CHIBI
CHIBI_INTERP=$(wrap chibi-interp --interp)
CHIBI_JIT=$(wrap chibi-jit --jit)
[ -n "${CHIBI_RUN_FLAGS:-}" ] && CHIBI=$(wrap chibi-wrap "$CHIBI_RUN_FLAGS")

ok() { pass=$((pass + 1)); echo "PASS $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1"; }
skip() {
	echo "SKIP real-world: $1"
	echo "wasi-real: 0 passed, 0 failed, 1 skipped"
	exit 0
}

# The deb-src twin is built from the URI and key the system's own Debian entry uses.
enable_deb_src() {
	[ "$(id -u)" = 0 ] || return 1
	f=/etc/apt/sources.list.d/chibi-deb-src.sources
	[ -f "$f" ] && return 0
	suite=$(. /etc/os-release 2>/dev/null && echo "${VERSION_CODENAME:-}")
	src=$(sh "$HERE/../../tools/apt-source.sh") || return 1
	uri=${src%% *}
	key=${src#"$uri"}
	key=${key# }
	{
		echo "Types: deb-src"
		echo "URIs: $uri"
		echo "Suites: $suite"
		echo "Components: main"
		[ -n "$key" ] && echo "Signed-By: $key"
	} > "$f"
	apt-get update -q > apt-update.log 2>&1
}

# fetch PKG DIRGLOB: unpack the Debian source once; prints the source directory.
fetch() {
	d=$(ls -d $2 2>/dev/null | head -1)
	if [ -z "$d" ]; then
		if ! apt-get source -q "$1" > "fetch-$1.log" 2>&1; then
			if grep -q "deb-src" "fetch-$1.log" && enable_deb_src; then
				apt-get source -q "$1" > "fetch-$1.log" 2>&1
			fi
		fi
		d=$(ls -d $2 2>/dev/null | head -1)
	fi
	[ -n "$d" ] && readlink -f "$d"
}

# wasm_build OUT SRCS...: compile each with -O2 $WCFLAGS, link without -O (no wasm-opt run).
wasm_build() {
	out=$1
	shift
	objs=""
	mkdir -p "$out.objs"
	for s in "$@"; do
		case "$s" in
		-*) continue ;;
		esac
		o="$out.objs/$(basename "$s" .c).o"
		$WASI_CC --target=wasm32-wasi $SYSROOT -O2 $WCFLAGS -c "$s" -o "$o" || return 1
		objs="$objs $o"
	done
	# shellcheck disable=SC2086
	$WASI_CC --target=wasm32-wasi $SYSROOT $objs $WLIBS -o "$out"
}

# simd_count WASM: how many SIMD instructions (v128.*, i8x16.*, ..., f64x2.*) the code has.
simd_count() {
	wasm-objdump -d "$1" | grep -cE '\| +(v128|i8x16|i16x8|i32x4|i64x2|f32x4|f64x2)\.'
}

# simd_check WASM: a -msimd128 build must really contain SIMD code (else the SIMD checks
# would only repeat the scalar ones).
simd_check() {
	if ! command -v wasm-objdump > /dev/null; then
		bad "$1: wasm-objdump (wabt) not installed, cannot count SIMD instructions"
		return
	fi
	n=$(simd_count "$1")
	if [ "$n" -gt 0 ]; then
		ok "$1 has $n SIMD instructions (the scalar build: $(simd_count "${1%.simd.wasm}.wasm"))"
	else
		bad "$1 has no SIMD instructions"
	fi
}

# The input: text plus some binary, deterministic.
make_input() {
	cat "$1"/*.c "$1"/*.h > input.txt
	head -c 200000 "$CHIBI_BIN" >> input.txt
}

# ---- zlib: minigzip --------------------------------------------------------------------
Z=$(fetch zlib 'zlib-*/') || true
[ -n "$Z" ] || skip "apt-get source zlib failed (no deb-src or no network): $(tail -1 fetch-zlib.log 2>/dev/null)"
ZSRC="adler32.c compress.c crc32.c deflate.c gzclose.c gzlib.c gzread.c gzwrite.c infback.c
inffast.c inflate.c inftrees.c trees.c uncompr.c zutil.c test/minigzip.c"
(cd "$Z" && cc -O2 -DZ_HAVE_UNISTD_H -I. $ZSRC -o "$WORK/minigzip.native") || bad "zlib native build"
(cd "$Z" && WCFLAGS="-DZ_HAVE_UNISTD_H -I$Z" WLIBS="" wasm_build "$WORK/minigzip.wasm" $ZSRC) ||
	bad "zlib wasm build"
make_input "$Z"
# zlib_checks CHIBI WASM TAG: minigzip WASM under CHIBI against the native build.
zlib_checks() {
	R=$1 W=$2 T=$3
	for lvl in -1 -6 -9; do
		./minigzip.native $lvl < input.txt > native.gz
		"$R" run "$W" $lvl < input.txt > wasm.gz
		if [ -s native.gz ] && cmp -s native.gz wasm.gz; then ok "$T minigzip $lvl: same bytes"; else bad "$T minigzip $lvl"; fi
	done
	"$R" run "$W" -d < native.gz > roundtrip.txt
	cmp -s roundtrip.txt input.txt && ok "$T minigzip -d of the native output" || bad "$T minigzip -d"
	# File mode: open, create, unlink beneath a preopen.
	rm -rf zdir && mkdir zdir && cp input.txt zdir/
	"$R" run --dir zdir "$W" zdir/input.txt
	./minigzip.native < input.txt > native-default.gz
	if [ ! -e zdir/input.txt ] && cmp -s zdir/input.txt.gz native-default.gz; then
		ok "$T minigzip FILE (creates .gz, removes the original)"
	else
		bad "$T minigzip FILE"
	fi
	"$R" run --dir zdir "$W" -d zdir/input.txt.gz
	cmp -s zdir/input.txt input.txt && ok "$T minigzip -d FILE" || bad "$T minigzip -d FILE"
}
zlib_checks "$CHIBI" minigzip.wasm "${CHIBI_RUN_FLAGS:-default}:"
(cd "$Z" && WCFLAGS="-msimd128 -DZ_HAVE_UNISTD_H -I$Z" WLIBS="" \
	wasm_build "$WORK/minigzip.simd.wasm" $ZSRC) || bad "zlib wasm -msimd128 build"
simd_check minigzip.simd.wasm
zlib_checks "$CHIBI_INTERP" minigzip.simd.wasm "simd --interp:"
zlib_checks "$CHIBI_JIT" minigzip.simd.wasm "simd --jit:"

# bzip2_checks CHIBI WASM TAG: bzip2 WASM under CHIBI against the native build.
bzip2_checks() {
	R=$1 W=$2 T=$3
	for lvl in -1 -9; do
		./bzip2.native $lvl < input.txt > native.bz2
		"$R" run "$W" $lvl < input.txt > wasm.bz2
		if [ -s native.bz2 ] && cmp -s native.bz2 wasm.bz2; then ok "$T bzip2 $lvl: same bytes"; else bad "$T bzip2 $lvl"; fi
	done
	"$R" run "$W" -d < native.bz2 | cmp -s - input.txt && ok "$T bzip2 -d" || bad "$T bzip2 -d"
	"$R" run "$W" -t < native.bz2 && ok "$T bzip2 -t" || bad "$T bzip2 -t"
	printf 'garbage' | "$R" run "$W" -d > /dev/null 2> bz.err
	nrc=$?
	printf 'garbage' | ./bzip2.native -d > /dev/null 2>/dev/null
	[ $nrc = $? ] && [ $nrc != 0 ] && ok "$T bzip2 -d garbage: same exit status ($nrc)" ||
		bad "$T bzip2 -d garbage exit status"
	rm -rf bdir && mkdir bdir && cp input.txt bdir/ && touch -d '2010-01-01' bdir/input.txt
	"$R" run --dir bdir "$W" -k -9 bdir/input.txt
	if cmp -s bdir/input.txt.bz2 native.bz2 && [ -e bdir/input.txt ] &&
		[ "$(stat -c %Y bdir/input.txt.bz2)" = "$(stat -c %Y bdir/input.txt)" ]; then
		ok "$T bzip2 -k FILE (same bytes, mtime copied)"
	else
		bad "$T bzip2 -k FILE"
	fi
	"$R" run --dir-ro bdir "$W" -k -f bdir/input.txt 2> ro.err
	[ $? != 0 ] && cmp -s bdir/input.txt.bz2 native.bz2 && ok "$T bzip2 in a read-only dir fails cleanly" ||
		bad "$T bzip2 read-only"
}

# ---- bzip2 -----------------------------------------------------------------------------
B=$(fetch bzip2 'bzip2-*/') || true
if [ -n "$B" ]; then
	BSRC="blocksort.c huffman.c crctable.c randtable.c compress.c decompress.c bzlib.c bzip2.c"
	(cd "$B" && cc -O2 -w $BSRC -o "$WORK/bzip2.native") || bad "bzip2 native build"
	(cd "$B" && WCFLAGS="-w -D_WASI_EMULATED_SIGNAL -D_WASI_EMULATED_PROCESS_CLOCKS" \
		WLIBS="-lwasi-emulated-signal -lwasi-emulated-process-clocks" \
		wasm_build "$WORK/bzip2.wasm" $BSRC "$HERE/real/posix_stubs.c") || bad "bzip2 wasm build"
	bzip2_checks "$CHIBI" bzip2.wasm "${CHIBI_RUN_FLAGS:-default}:"
	(cd "$B" && WCFLAGS="-msimd128 -w -D_WASI_EMULATED_SIGNAL -D_WASI_EMULATED_PROCESS_CLOCKS" \
		WLIBS="-lwasi-emulated-signal -lwasi-emulated-process-clocks" \
		wasm_build "$WORK/bzip2.simd.wasm" $BSRC "$HERE/real/posix_stubs.c") ||
		bad "bzip2 wasm -msimd128 build"
	simd_check bzip2.simd.wasm
	bzip2_checks "$CHIBI_INTERP" bzip2.simd.wasm "simd --interp:"
	bzip2_checks "$CHIBI_JIT" bzip2.simd.wasm "simd --jit:"
else
	echo "SKIP bzip2: apt-get source bzip2 failed"
fi

echo "wasi-real: $pass passed, $fail failed"
[ "$fail" = 0 ]
