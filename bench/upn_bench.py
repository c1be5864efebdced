"""Benchmark the one UPN rule on the offline path: a v_R_User.csv export through from_csv and the upn checks.

    python bench/upn_bench.py [--users 100000,1000000] [--seed 7] [--tree PATH ...] [--rounds 3]

The export holds sql_bench.py's mix of users (~90% contoso.com, .local, fabrikam.com, NULL, blank,
no @, two @, trailing spaces, diacritics). Each --tree is a checkout whose `scanner` is measured
(default: this one), so the rule can be compared with another branch's on the same machine at the
same time: the trees take turns, round after round, and each measurement runs in a fresh
interpreter. Reported: the best from_csv time (read, T-SQL emulation, classification, collisions)
and the best evaluation of every upn.* check on that evidence (the Public Suffix List already
loaded). Markdown on stdout, progress on stderr.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from sql_bench import machine, users  # noqa: E402  (a sibling script, not a package)


def child(path: str) -> None:
    """In a fresh interpreter with the tree's scanner first on the path: one measurement as JSON."""
    from datetime import UTC, datetime

    from scanner import config
    from scanner.evidence import Evidence
    from scanner.model import SourceStatus
    from scanner.registry import discover
    from scanner.runner import evaluate, prepare
    from scanner.sources.sql import from_csv

    site = config.from_dict({"site": {"verified_domains": ["contoso.com"]}})
    prepared = prepare(discover(plugins=False), site, only=["upn.*"])
    start = time.perf_counter()
    section = from_csv(Path(path), "CM_EC1", 25)
    read = time.perf_counter() - start
    ev = Evidence(
        tool_version="bench",
        collected_at=datetime.now(UTC),
        sources=(SourceStatus(name="sql", status="ok"),),
        sql=section,
    )
    evaluate(ev, prepared, site=site.site)  # warm-up: loads the Public Suffix List
    start = time.perf_counter()
    results = evaluate(ev, prepared, site=site.site)
    print(
        json.dumps(
            {
                "read": read,
                "eval": time.perf_counter() - start,
                "findings": sum(len(r.findings) for r in results),
            }
        )
    )


def measure(tree: Path, path: Path) -> dict[str, Any]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tree), str(HERE)])}
    cmd = [sys.executable, "-c", f"import upn_bench; upn_bench.child({str(path)!r})"]
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, cwd=tree)
    if done.returncode:
        raise SystemExit(f"{tree}: measurement failed:\n{done.stderr}")
    return json.loads(done.stdout.splitlines()[-1])


def bench(n: int, seed: int, trees: list[Path], rounds: int) -> list[str]:
    with tempfile.TemporaryDirectory(prefix="upn-bench-") as tmp:
        path = Path(tmp) / "v_R_User.csv"
        with path.open("w", encoding="utf-8-sig", newline="") as fh:
            out = csv.writer(fh)
            out.writerow(["User_Name0", "Unique_User_Name0", "User_Principal_Name0"])
            out.writerows(("NULL" if v is None else v for v in row) for row in users(n, seed))
        best: dict[Path, dict[str, Any]] = {}
        for r in range(rounds):
            for tree in trees:
                got = measure(tree, path)
                print(f"  {n:,} users, round {r + 1}, {tree}: {got}", file=sys.stderr)
                old = best.setdefault(tree, got)
                best[tree] = {k: min(old[k], got[k]) if k != "findings" else got[k] for k in got}
    return [
        f"| {n:,} | {tree} | {b['read']:.2f} | {n / b['read']:,.0f} | {b['eval'] * 1000:.0f} "
        f"| {b['findings']:,} |"
        for tree, b in best.items()
    ]


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--users", default="100000,1000000")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--tree", action="append", type=Path, help="a checkout to measure (repeatable)")
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args(argv)
    trees = [t.resolve() for t in args.tree or [HERE.parent]]
    print(machine() + "\n")
    print("| users | tree | from_csv best (s) | users/s | upn.* evaluation (ms) | findings |")
    print("|--:|---|--:|--:|--:|--:|")
    for n in (int(x) for x in args.users.split(",")):
        for line in bench(n, args.seed, trees, args.rounds):
            print(line, flush=True)


if __name__ == "__main__":
    main()
