"""The sql source against a real database: PostgreSQL through unixODBC and psqlODBC (tests/lab)."""

from __future__ import annotations

import csv
import json
import socket
import time
from collections import Counter
from pathlib import Path

import pytest
from typer.testing import CliRunner

from scanner.cli import app
from scanner.config import SqlConfig
from scanner.evidence.sql import SqlEvidence
from scanner.facts import upn
from scanner.sources.sql import SqlSourceError, collect_sql, from_csv, guard
from tests.conftest import SAMPLES
from tests.lab.postgres import PostgresLab
from tests.lab.terminal import scan_on_a_terminal

EXPORT = SAMPLES / "v_R_User.csv"
CANARY = "Wr0ng-Canary-7731"


def export_rows() -> list[tuple[str | None, str | None, str | None]]:
    with EXPORT.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    return [
        (
            r["User_Name0"],
            r["Unique_User_Name0"],
            None if r["User_Principal_Name0"] == "NULL" else r["User_Principal_Name0"],
        )
        for r in rows
    ]


@pytest.fixture(scope="module")
def lab(postgres_lab: PostgresLab) -> PostgresLab:
    postgres_lab.load_users(export_rows())
    return postgres_lab


def sql_cfg(
    lab: PostgresLab, *, conn: str | None = None, env: str = "MDMP_TEST_SQL_PW", **kw: object
) -> SqlConfig:
    return SqlConfig(
        connection_string=conn or lab.reader_connection_string(), user=lab.reader_user, password_env=env, **kw
    )  # type: ignore[arg-type]


def inventory(ev: SqlEvidence) -> Counter[str | None]:
    return Counter({upn.group_key(r.suffix): r.count for r in ev.inventory})


def test_documented_query_runs_verbatim_and_matches_the_csv_path(lab: PostgresLab, monkeypatch) -> None:
    monkeypatch.setenv("MDMP_TEST_SQL_PW", lab.reader_password)
    live = collect_sql(sql_cfg(lab), "EC1", timeout=10)
    offline = from_csv(EXPORT, "CM_EC1", 25)
    assert live.query == offline.query and "CM_EC1.dbo.v_R_User" in live.query
    assert inventory(live) == inventory(offline)
    assert inventory(live)["ontoso.com"] == 1  # the trailing-space quirk, as SQL Server shows it
    assert inventory(live)[None] == 2 and inventory(live)["jsmith"] == 1
    assert live.users == offline.users == 49
    assert live.domains == offline.domains and live.issues == offline.issues
    assert live.collisions == offline.collisions and [g.key for g in live.collisions] == ["bob1@contoso.com"]
    assert "Database=cm_ec1" in lab.reader_connection_string() and live.origin.startswith(
        "CM_EC1 on 127.0.0.1"
    )


def test_scan_through_the_cli_names_users(lab: PostgresLab, tmp_path: Path) -> None:
    cfg = tmp_path / "c.toml"
    cfg.write_text(
        "[site]\ncode = 'EC1'\nverified_domains = ['contoso.com']\n"
        f"[sql]\nconnection_string = '{lab.reader_connection_string()}'\nuser = '{lab.reader_user}'\n"
        "password_env = 'MDMP_TEST_SQL_PW'\nsample_users = 3\n",
        encoding="utf-8",
    )
    r = CliRunner().invoke(
        app,
        ["scan", "-c", str(cfg), "-o", str(tmp_path / "out"), "--only", "upn.*"],
        env={"MDMP_TEST_SQL_PW": lab.reader_password},
    )
    assert r.exit_code == 1, r.output
    data = json.loads((tmp_path / "out" / "result.json").read_text(encoding="utf-8"))
    found = {f["target"]: f for x in data["results"] for f in x["findings"]}
    assert found["corp.contoso.local"]["evidence"]["users"] == 4
    assert len(found["corp.contoso.local"]["evidence"]["examples"]) == 3
    assert found["fabrikam.com"]["check_id"] == "upn.unverified_suffix"
    assert found["suffix:contoso.com"]["evidence"]["users"] == 30
    html = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert "corp.contoso.local" in html and "<script>alert(1)</script>" not in html


