"""The site database's evidence: UPN suffixes, the users behind each problem, the site rules' tables."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

MAX_GROUPS = 10_000  # suffix groups kept (the largest from SQL, the first from a CSV); beyond, only counted


@dataclass(frozen=True, slots=True, kw_only=True)
class SuffixCount:
    suffix: str | None  # as the documented query returns it: quirks kept, NULL as None
    count: int


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


@dataclass(frozen=True, slots=True, kw_only=True)
class SqlEvidence:
    origin: str  # "CM_EC1 on tcp:cm01,1433" or the CSV file
    database: str
    query: str  # the documented query exactly as it ran (or was emulated for a CSV)
    inventory: tuple[SuffixCount, ...]
    users: int  # rows in v_R_User
    domains: tuple[UserGroup, ...] = ()
    issues: tuple[UserGroup, ...] = ()  # "missing" plus the malformation classes
    sample_users: int = 25
    upns: dict[str, str | None] = field(default_factory=dict)  # Unique_User_Name0 (lower) -> UPN
    upns_complete: bool = True  # False when more users than MAP_USERS were discovered
    inventory_left_out: int = 0  # suffix groups beyond MAX_GROUPS: counted (CSV: up to COUNT_GROUPS)
    inventory_left_out_users: int = 0  # the users in them
    inventory_left_out_exact: bool = True  # False: a CSV named more than COUNT_GROUPS of them
    domains_left_out_users: int = 0  # users whose domain group was beyond MAX_GROUPS
    # UPNs that differ only in what synchronization normalises, keyed by the normalised UPN (among
    # the users in `upns`: all of them unless upns_complete is False)
    collisions: tuple[UserGroup, ...] = ()
    site: SiteEvidence | None = None  # the site rules' tables; None from a CSV export

    def unreadable(self) -> list[str]:
        """Site-rule tables that could not be read: the source was read in part."""
        return [f"{self.origin}: {why}" for why in (self.site.errors.values() if self.site else ())]

    def truncated(self) -> list[str]:
        """What was counted but not kept, so memory stays bounded: the report says so."""
        out = []
        if self.inventory_left_out:
            least = "" if self.inventory_left_out_exact else "at least "
            out.append(
                f"{self.origin}: {least}{len(self.inventory) + self.inventory_left_out:,} UPN suffix groups; "
                f"{least}{self.inventory_left_out:,} of them ({self.inventory_left_out_users:,} users) are "
                f"counted but not listed (at most {MAX_GROUPS:,} are kept)"
            )
        if self.domains_left_out_users:
            out.append(
                f"{self.origin}: {self.domains_left_out_users:,} users have UPN domains beyond the "
                f"{MAX_GROUPS:,} kept; the upn checks did not judge those domains"
            )
        return out
