"""Write sample_logs/adfs.json: the demo's AD FS as probed from outside, its token-signing key near expiry.

Run from the repository root: python scripts/make_adfs_sample.py
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from scanner.codec import to_jsonable
from scanner.evidence.adfs import AdfsEvidence, FederationMetadata
from scanner.evidence.certs import CertInfo
from scanner.evidence.web import HttpInfo, TlsInfo
from scanner.sources.adfs import METADATA_PATH, PAGES

ROOT = Path(__file__).resolve().parent.parent / "sample_logs"
CHECKED = datetime(2026, 11, 25, 17, 30, tzinfo=UTC)  # just after the demo's newest log entry
HOST = "sts.contoso.com"
ORIGIN = f"https://{HOST}"
PUBLIC_CA = "CN=Contoso Sample Issuing CA 2,O=Sample Trust Services,C=US"
PUBLIC_ROOT = "CN=Sample Trust Root G2,O=Sample Trust Services,C=US"


def cert(
    subject: str, issuer: str, *, days_left: int, lived: int = 365, sans: tuple[str, ...] = ()
) -> CertInfo:
    digest = hashlib.sha256(f"{subject}|{days_left}".encode()).hexdigest().upper()
    return CertInfo(
        subject=subject,
        issuer=issuer,
        sans=sans,
        not_before=CHECKED - timedelta(days=lived - days_left),
        not_after=CHECKED + timedelta(days=days_left),
        serial=digest[:16],
        thumbprint=digest[:40],
        sha256=digest,
        self_signed=subject == issuer,
        is_ca=subject != f"CN={HOST}" and not subject.startswith("CN=ADFS"),
        server_auth=True if sans else None,
    )


def page(path: str, status: int, ms: int, size: int, kind: str = "text/html; charset=utf-8") -> HttpInfo:
    return HttpInfo(url=ORIGIN + path, status=status, seconds=ms / 1000, size=size, content_type=kind)


def main() -> None:
    leaf = cert(f"CN={HOST}", PUBLIC_CA, days_left=212, sans=(HOST, "enterpriseregistration.contoso.com"))
    chain = (leaf, cert(PUBLIC_CA, PUBLIC_ROOT, days_left=1500, lived=3650))
    signing = cert(f"CN=ADFS Signing - {HOST}", f"CN=ADFS Signing - {HOST}", days_left=19)
    encryption = cert(f"CN=ADFS Encryption - {HOST}", f"CN=ADFS Encryption - {HOST}", days_left=19)
    ev = AdfsEvidence(
        url=ORIGIN,
        host=HOST,
        port=443,
        checked_at=CHECKED,
        tls=TlsInfo(
            host=HOST,
            port=443,
            address="127.0.0.1",
            protocol="TLSv1.2",
            verified=True,
            chain=chain,
            verified_chain=(*chain, cert(PUBLIC_ROOT, PUBLIC_ROOT, days_left=3000, lived=7300)),
            seconds=0.041,
        ),
        metadata_http=page(METADATA_PATH, 200, 63, 61_480, "application/samlmetadata+xml"),
        metadata=FederationMetadata(
            entity_id=f"http://{HOST}/adfs/services/trust",
            signing=(signing,),
            encryption=(encryption,),
            roles=("Signature", "RoleDescriptor", "SPSSODescriptor", "IDPSSODescriptor"),
        ),
        probe=HttpInfo(url=f"http://{HOST}/adfs/probe", status=200, seconds=0.004),
        mex=page(PAGES["mex"], 200, 38, 27_311, "text/xml; charset=utf-8"),
        idp_signon=page(PAGES["idp_signon"], 200, 112, 18_902),
        idp_signon_form=True,
        openid=page(PAGES["openid"], 200, 22, 1_737, "application/json"),
    )
    out = ROOT / "adfs.json"
    out.write_text(
        json.dumps({"collected_at": CHECKED.isoformat(), "adfs": to_jsonable(ev)}, indent=2) + "\n",
        encoding="utf-8",
    )
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
