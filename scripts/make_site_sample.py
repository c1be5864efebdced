"""Write sample_logs/sql.json: the demo's site database as `collect` reads it, one problem per site rule.

Its users are sample_logs/v_R_User.csv, analysed with the documented query's semantics. The site
tables tell the broken logs' story: the service connection point sits on a child primary site in
offline mode, SMS_CLOUD_USERSYNC is stopped after failing to install, user sync reports duplicate
UPNs, and the Intune collection holds users who cannot enroll. Every name is invented.

Run from the repository root: python scripts/make_site_sample.py
"""

from __future__ import annotations

import csv
import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from scanner.codec import to_jsonable
from scanner.evidence.sql import (
    CollectionData,
    ComponentRow,
    MessageGroup,
    RoleRow,
    SiteEvidence,
    SiteRow,
)
from scanner.facts import connector
from scanner.sources.sql import _Tally, from_csv

ROOT = Path(__file__).resolve().parent.parent / "sample_logs"
SERVER = "CM01.corp.contoso.com"
COLLECTED = datetime(2026, 11, 25, 17, 30, tzinfo=UTC)  # after the broken logs' last install attempt
# The Intune collection: twenty users who are fine, and five who are not.
MEMBERS = {f"CONTOSO\\{n}" for n in ("kiosk01", "jsmith", "faye", "flo")} | {"CORP\\annlee", "CORP\\abecole"}


def collection() -> CollectionData:
    tally = _Tally(limit=25)
    with (ROOT / "v_R_User.csv").open(encoding="utf-8-sig", newline="") as fh:
        for i, row in enumerate(csv.DictReader(fh)):
            if i < 20 or row["Unique_User_Name0"] in MEMBERS:
                upn = None if row["User_Principal_Name0"] == "NULL" else row["User_Principal_Name0"]
                tally.add(row["Unique_User_Name0"], "", upn)
    return CollectionData(
        id="EC100012",
        found=True,
        name="Intune Users",
        type=1,
        members=tally.users,
        domains=tally.section("domains"),
        issues=tally.section("issues"),
    )


def components() -> tuple[ComponentRow, ...]:
    midnight = COLLECTED.replace(hour=0, minute=0)
    rows = []
    for name in connector.components():
        broken = name == "SMS_CLOUD_USERSYNC"
        rows.append(
            ComponentRow(
                site="EC1",
                machine=SERVER,
                component=name,
                status=2 if broken else 0,
                state=0 if broken else 1,
                errors=8 if broken else 0,
                last_started=datetime(2026, 11, 24, 10, 58, tzinfo=UTC) if broken else midnight,
                last_heartbeat=datetime(2026, 11, 24, 11, 2, tzinfo=UTC) if broken else COLLECTED,
            )
        )
    return tuple(rows)


def messages() -> tuple[MessageGroup, ...]:
    def at(h: int, m: int) -> datetime:
        return datetime(2026, 11, 25, h, m, tzinfo=UTC)

    install = MessageGroup(
        component=connector.INSTALLER, message_id=1016, severity=connector.ERROR, count=6,
        first=at(11, 4), last=at(16, 4), machine=SERVER, site="EC1", win32_error=1053,
        inserts=("SMS_CLOUD_USERSYNC", SERVER),
    )  # fmt: skip
    duplicates = MessageGroup(
        component="SMS_CLOUD_USERSYNC", message_id=10005, severity=connector.WARNING, count=14,
        first=datetime(2026, 11, 22, 9, 5, tzinfo=UTC), last=at(10, 55), machine=SERVER, site="EC1",
        inserts=("EC100012",),
    )  # fmt: skip
    upload = MessageGroup(
        component="SMS_DMP_UPLOADER", message_id=9605, severity=connector.ERROR, count=3,
        first=at(9, 12), last=at(15, 12), machine=SERVER, site="EC1", win32_error=12029,
    )  # fmt: skip
    return (duplicates, upload, install)


def main() -> None:
    users = from_csv(ROOT / "v_R_User.csv", "CM_EC1", 25)
    site = SiteEvidence(
        sites=(
            SiteRow(
                code="CAS",
                name="Contoso Central",
                type=4,
                server="CM00.corp.contoso.com",
                version="5.00.9128.1000",
                build=9128,
            ),
            SiteRow(
                code="EC1",
                name="Contoso East",
                type=2,
                parent="CAS",
                server=SERVER,
                version="5.00.9128.1000",
                build=9128,
            ),
        ),
        scp=(
            RoleRow(
                server=SERVER,
                site="EC1",
                nal_path='["Display=\\\\CM01.corp.contoso.com\\"]MSWNET:["SMS_SITE=EC1"]',
            ),
        ),
        offline_mode=(1,),
        components=components(),
        messages=messages(),
        messages_since=COLLECTED - timedelta(days=7),
        collection=collection(),
    )
    ev = replace(users, origin="CM_EC1 on tcp:cm01.corp.contoso.com,1433", site=site)
    out = ROOT / "sql.json"
    out.write_text(
        json.dumps(
            {"collected_at": COLLECTED.isoformat(), "sql": to_jsonable(ev)}, indent=2, ensure_ascii=False
        )
        + "\n",
        encoding="utf-8",
    )
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
