"""Shared test helpers: evidence from the sample logs, and running one check on it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from scanner import config, credentials
from scanner.evidence import Evidence
from scanner.model import CheckResult, SourceStatus
from scanner.registry import discover
from scanner.runner import evaluate, prepare
from scanner.sources.logs import TimeRule, collect_logs
from tests.lab.dnsmasq import dns_internal, dns_public, dns_refusing, dns_silent  # noqa: F401  (real DNS)
from tests.lab.kerberos import kerberos_lab, ticket  # noqa: F401  (the Samba DC as a KDC)
from tests.lab.postgres import postgres_lab  # noqa: F401  (a real PostgreSQL, see tests/lab)
from tests.lab.proxy import proxy_lab  # noqa: F401  (a real HTTP CONNECT proxy)
from tests.lab.samba import samba_lab  # noqa: F401  (a real Samba AD domain controller)
from tests.lab.smtp import (  # noqa: F401  (real SMTP servers)
    closed_port,
    mail_lab,
    relay_lab,
    silent_server,
    smtps_lab,
    test_ca,
)
from tests.lab.web import web_lab  # noqa: F401  (real HTTPS servers with a test CA)

SAMPLES = Path(__file__).resolve().parent.parent / "sample_logs"
# Server-format logs written the way ConfigMgr writes them, one folder per case (see its README).
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "server_logs"
# The broken samples end on 2026-11-25 17:02 UTC; "now" for the checks is a fixed moment after.
COLLECTED = datetime(2026, 11, 25, 18, 0, tzinfo=UTC)


def logs_evidence(*paths: str | Path, collected_at: datetime = COLLECTED) -> Evidence:
    section = collect_logs([str(p) for p in paths], TimeRule())
    status = SourceStatus(name="logs", status="ok", target=", ".join(map(str, paths)))
    return Evidence(tool_version="test", collected_at=collected_at, sources=(status,), logs=section)


def run_check(check_id: str, ev: Evidence, site: dict[str, Any] | None = None, **options: Any) -> CheckResult:
    data: dict[str, Any] = {"checks": {check_id: options}} if options else {}
    if site:
        data["site"] = site
    cfg = config.from_dict(data)
    [result] = evaluate(ev, prepare(discover(plugins=False), cfg, only=[check_id]), site=cfg.site)
    return result


@pytest.fixture(autouse=True)
def _no_remembered_passwords() -> Iterator[None]:
    """Each test starts without the passwords earlier tests read (they would be masked in its output)."""
    yield
    credentials.forget()


@pytest.fixture(scope="session")
def broken() -> Evidence:
    return logs_evidence(SAMPLES / "broken")


@pytest.fixture(scope="session")
def healthy() -> Evidence:
    return logs_evidence(SAMPLES / "healthy")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """`lab` on every test that starts a real server (a fixture or a class from tests/lab) or a browser:
    `pytest -m "not lab"` is the fast inner loop; CI runs everything."""
    for item in items:
        if _starts_servers(item):
            item.add_marker(pytest.mark.lab)


def _starts_servers(item: pytest.Item) -> bool:
    info = getattr(item, "_fixtureinfo", None)
    defs = info.name2fixturedefs if info is not None else {}
    for name in getattr(item, "fixturenames", ()):
        if any(getattr(d.func, "__module__", "").startswith("tests.lab") for d in defs.get(name, ())):
            return True
    module = getattr(item, "module", None)
    return (
        any(
            callable(v) and getattr(v, "__module__", "").startswith(("tests.lab", "selenium"))
            for v in vars(module).values()
        )
        if module is not None
        else False
    )
