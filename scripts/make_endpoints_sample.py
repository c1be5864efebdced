"""Write sample_logs/endpoints.json: the demo's Intune endpoint probes, made through its proxy.

The proxy's allow-list lacks the service connection point's upload endpoint (403), and Microsoft Graph
answers slowly. Every address is a documentation address (192.0.2.0/24); the demo contacts nothing.

Run from the repository root: python scripts/make_endpoints_sample.py
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path

from scanner.codec import to_jsonable
from scanner.evidence.certs import CertInfo
from scanner.evidence.endpoints import EndpointProbe, EndpointsEvidence
from scanner.evidence.web import HttpInfo, TlsInfo
from scanner.sources.endpoints import default_endpoints

ROOT = Path(__file__).resolve().parent.parent / "sample_logs"
PROXY, PROXY_ADDRESS = "proxy.contoso.com:8080", "192.0.2.8"
COLLECTED = datetime(2026, 11, 25, 17, 30, tzinfo=UTC)  # when the demo's evidence was collected
ANCHOR = "CN=DigiCert Global Root G2,OU=www.digicert.com,O=DigiCert Inc,C=US"
ISSUING = "CN=Microsoft Azure RSA TLS Issuing CA 04,O=Microsoft Corporation,C=US"


def cert(subject: str, issuer: str, *, sans: tuple[str, ...] = (), ca: bool = False) -> CertInfo:
    digest = hashlib.sha256(subject.encode()).hexdigest().upper()
    return CertInfo(
        subject=subject,
        issuer=issuer,
        sans=sans,
        not_before=datetime(2026, 6, 1, tzinfo=UTC),
        not_after=datetime(2027 if not ca else 2038, 5, 31, tzinfo=UTC),
        serial=digest[:32],
        thumbprint=digest[:40],
        sha256=digest,
        self_signed=subject == issuer,
        is_ca=ca,
        server_auth=None if ca else True,
    )


def probe(address: str, purpose: str, *, status: int = 200, slow: float = 0.0) -> EndpointProbe:
    host = address.removeprefix("https://").split("/")[0]
    path = address.removeprefix("https://")[len(host) :] or "/"
    leaf = cert(f"CN={host}", ISSUING, sans=(host, f"*.{host.split('.', 1)[1]}"))
    chain = (leaf, cert(ISSUING, ANCHOR, ca=True))
    tls = TlsInfo(
        host=host,
        port=443,
        address=PROXY_ADDRESS,
        protocol="TLSv1.2",
        verified=True,
        chain=chain,
        verified_chain=(*chain, cert(ANCHOR, ANCHOR, ca=True)),
        seconds=0.182 + slow,
        proxy=PROXY,
        proxy_status=200,
        connect_seconds=0.004,
        tunnel_seconds=0.061 + slow,
        handshake_seconds=0.117,
    )
    http = HttpInfo(url=f"https://{host}{path}", status=status, seconds=0.143, size=1024)
    return EndpointProbe(
        endpoint=address, purpose=purpose, host=host, url=http.url, tls=tls, http=http, seconds=0.33 + slow
    )


def blocked(address: str, purpose: str) -> EndpointProbe:
    host = address.removeprefix("https://").split("/")[0]
    tls = TlsInfo(
        host=host,
        port=443,
        address=PROXY_ADDRESS,
        error=f"the proxy {PROXY} refused {host}:443: 403 Filtered",
        seconds=0.012,
        proxy=PROXY,
        proxy_status=403,
        connect_seconds=0.004,
        tunnel_seconds=0.008,
    )
    return EndpointProbe(endpoint=address, purpose=purpose, host=host, url=f"https://{host}/V", tls=tls)


def main() -> None:
    probes = []
    for address, purpose in default_endpoints():
        if "bspmts" in address:
            probes.append(blocked(address, purpose))
        elif address == "graph.microsoft.com":
            probes.append(probe(address, purpose, status=401, slow=4.1))
        else:
            probes.append(probe(address, purpose, status=302 if address.startswith("go.") else 200))
    ev = EndpointsEvidence(
        listed_in="the bundled list (intune_endpoints.toml)",
        proxy=PROXY,
        proxy_user="CONTOSO-svc-scp",
        timeout=10.0,
        probes=tuple(probes),
        seconds=4.46,
    )
    out = ROOT / "endpoints.json"
    out.write_text(
        json.dumps({"collected_at": COLLECTED.isoformat(), "endpoints": to_jsonable(ev)}, indent=2) + "\n",
        encoding="utf-8",
    )
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
