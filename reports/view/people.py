"""users.csv's rows: each user the scan found a problem for, once, the site database and the directory joined.

A user is matched across sources by account name (DOMAIN\\sAMAccountName, which v_R_User's
Unique_User_Name0 holds too); a user known only by a UPN (a failed sync in Cloudusersync.log), or whose
account names differ (another NetBIOS name), is matched by a UPN that names exactly one user in each.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from reports.view.accounts import Account, accounts, seen_in
from reports.view.fill import fill
from scanner.model import Finding, ScanResult, Severity


@dataclass(slots=True, kw_only=True)
class Person:
    name: str = ""
    upn: str | None = None
    dn: str = ""
    disabled: bool = False
    seen: dict[str, None] = field(default_factory=dict)  # sources, in the order met
    # fingerprint -> (finding, its check's title, the fix filled for it)
    problems: dict[str, tuple[Finding, str, str]] = field(default_factory=dict)

    @property
    def severity(self) -> Severity:
        return max((f.severity for f, _, _ in self.problems.values()), key=lambda s: s.rank)

    @property
    def suffix(self) -> str:
        upn = (self.upn or "").strip()
        return upn.rpartition("@")[2] if "@" in upn else ""


def people(result: ScanResult) -> list[Person]:
    """Worst first, then by name; accepted findings and facts are not problems."""
    by_key: dict[str, Person] = {}
    for r in result.results:
        where = seen_in(r)
        for f in r.open_findings:
            if not f.is_problem:
                continue
            named = accounts(f)
            if not named:
                continue
            fixed = fill(r.check.remediation, f)
            for acc in named:
                _add(by_key.setdefault(acc.key, Person()), acc, where, f, (f, r.check.title, fixed))
    merged = _join(list(by_key.values()))
    merged.sort(key=lambda p: (-p.severity.rank, (p.name or p.upn or p.dn).casefold()))
    return merged


def _add(p: Person, acc: Account, where: tuple[str, ...], f: Finding, item: tuple[Finding, str, str]) -> None:
    p.name = p.name or acc.name
    p.upn = p.upn if p.upn is not None else acc.upn
    p.dn = p.dn or acc.dn
    p.disabled = p.disabled or acc.enabled is False
    p.seen.update(dict.fromkeys(where))
    p.problems.setdefault(f.fingerprint, item)


def _join(found: list[Person]) -> list[Person]:
    """Fold the records of one UPN into one user when each comes from another source; records of one
    source sharing a UPN are different users (a duplicate to fix) and stay apart."""
    by_upn: dict[str, list[Person]] = {}
    for p in found:
        if p.upn and "@" in p.upn and not p.dn:
            by_upn.setdefault(p.upn.strip().casefold(), []).append(p)
    gone: set[int] = set()
    for same in by_upn.values():
        sources = [s for p in same for s in p.seen]
        if len(same) < 2 or len(sources) != len(set(sources)):
            continue
        # The directory's account name (the forest's DOMAIN\sam) first, then any name.
        keep = min(same, key=lambda p: ("Active Directory" not in p.seen, not p.name))
        for other in same:
            if other is keep:
                continue
            keep.seen.update(other.seen)
            keep.disabled = keep.disabled or other.disabled
            for fp, item in other.problems.items():
                keep.problems.setdefault(fp, item)
            gone.add(id(other))
    return [p for p in found if id(p) not in gone]
