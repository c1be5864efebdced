"""The UPN checks on the v_R_User export shipped with the demo (the offline path)."""

from __future__ import annotations

import csv
import json
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from scanner.cli import app
from scanner.evidence import Evidence
from scanner.evidence.sql import CollectionData, SiteEvidence, SqlEvidence, UserGroup, UserRef
from scanner.model import Finding, SourceStatus, Status
from scanner.sources.sql import from_csv
from tests.conftest import SAMPLES, run_check
from tests.upn_examples import CONTROLS, MALFORMED, TABLE

VERIFIED = {"verified_domains": ["contoso.com"]}


@pytest.fixture(scope="module")
def sql() -> Evidence:
    section = from_csv(SAMPLES / "v_R_User.csv", "CM_EC1", 25)
    return Evidence(
        tool_version="t",
        collected_at=datetime(2026, 11, 25, tzinfo=UTC),
        sources=(SourceStatus(name="sql", status="ok"),),
        sql=section,
    )


def by_target(check_id: str, ev: Evidence, site: dict[str, Any] | None = None) -> dict[str, Finding]:
    return {f.target: f for f in run_check(check_id, ev, site=site).findings}


def test_inventory_is_the_documented_query_with_its_quirks(sql: Evidence) -> None:
    found = by_target("upn.suffix_inventory", sql, site=VERIFIED)
    counts = {t: f.evidence["users"] for t, f in found.items()}
    assert counts["suffix:contoso.com"] == 30  # Contoso.COM grouped in, case-insensitively
    assert counts["suffix:NULL"] == 2 and counts["suffix:''"] == 2  # NULLs together; '' and 'john@'
    assert counts["suffix:jsmith"] == 1 and counts["suffix:'ontoso.com '"] == 1
    assert counts["suffix:y@contoso.com"] == 1
    assert found["suffix:y@contoso.com"].evidence["routable"] == "no"
    assert found["suffix:corp.contoso.local"].evidence["routable"] == "no"
    assert found["suffix:eu.contoso.com"].evidence["verified"] == "yes"
    assert found["suffix:fabrikam.com"].evidence["verified"] == "no"
    assert counts["suffix:contoso.com."] == 1  # bob1@contoso.com. is judged as written
    assert found["suffix:contoso.com."].evidence["routable"] == "no"
    assert found["suffix:contoso.com."].evidence["verified"] == "no"
    assert sum(counts.values()) == 49


def test_non_routable_suffixes_name_users(sql: Evidence) -> None:
    found = by_target("upn.non_routable_suffix", sql)
    assert set(found) == {"corp.contoso.local", "contoso", "contoso.com."}
    local = found["corp.contoso.local"]
    assert local.evidence["users"] == 4 and "RFC 6762" in local.message
    assert "CORP\\annlee" in local.message


def test_unverified_suffixes_need_the_tenant_list(sql: Evidence) -> None:
    assert run_check("upn.unverified_suffix", sql).status is Status.SKIPPED
    found = by_target("upn.unverified_suffix", sql, site=VERIFIED)
    assert set(found) == {"fabrikam.com"}  # eu.contoso.com is covered by contoso.com


def test_missing_and_malformed(sql: Evidence) -> None:
    [missing] = run_check("upn.missing", sql).findings
    assert missing.evidence["users"] == 3 and "CONTOSO\\kiosk01" in missing.message
    found = by_target("upn.malformed", sql)
    assert set(found) == {
        "no_at",
        "multiple_at",
        "empty_domain",
        "spaces",
        "invalid_characters",
        "too_long",
        "bad_local_part",
    }
    assert found["invalid_characters"].evidence["users"] == 3


def test_sample_size_bounds_named_users_but_not_counts(sql: Evidence) -> None:
    small = from_csv(SAMPLES / "v_R_User.csv", "CM_EC1", 2)
    contoso = next(g for g in small.domains if g.key == "contoso.com")
    assert contoso.count == 32 and len(contoso.users) == 2
    assert isinstance(sql.sql, SqlEvidence) and len(sql.sql.domains[0].users) <= 25


def test_sample_size_zero_names_every_user() -> None:
    every = from_csv(SAMPLES / "v_R_User.csv", "CM_EC1", 0)
    contoso = next(g for g in every.domains if g.key == "contoso.com")
    assert len(contoso.users) == contoso.count == 32


def export(path: Path, upns: list[str | None]) -> dict[str, str | None]:
    """A v_R_User.csv as SQL Server Management Studio writes it: one user per UPN, NULL as the word."""
    users = {f"CONTOSO\\u{i}": value for i, value in enumerate(upns)}
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(["User_Name0", "Unique_User_Name0", "User_Principal_Name0"])
        for who, value in users.items():
            out.writerow([who.split("\\")[1], who, "NULL" if value is None else value])
    return users


