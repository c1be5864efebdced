"""The PostgreSQL lab is a faithful stand-in for a ConfigMgr site database: these tests guard the fixture.

Error messages from the drivers are asserted loosely (SQLSTATE plus the telling words), so the product
can turn each into one clear line; the exact texts are in the assertion messages and the report.
"""

from __future__ import annotations

import shutil
import socket
import tempfile
import time
from collections import Counter
from pathlib import Path

import pytest

from tests.lab import postgres, unavailable
from tests.lab.postgres import NOT_FOR_REPORT, SITE_TABLES, LabUnavailable, PostgresLab, start_postgres

try:
    import pyodbc
except ImportError:  # the postgres_lab fixture then fails (CI) or skips, naming what is missing
    pyodbc = None

# Microsoft's hybrid MDM document, character for character.
DOC_QUERY = """SELECT UserPrincipalName,
COUNT(*) AS NumOfOccurances FROM (SELECT RIGHT(User_Principal_Name0,
LEN(User_Principal_Name0)-PATINDEX('%@%',
User_Principal_Name0)) AS UserPrincipalName FROM CM_EC1.dbo.v_R_User)
AS sub GROUP BY UserPrincipalName"""

# domain-facts §7: UPN, T-SQL LEN, PATINDEX('%@%'), RIGHT(...) (the group key).
FACTS_TABLE: list[tuple[str | None, int | None, int | None, str | None]] = [
    ("john@contoso.com", 16, 5, "contoso.com"),
    ("john", 4, 0, "john"),
    (None, None, None, None),
    ("", 0, 0, ""),
    ("john@", 5, 5, ""),
    ("john@contoso.com ", 16, 5, "ontoso.com "),
    ("john@contoso.com   ", 16, 5, "toso.com   "),
    ("  john@contoso.com", 18, 7, "contoso.com"),
    ("a@b@contoso.com", 15, 2, "b@contoso.com"),
    ("john@Contoso.COM", 16, 5, "Contoso.COM"),
]
# Every row of the table, plus a second NULL: all NULLs form one group.
SEED = [u for u, *_ in FACTS_TABLE] + [None]
# What SQL Server returns for SEED (case-insensitive groups: compare keys case-folded).
EXPECTED = {
    "contoso.com": 3,  # john@contoso.com, '  john@contoso.com', john@Contoso.COM
    "john": 1,
    None: 2,
    "": 2,  # '' and 'john@'
    "ontoso.com ": 1,
    "toso.com   ": 1,
    "b@contoso.com": 1,
}


def users(upns: list[str | None]) -> list[tuple[str | None, str | None, str | None]]:
    return [(f"user{i}", f"CONTOSO\\user{i}", upn) for i, upn in enumerate(upns)]


def tsql_suffix(upn: str | None) -> str | None:
    """The query's T-SQL semantics in Python (domain-facts §7)."""
    if upn is None:
        return None
    n = len(upn.rstrip(" ")) - (upn.find("@") + 1)
    return upn[-n:] if n > 0 else ""


def folded(rows: list[tuple[str | None, int]]) -> dict[str | None, int]:
    out: Counter[str | None] = Counter()
    for suffix, count in rows:
        out[None if suffix is None else suffix.casefold()] += count
    return dict(out)


def odbc_error(exc: pytest.ExceptionInfo[Exception]) -> tuple[str, str]:
    """(SQLSTATE, message on one line) of a pyodbc error."""
    args = exc.value.args
    return str(args[0]), " ".join(str(args[-1]).split())


# --- the documented query ----------------------------------------------------------------------------


def test_doc_query_runs_verbatim_with_tsql_groups(postgres_lab: PostgresLab) -> None:
    assert postgres_lab.load_users(users(SEED)) == len(SEED)
    with postgres_lab.reader_connect() as cn:
        cur = cn.execute(DOC_QUERY)
        rows = [(r[0], r[1]) for r in cur.fetchall()]  # by position
        names = [d[0] for d in cur.description]
    assert names == ["userprincipalname", "numofoccurances"]  # PostgreSQL folds; SQL Server keeps case
    assert all(isinstance(n, int) for _, n in rows)
    assert len(rows) == len(EXPECTED), rows
    assert folded(rows) == EXPECTED
    [contoso] = [s for s, _ in rows if s and s.casefold() == "contoso.com"]
    assert contoso in ("contoso.com", "Contoso.COM")  # SQL Server shows one member; which is arbitrary
    assert folded(rows) == folded([(tsql_suffix(u), 1) for u in SEED])