def run_scan(tmp_path: Path, sql_section: str, env: dict[str, str]) -> tuple[object, str]:
    cfg = tmp_path / "c.toml"
    cfg.write_text(
        f"[site]\ncode = 'EC1'\n[logs]\npaths = ['{SAMPLES / 'broken'}']\n[scan]\ntimeout = 3\n"
        f"[sql]\n{sql_section}",
        encoding="utf-8",
    )
    r = CliRunner().invoke(app, ["scan", "-c", str(cfg), "-o", str(tmp_path / "out")], env=env)
    files = "".join(p.read_text(encoding="utf-8", errors="replace") for p in (tmp_path / "out").iterdir())
    return r, r.output + files


def sql_results(tmp_path: Path) -> dict[str, dict]:
    data = json.loads((tmp_path / "out" / "result.json").read_text(encoding="utf-8"))
    return {x["check"]["id"]: x for x in data["results"]}


def test_wrong_password_is_one_clear_reason_and_never_printed(lab: PostgresLab, tmp_path: Path) -> None:
    section = (
        f"connection_string = '{lab.reader_connection_string()}'\nuser = '{lab.reader_user}'\n"
        "password_env = 'MDMP_TEST_SQL_PW'\n"
    )
    r, everything = run_scan(tmp_path, section, {"MDMP_TEST_SQL_PW": CANARY})
    results = sql_results(tmp_path)
    assert results["upn.missing"]["status"] == "error"
    assert "login failed" in results["upn.missing"]["reason"]
    assert results["logs.sitecomp_connector"]["status"] == "fail"  # the other source still ran
    assert r.exit_code == 1  # findings from the logs reach the threshold
    assert CANARY not in everything


@pytest.fixture(scope="module")
def empty_db(lab: PostgresLab) -> str:
    """A database the reader may open that has no v_R_User: somebody else's database."""
    with lab.admin_connect() as cn:
        cn.execute("CREATE DATABASE cm_empty")
        cn.execute(f"GRANT CONNECT ON DATABASE cm_empty TO {lab.reader_user}")
    with lab.admin_connect("cm_empty") as cn:
        cn.execute(f"CREATE SCHEMA dbo; GRANT USAGE ON SCHEMA dbo TO {lab.reader_user}")
    return "cm_empty"


@pytest.mark.parametrize(
    ("conn", "database", "expected"),
    [
        ("Database=cm_ec2", "", "no such database"),
        ("Database=cm_empty", "cm_empty", "dbo.v_R_User not found"),
        ("Database=cm_ec1", "cm_other", "differs from \\[sql\\] database"),
    ],
)
def test_database_typos_and_missing_views(
    lab: PostgresLab, empty_db: str, monkeypatch, conn: str, database: str, expected: str
) -> None:
    monkeypatch.setenv("MDMP_TEST_SQL_PW", lab.reader_password)
    text = lab.reader_connection_string().replace("Database=cm_ec1", conn)
    with pytest.raises(SqlSourceError, match=expected):
        collect_sql(sql_cfg(lab, conn=text, database=database), "EC1", timeout=5)


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize("driver", ["{PostgreSQL Unicode}", "{FreeTDS}"])
def test_unreachable_server_fails_fast_with_a_clear_line(monkeypatch, driver: str) -> None:
    monkeypatch.setenv("MDMP_TEST_SQL_PW", CANARY)
    port = closed_port()
    extra = ";TDS_Version=7.4" if "FreeTDS" in driver else ""
    cfg = SqlConfig(
        connection_string=f"Driver={driver};Server=127.0.0.1;Port={port}{extra}",
        user="scanner",
        password_env="MDMP_TEST_SQL_PW",
    )
    t0 = time.monotonic()
    with pytest.raises(SqlSourceError) as exc:
        collect_sql(cfg, "EC1", timeout=3)
    assert time.monotonic() - t0 < 3.5
    message = str(exc.value)
    assert (
        "connection refused" in message or "cannot connect" in message
    )  # FreeTDS does not say which and f"CM_EC1 on 127.0.0.1,{port}" in message
    assert CANARY not in message and "\n" not in message


