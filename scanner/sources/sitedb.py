"""The site rules' reads on the site database: one SELECT per table, each failing on its own."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from scanner import credentials
from scanner.config import SqlConfig
from scanner.evidence.sql import (
    CollectionData,
    ComponentRow,
    MessageGroup,
    RoleRow,
    SiteEvidence,
    SiteRow,
)
from scanner.facts import connector
from scanner.sources.sql import _Tally, explain, guard

T = TypeVar("T")
SITES = (
    "SELECT SiteCode, SiteName, Type, ReportingSiteCode, ServerName, Status, Version, BuildNumber "
    "FROM CM_EC1.dbo.v_Site"
)
SCP = "SELECT ServerName, SiteCode, NALPath FROM CM_EC1.dbo.v_SystemResourceList WHERE RoleName = ?"
# Base tables, not reporting views: Microsoft's own telemetry procedure reads the mode this way.
MODE = (
    "SELECT p.Value3 FROM CM_EC1.dbo.SC_SysResUse r JOIN CM_EC1.dbo.SC_SysResUse_Property p "
    "ON r.ID = p.SysResUseID WHERE r.RoleTypeID = ? AND p.Name = 'OfflineMode'"
)
COMPONENTS = (
    "SELECT SiteCode, MachineName, ComponentName, Status, State, Errors, Warnings, LastStarted, "
    "LastHeartbeat FROM CM_EC1.dbo.v_ComponentSummarizer WHERE TallyInterval = ? AND ComponentName IN ({})"
)
_INSERTS = ", ".join(f"s.InsString{i}" for i in range(1, 11))
# Grouped on the server: 100,000 messages come back as a few rows. The latest of a group is the one
# with the highest RecordID (record IDs grow with time). The site component manager's install
# failures (1016) count when their first insertion string names a connector component.
MESSAGES = (
    "SELECT g.Component, g.MessageID, g.Severity, g.N, g.FirstTime, g.LastTime, m.MachineName, "
    "m.SiteCode, m.Win32Error{inserts} FROM (SELECT Component, MessageID, Severity, COUNT(*) AS N, "
    "MIN(Time) AS FirstTime, MAX(Time) AS LastTime, MAX(RecordID) AS LastRecord "
    "FROM CM_EC1.dbo.v_StatusMessage WHERE Time >= ? AND Severity IN (?, ?) AND (Component IN ({names})"
    "{installs}) GROUP BY Component, MessageID, Severity) g "
    "JOIN CM_EC1.dbo.v_StatusMessage m ON m.RecordID = g.LastRecord{join}"
)
INSTALLS = (
    " OR (Component = ? AND MessageID = 1016 AND RecordID IN (SELECT RecordID "
    "FROM CM_EC1.dbo.v_StatMsgWithInsStrings WHERE InsString1 IN ({names})))"
)
JOIN_INSERTS = " LEFT JOIN CM_EC1.dbo.v_StatMsgWithInsStrings s ON s.RecordID = g.LastRecord"
COLLECTION = "SELECT CollectionID, Name, CollectionType FROM CM_EC1.dbo.v_Collection WHERE CollectionID = ?"
MEMBERS = (
    "SELECT u.User_Name0, u.Unique_User_Name0, u.User_Principal_Name0 "
    "FROM CM_EC1.dbo.v_FullCollectionMembership m JOIN CM_EC1.dbo.v_R_User u ON u.ResourceID = m.ResourceID "
    "WHERE m.CollectionID = ?"
)
FETCH_ROWS = 20_000
INSERT_CHARS = 300  # of one insertion string kept


class _Reader:
    """Runs each part's SELECT; a part that fails is recorded with the reason, the others still run."""

    def __init__(self, cn: Any, db: str, target: str, timeout: float) -> None:
        self.cn, self.db, self.target, self.timeout = cn, db, target, timeout
        self.errors: dict[str, str] = {}

    def rows(self, statement: str, *params: Any) -> list[Any]:
        cur = self.cn.execute(guard(statement.replace("CM_EC1", self.db)), *params)
        return [r for batch in iter(lambda: cur.fetchmany(FETCH_ROWS), []) for r in batch]

    def part(self, name: str, what: str, read: Callable[[], T], empty: T) -> T:
        import pyodbc

        try:
            return read()
        except pyodbc.Error as exc:
            self.errors[name] = credentials.scrub(self.why(exc, what))  # kept in evidence and reports
            return empty

    def why(self, exc: Any, what: str) -> str:
        state = exc.args[0] if exc.args else ""
        text = " ".join(str(exc.args[-1] if exc.args else exc).split())[:200]
        low = text.lower()
        if state == "42501" or "permission denied" in low or "select permission was denied" in low:
            return f"the account cannot read {what} ({state}: {text})"
        if state in ("42S02", "42P01") or "invalid object name" in low:
            return f"{what} not found in {self.db}: is this a ConfigMgr site database? ({state}: {text})"
        return explain(exc, self.target, self.timeout).replace("dbo.v_R_User", what)


