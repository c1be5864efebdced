"""Bounds (issue 10) at full size: a 2 GB log of one line, and a site database of 1,000,000 users
with 1,000,000 distinct UPN suffixes. Each runs a whole `mdm-preflight scan` in a fresh child.

    python bench/bounds_bench.py logs [--size 2G] [--formats plain,ccm]
    python bench/bounds_bench.py sql [--users 1000000] [--conn-extra ';UseDeclareFetch=1;Fetch=20000']

logs: writes the file on the fly under /tmp (1 MiB writes, deleted afterwards): "plain" is 2 GB of
text and no newline; "ccm" is one CMTrace record whose message is 2 GB. sql: starts the PostgreSQL
lab of tests/lab (like bench/sql_bench.py), loads N users u<i>@d<i>.example.com, and scans with
[sql] pointing at it. The child prints the seconds of the scan and its VmHWM (peak RSS) against a
baseline read after its imports; the parent reads result.json: the source's status and warnings
(what was cut), and the checks' statuses. MB = 2**20 bytes. Markdown on stdout.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PW_ENV = "MDMP_BENCH_SQL_PW"
MIB = 1 << 20
CCM_TAIL = (
    b']LOG]!><time="09:00:00.000+000" date="11-24-2026" component="SMS_X" context="" type="3" '
    b'thread="1" file="x.cpp:1">\r\n'
)


def vm_hwm_kb() -> int:
    with open("/proc/self/status") as fh:
        return next(int(line.split()[1]) for line in fh if line.startswith("VmHWM:"))


def child(config_file: str, out: str) -> None:
    """In a fresh interpreter: one scan through the CLI, then its time and peak RSS as JSON."""
    import reports  # noqa: F401  (imported by a scan: part of the baseline)
    from scanner.cli import app

    base = vm_hwm_kb()
    start = time.perf_counter()
    try:
        app(["scan", "-c", config_file, "-f", "json,md", "-o", out, "-q"], standalone_mode=True)
    except SystemExit as exc:
        code = exc.code
    print(json.dumps({"seconds": time.perf_counter() - start, "base_kb": base, "peak_kb": vm_hwm_kb(),
                      "exit": code}))  # fmt: skip


def scan(config_file: Path, out: Path, env: dict[str, str] | None = None) -> dict[str, Any]:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", str(config_file), str(out)]
    done = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, **(env or {})})
    if not done.stdout.strip():
        raise SystemExit(f"child failed:\n{done.stderr}")
    got = json.loads(done.stdout.splitlines()[-1])
    result = json.loads((out / "result.json").read_text(encoding="utf-8"))
    got["sources"] = result["provenance"]["sources"]
    got["statuses"] = {r["check"]["id"]: r["status"] for r in result["results"] if r["status"] != "skipped"}
    got["findings"] = {r["check"]["id"]: len(r["findings"]) for r in result["results"]}
    got["md_bytes"] = (out / "report.md").stat().st_size
    return got


def write_log(path: Path, fmt: str, size: int) -> None:
    block = b"error in a runaway component " * (MIB // 29) + b"x" * (MIB % 29)
    with path.open("wb") as fh:
        fh.write(b"<![LOG[" if fmt == "ccm" else b"")
        for _ in range(size // MIB):
            fh.write(block)
        fh.write(CCM_TAIL if fmt == "ccm" else b"")


def bench_logs(size: int, formats: list[str]) -> None:
    print("| log | file bytes | scan s | MB/s | peak RSS MB | baseline RSS MB | logs source | "
          "what the report says |")  # fmt: skip
    print("|---|--:|--:|--:|--:|--:|---|---|")
    for fmt in formats:
        tmp = Path(tempfile.mkdtemp(prefix="mdm-bounds-", dir="/tmp"))
        try:
            log = tmp / "logs" / "dmpdownloader.log"
            log.parent.mkdir()
            print(f"writing {size:,} bytes to {log}", file=sys.stderr)
            write_log(log, fmt, size)
            cfg = tmp / "mdm-preflight.toml"
            cfg.write_text(f"[logs]\npaths = [{str(log.parent)!r}]\n", encoding="utf-8")
            got = scan(cfg, tmp / "out")
            [src] = [s for s in got["sources"] if s["name"] == "logs"]
            said = "; ".join(src["warnings"]).replace(str(tmp), "…")
            bytes_ = log.stat().st_size
            mb = (bytes_ / MIB / got["seconds"], got["peak_kb"] / 1024, got["base_kb"] / 1024)
            cells = [f"{fmt}, one line", f"{bytes_:,}", f"{got['seconds']:.1f}", *(f"{v:.0f}" for v in mb)]
            print("| " + " | ".join([*cells, src["status"], said]) + " |")
            print(f"  checks: {got['statuses']}; exit {got['exit']}", file=sys.stderr)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)


def bench_sql(n: int, extras: list[str]) -> None:
    from tests.lab.postgres import INSERT_USERS, pg_text_array, start_postgres

    tmp = Path(tempfile.mkdtemp(prefix="mdm-bounds-sql-", dir="/tmp"))
    pg = Path(tempfile.mkdtemp(prefix="mdm-bounds-pg-"))  # handed to the user postgres as it is
    lab = start_postgres(pg)
    try:
        began = time.perf_counter()
        with lab.admin_connect() as cn:
            cn.execute("TRUNCATE dbo.user_disc RESTART IDENTITY")
            for lo in range(0, n, 100_000):
                ids = range(lo, min(n, lo + 100_000))
                names = [f"u{i}" for i in ids]
                cn.execute(
                    INSERT_USERS,
                    pg_text_array(names),  # type: ignore[arg-type]
                    pg_text_array([f"CORP\\u{i}" for i in ids]),  # type: ignore[arg-type]
                    pg_text_array([f"u{i}@d{i}.example.com" for i in ids]),  # type: ignore[arg-type]
                )
            cn.execute("SET default_statistics_target = 10")
            cn.execute("VACUUM ANALYZE dbo.user_disc")
        print(f"loaded {n:,} users in {time.perf_counter() - began:.0f} s", file=sys.stderr)
        head = "users | distinct suffixes | connection extra | scan s | peak RSS MB | baseline RSS MB"
        print(
            f"| {head} | sql source | findings (inventory, non-routable, unverified) | what the report says |"
        )
        print("|--:|--:|---|--:|--:|--:|---|---|---|")
        for extra in extras:
            cfg = tmp / "mdm-preflight.toml"
            conn = lab.reader_connection_string() + extra
            cfg.write_text(
                '[site]\ncode = "EC1"\nverified_domains = ["contoso.com"]\n'
                f"[sql]\nconnection_string = {conn!r}\ndatabase = {lab.database!r}\n"
                f"user = {lab.reader_user!r}\npassword_env = {PW_ENV!r}\n",
                encoding="utf-8",
            )
            out = tmp / "out"
            shutil.rmtree(out, ignore_errors=True)
            got = scan(cfg, out, {PW_ENV: lab.reader_password})
            [src] = [s for s in got["sources"] if s["name"] == "sql"]
            f = got["findings"]
            counts = ", ".join(
                f"{f.get(c, 0):,}"
                for c in ("upn.suffix_inventory", "upn.non_routable_suffix", "upn.unverified_suffix")
            )
            cells = [f"{n:,}", f"{n:,}", f"`{extra or '(none)'}`", f"{got['seconds']:.1f}"]
            cells += [f"{got['peak_kb'] / 1024:.0f}", f"{got['base_kb'] / 1024:.0f}", src["status"], counts]
            print("| " + " | ".join([*cells, "; ".join(src["warnings"])]) + " |")
            print(f"  checks: {got['statuses']}; report.md {got['md_bytes']:,} bytes", file=sys.stderr)
    finally:
        lab.stop()
        shutil.rmtree(tmp, ignore_errors=True)
        shutil.rmtree(pg, ignore_errors=True)


def size_arg(text: str) -> int:
    units = {"K": 1 << 10, "M": MIB, "G": 1 << 30}
    return int(float(text[:-1]) * units[text[-1].upper()]) if text[-1].upper() in units else int(text)


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        sys.path.insert(0, str(ROOT))
        child(sys.argv[2], sys.argv[3])
        return
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("what", choices=["logs", "sql"])
    ap.add_argument("--size", type=size_arg, default=2 << 30)
    ap.add_argument("--formats", default="plain,ccm")
    ap.add_argument("--users", type=int, default=1_000_000)
    ap.add_argument(
        "--conn-extra", action="append", help="appended to the lab's connection string; repeatable"
    )
    args = ap.parse_args()
    sys.path.insert(0, str(ROOT))
    if args.what == "logs":
        bench_logs(args.size, args.formats.split(","))
    else:
        bench_sql(args.users, args.conn_extra or ["", ";UseDeclareFetch=1;Fetch=20000"])


if __name__ == "__main__":
    main()