def test_missing_password_variable_is_named_not_prompted(lab: PostgresLab, monkeypatch) -> None:
    monkeypatch.delenv("MDMP_UNSET_VAR", raising=False)
    with pytest.raises(SqlSourceError, match="environment variable MDMP_UNSET_VAR"):
        collect_sql(sql_cfg(lab, env="MDMP_UNSET_VAR"), "EC1", timeout=3)


@pytest.mark.parametrize(
    "statement",
    [
        "DELETE FROM dbo.user_disc",
        "SELECT 1; DROP TABLE dbo.user_disc",
        "select * into x from y",
        "UPDATE dbo.user_disc SET user_name0 = 'x'",
        "EXEC sp_who",
        "WITH a AS (SELECT 1) DELETE FROM a",
    ],
)
def test_only_a_single_select_is_ever_sent(statement: str) -> None:
    with pytest.raises(SqlSourceError, match="not a single SELECT"):
        guard(statement)
    assert guard("SELECT 'a;b' AS x FROM t") == "SELECT 'a;b' AS x FROM t"


def test_encrypt_is_added_unless_the_user_says_otherwise(monkeypatch) -> None:
    from scanner.sources.sql import connection_string

    monkeypatch.setenv("PW", "p;w}d")
    text, target, secret = connection_string(
        SqlConfig(
            connection_string="Driver={ODBC Driver 18 for SQL Server};Server=tcp:cm01,1433",
            user="svc",
            password_env="PW",
        ),
        "CM_EC1",
    )
    assert "Encrypt=yes" in text and "Database=CM_EC1" in text and "PWD={p;w}}d}" in text
    assert target == "CM_EC1 on tcp:cm01,1433" and secret == "p;w}d"
    text, _, _ = connection_string(SqlConfig(connection_string="Server=x;encrypt=no"), "CM_EC1")
    assert "Encrypt=yes" not in text and "encrypt=no" in text


def test_csv_export_without_the_upn_column_is_a_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "users.csv"
    bad.write_text("Name,Mail\nann,ann@contoso.com\n", encoding="utf-8")
    with pytest.raises(SqlSourceError, match="no User_Principal_Name0 column"):
        from_csv(bad, "CM_EC1", 5)


def test_a_person_at_a_terminal_is_asked_for_the_password_and_it_is_never_echoed(
    lab: PostgresLab, tmp_path: Path
) -> None:
    # A real pseudo-terminal: the variable is not set, so the scan prompts (getpass turns echo
    # off); the password typed reaches the database and is nowhere in what the terminal shows.
    import os

    cfg = tmp_path / "c.toml"
    cfg.write_text(
        "[site]\ncode = 'EC1'\nverified_domains = ['contoso.com']\n"
        f"[sql]\nconnection_string = '{lab.reader_connection_string()}'\nuser = '{lab.reader_user}'\n"
        "password_env = 'MDMP_TEST_SQL_PW_UNSET'\n",
        encoding="utf-8",
    )
    env = {k: v for k, v in os.environ.items() if k != "MDMP_TEST_SQL_PW_UNSET"}
    env["PYTHONPATH"] = str(SAMPLES.parent)
    password = lab.reader_password.encode()
    code, seen = scan_on_a_terminal(
        cfg, tmp_path / "out", env, prompt=b"Password for the site database", answer=password + b"\r"
    )
    assert b"Password for the site database" in seen, seen.decode(errors="replace")  # asked, so typed
    assert code == 1, seen.decode(errors="replace")  # findings, not an error
    assert b"environment variable MDMP_TEST_SQL_PW_UNSET is not set" in seen  # the prompt says why
    assert lab.reader_password.encode() not in seen
    data = json.loads((tmp_path / "out" / "result.json").read_text(encoding="utf-8"))
    status_of = {x["check"]["id"]: x["status"] for x in data["results"]}
    assert status_of["upn.suffix_inventory"] == "pass" and status_of["upn.unverified_suffix"] == "fail"
    for path in (tmp_path / "out").iterdir():
        assert lab.reader_password not in path.read_text(encoding="utf-8", errors="replace"), path


