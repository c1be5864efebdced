"""The apns source on certificates the tests make: PEM, DER, PKCS#12 with and without a password."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from scanner import config
from scanner.cli import app
from scanner.codec import from_jsonable, to_jsonable
from scanner.evidence.apns import ApnsEvidence
from scanner.sources.apns import ApnsError, collect_apns
from tests.lab.apple import push_certificate, write

SECRET = "Push-Pa55word!"


def collect(path: Path, **extra: str) -> ApnsEvidence:
    return collect_apns(config.from_dict({"apns": {"certificate": str(path), **extra}}))


@pytest.mark.parametrize("name", ["MDM_Contoso_APNs.pem", "MDM_Contoso_APNs.cer", "MDM_Contoso_APNs.p12"])
def test_every_format_gives_topic_apple_id_issuer_and_dates(tmp_path: Path, name: str) -> None:
    issued = push_certificate(days=200, apple_id="mdm-admin@contoso.com")
    ev = collect(write(issued, tmp_path / name))
    assert not ev.error and ev.format == {".pem": "pem", ".cer": "der", ".p12": "pkcs12"}[Path(name).suffix]
    assert ev.topic == issued.topic and ev.topic.startswith("com.apple.mgmt.External.")
    assert ev.apple_id == "mdm-admin@contoso.com" and ev.issuer_organization == "Apple Inc."
    assert ev.certificate is not None
    assert "CN=Apple Application Integration 2 Certification Authority" in ev.certificate.issuer
    assert 199 < ev.certificate.days_left(ev.read_at) < 201
    assert from_jsonable(ApnsEvidence, json.loads(json.dumps(to_jsonable(ev)))) == ev


def test_password_protected_pkcs12(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    issued = push_certificate()
    path = write(issued, tmp_path / "apns.p12", password=SECRET)
    monkeypatch.setenv("MDMP_APNS_PASSWORD", SECRET)
    assert collect(path, password_env="MDMP_APNS_PASSWORD").topic == issued.topic
    monkeypatch.setenv("MDMP_APNS_PASSWORD", "not-it")
    wrong = collect(path, password_env="MDMP_APNS_PASSWORD")
    assert wrong.certificate is None and wrong.error == (
        f"{path}: cannot open the PKCS#12 file with the password in MDMP_APNS_PASSWORD "
        "(named by [apns] password_env): wrong password, or a damaged file"
    )
    assert collect(path).error.endswith(
        "protected by a password: name the environment variable holding it in [apns] password_env"
    )
    monkeypatch.delenv("MDMP_APNS_PASSWORD")
    assert (
        "MDMP_APNS_PASSWORD (named by [apns] password_env) is not set"
        in collect(path, password_env="MDMP_APNS_PASSWORD").error
    )


def test_unreadable_files_are_one_line_each(tmp_path: Path) -> None:
    junk = tmp_path / "junk.pem"
    junk.write_bytes(b"this is not a certificate")
    assert collect(junk).error == f"{junk}: not a certificate file (PEM, DER or PKCS#12)"
    assert collect(tmp_path / "missing.p12").error.startswith(f"{tmp_path / 'missing.p12'}: cannot read")
    with pytest.raises(ApnsError, match=r"\[apns\] certificate is empty"):
        collect_apns(config.from_dict({"apns": {}}))


def test_a_wrong_password_fails_the_scan_clearly_and_never_shows_the_password(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(push_certificate(), tmp_path / "apns.p12", password=SECRET)
    (tmp_path / "mdm-preflight.toml").write_text(
        '[apns]\ncertificate = "apns.p12"\npassword_env = "MDMP_APNS_PASSWORD"\n', encoding="utf-8"
    )
    monkeypatch.setenv("MDMP_APNS_PASSWORD", "Wr0ng-but-secret")
    out = tmp_path / "out"
    result = CliRunner().invoke(
        app, ["scan", "-c", str(tmp_path / "mdm-preflight.toml"), "--only", "ios.*", "-o", str(out)]
    )
    assert result.exit_code == 3, result.output  # incomplete: the certificate could not be read
    assert "cannot open the PKCS#12 file with the password in MDMP_APNS_PASSWORD" in result.output
    assert path.name in result.output
    written = "".join(p.read_text(encoding="utf-8") for p in out.iterdir()) + result.output
    assert "Wr0ng-but-secret" not in written and SECRET not in written
