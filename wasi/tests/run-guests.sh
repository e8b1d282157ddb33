#!/bin/sh
# wasi/tests/run-guests.sh - run chibi's own WASI guest programs and `chibi run` behaviours.
#
# usage: [CHIBI_RUN_FLAGS=--interp] run-guests.sh CHIBI WASM_DIR
#
# WASM_DIR holds the compiled wasi/tests/*.c and *.wat.  Guests check themselves and print
# "NAME: N checks, 0 failed"; this script adds what a guest cannot see: exit statuses,
# stderr wording, the host side of the sandbox (files outside a preopen untouched, the
# read-only tree unchanged), and every file-system test again with the openat2 fallback
# walk forced (CHIBI_WASI_NO_OPENAT2=1).
set -u

CHIBI=$(readlink -f "$1")
W=$(readlink -f "$2")
T=$(mktemp -d "${TMPDIR:-/tmp}/chibi-wasi-guests.XXXXXX")
trap 'rm -rf "$T"' EXIT
# CHIBI_RUN_FLAGS (e.g. --interp) go right after "run" in every invocation.
if [ -n "${CHIBI_RUN_FLAGS:-}" ]; then
	printf '#!/bin/sh\n[ "$1" = run ] && { shift; exec "%s" run %s "$@"; }\nexec "%s" "$@"\n' \
		"$CHIBI" "$CHIBI_RUN_FLAGS" "$CHIBI" > "$T/chibi"
	chmod +x "$T/chibi"
	CHIBI="$T/chibi"
fi
pass=0
fail=0

ok() {
	pass=$((pass + 1))
	echo "PASS $1"
}

bad() {
	fail=$((fail + 1))
	echo "FAIL $1: $2"
	for f in "$T/out" "$T/err"; do
		[ -s "$f" ] && sed 's/^/    /' "$f" | head -20
	done
}

# expect NAME WANT_RC STDOUT_REGEX STDERR_REGEX CMD...  (empty regex: not checked)
expect() {
	name=$1 want=$2 outre=$3 errre=$4
	shift 4
	"$@" > "$T/out" 2> "$T/err" < "${STDIN:-/dev/null}"
	rc=$?
	if [ "$rc" != "$want" ]; then
		bad "$name" "exit status $rc, want $want"
	elif [ -n "$outre" ] && ! grep -Eq -- "$outre" "$T/out"; then
		bad "$name" "stdout does not match /$outre/"
	elif [ -n "$errre" ] && ! grep -Eq -- "$errre" "$T/err"; then
		bad "$name" "stderr does not match /$errre/"
	else
		ok "$name"
	fi
}

# A guest that checks itself.
selfcheck() {
	name=$1
	shift
	expect "$name${SUFFIX:-}" 0 "^$name: [0-9]+ checks, 0 failed" "" "$@"
}

# The sandbox fixture: a box to escape from, secrets beside it, a read-only tree.
mkfixture() {
	F=$1
	rm -rf "$F"
	mkdir -p "$F/outside" "$F/box/sub" "$F/ro/dir"
	printf 'top secret' > "$F/outside/secret.txt"
	printf 'victim' > "$F/outside/victim.txt"
	ln -s /etc "$F/box/etc_link"
	ln -s ../.. "$F/box/up"
	ln -s ../outside/secret.txt "$F/box/outside_link"
	ln -s loop2 "$F/box/loop1"
	ln -s loop1 "$F/box/loop2"
	ln -s chain2 "$F/box/chain1"
	ln -s chain3 "$F/box/chain2"
	ln -s real.txt "$F/box/chain3"
	printf 'real' > "$F/box/real.txt"
	ln -s ../../outside "$F/box/sub/uplink"
	ln -s .. "$F/box/sub/inlink"
	printf 'ro data' > "$F/ro/data.txt"
	touch -d '2001-02-03 04:05:06' "$F/ro/data.txt" "$F/ro/dir"
}

