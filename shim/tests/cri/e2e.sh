#!/bin/sh
# shim/tests/cri/e2e.sh - the Kubernetes path: containerd's CRI plugin runs pods whose
# RuntimeClass handler is `chibi`, driven through the CRI socket as the kubelet drives it.
#
# Starts a private containerd (lib.sh; CONTAINERD=1.6, 1.7 or 2.1) with CRI on, the `chibi` and
# `runc` handlers in the config dialect of that release, a locally built static pause image as the
# sandbox image and a CNI bridge on a private subnet; imports the images; generates the CRI client
# from k8s.io/cri-api's api.proto (Debian's golang-k8s-cri-api-dev, fetched like containerd) and
# runs cri_test.py in three phases, restarting containerd between the first two.
# Usage: BUILD=build CONTAINERD=2.1 shim/tests/cri/e2e.sh   (as root)
#   CRI_ONLY=t_logs,t_oom   run only those tests (names in cri_test.py's PHASES)
#   CRI_BENCH=1             the pod benchmark instead of the tests (make bench-cri)
#   CRI_BENCH=pods          pod boots and pods alive, chibi vs runc (bench/pods.sh)
set -u
HERE=$(cd "$(dirname "$0")/.." && pwd)
CRI=$HERE/cri
TOP=$(cd "$HERE/../.." && pwd)
BUILD=$(cd "$TOP/${BUILD:-build}" && pwd)
NS=k8s.io
PY=/usr/bin/python3
CRI_API_PIN="sid 0.36.4-1"
WASM_IMAGE=docker.io/library/chibi-podprobe:cri
NATIVE_IMAGE=docker.io/library/chibi-native-hello:cri
PAUSE_IMAGE=localhost/chibi-pause:cri
STOP_IMAGE=docker.io/library/chibi-podprobe:cri-sigurg
# The bridge and subnet the test creates (per run, so two checkouts can test at once); no traffic
# leaves them.
BRIDGE=chibicri$(($$ % 100000))
SUBNET=10.213.$(($$ % 250)).0/24
CG_PARENT=/chibi-cri-$$
LAB_CGROUP_PARENT=${CG_PARENT#/}
. "$HERE/lib.sh"

lab_need
[ -x "$BUILD/containerd-shim-chibi-v1" ] || { echo "build the shim first (make shim)"; exit 1; }
[ -x "$BUILD/chibi" ] || { echo "build chibi first (make)"; exit 1; }
need() { echo "$1 missing: run tools/install-deps.sh"; exit 1; }
$PY -c 'import grpc, grpc_tools' 2>/dev/null || need "python3-grpcio or python3-grpc-tools"
for p in bridge host-local loopback; do
	[ -x /usr/lib/cni/$p ] || need "CNI plugin $p (containernetworking-plugins)"
done

# ---- the CRI client, generated from the Kubernetes API ------------------------------------------
API=$("$TOP/tools/debian-pkg.sh" -B "$BUILD" "${CRI_API_PIN% *}" golang-k8s-cri-api-dev \
	"${CRI_API_PIN#* }")
case $? in
0) ;;
77) echo "SKIP: CRI e2e: the Debian archive is unreachable"; exit 0 ;;
*) echo "golang-k8s-cri-api-dev ${CRI_API_PIN#* } could not be fetched"; exit 1 ;;
esac
PROTO=$API/usr/share/gocode/src/k8s.io/cri-api/pkg/apis/runtime/v1/api.proto
CRI_PY=$BUILD/cri/py
if [ ! -f "$CRI_PY/api_pb2_grpc.py" ] || [ "$PROTO" -nt "$CRI_PY/api_pb2_grpc.py" ]; then
	mkdir -p "$CRI_PY"
	# Debian 12's protoc (3.21) predates the debug_redact field option (no effect on the wire).
	sed 's/ *\[debug_redact = true\]//' "$PROTO" >"$CRI_PY/api.proto"
	$PY -m grpc_tools.protoc -I"$CRI_PY" --python_out="$CRI_PY" --grpc_python_out="$CRI_PY" \
		"$CRI_PY/api.proto" || { echo "cannot generate the CRI client from $PROTO"; exit 1; }
