"""The endpoints source against real HTTPS servers on 127.0.0.1 and a real proxy (tinyproxy)."""

from __future__ import annotations

import json
import socket
import time
from typing import Any

import pytest

from scanner import config
from scanner.codec import from_jsonable, to_jsonable
from scanner.evidence.endpoints import EndpointProbe, EndpointsEvidence
from scanner.sources.endpoints import EndpointsError, collect_endpoints, default_endpoints
from tests.lab.proxy import ProxyLab
from tests.lab.web import Route, WebLab

NAME = "intune.contoso.test"  # pinned to 127.0.0.1: never looked up
ROUTES = {"/": Route(body=b"ok"), "/v": Route(status=404, body=b"no such page")}


def collect(lab: WebLab, *endpoints: str, timeout: float = 3, **extra: Any) -> EndpointsEvidence:
    section: dict[str, Any] = {
        "endpoints": list(endpoints),
        "ca_file": str(lab.ca_file),
        "resolve": {NAME: "127.0.0.1"},
        **extra,
    }
    return collect_endpoints(config.from_dict({"scan": {"timeout": timeout}, "endpoints": section}))


def one(ev: EndpointsEvidence) -> EndpointProbe:
    [probe] = ev.probes
    return probe


def free_port() -> int:
    with socket.socket() as s:  # free a moment ago: nobody listens
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_direct_endpoint_is_resolved_validated_and_fetched_read_only(web_lab: WebLab) -> None:
    served = web_lab.serve(ROUTES, web_lab.cert(NAME, intermediate=True))
    ev = collect(web_lab, f"{NAME}:{served.port}", f"https://{NAME}:{served.port}/V")
    root, page = ev.probes
    assert root.pinned == "127.0.0.1" and root.dns is None
    assert root.tls is not None and root.tls.verified and root.tls.connect_seconds > 0
    assert root.tls.verified_chain[-1].subject == root.tls.verified_chain[-1].issuer  # the anchor
    assert root.http is not None and root.http.status == 200 and root.http.url.endswith("/")
    assert page.http is not None and page.http.status == 404  # an answer: reachable
    assert served.methods == {"GET"}
    again = from_jsonable(EndpointsEvidence, json.loads(json.dumps(to_jsonable(ev))))
    assert again == ev


def test_without_a_pin_the_system_resolver_is_asked_and_timed(web_lab: WebLab) -> None:
    served = web_lab.serve(ROUTES, web_lab.cert("localhost"))
    probe = one(collect(web_lab, f"localhost:{served.port}"))
    assert probe.dns is not None and "127.0.0.1" in probe.dns.addresses and probe.dns.seconds > 0
    assert probe.pinned == "" and probe.tls is not None and probe.tls.verified
    assert probe.http is not None and probe.http.status == 200


def test_via_proxy_the_proxy_resolves_and_tunnels(web_lab: WebLab, proxy_lab: ProxyLab) -> None:
    served = web_lab.serve(ROUTES, web_lab.cert("localhost"))
    proxy = proxy_lab.start(connect_ports=(served.port,))
    probe = one(collect(web_lab, f"localhost:{served.port}", proxy=proxy.url))
    assert probe.dns is None and probe.tls is not None and probe.tls.verified
    assert probe.tls.proxy == f"127.0.0.1:{proxy.port}" and probe.tls.proxy_status == 200
    assert probe.http is not None and probe.http.status == 200
    assert proxy.requests().count(f"CONNECT localhost:{served.port} HTTP/1.1") == 2  # TLS probe, then GET


@pytest.mark.parametrize(
    ("options", "says"),
    [({"connect_ports": (443,)}, "Access violation"), ({"allow_hosts": (r"^login\.example$",)}, "Filtered")],
    ids=["port-not-allowed", "host-not-on-allow-list"],
)
def test_a_proxy_that_refuses_is_named(
    web_lab: WebLab, proxy_lab: ProxyLab, options: dict[str, Any], says: str
) -> None:
    served = web_lab.serve(ROUTES, web_lab.cert("localhost"))
    proxy = proxy_lab.start(**options)
    probe = one(collect(web_lab, f"localhost:{served.port}", proxy=proxy.url))
    assert probe.tls is not None and probe.tls.proxy_status == 403 and probe.http is None
    assert probe.tls.error == f"the proxy 127.0.0.1:{proxy.port} refused localhost:{served.port}: 403 {says}"
    assert served.log == []


def test_proxy_authentication(web_lab: WebLab, proxy_lab: ProxyLab, monkeypatch: pytest.MonkeyPatch) -> None:
    served = web_lab.serve(ROUTES, web_lab.cert("localhost"))
    proxy = proxy_lab.start(user="scp", password="Pr0xy-s3cret.9", connect_ports=(served.port,))
    endpoint = f"localhost:{served.port}"
    anonymous = one(collect(web_lab, endpoint, proxy=proxy.url))
    assert anonymous.tls is not None and anonymous.tls.proxy_status == 407
    assert "requires authentication (407)" in anonymous.tls.error
    monkeypatch.setenv("MDMP_PROXY_PASSWORD", "wrong")
    wrong = one(collect(web_lab, endpoint, proxy=proxy.url, user="scp", password_env="MDMP_PROXY_PASSWORD"))
    assert wrong.tls is not None and wrong.tls.proxy_status in (401, 407)  # tinyproxy says 401
    assert "rejected the credentials of 'scp'" in wrong.tls.error
    monkeypatch.setenv("MDMP_PROXY_PASSWORD", "Pr0xy-s3cret.9")
    ev = collect(web_lab, endpoint, proxy=proxy.url, user="scp", password_env="MDMP_PROXY_PASSWORD")
    assert one(ev).http is not None and one(ev).http.status == 200  # type: ignore[union-attr]
    assert ev.proxy_user == "scp" and "Pr0xy-s3cret.9" not in json.dumps(to_jsonable(ev))
    monkeypatch.delenv("MDMP_PROXY_PASSWORD")
    with pytest.raises(EndpointsError, match=r"MDMP_PROXY_PASSWORD .* is not set"):
        collect(web_lab, endpoint, proxy=proxy.url, user="scp", password_env="MDMP_PROXY_PASSWORD")


