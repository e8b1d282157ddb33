# shim/tests/lib.sh - a private containerd under a temp dir, shared by e2e.sh, measure.sh and
# bench/containers.sh.
#
# Nothing system-wide is touched: own config, root, state and sockets under $T, the shim found
# through PATH (the build dir first), CRI disabled.  lab_down stops only what lab_up started
# (containerd by pid, then shims of this containerd by pid) and removes mounts and cgroups.
# Sourced, not executed.  Needs: BUILD (build dir, absolute), NS (namespace).
#
# CONTAINERD picks the release: 1.6 (default: the system's, Debian 12), 1.7 (Debian 13's) or 2.1
# (Debian unstable's).  1.7 and 2.1 are fetched by tools/debian-pkg.sh into $BUILD/debian (once;
# cached) and run from there with their own ctr and containerd-shim-runc-v2; nothing is installed.
# The pins are the versions the Debian archive serves (the fetch says so if one goes away).
LAB_PIN_1_7="trixie 1.7.24~ds1-6+deb13u1"
LAB_PIN_2_1="sid 2.1.9+ds1-5"

# lab_containerd: set CTRD_DIR (holds containerd, ctr, containerd-shim-runc-v2), CTR, CTRD_MAJOR
# and CTRD_VERSION (`containerd --version`) for $CONTAINERD; SKIP (exit 0) when the archive is
# unreachable.
lab_containerd() {
	case ${CONTAINERD:=1.6} in
	1.6) CTRD_DIR=$(dirname "$(command -v containerd)") ;;
	1.7 | 2.1)
		pin=$(eval echo "\$LAB_PIN_$(echo "$CONTAINERD" | tr . _)")
		CTRD_DIR=$("${TOP:-$(dirname "$BUILD")}/tools/debian-pkg.sh" -B "$BUILD" \
			"${pin% *}" containerd "${pin#* }")
		case $? in
		0) CTRD_DIR=$CTRD_DIR/usr/bin ;;
		77) echo "SKIP: containerd $CONTAINERD: the Debian archive is unreachable"; exit 0 ;;
		*) echo "containerd $CONTAINERD ($pin) could not be fetched"; exit 1 ;;
		esac
		;;
	*) echo "CONTAINERD=$CONTAINERD: want 1.6, 1.7 or 2.1"; exit 1 ;;
	esac
	CTR=$CTRD_DIR/ctr
	CTRD_MAJOR=${CONTAINERD%%.*}
	if [ "$CONTAINERD" = 1.6 ]; then
		CTRD_VERSION="$(dpkg-query -W -f='${Version}' containerd 2>/dev/null) (Debian, installed)"
	else
		CTRD_VERSION="${pin#* } (Debian ${pin% *}, $CTRD_DIR)"
	fi
	echo "containerd $CTRD_VERSION: $("$CTRD_DIR/containerd" --version)"
}

lab_need() {
	if [ "$(id -u)" != 0 ]; then
		echo "SKIP: needs root (containerd, mounts, cgroups)"; exit 0
	fi
	for b in runc clang; do
		command -v "$b" >/dev/null 2>&1 || { echo "SKIP: $b not installed"; exit 0; }
	done
	if [ "${CONTAINERD:-1.6}" = 1.6 ]; then
		for b in containerd ctr; do
			command -v "$b" >/dev/null 2>&1 || { echo "SKIP: $b not installed"; exit 0; }
		done
	fi
	lab_containerd
}

# lab_up: a fresh $T and a containerd on it.  The config is version 2 for 1.x and version 3 for
# 2.x (which split CRI into several plugins and dropped the opt plugin); LAB_CRI=1 keeps CRI
# enabled and LAB_CONFIG_EXTRA (TOML, in the dialect of the running release; @T@ stands for $T)
# is appended.
lab_up() {
	T=$(mktemp -d /tmp/chibi-e2e.XXXXXX)
	chmod 0711 "$T"
	if [ "${CTRD_MAJOR:-1}" -ge 2 ]; then
		cfg_version=3
		cri_off='"io.containerd.grpc.v1.cri", "io.containerd.cri.v1.runtime", "io.containerd.cri.v1.images", "io.containerd.podsandbox.controller.v1.podsandbox"'
		opt=
	else
		cfg_version=2
		cri_off='"io.containerd.grpc.v1.cri"'
		opt="[plugins.\"io.containerd.internal.v1.opt\"]
  path = \"$T/root/opt\""
	fi
	[ "${LAB_CRI:-0}" = 1 ] && cri_off=
	extra=$(printf '%s\n' "${LAB_CONFIG_EXTRA:-}" | sed "s|@T@|$T|g")
	cat > "$T/config.toml" <<EOF
version = $cfg_version
root = "$T/root"
state = "$T/state"
disabled_plugins = [$cri_off]
[grpc]
  address = "$T/c.sock"
[ttrpc]
  address = "$T/c.sock.ttrpc"
[debug]
  address = "$T/d.sock"
  level = "debug"
[metrics]
  address = ""
$opt
$extra
EOF
	lab_start
}

