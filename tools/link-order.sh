#!/bin/sh
# tools/link-order.sh - regenerate tools/link-order/*.txt, the function order lld is given
# for chibi, containerd-shim-chibi-v1 and containerd-shim-chibi-v1-task (Makefile, "Link
# order").  Run by `make link-order` after changes that move start-up or steady-state code.
#
# Each list is the functions a profiled run executed, sorted by name (the whole list is hot,
# so order within it matters little, and sorted lists diff well; chibi's in three groups):
#   chibi                          `chibi run` of the bundled example, --interp and --jit;
#   containerd-shim-chibi-v1       the serving shim through two `ctr run --rm`, and one
#                                  detached task's ps, metrics, kill and delete;
#   containerd-shim-chibi-v1-task  the task processes of those runs.
# Valgrind's CPU has no AVX-512, so glibc's IFUNCs pick other string-function variants under
# it than on a current server; every AVX/AVX2/EVEX variant of a string family that ran is
# listed too (~28 KB), so the list holds whichever one the host picks.
# The shim part needs root, containerd, ctr, runc and clang (it uses the e2e lab, a private
# containerd under a temporary directory); without them the shim lists are left alone.
# Usage: tools/link-order.sh [chibi]  (from anywhere; needs valgrind; `chibi`: that list only)
set -eu
TOP=$(cd "$(dirname "$0")/.." && pwd)
OUT=$TOP/tools/link-order
command -v valgrind >/dev/null || { echo "link-order: valgrind needed (apt-get install valgrind)"; exit 1; }
P=$(mktemp -d /tmp/chibi-link-order.XXXXXX)
trap 'rm -rf "$P"' EXIT

# A build of its own: callgrind needs symbols (any build has them), and the shim must re-exec
# itself by path (SHIM_PROFILING, shim/main.c) for valgrind to follow it.
B=$P/b
make -s -C "$TOP" BUILD="$B" EXTRA_CFLAGS=-DSHIM_PROFILING \
	"$B/chibi" "$B/wasm/examples/hello.wasm" >/dev/null

# Start-up code valgrind never shows: _start and the C runtime's init/fini, the CPU vendor
# probes (valgrind's CPU is not the host's), and the vDSO's symbol look-up (valgrind gives
# its guest no vDSO).  Found with a temporary breakpoint on every function of a real run
# (12.5 KB in 18 functions that otherwise each pulled a window of cold code in).
STARTUP='_start __libc_start_main __libc_start_call_main _init _fini frame_dummy
register_tm_clones deregister_tm_clones __do_global_dtors_aux handle_intel handle_amd
handle_zhaoxin _dl_new_object _dl_setup_hash _dl_add_to_namespace_list _dl_lookup_symbol_x
do_lookup_x check_match strcmp'

