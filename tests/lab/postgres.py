"""A real PostgreSQL server posing as a ConfigMgr site database, reached through unixODBC + psqlODBC.

The hybrid MDM document's T-SQL query runs on it character for character:

* the database is ``cm_ec1``: PostgreSQL folds ``CM_EC1.dbo.v_R_User`` to ``cm_ec1.dbo.v_r_user`` and
  accepts a catalog part equal to the current database (connected anywhere else it is an error);
* ``sql/shim.sql`` adds T-SQL's ``LEN`` and ``PATINDEX`` and a ``RIGHT`` overload for citext;
* ``sql/schema.sql`` holds ``dbo.user_disc`` and the view ``dbo.v_r_user``, case-insensitive (citext)
  like the site database's collation SQL_Latin1_General_CP1_CI_AS.

The server listens on 127.0.0.1 only (a free port), keeps its files and its unix socket in one temp
folder, and runs without fsync. Two roles: the superuser ``postgres`` (random password, for set-up and
seeding) and ``cmreader``, which may connect to cm_ec1 and SELECT from schema dbo, nothing else.

Needs the Debian packages postgresql (PostgreSQL >= 15, citext included), odbc-postgresql and
unixodbc (libodbc2), plus pyodbc. Run as root, the server runs as the user postgres via runuser.

unixODBC reads odbcinst.ini once per process, at the first ODBC call. This module never sets
ODBCSYSINI and never calls pyodbc.drivers(): it reads the odbcinst.ini file that unixODBC will read
and falls back to the driver's absolute path when ``PostgreSQL Unicode`` is not registered there.
"""

from __future__ import annotations

import configparser
import dataclasses
import glob
import os
import pwd
import re
import secrets
import shlex
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from tests.lab import require

if TYPE_CHECKING:
    import pyodbc

SQL_DIR = Path(__file__).resolve().parent / "sql"
DRIVER_NAME = "PostgreSQL Unicode"
DRIVER_LIB = "psqlodbcw.so"
DRIVER_GLOBS = ("/usr/lib/*/odbc", "/usr/lib/odbc", "/usr/local/lib/*/odbc", "/usr/local/lib/odbc")
MIN_VERSION = 15  # regexp_instr() in the PATINDEX shim
SUPERUSER = "postgres"
READER_USER = "cmreader"
# ';' and '}' on purpose: whoever appends PWD must brace-quote it (and double the brace).
READER_PASSWORD = "Rd;P@ss}w0rd!"
# A reporting account: it reads the reporting views but neither the base tables (SC_SysResUse) nor
# the status messages' insertion strings.
REPORT_USER = "cmreport"
REPORT_PASSWORD = "Rp0rt-only.7"
NOT_FOR_REPORT = ("sc_sysresuse", "sc_sysresuse_property", "v_statmsgwithinsstrings")
# The site rules' tables (tests/lab/sql/site.sql), in an order that keeps the foreign key happy.
SITE_TABLES = (
    "v_site", "v_systemresourcelist", "sc_sysresuse", "sc_sysresuse_property", "v_componentsummarizer",
    "v_statusmessage", "v_statmsgwithinsstrings", "v_collection", "v_fullcollectionmembership",
)  # fmt: skip


class LabUnavailable(RuntimeError):
    """Something the lab needs is not installed; the message (one line) names the package."""


