"""The times of log records: one record's UTC time, and the oldest and newest of many at once."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime, timedelta
from functools import lru_cache, partial
from itertools import compress, filterfalse, repeat
from operator import add, methodcaller, not_, or_
from typing import Protocol

_TIME = re.compile(r"(\d{1,2}):(\d{2}):(\d{2})(?:\.(\d+))?\s*([+-]\d+)?$")
# Times whose text sorts in the order of the times: ASCII digits, two-digit hours, minutes and seconds
# under 60, a fraction of up to 9 digits ("+" and "-" sort before "." and the digits, so a shorter
# fraction sorts first), then the same bias. With the same date, they are one offset from UTC apart.
# Checked on their shapes (digits 0-5 as "a", 6-9 as "b"): a batch holds a handful of them.
_PLAIN_SHAPE = re.compile(r"[ab][ab]:a[ab]:a[ab](?:\.[ab]{1,9})?(?:[+-][ab]{1,4})?")
_SHAPE = str.maketrans("0123456789ab", "aaaaaabbbb??")  # a letter a or b in a time is no digit
_PLAIN_ONE = re.compile(r"([0-9][0-9]):([0-5][0-9]):([0-5][0-9])(?:\.([0-9]{1,9}))?([+-][0-9]{1,4})?$")
_BIAS = re.compile(r"[+-][0-9]{1,4}")
_SIGN = re.compile(r"[+-]")
_UNSIGNED = partial(filterfalse, _SIGN.search)  # of many times, those without a bias
_MAX_BIASES = 8
_DIGITS = b"0123456789"
_LAYOUT = (_DIGITS, _DIGITS, b":", b"012345", _DIGITS, b":", b"012345", _DIGITS, b".")  # of "hh:mm:ss."


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

    The same as timing every record, but most batches need a few: records whose times sort as text are
    sorted once, and each bias timed at its least and greatest (_sorted_ends)."""
    unique = set(dates)
    if times and (found := _sorted_ends(unique, dates, times, clock)) is not None:
        return found
    days: dict[str, list[str]] = {}
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


def _sorted_ends(unique: set[str], dates: Sequence[str], times: Sequence[str], clock: Clock) -> Range | None:
    """Records of real dates whose times sort as text, of a handful of biases: their keys (the date as
    year, month, day, then the time) sorted once in C, each bias timed at the first and the last key
    that has it. None when they are not all such records, or an end is out of the calendar."""
    days = {day: _day(day) for day in unique}
    if not all(days.values()) or (biases := plain_biases(times)) is None:
        return None
    if len(unique) == 1:
        keys = times
    else:
        sortable = {day: f"{d.year:04}{d.month:02}{d.day:02}" for day, d in days.items() if d}
        keys = list(map(add, map(sortable.__getitem__, dates), times))
    ordered = sorted(keys)
    oldest = newest = None
    for bias in biases:  # "": the times without one
        member = partial(filter, methodcaller("endswith", bias)) if bias else _UNSIGNED
        first, last = keys.index(next(member(ordered))), keys.index(next(member(reversed(ordered))))
        lo, hi = clock(dates[first], times[first]), clock(dates[last], times[last])
        if lo is None or hi is None:  # one end out of the calendar: every record, the other way
            return None
        oldest, newest = min(lo, oldest or lo), max(hi, newest or hi)
    return oldest, newest


def plain_biases(times: Sequence[str]) -> list[str] | None:
    """The biases of the times ("" for those without one) when every time sorts as text within its bias;
    None when one does not, or when there are more than a handful of biases."""
    joined = "\n".join(times)
    if not times or not _plain_text(joined, len(times)):
        return None
    return _biases(joined + "\n")


def _biases(lines: str) -> list[str] | None:
    """The biases of plain times, a newline after each, and "" if some have none; None when there are
    more than a handful (found one by one: each costs a pass over the text)."""
    found: list[str] = []
    rest, signed = lines, 0
    while (at := rest.find("+")) >= 0 or (at := rest.find("-")) >= 0:  # a sign, and the bias it starts
        bias = _BIAS.match(rest, at)
        if bias is None or len(found) == _MAX_BIASES:
            return None
        found.append(bias[0])
        left = rest.replace(bias[0] + "\n", "\n")  # a plain time holds one sign: those of this bias
        signed, rest = signed + (len(rest) - len(left)) // len(bias[0]), left
    return [*found, ""] if signed < lines.count("\n") else found


def _groups(times: Sequence[str]) -> list[Sequence[str]] | None:
    """The times by bias, when they all sort as text; None when they do not."""
    return _by_bias(times) if _plain(times) else None


def _plain(times: Sequence[str]) -> bool:
    """Whether the times all sort as text (within one bias)."""
    return _plain_text("\n".join(times), len(times))


def _plain_text(joined: str, count: int) -> bool:
    """_plain of that many times joined with newlines (one holding a newline is not plain)."""
    stride = (len(joined) + 1) // count  # when the times are all of one width, their columns line up
    if stride * count == len(joined) + 1 and joined.isascii():
        data = joined.encode("ascii")
        lined_up = data[stride - 1 :: stride].count(b"\n") == count - 1  # a newline elsewhere: not plain
        if lined_up and _plain_columns([data[j::stride] for j in range(stride - 1)], count):
            return True
    lines = joined.translate(_SHAPE).split("\n")
    return len(lines) == count and all(map(_PLAIN_SHAPE.fullmatch, set(lines)))


def _plain_columns(columns: list[bytes], count: int) -> bool:
    """Whether count times of one width, given as columns (the first character of each, the second...),
    are plain in the usual layout: "hh:mm:ss." then digits, with one column at most where signs stand
    among them. Checked a column at a time in C; False says nothing: other layouts go time by time."""
    width = len(columns)
    if width < 10 or any(map(bytes.translate, columns[:9], repeat(None), _LAYOUT)):  # something else there
        return False
    signs = []  # the columns where signs stand, and whether digits stand there too
    for j in range(9, width):
        other = columns[j].translate(None, _DIGITS)
        if other.translate(None, b"+-"):
            return False
        if other:
            signs.append((j, len(other) < count))
    if not signs:  # hh:mm:ss.fffffff
        return width <= 18
    # hh:mm:ss.fff+bbb where a sign stands, hh:mm:ss.fffffff (as wide) where a digit does
    at, digits = signs[0]
    return len(signs) == 1 and 10 <= at <= 18 and 1 <= width - 1 - at <= 4 and (not digits or width <= 18)


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