def test_len_patindex_right_per_row_match_the_facts_table(postgres_lab: PostgresLab) -> None:
    postgres_lab.load_users(users([u for u, *_ in FACTS_TABLE]))
    sql = (
        "SELECT User_Principal_Name0, LEN(User_Principal_Name0), PATINDEX('%@%', User_Principal_Name0),"
        " RIGHT(User_Principal_Name0, LEN(User_Principal_Name0)-PATINDEX('%@%', User_Principal_Name0))"
        " FROM CM_EC1.dbo.v_R_User ORDER BY ResourceID"
    )
    with postgres_lab.reader_connect() as cn:
        got = [tuple(r) for r in cn.execute(sql).fetchall()]
    assert got == FACTS_TABLE
    assert [tsql_suffix(u) for u, *_ in FACTS_TABLE] == [s for *_, s in FACTS_TABLE]


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        ("PATINDEX('%ter%', 'interesting data')", 3),
        ("PATINDEX('%en_ure%', 'Please ensure the door is locked!')", 8),
        ("PATINDEX('%[^ 0-9A-Za-z]%', 'Please ensure the door is locked!')", 33),
        ("PATINDEX('int%', 'interesting data')", 1),
        ("PATINDEX('%ing', 'interesting')", 9),
        ("PATINDEX('%[%]%', 'up 50% off')", 6),
        ("PATINDEX('%AT%', 'data')", 2),
        ("PATINDEX('%@%', 'no at sign')", 0),
        ("PATINDEX('%@%', NULL)", None),
        ("LEN('abc   ')", 3),
        ("LEN(N'  abc')", 5),
        ("LEN('')", 0),
        ("LEN(NULL)", None),
        ("RIGHT('abc', 0)", ""),
        ("RIGHT('abc', 2)", "bc"),
        ("RIGHT(NULL, 2)", None),
    ],
)
def test_shim_follows_tsql_docs(postgres_lab: PostgresLab, expr: str, expected: object) -> None:
    with postgres_lab.reader_connect() as cn:
        assert cn.execute(f"SELECT {expr}").fetchone()[0] == expected


def test_columns_are_case_insensitive_and_scanner_detail_query_runs(postgres_lab: PostgresLab) -> None:
    postgres_lab.load_users([("John", "CONTOSO\\john", "John@Contoso.com"), ("ann", "FABRIKAM\\ann", None)])
    with postgres_lab.reader_connect() as cn:
        detail = cn.execute(
            "SELECT User_Name0, Unique_User_Name0, User_Principal_Name0 FROM CM_EC1.dbo.v_R_User"
        )
        assert sorted(map(tuple, detail.fetchall()), key=str) == [
            ("John", "CONTOSO\\john", "John@Contoso.com"),
            ("ann", "FABRIKAM\\ann", None),
        ]
        where = "FROM CM_EC1.dbo.v_R_User WHERE User_Principal_Name0"
        assert cn.execute(f"SELECT COUNT(*) {where} = 'JOHN@CONTOSO.COM'").fetchone()[0] == 1
        assert cn.execute(f"SELECT COUNT(*) {where} LIKE N'%@CONTOSO.COM'").fetchone()[0] == 1
        row = cn.execute(
            "SELECT ResourceID, ResourceType, Full_User_Name0, Mail0, Windows_NT_Domain0"
            " FROM CM_EC1.dbo.v_R_User WHERE User_Name0 = 'john'"
        ).fetchone()
        assert tuple(row) == (2063597569, 4, "John", None, "CONTOSO")


def test_load_users_replaces_and_keeps_odd_text(postgres_lab: PostgresLab) -> None:
    odd = [
        'q"uote@x.test',
        "back\\slash@x.test",
        "comma,brace}{@x.test",
        "NULL",
        "tab\t@x.test",
        "müller@x.test",
    ]
    postgres_lab.load_users(users(["first@x.test"] * 5))
    assert postgres_lab.load_users(users(odd)) == len(odd)
    with postgres_lab.reader_connect() as cn:
        got = [
            r[0] for r in cn.execute("SELECT User_Principal_Name0 FROM dbo.v_R_User ORDER BY 1").fetchall()
        ]
    assert sorted(got) == sorted(odd)


