"""The times of log records: one record's UTC time, and the oldest and newest of many at once."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from itertools import compress, filterfalse, repeat
from typing import Protocol

_TIME = re.compile(r"(\d{1,2}):(\d{2}):(\d{2})(?:\.(\d+))?\s*([+-]\d+)?$")
# Times whose text sorts in the order of the times: ASCII digits, two-digit hours, minutes and seconds
# under 60, a fraction of up to 9 digits ("+" and "-" sort before "." and the digits, so a shorter
# fraction sorts first), then the same bias. With the same date, they are one offset from UTC apart.
_PLAIN = re.compile(r"(?:[0-9][0-9]:[0-5][0-9]:[0-5][0-9](?:\.[0-9]{1,9})?(?:[+-][0-9]{1,4})?\n)*")
_BIAS = re.compile(r"([+-][0-9]{1,4})?\n")
_SIGN = re.compile("[+-]")


class Dated(Protocol):
    @property
    def date(self) -> str: ...
    @property
    def time(self) -> str: ...


Clock = Callable[[str, str], datetime | None]  # (date, time) as written -> UTC
Range = tuple[datetime | None, datetime | None]  # the oldest and the newest


@lru_cache(maxsize=4096)
def _day(date: str) -> datetime | None:
    try:
        month, day, year = (int(p) for p in date.split("-"))
        return datetime(year, month, day, tzinfo=UTC)
    except (ValueError, OverflowError):  # a year of twenty digits is no date either
        return None


def clock_time(date: str, time: str, bias_sign: int = 1, missing_bias: int = 0) -> datetime | None:
    """entry_time of a record with this date and time."""
    day = _day(date)
    m = _TIME.match(time) if day else None
    if day is None or m is None:
        return None
    hours, minutes, seconds, fraction, bias = m.groups()
    micro = int((fraction or "0")[:6].ljust(6, "0"))
    try:  # a bias of thousands of digits, or one that leaves the calendar, is no time
        offset = bias_sign * int(bias) if bias else missing_bias
        return day + timedelta(
            hours=int(hours), minutes=int(minutes) + offset, seconds=int(seconds), microseconds=micro
        )
    except (ValueError, OverflowError):
        return None


def entry_time(entry: Dated, *, bias_sign: int = 1, missing_bias: int = 0) -> datetime | None:
    """The entry's time in UTC, or None when it has none or it cannot be read.

    ConfigMgr writes the Windows time-zone bias (UTC = local + bias minutes); bias_sign=-1 reads
    the number as an east-positive offset instead. A time without a zone part uses missing_bias.
    """
    return clock_time(entry.date, entry.time, bias_sign, missing_bias)


def time_range(dates: Sequence[str], times: Sequence[str], clock: Clock) -> Range:
    """The oldest and newest of clock(date, time) over the records that have a date (None: no time).

    The same as timing every record, but most batches need two: records of one date and one bias
    whose times sort as text are timed at their textual least and greatest."""
    days: dict[str, list[str]] = {}
    if len(set(dates)) == 1:
        days[dates[0]] = list(times)
    else:
        for day, time in zip(dates, times, strict=True):
            days.setdefault(day, []).append(time)
    oldest = newest = None
    for day, same in days.items():
        if not day:  # no date: no time (the logs source times only dated records)
            continue
        groups = _groups(same)
        ranges = [_ends(day, g, clock) for g in groups] if groups else [_each(repeat(day), same, clock)]
        for lo, hi in ranges:
            if lo is not None and (oldest is None or lo < oldest):
                oldest = lo
            if hi is not None and (newest is None or hi > newest):
                newest = hi
    return oldest, newest


def _groups(times: Sequence[str]) -> list[Sequence[str]] | None:
    """The times by bias, when they all sort as text; None when they do not."""
    joined = "\n".join(times) + "\n"
    if _PLAIN.fullmatch(joined) is None:
        return None
    first = _BIAS.search(times[0] + "\n")
    bias = first[1] if first else None
    if bias and all(map(str.endswith, times, repeat(bias))):
        return [times]
    if not bias and "+" not in joined and "-" not in joined:
        return [times]
    return [
        list(compress(times, map(str.endswith, times, repeat(b))))
        if b
        else list(filterfalse(_SIGN.search, times))
        for b in set(_BIAS.findall(joined))
    ]


def _ends(day: str, times: Sequence[str], clock: Clock) -> Range:
    lo, hi = clock(day, min(times)), clock(day, max(times))
    if lo is None or hi is None:  # one end out of the calendar: time each one
        return _each(repeat(day), times, clock)
    return lo, hi


def _each(dates: Iterable[str], times: Sequence[str], clock: Clock) -> Range:
    timed = (clock(d, t) for d, t in zip(dates, times, strict=False) if d)  # dates may be endless
    found = [when for when in timed if when is not None]
    return (min(found), max(found)) if found else (None, None)