@dataclass(frozen=True)
class PostgresLab:
    """A running lab server. Connection strings carry no credentials unless a method adds them."""

    port: int
    root: Path  # temp folder: data/, server.log and the unix socket
    bindir: Path
    driver: str  # the Driver= value: "{PostgreSQL Unicode}" or the absolute path of psqlodbcw.so
    admin_password: str
    host: str = "127.0.0.1"
    database: str = "cm_ec1"
    reader_user: str = READER_USER
    reader_password: str = READER_PASSWORD
    report_user: str = REPORT_USER
    report_password: str = REPORT_PASSWORD
    admin_user: str = SUPERUSER
    started_in: float = 0.0  # seconds from initdb to a ready cm_ec1

    def connection_string(self, database: str | None = None) -> str:
        """Driver, server, port and database, without UID/PWD."""
        db = self.database if database is None else database
        return f"Driver={self.driver};Server={self.host};Port={self.port};Database={db}"

    def reader_connection_string(self) -> str:
        """What the scanner is configured with; it appends UID and PWD itself."""
        return self.connection_string()

    def admin_connect(self, database: str | None = None) -> pyodbc.Connection:
        """A superuser connection in autocommit mode (to cm_ec1 unless told otherwise)."""
        import pyodbc

        creds = f";UID={self.admin_user};PWD={odbc_quote(self.admin_password)}"
        return pyodbc.connect(self.connection_string(database) + creds, autocommit=True, timeout=10)

    def reader_connect(
        self, password: str | None = None, *, database: str | None = None, timeout: int = 5
    ) -> pyodbc.Connection:
        """A cmreader connection in autocommit mode, the way the scanner connects."""
        import pyodbc

        secret = self.reader_password if password is None else password
        creds = f";UID={self.reader_user};PWD={odbc_quote(secret)}"
        return pyodbc.connect(self.connection_string(database) + creds, autocommit=True, timeout=timeout)

    def load_users(self, rows: Iterable[tuple[str | None, str | None, str | None]]) -> int:
        """Replace dbo.user_disc with (user_name, unique_user_name, upn) rows in one round trip.

        Derived columns: full_user_name0 = user_name, windows_nt_domain0 = what precedes the backslash
        in unique_user_name, mail0 NULL. Resource IDs restart at 2063597569. Returns the row count.
        """
        names: list[str | None] = []
        uniques: list[str | None] = []
        upns: list[str | None] = []
        for name, unique, upn in rows:
            names.append(name)
            uniques.append(unique)
            upns.append(upn)
        with self.admin_connect() as cn:
            cn.autocommit = False
            cn.execute("TRUNCATE dbo.user_disc RESTART IDENTITY")
            cn.execute(INSERT_USERS, pg_text_array(names), pg_text_array(uniques), pg_text_array(upns))
            # Few statistics are plenty here; the default target makes ANALYZE of six citext columns
            # (whose comparisons lower-case both sides) take about a second for 100k rows.
            cn.execute("SET LOCAL default_statistics_target = 10")
            cn.execute("ANALYZE dbo.user_disc")
            cn.commit()
        return len(upns)

    def load_site(self, tables: dict[str, list[tuple[Any, ...]]]) -> None:
        """Replace every site-rule table with the rows given (tables left out end up empty), in one
        transaction. Rows are tuples in the table's column order, leading columns only."""
        with self.admin_connect() as cn:
            cn.autocommit = False
            cn.execute("TRUNCATE " + ", ".join(f"dbo.{t}" for t in SITE_TABLES))
            for table in SITE_TABLES:
                rows = tables.get(table, [])
                if rows:
                    width = len(rows[0])
                    cur = cn.cursor()
                    cur.executemany(
                        f"INSERT INTO dbo.{table} VALUES ({', '.join('?' * width)})", [tuple(r) for r in rows]
                    )
            cn.commit()

    def stop(self) -> None:
        """Stop the server at once (pg_ctl -m immediate); harmless when it is already down."""
        _pg(
            self.bindir / "pg_ctl",
            ["-D", str(self.root / "data"), "-m", "immediate", "-w", "-t", "30", "stop"],
            cwd=self.root,
            check=False,
        )


# One round trip for any number of users: three text[] parameters unnested server-side.
INSERT_USERS = (
    "INSERT INTO dbo.user_disc (user_name0, unique_user_name0, user_principal_name0,"
    " full_user_name0, mail0, windows_nt_domain0)"
    " SELECT n, u, p, n, NULL,"
    " CASE WHEN strpos(u, E'\\\\') > 0 THEN split_part(u, E'\\\\', 1) END"
    " FROM unnest(?::text[], ?::text[], ?::text[]) AS t(n, u, p)"
)


def odbc_quote(value: str) -> str:
    """An ODBC connection-string value in braces: ';' may appear inside, '}' is doubled."""
    return "{" + value.replace("}", "}}") + "}"


def pg_text_array(values: list[str | None]) -> str:
    """A PostgreSQL text[] literal: every element quoted, None as NULL."""

    def element(v: str | None) -> str:
        if v is None:
            return "NULL"
        return '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'

    return "{" + ",".join(map(element, values)) + "}"


def _sql_literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


# --- what the lab needs ------------------------------------------------------------------------------


def find_bindir() -> Path:
    """The newest /usr/lib/postgresql/<version>/bin (Debian's layout), else the folder of initdb on PATH."""
    found: list[tuple[int, Path]] = []
    for path in glob.glob("/usr/lib/postgresql/*/bin"):
        version = Path(path).parent.name
        if version.isdigit() and all(Path(path, tool).is_file() for tool in ("initdb", "pg_ctl", "postgres")):
            found.append((int(version), Path(path)))
    if found:
        return max(found)[1]
    initdb = shutil.which("initdb")
    if initdb and Path(initdb).with_name("pg_ctl").is_file():
        return Path(initdb).resolve().parent
    raise LabUnavailable(
        "PostgreSQL server missing: install the Debian package postgresql (initdb not found)"
    )


