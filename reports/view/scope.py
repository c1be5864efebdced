"""Scope and limitations: what the scan examined, what it did not, and as of when."""

from __future__ import annotations

from dataclasses import dataclass

from reports.text import when
from scanner.model import ScanResult, SourceStatus

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
    times = sorted(s.started for s in read if s.started is not None)
    if saved:
        collected = f"collected {when(times[0])}" if times else "collection time not recorded"
        as_of = f"Saved evidence from {saved}, {collected}; evaluated {when(result.started)}."
    else:
        as_of = f"Collected {when(times[0]) if times else when(result.started)}, during this run."
    return Scope(
        examined=tuple(_examined(s, saved) for s in read),
        not_examined=tuple(
            f"{s.name}: {_NOT.get(s.status, s.status)}" + (f" ({s.reason})" if s.reason else "")
            for s in missed
        ),
        as_of=as_of,
    )


def _examined(s: SourceStatus, saved: str) -> str:
    where = s.target or (f"saved in {saved}" if saved else "")
    at = f", read {when(s.started)}" if s.started else ""
    return f"{s.name}: {where}{at}" if where else f"{s.name}{at}"
