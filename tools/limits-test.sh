#!/bin/sh
# tools/limits-test.sh CHIBI - resource limits, the same in the interpreter and the JIT
# (`make test-limits`, part of `make test`): every case runs under --interp and --jit and
# must end with the documented status and message, never a signal.
#   - deep recursion (small and large frames; default, 64 KiB and 64 MiB --max-wasm-stack):
#     134 "call stack exhausted", peak RSS bounded by the stack limit
#   - --fuel: 134 "all fuel consumed"; --timeout: 134 "interrupted" in a loop, in
#     poll_oneoff (an hour's sleep) and in fd_read of a fifo with no writer
#   - --max-memory: memory.grow beyond it returns -1; a module whose minimum is beyond it
#     fails to instantiate (1)
#   - 100,000 path_opens without a close: the fd table stops at EMFILE (exit 33), no crash
#     (at 16,384, WASI_MAX_FDS, or the host's RLIMIT_NOFILE if lower)
#   - fd_write with 2^31 iovecs (EFAULT, 21) and with 100,000 valid ones (a short write of
#     at most 1024 iovecs, like writev's UIO_MAXIOV)
#   - a data segment that claims 1 GiB in a small file (load error 1, without allocating it)
#     and a real 32 MiB one (runs; RSS about that)
set -u
CHIBI=$(readlink -f "$1")
T=$(mktemp -d "${TMPDIR:-/tmp}/chibi-limits.XXXXXX")
trap 'rm -rf "$T"' EXIT
pass=0 fail=0

# check NAME WANT_RC STDERR_REGEX MAX_RSS_KB CMD... (regex/rss empty: not checked)
check() {
	name=$1 want=$2 errre=$3 maxrss=$4
	shift 4
	/usr/bin/time -f '%M' -o "$T/rss" "$@" > "$T/out" 2> "$T/err" < /dev/null
	rc=$?
	rss=$(tail -1 "$T/rss")
	if [ "$rc" != "$want" ]; then
		echo "FAIL $name: exit status $rc, want $want"; sed 's/^/    /' "$T/err" | head -5
		fail=$((fail + 1))
	elif [ -n "$errre" ] && ! grep -Eq -- "$errre" "$T/err"; then
		echo "FAIL $name: stderr does not match /$errre/"; sed 's/^/    /' "$T/err" | head -5
		fail=$((fail + 1))
	elif [ -n "$maxrss" ] && [ "$rss" -gt "$maxrss" ]; then
		echo "FAIL $name: peak RSS $rss KB > $maxrss KB"
		fail=$((fail + 1))
	else
		pass=$((pass + 1))
	fi
}

wat() { wat2wasm --enable-all "$T/$1.wat" -o "$T/$1.wasm" || exit 1; }

cat > "$T/rec.wat" <<'W'
(module
  (func $f (export "f") (param i32) (result i32)
    (i32.add (call $f (i32.add (local.get 0) (i32.const 1))) (i32.const 1)))
  (func $big (export "big") (param i32) (result i32)
    (local i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64
           f64 f64 f64 f64 f64 f64 f64 f64 f64 f64 f64 f64 f64 f64 f64 f64 f64 f64 f64 f64)
    (i32.add (call $big (i32.add (local.get 0) (i32.const 1))) (i32.const 1)))
  (table 1 funcref) (elem (i32.const 0) $ind) (type $t (func (param i32) (result i32)))
  (func $ind (export "ind") (param i32) (result i32)
    (call_indirect (type $t) (local.get 0) (i32.const 0)))
  (func (export "spin") (loop $l (br $l)))
  (memory 1 100)
  (func (export "grow") (result i32)
    (drop (memory.grow (i32.const 15)))    ;; 16 pages = 1 MiB: fits
    (memory.grow (i32.const 1))))          ;; beyond --max-memory 1MiB: -1