def read_site(cn: Any, db: str, cfg: SqlConfig, target: str, timeout: float) -> SiteEvidence:
    """Every site-rule part over the open, read-only connection."""
    r = _Reader(cn, db, target, timeout)
    since = datetime.now(UTC) - timedelta(days=cfg.status_days)
    collection = _collection(r, cfg) if cfg.intune_collection else None
    return SiteEvidence(
        sites=r.part("sites", "v_Site", lambda: tuple(_site(x) for x in r.rows(SITES)), ()),
        scp=r.part("scp", "v_SystemResourceList", lambda: _scp(r), ()),
        offline_mode=r.part(
            "mode",
            "SC_SysResUse",
            lambda: tuple(_int(x[0]) for x in r.rows(MODE, connector.role_type_id())),
            (),
        ),
        components=r.part("components", "v_ComponentSummarizer", lambda: _components(r), ()),
        messages=r.part("messages", "v_StatusMessage", lambda: _messages(r, since), ()),
        messages_since=since,
        collection=collection,
        errors=r.errors,
    )


def _site(x: Any) -> SiteRow:
    return SiteRow(
        code=str(x[0] or ""),
        name=str(x[1] or ""),
        type=_int(x[2]),
        parent=str(x[3] or "").strip(),
        server=str(x[4] or ""),
        status=_int(x[5]),
        version=str(x[6] or ""),
        build=_int(x[7]),
    )


def _scp(r: _Reader) -> tuple[RoleRow, ...]:
    rows = r.rows(SCP, connector.role())
    return tuple(
        RoleRow(server=str(x[0] or ""), site=str(x[1] or ""), nal_path=str(x[2] or "")) for x in rows
    )


def _components(r: _Reader) -> tuple[ComponentRow, ...]:
    names = connector.components()
    statement = COMPONENTS.format(", ".join("?" * len(names)))
    return tuple(
        ComponentRow(
            site=str(x[0] or ""),
            machine=str(x[1] or ""),
            component=str(x[2] or "").upper(),
            status=_int(x[3]),
            state=_int(x[4]),
            errors=_int(x[5]),
            warnings=_int(x[6]),
            last_started=_utc(x[7]),
            last_heartbeat=_utc(x[8]),
        )
        for x in r.rows(statement, connector.TALLY_SINCE_MIDNIGHT, *names)
    )


def _messages(r: _Reader, since: datetime) -> tuple[MessageGroup, ...]:
    names = connector.components()
    marks = ", ".join("?" * len(names))
    window = (since.replace(tzinfo=None), connector.ERROR, connector.WARNING, *names)
    full = MESSAGES.format(
        inserts=", " + _INSERTS, names=marks, installs=INSTALLS.format(names=marks), join=JOIN_INSERTS
    )
    import pyodbc

    try:
        rows = r.rows(full, *window, connector.INSTALLER, *names)
    except pyodbc.Error as exc:  # insertion strings unreadable: the messages without them
        bare = MESSAGES.format(inserts="", names=marks, installs="", join="")
        rows = r.rows(bare, *window)
        r.errors["inserts"] = credentials.scrub(
            r.why(exc, "v_StatMsgWithInsStrings")
            + "; insertion strings and the install failures (1016) were not read"
        )
    return tuple(sorted((_group(x) for x in rows), key=lambda g: (g.component, g.message_id)))


def _group(x: Any) -> MessageGroup:
    # One line each, bounded: they come from the site's components and end up in every report.
    inserts = [" ".join(str(v).split())[:INSERT_CHARS] if v is not None else "" for v in x[9:19]]
    while inserts and not inserts[-1]:
        inserts.pop()
    return MessageGroup(
        component=str(x[0] or "").upper(),
        message_id=_int(x[1]),
        severity=_int(x[2]),
        count=_int(x[3]),
        first=_utc(x[4]) or datetime.min.replace(tzinfo=UTC),
        last=_utc(x[5]) or datetime.min.replace(tzinfo=UTC),
        machine=str(x[6] or ""),
        site=str(x[7] or ""),
        win32_error=_int(x[8]),
        inserts=tuple(inserts),
    )


def _collection(r: _Reader, cfg: SqlConfig) -> CollectionData:
    cid = cfg.intune_collection.upper()  # the config checked its shape

    def read() -> CollectionData:
        found = r.rows(COLLECTION, cid)
        if not found:
            return CollectionData(id=cid)
        tally = _Tally(limit=cfg.sample_users)
        cur = r.cn.execute(guard(MEMBERS.replace("CM_EC1", r.db)), cid)
        while batch := cur.fetchmany(FETCH_ROWS):  # (User_Name0, Unique_User_Name0, UPN), as the user query's
            tally.add_rows(batch, mapped=False)  # no UPN map: the members are judged, not compared with AD
        return CollectionData(
            id=cid,
            found=True,
            name=str(found[0][1] or ""),
            type=_int(found[0][2]),
            members=tally.users,
            domains=tally.section("domains"),
            issues=tally.section("issues"),
            domains_left_out_users=tally.left_out,
        )

    return r.part("collection", "v_Collection and v_FullCollectionMembership", read, CollectionData(id=cid))


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def _utc(value: Any) -> datetime | None:
    """The site database keeps times in UTC (community scripts label v_StatusMessage.Time so; Microsoft
    does not say)."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    return None
