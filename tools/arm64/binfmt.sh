#!/bin/sh
# tools/arm64/binfmt.sh - make the kernel run AArch64 ELF files through qemu-aarch64.
#
# Criterion runs each test in a child that re-execve()s the test binary; without a binfmt_misc
# handler that exec fails (ENOEXEC, "Could not spawn test instance: Protocol error").  Idempotent.
# Needs root when something must change.  Does nothing on an AArch64 host.
set -eu

[ "$(uname -m)" = aarch64 ] && exit 0
B=/proc/sys/fs/binfmt_misc
SUDO=""
[ "$(id -u)" = 0 ] || SUDO="sudo"

# binfmt_misc is built in here but not mounted when systemd is not PID 1.
mountpoint -q "$B" || $SUDO mount -t binfmt_misc binfmt_misc "$B"
grep -qs '^enabled' "$B/qemu-aarch64" && exit 0

# Debian's update-binfmts knows the handler qemu-user-static installed; fall back to the
# systemd-style description when it is absent.
if command -v update-binfmts >/dev/null 2>&1 && $SUDO update-binfmts --enable qemu-aarch64; then
	:
elif [ -r /usr/lib/binfmt.d/qemu-aarch64.conf ]; then
	$SUDO sh -c "cat /usr/lib/binfmt.d/qemu-aarch64.conf > $B/register"
fi
grep -qs '^enabled' "$B/qemu-aarch64" || {
	echo "binfmt.sh: could not register qemu-aarch64 with binfmt_misc" >&2
	exit 1
}
