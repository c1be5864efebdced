"""The Active Directory UPN checks on the demo forest's evidence (sample_logs/directory.json)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from scanner.evidence import Evidence
from scanner.evidence.directory import DirectoryEvidence
from scanner.model import Finding, Severity, SourceStatus, Status
from scanner.sources.directory import _UserTally
from scanner.sources.sql import from_csv
from scanner.store import saved_section
from tests.conftest import SAMPLES, run_check
from tests.upn_examples import CONTROLS, MALFORMED, TABLE

VERIFIED = {"verified_domains": ["contoso.com"]}


@pytest.fixture(scope="module")
def forest() -> Evidence:
    ok = (SourceStatus(name="directory", status="ok"), SourceStatus(name="sql", status="ok"))
    return Evidence(
        tool_version="t",
        collected_at=datetime(2026, 11, 26, tzinfo=UTC),
        sources=ok,
        directory=saved_section(SAMPLES / "directory.json", "directory", DirectoryEvidence),
        sql=from_csv(SAMPLES / "v_R_User.csv", "CM_EC1", 25),
    )


def found(check_id: str, ev: Evidence, **site: object) -> dict[str, Finding]:
    return {f.target: f for f in run_check(check_id, ev, site=site or None).findings}


def test_forest_suffixes_share_the_site_database_rules(forest: Evidence) -> None:
    assert set(found("upn.forest_suffixes", forest)) == {"corp.contoso.local"}  # no tenant list: routability
    both = found("upn.forest_suffixes", forest, **VERIFIED)
    assert both["fabrikam.com"].evidence["problem"] == "not verified"
    assert "RFC 6762" in both["corp.contoso.local"].message


def test_directory_users_idfix_classes_with_enabled_counts(forest: Evidence) -> None:
    by = found("upn.directory_users", forest)
    assert set(by) == {"blank", "character", "domainpart", "format", "length", "topleveldomain"}
    assert "CONTOSO\\robert <bob1@contoso.com.>" in by["domainpart"].evidence["examples"]
    assert by["character"].evidence["users"] == 6
    assert by["character"].evidence["enabled"] + by["character"].evidence["disabled"] == 6
    assert "CONTOSO\\annlee" in " ".join(by["topleveldomain"].evidence["examples"])
    r = run_check("upn.directory_users", forest)
    assert "5 system and service objects left out" in r.examined


def test_duplicates_are_case_insensitive(forest: Evidence) -> None:
    [dup] = run_check("upn.duplicate", forest).findings
    assert dup.target == "flo@fabrikam.com" and dup.evidence["objects"] == 2


def raw(sam: str, value: str | None = None, **extra: bytes) -> dict[str, list[bytes]]:
    """A user entry as the directory source's lean decoding gives it."""
    attrs = {"samaccountname": [sam.encode()], "useraccountcontrol": [b"512"]}
    attrs |= {"userprincipalname": [value.encode()]} if value is not None else {}
    return attrs | {k.lower(): [v] for k, v in extra.items()}


def test_duplicates_from_raw_entries() -> None:
    tally = _UserTally(limit=5, netbios="CORP")
    for sam, value in [("a", "Same@contoso.com"), ("b", "same@CONTOSO.com"), ("c", "other@contoso.com")]:
        tally.add(f"CN={sam},DC=x", raw(sam, value))
    [group] = tally.duplicates()
    assert group.key == "same@contoso.com" and [u.name for u in group.users] == ["CORP\\a", "CORP\\b"]


def test_discovery_mismatch_compares_domain_user_names(forest: Evidence) -> None:
    [f] = run_check("upn.discovery_mismatch", forest).findings
    assert f.evidence["users"] == 3
    assert any("contoso\\jsmith" in e and "'jsmith'" in e for e in f.evidence["examples"])


def test_discovery_mismatch_needs_both_sources(forest: Evidence) -> None:
    only_ad = replace(forest, sql=None, sources=forest.sources[:1])
    r = run_check("upn.discovery_mismatch", only_ad)
    assert r.status is Status.SKIPPED and "sql" in r.reason


