"""--redact: the same user is the same pseudonym everywhere in one run; domain suffixes stay."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from reports import render
from scanner.app.redact import Pseudonyms, redact
from scanner.evidence import Evidence
from scanner.model import Severity
from tests.reports.conftest import T0, failed, finding, scan

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


def test_a_sentence_ending_after_an_account_keeps_one_pseudonym() -> None:
    p = Pseudonyms(KEY)
    assert p.text("users: CONTOSO\\jsmith.") == p.text("users: CONTOSO\\jsmith") + "."
    assert p.text("\\\\fs01\\share\\a.b\\c") == "\\\\fs01\\share\\a.b\\c"  # a path, not DOMAIN\\a


def test_names_no_pattern_recognises_are_replaced_where_they_stand_whole() -> None:
    # "jsmith" is a UPN without @ (the documented query reports it as a suffix); the other is a
    # hostile UPN whose local part the UPN pattern stops at.
    hostile = "<script>alert(1)</script>@fabrikam.com"
    inventory = finding(
        "upn.suffix_inventory",
        "suffix:jsmith",
        severity=Severity.INFO,
        message="jsmith is the suffix of 1 user.",
        evidence={"suffix": "jsmith", "users": 1},
    )
    malformed = finding(
        "upn.malformed",
        "no_at",
        message="1 UPN with no @: CONTOSO\\jsmith.",
        evidence={"examples": ["CONTOSO\\jsmith <jsmith>", f"CONTOSO\\xss <{hostile}>"]},
    )
    mismatch = finding(
        "upn.discovery_mismatch",
        "v_R_User",
        message="1 user has another UPN in ConfigMgr than in Active Directory: contoso\\jsmith.",
        evidence={"examples": ["contoso\\jsmith: AD 'john.smith@contoso.com', ConfigMgr 'jsmith'"]},
    )
    result = redact(
        scan(
            failed("upn.suffix_inventory", inventory),
            failed("upn.malformed", malformed),
            failed("upn.discovery_mismatch", mismatch),
        ),
        KEY,
    )
    alias = Pseudonyms(KEY).name("jsmith")
    for fmt in ("html", "md", "json", "csv", "plan", "junit"):
        text = render(result, fmt)
        assert "jsmith" not in text and "alert" not in text, fmt
        assert alias in text, fmt
        assert "fabrikam.com" in text or fmt in ("plan", "junit"), fmt  # these carry no evidence
    [inv] = result.results[0].findings
    assert (inv.target, inv.message) == (f"suffix:{alias}", f"{alias} is the suffix of 1 user.")  # prose kept
    assert inv.evidence["suffix"] == alias


def test_every_user_the_sources_returned_is_known_even_when_no_report_lists_them() -> None:
    from scanner.evidence.sql import SqlEvidence

    # Only the evidence knows that "mwhite" is a user (sample_users cut the lists short).
    ev = Evidence(
        tool_version="t",
        collected_at=T0,
        sql=SqlEvidence(
            origin="x", database="CM_EC1", query="", inventory=(), users=1, upns={"contoso\\mwhite": "mwhite"}
        ),
    )
    inv = finding("upn.suffix_inventory", "suffix:mwhite", severity=Severity.INFO, message="mwhite: 1 user.")
    base = scan(failed("upn.suffix_inventory", inv))
    assert "mwhite" in render(redact(base, KEY), "json")  # the result alone cannot tell
    assert "mwhite" not in render(redact(base, KEY, ev), "json")


def test_who_ran_it_and_where_are_pseudonyms() -> None:
    base = scan(failed("upn.x", finding("upn.x", "a@b.com")))
    base = replace(base, options={**base.options, "user": "CONTOSO-ADM01$", "host": "CM01.corp.contoso.com"})
    result = redact(base, KEY)
    assert result.options["user"].startswith("user-") and result.options["host"].startswith("host-")
    for fmt in ("html", "md", "json"):
        text = render(result, fmt)
        assert "ADM01" not in text and "CM01" not in text, fmt


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

    from scanner.app.redact import _listed
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


def test_the_examined_line_is_redacted_too() -> None:
    # logs.cloudusersync_failures names the users whose failure is resolved in its examined line.
    from tests.conftest import FIXTURES, logs_evidence, run_check

    r = run_check("logs.cloudusersync_failures", logs_evidence(FIXTURES / "rollover"))
    assert "ann.lee@contoso.com" in r.examined
    out = redact(scan(r), b"k" * 32)
    [red] = out.results
    assert "ann.lee" not in red.examined and "@contoso.com added" in red.examined
    assert all("chen.wu@" not in f.target for f in red.findings)


def test_the_connector_account_leaves_no_redacted_report(tmp_path: Path) -> None:
    """The demo's Azure AD Connect account (CONTOSO\\MSOL_4f1c2a9b7e30) is named in sync.connector_account's
    examined line and finding: --redact leaves it in no file it writes."""
    from typer.testing import CliRunner

    from scanner.cli import app

    plain, red = tmp_path / "plain", tmp_path / "red"
    assert CliRunner().invoke(app, ["demo", "-q", "-o", str(plain)]).exit_code == 1
    assert "CONTOSO\\MSOL_4f1c2a9b7e30" in (plain / "report.html").read_text(encoding="utf-8")
    assert CliRunner().invoke(app, ["demo", "-q", "--redact", "-o", str(red)]).exit_code == 1
    written = sorted(p.name for p in red.iterdir())
    assert "report.html" in written and "result.json" in written
    for path in red.iterdir():
        assert "MSOL_4f1c2a9b7e30" not in path.read_text(encoding="utf-8"), path.name
