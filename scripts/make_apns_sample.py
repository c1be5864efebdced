"""Write sample_logs/apns.json: the demo's Apple push certificate, read 12 days before it expires.

The demo measures from when the file was read ([checks."ios.apns_certificate"] relative_to = "read"),
so it shows the same finding on any day.

Run from the repository root: python scripts/make_apns_sample.py
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path

from scanner.codec import to_jsonable
from scanner.evidence.apns import ApnsEvidence
from scanner.evidence.certs import CertInfo

ROOT = Path(__file__).resolve().parent.parent / "sample_logs"
UUID = "5f0c3a7e-2b1d-4c8e-9a6f-0d1e2f3a4b5c"  # invented
TOPIC = f"com.apple.mgmt.External.{UUID}"
ISSUER = (
    "CN=Apple Application Integration 2 Certification Authority,OU=Apple Certification Authority,"
    "O=Apple Inc.,C=US"
)


def main() -> None:
    subject = f"UID={TOPIC},CN=APSP:{UUID},C=US"
    digest = hashlib.sha256(subject.encode()).hexdigest().upper()
    cert = CertInfo(
        subject=subject,
        issuer=ISSUER,
        not_before=datetime(2025, 12, 8, 9, 14, 2, tzinfo=UTC),
        not_after=datetime(2026, 12, 8, 9, 14, 2, tzinfo=UTC),
        serial=digest[:16],
        thumbprint=digest[:40],
        sha256=digest,
    )
    ev = ApnsEvidence(
        file="\\\\cm01\\Certificates\\MDM_Contoso_APNs.pem",
        read_at=datetime(2026, 11, 26, 8, 0, tzinfo=UTC),
        format="pem",
        certificate=cert,
        topic=TOPIC,
        apple_id="",
        issuer_organization="Apple Inc.",
    )
    out = ROOT / "apns.json"
    out.write_text(
        json.dumps({"collected_at": ev.read_at.isoformat(), "apns": to_jsonable(ev)}, indent=2) + "\n",
        encoding="utf-8",
    )
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
