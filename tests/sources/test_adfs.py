"""The adfs source and its checks against real HTTPS and HTTP servers on 127.0.0.1 with a test CA."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from scanner import config
from scanner.evidence import Evidence
from scanner.evidence.adfs import AdfsEvidence
from scanner.model import CheckResult, SourceStatus, Status
from scanner.registry import discover
from scanner.runner import evaluate, prepare
from scanner.sources.adfs import METADATA_PATH, AdfsSourceError, collect_adfs
from tests.lab.web import HOST, Route, WebLab, federation_metadata, signing_cert

DISABLED_SIGNON = b"<html><body><div id='errorText'>An error occurred. MSIS7012</div></body></html>"
ENABLED_SIGNON = b"<html><body><form method='post' id='idp_SignInThisSite'>Sign in</form></body></html>"


def routes(metadata: Route | None = None, signon: bytes = DISABLED_SIGNON) -> dict[str, Route]:
    meta = metadata or Route(body=federation_metadata([signing_cert("ADFS Signing - sts", days=200)]))
    return {
        METADATA_PATH: meta,
        "/adfs/services/trust/mex": Route(body=b"<wsdl/>", content_type="text/xml"),
        "/adfs/ls/IdpInitiatedSignon.aspx": Route(body=signon),
        "/adfs/.well-known/openid-configuration": Route(body=b"{}", content_type="application/json"),
    }


def scan(
    lab: WebLab, port: int, probe_port: int | None = None, timeout: float = 3, **cfg: object
) -> AdfsEvidence:
    probe = f"http://{HOST}:{probe_port}/adfs/probe" if probe_port else f"http://{HOST}:9/adfs/probe"
    settings = {
        "url": f"https://{HOST}:{port}",
        "ca_file": str(lab.ca_file),
        "resolve": {HOST: "127.0.0.1"},
        "probe_url": probe,
        **cfg,
    }
    section = config.from_dict({"adfs": settings}).adfs
    assert section is not None
    return collect_adfs(section, timeout)


def judge(ev: AdfsEvidence, **options: dict[str, object]) -> dict[str, CheckResult]:
    status = SourceStatus(name="adfs", status="ok")
    evidence = Evidence(tool_version="test", collected_at=datetime.now(UTC), sources=(status,), adfs=ev)
    cfg = config.from_dict({"checks": options} if options else {})
    prepared = prepare(discover(plugins=False), cfg, only=["adfs.*"])
    return {r.check.id: r for r in evaluate(evidence, prepared)}


def messages(result: CheckResult) -> str:
    return " | ".join(f.message for f in result.findings)


@pytest.fixture
def probe_ok(web_lab: WebLab) -> int:
    return web_lab.serve({"/adfs/probe": Route(body=b"")}).port


def test_a_healthy_service_passes_every_check_and_says_what_answered(web_lab: WebLab, probe_ok: int) -> None:
    served = web_lab.serve(routes(), web_lab.cert())
    ev = scan(web_lab, served.port, probe_ok)
    results = judge(ev)
    failing = {k: r.reason or messages(r) for k, r in results.items() if r.status is not Status.PASS}
    assert failing == {}
    assert ev.metadata is not None and ev.metadata.entity_id == f"http://{HOST}/adfs/services/trust"
    assert len(ev.metadata.signing) == 1  # published twice (STS role and IdP), counted once
    seen = results["adfs.reachable"].examined  # what answered, for a pass the reader can believe
    assert "FederationMetadata.xml 200 in" in seen and "probe 200 in" in seen and "TLSv1." in seen
    assert served.methods == {"GET"}  # read-only: nothing but GET reached the server


@pytest.mark.parametrize(
    ("make", "leaf_only", "expect"),
    [
        (lambda lab: lab.cert(days=-2), False, "expired on"),
        (
            lambda lab: lab.cert(not_before=datetime(2030, 1, 1, tzinfo=UTC), days=4000),
            False,
            "not valid before",
        ),
        (lambda lab: lab.cert("adfs.fabrikam.test"), False, "not a name on its certificate"),
        (lambda lab: lab.cert(ca=__import__("trustme").CA()), False, "is not a trusted root"),
        (lambda lab: lab.cert(intermediate=True), True, "sends no intermediate"),
        (lambda lab: lab.cert(days=10), False, "expires in 9 days"),
    ],
    ids=["expired", "not-yet-valid", "wrong-name", "untrusted", "leaf-only-chain", "expiring"],
)
def test_certificate_problems_are_named_and_dependent_checks_say_why_they_could_not_run(
    web_lab: WebLab, probe_ok: int, make, leaf_only: bool, expect: str
) -> None:  # type: ignore[no-untyped-def]
    served = web_lab.serve(routes(), make(web_lab), leaf_only=leaf_only)
    results = judge(scan(web_lab, served.port, probe_ok))
    tls = results["adfs.tls_certificate"]
    assert tls.status is Status.FAIL and expect in messages(tls)
    assert results["adfs.reachable"].status is Status.PASS  # it answers; the certificate is the problem
    if expect.startswith("expires in"):  # valid, only close to expiry: the rest is still read
        assert results["adfs.token_signing_expiry"].status is Status.PASS
        return
    for dependent in ("adfs.metadata", "adfs.token_signing_expiry", "adfs.idp_signon_exposed"):
        assert results[dependent].status is Status.ERROR
        assert "not trusted" in results[dependent].reason


@pytest.mark.parametrize(
    ("days", "status", "severity"),
    [(10, Status.FAIL, "critical"), (30, Status.FAIL, "high"), (200, Status.PASS, None)],
)
def test_token_signing_certificate_expiry_thresholds(
    web_lab: WebLab, probe_ok: int, days: int, status: Status, severity: str | None
) -> None:
    meta = Route(body=federation_metadata([signing_cert("ADFS Signing", days=days)]))
    served = web_lab.serve(routes(meta), web_lab.cert())
    result = judge(scan(web_lab, served.port, probe_ok))["adfs.token_signing_expiry"]
    assert result.status is status
    assert [f.severity.value for f in result.findings] == ([severity] if severity else [])
    if severity:
        assert f"expires in {days - 1} days" in result.findings[0].message


def test_a_published_successor_is_a_rollover_in_progress_not_a_problem(
    web_lab: WebLab, probe_ok: int
) -> None:
    old, new = signing_cert("ADFS Signing old", days=20), signing_cert("ADFS Signing new", days=380)
    served = web_lab.serve(routes(Route(body=federation_metadata([new, old]))), web_lab.cert())
    result = judge(scan(web_lab, served.port, probe_ok))["adfs.token_signing_expiry"]
    assert result.status is Status.PASS
    [finding] = result.findings
    assert finding.severity.value == "info" and "rollover in progress" in finding.message


BILLION_LAUGHS = (
    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + b"".join(
        b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10)
        for i in range(1, 10)
    )
    + b']><EntityDescriptor xmlns="urn:oasis:names:tc:SAML:2.0:metadata">&lol9;</EntityDescriptor>'
)


def xxe(secret: Path) -> bytes:
    return (
        b'<?xml version="1.0"?><!DOCTYPE e [<!ENTITY x SYSTEM "file://' + str(secret).encode() + b'">]>'
        b'<EntityDescriptor xmlns="urn:oasis:names:tc:SAML:2.0:metadata" entityID="&x;"/>'
    )


@pytest.mark.parametrize(
    ("meta", "expect"),
    [
        (Route(status=404, body=b"nope"), "answers HTTP 404"),
        (Route(status=500, body=b"boom"), "answers HTTP 500"),
        (Route(body=b"<html><body>Welcome</body"), "not XML"),
        (Route(body=b"<html><body>Welcome</body></html>"), "not federation metadata"),
        (Route(body=BILLION_LAUGHS), "refused: the document declares a DTD"),
        (Route(body=federation_metadata([])), "publishes no token-signing certificate"),
    ],
    ids=["404", "500", "not-xml", "html", "billion-laughs", "no-signing-key"],
)
def test_broken_metadata_is_a_finding(web_lab: WebLab, probe_ok: int, meta: Route, expect: str) -> None:
    served = web_lab.serve(routes(meta), web_lab.cert())
    t0 = time.monotonic()
    results = judge(scan(web_lab, served.port, probe_ok))
    assert time.monotonic() - t0 < 2
    assert expect in messages(results["adfs.metadata"])
    assert results["adfs.token_signing_expiry"].status is Status.ERROR


def test_an_external_entity_is_refused_and_the_file_never_read(
    web_lab: WebLab, probe_ok: int, tmp_path: Path
) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("CANARY-7f3a")
    served = web_lab.serve(routes(Route(body=xxe(secret))), web_lab.cert())
    ev = scan(web_lab, served.port, probe_ok)
    assert ev.metadata is not None and "refused" in ev.metadata.error
    assert "CANARY" not in repr(ev)


def test_a_50_mb_answer_is_capped(web_lab: WebLab, probe_ok: int) -> None:
    def huge():  # type: ignore[no-untyped-def]
        for _ in range(800):
            yield b"<x>" + b"a" * 65533

    served = web_lab.serve(routes(Route(body=huge, content_type="text/xml")), web_lab.cert())
    t0 = time.monotonic()
    ev = scan(web_lab, served.port, probe_ok)
    assert time.monotonic() - t0 < 3
    assert ev.metadata_http.truncated and ev.metadata is None
    assert "is larger than" in messages(judge(ev)["adfs.metadata"])


def test_a_server_that_never_answers_ends_within_the_timeout(web_lab: WebLab) -> None:
    silent = web_lab.silent()
    t0 = time.monotonic()
    ev = scan(web_lab, silent.port, silent.port, timeout=1)
    assert time.monotonic() - t0 < 1.5  # every request at once: one timeout, not six
    results = judge(ev)
    assert "no answer within 1 s" in messages(results["adfs.reachable"])
    assert results["adfs.tls_certificate"].status is Status.ERROR
    assert "did not answer over HTTPS" in results["adfs.tls_certificate"].reason


def test_probe_and_signon_page(web_lab: WebLab) -> None:
    down = web_lab.serve({"/adfs/probe": Route(status=503, body=b"")})
    served = web_lab.serve(routes(signon=ENABLED_SIGNON), web_lab.cert())
    results = judge(scan(web_lab, served.port, down.port))
    assert "answers HTTP 503" in messages(results["adfs.probe"])
    assert "shows a sign-in form" in messages(results["adfs.idp_signon_exposed"])
    refused = judge(scan(web_lab, served.port, None))["adfs.probe"]  # port 9: nobody listens
    assert "connection refused" in messages(refused)


def test_switching_off_validation_reads_an_untrusted_service_and_says_so(
    web_lab: WebLab, probe_ok: int
) -> None:
    served = web_lab.serve(routes(), web_lab.cert(ca=__import__("trustme").CA()))
    results = judge(scan(web_lab, served.port, probe_ok, verify_tls=False))
    assert "validation switched off" in messages(results["adfs.tls_certificate"])
    assert results["adfs.token_signing_expiry"].status is Status.PASS  # the metadata was read


def test_a_bad_url_is_one_clear_line() -> None:
    section = config.from_dict({"adfs": {"url": "sts.contoso.com"}}).adfs
    assert section is not None
    with pytest.raises(AdfsSourceError, match=r"use https://"):
        collect_adfs(section, 1)


def test_scan_collect_and_offline_report_through_the_command_line(
    web_lab: WebLab, probe_ok: int, tmp_path: Path
) -> None:
    from typer.testing import CliRunner

    from scanner.cli import app

    meta = Route(body=federation_metadata([signing_cert("ADFS Signing", days=12)]))
    served = web_lab.serve(routes(meta), web_lab.cert())
    (tmp_path / "ca.pem").write_bytes(web_lab.ca_file.read_bytes())
    (tmp_path / "scan.toml").write_text(
        f'[scan]\ntimeout = 3\n[adfs]\nurl = "https://{HOST}:{served.port}"\nca_file = "ca.pem"\n'
        f'resolve = {{ "{HOST}" = "127.0.0.1" }}\nprobe_url = "http://{HOST}:{probe_ok}/adfs/probe"\n',
        encoding="utf-8",
    )
    runner = CliRunner()
    out = tmp_path / "out"
    r = runner.invoke(app, ["scan", "-c", str(tmp_path / "scan.toml"), "--only", "adfs.*", "-o", str(out)])
    assert r.exit_code == 1, r.output  # a critical finding, nothing incomplete
    assert "expires in 11 days" in r.stdout
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "adfs.token_signing_expiry" in html and "expires in 11 days" in html
    # Collected here, judged elsewhere: the evidence file re-renders the same verdict offline.
    ev_file = tmp_path / "evidence.json"
    r = runner.invoke(app, ["collect", "-c", str(tmp_path / "scan.toml"), "-o", str(ev_file)])
    assert r.exit_code == 0, r.output
    served.stop()
    (tmp_path / "offline.toml").write_text(f'[adfs]\nevidence = "{ev_file.name}"\n', encoding="utf-8")
    r = runner.invoke(app, ["scan", "-c", str(tmp_path / "offline.toml"), "--only", "adfs.*", "-o", str(out)])
    assert r.exit_code == 1 and "expires in 11 days" in r.stdout