# --- the read-only role ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "statement",
    [
        "INSERT INTO dbo.user_disc (user_name0) VALUES ('x')",
        "INSERT INTO dbo.v_r_user (user_name0) VALUES ('x')",
        "UPDATE dbo.user_disc SET user_principal_name0 = 'x@y.test'",
        "UPDATE dbo.v_r_user SET user_principal_name0 = 'x@y.test'",
        "DELETE FROM dbo.user_disc",
        "DELETE FROM dbo.v_r_user",
        "TRUNCATE dbo.user_disc",
        "CREATE TABLE dbo.x (i int)",
        "CREATE TABLE public.x (i int)",
        "CREATE TABLE x (i int)",
        "CREATE TEMP TABLE x (i int)",
        "CREATE VIEW public.v AS SELECT 1 AS i",
        "CREATE FUNCTION public.f() RETURNS int LANGUAGE sql AS 'SELECT 1'",
        "CREATE SCHEMA evil",
        "CREATE EXTENSION IF NOT EXISTS hstore",
    ],
)
def test_reader_cannot_write(postgres_lab: PostgresLab, statement: str) -> None:
    postgres_lab.load_users(users(["keep@contoso.com"]))
    with postgres_lab.reader_connect() as cn, pytest.raises(pyodbc.Error) as exc:
        cn.execute(statement)
    state, text = odbc_error(exc)
    assert state == "42501" and "permission denied" in text, (state, text)
    with postgres_lab.admin_connect() as cn:
        assert [tuple(r) for r in cn.execute("SELECT user_principal_name0 FROM dbo.user_disc")] == [
            ("keep@contoso.com",)
        ]


def test_reader_has_select_on_dbo_and_nothing_else(postgres_lab: PostgresLab) -> None:
    with postgres_lab.admin_connect() as cn:
        grants = cn.execute(
            "SELECT table_schema, table_name, privilege_type FROM information_schema.role_table_grants"
            " WHERE grantee = 'cmreader' ORDER BY 1, 2, 3"
        ).fetchall()
        tables = sorted(r[0] for r in cn.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'dbo'"))  # fmt: skip
        assert set(tables) == {"user_disc", "v_r_user", *SITE_TABLES}
        assert [tuple(g) for g in grants] == [("dbo", t, "SELECT") for t in tables]
        report = cn.execute(
            "SELECT table_name FROM information_schema.role_table_grants WHERE grantee = 'cmreport'"
        ).fetchall()  # the reporting account: no base tables, no insertion strings
        assert {r[0] for r in report} == set(tables) - set(NOT_FOR_REPORT)
        flags = cn.execute(
            "SELECT rolsuper::int, rolcreatedb::int, rolcreaterole::int, rolreplication::int,"
            " rolbypassrls::int FROM pg_roles WHERE rolname = 'cmreader'"
        ).fetchone()
        assert tuple(flags) == (0, 0, 0, 0, 0)  # psqlODBC returns booleans as '0'/'1'
        assert cn.execute("SELECT count(*) FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.member"
                          " WHERE r.rolname = 'cmreader'").fetchone()[0] == 0  # fmt: skip
        checks = cn.execute(
            "SELECT has_schema_privilege('cmreader', 'dbo', 'USAGE')::int,"
            " has_schema_privilege('cmreader', 'dbo', 'CREATE')::int,"
            " has_schema_privilege('cmreader', 'public', 'CREATE')::int,"
            " has_database_privilege('cmreader', 'cm_ec1', 'CONNECT')::int,"
            " has_database_privilege('cmreader', 'cm_ec1', 'TEMP')::int,"
            " has_database_privilege('cmreader', 'cm_ec1', 'CREATE')::int,"
            " has_database_privilege('cmreader', 'postgres', 'CONNECT')::int"
        ).fetchone()
        assert tuple(checks) == (1, 0, 0, 1, 0, 0, 0)


def test_server_is_loopback_only_and_private(postgres_lab: PostgresLab) -> None:
    with postgres_lab.admin_connect() as cn:
        assert cn.execute("SHOW listen_addresses").fetchone()[0] == "127.0.0.1"
        assert cn.execute("SHOW unix_socket_directories").fetchone()[0] == str(postgres_lab.root)
        assert cn.execute("SHOW fsync").fetchone()[0] == "off"
    assert postgres_lab.host == "127.0.0.1" and postgres_lab.database == "cm_ec1"
    conn_str = postgres_lab.reader_connection_string()
    assert conn_str == (
        f"Driver={postgres_lab.driver};Server=127.0.0.1;Port={postgres_lab.port};Database=cm_ec1"
    )
    assert "uid=" not in conn_str.lower() and "pwd=" not in conn_str.lower()
    assert postgres_lab.root.stat().st_mode & 0o077 == 0


# --- errors the scanner must explain (messages captured for the product) -----------------------------


def test_wrong_password(postgres_lab: PostgresLab) -> None:
    with pytest.raises(pyodbc.Error) as exc:
        postgres_lab.reader_connect("not-the-password", timeout=3)
    state, text = odbc_error(exc)
    assert state == "08001", text
    assert 'password authentication failed for user "cmreader"' in text
    assert "not-the-password" not in text


def test_missing_view(postgres_lab: PostgresLab) -> None:
    with postgres_lab.reader_connect() as cn, pytest.raises(pyodbc.Error) as exc:
        cn.execute(DOC_QUERY.replace("v_R_User", "v_R_Nope")).fetchall()
    state, text = odbc_error(exc)
    assert state == "42P01" and 'relation "dbo.v_r_nope" does not exist' in text, (state, text)


@pytest.mark.parametrize("database", ["cm_xyz", "CM_EC1"])  # Database= is case-sensitive in PostgreSQL
def test_wrong_database(postgres_lab: PostgresLab, database: str) -> None:
    with pytest.raises(pyodbc.Error) as exc:
        postgres_lab.reader_connect(database=database, timeout=3)
    state, text = odbc_error(exc)
    assert state == "08001" and f'database "{database}" does not exist' in text, (state, text)


def test_doc_query_needs_a_connection_to_cm_ec1(postgres_lab: PostgresLab) -> None:
    with postgres_lab.admin_connect("postgres") as cn, pytest.raises(pyodbc.Error) as exc:
        cn.execute(DOC_QUERY).fetchall()
    state, text = odbc_error(exc)
    assert state == "0A000" and "cross-database references are not implemented" in text, (state, text)


def test_reader_may_not_connect_elsewhere(postgres_lab: PostgresLab) -> None:
    with pytest.raises(pyodbc.Error) as exc:
        postgres_lab.reader_connect(database="postgres", timeout=3)
    state, text = odbc_error(exc)
    assert state == "08001" and 'permission denied for database "postgres"' in text, (state, text)


def closed_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))  # bound, never listening: connections are refused
        return int(s.getsockname()[1])