def test_an_untrusted_chain_names_the_root_it_ends_at(web_lab: WebLab) -> None:
    inspection = __import__("trustme").CA(organization_name="Contoso TLS Inspection")
    served = web_lab.serve(ROUTES, web_lab.cert(NAME, ca=inspection, intermediate=True))
    probe = one(collect(web_lab, f"{NAME}:{served.port}"))
    assert probe.tls is not None and not probe.tls.verified and probe.http is None
    assert "O=Contoso TLS Inspection" in probe.tls.untrusted_issuer()
    assert len(probe.tls.chain) == 2  # read anyway: the leaf and the intermediate it sent
    assert served.log == []  # nothing is sent over a connection that failed validation


def test_silent_refused_and_unresolvable_endpoints_end_within_the_timeout(web_lab: WebLab) -> None:
    silent = web_lab.silent()
    good = web_lab.serve(ROUTES, web_lab.cert(NAME))
    t0 = time.monotonic()
    ev = collect(
        web_lab,
        f"{NAME}:{silent.port}",
        f"{NAME}:{free_port()}",
        "nxdomain.invalid",
        f"{NAME}:{good.port}",
        timeout=1,
    )
    assert time.monotonic() - t0 < 2.5  # concurrently: about one timeout, not the sum
    hung, refused, nxdomain, fine = ev.probes
    assert hung.tls is not None and hung.tls.error == "no answer within 1 s"
    assert refused.tls is not None and refused.tls.error == "connection refused"
    assert nxdomain.tls is None and nxdomain.dns is not None
    assert nxdomain.dns.error in ("the name does not resolve", "no DNS answer within 1 s")
    assert fine.http is not None and fine.http.status == 200


def test_the_bundled_list_and_bad_addresses() -> None:
    listed = dict(default_endpoints())
    assert "manage.microsoft.com" in listed and "login.microsoftonline.com" in listed
    assert all(listed.values())  # every default says what it is for
    for bad in ("ftp://x.test", "host:notaport", "http://plain.test"):
        with pytest.raises(EndpointsError, match=r"\[endpoints\] endpoints: .* is not a host"):
            collect_endpoints(config.from_dict({"endpoints": {"endpoints": [bad]}}))
    with pytest.raises(EndpointsError, match=r"\[endpoints\] proxy: 'proxy.test' is not"):
        collect_endpoints(config.from_dict({"endpoints": {"endpoints": ["x.test"], "proxy": "proxy.test"}}))


def test_the_check_on_real_probes_through_a_proxy(web_lab: WebLab, proxy_lab: ProxyLab) -> None:
    from datetime import UTC, datetime

    from scanner.evidence import Evidence
    from scanner.model import SourceStatus
    from tests.conftest import run_check

    inspection = __import__("trustme").CA(organization_name="Contoso TLS Inspection")
    good = web_lab.serve(ROUTES, web_lab.cert("localhost"))
    intercepted = web_lab.serve(ROUTES, web_lab.cert("localhost", ca=inspection))
    proxy = proxy_lab.start(connect_ports=(good.port, intercepted.port))
    section = collect(
        web_lab, f"localhost:{good.port}", f"localhost:{intercepted.port}", "localhost:443", proxy=proxy.url
    )
    ev = Evidence(
        tool_version="t",
        collected_at=datetime.now(UTC),
        sources=(SourceStatus(name="endpoints", status="ok"),),
        endpoints=section,
    )
    found = {f.target: f for f in run_check("scp.internet_endpoints", ev).findings}
    assert set(found) == {f"localhost:{intercepted.port}", "localhost:443"}
    assert "a TLS-inspecting proxy whose CA is not trusted" in found[f"localhost:{intercepted.port}"].message
    assert "O=Contoso TLS Inspection" in found[f"localhost:{intercepted.port}"].message
    assert found["localhost:443"].message.startswith("localhost:443 is blocked by the proxy")


def test_the_example_sections_load_when_uncommented() -> None:
    import re
    from pathlib import Path

    text = Path(config.__file__).with_name("example.toml").read_text(encoding="utf-8")
    heads = ("# [endpoints]", "# [apns]", '# [checks."scp.', '# [checks."ios.')
    blocks = [b for b in text.split("\n\n") if b.startswith(heads)]
    assert len(blocks) == 4
    mine = "\n".join(re.sub(r"^# (\[|[a-z_]+ = )", r"\1", b, flags=re.M) for b in blocks)
    cfg = config.from_dict(__import__("tomllib").loads(mine))
    assert cfg.endpoints is not None and cfg.endpoints.proxy == "http://proxy.contoso.com:8080"
    assert cfg.apns is not None and cfg.apns.password_env == "MDMP_APNS_PASSWORD"
    assert cfg.checks["ios.apns_certificate"]["critical_days"] == 7
