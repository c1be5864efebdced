"""The logs source: reads ConfigMgr logs once and keeps the facts the checks judge."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from scanner.evidence.logs import LogFile, LogRecord, LogSet, LogsEvidence
from scanner.sources.logfacts import SiteCompReader, UserSyncReader
from scanner.sources.logfiles import LogicalLog, resolve
from scanner.sources.parse.cmlog import (
    ERROR,
    SEVERITY_NAMES,
    WARNING,
    Entry,
    FileStats,
    entry_time,
    parse_log,
)

KEEP_PROBLEMS = 5000  # most recent error/warning entries kept per log


@dataclass(frozen=True, slots=True, kw_only=True)
class TimeRule:
    convention: str = "bias"  # bias: UTC = local + n (ConfigMgr); offset: UTC = local - n
    missing_bias: int = 0  # minutes, for times written without a zone part

    def utc(self, e: Entry) -> datetime | None:
        sign = 1 if self.convention == "bias" else -1
        return entry_time(e, bias_sign=sign, missing_bias=self.missing_bias)


def collect_logs(
    paths: tuple[str, ...] | list[str], rule: TimeRule, base: Path | None = None
) -> LogsEvidence:
    found = resolve(paths, base)
    sets, problems = [], []
    for log in found.logs:
        logset, kept = _read_log(log, rule)
        sets.append(logset)
        problems.extend(kept)
    return LogsEvidence(
        paths=tuple(paths),
        missing=tuple(found.missing),
        time_convention=rule.convention,
        logs=tuple(sets),
        problems=tuple(problems),
    )


@dataclass(slots=True)
class _Tally:
    entries: int = 0
    errors: int = 0
    warnings: int = 0
    first: datetime | None = None
    last: datetime | None = None
    kept: deque[LogRecord] = field(default_factory=lambda: deque(maxlen=KEEP_PROBLEMS))


def _read_log(log: LogicalLog, rule: TimeRule) -> tuple[LogSet, list[LogRecord]]:
    """One logical log, its files read as one stream, with the reader its name calls for."""
    sync = UserSyncReader() if log.key == "cloudusersync.log" else None
    sitecomp = SiteCompReader() if log.key == "sitecomp.log" else None
    reader = sync or sitecomp
    tally, stats, where = _Tally(), [FileStats() for _ in log.files], str(log.path)
    for i, e in parse_log(log.files, stats):
        _count(tally, e, log.name, where, str(log.files[i]), rule, reader)
    read = [s for s in stats if not s.problem]  # a file that could not be read says nothing of its kind
    configmgr = not read or any(s.format != "plain" for s in read)
    if not configmgr:  # "error" in a package name of dpkg.log is no ConfigMgr error
        tally.errors = tally.warnings = 0
        tally.kept.clear()
    kept = list(tally.kept)
    logset = LogSet(
        name=log.name,
        files=tuple(_file(path, s) for path, s in zip(log.files, stats, strict=True)),
        entries=tally.entries,
        errors=tally.errors,
        warnings=tally.warnings,
        first=tally.first,
        last=tally.last,
        dropped=tally.errors + tally.warnings - len(kept),
        path=where,
        configmgr=configmgr,
        sync=sync.facts() if sync else None,
        components=tuple(sitecomp.events) if sitecomp else (),
    )
    return logset, kept


def _count(
    t: _Tally,
    e: Entry,
    log: str,
    where: str,
    file: str,
    rule: TimeRule,
    reader: UserSyncReader | SiteCompReader | None,
) -> None:
    t.entries += 1
    when = rule.utc(e) if e.date else None
    if when is not None:  # the oldest and newest times, wherever they stand in the file
        if t.first is None or when < t.first:
            t.first = when
        if t.last is None or when > t.last:
            t.last = when
    if e.severity >= WARNING:
        if e.severity == ERROR:
            t.errors += 1
        else:
            t.warnings += 1
        t.kept.append(
            LogRecord(
                log=log,
                file=file,
                path=where,
                line=e.line,
                time=when,
                raw_time=f"{e.date} {e.time}".strip(),
                component=e.component,
                severity=SEVERITY_NAMES[e.severity],
                message=e.message[:1000],
            )
        )
    if reader is not None:
        reader.feed(e, lambda: when, file)


def _file(path: Path, stats: FileStats) -> LogFile:
    return LogFile(
        path=str(path),
        format=stats.format,
        encoding=stats.encoding,
        size=stats.size,
        entries=stats.entries,
        skipped_chars=stats.skipped_chars,
        truncated_tail=stats.truncated_tail,
        problem=stats.problem,
        truncated_records=stats.truncated_records,
        truncated_chars=stats.truncated_chars,
        truncated_line=stats.truncated_line,
        skipped_fragments=stats.skipped_fragments,
        skipped_line=stats.skipped_line,
    )
