"""The parser's fast path (whole chunks at once) reads exactly what the record-by-record path reads."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from scanner.sources.parse import cmlog
from scanner.sources.parse.cmfast import containing, severities
from scanner.sources.parse.cmlog import FileStats, parse_file
from scanner.sources.parse.cmtime import clock_time, time_range
from scanner.sources.parse.severity import text_severity

# Times and dates as logs write them, and as damaged ones do: what sorts as text and what does not.
TIMES = [
    "09:05:12.347+300",
    "09:05:12+300",
    "09:05:12.3+300",
    "23:59:59.9999999+300",
    "10:00:00.000-060",
    "10:00:00.000+0",
    "13:59:35.6721099",
    "13:59:35",
    "00:00:00.5",
    "9:05:12.347+300",  # one-digit hour: not in text order
    "12:75:00.000+300",  # minute 75: read, but not in text order
    "12:00:60.000+300",  # second 60
    "12:00:00 +300",  # a blank before the bias
    "١٢:00:00.000+300",  # Arabic-Indic digits
    "12:00:00.1234567890+300",  # ten fraction digits
    "12:00:00.000+30000",  # a five-digit bias
    "",
    "garbage",
    "10:00:00+300\n10:00:00",  # a newline: each line sorts as text, the time does not
]
DATES = ["11-24-2026", "11-25-2026", "3-5-2026", "12-31-9999", "1-1-1", "", "13-40-2026"]
WORDS = ["error", "Failed", "WARN", "status code 401", "failover", "0 errors", "İ", "ſtatus", "ok", "~"]
WORDS += ["\r\n"]
text = st.lists(st.sampled_from([*WORDS, "a", " ", "x y", "<", "]", '"']), max_size=8).map("".join)


def clock(date: str, time: str) -> datetime | None:
    return clock_time(date, time, 1, 60)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(DATES), st.sampled_from(TIMES)), min_size=1, max_size=40))
def test_the_oldest_and_newest_time_of_a_batch_are_those_of_timing_every_record(
    rows: list[tuple[str, str]],
) -> None:
    dates, times = [d for d, _ in rows], [t for _, t in rows]
    timed = [w for d, t in rows if d and (w := clock(d, t)) is not None]
    assert time_range(dates, times, clock) == ((min(timed), max(timed)) if timed else (None, None))


# Times of one width, as .NET and C++ writers put them side by side, and as damaged ones do: "d" is a digit.
LAYOUTS = [
    ["dd:dd:dd.ddddddd", "dd:dd:dd.ddd+ddd", "dd:dd:dd.ddd-ddd", "dd:dd:dd.dddd+dd", "dd:dd:dd.d+ddddd"],
    ["dd:dd:dd.ddddddd", "dd:dd:dd.dddddd+", "dd:dd:dd.dd+d+dd", "dd:dd:dd:ddddddd", "dd:dd:dd.ddd+300"],
    ["dd:dd:dd.dddddddddd", "dd:dd:dd.ddddddddd+", "dd:dd:dd.dddddd+ddd", "dd:dd:dd.ddddddddd+d"],
    ["dd:dd:dd.ddddddddd+dddd", "dd:dd:dd.ddddddddddddd-d"],
    ["dd:dd:dd.d", "dd:dd:dd+0", "dd:dd:dd.+"],
]
DIGIT = st.sampled_from("0123450123450123456789٣a ")


@st.composite
def one_width(draw: st.DrawFn) -> list[str]:
    layouts = draw(st.sampled_from(LAYOUTS))
    shapes = draw(st.lists(st.sampled_from(layouts), min_size=1, max_size=30))
    return ["".join(draw(DIGIT) if c == "d" else c for c in shape) for shape in shapes]


@settings(max_examples=300, deadline=None)
@example(["12:75:00.0000000", "13:10:00.0000000"], ["11-24-2026"])  # minute 75: later, though less as text
@example(["12:00:75.000+300", "12:01:10.000+300"], ["11-24-2026"])
@given(
    one_width(),
    st.lists(st.sampled_from(["11-24-2026", "11-25-2026", "11-5-2026", "11-05-2026"]), min_size=1),
)
def test_times_of_one_width_are_timed_as_every_record_is(times: list[str], days: list[str]) -> None:
    dates = [days[k % len(days)] for k in range(len(times))]
    timed = [w for d, t in zip(dates, times, strict=True) if (w := clock(d, t)) is not None]
    assert time_range(dates, times, clock) == ((min(timed), max(timed)) if timed else (None, None))


@settings(max_examples=200, deadline=None)
@given(st.lists(text, max_size=30))
def test_severities_of_many_texts_are_text_severity_of_each(texts: list[str]) -> None:
    assert severities(texts) == [text_severity(t) for t in texts]


@given(st.lists(text, max_size=30), st.lists(st.sampled_from(["error", "ail", "x y", "~"]), min_size=1))
def test_containing_finds_the_texts_holding_a_word(texts: list[str], words: list[str]) -> None:
    assert containing(texts, words) == {k for k, t in enumerate(texts) if any(w in t for w in words)}
    lowered = {k for k, t in enumerate(texts) if any(w in t.lower() for w in words)}
    assert containing(texts, words, lower=True) == lowered


def ccm(msg: str, time: str, date: str, typ: str) -> str:
    return (
        f'<![LOG[{msg}]LOG]!><time="{time}" date="{date}" component="C" context="" '
        f'type="{typ}" thread="7" file="f.cpp:1">'
    )


def sms(msg: str, time: str, date: str, _typ: str) -> str:
    return f"{msg}  $$<C><{date} {time}><thread=4512 (0x11A0)>"


# What may stand between records, or instead of one: blanks, junk, half markers, markers in messages.
BETWEEN = ["\r\n", "\r\n", "\r\n", "\r\n\r\n", "", "\n", " junk ", "<![LOG[", "]LOG]!><", "$$<"]
BETWEEN += ["<![LOG[x]LOG]!><", "$$<a><b>"]


def parse_both(path: Path) -> tuple[tuple[list[cmlog.Entry], FileStats], tuple[list[cmlog.Entry], FileStats]]:
    fast_stats, slow_stats = FileStats(), FileStats()
    fast = list(parse_file(path, fast_stats))
    with pytest.MonkeyPatch.context() as mp:  # the record-by-record path for every chunk
        mp.setattr(cmlog, "ccm_batch", lambda *_: None)
        mp.setattr(cmlog, "sms_batch", lambda *_: None)
        slow = list(parse_file(path, slow_stats))
    return (fast, fast_stats), (slow, slow_stats)


@pytest.mark.parametrize("fmt", [ccm, sms], ids=["ccm", "sms"])
@settings(max_examples=150, deadline=None)
@given(
    records=st.lists(
        st.tuples(
            text,
            st.sampled_from(TIMES),
            st.sampled_from(DATES),
            st.sampled_from(["1", "2", "3", ""]),
            st.sampled_from(BETWEEN),
        ),
        min_size=1,
        max_size=25,
    ),
    chunk=st.sampled_from([7, 50, 300, 1 << 20]),
)
def test_the_fast_path_reads_what_the_record_by_record_path_reads(
    tmp_path_factory: pytest.TempPathFactory,
    fmt: Callable[[str, str, str, str], str],
    records: list[tuple[str, str, str, str, str]],
    chunk: int,
) -> None:
    path = tmp_path_factory.mktemp("fast") / "x.log"
    body = "".join(fmt(msg, time, date, typ) + between for msg, time, date, typ, between in records)
    path.write_text(body, encoding="utf-8", newline="")
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(cmlog, "CHUNK_CHARS", chunk)
        (fast, fast_stats), (slow, slow_stats) = parse_both(path)
    assert fast == slow
    assert fast_stats == slow_stats


def test_a_message_over_the_cap_and_attributes_past_the_fast_bounds(tmp_path: Path) -> None:
    text = "\r\n".join(
        [
            ccm("first", "10:00:00.000+000", "11-24-2026", "1"),
            ccm("x" * 300, "10:00:01.000+000", "11-24-2026", "3"),
            ccm("long file", "10:00:02.000+000", "11-24-2026", "1").replace("f.cpp:1", "f" * 5000),
            ccm("after", "10:00:03.000+000", "11-24-2026", "1"),
        ]
    )
    path = tmp_path / "x.log"
    path.write_text(text, newline="")
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(cmlog, "MAX_RECORD_CHARS", 100)
        (fast, fast_stats), (slow, slow_stats) = parse_both(path)
    assert fast == slow and fast_stats == slow_stats
    assert [e.message[:5] for e in fast] == ["first", "x" * 5, "long ", "after"]
    assert fast[2].source == "f" * 5000 and fast_stats.truncated_records == 1
