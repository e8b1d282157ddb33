#!/bin/sh
# tools/arm64/deps.sh - host packages for cross-building chibi for AArch64 and running it
# under qemu-user (Debian 12).  Installs only what is missing; needs root (or sudo) then.
# Does not touch dpkg's architecture list: arm64 libraries come from tools/arm64/sysroot.sh.
set -eu

# binfmt-support is listed explicitly: qemu-user-static only recommends it.
PKGS="gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user qemu-user-static binfmt-support
libcapstone-dev libcriterion-dev"

missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0

echo "arm64 deps: installing$missing"
SUDO=""
[ "$(id -u)" = 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
# Other apt users may hold the lock for a while; wait rather than fail.
$SUDO timeout 900 apt-get -q -o DPkg::Lock::Timeout=600 update
# shellcheck disable=SC2086
$SUDO timeout 900 apt-get -q -y -o DPkg::Lock::Timeout=600 install --no-install-recommends $missing