# The host side after sandbox.wasm: nothing outside changed, the read-only tree intact.
check_host() {
	name=$1 F=$2
	problems=""
	[ "$(cat "$F/outside/secret.txt")" = "top secret" ] || problems="$problems secret.txt"
	[ "$(cat "$F/outside/victim.txt")" = "victim" ] || problems="$problems victim.txt"
	[ "$(ls "$F/outside" | tr '\n' ' ')" = "secret.txt victim.txt " ] ||
		problems="$problems outside-listing:$(ls "$F/outside" | tr '\n' ,)"
	[ "$(ls "$F" | tr '\n' ' ')" = "box outside ro " ] || problems="$problems top-listing"
	[ "$(ls "$F/ro" | tr '\n' ' ')" = "data.txt dir " ] || problems="$problems ro-listing"
	[ "$(cat "$F/ro/data.txt")" = "ro data" ] || problems="$problems ro-data"
	[ "$(stat -c %Y "$F/ro/data.txt")" = "$(date -d '2001-02-03 04:05:06' +%s)" ] ||
		problems="$problems ro-mtime"
	[ -z "$(ls -A "$F/ro/dir")" ] || problems="$problems ro-dir"
	[ ! -e "$F/box/abs" ] && [ ! -e "$F/box/pw" ] && [ ! -e "$F/box/s" ] ||
		problems="$problems box-links"
	[ ! -e /etc/newdir ] && [ ! -e /etc/pw ] || problems="$problems etc"
	[ ! -L "$F/box/outside_link" ] || problems="$problems link-not-removed"
	if [ -z "$problems" ]; then
		ok "$name"
	else
		bad "$name" "host side changed:$problems"
	fi
}

fresh() {
	rm -rf "$T/e1" "$T/e2"
	mkdir -p "$T/e1" "$T/e2"
}

cd "$T" || exit 1

for mode in openat2 walk; do
	SUFFIX=" ($mode)"
	if [ $mode = walk ]; then
		export CHIBI_WASI_NO_OPENAT2=1
	else
		unset CHIBI_WASI_NO_OPENAT2
	fi
	fresh
	selfcheck fd_ops "$CHIBI" run --dir "$T/e1::/work" --dir "$T/e2::data" "$W/fd_ops.wasm"
	fresh
	selfcheck path_ops "$CHIBI" run --dir "$T/e1::/work" "$W/path_ops.wasm"
	fresh
	selfcheck readdir "$CHIBI" run --dir "$T/e1::/work" "$W/readdir.wasm"
	mkfixture "$T/fx"
	selfcheck sandbox "$CHIBI" run --dir "$T/fx/box::/box" --dir "$T/fx/ro::/ro:ro" \
		"$W/sandbox.wasm"
	check_host "sandbox host side ($mode)" "$T/fx"
	mkfixture "$T/fx"
	SUFFIX=" (--dir-ro, $mode)" selfcheck sandbox "$CHIBI" run --dir "$T/fx/box::/box" \
		--dir-ro "$T/fx/ro::/ro" "$W/sandbox.wasm"
	check_host "sandbox host side (--dir-ro, $mode)" "$T/fx"
done
unset CHIBI_WASI_NO_OPENAT2 SUFFIX

# Hostile arguments to every non-blocking call: errnos, never a crash; nothing escapes the
# scratch preopen (its parent must hold nothing else afterwards).
for seed in 1 2 3; do
	rm -rf "$T/fz"
	mkdir -p "$T/fz/s"
	[ $seed = 3 ] && export CHIBI_WASI_NO_OPENAT2=1
	expect "fuzz seed $seed" 0 "^fuzz: [0-9]+ checks, 0 failed" "" \
		timeout 60 "$CHIBI" run --dir "$T/fz/s::/s" "$W/fuzz.wasm" $seed 20000
	unset CHIBI_WASI_NO_OPENAT2
	[ "$(ls -A "$T/fz")" = "s" ] && ok "fuzz seed $seed stayed inside" ||
		bad "fuzz seed $seed stayed inside" "$(ls -A "$T/fz" | tr '\n' ' ')"
done

# args and environment: only what --env names reaches the guest.
FOO_HOST=hostval SECRET=leak expect args_env 0 "^args_env: [0-9]+ checks, 0 failed" "" \
	"$CHIBI" run --env A=1 --env B= --env FOO_HOST --env UNSET_ON_HOST "$W/args_env.wasm" x "y z"
selfcheck clock "$CHIBI" run "$W/clock.wasm"
expect "proc (proc_exit 42 keeps output)" 42 "^before exit$" "" "$CHIBI" run "$W/proc.wasm"
grep -q "^proc: [0-9]* checks, 0 failed" "$T/out" && ok "proc checks" || bad "proc checks" "see output"
fresh
printf 'hello\n' > "$T/stdin"
STDIN="$T/stdin" selfcheck poll "$CHIBI" run --dir "$T/e1::/work" "$W/poll.wasm"
# poll again with stdin a real pipe (the case that needs ppoll), through a shell pipeline.
fresh
expect "poll (pipe)" 0 "^poll: [0-9]+ checks, 0 failed" "" \
	sh -c "printf 'hello\n' | '$CHIBI' run --dir '$T/e1::/work' '$W/poll.wasm' pipe"
