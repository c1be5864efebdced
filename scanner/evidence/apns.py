"""The Apple push (APNs) certificate, as read from its file."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from scanner.evidence.certs import CertInfo


@dataclass(frozen=True, slots=True, kw_only=True)
class ApnsEvidence:
    file: str
    read_at: datetime  # when the file was read: expiry can be measured from here (relative_to = "read")
    format: str = ""  # pem, der or pkcs12
    certificate: CertInfo | None = None
    topic: str = ""  # the subject's UID: com.apple.mgmt.External.<uuid> for an MDM push certificate
    apple_id: str = ""  # the Apple ID, when the subject carries one (emailAddress, or an address in the CN)
    issuer_organization: str = ""  # "Apple Inc." for Apple's push certificate authority
    error: str = ""  # the file could not be read: why, in plain words

    def unreadable(self) -> tuple[str, ...]:
        return (self.error,) if self.error else ()

    def usable(self) -> bool:
        return not self.error