fi
# The shim's own copy of containerd 2.3's bootstrap messages, for the start-protocol check.
if [ ! -f "$CRI_PY/containerd/bootstrap_pb2.py" ] ||
	[ "$TOP/shim/proto/containerd/bootstrap.proto" -nt "$CRI_PY/containerd/bootstrap_pb2.py" ]
then
	$PY -m grpc_tools.protoc -I"$TOP/shim/proto" --python_out="$CRI_PY" \
		"$TOP/shim/proto/containerd/bootstrap.proto" ||
		{ echo "cannot compile bootstrap.proto"; exit 1; }
fi
echo "CRI API: k8s.io/cri-api ${CRI_API_PIN#* } (Debian ${CRI_API_PIN% *})"

cleanup() {
	lab_down
	ip link del "$BRIDGE" 2>/dev/null
	return 0
}
trap 'cleanup' EXIT
trap 'exit 130' INT TERM

# ---- containerd with CRI: the chibi handler in the dialect of this release ----------------------
# restrict_oom_score_adj: runc sets the pause container's oom_score_adj to -998 as CRI asks, and
# lowering it needs CAP_SYS_RESOURCE, which the test machine's root lacks ("failed to update
# /proc/self/oom_score_adj: Permission denied"); containerd then clamps it to its own.
if [ "$CTRD_MAJOR" -ge 2 ]; then
	LAB_CONFIG_EXTRA="[plugins.'io.containerd.cri.v1.images'.pinned_images]
  sandbox = '$PAUSE_IMAGE'
[plugins.'io.containerd.cri.v1.runtime']
  restrict_oom_score_adj = true
[plugins.'io.containerd.cri.v1.runtime'.containerd]
  default_runtime_name = 'runc'
[plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc]
  runtime_type = 'io.containerd.runc.v2'
[plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.chibi]
  runtime_type = 'io.containerd.chibi.v1'
[plugins.'io.containerd.cri.v1.runtime'.cni]
  bin_dirs = ['/usr/lib/cni']
  conf_dir = '@T@/cni'
[plugins.'io.containerd.grpc.v1.cri']
  stream_server_address = '127.0.0.1'
  stream_server_port = '0'"
else
	LAB_CONFIG_EXTRA="[plugins.\"io.containerd.grpc.v1.cri\"]
  sandbox_image = \"$PAUSE_IMAGE\"
  restrict_oom_score_adj = true
  stream_server_address = \"127.0.0.1\"
  stream_server_port = \"0\"
