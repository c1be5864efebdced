"""The printed document: each check's first few rows in the body, its long lists in appendices at the end."""

from __future__ import annotations

from dataclasses import dataclass, replace

from reports.view.sections import CAP, CheckView, EvidenceItem, FindingRow, Section

BODY_ROWS = 3  # findings (or table rows) of one check printed in the body
BODY_ITEMS = 3  # items of one evidence list printed in the body
# A list is shortened only when at least this many items would move: "1 more in Appendix C" costs the
# reader a page turn for what one more line would have shown.
MOVED_AT_LEAST = 3
# Findings of one check printed in its appendix: together with the body, the rows report.html shows.
# 20,000 findings would be hundreds of pages nobody reads on paper; the rest are counted there, and
# every one is in findings.csv.
APPENDIX_ROWS = CAP - BODY_ROWS


@dataclass(frozen=True, slots=True, kw_only=True)
class Appendix:
    letter: str  # A, B, …, Z, AA, …
    anchor: str
    check: CheckView  # the rows the body left out (and, in full, the lists it shortened)
    total: int  # findings (or rows) the check has
    shown: int  # of them, printed in the body
    lists: bool  # some evidence list printed in the body is shortened: here in full


def letter(i: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA: spreadsheet-style, so a catalog of plugins never runs out."""
    out = ""
    i += 1
    while i:
        i, rem = divmod(i - 1, 26)
        out = chr(ord("A") + rem) + out
    return out


def split(sections: tuple[Section, ...]) -> tuple[tuple[Section, ...], tuple[Appendix, ...]]:
    """The sections as the printed body shows them, and the appendices holding what it left out. The
    checks must have been built with at least BODY_ROWS + APPENDIX_ROWS rows each."""
    appendices: list[Appendix] = []
    body = []
    for s in sections:
        problems = []
        for c in s.problems:
            total = len(c.findings) + c.hidden
            cut = BODY_ROWS if total >= BODY_ROWS + MOVED_AT_LEAST else total
            shortened = [r for i, r in enumerate(c.findings) if i >= cut or _long(r)]
            if not shortened:
                problems.append(c)
                continue
            name = letter(len(appendices))
            anchor = f"appendix-{name.lower()}"
            shown = tuple(_short(r, name) for r in c.findings[:cut])
            appendices.append(
                Appendix(
                    letter=name,
                    anchor=anchor,
                    check=replace(c, findings=tuple(shortened)),
                    total=total,
                    shown=len(shown),
                    lists=any(_long(r) for r in shown),
                )
            )
            problems.append(
                replace(c, findings=shown, hidden=total - len(shown), appendix=name, unprinted=c.hidden)
            )
        body.append(replace(s, problems=tuple(problems)))
    return tuple(body), tuple(appendices)


def _long(row: FindingRow) -> bool:
    return any(d.items >= BODY_ITEMS + MOVED_AT_LEAST for d in row.details if d.values)


def _short(row: FindingRow, name: str) -> FindingRow:
    if not _long(row):
        return row
    return replace(row, details=tuple(_first(d, name) for d in row.details))


def _first(d: EvidenceItem, name: str) -> EvidenceItem:
    if not d.values or d.items < BODY_ITEMS + MOVED_AT_LEAST:
        return d
    return replace(d, values=d.values[:BODY_ITEMS], hidden=d.items - BODY_ITEMS, appendix=name)