expect badptr 0 "" "" "$CHIBI" run "$W/badptr.wasm"

# Rights (wasi/README.md, "Rights"): directory fds, path_open's masking rules, stdio as a
# stream, fd_allocate's bound; and what the host sees afterwards.
fresh
mkdir -p "$T/ro" "$T/stdin_dir"
selfcheck rights "$CHIBI" run --dir "$T/e1::/work" --dir "$T/ro::/ro:ro" "$W/rights.wasm"
echo keep > "$T/stdin_dir/keep"
for d in "$T/stdin_dir" /; do
	printf 'log line\n' > "$T/log"
	STDIN="$d" expect "rights stdio (< $d, >> log)" 0 "" "" \
		sh -c "exec '$CHIBI' run '$W/rights.wasm' stdio >> '$T/log'"
	if [ "$(head -n 1 "$T/log")" = "log line" ] &&
		grep -q "^rights stdio: [0-9]* checks, 0 failed" "$T/log"; then
		ok "rights stdio: log kept, guest checks passed (< $d)"
	else
		bad "rights stdio: log kept, guest checks passed (< $d)" "$(cat "$T/log")"
	fi
done
[ "$(ls -A "$T/stdin_dir")" = keep ] && ok "rights stdio: stdin directory untouched" ||
	bad "rights stdio: stdin directory untouched" "$(ls -A "$T/stdin_dir" | tr '\n' ' ')"
for how in return:0 exit:3 trap:134; do
	expect "rights: stdin O_NONBLOCK put back (${how%:*})" 0 "^rc ${how#*:} blocking$" "" \
		python3 -c '