[plugins.\"io.containerd.grpc.v1.cri\".containerd]
  default_runtime_name = \"runc\"
[plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.runc]
  runtime_type = \"io.containerd.runc.v2\"
[plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.chibi]
  runtime_type = \"io.containerd.chibi.v1\"
[plugins.\"io.containerd.grpc.v1.cri\".cni]
  bin_dir = \"/usr/lib/cni\"
  conf_dir = \"@T@/cni\""
fi
LAB_CRI=1
lab_up || exit 1
# The CNI config: CRI watches conf_dir and picks it up (NetworkReady turns true).
mkdir -p "$T/cni" "$T/cni-ipam" "$T/kubelet"
cat >"$T/cni/10-chibi-cri.conflist" <<EOF
{
  "cniVersion": "1.0.0",
  "name": "chibi-cri",
  "plugins": [
    {
      "type": "bridge",
      "bridge": "$BRIDGE",
      "isGateway": true,
      "ipMasq": false,
      "ipam": {
        "type": "host-local",
        "ranges": [[{"subnet": "$SUBNET"}]],
        "dataDir": "$T/cni-ipam"
      }
    }
  ]
}
EOF

# ---- images: the wasm guest, a native hello and the pause ----------------------------------------
IMGD=$T/img
mkdir -p "$IMGD"
PLATFORM=$(lab_native_platform)
wasm_cc "$CRI/podprobe.c" "$IMGD/podprobe.wasm" && wasm_cc "$HERE/probe.c" "$IMGD/probe.wasm" ||
	{ echo "cannot compile the wasm guests"; exit 1; }
gcc -static -O2 -s -o "$IMGD/pause" "$CRI/pause.c" &&
	gcc -static -O2 -s -o "$IMGD/hello" "$HERE/hello.c" ||
	{ echo "cannot build the static pause/hello (gcc -static)"; exit 1; }
"$BUILD/chibi" image build --platform "$PLATFORM" -o "$IMGD/w.tar" --name "$WASM_IMAGE" \
	--entrypoint /podprobe.wasm "$IMGD/podprobe.wasm" "$IMGD/probe.wasm:/probe.wasm" >/dev/null &&
"$BUILD/chibi" image build --platform "$PLATFORM" -o "$IMGD/n.tar" --name "$NATIVE_IMAGE" \
	--entrypoint /hello "$IMGD/hello" >/dev/null &&
"$BUILD/chibi" image build --platform "$PLATFORM" -o "$IMGD/p.tar" --name "$PAUSE_IMAGE" \
	--entrypoint /pause "$IMGD/pause" >/dev/null || { echo "chibi image build failed"; exit 1; }
$PY "$CRI/image_stopsignal.py" "$IMGD/w.tar" "$IMGD/s.tar" "$STOP_IMAGE" SIGURG ||
	{ echo "cannot make the StopSignal image"; exit 1; }
for t in w n p s; do
	C image import "$IMGD/$t.tar" >/dev/null || { echo "ctr image import $t.tar failed"; exit 1; }
done

export T CRI_PY CTRD_MAJOR CTRD_DIR BUILD
export CRI_WASM_IMAGE=$WASM_IMAGE CRI_STOP_IMAGE=$STOP_IMAGE CRI_NATIVE_IMAGE=$NATIVE_IMAGE
export CRI_PAUSE_IMAGE=$PAUSE_IMAGE
export CRI_SUBNET=$SUBNET CRI_CGROUP_PARENT=$CG_PARENT
TOTAL_PASS=0
TOTAL_FAIL=0
phase() {
	$PY "$CRI/cri_test.py" --phase "$1" ${CRI_ONLY:+--only "$CRI_ONLY"} | tee "$T/phase-$1.out"
	r=$(tail -1 "$T/phase-$1.out")
	p=$(echo "$r" | sed -n 's/.*: \([0-9]*\) passed, \([0-9]*\) failed/\1/p')
	f=$(echo "$r" | sed -n 's/.*: \([0-9]*\) passed, \([0-9]*\) failed/\2/p')
	[ -n "$p" ] || { p=0; f=1; echo "FAIL phase $1 did not finish"; }
	TOTAL_PASS=$((TOTAL_PASS + p))
	TOTAL_FAIL=$((TOTAL_FAIL + f))
}
if [ "${CRI_BENCH:-0}" = 1 ]; then
	# make bench-cri: chibi pods beside runc pods on this containerd, in the same run.
	phase bench
elif [ "${CRI_BENCH:-0}" = pods ]; then
	phase pods
else
	phase life
	lab_stop_containerd
	lab_start || { echo "FAIL containerd did not come back"; exit 1; }
	phase restart
	phase shimkill
fi
# containerd's own view of errors, for a failed run.
[ $TOTAL_FAIL = 0 ] || grep -E 'level=error' "$T/containerd.log" | tail -15
echo "cri e2e (containerd $CTRD_VERSION): $TOTAL_PASS passed, $TOTAL_FAIL failed"
[ $TOTAL_FAIL = 0 ]
