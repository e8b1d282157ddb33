#!/usr/bin/env python3
"""tools/wast-stash.py stash|restore ... - binary modules wabt 1.0.42 cannot decode.

wast2json decodes every `(module binary ...)` of a script, and wabt 1.0.42 knows neither
recursion groups nor `sub` types, so chibi's own tests of those (spec-tests/chibi-3.0/,
files with the line ";; chibi: stash binary modules") cannot go through it as they are.
  stash IN.wast OUT.wast STASH   every binary module of IN becomes an empty module with a
                                 custom section "chibi-stash-N"; its bytes go to STASH.N
  restore STASH DIR              every .wasm in DIR holding such a section gets the bytes
                                 of STASH.N back
tools/wast2json-3.0.sh runs both around wast2json.  Until chibi reads the text format
itself, this is the only way such modules reach `chibi wast`.
"""
import os
import re
import sys

MARK = b"chibi-stash-"


def unescape(s):
    out = bytearray()
    i = 0
    while i < len(s):
        c = s[i]
        if c == "\\":
            n = s[i + 1]
            if n in "0123456789abcdefABCDEF":
                out.append(int(s[i + 1:i + 3], 16))
                i += 3
                continue
            out += {"n": b"\n", "t": b"\t", "\\": b"\\", "'": b"'", '"': b'"'}[n]
            i += 2
            continue
        out += c.encode()
        i += 1
    return bytes(out)


def leb(data, i):
    r = s = 0
    while True:
        b = data[i]
        i += 1
        r |= (b & 0x7F) << s
        s += 7
        if not b & 0x80:
            return r, i


def enc(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        out.append(b | (0x80 if n else 0))
        if not n:
            return bytes(out)


def section(sid, body):
    return bytes([sid]) + enc(len(body)) + body


def valtype(data, i):
    """One value type at i, simplified to what wabt 1.0.42 reads: a reference becomes
    funcref or externref."""
    b = data[i]
    i += 1
    if b in (0x63, 0x64):
        ht, j = leb(data, i)
        ext = data[i] in (0x6F, 0x72)  # extern, noextern
        return (0x6F if ext else 0x70), j
    if b in (0x72,):
        return 0x6F, i
    if b in (0x73,):
        return 0x70, i
    return b, i


def functype(data, i):
    while data[i] in (0x50, 0x4F):  # sub / sub final: skip the supertypes
        n, i = leb(data, i + 1)
        for _ in range(n):
            _, i = leb(data, i)
    i += 1  # 0x60
    sig = []
    for _ in range(2):
        n, i = leb(data, i)
        v = []
        for _ in range(n):
            t, i = valtype(data, i)
            v.append(t)
        sig.append(bytes(v))
    return sig, i


def exports(data):
    """(name, params, results) of each exported function of a module's binary (best
    effort: none if it does not parse)."""
    types, funcs, out = [], [], []
    try:
        i = 8
        while i < len(data):
            sid = data[i]
            size, j = leb(data, i + 1)
            end = j + size
            if sid == 1:
                n, k = leb(data, j)
                for _ in range(n):
                    if data[k] == 0x4E:
                        m, k = leb(data, k + 1)
                    else:
                        m = 1
                    for _ in range(m):
                        sig, k = functype(data, k)
                        types.append(sig)
            elif sid == 2:
                n, k = leb(data, j)
                for _ in range(n):
                    for _ in range(2):
                        ln, k = leb(data, k)
                        k += ln
                    kind = data[k]
                    k += 1
                    if kind == 0:
                        x, k = leb(data, k)
                        funcs.append(x)
                    else:
                        return []  # not needed by chibi's scripts so far
            elif sid == 3:
                n, k = leb(data, j)
                for _ in range(n):
                    x, k = leb(data, k)
                    funcs.append(x)
            elif sid == 7:
                n, k = leb(data, j)
                for _ in range(n):
                    ln, k = leb(data, k)
                    name = data[k:k + ln]
                    kind = data[k + ln]
                    x, k = leb(data, k + ln + 1)
                    if kind == 0:
                        out.append((name,) + tuple(types[funcs[x]]))
            i = end
    except (IndexError, ValueError):
        return []
    return out


def placeholder(n, data):
    """An empty module named by a custom section, exporting a function of the same
    signature (references simplified) under each function export name of the real one:
    wast2json checks the names and the result counts of invoked exports."""
    name = MARK + str(n).encode()
    exps = exports(data)
    out = b"\x00asm\x01\x00\x00\x00"
    if exps:
        k = len(exps)
        types = b"".join(b"\x60" + enc(len(p)) + p + enc(len(r)) + r for _, p, r in exps)
        out += section(1, enc(k) + types)
        out += section(3, enc(k) + b"".join(enc(i) for i in range(k)))
        body = b"".join(enc(len(x)) + x + b"\x00" + enc(i) for i, (x, _, _) in enumerate(exps))
        out += section(7, enc(k) + body)
        out += section(10, enc(k) + b"\x03\x00\x00\x0b" * k)  # bodies: unreachable
    return out + section(0, bytes([len(name)]) + name)


def stash(src, dst, stash_base):
    text = open(src).read()
    pat = re.compile(r'\(module(\s+\$[^\s()]+)?\s+binary((?:\s+"(?:[^"\\]|\\.)*")+)\s*\)')
    n = [0]

    def repl(m):
        data = b"".join(unescape(x) for x in re.findall(r'"((?:[^"\\]|\\.)*)"', m.group(2)))
        k = n[0]
        n[0] += 1
        with open("%s.%d" % (stash_base, k), "wb") as f:
            f.write(data)
        ph = "".join("\\%02x" % b for b in placeholder(k, data))
        return '(module%s binary "%s")' % (m.group(1) or "", ph)

    with open(dst, "w") as f:
        f.write(pat.sub(repl, text))


def restore(stash_base, d):
    for name in os.listdir(d):
        if not name.endswith(".wasm"):
            continue
        path = os.path.join(d, name)
        data = open(path, "rb").read()
        i = data.find(MARK)
        if i < 0:
            continue
        k = int(re.match(rb"\d+", data[i + len(MARK):]).group(0))
        with open(path, "wb") as f:
            f.write(open("%s.%d" % (stash_base, k), "rb").read())


if __name__ == "__main__":
    if sys.argv[1] == "stash":
        stash(sys.argv[2], sys.argv[3], sys.argv[4])
    else:
        restore(sys.argv[2], sys.argv[3])
