#!/usr/bin/env python3
"""tools/arm64/check-encodings.py - check the golden rows of jit/arm64/emit_test.c with GNU as.

usage: tools/arm64/check-encodings.py EMIT_TEST_BINARY

Capstone tells what a word means; this assembles the wanted text of every non-poison row with
aarch64-linux-gnu-as and compares the words, so a row whose text and word agree only in
Capstone's eyes (or whose text was copied from Capstone) shows up.  Each instruction sits at
a 4 KiB boundary, linked at address 0, so that adrp and the PC-relative forms assemble as written (@+off -> .+off).
A developer tool, not part of `make test`: it needs binutils-aarch64-linux-gnu.
"""
import os
import re
import struct
import subprocess
import sys
import tempfile

AS = os.environ.get("AS", "aarch64-linux-gnu-as")
LD = os.environ.get("LD", "aarch64-linux-gnu-ld")
OBJCOPY = os.environ.get("OBJCOPY", "aarch64-linux-gnu-objcopy")


def gas_syntax(text):
    # "#@+0x40" (a branch or literal target relative to the instruction) -> ".+0x40"
    return re.sub(r"#@([+-])", r".\1", text)


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    with tempfile.TemporaryDirectory() as tmp:
        dump = os.path.join(tmp, "rows.txt")
        env = dict(os.environ, A64_EMIT_DUMP=dump)
        subprocess.run([sys.argv[1], "--jobs", "1"], env=env, check=True,
                       stdout=subprocess.DEVNULL)
        rows = []
        with open(dump) as f:
            for line in f:
                word, text = line.rstrip("\n").split("\t", 1)
                rows.append((int(word, 16), text.strip()))
        src = os.path.join(tmp, "rows.s")
        with open(src, "w") as f:
            for _, text in rows:
                f.write("\t.balign 4096\n\t%s\n" % gas_syntax(text))
        obj, binf = os.path.join(tmp, "rows.o"), os.path.join(tmp, "rows.bin")
        r = subprocess.run([AS, "-o", obj, src], capture_output=True, text=True)
        bad_lines = set()
        if r.returncode != 0:
            # gas reports "rows.s:N: Error: ..."; drop those rows and try again
            for m in re.finditer(r"rows\.s:(\d+): Error: (.*)", r.stderr):
                idx = (int(m.group(1)) - 2) // 2
                bad_lines.add(idx)
                print("gas rejects %-40s (%s)" % (rows[idx][1], m.group(2)))
            with open(src, "w") as f:
                for i, (_, text) in enumerate(rows):
                    f.write("\t.balign 4096\n\t%s\n" % ("nop" if i in bad_lines else gas_syntax(text)))
            subprocess.run([AS, "-o", obj, src], check=True)
        # link at address 0 so relocations (adrp) resolve the way they read
        elf = os.path.join(tmp, "rows.elf")
        subprocess.run([LD, "--section-start=.text=0", "-e", "0", "-o", elf, obj], check=True)
        subprocess.run([OBJCOPY, "-O", "binary", "-j", ".text", elf, binf], check=True)
        data = open(binf, "rb").read()
        mismatches = 0
        for i, (word, text) in enumerate(rows):
            if i in bad_lines:
                continue
            (got,) = struct.unpack_from("<I", data, i * 4096)
            if got != word:
                mismatches += 1
                print("mismatch: %-40s encoder %08x, gas %08x" % (text, word, got))
        print("%d rows, %d assembled, %d mismatches, %d rejected by gas"
              % (len(rows), len(rows) - len(bad_lines), mismatches, len(bad_lines)))
        sys.exit(1 if mismatches else 0)


if __name__ == "__main__":
    main()
