"""Active Directory's evidence: the forest's UPN suffixes, users grouped by problem, sync accounts."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class DirUser:
    name: str  # DOMAIN\sAMAccountName
    upn: str | None
    enabled: bool
    dn: str


@dataclass(frozen=True, slots=True, kw_only=True)
class DirGroup:
    key: str  # an issue code, a UPN domain, or a duplicated UPN (lower case)
    count: int
    enabled: int
    users: tuple[DirUser, ...]  # the first few


@dataclass(frozen=True, slots=True, kw_only=True)
class SyncAccount:
    name: str
    dn: str
    enabled: bool
    last_logon: datetime | None


@dataclass(frozen=True, slots=True, kw_only=True)
class DirectoryEvidence:
    server: str
    base_dn: str
    netbios: str
    upn_suffixes: tuple[str, ...]  # the forest's alternate suffixes (uPNSuffixes)
    domains: tuple[str, ...]  # the forest's domain DNS names: implicit UPN suffixes
    users: int  # in scope: what directory synchronization would export
    enabled: int
    excluded: int  # system and service objects left out, as IdFix does
    with_anchor: int  # in-scope users with mS-DS-ConsistencyGuid set
    issues: tuple[DirGroup, ...] = ()  # "missing" plus scanner.facts.upn classes
    upn_domains: tuple[DirGroup, ...] = ()
    duplicates: tuple[DirGroup, ...] = ()
    collisions: tuple[DirGroup, ...] = ()  # UPNs one after synchronization's normalisation (key)
    upns: dict[str, str] = field(default_factory=dict)  # DOMAIN\sam (lower) -> UPN, for cross-checks
    sync_accounts: tuple[SyncAccount, ...] = ()
    scp_found: bool = False
    scp_keywords: tuple[str, ...] = ()
    sample_users: int = 25
