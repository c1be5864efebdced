"""What a TLS handshake, an HTTP request and a name lookup saw, in plain values."""

from __future__ import annotations

import re
from dataclasses import dataclass

from scanner.evidence.certs import CertInfo

_NO_ANCHOR = re.compile(r"local issuer|issuer certificate|self[- ]signed", re.I)


@dataclass(frozen=True, slots=True, kw_only=True)
class TlsInfo:
    host: str  # the name validated and sent as SNI
    port: int
    address: str = ""  # where it connected (a pin, or what the name resolved to)
    error: str = ""  # no certificate was seen: why, in plain words
    protocol: str = ""  # TLSv1.3, TLSv1.2, ...
    verified: bool = False  # chain and name validated against the trust store
    verify_error: str = ""  # why validation failed, as OpenSSL says it
    chain: tuple[CertInfo, ...] = ()  # as the server sent it, leaf first
    verified_chain: tuple[CertInfo, ...] = ()  # as validated, leaf to trust anchor
    seconds: float = 0.0
    proxy: str = ""  # host:port of the HTTP proxy it tunnelled through
    proxy_status: int = 0  # the proxy's answer to CONNECT (200, 403, 407, ...); 0: no proxy or no answer
    connect_seconds: float = 0.0  # TCP connect (to the proxy when there is one)
    tunnel_seconds: float = 0.0  # the proxy's answer to CONNECT
    handshake_seconds: float = 0.0  # TLS handshake

    @property
    def leaf(self) -> CertInfo | None:
        return self.chain[0] if self.chain else None

    def missing_intermediates(self) -> bool:
        """The server relies on the client to already hold or fetch an intermediate (Android cannot)."""
        if not self.chain or self.chain[0].self_signed:
            return False
        sent = {c.subject for c in self.chain}
        if self.verified_chain:
            return any(c.subject not in sent for c in self.verified_chain[1:-1])
        return self.chain[0].issuer not in sent and "local issuer" in self.verify_error

    def untrusted_issuer(self) -> str:
        """When validation failed for want of a trust anchor: the name the chain ends at, which this
        computer does not trust (a self-signed root the server sent, or the issuer of its last
        certificate: usually a root missing from the store, or a TLS-inspecting proxy's CA)."""
        if self.verified or not self.chain or not _NO_ANCHOR.search(self.verify_error):
            return ""
        last = self.chain[-1]
        return last.subject if last.self_signed else last.issuer


@dataclass(frozen=True, slots=True, kw_only=True)
class HttpInfo:
    url: str
    status: int = 0  # 0: no HTTP answer (see error)
    seconds: float = 0.0
    size: int = 0  # bytes read (at most the cap)
    truncated: bool = False  # the body was longer than the cap and was cut
    content_type: str = ""
    location: str = ""  # where a redirect points; redirects are reported, not followed
    error: str = ""
    retry_after: float = 0.0  # seconds a 429 or 503 asked the client to wait (Retry-After)


@dataclass(frozen=True, slots=True, kw_only=True)
class Lookup:
    host: str
    addresses: tuple[str, ...] = ()  # in the order the system resolver returned them
    seconds: float = 0.0
    error: str = ""  # plain words: "the name does not resolve", "no answer within 10 s"
