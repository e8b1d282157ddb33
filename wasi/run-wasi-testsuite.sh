#!/bin/sh
# wasi/run-wasi-testsuite.sh - run the upstream WASI C conformance suite through `chibi run`.
#
# usage: [CHIBI_RUN_FLAGS=--interp] run-wasi-testsuite.sh CHIBI [SUITE_DIR]
#
# Each X.wasm may have X.json with args, env, dirs (preopened under their own name), root (a
# folder preopened as the guest's "/"), exit_code, stdout, stderr (see the suite's
# doc/specification.md).  Every test runs in a fresh writable copy of the suite folder, so
# fixtures never leak between tests and the read-only original is never touched.
set -u

CHIBI=$(readlink -f "$1")
SUITE=$(readlink -f "${2:-spec-tests/wasi-testsuite/c/wasm32-wasip1}")
pass=0
fail=0

if [ ! -d "$SUITE" ]; then
	echo "wasi-testsuite: no suite at $SUITE" >&2
	exit 1
fi

# JSON -> one chibi option or argument per line, then the expectations (python3 is a listed
# build dependency; the suite's own runner needs it too).
spec() {
	python3 - "$1" <<'EOF'
import json, sys
path = sys.argv[1]
try:
    with open(path) as f:
        c = json.load(f)
except FileNotFoundError:
    c = {}
opts = []
if "root" in c:
    opts += ["--dir", c["root"] + "::/"]
for d in c.get("dirs", []):
    opts += ["--dir", d]
for k, v in c.get("env", {}).items():
    opts += ["--env", "%s=%s" % (k, v)]
for o in opts:
    print("OPT", o)
for a in c.get("args", []):
    print("ARG", a)
print("EXIT", c.get("exit_code", 0))
for k in ("stdout", "stderr"):
    if k in c:
        with open(k + ".expected", "w") as f:
            f.write(c[k])
EOF
}

for wasm in "$SUITE"/*.wasm; do
	name=$(basename "$wasm" .wasm)
	tmp=$(mktemp -d "${TMPDIR:-/tmp}/chibi-wasi-ts.XXXXXX")
	cp -R "$SUITE"/. "$tmp"/
	chmod -R u+w "$tmp"
	(
		cd "$tmp" || exit 1
		spec "$SUITE/$name.json" > spec.txt || exit 1
		set --
		while IFS= read -r line; do
			case "$line" in
			"OPT "*) set -- "$@" "${line#OPT }" ;;
			esac
		done < spec.txt
		set -- "$@" "$name.wasm"
		while IFS= read -r line; do
			case "$line" in
			"ARG "*) set -- "$@" "${line#ARG }" ;;
			esac
		done < spec.txt
		want=$(sed -n 's/^EXIT //p' spec.txt)
		# shellcheck disable=SC2086
		timeout 60 "$CHIBI" run ${CHIBI_RUN_FLAGS:-} "$@" > stdout.actual 2> stderr.actual \
			< /dev/null
		rc=$?
		ok=1
		if [ "$rc" != "$want" ]; then
			echo "  exit status $rc, want $want"
			ok=0
		fi
		for s in stdout stderr; do
			if [ -f $s.expected ] && ! cmp -s $s.expected $s.actual; then
				echo "  $s differs:"
				diff $s.expected $s.actual | head -20
				ok=0
			fi
		done
		if [ $ok = 0 ] && [ -s stderr.actual ]; then
			echo "  stderr:"
			head -20 stderr.actual
		fi
		[ $ok = 1 ]
	) > "$tmp.log" 2>&1
	if [ $? = 0 ]; then
		pass=$((pass + 1))
		echo "PASS $name"
	else
		fail=$((fail + 1))
		echo "FAIL $name"
		cat "$tmp.log"
	fi
	rm -rf "$tmp" "$tmp.log"
done

echo "wasi-testsuite: $pass passed, $fail failed"
[ "$fail" = 0 ]
