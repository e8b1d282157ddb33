#!/bin/sh
# tools/install-deps.sh - install chibi's build and test dependencies from Debian's packages.
# Idempotent: installs only what is missing.  Needs root (or sudo) when something is missing.
set -eu

PKGS="make gcc clang lld libclang-rt-14-dev libclang-rt-14-dev-wasm32 wasi-libc wabt binaryen
libcriterion-dev libcapstone-dev zlib1g-dev libprotobuf-c-dev protobuf-c-compiler
protobuf-compiler containerd runc python3 dpkg-dev time xz-utils
python3-grpcio python3-grpc-tools containernetworking-plugins"

missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0

echo "installing:$missing"
SUDO=""
[ "$(id -u)" = 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
# shellcheck disable=SC2086
$SUDO apt-get install -y -q --no-install-recommends $missing
