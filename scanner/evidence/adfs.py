"""AD FS evidence: the TLS certificate, the federation metadata and the endpoints as probed from outside."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from scanner.evidence.certs import CertInfo
from scanner.evidence.web import HttpInfo, TlsInfo


@dataclass(frozen=True, slots=True, kw_only=True)
class FederationMetadata:
    entity_id: str = ""
    signing: tuple[CertInfo, ...] = ()  # token-signing certificates, each once (AD FS repeats them per role)
    encryption: tuple[CertInfo, ...] = ()  # token-decrypting certificates
    roles: tuple[str, ...] = ()  # the role elements present (RoleDescriptor, IDPSSODescriptor, ...)
    error: str = ""  # why the document is not usable federation metadata; empty when it is


@dataclass(frozen=True, slots=True, kw_only=True)
class AdfsEvidence:
    url: str  # the federation service as configured
    host: str
    port: int
    checked_at: datetime  # certificate ages are measured from here, also when read back offline
    verify_tls: bool = True
    tls: TlsInfo
    metadata_http: HttpInfo
    metadata: FederationMetadata | None = None  # None: no 200 answer to parse
    probe: HttpInfo
    mex: HttpInfo
    idp_signon: HttpInfo
    idp_signon_form: bool = False  # the page answered with a sign-in form, not AD FS's error page
    openid: HttpInfo

    def endpoints(self) -> tuple[HttpInfo, ...]:
        return (self.metadata_http, self.mex, self.openid, self.idp_signon, self.probe)
