"""The logs source: reads ConfigMgr logs once and keeps the facts the checks judge."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from contextlib import suppress
from dataclasses import dataclass, field, replace
from datetime import datetime
from itertools import repeat
from pathlib import Path

from scanner.evidence.logs import LogFile, LogRecord, LogSet, LogsEvidence
from scanner.sources.logfacts import SiteCompReader, UserSyncReader
from scanner.sources.logfiles import LogicalLog, resolve
from scanner.sources.parse.cmlog import INFO, SEVERITY_NAMES, WARNING, Batch, Entry, FileStats, parse_batches
from scanner.sources.parse.cmtime import clock_time, time_range
from scanner.sources.parse.severity import ERROR
from scanner.sources.rotation import read_steady

KEEP_PROBLEMS = 5000  # most recent error/warning entries kept per log
MESSAGE_CHARS = 1000  # of each


@dataclass(frozen=True, slots=True, kw_only=True)
class TimeRule:
    convention: str = "bias"  # bias: UTC = local + n (ConfigMgr); offset: UTC = local - n
    missing_bias: int = 0  # minutes, for times written without a zone part

    def utc(self, e: Entry) -> datetime | None:
        return self.clock(e.date, e.time)

    def clock(self, date: str, time: str) -> datetime | None:
        sign = 1 if self.convention == "bias" else -1
        return clock_time(date, time, sign, self.missing_bias)


def collect_logs(
    paths: tuple[str, ...] | list[str], rule: TimeRule, base: Path | None = None
) -> LogsEvidence:
    found = resolve(paths, base)
    sets, problems = [], []
    for log in found.logs:
        logset, kept = _read_steady(log, rule)
        sets.append(logset)
        problems.extend(kept)
    return LogsEvidence(
        paths=tuple(paths),
        missing=tuple(found.missing),
        time_convention=rule.convention,
        logs=tuple(sets),
        problems=tuple(problems),
    )


def _read_steady(log: LogicalLog, rule: TimeRule) -> tuple[LogSet, list[LogRecord]]:
    """One logical log, read again while it rotates under the reader (each read starts afresh)."""
    (logset, kept), moving = read_steady(log, lambda now: _read_log(now, rule))
    if moving:  # never read in one piece: its files say so, and the checks do not judge it
        logset = replace(logset, files=tuple(replace(f, problem=f.problem or moving) for f in logset.files))
    return logset, kept


@dataclass(slots=True)
class _Tally:
    entries: int = 0
    errors: int = 0
    warnings: int = 0
    first: datetime | None = None
    last: datetime | None = None
    kept: deque[tuple[int, Entry]] = field(default_factory=lambda: deque(maxlen=KEEP_PROBLEMS))  # file, entry


def _read_log(log: LogicalLog, rule: TimeRule) -> tuple[LogSet, list[LogRecord]]:
    """One logical log, its files read as one stream, with the reader its name calls for."""
    sync = UserSyncReader(rule.clock) if log.key == "cloudusersync.log" else None
    sitecomp = SiteCompReader(rule.clock) if log.key == "sitecomp.log" else None
    reader = sync or sitecomp
    tally, stats, where = _Tally(), [FileStats() for _ in log.files], str(log.path)
    for i, batch in parse_batches(log.files, stats):
        _count(tally, batch, str(log.files[i]), i, rule, reader)
    read = [s for s in stats if not s.problem]  # a file that could not be read says nothing of its kind
    configmgr = not read or any(s.format != "plain" for s in read)
    if not configmgr:  # "error" in a package name of dpkg.log is no ConfigMgr error
        tally.errors = tally.warnings = 0
        tally.kept.clear()
    kept = [_record(e, log.name, where, str(log.files[i]), rule) for i, e in tally.kept]
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
    t: _Tally, b: Batch, file: str, index: int, rule: TimeRule, reader: UserSyncReader | SiteCompReader | None
) -> None:
    """Count a batch of records: whole columns at once, and the few records that matter one by one."""
    t.entries += len(b)
    oldest, newest = time_range(b.dates, b.times, rule.clock)  # the oldest and newest, wherever they stand
    if oldest is not None and (t.first is None or oldest < t.first):
        t.first = oldest
    if newest is not None and (t.last is None or newest > t.last):
        t.last = newest
    warnings = b.severities.count(WARNING)
    errors = len(b) - warnings - b.severities.count(INFO)
    if errors or warnings:
        t.errors += errors
        t.warnings += warnings
        t.kept.extend(zip(repeat(index), _problems(b)))  # the last KEEP_PROBLEMS stay
    if reader is not None:
        reader.read(b, file)


def _problems(b: Batch) -> Iterator[Entry]:
    """The batch's errors and warnings, their messages cut to MESSAGE_CHARS: the last KEEP_PROBLEMS of them,
    as the others would not stay. Found with list.index, a Python step per problem only."""
    found: list[int] = []
    for severity in (WARNING, ERROR):
        k, index = -1, b.severities.index
        with suppress(ValueError):
            while True:
                k = index(severity, k + 1)
                found.append(k)
    found.sort()
    picked = Batch(*(list(map(column.__getitem__, found[-KEEP_PROBLEMS:])) for column in b.columns()))
    picked.messages = [m[:MESSAGE_CHARS] for m in picked.messages]
    return picked.rows()


def _record(e: Entry, log: str, where: str, file: str, rule: TimeRule) -> LogRecord:
    return LogRecord(
        log=log,
        file=file,
        path=where,
        line=e.line,
        time=rule.utc(e) if e.date else None,
        raw_time=f"{e.date} {e.time}".strip(),
        component=e.component,
        severity=SEVERITY_NAMES[e.severity],
        message=e.message[:MESSAGE_CHARS],
    )


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
