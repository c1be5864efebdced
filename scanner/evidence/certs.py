"""X.509 certificates as plain facts: names, dates, thumbprints."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class CertInfo:
    subject: str  # RFC 4514, e.g. "CN=sts.contoso.com,O=Contoso"
    issuer: str
    sans: tuple[str, ...] = ()  # DNS names and IP addresses
    not_before: datetime
    not_after: datetime
    serial: str = ""  # hex
    thumbprint: str = ""  # SHA-1, upper-case hex: what Windows and AD FS show
    sha256: str = ""
    self_signed: bool = False
    is_ca: bool = False
    server_auth: bool | None = None  # Extended Key Usage allows TLS server auth; None: no EKU extension
    error: str = ""  # the bytes could not be parsed: everything else is empty

    @property
    def common_name(self) -> str:
        for part in self.subject.split(","):
            key, _, value = part.partition("=")
            if key.strip().upper() == "CN":
                return value.strip()
        return self.subject

    def days_left(self, at: datetime) -> float:
        return (self.not_after - at).total_seconds() / 86400

    def covers(self, host: str) -> bool:
        """The name is in the SANs (one wildcard label allowed), as TLS clients match it."""
        host = host.lower().rstrip(".")
        for name in self.sans:
            name = name.lower().rstrip(".")
            if name == host:
                return True
            if name.startswith("*.") and "." in host and host.split(".", 1)[1] == name[2:]:
                return True
        return False