def test_closed_port_psqlodbc(postgres_lab: PostgresLab) -> None:
    port = closed_port()
    conn_str = f"Driver={postgres_lab.driver};Server=127.0.0.1;Port={port};Database=cm_ec1;UID=cmreader;PWD=x"
    with pytest.raises(pyodbc.Error) as exc:
        pyodbc.connect(conn_str, timeout=3)
    state, text = odbc_error(exc)
    assert state == "08001" and "Connection refused" in text, (state, text)


def test_closed_port_freetds(postgres_lab: PostgresLab) -> None:
    if not list(Path("/usr/lib").glob("*/odbc/libtdsodbc.so")):
        unavailable("FreeTDS ODBC driver missing: install the Debian package tdsodbc")
    port = closed_port()
    started = time.perf_counter()
    with pytest.raises(pyodbc.Error) as exc:
        pyodbc.connect(f"Driver={{FreeTDS}};Server=127.0.0.1;Port={port};TDS_Version=7.4", timeout=3)
    state, text = odbc_error(exc)
    assert state == "08S01" and "Unable to connect" in text, (state, text)
    assert time.perf_counter() - started < 3


# --- driver behaviour the scanner meets (scanner/sources/sql.py connects this way) -------------------


def test_scanner_connect_options(postgres_lab: PostgresLab) -> None:
    """Encrypt=yes is ignored and readonly=True accepted (not enforced: the role is what protects);
    a brace-quoted PWD with ';' and a doubled '}' works; but psqlODBC refuses Connection.timeout."""
    assert ";" in postgres_lab.reader_password and "}" in postgres_lab.reader_password
    conn_str = (
        postgres_lab.reader_connection_string()
        + ";Encrypt=yes;UID=cmreader;PWD="
        + postgres.odbc_quote(postgres_lab.reader_password)
    )
    with pyodbc.connect(conn_str, timeout=3, autocommit=True, readonly=True) as cn:
        assert cn.execute("SELECT current_user").fetchone()[0] == "cmreader"
        with pytest.raises(pyodbc.Error) as exc:
            cn.timeout = 3  # SQL_ATTR_CONNECTION_TIMEOUT (113)
    state, text = odbc_error(exc)
    assert state == "HY000" and "unsupported connect attribute 113" in text, (state, text)


