"""Benchmark the sql source and the UPN checks against the PostgreSQL lab, compared with psql.

    python bench/sql_bench.py [--users 100000,1000000] [--seed 7] [--rounds 5] [--conn-extra ';Key=value']

For each size a lab server is started in a temp folder (tests/lab/postgres.py) and loaded with N
generated users (fixed seed): ~90% contoso.com (lower case, case variants, eu./na. subdomains),
corp.contoso.local, fabrikam.com, 1% NULL, blanks, and malformed UPNs (no @, two @, trailing
spaces, diacritics). Rows go in by 100k-row unnest() inserts, then VACUUM ANALYZE.

psql runs the documented query over TCP as the read-only role, -X -A -t -o /dev/null, connection
included, once to warm up. Then --rounds times, side by side (the machine may be shared, so the ratio is
taken per round): psql's wall time, then in a fresh interpreter:

- collect_sql: the whole source, once (the documented query on one connection while a second reads
  and classifies the users);
- evaluation: every upn.* check through scanner.runner.prepare/evaluate on the section, with
  verified_domains = contoso.com so that none is skipped;
- doc query: the documented query alone via pyodbc, execute + fetchall.

Peak RSS is VmHWM of the child at its end (see vm_hwm_kb); "baseline RSS" is that of a fresh
interpreter that imports the same modules and discovers the checks, nothing else.
MB = 2**20 bytes. Markdown on stdout, progress on stderr.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))  # the repository: scanner, and tests.lab for the labs
CHUNK = 100_000
PW_ENV = "MDMP_BENCH_SQL_PW"
Row = tuple[str | None, str | None, str | None]

FIRST = ("john", "anna", "peter", "maria", "li", "wei", "fatima", "olga", "james", "sara", "noah", "emma")
LAST = ("smith", "jones", "brown", "garcia", "miller", "davis", "lopez", "wilson", "kim", "chen", "patel")
ACCENTED = ["józef.müller", "zoë.çelik", "andré.søren", "björn.ñúñez", "łukasz.dvořák"]
# (weight in per mille, kind): the mix of UPNs in v_R_User.
MIX = [
    (800, "contoso"), (50, "contoso_case"), (50, "contoso_sub"), (40, "local"), (25, "fabrikam"),
    (10, "null"), (5, "blank"), (5, "no_at"), (4, "two_at"), (5, "trailing"), (6, "diacritics"),
]  # fmt: skip


def upn_for(kind: str, user: str, rnd: random.Random) -> str | None:
    if kind == "contoso":
        return f"{user}@contoso.com"
    if kind == "contoso_case":
        return f"{user.capitalize()}@" + rnd.choice(["Contoso.com", "CONTOSO.COM", "contoso.COM"])
    if kind == "contoso_sub":
        return f"{user}@" + rnd.choice(["eu.contoso.com", "na.contoso.com"])
    if kind == "local":
        return f"{user}@corp.contoso.local"
    if kind == "fabrikam":
        return f"{user}@fabrikam.com"
    if kind == "null":
        return None
    if kind == "blank":
        return rnd.choice(["", " ", "   "])
    if kind == "no_at":
        return user
    if kind == "two_at":
        return f"{user}@corp@contoso.com"
    if kind == "trailing":
        return f"{user}@contoso.com" + " " * rnd.randint(1, 3)
    return f"{rnd.choice(ACCENTED)}{rnd.randint(1, 999)}@contoso.com"  # diacritics


def users(n: int, seed: int) -> Iterator[Row]:
    rnd = random.Random(seed)
    kinds = [k for w, k in MIX for _ in range(w)]
    for i in range(n):
        user = f"{rnd.choice(FIRST)}.{rnd.choice(LAST)}{i}"
        yield user, f"CONTOSO\\{user}", upn_for(rnd.choice(kinds), user, rnd)


def load(lab: Any, n: int, seed: int) -> None:
    """Like PostgresLab.load_users, in chunks: one text[] parameter of 1M rows is needlessly big."""
    from tests.lab.postgres import INSERT_USERS, pg_text_array

    rows = users(n, seed)
    with lab.admin_connect() as cn:
        cn.execute("TRUNCATE dbo.user_disc RESTART IDENTITY")
        while chunk := [r for _, r in zip(range(CHUNK), rows, strict=False)]:
            names, uniques, upns = (list(col) for col in zip(*chunk, strict=True))
            cn.execute(INSERT_USERS, pg_text_array(names), pg_text_array(uniques), pg_text_array(upns))
        cn.execute("SET default_statistics_target = 10")
        cn.execute("VACUUM ANALYZE dbo.user_disc")  # hint bits set, like a settled site database
        [(count,)] = cn.execute("SELECT count(*) FROM dbo.user_disc").fetchall()
    assert count == n, (count, n)


def psql_seconds(lab: Any, query: str, runs: int = 1) -> float:
    cmd = [str(lab.bindir / "psql"), "-X", "-A", "-t", "-o", "/dev/null", "-v", "ON_ERROR_STOP=1", "-h",
           lab.host, "-p", str(lab.port), "-U", lab.reader_user, "-d", lab.database, "-c", query]  # fmt: skip
    env = {**os.environ, "PGPASSWORD": lab.reader_password}
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, env=env, check=True, capture_output=True)
        best = min(best, time.perf_counter() - start)
    return best


def vm_hwm_kb() -> int:
    """This process's peak RSS. ru_maxrss is no good here: Linux carries the parent's peak over
    fork + exec into it, so a small child of a big parent reports the parent's peak."""
    with open("/proc/self/status") as fh:
        return next(int(line.split()[1]) for line in fh if line.startswith("VmHWM:"))


