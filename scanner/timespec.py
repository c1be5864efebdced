"""Time windows as users write them: "7d", "12h", "90m", or an ISO date or date-time."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

_SPAN = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([dhm])\s*$", re.I)
_UNITS = {"d": "days", "h": "hours", "m": "minutes"}


def window_start(spec: str, newest: datetime) -> datetime:
    """Start of the window: a span counts back from `newest`; a date or time is absolute (UTC)."""
    if m := _SPAN.match(spec):
        return newest - timedelta(**{_UNITS[m[2].lower()]: float(m[1])})
    try:
        when = datetime.fromisoformat(spec.strip())
    except ValueError:
        raise ValueError(
            f"{spec!r} is not a time window; use 7d, 12h, 90m or a date like 2026-11-01"
        ) from None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def fmt(when: datetime | None) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC") if when else "unknown time"
