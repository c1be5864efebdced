"""users.csv: one row per user the scan found a problem for, with every problem and its fix (IdFix-style).

The users are those the findings name: a check lists up to [sql] / [directory] sample_users users per
problem (0 lists them all), so a capped list leaves the rest counted in findings.csv, not named here.
"""

from __future__ import annotations

from reports.csvfmt import table
from reports.view.people import Person, people
from scanner.model import ScanResult

COLUMNS = (
    "user",
    "upn",
    "upn_suffix",
    "seen_in",
    "disabled",
    "severity",
    "problems",
    "fix",
    "checks",
    "fingerprints",
    "owner",
    "due_date",
    "status",
)


def render_users(result: ScanResult) -> str:
    """UTF-8 with a BOM and CRLF, formulas neutralised, like findings.csv."""
    return table(COLUMNS, ((*_row(p), "", "", "") for p in people(result)))


def _row(p: Person) -> tuple[str, ...]:
    items = sorted(p.problems.values(), key=lambda it: (-it[0].severity.rank, it[0].check_id))
    fixes = list(dict.fromkeys(fix for _, _, fix in items if fix))
    return (
        p.name or p.dn,
        "" if p.upn is None else p.upn,
        p.suffix,
        "; ".join(p.seen),
        "yes" if p.disabled else "",
        p.severity.value,
        "\n".join(f"{f.check_id} ({f.target}): {title}" for f, title, _ in items),
        "\n".join(fixes if len(fixes) == 1 else (f"{i}. {x}" for i, x in enumerate(fixes, 1))),
        "; ".join(dict.fromkeys(f.check_id for f, _, _ in items)),
        "; ".join(f.fingerprint for f, _, _ in items),
    )
