"""Site-rule rows for the lab's site database: a healthy hierarchy, and one with a problem per rule."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from scanner.facts import connector

TALLY = connector.TALLY_SINCE_MIDNIGHT
OTHER_TALLY = "000A470000284400"  # another interval: must be ignored
ERR, WARN, INFO = -1073741824, -2147483648, 1073741824
SCP_SERVER = "CM01.corp.contoso.com"
Rows = dict[str, list[tuple[Any, ...]]]


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None, microsecond=0)


def healthy(collection_users: list[int] | None = None) -> Rows:
    """A central administration site with the service connection point, online, every component OK,
    no error or warning messages, and the Intune collection EC100012 holding the given resource IDs."""
    now = _now()
    return {
        "v_site": [
            ("CAS", "Contoso Central", 4, "", "CM00.corp.contoso.com", 1, "5.00.9128.1000", 9128),
            ("EC1", "Contoso East", 2, "CAS", SCP_SERVER, 1, "5.00.9128.1000", 9128),
        ],
        "v_systemresourcelist": [
            (
                "CM00.corp.contoso.com",
                "CAS",
                "SMS Dmp Connector",
                '["Display=\\\\CM00"]MSWNET:["SMS_SITE=CAS"]',
            ),
            (
                "CM00.corp.contoso.com",
                "CAS",
                "SMS Site Server",
                '["Display=\\\\CM00"]MSWNET:["SMS_SITE=CAS"]',
            ),
        ],
        "sc_sysresuse": [(1, "CM00", 23, 1)],
        "sc_sysresuse_property": [(1, "OfflineMode", None, None, 0)],
        "v_componentsummarizer": [
            (
                "CAS",
                "CM00.corp.contoso.com",
                c,
                TALLY,
                0,
                1,
                0,
                0,
                0,
                0,
                10,
                now - timedelta(hours=5),
                now,
                now,
            )
            for c in connector.components()
        ],
        "v_statusmessage": [
            (
                1,
                "SMS Server",
                11410,
                INFO,
                256,
                "SMS_SERVICE_CONNECTOR",
                "CM00",
                now - timedelta(hours=1),
                "CAS",
            ),
        ],
        "v_collection": [("EC100012", "Intune Users", 1, len(collection_users or []), "SMS00002")],
        "v_fullcollectionmembership": [("EC100012", rid) for rid in collection_users or []],
    }


def broken(resource_ids: dict[str, int]) -> Rows:
    """One problem per rule, each next to a trap that must stay quiet.

    resource_ids: UPN (or 'NULL:<name>') -> the lab's ResourceID, for the collection's members."""
    now = _now()
    rows = healthy()
    rows["v_site"] += [
        ("EC2", "Contoso West", 2, "CAS", "CM02.corp.contoso.com", 1, "5.00.9128.1000", 9128),
        ("SA1", "Standalone", 2, None, "CM09.corp.contoso.com", 1, "5.00.9128.1000", 9128),  # NULL parent
        ("SE1", "Branch", 1, "EC1", "CM05.corp.contoso.com", 1, "5.00.9128.1000", 9128),
    ]
    # The role on a child primary; the CAS holds no SCP here.
    rows["v_systemresourcelist"] = [
        (SCP_SERVER, "EC1", "SMS Dmp Connector", '["Display=\\\\CM01"]MSWNET:["SMS_SITE=EC1"]'),
        ("CM09.corp.contoso.com", "SA1", "SMS Management Point", ""),
    ]
    rows["sc_sysresuse"] = [(1, "CM01", 23, 2), (2, "CM01", 6, 2)]
    rows["sc_sysresuse_property"] = [(1, "OfflineMode", None, None, 1), (2, "OfflineMode", None, None, 0)]
    comp = []
    for c in connector.components():
        status, state = (2, 1) if c == "SMS_DMP_DOWNLOADER" else (0, 1)
        errors = 14 if status == 2 else 0
        started, beat = now - timedelta(hours=30), now - timedelta(hours=2)
        comp.append(("EC1", SCP_SERVER, c, TALLY, status, state, 0, 0, errors, 0, 3, started, now, beat))
        comp.append(("EC1", SCP_SERVER, c, OTHER_TALLY, 2, 0, 0, 0, 99, 9, 9, None, None, None))  # ignored
    comp.append(
        ("CAS", "CM00.corp.contoso.com", "SMS_CLOUD_USERSYNC", TALLY, 2, 0, 0, 0, 5, 0, 0, None, None, None)
    )
    rows["v_componentsummarizer"] = comp
    msgs: list[tuple[Any, ...]] = []
    ins: list[tuple[Any, ...]] = []

    def msg(mid: int, sev: int, component: str, ago: timedelta, *strings: str, win32: int = 0) -> None:
        rid = len(msgs) + 1
        when = now - ago
        msgs.append((rid, "SMS Server", mid, sev, 256, component, SCP_SERVER, when, "EC1", "CAS", win32))
        ins.append((rid, mid, sev, component, SCP_SERVER, when, *strings, *([None] * (10 - len(strings)))))

    for h in (50, 26, 3):  # duplicate UPNs in the cloud collection, three times inside the window
        msg(10005, WARN, "SMS_CLOUD_USERSYNC", timedelta(hours=h), "EC100012", f"ann.lee@contoso.com ({h})",
            "<script>alert(1)</script>\r\nsecond line")  # fmt: skip
    msg(10002, ERR, "SMS_CLOUD_USERSYNC", timedelta(hours=5))  # user sync failing: high
    msg(9605, ERR, "SMS_DMP_UPLOADER", timedelta(hours=4), win32=5)
    msg(9999, ERR, "SMS_DMP_UPLOADER", timedelta(hours=6))  # an ID the table does not know
    msg(11410, INFO, "SMS_SERVICE_CONNECTOR", timedelta(hours=1))  # informational: ignored
    msg(10004, ERR, "SMS_CLOUD_USERSYNC", timedelta(days=10))  # outside the 7-day window
    msg(5436, ERR, "SMS_MP_CONTROL_MANAGER", timedelta(hours=2))  # not a connector component
    msg(1016, ERR, connector.INSTALLER, timedelta(hours=7), "SMS_OUTGOING_CONTENT_MANAGER", SCP_SERVER)
    msg(
        1016, ERR, connector.INSTALLER, timedelta(hours=8), "SMS_WSUS_CONTROL_MANAGER", SCP_SERVER
    )  # not ours
    rows["v_statusmessage"], rows["v_statmsgwithinsstrings"] = msgs, ins
    rows["v_collection"] = [
        ("EC100012", "Intune Users", 1, len(resource_ids), "SMS00002"),
        ("SMS00001", "All Systems", 2, 0, ""),
        ("EC100013", "Nobody", 1, 0, "SMS00002"),
    ]
    rows["v_fullcollectionmembership"] = [("EC100012", rid) for rid in resource_ids.values()]
    return rows
