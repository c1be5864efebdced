"""Benchmark how long `mdm-preflight --help` takes, beside the interpreter and the CLI libraries alone.

    python bench/startup_bench.py [--rounds 20] [--core 0] [--other SRC]

Each round runs, one after another, pinned to one core (taskset -c CORE, when taskset exists):

- `python -c pass`: the interpreter's own start, the floor;
- `python -c "import typer, rich.console"`: the libraries every typer + rich command line loads;
- `mdm-preflight --help` (the installed console script; `python -m scanner --help` without one);
- `mdm-preflight --version`;
- with --other SRC, `--help` of the project's source tree SRC (e.g. `git archive main | tar -x -C SRC`),
  run with SRC first on sys.path: before and after, side by side.

Wall times from spawn to exit, and the CPU time the command used (user + system, which a busy
machine changes less); median and range over the rounds (the machine may be shared). Then one
`python -X importtime -m scanner --help`: the modules it loads, and the ten largest cumulative imports.
Markdown on stdout.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def commands(other: str) -> dict[str, list[str]]:
    script = Path(sys.executable).with_name("mdm-preflight")
    cli = [str(script)] if script.exists() else [sys.executable, "-m", "scanner"]
    out = {
        "python -c pass": [sys.executable, "-c", "pass"],
        "import typer, rich.console": [sys.executable, "-c", "import typer, rich.console"],
        "mdm-preflight --help": [*cli, "--help"],
        "mdm-preflight --version": [*cli, "--version"],
    }
    if other:  # another source tree of the project (e.g. `git archive main`), first on sys.path
        code = f"import sys; sys.path.insert(0, {other!r}); sys.argv[1:] = ['--help']; import runpy; "
        out[f"mdm-preflight --help from {other}"] = [
            sys.executable,
            "-c",
            code + "runpy.run_module('scanner')",
        ]
    return out


def wall(cmd: list[str]) -> tuple[float, float]:
    """Wall time and CPU time (user + system) of one run."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True, cwd=ROOT)
    took = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return took, after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime


def importtime() -> list[tuple[int, str]]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "scanner", "--help"],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        check=True,
    )
    rows = []
    for line in done.stderr.splitlines():
        if line.startswith("import time:") and "|" in line:
            _, cumulative, name = line.split("|")
            if cumulative.strip().isdigit():
                rows.append((int(cumulative), name.rstrip()))
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=20)
    ap.add_argument("--core", default="0", help="taskset -c CORE ('' to run unpinned)")
    ap.add_argument("--other", default="", help="also time --help of this source tree (before/after)")
    args = ap.parse_args()
    pin = ["taskset", "-c", args.core] if args.core and shutil.which("taskset") else []
    cmds = {name: [*pin, *cmd] for name, cmd in commands(args.other).items()}
    for cmd in cmds.values():
        wall(cmd)  # warm the page cache and the .pyc files
    times: dict[str, list[tuple[float, float]]] = {name: [] for name in cmds}
    for _ in range(args.rounds):
        for name, cmd in cmds.items():
            times[name].append(wall(cmd))
    print(f"{args.rounds} rounds{', pinned to core ' + args.core if pin else ''}; ms\n")
    print("| command | wall, median | wall, range | CPU (user + sys), median | CPU, range |")
    print("|---|--:|--:|--:|--:|")
    for name, values in times.items():
        ms = sorted(v[0] * 1000 for v in values)
        cpu = sorted(v[1] * 1000 for v in values)
        print(
            f"| `{name}` | {statistics.median(ms):.0f} | {ms[0]:.0f}–{ms[-1]:.0f} "
            f"| {statistics.median(cpu):.0f} | {cpu[0]:.0f}–{cpu[-1]:.0f} |"
        )
    rows = importtime()
    top = {p.split(".")[0] for _, name in rows if (p := name.strip())}
    print(f"\n`python -X importtime -m scanner --help`: {len(rows)} modules; top-level packages: ")
    print(", ".join(sorted(t for t in top if not t.startswith("_"))) + "\n")
    print("| cumulative µs | module |")
    print("|--:|---|")
    for cumulative, name in sorted(rows, reverse=True)[:10]:
        print(f"| {cumulative:,} | `{name}` |")


if __name__ == "__main__":
    main()
