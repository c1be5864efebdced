"""Benchmark the fleet report and the trend at scale, from results real scans wrote.

    python bench/fleet_bench.py [--sites 1000] [--big 10] [--history 365] [--dir /tmp/mdmp-fleet-bench]
                                [--no-browser]

Two real results are made first: `mdm-preflight demo` (31 checks, 56 findings) and a scan of a
100,000-user v_R_User export with 20,000 UPN problems (bench/report_bench.py's generator; findings
capped as a scan caps them, [sql] sample_users = 25). A share of `--sites` site folders is written
from them (`--big` of the sites are the 100,000-user one), each renamed to its own company and site
code, one finding in ten dropped by a fixed seed so the sites differ. Then:

- **fleet**: `mdm-preflight fleet SHARE -o OUT` in a child process pinned to one core: wall time and
  peak RSS (`ru_maxrss` of the child); the HTML's size; first-contentful-paint and load event in
  headless Chromium (best of 3, bench/report_bench.py's `paint`).
- **trend**: `--history` results of one site, one a day (the demo's result, its user-sync findings
  gone every other week so the strips change): the trend a `scan --history` computes
  (`scanner.unattended.history.trend`), and `fleet` over that history folder, each timed.

Limits (from the issue): fleet <= 10 s, HTML <= 5 MB and first paint < 2 s, RSS < 500 MB; trend <= 2 s.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.report_bench import make_users, paint  # noqa: E402
from scanner import config  # noqa: E402
from scanner.registry import discover  # noqa: E402
from scanner.runner import prepare, run  # noqa: E402
from scanner.store import dump_result, load_result  # noqa: E402
from scanner.unattended import history  # noqa: E402

FLEET_LIMIT, HTML_LIMIT, PAINT_LIMIT, RSS_LIMIT, TREND_LIMIT = 10.0, 5_000_000, 2.0, 500, 2.0


def demo_result(folder: Path) -> dict:
    out = folder / "demo"
    subprocess.run(
        [sys.executable, "-m", "scanner", "demo", "-q", "-f", "json", "-o", str(out)], check=False, cwd=ROOT
    )
    return json.loads((out / "result.json").read_text(encoding="utf-8"))


def big_result(folder: Path) -> dict:
    users = folder / "v_R_User.csv"
    make_users(users, 100_000, 20_000)
    cfg_file = folder / "big.toml"
    cfg_file.write_text(
        '[site]\ncompany = "Big"\ncode = "BIG"\nverified_domains = ["contoso.com"]\n'
        f"[sql]\ncsv = {str(users)!r}\n",
        encoding="utf-8",
    )
    cfg = config.load(cfg_file)
    catalog = discover()
    result, _ = run(cfg, catalog, prepare(catalog, cfg, ["upn.*"]), options={"command": ["bench"]})
    return json.loads(dump_result(result))


def vary(data: dict, i: int, rnd: random.Random) -> dict:
    site = dict(data, company=f"Company {i // 10:03d}", site_code=f"S{i:04d}")
    site["results"] = [
        dict(r, findings=[f for f in r["findings"] if rnd.random() >= 0.1]) for r in data["results"]
    ]
    return site


def write_share(share: Path, sites: int, big: int, demo: dict, large: dict) -> int:
    rnd = random.Random(21)
    step = max(1, sites // big) if big else 0
    total = 0
    for i in range(sites):
        folder = share / f"site{i:04d}"
        folder.mkdir(parents=True, exist_ok=True)
        is_big = bool(step) and i % step == 0 and i // step < big  # spread over the share
        text = json.dumps(vary(large if is_big else demo, i, rnd))
        (folder / "result.json").write_text(text, encoding="utf-8")
        total += len(text)
    return total


def timed_fleet(args: list[str]) -> tuple[float, float, int, str]:
    """(wall seconds, CPU seconds, peak RSS MB, stdout) of one `fleet` in a child process on one core.

    The machine is shared: wall time includes waiting for other processes; CPU time does not."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    before, cpu0 = usage.ru_maxrss, usage.ru_utime + usage.ru_stime
    t0 = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "scanner", "fleet", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        preexec_fn=lambda: os.sched_setaffinity(0, {0}),
        check=False,
    )
    took = time.perf_counter() - t0
    if done.returncode not in (0, 1, 3):
        raise RuntimeError(f"fleet exited {done.returncode}: {done.stderr.strip()[-500:]}")
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = usage.ru_utime + usage.ru_stime - cpu0
    return took, cpu, max(usage.ru_maxrss, before) // 1024, done.stdout


