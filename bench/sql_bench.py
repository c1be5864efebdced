"""Benchmark the sql source and the UPN checks against the PostgreSQL lab, compared with psql.

    python bench/sql_bench.py [--users 100000,1000000] [--seed 7] [--rounds 5] [--conn-extra ';Key=value']
        [--tree DIR ...] [--evidence DIR] [--server-cores 0] [--client-cores 1]

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
- doc query: the documented query alone via pyodbc, execute + fetchall;
- the user query's rows alone: that tree's user query executed and fetched through pyodbc with
  nothing done with the rows (the floor of any source that reads every user row).

Peak RSS is VmHWM of the child at its end (see vm_hwm_kb); "baseline RSS" is that of a fresh
interpreter that imports the same modules and discovers the checks, nothing else.
CPU: the child's own (all threads, time.process_time) over collect_sql, and the PostgreSQL server's
(postmaster and every backend, bench/proctime.py) over psql's query and over collect_sql.

--tree DIR (repeatable): the children import `scanner` from that checkout instead of this one, each
tree in turn within every round (e.g. `git worktree add /tmp/before main`, then --tree /tmp/before
--tree .): before and after side by side under the same load. --evidence DIR: every child writes its
section as the JSON the evidence file holds (scanner.codec), and the bench says whether they are
byte-identical across rounds and trees. With --evidence the reader's sessions do not synchronise
sequential scans (PostgreSQL starts a scan of a big table where a running one is, so two runs of the
same code could see the rows in another order and name other sample users). --server-cores /
--client-cores: taskset lists for the PostgreSQL server and for psql and the children (e.g. 0 and 1:
the database on its own core, as on a real site where it is another machine).
MB = 2**20 bytes. Markdown on stdout, progress on stderr.
"""

from __future__ import annotations

import argparse
import hashlib
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
TREE_ENV, EVIDENCE_ENV, SERVER_ENV = "MDMP_BENCH_TREE", "MDMP_BENCH_EVIDENCE", "MDMP_BENCH_SERVER_PID"
if os.environ.get(TREE_ENV):  # a child measuring another checkout (--tree)
    sys.path.insert(0, os.environ[TREE_ENV])
sys.path.insert(1, str(HERE))
import proctime  # noqa: E402

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


