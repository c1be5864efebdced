"""The UPN checks on the v_R_User export shipped with the demo (the offline path)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest

from scanner.evidence import Evidence
from scanner.evidence.sql import CollectionData, SiteEvidence, SqlEvidence, UserGroup, UserRef
from scanner.model import Finding, SourceStatus, Status
from scanner.sources.sql import from_csv
from tests.conftest import SAMPLES, run_check

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
    assert sum(counts.values()) == 48


def test_non_routable_suffixes_name_users(sql: Evidence) -> None:
    found = by_target("upn.non_routable_suffix", sql)
    assert set(found) == {"corp.contoso.local", "contoso"}
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
