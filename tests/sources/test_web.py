"""The TLS and HTTP layer against real HTTPS servers on 127.0.0.1 with a test CA."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest

from scanner.sources.net.web import fetch, http_client, probe_tls
from scanner.sources.parse.certs import cert_info
from tests.lab.web import HOST, Route, WebLab


def _probe(lab: WebLab, port: int, timeout: float = 2.0, host: str = HOST):  # type: ignore[no-untyped-def]
    return probe_tls(host, port, timeout=timeout, address="127.0.0.1", ca_file=str(lab.ca_file))


def test_a_valid_certificate_is_verified_and_described(web_lab: WebLab) -> None:
    served = web_lab.serve({}, web_lab.cert(HOST, "adfs.contoso.test", days=200))
    tls = _probe(web_lab, served.port)
    assert tls.verified and not tls.verify_error and not tls.error
    assert tls.leaf is not None and tls.leaf.covers(HOST) and tls.leaf.covers("ADFS.contoso.test.")
    assert 199 < tls.leaf.days_left(datetime.now(UTC)) < 201
    assert tls.protocol.startswith("TLSv1.")
    assert len(tls.leaf.thumbprint) == 40 and tls.leaf.server_auth is True


@pytest.mark.parametrize(
    ("make", "says"),
    [
        (lambda lab: lab.cert(days=-1), "expired"),
        (lambda lab: lab.cert(not_before=datetime.now(UTC) + timedelta(days=2)), "not yet valid"),
        (lambda lab: lab.cert("adfs.fabrikam.test"), "Hostname mismatch"),
        (lambda lab: lab.cert(ca=__import__("trustme").CA()), "local issuer"),
    ],
    ids=["expired", "not-yet-valid", "wrong-name", "untrusted"],
)
def test_a_rejected_certificate_is_still_read_so_the_report_can_say_why(web_lab: WebLab, make, says) -> None:  # type: ignore[no-untyped-def]
    served = web_lab.serve({}, make(web_lab))
    tls = _probe(web_lab, served.port)
    assert not tls.verified and says in tls.verify_error
    assert tls.leaf is not None and tls.leaf.subject  # read without trusting it


def test_a_server_that_sends_only_its_leaf_is_caught(web_lab: WebLab) -> None:
    cert = web_lab.cert(intermediate=True)
    full, bare = web_lab.serve({}, cert), web_lab.serve({}, cert, leaf_only=True)
    assert _probe(web_lab, full.port).verified and not _probe(web_lab, full.port).missing_intermediates()
    tls = _probe(web_lab, bare.port)
    assert not tls.verified and tls.missing_intermediates() and len(tls.chain) == 1


def test_dead_and_silent_and_garbage_servers_are_plain_words_within_the_timeout(web_lab: WebLab) -> None:
    silent, garbage = web_lab.silent(), web_lab.garbage()
    t0 = time.monotonic()
    assert _probe(web_lab, silent.port, timeout=0.5).error == "no answer within 0.5 s"
    assert time.monotonic() - t0 < 1.5
    assert "TLS handshake failed" in _probe(web_lab, garbage.port).error
    with __import__("socket").socket() as s:  # a port that was free a moment ago: nobody listens
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    assert _probe(web_lab, port).error == "connection refused"


def test_fetch_caps_the_body_and_reports_status_and_redirects(web_lab: WebLab) -> None:
    def endless():  # type: ignore[no-untyped-def]
        while True:
            yield b"x" * 65536

    routes = {
        "/big": Route(body=endless),
        "/moved": Route(status=302, headers=(("Location", "https://elsewhere.test/"),)),
    }
    served = web_lab.serve(routes, web_lab.cert())
    with http_client(timeout=2, ca_file=str(web_lab.ca_file), resolve={HOST: "127.0.0.1"}) as client:
        t0 = time.monotonic()
        info, body = fetch(client, f"https://{HOST}:{served.port}/big", max_bytes=1_000_000, timeout=2)
        assert info.status == 200 and info.truncated and len(body) == 1_000_000
        assert time.monotonic() - t0 < 2
        moved, _ = fetch(client, f"https://{HOST}:{served.port}/moved", max_bytes=100, timeout=2)
    assert moved.status == 302 and moved.location == "https://elsewhere.test/"
    assert {m for m, _ in served.log} == {"GET"}


def test_damaged_certificate_bytes_are_a_value_not_an_exception() -> None:
    info = cert_info(b"\x30\x03\x02\x01\x00")
    assert info.error.startswith("unreadable certificate") and not info.subject
