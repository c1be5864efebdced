"""Helpers the side-by-side benchmarks share: a server's CPU time, pinning, the machine's load.

Not a bench script itself (sql_bench.py and ldap_bench.py import it from this folder).
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _stat(pid: int) -> list[str]:
    with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as fh:
        return fh.read().rpartition(")")[2].split()


def descendants(pid: int) -> list[int]:
    """pid and every process below it."""
    kids: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                kids.setdefault(int(_stat(int(entry.name))[1]), []).append(int(entry.name))
            except (OSError, IndexError, ValueError):
                continue
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(kids.get(p, ()))
    return out


def tree_cpu(pid: int) -> float:
    """CPU seconds (user + system) a server has used: its live processes, and through their
    cutime/cstime the children they have reaped (a finished PostgreSQL backend, a Samba worker)."""
    total = 0
    for p in descendants(pid):
        try:
            fields = _stat(p)
        except OSError:
            continue
        total += sum(int(v) for v in fields[11:15])  # utime stime cutime cstime
    return total / TICK


def pin(pid: int, cores: str) -> None:
    """Pin a running server and its threads (its future children inherit it) to these cores."""
    if cores:
        for p in descendants(pid):
            subprocess.run(["taskset", "-a", "-p", "-c", cores, str(p)], capture_output=True, check=False)


def pinned(cmd: list[str], cores: str) -> list[str]:
    return ["taskset", "-c", cores, *cmd] if cores else cmd


def load() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])
