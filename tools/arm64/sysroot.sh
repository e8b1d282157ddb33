#!/bin/bash
# tools/arm64/sysroot.sh - a private AArch64 sysroot from Debian's arm64 packages.
#
# usage: tools/arm64/sysroot.sh SYSROOT PACKAGE...
#
# Resolves the packages' dependency closure with a throw-away apt configuration (arch arm64,
# empty dpkg status, the host's own deb sources), downloads the .debs and unpacks them with
# dpkg-deb -x.  Nothing is installed on the host: `dpkg --add-architecture arm64` would make
# libcriterion-dev:arm64 and the host's libcriterion-dev conflict, and would mix two glibc
# builds under qemu's -L prefix.  The result serves both as gcc's --sysroot and as
# QEMU_LD_PREFIX.  SYSROOT/.stamp marks a complete tree.
set -euo pipefail

[ $# -ge 2 ] || { echo "usage: $0 SYSROOT PACKAGE..." >&2; exit 2; }
root=$(realpath -m "$1")
shift
apt_dir="$root.apt"
rm -rf "$root" "$apt_dir"
mkdir -p "$root" "$apt_dir"/{sources,lists/partial,cache/archives/partial,debs}
: > "$apt_dir/status"

# Copy the host's binary-package sources (deb822 and one-line styles); no mirror is hard-coded.
for f in /etc/apt/sources.list.d/*.sources; do
	[ -e "$f" ] && cp "$f" "$apt_dir/sources/"
done
{ grep -hs '^deb ' /etc/apt/sources.list /etc/apt/sources.list.d/*.list || true; } \
	> "$apt_dir/sources/host.list"

apt_opts=(-o APT::Architecture=arm64 -o APT::Architectures::=arm64
	  -o Dir::State::status="$apt_dir/status" -o Dir::State::Lists="$apt_dir/lists"
	  -o Dir::Cache="$apt_dir/cache" -o Dir::Etc::SourceList=/dev/null
	  -o Dir::Etc::SourceParts="$apt_dir/sources" -o Debug::NoLocking=1
	  -o APT::Sandbox::User=root -o Acquire::Languages=none)

timeout 600 apt-get "${apt_opts[@]}" -qq update
# With an empty status file the simulated install lists the whole closure.
mapfile -t debs < <(timeout 300 apt-get "${apt_opts[@]}" -s --no-install-recommends install "$@" |
		    awk '$1 == "Inst" { print $2 }')
[ ${#debs[@]} -gt 0 ] || { echo "sysroot.sh: nothing to fetch for: $*" >&2; exit 1; }
(cd "$apt_dir/debs" && timeout 600 apt-get "${apt_opts[@]}" -qq download "${debs[@]}")
for d in "$apt_dir"/debs/*.deb; do
	dpkg-deb -x "$d" "$root"
done

# Packages ship absolute symlinks (libfoo.so -> /lib/aarch64-linux-gnu/libfoo.so.1); make them
# relative so they resolve inside the sysroot for the linker and for qemu alike.
find "$root" -type l -lname '/*' -print0 |
while IFS= read -r -d '' link; do
	ln -sfnr "$root$(readlink "$link")" "$link"
done
printf 'include /etc/ld.so.conf.d/*.conf\n' > "$root/etc/ld.so.conf"
ldconfig -r "$root" 2>/dev/null || true

rm -rf "$apt_dir"
echo "sysroot: ${#debs[@]} packages in $root"
touch "$root/.stamp"