def test_every_example_through_the_offline_export(tmp_path: Path) -> None:
    users = export(tmp_path / "v_R_User.csv", [u for u, _, _ in TABLE] + ["john@contoso.com"])
    (tmp_path / "c.toml").write_text(
        "[site]\ncode = 'EC1'\nverified_domains = ['contoso.com']\n[sql]\ncsv = 'v_R_User.csv'\n",
        encoding="utf-8",
    )
    r = CliRunner().invoke(app, ["scan", "-c", str(tmp_path / "c.toml"), "-o", str(tmp_path / "o")])
    assert r.exit_code == 1, r.output
    results = json.loads((tmp_path / "o" / "result.json").read_text(encoding="utf-8"))["results"]
    by = {x["check"]["id"]: x["findings"] for x in results}
    named = {
        check: {
            who
            for f in by[check]
            for e in f["evidence"]["examples"]
            for who in users
            if e.startswith(who + " ")
        }
        for check in ("upn.non_routable_suffix", "upn.malformed", "upn.unverified_suffix", "upn.missing")
    }
    for who, value in users.items():
        if value in MALFORMED:  # malformed or not routable, not merely "not verified"
            assert who in named["upn.non_routable_suffix"] | named["upn.malformed"], value
            assert who not in named["upn.unverified_suffix"], value
        if value in CONTROLS:
            assert not any(who in n for n in named.values()), value
    routable = {f["target"]: f for f in by["upn.non_routable_suffix"]}
    assert routable["contoso.com."]["evidence"]["problem"] == "malformed host name"
    assert "takes a UPN's domain as written" in routable["contoso.com."]["message"]
    assert "starts with a dot" in routable[".contoso.com"]["message"]
    assert "hyphen (contoso-)" in routable["contoso-.com"]["message"]
    assert "empty punycode label" in routable["xn--.com"]["message"]
    za = routable["contoso.za"]
    assert za["evidence"]["problem"] == "not routable" and "not a registrable domain" in za["message"]
    assert "not a top-level domain" not in za["message"]
    [dots] = [f for f in by["upn.malformed"] if f["target"] == "double_dot"]
    assert dots["severity"] == "low" and "RFC 5322" in dots["message"] and "silent" in dots["message"]
    inventory = {f["target"]: f["evidence"] for f in by["upn.suffix_inventory"]}
    assert (inventory["suffix:contoso.com."]["routable"], inventory["suffix:contoso.com."]["verified"]) == (
        "no",
        "no",
    )
    [collision] = by["upn.discovered_collision"]
    assert collision["target"] == "john@contoso.com" and collision["evidence"]["users"] == 2
    assert "a trailing dot" in collision["message"] and "duplicate" in collision["message"]


def test_collisions_come_from_every_discovered_user(tmp_path: Path) -> None:
    export(tmp_path / "u.csv", ["tom@contoso.com ", "ann@contoso.com", "Tom@Contoso.com", "ann@contoso.com"])
    ev = from_csv(tmp_path / "u.csv", "CM_EC1", 25)
    [group] = ev.collisions  # ann twice is a plain duplicate, not a collision after a fix
    assert group.key == "tom@contoso.com" and {u.name for u in group.users} == {"contoso\\u0", "contoso\\u2"}
    evidence = Evidence(
        tool_version="t",
        collected_at=datetime(2026, 11, 25, tzinfo=UTC),
        sources=(SourceStatus(name="sql", status="ok"),),
        sql=ev,
    )
    [f] = run_check("upn.discovered_collision", evidence).findings
    assert "surrounding spaces and letter case" in f.message


def collection_evidence(coll: CollectionData | None) -> Evidence:
    sql = SqlEvidence(origin="CM_EC1", database="CM_EC1", query="SELECT 1", inventory=(), users=0)
    return Evidence(
        tool_version="t",
        collected_at=datetime(2026, 11, 25, tzinfo=UTC),
        sources=(SourceStatus(name="sql", status="ok"),),
        sql=replace(sql, site=SiteEvidence(collection=coll)),
    )


def test_enrollment_collection_judges_members_by_the_one_rule_with_or_without_verified_domains() -> None:
    dee, bob = UserRef(name="CORP\\dee", upn="dee@fabrikam.com"), UserRef(name="CORP\\bob", upn="bob@x.local")
    members = (
        UserGroup(key="contoso.com", count=40, users=()),
        UserGroup(key="fabrikam.com", count=2, users=(dee,)),
        UserGroup(key="x.local", count=1, users=(bob,)),
    )
    coll = CollectionData(id="EC100012", found=True, name="Intune Users", type=1, members=43, domains=members)
    strict = by_target("upn.enrollment_collection", collection_evidence(coll), site=VERIFIED)
    assert set(strict) == {"fabrikam.com", "x.local"}
    assert "2 members of EC100012 (Intune Users) (CORP\\dee and 1 more)" in strict["fabrikam.com"].message
    lenient = run_check("upn.enrollment_collection", collection_evidence(coll))
    assert {f.target for f in lenient.findings} == {"x.local"}  # nothing to verify against
    assert "no [site] verified_domains" in lenient.examined


def test_enrollment_collection_is_skipped_without_intune_collection() -> None:
    result = run_check("upn.enrollment_collection", collection_evidence(None))
    assert result.status is Status.SKIPPED and "[sql] intune_collection" in result.reason
