"""Benchmark the site rules' queries (scanner/sources/sitedb.py) on the PostgreSQL lab, beside psql.

    python bench/site_bench.py [--users 1000000] [--messages 100000] [--seed 7]

A lab server (tests/lab/postgres.py) gets N generated users (bench/sql_bench.py's mix), the Intune
collection EC100012 holding every one of them (the worst case: the subscription syncs all users),
a small hierarchy with the service connection point, its components' status, and M status messages
with insertion strings, all errors and warnings of the connector's five components inside the
7-day window (the worst case for the grouped query), spread over 40 message IDs.

Then, in a fresh interpreter, over one read-only connection as the scanner opens it: each part's
SELECT (sites, role, mode, components: best of 3; status messages: best of 3; the collection: one
run, members fetched and tallied), read_site as a whole, and the evaluation of the site.* checks
and upn.enrollment_collection. psql runs the messages query and the members query with the same
values inlined (best of 3 after a warm-up). Peak RSS is VmHWM of the child (MB = 2**20 bytes).
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
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sql_bench import load, machine, psql_seconds, vm_hwm_kb

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PW_ENV = "MDMP_BENCH_SQL_PW"
COLLECTION = "EC100012"


def seed_site(lab: Any, messages: int) -> None:
    from scanner.facts import connector
    from tests.lab import site_seed

    lab.load_site(site_seed.healthy())
    names = "ARRAY[" + ", ".join(f"'{c}'" for c in connector.components()) + "]"
    ids = (
        "ARRAY["
        + ", ".join(str(i) for i in [*range(9600, 9620), *range(10000, 10008), *range(11400, 11412)])
        + "]"
    )
    with lab.admin_connect() as cn:
        cn.execute(
            "TRUNCATE dbo.v_statusmessage, dbo.v_statmsgwithinsstrings, dbo.v_fullcollectionmembership"
        )
        cn.execute(
            "INSERT INTO dbo.v_statusmessage (recordid, messageid, severity, component, machinename, time,"
            " sitecode, win32error) SELECT g, (" + ids + ")[1 + g % 40],"
            " CASE WHEN g % 3 = 0 THEN -2147483648 ELSE -1073741824 END, (" + names + ")[1 + g % 5],"
            " 'CM00.corp.contoso.com', (now() AT TIME ZONE 'utc') - (g % 9000) * interval '1 minute',"
            " 'CAS', g % 7"
            f" FROM generate_series(1, {messages}) g"
        )
        cn.execute(
            "INSERT INTO dbo.v_statmsgwithinsstrings (recordid, messageid, severity, component, machinename,"
            " time, insstring1, insstring2) SELECT recordid, messageid, severity, component, machinename,"
            " time, 'EC100012', 'user' || recordid || '@contoso.com' FROM dbo.v_statusmessage"
        )
        cn.execute(
            f"INSERT INTO dbo.v_fullcollectionmembership (collectionid, resourceid) SELECT '{COLLECTION}',"
            " resourceid FROM dbo.user_disc"
        )
        cn.execute("UPDATE dbo.v_collection SET membercount = (SELECT count(*) FROM dbo.user_disc)")
        cn.execute("VACUUM ANALYZE")


def child(conn: str, user: str) -> None:
    """In a fresh interpreter: the measurements, printed as a JSON line."""
    import pyodbc

    from scanner import config
    from scanner.evidence import Evidence
    from scanner.evidence.sql import SqlEvidence
    from scanner.model import SourceStatus
    from scanner.registry import discover
    from scanner.runner import evaluate, prepare
    from scanner.sources import sitedb, sql

    cfg = config.SqlConfig(
        connection_string=conn, user=user, password_env=PW_ENV, intune_collection=COLLECTION
    )
    conn_str, target, _ = sql.connection_string(cfg, "CM_EC1")
    since = datetime.now(UTC) - timedelta(days=cfg.status_days)
    out: dict[str, Any] = {}
    with pyodbc.connect(conn_str, autocommit=True, readonly=True) as cn:
        r = sitedb._Reader(cn, "CM_EC1", target, 3600)
        parts = {
            "sites": lambda: r.rows(sitedb.SITES),
            "role": lambda: sitedb._scp(r),
            "mode": lambda: r.rows(sitedb.MODE, 23),
            "components": lambda: sitedb._components(r),
            "messages": lambda: sitedb._messages(r, since),
        }
        for name, read in parts.items():
            times = []
            for _ in range(3):
                start = time.perf_counter()
                got = read()
                times.append(time.perf_counter() - start)
            out[name] = min(times)
            out[f"{name}_rows"] = len(got)
        out["messages_counted"] = sum(g.count for g in got)
        start = time.perf_counter()  # the members query alone: rows fetched in batches and dropped
        cur = cn.execute(sitedb.MEMBERS, COLLECTION)
        while cur.fetchmany(sitedb.FETCH_ROWS):
            pass
        out["members_fetch"] = time.perf_counter() - start
        start = time.perf_counter()
        coll = sitedb._collection(r, cfg)
        out["collection"] = time.perf_counter() - start
        out["members"] = coll.members
        out["rss_after_parts_kb"] = vm_hwm_kb()
        start = time.perf_counter()
        site = sitedb.read_site(cn, "CM_EC1", cfg, target, 3600)
        out["read_site"] = time.perf_counter() - start
    assert not site.errors, site.errors
    section = SqlEvidence(origin=target, database="CM_EC1", query="", inventory=(), users=0, site=site)
    ev = Evidence(tool_version="bench", collected_at=datetime.now(UTC),
                  sources=(SourceStatus(name="sql", status="ok"),), sql=section)  # fmt: skip
    settings = config.from_dict({"site": {"verified_domains": ["contoso.com"]}})
    prepared = prepare(discover(plugins=False), settings, only=["site.*", "upn.enrollment_collection"])
    start = time.perf_counter()
    results = evaluate(ev, prepared, site=settings.site)
    out["eval"] = time.perf_counter() - start
    out["statuses"] = [f"{x.check.id}={x.status.value}" for x in results]
    out["rss_kb"] = vm_hwm_kb()
    print(json.dumps(out))


def inline(statement: str, *params: Any) -> str:
    """The statement with its ? placeholders replaced by SQL literals, for psql."""
    for p in params:
        literal = f"'{p}'" if isinstance(p, str | datetime) else str(p)
        statement = statement.replace("?", literal, 1)
    return statement


def bench(n: int, messages: int, seed: int) -> str:
    from scanner.facts import connector
    from scanner.sources import sitedb
    from tests.lab.postgres import start_postgres

    root = Path(tempfile.mkdtemp(prefix="mdmp-site-bench-"))
    lab = None
    try:
        lab = start_postgres(root)
        print(f"{n:,} users, {messages:,} messages: loading ...", file=sys.stderr, flush=True)
        load(lab, n, seed)
        seed_site(lab, messages)
        names = connector.components()
        marks = ", ".join("?" * len(names))
        grouped = sitedb.MESSAGES.format(
            inserts=", " + sitedb._INSERTS, names=marks, installs=sitedb.INSTALLS.format(names=marks),
            join=sitedb.JOIN_INSERTS,
        ).replace("CM_EC1", "cm_ec1")  # fmt: skip
        since = (datetime.now(UTC) - timedelta(days=7)).replace(tzinfo=None)
        args = (since, connector.ERROR, connector.WARNING, *names, connector.INSTALLER, *names)
        psql_messages = psql_seconds(lab, inline(grouped, *args))
        psql_members = psql_seconds(lab, inline(sitedb.MEMBERS.replace("CM_EC1", "cm_ec1"), COLLECTION))
        print("  child ...", file=sys.stderr, flush=True)
        path = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
        env = {**os.environ, PW_ENV: lab.reader_password, "PYTHONPATH": path}
        cmd = [sys.executable, str(Path(__file__).resolve()), "--child", lab.reader_connection_string(),
               lab.reader_user]  # fmt: skip
        done = subprocess.run(cmd, env=env, capture_output=True, text=True)
        if done.returncode:
            raise SystemExit(f"child failed:\n{done.stderr}")
        r = json.loads(done.stdout.splitlines()[-1])
        print(f"  {r}", file=sys.stderr, flush=True)
    finally:
        if lab is not None:
            lab.stop()
        shutil.rmtree(root, ignore_errors=True)
    assert r["members"] == n and r["messages_counted"] == messages, r
    small = r["sites"] + r["role"] + r["mode"] + r["components"]
    groups = f"{r['messages'] * 1000:.0f} ms ({r['messages_rows']} groups)"
    cells = [
        f"{n:,}", f"{messages:,}", f"{small * 1000:.1f} ms", groups, f"{psql_messages * 1000:.0f} ms",
        f"{r['collection']:.2f}", f"{r['members_fetch']:.2f}", f"{psql_members:.2f}", f"{r['read_site']:.2f}",
        f"{r['eval'] * 1000:.1f} ms",
        f"{r['rss_kb'] / 1024:.0f}",
    ]  # fmt: skip
    return "| " + " | ".join(cells) + " |"


HEAD = (
    "users (all in the collection)|status messages in the window|sites + role + mode + components|"
    "status messages (ours)|psql status messages|collection members fetched + tallied (s)|"
    "members query alone, fetched (s)|psql members (s)|read_site, all parts (s)|evaluation|peak RSS MB"
)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--users", default="1000000", help="comma-separated user counts")
    ap.add_argument("--messages", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--child", nargs=2, metavar=("CONN", "USER"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        child(*args.child)
        return
    print(f"Machine: {machine()}.\n")
    print(f"| {HEAD.replace('|', ' | ')} |")
    print("|" + "--:|" * (HEAD.count("|") + 1))
    for n in (int(x.replace("_", "")) for x in args.users.split(",")):
        print(bench(n, args.messages, args.seed), flush=True)


if __name__ == "__main__":
    main()
