"""Write sample_logs/dns.json: the demo's public DNS answers, for the suffixes the demo's users have.

Run from the repository root: python scripts/make_dns_sample.py
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from scanner.codec import to_jsonable
from scanner.evidence.dns import DnsAnswer, DnsEvidence, DnsView

ROOT = Path(__file__).resolve().parent.parent / "sample_logs"
COLLECTED = datetime(2026, 11, 25, 17, 30, tzinfo=UTC)  # when the demo's evidence was collected
SERVER = "127.0.0.53:53"  # a local stub resolver, as on many Linux hosts; the demo queries nothing


def ok(name: str, rtype: str, *records: str, canonical: str = "") -> DnsAnswer:
    return DnsAnswer(
        name=name, rtype=rtype, rcode="NOERROR", records=records, canonical=canonical, server=SERVER
    )


def none(name: str, rtype: str, rcode: str = "NODATA") -> DnsAnswer:
    return DnsAnswer(name=name, rtype=rtype, rcode=rcode, server=SERVER)


ANSWERS = (
    ok("contoso.com", "SOA", "ns1.contoso.com. hostmaster.contoso.com. 2026112601 3600 600 1209600 3600"),
    ok("contoso.com", "TXT", "MS=ms12345678", "v=spf1 include:spf.protection.outlook.com -all"),
    ok("contoso.com", "MX", "0 contoso-com.mail.protection.outlook.com"),
    ok("enterpriseenrollment.contoso.com", "CNAME", "enterpriseenrollment-s.manage.microsoft.com"),
    ok("enterpriseregistration.contoso.com", "CNAME", "enterpriseregistration.windows.net"),
    ok("eu.contoso.com", "SOA", "ns1.contoso.com. hostmaster.contoso.com. 2026112601 3600 600 1209600 3600"),
    none("eu.contoso.com", "TXT"),
    none("eu.contoso.com", "MX"),
    ok("enterpriseenrollment.eu.contoso.com", "CNAME", "enroll.example.net"),
    ok("enterpriseregistration.eu.contoso.com", "CNAME", "enterpriseregistration.windows.net"),
    ok("fabrikam.com", "SOA", "ns1.fabrikam.com. hostmaster.fabrikam.com. 2026110101 3600 600 1209600 3600"),
    ok("fabrikam.com", "TXT", "v=spf1 -all"),
    ok("fabrikam.com", "MX", "10 mail.fabrikam.com"),
    ok("enterpriseenrollment.fabrikam.com", "CNAME", "manage.microsoft.com"),
    none("enterpriseregistration.fabrikam.com", "CNAME", "NXDOMAIN"),
    ok("sts.contoso.com", "A", "127.0.0.1"),  # the demo's AD FS; loopback: sample data names no real host
    none("sts.contoso.com", "CNAME"),
)


def main() -> None:
    ev = DnsEvidence(
        domains={
            "contoso.com": "verified in the tenant",
            "eu.contoso.com": "the UPN suffix of 2 users in the site database",
            "fabrikam.com": "the UPN suffix of 4 users in the site database",
        },
        adfs_host="sts.contoso.com",
        primary=DnsView(nameservers=("127.0.0.53",), port=53, answers=ANSWERS),
    )
    (ROOT / "dns.json").write_text(
        json.dumps({"collected_at": COLLECTED.isoformat(), "dns": to_jsonable(ev)}, indent=2) + "\n",
        encoding="utf-8",
    )
    print(f"wrote {ROOT / 'dns.json'}")


if __name__ == "__main__":
    main()
