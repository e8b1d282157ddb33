#!/usr/bin/env python3
"""bench.py - chibi's benchmark harness: chibi side by side with native code and V8, one run.

Builds every kernel (bench/kernels/*.c) and the third-party programs (Lua 5.4 and bzip2 from
Debian source packages, fetched at bench time) four ways: native gcc -O2, native clang -O2, and
wasm32-wasi -O2 plain and with -mbulk-memory.  Runs each under every engine, checks that every
engine prints exactly what the gcc binary printed, and reports median wall times, ratios to gcc,
geometric means, startup cost and module-preparation throughput as a table, CSV, JSON and SVG
under build/bench-results/.  It does not tune anything or judge results: it measures.

    python3 bench/bench.py [--mode full|quick|smoke] [--runs N] [--only fib,sort]
                           [--engines gcc,chibi-interp,...] [--variants plain,bulk] [--no-ext]

CHIBI=path picks the chibi binary (default build/chibi); CHIBI_BASELINE=path adds columns
base-interp and base-jit for a second binary, to compare two builds in one run.

Plain standard library only.  Exit status: 0 if every available engine reproduced every checksum,
1 on any mismatch, crash or timeout, 2 on a usage or build error.
"""
import argparse
import concurrent.futures
import csv
import tempfile
import datetime
import json
import math
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BENCH = os.path.join(ROOT, "bench")
BUILD = os.path.join(ROOT, "build", "bench")
RESULTS = os.path.join(ROOT, "build", "bench-results")
NODE_RUNNER = os.path.join(BENCH, "node-wasi-run.mjs")

# Per benchmark: the size argument for (full, quick, smoke).  Full sizes take about 0.5-2 s
# natively on a 2020s x86-64 core; quick is about a tenth; smoke only proves correctness.
SIZES = {
    "fib": ("41", "35", "20"),
    "sieve": ("20000000", "2000000", "10000"),
    "nbody": ("5000000", "500000", "1000"),
    "matmul": ("800", "360", "24"),
    "sha256": ("160", "16", "1"),
    "sort": ("3000000", "300000", "2000"),
    "hashmap": ("8000000", "800000", "10000"),
    "memops": ("2000", "200", "2"),
    "lua": ("40", "4", "1"),
    "bzip2": ("6144", "640", "16"),
    "vecloops": ("20000", "2000", "2"),
}
EXT = ("lua", "bzip2")  # built from Debian source packages
MODES = {"full": 0, "quick": 1, "smoke": 2}

# Debian source packages of the larger real programs and the files each build uses.
EXT_PKGS = {"lua": "lua5.4", "bzip2": "bzip2"}
BZIP2_LIB = ["blocksort", "huffman", "crctable", "randtable", "compress", "decompress", "bzlib"]


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def sh(cmd, **kw):
    """Run a command for its output; returns (status, stdout+stderr text)."""
    try:
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                           errors="replace", **kw)
        return p.returncode, p.stdout
    except (OSError, subprocess.SubprocessError) as e:
        return 127, str(e)


def first_line(text):
    for line in (text or "").splitlines():
        if line.strip():
            return line.strip()
    return ""


class BuildError(Exception):
    pass


def build_reason(e):
    """The first compiler 'error' line of a BuildError, else its tail."""
    text = e.args[0]
    errs = [l for l in text.splitlines() if "error" in l]
    return (errs[0] if errs else text[-200:]).strip()[:200]


# ---- toolchains ---------------------------------------------------------------------------

def wasm_base_flags():
    """clang flags for wasm32-wasi.  Debian's wasi-libc lives in clang's default wasm32-wasi
    paths; /usr/share/wasi-sysroot is used when it exists (other layouts, wasi-sdk)."""
    flags = ["--target=wasm32-wasi"]
    if os.path.isdir("/usr/share/wasi-sysroot"):
        flags.append("--sysroot=/usr/share/wasi-sysroot")
    return flags


def toolchains():
    """name -> (cc, compile flags, link flags, file suffix).  Compile and link are separate
    steps, and the link line never carries -O: clang-14 runs wasm-opt after linking when it
    finds one in PATH and -O is on the link line, which would silently benchmark binaryen's
    optimiser instead of clang's output (see bench/README.md)."""
    w = wasm_base_flags()
    return {
        "gcc": ("gcc", ["-O2"], [], ""),
        "clang": ("clang", ["-O2"], [], ""),
        "plain": ("clang", w + ["-O2"], w, ".wasm"),
        # With bulk memory, clang-14 lowers _Thread_local (wasi-libc's errno) for real and
        # accepts only the local-exec TLS model; without the flag it crashes in the backend.
        "bulk": ("clang", w + ["-O2", "-mbulk-memory", "-ftls-model=local-exec"],
                 w + ["-mbulk-memory"], ".bulk.wasm"),
        # Fixed-width SIMD: clang auto-vectorizes with v128 instructions.  Built only when
        # the simd variant is asked for (--variants ...,simd).
        "simd": ("clang", w + ["-O2", "-msimd128"], w, ".simd.wasm"),
    }


def stale(out, inputs):
    if not os.path.exists(out):
        return True
    t = os.path.getmtime(out)
    return any(os.path.getmtime(i) > t for i in inputs)