def test_more_suffix_groups_than_kept_the_users_fill_only_the_kept_groups(
    lab: PostgresLab, monkeypatch
) -> None:
    """The documented query runs beside the user query; the users it arrives after are still counted
    into the groups it keeps, never into one it leaves out."""
    from scanner.evidence.sql import MAX_GROUPS

    monkeypatch.setenv("MDMP_TEST_SQL_PW", lab.reader_password)
    rows = [(f"b{i}", f"CORP\\b{i}", f"b{i}@big{i % 3}.example.com") for i in range(3000)]  # 3 large
    rows += [(f"u{i}", f"CORP\\u{i}", f"u{i}@d{i}.example.com") for i in range(MAX_GROUPS + 700)]
    rows += [(f"x{i}", f"CORP\\x{i}", f"x{i}@two@big0.example.com") for i in range(5)]  # judged by their end
    try:
        lab.load_users(rows)
        ev = collect_sql(sql_cfg(lab, sample_users=2), "EC1", timeout=30)
    finally:
        lab.load_users(export_rows())
    kept = {upn.group_key(s.suffix) for s in ev.inventory}
    assert len(ev.inventory) == MAX_GROUPS and ev.inventory_left_out == 704  # 3 + 10,700 + "two@big0..."
    assert {"big0.example.com", "big1.example.com", "big2.example.com"} <= kept
    domains = {g.key: g.count for g in ev.domains}
    assert set(domains) <= kept and len(domains) == MAX_GROUPS - 1  # "two@big0..." is not a domain
    assert domains["big0.example.com"] == 1000 + 5 and domains["big1.example.com"] == 1000
    assert ev.users == len(rows) == sum(domains.values()) + ev.domains_left_out_users
    assert {g.key: g.count for g in ev.issues} == {"multiple_at": 5}


def test_a_user_without_a_unique_name_is_named_by_user_name(lab: PostgresLab, monkeypatch) -> None:
    """User_Name0 is fetched only where Unique_User_Name0 is NULL or empty: those users still carry it."""
    monkeypatch.setenv("MDMP_TEST_SQL_PW", lab.reader_password)
    rows = [("anna", None, "anna x@contoso.com"), ("bob", "", None), ("carl", "  ", "carl x@contoso.com")]
    rows += [("dora", "CORP\\dora", "dora x@contoso.com"), (None, None, "eve x@contoso.com")]
    try:
        lab.load_users(rows)
        ev = collect_sql(sql_cfg(lab, sample_users=0), "EC1", timeout=30)
    finally:
        lab.load_users(export_rows())
    named = {g.key: sorted(u.name for u in g.users) for g in ev.issues}
    # Unique_User_Name0 names the user whenever it is not empty, even all spaces (carl); else User_Name0.
    assert named["missing"] == ["bob"] and named["spaces"] == ["", "  ", "CORP\\dora", "anna"]
    assert ev.users == 5 and ev.upns == {"  ": "carl x@contoso.com", "corp\\dora": "dora x@contoso.com"}


# --- integrated authentication (Trusted_Connection=yes): no user, no password, no prompt ---------------


def test_an_integrated_connection_string_gets_no_user_or_password() -> None:
    from scanner.sources.sql import connection_string

    given = (
        "Driver={ODBC Driver 18 for SQL Server};Server=tcp:cm01.contoso.com,1433;Trusted_Connection=yes;"
        "ServerSPN=MSSQLSvc/cm01.contoso.com:1433"
    )
    text, target, secret = connection_string(SqlConfig(connection_string=given), "CM_EC1")
    assert text == f"{given};Database=CM_EC1;Encrypt=yes"
    assert (target, secret) == ("CM_EC1 on tcp:cm01.contoso.com,1433", "")


