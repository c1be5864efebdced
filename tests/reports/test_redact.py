"""--redact: the same user is the same pseudonym everywhere in one run; domain suffixes stay."""

from __future__ import annotations

from reports import render
from reports.redact import Pseudonyms, redact
from tests.reports.conftest import failed, finding, scan

KEY = b"k" * 32


def test_upns_keep_their_domain_and_map_to_one_pseudonym() -> None:
    p = Pseudonyms(KEY)
    a = p.text("ann.lee@corp.contoso.local could not be added")
    b = p.text("4 users (ANN.LEE@corp.contoso.local)")
    alias = a.split("@")[0]
    assert alias.startswith("user-") and "ann" not in a.lower()
    assert a.endswith("@corp.contoso.local could not be added")
    assert b == f"4 users ({alias}@corp.contoso.local)"  # UPNs compare case-insensitively


def test_account_names_and_dns_but_not_paths_or_globs() -> None:
    p = Pseudonyms(KEY)
    assert "jsmith" not in p.text("CONTOSO\\jsmith and contoso\\jsmith").lower()
    dn = p.text("CN=Ann Lee,OU=Staff,CN=Users,DC=contoso,DC=com")
    assert dn.startswith("CN=object-") and dn.endswith(",OU=Staff,CN=Users,DC=contoso,DC=com")
    for kept in ("\\\\cm01\\SMS_EC1\\Logs\\Sitecomp.log:12", "D:\\Evidence\\x.log", "*@corp.contoso.local"):
        assert p.text(kept) == kept


def test_another_key_gives_other_pseudonyms() -> None:
    assert Pseudonyms(KEY).text("ann@contoso.com") != Pseudonyms(b"x" * 32).text("ann@contoso.com")


def test_every_format_is_redacted_and_marked() -> None:
    found = finding(
        "upn.unverified_suffix",
        "fabrikam.com",
        message="fabrikam.com is not verified: 2 users (CONTOSO\\faye, CONTOSO\\finn).",
        evidence={"examples": ["CONTOSO\\faye <faye@fabrikam.com>", "CONTOSO\\finn <finn@fabrikam.com>"]},
    )
    result = redact(scan(failed("upn.unverified_suffix", found)), KEY)
    assert result.options["redacted"] is True
    for fmt in ("html", "md", "json", "csv", "plan", "junit"):
        text = render(result, fmt)
        assert "faye" not in text and "finn" not in text, fmt
        assert "fabrikam.com" in text
    assert "pseudonymised" in render(result, "html")


def test_lists_of_findings_elsewhere_are_redacted_and_their_fingerprints_recomputed() -> None:
    from dataclasses import dataclass

    from reports.redact import _listed
    from scanner.model import fingerprint

    @dataclass(frozen=True)
    class Listed:
        check_id: str
        target: str
        message: str
        fingerprint: str

    @dataclass(frozen=True)
    class Comparison:
        baseline: str
        new: tuple[Listed, ...] = ()

    raw = Listed("upn.x", "ann@corp.local", "ann@corp.local is wrong", fingerprint("upn.x", "ann@corp.local"))
    [got] = _listed(Comparison(baseline="old.json", new=(raw,)), Pseudonyms(KEY)).new
    assert "ann" not in got.target + got.message and got.target.endswith("@corp.local")
    assert got.fingerprint == fingerprint("upn.x", got.target) != raw.fingerprint
