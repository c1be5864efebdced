"""The site database's evidence: the documented UPN query's suffix table and the users behind each problem."""

from __future__ import annotations

from dataclasses import dataclass, field

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
