"""Directory synchronization readiness checks on directory evidence."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from scanner.evidence import Evidence
from scanner.evidence.directory import DirectoryEvidence, SyncAccount
from scanner.model import SourceStatus, Status
from scanner.store import saved_section
from tests.conftest import SAMPLES, run_check

NOW = datetime(2026, 11, 26, tzinfo=UTC)


@pytest.fixture(scope="module")
def forest() -> Evidence:
    return Evidence(
        tool_version="t",
        collected_at=NOW,
        sources=(SourceStatus(name="directory", status="ok"),),
        directory=saved_section(SAMPLES / "directory.json", "directory", DirectoryEvidence),
    )


def with_dir(ev: Evidence, **changes: object) -> Evidence:
    assert ev.directory is not None
    return replace(ev, directory=replace(ev.directory, **changes))


def account(last: datetime | None, enabled: bool = True) -> SyncAccount:
    return SyncAccount(name="CORP\\MSOL_1", dn="CN=MSOL_1,DC=x", enabled=enabled, last_logon=last)


def test_connector_account_idle_disabled_missing_and_healthy(forest: Evidence) -> None:
    [idle] = run_check("sync.connector_account", forest).findings
    assert "has not logged on since 2026-09-30" in idle.message
    assert (
        "never deployed"
        in run_check("sync.connector_account", with_dir(forest, sync_accounts=())).findings[0].message
    )
    off = with_dir(forest, sync_accounts=(account(NOW, enabled=False),))
    assert "is disabled" in run_check("sync.connector_account", off).findings[0].message
    # lastLogonTimestamp lags up to 14 days: 20 days idle is healthy with max_idle_days = 7.
    recent = with_dir(forest, sync_accounts=(account(datetime(2026, 11, 6, tzinfo=UTC)),))
    assert run_check("sync.connector_account", recent).status is Status.PASS
    assert run_check("sync.connector_account", recent, max_idle_days=1).status is Status.FAIL


@pytest.mark.parametrize(
    ("keywords", "found", "message"),
    [
        (("azureADName:contoso.com", "azureADId:72f988bf-86f1-41af-91ab-2d7cd011db47"), False, ""),
        (
            ("azureADName:fabrikam.com", "azureADId:72f988bf-86f1-41af-91ab-2d7cd011db47"),
            False,
            "not a verified",
        ),
        (("azureADName:contoso.com", "azureADId:not-a-guid"), False, "not a GUID"),
        (("azureADName:contoso.com",), False, "lacks azureADName or azureADId"),
        ((), True, "does not exist"),
    ],
)
def test_hybrid_join_scp(forest: Evidence, keywords: tuple[str, ...], found: bool, message: str) -> None:
    ev = with_dir(forest, scp_keywords=keywords, scp_found=not found)
    r = run_check("sync.hybrid_join_scp", ev, site={"verified_domains": ["contoso.com"]})
    if message:
        assert any(message in f.message for f in r.findings), r.findings
    else:
        assert r.status is Status.PASS


def test_source_anchor_share_is_a_fact(forest: Evidence) -> None:
    r = run_check("sync.source_anchor", forest)
    [f] = r.findings
    assert r.status is Status.PASS and f.evidence["users"] == 50 and f.evidence["share"].endswith("%")