def test_excluded_objects_never_reach_findings() -> None:
    tally = _UserTally(limit=5, netbios="CORP")
    for sam, extra in [
        ("krbtgt", {}),
        ("HealthMailbox01", {}),
        ("PC1$", {}),
        ("adm", {"isCriticalSystemObject": b"TRUE"}),
    ]:
        tally.add(f"CN={sam},DC=x", raw(sam, **extra))
    tally.add("CN=dup\\0ACNF:1234,DC=x", raw("dupe"))
    tally.add("CN=ops,DC=x", raw("ops", isCriticalSystemObject=b"FALSE"))
    assert (tally.users, tally.excluded, tally.groups("issues")[0].key) == (1, 5, "missing")


def test_evidence_file_errors_are_one_line(tmp_path) -> None:
    from scanner.store import StoreError

    bad = tmp_path / "e.json"
    bad.write_text('{"directory": {"server": 1}}', encoding="utf-8")
    with pytest.raises(StoreError, match="cannot use as directory evidence"):
        saved_section(bad, "directory", DirectoryEvidence)
    saved = saved_section(SAMPLES / "directory.json", "directory", DirectoryEvidence)
    assert isinstance(saved, DirectoryEvidence)


def tallied(upns: list[str | None], limit: int = 5) -> Evidence:
    """Directory evidence for one user per UPN (CORP\\u0, CORP\\u1, ...), as the source counts them."""
    tally = _UserTally(limit=limit, netbios="CORP")
    for i, value in enumerate(upns):
        tally.add(f"CN=u{i},DC=x", raw(f"u{i}", value or None))
    section = tally.evidence(server="dc1", base_dn="DC=x", upn_suffixes=(), domains=())
    ok = (SourceStatus(name="directory", status="ok"),)
    return Evidence(
        tool_version="t", collected_at=datetime(2026, 11, 26, tzinfo=UTC), sources=ok, directory=section
    )


def test_every_example_under_idfix_error_types() -> None:
    upns = [u for u, _, _ in TABLE]
    by = found("upn.directory_users", tallied(upns, limit=0), **VERIFIED)
    named = {cls: {e.split(" <")[0] for e in f.evidence["examples"]} for cls, f in by.items()}
    for i, value in enumerate(upns):
        classes = {cls for cls, who in named.items() if f"CORP\\u{i}" in who}
        if value in MALFORMED:
            assert classes & {"domainpart", "topleveldomain", "localpart"}, value
        if value in CONTROLS:
            assert not classes, value
    assert named["domainpart"] == {f"CORP\\u{i}" for i in range(7)}  # trailing dots, hyphens, xn--, .contoso
    assert named["topleveldomain"] >= {"CORP\\u8"}  # zoe@contoso.za
    assert by["localpart"].severity is Severity.LOW and "RFC 5322" in by["localpart"].message
    blank = by["blank"].message
    assert blank.startswith(
        "2 users have no UPN, or only spaces (2 enabled; our own rule: IdFix reports no absent"
    )
    assert "IdFix's blank rule" not in blank
    assert by["length"].message.startswith("2 users fail IdFix's length rule (2 enabled)")


def test_fixing_one_upn_would_collide_with_another() -> None:
    ev = tallied(
        [
            "john@contoso.com.",
            "John@contoso.com",
            "tom@contoso.com ",
            "alice@contoso.com",
            "ALICE@contoso.com",
        ]
    )
    [f] = run_check("upn.collision", ev).findings
    assert f.target == "john@contoso.com" and f.evidence["users"] == 2 and f.evidence["enabled"] == 2
    assert "CORP\\u1 <John@contoso.com>, CORP\\u0 <john@contoso.com.>" in f.message
    assert "a trailing dot and letter case" in f.message and "a duplicate of another" in f.message
    [dup] = run_check("upn.duplicate", ev).findings  # alice in two cases is a duplicate already
    assert dup.target == "alice@contoso.com"
