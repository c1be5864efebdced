"""The floor under any reader of a server-format (`$$<`) log in CPython, beside the parser and the source.

    python bench/logs_floor.py FILE [--rounds 3]

FILE: a server-format log, e.g. `python bench/genlogs.py --format sms --size 100M --out FILE`. Each
stage reads FILE in the parser's chunks (`cmlog.CHUNK_CHARS` characters) and does a little more than
the one before:

- read: reading and decoding, nothing else;
- split: the parser's header expression cut over every chunk (every record's component, date, time,
  thread and message at once, in C) — what any correct reading must do;
- split + sync gate: and each record's message tested for the sync reader's literal phrases (`in`);
- split + sync regex: and each record searched once with a case-insensitive expression of the phrases;
- parser: `scanner.sources.parse.cmlog.parse_file`, every record handed out as an Entry;
- logs source: `scanner.sources.logs.collect_logs` on the file, what a scan does.

CPU time (`time.process_time`) of the fastest of --rounds, and MB/s (MB = 2^20 bytes). A goal above a
stage's figure cannot be met by code that does that stage's work in Python. Markdown on stdout.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

_PHRASES = ("tarting user", "ailed to", "otifyAccount", "otal received", "from cloud", "DeltaSync")
_FACT = re.compile(
    r"Starting user|Failed to (?:add|remove) user|NotifyAccountAddition|Total received"
    r"|removed users from cloud|UserDeltaSync",
    re.I,
)


def _chunk_chars() -> int:
    from scanner.sources.parse.cmlog import CHUNK_CHARS

    return CHUNK_CHARS


def _chunks(path: Path) -> Callable[[], object]:
    chunk = _chunk_chars()

    def run() -> object:
        with path.open(encoding="utf-8", errors="replace", newline="\n") as fh:
            while fh.read(chunk):
                pass
        return None

    return run


def _split(path: Path, per_message: Callable[[list[str]], int] | None) -> Callable[[], object]:
    from scanner.sources.parse.cmfast import sms_split as split

    size = _chunk_chars()

    def run() -> object:
        n = 0
        with path.open(encoding="utf-8", errors="replace", newline="\n") as fh:
            while chunk := fh.read(size):
                parts = split(chunk)
                n += per_message(parts[0::5]) if per_message else len(parts) // 5
        return n

    return run


def _gate(messages: list[str]) -> int:
    return sum(1 for m in messages if any(p in m for p in _PHRASES))


def _regex(messages: list[str]) -> int:
    search = _FACT.search
    return sum(1 for m in messages if search(m))


def _parser(path: Path) -> Callable[[], object]:
    from scanner.sources.parse.cmlog import parse_file

    return lambda: sum(1 for _ in parse_file(path))


def _source(path: Path) -> Callable[[], object]:
    from scanner.sources.logs import TimeRule, collect_logs

    return lambda: collect_logs([str(path)], TimeRule())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("file", type=Path)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    path: Path = args.file
    if not path.is_file():
        sys.exit(f"logs_floor: {path} is not a file; generate one with bench/genlogs.py --format sms")
    stages = {
        "read": _chunks(path),
        "split": _split(path, None),
        "split + sync gate": _split(path, _gate),
        "split + sync regex": _split(path, _regex),
        "parser (parse_file)": _parser(path),
        "logs source (collect_logs)": _source(path),
    }
    print_stages(path, stages, args.rounds)
    print(f"\nLoad average at end: {os.getloadavg()[0]:.2f}.")


def print_stages(path: Path, stages: dict[str, Callable[[], object]], rounds: int) -> None:
    """Each stage's CPU time, the fastest of rounds, as a Markdown table with MB/s (also ccm_floor.py's)."""
    mb = os.path.getsize(path) / 2**20
    best: dict[str, float] = {}
    for _ in range(rounds):
        for name, run in stages.items():
            start = time.process_time()
            run()
            best[name] = min(best.get(name, float("inf")), time.process_time() - start)
    print(f"{path.name}, {mb:,.0f} MB, fastest of {rounds} (CPU s)\n")
    print("| stage | CPU s | MB/s |\n|---|--:|--:|")
    for name, cpu in best.items():
        print(f"| {name} | {cpu:.2f} | {mb / cpu:,.0f} |")


if __name__ == "__main__":
    main()