def write_history(folder: Path, demo: dict, runs: int) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    start = datetime.fromisoformat(demo["started"]) - timedelta(days=runs)
    for day in range(runs):
        moment = start + timedelta(days=day)
        data = dict(demo, started=moment.isoformat(), finished=(moment + timedelta(seconds=2)).isoformat())
        if (day // 7) % 2:  # every other week the user-sync problems are gone
            data["results"] = [
                dict(r, status="pass", findings=[])
                if r["check"]["id"].startswith("logs.cloudusersync")
                else r
                for r in demo["results"]
            ]
        name = f"result-{moment.strftime('%Y%m%dT%H%M%SZ')}.json"
        (folder / name).write_text(json.dumps(data), encoding="utf-8")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sites", type=int, default=1000)
    ap.add_argument("--big", type=int, default=10)
    ap.add_argument("--history", type=int, default=365)
    ap.add_argument("--dir", type=Path, default=Path(tempfile.gettempdir()) / "mdmp-fleet-bench")
    ap.add_argument("--no-browser", action="store_true")
    args = ap.parse_args()
    shutil.rmtree(args.dir, ignore_errors=True)
    args.dir.mkdir(parents=True)
    failures = []
    demo, large = demo_result(args.dir), big_result(args.dir)
    share = args.dir / "share"
    size = write_share(share, args.sites, args.big, demo, large)
    print(f"share: {args.sites:,} site results ({args.big} of 100,000 users), {size / 1e6:.0f} MB of JSON")
    took, cpu, rss, said = timed_fleet([str(share), "-o", str(args.dir / "fleet"), "--fail-on", "never"])
    html = args.dir / "fleet" / "fleet.html"
    print(
        f"fleet: {cpu:.2f} s CPU ({took:.2f} s wall) on one core, peak RSS {rss} MB; {said.splitlines()[0]}"
    )
    for f in sorted((args.dir / "fleet").iterdir()):
        print(f"  {f.name}: {f.stat().st_size / 1e6:.2f} MB")
    if cpu > FLEET_LIMIT:
        failures.append(f"fleet {cpu:.2f} s > {FLEET_LIMIT} s")
    if rss >= RSS_LIMIT:
        failures.append(f"peak RSS {rss} MB >= {RSS_LIMIT} MB")
    if html.stat().st_size > HTML_LIMIT:
        failures.append(f"fleet.html {html.stat().st_size:,} B > {HTML_LIMIT:,}")
    if not args.no_browser:
        fcp, load = paint(html)
        print(
            f"headless Chromium: first-contentful-paint {fcp:.3f} s, load event end {load:.3f} s (best of 3)"
        )
        if fcp >= PAINT_LIMIT:
            failures.append(f"first paint {fcp:.2f} s >= {PAINT_LIMIT} s")
    hist = args.dir / "history" / "site"
    write_history(hist, demo, args.history)
    current = load_result(sorted(hist.iterdir())[-1])
    t0, c0 = time.perf_counter(), time.process_time()
    trend, problems = history.trend(hist, current)
    took_trend, cpu_trend = time.perf_counter() - t0, time.process_time() - c0
    print(
        f"trend (scan --history): {args.history} kept results in {cpu_trend:.2f} s CPU"
        f" ({took_trend:.2f} s wall);",
        end="",
    )
    print(
        f" {len(trend.runs)} runs in the strips, {len(trend.first_seen)} open findings dated,"
        f" {len(problems)} unread"
    )
    wall_fleet_trend, took_fleet_trend, _, _ = timed_fleet(
        [str(hist), "-o", str(args.dir / "trend"), "-f", "html,json"]
    )
    print(
        f"trend (fleet over the history folder): {took_fleet_trend:.2f} s CPU ({wall_fleet_trend:.2f} s wall)"
    )
    for name, secs in (("trend", cpu_trend), ("fleet trend", took_fleet_trend)):
        if secs > TREND_LIMIT:
            failures.append(f"{name} {secs:.2f} s > {TREND_LIMIT} s")
    for f in failures:
        print(f"FAIL: {f}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
