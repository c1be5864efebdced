"""The usual-cycle finder: a batch's cycles by kind, and the proof that every cycle's end has a time."""

from __future__ import annotations

from collections import deque
from datetime import datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from scanner.sources.cycles import Kept, kinds, outside, timed, usual
from scanner.sources.parse.cmtime import clock_time

LOG = [
    "Starting user delta sync, raise failure status messages = True",
    "NotifyAccountAddition - SCCM user to add = eva.novak@contoso.com",
    "Failed to add user eva.novak@contoso.com; reason UserNotFound",
    "Total received users to add from SCCM = 1, Total Successfully added users to Cloud = 0",
    "Total received users from SCCM to be removed from cloud = 0",
    "Successfully removed users from cloud 0",
    "UserDeltaSync:- Users Added = 0, Users Removed = 0",
    "Polling interval elapsed",
    "ERROR: Failed to sync users with exception",
]


def test_a_cycle_is_found_by_its_records_and_the_others_by_their_phrases() -> None:
    found = kinds([*LOG[:7], LOG[7], LOG[0], LOG[8], *LOG[:7]])
    assert found == "SNFRVMD.Sx" + "SNFRVMD"
    firsts, ends = usual(found)
    assert (firsts, ends) == ([0, 10], [7, 17])
    assert outside(found, firsts, ends) == [8, 9]  # the broken cycle's start and its error


def bias_clock(date: str, time: str) -> datetime | None:
    return clock_time(date, time, 1, 60)


def offset_clock(date: str, time: str) -> datetime | None:
    return clock_time(date, time, -1, -1440)


def test_the_usual_ends_of_a_log_are_timed_without_timing_each() -> None:
    dates, times = ["11-01-2026", "11-02-2026"], ["09:05:01.880+300", "23:59:59.9999999-60"]
    assert timed(dates, times, bias_clock)
    assert not timed([*dates, ""], [*times, "09:05:01"], bias_clock)  # a record without a date has no time


DATES = st.sampled_from(["11-01-2026", "12-31-9999", "12-25-9999", "1-1-0001", "01-02-0001", "2-30-2026", ""])
TIMES = st.builds(
    "{}:{}:{}{}{}".format,
    st.sampled_from(["00", "09", "23", "24", "99", "9", "a1"]),
    st.sampled_from(["00", "59", "60"]),
    st.sampled_from(["00", "59"]),
    st.sampled_from(["", ".1", ".999999999", ".1234567890"]),
    st.sampled_from(["", "+0", "+300", "-60", "+9999", "-9999", "+99999", " +300"]),
)


@settings(max_examples=500, deadline=None)
@given(st.lists(st.tuples(DATES, TIMES), min_size=1, max_size=8), st.sampled_from([bias_clock, offset_clock]))
def test_timed_only_when_the_clock_times_every_record(records: list[tuple[str, str]], clock: object) -> None:
    dates, times = (list(c) for c in zip(*records, strict=True))
    if timed(dates, times, clock):  # type: ignore[arg-type]
        assert all(clock(d, t) is not None for d, t in records)  # type: ignore[operator]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(0, 40), max_size=30), st.integers(1, 60), st.data())
def test_the_facts_kept_by_number_are_those_of_their_batches(
    sizes: list[int], keep: int, data: st.DataObject
) -> None:
    kept = Kept(keep)
    latest: deque[int | tuple[str, int]] = deque(maxlen=keep)  # as a reader's deque holds them
    expected: deque[tuple[str, int]] = deque(maxlen=keep)
    for batch, size in enumerate(sizes):
        values = [batch * 100 + k for k in range(size)]
        for number, value in zip(kept.add(f"file{batch}", (values,)), values, strict=True):
            if data.draw(st.booleans()):  # a fact read one by one, between them
                latest.append(("one by one", batch))
                expected.append(("one by one", batch))
            latest.append(number)
            expected.append((f"file{batch}", value))
    assert list(kept.rows(latest)) == list(expected)
    if kept.chunks:  # what can no longer be asked for is let go
        first, _, (oldest,) = kept.chunks[0]
        assert first + len(oldest) > kept.issued - keep
