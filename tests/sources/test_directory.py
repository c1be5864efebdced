"""The directory source against a real Samba AD domain controller (tests/lab/samba.py)."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from scanner.cli import app
from scanner.config import DirectoryConfig
from scanner.evidence import Evidence
from scanner.evidence.directory import DirectoryEvidence
from scanner.model import Severity, SourceStatus
from scanner.sources.directory import DirectorySourceError, collect_directory
from tests.conftest import SAMPLES, run_check
from tests.lab.samba import (
    MSOL_SAM,
    READER_DN,
    READER_UPN,
    SEED_SCP_KEYWORDS,
    SEED_UPN_SUFFIXES,
    SEED_USERS,
    SambaLab,
)
from tests.upn_examples import CONTROLS, MALFORMED

PW_ENV = "MDMP_TEST_LDAP_PW"
CANARY = "Wr0ng-Ldap-Canary-5519"


def cfg(lab: SambaLab, **kw: object) -> DirectoryConfig:
    base: dict[str, object] = {
        "url": lab.ldaps_url,
        "user": READER_UPN,
        "password_env": PW_ENV,
        "ca_file": str(lab.ca_file),
    }
    return DirectoryConfig(**{**base, **kw})  # type: ignore[arg-type]


@pytest.fixture
def reader_pw(samba_lab: SambaLab, monkeypatch: pytest.MonkeyPatch) -> SambaLab:
    monkeypatch.setenv(PW_ENV, samba_lab.reader_password)
    return samba_lab


def expected_issues() -> dict[str, int]:
    out: dict[str, int] = {}
    for u in SEED_USERS:
        if u["excluded"]:
            continue
        for code in u["issues"]:
            if code not in ("non_routable", "malformed_domain"):  # judged with the domain
                out[code] = out.get(code, 0) + 1
    return out


def test_ldaps_as_a_plain_user_reads_the_forest(reader_pw: SambaLab) -> None:
    ev = collect_directory(cfg(reader_pw), timeout=10)
    assert set(SEED_UPN_SUFFIXES) <= {s.lower() for s in ev.upn_suffixes}
    assert "corp.contoso.test" in ev.domains and ev.netbios == "CORP"
    assert {g.key: g.count for g in ev.issues} == expected_issues()
    in_scope = [u for u in SEED_USERS if not u["excluded"]]
    assert ev.users >= len(in_scope)  # plus the reader account itself
    assert ev.with_anchor == sum(1 for u in in_scope if u["consistency_guid"])
    assert ev.excluded >= 4  # krbtgt, Guest, Administrator, the MSOL_ and HealthMailbox accounts
    [msol] = [a for a in ev.sync_accounts if a.name.endswith(MSOL_SAM)]
    assert msol.enabled and msol.last_logon is not None and msol.last_logon.year == 2025
    assert ev.scp_found and set(ev.scp_keywords) == set(SEED_SCP_KEYWORDS)
    names = {u.name for g in ev.issues for u in g.users}
    assert not any("krbtgt" in n or MSOL_SAM in n for n in names)


def test_starttls_and_a_dn_bind_see_the_same(reader_pw: SambaLab) -> None:
    tls = collect_directory(
        cfg(reader_pw, url=reader_pw.ldap_url, start_tls=True, user=READER_DN), timeout=10
    )
    assert tls.users == collect_directory(cfg(reader_pw), timeout=10).users


def test_small_pages_return_every_user(reader_pw: SambaLab) -> None:
    assert (
        collect_directory(cfg(reader_pw, page_size=3), timeout=10).users
        == collect_directory(cfg(reader_pw), timeout=10).users
    )


def test_untrusted_certificate_suggests_ca_file(reader_pw: SambaLab) -> None:
    with pytest.raises(DirectorySourceError, match="set \\[directory\\] ca_file"):
        collect_directory(cfg(reader_pw, ca_file=""), timeout=5)


def test_every_planted_example_is_reported_and_the_controls_are_not(reader_pw: SambaLab) -> None:
    section = collect_directory(cfg(reader_pw, sample_users=0), timeout=10)
    ev = Evidence(
        tool_version="t",
        collected_at=datetime.now(UTC),
        sources=(SourceStatus(name="directory", status="ok"),),
        directory=section,
    )
    site = {"verified_domains": ["contoso.com"]}
    by = {f.target: f for f in run_check("upn.directory_users", ev, site=site).findings}
    named = {cls: {e.split(" <")[0] for e in f.evidence["examples"]} for cls, f in by.items()}
    for u in SEED_USERS:
        who = f"CORP\\{u['sam']}"
        classes = {cls for cls, names in named.items() if who in names}
        if u["upn"] in MALFORMED:  # malformed or not routable, not merely "not verified"
            assert classes & {"domainpart", "topleveldomain", "localpart"}, u["upn"]
        if u["upn"] in CONTROLS:
            assert not classes, u["upn"]
    assert by["localpart"].severity is Severity.LOW
    assert "CORP\\blank" in named["blank"] and "our own rule" in by["blank"].message
    forest = {f.target: f for f in run_check("upn.forest_suffixes", ev, site=site).findings}
    assert forest["contoso.com."].evidence["problem"] == "malformed host name"
    collisions = {f.target: f for f in run_check("upn.collision", ev).findings}
    assert set(collisions) == {"john@contoso.com"}  # Samba itself refused Tom@ beside "tom@contoso.com "
    assert "a trailing dot" in collisions["john@contoso.com"].message
    assert {"CORP\\john <john@contoso.com>", "CORP\\jdot <john@contoso.com.>"} == set(
        collisions["john@contoso.com"].evidence["examples"]
    )


def write_config(tmp_path: Path, lab: SambaLab) -> Path:
    path = tmp_path / "c.toml"
    path.write_text(
        "[site]\ncode = 'EC1'\nverified_domains = ['contoso.com']\n[scan]\ntimeout = 5\n"
        f"[logs]\npaths = ['{SAMPLES / 'healthy'}']\n"
        f"[directory]\nurl = '{lab.ldaps_url}'\nuser = '{READER_UPN}'\npassword_env = '{PW_ENV}'\n"
        f"ca_file = '{lab.ca_file}'\n[checks.'logs.cloudusersync_stale']\nrelative_to = 'newest'\n",
        encoding="utf-8",
    )
    return path


def test_scan_through_the_cli_renders_hostile_values_inert(samba_lab: SambaLab, tmp_path: Path) -> None:
    r = CliRunner().invoke(
        app,
        ["scan", "-c", str(write_config(tmp_path, samba_lab)), "-o", str(tmp_path / "o")],
        env={PW_ENV: samba_lab.reader_password},
    )
    assert r.exit_code == 1, r.output
    data = json.loads((tmp_path / "o" / "result.json").read_text(encoding="utf-8"))
    by = {x["check"]["id"]: x for x in data["results"]}
    assert by["upn.directory_users"]["status"] == "fail"
    assert {f["target"] for f in by["upn.forest_suffixes"]["findings"]} == {
        "corp.contoso.local",
        "fabrikam.com",
        "corp.contoso.test",
        "contoso.com.",  # judged as written: not the verified contoso.com
    }
    assert by["sync.hybrid_join_scp"]["status"] == "pass"
    for name in ("report.html", "report.md", "findings.csv", "junit.xml"):
        text = (tmp_path / "o" / name).read_text(encoding="utf-8-sig")
        assert "\u202e" not in text, name
        assert "U+202E" in text or name == "junit.xml", name  # shown as a code point (JUnit names no UPNs)
        if name != "findings.csv":  # CSV is data, not markup: there the guard is against formulas
            assert "<script>alert(1)</script>" not in text, name
    assert "\u202e" not in r.output


def test_wrong_password_binds_once_and_never_shows(samba_lab: SambaLab, tmp_path: Path) -> None:
    before = samba_lab.bad_pwd_count(samba_lab.reader_sam)
    r = CliRunner().invoke(
        app,
        ["scan", "-c", str(write_config(tmp_path, samba_lab)), "-o", str(tmp_path / "o")],
        env={PW_ENV: CANARY},
    )
    assert samba_lab.bad_pwd_count(samba_lab.reader_sam) == before + 1  # one attempt for the whole scan
    data = json.loads((tmp_path / "o" / "result.json").read_text(encoding="utf-8"))
    by = {x["check"]["id"]: x for x in data["results"]}
    assert by["upn.duplicate"]["status"] == "error" and "invalidCredentials" in by["upn.duplicate"]["reason"]
    assert by["logs.sitecomp_connector"]["status"] == "pass"  # the other source still ran
    assert r.exit_code == 3, r.output
    written = "".join(p.read_text(encoding="utf-8-sig") for p in (tmp_path / "o").iterdir())
    assert CANARY not in written + r.output


def test_stopped_dc_fails_within_the_timeout(reader_pw: SambaLab) -> None:
    reader_pw.stop()
    try:
        t0 = time.monotonic()
        with pytest.raises(DirectorySourceError, match="connection refused: nothing listens there"):
            collect_directory(cfg(reader_pw), timeout=2)
        assert time.monotonic() - t0 < 3
    finally:
        reader_pw.start()
    assert isinstance(collect_directory(cfg(reader_pw), timeout=10), DirectoryEvidence)


def test_a_relative_ca_file_is_found_from_another_working_folder(
    reader_pw: SambaLab, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A scheduled task starts in C:\\Windows\\System32, not beside its config: `ca_file = "ca.pem"` is
    the file beside the config, as for [adfs], [endpoints] and [email]."""
    site = tmp_path / "site"
    site.mkdir()
    (site / "ca.pem").write_bytes(Path(reader_pw.ca_file).read_bytes())
    (site / "mdm-preflight.toml").write_text(
        f'[directory]\nurl = "{reader_pw.ldaps_url}"\nuser = "{READER_UPN}"\n'
        f'password_env = "{PW_ENV}"\nca_file = "ca.pem"\n',
        encoding="utf-8",
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    r = CliRunner().invoke(
        app,
        [
            "scan",
            "-c",
            str(site / "mdm-preflight.toml"),
            "--only",
            "upn.forest_suffixes",
            "-f",
            "json",
            "-o",
            "out",
        ],
    )
    assert r.exit_code in (0, 1), r.output
    result = json.loads((elsewhere / "out" / "result.json").read_text(encoding="utf-8"))
    [status] = [s for s in result["provenance"]["sources"] if s["name"] == "directory"]
    assert status["status"] == "ok", status
    assert not any(c["status"] == "error" for c in result["results"])


def test_the_lean_user_pages_read_every_value_as_ldap3_formats_it(reader_pw: SambaLab) -> None:
    """The user pages skip ldap3's per-value formatting: every seeded object (diacritics, binary
    source anchors, critical system objects, disabled accounts) reads the same either way."""
    from scanner.sources.directory import USER_ATTRS, _paged, text
    from scanner.sources.net import bind

    conn = bind.connect(cfg(reader_pw), 10)
    try:
        lean = {
            text([dn]): raw
            for dn, raw in _paged(conn, reader_pw.base_dn, "(objectClass=user)", USER_ATTRS, 7)
        }
        assert conn.search(reader_pw.base_dn, "(objectClass=user)", attributes=USER_ATTRS)  # ldap3 formats
        formatted = {e["dn"]: e["attributes"] for e in conn.response if e["type"] == "searchResEntry"}
    finally:
        conn.unbind()
    assert set(lean) == set(formatted) and len(lean) > len(SEED_USERS)
    for dn, attrs in formatted.items():
        raw = lean[dn]
        for name in ("sAMAccountName", "userPrincipalName", "userAccountControl", "isCriticalSystemObject"):
            assert text(raw.get(name.lower())) == (attrs[name][0] if attrs[name] else None), (dn, name)
        assert bool((raw.get("ms-ds-consistencyguid") or [b""])[0]) == bool(attrs["mS-DS-ConsistencyGuid"])
    assert any(text(r.get("iscriticalsystemobject")) == "TRUE" for r in lean.values())
    assert any(r.get("ms-ds-consistencyguid") for r in lean.values())
