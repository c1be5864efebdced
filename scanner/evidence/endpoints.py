"""The Intune endpoints the service connection point needs, as probed from this computer."""

from __future__ import annotations

from dataclasses import dataclass

from scanner.evidence.web import HttpInfo, Lookup, TlsInfo


@dataclass(frozen=True, slots=True, kw_only=True)
class EndpointProbe:
    endpoint: str  # as listed: host, host:port or an https:// URL
    purpose: str = ""  # what the service connection point needs it for
    host: str
    port: int = 443
    url: str  # what the HTTP step asked for
    dns: Lookup | None = None  # None: not resolved here (pinned, or the proxy resolves it)
    pinned: str = ""  # the [endpoints] resolve address used instead of DNS
    tls: TlsInfo | None = None  # None: not reached (DNS failed)
    http: HttpInfo | None = None  # None: not asked (an earlier step failed)
    seconds: float = 0.0  # every step together


@dataclass(frozen=True, slots=True, kw_only=True)
class EndpointsEvidence:
    listed_in: str  # where the list came from: the bundled defaults or [endpoints] endpoints
    proxy: str = ""  # host:port of the HTTP CONNECT proxy; the password is never recorded
    proxy_user: str = ""
    ca_file: str = ""
    timeout: float = 10.0
    probes: tuple[EndpointProbe, ...] = ()
    seconds: float = 0.0  # the whole source, all endpoints concurrently