def child(mode: str, conn: str, user: str) -> None:
    """In a fresh interpreter: one measurement, printed as a JSON line."""
    import pyodbc

    from scanner import config
    from scanner.evidence import Evidence
    from scanner.model import SourceStatus
    from scanner.registry import discover
    from scanner.runner import evaluate, prepare
    from scanner.sources import sql

    site = config.from_dict({"site": {"verified_domains": ["contoso.com"]}})
    catalog = discover(plugins=False)
    out: dict[str, Any] = {}
    if mode == "run":
        cfg = config.SqlConfig(connection_string=conn, user=user, password_env=PW_ENV)
        conn_str, _, _ = sql.connection_string(cfg, "CM_EC1")
        start = time.perf_counter()
        section = sql.collect_sql(cfg, "EC1", timeout=3600)
        end = time.perf_counter()
        with pyodbc.connect(conn_str, autocommit=True, readonly=True) as cn:
            start_doc = time.perf_counter()
            groups = len(cn.execute(sql.DOC_QUERY).fetchall())
            doc = time.perf_counter() - start_doc
        assert section.users == sum(r.count for r in section.inventory)
        ev = Evidence(
            tool_version="bench",
            collected_at=datetime.now(UTC),
            sources=(SourceStatus(name="sql", status="ok"),),
            sql=section,
        )
        prepared = prepare(catalog, site, only=["upn.*"])
        t_eval = time.perf_counter()
        results = evaluate(ev, prepared, site=site.site)
        out = {
            "users": section.users,
            "groups": groups,
            "doc": doc,
            "source": end - start,
            "eval": time.perf_counter() - t_eval,
            "findings": sum(len(r.findings) for r in results),
            "statuses": [f"{r.check.id}={r.status.value}" for r in results],
        }
    out["rss_kb"] = vm_hwm_kb()
    out["ru_maxrss_kb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps(out))


def measure(mode: str, lab: Any, extra: str) -> dict[str, Any]:
    env = {
        **os.environ,
        PW_ENV: lab.reader_password,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
    }
    conn = lab.reader_connection_string() + extra
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", mode, conn, lab.reader_user]
    done = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(f"child {mode} failed:\n{done.stderr}")
    return json.loads(done.stdout.splitlines()[-1])


def machine() -> str:
    with open("/proc/cpuinfo") as fh:
        cpu = next((line.split(":", 1)[1].strip() for line in fh if line.startswith("model name")), "?")
    return f"{os.cpu_count()} CPUs ({cpu}), Python {platform.python_version()}, {platform.platform()}"


def bench(n: int, seed: int, extra: str, rounds: int) -> str:
    from scanner.sources.sql import DOC_QUERY
    from tests.lab.postgres import start_postgres

    root = Path(tempfile.mkdtemp(prefix="mdmp-sql-bench-"))
    lab = None
    try:
        lab = start_postgres(root)
        print(f"{n:,} users: loading ...", file=sys.stderr, flush=True)
        start = time.perf_counter()
        load(lab, n, seed)
        print(f"  loaded in {time.perf_counter() - start:.1f} s", file=sys.stderr, flush=True)
        psql_seconds(lab, DOC_QUERY)  # warm-up
        base = measure("baseline", lab, extra)
        # Side by side: each round runs psql, then the source in a fresh interpreter, so both meet the
        # same load on a shared machine; the ratio is taken per round.
        runs = []
        for i in range(rounds):
            theirs = psql_seconds(lab, DOC_QUERY, runs=1)
            r = measure("run", lab, extra)
            runs.append((r, theirs))
            print(f"  round {i + 1}: psql {theirs:.2f} s, {r}", file=sys.stderr, flush=True)
    finally:
        if lab is not None:
            lab.stop()
        shutil.rmtree(root, ignore_errors=True)
    assert all(r["users"] == n for r, _ in runs), runs
    ratios = sorted((r["source"] + r["eval"]) / t for r, t in runs)
    docs = sorted(r["doc"] / t for r, t in runs)
    r = runs[-1][0]
    cells = [
        f"{n:,}", f"{r['groups']:,}", str(rounds), span(r["source"] for r, _ in runs),
        span(r["eval"] * 1000 for r, _ in runs), span(t for _, t in runs),
        f"{statistics.median(ratios):.2f}x ({ratios[0]:.2f}–{ratios[-1]:.2f})",
        f"{statistics.median(docs):.2f}x ({docs[0]:.2f}–{docs[-1]:.2f})",
        f"{max(r['rss_kb'] for r, _ in runs) / 1024:.0f}", f"{base['rss_kb'] / 1024:.0f}",
    ]  # fmt: skip
    return "| " + " | ".join(cells) + " |"


def span(values: Iterable[float]) -> str:
    low, *_, high = sorted(values) * 2
    return f"{low:.2f}–{high:.2f}"


HEAD = (
    "users|suffix groups|rounds|collect_sql s|evaluation ms|psql doc query s|"
    "(collect_sql + evaluation) / psql doc, median (range)|our doc query alone / psql doc|"
    "peak RSS MB|baseline RSS MB"
)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--users", default="100000,1000000", help="comma-separated user counts")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--conn-extra", default="", help="appended to the connection string, e.g. ';A=1'")
    ap.add_argument("--rounds", type=int, default=5, help="psql + source pairs per size")
    ap.add_argument("--child", nargs=3, metavar=("MODE", "CONN", "USER"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        child(*args.child)
        return
    print(f"Machine: {machine()}.\n")
    print(f"| {HEAD.replace('|', ' | ')} |")
    print("|" + "--:|" * (HEAD.count("|") + 1))
    for n in (int(x.replace("_", "")) for x in args.users.split(",")):
        print(bench(n, args.seed, args.conn_extra, args.rounds), flush=True)


if __name__ == "__main__":
    main()
