"""Where the logs source's time goes on a CMTrace-format log, stage by stage, each stage doing a little more.

    python bench/ccm_floor.py FILE [--rounds 3] [--profile N]

FILE: a CMTrace log, e.g. `python bench/genlogs.py --format ccm --size 100M --out FILE/dmpdownloader.log`.
Each stage reads FILE in the parser's chunks (`cmlog.CHUNK_CHARS` characters) and does more than the one
before:

- read: reading and decoding, nothing else;
- split: the fast path's expression cut over every chunk (every record's fields at once, in C);
- batches: `parse_batches`, the records as columns (line numbers, severities: what the source reads);
- batches + time_range: and each batch's oldest and newest time, as the source takes them;
- parser (parse_file): the batches, every record handed out as an Entry (what the source does not need);
- logs source (collect_logs): what a scan does (batches, time_range, counts, the kept problems).

CPU time (`time.process_time`) of the fastest of --rounds, and MB/s (MB = 2^20 bytes). With --profile N,
the N costliest functions of the logs source under cProfile (own time) follow. Markdown on stdout.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import sys
from collections.abc import Callable
from pathlib import Path

from logs_floor import print_stages  # this folder: sys.path[0] when run as a script

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _stages(path: Path) -> dict[str, Callable[[], object]]:
    from scanner.sources.logs import TimeRule, collect_logs
    from scanner.sources.parse import cmlog
    from scanner.sources.parse.cmfast import _CCM
    from scanner.sources.parse.cmtime import time_range

    clock = TimeRule().clock

    def read(cut: Callable[[str], object] | None) -> Callable[[], object]:
        def run() -> object:
            with path.open(encoding="utf-8", errors="replace", newline="\n") as fh:
                while chunk := fh.read(cmlog.CHUNK_CHARS):
                    if cut:
                        cut(chunk)
            return None

        return run

    def batches(timed: bool) -> Callable[[], object]:
        def run() -> object:
            for _, b in cmlog.parse_batches([path], [cmlog.FileStats()]):
                if timed:
                    time_range(b.dates, b.times, clock)
            return None

        return run

    return {
        "read": read(None),
        "split": read(_CCM.split),
        "batches": batches(False),
        "batches + time_range": batches(True),
        "parser (parse_file)": lambda: sum(1 for _ in cmlog.parse_file(path)),
        "logs source (collect_logs)": lambda: collect_logs([str(path)], TimeRule()),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("file", type=Path)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--profile", type=int, default=0, metavar="N", help="the N costliest functions too")
    args = ap.parse_args()
    path: Path = args.file
    if not path.is_file():
        sys.exit(f"ccm_floor: {path} is not a file; generate one with bench/genlogs.py --format ccm")
    stages = _stages(path)
    print_stages(path, stages, args.rounds)
    if args.profile:
        profile = cProfile.Profile()
        profile.runcall(stages["logs source (collect_logs)"])
        out = io.StringIO()
        pstats.Stats(profile, stream=out).sort_stats("tottime").print_stats(args.profile)
        print("\n```\n" + out.getvalue().split("Ordered by: internal time\n", 1)[-1].strip() + "\n```")
    print(f"\nLoad average at end: {os.getloadavg()[0]:.2f}.")


if __name__ == "__main__":
    main()
