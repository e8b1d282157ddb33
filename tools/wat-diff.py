#!/usr/bin/env python3
"""tools/wat-diff.py CHIBI FILE.wast... - chibi's text reader against wabt's wast2json.

Every script is converted twice without running anything (`chibi wast --convert-only`): by
chibi's own reader and by Debian unstable's wast2json 1.0.42 (tools/wast2json-3.0.sh).  The
commands are paired by line and type, and for every module both turned into a binary the two
binaries must be equivalent: byte-identical, or else wabt's wasm2wat (the same 1.0.42, through
tools/wast2json-sid.sh with WABT_TOOL=wasm2wat) must print the same text for both, or reject
both.  Counts per script; the differences are listed.  Exit 1 on any difference, 77 when
wabt 1.0.42 cannot be fetched.
"""
import json
import os
import re
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
W2J = os.path.join(HERE, "wast2json-3.0.sh")
SID = os.path.join(HERE, "wast2json-sid.sh")
# the 3.0 features, as tools/wast2json-3.0.sh chooses them (no --enable-all: it changes
# how wabt reads some binaries)
WASM2WAT_FLAGS = ["--enable-function-references", "--enable-gc", "--no-check"]
# Differences where wast2json is the one that is wrong, checked by hand, with the reason.
KNOWN = {
    ("align.wast", 1017): "align=0x8000_0000_0000_0000: wast2json 1.0.42 writes alignment "
                          "2^0; chibi writes 2^63, which the validator rejects as "
                          "'alignment must not be larger than natural', as the test expects",
}


def convert(chibi, wast, native):
    env = dict(os.environ)
    args = [chibi, "wast", "--convert-only"]
    if native:
        env.pop("WAST2JSON", None)
    else:
        env["WAST2JSON"] = W2J
    out = subprocess.run(args + [wast], env=env, capture_output=True, text=True).stdout
    m = re.search(r": kept (\S+)", out)
    return m.group(1) if m else None


def commands(d):
    if not d:
        return []
    js = [f for f in os.listdir(d) if f.endswith(".json")]
    if not js:
        return []
    with open(os.path.join(d, js[0]), encoding="utf-8", errors="replace") as f:
        return json.load(f).get("commands", [])


def normalize(text):
    """An element list of (ref.func x) items and of function indices `func x` mean the same:
    wabt 1.0.42 writes the first for `(table funcref (elem $f))`, chibi the second."""
    out = []
    for line in text.decode("utf-8", "replace").split("\n"):
        m = re.match(r"^(  \(elem .*?)funcref((?: \(ref\.func \d+\))+)(\)+)$", line)
        if m:
            line = m.group(1) + "func " + " ".join(
                re.findall(r"\(ref\.func (\d+)\)", m.group(2))) + m.group(3)
        out.append(line)
    return "\n".join(out)


def leb(b, i):
    v = shift = 0
    while i < len(b):
        v |= (b[i] & 0x7F) << shift
        shift += 7
        i += 1
        if not b[i - 1] & 0x80:
            break
    return v, i


def without_empty_datacount(b):
    """A data count section of 0 is emitted by chibi when code uses a data index and the
    module has no data segments (the validator then says "unknown data segment"); wabt leaves
    it out.  Compare without it."""
    if len(b) < 8:
        return b
    out, i = bytearray(b[:8]), 8
    while i < len(b):
        sid, j = b[i], i + 1
        size, j = leb(b, j)
        if sid != 12 or b[j:j + size] != b"\x00":
            out += b[i:j + size]
        i = j + size
    return bytes(out)


def wasm2wat(path):
    env = dict(os.environ, WABT_TOOL="wasm2wat")
    r = subprocess.run(["sh", SID] + WASM2WAT_FLAGS + [path], env=env, capture_output=True)
    return (r.returncode, normalize(r.stdout))


def main():
    if len(sys.argv) < 3:
        print(__doc__)
        return 2
    chibi = sys.argv[1]
    r = subprocess.run(["sh", W2J, "--version"], capture_output=True)
    if r.returncode == 77:
        print("wat-diff: wabt 1.0.42 unavailable, skipped")
        return 77
    totals = dict(identical=0, equivalent=0, differ=0, native_only=0, wabt_only=0)
    failed = False
    for wast in sys.argv[2:]:
        base = os.path.basename(wast)
        nd, wd = convert(chibi, wast, True), convert(chibi, wast, False)
        counts = dict(identical=0, equivalent=0, differ=0, native_only=0, wabt_only=0)
        wabt_cmds = {}
        for c in commands(wd):
            wabt_cmds.setdefault((c.get("line"), c.get("type")), c)
        for c in commands(nd):
            w = wabt_cmds.get((c.get("line"), c.get("type")))
            nf = c.get("filename")
            if not nf:
                continue
            wf = w.get("filename") if w else None
            nbin = c.get("module_type", "binary") == "binary" and nf.endswith(".wasm")
            wbin = bool(wf) and wf.endswith(".wasm")
            if nbin and not wbin:
                counts["native_only"] += 1
                continue
            if wbin and not nbin:
                counts["wabt_only"] += 1
                print(f"{base}:{c.get('line')}: {c.get('type')}: wabt reads the module, "
                      f"chibi's reader does not: {c.get('text_error')}")
                failed = True
                continue
            if not nbin:
                continue
            with open(os.path.join(nd, nf), "rb") as f:
                a = f.read()
            with open(os.path.join(wd, wf), "rb") as f:
                b = f.read()
            if a == b or without_empty_datacount(a) == without_empty_datacount(b):
                counts["identical"] += 1
                continue
            ra, rb = wasm2wat(os.path.join(nd, nf)), wasm2wat(os.path.join(wd, wf))
            if ra == rb or (ra[0] != 0 and rb[0] != 0):
                counts["equivalent"] += 1
                continue
            known = KNOWN.get((base, c.get("line")))
            if known:
                counts["equivalent"] += 1
                print(f"{base}:{c.get('line')}: known difference: {known}")
                continue
            counts["differ"] += 1
            failed = True
            print(f"{base}:{c.get('line')}: {c.get('type')}: the binaries differ "
                  f"({os.path.join(nd, nf)} vs {os.path.join(wd, wf)})")
        print(f"{base}: {counts['identical']} identical, {counts['equivalent']} equivalent, "
              f"{counts['differ']} differ, {counts['native_only']} only chibi's reader, "
              f"{counts['wabt_only']} only wast2json")
        for k in totals:
            totals[k] += counts[k]
        if not os.environ.get("WAT_DIFF_KEEP"):
            for d in (nd, wd):
                if d:
                    shutil.rmtree(d, ignore_errors=True)
        sys.stdout.flush()
    print(f"total: {totals['identical']} identical, {totals['equivalent']} equivalent, "
          f"{totals['differ']} differ, {totals['native_only']} only chibi's reader, "
          f"{totals['wabt_only']} only wast2json")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
