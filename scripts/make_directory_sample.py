"""Write sample_logs/directory.json: the demo forest's Active Directory evidence, consistent with
v_R_User.csv (a few UPNs changed since ConfigMgr's last discovery, so the cross-check has work).

Run from the repository root: python scripts/make_directory_sample.py
"""

from __future__ import annotations

import csv
import json
from datetime import UTC, datetime
from pathlib import Path

from scanner.codec import to_jsonable
from scanner.evidence.directory import SyncAccount
from scanner.sources.directory import _UserTally

ROOT = Path(__file__).resolve().parent.parent / "sample_logs"
COLLECTED = datetime(2026, 11, 25, 17, 30, tzinfo=UTC)  # when the demo's evidence was collected
BASE = "DC=contoso,DC=com"
CHANGED = {"ann0": "ann.berg@contoso.com", "jsmith": "jsmith@contoso.com", "kiosk01": "kiosk01@contoso.com"}


def entry(
    sam: str,
    upn: str | None,
    *,
    enabled: bool = True,
    anchor: bool = True,
    critical: bool = False,
    ou: str = "OU=Staff",
) -> dict[str, object]:
    attrs: dict[str, object] = {
        "sAMAccountName": sam,
        "userAccountControl": 512 if enabled else 514,
        "isCriticalSystemObject": critical,
    }
    if upn is not None:
        attrs["userPrincipalName"] = upn
    if anchor:
        attrs["mS-DS-ConsistencyGuid"] = b"\x01" * 16
    return {"dn": f"CN={sam},{ou},{BASE}", "attributes": attrs}


def main() -> None:
    tally = _UserTally(limit=25, netbios="CONTOSO")
    with (ROOT / "v_R_User.csv").open(encoding="utf-8-sig", newline="") as fh:
        for i, row in enumerate(csv.DictReader(fh)):
            sam, value = row["User_Name0"], row["User_Principal_Name0"]
            value = CHANGED.get(sam, None if value in ("NULL", "") else value)
            tally.add(entry(sam, value, enabled=i % 9 != 4, anchor=i % 5 != 0))
    tally.add(entry("flo2", "Flo@fabrikam.com"))  # a second object claiming flo's UPN
    for sam in ("krbtgt", "Guest", "HealthMailbox0a1b2c", "SQL01$"):
        tally.add(entry(sam, None, enabled=sam != "Guest", ou="CN=Users"))
    tally.add(entry("Administrator", "administrator@contoso.com", critical=True, ou="CN=Users"))
    msol = SyncAccount(
        name="CONTOSO\\MSOL_4f1c2a9b7e30",
        dn=f"CN=MSOL_4f1c2a9b7e30,CN=Users,{BASE}",
        enabled=True,
        last_logon=datetime(2026, 9, 30, 22, 14, tzinfo=UTC),
    )
    ev = tally.evidence(
        server="dc01.contoso.com",
        base_dn=BASE,
        upn_suffixes=("contoso.com", "corp.contoso.local", "fabrikam.com"),
        domains=("contoso.com",),
        scp_found=True,
        sync_accounts=(msol,),
        scp_keywords=("azureADName:fabrikam.com", "azureADId:72f988bf-86f1-41af-91ab-2d7cd011db47"),
    )
    text = (
        json.dumps(
            {"collected_at": COLLECTED.isoformat(), "directory": to_jsonable(ev)},
            indent=2,
            ensure_ascii=False,
        )
        + "\n"
    )
    (ROOT / "directory.json").write_text(text, encoding="utf-8")
    print(f"wrote {ROOT / 'directory.json'}: {tally.users} users, {tally.excluded} left out")


if __name__ == "__main__":
    main()