def psql_seconds(lab: Any, query: str, runs: int = 1, cores: str = "") -> float:
    cmd = [str(lab.bindir / "psql"), "-X", "-A", "-t", "-o", "/dev/null", "-v", "ON_ERROR_STOP=1", "-h",
           lab.host, "-p", str(lab.port), "-U", lab.reader_user, "-d", lab.database, "-c", query]  # fmt: skip
    cmd = proctime.pinned(cmd, cores)
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
        server_pid = int(os.environ[SERVER_ENV])
        start, cpu, server = time.perf_counter(), time.process_time(), proctime.tree_cpu(server_pid)
        section = sql.collect_sql(cfg, "EC1", timeout=3600)
        end, cpu = time.perf_counter(), time.process_time() - cpu
        server = proctime.tree_cpu(server_pid) - server
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
            "source": end - start,
            "cpu": cpu,
            "server_cpu": server,
            "eval": time.perf_counter() - t_eval,
            "findings": sum(len(r.findings) for r in results),
            "statuses": [f"{r.check.id}={r.status.value}" for r in results],
            "rss_kb": vm_hwm_kb(),  # the source and the checks; what follows is the bench's own
        }
        if os.environ.get(EVIDENCE_ENV):
            from scanner.codec import to_jsonable

            data = to_jsonable(section)
            if data.get("site"):  # now minus seven days: the one field that moves between runs
                data["site"]["messages_since"] = "(the run's time)"
            text = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
            Path(os.environ[EVIDENCE_ENV]).write_text(text, encoding="utf-8")
        with pyodbc.connect(conn_str, autocommit=True, readonly=True) as cn:
            start_doc = time.perf_counter()
            out["groups"] = len(cn.execute(sql.DOC_QUERY).fetchall())
            out["doc"] = time.perf_counter() - start_doc
            # The floor: the user query's rows fetched through pyodbc and the driver, nothing else done.
            start_rows, rows_cpu = time.perf_counter(), time.process_time()
            cur = cn.execute(sql.DETAIL_QUERY)
            while cur.fetchmany(sql.FETCH_ROWS):
                pass
            out["rows"], out["rows_cpu"] = time.perf_counter() - start_rows, time.process_time() - rows_cpu
    out.setdefault("rss_kb", vm_hwm_kb())
    out["ru_maxrss_kb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps(out))


def measure(
    mode: str, lab: Any, extra: str, tree: str = "", evidence: str = "", cores: str = ""
) -> dict[str, Any]:
    env = {
        **os.environ,
        PW_ENV: lab.reader_password,
        TREE_ENV: tree,
        EVIDENCE_ENV: evidence,
        SERVER_ENV: str(server_pid(lab)),
        "PYTHONPATH": os.pathsep.join(filter(None, [tree, str(ROOT), os.environ.get("PYTHONPATH")])),
    }
    conn = lab.reader_connection_string() + extra
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", mode, conn, lab.reader_user]
    done = subprocess.run(proctime.pinned(cmd, cores), env=env, capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(f"child {mode} failed:\n{done.stderr}")
    out: dict[str, Any] = json.loads(done.stdout.splitlines()[-1])
    return out


def server_pid(lab: Any) -> int:
    return int((lab.root / "data" / "postmaster.pid").read_text().split()[0])


def machine() -> str:
    with open("/proc/cpuinfo") as fh:
        cpu = next((line.split(":", 1)[1].strip() for line in fh if line.startswith("model name")), "?")
    return f"{os.cpu_count()} CPUs ({cpu}), Python {platform.python_version()}, {platform.platform()}"


def bench(n: int, seed: int, args: argparse.Namespace) -> list[str]:
    from scanner.sources.sql import DOC_QUERY
    from tests.lab.postgres import start_postgres

    trees = [str(Path(t).resolve()) for t in args.tree or [str(ROOT)]]
    root = Path(tempfile.mkdtemp(prefix="mdmp-sql-bench-"))
    lab = None
    runs: dict[str, list[tuple[dict[str, Any], float, float]]] = {t: [] for t in trees}
    loads = []
    try:
        lab = start_postgres(root)
        proctime.pin(server_pid(lab), args.server_cores)
        print(f"{n:,} users: loading ...", file=sys.stderr, flush=True)
        start = time.perf_counter()
        load(lab, n, seed)
        if args.evidence:  # else a scan may start where a running one is: rows in another order
            with lab.admin_connect() as cn:
                cn.execute(f"ALTER ROLE {lab.reader_user} SET synchronize_seqscans = off")
        print(f"  loaded in {time.perf_counter() - start:.1f} s", file=sys.stderr, flush=True)
        psql_seconds(lab, DOC_QUERY, cores=args.client_cores)  # warm-up
        base = measure("baseline", lab, args.conn_extra, cores=args.client_cores)
        # Side by side: each round runs psql, then the source in a fresh interpreter (each tree in
        # turn), so all meet the same load on a shared machine; the ratio is taken per round.
        for i in range(args.rounds):
            loads.append(proctime.load())
            for t in trees:
                server = proctime.tree_cpu(server_pid(lab))
                theirs = psql_seconds(lab, DOC_QUERY, runs=1, cores=args.client_cores)
                psql_cpu = proctime.tree_cpu(server_pid(lab)) - server
                evidence = ""
                if args.evidence:
                    evidence = str(Path(args.evidence) / f"sql-{n}-{Path(t).name}-r{i + 1}.json")
                r = measure("run", lab, args.conn_extra, t, evidence, args.client_cores)
                if evidence:
                    r["sha"] = hashlib.sha256(Path(evidence).read_bytes()).hexdigest()[:16]
                runs[t].append((r, theirs, psql_cpu))
                print(f"  round {i + 1} {t}: psql {theirs:.2f} s (server CPU {psql_cpu:.2f}), {r}, "
                      f"load {loads[-1]}", file=sys.stderr, flush=True)  # fmt: skip
    finally:
        if lab is not None:
            lab.stop()
        shutil.rmtree(root, ignore_errors=True)
    rows = []
    for t, done in runs.items():
        assert all(r["users"] == n for r, _, _ in done), done
        ratios = sorted((r["source"] + r["eval"]) / t for r, t, _ in done)
        docs = sorted(r["doc"] / t for r, t, _ in done)
        fetched = sorted(r["rows"] / t for r, t, _ in done)
        r = done[-1][0]
        cells = [
            f"{n:,}", Path(t).name, f"{r['groups']:,}", str(len(done)), span(r["source"] for r, _, _ in done),
            span(r["cpu"] for r, _, _ in done), span(r["server_cpu"] for r, _, _ in done),
            span(r["eval"] * 1000 for r, _, _ in done), span(t for _, t, _ in done),
            span(c for _, _, c in done),
            f"{statistics.median(ratios):.2f}x ({ratios[0]:.2f}–{ratios[-1]:.2f})",
            f"{statistics.median(docs):.2f}x ({docs[0]:.2f}–{docs[-1]:.2f})",
            f"{statistics.median(fetched):.2f}x ({fetched[0]:.2f}–{fetched[-1]:.2f})",
            span(r["rows_cpu"] for r, _, _ in done),
            f"{max(r['rss_kb'] for r, _, _ in done) / 1024:.0f}", f"{base['rss_kb'] / 1024:.0f}",
        ]  # fmt: skip
        rows.append("| " + " | ".join(cells) + " |")
    shas = {r.get("sha") for done in runs.values() for r, _, _ in done}
    if args.evidence:
        rows.append(f"\nevidence: {len(shas)} distinct file(s) over every round and tree: {sorted(shas)}")
    rows.append(f"load average per round: {'; '.join(loads)}")
    return rows


def span(values: Iterable[float]) -> str:
    low, *_, high = sorted(values) * 2
    return f"{low:.2f}–{high:.2f}"


HEAD = (
    "users|tree|suffix groups|rounds|collect_sql s|collect_sql CPU s|server CPU during collect_sql s|"
    "evaluation ms|psql doc query s|server CPU for psql s|"
    "(collect_sql + evaluation) / psql doc, median (range)|our doc query alone / psql doc|"
    "the user query's rows alone (fetch only) / psql doc|CPU of that fetch s|"
    "peak RSS MB|baseline RSS MB"
)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--users", default="100000,1000000", help="comma-separated user counts")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--conn-extra", default="", help="appended to the connection string, e.g. ';A=1'")
    ap.add_argument("--rounds", type=int, default=5, help="psql + source pairs per size")
    ap.add_argument("--tree", action="append", help="a checkout whose scanner the children run (repeatable)")
    ap.add_argument("--evidence", default="", help="folder for each child's section as JSON")
    ap.add_argument("--server-cores", default="", help="taskset list for the PostgreSQL server")
    ap.add_argument("--client-cores", default="", help="taskset list for psql and the children")
    ap.add_argument("--child", nargs=3, metavar=("MODE", "CONN", "USER"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        child(*args.child)
        return
    print(f"Machine: {machine()}.\n")
    print(f"| {HEAD.replace('|', ' | ')} |")
    print("|" + "--:|" * (HEAD.count("|") + 1))
    if args.evidence:
        Path(args.evidence).mkdir(parents=True, exist_ok=True)
    for n in (int(x.replace("_", "")) for x in args.users.split(",")):
        print("\n".join(bench(n, args.seed, args)), flush=True)


if __name__ == "__main__":
    main()
