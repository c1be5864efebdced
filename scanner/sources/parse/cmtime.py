"""The times of log records: one record's UTC time, and the oldest and newest of many at once."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from itertools import compress, repeat
from operator import add, not_, or_
from typing import Protocol

_TIME = re.compile(r"(\d{1,2}):(\d{2}):(\d{2})(?:\.(\d+))?\s*([+-]\d+)?$")
# Times whose text sorts in the order of the times: ASCII digits, two-digit hours, minutes and seconds
# under 60, a fraction of up to 9 digits ("+" and "-" sort before "." and the digits, so a shorter
# fraction sorts first), then the same bias. With the same date, they are one offset from UTC apart.
# Checked on their shapes (digits 0-5 as "a", 6-9 as "b"): a batch holds a handful of them.
_PLAIN_SHAPE = re.compile(r"[ab][ab]:a[ab]:a[ab](?:\.[ab]{1,9})?(?:[+-][ab]{1,4})?")
_SHAPE = str.maketrans("0123456789", "aaaaaabbbb")
_PLAIN_ONE = re.compile(r"([0-9][0-9]):([0-5][0-9]):([0-5][0-9])(?:\.([0-9]{1,9}))?([+-][0-9]{1,4})?$")
_BIAS = re.compile(r"[+-][0-9]{1,4}")


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
    if m := _PLAIN_ONE.match(time):  # the usual shape: the minute from a cache, then the seconds
        hours, minutes, seconds, fraction, bias = m.groups()
        minute = _minute(date, hours, minutes, bias, bias_sign, missing_bias)
        micro = int(fraction[:6].ljust(6, "0")) if fraction else 0
        return minute.replace(second=int(seconds), microsecond=micro) if minute else None
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


@lru_cache(maxsize=4096)
def _minute(
    date: str, hours: str, minutes: str, bias: str | None, sign: int, missing: int
) -> datetime | None:
    """The UTC time of the minute: the seconds, under 60, never move it out of the calendar."""
    day = _day(date)
    if day is None:
        return None
    offset = sign * int(bias) if bias else missing
    try:
        return day + timedelta(hours=int(hours), minutes=int(minutes) + offset)
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
    unique = set(dates)
    if len(unique) > 1 and (found := _across_days(unique, dates, times, clock)) is not None:
        return found
    if len(unique) == 1:
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


def _across_days(unique: set[str], dates: Sequence[str], times: Sequence[str], clock: Clock) -> Range | None:
    """Records of several dates and one bias whose times sort as text: timed at the least and greatest
    of date (as year, month, day) and time, found in C. None when they are not all such records."""
    days = {day: _day(day) for day in unique}
    if not all(days.values()) or not _plain(times):
        return None
    sortable = {day: f"{d.year:04}{d.month:02}{d.day:02}" for day, d in days.items() if d}
    keys = list(map(add, map(sortable.__getitem__, dates), times))  # by bias as the times are
    oldest = newest = None
    for group in _by_bias(keys):
        first, last = keys.index(min(group)), keys.index(max(group))
        lo, hi = clock(dates[first], times[first]), clock(dates[last], times[last])
        if lo is None or hi is None:  # one end out of the calendar: every record, the other way
            return None
        oldest, newest = min(lo, oldest or lo), max(hi, newest or hi)
    return oldest, newest


def _groups(times: Sequence[str]) -> list[Sequence[str]] | None:
    """The times by bias, when they all sort as text; None when they do not."""
    return _by_bias(times) if _plain(times) else None


def _plain(times: Sequence[str]) -> bool:
    """Whether the times all sort as text (within one bias)."""
    return all(map(_PLAIN_SHAPE.fullmatch, set("\n".join(times).translate(_SHAPE).split("\n"))))


def _by_bias(times: Sequence[str]) -> list[Sequence[str]]:
    """Plain times (or anything ending with one, after a prefix without signs) by bias."""
    joined = "\n".join(times)
    # A plain time holds at most one sign, its bias's.
    first = _BIAS.search(times[0])
    if first and all(map(str.endswith, times, repeat(first[0]))):
        return [times]
    if not first and "+" not in joined and "-" not in joined:
        return [times]
    biases = set(_BIAS.findall(joined))
    groups: list[Sequence[str]] = [list(compress(times, map(str.endswith, times, repeat(b)))) for b in biases]
    signed = map(or_, map(str.__contains__, times, repeat("+")), map(str.__contains__, times, repeat("-")))
    unsigned = list(compress(times, map(not_, signed)))
    return [*groups, unsigned] if unsigned else groups


def _ends(day: str, times: Sequence[str], clock: Clock) -> Range:
    lo, hi = clock(day, min(times)), clock(day, max(times))
    if lo is None or hi is None:  # one end out of the calendar: time each one
        return _each(repeat(day), times, clock)
    return lo, hi


def _each(dates: Iterable[str], times: Sequence[str], clock: Clock) -> Range:
    timed = (clock(d, t) for d, t in zip(dates, times, strict=False) if d)  # dates may be endless
    found = [when for when in timed if when is not None]
    return (min(found), max(found)) if found else (None, None)