# --- the lab's own plumbing --------------------------------------------------------------------------


def test_unavailable_fails_in_ci_and_skips_elsewhere(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="odbc-postgresql"):
        unavailable("psqlODBC driver missing: install the Debian package odbc-postgresql")
    monkeypatch.delenv("CI")
    with pytest.raises(pytest.skip.Exception, match="odbc-postgresql"):
        unavailable("psqlODBC driver missing: install the Debian package odbc-postgresql")


def test_missing_pieces_name_their_package(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(postgres.glob, "glob", lambda pattern: [])
    monkeypatch.setattr(postgres.shutil, "which", lambda name: None)
    with pytest.raises(LabUnavailable, match="package postgresql"):
        postgres.find_bindir()
    monkeypatch.setenv("ODBCSYSINI", str(tmp_path))  # only read as a file here: no ODBC call is made
    with pytest.raises(LabUnavailable, match="package odbc-postgresql"):
        postgres.find_driver()


def test_driver_falls_back_to_absolute_path(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    libs = sorted(Path("/usr/lib").glob("*/odbc/psqlodbcw.so"))
    if not libs:
        pytest.skip("psqlodbcw.so not installed")
    (tmp_path / "odbcinst.ini").write_text("[FreeTDS]\nDriver=libtdsodbc.so\n", encoding="utf-8")
    monkeypatch.setenv("ODBCSYSINI", str(tmp_path))
    assert postgres.find_driver() == str(libs[0])
    monkeypatch.setenv("ODBCSYSINI", "/etc")
    expected = (
        "{PostgreSQL Unicode}" if "[PostgreSQL Unicode]" in Path("/etc/odbcinst.ini").read_text() else libs[0]
    )
    assert postgres.find_driver() == str(expected)


def test_start_and_stop_leave_nothing(postgres_lab: PostgresLab) -> None:
    root = Path(tempfile.mkdtemp(prefix="mdm-lab-pg-"))
    try:
        lab = start_postgres(root)
        with lab.reader_connect() as cn:
            assert cn.execute("SELECT COUNT(*) FROM CM_EC1.dbo.v_R_User").fetchone()[0] == 0
        lab.stop()
        assert not (root / "data" / "postmaster.pid").exists()
        with socket.socket() as s:
            assert s.connect_ex(("127.0.0.1", lab.port)) != 0
        lab.stop()  # twice is harmless
    finally:
        shutil.rmtree(root, ignore_errors=True)
    assert not root.exists()


# --- timings -----------------------------------------------------------------------------------------


def test_100k_users_load_and_query(postgres_lab: PostgresLab) -> None:
    domains = ["contoso.com", "Contoso.com", "fabrikam.local", "corp.contoso.com", "CONTOSO.COM"]
    upns: list[str | None] = []
    for i in range(100_000):
        if i % 50 == 0:
            upns.append(None)
        elif i % 97 == 0:
            upns.append(f"user{i}")
        elif i % 193 == 0:
            upns.append(f"user{i}@contoso.com ")
        else:
            upns.append(f"user{i}@{domains[i % len(domains)]}")
    started = time.perf_counter()
    postgres_lab.load_users(users(upns))
    loaded = time.perf_counter()
    with postgres_lab.reader_connect() as cn:
        rows = [(r[0], r[1]) for r in cn.execute(DOC_QUERY).fetchall()]
    queried = time.perf_counter()
    assert sum(n for _, n in rows) == 100_000
    assert folded(rows) == folded([(tsql_suffix(u), 1) for u in upns])
    print(
        f"\nlab timings: fixture start {postgres_lab.started_in:.2f} s, load 100k {loaded - started:.2f} s,"
        f" doc query {queried - loaded:.2f} s, {len(rows)} groups"
    )
    assert queried - started < 30