def _server_version(bindir: Path) -> int:
    out = subprocess.run([str(bindir / "postgres"), "--version"], capture_output=True, text=True, check=True)
    m = re.search(r"(\d+)(?:\.\d+)?", out.stdout)
    return int(m[1]) if m else 0


def find_driver() -> str:
    """``{PostgreSQL Unicode}`` when unixODBC's odbcinst.ini registers a driver it can load, else the
    absolute path of psqlodbcw.so (which needs no odbcinst.ini at all)."""
    libs = [Path(p) for pattern in DRIVER_GLOBS for p in sorted(glob.glob(f"{pattern}/{DRIVER_LIB}"))]
    ini = Path(os.environ.get("ODBCSYSINI") or "/etc") / "odbcinst.ini"
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    try:
        parser.read(ini, encoding="utf-8")
    except (configparser.Error, UnicodeDecodeError):
        parser.clear()
    if parser.has_section(DRIVER_NAME):
        lib = parser.get(DRIVER_NAME, "Driver", fallback="").strip()
        # A bare file name is found in the driver manager's own folder (Debian registers it so).
        if lib and (Path(lib).is_file() if "/" in lib else any(p.name == lib for p in libs)):
            return "{" + DRIVER_NAME + "}"
    if libs:
        return str(libs[0])
    raise LabUnavailable(
        f"psqlODBC driver missing: install the Debian package odbc-postgresql ({DRIVER_LIB})"
    )


def check_requirements() -> tuple[Path, str]:
    """(PostgreSQL bin folder, Driver= value), or LabUnavailable naming the missing package."""
    try:
        import pyodbc  # noqa: F401
    except ImportError as exc:
        if "libodbc" in str(exc):
            raise LabUnavailable(
                "unixODBC driver manager missing: install the Debian package unixodbc (libodbc2)"
            ) from None
        raise LabUnavailable("pyodbc missing: pip install pyodbc") from None
    bindir = find_bindir()
    version = _server_version(bindir)
    if version < MIN_VERSION:
        raise LabUnavailable(f"PostgreSQL {MIN_VERSION} or newer needed, found {version} in {bindir}")
    extensions = Path("/usr/share/postgresql", str(version), "extension")
    if extensions.is_dir() and not (extensions / "citext.control").is_file():
        raise LabUnavailable("citext extension missing: install the Debian package postgresql-contrib")
    if os.geteuid() == 0:
        if not shutil.which("runuser"):
            raise LabUnavailable("runuser missing: install the Debian package util-linux")
        try:
            pwd.getpwnam(SUPERUSER)
        except KeyError:
            raise LabUnavailable(
                "user postgres missing: install the Debian package postgresql-common"
            ) from None
    return bindir, find_driver()


# --- starting and stopping ---------------------------------------------------------------------------


def _pg(tool: Path, args: list[str], *, cwd: Path, check: bool = True) -> subprocess.CompletedProcess[str]:
    """Run a PostgreSQL tool, as the user postgres when we are root (the server refuses to run as root)."""
    cmd = [str(tool), *args]
    if os.geteuid() == 0:
        cmd = ["runuser", "-u", SUPERUSER, "--", *cmd]
    env = {**os.environ, "LC_ALL": "C.UTF-8", "LANG": "C.UTF-8"}
    for var in ("PGDATA", "PGHOST", "PGPORT", "PGUSER", "PGDATABASE", "PGPASSWORD", "PGOPTIONS"):
        env.pop(var, None)
    done = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=120)
    if check and done.returncode != 0:
        raise RuntimeError(f"{tool.name} failed ({done.returncode}): {(done.stderr or done.stdout).strip()}")
    return done


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _own(path: Path) -> None:
    """Hand a path to the user postgres when we are root."""
    if os.geteuid() == 0:
        entry = pwd.getpwnam(SUPERUSER)
        os.chown(path, entry.pw_uid, entry.pw_gid)


