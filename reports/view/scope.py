"""Scope and limitations: what the scan examined, what it did not, and as of when."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from reports.text import when
from scanner.model import FILE_TIME, ScanResult, SourceStatus

_NOT = {"not_configured": "not configured", "error": "could not be read", "partial": "partly read"}


@dataclass(frozen=True, slots=True, kw_only=True)
class Scope:
    examined: tuple[str, ...]  # one line per source read: what, and when it was read
    not_examined: tuple[str, ...]  # one line per source not (fully) read, with why
    as_of: str  # when the evidence was collected; for saved evidence, also which file and when re-read


def scope(result: ScanResult) -> Scope:
    saved = str(result.options.get("evidence") or "")
    read = [s for s in result.sources if s.status in ("ok", "partial")]
    missed = [s for s in result.sources if s.status != "ok"]
    return Scope(
        examined=tuple(_examined(s, saved) for s in read),
        not_examined=tuple(
            f"{s.name}: {_NOT.get(s.status, s.status)}" + (f" ({s.reason})" if s.reason else "")
            for s in missed
        ),
        as_of=_as_of(result, read, saved),
    )


def _as_of(result: ScanResult, read: list[SourceStatus], saved: str) -> str:
    """As of when the findings hold: saved evidence is judged as of its collection, and says how old it is."""
    earlier = [s for s in read if saved or s.collected is not None]
    times = sorted(t for s in (earlier or read) if (t := s.as_of) is not None)
    if not earlier:
        return f"Collected {when(times[0]) if times else when(result.started)}, during this run."
    if not times:
        return f"Saved evidence from {saved}, collection time not recorded; evaluated {when(result.started)}."
    span = when(times[0]) if times[0] == times[-1] else f"between {when(times[0])} and {when(times[-1])}"
    head = f"Saved evidence from {saved}, collected {span}" if saved else f"Saved evidence collected {span}"
    text = f"{head}; evaluated {when(result.started)}{_later(result.started - times[0])}."
    text += " Expiry dates and ages in this report are as of the collection, not of the evaluation."
    if live := [s.name for s in read if s not in earlier]:
        text += f" Read during this run: {', '.join(live)}."
    if guessed := [s.name for s in earlier if s.collected_from == FILE_TIME]:
        text += (
            f" The evidence of {', '.join(guessed)} records no collection time: its file's modification "
            "time is taken instead."
        )
    return text


def _later(age: timedelta) -> str:
    """', 40 days later': the evidence's age when it was evaluated."""
    hours = age.total_seconds() / 3600
    if hours < 1:
        return ""  # evaluated as it was collected (or a clock that disagrees): no age worth saying
    if hours < 48:
        return f", {hours:.0f} hour{'s' * (round(hours) != 1)} later"
    return f", {age.days} days later"


def _examined(s: SourceStatus, saved: str) -> str:
    where = s.target or (f"saved in {saved}" if saved else "")
    earlier = bool(s.collected or saved)  # evidence from before this run: when it was collected
    at = _at(s.as_of, "collected", s.collected_from) if earlier else _at(s.started, "read", "")
    return f"{s.name}: {where}{at}" if where else f"{s.name}{at}"


def _at(moment: datetime | None, verb: str, source: str) -> str:
    if moment is None:
        return ""
    return f", {verb} {when(moment)}" + (" (the file's modification time)" if source == FILE_TIME else "")
