#!/bin/sh
# tools/debian-pkg.sh - fetch one exact version of a Debian package from another suite
# (trixie, sid, ...) and unpack it under build/, without touching the system's apt or dpkg.
#
# Usage: tools/debian-pkg.sh [-B BUILD] SUITE PACKAGE VERSION
#   prints the directory the package is unpacked in (BUILD/debian/root/PACKAGE_VERSION;
#   e.g. .../usr/bin/containerd) and exits 0.
#   exit 77: the archive is unreachable (callers print SKIP); exit 1: anything else, e.g. the
#   archive no longer serves VERSION (the message lists what it serves).
#
# A private apt configuration lives in BUILD/debian/apt: its own sources list, lists, cache and
# an empty dpkg status, passed with -o on every call.  The sources list is written at run time
# from the URI the system's own apt sources use for its Debian release, with the suite replaced,
# so no host name is written into the repository.  Downloads are kept in BUILD/debian/debs and
# unpacked trees in BUILD/debian/root: a second run with the tree present uses no network.
# The packages are never installed: `dpkg-deb -x` only unpacks them.
set -eu

BUILD=build
if [ "${1:-}" = -B ]; then BUILD=$2; shift 2; fi
[ $# = 3 ] || { echo "usage: $0 [-B BUILD] SUITE PACKAGE VERSION" >&2; exit 1; }
SUITE=$1 PKG=$2 VER=$3
mkdir -p "$BUILD"
BUILD=$(cd "$BUILD" && pwd)
D=$BUILD/debian
ROOT=$D/root/${PKG}_$(echo "$VER" | tr ':~+' '_.-')
if [ -f "$ROOT/.unpacked" ]; then echo "$ROOT"; exit 0; fi

A=$D/apt
mkdir -p "$A/lists/partial" "$A/cache/archives/partial" "$D/debs" "$D/root"
: >>"$A/status"
APT="-o Dir::Etc::sourcelist=$A/sources.list -o Dir::Etc::sourceparts=- \
-o Dir::State::Lists=$A/lists -o Dir::Cache=$A/cache -o Dir::State::status=$A/status \
-o Dir::Etc::preferences=/dev/null -o Dir::Etc::preferencesparts=- \
-o APT::Sandbox::User=root -o Acquire::Retries=1 -o Acquire::http::Timeout=20"

# The system's Debian archive (tools/apt-source.sh reads it from /etc/apt).
host_suite=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
src=$(sh "$(dirname "$0")/apt-source.sh") || src=
[ -n "$src" ] || { echo "no apt source for Debian $host_suite found in /etc/apt" >&2; exit 77; }
uri=${src%% *}
key=${src#"$uri"}; key=${key# }
opt=
[ -n "$key" ] && opt="[signed-by=$key] "
echo "deb $opt$uri $SUITE main" >"$A/sources.list.$SUITE"
# One list for every suite fetched so far, so one update serves them all.
cat "$A"/sources.list.* | sort -u >"$A/sources.list"

available() {
	# shellcheck disable=SC2086
	apt-cache $APT madison "$PKG" 2>/dev/null | awk -F'|' -v v="$VER" '
		{ gsub(/ /, "", $2) } $2 == v { found = 1 } END { exit !found }'
}
if ! available; then
	# shellcheck disable=SC2086
	if ! apt-get $APT -q update >"$A/update.log" 2>&1 || grep -q '^\(Err\|W: Failed\)' "$A/update.log"; then
		echo "Debian archive unreachable ($uri $SUITE):" >&2
		grep -E '^(Err|W:|E:)' "$A/update.log" | head -3 >&2
		exit 77
	fi
	if ! available; then
		echo "$PKG $VER is not served by $uri $SUITE; it serves:" >&2
		# shellcheck disable=SC2086
		apt-cache $APT madison "$PKG" >&2 || true
		exit 1
	fi
fi

cd "$D/debs"
deb=$(ls "${PKG}_"*.deb 2>/dev/null | while read -r f; do
	[ "$(dpkg-deb -f "$f" Version)" = "$VER" ] && echo "$f"; done | head -1)
if [ -z "$deb" ]; then
	# shellcheck disable=SC2086
	apt-get $APT -q download "$PKG=$VER" >"$A/download.log" 2>&1 ||
		{ cat "$A/download.log" >&2; exit 1; }
	deb=$(ls "${PKG}_"*.deb | while read -r f; do
		[ "$(dpkg-deb -f "$f" Version)" = "$VER" ] && echo "$f"; done | head -1)
	[ -n "$deb" ] || { echo "apt-get download left no $PKG $VER .deb" >&2; exit 1; }
fi
rm -rf "$ROOT.tmp"
dpkg-deb -x "$deb" "$ROOT.tmp"
touch "$ROOT.tmp/.unpacked"
rm -rf "$ROOT"
mv "$ROOT.tmp" "$ROOT"
echo "$ROOT"