# (Re)start containerd on the existing $T; the build dir comes first on its PATH.
lab_start() {
	PATH="$BUILD:${CTRD_DIR:+$CTRD_DIR:}$PATH" setsid "${CTRD_DIR:+$CTRD_DIR/}containerd" --config "$T/config.toml" \
		>>"$T/containerd.log" 2>&1 </dev/null &
	CD_PID=$!
	i=0
	while [ $i -lt 100 ]; do
		if timeout 5 "${CTR:-ctr}" --address "$T/c.sock" version >/dev/null 2>&1; then
			return 0
		fi
		kill -0 "$CD_PID" 2>/dev/null || { tail -20 "$T/containerd.log"; return 1; }
		i=$((i + 1)); sleep 0.1
	done
	echo "containerd did not come up"; return 1
}

lab_stop_containerd() {
	[ -n "${CD_PID:-}" ] || return 0
	kill -TERM "$CD_PID" 2>/dev/null
	i=0
	while kill -0 "$CD_PID" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
	kill -KILL "$CD_PID" 2>/dev/null
	wait "$CD_PID" 2>/dev/null
	CD_PID=
}

# Pids of shims serving this lab (their -address is our socket).
lab_shims() {
	for p in $(pgrep -f "containerd-shim-.*-address $T/c.sock" 2>/dev/null); do echo "$p"; done
}

