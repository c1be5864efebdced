"""A scan on a real pseudo-terminal (POSIX only, like the labs): what it printed, and its exit code."""

from __future__ import annotations

import os
import pty
import select
import sys
import time
from pathlib import Path


def scan_on_a_terminal(
    cfg: Path,
    out: Path,
    env: dict[str, str],
    *,
    prompt: bytes = b"",
    answer: bytes = b"",
    timeout: float = 60,
) -> tuple[int, bytes]:
    """`mdm-preflight scan -c CFG -o OUT --only upn.*` with the pty as its controlling terminal; `answer`
    is typed once `prompt` has appeared. Returns the exit code and everything the terminal showed."""
    args = [sys.executable, "-m", "scanner", "scan", "-c", str(cfg), "-o", str(out), "--only", "upn.*"]
    pid, fd = pty.fork()
    if pid == 0:  # the child: the pty is its controlling terminal
        os.execve(sys.executable, args, env)
    seen, deadline = b"", time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not select.select([fd], [], [], 1)[0]:
            continue
        try:
            chunk = os.read(fd, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not chunk:
            break
        seen += chunk
        if answer and prompt in seen:
            os.write(fd, answer)
            answer = b""
    _, status = os.waitpid(pid, 0)
    os.close(fd)
    return os.waitstatus_to_exitcode(status), seen
