"""Saved results across folders (a share of sites): found, read one at a time, newest per site kept.

Each file is read, summarised and let go, so a thousand sites or a year of history fit in memory;
a file that cannot be used is one line and the others are read."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from reports.view.fleet import SiteInput
from reports.view.runs import TREND_RUNS, RunPoint, RunSummary, point, summarise, trend_of
from scanner import __version__
from scanner.model import Trend
from scanner.store import StoreError, load_result

# What `scan -o` writes (result.json) and what --history keeps (result-20261125T180000Z.json).
_RESULT = re.compile(r"^result(-\d{8}T\d{6}Z(-\d+)?)?\.json$", re.IGNORECASE)


@dataclass(slots=True)
class _Site:
    current: RunSummary
    source: Path
    earlier: dict[object, RunPoint] = field(
        default_factory=dict
    )  # by start time: a run found twice counts once


@dataclass(frozen=True, slots=True, kw_only=True)
class Found:
    sites: tuple[SiteInput, ...]
    problems: tuple[str, ...]  # files that could not be used, one line each
    notes: tuple[str, ...]  # facts worth a line: results from other tool versions
    read: int  # result files read


def result_files(paths: Iterable[Path]) -> tuple[list[Path], list[str]]:
    """Files as given, and the result files under folders (recursively, in name order)."""
    files, problems = [], []
    for p in paths:
        if p.is_dir():
            files += sorted(f for f in _walk(p) if _RESULT.match(f.name))
        elif p.is_file():
            files.append(p)
        else:
            problems.append(f"{p}: no such file or folder; skipped")
    return files, problems


def _walk(folder: Path) -> Iterator[Path]:
    # os.walk, not rglob: a folder that cannot be listed (a share's permissions) is passed over.
    for root, _, names in os.walk(folder):
        for name in names:
            yield Path(root, name)


def gather(paths: Iterable[Path], history: Iterable[Path], outdir: Path, runs: int = TREND_RUNS) -> Found:
    """The newest result of each site in `paths`; runs of those sites in `history` (and the older ones
    in `paths`) make their trend. `outdir` is where the fleet report goes: links are made relative to it."""
    files, problems = result_files(paths)
    kept, more = result_files(history)
    problems += more
    sites: dict[tuple[str, str], _Site] = {}
    versions: dict[str, int] = {}
    for path, run in _read(files, problems):
        versions[run.tool_version] = versions.get(run.tool_version, 0) + 1
        key = _key(run, path)
        site = sites.get(key)
        if site is None:
            sites[key] = _Site(current=run, source=path)
        elif run.started > site.current.started:
            site.earlier[site.current.started] = point(site.current)
            site.current, site.source = run, path
        elif run.started < site.current.started:
            site.earlier[run.started] = point(run)
        elif (
            path.name.lower() == "result.json"
        ):  # the same run kept in --history too: name the one with a report
            site.source = path
    for _, run in _read(kept, problems):
        if (site := sites.get(_key(run, path))) is not None and run.started < site.current.started:
            site.earlier.setdefault(run.started, point(run))
    notes = tuple(
        f"{n:,} result{'s' * (n != 1)} written by mdm-preflight {v} (this is {__version__}): read"
        for v, n in sorted(versions.items())
        if v != __version__
    )
    out = tuple(
        SiteInput(
            run=s.current,
            source=str(s.source),
            report=_report_link(s.source, outdir),
            trend=_trend(s, runs),
        )
        for s in sites.values()
    )
    return Found(sites=out, problems=tuple(problems), notes=notes, read=len(files) + len(kept))


def _key(run: RunSummary, path: Path) -> tuple[str, str]:
    """A site is its company and site code; a result with neither is a site of its own folder."""
    return run.key if any(run.key) else ("", str(path.parent).casefold())


def _read(files: list[Path], problems: list[str]) -> Iterator[tuple[Path, RunSummary]]:
    for path in files:
        try:
            yield path, summarise(load_result(path))
        except StoreError as exc:
            problems.append(f"{exc}; skipped")


def _trend(site: _Site, runs: int) -> Trend | None:
    if site.earlier:
        return trend_of(site.current, site.earlier.values(), runs)
    kept = site.current.trend  # the site's own scan --history, carried in its result
    if kept is not None and runs > 0:
        return Trend(runs=kept.runs[-runs:], first_seen=kept.first_seen)
    return kept


def _report_link(result: Path, outdir: Path) -> str:
    """report.html beside a result.json (what `scan -o` writes together), as a link from the fleet
    report; a history file's neighbour is another run's report, so it gets none."""
    report = result.with_name("report.html")
    if result.name.lower() != "result.json" or not report.is_file():
        return ""
    try:
        rel = os.path.relpath(report.resolve(), outdir.resolve())
    except ValueError:  # another drive on Windows: no relative path, a file URI
        return report.resolve().as_uri()
    return quote(Path(rel).as_posix())