# fnlist BINARY PROFILE... > LIST: executed functions, first report first, plus the
# string-function variants (above) and the start-up functions the binary has; names only
# (callgrind's "fn=(ID) NAME" / "cfn=(ID) NAME").
fnlist() {
	_bin=$1; shift
	nm "$_bin" | awk '{print $NF}' >"$P/syms"
	for _f in $STARTUP; do
		if grep -qx "$_f" "$P/syms"; then echo "$_f"; fi
	done >"$P/startup"
	{ awk '
	FNR == NR { sym[$0] = 1; n_sym++; all[n_sym] = $0; next }
	/^c?fn=\([0-9]+\) / {
		name = $0; sub(/^c?fn=\([0-9]+\) /, "", name)
		if (name ~ /^0x/ || name ~ /^\(/ || name ~ /'\''/ || seen[name]++) next
		print name
		if (match(name, /^__[a-z0-9]+_(avx2|avx|evex|sse2|sse4_1|sse4_2|sse42|ssse3)/)) {
			fam = substr(name, 3); sub(/_(avx2|avx|evex|sse2|sse4_1|sse4_2|sse42|ssse3).*$/, "", fam)
			if (famseen[fam]++) next
			for (i = 1; i <= n_sym; i++)
				if (index(all[i], "__" fam "_") == 1 &&
				    substr(all[i], length(fam) + 4) ~ /^(avx|evex)/ && !seen[all[i]]++)
					print all[i]
		}
	}' "$P/syms" "$@"; cat "$P/startup"; } | LC_ALL=C sort -u
}

cd "$P"
"$B/chibi" run "$B/wasm/examples/hello.wasm" >/dev/null # warm, and a check that it runs
valgrind -q --tool=callgrind --callgrind-out-file="$P/cli.interp" "$B/chibi" run --interp \
	--env WHO=you "$B/wasm/examples/hello.wasm" one two >/dev/null
valgrind -q --tool=callgrind --callgrind-out-file="$P/cli.jit" "$B/chibi" run --jit \
	--env WHO=you "$B/wasm/examples/hello.wasm" one two >/dev/null
# In three groups, so each tier's run touches one stretch of code: what only the JIT ran,
# what both ran, what only the interpreter ran, and last of all the interpreter's loop
# (`run`, ~65 KB, whose SIMD handlers at its end a scalar program never touches).
fnlist "$B/chibi" "$P/cli.interp" >"$P/interp.txt"
fnlist "$B/chibi" "$P/cli.jit" >"$P/jit.txt"
{
	LC_ALL=C comm -13 "$P/interp.txt" "$P/jit.txt"
	LC_ALL=C comm -12 "$P/interp.txt" "$P/jit.txt"
	LC_ALL=C comm -23 "$P/interp.txt" "$P/jit.txt" | grep -vx run
	grep -x run "$P/interp.txt"
} >"$OUT/chibi.txt"
echo "link-order: chibi.txt: $(wc -l <"$OUT/chibi.txt") functions"
[ "${1:-}" != chibi ] || exit 0

if [ "$(id -u)" != 0 ] || ! command -v containerd >/dev/null || ! command -v ctr >/dev/null ||
	! command -v runc >/dev/null || ! command -v clang >/dev/null; then
	echo "link-order: shim lists unchanged (needs root, containerd, ctr, runc, clang)"
	exit 0
fi
make -s -C "$TOP" BUILD="$B" EXTRA_CFLAGS=-DSHIM_PROFILING \
	"$B/containerd-shim-chibi-v1" "$B/containerd-shim-chibi-v1-task" >/dev/null
# containerd finds this wrapper first on its PATH; the shim it starts execs itself by path and
# then the task runner, and valgrind follows both (one profile per process).
W=$P/path
mkdir -p "$W" "$P/cg"
cat >"$W/containerd-shim-chibi-v1" <<EOF
#!/bin/sh
exec valgrind -q --tool=callgrind --trace-children=yes --callgrind-out-file=$P/cg/%p.out \
	$B/containerd-shim-chibi-v1 "\$@"
EOF
chmod +x "$W/containerd-shim-chibi-v1"
ln -s "$B/chibi" "$W/chibi"

HERE=$TOP/shim/tests
BUILD=$W
NS=link-order
. "$HERE/lib.sh"
C() { ctr --address "$T/c.sock" -n "$NS" "$@"; }
trap 'lab_down >/dev/null 2>&1; rm -rf "$P"' EXIT
lab_up >/dev/null
lab_hello_images "$P/img" docker.io/library/lo-wasm:1 docker.io/library/lo-native:1 >/dev/null
C run --rm --runtime io.containerd.chibi.v1 docker.io/library/lo-wasm:1 lo1 >/dev/null
C run --rm --runtime io.containerd.chibi.v1 docker.io/library/lo-wasm:1 lo2 >/dev/null
C run -d --runtime io.containerd.chibi.v1 docker.io/library/lo-wasm:1 lo3 /probe.wasm sleep 30 \
	>/dev/null
# Under valgrind every step is slow: wait for each state rather than a fixed time (a delete
# right after the kill found the task still running and left it behind).
lab_wait_status lo3 RUNNING 600 || { echo "link-order: lo3 never ran"; exit 1; }
C task ps lo3 >/dev/null
C task metrics lo3 >/dev/null
C task kill lo3
lab_wait_status lo3 STOPPED 600 || { echo "link-order: lo3 did not stop after kill"; exit 1; }
C task delete lo3 >/dev/null
C container rm lo3
lab_down >/dev/null 2>&1 || true

daemon= task=
for f in "$P"/cg/*.out; do
	case $(sed -n 's/^cmd: *//p' "$f" | head -1) in
	*" start" | *" delete") ;; # containerd's short-lived invocations
	*containerd-shim-chibi-v1-task\ *) task="$task $f" ;;
	*containerd-shim-chibi-v1\ -namespace*) daemon="$daemon $f" ;;
	esac
done
[ -n "$daemon" ] && [ -n "$task" ] || { echo "link-order: no shim profiles in $P/cg"; exit 1; }
# shellcheck disable=SC2086 # lists of files
fnlist "$B/containerd-shim-chibi-v1" $daemon >"$OUT/containerd-shim-chibi-v1.txt"
# shellcheck disable=SC2086
fnlist "$B/containerd-shim-chibi-v1-task" $task >"$OUT/containerd-shim-chibi-v1-task.txt"
echo "link-order: containerd-shim-chibi-v1.txt: $(wc -l <"$OUT/containerd-shim-chibi-v1.txt")," \
	"containerd-shim-chibi-v1-task.txt: $(wc -l <"$OUT/containerd-shim-chibi-v1-task.txt") functions"
