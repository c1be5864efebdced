"""Integrated login to the site database with a Kerberos ticket and nothing else.

SQL Server cannot run here, so PostgreSQL stands in: like SQL Server with `Trusted_Connection=yes`, it
accepts the domain account's Kerberos ticket (service principal postgres/127.0.0.1 on a service account
in the Samba domain, its keytab given to the server). The scanner's part is the same for both: no
user, no password, no prompt; the driver takes the ticket from the cache. psqlODBC names the role from
PGUSER where Microsoft's driver takes it from the ticket.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from scanner.config import SqlConfig
from scanner.sources.sql import SqlSourceError, collect_sql
from tests.lab.kerberos import KerberosLab, postgres_gss
from tests.lab.postgres import PostgresLab

USERS = [(f"user{i}", f"CORP\\user{i}", f"user{i}@contoso.com") for i in range(1, 6)] + [
    ("lou", "CORP\\lou", "lou@corp.contoso.local")
]
PW_ENV = "MDMP_TEST_SQL_KRB_PW"


@pytest.fixture(scope="module")
def gss(kerberos_lab: KerberosLab, postgres_lab: PostgresLab) -> Iterator[str]:
    postgres_lab.load_users(USERS)
    with postgres_gss(kerberos_lab, postgres_lab) as role:
        yield role


def integrated(pg: PostgresLab) -> SqlConfig:
    return SqlConfig(connection_string=f"{pg.reader_connection_string()};Trusted_Connection=yes")


def test_a_ticket_alone_logs_in_and_reads_what_a_password_reads(
    gss: str,
    kerberos_lab: KerberosLab,
    postgres_lab: PostgresLab,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for key, value in kerberos_lab.env(kerberos_lab.kinit(tmp_path / "ccache")).items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("PGUSER", gss)
    log = postgres_lab.root / "server.log"
    mark = log.stat().st_size
    ev = collect_sql(integrated(postgres_lab), "EC1", timeout=5)
    lines = log.read_text(encoding="utf-8", errors="replace")[mark:].splitlines()
    logins = [ln for ln in lines if "connection authenticated:" in ln]
    # two connections: the documented query runs on its own beside the user query (bench/README.md)
    assert len(logins) == 2 and all(f'identity="{kerberos_lab.principal}" method=gss' in ln for ln in logins)
    monkeypatch.setenv(PW_ENV, postgres_lab.reader_password)
    by_password = SqlConfig(
        connection_string=postgres_lab.reader_connection_string(),
        user=postgres_lab.reader_user,
        password_env=PW_ENV,
    )
    other = collect_sql(by_password, "EC1", timeout=5)
    assert ev.users == len(USERS) and replace(ev, site=None) == replace(other, site=None)
    assert ev.site is not None and other.site is not None and ev.site.errors == other.site.errors == {}


def test_no_ticket_is_one_line_naming_kinit(
    gss: str,
    kerberos_lab: KerberosLab,
    postgres_lab: PostgresLab,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for key, value in kerberos_lab.env(tmp_path / "empty").items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("PGUSER", gss)
    with pytest.raises(SqlSourceError) as err:
        collect_sql(integrated(postgres_lab), "EC1", timeout=5)
    message = str(err.value)
    assert message.startswith(
        f"CM_EC1 on {postgres_lab.host},{postgres_lab.port}: no Kerberos ticket for the account running the "
        "scan: kinit"
    )
    assert f"default cache: FILE:{tmp_path / 'empty'}" in message and "\n" not in message
