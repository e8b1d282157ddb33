#!/bin/sh
# tools/apt-source.sh - print "URI KEY" of the system's own Debian archive, read from its apt
# sources, so scripts that write an apt source (debian-pkg.sh, real-world.sh, bench.py) never
# carry a host name themselves.  KEY is the Signed-By keyring, or empty.
#
# The archive is the first source (deb822 *.sources, then one-line sources.list / *.list) of
# Types deb that serves this machine's release (VERSION_CODENAME from /etc/os-release; not its
# -security/-updates suites).  Exit 1 with nothing printed when there is none.
# APT_SOURCE_ROOT (default: none, i.e. /) reads another tree's etc/, for tools/apt-source-test.sh.
set -eu

E=${APT_SOURCE_ROOT:-}/etc
host_suite=$(. "$E/os-release" 2>/dev/null && echo "${VERSION_CODENAME:-}")
[ -n "$host_suite" ] || exit 1

system_source() {
	for f in "$E"/apt/sources.list.d/*.sources; do
		[ -f "$f" ] || continue
		awk -v want="$host_suite" '
			function flush() {
				if (uris != "" && has && deb) print uris, key
				uris = ""; has = 0; deb = 0; key = ""
			}
			/^[ \t]*$/ { flush(); next }
			/^#/ { next }
			tolower($1) == "types:" { for (i = 2; i <= NF; i++) if ($i == "deb") deb = 1 }
			tolower($1) == "uris:" { uris = $2 }
			tolower($1) == "suites:" { for (i = 2; i <= NF; i++) if ($i == want) has = 1 }
			tolower($1) == "signed-by:" { key = $2 }
			END { flush() }' "$f"
	done
	for f in "$E/apt/sources.list" "$E"/apt/sources.list.d/*.list; do
		[ -f "$f" ] || continue
		awk -v want="$host_suite" '$1 == "deb" {
			i = 2; key = ""
			if ($2 ~ /^\[/) {
				for (; i <= NF; i++) {
					if ($i ~ /signed-by=/) { key = $i; sub(/.*signed-by=/, "", key); sub(/\]$/, "", key) }
					if ($i ~ /\]$/) { i++; break }
				}
			}
			if ($(i + 1) == want) print $i, key
		}' "$f"
	done
}

src=$(system_source | head -1)
[ -n "$src" ] || exit 1
echo "${src% }"