@pytest.mark.parametrize(
    ("extra", "config"),
    [("", "user = 'svc'\n"), ("", "password_env = 'MDMP_X'\n"), (";UID=svc;PWD={x}", "")],
)
def test_integrated_with_a_password_setting_stops_before_scanning(
    tmp_path: Path, extra: str, config: str
) -> None:
    path = tmp_path / "c.toml"
    path.write_text(
        "[site]\ncode = 'EC1'\n[sql]\nconnection_string = 'Driver={ODBC Driver 18 for SQL Server};"
        f"Server=tcp:cm01,1433;Trusted_Connection=Yes{extra}'\n{config}",
        encoding="utf-8",
    )
    r = CliRunner().invoke(app, ["scan", "-c", str(path), "-o", str(tmp_path / "o")])
    assert r.exit_code == 2 and not (tmp_path / "o").exists()
    assert r.stderr.splitlines() == [
        f"mdm-preflight: error: {path}: [sql] connection_string asks for integrated authentication "
        "(Trusted_Connection=yes): the account running the scan logs in; remove [sql] user and password_env "
        "(and UID/PWD)"
    ]


def test_an_integrated_login_never_prompts_even_at_a_terminal(lab: PostgresLab, tmp_path: Path) -> None:
    """A real terminal and a real server that wants a password: the scan does not ask for one, and the
    failed integrated login is one line naming its usual causes (psqlODBC has no Windows logon to use)."""
    import os

    cfg = tmp_path / "c.toml"
    cfg.write_text(
        "[site]\ncode = 'EC1'\n[sql]\n"
        f"connection_string = '{lab.reader_connection_string()};Trusted_Connection=yes'\n",
        encoding="utf-8",
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")} | {
        "PYTHONPATH": str(SAMPLES.parent)
    }
    code, seen = scan_on_a_terminal(cfg, tmp_path / "out", env)
    assert b"Password" not in seen, seen.decode(errors="replace")
    assert code == 3, seen.decode(errors="replace")
    data = json.loads((tmp_path / "out" / "result.json").read_text(encoding="utf-8"))
    reasons = {x["reason"] for x in data["results"] if x["status"] == "error"}
    assert reasons and all(
        "integrated login refused: the account running the scan has no login" in r for r in reasons
    )


@pytest.mark.parametrize(
    ("message", "cause"),
    [
        (
            "[Microsoft][ODBC Driver 18 for SQL Server][SQL Server]Login failed for user "
            "'NT AUTHORITY\\ANONYMOUS LOGON'. (18456) (SQLDriverConnect)",
            "a double hop",
        ),
        (
            "[Microsoft][ODBC Driver 18 for SQL Server]SSPI Provider: Server not found in Kerberos database "
            "(851968) (SQLDriverConnect)",
            "the domain has no SPN MSSQLSvc/<host>:<port> for this server: register it",
        ),
        (
            "[Microsoft][ODBC Driver 17 for SQL Server]Cannot generate SSPI context (0) (SQLDriverConnect)",
            "is missing or registered twice (setspn -Q, setspn -X)",
        ),
        (
            "[Microsoft][ODBC Driver 18 for SQL Server]SSPI Provider: No Kerberos credentials available "
            "(default cache: FILE:/tmp/krb5cc_1000) (851968) (SQLDriverConnect)",
            "no Kerberos ticket for the account running the scan: kinit",
        ),
        (
            "[Microsoft][ODBC Driver 18 for SQL Server][SQL Server]Login failed for user "
            "'CONTOSO\\svc-preflight'. (18456) (SQLDriverConnect)",
            "integrated login refused: the account running the scan has no login",
        ),
    ],
)
def test_failed_integrated_logins_name_their_usual_cause(message: str, cause: str) -> None:
    """The drivers' own words (Microsoft ODBC Driver 17/18, Windows and Linux) for a failed integrated
    login; SQL Server cannot run here, so the texts are the ones users report."""
    import pyodbc

    from scanner.sources.sql import explain

    line = explain(pyodbc.Error("28000", message), "CM_EC1 on tcp:cm01,1433", 10, integrated=True)
    assert line.startswith("CM_EC1 on tcp:cm01,1433: ") and cause in line and "\n" not in line
    assert message in line  # the driver's words stay, for a search or a support case
