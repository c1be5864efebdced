"""Write sample_logs/tenant.json: the demo tenant as realm discovery and Microsoft Graph saw it.

One planted problem per tenant check, consistent with the other samples (the site database's suffixes,
the forest's service connection point, AD FS's metadata and the Apple push certificate):

- eu.contoso.com (2 users) is added to the tenant but not verified, so realm discovery knows no tenant
  for it; Graph gives its verification record MS=ms21173179 (tenant.domain_verified, the action plan);
- fabrikam.com (5 users) is held by another tenant than the service connection point's
  (tenant.other_tenant), and is managed while AD FS is configured (tenant.federation_target, medium);
- sales.contoso.com, listed in [site] verified_domains, is in an unmanaged self-service tenant
  (tenant.unmanaged, tenant.verified_list);
- directory synchronization last ran 26 hours before Graph was read (tenant.sync_recent);
- the MDM authority is Office 365 (tenant.mdm_authority);
- Intune's Apple push certificate expires 12 days after it was read (tenant.apns_certificate);
- Entra ID still holds last year's token-signing certificate for contoso.com, which AD FS no longer
  publishes (tenant.federation_certificate).

Run from the repository root: python scripts/make_tenant_sample.py
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from scanner.codec import to_jsonable
from scanner.evidence.certs import CertInfo
from scanner.evidence.tenant import (
    Federation,
    GraphDomain,
    GraphEvidence,
    PushCertificate,
    Realm,
    TenantEvidence,
)
from scanner.sources.tenant import PLACEHOLDER

ROOT = Path(__file__).resolve().parent.parent / "sample_logs"
AUTHORITY = "https://login.microsoftonline.com"
OURS = "72f988bf-86f1-41af-91ab-2d7cd011db47"  # the sample forest's service connection point (azureADId)
THEIRS = "5e3b7c1a-0f42-4d6b-9a8e-2c1d4f6a8b0e"  # invented
READ = datetime(2026, 11, 26, 8, 0, tzinfo=UTC)


def realm(domain: str, why: str, users: int, kind: str, tenant: str = OURS, **kw: object) -> Realm:
    login = f"{PLACEHOLDER}%40{domain}"
    return Realm(
        domain=domain,
        why=why,
        users=users,
        namespace=kind,
        tenant_id="" if kind == "Unknown" else tenant,
        no_tenant=kind == "Unknown",
        cloud="" if kind == "Unknown" else "microsoftonline.com",
        region="" if kind == "Unknown" else "NA",
        via=f"{AUTHORITY}/common/userrealm/{login}?api-version=2.1",
        seconds=0.21,
        **kw,  # type: ignore[arg-type]
    )


def signing(subject: str, start: datetime, thumbprint: str = "") -> CertInfo:
    digest = thumbprint or hashlib.sha1(f"{subject}{start}".encode()).hexdigest().upper()
    return CertInfo(
        subject=subject,
        issuer=subject,
        not_before=start,
        not_after=start + timedelta(days=365),
        thumbprint=digest,
        self_signed=True,
    )


def main() -> None:
    sts = "https://sts.contoso.com/adfs/ls/?username=mdm-preflight%40contoso.com&wa=wsignin1.0"
    tenant = TenantEvidence(
        authority=AUTHORITY,
        placeholder=PLACEHOLDER,
        checked_at=READ,
        expected_tenant=OURS,
        expected_from="the hybrid-join service connection point (azureADId)",
        scp_tenant=OURS,
        verified_list=("contoso.com", "sales.contoso.com"),
        adfs_host="sts.contoso.com",
        realms=(
            realm("contoso.com", "verified in the tenant", 34, "Federated", auth_url=sts, brand="Contoso"),
            realm("eu.contoso.com", "the UPN suffix of 2 users in the site database", 2, "Unknown"),
            realm(
                "fabrikam.com",
                "the UPN suffix of 5 users in Active Directory",
                5,
                "Managed",
                THEIRS,
                brand="Fabrikam",
            ),
            realm(
                "sales.contoso.com",
                "verified in the tenant",
                0,
                "Managed",
                THEIRS.replace("5e", "9d", 1),
                viral=True,
                brand="sales.contoso.com",
            ),
        ),
        seconds=0.64,
    )
    graph = GraphEvidence(
        endpoint="https://graph.microsoft.com",
        tenant_id=OURS,
        client_id="3f9c7e2a-1b4d-4c6e-8a0f-2d4b6c8e0a1c",
        checked_at=READ,
        domains=(
            GraphDomain(
                id="contoso.onmicrosoft.com",
                authentication_type="Managed",
                is_verified=True,
                is_initial=True,
                is_root=True,
            ),
            GraphDomain(
                id="contoso.com",
                authentication_type="Federated",
                is_verified=True,
                is_default=True,
                is_root=True,
            ),
            GraphDomain(
                id="eu.contoso.com",
                authentication_type="Managed",
                verification_txt="MS=ms21173179",  # Graph's documented example value
                verification_mx="ms21173179.msv1.invalid",
            ),
        ),
        organization_id=OURS,
        sync_enabled=True,
        last_sync=READ - timedelta(hours=26, minutes=12),
        mdm_authority="office365",
        push=PushCertificate(
            apple_id="mdm-admin@contoso.com",
            topic="com.apple.mgmt.External.5f0c3a7e-2b1d-4c8e-9a6f-0d1e2f3a4b5c",
            expires=datetime(2026, 12, 8, 9, 14, 2, tzinfo=UTC),
            serial="5F0C3A7E2B1D4C8E",
        ),
        federation=(
            Federation(
                domain="contoso.com",
                issuer_uri="http://sts.contoso.com/adfs/services/trust",
                passive_sign_in_uri="https://sts.contoso.com/adfs/ls/",
                signing=signing(
                    "CN=ADFS Signing - sts.contoso.com", datetime(2024, 12, 14, 17, 30, tzinfo=UTC)
                ),
            ),
        ),
        requests=7,
        seconds=1.9,
    )
    out = ROOT / "tenant.json"
    data = {"collected_at": READ.isoformat(), "tenant": to_jsonable(tenant), "graph": to_jsonable(graph)}
    out.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