import fcntl, os, subprocess, sys
r, w = os.pipe()
p = subprocess.run(sys.argv[1:], stdin=r, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
fl = fcntl.fcntl(r, fcntl.F_GETFL)
print("rc", p.returncode, "nonblock" if fl & os.O_NONBLOCK else "blocking")
' "$CHIBI" run "$W/rights.wasm" nonblock "${how%:*}"
done
expect "rights: stdin closed, --dir and --tcplisten stay off fd 0" 0 \
	"^rights closed: [0-9]+ checks, 0 failed" "" \
	sh -c "exec '$CHIBI' run --dir '$T/e1::/work' --tcplisten 127.0.0.1:0 '$W/rights.wasm' closed <&-"
fresh
selfcheck "rights alloc" "$CHIBI" run --max-file-size 1MiB --dir "$T/e1::/work" "$W/rights.wasm" alloc
[ ! -e "$T/e1/big" ] || [ "$(stat -c %s "$T/e1/big")" = 1048576 ] && ok "rights alloc: host size" ||
	bad "rights alloc: host size" "$(stat -c %s "$T/e1/big")"
# ENOSPC needs a small file system: a 1 MiB tmpfs in a user namespace, when allowed.
mkdir -p "$T/tiny"
if unshare -rm true 2>/dev/null; then
	expect "rights enospc (1 MiB tmpfs)" 0 "^rights enospc: [0-9]+ checks, 0 failed" "" \
		unshare -rm sh -c "mount -t tmpfs -o size=1m none '$T/tiny' &&
			exec '$CHIBI' run --dir '$T/tiny::/work' '$W/rights.wasm' enospc"
else
	echo "SKIP rights enospc: no user namespaces here"
fi

# Sockets: a client that connects, sends "ping" and wants "pong".
port=$((20000 + $$ % 20000))
"$CHIBI" run --tcplisten "127.0.0.1:$port" "$W/sock.wasm" > "$T/sock.out" 2>&1 &
spid=$!
python3 - "$port" > "$T/client.out" 2>&1 <<'EOF'
import socket, sys, time
port = int(sys.argv[1])
for _ in range(100):
    try:
        s = socket.create_connection(("127.0.0.1", port), timeout=5)
        break
    except OSError:
        time.sleep(0.05)
else:
    sys.exit("cannot connect")
s.sendall(b"ping")
r = b""
while len(r) < 4:
    d = s.recv(4 - len(r))
    if not d:
        break
    r += d
s.close()
print("client got", r.decode())
EOF
( sleep 20; kill $spid 2>/dev/null ) &
wpid=$!
wait $spid
src=$?
kill $wpid 2>/dev/null
cp "$T/sock.out" "$T/out"
cp "$T/client.out" "$T/err"
if [ $src = 0 ] && grep -q "^sock: [0-9]* checks, 0 failed" "$T/sock.out" &&
	grep -q "client got pong" "$T/client.out"; then
	ok sock
else
	bad sock "exit $src"
fi

# Traps, limits and exit statuses.
expect "trap: 134 + message, output kept" 134 "^partial output$" \
	"^error: wasm trap: unreachable" "$CHIBI" run "$W/trap.wasm"
expect "timeout interrupts a loop" 134 "" "^error: wasm trap: interrupted" \
	timeout 20 "$CHIBI" run --timeout 300ms "$W/spin.wasm"
start=$(date +%s)
expect "timeout interrupts a sleeping guest" 134 "" "^error: wasm trap: interrupted" \
	timeout 20 "$CHIBI" run --timeout 0.5s "$W/spin.wasm" 10
[ $(($(date +%s) - start)) -lt 5 ] && ok "timeout is prompt" || bad "timeout is prompt" "took too long"
# --timeout ends a guest stuck in any blocking host call, each retried on EINTR by the guest
# (a fifo without a writer used to hang path_open forever: openat2 retried EINTR itself and
# the one-shot alarm never fired again).
rm -f "$T/fifo" && mkfifo "$T/fifo"
for mode in openat2 walk; do
	[ $mode = walk ] && export CHIBI_WASI_NO_OPENAT2=1
	for how in open read write; do
		expect "timeout interrupts a blocked $how ($mode)" 134 "" "^error: wasm trap: interrupted" \
			timeout 20 "$CHIBI" run --timeout 300ms --dir "$T::/box" "$W/block.wasm" $how /box/fifo
	done
	unset CHIBI_WASI_NO_OPENAT2
done
port=$((20000 + ($$ + 7) % 20000))
expect "timeout interrupts a blocked accept" 134 "" "^error: wasm trap: interrupted" \
	timeout 20 "$CHIBI" run --timeout 300ms --tcplisten "127.0.0.1:$port" "$W/block.wasm" accept
expect "fuel runs out" 134 "" "^error: wasm trap: all fuel consumed" \
	timeout 20 "$CHIBI" run --fuel 100000 "$W/spin.wasm"
expect "max-memory caps growth" 0 "^allocated ([0-9]|1[0-6]) MiB$" "" \
	"$CHIBI" run --max-memory 16MiB "$W/memhog.wasm"
expect "memory grows without a cap" 0 "^allocated (6[4-9]|[7-9][0-9]|[1-9][0-9][0-9]+) MiB$" "" \
	"$CHIBI" run "$W/memhog.wasm"
expect "start returns: 0" 0 "^ok$" "" "$CHIBI" run "$W/start.wasm"
expect "link error: 1" 1 "" "^error: failed to link .*no_such_function" \
	"$CHIBI" run "$W/nolink.wasm"
printf '\0asm\1\0\0\0\1\5' > "$T/broken.wasm"
expect "load error: 1 with offset" 1 "" "^error: failed to load .*broken.wasm: .* at offset [0-9]+" \
	"$CHIBI" run "$T/broken.wasm"
expect "missing file: 1" 1 "" "^error: failed to load" "$CHIBI" run "$T/nope.wasm"
# Module files are bounded: devices are refused, nothing over the maximum size is read.
expect "run /dev/urandom: 1" 1 "" "^error: failed to load /dev/urandom: .*device" \
	timeout 20 "$CHIBI" run /dev/urandom
expect "validate /dev/zero: 1" 1 "" "device" timeout 20 "$CHIBI" validate /dev/zero
expect "inspect /dev/zero: 1" 1 "" "device" timeout 20 "$CHIBI" inspect /dev/zero
CHIBI_MAX_MODULE_SIZE=100 expect "module over CHIBI_MAX_MODULE_SIZE: 1" 1 "" \
	"maximum module size" "$CHIBI" run "$W/invoke.wasm"
expect "module from a pipe over the maximum: 1" 1 "" "maximum module size" \
	sh -c "head -c 5000 /dev/zero | CHIBI_MAX_MODULE_SIZE=1000 exec '$CHIBI' run /dev/stdin"
expect "missing preopen: 1" 1 "" "^error: cannot open directory" \
	"$CHIBI" run --dir "$T/nope" "$W/start.wasm"

# --invoke on a module without imports.
I="$W/invoke.wasm"
expect "invoke i32" 0 "^5$" "" "$CHIBI" run --invoke add "$I" 2 3
expect "invoke i32 hex/negative" 0 "^15$" "" "$CHIBI" run --invoke add "$I" 0x10 -1
expect "invoke i32 wraps" 0 "^-2$" "" "$CHIBI" run --invoke add "$I" 4294967295 -1
expect "invoke i64" 0 "^-9223372036854775808$" "" \
	"$CHIBI" run --invoke addl "$I" 9223372036854775807 1
expect "invoke i64 unsigned" 0 "^-1$" "" "$CHIBI" run --invoke addl "$I" 18446744073709551615 0
expect "invoke f32" 0 "^3$" "" "$CHIBI" run --invoke fmul "$I" 1.5 2
expect "invoke f32 0.1" 0 "^0.1$" "" "$CHIBI" run --invoke fid "$I" 0.1
expect "invoke f64" 0 "^0.30000000000000004$" "" "$CHIBI" run --invoke dmul "$I" 0.1 3
expect "invoke f64 -0" 0 "^-0$" "" "$CHIBI" run --invoke did "$I" -0
expect "invoke f64 nan" 0 "^nan$" "" "$CHIBI" run --invoke did "$I" nan
expect "invoke f64 -inf" 0 "^-inf$" "" "$CHIBI" run --invoke did "$I" -inf
expect "invoke f64 hex float" 0 "^0.125$" "" "$CHIBI" run --invoke did "$I" 0x1p-3
expect "invoke f32 nan payload" 0 "^nan$" "" "$CHIBI" run --invoke fid "$I" nan:0x200000
expect "invoke v128" 0 "^i32x4:0x0000000b,0x00000016,0x00000000,0x80000000$" "" \
	"$CHIBI" run --invoke vadd "$I" i32x4:1,2,-1,0x7fffffff i32x4:10,20,1,1
expect "invoke v128 lanes" 0 "^i32x4:0x00020101,0x00000000,0x00000000,0x00000000$" "" \
	"$CHIBI" run --invoke vadd "$I" i8x16:1,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0 i16x8:0x100,2,0,0,0,0,0,0
expect "invoke v128 lane count" 2 "" "invalid argument 1" \
	"$CHIBI" run --invoke vadd "$I" i32x4:1,2,3 i32x4:1,2,3,4
expect "invoke multi-value" 0 "^-1$" "" "$CHIBI" run --invoke multi "$I"
grep -q "^1099511627776$" "$T/out" && grep -q "^0.1$" "$T/out" && ok "invoke multi lines" ||
	bad "invoke multi lines" "want -1, 1099511627776, 0.1"
expect "invoke no results" 0 "" "" "$CHIBI" run --invoke noop "$I"
[ ! -s "$T/out" ] && ok "invoke no results prints nothing" || bad "invoke noop" "printed"
expect "invoke trap" 134 "" "^error: wasm trap: integer divide by zero" \
	"$CHIBI" run --invoke div "$I" 1 0
expect "invoke timeout" 134 "" "^error: wasm trap: interrupted" \
	timeout 20 "$CHIBI" run --timeout 200ms --invoke spin "$I"
expect "invoke missing export" 1 "" "no exported function 'nope'" "$CHIBI" run --invoke nope "$I"
expect "invoke wrong arity" 2 "" "takes 2 arguments, 1 given" "$CHIBI" run --invoke add "$I" 1
expect "invoke bad number" 2 "" "invalid argument 2" "$CHIBI" run --invoke add "$I" 1 x
expect "invoke i32 out of range" 2 "" "invalid argument 1" \
	"$CHIBI" run --invoke add "$I" 4294967296 1

# Command-line errors: exit 2.
expect "usage: no file" 2 "" "no module file" "$CHIBI" run
expect "usage: unknown option" 2 "" "unknown option '--bogus'" "$CHIBI" run --bogus "$I"
expect "usage: missing value" 2 "" "needs a value" "$CHIBI" run --dir
expect "usage: bad size" 2 "" "invalid --max-memory" "$CHIBI" run --max-memory 12XB "$I"
expect "usage: --max-wasm-stack over 64MiB" 2 "" "invalid --max-wasm-stack" \
	"$CHIBI" run --max-wasm-stack 100G "$I"
expect "usage: bad duration" 2 "" "invalid --timeout" "$CHIBI" run --timeout soon "$I"
expect "--interp runs" 0 "^5$" "" "$CHIBI" run --interp --invoke add "$I" 2 3
expect "--jit runs" 0 "^5$" "" "$CHIBI" run --jit --invoke add "$I" 2 3
expect "--help" 0 "^usage: chibi run" "" "$CHIBI" run --help
expect "--version" 0 "^chibi [0-9]" "" "$CHIBI" run --version
expect "-- ends options" 0 "^5$" "" "$CHIBI" run --invoke add -- "$I" 2 3

echo "wasi-guests: $pass passed, $fail failed"
[ "$fail" = 0 ]
