"""users.csv: one row per user with every problem the scan found for them, the site database and the
directory joined (the list IdFix users work from)."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from pathlib import Path

from reports.users import COLUMNS, render_users
from scanner.evidence import Evidence
from scanner.evidence.directory import DirectoryEvidence, DirGroup, DirUser
from scanner.model import ScanResult, SourceStatus
from scanner.sources.sql import from_csv
from tests.conftest import run_check
from tests.reports.conftest import FORMULA, scan

CHECKS = ("upn.malformed", "upn.unverified_suffix", "upn.non_routable_suffix", "upn.directory_users")


def _rows(text: str) -> list[dict[str, str]]:
    assert text.startswith("\ufeff") and "\r\n" in text
    return list(csv.DictReader(io.StringIO(text[1:], newline="")))


def _user(name: str, upn: str, enabled: bool = True) -> DirUser:
    return DirUser(
        name=name, upn=upn, enabled=enabled, dn=f"CN={name.split(chr(92))[1]},OU=Staff,DC=contoso,DC=com"
    )


def _scanned(tmp_path: Path) -> ScanResult:
    """pat has an inner space and an unverified suffix in v_R_User, and the same UPN in Active Directory."""
    export = tmp_path / "v_R_User.csv"
    export.write_text(
        "User_Name0,Unique_User_Name0,User_Principal_Name0\n"
        "pat,CONTOSO\\pat,pat @fabrikam.com\n"
        "lee,CONTOSO\\lee,lee@corp.local\n"
        f"evil,CONTOSO\\evil,{FORMULA}@contoso.com\n"
        "ok,CONTOSO\\ok,ok@contoso.com\n",
        encoding="utf-8",
    )
    ad = DirectoryEvidence(
        server="dc01",
        base_dn="DC=contoso,DC=com",
        netbios="CONTOSO",
        upn_suffixes=(),
        domains=("contoso.com",),
        users=4,
        enabled=4,
        excluded=0,
        with_anchor=0,
        issues=(
            DirGroup(
                key="spaces", count=1, enabled=0, users=(_user("CONTOSO\\pat", "pat @fabrikam.com", False),)
            ),
        ),
    )
    ok = (SourceStatus(name="directory", status="ok"), SourceStatus(name="sql", status="ok"))
    ev = Evidence(
        tool_version="t",
        collected_at=datetime(2026, 11, 26, tzinfo=UTC),
        sources=ok,
        directory=ad,
        sql=from_csv(export, "CM_EC1", 25),
    )
    site = {"verified_domains": ["contoso.com"]}
    return scan(*(run_check(c, ev, site=site) for c in CHECKS))


def test_one_row_per_user_with_all_their_problems_from_both_sources(tmp_path: Path) -> None:
    rows = _rows(render_users(_scanned(tmp_path)))
    assert list(rows[0]) == list(COLUMNS)
    by_user = {r["user"]: r for r in rows}
    assert sorted(by_user) == ["CONTOSO\\evil", "CONTOSO\\lee", "CONTOSO\\pat"]  # ok has no problem
    pat = by_user["CONTOSO\\pat"]
    assert pat["seen_in"] == "site database; Active Directory" and pat["disabled"] == "yes"
    assert pat["upn"] == "pat @fabrikam.com" and pat["upn_suffix"] == "fabrikam.com"
    assert set(pat["checks"].split("; ")) == {"upn.malformed", "upn.unverified_suffix", "upn.directory_users"}
    # the space is both "spaces" and a character sync rejects: four findings, each once
    assert len(pat["problems"].split("\n")) == 4 and len(pat["fingerprints"].split("; ")) == 4
    assert "upn.malformed (spaces): Users have malformed UPNs" in pat["problems"]
    assert "upn.unverified_suffix (fabrikam.com): Users have UPN suffixes not verified" in pat["problems"]
    assert pat["fix"].startswith("1. ") and "Set-ADUser" in pat["fix"]
    assert by_user["CONTOSO\\lee"]["checks"] == "upn.non_routable_suffix"
    assert all(r["owner"] == r["due_date"] == r["status"] == "" for r in rows)


def test_formulas_are_neutralised(tmp_path: Path) -> None:
    evil = next(r for r in _rows(render_users(_scanned(tmp_path))) if r["user"] == "CONTOSO\\evil")
    assert evil["upn"] == f"'{FORMULA}@contoso.com"
    assert all(not v.startswith(("=", "+", "-", "@")) for v in evil.values())
