"""The sql source's evidence types beyond the documented query: users, and the site rules' tables."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class UserRef:
    name: str  # DOMAIN\user when known, else the account name
    upn: str | None


@dataclass(frozen=True, slots=True, kw_only=True)
class UserGroup:
    key: str  # a domain (after the last @, lower case) or an issue code from scanner.facts.upn
    count: int
    users: tuple[UserRef, ...]  # the first few, sorted by name


@dataclass(frozen=True, slots=True, kw_only=True)
class SiteRow:
    """One row of v_Site."""

    code: str
    name: str = ""
    type: int  # 1 secondary, 2 primary, 4 central administration site
    parent: str = ""  # ReportingSiteCode; NULL and '' both mean none
    server: str = ""
    status: int = 1  # 1 active
    version: str = ""
    build: int = 0


@dataclass(frozen=True, slots=True, kw_only=True)
class RoleRow:
    """A v_SystemResourceList row of the service connection point's role."""

    server: str
    site: str
    nal_path: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class ComponentRow:
    """A v_ComponentSummarizer row, for the interval the console shows by default (since midnight)."""

    site: str
    machine: str
    component: str
    status: int  # 0 OK, 1 warning, 2 critical
    state: int  # 0 stopped, 1 started, 2 paused, 3 installing, 4 re-installing, 5 de-installing
    errors: int = 0
    warnings: int = 0
    last_started: datetime | None = None  # as the site database stores them
    last_heartbeat: datetime | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class MessageGroup:
    """Status messages of one component, ID and severity within the window, with the latest's details."""

    component: str
    message_id: int
    severity: int  # v_StatusMessage.Severity: -1073741824 error, -2147483648 warning
    count: int
    first: datetime  # UTC
    last: datetime  # UTC
    machine: str = ""  # of the latest
    site: str = ""
    win32_error: int = 0
    inserts: tuple[str, ...] = ()  # InsString1..10 of the latest, trailing empty ones dropped


@dataclass(frozen=True, slots=True, kw_only=True)
class CollectionData:
    """The Intune subscription's user collection and its members, grouped by the one UPN rule."""

    id: str
    found: bool = False
    name: str = ""
    type: int = 0  # 1 user, 2 device
    members: int = 0  # users among its members (v_R_User rows)
    domains: tuple[UserGroup, ...] = ()
    issues: tuple[UserGroup, ...] = ()
    domains_left_out_users: int = 0


@dataclass(frozen=True, slots=True, kw_only=True)
class SiteEvidence:
    """Each part was read with its own SELECT; a part that could not be read says why in `errors`."""

    sites: tuple[SiteRow, ...] = ()
    scp: tuple[RoleRow, ...] = ()
    offline_mode: tuple[int, ...] = ()  # OfflineMode values of the role; none stored means online
    components: tuple[ComponentRow, ...] = ()
    messages: tuple[MessageGroup, ...] = ()
    messages_since: datetime | None = None  # UTC: the window's start
    collection: CollectionData | None = None  # None: no [sql] intune_collection given
    errors: dict[str, str] = field(default_factory=dict)  # part -> why it was not read
