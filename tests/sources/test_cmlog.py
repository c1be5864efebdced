"""The log parser on the edge cases real ConfigMgr logs contain."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scanner.sources.parse import cmlog
from scanner.sources.parse.cmlog import ERROR, INFO, WARNING, FileStats, LogReadError, entry_time, parse_file


def ccm(
    msg: str,
    *,
    time: str = "09:05:12.347+300",
    date: str = "11-24-2026",
    comp: str = "SMS_X",
    typ: str = "1",
    thread: str = "42",
    file: str = "a.cpp:1",
) -> str:
    return (
        f'<![LOG[{msg}]LOG]!><time="{time}" date="{date}" component="{comp}" context="" '
        f'type="{typ}" thread="{thread}" file="{file}">'
    )


def sms(msg: str, stamp: str = "11-24-2026 09:05:12.347+300", comp: str = "SMS_X") -> str:
    return f"{msg}  $$<{comp}><{stamp}><thread=4512 (0x11A0)>"


def write(tmp_path: Path, text: str, name: str = "x.log", encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def parse(path: Path) -> tuple[list[cmlog.Entry], FileStats]:
    stats = FileStats()
    return list(parse_file(path, stats)), stats


def test_ccm_message_spanning_lines_keeps_the_whole_text_and_line_numbers(tmp_path: Path) -> None:
    text = "\r\n".join([ccm("first"), ccm("Exception:\r\n   at Foo()\r\n   at Bar()", typ="3"), ccm("third")])
    entries, _ = parse(write(tmp_path, text))
    assert [e.message for e in entries] == ["first", "Exception:\n   at Foo()\n   at Bar()", "third"]
    assert [e.line for e in entries] == [1, 2, 5]
    assert entries[1].severity == ERROR


def test_two_records_on_one_line(tmp_path: Path) -> None:
    entries, _ = parse(write(tmp_path, ccm("one") + ccm("two") + "\r\n" + ccm("three")))
    assert [(e.message, e.line) for e in entries] == [("one", 1), ("two", 1), ("three", 2)]


def test_file_starting_and_ending_mid_record(tmp_path: Path) -> None:
    head = ccm("tail of a cut message")[len("<![LOG[the start of ") :]
    text = "\r\n".join([head, ccm("complete"), "<![LOG[half written rec"])
    entries, stats = parse(write(tmp_path, text))
    assert [e.message for e in entries] == ["complete"]
    assert stats.skipped_chars > 0 and stats.truncated_tail


def test_empty_message(tmp_path: Path) -> None:
    entries, _ = parse(write(tmp_path, ccm("") + "\r\n" + ccm("next")))
    assert [e.message for e in entries] == ["", "next"]


@pytest.mark.parametrize(
    ("raw", "micro"),
    [("09:05:12.347", 347000), ("09:05:12.3471", 347100), ("09:05:12.6721099", 672109), ("09:05:12", 0)],
)
def test_fraction_digits_three_to_seven(tmp_path: Path, raw: str, micro: int) -> None:
    [e], _ = parse(write(tmp_path, ccm("m", time=raw + "+000")))
    assert entry_time(e) == datetime(2026, 11, 24, 9, 5, 12, micro, tzinfo=UTC)


def test_missing_time_zone_uses_the_configured_bias(tmp_path: Path) -> None:
    [e], _ = parse(write(tmp_path, ccm("m", time="13:59:35.6721099")))
    assert e.time == "13:59:35.6721099"
    assert entry_time(e) == datetime(2026, 11, 24, 13, 59, 35, 672109, tzinfo=UTC)
    assert entry_time(e, missing_bias=60) == datetime(2026, 11, 24, 14, 59, 35, 672109, tzinfo=UTC)


@pytest.mark.parametrize(
    ("raw", "sign", "hour"),
    [
        ("10:00:00.000+480", 1, 18),
        ("10:00:00.000-120", 1, 8),
        ("10:00:00.000-060", 1, 9),
        ("10:00:00.000+480", -1, 2),
    ],
)
def test_bias_convention_utc_is_local_plus_bias(tmp_path: Path, raw: str, sign: int, hour: int) -> None:
    [e], _ = parse(write(tmp_path, ccm("m", time=raw)))
    assert entry_time(e, bias_sign=sign) == datetime(2026, 11, 24, hour, 0, tzinfo=UTC)


def test_bias_crossing_midnight_moves_the_date(tmp_path: Path) -> None:
    [e], _ = parse(write(tmp_path, sms("m", "12-31-2026 23:30:00.000+300")))
    assert entry_time(e) == datetime(2027, 1, 1, 4, 30, tzinfo=UTC)


def test_one_digit_month_and_day(tmp_path: Path) -> None:
    [a], _ = parse(write(tmp_path, ccm("m", date="3-5-2026"), "a.log"))
    [b], _ = parse(write(tmp_path, sms("s", "3-5-2026 01:02:03.004+000"), "b.log"))
    assert entry_time(a) == datetime(2026, 3, 5, 14, 5, 12, 347000, tzinfo=UTC)
    assert entry_time(b) == datetime(2026, 3, 5, 1, 2, 3, 4000, tzinfo=UTC)
    assert a.date == "3-5-2026"


def test_attributes_in_any_order_or_case(tmp_path: Path) -> None:
    rec = (
        '<![LOG[odd]LOG]!><THREAD="7" TYPE="2" Date="11-24-2026" component="SMS_Y" '
        'time="08:00:00.000+000" context="">'
    )
    [e], _ = parse(write(tmp_path, rec))
    assert (e.component, e.severity, e.thread, e.date) == ("SMS_Y", WARNING, "7", "11-24-2026")
    assert entry_time(e) == datetime(2026, 11, 24, 8, tzinfo=UTC)


def test_sms_format_tilde_continuations_and_multiline(tmp_path: Path) -> None:
    text = "\r\n".join(
        [
            sms("SQL>>>select * from Sites~  order by Name~"),
            "raw line one",
            sms("raw line two"),
            sms("path C:\\PROGRA~1\\x"),
        ]
    )
    entries, stats = parse(write(tmp_path, text))
    assert [e.message for e in entries] == [
        "SQL>>>select * from Sites\n  order by Name",
        "raw line one\nraw line two",
        "path C:\\PROGRA~1\\x",
    ]
    assert [e.line for e in entries] == [1, 2, 4]
    assert stats.format == "sms"


def test_severity_from_type_then_text_like_cmtrace(tmp_path: Path) -> None:
    typed = "\n".join(
        [
            ccm("error in text but type says info", typ="1"),
            ccm("no type: ERROR", typ=""),
            ccm("warn in text", typ="3"),
            ccm("x", typ="2"),
            ccm("x", typ="0"),
        ]
    )
    text = "\n".join(
        [
            sms("Cluster failover completed"),
            sms("Starting user delta sync, raise failure status messages = True"),
            sms("Failed to add user a@b.c; reason UserNotFound"),
            sms("WARNING: retry"),
            sms("all good"),
            sms("Failover done, then it failed"),
        ]
    )
    assert [e.severity for e in parse(write(tmp_path, typed, "a.log"))[0]] == [
        INFO,
        ERROR,
        ERROR,
        WARNING,
        INFO,
    ]
    assert [e.severity for e in parse(write(tmp_path, text, "b.log"))[0]] == [
        INFO,
        INFO,
        WARNING,  # a failed step: a warning (bench/severity_bench.py measures why)
        WARNING,
        INFO,
        WARNING,
    ]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "cp1252"])
def test_encodings(tmp_path: Path, encoding: str) -> None:
    text = "\r\n".join([ccm("Müller café – ok"), ccm("second")])
    entries, stats = parse(write(tmp_path, text, encoding=encoding))
    assert entries[0].message == "Müller café – ok"
    expected = {"utf-8": "utf-8", "utf-8-sig": "utf-8-sig", "utf-16": "utf-16", "cp1252": "cp1252"}
    assert stats.encoding == expected[encoding]


def test_utf16_without_bom_is_detected(tmp_path: Path) -> None:
    entries, stats = parse(write(tmp_path, ccm("hello") + "\r\n" + ccm("x"), encoding="utf-16-le"))
    assert stats.encoding == "utf-16-le" and entries[0].message == "hello"


def test_binary_file_is_refused_with_a_clear_message(tmp_path: Path) -> None:
    path = tmp_path / "image.log"
    path.write_bytes(bytes(range(256)) * 40)
    with pytest.raises(LogReadError, match="binary file"):
        parse(path)


def test_plain_text_lines_are_entries(tmp_path: Path) -> None:
    entries, stats = parse(write(tmp_path, "hello\r\n\r\nan error happened\n"))
    assert stats.format == "plain"
    assert [(e.message, e.line, e.severity) for e in entries] == [
        ("hello", 1, INFO),
        ("an error happened", 3, ERROR),
    ]


records = st.lists(
    st.tuples(
        st.text(alphabet=st.characters(blacklist_categories=["Cs"], blacklist_characters="<>]"), max_size=40),
        st.sampled_from(["1", "2", "3"]),
    ),
    min_size=1,
    max_size=30,
)


@settings(max_examples=60, deadline=None)
@given(records, st.integers(min_value=3, max_value=50))
def test_chunk_boundaries_never_change_the_result(
    tmp_path_factory: pytest.TempPathFactory, recs: list[tuple[str, str]], chunk: int
) -> None:
    path = tmp_path_factory.mktemp("chunks") / "x.log"
    path.write_text("\r\n".join(ccm(m, typ=t) for m, t in recs), encoding="utf-8", newline="")
    whole = parse(path)[0]
    old = cmlog.CHUNK_CHARS
    cmlog.CHUNK_CHARS = chunk
    try:
        pieces = parse(path)[0]
    finally:
        cmlog.CHUNK_CHARS = old
    assert pieces == whole
    assert [e.message for e in whole] == [m.replace("\r\n", "\n") for m, _ in recs]


def test_a_log_being_written_while_read(tmp_path: Path) -> None:
    path = tmp_path / "live.log"
    path.write_text("\r\n".join(sms(f"line {i}") for i in range(2000)) + "\r\n", newline="")
    stop = threading.Event()

    def writer() -> None:
        with path.open("a", newline="") as fh:
            i = 0
            while not stop.is_set():
                fh.write(sms(f"appended {i}")[:30])  # half a record, flushed, then the rest
                fh.flush()
                fh.write(sms(f"appended {i}")[30:] + "\r\n")
                fh.flush()
                i += 1
                time.sleep(0.0005)

    t = threading.Thread(target=writer)
    t.start()
    try:
        entries, _ = parse(path)
    finally:
        stop.set()
        t.join()
    assert len(entries) >= 2000
    assert all(e.date == "11-24-2026" and "$$" not in e.message for e in entries)
    assert [e.message for e in entries[:2000]] == [f"line {i}" for i in range(2000)]


# Regressions found by fuzzing (tests/test_fuzz.py): hostile input must cost time linear in its size.


@pytest.mark.parametrize(
    ("text", "fmt"),
    [
        (ccm("x") + "<![LOG[" * 20_000, "ccm"),  # took 73 s: every start rescanned the tail
        (ccm("x") + "<![LOG[a]LOG]!><" * 20_000, "ccm"),  # terminators without the closing ">"
        (sms("x") + "\n" + "$$<" * 50_000, "sms"),  # took 12 s at 20,000
        (sms("x") + "\n" + "$$<a><b><thread=1" * 20_000, "sms"),
    ],
)
def test_markers_without_records_cost_linear_time(tmp_path: Path, text: str, fmt: str) -> None:
    began = time.perf_counter()
    entries, stats = parse(write(tmp_path, text))
    assert time.perf_counter() - began < 5  # milliseconds now; minutes before the fix
    assert stats.format == fmt and entries[0].message == "x"


@pytest.mark.parametrize(
    ("date", "time_"),
    [
        ("1-1-99999999999999999999", "01:00:00"),
        ("1-1-2026", "01:00:00+" + "9" * 30),
        ("1-1-2026", "1:00:00+" + "9" * 5000),
    ],
)
def test_times_out_of_any_calendar_are_none(date: str, time_: str) -> None:
    assert entry_time(cmlog.Entry("m", "", date, time_, INFO, "", "", 1)) is None


@pytest.mark.parametrize("fmt", ["ccm", "sms", "plain"])
def test_an_over_long_record_is_cut_and_counted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fmt: str
) -> None:
    monkeypatch.setattr(cmlog, "MAX_RECORD_CHARS", 100)
    monkeypatch.setattr(cmlog, "CHUNK_CHARS", 64)
    long = "a" * 150 + "\r\n" + "b" * 350  # 502 characters over four chunks
    rec = {"ccm": ccm, "sms": sms, "plain": lambda m: m}[fmt]
    first = {"ccm": ccm("first"), "sms": sms("first"), "plain": "first"}[fmt]
    entries, stats = parse(write(tmp_path, "\r\n".join([first, rec(long), rec("after")])))
    messages = [e.message for e in entries]
    if fmt == "plain":  # a plain line ends at the newline: the long text is two lines, one cut
        assert messages == ["first", "a" * 100, "b" * 100, "after"]
        assert [e.line for e in entries] == [1, 2, 3, 4]
        assert (stats.truncated_records, stats.truncated_chars, stats.truncated_line) == (2, 50 + 250, 2)
        return
    # The cap counts the raw text: an sms message also holds the CRLF that ends the header before it.
    assert messages == ["first", "a" * (100 if fmt == "ccm" else 98), "after"]
    assert [e.line for e in entries] == [1, 2, 4]
    assert stats.truncated_records == 1 and stats.truncated_line == 2
    # sms: the CRLF before and the two spaces before "$$<" count too
    assert stats.truncated_chars == len(long) - 100 + (4 if fmt == "sms" else 0)


def test_a_record_cut_at_the_end_of_the_file_is_counted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cmlog, "MAX_RECORD_CHARS", 100)
    monkeypatch.setattr(cmlog, "CHUNK_CHARS", 64)
    entries, stats = parse(write(tmp_path, ccm("one") + "\r\n<![LOG[" + "x" * 1000))
    assert [e.message for e in entries] == ["one"]
    assert stats.truncated_tail and stats.truncated_records == 1 and stats.truncated_line == 2


long_records = st.lists(
    st.tuples(
        st.text(alphabet=st.sampled_from("ab \r\n~$<>[]"), max_size=120),
        st.sampled_from(["1", "2", "3"]),
    ),
    min_size=1,
    max_size=12,
)


@settings(max_examples=80, deadline=None)
@given(long_records, st.integers(min_value=3, max_value=70), st.sampled_from(["ccm", "sms", "plain"]))
def test_cutting_over_long_records_does_not_depend_on_chunk_boundaries(
    tmp_path_factory: pytest.TempPathFactory, recs: list[tuple[str, str]], chunk: int, fmt: str
) -> None:
    build = {"ccm": lambda m, t: ccm(m, typ=t), "sms": lambda m, t: sms(m), "plain": lambda m, t: m}[fmt]
    path = tmp_path_factory.mktemp("cut") / "x.log"
    path.write_text("\r\n".join(build(m, t) for m, t in recs), encoding="utf-8", newline="")
    old = cmlog.MAX_RECORD_CHARS, cmlog.CHUNK_CHARS
    cmlog.MAX_RECORD_CHARS = 40
    try:
        whole = parse(path)
        cmlog.CHUNK_CHARS = chunk
        pieces = parse(path)
    finally:
        cmlog.MAX_RECORD_CHARS, cmlog.CHUNK_CHARS = old
    assert pieces[0] == whole[0]
    assert all(len(e.message) <= 40 for e in whole[0])
    assert pieces[1].truncated_records == whole[1].truncated_records
