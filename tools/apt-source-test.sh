#!/bin/sh
# tools/apt-source-test.sh - tools/apt-source.sh on made-up /etc trees: deb822 and one-line
# sources, with and without a key, a deb-src or -security entry listed first, and no match.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
pass=0
fail=0

# expect NAME WANT: apt-source.sh on $T/NAME prints WANT (empty: must exit non-zero, silently).
expect() {
	got=$(APT_SOURCE_ROOT="$T/$1" sh "$HERE/apt-source.sh")
	rc=$?
	if [ -n "$2" ] && [ $rc = 0 ] && [ "$got" = "$2" ]; then
		pass=$((pass + 1))
	elif [ -z "$2" ] && [ $rc != 0 ] && [ -z "$got" ]; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
		echo "FAIL apt-source $1: got '$got' (exit $rc), want '$2'"
	fi
}
# tree NAME: an etc/ for release "trixie"; the sources come on stdin into FILE ($2).
tree() {
	mkdir -p "$T/$1/etc/apt/sources.list.d"
	echo "VERSION_CODENAME=trixie" > "$T/$1/etc/os-release"
	cat > "$T/$1/etc/apt/$2"
}

tree deb822 sources.list.d/a.sources <<'S'
Types: deb-src
URIs: http://src.example/debian
Suites: trixie
Components: main

Types: deb
URIs: http://sec.example/debian-security
Suites: trixie-security
Signed-By: /k/sec.gpg

# a comment
Types: deb deb-src
URIs: http://mirror.example/debian
Suites: trixie trixie-updates
Components: main
Signed-By: /k/archive.gpg
S
expect deb822 "http://mirror.example/debian /k/archive.gpg"

tree nokey sources.list.d/a.sources <<'S'
Types: deb
URIs: http://mirror.example/debian
Suites: trixie
S
expect nokey "http://mirror.example/debian"

tree oneline sources.list <<'S'
deb-src http://src.example/debian trixie main
deb [arch=amd64 signed-by=/k/one.gpg] http://one.example/debian trixie main
S
expect oneline "http://one.example/debian /k/one.gpg"

tree oneline-plain sources.list <<'S'
deb http://plain.example/debian trixie-updates main
deb http://plain.example/debian trixie main contrib
S
expect oneline-plain "http://plain.example/debian"

tree other-release sources.list <<'S'
deb http://old.example/debian bookworm main
S
expect other-release ""

mkdir -p "$T/no-os-release/etc/apt"
echo "deb http://x.example/debian trixie main" > "$T/no-os-release/etc/apt/sources.list"
expect no-os-release ""

echo "apt-source: $pass passed, $fail failed"
[ "$fail" = 0 ]
