"""Logs ConfigMgr rotates or truncates while they are read: read again until their files hold still.

At its size limit ConfigMgr renames X.log to X.lo_ (replacing the previous one) and starts a new X.log;
a log can also be emptied or a share can go away. A read that overlapped such a change holds parts of
two states of the log (the old .lo_ and the new .log, with the old .log's records nowhere). The files'
identities and sizes before and after a read tell; then the logical log is read again, as it is now.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from scanner.sources.logfiles import LOG_SUFFIXES, LogicalLog, group

TRIES = 3  # a log that rotates three times during three reads is written faster than it can be read
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class _Seen:
    identity: tuple[int, int] | None  # (device, file number); None when unknown (some shares say 0)
    size: int


def read_steady(log: LogicalLog, read: Callable[[LogicalLog], T]) -> tuple[T, str]:
    """`read(log)`, again while its files change under it; returns the result and, when the log never
    held still, why (to be reported as a problem of its files)."""
    why = ""
    for _ in range(TRIES):
        before = _look(log.files)
        result = read(log)
        # The same paths again: a rollover always replaces the .log, so a new .lo_ never comes alone.
        # (No folder listing per log: a Logs share holds hundreds, and each look costs a round trip.)
        why = _changed(before, _look(log.files))
        if not why:
            return result, ""
        log = _now(log)
    return result, f"{log.name} was {why} each time it was read ({TRIES} times); scan again later"


def _look(paths: list[Path]) -> dict[Path, _Seen | None]:
    seen: dict[Path, _Seen | None] = {}
    for p in paths:
        try:
            st = os.stat(p)
        except OSError:
            seen[p] = None
            continue
        seen[p] = _Seen(identity=(st.st_dev, st.st_ino) if st.st_ino else None, size=st.st_size)
    return seen


def _changed(before: dict[Path, _Seen | None], after: dict[Path, _Seen | None]) -> str:
    for p, was in before.items():
        now = after.get(p)
        if was is None or now is None:
            if was != now:
                return "rotated or removed"
        elif was.identity != now.identity:
            return "rotated"
        elif now.size < was.size:
            return "truncated"
    return ""


def _now(log: LogicalLog) -> LogicalLog:
    """The same logical log as its folder holds it now: the files read before (gone ones too, so their
    reads fail and say so) and any sibling that appeared."""
    files = set(log.files)
    folder = log.files[0].parent if log.files else None
    stem = log.key.rsplit(".", 1)[0]
    try:
        if folder is not None:
            files |= {
                p
                for p in folder.iterdir()
                if p.name.lower().startswith(stem) and p.suffix.lower() in LOG_SUFFIXES and p.is_file()
            }
    except OSError:  # the folder itself is gone
        pass
    same = [g for g in group(sorted(files)) if g.key == log.key]
    return same[0] if same else log