def start_postgres(tmp: Path) -> PostgresLab:
    """initdb + start a server in ``tmp`` (which must be reachable by the user postgres when root),
    then create cm_ec1 with citext, the shim, the schema, the role cmreader and its grants."""
    began = time.perf_counter()
    bindir, driver = check_requirements()
    root = Path(tmp).resolve()
    root.mkdir(parents=True, exist_ok=True)
    root.chmod(0o700)
    _own(root)
    if (
        os.geteuid() == 0
        and _pg(Path("/usr/bin/test"), ["-w", str(root)], cwd=Path("/"), check=False).returncode
    ):
        raise RuntimeError(
            f"the user postgres cannot reach {root}: use a folder under /tmp (tempfile.mkdtemp())"
        )

    admin_password = secrets.token_urlsafe(24)
    pwfile = root / "pwfile"
    pwfile.write_text(admin_password + "\n", encoding="utf-8")
    pwfile.chmod(0o600)
    _own(pwfile)
    try:
        _pg(
            bindir / "initdb",
            ["-D", str(root / "data"), "-U", SUPERUSER, "--pwfile", str(pwfile),
             "--auth-local=trust", "--auth-host=scram-sha-256", "-E", "UTF8", "--locale=C.UTF-8",
             "--no-sync", "--no-instructions"],
            cwd=root,
        )  # fmt: skip
    finally:
        pwfile.unlink(missing_ok=True)

    port = _start_server(bindir, root)
    lab = PostgresLab(port=port, root=root, bindir=bindir, driver=driver, admin_password=admin_password)
    try:
        _set_up(lab)
    except BaseException:
        lab.stop()
        raise
    return dataclasses.replace(lab, started_in=time.perf_counter() - began)


def _start_server(bindir: Path, root: Path) -> int:
    """pg_ctl start on a free port; a port taken between probe and bind is retried."""
    log = root / "server.log"
    for _attempt in range(5):
        port = free_port()
        options = shlex.join(
            ["-p", str(port), "-k", str(root), "-c", "listen_addresses=127.0.0.1",
             "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off",
             "-c", "max_connections=40", "-c", "shared_buffers=32MB"]
        )  # fmt: skip
        done = _pg(
            bindir / "pg_ctl",
            ["-D", str(root / "data"), "-l", str(log), "-w", "-t", "60", "-o", options, "start"],
            cwd=root,
            check=False,
        )
        if done.returncode == 0:
            return port
        text = log.read_text(encoding="utf-8", errors="replace") if log.exists() else ""
        if "could not bind" not in text and "already in use" not in text:
            tail = " | ".join(text.strip().splitlines()[-5:])
            raise RuntimeError(f"pg_ctl start failed ({done.returncode}): {done.stderr.strip()} {tail}")
    raise RuntimeError("pg_ctl start failed: no free port on 127.0.0.1 after 5 tries")


def _set_up(lab: PostgresLab) -> None:
    db, reader = lab.database, lab.reader_user
    with lab.admin_connect("postgres") as cn:
        cn.execute(f"CREATE DATABASE {db}")
        cn.execute(f"CREATE ROLE {reader} LOGIN PASSWORD {_sql_literal(lab.reader_password)}")
        # PUBLIC may connect to and make temp tables in every database by default: not here.
        for other in ("postgres", "template1", db):
            cn.execute(f"REVOKE ALL ON DATABASE {other} FROM PUBLIC")
        cn.execute(f"GRANT CONNECT ON DATABASE {db} TO {reader}")
        cn.execute(f"CREATE ROLE {lab.report_user} LOGIN PASSWORD {_sql_literal(lab.report_password)}")
        cn.execute(f"GRANT CONNECT ON DATABASE {db} TO {lab.report_user}")
    with lab.admin_connect() as cn:
        cn.execute((SQL_DIR / "shim.sql").read_text(encoding="utf-8"))
        cn.execute((SQL_DIR / "schema.sql").read_text(encoding="utf-8"))
        cn.execute((SQL_DIR / "site.sql").read_text(encoding="utf-8"))
        cn.execute("REVOKE CREATE ON SCHEMA public FROM PUBLIC")  # PostgreSQL 15's default, made sure
        cn.execute(f"GRANT USAGE ON SCHEMA dbo TO {reader}")
        cn.execute(f"GRANT SELECT ON ALL TABLES IN SCHEMA dbo TO {reader}")
        cn.execute(f"GRANT USAGE ON SCHEMA dbo TO {lab.report_user}")
        cn.execute(f"GRANT SELECT ON ALL TABLES IN SCHEMA dbo TO {lab.report_user}")
        for table in NOT_FOR_REPORT:
            cn.execute(f"REVOKE SELECT ON dbo.{table} FROM {lab.report_user}")


# --- the fixture -------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def postgres_lab() -> Iterator[PostgresLab]:
    """A started lab for the whole session; always stopped, its temp folder always removed."""
    require(check_requirements)
    root = Path(tempfile.mkdtemp(prefix="mdm-lab-pg-"))
    lab: PostgresLab | None = None
    try:
        lab = start_postgres(root)
        yield lab
    finally:
        if lab is not None:
            lab.stop()
        shutil.rmtree(root, ignore_errors=True)
