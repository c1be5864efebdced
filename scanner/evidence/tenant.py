"""Evidence of the tenant: realm discovery per domain and, with an app registration, Microsoft Graph."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from scanner.evidence.certs import CertInfo

KNOWN = ("Managed", "Federated")  # NameSpaceType of a domain some tenant holds


@dataclass(frozen=True, slots=True, kw_only=True)
class Realm:
    domain: str
    why: str  # why it was asked: a UPN suffix of n users, the verified list, [dns] domains, ...
    users: int = 0  # users whose UPN ends in it (the larger count of the site database and AD)
    namespace: str = ""  # Managed | Federated | Unknown; empty when the lookup failed (see error)
    auth_url: str = ""  # federated: where Entra ID sends its users to sign in
    brand: str = ""  # FederationBrandName: the tenant's display name
    cloud: str = ""  # cloud_instance_name
    viral: bool = False  # IsViral: an unmanaged (self-service) tenant no administrator verified
    via: str = ""  # the URL that answered (the placeholder user stands in the path or query)
    tenant_id: str = ""  # from the domain's OpenID configuration
    no_tenant: bool = False  # AADSTS90002: no tenant knows the domain
    region: str = ""  # tenant_region_scope
    error: str = ""  # realm lookup failed: why (never read as "Unknown")
    tenant_error: str = ""  # OpenID lookup failed for another reason than AADSTS90002
    seconds: float = 0.0

    @property
    def known(self) -> bool:
        return self.namespace in KNOWN and not self.no_tenant

    @property
    def unknown(self) -> bool:
        """Entra ID said so: realm Unknown, or no tenant holds the domain."""
        return self.namespace == "Unknown" or self.no_tenant

    @property
    def sts_host(self) -> str:
        rest = self.auth_url.split("://", 1)[-1]
        return rest.split("/", 1)[0].split(":", 1)[0].lower() if self.auth_url else ""


@dataclass(frozen=True, slots=True, kw_only=True)
class TenantEvidence:
    authority: str  # where the questions went
    placeholder: str  # the user name sent instead of any real one
    checked_at: datetime
    expected_tenant: str = ""  # from [tenant] tenant_id or the service connection point
    expected_from: str = ""  # which of the two
    scp_tenant: str = ""  # azureADId of the hybrid-join service connection point, when the directory was read
    verified_list: tuple[str, ...] = ()  # [site] verified_domains as typed, to compare with the answers
    adfs_host: str = ""  # [adfs] url's host, where federated domains should sign in
    realms: tuple[Realm, ...] = ()
    seconds: float = 0.0

    def unreadable(self) -> list[str]:
        failed = [r for r in self.realms if r.error]
        if not failed:
            return []
        detail = f"{failed[0].domain}: {failed[0].error}"
        if len(failed) == len(self.realms):
            detail += "; without Internet access, set [tenant] lookup = false"
        return [f"{len(failed)} of {len(self.realms)} realm lookups at {self.authority} failed ({detail})"]

    def usable(self) -> bool:
        return not self.realms or any(not r.error for r in self.realms)

    def expected(self) -> tuple[str, str]:
        """The tenant the domains should be in, and why that one: configured, the service connection
        point, or else the tenant most domains answered with (ties: the one with the most users)."""
        if self.expected_tenant:
            return self.expected_tenant.lower(), self.expected_from
        votes: Counter[str] = Counter()
        for r in self.realms:
            if r.tenant_id:
                votes[r.tenant_id] += 1_000_000 + r.users
        if not votes:
            return "", ""
        return votes.most_common(1)[0][0], "the tenant most domains belong to"

    def get(self, domain: str) -> Realm | None:
        return next((r for r in self.realms if r.domain == domain.lower()), None)


@dataclass(frozen=True, slots=True, kw_only=True)
class GraphDomain:
    id: str
    authentication_type: str = ""  # Managed | Federated
    is_verified: bool = False
    is_default: bool = False
    is_initial: bool = False
    is_root: bool = False
    # An unverified domain's verification records (GET /domains/{id}/verificationDnsRecords): what to publish.
    verification_txt: str = ""  # "MS=ms21173179"
    verification_mx: str = ""  # "ms21173179.msv1.invalid"


@dataclass(frozen=True, slots=True, kw_only=True)
class Federation:
    domain: str
    issuer_uri: str = ""
    passive_sign_in_uri: str = ""
    signing: CertInfo | None = None  # signingCertificate: what Entra ID validates tokens with
    next_signing: CertInfo | None = None  # nextSigningCertificate: the successor it already holds
    error: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class PushCertificate:
    apple_id: str = ""
    topic: str = ""
    expires: datetime | None = None
    serial: str = ""
    upload_status: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class GraphEvidence:
    endpoint: str
    tenant_id: str  # the app registration's tenant, as configured
    client_id: str
    checked_at: datetime
    max_sync_age_hours: float = 3.0  # [tenant] max_sync_age_hours when collected
    domains: tuple[GraphDomain, ...] = ()
    domains_error: str = ""  # each read's failure, naming the permission it lacked
    organization_id: str = ""
    sync_enabled: bool | None = None  # onPremisesSyncEnabled: None = never synchronized
    last_sync: datetime | None = None  # onPremisesLastSyncDateTime
    organization_error: str = ""
    mdm_authority: str = ""  # mobileDeviceManagementAuthority: unknown | intune | sccm | office365
    mdm_error: str = ""
    push: PushCertificate | None = None  # None with no push_error: Intune holds no APNs certificate
    push_error: str = ""
    federation: tuple[Federation, ...] = ()
    requests: int = 0
    seconds: float = 0.0

    def unreadable(self) -> list[str]:
        errors = [self.domains_error, self.organization_error, self.mdm_error, self.push_error]
        return [e for e in errors if e]

    def usable(self) -> bool:
        return len(self.unreadable()) < 4
