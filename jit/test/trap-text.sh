#!/bin/sh
# jit/test/trap-text.sh CHIBI WAST... - both tiers name a trap alike.
#
# For every assert_trap / assert_exhaustion on an invoke in the given spec scripts, the
# module it acts on is instantiated afresh and the export called with `chibi run --invoke`,
# once with --interp and once with --jit; the two stderr lines ("error: wasm trap: KIND in
# function #N") must be equal, function included.  The JIT used to drop the function for
# traps raised by C helpers (table.get/set/fill, memory.fill ...): the shared trap stub's
# return address lay one past the function's code.  Cases the command line cannot express
# (non-null reference arguments, modules that import from other modules) are skipped;
# calling in isolation may trap differently from the script, which does not matter here:
# both tiers get the same call.  For "call stack exhausted" only the kind is compared: the
# depth where the stack ends depends on each tier's frame sizes, so in mutual recursion the
# function named there may differ.
set -u
chibi=$(readlink -f "$1")
shift
tmp=$(mktemp -d "${TMPDIR:-/tmp}/chibi-trap-text.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
"$chibi" wast --interp --keep "$@" 2>/dev/null | sed -n 's/.*: kept //p' > "$tmp/dirs"
python3 - "$chibi" "$tmp/dirs" <<'PY'
import json, os, struct, subprocess, sys

chibi, dirs = sys.argv[1], [l.strip() for l in open(sys.argv[2]) if l.strip()]

def arg_text(a):
    t, v = a["type"], a.get("value")
    if t in ("i32", "i64"):
        return v
    if t in ("f32", "f64"):
        if v.startswith("nan:"):
            return v
        bits = int(v)
        x = struct.unpack("<f" if t == "f32" else "<d",
                          struct.pack("<I" if t == "f32" else "<Q", bits))[0]
        return x.hex() if x == x else "nan"
    return "null" if v == "null" else None  # a non-null reference has no text form

def trap_line(mode, mod, field, args):
    try:
        p = subprocess.run([chibi, "run", mode, "--invoke", field, mod] + args,
                           capture_output=True, text=True, timeout=60)
    except subprocess.TimeoutExpired:
        return "timeout"
    err = [l for l in p.stderr.splitlines() if l.startswith("error:")]
    return "rc %d: %s" % (p.returncode, err[0] if err else "")

same = differ = skipped = 0
for d in dirs:
    js = [f for f in os.listdir(d) if f.endswith(".json")]
    if not js:
        continue
    cmds = json.load(open(os.path.join(d, js[0])))["commands"]
    mod = None
    for c in cmds:
        if c["type"] == "module":
            mod = os.path.join(d, c["filename"])
        if c["type"] not in ("assert_trap", "assert_exhaustion"):
            continue
        a = c.get("action")
        if a is None:  # assert_trap on a module (a trapping start function): no call
            skipped += 1
            continue
        args = [arg_text(x) for x in a.get("args", [])]
        if a["type"] != "invoke" or a.get("module") or mod is None or None in args:
            skipped += 1
            continue
        i = trap_line("--interp", mod, a["field"], args)
        if "error: wasm trap:" not in i:
            skipped += 1  # does not trap alone (needs state or imports the script had)
            continue
        j = trap_line("--jit", mod, a["field"], args)
        if c["type"] == "assert_exhaustion" or "call stack exhausted" in i:
            # Where the stack runs out depends on each tier's frame sizes, so in mutual
            # recursion the function at that depth may differ: compare the kind only.
            i, j = i.split(" in function")[0], j.split(" in function")[0]
        if i == j:
            same += 1
        else:
            differ += 1
            print("DIFF %s:%d %s\n  interp: %s\n  jit:    %s" % (js[0], c["line"], a["field"], i, j))
print("trap-text: %d cases the same in both tiers, %d differ, %d skipped" % (same, differ, skipped))
sys.exit(1 if differ else 0)
PY
status=$?
xargs rm -rf < "$tmp/dirs"
exit $status
