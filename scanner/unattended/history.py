"""Run history: each run's result.json kept under a timestamped name, the newest N retained."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC
from pathlib import Path

from reports.view.runs import RunPoint, point, summarise, trend_of
from scanner.files import write_atomic
from scanner.model import ScanResult, Trend
from scanner.store import StoreError, dump_result, load_result

# No colons: the names must be valid on Windows. Sorted by the parsed key, not the text.
_NAME = re.compile(r"^result-(\d{8}T\d{6}Z)(?:-(\d+))?\.json$")
LOCK_NAME = ".mdm-preflight.lock"


@dataclass(frozen=True, slots=True)
class Previous:
    result: ScanResult | None
    path: Path | None
    problem: str = ""  # why a previous result exists but cannot be compared with


def runs(folder: Path) -> list[Path]:
    """The kept results, oldest first."""
    if not folder.is_dir():
        return []
    found = [(m, p) for p in folder.iterdir() if (m := _NAME.match(p.name)) and p.is_file()]
    return [p for m, p in sorted(found, key=lambda mp: (mp[0].group(1), int(mp[0].group(2) or 1)))]


def previous(folder: Path) -> Previous:
    kept = runs(folder)
    if not kept:
        return Previous(None, None)
    try:
        return Previous(load_result(kept[-1]), kept[-1])
    except StoreError as exc:
        return Previous(None, kept[-1], str(exc))


def save(folder: Path, result: ScanResult, keep: int) -> tuple[Path, list[Path]]:
    """Write this run's result, then delete all but the newest `keep`; returns (saved, deleted)."""
    stamp = result.started.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    path = folder / f"result-{stamp}.json"
    n = 1
    while path.exists():
        n += 1
        path = folder / f"result-{stamp}-{n}.json"
    write_atomic(path, dump_result(result))
    kept = runs(folder)
    doomed = kept[: max(0, len(kept) - keep)]
    for old in doomed:
        old.unlink(missing_ok=True)
    return path, doomed


def trend(folder: Path, result: ScanResult) -> tuple[Trend, list[str]]:
    """This run's trend over the results kept in `folder` (another site's results there are left out);
    a kept file that cannot be read is left out too, and named in the returned problems."""
    points: list[RunPoint] = []
    problems = []
    for path in runs(folder):
        try:
            old = load_result(path)
        except StoreError as exc:
            problems.append(str(exc))
            continue
        if (old.company, old.site_code) == (result.company, result.site_code):
            points.append(point(summarise(old)))
    return trend_of(summarise(result), points), problems
