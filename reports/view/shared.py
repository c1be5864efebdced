"""Findings shared by many sites: the same unverified domain at twelve sites is one cause, fixed once."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from reports.view.runs import OpenFinding, RunSummary
from scanner.model import Severity

INFO = Severity.INFO.value
NAMES = 10  # sites named per shared finding; the rest are counted


@dataclass(frozen=True, slots=True, kw_only=True)
class Shared:
    check_id: str
    severity: str
    target: str
    message: str  # as one of the sites reported it
    sites: int
    names: tuple[str, ...]  # the first NAMES sites, by name
    more: int  # sites not named


def shared_findings(runs: Sequence[RunSummary], cap: int) -> tuple[tuple[Shared, ...], int]:
    """Open findings (facts aside) at two or more sites, most sites first, then worst; at most `cap`
    of them, and how many there are in all."""
    seen: dict[str, tuple[OpenFinding, list[str]]] = {}
    for run in runs:
        name = run.name
        for f in run.findings:
            if f.severity == INFO:
                continue
            entry = seen.get(f.fingerprint)
            if entry is None:
                seen[f.fingerprint] = (f, [name])
            elif entry[1][-1] != name:  # a site reports a finding once; guard against repeats anyway
                entry[1].append(name)
    many = [(f, names) for f, names in seen.values() if len(names) > 1]
    rank = {s.value: s.rank for s in Severity}
    many.sort(key=lambda e: (-len(e[1]), -rank[e[0].severity], e[0].check_id, e[0].target))
    out = tuple(
        Shared(
            check_id=f.check_id,
            severity=f.severity,
            target=f.target,
            message=f.message,
            sites=len(names),
            names=tuple(sorted(names, key=str.casefold)[:NAMES]),
            more=max(0, len(names) - NAMES),
        )
        for f, names in many[:cap]
    )
    return out, len(many)
