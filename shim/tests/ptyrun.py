#!/usr/bin/env python3
"""shim/tests/ptyrun.py - run a command on a fresh pseudo-terminal, as a user at a terminal would.

`ctr run -t` insists on a console of its own.  This gives it one: the command is a session
leader with the pty as its controlling terminal and foreground process group (unlike script(1)
under timeout(1), where the command lands in a background group and tcsetattr stops it), with
a window size set before it starts.  After --delay seconds each --send string is typed (Python
escapes: '\\x03' is ^C).  Everything the command prints is copied to stdout; the exit status is
the command's (128+N for a signal, 124 on timeout, after which the command is killed).

Usage: ptyrun.py [--timeout S] [--size COLSxROWS] [--delay S] [--send TEXT]... -- CMD ARGS...
"""
import argparse
import fcntl
import os
import pty
import select
import signal
import struct
import sys
import termios
import time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--timeout", type=float, default=30)
    ap.add_argument("--size", default="100x30")
    ap.add_argument("--delay", type=float, default=1.0)
    ap.add_argument("--send", action="append", default=[])
    ap.add_argument("cmd", nargs=argparse.REMAINDER)
    a = ap.parse_args()
    cmd = a.cmd[1:] if a.cmd and a.cmd[0] == "--" else a.cmd
    if not cmd:
        ap.error("no command")
    cols, rows = (int(x) for x in a.size.split("x"))

    pid, master = pty.fork()
    if pid == 0:
        fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
        try:
            os.execvp(cmd[0], cmd)
        finally:
            os._exit(127)

    out = sys.stdout.buffer
    start = time.monotonic()
    pending = [s.encode().decode("unicode_escape").encode("latin-1") for s in a.send]
    status = None
    while True:
        now = time.monotonic()
        if now - start > a.timeout:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            out.write(b"\n[ptyrun: timed out]\n")
            out.flush()
            return 124
        if pending and now - start >= a.delay:
            os.write(master, pending.pop(0))
            start_next = time.monotonic()
            a.delay = start_next - start + 0.3
        r, _, _ = select.select([master], [], [], 0.1)
        if r:
            try:
                data = os.read(master, 65536)
            except OSError:  # EIO: the command and all its children closed the tty
                data = b""
            if data:
                out.write(data)
                out.flush()
                continue
            break
        if status is None:
            done, st = os.waitpid(pid, os.WNOHANG)
            if done:
                status = st
    if status is None:
        _, status = os.waitpid(pid, 0)
    if os.WIFSIGNALED(status):
        return 128 + os.WTERMSIG(status)
    return os.WEXITSTATUS(status)


if __name__ == "__main__":
    sys.exit(main())