def compile_link(tc, srcs, out, cflags=(), ldflags=(), libs=(), objdir=None):
    """Compile each source to an object, then link.  Rebuilds only what is out of date."""
    cc, tcflags, tlflags, _ = tc
    objdir = objdir or os.path.join(os.path.dirname(out), "obj-" + os.path.basename(out))
    os.makedirs(objdir, exist_ok=True)
    objs = []
    for src in srcs:
        obj = os.path.join(objdir, os.path.splitext(os.path.basename(src))[0] + ".o")
        deps = [src] + [os.path.join(os.path.dirname(src), h)
                        for h in os.listdir(os.path.dirname(src)) if h.endswith(".h")]
        if stale(obj, deps):
            cmd = [cc] + tcflags + list(cflags) + ["-c", src, "-o", obj]
            st, out_text = sh(cmd)
            if st != 0:
                raise BuildError(" ".join(cmd) + "\n" + out_text)
        objs.append(obj)
    if stale(out, objs):
        cmd = [cc] + tlflags + list(ldflags) + objs + ["-o", out] + list(libs)
        st, out_text = sh(cmd)
        if st != 0:
            raise BuildError(" ".join(cmd) + "\n" + out_text)
    return out


def parallel(jobs):
    """Run {key: thunk} on one thread per core (the compilers are separate processes);
    returns {key: result}, or raises the first BuildError."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        futs = {k: pool.submit(f) for k, f in jobs.items()}
        return {k: f.result() for k, f in futs.items()}


def build_kernels(names, tcs):
    """bench/kernels/<name>.c -> build/bench/<tc>/<name>[.wasm|.bulk.wasm]."""
    jobs = {}
    for name in names:
        src = os.path.join(BENCH, "kernels", name + ".c")
        for tcname, tc in tcs.items():
            d = os.path.join(BUILD, tcname)
            os.makedirs(d, exist_ok=True)
            jobs[(name, tcname)] = (lambda tc=tc, src=src, d=d, name=name: compile_link(
                tc, [src], os.path.join(d, name + tc[3]), libs=["-lm"],
                objdir=os.path.join(d, "obj", name)))
    return parallel(jobs)


# ---- third-party programs from Debian source packages -----------------------------------

def fetch_sources():
    """apt-get source lua5.4 bzip2 into build/bench/src, with a private deb-src list and
    private apt state under build/bench/apt, so the machine's apt configuration is untouched.
    Returns {pkg: source dir} or raises BuildError with the reason."""
    srcroot = os.path.join(BUILD, "src")
    os.makedirs(srcroot, exist_ok=True)
    found = {}
    for pkg in EXT_PKGS.values():
        dirs = sorted(d for d in os.listdir(srcroot)
                      if d.startswith(pkg + "-") and os.path.isdir(os.path.join(srcroot, d)))
        if dirs:
            found[pkg] = os.path.join(srcroot, dirs[-1])
    missing = [p for p in EXT_PKGS.values() if p not in found]
    if not missing:
        return found
    if not shutil.which("apt-get") or not shutil.which("dpkg-source"):
        raise BuildError("apt-get or dpkg-source (dpkg-dev) not installed")
    apt = os.path.join(BUILD, "apt")
    os.makedirs(os.path.join(apt, "lists", "partial"), exist_ok=True)
    suite = "bookworm"
    try:
        with open("/etc/os-release") as f:
            m = re.search(r"^VERSION_CODENAME=(\w+)", f.read(), re.M)
            suite = m.group(1) if m else suite
    except OSError:
        pass
    # The archive the system's own apt sources use for its release (no host name here).
    st, src = sh(["sh", os.path.join(ROOT, "tools", "apt-source.sh")])
    if st != 0 or not src.split():
        raise BuildError("no apt source for this Debian release found in /etc/apt")
    uri, key = (src.split() + [""])[:2]
    opt = f"[signed-by={key}] " if key else ""
    slist = os.path.join(apt, "sources.list")
    with open(slist, "w") as f:
        f.write(f"deb-src {opt}{uri} {suite} main\n")
    opts = ["-o", "Dir::Etc::SourceList=" + slist, "-o", "Dir::Etc::SourceParts=/dev/null",
            "-o", "Dir::State::Lists=" + os.path.join(apt, "lists"),
            "-o", "APT::Sandbox::User=root", "-q"]
    log("bench: fetching Debian sources: " + " ".join(missing))
    st, text = sh(["apt-get"] + opts + ["update"], timeout=300)
    if st != 0:
        raise BuildError("apt-get update (deb-src) failed: " + first_line(text[-400:]))
    st, text = sh(["apt-get"] + opts + ["source"] + missing, cwd=srcroot, timeout=600)
    if st != 0:
        raise BuildError("apt-get source failed: " + text[-400:].strip())
    return fetch_sources()


def build_ext(tcs):
    """Build Lua and the bzip2 driver with every toolchain.  Returns ({(name, tc): path},
    {name: reason}) - a program that cannot be fetched or built is n/a, not a failure."""
    out, skipped = {}, {}
    try:
        srcs = fetch_sources()
    except (BuildError, subprocess.SubprocessError) as e:
        for n in EXT:
            skipped[n] = str(e)
        return out, skipped
    compat = os.path.join(BENCH, "compat")
    lua_dir = os.path.join(srcs["lua5.4"], "src")
    lua_srcs = sorted(os.path.join(lua_dir, f) for f in os.listdir(lua_dir)
                      if f.endswith(".c") and f not in ("luac.c", "onelua.c"))
    bz_dir = srcs["bzip2"]
    bz_srcs = [os.path.join(bz_dir, f + ".c") for f in BZIP2_LIB]
    bz_srcs.append(os.path.join(BENCH, "ext", "bzip2_bench.c"))
    def build_one(tcname, tc):
        d = os.path.join(BUILD, tcname)
        wasm = tcname in ("plain", "bulk", "simd")
        try:
            cflags = ["-I" + os.path.join(compat, "common")]
            extra, libs = [], ["-lm"]
            if wasm:
                cflags = ["-I" + os.path.join(compat, "wasm")] + cflags + [
                    "-DL_tmpnam=20", "-D_WASI_EMULATED_SIGNAL", "-D_WASI_EMULATED_PROCESS_CLOCKS"]
                extra = [os.path.join(compat, "wasm", "wasi_stubs.c")]
                libs = ["-lwasi-emulated-signal", "-lwasi-emulated-process-clocks", "-lm"]
            out[("lua", tcname)] = compile_link(
                tc, lua_srcs + extra, os.path.join(d, "lua" + tc[3]), cflags=cflags, libs=libs,
                objdir=os.path.join(d, "obj", "lua"))
        except BuildError as e:
            skipped["lua"] = f"build failed ({tcname}): " + build_reason(e)
        try:
            out[("bzip2", tcname)] = compile_link(
                tc, bz_srcs, os.path.join(d, "bzip2" + tc[3]),
                cflags=["-DBZ_NO_STDIO", "-I" + bz_dir], objdir=os.path.join(d, "obj", "bzip2"))
        except BuildError as e:
            skipped["bzip2"] = f"build failed ({tcname}): " + build_reason(e)

    parallel({t: (lambda t=t, tc=tc: build_one(t, tc)) for t, tc in tcs.items()})
    return out, skipped


def bench_args(name, size):
    """Guest arguments and preopens for benchmark `name` at `size`."""
    if name == "lua":
        return ["/bench/bench.lua", size], [(os.path.join(BENCH, "ext"), "/bench")]
    return [size], []


# ---- engines ------------------------------------------------------------------------------

class Engine:
    """One column of the table.  kind is 'native' or 'wasm'; for wasm, variant is the build
    ('plain', 'bulk' or 'simd') it runs.  prefix is the command before the module path."""

    def __init__(self, name, kind, variant, prefix=None, dir_flag=None):
        self.name, self.kind, self.variant = name, kind, variant
        self.prefix, self.dir_flag = prefix or [], dir_flag
        self.reason = None  # why it is n/a, or None when available

    def command(self, binary, args, preopens):
        if self.kind == "native":
            # A native program sees host paths: map each guest path back.
            real = []
            for a in args:
                for host, guest in preopens:
                    if a.startswith(guest + "/"):
                        a = host + a[len(guest):]
                real.append(a)
            return [binary] + real
        cmd = list(self.prefix)
        for host, guest in preopens:
            cmd += [self.dir_flag, f"{host}::{guest}"]
        return cmd + [binary] + list(args)


def chibi_path():
    return os.environ.get("CHIBI", os.path.join(ROOT, "build", "chibi"))


def make_engines(variants, hello):
    """All engine columns, each probed with the hello module: a missing tool or mode becomes
    n/a with its reason instead of failing the run."""
    chibi, node = chibi_path(), shutil.which("node")
    base = os.environ.get("CHIBI_BASELINE")
    # --single-threaded-gc: Node 20's concurrent GC races with node:wasi (the sort kernel at
    # full size died in about half of its runs, SIGABRT in uvwasi_destroy or SIGSEGV in a
    # builtin; 0 of 8 with this flag).  Wasm code allocates nothing on V8's heap, so GC
    # threads do not change what the kernels measure.
    node_base = [node or "node", "--no-warnings", "--single-threaded-gc"]
    engines = [Engine("gcc", "native", None), Engine("clang", "native", None)]
    for v in variants:
        sfx = "" if v == "plain" else "/" + v
        engines += [
            Engine("chibi-interp" + sfx, "wasm", v, [chibi, "run", "--interp"], "--dir"),
            Engine("chibi-jit" + sfx, "wasm", v, [chibi, "run", "--jit"], "--dir"),
        ]
        # CHIBI_BASELINE=path/to/older/chibi adds that binary's columns beside the current
        # ones, so a change is measured before/after in the same run (same machine state).
        if base:
            engines += [
                Engine("base-interp" + sfx, "wasm", v, [base, "run", "--interp"], "--dir"),
                Engine("base-jit" + sfx, "wasm", v, [base, "run", "--jit"], "--dir"),
            ]
        engines += [
            Engine("v8-liftoff" + sfx, "wasm", v,
                   node_base + ["--liftoff", "--no-wasm-tier-up", NODE_RUNNER], "--dir"),
            Engine("v8-tiered" + sfx, "wasm", v, node_base + [NODE_RUNNER], "--dir"),
        ]
    probed = {}
    for e in engines:
        if e.kind == "native":
            continue
        key = tuple(e.prefix)
        if key not in probed:
            probed[key] = probe(e, hello)
        e.reason = probed[key]
    return engines


def probe(engine, hello):
    """None if the engine runs the hello module correctly, else the reason it is n/a."""
    exe = engine.prefix[0]
    if os.path.sep in exe and not os.access(exe, os.X_OK):
        return f"{os.path.relpath(exe, ROOT)} not built"
    if os.path.sep not in exe and not shutil.which(exe):
        return f"{exe} not installed"
    st, text = sh(engine.command(hello, [], []), timeout=60)
    if st == 0 and "hello, world" in text:
        return None
    if st == 2:
        return "not available (exit 2: " + first_line(text)[:80] + ")"
    return f"hello module failed (exit {st}: " + first_line(text)[:80] + ")"


TIME = "/usr/bin/time" if os.access("/usr/bin/time", os.X_OK) else None


def run_measured(cmd, timeout, rss=True):
    """Run cmd; returns (wall seconds, exit status or "timeout", stdout bytes, stderr bytes,
    peak RSS KiB or None).  Output goes through temporary files so no pipe can fill up.

    Peak RSS comes from GNU time (`/usr/bin/time -f %M`) wrapped around the command: the
    kernel's ru_maxrss of a child forked straight from Python includes the Python process's
    own RSS from before exec (about 20 MiB), which would swamp a small engine.  The wrapper
    costs one fork+exec (about 1 ms); startup_bench times without it."""
    with tempfile.TemporaryFile() as fo, tempfile.TemporaryFile() as fe, \
            tempfile.NamedTemporaryFile(mode="r") as ft:
        if rss and TIME:
            cmd = [TIME, "-q", "-f", "%M", "-o", ft.name] + list(cmd)
        t0 = time.perf_counter()
        # A session of its own, so that a timeout kills the engine too, not only GNU time.
        p = subprocess.Popen(cmd, stdout=fo, stderr=fe, stdin=subprocess.DEVNULL,
                             start_new_session=True)
        # Popen.wait(timeout=...) polls with sleeps of up to 50 ms, which would quantise
        # every measurement; a blocking wait with a watchdog timer measures exactly.
        expired = []

        def kill():
            expired.append(True)
            try:
                os.killpg(p.pid, 9)
            except ProcessLookupError:
                pass
        watchdog = threading.Timer(timeout, kill) if timeout else None
        if watchdog:
            watchdog.start()
        status = p.wait()
        wall = time.perf_counter() - t0
        if watchdog:
            watchdog.cancel()
        if expired:
            status = "timeout"
        fo.seek(0), fe.seek(0)
        peak = None
        if rss and TIME:
            m = re.search(r"(\d+)\s*$", ft.read())
            peak = int(m.group(1)) if m else None
        return wall, status, fo.read(), fe.read(), peak


# ---- the runs -----------------------------------------------------------------------------

def run_suite(args, names, binaries, skipped, engines):
    """Round-robin: run r of every engine before run r+1 of any, so slow drifts in machine
    load spread over all columns instead of landing on one.  Returns result rows."""
    mode = MODES[args.mode]
    timeout = args.timeout
    rows = []
    for name in names:
        size = SIZES[name][mode]
        gargs, preopens = bench_args(name, size)
        cells = {}
        for e in engines:
            cell = {"benchmark": name, "engine": e.name, "size": size, "times": [], "rss_kb": [],
                    "status": "ok", "note": ""}
            cells[e.name] = cell
            binary = binaries.get((name, e.name if e.kind == "native" else e.variant))
            if name in skipped:
                cell["status"], cell["note"] = "n/a", skipped[name]
            elif e.reason:
                cell["status"], cell["note"] = "n/a", e.reason
            elif not binary:
                cell["status"], cell["note"] = "n/a", "not built"
        reference = None
        for r in range(args.runs):
            for e in engines:
                cell = cells[e.name]
                if cell["status"] != "ok":
                    continue
                binary = binaries[(name, e.name if e.kind == "native" else e.variant)]
                cmd = e.command(binary, gargs, preopens)
                wall, st, out, err, rss = run_measured(cmd, timeout)
                out = out.decode("utf-8", "replace")
                if st != 0:
                    cell["status"] = "timeout" if st == "timeout" else "fail"
                    cell["note"] = (f"killed after {timeout:g} s" if st == "timeout" else
                                    f"exit {st}: " + first_line(err.decode("utf-8", "replace"))[:120])
                    log(f"  {name:8} {e.name:18} {cell['status'].upper()} {cell['note']}")
                    continue
                if reference is None:
                    reference = out  # gcc runs first: its output is the reference
                if out != reference:
                    cell["status"] = "mismatch"
                    cell["note"] = f"got {first_line(out)[:60]!r}, want {first_line(reference)[:60]!r}"
                    log(f"  {name:8} {e.name:18} CHECKSUM MISMATCH {cell['note']}")
                    continue
                cell["times"].append(wall)
                cell["rss_kb"].append(rss)
                cell["output"] = first_line(out)
                if not args.quiet:
                    log(f"  {name:8} {e.name:18} run {r + 1}/{args.runs} {wall:8.3f}s")
        base = cells["gcc"]["times"] if "gcc" in cells else []
        base_med = statistics.median(base) if base else None
        for e in engines:
            c = cells[e.name]
            if c["times"] and c["status"] == "ok":
                c["median_s"] = statistics.median(c["times"])
                c["min_s"], c["max_s"] = min(c["times"]), max(c["times"])
                rss = [x for x in c["rss_kb"] if x]
                c["peak_rss_kb"] = max(rss) if rss else None
                c["ratio"] = c["median_s"] / base_med if base_med else None
            rows.append(c)
    return rows


def geomeans(rows, engines):
    """Geometric mean of the ratio to gcc per engine, over the benchmarks where it has one."""
    out = {}
    for e in engines:
        rs = [r["ratio"] for r in rows if r["engine"] == e.name and r.get("ratio")]
        out[e.name] = (math.exp(sum(math.log(x) for x in rs) / len(rs)), len(rs)) if rs else None
    return out


# ---- startup and module preparation ------------------------------------------------------

def startup_bench(args, engines, hello_bins):
    """Wall time and peak RSS of the hello module, per engine, over many runs."""
    n = args.startup_runs
    res = []
    for e in engines:
        if e.variant not in (None, "plain"):
            continue
        row = {"engine": e.name, "runs": n}
        binary = hello_bins.get("gcc" if e.name == "gcc" else "clang" if e.name == "clang"
                                else "plain")
        if e.reason or not binary:
            row.update(status="n/a", note=e.reason or "not built")
            res.append(row)
            continue
        walls, rsss = [], []
        cmd = e.command(binary, [], [])
        for i in range(n + 3):
            # The first 3 runs measure peak RSS through GNU time and are not timed.
            wall, st, out, err, rss = run_measured(cmd, 60, rss=i < 3)
            if st != 0 or b"hello, world" not in out:
                row.update(status="fail", note=f"exit {st}")
                break
            if i < 3:
                rsss.append(rss)
            else:
                walls.append(wall)
        if walls:
            rsss = [x for x in rsss if x]
            row.update(status=row.get("status", "ok"), median_ms=statistics.median(walls) * 1e3,
                       min_ms=min(walls) * 1e3,
                       peak_rss_kb=statistics.median(rsss) if rsss else None)
        res.append(row)
    return res


def gen_big_module(path, nfuncs):
    """Write a synthetic, valid module of about nfuncs*200 bytes: straight-line integer code,
    loads, loops and calls, so decode, validation and preparation all have work per byte.
    Exports f0 () -> i32 so an engine can be asked to run it (not needed for the measure)."""
    def leb(v):
        out = bytearray()
        while True:
            b = v & 0x7F
            v >>= 7
            if (v == 0 and not b & 0x40) or (v == -1 and b & 0x40):
                out.append(b)
                return bytes(out)
            out.append(b | 0x80)

    def sec(sid, payload):
        return bytes([sid]) + leb(len(payload)) + payload

    def vec(items):
        return leb(len(items)) + b"".join(items)

    types = vec([b"\x60\x02\x7f\x7f\x01\x7f"])  # (i32, i32) -> i32
    funcs = vec([leb(0)] * nfuncs)
    mem = vec([b"\x00\x01"])  # memory 0: min 1 page
    exports = vec([b"\x02f0\x00\x00"])
    bodies = []
    for i in range(nfuncs):
        c = bytearray(b"\x01\x02\x7f")  # locals: 2 x i32 (locals 2, 3)
        c += b"\x02\x40\x03\x40"  # block, loop
        for k in range(6):
            c += b"\x20\x00\x41" + leb(i * 7 + k + 1) + b"\x6a\x21\x02"  # l2 = l0 + K
            c += b"\x20\x02\x41\xff\x1f\x71\x28\x02\x04"  # i32.load (l2 & 0xfff) offset=4
            c += b"\x20\x01\x73\x41" + leb(31 + k) + b"\x6c\x21\x01"  # l1 = (v ^ l1) * K
        c += b"\x20\x00\x41\x01\x6b\x22\x00"  # l0 = l0 - 1 (tee)
        c += b"\x45\x0d\x01\x0c\x00\x0b\x0b"  # eqz; br_if 1; br 0; end; end
        if i > 0:
            c += b"\x20\x01\x20\x00\x10" + leb(i - 1)  # call f(i-1)(l1, l0)
        else:
            c += b"\x20\x01"
        c += b"\x0b"
        bodies.append(leb(len(c)) + bytes(c))
    code = vec(bodies)
    mod = (b"\x00asm\x01\x00\x00\x00" + sec(1, types) + sec(3, funcs) + sec(5, mem) +
           sec(7, exports) + sec(10, code))
    with open(path, "wb") as f:
        f.write(mod)
    return len(mod)


def parse_stats(text):
    """Pull a preparation throughput out of `chibi inspect --stats` output.  Accepts
    'key: value' or 'key=value' lines; a key mentioning MB/s or mb_s is used as is, else a
    time (key ending in _ms, _us, _ns or _s, or containing 'prepare'/'total') with 'bytes'."""
    kv = {}
    for line in text.splitlines():
        m = re.match(r"\s*([A-Za-z0-9_./ -]+?)\s*[:=]\s*([-+0-9.eE]+)", line)
        if m:
            kv[m.group(1).strip().lower()] = float(m.group(2))
    for k, v in kv.items():
        if "mb/s" in k or "mb_s" in k or "mbps" in k:
            return v, kv
    # chibi's own wording: "compile time 14.6 ms: 19.0 MB/s of wasm" (JIT compilation).
    m = re.search(r"([0-9.]+)\s*MB/s", text)
    if m:
        return float(m.group(1)), kv
    return None, kv


def prepare_bench(args, engines, big, big_size, extra_mods):
    """Decode + validate + prepare throughput in MB/s for the synthetic module (and Lua)."""
    res = []
    mods = [("synthetic", big, big_size)] + extra_mods
    chibi = chibi_path()
    reps = args.prepare_runs
    for label, path, size in mods:
        mb = size / 1e6
        # chibi: the lead's stats command, when it exists.
        row = {"module": label, "bytes": size, "engine": "chibi inspect --stats"}
        if not os.access(chibi, os.X_OK):
            row.update(status="n/a", note="build/chibi not built")
        else:
            st, text = sh([chibi, "inspect", "--stats", path], timeout=120)
            mbs, kv = parse_stats(text) if st == 0 else (None, {})
            if st != 0:
                row.update(status="n/a", note=f"`chibi inspect --stats` unavailable (exit {st})")
            elif mbs is None:
                row.update(status="n/a", note="no MB/s field in output", stats=kv)
            else:
                row.update(status="ok", mb_per_s=mbs, stats=kv)
        res.append(row)
        # chibi validate: process wall time, decode + validate (no preparation).
        row = {"module": label, "bytes": size, "engine": "chibi validate (wall)"}
        if not os.access(chibi, os.X_OK):
            row.update(status="n/a", note="build/chibi not built")
        else:
            walls = []
            for _ in range(reps):
                wall, st, out, err, _ = run_measured([chibi, "validate", path], 120, rss=False)
                if st != 0:
                    row.update(status="n/a", note=f"`chibi validate` exit {st}: " +
                               first_line(err.decode("utf-8", "replace"))[:80])
                    break
                walls.append(wall)
            if len(walls) == reps:
                t = statistics.median(walls)
                row.update(status="ok", seconds=t, mb_per_s=mb / t)
        res.append(row)
        # V8: eager compile of the whole module, Liftoff only and optimising (TurboFan).
        for vname, flags in (("v8-liftoff (eager)", ["--liftoff", "--no-wasm-tier-up"]),
                             ("v8-turbofan (eager)", ["--no-liftoff"])):
            row = {"module": label, "bytes": size, "engine": vname}
            node = shutil.which("node")
            if not node:
                row.update(status="n/a", note="node not installed")
            else:
                st, text = sh([node, "--no-warnings", "--no-wasm-lazy-compilation"] + flags +
                              [NODE_RUNNER, f"--compile-only={reps}", path], timeout=300)
                m = re.search(r"compile_s ([0-9.eE+-]+)", text)
                if st == 0 and m:
                    t = float(m.group(1))
                    row.update(status="ok", seconds=t, mb_per_s=mb / t if t else None)
                else:
                    row.update(status="fail", note=first_line(text)[:100])
            res.append(row)
    return res


# ---- reporting ----------------------------------------------------------------------------

def machine_info():
    info = {"date": datetime.datetime.now().isoformat(timespec="seconds"),
            "host": platform.node(), "kernel": platform.release(), "arch": platform.machine(),
            "cores": os.cpu_count()}
    try:
        with open("/proc/cpuinfo") as f:
            text = f.read()
        m = re.search(r"^model name\s*:\s*(.+)$", text, re.M)
        info["cpu"] = m.group(1).strip() if m else platform.processor()
        m = re.search(r"^cpu MHz\s*:\s*(.+)$", text, re.M)
        info["mhz"] = m.group(1).strip() if m else ""
    except OSError:
        info["cpu"] = platform.processor()
    try:
        with open("/proc/loadavg") as f:
            info["loadavg_at_start"] = f.read().split()[0]
    except OSError:
        pass
    return info


def versions():
    v = {}
    for name, cmd in (("gcc", ["gcc", "--version"]), ("clang", ["clang", "--version"]),
                      ("node", ["node", "--version"]), ("chibi", [chibi_path(), "--version"]),
                      ("wasm-ld", ["wasm-ld-14", "--version"])):
        st, text = sh(cmd, timeout=30)
        v[name] = first_line(text) if st == 0 else "n/a"
    st, text = sh(["node", "-p", "process.versions.v8"], timeout=30)
    v["v8"] = first_line(text) if st == 0 else "n/a"
    st, text = sh(["dpkg-query", "-W", "-f", "${Version}", "wasi-libc"], timeout=30)
    v["wasi-libc"] = first_line(text) if st == 0 else "n/a"
    v["python"] = platform.python_version()
    return v


def fmt_secs(t):
    return f"{t:.3f}" if t < 10 else f"{t:.1f}" if t < 1000 else f"{t:.0f}"


def fmt_ratio(r):
    return (f"{r:.2f}" if r < 10 else f"{r:.1f}" if r < 100 else f"{r:.0f}") + "x"


def fmt_table(rows, engines, gm, names):
    """Benchmarks down, engines across; an engine name 'x/bulk' is split over two header lines
    so that columns stay narrow.  Cell: median seconds and ratio to gcc."""
    cols = [e.name for e in engines]
    width = 14
    h1, h2 = f"{'':10}", f"{'benchmark':10}"
    for c in cols:
        top, _, sub = c.partition("/")
        if len(top) > width - 1:
            top = top[:width - 1]
        h1 += f"{top:>{width}}"
        h2 += f"{(sub or ('native' if c in ('gcc', 'clang') else 'plain')):>{width}}"
    lines = ["median wall seconds and ratio to gcc (lower is faster)", h1, h2]
    by = {(r["benchmark"], r["engine"]): r for r in rows}
    for name in names:
        line = f"{name:10}"
        for c in cols:
            r = by[(name, c)]
            if r["status"] == "ok" and "median_s" in r:
                ratio = r.get("ratio")
                cell = fmt_secs(r["median_s"]) + (" " + fmt_ratio(ratio) if ratio else "")
            else:
                cell = r["status"].upper() if r["status"] != "n/a" else "n/a"
            line += f"{cell:>{width}}"
        lines.append(line)
    line = f"{'geomean':10}"
    for c in cols:
        g = gm.get(c)
        line += f"{(fmt_ratio(g[0]) if g else 'n/a'):>{width}}"
    lines.append(line)
    counts = {g[1] for g in gm.values() if g}
    if len(counts) > 1:
        lines.append("(geomean per engine over the benchmarks it completed: " + ", ".join(
            f"{c} {gm[c][1]}" for c in cols if gm.get(c)) + ")")
    return "\n".join(lines)


def fmt_notes(rows, engines):
    notes, seen = [], set()
    for e in engines:
        if e.reason and e.name not in seen:
            notes.append(f"  {e.name}: n/a - {e.reason}")
            seen.add(e.name)
    for r in rows:
        if r["status"] == "n/a" and r["engine"] not in seen:
            key = (r["benchmark"], r["note"])
            if key not in seen:
                seen.add(key)
                notes.append(f"  {r['benchmark']}: n/a - {r['note']}")
        elif r["status"] not in ("ok", "n/a"):
            notes.append(f"  {r['benchmark']} / {r['engine']}: {r['status']} - {r['note']}")
    return "\n".join(notes)


def fmt_startup(st):
    lines = ["startup: hello-world module, median of runs (wall ms, peak RSS MiB)"]
    for r in st:
        if r.get("status") == "ok":
            rss = f"{r['peak_rss_kb'] / 1024:7.1f} MiB" if r.get("peak_rss_kb") else "    RSS n/a"
            lines.append(f"  {r['engine']:14} {r['median_ms']:8.2f} ms  (min {r['min_ms']:7.2f})"
                         f"  {rss}   runs {r['runs']}")
        else:
            lines.append(f"  {r['engine']:14} {r.get('status', 'n/a')} - {r.get('note', '')}")
    return "\n".join(lines)


def fmt_prepare(pr):
    lines = ["module preparation: decode + validate + prepare throughput"]
    for r in pr:
        head = f"  {r['module']:10} {r['bytes'] / 1e6:6.2f} MB  {r['engine']:22}"
        if r.get("status") == "ok" and r.get("mb_per_s"):
            t = f"{r['seconds'] * 1e3:9.1f} ms" if "seconds" in r else " " * 12
            lines.append(f"{head} {t} {r['mb_per_s']:9.1f} MB/s")
        else:
            lines.append(f"{head} {r.get('status', 'n/a')} - {r.get('note', '')}")
    return "\n".join(lines)


def write_svg(path, rows, engines, names, gm, title):
    """Grouped horizontal bars: per benchmark, one bar per engine, length = ratio to gcc on a
    log10 axis (1x at the left edge).  Hand-written SVG, no dependencies."""
    cols = [e.name for e in engines if any(r["engine"] == e.name and r.get("ratio")
                                            for r in rows)]
    if not cols:
        cols = ["gcc"]
    palette = ["#4c72b0", "#dd8452", "#55a868", "#c44e52", "#8172b3", "#937860", "#da8bc3",
               "#8c8c8c", "#ccb974", "#64b5cd"]
    by = {(r["benchmark"], r["engine"]): r for r in rows}
    groups = list(names) + ["geomean"]
    maxr = max([r["ratio"] for r in rows if r.get("ratio")] + [g[0] for g in gm.values() if g] +
               [2.0])
    decades = max(1, math.ceil(math.log10(maxr) + 0.05))
    bar_h, gap, left, plot_w = 11, 12, 110, 620
    top = 60
    group_h = bar_h * len(cols) + gap
    height = top + group_h * len(groups) + 40 + 16 * ((len(cols) + 3) // 4)
    width = left + plot_w + 140
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           f'font-family="sans-serif" font-size="11">',
           f'<rect width="{width}" height="{height}" fill="white"/>',
           f'<text x="{left}" y="20" font-size="14" font-weight="bold">{esc(title)}</text>',
           f'<text x="{left}" y="38" fill="#555">time relative to native gcc -O2 '
           f'(log scale, shorter is faster)</text>']

    def xpos(ratio):
        return left + plot_w * max(0.0, math.log10(max(ratio, 1e-9))) / decades

    for d in range(decades + 1):
        for sub in (1, 2, 5) if d < decades else (1,):
            x = xpos(sub * 10 ** d)
            out.append(f'<line x1="{x:.1f}" y1="{top - 6}" x2="{x:.1f}" '
                       f'y2="{top + group_h * len(groups)}" stroke="#ddd"/>')
            if sub == 1 or sub == 5 and decades < 3:
                out.append(f'<text x="{x:.1f}" y="{top - 9}" text-anchor="middle" '
                           f'fill="#555">{sub * 10 ** d:g}x</text>')
    for gi, g in enumerate(groups):
        y0 = top + gi * group_h
        out.append(f'<text x="{left - 6}" y="{y0 + group_h / 2:.1f}" text-anchor="end" '
                   f'font-weight="bold">{esc(g)}</text>')
        for ci, c in enumerate(cols):
            y = y0 + ci * bar_h
            if g == "geomean":
                ratio = gm[c][0] if gm.get(c) else None
            else:
                r = by.get((g, c))
                ratio = r.get("ratio") if r else None
            if ratio is None:
                continue
            x1 = xpos(max(ratio, 1.0))
            wbar = max(1.0, x1 - left) if ratio >= 1 else 1.0
            out.append(f'<rect x="{left}" y="{y}" width="{wbar:.1f}" height="{bar_h - 2}" '
                       f'fill="{palette[ci % len(palette)]}"><title>{esc(c)}: {ratio:.2f}x'
                       f'</title></rect>')
            out.append(f'<text x="{left + wbar + 3:.1f}" y="{y + bar_h - 3}" font-size="9">'
                       f'{ratio:.2f}x</text>')
    ly = top + group_h * len(groups) + 20
    for ci, c in enumerate(cols):
        x = left + (ci % 4) * 170
        y = ly + (ci // 4) * 16
        out.append(f'<rect x="{x}" y="{y - 9}" width="10" height="10" '
                   f'fill="{palette[ci % len(palette)]}"/>')
        out.append(f'<text x="{x + 14}" y="{y}">{esc(c)}</text>')
    out.append("</svg>")
    with open(path, "w") as f:
        f.write("\n".join(out) + "\n")


def esc(s):
    return str(s).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


# ---- main ---------------------------------------------------------------------------------

def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--mode", choices=MODES, default="full")
    ap.add_argument("--runs", type=int, help="runs per cell (default 5; quick 3; smoke 1)")
    ap.add_argument("--only", help="comma-separated benchmarks (default: all)")
    ap.add_argument("--engines", help="comma-separated engine columns to keep (gcc is always run)")
    ap.add_argument("--variants", help="wasm builds: plain,bulk,simd (default plain,bulk; "
                    "quick: plain)")
    ap.add_argument("--no-ext", action="store_true", help="skip the Debian-source programs")
    ap.add_argument("--no-startup", action="store_true", help="skip startup and prepare rows")
    ap.add_argument("--startup-runs", type=int, help="runs of the hello module (default 50)")
    ap.add_argument("--timeout", type=float, help="seconds per run before it counts as failed")
    ap.add_argument("--out", default=RESULTS, help="results folder (default build/bench-results)")
    ap.add_argument("--quiet", action="store_true", help="no per-run progress lines")
    args = ap.parse_args()
    mode = MODES[args.mode]
    args.runs = args.runs or (5, 3, 1)[mode]
    args.startup_runs = args.startup_runs or (50, 20, 3)[mode]
    args.prepare_runs = (5, 3, 1)[mode]
    args.timeout = args.timeout or (900, 300, 120)[mode]
    variants = (args.variants or ("plain,bulk", "plain", "plain,bulk")[mode]).split(",")
    if any(v not in ("plain", "bulk", "simd") for v in variants):
        ap.error("--variants takes plain, bulk and/or simd")

    kernels = sorted(f[:-2] for f in os.listdir(os.path.join(BENCH, "kernels"))
                     if f.endswith(".c"))
    names = [k for k in SIZES if k in kernels] + [k for k in kernels if k not in SIZES]
    names += [] if args.no_ext else list(EXT)
    if args.only:
        want = args.only.split(",")
        bad = [w for w in want if w not in SIZES]
        if bad:
            ap.error("unknown benchmark(s): " + ",".join(bad))
        names = [n for n in names if n in want] or [w for w in want if w in EXT]
    for k in names:
        if k not in SIZES:
            log(f"bench: kernel {k}.c has no entry in SIZES; add one")
            return 2

    tcs = {k: v for k, v in toolchains().items() if k != "simd" or "simd" in variants}
    log(f"bench: mode {args.mode}, {args.runs} run(s) per cell, variants {','.join(variants)}")
    try:
        binaries = build_kernels([n for n in names if n not in EXT], tcs)
        hello_bins = {}
        for tcname, tc in tcs.items():
            d = os.path.join(BUILD, tcname)
            hello_bins[tcname] = compile_link(tc, [os.path.join(BENCH, "startup", "hello.c")],
                                              os.path.join(d, "hello" + tc[3]),
                                              objdir=os.path.join(d, "obj", "hello"))
    except BuildError as e:
        log("bench: build failed:\n" + e.args[0])
        return 2
    skipped = {}
    if any(n in EXT for n in names):
        ext_bins, skipped = build_ext(tcs)
        binaries.update(ext_bins)
        for n, why in skipped.items():
            log(f"bench: {n}: n/a - {why}")

    engines = make_engines(variants, hello_bins["plain"])
    if args.engines:
        keep = set(args.engines.split(",")) | {"gcc"}
        engines = [e for e in engines if e.name in keep]
    for e in engines:
        if e.reason:
            log(f"bench: {e.name}: n/a - {e.reason}")

    info, vers = machine_info(), versions()
    rows = run_suite(args, names, binaries, skipped, engines)
    gm = geomeans(rows, engines)

    st_rows, pr_rows = [], []
    if not args.no_startup and mode != MODES["smoke"]:
        log("bench: startup")
        st_rows = startup_bench(args, engines, hello_bins)
        log("bench: module preparation")
        big = os.path.join(BUILD, "big.wasm")
        big_size = gen_big_module(big, 20000)
        extra = []
        lua_wasm = binaries.get(("lua", "plain"))
        if lua_wasm:
            extra.append(("lua.wasm", lua_wasm, os.path.getsize(lua_wasm)))
        pr_rows = prepare_bench(args, engines, big, big_size, extra)

    os.makedirs(args.out, exist_ok=True)
    title = (f"chibi bench ({args.mode}, {args.runs} run(s)) - {info.get('cpu', '?')}, "
             f"{info['cores']} cores")
    head = [title,
            "versions: " + "; ".join(f"{k} {v}" for k, v in vers.items()),
            f"machine: {info.get('cpu')} ({info['cores']} cores, {info.get('mhz', '?')} MHz), "
            f"Linux {info['kernel']}, load {info.get('loadavg_at_start', '?')} at start"]
    text = "\n".join(head) + "\n\n" + fmt_table(rows, engines, gm, names)
    notes = fmt_notes(rows, engines)
    if notes:
        text += "\n\nnotes:\n" + notes
    if st_rows:
        text += "\n\n" + fmt_startup(st_rows)
    if pr_rows:
        text += "\n\n" + fmt_prepare(pr_rows)
    print(text)

    with open(os.path.join(args.out, "results.txt"), "w") as f:
        f.write(text + "\n")
    fields = ["benchmark", "engine", "size", "status", "median_s", "min_s", "max_s", "ratio",
              "peak_rss_kb", "runs", "note"]
    with open(os.path.join(args.out, "results.csv"), "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=fields, extrasaction="ignore")
        w.writeheader()
        for r in rows:
            w.writerow(dict(r, runs=len(r["times"])))
    doc = {"mode": args.mode, "runs": args.runs, "variants": variants, "machine": info,
           "versions": vers, "results": rows,
           "geomean_ratio_vs_gcc": {k: (v[0] if v else None) for k, v in gm.items()},
           "engines": {e.name: {"kind": e.kind, "variant": e.variant,
                                "command": e.prefix, "na_reason": e.reason} for e in engines},
           "startup": st_rows, "prepare": pr_rows}
    with open(os.path.join(args.out, "results.json"), "w") as f:
        json.dump(doc, f, indent=1)
    write_svg(os.path.join(args.out, "chart.svg"), rows, engines, names, gm, title)
    log(f"bench: wrote {os.path.relpath(args.out, ROOT)}/results.{{txt,csv,json}} and chart.svg")

    bad = [r for r in rows if r["status"] not in ("ok", "n/a")]
    if bad:
        log(f"bench: {len(bad)} failed cell(s): " +
            ", ".join(f"{r['benchmark']}/{r['engine']}={r['status']}" for r in bad))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