W
cat > "$T/big_min.wat" <<'W'
(module (memory 1000) (func (export "f")))
W
cat > "$T/wasi.wat" <<'W'
(module
  (import "wasi_snapshot_preview1" "path_open"
    (func $path_open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "poll_oneoff" (func $poll (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (import "wasi_snapshot_preview1" "args_sizes_get" (func $argc (param i32 i32) (result i32)))
  (memory (export "memory") 20)
  (data (i32.const 16) ".") (data (i32.const 24) "fifo") (data (i32.const 32) "x")
  ;; argc selects the case: 2 open many, 3 huge iovec count, 4 many iovecs, 5 sleep, 6 fifo
  (func (export "_start") (local $i i32) (local $e i32)
    (drop (call $argc (i32.const 0) (i32.const 4)))
    (if (i32.eq (i32.load (i32.const 0)) (i32.const 2)) (then
      (loop $l
        (local.set $e (call $path_open (i32.const 3) (i32.const 0) (i32.const 16) (i32.const 1)
          (i32.const 0) (i64.const 0) (i64.const 0) (i32.const 0) (i32.const 40)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br_if $l (i32.and (i32.eqz (local.get $e)) (i32.lt_u (local.get $i) (i32.const 100000)))))
      ;; the fd table's cap (16,384) or the host's RLIMIT_NOFILE: either way EMFILE, after
      ;; more than a few
      (if (i32.lt_u (local.get $i) (i32.const 1000)) (then (call $exit (i32.const 100))))
      (call $exit (local.get $e))))
    (if (i32.eq (i32.load (i32.const 0)) (i32.const 3)) (then
      (call $exit (call $fd_write (i32.const 1) (i32.const 0) (i32.const 0x7fffffff) (i32.const 8)))))
    (if (i32.eq (i32.load (i32.const 0)) (i32.const 4)) (then
      (loop $l   ;; 100,000 iovecs of 1 byte at 65536
        (i64.store (i32.add (i32.const 65536) (i32.shl (local.get $i) (i32.const 3))) (i64.const 0x100000020))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br_if $l (i32.lt_u (local.get $i) (i32.const 100000))))
      (local.set $e (call $fd_write (i32.const 1) (i32.const 65536) (i32.const 100000) (i32.const 8)))
      (if (local.get $e) (then (call $exit (local.get $e))))
      ;; a short write: more than nothing, at most 1024 bytes
      (if (i32.or (i32.eqz (i32.load (i32.const 8))) (i32.gt_u (i32.load (i32.const 8)) (i32.const 1024)))
        (then (call $exit (i32.const 101))))
      (call $exit (i32.const 0))))
    (if (i32.eq (i32.load (i32.const 0)) (i32.const 5)) (then
      ;; one relative monotonic-clock subscription of an hour
      (i32.store8 (i32.const 1032) (i32.const 0)) (i32.store (i32.const 1040) (i32.const 1))
      (i64.store (i32.const 1048) (i64.const 3600000000000))
      (drop (call $poll (i32.const 1024) (i32.const 2048) (i32.const 1) (i32.const 8)))
      (call $exit (i32.const 102))))
    (if (i32.eq (i32.load (i32.const 0)) (i32.const 6)) (then
      (drop (call $path_open (i32.const 3) (i32.const 0) (i32.const 24) (i32.const 4)
          (i32.const 0) (i64.const 2) (i64.const 0) (i32.const 0) (i32.const 40)))
      (i32.store (i32.const 48) (i32.const 4096)) (i32.store (i32.const 52) (i32.const 16))
      (drop (call $fd_read (i32.load (i32.const 40)) (i32.const 48) (i32.const 1) (i32.const 8)))
      (call $exit (i32.const 103))))))
W
wat rec; wat big_min; wat wasi
# A data segment claiming 1 GiB (LEB 0x40000000) in a 40-byte file: header, memory section
# (1 page), data section whose one active segment says 1 GiB of bytes follow.
printf '\0asm\1\0\0\0\5\3\1\0\1\13\12\1\0\101\0\13\200\200\200\200\4' > "$T/claim.wasm"
# A real 32 MiB data segment: 512 pages of memory, the segment at 0.
{
	# type ()->i32, one function exporting "f" = i32.load8_u of the segment's last byte
	printf '\0asm\1\0\0\0\1\5\1\140\0\1\177\3\2\1\0\5\4\1\0\200\4\7\5\1\1f\0\0'
	printf '\12\14\1\12\0\101\377\377\377\17\55\0\0\13'
	printf '\13\211\200\200\20\1\0\101\0\13\200\200\200\20'   # section 32 MiB + 9, segment 32 MiB
	head -c 33554432 /dev/zero | tr '\0' 'z'
} > "$T/data32m.wasm"
mkfifo "$T/box/fifo" 2>/dev/null || { mkdir -p "$T/box" && mkfifo "$T/box/fifo"; }

for mode in --interp --jit; do
	check "recursion ($mode)" 134 "call stack exhausted in function #0" 20000 \
		"$CHIBI" run $mode --invoke f "$T/rec.wasm" 0
	check "recursion, large frames ($mode)" 134 "call stack exhausted in function #1" 20000 \
		"$CHIBI" run $mode --invoke big "$T/rec.wasm" 0
	check "recursion through call_indirect ($mode)" 134 "call stack exhausted" 20000 \
		"$CHIBI" run $mode --invoke ind "$T/rec.wasm" 0
	check "recursion, 64 KiB stack ($mode)" 134 "call stack exhausted" 8000 \
		"$CHIBI" run $mode --max-wasm-stack 64KiB --invoke f "$T/rec.wasm" 0
	check "recursion, 64 MiB stack ($mode)" 134 "call stack exhausted" 80000 \
		"$CHIBI" run $mode --max-wasm-stack 64MiB --invoke big "$T/rec.wasm" 0
	check "fuel ($mode)" 134 "all fuel consumed" "" \
		"$CHIBI" run $mode --fuel 1000000 --invoke spin "$T/rec.wasm"
	check "timeout in a loop ($mode)" 134 "interrupted" "" \
		timeout 20 "$CHIBI" run $mode --timeout 200ms --invoke spin "$T/rec.wasm"
	check "timeout in poll_oneoff ($mode)" 134 "interrupted" "" \
		timeout 20 "$CHIBI" run $mode --timeout 200ms "$T/wasi.wasm" a b c d
	check "timeout in fd_read of a fifo with no writer ($mode)" 134 "interrupted" "" \
		timeout 20 "$CHIBI" run $mode --timeout 200ms --dir "$T/box::." "$T/wasi.wasm" a b c d e
	check "max-memory caps memory.grow ($mode)" 0 "" "" \
		sh -c "\"$CHIBI\" run $mode --max-memory 1MiB --invoke grow \"$T/rec.wasm\" | grep -qx -- -1"
	check "max-memory below the minimum ($mode)" 1 "" "" \
		"$CHIBI" run $mode --max-memory 1MiB --invoke f "$T/big_min.wasm"
	check "100,000 opens: EMFILE ($mode)" 33 "" "" \
		"$CHIBI" run $mode --dir "$T::." "$T/wasi.wasm" a
	check "2^31 iovecs: EFAULT ($mode)" 21 "" "" "$CHIBI" run $mode "$T/wasi.wasm" a b
	check "100,000 iovecs: a short write ($mode)" 0 "" "" "$CHIBI" run $mode "$T/wasi.wasm" a b c
	check "data segment claiming 1 GiB ($mode)" 1 "failed to load" 20000 \
		"$CHIBI" run $mode "$T/claim.wasm"
	check "32 MiB data segment ($mode)" 0 "" 120000 \
		sh -c "\"$CHIBI\" run $mode --invoke f \"$T/data32m.wasm\" | grep -qx 122"
done
echo "limits: $pass passed, $fail failed"
[ $fail -eq 0 ]