lab_down() {
	[ -n "${T:-}" ] && [ -d "$T" ] || return 0
	# Remove what is left, politely first, through containerd.
	if [ -n "${CD_PID:-}" ]; then
		for c in $(C task ls -q 2>/dev/null); do C task kill -s SIGKILL "$c" >/dev/null 2>&1; done
		sleep 0.3
		for c in $(C task ls -q 2>/dev/null); do C task delete -f "$c" >/dev/null 2>&1; done
		for c in $(C container ls -q 2>/dev/null); do C container delete "$c" >/dev/null 2>&1; done
	fi
	lab_stop_containerd
	# LAB_LOG=FILE keeps containerd's log (with the shims' lines) for a look afterwards.
	[ -n "${LAB_LOG:-}" ] && cp "$T/containerd.log" "$LAB_LOG"
	for p in $(lab_shims); do kill -KILL "$p" 2>/dev/null; done
	grep " $T/" /proc/mounts | awk '{print $2}' | sort -r | while read -r m; do
		umount -l "$m" 2>/dev/null
	done
	# The cgroup parent the lab's containers used: the namespace for ctr's, LAB_CGROUP_PARENT
	# when the test chose one (CRI: the namespace is k8s.io, whose cgroups are not ours).
	cg=${LAB_CGROUP_PARENT:-$NS}
	for d in /sys/fs/cgroup/*/"$cg" /sys/fs/cgroup/"$cg"; do
		[ -d "$d" ] || continue
		find "$d" -depth -type d -exec rmdir {} \; 2>/dev/null
	done
	rm -rf "$T"
}

C() {
	timeout 60 "${CTR:-ctr}" --address "$T/c.sock" -n "$NS" "$@"
}

# Compile a C file for wasm32-wasi (compile and link as separate steps).
wasm_cc() {
	sysroot=
	[ -d /usr/share/wasi-sysroot ] && sysroot=--sysroot=/usr/share/wasi-sysroot
	clang --target=wasm32-wasi $sysroot -O2 -c "$1" -o "$2.o" &&
		clang --target=wasm32-wasi $sysroot -Wl,--strip-all "$2.o" -o "$2"
}

# The lab of a script run on its own (createfail.sh, cdkill.sh): need, start and clean up
# a containerd (traps for the whole shell), then build and import the probe guest as $IMG.
# Exits the shell on failure.  Needs HERE, BUILD, NS and IMG.
lab_up_probe() {
	lab_need
	trap 'lab_down' EXIT
	trap 'exit 130' INT TERM
	lab_up || exit 1
	mkdir -p "$T/img"
	wasm_cc "$HERE/probe.c" "$T/img/probe.wasm" || { echo "cannot compile probe.c"; exit 1; }
	"$BUILD/chibi" image build -o "$T/probe.tar" --name "$IMG" --entrypoint /probe.wasm \
		"$T/img/probe.wasm" >/dev/null 2>&1 &&
		C image import --platform wasi/wasm "$T/probe.tar" >/dev/null 2>&1 ||
		{ echo "cannot build/import the probe image"; exit 1; }
}

# ---- shared by measure.sh and bench/containers.sh ------------------------------------------

# The platform of a native image for this machine (linux/amd64, linux/arm64, ...).
lab_native_platform() {
	case $(uname -m) in
	x86_64) echo linux/amd64 ;;
	aarch64 | arm64) echo linux/arm64 ;;
	armv7l) echo linux/arm/v7 ;;
	*) echo "linux/$(uname -m)" ;;
	esac
}

# lab_hello_images DIR WASM_IMAGE NATIVE_IMAGE: hello.c and probe.c built twice, for wasm32-wasi
# (entrypoint /hello.wasm, probe at /probe.wasm, for io.containerd.chibi.v1) and as static
# native binaries (entrypoint /hello, probe at /probe, for runc), each packed with
# `chibi image build` and imported.  Needs clang (wasm), gcc (-static), $BUILD/chibi, and HERE
# set to shim/tests (where hello.c and probe.c are).
lab_hello_images() {
	_d=$1
	mkdir -p "$_d"
	wasm_cc "$HERE/hello.c" "$_d/hello.wasm" && wasm_cc "$HERE/probe.c" "$_d/probe.wasm" ||
		{ echo "cannot compile hello.c/probe.c for wasm32-wasi"; return 1; }
	gcc -static -O2 -s -o "$_d/hello" "$HERE/hello.c" &&
		gcc -static -O2 -s -o "$_d/probe" "$HERE/probe.c" ||
		{ echo "cannot build static native hello/probe (gcc -static)"; return 1; }
	"$BUILD/chibi" image build -o "$_d/w.tar" --name "$2" --entrypoint /hello.wasm \
		"$_d/hello.wasm" "$_d/probe.wasm:/probe.wasm" >/dev/null &&
		"$BUILD/chibi" image build -o "$_d/n.tar" --name "$3" --platform "$(lab_native_platform)" \
			--entrypoint /hello "$_d/hello" "$_d/probe:/probe" >/dev/null ||
		{ echo "chibi image build failed"; return 1; }
	C image import --platform wasi/wasm "$_d/w.tar" >/dev/null &&
		C image import "$_d/n.tar" >/dev/null || { echo "ctr image import failed"; return 1; }
}

# lab_task_pids [PREFIX]: one line "ID SHIM_PID TASK_PID STATUS" per task of this lab whose
# container id starts with PREFIX (SHIM_PID is - when no shim names that id).
lab_task_pids() {
	{
		pgrep -af "containerd-shim-.*-address $T/c.sock" 2>/dev/null |
			awk '{for (i = 2; i < NF; i++) if ($i == "-id") print "S", $(i + 1), $1}'
		C task ls 2>/dev/null | awk 'NR > 1 {print "T", $1, $2, $3}'
	} | awk -v p="${1:-}" '
		index($2, p) != 1 { next }
		$1 == "S" { shim[$2] = $3; next }
		{ task[$2] = $3; st[$2] = $4; order[++n] = $2 }
		END {
			for (i = 1; i <= n; i++) {
				id = order[i]
				print id, (id in shim) ? shim[id] : "-", task[id], st[id]
			}
		}'
}

# lab_wait_status ID STATUS [TENTHS]: wait until `ctr task ls` shows task ID in STATUS
# (RUNNING, STOPPED, ...), polling every 0.1 s, at most TENTHS polls (default 50); 1 if not.
lab_wait_status() {
	_i=0
	while [ $_i -lt "${3:-50}" ]; do
		C task ls 2>/dev/null | awk -v id="$1" '$1 == id {print $3}' | grep -qx "$2" && return 0
		_i=$((_i + 1)); sleep 0.1
	done
	return 1
}

# lab_rm_all [PREFIX]: kill and delete every task and container of this lab (whose id starts
# with PREFIX), in parallel batches; fast enough for thousands of containers.
lab_rm_all() {
	C task ls -q 2>/dev/null | grep "^${1:-}" |
		xargs -r -n 25 -P 4 timeout 300 "${CTR:-ctr}" --address "$T/c.sock" -n "$NS" task delete -f \
			>/dev/null 2>&1
	C container ls -q 2>/dev/null | grep "^${1:-}" |
		xargs -r -n 25 -P 4 timeout 300 "${CTR:-ctr}" --address "$T/c.sock" -n "$NS" container delete \
			>/dev/null 2>&1
}
